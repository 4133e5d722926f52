#!/usr/bin/env Rscript
# Reference for compare_group_paths(): Wald test that one structural path is equal across groups
# (lavaan::lavTestWald), in a multi-group model with loadings held equal.
# Usage (repository root): Rscript tests/reference/lavaan_wald.R
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
d <- read.csv("tests/reference/data/stickiness_demo.csv", stringsAsFactors = FALSE)
d <- d[d$product_type %in% c("insurance", "fund", "credit"), ]
model <- "
interaction =~ int1 + int2 + int3 + int4
emotional_attachment =~ ea1 + ea2 + ea3 + ea4
security =~ sec1 + sec2 + sec3 + sec4
trust =~ tru1 + tru2 + tru3 + tru4
convenience =~ con1 + con2 + con3 + con4
stickiness =~ sti1 + sti2 + sti3 + sti4 + sti5
emotional_attachment ~ interaction
trust ~ security
stickiness ~ emotional_attachment + interaction + trust + c(s1, s2, s3)*security + convenience
"
fit <- sem(model, data = d, group = "product_type", group.equal = "loadings")
w <- lavTestWald(fit, constraints = "s1 == s2\ns2 == s3")
out <- list(call = "lavTestWald(sem(model, d, group = 'product_type', group.equal = 'loadings'), 's1 == s2; s2 == s3')",
            lavaan_version = as.character(packageVersion("lavaan")),
            group_labels = as.list(lavInspect(fit, "group.label")),
            path = list(lhs = "stickiness", op = "~", rhs = "security"),
            wald = w$stat, df = w$df, pvalue = w$p.value,
            chisq = fitMeasures(fit, "chisq")[[1]], df_model = fitMeasures(fit, "df")[[1]])
writeLines(toJSON(out, auto_unbox = TRUE, digits = I(15), pretty = TRUE), "tests/reference/lavaan/wald_security_by_product.json")
cat(sprintf("wald = %.4f df = %d p = %.4f\n", w$stat, w$df, w$p.value))
