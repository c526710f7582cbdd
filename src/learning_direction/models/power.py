"""Power and sample-size planning for mediation designs, by simulation.

``ld.power_mediation(a=.39, b=.39, n=[50, 100, 200])`` simulates data sets from a stated
population model at each sample size, tests the indirect effect in every one of them and reports
the share of significant tests (the power) with a confidence interval on that share.
``ld.sample_size_mediation(target=.8, ...)`` searches for the smallest sample size with at least
the target power.

Designs: simple mediation, k parallel mediators, serial mediation (2-3 mediators), moderated
mediation (PROCESS model 7: power for the index of moderated mediation) and the 2-1-1 clustered
design (mentees nested in mentors; X and M measured on mentors, Y on mentees).

Speed: all replications of one sample size are simulated and fitted as one batch (stacked
ordinary least squares through batched normal equations), and the Monte Carlo intervals of all
replications are drawn as one array; sample sizes run in parallel through joblib (any joblib
backend, e.g. a Dask cluster, see :func:`power_mediation`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from .._core.checks import check_level
from .._core.data import complete_cases
from .._core.plotting import figure
from .._core.results import ResultMixin
from ..exceptions import DataValidationError, ModelError
from ._power_sim import METHODS, Equation, Population, approx_path_power, implied_cov, power_at_n
from .bootstrap import check_seed

__all__ = ["PowerResult", "power_mediation", "sample_size_mediation"]

DESIGNS = ("auto", "simple", "parallel", "serial", "moderated", "2-1-1")
DEFAULT_GRID = (50, 100, 150, 200, 250, 300, 350, 400, 450, 500)
_METHOD_NAMES = {
    "monte_carlo": "Monte Carlo confidence interval",
    "percentile": "percentile bootstrap confidence interval",
    "joint": "joint significance (every path's t-test)",
}


@dataclass(frozen=True, eq=False)
class PowerResult(ResultMixin):
    """Result of :func:`power_mediation` and :func:`sample_size_mediation`.

    Attributes
    ----------
    table : DataFrame
        One row per sample size and effect: ``n, effect, power, power_ci_low,
        power_ci_high, n_reps, n_failed`` (``n_rows``: total mentees, 2-1-1 design). ``n`` is
        the number of rows, or of clusters (mentors) in the 2-1-1 design. The power CI is the
        exact Clopper-Pearson interval (R ``binom.test``) at ``power_ci_level``.
    paths : DataFrame
        Power of each path's t-test (``a:<m>``, ``b:<m>``, ...): ``n, term, power,
        power_ci_low, power_ci_high``.
    population : DataFrame
        The population values used (``term, value``): path coefficients, residual variances,
        correlations.
    effect : str
        The headline effect (``indirect:<m>``, ``indirect_total``, the full serial chain or
        ``index``), used by :meth:`curve`, :meth:`plot` and the sample-size search.
    n_required, target : int, float or None
        Set by :func:`sample_size_mediation`: the smallest n found with power >= target.
    """

    table: pd.DataFrame
    paths: pd.DataFrame
    population: pd.DataFrame
    design: str
    method: str
    effect: str
    n_reps: int
    n_boot: int | None
    alpha: float
    seed: int
    standardized: bool
    power_ci_level: float = 0.95
    icc: float | None = None
    cluster_size: int | None = None
    n_required: int | None = None
    target: float | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    _title: ClassVar[str] = "Power analysis (simulation)"

    def _meta(self) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "design": self.design,
            "method": _METHOD_NAMES[self.method],
            "effect": self.effect,
            "n_reps": self.n_reps,
        }
        if self.n_boot is not None:
            meta["n_boot" if self.method == "percentile" else "n_draws"] = self.n_boot
        meta["alpha"] = self.alpha
        meta["seed"] = self.seed
        if self.icc is not None:
            meta["icc"] = self.icc
            meta["cluster_size"] = self.cluster_size
        if self.target is not None:
            meta["target"] = self.target
            meta["n_required"] = self.n_required if self.n_required is not None else "NA"
        return meta

    def curve(self, effect: str | None = None) -> pd.DataFrame:
        """The power curve of one effect (default: :attr:`effect`), one row per n."""
        eff = effect or self.effect
        sub = self.table[self.table["effect"] == eff]
        if not len(sub):
            raise ModelError(
                f"no effect {eff!r} in this power analysis; choose one of "
                f"{', '.join(repr(e) for e in self.table['effect'].unique())}"
            )
        return sub.reset_index(drop=True)

    def plot(self, ax=None, effects: Sequence[str] | None = None, target: float | None = None):
        """Power curve(s) with their confidence bands (see :func:`figures.power.power_curve`)."""
        power_curve = figure("power.power_curve")

        return power_curve(self, ax=ax, effects=effects, target=target)


# =========================================================================== populations
def _as_floats(value, what: str) -> list[float]:
    if value is None:
        return []
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        value = [value]
    try:
        out = [float(v) for v in value]
    except (TypeError, ValueError):
        raise ModelError(f"{what} must be a number or a list of numbers, got {value!r}") from None
    bad = [v for v in out if not np.isfinite(v)]
    if bad:
        raise ModelError(f"{what} must be finite numbers (no NaN or inf), got {value!r}")
    return out


def _as_float(value, what: str) -> float:
    """One finite number (a path or correlation given by the user)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ModelError(f"{what} must be a single number, got {value!r}")
    return _as_floats(value, what)[0]


def _check_corr(r: float, what: str) -> float:
    r = _as_float(r, what)
    if not -1 < r < 1:
        raise ModelError(f"{what} must be a correlation strictly between -1 and 1, got {r}")
    return r


def _chains(k: int, serial: bool) -> list[tuple[int, ...]]:
    if not serial:
        return [(j,) for j in range(k)]
    out = []
    for r in range(1, k + 1):
        out.extend(itertools.combinations(range(k), r))
    return out


