#!/usr/bin/env Rscript
# WLSMV fits on degenerate data, where lavaan's fit measures are NA or infinite (written as the strings "NA",
# "Inf", "-Inf" so that JSON keeps them apart).
# heywood: 20 respondents, a one-factor CFA whose DWLS estimates give y3 a negative residual variance; the implied
# correlation matrix is then not positive definite, lavaan's catML discrepancy is Inf, and so are its robust
# measures: cfi.robust NA (Inf / Inf), tli.robust -Inf, rmsea.robust Inf, their interval NA.
# Usage (repository root): Rscript tests/reference/lavaan_wlsmv_degenerate.R
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
d <- data.frame(
  y1 = c(1, 6, 2, 2, 6, 2, 5, 2, 6, 6, 2, 6, 5, 2, 2, 2, 2, 6, 6, 6),
  y2 = c(5, 5, 4, 4, 5, 4, 5, 4, 5, 5, 4, 4, 5, 4, 4, 4, 5, 4, 5, 5),
  y3 = c(2, 3, 2, 2, 3, 3, 3, 2, 3, 3, 2, 3, 2, 2, 2, 2, 3, 3, 3, 3),
  y4 = c(2, 2, 4, 3, 2, 2, 2, 4, 2, 2, 4, 2, 2, 4, 4, 3, 4, 4, 2, 2))
csv <- "tests/reference/data/wlsmv_heywood.csv"
write.csv(d, csv, row.names = FALSE)
d <- read.csv(csv)
model <- "f =~ y1 + y2 + y3 + y4"
warns <- character(0)
fit <- withCallingHandlers(cfa(model, data = d, ordered = TRUE, estimator = "WLSMV"),
                           warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
fm <- suppressWarnings(fitMeasures(fit))
pe <- parameterEstimates(fit, standardized = TRUE, remove.nonfree = FALSE)
out <- list(case = "heywood", call = "cfa(model, data = d, ordered = TRUE, estimator = \"WLSMV\")",
            lavaan_version = as.character(packageVersion("lavaan")), model = model, data = csv,
            estimates = pe[, c("lhs", "op", "rhs", "est", "se", "std.all")],
            fit_measures = as.list(setNames(as.numeric(fm), names(fm))), warnings = I(warns))
writeLines(toJSON(out, auto_unbox = TRUE, digits = I(15), na = "string", pretty = TRUE),
           "tests/reference/wlsmv/heywood.json")
print(fm[c("chisq.scaled", "cfi.robust", "tli.robust", "rmsea.robust", "rmsea.ci.lower.robust")])
