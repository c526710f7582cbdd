"""Developmental networks: metrics, the Higgins & Kram typology, reassessment and validity.

Higgins & Kram (2001) recast mentoring as a *developmental network*: a small group of developers
instead of one mentor. Networks differ in *range* (how many social spheres the developers come
from) and *tie strength*, which gives four types: receptive (narrow, weak), traditional (narrow,
strong), opportunistic (broad, weak) and entrepreneurial (broad, strong). Networks change, so
they are reassessed over time. The up / lateral / down composition of a network is a
behavioural counterpart of learning direction: people who believe valuable knowledge sits below
them should name more developers below them.

The pipeline (``ld.run_study("networks")``):

1. computes each ego's network metrics at each wave (size, spheres, Blau range, strength,
   up/lateral/down shares, density, support) and the typology (median split pooled over waves);
2. reassesses the networks between the waves: alters added, dropped and retained, change in
   each metric (paired t tests) and type transitions, on the egos who answered at both waves
   (the participation record ``networks_waves`` says who answered when);
   reports the participation flow (invited → answered wave 1 → answered wave 2), compares
   stayers and drop-outs on the wave-1 variables (Welch t tests, Hedges' g, a logistic
   regression of dropping out) and re-estimates the changes after multiple imputation of
   the drop-outs' wave-2 metrics (missing at random), saying whether the conclusions hold;
3. checks convergent validity: correlations of the network's direction shares with the ego's
   survey learning-direction scores (``share_down`` with ``downward``, ``share_up`` with
   ``upward``), with the reliability of the survey scales;
4. draws one example ego network by hierarchy, the typology plot, the change plot and the
   transition heat map, and writes the APA-style sentences.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from .._core.data import require_columns
from .._core.format import fmt_num, fmt_p, fmt_r
from ..exceptions import DataValidationError
from ..models.multiplicity import adjust_p
from . import _pipeline
from ._base import StudyResult
from ._common import StudyBuilder, apa_reliability_sentence, collect_warnings
from ._network_attrition import (
    AttritionResults,
    analyse_attrition,
    attrition_text,
    flow_text,
    sensitivity_text,
)
from ._pipeline import DataSpec, Prepared

if TYPE_CHECKING:
    from ..networks import NetworkChangeResult

__all__ = [
    "ALTER_COLUMNS",
    "NetworksData",
    "NetworksResults",
    "analyse",
    "convergent_validity",
    "prepare",
    "render",
    "run",
]

ALTER_COLUMNS = ("ego_id", "wave", "alter_id", "relative_level", "sphere", "closeness")
SHARES = ("share_up", "share_lateral", "share_down")
DIRECTIONS = ("upward", "lateral", "downward")
_CONVERGENT = {("share_up", "upward"), ("share_lateral", "lateral"), ("share_down", "downward")}
CHANGE_METRICS = ("size", "blau_range", "strength", "share_up", "share_down")
MTMM_LABELS = {
    "upward": "Survey: upward",
    "lateral": "Survey: lateral",
    "downward": "Survey: downward",
    "share_up": "Network: share up",
    "share_lateral": "Network: share lateral",
    "share_down": "Network: share down",
}
#: the ego's own level in the hierarchy, used as a control when the ego survey has it
LEVEL_COLUMN = "hierarchical_level"
SHARES_NOTE = (
    "The three direction shares of an ego's network sum to 1 (each developer is above, beside "
    "or below the ego), so they are compositional: any two determine the third, their "
    "correlations with each other are negative by construction, and a high share below "
    "implies low shares elsewhere. Their monomethod correlations in the multitrait-"
    "multimethod matrix reflect this constraint, not overlap of traits, so Campbell and "
    "Fiske's fourth criterion (the same pattern of trait correlations within each method) "
    "cannot be judged for the network method."
)


def convergent_validity(
    metrics: pd.DataFrame,
    survey: pd.DataFrame,
    *,
    ego: str = "ego_id",
    shares: tuple[str, ...] = SHARES,
    scores: tuple[str, ...] = DIRECTIONS,
    ci_level: float = 0.95,
) -> pd.DataFrame:
    """Pearson correlations of network direction shares with survey learning-direction scores.

    Parameters
    ----------
    metrics : DataFrame
        One row per ego with the share columns (``NetworkMetricsResult.table`` of one wave).
    survey : DataFrame
        One row per ego with the score columns.
    ego : str
        Ego id column in both tables.
    shares, scores : tuple of str
        Network shares and survey scores to correlate (every pair).
    ci_level : float
        Level of the Fisher-z confidence interval.

    Returns
    -------
    DataFrame
        ``network, survey, expected, r, ci_low, ci_high, p_value, n``; ``expected`` marks the
        convergent pairs (share_up–upward, share_lateral–lateral, share_down–downward).

    Notes
    -----
    Pairwise-complete Pearson *r*, *t* test on *n* − 2 df, interval
    :math:`\\tanh(\\operatorname{atanh} r \\pm z_{1-\\alpha/2} / \\sqrt{n-3})`, as R's
    ``cor.test``. Egos with no alters (size 0) have no shares and are left out of those pairs.

    References
    ----------
    Campbell, D. T., & Fiske, D. W. (1959). Convergent and discriminant validation by the
    multitrait-multimethod matrix. *Psychological Bulletin, 56*, 81–105.
    Higgins, M. C., & Kram, K. E. (2001). Reconceptualizing mentoring at work: A developmental
    network perspective. *Academy of Management Review, 26*(2), 264–288.
    """
    require_columns(metrics, [ego, *shares], "convergent_validity (network metrics)")
    require_columns(survey, [ego, *scores], "convergent_validity (survey)")
    dup = survey[ego].duplicated()
    if dup.any():
        raise DataValidationError(
            f"convergent_validity: ego id(s) {list(survey.loc[dup, ego])[:5]} appear more than "
            f"once in the survey column '{ego}'; keep one row per ego"
        )
    j = metrics[[ego, *shares]].merge(survey[[ego, *scores]], on=ego, how="inner")
    rows = []
    for s in shares:
        for c in scores:
            ok = j[[s, c]].dropna()
            n = len(ok)
            if n < 4 or ok[s].nunique() < 2 or ok[c].nunique() < 2:
                r = lo = hi = p = np.nan
            else:
                res = stats.pearsonr(ok[s], ok[c])
                r, p = float(res.statistic), float(res.pvalue)
                ci = res.confidence_interval(confidence_level=ci_level)
                lo, hi = float(ci.low), float(ci.high)
            rows.append(
                {
                    "network": s,
                    "survey": c,
                    "expected": (s, c) in _CONVERGENT,
                    "r": r,
                    "ci_low": lo,
                    "ci_high": hi,
                    "p_value": p,
                    "n": n,
                }
            )
    return pd.DataFrame(rows)


def partial_validity(
    metrics: pd.DataFrame,
    survey: pd.DataFrame,
    control: str,
    *,
    ego: str = "ego_id",
    shares: tuple[str, ...] = SHARES,
    scores: tuple[str, ...] = DIRECTIONS,
    ci_level: float = 0.95,
) -> pd.DataFrame:
    """Partial correlations of network shares with survey scores, controlling for ``control``.

    Both variables are residualized on ``control`` (OLS with an intercept) and correlated; the
    test has :math:`n - 3` df and the Fisher-z interval uses :math:`\\sqrt{n - 4}`, as R
    ``ppcor::pcor.test``. Columns as :func:`convergent_validity` plus ``control``.
    """
    require_columns(survey, [ego, control, *scores], "partial_validity (survey)")
    j = metrics[[ego, *shares]].merge(survey[[ego, control, *scores]], on=ego, how="inner")
    z = stats.norm.ppf(0.5 + ci_level / 2)
    rows = []
    for s in shares:
        for c in scores:
            ok = j[[s, c, control]].apply(pd.to_numeric, errors="coerce").dropna()
            n = len(ok)
            r = lo = hi = p = np.nan
            if n >= 6 and ok[s].nunique() > 1 and ok[c].nunique() > 1:
                x = np.column_stack([np.ones(n), ok[control]])
                res = [v - x @ np.linalg.lstsq(x, v, rcond=None)[0] for v in (ok[s], ok[c])]
                r = float(np.corrcoef(res[0], res[1])[0, 1])
                t = r * np.sqrt((n - 3) / max(1 - r**2, 1e-300))
                p = float(2 * stats.t.sf(abs(t), n - 3))
                lo, hi = np.tanh(np.arctanh(r) + np.array([-z, z]) / np.sqrt(n - 4))
            rows.append(
                {"network": s, "survey": c, "expected": (s, c) in _CONVERGENT, "r": r,
                 "ci_low": float(lo), "ci_high": float(hi), "p_value": p, "n": n,
                 "control": control}
            )  # fmt: skip
    return pd.DataFrame(rows)


def mtmm_matrix(
    metrics: pd.DataFrame,
    survey: pd.DataFrame,
    *,
    ego: str = "ego_id",
    reliabilities: dict[str, float] | None = None,
) -> pd.DataFrame:
    """The multitrait–multimethod matrix of the three directions by survey and by network.

    Traits: upward, lateral, downward; methods: the survey scores and the network shares
    (``share_up``, ``share_lateral``, ``share_down``). Lower triangle of the Pearson
    correlations (pairwise complete), ``reliabilities`` on the diagonal (NaN where not
    given), NaN above it.
    """
    names = [*DIRECTIONS, *SHARES]
    j = metrics[[ego, *SHARES]].merge(survey[[ego, *DIRECTIONS]], on=ego, how="inner")
    cor = j[names].apply(pd.to_numeric, errors="coerce").corr()
    out = pd.DataFrame(np.nan, index=names, columns=names)
    for i, a in enumerate(names):
        for k in range(i):
            out.iloc[i, k] = cor.iloc[i, k]
        out.iloc[i, i] = (reliabilities or {}).get(a, np.nan)
    labels = [MTMM_LABELS[n] for n in names]
    out.index, out.columns = labels, labels
    return out.reset_index(names="variable")


def mtmm_criteria(
    conv: pd.DataFrame, survey_r: pd.DataFrame, share_r: pd.DataFrame
) -> pd.DataFrame:
    """Campbell & Fiske's criteria, trait by trait, from one wave's correlations.

    ``conv`` is one wave of :func:`convergent_validity` (with ``p_holm``); ``survey_r`` and
    ``share_r`` the correlation matrices within each method. Criterion 1: the validity value
    (same trait, different methods) differs from zero (Holm-adjusted p < .05). Criterion 2: it
    exceeds the heterotrait-heteromethod values in its row and column (counted, signed; and the
    largest of those in absolute size). Criterion 3: it exceeds the heterotrait-monomethod
    values involving the trait. ``hh_largest`` is the heterotrait-heteromethod value largest
    in absolute size (a strong negative one means the trait shows in another share).
    """
    c = conv.set_index(["network", "survey"])
    rows = []
    for share, trait in zip(SHARES, DIRECTIONS, strict=True):
        v = c.loc[(share, trait)]
        hh = [c.loc[(share, t), "r"] for t in DIRECTIONS if t != trait]
        hh += [c.loc[(s, trait), "r"] for s in SHARES if s != share]
        mono = [survey_r.loc[trait, t] for t in DIRECTIONS if t != trait]
        mono += [share_r.loc[share, s] for s in SHARES if s != share]
        big = max(hh, key=abs)
        rows.append(
            {"trait": trait, "validity_r": v["r"], "p_holm": v["p_holm"],
             "criterion_1": bool(v["p_holm"] < 0.05 and v["r"] > 0),
             "hh_exceeded": int(sum(v["r"] > h for h in hh)), "hh_total": len(hh),
             "hh_largest": float(big),
             "criterion_2": bool(all(v["r"] > h for h in hh)),
             "hm_exceeded": int(sum(v["r"] > m for m in mono)), "hm_total": len(mono),
             "criterion_3": bool(all(v["r"] > m for m in mono))}
        )  # fmt: skip
    return pd.DataFrame(rows)


def _paired_change(metrics: pd.DataFrame, ego: str, wave: str, w1: Any, w2: Any) -> pd.DataFrame:
    a = metrics[metrics[wave] == w1].set_index(ego)
    b = metrics[metrics[wave] == w2].set_index(ego)
    rows = []
    for m in CHANGE_METRICS:
        if m not in a.columns:
            continue
        diff = (b[m].astype(float) - a[m].astype(float).reindex(b.index)).dropna()
        n = len(diff)
        if n < 2:
            continue
        mean, sd = float(diff.mean()), float(diff.std(ddof=1))
        se = sd / np.sqrt(n)
        t = mean / se if se > 0 else np.nan
        crit = stats.t.ppf(0.975, n - 1)
        rows.append(
            {
                "metric": m,
                "mean_from": float(a[m].reindex(diff.index).mean()),
                "mean_to": float(b[m].reindex(diff.index).mean()),
                "estimate": mean,
                "se": se,
                "ci_low": mean - crit * se,
                "ci_high": mean + crit * se,
                "t": t,
                "df": n - 1,
                "p_value": float(2 * stats.t.sf(abs(t), n - 1)) if np.isfinite(t) else np.nan,
                "n": n,
            }
        )
    return pd.DataFrame(rows)


_PARTS = ("alters", "ties", "egos", "waves")


def _unpack(data: Any, name: str) -> dict[str, pd.DataFrame | None]:
    from ..datasets import load_dataset

    if data is None:
        return {k: load_dataset(f"networks_{k}") for k in _PARTS}
    if isinstance(data, pd.DataFrame):
        return {"alters": data, "ties": None, "egos": None, "waves": None}
    if isinstance(data, Mapping):
        unknown = [k for k in data if k not in _PARTS]
        if unknown or "alters" not in data:
            raise DataValidationError(
                f"{name}: data= must be the alter table or a dict with keys 'alters' (required), "
                f"'ties', 'egos' and 'waves' (the participation record; optional); got keys "
                f"{list(data)}"
            )
        return {k: data.get(k) for k in _PARTS}
    raise DataValidationError(
        f"{name}: data= must be a DataFrame (the alter table) or a dict "
        f"{{'alters': ..., 'ties': ..., 'egos': ..., 'waves': ...}}, got {type(data).__name__}"
    )


def _as_int_wave(df: pd.DataFrame) -> pd.DataFrame:
    w = pd.to_numeric(df["wave"], errors="coerce")
    if w.notna().all() and (w % 1 == 0).all():
        df = df.assign(wave=w.astype(int))
    return df


# ------------------------------------------------------------------------------ stages

TITLE = "Developmental networks: typology, reassessment and convergent validity"
QUESTION = (
    "What developmental networks do the egos have (Higgins & Kram's four types), how do "
    "the networks change between waves, and does the share of developers below the ego "
    "match the ego's survey-reported downward learning direction?"
)
ALTERS_SPEC = DataSpec(dataset="networks_alters", columns=ALTER_COLUMNS, numeric=("closeness",))
TIES_SPEC = DataSpec(dataset="networks_ties", columns=("ego_id", "wave", "alter_a", "alter_b"))
EGOS_SPEC = DataSpec(
    dataset="networks_egos",
    scales=("learning_direction",),
    columns=("ego_id",),
    reset_index=True,
)
WAVES_SPEC = DataSpec(dataset="networks_waves", columns=("ego_id", "wave", "responded"))
NETWORK_TYPES = ("receptive", "traditional", "opportunistic", "entrepreneurial")


@dataclass(frozen=True)
class NetworksData:
    """The prepared network data.

    Attributes
    ----------
    alters : DataFrame
        One row per ego × alter × wave (ego ids as text, whole-number waves as int).
    ties : DataFrame or None
        Alter–alter ties.
    egos : Prepared or None
        The ego survey with learning direction scored and its reliability.
    ego_ids : list of str
        Every ego (of the alters, the survey or the participation record), sorted.
    waves : list
        The waves of the alters (and of the participation record), sorted.
    participation : DataFrame or None
        The participation record (``ego_id, wave, responded``), one row per invited ego ×
        wave; None when not given (then an ego × wave without alters counts as an empty
        network, the behaviour before participation records).
    """

    alters: pd.DataFrame
    ties: pd.DataFrame | None
    egos: Prepared | None
    ego_ids: list[str]
    waves: list[Any]
    participation: pd.DataFrame | None = None


@dataclass(frozen=True)
class NetworksResults:
    """The statistics of the network study (:func:`analyse`): result objects only.

    Attributes
    ----------
    change : NetworkChangeResult
        Metrics per ego and wave (``.metrics``), reassessment between the first two waves.
    typology, turnover, paired_change, transitions : DataFrame
        Types per wave, alter turnover, paired change of the metrics, type transitions.
    convergent : DataFrame or None
        Network shares vs survey learning direction per wave, with Holm-adjusted p-values
        within each wave (None without a survey).
    mtmm, mtmm_criteria : DataFrame or None
        The multitrait–multimethod matrix of the first wave (survey alphas and the shares'
        cross-wave stability on the diagonal) and Campbell & Fiske's criteria per trait.
    partial : DataFrame or None
        Partial correlations controlling for the ego's hierarchical level (None when the ego
        survey has no such column).
    level : str or None
        The level column used.
    change_notes, notes : tuple of str
        Package warnings raised while computing the metrics, and afterwards.
    attrition : AttritionResults or None
        Participation flow, stayers vs drop-outs, and the multiple-imputation sensitivity
        analysis of the change tests (None without a participation record).
    """

    change: NetworkChangeResult
    typology: pd.DataFrame
    turnover: pd.DataFrame
    paired_change: pd.DataFrame
    transitions: pd.DataFrame
    convergent: pd.DataFrame | None
    mtmm: pd.DataFrame | None = None
    mtmm_criteria: pd.DataFrame | None = None
    partial: pd.DataFrame | None = None
    level: str | None = None
    change_notes: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    attrition: AttritionResults | None = None


def prepare(data: Any = None, *, name: str = "networks") -> NetworksData:
    """Check (or load) the alters, ties and ego survey; score the survey, reliability."""
    raw = _unpack(data, name)
    raw_ties, raw_egos = raw["ties"], raw["egos"]
    alters = _as_int_wave(_pipeline.load(raw["alters"], ALTERS_SPEC, study=name).frame)
    ties = None
    if raw_ties is not None:
        ties = _as_int_wave(_pipeline.load(raw_ties, TIES_SPEC, study=f"{name} (ties)").frame)
    egos = None
    if raw_egos is not None:
        checked = _pipeline.load(raw_egos, EGOS_SPEC, study=f"{name} (ego survey)").frame
        egos = _pipeline.prepare_rows(
            checked, EGOS_SPEC.scales, study=f"{name} (ego survey)", careless=False
        )
    record = None
    if raw["waves"] is not None:
        record = _as_int_wave(
            _pipeline.load(raw["waves"], WAVES_SPEC, study=f"{name} (participation)").frame
        )
        record = record.assign(ego_id=record["ego_id"].astype(str))
    ego_ids = sorted(
        set(alters["ego_id"].dropna().astype(str))
        | (set(egos.rows["ego_id"].dropna().astype(str)) if egos is not None else set())
        | (set(record["ego_id"].dropna()) if record is not None else set())
    )
    alters = alters.assign(ego_id=alters["ego_id"].astype(str))
    if ties is not None:
        ties = ties.assign(ego_id=ties["ego_id"].astype(str))
    waves = sorted(
        pd.unique(
            pd.concat([alters["wave"], record["wave"] if record is not None else None]).dropna()
        )
    )
    return NetworksData(alters=alters, ties=ties, egos=egos, ego_ids=ego_ids, waves=waves,
                        participation=record)  # fmt: skip


def analyse(
    prepared: NetworksData,
    *,
    level: str | None = "auto",
    m: int = 20,
    seed: int | None = 20261122,
) -> NetworksResults:
    """Metrics, typology, reassessment between the waves, attrition and convergent validity.

    ``level``: the ego survey's column with the ego's hierarchical level, controlled for in
    partial correlations; ``"auto"`` uses ``hierarchical_level`` when the survey has it.
    ``m``, ``seed``: imputations (and their seed) of the missing-at-random sensitivity
    analysis of the change tests (with a participation record).
    """
    from ..networks import network_change

    notes: list[str] = []
    who: dict[str, Any] = (
        {"participation": prepared.participation}
        if prepared.participation is not None
        else {"egos": prepared.ego_ids}
    )
    with collect_warnings(notes):
        ch = network_change(prepared.alters, ties=prepared.ties, **who)
    change_notes = tuple(notes)
    mt, w1, w2 = ch.metrics, ch.from_wave, ch.to_wave
    validity: dict[str, Any] = {"convergent": None}
    if prepared.egos is not None:
        validity = _validity(prepared, mt.table, w1, w2, level)
    typ = pd.crosstab(mt.table["network_type"], mt.table["wave"]).reindex(
        list(NETWORK_TYPES), fill_value=0
    )
    typ.columns = [f"n_wave_{c}" for c in typ.columns]
    typ = typ.reset_index().rename(columns={"network_type": "network_type"})
    trans = ch.transitions.copy()
    trans.index = [str(i) for i in trans.index]
    trans_tab = trans.reset_index().rename(columns={"index": f"type_wave_{w1}"})
    trans_tab.columns = [str(c) for c in trans_tab.columns]
    change = _paired_change(mt.table.copy(), "ego_id", "wave", w1, w2)
    if len(change):
        change["p_holm"] = adjust_p(change["p_value"].to_numpy(), "holm")
    attrition = None
    if prepared.participation is not None:
        with collect_warnings(notes):
            attrition = _attrition(prepared, mt.table, change, w1, w2, m=m, seed=seed)
    return NetworksResults(
        change=ch, typology=typ, turnover=_turnover(ch.table), paired_change=change,
        transitions=trans_tab, change_notes=change_notes, notes=tuple(notes),
        attrition=attrition, **validity,
    )  # fmt: skip


def _attrition(
    prepared: NetworksData, metrics: pd.DataFrame, change: pd.DataFrame, w1: Any, w2: Any,
    *, m: int, seed: int | None,
) -> AttritionResults:  # fmt: skip
    """The participation flow, stayers vs drop-outs, and the MI sensitivity of the changes."""
    survey = tenure = None
    if prepared.egos is not None:
        scored = prepared.egos.data.assign(ego_id=prepared.egos.data["ego_id"].astype(str))
        survey = scored.set_index("ego_id")[list(DIRECTIONS)]
        if "tenure" in scored.columns:
            tenure = scored.set_index("ego_id")["tenure"]
    if "responded" not in metrics.columns:  # pragma: no cover - the caller checks
        raise RuntimeError("attrition analysis without a participation record")
    # the record as network_metrics checked it (0/1, yes/no ... -> bool), for the two waves
    record = metrics[["ego_id", "wave", "responded"]]
    return analyse_attrition(
        metrics, record, survey, tenure, change, w1, w2,
        change_metrics=CHANGE_METRICS, m=m, seed=seed,
    )  # fmt: skip


def _validity(
    prepared: NetworksData, metrics: pd.DataFrame, w1: Any, w2: Any, level: str | None
) -> dict[str, Any]:
    """Convergent validity per wave (Holm within each wave), the MTMM matrix and criteria of
    the first wave, and the partial correlations controlling for the ego's level."""
    egos = prepared.egos
    if egos is None:  # pragma: no cover - the caller checks
        return {}
    scored = egos.data.assign(ego_id=egos.data["ego_id"].astype(str))
    survey = scored[["ego_id", *DIRECTIONS]]
    parts = []
    for w in (w1, w2):
        c = convergent_validity(metrics[metrics["wave"] == w], survey)
        c["p_holm"] = adjust_p(c["p_value"], "holm")
        c.insert(0, "wave", w)
        parts.append(c)
    conv = pd.concat(parts, ignore_index=True)
    m1 = metrics[metrics["wave"] == w1]
    stability = _share_stability(metrics, w1, w2)
    mtmm = mtmm_matrix(m1, survey, reliabilities={**egos.rel.alphas, **stability})
    j = m1[["ego_id", *SHARES]].merge(survey, on="ego_id")
    crit = mtmm_criteria(
        conv[conv["wave"] == w1], j[list(DIRECTIONS)].corr(), j[list(SHARES)].corr()
    )
    col = _level_column(scored, level)
    partial = None
    if col is not None:
        partial = partial_validity(m1, scored[["ego_id", col, *DIRECTIONS]], col)
        partial["p_holm"] = adjust_p(partial["p_value"], "holm")
        partial.insert(0, "wave", w1)
    return {"convergent": conv, "mtmm": mtmm, "mtmm_criteria": crit, "partial": partial,
            "level": col}  # fmt: skip


