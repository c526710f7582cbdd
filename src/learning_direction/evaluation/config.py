"""The evaluation config: what a program evaluator writes to get a report from their exports.

A YAML file names the data files and how they join, the id and identifier columns, the
column -> item mapping of each scale, the groups (cohort, site), the analyses to run, the seed
and the output folder. Every check of the config happens in this module, in two steps, and every
problem is one :class:`~learning_direction.exceptions.ConfigError`:

1. :func:`load_config` validates the file with pydantic and checks the scales against the
   codebook; its messages name the file, the line and the key, e.g.::

       evaluation.yaml, line 12, key 'scales.learning_direction.columns': unknown item 'ld_up_9' ...

2. :func:`check_config` checks what needs the exports' columns and the environment: the salt,
   the id, join and group columns, and every score or column an analysis names. It returns a
   :class:`CheckedConfig`, the only thing the data preparation and the report sections use, so
   no section checks the config again. ``learning-direction evaluate CONFIG --check`` runs both.

Paths in the config are relative to the config file's folder. ``EvaluationConfig.model_json_schema()``
gives the JSON schema (shipped as ``examples/evaluation.schema.json``) that editors such as VS
Code use to complete and check the file.
"""

from __future__ import annotations

import difflib
import json
import os
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .._core.cells import clip
from .._core.safe_yaml import load_yaml, read_yaml_text
from ..exceptions import ConfigError, ScaleDefinitionError

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

    from ..intake.io import SurveyData
    from ..scales.codebook import Scale

__all__ = [
    "LINK",
    "AnalysesConfig",
    "CheckedConfig",
    "ConfigProblems",
    "DataFile",
    "DataFiles",
    "EngagementAnalysis",
    "EngagementPlan",
    "EvaluationConfig",
    "GroupColumn",
    "InvitedCounts",
    "MotivesAnalysis",
    "MotivesPlan",
    "NetworksAnalysis",
    "OutcomePlan",
    "PrivacyConfig",
    "ReliabilityAnalysis",
    "ReportConfig",
    "ScaleMapping",
    "ScaleSpec",
    "analysed_columns",
    "check_config",
    "config_json_schema",
    "load_config",
    "write_schema",
]

Dataset = Literal["mentors", "mentees", "networks"]
DATASETS: tuple[Dataset, ...] = ("mentors", "mentees", "networks")
DEFAULT_SALT_ENV = "LEARNING_DIRECTION_SALT"
#: column holding the pseudonymised mentor id in every file that has a ``join`` column
LINK = "_mentor_link"
_RESPONDENT_FILE: dict[str, Dataset] = {"mentor": "mentors", "mentee": "mentees"}


class _Model(BaseModel):
    """Base: unknown keys are errors (a typo must never be ignored), numbers may be strings."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True, validate_default=True)


def _resolve_file(value: Path | None, info: ValidationInfo) -> Path | None:
    """Resolve a path against the config folder and check that the file exists."""
    if value is None:
        return None
    base = (info.context or {}).get("base_dir")
    path = Path(os.path.expanduser(str(value)))
    if not path.is_absolute() and base is not None:
        path = Path(base) / path
    path = path.resolve()
    if (info.context or {}).get("check_files", True):
        if not path.exists():
            raise ValueError(
                f"file not found: {path} (paths are relative to the config file's folder)"
            )
        if path.is_dir():
            raise ValueError(f"{path} is a folder; give the path of a file")
    return path


# --------------------------------------------------------------------------- data


class DataFile(_Model):
    """One survey export and how to read it (the options of :func:`learning_direction.read_survey`)."""

    path: Path = Field(
        description="The export file (CSV/TSV, xlsx, SPSS .sav, Stata .dta), relative to the config file."
    )
    format: Literal["csv", "tsv", "xlsx", "sav", "dta"] | None = Field(
        default=None,
        description="Read as this format whatever the extension (default: from the extension).",
    )
    sheet: str | int | None = Field(
        default=None, description="Excel: sheet name or 0-based index (default: first sheet)."
    )
    qualtrics: bool | None = Field(
        default=None,
        description="Qualtrics export? Default: detected from the columns and header rows.",
    )
    drop_previews: bool = Field(
        default=True, description="Drop Qualtrics preview and test responses."
    )
    missing_codes: list[float | str] | dict[str, list[float | str]] | None = Field(
        default=None,
        description="Values meaning 'missing' (e.g. [-9, 99]) for every column, or {column: [codes]}.",
    )
    encoding: str | None = Field(
        default=None, description="Text files: encoding (default: detected)."
    )
    delimiter: str | None = Field(
        default=None,
        min_length=1,
        max_length=1,
        description="Text files: delimiter (default: detected).",
    )
    decimal: Literal[".", ","] | None = Field(
        default=None, description="Text files: decimal mark (default: detected)."
    )
    labels: Literal["codes", "labels"] = Field(
        default="codes", description="SPSS/Stata value labels: keep codes or use labels."
    )

    _resolve = field_validator("path")(_resolve_file)

    def read_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :func:`learning_direction.read_survey`."""
        return {
            "format": self.format,
            "sheet": self.sheet,
            "qualtrics": self.qualtrics,
            "drop_previews": self.drop_previews,
            "missing_codes": self.missing_codes,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "decimal": self.decimal,
            "labels": self.labels,
        }


class DataFiles(_Model):
    """The exports: a mentor file, a mentee file, and a developmental-network file (long format)."""

    mentors: DataFile | None = Field(default=None, description="One row per mentor.")
    mentees: DataFile | None = Field(
        default=None, description="One row per mentee (linked to a mentor by `join`)."
    )
    networks: DataFile | None = Field(
        default=None,
        description="One row per developer named by a respondent (for `analyses.networks`).",
    )

    @model_validator(mode="after")
    def _at_least_one(self) -> DataFiles:
        if self.mentors is None and self.mentees is None:
            raise ValueError(
                "give at least one data file: 'mentors' or 'mentees' (each with a 'path')"
            )
        return self

    def configured(self) -> list[Dataset]:
        """The names of the files given, in the order mentors, mentees, networks."""
        return [name for name in DATASETS if getattr(self, name) is not None]

    def file(self, name: str) -> DataFile:
        """The entry of a configured file."""
        spec: DataFile | None = getattr(self, name)
        if spec is None:  # pragma: no cover - programming error: only configured names are used
            raise KeyError(name)
        return spec


