# Reference fixtures for ld.mixed's formula interface beyond tests/reference/lmm_*.json:
# the ICC of a nested null model, a within/between (cluster-mean centred) model, and the models
# ld.mixed hands to statsmodels (crossed random intercepts, three nesting levels).
# Usage: Rscript make_mixed_formula_reference.R OUTDIR   (from tests/reference: Rscript make_mixed_formula_reference.R .)
# Needs Debian packages: r-base-core r-cran-lme4 r-cran-lmertest r-cran-jsonlite
# Reads: lmm_nested.csv (written by make_lmm_reference.R), sleepstudy.csv (make_reference.R).
# Writes: lmm_crossed.csv, lmm_three_level.csv (simulated data), mixed_formula.json,
#   sessionInfo_make_mixed_formula_reference.txt.
suppressMessages({library(lme4); library(lmerTest); library(jsonlite)})
args <- commandArgs(TRUE); out <- args[1]
wj <- function(x, f) write(toJSON(x, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"), file.path(out, f))
named <- function(x) as.list(setNames(as.numeric(x), names(x)))
vc_df <- function(m) {
  v <- as.data.frame(VarCorr(m))
  lapply(seq_len(nrow(v)), function(i) list(group = v$grp[i], var1 = v$var1[i], var2 = v$var2[i],
    vcov = v$vcov[i], sdcor = v$sdcor[i]))
}
tight <- lmerControl(optCtrl = list(xtol_abs = 1e-13, ftol_abs = 1e-15, xtol_rel = 1e-13, maxeval = 1e5))
record <- function(m) {
  s <- coef(summary(m))
  list(fixef = named(fixef(m)), se = named(sqrt(diag(as.matrix(vcov(m))))),
    df = if ("df" %in% colnames(s)) named(s[, "df"]) else NULL,
    varcorr = vc_df(m), loglik = as.numeric(logLik(m)), ngroups = as.list(ngrps(m)))
}
mat <- function(m) unname(lapply(seq_len(nrow(m)), function(i) as.numeric(m[i, ])))
re_rec <- function(m) lapply(ranef(m), function(r) list(levels = I(rownames(r)),
  names = I(colnames(r)), values = mat(as.matrix(r))))
icc_of <- function(m) {
  v <- as.data.frame(VarCorr(m)); tau <- sum(v$vcov[v$grp != "Residual"])
  list(tau2 = tau, sigma2 = sigma(m)^2, icc1 = tau / (tau + sigma(m)^2))
}

# ---------- nested (lmm_nested.csv): null-model ICC and a within/between model ----------
nested <- read.csv(file.path(out, "lmm_nested.csv"))
null_n <- lmer(y ~ 1 + (1 | program/mentor), data = nested, REML = TRUE, control = tight)
nested$x1_between <- ave(nested$x1, nested$program, nested$mentor)
nested$x1_within <- nested$x1 - nested$x1_between
wb <- lmerTest::lmer(y ~ x1_within + x1_between + x2 + x3 + (1 | program/mentor), data = nested,
  REML = TRUE, control = tight)
wb_slope <- lmerTest::lmer(y ~ x1_within + x1_between + x2 + x3 + (1 + x1_within | program:mentor) +
  (1 | program), data = nested, REML = TRUE, control = tight)

# conditional modes (BLUPs): ranef() of tightly converged fits
ss <- read.csv(file.path(out, "sleepstudy.csv")); ss$Subject <- factor(ss$Subject)
ranefs <- list(
  sleepstudy_slope = re_rec(lmer(Reaction ~ Days + (Days | Subject), ss, control = tight)),
  nested_slope = re_rec(wb_slope),
  nested_intercepts = re_rec(lmer(y ~ x1 + x2 + x3 + (1 | program/mentor), nested, control = tight)))

# ---------- crossed: ratings of mentees' work by raters, both random ----------
set.seed(20261210)
n_mentor <- 60; n_rater <- 15
cr <- expand.grid(mentor = sprintf("M%02d", seq_len(n_mentor)), rater = sprintf("R%02d", seq_len(n_rater)))
cr <- cr[runif(nrow(cr)) < 0.55, ]
u_m <- setNames(rnorm(n_mentor, 0, 0.6), sprintf("M%02d", seq_len(n_mentor)))
u_r <- setNames(rnorm(n_rater, 0, 0.4), sprintf("R%02d", seq_len(n_rater)))
cr$x <- round(rnorm(nrow(cr)), 6)
cr$y <- round(2 + 0.4 * cr$x + u_m[as.character(cr$mentor)] + u_r[as.character(cr$rater)] + rnorm(nrow(cr)), 6)
write.csv(cr, file.path(out, "lmm_crossed.csv"), row.names = FALSE)
cr <- read.csv(file.path(out, "lmm_crossed.csv"))
crossed <- lmer(y ~ x + (1 | mentor) + (1 | rater), data = cr, REML = TRUE, control = tight)
null_c <- lmer(y ~ 1 + (1 | mentor) + (1 | rater), data = cr, REML = TRUE, control = tight)

# ---------- three nesting levels: mentees in mentors in programs in regions ----------
set.seed(20261211)
rows <- list(); k <- 0
for (r in 1:12) { u_r <- rnorm(1, 0, 0.5)
  for (p in seq_len(sample(2:5, 1))) { u_p <- rnorm(1, 0, 0.4)
    for (m in seq_len(sample(2:6, 1))) { u_m <- rnorm(1, 0, 0.6); n_e <- sample(2:7, 1)
      x <- rnorm(n_e); k <- k + 1
      rows[[k]] <- data.frame(region = sprintf("G%02d", r), program = sprintf("P%d", p),
        mentor = sprintf("M%d", m), x = round(x, 6),
        y = round(1 + 0.3 * x + u_r + u_p + u_m + rnorm(n_e), 6)) } } }
three <- do.call(rbind, rows)
write.csv(three, file.path(out, "lmm_three_level.csv"), row.names = FALSE)
three <- read.csv(file.path(out, "lmm_three_level.csv"))
deep <- lmer(y ~ x + (1 | region/program/mentor), data = three, REML = TRUE, control = tight)

wj(list(
  versions = list(R = R.version.string, lme4 = as.character(packageVersion("lme4")),
    lmerTest = as.character(packageVersion("lmerTest"))),
  calls = paste("lmer(..., REML = TRUE) refitted with tight BOBYQA tolerances (xtol_abs = 1e-13,",
    "ftol_abs = 1e-15, xtol_rel = 1e-13); lmerTest summary() Satterthwaite df where given;",
    "ICC = sum of the random-intercept variances / (that + sigma^2) of the null model"),
  nested_null = c(icc_of(null_n), list(n = nrow(nested), ngroups = as.list(ngrps(null_n)))),
  within_between = c(record(wb), list(formula = "y ~ x1_within + x1_between + x2 + x3 + (1 | program/mentor)",
    centering = "x1_between = ave(x1, program, mentor); x1_within = x1 - x1_between")),
  within_between_slope = c(record(wb_slope), list(formula = "y ~ x1_within + x1_between + x2 + x3 + (1 + x1_within | program:mentor) + (1 | program)")),
  crossed = c(record(crossed), list(formula = "y ~ x + (1 | mentor) + (1 | rater)", null = icc_of(null_c))),
  three_level = c(record(deep), list(formula = "y ~ x + (1 | region/program/mentor)")),
  ranef = c(ranefs, list(calls = paste("ranef() of lmer(Reaction ~ Days + (Days | Subject)),",
    "of the within_between_slope model and of lmer(y ~ x1 + x2 + x3 + (1 | program/mentor))")))
), "mixed_formula.json")
writeLines(capture.output(sessionInfo()), file.path(out, "sessionInfo_make_mixed_formula_reference.txt"))
cat("wrote the ld.mixed formula fixtures to", out, "\n")