def _share_stability(metrics: pd.DataFrame, w1: Any, w2: Any) -> dict[str, float]:
    """Cross-wave correlation of each share (the network method's reliability proxy)."""
    a = metrics[metrics["wave"] == w1].set_index("ego_id")
    b = metrics[metrics["wave"] == w2].set_index("ego_id")
    return {s: float(a[s].corr(b[s].reindex(a.index))) for s in SHARES}


def _level_column(survey: pd.DataFrame, level: str | None) -> str | None:
    """The ego-level column to control for (None when there is none)."""
    if level is None:
        return None
    if level == "auto":
        return LEVEL_COLUMN if LEVEL_COLUMN in survey.columns else None
    if level not in survey.columns:
        raise DataValidationError(
            f"networks: level='{level}' is not a column of the ego survey; give the column "
            "with each ego's hierarchical level (numeric, higher = more senior) or level=None"
        )
    if not pd.api.types.is_numeric_dtype(survey[level]):
        raise DataValidationError(
            f"networks: the level column '{level}' must be numeric (e.g. 1 = entry level ... "
            f"5 = executive), got {survey[level].dtype}"
        )
    return level


def _turnover(ct: pd.DataFrame) -> pd.DataFrame:
    """Alters retained, added and dropped, and egos changing type, between the waves."""
    re_ = ct.dropna(subset=["n_retained"])
    return pd.DataFrame(
        {
            "quantity": ["alters retained", "alters added", "alters dropped", "egos changing type"],
            "total": [
                int(re_["n_retained"].sum()),
                int(re_["n_added"].sum()),
                int(re_["n_dropped"].sum()),
                int(ct["type_changed"].fillna(False).astype(bool).sum()),
            ],
            "mean_per_ego": [
                float(re_["n_retained"].astype(float).mean()),
                float(re_["n_added"].astype(float).mean()),
                float(re_["n_dropped"].astype(float).mean()),
                float(ct["type_changed"].astype("Float64").mean()),
            ],
            "n_egos": [len(re_)] * 3 + [int(ct["type_changed"].notna().sum())],
        }
    )


