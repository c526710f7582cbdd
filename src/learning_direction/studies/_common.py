"""Pipeline steps shared by the study pipelines.

Every study pipeline (``studies/study*.py``) does the same first steps: check the data, score
its scales, report their reliability, screen for careless responding and build "Table 1"
(means, SDs and correlations with alphas on the diagonal). This module holds those steps, a
small builder that collects tables, figures, captions, APA sentences and notes into a
:class:`~learning_direction.studies.StudyResult`, and sentence helpers for the APA text.

The helpers never drop rows: they return what they left out and why, as notes.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._core.data import missing_hint
from .._core.format import fmt_num, fmt_p, fmt_r
from .._core.warn import warn_user
from ..exceptions import DataValidationError, LearningDirectionWarning
from ._base import StudyResult

if TYPE_CHECKING:
    from ..reporting.tables import CorrelationTable

__all__ = [
    "RELIABILITY_CAPTION",
    "RELIABILITY_COLUMNS",
    "TABLE1_CAPTION",
    "ReliabilitySet",
    "ScoredData",
    "StudyBuilder",
    "add_indicator",
    "apa_cfa_sentence",
    "apa_delta_r2_sentence",
    "apa_predictor_phrase",
    "apa_reliability_sentence",
    "careless_screen",
    "check_study_data",
    "collect_warnings",
    "combine_reliability",
    "contrast_table",
    "dummy_code",
    "label_terms",
    "reliability_set",
    "scale_item_ids",
    "score_scales",
    "table1",
]

# Column order of the reliability table of a study (one row per subscale).
RELIABILITY_COLUMNS = [
    "instrument",
    "scale",
    "n_items",
    "n",
    "n_complete",
    "alpha",
    "alpha_ci_low",
    "alpha_ci_high",
    "std_alpha",
    "average_r",
    "g6",
    "omega_total",
]

#: Caption of the reliability table of a study.
RELIABILITY_CAPTION = (
    "Reliability of each scale: Cronbach's alpha with its 95% Feldt CI, standardized alpha, "
    "average inter-item r, Guttman's lambda 6 and omega total (psych::alpha)"
)
#: Caption of a study's Table 1 (one sample, pairwise-complete correlations).
TABLE1_CAPTION = (
    "Table 1. Means, standard deviations and correlations (Cronbach's alpha on the diagonal; "
    "* p < .05, ** p < .01, *** p < .001; pairwise-complete data)"
)


# ------------------------------------------------------------------------------ data checks


def scale_item_ids(scales: Sequence[str]) -> list[str]:
    """Item ids of the bundled (or given) scales, in codebook order."""
    from ..scales.codebook import load_scale

    ids: list[str] = []
    for s in scales:
        ids += [i for i in load_scale(s).item_ids if i not in ids]
    return ids


def check_study_data(
    data: Any,
    *,
    study: str,
    scales: Sequence[str] = (),
    columns: Sequence[str] = (),
    numeric: Sequence[str] = (),
    dataset: str | None = None,
) -> pd.DataFrame:
    """Check a user's data for a study pipeline; return a copy with a fresh default index.

    Parameters
    ----------
    data : DataFrame
        The user's data (one row per unit of the study).
    study : str
        Study name, used in messages (``"study1"``).
    scales : sequence of str
        Scales whose item columns must all be present.
    columns : sequence of str
        Other required columns (controls, ids, conditions).
    numeric : sequence of str
        Columns among ``columns`` that must be numeric (numbers or missing).
    dataset : str, optional
        Bundled dataset with the same layout, named in the message (default: ``study``).

    Returns
    -------
    DataFrame
        A copy of ``data`` (the caller may add columns to it freely).

    Raises
    ------
    DataValidationError
        ``data`` is not a DataFrame, has no rows, lacks required columns (every missing column
        is named, with close matches) or has a non-numeric value in a numeric column (the column,
        the values and up to five rows are named).
    """
    dataset = dataset or study
    if not isinstance(data, pd.DataFrame):
        raise DataValidationError(
            f"{study} needs a pandas DataFrame as data=, got {type(data).__name__}; read your "
            "file with ld.read_survey(path) or pandas.read_csv(path)"
        )
    if len(data) == 0:
        raise DataValidationError(f"{study}: the data has no rows")
    required = list(dict.fromkeys([*columns, *scale_item_ids(scales)]))
    missing = [c for c in required if c not in data.columns]
    if missing:
        hint = missing_hint(missing, data.columns)
        raise DataValidationError(
            f"{study} needs column(s) not in the data: {hint}. Your data must have "
            f"the columns of the bundled dataset (see ld.datasets.codebook('{dataset}') or "
            "data/README.md); rename your columns to match"
        )
    for c in numeric:
        col = data[c]
        if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
            continue
        conv = pd.to_numeric(col, errors="coerce")
        bad = conv.isna() & col.notna()
        if bad.any():
            rows = list(data.index[bad.to_numpy()][:5])
            vals = sorted({str(v) for v in col[bad]})[:5]
            raise DataValidationError(
                f"{study}: column '{c}' must be numeric but holds {', '.join(repr(v) for v in vals)} "
                f"(rows {', '.join(repr(r) for r in rows)}); recode these values as numbers or "
                "leave them empty"
            )
    out = data.copy()
    for c in numeric:
        if not pd.api.types.is_numeric_dtype(out[c]):
            out[c] = pd.to_numeric(out[c], errors="coerce")
    return out


def dummy_code(series: pd.Series, name: str) -> tuple[pd.Series | None, str | None]:
    """0/1 indicator of the second (sorted) level of a two-level column, for Table 1.

    Returns ``(indicator, label)`` such as ``(…, "gender (male = 1)")``; ``(None, None)`` when the
    column does not have exactly two levels. The reference level is the first sorted level, as
    in ``C(column)`` in a formula (so the indicator matches the regression term).
    """
    levels = sorted(pd.Series(series).dropna().astype(str).unique())
    if len(levels) != 2:
        return None, None
    s = pd.Series(series)
    out = (s.astype(str) == levels[1]).astype(float)
    out[s.isna()] = np.nan
    return out, f"{name} ({levels[1]} = 1)"


def add_indicator(
    data: pd.DataFrame,
    column: str,
    name: str,
    columns: list[str],
    labels: dict[str, str],
) -> pd.DataFrame:
    """Add ``<column>_indicator`` (see :func:`dummy_code`) for Table 1 if ``column`` has two levels.

    The indicator's name is appended to ``columns`` and its label (e.g. ``"Gender (male = 1)"``)
    set in ``labels``, both in place; the data are returned with the indicator added (unchanged,
    and ``columns``/``labels`` untouched, when the column does not have exactly two levels).
    """
    ind, label = dummy_code(data[column], name)
    if ind is None or label is None:
        return data
    key = f"{column}_indicator"
    columns.append(key)
    labels[key] = label
    return data.assign(**{key: ind})


# ------------------------------------------------------------------------------ warnings


@contextlib.contextmanager
def collect_warnings(notes: list[str]) -> Iterator[None]:
    """Record this package's warnings raised inside the block as notes (``"Warning: ..."``).

    The warnings are re-issued when the block ends, so a user running the pipeline still sees
    them; each distinct message is noted once.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LearningDirectionWarning)
        yield
    seen: set[str] = set()
    for w in caught:
        msg = str(w.message)
        if issubclass(w.category, LearningDirectionWarning):
            if msg not in seen:
                seen.add(msg)
                notes.append(f"Warning: {msg}")
                warn_user(msg, w.category)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


