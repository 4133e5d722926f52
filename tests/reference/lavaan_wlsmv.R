#!/usr/bin/env Rscript
# Reference for the categorical estimation of stickiness_research.sem (lavaan's ordered = with
# estimator WLSMV / DWLS / ULSMV): estimates, standard errors, test statistics (standard and
# scaled-shifted; lavaan 0.6.14 uses "scaled.shifted" for both WLSMV and ULSMV), fit measures (incl.
# the robust CFI/TLI/RMSEA of lavaan 0.6.13+), the parameter table and the vcov of 15 fits, plus the
# scaled difference tests of a two-group categorical invariance sequence.
#
# Each data set is simulated with a fixed seed (set.seed per data set) from a known population
# (latent responses = loadings * factors + normal errors, cut at fixed thresholds into categories),
# written to tests/reference/wlsmv/<data>.csv, READ BACK, and every fit uses the read-back data, so
# lavaan sees exactly the file the Python tests read. Data sets shared by several cases are written
# once; each JSON names its CSV in "data". Each population has a little misfit the fitted model
# leaves out (a cross-loading or a shared residual component, noted below), so that the chi-squares
# exceed their df and the (robust) CFI/TLI are below 1 and the RMSEAs above 0.
#
# Data sets (5-point items coded 1..5 unless stated):
#   cfa5.csv (N 600): 20 items int1..int4, emo1..emo4, sec1..sec4, con1..con4, sti1..sti4 on the
#     factors interaction, emotion, security, convenience, stickiness; loadings .60-.85, varied and
#     partly skewed thresholds. The factor scores come from the population of the sem_indirect
#     model (emotion = .5 interaction; stickiness = .2 interaction + .25 emotion + .15 security +
#     .15 convenience; interaction/security/convenience correlated .45/.40/.30; all factor
#     variances 1), which makes the factor correlations .20-.50. Misfit: int3 cross-loads .30 on
#     emotion, sec2 .25 on convenience, sti1 and sti2 share a residual component (.35).
#   near_empty.csv (N 300): one factor, items n1..n6; n2's top category (5) has exactly 2
#     respondents and n5's bottom category (1) exactly 3. Misfit: n3 and n4 share a residual (.40).
#   binary.csv (N 400): factors f1 (u1, bin, u2) and f2 (tri, u3, u4) correlated .4; bin is 0/1,
#     tri is 3-point (1..3), the rest 5-point. Misfit: u2 cross-loads .35 on f2.
#   pairwise.csv (N 400): binary.csv with 5% of the item cells (120 of 2400, drawn at random with
#     set.seed) set to NA.
#   mixed.csv (N 500): f1 =~ a1..a4 (ordered 5-point), f2 =~ b1, c1, b2, c2 where b1, b2 are ordered
#     5-point items and c1, c2 continuous (mean ~50, sd ~8, 2 decimals); f2 = .5 f1 + error.
#     Misfit: c1 cross-loads .30 on f1.
#   invariance.csv (N 700): column group ("g1", "g2", 350 each); security =~ sec1..sec5,
#     convenience =~ con1..con4 (correlated .35); same loadings and thresholds in both groups,
#     security's latent mean .25 higher in g2. Misfit (both groups): con1 cross-loads .30 on
#     security.
#
# Cases (-> tests/reference/wlsmv/<case>.json):
#   cfa5          cfa(model, data = d, ordered = TRUE, estimator = "WLSMV")            data cfa5.csv
#   sem_indirect  sem(...) of stickiness ~ c*interaction + b*emotion + security + convenience,
#                 emotion ~ a*interaction, ind := a*b, total := c + a*b; WLSMV        data cfa5.csv
#   near_empty    one-factor CFA, WLSMV                                              near_empty.csv
#   binary        two-factor CFA, WLSMV                                                  binary.csv
#   mixed         sem() with f2 ~ f1, ordered = the six ordered items only, WLSMV         mixed.csv
#   theta_param   case binary with parameterization = "theta"                            binary.csv
#   dwls, ulsmv   case cfa5 with estimator = "DWLS" / "ULSMV"                              cfa5.csv
#   pairwise      case binary's model, missing = "pairwise"                            pairwise.csv
#   listwise_na   the same data, missing = "listwise"                                  pairwise.csv
#   ineq_binding  case binary with 'a*bin', 'u1 | th*t1', 'a < 0.5', 'th > -0.3' (both bounds held)  binary.csv
#   thr_fixed     case binary with 'u1 | -1.4*t1 + -0.5*t2' (two thresholds fixed)       binary.csv
#   ineq_inactive case cfa5 with 'b*sti2', 'b > 0', 'security ~~ r*convenience', 'r < 0.9' (neither held)  cfa5.csv
#   inv_config, inv_thresholds, inv_loadings, inv_intercepts: syntax from
#                 semTools::measEq.syntax(configural.model = model, data = d, ordered = items,
#                 parameterization = "delta", ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016",
#                 group = "group", group.equal = <c(), "thresholds", c("thresholds", "loadings"),
#                 c("thresholds", "loadings", "intercepts")>), fitted with
#                 cfa(as.character(syntax), data = d, group = "group", ordered = items,
#                 estimator = "WLSMV", parameterization = "delta")                  invariance.csv
#   multigroup    plain two-group cfa(model, data = d, group = "group", ordered = items,
#                 estimator = "WLSMV"), no equality constraints                      invariance.csv
#
# JSON keys of <case>.json:
#   case, lavaan_version, R_version, call (the R call as text; d = the read-back CSV),
#   model (syntax text; for inv_* the configural model given to measEq.syntax), syntax (inv_* only:
#   the generated lavaan syntax that was fitted), measEq_call (inv_* only), data (CSV file name in
#   this folder), nrow_data, ordered (the ordered variable names; for ordered = TRUE the names lavaan
#   took as ordered), args (the arguments of the call besides model and data),
#   estimates: parameterEstimates(fit, standardized = TRUE, remove.nonfree = FALSE, remove.eq = FALSE,
#     remove.ineq = FALSE, remove.def = FALSE) as records (lavaan drops the label column when no
#     parameter has a label and has a group column only for multi-group fits; "|", "~*~" and ":="
#     rows are included; the "==" rows lavaan makes of shared labels (user = 2) are left out by
#     parameterEstimates' default remove.system.eq = TRUE but are in partable),
#   partable: parTable(fit) as records (id lhs op rhs user block group free ustart exo label plabel
#     start est se),
#   standardized: standardizedSolution(fit, type = "std.all") as records (est.std with delta-method
#     se, z, pvalue, ci.lower, ci.upper),
#   fit_measures: fitMeasures(fit) (all, named), plus cfi.robust, tli.robust, rmsea.robust,
#     rmsea.ci.lower.robust, rmsea.ci.upper.robust from fitMeasures(fit, <these>) when the default
#     list lacks them (DWLS); NA -> null,
#   test: one record per element of fit@test (name = the element name, e.g. standard,
#     scaled.shifted, mean.var.adjusted) with the fields lavaan stores (test, stat, stat.group, df,
#     refdistr, pvalue, scaling.factor, shift.parameter, trace.UGamma, trace.UGamma2, ...),
#   vcov: {names, matrix} from lavInspect(fit, "vcov") (rows = columns = names; omitted, with
#     vcov_omitted = true, if it would make the file larger than 1 MB),
#   options: lavInspect(fit, "options")[c("estimator", "se", "test", "missing", "parameterization")],
#   nobs (per group), ntotal, converged, iterations (lavInspect), warnings (lavaan's warnings).
# inv_lrt.json: lavTestLRT(fit_config, fit_thresholds, fit_loadings, fit_intercepts) as records
#   (model, Df, AIC, BIC, Chisq, Chisq diff, Df diff, Pr(>Chisq)), its heading, and method (the
#   method lavaan used, read from the heading; lavaan 0.6.14's default for a scaled-shifted WLSMV
#   test is "satorra.2000" with scaled.shifted = TRUE, A.method = "delta", H1 = TRUE and the
#   Satterthwaite df), scale and shift (attr(lrt, "scale"/"shift"): the a and b of each scaled-shifted
#   difference, NA in the first row). The Chisq column holds the standard (unscaled) statistics.
#
# Robust CFI/TLI/RMSEA: lavaan 0.6.14 leaves them NA (null here) for models with continuous
# indicators (mixed), for test = "standard" (dwls), and for models with equality constraints
# (inv_thresholds, inv_loadings, inv_intercepts: its internal catML refit, lav_object_catml(), stops
# with "unknown label(s) in equality constraint(s)" and fitMeasures() returns NA).
#
# Requires: lavaan (0.6.14 was used), semTools (0.5.6), jsonlite.
# Usage (repository root): Rscript tests/reference/lavaan_wlsmv.R
suppressPackageStartupMessages({ library(lavaan); library(semTools); library(jsonlite) })