def _effects(med: list[str], serial: bool, d_label) -> tuple[dict[str, tuple], str]:
    """Effects (sums of products of path labels) of a parallel/serial model."""
    k = len(med)
    effects: dict[str, tuple] = {}
    for ch in _chains(k, serial):
        names = [f"a:{med[ch[0]]}"]
        names += [d_label(ch[i], ch[i + 1]) for i in range(len(ch) - 1)]
        names.append(f"b:{med[ch[-1]]}")
        effects["indirect:" + "->".join(med[j] for j in ch)] = ((1.0, tuple(names)),)
    if len(effects) > 1:
        effects["indirect_total"] = tuple(t for terms in list(effects.values()) for t in terms)
    if serial:
        primary = "indirect:" + "->".join(med)
    elif k > 1:
        primary = "indirect_total"
    else:
        primary = f"indirect:{med[0]}"
    return effects, primary


def _build_population(
    *,
    a: list[float],
    b: list[float],
    c_prime: float,
    d: list[float],
    serial: bool,
    mediator_r: float,
    n_covariates: int,
    covariate_r: float,
    covariate_path: float,
    moderated: bool,
    a_w: float,
    a_xw: float,
    w_r: float,
    icc: float | None,
    cluster_size: int | None,
    standardized: bool,
    mediators: list[str] | None = None,
    exog_corr: np.ndarray | None = None,
    cov_names: list[str] | None = None,
    cov_paths: dict[str, list[float]] | None = None,
    mediator_corr: np.ndarray | None = None,
    x_name: str = "x",
    y_name: str = "y",
) -> Population:
    k = len(a)
    med = mediators or (["m"] if k == 1 else [f"m{j + 1}" for j in range(k)])
    covs = cov_names or [f"c{j + 1}" for j in range(n_covariates)]
    exog = [x_name, *covs]
    if exog_corr is None:
        R = np.full((len(exog), len(exog)), covariate_r)
        np.fill_diagonal(R, 1.0)
    else:
        R = np.asarray(exog_corr, dtype=float)
    product = None
    if moderated:
        exog.append("w")
        R = np.pad(R, ((0, 1), (0, 1)))
        R[-1, -1] = 1.0
        R[0, -1] = R[-1, 0] = w_r
        product = ("x*w", x_name, "w")
    if np.linalg.eigvalsh(R)[0] <= 1e-10:
        raise ModelError(
            "the correlations among X and the covariates (covariate_r / w_r) do not form a "
            "valid correlation matrix; use smaller values (with q covariates all equally "
            "correlated, covariate_r must exceed -1/q)"
        )
    # serial paths d_{ij}: M_i -> M_j for i < j, in the order (1,2), (1,3), (2,3)
    pairs = [(i, j) for j in range(k) for i in range(j)] if serial else []
    if serial and len(d) not in (1, len(pairs)):
        raise ModelError(
            f"serial mediation with {k} mediators has {len(pairs)} paths between mediators "
            f"(M1->M2{', M1->M3, M2->M3' if k == 3 else ''}); give d as one number or "
            f"{len(pairs)} numbers, got {len(d)}"
        )
    dvals = dict(zip(pairs, d * len(pairs) if len(d) == 1 else d))

    def d_label(i, j):
        return f"d:{med[i]}->{med[j]}"

    cpaths = cov_paths or {}
    eqs = []
    params: dict[str, tuple[int, str]] = {}
    for j in range(k):
        preds = [x_name]
        coefs = [a[j]]
        params[f"a:{med[j]}"] = (len(eqs), x_name)
        if moderated:
            preds += ["w", "x*w"]
            coefs += [a_w, a_xw]
            params["a_xw"] = (len(eqs), "x*w")
        for i in range(j):
            if serial:
                preds.append(med[i])
                coefs.append(dvals[(i, j)])
                params[d_label(i, j)] = (len(eqs), med[i])
        for c in covs:
            preds.append(c)
            coefs.append(cpaths.get(c, [covariate_path] * (k + 1))[j])
        eqs.append(Equation(med[j], tuple(preds), tuple(coefs)))
    preds = [x_name, *med, *covs]
    coefs = [c_prime, *b, *(cpaths.get(c, [covariate_path] * (k + 1))[k] for c in covs)]
    for j in range(k):
        params[f"b:{med[j]}"] = (k, med[j])
    params["c_prime"] = (k, x_name)
    eqs.append(Equation(y_name, tuple(preds), tuple(coefs)))
    if moderated:
        effects = {"index": ((1.0, ("a_xw", f"b:{med[0]}")),)}
        primary = "index"
    else:
        effects, primary = _effects(med, serial, d_label)
    mcorr = None
    if k > 1 and not serial:
        if mediator_corr is not None:
            mcorr = np.asarray(mediator_corr, dtype=float)
        elif mediator_r:
            mcorr = np.full((k, k), mediator_r)
            np.fill_diagonal(mcorr, 1.0)
        if mcorr is not None and np.linalg.eigvalsh(mcorr)[0] <= 1e-10:
            raise ModelError(
                f"mediator_r = {mediator_r} does not give a valid correlation matrix for "
                f"{k} mediators; it must exceed {-1 / (k - 1):.3f}"
            )
    _, _, rv = implied_cov(
        R,
        product,
        tuple(exog),
        tuple(eqs),
        None if standardized else [1.0] * len(eqs),
        mcorr,
    )
    return Population(
        exog=tuple(exog),
        exog_corr=R,
        product=product,
        equations=tuple(eqs),
        resid_var=tuple(rv),
        mediator_resid_corr=mcorr,
        params=params,
        effects=effects,
        primary=primary,
        icc=icc,
        cluster_size=cluster_size,
    )


