# Reference fixtures for the linear mixed-model engine (src/learning_direction/models/lmm/):
# lme4 fits (REML and ML), lmerTest Satterthwaite and Kenward-Roger (pbkrtest) t tests, and
# ICC(1)/ICC(2) (multilevel, lme4), on sleepstudy and on three simulated datasets.
# Usage: Rscript make_lmm_reference.R OUTDIR   (from tests/reference: Rscript make_lmm_reference.R .)
# Needs Debian packages: r-base-core r-cran-lme4 r-cran-lmertest r-cran-pbkrtest r-cran-jsonlite
#   r-cran-multilevel
# Writes: lmm_nested.csv, lmm_unbalanced.csv, lmm_singular.csv (simulated data),
#   lmm_sleepstudy.json, lmm_nested.json, lmm_unbalanced.json, lmm_singular.json (fits),
#   sessionInfo_make_lmm_reference.txt. sleepstudy.csv (lme4's data) is written by make_reference.R.
suppressMessages({library(lme4); library(lmerTest); library(pbkrtest); library(multilevel)
  library(jsonlite)})
args <- commandArgs(TRUE); out <- args[1]
dir.create(out, showWarnings = FALSE, recursive = TRUE)
wj <- function(x, f) write(toJSON(x, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"), file.path(out, f))
versions <- list(R = R.version.string, lme4 = as.character(packageVersion("lme4")),
  lmerTest = as.character(packageVersion("lmerTest")), pbkrtest = as.character(packageVersion("pbkrtest")),
  multilevel = as.character(packageVersion("multilevel")))

# ---------- one fit: everything the engine reports ----------
named <- function(x) as.list(setNames(as.numeric(x), names(x)))
mat <- function(m) unname(lapply(seq_len(nrow(m)), function(i) as.numeric(m[i, ])))
ttab <- function(m, ddf) {
  b <- fixef(m); rows <- list()
  for (i in seq_along(b)) {
    L <- as.numeric(seq_along(b) == i)
    r <- contest1D(m, L, ddf = ddf, confint = TRUE, level = 0.95)
    rows[[names(b)[i]]] <- list(estimate = r$Estimate, se = r$`Std. Error`, df = r$df,
      t = r$`t value`, p = r$`Pr(>|t|)`, lower = r$lower, upper = r$upper)
  }
  rows
}
varcorr <- function(m) {
  vc <- VarCorr(m); terms <- list()
  for (nm in names(vc)) {
    v <- vc[[nm]]
    terms[[nm]] <- list(names = I(colnames(v)), cov = mat(as.matrix(v)),
      sd = as.numeric(attr(v, "stddev")), corr = mat(as.matrix(attr(v, "correlation"))))
  }
  list(terms = terms, residual_variance = sigma(m)^2)
}
fit_record <- function(m, formula) {
  reml <- isREML(m)
  # a tightly converged refit shows how far lme4's default stopping point is from the optimum
  tight <- suppressMessages(update(m, control = lmerControl(optCtrl = list(xtol_abs = 1e-13,
    ftol_abs = 1e-15, xtol_rel = 1e-13, maxeval = 1e5))))
  crit <- if (reml) REMLcrit(m) else deviance(m)
  rec <- list(formula = formula, reml = reml, n = nobs(m),
    ngroups = as.list(ngrps(m)),
    fixef = named(fixef(m)), se = named(sqrt(diag(as.matrix(vcov(m))))),
    vcov = mat(as.matrix(vcov(m))),
    theta = named(getME(m, "theta")), lower = as.numeric(getME(m, "lower")),
    sigma = sigma(m), varcorr = varcorr(m),
    criterion = crit, loglik = as.numeric(logLik(m)), npar = attr(logLik(m), "df"),
    singular = isSingular(m), feval = m@optinfo$feval,
    theta_tight = named(getME(tight, "theta")), sigma_tight = sigma(tight),
    fixef_tight = named(fixef(tight)), se_tight = named(sqrt(diag(as.matrix(vcov(tight))))),
    varcorr_tight = varcorr(tight),
    criterion_tight = if (reml) REMLcrit(tight) else deviance(tight),
    satterthwaite = ttab(m, "Satterthwaite"),
    satterthwaite_summary = mat(coef(summary(m, ddf = "Satterthwaite"))),
    satterthwaite_tight = ttab(tight, "Satterthwaite"))
  if (reml) {
    rec$kenward_roger <- ttab(m, "Kenward-Roger")
    rec$kenward_roger_vcov <- mat(as.matrix(vcovAdj(m)))
    rec$kenward_roger_tight <- ttab(tight, "Kenward-Roger")
  }
  rec
}
calls <- paste("lmerTest::lmer(formula, data, REML = reml) [lme4 defaults: nloptwrap BOBYQA];",
  "contest1D(m, L, ddf = 'Satterthwaite' | 'Kenward-Roger', confint = TRUE) per coefficient;",
  "KR for REML fits only (lmerTest refuses ML); *_tight: the same model refitted with",
  "xtol_abs = 1e-13, ftol_abs = 1e-15, xtol_rel = 1e-13")
fits <- function(data, specs) {
  res <- list()
  for (nm in names(specs)) {
    s <- specs[[nm]]
    m <- lmerTest::lmer(as.formula(s$f), data = data, REML = s$reml)
    res[[nm]] <- fit_record(m, s$f)
  }
  res
}

# ---------- sleepstudy ----------
data(sleepstudy, package = "lme4")
ss <- read.csv(file.path(out, "sleepstudy.csv")); ss$Subject <- factor(ss$Subject)
stopifnot(isTRUE(all.equal(ss$Reaction, sleepstudy$Reaction)))
f_slope <- "Reaction ~ Days + (1 + Days | Subject)"; f_diag <- "Reaction ~ Days + (1 + Days || Subject)"
wj(list(versions = versions, data = "sleepstudy.csv", calls = calls,
  fits = fits(ss, list(slope_reml = list(f = f_slope, reml = TRUE), slope_ml = list(f = f_slope, reml = FALSE),
    diag_reml = list(f = f_diag, reml = TRUE), diag_ml = list(f = f_diag, reml = FALSE)))),
  "lmm_sleepstudy.json")

# ---------- nested: mentees in mentors in programs ----------
set.seed(20261201)
n_prog <- 40; rows <- list(); k <- 0
for (p in seq_len(n_prog)) {
  n_ment <- sample(3:12, 1); x3 <- rbinom(1, 1, 0.5); u_p <- rnorm(1, 0, 0.5)
  for (m in seq_len(n_ment)) {
    n_e <- sample(1:8, 1); x2 <- rnorm(1); u_m <- rnorm(1, 0, 0.7); s_m <- 0.3 * (0.3 * u_m / 0.7 + sqrt(1 - 0.09) * rnorm(1))
    x1 <- rnorm(n_e)
    y <- 3 + 0.4 * x1 + 0.3 * x2 + 0.5 * x3 + u_p + u_m + s_m * x1 + rnorm(n_e)
    k <- k + 1
    # mentor labels repeat across programs (M1, M2, ...): lme4's program/mentor nests them
    rows[[k]] <- data.frame(program = sprintf("P%02d", p), mentor = sprintf("M%d", m),
      mentee = sprintf("P%02d-M%d-E%d", p, m, seq_len(n_e)), x1 = x1, x2 = x2, x3 = x3, y = y)
  }
}
nested <- do.call(rbind, rows)
nested[, c("x1", "x2", "y")] <- lapply(nested[, c("x1", "x2", "y")], function(v) round(v, 6))
write.csv(nested, file.path(out, "lmm_nested.csv"), row.names = FALSE)
nested <- read.csv(file.path(out, "lmm_nested.csv"))
f_ni <- "y ~ x1 + x2 + x3 + (1 | program/mentor)"
f_ns <- "y ~ x1 + x2 + x3 + (1 + x1 | program:mentor) + (1 | program)"
wj(list(versions = versions, data = "lmm_nested.csv", calls = calls,
  simulation = "set.seed(20261201); 40 programs x 3-12 mentors x 1-8 mentees; see make_lmm_reference.R",
  fits = fits(nested, list(intercepts_reml = list(f = f_ni, reml = TRUE),
    intercepts_ml = list(f = f_ni, reml = FALSE), slope_reml = list(f = f_ns, reml = TRUE)))),
  "lmm_nested.json")

# ---------- unbalanced, many singleton groups ----------
set.seed(20261202)
sizes <- c(rep(1, 200), sample(2:10, 150, replace = TRUE), sample(11:40, 45, replace = TRUE),
  sample(100:200, 5, replace = TRUE))
g <- rep(sprintf("G%03d", seq_along(sizes)), sizes); J <- length(sizes); N <- sum(sizes)
u0 <- rnorm(J, 0, 0.6); u1 <- rnorm(J, 0, 0.25); gi <- rep(seq_len(J), sizes)
x <- rnorm(N); z <- rbinom(N, 1, 0.4)
y <- 1 + 0.5 * x + 0.3 * z + u0[gi] + u1[gi] * x + rnorm(N)
unb <- data.frame(g = g, x = round(x, 6), z = z, y = round(y, 6))
write.csv(unb, file.path(out, "lmm_unbalanced.csv"), row.names = FALSE)
unb <- read.csv(file.path(out, "lmm_unbalanced.csv"))
null <- lmer(y ~ 1 + (1 | g), data = unb, REML = TRUE)
tau2 <- as.numeric(VarCorr(null)$g); s2 <- sigma(null)^2; kbar <- nrow(unb) / length(unique(unb$g))
a <- aov(y ~ factor(g), data = unb)
icc <- list(call_anova = "multilevel::ICC1(aov(y ~ factor(g), data)), multilevel::ICC2(...)",
  call_reml = "lmer(y ~ 1 + (1 | g), data, REML = TRUE): tau2 / (tau2 + sigma2), tau2 / (tau2 + sigma2 / (N / J))",
  anova_icc1 = ICC1(a), anova_icc2 = ICC2(a), reml_tau2 = tau2, reml_sigma2 = s2, k = kbar,
  reml_icc1 = tau2 / (tau2 + s2), reml_icc2 = tau2 / (tau2 + s2 / kbar))
wj(list(versions = versions, data = "lmm_unbalanced.csv", calls = calls, icc = icc,
  fits = fits(unb, list(intercept_reml = list(f = "y ~ x + z + (1 | g)", reml = TRUE),
    intercept_ml = list(f = "y ~ x + z + (1 | g)", reml = FALSE),
    slope_reml = list(f = "y ~ x + z + (1 + x | g)", reml = TRUE)))),
  "lmm_unbalanced.json")

# ---------- singular fits (a variance estimated at zero) ----------
set.seed(20261205)
J <- 30; n <- 6; gi <- rep(seq_len(J), each = n)
x <- rnorm(J * n); y <- 2 + 0.5 * x + rnorm(J, 0, 0.05)[gi] + rnorm(J * n)
sing <- data.frame(g = sprintf("S%02d", gi), x = round(x, 6), y = round(y, 6))
write.csv(sing, file.path(out, "lmm_singular.csv"), row.names = FALSE)
sing <- read.csv(file.path(out, "lmm_singular.csv"))
res <- fits(sing, list(intercept_reml = list(f = "y ~ x + (1 | g)", reml = TRUE),
  intercept_ml = list(f = "y ~ x + (1 | g)", reml = FALSE),
  slope_reml = list(f = "y ~ x + (1 + x | g)", reml = TRUE)))
stopifnot(res$intercept_reml$singular, res$intercept_ml$singular)
wj(list(versions = versions, data = "lmm_singular.csv", calls = calls, fits = res), "lmm_singular.json")

writeLines(capture.output(sessionInfo()), file.path(out, "sessionInfo_make_lmm_reference.txt"))
cat("wrote the mixed-model engine fixtures to", out, "\n")