def _design_text(prepared: NetworksData) -> str:
    ties = prepared.ties
    who = (
        f"{len(prepared.ego_ids)} invited egos asked to name their developers at "
        f"{len(prepared.waves)} waves, with a participation record of who answered when"
        if prepared.participation is not None
        else f"{len(prepared.ego_ids)} egos naming their developers at {len(prepared.waves)} "
        "waves (no participation record: an ego × wave without alters counts as an empty "
        "network)"
    )
    return (
        f"{who} "
        f"({len(prepared.alters)} ego × alter × wave rows"
        + (f", {len(ties)} alter–alter ties" if ties is not None else "")
        + ")"
        + (
            "; a survey of the egos' learning direction (upward, lateral, downward)."
            if prepared.egos is not None
            else "; no ego survey given, so convergent validity is not assessed."
        )
    )


def render(
    prepared: NetworksData,
    results: NetworksResults,
    *,
    name: str = "networks",
    example_ego: str | None = None,
) -> StudyResult:
    """Tables, figures, APA sentences and notes of the network study."""
    b = StudyBuilder(name, TITLE, question=QUESTION, design=_design_text(prepared))
    ch = results.change
    b.results.update({"change": ch, "metrics": ch.metrics})
    for n_ in ch.notes:
        b.note(f"network metrics: {n_}")
    egos = prepared.egos
    if egos is not None:
        for n_ in egos.scored.notes:
            b.note(f"ego survey: {n_}")
        b.table(
            "reliability",
            egos.rel.table,
            "Reliability of the ego survey's learning-direction scales",
        )
        b.results["reliability"] = egos.rel
        b.results["convergent_validity"] = results.convergent
    _add_tables(b, results)
    _add_attrition(b, results)
    _add_figures(b, results, example_ego)
    _add_text(b, prepared, results)
    egos_notes = egos.notes if egos is not None else ()
    if results.convergent is not None:
        b.note(SHARES_NOTE)
        b.note(
            "Multiplicity: the correlations of the three shares with the three survey scores "
            "form one family per wave (9 tests) and the paired changes another (one test per "
            "metric); both are Holm-adjusted (familywise error rate, valid under any "
            "dependence), as the text reports them as confirmatory checks."
        )
    for n_ in (*results.change_notes, *egos_notes, *results.notes):
        b.note(n_)
    return b.build(n=len(prepared.ego_ids), seed=None)