def _population_table(pop: Population, standardized: bool) -> pd.DataFrame:
    rows = []
    for i, xi in enumerate(pop.exog):
        for j in range(i):
            if pop.exog_corr[i, j]:
                rows.append((f"r:{pop.exog[j]},{xi}", float(pop.exog_corr[i, j])))
    for lab, (e, pred) in pop.params.items():
        eq = pop.equations[e]
        rows.append((lab, float(eq.coefs[eq.predictors.index(pred)])))
    for eq, rv in zip(pop.equations, pop.resid_var):
        for p, c in zip(eq.predictors, eq.coefs):
            if p not in {pred for (e2, pred) in pop.params.values() if pop.equations[e2] is eq}:
                if p in ("w",):
                    rows.append((f"a_w:{eq.outcome}", float(c)))
                elif p not in ("x*w",):
                    rows.append((f"{p}->{eq.outcome}", float(c)))
        rows.append((f"resid_var:{eq.outcome}", float(rv)))
    if pop.mediator_resid_corr is not None:
        meds = [eq.outcome for eq in pop.equations[:-1]]
        for i, j in itertools.combinations(range(len(meds)), 2):
            rows.append((f"resid_r:{meds[i]},{meds[j]}", float(pop.mediator_resid_corr[i, j])))
    if pop.icc is not None:
        rows.append(("icc", float(pop.icc)))
        rows.append(("cluster_size", float(pop.cluster_size or 1)))
    seen = set()
    out = []
    for r in rows:
        if r[0] not in seen:
            seen.add(r[0])
            out.append(r)
    return pd.DataFrame(out, columns=["term", "value"])


def _from_dataframe(
    df: pd.DataFrame,
    x: str | None,
    m,
    y: str | None,
    covariates,
    serial: bool,
) -> tuple[dict, list[str]]:
    """Standardized population values estimated from pilot data (OLS on z-scores)."""
    if x is None or m is None or y is None:
        raise DataValidationError(
            "pilot data needs the column names: power_mediation(pilot=df, x='...', m='...', y='...')"
        )
    ms = [m] if isinstance(m, str) else list(m)
    covs = (
        []
        if covariates is None
        else ([covariates] if isinstance(covariates, str) else list(covariates))
    )
    cols = [x, *ms, y, *covs]
    data, report = complete_cases(df, cols, "power_mediation(pilot=...)")
    notes = []
    if report.n_dropped:
        notes.append(f"pilot data: {report.reason}")
    for c in cols:
        if not pd.api.types.is_numeric_dtype(data[c]):
            raise DataValidationError(
                f"pilot column '{c}' is not numeric (dtype {data[c].dtype}); recode it as numbers"
            )
    if len(data) < len(cols) + 3:
        raise DataValidationError(
            f"pilot data has {len(data)} complete rows for {len(cols)} variables; "
            f"at least {len(cols) + 3} are needed"
        )
    Z = (data - data.mean()) / data.std(ddof=1)
    if not np.isfinite(Z.to_numpy()).all():
        raise DataValidationError("a pilot column is constant; it cannot be a predictor or outcome")
    exog = [x, *covs]
    R = Z[exog].corr().to_numpy()

    def ols(yv, preds):
        X = np.column_stack([np.ones(len(Z)), Z[preds].to_numpy()])
        coef, *_ = np.linalg.lstsq(X, Z[yv].to_numpy(), rcond=None)
        return coef[1:], Z[yv].to_numpy() - X @ coef

    a, d, resid = [], [], []
    cov_paths: dict[str, list[float]] = {c: [] for c in covs}
    for j, mj in enumerate(ms):
        preds = [x, *(ms[:j] if serial else []), *covs]
        coef, res = ols(mj, preds)
        a.append(float(coef[0]))
        if serial:
            d.extend(float(v) for v in coef[1 : 1 + j])
        for ci, c in enumerate(covs):
            cov_paths[c].append(float(coef[len(preds) - len(covs) + ci]))
        resid.append(res)
    coef, _ = ols(y, [x, *ms, *covs])
    for ci, c in enumerate(covs):
        cov_paths[c].append(float(coef[1 + len(ms) + ci]))
    # d is in the order M1->M2 (, M1->M3, M2->M3), as _build_population expects
    mcorr = np.corrcoef(np.vstack(resid)) if (len(ms) > 1 and not serial) else None
    notes.append(
        f"population values estimated from pilot data ({len(data)} rows): standardized OLS "
        "paths, correlations among X and covariates and the mediators' residual correlations "
        "are taken as the true values"
    )
    return (
        dict(
            a=a,
            b=[float(v) for v in coef[1 : 1 + len(ms)]],
            c_prime=float(coef[0]),
            d=d,
            mediators=ms,
            cov_names=covs,
            exog_corr=R,
            cov_paths=cov_paths,
            mediator_corr=mcorr,
        ),
        notes,
    )


def _from_mediation_result(res) -> tuple[dict, list[str]]:
    """Standardized population values from a fitted MediationResult."""
    if res.y_family != "gaussian" or res.x_levels:
        raise ModelError(
            "power from a MediationResult needs a continuous X and Y; give the standardized "
            "paths (a=, b=, c_prime=) instead"
        )
    if res.cluster:
        raise ModelError(
            "power from a clustered MediationResult is not supported; give the standardized "
            "paths with icc= and cluster_size= (design '2-1-1') instead"
        )
    tab = res.table.set_index("term")["estimate"]
    ms = list(res.mediators)
    first = "indirect:" + ms[0]
    std, pstd = f"indirect_std:{ms[0]}", f"indirect_partial_std:{ms[0]}"
    if std not in tab.index or pstd not in tab.index or tab[pstd] == 0:
        raise ModelError(
            "this MediationResult has no standardized indirect effects (fit it with "
            "standardize=True), so the SDs needed to standardize its paths are unknown; "
            "give a=, b=, c_prime= or the pilot DataFrame instead"
        )
    sd_x = float(tab[std] / tab[pstd])
    sd_y = float(tab[first] / tab[pstd])
    sd_m = {}
    for mm in ms:
        eq = res.equations[f"m:{mm}"]
        r2, mse, dfr = eq.attrs["r2"], eq.attrs["mse"], eq.attrs["df_resid"]
        sd_m[mm] = math.sqrt(mse * dfr / ((res.n - 1) * (1 - r2)))
    serial = res.model == 6
    a = [float(tab[f"a:{mm}"]) * sd_x / sd_m[mm] for mm in ms]
    b = [float(tab[f"b:{mm}"]) * sd_m[mm] / sd_y for mm in ms]
    d = []
    if serial:
        pairs = [(i, j) for j in range(len(ms)) for i in range(j)]
        d = [float(tab[f"d:{ms[i]}->{ms[j]}"]) * sd_m[ms[i]] / sd_m[ms[j]] for i, j in pairs]
    notes = [
        "population values from a fitted MediationResult: its path estimates, standardized "
        "with the sample SDs, are taken as the true values"
    ]
    if res.covariates:
        notes.append(
            "the pilot model's covariates are not simulated (their correlations are not stored "
            "in a MediationResult); pass the pilot DataFrame to include them"
        )
    return (
        dict(
            a=a,
            b=b,
            c_prime=float(tab["c_prime"]) * sd_x / sd_y,
            d=d,
            mediators=ms,
            serial=serial,
        ),
        notes,
    )


