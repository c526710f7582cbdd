# Reference fixtures for the structural-equation-model engine (models/sem), made with lavaan.
# Usage: Rscript make_sem_reference.R OUTDIR   (from tests/reference: Rscript make_sem_reference.R .)
# Needs Debian packages: r-base-core r-cran-lavaan r-cran-jsonlite r-cran-semtools
# Writes:
#   sem_holzinger_swineford.csv   lavaan's HolzingerSwineford1939 (id, x1-x9)
#   sem_political_democracy.csv   lavaan's PoliticalDemocracy (x1-x3, y1-y8)
#   sem_demo_twolevel.csv         lavaan's Demo.twolevel, rounded to 6 decimals (cluster, y1-y3, x1-x3, w1, w2)
#   sem_twolevel_mediation.csv    simulated (set.seed below): 80 clusters of 2-12 members, 1-1-1, 2-1-1
#                                 and 2-2-1 mediation variables and a level-2 covariate
#   sem_single_level.json         sem()/cfa() fits on the public datasets
#   sem_two_level.json            sem(..., cluster = "cluster") fits on the two-level data
#   sessionInfo_make_sem_reference.txt
# Each fit records parameterEstimates() (est, se, z, pvalue, ci), standardizedSolution() (est.std),
# fitMeasures(), the lavOptions that decide the numbers, and parTable() (which rows are free, the
# fixed values, the exogenous flags), so the Python engine can check its defaults row by row.
suppressMessages({library(lavaan); library(jsonlite); library(semTools)})
args <- commandArgs(TRUE); out <- args[1]
dir.create(out, showWarnings = FALSE, recursive = TRUE)
wj <- function(x, f) write(toJSON(x, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"), file.path(out, f))
versions <- list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")),
  semTools = as.character(packageVersion("semTools")))

record <- function(fit, model, call, data) {
  pe <- parameterEstimates(fit, ci = TRUE, level = 0.95)
  std <- standardizedSolution(fit)
  pt <- parTable(fit)
  keep <- pt$op != "=="
  opts <- lavInspect(fit, "options")
  list(model = model, call = call, data = data,
    converged = lavInspect(fit, "converged"), npar = lavInspect(fit, "npar"),
    options = list(information = opts$information[1], observed.information = opts$observed.information[1],
      h1.information = opts$h1.information[1], se = opts$se, estimator = opts$estimator,
      likelihood = opts$likelihood, fixed.x = opts$fixed.x, meanstructure = opts$meanstructure,
      optim.method = opts$optim.method, em.h1.tol = opts$em.h1.tol, em.h1.iter.max = opts$em.h1.iter.max),
    parameters = data.frame(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, block = if (is.null(pe$block)) 1L else pe$block,
      level = if (is.null(pe$level)) 1L else pe$level,
      label = if (is.null(pe$label)) "" else pe$label,
      est = pe$est, se = pe$se, z = pe$z, pvalue = pe$pvalue, ci_lower = pe$ci.lower, ci_upper = pe$ci.upper,
      std_all = std$est.std),
    partable = data.frame(lhs = pt$lhs[keep], op = pt$op[keep], rhs = pt$rhs[keep], block = pt$block[keep],
      user = pt$user[keep], free = pt$free[keep], exo = pt$exo[keep], label = pt$label[keep],
      est = pt$est[keep]),
    fit = as.list(fitMeasures(fit)))
}

# The same model with lavaan's optimiser pushed to its limit (BFGS, relative tolerance 1e-14):
# lavaan's default nlminb stop leaves estimates about 1e-4 of a standard error from the
# optimum; this copy shows where the exact optimum is, for the tighter tolerances of the tests.
tight <- function(refit) {
  ft <- refit(optim.method = "BFGS", control = list(reltol = 1e-14, maxit = 10000))
  pe <- parameterEstimates(ft)
  list(call = "the same call with optim.method = 'BFGS', control = list(reltol = 1e-14, maxit = 10000)",
    converged = lavInspect(ft, "converged"), iterations = lavInspect(ft, "iterations"),
    est = pe$est, se = pe$se, std_all = standardizedSolution(ft)$est.std,
    fit = as.list(fitMeasures(ft, c("chisq", "df", "logl", "unrestricted.logl", "aic", "bic",
      "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue", "srmr",
      if (lavInspect(ft, "nlevels") > 1) c("srmr_within", "srmr_between")))))
}
# refit: a function(...) that fits the model, passing ... on to lavaan
with_tight <- function(refit, ...) { r <- record(refit(), ...); r$tight <- tight(refit); r }

# ---------- single level: public datasets ----------
data(HolzingerSwineford1939, package = "lavaan")
hs <- HolzingerSwineford1939[, c("id", paste0("x", 1:9))]
write.csv(hs, file.path(out, "sem_holzinger_swineford.csv"), row.names = FALSE)
data(PoliticalDemocracy, package = "lavaan")
pd <- PoliticalDemocracy
write.csv(pd, file.path(out, "sem_political_democracy.csv"), row.names = FALSE)

single <- list()
m <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
single$hs_cfa <- with_tight(function(...) cfa(m, data = hs, ...), m, "cfa(model, data = HolzingerSwineford1939)", "sem_holzinger_swineford.csv")
single$hs_cfa_observed <- with_tight(function(...) cfa(m, data = hs, information = "observed", ...), m,
  "cfa(model, data = HolzingerSwineford1939, information = 'observed')", "sem_holzinger_swineford.csv")
m <- paste("# a linear equality constraint and one intercept (which switches the mean structure on)",
  "visual =~ x1 + l2*x2 + l3*x3", "textual =~ x4 + x5 + x6", "speed =~ x7 + x8 + x9",
  "l2 + l3 == 1.5", "x1 ~ 1", sep = "\n")
single$hs_constrained_means <- with_tight(function(...) cfa(m, data = hs, ...), m, "cfa(model, data = HolzingerSwineford1939)",
  "sem_holzinger_swineford.csv")
m <- paste("# Bollen (1989): industrialisation and political democracy, equal loadings over time",
  "ind60 =~ x1 + x2 + x3", "dem60 =~ y1 + a*y2 + b*y3 + c*y4", "dem65 =~ y5 + a*y6 + b*y7 + c*y8",
  "dem60 ~ a1*ind60", "dem65 ~ c1*ind60 + b1*dem60",
  "y1 ~~ y5", "y2 ~~ y4 + y6", "y3 ~~ y7", "y4 ~~ y8", "y6 ~~ y8",
  "ind := a1*b1", "total := c1 + a1*b1", sep = "\n")
fit_pd <- sem(m, data = pd)
single$poldem <- with_tight(function(...) sem(m, data = pd, ...), m, "sem(model, data = PoliticalDemocracy)", "sem_political_democracy.csv")
set.seed(20240611)
mc <- monteCarloCI(fit_pd, nRep = 20000, standardized = FALSE)
single$poldem$monte_carlo <- list(nRep = 20000, seed = 20240611, call = "semTools::monteCarloCI(fit, nRep = 20000)",
  ind = list(est = mc["ind", "est"], ci_lower = mc["ind", "ci.lower"], ci_upper = mc["ind", "ci.upper"]),
  total = list(est = mc["total", "est"], ci_lower = mc["total", "ci.lower"], ci_upper = mc["total", "ci.upper"]))
m <- paste("# observed-variable mediation with exogenous covariates (fixed.x) and two outcomes",
  "y1 ~ a*x1 + x2", "y5 ~ b*y1 + cp*x1 + x2", "y6 ~ y1",
  "ind := a*b", "total := cp + a*b", sep = "\n")
single$poldem_path <- with_tight(function(...) sem(m, data = pd, ...), m, "sem(model, data = PoliticalDemocracy)", "sem_political_democracy.csv")

wj(list(versions = versions, fits = single), "sem_single_level.json")

# ---------- two levels ----------
# Demo.twolevel: lavaan's own example (latent factors at both levels, within-only x1-x3, between-only w1, w2)
data(Demo.twolevel, package = "lavaan")
demo <- Demo.twolevel[, c("cluster", "y1", "y2", "y3", "x1", "x2", "x3", "w1", "w2")]
demo[, -1] <- round(demo[, -1], 6)
write.csv(demo, file.path(out, "sem_demo_twolevel.csv"), row.names = FALSE)

# Simulated mediation data: 80 clusters of unbalanced sizes 2-12.
#   x, m, y vary within and between clusters (1-1-1); w is a cluster-level covariate;
#   xc is constant within clusters, m2 and y2 vary within (2-1-1);
#   xc and mc are constant within clusters, y3 varies within (2-2-1).
set.seed(20240611)
J <- 80; nj <- sample(2:12, J, replace = TRUE)
cl <- rep(seq_len(J), nj); N <- length(cl)
u <- function(sd) rnorm(J, 0, sd)[cl]
w <- rnorm(J)[cl]
xb <- u(0.6); xw <- rnorm(N); x <- xb + xw
mb <- 0.5 * xb + 0.3 * w + u(0.5); mw <- 0.4 * xw + rnorm(N); m <- mb + mw
yb <- 0.4 * mb + 0.2 * xb + 0.2 * w + u(0.5); y <- yb + 0.3 * mw + 0.1 * xw + rnorm(N)
xc <- rnorm(J)[cl]
m2b <- 0.5 * xc + u(0.6); m2w <- rnorm(N); m2 <- m2b + m2w
y2 <- 0.5 * m2b + 0.1 * xc + u(0.5) + 0.3 * m2w + rnorm(N)
mc <- 0.4 * xc + u(0.8)
y3 <- 0.5 * mc + 0.2 * xc + u(0.5) + rnorm(N)
sim <- data.frame(cluster = cl, x = x, m = m, y = y, w = w, xc = xc, m2 = m2, y2 = y2, mc = mc, y3 = y3)
sim[, -1] <- round(sim[, -1], 6)
write.csv(sim, file.path(out, "sem_twolevel_mediation.csv"), row.names = FALSE)

two <- list()
tl <- function(model, data, file) {
  refit <- function(...) sem(model, data = data, cluster = "cluster", ...)
  fit <- refit()
  r <- with_tight(refit, model, "sem(model, data, cluster = 'cluster')", file)
  r$n_clusters <- lavInspect(fit, "nclusters")
  r$h1 <- lavInspect(fit, "h1")
  r
}
m <- paste("level: 1", "  fw =~ y1 + y2 + y3", "  fw ~ x1 + x2 + x3",
  "level: 2", "  fb =~ y1 + y2 + y3", "  fb ~ w1 + w2", sep = "\n")
two$demo <- tl(m, demo, "sem_demo_twolevel.csv")
m <- paste("level: 1", "  m ~ a_w*x", "  y ~ b_w*m + c_w*x",
  "level: 2", "  m ~ a_b*x", "  y ~ b_b*m + c_b*x",
  "indirect_w := a_w*b_w", "indirect_b := a_b*b_b", sep = "\n")
two$med_111 <- tl(m, sim, "sem_twolevel_mediation.csv")
m <- paste("# no direct effect within clusters: one degree of freedom",
  "level: 1", "  m ~ a_w*x", "  y ~ b_w*m",
  "level: 2", "  m ~ a_b*x", "  y ~ b_b*m + c_b*x",
  "indirect_w := a_w*b_w", "indirect_b := a_b*b_b", sep = "\n")
two$med_111_restricted <- tl(m, sim, "sem_twolevel_mediation.csv")
m <- paste("level: 1", "  m ~ a_w*x", "  y ~ b_w*m + c_w*x",
  "level: 2", "  m ~ a_b*x + w", "  y ~ b_b*m + c_b*x + w",
  "indirect_w := a_w*b_w", "indirect_b := a_b*b_b", sep = "\n")
two$med_111_covariate <- tl(m, sim, "sem_twolevel_mediation.csv")
m <- paste("level: 1", "  y2 ~ b_w*m2",
  "level: 2", "  m2 ~ a*xc", "  y2 ~ b_b*m2 + c*xc",
  "indirect := a*b_b", sep = "\n")
two$med_211 <- tl(m, sim, "sem_twolevel_mediation.csv")
m <- paste("level: 1", "  y3 ~~ y3",
  "level: 2", "  mc ~ a*xc", "  y3 ~ b*mc + c*xc",
  "indirect := a*b", sep = "\n")
two$med_221 <- tl(m, sim, "sem_twolevel_mediation.csv")

wj(list(versions = versions, fits = two), "sem_two_level.json")

writeLines(capture.output(sessionInfo()), file.path(out, "sessionInfo_make_sem_reference.txt"))
cat("wrote SEM reference fixtures to", out, "\n")
