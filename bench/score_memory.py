"""Benchmark: peak memory of ``learning-direction score`` on a large export, as a multiple of its size.

Workload (issue 13, class 8): a CSV export of 2,000,000 respondents, an id column and the six
``mentor_engagement`` items (answers 1-7), about 41 MB. The command

    learning-direction score big.csv --scale mentor_engagement [--id id] --out scores.csv

runs in a fresh subprocess; its **peak resident set size** (``ru_maxrss`` of the child, from
``os.wait4``: the whole process, interpreter and libraries included) is reported in MiB and as a
multiple of the file's size. Target: under 8x the file. The script also checks that every row
was scored (the output file has one line per respondent plus the header) and exits with status
1 when a run is over the target or loses a row.

Usage::

    python bench/score_memory.py                 # 2,000,000 rows, with and without --id
    python bench/score_memory.py --rows 200000   # a quicker, smaller run
    python bench/score_memory.py --max-ratio 8 --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ITEMS = [f"eng_{k}" for k in range(1, 7)]


def make_export(path: Path, rows: int, seed: int = 1) -> int:
    """Write the export (id + six items, answers 1-7) in blocks; returns its size in bytes."""
    rng = np.random.default_rng(seed)
    block = 200_000
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("id," + ",".join(ITEMS) + "\n")
        for start in range(0, rows, block):
            n = min(block, rows - start)
            answers = rng.integers(1, 8, size=(n, len(ITEMS)))
            lines = (
                f"R{start + i:07d}," + ",".join(map(str, row))
                for i, row in enumerate(answers.tolist())
            )
            fh.write("\n".join(lines) + "\n")
    return path.stat().st_size


def run(data: Path, out: Path, with_id: bool) -> dict[str, float]:
    """Run ``score`` in a subprocess; its peak RSS (MiB), wall time (s) and rows written."""
    cmd = [sys.executable, "-m", "learning_direction.cli", "score", str(data),
           "--scale", "mentor_engagement", "--out", str(out)]  # fmt: skip
    if with_id:
        cmd += ["--id", "id"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"score failed: {err}")
    with open(out, "rb") as fh:
        lines = sum(1 for _ in fh)
    peak_mb = usage.ru_maxrss / 1024  # kB on Linux
    return {"peak_mb": peak_mb, "seconds": seconds, "rows_written": lines - 1}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--max-ratio", type=float, default=8.0)
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    args = parser.parse_args(argv)
    failed = False
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "big.csv"
        size = make_export(data, args.rows)
        print(f"export: {args.rows:,} rows, {size / 1e6:.1f} MB ({size / 2**20:.1f} MiB)")
        print(f"{'command':<28} {'peak RSS (MiB)':>14} {'x file':>8} {'seconds':>8} {'rows':>10}")
        for with_id in (False, True):
            res = run(data, Path(tmp) / "scores.csv", with_id)
            ratio = res["peak_mb"] * 2**20 / size
            label = "score" + (" --id id" if with_id else "") + " --out"
            print(f"{label:<28} {res['peak_mb']:>14.0f} {ratio:>7.1f}x {res['seconds']:>8.1f}"
                  f" {int(res['rows_written']):>10,}")  # fmt: skip
            lost = int(res["rows_written"]) != args.rows
            if ratio > args.max_ratio or lost:
                failed = True
                print(f"  FAILED: {'rows lost' if lost else f'over {args.max_ratio:g}x'}")
            results.append({"with_id": with_id, "file_bytes": size, "ratio": ratio, **res})
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
