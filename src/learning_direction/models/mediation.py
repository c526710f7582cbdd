"""Mediation analysis (PROCESS models 4 and 6) on the vectorised bootstrap engine.

``ld.mediate(df, x, m, y)`` estimates simple, parallel (model 4) and serial (model 6) mediation
models by OLS, with covariates in every equation, a categorical X (relative effects), a binary Y
(logistic outcome equation) and cluster resampling for nested data (mentees within mentors).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, cast

import numpy as np
import pandas as pd

from .._core.checks import choice
from .._core.results import table_to_text
from .._core.warn import warn_user
from ..exceptions import DataValidationError, ModelError, ModelWarning
from . import _process_core as core
from ._process_input import (
    CI_NAMES,
    RENAMED_211,
    Prepared,
    as_list,
    check_distinct,
    check_options,
    design_label,
    level_names,
    prepare,
    singleton_clusters,
    variable_levels,
)
from ._process_result import ProcessResult
from .imputation import ImputedData, is_multiply_imputed, pool_mediation_fits

if TYPE_CHECKING:
    from .sensitivity import SensitivityInputs

__all__ = ["MediationResult", "mediate"]


@dataclass(frozen=True, eq=False)
class MediationResult(ProcessResult):
    """Result of :func:`mediate` (the fields shared with moderated mediation are described in
    :class:`~learning_direction.models._process_result.ProcessResult`).

    Attributes
    ----------
    table : DataFrame
        ``term, estimate, se, ci_low, ci_high, p_value, boot_se, sobel_se``. Path rows
        (``a:<m>``, ``d:<m1>-><m2>``, ``b:<m>``, ``c_prime``, ``c``) carry the OLS (or logistic)
        estimate, its classical SE, t-based CI and p-value; ``boot_se`` is their bootstrap SD.
        Effect rows (``indirect:<path>``, ``indirect_total``, ``contrast:<p1>-<p2>``,
        ``indirect_partial_std:<path>``, ``indirect_std:<path>``, ``indirect_total_partial_std``,
        ``indirect_total_std``) carry ``se`` = bootstrap SE, the bootstrap (or Monte Carlo) CI,
        the bootstrap p-value and ``sobel_se``, the first-order delta-method (Sobel) SE (NaN for
        the standardized rows). ``indirect_total`` and contrasts appear with 2+ indirect paths.
        Partially standardized = effect / SD(Y); completely standardized = effect * SD(X) /
        SD(Y) (continuous X only), both recomputed from each resample's own SDs. Serial paths
        are named ``indirect:<m1>-><m2>``. A categorical X appends ``[<level>]`` to every term
        that depends on X. Path p-values are t-tests; effect p-values are bootstrap p-values
        ``2 * min(P(t* <= 0), P(t* >= 0))`` (0 means below 2 / n_boot).
    boot_draws : DataFrame
        One row per resample, one column per term (singular resamples as NaN rows).
    equations : dict of DataFrame
        The full coefficient table of each equation (``term, estimate, se, statistic,
        p_value, ci_low, ci_high``; ``.attrs`` hold ``r2``, ``mse``, ``df_resid``).
    x_levels : tuple of str
        The non-reference levels of a categorical X (empty for a numeric X).
    sensitivity_inputs : SensitivityInputs or None
        The cross-products of the rows used (X, covariates, M, Y) that
        :func:`~learning_direction.mediation_sensitivity` needs; set for a single-mediator model
        with a linear outcome equation, None otherwise.
    missing : str
        ``"listwise"`` or ``"fiml"``.
    n_patterns : int or None
        With FIML: the number of missing-data patterns among the rows used.
    patterns : DataFrame or None
        With FIML: one row per missing-data pattern, most frequent first (``pattern, n,
        n_observed`` and one 0/1 column per variable, 1 = observed).
    """

    x_levels: tuple[str, ...] = ()
    sensitivity_inputs: SensitivityInputs | None = None
    missing: str = "listwise"
    n_patterns: int | None = None
    patterns: pd.DataFrame | None = None

    _title: ClassVar[str] = "Mediation analysis"

    def _model_meta(self) -> dict[str, Any]:
        if self.missing != "fiml":
            return {}
        return {"missing": "FIML", "n_patterns": self.n_patterns}

    def _extra_tables(self) -> list[tuple[str, pd.DataFrame]]:
        if self.patterns is None:
            return []
        return [("Missing-data patterns (1 = observed)", self.patterns)]

    def summary(self, digits: int = 4) -> str:
        """PROCESS-style text (with FIML, then the table of missing-data patterns)."""
        text = super().summary(digits)
        if self.patterns is None:
            return text
        table = table_to_text(self.patterns, digits)
        return f"{text}\n\nMissing-data patterns (1 = observed):\n{table}"


# ---------------------------------------------------------------------------------------------
def _chains(mediators: list[str], serial: bool) -> list[tuple[str, ...]]:
    """The mediator chains of the indirect effects (single mediators unless serial)."""
    if not serial:
        return [(m,) for m in mediators]
    out: list[tuple[str, ...]] = []
    for r in range(1, len(mediators) + 1):
        out.extend(itertools.combinations(mediators, r))
    out.sort(key=lambda c: (len(c), [mediators.index(m) for m in c]))
    return out


def _spec(
    x_cols: list[str],
    x_levels: list[str | None],
    ms: list[str],
    covs: list[str],
    y: str,
    serial: bool,
    y_binary: bool,
    standardize: bool,
    m_level: str,
    continuous_x: bool,
    y_level: str = "row",
) -> core.ModelSpec:
    """Equations and reported terms of PROCESS model 4 (parallel) or 6 (serial)."""
    eqs = []
    for i, m in enumerate(ms):
        preds = [*x_cols, *(ms[:i] if serial else []), *covs]
        eqs.append(core.Equation(f"m:{m}", m, preds, level=m_level))
    fam = "binomial" if y_binary else "gaussian"
    eqs.append(core.Equation("y", y, [*x_cols, *ms, *covs], level=y_level, family=fam))
    eqs.append(core.Equation("total", y, [*x_cols, *covs], level=y_level, family=fam))

    def sfx(lv: str | None) -> str:
        return "" if lv is None else f"[{lv}]"

    terms: list[core.Term] = []
    for m in ms:
        for xc, lv in zip(x_cols, x_levels):
            terms.append(core.Term(f"a:{m}{sfx(lv)}", core.product((f"m:{m}", xc)), "path"))
    if serial:
        for i, m in enumerate(ms):
            for prev in ms[:i]:
                terms.append(core.Term(f"d:{prev}->{m}", core.product((f"m:{m}", prev)), "path"))
    for m in ms:
        terms.append(core.Term(f"b:{m}", core.product(("y", m)), "path"))
    for xc, lv in zip(x_cols, x_levels):
        terms.append(core.Term(f"c_prime{sfx(lv)}", core.product(("y", xc)), "path"))
    for xc, lv in zip(x_cols, x_levels):
        terms.append(core.Term(f"c{sfx(lv)}", core.product(("total", xc)), "path"))
    chains = _chains(ms, serial)
    effect_terms: list[core.Term] = []
    for xc, lv in zip(x_cols, x_levels):
        polys = {}
        for ch in chains:
            keys = [(f"m:{ch[0]}", xc)]
            keys += [(f"m:{ch[j + 1]}", ch[j]) for j in range(len(ch) - 1)]
            keys.append(("y", ch[-1]))
            polys[ch] = core.product(*keys)
            effect_terms.append(
                core.Term(f"indirect:{'->'.join(ch)}{sfx(lv)}", polys[ch], "indirect")
            )
        total = core.poly_add(*polys.values())
        if len(chains) > 1:
            effect_terms.append(core.Term(f"indirect_total{sfx(lv)}", total, "total"))
            for c1, c2 in itertools.combinations(chains, 2):
                effect_terms.append(
                    core.Term(
                        f"contrast:{'->'.join(c1)}-{'->'.join(c2)}{sfx(lv)}",
                        core.poly_add(polys[c1], polys[c2], weights=[1.0, -1.0]),
                        "contrast",
                    )
                )
        if standardize and not y_binary:
            named = [(f"{'->'.join(ch)}", polys[ch]) for ch in chains]
            if len(chains) > 1:
                named.append(("total", total))
            for nm, pl in named:
                if nm == "total":
                    pn, cn = "indirect_total_partial_std", "indirect_total_std"
                else:
                    pn, cn = f"indirect_partial_std:{nm}", f"indirect_std:{nm}"
                effect_terms.append(core.Term(f"{pn}{sfx(lv)}", pl, "std", (None, y)))
                if continuous_x:
                    effect_terms.append(core.Term(f"{cn}{sfx(lv)}", pl, "std", (xc, y)))
    terms.extend(effect_terms)
    return core.ModelSpec(eqs, terms, [*x_cols, *ms, *covs, y])


def _omnibus(model: core.ProcessModel, x_cols: list[str]) -> pd.DataFrame | None:
    from scipy import special

    if len(x_cols) < 2:
        return None
    rows = []
    for eqn, label in (("y", "relative direct effects"), ("total", "relative total effects")):
        fit = model.fits[eqn]
        idx = [fit.names.index(c) for c in x_cols]
        b = fit.coef[idx]
        V = fit.vcov[np.ix_(idx, idx)]
        wald = float(b @ np.linalg.solve(V, b))
        k = len(idx)
        if fit.family == "binomial":
            rows.append((label, wald, k, np.inf, float(special.chdtrc(k, wald))))
        else:
            f = wald / k
            rows.append((label, f, k, fit.df_resid, float(special.fdtrc(k, fit.df_resid, f))))
    return pd.DataFrame(rows, columns=["effect", "statistic", "df1", "df2", "p_value"])


def mediate(
    df: pd.DataFrame | ImputedData | Sequence[pd.DataFrame],
    x: str,
    m: str | Sequence[str],
    y: str,
    *,
    covariates: Sequence[str] | None = None,
    serial: bool = False,
    n_boot: int = 5000,
    ci: str = "percentile",
    ci_level: float = 0.95,
    seed: int | None = None,
    cluster: str | None = None,
    progress: bool | None = None,
    standardize: bool = True,
    x_reference: object | None = None,
    outcome: str = "auto",
    design: str = "auto",
    outcome_model: str = "cluster_robust",
    bca_influence: str = "jackknife",
    missing: str = "listwise",
) -> MediationResult:
    """Simple, parallel or serial mediation with bootstrap confidence intervals (PROCESS 4 / 6).

    Parameters
    ----------
    df : DataFrame, ImputedData or list of DataFrame
        Multiply imputed data (:func:`~learning_direction.impute`, or a list of completed
        DataFrames): MI-boot (Schomaker & Heumann, 2018), ``n_boot`` resamples in every
        imputation (each with its own seed derived from ``seed``), the percentile CI from the
        pooled draws, paths pooled by Rubin's rules; the table gains ``df``, ``riv``,
        ``lambda`` and ``fmi``. Only ``ci="percentile"``.
    x : str
        Predictor. Numeric, or categorical (string/category column, or any column with
        ``x_reference`` given): then indicator coding against ``x_reference`` gives *relative*
        effects of each level (Hayes & Preacher, 2014).
    m : str or list of str
        Mediator(s). Several mediators are parallel unless ``serial=True`` (2–3 mediators, in
        causal order).
    y : str
        Outcome. A 0/1 column goes through a logistic outcome equation (``outcome="auto"``).
    covariates : list of str, optional
        Entered in every equation (as PROCESS does). A text or categorical covariate is
        dummy-coded: one 0/1 indicator per level but the reference, the first level (category
        order, else sorted; R's ``factor()`` default), named ``<column>[T.<level>]`` as in a
        formula (and as :func:`~learning_direction.moderate` names them); a note records the
        reference level.
    serial : bool
        Serial mediation (PROCESS model 6): each mediator is regressed on X, the earlier
        mediators and the covariates.
    n_boot : int
        Resamples (or Monte Carlo draws); default 5,000.
    ci : {"percentile", "bca", "monte_carlo"}
    ci_level : float
    seed : int or None
        Same seed -> identical results. ``None`` draws one (recorded in ``.seed``).
    cluster : str, optional
        Cluster id (e.g. the mentor). Resamples whole clusters; every equation fitted on the
        rows gets CR1 cluster-robust SEs, also a logistic Y equation. A cluster column with
        missing values raises :class:`DataValidationError`; fewer than 10 clusters raise
        :class:`ModelError` and 10–19 clusters give a :class:`ModelWarning` (cluster-bootstrap
        intervals need about 20+ clusters to be trustworthy). The level of each variable is
        inferred from the data (constant within every cluster: level 2): mentor-level X and
        mediators with a mentee-level Y are a **2-2-1** design, whose mediator equations are
        fitted to one row per cluster. A mediator that varies within clusters (designs 1-1-1,
        2-1-1) is refused, since a single-level analysis would conflate its within- and
        between-cluster effects: use :func:`~learning_direction.multilevel_mediation` (or
        ``design="single-level"`` to fit the conflated model deliberately, with a note saying
        so). A level-2 Y is refused; one row per cluster gives a :class:`ModelWarning` (the
        design is not multilevel).
    progress : bool or None
        Progress bar (None: only on long interactive runs).
    standardize : bool
        Add partially (``/ SD(Y)``) and completely (``* SD(X) / SD(Y)``, continuous X only)
        standardized indirect effects, recomputed in every resample.
    x_reference : str or number, optional
        Reference level of a categorical X, given as the value (``2``) or its label (``"2"``).
        Default: the first level (category order for a categorical column; otherwise numbers
        in numeric and text in alphabetical order).
    outcome : {"auto", "linear", "logistic"}
    design : {"auto", "2-2-1", "single-level"}
        With ``cluster``: ``auto`` infers the design from the data and analyses a 2-2-1 design
        (refusing level-1 mediators); ``"2-2-1"`` insists on it (an error names what varies
        within clusters); ``"single-level"`` fits every equation on the rows whatever the
        levels (the conflated model; the result's ``design`` still names the levels and a note
        says the effects are conflated). ``"2-1-1"``, this toolkit's old name for 2-2-1, raises
        a :class:`ModelError` explaining the rename.
    bca_influence : {"jackknife", "regression"}
        How the BCa acceleration estimates the influence values: leave-one-unit-out jackknife
        (default, exact, O(n)), or regression of the resampled estimates on the resampling
        frequencies (what R's ``boot.ci`` does; keeps the n_boot x n frequency matrix, so only
        for n_boot * n <= 5e7).
    outcome_model : {"cluster_robust", "random_intercept"}
        With ``cluster``: the Y equations by OLS with CR1 cluster-robust SEs (default), or with
        a random intercept per cluster (GLS at the REML variance components, as
        ``lme4::lmer(y ~ x + m + (1 | cluster))``).
    missing : {"listwise", "fiml"}
        ``"listwise"``: rows with a missing value in any analysed column are left out (and
        counted). ``"fiml"``: full-information maximum likelihood on every row with at least
        one analysed variable, X and covariates included (lavaan's ``missing = "ml"`` with
        ``fixed.x = FALSE``); the result counts the rows of each missing-data
        pattern (``.n_patterns``, ``.patterns``). Numeric X and covariates and a continuous
        Y, without ``cluster``; see :mod:`~learning_direction.models.mediation_fiml`.

    Returns
    -------
    MediationResult

    Notes
    -----
    Equations (model 4, k mediators): ``M_j = i_j + a_j X + C g_j``,
    ``Y = i_y + c' X + sum_j b_j M_j + C h``; total ``Y = i + c X + C g``. Indirect effect through
    ``M_j``: ``a_j b_j``; total indirect ``sum_j a_j b_j`` (= ``c - c'`` for OLS); contrasts
    ``a_i b_i - a_j b_j``. Serial (model 6): ``M_j`` also on ``M_1..M_{j-1}`` (paths
    ``d_{ij}``), specific indirect effects are the products along each chain, e.g.
    ``a_1 d_21 b_2``.

    Every resample is a vector of frequency weights; all equations of a chunk of resamples are
    solved from one product of the weight matrix with the per-row cross-products (see
    :mod:`learning_direction.models.bootstrap`). Standardized effects use the resample's own
    SDs, so their intervals include SD uncertainty. Singular resamples (a predictor constant in
    the resample) are counted in ``n_singular``, reported with a :class:`ModelWarning` and left
    out of the intervals.

    Binary Y: the Y equations are logistic (Newton-Raphson, batched across resamples); ``b``,
    ``c'``, ``c`` and the indirect effects ``a b`` are on the log-odds scale, as PROCESS
    reports them; ``c`` is then not ``c' + a b`` and no standardized effects are given.

    Cluster bootstrap: each resample draws clusters with replacement; every equation is refit
    on the resampled clusters (2-2-1: the mediator equations on the resampled clusters' rows of
    cluster means). ``outcome_model="cluster_robust"``: the Y equations are OLS in every
    resample; cluster-robust SEs only change the path-coefficient SEs in the table. Cost: the
    same single matrix product per chunk, over clusters instead of rows.
    ``outcome_model="random_intercept"``: on the full data the variance components (tau^2,
    sigma^2) are estimated by REML (statsmodels ``MixedLM``); each row is quasi-demeaned,
    ``v - theta_j mean_j(v)`` with ``theta_j = 1 - sqrt(sigma^2 / (sigma^2 + n_j tau^2))``, so
    OLS on the transformed rows is the GLS (= REML fixed-effects) estimator. Table SEs are
    ``sqrt(diag(sigma^2 (X*'X*)^-1))`` = lme4's ``sqrt(diag(vcov(fit)))``. Every resample
    re-estimates the variance ratio ``tau^2 / sigma^2`` by REML as well, so the intervals carry
    its uncertainty: the GLS moments of a resample at any ratio are a weighted sum of
    per-cluster cross-products and outer products of cluster sums, so the profiled REML
    deviance of all resamples is minimised at once by a vectorised one-dimensional search (it
    reproduces ``MixedLM`` on the resampled clusters to its convergence tolerance).

    BCa: ``z0`` from the share of resampled estimates below the estimate and the acceleration
    from the leave-one-unit-out jackknife (rows, or clusters). R's ``boot.ci`` uses
    regression estimates of the influence values instead; intervals agree within Monte Carlo
    error.

    References
    ----------
    Hayes, A. F. (2022). *Introduction to mediation, moderation, and conditional process
    analysis* (3rd ed.). Guilford. Hayes, A. F., & Preacher, K. J. (2014). Statistical
    mediation analysis with a multicategorical independent variable. *BJMSP*, 67, 451–470.
    Preacher, K. J., & Selig, J. P. (2012). Advantages of Monte Carlo confidence intervals for
    indirect effects. *Communication Methods and Measures*, 6, 77–98. Efron, B. (1987). Better
    bootstrap confidence intervals. *JASA*, 82, 171–185.

    Examples
    --------
    Study 2A on the bundled data: downward learning direction -> perceived learning opportunity
    -> engagement, controlling for the other two directions (1,000 resamples to keep the
    example fast; use the default 5,000 in a paper).

    >>> import learning_direction as ld
    >>> raw = ld.load_dataset("study2a")
    >>> scales = ["learning_direction", "learning_opportunity", "mentor_engagement"]
    >>> d = raw.join(ld.score(raw, scales).scores)
    >>> res = ld.mediate(d, x="downward", m="learning_opportunity", y="mentor_engagement",
    ...                  covariates=["upward", "lateral"], n_boot=1000, seed=1)
    >>> # PROCESS: process(data = d, y = "mentor_engagement", x = "downward",
    >>> #                  m = "learning_opportunity", cov = c("upward", "lateral"),
    >>> #                  model = 4, boot = 1000, seed = 1)
    >>> tab = res.table.set_index("term")
    >>> print(tab.loc[["a:learning_opportunity", "b:learning_opportunity", "c_prime",
    ...                "indirect:learning_opportunity"], ["estimate", "ci_low", "ci_high"]].round(3))
                                   estimate  ci_low  ci_high
    term
    a:learning_opportunity            0.357   0.263    0.451
    b:learning_opportunity            0.294   0.200    0.387
    c_prime                           0.140   0.045    0.236
    indirect:learning_opportunity     0.105   0.066    0.152
    >>> res.n, res.n_dropped, res.n_boot
    (400, 0, 1000)

    Other R routes to the same model: ``boot::boot`` over two ``lm`` fits, or lavaan
    ``sem("learning_opportunity ~ a*downward + upward + lateral; mentor_engagement ~
    b*learning_opportunity + downward + upward + lateral; ind := a*b")``. The bootstrap draws
    differ from PROCESS's own random numbers, so the CI limits agree within Monte Carlo error;
    the point estimates agree exactly.
    """
    if is_multiply_imputed(df):  # MI-boot: bootstrap in every imputation, pool the draws
        if missing != "listwise":
            raise ModelError(
                f"mediate(): missing={missing!r} cannot be combined with multiply imputed data "
                "(the completed datasets have no missing values left); pass either the imputed "
                "data with missing='listwise' (the default) or the incomplete DataFrame with "
                "missing='fiml'"
            )
        return pool_mediation_fits(
            lambda d, s: mediate(
                d,
                x,
                m,
                y,
                covariates=covariates,
                serial=serial,
                n_boot=n_boot,
                ci=ci,
                ci_level=ci_level,
                seed=s,
                cluster=cluster,
                progress=progress,
                standardize=standardize,
                x_reference=x_reference,
                outcome=outcome,
                design=design,
                outcome_model=outcome_model,
                bca_influence=bca_influence,
            ),
            df,
            seed=seed,
            ci=ci,
            ci_level=ci_level,
        )
    df = cast(pd.DataFrame, df)
    ms, covs, ci, outcome_model, design = _checked_options(
        x, m, y, covariates, serial, n_boot, ci, ci_level, cluster, outcome_model, design
    )
    if choice(missing, "missing", ["listwise", "fiml"]) == "fiml":
        from .mediation_fiml import mediate_fiml

        spec = _spec([x], [None], ms, covs, y, serial, False, standardize, "row", True)
        fit = mediate_fiml(
            df,
            spec,
            x,
            ms,
            y,
            covs,
            serial=serial,
            n_boot=n_boot,
            ci=ci,
            ci_level=ci_level,
            seed=seed,
            progress=progress,
            standardize=standardize,
            x_reference=x_reference,
            outcome=outcome,
            cluster=cluster,
            bca_influence=bca_influence,
        )
        return MediationResult(
            table=fit.table,
            boot_draws=fit.boot_draws,
            equations=fit.equations,
            x=x,
            mediators=tuple(ms),
            y=y,
            covariates=tuple(covs),
            model=6 if serial else 4,
            n=fit.n,
            n_dropped=fit.n_dropped,
            n_boot=n_boot,
            n_singular=fit.n_singular,
            seed=fit.seed,
            ci=ci,
            ci_level=ci_level,
            method=fit.method,
            notes=fit.notes,
            missing="fiml",
            n_patterns=fit.n_patterns,
            patterns=fit.patterns,
        )
    prep = prepare(
        df,
        x=x,
        numeric=[*ms, *covs],
        y=y,
        cluster=cluster,
        x_reference=x_reference,
        outcome=outcome,
        what="mediate()",
        covariates=covs,
    )
    covs_used = prep.covariates  # a text covariate becomes its indicators
    levels = _Levels.of(prep, ms, y, cluster, design, outcome_model)
    spec = _spec(
        prep.x_cols,
        prep.x_levels,
        ms,
        covs_used,
        y,
        serial,
        prep.y_binary,
        standardize,
        levels.m_level,
        prep.x_levels == [None],
        levels.y_level,
    )
    model = core.ProcessModel(
        prep.data,
        spec,
        cluster_codes=prep.cluster_codes,
        n_clusters=prep.n_clusters,
        robust_cluster=cluster is not None,
    )
    rs = core.resample(
        model,
        n_boot=n_boot,
        ci=ci,
        ci_level=ci_level,
        seed=seed,
        progress=progress,
        bca_influence=bca_influence,
    )
    notes = [*prep.notes, *levels.notes, *rs.notes, *_effect_notes(prep, x, standardize)]
    model_no = 6 if serial else 4
    return MediationResult(
        table=core.build_table(model, rs, ci_level),
        boot_draws=pd.DataFrame(rs.all_draws, columns=[t.name for t in spec.terms]),
        equations=core.equation_tables(model, ci_level),
        x=x,
        mediators=tuple(ms),
        y=y,
        covariates=tuple(covs),
        model=model_no,
        n=len(prep.data),
        n_dropped=prep.report.n_dropped,
        n_boot=n_boot,
        n_singular=int(rs.singular.sum()),
        seed=rs.seed,
        ci=ci,
        ci_level=ci_level,
        method=_method(model_no, len(ms), prep.y_binary, ci, cluster),
        cluster=cluster,
        n_clusters=prep.n_clusters if cluster else None,
        design=levels.design,
        x_levels=tuple(lv for lv in prep.x_levels if lv is not None),
        x_reference=prep.x_reference,
        y_family="binomial" if prep.y_binary else "gaussian",
        omnibus=_omnibus(model, prep.x_cols),
        notes=tuple(notes),
        sensitivity_inputs=_sensitivity_inputs(prep, ms, covs_used, y, serial),
    )


def _sensitivity_inputs(
    prep: Prepared, ms: list[str], covs: list[str], y: str, serial: bool
) -> SensitivityInputs | None:
    """What the sensitivity analysis needs, for one mediator and a linear outcome equation."""
    if len(ms) != 1 or serial or prep.y_binary:
        return None
    from .sensitivity import SensitivityInputs

    cols = [*prep.x_cols, *covs]
    return SensitivityInputs.from_arrays(
        prep.data[cols], prep.data[ms[0]], prep.data[y], prep.x_cols, mediator=ms[0], outcome=y
    )


def _checked_options(
    x: str,
    m: str | Sequence[str],
    y: str,
    covariates: Sequence[str] | None,
    serial: bool,
    n_boot: int,
    ci: str,
    ci_level: float,
    cluster: str | None,
    outcome_model: str,
    design: str,
) -> tuple[list[str], list[str], str, str, str]:
    """Mediators, covariates, and ``ci``, ``outcome_model``, ``design`` spelled canonically."""
    ms = as_list(m, "m")
    covs = as_list(covariates, "covariates")
    if not ms:
        raise DataValidationError("m must name at least one mediator column")
    if serial and not 2 <= len(ms) <= 3:
        raise ModelError(
            f"serial mediation (PROCESS model 6) takes 2 or 3 mediators, got {len(ms)}"
        )
    ci = check_options(n_boot, ci, ci_level)
    outcome_model = choice(outcome_model, "outcome_model", ["cluster_robust", "random_intercept"])
    design = _checked_design(design)
    for option, value in (("outcome_model", outcome_model), ("design", design)):
        if value in ("random_intercept", "2-2-1", "single-level") and cluster is None:
            raise ModelError(
                f"{option}={value!r} needs cluster= (the column identifying the clusters)"
            )
    check_distinct(
        {"x": [x], "m": ms, "y": [y], "a covariate": covs, "cluster": [cluster] if cluster else []}
    )
    return ms, covs, ci, outcome_model, design


def _checked_design(design: object) -> str:
    """``design`` spelled canonically; the old and the multilevel labels get their own message."""
    if isinstance(design, str) and design.strip() == "2-1-1":
        raise ModelError(
            f"{RENAMED_211}. For mentor-level X and M pass design='2-2-1' (or leave "
            "design='auto', which infers it); a true 2-1-1 design is analysed by "
            "ld.multilevel_mediation(df, x=, m=, y=, cluster=)"
        )
    if isinstance(design, str) and design.strip() == "1-1-1":
        raise ModelError(
            "design='1-1-1' (a mentee-level mediator) has within- and between-cluster effects, "
            "which ld.mediate would conflate: use ld.multilevel_mediation(df, x=, m=, y=, "
            "cluster=), which separates them, or design='single-level' to fit the conflated "
            "single-level model deliberately"
        )
    return choice(design, "design", ["auto", "2-2-1", "single-level"])


@dataclass(frozen=True)
class _Levels:
    """Where each equation is fitted: the mediators on rows or cluster means (2-2-1), Y by
    OLS or with a random intercept; the design label inferred from the data, and the notes."""

    m_level: str
    y_level: str
    design: str
    notes: tuple[str, ...]

    @classmethod
    def of(
        cls,
        prep: Prepared,
        ms: list[str],
        y: str,
        cluster: str | None,
        design: str,
        outcome_model: str,
    ) -> _Levels:
        notes: list[str] = []
        m_level, design_used = "row", "1-1-1"
        if cluster is not None and prep.cluster_codes is not None:
            design_used, m_level = _cluster_design(prep, ms, y, cluster, design, notes)
            if outcome_model == "cluster_robust":
                row_eqs = "Y equations" if m_level == "cluster" else "mediator and Y equations"
                fitted = "logistic regression" if prep.y_binary else "OLS"
                notes.append(
                    f"{row_eqs} on all rows ({fitted} for Y) with CR1 cluster-robust SEs "
                    "(sandwich::vcovCL, type HC1)"
                )
        y_level = "row"
        if outcome_model == "random_intercept":
            if prep.y_binary:
                raise ModelError(
                    "outcome_model='random_intercept' is for a continuous Y; use the default "
                    "cluster_robust for a 0/1 Y"
                )
            y_level = "ri"
            notes.append(
                "Y equations with a random intercept per cluster: GLS at the REML variance "
                "components, re-estimated in every resample"
            )
        return cls(m_level, y_level, design_used, tuple(notes))


def _cluster_design(
    prep: Prepared, ms: list[str], y: str, cluster: str, design: str, notes: list[str]
) -> tuple[str, str]:
    """The design label of the data (levels inferred per variable) and where the mediator
    equations are fitted; refuses what ld.mediate cannot analyse without conflating levels."""
    codes = prep.cluster_codes
    if codes is None:  # pragma: no cover - called with clusters only
        raise ModelError("no clusters")
    lv = variable_levels(prep.data, codes, [*prep.x_cols, *ms, y])
    x_lv = 2 if all(lv[c] == 2 for c in prep.x_cols) else 1
    m_lv = 2 if all(lv[m] == 2 for m in ms) else 1
    label = design_label(x_lv, m_lv, lv[y])
    if singleton_clusters(codes):
        msg = (
            f"every cluster of '{cluster}' has one row: the design is not multilevel, so "
            "cluster= only makes the bootstrap resample rows as clusters of one (the same as "
            "without cluster=)"
        )
        warn_user(msg, ModelWarning)
        notes.append(msg)
        return "single-level", "row"
    if lv[y] == 2:
        raise ModelError(
            f"y '{y}' is constant within every '{cluster}' cluster (a level-2 outcome, design "
            f"{label}); ld.mediate analyses a mentee-level (level-1) outcome. Supported: 2-2-1 "
            "here, and 1-1-1, 2-1-1, 2-2-1 in ld.multilevel_mediation; for an all-mentor-level "
            "model analyse one row per cluster without cluster="
        )
    if design == "single-level":
        notes.append(
            f"design {label} analysed as a single-level model on request (design="
            "'single-level'): every equation on all rows, so the paths mix within- and "
            "between-cluster effects (conflated); ld.multilevel_mediation separates them"
        )
        notes.append("cluster bootstrap: whole clusters resampled")
        return label, "row"
    if label != "2-2-1":
        what = (
            f"the mediator(s) {level_names({m: lv[m] for m in ms}, 1)} vary within '{cluster}' "
            "clusters (level 1)"
            if m_lv == 1
            else f"x varies within clusters while the mediators are constant (design {label})"
        )
        raise ModelError(
            f"{what}: analysing them single-level would conflate their within- and between-"
            f"cluster effects (design {label}). Use ld.multilevel_mediation(df, x=, m=, y=, "
            f"cluster='{cluster}'), which separates them (designs 1-1-1, 2-1-1, 2-2-1), or pass "
            "design='single-level' to fit the conflated model deliberately"
        )
    notes.append(
        "2-2-1 design (mentor-level X and M, mentee-level Y): mediator equations fitted to one "
        "row per cluster (cluster means of covariates); the Y equations on all rows"
    )
    return "2-2-1", "cluster"


def _effect_notes(prep: Prepared, x: str, standardize: bool) -> list[str]:
    """What the effects are: log-odds, standardized, relative to a reference level."""
    notes = []
    if prep.y_binary:
        notes.append(
            "Y is binary: logistic Y equations; b, c', c and indirect effects on the log-odds scale"
        )
    if standardize and not prep.y_binary:
        notes.append(
            "indirect_partial_std = effect / SD(Y); indirect_std = effect * SD(X) / SD(Y) "
            "(completely standardized), recomputed in every resample"
        )
    if prep.x_reference is not None:
        notes.append(
            f"X '{x}' is categorical: effects are relative to the reference level '{prep.x_reference}'"
        )
    notes.append("bootstrap p-value = 2 * min(share of draws <= 0, share >= 0)")
    return notes


def _method(model_no: int, k: int, y_binary: bool, ci: str, cluster: str | None) -> str:
    """The model, the Y equation and the interval, in words."""
    kind = "serial" if model_no == 6 else ("parallel" if k > 1 else "simple")
    y_eq = "logistic" if y_binary else "OLS"
    method = f"PROCESS model {model_no} ({kind} mediation), {y_eq} Y equation, {CI_NAMES[ci]}"
    if ci != "monte_carlo":
        method += f" ({'cluster' if cluster else 'row'} resampling)"
    return method
