"""``multilevel_mediation``: within- and between-cluster indirect effects of nested data."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..._core.checks import check_level, choice
from ...exceptions import ModelError
from ..bootstrap import check_seed
from . import _intervals, _msem, _umm
from ._data import MLData, prepare
from .result import CI_NAMES, METHOD_NAMES, MultilevelMediationResult

__all__ = ["multilevel_mediation"]


def multilevel_mediation(
    df: pd.DataFrame,
    x: str,
    m: str,
    y: str,
    cluster: str,
    covariates: str | Sequence[str] | None = None,
    *,
    method: str = "msem",
    ci: str = "monte_carlo",
    n_draws: int = 20000,
    n_boot: int = 1000,
    seed: int | None = None,
    ci_level: float = 0.95,
    progress: bool | None = None,
) -> MultilevelMediationResult:
    """Within- and between-cluster indirect effects of nested data (1-1-1, 2-1-1, 2-2-1 designs).

    Parameters
    ----------
    df : DataFrame
        One row per level-1 unit (mentee), with the cluster's (mentor's) values repeated.
    x, m, y : str
        Predictor, mediator and outcome. Each variable's level is inferred from the data: a
        column constant within every cluster is level 2 (mentor level), else level 1. The
        design is named by the levels of X, M and Y (Krull & MacKinnon 2001): 1-1-1, 2-1-1
        (mentor-level X) or 2-2-1 (mentor-level X and M); Y must be level 1.
    cluster : str
        Cluster id (e.g. ``"mentor_id"``); no missing values.
    covariates : str or list of str, optional
        Entered in every equation; a level-1 covariate with its within part at level 1 and its
        between part at level 2, a level-2 covariate at level 2.
    method : {"msem", "umm"}
        ``"msem"`` (default): two-level structural equation model with latent cluster means
        (Preacher, Zyphur & Zhang 2010), fitted by two-level ML as ``lavaan::sem(model, data,
        cluster = cluster)``. ``"umm"``: the unconflated multilevel model (Zhang, Zyphur &
        Preacher 2009): level-1 predictors centred at their cluster means with the cluster
        means added, random-intercept models by REML (lme4) with Satterthwaite t tests
        (lmerTest); a level-2 mediator by OLS on one row per cluster.
    ci : {"monte_carlo", "bootstrap"}
        Interval of the indirect effects: Monte Carlo (Preacher & Selig 2012; default), or a
        percentile cluster bootstrap that refits the model on ``n_boot`` resamples of whole
        clusters.
    n_draws : int
        Monte Carlo draws (at least 1,000; default 20,000).
    n_boot : int
        Cluster-bootstrap resamples (at least 200; default 1,000; MSEM takes about 0.1 s each).
    seed : int, optional
        Seed of the draws or resamples; ``None`` draws one and records it in ``.seed``.
    ci_level : float
        Level of every interval.
    progress : bool, optional
        Progress bar of the cluster bootstrap.

    Returns
    -------
    MultilevelMediationResult
        ``.table`` (``term, estimate, se, ci_low, ci_high, p_value``), ``.design``,
        ``.method``, ``.equations``, ``.summary()``, ``.plot()``.

    Raises
    ------
    DataValidationError
        A column is missing or not numeric; the cluster column has missing values; a column
        name cannot be written in model syntax (MSEM).
    ModelError
        Fewer than 10 clusters; one row per cluster (not multilevel); an unsupported design
        (a level-2 Y, or a level-1 X with a level-2 M); an unknown option; a model that does not
        converge.

    Notes
    -----
    Equations, with level-1 variables split into within (``w``) and between (``b``) parts:

    * 1-1-1: ``M_w = a_w X_w``, ``Y_w = b_w M_w + c'_w X_w`` and ``M_b = a_b X_b``,
      ``Y_b = b_b M_b + c'_b X_b``; indirect effects ``a_w b_w`` and ``a_b b_b``.
    * 2-1-1: ``Y_w = b_w M_w``; ``M_b = a X``, ``Y_b = b_b M_b + c' X``; the indirect effect
      ``a b_b`` is between clusters only (X has no within variance).
    * 2-2-1: ``M = a X`` (mentor level), ``Y_b = b M + c' X``; indirect ``a b``, between only.

    MSEM: the between parts are latent cluster means, so the between paths are corrected for the
    unreliability of observed cluster means (Lüdtke et al. 2008); the UMM uses the observed
    means, whose between slopes are pulled towards the within slopes when clusters are small and
    the ICC of the predictor is low. Both keep within and between effects apart, which a
    single-level analysis (:func:`~learning_direction.mediate` with ``design="single-level"``)
    conflates. Cluster sizes may differ. The indirect effects' SEs are first-order delta-method
    SEs (lavaan's for MSEM, ``sqrt(b^2 se_a^2 + a^2 se_b^2)`` for UMM); their CIs do not rely on
    them.

    References
    ----------
    Krull, J. L., & MacKinnon, D. P. (2001). Multilevel modeling of individual and group level
    mediated effects. *Multivariate Behavioral Research*, 36, 249-277.
    Zhang, Z., Zyphur, M. J., & Preacher, K. J. (2009). Testing multilevel mediation using
    hierarchical linear models. *Organizational Research Methods*, 12, 695-719.
    Preacher, K. J., Zyphur, M. J., & Zhang, Z. (2010). A general multilevel SEM framework for
    assessing multilevel mediation. *Psychological Methods*, 15, 209-233.
    Preacher, K. J., & Selig, J. P. (2012). Advantages of Monte Carlo confidence intervals for
    indirect effects. *Communication Methods and Measures*, 6, 77-98.
    Lüdtke, O., Marsh, H. W., Robitzsch, A., Trautwein, U., Asparouhov, T., & Muthén, B. (2008).
    The multilevel latent covariate model. *Psychological Methods*, 13, 203-229.

    Examples
    --------
    Study 3: downward learning direction and engagement of the mentor (level 2), hireability
    of the mentee (level 1), a 2-2-1 design:

    >>> import learning_direction as ld
    >>> d = ld.load_dataset("study3")
    >>> d = d.join(ld.score(d, ["learning_direction", "mentor_engagement", "hireability"]).scores)
    >>> res = ld.multilevel_mediation(d, x="downward", m="mentor_engagement", y="hireability",
    ...                               cluster="mentor_id", covariates=["upward", "lateral"],
    ...                               seed=1)
    >>> res.design, res.n, res.n_clusters, res.n_dropped
    ('2-2-1', 634, 120, 1)
    >>> res.table.round(3)
                   term  estimate     se  ci_low  ci_high  p_value
    0         a_between     0.309  0.073   0.165    0.453    0.000
    1         b_between     0.230  0.059   0.113    0.346    0.000
    2  indirect_between     0.071  0.025   0.027    0.127    0.000
    3   c_prime_between    -0.011  0.052  -0.113    0.091    0.837

    The same model in R: ``lavaan::sem(res.syntax, data = d, cluster = "mentor_id")`` (estimates
    and SEs) with ``semTools::monteCarloCI`` (the interval, up to Monte Carlo error):

    >>> print(res.syntax)
    level: 1
        hireability ~~ hireability
    level: 2
        mentor_engagement ~ a_between*downward + upward + lateral
        hireability ~ b_between*mentor_engagement + c_prime_between*downward + upward + lateral
    indirect_between := a_between*b_between
    <BLANKLINE>
    """
    method = choice(method, "method", list(METHOD_NAMES))
    ci = choice(
        ci, "ci", list(CI_NAMES), aliases={"mc": "monte_carlo", "cluster_bootstrap": "bootstrap"}
    )
    ci_level = check_level(ci_level)
    _check_counts(ci, n_draws, n_boot)
    check_seed(seed)
    d = prepare(df, x, m, y, cluster, covariates)
    fitted: _msem.MSEMFit | _umm.UMMFit
    if method == "msem":
        fitted = _msem.fit(d, ci_level)
        rows = dict(fitted.rows)
    else:
        fitted = _umm.fit(d, ci_level)
        rows = _umm_rows(d, fitted)
    if ci == "monte_carlo":
        iv = _intervals.monte_carlo(d, fitted, n_draws, seed, ci_level)
    else:
        iv = _intervals.cluster_bootstrap(d, fitted, n_boot, seed, ci_level, progress)
    for term, r in iv.rows.items():
        if term.startswith("indirect"):
            rows[term].update(ci_low=r["ci_low"], ci_high=r["ci_high"], p_value=r["p_value"])
    return _result(d, method, ci, ci_level, fitted, rows, iv, n_draws, n_boot)


def _check_counts(ci: str, n_draws: object, n_boot: object) -> None:
    def whole(v: object, low: int) -> bool:
        return not isinstance(v, bool) and isinstance(v, int | np.integer) and int(v) >= low

    if ci == "monte_carlo" and not whole(n_draws, 1000):
        raise ModelError(
            f"n_draws must be a whole number of at least 1000 (e.g. 20000), got {n_draws!r}"
        )
    if ci == "bootstrap" and not whole(n_boot, 200):
        raise ModelError(
            f"n_boot must be a whole number of at least 200 (e.g. 1000), got {n_boot!r}"
        )


def _umm_rows(d: MLData, f: _umm.UMMFit) -> dict[str, dict[str, float]]:
    """Path rows from the equations' t tests; indirect rows with the delta-method SE."""
    rows: dict[str, dict[str, float]] = {}
    for term, (eq, name) in f.paths.items():
        t = f.equation(eq).tests.set_index("term").loc[name]
        rows[term] = {k: float(t[k]) for k in ("estimate", "se", "ci_low", "ci_high", "p_value")}
    for term, (a, b) in _intervals.PRODUCTS.items():
        if term in d.terms():
            ea, eb = rows[a]["estimate"], rows[b]["estimate"]
            se = float(np.hypot(eb * rows[a]["se"], ea * rows[b]["se"]))
            rows[term] = {"estimate": ea * eb, "se": se}
    return rows


def _umm_equations(f: _umm.UMMFit, d: MLData) -> dict[str, pd.DataFrame]:
    out = {}
    for eq in (f.m_eq, f.y_eq):
        tab = eq.tests.copy()
        where = "between" if eq.tau2 is None else "within and between"
        tab.attrs.update(
            outcome=eq.outcome, level=where, sigma2=eq.sigma2, tau2=eq.tau2, model=eq.level
        )
        out[f"{where}: {eq.outcome}"] = tab
    return out


def _notes(
    d: MLData, fitted: _msem.MSEMFit | _umm.UMMFit, ci: str, iv: _intervals.Intervals
) -> list[str]:
    notes = list(d.notes)
    method = "msem" if isinstance(fitted, _msem.MSEMFit) else "umm"
    if isinstance(fitted, _msem.MSEMFit) and fitted.restarted:
        notes.append(
            f"the two-level SEM did not converge from lavaan's default start and was refitted "
            f"from {fitted.restarted} (OLS within clusters and on cluster means)"
        )
    lv = ", ".join(f"{v} level {k}" for v, k in d.levels.items())
    notes.append(f"levels inferred from the data (constant within every cluster = level 2): {lv}")
    if d.design != "1-1-1":
        notes.append(
            "X is constant within clusters, so there is no within-cluster indirect effect; the "
            "indirect effect is between clusters"
        )
    if method == "umm":
        notes.append(
            "UMM: between paths use observed cluster means; with small clusters and a low ICC of "
            "the predictor they are pulled towards the within paths (method='msem' corrects this)"
        )
    if ci == "bootstrap" and iv.n_failed:
        notes.append(
            f"{iv.n_failed} cluster-bootstrap resample(s) could not be fitted and were left out"
        )
    notes.append(
        "indirect effects: delta-method SE; percentile interval and p value from the draws"
    )
    return notes


def _result(
    d: MLData,
    method: str,
    ci: str,
    ci_level: float,
    fitted: _msem.MSEMFit | _umm.UMMFit,
    rows: dict[str, dict[str, float]],
    iv: _intervals.Intervals,
    n_draws: int,
    n_boot: int,
) -> MultilevelMediationResult:
    cols = ["estimate", "se", "ci_low", "ci_high", "p_value"]
    table = pd.DataFrame([{"term": t, **{c: rows[t][c] for c in cols}} for t in d.terms()])
    msem = fitted if isinstance(fitted, _msem.MSEMFit) else None
    return MultilevelMediationResult(
        table=table,
        design=d.design,
        method=method,
        x=d.x,
        m=d.m,
        y=d.y,
        cluster=d.cluster,
        covariates=d.covariates,
        levels=dict(d.levels),
        n=d.n,
        n_clusters=d.n_clusters,
        n_dropped=d.report.n_dropped,
        dropped=dict(d.report.by_column),
        cluster_sizes=d.size_summary(),
        ci=ci,
        ci_level=ci_level,
        seed=iv.seed,
        n_draws=n_draws if ci == "monte_carlo" else None,
        n_boot=n_boot if ci == "bootstrap" else None,
        n_failed=iv.n_failed,
        equations=fitted.equations
        if isinstance(fitted, _msem.MSEMFit)
        else _umm_equations(fitted, d),
        draws=iv.draws,
        moments=fitted.moments,
        syntax=msem.syntax if msem else None,
        fit=msem.sem if msem else None,
        notes=tuple(_notes(d, fitted, ci, iv)),
    )
