"""Benchmark of the SEM engine's FIML (missing-data) fits: Study 1 and one FIML CFA (issue 18).

Study 1 (``ld.run_study("study1")``) fits five FIML measurement models on 300 mentors with
113 missing-data patterns over 23 items (the five-factor CFA, and in the common-method checks
the Harman single factor, the unmeasured latent method factor and the marker-variable model).
In one process, after one untimed warm-up run, this times ``--reps`` runs of

* the whole of ``ld.run_study("study1")``: wall (``time.perf_counter``) and CPU
  (``time.process_time``) seconds;
* the part of it in ``studies.study1._measurement_model`` (the FIML fits), wall and CPU;
* one FIML CFA of the five scales on the same rows (``ld.cfa(..., missing="fiml")``).

It prints medians (and the range), the load average before and after (other jobs on a shared
machine inflate the wall times; the CPU time is less sensitive), and the source it ran, so an
older checkout can be timed with the same script::

    .venv/bin/python bench/sem_fiml.py
    git archive <commit> src | tar -x -C /tmp/old && PYTHONPATH=/tmp/old/src \\
        .venv/bin/python bench/sem_fiml.py
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from typing import Any


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()

    import numpy as np

    import learning_direction as ld
    from learning_direction.studies import study1

    captured: dict[str, Any] = {}
    inner = study1._measurement_model
    spent: list[float] = []
    spent_cpu: list[float] = []

    def timed(df: Any, marker: Any, notes: Any) -> Any:
        captured["df"] = df
        t0, c0 = time.perf_counter(), time.process_time()
        out = inner(df, marker, notes)
        spent.append(time.perf_counter() - t0)
        spent_cpu.append(time.process_time() - c0)
        return out

    study1._measurement_model = timed  # type: ignore[assignment]
    print(f"source: {os.path.dirname(ld.__file__)}")
    print(
        f"{platform.processor() or platform.machine()}, nproc {os.cpu_count()}, "
        f"Python {platform.python_version()}, numpy {np.__version__}"
    )
    print(f"before: {_load()}")
    ld.run_study("study1")  # warm-up: imports, numba, caches
    spent.clear()
    spent_cpu.clear()
    walls, cpus = [], []
    for _ in range(args.reps):
        w0, c0 = time.perf_counter(), time.process_time()
        ld.run_study("study1")
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    df = captured["df"]
    cfa_walls, cfa_cpus = [], []
    for _ in range(args.reps):
        w0, c0 = time.perf_counter(), time.process_time()
        ld.cfa(df, list(study1.MEASUREMENT_SCALES), missing="fiml")
        cfa_walls.append(time.perf_counter() - w0)
        cfa_cpus.append(time.process_time() - c0)
    print(f"after:  {_load()}")

    def row(label: str, values: list[float]) -> str:
        med = statistics.median(values)
        return f"{label:<48} {med:7.3f} s  (range {min(values):.3f}-{max(values):.3f})"

    print(f"medians of {args.reps} runs")
    print(row("run_study('study1') wall", walls))
    print(row("run_study('study1') CPU", cpus))
    print(row("  of which _measurement_model (FIML fits) wall", spent))
    print(row("  of which _measurement_model (FIML fits) CPU", spent_cpu))
    print(row("one FIML CFA (5 factors, 23 items) wall", cfa_walls))
    print(row("one FIML CFA CPU", cfa_cpus))


if __name__ == "__main__":
    main()