def _add_tables(b: StudyBuilder, results: NetworksResults) -> None:
    ch = results.change
    mt, w1, w2 = ch.metrics, ch.from_wave, ch.to_wave
    b.table(
        "metrics",
        mt.table.copy(),
        "Network metrics per ego and wave (range = Blau index over spheres, strength = mean "
        "closeness)",
    )
    b.table(
        "typology",
        results.typology,
        f"Higgins & Kram network types per wave (median split pooled over waves: range > "
        f"{fmt_num(mt.splits['range'], 3)}, strength > {fmt_num(mt.splits['strength'], 3)})",
    )
    b.table(
        "turnover", results.turnover, f"Reassessment: alter turnover between waves {w1} and {w2}"
    )
    b.table(
        "change",
        results.paired_change,
        f"Change in network metrics from wave {w1} to {w2} (paired t tests; p_holm: "
        f"Holm-adjusted across the {len(results.paired_change)} metrics"
        + (
            f"; egos who answered at both waves only, {_left_out_phrase(results)[2:-1]})"
            if results.attrition is not None
            else ")"
        ),
    )
    b.table(
        "transitions",
        results.transitions,
        f"Network type at wave {w1} (rows) and wave {w2} (columns): counts of egos",
    )
    if results.convergent is not None:
        b.table(
            "convergent_validity",
            results.convergent,
            "Convergent validity: network direction shares with survey learning-direction "
            "scores (Pearson r, 95% CI; expected = the matching pair; p_holm: Holm-adjusted "
            "across the 9 correlations of each wave)",
        )
    if results.mtmm is not None and results.mtmm_criteria is not None:
        b.table(
            "mtmm",
            results.mtmm,
            f"Multitrait–multimethod matrix, wave {w1} (traits upward, lateral, downward; "
            "methods survey and network shares). Diagonal: Cronbach's alpha of the survey "
            f"scales and the wave {w1}–{w2} correlation of each share (stability)",
        )
        b.table(
            "mtmm_criteria",
            results.mtmm_criteria,
            "Campbell & Fiske's criteria per trait: (1) the validity value differs from zero "
            "(Holm-adjusted p < .05); (2) it exceeds the heterotrait-heteromethod values in its "
            "row and column; (3) it exceeds the heterotrait-monomethod values of the trait",
        )
    if results.partial is not None:
        b.table(
            "convergent_partial",
            results.partial,
            f"Convergent validity controlling for the ego's hierarchical level "
            f"('{results.level}'): partial r, 95% CI, Holm-adjusted across the 9 pairs",
        )


