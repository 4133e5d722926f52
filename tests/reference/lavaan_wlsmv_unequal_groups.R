#!/usr/bin/env Rscript
# Two groups of unequal size with parameters shared between them: lavaan minimises sum_g (N_g - 1) / N F_g for
# least-squares estimators (lav_model_objective), so with cross-group equality constraints the estimates depend on
# those weights (with equal groups, as in tests/reference/wlsmv/inv_*.json, they do not).
# Data: tests/reference/wlsmv/invariance.csv with group g2 cut to its first 150 rows (350 + 150), written to
# tests/reference/wlsmv/unequal_groups.csv and read back.
# Output: tests/reference/wlsmv/unequal_groups.json: call, lavaan_version, model, data, args, estimates
# (parameterEstimates(fit, remove.nonfree = FALSE) est and se; lavaan's group.equal rows share a label, "==" rows
# dropped), fit_measures (fitMeasures(fit)), modindices (modindices(fit, sort. = FALSE, minimum.value = 0)).
# Usage (repository root): Rscript tests/reference/lavaan_wlsmv_unequal_groups.R
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
folder <- "tests/reference/wlsmv"
d <- read.csv(file.path(folder, "invariance.csv"))
d <- d[c(which(d$group == "g1"), which(d$group == "g2")[1:150]), ]
write.csv(d, file.path(folder, "unequal_groups.csv"), row.names = FALSE)
d <- read.csv(file.path(folder, "unequal_groups.csv"))
items <- c(paste0("sec", 1:5), paste0("con", 1:4))
model <- "security =~ sec1 + sec2 + sec3 + sec4 + sec5\nconvenience =~ con1 + con2 + con3 + con4"
args <- list(group = "group", ordered = items, estimator = "WLSMV", group.equal = c("thresholds", "loadings"))
fit <- do.call("cfa", c(list(model = model, data = d), args))
pe <- parameterEstimates(fit, remove.nonfree = FALSE)
pe <- pe[pe$op != "==", c("lhs", "op", "rhs", "group", "est", "se")]
fm <- fitMeasures(fit)
mi <- as.data.frame(modindices(fit, sort. = FALSE, minimum.value = 0))
out <- list(case = "unequal_groups", lavaan_version = as.character(packageVersion("lavaan")),
            call = "cfa(model, data = d, group = \"group\", ordered = items, estimator = \"WLSMV\", group.equal = c(\"thresholds\", \"loadings\"))",
            model = model, data = "unequal_groups.csv", args = args, converged = lavInspect(fit, "converged"),
            estimates = pe, fit_measures = as.list(setNames(as.numeric(fm), names(fm))),
            modindices = mi[, c("lhs", "op", "rhs", "group", "mi", "epc", "sepc.lv", "sepc.all")])
writeLines(toJSON(out, auto_unbox = TRUE, digits = I(15), na = "null", pretty = TRUE),
           file.path(folder, "unequal_groups.json"))
print(fm[c("chisq", "chisq.scaled", "cfi.scaled", "rmsea.scaled")])
