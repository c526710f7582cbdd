# Reference fixtures for convergent/discriminant validity and common-method checks (scales/validity.py,
# scales/common_method.py).
# Usage: Rscript make_validity_reference.R OUTDIR   (from tests/reference: Rscript make_validity_reference.R .)
# Needs Debian packages: r-base-core r-cran-lavaan r-cran-semtools r-cran-jsonlite
# Reads holzinger_swineford.csv (make_cfa_mixed_reference.R) and sem_hs_mar.csv (make_sem_extended_reference.R).
# Writes:
#   validity_method.csv       12 items of three factors with a method factor (standardized loading .40 on every
#                             item), simulated by lavaan::simulateData(standardized = TRUE) (n = 500, seed below)
#   validity_reference.json   semTools 0.5-6 htmt() (htmt2 = FALSE and TRUE; listwise and missing = "ml"),
#                             AVE() and compRelSEM() with obs.var = FALSE (model-implied denominators),
#                             lavInspect(fit, "cor.lv"); the Harman single-factor checks (one-factor cfa()
#                             fitMeasures, share of the first eigenvalue of cor(x)); the unmeasured latent
#                             method construct (method factor on every item, orthogonal to the traits,
#                             loadings fixed to 1 with a free variance) with fitMeasures,
#                             lavTestLRT and the method loadings' std.all
#   sessionInfo_make_validity_reference.txt
suppressMessages({library(lavaan); library(jsonlite); library(semTools)})
args <- commandArgs(TRUE); out <- args[1]
wj <- function(x, f) write(toJSON(x, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"), file.path(out, f))
versions <- list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")),
  semTools = as.character(packageVersion("semTools")))
fm_names <- c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr")

hs <- read.csv(file.path(out, "holzinger_swineford.csv"))
mar <- read.csv(file.path(out, "sem_hs_mar.csv"))
items <- paste0("x", 1:9)
model <- "visual =~ x1 + x2 + x3\n textual =~ x4 + x5 + x6\n speed =~ x7 + x8 + x9"

validity <- function(data, missing) {
  fit <- cfa(model, data = data, missing = missing)
  list(
    missing = missing,
    htmt = unclass(htmt(model, data, missing = if (missing == "ml") "ml" else "listwise", htmt2 = FALSE)),
    htmt2 = unclass(htmt(model, data, missing = if (missing == "ml") "ml" else "listwise", htmt2 = TRUE)),
    ave = as.list(AVE(fit, obs.var = FALSE)),
    composite_reliability = as.list(compRelSEM(fit, obs.var = FALSE)),
    cor_lv = unclass(lavInspect(fit, "cor.lv")),
    factors = c("visual", "textual", "speed"),
    fit = as.list(fitMeasures(fit, fm_names))
  )
}

# Harman's single factor: one factor on every item; share of the first eigenvalue of the item correlations
one <- cfa(paste("common =~", paste(items, collapse = " + ")), data = hs)
ev <- eigen(cor(hs[, items]))$values
harman <- list(fit = as.list(fitMeasures(one, fm_names)), first_eigen_share = ev[1] / length(items))

# Unmeasured latent method construct, on simulated data with a known method factor (with free method
# loadings HolzingerSwineford1939 gives an improper solution: a negative trait variance)
set.seed(20261207)
pop <- paste("f1 =~ 0.8*y1 + 0.75*y2 + 0.7*y3 + 0.8*y4\n f2 =~ 0.75*y5 + 0.8*y6 + 0.7*y7 + 0.75*y8",
  "\n f3 =~ 0.8*y9 + 0.7*y10 + 0.75*y11 + 0.8*y12\n f1 ~~ 0.3*f2 + 0.2*f3\n f2 ~~ 0.25*f3",
  "\n method =~", paste0("0.4*y", 1:12, collapse = " + "), "\n method ~~ 0*f1 + 0*f2 + 0*f3")
sim <- round(simulateData(pop, sample.nobs = 500, standardized = TRUE), 6)
write.csv(sim, file.path(out, "validity_method.csv"), row.names = FALSE)
yitems <- paste0("y", 1:12)
ymodel <- "f1 =~ y1 + y2 + y3 + y4\n f2 =~ y5 + y6 + y7 + y8\n f3 =~ y9 + y10 + y11 + y12"
method_equal <- paste(ymodel, "\n method =~", paste0("1*", yitems, collapse = " + "),
  "\n method ~~ 0*f1 + 0*f2 + 0*f3")
trait <- cfa(ymodel, data = sim)
ulmc <- lapply(list(equal = method_equal), function(m) {
  fit <- cfa(m, data = sim)
  std <- standardizedSolution(fit)
  ml <- std[std$lhs == "method" & std$op == "=~", ]
  lrt <- lavTestLRT(trait, fit)
  list(syntax = m, fit = as.list(fitMeasures(fit, fm_names)),
    cov_lv_diag = as.list(diag(lavInspect(fit, "cov.lv"))),
    method_std = setNames(as.list(ml$est.std), ml$rhs),
    method_share = mean(ml$est.std^2),
    delta_chisq = lrt[["Chisq diff"]][2], delta_df = lrt[["Df diff"]][2], p_delta = lrt[["Pr(>Chisq)"]][2])
})
one_y <- cfa(paste("common =~", paste(yitems, collapse = " + ")), data = sim)
harman_y <- list(fit = as.list(fitMeasures(one_y, fm_names)),
  first_eigen_share = eigen(cor(sim[, yitems]))$values[1] / length(yitems))

wj(list(versions = versions,
  complete = validity(hs, "listwise"),
  mar_fiml = validity(mar, "ml"),
  harman = harman,
  method_data = list(harman = harman_y, trait_fit = as.list(fitMeasures(trait, fm_names)),
    validity = list(ave = as.list(AVE(trait, obs.var = FALSE)),
      htmt = unclass(htmt(ymodel, sim, htmt2 = FALSE)), cor_lv = unclass(lavInspect(trait, "cor.lv")))),
  ulmc = ulmc), "validity_reference.json")
writeLines(capture.output(sessionInfo()), file.path(out, "sessionInfo_make_validity_reference.txt"))
