# Builds reference fixtures from R (psych, lavaan, lme4, sandwich, boot) on public datasets.
# Usage: Rscript make_reference.R OUTDIR   (from tests/reference: Rscript make_reference.R .)
# Needs Debian packages: r-base-core r-cran-psych r-cran-psychtools r-cran-lavaan r-cran-lme4 r-cran-boot r-cran-sandwich r-cran-lmtest
suppressMessages({library(psych); library(psychTools); library(lavaan); library(lme4)
  library(sandwich); library(lmtest); library(boot); library(jsonlite)})
args <- commandArgs(TRUE); out <- args[1]; 
dir.create(out, showWarnings = FALSE, recursive = TRUE)
wj <- function(x, f) write(toJSON(x, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"), file.path(out, f))
versions <- list(R = R.version.string, psych = as.character(packageVersion("psych")),
  lavaan = as.character(packageVersion("lavaan")), lme4 = as.character(packageVersion("lme4")),
  sandwich = as.character(packageVersion("sandwich")), boot = as.character(packageVersion("boot")))

# ---------- scale scoring + reliability ----------
scoring_case <- function(df, keys, name, minv, maxv) {
  res <- list(versions = versions, data = paste0(name, ".csv"), response_min = minv, response_max = maxv, scales = list())
  sc <- scoreItems(keys, df, impute = "none", min = minv, max = maxv)
  for (s in names(keys)) {
    k <- keys[[s]]; items <- sub("^-", "", k); rev <- grepl("^-", k)
    a <- psych::alpha(df[, items], keys = items[rev], warnings = FALSE)
    rx <- as.data.frame(sweep(as.matrix(df[, items]), 2, ifelse(rev, -1, 1), "*")); f1 <- fa(rx, nfactors = 1, fm = "ml")
    L <- as.numeric(f1$loadings); U <- f1$uniquenesses
    omega_t <- sum(L)^2 / (sum(L)^2 + sum(U))
    feldt <- psych::alpha.ci(a$total$raw_alpha, n.obs = a$nvar * 0 + nrow(na.omit(df[, items])), n.var = length(items), digits = 10)
    score <- sc$scores[, s]
    res$scales[[s]] <- list(
      items = I(items), reversed = I(items[rev]),
      raw_alpha = a$total$raw_alpha, std_alpha = a$total$std.alpha, G6 = a$total[["G6(smc)"]],
      average_r = a$total$average_r, alpha_feldt_ci_listwise = c(feldt$lower.ci, feldt$upper.ci),
      n_complete = nrow(na.omit(df[, items])),
      item_r_drop = setNames(as.list(a$item.stats$r.drop), rownames(a$item.stats)),
      item_raw_r = setNames(as.list(a$item.stats$raw.r), rownames(a$item.stats)),
      alpha_if_deleted = setNames(as.list(a$alpha.drop$raw_alpha), rownames(a$alpha.drop)),
      omega_total_1factor_ml = omega_t, loadings_1factor_ml = setNames(as.list(L), items),
      score_mean_of_answered = list(mean = mean(score, na.rm = TRUE), sd = sd(score, na.rm = TRUE),
        n_missing_score = sum(is.na(score)), first10 = as.numeric(score[1:10])))
  }
  res$notes <- paste("alpha(): pairwise covariances, reversed items via keys; scoreItems(impute='none'):",
    "score = mean of answered items after reversal (min+max-x); omega_total from 1-factor ML fa on reversed items;",
    "Feldt CI on listwise n.")
  res
}



  data(bfi); bfi$id <- rownames(bfi); bfi <- bfi[, c("id", setdiff(names(bfi), "id"))]
  write.csv(bfi, file.path(out, "bfi.csv"), row.names = FALSE, na = "")
  keys <- list(agree = c("-A1","A2","A3","A4","A5"), conscientious = c("C1","C2","C3","-C4","-C5"),
    extraversion = c("-E1","-E2","E3","E4","E5"), neuroticism = c("N1","N2","N3","N4","N5"),
    openness = c("O1","-O2","O3","O4","-O5"))
  wj(scoring_case(bfi, keys, "bfi", 1, 6), "bfi_scoring.json")

  data(sat.act); d <- sat.act; d$id <- seq_len(nrow(d)); d <- d[, c("id", names(sat.act))]
  write.csv(d, file.path(out, "sat_act.csv"), row.names = FALSE, na = "")
  dd <- na.omit(d)
  # OLS with classic and HC3 SEs
  m <- lm(ACT ~ SATV + age + education, data = d)
  ols <- list(formula = "ACT ~ SATV + age + education", n = nobs(m), coef = as.list(coef(m)),
    se = as.list(sqrt(diag(vcov(m)))), se_hc3 = as.list(sqrt(diag(vcovHC(m, type = "HC3")))),
    se_hc1 = as.list(sqrt(diag(vcovHC(m, type = "HC1")))),
    r2 = summary(m)$r.squared, adj_r2 = summary(m)$adj.r.squared, F = unname(summary(m)$fstatistic[1]))
  # logistic
  d$female <- as.integer(d$gender == 2)
  g <- glm(female ~ ACT + SATV + age, data = d, family = binomial)
  logit <- list(formula = "female ~ ACT + SATV + age (female = gender==2)", n = nobs(g), coef = as.list(coef(g)),
    se = as.list(sqrt(diag(vcov(g)))), loglik = as.numeric(logLik(g)), aic = AIC(g))
  # simple mediation, PROCESS model 4 style (OLS), x=education m=SATV y=ACT cov=age ; listwise on used vars
  md <- na.omit(d[, c("education", "SATV", "ACT", "age")])
  ma <- lm(SATV ~ education + age, md); mb <- lm(ACT ~ SATV + education + age, md); mc <- lm(ACT ~ education + age, md)
  a <- coef(ma)["education"]; b <- coef(mb)["SATV"]; sa <- sqrt(vcov(ma)["education","education"]); sb <- sqrt(vcov(mb)["SATV","SATV"])
  set.seed(20261122)
  bf <- function(dat, i) { x <- dat[i, ]; coef(lm(SATV ~ education + age, x))["education"] * coef(lm(ACT ~ SATV + education + age, x))["SATV"] }
  bt <- boot(md, bf, R = 5000)
  ci <- boot.ci(bt, type = c("perc", "bca"))
  med <- list(x = "education", m = "SATV", y = "ACT", covariates = list("age"), n = nrow(md),
    a = unname(a), b = unname(b), c_prime = unname(coef(mb)["education"]), c_total = unname(coef(mc)["education"]),
    se_a = unname(sa), se_b = unname(sb), indirect = unname(a * b),
    sobel_se = unname(sqrt(b^2 * sa^2 + a^2 * sb^2)),
    boot_R = 5000, boot_se = sd(bt$t[, 1]), boot_percentile_ci = ci$percent[4:5], boot_bca_ci = ci$bca[4:5],
    note = "bootstrap CIs are Monte Carlo: compare with tolerance ~ 0.15 * boot_se")
  # lavaan version of the same (ML SEs, N rather than N-p)
  lm_model <- "SATV ~ a*education + age\nACT ~ b*SATV + cp*education + age\nind := a*b\ntotal := cp + a*b"
  fit <- sem(lm_model, data = md)
  pe <- parameterEstimates(fit)
  med$lavaan_ml <- list(ind = pe$est[pe$label == "ind"], ind_se_delta = pe$se[pe$label == "ind"], total = pe$est[pe$label == "total"])
  # moderation (PROCESS model 1): y=ACT, x=SATV, w=education, cov=age; conditional effects at w = 16/50/84th pct, JN
  mm <- lm(ACT ~ SATV * education + age, md); cf <- coef(mm); V <- vcov(mm)
  ws <- quantile(md$education, c(.16, .5, .84), type = 6)
  cond <- lapply(ws, function(w) { e <- cf["SATV"] + cf["SATV:education"] * w
    s <- sqrt(V["SATV","SATV"] + w^2 * V["SATV:education","SATV:education"] + 2 * w * V["SATV","SATV:education"])
    list(w = unname(w), effect = unname(e), se = unname(s)) })
  tcrit <- qt(.975, df.residual(mm))
  A <- cf["SATV:education"]^2 - tcrit^2 * V["SATV:education","SATV:education"]
  B <- 2 * (cf["SATV"] * cf["SATV:education"] - tcrit^2 * V["SATV","SATV:education"])
  C <- cf["SATV"]^2 - tcrit^2 * V["SATV","SATV"]
  disc <- B^2 - 4 * A * C
  jn <- if (disc >= 0) sort(c((-B - sqrt(disc)) / (2 * A), (-B + sqrt(disc)) / (2 * A))) else numeric(0)
  modr <- list(formula = "ACT ~ SATV * education + age", n = nobs(mm), coef = as.list(cf), se = as.list(sqrt(diag(V))),
    conditional_effects_at_pct_16_50_84 = unname(cond), jn_boundaries = unname(jn),
    delta_r2_interaction = summary(mm)$r.squared - summary(lm(ACT ~ SATV + education + age, md))$r.squared)
  # moderated mediation (PROCESS model 7): a path moderated by w=female
  md7 <- na.omit(d[, c("education", "SATV", "ACT", "age", "female")])
  m7a <- lm(SATV ~ education * female + age, md7); m7b <- lm(ACT ~ SATV + education + age, md7)
  a1 <- coef(m7a)["education"]; a3 <- coef(m7a)["education:female"]; b7 <- coef(m7b)["SATV"]
  set.seed(7)
  bf7 <- function(dat, i) { x <- dat[i, ]; ca <- coef(lm(SATV ~ education * female + age, x)); bb <- coef(lm(ACT ~ SATV + education + age, x))["SATV"]
    c(ca["education:female"] * bb, ca["education"] * bb, (ca["education"] + ca["education:female"]) * bb) }
  bt7 <- boot(md7, bf7, R = 5000)
  mod7 <- list(model = "PROCESS model 7: x=education, m=SATV, y=ACT, w=female (moderates a), cov=age", n = nrow(md7),
    a1 = unname(a1), a3 = unname(a3), b = unname(b7),
    index_of_moderated_mediation = unname(a3 * b7), imm_boot_percentile_ci = unname(quantile(bt7$t[, 1], c(.025, .975))),
    cond_indirect_w0 = unname(a1 * b7), cond_indirect_w0_ci = unname(quantile(bt7$t[, 2], c(.025, .975))),
    cond_indirect_w1 = unname((a1 + a3) * b7), cond_indirect_w1_ci = unname(quantile(bt7$t[, 3], c(.025, .975))), boot_R = 5000)
  wj(list(versions = versions, data = "sat_act.csv", ols = ols, logistic = logit, mediation_model4 = med,
    moderation_model1 = modr, moderated_mediation_model7 = mod7), "sat_act_models.json")

  data(sleepstudy); write.csv(sleepstudy, file.path(out, "sleepstudy.csv"), row.names = FALSE)
  f0 <- lmer(Reaction ~ 1 + (1 | Subject), sleepstudy, REML = TRUE)
  f1 <- lmer(Reaction ~ Days + (1 | Subject), sleepstudy, REML = TRUE)
  f2 <- lmer(Reaction ~ Days + (Days | Subject), sleepstudy, REML = TRUE)
  vc0 <- as.data.frame(VarCorr(f0))
  mix <- list(versions = versions, data = "sleepstudy.csv",
    icc1_null_model = vc0$vcov[1] / sum(vc0$vcov),
    random_intercept = list(formula = "Reaction ~ Days + (1|Subject), REML", fixef = as.list(fixef(f1)),
      se = as.list(sqrt(diag(as.matrix(vcov(f1))))), var_intercept = as.data.frame(VarCorr(f1))$vcov[1],
      var_residual = sigma(f1)^2, reml_loglik = as.numeric(logLik(f1))),
    random_slope = list(formula = "Reaction ~ Days + (Days|Subject), REML", fixef = as.list(fixef(f2)),
      se = as.list(sqrt(diag(as.matrix(vcov(f2))))), varcorr = as.data.frame(VarCorr(f2))[, c("var1","var2","vcov")],
      reml_loglik = as.numeric(logLik(f2))))
  wj(mix, "sleepstudy_mixed.json")

writeLines(capture.output(sessionInfo()), file.path(out, "sessionInfo_make_reference.txt"))
cat("wrote reference fixtures to", out, "\n")
