"""Simulated developmental networks (egocentric alter tables and alter–alter ties).

The data-generating process is a stated assumption, not an estimate from real data:

1. Each ego *i* has a network of :math:`n_i` alters, uniform on ``size_min..size_max``.
2. Level (up / lateral / down) follows a multinomial logit with a person-level tendency
   :math:`z_i` (the ``downward`` latent, standard normal unless given):
   :math:`\\eta_{up} = \\alpha_{up} - \\beta z_i`, :math:`\\eta_{lat} = \\alpha_{lat}`,
   :math:`\\eta_{down} = \\alpha_{down} + \\beta z_i`. Egos with a stronger downward learning
   direction therefore name more developers below them.
3. Spheres: each ego draws sphere probabilities from a Dirichlet distribution with
   concentration ``sphere_concentration × sphere_probs`` (low concentration: egos differ more
   and their networks are narrower); same-organisation alters carry the ego's level
   distribution, others are mostly lateral or up.
4. Closeness (1–5): ego mean :math:`\\mu_i \\sim N(closeness\\_mean, closeness\\_ego\\_sd)`, plus
   alter noise and a bonus for family and community alters, rounded and clipped. Frequency
   (1–5) follows closeness. Career support (0/1) is likelier from up alters; psychosocial support
   (0/1) likelier the closer the tie.
5. Alter–alter ties: probability ``tie_prob_same`` within a sphere, ``tie_prob_other`` across.
6. Later waves: each alter is dropped with probability ``p_drop``; Poisson(``mean_added``) new
   alters are added (size kept within the bounds); retained alters' closeness moves ±1 with
   probability ``p_closeness_change``; ties among retained alters persist, ties to new alters
   are drawn afresh.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ..exceptions import ConfigError, DataValidationError
from ..networks import LEVELS, SPHERES

__all__ = [
    "NetworkSimParams",
    "ParticipationParams",
    "simulate_networks",
    "simulate_participation",
]

_ROLES = {
    ("same_organisation", "up"): "supervisor",
    ("same_organisation", "lateral"): "peer",
    ("same_organisation", "down"): "direct report",
    ("other_organisation", "up"): "senior contact",
    ("other_organisation", "lateral"): "former colleague",
    ("other_organisation", "down"): "junior contact",
    ("professional_association", "up"): "association mentor",
    ("professional_association", "lateral"): "association peer",
    ("professional_association", "down"): "association mentee",
    ("family", "up"): "family elder",
    ("family", "lateral"): "family member",
    ("family", "down"): "younger relative",
    ("community", "up"): "community leader",
    ("community", "lateral"): "friend",
    ("community", "down"): "volunteer",
    ("school", "up"): "former teacher",
    ("school", "lateral"): "classmate",
    ("school", "down"): "student",
}


@dataclass(frozen=True)
class NetworkSimParams:
    """Parameters of :func:`simulate_networks` (documented defaults; all changeable).

    Attributes
    ----------
    size_min, size_max : int
        Network size bounds (uniform on ``size_min..size_max``), default 3 and 8.
    level_intercepts : tuple of float
        Multinomial-logit intercepts of (up, lateral, down), default (0.3, 0.4, -0.4): without
        the latent, about 36% up, 40% lateral, 24% down.
    downward_effect : float
        :math:`\\beta`, log-odds shift of down (and −shift of up) per SD of the ``downward``
        latent, default 0.8.
    sphere_probs : tuple of float
        Mean sphere shares in the order of :data:`learning_direction.networks.SPHERES`,
        default (.45, .15, .10, .12, .10, .08).
    sphere_concentration : float
        Dirichlet concentration of each ego's sphere shares, default 3 (smaller: more varied
        range between egos).
    closeness_mean, closeness_ego_sd, closeness_alter_sd : float
        Ego mean closeness, its SD between egos and the alter-level SD; default 3.3, 0.6, 0.8.
    closeness_family_bonus : float
        Extra closeness of family and community alters, default 0.7.
    tie_prob_same, tie_prob_other : float
        Alter–alter tie probability within / across spheres, default 0.5 and 0.1.
    p_drop : float
        Per-wave probability an alter leaves the network, default 0.2.
    mean_added : float
        Mean number of alters added per wave (Poisson), default 1.0.
    p_closeness_change : float
        Per-wave probability a retained alter's closeness moves by one point, default 0.25.
    """

    size_min: int = 3
    size_max: int = 8
    level_intercepts: tuple[float, float, float] = (0.3, 0.4, -0.4)
    downward_effect: float = 0.8
    sphere_probs: tuple[float, ...] = (0.45, 0.15, 0.10, 0.12, 0.10, 0.08)
    sphere_concentration: float = 3.0
    closeness_mean: float = 3.3
    closeness_ego_sd: float = 0.6
    closeness_alter_sd: float = 0.8
    closeness_family_bonus: float = 0.7
    tie_prob_same: float = 0.5
    tie_prob_other: float = 0.1
    p_drop: float = 0.2
    mean_added: float = 1.0
    p_closeness_change: float = 0.25

    def __post_init__(self) -> None:
        if not (1 <= self.size_min <= self.size_max):
            raise ConfigError(
                f"size_min={self.size_min} and size_max={self.size_max} must satisfy "
                "1 <= size_min <= size_max"
            )
        if len(self.level_intercepts) != 3:
            raise ConfigError("level_intercepts needs three numbers: (up, lateral, down)")
        if len(self.sphere_probs) != len(SPHERES) or min(self.sphere_probs) < 0:
            raise ConfigError(
                f"sphere_probs needs {len(SPHERES)} non-negative numbers in the order {SPHERES}"
            )
        for name in ("tie_prob_same", "tie_prob_other", "p_drop", "p_closeness_change"):
            v = getattr(self, name)
            if not 0 <= v <= 1:
                raise ConfigError(f"{name}={v} must be a probability between 0 and 1")
        if self.sphere_concentration <= 0 or self.mean_added < 0:
            raise ConfigError("sphere_concentration must be > 0 and mean_added >= 0")


def _new_alters(
    rng: np.random.Generator,
    n: int,
    z: float,
    mu: float,
    sphere_p: np.ndarray,
    params: NetworkSimParams,
) -> tuple[np.ndarray, ...]:
    """Draw ``n`` alters for one ego: level, sphere, closeness, frequency, support."""
    sph_idx = rng.choice(len(SPHERES), size=n, p=sphere_p)
    eta = np.array(params.level_intercepts, dtype=float)
    eta = eta + np.array([-1.0, 0.0, 1.0]) * params.downward_effect * z
    p_org = np.exp(eta - eta.max())
    p_org /= p_org.sum()
    # outside the organisation juniors are rarer: halve the odds of "down"
    p_out = p_org * np.array([1.0, 1.0, 0.5])
    p_out /= p_out.sum()
    u = rng.random(n)
    cum_org, cum_out = np.cumsum(p_org), np.cumsum(p_out)
    lev_idx = np.where(
        sph_idx == 0,
        np.searchsorted(cum_org, u, side="right"),
        np.searchsorted(cum_out, u, side="right"),
    )
    lev_idx = np.minimum(lev_idx, 2)
    bonus = np.where(np.isin(sph_idx, [3, 4]), params.closeness_family_bonus, 0.0)
    close = np.clip(np.rint(mu + bonus + rng.normal(0, params.closeness_alter_sd, n)), 1, 5)
    freq = np.clip(np.rint(close + rng.normal(-0.3, 0.9, n)), 1, 5)
    career = (
        rng.random(n) < np.where(lev_idx == 0, 0.7, np.where(lev_idx == 1, 0.35, 0.15))
    ).astype(int)
    psycho = (rng.random(n) < 0.1 + 0.17 * close).astype(int)
    return sph_idx, lev_idx, close, freq, career, psycho


def simulate_networks(
    n_egos: int = 100,
    waves: int = 2,
    seed: int | None = None,
    params: NetworkSimParams | None = None,
    *,
    downward: Sequence[float] | pd.Series | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate egocentric developmental networks over one or more waves.

    Parameters
    ----------
    n_egos : int
        Number of egos (ignored when ``downward`` is given: its length decides).
    waves : int
        Number of waves (1, 2, ...).
    seed : int, optional
        Random seed; the same seed gives identical tables.
    params : NetworkSimParams, optional
        Data-generating parameters (defaults documented on the class).
    downward : array-like or Series, optional
        Per-ego downward learning-direction latent (standardised). Pass a survey score (or its
        latent) so that the network's share of down alters relates to it; a Series' index
        becomes the ego ids. Drawn from N(0, 1) when not given.

    Returns
    -------
    (alters, ties) : tuple of DataFrame
        ``alters``: ``ego_id, wave, alter_id, role, relative_level, sphere, closeness,
        frequency, career_support, psychosocial_support``; ``ties``: ``ego_id, wave, alter_a,
        alter_b``.

    Notes
    -----
    See the module docstring for the data-generating process. The default
    ``downward_effect`` (0.8) is a stated assumption, not an estimate.

    Examples
    --------
    >>> from learning_direction.simulate.networks import simulate_networks
    >>> alters, ties = simulate_networks(n_egos=5, waves=2, seed=1)
    >>> sorted(alters["wave"].unique().tolist())
    [1, 2]
    """
    params = params or NetworkSimParams()
    if not isinstance(waves, (int, np.integer)) or waves < 1:
        raise ConfigError(f"waves={waves!r} must be a whole number >= 1")
    rng = np.random.default_rng(seed)
    ego_ids, z_all = _egos(n_egos, downward, rng)
    n_egos = len(ego_ids)
    base = np.asarray(params.sphere_probs, dtype=float)
    base = base / base.sum()
    sphere_p_all = rng.dirichlet(np.maximum(params.sphere_concentration * base, 1e-3), n_egos)
    mu_all = rng.normal(params.closeness_mean, params.closeness_ego_sd, n_egos)
    sizes = rng.integers(params.size_min, params.size_max + 1, n_egos)
    out: dict[str, list[Any]] = {k: [] for k in ("ego", "wave", "num", *_FIELDS)}
    tie_out: dict[str, list[Any]] = {"ego": [], "wave": [], "a": [], "b": []}
    for i, ego_id in enumerate(ego_ids):
        ego = _Ego(z_all[i], mu_all[i], sphere_p_all[i])
        n = int(sizes[i])
        cur = dict(zip(_FIELDS, _new_alters(rng, n, *ego, params), strict=True))
        cur["num"] = np.arange(1, n + 1)
        next_num, first_new = n + 1, 1
        edges: set[tuple[int, int]] = set()
        for w in range(1, waves + 1):
            if w > 1:
                first_new = next_num
                cur, next_num = _next_wave(rng, cur, next_num, ego, params)
                present = set(cur["num"].tolist())
                edges = {e for e in edges if e[0] in present and e[1] in present}
            edges |= _new_ties(rng, cur, first_new, params)
            m = len(cur["num"])
            out["ego"].extend([ego_id] * m)
            out["wave"].extend([w] * m)
            for key in ("num", *_FIELDS):
                out[key].append(cur[key])
            e = sorted(edges)
            tie_out["ego"].extend([ego_id] * len(e))
            tie_out["wave"].extend([w] * len(e))
            tie_out["a"].extend(a for a, _ in e)
            tie_out["b"].extend(b for _, b in e)
    return _alter_table(out), _tie_table(tie_out)


