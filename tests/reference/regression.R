#!/usr/bin/env Rscript
# Frozen reference values for stickiness_research.regression on scale scores of the demo data:
# lm with HC3 SEs (sandwich) and VIF (car), hierarchical anova(), MASS::polr, and a moderation model
# with simple slopes and the Johnson-Neyman points (analytic, from the coefficient covariance).
#
# Usage (from the repository root):  Rscript tests/reference/regression.R
# Writes tests/reference/regression/stickiness_demo.json.
# Requires: sandwich, car, MASS, jsonlite (Debian: r-cran-sandwich r-cran-car r-cran-mass r-cran-jsonlite).
suppressPackageStartupMessages({ library(sandwich); library(car); library(MASS); library(jsonlite) })
script_dir <- local({
  a <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(a)) dirname(normalizePath(sub("^--file=", "", a[1]))) else normalizePath(file.path("tests", "reference"))
})
d <- read.csv(file.path(script_dir, "data", "stickiness_demo.csv"), stringsAsFactors = FALSE)
scales <- list(interaction = paste0("int", 1:4), emotional_attachment = paste0("ea", 1:4), security = paste0("sec", 1:4),
               trust = paste0("tru", 1:4), convenience = paste0("con", 1:4), stickiness = paste0("sti", 1:5))
s <- as.data.frame(lapply(scales, function(items) rowMeans(d[, items])))
s$product_type <- d$product_type
s$sti1 <- d$sti1
drivers <- c("interaction", "emotional_attachment", "security", "trust", "convenience")

f <- lm(reformulate(drivers, "stickiness"), data = s)
z <- as.data.frame(scale(s[, c("stickiness", drivers)]))
fz <- lm(reformulate(drivers, "stickiness"), data = z)
hc3 <- sqrt(diag(vcovHC(f, type = "HC3")))
ols <- list(b = as.list(coef(f)), se_hc3 = as.list(hc3), se_classic = as.list(summary(f)$coefficients[, 2]),
            beta = as.list(coef(fz)[-1]), vif = as.list(vif(f)), r2 = summary(f)$r.squared,
            r2_adj = summary(f)$adj.r.squared, f = unname(summary(f)$fstatistic[1]))

m1 <- lm(stickiness ~ product_type, data = s)
m2 <- lm(stickiness ~ product_type + interaction + emotional_attachment + security + trust + convenience, data = s)
m3 <- update(m2, . ~ . + interaction:convenience)
# F change of each step against the previous one, as SPSS reports it: pairwise anova() (the three-model
# anova(m1, m2, m3) would divide every step by the largest model's residual variance instead).
a12 <- anova(m1, m2); a23 <- anova(m2, m3)
hier <- list(r2 = c(summary(m1)$r.squared, summary(m2)$r.squared, summary(m3)$r.squared),
             f = c(NA, a12$F[2], a23$F[2]), df = c(NA, a12$Df[2], a23$Df[2]), p = c(NA, a12[["Pr(>F)"]][2], a23[["Pr(>F)"]][2]),
             first_f = unname(summary(m1)$fstatistic[1]))

p <- polr(factor(sti1, ordered = TRUE) ~ interaction + security, data = s, Hess = TRUE)
ps <- summary(p)$coefficients
polr_out <- list(coef = as.list(coef(p)), zeta = as.list(p$zeta), se = as.list(setNames(ps[, 2], rownames(ps))))

s$xc <- s$interaction - mean(s$interaction); s$wc <- s$convenience - mean(s$convenience)
fm <- lm(stickiness ~ xc * wc, data = s)
V <- vcov(fm); b <- coef(fm); tc <- qt(.975, fm$df.residual); sdw <- sd(s$wc)
slope <- function(w) c(est = unname(b["xc"] + b["xc:wc"] * w),
                       se = sqrt(V["xc", "xc"] + 2 * w * V["xc", "xc:wc"] + w^2 * V["xc:wc", "xc:wc"]))
qa <- b["xc:wc"]^2 - tc^2 * V["xc:wc", "xc:wc"]; qb <- 2 * (b["xc"] * b["xc:wc"] - tc^2 * V["xc", "xc:wc"])
qc <- b["xc"]^2 - tc^2 * V["xc", "xc"]; disc <- qb^2 - 4 * qa * qc
jn <- if (disc >= 0) sort(c((-qb - sqrt(disc)) / (2 * qa), (-qb + sqrt(disc)) / (2 * qa))) else numeric(0)
mod <- list(b = as.list(b), se = as.list(sqrt(diag(V))), slopes = list(low = slope(-sdw), mean = slope(0), high = slope(sdw)),
            jn = unname(jn))

out <- list(ols = ols, hierarchical = hier, polr = polr_out, moderation = mod,
            versions = list(R = R.version.string, sandwich = as.character(packageVersion("sandwich")),
                            car = as.character(packageVersion("car")), MASS = as.character(packageVersion("MASS"))))
dir.create(file.path(script_dir, "regression"), showWarnings = FALSE)
writeLines(toJSON(out, auto_unbox = TRUE, digits = I(15), pretty = TRUE), file.path(script_dir, "regression", "stickiness_demo.json"))
cat("r2", ols$r2, " jn", jn, "\n")