# =========================================================================== the API
def _int_list(n, what="n") -> list[int]:
    vals = [n] if isinstance(n, (int, np.integer)) else list(n)
    out = []
    for v in vals:
        if isinstance(v, bool) or not float(v).is_integer():
            raise ModelError(f"{what} must hold whole numbers (sample sizes), got {v!r}")
        out.append(int(v))
    if not out:
        raise ModelError(f"{what} must hold at least one sample size")
    return sorted(set(out))


def _setup(
    *,
    a,
    b,
    c_prime,
    design,
    d,
    serial,
    mediator_r,
    n_covariates,
    covariate_r,
    covariate_path,
    a_w,
    a_xw,
    w_r,
    icc,
    cluster_size,
    standardized,
    pilot,
    x,
    m,
    y,
    covariates,
    method,
    n_reps,
    n_boot,
    alpha,
    seed,
) -> tuple[Population, str, int, int, list[str]]:
    if design not in DESIGNS:
        raise ModelError(f"design must be one of {', '.join(DESIGNS)}; got {design!r}")
    if method not in METHODS:
        raise ModelError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    if not (isinstance(alpha, (int, float)) and 0 < alpha < 0.5):
        raise ModelError(f"alpha must be a significance level between 0 and 0.5, got {alpha!r}")
    if isinstance(n_reps, bool) or not isinstance(n_reps, (int, np.integer)) or n_reps < 1:
        raise ModelError(f"n_reps must be a whole number >= 1 (1000 recommended), got {n_reps!r}")
    if n_boot is None:
        n_boot = {"monte_carlo": 5000, "percentile": 1000, "joint": 0}[method]
    elif isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 1:
        raise ModelError(f"n_boot must be a whole number of draws/resamples, got {n_boot!r}")
    notes: list[str] = []
    extra: dict[str, Any] = {}
    if pilot is not None:
        if a is not None or b is not None:
            raise ModelError("give either the paths (a=, b=) or pilot=, not both")
        if isinstance(pilot, pd.DataFrame):
            extra, notes = _from_dataframe(pilot, x, m, y, covariates, serial)
            n_covariates = 0
        elif hasattr(pilot, "mediators") and hasattr(pilot, "equations"):
            extra, notes = _from_mediation_result(pilot)
            serial = extra.pop("serial")
        else:
            raise DataValidationError(
                f"pilot must be a DataFrame or a MediationResult (from ld.mediate), got "
                f"{type(pilot).__name__}"
            )
        a_vals, b_vals = extra.pop("a"), extra.pop("b")
        c_prime = extra.pop("c_prime")
        d_vals = extra.pop("d")
        if not standardized:
            raise ModelError("pilot values are standardized; leave standardized=True")
    else:
        if a is None or b is None:
            raise ModelError(
                "give the standardized paths a= (X -> M) and b= (M -> Y), or pilot= data / a "
                "fitted MediationResult"
            )
        a_vals, b_vals = _as_floats(a, "a"), _as_floats(b, "b")
        d_vals = _as_floats(d, "d")
    if len(a_vals) != len(b_vals):
        raise ModelError(
            f"a has {len(a_vals)} values and b has {len(b_vals)}; give one a and one b per mediator"
        )
    k = len(a_vals)
    if k == 0:
        raise ModelError("give at least one mediator path (a= and b=)")
    moderated = a_xw is not None
    clustered = icc is not None or cluster_size is not None
    if design == "auto":
        design = (
            "2-1-1"
            if clustered
            else "moderated"
            if moderated
            else "serial"
            if serial
            else ("parallel" if k > 1 else "simple")
        )
    if design == "serial":
        serial = True
    if serial and not 2 <= k <= 3:
        raise ModelError(
            f"serial mediation takes 2 or 3 mediators (a and b of length 2-3), got {k}"
        )
    if serial and not d_vals:
        raise ModelError("serial mediation needs the paths between mediators: d=0.3 (or a list)")
    if design == "simple" and k != 1:
        raise ModelError(f"design 'simple' has one mediator; a and b have {k} values")
    if design == "parallel" and k < 2:
        raise ModelError("design 'parallel' needs two or more mediators (a=[...], b=[...])")
    if design == "moderated":
        if not moderated:
            raise ModelError("design 'moderated' needs a_xw= (the X*W -> M interaction path)")
        if k != 1:
            raise ModelError("moderated mediation (PROCESS model 7) is planned for one mediator")
        _check_corr(w_r, "w_r")
    if design == "2-1-1":
        if icc is None or cluster_size is None:
            raise ModelError(
                "the 2-1-1 design needs icc= (share of Y's residual variance between mentors) "
                "and cluster_size= (mentees per mentor)"
            )
        if isinstance(icc, bool) or not (isinstance(icc, (int, float, np.number)) and 0 <= icc < 1):
            raise ModelError(f"icc must be a number in [0, 1), got {icc!r}")
        if (
            isinstance(cluster_size, bool)
            or not isinstance(cluster_size, (int, np.integer))
            or cluster_size < 1
        ):
            raise ModelError(
                f"cluster_size must be a whole number of mentees per mentor >= 1, got {cluster_size!r}"
            )
        if serial or moderated:
            raise ModelError("the 2-1-1 design is planned for simple or parallel mediation")
    elif clustered:
        raise ModelError(f"icc= and cluster_size= belong to design '2-1-1', not {design!r}")
    if moderated and design != "moderated":
        raise ModelError(f"a_xw= belongs to design 'moderated', not {design!r}")
    if (
        isinstance(n_covariates, bool)
        or not isinstance(n_covariates, (int, np.integer))
        or n_covariates < 0
    ):
        raise ModelError(f"n_covariates must be a whole number >= 0, got {n_covariates!r}")
    _check_corr(covariate_r, "covariate_r")
    _check_corr(mediator_r, "mediator_r")
    pop = _build_population(
        a=a_vals,
        b=b_vals,
        c_prime=_as_float(c_prime, "c_prime"),
        d=d_vals,
        serial=serial,
        mediator_r=float(mediator_r),
        n_covariates=int(n_covariates),
        covariate_r=float(covariate_r),
        covariate_path=_as_float(covariate_path, "covariate_path"),
        moderated=design == "moderated",
        a_w=_as_float(a_w, "a_w"),
        a_xw=_as_float(a_xw, "a_xw") if moderated else 0.0,
        w_r=float(w_r),
        icc=float(icc) if design == "2-1-1" else None,
        cluster_size=int(cluster_size) if design == "2-1-1" else None,
        standardized=standardized,
        **extra,
    )
    seed = check_seed(seed)
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**63))
    if design == "2-1-1":
        notes.append(
            "2-1-1 design: n is the number of mentors (clusters); X and M are mentor-level, Y is "
            "simulated for every mentee and analysed as mentor means (OLS on cluster means = "
            "the random-intercept model lmer(y ~ x + m + (1 | mentor)) with equal cluster sizes)"
        )
    if standardized:
        notes.append(
            "paths are standardized: X, covariates and W have unit variance and residual "
            "variances make every mediator and Y unit-variance"
        )
    else:
        notes.append("paths are raw coefficients with unit residual variances")
    return pop, design, int(n_boot), int(seed), notes


