"""Bundled datasets of the "beyond learning direction" studies: dyads and developmental networks.

These wrap :func:`~learning_direction.simulate.dyads.simulate_dyads` and
:func:`~learning_direction.simulate.networks.simulate_networks` and add survey items drawn
through the scale codebook, so that the bundled files look like what a program collects.

* ``dyads``: 200 mentoring dyads (about 30% reverse mentoring: the junior member mentors the
  senior), one row per member. ``learning_orientation`` (x) and ``satisfaction`` (y) come from
  the APIM data-generating process of :class:`~learning_direction.simulate.dyads.DyadParams`.
  The member's own benefit (``gains_for_me`` of the simulator, standardized) is the latent
  score of the ``*_gains_self`` subscale of the role's mutual-benefit scale (mentors answer
  ``mutual_benefit_mentor``, mentees ``mutual_benefit_mentee``); the perceived benefit to the
  partner is ``.60 × (partner's own benefit) + noise`` (unit variance). The other role's items
  are empty. A dyad-level ``focus`` records what the pair works on (reverse pairs: technology,
  front-line operations or customer insight; traditional pairs: career development,
  leadership or technical skills).
* ``networks``: 120 egos. Survey learning-direction latents (upward, lateral, downward;
  correlations .30, .25, .10 as in the studies) give the ego's ``learning_direction`` items;
  the same ``downward`` latent drives the up/lateral/down composition of the simulated
  developmental network (two waves), so the network's ``share_down`` is a behavioural
  counterpart of the survey score (convergent validity). The egos file is the roster of the
  120 invited egos (``tenure`` from the roster, known for all); ``networks_waves`` records who
  answered at each wave (:func:`~learning_direction.simulate.networks.simulate_participation`:
  non-response at wave 1 and drop-out at wave 2, missing at random given tenure and the wave-1
  network size). A non-respondent's survey items are empty and their alters and ties are not
  in the files; the networks of the respondents are those of the full simulation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .items import simulate_items

__all__ = ["bundled_dyads", "bundled_networks"]

REVERSE_FOCUS = ("technology", "front_line_operations", "customer_insight")
TRADITIONAL_FOCUS = ("career_development", "leadership", "technical_skills")


def _std(x: np.ndarray) -> np.ndarray:
    z: np.ndarray = (x - x.mean()) / x.std()
    return z


def bundled_dyads(seed: int, n_dyads: int = 200, share_reverse: float = 0.3) -> pd.DataFrame:
    """The bundled ``dyads`` dataset (see the module docstring for the process)."""
    from .dyads import simulate_dyads

    base = simulate_dyads(n_dyads=n_dyads, share_reverse=share_reverse, seed=seed)
    rng = np.random.default_rng(seed + 1)
    n = len(base) // 2
    gain = base["gains_for_me"].to_numpy(float).reshape(n, 2)  # columns: mentor, mentee
    z = _std(gain.ravel()).reshape(n, 2)
    partner = 0.6 * z[:, ::-1] + rng.normal(0.0, 0.8, size=(n, 2))
    mentor_lat = pd.DataFrame({"mentor_gains_self": z[:, 0], "mentor_gains_partner": partner[:, 0]})
    mentee_lat = pd.DataFrame({"mentee_gains_self": z[:, 1], "mentee_gains_partner": partner[:, 1]})
    kw: dict[str, Any] = {"loading": 0.78, "missing_rate": 0.02, "careless_rate": 0.0}
    mentor_items = simulate_items("mutual_benefit_mentor", mentor_lat, seed=rng, **kw)
    mentee_items = simulate_items("mutual_benefit_mentee", mentee_lat, seed=rng, **kw)
    reverse = base["reverse_mentoring"].to_numpy(bool)[::2]
    focus = np.where(
        reverse,
        rng.choice(REVERSE_FOCUS, size=n),
        rng.choice(TRADITIONAL_FOCUS, size=n),
    )
    out = base.drop(columns=["gains_for_me"]).copy()
    out["reverse_mentoring"] = out["reverse_mentoring"].astype(int)
    out["senior"] = out["senior"].astype(int)
    for col in ("learning_orientation", "satisfaction"):
        out[col] = out[col].round(4)
    out.insert(3, "focus", np.repeat(focus, 2))
    empty_mentor = pd.DataFrame(np.nan, index=range(n), columns=mentor_items.columns)
    empty_mentee = pd.DataFrame(np.nan, index=range(n), columns=mentee_items.columns)
    items = pd.concat(
        [
            pd.concat([mentor_items, empty_mentee], axis=1).assign(_o=2 * np.arange(n)),
            pd.concat([empty_mentor, mentee_items], axis=1).assign(_o=2 * np.arange(n) + 1),
        ],
        ignore_index=True,
    )
    items = items.sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)
    return pd.concat([out.reset_index(drop=True), items], axis=1)


def bundled_networks(
    seed: int, n_egos: int = 120, waves: int = 2
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The bundled ``networks_egos``, ``networks_alters``, ``networks_ties`` and
    ``networks_waves`` tables."""
    from .networks import simulate_networks, simulate_participation

    rng = np.random.default_rng(seed)
    corr = np.array([[1.0, 0.30, 0.10], [0.30, 1.0, 0.25], [0.10, 0.25, 1.0]])
    lat = pd.DataFrame(
        rng.multivariate_normal(np.zeros(3), corr, size=n_egos, method="cholesky"),
        columns=["upward", "lateral", "downward"],
    )
    ego_ids = [f"E{i + 1:03d}" for i in range(n_egos)]
    items = simulate_items(
        "learning_direction",
        lat,
        loading=0.78,
        missing_rate=0.02,
        careless_rate=0.0,
        seed=int(rng.integers(0, 2**31 - 1)),
    )
    tenure = np.clip(np.round(rng.gamma(2.2, 4.0, n_egos)), 0, 40).astype(int)
    egos = pd.concat(
        [pd.DataFrame({"ego_id": ego_ids, "tenure": tenure}), items.reset_index(drop=True)],
        axis=1,
    )
    downward = pd.Series(lat["downward"].to_numpy(), index=ego_ids)
    alters, ties = simulate_networks(
        waves=waves, seed=int(rng.integers(0, 2**31 - 1)), downward=downward
    )
    # its own stream, so the networks of the respondents do not depend on who answered
    record = simulate_participation(pd.Series(tenure, index=ego_ids), alters, seed=seed + 1000)
    silent = record[record["responded"] == 0]
    never = set(silent.loc[silent["wave"] == 1, "ego_id"])
    egos.loc[egos["ego_id"].isin(never), items.columns] = np.nan

    def observed(df: pd.DataFrame) -> pd.DataFrame:
        key = pd.MultiIndex.from_frame(df[["ego_id", "wave"]])
        gone = pd.MultiIndex.from_frame(silent[["ego_id", "wave"]])
        return df.loc[~key.isin(gone)].reset_index(drop=True)

    return egos, observed(alters), observed(ties), record