# ------------------------------------------------------------------------------ scoring


@dataclass(frozen=True)
class ScoredData:
    """Data with the scale scores added, and the scoring result.

    Attributes
    ----------
    data : DataFrame
        The input columns plus one column per score (input index kept).
    result : ScoreResult
        The result of :func:`learning_direction.score`.
    score_names : list of str
        Names of the added score columns.
    notes : tuple of str
        Scores missing for too few answered items, replaced columns, scoring notes.
    """

    data: pd.DataFrame
    result: Any
    score_names: list[str]
    notes: tuple[str, ...] = field(default_factory=tuple)


def score_scales(
    df: pd.DataFrame, scales: Sequence[str], *, min_answered: float | None = None
) -> ScoredData:
    """Score several scales at once and add the scores to the data.

    Parameters
    ----------
    df : DataFrame
        One row per respondent with every item column of ``scales``.
    scales : sequence of str
        Scale names (or paths/definitions) passed to :func:`learning_direction.score`.
    min_answered : float, optional
        Override of the scales' ``min_answered`` (share of a subscale's items that must be
        answered).

    Returns
    -------
    ScoredData
        ``.data`` = ``df`` plus the score columns. A column of ``df`` that has a score's name
        (e.g. a precomputed ``downward``) is replaced by the score computed here, with a note.
    """
    from ..scales.scoring import score

    res = score(df, list(scales), min_answered=min_answered)
    names = list(res.scores.columns)
    notes = list(res.notes)
    clash = [c for c in names if c in df.columns]
    if clash:
        notes.append(
            f"column(s) {', '.join(repr(c) for c in clash)} of the data were replaced by the "
            "scores computed from the items"
        )
    data = df.drop(columns=clash).join(res.scores)
    for name in names:
        k = int(res.scores[name].isna().sum())
        if k:
            notes.append(
                f"{k} of {len(df)} rows have no '{name}' score: too few of its items were "
                "answered (min_answered of the scale)"
            )
    return ScoredData(data=data, result=res, score_names=names, notes=tuple(notes))