_FIELDS = ("sph", "lev", "close", "freq", "career", "psycho")


class _Ego(NamedTuple):
    """What an ego brings to each draw of alters: latent, mean closeness, sphere shares."""

    z: float
    mu: float
    sphere_p: np.ndarray


def _egos(
    n_egos: int, downward: Sequence[float] | pd.Series | None, rng: np.random.Generator
) -> tuple[list[str], np.ndarray]:
    """Ego ids and their ``downward`` latents (given, or drawn from N(0, 1))."""
    if downward is None:
        if not isinstance(n_egos, (int, np.integer)) or n_egos < 1:
            raise ConfigError(f"n_egos={n_egos!r} must be a whole number >= 1")
        return [f"E{i + 1:03d}" for i in range(n_egos)], rng.standard_normal(n_egos)
    if isinstance(downward, pd.Series):
        ego_ids = [str(e) for e in downward.index]
        z_all = pd.to_numeric(downward, errors="coerce").to_numpy(dtype=float)
    else:
        z_all = np.asarray(downward, dtype=float).ravel()
        ego_ids = [f"E{i + 1:03d}" for i in range(len(z_all))]
    if len(z_all) == 0 or not np.all(np.isfinite(z_all)):
        raise DataValidationError(
            "downward= must be a non-empty list of finite numbers (one per ego); "
            f"found {int((~np.isfinite(z_all)).sum())} missing or non-numeric values"
        )
    if len(set(ego_ids)) != len(ego_ids):
        raise DataValidationError("downward= Series has duplicate ego ids in its index")
    return ego_ids, z_all


