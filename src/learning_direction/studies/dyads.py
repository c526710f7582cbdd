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

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from .._core.format import fmt_num, fmt_p, fmt_r
from ..exceptions import DataValidationError
from . import _pipeline
from ._base import StudyResult
from ._common import (
    ReliabilitySet,
    StudyBuilder,
    apa_reliability_sentence,
    collect_warnings,
)
from ._pipeline import DataSpec, Prepared

if TYPE_CHECKING:
    from ..models.dyadic import APIMResult, MutualBenefitResult

__all__ = [
    "COLUMNS",
    "BenefitTest",
    "DyadsData",
    "DyadsResults",
    "analyse",
    "prepare",
    "render",
    "run",
]

COLUMNS = ("dyad_id", "role", "reverse_mentoring", "learning_orientation", "satisfaction")
ROLE_SCALES = {"mentor": "mutual_benefit_mentor", "mentee": "mutual_benefit_mentee"}
X, Y = "learning_orientation", "satisfaction"


def _apa_z(row: Any) -> str:
    return (
        f"b = {fmt_num(row['estimate'])}, SE = {fmt_num(row['se'])}, 95% CI "
        f"[{fmt_num(row['ci_low'])}, {fmt_num(row['ci_high'])}], {fmt_p(row['p_value'])}"
    )


def _agreement(gls: APIMResult, sem: APIMResult) -> pd.DataFrame:
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


# ------------------------------------------------------------------------------ stages

TITLE = "Reverse mentoring and mutual benefit: a dyadic analysis"
QUESTION = (
    "Does each member's learning orientation shape their own and their partner's "
    "satisfaction with the relationship (actor and partner effects), do these effects "
    "differ between mentors and mentees, and do both members of reverse-mentoring pairs "
    "gain as often as those of traditional pairs?"
)
SPEC = DataSpec(
    dataset="dyads",
    scales=tuple(ROLE_SCALES.values()),
    columns=COLUMNS,
    numeric=("reverse_mentoring", X, Y),
    reset_index=True,
)


@dataclass(frozen=True)
class DyadsData:
    """The prepared dyad data.

    Attributes
    ----------
    roles : dict[str, Prepared]
        Per role (mentor, mentee): that role's rows with its mutual-benefit scale scored and
        its reliability.
    data : DataFrame
        Every member's row with the scores, ``gains_self``, ``gains_partner`` and
        ``pair_type`` (reverse / traditional).
    notes : tuple of str
        Package warnings raised while preparing.
    """

    roles: dict[str, Prepared]
    data: pd.DataFrame
    notes: tuple[str, ...] = ()

    @property
    def reliability(self) -> list[ReliabilitySet]:
        """Reliability of each role's scale (mentor, mentee)."""
        return [p.rel for p in self.roles.values()]


@dataclass(frozen=True)
class BenefitTest:
    """Do reverse and traditional pairs differ in mutual benefit?

    Attributes
    ----------
    table : DataFrame
        Chi-square test of the four categories and Fisher's test of "both gain".
    chi2 : scipy Chi2ContingencyResult
    share_both : Series
        Share of dyads in which both gain, by pair type.
    """

    table: pd.DataFrame
    chi2: Any
    share_both: pd.Series


@dataclass(frozen=True)
class DyadsResults:
    """The statistics of the dyad study (:func:`analyse`): result objects only.

    Attributes
    ----------
    descriptives : DataFrame
        Means and SDs by pair type and role.
    apim, apim_sem, apim_reverse : APIMResult
        ML GLS (k ratios with bootstrap CIs), ML SEM, and GLS with reverse mentoring as a
        covariate.
    by_type : DataFrame or None
        Actor and partner effects per pair type (types with at least 10 dyads).
    agreement : DataFrame
        The GLS and SEM estimates side by side.
    mutual_benefit : MutualBenefitResult
    benefit_test : BenefitTest or None
        None unless both pair types and two categories occur.
    n_boot, seed : int
        Bootstrap of the k ratios.
    notes : tuple of str
        Package warnings raised while analysing.
    """

    descriptives: pd.DataFrame
    apim: APIMResult
    apim_sem: APIMResult
    apim_reverse: APIMResult
    by_type: pd.DataFrame | None
    agreement: pd.DataFrame
    mutual_benefit: MutualBenefitResult
    benefit_test: BenefitTest | None
    n_boot: int
    seed: int
    notes: tuple[str, ...] = ()


def _recode(df: pd.DataFrame) -> pd.DataFrame:
    df["role"] = df["role"].astype(object)
    df["reverse_mentoring"] = df["reverse_mentoring"].astype(float)
    return df


