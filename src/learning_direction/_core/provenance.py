"""Provenance: what produced an output (software versions) and what it was made from (hashes).

Reports and sidecar files record the versions of Python, this package and its scientific
dependencies, and the SHA-256 of every input, so a reader can tell exactly what made a number.
"""

from __future__ import annotations

import hashlib
import platform
from importlib import metadata
from pathlib import Path

__all__ = ["DEPENDENCIES", "bytes_sha256", "file_sha256", "software_versions"]

#: the scientific dependencies whose versions every report records
DEPENDENCIES: tuple[str, ...] = (
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "pingouin",
    "semopy",
    "matplotlib",
    "seaborn",
    "pyyaml",
    "pyreadstat",
)


def software_versions() -> dict[str, str]:
    """Versions of Python, this package and its scientific dependencies."""
    out = {
        "python": platform.python_version(),
        "learning-direction": _version("learning-direction"),
    }
    for dep in DEPENDENCIES:
        out[dep] = _version(dep)
    return out


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def bytes_sha256(raw: bytes) -> str:
    """SHA-256 of ``raw`` (hex)."""
    return hashlib.sha256(raw).hexdigest()


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes (hex), read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
