"""The ``stickiness`` command: a thin typer layer over the public API (no statistics here).

A user mistake (bad file, bad data, bad model, bad option) prints one red line and exits with code 2.
Every command checks its arguments (:mod:`._validation`), its input files and its output path
(:mod:`._io`) before any work, never writes over an input, and writes its files atomically.
"""

from __future__ import annotations

import dataclasses
import errno
import functools
import json
import re
import sys
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from typer import rich_utils as typer_rich_utils

from ._io import atomic_path, check_input, check_output, check_outputs, write_text
from ._validation import (
    N_JOBS,
    NON_NEGATIVE_INT,
    POSITIVE_INT,
    InstanceOf,
    Interval,
    ListOf,
    Options,
    Satisfies,
    check,
)
from .errors import (
    ModelSpecError,
    ParameterError,
    QuestionnaireError,
    ResponseDataError,
    StickinessError,
    StudyConfigError,
)

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Study why users keep coming back: questionnaires, simulation, SEM and reports.")
out = Console()
err = Console(stderr=True)
REPORT_LANGUAGES = ("en", "zh")
Q_HINT = "Check the path; built-in questionnaires live in questionnaires/."
# the tail of every --dask-scheduler option's help (power, fit and pls --bootstrap, classroom)
ON_DASK = "on a Dask cluster, e.g. tcp://10.0.0.5:8786 (same results as a local run; --n-jobs is then ignored)."


def _say(kind: str, style: str, message: str) -> None:
    """One line on stderr, never read as rich markup (messages quote ranges like [1, inf))."""
    line = " ".join(part.strip() for part in str(message).splitlines() if part.strip())
    err.print(Text.assemble((f"{kind}:", style), " ", line), highlight=False, soft_wrap=True)


def _one_line_usage_error(exc: Any) -> None:
    """typer draws a multi-line box for an option value it cannot parse (e.g. ``-n nan``); the contract is one
    line. typer looks this function up at call time, so replacing it is enough; help stays as it is."""
    if type(exc).__name__ == "NoArgsIsHelpError":
        _typer_format_error(exc)
        return
    hint = f" See '{exc.ctx.command_path} --help'." if getattr(exc, "ctx", None) is not None else ""
    _say("error", "bold red", f"{exc.format_message().rstrip('.')}.{hint}")


_typer_format_error = typer_rich_utils.rich_format_error
typer_rich_utils.rich_format_error = _one_line_usage_error


def _loaded(module: str, name: str) -> Any:
    """A library's exception class if the library is already imported (``stickiness --help`` stays fast)."""
    return getattr(sys.modules.get(module), name, None)


def _user_error_types() -> tuple[type[BaseException], ...]:
    """Exceptions that mean a mistake in the user's options or files, or a problem of their disk; not a bug."""
    optional = [_loaded("pydantic", "ValidationError"), _loaded("pandas.errors", "ParserError"),
                _loaded("pandas.errors", "EmptyDataError"),
                _loaded("openpyxl.utils.exceptions", "InvalidFileException")]
    return (StickinessError, OSError, UnicodeDecodeError, zipfile.BadZipFile, *filter(None, optional))


# fit_sem's errors name its arguments; on the command line they are options (fit, invariance)
_AS_OPTIONS = [(re.compile(p), r) for p, r in [
    (r"\bordered=True\b", "--ordered all"), (r"\bordered=\[item names\]", "--ordered item1,item2"),
    (r"\bwith ordered=", "with --ordered"), (r"\bleave out ordered=", "leave out --ordered"),
    (r"\bgroup='\.\.\.'", "--group COLUMN"),
    (r"\b(missing|estimator|parameterization)='([^']*)'", r"--\1 \2"),
    (r"\bgroup_equal and group_partial\b", "--group-equal and --group-partial"),
    (r"\bleave estimator unset\b", "leave --estimator out"),
    (r"\bmeanstructure=False overridden\b", "--no-meanstructure overridden")]]


def _as_options(text: str) -> str:
    """An API error's ``name=value`` advice as the command's options."""
    for pattern, repl in _AS_OPTIONS:
        text = pattern.sub(repl, text)
    return text


def _user_message(exc: BaseException, kwargs: dict[str, Any]) -> str:
    """One line naming the file or option at fault and how to fix it."""
    if isinstance(exc, StickinessError):
        return _as_options(str(exc)) if "ordered" in kwargs else str(exc)
    inputs = [v for v in kwargs.values() if isinstance(v, Path) and v.is_file()]
    named = ", ".join(map(str, inputs)) or "an input file"
    if isinstance(exc, UnicodeDecodeError):
        bad = [p for p in inputs if not _is_utf8(p)]
        return (f"{', '.join(map(str, bad)) or named}: not UTF-8 text ({exc.reason} at byte {exc.start}); "
                "save it as UTF-8.")
    if isinstance(exc, OSError):
        fix = {errno.ENOSPC: "free some disk space or write elsewhere with -o",
               errno.EROFS: "write to a writable folder with -o", errno.EACCES: "check the permissions, or use -o",
               errno.EPERM: "check the permissions, or use -o", errno.ENOENT: "check the path"}
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc}; {fix.get(exc.errno, 'check the file and the disk')}."
    validation_error = _loaded("pydantic", "ValidationError")
    if validation_error is not None and isinstance(exc, validation_error):  # a setting built from the options
        first = exc.errors()[0]
        loc = ".".join(str(part) for part in first["loc"])
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        return f"invalid setting {loc}: {first['msg']}{more}; check the command's options."
    if not isinstance(exc, ValueError):  # zipfile.BadZipFile, openpyxl's InvalidFileException
        books = [p for p in inputs if p.suffix.lower() in (".xlsx", ".xlsm", ".xls")] or inputs
        return f"{', '.join(map(str, books)) or named}: not a valid Excel workbook ({exc}); re-save it from Excel."
    first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__  # pandas' ParserError, EmptyDataError
    return f"{named}: cannot be read as a table ({first_line})."


def _is_utf8(path: Path) -> bool:
    try:
        path.read_bytes().decode("utf-8")
        return True
    except (OSError, UnicodeDecodeError):
        return False


def _user_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn user mistakes into one readable red line and exit code 2; genuine bugs keep their traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")  # every warning of this run, even one seen before
                warnings.simplefilter("ignore", category=FutureWarning)
                result = fn(*args, **kwargs)
        except _user_error_types() as exc:  # on failure the error is the one line, warnings are dropped
            _say("error", "bold red", _user_message(exc, kwargs))
            raise typer.Exit(code=2) from None
        said: set[str] = set()
        for w in caught:  # our own warnings (screening, data) as one line each, once; others as Python shows them
            if w.category.__module__.partition(".")[0] == __name__.partition(".")[0]:
                if str(w.message) not in said:  # e.g. each level of an invariance sequence meets the same data
                    said.add(str(w.message))
                    _say("warning", "yellow", str(w.message))
            else:
                warnings.showwarning(w.message, w.category, w.filename, w.lineno)
        return result

    return wrapper


