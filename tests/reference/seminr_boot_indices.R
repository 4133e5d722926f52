#!/usr/bin/env Rscript
# Row indices of R seminr's bootstrap replicates, regenerated with base R (seminr itself is not needed):
# seminr 2.3.1's bootstrap_model(model, nboot, seed) draws replicate i (1..nboot) as
#   set.seed(seed + i); sample.int(nrow(d), replace = TRUE)
# (R/estimate_bootstrap.R; Mersenne-Twister, sample.kind = "Rejection", R >= 3.6). Written 0-based,
# one row per replicate, so sr's PLSResult.bootstrap(indices=) refits exactly seminr's resamples and
# tests/test_pls_port.py compares with the bootstrap fixtures cell for cell.
# Usage (repository root): Rscript tests/reference/seminr_boot_indices.R
cases <- list(list(name = "mobi_seed123_nboot200", n = 250L, seed = 123L, nboot = 200L))
for (case in cases) {
  idx <- t(sapply(seq_len(case$nboot), function(i) { set.seed(case$seed + i); sample.int(case$n, replace = TRUE) - 1L }))
  write.table(idx, file.path("tests/reference/seminr", paste0("boot_indices_", case$name, ".csv")),
              sep = ",", row.names = FALSE, col.names = FALSE)
  cat(case$name, dim(idx), "\n")
}
