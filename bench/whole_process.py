"""Whole-process benchmark: what a user who runs a script pays (issue 18).

Three measurements, each in fresh processes, the tools interleaved run by run so that both see
the same machine load (the load average is printed with every table):

1. **whole process**: ``python script.py data.csv`` reads the CSV, runs one simple mediation
   (PROCESS model 4, one covariate, 5,000 percentile-bootstrap resamples) and prints the
   summary; ours (``ld.mediate``) side by side with PyProcessMacro 2.2 (``Process(model=4)``,
   ``summary()``). Wall time of the whole process (interpreter start, imports, reading,
   fitting, printing) and its peak RSS (``os.wait4``'s ``ru_maxrss`` of that child), at
   n = 1,000, 10,000 and 100,000.
2. **import cost**: ``import pandas`` vs ``import pandas; import learning_direction as ld;
   ld.mediate`` (target: at most 0.15 s more).
3. **first call**: in one process, the first ``ld.mediate(..., n_boot=5000)`` at n = 10,000 vs
   the best of the next two (target: at most 3x).

Our interpreter is the one running this script (run it with the ``.venv`` that ``make setup``
leaves); PyProcessMacro runs in ``--peer-python`` (default: this interpreter if it can import
``pyprocessmacro``). Times are medians over ``--reps`` runs.

Usage::

    .venv/bin/python bench/whole_process.py --peer-python /tmp/ppm/bin/python
    .venv/bin/python bench/whole_process.py --quick          # skip n = 100,000
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

N_BOOT = 5000
SIZES = (1_000, 10_000, 100_000)

OURS = """
import sys
import pandas as pd
import learning_direction as ld
df = pd.read_csv(sys.argv[1])
res = ld.mediate(df, x="x", m="m", y="y", covariates=["c"], n_boot={n_boot}, seed=1)
print(res.summary())
"""

PEER = """
import sys
import pandas as pd
from pyprocessmacro import Process
df = pd.read_csv(sys.argv[1])
p = Process(data=df, model=4, x="x", y="y", m=["m"], controls=["c"], boot={n_boot}, seed=1,
            suppr_init=True)
p.summary()
"""

FIRST_CALL = """
import sys, time
import numpy as np, pandas as pd
import learning_direction as ld
df = pd.read_csv(sys.argv[1])
times = []
for _ in range(3):
    t0 = time.perf_counter()
    ld.mediate(df, x="x", m="m", y="y", covariates=["c"], n_boot={n_boot}, seed=1)
    times.append(time.perf_counter() - t0)
print(times[0], min(times[1:]))
"""


def make_csv(n: int, folder: Path, seed: int = 2026) -> Path:
    """The data of ``bench/mediation.py`` (same generator and seed), written to a CSV."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    c = rng.normal(size=n)
    m = 0.3 * x + 0.2 * c + rng.normal(size=n)
    y = 0.3 * m + 0.1 * x + 0.1 * c + rng.normal(size=n)
    path = folder / f"mediation_{n}.csv"
    pd.DataFrame({"x": x, "m": m, "y": y, "c": c}).to_csv(path, index=False)
    return path


def run_measured(argv: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB, the child's own ``ru_maxrss``) and stdout of one child."""
    with tempfile.TemporaryFile("w+") as out_file, tempfile.TemporaryFile("w+") as err_file:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out_file, stderr=err_file)
        _, status, usage = os.wait4(proc.pid, 0)
        secs = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out_file.seek(0)
        err_file.seek(0)
        if proc.returncode != 0:
            raise RuntimeError(f"{argv[:3]} failed:\n{err_file.read()[-2000:]}")
        return secs, usage.ru_maxrss / 1024.0, out_file.read()


def load() -> str:
    return "load {:.1f}/{:.1f}/{:.1f}".format(*os.getloadavg())


def peer_python(arg: str | None) -> str | None:
    candidates = [arg] if arg else [sys.executable]
    for py in candidates:
        probe = subprocess.run([py, "-c", "import pyprocessmacro"], capture_output=True)
        if probe.returncode == 0:
            return py
    return None


