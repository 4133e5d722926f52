#!/usr/bin/env Rscript
# Frozen psych::alpha reference values (Cronbach's alpha) for the Holzinger &
# Swineford (1939) items, one scale per CFA factor.
#
# Usage (from the repository root):
#   Rscript tests/reference/psych_alpha.R
#
# Writes tests/reference/psych/alpha_holzinger.json.
# Requires: psych, jsonlite  (Debian: r-cran-psych, r-cran-jsonlite).

suppressPackageStartupMessages({
  library(psych)
  library(jsonlite)
})

script_dir <- local({
  file_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(file_arg)) dirname(normalizePath(sub("^--file=", "", file_arg[1])))
  else normalizePath(file.path("tests", "reference"))
})

DATA <- "HolzingerSwineford1939.csv"
SCALES <- list(
  visual  = c("x1", "x2", "x3"),
  textual = c("x4", "x5", "x6"),
  speed   = c("x7", "x8", "x9")
)

d <- read.csv(file.path(script_dir, "data", DATA), stringsAsFactors = FALSE)

num <- function(x) as.numeric(unlist(x, use.names = FALSE))

run_scale <- function(items) {
  # psych prints "Number of categories should be increased ..." for
  # continuous items (it only affects response.freq, not alpha).
  a <- suppressMessages(suppressWarnings(psych::alpha(d[, items])))
  tot <- a$total
  drop <- a$alpha.drop
  per_item <- function(col) setNames(as.list(as.numeric(drop[[col]])), rownames(drop))
  list(
    items      = items,
    n          = nrow(d),
    n_complete = sum(complete.cases(d[, items])),
    nvar       = a$nvar,
    call       = sprintf("psych::alpha(d[, c(%s)])",
                         paste0('"', items, '"', collapse = ", ")),
    raw_alpha  = tot$raw_alpha,
    std_alpha  = tot$std.alpha,
    G6_smc     = tot[["G6(smc)"]],
    average_r  = tot$average_r,
    S_N        = tot[["S/N"]],
    ase        = tot$ase,
    mean       = tot$mean,
    sd         = tot$sd,
    median_r   = tot$median_r,
    alpha_if_dropped     = per_item("raw_alpha"),
    std_alpha_if_dropped = per_item("std.alpha"),
    confidence_intervals = list(
      feldt = list(
        level  = 0.95,
        lower  = num(a$feldt$lower.ci),
        alpha  = num(a$feldt$alpha),
        upper  = num(a$feldt$upper.ci),
        method = paste(
          "Feldt (psych::alpha.ci, p.val = .05):",
          "lower = 1 - (1 - raw_alpha) * qf(0.975, n - 1, (n - 1) * (k - 1)),",
          "upper = 1 - (1 - raw_alpha) * qf(0.025, n - 1, (n - 1) * (k - 1));",
          "n = rows of the data, k = number of items")
      ),
      duhachek = list(
        level  = 0.95,
        lower  = tot$raw_alpha - 1.96 * tot$ase,
        alpha  = tot$raw_alpha,
        upper  = tot$raw_alpha + 1.96 * tot$ase,
        method = paste(
          "Duhachek & Iacobucci (2004) asymptotic SE as printed by psych:",
          "raw_alpha -/+ 1.96 * ase, with ase = total$ase from psych::alpha")
      )
    )
  )
}

out <- list(
  data_file     = file.path("tests", "reference", "data", DATA),
  psych_version = as.character(packageVersion("psych")),
  R_version     = R.version.string,
  scales        = lapply(SCALES, run_scale)
)

out_dir <- file.path(script_dir, "psych")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
out_path <- file.path(out_dir, "alpha_holzinger.json")
writeLines(toJSON(out, auto_unbox = TRUE, digits = I(15), na = "null",
                  null = "null", pretty = TRUE), out_path)
for (s in names(out$scales)) {
  r <- out$scales[[s]]
  cat(sprintf("%-8s raw_alpha=%.4f std_alpha=%.4f average_r=%.4f feldt=[%.4f, %.4f]\n",
              s, r$raw_alpha, r$std_alpha, r$average_r,
              r$confidence_intervals$feldt$lower, r$confidence_intervals$feldt$upper))
}
cat("wrote tests/reference/psych/alpha_holzinger.json\n")
