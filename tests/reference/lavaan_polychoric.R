#!/usr/bin/env Rscript
# Reference for polychoric(): lavaan::lavCor with all items ordered (two-step: thresholds from the
# margins, then each correlation by bivariate ML), on the simulated stickiness items.
# Usage (repository root): Rscript tests/reference/lavaan_polychoric.R
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
d <- read.csv("tests/reference/data/stickiness_demo.csv", stringsAsFactors = FALSE)
items <- c("int1", "int2", "int3", "int4", "ea1", "ea2", "sec1", "sec2", "con4", "sti1")
fit <- lavCor(d[, items], ordered = items, output = "fit")
r <- lavInspect(fit, "sampstat")$cov
th <- lavInspect(fit, "sampstat")$th
out <- list(call = "lavCor(d[, items], ordered = items)", lavaan_version = as.character(packageVersion("lavaan")),
            items = items, matrix = lapply(seq_len(nrow(r)), function(i) as.numeric(r[i, ])),
            thresholds = as.list(setNames(as.numeric(th), names(th))))
writeLines(toJSON(out, auto_unbox = TRUE, digits = I(15), pretty = TRUE), "tests/reference/lavaan/polychoric_stickiness.json")
print(round(r[1:4, 1:4], 4))

# Nearly separated 5 x 5 tables, codes from the cell counts; the floored likelihood rises again toward +1, so which
# maximum a fit reaches depends on its path (lavaan's nlminb climbs from Pearson's r).
# flat_top: an interior maximum (0.818); Newton from Pearson's r (0.24) once ran past it onto the bound.
# two_peaks: lavaan stops at the maximum near 0.977; the floored likelihood is higher at 0.999.
# floor_cell, outlier: a few answers far off the diagonal, whose cells' probabilities fall onto the floor
# (sqrt(eps)) on the way; lavaan's gradient leaves such cells out. noisy_loglik: a cell of probability ~1e-7 makes
# the log-likelihood's rounding (~1e-9) larger than its change over the last Newton step. plateau: a long step
# can jump past the maximum (0.854) onto the floor, which rises slowly to 0.999 (a lower likelihood).
tables <- list(
  flat_top = rbind(c(63, 21, 56, 28, 356), c(0, 0, 1, 0, 138), c(0, 0, 0, 0, 14), c(0, 0, 0, 0, 14), c(0, 0, 0, 0, 47)),
  two_peaks = rbind(c(27, 0, 0, 0, 0), c(0, 26, 0, 0, 0), c(0, 0, 1, 0, 0), c(0, 0, 0, 32, 1), c(0, 1, 0, 0, 17)),
  floor_cell = rbind(c(100, 0, 1, 2, 0, 0), c(0, 26, 0, 1, 0, 0), c(3, 0, 116, 3, 2, 0), c(0, 0, 0, 172, 4, 4),
                     c(0, 0, 0, 0, 37, 1), c(0, 0, 0, 0, 2, 106)),
  outlier = rbind(c(50, 79, 1, 0, 0, 0), c(2, 14, 0, 0, 0, 0), c(7, 55, 4, 0, 0, 0), c(3, 102, 31, 20, 15, 18),
                  c(1, 0, 0, 0, 0, 2)),
  noisy_loglik = rbind(c(43, 1, 0, 0, 0, 0), c(3, 305, 10, 6, 0, 0), c(1, 0, 330, 4, 6, 1)),
  plateau = rbind(c(65, 0, 0, 0, 1), c(59, 0, 0, 0, 0), c(15, 3, 0, 0, 0), c(1, 0, 0, 0, 0),
                  c(524, 584, 379, 227, 1142)))
for (name in names(tables)) {
  counts <- tables[[name]]
  cells <- which(counts > 0, arr.ind = TRUE)
  cells <- cells[order(cells[, 1], cells[, 2]), ]
  d2 <- data.frame(y1 = rep(cells[, 1], counts[cells]), y2 = rep(cells[, 2], counts[cells]))
  csv <- sprintf("tests/reference/data/polychoric_%s.csv", name)
  write.csv(d2, csv, row.names = FALSE)
  d2 <- read.csv(csv)
  r2 <- lavCor(d2, ordered = c("y1", "y2"), output = "cor")
  writeLines(toJSON(list(call = "lavCor(d, ordered = c(\"y1\", \"y2\"))",
                         lavaan_version = as.character(packageVersion("lavaan")), data = csv, counts = counts,
                         rho = r2[2, 1]), auto_unbox = TRUE, digits = I(15), pretty = TRUE),
             sprintf("tests/reference/lavaan/polychoric_%s.json", name))
  print(r2)
}
