"""Side-by-side benchmark: learning_direction.mediate vs PyProcessMacro and pingouin.

Workload: simple mediation (PROCESS model 4) with one covariate, 5,000 percentile-bootstrap
resamples, at n = 1,000, 10,000 and 100,000 rows (pingouin is skipped at 100,000: it needs
minutes). Every run happens in a fresh subprocess, so that

* wall time is the time of the call alone (data generated and libraries imported before the
  clock starts; one untimed warm-up call of our function at n = 200 to load numpy's kernels);
* peak memory is the subprocess's peak resident set size (``resource.getrusage(...).ru_maxrss``),
  reported together with its RSS just before the call, so the increase is the call's own
  working memory.

Point estimates (the indirect effect a*b) of every tool are checked against ours (to 1e-6 rel).

Usage::

    python bench/mediation.py            # n = 1,000, 10,000, 100,000
    python bench/mediation.py --quick    # skip n = 100,000
    make bench
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

N_BOOT = 5000
SIZES = (1_000, 10_000, 100_000)
TOOLS = ("learning_direction", "pyprocessmacro", "pingouin")


def make_data(n: int, seed: int = 2026):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    c = rng.normal(size=n)
    m = 0.3 * x + 0.2 * c + rng.normal(size=n)
    y = 0.3 * m + 0.1 * x + 0.1 * c + rng.normal(size=n)
    return pd.DataFrame({"x": x, "m": m, "y": y, "c": c})


def _rss_mb() -> float:
    import resource

    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return kb / 1024.0


def _current_rss_mb() -> float:
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    except ImportError:  # pragma: no cover
        return float("nan")


def worker(tool: str, n: int) -> dict:
    import warnings

    warnings.simplefilter("ignore")
    df = make_data(n)
    if tool == "learning_direction":
        from learning_direction.models.mediation import mediate

        mediate(make_data(200), "x", "m", "y", covariates=["c"], n_boot=200, seed=1, progress=False)

        def run():
            r = mediate(df, "x", "m", "y", covariates=["c"], n_boot=N_BOOT, seed=1, progress=False)
            row = r.table.set_index("term").loc["indirect:m"]
            return float(row["estimate"]), float(row["ci_low"]), float(row["ci_high"])

    elif tool == "pyprocessmacro":
        from pyprocessmacro import Process

        def run():
            p = Process(
                data=df,
                model=4,
                x="x",
                y="y",
                m=["m"],
                controls=["c"],
                boot=N_BOOT,
                seed=1,
                suppr_init=True,
            )
            s = p.indirect_model.coeff_summary()
            return (
                float(s["Effect"].iloc[0]),
                float(s["BootLLCI"].iloc[0]),
                float(s["BootULCI"].iloc[0]),
            )

    elif tool == "pingouin":
        import pingouin as pg

        def run():
            s = pg.mediation_analysis(
                data=df, x="x", m="m", y="y", covar=["c"], n_boot=N_BOOT, seed=1
            )
            row = s[s["path"] == "Indirect"].iloc[0]
            return float(row["coef"]), float(row["CI2.5"]), float(row["CI97.5"])

    else:
        raise SystemExit(f"unknown tool {tool}")
    before = _current_rss_mb()
    t0 = time.perf_counter()
    est, lo, hi = run()
    secs = time.perf_counter() - t0
    return {
        "tool": tool,
        "n": n,
        "seconds": secs,
        "peak_rss_mb": _rss_mb(),
        "rss_before_mb": before,
        "indirect": est,
        "ci_low": lo,
        "ci_high": hi,
    }


def run_one(tool: str, n: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", tool, str(n)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        return {
            "tool": tool,
            "n": n,
            "error": out.stderr.strip().splitlines()[-1] if out.stderr else "failed",
        }
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="skip n = 100,000")
    ap.add_argument("--worker", nargs=2, metavar=("TOOL", "N"), help=argparse.SUPPRESS)
    ap.add_argument("--json", help="also write the results to this JSON file")
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker[0], int(args.worker[1]))))
        return 0
    import os
    import platform

    sizes = SIZES[:-1] if args.quick else SIZES
    print(f"mediation benchmark: model 4 + 1 covariate, {N_BOOT} percentile-bootstrap resamples")
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs; one subprocess per run; "
        "peak memory = subprocess peak RSS (ru_maxrss)"
    )
    results = []
    hdr = f"{'n':>8}  {'tool':<20}{'seconds':>9}{'peak RSS MB':>13}{'call +MB':>10}{'indirect':>11}  {'95% CI':<22}{'our speed-up':>13}"
    print(hdr)
    print("-" * len(hdr))
    ok = True
    for n in sizes:
        ours = None
        for tool in TOOLS:
            if tool == "pingouin" and n >= 100_000:
                continue
            r = run_one(tool, n)
            results.append(r)
            if "error" in r:
                print(f"{n:>8}  {tool:<20}error: {r['error']}")
                ok = False
                continue
            if tool == "learning_direction":
                ours = r
                ratio = ""
            else:
                ratio = f"{r['seconds'] / ours['seconds']:.1f}x" if ours else ""
                if ours and abs(r["indirect"] - ours["indirect"]) > 1e-6 * max(
                    1.0, abs(ours["indirect"])
                ):
                    print(
                        f"  !! point estimate disagrees: {r['indirect']} vs ours {ours['indirect']}"
                    )
                    ok = False
            ci = f"[{r['ci_low']:.4f}, {r['ci_high']:.4f}]"
            print(
                f"{n:>8}  {tool:<20}{r['seconds']:>9.2f}{r['peak_rss_mb']:>13.0f}"
                f"{r['peak_rss_mb'] - r['rss_before_mb']:>10.0f}{r['indirect']:>11.5f}  {ci:<22}{ratio:>13}"
            )
    print()
    print("point estimates agree across tools" if ok else "SOME CHECKS FAILED")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
