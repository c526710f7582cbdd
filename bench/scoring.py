"""Scoring and reliability at scale: ``ld.score`` and ``ld.reliability`` vs R psych (issue 18).

Workload: 200,000 respondents x 40 items in 4 subscales of 10 (every fourth item reverse
keyed), answers 1-5 from a one-factor model per subscale, 2% of the answers missing at random.

* ``ld.score(df, scale)`` (mean of the answered items, reverse keying) vs
  ``psych::scoreFast(keys, items, impute = "none", min = 1, max = 5)`` (and, once,
  ``psych::scoreItems``, which also computes alpha and the item-scale correlations);
* ``ld.reliability(df, scale)`` (alpha, standardized alpha, G6, Feldt CI, omega total from a
  one-factor ML fit, and the item statistics for the 4 subscales) vs 4 calls of
  ``psych::alpha``.

Python and R run on the same CSV, alternately (``--reps`` rounds), each timed inside its own
process after reading the data and one warm-up call (Python also times the in-memory frame
``make_data`` built with ``DataFrame.mask``, the "(mask frame)" rows); the table shows the best and the median
of the rounds (wall clock; our calls also as process CPU time, which other jobs on the machine
disturb less), and the load average during the run. The script checks that our scores equal
scoreFast's (to 1e-12) and our alphas psych's (to 1e-10).

Usage::

    .venv/bin/python bench/scoring.py            # 3 rounds
    .venv/bin/python bench/scoring.py --reps 5 --no-r
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

N, SUBSCALES, ITEMS = 200_000, 4, 10

R_SCRIPT = r"""
suppressPackageStartupMessages(library(psych))
args <- commandArgs(TRUE)
d <- read.csv(args[1])
keys <- jsonlite::fromJSON(args[2])
reps <- as.integer(args[3])
full <- as.logical(args[4])
keys <- lapply(keys, function(k) k)
invisible(scoreFast(keys, d[1:1000, ], impute = "none", min = 1, max = 5))
time_it <- function(f) { t <- system.time(f()); unname(t["elapsed"]) }
out <- list(scoreFast = c(), alpha4 = c())
for (r in seq_len(reps)) {
  out$scoreFast <- c(out$scoreFast, time_it(function()
    sf <<- scoreFast(keys, d, impute = "none", min = 1, max = 5)))
  out$alpha4 <- c(out$alpha4, time_it(function()
    al <<- lapply(names(keys), function(s) {
      k <- keys[[s]]
      alpha(d[, sub("^-", "", k)], keys = sub("^-", "", k[startsWith(k, "-")]),
            warnings = FALSE)
    })))
}
if (full) out$scoreItems <- time_it(function()
  scoreItems(keys, d, impute = "none", min = 1, max = 5))
out$score_head <- unname(as.matrix(sf[1:50, ]))
out$alpha <- sapply(al, function(a) a$total$raw_alpha)
cat(jsonlite::toJSON(out, digits = NA))
"""


def make_data(seed: int = 2026):
    """The bench data set (a DataFrame) and its scale definition (a dict)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    cols, subs = {}, {}
    for s in range(SUBSCALES):
        f = rng.normal(size=N)
        items = []
        for j in range(ITEMS):
            rev = j % 4 == 3
            iid = f"s{s + 1}_{j + 1}"
            z = 0.7 * f + 0.7 * rng.normal(size=N)
            cols[iid] = np.clip(np.round(3 + (-z if rev else z)), 1, 5)
            items.append({"id": iid, "reverse": rev})
        subs[f"sub{s + 1}"] = {"items": items}
    df = pd.DataFrame(cols)
    df = df.mask(rng.random(df.shape) < 0.02)
    scale = {"name": "bench40", "title": "bench", "response": {"min": 1, "max": 5}}
    scale["subscales"] = subs
    return df, scale


def r_keys(scale: dict) -> dict[str, list[str]]:
    return {
        name: [("-" if i["reverse"] else "") + i["id"] for i in sub["items"]]
        for name, sub in scale["subscales"].items()
    }


