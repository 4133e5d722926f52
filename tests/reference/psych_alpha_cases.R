#!/usr/bin/env Rscript
# psych::alpha on the shared reliability cases: incomplete answers (use = "pairwise", psych's default,
# and "complete.obs") and a reverse-worded item left unrecoded; with item-rest correlations (r.drop)
# and alpha if the item is dropped.
#
# Usage (from the repository root):  Rscript tests/reference/psych_alpha_cases.R
# Writes tests/reference/psych/alpha_cases.json.  Requires: psych, jsonlite.
suppressPackageStartupMessages({ library(psych); library(jsonlite) })
script_dir <- local({
  a <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(a)) dirname(normalizePath(sub("^--file=", "", a[1]))) else normalizePath(file.path("tests", "reference"))
})
one <- function(x, use) {
  a <- suppressWarnings(psych::alpha(x, use = use, check.keys = FALSE, warnings = FALSE))
  list(use = use, raw_alpha = a$total$raw_alpha, std_alpha = a$total$std.alpha, average_r = a$total$average_r,
       items = colnames(x), r_drop = unname(a$item.stats$r.drop), alpha_drop = unname(a$alpha.drop$raw_alpha))
}
missing <- read.csv(file.path(script_dir, "data", "case_alpha_missing.csv"))
unrev <- read.csv(file.path(script_dir, "data", "case_unreversed_item.csv"))
out <- list(
  alpha_missing = list(pairwise = one(missing, "pairwise"), complete = one(missing, "complete.obs"),
                       n_rows = nrow(missing), n_complete = sum(complete.cases(missing))),
  unreversed_item = list(pairwise = one(unrev, "pairwise")),
  psych_version = as.character(packageVersion("psych")), R_version = R.version.string)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), file.path(script_dir, "psych", "alpha_cases.json"))
