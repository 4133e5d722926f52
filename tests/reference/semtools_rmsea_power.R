#!/usr/bin/env Rscript
# Reference for stickiness_research.planning.rmsea_power / rmsea_sample_size: RMSEA-based power
# (MacCallum, Browne & Sugawara 1996) as semTools 0.5.6 computes it.
#
# What semTools 0.5.6 does (read from its source, print(semTools::findRMSEApower) and
# print(semTools::findRMSEAsamplesize)):
#   findRMSEApower(rmsea0, rmseaA, df, n, alpha = .05, group = 1):
#     ncp0 = (n - 1) * df * rmsea0^2 / group,   ncpa = (n - 1) * df * rmseaA^2 / group
#     (n is the total sample size; N - 1, not N; the RMSEA of a multi-group model is sqrt(group)
#     times the one-group RMSEA, as in lavaan, hence the division by group)
#     rmsea0 < rmseaA (close fit; exact fit when rmsea0 = 0):
#       cval = qchisq(alpha, df, ncp0, lower.tail = FALSE);  power = pchisq(cval, df, ncpa, lower.tail = FALSE)
#     otherwise (not-close fit, rmsea0 > rmseaA):
#       cval = qchisq(1 - alpha, df, ncp0, lower.tail = FALSE); power = 1 - pchisq(cval, df, ncpa, lower.tail = FALSE)
#   findRMSEAsamplesize(rmsea0, rmseaA, df, power = .8, alpha = .05, group = 1):
#     scans total n = 5:500, then 505:1000, 1005:1500, ... (blocks of 500) and returns the first
#     n whose power is strictly greater than `power`, DIVIDED BY group (a per-group size, possibly
#     fractional, e.g. 150.5); "Sample Size <= 5" when every n in 5:500 exceeds the power; it
#     never stops when the power is never reached (rmsea0 = rmseaA). The blocks skip N = 501-504,
#     1001-1004, ... (n + 500 on 5:500 gives 505:1000), so when the smallest N lies in such a gap
#     semTools returns the next block's first N (505 where 503 suffices; two cases of this grid).
#   R warns "full precision may not have been achieved in 'pnchisq'" for 51 power cases: not-close fit
#   with a large noncentrality, where 1 - pchisq(upper tail < 1e-10) is computed; the power is 1
#   to within 1e-10 there, and the values are kept as R gives them.
#
# Cases: nine RMSEA pairs (close fit .05/.08, .05/.10, .02/.05; not-close fit .05/.01, .08/.05,
# .10/.06; exact fit 0/.05, 0/.08, 0/.03) crossed with
#   power:        df 1, 5, 24, 50, 100, 265 (the stickiness model's df) x n 100, 150, 200, 500, 1000, 2000
#                 x alpha .05, .01 x group 1, 2; plus group 3 at df 24 and 265
#   sample size:  df 5, 24, 100, 265 x power .80, .90 x alpha .05, .01 x group 1, 2; plus df 1 and
#                 group 3 for a few pairs
#
# Output tests/reference/rmsea_power/semtools.json:
#   semTools_version, R_version, generated (script path),
#   power:       records {rmsea0, rmsea_a, df, n, alpha, group, call, power}
#   sample_size: records {rmsea0, rmsea_a, df, power, alpha, group, call, value, total_n}
#                value = what findRMSEAsamplesize returned (n / group), total_n = value * group
#                (the total N, what rmsea_sample_size returns); value null and note set when semTools
#                returned its "Sample Size <= 5" string.
# Numbers are written with 17 significant digits (sprintf("%.17g")), enough to round-trip a double.
#
# Requires: semTools 0.5.6, jsonlite. Takes a few minutes (findRMSEAsamplesize scans N one by one).
# Usage (repository root): Rscript tests/reference/semtools_rmsea_power.R
suppressPackageStartupMessages({ library(semTools); library(jsonlite) })

out_dir <- "tests/reference/rmsea_power"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
num <- function(x) structure(sprintf("%.17g", x), class = "json")  # full precision, verbatim in the JSON

pairs <- list(c(.05, .08), c(.05, .10), c(.02, .05),   # close fit
              c(.05, .01), c(.08, .05), c(.10, .06),   # not-close fit
              c(0, .05), c(0, .08), c(0, .03))         # exact fit

power_cases <- list()
for (p in pairs) for (df in c(1, 5, 24, 50, 100, 265)) for (n in c(100, 150, 200, 500, 1000, 2000))
  for (alpha in c(.05, .01)) for (group in c(1, 2, 3)) {
    if (group == 3 && !(df %in% c(24, 265))) next
    value <- findRMSEApower(p[1], p[2], df, n, alpha, group = group)
    power_cases[[length(power_cases) + 1]] <- list(
      rmsea0 = num(p[1]), rmsea_a = num(p[2]), df = df, n = n, alpha = num(alpha), group = group,
      call = sprintf("semTools::findRMSEApower(%g, %g, %g, %g, %g, group = %g)", p[1], p[2], df, n, alpha, group),
      power = num(value))
  }

size_grid <- list()
for (i in seq_along(pairs)) for (df in c(5, 24, 100, 265)) for (target in c(.80, .90))
  for (alpha in c(.05, .01)) for (group in c(1, 2))
    size_grid[[length(size_grid) + 1]] <- list(p = pairs[[i]], df = df, target = target, alpha = alpha, group = group)
for (i in c(1, 4, 8)) for (target in c(.80, .90))  # df 1 (large N) and three groups
  size_grid[[length(size_grid) + 1]] <- list(p = pairs[[i]], df = 1, target = target, alpha = .05, group = 1)
for (i in c(1, 5, 7)) for (df in c(24, 265))
  size_grid[[length(size_grid) + 1]] <- list(p = pairs[[i]], df = df, target = .80, alpha = .05, group = 3)

size_cases <- lapply(size_grid, function(g) {
  value <- findRMSEAsamplesize(g$p[1], g$p[2], g$df, g$target, g$alpha, group = g$group)
  record <- list(rmsea0 = num(g$p[1]), rmsea_a = num(g$p[2]), df = g$df, power = num(g$target),
                 alpha = num(g$alpha), group = g$group,
                 call = sprintf("semTools::findRMSEAsamplesize(%g, %g, %g, %g, %g, group = %g)",
                                g$p[1], g$p[2], g$df, g$target, g$alpha, g$group))
  if (is.character(value)) {
    record$value <- NULL; record$total_n <- NULL; record$note <- value
  } else {
    record$value <- num(value); record$total_n <- num(value * g$group)
  }
  record
})

result <- list(semTools_version = as.character(packageVersion("semTools")), R_version = R.version.string,
               generated = "tests/reference/semtools_rmsea_power.R", power = power_cases, sample_size = size_cases)
writeLines(toJSON(result, auto_unbox = TRUE, json_verbatim = TRUE, pretty = TRUE, null = "null"),
           file.path(out_dir, "semtools.json"))
cat(sprintf("wrote %d power and %d sample-size cases to %s\n", length(power_cases), length(size_cases),
            file.path(out_dir, "semtools.json")))