def _add_attrition(b: StudyBuilder, results: NetworksResults) -> None:
    """Tables and sentences of the participation flow, attrition and MI sensitivity."""
    att = results.attrition
    if att is None:
        b.note(
            "No participation record was given, so an ego × wave without alters is counted as "
            "an empty network; if it may mean the ego did not answer, give data={'waves': ...}."
        )
        return
    b.results["attrition"] = att
    b.table("participation_flow", att.flow,
            "Participation flow: invited → answered wave 1 → answered both waves (n, the "
            "count of the stage before, share, and how many were left out and why)")  # fmt: skip
    b.text["participation"] = flow_text(att.flow)
    if len(att.comparison):
        b.table("attrition", att.comparison,
                "Attrition: wave-1 respondents who answered again (stayed) vs who did not "
                "(dropped out) on the wave-1 variables (Welch t tests, difference stayed − "
                "dropped out, Hedges' g with 95% CI)")  # fmt: skip
    if att.logistic is not None:
        b.table("attrition_logit", att.logistic.table,
                f"Logistic regression of dropping out on wave-1 variables (n = "
                f"{att.logistic.n}; odds ratios per unit)")  # fmt: skip
        b.results["attrition_logit"] = att.logistic
    b.text["attrition"] = attrition_text(att.comparison, att.logistic)
    if att.sensitivity is not None:
        b.table("change_sensitivity", att.sensitivity,
                f"Sensitivity of the change tests to drop-out: complete cases (cc_) vs "
                f"{att.m} multiple imputations of the drop-outs' wave-2 metrics under missing "
                "at random (mi_; predictive mean matching on the wave-1 metrics and tenure, "
                "Rubin's rules); p_holm across the metrics")  # fmt: skip
    b.text["sensitivity"] = sensitivity_text(att.sensitivity, att.m)
    b.note(
        "Missing data: the multiple-imputation sensitivity analysis covers drop-out between "
        "the waves of egos who answered at wave 1; egos who never answered have no network to "
        "impute from and are outside the population the change estimates describe."
    )


