"""The evaluator report's "Mentor motives" and "Developmental networks" sections.

Each test writes small synthetic exports and a config into ``tmp_path``, runs
:func:`learning_direction.run_evaluation` and checks the section, its saved tables (against direct
calls of the public API), its notes and its row accounting.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import learning_direction as ld
from learning_direction.evaluation import run_evaluation
from learning_direction.exceptions import ConfigError
from learning_direction.simulate import simulate_motives, simulate_networks

SALT = "test-salt-0123456789"
MOTIVE_OUTCOME = "retention_intention_mentor"
METRICS = ["size", "n_spheres", "blau_range", "strength", "share_up", "share_lateral", "share_down"]


def _write_config(tmp: Path, **cfg) -> Path:
    base = {"program": "Section test program", "privacy": {"salt": SALT}, "output": "out"}
    path = tmp / "evaluation.yaml"
    path.write_text(yaml.safe_dump({**base, **cfg}, sort_keys=False), encoding="utf-8")
    return path


def _page(html: Path) -> str:
    return html.read_text(encoding="utf-8")


def _table(html: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(html.parent / "tables" / f"{name}.csv")


# ----------------------------------------------------------------------------- mentor motives


def _motive_mentors(n: int = 60, n_unscored: int = 3, seed: int = 1) -> pd.DataFrame:
    """One row per mentor: motives and retention items; ``n_unscored`` have no outcome answers."""
    pairs = simulate_motives(seed=seed)
    items = [c for c in pairs.columns if c.startswith(("mot_", "ret_mr_"))]
    df = pairs.drop_duplicates("mentor_id")[["mentor_id", *items]].head(n).reset_index(drop=True)
    df.loc[: n_unscored - 1, ["ret_mr_1", "ret_mr_2", "ret_mr_3"]] = np.nan
    df["<b>bonus & pay</b>"] = np.random.default_rng(seed).normal(3, 1, len(df)).round(2)
    return df


def _motives_config(tmp: Path, df: pd.DataFrame, motives) -> Path:
    df.to_csv(tmp / "mentors.csv", index=False)
    return _write_config(
        tmp,
        data={"mentors": {"path": "mentors.csv"}},
        ids={"mentors": "mentor_id"},
        scales={"mentor_motives": {}, MOTIVE_OUTCOME: {}},
        analyses={"reliability": False, "motives": motives},
    )


@pytest.fixture(scope="module")
def motives_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("motives")
    df = _motive_mentors()
    html = run_evaluation(_motives_config(tmp, df, {"outcomes": [MOTIVE_OUTCOME]}))
    return html, df


def test_motives_section_matches_a_direct_hc3_regression(motives_run):
    html, df = motives_run
    page = _page(html)
    assert "<h2>Mentor motives</h2>" in page and ">Mentor motives</a>" in page
    scores = ld.score(df, ["mentor_motives", MOTIVE_OUTCOME]).scores
    formula = f"{MOTIVE_OUTCOME} ~ self_focused + other_focused"
    direct = ld.regress(scores, formula, se="HC3")
    saved = _table(html, f"motives_{MOTIVE_OUTCOME}").set_index("term")
    d = direct.table.set_index("term")
    assert list(saved.index) == list(d.index) == ["Intercept", "self_focused", "other_focused"]
    for col in ("estimate", "se", "t", "ci_low", "ci_high", "p_value"):
        np.testing.assert_allclose(saved[col], d[col], rtol=1e-9, atol=1e-10, err_msg=col)
    assert (saved["n"] == direct.n).all() and direct.n == 57
    assert (saved["model"] == formula).all()
    assert f"{MOTIVE_OUTCOME} on motives; n = 57" in page


def test_motives_plain_language_names_the_other_motive_held_constant(motives_run):
    """Each slope is a partial effect, so its sentence says the other motive is held equal."""
    html, df = motives_run
    page = _page(html)
    scores = ld.score(df, ["mentor_motives", MOTIVE_OUTCOME]).scores
    direct = ld.regress(scores, f"{MOTIVE_OUTCOME} ~ self_focused + other_focused", se="HC3")
    d = direct.table.set_index("term")
    label = "intention to continue mentoring (mentor version)"
    for short, other in (("self", "other"), ("other", "self")):
        held = f"comparing people with the same {other} focused motives"
        if d.loc[f"{short}_focused", "p_value"] < 0.05:
            start = f"Mentors with stronger {short} focused motives reported "
        else:
            start = f"We found no clear link between {short} focused motives and {label}, {held}"
        assert start in page
        assert held in page
    assert page.count("class='plain'") >= 2


def test_motives_rows_without_an_outcome_are_reported(motives_run):
    html, _ = motives_run
    rows = _table(html, "model_rows").set_index("model")
    r = rows.loc[f"{MOTIVE_OUTCOME} on motives"]
    assert (r["rows_available"], r["n_used"], r["n_dropped"]) == (60, 57, 3)
    why = f"3 of 60 rows left out for missing values in: {MOTIVE_OUTCOME} (3)"
    assert why in r["why"]
    assert f"Note: {why}" in _page(html)  # in the section itself, not only in the appendix


def test_motives_missing_outcome_is_a_config_error(tmp_path):
    cfg = _motives_config(tmp_path, _motive_mentors(), {"outcomes": ["no_such_score"]})
    with pytest.raises(ConfigError, match=r"analyses\.motives\.outcomes: 'no_such_score'"):
        run_evaluation(cfg)


def test_motives_outcome_that_is_a_motive_score_is_a_config_error(tmp_path):
    """A motive regressed on itself gives a perfect, meaningless fit: refuse it."""
    cfg = _motives_config(tmp_path, _motive_mentors(), {"outcomes": ["self_focused"]})
    with pytest.raises(ConfigError, match=r"'self_focused' is a score of the motives scale"):
        run_evaluation(cfg)


def test_motives_without_outcomes_explains_why(tmp_path):
    html = run_evaluation(_motives_config(tmp_path, _motive_mentors(), True))
    page = _page(html)
    assert "<h2>Mentor motives</h2>" in page
    assert "No outcomes were configured (analyses.motives.outcomes)" in page
    assert not list((html.parent / "tables").glob("motives_*.csv"))


def test_motives_user_strings_are_escaped(tmp_path):
    col = "<b>bonus & pay</b>"
    html = run_evaluation(_motives_config(tmp_path, _motive_mentors(), {"outcomes": [col]}))
    page = _page(html)
    assert "<b>bonus" not in page and "bonus & pay" not in page
    assert "&lt;b&gt;bonus &amp; pay&lt;/b&gt; on motives; n = 60" in page  # caption
    assert "higher on self focused motives" in page or "between self focused motives" in page
    assert "&lt;b&gt;bonus &amp; pay&lt;/b&gt;" in page.split("<h2>Mentor motives</h2>")[1]
    saved = pd.read_csv(next((html.parent / "tables").glob("motives_*bonus*.csv")))
    assert saved["n"].iloc[0] == 60


# ----------------------------------------------------------------------------- networks


def _mentors_file(tmp: Path, n: int = 12) -> None:
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"rid": [f"R{k}" for k in range(n)]})
    for k in range(1, 7):
        df[f"eng_{k}"] = rng.integers(1, 8, n)
    df.to_csv(tmp / "mentors.csv", index=False)


def _networks_config(tmp: Path, alters: pd.DataFrame, networks: dict) -> Path:
    _mentors_file(tmp)
    alters.to_csv(tmp / "networks.csv", index=False)
    return _write_config(
        tmp,
        data={"mentors": {"path": "mentors.csv"}, "networks": {"path": "networks.csv"}},
        ids={"mentors": "rid"},
        scales={"mentor_engagement": {}},
        analyses={"reliability": False, "networks": networks},
    )


def _direct(alters: pd.DataFrame, **kwargs) -> ld.NetworkMetricsResult:
    return ld.network_metrics(alters, frequency=None, career=None, psychosocial=None, **kwargs)


@pytest.fixture(scope="module")
def network_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("networks")
    alters, _ties = simulate_networks(n_egos=14, waves=1, seed=3)
    alters = alters.drop(columns=["wave"])
    alters["ego_id"] = alters["ego_id"].str.replace("E", "EGO-SECRET-", regex=False)
    spec = {"ego": "ego_id", "level": "relative_level", "sphere": "sphere",
            "tie_strength": "closeness"}  # fmt: skip
    return run_evaluation(_networks_config(tmp, alters, spec)), alters


def test_networks_summary_equals_network_metrics(network_run):
    html, alters = network_run
    page = _page(html)
    assert "<h2>Developmental networks</h2>" in page and ">Developmental networks</a>" in page
    res = _direct(alters, alter="alter_id")
    expected = res.table[METRICS].describe().T.reset_index(names="metric")
    saved = _table(html, "network_metrics_summary")
    assert saved["metric"].tolist() == METRICS
    np.testing.assert_allclose(
        saved[expected.columns[1:]].to_numpy(float),
        expected[expected.columns[1:]].to_numpy(float),
        rtol=1e-9,
        atol=1e-12,
    )
    assert "14 respondents&#x27; developmental networks" in page


def test_networks_types_add_up_to_the_egos(network_run):
    html, alters = network_run
    res = _direct(alters, alter="alter_id")
    types = _table(html, "network_types")
    assert types["type"].tolist() == list(ld.networks.NETWORK_TYPES)
    assert types["n"].sum() == res.n_egos == 14
    assert types.set_index("type")["n"].to_dict() == res.type_counts.to_dict()
    assert "Network types (median split" in _page(html)


def test_networks_ego_ids_never_reach_any_output(network_run):
    html, alters = network_run
    secrets = set(alters["ego_id"])
    for path in [html, html.with_suffix(".json"), *(html.parent / "tables").glob("*.csv")]:
        content = path.read_text(encoding="utf-8")
        assert not [s for s in secrets if s in content], path.name


def test_networks_level_only_file_without_alter_ids(tmp_path):
    """The file needs no alter-id, sphere or strength column: each row is one developer."""
    alters = pd.DataFrame(
        {
            "ego": ["a", "a", "a", "b", "b", "c", "c", "c", "c"],
            "level": ["up", "down", "lateral", "up", "above", "peer", "down", "below", "above"],
        }
    )
    html = run_evaluation(_networks_config(tmp_path, alters, {"ego": "ego", "level": "level"}))
    page = _page(html)
    saved = _table(html, "network_metrics_summary").set_index("metric")
    assert list(saved.index) == ["size", "share_up", "share_lateral", "share_down"]
    assert saved.loc["size", "count"] == 3 and saved.loc["size", "mean"] == pytest.approx(3)
    assert saved.loc["share_down", "mean"] == pytest.approx((1 / 3 + 0 + 2 / 4) / 3)
    assert "no sphere column is configured (analyses.networks.sphere)" in page
    assert "no tie-strength column is configured" in page
    assert not (html.parent / "tables" / "network_types.csv").exists()
    rows = _table(html, "model_rows").set_index("model").iloc[-1]
    assert (rows["rows_available"], rows["n_used"], rows["n_dropped"]) == (9, 9, 0)


def test_networks_identical_rows_are_distinct_developers(tmp_path):
    alters = pd.DataFrame({"ego": ["a", "a", "b"], "level": ["up", "up", "down"]})
    html = run_evaluation(_networks_config(tmp_path, alters, {"ego": "ego", "level": "level"}))
    saved = _table(html, "network_metrics_summary").set_index("metric")
    assert saved.loc["size", "max"] == 2


def test_networks_dropped_rows_and_notes_reach_the_report(tmp_path):
    alters = pd.DataFrame(
        {
            "ego": ["a", "a", None, "b", "b", None, "c", "c", "c"],
            "level": ["up", "down", "up", "up", None, "down", "lateral", None, "down"],
            "sphere": ["family", "school", "family", "community", "family", "school",
                       "family", "family", None],
            "closeness": [3, 4, 5, 2, 2, 4, 5, 5, 1],
        }
    )  # fmt: skip
    alters.loc[7, "sphere"] = None
    alters.loc[7, "closeness"] = None  # row 7 names no developer at all
    spec = {"ego": "ego", "level": "level", "sphere": "sphere", "tie_strength": "closeness"}
    html = run_evaluation(_networks_config(tmp_path, alters, spec))
    page = _page(html)
    section = page.split("<h2>Developmental networks</h2>")[1].split("<h2>")[0]
    assert "Note: 2 of 9 rows left out because &#x27;ego&#x27; is missing" in section
    assert "Note: 1 row(s) have no" in section and "not counted as developers" in section
    assert "Note: 1 alters have no level (&#x27;level&#x27;)" in section
    assert "from 9 rows of the networks file" in section
    assert "6 rows were counted as developers" in section
    rows = _table(html, "model_rows").set_index("model").iloc[-1]
    assert (rows["rows_available"], rows["n_used"], rows["n_dropped"]) == (9, 6, 3)
    assert "2 of 9 rows left out" in rows["why"] and "not counted as developers" in rows["why"]
    assert _table(html, "network_types")["n"].sum() == 3


def test_networks_numeric_ids_and_waves_are_not_metrics(tmp_path):
    """Integer ego ids and waves are keys: they must not be summarised as network metrics."""
    alters, _ties = simulate_networks(n_egos=6, waves=2, seed=4)
    alters["ego_id"] = alters["ego_id"].str[1:].astype(int)
    spec = {"ego": "ego_id", "level": "relative_level", "sphere": "sphere",
            "tie_strength": "closeness", "wave": "wave"}  # fmt: skip
    html = run_evaluation(_networks_config(tmp_path, alters, spec))
    saved = _table(html, "network_metrics_summary")
    assert saved["metric"].tolist() == METRICS
    res = _direct(alters, alter="alter_id", wave="wave")
    assert res.n == 12 and saved.loc[0, "count"] == 12
    np.testing.assert_allclose(
        saved["mean"].to_numpy(float), res.table[METRICS].mean().to_numpy(float), rtol=1e-9
    )
    assert _table(html, "network_types")["n"].sum() == 12  # one network per ego and wave
    assert "one row per respondent × wave (12 networks)" in _page(html)


def test_networks_unknown_column_is_a_config_error(tmp_path):
    alters = pd.DataFrame({"ego": ["a", "b"], "level": ["up", "down"]})
    cfg = _networks_config(tmp_path, alters, {"ego": "ego", "level": "levle"})
    with pytest.raises(
        ConfigError, match=r"analyses\.networks\.level: column 'levle' \(did you mean 'level'\?\)"
    ):
        run_evaluation(cfg)


def test_networks_user_strings_are_escaped(tmp_path):
    ego, level = "<b>ego & co</b>", "level <i>"
    alters = pd.DataFrame({ego: ["a", "a", None, "b"], level: ["up", "down", "up", "lateral"]})
    html = run_evaluation(_networks_config(tmp_path, alters, {"ego": ego, "level": level}))
    section = _page(html).split("<h2>Developmental networks</h2>")[1].split("<h2>")[0]
    # (the report's own <i> marks statistical symbols; the user's "<i>" must be escaped)
    assert "<b>" not in section and "level <i>" not in section and "ego & co" not in section
    assert "&#x27;&lt;b&gt;ego &amp; co&lt;/b&gt;&#x27; is missing" in section


def test_networks_ego_ids_can_be_pseudonymised(tmp_path):
    """ids.networks names the ego column: repeated (one row per developer), yet pseudonymised
    consistently, and the metrics are those of the raw file."""
    alters, _ties = simulate_networks(n_egos=8, waves=1, seed=5)
    alters = alters.drop(columns=["wave"])
    spec = {"ego": "ego_id", "level": "relative_level", "sphere": "sphere",
            "tie_strength": "closeness"}  # fmt: skip
    _mentors_file(tmp_path)
    alters.to_csv(tmp_path / "networks.csv", index=False)
    cfg = _write_config(
        tmp_path,
        data={"mentors": {"path": "mentors.csv"}, "networks": {"path": "networks.csv"}},
        ids={"mentors": "rid", "networks": "ego_id"},
        scales={"mentor_engagement": {}},
        analyses={"reliability": False, "networks": spec},
    )
    html = run_evaluation(cfg)
    saved = _table(html, "network_metrics_summary").set_index("metric")
    res = _direct(alters, alter="alter_id")
    assert saved.loc["size", "count"] == res.n == 8
    assert saved.loc["size", "mean"] == pytest.approx(res.table["size"].mean(), rel=1e-9)
    for path in [html, html.with_suffix(".json"), *(html.parent / "tables").glob("*.csv")]:
        content = path.read_text(encoding="utf-8")
        assert not [s for s in set(alters["ego_id"]) if f"{s}," in content or f"{s}<" in content]


def test_networks_tie_strength_range_from_the_config(tmp_path):
    """A 1-7 closeness scale: refused under the default 1-5 range, with the config key to set;
    accepted with tie_strength_range: [1, 7], and the strength metric equals a direct call's."""
    alters, _ties = simulate_networks(n_egos=10, waves=1, seed=7)
    alters = alters.drop(columns=["wave"])
    alters["closeness"] = alters["closeness"] + 2  # now 3-7
    spec = {"ego": "ego_id", "level": "relative_level", "sphere": "sphere",
            "tie_strength": "closeness"}  # fmt: skip
    for sub in "abc":
        (tmp_path / sub).mkdir()
    with pytest.raises(
        ld.DataValidationError, match=r"closeness.*analyses\.networks\.tie_strength_range"
    ):
        run_evaluation(_networks_config(tmp_path / "a", alters, spec))
    html = run_evaluation(
        _networks_config(tmp_path / "b", alters, {**spec, "tie_strength_range": [1, 7]})
    )
    res = ld.network_metrics(
        alters, alter="alter_id", strength_range=(1, 7), frequency=None, career=None,
        psychosocial=None,
    )  # fmt: skip
    saved = _table(html, "network_metrics_summary").set_index("metric")
    assert saved.loc["strength", "mean"] == pytest.approx(res.table["strength"].mean(), rel=1e-9)
    with pytest.raises(ld.ConfigError, match="lowest value first"):
        run_evaluation(
            _networks_config(tmp_path / "c", alters, {**spec, "tie_strength_range": [7, 1]})
        )