out_dir <- "tests/reference/wlsmv"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

# Cut a latent response at thresholds `cuts`; codes start at `first`.
cut_at <- function(ystar, cuts, first = 1L) as.integer(findInterval(ystar, cuts) + first)

# Latent responses lambda * eta + sqrt(1 - lambda^2) * e (unit variance when var(eta) = 1).
latent <- function(eta, lambda) lambda * eta + sqrt(1 - lambda^2) * rnorm(length(eta))

# ----- data sets ---------------------------------------------------------------------------------
FACTORS5 <- c("interaction", "emotion", "security", "convenience", "stickiness")
PREFIX5 <- c("int", "emo", "sec", "con", "sti")

# Factor correlations implied by the sem_indirect population (variances 1).
population_phi5 <- function() {
  B <- matrix(0, 5, 5, dimnames = list(FACTORS5, FACTORS5))
  B["emotion", "interaction"] <- 0.5
  B["stickiness", c("interaction", "emotion", "security", "convenience")] <- c(0.2, 0.25, 0.15, 0.15)
  psi <- diag(5); dimnames(psi) <- list(FACTORS5, FACTORS5)
  psi["interaction", "security"] <- psi["security", "interaction"] <- 0.45
  psi["interaction", "convenience"] <- psi["convenience", "interaction"] <- 0.40
  psi["security", "convenience"] <- psi["convenience", "security"] <- 0.30
  A <- solve(diag(5) - B)
  for (it in 1:100) {  # residual variances of emotion and stickiness so that all variances are 1
    S <- A %*% psi %*% t(A)
    for (k in c("emotion", "stickiness")) psi[k, k] <- psi[k, k] + 1 - S[k, k]
  }
  A %*% psi %*% t(A)
}

