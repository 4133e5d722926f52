# Multi-group residuals and sample statistics: every group's matrices (lavaan's resid(fit, type=) and
# lavInspect(fit, "sampstat") are lists by group), for SEMResult.residuals() / sample_cov / implied_cov.
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6"
out <- list(lavaan_version = as.character(packageVersion("lavaan")), R_version = R.version.string, model = model)
by_group <- function(fit) {  # each group's sample, implied and residual matrices
  groups <- lavInspect(fit, "group.label")
  case <- list()
  for (k in seq_along(groups)) {
    case[[groups[k]]] <- list(
      sample_cov = unclass(lavInspect(fit, "sampstat")[[k]]$cov),
      implied_cov = unclass(fitted(fit)[[k]]$cov),
      raw = unclass(resid(fit, type = "raw")[[k]]$cov),
      cor = unclass(resid(fit, type = "cor.bollen")[[k]]$cov))
  }
  case
}
for (missing in c("listwise", "ml"))
  out[[missing]] <- by_group(cfa(model, HolzingerSwineford1939, group = "school", missing = missing))
# ordered items (WLSMV): x1..x6 cut at their quartiles (R's default quantiles, numpy's linear ones; right-closed
# intervals, as pandas.qcut); the implied matrix is the latent responses' on the correlation scale, in either
# parameterization
hs <- HolzingerSwineford1939
for (v in paste0("x", 1:6))
  hs[[v]] <- cut(hs[[v]], quantile(hs[[v]], c(0, .25, .5, .75, 1)), include.lowest = TRUE, labels = FALSE)
for (par in c("delta", "theta"))
  out[[paste0("wlsmv_", par)]] <- by_group(cfa(model, hs, group = "school", ordered = TRUE, parameterization = par))
write_json(out, "tests/reference/multigroup/resid.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
