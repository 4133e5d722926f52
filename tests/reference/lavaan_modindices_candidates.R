#!/usr/bin/env Rscript
# Which rows modindices() scores: lavaan's candidates are every row of lav_partable_full that is not a free
# parameter of the fit (fixed rows freed, absent rows added: lav_object_extended(all.free = TRUE)), those that
# would not be identified left out. Models chosen for the rows that rule reaches beyond cross-loadings and
# residual covariances: fixed-zero covariances (orthogonal factors), a fixed residual variance, an observed
# outcome in a regression (regressions only among the variables of '~'), latent means of a multi-group model with
# equal intercepts, scale factors (~*~) of ordered items with a fixed loading, observed covariates held at their
# sample moments (fixed.x: lavaan's information leaves their moments out), a path model of observed variables only,
# and a second-order marker freed across two groups (its sepc.lv divides by the lower factor's sd).
# Output: tests/reference/lavaan/modindices_candidates.json, one entry per case: call, model, data (path from the
# repository root), args, lavaan_version, modindices = modindices(fit, sort. = FALSE, minimum.value = 0) records.
# Usage (repository root): Rscript tests/reference/lavaan_modindices_candidates.R
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
hs <- "tests/reference/data/HolzingerSwineford1939.csv"
cfa5 <- "tests/reference/wlsmv/cfa5.csv"
cases <- list(
  ml_orthogonal = list(data = hs, args = list(),
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\nvisual ~~ 0*speed\nx1 ~~ 0*x2"),
  ml_fixed_variance = list(data = hs, args = list(),
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nx6 ~~ 0.3*x6"),
  ml_observed_outcome = list(data = hs, args = list(),
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\ntextual ~ visual\nx9 ~ textual"),
  ml_groups_intercepts = list(data = hs, args = list(group = "school", group.equal = c("loadings", "intercepts")),
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6"),
  wlsmv_fixed_loading = list(data = cfa5, args = list(ordered = TRUE, estimator = "WLSMV"),
    model = "interaction =~ int1 + 0.8*int2 + int3 + int4\nemotion =~ emo1 + emo2 + 1.2*emo3 + emo4"),
  ml_covariates = list(data = hs, args = list(),
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\nvisual ~ ageyr + sex\nspeed ~ visual + grade"),
  ml_path = list(data = hs, args = list(), model = "x4 ~ x1 + x2\nx5 ~ x4 + x3\nx6 ~ x5"),
  ml_second_order_groups = list(data = hs, args = list(group = "school", group.equal = "loadings"),
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\ng =~ visual + textual + speed"))
out <- list()
for (case in names(cases)) {
  x <- cases[[case]]
  d <- read.csv(x$data)
  fit <- do.call("cfa", c(list(model = x$model, data = d), x$args))
  mi <- as.data.frame(modindices(fit, sort. = FALSE, minimum.value = 0))
  keep <- intersect(c("lhs", "op", "rhs", "group", "mi", "epc", "sepc.lv", "sepc.all"), names(mi))
  out[[case]] <- list(call = sprintf("cfa(model, data = d%s)", if (length(x$args)) paste0(", ", paste(
                        names(x$args), sapply(x$args, deparse1), sep = " = ", collapse = ", ")) else ""),
                      model = x$model, data = x$data, args = x$args,
                      lavaan_version = as.character(packageVersion("lavaan")), modindices = mi[, keep])
  cat(case, nrow(mi), "candidates:", paste(unique(mi$op), collapse = " "), "\n")
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = I(15), na = "null", pretty = TRUE),
           "tests/reference/lavaan/modindices_candidates.json")
