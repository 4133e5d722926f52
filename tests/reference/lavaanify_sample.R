#!/usr/bin/env Rscript
# A frozen random sample of lavaan model syntaxes and their lavaanify() parameter tables,
# for the property test tests/test_partable_lavaanify.py.
#
# Usage (from the repository root):
#   Rscript tests/reference/lavaanify_sample.R
# Writes tests/reference/lavaanify/sample.json: a list of
#   {index, syntax, options: {meanstructure, std_lv, ngroups, group_equal},
#    table: {id, lhs, op, rhs, user, group, free, ustart, exo, label, plabel}}   (NA -> null)
#
# Each model has 1-4 factors f1.. with 2-5 indicators each (x1, x2, ... numbered on), and
# random extras: regressions among factors, observed covariates (f ~ z1 + z2), an observed
# outcome (y1 ~ f + z1), residual covariances, labels, fixed loadings (0.5*x), NA*x markers
# with f ~~ 1*f, start values, intercepts (x ~ 1), := definitions over labels, a second-order
# factor, equality by a shared label, per-group modifiers c(a, b)*x / c(1, NA)*x; options:
# 1 or 2 groups, a random subset of group.equal, std.lv and meanstructure TRUE/FALSE.
#
# The table is lavaanify(model, auto = TRUE, model.type = "sem", <sem() switches>, ...).
# As lavaan() does, meanstructure is switched on when the syntax has a `~ 1` formula; the
# recorded options.meanstructure is the value passed to lavaanify().
#
# Requires: lavaan (0.6.14 was used), jsonlite.

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

script_dir <- local({
  file_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(file_arg)) dirname(normalizePath(sub("^--file=", "", file_arg[1])))
  else normalizePath(file.path("tests", "reference"))
})

N_MODELS <- 200L
EQUAL_TYPES <- c("loadings", "intercepts", "means", "residuals", "residual.covariances",
                 "lv.variances", "lv.covariances", "regressions")

coin <- function(p) runif(1) < p
pick <- function(x, k = 1L) x[sample.int(length(x), k)]