# ------------------------------------------------------------------------------ reliability


@dataclass(frozen=True)
class ReliabilitySet:
    """Reliability of every (sub)scale a study scores.

    Attributes
    ----------
    table : DataFrame
        One row per subscale, columns :data:`RELIABILITY_COLUMNS`.
    items : DataFrame
        Item statistics of every scale (``instrument`` added as the first column).
    results : dict[str, ReliabilityResult]
        Scale name -> result of :func:`learning_direction.reliability`.
    alphas : dict[str, float]
        Score name -> Cronbach's alpha (the Table 1 diagonal).
    combined : ReliabilityResult
        All scales in one result (its ``.plot()`` draws every item in one figure).
    """

    table: pd.DataFrame
    items: pd.DataFrame
    results: dict[str, Any]
    alphas: dict[str, float]
    combined: Any


def combine_reliability(results: Sequence[Any], instrument: str | None = None) -> Any:
    """One :class:`~learning_direction.ReliabilityResult` holding the rows of several results."""
    from ..scales.reliability import ReliabilityResult

    results = list(results)
    if not results:
        raise DataValidationError("combine_reliability needs at least one reliability result")
    name = instrument or " + ".join(r.instrument for r in results)
    notes: list[str] = []
    for r in results:
        notes += [n for n in r.notes if n not in notes]
    return ReliabilityResult(
        table=pd.concat([r.table for r in results], ignore_index=True),
        items=pd.concat([r.items for r in results], ignore_index=True),
        instrument=name,
        n=max(r.n for r in results),
        n_dropped=max(r.n_dropped for r in results),
        ci_level=results[0].ci_level,
        notes=tuple(notes),
    )


def reliability_set(df: pd.DataFrame, scales: Sequence[str]) -> ReliabilitySet:
    """Reliability (alpha with Feldt CI, omega, G6, item statistics) of each scale's subscales.

    Parameters
    ----------
    df : DataFrame
        Item columns of every scale.
    scales : sequence of str
        Scales, in table order.

    Returns
    -------
    ReliabilitySet

    Notes
    -----
    Each scale is passed to :func:`learning_direction.reliability` (``psych::alpha`` with
    pairwise-complete covariances, ``psych::alpha.ci`` Feldt interval, omega total from a
    one-factor ML solution). A one-dimensional scale gives one row named after the scale, which
    is also its score name, so ``alphas`` maps score names to alphas.
    """
    from ..scales.codebook import load_scale
    from ..scales.reliability import reliability

    results: dict[str, Any] = {}
    for s in scales:
        sc = load_scale(s)
        results[sc.name] = reliability(df, sc)
    table = pd.concat([r.table for r in results.values()], ignore_index=True)
    cols = [c for c in RELIABILITY_COLUMNS if c in table.columns]
    table = table[cols + [c for c in table.columns if c not in cols]]
    items = pd.concat([r.items.assign(instrument=s) for s, r in results.items()], ignore_index=True)
    items = items[["instrument", *[c for c in items.columns if c != "instrument"]]]
    alphas = {str(row.scale): float(row.alpha) for row in table.itertuples()}
    return ReliabilitySet(
        table=table,
        items=items,
        results=results,
        alphas=alphas,
        combined=combine_reliability(list(results.values())),
    )


