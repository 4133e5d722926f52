#!/usr/bin/env Rscript
# Factor scores of categorical (WLSMV, DWLS) fits: lavaan's lavPredict(fit) (method "EBM", the posterior mode of
# each respondent's latent variables; lavaan's default for ordered items) and lavPredict(fit, method = "ML") (the
# mode of the likelihood under lavaan's vague prior), on the fits of tests/reference/lavaan_wlsmv.R, refitted here
# from each case's JSON, so this script needs that one's output and no data of its own.
# lavaan 0.6.14 scales the thresholds and the mean by the scale factors (delta) but not the residual SDs, and
# subtracts the mean structure twice (later lavaan: raw thresholds and one linear predictor); the two agree where
# every delta is 1 and the model has no latent means or intercepts (not so in theta_param, whose scale factors are
# implied, nor in inv_loadings' group 2), and 0.6.14 scores every group with the first group's loadings (it does
# not pass the group on). So the EBM scores are also computed here by hand in the later definition ("ebm_raw",
# every case and group: optim() of
# 0.5 (eta - E eta)' V^-1 (eta - E eta) - sum_j log P(y_j | eta) with P from the raw thresholds tau, nu + Lambda eta
# and sqrt(diag(Theta)) of lavInspect(fit, "est")), and "ml_raw" the same with lavaan's vague prior (precision
# 1e-5 I) for method = "ML", whose optimum lavaan's BFGS (reltol 1e-8) misses, and even this optim() can miss,
# where a factor's answers are all in its items' bottom or top category (the objective is nearly flat there).
# Output: tests/reference/wlsmv/predict.json, one entry per case: call, model, data, args, lavaan_version, groups,
# ebm, ml, ebm_raw and ml_raw (per group a matrix, rows the respondents lavaan scored, in data order within the group).
# Usage (repository root): Rscript tests/reference/lavaan_wlsmv_predict.R
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
source("tests/reference/lib/wlsmv_refit.R")
folder <- "tests/reference/wlsmv"
cases <- c("cfa5", "sem_indirect", "binary", "mixed", "theta_param", "dwls", "pairwise", "multigroup",
           "inv_loadings")
as_groups <- function(x) if (is.list(x)) unname(lapply(x, unclass)) else list(unclass(x))
mode_raw <- function(fit, d, group_label, g, ml = FALSE) {
  est <- lavInspect(fit, "est")
  if (lavInspect(fit, "ngroups") > 1) est <- est[[g]]
  ov <- lavNames(fit, "ov")
  ord <- lavNames(fit, "ov.ord")
  y <- as.matrix(if (is.null(group_label)) d[, ov] else d[d$group == group_label, ov])
  m <- ncol(est$lambda)
  ci <- if (is.null(est$beta)) diag(m) else solve(diag(m) - est$beta)
  veta <- ci %*% est$psi %*% t(ci); eeta <- as.vector(ci %*% est$alpha); nu <- as.vector(est$nu)
  sdv <- sqrt(diag(est$theta)); tau <- est$tau[, 1]; tn <- rownames(est$tau)
  vinv <- if (ml) diag(m) * 1e-5 else solve(veta)  # lavaan's vague prior for method = "ML"
  # per answer the interval (lower, upper] of its latent response: the item's raw thresholds around its category
  # (codes sorted over all rows, as lavaan's factor levels)
  lower <- upper <- matrix(NA, nrow(y), length(ov))
  for (j in which(ov %in% ord)) {
    cuts <- c(-Inf, tau[startsWith(tn, paste0(ov[j], "|"))], Inf)
    k <- match(y[, j], sort(unique(d[[ov[j]]])))
    lower[, j] <- cuts[k]; upper[, j] <- cuts[k + 1]
  }
  t(sapply(seq_len(nrow(y)), function(i) {
    o <- which(ov %in% ord & !is.na(y[i, ])); cn <- which(!ov %in% ord & !is.na(y[i, ]))
    f <- function(x) {
      lin <- nu + as.vector(est$lambda %*% x)
      lp <- sum(log(pnorm((upper[i, o] - lin[o]) / sdv[o]) - pnorm((lower[i, o] - lin[o]) / sdv[o]))) +
        sum(dnorm(y[i, cn], lin[cn], sdv[cn], log = TRUE))
      0.5 * as.numeric(t(x - eeta) %*% vinv %*% (x - eeta)) - lp
    }
    optim(eeta, f, method = "BFGS", control = list(reltol = 1e-14, maxit = 1000))$par
  }))
}
out <- list()
for (case in cases) {
  case_fit <- refit_wlsmv_case(folder, case)
  fit <- case_fit$fit; d <- case_fit$d
  entry <- list(call = case_fit$call, model = case_fit$model, data = case_fit$data, args = case_fit$args,
                lavaan_version = as.character(packageVersion("lavaan")),
                groups = lavInspect(fit, "group.label"),
                ebm = as_groups(lavPredict(fit)), ml = as_groups(lavPredict(fit, method = "ML")))
  labels <- if (length(entry$groups)) entry$groups else list(NULL)
  entry$ebm_raw <- lapply(seq_along(labels), function(g) mode_raw(fit, d, labels[[g]], g))
  entry$ml_raw <- lapply(seq_along(labels), function(g) mode_raw(fit, d, labels[[g]], g, ml = TRUE))
  out[[case]] <- entry
  cat(case, "scored", sum(sapply(entry$ebm, nrow)), "rows\n")
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = I(15), na = "null", pretty = FALSE),
           file.path(folder, "predict.json"))