def _next_wave(
    rng: np.random.Generator,
    cur: dict[str, np.ndarray],
    next_num: int,
    ego: _Ego,
    params: NetworkSimParams,
) -> tuple[dict[str, np.ndarray], int]:
    """One wave later: alters dropped, closeness moved, new alters added (size kept in bounds)."""
    keep = rng.random(len(cur["num"])) >= params.p_drop
    cur = {k: v[keep] for k, v in cur.items()}
    m = len(cur["num"])
    move = rng.random(m) < params.p_closeness_change
    step = rng.choice([-1.0, 1.0], size=m)
    cur["close"] = np.clip(cur["close"] + np.where(move, step, 0.0), 1, 5)
    k = int(rng.poisson(params.mean_added))
    k = min(max(k, params.size_min - m), params.size_max - m)
    if k > 0:
        new = dict(zip(_FIELDS, _new_alters(rng, k, *ego, params), strict=True))
        new["num"] = np.arange(next_num, next_num + k)
        next_num += k
        cur = {key: np.concatenate([cur[key], new[key]]) for key in cur}
    return cur, next_num


def _new_ties(
    rng: np.random.Generator, cur: dict[str, np.ndarray], first_new: int, params: NetworkSimParams
) -> set[tuple[int, int]]:
    """Ties drawn for the pairs that involve an alter new at this wave (numbered >= first_new)."""
    nums, sph = cur["num"], cur["sph"]
    ia, ib = np.triu_indices(len(nums), k=1)
    new_pair = (nums[ia] >= first_new) | (nums[ib] >= first_new)
    p = np.where(sph[ia] == sph[ib], params.tie_prob_same, params.tie_prob_other)
    hit = (rng.random(len(ia)) < p) & new_pair
    return set(zip(nums[ia[hit]].tolist(), nums[ib[hit]].tolist(), strict=True))