# --------------------------------------------------------------------------- scales


class ScaleMapping(_Model):
    """Which columns hold a scale's items.

    Give ``columns`` (item id -> column name), or ``prefix`` (the scale's items in codebook
    order are ``<prefix><start>``, ``<prefix><start+1>``, ...), or neither when the columns are
    already named by the item ids. ``file`` names a custom scale definition (YAML, same format
    as the bundled ``scales/*.yaml``) when the scale is not bundled.
    """

    dataset: Dataset | None = Field(
        default=None,
        description="The file holding the items (default: from the scale's respondent: mentor -> mentors, mentee -> mentees).",
    )
    columns: dict[str, str] | None = Field(
        default=None, description="Item id -> column name in the export."
    )
    prefix: str | None = Field(
        default=None,
        min_length=1,
        description="Columns are <prefix>1, <prefix>2, ... in item order.",
    )
    start: int = Field(default=1, ge=0, description="First number after the prefix.")
    file: Path | None = Field(
        default=None,
        description="A custom scale definition (YAML) for a scale that is not bundled.",
    )

    _resolve = field_validator("file")(_resolve_file)

    @model_validator(mode="after")
    def _one_mapping(self) -> ScaleMapping:
        if self.columns is not None and self.prefix is not None:
            raise ValueError("give either 'columns' or 'prefix', not both")
        return self

    def column_map(self, item_ids: list[str]) -> dict[str, str]:
        """Item id -> column name for this scale's items."""
        if self.columns is not None:
            return {i: self.columns.get(i, i) for i in item_ids}
        if self.prefix is not None:
            return {i: f"{self.prefix}{self.start + k}" for k, i in enumerate(item_ids)}
        return {i: i for i in item_ids}


# --------------------------------------------------------------------------- groups


class GroupColumn(_Model):
    """A grouping variable whose column is named differently in each file."""

    mentors: str | None = None
    mentees: str | None = None


class InvitedCounts(_Model):
    """How many people were invited, per level of one group (for response rates)."""

    group: str = Field(description="A key of `groups` (e.g. cohort).")
    counts: dict[str, int] = Field(description="Group level -> number invited.")

    @field_validator("counts")
    @classmethod
    def _non_negative(cls, v: dict[str, int]) -> dict[str, int]:
        bad = [k for k, n in v.items() if n < 0]
        if bad:
            raise ValueError(f"invited counts must be 0 or more (check {bad})")
        return v


# --------------------------------------------------------------------------- analyses


class _Analysis(_Model):
    enabled: bool = True

    @model_validator(mode="before")
    @classmethod
    def _from_bool(cls, value: Any) -> Any:
        if isinstance(value, bool):
            return {"enabled": value}
        if value is None:
            return {"enabled": False}
        return value


class ReliabilityAnalysis(_Analysis):
    """Scale scores, Cronbach's alpha / omega and item statistics for every configured scale."""

    scales: list[str] | None = Field(
        default=None, description="Scales to analyse (default: every configured scale)."
    )


class EngagementAnalysis(_Analysis):
    """Learning direction -> mentor engagement -> mentee outcomes (Zhang, Wang & Galinsky, 2023)."""

    predictors: list[str] = Field(
        default=["upward", "lateral", "downward"],
        min_length=1,
        description="Learning-direction scores (or other predictor scores).",
    )
    focal: str = Field(
        default="downward", description="The predictor whose indirect effect is tested."
    )
    engagement: str = Field(
        default="mentor_engagement", description="The mentor-engagement score (the mediator)."
    )
    outcomes: list[str] = Field(
        default=["mentee_experience"],
        description="Mentee outcome scores (need the mentees file and `join`).",
    )
    covariates: list[str] = Field(default=[], description="Extra columns or scores to control for.")
    n_boot: int = Field(
        default=5000, ge=100, le=100000, description="Bootstrap resamples for the indirect effect."
    )
    ci: Literal["percentile", "bca", "monte_carlo"] = "percentile"

    @model_validator(mode="after")
    def _focal_is_predictor(self) -> EngagementAnalysis:
        from .._core.checks import choice

        # a ValueError subclass: pydantic reports it at this key, with its line
        choice(self.focal, "focal (one of the predictors)", self.predictors,
               error=ConfigError, case_sensitive=True)  # fmt: skip
        return self


class MotivesAnalysis(_Analysis):
    """Mentor motives (self- vs other-focused) -> behaviours -> outcomes (Liu et al., 2021)."""

    scale: str = Field(default="mentor_motives", description="The motives scale.")
    outcomes: list[str] = Field(default=[], description="Outcome scores to relate the motives to.")


class NetworksAnalysis(_Analysis):
    """Developmental networks (Higgins & Kram, 2001) from a long file: one row per developer."""

    ego: str = Field(description="Column with the respondent's id (the network owner).")
    level: str = Field(
        description="Column with the developer's level relative to the ego (up / lateral / down)."
    )
    tie_strength: str | None = Field(
        default=None, description="Column with tie strength (e.g. 1-5)."
    )
    tie_strength_range: tuple[float, float] = Field(
        default=(1, 5),
        description="Lowest and highest possible tie strength, e.g. [1, 7] for a 7-point scale.",
    )

    @field_validator("tie_strength_range")
    @classmethod
    def _range_ordered(cls, value: tuple[float, float]) -> tuple[float, float]:
        lo, hi = value
        if not lo < hi:
            raise ValueError(f"give the lowest value first, e.g. [1, 5]; got [{lo:g}, {hi:g}]")
        return value

    sphere: str | None = Field(
        default=None, description="Column with the developer's social sphere (for range)."
    )
    wave: str | None = Field(
        default=None, description="Column with the measurement occasion (for change over time)."
    )


