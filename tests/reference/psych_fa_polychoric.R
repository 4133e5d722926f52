#!/usr/bin/env Rscript
# Reference for stickiness_research.efa(..., cor = "polychoric"): exploratory factor analysis of
# ordered items on their polychoric correlations (issue #16).
#
# Data: tests/reference/wlsmv/cfa5.csv (20 five-point items, 5 factors; written by lavaan_wlsmv.R).
# The polychoric matrix is lavaan's (lavCor(d, ordered = names(d)), the two-step ML estimate our
# ordinal_sample_stats reproduces to 1e-7), and the EFA is psych::fa(r = R, nfactors = 5, n.obs = N,
# rotate = "oblimin", fm = "minres"), so the comparison tests the EFA on a given matrix. For the
# record, psych::fa(d, 5, cor = "poly") is run too: psych's own polychoric() adds 0.5 to empty cells
# of a table (correct = 0.5), so its loadings may differ from lavaan-based ones in the 3rd decimal.
#
# Usage (repository root): Rscript tests/reference/psych_fa_polychoric.R
# Writes tests/reference/psych/fa_polychoric.json.
suppressPackageStartupMessages({ library(lavaan); library(psych); library(jsonlite) })
d <- read.csv("tests/reference/wlsmv/cfa5.csv")
R <- lavCor(d, ordered = names(d))
fit <- fa(r = R, nfactors = 5, n.obs = nrow(d), rotate = "oblimin", fm = "minres")
own <- suppressWarnings(suppressMessages(fa(d, nfactors = 5, rotate = "oblimin", fm = "minres", cor = "poly")))
loadings <- function(f) { L <- unclass(f$loadings); lapply(seq_len(ncol(L)), function(k) unname(L[, k])) }
out <- list(call = 'psych::fa(r = lavCor(d, ordered = names(d)), nfactors = 5, n.obs = nrow(d), rotate = "oblimin", fm = "minres")',
            items = names(d), nobs = nrow(d), polychoric = unname(unclass(R)),
            loadings = loadings(fit), phi = unname(fit$Phi), communality = unname(fit$communality),
            psych_poly_loadings = loadings(own),
            lavaan_version = as.character(packageVersion("lavaan")),
            psych_version = as.character(packageVersion("psych")), R_version = R.version.string)
writeLines(toJSON(out, digits = NA, pretty = TRUE, auto_unbox = TRUE), "tests/reference/psych/fa_polychoric.json")
cat("done\n")
