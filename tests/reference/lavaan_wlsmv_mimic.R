#!/usr/bin/env Rscript
# Reference for lavaan's WLSMV estimation with ordered items AND observed exogenous covariates (MIMIC
# models). With ordered = and observed covariates lavaan 0.6.14 defaults to conditional.x = TRUE (and
# then fixed.x = TRUE): the sample statistics are the thresholds, slopes and residual correlations of
# the items GIVEN the covariates (probit / linear regressions on the covariates, step 1, then the
# pairwise residual polychoric / polyserial / Pearson correlations, step 2; Muthen 1984), and the
# covariates' own moments are fixed at their sample values. Stored per case: estimates, standard errors,
# test statistics, fit measures, the parameter table and vcov (as in lavaan_wlsmv.R) plus every
# intermediate quantity lavaan computes (WLS.obs, NACOV, WLS.V, sample and implied statistics, WLS.est,
# Delta, the baseline model) of 8 fits.
#
# Each data set is simulated with a fixed seed (set.seed per data set) from a known population
# (latent responses = loadings * factor + normal errors, cut at fixed thresholds into categories; the
# factors depend linearly on the covariates), written to tests/reference/wlsmv_mimic/<data>.csv, READ
# BACK, and every fit uses the read-back data. Each population has a little misfit the fitted model
# leaves out (noted below), so that the chi-squares exceed their df and the CFI/TLI are below 1.
#
# Data sets (5-point items coded 1..5 unless stated):
#   mimic.csv (N 600; set.seed(20240711)): columns age, tier1, segment, s1..s5.
#     age = round(rnorm(600, 35, 10)) clipped to 18..70 (observed 18..67); tier1 = rbinom(600, 1, .4)
#     (37.5% ones); segment = "a" for rows 1..300, "b" for rows 301..600.
#     stick = b_age (age - 35) / 10 + b_tier (tier1 - .4) + sqrt(.85) e with (b_age, b_tier) =
#     (.30, .55) in segment a and (.18, .40) in segment b (standardized effects about .2-.3;
#     the pooled fit gives std.all .25 for both), items s_j* = lambda_j stick + sqrt(1 - lambda_j^2) e_j,
#     lambda = .80, .70, .75, .65, .70, cut at s1 (-1.5, -.6, .3, 1.2), s2 (-1.2, -.3, .6, 1.5),
#     s3 (-1.8, -.9, 0, 1.0), s4 (-1.0, -.1, .8, 1.7), s5 (-1.4, -.5, .4, 1.3).
#     Misfit: s3* + .30 tier1 (a DIF effect the plain MIMIC leaves out; case mimic_dif frees it),
#     s4* and s5* share a residual component (+ .35 u).
#   mimic_mixed.csv (N 500; set.seed(20240712)): columns x, d, a1..a4, bin, b1, c1, c2.
#     x = round(rnorm(500), 2); d = rbinom(500, 1, .5) (48% ones);
#     f1 = .35 x + .40 (d - .5) + sqrt(.84) e; f2 = .45 f1 + .20 x + .30 (d - .5) + sqrt(.65) e.
#     a1..a4 (5-point; lambda .75, .70, .80, .65) and bin (0/1, lambda .70, cut at .3; 39.8% ones) on
#     f1; b1 (5-point, lambda .75) on f2; c1 = round(50 + 7 (f2-response with lambda .75 + .25 f1), 2),
#     c2 = round(50 + 8 (f2-response with lambda .80), 2) continuous (mean ~50, sd ~8).
#     Misfit: a2* depends directly on x (+ .25 x), c1 cross-loads on f1 (.25).
#
# Cases (-> tests/reference/wlsmv_mimic/<case>.json; all sem(), estimator = "WLSMV"):
#   mimic          "stick =~ s1 + s2 + s3 + s4 + s5\nstick ~ age + tier1", ordered = s1..s5   mimic.csv
#                  (also lavPredict(fit): key predict = first 50 rows {colnames, matrix},
#                  predict_nrow; lavPredict's default method; predict_error if it stops)
#   mimic_dif      the same plus "s3 ~ tier1" (a direct effect of a covariate on an item)   mimic.csv
#   mimic_theta    case mimic with parameterization = "theta"                               mimic.csv
#   mimic_mixed    "f1 =~ a1 + a2 + a3 + a4 + bin\nf2 =~ b1 + c1 + c2\nf2 ~ f1 + x + d\nf1 ~ x + d",
#                  ordered = a1, a2, a3, a4, bin, b1 (c1, c2 continuous)              mimic_mixed.csv
#   mimic_groups   case mimic with group = "segment" (no equality constraints)              mimic.csv
#   mimic_uncond   case mimic with conditional.x = FALSE (lavaan fits it, with warnings; see below)
#   mimic_std_lv   case mimic with std.lv = TRUE                                            mimic.csv
#   mimic_defined  "stick =~ s1 + s2 + s3 + s4 + s5\nstick ~ c*age + b*tier1\ndiff := b - c"  mimic.csv
#
# JSON keys of <case>.json (as in lavaan_wlsmv.R unless stated):
#   case, lavaan_version, R_version, call (the R call as text; d = the read-back CSV), model (syntax
#   text), data (CSV file name in this folder), nrow_data, ordered, args (the arguments of the call
#   besides model and data), group_labels (lavInspect "group.label"; [] for one group),
#   estimates: parameterEstimates(fit, standardized = TRUE, remove.nonfree = FALSE, remove.eq = FALSE,
#     remove.ineq = FALSE, remove.def = FALSE) as records (with the covariates lavaan adds a std.nox
#     column; the label column only when a parameter has a label; group column only for mimic_groups),
#   partable: parTable(fit) as records (the x ~~ x and x ~1 rows are exo = 1, fixed at the sample
#     values; the y* ~1 rows fixed 0; the ~*~ scale rows fixed 1 (delta) or not free with est = the
#     implied scale factor (theta)),
#   standardized: standardizedSolution(fit, type = "std.all") as records,
#   standardized_nox: standardizedSolution(fit, type = "std.nox") as records (extra key),
#   fit_measures: fitMeasures(fit) (all, named) plus cfi.robust, tli.robust, rmsea.robust,
#     rmsea.ci.lower.robust, rmsea.ci.upper.robust when missing; NA -> null,
#   test: one record per element of fit@test (standard, scaled.shifted) with the fields lavaan stores,
#   vcov: {names, matrix} from lavInspect(fit, "vcov") (vcov_omitted = true if the file would exceed
#     1.5 MB: no case needs that); null in mimic_uncond (see below),
#   options: lavInspect(fit, "options")[c("estimator", "se", "test", "missing", "parameterization",
#     "conditional.x", "fixed.x", "meanstructure", "baseline.conditional.x.free.slopes")],
#   nobs (per group), ntotal, converged, iterations,
#   warnings: lavaan's warnings during the fit; warnings_post: those raised afterwards (fitMeasures,
#     standardizedSolution, vcov, lavPredict); errors_post: {key: message} for the extractions that
#     stopped with an error (then that key is null); {} when none (extra keys).
#   Extra keys, per group: ONE OBJECT for a single group, a LIST OF OBJECTS (in group_labels order)
#   for mimic_groups. Vectors are {names, values}, matrices {rownames, colnames, matrix} (matrix as a
#   list of rows):
#   wls_obs: lavInspect(fit, "wls.obs") {names, values}; lavaan names them itself (add.labels).
#   gamma: lavInspect(fit, "gamma") = NACOV {names, matrix} (rows = columns = wls_obs names).
#   wls_v_diag: diag(lavInspect(fit, "wls.v")) {names, values}; = 1 / diag(gamma) for DWLS.
#   sampstat: lavInspect(fit, "sampstat"); with conditional.x the elements are res.cov (residual
#     correlation matrix of the y* / residual covariances with continuous y given x: unit diagonal for
#     ordered items, residual variance for continuous ones), res.int (0 for ordered items, the
#     regression intercept for continuous ones), res.th (thresholds given x = 0), res.slopes (y x x
#     matrix of probit / linear slopes), cov.x (sample covariance of x with divisor N - 1, as
#     cov()), mean.x; mimic_uncond (conditional.x = FALSE) has cov, mean, th instead.
#   implied: lavInspect(fit, "implied"), the same elements model-implied (on the delta/correlation
#     scale also under parameterization = "theta"; cov.x and mean.x = the sample values).
#   wls_est: lavInspect(fit, "wls.est") {names, values} (same names and order as wls_obs).
#   delta: lavInspect(fit, "delta") {rownames (wls_obs names), colnames (free parameters), matrix}.
#   baseline: {partable: fit@baseline$partable as records (id lhs op rhs block user free ustart exo
#     label group lower upper start est se), test: fit@baseline$test as records like test}.
#
# WLS.obs with conditional.x (lavaan 0.6.14 source: lav_samplestats_from_data() calls
# muthen1984(Data = Y, eXo = X) whose lav_samplestats_step1() fits per variable an ordinal probit
# P(y <= k | x) = Phi(tau_k - x'beta) (lav_uvord_fit) or a linear regression (lav_uvreg_fit: intercept,
# slopes, residual variance with divisor N), and lav_samplestats_step2() the pairwise residual
# correlations; lav_samplestats_wls_obs() then concatenates
#   c(TH, vec(res.slopes), res.var[numeric], vech(res.cov, diagonal = FALSE)):
#   1. thresholds per variable in variable order ("a1|t1".."a1|t4", ...); a continuous variable
#      contributes one entry "c1~1" = MINUS its regression intercept (res.int; WLS.W rows/cols of these
#      entries are negated to match),
#   2. slopes vec()'d column-major: all variables on the first covariate ("s1~age".."s5~age"), then all
#      on the second ("s1~tier1"..),
#   3. residual variances of the continuous variables ("c1~~c1", "c2~~c2"),
#   4. the lower triangle without diagonal, column by column: "s1~~s2", "s1~~s3", .., "s1~~s5",
#      "s2~~s3", ..; a correlation for two ordered items, polyserial correlation * residual sd for
#      ordered-continuous pairs, the residual covariance for two continuous ones.
# (mimic: 20 + 10 + 0 + 10 = 40 statistics; mimic_mixed: 23 + 16 + 2 + 28 = 69.) gamma = N * the
# sandwich muthen1984 builds from the step-1/2 scores (gamma.n.minus.one = FALSE).
#
# Baseline model under conditional.x (lav_object_independence() -> lav_partable_indep_or_unrestricted(
# independent = TRUE)): per group, the non-x variables get ~~ variances (ordered: fixed 1; continuous:
# free, start = residual variance), thresholds free, ordered ~1 fixed 0, ~*~ fixed 1, continuous ~1
# free; the x ~~ x variances/covariances and x ~1 means fixed at their sample values (exo = 1); and
# every y ~ x regression FREE (exo = 1, ustart = the sample slopes), because lavaan 0.6.14's option
# baseline.conditional.x.free.slopes defaults to TRUE. So the baseline only sets the residual
# correlations to 0: its df is the number of residual correlations (mimic 10, mimic_mixed 28,
# mimic_groups 20).
#
# Notes: lavaan 0.6.14 leaves cfi.robust, tli.robust, rmsea.robust (and CIs) NA (null) whenever
# conditional.x = TRUE (lav_fit_catml_dwls() returns NA for conditional.x or continuous indicators).
# std.all of "~" rows on covariates = est * sd(x) / sd(lhs), with sd(x) from cov.x (N - 1 divisor) and
# sd(lhs) the total (marginal) sd including the covariates' contribution; under the delta
# parameterization with conditional.x the CONDITIONAL y* variances (given x) are 1, the marginal ones
# larger. mimic_uncond: with conditional.x = FALSE lavaan sets fixed.x = FALSE and treats age and tier1
# as continuous variables in the categorical WLS.obs ("age~1" = -mean, "age~~age", "s1~~age", ...,
# 45 statistics). For the 0/1 tier1, (x - m)^2 is linear in x, so its mean and variance scores in
# muthen1984 are collinear, A11 is numerically singular (condition number ~8e14, no error) and the
# tier1 rows of gamma are ~ -1e13..-1e14 (negative diagonal, DWLS weights ~ -1e-14). lavaan converges to a
# meaningless solution (stick ~ tier1 = -.86), cannot invert the information matrix (warnings, all
# se NA, scaled statistic = standard, scaling.factor null), lavInspect(fit, "vcov") stops
# (errors_post.vcov) and standardizedSolution() prints "Error in JAC %*% OUT" (caught inside lavaan;
# its se are NA). The JSON records this state; it is no usable reference fit.
#
# Requires: lavaan (0.6.14 was used), jsonlite.
# Usage (repository root): Rscript tests/reference/lavaan_wlsmv_mimic.R
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })

