# Multiple imputation by Bayesian linear regression (mice's "norm") on the incomplete sat.act
# data of make_mi_reference.R. Run from tests/reference/, after make_mi_reference.R (it reads
# mi_satact.csv):  Rscript make_mi_norm_reference.R .
#
# Writes
#   mi_norm_reference.json  mice::pool of lm(SATQ ~ ACT + SATV + gender) on m = 100
#                           mice(method = "norm") imputations (every column of pool()$pooled
#                           and summary(pool)); the imputations are random, so ld.impute's
#                           pooled numbers agree with these within Monte Carlo error only
suppressMessages({ library(mice); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[1] else "."

d <- read.csv(file.path(out, "mi_satact.csv"))
imp_cols <- c("gender", "education", "age", "ACT", "SATV", "SATQ")
pred <- make.predictorMatrix(d[, c(imp_cols, "agegrp")])
pred[, "agegrp"] <- 0  # carried along, not a predictor (ld.impute's exclude = "agegrp")
imp <- mice(d, m = 100, method = "norm", seed = 7, printFlag = FALSE, predictorMatrix = pred)
p <- pool(with(imp, lm(SATQ ~ ACT + SATV + gender)))
res <- list(
  versions = list(R = R.version.string, mice = as.character(packageVersion("mice"))),
  n = nrow(d), n_missing = as.list(colSums(is.na(d))),
  method = as.list(imp$method), m = imp$m,
  m100 = list(pooled = p$pooled, summary = as.data.frame(summary(p, conf.int = TRUE)))
)
writeLines(toJSON(res, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           file.path(out, "mi_norm_reference.json"))
writeLines(capture.output(sessionInfo()), file.path(out, "sessionInfo_make_mi_norm_reference.txt"))
