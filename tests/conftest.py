"""Shared test fixtures: the Agg backend for figures and the folder of R-made reference files."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture
def reference_dir() -> Path:
    """tests/reference: fixtures computed in R (see each JSON file's ``versions``)."""
    return Path(__file__).parent / "reference"


@pytest.fixture
def close_figures():
    """Close every matplotlib figure after a test that draws."""
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


def pytest_collection_modifyitems(config, items):
    """tests/test_docs.py last: it builds the site from the notebooks test_notebooks executed."""
    items.sort(key=lambda item: item.path.name == "test_docs.py")
