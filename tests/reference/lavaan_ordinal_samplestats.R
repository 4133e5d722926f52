#!/usr/bin/env Rscript
# Reference for stickiness_research.sem.ordinal.ordinal_sample_stats(): the sample statistics
# lavaan computes for ordered items before a WLSMV fit (thresholds, polychoric / polyserial /
# Pearson correlations, continuous means and variances, NACOV "Gamma", DWLS weights).
#
# Each case simulates a data set with a fixed seed, writes it to tests/reference/ordinal/<case>.csv,
# reads the CSV back (so lavaan sees exactly the data the Python tests read), fits
#   lavaan::cfa(model, data = d, ordered = <items>, estimator = "WLSMV")
# (lavaan's default missing = "listwise" for categorical data in 0.6.14) and writes
# tests/reference/ordinal/<case>.json. The one-factor model only fixes the variable order
# (lavaan orders the observed variables as they appear in the model syntax); the sample
# statistics do not depend on the model.
#
# Cases: mixed_likert (five 5-point items and two continuous scales, interleaved, 12 missing cells
# -> 409 of 420 rows), binary_item (a 0/1 item, a 3-point item and a rare binary item whose 2 x 2
# table with the first has an empty cell: lavaan's zero.add), sparse_top (near-empty top and bottom
# categories, an unused code), large_scale (a continuous variable with SD ~ 2000 and three extreme
# answers, which lavaan leaves out of the polyserial fits; lavaan warns "some observed variances are
# larger than 1000000" for it, which is expected).
#
# JSON keys: thresholds, mean, cov (lavInspect "sampstat"; cor = cov2cor(cov)), wls_obs, gamma
# (lavInspect "gamma" = NACOV = N * asymptotic covariance of wls_obs, divisor N as
# gamma.n.minus.one = FALSE; rows/columns named as wls_obs), wls_v_diag (diag of lavInspect
# "wls.v", which for DWLS is 1 / diag(gamma)), wls_v_offdiag_max_abs (0: it is diagonal).
#
# Usage (repository root): Rscript tests/reference/lavaan_ordinal_samplestats.R
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })

out_dir <- "tests/reference/ordinal"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

# Cut a latent response at thresholds `cuts`; codes start at `first`.
cut_at <- function(ystar, cuts, first = 1L) as.integer(findInterval(ystar, cuts) + first)

simulate_mixed <- function() {
  # five 5-point items + two continuous scales, interleaved; a few missing cells (listwise).
  set.seed(20240516)
  n <- 420
  eta <- rnorm(n)
  ys <- sapply(c(0.75, 0.70, 0.65, 0.80, 0.60), function(l) l * eta + sqrt(1 - l^2) * rnorm(n))
  cuts <- list(c(-1.6, -0.7, 0.2, 1.1), c(-1.2, -0.4, 0.5, 1.5), c(-2.0, -1.0, 0.0, 0.9),
               c(-1.4, -0.3, 0.6, 1.7), c(-0.9, -0.1, 0.8, 1.9))
  d <- data.frame(
    y1 = cut_at(ys[, 1], cuts[[1]]), y2 = cut_at(ys[, 2], cuts[[2]]),
    c1 = round(50 + 8 * (0.7 * eta + sqrt(1 - 0.49) * rnorm(n)), 2),
    y3 = cut_at(ys[, 3], cuts[[3]]), y4 = cut_at(ys[, 4], cuts[[4]]),
    y5 = cut_at(ys[, 5], cuts[[5]]),
    c2 = round(3 + 0.9 * (0.5 * eta + sqrt(1 - 0.25) * rnorm(n)), 3))
  # 12 missing cells spread over the columns: lavaan drops these rows (listwise).
  for (k in seq_len(12)) d[sample.int(n, 1), sample.int(ncol(d), 1)] <- NA
  d
}

simulate_binary <- function() {
  # four 5-point items, a binary item coded 0/1, a 3-point item, and a rare binary item (rare)
  # answered 1 only by respondents with bin = 1: the bin x rare table has one empty cell, where
  # lavaan adds 0.5 keeping the margins (zero.add) before fitting the tetrachoric correlation.
  set.seed(7)
  n <- 300
  eta <- rnorm(n)
  ys <- sapply(c(0.7, 0.75, 0.6, 0.65, 0.7, 0.55, 0.6), function(l) l * eta + sqrt(1 - l^2) * rnorm(n))
  d <- data.frame(
    u1 = cut_at(ys[, 1], c(-1.5, -0.5, 0.4, 1.3)), u2 = cut_at(ys[, 2], c(-1.0, -0.2, 0.7, 1.6)),
    bin = cut_at(ys[, 3], 0.3, first = 0L),
    u3 = cut_at(ys[, 4], c(-1.8, -0.8, 0.1, 1.0)), u4 = cut_at(ys[, 5], c(-1.3, -0.6, 0.3, 1.2)),
    tri = cut_at(ys[, 6], c(-0.6, 0.7)), rare = cut_at(ys[, 7], 1.6, first = 0L))
  d$rare[d$bin == 0L] <- 0L
  d
}

