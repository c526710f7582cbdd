"""Speed of ``ld.impute`` against R's ``mice`` on the same data (300 rows x 40 Likert items).

Workload: 40 seven-point items from two correlated factors, 5% of the cells missing completely
at random (every column incomplete), m = 20 imputations, 5 iterations, predictive mean matching
with 5 donors — ``mice::mice(d, m = 20, maxit = 5, method = "pmm")``. Both tools read the same
CSV; R is timed inside R (``system.time``), so R's start-up is not counted. Each timing is the
best of ``--repeat`` runs, as wall-clock seconds and as CPU seconds of the process (on a busy
shared machine the CPU seconds are the fairer comparison).

Usage::

    python bench/impute_speed.py                 # needs Rscript with mice for the R column
    python bench/impute_speed.py --no-r
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import learning_direction as ld

R_SCRIPT = """
suppressMessages(library(mice))
d <- read.csv(commandArgs(trailingOnly = TRUE)[1])
best <- c(Inf, Inf)
for (i in seq_len(as.integer(commandArgs(trailingOnly = TRUE)[2]))) {
  t <- system.time(mice(d, m = 20, maxit = 5, method = "pmm", seed = i, printFlag = FALSE))
  best <- pmin(best, c(t[["elapsed"]], t[["user.self"]] + t[["sys.self"]]))
}
cat(best, "\\n")
"""


def items(n: int = 300, k: int = 40, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.standard_normal((n, 2)) @ np.array([[1, 0.4], [0, 0.9]])
    load = np.zeros((2, k))
    load[0, : k // 2] = rng.uniform(0.5, 0.8, k // 2)
    load[1, k // 2 :] = rng.uniform(0.5, 0.8, k - k // 2)
    x = np.clip(np.round(4 + 1.2 * (f @ load + 0.7 * rng.standard_normal((n, k)))), 1, 7)
    d = pd.DataFrame(x, columns=[f"item_{j + 1}" for j in range(k)])
    return d.mask(rng.uniform(size=d.shape) < 0.05)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-r", action="store_true")
    args = ap.parse_args()
    d = items()
    ld.impute(d.head(60), m=2, seed=0, maxit=1)  # warm-up (imports), untimed
    ours, ours_cpu = [], []
    for i in range(args.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        ld.impute(d, m=20, seed=i, maxit=5)
        ours.append(time.perf_counter() - t0)
        ours_cpu.append(time.process_time() - c0)
    r_time = r_cpu = float("nan")
    if not args.no_r and shutil.which("Rscript"):
        with tempfile.TemporaryDirectory() as tmp:
            csv, script = Path(tmp, "items.csv"), Path(tmp, "mice.R")
            d.to_csv(csv, index=False, na_rep="")
            script.write_text(R_SCRIPT)
            out = subprocess.run(
                ["Rscript", str(script), str(csv), str(args.repeat)],
                capture_output=True,
                text=True,
                check=True,
            )
            r_time, r_cpu = (float(v) for v in out.stdout.split()[:2])
    load = os.getloadavg()[0]
    print(
        f"300 x 40 items, {int(d.isna().sum().sum())} missing cells, m = 20, maxit = 5; "
        f"{platform.machine()}, {os.cpu_count()} CPUs, load average {load:.1f}, "
        f"Python {platform.python_version()}, numpy {np.__version__}"
    )
    print(f"| tool | wall seconds (best of {args.repeat}) | CPU seconds |")
    print("| --- | ---: | ---: |")
    print(f"| ld.impute | {min(ours):.2f} | {min(ours_cpu):.2f} |")
    print(f"| mice 'pmm' (R) | {r_time:.2f} | {r_cpu:.2f} |")
    if np.isfinite(r_time):
        print(
            f"ratio mice / ld.impute: wall {r_time / min(ours):.1f}, CPU {r_cpu / min(ours_cpu):.1f}"
        )


if __name__ == "__main__":
    main()
