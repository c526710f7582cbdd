"""Moderated mediation (conditional process analysis): PROCESS models 7, 8, 14 and 58.

``ld.moderated_mediation(df, x, m, y, w, model=7)`` estimates the equations of the PROCESS model
by OLS (a 0/1 Y by logistic regression), bootstraps them on the shared vectorised engine and
reports the index of moderated mediation and the conditional indirect effects at probe values
of the moderator W.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._core.results import table_to_text
from ..exceptions import DataValidationError, ModelError
from . import _process_core as core
from ._probe import check_probe, check_probe_values, value_labels
from ._process_input import CI_NAMES, as_list, check_distinct, check_options, prepare
from ._process_result import ProcessResult
from ._types import FloatArray, as_float

__all__ = ["MODELS", "ConditionalProcessResult", "moderated_mediation"]

#: which paths W moderates in each supported PROCESS model
MODELS: dict[int, tuple[str, ...]] = {7: ("a",), 14: ("b",), 8: ("a", "c_prime"), 58: ("a", "b")}


@dataclass(frozen=True, eq=False)
class ConditionalProcessResult(ProcessResult):
    """Result of :func:`moderated_mediation` (the fields shared with mediation are described in
    :class:`~learning_direction.models._process_result.ProcessResult`).

    Attributes
    ----------
    table : DataFrame
        All path coefficients and effects: ``term, estimate, se, ci_low, ci_high, p_value,
        boot_se, sobel_se``. Paths: ``a:<m>`` (X→M), ``a_w:<m>`` (W→M), ``a_xw:<m>`` (X×W→M),
        ``b:<m>``, ``b_w`` (W→Y), ``b_mw:<m>`` (M×W→Y), ``c_prime``, ``c_prime_w``,
        ``c_prime_xw``. Effects: ``index:<m>`` (index of moderated mediation),
        ``indirect:<m>[w=<value>]`` (conditional indirect effects) and, for model 8,
        ``direct[w=<value>]``.
    index : DataFrame
        ``term, estimate, se, ci_low, ci_high, p_value`` for the index of moderated mediation
        (empty for model 58, whose indirect effect is quadratic in W).
    conditional_indirect : DataFrame
        ``w, effect, se, ci_low, ci_high`` (plus ``mediator`` with several mediators).
    w : str
        The moderator.
    probe_values : tuple of float
        The values of W at which conditional effects are reported.
    """

    index: pd.DataFrame = field(kw_only=True)
    conditional_indirect: pd.DataFrame = field(kw_only=True)
    w: str = field(kw_only=True)
    probe_values: tuple[float, ...] = field(kw_only=True)

    _title: ClassVar[str] = "Moderated mediation"

    @property
    def moderated_paths(self) -> tuple[str, ...]:
        return MODELS[self.model]

    def _model_meta(self) -> dict[str, Any]:
        return {"model": self.model}

    def summary(self, digits: int = 4) -> str:
        """PROCESS-style text output, then the index and the conditional indirect effects."""
        extra = [
            "",
            "Index of moderated mediation:",
            table_to_text(self.index, digits),
            "",
            f"Conditional indirect effects of X on Y at values of {self.w}:",
            table_to_text(self.conditional_indirect, digits),
        ]
        return super().summary(digits) + "\n" + "\n".join(extra)

    def _extra_tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [
            ("Index of moderated mediation", self.index),
            ("Conditional indirect effects", self.conditional_indirect),
        ]


def _quantile6(v: FloatArray, q: Sequence[float]) -> FloatArray:
    """Percentiles by R's ``quantile(type = 6)`` (the moderation fixtures use it)."""
    return as_float(np.quantile(v, q, method="weibull"))


def probe_values(w: FloatArray, probe: str | Sequence[float]) -> FloatArray:
    """Values of W at which conditional effects are reported.

    ``"percentile"`` (or its alias ``"percentiles"``): the 16th, 50th and 84th percentiles
    (``quantile(type = 6)``); ``"meansd"``: mean - SD, mean, mean + SD; a sequence: those
    values. A W with two distinct values is always probed at those two values.
    """
    uniq = np.unique(w)
    if uniq.size == 2:
        return uniq.astype(float)
    if isinstance(probe, str):
        if check_probe(probe) == "percentile":
            return _quantile6(w, [0.16, 0.5, 0.84])
        mu, sd = w.mean(), w.std(ddof=1)
        return np.array([mu - sd, mu, mu + sd])
    return check_probe_values(probe, "probe values")


