#!/usr/bin/env Rscript
# Modification indices of categorical (WLSMV, DWLS, ULSMV) fits: lavaan's modindices() on the fits of
# tests/reference/lavaan_wlsmv.R, refitted here from each case's JSON (its model or generated syntax, data file
# and arguments), so this script needs that one's output and no data of its own; case heywood is
# tests/reference/lavaan_wlsmv_degenerate.R's (a negative residual variance: sepc.all divides by |theta|).
# Output: tests/reference/wlsmv/modindices.json, one entry per case: call, model, data (path from the repository
# root), args (of the call besides model and data), lavaan_version, warnings (what
# modindices() warned, e.g. that it ignores equality constraints) and modindices = modindices(fit, sort. = FALSE,
# minimum.value = 0) as records (lhs op rhs [group] mi epc sepc.lv sepc.all sepc.nox).
# Usage (repository root): Rscript tests/reference/lavaan_wlsmv_modindices.R
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
source("tests/reference/lib/wlsmv_refit.R")
folder <- "tests/reference/wlsmv"
cases <- c("cfa5", "sem_indirect", "binary", "mixed", "theta_param", "dwls", "ulsmv", "pairwise", "multigroup",
           "inv_loadings", "heywood")
out <- list()
for (case in cases) {
  case_fit <- refit_wlsmv_case(folder, case)
  fit <- case_fit$fit; model <- case_fit$model; data <- case_fit$data; args <- case_fit$args
  warns <- character(0)
  mi <- withCallingHandlers(modindices(fit, sort. = FALSE, minimum.value = 0),
                            warning = function(w) { warns <<- c(warns, conditionMessage(w))
                                                    invokeRestart("muffleWarning") })
  mi <- as.data.frame(mi)
  keep <- intersect(c("lhs", "op", "rhs", "group", "mi", "epc", "sepc.lv", "sepc.all", "sepc.nox"), names(mi))
  out[[case]] <- list(call = case_fit$call, model = model, data = data, args = args,
                      lavaan_version = as.character(packageVersion("lavaan")),
                      warnings = I(warns), modindices = mi[, keep])
  cat(case, nrow(mi), "indices; largest", max(mi$mi, na.rm = TRUE), "\n")
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = I(15), na = "null", pretty = TRUE),
           file.path(folder, "modindices.json"))