def prepare(data: pd.DataFrame | None = None, *, name: str = "dyads") -> DyadsData:
    """Check (or load) the data; score each role's mutual-benefit scale on its own rows."""
    df = _pipeline.load(data, SPEC, study=name, check=_recode).frame
    roles: dict[str, Prepared] = {}
    for role_value, scale in ROLE_SCALES.items():
        rows = df[df["role"] == role_value]
        if len(rows) == 0:
            raise DataValidationError(
                f"{name}: no row has role '{role_value}' in column 'role'; the dyad data need "
                "one mentor and one mentee row per dyad"
            )
        roles[role_value] = _pipeline.prepare_rows(rows, [scale], study=name, careless=False)
    sc = pd.concat([p.scored.result.scores for p in roles.values()]).reindex(df.index)
    d = df.join(sc)
    d["gains_self"] = d["mentor_gains_self"].where(d["role"] == "mentor", d["mentee_gains_self"])
    d["gains_partner"] = d["mentor_gains_partner"].where(
        d["role"] == "mentor", d["mentee_gains_partner"]
    )
    d["pair_type"] = np.where(d["reverse_mentoring"] == 1, "reverse", "traditional")
    notes = tuple(n for p in roles.values() for n in p.notes)
    return DyadsData(roles=roles, data=d, notes=notes)


def analyse(prepared: DyadsData, *, seed: int = 20261122, n_boot: int = 5000) -> DyadsResults:
    """Descriptives, the APIM fits, and the mutual-benefit classification and tests."""
    from ..models.dyadic import apim, mutual_benefit

    d = prepared.data
    notes: list[str] = []
    with collect_warnings(notes):
        fit_gls = apim(d, X, Y, method="gls", k_ci="bootstrap", n_boot=n_boot, seed=seed)
        fit_sem = apim(d, X, Y, method="sem", k_ci="delta")
        fit_rev = apim(d, X, Y, covariates=["reverse_mentoring"], method="gls", k_ci="delta")
        by_type = _apim_by_type(d)
    with collect_warnings(notes):
        mb = mutual_benefit(
            d,
            {"mentor": "mentor_gains_self", "mentee": "mentee_gains_self"},
            scale_range=(1, 7),
            group="reverse_mentoring",
        )
    return DyadsResults(
        descriptives=_descriptives(d),
        apim=fit_gls,
        apim_sem=fit_sem,
        apim_reverse=fit_rev,
        by_type=by_type,
        agreement=_agreement(fit_gls, fit_sem),
        mutual_benefit=mb,
        benefit_test=_benefit_test(mb),
        n_boot=n_boot,
        seed=seed,
        notes=tuple(notes),
    )


def _descriptives(d: pd.DataFrame) -> pd.DataFrame:
    desc = (
        d.groupby(["pair_type", "role"], sort=True)[[X, Y, "gains_self", "gains_partner"]]
        .agg(["mean", "std"])
        .round(12)
    )
    desc.columns = [f"{v}_{s if s == 'mean' else 'sd'}" for v, s in desc.columns]
    desc = desc.reset_index()
    desc.insert(2, "n", d.groupby(["pair_type", "role"], sort=True).size().to_numpy())
    return desc


def _apim_by_type(d: pd.DataFrame) -> pd.DataFrame | None:
    """Actor and partner effects fitted in each pair type with at least 10 dyads."""
    from ..models.dyadic import apim

    by_type = []
    for label, value in (("traditional", 0.0), ("reverse", 1.0)):
        sub = d[d["reverse_mentoring"] == value]
        if sub["dyad_id"].nunique() >= 10:
            r = apim(sub, X, Y, method="gls", k_ci="delta")
            t = r.table[r.table["kind"].isin(["actor", "partner"])].copy()
            t.insert(0, "pair_type", label)
            t.insert(1, "n_dyads", r.n_dyads)
            by_type.append(t)
    return pd.concat(by_type, ignore_index=True) if by_type else None


def _benefit_test(mb: MutualBenefitResult) -> BenefitTest | None:
    ct = pd.crosstab(mb.dyads["group"], mb.dyads["category"]).reindex(
        columns=list(mb.categories), fill_value=0
    )
    ct = ct.loc[:, ct.sum(axis=0) > 0]
    if not (ct.shape[0] == 2 and ct.shape[1] >= 2):
        return None
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
    return BenefitTest(table=test, chi2=chi, share_both=both / ct.sum(axis=1))


def render(prepared: DyadsData, results: DyadsResults, *, name: str = "dyads") -> StudyResult:
    """Tables, figures, APA sentences and notes of the dyad study."""
    d = prepared.data
    n_rev = int(d.groupby("dyad_id")["reverse_mentoring"].first().sum())
    design = (
        f"{d['dyad_id'].nunique()} mentoring dyads ({n_rev} reverse-mentoring pairs, in which "
        "the junior member mentors the senior), one row per member: learning orientation, "
        "relationship satisfaction and the role's mutual-benefit items."
    )
    b = StudyBuilder(name, TITLE, question=QUESTION, design=design)
    rel_table = pd.concat([r.table for r in prepared.reliability], ignore_index=True)
    b.table("reliability", rel_table, "Reliability of the mutual-benefit scales, per role")
    b.results["reliability"] = prepared.reliability
    b.table("descriptives", results.descriptives, "Means and SDs by pair type and role")
    b.results.update(
        {
            "apim": results.apim,
            "apim_sem": results.apim_sem,
            "apim_reverse": results.apim_reverse,
        }
    )
    _add_apim_tables(b, results)
    _add_benefit_tables(b, results)
    b.figure(
        "apim_diagram",
        results.apim.plot(),
        "APIM: actor (horizontal) and partner (diagonal) effects",
    )
    b.figure(
        "mutual_benefit_chart",
        results.mutual_benefit.plot(),
        "Share of dyads in which both, only one or neither member gains, by pair type",
    )
    _add_text(b, rel_table, results)
    for n_ in (*prepared.notes, *results.notes):
        b.note(n_)
    return b.build(n=results.apim.n_dyads, seed=results.seed)