def _spec(
    x: str,
    ms: list[str],
    y: str,
    w: str,
    covs: list[str],
    model: int,
    ws: FloatArray,
    y_binary: bool,
) -> core.ModelSpec:
    """Equations and reported terms of PROCESS model 7, 8, 14 or 58."""
    xw = f"{x}*{w}"
    wlab = dict(zip(ws, value_labels(ws), strict=True))
    mods = MODELS[model]
    eqs = []
    terms: list[core.Term] = []
    for m in ms:
        preds = [x, *([w, xw] if "a" in mods else []), *covs]
        eqs.append(core.Equation(f"m:{m}", m, preds))
    ypreds = [x]
    if "c_prime" in mods:
        ypreds += [w, xw]
    ypreds += ms
    if "b" in mods:
        if w not in ypreds:
            ypreds.append(w)
        ypreds += [f"{m}*{w}" for m in ms]
    ypreds += covs
    eqs.append(core.Equation("y", y, ypreds, family="binomial" if y_binary else "gaussian"))
    for m in ms:
        terms.append(core.Term(f"a:{m}", core.product((f"m:{m}", x)), "path"))
        if "a" in mods:
            terms.append(core.Term(f"a_w:{m}", core.product((f"m:{m}", w)), "path"))
            terms.append(core.Term(f"a_xw:{m}", core.product((f"m:{m}", xw)), "path"))
    for m in ms:
        terms.append(core.Term(f"b:{m}", core.product(("y", m)), "path"))
        if "b" in mods:
            terms.append(core.Term(f"b_mw:{m}", core.product(("y", f"{m}*{w}")), "path"))
    if "b" in mods or "c_prime" in mods:
        terms.append(core.Term("b_w", core.product(("y", w)), "path"))
    terms.append(core.Term("c_prime", core.product(("y", x)), "path"))
    if "c_prime" in mods:
        terms.append(core.Term("c_prime_xw", core.product(("y", xw)), "path"))
    for m in ms:
        a1, a3 = (f"m:{m}", x), (f"m:{m}", xw)
        b1, b3 = ("y", m), ("y", f"{m}*{w}")
        if model in (7, 8):
            terms.append(core.Term(f"index:{m}", core.product(a3, b1), "index"))
        elif model == 14:
            terms.append(core.Term(f"index:{m}", core.product((f"m:{m}", x), b3), "index"))
        for v in ws:
            if model in (7, 8):
                poly = core.poly_add(core.product(a1, b1), core.product(a3, b1, weight=v))
            elif model == 14:
                poly = core.poly_add(core.product(a1, b1), core.product(a1, b3, weight=v))
            else:  # 58: (a1 + a3 w)(b1 + b3 w)
                poly = core.poly_add(
                    core.product(a1, b1),
                    core.product(a3, b1, weight=v),
                    core.product(a1, b3, weight=v),
                    core.product(a3, b3, weight=v * v),
                )
            terms.append(core.Term(f"indirect:{m}[w={wlab[v]}]", poly, "conditional"))
    if model == 8:
        for v in ws:
            poly = core.poly_add(core.product(("y", x)), core.product(("y", xw), weight=v))
            terms.append(core.Term(f"direct[w={wlab[v]}]", poly, "conditional"))
    variables = [x, w, xw, *ms, *[f"{m}*{w}" for m in ms], *covs, y]
    variables = list(dict.fromkeys(variables))
    return core.ModelSpec(eqs, terms, variables)


