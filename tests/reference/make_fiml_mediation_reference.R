# FIML mediation and APIM fixtures for ld.mediate(missing = "fiml") and ld.apim(missing = "fiml").
#
# Usage (from tests/reference/):  Rscript make_fiml_mediation_reference.R .
#
# Data: a simulated mentoring-like dataset (300 mentors: learning direction x, two mediators,
# engagement y, tenure as a covariate) and a simulated dyadic dataset (220 mentor-mentee pairs),
# each with seeded MAR missingness (the probability of a missing value depends on observed
# variables), a few rows missing the predictor, and rows missing every analysed variable.
# Models: lavaan sem(..., missing = "ml", fixed.x = FALSE) -- every row with at least one
# analysed variable, X and covariates included -- with observed-information SEs (lavaan's
# default with missing = "ml") and delta-method SEs of the := effects; each also refitted to a
# tight optimum (BFGS rel.tol 1e-14, EM h1 tol 1e-12); bootstrap percentile CIs
# (se = "bootstrap", 1,000 resamples) of the simple model's indirect effect.
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[1] else "."

# ---- mediation data --------------------------------------------------------------------------
set.seed(20261207)
n <- 300
tenure <- rnorm(n, 10, 4)
x <- rnorm(n, 4.5, 1.1) + 0.03 * (tenure - 10)
m1 <- 1 + 0.45 * x + 0.04 * tenure + rnorm(n, 0, 0.9)
m2 <- 2 + 0.25 * x + 0.30 * m1 + rnorm(n, 0, 1.0)
y <- 0.5 + 0.15 * x + 0.35 * m1 + 0.25 * m2 + 0.02 * tenure + rnorm(n, 0, 0.8)
d <- data.frame(id = seq_len(n), x = x, m1 = m1, m2 = m2, y = y, tenure = tenure)
# MAR: missingness of m1, m2, y depends on x / tenure (observed); x missing depends on tenure
p_m1 <- plogis(-2.2 + 0.6 * scale(x)[, 1])
p_m2 <- plogis(-2.0 - 0.5 * scale(tenure)[, 1])
p_y <- plogis(-1.8 + 0.7 * scale(x)[, 1])
p_x <- plogis(-3.0 + 0.8 * scale(tenure)[, 1])
d$m1[runif(n) < p_m1] <- NA
d$m2[runif(n) < p_m2] <- NA
d$y[runif(n) < p_y] <- NA
d$x[runif(n) < p_x] <- NA
d$tenure[sample(n, 6)] <- NA
d[c(17, 233), c("x", "m1", "m2", "y", "tenure")] <- NA  # rows missing every variable
write.csv(d, file.path(out, "fiml_mediation.csv"), row.names = FALSE)

models <- list(
  simple = "m1 ~ a_1*x + tenure
            y ~ cp*x + b_1*m1 + tenure
            x ~~ tenure
            ind_1 := a_1*b_1
            total := cp + a_1*b_1",
  parallel = "m1 ~ a_1*x + tenure
              m2 ~ a_2*x + tenure
              y ~ cp*x + b_1*m1 + b_2*m2 + tenure
              x ~~ tenure
              m1 ~~ m2
              ind_1 := a_1*b_1
              ind_2 := a_2*b_2
              ind_total := a_1*b_1 + a_2*b_2
              contrast := a_1*b_1 - a_2*b_2
              total := cp + a_1*b_1 + a_2*b_2",
  serial = "m1 ~ a_1*x + tenure
            m2 ~ a_2*x + d_12*m1 + tenure
            y ~ cp*x + b_1*m1 + b_2*m2 + tenure
            x ~~ tenure
            ind_1 := a_1*b_1
            ind_2 := a_2*b_2
            ind_12 := a_1*d_12*b_2
            ind_total := a_1*b_1 + a_2*b_2 + a_1*d_12*b_2
            total := cp + a_1*b_1 + a_2*b_2 + a_1*d_12*b_2"
)

est_of <- function(fit) {
  pe <- parameterEstimates(fit)
  list(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, label = pe$label, est = pe$est, se = pe$se)
}

vars <- c("x", "m1", "m2", "y", "tenure")
fits <- list()
for (nm in names(models)) {
  f <- sem(models[[nm]], data = d, missing = "ml", fixed.x = FALSE)
  tight <- sem(models[[nm]], data = d, missing = "ml", fixed.x = FALSE,
               optim.method = "BFGS", control = list(rel.tol = 1e-14),
               em.h1.tol = 1e-12, em.h1.iter.max = 50000)
  used <- intersect(vars, lavNames(f))
  obs <- !is.na(d[, used])
  keys <- apply(obs[rowSums(obs) > 0, , drop = FALSE], 1, function(r) paste(as.integer(r), collapse = ""))
  counts <- sort(as.integer(table(keys)), decreasing = TRUE)
  fits[[nm]] <- list(
    default = est_of(f), tight = est_of(tight),
    nobs = lavInspect(f, "nobs"), ntotal = nrow(d),
    n_patterns = nrow(lavInspect(f, "patterns")), pattern_counts = counts,
    loglik = as.numeric(fitMeasures(tight, "logl")), df = as.numeric(fitMeasures(f, "df"))
  )
}

