#!/usr/bin/env Rscript
# Reference for stickiness_research.measurement.reliability.ordinal_reliability: reliability of the
# factors of categorical (WLSMV) CFA/SEM fits as semTools 0.5.6's compRelSEM() computes it, with
# every combination of ord.scale, tau.eq and obs.var, for 9 fits (8 of the data of lavaan_wlsmv.R).
#
# What compRelSEM (semTools 0.5.6) does for a fit with ordered indicators (read from its source,
# print(semTools::compRelSEM), semTools:::omegaCat, getThreshold, getScales, computeAlpha):
#   Per group and factor with two or more indicators (dropSingle = TRUE), with
#   L = the factor's column of lavInspect(fit, "est")$lambda (its indicators' rows),
#   phi = the factor's variance in lavInspect(fit, "cov.lv") (model-implied, so an endogenous
#         factor's total variance, not its residual psi),
#   s = the scale factors lavInspect(fit, "est")$delta[, "scales"] (1 under the delta
#       parameterization; diag(Sigma*)^-1/2 under theta),
#   tau = the model thresholds lavInspect(fit, "est")$tau,
#   SIGMA = lavInspect(fit, "sampstat")$cov (obs.var = TRUE, the default: polychoric / polyserial
#           correlations, continuous variances) or lavInspect(fit, "fitted")$cov (obs.var = FALSE,
#           the model-implied matrix), in both cases rescaled to diag(1/s) SIGMA diag(1/s);
#           but for tau.eq = TRUE and ord.scale = TRUE it is cov(lavInspect(fit, "data")), the
#           covariance (divisor N - 1) of the item codes lavaan uses (1..K per ordered item), again
#           rescaled by diag(1/s), and obs.var is ignored,
#   T = SIGMA[items, items], C = L phi L' (the common part):
#   * tau.eq = FALSE, ord.scale = TRUE (default), every indicator ordered: Green & Yang's (2009)
#     categorical omega, omegaCat(C, tau, s, T):
#       R = diag(s) C diag(s), P = cov2cor(T), t_j = s_j * tau_j (standardized thresholds),
#       omega = sum_{j,k} [sum_{c,c'} Phi2(t_jc, t_kc'; R_jk) - sum_c Phi(t_jc) sum_c' Phi(t_kc')]
#             / sum_{j,k} [sum_{c,c'} Phi2(t_jc, t_kc'; P_jk) - sum_c Phi(t_jc) sum_c' Phi(t_kc')]
#       (Phi2 = mnormt::pmnorm, bivariate normal CDF; P_jj = 1 makes Phi2 = Phi(min)); numerator and
#       denominator are the covariances of the item scores 0..C-1 implied by the common part and by
#       the whole latent-response matrix: the reliability of the unit-weighted sum of the observed
#       item scores.
#   * tau.eq = FALSE, ord.scale = FALSE: sum(C) / sum(T), omega of the unit-weighted sum of the
#     latent responses (on the scale of the parameterization).
#   * tau.eq = FALSE and the factor has ordered and continuous indicators: NA (a message), for both
#     ord.scale values; a factor with only continuous indicators gets sum(C) / sum(T).
#   * tau.eq = TRUE: computeAlpha(T) = k / (k - 1) * (1 - tr(T) / sum(T)); with ord.scale = TRUE
#     that is Cronbach's alpha of the item codes (exactly so when s = 1), with ord.scale = FALSE
#     the "ordinal alpha" of Zumbo, Gadermann & Zeisser (2007) from the polychoric matrix (NA for a
#     factor mixing ordered and continuous indicators).
#
# Data (written by lavaan_wlsmv.R, only read here): tests/reference/wlsmv/{cfa5,near_empty,binary,
# mixed,invariance}.csv; and holzinger_quartiles.csv (below). Fits (d = the CSV; the calls of
# lavaan_wlsmv.R's cases of the same name):
#   holzinger_quartiles  cfa("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6", data = d,
#                 ordered = TRUE): Holzinger-Swineford x1..x6 cut at their quartiles (the example in
#                 ordinal_reliability's docstring)
#   cfa5          cfa(model, data = d, ordered = TRUE, estimator = "WLSMV")          5 factors x 4 items
#   sem_indirect  sem(...) the same factors with regressions (endogenous emotion, stickiness) and :=
#   higher_order  cfa5's model plus a second-order factor experience =~ the five factors (the
#                 first-order factors' phi are their implied total variances; compRelSEM leaves
#                 experience out: it has no observed indicator and higher = character(0))
#   near_empty    cfa(), one factor, ordered = n1..n6 (near-empty categories)
#   binary        cfa(), f1 =~ u1 + bin + u2, f2 =~ tri + u3 + u4 (a 0/1 and a 3-point item)
#   theta_param   binary with parameterization = "theta" (scale factors != 1)
#   mixed         sem(), f2 ~ f1; f2 has two continuous indicators (NA where semTools gives NA)
#   multigroup    cfa(model, data = d, group = "group", ordered = items), two groups, no constraints
#
# Output tests/reference/ordinal_reliability/<case>.json:
#   case, lavaan_version, semTools_version, R_version, call (the fit call), model, data (CSV path
#   relative to tests/reference), args (the fit's arguments besides model and data, as in
#   wlsmv/<case>.json), groups (group labels; empty for one group),
#   values: records {call, tau_eq, ord_scale, obs_var, group (null for one group), construct, value}
#     for the 8 calls compRelSEM(fit, obs.var = <T/F>, tau.eq = <T/F>, ord.scale = <T/F>),
#     value null where semTools gives NA,
#   messages: the messages compRelSEM printed, per call (none: for single-level models semTools
#     0.5.6 returns before printing its warnOmega / warnAlpha messages, so NA comes silently),
#   scales, thresholds (per group, named): lavInspect(fit, "est")$delta / $tau, for diagnosis.
# Numbers are written at full precision (digits = NA).
#
# Requires: lavaan 0.6.14, semTools 0.5.6 (mnormt), jsonlite.
# Usage (repository root): Rscript tests/reference/semtools_ordinal_reliability.R
suppressPackageStartupMessages({ library(lavaan); library(semTools); library(jsonlite) })

