"""Simulated mentoring program for the mentor-motives model (after Liu et al., 2021).

No original data is public. :func:`simulate_motives` produces one row per mentor–mentee pair
with the *structure* of such a study: mentors rate their motives for mentoring (self-focused:
self-enhancement and personal gain; other-focused: benefiting others and intrinsic
satisfaction) and their mentoring behaviours (self- and other-focused); each of their mentees
rates the mentoring functions received (relationship quality), their career progress and their
intention to continue; the mentor rates their intention to continue with that mentee. Effect
sizes are the stated assumptions of :class:`MotivesParams`. Items are drawn through the scale
codebook (:func:`learning_direction.simulate.items.simulate_items`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import ConfigError
from .items import simulate_items

__all__ = ["MOTIVES_SCALES", "MotivesParams", "simulate_motives"]

MENTOR_SCALES = ("mentor_motives", "mentoring_behaviors")
PAIR_MENTOR_SCALES = ("retention_intention_mentor",)
MENTEE_SCALES = ("mentoring_functions", "career_progress", "retention_intention_mentee")
MOTIVES_SCALES = (*MENTOR_SCALES, *PAIR_MENTOR_SCALES, *MENTEE_SCALES)


@dataclass(frozen=True)
class MotivesParams:
    """Parameters of :func:`simulate_motives` (stated assumptions, not findings).

    All latent variables are in standard-deviation units. For mentor *j* and mentee *i*:

    * motives: the four motive subscales are multivariate normal; the two self-focused ones
      (self-enhancement, personal gain) correlate ``r_within_self`` (.55), the two
      other-focused ones (benefit others, intrinsic satisfaction) ``r_within_other`` (.60),
      and any self- with any other-focused subscale ``r_self_other`` (.10). The composite
      motives ``S`` and ``O`` are the means of their two subscales (standardized);
    * behaviours (mentor level): self-focused behaviour ``B_s = a_self S + a_cross_self O + e``
      with ``a_self`` = .50 and ``a_cross_self`` = -.15; other-focused behaviour
      ``B_o = a_other O + a_cross_other S + e`` with ``a_other`` = .50 and
      ``a_cross_other`` = -.10;
    * pair-level outcomes, each ``= b_o B_o + b_s B_s + u_j + e`` with a mentor effect ``u_j``
      holding ``icc`` (.10) of the residual variance:

      - relationship quality (latent of the three mentoring functions): ``b_o`` = .45,
        ``b_s`` = -.25; the functions are ``.80 RQ + e``;
      - mentee career progress: .30 and -.15, plus .20 × relationship quality;
      - mentor retention intention: .35 and .00;
      - mentee retention intention: .15 and -.15, plus .40 × relationship quality.

    So other-focused motives work through other-focused behaviour and raise every outcome;
    self-focused motives work through self-focused behaviour and lower the mentee's outcomes.

    Attributes
    ----------
    n_mentors : int
        Mentors (default 150).
    mentees_min, mentees_max : int
        Mentees per mentor, uniform on this range (default 1–3, about 300 pairs).
    loading : float
        Standardized item loading (default .78).
    missing_rate, careless_rate : float
        Share of missing answers (.03) and of straight-lining respondents (.02).
    """

    n_mentors: int = 150
    mentees_min: int = 1
    mentees_max: int = 3
    r_within_self: float = 0.55
    r_within_other: float = 0.60
    r_self_other: float = 0.10
    a_self: float = 0.50
    a_cross_self: float = -0.15
    a_other: float = 0.50
    a_cross_other: float = -0.10
    rq_other: float = 0.45
    rq_self: float = -0.25
    cp_other: float = 0.30
    cp_self: float = -0.15
    cp_rq: float = 0.20
    ret_mentor_other: float = 0.35
    ret_mentor_self: float = 0.00
    ret_mentee_other: float = 0.15
    ret_mentee_self: float = -0.15
    ret_mentee_rq: float = 0.40
    icc: float = 0.10
    loading: float = 0.78
    missing_rate: float = 0.03
    careless_rate: float = 0.02

    def __post_init__(self) -> None:
        if self.n_mentors < 10:
            raise ConfigError(f"MotivesParams.n_mentors must be at least 10, got {self.n_mentors}")
        if not 1 <= self.mentees_min <= self.mentees_max:
            raise ConfigError(
                "MotivesParams needs 1 <= mentees_min <= mentees_max, got "
                f"{self.mentees_min} and {self.mentees_max}"
            )
        for key in ("icc", "missing_rate", "careless_rate"):
            v = getattr(self, key)
            if not 0 <= v < 1:
                raise ConfigError(f"MotivesParams.{key} must be in [0, 1), got {v}")
        if not 0 < self.loading < 1:
            raise ConfigError(f"MotivesParams.loading must be in (0, 1), got {self.loading}")
        R = _motive_corr(self)
        if np.linalg.eigvalsh(R).min() <= 0:
            raise ConfigError(
                "MotivesParams: r_within_self, r_within_other and r_self_other do not form a "
                "valid correlation matrix; lower r_self_other"
            )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _motive_corr(p: MotivesParams) -> np.ndarray:
    s, o, x = p.r_within_self, p.r_within_other, p.r_self_other
    return np.array([[1, s, x, x], [s, 1, x, x], [x, x, 1, o], [x, x, o, 1]], dtype=float)


def _unit(rng: np.random.Generator, lin: np.ndarray) -> np.ndarray:
    """``lin`` plus noise so that the result has (about) unit variance."""
    v = float(np.var(lin))
    return lin + rng.normal(0.0, np.sqrt(max(1.0 - v, 0.05)), len(lin))


def _z(x: np.ndarray) -> np.ndarray:
    z: np.ndarray = (x - x.mean()) / x.std()
    return z


def simulate_motives(params: MotivesParams | None = None, seed: int = 9) -> pd.DataFrame:
    """Simulate the mentor-motives program: one row per mentor–mentee pair.

    Parameters
    ----------
    params : MotivesParams, optional
        Effect sizes and design (default: the stated defaults).
    seed : int
        Same seed -> identical data.

    Returns
    -------
    DataFrame
        ``pair_id, mentor_id, mentee_id``, the mentor's motive (``mot_*``) and behaviour
        (``mbh_*``) items (repeated on each of the mentor's rows), the mentor's retention
        intention for this mentee (``ret_mr_*``), and the mentee's mentoring functions
        (``mf_*``), career progress (``cp_*``) and retention intention (``ret_me_*``).

    Examples
    --------
    >>> from learning_direction.simulate.motives import simulate_motives
    >>> d = simulate_motives(seed=1)
    >>> d["mentor_id"].nunique()
    150

    In R, comparable data come from ``lavaan::simulateData`` of the path model followed by
    ``cut()`` of each item.
    """
    p = params or MotivesParams()
    rng = np.random.default_rng(seed)
    J = p.n_mentors
    mot = rng.multivariate_normal(np.zeros(4), _motive_corr(p), size=J, method="cholesky")
    names = ["self_enhancement", "personal_gain", "benefit_others", "intrinsic_satisfaction"]
    lat_m = pd.DataFrame(mot, columns=names)
    self_m = _z(mot[:, :2].mean(axis=1))
    other_m = _z(mot[:, 2:].mean(axis=1))
    lat_m["self_focused_behavior"] = _unit(rng, p.a_self * self_m + p.a_cross_self * other_m)
    lat_m["other_focused_behavior"] = _unit(rng, p.a_other * other_m + p.a_cross_other * self_m)

    sizes = rng.integers(p.mentees_min, p.mentees_max + 1, size=J)
    k = np.repeat(np.arange(J), sizes)
    n = len(k)
    Bs = lat_m["self_focused_behavior"].to_numpy()[k]
    Bo = lat_m["other_focused_behavior"].to_numpy()[k]

    def outcome(lin: np.ndarray) -> np.ndarray:
        resid = max(1.0 - float(np.var(lin)), 0.05)
        u = rng.normal(0.0, np.sqrt(p.icc * resid), J)[k]
        return lin + u + rng.normal(0.0, np.sqrt((1 - p.icc) * resid), n)

    rq = outcome(p.rq_other * Bo + p.rq_self * Bs)
    lat_p = pd.DataFrame(
        {
            "relationship_quality": rq,
            "career_progress": outcome(p.cp_other * Bo + p.cp_self * Bs + p.cp_rq * rq),
            "retention_intention_mentor": outcome(p.ret_mentor_other * Bo + p.ret_mentor_self * Bs),
            "retention_intention_mentee": outcome(
                p.ret_mentee_other * Bo + p.ret_mentee_self * Bs + p.ret_mentee_rq * rq
            ),
        }
    )
    for f in ("career_support", "psychosocial_support", "role_modeling"):
        lat_p[f] = 0.8 * rq + rng.normal(0.0, 0.6, n)

    def items(scales: Iterable[str], latent: pd.DataFrame) -> pd.DataFrame:
        return simulate_items(
            list(scales),
            latent,
            loading=p.loading,
            missing_rate=p.missing_rate,
            careless_rate=p.careless_rate,
            seed=int(rng.integers(0, 2**31 - 1)),
        ).reset_index(drop=True)

    mentor_items = items(MENTOR_SCALES, lat_m)
    pair_mentor_items = items(PAIR_MENTOR_SCALES, lat_p)
    mentee_items = items(MENTEE_SCALES, lat_p)
    mentor_ids = np.array([f"M{j + 1:04d}" for j in range(J)])
    ids = pd.DataFrame(
        {
            "pair_id": [f"P{i + 1:04d}" for i in range(n)],
            "mentor_id": mentor_ids[k],
            "mentee_id": [f"E{i + 1:05d}" for i in range(n)],
        }
    )
    return pd.concat(
        [ids, mentor_items.iloc[k].reset_index(drop=True), pair_mentor_items, mentee_items],
        axis=1,
    )
