#!/usr/bin/env Rscript
# Frozen reference values of the careless-responding indices, computed by the R package `careless`
# (Yentes & Wilhelm) on tests/reference/data/careless_fixture.csv: 80 simulated respondents (15 %
# careless), the 25 items of the built-in questionnaire, reverse-keyed items already recoded.
#
# careless is not packaged for Debian. Point CARELESS_SRC at the R/ folder of a checkout of
# https://github.com/ryentes/careless (or install it from CRAN and leave CARELESS_SRC unset):
#   CARELESS_SRC=/path/to/careless/R Rscript tests/reference/careless_indices.R
# Writes tests/reference/careless/indices.json. Requires psych and jsonlite (r-cran-psych r-cran-jsonlite).
suppressPackageStartupMessages({ library(psych); library(jsonlite) })
src <- Sys.getenv("CARELESS_SRC")
if (nzchar(src)) {
  for (f in c("longstring.R", "irv.R", "evenodd.R", "psychsyn.R", "psychant.R", "mahad.R")) source(file.path(src, f))
  careless_version <- paste("source", src)
} else {
  library(careless)
  careless_version <- as.character(packageVersion("careless"))
}
script_dir <- local({
  a <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(a)) dirname(normalizePath(sub("^--file=", "", a[1]))) else normalizePath(file.path("tests", "reference"))
})
x <- read.csv(file.path(script_dir, "data", "careless_fixture.csv"))
factors <- c(4, 4, 4, 4, 4, 5)  # interaction, emotional_attachment, security, trust, convenience, stickiness
ls <- longstring(x, avg = TRUE)
eo <- suppressWarnings(evenodd(x, factors))
set.seed(1)  # psychsyn resamples pairs only when a respondent's correlation is NA
ps <- psychsyn(x, critval = 0.60)
md <- mahad(x, plot = FALSE, flag = TRUE, confidence = 0.99)
out <- list(longstring = ls$longstr, longstring_mean = ls$avgstr, irv = irv(x), even_odd = eo, psychsyn = ps,
            mahad_d2 = md$d_sq, mahad_flag = md$flagged, factors = factors,
            versions = list(R = R.version.string, careless = careless_version, psych = as.character(packageVersion("psych"))))
dir.create(file.path(script_dir, "careless"), showWarnings = FALSE)
writeLines(toJSON(out, digits = I(15), pretty = TRUE, na = "null"), file.path(script_dir, "careless", "indices.json"))
cat("flagged by mahad:", sum(md$flagged), "\n")
