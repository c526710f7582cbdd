"""Locate the bundled ``scales/`` and ``data/`` folders.

In a source checkout (editable install) they are the top-level folders of the repository; in an
installed wheel hatchling copies them to ``learning_direction/_bundled/``. Both layouts are
supported so that ``pip install`` users get exactly the files the repository ships.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def _bundled(name: str) -> Path:
    inside = _PACKAGE_DIR / "_bundled" / name
    if inside.is_dir():
        return inside
    checkout = _PACKAGE_DIR.parent.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        f"the bundled '{name}/' folder was not found next to the package ({inside}) or in a "
        f"source checkout ({checkout}); reinstall learning_direction"
    )


def scales_dir() -> Path:
    """Folder holding the bundled scale definitions (``*.yaml``)."""
    return _bundled("scales")


def data_dir() -> Path:
    """Folder holding the bundled simulated datasets and their codebook."""
    return _bundled("data")