# bootstrap percentile CI of the simple model's indirect effect (lavaan's own resamples).
# The empty rows are removed first: lavaan 0.6-14's bootstrap resamples the data it was given
# and every resample that draws an empty row fails (about 87% of them here); without them
# every resample is usable and the estimates are unchanged (empty rows carry no information).
set.seed(1)
nonempty <- d[rowSums(!is.na(d[, vars])) > 0, ]
fb <- sem(models$simple, data = nonempty, missing = "ml", fixed.x = FALSE, se = "bootstrap",
          bootstrap = 1000)
peb <- parameterEstimates(fb, boot.ci.type = "perc", level = 0.95)
boot_rows <- peb[peb$op == ":=", c("lhs", "est", "ci.lower", "ci.upper")]
boot_draws <- lavInspect(fb, "boot")
boot <- list(n_boot = 1000, n_failed = sum(!complete.cases(boot_draws)),
             lhs = boot_rows$lhs, est = boot_rows$est,
             ci_low = boot_rows$ci.lower, ci_high = boot_rows$ci.upper)

# ---- APIM data ---------------------------------------------------------------------------------
set.seed(4207)
nd <- 220
xr <- MASS::mvrnorm(nd, c(4.6, 4.1), matrix(c(1, 0.35, 0.35, 1.2), 2))
er <- MASS::mvrnorm(nd, c(0, 0), matrix(c(0.8, 0.3, 0.3, 0.9), 2))
reverse <- rbinom(nd, 1, 0.3)
y_mentor <- 1.2 + 0.40 * xr[, 1] + 0.20 * xr[, 2] + 0.3 * reverse + er[, 1]
y_mentee <- 1.5 + 0.35 * xr[, 2] + 0.15 * xr[, 1] - 0.2 * reverse + er[, 2]
w <- data.frame(dyad_id = seq_len(nd), x_mentor = xr[, 1], x_mentee = xr[, 2],
                y_mentor = y_mentor, y_mentee = y_mentee, reverse = reverse)
w$y_mentor[runif(nd) < plogis(-2 + 0.7 * scale(xr[, 2])[, 1])] <- NA
w$y_mentee[runif(nd) < plogis(-1.8 - 0.6 * scale(xr[, 1])[, 1])] <- NA
w$x_mentee[runif(nd) < 0.06] <- NA
w$x_mentor[runif(nd) < 0.04] <- NA
w[c(5, 150), c("x_mentor", "x_mentee", "y_mentor", "y_mentee")] <- NA  # both members empty
long <- rbind(
  data.frame(dyad_id = w$dyad_id, role = "mentor", x = w$x_mentor, y = w$y_mentor,
             reverse = w$reverse),
  data.frame(dyad_id = w$dyad_id, role = "mentee", x = w$x_mentee, y = w$y_mentee,
             reverse = w$reverse)
)
long <- long[order(long$dyad_id, long$role != "mentor"), ]
write.csv(long, file.path(out, "fiml_apim.csv"), row.names = FALSE)

apim_models <- list(
  free = "y_mentor ~ a_mentor*x_mentor + p_21*x_mentee
          y_mentee ~ a_mentee*x_mentee + p_12*x_mentor
          y_mentor ~~ y_mentee
          x_mentor ~~ x_mentee
          k_mentor := p_21/a_mentor
          k_mentee := p_12/a_mentee",
  equal_actor = "y_mentor ~ a*x_mentor + p_21*x_mentee
                 y_mentee ~ a*x_mentee + p_12*x_mentor
                 y_mentor ~~ y_mentee
                 x_mentor ~~ x_mentee
                 k_mentor := p_21/a
                 k_mentee := p_12/a",
  covariate = "y_mentor ~ a_mentor*x_mentor + p_21*x_mentee + reverse
               y_mentee ~ a_mentee*x_mentee + p_12*x_mentor + reverse
               y_mentor ~~ y_mentee
               x_mentor ~~ x_mentee + reverse
               x_mentee ~~ reverse
               k_mentor := p_21/a_mentor
               k_mentee := p_12/a_mentee"
)
apim <- list()
for (nm in names(apim_models)) {
  f <- sem(apim_models[[nm]], data = w, missing = "ml", fixed.x = FALSE)
  tight <- sem(apim_models[[nm]], data = w, missing = "ml", fixed.x = FALSE,
               optim.method = "BFGS", control = list(rel.tol = 1e-14),
               em.h1.tol = 1e-12, em.h1.iter.max = 50000)
  apim[[nm]] <- list(default = est_of(f), tight = est_of(tight),
                     nobs = lavInspect(f, "nobs"), ntotal = nrow(w),
                     n_patterns = nrow(lavInspect(f, "patterns")),
                     loglik = as.numeric(fitMeasures(tight, "logl")),
                     df = as.numeric(fitMeasures(f, "df")))
}
lr <- lavTestLRT(sem(apim_models$free, data = w, missing = "ml", fixed.x = FALSE),
                 sem(apim_models$equal_actor, data = w, missing = "ml", fixed.x = FALSE))
apim$lr_equal_actor <- list(chisq = lr$`Chisq diff`[2], df = lr$`Df diff`[2],
                            p = lr$`Pr(>Chisq)`[2])

res <- list(
  lavaan_version = as.character(packageVersion("lavaan")),
  mediation = fits, bootstrap = boot, apim = apim
)
writeLines(toJSON(res, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           file.path(out, "fiml_mediation.json"))
writeLines(capture.output(sessionInfo()),
           file.path(out, "sessionInfo_make_fiml_mediation_reference.txt"))
