"""Benchmark of the SEM engine's two-level fits: the MSEM cluster bootstrap and one fit (issue 18).

In one process, after one untimed warm-up of each, this times ``--reps`` runs of

* the 200-resample cluster bootstrap of the 2-1-1 MSEM of ``tests/reference/
  multilevel_mediation.csv`` (70 clusters; ``ld.multilevel_mediation(..., ci="bootstrap",
  n_boot=200, seed=1)``, every resample a two-level ``ld.sem`` refit without SEs or baseline);
* one two-level fit with SEs and the baseline model (``fit_sem`` of the ``med_211`` fixture
  of ``tests/reference/sem_two_level.json``, 80 clusters);

wall (``time.perf_counter``) and CPU (``time.process_time``) seconds, medians and ranges, with
the load average before and after. ``--profile`` adds a cProfile of one bootstrap run (the
cumulative seconds of the engine's functions). An older checkout runs with the same script::

    .venv/bin/python bench/sem_twolevel.py
    git archive <commit> src | tar -x -C /tmp/old && PYTHONPATH=/tmp/old/src \\
        .venv/bin/python bench/sem_twolevel.py
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROFILED = (
    r"fitting.py:\d+\(estimate_model\)",
    r"engine.py:\d+\(_prepare_two_level\)",
    r"twolevel.py:\d+\(fit_saturated\)",
    r"engine.py:\d+\(estimate\)",
    r"optimize.py:\d+\(newton_minimize\)",
    r"optimize.py:\d+\(fd_jacobian",
    r"twolevel.py:\d+\(minus2_loglik",
    r"objective.py:\d+\(gradient",
    r"_linalg.py:\d+\(inv\)",
    r"frame.py:\d+\(__getitem__\)",
)


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def _time(fn: Callable[[], object], reps: int) -> tuple[list[float], list[float]]:
    fn()  # warm-up
    walls, cpus = [], []
    for _ in range(reps):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    import numpy as np

    sys.path.insert(0, str(ROOT / "tests"))
    import learning_direction as ld
    from _reference import reference_csv, reference_json
    from learning_direction.models.sem import fit_sem

    warnings.simplefilter("ignore")
    med = reference_json("multilevel_mediation.json")["fits"]["d211"]
    data = reference_csv("multilevel_mediation.csv")
    two = reference_json("sem_two_level.json")["fits"]["med_211"]
    two_data = reference_csv(two["data"])

    def bootstrap() -> object:
        return ld.multilevel_mediation(
            data, med["x"], med["m"], med["y"], "cluster", list(med["covariates"]),
            seed=1, ci="bootstrap", n_boot=200,
        )  # fmt: skip

    def one_fit() -> object:
        return fit_sem(two_data, two["model"], cluster="cluster")

    print(f"source: {os.path.dirname(ld.__file__)}")
    print(
        f"{platform.processor() or platform.machine()}, nproc {os.cpu_count()}, "
        f"Python {platform.python_version()}, numpy {np.__version__}"
    )
    print(f"before: {_load()}")
    boot = _time(bootstrap, args.reps)
    fit = _time(one_fit, args.reps)
    print(f"after:  {_load()}")

    def row(label: str, values: list[float], unit: float = 1.0, name: str = "s") -> str:
        med_, lo, hi = statistics.median(values) * unit, min(values) * unit, max(values) * unit
        return f"{label:<52} {med_:8.3f} {name}  (range {lo:.3f}-{hi:.3f})"

    print(f"medians of {args.reps} runs")
    print(row("MSEM cluster bootstrap, 200 refits: wall", boot[0]))
    print(row("MSEM cluster bootstrap, 200 refits: CPU", boot[1]))
    print(row("one two-level fit (med_211, SEs + baseline): wall", fit[0], 1e3, "ms"))
    print(row("one two-level fit (med_211, SEs + baseline): CPU", fit[1], 1e3, "ms"))
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        bootstrap()
        prof.disable()
        stats = pstats.Stats(prof)
        print("cProfile of one bootstrap run (cumulative s, with the profiler's overhead)")
        for pattern in PROFILED:
            stats.sort_stats("cumulative").print_stats(pattern, 3)


if __name__ == "__main__":
    main()
