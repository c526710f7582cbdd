"""The evaluator workflow: report, provenance sidecar, tables, privacy and row accounting."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import learning_direction as ld
from learning_direction.cli import main
from learning_direction.evaluation import REPORT_NAME, run_evaluation, text
from learning_direction.figures.evaluation import (
    plain_label,
    plot_distributions_by_group,
    plot_response_rates,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SALT = "test-salt-0123456789"


def example_config(tmp: Path, n_boot: int = 300) -> Path:
    """The shipped example config with absolute paths, a smaller bootstrap and a tmp output."""
    cfg = yaml.safe_load((EXAMPLES / "evaluation.yaml").read_text(encoding="utf-8"))
    for spec in cfg["data"].values():
        spec["path"] = str(EXAMPLES / spec["path"])
    cfg["analyses"]["learning_direction_engagement"]["n_boot"] = n_boot
    cfg["output"] = str(tmp / "out")
    cfg["privacy"] = {"salt": SALT}  # the example reads its salt from the environment
    path = tmp / "evaluation.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def example_runs(tmp_path_factory):
    """The example evaluated twice into two folders (same inputs and seed)."""
    out = []
    for k in range(2):
        tmp = tmp_path_factory.mktemp(f"eval{k}")
        out.append(run_evaluation(example_config(tmp)))
    return out


def _without_timestamp(html: str) -> str:
    return re.sub(r"<div>Generated [^<]*</div>", "", html)


# ----------------------------------------------------------------------------- the report


def test_example_report_sections_and_figures(example_runs):
    page = example_runs[0].read_text(encoding="utf-8")
    for title in (
        "Overview",
        "Response counts and rates",
        "Scale scores and reliability",
        "Learning direction, engagement and mentee outcomes",
        "Data-quality appendix",
    ):
        assert f"<h2>{title}</h2>" in page and f">{title}</a>" in page  # contents list
    assert page.count("data:image/png;base64,") >= 3  # figures embedded
    assert "<link " not in page and "src='http" not in page  # self-contained
    # plain-language interpretation next to the statistics, driven by the result
    assert "class='plain'" in page and "not proof of cause" in page
    assert "Mentors who value learning from people junior to them reported more" in page
    assert "We found no clear link between upward learning direction" in page
    # multilevel model with ICC, cluster bootstrap mediation
    assert "linear mixed model, mentees nested in mentors (60 mentors)" in page
    assert "ICC(1) = " in page and "cluster bootstrap resamples" in page
    # alpha warning (hireability alpha = .69 in the example)
    assert "WARNING: alpha of &#x27;hireability&#x27; is .69, below .70" in page
    # SPSS user-missing recodings and Qualtrics previews in the appendix
    assert "user-missing value declared in the file" in page
    assert "Qualtrics preview response" in page


def test_example_models_match_direct_calls(example_runs):
    """The report's numbers are those of the public API on the same (cleaned) data."""
    tables = example_runs[0].parent / "tables"
    eng = pd.read_csv(tables / "model_engagement.csv").set_index("term")
    s = ld.read_survey(
        EXAMPLES / "mentors_qualtrics.csv", drop_previews=True, missing_codes=[-9, 99]
    )
    df = s.data
    cols = {
        **{
            f"ld_{d}_{k}": f"Q2_{4 * j + k}"
            for j, d in enumerate(("up", "lat", "down"))
            for k in range(1, 5)
        },
        **{f"eng_{k}": f"Q4_{k}" for k in range(1, 7)},
    }
    sc = ld.score(df, ["learning_direction", "mentor_engagement"], columns=cols).scores
    direct = ld.regress(sc, "mentor_engagement ~ upward + lateral + downward", se="HC3")
    d = direct.table.set_index("term")
    np.testing.assert_allclose(eng.loc[d.index, "estimate"], d["estimate"], rtol=1e-9)
    np.testing.assert_allclose(eng.loc[d.index, "se"], d["se"], rtol=1e-9)


def test_same_inputs_and_seed_give_identical_outputs(example_runs):
    a, b = (p.parent for p in example_runs)
    names = sorted(p.name for p in (a / "tables").glob("*.csv"))
    assert names == sorted(p.name for p in (b / "tables").glob("*.csv")) and len(names) >= 10
    for n in names:
        assert (a / "tables" / n).read_bytes() == (b / "tables" / n).read_bytes(), n
    for p in (a / "figures").glob("*.png"):
        assert p.read_bytes() == (b / "figures" / p.name).read_bytes(), p.name
    ha = _without_timestamp(example_runs[0].read_text(encoding="utf-8"))
    hb = _without_timestamp(example_runs[1].read_text(encoding="utf-8"))
    assert ha == hb


