"""Every notebook in notebooks/ runs top to bottom on the bundled data, and shows its figures.

The notebooks run in a real Jupyter kernel (nbclient) with Jupyter's own **inline** backend, as a
student's notebook does: the Agg backend of the other tests would hide a figure that never
reaches the notebook. A cell whose last statement draws must leave an ``image/png`` output
(see :func:`draws`).
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
sys.path.insert(0, str(ROOT / "docs" / "_ext"))
import ld_notebooks  # noqa: E402  (docs/_ext: the parameters and the executed-notebook cache)

# pyplot / seaborn functions that configure or close rather than draw
_NOT_DRAWING = {
    "close",
    "ion",
    "ioff",
    "isinteractive",
    "rc",
    "rc_context",
    "savefig",
    "switch_backend",
    "get_fignums",
    "color_palette",
    "load_dataset",
}
# the text Jupyter shows for a matplotlib object that is a cell's value: "<Figure size ...>",
# "<Axes: ...>", "<matplotlib.legend.Legend at 0x...>", "[<matplotlib.lines.Line2D at ...>]"
_MPL_REPR = re.compile(r"^\[?<(Figure|Axes|matplotlib\.)")


def _is_drawing_call(node: ast.expr) -> bool:
    """``x.plot(...)``, ``x.plot.bar(...)``, ``plot_*(...)``, ``x.plot_*(...)``, ``plt.*``/``sns.*``."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Name):
        return func.id.startswith("plot_")
    if not isinstance(func, ast.Attribute):
        return False
    name = func.attr
    owner = func.value
    if name == "plot" or name.startswith("plot_"):
        return True
    if isinstance(owner, ast.Attribute) and owner.attr == "plot":  # df.plot.bar(...)
        return True
    if isinstance(owner, ast.Name) and owner.id in {"plt", "sns"}:
        return name not in _NOT_DRAWING and not name.startswith(("set_", "get_"))
    return False


def draws(source: str) -> bool:
    """Whether a code cell's last statement draws a figure.

    The last top-level statement is a drawing call, as an expression (``res.plot("path");``) or
    the value of an assignment (``ax = cfa.plot()``): a ``.plot(`` call (also
    ``df.plot.bar(``), a ``plot_*(`` function or method, or a ``plt.``/``sns.`` function other
    than those that configure or close (``plt.close``, ``sns.set_theme``, ...). IPython magics
    and shell lines are ignored. A matplotlib object as the cell's value is caught at run time
    (:data:`_MPL_REPR`).
    """
    code = "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )
    try:
        body = ast.parse(code).body
    except SyntaxError:
        return False
    if not body:
        return False
    last = body[-1]
    if isinstance(last, ast.Expr | ast.Assign | ast.AnnAssign) and last.value is not None:
        return _is_drawing_call(last.value)
    return False


def _shows_mpl_value(outputs: list) -> bool:
    """A matplotlib object is the cell's value (its text shows in an execute_result)."""
    return any(
        o.get("output_type") == "execute_result"
        and _MPL_REPR.match(str(o.get("data", {}).get("text/plain", "")))
        for o in outputs
    )


def _has_image(outputs: list) -> bool:
    return any("image/png" in o.get("data", {}) for o in outputs)


def figures_missing(nb) -> list[str]:
    """Cells of an executed notebook that draw (statically or by value) but show no image."""
    missing = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if (draws(cell.source) or _shows_mpl_value(cell.outputs)) and not _has_image(cell.outputs):
            first = cell.source.strip().splitlines()[-1] if cell.source.strip() else ""
            missing.append(f"cell {i}: {first!r}")
    return missing


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('med.plot(kind="bootstrap");', True),
        ('res.plot("caterpillar")', True),
        ("ax = cfa.plot()", True),
        ("ld.figures.power.plot_power_curve(res)", True),
        ("df.plot.bar(x='a')", True),
        ("fig, ax = plt.subplots()\nax.scatter(x, y)\nplt.title('t')", True),
        ("sns.histplot(df, x='a')", True),
        ("%matplotlib inline\nres.plot()", True),
        ('plt.close("all")', False),
        ("sns.set_theme()", False),
        ("ax = res.plot()\nres.table", False),
        ("res = ld.run_study('study1')", False),
        ("for r in rows:\n    r.plot()", False),
        ("", False),
        ("def f(:", False),
    ],
)
def test_draws_detects_drawing_last_statements(source, expected):
    assert draws(source) is expected


