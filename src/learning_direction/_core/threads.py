"""One BLAS thread for work made of many small or skinny matrix products.

Multi-threaded BLAS spends more time synchronising than computing on products such as
(rows x 10) times (10 x rows-wide) blocks, bootstrap blocks or the small matrices of an SEM or
imputation fit: on a 2-core machine ``ld.reliability`` at 200,000 x 40 items took 0.41-0.47 s
with two BLAS threads (0.83 s of CPU) and 0.29 s with one. Every such routine runs inside
:func:`single_blas_thread`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

__all__ = ["single_blas_thread"]

# blocks entered and not yet left, per thread: an inner block (an SEM fit inside a bootstrap
# that already holds BLAS to one thread) does nothing, instead of paying threadpoolctl's scan
# of the loaded libraries (about 2 ms) once more per fit
_DEPTH = threading.local()


@contextlib.contextmanager
def single_blas_thread() -> Iterator[None]:
    """Limit BLAS to one thread inside the block (a no-op when threadpoolctl is missing, and
    inside another such block)."""
    depth = getattr(_DEPTH, "n", 0)
    if depth:
        _DEPTH.n = depth + 1
        try:
            yield
        finally:
            _DEPTH.n = depth
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        _DEPTH.n = 1
        try:
            yield
        finally:
            _DEPTH.n = 0