random_model <- function() {
  nf <- sample(1:4, 1)
  ni <- sample(2:5, nf, replace = TRUE)
  ngroups <- sample(1:2, 1)
  std.lv <- coin(0.5)
  meanstructure <- coin(0.5)
  group.equal <- if (ngroups == 2L) sort(pick(EQUAL_TYPES, sample(0:3, 1))) else character(0)

  f <- paste0("f", seq_len(nf))
  ind <- split(paste0("x", seq_len(sum(ni))), rep(seq_len(nf), ni))
  mods <- lapply(ni, function(k) rep("", k))
  labels <- character(0)
  extra <- character(0)

  for (j in seq_len(nf)) {
    for (t in seq_len(ni[j])) {
      u <- runif(1)
      if (u < 0.12) {
        lab <- paste0("l", j, t); mods[[j]][t] <- paste0(lab, "*"); labels <- c(labels, lab)
      } else if (u < 0.18) {
        mods[[j]][t] <- "0.5*"
      } else if (u < 0.23 && t == 1L) {
        mods[[j]][t] <- "NA*"; extra <- c(extra, paste0(f[j], " ~~ 1*", f[j]))
      } else if (u < 0.29) {
        mods[[j]][t] <- "start(.7)*"
      } else if (u < 0.33 && ngroups == 2L) {
        labs <- paste0(c("g", "h"), j, t)
        mods[[j]][t] <- sprintf("c(%s, %s)*", labs[1], labs[2]); labels <- c(labels, labs)
      } else if (u < 0.36 && ngroups == 2L) {
        mods[[j]][t] <- "c(1, NA)*"
      }
    }
    if (ni[j] >= 3L && coin(0.15)) {          # equality by a shared label
      lab <- paste0("e", j)
      mods[[j]][2:3] <- paste0(lab, "*"); labels <- c(labels, lab)
    }
  }
  # labels that survived (a shared label may have replaced an earlier one)
  labels <- unique(unlist(regmatches(unlist(mods), gregexpr("[a-z][0-9]+", unlist(mods)))))
  measurement <- vapply(seq_len(nf), function(j) {
    paste0(f[j], " =~ ", paste0(mods[[j]], ind[[j]], collapse = " + "))
  }, "")

  structural <- character(0)
  second_order <- nf >= 3L && coin(0.2)
  if (second_order) {
    structural <- c(structural, paste0("g =~ ", paste(f, collapse = " + ")))
  } else if (nf >= 2L && coin(0.4)) {
    for (j in 2:nf) {
      if (coin(0.7)) {
        preds <- pick(f[seq_len(j - 1L)], sample.int(j - 1L, 1))
        terms <- vapply(preds, function(p) {
          if (coin(0.3)) { lab <- paste0("b", j, sub("f", "", p)); labels <<- c(labels, lab); paste0(lab, "*", p) }
          else p
        }, "")
        structural <- c(structural, paste0(f[j], " ~ ", paste(terms, collapse = " + ")))
      }
    }
  }
  if (coin(0.25)) structural <- c(structural, paste0(pick(f), " ~ z1 + z2"))
  if (coin(0.2)) structural <- c(structural, paste0("y1 ~ ", pick(c(f, if (second_order) "g")), " + z1"))
  if (coin(0.3)) {
    xs <- unlist(ind)
    pairs <- character(0)
    for (k in seq_len(sample(1:2, 1))) {
      pair <- pick(xs, 2)
      if (paste(sort(pair), collapse = " ") %in% pairs) next   # one formula per pair
      pairs <- c(pairs, paste(sort(pair), collapse = " "))
      lab <- if (coin(0.3)) { l <- paste0("r", k); labels <- c(labels, l); paste0(l, "*") } else ""
      extra <- c(extra, paste0(pair[1], " ~~ ", lab, pair[2]))
    }
  }
  if (coin(0.25)) {
    xs <- unlist(ind)
    extra <- c(extra, paste0(pick(xs), " ~ 1"))
    if (coin(0.3)) extra <- c(extra, paste0(pick(xs), " ~ 0*1"))
  }
  labels <- unique(labels)
  if (length(labels) && coin(0.6)) {
    extra <- c(extra, paste0("d1 := ", if (length(labels) >= 2L) paste(pick(labels, 2), collapse = "*")
                                       else paste0("2*", labels[1])))
    if (length(labels) >= 2L && coin(0.5)) extra <- c(extra, paste0("d2 := ", paste(pick(labels, 2), collapse = " - ")))
  }
  extra <- unique(extra)
  syntax <- paste(c(measurement, structural, extra), collapse = "\n")
  if (any(grepl("~ (0\\*)?1$", extra))) meanstructure <- TRUE   # as lavaan() does
  list(syntax = syntax, meanstructure = meanstructure, std.lv = std.lv, ngroups = ngroups,
       group.equal = group.equal)
}

table_of <- function(m) {
  pt <- suppressWarnings(lavaanify(
    m$syntax, auto = TRUE, model.type = "sem", int.ov.free = TRUE, int.lv.free = FALSE,
    auto.fix.first = !m$std.lv, auto.fix.single = TRUE, auto.var = TRUE, auto.cov.lv.x = TRUE,
    auto.cov.y = TRUE, fixed.x = TRUE, meanstructure = m$meanstructure, std.lv = m$std.lv,
    ngroups = m$ngroups, group.equal = m$group.equal))
  pt[c("id", "lhs", "op", "rhs", "user", "group", "free", "ustart", "exo", "label", "plabel")]
}

set.seed(20240612)
out <- vector("list", N_MODELS)
i <- 0L
while (i < N_MODELS) {
  m <- random_model()
  pt <- tryCatch(table_of(m), error = function(e) {
    message("skipping a syntax lavaanify rejects: ", conditionMessage(e)); NULL
  })
  if (is.null(pt)) next
  i <- i + 1L
  out[[i]] <- list(
    index = i, syntax = m$syntax,
    options = list(meanstructure = m$meanstructure, std_lv = m$std.lv, ngroups = m$ngroups,
                   group_equal = I(as.list(m$group.equal))),
    table = pt)
}

out_dir <- file.path(script_dir, "lavaanify")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
doc <- list(lavaan_version = as.character(packageVersion("lavaan")), R_version = R.version.string,
            seed = 20240612L, models = out)
writeLines(toJSON(doc, auto_unbox = TRUE, digits = I(15), na = "null", null = "null",
                  dataframe = "columns", pretty = FALSE),
           file.path(out_dir, "sample.json"))
cat(N_MODELS, "models ->", file.path("tests", "reference", "lavaanify", "sample.json"), "\n")
