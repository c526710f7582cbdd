"""Writing the evaluation's outputs: the HTML report, its tables and figures, the JSON sidecar.

The sections collect their tables, figures and model row counts in an :class:`Output`;
:func:`write_outputs` writes them next to the report::

    <target>/<name>.html              the self-contained report (figures embedded)
    <target>/<name>.json              provenance: inputs and their SHA-256, software versions,
                                      the config with the salt redacted, the seed, a timestamp
                                      and the SHA-256 of every table and figure written
    <target>/tables/<name>.csv        every table of the report, full precision
    <target>/figures/<name>.png       every figure of the report

The files are written into a temporary folder next to ``<target>`` that replaces ``<target>``
only once everything is written: a failed run (a full disk, no permission) changes nothing, and
a re-run never leaves stale files of an earlier run behind. A ``<target>`` that holds an input,
or files this tool did not write, is refused; a lock file keeps two runs out of one folder.
Text cells that start like a spreadsheet formula (``=``, ``+``, ``-``, ``@``) are written with a
leading apostrophe (see :mod:`learning_direction._core.cells`).

Nothing here depends on the clock except the single "Generated ..." line and the sidecar's
``generated``; ``SOURCE_DATE_EPOCH`` fixes those too, so the same inputs, config and seed give
byte-identical files.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._core.cells import csv_text
from .._core.outputs import OutputFolder, Replaced, describe_os_error
from .._core.provenance import bytes_sha256, software_versions
from ..exceptions import OutputError
from ..reporting.html import HtmlReport, figure_to_png_bytes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .config import EvaluationConfig
    from .prepare import Prepared

__all__ = ["Output", "output_folder", "write_outputs", "write_report"]


@dataclass
class Output:
    """Tables, figures and model row counts collected while the report is built."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    model_rows: list[dict[str, Any]] = field(default_factory=list)

    def table(self, name: str, df: pd.DataFrame) -> pd.DataFrame:
        """Keep ``df`` as ``tables/<name>.csv`` (a safe file name, made unique); returns ``df``."""
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_.") or "table"
        key, k = name, 2
        while key in self.tables:
            key, k = f"{name}_{k}", k + 1
        self.tables[key] = df.reset_index(drop=True)
        return df


def _timestamp() -> str:
    stamp = os.environ.get("SOURCE_DATE_EPOCH")
    if stamp and stamp.strip().isdigit():
        return datetime.fromtimestamp(int(stamp), tz=UTC).isoformat()
    return datetime.now(tz=UTC).replace(microsecond=0).isoformat()


def _csv_bytes(df: pd.DataFrame) -> bytes:
    """A table as CSV bytes; text cells that a spreadsheet would run as a formula neutralised."""
    return csv_text(df, float_format="%.10g").encode("utf-8")