out_dir <- "tests/reference/ordinal_reliability"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
read_data <- function(path) read.csv(file.path("tests/reference", path))

# The docstring example's data: Holzinger-Swineford x1..x6 cut at their quartiles into codes 1..4
# (findInterval(left.open = TRUE), i.e. (q_k, q_k+1]; numpy: np.digitize(x, q, right=True) + 1),
# written to ordinal_reliability/holzinger_quartiles.csv and read back.
hs <- read.csv("tests/reference/data/HolzingerSwineford1939.csv")
hs_quartiles <- as.data.frame(lapply(hs[paste0("x", 1:6)], function(x)
  findInterval(x, quantile(x, c(0.25, 0.5, 0.75)), left.open = TRUE) + 1L))
write.csv(hs_quartiles, file.path(out_dir, "holzinger_quartiles.csv"), row.names = FALSE)

model_cfa5 <- paste(
  "interaction =~ int1 + int2 + int3 + int4", "emotion =~ emo1 + emo2 + emo3 + emo4",
  "security =~ sec1 + sec2 + sec3 + sec4", "convenience =~ con1 + con2 + con3 + con4",
  "stickiness =~ sti1 + sti2 + sti3 + sti4", sep = "\n")
model_sem <- paste(model_cfa5,
                   "stickiness ~ c*interaction + b*emotion + security + convenience",
                   "emotion ~ a*interaction",
                   "ind := a*b",
                   "total := c + a*b", sep = "\n")
model_higher <- paste(model_cfa5,
                      "experience =~ interaction + emotion + security + convenience + stickiness",
                      sep = "\n")
model_near_empty <- "f =~ n1 + n2 + n3 + n4 + n5 + n6"
model_binary <- "f1 =~ u1 + bin + u2\nf2 =~ tri + u3 + u4"
items_binary <- c("u1", "bin", "u2", "tri", "u3", "u4")
model_mixed <- "f1 =~ a1 + a2 + a3 + a4\nf2 =~ b1 + c1 + b2 + c2\nf2 ~ f1"
items_mixed <- c("a1", "a2", "a3", "a4", "b1", "b2")
model_inv <- "security =~ sec1 + sec2 + sec3 + sec4 + sec5\nconvenience =~ con1 + con2 + con3 + con4"
items_inv <- c(paste0("sec", 1:5), paste0("con", 1:4))

