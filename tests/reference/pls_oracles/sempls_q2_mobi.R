.libPaths(c("/tmp/rlib", .libPaths()))
library(semPLS)
mobi <- read.csv("/work/main/tests/reference/seminr/data/mobi.csv")
sm <- rbind(c("Image","Expectation"), c("Expectation","Value"), c("Image","Satisfaction"),
            c("Expectation","Satisfaction"), c("Value","Satisfaction"), c("Satisfaction","Loyalty"), c("Image","Loyalty"))
mm <- rbind(cbind("Image", paste0("IMAG",1:5)), cbind("Expectation", paste0("CUEX",1:3)), cbind("Value", paste0("PERV",1:2)),
            cbind("Satisfaction", paste0("CUSA",1:3)), cbind("Loyalty", paste0("CUSL",1:3)))
colnames(sm) <- colnames(mm) <- c("source","target")
mod <- plsm(data=mobi, strucmod=sm, measuremod=mm)
fit <- sempls(mod, mobi, wscheme="pathWeighting", maxit=300, tol=1e-10, verbose=FALSE)
print(fit$path_coefficients["Satisfaction", ], digits=8)
print(fit$path_coefficients[, "Satisfaction"], digits=8)
q <- qSquared(fit, d=7, impfun=semPLS:::meanrep, dlines=FALSE, wscheme="pathWeighting", maxit=300, tol=1e-10)
print(unclass(q), digits=15)
