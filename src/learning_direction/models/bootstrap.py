"""The vectorised resampling engine shared by mediation, moderated mediation and power analysis.

A nonparametric bootstrap resample is a vector of *frequency weights*: ``w_i`` is how many times
unit ``i`` (a row, or a whole cluster) was drawn. Any statistic that is a function of weighted
cross-products ``V' diag(w) V`` can therefore be evaluated for a whole chunk of B resamples with
ONE matrix product ``W @ Z`` (``W`` is (B, n_units), ``Z`` holds each unit's cross-product
contributions) followed by a batched solve of the (B, p, p) normal equations. That is what makes
5,000 resamples of a mediation model on 100,000 rows take seconds.

API
---
The engine knows nothing about mediation. It needs

* ``n_units``: the number of resampling units (rows, or clusters);
* a *statistic*: a callable ``stat(W) -> ndarray (B, k)`` mapping a (B, n_units) matrix of
  frequency weights to B rows of k statistics, NaN in a row that could not be computed (singular
  resample). Optionally ``stat.jackknife() -> (n_units, k)`` giving the leave-one-unit-out values
  cheaply; otherwise :func:`jackknife` evaluates ``stat`` on leave-one-out weight rows in chunks.
  A statistic with ``stat.sums(W) -> (B, r)`` and ``stat.finish(S) -> (B, k)`` is evaluated
  block by block: each block's weights are reduced to r sums at once, the blocks shared out
  to threads. One that sets ``accepts_counts = True`` is given the block's frequencies as
  uint32 counts instead of float weights (half the memory traffic).
  :class:`MomentStatistic` builds such a statistic from per-unit cross-product contributions;
  it turns counts into float weights a cache-sized tile at a time (:func:`count_tile`).

and returns a :class:`BootDraws` (the (n_boot, k) draws, which resamples were singular, the seed)
from which :func:`confidence_interval` and :func:`boot_pvalue` compute intervals and p-values.

Functions
---------
:func:`run_bootstrap`
    Draw ``n_boot`` resamples in chunks (memory stays bounded) and evaluate the statistic.
:func:`resample_weights`
    The (B, n_units) frequency-weight matrix of one block of resamples.
:func:`jackknife`
    Leave-one-unit-out values (rows or clusters) for the BCa acceleration.
:func:`confidence_interval`
    ``percentile``, ``bca`` (bootstrap) or ``monte_carlo`` (normal draws) intervals.
:func:`monte_carlo_draws`
    Draws of parameters from their joint asymptotic normal distribution (Preacher & Selig, 2012).
:func:`boot_pvalue`
    Two-sided bootstrap p-value ``2 * min(P(t* <= 0), P(t* >= 0))``.

Reproducibility
---------------
Resamples are generated in fixed *blocks* (``block_size(n_units)`` resamples each); block ``j``
uses its own ``numpy.random.Generator(PCG64(child_j))`` with ``child_j`` the j-th child of
``numpy.random.SeedSequence(seed)``. Chunks are whole blocks, so the draws depend only on
``seed``, ``n_units`` and ``n_boot`` -- never on the chunk size or the memory budget. With
``seed=None`` fresh entropy is drawn and recorded in :attr:`BootDraws.seed`, so any run can be
repeated exactly.

Power analysis (vectorised across replications) reuses the same pieces: stack R simulated data
sets, build their per-row contributions with :func:`~learning_direction.models._ols_batch.triu_products`
and use an indicator weight matrix (R, R*n) in :meth:`MomentStatistic.__call__`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._core.checks import check_level, choice
from .._core.threads import single_blas_thread
from .._core.warn import warn_user
from ..exceptions import ModelError, ModelWarning
from ._types import BoolArray, FloatArray, as_float

__all__ = [
    "CI_METHODS",
    "BootDraws",
    "MomentStatistic",
    "acceleration_from_influence",
    "block_size",
    "boot_pvalue",
    "check_seed",
    "confidence_interval",
    "fresh_seed",
    "jackknife",
    "monte_carlo_draws",
    "regression_influence",
    "resample_weights",
    "run_bootstrap",
]

CI_METHODS = ("percentile", "bca", "monte_carlo")

#: default memory budget of one chunk (weights, indices and counts), in bytes
DEFAULT_MAX_BYTES = 192 * 2**20


def check_seed(seed: object) -> int | None:
    """Validate a user seed: ``None`` (fresh entropy, recorded in the result) or a non-negative
    whole number; anything else is a :class:`ModelError` naming the value."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ModelError(
            f"seed must be a non-negative whole number (e.g. seed=2026) or None, got {seed!r}"
        )
    return int(seed)