def _json_safe(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return str(v)


def _write(path: Path, data: bytes) -> None:
    """Write one output file (the one place the evaluation writes bytes; tests patch it)."""
    path.write_bytes(data)


def _write_files(folder: Path, out: Output) -> dict[str, str]:
    """Write the tables and figures into ``folder``; returns relative path -> SHA-256."""
    tables_dir = folder / "tables"
    figures_dir = folder / "figures"
    tables_dir.mkdir(exist_ok=True)
    figures_dir.mkdir(exist_ok=True)
    hashes = {}
    for name, df in out.tables.items():
        raw = _csv_bytes(df)
        _write(tables_dir / f"{name}.csv", raw)
        hashes[f"tables/{name}.csv"] = bytes_sha256(raw)
    for name, fig in out.figures.items():
        png = figure_to_png_bytes(fig, dpi=200)
        _write(figures_dir / f"{name}.png", png)
        hashes[f"figures/{name}.png"] = bytes_sha256(png)
    return hashes


def _owned(folder: Path, name: str) -> tuple[list[str], list[str]]:
    """The files an earlier run listed in ``folder``, and the entries it did not write.

    Ours: the report and its sidecar, and CSV tables and PNG/SVG figures in ``tables/`` and
    ``figures/`` (also stale ones an earlier run no longer lists). Anything else (another
    file, a symbolic link, a folder without our sidecar) means the folder holds the user's
    files and must not be replaced.
    """
    entries = sorted(folder.rglob("*"))
    try:
        side = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        side = None
    if not isinstance(side, dict) or side.get("report") != f"{name}.html":
        return [], [p.relative_to(folder).as_posix() for p in entries] or ["(other entries)"]
    listed = [f"{name}.html", f"{name}.json", *map(str, side.get("outputs") or {})]
    foreign = []
    for path in entries:
        rel = path.relative_to(folder)
        kind = (rel.parts[0], path.suffix) if len(rel.parts) == 2 else None
        if path.is_symlink():  # never written by us: someone's link, perhaps to their data
            foreign.append(f"{rel.as_posix()} (a symbolic link)")
        elif path.is_dir() and str(rel) in ("tables", "figures"):
            continue
        elif rel.as_posix() in listed:
            continue
        elif path.is_file() and kind in {
            ("tables", ".csv"),
            ("figures", ".png"),
            ("figures", ".svg"),
        }:
            continue
        else:
            foreign.append(rel.as_posix())
    return listed, foreign


def _inputs(cfg: EvaluationConfig, prep: Prepared, config_path: str | Path) -> list[Path]:
    """Every file the run read: the config, the exports and custom scale definitions."""
    paths = [Path(config_path)]
    paths += [Path(st.survey.report.path) for st in prep.datasets.values()]
    paths += [m.file for m in cfg.scales.values() if m.file is not None]
    return paths


def output_folder(
    target: Path, cfg: EvaluationConfig, prep: Prepared, config_path: str | Path, name: str
) -> OutputFolder:
    """The :class:`OutputFolder` of a report (``.precheck()`` it before the long work)."""
    return OutputFolder(
        Path(target),
        inputs=_inputs(cfg, prep, config_path),
        owned=lambda f: _owned(f, name),
        error=OutputError,
    )


def write_outputs(
    target: Path,
    rep: HtmlReport,
    out: Output,
    cfg: EvaluationConfig,
    prep: Prepared,
    config_path: str | Path,
    name: str,
) -> Path:
    """Write the report, its tables and figures and the provenance sidecar into ``target``.

    The report is ``<target>/<name>.html``, the sidecar ``<target>/<name>.json``; returns the
    path of the report. See :func:`write_report`.
    """
    return write_report(target, rep, out, cfg, prep, config_path, name)[0]


def write_report(
    target: Path,
    rep: HtmlReport,
    out: Output,
    cfg: EvaluationConfig,
    prep: Prepared,
    config_path: str | Path,
    name: str,
) -> tuple[Path, Replaced | None]:
    """Write every output into a temporary folder, then move it into place as ``target``.

    Returns the report's path and what the new folder replaced (None for a new folder). An
    error while writing (a full disk, no permission) leaves ``target`` as it was.

    Raises
    ------
    OutputError
        ``target`` is a file, holds or is an input, holds files this tool did not write, is
        being written by another run, or cannot be written (the message says why).
    """
    target = Path(target)
    folder = output_folder(target, cfg, prep, config_path, name)
    with folder:
        try:
            html_name = _write_all(folder.path, rep, out, cfg, prep, config_path, name, folder)
        except OSError as exc:
            raise OutputError(
                f"output folder: {describe_os_error(exc, target)}; nothing was changed in "
                f"{target} (the partial outputs were removed)"
            ) from None
        replaced = folder.commit()
    return target / html_name, replaced


def _write_all(
    where: Path,
    rep: HtmlReport,
    out: Output,
    cfg: EvaluationConfig,
    prep: Prepared,
    config_path: str | Path,
    name: str,
    folder: OutputFolder,
) -> str:
    versions = software_versions()
    hashes = _write_files(where, out)
    inputs = [
        {
            "file": n,
            "path": st.survey.report.path,
            "sha256": st.survey.report.sha256,
            "rows_read": st.n_read,
            "rows_analysed": st.n,
        }
        for n, st in prep.datasets.items()
    ]
    when = _timestamp()
    for i in inputs:
        rep.footer(f"Input {i['file']}: {Path(str(i['path'])).name} · SHA-256 {i['sha256']}")
    deps = ", ".join(f"{k} {v}" for k, v in versions.items())
    rep.footer(f"Software: {deps}")
    rep.footer(
        f"Seed {cfg.seed} · config {Path(config_path).name} · provenance: {name}.json "
        "(inputs, versions, config with the salt redacted)"
    )
    rep.footer(f"Generated {when}")
    html_name = f"{name}.html"
    _write(where / html_name, rep.render().encode("utf-8"))
    sidecar: dict[str, Any] = {
        "report": html_name,
        "generated": when,
        "seed": cfg.seed,
        "inputs": inputs,
        "software": versions,
        "config": cfg.public_dict(),
        "config_file": str(Path(config_path).resolve()),
        "outputs": hashes,
    }
    if folder.previous is not None:
        sidecar["replaced"] = {
            "files": len(folder.previous.files),
            "stale": list(folder.previous.unlisted),
        }
    text = json.dumps(sidecar, indent=2, default=_json_safe) + "\n"
    _write(where / f"{name}.json", text.encode("utf-8"))
    return html_name