class AnalysesConfig(_Model):
    """Which analyses to run. Each accepts `true`/`false` or a mapping of options."""

    reliability: ReliabilityAnalysis = Field(
        default_factory=lambda: ReliabilityAnalysis(enabled=True)
    )
    learning_direction_engagement: EngagementAnalysis = Field(
        default_factory=lambda: EngagementAnalysis(enabled=False)
    )
    motives: MotivesAnalysis = Field(default_factory=lambda: MotivesAnalysis(enabled=False))
    networks: NetworksAnalysis | None = None

    @field_validator("networks", mode="before")
    @classmethod
    def _networks_off(cls, value: Any) -> Any:
        if value is False:
            return None
        if value is True:
            raise ValueError(
                "networks needs its columns: give {ego: ..., level: ...} instead of true"
            )
        return value


# --------------------------------------------------------------------------- privacy, report


class PrivacyConfig(_Model):
    """The salt for pseudonymising respondent ids: in the config, or (better) in an environment variable."""

    salt: str | None = Field(
        default=None,
        description="Secret salt: at least 16 characters (8 different), not a pattern, run or "
        "published example. Prefer salt_env.",
    )
    salt_env: str | None = Field(
        default=None,
        description=f"Environment variable holding the salt (default {DEFAULT_SALT_ENV}).",
    )
    id_length: int = Field(
        default=12, ge=8, le=64, description="Hex characters kept from each pseudonym."
    )

    @field_validator("salt")
    @classmethod
    def _strong_salt(cls, value: str | None) -> str | None:
        from ..intake.privacy import salt_problem

        problem = None if value is None else salt_problem(value)
        if problem is not None:
            raise ValueError(
                f'{problem}; make one with python -c "import secrets; '
                'print(secrets.token_hex(16))" and prefer salt_env: LEARNING_DIRECTION_SALT'
            )
        return value

    @model_validator(mode="after")
    def _not_both(self) -> PrivacyConfig:
        if self.salt is not None and self.salt_env is not None:
            raise ValueError("give 'salt' or 'salt_env', not both")
        return self

    def resolve_salt(self) -> str:
        """The salt (from the config or the environment); ConfigError when neither is set."""
        from ..intake.privacy import resolve_salt

        return resolve_salt(self.salt, self.salt_env)


class ReportConfig(_Model):
    """Report options."""

    alpha_warning: float = Field(
        default=0.70, gt=0, lt=1, description="Warn wherever a scale's alpha is below this."
    )
    min_group_size: int = Field(
        default=5,
        ge=1,
        description="Groups with fewer respondents are not shown separately (privacy).",
    )
    min_duration_seconds: float | None = Field(
        default=None, ge=0, description="Flag responses faster than this (needs a duration column)."
    )
    duration_column: str | None = Field(
        default="Duration (in seconds)", description="Column with the time taken, in seconds."
    )
    straightlining: bool = Field(
        default=True,
        description="Flag respondents giving the same answer to every item of a scale.",
    )


# --------------------------------------------------------------------------- the config


class EvaluationConfig(_Model):
    """An evaluation of a mentoring program: data in, one self-contained HTML report out.

    Paths are resolved relative to the config file's folder by :func:`load_config`.
    """

    title: str = Field(default="Mentoring program evaluation", description="Report title.")
    program: str = Field(description="Name of the mentoring program.")
    data: DataFiles
    ids: dict[Dataset, str] = Field(
        default_factory=dict,
        description="Respondent id column per file (pseudonymised in outputs).",
    )
    join: dict[Dataset, str] = Field(
        default_factory=dict,
        description="The mentor-id column in each file; mentee rows link to the mentor with the same id.",
    )
    identifiers: dict[Dataset, list[str]] = Field(
        default_factory=dict,
        description="Direct identifiers (names, emails, IP addresses, locations) removed right after reading.",
    )
    scales: dict[str, ScaleMapping] = Field(
        default_factory=dict,
        description="Scale name -> where its items are. Names are bundled scales unless `file` is given.",
    )
    groups: dict[str, str | GroupColumn] = Field(
        default_factory=dict,
        description="Group name (e.g. cohort, site) -> column, or {mentors: col, mentees: col}.",
    )
    invited: dict[Dataset, int | InvitedCounts] = Field(
        default_factory=dict,
        description="Number invited per file (total, or per group level) for response rates.",
    )
    analyses: AnalysesConfig = Field(default_factory=AnalysesConfig)
    seed: int = Field(default=20261122, ge=0, description="Seed for every random step (bootstrap).")
    output: Path = Field(
        default=Path("reports/evaluation"),
        description="Output folder (relative to the config file).",
    )
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)
    report: ReportConfig = Field(default_factory=ReportConfig)

    _source: Path | None = PrivateAttr(None)
    _scales: dict[str, ScaleSpec] | None = PrivateAttr(None)

    @field_validator("output")
    @classmethod
    def _resolve_output(cls, value: Path, info: ValidationInfo) -> Path:
        base = (info.context or {}).get("base_dir")
        path = Path(os.path.expanduser(str(value)))
        if not path.is_absolute() and base is not None:
            path = Path(base) / path
        return path.resolve()

    @model_validator(mode="after")
    def _cross_references(self) -> EvaluationConfig:
        configured = set(self.data.configured())
        for key in ("ids", "join", "identifiers", "invited"):
            for name in getattr(self, key):
                if name not in configured:
                    raise ValueError(
                        f"'{key}' names the '{name}' file but 'data' has no '{name}' entry "
                        f"(configured: {sorted(configured)})"
                    )
        if (
            "mentors" in configured
            and "mentees" in configured
            and set(self.join) != {"mentors", "mentees"}
        ):
            raise ValueError(
                "with both a mentors and a mentees file, 'join' must name the mentor-id column of each, "
                "e.g. join: {mentors: mentor_id, mentees: mentor_id}"
            )
        for name, inv in self.invited.items():
            if isinstance(inv, InvitedCounts) and inv.group not in self.groups:
                raise ValueError(
                    f"invited.{name}.group '{inv.group}' is not a key of 'groups' {sorted(self.groups)}"
                )
        if (
            self.analyses.networks is not None
            and self.analyses.networks.enabled
            and "networks" not in configured
        ):
            raise ValueError("analyses.networks needs a 'networks' file under 'data'")
        return self

    @property
    def source(self) -> Path | None:
        """The config file this was loaded from."""
        return self._source

    def scale_specs(self) -> dict[str, ScaleSpec]:
        """Scale name -> :class:`ScaleSpec` (resolved by :func:`load_config`, else now)."""
        if self._scales is None:
            self._scales = _resolve_scales(self, "config", {})
        return self._scales

    def group_column(self, group: str, dataset: str) -> str | None:
        """The column of ``group`` in ``dataset`` (None when that file has none)."""
        spec = self.groups[group]
        if isinstance(spec, GroupColumn):
            column: str | None = getattr(spec, dataset, None)
            return column
        return spec

    def public_dict(self) -> dict[str, Any]:
        """The config as JSON-friendly data with the salt redacted (for provenance sidecars)."""
        data = self.model_dump(mode="json")
        if data.get("privacy", {}).get("salt") is not None:
            data["privacy"]["salt"] = "<redacted>"
        return data


