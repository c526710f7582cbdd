# Reference fixtures for FIML, MLR, multigroup models and measurement invariance (models/sem).
# Usage: Rscript make_sem_extended_reference.R OUTDIR   (from tests/reference: Rscript make_sem_extended_reference.R .)
# Needs Debian packages: r-base-core r-cran-lavaan r-cran-semtools r-cran-jsonlite
# Reads bfi.csv (psychTools' bfi, written by make_reference.R) from OUTDIR.
# Writes:
#   sem_hs_mcar.csv          HolzingerSwineford1939 (id, school, x1-x9) with values missing completely at
#                            random (10% of each item, seed below) and two rows missing every item
#   sem_hs_mar.csv           the same data with values missing at random: the chance that x2, x3 are
#                            missing rises with x1, that x5, x6 are missing with x4, that x7-x9 are with both
#   sem_poldem_missing.csv   PoliticalDemocracy with 8% of every variable missing completely at random
#   sem_fiml.json            cfa()/sem() with missing = "ml" (FIML): estimates, observed-information SEs,
#                            fit measures (incl. the FIML-corrected robust CFI/RMSEA), the missing-data
#                            patterns; each also refitted to a tight optimum (and tight EM for the H1 model)
#   sem_mlr.json             estimator = "MLR" (Huber-White SEs, Yuan-Bentler scaled test) with complete
#                            data (listwise) and with FIML; on HolzingerSwineford1939, PoliticalDemocracy, bfi
#   sem_multigroup.json      group = "school": configural, group.equal/group.partial, c(a, a)*x labels
#   sem_invariance.json      configural/metric/scalar/strict: fitMeasures, lavTestLRT (standard and
#                            Satorra-Bentler 2001 for MLR), semTools::compareFit differences
#   sessionInfo_make_sem_extended_reference.txt
suppressMessages({library(lavaan); library(jsonlite); library(semTools)})
args <- commandArgs(TRUE); out <- args[1]
dir.create(out, showWarnings = FALSE, recursive = TRUE)
wj <- function(x, f) write(toJSON(x, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"), file.path(out, f))
versions <- list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")),
  semTools = as.character(packageVersion("semTools")))

source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))),
  "sem_record.R"))  # record(), tight(), with_tight(): shared with make_sem_fixed_x_reference.R

# ---------- data ----------
data(HolzingerSwineford1939, package = "lavaan")
hs <- HolzingerSwineford1939[, c("id", "school", paste0("x", 1:9))]
hs$school <- as.character(hs$school)
items <- paste0("x", 1:9)

set.seed(20240612)
mcar <- hs
for (v in items) mcar[[v]][runif(nrow(hs)) < 0.10] <- NA
mcar[c(17, 211), items] <- NA  # two rows with no answer at all: FIML leaves them out
write.csv(mcar, file.path(out, "sem_hs_mcar.csv"), row.names = FALSE, na = "")

set.seed(20240613)
mar <- hs
z1 <- as.numeric(scale(hs$x1)); z4 <- as.numeric(scale(hs$x4))
for (v in c("x2", "x3")) mar[[v]][runif(nrow(hs)) < plogis(-2.2 + 1.2 * z1)] <- NA
for (v in c("x5", "x6")) mar[[v]][runif(nrow(hs)) < plogis(-2.2 + 1.2 * z4)] <- NA
for (v in c("x7", "x8", "x9")) mar[[v]][runif(nrow(hs)) < plogis(-2.4 + 0.8 * z1 - 0.8 * z4)] <- NA
write.csv(mar, file.path(out, "sem_hs_mar.csv"), row.names = FALSE, na = "")

data(PoliticalDemocracy, package = "lavaan")
set.seed(20240614)
pdm <- PoliticalDemocracy
for (v in names(pdm)) pdm[[v]][runif(nrow(pdm)) < 0.08] <- NA
write.csv(pdm, file.path(out, "sem_poldem_missing.csv"), row.names = FALSE, na = "")
pd <- PoliticalDemocracy

bfi <- read.csv(file.path(out, "bfi.csv"))
bfi_model <- paste("agree =~ A1 + A2 + A3 + A4 + A5", "consc =~ C1 + C2 + C3 + C4 + C5",
  "extra =~ E1 + E2 + E3 + E4 + E5", "neuro =~ N1 + N2 + N3 + N4 + N5",
  "open =~ O1 + O2 + O3 + O4 + O5", sep = "\n")

