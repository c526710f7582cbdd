# Reference fixtures for the CFA and mixed-model tests, made with R.
# Usage: Rscript make_cfa_mixed_reference.R OUTDIR
# Needs Debian packages: r-base-core r-cran-lavaan r-cran-lme4 r-cran-lmertest r-cran-jsonlite
# Writes:
#   holzinger_swineford.csv        lavaan's HolzingerSwineford1939 (301 pupils, x1-x9)
#   holzinger_swineford_cfa.json   cfa(HS.model, data) (ML): fit measures, parameter estimates and SEs, std.all
#   sleepstudy_lmertest.json       lmerTest::contest1D on lmer(Reaction ~ Days + (1 + Days | Subject)):
#                                  Satterthwaite df, t, CI and p for each fixed effect
#   sessionInfo_make_cfa_mixed_reference.txt
suppressMessages({library(lavaan); library(lme4); library(lmerTest); library(jsonlite)})
args <- commandArgs(TRUE); out <- args[1]
dir.create(out, showWarnings = FALSE, recursive = TRUE)
wj <- function(x, f) write(toJSON(x, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"), file.path(out, f))
versions <- list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")),
  lme4 = as.character(packageVersion("lme4")), lmerTest = as.character(packageVersion("lmerTest")))

# ---------- CFA: Holzinger & Swineford (1939), the lavaan tutorial's three-factor model ----------
data(HolzingerSwineford1939, package = "lavaan")
hs <- HolzingerSwineford1939
write.csv(hs, file.path(out, "holzinger_swineford.csv"), row.names = FALSE, na = "")
model <- "visual =~ x1 + x2 + x3\n textual =~ x4 + x5 + x6\n speed =~ x7 + x8 + x9"
fit <- cfa(model, data = hs)
fm <- fitMeasures(fit, c("chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "cfi", "tli",
  "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue", "srmr", "logl", "aic", "bic"))
pe <- parameterEstimates(fit)
std <- standardizedSolution(fit)
wj(list(versions = versions, data = "holzinger_swineford.csv", model = model,
  call = "lavaan::cfa(model, data = HolzingerSwineford1939)  # ML, marker-variable identification",
  fit = as.list(fm),
  parameters = data.frame(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, est = pe$est, se = pe$se,
    z = pe$z, pvalue = pe$pvalue, std_all = std$est.std)),
  "holzinger_swineford_cfa.json")

# ---------- lmerTest: Satterthwaite df for the random-slope sleepstudy model ----------
data(sleepstudy, package = "lme4")
fm1 <- lmerTest::lmer(Reaction ~ Days + (1 + Days | Subject), sleepstudy)
row <- function(L) {
  r <- contest1D(fm1, L, confint = TRUE)
  list(estimate = r$Estimate, se = r$`Std. Error`, df = r$df, t = r$`t value`,
    lower = r$lower, upper = r$upper, p = r$`Pr(>|t|)`)
}
wj(list(versions = versions, data = "sleepstudy.csv",
  call = "lmerTest::contest1D(lmer(Reaction ~ Days + (1 + Days | Subject), sleepstudy), L, confint = TRUE)",
  random_slope = list(Intercept = row(c(1, 0)), Days = row(c(0, 1)))),
  "sleepstudy_lmertest.json")

writeLines(capture.output(sessionInfo()), file.path(out, "sessionInfo_make_cfa_mixed_reference.txt"))
cat("wrote CFA and mixed-model reference fixtures to", out, "\n")
