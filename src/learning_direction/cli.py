"""The ``learning-direction`` command line.

Every subcommand imports the heavy libraries (pandas, statsmodels, matplotlib, ...) inside its
handler, so ``learning-direction --help`` starts fast. A bad input prints one line
``error: ...`` and exits with status 2; an unexpected failure prints one line and a hint to rerun
with ``--debug`` (which shows the traceback) and exits with status 1.
"""

from __future__ import annotations

import argparse
import errno
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

__all__ = ["build_parser", "main"]

PROG = "learning-direction"
EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


class _BadInput(Exception):
    """A usage problem found by a handler (printed as one ``error:`` line, exit 2)."""


class _Unavailable(Exception):
    """A feature whose backend module is not part of this installation yet."""


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors are one line, not usage + message."""

    def error(self, message: str) -> NoReturn:
        raise _BadInput(f"{message} (see `{self.prog} --help`)")


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30, width=100)


# --------------------------------------------------------------------------- helpers


def _backend(module: str, feature: str) -> Any:
    """Import a backend module, or raise _Unavailable naming the missing feature."""
    import importlib

    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and (
            exc.name == module
            or module.startswith(exc.name + ".")
            or exc.name.startswith("learning_direction")
        ):
            raise _Unavailable(
                f"'{feature}' is not available yet in this version of learning_direction "
                f"(module {exc.name} is missing)"
            ) from None
        raise


def _api(name: str, feature: str) -> Any:
    """A public function of the package (``ld.score`` ...), or _Unavailable."""
    import learning_direction as ld

    module = ld._EXPORTS.get(name)
    if module is None:  # pragma: no cover - programming error
        raise _Unavailable(f"'{feature}' is not available (no public name {name})")
    mod = _backend("learning_direction" + module, feature)
    return getattr(mod, name)


def _read_data(
    args: argparse.Namespace, columns: list[str] | None = None, compact: bool = False
) -> Any:
    """Read the DATA argument with read_survey, honouring the common read options.

    ``columns``: the columns the command needs (the others are skipped while reading, so a
    large export fits in memory); every row is still read and counted. ``compact``: whole
    numbers in the smallest integer type (for scoring, which converts them to float itself).
    """
    from .intake.io import read_survey

    survey = read_survey(
        args.data,
        sheet=_sheet(args.sheet),
        missing_codes=_codes(args.missing_codes),
        drop_previews=args.drop_previews,
        columns=columns,
        compact=compact,
    )
    for note in survey.report.notes:
        _say(f"note: {_capped(_cli_hint(note))}", err=True)
    if survey.report.sheet is not None and not any("sheet" in n for n in survey.report.notes):
        _say(f"note: read sheet '{survey.report.sheet}' of {Path(args.data).name}", err=True)
    if survey.report.recodings:
        n = sum(r.count for r in survey.report.recodings)
        _say(f"note: {n} value(s) recoded to missing (missing codes)", err=True)
    if survey.report.dropped:
        _say(f"note: {survey.report.n_dropped} row(s) dropped while reading: "
             + "; ".join(f"{d.reason} ({d.count})" for d in survey.report.dropped), err=True)  # fmt: skip
    return survey.data


_STATE: dict[str, Any] = {}

#: the library's hints name Python arguments; on the command line they name the flags
_CLI_HINTS: tuple[tuple[str, str], ...] = (
    ("pass drop_previews=True", "pass --drop-previews"),
    ("drop_previews=True", "--drop-previews"),
    ("pass sheet= for another", "pass --sheet NAME for another"),
    ("pass sheet=", "pass --sheet"),
    ("pass columns={item_id: column_name}", "pass --columns MAP.yaml (item_id: column)"),
    ("pass invalid='missing'", "pass --invalid missing"),
    ("invalid='missing'", "--invalid missing"),
    ("pass missing_codes=", "pass --missing-codes"),
)


def _cli_hint(text: str) -> str:
    """A message with its Python-argument hints rewritten as the CLI flags that do the same
    (not for ``evaluate``, whose options are config keys)."""
    if _STATE.get("command") == "evaluate":
        return text
    for python, flag in _CLI_HINTS:
        text = text.replace(python, flag)
    return text


def _sheet(value: str | None) -> str | int | None:
    if value is None:
        return None
    return int(value) if value.isdigit() else value


def _codes(values: list[str] | None) -> list[Any] | None:
    if not values:
        return None
    out: list[Any] = []
    for v in values:
        try:
            f = float(v)
        except ValueError:
            out.append(v)
        else:
            out.append(int(f) if f.is_integer() else f)
    return out


def _say(text: str, err: bool = False) -> None:
    stream = sys.stderr if err else sys.stdout
    print(text, file=stream)


def _markdown(table: Any, digits: int = 3) -> str:
    """The APA markdown table (headers *b*, *SE*, *p*; the report's number formats)."""
    from ._core.apa_table import apa_markdown

    return apa_markdown(table, digits) + "\n"


_OUT_SUFFIXES = (".csv", ".md", ".html", ".htm", ".xlsx", ".docx", ".tex")


def _inputs(args: argparse.Namespace) -> list[Path]:
    """The files a command reads (its data, scale files, --columns map, config)."""
    paths = [getattr(args, k, None) for k in ("data", "columns", "config")]
    paths += [
        sc for sc in getattr(args, "scale", None) or [] if Path(sc).suffix in (".yaml", ".yml")
    ]
    return [Path(p) for p in paths if p]


def _write_table(
    table: Any, out: str, title: str = "", inputs: Sequence[Path] = (), result: Any = None
) -> tuple[Path, bool]:
    """Write a table as .csv, .md, .html, .xlsx, .docx or .tex (by the extension of ``out``).

    The file is written through a temporary file and a rename (an interrupted or failed
    write leaves any earlier file whole); a path that is, or links to, one of ``inputs`` is
    refused. CSV keeps full precision with the cells that a spreadsheet would run as formulas
    neutralised; .xlsx/.docx/.tex show the APA table (through ``result``'s exports when given,
    see ``ResultMixin.to_docx``). Returns the path and whether an existing file was replaced.
    """
    import tempfile

    from ._core.outputs import write_file_atomic
    from .exceptions import OutputError

    path = _check_out_file(out, inputs)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        replaced = write_file_atomic(path, lambda fh: _csv_rows(table, fh), OutputError)
    elif suffix in (".xlsx", ".docx", ".tex"):
        from ._core.export import ExportTable, write_docx, write_excel, write_latex

        with tempfile.TemporaryDirectory(dir=path.parent if path.parent.is_dir() else None) as tmp:
            built = Path(tmp) / f"table{suffix}"
            method = {".xlsx": "to_excel", ".docx": "to_docx", ".tex": "to_latex"}[suffix]
            if result is not None and hasattr(result, method):
                getattr(result, method)(built)
            else:
                export = [ExportTable(title or "Table", table)]
                if suffix == ".xlsx":
                    write_excel(export, built)
                elif suffix == ".docx":
                    write_docx(export, built)
                else:
                    write_latex(export, built)
            data = built.read_bytes()
        replaced = write_file_atomic(path, lambda fh: fh.write(data), OutputError)
    else:
        text = _markdown(table) if suffix == ".md" else _html_page(table, title)
        replaced = write_file_atomic(path, lambda fh: fh.write(text.encode("utf-8")), OutputError)
    return path, replaced


def _check_out_file(out: str | None, inputs: Sequence[Path] = ()) -> Path:
    """The --out file, checked before any work: its type, not an input, a folder to go in."""
    import os

    from ._core.outputs import refuse_inputs
    from .exceptions import OutputError

    path = Path(out or "")
    if path.suffix.lower() not in _OUT_SUFFIXES:
        raise _BadInput(f"--out {out}: use a file ending in .csv, .xlsx, .docx, .md, .html or .tex")
    refuse_inputs(path, inputs, OutputError)
    if path.is_dir():
        raise OutputError(f"--out {out} is a folder; give a file name such as {path / 'table.csv'}")
    probe = path.parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise OutputError(f"--out {out}: {probe} is a file, not a folder; choose another place")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(
            f"--out {out}: cannot write into {probe} (permission denied or read-only); choose "
            "a folder you can write to"
        )
    return path


def _csv_rows(table: Any, fh: Any, rows: int = 100_000) -> None:
    """A table as CSV, ``rows`` at a time (bounded memory), formula-like cells neutralised."""
    from ._core.cells import csv_text

    for start in range(0, max(len(table), 1), rows):
        fh.write(csv_text(table.iloc[start : start + rows], header=start == 0).encode("utf-8"))


def _html_page(table: Any, title: str) -> str:
    import html

    from ._core.results import table_to_html

    return (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head><body>"
        f"<h1>{html.escape(title)}</h1>{table_to_html(table)}</body></html>\n"
    )


def _wrote(path: Path, replaced: bool) -> None:
    _say(f"wrote {path}" + (" (replaced the earlier file)" if replaced else ""), err=True)


def _result_table(result: Any) -> Any:
    for attr in ("table", "probes"):
        value = getattr(result, attr, None)
        if value is not None:
            return value
    raise _Unavailable(f"{type(result).__name__} has no table to write")


def _print_result(result: Any) -> None:
    summary = getattr(result, "summary", None)
    _say(summary() if callable(summary) else str(result))


# --------------------------------------------------------------------------- handlers


def _cmd_score(args: argparse.Namespace) -> int:
    import pandas as pd

    score = _api("score", "score")
    if args.out:
        _check_out_file(args.out, _inputs(args))
    columns = _column_map(args.columns) if args.columns else None
    scales = args.scale if len(args.scale) > 1 else args.scale[0]
    df = _read_data(args, _item_columns(args.scale, columns, [args.id]), compact=True)
    result = score(df, scales, columns=columns, id_column=args.id, invalid=args.invalid)
    _print_result(result)
    if args.out:
        scores = result.scores
        if args.id:
            scores = pd.concat([df[[args.id]], scores], axis=1)
        else:
            scores = scores.rename_axis("row").reset_index()
        del df
        _wrote(*_write_table(scores, args.out, "Scale scores", _inputs(args)))
    return EXIT_OK


def _item_columns(
    scales: list[str], columns: dict[str, str] | None, extra: list[str | None]
) -> list[str]:
    """The data columns holding the items of ``scales`` (after ``columns``), plus ``extra``."""
    from .scales.codebook import resolve_scales

    mapping = columns or {}
    items = [i for sc in resolve_scales(scales) for i in sc.item_ids]
    return [mapping.get(i, i) for i in items] + [c for c in extra if c]


def _column_map(map_path: str) -> dict[str, str]:
    """Read a YAML map ``item_id: column`` (or ``scale: {item_id: column}``).

    The file is read with the limits of ``_core.safe_yaml`` (size, nesting, aliases). An item
    given twice, or a column given for two items, is refused (``score`` would refuse it too).
    """
    from ._core.cells import clip
    from ._core.safe_yaml import load_yaml, read_yaml_text
    from .exceptions import DataValidationError

    path = Path(map_path)
    raw = load_yaml(read_yaml_text(path, DataValidationError, "--columns map"), str(path),
                    DataValidationError)[0]  # fmt: skip
    if not isinstance(raw, dict) or not raw:
        raise _BadInput(
            f"{path}: expected a mapping item_id: column (or scale: {{item_id: column}})"
        )
    pairs: list[tuple[str, str]] = []
    for key, value in raw.items():
        if isinstance(value, dict):
            for k, v in value.items():
                if not isinstance(v, str | int) or isinstance(v, bool):
                    raise _BadInput(
                        f"{path}: key {clip(f'{key}.{k}')}: expected a column name, got {clip(v)}"
                    )
                pairs.append((str(k), str(v)))
        elif isinstance(value, str | int) and not isinstance(value, bool):
            pairs.append((str(key), str(value)))
        else:
            raise _BadInput(f"{path}: key {clip(key)}: expected a column name, got {clip(value)}")
    mapping: dict[str, str] = {}
    owner: dict[str, str] = {}
    for item, column in pairs:
        if item in mapping:
            raise _BadInput(f"{path}: item {clip(item)} is mapped twice; keep one column for it")
        if column in owner:
            raise _BadInput(
                f"{path}: column {clip(column)} is mapped to items {clip(owner[column])} and "
                f"{clip(item)}; each column holds the answers to one item"
            )
        mapping[item], owner[column] = column, item
    return mapping


def _cmd_reliability(args: argparse.Namespace) -> int:
    import pandas as pd

    reliability = _api("reliability", "reliability")
    if args.out:
        _check_out_file(args.out, _inputs(args))
    columns = _column_map(args.columns) if args.columns else None
    df = _read_data(args, _item_columns(args.scale, columns, []), compact=True)
    tables = []
    for k, scale in enumerate(args.scale):
        cols = None
        if columns:
            from .scales.codebook import load_scale

            ids = set(load_scale(scale).item_ids)
            cols = {item: col for item, col in columns.items() if item in ids} or None
        result = reliability(df, scale, columns=cols)
        if k:
            _say("")
        _print_result(result)
        tables.append(result.table)
    if args.out:
        table = pd.concat(tables, ignore_index=True)
        _wrote(*_write_table(table, args.out, "Reliability", _inputs(args)))
    return EXIT_OK


def _available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux ``MemAvailable``), None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        import os

        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):
        return None


