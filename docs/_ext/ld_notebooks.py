"""The executed notebooks of the site, and the notebooks' parameters (papermill-style).

Every notebook of ``notebooks/`` that resamples has a code cell tagged ``parameters`` that sets
its resample counts (``N_BOOT = 5000``, ...). A run with other values inserts, after that cell,
a cell tagged ``injected-parameters`` that assigns them, as papermill does; the page of the site
then shows the values it was run with.

Two sets of values:

* ``full``: the notebook as written, the counts its text discusses. ``make docs`` uses them.
* ``quick``: the small counts of :data:`QUICK`. ``tests/test_notebooks.py`` runs every notebook
  with them (the suite stays fast), and CI builds the site with them (``make docs
  NOTEBOOKS=quick``), so the site CI builds reuses the notebooks the tests ran.

Executing a notebook takes seconds to minutes, so an executed notebook is kept in a cache
(``docs/_build/notebook-cache``) under a key made of the notebook's text, the parameter set and
a fingerprint of everything its outputs depend on in the repository (the package's source, the
scales, the bundled data): a notebook runs again only when one of them changes.

Used by ``docs/conf.py`` (a Sphinx extension: at ``builder-inited`` the executed copies are
written to ``docs/notebooks/``, which myst-nb renders without executing) and by the tests.
"""

from __future__ import annotations

import ast
import hashlib
import os
import shutil
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
CACHE = ROOT / "docs" / "_build" / "notebook-cache"
SITE_COPIES = ROOT / "docs" / "notebooks"
INLINE = "module://matplotlib_inline.backend_inline"
MODES = ("full", "quick")
# the quick value of every parameter a notebook declares; a new parameter needs one here
QUICK = {
    "N_BOOT": 200,  # bootstrap resamples
    "N_BOOT_WHATIF": 200,
    "N_DRAWS": 1000,  # Monte Carlo draws
    "N_SIM_REPS": 4,  # simulated data sets, each fitted by the full Study 3 analysis
    "N_SIM_DRAWS": 500,
    "N_POWER_REPS": 50,
    "N_REPS": 30,
    "N_BOOT_PLAN": 100,
    "N_REPS_PLAN": 30,
    "N_REPS_DESIGN": 30,
    "N_REPS_CHECK": 200,
    "N_REPS_CHECK_BOOT": 20,
    # worker processes: starting them (each imports the toolkit) costs more than a few
    # replications, and the test workers already use every core
    "N_JOBS": 1,
}
# what a notebook's outputs depend on, besides its own text
_INPUTS = ("src/learning_direction", "scales", "data")
_SKIP_PARTS = {"__pycache__"}


def notebooks() -> list[Path]:
    """The notebooks of the repository, in order."""
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def parameter_cell(nb: Any) -> int | None:
    """Index of the cell tagged ``parameters``, or None."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            return i
    return None


def parameter_names(nb: Any) -> list[str]:
    """The names the ``parameters`` cell assigns (``N = 1`` and ``A, B = 1, 2``), in order."""
    i = parameter_cell(nb)
    if i is None:
        return []
    names = []
    for node in ast.parse(nb.cells[i].source).body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                elts = target.elts if isinstance(target, ast.Tuple) else [target]
                names += [e.id for e in elts if isinstance(e, ast.Name)]
    return names


def inject(nb: Any, mode: str) -> Any:
    """``nb`` with the parameter values of ``mode`` injected after its ``parameters`` cell."""
    import nbformat

    if mode not in MODES:
        raise ValueError(f"notebook parameters {mode!r}: use one of {', '.join(MODES)}")
    names = parameter_names(nb)
    if mode == "full" or not names:
        return nb
    unknown = [n for n in names if n not in QUICK]
    if unknown:
        raise KeyError(f"no quick value for notebook parameter(s) {unknown}: add them to QUICK")
    source = "# Injected parameters: a quick run with small resample counts\n" + "\n".join(
        f"{n} = {QUICK[n]!r}" for n in names
    )
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    cell.id = "injected-parameters"
    at = parameter_cell(nb)
    assert at is not None  # names is not empty
    nb.cells.insert(at + 1, cell)
    return nb


def code_fingerprint() -> str:
    """A hash of the files the notebooks' outputs depend on (package source, scales, data)."""
    digest = hashlib.sha256(sys.version.encode())
    for top in _INPUTS:
        for path in sorted((ROOT / top).rglob("*")):
            if (
                path.is_file()
                and not _SKIP_PARTS.intersection(path.parts)
                and path.suffix != ".pyc"
            ):
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_path(notebook: Path, mode: str, fingerprint: str | None = None) -> Path:
    """Where the executed version of ``notebook`` with parameters ``mode`` is kept."""
    digest = hashlib.sha256(notebook.read_bytes())
    digest.update(mode.encode())
    digest.update((fingerprint or code_fingerprint()).encode())
    return CACHE / f"{notebook.stem}-{mode}-{digest.hexdigest()[:16]}.ipynb"


