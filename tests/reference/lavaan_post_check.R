#!/usr/bin/env Rscript
# lavaan's checks of an improper solution after a fit (lav_object_post_check): its warnings that the latent
# variables' covariance matrix (cov.lv) or the continuous variables' residual covariance matrix (theta) is not
# positive definite, besides negative variances. Four fits on data simulated here (written to
# tests/reference/data/post_check.csv): two factors that are nearly one (their correlation estimated beyond 1) as
# ordered items (WLSMV) and as continuous (ML); the residual (co)variances of b1 and of b2 reversed (b2r) fixed so
# that they correlate 1.17 (ML); and a proper model (no warning).
# Output: tests/reference/lavaan/post_check.json, per case: model, args, warnings (lavaan's, in order), and the
# latent correlation or residual covariance matrix lavaan estimated.
# Usage (repository root): Rscript tests/reference/lavaan_post_check.R
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
set.seed(16)  # the first seed whose fits put the two factors' correlation beyond 1 (ML and WLSMV)
n <- 120
eta <- MASS::mvrnorm(n, c(0, 0), matrix(c(1, .98, .98, 1), 2))
cut3 <- function(x) findInterval(x, c(-1, 0, 1)) + 1
d <- data.frame(a1 = cut3(.95 * eta[, 1] + sqrt(1 - .95^2) * rnorm(n)),
                a2 = cut3(.93 * eta[, 1] + sqrt(1 - .93^2) * rnorm(n)),
                a3 = cut3(.30 * eta[, 1] + sqrt(1 - .30^2) * rnorm(n)),
                b1 = cut3(.70 * eta[, 2] + sqrt(1 - .70^2) * rnorm(n)),
                b2 = cut3(.70 * eta[, 2] + sqrt(1 - .70^2) * rnorm(n)),
                b3 = cut3(.70 * eta[, 2] + sqrt(1 - .70^2) * rnorm(n)))
d$b2r <- 4 - d$b2  # b2 reversed: it loads negatively, so a residual correlation beyond 1 leaves Sigma positive definite
write.csv(d, "tests/reference/data/post_check.csv", row.names = FALSE)
two <- "A =~ a1 + a2 + a3\nB =~ b1 + b2 + b3"
cases <- list(
  wlsmv_cov_lv = list(model = two, args = list(ordered = TRUE, estimator = "WLSMV")),
  ml_cov_lv = list(model = two, args = list(estimator = "ML")),
  ml_theta = list(model = "B =~ b1 + b2r + b3\nb1 ~~ 0.3*b1 + 0.35*b2r\nb2r ~~ 0.3*b2r", args = list(estimator = "ML")),
  ml_proper = list(model = "B =~ b1 + b2 + b3", args = list(estimator = "ML")))
out <- list()
for (case in names(cases)) {
  spec <- cases[[case]]
  warns <- character(0)
  fit <- withCallingHandlers(do.call("cfa", c(list(model = spec$model, data = d), spec$args)),
                             warning = function(w) { warns <<- c(warns, conditionMessage(w))
                                                     invokeRestart("muffleWarning") })
  out[[case]] <- list(model = spec$model, args = spec$args, lavaan_version = as.character(packageVersion("lavaan")),
                      warnings = I(warns), cor_lv = unclass(lavInspect(fit, "cor.lv")),
                      theta = unclass(lavInspect(fit, "est")$theta))
  cat(case, length(warns), "warning(s)\n")
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = I(15), pretty = TRUE), "tests/reference/lavaan/post_check.json")
