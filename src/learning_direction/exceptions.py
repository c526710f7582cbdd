"""Errors and warnings raised by learning_direction.

Every error is a :class:`LearningDirectionError` and also a :class:`ValueError`, so code that
already catches ``ValueError`` keeps working. Messages name the file, column, item, key or row
at fault and say what to do next. The command line prints them as one ``error: ...`` line and
exits with status 2.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DataQualityWarning",
    "DataValidationError",
    "LearningDirectionError",
    "LearningDirectionWarning",
    "ModelError",
    "ModelWarning",
    "OutputError",
    "ReliabilityWarning",
    "ScaleDefinitionError",
]


class LearningDirectionError(ValueError):
    """Base class of every error raised on bad input or an impossible analysis."""


class DataValidationError(LearningDirectionError):
    """The data cannot be used as given (missing column, out-of-range value, duplicate id, ...)."""


class ScaleDefinitionError(LearningDirectionError):
    """A scale definition (YAML codebook file or dict) is malformed."""


class ConfigError(LearningDirectionError):
    """An evaluation config is malformed or points at something that does not exist."""


class ModelError(LearningDirectionError):
    """A model cannot be estimated on this data (collinearity, separation, too few rows, ...)."""


class OutputError(LearningDirectionError):
    """An output cannot be written where asked: the path is an input, a file where a folder is
    needed, a folder holding other files, read-only, locked by another run, or the disk is full.
    Nothing was changed at the destination."""


class LearningDirectionWarning(UserWarning):
    """Base class of the warnings issued by learning_direction."""


class DataQualityWarning(LearningDirectionWarning):
    """Something in the data deserves a look (careless responding, recoded values, dropped rows)."""


class ReliabilityWarning(LearningDirectionWarning):
    """A reliability statistic is undefined or questionable (constant item, alpha < .70, ...)."""


class ModelWarning(LearningDirectionWarning):
    """A model was estimated but something about it deserves a look (singular resamples, ...)."""