def fresh_seed(seed: int | None = None) -> int:
    """``seed`` itself, or a new random 63-bit seed when it is None.

    An analysis that draws its seed records it in the result, so the run can be repeated.
    """
    return int(seed) if seed is not None else secrets.randbits(63)


def _entropy(ss: np.random.SeedSequence) -> int:
    """The entropy numpy drew for a SeedSequence made without a seed (recorded as the seed)."""
    entropy = ss.entropy
    if not isinstance(entropy, int):  # pragma: no cover - numpy draws one int
        raise TypeError(f"unexpected SeedSequence entropy {entropy!r}")
    return entropy


def block_size(n_units: int) -> int:
    """Resamples per RNG block (depends only on ``n_units``, so seeds are chunk-independent)."""
    return int(min(64, max(16, 2**19 // max(n_units, 1))))


def count_tile(n_units: int) -> int:
    """Units per tile when a block's integer counts are turned into float weights (a block's
    tile of float weights takes 256 KB, within a core's cache; depends only on ``n_units``)."""
    return int(max(256, 2**18 // (8 * block_size(n_units))))


@dataclass(frozen=True)
class BootDraws:
    """Resampled statistics.

    Attributes
    ----------
    draws : ndarray (n_boot, k)
        One row per resample; a row of NaN marks a singular resample.
    labels : tuple of str
        Names of the k statistics.
    singular : bool ndarray (n_boot,)
        Resamples whose statistic could not be computed.
    seed : int
        The seed (given, or the entropy drawn when none was given).
    n_units : int
        Number of resampling units (rows or clusters).
    unit : str
        ``"row"`` or ``"cluster"``.
    """

    draws: FloatArray
    labels: tuple[str, ...]
    singular: BoolArray
    seed: int
    n_units: int
    unit: str = "row"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n_boot(self) -> int:
        return int(self.draws.shape[0])

    @property
    def n_singular(self) -> int:
        return int(self.singular.sum())

    @property
    def valid(self) -> FloatArray:
        """The draws of the non-singular resamples."""
        return as_float(self.draws[~self.singular])

    def column(self, label: str) -> FloatArray:
        return self.valid[:, self.labels.index(label)]


class MomentStatistic:
    """A statistic that depends on the data only through weighted sums of per-unit contributions.

    Parameters
    ----------
    contributions : ndarray (n_units, r)
        Each unit's contribution to r weighted sums (e.g. the upper triangle of ``v_i v_i'``;
        for clusters the sum over the cluster's rows).
    fn : callable
        ``fn(S) -> (B, k)`` mapping B rows of weighted sums ``S = W @ contributions`` to the
        statistics (NaN rows for failures).
    labels : sequence of str
    """

    def __init__(
        self,
        contributions: FloatArray,
        fn: Callable[[FloatArray], FloatArray],
        labels: Sequence[str],
    ):
        self.contributions = np.ascontiguousarray(contributions, dtype=float)
        # the sums are computed as (contributions' W')': BLAS runs this (r, n) x (n, B) product
        # of a few long rows about a third faster than W @ contributions (measured at n =
        # 100,000, r = 15, B = 16: 2.8 vs 4.2 ms)
        self._by_row = np.ascontiguousarray(self.contributions.T)
        self.fn = fn
        self.labels = tuple(labels)
        self._local = threading.local()

    #: :meth:`sums` takes integer frequency counts too (the engine then draws into uint32)
    accepts_counts = True

    def __call__(self, W: FloatArray) -> FloatArray:
        return self.fn(self.sums(W))

    def sums(self, W: Any) -> FloatArray:
        """Weighted sums ``W @ contributions`` (the engine calls this block by block).

        ``W`` holds float weights, or integer counts: those are converted to float a tile of
        :func:`count_tile` units at a time (the tile stays in cache) and each tile's product is
        added, which reads half the memory of float weights (5,000 resamples of 100,000 rows:
        about 0.9 s instead of 1.2 s on 2 cores). The tile depends only on the number of units,
        so a seed gives the same numbers whatever the threads.
        """
        if W.dtype.kind == "f":
            return as_float((self._by_row @ W.T).T)
        B, n = W.shape
        tile = count_tile(n)
        buf = getattr(self._local, "buf", None)
        if buf is None or buf.shape[0] < B or buf.shape[1] < min(tile, n):
            buf = self._local.buf = np.empty((B, min(tile, n)))
        S = np.zeros((self._by_row.shape[0], B))
        for lo in range(0, n, tile):
            hi = min(n, lo + tile)
            w = buf[:B, : hi - lo]
            np.copyto(w, W[:, lo:hi], casting="unsafe")
            S += self._by_row[:, lo:hi] @ w.T
        return as_float(S.T)

    def finish(self, S: FloatArray) -> FloatArray:
        """Statistics from stacked weighted sums."""
        return self.fn(S)

    def full(self) -> FloatArray:
        """The statistic on the full sample (all weights 1)."""
        return as_float(self.fn(self.contributions.sum(axis=0, keepdims=True))[0])

    def jackknife(self) -> FloatArray:
        """Leave-one-unit-out values: ``fn(total - contribution_i)`` for every unit i."""
        total = self.contributions.sum(axis=0, keepdims=True)
        return self.fn(total - self.contributions)


def resample_weights(
    n_units: int,
    n_resamples: int,
    rng: np.random.Generator,
    out: FloatArray | None = None,
    compiled: bool = True,
) -> FloatArray:
    """Frequency weights of ``n_resamples`` nonparametric bootstrap resamples of ``n_units`` units.

    Row b of the result counts how many times each unit was drawn in resample b (each row sums
    to ``n_units``): the multinomial weights of ``sample(n, replace = TRUE)``. ``out``, if
    given, is a (n_resamples, n_units) float64 or uint32 array filled in place.
    ``compiled=False`` keeps to numpy (the numba kernel, used otherwise when it is available,
    gives the same counts).
    """
    if out is None:
        out = np.empty((n_resamples, n_units), dtype=float)
    draw = _compiled_draw_counts() if compiled else None
    if draw is not None and n_units < 2**32 - 1:
        # one GIL-free pass, the same stream and counts as the numpy path below
        return draw(rng, out)
    # 32-bit draws are half the memory traffic of 64-bit ones, and counting row by row keeps
    # each bincount's output cache-sized (about 2x faster than one global bincount)
    dtype = np.uint32 if n_units < 2**32 else np.uint64
    idx = rng.integers(0, n_units, size=(n_resamples, n_units), dtype=dtype)
    for b in range(n_resamples):
        out[b] = np.bincount(idx[b], minlength=n_units)
    return out


_KERNEL: list[Callable[[np.random.Generator, FloatArray], FloatArray] | None] = []

#: Draws (resamples x units) from which a bootstrap loads the numba kernel when it is not loaded
#: yet. Loading numba and the cached kernel costs about 0.3 s and 140 MB once per process; the
#: kernel saves about 0.2 s per 10^8 draws on 2 cores (it releases the GIL, ``np.bincount`` does
#: not). Below this a bootstrap keeps to numpy unless the kernel is already loaded; the counts
#: are the same either way, so this changes the time, never the numbers.
KERNEL_MIN_DRAWS = 1.5e8


def _use_kernel(draws: float) -> bool:
    """Whether a bootstrap of ``draws`` resample-unit draws should use the compiled kernel."""
    return bool(_KERNEL) or draws >= KERNEL_MIN_DRAWS


def _compiled_draw_counts() -> Callable[[np.random.Generator, FloatArray], FloatArray] | None:
    """The numba draw-and-count kernel, or None without numba (or with the environment variable
    ``LEARNING_DIRECTION_NO_NUMBA`` set). Imported on the first bootstrap, not with the package,
    so ``import learning_direction`` stays fast."""
    if not _KERNEL:
        kernel: Callable[[np.random.Generator, FloatArray], FloatArray] | None = None
        if not os.environ.get("LEARNING_DIRECTION_NO_NUMBA"):
            try:
                from ._kernels import draw_counts

                kernel = draw_counts
            except Exception:  # numba missing or broken: numpy gives the same counts
                kernel = None
        _KERNEL.append(kernel)
    return _KERNEL[0]


def _want_progress(progress: bool | None, work: float) -> bool:
    if progress is not None:
        return bool(progress)
    try:
        interactive = sys.stderr.isatty()
    except (AttributeError, ValueError):
        interactive = False
    return interactive and work > 5e8


class _Blocks:
    """The fixed RNG blocks of one bootstrap.

    Block ``j`` holds resamples ``j * size`` to ``(j + 1) * size - 1`` and draws them from its
    own ``Generator(PCG64(children[j]))``, so the draws depend only on the seed, ``n_units``
    and ``n_boot``, never on how blocks are grouped into chunks or shared out to threads.
    """

    def __init__(
        self, ss: np.random.SeedSequence, n_units: int, n_boot: int, keep_weights: bool
    ) -> None:
        self.n_units, self.n_boot = n_units, n_boot
        self.size = block_size(n_units)
        self.count = -(-n_boot // self.size)
        self.children = ss.spawn(self.count)
        self.kept = np.empty((n_boot, n_units), dtype=np.float32) if keep_weights else None
        self.compiled = _use_kernel(float(n_boot) * n_units)
        self._local = threading.local()

    def rows(self, j: int) -> int:
        """Number of resamples in block ``j`` (the last one may be short)."""
        return min(self.size, self.n_boot - j * self.size)

    def weights(self, j: int, out: FloatArray) -> FloatArray:
        """Frequency weights of block ``j``, written into the first rows of ``out``."""
        size = self.rows(j)
        gen = np.random.Generator(np.random.PCG64(self.children[j]))
        W = resample_weights(self.n_units, size, gen, out=out[:size], compiled=self.compiled)
        if self.kept is not None:
            self.kept[j * self.size : j * self.size + size] = W
        return W

    def task_bytes(self, statistic: Any) -> int:
        """Memory of one thread's block of weights (the numpy path also holds the indices)."""
        per_entry = 4 if getattr(statistic, "accepts_counts", False) else 8
        if not (self.compiled and _compiled_draw_counts() is not None):
            per_entry += 8
        return per_entry * self.size * self.n_units

    def sums(self, statistic: Any, j: int) -> FloatArray:
        """``statistic.sums`` of block ``j`` (one weight buffer per thread, reused): integer
        counts for a statistic that accepts them (half the memory traffic of float weights),
        float weights for any other."""
        buf = getattr(self._local, "buf", None)
        if buf is None:
            counts = getattr(statistic, "accepts_counts", False)
            dtype = np.uint32 if counts else np.float64
            buf = self._local.buf = np.empty((self.size, self.n_units), dtype=dtype)
        out: FloatArray = statistic.sums(self.weights(j, buf))
        return out


def _block_wise(statistic: Any) -> bool:
    """The statistic reduces weights to sums block by block (``sums`` and ``finish``)."""
    return callable(getattr(statistic, "sums", None)) and callable(
        getattr(statistic, "finish", None)
    )


#: rows of weighted sums a block-wise statistic finishes at once
FINISH_ROWS = 8192


def _evaluate_block_wise(
    statistic: Any, blocks: _Blocks, pool: ThreadPoolExecutor | None, bar: Any
) -> list[FloatArray]:
    """A block-wise statistic on every resample: the threads reduce the blocks' weights to
    sums (blocks are independent streams, so any thread may take any block; all blocks are
    handed out at once, so no thread waits for another between chunks), and the sums are
    finished in order, :data:`FINISH_ROWS` rows at a time."""
    ids = range(blocks.count)
    if pool is not None:
        sums = pool.map(lambda j: blocks.sums(statistic, j), ids)
    else:
        sums = (blocks.sums(statistic, j) for j in ids)
    done: list[FloatArray] = []
    pending: list[FloatArray] = []
    rows = 0
    for j, S in zip(ids, sums, strict=True):
        pending.append(S)
        rows += S.shape[0]
        if bar is not None:
            bar.update(S.shape[0])
        if rows >= FINISH_ROWS or j == blocks.count - 1:
            res = np.asarray(statistic.finish(np.vstack(pending)), dtype=np.float64)
            done.append(res[:, None] if res.ndim == 1 else res)
            pending, rows = [], 0
    return done


def _evaluate_chunk(
    statistic: Any,
    blocks: _Blocks,
    first: int,
    last: int,
    W_buf: list[FloatArray],
) -> FloatArray:
    """The statistic on the stacked weights of blocks ``first`` to ``last - 1`` (``W_buf``
    holds the reused buffer)."""
    rows = min(blocks.n_boot, last * blocks.size) - first * blocks.size
    if not W_buf or W_buf[0].shape[0] < rows:
        W_buf[:] = [np.empty((rows, blocks.n_units))]
    W = W_buf[0][:rows]
    for j in range(first, last):
        lo = (j - first) * blocks.size
        blocks.weights(j, W[lo : lo + blocks.rows(j)])
    return np.asarray(statistic(W), dtype=np.float64)


def _finish_draws(out: FloatArray, n_boot: int, unit: str, warn: bool) -> BoolArray:
    """Mark (and blank) the singular resamples; refuse when all of them are."""
    singular: BoolArray = np.asarray(~np.isfinite(out).all(axis=1), dtype=bool)
    out[singular] = np.nan
    n_sing = int(singular.sum())
    if n_sing == n_boot:
        raise ModelError(
            f"every one of the {n_boot} bootstrap resamples was singular (a predictor is "
            f"constant or collinear in the resampled {unit}s); check the variables' variance"
        )
    if n_sing and warn:
        warn_user(
            f"{n_sing} of {n_boot} bootstrap resamples were singular (a predictor constant or "
            f"collinear in the resample) and are left out of the intervals",
            ModelWarning,
        )
    return singular


def run_bootstrap(
    statistic: Callable[[FloatArray], FloatArray],
    n_units: int,
    *,
    n_boot: int = 5000,
    seed: int | None = None,
    labels: Sequence[str] | None = None,
    unit: str = "row",
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: bool | None = None,
    warn: bool = True,
    n_jobs: int | None = None,
    keep_weights: bool = False,
) -> BootDraws:
    """Evaluate ``statistic`` on ``n_boot`` nonparametric bootstrap resamples, chunk by chunk.

    Parameters
    ----------
    statistic : callable
        ``statistic(W) -> (B, k)`` for a (B, n_units) frequency-weight matrix (see module doc).
    n_units : int
        Number of resampling units (rows; or clusters for a cluster bootstrap).
    n_boot : int
        Number of resamples.
    seed : int or None
        Seed of ``numpy.random.SeedSequence``; same seed -> identical draws whatever the chunking.
    labels : sequence of str, optional
        Names of the statistics (defaults to ``statistic.labels``).
    unit : {"row", "cluster"}
        What a unit is (recorded in the result and used in messages).
    max_bytes : int
        Memory budget of one chunk of weights (a chunk is a whole number of RNG blocks).
    progress : bool or None
        Show a tqdm progress bar; ``None`` shows one only on long runs in an interactive terminal.
    warn : bool
        Issue a :class:`ModelWarning` when some resamples are singular.
    n_jobs : int or None
        Threads sharing out the blocks of a block-wise statistic (``None``: up to 4, one per
        CPU). Results do not depend on it: every block has its own random stream.
    keep_weights : bool
        Keep the (n_boot, n_units) frequency matrix in ``BootDraws.extra["weights"]`` (float32;
        needed by :func:`regression_influence`). Refused above 5e7 entries.

    Returns
    -------
    BootDraws

    Notes
    -----
    Peak memory is about ``max_bytes`` plus the (n_boot, k) result, whatever ``n_units``.

    References
    ----------
    Efron, B., & Tibshirani, R. J. (1993). *An introduction to the bootstrap*. Chapman & Hall.
    Davison, A. C., & Hinkley, D. V. (1997). *Bootstrap methods and their application*.
    Cambridge University Press.

    Examples
    --------
    The mean age of the bundled Study 1 mentors, bootstrapped with frequency weights (R:
    ``boot::boot(d$age, function(x, i) mean(x[i]), R = 1000)``):

    >>> import numpy as np
    >>> import learning_direction as ld
    >>> from learning_direction.models.bootstrap import confidence_interval, run_bootstrap
    >>> age = ld.load_dataset("study1")["age"].to_numpy(float)
    >>> def mean_age(w):  # w: (B, n) frequency weights -> (B, 1) statistics
    ...     return (w @ age / w.sum(axis=1))[:, None]
    >>> boot = run_bootstrap(mean_age, len(age), n_boot=1000, seed=1, labels=["mean_age"])
    >>> boot.draws.shape
    (1000, 1)
    >>> low, high = confidence_interval(boot.draws, np.array([age.mean()]))
    >>> print(round(age.mean(), 2), np.round(low, 2), np.round(high, 2))
    44.88 [43.86] [45.91]
    """
    if n_boot < 1:
        raise ModelError(f"n_boot must be a positive number of resamples, got {n_boot}")
    if n_units < 2:
        raise ModelError(f"a bootstrap needs at least 2 {unit}s to resample, got {n_units}")
    labels = tuple(labels if labels is not None else getattr(statistic, "labels", ()))
    seed = check_seed(seed)
    ss = np.random.SeedSequence(seed)
    seed_used = _entropy(ss) if seed is None else seed
    if keep_weights and n_boot * n_units > 5e7:
        raise ModelError(
            f"keeping the {n_boot} x {n_units} resampling frequencies needs too much memory; "
            "use the jackknife acceleration (the default) for BCa on data this large"
        )
    blocks = _Blocks(ss, n_units, n_boot, keep_weights)
    by_block = _block_wise(statistic)
    # a block-wise statistic: every thread holds one block's weights; stay within the budget
    n_jobs = min(4, os.cpu_count() or 1) if n_jobs is None else n_jobs
    n_jobs = max(1, min(int(n_jobs), int(max_bytes // blocks.task_bytes(statistic))))
    parts: list[FloatArray] = []
    W_buf: list[FloatArray] = []
    with contextlib.ExitStack() as stack:
        bar = None
        if _want_progress(progress, float(n_boot) * n_units):
            from tqdm.auto import tqdm

            bar = stack.enter_context(
                tqdm(total=n_boot, desc="bootstrap", unit="resample", leave=False)
            )
        if by_block:
            stack.enter_context(single_blas_thread())
            pool = None
            if n_jobs > 1 and blocks.count > 1:
                pool = stack.enter_context(ThreadPoolExecutor(n_jobs))
            parts = _evaluate_block_wise(statistic, blocks, pool, bar)
        else:
            # any other statistic sees a chunk's stacked weights: chunks of whole blocks
            per_block = 8 * 3 * n_units * blocks.size  # indices + counts + float weights
            blocks_per_chunk = max(1, int(max_bytes // per_block))
            for first in range(0, blocks.count, blocks_per_chunk):
                last = min(blocks.count, first + blocks_per_chunk)
                res = _evaluate_chunk(statistic, blocks, first, last, W_buf)
                parts.append(res[:, None] if res.ndim == 1 else res)
                if bar is not None:
                    bar.update(res.shape[0])
    out = np.vstack(parts) if parts else np.empty((n_boot, 0))
    singular = _finish_draws(out, n_boot, unit, warn)
    extra = {"weights": blocks.kept} if blocks.kept is not None else {}
    return BootDraws(out, labels, singular, seed_used, n_units, unit, extra)


def jackknife(
    statistic: Callable[[FloatArray], FloatArray], n_units: int, max_bytes: int = DEFAULT_MAX_BYTES
) -> FloatArray:
    """Leave-one-unit-out values of ``statistic`` (rows or clusters), shape (n_units, k).

    Uses ``statistic.jackknife()`` when it exists (O(n) for a :class:`MomentStatistic`);
    otherwise evaluates the statistic on chunks of the weight matrix ``1 - I`` (cost
    O(n_units^2): refused above 20,000 units).
    """
    fast = getattr(statistic, "jackknife", None)
    if callable(fast):
        return np.asarray(fast(), dtype=float)
    if n_units > 20_000:
        raise ModelError(
            f"the BCa jackknife of this statistic needs {n_units} refits on {n_units} units; "
            "use ci='percentile' (the default) for data this large"
        )
    chunk = max(1, int(max_bytes // (8 * n_units)))
    parts = []
    for s in range(0, n_units, chunk):
        e = min(n_units, s + chunk)
        W = np.ones((e - s, n_units))
        W[np.arange(e - s), np.arange(s, e)] = 0.0
        parts.append(np.asarray(statistic(W), dtype=float))
    return np.vstack(parts)


def _norm_inter(sorted_t: FloatArray, alpha: FloatArray) -> FloatArray:
    """Quantiles of sorted draws by interpolation on the normal scale between order statistics.

    The endpoint for level ``alpha`` is the ``(R + 1) * alpha``-th order statistic; when that
    is not an integer k, interpolate between the k-th and (k+1)-th on the ``qnorm`` scale (the
    rule of R's ``boot:::norm.inter``, used by ``boot.ci`` for percentile and BCa intervals).
    """
    from scipy import special

    R = sorted_t.shape[0]
    out = np.full(alpha.shape, np.nan)
    ok = np.isfinite(alpha)
    rk = (R + 1) * alpha[ok]
    k = np.floor(rk).astype(int)
    res = np.empty(rk.shape)
    for i, (r, kk) in enumerate(zip(rk, k)):
        if kk <= 0:
            res[i] = sorted_t[0]
        elif kk >= R:
            res[i] = sorted_t[-1]
        elif kk == r:
            res[i] = sorted_t[kk - 1]
        else:
            z = special.ndtri(np.array([alpha[ok][i], kk / (R + 1), (kk + 1) / (R + 1)]))
            tk, tk1 = sorted_t[kk - 1], sorted_t[kk]
            res[i] = tk + (z[0] - z[1]) / (z[2] - z[1]) * (tk1 - tk)
    out[ok] = res
    return out


def bca_acceleration(jack: FloatArray) -> FloatArray:
    """Acceleration ``a = sum(L^3) / (6 * sum(L^2)^1.5)`` with ``L_i = mean(t_(.)) - t_(i)``."""
    L = np.nanmean(jack, axis=0) - jack
    with np.errstate(invalid="ignore", divide="ignore"):
        return as_float(np.nansum(L**3, axis=0) / (6.0 * np.nansum(L**2, axis=0) ** 1.5))


def regression_influence(draws: FloatArray, weights: FloatArray) -> FloatArray:
    """Empirical influence values by regressing the resampled statistics on the frequencies.

    For every column of ``draws`` (R, k), regress ``t*`` on ``f / n`` (the (R, n) frequencies
    divided by n, first unit left out) by least squares; the slopes are the influence values,
    centred to mean zero (the unit left out gets 0 before centring). This is
    ``boot::empinf(type = "reg")``, which ``boot.ci`` uses for the BCa acceleration of an
    ordinary nonparametric bootstrap (Davison & Hinkley, 1997, sec. 2.7.4).

    Returns
    -------
    ndarray (n, k)
    """
    F = np.asarray(weights, dtype=float)
    R, n = F.shape
    X = np.column_stack([np.ones(R), F[:, 1:] / n])
    beta = np.linalg.lstsq(X, np.asarray(draws, dtype=float), rcond=None)[0][1:]
    L = np.vstack([np.zeros((1, beta.shape[1])), beta])
    return as_float(L - L.mean(axis=0))


def acceleration_from_influence(L: FloatArray) -> FloatArray:
    """BCa acceleration ``sum(L^3) / (6 * sum(L^2)^1.5)`` from influence values (n, k)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return as_float(np.sum(L**3, axis=0) / (6.0 * np.sum(L**2, axis=0) ** 1.5))


def confidence_interval(
    draws: FloatArray,
    estimate: FloatArray,
    *,
    method: str = "percentile",
    level: float = 0.95,
    jack: FloatArray | None = None,
    acceleration: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Lower and upper confidence limits of each column of ``draws``.

    Parameters
    ----------
    draws : ndarray (R, k)
        Valid (non-singular) bootstrap or Monte Carlo draws.
    estimate : ndarray (k,)
        Full-sample estimates (needed for BCa).
    method : {"percentile", "bca", "monte_carlo"}
        ``monte_carlo`` draws are summarised like percentile draws.
    level : float
    jack : ndarray (n_units, k), optional
        Leave-one-unit-out values (for BCa).
    acceleration : ndarray (k,), optional
        BCa acceleration given directly (e.g. from :func:`regression_influence`); used
        instead of ``jack``.

    Returns
    -------
    (ndarray, ndarray)
        Lower and upper limits, each of shape (k,).

    Notes
    -----
    Percentile: the ``(R+1) alpha/2`` and ``(R+1)(1 - alpha/2)`` order statistics, interpolated
    on the normal scale (``boot::boot.ci(type = "perc")``). BCa (Efron, 1987):
    ``z0 = qnorm(#{t* < t} / R)``, ``a`` from the jackknife (:func:`bca_acceleration`), adjusted
    levels ``pnorm(z0 + (z0 + z_q) / (1 - a (z0 + z_q)))``. R's ``boot.ci`` estimates the
    influence values for ``a`` by regressing t* on the resampling frequencies instead of the
    jackknife; both estimate the same quantity (Davison & Hinkley, 1997, sec. 2.7).

    References
    ----------
    Efron, B. (1987). Better bootstrap confidence intervals. *Journal of the American
    Statistical Association, 82*, 171–185.
    Davison, A. C., & Hinkley, D. V. (1997). *Bootstrap methods and their application*.
    Cambridge University Press.

    Examples
    --------
    See :func:`run_bootstrap`.
    """
    from scipy import special

    method = choice(method, "ci", CI_METHODS)
    level = check_level(level)
    draws = np.asarray(draws, dtype=float)
    k = draws.shape[1]
    lo = np.full(k, np.nan)
    hi = np.full(k, np.nan)
    q = np.array([(1 - level) / 2, (1 + level) / 2])
    acc = None
    if method == "bca":
        if acceleration is not None:
            acc = np.asarray(acceleration, dtype=float)
        elif jack is not None:
            acc = bca_acceleration(jack)
    n_extreme = 0
    for j in range(k):
        t = draws[:, j]
        t = np.sort(t[np.isfinite(t)])
        if t.size < 2:
            continue
        if method == "bca":
            if acc is None:
                raise ModelError(
                    "BCa intervals need the jackknife values (jack=...) or acceleration=..."
                )
            prop = np.mean(t < estimate[j])
            if prop <= 0 or prop >= 1 or not np.isfinite(acc[j]):
                continue
            z0 = special.ndtri(prop)
            zq = special.ndtri(q)
            adj = special.ndtr(z0 + (z0 + zq) / (1 - acc[j] * (z0 + zq)))
        else:
            adj = q
        lo[j], hi[j] = _norm_inter(t, adj)
        rank = np.floor((t.size + 1) * adj[np.isfinite(adj)])
        n_extreme += bool(((rank <= 0) | (rank >= t.size)).any())
    if n_extreme:
        warn_user(
            f"extreme order statistics used as endpoints for {n_extreme} of {k} "
            f"{method} interval(s): the {level:.4g} limits fall beyond the smallest or largest "
            "draw, so the interval is unstable; use more resamples (n_boot) or a lower ci_level "
            "(boot::boot.ci gives the same warning)",
            ModelWarning,
        )
    return lo, hi


def boot_pvalue(draws: FloatArray, null: float = 0.0) -> FloatArray:
    """Two-sided bootstrap p-value ``min(1, 2 * min(P(t* <= null), P(t* >= null)))`` per column.

    It is (up to the resolution 1/R) the smallest alpha at which the percentile interval of
    level 1 - alpha excludes ``null``. A p-value of 0 means "below 2/R".
    """
    d = np.asarray(draws, dtype=float)
    with np.errstate(invalid="ignore"):
        fin = np.isfinite(d)
        nvalid = fin.sum(axis=0)
        le = ((d <= null) & fin).sum(axis=0) / np.maximum(nvalid, 1)
        ge = ((d >= null) & fin).sum(axis=0) / np.maximum(nvalid, 1)
    p = np.minimum(1.0, 2.0 * np.minimum(le, ge))
    p[nvalid == 0] = np.nan
    return as_float(p)


def monte_carlo_draws(
    mean: FloatArray, cov: FloatArray, n_draws: int, seed: int | None
) -> tuple[FloatArray, int]:
    """Draws from ``N(mean, cov)`` for Monte Carlo confidence intervals (Preacher & Selig, 2012).

    Returns the (n_draws, p) draws and the seed used (entropy recorded when ``seed`` is None).
    """
    seed = check_seed(seed)
    ss = np.random.SeedSequence(seed)
    seed_used = _entropy(ss) if seed is None else seed
    rng = np.random.Generator(np.random.PCG64(ss))
    return rng.multivariate_normal(mean, cov, size=n_draws, method="eigh"), seed_used
