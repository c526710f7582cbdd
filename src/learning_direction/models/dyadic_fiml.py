"""The APIM by full-information maximum likelihood: ``ld.apim(..., missing="fiml")``.

The pairwise (one row per dyad) data keep every dyad with at least one model variable: the
two members' predictors, the covariates and the two outcomes, missing values included. The
model -- two regressions with correlated residuals, every predictor modelled (lavaan's
``fixed.x = FALSE``, so that dyads with a missing predictor are kept) -- is fitted by FIML on
the SEM engine (:func:`~learning_direction.models.sem.fit_sem`, observed-information SEs),
once free and once with each equality constraint, for the likelihood-ratio tests.

Without constraints the APIM is the saturated model reparametrised, so its estimates are the
regressions implied by the FIML means and covariance matrix; the bootstrap of the k ratios
therefore refits only the saturated model by EM in every resample, batched
(:mod:`._fiml_batch`).

Examples
--------
The bundled ``dyads`` data with a fifth of the mentees' satisfaction and a few learning
orientations missing: listwise, 51 of 200 dyads would be left out; FIML uses all of them.

>>> import numpy as np
>>> import learning_direction as ld
>>> dyads = ld.load_dataset("dyads")
>>> rng = np.random.default_rng(3)
>>> mentee = dyads["role"] == "mentee"
>>> dyads.loc[mentee & (rng.random(len(dyads)) < 0.2), "satisfaction"] = np.nan
>>> dyads.loc[rng.random(len(dyads)) < 0.05, "learning_orientation"] = np.nan
>>> res = ld.apim(dyads, x="learning_orientation", y="satisfaction", missing="fiml",
...               k_ci="delta")
>>> res.n, res.n_dropped, res.n_patterns
(200, 0, 6)
>>> tab = res.table.set_index("term")
>>> print(tab.loc[["actor_mentor", "actor_mentee", "partner_mentee_to_mentor",
...                "partner_mentor_to_mentee"], ["estimate", "se"]].round(3))
                          estimate     se
term
actor_mentor                 0.389  0.063
actor_mentee                 0.368  0.079
partner_mentee_to_mentor     0.243  0.064
partner_mentor_to_mentee     0.141  0.081

In lavaan, on the pairwise data ``w`` (``reshape(..., direction = "wide", sep = "_")``)::

    lavaan::sem("satisfaction_mentor ~ learning_orientation_mentor + learning_orientation_mentee
                 satisfaction_mentee ~ learning_orientation_mentee + learning_orientation_mentor
                 satisfaction_mentor ~~ satisfaction_mentee
                 learning_orientation_mentor ~~ learning_orientation_mentee",
                data = w, missing = "ml", fixed.x = FALSE)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..exceptions import ModelError
from ._fiml_batch import PatternSums, regression
from ._types import FloatArray, as_float
from .bootstrap import BootDraws, run_bootstrap
from .sem.api import fit_sem
from .sem.sampledata import pattern_table
from .sem.saturated import PatternData, em_saturated

__all__ = [
    "FIMLAPIMFit",
    "apim_syntax",
    "fit_apim_fiml",
    "k_bootstrap_fiml",
    "patterns_of",
    "residual_corr",
]


@dataclass(frozen=True)
class FIMLAPIMFit:
    """One FIML APIM fit in the layout of the GLS engine: ``beta`` stacks equation 1
    (intercept, actor, partner, covariates) and equation 2, with its covariance ``cov_beta``;
    ``sigma`` the residual covariance matrix, ``sigma_se`` the SEs of ``s11, s12, s22`` and
    ``sigma_vcov`` their covariance matrix; ``loglik`` of all modelled variables."""

    beta: FloatArray
    cov_beta: FloatArray
    sigma: FloatArray
    sigma_se: FloatArray
    sigma_vcov: FloatArray
    loglik: float
    converged: bool


def _names(n_cov: int) -> tuple[list[str], list[str]]:
    """Model variable names used in the syntax: the predictors and the two outcomes."""
    return ["xa", "xb", *[f"c{j}" for j in range(1, n_cov + 1)]], ["ya", "yb"]


def apim_syntax(n_cov: int, equal_actor: bool, equal_partner: bool) -> str:
    """lavaan syntax of the APIM on the variables ``xa, xb`` (the two members' x), ``c1..``
    (covariates) and ``ya, yb`` (the outcomes), with every exogenous covariance written out.

    Examples
    --------
    >>> from learning_direction.models.dyadic_fiml import apim_syntax
    >>> print(apim_syntax(0, equal_actor=True, equal_partner=False))
    ya ~ i1*1 + actor*xa + b1_2*xb
    yb ~ i2*1 + actor*xb + b2_2*xa
    ya ~~ s11*ya
    yb ~~ s22*yb
    ya ~~ s12*yb
    xa ~~ xb
    """
    preds, _ = _names(n_cov)
    covs = preds[2:]
    lab1 = ["actor" if equal_actor else "b1_1", "partner" if equal_partner else "b1_2"]
    lab2 = ["actor" if equal_actor else "b2_1", "partner" if equal_partner else "b2_2"]
    lab1 += [f"b1_{j + 3}" for j in range(n_cov)]
    lab2 += [f"b2_{j + 3}" for j in range(n_cov)]
    rhs1 = [f"{lb}*{v}" for lb, v in zip(lab1, ["xa", "xb", *covs])]
    rhs2 = [f"{lb}*{v}" for lb, v in zip(lab2, ["xb", "xa", *covs])]
    lines = [
        f"ya ~ i1*1 + {' + '.join(rhs1)}",
        f"yb ~ i2*1 + {' + '.join(rhs2)}",
        "ya ~~ s11*ya",
        "yb ~~ s22*yb",
        "ya ~~ s12*yb",
    ]
    lines += [f"{u} ~~ {v}" for i, u in enumerate(preds) for v in preds[i + 1 :]]
    return "\n".join(lines)


def _labels(n_cov: int, equal_actor: bool, equal_partner: bool) -> list[str]:
    """The parameter label of every position of the stacked ``beta``."""
    eq1 = ["i1", "actor" if equal_actor else "b1_1", "partner" if equal_partner else "b1_2"]
    eq2 = ["i2", "actor" if equal_actor else "b2_1", "partner" if equal_partner else "b2_2"]
    return eq1 + [f"b1_{j + 3}" for j in range(n_cov)] + eq2 + [f"b2_{j + 3}" for j in range(n_cov)]


def fit_apim_fiml(
    values: FloatArray, n_cov: int, specs: dict[str, tuple[bool, bool]]
) -> dict[str, FIMLAPIMFit]:
    """FIML fits of the APIM to ``values`` (columns: x of role 1, x of role 2, the covariates,
    y of role 1, y of role 2; NaN where missing) under each constraint set of ``specs``."""
    preds, outs = _names(n_cov)
    frame = pd.DataFrame(values, columns=[*preds, *outs])
    fits = {}
    for key, (ea, ep) in specs.items():
        try:
            res = fit_sem(frame, apim_syntax(n_cov, ea, ep), missing="fiml", fixed_x=False)
        except np.linalg.LinAlgError:
            raise ModelError(
                "apim (missing='fiml'): the model cannot be estimated (singular information); "
                "check for constant or collinear variables"
            ) from None
        labels = _labels(n_cov, ea, ep)
        tab = res.table.query("op != ':='").drop_duplicates("label").set_index("label")
        vc = res.vcov
        s_lab = ["s11", "s12", "s22"]
        s = tab.loc[s_lab, "estimate"].to_numpy(dtype=float)
        fits[key] = FIMLAPIMFit(
            beta=tab.loc[labels, "estimate"].to_numpy(dtype=float),
            cov_beta=vc.loc[labels, labels].to_numpy(dtype=float),
            sigma=np.array([[s[0], s[1]], [s[1], s[2]]]),
            sigma_se=tab.loc[s_lab, "se"].to_numpy(dtype=float),
            sigma_vcov=vc.loc[s_lab, s_lab].to_numpy(dtype=float),
            loglik=float(res.fit["loglik"].iloc[0]),
            converged=bool(res.converged),
        )
    return fits


def residual_corr(fit: FIMLAPIMFit, z: float) -> dict[str, float]:
    """The residual correlation with its delta-method SE (from the covariance of ``s11, s12,
    s22``), a Fisher-z interval and the p-value of ``atanh(r) / SE(atanh(r))``."""
    s11, s12, s22 = fit.sigma[0, 0], fit.sigma[0, 1], fit.sigma[1, 1]
    r = s12 / math.sqrt(s11 * s22)
    grad = np.array([-r / (2 * s11), 1 / math.sqrt(s11 * s22), -r / (2 * s22)])
    se = float(math.sqrt(grad @ fit.sigma_vcov @ grad))
    se_z = se / (1 - r**2)
    zr = math.atanh(r)
    return {
        "estimate": r,
        "se": se,
        "ci_low": math.tanh(zr - z * se_z),
        "ci_high": math.tanh(zr + z * se_z),
        "p_value": float(2 * stats.norm.sf(abs(zr) / se_z)),
    }


def patterns_of(values: FloatArray, names: list[str]) -> tuple[PatternData, pd.DataFrame]:
    """The rows (standardized) by missing-data pattern, and the table of patterns."""
    center = np.nanmean(values, axis=0)
    scale = np.nanstd(values, axis=0)
    data = PatternData.build(tuple(names), (values - center) / scale)
    return data, pattern_table((data,), (None,))


def k_bootstrap_fiml(
    values: FloatArray, n_cov: int, labels: list[str], n_boot: int, seed: int
) -> BootDraws:
    """The two k ratios in ``n_boot`` resamples of dyads (free model: the regressions implied
    by each resample's saturated FIML moments, all resamples' EM at once)."""
    center = np.nanmean(values, axis=0)
    scale = np.nanstd(values, axis=0)
    p = values.shape[1]
    data = PatternData.build(tuple(f"v{j}" for j in range(p)), (values - center) / scale)
    sat = em_saturated(data, tol=1e-10)
    sums = PatternSums(data, sat.mu, sat.sigma)
    covs = list(range(2, 2 + n_cov))
    ya, yb = p - 2, p - 1

    def k_ratios(mu_s: FloatArray, sigma_s: FloatArray) -> FloatArray:
        mu = mu_s * scale + center
        sigma = sigma_s * scale[:, None] * scale[None, :]
        b1, _, s1 = regression(mu, sigma, ya, [0, 1, *covs])
        b2, _, s2 = regression(mu, sigma, yb, [1, 0, *covs])
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.column_stack([b1[:, 1] / b1[:, 0], b2[:, 1] / b2[:, 0]])
        out[s1 | s2] = np.nan
        return as_float(out)

    class _Stat:
        def __call__(self, W: FloatArray) -> FloatArray:
            return self.finish(self.sums(W))

        def sums(self, W: FloatArray) -> FloatArray:
            return sums.sums(W)

        def finish(self, S: FloatArray) -> FloatArray:
            mu, sigma, bad = sums.em(S)
            out = k_ratios(mu, sigma)
            out[bad] = np.nan
            return out

    return run_bootstrap(
        _Stat(), len(values), n_boot=n_boot, seed=seed, labels=labels, progress=False, warn=False
    )