m_hs <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
m_pd <- paste("ind60 =~ x1 + x2 + x3", "dem60 =~ y1 + a*y2 + b*y3 + c*y4", "dem65 =~ y5 + a*y6 + b*y7 + c*y8",
  "dem60 ~ a1*ind60", "dem65 ~ c1*ind60 + b1*dem60",
  "y1 ~~ y5", "y2 ~~ y4 + y6", "y3 ~~ y7", "y4 ~~ y8", "y6 ~~ y8",
  "ind := a1*b1", "total := c1 + a1*b1", sep = "\n")
m_path <- paste("# observed-variable mediation with exogenous covariates (fixed.x)",
  "y1 ~ a*x1 + x2", "y5 ~ b*y1 + cp*x1 + x2", "y6 ~ y1", "ind := a*b", sep = "\n")

# ---------- FIML ----------
fiml <- list()
fiml$hs_mcar <- with_tight(function(...) cfa(m_hs, data = mcar, missing = "ml", ...), m_hs,
  "cfa(model, data = mcar, missing = 'ml')", "sem_hs_mcar.csv")
fiml$hs_mar <- with_tight(function(...) cfa(m_hs, data = mar, missing = "ml", ...), m_hs,
  "cfa(model, data = mar, missing = 'ml')", "sem_hs_mar.csv")
m <- paste("visual =~ NA*x1 + x2 + x3", "textual =~ x4 + x5 + x6", "speed =~ x7 + x8 + x9",
  "visual ~~ 1*visual", "x1 ~ 1", sep = "\n")
fiml$hs_mar_stdlv <- with_tight(function(...) cfa(m, data = mar, missing = "ml", ...), m,
  "cfa(model, data = mar, missing = 'ml')", "sem_hs_mar.csv")
fiml$poldem <- with_tight(function(...) sem(m_pd, data = pdm, missing = "ml", ...), m_pd,
  "sem(model, data = poldem_missing, missing = 'ml')", "sem_poldem_missing.csv")
fiml$poldem_path <- with_tight(function(...) sem(m_path, data = pdm, missing = "ml", ...), m_path,
  "sem(model, data = poldem_missing, missing = 'ml')  # fixed.x: rows missing x1 or x2 are deleted", "sem_poldem_missing.csv")
fiml$hs_mar_groups <- with_tight(function(...) cfa(m_hs, data = mar, missing = "ml", group = "school",
  group.equal = "loadings", ...), m_hs,
  "cfa(model, data = mar, missing = 'ml', group = 'school', group.equal = 'loadings')", "sem_hs_mar.csv")
wj(list(versions = versions, fits = fiml), "sem_fiml.json")

# ---------- MLR ----------
mlr <- list()
mlr$hs <- with_tight(function(...) cfa(m_hs, data = hs, estimator = "MLR", ...), m_hs,
  "cfa(model, data = HolzingerSwineford1939, estimator = 'MLR')", "holzinger_swineford.csv")
mlr$poldem <- with_tight(function(...) sem(m_pd, data = pd, estimator = "MLR", ...), m_pd,
  "sem(model, data = PoliticalDemocracy, estimator = 'MLR')", "sem_political_democracy.csv")
mlr$poldem_path <- with_tight(function(...) sem(m_path, data = pd, estimator = "MLR", ...), m_path,
  "sem(model, data = PoliticalDemocracy, estimator = 'MLR')", "sem_political_democracy.csv")
mlr$hs_mar_fiml <- with_tight(function(...) cfa(m_hs, data = mar, estimator = "MLR", missing = "ml", ...), m_hs,
  "cfa(model, data = mar, estimator = 'MLR', missing = 'ml')", "sem_hs_mar.csv")
mlr$poldem_path_fiml <- with_tight(function(...) sem(m_path, data = pdm, estimator = "MLR", missing = "ml", ...), m_path,
  "sem(model, data = poldem_missing, estimator = 'MLR', missing = 'ml')", "sem_poldem_missing.csv")
mlr$bfi <- with_tight(function(...) cfa(bfi_model, data = bfi, estimator = "MLR", ...), bfi_model,
  "cfa(model, data = bfi, estimator = 'MLR')  # listwise", "bfi.csv")
mlr$bfi_fiml <- with_tight(function(...) cfa(bfi_model, data = bfi, estimator = "MLR", missing = "ml", ...), bfi_model,
  "cfa(model, data = bfi, estimator = 'MLR', missing = 'ml')", "bfi.csv")
mlr$hs_groups <- with_tight(function(...) cfa(m_hs, data = hs, estimator = "MLR", group = "school",
  group.equal = "loadings", ...), m_hs,
  "cfa(model, data = HolzingerSwineford1939, estimator = 'MLR', group = 'school', group.equal = 'loadings')",
  "holzinger_swineford.csv")
wj(list(versions = versions, fits = mlr), "sem_mlr.json")