def _add_apim_tables(b: StudyBuilder, results: DyadsResults) -> None:
    fit_gls, fit_rev, agree = results.apim, results.apim_reverse, results.agreement
    b.table(
        "apim",
        fit_gls.table,
        f"APIM of {X} on {Y} (ML GLS; k ratios with percentile bootstrap CIs, "
        f"{results.n_boot:,} resamples)",
    )
    b.table("apim_tests", fit_gls.tests, "Tests of equal actor and partner effects across roles")
    b.table(
        "fit_agreement",
        agree,
        f"The same APIM fitted by ML GLS and by ML SEM (semopy): largest absolute difference "
        f"{float(agree['abs_diff_estimate'].max()):.1e} (estimates) and "
        f"{float(agree['abs_diff_se'].max()):.1e} (SEs)",
    )
    b.table(
        "apim_reverse",
        fit_rev.table[fit_rev.table["kind"] != "k"],
        "APIM with reverse mentoring (1 = reverse pair) as a dyad-level covariate",
    )
    if results.by_type is not None:
        b.table(
            "apim_by_type",
            results.by_type,
            "Actor and partner effects fitted separately in traditional and reverse pairs",
        )
    for n_ in fit_gls.notes:
        b.note(f"APIM: {n_}")


def _add_benefit_tables(b: StudyBuilder, results: DyadsResults) -> None:
    mb = results.mutual_benefit
    b.results["mutual_benefit"] = mb
    b.table(
        "mutual_benefit",
        mb.table,
        "Mutual benefit: dyads in which both, one or neither member gains "
        f"(own-gain score above {fmt_num(mb.threshold, 0)})",
    )
    if results.benefit_test is not None:
        b.table(
            "mutual_benefit_test",
            results.benefit_test.table,
            "Do reverse and traditional pairs differ in mutual benefit? (Fisher statistic: odds "
            "ratio of both gaining, first row group vs second)",
        )
    for n_ in mb.notes:
        b.note(f"mutual benefit: {n_}")


def _add_text(b: StudyBuilder, rel_table: pd.DataFrame, results: DyadsResults) -> None:
    fit_gls = results.apim
    t = fit_gls.table.set_index("term")
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
    b.text["k"] = _k_text(fit_gls)
    agree = results.agreement
    b.text["agreement"] = (
        f"The ML GLS and ML SEM (semopy) fits agreed: the largest absolute difference was "
        f"{float(agree['abs_diff_estimate'].max()):.1e} for an estimate and "
        f"{float(agree['abs_diff_se'].max()):.1e} for a standard error."
    )
    b.text["mutual_benefit"] = _benefit_text(results)


def _k_text(fit_gls: APIMResult) -> str:
    t = fit_gls.table.set_index("term")
    tests = fit_gls.tests.set_index(["test", "method"])
    ea = tests.loc[("equal_actor", "lr")]
    ep = tests.loc[("equal_partner", "lr")]
    return (
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


def _benefit_text(results: DyadsResults) -> str:
    mb, test = results.mutual_benefit, results.benefit_test
    mb_text = ""
    if test is not None:
        chi, share = test.chi2, test.share_both
        mb_text = (
            f" Both members gained in {fmt_num(100 * share.get('reverse', np.nan), 1)}% of "
            f"reverse and {fmt_num(100 * share.get('traditional', np.nan), 1)}% of traditional "
            f"pairs; the distribution of the four categories "
            f"{'differed' if chi.pvalue < 0.05 else 'did not differ significantly'} between pair "
            f"types, χ²({chi.dof}, N = {mb.n_dyads}) = {fmt_num(chi.statistic)}, "
            f"{fmt_p(chi.pvalue)}."
        )
    cats = mb.table[mb.table["group"] == "all"].set_index("category")
    return (
        f"Of {mb.n_dyads} dyads, both members gained in {int(cats.at['both_gain', 'n'])} "
        f"({fmt_num(100 * cats.at['both_gain', 'share'], 1)}%), only the mentor in "
        f"{int(cats.at['only_mentor_gains', 'n'])}, only the mentee in "
        f"{int(cats.at['only_mentee_gains', 'n'])} and neither in "
        f"{int(cats.at['neither_gains', 'n'])}." + mb_text
    )


# ------------------------------------------------------------------------------ pipeline


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
    del progress  # the bootstrap is vectorised
    prepared = prepare(data, name=name)
    return render(prepared, analyse(prepared, seed=seed, n_boot=n_boot), name=name)