out_dir <- "tests/reference/wlsmv_mimic"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

# Cut a latent response at thresholds `cuts`; codes start at `first`.
cut_at <- function(ystar, cuts, first = 1L) as.integer(findInterval(ystar, cuts) + first)

# Latent responses lambda * eta + sqrt(1 - lambda^2) * e (unit variance when var(eta) = 1).
latent <- function(eta, lambda) lambda * eta + sqrt(1 - lambda^2) * rnorm(length(eta))

# ----- data sets ---------------------------------------------------------------------------------
simulate_mimic <- function() {
  set.seed(20240711)
  n <- 600
  age <- pmin(pmax(round(rnorm(n, 35, 10)), 18), 70)
  tier1 <- rbinom(n, 1, 0.4)
  segment <- rep(c("a", "b"), each = n / 2)
  # covariate effects per segment: a stronger than b
  b_age <- ifelse(segment == "a", 0.30, 0.18)
  b_tier <- ifelse(segment == "a", 0.55, 0.40)
  stick <- b_age * (age - 35) / 10 + b_tier * (tier1 - 0.4) + sqrt(0.85) * rnorm(n)
  lambda <- c(0.80, 0.70, 0.75, 0.65, 0.70)
  cuts <- list(c(-1.5, -0.6, 0.3, 1.2), c(-1.2, -0.3, 0.6, 1.5), c(-1.8, -0.9, 0.0, 1.0),
               c(-1.0, -0.1, 0.8, 1.7), c(-1.4, -0.5, 0.4, 1.3))
  ys <- sapply(1:5, function(j) latent(stick, lambda[j]))
  # misfit the plain MIMIC leaves out: s3 depends directly on tier1 (DIF), s4 and s5 share a
  # residual component
  ys[, 3] <- ys[, 3] + 0.30 * tier1
  u <- rnorm(n)
  ys[, 4:5] <- ys[, 4:5] + 0.35 * u
  d <- data.frame(age = age, tier1 = tier1, segment = segment)
  for (j in 1:5) d[[paste0("s", j)]] <- cut_at(ys[, j], cuts[[j]])
  d
}

