#!/usr/bin/env Rscript
# Robust (HC3) regression with t(n - k - 1) inference at a small N, as lmtest::coeftest reports it:
# shared/cases/hc3_small_sample (n 28, data copied to data/case_hc3_small_sample.csv).
#
# Usage (from the repository root):  Rscript tests/reference/regression_small_sample.R
# Writes tests/reference/regression/hc3_small_sample.json.
# Requires: sandwich, lmtest, jsonlite (Debian: r-cran-sandwich r-cran-lmtest r-cran-jsonlite).
suppressPackageStartupMessages({ library(sandwich); library(lmtest); library(jsonlite) })
script_dir <- local({
  a <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(a)) dirname(normalizePath(sub("^--file=", "", a[1]))) else normalizePath(file.path("tests", "reference"))
})
d <- read.csv(file.path(script_dir, "data", "case_hc3_small_sample.csv"))
fit <- lm(y ~ x1 + x2 + x3, data = d)
ct <- coeftest(fit, vcov. = vcovHC(fit, type = "HC3"))
ci <- coefci(fit, vcov. = vcovHC(fit, type = "HC3"), level = 0.95)
out <- list(call = "lmtest::coeftest(lm(y ~ x1 + x2 + x3), vcovHC(fit, 'HC3')); coefci(...)",
            df = fit$df.residual, term = rownames(ct), b = unname(ct[, 1]), se = unname(ct[, 2]),
            t = unname(ct[, 3]), pvalue = unname(ct[, 4]), ci_lower = unname(ci[, 1]), ci_upper = unname(ci[, 2]),
            R_version = R.version.string, lmtest_version = as.character(packageVersion("lmtest")))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           file.path(script_dir, "regression", "hc3_small_sample.json"))
