#!/usr/bin/env Rscript
# Reference for compare_models(): scaled chi-square difference of nested MLR models
# (lavaan::lavTestLRT, Satorra-Bentler 2001, lavaan's default for MLR).
# Usage (repository root): Rscript tests/reference/lavaan_lrt.R
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
d <- read.csv("tests/reference/data/HolzingerSwineford1939.csv", stringsAsFactors = FALSE)
free <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
orthogonal <- paste0(free, "\nvisual ~~ 0*textual\nvisual ~~ 0*speed")
f1 <- sem(free, d, estimator = "MLR")
f0 <- sem(orthogonal, d, estimator = "MLR")
lrt <- lavTestLRT(f1, f0)
out <- list(call = "lavTestLRT(sem(free, d, estimator='MLR'), sem(orthogonal, d, estimator='MLR'))",
            lavaan_version = as.character(packageVersion("lavaan")),
            models = list(free = free, orthogonal = orthogonal),
            chisq_diff = lrt[["Chisq diff"]][2], df_diff = lrt[["Df diff"]][2], pvalue = lrt[["Pr(>Chisq)"]][2],
            method = attr(lrt, "heading"))
writeLines(toJSON(out, auto_unbox = TRUE, digits = I(15), pretty = TRUE), "tests/reference/lavaan/lrt_mlr_orthogonal.json")
print(lrt)
