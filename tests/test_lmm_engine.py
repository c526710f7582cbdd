"""The linear mixed-model engine (models/lmm) against lme4, lmerTest, pbkrtest and multilevel.

Fixtures: ``tests/reference/make_lmm_reference.R`` (lme4 1.1-31, lmerTest 3.1-3, pbkrtest 0.5.2,
multilevel 2.7). Each R fit is recorded twice: with lme4's defaults, and refitted with tight
BOBYQA tolerances (``*_tight``). lme4's default stop (``ftol_abs = 1e-8`` on the deviance)
leaves theta up to 4e-5 (relative) from the optimum on these data, which moves its SEs by up to
2.3e-5 and its df by up to 6.3e-5; our optimiser converges to the optimum (its deviance is never
above lme4's). Hence three comparisons, each with its stated tolerance:

* at lme4's own theta (``optimize=False``): the formulas — β, SEs, VarCorr, REML criterion,
  Satterthwaite and Kenward-Roger — to 1e-9 or better (Satterthwaite df 1e-7: lmerTest
  differentiates numerically);
* our fit against the tightly converged lme4 fit: β and SEs 1e-6, variance components, df and KR
  SEs 1e-5 (the brief asks 1e-4);
* our fit against lme4's default fit: β 1e-5, everything else 1e-4 (lme4's stopping error).
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pandas as pd
import pytest

from _reference import reference_csv, reference_json
from learning_direction.exceptions import DataValidationError, ModelError, ModelWarning
from learning_direction.models.lmm import (
    contrast_test,
    fit_lmm,
    fixed_effect_tests,
    icc,
    kenward_roger,
    satterthwaite_df,
)
from learning_direction.models.lmm._data import build_data
from learning_direction.models.lmm._hessian import varpar_derivatives, varpar_deviance
from learning_direction.models.lmm._profile import factorize, profiled_gradient

DATASETS = {
    "sleepstudy": "sleepstudy.csv",
    "nested": "lmm_nested.csv",
    "unbalanced": "lmm_unbalanced.csv",
    "singular": "lmm_singular.csv",
}


def _design(dataset: str, name: str) -> dict:
    """The arrays of the R formula of fixture ``dataset/name`` (see make_lmm_reference.R)."""
    d = reference_csv(DATASETS[dataset])
    one = np.ones(len(d))
    if dataset == "sleepstudy":
        X = np.column_stack([one, d.Days])
        cov = "diagonal" if name.startswith("diag") else "unstructured"
        return {"y": d.Reaction, "X": X, "Z": X, "groups": d.Subject, "covariance": cov,
                "fixed_names": ["(Intercept)", "Days"], "random_names": ["(Intercept)", "Days"],
                "group_name": "Subject"}  # fmt: skip
    if dataset == "nested":
        X = np.column_stack([one, d.x1, d.x2, d.x3])
        Z = one[:, None] if name.startswith("intercepts") else np.column_stack([one, d.x1])
        return {"y": d.y, "X": X, "Z": Z, "groups": d.mentor, "nested_in": d.program,
                "fixed_names": ["(Intercept)", "x1", "x2", "x3"]}  # fmt: skip
    cols = ["x", "z"] if "z" in d else ["x"]
    X = np.column_stack([one] + [d[c] for c in cols])
    Z = one[:, None] if name.startswith("intercept") else np.column_stack([one, d.x])
    return {"y": d.y, "X": X, "Z": Z, "groups": d.g, "fixed_names": ["(Intercept)", *cols]}


CASES = [
    (ds, name)
    for ds in DATASETS
    for name in reference_json(f"lmm_{ds}.json")["fits"]  # every fit R recorded
]


def _ref(dataset: str, name: str) -> dict:
    return reference_json(f"lmm_{dataset}.json")["fits"][name]


def _fit(dataset: str, name: str, **kw):
    if not kw:
        return _fitted(dataset, name)
    return fit_lmm(**_design(dataset, name), reml=_ref(dataset, name)["reml"], **kw)


@functools.cache
def _fitted(dataset: str, name: str):
    """One fit per fixture for the whole module (fits are immutable; tests only read them)."""
    return fit_lmm(**_design(dataset, name), reml=_ref(dataset, name)["reml"])


def _at_lme4(dataset: str, name: str):
    ref = _ref(dataset, name)
    return _fit(dataset, name, start=list(ref["theta"].values()), optimize=False)


def _rel(ours, ref, floor: float = 0.0) -> float:
    a = np.asarray(ours, dtype=float).ravel()
    b = np.asarray(ref, dtype=float).ravel()
    assert a.shape == b.shape
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), floor)))


def _varcorr(fit) -> np.ndarray:
    """Our covariances in the layout of lme4's VarCorr (a || term is one term per effect)."""
    parts = [
        np.diag(c) if t.diagonal else c.ravel() for c, t in zip(fit.covariances, fit.data.terms)
    ]
    return np.concatenate([*parts, [fit.residual_variance]])


