"""Data-generating processes for the four studies of "Learning Down to Train Up".

No original data of Zhang, Wang & Galinsky (2023) is public. These generators produce data with
the *structure* of each study (design, measures, nesting) from stated assumptions. Every effect
size is a field of a parameters dataclass whose default is a plausible value for this literature
(standardized units unless noted); change them to explore other scenarios. Item responses are
drawn through the scale codebook (:func:`learning_direction.simulate.items.simulate_items`), so
the bundled data carry measurement error, reverse-keyed items, ~3% missing answers and a few
straight-lining respondents.

All generators take ``seed`` and return identical data for the same seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .items import simulate_items

__all__ = [
    "Study1Params",
    "Study2Params",
    "Study3Params",
    "Study4Params",
    "simulate_study1",
    "simulate_study2",
    "simulate_study3",
    "simulate_study4",
]

DIRECTIONS = ("upward", "lateral", "downward")
INDUSTRIES = ("technology", "finance", "healthcare", "education", "manufacturing", "public_sector")


@dataclass(frozen=True)
class ItemParams:
    """Measurement assumptions shared by the study generators."""

    loading: float = 0.78
    missing_rate: float = 0.03
    careless_rate: float = 0.02
    careless_kinds: tuple[str, ...] = ("straightline",)


def _direction_latents(
    rng: np.random.Generator, n: int, r_up_lat: float, r_lat_down: float, r_up_down: float
) -> pd.DataFrame:
    corr = np.array(
        [[1, r_up_lat, r_up_down], [r_up_lat, 1, r_lat_down], [r_up_down, r_lat_down, 1]]
    )
    z = rng.multivariate_normal(np.zeros(3), corr, size=n, method="cholesky")
    return pd.DataFrame(z, columns=list(DIRECTIONS))


def _residual(rng: np.random.Generator, n: int, explained_var: float) -> np.ndarray:
    """Noise scaled so that the outcome has unit variance given the explained variance."""
    return rng.normal(0.0, np.sqrt(max(1.0 - explained_var, 0.05)), size=n)


def _std(x: np.ndarray) -> np.ndarray:
    z: np.ndarray = (x - x.mean()) / x.std()
    return z


def _controls(rng: np.random.Generator, n: int) -> pd.DataFrame:
    age = np.clip(np.round(rng.normal(44, 9, n)), 24, 68)
    tenure = np.clip(np.round(rng.gamma(2.2, 4.5, n)), 0, age - 20)
    female = rng.binomial(1, 0.46, n)
    past = rng.poisson(2.5 + 0.04 * (age - 44).clip(0), n)
    return pd.DataFrame(
        {
            "age": age.astype(int),
            "tenure": tenure.astype(int),
            "gender": np.where(female == 1, "female", "male"),
            "past_mentees": past.astype(int),
        }
    )


def _items(
    latent: pd.DataFrame, scales: Any, ip: ItemParams, rng: np.random.Generator
) -> pd.DataFrame:
    seed = int(rng.integers(0, 2**31 - 1))
    return simulate_items(
        scales,
        latent,
        loading=ip.loading,
        missing_rate=ip.missing_rate,
        careless_rate=ip.careless_rate,
        careless_kinds=ip.careless_kinds,
        seed=seed,
    )


def _mentor_ids(n: int) -> list[str]:
    return [f"M{i + 1:04d}" for i in range(n)]


def _mentor_rows(
    n: int, extra: dict[str, Any], ctrl: pd.DataFrame, items: pd.DataFrame
) -> pd.DataFrame:
    """One row per mentor: ``mentor_id``, the ``extra`` columns, the controls, then the items."""
    ids = pd.DataFrame({"mentor_id": _mentor_ids(n), **extra})
    return pd.concat([ids, ctrl, items.reset_index(drop=True)], axis=1)


# ------------------------------------------------------------------------------------- study 1


@dataclass(frozen=True)
class Study1Params:
    """Study 1 (survey of mentors): learning direction predicts mentor engagement.

    Defaults: n = 300 mentors; correlations among the three directions .30 (up–lateral),
    .25 (lateral–down), .10 (up–down); standardized effects on engagement of downward .28,
    upward .08, lateral .06, learning goal orientation .22 and past mentees .10.

    Learning goal orientation (LGO, the control construct) correlates ``r_lgo_up``,
    ``r_lgo_lat`` and ``r_lgo_down`` (.25, .30, .40) with the three directions and has its own
    effect ``b_lgo`` on engagement. In the latent variables the three directions then explain
    about 18% of the variance of engagement on their own (Study 1 of the paper reports an
    increment of this order) and about 8% over LGO: the test of incremental validity over
    LGO is a real test, not a formality.

    Missing data (so that the missing-data method matters): besides the answers missing
    completely at random (``items.missing_rate``, .02), a share ``mar_rate`` (.03) of the answers is
    missing at random given age (the odds of skipping an item rise by ``exp(mar_age_slope)``
    per SD of age), and a share ``block_nonresponse`` (.06) of mentors skips the last page of
    the survey (the LGO and engagement items) with a probability that falls with tenure (an
    observed variable: missing at random). Careless responders (``items.careless_rate``, 3%)
    straight-line, answer at random or answer the midpoint, in turn.
    """

    n: int = 300
    r_up_lat: float = 0.30
    r_lat_down: float = 0.25
    r_up_down: float = 0.10
    b_down: float = 0.28
    b_up: float = 0.08
    b_lat: float = 0.06
    b_past_mentees: float = 0.10
    r_lgo_up: float = 0.25
    r_lgo_lat: float = 0.30
    r_lgo_down: float = 0.40
    b_lgo: float = 0.22
    mar_rate: float = 0.03
    mar_age_slope: float = 1.0
    block_nonresponse: float = 0.06
    items: ItemParams = field(
        default_factory=lambda: ItemParams(
            missing_rate=0.02,
            careless_rate=0.03,
            careless_kinds=("straightline", "random", "midpoint"),
        )
    )


#: the items on the last page of the Study 1 survey (skipped together by block non-response)
STUDY1_LAST_PAGE = ("learning_goal_orientation", "mentor_engagement")


def _study1_latents(p: Study1Params, rng: np.random.Generator) -> pd.DataFrame:
    names = [*DIRECTIONS, "learning_goal_orientation"]
    corr = np.array(
        [
            [1, p.r_up_lat, p.r_up_down, p.r_lgo_up],
            [p.r_up_lat, 1, p.r_lat_down, p.r_lgo_lat],
            [p.r_up_down, p.r_lat_down, 1, p.r_lgo_down],
            [p.r_lgo_up, p.r_lgo_lat, p.r_lgo_down, 1],
        ]
    )
    z = rng.multivariate_normal(np.zeros(4), corr, size=p.n, method="cholesky")
    return pd.DataFrame(z, columns=names)


def _logistic_share(
    rng: np.random.Generator, driver: np.ndarray, rate: float, slope: float
) -> np.ndarray:
    """Per-row probabilities with mean ``rate`` whose log-odds rise by ``slope`` per SD of
    ``driver`` (the intercept found by bisection)."""
    z = _std(driver)
    lo, hi = -20.0, 20.0
    for _ in range(80):
        mid = (lo + hi) / 2
        if float(np.mean(1 / (1 + np.exp(-(mid + slope * z))))) < rate:
            lo = mid
        else:
            hi = mid
    prob: np.ndarray = 1 / (1 + np.exp(-(lo + slope * z)))
    return prob


def _study1_missing(
    items: pd.DataFrame, ctrl: pd.DataFrame, p: Study1Params, rng: np.random.Generator
) -> pd.DataFrame:
    """MAR item missingness (driven by age) and last-page non-response (driven by tenure)."""
    from ..scales.codebook import load_scale

    out = items.copy()
    if p.mar_rate > 0:
        prob = _logistic_share(rng, ctrl["age"].to_numpy(float), p.mar_rate, p.mar_age_slope)
        hit = rng.uniform(size=out.shape) < prob[:, None]
        out = out.mask(hit)
    if p.block_nonresponse > 0:
        prob = _logistic_share(rng, ctrl["tenure"].to_numpy(float), p.block_nonresponse, -1.0)
        skip = rng.uniform(size=len(out)) < prob
        last = [i for name in STUDY1_LAST_PAGE for i in load_scale(name).item_ids]
        out.loc[skip, last] = np.nan
    return out


def simulate_study1(params: Study1Params | None = None, seed: int = 1) -> pd.DataFrame:
    """Simulate Study 1: one row per mentor (ids, controls, learning-direction, LGO and
    engagement items).

    Parameters
    ----------
    params : Study1Params, optional
        The data-generating assumptions (default: ``Study1Params()``).
    seed : int
        Seed of the random generator (same seed -> identical data).

    Returns
    -------
    DataFrame
        ``mentor_id, age, tenure, gender, past_mentees`` and the item columns of the
        ``learning_direction``, ``learning_goal_orientation`` and ``mentor_engagement`` scales.
        ``attrs["careless_kinds"]`` maps the row of every simulated careless responder to its
        kind.

    Notes
    -----
    Latent scores are drawn from the structural model with the effects in ``params`` (stated
    assumptions, not estimates from the original study); items are then generated from the
    latent scores through the scale codebook
    (:func:`learning_direction.simulate.simulate_items`: item noise, reverse keying as
    ``min + max - x``, answers missing completely at random and careless responders as set in
    ``params.items``). Then answers go missing at random given age, and some mentors skip the
    last page (LGO and engagement) with a probability that depends on tenure (see
    :class:`Study1Params`): listwise deletion loses these mentors, FIML keeps them.

    Examples
    --------
    >>> import learning_direction as ld
    >>> from learning_direction.simulate import Study1Params, simulate_study1
    >>> d = simulate_study1(seed=1)
    >>> len(d)
    300
    >>> big = simulate_study1(Study1Params(n=1000, b_down=0.5), seed=7)  # a stronger effect
    >>> s = ld.score(big, ["learning_direction", "mentor_engagement"]).scores
    >>> bool(s["downward"].corr(s["mentor_engagement"]) > 0.3)
    True
    """
    p = params or Study1Params()
    rng = np.random.default_rng(seed)
    lat = _study1_latents(p, rng)
    ctrl = _controls(rng, p.n)
    past = _std(ctrl["past_mentees"].to_numpy(float))
    lin = (
        p.b_down * lat["downward"]
        + p.b_up * lat["upward"]
        + p.b_lat * lat["lateral"]
        + p.b_lgo * lat["learning_goal_orientation"]
        + p.b_past_mentees * past
    )
    lat["mentor_engagement"] = lin + _residual(rng, p.n, float(np.var(lin)))
    items = _items(lat, ["learning_direction", *STUDY1_LAST_PAGE], p.items, rng)
    kinds = items.attrs.get("careless_kinds", {})
    items = _study1_missing(items, ctrl, p, rng)
    out = _mentor_rows(p.n, {}, ctrl, items)
    out.attrs["careless_kinds"] = kinds
    return out


# ---------------------------------------------------------------------------------- study 2A/B


@dataclass(frozen=True)
class Study2Params:
    """Studies 2A and 2B: downward learning → learning opportunity → engagement.

    Defaults: a = .40 (downward → learning opportunity), b = .45 (learning opportunity →
    engagement), direct effect c' = .10, upward and lateral as covariates with small effects
    (.10 / .05 on both). 2A: n = 400, industry mix weighted to technology and finance; 2B:
    n = 250, weighted to healthcare, education and the public sector.
    """

    n: int = 400
    industry_weights: tuple[float, ...] = (0.30, 0.25, 0.10, 0.10, 0.15, 0.10)
    a: float = 0.40
    b: float = 0.45
    c_prime: float = 0.10
    b_up: float = 0.10
    b_lat: float = 0.05
    r_up_lat: float = 0.30
    r_lat_down: float = 0.25
    r_up_down: float = 0.10
    items: ItemParams = field(default_factory=ItemParams)


STUDY2B = Study2Params(n=250, industry_weights=(0.08, 0.07, 0.30, 0.25, 0.10, 0.20))


def simulate_study2(params: Study2Params | None = None, seed: int = 2) -> pd.DataFrame:
    """Simulate Study 2A (default parameters) or 2B (``params=STUDY2B``): one row per mentor.

    Parameters
    ----------
    params : Study2Params, optional
        The data-generating assumptions (default: ``Study2Params()``, Study 2A; ``STUDY2B``
        for Study 2B).
    seed : int
        Seed of the random generator (same seed -> identical data).

    Returns
    -------
    DataFrame
        ``mentor_id, industry, age, tenure, gender, past_mentees`` and the items of
        ``learning_direction``, ``learning_opportunity`` and ``mentor_engagement``.

    Notes
    -----
    Latent scores are drawn from the structural model with the effects in ``params`` (stated
    assumptions, not estimates from the original study); items are then generated from the
    latent scores through the scale codebook
    (:func:`learning_direction.simulate.simulate_items`: item noise, reverse keying as
    ``min + max - x``, missing answers and straight-liners as set in ``params.items``).

    Examples
    --------
    >>> from learning_direction.simulate.studies import STUDY2B, simulate_study2
    >>> simulate_study2(seed=2).shape, simulate_study2(STUDY2B, seed=2).shape
    ((400, 28), (250, 28))
    """
    p = params or Study2Params()
    rng = np.random.default_rng(seed)
    lat = _direction_latents(rng, p.n, p.r_up_lat, p.r_lat_down, p.r_up_down)
    ctrl = _controls(rng, p.n)
    w = np.asarray(p.industry_weights, float)
    industry = rng.choice(INDUSTRIES, size=p.n, p=w / w.sum())
    lin_m = p.a * lat["downward"] + p.b_up * lat["upward"] + p.b_lat * lat["lateral"]
    lat["learning_opportunity"] = lin_m + _residual(rng, p.n, float(np.var(lin_m)))
    lin_y = (
        p.b * lat["learning_opportunity"]
        + p.c_prime * lat["downward"]
        + p.b_up * lat["upward"]
        + p.b_lat * lat["lateral"]
    )
    lat["mentor_engagement"] = lin_y + _residual(rng, p.n, float(np.var(lin_y)))
    items = _items(
        lat, ["learning_direction", "learning_opportunity", "mentor_engagement"], p.items, rng
    )
    return _mentor_rows(p.n, {"industry": industry}, ctrl, items)


# ------------------------------------------------------------------------------------- study 3


@dataclass(frozen=True)
class Study3Params:
    """Study 3 (field study at a training program): mentees nested in mentors.

    Defaults: 120 mentors with 3–8 mentees each; downward learning (measured before the
    program) → mentor engagement (mid-program) a = .40; engagement → mentee hireability
    b = .35 (mentee-level outcome, in SD units of the mentee-level latent); a mentor random
    intercept with ICC ≈ .15 on hireability; hireability rated by external raters (3 items);
    hired within 6 months: logistic with log-odds slope 0.9 on the hireability latent and base
    rate ≈ 45%.

    The paths are chosen so that the headline effects have at least .90 power at this size
    when the data are analysed as the Study 3 pipeline does (two-level SEM of the 2-2-1 design,
    Monte Carlo CI of the indirect effect; items with measurement error, missing answers and
    careless responders). By brute-force simulation
    (:func:`learning_direction.studies.study3.simulated_power`, 500 replications, seed
    20261122): a .97, b 1.00, indirect effect .97 (95% CI .95-.98; see notebook 04). With the earlier
    a = .35, b = .30 the indirect effect had a power of about .89.

    Loss to follow-up: ``hired_6m`` is recorded 6 months after the program, and some mentees
    cannot be reached. A mentee is lost with
    :math:`\\operatorname{logit} p = \\lambda_0 + \\lambda_h (h_{ij} - \bar h) + \\lambda_a
    (\text{age}_{ij} - \\overline{\text{age}})`, :math:`h` the mentee's *observed*
    hireability score (mean of the answered items, rated at baseline) — missing at random
    given baseline variables. Defaults :math:`\\lambda_0 = -2.1`, :math:`\\lambda_h = -0.6`
    per scale point, :math:`\\lambda_a = -0.05` per year: about 12% lost, more among less
    hireable and younger mentees; ``hired_6m`` is empty for them. The draws use their own
    random stream, so every other column is unchanged by them (``lost_intercept=-inf``: no
    loss).
    """

    n_mentors: int = 120
    mentees_min: int = 3
    mentees_max: int = 8
    a: float = 0.40
    b: float = 0.35
    c_prime: float = 0.05
    icc: float = 0.15
    hired_intercept: float = -0.2
    hired_slope: float = 0.9
    items: ItemParams = field(default_factory=ItemParams)
    lost_intercept: float = -2.1
    lost_hireability: float = -0.6
    lost_age: float = -0.05


def simulate_study3(
    params: Study3Params | None = None, seed: int = 3
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate Study 3: returns ``(mentors, mentees)``; mentees carry ``mentor_id``.

    Parameters
    ----------
    params : Study3Params, optional
        The data-generating assumptions (default: ``Study3Params()``).
    seed : int
        Seed of the random generator (same seed -> identical data).

    Returns
    -------
    (DataFrame, DataFrame)
        The mentor file (one row per mentor: learning direction and engagement items) and the
        mentee file (one row per mentee: ``mentee_id, mentor_id``, hireability items,
        ``hired_6m``); ``ld.load_dataset("study3")`` is their join on ``mentor_id``.

    Notes
    -----
    Latent scores are drawn from the structural model with the effects in ``params`` (stated
    assumptions, not estimates from the original study); items are then generated from the
    latent scores through the scale codebook
    (:func:`learning_direction.simulate.simulate_items`: item noise, reverse keying as
    ``min + max - x``, missing answers and straight-liners as set in ``params.items``).

    Examples
    --------
    >>> from learning_direction.simulate.studies import simulate_study3
    >>> mentors, mentees = simulate_study3(seed=3)
    >>> len(mentors), bool(mentees["mentor_id"].isin(mentors["mentor_id"]).all())
    (120, True)
    """
    p = params or Study3Params()
    rng = np.random.default_rng(seed)
    lat = _direction_latents(rng, p.n_mentors, 0.30, 0.25, 0.10)
    ctrl = _controls(rng, p.n_mentors)
    lin_m = p.a * lat["downward"] + 0.08 * lat["upward"]
    lat["mentor_engagement"] = lin_m + _residual(rng, p.n_mentors, float(np.var(lin_m)))
    mentor_items = _items(lat, ["learning_direction", "mentor_engagement"], p.items, rng)
    mentor_ids = np.array(_mentor_ids(p.n_mentors))
    mentors = pd.concat(
        [pd.DataFrame({"mentor_id": mentor_ids}), ctrl, mentor_items.reset_index(drop=True)], axis=1
    )

    sizes = rng.integers(p.mentees_min, p.mentees_max + 1, size=p.n_mentors)
    k = np.repeat(np.arange(p.n_mentors), sizes)
    n = len(k)
    # mentor-level part of the outcome: engagement effect + random intercept; mentee-level noise
    between = p.b * lat["mentor_engagement"].to_numpy() + p.c_prime * lat["downward"].to_numpy()
    tau2 = p.icc / (1 - p.icc) * (1 - p.b**2)  # random-intercept variance relative to residual
    u = rng.normal(0, np.sqrt(tau2), p.n_mentors)
    hire_lat = between[k] + u[k] + rng.normal(0, np.sqrt(1 - p.b**2), n)
    mentee_lat = pd.DataFrame({"hireability": hire_lat})
    mentee_items = _items(mentee_lat, ["hireability"], p.items, rng)
    prob = 1 / (1 + np.exp(-(p.hired_intercept + p.hired_slope * hire_lat)))
    hired = rng.binomial(1, prob)
    mentees = pd.concat(
        [
            pd.DataFrame(
                {
                    "mentee_id": [f"E{i + 1:05d}" for i in range(n)],
                    "mentor_id": mentor_ids[k],
                    "mentee_age": np.clip(np.round(rng.normal(24, 3, n)), 18, 40).astype(int),
                    "mentee_gender": np.where(rng.binomial(1, 0.5, n) == 1, "female", "male"),
                }
            ),
            mentee_items.reset_index(drop=True),
            pd.DataFrame({"hired_6m": hired.astype(float)}),
        ],
        axis=1,
    )
    lost = _lost_to_follow_up(mentees, mentee_items, p, seed)
    mentees.loc[lost, "hired_6m"] = np.nan
    return mentors, mentees