# ---------- multigroup ----------
mg <- list()
mg$configural <- with_tight(function(...) cfa(m_hs, data = hs, group = "school", ...), m_hs,
  "cfa(model, data = HolzingerSwineford1939, group = 'school')", "holzinger_swineford.csv")
mg$partial <- with_tight(function(...) cfa(m_hs, data = hs, group = "school",
  group.equal = c("loadings", "intercepts"), group.partial = c("x3~1", "visual=~x2"), ...), m_hs,
  "cfa(model, data, group = 'school', group.equal = c('loadings', 'intercepts'), group.partial = c('x3~1', 'visual=~x2'))",
  "holzinger_swineford.csv")
m <- paste("visual =~ x1 + c(a, a)*x2 + c(b1, b2)*x3", "textual =~ x4 + x5 + x6", "speed =~ x7 + x8 + x9",
  "x1 ~~ c(v, v)*x1", "diff := b1 - b2", sep = "\n")
mg$vector_labels <- with_tight(function(...) cfa(m, data = hs, group = "school", ...), m,
  "cfa(model, data = HolzingerSwineford1939, group = 'school')", "holzinger_swineford.csv")
mg$all_equal <- with_tight(function(...) cfa(m_hs, data = hs, group = "school",
  group.equal = c("loadings", "intercepts", "residuals", "lv.variances", "lv.covariances", "means"), ...), m_hs,
  "cfa(model, data, group = 'school', group.equal = c('loadings', 'intercepts', 'residuals', 'lv.variances', 'lv.covariances', 'means'))",
  "holzinger_swineford.csv")
m <- paste("ind60 =~ x1 + x2 + x3", "dem60 =~ y1 + y2 + y3 + y4", "dem60 ~ ind60", sep = "\n")
pd$grp <- ifelse(seq_len(nrow(pd)) %% 2 == 0, "even", "odd")
mg$regressions <- with_tight(function(...) sem(m, data = pd, group = "grp",
  group.equal = c("loadings", "regressions"), ...), m,
  "sem(model, data = PoliticalDemocracy with grp = odd/even rows, group = 'grp', group.equal = c('loadings', 'regressions'))",
  "sem_political_democracy.csv")
wj(list(versions = versions, fits = mg), "sem_multigroup.json")

# ---------- measurement invariance ----------
steps <- list(configural = "", metric = "loadings", scalar = c("loadings", "intercepts"),
  strict = c("loadings", "intercepts", "residuals"))
inv_run <- function(data, estimator, missing = "listwise", partial = character(0)) {
  fits <- lapply(steps, function(eq) cfa(m_hs, data = data, group = "school", estimator = estimator,
    missing = missing, group.equal = eq, group.partial = if (length(partial)) partial else ""))
  fm <- lapply(fits, function(f) as.list(fitMeasures(f)))
  lrt <- function(a, b, method) {
    t <- lavTestLRT(fits[[a]], fits[[b]], method = method)
    list(chisq_diff = t[2, "Chisq diff"], df_diff = t[2, "Df diff"], p = t[2, "Pr(>Chisq)"])
  }
  method <- if (estimator == "MLR") "satorra.bentler.2001" else "default"
  pairs <- list(metric = c("configural", "metric"), scalar = c("metric", "scalar"), strict = c("scalar", "strict"))
  cf <- compareFit(fits$configural, fits$metric, fits$scalar, fits$strict)
  list(estimator = estimator, missing = missing, partial = partial,
    call = sprintf("cfa(model, data, group = 'school', estimator = '%s', missing = '%s', group.equal = <step>%s); lavTestLRT(method = '%s'); semTools::compareFit",
      estimator, missing, if (length(partial)) ", group.partial = <partial>" else "", method),
    fit = fm, lrt = lapply(pairs, function(p) lrt(p[1], p[2], method)),
    compare_fit = list(nested = as.list(cf@nested), fit_diff = as.list(cf@fit.diff)))
}
inv <- list()
inv$ml <- inv_run(hs, "ML")
inv$mlr <- inv_run(hs, "MLR")
inv$ml_partial <- inv_run(hs, "ML", partial = c("x3~1", "x7~1"))
inv$mlr_fiml <- inv_run(mar, "MLR", missing = "ml")
wj(list(versions = versions, model = m_hs, group = "school", data = list(ml = "holzinger_swineford.csv",
  mlr = "holzinger_swineford.csv", ml_partial = "holzinger_swineford.csv", mlr_fiml = "sem_hs_mar.csv"),
  runs = inv), "sem_invariance.json")

writeLines(capture.output(sessionInfo()), file.path(out, "sessionInfo_make_sem_extended_reference.txt"))
cat("wrote extended SEM reference fixtures to", out, "\n")