simulate_mimic_mixed <- function() {
  set.seed(20240712)
  n <- 500
  x <- round(rnorm(n), 2)
  d <- rbinom(n, 1, 0.5)
  f1 <- 0.35 * x + 0.40 * (d - 0.5) + sqrt(0.84) * rnorm(n)
  f2 <- 0.45 * f1 + 0.20 * x + 0.30 * (d - 0.5) + sqrt(0.65) * rnorm(n)
  data.frame(
    x = x, d = d,
    # misfit: a2 depends directly on x (DIF)
    a1 = cut_at(latent(f1, 0.75), c(-1.5, -0.6, 0.3, 1.2)),
    a2 = cut_at(latent(f1, 0.70) + 0.25 * x, c(-1.1, -0.2, 0.7, 1.6)),
    a3 = cut_at(latent(f1, 0.80), c(-1.9, -1.1, -0.3, 0.8)),
    a4 = cut_at(latent(f1, 0.65), c(-1.3, -0.4, 0.5, 1.4)),
    bin = cut_at(latent(f1, 0.70), 0.3, first = 0L),
    b1 = cut_at(latent(f2, 0.75), c(-1.4, -0.5, 0.4, 1.3)),
    # misfit: c1 cross-loads on f1 (scale 7 keeps its sd near 8)
    c1 = round(50 + 7 * (latent(f2, 0.75) + 0.25 * f1), 2),
    c2 = round(50 + 8 * latent(f2, 0.80), 2))
}

