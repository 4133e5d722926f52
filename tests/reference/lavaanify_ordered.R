#!/usr/bin/env Rscript
# Parameter tables of lavaan fits with ordered items (WLSMV), for tests/test_partable_ordered.py:
# our lavaanify(syntax, Options(ordered = {item: number of thresholds}, ...)) must give every row.
#
# Usage (from the repository root):
#   Rscript tests/reference/lavaanify_ordered.R
# Writes, in tests/reference/lavaanify_ordered/:
#   likert.csv        the simulated data (seeded), read back before fitting so lavaan sees exactly
#                     the file: 600 respondents in groups A and B (300 each); y1..y20 5-point items
#                     (codes 1..5) on five correlated factors, b1 a 0/1 item, c1..c3 continuous
#                     indicators, x1 a continuous covariate; group B's thresholds shifted a little.
#   <case>.json       one per case: {name, syntax, call (the R call, for reading), lavaan_version,
#                     R_version, seed, data_file, fitted, options, lavaan_options, nthresholds, table}
#     lavaan_options: meanstructure, conditional.x and group.equal as lavaan set them for the fit
#     options:     {ordered (the items declared ordered, in the order given to lavaan),
#                   parameterization, ngroups, group_equal (as written in the call),
#                   group_partial, std_lv}
#     nthresholds: {item: number of thresholds} as lavaan took it from the data
#                  (varTable(fit)$nlev - 1), for the ordered items of the model
#     table:       parTable(fit), columns id lhs op rhs user block group free ustart exo label
#                  plabel start est se (NA -> null). The partable of a fit is lavaanify(model,
#                  varTable = <data>, ...) with the fitting function's options; for categorical data
#                  lavaan's options also switch on meanstructure and (with observed covariates)
#                  conditional.x, and add "intercepts" to a group.equal with "thresholds" (and the
#                  reverse).
#                  start/est/se are kept for the later WLSMV estimation work; the partable test
#                  compares id..plabel.
#
# Every case is fitted with estimator = "WLSMV" (lavaan's defaults otherwise: delta
# parameterization unless the case says theta, listwise deletion), must converge and give every
# free parameter a standard error; the one case marked do.fit = FALSE (not identified on purpose)
# is only set up, which builds the same parameter table ("fitted": false in its JSON).
#
# Requires: lavaan (0.6.14 was used), jsonlite.

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

script_dir <- local({
  file_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(file_arg)) dirname(normalizePath(sub("^--file=", "", file_arg[1])))
  else normalizePath(file.path("tests", "reference"))
})
out_dir <- file.path(script_dir, "lavaanify_ordered")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

# ----- data --------------------------------------------------------------------------------------
SEED <- 20240620L
set.seed(SEED)
n <- 600L
group <- rep(c("A", "B"), each = n / 2L)
phi <- matrix(0.4, 5, 5); diag(phi) <- 1
eta <- matrix(rnorm(n * 5), n, 5) %*% chol(phi)
x1 <- rnorm(n)
eta[, 2] <- eta[, 2] + 0.3 * x1           # the covariate of the SEM case predicts f2
cuts <- c(-1.5, -0.5, 0.4, 1.3)
d <- data.frame(group = group)
for (j in 1:20) {
  f <- (j - 1L) %/% 4L + 1L
  lam <- c(0.75, 0.70, 0.65, 0.60)[(j - 1L) %% 4L + 1L]
  ystar <- lam * eta[, f] + sqrt(1 - lam^2) * rnorm(n)
  shift <- ifelse(group == "B", 0.2 * ((j %% 3L) - 1L), 0)  # group B's thresholds differ a little
  d[[paste0("y", j)]] <- as.integer(findInterval(ystar - shift, cuts + 0.1 * ((j %% 5L) - 2L)) + 1L)
}
d$b1 <- as.integer(0.7 * eta[, 1] + sqrt(0.51) * rnorm(n) > 0.3)
for (j in 1:3) d[[paste0("c", j)]] <- round(3 + 0.8 * eta[, 1] + 0.6 * rnorm(n), 4)
d$x1 <- round(x1, 4)
data_file <- file.path(out_dir, "likert.csv")
write.csv(d, data_file, row.names = FALSE)
d <- read.csv(data_file)

# ----- cases ---------------------------------------------------------------------------------------
y <- function(i) paste0("y", i)
CFA5 <- paste(sprintf("f%d =~ %s", 1:5, sapply(1:5, function(f) paste(y((f - 1) * 4 + 1:4), collapse = " + "))),
              collapse = "\n")
SEM <- "f1 =~ y1 + y2 + y3 + y4
f2 =~ y5 + y6 + y7 + y8
f3 =~ y9 + y10 + y11 + y12
f2 ~ a*f1 + x1
f3 ~ b*f2 + f1
y13 ~ f3
ind := a*b"
# a factor measured by one ordered item is not identified, so this case is not fitted (do.fit =
# FALSE): its table shows auto.fix.single (residual variance 0) overridden by the ordered rule (1)
SINGLE <- "f1 =~ y1 + y2 + y3 + y4
f2 =~ y5
f2 ~ f1"
BINARY <- "f1 =~ b1 + y1 + y2 + y3"
MIXED <- "f1 =~ y1 + c1 + y2 + c2 + y3 + c3
f2 =~ y5 + y6 + y7 + y8"
USER_TH <- "f1 =~ y1 + y2 + y3 + y4
f2 =~ y5 + y6 + y7
y1 | a1*t1 + a2*t2 + t3 + t4
y2 | 0*t1 + start(0.2)*t2
y3 | a1*t1
y6 | -1.2*t1 + t2
f2 ~~ 1*f2
gap := a2 - a1"
TWO <- "f1 =~ y1 + y2 + y3 + y4 + y5
f2 =~ y6 + y7 + y8 + y9 + y10"
TWO_MOD <- "f1 =~ y1 + y2 + y3 + y4
f2 =~ y5 + y6 + y7 + y8
y1 | c(s1, s2)*t1 + t2
y5 | c(0, NA)*t1
y8 ~*~ c(1, 1)*y8"
TWO_THETA_MOD <- "f1 =~ y1 + y2 + y3 + y4
f2 =~ y5 + y6 + y7 + y8
y8 ~~ c(1, 1)*y8"

