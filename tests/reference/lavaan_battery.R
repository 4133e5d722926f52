#!/usr/bin/env Rscript
# A frozen battery of lavaan fits for tests/test_lavaan_battery.py.
#
# Usage (from the repository root):
#   Rscript tests/reference/lavaan_battery.R              # all cases
#   Rscript tests/reference/lavaan_battery.R hs_cfa ...   # only these
#
# For every case below the script reads the CSV data, fits lavaan's cfa(), sem()
# or growth() with the listed arguments and writes tests/reference/battery/<case>.json:
#
#   name, model (the syntax), data_file (relative to the repository root), call,
#   python_kwargs (the sr.fit_sem() keyword arguments equivalent to the call),
#   lavaan_version, R_version, converged, nobs, ngroups, group_labels,
#   estimates   parameterEstimates(fit, standardized = TRUE): lhs op rhs label group
#               est se std.lv std.all  (group = the group's label; "" single-group and := rows)
#   fit_measures  fitMeasures(fit), every measure, NA -> null
#
# It also writes the data sets that lavaan ships but the repository did not have,
# and derived/simulated ones (tests/reference/data/battery_*.csv):
#   battery_demo_growth.csv   lavaan::Demo.growth (400 x 10)
#   battery_hs_last80.csv     the last 80 rows of HolzingerSwineford1939.csv (Grant-White; the
#                             first 80 give a negative residual variance for x1)
#   battery_hs_first80.csv    the first 80 rows (that Heywood case, kept on purpose: improper = TRUE)
#   battery_sim_8f48.csv      simulated 8-factor, 48-indicator data (N = 400, set.seed below)
#   battery_sim_8f48_mcar5.csv  the same with 5 % of the answers missing completely at random
# Each is written with write.csv() and read back, and every fit uses the read-back copy,
# i.e. exactly the values the Python tests read.
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
data_dir <- file.path(script_dir, "data")
out_dir <- file.path(script_dir, "battery")
rel <- function(...) file.path("tests", "reference", ...)   # paths recorded in the JSON

# ---------------------------------------------------------------------------
# Derived data sets
# ---------------------------------------------------------------------------
write_back <- function(df, file) {
  path <- file.path(data_dir, file)
  write.csv(df, path, row.names = FALSE)
  back <- read.csv(path, stringsAsFactors = FALSE)
  stopifnot(identical(names(back), names(df)), nrow(back) == nrow(df))
  if (file.size(path) >= 1e6) stop(file, " is larger than 1 MB")
  invisible(back)
}

make_data <- function() {
  write_back(lavaan::Demo.growth, "battery_demo_growth.csv")
  set.seed(20261130)  # growth data with answers missing at random over time points (covariates complete)
  g <- lavaan::Demo.growth
  for (v in c("t2", "t3", "t4")) g[runif(nrow(g)) < 0.15, v] <- NA
  write_back(g, "battery_demo_growth_na.csv")

  hs <- read.csv(file.path(data_dir, "HolzingerSwineford1939.csv"), stringsAsFactors = FALSE)
  write_back(hs[222:301, ], "battery_hs_last80.csv")
  write_back(hs[1:80, ], "battery_hs_first80.csv")

  # 8 correlated factors (phi = .3), 6 indicators each, loadings .5-.9, unit total variance
  set.seed(20240611)
  n <- 400L; nf <- 8L; ni <- 6L
  phi <- matrix(0.3, nf, nf); diag(phi) <- 1
  lambda <- matrix(0, nf * ni, nf)
  for (j in seq_len(nf)) lambda[(j - 1) * ni + seq_len(ni), j] <- runif(ni, 0.5, 0.9)
  eta <- matrix(rnorm(n * nf), n, nf) %*% chol(phi)
  theta <- 1 - rowSums(lambda^2)
  x <- eta %*% t(lambda) + matrix(rnorm(n * nf * ni), n, nf * ni) %*% diag(sqrt(theta))
  x <- round(x + 3, 3)
  colnames(x) <- paste0("y", seq_len(nf * ni))
  write_back(as.data.frame(x), "battery_sim_8f48.csv")
  set.seed(20261201)  # the same answers, 5 % missing completely at random (almost every row its own pattern)
  x[matrix(runif(length(x)) < 0.05, nrow(x))] <- NA
  write_back(as.data.frame(x), "battery_sim_8f48_mcar5.csv")
}

# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------
HS3 <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"

