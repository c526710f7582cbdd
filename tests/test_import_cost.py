"""What ``import learning_direction as ld; ld.mediate`` loads (issue 18).

Reads the import tree that ``python -X importtime`` prints (and ``sys.modules`` afterwards),
not the clock: the heavy libraries must not be on that line's path. scipy.stats alone costs
about twice ``import pandas``, numba about 0.3 s and 140 MB; mediation needs none of them to
start (scipy.special is loaded on the first call, numba only for bootstraps large enough to
pay for it; see ``models.bootstrap.KERNEL_MIN_DRAWS``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

HEAVY = ("scipy.stats", "statsmodels", "numba")
LINE = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)\s*$")


def _imported(code: str) -> tuple[set[str], set[str]]:
    """Modules named in the ``-X importtime`` tree and those in ``sys.modules`` at the end."""
    env = {k: v for k, v in os.environ.items() if k != "LEARNING_DIRECTION_NO_NUMBA"}
    script = f"{code}\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=300,
    )
    tree = {m.group(1) for line in out.stderr.splitlines() if (m := LINE.match(line))}
    return tree, set(out.stdout.split())


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_importtime_parser_sees_heavy_imports():
    """The check can fail: importing scipy.stats shows up in the tree."""
    tree, loaded = _imported("import scipy.stats")
    assert "scipy.stats._distn_infrastructure" in tree
    assert _heavy(loaded)


def test_mediate_does_not_import_scipy_stats_statsmodels_or_numba():
    tree, loaded = _imported("import learning_direction as ld\nld.mediate")
    assert {"learning_direction", "pandas", "learning_direction.models.bootstrap"} <= tree
    assert _heavy(tree) == []
    assert _heavy(loaded) == []
    assert "scipy.special" not in loaded  # loaded by the first call, not by the name


def test_a_small_mediation_loads_neither_numba_nor_scipy_stats():
    """A bootstrap below the kernel threshold keeps to numpy (same numbers, see
    test_bootstrap.py::test_mediation_is_identical_on_the_numpy_and_the_numba_path)."""
    pytest.importorskip("numba")
    code = (
        "import numpy as np, pandas as pd\n"
        "import learning_direction as ld\n"
        "r = np.random.default_rng(1)\n"
        "d = pd.DataFrame(r.normal(size=(200, 3)), columns=['x', 'm', 'y'])\n"
        "ld.mediate(d, x='x', m='m', y='y', n_boot=200, seed=1).table"
    )
    _, loaded = _imported(code)
    assert _heavy(loaded) == []  # nor scipy.stats or statsmodels


def test_regressions_load_their_statsmodels_model_not_statsmodels_api():
    """``ld.regress`` and ``ld.logit`` import the statsmodels module of their model, not
    ``statsmodels.api``, which imports all of statsmodels (0.31 s against 0.09-0.10 s in a
    fresh process: every study run in a notebook, the CLI or a script pays it)."""
    code = (
        "import numpy as np, pandas as pd\n"
        "import learning_direction as ld\n"
        "r = np.random.default_rng(1)\n"
        "d = pd.DataFrame(r.normal(size=(200, 2)), columns=['x', 'y'])\n"
        "d['z'] = (d['y'] + r.normal(size=200) > 0).astype(int)\n"
        "ld.regress(d, 'y ~ x').table\n"
        "ld.regress(d, 'y ~ x', se='HC3').table\n"
        "ld.logit(d, 'z ~ x').table"
    )
    _, loaded = _imported(code)
    assert "statsmodels.regression.linear_model" in loaded
    assert "statsmodels.discrete.discrete_model" in loaded
    assert "statsmodels.api" not in loaded
