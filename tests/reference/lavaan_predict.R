#!/usr/bin/env Rscript
# Frozen lavaan factor scores (lavPredict) for stickiness_research.sem.predict.factor_scores.
#
# Usage (from the repository root):
#   Rscript tests/reference/lavaan_predict.R                # all cases
#   Rscript tests/reference/lavaan_predict.R hs_cfa ...     # only these
#
# For every case below the script reads the CSV data, fits
#   fit <- lavaan::sem(model, data = d, <args>)
# and writes tests/reference/lavaan/predict_<case>.json with, per group and for
# method = "regression" and method = "Bartlett" of lavPredict(fit, method = ...):
#   label  group label ("" for a single-group model),
#   rows   1-based row numbers (in the CSV) of the first 25 scored cases
#          (lavInspect(fit, "case.idx")),
#   scores their scores (one list per row, columns in `lv_names` order),
#   mean   column means over all scored cases,
#   sd     column SDs (divisor n - 1) over all scored cases;
# and the estimates (`estimates`: lhs op rhs group free est of parTable(fit)), so the
# scoring formulas can be checked at lavaan's own parameter values.
#
# Requires: lavaan, jsonlite.

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

HS_CFA <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
CASES <- list(
  list(name = "hs_cfa", data = "HolzingerSwineford1939.csv", model = HS_CFA, args = list()),
  list(name = "hs_cfa_meanstructure", data = "HolzingerSwineford1939.csv", model = HS_CFA,
       args = list(meanstructure = TRUE)),
  list(name = "political_democracy", data = "PoliticalDemocracy.csv", model_file = "political_democracy.lav",
       args = list()),
  list(name = "hs_school", data = "HolzingerSwineford1939.csv", model = HS_CFA,
       args = list(group = "school")),
  list(name = "hs_covariate", data = "HolzingerSwineford1939.csv",
       model = "visual =~ x1 + x2 + x3\nvisual ~ ageyr", args = list()),
  list(name = "hs_covariate_meanstructure", data = "HolzingerSwineford1939.csv",
       model = "visual =~ x1 + x2 + x3\nvisual ~ ageyr", args = list(meanstructure = TRUE)),
  list(name = "hs_observed_outcome", data = "HolzingerSwineford1939.csv",
       model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nx7 ~ visual + textual", args = list()),
  list(name = "hs_second_order", data = "HolzingerSwineford1939.csv",
       model = paste0(HS_CFA, "\ng =~ visual + textual + speed"), args = list()),
  list(name = "hs_fiml", data = "HolzingerSwineford1939_mcar10.csv", model = HS_CFA,
       args = list(missing = "ml"))
)
N_ROWS <- 25L

script_dir <- local({
  file_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(file_arg)) dirname(normalizePath(sub("^--file=", "", file_arg[1])))
  else normalizePath(file.path("tests", "reference"))
})
rel <- function(...) file.path("tests", "reference", ...)

deparse_call <- function(args) {
  extra <- vapply(names(args), function(a) {
    paste0(a, " = ", paste(deparse(args[[a]], width.cutoff = 500L), collapse = ""))
  }, character(1))
  paste0("fit <- lavaan::sem(model, data = d",
         if (length(extra)) paste0(", ", paste(extra, collapse = ", ")), ")")
}

score_block <- function(label, scores, rows) {
  scores <- as.matrix(scores)
  k <- min(N_ROWS, nrow(scores))
  list(
    label  = label,
    rows   = I(as.integer(rows[seq_len(k)])),
    scores = lapply(seq_len(k), function(i) I(as.numeric(scores[i, ]))),
    mean   = I(as.numeric(colMeans(scores, na.rm = TRUE))),
    sd     = I(as.numeric(apply(scores, 2, sd, na.rm = TRUE)))
  )
}

run_case <- function(case) {
  d <- read.csv(file.path(script_dir, "data", case$data), stringsAsFactors = FALSE)
  model <- if (!is.null(case$model_file)) {
    paste(readLines(file.path(script_dir, "models", case$model_file), warn = FALSE), collapse = "\n")
  } else case$model
  fit <- do.call("sem", c(list(model = model, data = quote(d)), case$args))
  if (!lavInspect(fit, "converged")) stop("case ", case$name, " did not converge")

  pt <- parTable(fit)[, c("lhs", "op", "rhs", "group", "free", "est")]
  ngroups <- lavInspect(fit, "ngroups")
  labels <- if (ngroups > 1) lavInspect(fit, "group.label") else ""  # "" = single group
  case_idx <- lavInspect(fit, "case.idx")
  if (!is.list(case_idx)) case_idx <- list(case_idx)
  methods <- list()
  for (method in c("regression", "Bartlett")) {
    fs <- lavPredict(fit, method = method)
    if (!is.list(fs) || is.data.frame(fs)) fs <- list(fs)
    lv_names <- colnames(fs[[1]])
    groups <- lapply(seq_len(ngroups), function(g) score_block(labels[g], fs[[g]], case_idx[[g]]))
    methods[[method]] <- list(call = sprintf('lavPredict(fit, method = "%s")', method), groups = groups)
  }

  out <- list(
    case           = case$name,
    model          = model,
    model_file     = if (!is.null(case$model_file)) rel("models", case$model_file) else NULL,
    data_file      = rel("data", case$data),
    sem_args       = if (length(case$args)) case$args else setNames(list(), character(0)),
    call           = deparse_call(case$args),
    lavaan_version = as.character(packageVersion("lavaan")),
    R_version      = R.version.string,
    ngroups        = ngroups,
    group_labels   = if (ngroups > 1) as.list(labels) else list(),
    nobs           = as.list(unlist(lavInspect(fit, "nobs"))),
    lv_names       = I(lv_names),
    estimates      = lapply(seq_len(nrow(pt)), function(i) as.list(pt[i, ])),
    methods        = methods
  )
  out_path <- file.path(script_dir, "lavaan", paste0("predict_", case$name, ".json"))
  writeLines(toJSON(out, auto_unbox = TRUE, digits = I(15), na = "null", null = "null", pretty = TRUE),
             out_path)
  cat(sprintf("%-28s n=%d lv=%s -> %s\n", case$name, sum(unlist(lavInspect(fit, "nobs"))),
              paste(lv_names, collapse = ","), rel("lavaan", basename(out_path))))
}

wanted <- commandArgs(trailingOnly = TRUE)
case_names <- vapply(CASES, `[[`, character(1), "name")
unknown <- setdiff(wanted, case_names)
if (length(unknown)) stop("unknown case(s): ", paste(unknown, collapse = ", "))
for (case in CASES) {
  if (length(wanted) == 0L || case$name %in% wanted) run_case(case)
}