PD_MEAS <- "ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8"
PD_RESCOV <- "y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8"

GROWTH <- "i =~ 1*t1 + 1*t2 + 1*t3 + 1*t4
s =~ 0*t1 + 1*t2 + 2*t3 + 3*t4"

SIM8 <- paste(vapply(1:8, function(j) {
  paste0("f", j, " =~ ", paste0("y", (j - 1) * 6 + 1:6, collapse = " + "))
}, ""), collapse = "\n")

STICKINESS <- paste(readLines(file.path(script_dir, "models", "stickiness_default.lav"), warn = FALSE),
                    collapse = "\n")

lines <- function(...) paste(c(...), collapse = "\n")

HS <- "HolzingerSwineford1939.csv"
HS_NA <- "HolzingerSwineford1939_mcar10.csv"
PD <- "PoliticalDemocracy.csv"
GR <- "battery_demo_growth.csv"

# `allow_warning`: a regular expression for a warning lavaan is expected to give
# (recorded in the JSON); any other warning stops the script. `improper`: the case is a
# Heywood case on purpose (lavaan's post.check fails; recorded in the JSON).
case <- function(name, fun, model, data, ..., allow_warning = NULL, improper = FALSE) {
  list(name = name, fun = fun, model = model, data = data, args = list(...),
       allow_warning = allow_warning, improper = improper)
}