# ------------------------------------------------------------------------------ Table 1


def table1(
    data: pd.DataFrame,
    columns: Sequence[str],
    *,
    labels: Mapping[str, str] | None = None,
    alphas: Mapping[str, float] | None = None,
    digits: int = 2,
) -> CorrelationTable:
    """ "Table 1": means, SDs and correlations with stars, alphas in parentheses on the diagonal.

    A thin wrapper of :func:`learning_direction.reporting.tables.correlation_table` that only
    passes the alphas of the columns shown (controls get a dash on the diagonal).

    Returns
    -------
    CorrelationTable
        ``.table`` (formatted), ``.correlations``, ``.p_values``, ``.descriptives``, ``.plot()``.
    """
    from ..reporting.tables import correlation_table

    shown = {c: a for c, a in (alphas or {}).items() if c in columns}
    return correlation_table(
        data, list(columns), labels=labels, alphas=shown or None, digits=digits
    )


# ------------------------------------------------------------------------------ careless


def careless_screen(
    df: pd.DataFrame,
    scales: Sequence[str],
    *,
    id_column: str | None = None,
    exclude: bool = False,
    study: str = "this study",
    longstring_threshold: int | None = None,
) -> tuple[Any, str, pd.DataFrame]:
    """Flag possible careless responders with every index of
    :func:`learning_direction.careless_responding` (long strings, zero response variance,
    Mahalanobis outliers, even-odd and synonym inconsistency, person-total correlation,
    midpoint answering) at its default thresholds.

    ``longstring_threshold`` is passed to :func:`learning_direction.careless_responding`
    (default: half the items, rounded up).

    With ``exclude=False`` (the default) nobody is dropped: the flag is descriptive. With
    ``exclude=True`` the flagged rows are left out and the note says so and how many rows
    remain; leaving out every row raises :class:`DataValidationError`.

    Returns
    -------
    (CarelessResult, str, DataFrame)
        The result of :func:`learning_direction.careless_responding`, a note for the study
        (how many rows were flagged, how many by each index and by which rule, which ids, which
        indices could not flag anyone in these scales, and whether the rows were kept), and the
        rows to analyse (all of ``df`` unless ``exclude``).
    """
    from ..scales.quality import careless_responding

    res = careless_responding(df, list(scales), longstring_threshold=longstring_threshold)
    flagged = list(res.flagged)
    k = len(flagged)
    rules = _careless_rules(res)
    idle = _careless_idle(res)
    if k == 0:
        none = (
            "No respondent was flagged as a possible careless responder by any index ("
            + "; ".join(rules.values())
            + ")."
            + idle
        )
        return res, none, df
    if id_column and id_column in df.columns:
        who = [str(v) for v in df.loc[flagged, id_column]]
        label = id_column
    else:
        who = [str(v) for v in flagged]
        label = "rows"
    shown = ", ".join(who[:10]) + (f" and {k - 10} more" if k > 10 else "")
    counts = res.counts.set_index("index")["n_flagged"]
    by_index = "; ".join(f"{rule}: {int(counts[i])}" for i, rule in rules.items() if counts[i])
    note = (
        f"{k} of {len(df)} respondents ({k / len(df):.1%}) were flagged as possible careless "
        f"responders by at least one index ({by_index}; {label}: {shown}).{idle} "
    )
    if not exclude:
        return res, note + "The flag is descriptive: they were kept in every analysis.", df
    kept = df.drop(index=flagged)
    if len(kept) == 0:
        raise DataValidationError(
            f"{study}: all {k} rows were flagged as careless; nothing is left to analyse"
        )
    return (
        res,
        note + f"They were left out of every analysis (exclude_careless=True); {len(kept)} remain.",
        kept,
    )


