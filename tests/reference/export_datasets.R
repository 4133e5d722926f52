#!/usr/bin/env Rscript
# Export lavaan's bundled example data sets to CSV so the Python test suite can
# fit exactly the same data as the R reference scripts.
#
# Run from the repository root:
#   Rscript tests/reference/export_datasets.R
#
# Writes:
#   tests/reference/data/HolzingerSwineford1939.csv  (301 x 15, all columns)
#   tests/reference/data/PoliticalDemocracy.csv      (75 x 11)
#
# write.csv() writes doubles with 15 significant digits; the script verifies
# that every column reads back *identical* to the in-memory data (the stored
# values have at most ~8 significant digits, so nothing is lost).

suppressPackageStartupMessages(library(lavaan))

script_dir <- local({
  file_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(file_arg)) dirname(normalizePath(sub("^--file=", "", file_arg[1])))
  else file.path("tests", "reference")
})
out_dir <- file.path(script_dir, "data")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

export <- function(df, name) {
  path <- file.path(out_dir, paste0(name, ".csv"))
  write.csv(df, path, row.names = FALSE)
  back <- read.csv(path, stringsAsFactors = FALSE)
  stopifnot(identical(names(back), names(df)), nrow(back) == nrow(df))
  for (v in names(df)) {
    orig <- df[[v]]
    if (is.factor(orig)) orig <- as.character(orig)
    if (is.integer(orig)) orig <- as.numeric(orig)
    got <- back[[v]]
    if (is.integer(got)) got <- as.numeric(got)
    if (!identical(orig, got)) stop("round trip changed column ", v, " of ", name)
  }
  cat(sprintf("wrote %s (%d rows x %d cols), round trip exact\n",
              path, nrow(df), ncol(df)))
}

export(lavaan::HolzingerSwineford1939, "HolzingerSwineford1939")
export(lavaan::PoliticalDemocracy, "PoliticalDemocracy")
