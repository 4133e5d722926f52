#!/usr/bin/env Rscript
# WLSMV fits on degenerate data, where lavaan's fit measures are NA or infinite (written as the strings "NA",
# "Inf", "-Inf" so that JSON keeps them apart) or its weight matrix needs a generalized inverse.
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
write_case <- function(case, d, model, ordered, note) {
  csv <- sprintf("tests/reference/data/wlsmv_%s.csv", case)
  write.csv(d, csv, row.names = FALSE)
  d <- read.csv(csv)
  warns <- character(0)
  fit <- withCallingHandlers(cfa(model, data = d, ordered = ordered, estimator = "WLSMV"),
                             warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  fm <- suppressWarnings(fitMeasures(fit))
  pe <- parameterEstimates(fit, standardized = TRUE, remove.nonfree = FALSE)
  out <- list(case = case, note = note,
              call = sprintf("cfa(model, data = d, ordered = %s, estimator = \"WLSMV\")", deparse1(ordered)),
              lavaan_version = as.character(packageVersion("lavaan")), model = model, data = csv,
              ordered = if (isTRUE(ordered)) TRUE else I(ordered),
              estimates = pe[, c("lhs", "op", "rhs", "est", "se", "std.all")],
              fit_measures = as.list(setNames(as.numeric(fm), names(fm))), warnings = I(warns))
  writeLines(toJSON(out, auto_unbox = TRUE, digits = I(15), na = "string", pretty = TRUE),
             sprintf("tests/reference/wlsmv/%s.json", case))
  print(fm[c("chisq.scaled", "cfi.robust", "tli.robust", "rmsea.robust", "rmsea.ci.lower.robust")])
}

write_case("heywood", d, "f =~ y1 + y2 + y3 + y4", TRUE, "a negative residual variance: catML Inf")

# binary_continuous: two factors of binary items, b1 and b2 declared ordered and b3..b8 left continuous (codes 1/2).
# A continuous binary variable's mean and variance scores are proportional, so A11 is singular: lavaan's
# muthen1984 uses a generalized inverse ("trouble constructing W matrix") and fits the model. On some draws R's
# solve(A11) passes instead (LAPACK's estimated reciprocal condition number just above eps), the continuous items'
# weights become ~0 and lavaan's fit degenerates (chi-square ~1e-12, no SEs; e.g. set.seed(1)); ordinal_sample_stats
# takes the generalized inverse whenever the exact 1-norm condition number exceeds 1 / eps, so it fits those too.
set.seed(2)  # a draw where R's solve(A11) fails and lavaan takes the generalized inverse (see the test)
n <- 700
eta <- MASS::mvrnorm(n, c(0, 0), matrix(c(1, 0.4, 0.4, 1), 2))
lambda <- c(0.8, 0.75, 0.6, 0.65, 0.7, 0.7, 0.55, 0.75)
cuts <- c(0.3, 0.1, -0.6, -0.5, -0.4, 0.2, 0.6, -0.3)
b <- sapply(1:8, function(j) {
  ystar <- lambda[j] * eta[, (j - 1) %/% 4 + 1] + sqrt(1 - lambda[j]^2) * rnorm(n)
  as.integer(ystar > cuts[j]) + 1L
})
colnames(b) <- paste0("b", 1:8)
write_case("binary_continuous", as.data.frame(b), "f1 =~ b1 + b2 + b3 + b4\nf2 =~ b5 + b6 + b7 + b8",
           c("b1", "b2"), "binary items left continuous: A11 singular, generalized inverse")

# binary_continuous_noise: the same design (a reviewer's draw, kept as data): here the whole A11's condition number
# is just below 1 / eps, where our first rule kept the plain inverse and refused the model; lavaan takes ginv.
write_case("binary_continuous_noise", read.csv("tests/reference/data/wlsmv_binary_continuous_noise.csv"),
           "f1 =~ b1 + b2 + b3 + b4\nf2 =~ b5 + b6 + b7 + b8", c("b1", "b2"),
           "binary items left continuous, a draw near the old rule's cut-off: generalized inverse")