def _careless_rules(res: Any) -> dict[str, str]:
    """Each index's flagging rule in words, keyed by its name in ``res.counts``."""
    thr = res.thresholds
    return {
        "longstring": f"a run of at least {thr['longstring']:g} identical answers across the "
        f"{len(res.items)} items",
        "irv": f"a response SD of at most {thr['irv']:g}",
        "mahad": f"a Mahalanobis D² with p < {fmt_num(thr['mahad_alpha'], 3, bounded=True)}",
        "evenodd": f"even-odd consistency below {fmt_num(thr['evenodd'], 2, bounded=True)}",
        "psychsyn": "psychometric-synonym consistency below "
        f"{fmt_num(thr['psychsyn'], 2, bounded=True)}",
        "person_total": "a person-total correlation of "
        f"{fmt_num(thr['person_total'], 2, bounded=True)} or lower",
        "midpoint": f"at least {thr['midpoint']:.0%} of the answers at the scale midpoint",
    }


def _careless_idle(res: Any) -> str:
    """A sentence naming the indices that could not flag anyone in these scales (or '')."""
    t, thr = res.table, res.thresholds

    def most(col: str) -> int:
        return int(t[col].max()) if t[col].notna().any() else 0

    def count(n: int, word: str) -> str:
        return f"{n} {word}" + ("" if n == 1 else "s")

    idle = []
    if most("evenodd_factors") < thr["evenodd_min_subscales"]:
        idle.append(
            f"even-odd consistency (at most {count(most('evenodd_factors'), 'subscale')} per "
            f"respondent; the flag needs {thr['evenodd_min_subscales']:g})"
        )
    if most("psychsyn_pairs") < thr["psychsyn_min_pairs"]:
        idle.append(
            f"psychometric synonyms (at most {count(most('psychsyn_pairs'), 'synonym pair')} "
            f"answered; the flag needs {thr['psychsyn_min_pairs']:g})"
        )
    n_items = max(most("person_total_items"), most("midpoint_items"))
    if n_items < thr["profile_min_items"]:
        idle.append(
            f"person-total correlation and midpoint share (at most {count(n_items, 'item')}; "
            f"the flags need {thr['profile_min_items']:g})"
        )
    if not idle:
        return ""
    return " Too little information for " + "; ".join(idle) + ": they flagged nobody."


# ------------------------------------------------------------------------------ models


def label_terms(terms: Sequence[str], labels: Mapping[str, str]) -> list[str]:
    """Display labels of formula terms (``C(gender)[T.male]`` -> ``Gender (male)``)."""
    out = []
    for t in terms:
        if t in labels:
            out.append(labels[t])
            continue
        if t.startswith("C(") and ")[T." in t:
            var, level = t[2:].split(")[T.", 1)
            base = labels.get(var, var)
            out.append(f"{base} ({level.rstrip(']')})")
            continue
        out.append(t)
    return out


def contrast_table(
    result: Any, contrasts: Mapping[str, Mapping[str, float]], *, ci_level: float | None = None
) -> pd.DataFrame:
    """Linear contrasts of a regression's coefficients with the model's covariance matrix.

    Parameters
    ----------
    result : RegressionResult
        A fitted OLS result (its ``vcov`` is classical or robust, as requested at fit time).
    contrasts : mapping
        Name -> ``{term: weight}``, e.g. ``{"downward - upward": {"downward": 1, "upward": -1}}``.
    ci_level : float, optional
        Default: the model's level.

    Returns
    -------
    DataFrame
        ``term, estimate, se, t, ci_low, ci_high, p_value``.

    Notes
    -----
    For weights :math:`w`, estimate :math:`w'b`, :math:`SE = \\sqrt{w'Vw}` with :math:`V` the
    model's covariance matrix, t test with the residual df, as ``car::linearHypothesis`` with
    ``vcov. = sandwich::vcovHC(fit, "HC3")`` (its F equals t squared).
    """
    from scipy import stats

    level = result.ci_level if ci_level is None else ci_level
    V = result.vcov
    b = result.table.set_index("term")["estimate"]
    df_resid = float(result.df_resid)
    crit = stats.t.ppf(0.5 + level / 2, df_resid)
    rows = []
    for name, weights in contrasts.items():
        unknown = [t for t in weights if t not in b.index]
        if unknown:
            raise DataValidationError(
                f"contrast '{name}': term(s) {unknown} are not in the model; terms: {list(b.index)}"
            )
        w = pd.Series(0.0, index=b.index)
        for term, v in weights.items():
            w[term] = float(v)
        est = float(w @ b)
        se = float(np.sqrt(w.to_numpy() @ V.loc[b.index, b.index].to_numpy() @ w.to_numpy()))
        t = est / se if se > 0 else float("nan")
        rows.append(
            {
                "term": name,
                "estimate": est,
                "se": se,
                "t": t,
                "ci_low": est - crit * se,
                "ci_high": est + crit * se,
                "p_value": float(2 * stats.t.sf(abs(t), df_resid)),
            }
        )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------ APA text


