"""Smoke tests of every public figure function (Agg backend), label placement and reproducibility."""

from __future__ import annotations

import hashlib
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.path import Path as MplPath

import learning_direction as ld
from learning_direction._core.format import fig_num as fmt_num
from learning_direction.figures import (
    coefficients,
    correlations,
    dyadic,
    evaluation,
    experiment,
    measurement,
    mediation,
    moderation,
    motives,
    power,
    profiles,
    reliability,
)
from learning_direction.figures._style import (
    MINUS,
    get_ax,
    save_figure,
    text_size,
)

N_BOOT = 200


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def s2() -> pd.DataFrame:
    d = ld.load_dataset("study2a")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sc = ld.score(d, ["learning_direction", "learning_opportunity", "mentor_engagement"])
    df = d.join(sc.scores)
    rng = np.random.default_rng(3)
    df["relationship_satisfaction_rating"] = (
        0.3 * df["mentor_engagement"] + 0.3 * df["learning_opportunity"] + rng.normal(size=len(df))
    )
    return df


@pytest.fixture(scope="module")
def med_parallel(s2):
    return ld.mediate(
        s2,
        x="downward",
        m=["learning_opportunity", "mentor_engagement"],
        y="relationship_satisfaction_rating",
        n_boot=N_BOOT,
        seed=1,
    )


@pytest.fixture(scope="module")
def net():
    alters = ld.load_dataset("networks_alters")
    egos = alters["ego_id"].drop_duplicates().iloc[:30]
    sub = alters[alters["ego_id"].isin(egos)]
    return sub, ld.network_metrics(sub, wave="wave")


def _check(obj, kind=Axes):
    assert isinstance(obj, kind)
    fig = obj if isinstance(obj, Figure) else obj.figure
    fig.canvas.draw()  # renders without error
    return fig


def _outline(text, renderer) -> MplPath:
    """Display-space outline of a text: its (rotated) bbox patch, else its window extent."""
    patch = text.get_bbox_patch()
    if patch is not None:
        path = patch.get_path().transformed(patch.get_transform())
        return MplPath(path.vertices[:-1].copy()).cleaned()
    bb = text.get_window_extent(renderer)
    return MplPath([(bb.x0, bb.y0), (bb.x1, bb.y0), (bb.x1, bb.y1), (bb.x0, bb.y1)])


def _texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


# ---------------------------------------------------------------------------------- _style
def test_fmt_num_uses_typographic_minus_and_keeps_small_values():
    assert fmt_num(-0.129, 3) == f"{MINUS}0.129"
    assert fmt_num(0.4171, 3) == "0.417"
    assert fmt_num(-0.000719, 2) == f"{MINUS}0.00072"
    assert fmt_num(-0.0001, 2) != f"{MINUS}0.00"
    assert fmt_num(0.24, 2, apa=True) == ".24"
    assert fmt_num(-0.04, 2, apa=True) == f"{MINUS}.04"
    assert fmt_num(float("nan")) == "NA"
    assert fmt_num(-0.0001, 1).startswith(MINUS)


def test_text_size_grows_with_text_and_lines():
    w1, h1 = text_size("abc", 9)
    w2, h2 = text_size("abcdef\nx", 9)
    assert w2 > w1 and h2 > h1


def test_save_figure_is_byte_identical(tmp_path, med_parallel):
    ax = med_parallel.plot(kind="path")
    digests = []
    for i in range(2):
        paths = save_figure(ax.figure, tmp_path / f"fig{i}", formats=("png", "svg", "pdf"))
        assert [p.suffix for p in paths] == [".png", ".svg", ".pdf"]
        digests.append([hashlib.sha256(p.read_bytes()).hexdigest() for p in paths])
    assert digests[0] == digests[1]
    svg = (tmp_path / "fig0.svg").read_text(encoding="utf-8")
    assert "<dc:date>" not in svg
    png = (tmp_path / "fig0.png").read_bytes()
    assert b"Software" not in png and b"matplotlib" not in png.lower()