CASES <- list(
  # --- single-group CFA: identification and modifiers ----------------------
  case("hs_cfa", "cfa", HS3, HS),
  case("hs_cfa_sem", "sem", HS3, HS),
  case("hs_cfa_std_lv", "cfa", HS3, HS, std.lv = TRUE),
  # orthogonal: the factor covariances the syntax leaves out are 0; one it writes stays free
  case("hs_orthogonal_option", "cfa", lines(HS3, "visual ~~ speed"), HS, orthogonal = TRUE, std.lv = TRUE),
  case("hs_na_marker", "cfa", lines(
    "visual =~ NA*x1 + x2 + x3", "visual ~~ 1*visual",
    "textual =~ x4 + x5 + x6", "speed =~ x7 + x8 + x9"), HS),
  case("hs_labelled_markers", "cfa", lines(
    "visual =~ l1*x1 + l2*x2 + x3", "textual =~ x4 + x5 + x6", "speed =~ x7 + x8 + x9",
    "r := l2^2"), HS),
  case("hs_all_loadings_labelled", "cfa", lines(
    "visual =~ l1*x1 + l2*x2 + l3*x3", "textual =~ l4*x4 + l5*x5 + l6*x6",
    "speed =~ l7*x7 + l8*x8 + l9*x9", "rv := l3/l2"), HS),
  case("hs_second_order", "cfa", lines(HS3, "g =~ visual + textual + speed"), HS),
  case("hs_fixed_loading", "cfa", lines(
    "visual =~ x1 + x2 + 0.5*x3", "textual =~ x4 + x5 + x6", "speed =~ x7 + x8 + x9"), HS),
  case("hs_start_values", "cfa", lines(
    "visual =~ x1 + start(.7)*x2 + x3", "textual =~ x4 + start(1.1)*x5 + x6",
    "speed =~ x7 + x8 + x9", "x9 ~~ start(0.5)*x9"), HS),
  # lavaan keeps a start value given to a marker as its fixed value (the loading is fixed at .7)
  case("hs_start_on_marker", "cfa", lines(
    "visual =~ start(.7)*x1 + x2 + x3", "textual =~ x4 + x5 + x6", "speed =~ x7 + x8 + x9"), HS),
  case("hs_equal_labels", "cfa", lines(
    "visual =~ x1 + x2 + x3", "textual =~ x4 + a*x5 + a*x6", "speed =~ x7 + b*x8 + b*x9"), HS),
  case("hs_orthogonal", "cfa", lines(
    HS3, "visual ~~ 0*textual", "visual ~~ 0*speed", "textual ~~ 0*speed"), HS),
  case("hs_residual_covariances", "cfa", lines(HS3, "x7 ~~ x8", "x2 ~~ x9"), HS),
  case("hs_residual_cov_equal", "cfa", lines(HS3, "x7 ~~ e*x8", "x4 ~~ e*x5"), HS),
  case("hs_cross_loading", "cfa", lines(
    "visual =~ x1 + x2 + x3 + x9", "textual =~ x4 + x5 + x6", "speed =~ x7 + x8 + x9"), HS),
  case("hs_single_indicator", "sem", lines(
    "visual =~ x1 + x2 + x3", "textual =~ x4 + x5 + x6", "speed =~ x9"), HS),
  case("hs_last80", "cfa", HS3, "battery_hs_last80.csv"),
  # a negative residual variance with a residual covariance: lavaan standardizes the covariance by
  # sqrt(abs()) of the residual variances (cov.std = TRUE)
  case("hs_heywood_rescov", "cfa", lines(HS3, "x1 ~~ x7"), "battery_hs_first80.csv",
       allow_warning = "some estimated ov variances are negative", improper = TRUE),
  case("sim_8f48", "cfa", SIM8, "battery_sim_8f48.csv"),

  # --- structural models with latent variables ------------------------------
  case("hs_latent_mediation", "sem", lines(
    HS3, "textual ~ a*visual", "speed ~ c*visual + b*textual",
    "ind := a*b", "total := c + a*b"), HS),
  case("hs_latent_to_observed", "sem", lines(
    "visual =~ x1 + x2 + x3", "textual =~ x4 + x5 + x6", "x9 ~ visual + textual + ageyr"), HS),
  case("hs_covariate_to_latent", "sem", lines(
    "visual =~ x1 + x2 + x3", "visual ~ ageyr + sex"), HS),
  # a factor's residual covariance with an observed outcome: std.lv divides by the factor's residual SD
  case("hs_factor_outcome_cov", "sem", lines(
    "visual =~ x1 + x2 + x3", "textual =~ x4 + x5 + x6", "visual ~ textual", "x9 ~ textual",
    "visual ~~ x9"), HS),
  case("hs_mimic", "sem", lines(
    HS3, "visual ~ ageyr + sex", "textual ~ ageyr + sex", "speed ~ ageyr"), HS),
  case("hs_listwise_grade", "sem", lines(
    "visual =~ x1 + x2 + x3", "textual =~ x4 + x5 + x6", "visual + textual ~ grade"), HS),
  case("pd_classic", "sem", lines(
    "ind60 =~ x1 + x2 + x3",
    "dem60 =~ y1 + a*y2 + b*y3 + c*y4", "dem65 =~ y5 + a*y6 + b*y7 + c*y8",
    "dem60 ~ ind60", "dem65 ~ ind60 + dem60", PD_RESCOV), PD),
  case("pd_mediation", "sem", lines(
    PD_MEAS, "dem60 ~ a*ind60", "dem65 ~ c*ind60 + b*dem60", PD_RESCOV,
    "ind := a*b", "total := c + a*b"), PD),
  case("pd_std_lv", "sem", lines(PD_MEAS, "dem60 ~ ind60", "dem65 ~ ind60 + dem60", PD_RESCOV),
       PD, std.lv = TRUE),
  case("stickiness_default", "sem", STICKINESS, "stickiness_demo.csv"),

  # --- observed-variable path models ----------------------------------------
  case("hs_path_mediation", "sem", lines(
    "x4 ~ a*x1 + x2", "x7 ~ b*x4 + c*x1", "ind := a*b", "total := c + a*b"), HS),
  case("hs_path_saturated", "sem", lines("x4 ~ x1 + x2", "x7 ~ x4 + x1 + x2"), HS),
  # effects(): every specific indirect effect and every (driver, outcome) total written as `:=`, named
  # kind_chain[_gN] (tests/test_effects.py reads the chain and the group from the name)
  case("effects_two_outcomes", "sem", lines(
    "x4 ~ a*x1 + f*x2", "x7 ~ b*x4 + c*x1", "x8 ~ d*x4 + e*x1 + g*x2",
    "ind_x1_x4_x7 := a*b", "ind_x1_x4_x8 := a*d", "ind_x2_x4_x7 := f*b", "ind_x2_x4_x8 := f*d",
    "tot_x1_x7 := c + a*b", "tot_x1_x8 := e + a*d", "tot_x2_x7 := f*b", "tot_x2_x8 := g + f*d",
    "tot_x4_x7 := b", "tot_x4_x8 := d"), HS),
  case("effects_two_groups", "sem", lines(
    "x4 ~ c(a1, a2)*x1 + c(f1, f2)*x2", "x7 ~ c(b1, b2)*x4 + c(c1, c2)*x1",
    "ind_x1_x4_x7_g1 := a1*b1", "ind_x1_x4_x7_g2 := a2*b2", "ind_x2_x4_x7_g1 := f1*b1",
    "ind_x2_x4_x7_g2 := f2*b2", "tot_x1_x7_g1 := c1 + a1*b1", "tot_x1_x7_g2 := c2 + a2*b2",
    "tot_x2_x7_g1 := f1*b1", "tot_x2_x7_g2 := f2*b2", "tot_x4_x7_g1 := b1", "tot_x4_x7_g2 := b2",
    "diff_ind_x1_x4_x7 := a2*b2 - a1*b1", "diff_tot_x1_x7 := (c2 + a2*b2) - (c1 + a1*b1)",
    "diff_dir_x4_x7 := b2 - b1"),
    HS, group = "school"),
  # equal paths as distinct labels held equal: a shared label (c(a, a)) would make lavaan's std.all of a
  # second group's `:=` the first group's (the label names the first group's row)
  case("effects_latent_two_groups_equal", "sem", lines(
    HS3, "textual ~ c(a1, a2)*visual", "speed ~ c(b1, b2)*textual + c(c1, c2)*visual", "a1 == a2", "b1 == b2",
    "ind_visual_textual_speed_g1 := a1*b1", "ind_visual_textual_speed_g2 := a2*b2",
    "tot_visual_speed_g1 := c1 + a1*b1", "tot_visual_speed_g2 := c2 + a2*b2"), HS, group = "school"),
  case("one_variable_mlr", "sem", "x1 ~~ x1", HS, estimator = "MLR"),  # baseline df 0 too
  case("one_variable_fiml_mlr", "sem", "x1 ~~ x1", HS_NA, estimator = "MLR", missing = "ml",
       allow_warning = "some cases are empty"),
  # free covariates (fixed.x = FALSE): the baseline's covariate block is free, so is its trace
  case("mlr_free_x_two_covariates", "sem", lines("x4 ~ x1 + x2", "x7 ~ x4 + x1"), HS, estimator = "MLR",
       fixed.x = FALSE),
  case("mlr_mimic_free_x", "sem", lines("visual =~ x1 + x2 + x3", "textual =~ x4 + x5 + x6",
       "visual ~ ageyr + sex"), HS, estimator = "MLR", fixed.x = FALSE),
  case("mlr_path_saturated", "sem", lines("x4 ~ x1 + x2", "x7 ~ x4 + x1 + x2"), HS, estimator = "MLR"),
  case("hs_path_fixed_x_false", "sem", lines(
    "x4 ~ a*x1 + x2", "x7 ~ b*x4 + c*x1", "ind := a*b"), HS, fixed.x = FALSE),

  # --- mean structures ------------------------------------------------------
  case("hs_meanstructure", "cfa", HS3, HS, meanstructure = TRUE),
  case("hs_intercepts_in_syntax", "cfa", lines(HS3, "x1 ~ 1", "x4 ~ 1"), HS),
  case("hs_latent_means_marker_intercepts", "cfa", lines(
    HS3, "x1 ~ 0*1", "x4 ~ 0*1", "x7 ~ 0*1", "visual ~ 1", "textual ~ 1", "speed ~ 1"), HS),

  # --- growth models ---------------------------------------------------------
  case("growth_linear", "growth", GROWTH, GR),
  case("growth_no_means", "sem", GROWTH, GR),
  case("growth_free_loadings", "growth", lines(
    "i =~ 1*t1 + 1*t2 + 1*t3 + 1*t4", "s =~ 0*t1 + 1*t2 + t3 + t4"), GR),
  case("growth_covariates", "growth", lines(GROWTH, "i ~ x1 + x2", "s ~ x1 + x2"), GR),
  case("growth_tvc", "growth", lines(
    GROWTH, "i ~ x1 + x2", "s ~ x1 + x2", "t1 ~ c1", "t2 ~ c2", "t3 ~ c3", "t4 ~ c4"), GR),
  case("growth_equal_residuals", "growth", lines(
    GROWTH, "t1 ~~ r*t1", "t2 ~~ r*t2", "t3 ~~ r*t3", "t4 ~~ r*t4"), GR),

  # --- explicit constraints ---------------------------------------------------
  case("hs_constraint_equal", "cfa", lines(
    "visual =~ x1 + x2 + x3", "textual =~ x4 + a*x5 + b*x6", "speed =~ x7 + x8 + x9",
    "a == b"), HS),
  case("hs_constraint_linear", "cfa", lines(
    HS3, "x2 ~~ a*x2", "x1 ~~ b*x1", "a == 2*b"), HS),
  # a constraint on a defined parameter (linear in the labels) and on a labelled fixed marker (its value)
  case("hs_constraint_on_defined", "sem", lines(
    HS3, "textual ~ a*visual", "speed ~ b*textual", "d := a - b", "d == 0.1"), HS),
  case("hs_constraint_on_fixed_marker", "cfa", lines(
    "visual =~ a*x1 + b*x2 + x3", "textual =~ x4 + x5 + x6", "speed =~ x7 + x8 + x9", "b == a"), HS),
  case("hs_inequality_inactive", "cfa", lines(
    "visual =~ x1 + a*x2 + x3", "textual =~ x4 + x5 + x6", "speed =~ x7 + x8 + x9",
    "a > 0"), HS),
  case("hs_inequality_binding", "cfa", lines(
    "visual =~ x1 + a*x2 + x3", "textual =~ x4 + x5 + x6", "speed =~ x7 + x8 + x9",
    "a > 0.8"), HS),

  # --- multiple groups --------------------------------------------------------
  case("mg_configural", "cfa", HS3, HS, group = "school"),
  case("mg_metric", "cfa", HS3, HS, group = "school", group.equal = c("loadings")),
  case("mg_scalar", "cfa", HS3, HS, group = "school", group.equal = c("loadings", "intercepts")),
  case("mg_strict", "cfa", HS3, HS, group = "school",
       group.equal = c("loadings", "intercepts", "residuals")),
  case("mg_means_equal", "cfa", HS3, HS, group = "school",
       group.equal = c("loadings", "intercepts", "means")),
  case("mg_lv_variances_covariances", "cfa", HS3, HS, group = "school",
       group.equal = c("loadings", "lv.variances", "lv.covariances")),
  case("mg_partial", "cfa", HS3, HS, group = "school",
       group.equal = c("loadings", "intercepts"), group.partial = c("visual=~x2", "x7~1")),
  case("mg_regressions_equal", "sem", lines(HS3, "textual ~ visual", "speed ~ visual + textual"),
       HS, group = "school", group.equal = c("loadings", "regressions")),
  case("mg_residual_covariances_equal", "cfa", lines(HS3, "x7 ~~ x8"), HS, group = "school",
       group.equal = c("loadings", "residual.covariances")),
  case("mg_modifiers", "cfa", lines(
    "visual =~ x1 + c(a1, a2)*x2 + x3", "textual =~ x4 + c(1, NA)*x5 + x6",
    "speed =~ x7 + x8 + x9", "d := a2 - a1"), HS, group = "school"),
  case("mg_shared_label", "cfa", lines(
    "visual =~ x1 + a*x2 + x3", "textual =~ x4 + x5 + x6", "speed =~ x7 + x8 + x9"),
    HS, group = "school", allow_warning = "single label per parameter in a multiple group"),
  case("mg_std_lv_metric", "cfa", HS3, HS, group = "school", group.equal = c("loadings"),
       std.lv = TRUE),
  case("mg_sex_metric", "cfa", HS3, HS, group = "sex", group.equal = c("loadings")),

  # --- robust ML --------------------------------------------------------------
  case("mlr_hs_cfa", "cfa", HS3, HS, estimator = "MLR"),
  case("mlr_pd_structural", "sem", lines(PD_MEAS, "dem60 ~ ind60", "dem65 ~ ind60 + dem60", PD_RESCOV),
       PD, estimator = "MLR"),
  case("mlr_hs_path", "sem", lines("x4 ~ a*x1 + x2", "x7 ~ b*x4 + c*x1", "ind := a*b"), HS,
       estimator = "MLR"),
  case("mlr_mg_metric", "cfa", HS3, HS, group = "school", group.equal = c("loadings"),
       estimator = "MLR"),
  case("mlr_stickiness", "sem", STICKINESS, "stickiness_demo.csv", estimator = "MLR"),

  # --- full-information ML on incomplete data ----------------------------------
  case("fiml_hs_cfa", "cfa", HS3, HS_NA, missing = "ml"),
  case("fiml_hs_structural", "sem", lines(HS3, "speed ~ visual + textual"), HS_NA, missing = "ml"),
  case("fiml_hs_mimic", "sem", lines(HS3, "visual ~ ageyr + sex"), HS_NA, missing = "ml"),
  case("fiml_mg_configural", "cfa", HS3, HS_NA, group = "school", missing = "ml"),
  case("fiml_mlr_hs_cfa", "cfa", HS3, HS_NA, estimator = "MLR", missing = "ml"),
  case("fiml_mlr_hs_mimic", "sem", lines(HS3, "visual ~ ageyr + sex"), HS_NA, estimator = "MLR", missing = "ml"),
  # more than 40 variables: the saturated model's missing-data information over 370 patterns of 48 variables
  case("fiml_sim_8f48", "cfa", SIM8, "battery_sim_8f48_mcar5.csv", missing = "ml"),
  case("fiml_mlr_sim_8f48", "cfa", SIM8, "battery_sim_8f48_mcar5.csv", estimator = "MLR", missing = "ml"),
  # robust CFI/TLI/RMSEA of FIML fits (Zhang & Savalei's FIML-corrected ones) under equality constraints across
  # groups, labelled paths, and covariates modelled (fixed.x = FALSE)
  case("fiml_mg_scalar", "cfa", HS3, HS_NA, group = "school", group.equal = c("loadings", "intercepts"),
       missing = "ml"),
  case("fiml_mlr_hs_labelled", "sem", lines(HS3, "speed ~ a*visual + b*textual", "d := a - b"), HS_NA,
       estimator = "MLR", missing = "ml"),
  case("fiml_hs_mimic_free_x", "sem", lines(HS3, "visual ~ ageyr + sex"), HS_NA, missing = "ml", fixed.x = FALSE),
  # free covariates with missing values (the baseline's covariate block is their own FIML estimate): the HS data
  # plus z = 0.8 std(x1) + N(0, .6), missing where x1 is above its median, and w = 0.5 z + N(0, 1), 20 % missing
  case("fiml_mlr_free_x_missing", "sem", lines(HS3, "textual ~ z + w"), "battery_hs_mar_cov.csv",
       estimator = "MLR", missing = "ml", fixed.x = FALSE),
  case("fiml_inequality_binding", "cfa", lines(
    "visual =~ x1 + a*x2 + x3", "textual =~ x4 + x5 + x6", "speed =~ x7 + x8 + x9", "a > 0.8"), HS_NA,
    missing = "ml"),
  case("fiml_mlr_inequality_binding", "cfa", lines(
    "visual =~ x1 + a*x2 + x3", "textual =~ x4 + x5 + x6", "speed =~ x7 + x8 + x9", "a > 0.8"), HS_NA,
    estimator = "MLR", missing = "ml"),
  # saturated (df 0): lavaan's robust indices of a perfect fit after FIML, NA after complete-data MLR
  case("fiml_path_saturated", "sem", lines("x4 ~ x1 + x2", "x7 ~ x4 + x1 + x2"), HS_NA, missing = "ml",
       fixed.x = FALSE),
  case("fiml_mlr_cfa_saturated", "cfa", "visual =~ x1 + x2 + x3", HS_NA, estimator = "MLR", missing = "ml"),
  case("fiml_growth_covariate", "growth", lines(
    "i =~ 1*t1 + 1*t2 + 1*t3 + 1*t4", "s =~ 0*t1 + 1*t2 + 2*t3 + 3*t4", "i + s ~ x1"),
    "battery_demo_growth_na.csv", missing = "ml"),

  # --- shared/cases (data copied to tests/reference/data/case_*.csv) --------------
  case("case_path_mediation", "sem", lines("m ~ a*x1 + x2", "y ~ b*m + x1", "ind := a*b"),
       "case_path_mediation.csv"),
  case("case_mlr_nonnormal", "sem", lines(
    "f1 =~ y1 + y2 + y3", "f2 =~ y4 + y5 + y6", "f3 =~ y7 + y8 + y9",
    "f2 ~ a*f1", "f3 ~ c*f1 + b*f2", "ind := a*b", "tot := c + a*b"),
    "case_mlr_nonnormal.csv", estimator = "MLR")
)

