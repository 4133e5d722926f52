# Helpers shared by the scripts that write lavaan fits as JSON (lavaan_wlsmv.R, lavaan_wlsmv_mimic.R):
# warnings collected per fit, data frames as records, a call's arguments as text and as JSON.

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
