"""Coverage and bias of multilevel mediation estimators for a true 2-1-1 design.

Data-generating process (mentees ``i`` nested in mentors ``j``; 3-8 mentees per mentor, drawn
uniformly, so clusters are unbalanced):

    X_j ~ N(0, 1)                                   mentor level
    M_ij = a X_j + u_j + e_ij,        Var(u) = 0.25, Var(e) = 0.75     (ICC of M's residual .25)
    Y_ij = b_B mu_j + b_W (M_ij - mu_j) + c' X_j + v_j + f_ij,
                                      Var(v) = 0.15, Var(f) = 0.85
    mu_j = a X_j + u_j                (M's mentor-level, latent mean)

with a = 0.6, b_B = 0.5, b_W = 0 and c' = 0: a between-mentor indirect effect a * b_B = 0.30
and no within-mentor effect of M on Y. Each replication fits

* ``ld.multilevel_mediation(method="msem")`` -- latent cluster means (Preacher, Zyphur & Zhang
  2010), Monte Carlo CI;
* ``ld.multilevel_mediation(method="umm")`` -- observed cluster means (Zhang, Zyphur & Preacher
  2009), Monte Carlo CI;
* ``ld.mediate(..., cluster=..., design="single-level")`` -- the conflated single-level model
  (one b for within and between), CR1 cluster-robust SEs and a Monte Carlo CI;

and records the estimate of the indirect effect and whether each 95% interval covers 0.30
(and excludes 0). Coverage should be 93-97% (the Wilson 95% interval of each coverage is
reported); bias is the mean estimate minus 0.30.

Usage::

    python bench/multilevel_coverage.py                     # 500 replications at J = 60 and 120
    python bench/multilevel_coverage.py --reps 100 --jobs 2 --clusters 60
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings

import numpy as np
import pandas as pd

import learning_direction as ld

A, B_BETWEEN, B_WITHIN, C_PRIME = 0.6, 0.5, 0.0, 0.0
TRUE = A * B_BETWEEN
TAU_M, SIG_M, TAU_Y, SIG_Y = 0.25, 0.75, 0.15, 0.85


def simulate(rng: np.random.Generator, n_clusters: int) -> pd.DataFrame:
    sizes = rng.integers(3, 9, size=n_clusters)
    g = np.repeat(np.arange(n_clusters), sizes)
    x = rng.normal(size=n_clusters)
    mu = A * x + rng.normal(0, np.sqrt(TAU_M), n_clusters)
    m = mu[g] + rng.normal(0, np.sqrt(SIG_M), g.size)
    v = rng.normal(0, np.sqrt(TAU_Y), n_clusters)
    y = B_BETWEEN * mu[g] + B_WITHIN * (m - mu[g]) + C_PRIME * x[g] + v[g]
    y = y + rng.normal(0, np.sqrt(SIG_Y), g.size)
    return pd.DataFrame({"mentor": g, "x": x[g], "m": m, "y": y})


def one_replication(seed: np.random.SeedSequence, n_clusters: int, n_draws: int) -> dict:
    rng = np.random.default_rng(seed)
    df = simulate(rng, n_clusters)
    mc_seed = int(rng.integers(2**31))
    out = {}
    failed = (np.nan,) * 4
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for method in ("msem", "umm"):
            try:
                res = ld.multilevel_mediation(
                    df, "x", "m", "y", "mentor", method=method, n_draws=n_draws, seed=mc_seed
                )
            except ld.ModelError:  # counted as a failed fit
                out[method] = failed
                continue
            r = res.row("indirect_between")
            out[method] = (r["estimate"], r["se"], r["ci_low"], r["ci_high"])
        con = ld.mediate(
            df, "x", "m", "y", cluster="mentor", design="single-level", ci="monte_carlo",
            n_boot=n_draws, seed=mc_seed, standardize=False, progress=False,
        )  # fmt: skip
    r = con.table.set_index("term").loc["indirect:m"]
    out["conflated"] = (r["estimate"], r["se"], r["ci_low"], r["ci_high"])
    return out


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    p = k / n
    den = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / den
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / den
    return max(0.0, centre - half), min(1.0, centre + half)


def summarise(runs: list[dict], n_clusters: int) -> pd.DataFrame:
    rows = []
    names = {
        "msem": "MSEM (latent means), Monte Carlo CI",
        "umm": "UMM (observed means), Monte Carlo CI",
        "conflated": "single-level (conflated), CR1 + Monte Carlo CI",
    }
    for key, label in names.items():
        est, se, lo, hi = (np.array([r[key][k] for r in runs]) for k in range(4))
        ok = np.isfinite(est)
        est, se, lo, hi = est[ok], se[ok], lo[ok], hi[ok]
        covered = int(((lo <= TRUE) & (TRUE <= hi)).sum())
        w_lo, w_hi = wilson(covered, int(ok.sum()))
        rows.append(
            {
                "mentors": n_clusters,
                "estimator": label,
                "mean estimate": est.mean(),
                "bias": est.mean() - TRUE,
                "relative bias": (est.mean() - TRUE) / TRUE,
                "SD of estimates": est.std(ddof=1),
                "mean SE": se.mean(),
                "coverage": covered / int(ok.sum()),
                "coverage 95% CI": f"[{w_lo:.3f}, {w_hi:.3f}]",
                "power (CI excludes 0)": float(((lo > 0) | (hi < 0)).mean()),
                "failed fits": int((~ok).sum()),
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=500)
    ap.add_argument("--clusters", type=int, nargs="+", default=[60, 120])
    ap.add_argument("--draws", type=int, default=5000)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=20261207)
    args = ap.parse_args()
    from joblib import Parallel, delayed

    tables = []
    t0 = time.perf_counter()
    for k, n_clusters in enumerate(args.clusters):
        seeds = np.random.SeedSequence([args.seed, k]).spawn(args.reps)
        runs = Parallel(n_jobs=args.jobs)(
            delayed(one_replication)(s, n_clusters, args.draws) for s in seeds
        )
        tables.append(summarise(runs, n_clusters))
    table = pd.concat(tables, ignore_index=True)
    print(
        f"{args.reps} replications per condition, {args.draws} Monte Carlo draws, seed "
        f"{args.seed}; {time.perf_counter() - t0:.0f} s on {platform.machine()} "
        f"({args.jobs} job(s)), Python {platform.python_version()}, learning_direction "
        f"{ld.__version__}; true indirect effect {TRUE:.2f}"
    )
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.round(3).to_markdown(index=False))


if __name__ == "__main__":
    main()
