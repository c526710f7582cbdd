"""Coverage of 95% bootstrap intervals for a known indirect effect (simple mediation, n = 200).

Data-generating process (standardised, one covariate):

    X ~ N(0, 1), C ~ N(0, 1)
    M = a X + 0.2 C + e_M,             e_M ~ N(0, 1)
    Y = b M + 0.1 X + 0.1 C + e_Y,     e_Y ~ N(0, 1)

with a = b = 0.3 (true indirect effect a*b = 0.09). Each replication fits
``ld.mediate(..., ci="bca")`` and reads the percentile interval from the same resamples, so both
methods see identical draws. Coverage is the share of replications whose interval contains
0.09; a 95% interval should cover 93–97% of the time (the Monte Carlo error of the coverage
itself is reported as a Wilson 95% interval).

Usage::

    python bench/interval_coverage.py                    # 1,000 replications x 2,000 resamples
    python bench/interval_coverage.py --reps 200 --boot 1000
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from learning_direction.models import bootstrap as bs
from learning_direction.models.mediation import mediate


def one_replication(rng: np.random.Generator, n: int, a: float, b: float, n_boot: int, seed: int):
    x = rng.normal(size=n)
    c = rng.normal(size=n)
    m = a * x + 0.2 * c + rng.normal(size=n)
    y = b * m + 0.1 * x + 0.1 * c + rng.normal(size=n)
    df = pd.DataFrame({"x": x, "m": m, "y": y, "c": c})
    res = mediate(
        df,
        "x",
        "m",
        "y",
        covariates=["c"],
        n_boot=n_boot,
        ci="bca",
        seed=seed,
        standardize=False,
        progress=False,
    )
    row = res.table.set_index("term").loc["indirect:m"]
    draws = res.boot_draws["indirect:m"].dropna().to_numpy()[:, None]
    plo, phi = bs.confidence_interval(draws, np.array([row["estimate"]]), method="percentile")
    return (plo[0], phi[0]), (row["ci_low"], row["ci_high"])


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    p = k / n
    den = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / den
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / den
    return centre - half, centre + half


def run(reps: int, n: int, n_boot: int, a: float = 0.3, b: float = 0.3, seed: int = 2026) -> dict:
    rng = np.random.default_rng(seed)
    truth = a * b
    hits = {"percentile": 0, "bca": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for r in range(reps):
            perc, bca = one_replication(rng, n, a, b, n_boot, seed + r)
            hits["percentile"] += perc[0] <= truth <= perc[1]
            hits["bca"] += bca[0] <= truth <= bca[1]
    return {k: (v / reps, *wilson(v, reps)) for k, v in hits.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--reps", type=int, default=1000)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--boot", type=int, default=2000)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    out = run(args.reps, args.n, args.boot)
    secs = time.perf_counter() - t0
    print(
        f"coverage of 95% intervals for a*b = 0.09, n = {args.n}, {args.reps} replications x {args.boot} resamples "
        f"({secs:.0f} s)"
    )
    ok = True
    for method, (cov, lo, hi) in out.items():
        flag = "ok" if 0.93 <= cov <= 0.97 else "OUTSIDE 93-97%"
        ok &= flag == "ok"
        print(
            f"  {method:<11} {100 * cov:5.1f}%   (Wilson 95% CI {100 * lo:.1f}–{100 * hi:.1f}%)  {flag}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