simulate_cfa5 <- function() {
  set.seed(20240701)
  n <- 600
  eta <- matrix(rnorm(n * 5), n, 5) %*% chol(population_phi5())
  lambda <- c(0.80, 0.70, 0.65, 0.75,  0.85, 0.60, 0.70, 0.75,  0.70, 0.80, 0.60, 0.65,
              0.75, 0.65, 0.70, 0.80,  0.85, 0.75, 0.70, 0.60)
  cuts <- list(
    c(-1.5, -0.5, 0.4, 1.3), c(-1.2, -0.3, 0.6, 1.5), c(-2.1, -1.4, -0.6, 0.4), c(-1.0, -0.1, 0.8, 1.7),
    c(-1.8, -0.9, 0.0, 0.9), c(-0.4, 0.4, 1.2, 2.0), c(-1.4, -0.6, 0.3, 1.2), c(-1.6, -0.7, 0.1, 1.1),
    c(-2.2, -1.5, -0.7, 0.3), c(-1.3, -0.4, 0.5, 1.4), c(-1.1, -0.2, 0.7, 1.6), c(-1.7, -0.8, 0.2, 1.0),
    c(-1.5, -0.6, 0.3, 1.3), c(-0.6, 0.3, 1.1, 1.9), c(-1.2, -0.5, 0.4, 1.5), c(-1.9, -1.0, -0.2, 0.8),
    c(-1.4, -0.5, 0.5, 1.4), c(-2.0, -1.2, -0.3, 0.7), c(-1.0, 0.0, 0.9, 1.8), c(-1.6, -0.4, 0.6, 1.2))
  ys <- sapply(1:20, function(j) latent(eta[, (j - 1) %/% 4 + 1], lambda[j]))
  # misfit the model leaves out: int3 and sec2 cross-load on emotion and convenience, sti1 and sti2
  # share a residual component
  ys[, 3] <- ys[, 3] + 0.30 * eta[, 2]
  ys[, 10] <- ys[, 10] + 0.25 * eta[, 4]
  u <- rnorm(n)
  ys[, 17:18] <- ys[, 17:18] + 0.35 * u
  d <- data.frame(row.names = seq_len(n))
  for (j in 1:20) d[[paste0(PREFIX5[(j - 1) %/% 4 + 1], (j - 1) %% 4 + 1)]] <- cut_at(ys[, j], cuts[[j]])
  d
}

