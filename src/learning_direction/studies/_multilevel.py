"""The null (intercept-only) multilevel model of Study 3: ICCs, mentor intercepts, caterpillar plot.

:func:`one_way_reml` fits ``y ~ 1 + (1 | group)`` by REML directly (one-dimensional profile
likelihood), which takes milliseconds where a general mixed-model optimiser can take seconds
on a 0/1 outcome; it equals ``lme4::lmer(y ~ 1 + (1 | group))`` and ``ld.mixed(df, "y ~ 1",
groups=...)`` (tests check the agreement). The plotting uses the shared figure style
(:mod:`learning_direction.figures._style`), so it can move to ``figures/`` unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ..figures._style import PALETTE, get_ax, publication_style

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["group_intercepts", "one_way_reml", "plot_caterpillar"]


def one_way_reml(data: pd.DataFrame, y: str, group: str) -> dict[str, float]:
    """REML fit of the null model ``y ~ 1 + (1 | group)``: variance components and ICCs.

    Parameters
    ----------
    data : DataFrame
        Rows with ``y`` and ``group``; rows missing either are left out (counted in
        ``n_dropped``).
    y, group : str

    Returns
    -------
    dict
        ``n, n_dropped, n_groups, mean_group_size, mu, tau2, sigma2, icc1, icc2``.

    Notes
    -----
    With :math:`r = \\tau^2/\\sigma^2`, :math:`w_j = n_j / (1 + n_j r)`, the GLS mean
    :math:`\\hat\\mu = \\sum w_j \\bar y_j / \\sum w_j`, the within sum of squares :math:`W` and
    :math:`Q = W + \\sum_j w_j (\\bar y_j - \\hat\\mu)^2`, the REML criterion profiled over
    :math:`\\sigma^2 = Q / (N - 1)` is
    :math:`(N-1)\\log\\sigma^2 + \\sum_j \\log(1 + n_j r) + \\log \\sum_j w_j`, minimised over
    :math:`\\log r` (bounded search; :math:`\\tau^2 = 0` is reached at the lower bound, lme4's
    singular fit). ICC(1) :math:`= \\tau^2/(\\tau^2+\\sigma^2)`; ICC(2) :math:`= k\\,ICC(1) / (1 +
    (k-1) ICC(1))` with :math:`k = N / J` (Bliese, 2000), as :func:`learning_direction.mixed`.
    """
    d = data[[group, y]].dropna()
    yy = d[y].to_numpy(float)
    g = d.groupby(group, sort=True, observed=True)[y]
    n = g.size().to_numpy(float)
    ybar = g.mean().to_numpy(float)
    within = float(((yy - g.transform("mean").to_numpy(float)) ** 2).sum())
    N, J = len(yy), len(n)

    def parts(log_r: float) -> tuple[float, float, float]:
        r = np.exp(log_r)
        w = n / (1 + n * r)
        mu = float((w * ybar).sum() / w.sum())
        s2 = (within + float((w * (ybar - mu) ** 2).sum())) / (N - 1)
        crit = (N - 1) * np.log(s2) + float(np.log1p(n * r).sum()) + float(np.log(w.sum()))
        return crit, mu, s2

    opt = optimize.minimize_scalar(
        lambda lr: parts(lr)[0], bounds=(-25.0, 8.0), method="bounded", options={"xatol": 1e-10}
    )
    log_r = float(opt.x)
    if parts(-25.0)[0] <= opt.fun:  # boundary: no between-group variance
        log_r = -np.inf
    r = float(np.exp(log_r))
    _, mu, s2 = parts(log_r)
    tau2 = r * s2
    icc1 = tau2 / (tau2 + s2)
    k = N / J
    return {
        "n": N,
        "n_dropped": int(len(data) - N),
        "n_groups": J,
        "mean_group_size": k,
        "mu": mu,
        "tau2": tau2,
        "sigma2": s2,
        "icc1": icc1,
        "icc2": k * icc1 / (1 + (k - 1) * icc1),
    }


def group_intercepts(
    data: pd.DataFrame,
    y: str,
    group: str,
    *,
    mu: float,
    tau2: float,
    sigma2: float,
    ci_level: float = 0.95,
) -> pd.DataFrame:
    """Empirical Bayes (BLUP) intercepts of ``y ~ 1 + (1 | group)`` with conditional SEs.

    Parameters
    ----------
    data : DataFrame
        Rows with ``y`` and ``group`` (missing ``y`` rows are ignored).
    y, group : str
    mu, tau2, sigma2 : float
        Fixed intercept, between-group and residual variance of the REML null model.
    ci_level : float

    Returns
    -------
    DataFrame
        ``group, n, mean, intercept, se, ci_low, ci_high`` sorted by ``intercept``.

    Notes
    -----
    :math:`\\hat u_j = \\lambda_j(\\bar y_j - \\hat\\mu)` with shrinkage
    :math:`\\lambda_j = \\tau^2 / (\\tau^2 + \\sigma^2 / n_j)` and conditional variance
    :math:`\\tau^2\\sigma^2 / (\\sigma^2 + n_j\\tau^2)`: R's ``ranef(fit, condVar = TRUE)`` for
    ``lmer(y ~ 1 + (1 | group))``.
    """
    d = data[[group, y]].dropna()
    g = d.groupby(group, sort=True, observed=True)[y]
    n = g.size().astype(float)
    mean = g.mean()
    lam = tau2 / (tau2 + sigma2 / n) if tau2 > 0 else n * 0.0
    u = lam * (mean - mu)
    se = np.sqrt(tau2 * sigma2 / (sigma2 + n * tau2)) if tau2 > 0 else n * 0.0
    z = stats.norm.ppf(0.5 + ci_level / 2)
    out = pd.DataFrame(
        {
            "group": n.index.astype(str),
            "n": n.to_numpy(int),
            "mean": mean.to_numpy(float),
            "intercept": u.to_numpy(float),
            "se": se.to_numpy(float),
        }
    )
    out["ci_low"] = out["intercept"] - z * out["se"]
    out["ci_high"] = out["intercept"] + z * out["se"]
    return out.sort_values(["intercept", "group"], kind="mergesort").reset_index(drop=True)


def plot_caterpillar(
    intercepts: pd.DataFrame,
    ax: Axes | None = None,
    *,
    ylabel: str = "Random intercept",
    xlabel: str = "Groups, ranked",
    title: str | None = None,
) -> Axes:
    """Caterpillar plot: each group's intercept with its CI, ranked; CIs off zero highlighted.

    Parameters
    ----------
    intercepts : DataFrame
        Output of :func:`group_intercepts`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = get_ax(ax, figsize=(7.0, 3.8))
    t = intercepts.reset_index(drop=True)
    x = np.arange(1, len(t) + 1)
    off = ((t["ci_low"] > 0) | (t["ci_high"] < 0)).to_numpy()
    with publication_style():
        for mask, color, label in (
            (~off, PALETTE[4], "CI includes 0"),
            (off, PALETTE[5], "CI excludes 0"),
        ):
            if not mask.any():
                continue
            est = t.loc[mask, "intercept"].to_numpy(float)
            ax.errorbar(
                x[mask], est,
                yerr=[est - t.loc[mask, "ci_low"].to_numpy(float),
                      t.loc[mask, "ci_high"].to_numpy(float) - est],
                fmt="o", markersize=3, color=color, ecolor=color, elinewidth=0.8, capsize=0,
                label=label,
            )  # fmt: skip
        ax.axhline(0.0, color="0.35", linewidth=0.8, linestyle="--", zorder=0)
        ax.set_xlim(0, len(t) + 1)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if title:
            ax.set_title(title, fontsize=10)
        ax.legend(frameon=False, loc="upper left", fontsize=8)
    return ax
