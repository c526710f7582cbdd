"""How the suite runs: one BLAS thread per pytest-xdist worker (see tests/conftest.py)."""

from __future__ import annotations

import os

import pytest


@pytest.mark.skipif(not os.environ.get("PYTEST_XDIST_WORKER"), reason="only under pytest-xdist")
def test_each_worker_runs_blas_on_one_thread():
    from threadpoolctl import threadpool_info

    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    assert blas, "numpy's BLAS was not found by threadpoolctl"
    assert all(i["num_threads"] == 1 for i in blas), blas
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"  # inherited by notebook kernels