simulate_sparse <- function() {
  # a near-empty top category (s1: 2 answers of 5), a near-empty bottom one (s2: 3 answers of 1),
  # and an item whose code 4 is never used (s5: codes 1, 2, 3, 5 -> four categories).
  set.seed(11)
  n <- 250
  eta <- rnorm(n)
  ys <- sapply(c(0.7, 0.7, 0.6, 0.65, 0.7), function(l) l * eta + sqrt(1 - l^2) * rnorm(n))
  d <- data.frame(
    s1 = cut_at(ys[, 1], c(-1.2, -0.3, 0.7, 10)), s2 = cut_at(ys[, 2], c(-10, -0.9, 0.1, 1.1)),
    s3 = cut_at(ys[, 3], c(-1.4, -0.4, 0.5, 1.4)), s4 = cut_at(ys[, 4], c(-1.1, -0.2, 0.6, 1.5)),
    s5 = cut_at(ys[, 5], c(-1.0, 0.0, 1.0)))
  d$s5[d$s5 == 4L] <- 5L
  top <- order(ys[, 1], decreasing = TRUE)[1:2]
  d$s1[top] <- 5L
  low <- order(ys[, 2])[1:3]
  d$s2[low] <- 1L
  d
}

simulate_large_scale <- function() {
  # four 5-point items and monthly spending in yuan (SD ~ 2000) with three extreme answers: lavaan
  # leaves respondents whose bivariate likelihood dnorm(y; mean, sd) * P(answer | y) is below
  # sqrt(.Machine$double.eps) out of the polyserial fit, which drops these three.
  set.seed(3)
  n <- 300
  eta <- rnorm(n)
  ys <- sapply(c(0.7, 0.6, 0.65, 0.75), function(l) l * eta + sqrt(1 - l^2) * rnorm(n))
  d <- data.frame(
    q1 = cut_at(ys[, 1], c(-1.5, -0.5, 0.4, 1.3)), q2 = cut_at(ys[, 2], c(-1.0, -0.2, 0.7, 1.6)),
    spending = round(3000 + 2000 * (0.5 * eta + sqrt(0.75) * rnorm(n))),
    q3 = cut_at(ys[, 3], c(-1.8, -0.8, 0.1, 1.0)), q4 = cut_at(ys[, 4], c(-1.3, -0.6, 0.3, 1.2)))
  d$spending[c(5, 50, 150)] <- c(15000, 14000, -7000)
  d
}

cases <- list(
  list(name = "mixed_likert", make = simulate_mixed, ordered = c("y1", "y2", "y3", "y4", "y5"),
       continuous = c("c1", "c2")),
  list(name = "binary_item", make = simulate_binary,
       ordered = c("u1", "u2", "bin", "u3", "u4", "tri", "rare"),
       continuous = character(0)),
  list(name = "sparse_top", make = simulate_sparse, ordered = c("s1", "s2", "s3", "s4", "s5"),
       continuous = character(0)),
  list(name = "large_scale", make = simulate_large_scale, ordered = c("q1", "q2", "q3", "q4"),
       continuous = "spending"))

as_rows <- function(m) lapply(seq_len(nrow(m)), function(i) as.numeric(m[i, ]))

for (case in cases) {
  csv <- file.path(out_dir, paste0(case$name, ".csv"))
  write.csv(case$make(), csv, row.names = FALSE)
  d <- read.csv(csv)
  variables <- names(d)  # the model lists them in column order, so lavaan keeps that order
  model <- paste("f =~", paste(variables, collapse = " + "))
  fit <- lavaan::cfa(model, data = d, ordered = case$ordered, estimator = "WLSMV")
  ss <- lavInspect(fit, "sampstat")
  gamma <- lavInspect(fit, "gamma", add.labels = TRUE)
  wls_v <- lavInspect(fit, "wls.v", add.labels = TRUE)
  wls_obs <- lavInspect(fit, "wls.obs", add.labels = TRUE)
  stopifnot(identical(rownames(gamma), names(wls_obs)), identical(rownames(wls_v), names(wls_obs)))
  complete <- d[complete.cases(d[, variables]), ]
  freq <- lapply(setNames(case$ordered, case$ordered), function(v) as.list(table(complete[[v]])))
  out <- list(
    case = case$name, data_file = csv, model = model,
    call = sprintf("lavaan::cfa(model, data = d, ordered = c(%s), estimator = \"WLSMV\")",
                   paste0("\"", case$ordered, "\"", collapse = ", ")),
    lavaan_version = as.character(packageVersion("lavaan")), R_version = R.version.string,
    missing = lavInspect(fit, "options")$missing, nobs = lavInspect(fit, "nobs"),
    ntotal_rows = nrow(d), variables = I(lavNames(fit, "ov")),
    ordered = I(case$ordered), continuous = I(case$continuous), category_counts = freq,
    thresholds = as.list(setNames(as.numeric(ss$th), names(ss$th))),
    mean = as.list(setNames(as.numeric(ss$mean), names(ss$mean))),
    cov = list(names = rownames(ss$cov), matrix = as_rows(unclass(ss$cov))),
    cor = list(names = rownames(ss$cov), matrix = as_rows(cov2cor(unclass(ss$cov)))),
    wls_obs = list(names = names(wls_obs), values = as.numeric(wls_obs)),
    gamma = list(names = rownames(gamma), matrix = as_rows(unclass(gamma))),
    wls_v_diag = list(names = rownames(wls_v), values = as.numeric(diag(wls_v))),
    wls_v_offdiag_max_abs = max(abs(unclass(wls_v)[row(wls_v) != col(wls_v)])))
  json <- file.path(out_dir, paste0(case$name, ".json"))
  writeLines(toJSON(out, auto_unbox = TRUE, digits = I(15), pretty = TRUE, null = "null"), json)
  cat(sprintf("%-13s nobs %d of %d rows, %d statistics -> %s\n", case$name, out$nobs, nrow(d),
              length(wls_obs), json))
}