simulate_near_empty <- function() {
  # n2: no latent response above the top cut (10), then the two highest set to 5;
  # n5: none below the bottom cut (-10), then the three lowest set to 1.
  set.seed(20240702)
  n <- 300
  eta <- rnorm(n)
  ys <- sapply(c(0.70, 0.75, 0.65, 0.60, 0.70, 0.80), function(l) latent(eta, l))
  ys[, 3:4] <- ys[, 3:4] + 0.40 * rnorm(n)  # misfit: n3 and n4 share a residual component
  cuts <- list(c(-1.4, -0.5, 0.4, 1.3), c(-1.2, -0.3, 0.7, 10), c(-1.6, -0.7, 0.2, 1.1),
               c(-1.0, -0.1, 0.8, 1.7), c(-10, -0.9, 0.1, 1.1), c(-1.5, -0.6, 0.3, 1.2))
  d <- as.data.frame(sapply(1:6, function(j) cut_at(ys[, j], cuts[[j]])))
  names(d) <- paste0("n", 1:6)
  d$n2[order(ys[, 2], decreasing = TRUE)[1:2]] <- 5L
  d$n5[order(ys[, 5])[1:3]] <- 1L
  stopifnot(sum(d$n2 == 5L) == 2L, sum(d$n5 == 1L) == 3L)
  d
}

simulate_binary <- function() {
  set.seed(20240703)
  n <- 400
  eta <- matrix(rnorm(n * 2), n, 2) %*% chol(matrix(c(1, 0.4, 0.4, 1), 2))
  data.frame(
    u1 = cut_at(latent(eta[, 1], 0.75), c(-1.4, -0.5, 0.4, 1.3)),
    bin = cut_at(latent(eta[, 1], 0.70), 0.4, first = 0L),
    # misfit: u2 cross-loads on f2
    u2 = cut_at(latent(eta[, 1], 0.65) + 0.35 * eta[, 2], c(-1.8, -1.0, -0.1, 0.9)),
    tri = cut_at(latent(eta[, 2], 0.70), c(-0.7, 0.6)),
    u3 = cut_at(latent(eta[, 2], 0.80), c(-1.2, -0.3, 0.6, 1.5)),
    u4 = cut_at(latent(eta[, 2], 0.60), c(-1.5, -0.6, 0.2, 1.1)))
}

simulate_pairwise <- function() {
  d <- simulate_binary()
  set.seed(20240704)
  m <- as.matrix(d)
  m[sample.int(length(m), round(0.05 * length(m)))] <- NA  # 120 of 2400 cells
  as.data.frame(m)
}

simulate_mixed <- function() {
  set.seed(20240705)
  n <- 500
  f1 <- rnorm(n)
  f2 <- 0.5 * f1 + sqrt(0.75) * rnorm(n)
  data.frame(
    a1 = cut_at(latent(f1, 0.75), c(-1.5, -0.6, 0.3, 1.2)),
    a2 = cut_at(latent(f1, 0.70), c(-1.1, -0.2, 0.7, 1.6)),
    a3 = cut_at(latent(f1, 0.80), c(-1.9, -1.1, -0.3, 0.8)),
    a4 = cut_at(latent(f1, 0.65), c(-1.3, -0.4, 0.5, 1.4)),
    b1 = cut_at(latent(f2, 0.75), c(-1.4, -0.5, 0.4, 1.3)),
    # misfit: c1 cross-loads on f1 (scale 7 keeps its sd near 8)
    c1 = round(50 + 7 * (latent(f2, 0.70) + 0.30 * f1), 2),
    b2 = cut_at(latent(f2, 0.65), c(-1.2, -0.2, 0.6, 1.7)),
    c2 = round(50 + 8 * latent(f2, 0.80), 2))
}