def _alter_table(out: Mapping[str, list[Any]]) -> pd.DataFrame:
    """The alter table, sorted by wave, ego and alter."""
    cat = {k: np.concatenate(out[k]) for k in ("num", *_FIELDS)}
    ego_col = np.asarray(out["ego"], dtype=object)
    lev = np.asarray(LEVELS, dtype=object)[cat["lev"]]
    sph = np.asarray(SPHERES, dtype=object)[cat["sph"]]
    alters = pd.DataFrame(
        {
            "ego_id": ego_col,
            "wave": np.asarray(out["wave"], dtype=int),
            "alter_id": [
                f"{e}_A{m:02d}" for e, m in zip(ego_col, cat["num"].tolist(), strict=True)
            ],
            "role": [_ROLES[(s, lv)] for s, lv in zip(sph, lev, strict=True)],
            "relative_level": lev,
            "sphere": sph,
            "closeness": cat["close"].astype(int),
            "frequency": cat["freq"].astype(int),
            "career_support": cat["career"].astype(int),
            "psychosocial_support": cat["psycho"].astype(int),
        }
    )
    alters = alters.sort_values(["wave", "ego_id", "alter_id"], kind="stable")
    return alters.reset_index(drop=True)


def _tie_table(tie_out: Mapping[str, list[Any]]) -> pd.DataFrame:
    """The alter–alter ties table, sorted by wave, ego and the two alters."""
    ties = pd.DataFrame(
        {
            "ego_id": np.asarray(tie_out["ego"], dtype=object),
            "wave": np.asarray(tie_out["wave"], dtype=int),
            "alter_a": [f"{e}_A{a:02d}" for e, a in zip(tie_out["ego"], tie_out["a"], strict=True)],
            "alter_b": [f"{e}_A{b:02d}" for e, b in zip(tie_out["ego"], tie_out["b"], strict=True)],
        }
    )
    ties = ties.sort_values(["wave", "ego_id", "alter_a", "alter_b"], kind="stable")
    return ties.reset_index(drop=True)


