"""Reverse mentoring and mutual benefit: a dyadic analysis of mentor–mentee pairs.

Relationships last when both sides gain ("what's in it for me"). In reverse mentoring the junior
member mentors the senior (technology, front-line operations), so what each side gains can
differ from traditional pairs. The data are dyadic: one row per member, a dyad id and a role.

The pipeline (``ld.run_study("dyads")``):

1. scores each role's mutual-benefit scale (mentors answer ``mutual_benefit_mentor``, mentees
   ``mutual_benefit_mentee``) and reports reliability per role;
2. fits the Actor–Partner Interdependence Model of learning orientation (x) on relationship
   satisfaction (y) for distinguishable dyads, two independent ways (ML GLS and ML SEM with
   semopy), and shows that they agree; reports the k ratios (partner / actor, bootstrap CIs) and
   the tests of equal actor and equal partner effects across roles;
3. refits the APIM with reverse mentoring as a dyad-level covariate and separately for reverse
   and traditional pairs;
4. classifies each dyad by mutual benefit (both gain, one gains, neither) overall and by reverse
   vs traditional pairs, with a chi-square test of the difference;
5. draws the APIM diagram and the mutual-benefit chart and writes the APA-style sentences.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..reporting.apa import fmt_num, fmt_p, fmt_r
from ._base import StudyResult
from ._common import (
    StudyBuilder,
    apa_reliability_sentence,
    check_study_data,
    collect_warnings,
    reliability_set,
)

__all__ = ["COLUMNS", "run"]

COLUMNS = ("dyad_id", "role", "reverse_mentoring", "learning_orientation", "satisfaction")
ROLE_SCALES = {"mentor": "mutual_benefit_mentor", "mentee": "mutual_benefit_mentee"}
X, Y = "learning_orientation", "satisfaction"


def _apa_z(row: Any) -> str:
    return (
        f"b = {fmt_num(row['estimate'])}, SE = {fmt_num(row['se'])}, 95% CI "
        f"[{fmt_num(row['ci_low'])}, {fmt_num(row['ci_high'])}], {fmt_p(row['p_value'])}"
    )


def _agreement(gls: Any, sem: Any) -> pd.DataFrame:
    """Side-by-side estimates and SEs of the two APIM fits (k rows excluded: their CIs differ)."""
    a = gls.table[gls.table["kind"] != "k"].set_index("term")
    b = sem.table[sem.table["kind"] != "k"].set_index("term")
    out = pd.DataFrame(
        {
            "term": a.index,
            "estimate_gls": a["estimate"].to_numpy(),
            "estimate_sem": b.loc[a.index, "estimate"].to_numpy(),
            "se_gls": a["se"].to_numpy(),
            "se_sem": b.loc[a.index, "se"].to_numpy(),
        }
    )
    out["abs_diff_estimate"] = (out["estimate_gls"] - out["estimate_sem"]).abs()
    out["abs_diff_se"] = (out["se_gls"] - out["se_sem"]).abs()
    return out


def run(
    name: str = "dyads",
    data: pd.DataFrame | None = None,
    *,
    seed: int = 20261122,
    n_boot: int = 5000,
    progress: bool = False,
) -> StudyResult:
    """Run the reverse-mentoring dyad pipeline on the bundled data (or ``data``).

    Parameters
    ----------
    name : str
        Study name (``"dyads"``).
    data : DataFrame, optional
        Long format, one row per dyad member, with :data:`COLUMNS` and the items of
        ``mutual_benefit_mentor`` (answered by mentors) and ``mutual_benefit_mentee`` (answered
        by mentees); default ``ld.load_dataset("dyads")``. ``reverse_mentoring`` is 0/1 (or
        True/False) and the same for both members.
    seed : int
        Seed of the bootstrap of the k ratios (same seed, identical intervals).
    n_boot : int
        Bootstrap resamples for the k-ratio intervals.
    progress : bool
        Accepted for a uniform pipeline signature (the bootstrap is vectorised).

    Returns
    -------
    StudyResult
        Tables ``reliability, descriptives, apim, apim_tests, fit_agreement, apim_reverse,
        apim_by_type, mutual_benefit, mutual_benefit_test``; figures ``apim, mutual_benefit``.

    Raises
    ------
    DataValidationError
        A required column or item is missing (named in the message); malformed dyads (see
        :func:`learning_direction.apim`).

    Notes
    -----
    APIM for dyad *i* (roles mentor M and mentee E)::

        y_Mi = a_M + actor_M x_Mi + partner_EM x_Ei + e_Mi
        y_Ei = a_E + actor_E x_Ei + partner_ME x_Mi + e_Ei,  (e_M, e_E) ~ N(0, Sigma)

    fitted by ML (GLS two-intercept model and semopy SEM); k = partner / actor per role (Kenny &
    Ledermann, 2010). A member gains when their ``*_gains_self`` score is above the scale
    midpoint (4 on 1–7).

    References
    ----------
    Kenny, D. A., Kashy, D. A., & Cook, W. L. (2006). *Dyadic data analysis*. Guilford.
    Murphy, W. M. (2012). Reverse mentoring at work. *Human Resource Management, 51*(4), 549–573.

    Examples
    --------
    >>> import learning_direction as ld
    >>> res = ld.run_study("dyads", n_boot=1000)
    >>> apim = res.tables["apim"].set_index("term")
    >>> effects = apim["kind"].isin(["actor", "partner"])
    >>> print(apim.loc[effects, ["estimate", "se", "ci_low", "ci_high"]].round(3))
                              estimate     se  ci_low  ci_high
    term
    actor_mentor                 0.397  0.063   0.274    0.520
    actor_mentee                 0.352  0.070   0.214    0.490
    partner_mentee_to_mentor     0.232  0.062   0.110    0.354
    partner_mentor_to_mentee     0.147  0.071   0.009    0.286
    >>> print(res.tables["mutual_benefit_test"][["test", "p_value"]].round(3).to_string(index=False))
                                 test  p_value
    category x pair type (chi-square)    0.251
       both gain x pair type (Fisher)    0.181

    In R: ``lavaan::sem`` on the pairwise data (see :func:`learning_direction.apim`) or
    ``nlme::gls(..., correlation = corSymm(form = ~1 | dyad_id), method = "ML")``.
    """
    from .. import apim, mutual_benefit
    from ..datasets import load_dataset
    from ..scales.scoring import score

    df = load_dataset("dyads") if data is None else data
    df = check_study_data(
        df,
        study=name,
        scales=tuple(ROLE_SCALES.values()),
        columns=COLUMNS,
        numeric=["reverse_mentoring", X, Y],
        dataset="dyads",
    )
    df = df.reset_index(drop=True)
    df["role"] = df["role"].astype(object)
    df["reverse_mentoring"] = df["reverse_mentoring"].astype(float)
    n_dyads = df["dyad_id"].nunique()
    n_rev = int(df.groupby("dyad_id")["reverse_mentoring"].first().sum())
    b = StudyBuilder(
        name,
        "Reverse mentoring and mutual benefit: a dyadic analysis",
        question=(
            "Does each member's learning orientation shape their own and their partner's "
            "satisfaction with the relationship (actor and partner effects), do these effects "
            "differ between mentors and mentees, and do both members of reverse-mentoring pairs "
            "gain as often as those of traditional pairs?"
        ),
        design=(
            f"{n_dyads} mentoring dyads ({n_rev} reverse-mentoring pairs, in which the junior "
            "member mentors the senior), one row per member: learning orientation, relationship "
            "satisfaction and the role's mutual-benefit items."
        ),
    )
    notes: list[str] = []
    scored = []
    rels = []
    with collect_warnings(notes):
        for role_value, scale in ROLE_SCALES.items():
            rows = df[df["role"] == role_value]
            if len(rows) == 0:
                from ..exceptions import DataValidationError

                raise DataValidationError(
                    f"{name}: no row has role '{role_value}' in column 'role'; the dyad data need "
                    "one mentor and one mentee row per dyad"
                )
            scored.append(score(rows, scale).scores)
            rels.append(reliability_set(rows, [scale]))
    sc = pd.concat(scored).reindex(df.index)
    d = df.join(sc)
    d["gains_self"] = d["mentor_gains_self"].where(d["role"] == "mentor", d["mentee_gains_self"])
    d["gains_partner"] = d["mentor_gains_partner"].where(
        d["role"] == "mentor", d["mentee_gains_partner"]
    )
    rel_table = pd.concat([r.table for r in rels], ignore_index=True)
    b.table("reliability", rel_table, "Reliability of the mutual-benefit scales, per role")
    b.results["reliability"] = rels

    d["pair_type"] = np.where(d["reverse_mentoring"] == 1, "reverse", "traditional")
    desc = (
        d.groupby(["pair_type", "role"], sort=True)[[X, Y, "gains_self", "gains_partner"]]
        .agg(["mean", "std"])
        .round(12)
    )
    desc.columns = [f"{v}_{s if s == 'mean' else 'sd'}" for v, s in desc.columns]
    desc = desc.reset_index()
    desc.insert(2, "n", d.groupby(["pair_type", "role"], sort=True).size().to_numpy())
    b.table("descriptives", desc, "Means and SDs by pair type and role")

    # APIM, two independent fits
    with collect_warnings(notes):
        fit_gls = apim(d, X, Y, method="gls", k_ci="bootstrap", n_boot=n_boot, seed=seed)
        fit_sem = apim(d, X, Y, method="sem", k_ci="delta")
        fit_rev = apim(d, X, Y, covariates=["reverse_mentoring"], method="gls", k_ci="delta")
        by_type = []
        for label, value in (("traditional", 0.0), ("reverse", 1.0)):
            sub = d[d["reverse_mentoring"] == value]
            if sub["dyad_id"].nunique() >= 10:
                r = apim(sub, X, Y, method="gls", k_ci="delta")
                t = r.table[r.table["kind"].isin(["actor", "partner"])].copy()
                t.insert(0, "pair_type", label)
                t.insert(1, "n_dyads", r.n_dyads)
                by_type.append(t)
    agree = _agreement(fit_gls, fit_sem)
    max_est = float(agree["abs_diff_estimate"].max())
    max_se = float(agree["abs_diff_se"].max())
    b.results.update({"apim": fit_gls, "apim_sem": fit_sem, "apim_reverse": fit_rev})
    b.table(
        "apim",
        fit_gls.table,
        f"APIM of {X} on {Y} (ML GLS; k ratios with percentile bootstrap CIs, "
        f"{n_boot:,} resamples)",
    )
    b.table("apim_tests", fit_gls.tests, "Tests of equal actor and partner effects across roles")
    b.table(
        "fit_agreement",
        agree,
        f"The same APIM fitted by ML GLS and by ML SEM (semopy): largest absolute difference "
        f"{max_est:.1e} (estimates) and {max_se:.1e} (SEs)",
    )
    b.table(
        "apim_reverse",
        fit_rev.table[fit_rev.table["kind"] != "k"],
        "APIM with reverse mentoring (1 = reverse pair) as a dyad-level covariate",
    )
    if by_type:
        b.table(
            "apim_by_type",
            pd.concat(by_type, ignore_index=True),
            "Actor and partner effects fitted separately in traditional and reverse pairs",
        )
    for n_ in fit_gls.notes:
        b.note(f"APIM: {n_}")

    # mutual benefit
    with collect_warnings(notes):
        mb = mutual_benefit(
            d,
            {"mentor": "mentor_gains_self", "mentee": "mentee_gains_self"},
            scale_range=(1, 7),
            group="reverse_mentoring",
        )
    b.results["mutual_benefit"] = mb
    b.table(
        "mutual_benefit",
        mb.table,
        "Mutual benefit: dyads in which both, one or neither member gains "
        f"(own-gain score above {fmt_num(mb.threshold, 0)})",
    )
    ct = pd.crosstab(mb.dyads["group"], mb.dyads["category"]).reindex(
        columns=list(mb.categories), fill_value=0
    )
    ct = ct.loc[:, ct.sum(axis=0) > 0]
    mb_text = ""
    if ct.shape[0] == 2 and ct.shape[1] >= 2:
        chi = stats.chi2_contingency(ct.to_numpy())
        both = ct.get("both_gain", pd.Series(0, index=ct.index))
        odds = pd.crosstab(mb.dyads["group"], mb.dyads["category"] == "both_gain")
        fisher = stats.fisher_exact(odds.reindex(columns=[True, False], fill_value=0).to_numpy())
        test = pd.DataFrame(
            {
                "test": ["category x pair type (chi-square)", "both gain x pair type (Fisher)"],
                "statistic": [float(chi.statistic), float(fisher.statistic)],
                "df": [float(chi.dof), np.nan],
                "p_value": [float(chi.pvalue), float(fisher.pvalue)],
            }
        )
        b.table(
            "mutual_benefit_test",
            test,
            "Do reverse and traditional pairs differ in mutual benefit? (Fisher statistic: odds "
            "ratio of both gaining, first row group vs second)",
        )
        share = both / ct.sum(axis=1)
        mb_text = (
            f" Both members gained in {fmt_num(100 * share.get('reverse', np.nan), 1)}% of "
            f"reverse and {fmt_num(100 * share.get('traditional', np.nan), 1)}% of traditional "
            f"pairs; the distribution of the four categories "
            f"{'differed' if chi.pvalue < 0.05 else 'did not differ significantly'} between pair "
            f"types, χ²({chi.dof}, N = {mb.n_dyads}) = {fmt_num(chi.statistic)}, "
            f"{fmt_p(chi.pvalue)}."
        )
    for n_ in mb.notes:
        b.note(f"mutual benefit: {n_}")

    # figures
    b.figure(
        "apim_diagram", fit_gls.plot(), "APIM: actor (horizontal) and partner (diagonal) effects"
    )
    b.figure(
        "mutual_benefit_chart",
        mb.plot(),
        "Share of dyads in which both, only one or neither member gains, by pair type",
    )

    # APA text
    t = fit_gls.table.set_index("term")
    tests = fit_gls.tests.set_index(["test", "method"])
    ea = tests.loc[("equal_actor", "lr")]
    ep = tests.loc[("equal_partner", "lr")]
    b.text["reliability"] = apa_reliability_sentence(
        rel_table, {s: s.replace("_", " ") for s in rel_table["scale"]}
    )
    b.text["main"] = (
        f"In an APIM of {fit_gls.n_dyads} dyads, mentors' learning orientation predicted their "
        f"own satisfaction (actor effect, {_apa_z(t.loc['actor_mentor'])}) and mentees' learning "
        f"orientation theirs ({_apa_z(t.loc['actor_mentee'])}). Partner effects: mentee to "
        f"mentor {_apa_z(t.loc['partner_mentee_to_mentor'])}; mentor to mentee "
        f"{_apa_z(t.loc['partner_mentor_to_mentee'])}. The residual correlation between partners "
        f"was r = {fmt_r(t.loc['residual_corr', 'estimate'])}."
    )
    b.text["k"] = (
        f"The k ratios (partner / actor) were {fmt_num(t.loc['k_mentor', 'estimate'])} for mentors "
        f"(95% bootstrap CI [{fmt_num(t.loc['k_mentor', 'ci_low'])}, "
        f"{fmt_num(t.loc['k_mentor', 'ci_high'])}]) and {fmt_num(t.loc['k_mentee', 'estimate'])} "
        f"for mentees ([{fmt_num(t.loc['k_mentee', 'ci_low'])}, "
        f"{fmt_num(t.loc['k_mentee', 'ci_high'])}]). Actor effects "
        f"{'differed' if ea['p_value'] < 0.05 else 'did not differ significantly'} between roles, "
        f"χ²(1) = {fmt_num(ea['statistic'])}, {fmt_p(ea['p_value'])}, and partner effects "
        f"{'differed' if ep['p_value'] < 0.05 else 'did not differ significantly'}, "
        f"χ²(1) = {fmt_num(ep['statistic'])}, {fmt_p(ep['p_value'])} (likelihood-ratio tests)."
    )
    b.text["agreement"] = (
        f"The ML GLS and ML SEM (semopy) fits agreed: the largest absolute difference was "
        f"{max_est:.1e} for an estimate and {max_se:.1e} for a standard error."
    )
    cats = mb.table[mb.table["group"] == "all"].set_index("category")
    b.text["mutual_benefit"] = (
        f"Of {mb.n_dyads} dyads, both members gained in {int(cats.at['both_gain', 'n'])} "
        f"({fmt_num(100 * cats.at['both_gain', 'share'], 1)}%), only the mentor in "
        f"{int(cats.at['only_mentor_gains', 'n'])}, only the mentee in "
        f"{int(cats.at['only_mentee_gains', 'n'])} and neither in "
        f"{int(cats.at['neither_gains', 'n'])}." + mb_text
    )
    for n_ in notes:
        b.note(n_)
    return b.build(n=fit_gls.n_dyads, seed=seed)
