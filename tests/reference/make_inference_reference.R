# Builds the fixtures of the inference helpers (ld.adjust_p, ld.ttest, ld.welch_anova,
# ld.games_howell, ld.mediation_sensitivity) from R on public datasets.
# Usage: Rscript make_inference_reference.R OUTDIR   (from tests/reference: Rscript make_inference_reference.R .)
# Needs Debian packages: r-base-core r-cran-jsonlite r-cran-effectsize r-cran-rstatix r-cran-clubsandwich
#   r-cran-sandwich, and the CRAN package 'mediation' (4.5.1; not packaged by Debian: install.packages("mediation"),
#   or R CMD INSTALL from its source; its dependencies r-cran-hmisc r-cran-lpsolve r-cran-mvtnorm r-cran-lme4 are Debian's).
# Reads sat_act.csv (written by make_reference.R) from OUTDIR.
suppressMessages({library(jsonlite); library(effectsize); library(rstatix); library(clubSandwich)
  library(sandwich); library(mediation)})
args <- commandArgs(TRUE); out <- args[1]
dir.create(out, showWarnings = FALSE, recursive = TRUE)
wj <- function(x, f) write(toJSON(x, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"), file.path(out, f))
versions <- list(R = R.version.string, effectsize = as.character(packageVersion("effectsize")),
  rstatix = as.character(packageVersion("rstatix")), clubSandwich = as.character(packageVersion("clubSandwich")),
  mediation = as.character(packageVersion("mediation")), jsonlite = as.character(packageVersion("jsonlite")))

# exact noncentrality bounds (uniroot, tight tolerance): effectsize uses optim() with abstol 1e-9,
# which stops a little short; both are saved
ncp_t <- function(t, df, level = 0.95) {
  a <- (1 - level) / 2; f <- function(ncp, p) pt(t, df, ncp) - p; w <- 8
  c(uniroot(f, c(t - w, t + w), p = 1 - a, tol = 1e-13)$root, uniroot(f, c(t - w, t + w), p = a, tol = 1e-13)$root)
}
ncp_f <- function(f, df1, df2, level = 0.95) {
  a <- (1 - level) / 2; g <- function(ncp, p) pf(f, df1, df2, ncp) - p; hi <- 10 * f * df1 + 100
  lo <- if (pf(f, df1, df2) <= 1 - a) 0 else uniroot(g, c(0, hi), p = 1 - a, tol = 1e-13)$root
  up <- if (pf(f, df1, df2) <= a) 0 else uniroot(g, c(0, hi), p = a, tol = 1e-13)$root
  c(lo, up)
}

# ---------- p.adjust ----------
p <- c(0.01, 0.04, 0.04, NA, 0.001, 1, 0.03, 0.2, 0.04, 0.5, 0.0001, NA, 0.012)
methods <- c("holm", "hochberg", "hommel", "bonferroni", "BH", "BY")
wj(list(versions = versions, p = p, adjusted = setNames(lapply(methods, function(m) p.adjust(p, m)), methods),
  note = "NA kept in place; n = number of non-missing p-values (R's default)"), "p_adjust.json")

# ---------- group comparisons ----------
data(PlantGrowth); data(InsectSprays); data(ToothGrowth); data(ChickWeight)
write.csv(PlantGrowth, file.path(out, "plant_growth.csv"), row.names = FALSE)
write.csv(InsectSprays, file.path(out, "insect_sprays.csv"), row.names = FALSE)
write.csv(ToothGrowth, file.path(out, "tooth_growth.csv"), row.names = FALSE)
cw <- data.frame(weight = ChickWeight$weight, Time = ChickWeight$Time,
  Chick = as.character(ChickWeight$Chick), Diet = as.character(ChickWeight$Diet))
write.csv(cw, file.path(out, "chick_weight.csv"), row.names = FALSE)

ttest_case <- function(formula, data, var.equal) {
  tt <- t.test(formula, data = data, var.equal = var.equal)
  g <- hedges_g(formula, data = data, pooled_sd = TRUE)
  mf <- model.frame(formula, data); y <- mf[[1]]; grp <- factor(mf[[2]]); lv <- levels(grp)
  n1 <- sum(grp == lv[1]); n2 <- sum(grp == lv[2]); df <- n1 + n2 - 2
  sp <- sqrt(((n1 - 1) * var(y[grp == lv[1]]) + (n2 - 1) * var(y[grp == lv[2]])) / df)
  d <- (mean(y[grp == lv[1]]) - mean(y[grp == lv[2]])) / sp; hn <- 1 / n1 + 1 / n2
  J <- exp(lgamma(df / 2) - log(sqrt(df / 2)) - lgamma((df - 1) / 2))
  list(levels = lv, statistic = unname(tt$statistic), df = unname(tt$parameter), p_value = tt$p.value,
    estimate = unname(tt$estimate[1] - tt$estimate[2]), means = unname(tt$estimate), se = tt$stderr,
    ci = as.numeric(tt$conf.int), hedges_g_effectsize = g$Hedges_g, g_ci_effectsize = c(g$CI_low, g$CI_high),
    hedges_g_exact = d * J, g_ci_exact = ncp_t(d / sqrt(hn), df) * sqrt(hn) * J)
}
oneway_case <- function(formula, data) {
  ow <- oneway.test(formula, data = data, var.equal = FALSE)
  eta <- effectsize(ow, type = "eta", alternative = "two.sided", verbose = FALSE)
  om <- effectsize(ow, type = "omega", alternative = "two.sided", verbose = FALSE)
  f <- unname(ow$statistic); df1 <- unname(ow$parameter[1]); df2 <- unname(ow$parameter[2])
  ncp <- ncp_f(f, df1, df2)
  w2 <- max(0, (f - 1) * df1 / (f * df1 + df2 + 1)); f_w2 <- (w2 / df1) / ((1 - w2) / df2)
  ncp_w <- ncp_f(f_w2, df1, df2)
  mf <- model.frame(formula, data); y <- mf[[1]]; grp <- factor(mf[[2]])
  list(statistic = f, df1 = df1, df2 = df2, p_value = ow$p.value,
    eta2 = eta[[1]], eta2_ci_effectsize = c(eta$CI_low, eta$CI_high),
    omega2 = om[[1]], omega2_ci_effectsize = c(om$CI_low, om$CI_high),
    ncp_ci_exact = ncp, eta2_ci_exact = ncp / (ncp + df2), omega2_ci_exact = ncp_w / (ncp_w + df2),
    student = list(statistic = unname(oneway.test(formula, data = data, var.equal = TRUE)$statistic)),
    groups = list(level = levels(grp), n = as.vector(table(grp)), mean = as.vector(tapply(y, grp, mean)),
      sd = as.vector(tapply(y, grp, sd))))
}
gh_case <- function(formula, data) {
  gh <- as.data.frame(games_howell_test(data, formula, detailed = TRUE))
  k <- nlevels(factor(model.frame(formula, data)[[2]]))
  # rstatix rounds p.adj to 3 digits and reports se / sqrt(2): the unrounded ptukey p-value too
  gh$p_ptukey <- ptukey(gh$statistic * sqrt(2), k, gh$df, lower.tail = FALSE)
  gh$q_qtukey <- qtukey(0.95, k, gh$df)
  gh[, c("group1", "group2", "estimate", "se", "statistic", "df", "p.adj", "p_ptukey", "q_qtukey", "conf.low", "conf.high")]
}
cluster_case <- function(data) {
  data$Diet <- factor(data$Diet)
  fit <- lm(weight ~ Diet, data = data)
  V <- vcovCR(fit, cluster = data$Chick, type = "CR2")
  ct <- as.data.frame(coef_test(fit, vcov = V, test = "Satterthwaite"))
  wt <- Wald_test(fit, constraints = constrain_zero(2:4), vcov = V, test = "HTZ")
  lc <- as.data.frame(linear_contrast(fit, vcov = V, contrasts = constrain_pairwise(2:4, with_zero = TRUE),
    test = "Satterthwaite", p_values = TRUE))
  sub <- droplevels(data[data$Diet %in% c("1", "2"), ])
  fit2 <- lm(weight ~ Diet, data = sub)
  ct2 <- as.data.frame(coef_test(fit2, vcov = vcovCR(fit2, cluster = sub$Chick, type = "CR2"), test = "Satterthwaite"))
  list(coef = ct$beta, se_cr2 = ct$SE, df_satterthwaite = ct$df_Satt, p_satterthwaite = ct$p_Satt,
    htz = list(F = wt$Fstat, df1 = wt$df_num, df2 = wt$df_denom, p_value = wt$p_val),
    pairwise = lc, ttest_diet1_vs_2 = list(coef = ct2$beta[2], se = ct2$SE[2], df = ct2$df_Satt[2], p = ct2$p_Satt[2]),
    n = nrow(data), n_clusters = length(unique(data$Chick)))
}
wj(list(versions = versions,
  ttest = list(tooth_growth_welch = ttest_case(len ~ supp, ToothGrowth, FALSE),
    tooth_growth_student = ttest_case(len ~ supp, ToothGrowth, TRUE),
    plant_trt1_trt2_welch = ttest_case(weight ~ group, droplevels(subset(PlantGrowth, group != "ctrl")), FALSE)),
  welch_anova = list(plant_growth = oneway_case(weight ~ group, PlantGrowth),
    insect_sprays = oneway_case(count ~ spray, InsectSprays)),
  games_howell = list(plant_growth = gh_case(weight ~ group, PlantGrowth),
    insect_sprays = gh_case(count ~ spray, InsectSprays)),
  cluster_cr2 = cluster_case(cw),
  notes = paste("t.test(var.equal = FALSE/TRUE); oneway.test(var.equal = FALSE); effectsize 0.8.3 hedges_g(pooled_sd = TRUE),",
    "effectsize(oneway.test, type = 'eta'/'omega', alternative = 'two.sided') (CIs by optim; *_exact by uniroot;",
    "the omega2 CI inverts the F implied by omega2 itself, as effectsize's F_to_omega2 does);",
    "rstatix::games_howell_test(detailed = TRUE): estimate = mean(group2) - mean(group1);",
    "clubSandwich CR2 with Satterthwaite df (coef_test, linear_contrast) and the HTZ Wald test, chicks as clusters")),
  "group_tests.json")

# ---------- mediation sensitivity: mediation::medsens (lm/lm) ----------
sens_case <- function(model.m, model.y, treat, mediator, eps, ...) {
  set.seed(1)
  med <- mediate(model.m, model.y, treat = treat, mediator = mediator, sims = 100, ...)
  s <- medsens(med, rho.by = 0.1, effect.type = "indirect", eps = eps)
  list(rho = s$rho, indirect = as.numeric(s$d0), ci_low = as.numeric(s$lower.d0), ci_high = as.numeric(s$upper.d0),
    r2_star_prod = s$R2star.prod, r2_tilde_prod = s$R2tilde.prod, err_cr_d = s$err.cr.d,
    r2_star_thresh = s$R2star.d.thresh, r2_tilde_thresh = s$R2tilde.d.thresh,
    r_square_m = s$r.square.m, r_square_y = s$r.square.y, conf_level = s$conf.level, eps = eps,
    a = unname(coef(model.m)[grep(paste0("^", treat), names(coef(model.m)))]), b = unname(coef(model.y)[mediator]),
    n = nobs(model.y))
}
sat <- read.csv(file.path(out, "sat_act.csv"))
md <- na.omit(sat[, c("education", "SATV", "ACT", "age")])
mm <- lm(SATV ~ education + age, md); my <- lm(ACT ~ SATV + education + age, md)
data(iris)
write.csv(iris, file.path(out, "iris.csv"), row.names = FALSE)
im <- lm(Petal.Length ~ Species + Sepal.Width, iris); iy <- lm(Sepal.Length ~ Petal.Length + Species + Sepal.Width, iris)
wj(list(versions = versions,
  sat_act = c(list(data = "sat_act.csv", x = "education", m = "SATV", y = "ACT", covariates = "age"),
    sens_case(mm, my, "education", "SATV", eps = 1e-20)),
  sat_act_default_eps = sens_case(mm, my, "education", "SATV", eps = sqrt(.Machine$double.eps))[c("rho", "indirect", "ci_low", "ci_high", "eps")],
  iris_versicolor = c(list(data = "iris.csv", x = "Species", m = "Petal.Length", y = "Sepal.Length", covariates = "Sepal.Width"),
    sens_case(im, iy, "Species", "Petal.Length", eps = 1e-20, control.value = "setosa", treat.value = "versicolor")),
  iris_virginica = sens_case(im, iy, "Species", "Petal.Length", eps = 1e-20, control.value = "setosa", treat.value = "virginica"),
  notes = paste("medsens(rho.by = 0.1, effect.type = 'indirect'): d0 (= d1 without interaction) with its normal-theory CI;",
    "eps = 1e-20 iterates the FGLS to convergence (R's default eps = sqrt(.Machine$double.eps) stops earlier: sat_act_default_eps);",
    "err_cr_d is the grid rho with the smallest |ACME|; a of the iris cases is (versicolor, virginica)")),
  "mediation_sensitivity.json")

writeLines(capture.output(sessionInfo()), file.path(out, "sessionInfo_make_inference_reference.txt"))
cat("wrote inference fixtures to", out, "\n")
