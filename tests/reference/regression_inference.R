#!/usr/bin/env Rscript
# Inference as methods of an OLS fit (OLSResult.conf_int, OLSResult.wald_test) on lavaan's HolzingerSwineford1939:
# t intervals at two levels with classical SEs (confint) and HC3 SEs (lmtest::coefci), and F tests of linear
# hypotheses with both covariances (car::linearHypothesis; with classical SEs the nested-model F test).
#
# Usage (from the repository root):  Rscript tests/reference/regression_inference.R
# Writes tests/reference/regression/ols_inference.json.
# Requires: sandwich, lmtest, car, jsonlite (Debian: r-cran-sandwich r-cran-lmtest r-cran-car r-cran-jsonlite).
suppressPackageStartupMessages({ library(sandwich); library(lmtest); library(car); library(jsonlite) })
script_dir <- local({
  a <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(a)) dirname(normalizePath(sub("^--file=", "", a[1]))) else normalizePath(file.path("tests", "reference"))
})
d <- read.csv(file.path(script_dir, "data", "HolzingerSwineford1939.csv"), stringsAsFactors = FALSE)
fit <- lm(x9 ~ x7 + x8 + x1 + school, data = d)  # school: a dummy, "schoolPasteur" in R, "school_Pasteur" in ours
vcovs <- list(classical = vcov(fit), HC3 = vcovHC(fit, type = "HC3"))
intervals <- list()
for (se in names(vcovs)) for (level in c(0.95, 0.90)) {
  ci <- coefci(fit, vcov. = vcovs[[se]], level = level)
  intervals[[length(intervals) + 1]] <- list(se = se, level = level, term = rownames(ci),
                                             ci_lower = unname(ci[, 1]), ci_upper = unname(ci[, 2]))
}
stopifnot(isTRUE(all.equal(coefci(fit, vcov. = vcov(fit)), confint(fit))))  # coefci with vcov(lm) is confint(lm)
# hypotheses as R writes them and as ours (term names differ for the intercept and the dummy)
hypotheses <- list(
  list(r = "x7 = x8", ours = "x7 == x8"),
  list(r = c("x7 = 0", "x8 = 0"), ours = "x7 = 0; x8 = 0"),
  list(r = "x7 + x8 = 0.5", ours = "x7 + x8 == 0.5"),
  list(r = c("2*x7 = x8", "schoolPasteur = 0", "(Intercept) = 3"), ours = "2*x7 == x8\nschool_Pasteur = 0\n(Intercept) = 3")
)
tests <- list()
for (se in names(vcovs)) for (h in hypotheses) {
  lh <- linearHypothesis(fit, h$r, vcov. = vcovs[[se]], test = "F")
  tests[[length(tests) + 1]] <- list(se = se, r = h$r, ours = h$ours, stat = lh$F[2], df = lh$Df[2],
                                     df_denom = lh$Res.Df[2], pvalue = lh[["Pr(>F)"]][2])
}
out <- list(call = "lm(x9 ~ x7 + x8 + x1 + school, HolzingerSwineford1939); coefci(fit, vcov. =, level =); car::linearHypothesis(fit, h, vcov. =)",
            n = nrow(d), intervals = intervals, tests = tests,
            versions = list(R = R.version.string, sandwich = as.character(packageVersion("sandwich")),
                            lmtest = as.character(packageVersion("lmtest")), car = as.character(packageVersion("car"))))
dir.create(file.path(script_dir, "regression"), showWarnings = FALSE)
writeLines(toJSON(out, auto_unbox = TRUE, digits = I(15), pretty = TRUE), file.path(script_dir, "regression", "ols_inference.json"))
cat("F (HC3) x7 = x8:", tests[[5]]$stat, "\n")
