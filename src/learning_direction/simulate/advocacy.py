"""Simulated mentoring program for the advocacy × authenticity typology (after Ibarra).

No original data is public. :func:`simulate_advocacy` produces mentee-rated relationships with
the *structure* such a program evaluation has (mentees nested in mentors; mentee ratings of the
mentor's advocacy, the authenticity of the relationship, psychological safety, empathic support,
mentoring functions and the mentee's career progress) from the stated assumptions of
:class:`AdvocacyParams`. Items are drawn through the scale codebook
(:func:`learning_direction.simulate.items.simulate_items`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from ..exceptions import ConfigError
from .items import simulate_items

__all__ = ["AdvocacyParams", "simulate_advocacy"]

ADVOCACY_SCALES = (
    "advocacy",
    "authenticity",
    "psychological_safety",
    "empathic_support",
    "mentoring_functions",
    "career_progress",
)


@dataclass(frozen=True)
class AdvocacyParams:
    """Parameters of :func:`simulate_advocacy` (stated assumptions, not findings).

    All latent variables are in standard-deviation units. For mentee *i* of mentor *j*:

    * psychological safety ``S`` and empathic support ``E`` are bivariate normal with
      correlation ``r_safety_empathy`` (default .45); a share ``icc`` (default .15) of their
      variance is between mentors (some mentors make every mentee feel safe);
    * authenticity ``A = b_safety S + b_empathy E + e`` with defaults .40 and .25 (residual
      variance chosen so that ``A`` has unit variance);
    * advocacy ``V = adv_mean + r_adv_auth A + b_female F + u_j + e`` (``F`` = female mentee,
      ``u_j`` a mentor effect with ``icc`` of the variance): advocacy is rarer than authenticity
      (``adv_mean`` = -0.45) and female mentees receive a little less of it
      (``b_female`` = -0.25, Ibarra's "over-mentored, under-sponsored");
    * career progress ``P = b_adv V + b_auth A + b_adv_auth V A + e`` with defaults .30, .15
      and .15: authentic advocacy (high, high) is best, instruction (low, low) worst;
    * mentoring functions: career support ``= .55 V + e``, psychosocial support ``= .55 A + e``,
      role modelling ``= .25 V + .30 A + e``.

    Attributes
    ----------
    n_mentors : int
        Mentors in the program (default 70).
    mentees_min, mentees_max : int
        Mentees per mentor, uniform on this range (default 2–5, about 250 relationships).
    loading : float
        Standardized item loading (default .78).
    missing_rate, careless_rate : float
        Share of answers missing at random (default .02) and of straight-lining respondents
        (default .01).
    """

    n_mentors: int = 70
    mentees_min: int = 2
    mentees_max: int = 5
    r_safety_empathy: float = 0.45
    icc: float = 0.15
    b_safety: float = 0.40
    b_empathy: float = 0.25
    adv_mean: float = -0.45
    r_adv_auth: float = 0.20
    b_female: float = -0.25
    b_adv: float = 0.30
    b_auth: float = 0.15
    b_adv_auth: float = 0.15
    loading: float = 0.78
    missing_rate: float = 0.02
    careless_rate: float = 0.01

    def __post_init__(self) -> None:
        if not 1 <= self.mentees_min <= self.mentees_max:
            raise ConfigError(
                f"mentees_min={self.mentees_min} and mentees_max={self.mentees_max} must satisfy "
                "1 <= mentees_min <= mentees_max"
            )
        if self.n_mentors < 2:
            raise ConfigError(f"n_mentors={self.n_mentors} must be at least 2")
        if not 0 <= self.icc < 1 or not -1 < self.r_safety_empathy < 1:
            raise ConfigError("icc must be in [0, 1) and r_safety_empathy in (-1, 1)")
        if (
            self.b_safety**2
            + self.b_empathy**2
            + 2 * self.b_safety * self.b_empathy * (self.r_safety_empathy)
            >= 1
        ):
            raise ConfigError(
                "b_safety and b_empathy explain all of authenticity's variance; lower them"
            )

    def as_dict(self) -> dict[str, float]:
        """The parameters as a plain dict (for reports)."""
        return asdict(self)


def _unit(rng: np.random.Generator, lin: np.ndarray) -> np.ndarray:
    """``lin`` plus normal noise so that the sum has (about) unit variance."""
    return lin + rng.normal(0.0, np.sqrt(max(1.0 - float(np.var(lin)), 0.05)), size=len(lin))


def simulate_advocacy(params: AdvocacyParams | None = None, seed: int | None = 6) -> pd.DataFrame:
    """Simulate a mentoring program: one row per mentee-rated mentor–mentee relationship.

    Parameters
    ----------
    params : AdvocacyParams, optional
        Data-generating assumptions (defaults documented on the class).
    seed : int, optional
        Same seed, identical data.

    Returns
    -------
    DataFrame
        ``mentor_id, mentee_id, mentee_gender`` and the items of the ``advocacy``,
        ``authenticity``, ``psychological_safety``, ``empathic_support``,
        ``mentoring_functions`` and ``career_progress`` scales (answers 1–7, mentoring
        functions 1–5; missing answers NaN; reverse-keyed items stored as answered).

    Notes
    -----
    See :class:`AdvocacyParams` for the equations. The mentor effects make relationships of
    one mentor alike, so analyses should use mentor-clustered standard errors.

    Examples
    --------
    >>> from learning_direction.simulate.advocacy import simulate_advocacy
    >>> d = simulate_advocacy(seed=1)
    >>> {"mentor_id", "adv_1", "auth_1", "psafe_1", "cp_1"} <= set(d.columns)
    True

    In R, comparable data come from ``lavaan::simulateData`` with the same structural model.
    """
    p = params or AdvocacyParams()
    rng = np.random.default_rng(seed)
    sizes = rng.integers(p.mentees_min, p.mentees_max + 1, size=p.n_mentors)
    k = np.repeat(np.arange(p.n_mentors), sizes)
    n = len(k)
    sd_b, sd_w = np.sqrt(p.icc), np.sqrt(1 - p.icc)
    corr = np.array([[1.0, p.r_safety_empathy], [p.r_safety_empathy, 1.0]])
    between = rng.multivariate_normal([0.0, 0.0], corr, size=p.n_mentors) * sd_b
    within = rng.multivariate_normal([0.0, 0.0], corr, size=n) * sd_w
    se = between[k] + within
    safety, empathy = se[:, 0], se[:, 1]
    auth = _unit(rng, p.b_safety * safety + p.b_empathy * empathy)
    female = rng.binomial(1, 0.5, n).astype(float)
    u_adv = rng.normal(0.0, sd_b, p.n_mentors)
    adv_lin = p.r_adv_auth * auth + p.b_female * (female - female.mean()) + u_adv[k]
    adv = p.adv_mean + _unit(rng, adv_lin)
    a_c, v_c = auth, adv - p.adv_mean
    progress = _unit(rng, p.b_adv * v_c + p.b_auth * a_c + p.b_adv_auth * v_c * a_c)
    latent = pd.DataFrame(
        {
            "advocacy": adv,
            "authenticity": auth,
            "psychological_safety": safety,
            "empathic_support": empathy,
            "career_support": _unit(rng, 0.55 * v_c),
            "psychosocial_support": _unit(rng, 0.55 * a_c),
            "role_modeling": _unit(rng, 0.25 * v_c + 0.30 * a_c),
            "career_progress": progress,
        }
    )
    items = simulate_items(
        list(ADVOCACY_SCALES),
        latent,
        loading=p.loading,
        missing_rate=p.missing_rate,
        careless_rate=p.careless_rate,
        seed=int(rng.integers(0, 2**31 - 1)),
    )
    mentor_ids = np.array([f"M{j + 1:03d}" for j in range(p.n_mentors)])
    ids = pd.DataFrame(
        {
            "mentor_id": mentor_ids[k],
            "mentee_id": [f"T{i + 1:04d}" for i in range(n)],
            "mentee_gender": np.where(female == 1, "female", "male"),
        }
    )
    return pd.concat([ids, items.reset_index(drop=True)], axis=1)
