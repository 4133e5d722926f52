#!/usr/bin/env Rscript
# Frozen reference values for the measurement layer (stickiness_research.measurement):
# item descriptives and Mardia (psych), KMO / Bartlett / oblimin EFA (psych), composite
# reliability, AVE and HTMT (semTools) from lavaan::cfa, Harman's single factor, the
# one-factor CFA and an unmeasured latent method factor (lavaan).
#
# Usage (from the repository root):  Rscript tests/reference/measurement.R
# Writes tests/reference/measurement/<dataset>.json.
# Requires: lavaan, semTools, psych, jsonlite (Debian: r-cran-lavaan r-cran-semtools r-cran-psych r-cran-jsonlite).

suppressPackageStartupMessages({
  library(lavaan); library(semTools); library(psych); library(jsonlite)
})

script_dir <- local({
  file_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(file_arg)) dirname(normalizePath(sub("^--file=", "", file_arg[1])))
  else normalizePath(file.path("tests", "reference"))
})

CASES <- list(
  list(name = "holzinger_swineford", data = "HolzingerSwineford1939.csv", model = "holzinger_swineford_cfa.lav", nfactors = 3L),
  list(name = "stickiness_demo", data = "stickiness_demo.csv", model = "stickiness_default.lav", nfactors = 6L)
)

named <- function(x) as.list(setNames(as.numeric(x), names(x)))
mat <- function(m) lapply(seq_len(nrow(m)), function(i) as.list(setNames(as.numeric(m[i, ]), colnames(m)))) |> setNames(rownames(m))

run_case <- function(case) {
  d <- read.csv(file.path(script_dir, "data", case$data), stringsAsFactors = FALSE)
  model_text <- paste(readLines(file.path(script_dir, "models", case$model)), collapse = "\n")
  pt <- lavaanify(model_text)
  meas <- pt[pt$op == "=~", ]
  factors <- unique(meas$lhs)
  items <- meas$rhs
  # measurement model only: every factor correlated (lavaan::cfa defaults)
  cfa_syntax <- paste(sapply(factors, function(f) paste(f, "=~", paste(meas$rhs[meas$lhs == f], collapse = " + "))), collapse = "\n")
  x <- d[, items]

  desc <- psych::describe(x)               # skew/kurtosis type 3 (psych default)
  mard <- psych::mardia(x, plot = FALSE)
  R <- cor(x)
  kmo <- psych::KMO(R)
  bart <- psych::cortest.bartlett(R, n = nrow(x))
  efa <- suppressWarnings(psych::fa(x, nfactors = case$nfactors, rotate = "oblimin", fm = "minres"))
  smc_r <- R; diag(smc_r) <- psych::smc(R)

  fit <- cfa(cfa_syntax, data = d)
  one <- cfa(paste("general =~", paste(items, collapse = " + ")), data = d)
  # Unmeasured latent method construct: a method factor on every item, orthogonal to the traits.
  ulmc_syntax <- paste(cfa_syntax,
                       paste("method =~", paste(items, collapse = " + ")),
                       paste("method ~~", paste0("0*", factors, collapse = " + ")), sep = "\n")
  ulmc <- cfa(ulmc_syntax, data = d)
  std_ulmc <- standardizedSolution(ulmc)
  std_fit <- standardizedSolution(fit)
  pick <- function(s, lhs) { r <- s[s$op == "=~" & s$lhs %in% lhs, ]; setNames(as.list(r$est.std), paste(r$lhs, r$rhs, sep = "=~")) }
  fm <- function(f) named(fitMeasures(f, c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "aic", "bic")))
  ev <- eigen(R, symmetric = TRUE, only.values = TRUE)$values

  list(
    data = file.path("tests", "reference", "data", case$data), items = items, factors = factors,
    cfa_syntax = cfa_syntax, n = nrow(x),
    describe = list(mean = named(setNames(desc$mean, items)), sd = named(setNames(desc$sd, items)),
                    skew = named(setNames(desc$skew, items)), kurtosis = named(setNames(desc$kurtosis, items)),
                    call = "psych::describe(x)  # type = 3"),
    mardia = list(b1p = mard$b1p, b2p = mard$b2p, skew = mard$skew, p_skew = mard$p.skew,
                  small_skew = mard$small.skew, p_small = mard$p.small, kurtosis = mard$kurtosis, p_kurt = mard$p.kurt,
                  call = "psych::mardia(x, plot = FALSE)"),
    kmo = list(overall = kmo$MSA, items = named(kmo$MSAi), call = "psych::KMO(cor(x))"),
    bartlett = list(chisq = bart$chisq, df = bart$df, p_value = bart$p.value, call = "psych::cortest.bartlett(cor(x), n)"),
    eigen_pc = ev, eigen_fa = eigen(smc_r, symmetric = TRUE, only.values = TRUE)$values,
    harman_first_share = ev[1] / length(ev),
    efa = list(nfactors = case$nfactors, loadings = mat(unclass(efa$loadings)), phi = mat(efa$Phi),
               communality = named(efa$communality),
               call = sprintf("psych::fa(x, nfactors = %d, rotate = 'oblimin', fm = 'minres')", case$nfactors)),
    comp_rel = named(compRelSEM(fit)), ave = named(AVE(fit)),
    htmt2 = mat(unclass(htmt(cfa_syntax, data = d))),
    htmt = mat(unclass(htmt(cfa_syntax, data = d, htmt2 = FALSE))),
    cor_lv = mat(lavInspect(fit, "cor.lv")),
    std_loadings = pick(std_fit, factors),
    fit = fm(fit), one_factor_fit = fm(one),
    ulmc = list(syntax = ulmc_syntax, fit = fm(ulmc), trait_loadings = pick(std_ulmc, factors),
                method_loadings = pick(std_ulmc, "method")),
    versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")),
                    semTools = as.character(packageVersion("semTools")), psych = as.character(packageVersion("psych")))
  )
}

out_dir <- file.path(script_dir, "measurement")
dir.create(out_dir, showWarnings = FALSE)
for (case in CASES) {
  res <- run_case(case)
  writeLines(toJSON(res, auto_unbox = TRUE, digits = I(15), pretty = TRUE), file.path(out_dir, paste0(case$name, ".json")))
  cat(case$name, ": omega", round(unlist(res$comp_rel), 4), " ave", round(unlist(res$ave), 4), "\n")
}