simulate_invariance <- function() {
  set.seed(20240706)
  n_g <- 350
  group <- rep(c("g1", "g2"), each = n_g)
  eta <- matrix(rnorm(2 * n_g * 2), 2 * n_g, 2) %*% chol(matrix(c(1, 0.35, 0.35, 1), 2))
  eta[group == "g2", 1] <- eta[group == "g2", 1] + 0.25  # security's latent mean in g2
  lambda <- c(0.75, 0.70, 0.80, 0.65, 0.70,  0.75, 0.65, 0.70, 0.80)
  cuts <- list(c(-1.5, -0.6, 0.3, 1.2), c(-1.2, -0.3, 0.6, 1.5), c(-1.8, -0.9, 0.0, 1.0),
               c(-1.0, -0.1, 0.8, 1.7), c(-1.4, -0.5, 0.5, 1.4),
               c(-1.6, -0.7, 0.2, 1.1), c(-1.1, -0.2, 0.7, 1.6), c(-1.3, -0.4, 0.4, 1.3),
               c(-1.7, -0.8, 0.1, 1.2))
  d <- data.frame(group = group)
  for (j in 1:9) {
    name <- if (j <= 5) paste0("sec", j) else paste0("con", j - 5)
    ystar <- latent(eta[, if (j <= 5) 1 else 2], lambda[j])
    # misfit (both groups): con1 cross-loads on security (on its g1 scale, before the mean shift)
    if (name == "con1") ystar <- ystar + 0.30 * (eta[, 1] - 0.25 * (group == "g2"))
    d[[name]] <- cut_at(ystar, cuts[[j]])
  }
  d
}

data_sets <- list(cfa5 = simulate_cfa5, near_empty = simulate_near_empty, binary = simulate_binary,
                  pairwise = simulate_pairwise, mixed = simulate_mixed,
                  invariance = simulate_invariance)
for (nm in names(data_sets)) write.csv(data_sets[[nm]](), file.path(out_dir, paste0(nm, ".csv")),
                                       row.names = FALSE)
read_data <- function(name) read.csv(file.path(out_dir, paste0(name, ".csv")))

# ----- models ------------------------------------------------------------------------------------
model_cfa5 <- paste(sprintf("%s =~ %s", FACTORS5,
                            sapply(PREFIX5, function(p) paste0(p, 1:4, collapse = " + "))),
                    collapse = "\n")
model_sem <- paste(model_cfa5,
                   "stickiness ~ c*interaction + b*emotion + security + convenience",
                   "emotion ~ a*interaction",
                   "ind := a*b",
                   "total := c + a*b", sep = "\n")
model_near_empty <- "f =~ n1 + n2 + n3 + n4 + n5 + n6"
model_binary <- "f1 =~ u1 + bin + u2\nf2 =~ tri + u3 + u4"
items_binary <- c("u1", "bin", "u2", "tri", "u3", "u4")
model_mixed <- "f1 =~ a1 + a2 + a3 + a4\nf2 =~ b1 + c1 + b2 + c2\nf2 ~ f1"
items_mixed <- c("a1", "a2", "a3", "a4", "b1", "b2")
model_inv <- "security =~ sec1 + sec2 + sec3 + sec4 + sec5\nconvenience =~ con1 + con2 + con3 + con4"
items_inv <- c(paste0("sec", 1:5), paste0("con", 1:4))

# ----- fitting and output ------------------------------------------------------------------------
OPTION_KEYS <- c("estimator", "se", "test", "missing", "parameterization")

source("tests/reference/lib/fit_records.R")