def execute(
    notebook: Path, mode: str = "full", timeout: int = 1800, workdir: Path | None = None
) -> Any:
    """Run ``notebook`` top to bottom in a fresh kernel with the inline backend; return it."""
    import nbformat
    from nbclient import NotebookClient

    os.environ["MPLBACKEND"] = INLINE  # the kernel inherits it (CI sets Agg for the tests)
    nb = inject(nbformat.read(notebook, as_version=4), mode)
    with tempfile.TemporaryDirectory(prefix="ld-nb-") as tmp:
        NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(workdir or tmp)}},
            # the kernel has nothing to save: stop it at once instead of asking it to shut down
            # and waiting (about 0.15 s a notebook)
            shutdown_kernel="immediate",
        ).execute()
    return nb


def store(notebook: Path, executed: Any, mode: str, fingerprint: str | None = None) -> Path:
    """Keep an executed notebook in the cache (written atomically); returns its path."""
    import nbformat

    target = cache_path(notebook, mode, fingerprint)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    nbformat.write(executed, tmp)
    tmp.replace(target)
    for old in target.parent.glob(f"{notebook.stem}-{mode}-*.ipynb"):  # older versions of it
        if old != target:
            old.unlink(missing_ok=True)
    return target


def _execute_and_store(notebook: Path, mode: str, fingerprint: str) -> Path:
    return store(notebook, execute(notebook, mode), mode, fingerprint)


def executed_notebooks(mode: str = "full", jobs: int = 2, log: Any = print) -> list[Path]:
    """The cached executed version of every notebook, running those not cached yet."""
    fingerprint = code_fingerprint()
    paths = {nb: cache_path(nb, mode, fingerprint) for nb in notebooks()}
    missing = [nb for nb, cached in paths.items() if not cached.exists()]
    if missing:
        log(
            f"executing {len(missing)} notebook(s) ({mode}): {', '.join(nb.name for nb in missing)}"
        )
        with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(missing)))) as pool:
            done = pool.map(
                _execute_and_store, missing, [mode] * len(missing), [fingerprint] * len(missing)
            )
            for nb, path in zip(missing, done, strict=True):
                log(f"executed {nb.name} -> {path.name}")
    return [paths[nb] for nb in notebooks()]


def copy_for_site(mode: str = "full", log: Any = print) -> list[Path]:
    """Write the executed notebooks to ``docs/notebooks/`` (only those that changed)."""
    SITE_COPIES.mkdir(parents=True, exist_ok=True)
    written = []
    wanted = set()
    for nb, cached in zip(notebooks(), executed_notebooks(mode, log=log), strict=True):
        target = SITE_COPIES / nb.name
        wanted.add(target.name)
        if not target.exists() or target.read_bytes() != cached.read_bytes():
            shutil.copyfile(cached, target)  # unchanged copies keep their time: no re-read
            written.append(target)
    for old in SITE_COPIES.glob("*.ipynb"):
        if old.name not in wanted:
            old.unlink()
    return written


def setup(app: Any) -> dict[str, Any]:
    """Sphinx extension: executed notebooks in ``docs/notebooks/`` before the sources are read."""
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    app.add_config_value("ld_notebook_parameters", "full", "env")

    def _prepare(app: Any) -> None:
        copy_for_site(app.config.ld_notebook_parameters, log=logger.info)

    app.connect("builder-inited", _prepare)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