def _ordered_option(ordered: str | None, command: str) -> bool | list[str] | None:
    """``--ordered``: True for 'all', the item names, or None when the option is left out; given but empty it is
    refused (it would silently fit the items as continuous)."""
    if ordered is None:
        return None
    if not _names(ordered):
        raise ParameterError("--ordered", command, "'all' or comma-separated item names, e.g. int1,int2 (leave the "
                             "option out for continuous items)", ordered)
    return True if ordered.strip().lower() == "all" else _names(ordered)


def _warn_unless_noted(caught: list, notes: Any) -> None:
    """Warn again what a command caught, in the command's words (options, not Python arguments: _as_options),
    except what its results already carry as notes (printed with them, or in their JSON): each message once."""
    noted = {_as_options(str(n)) for n in notes}
    for w in caught:
        message = _as_options(str(w.message))
        if message not in noted:
            noted.add(message)
            warnings.warn_explicit(message, w.category, w.filename, w.lineno, source=w.source)


def _modindices_summary(fit: Any, top: int) -> Any:
    """The ``top`` largest modification indices of a fit, as a result of their own (text and JSON)."""
    from ._summary import Summary

    table = fit.modification_indices(top=top)
    notes = ["each index is the expected drop in chi-square from freeing that one parameter; freeing one changes the "
             "others, and a change made for an index must be refitted and reported as such."]
    if not len(table):
        notes = ["no parameter outside the model can be freed and still be identified (e.g. a saturated model)."]
    return Summary(f"Modification indices ({f'the {len(table)} largest; ' if len(table) else ''}lavaan's modindices())",
                   {"modindices": table} if len(table) else {}, notes=notes,
                   meta={"top": top, "listed": len(table)}, kind="ModificationIndices")


def _in_option_words(fit: Any) -> Any:
    """The fit with its notes in the command's words ("--missing ml uses them", not "missing='ml'"), as they are
    printed and written to its JSON."""
    return dataclasses.replace(fit, warnings=tuple(_as_options(w) for w in fit.warnings))


def _read_table(path: Path) -> Any:
    """The data file of ``fit``: delimiters, encodings and workbooks handled by the responses layer."""
    from .responses.readers import read_table

    check_input(path, ResponseDataError, "data file")
    return read_table(path)


def _minimum(model: Any, field: str) -> int:
    """The ``ge`` bound pydantic enforces on ``model.field`` (one source for the CLI's early check)."""
    return next((m.ge for m in model.model_fields[field].metadata if getattr(m, "ge", None) is not None), 1)


@app.command()
@_user_errors
def validate(questionnaire: Annotated[Path, typer.Argument(help="Questionnaire YAML file.")]) -> None:
    """Check a questionnaire file; print what it contains and any warnings."""
    from .questionnaire import QuestionnaireWarning, load_questionnaire

    check_input(questionnaire, QuestionnaireError, "file", Q_HINT)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", QuestionnaireWarning)
        q = load_questionnaire(questionnaire)
    out.print(f"[green]ok[/] {questionnaire}: {q.meta.id} v{q.meta.version} - {len(q.constructs)} constructs, "
              f"{len(q.items)} items, {len(q.attention_checks)} attention checks, {len(q.demographics)} "
              f"demographic/behaviour questions, {len(q.hypotheses)} hypotheses", highlight=False)
    for w in caught:
        if issubclass(w.category, QuestionnaireWarning):
            _say("warning", "yellow", str(w.message))


@app.command()
@_user_errors
def export(
    questionnaire: Annotated[Path, typer.Argument(help="Questionnaire YAML file.")],
    to: Annotated[str, typer.Option("--to", help="xlsform, wjx, codebook, html, sav or lavaan.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write.")],
    lang: Annotated[str | None, typer.Option(help="Language of wjx/html/sav exports (default: the "
                                             "questionnaire's).")] = None,
) -> None:
    """Export a questionnaire for a survey tool (XLSForm for Kobo/ODK, 问卷星 text) or for analysts."""
    from .questionnaire import load_questionnaire
    from .questionnaire.exporters import FORMATS, export_questionnaire

    check(to, "--to", "stickiness export", Options(FORMATS))
    check_input(questionnaire, QuestionnaireError, "file", Q_HINT)
    targets = [output.with_suffix(x) for x in (".json", ".csv", ".md")] if to == "codebook" else [output]
    check_outputs(targets, inputs=[questionnaire])
    q = load_questionnaire(questionnaire)
    if lang is not None:
        check(lang, "--lang", "stickiness export", Options(tuple(q.meta.languages)))
    path = export_questionnaire(q, to, output, language=lang)
    out.print(f"[green]wrote[/] {path}", highlight=False, soft_wrap=True)


@app.command()
@_user_errors
def schema(
    kind: Annotated[str, typer.Argument(help="questionnaire or study.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File to write (default: print it), e.g. "
                                                "questionnaires/questionnaire.schema.json.")] = None,
) -> None:
    """Print or write the JSON Schema of the questionnaire or study-config YAML, for editors.

    With '# yaml-language-server: $schema=PATH' as a YAML file's first line, editors check it as you type.
    """
    from .schemas import KINDS, schema_text, write_schema

    check(kind, "KIND", "stickiness schema", Options(KINDS))
    if output is None:
        sys.stdout.write(schema_text(kind))
        return
    write_schema(kind, output)
    out.print(f"wrote {output}", highlight=False, markup=False, soft_wrap=True)


