"""Convergence of the SEM minimiser where a full Fisher-scoring step from the start overshoots.

Fixture (``make_sem_convergence_reference.R``, lavaan 0.6-14): strict invariance of the
learning_direction scale by gender on the 162 listwise-complete rows of ``study1``,
``cfa(model, data, group = "gender", group.equal = c("loadings", "intercepts", "residuals"))``.
From lavaan's start values (latent variances 0.05) the first full Newton step used to flip the
signs of the ``downward`` loadings, after which the minimiser crept along an improper ridge
(variance to zero, loadings to infinity) and hit its iteration limit. Tolerances: chi-square,
CFI and RMSEA within 1e-3 relative, df exact.
"""

from __future__ import annotations

import pytest

import learning_direction as ld
from _reference import reference_csv, reference_json

FX = reference_json("sem_convergence.json")


def test_strict_invariance_of_study1_reaches_lavaans_optimum():
    df = reference_csv(FX["data"])
    res = ld.invariance(df, FX["model"], group="gender", levels="strict")
    row = res.table.iloc[0]
    ref = FX["strict"]
    assert res.n == FX["n"]
    assert row["df"] == ref["df"]
    for key in ("chisq", "cfi", "rmsea"):
        assert row[key] == pytest.approx(ref[key], rel=1e-3), key


def test_bundled_study1_scale_converges_listwise():
    """The same fit through the scale of the bundled dataset (items, listwise)."""
    df = ld.load_dataset("study1")
    res = ld.invariance(df, "learning_direction", group="gender", levels="strict")
    assert res.n == FX["n"]
    assert res.table.iloc[0]["chisq"] == pytest.approx(FX["strict"]["chisq"], rel=1e-3)
