"""The bundled simulated datasets: names, descriptions, codebook and loading.

The CSV files live in the top-level ``data/`` folder (shipped in the wheel) and are regenerated
byte for byte by ``make data`` (:func:`learning_direction.simulate.write_datasets`). Their
machine-readable codebook is ``data/codebook.csv`` (one row per dataset × column: type, level,
scale, subscale, reverse keying and description); ``data/README.md`` explains them for people.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ._core.resources import data_dir
from .exceptions import DataValidationError

__all__ = ["DATASETS", "DatasetInfo", "codebook", "list_datasets", "load_dataset"]


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    title: str
    level: str
    description: str
    scales: tuple[str, ...]


DATASETS: dict[str, DatasetInfo] = {
    d.name: d
    for d in [
        DatasetInfo(
            "study1",
            "Study 1: learning direction and mentor engagement",
            "mentor",
            "Survey of about 300 mentors: learning-direction items (upward, lateral, downward), "
            "engagement items and controls (age, tenure, gender, past mentees).",
            ("learning_direction", "mentor_engagement"),
        ),
        DatasetInfo(
            "study2a",
            "Study 2A: learning opportunity as the mechanism",
            "mentor",
            "About 400 mentors (industry mix weighted to technology and finance): learning direction, "
            "perceived learning opportunity and engagement.",
            ("learning_direction", "learning_opportunity", "mentor_engagement"),
        ),
        DatasetInfo(
            "study2b",
            "Study 2B: replication in a different industry mix",
            "mentor",
            "About 250 mentors (weighted to healthcare, education and public sector): same measures as 2A.",
            ("learning_direction", "learning_opportunity", "mentor_engagement"),
        ),
        DatasetInfo(
            "study3_mentors",
            "Study 3: field study, mentor file",
            "mentor",
            "About 120 mentors at a training program: learning direction before the program, "
            "engagement mid-program.",
            ("learning_direction", "mentor_engagement"),
        ),
        DatasetInfo(
            "study3_mentees",
            "Study 3: field study, mentee file",
            "mentee",
            "3–8 mentees per mentor: hireability rated by external raters (3 items) and hired "
            "within 6 months (0/1; empty for the mentees lost to the 6-month follow-up).",
            ("hireability",),
        ),
        DatasetInfo(
            "study4",
            "Study 4: reflection experiment",
            "mentor",
            "About 300 mentors randomised to reflect on a downward or an upward learning experience "
            "or a neutral control: manipulation check, engagement and the mentee's rating of the "
            "mentoring experience.",
            ("manipulation_check", "mentor_engagement", "mentee_experience"),
        ),
        DatasetInfo(
            "advocacy",
            "Authentic advocacy: a mentoring program",
            "mentee",
            "About 250 mentee-rated relationships (mentees nested in 70 mentors): the mentor's "
            "advocacy, the relationship's authenticity, psychological safety, empathic support, "
            "mentoring functions and the mentee's career progress.",
            (
                "advocacy",
                "authenticity",
                "psychological_safety",
                "empathic_support",
                "mentoring_functions",
                "career_progress",
            ),
        ),
        DatasetInfo(
            "dyads",
            "Reverse mentoring and mutual benefit: dyads",
            "member",
            "200 mentoring dyads (about 30% reverse mentoring, where the junior member mentors "
            "the senior), one row per member: learning orientation, relationship satisfaction "
            "and the role's mutual-benefit items.",
            ("mutual_benefit_mentor", "mutual_benefit_mentee"),
        ),
        DatasetInfo(
            "networks_egos",
            "Developmental networks: ego survey",
            "ego",
            "The roster of 120 invited egos: tenure (from the roster) and learning-direction "
            "items (wave 1; empty for egos who never answered); the survey's downward latent "
            "also drives the composition of the ego's network.",
            ("learning_direction",),
        ),
        DatasetInfo(
            "networks_alters",
            "Developmental networks: alters",
            "alter",
            "One row per ego × alter × wave (two waves): role, relative level (up, lateral, "
            "down), sphere, closeness, contact frequency, career and psychosocial support.",
            (),
        ),
        DatasetInfo(
            "networks_ties",
            "Developmental networks: alter–alter ties",
            "tie",
            "One row per undirected tie between two alters of an ego, per wave.",
            (),
        ),
        DatasetInfo(
            "networks_waves",
            "Developmental networks: participation record",
            "ego × wave",
            "One row per invited ego × wave: whether the ego answered (responded 0/1). Egos "
            "who did not answer a wave have no alters or ties for it: their network is "
            "unknown, not empty (pass it as participation= to ld.network_metrics).",
            (),
        ),
        DatasetInfo(
            "motives",
            "Mentor motives, mentoring behaviours and outcomes",
            "pair",
            "About 300 mentor–mentee pairs (150 mentors with 1–3 mentees): the mentor's self- and "
            "other-focused motives and behaviours, the mentor's and the mentee's retention "
            "intention, and the mentee's mentoring functions (relationship quality) and career "
            "progress.",
            (
                "mentor_motives",
                "mentoring_behaviors",
                "retention_intention_mentor",
                "mentoring_functions",
                "career_progress",
                "retention_intention_mentee",
            ),
        ),
    ]
}

# composite datasets assembled from the files above
_JOINED = {"study3": ("study3_mentees", "study3_mentors", "mentor_id")}


def list_datasets() -> pd.DataFrame:
    """The bundled datasets: ``name, title, level, rows, description``.

    Returns
    -------
    DataFrame
        One row per dataset name accepted by :func:`load_dataset` (every file is simulated;
        see ``data/README.md`` for the data-generating processes).

    Examples
    --------
    >>> import learning_direction as ld
    >>> ld.list_datasets()["name"].tolist()[:4]
    ['study1', 'study2a', 'study2b', 'study3_mentors']
    """
    rows = []
    for d in DATASETS.values():
        path = data_dir() / f"{d.name}.csv"
        n = sum(1 for _ in path.open(encoding="utf-8")) - 1 if path.exists() else None
        rows.append(
            {
                "name": d.name,
                "title": d.title,
                "level": d.level,
                "rows": n,
                "description": d.description,
            }
        )
    rows.append(
        {
            "name": "study3",
            "title": "Study 3: mentees joined with their mentors",
            "level": "mentee",
            "rows": None,
            "description": "study3_mentees left-joined with study3_mentors on mentor_id.",
        }
    )
    return pd.DataFrame(rows)


def codebook(name: str | None = None) -> pd.DataFrame:
    """The machine-readable codebook (``data/codebook.csv``), optionally for one dataset.

    Parameters
    ----------
    name : str, optional
        A dataset name (see :func:`list_datasets`); default: every dataset.

    Returns
    -------
    DataFrame
        ``dataset, column, type, level, scale, subscale, reverse, description``, one row per
        dataset × column; an item's description is its wording from ``scales/*.yaml``.

    Examples
    --------
    >>> from learning_direction.datasets import codebook
    >>> cb = codebook("study1")
    >>> cb.loc[cb["column"] == "ld_up_1", ["type", "scale", "subscale"]].values.tolist()
    [['item', 'learning_direction', 'upward']]
    """
    cb = pd.read_csv(data_dir() / "codebook.csv", dtype=str, keep_default_na=False)
    if name is not None:
        cb = cb[cb["dataset"] == name].reset_index(drop=True)
    return cb


def load_dataset(name: str) -> pd.DataFrame:
    """Load a bundled simulated dataset.

    Parameters
    ----------
    name : str
        ``study1``, ``study2a``, ``study2b``, ``study3`` (mentees joined with their mentors),
        ``study3_mentors``, ``study3_mentees``, ``study4``; see :func:`list_datasets`.

    Returns
    -------
    DataFrame
        Item columns as floats (missing answers are NaN), categorical columns as strings.

    Examples
    --------
    >>> import learning_direction as ld
    >>> ld.load_dataset("study1").shape[0]
    300
    """
    if name in _JOINED:
        left, right, key = _JOINED[name]
        mentees, mentors = load_dataset(left), load_dataset(right)
        return mentees.merge(mentors, on=key, how="left", validate="many_to_one")
    if name not in DATASETS:
        known = ", ".join([*DATASETS, *_JOINED])
        raise DataValidationError(f"unknown dataset '{name}'; bundled datasets: {known}")
    path = data_dir() / f"{name}.csv"
    if not path.exists():
        raise DataValidationError(
            f"dataset file {path} is missing; run `make data` to regenerate it"
        )
    cb = codebook(name)
    dtypes = {
        row.column: ("string" if row.type in {"id", "category"} else "float64")
        for row in cb.itertuples()
    }
    df = pd.read_csv(path, dtype=dtypes)
    for row in cb.itertuples():
        if row.type == "category" and row.column in df:
            df[row.column] = df[row.column].astype("category")
    return df
