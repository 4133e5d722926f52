# Survey meets behaviour: reference values for criterion validity (cor.test), churn survival (survfit,
# survdiff), the Cox model (coxph, Efron ties) and the content-preference test (chisq.test), on the
# simulated fixture behaviour/linked.csv and behaviour/content_counts.csv (made by behaviour_fixture.py).
suppressPackageStartupMessages({library(survival); library(jsonlite)})
here <- "tests/reference/behaviour"
d <- read.csv(file.path(here, "linked.csv"))
out <- list(R_version = R.version.string, survival_version = as.character(packageVersion("survival")))

criteria <- c("active_days", "visits_per_week", "lifetime_days", "read_completion", "share_rate")
out$cor <- lapply(setNames(criteria, criteria), function(k) {
  ok <- complete.cases(d$score_stickiness, d[[k]])
  p <- cor.test(d$score_stickiness[ok], d[[k]][ok])
  s <- suppressWarnings(cor.test(d$score_stickiness[ok], d[[k]][ok], method = "spearman"))
  list(n = sum(ok), r = unname(p$estimate), ci_lower = p$conf.int[1], ci_upper = p$conf.int[2],
       pvalue = p$p.value, rho = unname(s$estimate), rho_pvalue = s$p.value)
})

scores <- grep("^score_", names(d), value = TRUE)
z <- d
z[scores] <- scale(d[scores])
fit <- coxph(as.formula(paste("Surv(lifetime_days, churned) ~", paste(scores, collapse = " + "))), data = z,
             ties = "efron")
s <- summary(fit)
out$cox <- list(covariate = scores, coef = unname(s$coefficients[, "coef"]), se = unname(s$coefficients[, "se(coef)"]),
                z = unname(s$coefficients[, "z"]), pvalue = unname(s$coefficients[, "Pr(>|z|)"]),
                hr_lower = unname(s$conf.int[, "lower .95"]), hr_upper = unname(s$conf.int[, "upper .95"]),
                concordance = unname(s$concordance[1]), n = s$n, events = s$nevent)

km <- survfit(Surv(lifetime_days, churned) ~ product_type, data = d)
groups <- sub("product_type=", "", names(km$strata))
at <- summary(km, times = c(30, 60), extend = TRUE)
med <- summary(km)$table[, "median"]
out$km <- lapply(setNames(seq_along(groups), groups), function(i) {
  list(median_lifetime = unname(med[i]),
       survival_30 = at$surv[at$strata == names(km$strata)[i] & at$time == 30],
       survival_60 = at$surv[at$strata == names(km$strata)[i] & at$time == 60])
})
lr <- survdiff(Surv(lifetime_days, churned) ~ product_type, data = d)
out$logrank <- list(chisq = unname(lr$chisq), df = length(lr$n) - 1,
                    pvalue = pchisq(lr$chisq, length(lr$n) - 1, lower.tail = FALSE))

counts <- as.matrix(read.csv(file.path(here, "content_counts.csv"), row.names = 1))
ct <- chisq.test(counts, correct = FALSE)
out$chisq <- list(chisq = unname(ct$statistic), df = unname(ct$parameter), pvalue = ct$p.value,
                  residuals = unname(ct$stdres))
write_json(out, file.path(here, "reference.json"), digits = NA, auto_unbox = TRUE, pretty = TRUE)
