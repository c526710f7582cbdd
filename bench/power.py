"""Benchmark: a simple-mediation power curve, learning_direction vs a replication-by-replication loop.

Workload (the target of issue 7): power of the indirect effect a*b (a = b = .39, c' = 0) over
10 sample sizes (50, 100, ..., 500), 1,000 replications each, a 95% interval from 5,000 draws
per replication. Target: under 10 seconds on 2 cores.

* ``learning_direction``: ``ld.power_mediation(..., method="monte_carlo")``, sequential
  (``n_jobs=1``) and over 2 joblib workers (``n_jobs=2``).
* ``pingouin loop``: the straightforward approach -- for every replication, simulate a data set
  and call ``pingouin.mediation_analysis`` (percentile bootstrap with ``n_boot=5000``, the
  number of draws of the Monte Carlo interval). It needs hours for the full workload, so it is
  **timed on a subset** (``--loop-reps`` replications at n = 50 and at n = 500) and the time per
  replication is **extrapolated** linearly in n to the 10 x 1,000 replications; the printout
  says so.

Usage::

    python bench/power.py               # full learning_direction workload + pingouin subset
    python bench/power.py --loop-reps 3 # smaller pingouin subset
"""

from __future__ import annotations

import argparse
import time

import numpy as np

GRID = list(range(50, 501, 50))
N_REPS = 1000
N_DRAWS = 5000
A = B = 0.39


def run_ours(n_jobs: int) -> tuple[float, object]:
    import learning_direction as ld

    # warm-up (numpy kernels; with n_jobs > 1 also starts joblib's worker processes)
    ld.power_mediation(a=A, b=B, n=[50, 60], n_reps=20, n_boot=500, seed=0, n_jobs=n_jobs)
    t0 = time.perf_counter()
    res = ld.power_mediation(
        a=A, b=B, n=GRID, n_reps=N_REPS, n_boot=N_DRAWS, seed=2026, n_jobs=n_jobs
    )
    return time.perf_counter() - t0, res


def _one_loop_replication(n: int, rng: np.random.Generator) -> bool:
    import pandas as pd
    import pingouin as pg

    x = rng.standard_normal(n)
    m = A * x + np.sqrt(1 - A**2) * rng.standard_normal(n)
    y = B * m + np.sqrt(1 - B**2) * rng.standard_normal(n)
    df = pd.DataFrame({"x": x, "m": m, "y": y})
    out = pg.mediation_analysis(
        data=df, x="x", m="m", y="y", n_boot=N_DRAWS, seed=int(rng.integers(2**31))
    )
    row = out[out["path"] == "Indirect"].iloc[0]
    return bool(row["CI2.5"] > 0 or row["CI97.5"] < 0)


def time_loop(n: int, reps: int) -> float:
    """Seconds per replication of the pingouin loop at sample size n."""
    rng = np.random.default_rng(1)
    _one_loop_replication(n, rng)  # warm-up (imports)
    t0 = time.perf_counter()
    for _ in range(reps):
        _one_loop_replication(n, rng)
    return (time.perf_counter() - t0) / reps


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--loop-reps", type=int, default=5, help="pingouin replications timed per n"
    )
    parser.add_argument("--skip-loop", action="store_true", help="time learning_direction only")
    args = parser.parse_args(argv)

    print(
        f"Power curve: simple mediation a = b = {A}, n = {GRID[0]}..{GRID[-1]} "
        f"({len(GRID)} sizes), {N_REPS} replications each, {N_DRAWS} draws per interval"
    )
    t1, res = run_ours(1)
    t2, res2 = run_ours(2)
    assert res.table.equals(res2.table), "parallel results must equal sequential ones"
    print(f"{'learning_direction, n_jobs=1':<44}{t1:>10.2f} s")
    print(f"{'learning_direction, n_jobs=2':<44}{t2:>10.2f} s   (target < 10 s)")
    print(res.curve()[["n", "power", "power_ci_low", "power_ci_high"]].to_string(index=False))
    if args.skip_loop:
        return
    s50 = time_loop(50, args.loop_reps)
    s500 = time_loop(500, args.loop_reps)
    per_rep = [s50 + (s500 - s50) * (n - 50) / 450 for n in GRID]
    total = N_REPS * sum(per_rep)
    print(
        f"{'pingouin.mediation_analysis loop (extrap.)':<44}{total:>10.0f} s"
        f"   = {total / 3600:.1f} h, EXTRAPOLATED from {args.loop_reps} timed replications "
        f"at n = 50 ({s50:.2f} s each) and n = 500 ({s500:.2f} s each), linear in n"
    )
    print(f"speed-up of the faster learning_direction run: {total / min(t1, t2):,.0f}x")


if __name__ == "__main__":
    main()