def moderated_mediation(
    df: pd.DataFrame,
    x: str,
    m: str | Sequence[str],
    y: str,
    w: str,
    *,
    model: int = 7,
    covariates: Sequence[str] | None = None,
    n_boot: int = 5000,
    ci: str = "percentile",
    ci_level: float = 0.95,
    seed: int | None = None,
    probe: str | Sequence[float] = "percentile",
    cluster: str | None = None,
    progress: bool | None = None,
    outcome: str = "auto",
) -> ConditionalProcessResult:
    """Moderated mediation (PROCESS models 7, 8, 14, 58) with bootstrap inference.

    Parameters
    ----------
    df : DataFrame
    x, y, w : str
        Predictor, outcome and moderator (numeric columns).
    m : str or list of str
        Mediator(s) (parallel when several).
    model : {7, 8, 14, 58}
        7: W moderates X→M; 14: W moderates M→Y; 8: W moderates X→M and X→Y; 58: W moderates
        X→M and M→Y.
    covariates : list of str, optional
        In every equation. A text or categorical covariate is dummy-coded against its first
        level (category order, else sorted), indicators ``<column>[T.<level>]``, with a note,
        as in :func:`~learning_direction.models.mediation.mediate`.
    n_boot, ci, ci_level, seed, progress, outcome
        As in :func:`~learning_direction.models.mediation.mediate`.
    probe : {"percentile", "meansd"}, float or list of float
        Values of W for the conditional effects: its 16th, 50th and 84th percentiles (default;
        ``"percentiles"`` is accepted as an alias, as in :func:`~learning_direction.moderate`),
        its mean and mean +- 1 SD, or the values given (distinct and finite). A dichotomous W
        is probed at its two values; percentiles that coincide (a heavily tied W) are probed
        once, with a note.
    cluster : str, optional
        Resample whole clusters; the mediator and Y equations get CR1 cluster-robust SEs.

    Returns
    -------
    ConditionalProcessResult

    Notes
    -----
    Model 7: ``M = a0 + a1 X + a2 W + a3 XW + C g``, ``Y = c' X + b M + C h``. Conditional
    indirect effect ``(a1 + a3 w) b``; index of moderated mediation ``a3 b``.
    Model 14: ``M = a X``, ``Y = c' X + b1 M + b2 W + b3 MW``: ``a (b1 + b3 w)``, index ``a b3``.
    Model 8: model 7's M equation and ``Y = c1' X + c2' W + c3' XW + b M``: indirect as model 7,
    conditional direct effect ``c1' + c3' w`` (``direct[w=...]``, bootstrap CI).
    Model 58: ``(a1 + a3 w)(b1 + b3 w)`` is quadratic in W, so no index is defined (Hayes,
    2015); only conditional indirect effects are reported.
    Product terms are formed from the variables as given (PROCESS's default: no centering).
    All equations are re-solved in every resample by the shared engine
    (:mod:`learning_direction.models.bootstrap`); bootstrap p-values are
    ``2 * min(P(t* <= 0), P(t* >= 0))``.

    References
    ----------
    Hayes, A. F. (2015). An index and test of linear moderated mediation. *Multivariate
    Behavioral Research*, 50, 1–22. Hayes, A. F. (2022). *Introduction to mediation,
    moderation, and conditional process analysis* (3rd ed.). Guilford.

    Examples
    --------
    Study 2A on the bundled data: does the indirect effect of downward learning direction on
    engagement through learning opportunity depend on the mentor's tenure (first-stage
    moderation, model 7)? 1,000 resamples keep the example fast.

    >>> import learning_direction as ld
    >>> raw = ld.load_dataset("study2a")
    >>> scales = ["learning_direction", "learning_opportunity", "mentor_engagement"]
    >>> d = raw.join(ld.score(raw, scales).scores)
    >>> res = ld.moderated_mediation(d, x="downward", m="learning_opportunity",
    ...                              y="mentor_engagement", w="tenure", model=7,
    ...                              n_boot=1000, seed=1)
    >>> # PROCESS: process(data = d, y = "mentor_engagement", x = "downward",
    >>> #                  m = "learning_opportunity", w = "tenure", model = 7, boot = 1000)
    >>> print(res.index[["term", "estimate", "ci_low", "ci_high"]].round(4).to_string(index=False))
                          term  estimate  ci_low  ci_high
    index:learning_opportunity    0.0052 -0.0007   0.0111
    >>> print(res.conditional_indirect[["w", "effect", "ci_low", "ci_high"]].round(3).to_string(index=False))
       w  effect  ci_low  ci_high
     4.0   0.106   0.063    0.160
     8.0   0.126   0.085    0.173
    15.0   0.163   0.100    0.231

    The index's CI includes zero: the indirect effect does not detectably change with tenure.
    PROCESS draws its own random numbers, so its CI limits agree within Monte Carlo error.
    """
    ms, covs, probe, ci = _checked_options(
        x, m, y, w, model, covariates, probe, n_boot, ci, ci_level, cluster
    )
    prep = prepare(
        df,
        x=x,
        numeric=[*ms, w, *covs],
        y=y,
        cluster=cluster,
        x_reference=None,
        outcome=outcome,
        what="moderated_mediation()",
        covariates=covs,
    )
    if prep.x_levels != [None]:
        raise DataValidationError(
            f"x '{x}' must be numeric for moderated_mediation (got a categorical column); code it as 0/1"
        )
    data = prep.data
    for v in (x, *ms):  # product terms of the uncentered variables (PROCESS default)
        data[f"{v}*{w}"] = data[v] * data[w]
    ws = probe_values(data[w].to_numpy(), probe)
    tied = len(np.unique(ws)) < len(ws)
    if tied:  # e.g. 16th and 50th percentiles of a Likert W coincide
        ws = np.array(list(dict.fromkeys(ws.tolist())))
    spec = _spec(x, ms, y, w, prep.covariates, model, ws, prep.y_binary)
    pm = core.ProcessModel(
        data,
        spec,
        cluster_codes=prep.cluster_codes,
        n_clusters=prep.n_clusters,
        robust_cluster=cluster is not None,
    )
    rs = core.resample(pm, n_boot=n_boot, ci=ci, ci_level=ci_level, seed=seed, progress=progress)
    table = core.build_table(pm, rs, ci_level)
    cols = ["term", "estimate", "se", "ci_low", "ci_high", "p_value"]
    notes = [*prep.notes, *rs.notes, *_probe_notes(model, data[w], probe, ws, tied)]
    notes.append("product terms formed from uncentered variables (PROCESS default)")
    if prep.y_binary:
        notes.append(
            "Y is binary: logistic Y equation; b, c' and indirect effects on the log-odds scale"
        )
    notes.append("bootstrap p-value = 2 * min(share of draws <= 0, share >= 0)")
    y_eq = "logistic" if prep.y_binary else "OLS"
    return ConditionalProcessResult(
        table=table,
        index=table[table["term"].str.startswith("index:")][cols].reset_index(drop=True),
        conditional_indirect=_conditional_indirect(table, ms, ws),
        boot_draws=pd.DataFrame(rs.all_draws, columns=[t.name for t in spec.terms]),
        equations=core.equation_tables(pm, ci_level),
        x=x,
        mediators=tuple(ms),
        y=y,
        w=w,
        covariates=tuple(covs),
        model=model,
        probe_values=tuple(float(v) for v in ws),
        n=len(data),
        n_dropped=prep.report.n_dropped,
        n_boot=n_boot,
        n_singular=int(rs.singular.sum()),
        seed=rs.seed,
        ci=ci,
        ci_level=ci_level,
        method=f"PROCESS model {model} (moderated mediation), {y_eq} Y equation, {CI_NAMES[ci]}",
        cluster=cluster,
        n_clusters=prep.n_clusters if cluster else None,
        y_family="binomial" if prep.y_binary else "gaussian",
        notes=tuple(notes),
    )


