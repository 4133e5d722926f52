# Helpers shared by the scripts that write lavaan fits as JSON (lavaan_wlsmv.R, lavaan_wlsmv_mimic.R):
# warnings collected per fit, data frames as records, a call's arguments as text and as JSON, a fit's test
# statistics as records and its fit measures with the robust ones lavaan leaves out of the default list.

# Evaluate expr, collecting (and muffling) its warnings.
collect_warnings <- function(expr) {
  warns <- character(0)
  value <- withCallingHandlers(expr, warning = function(w) {
    warns <<- c(warns, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  list(value = value, warnings = warns)
}

as_records <- function(df) { df <- as.data.frame(df); class(df) <- "data.frame"; rownames(df) <- NULL; df }

deparse_args <- function(args) paste(sprintf("%s = %s", names(args), vapply(args, deparse1, "")),
                                     collapse = ", ")

json_args <- function(args) lapply(args, function(a) if (is.character(a) && length(a) > 1) I(a) else a)

# One record per element of a test list (fit@test or fit@baseline$test).
test_records <- function(tests) {
  lapply(names(tests), function(nm) {
    t <- tests[[nm]]
    rec <- c(list(name = nm), t[vapply(t, is.atomic, TRUE)])
    if (!is.null(rec$stat.group)) rec$stat.group <- I(as.numeric(rec$stat.group))
    rec
  })
}

ROBUST <- c("cfi.robust", "tli.robust", "rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust")

# fitMeasures(fit) as a named list, with the robust CFI/TLI/RMSEA added where the default list lacks them.
fit_measures_all <- function(fit) {
  fm <- fitMeasures(fit)
  fit_measures <- as.list(setNames(as.numeric(fm), names(fm)))
  robust <- fitMeasures(fit, ROBUST)
  for (nm in ROBUST) {  # lavaan leaves out the ones it does not compute (test = "standard")
    value <- if (nm %in% names(robust)) as.numeric(robust[[nm]]) else NA_real_
    if (is.null(fit_measures[[nm]])) fit_measures[[nm]] <- value
    else stopifnot(identical(fit_measures[[nm]], value))
  }
  fit_measures
}