# --------------------------------------------------------------------------- loading


def _line_map(
    node: yaml.Node, path: tuple[str, ...], lines: dict[tuple[str, ...], int], where: str
) -> None:
    """Record the 1-based line of every key (and list item); reject duplicate keys."""
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen and key_node.tag != "tag:yaml.org,2002:merge":
                dotted = clip(".".join((*path, key)), 120, quote=False)
                raise ConfigError(
                    f"{where}, line {line}, key '{dotted}': duplicate key (first given on line {seen[key]}); "
                    "keep only one"
                )
            seen[key] = line
            lines[(*path, key)] = line
            _line_map(value_node, (*path, key), lines, where)
    elif isinstance(node, yaml.SequenceNode):
        for k, item in enumerate(node.value):
            lines[(*path, str(k))] = item.start_mark.line + 1
            _line_map(item, (*path, str(k)), lines, where)


def _load_yaml(path: Path) -> tuple[Any, dict[tuple[str, ...], int]]:
    """The config's data and the line of every key (within the limits of ``_core.safe_yaml``)."""
    where = path.name
    text = read_yaml_text(path, ConfigError, "config file")
    data, node = load_yaml(text, where, ConfigError)
    lines: dict[tuple[str, ...], int] = {}
    if node is not None:
        _line_map(node, (), lines, where)
    if data is None:
        raise ConfigError(
            f"{where}: the config is empty; see examples/evaluation.yaml for a template"
        )
    if not isinstance(data, dict):
        raise ConfigError(
            f"{where}, line 1: the config must be a mapping of keys (title:, program:, data:, ...), "
            f"got a {type(data).__name__}"
        )
    return data, lines


def _config_models() -> tuple[type[BaseModel], ...]:
    """Every model of the config (for the key names in error messages)."""
    return (
        EvaluationConfig, DataFiles, DataFile, ScaleMapping, GroupColumn, InvitedCounts,
        AnalysesConfig, ReliabilityAnalysis, EngagementAnalysis, MotivesAnalysis,
        NetworksAnalysis, PrivacyConfig, ReportConfig,
    )  # fmt: skip


def _known_keys() -> set[str]:
    return {key for model in _config_models() for key in model.model_fields}


_BASIC_TAGS = {"str", "int", "float", "bool", "list", "dict", "none", "is-instance"}


def _is_tag(part: Any) -> bool:
    """Is this part of a pydantic error location a union-member tag rather than a key?"""
    if not isinstance(part, str):
        return False
    return part in _BASIC_TAGS or part in _model_names() or "[" in part


def _model_names() -> set[str]:
    return {m.__name__ for m in _config_models()}


def _models_in(tp: Any) -> list[Any]:
    """Models and dict value types reachable from a type annotation (through unions)."""
    import typing

    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(tp) for m in _models_in(arg)]
    if origin is dict:
        return [("dict", typing.get_args(tp)[1])]
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    return []


def _allowed_keys(path: list[str]) -> list[str]:
    """The keys allowed in the mapping at ``path`` of the config (for error messages)."""
    current: list[Any] = [EvaluationConfig]
    for key in path:
        nxt: list[Any] = []
        for node in current:
            if isinstance(node, tuple):  # ("dict", value type): any key
                nxt.extend(_models_in(node[1]))
            elif key in node.model_fields:
                nxt.extend(_models_in(node.model_fields[key].annotation))
        current = nxt
    keys: list[str] = []
    for node in current:
        if not isinstance(node, tuple):
            keys.extend(k for k in node.model_fields if k not in keys)
    return keys


def _locate(loc: tuple[Any, ...], lines: dict[tuple[str, ...], int]) -> tuple[str, int | None]:
    """Dotted key and line for a pydantic error location (union-member tags skipped)."""
    path = tuple(str(p) for p in loc if not _is_tag(p))
    dotted = clip(".".join(path), 120, quote=False) or "(top level)"
    probe = path
    while probe and probe not in lines:
        probe = probe[:-1]
    return dotted, lines.get(probe, lines.get((), None))


