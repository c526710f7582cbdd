"""The evaluator workflow: ``learning-direction evaluate CONFIG`` -> one self-contained HTML report.

:func:`run_evaluation` reads the survey exports named in an evaluation config (see
:mod:`learning_direction.evaluation.config`), removes direct identifiers, pseudonymises respondent
ids, scores the scales, checks their reliability, runs the configured models and writes:

* ``<output>/evaluation_report.html`` — one self-contained file (figures embedded, contents list)
  with an overview, response counts and rates, scale scores and reliability, the models with a
  plain-language interpretation next to the statistics, and a data-quality appendix in which
  every row read is accounted for;
* ``<output>/evaluation_report.json`` — the provenance sidecar (input SHA-256, software
  versions, the config with the salt redacted, the seed and a timestamp);
* ``<output>/tables/*.csv`` — every table of the report, full precision;
* ``<output>/figures/*.png`` — every figure of the report.

The same inputs, config and seed give byte-identical tables, figures and HTML apart from the
single "Generated ..." timestamp line (set ``SOURCE_DATE_EPOCH`` to fix that one too).

The package, in the order of the work:

* :mod:`.config` — the config model, :func:`load_config` and :func:`~.config.check_config`:
  every check of the config, once (the only place that raises ``ConfigError``);
* :mod:`.prepare` — reading the files, exclusions, identifiers, pseudonyms, scores, links;
* :mod:`.sections` — one module per report section, each computing then rendering;
* :mod:`.text` — the plain-language sentences; :mod:`.output` — writing the files.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .config import CheckedConfig, ConfigProblems, EvaluationConfig, check_config, load_config

if TYPE_CHECKING:
    from .._core.outputs import Replaced
    from .prepare import Prepared

__all__ = [
    "REPORT_NAME",
    "CheckedConfig",
    "ConfigProblems",
    "EvaluationConfig",
    "check_evaluation",
    "evaluate",
    "load_config",
    "run_evaluation",
]

REPORT_NAME = "evaluation_report"


def check_evaluation(config_path: str | Path) -> tuple[CheckedConfig, Prepared]:
    """Everything before the models: the config loaded and checked, the files read and prepared.

    ``learning-direction evaluate CONFIG --check`` runs this: it raises every
    :class:`~learning_direction.exceptions.ConfigError` and every problem of the data that
    :func:`run_evaluation` would raise before fitting a model.

    Parameters
    ----------
    config_path : str or Path
        The evaluation config (YAML).

    Returns
    -------
    (CheckedConfig, Prepared)
        The config checked against the files, and the prepared data.
    """
    from .prepare import prepare, read_exports

    cfg = load_config(config_path)
    exports = read_exports(cfg)
    checked = check_config(cfg, exports.surveys)
    return checked, prepare(checked, exports)


def run_evaluation(config_path: str | Path, out_dir: str | Path | None = None) -> Path:
    """Evaluate a mentoring program from its survey exports: one self-contained HTML report.

    Parameters
    ----------
    config_path : str or Path
        The evaluation config (YAML; see ``examples/evaluation.yaml`` and
        :func:`learning_direction.load_config`).
    out_dir : str or Path, optional
        Output folder (default: the config's ``output``, relative to the config file).

    Returns
    -------
    Path
        The HTML report ``<out_dir>/evaluation_report.html``. Next to it: the provenance sidecar
        ``evaluation_report.json``, ``tables/*.csv`` and ``figures/*.png``. The folder is
        written whole: it is built next to ``<out_dir>`` and replaces an earlier report there
        only when complete (no stale files remain); a folder holding other files is refused.

    Raises
    ------
    ConfigError
        The config is malformed, names a missing file, an unknown scale or item, a score or
        column no file provides, or there is no salt for the pseudonyms (all found before any
        row is processed: see :func:`check_evaluation`).
    OutputError
        The output folder is an existing file, holds or is an input, holds files this tool did
        not write, is being written by another run, or cannot be written (checked before the
        models are fitted; a failure while writing leaves the folder as it was).
    DataValidationError
        A file cannot be read (empty, header only, broken Qualtrics header, ...), a configured
        column is missing, respondent ids are duplicated with different answers, an item has no
        answers at all.
    ModelError
        A model cannot be estimated (collinear predictors, perfect separation, too few rows or
        clusters).

    Notes
    -----
    Steps, in order: read each file (:func:`learning_direction.read_survey`, dropping Qualtrics
    previews when configured and recoding missing-value codes); leave out exact duplicate
    submissions and responses faster than ``report.min_duration_seconds``; remove the
    configured identifier columns; replace ids by ``HMAC-SHA256(salt, id)`` pseudonyms; score
    each scale with out-of-range answers set to missing (and listed); compute reliability
    (``psych::alpha`` conventions, ML omega); flag straight-lining (the same answer to every item
    of a scale); fit the configured models:

    * engagement ~ upward + lateral + downward (+ covariates), OLS with HC3 SEs;
    * mentee outcome ~ engagement: a linear mixed model with a random intercept per mentor
      (lme4 conventions, ICC(1) = tau² / (tau² + sigma²)) when mentees are nested in mentors,
      OLS (HC3) otherwise, logistic regression for a binary outcome;
    * mediation focal -> engagement -> outcome (PROCESS model 4), percentile bootstrap with
      ``seed``; whole mentors are resampled when mentees are nested (2-2-1 design).

    Row accounting: rows in the file − rows excluded while reading − exact duplicates − too-fast
    responses = rows analysed, per file; the report's appendix shows every term.

    References
    ----------
    Zhang, Wang & Galinsky (2023), *Academy of Management Journal* (learning direction).
    Hayes (2022), *Introduction to mediation, moderation, and conditional process analysis*.
    Curran (2016), careless responding. Bates et al. (2015), lme4.

    Examples
    --------
    A minimal evaluation of the bundled Study 1 data saved as a CSV export (the repository's
    ``examples/evaluation.yaml`` is a full example with a Qualtrics and an SPSS file; run it
    with ``learning-direction evaluate examples/evaluation.yaml``):

    >>> import pathlib, tempfile
    >>> import learning_direction as ld
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> ld.load_dataset("study1").to_csv(folder / "mentors.csv", index=False)
    >>> _ = (folder / "evaluation.yaml").write_text('''
    ... title: Pilot evaluation
    ... program: Example mentoring program
    ... data:
    ...   mentors: {path: mentors.csv}     # relative to this file's folder
    ... ids: {mentors: mentor_id}          # pseudonymised in every output
    ... scales:                            # columns named as the items (ld_up_1, ..., eng_6)
    ...   learning_direction: {}
    ...   mentor_engagement: {}
    ... analyses:
    ...   reliability: true
    ...   learning_direction_engagement:
    ...     predictors: [upward, lateral, downward]
    ...     focal: downward
    ...     engagement: mentor_engagement
    ...     outcomes: []
    ...     n_boot: 1000
    ... privacy: {salt: 3f9c2e7a41d8b06e5a9c7f12}   # better: salt_env (see the example)
    ... output: report
    ... ''')
    >>> path = ld.run_evaluation(folder / "evaluation.yaml")
    >>> path.name, sorted(p.name for p in path.parent.iterdir())
    ('evaluation_report.html', ['evaluation_report.html', 'evaluation_report.json', 'figures', 'tables'])
    >>> import pandas as pd
    >>> model = pd.read_csv(path.parent / "tables" / "model_engagement.csv")
    >>> print(model[["term", "estimate", "se"]].round(3).to_string(index=False))
         term  estimate    se
    Intercept     1.298 0.344
       upward     0.171 0.059
      lateral     0.169 0.058
     downward     0.377 0.047

    The models correspond to R's ``lm`` + ``sandwich::vcovHC(type = "HC3")``,
    ``lme4::lmer(outcome ~ engagement + (1 | mentor))`` and PROCESS model 4
    (``process(y = "outcome", x = "downward", m = "mentor_engagement", model = 4)``).
    """
    return evaluate(config_path, out_dir)[0]


def evaluate(
    config_path: str | Path, out_dir: str | Path | None = None
) -> tuple[Path, Replaced | None]:
    """:func:`run_evaluation`, also returning what the new output folder replaced (or None)."""
    from .output import output_folder, write_report
    from .sections import build_report

    checked, prep = check_evaluation(config_path)
    target = Path(out_dir) if out_dir is not None else checked.config.output
    cfg = checked.config
    output_folder(target, cfg, prep, config_path, REPORT_NAME).precheck()  # fail before the models
    rep, out = build_report(checked, prep)
    return write_report(target, rep, out, checked.config, prep, config_path, REPORT_NAME)