def _ref_varcorr(ref: dict, key: str = "varcorr") -> np.ndarray:
    terms = [np.asarray(t["cov"]).ravel() for t in ref[key]["terms"].values()]
    return np.concatenate([*terms, [ref[key]["residual_variance"]]])


def _tables(ref: dict, key: str) -> dict[str, np.ndarray]:
    rows = list(ref[key].values())
    return {
        k: np.array([r[k] for r in rows])
        for k in ("estimate", "se", "df", "t", "p", "lower", "upper")
    }


def _check(fit, ref: dict, suffix: str, tol: dict[str, float]) -> None:
    floor = 1e-6 * fit.residual_variance  # variances estimated at zero: compare absolutely
    assert _rel(fit.beta, list(ref["fixef" + suffix].values())) < tol["beta"]
    assert _rel(fit.se, list(ref["se" + suffix].values())) < tol["se"]
    assert _rel(_varcorr(fit), _ref_varcorr(ref, "varcorr" + suffix), floor) < tol["vc"]
    sat = fixed_effect_tests(fit, "satterthwaite")
    r = _tables(ref, "satterthwaite" + suffix)
    assert _rel(sat.df, r["df"]) < tol["df"]
    assert _rel(sat.t, r["t"]) < tol["se"]
    assert _rel(np.r_[sat.ci_low, sat.ci_high], np.r_[r["lower"], r["upper"]]) < tol["ci"]
    if ref["reml"]:
        kr = fixed_effect_tests(fit, "kenward-roger")
        r = _tables(ref, "kenward_roger" + suffix)
        assert _rel(kr.df, r["df"]) < tol["df"]
        assert _rel(kr.se, r["se"]) < tol["kr_se"]
        assert _rel(np.r_[kr.ci_low, kr.ci_high], np.r_[r["lower"], r["upper"]]) < tol["ci"]


@pytest.mark.parametrize(("dataset", "name"), CASES)
def test_formulas_at_lme4_theta(dataset, name):
    # everything lme4/lmerTest/pbkrtest compute at lme4's own theta
    ref = _ref(dataset, name)
    fit = _at_lme4(dataset, name)
    # CI limits carry the df's numerical-derivative noise through qt(): 1e-8
    tol = {"beta": 1e-10, "se": 1e-10, "vc": 1e-10, "df": 1e-7, "kr_se": 1e-10, "ci": 1e-8}
    _check(fit, ref, "", tol)
    assert fit.criterion == pytest.approx(ref["criterion"], rel=1e-12)
    assert fit.loglik == pytest.approx(ref["loglik"], rel=1e-12)
    assert fit.sigma == pytest.approx(ref["sigma"], rel=1e-10)
    assert fit.npar == ref["npar"]
    sat = _tables(ref, "satterthwaite")
    assert (
        _rel(fixed_effect_tests(fit).p_value, sat["p"]) < 1e-6
    )  # p of t near 40: df noise amplified
    if ref["reml"]:
        kr = _tables(ref, "kenward_roger")
        assert _rel(fixed_effect_tests(fit, "kenward-roger").df, kr["df"]) < 1e-10
        adj = np.asarray(ref["kenward_roger_vcov"])
        assert _rel(kenward_roger(fit).vcov_adj, adj, 1e-12 * np.abs(adj).max()) < 1e-10
    # the summary() table of lmerTest is contest1D's
    summ = np.asarray(ref["satterthwaite_summary"])
    assert _rel(fixed_effect_tests(fit).df, summ[:, 2]) < 1e-7