# --------------------------------------------------------------------------- participation


@dataclass(frozen=True)
class ParticipationParams:
    """Who answers the network survey: unit non-response at wave 1, attrition afterwards.

    Both are missing at random given variables observed for everyone they concern (stated
    assumptions, not estimates):

    * wave 1: an invited ego does not answer with
      :math:`\\operatorname{logit} p = \\gamma_0 + \\gamma_t (\\text{tenure} - \\bar t)`
      (tenure comes from the roster, so it is known for every invited ego); default
      :math:`\\gamma_0 = -2.5`, :math:`\\gamma_t = -0.06` per year: about 8% non-response,
      more among short-tenured egos;
    * later waves: a respondent of the previous wave drops out with
      :math:`\\operatorname{logit} p = \\delta_0 + \\delta_t (\\text{tenure} - \\bar t) +
      \\delta_s (\\text{size}_{w-1} - \\bar s)`, the previous wave's network size centred at
      its mean among those respondents; default :math:`\\delta_0 = -1.6`,
      :math:`\\delta_t = -0.08`, :math:`\\delta_s = -0.35`: about 19% drop out per wave (in
      expectation at the default network sizes and the bundled tenure distribution), more
      among short-tenured egos and egos with small networks.

    An ego who did not answer a wave is not contacted again.
    """

    nonresponse_intercept: float = -2.5
    nonresponse_tenure: float = -0.06
    attrition_intercept: float = -1.6
    attrition_tenure: float = -0.08
    attrition_size: float = -0.35


def simulate_participation(
    tenure: pd.Series,
    alters: pd.DataFrame,
    seed: int | None = None,
    params: ParticipationParams | None = None,
) -> pd.DataFrame:
    """The participation record of a simulated network panel (see :class:`ParticipationParams`).

    Parameters
    ----------
    tenure : Series
        Tenure of every invited ego, indexed by ego id (the roster).
    alters : DataFrame
        The full alter table (``ego_id, wave, ...``, every ego at every wave), as
        :func:`simulate_networks` returns it; network size at a wave drives attrition.
    seed : int, optional
        Random seed (same seed, same record).
    params : ParticipationParams, optional

    Returns
    -------
    DataFrame
        ``ego_id, wave, responded`` (0/1), one row per invited ego × wave, sorted by ego and
        wave. Remove the alters and ties of the rows with ``responded == 0`` to get what the
        survey observed.

    Examples
    --------
    >>> import pandas as pd
    >>> from learning_direction.simulate.networks import simulate_networks, simulate_participation
    >>> alters, _ = simulate_networks(n_egos=50, waves=2, seed=1)
    >>> tenure = pd.Series(range(50), index=[f"E{i + 1:03d}" for i in range(50)])
    >>> rec = simulate_participation(tenure, alters, seed=2)
    >>> rec.groupby("wave")["responded"].sum().tolist()
    [45, 33]
    """
    p = params or ParticipationParams()
    rng = np.random.default_rng(seed)
    ids = [str(e) for e in tenure.index]
    t = pd.to_numeric(tenure, errors="coerce").to_numpy(float)
    tc = t - np.nanmean(t)
    waves = sorted(int(w) for w in pd.unique(alters["wave"]))
    size = alters.groupby(["wave", "ego_id"]).size()
    answered = rng.random(len(ids)) >= _expit(p.nonresponse_intercept + p.nonresponse_tenure * tc)
    rows = [answered.copy()]
    for w in waves[1:]:
        prev = size.xs(w - 1, level="wave").reindex(ids).fillna(0).to_numpy(float)
        sc = prev - prev[answered].mean()
        lin = p.attrition_intercept + p.attrition_tenure * tc + p.attrition_size * sc
        answered = answered & (rng.random(len(ids)) >= _expit(lin))
        rows.append(answered.copy())
    rec = pd.DataFrame(
        {
            "ego_id": np.repeat(ids, len(waves)),
            "wave": np.tile(np.asarray(waves, dtype=int), len(ids)),
            "responded": np.column_stack(rows).ravel().astype(int),
        }
    )
    return rec


def _expit(x: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-x))
    return out
