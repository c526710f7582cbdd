"""The ``learning-direction`` command line.

Every subcommand imports the heavy libraries (pandas, statsmodels, matplotlib, ...) inside its
handler, so ``learning-direction --help`` starts fast. A bad input prints one line
``error: ...`` and exits with status 2; an unexpected failure prints one line and a hint to rerun
with ``--debug`` (which shows the traceback) and exits with status 1.
"""

from __future__ import annotations

import argparse
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


def _read_data(args: argparse.Namespace) -> Any:
    """Read the DATA argument with read_survey, honouring the common read options."""
    from .intake.io import read_survey

    survey = read_survey(
        args.data,
        sheet=_sheet(args.sheet),
        missing_codes=_codes(args.missing_codes),
        drop_previews=args.drop_previews,
    )
    for note in survey.report.notes:
        _say(f"note: {_cli_hint(note)}", err=True)
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


def _write_table(table: Any, out: str, title: str = "") -> Path:
    """Write a DataFrame as .csv, .md, .html, .xlsx, .docx or .tex (by the extension of ``out``).

    CSV keeps full precision (text that a spreadsheet would run as a formula is neutralised);
    the others show the APA table (headers *b*, *SE*, *p*; see ``ResultMixin.to_docx``).
    """
    import html

    from ._core.export import ExportTable, neutralise_frame, write_docx, write_excel, write_latex
    from ._core.results import table_to_html

    path = Path(out)
    suffix = path.suffix.lower()
    if suffix not in _OUT_SUFFIXES:
        raise _BadInput(f"--out {out}: use a file ending in .csv, .xlsx, .docx, .md, .html or .tex")
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    export = [ExportTable(title or "Table", table)]
    if suffix == ".csv":
        neutralise_frame(table).to_csv(path, index=False)
    elif suffix == ".md":
        path.write_text(_markdown(table), encoding="utf-8")
    elif suffix == ".xlsx":
        write_excel(export, path)
    elif suffix == ".docx":
        write_docx(export, path)
    elif suffix == ".tex":
        write_latex(export, path)
    else:
        body = table_to_html(table)
        doc = (
            "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title></head><body>"
            f"<h1>{html.escape(title)}</h1>{body}</body></html>\n"
        )
        path.write_text(doc, encoding="utf-8")
    return path


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
    df = _read_data(args)
    columns = _column_map(args.columns) if args.columns else None
    scales = args.scale if len(args.scale) > 1 else args.scale[0]
    result = score(df, scales, columns=columns, id_column=args.id, invalid=args.invalid)
    _print_result(result)
    if args.out:
        scores = result.scores
        if args.id:
            scores = pd.concat([df[[args.id]], scores], axis=1)
        else:
            scores = scores.rename_axis("row").reset_index()
        written = _write_table(scores, args.out, "Scale scores")
        _say(f"wrote {written}", err=True)
    return EXIT_OK


