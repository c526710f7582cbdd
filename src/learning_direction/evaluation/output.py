"""Writing the evaluation's outputs: the HTML report, its tables and figures, the JSON sidecar.

The sections collect their tables, figures and model row counts in an :class:`Output`;
:func:`write_outputs` writes them next to the report::

    <target>/<name>.html              the self-contained report (figures embedded)
    <target>/<name>.json              provenance: inputs and their SHA-256, software versions,
                                      the config with the salt redacted, the seed, a timestamp
                                      and the SHA-256 of every table and figure written
    <target>/tables/<name>.csv        every table of the report, full precision
    <target>/figures/<name>.png       every figure of the report

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

from .._core.provenance import bytes_sha256, software_versions
from ..reporting.html import HtmlReport, figure_to_png_bytes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .config import EvaluationConfig
    from .prepare import Prepared

__all__ = ["Output", "write_outputs"]


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
    text: str = df.to_csv(index=False, lineterminator="\n", float_format="%.10g")
    return text.encode("utf-8")


def _json_safe(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return str(v)


def _write_files(target: Path, out: Output) -> dict[str, str]:
    """Write the tables and figures; returns relative path -> SHA-256."""
    tables_dir = target / "tables"
    figures_dir = target / "figures"
    target.mkdir(parents=True, exist_ok=True)
    tables_dir.mkdir(exist_ok=True)
    figures_dir.mkdir(exist_ok=True)
    hashes = {}
    for name, df in out.tables.items():
        raw = _csv_bytes(df)
        (tables_dir / f"{name}.csv").write_bytes(raw)
        hashes[f"tables/{name}.csv"] = bytes_sha256(raw)
    for name, fig in out.figures.items():
        png = figure_to_png_bytes(fig, dpi=200)
        (figures_dir / f"{name}.png").write_bytes(png)
        hashes[f"figures/{name}.png"] = bytes_sha256(png)
    return hashes


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
    path of the report.
    """
    versions = software_versions()
    hashes = _write_files(target, out)
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
    html_path = rep.save(target / f"{name}.html")
    sidecar = {
        "report": html_path.name,
        "generated": when,
        "seed": cfg.seed,
        "inputs": inputs,
        "software": versions,
        "config": cfg.public_dict(),
        "config_file": str(Path(config_path).resolve()),
        "outputs": hashes,
    }
    (target / f"{name}.json").write_text(
        json.dumps(sidecar, indent=2, default=_json_safe) + "\n", encoding="utf-8"
    )
    return html_path