@pytest.mark.parametrize(("dataset", "name"), CASES)
def test_fit_matches_tightly_converged_lme4(dataset, name):
    ref = _ref(dataset, name)
    fit = _fit(dataset, name)
    assert fit.converged
    assert fit.criterion == pytest.approx(ref["criterion_tight"], rel=1e-11)
    tol = {"beta": 1e-6, "se": 1e-6, "vc": 1e-5, "df": 1e-5, "kr_se": 1e-5, "ci": 1e-5}
    _check(fit, ref, "_tight", tol)


@pytest.mark.parametrize(("dataset", "name"), CASES)
def test_fit_matches_default_lme4(dataset, name):
    ref = _ref(dataset, name)
    fit = _fit(dataset, name)
    # our optimum is never worse than lme4's (lower or equal deviance)
    assert fit.criterion <= ref["criterion"] + 1e-9
    tol = {"beta": 1e-5, "se": 1e-4, "vc": 1e-4, "df": 1e-4, "kr_se": 1e-4, "ci": 1e-4}
    _check(fit, ref, "", tol)
    assert fit.singular == ref["singular"]
    assert list(fit.n_groups) == list(ref["ngroups"].values())
    assert fit.n == ref["n"]


def test_theta_names_and_order_follow_lme4():
    for dataset, name in [("sleepstudy", "slope_reml"), ("sleepstudy", "diag_ml")]:
        fit = _fit(dataset, name)
        assert list(fit.theta_names) == list(_ref(dataset, name)["theta"])
    fit = fit_lmm(**{**_design("nested", "slope_reml"), "random_names": ["(Intercept)", "x1"]},
                  group_name="program:mentor", outer_name="program")  # fmt: skip
    assert list(fit.theta_names) == list(_ref("nested", "slope_reml")["theta"])


def test_singular_fit_is_on_the_boundary():
    fit = _fit("singular", "intercept_reml")
    assert fit.singular and fit.theta[0] == 0.0
    assert fit.covariances[0][0, 0] == 0.0
    # lmerTest: with the variance at zero the df are those of the model without it, n - p
    assert fixed_effect_tests(fit).df.to_numpy() == pytest.approx([178.0, 178.0], rel=1e-9)
    slope = _fit("singular", "slope_reml")
    assert slope.singular and np.all(np.abs(slope.theta) < 1e-6)


def test_icc_matches_multilevel_and_lme4():
    d = reference_csv("lmm_unbalanced.csv")
    ref = reference_json("lmm_unbalanced.json")["icc"]
    a = icc(d.y, d.g, method="anova")  # multilevel::ICC1 / ICC2 (closed form)
    assert a.icc1 == pytest.approx(ref["anova_icc1"], rel=1e-12)
    assert a.icc2 == pytest.approx(ref["anova_icc2"], rel=1e-12)
    assert a.k == pytest.approx(ref["k"], rel=1e-15)
    r = icc(d.y, d.g, method="reml")  # lme4 variance ratio (iterative: 1e-6)
    assert r.icc1 == pytest.approx(ref["reml_icc1"], rel=1e-6)
    assert r.icc2 == pytest.approx(ref["reml_icc2"], rel=1e-6)
    assert r.tau2 == pytest.approx(ref["reml_tau2"], rel=1e-6)
    assert r.sigma2 == pytest.approx(ref["reml_sigma2"], rel=1e-6)


# ---------- derivatives against finite differences of our own functions ----------


