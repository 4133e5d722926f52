library(jsonlite)
source("/tmp/csemcheck/csem_fit.R"); source("/tmp/csemcheck/helper_assess.R")
cases <- fromJSON("/tmp/csemcheck/cases.json")
for (nm in names(cases)) {
  k <- cases[[nm]]
  items <- k$items; cons <- k$constructs
  S <- matrix(unlist(k$S), length(items), byrow=TRUE, dimnames=list(items, items))
  L <- k$L; dimnames(L) <- list(cons, items)
  P <- k$P; dimnames(P) <- list(cons, cons)  # rows dependent, cols independent
  C <- k$C; dimnames(C) <- list(cons, cons)
  M <- k$M; dimnames(M) <- list(cons, items)
  ctype <- unlist(k$types)[cons]
  structural <- (P != 0) * 1
  ec <- matrix(0, length(items), length(items), dimnames=list(items, items))
  obj <- list(Information=list(Model=list(model_type="Linear", structural=structural, cons_endo=k$endo,
              cons_exo=k$exo, construct_type=ctype, measurement=M, error_cor=ec, cor_specified=matrix(0,0,0))),
              Estimates=list(Indicator_VCV=S, Loading_estimates=L, Path_estimates=P, Construct_VCV=C))
  class(obj) <- "cSEMResults_default"
  out <- sapply(c(TRUE, FALSE), function(sat) c(srmr=calculateSRMR(obj, .saturated=sat),
      d_uls=calculateDL(obj, .saturated=sat), d_g=calculateDG(obj, .saturated=sat) * log(10)^2))
  colnames(out) <- c("saturated", "estimated")
  ours <- rbind(unlist(k$ours$saturated), unlist(k$ours$estimated))
  cat(nm, "\n"); print(out, digits=15)
  cat("max abs diff:", max(abs(out - t(ours)[rownames(out), ])), "\n")
}