def _left_out_phrase(results: NetworksResults) -> str:
    """`` (k invited egos left out: j never answered, d dropped out)`` from the flow table."""
    att = results.attrition
    if att is None:
        return ""
    f = att.flow.set_index("stage")["left_out"]
    never, dropped = int(f.iloc[1]), int(f.iloc[2])
    return (
        f" ({never + dropped} invited egos left out: {never} never answered, {dropped} dropped "
        "out after wave 1)"
    )


def _pick_example_ego(metrics: pd.DataFrame, wave: Any) -> str:
    """Among egos with developers above, beside and below at ``wave``, the largest network."""
    first = metrics[metrics["wave"] == wave]
    mixed = first[(first[list(SHARES)] > 0).all(axis=1)]
    pool = mixed if len(mixed) else first[first["size"] > 0]
    top = pool.sort_values(["size", "ego_id"], ascending=[False, True], kind="stable")
    return str(top["ego_id"].iloc[0])


def _add_figures(b: StudyBuilder, results: NetworksResults, example_ego: str | None) -> None:
    ch = results.change
    mt, w1, w2 = ch.metrics, ch.from_wave, ch.to_wave
    if example_ego is None:
        example_ego = _pick_example_ego(mt.table, w1)
    ax = mt.plot("ego", ego_id=example_ego, wave_value=w1)
    ax.set_title(f"Developmental network of ego {example_ego} (wave {w1})")
    b.figure(
        "ego_network",
        ax,
        f"Ego {example_ego}'s developers by hierarchy (up above, lateral beside, down below); "
        "colour = sphere, line width = closeness, dashed = ties between developers",
    )
    ax = mt.plot("typology")
    b.figure(
        "typology_plot",
        ax,
        "Range × strength of every ego network (both waves), split at the pooled medians, with "
        "the count per type",
    )
    ax = ch.plot("slope", metric="share_down")
    b.figure("change_plot", ax, f"Share of developers below the ego, wave {w1} vs wave {w2}")
    ax = ch.plot("transitions")
    b.figure("transitions_plot", ax, "Network type transitions between the waves")


