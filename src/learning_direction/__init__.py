"""learning_direction: a toolkit for mentoring research.

Score survey scales, check their reliability and structure, run the regression, multilevel,
mediation and moderation models of mentoring research with numbers that match R, and render
publication-ready figures and reports.

>>> import learning_direction as ld
>>> res = ld.reliability(ld.load_dataset("study1"), "learning_direction")  # psych::alpha per subscale
>>> print(res.table[["scale", "alpha"]].round(3).to_string(index=False))
   scale  alpha
  upward  0.822
 lateral  0.821
downward  0.871

The public names are re-exported here explicitly (see ``__all__``); they are imported lazily
so that ``import learning_direction`` and the command line start fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module (relative to this package) that defines it
_EXPORTS: dict[str, str] = {
    # exceptions
    "LearningDirectionError": ".exceptions",
    "DataValidationError": ".exceptions",
    "ScaleDefinitionError": ".exceptions",
    "ConfigError": ".exceptions",
    "ModelError": ".exceptions",
    "LearningDirectionWarning": ".exceptions",
    "DataQualityWarning": ".exceptions",
    "ReliabilityWarning": ".exceptions",
    "ModelWarning": ".exceptions",
    # scales
    "Scale": ".scales.codebook",
    "list_scales": ".scales.codebook",
    "load_scale": ".scales.codebook",
    "score": ".scales.scoring",
    "ScoreResult": ".scales.scoring",
    "reliability": ".scales.reliability",
    "ReliabilityResult": ".scales.reliability",
    "cfa": ".scales.cfa",
    "CFAResult": ".scales.cfa",
    "invariance": ".scales.invariance",
    "InvarianceResult": ".scales.invariance",
    "ave": ".scales.validity",
    "composite_reliability": ".scales.validity",
    "htmt": ".scales.validity",
    "fornell_larcker": ".scales.validity",
    "common_method": ".scales.common_method",
    "CommonMethodResult": ".scales.common_method",
    "marker_adjusted_correlations": ".scales.common_method",
    "learning_direction_profile": ".scales.profiles",
    "advocacy_quadrant": ".scales.profiles",
    "careless_responding": ".scales.quality",
    "LearningDirectionProfile": ".scales.profiles",
    "AdvocacyQuadrantResult": ".scales.profiles",
    "CarelessResult": ".scales.quality",
    # models
    "regress": ".models.regression",
    "logit": ".models.regression",
    "mixed": ".models.regression",
    "compare_models": ".models.regression",
    "regress_steps": ".models.regression",
    "ModelComparisonResult": ".models.regression",
    "RegressionResult": ".models.regression",
    "LogitResult": ".models.regression",
    "MixedResult": ".models.regression",
    "icc": ".models.icc",
    "ICCResult": ".models.icc",
    "mediate": ".models.mediation",
    "MediationResult": ".models.mediation",
    "multilevel_mediation": ".models.multilevel_mediation",
    "MultilevelMediationResult": ".models.multilevel_mediation",
    "moderate": ".models.moderation",
    "ModerationResult": ".models.moderation",
    "moderated_mediation": ".models.conditional_process",
    "ConditionalProcessResult": ".models.conditional_process",
    "apim": ".models.dyadic",
    "APIMResult": ".models.dyadic",
    "mutual_benefit": ".models.dyadic",
    "MutualBenefitResult": ".models.dyadic",
    "power_mediation": ".models.power",
    "sample_size_mediation": ".models.power",
    "PowerResult": ".models.power",
    "sem": ".models.sem",
    "impute": ".scales.imputation",
    "ImputedData": ".models.imputation",
    "SEMResult": ".models.sem",
    "mediation_sensitivity": ".models.sensitivity",
    "SensitivityResult": ".models.sensitivity",
    "MultilevelSensitivityResult": ".models.multilevel_sensitivity",
    "evalue": ".models.sensitivity",
    "EValueResult": ".models.sensitivity",
    "adjust_p": ".models.multiplicity",
    "ttest": ".models.group_tests",
    "TTestResult": ".models.group_tests",
    "welch_anova": ".models.group_tests",
    "WelchAnovaResult": ".models.group_tests",
    "games_howell": ".models.group_tests",
    "GamesHowellResult": ".models.group_tests",
    # networks
    "network_metrics": ".networks",
    "network_change": ".networks",
    "NetworkMetricsResult": ".networks",
    "NetworkChangeResult": ".networks",
    # data, studies, io
    "load_dataset": ".datasets",
    "list_datasets": ".datasets",
    "run_study": ".studies",
    "StudyResult": ".studies",
    "read_survey": ".intake.io",
    "run_evaluation": ".evaluation",
    "SurveyData": ".intake.io",
    "load_config": ".evaluation.config",
    "pseudonymise": ".intake.privacy",
    "strip_identifiers": ".intake.privacy",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'learning_direction' has no attribute '{name}'")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
