"""Reproduce a fit in R: an R script (and the data it needs) that refits an SEMResult with lavaan.

The script reads the model's columns from a CSV written beside it (only the rows and columns the fit
used, no identifiers), calls lavaan's ``sem()`` (``growth()`` for growth models) with the options the
fit was made with (estimator, ordered items and parameterization, missing-data method, groups and
their equality constraints, std.lv, meanstructure, fixed.x), and prints ``parameterEstimates(fit,
standardized = TRUE)`` and ``fitMeasures(fit)``, then the largest difference from our estimates,
which are embedded in the script, so a reviewer sees the two agree without running Python.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._io import check_outputs, write_text
from ..errors import ModelSpecError

if TYPE_CHECKING:
    from .result import SEMResult

# lavaan's parameterEstimates() columns that match ours (ci.lower/ci.upper/std.lv/std.all vs snake_case).
_SHOWN = ["lhs", "op", "rhs", "label", "group", "est", "se", "z", "pvalue", "ci.lower", "ci.upper", "std.lv",
          "std.all"]
_COMPARED_OPS = ("=~", "~", "~~", "~1", "|", "~*~", ":=")


def data_path_for(script: str | Path) -> Path:
    """The CSV written beside an R script: ``fit.R`` -> ``fit_data.csv``."""
    script = Path(script)
    return script.with_name(f"{script.stem}_data.csv")


def write_r_script(result: SEMResult, path: str | Path, *, inputs: tuple = ()) -> Path:
    """Write ``path`` (an R script) and its data CSV (:func:`data_path_for`) reproducing ``result`` in lavaan.

    See :meth:`SEMResult.to_r`; ``inputs`` are files the outputs must not overwrite (the CLI's model and
    data files).
    """
    state = result._state
    if state is None or not state.data:
        raise ModelSpecError("this result carries no data to write (it was not made by fit_sem); refit the model "
                             "with sr.fit_sem and call to_r on that result.")
    script, csv = check_outputs([Path(path), data_path_for(path)], inputs=inputs)
    options = state.partable.options
    observed = list(state.partable.ov_names)
    group_column = _group_column(observed) if result.groups else None
    frames = []
    for label, frame in state.data:
        part = frame[observed].copy()
        if group_column is not None:
            part[group_column] = label
        frames.append(part)
    data = _integral(pd.concat(frames, ignore_index=True))
    estimator = result.estimator.split()[0]
    categorical = bool(state.partable.ov_ord)
    missing = ("ml" if "(FIML)" in result.estimator else
               "pairwise" if categorical and data[observed].isna().any().any() else None)
    call = _lavaan_call(result, options, estimator, missing, group_column, state.partable)
    text = _script(result, call, csv.name, group_column)
    with io.StringIO() as buffer:
        data.to_csv(buffer, index=False, na_rep="NA")
        write_text(csv, buffer.getvalue())
    return write_text(script, text)


def _group_column(observed: list[str]) -> str:
    name = "group"
    while name in observed:
        name += "_"
    return name


def _integral(frame: pd.DataFrame) -> pd.DataFrame:
    """Whole-number columns (Likert answers) as integers, so the CSV reads as the survey export did."""
    out = frame.copy()
    for col in out.columns:
        values = out[col]
        if pd.api.types.is_float_dtype(values):
            finite = values.dropna().to_numpy()
            if finite.size and np.all(np.mod(finite, 1) == 0) and np.abs(finite).max() < 2**53:
                out[col] = values.astype("Int64")
    return out


def _r_string(text: str, quote: str = "'") -> str:
    """An R string literal."""
    return quote + text.replace("\\", "\\\\").replace(quote, "\\" + quote) + quote


def _r_vector(values) -> str:
    return "c(" + ", ".join(_r_string(str(v), '"') for v in values) + ")"


def _lavaan_call(result: SEMResult, options: dict, estimator: str, missing: str | None, group_column: str | None,
                 partable) -> str:
    growth = not options.get("int_ov_free", True) and options.get("int_lv_free", False)
    args = ["model", "data = data", f'estimator = "{estimator}"']
    if partable.ov_ord:
        args.append(f"ordered = {_r_vector(partable.ov_ord)}")
        if partable.parameterization != "delta":
            args.append(f'parameterization = "{partable.parameterization}"')
    if missing is not None:
        args.append(f'missing = "{missing}"')
    if group_column is not None:
        args.append(f'group = "{group_column}"')
        args.append(f"group.label = {_r_vector(result.groups)}")
        if options.get("group_equal"):
            args.append(f"group.equal = {_r_vector(options['group_equal'])}")
        if options.get("group_partial"):
            args.append(f"group.partial = {_r_vector(options['group_partial'])}")
    if options.get("std_lv"):
        args.append("std.lv = TRUE")
    if options.get("orthogonal"):
        args.append("orthogonal = TRUE")
    if not options.get("fixed_x", True):
        args.append("fixed.x = FALSE")
    args.append(f"meanstructure = {'TRUE' if partable.meanstructure else 'FALSE'}")
    lines, line = [], f"fit <- {'growth' if growth else 'sem'}("
    for k, arg in enumerate(args):
        piece = arg + (", " if k < len(args) - 1 else ")")
        if len(line) + len(piece) > 100:
            lines.append(line.rstrip())
            line = " " * 11
        line += piece
    return "\n".join([*lines, line])


def _ours(result: SEMResult, group_column: str | None) -> str:
    """Our estimates as CSV text (lhs op rhs [group] est se std_all), groups numbered as lavaan numbers them."""
    est = result.estimates[result.estimates["op"].isin(_COMPARED_OPS)]
    frame = pd.DataFrame({"lhs": est["lhs"], "op": est["op"], "rhs": est["rhs"].str.replace(" ", "")})
    if group_column is not None:
        number = {label: k + 1 for k, label in enumerate(result.groups)}
        frame["group"] = [number.get(g, 0) for g in est["group"]]
    for col in ("est", "se", "std_all"):
        frame[col] = est[col].to_numpy()
    return frame.to_csv(index=False, float_format="%.10g", na_rep="NA")


def _script(result: SEMResult, call: str, csv_name: str, group_column: str | None) -> str:
    from .. import __version__

    keys = '"lhs", "op", "rhs"' + (', "group"' if group_column is not None else "")
    shown = [c for c in _SHOWN if c != "group" or group_column is not None]
    return f"""\