def apa_reliability_sentence(table: pd.DataFrame, labels: Mapping[str, str] | None = None) -> str:
    """ "Cronbach's alphas were .81 (upward), ... ; omega total ranged from .82 to .90."

    Numbers are the ``alpha`` and ``omega_total`` columns of a reliability table, rounded.
    """
    labels = labels or {}
    parts = [f"{fmt_r(r.alpha)} ({labels.get(r.scale, r.scale)})" for r in table.itertuples()]
    if len(parts) > 1:
        listed = ", ".join(parts[:-1]) + f" and {parts[-1]}"
        text = f"Cronbach's alphas were {listed}"
    else:
        text = f"Cronbach's alpha was {parts[0]}"
    om = table["omega_total"].to_numpy(float)
    if np.isfinite(om).any():
        lo, hi = np.nanmin(om), np.nanmax(om)
        text += (
            f"; omega total ranged from {fmt_r(lo)} to {fmt_r(hi)}"
            if len(om) > 1 and fmt_r(lo) != fmt_r(hi)
            else f"; omega total was {fmt_r(lo)}"
        )
    return text + "."


def apa_cfa_sentence(fit: pd.Series, discriminant: pd.DataFrame | None, what: str) -> str:
    """Fit of a CFA (chi2, CFI, TLI, RMSEA with 90% CI, SRMR) and the largest HTMT ratio.

    ``fit`` is the one row of ``CFAResult.fit``; ``discriminant`` its ``.discriminant`` table.
    """
    acceptable = fit["cfi"] >= 0.95 and fit["rmsea"] <= 0.06 and fit["srmr"] <= 0.08
    adequate = fit["cfi"] >= 0.90 and fit["rmsea"] <= 0.08 and fit["srmr"] <= 0.10
    verdict = (
        "fit the data well"
        if acceptable
        else ("fit the data adequately" if adequate else "fit the data poorly")
    )
    text = (
        f"{what} {verdict} (N = {int(fit['n'])}), χ²({int(fit['df'])}) = {fmt_num(fit['chi2'])}, "
        f"{fmt_p(fit['p_value'])}, CFI = {fmt_r(fit['cfi'])}, TLI = {fmt_r(fit['tli'])}, "
        f"RMSEA = {fmt_r(fit['rmsea'], 3)}, 90% CI [{fmt_r(fit['rmsea_ci_low'], 3)}, "
        f"{fmt_r(fit['rmsea_ci_high'], 3)}], SRMR = {fmt_r(fit['srmr'], 3)}"
    )
    if discriminant is not None and len(discriminant):
        mx = discriminant.loc[discriminant["htmt"].idxmax()]
        below = bool((discriminant["htmt"] < 0.85).all())
        text += (
            f". The largest heterotrait-monotrait ratio was {fmt_r(mx['htmt'])} "
            f"({mx['factor_1']}–{mx['factor_2']}), "
            + (
                "below .85 for every pair, supporting discriminant validity"
                if below
                else "at or above .85 for at least one pair, so discriminant validity is in doubt"
            )
        )
    return text + "."


