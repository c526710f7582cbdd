"""``ld.impute``: multiple imputation of item answers, scale scores computed in every imputation.

The imputation engine and its result live in :mod:`learning_direction.models.imputation`; this
thin layer adds what needs the codebook: scoring named scales inside every completed dataset
(``models`` does not read the codebook).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..exceptions import DataValidationError
from ..models.imputation import ImputedData, impute_frame
from .codebook import resolve_scales
from .scoring import score

__all__ = ["impute"]


def impute(
    df: pd.DataFrame,
    m: int = 20,
    method: str = "pmm",
    seed: int | None = None,
    *,
    scales: Any = None,
    maxit: int = 5,
    donors: int = 5,
    exclude: Sequence[str] | None = None,
) -> ImputedData:
    """Multiple imputation of item answers by chained equations (predictive mean matching or
    Bayesian linear regression).

    Imputes at the item level; when ``scales`` are named, their scores are computed from the
    completed items inside every imputation (so score uncertainty carries into the pooled
    analysis). Pass the result to :func:`~learning_direction.regress`,
    :func:`~learning_direction.logit`, :func:`~learning_direction.mixed` or
    :func:`~learning_direction.mediate`: they fit the model in every imputation and pool the
    results by Rubin's rules.

    Parameters
    ----------
    df : DataFrame
        The incomplete data, one row per respondent. Every numeric column with missing values
        is imputed; every numeric column predicts every other.
    m : int
        Number of imputations (at least 2; default 20). With a large fraction of missing
        information, more imputations make the pooled SEs and p-values more stable.
    method : {"pmm", "norm"}
        ``"pmm"`` (default): predictive mean matching (mice's default for numeric data); every
        imputed value is one that was observed, so Likert items stay on their scale.
        ``"norm"``: Bayesian linear regression imputation (R: ``mice(..., method = "norm")``);
        imputed values are **not rounded** to the response scale and may fall outside the
        observed range (integer columns come back as floats), so it cannot be combined with
        ``scales``. It can extrapolate where PMM cannot, e.g. when most of a variable's upper
        tail is missing (``bench/missing_coverage.py``); for Likert items keep ``"pmm"``.
    seed : int or None
        Same seed -> identical imputations. None draws one (recorded in ``.seed``).
    scales : str, list, Scale or path, optional
        Codebook scales to score in every completed dataset (as :func:`~learning_direction.score`).
        Give the item columns only; score columns already in ``df`` raise an error.
    maxit : int
        Iterations of each chain (default 5, as mice).
    donors : int
        Candidate donors per missing value (default 5, as mice; ``"pmm"`` only).
    exclude : list of str, optional
        Columns carried along unchanged but neither imputed nor used as predictors (ids,
        free text, dates).

    Returns
    -------
    ImputedData
        ``.m``, ``.seed``, ``.table`` (missing values per column and the role of each column),
        ``.completed(i)`` (i = 1..m), iteration over the completed DataFrames, ``.long()``,
        ``.plot()`` (observed vs imputed densities).

    Raises
    ------
    DataValidationError
        ``m < 2``; a numeric column missing in every row (or observed once); a text or
        categorical column with missing values (only numeric columns are imputed: code it as
        numbers, or exclude it); a text column with more than 20 distinct values (an
        identifier: exclude it); a scale score column already in the data; a ``method`` other
        than ``"pmm"`` or ``"norm"``; ``method="norm"`` together with ``scales``.

    Notes
    -----
    Fully conditional specification (van Buuren, 2018): each imputation runs its own chain,
    started from random draws of the observed values. In each of ``maxit`` rounds every
    incomplete column ``y`` is regressed on all other columns (with their current fill-ins):
    ``beta_hat = (X'X + 1e-5 diag(X'X))^-1 X'y`` on the observed rows,
    ``sigma* = sqrt(RSS / chi2(n_obs - p))``, ``beta* = beta_hat + sigma* L z`` with
    ``LL' = (X'X + ridge)^-1`` (mice's ``.norm.draw``). With ``"pmm"`` each missing ``y``
    gets the observed value of one of the ``donors`` observed rows whose ``X beta_hat`` is
    closest to its ``X beta*`` (type-1 matching), chosen at random. With ``"norm"`` it gets
    ``X beta* + sigma* e``, ``e ~ N(0, 1)`` (Rubin, 1987; van Buuren, 2018, algorithm 3.1).
    mice (3.15) fits the observed rows by QR and adds the ridge only when ``X'X`` is singular;
    here the ridge is always added, which shrinks ``beta_hat`` by a negligible amount. Complete text/categorical columns enter
    the models as indicators (first sorted level as reference) and are never imputed.

    The random numbers differ from R's, so the imputations differ from mice's; pooled
    estimates agree within Monte Carlo error (``tests/test_imputation.py``).

    References
    ----------
    van Buuren, S. (2018). *Flexible imputation of missing data* (2nd ed.). CRC Press.
    Rubin, D. B. (1987). *Multiple imputation for nonresponse in surveys*. Wiley.
    Barnard, J., & Rubin, D. B. (1999). Small-sample degrees of freedom with multiple
    imputation. *Biometrika, 86*, 948-955.

    Examples
    --------
    Study 1's item answers (513 answers missing), imputed 5 times, with the scale scores
    computed inside every imputation; then the regression pooled by Rubin's rules.

    >>> import learning_direction as ld
    >>> raw = ld.load_dataset("study1")
    >>> imp = ld.impute(raw, m=5, seed=1, exclude=["mentor_id"],
    ...                 scales=["learning_direction", "mentor_engagement"])
    >>> # R: imp <- mice::mice(raw, m = 5, method = "pmm", seed = 1)
    >>> imp.m, int(imp.table["n_missing"].sum())
    (5, 513)
    >>> res = ld.regress(imp, "mentor_engagement ~ downward + upward + lateral")
    >>> # R: mice::pool(with(imp, lm(mentor_engagement ~ downward + upward + lateral)))
    >>> print(res.table[["term", "estimate", "se", "df", "fmi"]].round(3).to_string(index=False))
         term  estimate    se      df   fmi
    Intercept     1.381 0.369 180.422 0.095
     downward     0.381 0.050 285.317 0.021
       upward     0.152 0.060 141.903 0.126
      lateral     0.166 0.063  61.635 0.242
    >>> res.n
    300

    The regression on the available-item scores (``ld.score``) leaves out the 17 mentors
    without an engagement score and gives 0.377 for downward; the pooled fit uses all 300.
    """
    derive = None
    names: tuple[str, ...] = ()
    if scales is not None:
        if isinstance(method, str) and method.lower() == "norm":
            raise DataValidationError(
                "impute(): method='norm' imputes unrounded values that can fall outside an "
                "item's response range, which scoring the codebook scales refuses; use "
                "method='pmm' (the default) with scales=, or impute the scale scores' items "
                "with method='norm' without scales= and score them yourself"
            )
        resolved = resolve_scales(scales)
        names = tuple(s.name for s in resolved)

        def derive(d: pd.DataFrame) -> pd.DataFrame:
            return score(d, resolved).scores

    return impute_frame(
        df,
        m=m,
        method=method,
        seed=seed,
        maxit=maxit,
        donors=donors,
        exclude=exclude,
        derive=derive,
        derived_names=names,
    )