def _prune_union_errors(errors: list[ErrorDetails]) -> list[ErrorDetails]:
    """Keep the informative errors of a union: the members that got deeper, else the first."""
    groups: dict[tuple[str, ...], list[ErrorDetails]] = {}
    order: list[tuple[str, ...] | int] = []
    for k, err in enumerate(errors):
        loc = tuple(err.get("loc", ()))
        tag_at = next((i for i, p in enumerate(loc) if _is_tag(p)), None)
        if tag_at is None:
            order.append(k)
            continue
        prefix = tuple(str(p) for p in loc[:tag_at])
        if prefix not in groups:
            groups[prefix] = []
            order.append(prefix)
        groups[prefix].append(err)
    out: list[ErrorDetails] = []
    for item in order:
        if isinstance(item, int):
            out.append(errors[item])
            continue
        members = groups[item]
        deeper = [e for e in members if len([p for p in e["loc"] if not _is_tag(p)]) > len(item)]
        out.extend(deeper or members[:1])
    return out


def _message(err: ErrorDetails) -> str:
    kind = err.get("type", "")
    loc = err.get("loc", ())
    if kind == "extra_forbidden":
        key = clip(loc[-1], 60, quote=False) if loc else "?"
        path = [str(p) for p in loc[:-1] if not _is_tag(p)]
        allowed = _allowed_keys(path)
        close = difflib.get_close_matches(key, allowed or sorted(_known_keys()), n=1)
        hint = f"; did you mean '{close[0]}'?" if close and close[0] != key else ""
        listing = f" Allowed here: {', '.join(allowed)}." if allowed else ""
        return f"unknown key '{key}'{hint} (a typo is never ignored).{listing}"
    if kind == "missing":
        return "required key missing"
    msg = str(err.get("msg", "invalid value"))
    msg = msg.removeprefix("Value error, ")
    if kind not in {"value_error", "assertion_error"} and "input" in err:
        given = err["input"]
        if not isinstance(given, dict | list):
            msg += f" (got {clip(given)})"
    return msg


def _validation_error(
    exc: ValidationError, where: str, lines: dict[tuple[str, ...], int]
) -> ConfigError:
    parts = []
    seen = set()
    for err in _prune_union_errors(exc.errors(include_url=False)):
        key, line = _locate(tuple(err.get("loc", ())), lines)
        text = (
            f"line {line}, key '{key}': {_message(err)}"
            if line
            else f"key '{key}': {_message(err)}"
        )
        if text not in seen:
            seen.add(text)
            parts.append(text)
    return ConfigError(f"{where}, " + "; ".join(parts))


# --------------------------------------------------------------------------- scales


@dataclass(frozen=True)
class ScaleSpec:
    """A configured scale after checking: its definition, its file and its item columns.

    Attributes
    ----------
    name : str
        The key under ``scales`` (the scale's name).
    scale : Scale
        The definition: the bundled scale, or the mapping's ``file``.
    dataset : str
        The file holding the items: the mapping's ``dataset``, else the file of the scale's
        respondent (mentor -> mentors, mentee -> mentees), else the only file configured.
    columns : dict
        Item id -> column of the export, in item order.
    """

    name: str
    scale: Scale
    dataset: Dataset
    columns: dict[str, str]

    @property
    def score_names(self) -> list[str]:
        """The score columns scoring produces: one per subscale, then one per composite."""
        return self.scale.score_names


def _resolve_scales(
    cfg: EvaluationConfig, where: str, lines: dict[tuple[str, ...], int]
) -> dict[str, ScaleSpec]:
    """Each configured scale against the codebook (bundled or custom file): items and file."""
    return {
        name: _resolve_scale(cfg, name, mapping, where, lines)
        for name, mapping in cfg.scales.items()
    }