data_sets <- list(mimic = simulate_mimic, mimic_mixed = simulate_mimic_mixed)
for (nm in names(data_sets)) write.csv(data_sets[[nm]](), file.path(out_dir, paste0(nm, ".csv")),
                                       row.names = FALSE)
read_data <- function(name) read.csv(file.path(out_dir, paste0(name, ".csv")))

# ----- models ------------------------------------------------------------------------------------
items_mimic <- paste0("s", 1:5)
model_mimic <- "stick =~ s1 + s2 + s3 + s4 + s5\nstick ~ age + tier1"
model_dif <- "stick =~ s1 + s2 + s3 + s4 + s5\nstick ~ age + tier1\ns3 ~ tier1"
model_defined <- "stick =~ s1 + s2 + s3 + s4 + s5\nstick ~ c*age + b*tier1\ndiff := b - c"
model_mixed <- "f1 =~ a1 + a2 + a3 + a4 + bin\nf2 =~ b1 + c1 + c2\nf2 ~ f1 + x + d\nf1 ~ x + d"
items_mixed <- c("a1", "a2", "a3", "a4", "bin", "b1")

# ----- fitting and output ------------------------------------------------------------------------
OPTION_KEYS <- c("estimator", "se", "test", "missing", "parameterization", "conditional.x", "fixed.x",
                 "meanstructure", "baseline.conditional.x.free.slopes")