@app.command()
@_user_errors
def clean(
    questionnaire: Annotated[Path, typer.Argument(help="Questionnaire YAML file the answers belong to.")],
    data: Annotated[Path, typer.Argument(help="Survey export (CSV, XLSX or SAV); never modified.")],
    source: Annotated[str, typer.Option(help="auto, csv, xlsx, wjx, qualtrics, limesurvey, sav or kobo.")] = "auto",
    output: Annotated[Path, typer.Option("-o", "--output", help="Cleaned CSV to write (also writes "
                                         "<name>_exclusions.csv, _flags.csv, _provenance.json).")]
    = Path("cleaned.csv"),
    longstring: Annotated[int | None, typer.Option(help="Exclude runs of identical answers longer than this "
                                                   "(>= 2).")] = None,
    mahalanobis: Annotated[bool, typer.Option(help="Exclude multivariate outliers (chi-square, .99).")] = False,
) -> None:
    """Read a survey export, flag careless responding, exclude by rule, and write the cleaned data with its audit."""
    from .questionnaire import load_questionnaire
    from .responses.quality import apply_exclusions, quality_flags
    from .responses.readers import SOURCES, read_responses

    check(source, "--source", "stickiness clean", Options(SOURCES))
    if longstring is not None:
        check(longstring, "--longstring", "stickiness clean", Interval(int, 2, None))
    check_input(questionnaire, QuestionnaireError, "file", Q_HINT)
    check_input(data, ResponseDataError, "data file")
    stem = output.with_suffix("")
    audit_path, flags_path, prov_path = (Path(f"{stem}_{x}") for x in ("exclusions.csv", "flags.csv",
                                                                       "provenance.json"))
    check_outputs([output, audit_path, flags_path, prov_path], inputs=[questionnaire, data])
    q = load_questionnaire(questionnaire)
    responses = read_responses(data, q, source=source)
    flags = quality_flags(responses.data, q)
    rules = {"attention": True, "speeder": True, "duplicate": True, "missing_share": 0.5,
             "mahalanobis": mahalanobis, "longstring": longstring}
    kept, audit = apply_exclusions(responses.data, flags, rules)
    for frame, path in ((kept, output), (audit, audit_path), (flags, flags_path)):
        with atomic_path(path) as tmp:
            frame.to_csv(tmp, index=False)
    write_text(prov_path, json.dumps(responses.provenance, indent=2, ensure_ascii=False) + "\n")
    by_rule = audit.groupby("rule")["respondent_id"].nunique().to_dict() if len(audit) else {}
    out.print(f"read {len(responses.data)} ({responses.provenance['source']}), excluded "
              f"{len(responses.data) - len(kept)} {by_rule}, wrote {len(kept)} to {output} "
              f"(audit: {audit_path})", markup=False, highlight=False, soft_wrap=True)


@app.command()
@_user_errors
def simulate(
    questionnaire: Annotated[Path, typer.Argument(help="Questionnaire YAML file with a population block.")],
    n: Annotated[int, typer.Option("-n", "--n", help="Number of respondents.")] = 500,
    seed: Annotated[int, typer.Option(help="Random seed, >= 0 (same seed, same data).")] = 1,
    careless: Annotated[float, typer.Option(help="Share of careless respondents, 0-1.")] = 0.0,
    missing: Annotated[float, typer.Option(help="Share of item answers missing completely at random, 0-1.")] = 0.0,
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV file to write.")] = Path("responses.csv"),
) -> None:
    """Simulate responses from the questionnaire's population model."""
    from .questionnaire import load_questionnaire
    from .simulate import simulate_responses

    check(n, "-n", "stickiness simulate", POSITIVE_INT)
    check(seed, "--seed", "stickiness simulate", NON_NEGATIVE_INT)
    for name, value in (("--careless", careless), ("--missing", missing)):
        check(value, name, "stickiness simulate", Interval(float, 0, 1, closed="left"))
    check_input(questionnaire, QuestionnaireError, "file", Q_HINT)
    check_output(output, inputs=[questionnaire])
    q = load_questionnaire(questionnaire)
    df = simulate_responses(q, n=n, seed=seed, careless=careless, missing=missing)
    with atomic_path(output) as tmp:
        df.to_csv(tmp, index=False)
    out.print(f"wrote {len(df)} respondents x {df.shape[1]} columns to {output}", highlight=False)


