"""Packaging: the wheel carries scales/ and data/, and the resource lookup works when installed."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import learning_direction as ld

ROOT = Path(__file__).resolve().parents[1]


def test_public_names_are_declared():
    assert "score" in ld.__all__ and "mediate" in ld.__all__
    assert ld.__version__
    with pytest.raises(AttributeError):
        ld.not_a_function


def test_errors_are_value_errors():
    for cls in (ld.DataValidationError, ld.ScaleDefinitionError, ld.ModelError, ld.ConfigError):
        assert issubclass(cls, ld.LearningDirectionError)
        assert issubclass(cls, ValueError)


@pytest.mark.slow
def test_wheel_carries_scales_and_data_and_lookup_works(tmp_path):
    out = tmp_path / "dist"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(out),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    wheel = next(out.glob("*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        zf.extractall(tmp_path / "site")
    for yaml_file in (ROOT / "scales").glob("*.yaml"):
        assert f"learning_direction/_bundled/scales/{yaml_file.name}" in names
    for csv_file in (ROOT / "data").glob("*.csv"):
        assert f"learning_direction/_bundled/data/{csv_file.name}" in names
    # PEP 561: type checkers use the package's hints (and __init__.pyi) only with py.typed
    assert {"learning_direction/py.typed", "learning_direction/__init__.pyi"} <= names
    # import the installed copy (not the checkout) and check it finds its bundled files
    code = (
        "import learning_direction as ld, learning_direction._core.resources as r;"
        "print(r.scales_dir());"
        "print(ld.load_scale('learning_direction').subscale_names);"
        "print(len(ld.list_scales()))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert "_bundled" in lines[0] and str(tmp_path) in lines[0]
    assert lines[1] == "['upward', 'lateral', 'downward']"
    assert int(lines[2]) == len(list((ROOT / "scales").glob("*.yaml")))


def test_citation_file_names_this_version():
    """CITATION.cff (Citation File Format 1.2, validated against its schema when written)."""
    import yaml

    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    assert {"message", "title", "authors"} <= set(cff) and cff["authors"]
    assert str(cff["version"]) == ld.__version__, "bump CITATION.cff's version with the package's"
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{ld.__version__}]" in changelog, "CHANGELOG.md has no entry for this version"