def _add_text(b: StudyBuilder, prepared: NetworksData, results: NetworksResults) -> None:
    ch = results.change
    mt, w1, w2 = ch.metrics, ch.from_wave, ch.to_wave
    tcount = results.typology.set_index("network_type")
    col1 = f"n_wave_{w1}"
    b.text["typology"] = (
        f"At wave {w1}, "
        + ", ".join(
            f"{int(tcount.at[t, col1])} networks were {t}"
            for t in ("receptive", "traditional", "opportunistic")
        )
        + f" and {int(tcount.at['entrepreneurial', col1])} entrepreneurial (median splits of "
        f"Blau range at {fmt_num(mt.splits['range'], 2)} and mean closeness at "
        f"{fmt_num(mt.splits['strength'], 2)})."
    )
    tv = results.turnover.set_index("quantity")
    b.text["reassessment"] = (
        f"Between waves {w1} and {w2}, egos retained on average "
        f"{fmt_num(tv.at['alters retained', 'mean_per_ego'])} developers, added "
        f"{fmt_num(tv.at['alters added', 'mean_per_ego'])} and dropped "
        f"{fmt_num(tv.at['alters dropped', 'mean_per_ego'])}; "
        f"{int(tv.at['egos changing type', 'total'])} of "
        f"{int(tv.at['egos changing type', 'n_egos'])} egos "
        f"({fmt_num(100 * tv.at['egos changing type', 'mean_per_ego'], 1)}%) changed network type."
    )
    change = results.paired_change
    if len(change):
        sd_row = change.set_index("metric").loc["share_down"]
        n_sig = int((change["p_holm"] < 0.05).sum())
        who = (
            f"Among the {int(sd_row['n'])} egos who answered at both waves{_left_out_phrase(results)}, the"
            if results.attrition is not None
            else "The"
        )
        b.text["change"] = (
            f"{who} share of developers below the ego changed by "
            f"{fmt_num(sd_row['estimate'], 3)} on average (95% CI [{fmt_num(sd_row['ci_low'], 3)}, {fmt_num(sd_row['ci_high'], 3)}]), "
            f"t({int(sd_row['df'])}) = {fmt_num(sd_row['t'])}, {fmt_p(sd_row['p_value'])} "
            f"(Holm-adjusted across the {len(change)} metrics tested, "
            f"{fmt_p(sd_row['p_holm'])}); {n_sig} of {len(change)} metrics changed "
            "significantly after the adjustment."
        )
    if results.convergent is not None and prepared.egos is not None:
        b.text["reliability"] = apa_reliability_sentence(prepared.egos.rel.table)
        b.text["main"] = _convergent_text(results.convergent, w1)
        if results.mtmm_criteria is not None:
            b.text["mtmm"] = _mtmm_text(results.mtmm_criteria, w1)
        b.text["shares"] = (
            "The three shares of an ego's network sum to 1, so they are negatively related to "
            "each other by construction and are read together, not as independent measures."
        )
        b.text["level"] = _level_text(results, w1)


def _convergent_text(conv: pd.DataFrame, w1: Any) -> str:
    c1 = conv[conv["wave"] == w1].set_index(["network", "survey"])
    dn = c1.loc[("share_down", "downward")]
    up = c1.loc[("share_up", "upward")]
    updn = c1.loc[("share_up", "downward")]
    supported = dn["r"] > 0 and dn["p_holm"] < 0.05
    return (
        ("Supporting" if supported else "Not supporting")
        + " convergent validity, egos with a stronger downward learning direction named "
        f"{'a larger' if dn['r'] > 0 else 'a smaller'} share of developers below them, "
        f"r({int(dn['n']) - 2}) = "
        f"{fmt_r(dn['r'])}, 95% CI [{fmt_r(dn['ci_low'])}, {fmt_r(dn['ci_high'])}], "
        f"{fmt_p(dn['p_value'])} (Holm-adjusted across the 9 correlations, "
        f"{fmt_p(dn['p_holm'])}), and {'a smaller' if updn['r'] < 0 else 'a larger'} share "
        f"above them, r = {fmt_r(updn['r'])}, {fmt_p(updn['p_value'])}. The share of "
        f"developers above the ego was "
        f"{'related' if up['p_holm'] < 0.05 else 'not significantly related'} to the upward "
        f"learning direction, r({int(up['n']) - 2}) = {fmt_r(up['r'])}, 95% CI "
        f"[{fmt_r(up['ci_low'])}, {fmt_r(up['ci_high'])}], {fmt_p(up['p_value'])} (adjusted "
        f"{fmt_p(up['p_holm'])}; wave {w1})."
    )


def _mtmm_text(crit: pd.DataFrame, w1: Any) -> str:
    """Campbell & Fiske's criteria in words (trait by trait)."""
    c = crit.set_index("trait")
    met = [t for t in DIRECTIONS if c.at[t, "criterion_1"]]
    parts = [
        f"{t} r = {fmt_r(c.at[t, 'validity_r'])} (adjusted {fmt_p(c.at[t, 'p_holm'])})"
        for t in DIRECTIONS
    ]
    text = (
        f"Read as a multitrait–multimethod matrix (Campbell & Fiske, 1959; wave {w1}), the "
        "validity values (the same direction by survey and by network) were "
        + "; ".join(parts)
        + ": "
        + (
            f"only {' and '.join(met)} met the first criterion"
            if 0 < len(met) < len(DIRECTIONS)
            else ("all three met the first criterion" if met else "none met the first criterion")
        )
    )
    for t in met:
        big = c.at[t, "hh_largest"]
        text += (
            f". The {t} validity value exceeded {int(c.at[t, 'hh_exceeded'])} of "
            f"{int(c.at[t, 'hh_total'])} heterotrait-heteromethod values in its row and column "
            f"and {int(c.at[t, 'hm_exceeded'])} of {int(c.at[t, 'hm_total'])} "
            "heterotrait-monomethod values"
        )
        if abs(big) > c.at[t, "validity_r"]:
            text += (
                f", but a heterotrait-heteromethod value was larger in absolute size (r = "
                f"{fmt_r(big)}): the survey trait shows at least as much in another share of the "
                "network as in its own"
            )
    return text + "."


def _level_text(results: NetworksResults, w1: Any) -> str:
    """The convergent correlation controlling for the ego's level, or why it is not."""
    if results.partial is None:
        return (
            "The ego survey has no hierarchical level, so the share of developers below the "
            "ego was not adjusted for how many people the ego has below them (a more senior "
            f"ego can name more); give a '{LEVEL_COLUMN}' column to control for it."
        )
    p = results.partial.set_index(["network", "survey"]).loc[("share_down", "downward")]
    return (
        f"Controlling for the ego's hierarchical level ('{results.level}'), the share of "
        f"developers below the ego and the downward learning direction correlated at partial "
        f"r({int(p['n']) - 3}) = {fmt_r(p['r'])}, 95% CI [{fmt_r(p['ci_low'])}, "
        f"{fmt_r(p['ci_high'])}], {fmt_p(p['p_value'])} (Holm-adjusted {fmt_p(p['p_holm'])}; "
        f"wave {w1})."
    )