def _run_grid(pop, grid, *, n_reps, method, n_boot, alpha, seed, n_jobs, progress, desc="power"):
    from joblib import Parallel, delayed

    for n in grid:
        if n < pop.min_units():
            unit = "mentors" if pop.icc is not None else "rows"
            raise ModelError(
                f"sample size {n} is too small for this model: the largest equation has "
                f"{pop.max_predictors} predictors, so n must be at least {pop.min_units()} {unit}"
            )
    tasks = (
        delayed(power_at_n)(
            pop, n, n_reps=n_reps, method=method, n_boot=n_boot, alpha=alpha, seed=seed
        )
        for n in grid
    )
    runner = Parallel(n_jobs=n_jobs, return_as="generator")
    results = runner(tasks)
    if progress:
        from tqdm.auto import tqdm

        results = tqdm(results, total=len(grid), desc=desc, unit="n")
    return list(results)


def _clopper_pearson(k: np.ndarray, n: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    q = (1 - level) / 2
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore"):
        lo = np.where(k > 0, stats.beta.ppf(q, k, n - k + 1), 0.0)
        hi = np.where(k < n, stats.beta.ppf(1 - q, k + 1, n - k), 1.0)
    return lo, hi


def _tables(pop, runs, method, level):
    rows, prow = [], []
    for res in runs:
        nv = res["n_valid"]
        for eff, cnt in res["effects"].items():
            defined = method != "joint" or res["joint_defined"][eff]
            rows.append((res["n"], eff, cnt if defined else np.nan, nv, res["n_failed"]))
        for term, cnt in res["paths"].items():
            prow.append((res["n"], term, cnt, nv))
    tab = pd.DataFrame(rows, columns=["n", "effect", "k", "n_reps", "n_failed"])
    with np.errstate(invalid="ignore", divide="ignore"):
        tab["power"] = tab["k"] / tab["n_reps"]
    lo, hi = _clopper_pearson(tab["k"].to_numpy(), tab["n_reps"].to_numpy(), level)
    tab["power_ci_low"] = np.where(tab["k"].notna(), lo, np.nan)
    tab["power_ci_high"] = np.where(tab["k"].notna(), hi, np.nan)
    cols = ["n", "effect", "power", "power_ci_low", "power_ci_high", "n_reps", "n_failed"]
    if pop.icc is not None:
        tab["n_rows"] = tab["n"] * int(pop.cluster_size)
        cols.append("n_rows")
    tab = tab[cols].sort_values(["n", "effect"], kind="stable").reset_index(drop=True)
    paths = pd.DataFrame(prow, columns=["n", "term", "k", "n_reps"])
    paths["power"] = paths["k"] / paths["n_reps"]
    lo, hi = _clopper_pearson(paths["k"].to_numpy(), paths["n_reps"].to_numpy(), level)
    paths["power_ci_low"], paths["power_ci_high"] = lo, hi
    paths = paths[["n", "term", "power", "power_ci_low", "power_ci_high", "n_reps"]]
    return tab, paths.sort_values(["n", "term"], kind="stable").reset_index(drop=True)


_METHOD_NOTES = {
    "monte_carlo": (
        "Monte Carlo CI: in every replication, draws of the paths from N(estimates, their OLS "
        "covariance); significant when the percentile interval of the product excludes 0 "
        "(endpoints: order statistics k and D+1-k, k = floor((D+1) alpha / 2))"
    ),
    "percentile": (
        "percentile bootstrap CI in every replication (rows resampled; clusters in the 2-1-1 "
        "design); significant when the interval excludes 0"
    ),
    "joint": (
        "joint significance: an indirect effect counts as significant when every path in it "
        "is significant by its t-test; undefined (NA) for sums of indirect effects"
    ),
}


def power_mediation(
    a: float | Sequence[float] | None = None,
    b: float | Sequence[float] | None = None,
    c_prime: float = 0.0,
    *,
    n: int | Sequence[int] = DEFAULT_GRID,
    design: str = "auto",
    d: float | Sequence[float] | None = None,
    serial: bool = False,
    mediator_r: float = 0.0,
    n_covariates: int = 0,
    covariate_r: float = 0.0,
    covariate_path: float = 0.0,
    a_w: float = 0.0,
    a_xw: float | None = None,
    w_r: float = 0.0,
    icc: float | None = None,
    cluster_size: int | None = None,
    standardized: bool = True,
    pilot: Any = None,
    x: str | None = None,
    m: str | Sequence[str] | None = None,
    y: str | None = None,
    covariates: Sequence[str] | None = None,
    method: str = "monte_carlo",
    n_reps: int = 1000,
    n_boot: int | None = None,
    alpha: float = 0.05,
    power_ci_level: float = 0.95,
    seed: int | None = None,
    n_jobs: int | None = None,
    progress: bool = False,
) -> PowerResult:
    """Power of the indirect effect(s) of a mediation design over a grid of sample sizes.

    Parameters
    ----------
    a, b : float or list of float
        Paths X -> M and M -> Y (one value per mediator). Standardized by default (see
        ``standardized``).
    c_prime : float
        Direct path X -> Y.
    n : int or list of int
        Sample sizes (number of mentors, i.e. clusters, in the 2-1-1 design). Default 50, 100,
        ..., 500.
    design : {"auto", "simple", "parallel", "serial", "moderated", "2-1-1"}
        ``auto``: "2-1-1" when ``icc``/``cluster_size`` are given, "moderated" with ``a_xw``,
        "serial" with ``serial=True``, "parallel" with several mediators, else "simple".
    d : float or list of float
        Serial design: paths between mediators, in the order M1->M2 (, M1->M3, M2->M3); one
        number is used for all.
    serial : bool
        Serial mediation (PROCESS model 6) with 2-3 mediators (also for ``pilot``).
    mediator_r : float
        Parallel design: correlation of the mediators' residuals.
    n_covariates, covariate_r, covariate_path : int, float, float
        Covariates entered in every equation: how many, their correlation with X and with
        each other, and their (standardized) path into every mediator and Y.
    a_w, a_xw, w_r : float
        Moderated mediation (PROCESS model 7, ``M = a X + a_w W + a_xw X W``,
        ``Y = c' X + b M``): the W -> M path, the X*W -> M interaction (the index of moderated
        mediation is ``a_xw * b``) and the correlation of X and W.
    icc : float
        2-1-1 design: intraclass correlation of Y's residual (the share of the variance of Y
        not explained by X and M that lies between mentors).
    cluster_size : int
        2-1-1 design: mentees per mentor.
    standardized : bool
        True (default): path values are standardized coefficients; X, covariates and W are
        standard normal and each residual variance is ``1 - R^2`` so every variable has unit
        variance (an error names a variable whose paths explain all its variance). False: the
        values are raw coefficients and every residual variance is 1, the data-generating model
        of Fritz & MacKinnon (2007).
    pilot : DataFrame or MediationResult, optional
        Take the population values from pilot data (with ``x``, ``m``, ``y``, ``covariates``
        column names: standardized OLS paths, the correlations among X and covariates and the
        mediators' residual correlations) or from a fitted :func:`mediate` result (its paths,
        standardized with its sample SDs). Instead of ``a``/``b``/``c_prime``.
    method : {"monte_carlo", "percentile", "joint"}
        Test of the indirect effect in each replication: Monte Carlo CI (default), percentile
        bootstrap CI, or joint significance of the paths.
    n_reps : int
        Simulated data sets per sample size (1000 gives a power CI of about +-0.025).
    n_boot : int, optional
        Monte Carlo draws (default 5000) or bootstrap resamples (default 1000) per replication.
    alpha : float
        Significance level; the indirect-effect interval has level ``1 - alpha``.
    power_ci_level : float
        Level of the Clopper-Pearson interval on each power estimate.
    seed : int, optional
        Same seed -> identical results, sequentially or in parallel. None draws one (recorded).
    n_jobs : int, optional
        Sample sizes evaluated in parallel by ``joblib.Parallel(n_jobs=...)``. None uses
        joblib's default (sequential, unless a ``joblib.parallel_config`` says otherwise), so
        ``with joblib.parallel_config(backend="dask"):`` sends the grid to a Dask cluster.
    progress : bool
        A tqdm progress bar over the grid.

    Returns
    -------
    PowerResult
        ``.table``: ``n, effect, power, power_ci_low, power_ci_high, n_reps, n_failed``.

    Notes
    -----
    Data-generating model (standardized): ``M_j = a_j X + C g + e_j`` (serial: ``+ sum_i
    d_ij M_i``), ``Y = c' X + sum_j b_j M_j + C h + e_y``, normal residuals with variances
    ``1 - R^2``. In each replication the same model is fitted by OLS and the indirect effects
    (``a_j b_j``, chains ``a_1 d_21 b_2``, their sum, or the index ``a_xw b``) are tested.

    The 2-1-1 design simulates mentor-level X and M for ``n`` mentors and
    ``y_ij = c' x_j + b m_j + u_j + e_ij`` for ``cluster_size`` mentees each, with
    ``Var(u) = icc * psi`` and ``Var(e) = (1 - icc) * psi``, ``psi = 1 - R^2_y``; the Y
    equation is fitted to the mentor means (for equal cluster sizes the GLS = REML fixed
    effects of ``lmer(y ~ x + m + (1 | mentor))``, whose SE uses ``Var(ybar_j) = tau^2 +
    sigma^2 / m``). ``ld.mediate(..., cluster=...)`` gives the same point estimates with CR1
    cluster-robust SEs.

    Vectorised across replications: the (reps, n, q) data of a chunk of replications give all
    cross-product matrices ``V_r' V_r`` in one batched product; every equation of every
    replication is solved from them (batched normal equations). Monte Carlo: for each
    replication, ``n_boot`` draws of the paths from ``N(estimate, sigma^2 (X'X)^-1)`` (one
    (reps, draws, k) array per equation); the interval of the product is its percentile
    interval, and it excludes 0 when fewer than ``k = floor((D + 1) alpha / 2)`` draws lie on
    the other side of 0. Percentile bootstrap: each replication is bootstrapped on
    :func:`learning_direction.models.bootstrap.run_bootstrap` (frequency weights times per-row
    cross-products), with the same counting rule.

    Power CI: Clopper-Pearson (``binom.test(k, n_reps)$conf.int``). Replications whose fit is
    singular are counted in ``n_failed`` and left out of the denominator.

    Type I error (measured, single-level design, n = 100, alpha = .05; checked in the tests):
    with a = 0 and b = .39 the rejection rates were 5.2% (Monte Carlo CI, 4,000 replications),
    5.3% (joint significance, 4,000) and 5.2% (percentile bootstrap, 2,000 replications of
    1,000 resamples) -- at the nominal level within Monte Carlo error; with a = .39, b = 0:
    5.3% and 5.2% (Monte Carlo, joint). With a = b = 0 every test is very conservative: 0.2%
    (Monte Carlo), 0.3% (joint), 0.7% (percentile, 600 replications).

    Reproducibility: the replications at sample size ``n`` use the stream
    ``numpy.random.SeedSequence(seed, spawn_key=(n,))`` (the n-th child of
    ``SeedSequence(seed).spawn``), so results do not depend on the grid, ``n_jobs`` or the
    joblib backend.

    References
    ----------
    Fritz, M. S., & MacKinnon, D. P. (2007). Required sample size to detect the mediated
    effect. *Psychological Science*, 18, 233-239. Preacher, K. J., & Selig, J. P. (2012).
    Advantages of Monte Carlo confidence intervals for indirect effects. *Communication
    Methods and Measures*, 6, 77-98. Schoemann, A. M., Boulton, A. J., & Short, S. D. (2017).
    Determining power and sample size for simple and complex mediation models. *Social
    Psychological and Personality Science*, 8, 379-386. Pituch, K. A., Stapleton, L. M., &
    Kang, J. Y. (2006). A comparison of single sample and bootstrap methods to assess
    mediation in cluster randomized trials. *Multivariate Behavioral Research*, 41, 367-400.

    Examples
    --------
    >>> import learning_direction as ld
    >>> res = ld.power_mediation(a=0.39, b=0.39, n=[50, 100], n_reps=200, seed=1)
    >>> list(res.table.columns[:5])
    ['n', 'effect', 'power', 'power_ci_low', 'power_ci_high']

    In R: Schoemann et al.'s (2017) Monte Carlo power app for indirect effects, or a
    ``simsem::sim`` loop over ``lavaan::sem("m ~ a*x; y ~ b*m + x; ab := a*b")``.
    """
    pop, design, n_boot_used, seed, notes = _setup(
        a=a,
        b=b,
        c_prime=c_prime,
        design=design,
        d=d,
        serial=serial,
        mediator_r=mediator_r,
        n_covariates=n_covariates,
        covariate_r=covariate_r,
        covariate_path=covariate_path,
        a_w=a_w,
        a_xw=a_xw,
        w_r=w_r,
        icc=icc,
        cluster_size=cluster_size,
        standardized=standardized,
        pilot=pilot,
        x=x,
        m=m,
        y=y,
        covariates=covariates,
        method=method,
        n_reps=n_reps,
        n_boot=n_boot,
        alpha=alpha,
        seed=seed,
    )
    power_ci_level = check_level(power_ci_level, "power_ci_level")
    grid = _int_list(n)
    runs = _run_grid(
        pop,
        grid,
        n_reps=n_reps,
        method=method,
        n_boot=n_boot_used,
        alpha=alpha,
        seed=seed,
        n_jobs=n_jobs,
        progress=progress,
    )
    return _result(pop, design, runs, method, n_reps, n_boot_used, alpha, seed, standardized,
                   power_ci_level, notes)  # fmt: skip


def _result(
    pop, design, runs, method, n_reps, n_boot, alpha, seed, standardized, level, notes, **extra
):
    table, paths = _tables(pop, runs, method, level)
    notes = [*notes, _METHOD_NOTES[method]]
    if int(table["n_failed"].sum()):
        notes.append(
            f"{int(table['n_failed'].max())} replication(s) had a singular fit and were left out"
        )
    return PowerResult(
        table=table,
        paths=paths,
        population=_population_table(pop, standardized),
        design=design,
        method=method,
        effect=extra.pop("effect", pop.primary),
        n_reps=n_reps,
        n_boot=None if method == "joint" else n_boot,
        alpha=alpha,
        seed=seed,
        standardized=standardized,
        power_ci_level=level,
        icc=pop.icc,
        cluster_size=pop.cluster_size,
        notes=tuple(notes),
        **extra,
    )


def sample_size_mediation(
    target: float = 0.8,
    *,
    effect: str | None = None,
    n_min: int | None = None,
    n_max: int = 5000,
    n_jobs: int | None = None,
    progress: bool = False,
    **kwargs: Any,
) -> PowerResult:
    """Smallest sample size whose simulated power reaches ``target``.

    Parameters
    ----------
    target : float
        Required power (default .80).
    effect : str, optional
        Effect whose power counts (default: the design's headline effect, e.g.
        ``indirect_total`` for parallel mediators, the full chain for serial mediation,
        ``index`` for moderated mediation). Any label in ``PowerResult.table["effect"]``.
    n_min, n_max : int
        Search range (default: the smallest n the model can be fitted with, and 5000).
    n_jobs, progress
        As in :func:`power_mediation` (the bracketing grid runs in parallel).
    **kwargs
        Everything else of :func:`power_mediation` (paths, design, method, n_reps, seed, ...);
        not ``n``.

    Returns
    -------
    PowerResult
        ``.n_required`` (None if even ``n_max`` falls short), ``.target``, and ``.table``
        with every sample size evaluated during the search.

    Notes
    -----
    1. A first guess ``n0`` from the large-sample power of the paths' t-tests (normal
       approximation, product over the paths of the effect).
    2. Bracketing: power is simulated on the grid ``n0 * (0.6, 0.8, 1.0, 1.25, 1.6)`` (in
       parallel), widened by factors of 2 until one n falls short of and one reaches the target.
    3. Bisection on whole numbers between the largest n below and the smallest n at or above
       the target.

    Every n has its own random stream (see :func:`power_mediation`), so repeated evaluations
    agree and the search is reproducible. The simulated power is noisy (its CI is reported at
    the chosen n); bisection returns the smallest n found at or above the target, within that
    noise.

    References
    ----------
    Fritz, M. S., & MacKinnon, D. P. (2007). Required sample size to detect the mediated
    effect. *Psychological Science*, 18, 233-239. Schoemann, A. M., Boulton, A. J., & Short,
    S. D. (2017). Determining power and sample size for simple and complex mediation models.
    *Social Psychological and Personality Science*, 8, 379-386.

    Examples
    --------
    Medium paths (a = b = .39) tested with the joint-significance test; Fritz & MacKinnon
    (2007) report n = 78 for this design.

    >>> import learning_direction as ld
    >>> res = ld.sample_size_mediation(target=0.8, a=0.39, b=0.39, standardized=False,
    ...                                method="joint", n_reps=500, seed=1)
    >>> res.n_required
    77

    In R there is no single function: Schoemann et al.'s (2017) Monte Carlo power app for
    indirect effects evaluates one n at a time, and Fritz & MacKinnon (2007) tabulate n for
    common path sizes.
    """
    if "n" in kwargs:
        raise ModelError("sample_size_mediation searches n itself; give n_min= / n_max= instead")
    if not (isinstance(target, (int, float)) and 0 < target < 1):
        raise ModelError(f"target must be a power between 0 and 1 (e.g. 0.8), got {target!r}")
    params = {
        k: v
        for k, v in power_mediation.__kwdefaults__.items()
        if k not in ("n", "n_jobs", "progress")
    }
    for name in ("a", "b", "c_prime"):
        params[name] = {"a": None, "b": None, "c_prime": 0.0}[name]
    unknown = set(kwargs) - set(params)
    if unknown:
        raise ModelError(
            f"unknown argument(s) for sample_size_mediation: {', '.join(sorted(unknown))}"
        )
    params.update(kwargs)
    level = params.pop("power_ci_level")
    setup_args = {k: v for k, v in params.items()}
    pop, design, n_boot, seed, notes = _setup(**setup_args)
    method, n_reps, alpha = params["method"], params["n_reps"], params["alpha"]
    eff = effect or pop.primary
    if eff not in pop.effects:
        raise ModelError(
            f"effect {eff!r} is not in this design; choose one of "
            f"{', '.join(repr(e) for e in pop.effects)}"
        )
    if method == "joint" and len(pop.effects[eff]) > 1:
        raise ModelError(
            f"joint significance is not defined for {eff!r} (a sum of indirect effects); use "
            "method='monte_carlo' or a specific indirect effect"
        )
    lo_bound = max(pop.min_units(), int(n_min) if n_min is not None else 0)
    if n_max <= lo_bound:
        raise ModelError(f"n_max ({n_max}) must exceed n_min ({lo_bound})")
    cache: dict[int, dict] = {}

    def evaluate(ns):
        todo = sorted({int(v) for v in ns if int(v) not in cache})
        if todo:
            for r in _run_grid(pop, todo, n_reps=n_reps, method=method, n_boot=n_boot,
                               alpha=alpha, seed=seed, n_jobs=n_jobs, progress=progress,
                               desc="sample size"):  # fmt: skip
                cache[r["n"]] = r

    def power(nv):
        r = cache[nv]
        return r["effects"][eff] / max(r["n_valid"], 1)

    # 1. first guess from the normal approximation of the paths' t-tests
    n0 = lo_bound
    while n0 < n_max:
        pw = approx_path_power(pop, n0, alpha)
        if max(np.prod([pw[p] for p in names]) for _, names in pop.effects[eff]) >= target:
            break
        n0 = max(n0 + 1, int(n0 * 1.1))
    n0 = min(max(n0, lo_bound), n_max)
    # 2. bracketing
    grid = [min(n_max, max(lo_bound, round(n0 * f))) for f in (0.6, 0.8, 1.0, 1.25, 1.6)]
    evaluate(grid)
    while True:
        done = sorted(cache)
        below = [v for v in done if power(v) < target]
        above = [v for v in done if power(v) >= target]
        if above and (below or min(above) == lo_bound):
            break
        if not above:
            top = max(done)
            if top >= n_max:
                break
            evaluate([min(n_max, top * 2)])
        else:
            bottom = min(done)
            evaluate([max(lo_bound, bottom // 2)])
    # 3. bisection between the largest n below target (under the smallest n above) and it
    above = [v for v in sorted(cache) if power(v) >= target]
    n_req = None
    if above:
        hi = min(above)
        below = [v for v in sorted(cache) if v < hi and power(v) < target]
        lo = max(below) if below else hi
        while hi - lo > 1:
            mid = (lo + hi) // 2
            evaluate([mid])
            if power(mid) >= target:
                hi = mid
            else:
                lo = mid
        n_req = hi
    runs = [cache[v] for v in sorted(cache)]
    notes = list(notes)
    if n_req is None:
        notes.append(
            f"the target power {target} was not reached at n_max = {n_max}; raise n_max or "
            "revisit the effect sizes"
        )
    else:
        r = cache[n_req]
        k_, nv = r["effects"][eff], r["n_valid"]
        lo_ci, hi_ci = _clopper_pearson(np.array([k_]), np.array([nv]), level)
        notes.append(
            f"smallest n with simulated power >= {target} for {eff}: {n_req} "
            f"(power {k_ / nv:.3f}, {100 * level:g}% CI {lo_ci[0]:.3f} to {hi_ci[0]:.3f})"
        )
    return _result(pop, design, runs, method, n_reps, n_boot, alpha, seed,
                   params["standardized"], level, notes, effect=eff, n_required=n_req,
                   target=float(target))  # fmt: skip