def _checked_options(
    x: str,
    m: str | Sequence[str],
    y: str,
    w: object,
    model: int,
    covariates: Sequence[str] | None,
    probe: str | Sequence[float],
    n_boot: int,
    ci: str,
    ci_level: float,
    cluster: str | None,
) -> tuple[list[str], list[str], str | Sequence[float], str]:
    """Mediators, covariates, the probe and ``ci`` (canonical), after checking every option."""
    if model not in MODELS:
        raise ModelError(
            f"model must be one of {sorted(MODELS)} (PROCESS model numbers), got {model!r}"
        )
    if isinstance(probe, str):
        probe = check_probe(probe)
    ms = as_list(m, "m")
    covs = as_list(covariates, "covariates")
    if not ms:
        raise DataValidationError("m must name at least one mediator column")
    if not isinstance(w, str):
        raise DataValidationError(f"w must be one column name, got {w!r}")
    ci = check_options(n_boot, ci, ci_level)
    roles = {"x": [x], "m": ms, "y": [y], "w": [w], "a covariate": covs}
    check_distinct({**roles, "cluster": [cluster] if cluster else []})
    return ms, covs, probe, ci


def _conditional_indirect(table: pd.DataFrame, ms: list[str], ws: FloatArray) -> pd.DataFrame:
    """``(mediator,) w, effect, se, ci_low, ci_high`` of every conditional indirect effect."""
    rows = []
    by_term = table.set_index("term")
    for mm in ms:
        for v, lab in zip(ws, value_labels(ws), strict=True):
            r = by_term.loc[f"indirect:{mm}[w={lab}]"]
            rows.append(
                {
                    "mediator": mm,
                    "w": float(v),
                    "effect": r["estimate"],
                    "se": r["se"],
                    "ci_low": r["ci_low"],
                    "ci_high": r["ci_high"],
                }
            )
    cond = pd.DataFrame(rows)
    return cond.drop(columns="mediator") if len(ms) == 1 else cond


def _probe_notes(
    model: int, w: pd.Series, probe: str | Sequence[float], ws: FloatArray, tied: bool
) -> list[str]:
    """What the index and the probe values of W are."""
    notes = []
    if model == 58:
        notes.append(
            "model 58: the indirect effect is quadratic in W, so no index of moderated mediation is defined"
        )
    if len(np.unique(w)) == 2:
        notes.append(f"W '{w.name}' is dichotomous: conditional effects at its two values")
    elif isinstance(probe, str) and probe == "percentile":
        notes.append("W probed at its 16th, 50th and 84th percentiles")
    if tied:
        notes.append(
            f"two of the {probe} probe values of W coincide, so W is probed at "
            f"{', '.join(value_labels(ws))} only"
        )
    return notes
