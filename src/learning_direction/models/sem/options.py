"""The options of a fit, checked once: estimator, missing data, standard errors, groups.

lavaan's defaults decide every option the user leaves out:

==================  ===================================================================
option              default
==================  ===================================================================
information         ``"expected"`` for complete-data ML in one level; ``"observed"`` (the
                    Hessian) with FIML, with MLR and in two-level models
se                  ``"standard"``; ``"robust"`` (Huber-White) with MLR
test                ``"standard"``; the Yuan-Bentler (Mplus) scaled test with MLR
meanstructure       on with FIML, with groups, with an intercept in the syntax, in two levels
==================  ===================================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..._core.checks import check_level, choice
from ...exceptions import ModelError
from .groupequal import check_kinds, parse_partial

__all__ = ["FitOptions", "check_options"]

_MISSING = {"fiml": "fiml", "ml": "fiml", "direct": "fiml", "listwise": "listwise"}


@dataclass(frozen=True)
class FitOptions:
    """Checked options of one fit."""

    estimator: str = "ML"
    fiml: bool = False
    se: str = "standard"
    information: str = "expected"
    ci_level: float = 0.95
    cluster: str | None = None
    group: str | None = None
    group_equal: tuple[str, ...] = ()
    group_partial: tuple[tuple[str, str, str], ...] = ()
    bootstrap: int | None = None
    seed: int | None = None
    max_iter: int = 500
    baseline: bool = True  # fit the independence model (CFI, TLI)

    @property
    def robust(self) -> bool:
        """The Yuan-Bentler scaled test and robust fit measures (MLR)."""
        return self.estimator == "MLR"


def _missing(missing: object) -> bool:
    if isinstance(missing, str) and missing.lower() in _MISSING:
        return _MISSING[missing.lower()] == "fiml"
    choice(missing, "missing", ["listwise", "fiml"], aliases={"ml": "fiml"})
    raise AssertionError  # pragma: no cover - choice raised


def _bootstrap(bootstrap: object, seed: object) -> tuple[int | None, int | None]:
    if bootstrap is None:
        return None, None
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, int) or bootstrap < 100:
        raise ModelError(
            f"bootstrap must be a number of resamples of at least 100 (e.g. bootstrap=2000) or "
            f"None, got {bootstrap!r}"
        )
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise ModelError(f"seed must be a non-negative whole number or None, got {seed!r}")
    return int(bootstrap), seed


def check_options(
    *,
    estimator: object,
    missing: object,
    se: object,
    information: object,
    ci_level: object,
    cluster: str | None,
    group: str | None,
    group_equal: Sequence[str] | str | None,
    group_partial: Sequence[str] | str | None,
    bootstrap: object = None,
    seed: object = None,
    max_iter: int = 500,
    baseline: object = True,
) -> FitOptions:
    """Check the options and fill in lavaan's defaults (see the module notes).

    Raises
    ------
    ModelError
        An unknown value, or a combination that is not available (with what to do instead).
    """
    est = choice(estimator, "estimator", ["ML", "MLR"], case_sensitive=False)
    fiml = _missing(missing)
    robust = est == "MLR"
    se_kind = choice(
        "robust" if se is None and robust else "standard" if se is None else se,
        "se",
        ["standard", "robust", "none"],
        aliases={"robust.huber.white": "robust", "huber.white": "robust"},
    )
    default = "expected" if cluster is None and not fiml and not robust else "observed"
    info = (
        default
        if information is None
        else choice(information, "information", ["expected", "observed"])
    )
    _refuse_combinations(cluster, group, fiml, robust, se_kind, info, group_equal, group_partial)
    n_boot, boot_seed = _bootstrap(bootstrap, seed)
    if not isinstance(baseline, bool):
        raise ModelError(f"baseline must be True or False, got {baseline!r}")
    if not baseline and (fiml or robust):
        raise ModelError(
            "baseline=False is available with estimator='ML' and missing='listwise': the "
            "scaled (MLR) and FIML-corrected fit measures are computed with the baseline "
            "model (leave baseline=True)"
        )
    if n_boot is not None and (cluster is not None or group is not None):
        raise ModelError(
            "bootstrap intervals are available for single-group, single-level models; for "
            "this model use the delta-method intervals in .table or monte_carlo_ci(result)"
        )
    return FitOptions(
        estimator=est,
        fiml=fiml,
        se=se_kind,
        information=info,
        ci_level=check_level(ci_level),
        cluster=cluster,
        group=group,
        group_equal=check_kinds(group_equal),
        group_partial=parse_partial(group_partial),
        bootstrap=n_boot,
        seed=boot_seed,
        max_iter=max_iter,
        baseline=baseline,
    )


def _refuse_combinations(
    cluster: str | None,
    group: str | None,
    fiml: bool,
    robust: bool,
    se: str,
    information: str,
    group_equal: object,
    group_partial: object,
) -> None:
    if cluster is not None:
        what = "multigroup" if group is not None else "FIML" if fiml else "MLR" if robust else ""
        if what:
            raise ModelError(
                f"{what} estimation of two-level models is not built yet; fit the two-level "
                "model with missing='listwise', estimator='ML', group=None"
            )
        if information == "expected":
            raise ModelError(
                "information='expected' is not available for two-level models; use the "
                "default 'observed' (lavaan's default for two-level models)"
            )
        if se == "robust":
            raise ModelError("se='robust' is not built yet for two-level models; use se='standard'")
    if group is None and (group_equal or group_partial):
        raise ModelError(
            "group_equal and group_partial constrain parameters across groups: pass the "
            "column of group labels, e.g. sem(df, model, group='school', group_equal='loadings')"
        )
