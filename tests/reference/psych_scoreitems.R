#!/usr/bin/env Rscript
# Frozen psych::scoreItems(impute = "none") scale means for tests/reference/data/scoring_fixture.csv:
# 60 simulated answers to the built-in questionnaire as collected (con4 reverse-keyed, 8 % missing).
# Usage (from the repository root): Rscript tests/reference/psych_scoreitems.R
# Writes tests/reference/psych/scoreitems_stickiness.json. Requires psych, jsonlite.
suppressPackageStartupMessages({ library(psych); library(jsonlite) })
script_dir <- local({
  a <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(a)) dirname(normalizePath(sub("^--file=", "", a[1]))) else normalizePath(file.path("tests", "reference"))
})
x <- read.csv(file.path(script_dir, "data", "scoring_fixture.csv"))
keys <- list(interaction = paste0("int", 1:4), emotional_attachment = paste0("ea", 1:4),
             security = paste0("sec", 1:4), trust = paste0("tru", 1:4),
             convenience = c("con1", "con2", "con3", "-con4"), stickiness = paste0("sti", 1:5))
s <- scoreItems(keys, x, impute = "none", min = 1, max = 5)
out <- list(scores = lapply(as.data.frame(s$scores), function(v) v), alpha = as.list(s$alpha[1, ]),
            call = 'scoreItems(keys, x, impute = "none", min = 1, max = 5)',
            psych_version = as.character(packageVersion("psych")), R_version = R.version.string)
writeLines(toJSON(out, digits = I(15), pretty = TRUE, na = "null"), file.path(script_dir, "psych", "scoreitems_stickiness.json"))
cat("rows", nrow(s$scores), "\n")