def _column_map(map_path: str) -> dict[str, str]:
    """Read a YAML map ``item_id: column`` (or ``scale: {item_id: column}``)."""
    import yaml

    path = Path(map_path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f", line {mark.line + 1}" if mark is not None else ""
        raise _BadInput(f"{path}{at}: malformed YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(raw, dict) or not raw:
        raise _BadInput(
            f"{path}: expected a mapping item_id: column (or scale: {{item_id: column}})"
        )
    mapping: dict[str, str] = {}
    for key, value in raw.items():
        if isinstance(value, dict):
            mapping.update({str(k): str(v) for k, v in value.items()})
        elif isinstance(value, str | int):
            mapping[str(key)] = str(value)
        else:
            raise _BadInput(f"{path}: key '{key}': expected a column name, got {value!r}")
    return mapping


def _cmd_reliability(args: argparse.Namespace) -> int:
    import pandas as pd

    reliability = _api("reliability", "reliability")
    df = _read_data(args)
    columns = _column_map(args.columns) if args.columns else None
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
        _say(f"wrote {_write_table(table, args.out, 'Reliability')}", err=True)
    return EXIT_OK


def _cmd_mediate(args: argparse.Namespace) -> int:
    mediate = _api("mediate", "mediate")
    df = _read_data(args)
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
        _write_result(result, result.table, args.out, "Mediation")
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


def _write_result(result: Any, table: Any, out: str, title: str) -> None:
    """``--out``: .xlsx/.docx/.tex through the result's exports, the rest as a table file."""
    suffix = Path(out).suffix.lower()
    if suffix in (".xlsx", ".docx", ".tex") and hasattr(result, "to_excel"):
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        writer = {".xlsx": result.to_excel, ".docx": result.to_docx, ".tex": result.to_latex}
        writer[suffix](out)
        _say(f"wrote {out}", err=True)
        return
    _say(f"wrote {_write_table(table, out, title)}", err=True)


def _cmd_list_scales(args: argparse.Namespace) -> int:
    list_scales = _api("list_scales", "list-scales")
    table = list_scales()
    shown = table[["name", "title", "respondent", "n_items", "subscales", "response"]]
    _print_apa("Bundled scales (use a name with --scale)", shown)
    if args.out:
        _say(f"wrote {_write_table(table, args.out, 'Bundled scales')}", err=True)
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
        _write_result(result, result.table, args.out, "Regression")
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
        _write_result(result, result.table, args.out, "Mixed model")
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
        _write_result(result, result.table, args.out, "CFA")
    return EXIT_OK


def _cmd_moderate(args: argparse.Namespace) -> int:
    moderate = _api("moderate", "moderate")
    df = _read_data(args)
    result = moderate(df, x=args.x, w=args.w, y=args.y, covariates=list(args.covariates or []))
    _print_result(result)
    if args.out:
        _say(f"wrote {_write_table(_result_table(result), args.out, 'Moderation')}", err=True)
    return EXIT_OK


def _cmd_study(args: argparse.Namespace) -> int:
    run_study = _api("run_study", "study")
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
        saved = result.save(Path(args.out))
        _say(f"wrote {saved if saved is not None else args.out}", err=True)
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    mod = _backend("learning_direction.studies.report", "report")
    extra: dict[str, Any] = {"progress": args.progress and sys.stderr.isatty(), "log": sys.stderr}
    if args.n_boot is not None:
        extra["n_boot"] = args.n_boot
    index = mod.build_report(Path(args.out), seed=args.seed, **extra)
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
        sheets = {n: st.survey.report.sheet for n, st in prepared.datasets.items()}
        files = ", ".join(
            f"{n}: {cfg.data.file(n).path}" + (f" (sheet '{sheets[n]}')" if sheets.get(n) else "")
            for n in cfg.data.configured()
        )
        _say(f"config OK: {args.config} ({files}; {len(cfg.scales)} scale(s); output {cfg.output})")
        return EXIT_OK
    out = Path(args.out) if args.out else None
    index = mod.run_evaluation(Path(args.config), out_dir=out)
    _say(f"report written to {index}")
    return EXIT_OK


def _cmd_simulate(args: argparse.Namespace) -> int:
    if not args.all and not args.names:
        raise _BadInput("name the datasets to simulate (e.g. study1 study2) or pass --all")
    if args.all and args.names:
        raise _BadInput("give dataset names or --all, not both")
    mod = _backend("learning_direction.simulate", "simulate")
    write = getattr(mod, "write_datasets", None)
    if write is None:
        raise _Unavailable(
            "'simulate' is not available yet in this version (learning_direction.simulate.write_datasets is missing)"
        )
    paths = write(Path(args.out), seed=args.seed, names=None if args.all else list(args.names))
    for p in paths:
        _say(str(p))
    return EXIT_OK


def _cmd_power(args: argparse.Namespace) -> int:
    import inspect

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
        _say(f"wrote {_write_table(result.table, args.out, 'Power')}", err=True)
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
        "--n-jobs", type=int, default=None, metavar="J",
        help="sample sizes run in parallel (joblib; -1 = all cores)",
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


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return _cli_hint(" ".join(text.split()))


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
    if "yaml" in sys.modules:
        import yaml

        if isinstance(exc, yaml.YAMLError):
            return True
    return False


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror or exc}"
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
        print(f"warning: {' '.join(str(message).split())}", file=sys.stderr)

    warnings.showwarning = show
    return previous


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
    _STATE["command"] = getattr(args, "command", None)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_OK
    previous = _install_warning_format()
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


if __name__ == "__main__":  # pragma: no cover - `python -m learning_direction.cli`
    sys.exit(main())
