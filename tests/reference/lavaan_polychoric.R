#!/usr/bin/env Rscript
# Reference for polychoric(): lavaan::lavCor with all items ordered (two-step: thresholds from the
# margins, then each correlation by bivariate ML), on the simulated stickiness items.
# Usage (repository root): Rscript tests/reference/lavaan_polychoric.R
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
d <- read.csv("tests/reference/data/stickiness_demo.csv", stringsAsFactors = FALSE)
items <- c("int1", "int2", "int3", "int4", "ea1", "ea2", "sec1", "sec2", "con4", "sti1")
fit <- lavCor(d[, items], ordered = items, output = "fit")
r <- lavInspect(fit, "sampstat")$cov
th <- lavInspect(fit, "sampstat")$th
out <- list(call = "lavCor(d[, items], ordered = items)", lavaan_version = as.character(packageVersion("lavaan")),
            items = items, matrix = lapply(seq_len(nrow(r)), function(i) as.numeric(r[i, ])),
            thresholds = as.list(setNames(as.numeric(th), names(th))))
writeLines(toJSON(out, auto_unbox = TRUE, digits = I(15), pretty = TRUE), "tests/reference/lavaan/polychoric_stickiness.json")
print(round(r[1:4, 1:4], 4))
