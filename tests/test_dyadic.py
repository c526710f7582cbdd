"""Tests of the APIM (two independent fits + OLS closed form), mutual benefit and the simulator."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import HealthCheck, given, settings, strategies as st
from scipy import optimize

from learning_direction.exceptions import DataValidationError, ModelError, ModelWarning
from learning_direction.models.dyadic import APIMResult, apim, mutual_benefit, to_pairwise
from learning_direction.simulate.dyads import DyadParams, simulate_dyads

X, Y = "learning_orientation", "satisfaction"
COEF_KINDS = ("intercept", "actor", "partner", "covariate")


@pytest.fixture(scope="module")
def dyads() -> pd.DataFrame:
    return simulate_dyads(n_dyads=150, seed=11)


def _wide(df):
    w = df.pivot(index="dyad_id", columns="role", values=[X, Y, "age"])
    w.columns = [f"{a}_{b}" for a, b in w.columns]
    return w.reindex(df["dyad_id"].unique())


def _est(res: APIMResult) -> pd.Series:
    return res.table.set_index("term")["estimate"]


def _se(res: APIMResult) -> pd.Series:
    return res.table.set_index("term")["se"]


# --------------------------------------------------------------------------- closed form (OLS)


def test_unconstrained_equals_equationwise_ols(dyads):
    res = apim(dyads, X, Y, k_ci="delta")
    w = _wide(dyads)
    n = len(w)
    est, se = _est(res), _se(res)
    for r, o in (("mentor", "mentee"), ("mentee", "mentor")):
        exog = sm.add_constant(w[[f"{X}_{r}", f"{X}_{o}"]])
        ols = sm.OLS(w[f"{Y}_{r}"], exog).fit()
        k = exog.shape[1]
        b = ols.params.to_numpy()
        assert est[f"intercept_{r}"] == pytest.approx(b[0], abs=1e-10)
        assert est[f"actor_{r}"] == pytest.approx(b[1], abs=1e-10)
        assert est[f"partner_{o}_to_{r}"] == pytest.approx(b[2], abs=1e-10)
        # ML SEs = OLS SEs * sqrt((N - k) / N)
        ml_se = ols.bse.to_numpy() * math.sqrt((n - k) / n)
        got = [se[f"intercept_{r}"], se[f"actor_{r}"], se[f"partner_{o}_to_{r}"]]
        np.testing.assert_allclose(got, ml_se, rtol=1e-10)
        assert est[f"residual_var_{r}"] == pytest.approx(ols.ssr / n, rel=1e-10)
    # residual covariance = cross-product of the OLS residuals / N
    e1 = sm.OLS(w[f"{Y}_mentor"], sm.add_constant(w[[f"{X}_mentor", f"{X}_mentee"]])).fit().resid
    e2 = sm.OLS(w[f"{Y}_mentee"], sm.add_constant(w[[f"{X}_mentee", f"{X}_mentor"]])).fit().resid
    assert est["residual_cov"] == pytest.approx(float(e1 @ e2) / n, rel=1e-10)
    assert est["residual_corr"] == pytest.approx(np.corrcoef(e1, e2)[0, 1], rel=1e-10)
    assert est["k_mentor"] == pytest.approx(est["partner_mentee_to_mentor"] / est["actor_mentor"])


# --------------------------------------------------------------------------- GLS vs SEM


@pytest.mark.parametrize("ea, ep", [(False, False), (True, False), (False, True), (True, True)])
def test_gls_and_sem_agree(dyads, ea, ep):
    g = apim(dyads, X, Y, method="gls", equal_actor=ea, equal_partner=ep, k_ci="delta")
    s = apim(dyads, X, Y, method="sem", equal_actor=ea, equal_partner=ep, k_ci="delta")
    assert list(g.table["term"]) == list(s.table["term"])
    np.testing.assert_allclose(g.table["estimate"], s.table["estimate"], atol=1e-4, rtol=0)
    np.testing.assert_allclose(g.table["se"], s.table["se"], atol=1e-4, rtol=0)
    np.testing.assert_allclose(g.tests["statistic"], s.tests["statistic"], atol=1e-4, rtol=0)
    assert g.loglik == pytest.approx(s.loglik, abs=1e-4)


def test_gls_and_sem_agree_with_covariates(dyads):
    cov = ["age", "reverse_mentoring"]
    g = apim(dyads, X, Y, covariates=cov, equal_actor=True, k_ci="delta")
    s = apim(dyads, X, Y, covariates=cov, equal_actor=True, k_ci="delta", method="sem")
    terms = set(g.table["term"])
    # member-level covariate: both members' values; dyad-level: once per equation
    assert {"age_mentor_to_mentor", "age_mentee_to_mentor", "reverse_mentoring_to_mentee"} <= terms
    assert "reverse_mentoring_mentor_to_mentor" not in terms
    np.testing.assert_allclose(g.table["estimate"], s.table["estimate"], atol=1e-4, rtol=0)
    np.testing.assert_allclose(g.table["se"], s.table["se"], atol=1e-4, rtol=0)


def _direct_ml(w, equal_actor, equal_partner):
    """Constrained ML by direct numerical maximisation (a third, independent route)."""
    n = len(w)
    x1, x2 = w[f"{X}_mentor"].to_numpy(), w[f"{X}_mentee"].to_numpy()
    y = np.column_stack([w[f"{Y}_mentor"], w[f"{Y}_mentee"]])

    def unpack(t):
        i1, i2, a1, a2, p1, p2 = t[:6]
        if equal_actor:
            a2 = a1
        if equal_partner:
            p2 = p1
        l11, l21, l22 = t[6:]
        chol = np.array([[math.exp(l11), 0.0], [l21, math.exp(l22)]])
        return (i1, i2, a1, a2, p1, p2), chol @ chol.T

    def nll(t):
        (i1, i2, a1, a2, p1, p2), s = unpack(t)
        e = y - np.column_stack([i1 + a1 * x1 + p1 * x2, i2 + a2 * x2 + p2 * x1])
        _, logdet = np.linalg.slogdet(s)
        quad = np.einsum("ni,ij,nj->", e, np.linalg.inv(s), e)
        return 0.5 * (n * logdet + quad)

    start = np.array([2.0, 2.0, 0.4, 0.4, 0.2, 0.2, 0.0, 0.0, 0.0])
    opt = optimize.minimize(nll, start, method="BFGS", options={"gtol": 1e-9})
    return unpack(opt.x)


@pytest.mark.parametrize("ea, ep", [(True, False), (False, True), (True, True)])
def test_constrained_ml_matches_direct_maximisation_and_differs_from_ols(dyads, ea, ep):
    res = apim(dyads, X, Y, equal_actor=ea, equal_partner=ep, k_ci="delta")
    (i1, i2, a1, a2, p1, p2), s = _direct_ml(_wide(dyads), ea, ep)
    est = _est(res)
    got = [
        est[t]
        for t in (
            "intercept_mentor",
            "intercept_mentee",
            "actor_mentor",
            "actor_mentee",
            "partner_mentee_to_mentor",
            "partner_mentor_to_mentee",
        )
    ]
    np.testing.assert_allclose(got, [i1, i2, a1, a2, p1, p2], atol=1e-5)
    np.testing.assert_allclose(
        [est["residual_var_mentor"], est["residual_cov"], est["residual_var_mentee"]],
        [s[0, 0], s[0, 1], s[1, 1]],
        atol=1e-5,
    )
    free = _est(apim(dyads, X, Y, k_ci="delta"))
    if ea:
        assert est["actor_mentor"] == est["actor_mentee"]
        assert abs(est["actor_mentor"] - free["actor_mentor"]) > 1e-3
        assert abs(est["actor_mentor"] - free["actor_mentee"]) > 1e-3


def test_gls_is_the_long_format_two_intercept_model(dyads):
    """Rebuild the stacked long design and Omega = I_N ⊗ Sigma: same beta and covariance."""
    res = apim(dyads, X, Y, equal_actor=True, k_ci="delta")
    est = _est(res)
    w = _wide(dyads)
    n = len(w)
    s = np.array(
        [
            [est["residual_var_mentor"], est["residual_cov"]],
            [est["residual_cov"], est["residual_var_mentee"]],
        ]
    )
    rows, ys = [], []
    for _, r in w.iterrows():
        xm, xe = r[f"{X}_mentor"], r[f"{X}_mentee"]
        # columns: int_mentor, int_mentee, actor (shared), partner_mentee_to_mentor, partner_m_to_e
        rows.append([1, 0, xm, xe, 0])
        rows.append([0, 1, xe, 0, xm])
        ys += [r[f"{Y}_mentor"], r[f"{Y}_mentee"]]
    xl, yl = np.array(rows, float), np.array(ys)
    oinv = np.kron(np.eye(n), np.linalg.inv(s))
    cov = np.linalg.inv(xl.T @ oinv @ xl)
    beta = cov @ xl.T @ oinv @ yl
    want = [
        est["intercept_mentor"],
        est["intercept_mentee"],
        est["actor_mentor"],
        est["partner_mentee_to_mentor"],
        est["partner_mentor_to_mentee"],
    ]
    np.testing.assert_allclose(beta, want, atol=1e-8)
    se = _se(res)
    np.testing.assert_allclose(
        np.sqrt(np.diag(cov))[[2, 3]],
        [se["actor_mentor"], se["partner_mentee_to_mentor"]],
        rtol=1e-6,
    )


def test_equality_tests(dyads):
    res = apim(dyads, X, Y, k_ci="delta")
    t = res.tests.set_index(["test", "method"])
    free = _est(res)
    assert t.loc[("equal_actor", "lr"), "contrast"] == pytest.approx(
        free["actor_mentor"] - free["actor_mentee"]
    )
    lr = 2 * (res.loglik - apim(dyads, X, Y, equal_actor=True, k_ci="delta").loglik)
    assert t.loc[("equal_actor", "lr"), "statistic"] == pytest.approx(lr, rel=1e-8)
    assert t.loc[("equal_actor_and_partner", "wald"), "df"] == 2
    # LR and Wald are asymptotically equivalent
    assert t.loc[("equal_actor", "lr"), "statistic"] == pytest.approx(
        t.loc[("equal_actor", "wald"), "statistic"], rel=0.1
    )
    assert (res.tests["p_value"].between(0, 1)).all()


# --------------------------------------------------------------------------- k ratio


def test_k_delta_and_bootstrap(dyads):
    d = apim(dyads, X, Y, k_ci="delta")
    b1 = apim(dyads, X, Y, n_boot=500, seed=3)
    b2 = apim(dyads, X, Y, n_boot=500, seed=3)
    b3 = apim(dyads, X, Y, n_boot=500, seed=4)
    kd, kb = d.table.set_index("term"), b1.table.set_index("term")
    assert kd.at["k_mentor", "estimate"] == kb.at["k_mentor", "estimate"]
    # same seed -> identical result; another seed -> other draws
    pd.testing.assert_frame_equal(b1.table, b2.table)
    np.testing.assert_array_equal(b1.boot_k, b2.boot_k)
    assert not b1.table.equals(b3.table)
    assert b1.boot_k.shape == (500, 2)
    for term in ("k_mentor", "k_mentee"):
        assert kb.at[term, "ci_low"] < kb.at[term, "estimate"] < kb.at[term, "ci_high"]
        assert math.isnan(kb.at[term, "p_value"])
        # the spread of the bootstrap distribution agrees with the delta SE on well-behaved
        # data; a ratio's bootstrap SD is dominated by a few resamples with a small actor
        # effect (0.39 to 0.74 over seeds here), so the robust spread IQR / 1.349 is compared
        q75, q25 = np.quantile(b1.boot_k[:, ["k_mentor", "k_mentee"].index(term)], [0.75, 0.25])
        assert (q75 - q25) / 1.349 == pytest.approx(kd.at[term, "se"], rel=0.25)
    # the delta SE formula
    cov_free = d.table.set_index("term")
    a, p = (
        cov_free.at["actor_mentor", "estimate"],
        cov_free.at["partner_mentee_to_mentor", "estimate"],
    )
    assert kd.at["k_mentor", "estimate"] == pytest.approx(p / a)


def _k_by_weighted_ols(wide: pd.DataFrame, weights: np.ndarray) -> np.ndarray:
    """k ratios of the free APIM in each frequency-weighted resample, by equation-wise OLS
    (the ML estimates of a saturated SUR), computed independently of the package."""
    out = np.empty((weights.shape[0], 2))
    for j, (me, other) in enumerate((("mentor", "mentee"), ("mentee", "mentor"))):
        Z = np.column_stack([np.ones(len(wide)), wide[f"{X}_{me}"], wide[f"{X}_{other}"]])
        y = wide[f"{Y}_{me}"].to_numpy()
        A = np.einsum("bn,ni,nj->bij", weights, Z, Z)
        c = np.einsum("bn,ni,n->bi", weights, Z, y)
        beta = np.linalg.solve(A, c[..., None])[..., 0]
        out[:, j] = beta[:, 2] / beta[:, 1]
    return out


def test_k_bootstrap_draws_are_the_shared_engines(dyads):
    # the k bootstrap resamples dyads with run_bootstrap: replaying the engine's frequency
    # weights for the same seed gives the same k ratios in every resample
    from learning_direction.models.bootstrap import run_bootstrap

    res = apim(dyads, X, Y, n_boot=300, seed=21)
    n = res.n_dyads
    replay = run_bootstrap(lambda w: w[:, :1], n, n_boot=300, seed=21, keep_weights=True)
    weights = replay.extra["weights"].astype(float)
    np.testing.assert_allclose(
        res.boot_k, _k_by_weighted_ols(res.pairs, weights), rtol=1e-9, atol=1e-12
    )


def test_k_bootstrap_agrees_with_a_large_reference(dyads):
    # an independent percentile bootstrap of the k ratios with 40,000 resamples (multinomial
    # frequencies, weighted OLS); the package's interval from 4,000 resamples must agree with
    # it within Monte Carlo error, estimated from the spread over 10 reference chunks of 4,000.
    # (The bootstrap SD of a ratio is too heavy-tailed to compare this way; that se is the SD
    # of the draws, checked in the tests around this one.)
    res = apim(dyads, X, Y, n_boot=4000, seed=5)
    n = res.n_dyads
    rng = np.random.default_rng(20260101)
    ref = _k_by_weighted_ols(res.pairs, rng.multinomial(n, np.full(n, 1 / n), size=40_000))
    chunks = np.array([np.quantile(c, [0.025, 0.975], axis=0).ravel() for c in np.split(ref, 10)])
    tol = 4 * chunks.std(axis=0, ddof=1) * np.sqrt(1.1)
    got = res.table.set_index("term").loc[["k_mentor", "k_mentee"], ["ci_low", "ci_high"]]
    got = got.to_numpy().T.ravel()  # low mentor, low mentee, high mentor, high mentee
    np.testing.assert_array_less(
        np.abs(got - np.quantile(ref, [0.025, 0.975], axis=0).ravel()), tol
    )
    # the tolerance is tight enough to tell a 90% interval from the 95% one
    assert (np.abs(got - np.quantile(ref, [0.05, 0.95], axis=0).ravel()) > tol).all()


def test_k_bootstrap_unfitted_resamples_are_left_out(dyads):
    # a dyad-level dummy that is 1 in two dyads only: about e^-2 of the resamples contain
    # neither, the covariate is constant there and the resample cannot be fitted
    df = dyads.copy()
    rare = df["dyad_id"].isin(df["dyad_id"].unique()[:2])
    df["rare"] = rare.astype(float)
    with pytest.warns(ModelWarning, match="could not be fitted"):
        res = apim(df, X, Y, covariates=["rare"], n_boot=400, seed=2)
    failed = int((~np.isfinite(res.boot_k).all(axis=1)).sum())
    assert 0.05 * 400 < failed < 0.25 * 400
    assert f"{failed} bootstrap resamples could not be fitted" in res.notes
    k = res.table.set_index("term").loc["k_mentor"]
    valid = res.boot_k[np.isfinite(res.boot_k).all(axis=1), 0]
    assert k["se"] == pytest.approx(valid.std(ddof=1))
    assert k["ci_low"] < k["estimate"] < k["ci_high"]


def test_k_bootstrap_under_constraints_reproducible(dyads):
    r = apim(dyads, X, Y, equal_actor=True, equal_partner=True, n_boot=200, seed=1)
    k = r.table.set_index("term")
    assert k.at["k_mentor", "estimate"] == pytest.approx(k.at["k_mentee", "estimate"])
    np.testing.assert_allclose(r.boot_k[:, 0], r.boot_k[:, 1])


# --------------------------------------------------------------------------- result object


def test_result_metadata_summary_html(dyads):
    res = apim(dyads, X, Y, k_ci="delta")
    assert res.n_dyads == res.n == 150 and res.n_dropped == 0
    assert list(res.table.columns[:6]) == ["term", "estimate", "se", "ci_low", "ci_high", "p_value"]
    assert list(res.tests.columns) == ["test", "contrast", "statistic", "df", "p_value", "method"]
    text = res.summary()
    assert "actor_mentor" in text and "equal_partner" in text
    assert "<table" in res._repr_html_()


def test_html_escapes_user_strings(dyads):
    df = dyads.replace({"role": {"mentor": "<b>m</b>"}})
    res = apim(df, X, Y, roles=("<b>m</b>", "mentee"), k_ci="delta")
    out = res._repr_html_()
    assert "<b>m</b>" not in out and "&lt;b&gt;m&lt;/b&gt;" in out


def test_role_order_swaps_terms(dyads):
    a = _est(apim(dyads, X, Y, k_ci="delta"))
    b = _est(apim(dyads, X, Y, roles=("mentee", "mentor"), k_ci="delta"))
    assert a["actor_mentor"] == pytest.approx(b["actor_mentor"])
    assert a["partner_mentee_to_mentor"] == pytest.approx(b["partner_mentee_to_mentor"])
    assert a["residual_corr"] == pytest.approx(b["residual_corr"])


# --------------------------------------------------------------------------- bad input


def test_more_than_two_members(dyads):
    df = pd.concat([dyads, dyads.iloc[[0]].assign(role="mentee")], ignore_index=True)
    with pytest.raises(DataValidationError, match=r"D0001.*more than 2"):
        apim(df, X, Y, k_ci="delta")


def test_same_role_twice(dyads):
    df = dyads.copy()
    df.loc[1, "role"] = "mentor"
    with pytest.raises(DataValidationError, match=r"D0001.*same role"):
        apim(df, X, Y, k_ci="delta")


def test_unknown_role(dyads):
    df = dyads.copy()
    df.loc[3, "role"] = "protege"
    with pytest.raises(DataValidationError, match=r"protege.*not in roles"):
        apim(df, X, Y, k_ci="delta")


def test_missing_role_and_dyad_id(dyads):
    df = dyads.copy()
    df.loc[3, "role"] = None
    with pytest.raises(DataValidationError, match="no role"):
        apim(df, X, Y, k_ci="delta")
    df = dyads.copy()
    df.loc[3, "dyad_id"] = None
    with pytest.raises(DataValidationError, match="no dyad id"):
        apim(df, X, Y, k_ci="delta")


def test_singletons_dropped_and_reported(dyads):
    df = dyads.drop(index=[1, 2]).reset_index(drop=True)  # D0001 loses mentee, D0002 loses mentor
    res = apim(df, X, Y, k_ci="delta")
    assert res.n_dyads == 148 and res.n_dropped == 2
    note = next(n for n in res.notes if "singleton" in n)
    assert "2 singleton" in note and "'D0001'" in note and "'D0002'" in note
    assert set(res.dropped["dyad"]) == {"D0001", "D0002"}


def test_missing_values_dropped_and_reported(dyads):
    df = dyads.copy()
    df.loc[4, Y] = np.nan  # D0003 mentor
    df.loc[7, X] = np.nan  # D0004 mentee
    res = apim(df, X, Y, k_ci="delta")
    assert res.n_dyads == 148 and res.n_dropped == 2
    note = next(n for n in res.notes if "missing value" in n)
    assert "D0003" in note and "D0004" in note and f"{Y}_mentor: 1" in note
    reasons = res.dropped.set_index("dyad")["reason"]
    assert reasons["D0004"] == f"missing {X}_mentee"


def test_missing_dyad_level_covariate_is_missing_not_a_mismatch(dyads):
    df = dyads.assign(reverse_mentoring=dyads["reverse_mentoring"].astype(float))
    df.loc[0, "reverse_mentoring"] = np.nan  # D0001 mentor (the mentee has a value)
    df.loc[[6, 7], "reverse_mentoring"] = np.nan  # D0004, both members
    res = apim(df, X, Y, covariates=["reverse_mentoring"], k_ci="delta")
    assert res.n_dyads == 148 and res.n_dropped == 2
    note = next(n for n in res.notes if "missing value" in n)
    assert "reverse_mentoring: 2" in note and "D0001" in note and "D0004" in note
    reasons = res.dropped.set_index("dyad")["reason"]
    assert reasons["D0001"] == "missing reverse_mentoring"
    ref = apim(
        df.loc[~df["dyad_id"].isin(["D0001", "D0004"])],
        X,
        Y,
        covariates=["reverse_mentoring"],
        k_ci="delta",
    )
    pd.testing.assert_frame_equal(res.table, ref.table)
    wide, dropped = to_pairwise(df, [X], dyad_level=["reverse_mentoring"])
    assert len(wide) == 148 and set(dropped["dyad"]) == {"D0001", "D0004"}


def test_ci_level_and_seed_are_validated(dyads):
    with pytest.raises(ModelError, match=r"ci_level.*'95'"):
        apim(dyads, X, Y, ci_level="95", k_ci="delta")
    with pytest.raises(ModelError, match=r"did you mean ci_level=0\.95"):
        apim(dyads, X, Y, ci_level=95, k_ci="delta")
    with pytest.raises(ModelError, match="ci_level"):
        apim(dyads, X, Y, ci_level=True, k_ci="delta")
    with pytest.raises(ModelError, match=r"seed.*'abc'"):
        apim(dyads, X, Y, seed="abc", n_boot=200)
    with pytest.raises(ModelError, match="seed"):
        apim(dyads, X, Y, seed=-1, n_boot=200)
    assert apim(dyads, X, Y, seed=np.int64(3), n_boot=200).seed == 3


def test_bad_arguments(dyads):
    with pytest.raises(DataValidationError, match="roles must be two distinct"):
        apim(dyads, X, Y, roles=("mentor", "mentor"))
    with pytest.raises(ModelError, match="method"):
        apim(dyads, X, Y, method="lme")
    with pytest.raises(ModelError, match="k_ci"):
        apim(dyads, X, Y, k_ci="bca")
    with pytest.raises(ModelError, match="n_boot"):
        apim(dyads, X, Y, n_boot=10)
    with pytest.raises(ModelError, match="ci_level"):
        apim(dyads, X, Y, ci_level=95)
    with pytest.raises(DataValidationError, match="same column"):
        apim(dyads, X, X)
    with pytest.raises(DataValidationError, match="satisfactoin"):
        apim(dyads, X, "satisfactoin")
    with pytest.raises(DataValidationError, match="covariate 'role'"):
        apim(dyads, X, Y, covariates=["role"])


def test_non_numeric_column(dyads):
    df = dyads.assign(satisfaction=dyads[Y].astype(str))
    with pytest.raises(DataValidationError, match="'satisfaction' must be numeric"):
        apim(df, X, Y, k_ci="delta")


def test_constant_predictor_within_role(dyads):
    df = dyads.copy()
    df.loc[df["role"] == "mentee", X] = 3.0
    with pytest.raises(ModelError, match="constant among the mentees"):
        apim(df, X, Y, k_ci="delta")


def test_too_few_dyads(dyads):
    with pytest.raises(ModelError, match="too few"):
        apim(dyads.iloc[:8], X, Y, k_ci="delta")


def test_collinear_covariates(dyads):
    df = dyads.assign(age2=dyads["age"] * 2)
    with pytest.raises(ModelError, match="collinear"):
        apim(df, X, Y, covariates=["age", "age2"], k_ci="delta")


def test_dyad_level_column_differs_within_dyad(dyads):
    df = dyads.copy()
    df.loc[0, "reverse_mentoring"] = not df.loc[0, "reverse_mentoring"]
    with pytest.raises(DataValidationError, match=r"reverse_mentoring.*D0001"):
        to_pairwise(df, [X], dyad_level=["reverse_mentoring"])


# --------------------------------------------------------------------------- properties


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(shift=st.floats(-5, 5), scale=st.floats(0.2, 5), seed=st.integers(0, 10_000))
def test_affine_invariance_and_row_order(shift, scale, seed):
    df = simulate_dyads(n_dyads=40, seed=seed)
    base = _est(apim(df, X, Y, equal_actor=True, k_ci="delta"))
    moved = df.assign(satisfaction=df[Y] * scale + shift).sample(frac=1.0, random_state=seed)
    new = _est(apim(moved, X, Y, equal_actor=True, k_ci="delta"))
    for t in ("actor_mentor", "partner_mentee_to_mentor", "partner_mentor_to_mentee"):
        assert new[t] == pytest.approx(base[t] * scale, rel=1e-6, abs=1e-9)
    assert new["residual_corr"] == pytest.approx(base["residual_corr"], rel=1e-6, abs=1e-9)
    assert new["k_mentor"] == pytest.approx(base["k_mentor"], rel=1e-6, abs=1e-9)


# --------------------------------------------------------------------------- simulator


def test_simulator_reproducible_and_shaped():
    a = simulate_dyads(n_dyads=100, share_reverse=0.4, seed=5)
    b = simulate_dyads(n_dyads=100, share_reverse=0.4, seed=5)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(simulate_dyads(n_dyads=100, share_reverse=0.4, seed=6))
    assert a.shape == (200, 9)
    assert (
        a.groupby("dyad_id")["role"].apply(list)
        == pd.Series([["mentor", "mentee"]] * 100, index=a["dyad_id"].unique())
    ).all()
    rev = a[a["reverse_mentoring"]]
    # in reverse pairs the mentor is the junior member
    assert not rev.loc[rev["role"] == "mentor", "senior"].any()
    ages = a.pivot(index="dyad_id", columns="role", values="age")
    flags = a.groupby("dyad_id")["reverse_mentoring"].first()
    assert (ages.loc[flags, "mentor"] < ages.loc[flags, "mentee"]).mean() > 0.9


def test_simulator_recovers_parameters():
    params = DyadParams(actor_mentor=0.5, partner_mentor_to_mentee=0.1, residual_corr=0.4)
    df = simulate_dyads(n_dyads=4000, share_reverse=0.0, params=params, seed=9)
    est = _est(apim(df, X, Y, k_ci="delta"))
    assert est["actor_mentor"] == pytest.approx(0.5, abs=0.05)
    assert est["actor_mentee"] == pytest.approx(params.actor_mentee, abs=0.05)
    assert est["partner_mentor_to_mentee"] == pytest.approx(0.1, abs=0.05)
    assert est["partner_mentee_to_mentor"] == pytest.approx(
        params.partner_mentee_to_mentor, abs=0.05
    )
    assert est["residual_corr"] == pytest.approx(0.4, abs=0.05)


def test_simulator_bad_input():
    with pytest.raises(DataValidationError, match="n_dyads"):
        simulate_dyads(n_dyads=0)
    with pytest.raises(DataValidationError, match="share_reverse"):
        simulate_dyads(share_reverse=1.5)
    with pytest.raises(DataValidationError, match="residual_corr"):
        simulate_dyads(params=DyadParams(residual_corr=1.0))


# --------------------------------------------------------------------------- mutual benefit


def _small():
    return pd.DataFrame(
        {
            "dyad_id": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6],
            "role": ["mentor", "mentee"] * 5 + ["mentor"],
            "reverse_mentoring": [
                True,
                True,
                True,
                True,
                False,
                False,
                False,
                False,
                False,
                False,
                False,
            ],
            "gain": [5.0, 6.0, 5.0, 3.0, 2.0, 4.5, 4.0, 4.0, np.nan, 6.0, 6.0],
        }
    )


def test_mutual_benefit_hand_computed():
    res = mutual_benefit(_small(), "gain", scale_range=(1, 7))
    assert res.threshold == 4.0
    cats = res.dyads.set_index("dyad")["category"]
    assert cats.to_dict() == {
        1: "both_gain",
        2: "only_mentor_gains",
        3: "only_mentee_gains",
        4: "neither_gains",
    }  # 4.0 is not above the midpoint
    t = res.table.set_index(["group", "category"])
    assert t.loc[("all", "both_gain"), "n"] == 1 and t.loc[("all", "both_gain"), "share"] == 0.25
    assert t.loc[("reverse", "only_mentor_gains"), "share"] == 0.5
    assert t.loc[("traditional", "both_gain"), "n"] == 0
    assert res.n_dyads == 4 and res.n_dropped == 2
    assert any("singleton" in n and "6" in n for n in res.notes)
    assert any("missing value" in n and "5" in n for n in res.notes)


def test_mutual_benefit_threshold_items_and_no_group():
    df = _small().assign(g1=_small()["gain"], g2=_small()["gain"] - 1)
    res = mutual_benefit(df, ["g1", "g2"], threshold=3.9, group=None)
    # item means: dyad 4 members 3.5 -> neither; dyad 1: 4.5, 5.5 -> both
    cats = res.dyads.set_index("dyad")["category"]
    assert cats[1] == "both_gain" and cats[4] == "neither_gains"
    assert set(res.table["group"]) == {"all"}


def test_mutual_benefit_bad_input():
    with pytest.raises(DataValidationError, match="threshold"):
        mutual_benefit(_small(), "gain")
    with pytest.raises(DataValidationError, match="min < max"):
        mutual_benefit(_small(), "gain", scale_range=(7, 1))
    with pytest.raises(DataValidationError, match="must be numeric"):
        mutual_benefit(_small().assign(gain="x"), "gain", threshold=4)
    df = _small()
    df.loc[0, "reverse_mentoring"] = False
    with pytest.raises(DataValidationError, match=r"reverse_mentoring.*differs"):
        mutual_benefit(df, "gain", threshold=4)


def test_mutual_benefit_on_simulated_data():
    res = mutual_benefit(simulate_dyads(300, seed=2), "gains_for_me", scale_range=(1, 7))
    assert res.table.groupby("group")["share"].sum().round(10).eq(1).all()
    assert set(res.table["group"]) == {"all", "reverse", "traditional"}
    assert "threshold" in res.summary()


# --------------------------------------------------------------------------- figures


def test_figures_smoke(tmp_path, dyads):
    res = apim(dyads, X, Y, k_ci="delta", equal_partner=True)
    ax = res.plot()
    labels = [t.get_text() for t in ax.texts]
    assert any("actor" in s for s in labels) and any(s.startswith("r = ") for s in labels)
    ax.figure.savefig(tmp_path / "apim.png")
    assert (tmp_path / "apim.png").stat().st_size > 1000
    mb = mutual_benefit(dyads, "gains_for_me", scale_range=(1, 7))
    fig, ax2 = plt.subplots()
    assert mb.plot(ax=ax2) is ax2
    fig.savefig(tmp_path / "mb.png")
    plt.close("all")


def test_gls_and_sem_agree_on_badly_scaled_covariate(dyads):
    df = dyads.assign(income=dyads["age"] * 1e6 + np.arange(len(dyads)) * 1e3)
    g = apim(df, X, Y, covariates=["income"], equal_partner=True, k_ci="delta")
    s = apim(df, X, Y, covariates=["income"], equal_partner=True, k_ci="delta", method="sem")
    np.testing.assert_allclose(g.table["estimate"], s.table["estimate"], rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(g.table["se"], s.table["se"], rtol=1e-5, atol=1e-10)
    assert g.loglik == pytest.approx(s.loglik, abs=1e-4)


def test_mutual_benefit_role_specific_columns():
    df = _small()
    df["mentor_gains_self"] = np.where(df["role"] == "mentor", df["gain"], np.nan)
    df["mentee_gains_self"] = np.where(df["role"] == "mentee", df["gain"], np.nan)
    res = mutual_benefit(
        df, {"mentor": "mentor_gains_self", "mentee": "mentee_gains_self"}, scale_range=(1, 7)
    )
    pd.testing.assert_frame_equal(
        res.table, mutual_benefit(_small(), "gain", scale_range=(1, 7)).table
    )
    with pytest.raises(DataValidationError, match="one column per role"):
        mutual_benefit(df, {"mentor": "mentor_gains_self"}, threshold=4)


def test_seed_none_is_drawn_recorded_and_reproducible(dyads):
    r = apim(dyads, X, Y, n_boot=200)
    assert isinstance(r.seed, int)
    again = apim(dyads, X, Y, n_boot=200, seed=r.seed)
    pd.testing.assert_frame_equal(r.table, again.table)


# --------------------------------------------------------------------------- FIML (missing="fiml")
#: lavaan label (make_fiml_mediation_reference.R) -> term of ld.apim
FIML_TERMS = {
    "a_mentor": "actor_mentor",
    "a_mentee": "actor_mentee",
    "p_21": "partner_mentee_to_mentor",
    "p_12": "partner_mentor_to_mentee",
    "k_mentor": "k_mentor",
    "k_mentee": "k_mentee",
}


@pytest.fixture(scope="module")
def fiml_ref(request):
    import json

    path = request.config.rootpath / "tests" / "reference"
    with open(path / "fiml_mediation.json") as fh:
        return pd.read_csv(path / "fiml_apim.csv"), json.load(fh)["apim"]


@pytest.fixture(scope="module")
def fiml_free(fiml_ref):
    return apim(fiml_ref[0], "x", "y", missing="fiml", k_ci="delta")


def _lav(ref: dict, model: str) -> pd.DataFrame:
    return pd.DataFrame(ref[model]["tight"])


def test_fiml_apim_matches_lavaan(fiml_ref, fiml_free):
    """Estimates <= 1e-5 relative (1e-6 absolute for the small partner effect) to lavaan's
    tight refit; observed-information SEs and the delta-method SEs of k <= 1e-4; residual
    (co)variances; the log-likelihood (1e-6); rows and patterns counted."""
    _, ref = fiml_ref
    lav = _lav(ref, "free")
    by_label = lav.query("label != ''").set_index("label")
    est, se = _est(fiml_free), _se(fiml_free)
    for label, term in FIML_TERMS.items():
        assert est[term] == pytest.approx(by_label.at[label, "est"], rel=1e-5, abs=1e-6), term
        assert se[term] == pytest.approx(by_label.at[label, "se"], rel=1e-4), term
    rows = {("y_mentor", "y_mentor"): "residual_var_mentor",
            ("y_mentee", "y_mentee"): "residual_var_mentee",
            ("y_mentor", "y_mentee"): "residual_cov"}  # fmt: skip
    for (lhs, rhs), term in rows.items():
        row = lav[(lav["lhs"] == lhs) & (lav["op"] == "~~") & (lav["rhs"] == rhs)].iloc[0]
        assert est[term] == pytest.approx(row["est"], rel=1e-5)
        assert se[term] == pytest.approx(row["se"], rel=1e-4)
    icept = lav.query("lhs == 'y_mentee' and op == '~1'").iloc[0]
    assert est["intercept_mentee"] == pytest.approx(icept["est"], rel=1e-5)
    assert fiml_free.loglik == pytest.approx(ref["free"]["loglik"], abs=1e-6)
    assert (fiml_free.n, fiml_free.n_dropped) == (ref["free"]["nobs"], 2)
    assert fiml_free.n_patterns == ref["free"]["n_patterns"] == len(fiml_free.patterns)
    assert fiml_free.patterns["n"].sum() == fiml_free.n
    assert set(fiml_free.dropped["dyad"]) == {5, 150}
    assert "FIML: 218 of 220 dyads used" in fiml_free.summary()


def test_fiml_apim_equal_actor_and_lr_test_match_lavaan(fiml_ref, fiml_free):
    data, ref = fiml_ref
    """Equal actor effects: estimates <= 1e-5 relative to lavaan (its default nlminb fit; its
    BFGS refit stops 4e-9 lower in log-likelihood than both), SEs <= 1e-4; the LR test."""
    res = apim(data, "x", "y", missing="fiml", k_ci="delta", equal_actor=True)
    lav = pd.DataFrame(ref["equal_actor"]["default"]).query("label != ''")
    lav = lav.drop_duplicates("label").set_index("label")
    assert _est(res)["actor_mentor"] == pytest.approx(lav.at["a", "est"], rel=1e-5)
    assert _est(res)["actor_mentee"] == pytest.approx(lav.at["a", "est"], rel=1e-5)
    assert _est(res)["partner_mentee_to_mentor"] == pytest.approx(lav.at["p_21", "est"], rel=1e-5)
    assert _se(res)["partner_mentor_to_mentee"] == pytest.approx(lav.at["p_12", "se"], rel=1e-4)
    assert _se(res)["actor_mentor"] == pytest.approx(lav.at["a", "se"], rel=1e-4)
    assert res.loglik >= ref["equal_actor"]["loglik"] - 1e-8
    assert res.loglik == pytest.approx(ref["equal_actor"]["loglik"], abs=1e-6)
    lr = fiml_free.tests.query("test == 'equal_actor' and method == 'lr'").iloc[0]
    assert lr["statistic"] == pytest.approx(ref["lr_equal_actor"]["chisq"], rel=1e-4)
    assert lr["p_value"] == pytest.approx(ref["lr_equal_actor"]["p"], rel=1e-4)
    with pytest.raises(ModelError, match="k_ci='delta'"):
        apim(data, "x", "y", missing="fiml", equal_actor=True, n_boot=200)


def test_fiml_apim_dyad_level_covariate_matches_lavaan(fiml_ref):
    data, ref = fiml_ref
    res = apim(data, "x", "y", covariates=["reverse"], missing="fiml", k_ci="delta")
    lav = _lav(ref, "covariate")
    by_label = lav.query("label != ''").set_index("label")
    for label, term in FIML_TERMS.items():
        assert _est(res)[term] == pytest.approx(by_label.at[label, "est"], rel=1e-5, abs=1e-6), term
    row = lav.query("lhs == 'y_mentee' and op == '~' and rhs == 'reverse'").iloc[0]
    assert _est(res)["reverse_to_mentee"] == pytest.approx(row["est"], rel=1e-6)
    assert _se(res)["reverse_to_mentee"] == pytest.approx(row["se"], rel=1e-4)
    assert res.n == ref["covariate"]["nobs"]


def test_fiml_apim_k_bootstrap(fiml_ref, fiml_free):
    """Bootstrap SD of k within 25% of its delta-method SE (300 resamples); reproducible."""
    data, _ = fiml_ref
    a = apim(data, "x", "y", missing="fiml", n_boot=300, seed=8)
    b = apim(data, "x", "y", missing="fiml", n_boot=300, seed=8)
    np.testing.assert_array_equal(a.boot_k, b.boot_k)
    k = a.table.set_index("term").loc["k_mentor"]
    assert k["se"] == pytest.approx(_se(fiml_free)["k_mentor"], rel=0.25)
    assert k["ci_low"] < k["estimate"] < k["ci_high"]


def test_fiml_apim_complete_data_equals_listwise(dyads):
    """No missing values: FIML equals the listwise ML fit (estimates and SEs)."""
    fiml = apim(dyads, X, Y, missing="fiml", k_ci="delta")
    ml = apim(dyads, X, Y, k_ci="delta")
    coef = ml.table["kind"].isin(["actor", "partner", "intercept"])
    np.testing.assert_allclose(fiml.table["estimate"], ml.table["estimate"], rtol=1e-6)
    np.testing.assert_allclose(fiml.table["se"][coef], ml.table["se"][coef], rtol=1e-4)
    assert fiml.n_patterns == 1 and fiml.n == ml.n


def test_fiml_apim_keeps_singletons(fiml_ref):
    data, _ = fiml_ref
    single = data[~((data["dyad_id"] == 7) & (data["role"] == "mentee"))]
    listwise = apim(single, "x", "y", k_ci="delta")
    res = apim(single, "x", "y", missing="fiml", k_ci="delta")
    assert 7 in listwise.dropped["dyad"].tolist()
    assert 7 in res.pairs.index and res.n == 218