def whole_process(sizes: tuple[int, ...], reps: int, peer: str | None, folder: Path) -> list:
    print(f"\n## whole process: read CSV, one mediation with {N_BOOT} resamples, print ({load()})")
    hdr = (
        f"{'n':>8}  {'tool':<18}{'median s':>9}{'min s':>8}{'peak RSS MB':>13}{'ratio':>8}"
        f"  {'load during':<16}runs (s, in order)"
    )
    print(hdr)
    print("-" * len(hdr))
    rows = []
    for n in sizes:
        csv = str(make_csv(n, folder))
        scripts = {"learning_direction": (sys.executable, OURS)}
        if peer:
            scripts["PyProcessMacro"] = (peer, PEER)
        times: dict[str, list[float]] = {k: [] for k in scripts}
        rss: dict[str, float] = {k: 0.0 for k in scripts}
        loads = []
        for _ in range(reps):
            for tool, (py, code) in scripts.items():  # interleaved: same load for both
                secs, peak, _ = run_measured([py, "-c", code.format(n_boot=N_BOOT), csv])
                times[tool].append(secs)
                rss[tool] = max(rss[tool], peak)
                loads.append(os.getloadavg()[0])
        ours = statistics.median(times["learning_direction"])
        for tool in scripts:
            med = statistics.median(times[tool])
            ratio = "" if tool == "learning_direction" else f"{med / ours:.2f}x"
            runs = " ".join(f"{t:.2f}" for t in times[tool])
            print(
                f"{n:>8}  {tool:<18}{med:>9.2f}{min(times[tool]):>8.2f}{rss[tool]:>13.0f}"
                f"{ratio:>8}  {min(loads):.1f}-{max(loads):.1f}{'':<8}{runs}"
            )
            rows.append({"n": n, "tool": tool, "median_s": med, "peak_rss_mb": rss[tool]})
    return rows


def import_cost(reps: int) -> None:
    print(f"\n## import cost, fresh processes, median of {reps} ({load()})")
    codes = {
        "import pandas": "import pandas",
        "... + import learning_direction as ld; ld.mediate": (
            "import pandas\nimport learning_direction as ld\nld.mediate"
        ),
    }
    times: dict[str, list[float]] = {k: [] for k in codes}
    for _ in range(reps):
        for label, code in codes.items():
            times[label].append(run_measured([sys.executable, "-c", code])[0])
    med = {k: statistics.median(v) for k, v in times.items()}
    for k, v in med.items():
        print(f"  {k:<52}{v:>7.3f} s")
    base, full = med.values()
    print(f"  difference: {full - base:.3f} s (target: at most 0.150 s)")


def first_call(reps: int, folder: Path) -> None:
    n = 10_000
    print(f"\n## first call vs warm call, n = {n:,}, {N_BOOT} resamples ({load()})")
    csv = str(make_csv(n, folder))
    ratios = []
    for _ in range(reps):
        out = run_measured([sys.executable, "-c", FIRST_CALL.format(n_boot=N_BOOT), csv])[2]
        first, warm = (float(v) for v in out.split())
        ratios.append(first / warm)
        print(f"  first {first:.3f} s, warm {warm:.3f} s, ratio {first / warm:.2f}x")
    print(f"  median ratio {statistics.median(ratios):.2f}x (target: at most 3x)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="skip n = 100,000")
    ap.add_argument("--reps", type=int, default=3, help="runs per tool and size (default 3)")
    ap.add_argument("--peer-python", help="interpreter that can import pyprocessmacro")
    ap.add_argument(
        "--only", choices=("whole", "import", "first"), help="run one of the three parts"
    )
    args = ap.parse_args(argv)
    peer = peer_python(args.peer_python)
    print(
        f"{time.strftime('%Y-%m-%d %H:%M')}, python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}; ours: "
        f"{sys.executable}; PyProcessMacro: {peer or 'not installed, skipped'}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.only in (None, "import"):
            import_cost(max(5, args.reps))
        if args.only in (None, "first"):
            first_call(args.reps, folder)
        if args.only in (None, "whole"):
            sizes = SIZES[:-1] if args.quick else SIZES
            whole_process(sizes, args.reps, peer, folder)
    print(f"\n(end: {load()})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
