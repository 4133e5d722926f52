#!/usr/bin/env Rscript
# Frozen lavaan reference values for the Python SEM engine.
#
# Usage (from the repository root):
#   Rscript tests/reference/lavaan_sem.R                 # all cases
#   Rscript tests/reference/lavaan_sem.R political_democracy ...   # only these
#
# For every case below the script reads the CSV data and the lavaan model file,
# fits  lavaan::sem(model, data = d, <extra args>)  and writes
# tests/reference/lavaan/<case>.json  (see README.md for the layout).
#
# Requires: lavaan, jsonlite  (Debian: r-cran-lavaan, r-cran-jsonlite).

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

# ---------------------------------------------------------------------------
# Cases: one line each.  `data` is relative to tests/reference/data/, `model`
# to tests/reference/models/; `args` are extra arguments passed to sem()
# (e.g. list(estimator = "MLR"), list(std.lv = TRUE), list(group = "school")).
# ---------------------------------------------------------------------------
CASES <- list(
  list(name = "holzinger_swineford_cfa",     data = "HolzingerSwineford1939.csv", model = "holzinger_swineford_cfa.lav",     args = list()),
  list(name = "political_democracy",         data = "PoliticalDemocracy.csv",     model = "political_democracy.lav",         args = list()),
  list(name = "political_democracy_defined", data = "PoliticalDemocracy.csv",     model = "political_democracy_defined.lav", args = list()),
  list(name = "holzinger_swineford_structural", data = "HolzingerSwineford1939.csv", model = "holzinger_swineford_structural.lav", args = list()),
  list(name = "holzinger_swineford_meanstructure", data = "HolzingerSwineford1939.csv", model = "holzinger_swineford_cfa.lav", args = list(meanstructure = TRUE)),
  list(name = "hs_school_configural", data = "HolzingerSwineford1939.csv", model = "holzinger_swineford_cfa.lav", args = list(group = "school")),
  list(name = "hs_school_metric",     data = "HolzingerSwineford1939.csv", model = "holzinger_swineford_cfa.lav", args = list(group = "school", group.equal = c("loadings"))),
  list(name = "hs_school_scalar",     data = "HolzingerSwineford1939.csv", model = "holzinger_swineford_cfa.lav", args = list(group = "school", group.equal = c("loadings", "intercepts"))),
  list(name = "stickiness_default",   data = "stickiness_demo.csv",        model = "stickiness_default.lav", args = list()),
  list(name = "stickiness_default_bootstrap", data = "stickiness_demo.csv", model = "stickiness_default.lav", args = list(se = "bootstrap", bootstrap = 2000L, iseed = 20261124L)),
  list(name = "holzinger_swineford_mlr", data = "HolzingerSwineford1939.csv", model = "holzinger_swineford_cfa.lav", args = list(estimator = "MLR")),
  list(name = "political_democracy_mlr", data = "PoliticalDemocracy.csv", model = "political_democracy_defined.lav", args = list(estimator = "MLR")),
  list(name = "holzinger_swineford_fiml", data = "HolzingerSwineford1939_mcar10.csv", model = "holzinger_swineford_cfa.lav", args = list(missing = "ml")),
  list(name = "hs_school_strict",     data = "HolzingerSwineford1939.csv", model = "holzinger_swineford_cfa.lav", args = list(group = "school", group.equal = c("loadings", "intercepts", "residuals"))),
  # several groups with a mean structure: lavaan resamples within each group
  # full-information ML: each resample's incomplete rows refitted by FIML
  list(name = "holzinger_swineford_fiml_bootstrap", data = "HolzingerSwineford1939_mcar10.csv", model = "holzinger_swineford_cfa.lav", args = list(missing = "ml", se = "bootstrap", bootstrap = 2000L, iseed = 20261202L)),
  list(name = "hs_school_metric_bootstrap", data = "HolzingerSwineford1939.csv", model = "holzinger_swineford_cfa.lav", args = list(group = "school", group.equal = c("loadings"), se = "bootstrap", bootstrap = 2000L, iseed = 20261201L))
)

# ---------------------------------------------------------------------------

script_dir <- local({
  file_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(file_arg)) dirname(normalizePath(sub("^--file=", "", file_arg[1])))
  else normalizePath(file.path("tests", "reference"))
})
# Paths recorded in the JSON are relative to the repository root.
rel <- function(...) file.path("tests", "reference", ...)

# Multi-group fits return one vector/matrix per group: keep them keyed by group label.
per_group <- function(x, f, fit) {
  if (is.list(x) && !is.data.frame(x) && lavInspect(fit, "ngroups") > 1) {
    out <- lapply(x, f)
    names(out) <- lavInspect(fit, "group.label")
    out
  } else f(x)
}

named_num_list <- function(x) {
  x <- unclass(x)
  out <- as.list(as.numeric(x))
  names(out) <- names(x)
  out
}

matrix_json <- function(m) {
  m <- unclass(m)
  nm <- rownames(m)
  stopifnot(identical(nm, colnames(m)))
  list(names = nm,
       matrix = lapply(seq_len(nrow(m)), function(i) as.numeric(m[i, ])))
}

