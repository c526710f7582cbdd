"""Run the docstring examples of every module of the package, as a user would.

Each module is one test (so a failure names the module). The examples run on the bundled
datasets with ``ELLIPSIS`` and ``NORMALIZE_WHITESPACE``, in a temporary working directory (so
an example never depends on, or writes into, the checkout; ``tempfile`` points there too), on
matplotlib's Agg backend, with every figure closed afterwards. A module whose optional
dependency is missing is skipped, not failed.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import tempfile

import pytest

import learning_direction

OPTIONFLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _module_names() -> list[str]:
    names = ["learning_direction"]
    names += [
        m.name
        for m in pkgutil.walk_packages(learning_direction.__path__, "learning_direction.")
        if not m.name.endswith("__main__")
    ]
    return sorted(names)


MODULES = _module_names()

# modules whose examples run whole study pipelines or an evaluation (1-3 s each): marked slow so
# that `make test-fast` stays quick; together with the rest the file runs in about 15 s
SLOW = {
    "learning_direction.evaluation",
    "learning_direction.studies",
    "learning_direction.studies.study1",
    "learning_direction.studies.study2",
    "learning_direction.studies.study3",
    "learning_direction.studies.study4",
    "learning_direction.studies.advocacy",
    "learning_direction.studies.dyads",
    "learning_direction.studies.motives",
    "learning_direction.studies.networks",
}
PARAMS = [pytest.param(m, marks=pytest.mark.slow) if m in SLOW else m for m in MODULES]


def test_every_module_is_collected():
    # walk_packages found the package's modules (guards against an empty parametrisation)
    assert "learning_direction.scales.reliability" in MODULES
    assert "learning_direction.models.mediation" in MODULES
    assert len(MODULES) > 30


@pytest.mark.parametrize("name", PARAMS)
def test_docstring_examples(name, tmp_path, monkeypatch, close_figures):
    try:
        module = importlib.import_module(name)
    except ImportError as exc:  # an optional dependency of this module is not installed
        pytest.skip(f"{name} needs an optional dependency: {exc}")
    monkeypatch.chdir(tmp_path)
    # examples write their files with tempfile.mkdtemp(): keep those under pytest's tmp_path
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=OPTIONFLAGS)
    report: list[str] = []
    for test in finder.find(module, name):
        if test.examples:
            runner.run(test, out=report.append)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, "".join(report)
