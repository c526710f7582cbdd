# Reference fixtures for ld.sem(fixed_x=False) (models/sem): lavaan's fixed.x = FALSE frees the
# variances, covariances (and means) of the exogenous observed covariates instead of fixing them
# at their sample values, so a row missing a covariate stays in a FIML fit.
# Usage: Rscript make_sem_fixed_x_reference.R OUTDIR   (from tests/reference: Rscript make_sem_fixed_x_reference.R .)
# Needs Debian packages: r-base-core r-cran-lavaan r-cran-jsonlite
# Reads sem_holzinger_swineford.csv and sem_hs_mar.csv (written by make_sem_reference.R and
# make_sem_extended_reference.R) from OUTDIR.
# Writes:
#   sem_fixed_x.json   four fits with fixed.x = FALSE (regression on complete data, a latent
#                      outcome with observed covariates, a FIML mediation whose covariate has
#                      missing values, a two-group FIML regression): parameterEstimates(),
#                      standardizedSolution(), parTable(), fitMeasures(), missing-data patterns,
#                      and each refitted to a tight optimum
#   sessionInfo_make_sem_fixed_x_reference.txt
suppressMessages({library(lavaan); library(jsonlite)})
args <- commandArgs(TRUE); out <- args[1]
wj <- function(x, f) write(toJSON(x, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"), file.path(out, f))
versions <- list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")))

source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))),
  "sem_record.R"))  # record(), tight(), with_tight(): shared with make_sem_extended_reference.R

hs <- read.csv(file.path(out, "sem_holzinger_swineford.csv"))
mar <- read.csv(file.path(out, "sem_hs_mar.csv"))

fits <- list()
m_reg <- "x9 ~ x1 + x2 + x3"
fits$regression <- with_tight(function(...) sem(m_reg, data = hs, fixed.x = FALSE, ...), m_reg,
  "sem(model, data = HolzingerSwineford1939, fixed.x = FALSE)", "sem_holzinger_swineford.csv")
m_lat <- "visual =~ x1 + x2 + x3\nvisual ~ x4 + x7 + x9"
fits$latent_outcome <- with_tight(function(...) sem(m_lat, data = hs, fixed.x = FALSE, ...), m_lat,
  "sem(model, data = HolzingerSwineford1939, fixed.x = FALSE)", "sem_holzinger_swineford.csv")
# x2 is missing for some rows (MAR on x1): with fixed.x = TRUE those rows would be deleted
m_med <- "x5 ~ a*x2 + x1\nx9 ~ b*x5 + c*x2 + x1\nab := a*b\ntotal := c + a*b"
fits$mediation_fiml <- with_tight(function(...) sem(m_med, data = mar, missing = "ml", fixed.x = FALSE, ...),
  m_med, "sem(model, data = sem_hs_mar, missing = 'ml', fixed.x = FALSE)", "sem_hs_mar.csv")
m_grp <- "x6 ~ x2 + x3 + x1"
fits$groups_fiml <- with_tight(function(...) sem(m_grp, data = mar, missing = "ml", fixed.x = FALSE,
  group = "school", ...), m_grp, "sem(model, data = sem_hs_mar, missing = 'ml', fixed.x = FALSE, group = 'school')",
  "sem_hs_mar.csv")

wj(list(versions = versions, fits = fits), "sem_fixed_x.json")
writeLines(capture.output(sessionInfo()), file.path(out, "sessionInfo_make_sem_fixed_x_reference.txt"))