def _random_nested(seed: int, q1: int = 2, q2: int = 2, n_outer: int = 12):
    """Small unbalanced nested data with random slopes at both levels."""
    rng = np.random.default_rng(seed)
    outer, inner = [], []
    for k in range(n_outer):
        for j in range(rng.integers(1, 5)):
            m = int(rng.integers(1, 6))
            outer += [k] * m
            inner += [j] * m
    n = len(outer)
    x = rng.normal(size=(n, 2))
    X = np.column_stack([np.ones(n), x, rng.integers(0, 2, n)])
    Z = np.column_stack([np.ones(n), x[:, 0]])[:, :q1]
    W = np.column_stack([np.ones(n), x[:, 1]])[:, :q2]
    y = X @ [1.0, 0.5, -0.3, 0.2] + rng.normal(size=n) * 1.5 + np.repeat(0.0, n)
    y += np.asarray(outer) * 0.1 + rng.normal(size=n_outer)[outer]
    return y, X, Z, W, np.asarray(inner), np.asarray(outer)


def _nested_data(seed: int = 1):
    y, X, Z, W, inner, outer = _random_nested(seed)
    return build_data(y, X, Z, inner, nested_in=outer, Z_outer=W, covariance="unstructured")


THETA_NESTED = np.array([0.8, 0.3, 0.5, 0.6, -0.2, 0.4])