def test_mpl_values_are_recognised():
    def out(text):
        return [{"output_type": "execute_result", "data": {"text/plain": text}}]

    assert _shows_mpl_value(out("<Figure size 600x400 with 1 Axes>"))
    assert _shows_mpl_value(out("<Axes: xlabel='x'>"))
    assert _shows_mpl_value(out("<matplotlib.legend.Legend at 0x7f>"))
    assert _shows_mpl_value(out("[<matplotlib.lines.Line2D at 0x7f>]"))
    assert not _shows_mpl_value(out("   term  estimate"))


# calls whose resample count must come from the parameters cell, not a number in the code
_RESAMPLING = re.compile(r"\b(n_boot|n_reps|n_draws)\s*=\s*\d")
_HEAVY_DEFAULTS = re.compile(r"\b(run_study\(|\.run\()")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_resample_counts_come_from_the_parameters_cell(path):
    import nbformat

    nb = nbformat.read(path, as_version=4)
    names = ld_notebooks.parameter_names(nb)
    assert all(name in ld_notebooks.QUICK for name in names), f"{path.name}: {names}"
    at = ld_notebooks.parameter_cell(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or i == at:
            continue
        src = cell.source
        # a literal count, or a study run with its default 5000 resamples, cannot be made quick
        literal = [m.group(0) for m in _RESAMPLING.finditer(src)]
        assert not literal, f"{path.name} cell {i}: resample count {literal} not a parameter"
        for line in src.splitlines():
            if _HEAVY_DEFAULTS.search(line):
                assert "n_boot=" in line, f"{path.name} cell {i}: {line.strip()!r} needs n_boot="


def test_quick_parameters_are_injected_after_the_parameters_cell():
    import nbformat

    nb = nbformat.read(ROOT / "notebooks" / "03_study2_mediation.ipynb", as_version=4)
    at = ld_notebooks.parameter_cell(nb)
    quick = ld_notebooks.inject(
        nbformat.read(ROOT / "notebooks" / "03_study2_mediation.ipynb", 4), "quick"
    )
    assert quick.cells[at + 1].metadata["tags"] == ["injected-parameters"]
    assert "N_BOOT = 200" in quick.cells[at + 1].source
    assert len(quick.cells) == len(nb.cells) + 1
    full = ld_notebooks.inject(
        nbformat.read(ROOT / "notebooks" / "03_study2_mediation.ipynb", 4), "full"
    )
    assert len(full.cells) == len(nb.cells)
    nb.cells[at].source += "\nN_NEW = 7"
    with pytest.raises(KeyError, match="N_NEW"):
        ld_notebooks.inject(nb, "quick")


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch):
    import nbformat

    # Jupyter's inline backend, whatever the test session uses (CI sets MPLBACKEND=Agg)
    monkeypatch.setenv("MPLBACKEND", ld_notebooks.INLINE)
    # notebooks are stored without outputs, to keep the repository small
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code":
            assert not cell.get("outputs"), f"{path.name}: commit notebooks without outputs"
    nb = ld_notebooks.execute(path, "quick", timeout=300, workdir=tmp_path)
    missing = figures_missing(nb)
    assert not missing, f"{path.name}: cells that draw but show no figure: {missing}"
    ld_notebooks.store(path, nb, "quick")  # for CI's site build (make docs NOTEBOOKS=quick)
