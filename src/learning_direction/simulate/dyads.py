"""Simulated mentoring dyads (traditional and reverse mentoring) for the APIM and mutual benefit.

Long format, one row per dyad member. The data-generating process is an Actor–Partner
Interdependence Model with distinguishable roles (mentor, mentee); every effect size is a
documented default of :class:`DyadParams` that the user can change.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from ..exceptions import DataValidationError

__all__ = ["DyadParams", "simulate_dyads"]


@dataclass(frozen=True)
class DyadParams:
    """Parameters of the dyad data-generating process (stated assumptions, not findings).

    The predictor ``learning_orientation`` (x) of each member is normal with mean ``x_mean``
    and SD ``x_sd``; partners' predictors correlate ``x_corr``. The outcome ``satisfaction``
    (y, relationship satisfaction) follows, for the mentor (M) and mentee (E) of a dyad::

        y_M = intercept_mentor + actor_mentor (x_M - x_mean) + partner_mentee_to_mentor (x_E - x_mean)
              + reverse_mentor * reverse + e_M
        y_E = intercept_mentee + actor_mentee (x_E - x_mean) + partner_mentor_to_mentee (x_M - x_mean)
              + reverse_mentee * reverse + e_E

    with (e_M, e_E) bivariate normal, SDs ``residual_sd_mentor``, ``residual_sd_mentee`` and
    correlation ``residual_corr``. ``gains_for_me`` (the member's own benefit score) is
    ``gain_intercept + gain_on_satisfaction (y - mean y) + gain_reverse_senior * (reverse and
    the member is the senior) + N(0, gain_sd)``. Scores are continuous and not clipped to a
    response range, so the linear model holds exactly.

    Ages: in traditional pairs the mentor is the senior member (age ~ N(senior_age_mean, 7)),
    in reverse pairs the mentee is; the junior member's age ~ N(junior_age_mean, 4).
    ``tenure_years`` is age - 22 - N(0, 2)^+, at least 0.
    """

    actor_mentor: float = 0.40
    actor_mentee: float = 0.30
    partner_mentee_to_mentor: float = 0.15
    partner_mentor_to_mentee: float = 0.25
    intercept_mentor: float = 5.0
    intercept_mentee: float = 5.2
    reverse_mentor: float = 0.0
    reverse_mentee: float = -0.10
    x_mean: float = 4.8
    x_sd: float = 1.0
    x_corr: float = 0.20
    residual_sd_mentor: float = 0.85
    residual_sd_mentee: float = 0.95
    residual_corr: float = 0.35
    gain_intercept: float = 4.6
    gain_on_satisfaction: float = 0.6
    gain_reverse_senior: float = 0.3
    gain_sd: float = 0.8
    senior_age_mean: float = 47.0
    junior_age_mean: float = 29.0

    def as_dict(self) -> dict[str, float]:
        """The parameters as a plain dict (for reports)."""
        return asdict(self)


def simulate_dyads(
    n_dyads: int = 200,
    share_reverse: float = 0.3,
    params: DyadParams | None = None,
    seed: int | None = 2024,
) -> pd.DataFrame:
    """Simulate mentoring dyads in long format (two rows per dyad).

    Parameters
    ----------
    n_dyads : int
        Number of dyads.
    share_reverse : float
        Expected share of reverse-mentoring pairs (junior mentor, senior mentee), in [0, 1].
    params : DyadParams, optional
        Effect sizes and distributions; defaults documented in :class:`DyadParams`.
    seed : int or None
        Seed of the random generator: same seed, identical data.

    Returns
    -------
    DataFrame
        Columns ``dyad_id`` (``"D0001"`` ...), ``role`` (mentor, mentee), ``reverse_mentoring``
        (bool, same for both members), ``senior`` (bool, the more senior member), ``age``,
        ``tenure_years``, ``learning_orientation`` (x), ``satisfaction`` (y) and
        ``gains_for_me`` (benefit score, nominally on a 1–7 scale).

    Notes
    -----
    See :class:`DyadParams` for the equations. Rows are ordered by dyad, mentor first.

    Examples
    --------
    >>> df = simulate_dyads(n_dyads=100, seed=1)
    >>> df.shape
    (200, 9)
    """
    if not isinstance(n_dyads, int | np.integer) or n_dyads < 1:
        raise DataValidationError(
            f"simulate_dyads: n_dyads must be a positive integer, got {n_dyads!r}"
        )
    if not 0 <= share_reverse <= 1:
        raise DataValidationError(
            f"simulate_dyads: share_reverse must be between 0 and 1, got {share_reverse!r}"
        )
    p = params if params is not None else DyadParams()
    if not -1 < p.residual_corr < 1 or not -1 < p.x_corr < 1:
        raise DataValidationError(
            "simulate_dyads: residual_corr and x_corr must be strictly between -1 and 1"
        )
    rng = np.random.default_rng(seed)
    n = int(n_dyads)
    reverse = rng.random(n) < share_reverse
    x = rng.multivariate_normal(
        [p.x_mean, p.x_mean],
        p.x_sd**2 * np.array([[1.0, p.x_corr], [p.x_corr, 1.0]]),
        size=n,
    )
    sm, se, rc = p.residual_sd_mentor, p.residual_sd_mentee, p.residual_corr
    e = rng.multivariate_normal([0.0, 0.0], [[sm**2, rc * sm * se], [rc * sm * se, se**2]], size=n)
    xm, xe = x[:, 0] - p.x_mean, x[:, 1] - p.x_mean
    rev = reverse.astype(float)
    y_m = p.intercept_mentor + p.actor_mentor * xm + p.partner_mentee_to_mentor * xe
    y_m = y_m + p.reverse_mentor * rev + e[:, 0]
    y_e = p.intercept_mentee + p.actor_mentee * xe + p.partner_mentor_to_mentee * xm
    y_e = y_e + p.reverse_mentee * rev + e[:, 1]
    senior_age = rng.normal(p.senior_age_mean, 7.0, size=n)
    junior_age = rng.normal(p.junior_age_mean, 4.0, size=n)
    age_m = np.where(reverse, junior_age, senior_age)
    age_e = np.where(reverse, senior_age, junior_age)
    tenure_m = np.maximum(age_m - 22 - np.abs(rng.normal(0, 2.0, size=n)), 0.0)
    tenure_e = np.maximum(age_e - 22 - np.abs(rng.normal(0, 2.0, size=n)), 0.0)
    y_all = np.concatenate([y_m, y_e])
    senior_e = reverse  # in reverse pairs the mentee is the senior member
    gain_m = (
        p.gain_intercept
        + p.gain_on_satisfaction * (y_m - y_all.mean())
        + rng.normal(0, p.gain_sd, size=n)
    )
    gain_e = (
        p.gain_intercept
        + p.gain_on_satisfaction * (y_e - y_all.mean())
        + p.gain_reverse_senior * senior_e
        + rng.normal(0, p.gain_sd, size=n)
    )
    ids = np.array([f"D{i + 1:04d}" for i in range(n)])
    out = pd.DataFrame(
        {
            "dyad_id": np.repeat(ids, 2),
            "role": np.tile(["mentor", "mentee"], n),
            "reverse_mentoring": np.repeat(reverse, 2),
            "senior": np.column_stack([~reverse, reverse]).ravel(),
            "age": np.column_stack([age_m, age_e]).ravel().round(1),
            "tenure_years": np.column_stack([tenure_m, tenure_e]).ravel().round(1),
            "learning_orientation": np.column_stack([x[:, 0], x[:, 1]]).ravel(),
            "satisfaction": np.column_stack([y_m, y_e]).ravel(),
            "gains_for_me": np.column_stack([gain_m, gain_e]).ravel(),
        }
    )
    return out