def test_save_figure_accepts_axes_and_replaces_extension(tmp_path):
    ax = get_ax()
    ax.plot([0, 1], [0, 1])
    paths = save_figure(ax, tmp_path / "plain.png", formats=("png",))
    assert paths == [tmp_path / "plain.png"] and paths[0].stat().st_size > 0


def test_publication_style_restores_only_its_own_settings():
    """Settings changed inside the style are kept (Jupyter's inline backend switches on interactive
    mode when the first figure of a session loads it; undoing that hid every later figure)."""
    import matplotlib as mpl

    from learning_direction.figures._style import publication_style

    with mpl.rc_context():  # leave the session's settings as they were
        mpl.interactive(False)
        font_size = mpl.rcParams["font.size"]
        mpl.rcParams["xtick.labelsize"] = "small"
        with publication_style():
            assert mpl.rcParams["xtick.labelsize"] == 9
            mpl.interactive(True)  # what loading the inline backend does
        assert mpl.is_interactive()
        assert mpl.rcParams["font.size"] == font_size
        assert mpl.rcParams["xtick.labelsize"] == "small"


@pytest.mark.slow
def test_every_figure_shows_in_jupyter(tmp_path, monkeypatch):
    """In a Jupyter kernel with the inline backend, each cell that draws shows its figure."""
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    cells = [
        "from learning_direction.figures._style import get_ax",
        "get_ax().plot([1, 2, 3]);",  # the session's first figure loads the backend
        "get_ax().plot([3, 2, 1]);",
        "import matplotlib.pyplot as plt\nplt.plot([1, 2]);",
        "import matplotlib as mpl\nprint(mpl.is_interactive(), len(plt.get_fignums()))",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    images = [sum("image/png" in o.get("data", {}) for o in c.outputs) for c in nb.cells]
    assert images[1:4] == [1, 1, 1]
    # interactive mode kept, and the inline backend closed each figure after showing it
    assert nb.cells[4].outputs[0]["text"].strip() == "True 0"


# ------------------------------------------------------------------------------- mediation
def test_path_diagram_parallel_labels_on_own_arrows(med_parallel):
    ax = med_parallel.plot(kind="path")
    fig = _check(ax)
    texts = _texts(ax)
    tab = med_parallel.table.set_index("term")
    # numbers on the figure match the table (3 decimals, typographic minus)
    for i, m in enumerate(med_parallel.mediators, start=1):
        a = fmt_num(tab.loc[f"a:{m}", "estimate"], 3)
        assert any(t.startswith(f"a{i} = {a}") for t in texts)
        b = fmt_num(tab.loc[f"b:{m}", "estimate"], 3)
        assert any(t.startswith(f"b{i} = {b}") for t in texts)
    assert not any("-" in t and any(ch.isdigit() for ch in t.split("-")[1][:1]) for t in texts)
    # no two text boxes overlap once drawn (names, labels, footnote)
    renderer = fig.canvas.get_renderer()
    shapes = [(t.get_text(), _outline(t, renderer)) for t in ax.texts if t.get_text()]
    for i in range(len(shapes)):
        for j in range(i + 1, len(shapes)):
            assert not shapes[i][1].intersects_path(shapes[j][1], filled=True), (
                shapes[i][0],
                shapes[j][0],
            )


def test_path_diagram_labels_stay_inside_axes(med_parallel):
    ax = med_parallel.plot(kind="path")
    fig = _check(ax)
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    for t in ax.texts:
        bb = t.get_window_extent(renderer)
        assert bb.x0 >= frame.x0 - 1 and bb.x1 <= frame.x1 + 1, t.get_text()


def test_path_diagram_long_names_wrap_inside_boxes(med_parallel):
    ax = med_parallel.plot(kind="path")
    assert "relationship_\nsatisfaction_\nrating" in _texts(ax)


def test_path_diagram_serial_three_mediators_and_given_ax(s2):
    s2 = s2.assign(extra=s2["mentor_engagement"] + np.random.default_rng(0).normal(size=len(s2)))
    res = ld.mediate(
        s2,
        x="downward",
        m=["learning_opportunity", "mentor_engagement", "extra"],
        y="relationship_satisfaction_rating",
        serial=True,
        n_boot=N_BOOT,
        seed=1,
    )
    ax = res.plot(kind="path")
    _check(ax)
    assert any(t.startswith("d13 = ") for t in _texts(ax))
    _fig, given = plt.subplots(figsize=(8, 4))
    assert mediation.path_diagram(res, ax=given) is given


@pytest.mark.parametrize("model", [7, 14])
def test_conditional_process_plots(s2, model):
    res = ld.moderated_mediation(
        s2,
        x="downward",
        m="learning_opportunity",
        y="mentor_engagement",
        w="tenure",
        model=model,
        n_boot=N_BOOT,
        seed=1,
    )
    ax = res.plot()
    _check(ax)
    what = "X×W → M" if model == 7 else "M×W → Y"
    assert any(what in t for t in _texts(ax))
    _check(res.plot(kind="bootstrap"))


def test_bootstrap_distribution_legend_matches_table(med_parallel):
    ax = med_parallel.plot(kind="bootstrap")
    _check(ax)
    row = med_parallel.table.set_index("term").loc[f"indirect:{med_parallel.mediators[0]}"]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"estimate {fmt_num(row['estimate'], 3)}" in labels
    assert any(fmt_num(row["ci_low"], 3) in lab for lab in labels)
    with pytest.raises(ld.ModelError, match="not in the bootstrap draws"):
        mediation.bootstrap_distribution(med_parallel, term="nope")


# ------------------------------------------------------------------- models and measurement
def test_moderation_and_regression_plots(s2):
    mo = ld.moderate(s2, x="downward", w="tenure", y="mentor_engagement")
    _check(moderation.plot_johnson_neyman(mo))
    _check(moderation.plot_simple_slopes(mo))
    _fig, ax = plt.subplots()
    assert moderation.plot_simple_slopes(mo, ax=ax) is ax
    r = ld.regress(s2, "mentor_engagement ~ downward + upward + lateral")
    _check(coefficients.plot_coefficients(r))
    _check(coefficients.plot_coefficients({"m1": r, "m2": r}))


def test_measurement_plots(s2):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rel = ld.reliability(s2, "learning_direction")
        cf = ld.cfa(s2, "learning_direction")
    _check(reliability.plot_item_reliability(rel))
    _check(measurement.plot_loadings(cf))
    _fig, ax = plt.subplots()
    assert measurement.plot_loadings(cf, ax=ax) is ax


def test_profile_plots(s2):
    prof = ld.learning_direction_profile(s2)
    _check(profiles.plot_learning_direction_profile(prof.means))
    _check(prof.plot())
    adv = ld.advocacy_quadrant(ld.load_dataset("advocacy"))
    _check(profiles.plot_advocacy_quadrant(adv))
    _check(profiles.plot_score_distributions(s2[["upward", "lateral", "downward"]]))


def test_correlation_heatmap_uses_typographic_minus():
    corr = pd.DataFrame([[1.0, -0.25], [-0.25, 1.0]], index=["a", "b"], columns=["a", "b"])
    p = pd.DataFrame([[0.0, 0.005], [0.005, 0.0]], index=corr.index, columns=corr.columns)
    ax = correlations.correlation_heatmap(corr, p, title="r")
    _check(ax)
    assert f"{MINUS}.25**" in _texts(ax)


def test_power_curve():
    res = ld.power_mediation(a=0.3, b=0.3, n=(50, 100), n_reps=50, seed=1)
    _check(power.power_curve(res))


def test_dyadic_plots():
    d = ld.load_dataset("dyads")
    res = ld.apim(d, x="learning_orientation", y="satisfaction", n_boot=N_BOOT, seed=1)
    _check(dyadic.plot_apim(res))
    _fig, ax = plt.subplots()
    assert dyadic.plot_apim(res, ax=ax) is ax
    d = d.assign(gain=d[["mbr_self_1", "mbr_self_2", "mbr_self_3"]].mean(axis=1))
    mb = ld.mutual_benefit(d, "gain", scale_range=(1, 7))
    _check(dyadic.plot_mutual_benefit(mb))


# --------------------------------------------------------------------------------- networks
def test_network_plots(net):
    alters, mt = net
    _check(mt.plot("typology"))
    ego = alters["ego_id"].iloc[0]
    _check(mt.plot("ego", ego_id=ego, wave_value=1))
    ch = ld.network_change(alters)
    _check(ch.plot("slope", metric="share_down"))
    _check(ch.plot("transitions"))
    _check(ch.plot("turnover"))


def test_typology_corner_labels_inside_axes(net):
    _, mt = net
    ax = mt.plot("typology")
    fig = _check(ax)
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    for t in ax.texts:
        bb = t.get_window_extent(renderer)
        assert frame.x0 < bb.x0 and bb.x1 < frame.x1 and frame.y0 < bb.y0 and bb.y1 < frame.y1


# ------------------------------------------------------------------- experiment and motives
def test_experiment_plots():
    d = ld.load_dataset("study4")
    d = d.assign(score=d[["eng_1", "eng_2", "eng_3"]].mean(axis=1))
    _check(experiment.plot_condition_means(d, "score", "condition"))
    _check(experiment.plot_condition_panels(d, ["score"], "condition", suptitle="s"), Figure)
    tab = pd.DataFrame(
        {"term": ["x vs c", "y vs c"], "estimate": [0.2, -0.05], "ci_low": [0.1, -0.2],
         "ci_high": [0.3, 0.07]}
    )  # fmt: skip
    ax = experiment.plot_relative_effects(tab)
    _check(ax)
    assert f"{MINUS}0.05 [{MINUS}0.20, 0.07]" in _texts(ax)


def test_motive_plots():
    rng = np.random.default_rng(0)
    n = 40
    prof = pd.DataFrame(
        {s: rng.uniform(1, 7, n) for s in
         ("self_enhancement", "personal_gain", "benefit_others", "intrinsic_satisfaction")}
    )  # fmt: skip
    prof["self_focused"] = prof[["self_enhancement", "personal_gain"]].mean(axis=1)
    prof["other_focused"] = prof[["benefit_others", "intrinsic_satisfaction"]].mean(axis=1)
    prof["orientation"] = np.where(prof["self_focused"] > prof["other_focused"], "self-focused",
                                   "other-focused")  # fmt: skip
    try:
        _check(motives.plot_motive_screening(prof, low_cut=4))
    except (ld.DataValidationError, KeyError):
        pytest.skip("screening table needs the study's columns")
    ax = motives.plot_motive_profiles(prof)
    _check(ax)
    assert ax.get_ylabel() == "Score (1\u20137)"
    grid = pd.DataFrame(
        [(m, o, b, 0.05 * i - 0.1, 0.05 * i - 0.2, 0.05 * i)
         for i, (m, o, b) in enumerate(
             [(m, o, b) for m in ("self", "other") for o in ("o1", "o2") for b in ("sf", "of")])],
        columns=["motive", "outcome", "mediator", "estimate", "ci_low", "ci_high"],
    )  # fmt: skip
    _check(motives.plot_indirect_grid(grid, suptitle="t"), Figure)


# ------------------------------------------------------------------------------- evaluation
def test_evaluation_plots():
    rates = pd.DataFrame({"level": ["a", "b"], "responses": [5, 8], "invited": [10, 10]})
    _check(evaluation.plot_response_rates(rates))
    scores = pd.DataFrame({"s1": np.linspace(1, 7, 20), "s2": np.linspace(2, 6, 20)})
    group = pd.Series(["g1", "g2"] * 10)
    _check(evaluation.plot_distributions_by_group(scores, group, scale_range=(1, 7)))