# model_text: the "model" written to the JSON (default: the syntax that is fitted).
fit_case <- function(case, fun, model, data_name, args, call = NULL, extra = list(),
                     model_text = model) {
  d <- read_data(data_name)
  res <- collect_warnings(do.call(fun, c(list(model = model, data = d), args)))
  fit <- res$value
  if (is.null(call)) call <- sprintf("%s(model, data = d, %s)", fun, deparse_args(args))
  ordered <- if (isTRUE(args$ordered)) lavNames(fit, "ov.ord") else args$ordered
  pe <- parameterEstimates(fit, standardized = TRUE, remove.nonfree = FALSE, remove.eq = FALSE,
                           remove.ineq = FALSE, remove.def = FALSE)
  fit_measures <- fit_measures_all(fit)
  V <- lavInspect(fit, "vcov")
  out <- c(
    list(case = case, lavaan_version = as.character(packageVersion("lavaan")),
         R_version = R.version.string, call = call, model = model_text),
    extra,
    list(data = paste0(data_name, ".csv"), nrow_data = nrow(d), ordered = I(ordered),
         args = json_args(args),
         estimates = as_records(pe), partable = as_records(parTable(fit)),
         standardized = as_records(standardizedSolution(fit, type = "std.all")),
         fit_measures = fit_measures, test = test_records(fit@test),
         vcov = list(names = I(rownames(V)), matrix = matrix(as.numeric(V), nrow(V))),
         vcov_omitted = FALSE,
         options = lavInspect(fit, "options")[OPTION_KEYS],
         nobs = I(lavInspect(fit, "nobs")), ntotal = lavInspect(fit, "ntotal"),
         converged = lavInspect(fit, "converged"), iterations = lavInspect(fit, "iterations"),
         warnings = I(res$warnings)))
  to_json <- function(x) toJSON(x, digits = NA, auto_unbox = TRUE, na = "null", null = "null",
                                pretty = TRUE)
  if (nchar(to_json(out), type = "bytes") > 1e6) { out$vcov <- NULL; out$vcov_omitted <- TRUE }
  json <- file.path(out_dir, paste0(case, ".json"))
  write_json(out, json, digits = NA, auto_unbox = TRUE, na = "null", null = "null", pretty = TRUE)
  sc <- fit_measures[["chisq.scaled"]]
  cat(sprintf("%-15s N %4d npar %3d chisq.scaled %10s df %3d cfi.robust %8s converged %s tests [%s]%s\n",
              case, lavInspect(fit, "ntotal"), as.integer(fit_measures[["npar"]]),
              if (is.null(sc)) "-" else format(round(sc, 3)), as.integer(fit_measures[["df"]]),
              format(round(fit_measures[["cfi.robust"]], 4)), lavInspect(fit, "converged"),
              paste(names(fit@test), collapse = ", "),
              if (length(res$warnings)) paste0("\n  warnings: ", paste(res$warnings, collapse = " | ")) else ""))
  stopifnot(lavInspect(fit, "converged"))
  invisible(fit)
}

fit_case("cfa5", "cfa", model_cfa5, "cfa5", list(ordered = TRUE, estimator = "WLSMV"))
fit_case("sem_indirect", "sem", model_sem, "cfa5", list(ordered = TRUE, estimator = "WLSMV"))
fit_case("near_empty", "cfa", model_near_empty, "near_empty",
         list(ordered = paste0("n", 1:6), estimator = "WLSMV"))
fit_case("binary", "cfa", model_binary, "binary", list(ordered = items_binary, estimator = "WLSMV"))
fit_case("mixed", "sem", model_mixed, "mixed", list(ordered = items_mixed, estimator = "WLSMV"))
fit_case("theta_param", "cfa", model_binary, "binary",
         list(ordered = items_binary, estimator = "WLSMV", parameterization = "theta"))
fit_case("dwls", "cfa", model_cfa5, "cfa5", list(ordered = TRUE, estimator = "DWLS"))
fit_case("ulsmv", "cfa", model_cfa5, "cfa5", list(ordered = TRUE, estimator = "ULSMV"))
fit_case("pairwise", "cfa", model_binary, "pairwise",
         list(ordered = items_binary, estimator = "WLSMV", missing = "pairwise"))
fit_case("listwise_na", "cfa", model_binary, "pairwise",
         list(ordered = items_binary, estimator = "WLSMV", missing = "listwise"))
# Inequality constraints: lavaan holds a bound the free estimate passes (a = 0.894 and u1|t1 = -1.476 free), so
# the estimates, SEs and the test's scaling are those of the model with the parameter fixed there, while npar and
# df still count it; a bound the estimate keeps to changes nothing.
fit_case("ineq_binding", "cfa",
         paste(sub("f1 =~ u1 + bin", "f1 =~ u1 + a*bin", model_binary, fixed = TRUE),
               "u1 | th*t1", "a < 0.5", "th > -0.3", sep = "\n"),
         "binary", list(ordered = items_binary, estimator = "WLSMV"))
