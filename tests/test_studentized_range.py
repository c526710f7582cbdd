"""The vectorised studentized range (models/_studentized_range.py) against R's ptukey/qtukey
(tests/reference/studentized_range.json, made by make_studentized_range_reference.R), against
scipy.stats.studentized_range, and against the closed form for k = 2.

R's ptukey is itself only accurate to about 3e-9 (df = inf), 2e-8 (df 20-1000), 2e-7 (df = 10),
3e-5 (df = 5), 4e-4 (df = 3) and 3e-3 (df = 2): there its values are compared with scipy's
adaptive quadrature, which agrees with ours to about 1e-11. R's qtukey stops its secant iteration
at a step of 1e-4 in q.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

from _reference import reference_json
from learning_direction.exceptions import ModelError
from learning_direction.models._studentized_range import ptukey, qtukey, tukey_pdf

REF = reference_json("studentized_range.json")


def _columns(rows: list[dict], names: tuple[str, ...]) -> dict[str, np.ndarray]:
    return {
        n: np.array([np.inf if r[n] is None else r[n] for r in rows], dtype=float) for n in names
    }


P = _columns(REF["ptukey"], ("k", "df", "q", "lower", "upper"))
Q = _columns(REF["qtukey"], ("k", "df", "p", "q"))

# |ours - R| in p by df, set just above R's own error (measured against scipy, see the module)
R_P_TOL = {np.inf: 3e-9, 1000: 7e-9, 120: 2e-8, 50: 2.5e-8, 20.5: 1.5e-8, 10: 2.5e-7}


# every other row of the grid (each k, df and region of q is still represented): the test stays
# at about a second
ROWS = np.arange(0, P["q"].size, 2)


@pytest.fixture(scope="module")
def upper_all():
    out = np.full(P["q"].size, np.nan)
    out[ROWS] = ptukey(P["q"][ROWS], P["k"][ROWS], P["df"][ROWS], lower_tail=False)
    return out


@pytest.mark.parametrize("df", list(R_P_TOL))
def test_ptukey_matches_r_where_r_is_accurate(df, upper_all):
    m = ROWS[P["df"][ROWS] == df]
    np.testing.assert_allclose(upper_all[m], P["upper"][m], rtol=0, atol=R_P_TOL[df])
    sub = np.flatnonzero(P["df"] == df)[1::6]
    lower = ptukey(P["q"][sub], P["k"][sub], P["df"][sub])
    np.testing.assert_allclose(lower, P["lower"][sub], rtol=0, atol=R_P_TOL[df])


def test_small_df_where_r_is_off_agrees_with_scipy(upper_all):
    # the rows with the largest |ours - R| at df 2, 3, 5: scipy sides with ours, not with R
    for df, r_off in ((2, 1e-3), (3, 1e-4), (5, 1e-5)):
        m = ROWS[P["df"][ROWS] == df]
        worst = m[np.argsort(-np.abs(upper_all[m] - P["upper"][m]))[:3]]
        sp = [stats.studentized_range.sf(P["q"][i], P["k"][i], df) for i in worst]
        np.testing.assert_allclose(upper_all[worst], sp, rtol=1e-9, atol=1e-11)
        assert np.max(np.abs(upper_all[worst] - P["upper"][worst])) > r_off


def test_ptukey_matches_scipy_on_a_sample_of_the_grid(upper_all):
    idx = np.random.default_rng(3).choice(ROWS, 40, replace=False)
    sp = np.array([stats.studentized_range.sf(P["q"][i], P["k"][i], P["df"][i]) for i in idx])
    # scipy's sf is 1 - cdf with an absolute error near 1e-13: relative only above 1e-6
    np.testing.assert_allclose(upper_all[idx], sp, rtol=0, atol=2e-11)
    big = sp > 1e-6
    np.testing.assert_allclose(upper_all[idx][big], sp[big], rtol=2e-9)


def test_the_two_tails_add_to_one():
    sub = slice(None, None, 20)
    lower = ptukey(P["q"][sub], P["k"][sub], P["df"][sub])
    upper = ptukey(P["q"][sub], P["k"][sub], P["df"][sub], lower_tail=False)
    np.testing.assert_allclose(lower + upper, 1.0, rtol=0, atol=1e-14)


@pytest.mark.parametrize("df", [1.0, 1.5, 2.0, 3.0, 7.3, 20.5, 120.0, 5000.0, np.inf])
def test_k2_is_sqrt2_times_abs_t_both_tails_to_relative_accuracy(df):
    # the range of two normals is sqrt(2)|Z|: Q = sqrt(2)|T_df|, so P(Q > q) = 2 P(T > q/sqrt 2)
    # and P(Q <= q) = I(x^2 / (df + x^2); 1/2, df/2), x = q / sqrt 2 (erf(q / 2) for df = inf)
    dist = stats.norm if np.isinf(df) else stats.t(df)
    p_up = np.array([0.9, 0.5, 0.05, 1e-3, 1e-6, 1e-9, 1e-10, 1e-12])
    q = np.sqrt(2) * dist.isf(p_up / 2)
    np.testing.assert_allclose(ptukey(q, 2, df, lower_tail=False), p_up, rtol=1e-13)
    q_low = np.array([1e-9, 1e-6, 1e-4, 1e-2, 0.5, 2.0])
    x2 = q_low**2 / 2
    p_low = special.erf(q_low / 2) if np.isinf(df) else special.betainc(0.5, df / 2, x2 / (df + x2))
    np.testing.assert_allclose(ptukey(q_low, 2, df), p_low, rtol=1e-13)
    dens = np.sqrt(2) * dist.pdf(q / np.sqrt(2))
    np.testing.assert_allclose(tukey_pdf(q, 2, df), dens, rtol=1e-11)
    np.testing.assert_allclose(qtukey(p_up, 2, df, lower_tail=False), q, rtol=1e-12)


def test_density_matches_scipy():
    q, k, df = np.array([0.7, 3.2, 6.0]), np.array([3, 6, 20]), np.array([4.5, 20.5, np.inf])
    sp = [stats.studentized_range.pdf(*a) for a in zip(q, k, df)]
    np.testing.assert_allclose(tukey_pdf(q, k, df), sp, rtol=1e-8)


def test_qtukey_matches_r_to_its_stopping_accuracy():
    m = np.flatnonzero(Q["df"] >= 10)[::4]
    ours = qtukey(Q["p"][m], Q["k"][m], Q["df"][m])
    np.testing.assert_allclose(ours, Q["q"][m], rtol=1e-5)
    # and inverts our ptukey exactly
    np.testing.assert_allclose(ptukey(ours, Q["k"][m], Q["df"][m]), Q["p"][m], rtol=0, atol=1e-14)


def test_qtukey_matches_scipy():
    cases = [(0.95, 3, 197.3), (0.99, 10, 5.5), (0.5, 20, 2.0)]
    for p, k, df in cases:
        sp = stats.studentized_range.ppf(p, k, df)
        assert qtukey(p, k, df) == pytest.approx(sp, rel=1e-10)


def test_qtukey_lower_tail_false_and_far_tails():
    p_up = np.array([0.3, 1e-3, 1e-8, 1e-12])
    q = qtukey(p_up, 5, 12.5, lower_tail=False)
    np.testing.assert_allclose(ptukey(q, 5, 12.5, lower_tail=False), p_up, rtol=1e-9)
    q_lo = qtukey([1e-10, 1e-4], 5, 12.5)
    np.testing.assert_allclose(ptukey(q_lo, 5, 12.5), [1e-10, 1e-4], rtol=1e-9)


def test_vectorised_call_equals_one_call_per_element_and_broadcasts():
    q = np.array([[1.0, 3.0], [4.5, 8.0]])
    df = np.array([3.3, np.inf])
    whole = ptukey(q, 4, df, lower_tail=False)
    assert whole.shape == (2, 2)
    single = [[ptukey(q[i, j], 4, df[j], lower_tail=False) for j in range(2)] for i in range(2)]
    np.testing.assert_allclose(whole, np.array(single, dtype=float), rtol=1e-14)


def test_edges_and_missing_values():
    assert ptukey(0.0, 3, 10) == 0.0
    assert ptukey(-1.0, 3, 10, lower_tail=False) == 1.0
    assert ptukey(np.inf, 3, 10) == 1.0
    assert np.isnan(ptukey(np.nan, 3, 10))
    assert qtukey(0.0, 3, 10) == 0.0
    assert qtukey(1.0, 3, 10) == np.inf
    assert np.isnan(qtukey(np.nan, 3, 10))
    with pytest.raises(ModelError, match=r"k must be a whole number >= 2 .* got k = 1, df = 10"):
        ptukey(3.0, 1, 10)
    with pytest.raises(ModelError, match=r"df > 0; got k = 3, df = 0 \(element 1\)"):
        qtukey(0.95, 3, [5, 0])
