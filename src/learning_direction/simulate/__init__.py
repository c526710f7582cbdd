"""Data-generating processes for every bundled dataset.

One module per design family, re-exported here:

- :mod:`.items` — item responses drawn through the scale codebook (latent score + item noise,
  reverse keying, missing answers, straight-lining respondents);
- :mod:`.studies` — the four studies of Zhang, Wang & Galinsky (2023);
- :mod:`.networks` — egocentric developmental networks over waves;
- :mod:`.dyads` — mentor–mentee dyads, including reverse-mentoring pairs;
- :mod:`.motives` — mentor motives, mentoring behaviours and pair outcomes (Liu et al., 2021).

:func:`write_datasets` writes every bundled dataset and its codebook (``make data``).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["write_datasets"]

_LAZY = {
    "simulate_items": ".items",
    "simulate_latent": ".items",
    "category_probabilities": ".items",
    "Study1Params": ".studies",
    "Study2Params": ".studies",
    "Study3Params": ".studies",
    "Study4Params": ".studies",
    "STUDY2B": ".studies",
    "simulate_study1": ".studies",
    "simulate_study2": ".studies",
    "simulate_study3": ".studies",
    "simulate_study4": ".studies",
    "simulate_networks": ".networks",
    "NetworkSimParams": ".networks",
    "simulate_participation": ".networks",
    "ParticipationParams": ".networks",
    "simulate_dyads": ".dyads",
    "DyadParams": ".dyads",
    "simulate_advocacy": ".advocacy",
    "AdvocacyParams": ".advocacy",
    "simulate_motives": ".motives",
    "MotivesParams": ".motives",
}
__all__ += list(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'learning_direction.simulate' has no attribute '{name}'")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def _generate(name: str, seed: int) -> dict[str, pd.DataFrame]:
    from . import studies

    if name == "study1":
        return {"study1": studies.simulate_study1(seed=seed + 1)}
    if name == "study2a":
        return {"study2a": studies.simulate_study2(seed=seed + 2)}
    if name == "study2b":
        return {"study2b": studies.simulate_study2(studies.STUDY2B, seed=seed + 3)}
    if name == "study3":
        mentors, mentees = studies.simulate_study3(seed=seed + 4)
        return {"study3_mentors": mentors, "study3_mentees": mentees}
    if name == "study4":
        return {"study4": studies.simulate_study4(seed=seed + 5)}
    if name == "advocacy":
        from .advocacy import simulate_advocacy

        return {"advocacy": simulate_advocacy(seed=seed + 6)}
    if name == "dyads":
        from ._beyond import bundled_dyads

        return {"dyads": bundled_dyads(seed=seed + 7)}
    if name == "networks":
        from ._beyond import bundled_networks

        egos, alters, ties, waves = bundled_networks(seed=seed + 8)
        return {
            "networks_egos": egos,
            "networks_alters": alters,
            "networks_ties": ties,
            "networks_waves": waves,
        }
    if name == "motives":
        from .motives import simulate_motives

        return {"motives": simulate_motives(seed=seed + 9)}
    raise KeyError(name)


GENERATED = (
    "study1",
    "study2a",
    "study2b",
    "study3",
    "study4",
    "advocacy",
    "dyads",
    "networks",
    "motives",
)


#: type and description of the non-item columns of the bundled datasets
_DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "mentor_id": ("id", "Mentor identifier"),
    "mentee_id": ("id", "Mentee identifier"),
    "age": ("integer", "Mentor age in years"),
    "tenure": ("integer", "Mentor organisational tenure in years"),
    "gender": ("category", "Mentor gender (female, male)"),
    "past_mentees": ("integer", "Number of mentees the mentor had before"),
    "industry": ("category", "Mentor's industry"),
    "condition": ("category", "Experimental condition: downward, upward or control reflection"),
    "mentee_age": ("integer", "Mentee age in years"),
    "mentee_gender": ("category", "Mentee gender (female, male)"),
    "hired_6m": (
        "binary",
        "Mentee hired within 6 months of the program (1 = yes; empty = lost to the 6-month "
        "follow-up)",
    ),
    # dyads
    "dyad_id": ("id", "Dyad (mentoring pair) identifier"),
    "reverse_mentoring": (
        "binary",
        "Reverse-mentoring pair: the junior member mentors the senior (1 = yes); same for "
        "both members",
    ),
    "focus": (
        "category",
        "What the pair works on (reverse: technology, front_line_operations, "
        "customer_insight; traditional: career_development, leadership, technical_skills)",
    ),
    "senior": ("binary", "Member is the more senior of the two (1 = yes)"),
    "tenure_years": ("numeric", "Member's organisational tenure in years"),
    "learning_orientation": (
        "numeric",
        "Member's learning orientation (continuous score, nominally 1–7); APIM predictor",
    ),
    "satisfaction": (
        "numeric",
        "Member's satisfaction with the relationship (continuous score, nominally 1–7); "
        "APIM outcome",
    ),
    # networks
    "ego_id": ("id", "Ego (focal person) identifier"),
    "wave": ("integer", "Survey wave (1, 2)"),
    "responded": (
        "binary",
        "The invited ego answered the network survey at this wave (1 = yes; 0 = invited but "
        "no answer: network unknown, not empty)",
    ),
    "alter_id": ("id", "Alter (developer) identifier, stable across waves within an ego"),
    "relative_level": (
        "category",
        "Alter's level relative to the ego (up, lateral, down)",
    ),
    "sphere": (
        "category",
        "Alter's social sphere (same_organisation, other_organisation, "
        "professional_association, family, community, school)",
    ),
    "closeness": ("integer", "Closeness of the ego–alter tie (1 = distant, 5 = very close)"),
    "frequency": ("integer", "Contact frequency (1 = rarely, 5 = very often)"),
    "career_support": ("binary", "Alter provides career support (1 = yes)"),
    "psychosocial_support": ("binary", "Alter provides psychosocial support (1 = yes)"),
    "alter_a": ("id", "First alter of an alter–alter tie (undirected)"),
    "alter_b": ("id", "Second alter of an alter–alter tie (undirected)"),
    # motives
    "pair_id": ("id", "Mentor–mentee pair identifier"),
}
#: columns whose meaning depends on the dataset
_DATASET_DESCRIPTIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("dyads", "role"): ("category", "Member's role in the dyad (mentor, mentee)"),
    ("dyads", "age"): ("numeric", "Member's age in years"),
    ("networks_alters", "role"): (
        "category",
        "Alter's role for the ego (e.g. supervisor, peer, direct report, friend)",
    ),
    ("networks_egos", "tenure"): (
        "integer",
        "Ego's organisational tenure in years (from the roster: known for every invited ego)",
    ),
}


def _item_info() -> dict[str, tuple[str, str, bool, str]]:
    """Item id -> (scale, subscale ("" for a one-dimensional scale), reversed?, wording)."""
    from ..scales.codebook import list_scales, load_scale

    info: dict[str, tuple[str, str, bool, str]] = {}
    for name in list_scales()["name"]:
        s = load_scale(name)
        for sub in s.subscales:
            for it in sub.items:
                info[it.id] = (
                    s.name,
                    "" if s.one_dimensional else sub.name,
                    it.reverse,
                    it.text or "",
                )
    return info


def _column_codebook(dataset: str, df: pd.DataFrame) -> list[dict[str, str]]:
    """Codebook rows for one dataset: item columns are described from the scale codebook."""
    import pandas as pd

    from ..datasets import DATASETS

    item_info = _item_info()
    level = DATASETS[dataset].level if dataset in DATASETS else ""
    rows = []
    for col in df.columns:
        row = {"dataset": dataset, "column": col, "level": level}
        if col in item_info:
            scale, sub, rev, text = item_info[col]
            row.update(type="item", scale=scale, subscale=sub, reverse="yes" if rev else "no",
                       description=text)  # fmt: skip
        else:
            guess = ("numeric" if pd.api.types.is_numeric_dtype(df[col]) else "category", col)
            typ, desc = _DATASET_DESCRIPTIONS.get((dataset, col), _DESCRIPTIONS.get(col, guess))
            row.update(type=typ, scale="", subscale="", reverse="", description=desc)
        rows.append({k: row[k] for k in _CODEBOOK_COLUMNS})
    return rows


_CODEBOOK_COLUMNS = (
    "dataset", "column", "type", "level", "scale", "subscale", "reverse", "description",
)  # fmt: skip


def write_datasets(
    out_dir: str | Path, seed: int = 20261122, names: list[str] | None = None
) -> list[Path]:
    """Generate the bundled datasets and write them (and ``codebook.csv``) to ``out_dir``.

    The output is byte-for-byte reproducible for a given ``seed``: integer-valued columns are
    written without decimals, missing values as empty fields, and line endings are ``\\n``.

    Parameters
    ----------
    out_dir : path
        Destination folder (created if needed).
    seed : int
        Base seed; each dataset uses its own offset from it.
    names : list of str, optional
        Subset of :data:`GENERATED` (``study1`` ... ``study4``, ``advocacy``, ``dyads``,
        ``networks``; default: all).

    Returns
    -------
    list of Path
        The files written.
    """
    import pandas as pd

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    chosen = list(names) if names else list(GENERATED)
    unknown = [n for n in chosen if n not in GENERATED]
    if unknown:
        from ..exceptions import DataValidationError

        raise DataValidationError(
            f"unknown dataset(s) {unknown}; choose from {', '.join(GENERATED)}"
        )
    written: list[Path] = []
    codebook_rows: list[dict[str, str]] = []
    for name in chosen:
        for dataset, df in _generate(name, seed).items():
            df = df.copy()
            for col in df.columns:
                s = df[col]
                if pd.api.types.is_float_dtype(s) and ((s.dropna() % 1) == 0).all():
                    df[col] = s.astype("Int64")
            path = out / f"{dataset}.csv"
            df.to_csv(path, index=False, lineterminator="\n")
            written.append(path)
            codebook_rows.extend(_column_codebook(dataset, df))
    cb_path = out / "codebook.csv"
    new = pd.DataFrame(codebook_rows)
    if names and cb_path.exists():  # keep other datasets' rows when regenerating a subset
        old = pd.read_csv(cb_path, dtype=str, keep_default_na=False)
        new = pd.concat(
            [old[~old["dataset"].isin(new["dataset"].unique())], new], ignore_index=True
        )
    new.to_csv(cb_path, index=False, lineterminator="\n")
    written.append(cb_path)
    return written
