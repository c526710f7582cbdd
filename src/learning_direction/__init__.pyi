"""Type stub of the public API: the names ``learning_direction`` exports lazily (see ``__init__.py``).

IDEs and type checkers read this file; ``tests/test_architecture.py`` checks that it lists exactly
``__all__`` and that every name resolves to the object the package returns.
"""

from .datasets import list_datasets as list_datasets, load_dataset as load_dataset
from .evaluation import run_evaluation as run_evaluation
from .evaluation.config import load_config as load_config
from .exceptions import (
    ConfigError as ConfigError,
    DataQualityWarning as DataQualityWarning,
    DataValidationError as DataValidationError,
    LearningDirectionError as LearningDirectionError,
    LearningDirectionWarning as LearningDirectionWarning,
    ModelError as ModelError,
    ModelWarning as ModelWarning,
    ReliabilityWarning as ReliabilityWarning,
    ScaleDefinitionError as ScaleDefinitionError,
)
from .intake.io import SurveyData as SurveyData, read_survey as read_survey
from .intake.privacy import pseudonymise as pseudonymise, strip_identifiers as strip_identifiers
from .models.conditional_process import (
    ConditionalProcessResult as ConditionalProcessResult,
    moderated_mediation as moderated_mediation,
)
from .models.dyadic import (
    APIMResult as APIMResult,
    MutualBenefitResult as MutualBenefitResult,
    apim as apim,
    mutual_benefit as mutual_benefit,
)
from .models.group_tests import (
    GamesHowellResult as GamesHowellResult,
    TTestResult as TTestResult,
    WelchAnovaResult as WelchAnovaResult,
    games_howell as games_howell,
    ttest as ttest,
    welch_anova as welch_anova,
)
from .models.icc import ICCResult as ICCResult, icc as icc
from .models.imputation import ImputedData as ImputedData
from .models.mediation import MediationResult as MediationResult, mediate as mediate
from .models.moderation import ModerationResult as ModerationResult, moderate as moderate
from .models.multilevel_mediation import (
    MultilevelMediationResult as MultilevelMediationResult,
    multilevel_mediation as multilevel_mediation,
)
from .models.multilevel_sensitivity import (
    MultilevelSensitivityResult as MultilevelSensitivityResult,
)
from .models.multiplicity import adjust_p as adjust_p
from .models.power import (
    PowerResult as PowerResult,
    power_mediation as power_mediation,
    sample_size_mediation as sample_size_mediation,
)
from .models.regression import (
    LogitResult as LogitResult,
    MixedResult as MixedResult,
    ModelComparisonResult as ModelComparisonResult,
    RegressionResult as RegressionResult,
    compare_models as compare_models,
    logit as logit,
    mixed as mixed,
    regress as regress,
    regress_steps as regress_steps,
)
from .models.sem import SEMResult as SEMResult, sem as sem
from .models.sensitivity import (
    EValueResult as EValueResult,
    SensitivityResult as SensitivityResult,
    evalue as evalue,
    mediation_sensitivity as mediation_sensitivity,
)
from .networks import (
    NetworkChangeResult as NetworkChangeResult,
    NetworkMetricsResult as NetworkMetricsResult,
    network_change as network_change,
    network_metrics as network_metrics,
)
from .scales.cfa import CFAResult as CFAResult, cfa as cfa
from .scales.codebook import Scale as Scale, list_scales as list_scales, load_scale as load_scale
from .scales.common_method import (
    CommonMethodResult as CommonMethodResult,
    common_method as common_method,
    marker_adjusted_correlations as marker_adjusted_correlations,
)
from .scales.imputation import impute as impute
from .scales.invariance import InvarianceResult as InvarianceResult, invariance as invariance
from .scales.profiles import (
    AdvocacyQuadrantResult as AdvocacyQuadrantResult,
    LearningDirectionProfile as LearningDirectionProfile,
    advocacy_quadrant as advocacy_quadrant,
    learning_direction_profile as learning_direction_profile,
)
from .scales.quality import (
    CarelessResult as CarelessResult,
    careless_responding as careless_responding,
)
from .scales.reliability import ReliabilityResult as ReliabilityResult, reliability as reliability
from .scales.scoring import ScoreResult as ScoreResult, score as score
from .scales.validity import (
    ave as ave,
    composite_reliability as composite_reliability,
    fornell_larcker as fornell_larcker,
    htmt as htmt,
)
from .studies import StudyResult as StudyResult, run_study as run_study

__version__: str
_EXPORTS: dict[str, str]  # public name -> defining module (used by the command line)
__all__: list[str]
