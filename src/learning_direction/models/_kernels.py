"""Compiled inner loop of the resampling engine (numba).

Drawing a block of bootstrap resamples with numpy takes two passes: ``Generator.integers``
writes the (B, n) row indices, then ``np.bincount`` counts them row by row -- and bincount holds
the interpreter lock, so the engine's threads cannot overlap it. :func:`draw_counts` does both
in one GIL-free pass with no index array. It reads the random numbers from the block's own numpy
bit generator (its C ``next_uint32``, as ``Generator.integers`` does) and uses the same bounded
draw (Lemire's multiply-shift with rejection, numpy's ``buffered_bounded_lemire_uint32``), so the
counts are *identical* to ``np.bincount(rng.integers(0, n, size=n, dtype=np.uint32))`` row by row
(tested). The same seed therefore gives the same numbers with or without numba.

For the engine's ``PCG64`` streams the kernel asks for 64 random bits at a time and uses the
low 32 bits, then the high 32 bits, which is exactly what ``next_uint32`` of ``PCG64`` does with
its one-word buffer, at half the calls through the bit generator's function pointer (about a
third less time); the buffer left over at the end is written back into the generator's state,
so its stream continues as numpy's would. Other bit generators take the ``next_uint32`` path.

The kernel is compiled on first use and cached on disk (``cache=True``). Importing this module
raises when numba is not installed; :mod:`.bootstrap` then falls back to numpy.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
from numba.np.random import generator_core

from ._types import FloatArray

# numba's integer type and bit-generator intrinsics, as module globals the compiled kernels
# resolve; they have no type stubs, so they are Any to mypy
uint64: Any = numba.uint64
next_uint32: Any = generator_core.next_uint32
next_uint64: Any = generator_core.next_uint64

__all__ = ["draw_counts"]

_LOW32 = 0xFFFFFFFF


@numba.njit(nogil=True, cache=True)
def _draw_counts(bitgen: Any, n_units: int, out: FloatArray) -> None:  # pragma: no cover
    n_excl = uint64(n_units)
    # rejection threshold of Lemire's method: 2**32 mod n (computed as numpy does)
    threshold = uint64((_LOW32 - (n_units - 1)) % n_units)
    low = uint64(_LOW32)
    shift = uint64(32)
    for b in range(out.shape[0]):
        row = out[b]
        for i in range(n_units):
            row[i] = 0.0
        for _ in range(n_units):
            m = uint64(next_uint32(bitgen)) * n_excl
            leftover = m & low
            if leftover < n_excl:
                while leftover < threshold:
                    m = uint64(next_uint32(bitgen)) * n_excl
                    leftover = m & low
            row[m >> shift] += 1.0


@numba.njit(nogil=True, cache=True)
def _draw_counts_split64(  # pragma: no cover - compiled; tested via draw_counts
    bitgen: Any, n_units: int, out: FloatArray, have: bool, buf: int
) -> tuple[bool, int]:
    """As :func:`_draw_counts`, with 32-bit halves of 64-bit draws (``PCG64``'s next_uint32).

    ``have``/``buf`` are the generator's buffered half on entry; the ones left on exit are
    returned so the caller can store them back.
    """
    n_excl = uint64(n_units)
    threshold = uint64((_LOW32 - (n_units - 1)) % n_units)
    low = uint64(_LOW32)
    shift = uint64(32)
    buf = uint64(buf)
    for b in range(out.shape[0]):
        row = out[b]
        for i in range(n_units):
            row[i] = 0.0
        for _ in range(n_units):
            while True:  # threshold < n, so this is numpy's rejection rule
                if have:
                    r = buf
                    have = False
                else:
                    v = next_uint64(bitgen)
                    r = v & low
                    buf = v >> shift
                    have = True
                m = r * n_excl
                if (m & low) >= threshold:
                    break
            row[m >> shift] += 1.0
    return have, buf


def draw_counts(rng: np.random.Generator, out: FloatArray) -> FloatArray:
    """Fill each row of ``out`` (B, n) with the frequencies of ``n`` draws from ``range(n)``.

    Row b equals ``np.bincount(rng.integers(0, n, size=n, dtype=np.uint32), minlength=n)`` for
    successive rows (the same stream), computed without the interpreter lock. ``n`` must be
    between 2 and 2**32 - 1; ``out`` is a float64 array with C-contiguous rows. ``rng`` must not
    be used by another thread at the same time (the engine gives every block its own).
    """
    n_units = out.shape[1]
    if not 2 <= n_units < 2**32 - 1:
        raise ValueError(f"draw_counts needs 2 <= n < 2**32 - 1, got n = {n_units}")
    bg = rng.bit_generator
    if type(bg) is np.random.PCG64:
        state = bg.state
        have, buf = _draw_counts_split64(
            bg, n_units, out, bool(state["has_uint32"]), int(state["uinteger"])
        )
        state = bg.state  # advanced by the kernel; store the half it left over
        state["has_uint32"], state["uinteger"] = int(have), int(buf)
        bg.state = state
    else:
        _draw_counts(bg, n_units, out)
    return out
