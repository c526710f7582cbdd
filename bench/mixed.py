"""Side-by-side benchmark: ``ld.mixed`` end to end vs statsmodels MixedLM and lme4 + lmerTest.

Workload: 50,000 rows in 5,000 groups of unbalanced sizes (1 to several hundred rows; gamma-
Poisson), three predictors; a random-intercept model ``y ~ x1 + x2 + x3 + (1 | g)`` and a
random-slope model ``y ~ x1 + x2 + x3 + (1 + x1 | g)``, both REML.

* ours: ``ld.mixed(d, "y ~ x1 + x2 + x3", groups="g", re_formula=...)`` -- everything a user
  gets: formula parsing and listwise deletion (patsy), the fit, Satterthwaite df, t, p and CI
  of every coefficient, variance components, and the ICC's null model (a second fit);
* statsmodels: ``smf.mixedlm(formula, d, groups="g", re_formula=...).fit(reml=True)`` with its
  default optimiser (formula and fit; no df);
* lme4: ``lmerTest::lmer`` + ``summary()`` (lme4's fit, lmerTest's numerical Hessian and
  Jacobian, Satterthwaite t tests) in a separate ``Rscript`` on the same data (written to a
  CSV); the time is measured inside R, after reading the data. Without ``Rscript`` the times
  recorded in ``bench/README.md`` are printed instead.

Our function and statsmodels run in this process, on data generated (and libraries imported)
before any clock starts; ours gets one untimed warm-up call on a small data set. Times are the
best of ``--reps`` runs (statsmodels: one run; it takes tens of seconds). The script checks
that every tool's fixed effects agree with ours (1e-4 relative for lme4, which stops its
optimiser early, and its Satterthwaite df 1e-3; 1e-3 for statsmodels).

Usage::

    python bench/mixed.py              # all three tools
    python bench/mixed.py --quick      # skip statsmodels
    python bench/mixed.py --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import pandas as pd

N_ROWS = 50_000
N_GROUPS = 5_000
MODELS = {"intercept": "(1 | g)", "slope": "(1 + x1 | g)"}
# recorded with `python bench/mixed.py` (see bench/README.md), printed when Rscript is missing
RECORDED_LME4 = {"intercept": 1.62, "slope": 2.31}

R_SCRIPT = r"""
suppressMessages({library(lmerTest); library(jsonlite)})
args <- commandArgs(TRUE); d <- read.csv(args[1]); reps <- as.integer(args[2])
out <- list()
for (nm in c("intercept", "slope")) {
  f <- as.formula(if (nm == "intercept") "y ~ x1 + x2 + x3 + (1 | g)" else "y ~ x1 + x2 + x3 + (1 + x1 | g)")
  best <- Inf; fit_only <- Inf
  for (r in seq_len(reps)) {
    t0 <- proc.time()[["elapsed"]]
    m <- lmerTest::lmer(f, data = d)
    s <- summary(m)
    best <- min(best, proc.time()[["elapsed"]] - t0)
    t0 <- proc.time()[["elapsed"]]
    m0 <- lme4::lmer(f, data = d)
    fit_only <- min(fit_only, proc.time()[["elapsed"]] - t0)
  }
  out[[nm]] <- list(seconds = best, lmer_seconds = fit_only, beta = unname(coef(s)[, 1]),
    df = unname(coef(s)[, 3]))
}
cat(toJSON(list(results = out, version = as.character(packageVersion("lme4"))), digits = NA,
  auto_unbox = TRUE))
