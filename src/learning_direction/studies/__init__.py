"""Study pipelines: one module per study, each returning a :class:`StudyResult`.

``ld.run_study(name)`` runs a pipeline on its bundled simulated dataset, or on a user's data
with the same columns (``data=``). Each pipeline scores the scales, reports their reliability
("Table 1" with alphas on the diagonal) and runs the study's models.

Every pipeline has three stages (see ``studies/_pipeline.py``): ``prepare()`` checks or loads
the data, screens for careless responding, scores the scales and computes their reliability
(shared by every study); ``analyse()`` returns the study's statistics as a frozen dataclass of
result objects (no I/O, text or figures); ``render()`` writes the APA text, tables and figures
into the :class:`StudyResult`. Each module's ``run()`` composes the three.

=============  ==============================================================================
name           what it replicates
=============  ==============================================================================
study1         learning direction → mentor engagement (hierarchical regression, ΔR²)
study2a/2b     downward learning → learning opportunity → engagement (bootstrap mediation)
study3         field study: ICC, multilevel model of hireability, logistic model of being
               hired, multilevel (2-2-1) mediation, a cluster bootstrap as a check
study4         experiment: manipulation check (Welch ANOVA, post hoc), relative indirect effects
advocacy       advocacy × authenticity typology, psychological safety → authenticity, quadrant →
               career progress (Welch ANOVA, Games–Howell, clustered OLS)
dyads          reverse mentoring: APIM (GLS and SEM fits), k ratios, equal-effect tests,
               mutual-benefit index by pair type
networks       developmental networks: metrics, Higgins & Kram typology, reassessment between
               waves, convergent validity with survey learning direction
motives        mentor motives → self-/other-focused behaviours → individual, relational and
               organisational outcomes (parallel mediation, cluster bootstrap); screening profiles
=============  ==============================================================================
"""

from __future__ import annotations

import importlib
from typing import Any

from ..exceptions import DataValidationError
from ._base import StudyResult
from ._registry import STUDIES

__all__ = ["STUDIES", "StudyResult", "list_studies", "run_study"]


def list_studies() -> list[str]:
    """Names accepted by :func:`run_study`.

    Returns
    -------
    list of str
        The study names, in the order of the papers (see ``data/README.md``).

    Examples
    --------
    >>> from learning_direction.studies import list_studies
    >>> list_studies()[:3]
    ['study1', 'study2a', 'study2b']
    """
    return list(STUDIES)


def run_study(
    name: str, data: Any = None, *, seed: int = 20261122, n_boot: int = 5000, progress: bool = False
) -> StudyResult:
    """Run a study pipeline on the bundled data (or ``data``) and return its results.

    Parameters
    ----------
    name : str
        One of :func:`list_studies`.
    data : DataFrame, optional
        A user's data with the same columns as the bundled dataset (see ``data/README.md``);
        default: the bundled simulated dataset.
    seed : int
        Seed for every bootstrap in the pipeline (same seed → identical numbers).
    n_boot : int
        Bootstrap resamples for the mediation models.
    progress : bool
        Show progress bars.

    Returns
    -------
    StudyResult

    Examples
    --------
    >>> import learning_direction as ld
    >>> from learning_direction.studies import list_studies
    >>> list_studies()
    ['study1', 'study2a', 'study2b', 'study3', 'study4', 'advocacy', 'dyads', 'networks', 'motives']
    >>> res = ld.run_study("networks")
    >>> res.title, res.n
    ('Developmental networks: typology, reassessment and convergent validity', 120)
    >>> list(res.tables)  # doctest: +NORMALIZE_WHITESPACE
    ['reliability', 'metrics', 'typology', 'turnover', 'change', 'transitions',
     'convergent_validity', 'mtmm', 'mtmm_criteria', 'participation_flow', 'attrition',
     'attrition_logit', 'change_sensitivity']
    >>> list(res.figures)
    ['ego_network', 'typology_plot', 'change_plot', 'transitions_plot']

    ``print(res.summary())`` gives the whole study as text and ``res.save(folder)`` writes
    every table and figure. The docstring of each pipeline's ``run`` (e.g.
    ``learning_direction.studies.study1.run``) names its R equivalents.
    """
    if name not in STUDIES:
        raise DataValidationError(f"unknown study '{name}'; choose from {', '.join(STUDIES)}")
    module = importlib.import_module(STUDIES[name][0], __name__)
    result: StudyResult = module.run(
        name=name, data=data, seed=seed, n_boot=n_boot, progress=progress
    )
    return result