deparse_call <- function(args) {
  extra <- vapply(names(args), function(a) {
    paste0(a, " = ", paste(deparse(args[[a]], width.cutoff = 500L), collapse = ""))
  }, character(1))
  paste0("lavaan::sem(model, data = d",
         if (length(extra)) paste0(", ", paste(extra, collapse = ", ")) else "",
         ")")
}

run_case <- function(case) {
  data_path  <- file.path(script_dir, "data", case$data)
  model_path <- file.path(script_dir, "models", case$model)
  d <- read.csv(data_path, stringsAsFactors = FALSE)
  model <- paste(readLines(model_path, warn = FALSE), collapse = "\n")

  fit <- do.call("sem", c(list(model = model, data = quote(d)), case$args))
  if (!lavInspect(fit, "converged")) stop("case ", case$name, " did not converge")

  pe <- parameterEstimates(fit, standardized = TRUE)
  # parameterEstimates() drops the label column when no parameter is labelled;
  # always emit it ("" = unlabelled) so every case has the same fields.
  if (!"label" %in% names(pe)) {
    at <- match("rhs", names(pe))
    pe <- cbind(pe[seq_len(at)], label = "", pe[-seq_len(at)], stringsAsFactors = FALSE)
  }
  names(pe) <- gsub(".", "_", names(pe), fixed = TRUE)   # ci.lower -> ci_lower, ...
  pe <- as.data.frame(lapply(pe, function(col) {
    if (is.factor(col)) as.character(col) else unclass(col)
  }), stringsAsFactors = FALSE)
  estimates <- lapply(seq_len(nrow(pe)), function(i) as.list(pe[i, , drop = FALSE]))

  records <- function(df) {
    names(df) <- gsub(".", "_", names(df), fixed = TRUE)
    df <- as.data.frame(lapply(df, function(col) if (is.factor(col)) as.character(col) else unclass(col)),
                        stringsAsFactors = FALSE)
    lapply(seq_len(nrow(df)), function(i) as.list(df[i, , drop = FALSE]))
  }
  std_all <- standardizedSolution(fit, type = "std.all")
  std_lv  <- standardizedSolution(fit, type = "std.lv")
  mi <- modindices(fit, sort. = FALSE, minimum.value = 0)

  out <- list(
    case           = case$name,
    model_file     = rel("models", case$model),
    data_file      = rel("data", case$data),
    call           = deparse_call(case$args),
    lavaan_version = as.character(packageVersion("lavaan")),
    R_version      = R.version.string,
    estimator      = lavInspect(fit, "options")$estimator,
    converged      = TRUE,
    iterations     = lavInspect(fit, "iterations"),
    nobs           = lavInspect(fit, "nobs"),
    estimates      = estimates,
    fit_measures   = named_num_list(fitMeasures(fit)),
    ngroups        = lavInspect(fit, "ngroups"),
    group_labels   = as.list(lavInspect(fit, "group.label")),
    group_nobs     = as.list(unlist(lavInspect(fit, "nobs"))),
    r2             = per_group(inspect(fit, "r2"), named_num_list, fit),
    standardized_all = records(std_all),
    standardized_lv  = records(std_lv),
    modindices     = records(mi),
    implied_cov    = if (lavInspect(fit, "ngroups") > 1) per_group(lapply(fitted(fit), `[[`, "cov"), matrix_json, fit) else matrix_json(fitted(fit)$cov),
    sample_cov     = if (lavInspect(fit, "ngroups") > 1) per_group(lapply(lavInspect(fit, "sampstat"), `[[`, "cov"), matrix_json, fit) else matrix_json(lavInspect(fit, "sampstat")$cov)
  )

  out_dir <- file.path(script_dir, "lavaan")
  dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
  out_path <- file.path(out_dir, paste0(case$name, ".json"))
  json <- toJSON(out, auto_unbox = TRUE, digits = I(15), na = "null",
                 null = "null", pretty = TRUE)
  writeLines(json, out_path)
  fm <- fitMeasures(fit, c("chisq", "df", "cfi", "tli", "rmsea", "srmr"))
  cat(sprintf("%-30s chisq=%.3f df=%d cfi=%.3f tli=%.3f rmsea=%.3f srmr=%.3f -> %s\n",
              case$name, fm[["chisq"]], as.integer(fm[["df"]]), fm[["cfi"]],
              fm[["tli"]], fm[["rmsea"]], fm[["srmr"]], rel("lavaan", basename(out_path))))
}

wanted <- commandArgs(trailingOnly = TRUE)
case_names <- vapply(CASES, `[[`, character(1), "name")
unknown <- setdiff(wanted, case_names)
if (length(unknown)) {
  stop("unknown case(s): ", paste(unknown, collapse = ", "),
       "\navailable: ", paste(case_names, collapse = ", "))
}
for (case in CASES) {
  if (length(wanted) == 0L || case$name %in% wanted) run_case(case)
}