# Two thresholds fixed in the syntax: lavaan's robust CFI/TLI/RMSEA refit the correlations alone, whose df counts
# neither the fixed thresholds nor the free ones (df3 = 15 correlations - 7 parameters = 8; the model's df is 10).
fit_case("thr_fixed", "cfa", paste(model_binary, "u1 | -1.4*t1 + -0.5*t2", sep = "\n"), "binary",
         list(ordered = items_binary, estimator = "WLSMV"))
fit_case("ineq_inactive", "cfa",
         paste(sub("sti1 + sti2", "sti1 + b*sti2", model_cfa5, fixed = TRUE), "b > 0",
               "security ~~ r*convenience", "r < 0.9", sep = "\n"),
         "cfa5", list(ordered = TRUE, estimator = "WLSMV"))

# Two-group invariance sequence (semTools::measEq.syntax, Wu & Estabrook 2016 identification).
d_inv <- read_data("invariance")
steps <- list(config = c(), thresholds = "thresholds", loadings = c("thresholds", "loadings"),
              intercepts = c("thresholds", "loadings", "intercepts"))
inv_fits <- list()
for (step in names(steps)) {
  syntax <- measEq.syntax(configural.model = model_inv, data = d_inv, ordered = items_inv,
                          parameterization = "delta", ID.fac = "std.lv",
                          ID.cat = "Wu.Estabrook.2016", group = "group",
                          group.equal = steps[[step]])
  measEq_call <- sprintf(paste0(
    "semTools::measEq.syntax(configural.model = model, data = d, ordered = items, ",
    "parameterization = \"delta\", ID.fac = \"std.lv\", ID.cat = \"Wu.Estabrook.2016\", ",
    "group = \"group\", group.equal = %s)"),
    if (is.null(steps[[step]])) "c()" else deparse1(steps[[step]]))
  inv_fits[[step]] <- fit_case(
    paste0("inv_", step), "cfa", as.character(syntax), "invariance",
    list(group = "group", ordered = items_inv, estimator = "WLSMV", parameterization = "delta"),
    call = paste0("cfa(as.character(syntax), data = d, group = \"group\", ordered = items, ",
                  "estimator = \"WLSMV\", parameterization = \"delta\")"),
    extra = list(syntax = as.character(syntax), measEq_call = measEq_call,
                 group_equal = I(as.character(steps[[step]]))),
    model_text = model_inv)
}
fit_config <- inv_fits$config; fit_thresholds <- inv_fits$thresholds
fit_loadings <- inv_fits$loadings; fit_intercepts <- inv_fits$intercepts
lrt_res <- collect_warnings(lavTestLRT(fit_config, fit_thresholds, fit_loadings, fit_intercepts))
lrt <- lrt_res$value
heading <- gsub("[\u201c\u201d]", "\"", paste(attr(lrt, "heading"), collapse = ""))
# (lavaan quotes the method with curly quotes in a UTF-8 locale; made straight above)
method <- sub("^method = \"(.*)\"$", "\\1",
              regmatches(heading, regexpr("method = \"[A-Za-z0-9.]+\"", heading)))
stopifnot(length(method) == 1L, nzchar(method))
lrt_df <- lrt; class(lrt_df) <- "data.frame"
lrt_df <- cbind(data.frame(model = rownames(lrt)), lrt_df)  # keeps "Chisq diff", "Pr(>Chisq)"
write_json(list(case = "inv_lrt", lavaan_version = as.character(packageVersion("lavaan")),
                R_version = R.version.string,
                call = "lavTestLRT(fit_config, fit_thresholds, fit_loadings, fit_intercepts)",
                models = list(fit_config = "inv_config", fit_thresholds = "inv_thresholds",
                              fit_loadings = "inv_loadings", fit_intercepts = "inv_intercepts"),
                method = method, scaled_shifted = TRUE, A_method = "delta", H1 = TRUE,
                heading = heading, table = as_records(lrt_df),
                scale = I(as.numeric(attr(lrt, "scale"))), shift = I(as.numeric(attr(lrt, "shift"))),
                warnings = I(lrt_res$warnings)),
           file.path(out_dir, "inv_lrt.json"),
           digits = NA, auto_unbox = TRUE, na = "null", null = "null", pretty = TRUE)
print(lrt)

fit_case("multigroup", "cfa", model_inv, "invariance",
         list(group = "group", ordered = items_inv, estimator = "WLSMV"))