def test_sidecar_provenance(example_runs):
    html = example_runs[0]
    side = json.loads(html.with_name(f"{REPORT_NAME}.json").read_text(encoding="utf-8"))
    assert side["report"] == html.name and side["seed"] == 20261122 and side["generated"]
    for inp in side["inputs"]:
        assert inp["sha256"] == hashlib.sha256(Path(inp["path"]).read_bytes()).hexdigest()
    assert side["config"]["privacy"]["salt"] == "<redacted>"
    assert SALT not in html.with_suffix(".json").read_text()
    assert {"python", "learning-direction", "numpy", "pandas"} <= set(side["software"])
    for rel, digest in side["outputs"].items():
        assert hashlib.sha256((html.parent / rel).read_bytes()).hexdigest() == digest
    page = html.read_text(encoding="utf-8")
    assert side["inputs"][0]["sha256"] in page and "Generated " in page  # footer


def test_source_date_epoch_fixes_the_timestamp(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    html = run_evaluation(small_config(tmp_path))
    assert "Generated 2026-01-01T00:00:00+00:00" in html.read_text(encoding="utf-8")


def test_direct_identifiers_never_reach_any_output(example_runs):
    raw = ld.read_survey(EXAMPLES / "mentors_qualtrics.csv").data
    mentees = ld.read_survey(EXAMPLES / "mentees.sav").data
    secrets = set(raw["RecipientEmail"].dropna()) | set(raw["IPAddress"].dropna())
    secrets |= set(raw["ResponseId"]) | set(mentees["email"]) | set(mentees["name"])
    secrets |= set(mentees["mentee_id"]) | {f"M{k:03d}" for k in range(1, 61)}
    secrets = {s for s in secrets if isinstance(s, str) and len(s) > 3}
    folder = example_runs[0].parent
    for path in [
        example_runs[0],
        example_runs[0].with_suffix(".json"),
        *sorted((folder / "tables").glob("*.csv")),
    ]:
        content = path.read_text(encoding="utf-8")
        leaked = [s for s in secrets if s in content]
        assert not leaked, (path.name, leaked[:3])


# ----------------------------------------------------------------------------- row accounting


def _mentors(n: int = 40, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=n)
    df = pd.DataFrame(
        {
            "rid": [f"R{k}" for k in range(n)],
            "mentor": [f"M{k}" for k in range(n)],
            "email": [f"p{k}@example.org" for k in range(n)],
            "Duration (in seconds)": rng.integers(200, 900, n),
            "DistributionChannel": "email",
            "cohort": np.where(np.arange(n) < n // 2, "A", "B"),
        }
    )
    for k in range(1, 7):
        df[f"eng_{k}"] = np.clip(np.rint(4 + latent + rng.normal(0, 0.7, n)), 1, 7).astype(int)
    return df


def small_config(tmp: Path, mentors: pd.DataFrame | None = None, **extra) -> Path:
    df = mentors if mentors is not None else _mentors()
    df.to_csv(tmp / "mentors.csv", index=False)
    cfg = {
        "program": "Small program",
        "data": {"mentors": {"path": "mentors.csv", "drop_previews": True}},
        "ids": {"mentors": "rid"},
        "identifiers": {"mentors": ["email"]},
        "scales": {"mentor_engagement": {}},
        "groups": {"cohort": "cohort"},
        "privacy": {"salt": SALT},
        "report": {"min_duration_seconds": 60, "min_group_size": 5},
        "output": "out",
        **extra,
    }
    path = tmp / "evaluation.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return path


def test_counts_add_up_and_every_exclusion_is_listed(tmp_path):
    df = _mentors()
    df.loc[0, "DistributionChannel"] = "preview"  # Qualtrics preview
    df = pd.concat([df, df.iloc[[5]]], ignore_index=True)  # exact duplicate submission
    df.loc[7, "Duration (in seconds)"] = 30  # too fast
    df.loc[9, "eng_2"] = 9  # out of range
    df.loc[11, "eng_3"] = 0  # out of range
    df.loc[12, [f"eng_{k}" for k in range(1, 7)]] = np.nan  # no answers: kept, not scored
    df.loc[14, [f"eng_{k}" for k in range(1, 7)]] = 5  # straight-liner: kept, flagged
    html = run_evaluation(small_config(tmp_path, df))
    tables = html.parent / "tables"
    ledger = pd.read_csv(tables / "row_accounting.csv")
    read = ledger.loc[ledger["step"] == "rows in the file", "rows"].item()
    analysed = ledger.loc[ledger["step"] == "rows analysed (total)", "rows"].item()
    excluded = ledger.loc[
        ~ledger["step"].isin(["rows in the file", "rows analysed (total)"]), "rows"
    ]
    assert read == 41 and analysed == 38 and read + excluded.sum() == analysed
    reasons = " | ".join(ledger["reason"].dropna())
    assert "preview" in reasons and "exact duplicate" in reasons and "too fast" in reasons
    invalid = pd.read_csv(tables / "invalid_answers.csv")
    assert sorted(invalid["value"].astype(str)) == ["0", "9"]
    assert invalid["respondent"].str.startswith("M-").all()  # pseudonyms, not raw ids
    missing = pd.read_csv(tables / "missing_scores.csv")
    assert missing[["rows", "scored", "not_scored"]].iloc[0].tolist() == [38, 37, 1]
    flags = pd.read_csv(tables / "straightlining.csv")
    assert flags["n_flagged"].item() >= 1
    rates = pd.read_csv(tables / "response_rates.csv")
    assert rates.loc[rates["group"] == "(all)", "responses"].item() == 38
    assert rates.loc[rates["group"] == "cohort", "responses"].sum() == 38
    page = html.read_text(encoding="utf-8")
    assert "example.org" not in page  # the identifier column never reaches the report


def test_small_groups_get_no_statistics(tmp_path):
    df = _mentors()
    df.loc[:2, "cohort"] = "tiny"
    html = run_evaluation(small_config(tmp_path, df))
    page = html.read_text(encoding="utf-8")
    assert "cohort &#x27;tiny&#x27; has only 3 respondent(s)" in page
    by = pd.read_csv(html.parent / "tables" / "scores_by_cohort_mentors.csv")
    assert "tiny" not in set(by["level"]) and {"A", "B"} <= set(by["level"])


def test_invited_counts_give_rates(tmp_path):
    cfg = small_config(
        tmp_path, invited={"mentors": {"group": "cohort", "counts": {"A": 25, "B": 40}}}
    )
    rates = pd.read_csv(run_evaluation(cfg).parent / "tables" / "response_rates.csv")
    a = rates[rates["level"] == "A"].iloc[0]
    assert a["responses"] == 20 and a["invited"] == 25 and a["rate"] == pytest.approx(0.8)
    total = rates[rates["group"] == "(all)"].iloc[0]
    assert total["invited"] == 65 and total["rate"] == pytest.approx(40 / 65)


def test_cli_evaluate_writes_the_report(tmp_path, capsys):
    cfg = small_config(tmp_path)
    assert main(["evaluate", str(cfg), "--out", str(tmp_path / "cli")]) == 0
    assert (
        f"report written to {tmp_path / 'cli' / (REPORT_NAME + '.html')}" in capsys.readouterr().out
    )


# ----------------------------------------------------------------------------- plain language


def _coef(estimate: float, p: float, lo: float, hi: float) -> str:
    return text.plain_coefficient(
        who="Mentors who value learning from people junior to them",
        up="reported more engagement",
        down="reported less engagement",
        short="downward learning direction",
        outcome_label="engagement",
        estimate=estimate,
        ci_low=lo,
        ci_high=hi,
        p=p,
        scale=(1, 7),
        n=60,
    )


def test_plain_language_depends_on_the_result():
    pos = _coef(0.31, 0.0004, 0.15, 0.47)
    assert pos.startswith("Mentors who value learning from people junior to them reported more")
    assert "about 0.31 points more on the 1–7 scale" in pos and "(p < .001)" in pos
    assert "not proof of cause" in pos
    neg = _coef(-0.25, 0.01, -0.44, -0.06)
    assert "reported less engagement: about 0.25 points less" in neg and "(p = .010)" in neg
    null = _coef(0.05, 0.42, -0.1, 0.2)
    assert null.startswith("We found no clear link") and "could well be chance (p = .420)" in null
    assert "between -0.10 and 0.20 points" in null


def test_plain_indirect_and_icc():
    yes = text.plain_indirect(
        focal="downward",
        focal_title=None,
        mediator_label="engagement",
        outcome_label="mentee experience",
        estimate=0.2,
        ci_low=0.05,
        ci_high=0.4,
        a=0.5,
        b=0.4,
        n_boot=5000,
    )
    assert "runs through engagement" in yes and "does not include zero" in yes
    no = text.plain_indirect(
        focal="downward",
        focal_title=None,
        mediator_label="engagement",
        outcome_label="mentee experience",
        estimate=0.05,
        ci_low=-0.02,
        ci_high=0.14,
        a=0.5,
        b=0.1,
        n_boot=5000,
    )
    assert no.startswith("We could not show") and "includes zero" in no
    assert "About 16%" in text.plain_icc(0.157, "mentee experience")
    odds = text.plain_odds(
        predictor="mentor_engagement",
        predictor_title=None,
        outcome_label="being hired",
        odds_ratio=1.8,
        or_low=1.2,
        or_high=2.7,
        p=0.004,
        n=90,
    )
    assert "1.80 times the odds of being hired" in odds


# ----------------------------------------------------------------------------- figures


def test_figures_smoke(tmp_path, close_figures):
    rng = np.random.default_rng(2)
    scores = pd.DataFrame(rng.normal(4, 1, (30, 3)), columns=["upward", "lateral", "downward"])
    group = pd.Series(["2024"] * 15 + ["$5 <b>"] * 15)
    ax = plot_distributions_by_group(scores, group, scale_range=(1, 7), group_title="cohort")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [r"\$5 <b>", "2024"]
    ax.figure.savefig(tmp_path / "dist.png")
    rates = pd.DataFrame({"level": ["all", "A"], "responses": [10, np.nan], "invited": [20, 5]})
    ax2 = plot_response_rates(rates)
    ax2.figure.savefig(tmp_path / "rates.png")
    assert (tmp_path / "dist.png").stat().st_size > 1000
    assert plain_label("a $x$ " + "y" * 40).startswith(r"a \$x\$")