source("tests/reference/lib/fit_records.R")

vec_json <- function(v) list(names = I(names(v)), values = I(as.numeric(v)))
mat_json <- function(m) list(rownames = I(rownames(m)), colnames = I(colnames(m)),
                             matrix = matrix(as.numeric(m), nrow(m), ncol(m)))
# a sampstat / implied element: matrix -> {rownames, colnames, matrix}, vector -> {names, values}
elem_json <- function(x) if (is.null(x)) NULL else if (is.matrix(x)) mat_json(x) else vec_json(x)
# lavInspect output per group: one object for a single group, a list of objects for several
per_group <- function(fit, what, f) {
  x <- lavInspect(fit, what)
  if (lavInspect(fit, "ngroups") > 1) unname(lapply(x, f)) else f(x)
}

to_json <- function(x) toJSON(x, digits = NA, auto_unbox = TRUE, na = "null", null = "null", pretty = TRUE)
write_case <- function(out, case) {
  write_json(out, file.path(out_dir, paste0(case, ".json")), digits = NA, auto_unbox = TRUE,
             na = "null", null = "null", pretty = TRUE)
}

# model_text: the "model" written to the JSON (default: the syntax that is fitted).
fit_case <- function(case, fun, model, data_name, args, call = NULL, predict = FALSE) {
  d <- read_data(data_name)
  if (is.null(call)) call <- sprintf("%s(model, data = d, %s)", fun, deparse_args(args))
  head_keys <- list(case = case, lavaan_version = as.character(packageVersion("lavaan")),
                    R_version = R.version.string, call = call, model = model,
                    data = paste0(data_name, ".csv"), nrow_data = nrow(d), ordered = I(args$ordered),
                    args = json_args(args))
  warns <- character(0)  # lavaan's warnings during the fit (kept also when it stops with an error)
  fit <- tryCatch(withCallingHandlers(do.call(fun, c(list(model = model, data = d), args)),
                                      warning = function(w) {
                                        warns <<- c(warns, conditionMessage(w))
                                        invokeRestart("muffleWarning")
                                      }),
                  error = function(e) e)
  if (inherits(fit, "error")) {  # lavaan refused: record the message
    write_case(c(head_keys, list(error = conditionMessage(fit), warnings = I(warns))), case)
    cat(sprintf("%-15s ERROR: %s\n", case, conditionMessage(fit)))
    return(invisible(NULL))
  }
  # warnings raised after the fit (fitMeasures, standardizedSolution, vcov, lavPredict); errors of
  # the extractions that fail (mimic_uncond) are kept in errors_post, their keys are then null
  errors_post <- list()
  safe <- function(expr, key) tryCatch(expr, error = function(e) {
    errors_post[[key]] <<- conditionMessage(e)
    NULL
  })
  post <- collect_warnings({
    pe <- parameterEstimates(fit, standardized = TRUE, remove.nonfree = FALSE, remove.eq = FALSE,
                             remove.ineq = FALSE, remove.def = FALSE)
    fit_measures <- fit_measures_all(fit)
    std_all <- safe(standardizedSolution(fit, type = "std.all"), "standardized")
    std_nox <- safe(standardizedSolution(fit, type = "std.nox"), "standardized_nox")
    V <- safe(lavInspect(fit, "vcov"), "vcov")
    pred <- NULL
    if (predict) {
      p <- tryCatch(lavPredict(fit), error = function(e) e)
      pred <- if (inherits(p, "error")) list(predict_error = conditionMessage(p))
              else list(predict = list(colnames = I(colnames(p)),
                                       matrix = matrix(as.numeric(p[1:50, , drop = FALSE]), 50, ncol(p))),
                        predict_nrow = nrow(p))
    }
    samp <- list(
      wls_obs = per_group(fit, "wls.obs", vec_json),
      gamma = per_group(fit, "gamma", function(m) list(names = I(rownames(m)),
                                                       matrix = matrix(as.numeric(m), nrow(m)))),
      wls_v_diag = per_group(fit, "wls.v", function(m) vec_json(setNames(diag(m), rownames(m)))),
      sampstat = per_group(fit, "sampstat", function(s) lapply(s, elem_json)),
      implied = per_group(fit, "implied", function(s) lapply(s, elem_json)),
      wls_est = per_group(fit, "wls.est", vec_json),
      delta = per_group(fit, "delta", mat_json),
      baseline = list(partable = as_records(fit@baseline$partable),
                      test = test_records(fit@baseline$test)))
    NULL
  })
  out <- c(
    head_keys[c("case", "lavaan_version", "R_version", "call", "model", "data", "nrow_data",
                "ordered", "args")],
    list(group_labels = I(lavInspect(fit, "group.label")),
         estimates = as_records(pe), partable = as_records(parTable(fit)),
         standardized = if (!is.null(std_all)) as_records(std_all),
         standardized_nox = if (!is.null(std_nox)) as_records(std_nox),
         fit_measures = fit_measures, test = test_records(fit@test),
         vcov = if (!is.null(V)) list(names = I(rownames(V)), matrix = matrix(as.numeric(V), nrow(V))),
         vcov_omitted = FALSE),
    samp,
    pred,
    list(options = lavInspect(fit, "options")[OPTION_KEYS],
         nobs = I(lavInspect(fit, "nobs")), ntotal = lavInspect(fit, "ntotal"),
         converged = lavInspect(fit, "converged"), iterations = lavInspect(fit, "iterations"),
         warnings = I(warns), warnings_post = I(post$warnings),
         errors_post = if (length(errors_post)) errors_post else setNames(list(), character(0))))
  if (nchar(to_json(out), type = "bytes") > 1.5e6) { out$vcov <- NULL; out$vcov_omitted <- TRUE }
  write_case(out, case)
  sc <- fit_measures[["chisq.scaled"]]
  cat(sprintf("%-15s N %4d npar %3d chisq %9.4f chisq.scaled %10s df %3d cfi.scaled %8s converged %s tests [%s]%s%s\n",
              case, lavInspect(fit, "ntotal"), as.integer(fit_measures[["npar"]]), fit_measures[["chisq"]],
              if (is.null(sc)) "-" else format(round(sc, 4)), as.integer(fit_measures[["df"]]),
              format(round(fit_measures[["cfi.scaled"]], 4)), lavInspect(fit, "converged"),
              paste(names(fit@test), collapse = ", "),
              if (length(warns)) paste0("\n  warnings: ", paste(warns, collapse = " | ")) else "",
              if (length(post$warnings)) paste0("\n  post warnings: ", paste(post$warnings, collapse = " | ")) else ""))
  stopifnot(lavInspect(fit, "converged"))
  invisible(fit)
}

wlsmv <- list(ordered = items_mimic, estimator = "WLSMV")
fit_case("mimic", "sem", model_mimic, "mimic", wlsmv, predict = TRUE)
fit_case("mimic_dif", "sem", model_dif, "mimic", wlsmv)
fit_case("mimic_theta", "sem", model_mimic, "mimic", c(wlsmv, list(parameterization = "theta")))
fit_case("mimic_mixed", "sem", model_mixed, "mimic_mixed", list(ordered = items_mixed, estimator = "WLSMV"))
fit_case("mimic_groups", "sem", model_mimic, "mimic", c(wlsmv, list(group = "segment")))
fit_case("mimic_uncond", "sem", model_mimic, "mimic", c(wlsmv, list(conditional.x = FALSE)))
fit_case("mimic_std_lv", "sem", model_mimic, "mimic", c(wlsmv, list(std.lv = TRUE)))
fit_case("mimic_defined", "sem", model_defined, "mimic", wlsmv)
