.libPaths(c("/tmp/rlib", .libPaths()))
suppressMessages(library(semPLS))
d <- read.csv("/work/main/tests/reference/seminr/data/corp_rep_data.csv")
d[d == -99] <- NA
items <- c(paste0("qual_",1:8), paste0("perf_",1:5), paste0("csor_",1:5), paste0("attr_",1:3), paste0("comp_",1:3),
           paste0("like_",1:3), "cusa", paste0("cusl_",1:3))
d <- d[, items]
for (v in items) d[is.na(d[[v]]), v] <- mean(d[[v]], na.rm=TRUE)
sm <- rbind(cbind(rep(c("QUAL","PERF","CSOR","ATTR"), 2), rep(c("COMP","LIKE"), each=4)),
            c("COMP","CUSA"), c("LIKE","CUSA"), c("COMP","CUSL"), c("LIKE","CUSL"), c("CUSA","CUSL"))
mm <- rbind(cbind(paste0("qual_",1:8), "QUAL"), cbind(paste0("perf_",1:5), "PERF"), cbind(paste0("csor_",1:5), "CSOR"),
            cbind(paste0("attr_",1:3), "ATTR"), cbind("COMP", paste0("comp_",1:3)), cbind("LIKE", paste0("like_",1:3)),
            c("CUSA","cusa"), cbind("CUSL", paste0("cusl_",1:3)))
colnames(sm) <- colnames(mm) <- c("source","target")
mod <- suppressWarnings(plsm(data=d, strucmod=sm, measuremod=mm))
fit <- sempls(mod, d, wscheme="pathWeighting", maxit=300, tol=1e-10, verbose=FALSE)
print(round(fit$path_coefficients[c("COMP","LIKE"), "CUSL"], 8))
q <- qSquared(fit, d=7, impfun=semPLS:::meanrep, dlines=FALSE, wscheme="pathWeighting", maxit=300, tol=1e-10)
print(unclass(q), digits=15)
