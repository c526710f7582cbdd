# Multiple imputation fixtures: mice (predictive mean matching) and mice::pool (Rubin's rules,
# Barnard-Rubin df) on psych's sat.act with seeded MAR missingness, and lavaan FIML on the same
# data. Run from tests/reference/:  Rscript make_mi_reference.R .
#
# Writes
#   mi_satact.csv          sat.act (complete cases, 687 rows) with values deleted at random
#                          (MAR: the chance that SATQ is missing depends on education and SATV,
#                          that ACT is missing on age), plus the fixed grouping column `agegrp`
#   mi_satact_m5_long.csv  complete(imp, "long") of a 5-imputation mice run (+ hi_satq)
#   mi_reference.json      mice::pool of lm / glm / lmer on those 5 imputations (every column of
#                          pool()$pooled and summary(pool)), the pooled lm with m = 100 and
#                          m = 200 own imputations, lavaan FIML (auxiliaries as saturated
#                          correlates) and listwise lm
suppressMessages({
  library(mice); library(lavaan); library(lme4); library(broom.mixed); library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[1] else "."

d <- psych::sat.act
d <- d[complete.cases(d), ]
rownames(d) <- NULL
set.seed(20261207)
z <- function(v) (v - mean(v)) / sd(v)
p_satq <- plogis(-1.0 + 0.9 * z(d$education) - 0.7 * z(d$SATV))
p_act <- plogis(-2.0 + 0.8 * z(d$age))
d$SATQ[runif(nrow(d)) < p_satq] <- NA
d$ACT[runif(nrow(d)) < p_act] <- NA
d$agegrp <- as.integer(cut(psych::sat.act$age[complete.cases(psych::sat.act)],
                           c(0, 18, 19, 20, 21, 22, 24, 27, 32, 40, 100)))
write.csv(d, file.path(out, "mi_satact.csv"), row.names = FALSE, na = "")

imp_cols <- c("gender", "education", "age", "ACT", "SATV", "SATQ")
pred <- make.predictorMatrix(d[, c(imp_cols, "agegrp")])
pred[, "agegrp"] <- 0
imp5 <- mice(d, m = 5, method = "pmm", seed = 1, printFlag = FALSE, predictorMatrix = pred)
long <- complete(imp5, "long")
long$hi_satq <- as.integer(long$SATQ > 650)
write.csv(long, file.path(out, "mi_satact_m5_long.csv"), row.names = FALSE)

pooled <- function(fits) {
  p <- pool(fits)
  s <- summary(p, conf.int = TRUE)
  list(pooled = p$pooled, summary = as.data.frame(s))
}
fit_lm <- with(imp5, lm(SATQ ~ ACT + SATV + gender))
# glm converged tightly (default epsilon 1e-8 leaves SEs uncertain in the 6th digit)
fit_glm <- with(imp5, glm(I(SATQ > 650) ~ ACT + SATV, family = binomial,
                          control = glm.control(epsilon = 1e-14, maxit = 100)))
fit_lmer <- with(imp5, lmer(SATQ ~ ACT + SATV + (1 | agegrp), REML = TRUE))
r2 <- pool.r.squared(fit_lm)
adj_r2 <- pool.r.squared(fit_lm, adjusted = TRUE)

# many imputations: the pooled estimate's Monte Carlo error is sqrt(b / m)
big <- lapply(c(100, 200), function(m) {
  imp <- mice(d, m = m, method = "pmm", seed = 7, printFlag = FALSE, predictorMatrix = pred)
  pooled(with(imp, lm(SATQ ~ ACT + SATV + gender)))
})
names(big) <- c("m100", "m200")

# FIML with the imputation model's other variables as saturated correlates (Graham, 2003)
fiml_model <- "
  SATQ ~ ACT + SATV + gender
  SATQ ~~ education + age
  education ~~ age + ACT + SATV + gender
  age ~~ ACT + SATV + gender
"
fiml <- sem(fiml_model, data = d, missing = "ml", fixed.x = FALSE)
pe <- parameterEstimates(fiml)
fiml_reg <- pe[pe$op == "~", c("lhs", "op", "rhs", "est", "se")]
listwise <- summary(lm(SATQ ~ ACT + SATV + gender, data = d))$coefficients

res <- list(
  versions = list(R = R.version.string, mice = as.character(packageVersion("mice")),
                  lavaan = as.character(packageVersion("lavaan")),
                  lme4 = as.character(packageVersion("lme4"))),
  n = nrow(d), n_missing = as.list(colSums(is.na(d))),
  m5 = list(lm = pooled(fit_lm), glm = pooled(fit_glm), lmer = pooled(fit_lmer),
            r2 = as.list(r2[1, ]), adj_r2 = as.list(adj_r2[1, ])),
  many = big,
  fiml = list(estimates = fiml_reg, syntax = fiml_model),
  listwise = list(term = rownames(listwise), estimate = unname(listwise[, 1]),
                  se = unname(listwise[, 2]), n = sum(complete.cases(d[, c("SATQ", "ACT", "SATV", "gender")])))
)
writeLines(toJSON(res, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           file.path(out, "mi_reference.json"))
writeLines(capture.output(sessionInfo()), file.path(out, "sessionInfo_make_mi_reference.txt"))