def time_ours(df, scale, reps: int) -> dict:
    import learning_direction as ld

    sc = ld.load_scale(scale)
    ld.score(df.iloc[:1000], sc)
    ld.reliability(df.iloc[:1000], sc)
    out: dict = {"score": [], "reliability": [], "cpu": {"score": [], "reliability": []}}
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        res = ld.score(df, sc)
        out["score"].append(time.perf_counter() - t0)
        out["cpu"]["score"].append(time.process_time() - c0)
        t0, c0 = time.perf_counter(), time.process_time()
        rel = ld.reliability(df, sc)
        out["reliability"].append(time.perf_counter() - t0)
        out["cpu"]["reliability"].append(time.process_time() - c0)
    out["score_head"] = res.scores.iloc[:50].to_numpy()
    out["alpha"] = rel.table["alpha"].to_numpy()
    return out


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def main(argv: list[str] | None = None) -> int:
    import numpy as np

    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--reps", type=int, default=3, help="rounds (default 3)")
    ap.add_argument("--no-r", action="store_true", help="skip R")
    args = ap.parse_args(argv)
    df, scale = make_data()
    have_r = not args.no_r and shutil.which("Rscript") is not None
    print(
        f"{time.strftime('%Y-%m-%d %H:%M')}: {N:,} x {SUBSCALES * ITEMS} items, "
        f"{SUBSCALES} subscales, 2% missing; {os.cpu_count()} CPUs; load {load()}"
    )
    times: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}  # process CPU time of our calls (R reports elapsed only)
    loads = []
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "items.csv"
        df.to_csv(csv, index=False)
        r_last: dict = {}
        ours: dict = {}
        # Python times the frame read from the same CSV as R (one column per array, as
        # read_csv gives it), and also the in-memory frame make_data() built with
        # DataFrame.mask, whose columns are strided views of one row-major block (copying
        # them into a column-major item matrix is a transpose: slower)
        from_csv = __import__("pandas").read_csv(csv)
        for rnd in range(args.reps):  # alternate: both see the same load
            loads.append(os.getloadavg()[0])
            ours = time_ours(from_csv, scale, 1)
            masked = time_ours(df, scale, 1)
            for k in ("score", "reliability"):
                for label, run in ((f"ld.{k}", ours), (f"ld.{k} (mask frame)", masked)):
                    times.setdefault(label, []).extend(run[k])
                    cpu.setdefault(label, []).extend(run["cpu"][k])
            if have_r:
                full = rnd == 0
                cmd = ["Rscript", "-e", R_SCRIPT, str(csv), json.dumps(r_keys(scale)), "1"]
                proc = subprocess.run([*cmd, str(full).upper()], capture_output=True, text=True)
                if proc.returncode != 0:
                    print("R failed:", proc.stderr[-1500:])
                    have_r = False
                    continue
                r_last = json.loads(proc.stdout)
                times.setdefault("psych::scoreFast", []).extend(r_last["scoreFast"])
                times.setdefault("4 x psych::alpha", []).extend(r_last["alpha4"])
                if full:
                    times["psych::scoreItems"] = [float(np.ravel(r_last["scoreItems"])[0])]
    print(f"load average during the rounds: {min(loads):.1f}-{max(loads):.1f}")
    hdr = f"{'call':<30}{'best s':>9}{'median s':>10}{'CPU best':>10}{'CPU med':>9}{'rounds':>8}"
    print(hdr)
    print("-" * len(hdr))
    for k, v in times.items():
        c = cpu.get(k)
        cpu_cols = f"{min(c):>10.3f}{statistics.median(c):>9.3f}" if c else f"{'-':>10}{'-':>9}"
        print(f"{k:<30}{min(v):>9.3f}{statistics.median(v):>10.3f}{cpu_cols}{len(v):>8}")
    if r_last:
        sf = np.array(r_last["score_head"], dtype=float)
        ok_s = np.allclose(ours["score_head"], sf, rtol=0, atol=1e-12, equal_nan=True)
        ok_a = np.allclose(ours["alpha"], r_last["alpha"], rtol=0, atol=1e-10)
        print(f"scores equal scoreFast's: {ok_s}; alphas equal psych::alpha's: {ok_a}")
        best = {k: min(v) for k, v in times.items()}
        print(
            f"ld.score vs scoreFast: {best['psych::scoreFast'] / best['ld.score']:.2f}x "
            f"(target >= 1); ld.reliability {best['ld.reliability']:.3f} s (target <= 0.3 s), "
            f"{best['4 x psych::alpha'] / best['ld.reliability']:.1f}x faster than 4 x alpha"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