@pytest.mark.parametrize("reml", [True, False])
def test_gradient_matches_finite_differences(reml):
    data = _nested_data()
    fac = factorize(data, THETA_NESTED, reml)
    grad = profiled_gradient(data, fac, reml)
    h = 1e-6
    fd = [
        (factorize(data, THETA_NESTED + h * e, reml).deviance
         - factorize(data, THETA_NESTED - h * e, reml).deviance) / (2 * h)
        for e in np.eye(len(THETA_NESTED))
    ]  # fmt: skip
    assert grad == pytest.approx(fd, rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("reml", [True, False])
def test_hessian_and_vcov_jacobian_match_finite_differences(reml):
    # the Satterthwaite ingredients, against central differences of D(theta, sigma), Var(beta)
    data = _nested_data()
    phi = np.append(THETA_NESTED, 1.3)
    vd = varpar_derivatives(data, factorize(data, phi[:-1], reml), phi[-1], reml)

    def dev(x):
        return varpar_deviance(factorize(data, x[:-1], reml), x[-1], data.n, data.p, reml)

    def vcov(x):
        return x[-1] ** 2 * np.linalg.inv(factorize(data, x[:-1], reml).xtvx)

    k, h = len(phi), 1e-4
    E = np.eye(k) * h
    H = np.array([[(dev(phi + E[i] + E[j]) - dev(phi + E[i] - E[j]) - dev(phi - E[i] + E[j])
                    + dev(phi - E[i] - E[j])) / (4 * h * h) for j in range(k)] for i in range(k)])  # fmt: skip
    assert _rel(vd.hessian, H, 1e-3 * np.abs(H).max()) < 1e-5
    J = np.array([(vcov(phi + E[i]) - vcov(phi - E[i])) / (2 * h) for i in range(k)])
    assert _rel(vd.jacobian, J, 1e-3 * np.abs(J).max()) < 1e-6
    g = [(dev(phi + E[i]) - dev(phi - E[i])) / (2 * h) for i in range(k)]
    assert vd.gradient == pytest.approx(g, rel=1e-6, abs=1e-6)


# ---------- against a dense implementation (V built explicitly) ----------


def _dense_model(y, X, Z, W, inner, outer, theta, reml):
    """V, the deviance, beta and vcov from dense n x n matrices (pbkrtest's G_r too)."""
    q1, q2 = Z.shape[1], W.shape[1]
    pairs = sorted(set(zip(outer, inner)))
    Zb = np.zeros((len(y), len(pairs) * q1))
    for g, pr in enumerate(pairs):
        rows = (outer == pr[0]) & (inner == pr[1])
        Zb[rows, g * q1 : (g + 1) * q1] = Z[rows]
    outers = sorted(set(outer))
    Wb = np.zeros((len(y), len(outers) * q2))
    for k, o in enumerate(outers):
        Wb[outer == o, k * q2 : (k + 1) * q2] = W[outer == o]
    L1 = np.zeros((q1, q1))
    L1[np.tril_indices(q1)[1], np.tril_indices(q1)[0]] = 0  # filled column-wise below
    pos1 = [(r, c) for c in range(q1) for r in range(c, q1)]
    pos2 = [(r, c) for c in range(q2) for r in range(c, q2)]
    L2 = np.zeros((q2, q2))
    for (r, c), t in zip(pos1, theta[: len(pos1)]):
        L1[r, c] = t
    for (r, c), t in zip(pos2, theta[len(pos1) :]):
        L2[r, c] = t
    G1 = np.kron(np.eye(len(pairs)), L1 @ L1.T)
    G2 = np.kron(np.eye(len(outers)), L2 @ L2.T)
    V = Zb @ G1 @ Zb.T + Wb @ G2 @ Wb.T + np.eye(len(y))
    Vi = np.linalg.inv(V)
    XtVX = X.T @ Vi @ X
    beta = np.linalg.solve(XtVX, X.T @ Vi @ y)
    e = y - X @ beta
    r2 = e @ Vi @ e
    n, p = X.shape
    nu = n - p if reml else n
    dev = np.linalg.slogdet(V)[1] + nu * (1 + np.log(2 * np.pi * r2 / nu))
    if reml:
        dev += np.linalg.slogdet(XtVX)[1]
    s2 = r2 / nu
    return {"dev": dev, "beta": beta, "vcov": s2 * np.linalg.inv(XtVX), "s2": s2,
            "Zb": Zb, "Wb": Wb, "L1": L1, "L2": L2, "pos": (pos1, pos2), "n_terms": (len(pairs), len(outers))}  # fmt: skip


def _dense_kr(X, m):
    """pbkrtest's vcovAdj_internal, literally, with dense G_r."""
    s2 = m["s2"]
    G, psi = [], []
    for Zb, L, pos, nlev in [(m["Zb"], m["L1"], m["pos"][0], m["n_terms"][0]),
                             (m["Wb"], m["L2"], m["pos"][1], m["n_terms"][1])]:  # fmt: skip
        q = L.shape[0]
        for r, c in pos:
            Eu = np.zeros((q, q))
            Eu[r, c] = Eu[c, r] = 1.0
            G.append(Zb @ np.kron(np.eye(nlev), Eu) @ Zb.T)
            psi.append(s2 * (L @ L.T)[r, c])
    G.append(np.eye(X.shape[0]))
    psi.append(s2)
    Sigma = sum(p * g for p, g in zip(psi, G))
    Si = np.linalg.inv(Sigma)
    Phi = m["vcov"]
    k = len(G)
    P = [-X.T @ Si @ g @ Si @ X for g in G]
    Q = [[X.T @ Si @ G[r] @ Si @ G[s] @ Si @ X for s in range(k)] for r in range(k)]
    IE2 = np.array([[np.trace(Si @ G[r] @ Si @ G[s]) - 2 * np.sum(Phi * Q[r][s])
                     + np.sum((Phi @ P[r]) * (P[s] @ Phi)) for s in range(k)] for r in range(k)])  # fmt: skip
    W = 2 * np.linalg.inv(IE2)
    U = sum(W[r, s] * (Q[r][s] - P[r] @ Phi @ P[s]) for r in range(k) for s in range(k))
    return Phi + 2 * Phi @ U @ Phi, P, W


@pytest.mark.parametrize("reml", [True, False])
def test_nested_slopes_at_both_levels_match_dense_computation(reml):
    y, X, Z, W, inner, outer = _random_nested(7)
    theta = THETA_NESTED
    fit = fit_lmm(
        y, X, Z, inner, nested_in=outer, Z_outer=W, reml=reml, start=theta, optimize=False
    )
    m = _dense_model(y, X, Z, W, inner, outer, theta, reml)
    assert fit.criterion == pytest.approx(m["dev"], rel=1e-12)
    assert fit.beta == pytest.approx(m["beta"], rel=1e-10)
    assert _rel(fit.vcov_beta, m["vcov"], 1e-12) < 1e-10
    if reml:
        adj, P, Wkr = _dense_kr(X, m)
        kr = kenward_roger(fit)
        assert _rel(kr.vcov_adj, adj, 1e-12) < 1e-9
        assert _rel(kr.W, Wkr, 1e-12 * np.abs(Wkr).max()) < 1e-9
        assert _rel(kr.P, np.array(P), 1e-12 * np.abs(np.array(P)).max()) < 1e-9


def test_ranef_are_the_dense_conditional_modes():
    # b = G Z' V^-1 (y - X beta) at a given theta, for both levels (slopes at both), against
    # dense n x n matrices; labels are lme4's inner:outer and the outer labels
    y, X, Z, W, inner, outer = _random_nested(7)
    fit = fit_lmm(y, X, Z, inner, nested_in=outer, Z_outer=W, start=THETA_NESTED, optimize=False)
    m = _dense_model(y, X, Z, W, inner, outer, THETA_NESTED, True)
    L1, L2 = m["L1"], m["L2"]
    Vrel = np.eye(len(y)) + m["Zb"] @ np.kron(np.eye(m["n_terms"][0]), L1 @ L1.T) @ m["Zb"].T
    Vrel += m["Wb"] @ np.kron(np.eye(m["n_terms"][1]), L2 @ L2.T) @ m["Wb"].T
    r = np.linalg.solve(Vrel, y - X @ m["beta"])
    b1 = (np.kron(np.eye(m["n_terms"][0]), L1 @ L1.T) @ m["Zb"].T @ r).reshape(-1, 2)
    b2 = (np.kron(np.eye(m["n_terms"][1]), L2 @ L2.T) @ m["Wb"].T @ r).reshape(-1, 2)
    inner_re, outer_re = fit.ranef()
    pairs = sorted(set(zip(outer, inner)))  # the dense model's order of inner groups
    want1 = pd.DataFrame(b1, index=[f"{i}:{o}" for o, i in pairs])
    assert _rel(inner_re.loc[want1.index].to_numpy(), b1, 1e-12) < 1e-9
    assert list(outer_re.index) == sorted(set(outer))
    assert _rel(outer_re.to_numpy(), b2, 1e-12) < 1e-9
    first = next(iter(fit.random_effects.items()))
    assert first[0] == inner_re.index[0] and list(first[1]) == list(inner_re.iloc[0])


def test_nested_fit_with_outer_slopes_reaches_the_optimum():
    y, X, Z, W, inner, outer = _random_nested(11, n_outer=40)
    fit = fit_lmm(y, X, Z, inner, nested_in=outer, Z_outer=W)
    assert fit.converged
    data = fit.data
    grad = profiled_gradient(data, fit.factor, True)
    free = ~((fit.theta <= data.theta_lower()) & (grad > 0))
    assert np.max(np.abs(grad[free])) < 1e-6
    rng = np.random.default_rng(0)
    for _ in range(20):  # no nearby point is better
        trial = np.maximum(
            fit.theta + rng.normal(scale=0.02, size=fit.theta.size), data.theta_lower()
        )
        assert factorize(data, trial, True).deviance >= fit.criterion - 1e-9


# ---------- the optimiser ----------


def test_optimiser_does_not_stop_on_a_zero_variance_that_is_no_minimum():
    # L-BFGS-B from theta = 1 stepped onto theta = 0, a stationary point of the deviance (it is
    # even in theta); the curvature check moves it off again
    rng = np.random.default_rng(3)
    g = np.repeat(np.arange(120), 5)
    y = rng.normal(size=120)[g] * 0.5 + rng.normal(size=600) * 1.2
    fit = fit_lmm(y, np.ones((600, 1)), np.ones((600, 1)), g)
    grid = np.linspace(0.0, 1.5, 301)
    devs = [factorize(fit.data, np.array([t]), True).deviance for t in grid]
    assert fit.criterion <= min(devs) + 1e-9
    assert fit.theta[0] > 0.1


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_start_of_a_derivative_free_search_finds_a_lower_deviance(seed):
    # small unbalanced data with (often) near-zero variances and correlations near +-1, where
    # a bounded gradient search used to stop early; Nelder-Mead from random starts (over the
    # unbounded theta, which the sign symmetry of Λ's columns allows) must not do better
    import scipy.optimize

    rng = np.random.default_rng(seed)
    y, X, Z, W, inner, outer = _random_nested(seed, n_outer=15)
    y = y + rng.normal(size=len(y)) * 0.1
    for kw in ({}, {"nested_in": outer}, {"nested_in": outer, "Z_outer": W}):
        fit = fit_lmm(y, X, Z, inner, **kw)
        assert fit.converged
        assert np.all(fit.theta[fit.data.theta_lower() == 0] >= 0)  # lme4's parameter region
        for _ in range(2):
            res = scipy.optimize.minimize(
                lambda t, fit=fit: factorize(fit.data, t, True).deviance,
                rng.normal(size=fit.theta.size),
                method="Nelder-Mead",
                options={"maxiter": 4000, "xatol": 1e-8, "fatol": 1e-10},
            )
            assert res.fun >= fit.criterion - 1e-7


def test_max_iter_warns_and_reports_no_convergence():
    with pytest.warns(ModelWarning, match="max_iter=1"):
        fit = _fit("sleepstudy", "slope_reml", max_iter=1)
    assert not fit.converged


def test_fit_is_invariant_to_row_order_and_label_type():
    des = _design("nested", "slope_reml")
    fit = fit_lmm(**des)
    order = np.random.default_rng(5).permutation(len(des["y"]))
    shuffled = {k: (np.asarray(v)[order] if k in {"y", "X", "Z", "groups", "nested_in"} else v)
                for k, v in des.items()}  # fmt: skip
    again = fit_lmm(**shuffled)
    assert again.beta == pytest.approx(fit.beta, rel=1e-8)
    assert again.theta == pytest.approx(fit.theta, rel=1e-6)
    codes = pd.factorize(des["groups"])[0]  # integers instead of strings
    assert fit_lmm(**{**des, "groups": codes}).criterion == pytest.approx(fit.criterion, rel=1e-12)


# ---------- tests, contrasts and result fields ----------


def test_wald_tests_use_the_normal_distribution():
    fit = _fit("sleepstudy", "slope_reml")
    w = fixed_effect_tests(fit, method="wald", level=0.9)
    assert np.all(np.isinf(w.df))
    assert list(w.columns) == ["term", "estimate", "se", "df", "t", "p_value", "ci_low", "ci_high"]
    assert w.ci_high.iloc[1] == pytest.approx(fit.beta[1] + 1.6448536269514722 * fit.se[1])
    assert w.term.tolist() == ["(Intercept)", "Days"]


def test_contrast_of_two_coefficients():
    fit = _fit("nested", "intercepts_reml")
    L = np.array([0.0, 1.0, -1.0, 0.0])
    row = contrast_test(fit, L)
    assert row["estimate"] == pytest.approx(fit.beta[1] - fit.beta[2])
    assert row["se"] == pytest.approx(np.sqrt(L @ fit.vcov_beta @ L))
    assert row["df"] == pytest.approx(satterthwaite_df(fit, L))
    kr = contrast_test(fit, L, method="kr")
    assert kr["se"] >= row["se"]  # the KR adjustment inflates the covariance


def test_variance_components_table():
    fit = _fit("sleepstudy", "slope_reml")
    vc = fit.variance_components
    assert list(vc.columns) == ["group", "var1", "var2", "vcov", "sdcor"]
    assert vc.group.tolist() == ["Subject", "Subject", "Subject", "Residual"]
    ref = _ref("sleepstudy", "slope_reml")["varcorr_tight"]
    assert vc.sdcor.iloc[2] == pytest.approx(ref["terms"]["Subject"]["corr"][0][1], rel=1e-5)
    diag = _fit("sleepstudy", "diag_reml").variance_components
    assert len(diag) == 3 and diag.var2.isna().all()


# ---------- bad input ----------


def _sleep():
    return _design("sleepstudy", "slope_reml")


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"y": np.r_[np.nan, np.ones(179)]}, DataValidationError, "y has 1 missing"),
        ({"X": np.ones((10, 2))}, DataValidationError, "X has 10 rows but y has 180"),
        ({"groups": np.r_[[None], np.ones(179)]}, DataValidationError, "groups has 1 missing"),
        ({"groups": np.ones(180)}, ModelError, "'Subject' has 1 level"),
        (
            {"groups": np.arange(180), "Z": np.ones(180), "random_names": None},
            ModelError,
            "every group has one row",
        ),
        (
            {
                "X": np.column_stack(
                    [np.ones(180), np.arange(180) % 10, 2 * (np.arange(180) % 10)]
                ),
                "fixed_names": ["(Intercept)", "a", "b"],
            },
            ModelError,
            "rank deficient: b",
        ),
        ({"covariance": "diag"}, ModelError, "did you mean 'diagonal'"),
        ({"start": [1.0, 0.0]}, DataValidationError, "start must hold 3"),
        ({"fixed_names": ["a"]}, DataValidationError, "X has 1 names for 2 columns"),
        ({"X": np.full((180, 1), "a")}, DataValidationError, "X must be numeric"),
    ],
)
def test_bad_input_is_refused_clearly(change, error, match):
    with pytest.raises(error, match=match):
        fit_lmm(**{**_sleep(), **change})