def _lost_to_follow_up(
    mentees: pd.DataFrame, items: pd.DataFrame, p: Study3Params, seed: int
) -> np.ndarray:
    """Which mentees the 6-month follow-up missed (MAR given baseline hireability and age)."""
    rng = np.random.default_rng([seed, 6])  # its own stream: nothing else moves
    score = items.mean(axis=1).to_numpy(float)  # observed hireability (answered items)
    score = np.where(np.isnan(score), np.nanmean(score), score)
    age = mentees["mentee_age"].to_numpy(float)
    lin = (
        p.lost_intercept
        + p.lost_hireability * (score - score.mean())
        + p.lost_age * (age - age.mean())
    )
    lost: np.ndarray = rng.random(len(mentees)) < 1.0 / (1.0 + np.exp(-lin))
    return lost


# ------------------------------------------------------------------------------------- study 4


@dataclass(frozen=True)
class Study4Params:
    """Study 4 (experiment): a reflection task about a downward learning experience.

    The effect runs through the learning state the theory names: the reflection task moves a
    momentary downward-learning state (what the manipulation check measures), the state raises
    engagement, and engagement improves the mentee's experience. In SD units against control:

    * state (manipulation check): +0.80 for the downward reflection, +0.10 for the upward one
      (a manipulation check targets the manipulated state itself; large effects, observed
      g ≈ .6 after measurement error, are usual for recall tasks);
    * engagement: 0.60 per SD of the state, and no direct effect of condition, so the
      downward reflection raises engagement by 0.80 × 0.60 = 0.48 SD (observed g ≈ .4 after
      measurement error, .35 in the bundled sample: the typical size of a recall
      manipulation's downstream effect, d ≈ .3–.5), and the state and engagement correlate
      within condition (about .5);
    * mentee experience: engagement → experience b = .40, no direct effect, so the total effect
      of the downward reflection on the mentee is 0.48 × 0.40 ≈ 0.19 SD: with 100 mentors per
      condition it is usually not significant, though the indirect effect through engagement
      is.

    300 mentors randomised to three conditions (downward, upward, control; equal sizes).
    """

    n: int = 300
    conditions: tuple[str, ...] = ("downward", "upward", "control")
    mc_effect_down: float = 0.80
    mc_effect_up: float = 0.10
    state_to_engagement: float = 0.60
    eng_direct_down: float = 0.0
    eng_direct_up: float = 0.0
    b: float = 0.40
    items: ItemParams = field(default_factory=ItemParams)