cases <- list(
  list(name = "cfa5_likert", syntax = CFA5, fun = "cfa", ordered = y(1:20)),
  list(name = "cfa5_likert_theta", syntax = CFA5, fun = "cfa", ordered = y(1:20), parameterization = "theta"),
  list(name = "sem_regressions", syntax = SEM, fun = "sem", ordered = y(1:14)),
  list(name = "single_ordered_indicator_not_fitted", syntax = SINGLE, fun = "sem", ordered = y(1:5),
       do.fit = FALSE),
  list(name = "binary_item_std_lv", syntax = BINARY, fun = "cfa", ordered = c("b1", y(1:3)), std.lv = TRUE),
  list(name = "mixed_ordered_continuous", syntax = MIXED, fun = "cfa", ordered = y(c(1:3, 5:8))),
  list(name = "user_thresholds", syntax = USER_TH, fun = "cfa", ordered = y(1:7)),
  list(name = "two_group_thresholds_loadings", syntax = TWO, fun = "cfa", ordered = y(1:10), group = "group",
       group.equal = c("thresholds", "loadings")),
  list(name = "two_group_thresholds_loadings_theta", syntax = TWO, fun = "cfa", ordered = y(1:10),
       group = "group", group.equal = c("thresholds", "loadings"), parameterization = "theta"),
  list(name = "two_group_modifiers_partial", syntax = TWO_MOD, fun = "cfa", ordered = y(1:8), group = "group",
       group.equal = c("thresholds", "loadings"), group.partial = c("y2|t3", "f2=~y7")),
  list(name = "two_group_theta_modifiers", syntax = TWO_THETA_MOD, fun = "cfa", ordered = y(1:8),
       group = "group", group.equal = c("loadings", "intercepts"), parameterization = "theta"),
  list(name = "two_group_configural", syntax = TWO, fun = "cfa", ordered = y(1:10), group = "group")
)

COLUMNS <- c("id", "lhs", "op", "rhs", "user", "block", "group", "free", "ustart", "exo", "label", "plabel",
             "start", "est", "se")

for (cs in cases) {
  args <- list(model = cs$syntax, data = d, ordered = cs$ordered, estimator = "WLSMV")
  for (a in c("group", "group.equal", "group.partial", "parameterization", "std.lv", "do.fit")) {
    if (!is.null(cs[[a]])) args[[a]] <- cs[[a]]
  }
  fit <- do.call(cs$fun, args)
  fitted <- !identical(cs$do.fit, FALSE)
  if (fitted && !lavInspect(fit, "converged")) stop(cs$name, ": lavaan did not converge")
  pt <- parTable(fit)
  if (fitted && any(pt$free > 0L & is.na(pt$se))) stop(cs$name, ": lavaan gave no standard errors")
  vt <- varTable(fit)
  ord <- vt$name[vt$type == "ordered"]
  nth <- setNames(as.list(as.integer(vt$nlev[vt$type == "ordered"] - 1L)), ord)
  call <- sprintf("%s(model, data = likert.csv, ordered = c(%s), estimator = \"WLSMV\"%s)", cs$fun,
                  paste0("\"", cs$ordered, "\"", collapse = ", "),
                  paste0(vapply(setdiff(names(args), c("model", "data", "ordered", "estimator")), function(a)
                    sprintf(", %s = %s", a, paste(deparse(args[[a]]), collapse = "")), ""), collapse = ""))
  doc <- list(
    name = cs$name, syntax = cs$syntax, call = call,
    lavaan_version = as.character(packageVersion("lavaan")), R_version = R.version.string, seed = SEED,
    data_file = "likert.csv", fitted = fitted,
    options = list(ordered = I(cs$ordered),
                   parameterization = if (is.null(cs$parameterization)) "delta" else cs$parameterization,
                   ngroups = lavInspect(fit, "ngroups"),
                   group_equal = I(if (is.null(cs$group.equal)) character(0) else cs$group.equal),
                   group_partial = I(if (is.null(cs$group.partial)) character(0) else cs$group.partial),
                   std_lv = isTRUE(cs$std.lv)),
    lavaan_options = list(meanstructure = lavInspect(fit, "options")$meanstructure,
                          conditional.x = lavInspect(fit, "options")$conditional.x,
                          group.equal = I(lavInspect(fit, "options")$group.equal)),
    nthresholds = nth,
    table = pt[COLUMNS])
  writeLines(toJSON(doc, auto_unbox = TRUE, digits = I(15), na = "null", null = "null",
                    dataframe = "columns", pretty = FALSE),
             file.path(out_dir, paste0(cs$name, ".json")))
  cat(sprintf("%-38s %3d rows, %3d free -> %s.json\n", cs$name, nrow(pt), max(pt$free), cs$name))
}
