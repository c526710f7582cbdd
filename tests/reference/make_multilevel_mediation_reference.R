# Reference fixtures for ld.multilevel_mediation (src/learning_direction/models/multilevel_mediation/):
# the two-level SEM (method = "msem") refitted by lavaan, and the unconflated multilevel model
# (method = "umm") refitted by lme4/lmerTest, on simulated 1-1-1, 2-1-1 and 2-2-1 data with
# unbalanced clusters (1-9 rows, singletons included), with and without covariates at both levels.
# Usage: Rscript make_multilevel_mediation_reference.R OUTDIR
#   (from tests/reference: Rscript make_multilevel_mediation_reference.R .)
# Needs Debian packages: r-base-core r-cran-lavaan r-cran-lme4 r-cran-lmertest r-cran-jsonlite
# Writes:
#   multilevel_mediation.csv     simulated (set.seed below): 70 clusters of 1-9 rows
#   multilevel_mediation.json    per model: the lavaan syntax (exactly what the Python code
#                                writes), parameterEstimates() of the labelled paths and defined
#                                indirect effects (default nlminb fit and a tight BFGS refit),
#                                and the lmer/lm fits of the UMM equations (estimates, SEs,
#                                Satterthwaite df, t, p, 95% CI; variance components)
#   sessionInfo_make_multilevel_mediation_reference.txt
suppressMessages({library(lavaan); library(lme4); library(lmerTest); library(jsonlite)})
args <- commandArgs(TRUE); out <- args[1]
dir.create(out, showWarnings = FALSE, recursive = TRUE)
wj <- function(x, f) write(toJSON(x, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"), file.path(out, f))
versions <- list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")),
  lme4 = as.character(packageVersion("lme4")), lmerTest = as.character(packageVersion("lmerTest")))

# ---------- data: 70 clusters of 1-9 rows ----------
set.seed(20261122)
J <- 70; nj <- sample(1:9, J, replace = TRUE)
cl <- rep(seq_len(J), nj); N <- length(cl)
u <- function(sd) rnorm(J, 0, sd)[cl]
w <- rnorm(J)[cl]                                  # level-2 covariate
c1 <- 0.5 * u(0.7) + rnorm(N)                      # level-1 covariate (within and between parts)
xb <- u(0.6); xw <- rnorm(N); x <- xb + xw         # 1-1-1
mb <- 0.5 * xb + 0.2 * w + u(0.5); mw <- 0.4 * xw + 0.2 * c1 + rnorm(N); m <- mb + mw
y <- 0.4 * mb + 0.1 * xb + 0.2 * w + u(0.5) + 0.3 * mw + 0.1 * xw + 0.1 * c1 + rnorm(N)
xc <- rnorm(J)[cl]                                 # 2-1-1: level-2 X, level-1 M and Y
m2b <- 0.5 * xc + 0.2 * w + u(0.6); m2 <- m2b + 0.2 * c1 + rnorm(N)
y2 <- 0.5 * m2b + 0.1 * xc + u(0.5) + 0.2 * (m2 - m2b) + 0.1 * c1 + rnorm(N)
mc <- 0.4 * xc + 0.2 * w + u(0.8)                  # 2-2-1: level-2 X and M, level-1 Y
y3 <- 0.5 * mc + 0.2 * xc + u(0.5) + 0.1 * c1 + rnorm(N)
sim <- data.frame(cluster = cl, x = x, m = m, y = y, xc = xc, m2 = m2, y2 = y2, mc = mc, y3 = y3,
  c1 = c1, w = w)
sim[, -1] <- round(sim[, -1], 6)
write.csv(sim, file.path(out, "multilevel_mediation.csv"), row.names = FALSE)

# ---------- the MSEM syntax (the same text the Python code writes) ----------
plus <- function(v) if (length(v)) paste0(" + ", v, collapse = "") else ""
syntax <- function(design, x, m, y, cw, cb) {
  l <- "level: 1"
  if (design == "1-1-1") {
    l <- c(l, sprintf("    %s ~ a_within*%s%s", m, x, plus(cw)),
      sprintf("    %s ~ b_within*%s + c_prime_within*%s%s", y, m, x, plus(cw)))
  } else if (design == "2-1-1") {
    if (length(cw)) l <- c(l, sprintf("    %s ~ %s", m, paste(cw, collapse = " + ")))
    l <- c(l, sprintf("    %s ~ b_within*%s%s", y, m, plus(cw)))
  } else {
    l <- c(l, if (length(cw)) sprintf("    %s ~ %s", y, paste(cw, collapse = " + ")) else sprintf("    %s ~~ %s", y, y))
  }
  l <- c(l, "level: 2", sprintf("    %s ~ a_between*%s%s", m, x, plus(c(cw, cb))),
    sprintf("    %s ~ b_between*%s + c_prime_between*%s%s", y, m, x, plus(c(cw, cb))))
  if (design == "1-1-1") l <- c(l, "indirect_within := a_within*b_within")
  paste0(paste(c(l, "indirect_between := a_between*b_between"), collapse = "\n"), "\n")
}
pe_rows <- function(fit) {
  pe <- parameterEstimates(fit, ci = TRUE, level = 0.95)
  keep <- pe$label != "" | pe$op == ":="
  pe <- pe[keep, ]
  data.frame(term = ifelse(pe$op == ":=", pe$lhs, pe$label), est = pe$est, se = pe$se,
    pvalue = pe$pvalue, ci_lower = pe$ci.lower, ci_upper = pe$ci.upper)
}
msem <- function(model, data) {
  fit <- sem(model, data = data, cluster = "cluster")
  tight <- sem(model, data = data, cluster = "cluster", optim.method = "BFGS",
    control = list(reltol = 1e-14, maxit = 10000))
  list(call = "sem(model, data, cluster = 'cluster'); tight: optim.method = 'BFGS', control = list(reltol = 1e-14, maxit = 10000)",
    converged = lavInspect(fit, "converged"), tight_converged = lavInspect(tight, "converged"),
    n = lavInspect(fit, "ntotal"), n_clusters = lavInspect(fit, "nclusters"),
    parameters = pe_rows(fit), tight = pe_rows(tight))
}

# ---------- the UMM equations ----------
cwc <- function(v, g) v - ave(v, g)
lmer_rows <- function(f) {
  b <- fixef(f); rows <- list()
  for (i in seq_along(b)) {
    r <- contest1D(f, as.numeric(seq_along(b) == i), ddf = "Satterthwaite", confint = TRUE, level = 0.95)
    rows[[i]] <- list(term = names(b)[i], estimate = r$Estimate, se = r$`Std. Error`, df = r$df,
      t = r$`t value`, p = r$`Pr(>|t|)`, lower = r$lower, upper = r$upper)
  }
  vc <- as.data.frame(VarCorr(f))
  list(formula = deparse(formula(f)), coefficients = rows, tau2 = vc$vcov[1], sigma2 = sigma(f)^2)
}
tight_lmer <- function(form, data) {
  lmerTest::lmer(form, data = data, REML = TRUE, control = lmerControl(optCtrl = list(
    xtol_abs = 1e-13, ftol_abs = 1e-15, xtol_rel = 1e-13, maxeval = 1e5)))
}
lm_rows <- function(f) {
  s <- summary(f)$coefficients; ci <- confint(f, level = 0.95); rows <- list()
  for (i in seq_len(nrow(s))) rows[[i]] <- list(term = rownames(s)[i], estimate = s[i, 1],
    se = s[i, 2], df = f$df.residual, t = s[i, 3], p = s[i, 4], lower = ci[i, 1], upper = ci[i, 2])
  list(formula = deparse(formula(f)), coefficients = rows, sigma2 = summary(f)$sigma^2)
}
# predictors in the Python column order: X (within, between) or X; then each level-1 covariate
# (within, between), then each level-2 covariate
parts <- function(d, v, lv) if (lv[[v]] == 2) v else c(paste0(v, "_w"), paste0(v, "_b"))
umm <- function(design, x, m, y, cw, cb) {
  d <- sim
  lv <- list(); for (v in c(x, m, y, cw)) lv[[v]] <- 1; for (v in cb) lv[[v]] <- 2
  if (substr(design, 1, 1) == "2") lv[[x]] <- 2
  if (design == "2-2-1") lv[[m]] <- 2
  for (v in names(lv)) if (lv[[v]] == 1) { d[[paste0(v, "_w")]] <- cwc(d[[v]], d$cluster); d[[paste0(v, "_b")]] <- ave(d[[v]], d$cluster) }
  covp <- unlist(lapply(c(cw, cb), parts, d = d, lv = lv))
  rhs_m <- c(parts(d, x, lv), covp)
  rhs_y <- c(parts(d, m, lv), parts(d, x, lv), covp)
  fy <- tight_lmer(as.formula(paste(y, "~", paste(rhs_y, collapse = " + "), "+ (1 | cluster)")), d)
  if (lv[[m]] == 2) {
    one <- d[!duplicated(d$cluster), ]
    rhs_c <- c(x, if (length(cw)) paste0(cw, "_b"), cb)
    fm <- lm(as.formula(paste(m, "~", paste(rhs_c, collapse = " + "))), data = one)
    mrec <- lm_rows(fm)
  } else {
    mrec <- lmer_rows(tight_lmer(as.formula(paste(m, "~", paste(rhs_m, collapse = " + "), "+ (1 | cluster)")), d))
  }
  list(m = mrec, y = lmer_rows(fy),
    call = "lmerTest::lmer(f, data, REML = TRUE, xtol_abs = 1e-13, ftol_abs = 1e-15, xtol_rel = 1e-13); contest1D(ddf = 'Satterthwaite', confint = TRUE); a cluster-level mediator by lm() on one row per cluster")
}

specs <- list(
  d111 = list(design = "1-1-1", x = "x", m = "m", y = "y", cw = character(0), cb = character(0)),
  d111_cov = list(design = "1-1-1", x = "x", m = "m", y = "y", cw = "c1", cb = "w"),
  d211 = list(design = "2-1-1", x = "xc", m = "m2", y = "y2", cw = character(0), cb = character(0)),
  d211_cov = list(design = "2-1-1", x = "xc", m = "m2", y = "y2", cw = "c1", cb = "w"),
  d221 = list(design = "2-2-1", x = "xc", m = "mc", y = "y3", cw = character(0), cb = character(0)),
  d221_cov = list(design = "2-2-1", x = "xc", m = "mc", y = "y3", cw = "c1", cb = "w"))
fits <- list()
for (nm in names(specs)) {
  s <- specs[[nm]]
  model <- syntax(s$design, s$x, s$m, s$y, s$cw, s$cb)
  fits[[nm]] <- list(design = s$design, x = s$x, m = s$m, y = s$y,
    covariates = I(c(s$cw, s$cb)), syntax = model, msem = msem(model, sim),
    umm = umm(s$design, s$x, s$m, s$y, s$cw, s$cb))
}
wj(list(versions = versions, data = "multilevel_mediation.csv", fits = fits), "multilevel_mediation.json")
writeLines(capture.output(sessionInfo()), file.path(out, "sessionInfo_make_multilevel_mediation_reference.txt"))
cat("wrote multilevel mediation reference fixtures to", out, "\n")
