# PLSpredict reference values from R seminr itself: summary(predict_pls(...)) item metrics -> r_seminr.json.
#
# seminr's predict_pls with the LM benchmark on the antecedents' indicators (the behaviour of current seminr and
# of the Python port) is on the predict_pls_v2 branch of github.com/sem-in-r/seminr, commit
# cab1094ec23e5462cb876cda9e9be1582f1d3b11 (2022-10-12, version 2.3.1.2). Installed into a throwaway library with
# the plotting-only imports (DiagrammeR, DiagrammeRsvg, webp) removed from DESCRIPTION, vignettes and tests dropped:
#
#   git -C seminr archive cab1094 | tar -x -C /tmp/seminr-r && cd /tmp/seminr-r
#   sed -i '/DiagrammeR/d; /^    webp$/d; /VignetteBuilder/d; s/rmarkdown,$/rmarkdown/' DESCRIPTION
#   rm -rf vignettes tests && R CMD INSTALL --no-docs -l /tmp/rlib .
#   Rscript tests/reference/seminr/predict/r_seminr.R > tests/reference/seminr/predict/r_seminr.json
#
# Run with R 4.2.2, jsonlite 1.8.4 (default RNG: Mersenne-Twister, Inversion, Rejection). The models and seeds are
# those of generate.py (mobi.json, corp_rep.json).
.libPaths(c("/tmp/rlib", .libPaths()))
suppressMessages(library(seminr))
# the EA branch of generate_lm_predictions names a global (corp_rep_pls_model_ext) in 2.3.1.2; later seminr uses model$smMatrix
f <- seminr:::generate_lm_predictions
body(f) <- parse(text = gsub("corp_rep_pls_model_ext$smMatrix", "model$smMatrix", deparse(body(f)), fixed = TRUE))
assignInNamespace("generate_lm_predictions", f, "seminr")
mm <- function(kind) constructs(
  kind("Image",        multi_items("IMAG", 1:5)),
  kind("Expectation",  multi_items("CUEX", 1:3)),
  kind("Quality",      multi_items("PERQ", 1:7)),
  kind("Value",        multi_items("PERV", 1:2)),
  kind("Satisfaction", multi_items("CUSA", 1:3)),
  kind("Complaints",   single_item("CUSCO")),
  kind("Loyalty",      multi_items("CUSL", 1:3)))
sm <- relationships(
  paths(from = "Image",        to = c("Expectation", "Satisfaction", "Loyalty")),
  paths(from = "Expectation",  to = c("Quality", "Value", "Satisfaction")),
  paths(from = "Quality",      to = c("Value", "Satisfaction")),
  paths(from = "Value",        to = c("Satisfaction")),
  paths(from = "Satisfaction", to = c("Complaints", "Loyalty")),
  paths(from = "Complaints",   to = "Loyalty"))
out <- list()
run <- function(name, model, technique, seed, folds) {
  if (!is.null(seed)) set.seed(seed)
  p <- predict_pls(model, technique = technique, noFolds = folds)
  s <- summary(p)
  out[[name]] <<- list(PLS_out_of_sample = as.data.frame(unclass(s$PLS_out_of_sample)),
                       PLS_in_sample = as.data.frame(unclass(s$PLS_in_sample)),
                       LM_out_of_sample = as.data.frame(unclass(s$LM_out_of_sample)),
                       LM_in_sample = as.data.frame(unclass(s$LM_in_sample)))
}
ecsi <- estimate_pls(mobi, mm(composite), sm)
run("ecsi_da", ecsi, predict_DA, 123, 10)
run("ecsi_ea", ecsi, predict_EA, 123, 10)
run("ecsi_plsc_da", estimate_pls(mobi, mm(reflective), sm), predict_DA, 123, 10)
simple <- estimate_pls(mobi, constructs(composite("Image", multi_items("IMAG", 1:5)),
  composite("Expectation", multi_items("CUEX", 1:3)), composite("Value", multi_items("PERV", 1:2)),
  composite("Satisfaction", multi_items("CUSA", 1:3))),
  relationships(paths(to = "Satisfaction", from = c("Image", "Expectation", "Value"))))
run("simple_ea_loocv", simple, predict_EA, NULL, 250)
corp_mm <- constructs(
  composite("QUAL", multi_items("qual_", 1:8), weights = mode_B),
  composite("PERF", multi_items("perf_", 1:5), weights = mode_B),
  composite("CSOR", multi_items("csor_", 1:5), weights = mode_B),
  composite("ATTR", multi_items("attr_", 1:3), weights = mode_B),
  composite("COMP", multi_items("comp_", 1:3)),
  composite("LIKE", multi_items("like_", 1:3)),
  composite("CUSA", single_item("cusa")),
  composite("CUSL", multi_items("cusl_", 1:3)))
corp_sm <- relationships(
  paths(from = c("QUAL", "PERF", "CSOR", "ATTR"), to = c("COMP", "LIKE")),
  paths(from = c("COMP", "LIKE"), to = c("CUSA", "CUSL")),
  paths(from = "CUSA", to = "CUSL"))
corp <- estimate_pls(corp_rep_data, corp_mm, corp_sm, missing = mean_replacement, missing_value = -99)
run("corp_rep_ext_da", corp, predict_DA, 2024, 10)
out$versions <- list(seminr = as.character(packageVersion("seminr")), R = R.version.string,
                     jsonlite = as.character(packageVersion("jsonlite")))
cat(jsonlite::toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "\n")