"""


def make_data(seed: int = 2026) -> pd.DataFrame:
    """50,000 rows in 5,000 unbalanced groups, three predictors, random intercepts and slopes."""
    rng = np.random.default_rng(seed)
    sizes = np.maximum(rng.poisson(rng.gamma(2.0, 5.0, size=N_GROUPS)), 1)
    sizes = np.maximum(np.round(sizes * N_ROWS / sizes.sum()).astype(int), 1)
    sizes[np.argmax(sizes)] += N_ROWS - sizes.sum()
    g = np.repeat(np.arange(N_GROUPS), sizes)
    x = rng.normal(size=(N_ROWS, 3))
    u0 = rng.normal(size=N_GROUPS) * 0.7
    u1 = rng.normal(size=N_GROUPS) * 0.3
    y = 1 + x @ [0.5, -0.3, 0.2] + u0[g] + u1[g] * x[:, 0] + rng.normal(size=N_ROWS)
    return pd.DataFrame({"g": g, "x1": x[:, 0], "x2": x[:, 1], "x3": x[:, 2], "y": y})


RE_FORMULA = {"intercept": None, "slope": "~ x1"}
FORMULA = "y ~ x1 + x2 + x3"


def run_ours(d: pd.DataFrame, model: str, reps: int) -> dict:
    import learning_direction as ld

    warm = d.iloc[:2000]
    ld.mixed(warm, FORMULA, groups="g", re_formula=RE_FORMULA[model])
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        res = ld.mixed(d, FORMULA, groups="g", re_formula=RE_FORMULA[model])
        best = min(best, time.perf_counter() - t0)
    assert res.engine == "learning_direction" and res.df_method == "satterthwaite"
    return {
        "seconds": best,
        "beta": res.table["estimate"].tolist(),
        "df": res.table["df"].tolist(),
    }


def run_statsmodels(d: pd.DataFrame, model: str) -> dict:
    import statsmodels.formula.api as smf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        mod = smf.mixedlm(FORMULA, d, groups="g", re_formula=RE_FORMULA[model])
        res = mod.fit(reml=True)
        seconds = time.perf_counter() - t0
    return {"seconds": seconds, "beta": np.asarray(res.fe_params).tolist()}


def run_lme4(d: pd.DataFrame, reps: int) -> dict | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv = os.path.join(tmp, "mixed.csv")
        script = os.path.join(tmp, "mixed.R")
        d.to_csv(csv, index=False)
        with open(script, "w", encoding="utf-8") as fh:
            fh.write(R_SCRIPT)
        out = subprocess.run(
            [rscript, script, csv, str(reps)], capture_output=True, text=True, check=True
        )
    parsed: dict = json.loads(out.stdout)
    return parsed


def _machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        lines = subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
        cpu = next(ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("Model name"))
    except (OSError, StopIteration):
        pass
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, numpy {np.__version__}"
    )


def _rel(a: list[float], b: list[float]) -> float:
    x, y = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(x - y) / np.abs(y)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="skip statsmodels")
    ap.add_argument("--reps", type=int, default=3, help="runs of ours and lme4 (best taken)")
    ap.add_argument("--json", help="write the results to this file")
    args = ap.parse_args()
    d = make_data()
    print(f"{_machine()}; {N_ROWS:,} rows, {N_GROUPS:,} groups, "
          f"sizes {d.groupby('g').size().min()}-{d.groupby('g').size().max()}")  # fmt: skip
    lme4 = run_lme4(d, args.reps)
    rows, results = [], {"machine": _machine(), "lme4": lme4}
    for model, term in MODELS.items():
        ours = run_ours(d, model, args.reps)
        sm_res = None if args.quick else run_statsmodels(d, model)
        r_res = lme4["results"][model] if lme4 else None
        r_sec = r_res["seconds"] if r_res else RECORDED_LME4[model]
        if r_res:
            assert _rel(ours["beta"], r_res["beta"]) < 1e-4, "lme4 fixed effects differ"
            assert _rel(ours["df"], r_res["df"]) < 1e-3, "lmerTest df differ"
        if sm_res:
            assert _rel(ours["beta"], sm_res["beta"]) < 1e-3, "statsmodels fixed effects differ"
        results[model] = {"ours": ours, "statsmodels": sm_res, "lme4": r_res}
        label = f"y ~ x1 + x2 + x3 + {term}".replace("|", "\\|")  # escaped for markdown
        rows.append((label, "ld.mixed (formula, fit, Satterthwaite df, ICC)", ours["seconds"], ""))
        if sm_res:
            ratio = sm_res["seconds"] / ours["seconds"]
            rows.append(
                (label, "statsmodels mixedlm (formula, fit)", sm_res["seconds"], f"{ratio:.1f}x")
            )
        tag = "lmerTest::lmer + summary" + ("" if r_res else " (recorded)")
        rows.append((label, tag, r_sec, f"{r_sec / ours['seconds']:.1f}x"))
    print("\n| model | tool | seconds | our speed-up |\n| --- | --- | ---: | ---: |")
    for label, tool, sec, ratio in rows:
        print(f"| `{label}` | {tool} | {sec:.2f} | {ratio} |")
    if lme4:
        for model in MODELS:
            lmer = lme4["results"][model]["lmer_seconds"]
            ours = results[model]["ours"]["seconds"]
            print(f"lme4 {lme4['version']} lmer alone, {model}: {lmer:.2f} s "
                  f"(ours {lmer / ours:.1f}x faster)")  # fmt: skip
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=2)


if __name__ == "__main__":
    sys.exit(main())
