# Frozen reference material from R seminr (PLS-SEM), for the sr.fit_pls tests.
#
# seminr itself is NOT installed and not needed: everything comes from a git
# snapshot of github.com/sem-in-r/seminr (2.3.1, 2022-06-30). This script
#
#   1. extracts data/mobi.rda, data/corp_rep_data.rda, data/corp_rep_data2.rda
#      with `git show` into a temporary folder, load()s them and writes
#      seminr/data/<name>.csv with write.csv(row.names = FALSE), stopping unless
#      every column reads back identical (corp_rep_data keeps its -99 codes);
#   2. copies the PLS fixtures of tests/fixtures/V_3_6_0 (the folder seminr's
#      tests use on R >= 3.6, see tests/testthat/helper-global.R) byte for byte
#      into seminr/fixtures/ (CB-SEM fixtures, the PLS-MGA .RDS and files that
#      no live test reads as expected values are left out) and checks every
#      copy against its git blob id;
#   3. writes seminr/boot_indices_check.json: the row indices seminr's
#      bootstrap_model() draws (`set.seed(seed + i); sample.int(n, replace =
#      TRUE)`, i = 1..nboot) for the fixture settings, as per-resample checksums
#      plus a few full resamples, so a Python replica of R's RNG can be checked;
#   4. writes seminr/source.json (commit, seminr version, R version, file list).
#
# Base R + jsonlite only. Run from the repository root:
#
#   Rscript tests/reference/seminr_export.R
#
# SEMINR_REPO may point at another clone/mirror (default below). The commit is
# pinned (SEMINR_COMMIT overrides) so the output does not move with the mirror.

suppressPackageStartupMessages(library(jsonlite))

repo <- Sys.getenv("SEMINR_REPO", "/work/.mirror/sem-in-r+seminr/repo")
commit <- Sys.getenv("SEMINR_COMMIT", "ae2524aae5f4f0bda3eb87faf80378af5baccea1")
fixture_dir <- "tests/fixtures/V_3_6_0"

if (!dir.exists("tests/reference")) stop("run from the repository root")
out <- file.path("tests", "reference", "seminr")
dir.create(file.path(out, "data"), recursive = TRUE, showWarnings = FALSE)
dir.create(file.path(out, "fixtures"), recursive = TRUE, showWarnings = FALSE)

git <- function(...) {
  res <- system2("git", c("-C", shQuote(repo), ...), stdout = TRUE)
  status <- attr(res, "status")
  if (!is.null(status) && status != 0) stop("git failed: ", paste(c(...), collapse = " "))
  res
}
git_to_file <- function(path, dest) {
  status <- system2("git", c("-C", shQuote(repo), "show", shQuote(paste0(commit, ":", path))),
                    stdout = dest)
  if (status != 0) stop("git show failed for ", path)
}

stopifnot(identical(git("rev-parse", paste0(commit, "^{commit}")), commit))
description <- git("show", paste0(commit, ":DESCRIPTION"))
seminr_version <- sub("^Version: *", "", grep("^Version:", description, value = TRUE))

# 1. data sets ---------------------------------------------------------------
tmp <- tempfile("seminr-rda-")
dir.create(tmp)
on.exit(unlink(tmp, recursive = TRUE), add = TRUE)

datasets <- list()
for (name in c("mobi", "corp_rep_data", "corp_rep_data2")) {
  rda <- file.path(tmp, paste0(name, ".rda"))
  git_to_file(paste0("data/", name, ".rda"), rda)
  env <- new.env()
  loaded <- load(rda, envir = env)
  stopifnot(identical(loaded, name))
  d <- get(name, envir = env)
  stopifnot(is.data.frame(d), all(vapply(d, is.integer, TRUE)))

  csv <- file.path(out, "data", paste0(name, ".csv"))
  write.csv(d, csv, row.names = FALSE)
  back <- read.csv(csv)
  if (!identical(names(back), names(d))) stop(name, ": column names differ after read-back")
  for (col in names(d)) {
    if (!identical(back[[col]], d[[col]])) stop(name, ": column ", col, " differs after read-back")
  }
  if (!identical(dim(back), dim(d))) stop(name, ": dimensions differ after read-back")
  datasets[[name]] <- list(
    file = paste0("data/", name, ".csv"),
    source = paste0("data/", name, ".rda"),
    nrow = nrow(d), ncol = ncol(d),
    n_na = sum(is.na(d)),
    n_minus99 = sum(d == -99, na.rm = TRUE),
    columns_with_minus99 = names(d)[vapply(d, function(x) any(x == -99, na.rm = TRUE), TRUE)]
  )
  cat(sprintf("%-15s %4d x %2d  -99 cells: %d  -> %s (read back identical)\n",
              name, nrow(d), ncol(d), datasets[[name]]$n_minus99, csv))
}