# Refit, with lavaan, the model fitted by stickiness_research {__version__} ({result.estimator}, N = {result.n_obs}),
# and print lavaan's parameter estimates (with std.all) and fit measures beside ours.
# Run from anywhere:  Rscript {csv_name.removesuffix('_data.csv')}.R   (needs R and lavaan: install.packages("lavaan"))
# Data: {csv_name}, beside this script; only the model's variables{' and the group' if group_column else ''}, and
# only the rows the fit used ({result.n_dropped} dropped{' by full-information ML' if '(FIML)' in result.estimator
                                                          else ''}).
# Optional argument PREFIX: also write lavaan's tables to PREFIX_estimates.csv and PREFIX_fit.csv.
suppressPackageStartupMessages(library(lavaan))

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", grep("^--file=", args, value = TRUE))
here <- if (length(script) == 1) dirname(normalizePath(script)) else getwd()
data <- read.csv(file.path(here, {_r_string(csv_name)}), check.names = FALSE, stringsAsFactors = FALSE)

model <- {_r_string(result.syntax.strip() + chr(10))}

{call}

est <- parameterEstimates(fit, standardized = TRUE)
fm <- fitMeasures(fit)
options(width = 160)
print(est[, intersect({_r_vector(shown)}, names(est))], digits = 4, row.names = FALSE)
cat("\\n")
print(round(fm, 4))

# stickiness_research's estimates (lhs op rhs{' group' if group_column else ''} est se std_all), to compare.
ours <- read.csv(text = {_r_string(_ours(result, group_column))}, stringsAsFactors = FALSE)
lav <- est
lav$rhs <- gsub(" ", "", lav$rhs)
both <- merge(lav, ours, by = c({keys}), suffixes = c("", ".ours"))
largest <- function(a, b) max(abs(a - b), na.rm = TRUE)
cat(sprintf(paste("\\nlavaan %s vs stickiness_research: %d of %d parameters matched; largest difference:",
                  "est %.2g, se %.2g, std.all %.2g\\n"), packageVersion("lavaan"), nrow(both), nrow(ours),
            largest(both$est, both$est.ours), largest(both$se, both$se.ours), largest(both$std.all, both$std_all)))

prefix <- commandArgs(trailingOnly = TRUE)
if (length(prefix) >= 1) {{
  write.csv(est, paste0(prefix[1], "_estimates.csv"), row.names = FALSE)
  write.csv(data.frame(measure = names(fm), value = as.numeric(fm)), paste0(prefix[1], "_fit.csv"),
            row.names = FALSE)
}}
"""


__all__ = ["data_path_for", "write_r_script"]
