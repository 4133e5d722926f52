# Regenerate the random draws of seminr's test-pls-mga.R (fixture V_3_6_0/pls-mga-mobi-100.RDS) in base R.
load("/tmp/mga/mobi.rda")                      # seminr's data/mobi.rda
set.seed(798234)
rand_cond <- sample(c(TRUE, FALSE), nrow(mobi), replace = TRUE)
seed1 <- sample.int(100000, size = 1)         # bootstrap_model(group1, seed = NULL)
seed2 <- sample.int(100000, size = 1)         # bootstrap_model(group2, seed = NULL)
n1 <- sum(rand_cond); n2 <- sum(!rand_cond)
idx <- function(seed, n) t(sapply(1:100, function(i) { set.seed(seed + i); sample.int(n, replace = TRUE) }))
out <- list(condition = rand_cond, seed1 = seed1, seed2 = seed2,
            index1 = idx(seed1, n1) - 1L, index2 = idx(seed2, n2) - 1L)
writeLines(jsonlite::toJSON(out), "/tmp/mga/mga_indices.json")
cat(seed1, seed2, n1, n2, "\n")