# 2. fixtures ----------------------------------------------------------------
# Left out: CB-SEM (lavaan) fixtures, the PLS-MGA .RDS (binary R object),
# hoc_test_output.csv (captured console messages; its test is commented out),
# fsq_data_cov.csv / fsq_data_means.csv (inputs of a commented-out simulation) and
# path_coef2.csv / loadings2.csv (output of PLSc_interact(), an unvalidated function
# removed in commit 627c425, 2017-12-18, together with the test that read them).
excluded <- function(f) {
  grepl("^cbsem-", basename(f)) || grepl("\\.RDS$", f) ||
    basename(f) %in% c("hoc_test_output.csv", "fsq_data_cov.csv", "fsq_data_means.csv",
                       "path_coef2.csv", "loadings2.csv")
}
tree <- git("ls-tree", "-r", commit, fixture_dir)
# "<mode> blob <sha>\t<path>"
blob <- sub("^\\S+ blob (\\S+)\t.*$", "\\1", tree)
path <- sub("^[^\t]*\t", "", tree)
keep <- !vapply(path, excluded, TRUE)

fixtures <- list()
for (k in which(keep)) {
  rel <- substring(path[k], nchar(fixture_dir) + 2)
  dest <- file.path(out, "fixtures", rel)
  dir.create(dirname(dest), recursive = TRUE, showWarnings = FALSE)
  git_to_file(path[k], dest)
  copied <- system2("git", c("hash-object", shQuote(dest)), stdout = TRUE)
  if (!identical(copied, blob[k])) stop("copy of ", path[k], " is not byte-identical")
  fixtures[[length(fixtures) + 1]] <- list(file = rel, blob = blob[k])
}
cat(sprintf("copied %d fixtures (%d left out: %s)\n", sum(keep), sum(!keep),
            paste(basename(path[!keep]), collapse = ", ")))

# 3. bootstrap resample indices ----------------------------------------------
# seminr's bootstrap_model() (R/estimate_bootstrap.R), in every parallel worker:
#   getRandomIndex <- function(d) sample.int(nrow(d), replace = TRUE)
#   getEstimateResults(i): set.seed(seed + i); estimate_pls(data = d[getRandomIndex(d), ], ...)
# for i in 1:nboot. Workers are fresh R sessions, i.e. the default RNG:
# Mersenne-Twister, Inversion, and (R >= 3.6.0) sample.kind = "Rejection".
RNGkind("Mersenne-Twister", "Inversion", "Rejection")
draw <- function(seed, i, n) {
  set.seed(seed + i)
  sample.int(n, replace = TRUE)
}
index_cases <- list(
  list(name = "mobi", seed = 123L, n = 250L, nboot = 500L),
  list(name = "corp_rep_data", seed = 123L, n = 344L, nboot = 200L)
)
index_checks <- lapply(index_cases, function(cs) {
  draws <- lapply(seq_len(cs$nboot), function(i) draw(cs$seed, i, cs$n))
  full_at <- c(1L, 2L, 3L, cs$nboot)
  list(
    data = cs$name, seed = cs$seed, n = cs$n, nboot = cs$nboot,
    checksum = "sum(idx * seq_len(n)) per resample i = 1..nboot (1-based idx)",
    checksums = vapply(draws, function(idx) sum(as.numeric(idx) * seq_len(cs$n)), 0),
    full = setNames(lapply(full_at, function(i) draws[[i]]), as.character(full_at))
  )
})
writeLines(
  toJSON(list(
    description = paste(
      "Row indices (1-based) drawn by seminr::bootstrap_model(seed = 123):",
      "resample i (1..nboot) is set.seed(seed + i); sample.int(n, replace = TRUE)."),
    R_version = R.version.string,
    RNGkind = as.list(RNGkind()),
    cases = index_checks
  ), auto_unbox = TRUE, digits = NA, pretty = TRUE),
  file.path(out, "boot_indices_check.json")
)
cat("wrote", file.path(out, "boot_indices_check.json"), "\n")

# 4. provenance --------------------------------------------------------------
writeLines(
  toJSON(list(
    repository = "https://github.com/sem-in-r/seminr",
    commit = commit,
    commit_date = git("show", "-s", "--format=%cI", commit),
    seminr_version = seminr_version,
    fixture_folder = fixture_dir,
    R_version = R.version.string,
    jsonlite_version = as.character(packageVersion("jsonlite")),
    datasets = datasets,
    fixtures = fixtures
  ), auto_unbox = TRUE, digits = NA, pretty = TRUE),
  file.path(out, "source.json")
)
cat("wrote", file.path(out, "source.json"), "\n")