@app.command()
@_user_errors
def power(
    questionnaire: Annotated[Path | None, typer.Argument(help="Questionnaire YAML with a population block and "
                                                         "hypotheses (Monte Carlo power; not with --rmsea0).")]
    = None,
    n: Annotated[str | None, typer.Option("-n", "--n", help="Sample size: one N with --rmsea0 (prints its power); "
                                          "comma-separated sizes for Monte Carlo power (default 200,300,500).")] = None,
    rmsea0: Annotated[float | None, typer.Option("--rmsea0", help="RMSEA power (MacCallum et al. 1996): the null "
                                                 "RMSEA, e.g. .05 (close fit) or 0 (exact fit).")] = None,
    rmsea_a: Annotated[float | None, typer.Option("--rmsea-a", help="With --rmsea0: the alternative RMSEA, e.g. .08 "
                                                  "(below --rmsea0: test of not-close fit).")] = None,
    df: Annotated[int | None, typer.Option("--df", help="With --rmsea0: the model's degrees of freedom.")] = None,
    target: Annotated[float | None, typer.Option("--power", help="With --rmsea0: print the smallest N reaching this "
                                                 "power instead of the power at -n.")] = None,
    groups: Annotated[int, typer.Option(help="With --rmsea0: number of groups (N is the total).")] = 1,
    alpha: Annotated[float, typer.Option(help="Significance level.")] = 0.05,
    replications: Annotated[int, typer.Option(help="Monte Carlo: simulated datasets per sample size.")] = 200,
    seed: Annotated[int, typer.Option(help="Monte Carlo: random seed, >= 0.")] = 1,
    n_jobs: Annotated[int, typer.Option("--n-jobs", help="Monte Carlo: processes (-1 = all cores).")] = 1,
    dask_scheduler: Annotated[str | None, typer.Option("--dask-scheduler", help="Monte Carlo: fit the replications "
                                                       + ON_DASK)] = None,
    target_power: Annotated[float | None, typer.Option("--target", help="Monte Carlo: search the smallest N whose "
                                                       "simulated power reaches this, e.g. 0.8 (bisection over N; "
                                                       "instead of -n).")] = None,
    n_min: Annotated[int | None, typer.Option("--n-min", help="With --target: smallest N tried (default 50).")]
    = None,
    n_max: Annotated[int | None, typer.Option("--n-max", help="With --target: largest N tried (default 5000).")]
    = None,
    step: Annotated[int | None, typer.Option("--step", help="With --target: N is found to this many respondents "
                                             "(default 10).")] = None,
    hypotheses: Annotated[str | None, typer.Option("--hypotheses", help="With --target: comma-separated hypothesis "
                                                   "ids to plan for (default: all).")] = None,
    criterion: Annotated[str | None, typer.Option("--criterion", help="With --target: 'all' (one N at which every "
                                                  "hypothesis reaches the target; default) or 'each' (an N per "
                                                  "hypothesis).")] = None,
    figure: Annotated[Path | None, typer.Option("--figure", help="With --target: write the power curve to this "
                                                "file (.png, .svg or .pdf).")] = None,
    indirect: Annotated[str, typer.Option("--indirect", help="Monte Carlo: judge indirect effects by the delta "
                                          "method's Wald test ('delta') or by Monte Carlo intervals "
                                          "('montecarlo').")] = "delta",
    parameters: Annotated[bool, typer.Option("--parameters", help="Monte Carlo: add the power of every free "
                                             "parameter.")] = False,
    model_tests: Annotated[bool, typer.Option("--model-tests", help="Monte Carlo: add the rejection rates of the "
                                              "exact-fit and close-fit tests.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Power and sample size: of the RMSEA test of fit (--rmsea0 --rmsea-a --df, with -n or --power), or of each
    hypothesis by Monte Carlo simulation (QUESTIONNAIRE -n 200,300, or QUESTIONNAIRE --target 0.8 for the N)."""
    command = "stickiness power"
    check(alpha, "--alpha", command, Interval(float, 0, 1, closed="neither"))
    search_options = (("--n-min", n_min), ("--n-max", n_max), ("--step", step), ("--hypotheses", hypotheses),
                      ("--criterion", criterion), ("--figure", figure))
    if rmsea0 is not None:
        for name, value in (("--target", target_power), ("--dask-scheduler", dask_scheduler), *search_options):
            check(value, name, command, None, when="with --rmsea0 (Monte Carlo options; RMSEA power is analytic, "
                  "and --power gives its N)", shown=value if value is None else str(value))
        _rmsea_power_command(questionnaire, n, rmsea0, rmsea_a, df, target, groups, alpha, as_json)
        return
    for name, value in (("--rmsea-a", rmsea_a), ("--df", df), ("--power", target)):
        check(value, name, command, None, when="without --rmsea0 (they plan the RMSEA test; add --rmsea0; "
              "for Monte Carlo sample size use --target)")
    check(questionnaire, "QUESTIONNAIRE", command, InstanceOf(Path, "a questionnaire file"),
          when="(or give --rmsea0, --rmsea-a and --df for RMSEA power)")
    from .executor import connect
    from .planning import power as monte_carlo_power
    from .planning import sample_size
    from .questionnaire import load_questionnaire

    check(replications, "--replications", command, POSITIVE_INT)
    check(seed, "--seed", command, NON_NEGATIVE_INT)
    check(n_jobs, "--n-jobs", command, *N_JOBS)
    _check_scheduler_option(dask_scheduler, command)
    check(indirect, "--indirect", command, Options(("delta", "montecarlo")))
    if target_power is not None:
        for name, value in (("--parameters", parameters or None), ("--model-tests", model_tests or None)):
            check(value, name, command, None, when="with --target (the search plans for the hypotheses)",
                  shown=value if value is None else "given")
    if target_power is None:
        for name, value in search_options:
            check(value, name, command, None, when="without --target (they bound the search for N; add --target "
                  "0.8)", shown=value if value is None else str(value))
        sizes = _sample_sizes(n, command)
    else:
        check(target_power, "--target", command, Interval(float, 0, 1, closed="neither"))
        check(n, "-n", command, None, when="with --target (the search chooses N; bound it with --n-min and "
              "--n-max)")
        check(criterion, "--criterion", command, Options(("all", "each")), None)
        if figure is not None:
            check(figure.suffix.lower(), "--figure", command, Options((".png", ".svg", ".pdf")),
                  when="(the file's suffix)", shown=str(figure))
            check_output(figure, inputs=[questionnaire], option="--figure")
    check_input(questionnaire, QuestionnaireError, "file", Q_HINT)
    q = load_questionnaire(questionnaire)
    chosen = None if hypotheses is None else [h.strip() for h in hypotheses.split(",") if h.strip()]
    bounds = {"n_min": n_min, "n_max": n_max, "step": step, "criterion": criterion}
    with connect(dask_scheduler, command, "--dask-scheduler") as client:  # once, its errors naming the option
        if target_power is None:
            table = monte_carlo_power(q, n=sizes, replications=replications, seed=seed, alpha=alpha, n_jobs=n_jobs,
                                      scheduler=client, progress=not as_json, indirect=indirect,
                                      parameters=parameters, model_tests=model_tests)
        else:
            result = sample_size(q, target_power, hypotheses=chosen, replications=replications, seed=seed,
                                 alpha=alpha, n_jobs=n_jobs, scheduler=client, progress=not as_json,
                                 **{k: v for k, v in bounds.items() if v is not None})
    if target_power is None:
        if as_json:
            _print_results("power", table)
            return
        import pandas as pd

        with pd.option_context("display.width", 160, "display.float_format", "{:.3f}".format):
            out.print(table.to_string(index=False), highlight=False, markup=False, soft_wrap=True)
        return
    if figure is not None:
        with atomic_path(figure) as tmp:  # a pyplot-free Figure: nothing to close
            result.figure().savefig(tmp, dpi=150)
    if as_json:
        _print_results("power", result)
        return
    out.print(result.summary(), highlight=False, markup=False, soft_wrap=True)
    if figure is not None:
        out.print(f"wrote the power curve to {figure}", highlight=False, markup=False)


def _sample_sizes(n: str | None, command: str) -> list[int]:
    """-n as comma-separated sample sizes (Monte Carlo mode); none given: sr.power's default sizes."""
    if n is None:
        return [200, 300, 500]
    parts = [p.strip() for p in (n or "").split(",") if p.strip()]
    sizes = [int(p) if p.isdigit() else p for p in parts]
    check(sizes, "-n", command, ListOf(Interval(int, 30, None)), when="(comma-separated, e.g. -n 200,300,500)",
          shown=n)
    return sizes


def _rmsea_power_command(questionnaire: Path | None, n: str | None, rmsea0: float, rmsea_a: float | None,
                         df: int | None, target: float | None, groups: int, alpha: float, as_json: bool) -> None:
    """``stickiness power --rmsea0 ...``: one line (or JSON) with the power at -n or the N reaching --power."""
    from .planning import rmsea_power, rmsea_sample_size

    command = "stickiness power"
    check(questionnaire, "QUESTIONNAIRE", command, None, when="with --rmsea0 (RMSEA power needs only --df)",
          shown=None if questionnaire is None else str(questionnaire))
    check(rmsea0, "--rmsea0", command, Interval(float, 0, None))
    check(rmsea_a, "--rmsea-a", command, Satisfies(lambda v: v in Interval(float, 0, None) and v != rmsea0,
          f"a float in the range [0, inf) other than --rmsea0 ({rmsea0:g})"), when="with --rmsea0")
    check(df, "--df", command, POSITIVE_INT, when="with --rmsea0")
    check(groups, "--groups", command, POSITIVE_INT)
    if target is None:
        size = int(n) if n is not None and n.strip().isdigit() else n
        check(size, "-n", command, Interval(int, 2, None),
              when="with --rmsea0 (one total sample size; or give --power for the N that reaches it)")
    else:
        check(n, "-n", command, None, when="with --power (give -n for the power at that N, or --power for the N "
              "that reaches it, not both)")
        check(target, "--power", command, Interval(float, 0, 1, closed="neither"))
    args = {"rmsea0": rmsea0, "rmsea_a": rmsea_a, "df": df, "alpha": alpha, "groups": groups}
    test = "exact fit" if rmsea0 == 0 else "close fit" if rmsea0 < rmsea_a else "not-close fit"
    if target is None:
        value = rmsea_power(n=size, **args)
        row = {"test": test, **args, "n": size, "power": value}
        line = (f"power = {value:.4f}: test of {test} (RMSEA {rmsea0:g} against {rmsea_a:g}), df = {df}, "
                f"N = {size}{_groups_text(groups)}, alpha = {alpha:g}")
    else:
        value = rmsea_sample_size(power=target, **args)
        row = {"test": test, **args, "power": target, "n": value}
        line = (f"N = {value}{_groups_text(groups)}: smallest sample size with power >= {target:g} for the test "
                f"of {test} (RMSEA {rmsea0:g} against {rmsea_a:g}), df = {df}, alpha = {alpha:g}")
    if as_json:  # a bare number has no result type: its Summary, one row and the same values as meta
        import pandas as pd

        from ._summary import Summary

        solved = "power" if target is None else "n"
        _print_results("power", Summary(f"RMSEA power (MacCallum et al. 1996): test of {test}",
                                        {"rmsea power": pd.DataFrame([row])}, lines=[line],
                                        meta={**row, "solved_for": solved}, kind="RMSEAPower"))
    else:
        out.print(line, highlight=False, markup=False, soft_wrap=True)


def _groups_text(groups: int) -> str:
    return "" if groups == 1 else f" (total over {groups} groups)"


@app.command()
@_user_errors
def fit(
    model: Annotated[Path, typer.Option("--model", "-m", help="lavaan model syntax file (.lav) or a questionnaire "
                                        "YAML (its hypothesised model).")],
    data: Annotated[Path, typer.Option("--data", "-d", help="CSV or XLSX with one column per observed variable.")],
    group: Annotated[str | None, typer.Option(help="Column defining groups (multi-group model).")] = None,
    group_equal: Annotated[str, typer.Option("--group-equal", help="Comma-separated lavaan group.equal types, "
                                             "e.g. loadings,intercepts.")] = "",
    group_partial: Annotated[str, typer.Option("--group-partial", help="Comma-separated parameters exempt from "
                                               "--group-equal, e.g. 'visual=~x2,x3~1'.")] = "",
    std_lv: Annotated[bool, typer.Option("--std-lv", help="Identify factors by unit variances (lavaan "
                                         "std.lv = TRUE).")] = False,
    orthogonal: Annotated[bool, typer.Option("--orthogonal", help="Latent covariances the model does not write "
                                             "are 0 (lavaan orthogonal = TRUE).")] = False,
    fixed_x: Annotated[bool, typer.Option("--fixed-x/--no-fixed-x", help="Observed covariates' moments fixed at the "
                                          "sample's (lavaan fixed.x; default on).")] = True,
    meanstructure: Annotated[bool | None, typer.Option("--meanstructure/--no-meanstructure", help="Model means and "
                                                       "intercepts (default: lavaan's rule).")] = None,
    model_type: Annotated[str, typer.Option("--model-type", help="sem, cfa, or growth (lavaan's growth(): "
                                            "intercepts 0, latent means free).")] = "sem",
    estimator: Annotated[str | None, typer.Option(help="ML, MLR (robust SEs and scaled chi-square), or for ordered "
                                                  "items WLSMV (default with --ordered), DWLS, ULSMV, ULS.")] = None,
    ordered: Annotated[str | None, typer.Option(help="Ordered (Likert) items fitted by WLSMV: 'all', or "
                                                "comma-separated names, e.g. int1,int2.")] = None,
    parameterization: Annotated[str, typer.Option(help="For ordered items: delta (lavaan's default) or "
                                                  "theta.")] = "delta",
    missing: Annotated[str, typer.Option(help="listwise; ml (full-information ML for incomplete rows of continuous "
                                         "items); or with --ordered, pairwise (lavaan missing = \"pairwise\").")
                       ] = "listwise",
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples (0 = none; BCa needs at least 1000 and at "
                                           "least the number of respondents).")] = 0,
    seed: Annotated[int, typer.Option(help="Bootstrap seed, >= 0.")] = 1,
    ci: Annotated[str, typer.Option(help="Bootstrap interval: percentile or bca.")] = "percentile",
    n_jobs: Annotated[int, typer.Option("--n-jobs", help="Threads for the bootstrap (-1 = all cores).")] = 1,
    dask_scheduler: Annotated[str | None, typer.Option("--dask-scheduler", help="Bootstrap: fit the resamples "
                                                       + ON_DASK)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
    to_r: Annotated[Path | None, typer.Option("--to-r", help="Also write an R script (and SCRIPT_data.csv beside "
                                              "it: the model's columns only) that refits the model with lavaan "
                                              "and prints its estimates and fit measures.")] = None,
    modindices: Annotated[int, typer.Option("--modindices", help="Also print the N largest modification indices "
                                            "(lavaan's modindices(): MI, EPC, sepc.lv, sepc.all; 0 = none).")] = 0,
) -> None:
    """Fit a structural equation model (ML, MLR or, with --ordered, WLSMV; lavaan definitions) and print
    estimates and fit."""
    from .executor import connect
    from .sem import fit_sem
    from .sem.rscript import data_path_for

    check(bootstrap, "--bootstrap", "stickiness fit", NON_NEGATIVE_INT)
    check(modindices, "--modindices", "stickiness fit", NON_NEGATIVE_INT)
    check(seed, "--seed", "stickiness fit", NON_NEGATIVE_INT)
    check(ci, "--ci", "stickiness fit", Options(("percentile", "bca")))
    check(n_jobs, "--n-jobs", "stickiness fit", *N_JOBS)
    _check_scheduler_option(dask_scheduler, "stickiness fit")
    if not bootstrap:
        check(dask_scheduler, "--dask-scheduler", "stickiness fit", None, when="without --bootstrap (it runs the "
              "bootstrap's resamples; add --bootstrap 5000)")
    check_input(model, ModelSpecError, "model file")
    if to_r is not None:
        check_outputs([to_r, data_path_for(to_r)], inputs=[model, data], option="--to-r")
    syntax, frame = _model_and_data(model, data)
    equal = tuple(x.strip() for x in group_equal.split(",") if x.strip())
    partial = tuple(x.strip() for x in group_partial.split(",") if x.strip())
    ordered_arg = _ordered_option(ordered, "stickiness fit")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = fit_sem(syntax, frame, group=group, group_equal=equal, group_partial=partial, estimator=estimator,
                      missing=missing, std_lv=std_lv, model_type=model_type, ordered=ordered_arg,
                      parameterization=parameterization, orthogonal=orthogonal, fixed_x=fixed_x,
                      meanstructure=meanstructure)
    _warn_unless_noted(caught, res.warnings)
    res = _in_option_words(res)
    with connect(dask_scheduler, "stickiness fit", "--dask-scheduler") as client:
        boot = res.bootstrap(bootstrap, seed=seed, ci=ci, n_jobs=n_jobs, scheduler=client,
                             progress=not as_json) if bootstrap else None
    for note in boot.warnings if boot is not None else ():
        _say("warning", "yellow", note)
    if to_r is not None:
        script = res.to_r(to_r)
        (err if as_json else out).print(f"wrote {script} and {data_path_for(script).name} (run: Rscript {script})",
                                        highlight=False, markup=False, soft_wrap=True)
    mi = _modindices_summary(res, modindices) if modindices else None
    if as_json:
        _print_results("fit", res, bootstrap=boot, modindices=mi)
        return
    out.print(res.summary(), highlight=False, soft_wrap=True)  # effects (delta-method SEs) among its tables
    if boot is not None:
        out.print("\n" + boot.summary(), highlight=False, soft_wrap=True, markup=False)
    if mi is not None:
        out.print("\n" + mi, highlight=False, soft_wrap=True, markup=False)


@app.command()
@_user_errors
def pls(
    model: Annotated[Path, typer.Option("--model", "-m", help="Model syntax file: 'C =~ items' (mode A), 'C <~ items' "
                                        "(mode B), 'C2 ~ C1' paths; or a questionnaire YAML.")],
    data: Annotated[Path, typer.Option("--data", "-d", help="CSV or XLSX with one column per indicator.")],
    consistent: Annotated[bool, typer.Option("--consistent", help="PLSc: consistent estimates for common-factor "
                                             "(=~) constructs.")] = False,
    scheme: Annotated[str, typer.Option(help="Inner weighting: path_weighting, factorial or centroid.")] = "path_weighting",
    missing_value: Annotated[float | None, typer.Option("--missing-value", help="Code of a missing answer, "
                                                        "e.g. -99.")] = None,
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples (0 = none).")] = 0,
    seed: Annotated[int, typer.Option(help="Bootstrap seed, >= 0.")] = 1,
    n_jobs: Annotated[int, typer.Option("--n-jobs", help="Threads for the bootstrap.")] = 1,
    dask_scheduler: Annotated[str | None, typer.Option("--dask-scheduler", help="Bootstrap: fit the resamples "
                                                       + ON_DASK)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Fit a PLS path model (PLS-SEM, seminr's algorithm) and print estimates, R-squared and reliability."""
    from .executor import connect
    from .pls import fit_pls

    check(bootstrap, "--bootstrap", "stickiness pls", NON_NEGATIVE_INT)
    check(seed, "--seed", "stickiness pls", NON_NEGATIVE_INT)
    _check_scheduler_option(dask_scheduler, "stickiness pls")
    if not bootstrap:
        check(dask_scheduler, "--dask-scheduler", "stickiness pls", None, when="without --bootstrap (it runs the "
              "bootstrap's resamples; add --bootstrap 5000)")
    check_input(model, ModelSpecError, "model file")
    syntax, frame = _model_and_data(model, data, labels=False)  # PLS takes no labels
    res = fit_pls(syntax, frame, scheme=scheme, consistent=consistent, missing_value=missing_value)
    with connect(dask_scheduler, "stickiness pls", "--dask-scheduler") as client:
        boot = res.bootstrap(bootstrap, seed=seed, n_jobs=n_jobs, scheduler=client) if bootstrap else None
    if as_json:
        _print_results("pls", res, bootstrap=boot)
        return
    out.print(res.summary(), highlight=False, soft_wrap=True, markup=False)
    if boot is not None:
        out.print("\n" + boot.summary(), highlight=False, soft_wrap=True, markup=False)


def _model_and_data(model: Path, data: Path, labels: bool = True) -> tuple[str, Any]:
    """The model syntax (a .lav file, or a questionnaire YAML's hypothesised model, its reverse-keyed items
    recoded in the data) and the data table."""
    source, frame = _model_source(model, data)
    return (source if isinstance(source, str) else source.model_syntax(labels=labels)), frame


def _model_source(model: Path, data: Path) -> tuple[Any, Any]:
    """A .lav file's syntax, or a questionnaire YAML's Questionnaire (its reverse-keyed items recoded in the
    data), and the data table."""
    frame = _read_table(data)
    if model.suffix.lower() in (".yaml", ".yml"):
        from .questionnaire import load_questionnaire
        from .responses.scoring import reverse_code

        q = load_questionnaire(model)
        return q, reverse_code(frame, q)
    try:
        return model.read_text(encoding="utf-8"), frame
    except UnicodeDecodeError as exc:
        raise ModelSpecError(f"{model}: not UTF-8 text ({exc.reason} at byte {exc.start}); save the model "
                             "file as UTF-8.") from None


def _names(text: str) -> list[str]:
    """A comma-separated option as a list of its non-empty parts."""
    return [x.strip() for x in text.split(",") if x.strip()]


def _print_results(command: str, result: Any, **more: Any) -> None:
    """The one JSON document every ``--json`` prints, built from the results protocol only::

        {"command": "fit", "result": {"type", "title", "lines", "notes", "meta", "tables"}, "bootstrap": {...}}

    ``result`` (and each further result by name, e.g. a bootstrap; left out when None) is its ``to_dict()``
    (:meth:`Summary.as_dict <stickiness_research._summary.Summary.as_dict>`): no command knows a result's
    attributes. NaN is ``null`` and the same run prints the same bytes.
    """
    from ._summary import protocol_dict

    payload = {"command": command, "result": protocol_dict(result)}
    payload |= {name: protocol_dict(extra) for name, extra in more.items() if extra is not None}
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, allow_nan=False) + "\n")


def _print_frame(frame: Any, title: str = "") -> None:
    import pandas as pd

    with pd.option_context("display.width", 160, "display.max_rows", 500, "display.float_format",
                           "{:.3f}".format):
        out.print((title + "\n" if title else "") + frame.to_string(index=False), highlight=False, markup=False,
                  soft_wrap=True)


MEASUREMENT_MODEL = ("Measurement model: a lavaan syntax file ('construct =~ items') or a questionnaire YAML "
                     "(its constructs and items; reverse-keyed items are recoded).")


@app.command()
@_user_errors
def reliability(
    model: Annotated[Path, typer.Option("--model", "-m", help=MEASUREMENT_MODEL)],
    data: Annotated[Path, typer.Option("--data", "-d", help="CSV or XLSX with one column per item.")],
    level: Annotated[float | None, typer.Option(help="Level of alpha's confidence interval (Feldt); default 0.95.",
                                                show_default=False)] = None,
    ci: Annotated[float | None, typer.Option(hidden=True, help="Deprecated name of --level.")] = None,
    use: Annotated[str, typer.Option(help="Missing answers in alpha: pairwise (psych's default) or "
                                     "complete.")] = "pairwise",
    cfa: Annotated[bool, typer.Option("--cfa/--no-cfa", help="Also fit the measurement model for omega, CR and "
                                      "AVE.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Reliability of every scale: Cronbach's alpha with its CI, and omega, CR and AVE from a CFA."""
    from ._deprecation import REMOVED_IN
    from ._validation import PROBABILITY_OPEN
    from .measurement import reliability as scale_reliability

    command = "stickiness reliability"
    if ci is not None:  # one vocabulary: a confidence level is --level (--ci names an interval's method)
        check(level, "--level", command, None, when="with --ci (its deprecated name): give the level once, as "
              "--level")
        _say("warning", "yellow", f"--ci is deprecated and will be removed in stickiness_research {REMOVED_IN}: "
             "use --level.")
        level = ci
    level = 0.95 if level is None else level
    check(level, "--level", command, PROBABILITY_OPEN)
    check(use, "--use", command, Options(("pairwise", "complete")))
    check_input(model, ModelSpecError, "model file")
    source, frame = _model_source(model, data)
    table = scale_reliability(frame, source, level=level, cfa=cfa, use=use)
    title = f"Reliability ({level:.0%} CI of alpha)"
    if as_json:  # a library table, not a result type: its Summary, with the options that made it as meta
        from ._summary import Summary

        _print_results("reliability", Summary(title, {"reliability": table},
                                              meta={"level": level, "use": use, "cfa": cfa, "n_rows": len(frame)},
                                              kind="Reliability"))
        return
    _print_frame(table, title)


@app.command()
@_user_errors
def invariance(
    model: Annotated[Path, typer.Option("--model", "-m", help=MEASUREMENT_MODEL)],
    data: Annotated[Path, typer.Option("--data", "-d", help="CSV or XLSX with the items and the group column.")],
    group: Annotated[str, typer.Option(help="Column defining the groups, e.g. product_type.")],
    levels: Annotated[str, typer.Option(help="Comma-separated levels in order (default all): configural, metric, "
                                        "scalar, strict; with --ordered configural, thresholds, metric, "
                                        "scalar.")] = "",
    ordered: Annotated[str | None, typer.Option(help="Ordered (Likert) items, fitted by WLSMV (Wu & Estabrook's "
                                                "sequence): 'all', or comma-separated names.")] = None,
    missing: Annotated[str, typer.Option(help="With --ordered: listwise or pairwise.")] = "listwise",
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Measurement invariance across groups (configural, metric, scalar, strict), with a verdict.

    Levels are compared by the changes in CFI and RMSEA; --ordered fits Wu & Estabrook's sequence by WLSMV.
    """
    from .sem.invariance import invariance as measurement_invariance

    ordered_arg = _ordered_option(ordered, "stickiness invariance")
    check(missing, "--missing", "stickiness invariance",
          Options(("listwise", "pairwise") if ordered_arg else ("listwise",)),
          when="" if ordered_arg else "without --ordered (continuous items are compared listwise)")
    check_input(model, ModelSpecError, "model file")
    source, frame = _model_source(model, data)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = measurement_invariance(source, frame, group, levels=tuple(_names(levels)) or None, ordered=ordered_arg,
                                     missing=missing)
    _warn_unless_noted(caught, res.summary_notes())
    res = dataclasses.replace(res, fits={level: _in_option_words(fit) for level, fit in res.fits.items()})
    if as_json:
        _print_results("invariance", res)
        return
    out.print(res.summary(), highlight=False, markup=False, soft_wrap=True)


@app.command()
@_user_errors
def efa(
    data: Annotated[Path, typer.Option("--data", "-d", help="CSV or XLSX with one column per item.")],
    factors: Annotated[int, typer.Option("--factors", "-k", help="Number of factors to extract (see parallel "
                                         "analysis).")],
    model: Annotated[Path | None, typer.Option("--model", "-m", help="Which items to analyse: a lavaan syntax "
                                               "file or a questionnaire YAML (default: every numeric "
                                               "column).")] = None,
    rotation: Annotated[str, typer.Option(help="oblimin, promax, varimax, quartimax or none.")] = "oblimin",
    method: Annotated[str, typer.Option(help="minres or ml.")] = "minres",
    cor: Annotated[str, typer.Option(help="pearson, or polychoric for ordered (Likert) items.")] = "pearson",
    cutoff: Annotated[float, typer.Option(help="Loadings below this (absolute) are left blank in the printed "
                                          "table; --json keeps them all.")] = 0.3,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Exploratory factor analysis: loadings, factor correlations, communalities and variance explained.

    As psych::fa: minres with an oblimin rotation by default, on Pearson or polychoric correlations.
    """
    from .measurement.efa import _METHODS, _ROTATIONS
    from .measurement.efa import efa as exploratory

    command = "stickiness efa"
    check(factors, "--factors", command, POSITIVE_INT)
    check(rotation, "--rotation", command, Options(_ROTATIONS))
    check(method, "--method", command, Options(tuple(_METHODS)))
    check(cor, "--cor", command, Options(("pearson", "polychoric")))
    check(cutoff, "--cutoff", command, Interval(float, 0, 1))
    if model is None:
        source, frame = None, _read_table(data)
    else:
        check_input(model, ModelSpecError, "model file")
        source, frame = _model_source(model, data)
    res = exploratory(frame, factors, source, rotation=rotation, method=method, cor=cor)
    if as_json:
        _print_results("efa", res)
        return
    import pandas as pd

    out.print(f"EFA ({res.method}, {res.rotation} rotation, {res.cor} correlations), {factors} factors",
              highlight=False, markup=False)
    loadings = res.pattern(cutoff).map(lambda v: "" if pd.isna(v) else f"{v:.3f}")
    loadings["h2"] = res.communalities.map("{:.3f}".format)
    with pd.option_context("display.width", 160, "display.max_rows", 500):
        out.print(f"Loadings (|loading| < {cutoff:g} blank; h2 communality)\n{loadings.to_string()}\n\n"
                  f"Factor correlations\n{res.factor_correlations.round(3).to_string()}\n\n"
                  f"Variance explained\n{res.variance.round(3).to_string(index=False)}", highlight=False, markup=False,
                  soft_wrap=True)


def _check_scheduler_option(address: str | None, command: str) -> None:
    """--dask-scheduler is an address or absent (connecting, with its named errors, is executor.connect's)."""
    check(address, "--dask-scheduler", command, InstanceOf(str, "a Dask scheduler address, e.g. "
                                                           "tcp://127.0.0.1:8786"), None)


@app.command()
@_user_errors
def demo(
    questionnaire: Annotated[Path | None, typer.Option(help="Questionnaire (default: the built-in financial "
                                                       "WeChat stickiness instrument).")] = None,
    n: Annotated[int, typer.Option("-n", "--n", help="Simulated respondents (>= 20).")] = 500,
    seed: Annotated[int, typer.Option(help="Random seed, >= 0.")] = 20261124,
    output: Annotated[Path, typer.Option("-o", "--output", help="Report folder.")] = Path("reports/build/demo"),
    lang: Annotated[str, typer.Option(help="Report language: en or zh.")] = "en",
    force: Annotated[bool, typer.Option("--force", help="Replace a report built in another language in the "
                                        "folder (refused otherwise; use one folder per language).")] = False,
) -> None:
    """Simulate the default study, run every analysis on it, and write the report."""
    from . import builtin_questionnaire_path
    from .report import write_demo_report
    from .report.build import check_report_folder
    from .study import run_demo
    from .study_config import SimulationSpec

    check(n, "-n", "stickiness demo", Interval(int, _minimum(SimulationSpec, "n"), None))
    check(seed, "--seed", "stickiness demo", NON_NEGATIVE_INT)
    check(lang, "--lang", "stickiness demo", Options(REPORT_LANGUAGES))
    path = questionnaire or builtin_questionnaire_path()
    check_input(path, QuestionnaireError, "file", Q_HINT)
    check_report_folder(output, lang, inputs=[path], force=force)
    with out.status("starting") as status:
        study = run_demo(path, n=n, seed=seed, language=lang, progress=lambda msg: status.update(msg + " ..."))
        status.update("writing the report ...")
        report = write_demo_report(study, output, lang=lang, force=force)
    out.print(_hypotheses_table(study), highlight=False)
    out.print(f"Model fit: {study.sem.fit_line()}", highlight=False)
    out.print(f"Report: [bold]{report.resolve()}[/]", highlight=False, soft_wrap=True)


@app.command()
@_user_errors
def report(
    study: Annotated[Path, typer.Argument(help="Study config, e.g. reports/financial_wechat.yaml.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Report folder (default: "
                                                "reports/build/<study id> next to the config).")] = None,
    lang: Annotated[str | None, typer.Option(help="Override the config's language: en or zh.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace a report built in another language in the "
                                        "folder (refused otherwise; use one folder per language).")] = False,
) -> None:
    """Run a study config end to end and write index.html, report.md, tables.docx, results.json, provenance.json."""
    from .report import write_report
    from .report.build import check_report_folder
    from .study import run_study
    from .study_config import load_study_config

    if lang is not None:
        check(lang, "--lang", "stickiness report", Options(REPORT_LANGUAGES))
    check_input(study, StudyConfigError, "file", "Study configs live in reports/<study>.yaml.")
    cfg = load_study_config(study)
    target = output or _default_report_folder(study, cfg.study.id)
    inputs = [study, cfg.resolve(cfg.questionnaire), cfg.resolve(cfg.data.file) if cfg.data.file else None]
    check_report_folder(target, lang or cfg.report.language, inputs=inputs, force=force)
    with out.status("starting") as status:
        result = run_study(cfg, progress=lambda msg: status.update(msg + " ..."),
                           command=f"stickiness report {study}")
        status.update("writing the report ...")
        paths = write_report(result, target, language=lang, force=force)
    if len(result.hypotheses):
        out.print(_hypotheses_table(result), highlight=False)
    out.print(f"Model fit: {result.sem.fit_line()}", highlight=False)
    for kind, path in paths.items():
        out.print(f"{kind:>10}: {path.resolve()}", highlight=False, soft_wrap=True, markup=False)


def _default_report_folder(study: Path, study_id: str) -> Path:
    """reports/build/<id> beside the config, or under the working folder for a config shipped inside the installed
    package (a wheel's site-packages is no place for a user's report)."""
    config = study.resolve()
    if config.is_relative_to(Path(__file__).resolve().parent):
        return Path.cwd() / "reports" / "build" / study_id
    return config.parent / "build" / study_id


@app.command()
@_user_errors
def classroom(
    students: Annotated[int, typer.Option(help="Number of students (one dataset each).")] = 30,
    seed: Annotated[int, typer.Option(help="Class seed, >= 0; each student's data seed is derived from it.")] = 1,
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for the pack.")] = Path("classroom"),
    questionnaire: Annotated[Path | None, typer.Option(help="Questionnaire (default: the built-in financial "
                                                       "WeChat stickiness instrument).")] = None,
    n: Annotated[int, typer.Option("-n", "--n", help="Respondents per student dataset.")] = 300,
    vary_effects: Annotated[bool, typer.Option("--vary-effects", help="Give each student their own true paths "
                                               "(each moved by up to .10, sizes kept in [.05, .60]).")] = False,
    n_jobs: Annotated[int, typer.Option("--n-jobs", help="Processes simulating and fitting the datasets (-1 = all "
                                        "cores).")] = 1,
    dask_scheduler: Annotated[str | None, typer.Option("--dask-scheduler", help="Simulate and fit the datasets "
                                                       + ON_DASK)] = None,
) -> None:
    """Write a classroom pack: a dataset per student, an exercise sheet (en/zh) and an instructor key."""
    from .classroom import MIN_N, classroom_command
    from .executor import connect

    command = "stickiness classroom"
    check(students, "--students", command, POSITIVE_INT)
    check(seed, "--seed", command, NON_NEGATIVE_INT)
    check(n, "-n", command, Interval(int, MIN_N, None))
    check(n_jobs, "--n-jobs", command, *N_JOBS)
    _check_scheduler_option(dask_scheduler, command)
    if questionnaire is not None:
        check_input(questionnaire, QuestionnaireError, "file", Q_HINT)
    check_output(output, inputs=[questionnaire], kind="dir")
    with connect(dask_scheduler, command, "--dask-scheduler") as client, \
            out.status(f"simulating and fitting {students} datasets ..."):
        message = classroom_command(students=students, seed=seed, output=output, questionnaire=questionnaire,
                                    n=n, vary_effects=vary_effects, n_jobs=n_jobs, scheduler=client)
    out.print(message, markup=False, highlight=False, soft_wrap=True)


@app.command()
@_user_errors
def grade(
    key: Annotated[Path, typer.Argument(help="Instructor key: instructor/key.json of a classroom pack.")],
    student_json: Annotated[Path, typer.Argument(help="A student's results JSON.")],
    student: Annotated[str | None, typer.Option(help="Student id, e.g. student_07 (default: the file's "
                                                "student_id).")] = None,
) -> None:
    """Grade a student's results JSON against the key; exit code 1 when any item fails."""
    from .classroom import grade_command

    check_input(key, ResponseDataError, "key file")
    check_input(student_json, ResponseDataError, "results file")
    text, passed = grade_command(key, student_json, student)
    out.print(text, markup=False, highlight=False, soft_wrap=True)
    if not passed:
        raise typer.Exit(code=1)


def _hypotheses_table(study: Any) -> Table:
    from .report import apa

    table = Table(title=f"Hypotheses (N = {study.sem.n_obs})", title_justify="left")
    for col in ("H", "path", "b", "95% CI", "beta", "p", "supported"):
        table.add_column(col, justify="right" if col in ("b", "beta", "p") else "left")
    for r in study.hypotheses.itertuples():
        table.add_row(r.hypothesis, r.path, apa.num(r.est), apa.interval(r.ci_lower, r.ci_upper),
                      apa.bounded(r.std_all, 2), apa.p_value(r.pvalue),
                      "[green]yes[/]" if r.supported else "[red]no[/]")
    return table


def main() -> None:  # pragma: no cover - console entry point
    app()


__all__ = ["app"]
