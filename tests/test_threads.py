"""_core.threads.single_blas_thread: one BLAS thread inside, restored after, nesting is free."""

from __future__ import annotations

import threadpoolctl

from learning_direction._core.threads import single_blas_thread


def _blas_threads() -> list[int]:
    return [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]


def test_one_thread_inside_restored_after_even_when_nested_or_raising():
    import numpy  # noqa: F401  (its BLAS is what the block limits)

    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        with single_blas_thread():
            assert set(_blas_threads()) == {1}
            with single_blas_thread():
                assert set(_blas_threads()) == {1}
            assert set(_blas_threads()) == {1}  # leaving the inner block keeps the outer limit
            try:
                with single_blas_thread():
                    raise ValueError
            except ValueError:
                pass
            assert set(_blas_threads()) == {1}
        assert _blas_threads() == before
        with single_blas_thread():  # usable again after the outer block ended
            assert set(_blas_threads()) == {1}
        assert _blas_threads() == before