def _check_boot_memory(n_boot: int | None, statistics: int, option: str = "--n-boot") -> None:
    """Refuse a resample count whose draws cannot fit in memory, before any work starts.

    Every resample keeps one value per statistic (8 bytes each), and computing percentile
    intervals sorts copies of them: about 24 bytes per resample and statistic in all.
    """
    if n_boot is None:
        return
    need = n_boot * statistics * 24
    avail = _available_memory()
    if avail is None or need <= avail // 2:
        return
    most = max(1, (avail // 2) // (statistics * 24))
    raise _BadInput(
        f"{option} {n_boot:,} would need about {need / 1e9:,.1f} GB for the resampled "
        f"statistics, more than half of the {avail / 1e9:,.1f} GB of memory available; use at "
        f"most {most:,} (5,000 resamples give stable 95% intervals; 10,000 to 20,000 for "
        "publication)"
    )


def _cmd_mediate(args: argparse.Namespace) -> int:
    mediate = _api("mediate", "mediate")
    k = len(args.m)
    _check_boot_memory(args.n_boot, 4 * k + 6 + k * k)
    if args.out:
        _check_out_file(args.out, _inputs(args))
    df = _read_data(args, [args.x, *args.m, args.y, *(args.covariates or []), args.cluster or ""])
    result = mediate(
        df,
        x=args.x,
        m=list(args.m),
        y=args.y,
        covariates=list(args.covariates or []),
        serial=args.serial,
        n_boot=args.n_boot,
        ci=args.ci,
        seed=args.seed,
        cluster=args.cluster,
        progress=None if args.progress else False,
    )
    _print_result(result)
    if args.out:
        _write_result(result, result.table, args.out, "Mediation", _inputs(args))
    return EXIT_OK


def _print_apa(title: str, table: Any, lines: Sequence[str] = (), digits: int = 3) -> None:
    """Print an APA table: the title, the table (symbol headers), the lines below it."""
    from ._core.apa_table import apa_text
    from ._core.export import default_note

    _say(title)
    _say("")
    _say(apa_text(table, digits))
    note = default_note(table)
    for line in [*lines, *([f"Note. {note}"] if note else [])]:
        _say(line)


def _write_result(
    result: Any, table: Any, out: str, title: str, inputs: Sequence[Path] = ()
) -> None:
    """``--out``: .xlsx/.docx/.tex through the result's exports, the rest as a table file."""
    _wrote(*_write_table(table, out, title, inputs, result=result))


def _cmd_list_scales(args: argparse.Namespace) -> int:
    list_scales = _api("list_scales", "list-scales")
    table = list_scales()
    shown = table[["name", "title", "respondent", "n_items", "subscales", "response"]]
    _print_apa("Bundled scales (use a name with --scale)", shown)
    if args.out:
        _wrote(*_write_table(table, args.out, "Bundled scales"))
    return EXIT_OK


def _cmd_regress(args: argparse.Namespace) -> int:
    regress = _api("regress", "regress")
    df = _read_data(args)
    result = regress(df, args.formula, se=args.se, cluster=args.cluster)
    from ._core.format import fmt_p, fmt_r

    _print_apa(
        f"Linear regression: {args.formula} ({args.se} SEs)",
        result.table,
        [
            f"n = {result.n} ({result.n_dropped} row(s) left out for missing values); "
            f"R² = {fmt_r(result.r2, 3)}, adjusted R² = {fmt_r(result.adj_r2, 3)}, "
            f"F({result.df_model:g}, {result.df_resid:g}) = {result.f:.2f}, {fmt_p(result.f_p_value)}"
        ],
    )
    if args.out:
        _write_result(result, result.table, args.out, "Regression", _inputs(args))
    return EXIT_OK


def _cmd_mixed(args: argparse.Namespace) -> int:
    mixed = _api("mixed", "mixed")
    df = _read_data(args)
    result = mixed(
        df,
        args.formula,
        groups=args.groups,
        re_formula=args.re_formula,
        reml=not args.ml,
        df_method=args.df_method,
    )
    from ._core.format import fmt_r

    icc = getattr(result, "icc", None)
    icc_text = f"; ICC(1) of the null model = {fmt_r(icc, 3)}" if isinstance(icc, float) else ""
    _print_apa(
        f"Linear mixed model: {args.formula}, groups {args.groups} "
        f"({'ML' if args.ml else 'REML'}, {args.df_method} df)",
        result.table,
        [f"n = {result.n} ({result.n_dropped} row(s) left out for missing values){icc_text}"],
    )
    if args.out:
        _write_result(result, result.table, args.out, "Mixed model", _inputs(args))
    return EXIT_OK


def _cmd_cfa(args: argparse.Namespace) -> int:
    cfa = _api("cfa", "cfa")
    df = _read_data(args)
    columns = _column_map(args.columns) if args.columns else None
    result = cfa(df, args.scale, columns=columns, missing=args.missing, estimator=args.estimator)
    fit = result.fit.iloc[0]
    from ._core.format import fmt_p, fmt_r

    _print_apa(
        f"Confirmatory factor analysis of '{args.scale}' ({args.estimator}, {args.missing})",
        result.table,
        [
            f"n = {int(fit['n'])}; χ²({fit['df']:g}) = {fit['chi2']:.2f}, {fmt_p(fit['p_value'])}; "
            f"CFI = {fmt_r(fit['cfi'], 3)}, TLI = {fmt_r(fit['tli'], 3)}, "
            f"RMSEA = {fmt_r(fit['rmsea'], 3)}, SRMR = {fmt_r(fit['srmr'], 3)}"
        ],
    )
    if args.out:
        _write_result(result, result.table, args.out, "CFA", _inputs(args))
    return EXIT_OK


def _cmd_moderate(args: argparse.Namespace) -> int:
    moderate = _api("moderate", "moderate")
    if args.out:
        _check_out_file(args.out, _inputs(args))
    df = _read_data(args, [args.x, args.w, args.y, *(args.covariates or [])])
    result = moderate(df, x=args.x, w=args.w, y=args.y, covariates=list(args.covariates or []))
    _print_result(result)
    if args.out:
        _wrote(*_write_table(_result_table(result), args.out, "Moderation", _inputs(args)))
    return EXIT_OK


def _out_folder(out: str | None, option: str = "--out") -> None:
    """Refuse an output folder that is a file, lies under a file, or cannot be written."""
    import os

    if out is None:
        return
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise _BadInput(f"{option} {out} is an existing file, not a folder; give a folder name")
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise _BadInput(f"{option} {out}: {probe} is a file, not a folder; choose another place")
    if probe.exists() and not os.access(probe, os.W_OK | os.X_OK):
        raise _BadInput(
            f"{option} {out}: cannot write into {probe} (permission denied or read-only); "
            "choose a folder you can write to"
        )


def _staged(
    out: str, build: Callable[[Path], Any], inputs: Sequence[Path] = (), keep: Sequence[str] = ()
) -> tuple[Any, list[str]]:
    """Run ``build(folder)`` on a hidden temporary folder, then move its files into ``out``.

    A failure while writing (a full disk, no permission) leaves ``out`` with exactly the files
    it had; a finished run reports the files it replaced. Returns ``build``'s value with its
    paths (temporary) mapped to their places under ``out``, and the replaced files.
    """
    from ._core.outputs import StagedFiles, describe_os_error
    from .exceptions import OutputError

    target = Path(out)
    with StagedFiles(target, inputs=inputs, error=OutputError, keep=keep) as staged:
        tmp = staged.path

        def final(path: Any) -> Any:
            if isinstance(path, Path) and path.is_relative_to(tmp):
                return target / path.relative_to(tmp)
            return path

        try:
            value = build(tmp)
        except OSError as exc:
            where = final(Path(exc.filename)) if exc.filename else target
            raise OutputError(
                f"--out: {describe_os_error(exc, where)}; nothing in {target} was changed"
            ) from None
        replaced = staged.commit()
    value = [final(v) for v in value] if isinstance(value, list) else final(value)
    return value, replaced


def _say_replaced(out: str, replaced: list[str]) -> None:
    if replaced:
        shown = ", ".join(replaced[:5]) + (" ..." if len(replaced) > 5 else "")
        _say(f"note: replaced {len(replaced)} earlier file(s) in {out}: {shown}", err=True)


def _cmd_study(args: argparse.Namespace) -> int:
    run_study = _api("run_study", "study")
    _out_folder(args.out)
    _check_boot_memory(args.n_boot, 64)
    data = _read_data(args) if args.data else None
    result = run_study(
        args.name,
        data=data,
        seed=args.seed,
        n_boot=args.n_boot,
        progress=args.progress and sys.stderr.isatty(),
    )
    _print_result(result)
    if args.out:
        inputs = [Path(args.data)] if args.data else []
        _, replaced = _staged(args.out, result.save, inputs)
        _say_replaced(args.out, replaced)
        _say(f"wrote {args.out}", err=True)
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    _out_folder(args.out)
    _check_boot_memory(args.n_boot, 64)
    mod = _backend("learning_direction.studies.report", "report")
    extra: dict[str, Any] = {"progress": args.progress and sys.stderr.isatty(), "log": sys.stderr}
    if args.n_boot is not None:
        extra["n_boot"] = args.n_boot
    index, replaced = _staged(
        args.out, lambda folder: mod.build_report(folder, seed=args.seed, **extra)
    )
    _say_replaced(args.out, replaced)
    _say(f"report written to {index}")
    return EXIT_OK


def _cmd_evaluate(args: argparse.Namespace) -> int:
    mod = _backend("learning_direction.evaluation", "evaluate")
    if args.check:  # the config, checked against its files (which are read and prepared)
        try:
            checked, prepared = mod.check_evaluation(Path(args.config))
            cfg = checked.config
        except mod.ConfigProblems as exc:
            if len(exc.problems) == 1:
                raise
            _say(f"error: {len(exc.problems)} problems in {args.config}:", err=True)
            for problem in exc.problems:
                _say(f"  - {_cli_hint(problem)}", err=True)
            return EXIT_BAD_INPUT
        target = Path(args.out) if args.out else cfg.output
        output = _backend("learning_direction.evaluation.output", "evaluate")
        output.output_folder(target, cfg, prepared, Path(args.config), mod.REPORT_NAME).precheck()
        sheets = {n: st.survey.report.sheet for n, st in prepared.datasets.items()}
        files = ", ".join(
            f"{n}: {cfg.data.file(n).path}" + (f" (sheet '{sheets[n]}')" if sheets.get(n) else "")
            for n in cfg.data.configured()
        )
        _say(f"config OK: {args.config} ({files}; {len(cfg.scales)} scale(s); output {cfg.output})")
        return EXIT_OK
    out = Path(args.out) if args.out else None
    index, replaced = mod.evaluate(Path(args.config), out_dir=out)
    if replaced is not None:
        _say(f"note: {replaced.summary()}", err=True)
    _say(f"report written to {index}")
    return EXIT_OK


def _cmd_simulate(args: argparse.Namespace) -> int:
    if not args.all and not args.names:
        raise _BadInput("name the datasets to simulate (e.g. study1 study2) or pass --all")
    if args.all and args.names:
        raise _BadInput("give dataset names or --all, not both")
    _out_folder(args.out)
    mod = _backend("learning_direction.simulate", "simulate")
    write = getattr(mod, "write_datasets", None)
    if write is None:
        raise _Unavailable(
            "'simulate' is not available yet in this version (learning_direction.simulate.write_datasets is missing)"
        )
    paths, replaced = _staged(
        args.out,
        lambda folder: write(folder, seed=args.seed, names=None if args.all else list(args.names)),
        keep=["codebook.csv"],  # regenerating some datasets keeps the others' codebook rows
    )
    _say_replaced(args.out, replaced)
    for p in paths:
        _say(str(p))
    return EXIT_OK


def _cmd_power(args: argparse.Namespace) -> int:
    import inspect

    _check_boot_memory(args.n_boot, 16)
    if args.out:
        _check_out_file(args.out)
    mod = _backend("learning_direction.models.power", "power")
    fn = mod.power_mediation
    wanted: dict[str, Any] = {
        "a": args.a,
        "b": args.b,
        "c_prime": args.c_prime,
        "n": list(args.n),
        "reps": args.reps,
        "n_boot": args.n_boot,
        "alpha": args.alpha,
        "seed": args.seed,
        "method": args.method,
        "n_jobs": args.n_jobs,
        "progress": bool(args.progress and sys.stderr.isatty()),
    }
    params = inspect.signature(fn).parameters
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        if "reps" not in params:  # accept the usual spellings of the replication count
            for alias in ("n_reps", "n_sims", "n_sim", "replications", "n_rep"):
                if alias in params:
                    wanted[alias] = wanted.pop("reps")
                    break
        wanted = {k: v for k, v in wanted.items() if k in params}
    result = fn(**wanted)
    _print_result(result)
    if args.out:
        _wrote(*_write_table(result.table, args.out, "Power"))
    return EXIT_OK


# --------------------------------------------------------------------------- parser


def _add_read_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("reading the data file")
    g.add_argument(
        "--sheet", metavar="NAME", help="Excel sheet name or 0-based index (default: first)"
    )
    g.add_argument(
        "--missing-codes", nargs="+", metavar="CODE", help="values meaning missing, e.g. -9 99"
    )
    g.add_argument(
        "--drop-previews", action="store_true", help="drop Qualtrics preview/test responses"
    )


def _add_out(p: argparse.ArgumentParser, what: str = "the table") -> None:
    p.add_argument(
        "--out",
        metavar="FILE",
        help=f"write {what} to FILE (.csv, .xlsx, .docx, .md, .html or .tex)",
    )


def _add_progress(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-progress", dest="progress", action="store_false",
                   help="no progress bar on long steps (shown on a terminal by default)")  # fmt: skip


def _add_seed(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=int, default=20261122, help="random seed (default 20261122)")


def _add_n_boot(
    p: argparse.ArgumentParser,
    default: int | None = 5000,
    help_text: str = "bootstrap resamples (default 5000)",
) -> None:
    p.add_argument("--n-boot", type=_int_at_least(1), default=default, metavar="N", help=help_text)


def _int_at_least(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return parse


def _n_jobs(text: str) -> int:
    """A joblib worker count: 1 or more, or -1 (all cores), -2 (all but one), ..."""
    import os

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    cores = os.cpu_count() or 1
    if value == 0 or value < -cores:
        raise argparse.ArgumentTypeError(
            f"must be 1 or more, or -1 for all {cores} cores (-2 for all but one), got {value}"
        )
    return value


_Subparsers = argparse._SubParsersAction  # the object add_subparsers() returns


def _command(sub: _Subparsers[Any], name: str, help_: str, epilog: str) -> argparse.ArgumentParser:
    """A subcommand whose help shows ``help_`` and the examples in ``epilog``."""
    p: argparse.ArgumentParser = sub.add_parser(
        name,
        help=help_,
        description=help_,
        epilog="examples:\n" + epilog,
        formatter_class=_Formatter,
    )
    p.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the full traceback on errors",
    )
    return p


def _add_score(sub: _Subparsers[Any]) -> None:
    p = _command(sub, "score", "Score survey scales (one score per subscale and respondent).",
                 "  learning-direction score survey.csv --scale learning_direction\n"
                 "  learning-direction score export.sav --scale learning_direction --scale mentor_engagement \\\n"
                 "      --columns items.yaml --id ResponseId --out scores.csv\n"
                 "  (items.yaml maps item ids to export columns, e.g. `ld_up_1: Q2_1`; R: psych::scoreItems)")  # fmt: skip
    p.add_argument(
        "data", metavar="DATA", help="survey file (.csv, .tsv, .xlsx, .sav, .dta, Qualtrics export)"
    )
    p.add_argument("--scale", action="append", required=True, metavar="NAME",
                   help="bundled scale name or path to a scale YAML (repeat for several)")  # fmt: skip
    p.add_argument(
        "--columns", metavar="MAP.yaml", help="YAML map item_id: column for renamed export columns"
    )
    p.add_argument("--id", metavar="COLUMN", help="id column to put first in the --out file")
    p.add_argument(
        "--invalid",
        choices=("raise", "missing"),
        default="raise",
        help="answers outside the response range or not numbers: stop with an error (raise, "
        "the default) or set them to missing and list them (missing)",
    )
    _add_out(p, "the scores")
    _add_read_options(p)
    p.set_defaults(handler=_cmd_score)


def _add_reliability(sub: _Subparsers[Any]) -> None:
    p = _command(sub, "reliability", "Cronbach's alpha, omega and item statistics of a scale.",
                 "  learning-direction reliability survey.csv --scale learning_direction --out alpha.md\n"
                 "  (R: psych::alpha, psych::omega)")  # fmt: skip
    p.add_argument("data", metavar="DATA", help="survey file")
    p.add_argument(
        "--scale",
        action="append",
        required=True,
        metavar="NAME",
        help="scale name or YAML path (repeatable)",
    )
    p.add_argument("--columns", metavar="MAP.yaml", help="YAML map item_id: column")
    _add_out(p)
    _add_read_options(p)
    p.set_defaults(handler=_cmd_reliability)


def _add_mediate(sub: _Subparsers[Any]) -> None:
    p = _command(sub, "mediate", "Mediation with bootstrap CIs for the indirect effects (PROCESS models 4 and 6).",
                 "  learning-direction mediate data.csv --x downward --m learning_opportunity --y engagement\n"
                 "  learning-direction mediate data.csv --x cond --m m1 --m m2 --serial --y y --n-boot 10000 \\\n"
                 "      --ci bca --seed 42 --out mediation.csv\n"
                 "  (PROCESS model 4 / model 6; R: lavaan with bootstrapped := parameters)")  # fmt: skip
    p.add_argument("data", metavar="DATA", help="data file")
    p.add_argument("--x", required=True, metavar="X", help="predictor column")
    p.add_argument(
        "--m",
        action="append",
        required=True,
        metavar="M",
        help="mediator column (repeat for parallel/serial)",
    )
    p.add_argument("--y", required=True, metavar="Y", help="outcome column")
    p.add_argument("--covariates", nargs="+", metavar="C", help="covariate columns")
    p.add_argument(
        "--serial",
        action="store_true",
        help="serial mediators in the order given (PROCESS model 6)",
    )
    p.add_argument(
        "--cluster", metavar="COLUMN", help="resample clusters (e.g. mentor_id) in the bootstrap"
    )
    _add_n_boot(p)
    p.add_argument(
        "--ci",
        choices=["percentile", "bca", "monte_carlo"],
        default="percentile",
        help="interval method",
    )
    _add_seed(p)
    _add_progress(p)
    _add_out(p)
    _add_read_options(p)
    p.set_defaults(handler=_cmd_mediate)


def _add_moderate(sub: _Subparsers[Any]) -> None:
    p = _command(sub, "moderate", "Moderation: the X x W interaction, simple slopes and Johnson-Neyman (PROCESS model 1).",
                 "  learning-direction moderate data.csv --x downward --w tenure --y engagement --out probes.csv\n"
                 "  (PROCESS model 1; R: interactions::sim_slopes, johnson_neyman)")  # fmt: skip
    p.add_argument("data", metavar="DATA", help="data file")
    p.add_argument("--x", required=True, metavar="X", help="predictor column")
    p.add_argument("--w", required=True, metavar="W", help="moderator column")
    p.add_argument("--y", required=True, metavar="Y", help="outcome column")
    p.add_argument("--covariates", nargs="+", metavar="C", help="covariate columns")
    _add_out(p)
    _add_read_options(p)
    p.set_defaults(handler=_cmd_moderate)


def _add_list_scales(sub: _Subparsers[Any]) -> None:
    p = _command(sub, "list-scales", "List the bundled scales (names to use with --scale).",
                 "  learning-direction list-scales\n"
                 "  learning-direction list-scales --out scales.xlsx")  # fmt: skip
    _add_out(p, "the list")
    p.set_defaults(handler=_cmd_list_scales)


def _add_regress(sub: _Subparsers[Any]) -> None:
    p = _command(sub, "regress", "Linear regression (OLS) with classical, HC3 or cluster-robust SEs.",
                 "  learning-direction regress scores.csv --formula \"mentor_engagement ~ downward + upward + lateral\" \\\n"
                 "      --se HC3 --out regression.docx\n"
                 "  learning-direction regress pairs.xlsx --sheet pairs --formula \"y ~ x\" --se cluster --cluster mentor_id\n"
                 "  (R: lm() with sandwich::vcovHC(type = \"HC3\") or vcovCL)")  # fmt: skip
    p.add_argument(
        "data", metavar="DATA", help="data file (.csv, .xlsx, .sav, .dta, Qualtrics export)"
    )
    p.add_argument(
        "--formula", required=True, metavar="FORMULA", help='model formula, e.g. "y ~ x + w"'
    )
    p.add_argument("--se", choices=("classical", "HC0", "HC1", "HC2", "HC3", "HC4", "cluster"),
                   default="classical", help="standard errors (default classical)")  # fmt: skip
    p.add_argument("--cluster", metavar="COLUMN", help="cluster column for --se cluster")
    _add_out(p)
    _add_read_options(p)
    p.set_defaults(handler=_cmd_regress)


def _add_mixed(sub: _Subparsers[Any]) -> None:
    p = _command(sub, "mixed", "Linear mixed model (random intercepts/slopes; lme4 with lmerTest df).",
                 "  learning-direction mixed mentees.csv --formula \"hireability ~ mentor_engagement\" --groups mentor_id\n"
                 "  learning-direction mixed d.csv --formula \"y ~ x\" --groups g --re-formula \"~ x\" --df-method kenward-roger \\\n"
                 "      --out mixed.xlsx\n"
                 "  (R: lmerTest::lmer(y ~ x + (x | g)))")  # fmt: skip
    p.add_argument("data", metavar="DATA", help="data file")
    p.add_argument("--formula", required=True, metavar="FORMULA", help="fixed-effects formula")
    p.add_argument(
        "--groups", required=True, metavar="COLUMN", help="grouping column (e.g. mentor_id)"
    )
    p.add_argument(
        "--re-formula",
        metavar="FORMULA",
        help='random slopes, e.g. "~ x" (default: intercept only)',
    )
    p.add_argument("--ml", action="store_true", help="fit by ML instead of REML")
    p.add_argument("--df-method", choices=("satterthwaite", "kenward-roger", "wald"),
                   default="satterthwaite", help="denominator df of the t tests (default satterthwaite)")  # fmt: skip
    _add_out(p)
    _add_read_options(p)
    p.set_defaults(handler=_cmd_mixed)


def _add_cfa(sub: _Subparsers[Any]) -> None:
    p = _command(sub, "cfa", "Confirmatory factor analysis of a scale (its subscales as factors; lavaan conventions).",
                 "  learning-direction cfa survey.csv --scale learning_direction\n"
                 "  learning-direction cfa export.sav --scale learning_direction --columns items.yaml --missing fiml \\\n"
                 "      --out cfa.docx\n"
                 "  (R: lavaan::cfa(model, data, missing = \"fiml\"))")  # fmt: skip
    p.add_argument("data", metavar="DATA", help="survey file")
    p.add_argument(
        "--scale", required=True, metavar="NAME", help="bundled scale name or path to a scale YAML"
    )
    p.add_argument("--columns", metavar="MAP.yaml", help="YAML map item_id: column")
    p.add_argument("--missing", choices=("listwise", "fiml"), default="listwise",
                   help="missing answers: listwise deletion (default) or FIML")  # fmt: skip
    p.add_argument(
        "--estimator", choices=("ML", "MLR"), default="ML", help="estimator (default ML)"
    )
    _add_out(p)
    _add_read_options(p)
    p.set_defaults(handler=_cmd_cfa)


def _add_study(sub: _Subparsers[Any]) -> None:
    p = _command(sub, "study", "Run one study's pipeline (on its bundled simulated data, or on your data).",
                 "  learning-direction study study2a --out results/study2a --seed 1\n"
                 "  learning-direction study study3 --data my_field_study.csv --out results/study3")  # fmt: skip
    p.add_argument("name", metavar="NAME", help="study name (e.g. study1, study2a, study3, study4)")
    p.add_argument(
        "--data", metavar="FILE", help="use this data file instead of the bundled dataset"
    )
    p.add_argument("--out", metavar="DIR", help="folder for the tables and figures")
    _add_seed(p)
    _add_n_boot(p)
    _add_progress(p)
    _add_read_options(p)
    p.set_defaults(handler=_cmd_study)


def _add_report(sub: _Subparsers[Any]) -> None:
    p = _command(sub, "report", "Build the HTML report of every study on the bundled data.",
                 "  learning-direction report --out reports --seed 20261122")  # fmt: skip
    p.add_argument(
        "--out", default="reports", metavar="DIR", help="output folder (default: reports)"
    )
    _add_seed(p)
    _add_n_boot(p, default=None)
    _add_progress(p)
    p.set_defaults(handler=_cmd_report)


def _add_evaluate(sub: _Subparsers[Any]) -> None:
    p = _command(sub, "evaluate", "Evaluate a mentoring program from its survey exports (one HTML report).",
                 "  learning-direction evaluate examples/evaluation.yaml\n"
                 "  learning-direction evaluate my_program.yaml --out reports/2025\n"
                 "  learning-direction evaluate my_program.yaml --check     # only validate the config")  # fmt: skip
    p.add_argument(
        "config", metavar="CONFIG", help="evaluation config (YAML; see examples/evaluation.yaml)"
    )
    p.add_argument("--out", metavar="DIR", help="output folder (default: `output` in the config)")
    p.add_argument(
        "--check", action="store_true", help="validate the config and its files, then stop"
    )
    p.set_defaults(handler=_cmd_evaluate)


def _add_simulate(sub: _Subparsers[Any]) -> None:
    p = _command(sub, "simulate", "Write the bundled simulated study datasets.",
                 "  learning-direction simulate --all --out data --seed 20261122\n"
                 "  learning-direction simulate study1 study3 --out /tmp/sim --seed 7")  # fmt: skip
    p.add_argument("names", nargs="*", metavar="NAME", help="datasets to write")
    p.add_argument("--all", action="store_true", help="write every dataset")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    _add_seed(p)
    p.set_defaults(handler=_cmd_simulate)


def _add_power(sub: _Subparsers[Any]) -> None:
    p = _command(sub, "power", "Power of a simple mediation design (X -> M -> Y) by simulation, over sample sizes.",
                 "  learning-direction power --a 0.3 --b 0.3 --c-prime 0.1 --n 50 100 150 200 --reps 1000 --seed 1\n"
                 "  (R: pwrss / Schoemann et al.'s Monte Carlo power for indirect effects)")  # fmt: skip
    p.add_argument("--a", type=float, required=True, help="standardised X -> M path")
    p.add_argument("--b", type=float, required=True, help="standardised M -> Y path")
    p.add_argument("--c-prime", type=float, default=0.0, help="direct X -> Y path (default 0)")
    p.add_argument(
        "--n", type=_int_at_least(4), nargs="+", required=True, metavar="N", help="sample sizes"
    )
    p.add_argument(
        "--reps",
        type=_int_at_least(1),
        default=1000,
        help="simulated datasets per n (default 1000)",
    )
    p.add_argument(
        "--method",
        choices=("monte_carlo", "percentile", "joint"),
        default="monte_carlo",
        help="test of the indirect effect: Monte Carlo CI (default), percentile bootstrap CI "
        "or joint significance",
    )
    _add_n_boot(
        p,
        default=None,
        help_text="Monte Carlo draws (default 5000) or bootstrap resamples (default 1000) "
        "per dataset",
    )
    p.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    _add_seed(p)
    p.add_argument(
        "--n-jobs", type=_n_jobs, default=None, metavar="J",
        help="sample sizes run in parallel (joblib; -1 = all cores, -2 = all but one)",
    )  # fmt: skip
    _add_progress(p)
    _add_out(p)
    p.set_defaults(handler=_cmd_power)


#: the subcommands, in the order `learning-direction --help` lists them
_SUBCOMMANDS: tuple[Callable[[_Subparsers[Any]], None], ...] = (
    _add_list_scales,
    _add_score,
    _add_reliability,
    _add_regress,
    _add_mixed,
    _add_cfa,
    _add_mediate,
    _add_moderate,
    _add_study,
    _add_report,
    _add_evaluate,
    _add_simulate,
    _add_power,
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = _Parser(
        prog=PROG,
        formatter_class=_Formatter,
        description="Mentoring research toolkit: score scales, check reliability, run mediation and "
        "moderation models that match R, reproduce the studies, and evaluate a program's survey.",
        epilog="examples:\n"
        "  learning-direction score survey.csv --scale learning_direction --out scores.csv\n"
        "  learning-direction mediate data.csv --x downward --m learning_opportunity --y engagement --seed 1\n"
        "  learning-direction evaluate examples/evaluation.yaml --out reports/evaluation\n"
        "  learning-direction simulate --all --out data --seed 20261122\n\n"
        "Run `learning-direction COMMAND --help` for the options of a command.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for add in _SUBCOMMANDS:
        add(sub)
    return parser


# --------------------------------------------------------------------------- main


#: the longest line an error or warning prints (a message never grows with its input)
MAX_MESSAGE = 2000


def _capped(text: str) -> str:
    """``text`` on one line, cut at :data:`MAX_MESSAGE` characters (saying how long it was)."""
    one = " ".join(text.split())
    if len(one) <= MAX_MESSAGE:
        return one
    return f"{one[:MAX_MESSAGE]}… (message cut: {len(one):,} characters)"


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return _capped(_cli_hint(text))


def _is_bad_input(exc: BaseException) -> bool:
    from .exceptions import LearningDirectionError

    if isinstance(
        exc,
        LearningDirectionError
        | _BadInput
        | FileNotFoundError
        | PermissionError
        | IsADirectoryError
        | NotADirectoryError,
    ):
        return True
    if isinstance(exc, OSError) and exc.errno in _FULL_OR_READ_ONLY:
        return True  # the place the user chose to write to, not a bug of ours
    if "yaml" in sys.modules:
        import yaml

        if isinstance(exc, yaml.YAMLError):
            return True
    return False


#: errno values of a full disk, an exhausted quota and a read-only file system
_FULL_OR_READ_ONLY = frozenset(
    getattr(errno, name) for name in ("ENOSPC", "EDQUOT", "EROFS") if hasattr(errno, name)
)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno in _FULL_OR_READ_ONLY:
        from ._core.outputs import describe_os_error

        return _capped(describe_os_error(exc, Path(exc.filename or "the output")))
    if isinstance(exc, OSError) and exc.filename is not None:
        return _capped(f"{exc.filename}: {exc.strerror or exc}")
    return _one_line(exc)


def _install_warning_format() -> Any:
    import warnings

    previous = warnings.showwarning

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        print(f"warning: {_capped(str(message))}", file=sys.stderr)

    warnings.showwarning = show
    return previous


def _tune_allocator() -> None:
    """Serve large blocks (1 MiB and more) straight from the operating system (glibc).

    A command working through a large export allocates and frees many column-sized arrays;
    glibc's default then moves such blocks onto its heap, which fragments and is never given
    back, so the process's memory stays near the sum of everything it ever held. A fixed
    threshold returns each freed array at once (some 20 MB off the peak of ``score --id`` on
    a 2,000,000-row file). Elsewhere (macOS, Windows, musl) nothing happens.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 bad input, 1 unexpected error)."""
    import warnings

    args_list = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args_list
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except _BadInput as exc:
        _say(f"error: {_one_line(exc)}", err=True)
        return EXIT_BAD_INPUT
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0) if isinstance(exc.code, int) else EXIT_OK
    if args.version:
        from . import __version__

        _say(f"{PROG} {__version__}")
        return EXIT_OK
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_OK
    # the running command decides how hints are worded; it is forgotten when main() returns,
    # so a later in-process call (a notebook, a test) does not inherit it
    _STATE["command"] = getattr(args, "command", None)
    previous = _install_warning_format()
    _tune_allocator()
    try:
        return int(handler(args) or 0)
    except KeyboardInterrupt:
        _say("error: interrupted", err=True)
        return EXIT_INTERRUPTED
    except _Unavailable as exc:
        if debug:
            raise
        _say(f"error: {_one_line(exc)}", err=True)
        return EXIT_UNEXPECTED
    except Exception as exc:
        if debug:
            raise
        if _is_bad_input(exc):
            _say(f"error: {_describe(exc)}", err=True)
            return EXIT_BAD_INPUT
        _say(
            f"error: unexpected {type(exc).__name__}: {_one_line(exc)} "
            f"(rerun with --debug to see the traceback, and please report it)",
            err=True,
        )
        return EXIT_UNEXPECTED
    finally:
        warnings.showwarning = previous
        _STATE.pop("command", None)


if __name__ == "__main__":  # pragma: no cover - `python -m learning_direction.cli`
    sys.exit(main())