def simulate_study4(params: Study4Params | None = None, seed: int = 4) -> pd.DataFrame:
    """Simulate Study 4: one row per mentor–mentee pair (condition, check, engagement, experience).

    Parameters
    ----------
    params : Study4Params, optional
        The data-generating assumptions (default: ``Study4Params()``).
    seed : int
        Seed of the random generator (same seed -> identical data).

    Returns
    -------
    DataFrame
        ``mentor_id, condition`` (downward / upward / control), controls and the items of
        ``manipulation_check``, ``mentor_engagement`` and ``mentee_experience``.

    Notes
    -----
    Latent scores are drawn from the structural model with the effects in ``params`` (stated
    assumptions, not estimates from the original study): with :math:`D, U` the downward and
    upward indicators, state :math:`S = \\delta_D D + \\delta_U U + e_S`, engagement
    :math:`E = \\gamma S + \\theta_D D + \\theta_U U + e_E` (:math:`\\theta` = 0 by default),
    experience :math:`X = b E + e_X`; the residuals are independent normal with variances
    1, :math:`1 - \\gamma^2` and :math:`1 - b^2`. Items are then generated from the latent
    scores through the scale codebook (:func:`learning_direction.simulate.simulate_items`:
    item noise, reverse keying as ``min + max - x``, missing answers and straight-liners as set
    in ``params.items``), separately for the mentor's items (manipulation check, engagement)
    and the mentee's (experience), so a careless mentor and a careless mentee are different
    respondents.

    Examples
    --------
    >>> from learning_direction.simulate.studies import simulate_study4
    >>> simulate_study4(seed=4)["condition"].value_counts().sort_index().to_dict()
    {'control': 100, 'downward': 100, 'upward': 100}
    """
    p = params or Study4Params()
    rng = np.random.default_rng(seed)
    cond = rng.permutation(np.resize(np.array(p.conditions), p.n))
    down = (cond == "downward").astype(float)
    up = (cond == "upward").astype(float)
    # condition -> momentary downward-learning state (the manipulation check's construct)
    state = p.mc_effect_down * down + p.mc_effect_up * up + rng.normal(0, 1, p.n)
    # state -> engagement (plus optional direct effects); unit residual variance within condition
    g = p.state_to_engagement
    eng = (
        g * state
        + p.eng_direct_down * down
        + p.eng_direct_up * up
        + rng.normal(0, np.sqrt(max(1 - g**2, 0.05)), p.n)
    )
    exp_ = p.b * eng + rng.normal(0, np.sqrt(1 - p.b**2), p.n)
    mc = state
    lat = pd.DataFrame(
        {"manipulation_check": mc, "mentor_engagement": eng, "mentee_experience": exp_}
    )
    # two respondents per row: the mentor answers the check and engagement, the mentee the
    # experience items, so each straight-lines (careless_rate) independently of the other
    mentor_items = _items(lat, ["manipulation_check", "mentor_engagement"], p.items, rng)
    mentee_items = _items(lat, ["mentee_experience"], p.items, rng)
    items = pd.concat([mentor_items, mentee_items], axis=1)
    ctrl = _controls(rng, p.n)
    return _mentor_rows(p.n, {"condition": cond}, ctrl, items)
