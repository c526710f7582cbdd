"""The three stages of a study pipeline, and the shared first stage.

Every study module (``studies/study1.py`` ... ``studies/motives.py``) is written as

``prepare()``
    Shared by every study (this module): load the bundled dataset or check the user's data,
    screen for careless responding (optionally leaving the flagged rows out), score the scales
    and compute their reliability. Returns a :class:`Prepared`.
``analyse()``
    Per study: every statistic of the study, returned as a frozen dataclass of result objects
    (``ld.regress``, ``ld.mediate``, ... results and tidy tables). No I/O, no HTML, no figures,
    no APA text: a change of method (multilevel, missing data, inference) changes ``analyse()``
    alone.
``render()``
    Per study: the APA sentences, the display tables, the figures, captions and notes, collected
    into a :class:`~learning_direction.studies.StudyResult`.

and the study's ``run()`` composes the three. A study with two levels (mentors and their
mentees) or several tables calls :func:`load` and :func:`prepare_rows` itself, once per level,
so every study shares the same checks, screen, scoring and reliability.

Package warnings raised while preparing or analysing are kept as notes (``"Warning: ..."``;
see :func:`~learning_direction.studies._common.collect_warnings`) and still reach the user.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ._common import (
    ReliabilitySet,
    ScoredData,
    careless_screen,
    check_study_data,
    collect_warnings,
    reliability_set,
    score_scales,
)

if TYPE_CHECKING:
    from ..scales.quality import CarelessResult

__all__ = ["DataSpec", "Loaded", "Prepared", "load", "prepare", "prepare_rows"]

#: A study-specific check or recode of the checked data (raises on bad data).
Check = Callable[[pd.DataFrame], pd.DataFrame]


@dataclass(frozen=True)
class DataSpec:
    """What a study needs from its data.

    Attributes
    ----------
    dataset : str
        Bundled dataset loaded when no data are given, and named in error messages.
    scales : tuple of str
        Scales whose item columns must be present (and which :func:`prepare` scores).
    columns : tuple of str
        Other required columns (controls, ids, conditions).
    numeric : tuple of str
        Columns among ``columns`` that must be numeric.
    categorical : tuple of str
        Columns whose unused categories are dropped (an unused level would give ``C(column)``
        an all-zero column).
    id_column : str, optional
        Respondent id, used to name flagged respondents when the data have it.
    reset_index : bool
        Give the checked data a fresh default index.
    """

    dataset: str
    scales: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    numeric: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    id_column: str | None = None
    reset_index: bool = False


@dataclass(frozen=True)
class Loaded:
    """Checked data and whether they are the bundled dataset."""

    frame: pd.DataFrame
    bundled: bool


@dataclass(frozen=True)
class Prepared:
    """The prepared data of a study: what every ``analyse()`` starts from.

    Attributes
    ----------
    rows : DataFrame
        The rows analysed (all checked rows, or those left after excluding careless
        responders), item columns as given.
    data : DataFrame
        ``rows`` with the score columns added.
    scored : ScoredData
        The scoring result (``.result`` is the :class:`~learning_direction.ScoreResult`).
    reliability : ReliabilitySet or None
        Reliability of every scored (sub)scale (None when the study computes it itself).
    careless : CarelessResult or None
        The careless-responding screen (None when the study has no screen).
    careless_note : str
        What the screen found, for the notes ("" without a screen).
    bundled : bool
        True when the data are the bundled dataset.
    notes : tuple of str
        Package warnings raised while preparing (``"Warning: ..."``).
    """

    rows: pd.DataFrame
    data: pd.DataFrame
    scored: ScoredData
    reliability: ReliabilitySet | None
    careless: CarelessResult | None
    careless_note: str
    bundled: bool
    notes: tuple[str, ...] = ()

    @property
    def rel(self) -> ReliabilitySet:
        """:attr:`reliability`, for a study whose reliability :func:`prepare_rows` computed."""
        if self.reliability is None:
            raise LookupError("this study computes its reliability itself (reliability=False)")
        return self.reliability


def load(
    data: Any,
    spec: DataSpec,
    *,
    study: str,
    dataset: str | None = None,
    check: Check | None = None,
) -> Loaded:
    """The bundled dataset (``data=None``) or the user's data, checked against ``spec``.

    Parameters
    ----------
    data : DataFrame or None
        The user's data; None loads ``spec.dataset``.
    spec : DataSpec
    study : str
        Study name used in messages.
    dataset : str, optional
        Bundled dataset to load and name in messages instead of ``spec.dataset``.
    check : callable, optional
        Study-specific checks and recodes of the checked data, run last (before any scoring).

    Returns
    -------
    Loaded
        A checked copy of the data (see
        :func:`~learning_direction.studies._common.check_study_data`).
    """
    from ..datasets import load_dataset

    name = dataset or spec.dataset
    bundled = data is None
    raw = load_dataset(name) if bundled else data
    df = check_study_data(
        raw,
        study=study,
        scales=spec.scales,
        columns=spec.columns,
        numeric=spec.numeric,
        dataset=name,
    )
    if spec.reset_index:
        df = df.reset_index(drop=True)
    for col in spec.categorical:
        if isinstance(df[col].dtype, pd.CategoricalDtype):
            df[col] = df[col].cat.remove_unused_categories()
    if check is not None:
        df = check(df)
    return Loaded(frame=df, bundled=bundled)


def prepare_rows(
    rows: pd.DataFrame,
    scales: Sequence[str],
    *,
    study: str,
    id_column: str | None = None,
    careless: bool = True,
    careless_rows: pd.DataFrame | None = None,
    careless_scales: Sequence[str] | None = None,
    exclude_careless: bool = False,
    reliability: bool = True,
    bundled: bool = False,
) -> Prepared:
    """Screen, score and check the reliability of checked rows (in this order).

    Parameters
    ----------
    rows : DataFrame
        Checked rows with every item column of ``scales``.
    scales : sequence of str
        Scales to score (and whose reliability is computed).
    study : str
        Study name used in messages.
    id_column : str, optional
        Respondent id naming flagged respondents (rows are named by index without it).
    careless : bool
        Screen for careless responding (:func:`learning_direction.careless_responding`).
    careless_rows, careless_scales : optional
        Screen these rows (e.g. one row per mentor) and scales instead of ``rows`` and
        ``scales``; the screen is then descriptive only.
    exclude_careless : bool
        Leave the flagged rows out of scoring, reliability and every analysis.
    reliability : bool
        Compute the reliability of ``scales`` on the rows analysed.
    bundled : bool
        Recorded in the result (the rows are the bundled dataset).

    Returns
    -------
    Prepared
    """
    notes: list[str] = []
    screen: CarelessResult | None = None
    note = ""
    with collect_warnings(notes):
        if careless:
            target = rows if careless_rows is None else careless_rows
            screen, note, kept = careless_screen(
                target,
                list(scales if careless_scales is None else careless_scales),
                id_column=id_column,
                exclude=exclude_careless and careless_rows is None,
                study=study,
            )
            if careless_rows is None:
                rows = kept
        scored = score_scales(rows, scales)
        rel = reliability_set(rows, scales) if reliability else None
    return Prepared(
        rows=rows,
        data=scored.data,
        scored=scored,
        reliability=rel,
        careless=screen,
        careless_note=note,
        bundled=bundled,
        notes=tuple(notes),
    )


def prepare(
    data: Any,
    spec: DataSpec,
    *,
    study: str,
    dataset: str | None = None,
    check: Check | None = None,
    careless: bool = True,
    exclude_careless: bool = False,
) -> Prepared:
    """The shared first stage: :func:`load`, then :func:`prepare_rows` on ``spec.scales``.

    Parameters
    ----------
    data : DataFrame or None
        The user's data; None uses the bundled ``spec.dataset``.
    spec : DataSpec
        Required columns, scales, id column.
    study : str
        Study name used in messages.
    dataset : str, optional
        Bundled dataset to use instead of ``spec.dataset``.
    check : callable, optional
        Study-specific checks and recodes (see :func:`load`).
    careless : bool
        Screen for careless responding.
    exclude_careless : bool
        Leave flagged respondents out of every analysis (default: flag them in the notes only).

    Returns
    -------
    Prepared

    Examples
    --------
    >>> from learning_direction.studies._pipeline import DataSpec, prepare
    >>> spec = DataSpec(dataset="study1", scales=("learning_direction",), id_column="mentor_id")
    >>> prep = prepare(None, spec, study="study1")
    >>> prep.bundled, len(prep.data), prep.scored.score_names
    (True, 300, ['upward', 'lateral', 'downward'])
    >>> print(prep.careless_note.split(" (")[0])  # descriptive: nobody is left out
    6 of 300 respondents
    >>> len(prep.rows), list(prep.reliability.table["scale"])
    (300, ['upward', 'lateral', 'downward'])
    """
    loaded = load(data, spec, study=study, dataset=dataset, check=check)
    return prepare_rows(
        loaded.frame,
        spec.scales,
        study=study,
        id_column=spec.id_column,
        careless=careless,
        exclude_careless=exclude_careless,
        bundled=loaded.bundled,
    )
