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

# the record written by make_sem_extended_reference.R (tests/_sem_agreement.py reads this layout)
record <- function(fit, model, call, data) {
  pe <- parameterEstimates(fit, ci = TRUE, level = 0.95)
  std <- standardizedSolution(fit)
  pt <- parTable(fit)
  keep <- pt$op != "=="
  opts <- lavInspect(fit, "options")
  r <- list(model = model, call = call, data = data,
    converged = lavInspect(fit, "converged"), npar = lavInspect(fit, "npar"),
    nobs = as.list(lavInspect(fit, "nobs")), norig = as.list(lavInspect(fit, "norig")),
    group_label = as.list(lavInspect(fit, "group.label")),
    options = list(information = opts$information[1], observed.information = opts$observed.information[1],
      h1.information = opts$h1.information[1], se = opts$se, test = opts$test, estimator = opts$estimator,
      missing = opts$missing, fixed.x = opts$fixed.x, meanstructure = opts$meanstructure,
      optim.method = opts$optim.method, em.h1.tol = opts$em.h1.tol, em.h1.iter.max = opts$em.h1.iter.max),
    parameters = data.frame(lhs = pe$lhs, op = pe$op, rhs = pe$rhs,
      group = if (is.null(pe$group)) 1L else pe$group,
      label = if (is.null(pe$label)) "" else pe$label,
      est = pe$est, se = pe$se, z = pe$z, pvalue = pe$pvalue, ci_lower = pe$ci.lower, ci_upper = pe$ci.upper,
      std_all = std$est.std),
    partable = data.frame(lhs = pt$lhs[keep], op = pt$op[keep], rhs = pt$rhs[keep], group = pt$group[keep],
      user = pt$user[keep], free = pt$free[keep], exo = pt$exo[keep], label = pt$label[keep],
      est = pt$est[keep]),
    fit = as.list(fitMeasures(fit)))
  if (opts$missing == "ml") {
    ng <- lavInspect(fit, "ngroups")
    r$patterns <- lapply(seq_len(ng), function(g) {
      mp <- fit@Data@Mp[[g]]
      list(freq = mp$freq, observed = unname(split(mp$pat, row(mp$pat))), empty = length(mp$empty.idx))
    })
    r$empty_idx <- lavInspect(fit, "empty.idx")
  }
  r
}
tight <- function(refit) {
  ft <- refit(optim.method = "BFGS", control = list(reltol = 1e-14, maxit = 10000),
    em.h1.tol = 1e-12, em.h1.iter.max = 100000)
  pe <- parameterEstimates(ft)
  fm <- fitMeasures(ft)
  list(call = paste("the same call with optim.method = 'BFGS', control = list(reltol = 1e-14, maxit = 10000),",
      "em.h1.tol = 1e-12, em.h1.iter.max = 100000"),
    converged = lavInspect(ft, "converged"), iterations = lavInspect(ft, "iterations"),
    est = pe$est, se = pe$se, std_all = standardizedSolution(ft)$est.std, fit = as.list(fm))
}
with_tight <- function(refit, ...) { r <- record(refit(), ...); r$tight <- tight(refit); r }

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