# ---------------------------------------------------------------------------

# R argument -> sr.fit_sem() keyword
PY_NAMES <- c(group = "group", group.equal = "group_equal", group.partial = "group_partial",
              meanstructure = "meanstructure", estimator = "estimator", missing = "missing",
              std.lv = "std_lv", fixed.x = "fixed_x", orthogonal = "orthogonal")

python_kwargs <- function(case) {
  unknown <- setdiff(names(case$args), names(PY_NAMES))
  if (length(unknown)) stop(case$name, ": no Python equivalent for ", paste(unknown, collapse = ", "))
  out <- list()
  for (a in names(case$args)) {
    v <- case$args[[a]]
    out[[PY_NAMES[[a]]]] <- if (a %in% c("group.equal", "group.partial")) I(as.list(v)) else v
  }
  out$model_type <- case$fun
  out
}

deparse_call <- function(case) {
  extra <- vapply(names(case$args), function(a) {
    paste0(a, " = ", paste(deparse(case$args[[a]], width.cutoff = 500L), collapse = ""))
  }, character(1))
  paste0("lavaan::", case$fun, "(model, data = d",
         if (length(extra)) paste0(", ", paste(extra, collapse = ", ")) else "", ")")
}

run_case <- function(case) {
  d <- read.csv(file.path(data_dir, case$data), stringsAsFactors = FALSE)
  warned <- character(0)
  fit <- withCallingHandlers(
    do.call(case$fun, c(list(model = case$model, data = quote(d)), case$args)),
    warning = function(w) {
      warned <<- c(warned, conditionMessage(w))
      invokeRestart("muffleWarning")
    })
  if (!lavInspect(fit, "converged")) stop("case ", case$name, " did not converge")
  if (lavInspect(fit, "post.check") == case$improper) {
    stop("case ", case$name, ": post.check ", if (case$improper) "passed (a proper solution)" else
         "failed (improper solution)")
  }
  unexpected <- if (is.null(case$allow_warning)) warned else grep(case$allow_warning, warned, value = TRUE, invert = TRUE)
  if (length(unexpected)) stop("case ", case$name, " warned: ", paste(unexpected, collapse = " | "))

  ngroups <- lavInspect(fit, "ngroups")
  labels <- lavInspect(fit, "group.label")
  pe <- parameterEstimates(fit, standardized = TRUE)
  if (!"label" %in% names(pe)) pe$label <- ""
  if (!"group" %in% names(pe)) pe$group <- ifelse(pe$op == ":=", 0L, 1L)
  group_label <- function(g) if (ngroups == 1L || g == 0L) "" else labels[[g]]
  estimates <- lapply(seq_len(nrow(pe)), function(i) list(
    lhs = pe$lhs[i], op = pe$op[i], rhs = pe$rhs[i], label = pe$label[i],
    group = group_label(pe$group[i]),
    est = pe$est[i], se = pe$se[i], std.lv = pe$std.lv[i], std.all = pe$std.all[i]))

  fm <- fitMeasures(fit)
  fit_measures <- as.list(as.numeric(unclass(fm)))
  names(fit_measures) <- names(fm)

  out <- list(
    name           = case$name,
    model          = case$model,
    data_file      = rel("data", case$data),
    call           = deparse_call(case),
    python_kwargs  = python_kwargs(case),
    lavaan_version = as.character(packageVersion("lavaan")),
    R_version      = R.version.string,
    converged      = TRUE,
    warnings       = I(as.list(gsub("\\s+", " ", warned))),
    improper       = case$improper,
    nobs           = as.list(lavInspect(fit, "nobs")),
    ngroups        = ngroups,
    group_labels   = I(as.list(labels)),
    estimates      = estimates,
    fit_measures   = fit_measures
  )
  dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
  out_path <- file.path(out_dir, paste0(case$name, ".json"))
  json <- toJSON(out, auto_unbox = TRUE, digits = I(15), na = "null", null = "null", pretty = TRUE)
  writeLines(json, out_path)
  cat(sprintf("%-36s npar=%3d chisq=%9.3f df=%3d cfi=%.3f -> %s\n", case$name,
              as.integer(fm[["npar"]]), fm[["chisq"]], as.integer(fm[["df"]]), fm[["cfi"]],
              rel("battery", basename(out_path))))
}

wanted <- commandArgs(trailingOnly = TRUE)
case_names <- vapply(CASES, `[[`, character(1), "name")
stopifnot(!anyDuplicated(case_names))
unknown <- setdiff(wanted, case_names)
if (length(unknown)) {
  stop("unknown case(s): ", paste(unknown, collapse = ", "),
       "\navailable: ", paste(case_names, collapse = ", "))
}
make_data()
for (case in CASES) {
  if (length(wanted) == 0L || case$name %in% wanted) run_case(case)
}
cat(length(if (length(wanted)) wanted else case_names), "case(s) written\n")
