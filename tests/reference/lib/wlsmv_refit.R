# Refit one case of tests/reference/lavaan_wlsmv.R (or lavaan_wlsmv_degenerate.R) from its JSON: its model or
# generated syntax, data file and arguments. Sourced by the scripts that analyse those fits further
# (lavaan_wlsmv_modindices.R, lavaan_wlsmv_predict.R); returns list(fit, d, model, data, args, call).
refit_wlsmv_case <- function(folder, case) {
  ref <- jsonlite::fromJSON(file.path(folder, paste0(case, ".json")), simplifyVector = TRUE)
  data <- if (file.exists(file.path(folder, ref$data))) file.path(folder, ref$data) else ref$data
  d <- read.csv(data)
  model <- if (!is.null(ref$syntax)) ref$syntax else ref$model
  args <- if (!is.null(ref$args)) ref$args else list(ordered = ref$ordered, estimator = "WLSMV")
  if (is.list(args$ordered)) args$ordered <- unlist(args$ordered)
  fitter <- if (startsWith(ref$call, "sem(")) "sem" else "cfa"
  fit <- do.call(fitter, c(list(model = model, data = d), args))
  list(fit = fit, d = d, model = model, data = data, args = args, call = ref$call)
}