def apa_delta_r2_sentence(
    row: Mapping[str, Any], *, added: str, outcome: str, over: str = "the controls"
) -> str:
    """ΔR² and F change of one step of a hierarchical regression.

    ``row`` is one row of ``ModelComparisonResult.table`` (``delta_r2, f_change, df1, df2,
    p_value``). Example: "Over and above the controls, the three learning directions explained
    an additional 10.2% of the variance in engagement, ΔR² = .10, F(3, 292) = 13.20, p < .001."
    """
    d = float(row["delta_r2"])
    sig = float(row["p_value"]) < 0.05
    verb = (
        "explained"
        if sig
        else "did not significantly add to the explained variance: they explained"
    )
    return (
        f"Over and above {over}, {added} {verb} an additional {100 * d:.1f}% of the "
        f"variance in {outcome}, ΔR² = {fmt_r(d)}, F({int(row['df1'])}, {int(row['df2'])}) = "
        f"{fmt_num(row['f_change'])}, {fmt_p(row['p_value'])}."
    )


def apa_predictor_phrase(row: Mapping[str, Any], *, with_beta: bool = True) -> str:
    """``b = 0.33, SE = 0.05, 95% CI [0.23, 0.43], p < .001, β = .35`` from a coefficient row."""
    text = (
        f"b = {fmt_num(row['estimate'])}, SE = {fmt_num(row['se'])}, "
        f"95% CI [{fmt_num(row['ci_low'])}, {fmt_num(row['ci_high'])}], {fmt_p(row['p_value'])}"
    )
    if with_beta and "beta" in row and row["beta"] == row["beta"]:
        text += f", β = {fmt_r(row['beta'])}"
    return text


# ------------------------------------------------------------------------------ builder


@dataclass
class StudyBuilder:
    """Collects a pipeline's tables, figures, captions, text, results and notes in order.

    Examples
    --------
    >>> b = StudyBuilder("study1", "Study 1", question="...", design="...")
    >>> b.table("table1", pd.DataFrame({"x": [1]}), "Table 1")
    >>> res = b.build(n=1)
    >>> list(res.tables)
    ['table1']
    """

    name: str
    title: str
    question: str
    design: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    text: dict[str, str] = field(default_factory=dict)
    captions: dict[str, str] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def _claim(self, key: str, kind: str) -> None:
        # tables and figures share the captions (and the saved file names): keys must differ
        other = self.figures if kind == "table" else self.tables
        if key in other:
            raise ValueError(
                f"{self.name}: '{key}' is already a {'figure' if kind == 'table' else 'table'}; use another key"
            )

    def table(self, key: str, table: pd.DataFrame, caption: str) -> None:
        """Add a table (reset to a default index) with its caption."""
        self._claim(key, "table")
        self.tables[key] = table.reset_index(drop=True)
        self.captions[key] = caption

    def figure(self, key: str, fig_or_ax: Any, caption: str) -> None:
        """Add a figure (an Axes is replaced by its Figure) with its caption."""
        self._claim(key, "figure")
        fig = getattr(fig_or_ax, "figure", fig_or_ax)
        _detach_from_pyplot(fig)
        self.figures[key] = fig
        self.captions[key] = caption

    def note(self, text: str) -> None:
        """Add a note once (empty strings are ignored)."""
        if text and text not in self.notes:
            self.notes.append(text)

    def build(self, *, n: int, seed: int | None = None) -> StudyResult:
        """The :class:`StudyResult` holding everything collected."""
        return StudyResult(
            name=self.name,
            title=self.title,
            question=self.question,
            design=self.design,
            tables=dict(self.tables),
            figures=dict(self.figures),
            text=dict(self.text),
            captions=dict(self.captions),
            results=dict(self.results),
            n=int(n),
            seed=seed,
            notes=tuple(self.notes),
        )


def _detach_from_pyplot(fig: Any) -> None:
    """Hand a study's figure to its result rather than to pyplot.

    Figures drawn through pyplot stay open in pyplot until closed, so a notebook cell that
    ran a study showed every figure of the study under it (Jupyter's inline backend shows the
    open figures at the end of a cell), and each run kept its figures in memory. The result
    still holds the figure: ``res.figures[key]`` as a cell's value shows it, and ``save()``
    writes it.
    """
    import sys

    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(fig)