# ------------------------------------------------------------------------------ pipeline


def run(
    name: str = "networks",
    data: Any = None,
    *,
    seed: int = 20261122,
    n_boot: int = 5000,
    progress: bool = False,
    example_ego: str | None = None,
    level: str | None = "auto",
    m: int = 20,
) -> StudyResult:
    """Run the developmental-network pipeline on the bundled data (or ``data``).

    Parameters
    ----------
    name : str
        Study name (``"networks"``).
    data : DataFrame or dict, optional
        The alter table (one row per ego × alter × wave with :data:`ALTER_COLUMNS`), or a dict
        ``{"alters": ..., "ties": ..., "egos": ..., "waves": ...}`` adding alter–alter ties
        (``ego_id, wave, alter_a, alter_b``), the ego survey (``ego_id``, the
        ``learning_direction`` items and, for the attrition analysis, ``tenure``) for the
        convergent-validity check, and the participation record (``ego_id, wave,
        responded``: one row per invited ego × wave). Default: the bundled
        ``networks_alters``, ``networks_ties``, ``networks_egos`` and ``networks_waves``.
        Without a participation record an ego × wave without alters counts as an empty
        network and no attrition analysis is made.
    seed : int
        Seed of the multiple imputations (the MAR sensitivity analysis of the change tests).
    n_boot, progress
        Accepted for a uniform pipeline signature; nothing here is bootstrapped.
    m : int
        Number of imputations of the drop-outs' wave-2 metrics (default 20).
    example_ego : str, optional
        Ego drawn in the ego-network figure (default: among egos with developers above, beside
        and below them at the first wave, the first in id order with the largest network).
    level : str or None
        Column of the ego survey with each ego's hierarchical level (numeric, higher = more
        senior), controlled for in partial correlations (table ``convergent_partial``): a
        senior ego has more people below them to name. ``"auto"`` (default) uses
        ``hierarchical_level`` when the survey has it; ``None`` skips the control.

    Returns
    -------
    StudyResult
        Tables ``reliability`` (with egos), ``metrics``, ``typology``, ``turnover``, ``change``
        (with Holm-adjusted ``p_holm``), ``transitions``, and with egos
        ``convergent_validity`` (``p_holm`` within each wave), ``mtmm`` (the
        multitrait–multimethod matrix), ``mtmm_criteria`` (Campbell & Fiske) and, with a level
        column, ``convergent_partial``; with a participation record ``participation_flow``,
        ``attrition`` (stayers vs drop-outs), ``attrition_logit`` and ``change_sensitivity``
        (complete cases vs multiple imputation); figures ``ego_network``, ``typology_plot``,
        ``change_plot``, ``transitions_plot``.

    Raises
    ------
    DataValidationError
        A required column of the alters (or of the ego survey) is missing (named in the
        message); fewer than two waves; malformed alter rows (see
        :func:`learning_direction.network_metrics`).

    Notes
    -----
    Metrics as in :func:`learning_direction.network_metrics`; the typology splits range (Blau
    index) and strength (mean closeness) at their medians pooled over both waves, so a type
    change reflects a change of the network. Change: paired differences (to − from) with a
    paired *t* test (R: ``t.test(x2, x1, paired = TRUE)``), Holm-adjusted across the metrics,
    on the egos who answered at both waves. Attrition: ``ld.ttest(d, var, "status")`` per
    wave-1 variable (R: ``t.test(var ~ status)``, ``effectsize::hedges_g``) and
    ``ld.logit(d, "dropped_out ~ tenure + size + strength + share_down")`` (R: ``glm(...,
    binomial)``). Sensitivity: ``ld.impute`` (predictive mean matching) of the drop-outs'
    wave-2 metrics from the wave-1 metrics, tenure and the downward score, the change's mean
    pooled by Rubin's rules through ``ld.regress(completed, "<metric>_change ~ 1")`` (R:
    ``mice::pool(with(imp, lm(change ~ 1)))``); it assumes the drop-outs' wave-2 networks are
    missing at random given those variables.

    Convergent validity is read as a multitrait–multimethod matrix (Campbell & Fiske, 1959):
    traits upward, lateral, downward; methods the survey and the network's composition. The
    validity values (same trait, different methods) should differ from zero (criterion 1,
    Holm-adjusted across the 9 heteromethod correlations), exceed the heterotrait-heteromethod
    values in their row and column (2) and the heterotrait-monomethod values (3). The shares
    sum to 1, so their monomethod correlations are negative by construction and criterion 4
    cannot be judged for the network method.

    References
    ----------
    Higgins, M. C., & Kram, K. E. (2001). Reconceptualizing mentoring at work: A developmental
    network perspective. *Academy of Management Review, 26*(2), 264–288.

    Examples
    --------
    >>> import learning_direction as ld
    >>> res = ld.run_study("networks")  # nothing random: no bootstrap here
    >>> print(res.tables["typology"].to_string(index=False))
       network_type  n_wave_1  n_wave_2
          receptive        28        25
        traditional        27        23
      opportunistic        28        26
    entrepreneurial        28        19
    >>> print(res.tables["participation_flow"][["stage", "n", "of", "left_out"]].to_string(index=False))
                     stage   n  of  left_out
                   invited 120 120         0
           answered wave 1 111 120         9
    answered waves 1 and 2  93 111        18
    >>> cv = res.tables["convergent_validity"]
    >>> expected = cv[(cv.wave == 1) & cv.expected]  # R: cor.test(egos$share_down, egos$downward)
    >>> print(expected[["network", "survey", "r", "ci_low", "ci_high"]].round(3).to_string(index=False))
          network   survey     r  ci_low  ci_high
         share_up   upward 0.097  -0.091    0.278
    share_lateral  lateral 0.029  -0.158    0.214
       share_down downward 0.572   0.432    0.686
    """
    del n_boot, progress  # nothing here is bootstrapped
    prepared = prepare(data, name=name)
    results = analyse(prepared, level=level, m=m, seed=seed)
    return render(prepared, results, name=name, example_ego=example_ego)