def _resolve_scale(
    cfg: EvaluationConfig,
    name: str,
    mapping: ScaleMapping,
    where: str,
    lines: dict[tuple[str, ...], int],
) -> ScaleSpec:
    from ..scales.codebook import load_scale

    configured = cfg.data.configured()
    try:
        scale = load_scale(mapping.file if mapping.file is not None else name)
    except ScaleDefinitionError as exc:
        key = ("scales", name, "file") if mapping.file is not None else ("scales", name)
        raise _err(where, lines, key, str(exc)) from None
    if mapping.file is not None and scale.name != name:
        raise _err(where, lines, ("scales", name, "file"),
                   f"the file defines scale '{scale.name}'; use that name as the key")  # fmt: skip
    ids = scale.item_ids
    for item in mapping.columns or {}:
        if item not in ids:
            close = difflib.get_close_matches(item, ids, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise _err(where, lines, ("scales", name, "columns", item),
                       f"{clip(item)} is not an item of scale '{name}'{hint}; its items are {', '.join(ids)}")  # fmt: skip
    dataset = mapping.dataset or _RESPONDENT_FILE.get(scale.respondent)
    if dataset is None:
        if len(configured) != 1:
            raise _err(where, lines, ("scales", name),
                       f"say which file holds scale '{name}' (respondent '{scale.respondent}'): add dataset: mentors or mentees")  # fmt: skip
        dataset = configured[0]
    if dataset not in configured:
        raise _err(where, lines, ("scales", name, "dataset") if mapping.dataset else ("scales", name),
                   f"scale '{name}' is answered by {scale.respondent}s but 'data' has no '{dataset}' file; "
                   "add it, or set dataset: to the file that holds these items")  # fmt: skip
    return ScaleSpec(name=name, scale=scale, dataset=dataset, columns=mapping.column_map(ids))


def _check_reliability_scales(
    cfg: EvaluationConfig, where: str, lines: dict[tuple[str, ...], int]
) -> None:
    """``analyses.reliability.scales`` names configured scales (a typo would skip a scale)."""
    rel = cfg.analyses.reliability
    names = (rel.scales or []) if rel.enabled else []
    for k, name in enumerate(names):
        if name not in cfg.scales:
            close = difflib.get_close_matches(name, list(cfg.scales), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise _err(where, lines, ("analyses", "reliability", "scales", str(k)),
                       f"{clip(name)} is not a scale configured under 'scales'{hint}; "
                       f"configured: {', '.join(cfg.scales) or 'none'}")  # fmt: skip


def _err(
    where: str, lines: dict[tuple[str, ...], int], path: tuple[str, ...], msg: str
) -> ConfigError:
    probe = path
    while probe and probe not in lines:
        probe = probe[:-1]
    line = lines.get(probe)
    at = f", line {line}" if line else ""
    return ConfigError(f"{where}{at}, key '{clip('.'.join(path), 120, quote=False)}': {msg}")


def load_config(path: str | Path, *, check_files: bool = True) -> EvaluationConfig:
    """Load and validate an evaluation config (YAML).

    Parameters
    ----------
    path : str or Path
        The config file. Relative paths inside it are resolved against its folder.
    check_files : bool
        Check that every data file and custom scale file exists (default True).

    Returns
    -------
    EvaluationConfig
        The validated config; ``.source`` is the config file's path.

    Raises
    ------
    ConfigError
        The file is missing, not YAML, or invalid. The message names the file, the line and the
        key, e.g. ``evaluation.yaml, line 12, key 'data.mentors.path': file not found: ...``.

    Notes
    -----
    Validation uses pydantic (the schema is :class:`EvaluationConfig`); unknown keys are
    errors so that a misspelt key is never silently ignored. Scale names and item ids are
    checked against the codebook (``scales/*.yaml`` or the scale's ``file``), and so are the
    scales named by ``analyses.reliability.scales``. What needs the exports (their columns)
    or the environment (the salt) is checked by :func:`check_config`.

    Examples
    --------
    A minimal config for the bundled Study 1 data saved as a CSV export (the repository's
    ``examples/evaluation.yaml`` shows every key, for a Qualtrics and an SPSS file):

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
    >>> cfg = ld.load_config(folder / "evaluation.yaml")
    >>> cfg.data.mentors.path.name, cfg.output.name, cfg.seed
    ('mentors.csv', 'report', 20261122)

    A misspelt key is an error that names the file, the line and the key:

    >>> _ = (folder / "bad.yaml").write_text('''
    ... title: Pilot evaluation
    ... program: Example mentoring program
    ... data: {mentors: {path: mentors.csv}}
    ... seeed: 1
    ... ''')
    >>> ld.load_config(folder / "bad.yaml")
    Traceback (most recent call last):
    ...
    learning_direction.exceptions.ConfigError: bad.yaml, line 5, key 'seeed': unknown key 'seeed'; did you mean 'seed'? ...
    """
    path = Path(path)
    data, lines = _load_yaml(path)
    where = path.name
    base = path.resolve().parent
    try:
        cfg = EvaluationConfig.model_validate(
            data, context={"base_dir": base, "check_files": check_files}
        )
    except ValidationError as exc:
        raise _validation_error(exc, where, lines) from None
    cfg._source = path.resolve()
    cfg._scales = _resolve_scales(cfg, where, lines)
    _check_reliability_scales(cfg, where, lines)
    return cfg


# --------------------------------------------------------------------------- checks against the files


@dataclass(frozen=True)
class OutcomePlan:
    """An outcome of the engagement analysis, checked.

    ``dataset`` is the file holding it; ``linked`` says it is in the other file than the
    engagement score, so its models use the mentee rows linked to their mentor; ``is_score``
    says it is a scale score (only a column that is not a score can be a binary outcome).
    """

    name: str
    dataset: Dataset
    linked: bool
    is_score: bool


@dataclass(frozen=True)
class EngagementPlan:
    """The engagement analysis, checked: ``home`` holds the engagement score, the predictors
    and the covariates; each outcome knows its file."""

    options: EngagementAnalysis
    home: Dataset
    outcomes: tuple[OutcomePlan, ...]


@dataclass(frozen=True)
class MotivesPlan:
    """The motives analysis, checked: the motives scale and its predictor scores (the
    composites, e.g. self- and other-focused, else the subscales)."""

    options: MotivesAnalysis
    spec: ScaleSpec
    predictors: tuple[str, ...]


@dataclass(frozen=True)
class CheckedConfig:
    """A config checked against its files: what the data preparation and the sections use.

    Attributes
    ----------
    config : EvaluationConfig
        The validated config.
    salt : str
        The salt for the pseudonyms.
    scales : dict
        Scale name -> :class:`ScaleSpec`, in config order.
    columns : dict
        File -> the columns the analyses see (:func:`analysed_columns`).
    engagement, motives, networks
        The enabled analyses, checked (None when off).
    """

    config: EvaluationConfig
    salt: str
    scales: dict[str, ScaleSpec]
    columns: dict[Dataset, tuple[str, ...]]
    engagement: EngagementPlan | None
    motives: MotivesPlan | None
    networks: NetworksAnalysis | None

    def scales_in(self, dataset: str) -> list[ScaleSpec]:
        """The scales whose items are in ``dataset``, in config order."""
        return [spec for spec in self.scales.values() if spec.dataset == dataset]


def analysed_columns(cfg: EvaluationConfig, name: Dataset, raw: Sequence[str]) -> list[str]:
    """The columns of file ``name`` that the analyses see, given the columns ``raw`` as read.

    The identifier columns are removed; a ``join`` column is replaced by :data:`LINK`, the
    pseudonymised mentor id (it stays when it is also the id column, which is pseudonymised).
    """
    idents = set(cfg.identifiers.get(name, []))
    cols = [c for c in raw if c not in idents]
    join = cfg.join.get(name)
    if join is not None:
        if LINK not in cols:
            cols.append(LINK)
        if join != cfg.ids.get(name):
            cols = [c for c in cols if c != join]
    return cols


class ConfigProblems(ConfigError):
    """Several problems of a config found at once (:func:`check_config`); ``.problems`` lists them."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        if len(self.problems) == 1:
            text = self.problems[0]
        else:
            text = f"{len(self.problems)} problems in the config: " + "; ".join(
                f"({k}) {p}" for k, p in enumerate(self.problems, start=1)
            )
        super().__init__(text)


def check_config(cfg: EvaluationConfig, surveys: Mapping[str, SurveyData]) -> CheckedConfig:
    """Check a loaded config against its files; every problem found is reported, all at once.

    Parameters
    ----------
    cfg : EvaluationConfig
        From :func:`load_config`.
    surveys : mapping
        File name (``mentors``, ...) -> the export as read by
        :func:`learning_direction.read_survey`, for every configured file.

    Returns
    -------
    CheckedConfig

    Raises
    ------
    ConfigProblems
        A :class:`~learning_direction.exceptions.ConfigError` listing every problem (its
        ``problems``): no salt for the pseudonyms; an Excel workbook with several sheets and no
        ``sheet``; an id, join or group column that is not in its file (or is listed under
        identifiers); a scale's item columns (``prefix`` or ``columns``) not in its file; a
        score name that is also a group name; a score or column named by an analysis that is
        in no file, or not where the analysis needs it.

    Notes
    -----
    The checks, in order: the salt; per file the sheet, the id and join columns, the score and
    group names and the group columns; the item columns of every scale; then the engagement,
    motives and networks analyses. The columns checked are those the analyses see
    (:func:`analysed_columns`) plus the scores of the file's scales.
    """
    problems: list[str] = []
    salt = _collect(problems, cfg.privacy.resolve_salt) or ""
    scales = cfg.scale_specs()
    scores = _scores_by_file(scales, cfg.data.configured())
    columns: dict[Dataset, tuple[str, ...]] = {}
    for name in cfg.data.configured():
        survey = surveys[name]
        raw = list(survey.data.columns)
        problems += _sheet_problems(cfg, name)
        problems += _id_and_join_problems(cfg, name, raw, survey.report.path)
        columns[name] = tuple(analysed_columns(cfg, name, raw))
        _collect(problems, _check_groups, cfg, name, scores[name], columns[name])
    for spec in scales.values():
        problems += _item_problems(cfg, spec, list(surveys[spec.dataset].data.columns))
    engagement = _collect(problems, _check_engagement, cfg, scores, columns)
    motives = _collect(problems, _check_motives, cfg, scales, scores, columns)
    networks = _collect(problems, _check_networks, cfg, columns)
    if problems:
        raise ConfigProblems(problems)
    return CheckedConfig(
        config=cfg,
        salt=salt,
        scales=scales,
        columns=columns,
        engagement=engagement,
        motives=motives,
        networks=networks,
    )


def _collect(problems: list[str], check: Any, *args: Any) -> Any:
    """``check(*args)``; a ConfigError it raises is added to ``problems`` (and None returned)."""
    try:
        return check(*args)
    except ConfigProblems as exc:
        problems.extend(exc.problems)
    except ConfigError as exc:
        problems.append(str(exc))
    return None


def _sheet_names(path: Path) -> list[str]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True)
    except Exception:  # not a workbook: read_survey has said so already
        return []
    names = [str(n) for n in book.sheetnames]
    book.close()
    return names


def _sheet_problems(cfg: EvaluationConfig, name: Dataset) -> list[str]:
    """A workbook with several sheets must name the one to read (a guess is never silent)."""
    spec = cfg.data.file(name)
    is_excel = spec.format == "xlsx" or spec.path.suffix.lower() in {".xlsx", ".xlsm"}
    if not is_excel or spec.sheet is not None:
        return []
    sheets = _sheet_names(spec.path)
    if len(sheets) <= 1:
        return []
    return [
        f"data.{name}.sheet: {spec.path.name} has {len(sheets)} sheets "
        f"({', '.join(repr(s) for s in sheets)}); say which one holds the {name} "
        f"with sheet: <name> under data.{name}"
    ]


def _id_and_join_problems(
    cfg: EvaluationConfig, name: Dataset, raw: list[str], path: str
) -> list[str]:
    """The id and join columns of one file (both checked, each named by its config key)."""
    id_col = cfg.ids.get(name)
    join = cfg.join.get(name)
    idents = set(cfg.identifiers.get(name, []))
    out = []
    if id_col is not None and id_col not in raw:
        out.append(
            f"ids.{name}: column '{id_col}' is not in the {name} file ({path}); "
            f"name its respondent-id column{_closest(id_col, raw)}"
        )
    elif id_col is not None and id_col in idents:
        out.append(
            f"ids.{name}: column '{id_col}' is not in the {name} file "
            "(or it was listed under identifiers); name the respondent-id column"
        )
    if join is not None and (join not in raw or join in idents):
        what = (
            "name its mentor-id column"
            if name == "mentors"
            else "name the column holding the mentor id"
        )
        out.append(
            f"join.{name}: column '{join}' is not in the {name} file; {what}"
            + (_closest(join, raw) if join not in raw else " (it is listed under identifiers)")
        )
    return out


def _closest(column: str, raw: Sequence[str]) -> str:
    """`` (did you mean 'x', 'y'?)`` for a column name that is not in the file."""
    from .._core.data import closest_columns

    close = closest_columns(column, list(raw))
    return f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""


def _prefix_candidates(raw: Sequence[str], n_items: int, start: int) -> list[str]:
    """Prefixes ``p`` such that ``p<start>`` ... ``p<start + n_items - 1>`` are all columns."""
    have = {str(c) for c in raw}
    found: list[str] = []
    for col in have:
        if not col.endswith(str(start)):
            continue
        p = col[: -len(str(start))]
        if p and p not in found and all(f"{p}{start + k}" in have for k in range(n_items)):
            found.append(p)
    return sorted(found)


def _item_problems(cfg: EvaluationConfig, spec: ScaleSpec, raw: list[str]) -> list[str]:
    """The item columns of a scale that its file does not have (one problem per scale)."""
    from .._core.data import missing_hint

    missing = [c for c in spec.columns.values() if c not in raw]
    if not missing:
        return []
    mapping = cfg.scales[spec.name]
    if mapping.prefix is not None:
        key = f"scales.{spec.name}.prefix"
        fits = [
            p
            for p in _prefix_candidates(raw, len(spec.columns), mapping.start)
            if p != mapping.prefix
        ]
        hint = (
            f"prefixes that fit its {len(spec.columns)} items: {', '.join(fits[:4])}"
            if fits
            else "give the columns one by one under columns: {item_id: column}"
        )
    else:
        key = f"scales.{spec.name}" + (".columns" if mapping.columns is not None else "")
        hint = "map the items to the export's columns with prefix: or columns: {item_id: column}"
    shown = missing_hint(missing[:3], raw)
    if len(missing) > 3:
        shown += f" and {len(missing) - 3} more"
    return [
        f"{key}: {len(missing)} of the {len(spec.columns)} item columns of scale "
        f"'{spec.name}' are not in the {spec.dataset} file: {shown}; {hint}"
    ]


def _check_groups(
    cfg: EvaluationConfig, name: Dataset, scores: list[str], columns: Sequence[str]
) -> None:
    clash = [c for c in scores if c in cfg.groups]
    if clash:
        raise ConfigError(
            f"score name(s) {clash} are also group names under 'groups'; rename the group"
        )
    for group, spec in cfg.groups.items():
        col = cfg.group_column(group, name)
        if isinstance(spec, GroupColumn) and col is not None and col not in columns:
            raise ConfigError(f"groups.{group}.{name}: column '{col}' is not in the {name} file")


def _scores_by_file(scales: dict[str, ScaleSpec], files: Sequence[Dataset]) -> dict[str, list[str]]:
    """File -> the scores of its scales, in config order."""
    return {
        name: [s for spec in scales.values() if spec.dataset == name for s in spec.score_names]
        for name in files
    }


def _where(
    column: str, scores: dict[str, list[str]], columns: dict[Dataset, tuple[str, ...]]
) -> Dataset | None:
    """The file holding a score or column (scores first; files in config order)."""
    for name in columns:
        if column in scores[name]:
            return name
    for name, cols in columns.items():
        if column in cols:
            return name
    return None


def _check_engagement(
    cfg: EvaluationConfig, scores: dict[str, list[str]], columns: dict[Dataset, tuple[str, ...]]
) -> EngagementPlan | None:
    e = cfg.analyses.learning_direction_engagement
    if not e.enabled:
        return None
    key = "analyses.learning_direction_engagement"
    home = _where(e.engagement, scores, columns)
    if home is None:
        raise ConfigError(
            f"{key}.engagement: score '{e.engagement}' is not produced by any configured scale; "
            "add its scale under 'scales' (e.g. mentor_engagement)"
        )
    there = {*columns[home], *scores[home]}
    for p in [*e.predictors, *e.covariates]:
        if p not in there:
            raise ConfigError(
                f"{key}: '{p}' is not a score or column of the {home} file, which holds "
                f"'{e.engagement}'; predictors and covariates must be in the same file "
                f"(scores there: {scores[home]})"
            )
    outcomes = []
    for outcome in e.outcomes:
        where = _where(outcome, scores, columns)
        if where is None:
            raise ConfigError(
                f"{key}.outcomes: '{outcome}' is not a score or column of any configured file; "
                "add its scale under 'scales' or fix the name"
            )
        if where != home and {where, home} != {"mentors", "mentees"}:
            raise ConfigError(
                f"{key}.outcomes: '{outcome}' is in the {where} file and '{e.engagement}' in "
                f"the {home} file, which cannot be linked: only the mentors and mentees files "
                "are joined (by 'join'); use an outcome of the mentors or mentees file"
            )
        is_score = any(outcome in names for names in scores.values())
        outcomes.append(OutcomePlan(outcome, where, linked=where != home, is_score=is_score))
    return EngagementPlan(options=e, home=home, outcomes=tuple(outcomes))


def _check_motives(
    cfg: EvaluationConfig,
    scales: dict[str, ScaleSpec],
    scores: dict[str, list[str]],
    columns: dict[Dataset, tuple[str, ...]],
) -> MotivesPlan | None:
    mo = cfg.analyses.motives
    if not mo.enabled:
        return None
    spec = scales.get(mo.scale)
    if spec is None:
        raise ConfigError(
            f"analyses.motives.scale: scale '{mo.scale}' is not configured under 'scales'"
        )
    home = spec.dataset
    own = spec.score_names
    for outcome in mo.outcomes:
        if outcome not in {*columns[home], *scores[home]}:
            raise ConfigError(
                f"analyses.motives.outcomes: '{outcome}' is not a score or column of the {home} "
                f"file that holds '{mo.scale}'"
            )
        if outcome in own:
            raise ConfigError(
                f"analyses.motives.outcomes: '{outcome}' is a score of the motives scale "
                f"'{mo.scale}' itself ({', '.join(own)}); a motive cannot be its own "
                "outcome: list outcome scores of another scale"
            )
    predictors = tuple(spec.scale.composites) or tuple(spec.scale.subscale_names)
    return MotivesPlan(options=mo, spec=spec, predictors=predictors)


def _check_networks(
    cfg: EvaluationConfig, columns: dict[Dataset, tuple[str, ...]]
) -> NetworksAnalysis | None:
    from .._core.data import missing_hint

    nw = cfg.analyses.networks
    if nw is None or not nw.enabled:
        return None
    cols = columns["networks"]
    for opt in ("ego", "level", "sphere", "tie_strength", "wave"):
        col = getattr(nw, opt)
        if col is not None and col not in cols:
            raise ConfigError(
                f"analyses.networks.{opt}: column {missing_hint([col], cols)} is not in "
                "the networks file (or it is listed under identifiers); name the column that "
                f"holds the {opt.replace('_', ' ')}"
            )
    return nw


def config_json_schema() -> dict[str, Any]:
    """The JSON schema of the evaluation config."""
    schema = EvaluationConfig.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema.setdefault("title", "EvaluationConfig")
    return schema


def write_schema(path: str | Path) -> Path:
    """Write the config's JSON schema (for editors) to ``path``; returns the path."""
    path = Path(path)
    path.write_text(
        json.dumps(config_json_schema(), indent=2, sort_keys=False) + "\n", encoding="utf-8"
    )
    return path