def test_too_many_random_effects_for_the_rows():
    # 20 groups of 2 rows with 3 random effects each: 60 effects for 40 rows (lme4 stops too)
    rng = np.random.default_rng(2)
    g = np.repeat(np.arange(20), 2)
    Z = np.column_stack([np.ones(40), rng.normal(size=(40, 2))])
    with pytest.raises(ModelError, match="not identifiable"):
        fit_lmm(rng.normal(size=40), np.ones((40, 1)), Z, g)


def test_kenward_roger_needs_reml_and_methods_are_checked():
    fit = _fit("sleepstudy", "slope_ml")
    with pytest.raises(ModelError, match="need a REML fit"):
        fixed_effect_tests(fit, "kenward-roger")
    with pytest.raises(ModelError, match="method must be"):
        fixed_effect_tests(fit, "containment")
    with pytest.raises(ModelError, match="level must be"):
        fixed_effect_tests(fit, level=95)
    with pytest.raises(ModelError, match="2 finite weights"):
        contrast_test(fit, [1.0, 0.0, 0.0])


def test_optimize_false_needs_a_valid_start():
    with pytest.raises(DataValidationError, match="give start=theta"):
        fit_lmm(**_sleep(), optimize=False)
    with pytest.raises(DataValidationError, match="must be >= 0"):
        fit_lmm(**_sleep(), start=[-1.0, 0.0, 1.0], optimize=False)


def test_icc_bad_input():
    with pytest.raises(ModelError, match="method must be"):
        icc([1.0, 2.0, 3.0], [1, 1, 2], method="ml")
    with pytest.raises(ModelError, match="at least 2 groups"):
        icc([1.0, 2.0, 3.0], [1, 1, 1])
    with pytest.raises(DataValidationError, match="missing"):
        icc([1.0, np.nan, 3.0], [1, 1, 2])


def test_no_warning_on_well_behaved_fits():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = fit_lmm(**_design("unbalanced", "slope_reml"))
        fixed_effect_tests(fit)
        fixed_effect_tests(fit, "kenward-roger")