cases <- list(
  list(case = "holzinger_quartiles", fun = "cfa", data = "ordinal_reliability/holzinger_quartiles.csv",
       model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6", args = list(ordered = TRUE)),
  list(case = "cfa5", fun = "cfa", model = model_cfa5, data = "wlsmv/cfa5.csv",
       args = list(ordered = TRUE, estimator = "WLSMV")),
  list(case = "sem_indirect", fun = "sem", model = model_sem, data = "wlsmv/cfa5.csv",
       args = list(ordered = TRUE, estimator = "WLSMV")),
  list(case = "higher_order", fun = "cfa", model = model_higher, data = "wlsmv/cfa5.csv",
       args = list(ordered = TRUE, estimator = "WLSMV")),
  list(case = "near_empty", fun = "cfa", model = model_near_empty, data = "wlsmv/near_empty.csv",
       args = list(ordered = paste0("n", 1:6), estimator = "WLSMV")),
  list(case = "binary", fun = "cfa", model = model_binary, data = "wlsmv/binary.csv",
       args = list(ordered = items_binary, estimator = "WLSMV")),
  list(case = "theta_param", fun = "cfa", model = model_binary, data = "wlsmv/binary.csv",
       args = list(ordered = items_binary, estimator = "WLSMV", parameterization = "theta")),
  list(case = "mixed", fun = "sem", model = model_mixed, data = "wlsmv/mixed.csv",
       args = list(ordered = items_mixed, estimator = "WLSMV")),
  list(case = "multigroup", fun = "cfa", model = model_inv, data = "wlsmv/invariance.csv",
       args = list(group = "group", ordered = items_inv, estimator = "WLSMV")))

# The 8 settings: obs.var x tau.eq x ord.scale.
settings <- expand.grid(ord_scale = c(TRUE, FALSE), tau_eq = c(FALSE, TRUE), obs_var = c(TRUE, FALSE))

deparse_args <- function(args) paste(sprintf("%s = %s", names(args), vapply(args, deparse1, "")),
                                     collapse = ", ")
json_args <- function(args) lapply(args, function(a) if (is.character(a) && length(a) > 1) I(a) else a)

# compRelSEM's result (named vector for one group, data frame with a group column for several) as
# records group, construct, value.
as_rows <- function(rel) {
  if (is.data.frame(rel)) {
    rel <- as.data.frame(rel); class(rel) <- "data.frame"
    out <- list()
    for (i in seq_len(nrow(rel))) for (fn in setdiff(names(rel), "group"))
      out[[length(out) + 1]] <- list(group = rel$group[i], construct = fn, value = rel[[fn]][i])
    out
  } else {
    lapply(names(rel), function(fn) list(group = NULL, construct = fn, value = unname(rel[[fn]])))
  }
}

for (cs in cases) {
  d <- read_data(cs$data)
  fit <- do.call(cs$fun, c(list(model = cs$model, data = d), cs$args))
  stopifnot(lavInspect(fit, "converged"))
  values <- list(); messages <- list()
  for (k in seq_len(nrow(settings))) {
    st <- settings[k, ]
    call <- sprintf("compRelSEM(fit, obs.var = %s, tau.eq = %s, ord.scale = %s)",
                    st$obs_var, st$tau_eq, st$ord_scale)
    msgs <- character(0)
    rel <- withCallingHandlers(
      compRelSEM(fit, obs.var = st$obs_var, tau.eq = st$tau_eq, ord.scale = st$ord_scale),
      message = function(m) { msgs <<- c(msgs, trimws(conditionMessage(m))); invokeRestart("muffleMessage") })
    for (r in as_rows(rel)) values[[length(values) + 1]] <- c(
      list(call = call, tau_eq = st$tau_eq, ord_scale = st$ord_scale, obs_var = st$obs_var), r)
    messages[[call]] <- I(msgs)
  }
  est <- lavInspect(fit, "est", drop.list.single.group = FALSE)
  groups <- lavInspect(fit, "group.label")
  block_names <- if (length(groups)) groups else "1"
  per_block <- function(what) setNames(lapply(est, function(e) as.list(e[[what]][, 1])), block_names)
  out <- list(case = cs$case, lavaan_version = as.character(packageVersion("lavaan")),
              semTools_version = as.character(packageVersion("semTools")),
              R_version = R.version.string,
              call = sprintf("%s(model, data = d, %s)", cs$fun, deparse_args(cs$args)),
              model = cs$model, data = cs$data,
              args = json_args(cs$args), groups = I(groups),
              values = values, messages = messages,
              scales = per_block("delta"), thresholds = per_block("tau"))
  write_json(out, file.path(out_dir, paste0(cs$case, ".json")), digits = NA, auto_unbox = TRUE,
             na = "null", null = "null", pretty = TRUE)
  cat(sprintf("%-13s %s\n", cs$case, paste(sprintf("%s=%.4f", vapply(values[1:min(3, length(values))],
              function(v) v$construct, ""), vapply(values[1:min(3, length(values))],
              function(v) if (is.na(v$value)) NA_real_ else v$value, 0)), collapse = " ")))
}
