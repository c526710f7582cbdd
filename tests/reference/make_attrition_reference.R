# Builds the fixture of the attrition analyses on the bundled data: the networks panel
# (participation flow, stayers vs drop-outs, the logistic model of dropping out, the paired change
# tests on the egos who answered at both waves) and Study 3's loss to follow-up (retained vs lost
# mentees with CR2 cluster-robust SEs). The network metrics are recomputed here from the alter
# table, independently of the toolkit.
# Usage: Rscript make_attrition_reference.R OUTDIR DATADIR
#   (from tests/reference: Rscript make_attrition_reference.R . ../../data)
# Needs Debian packages: r-base-core r-cran-jsonlite r-cran-effectsize r-cran-clubsandwich
suppressMessages({library(jsonlite); library(effectsize); library(clubSandwich)})
args <- commandArgs(TRUE); out <- args[1]; data_dir <- args[2]
dir.create(out, showWarnings = FALSE, recursive = TRUE)
wj <- function(x, f) write(toJSON(x, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"), file.path(out, f))
versions <- list(R = R.version.string, effectsize = as.character(packageVersion("effectsize")),
  clubSandwich = as.character(packageVersion("clubSandwich")), jsonlite = as.character(packageVersion("jsonlite")))

# ---------- networks: metrics per ego and wave, from the alter table ----------
al <- read.csv(file.path(data_dir, "networks_alters.csv"), stringsAsFactors = FALSE)
wv <- read.csv(file.path(data_dir, "networks_waves.csv"), stringsAsFactors = FALSE)
eg <- read.csv(file.path(data_dir, "networks_egos.csv"), stringsAsFactors = FALSE)
per_ego <- function(a) {
  do.call(rbind, lapply(split(a, a$ego_id), function(x) data.frame(
    ego_id = x$ego_id[1], size = nrow(x), strength = mean(x$closeness),
    share_up = mean(x$relative_level == "up"), share_down = mean(x$relative_level == "down"),
    blau_range = 1 - sum(prop.table(table(x$sphere))^2))))
}
m1 <- per_ego(al[al$wave == 1, ]); m2 <- per_ego(al[al$wave == 2, ])
r1 <- wv$ego_id[wv$wave == 1 & wv$responded == 1]; r2 <- wv$ego_id[wv$wave == 2 & wv$responded == 1]
flow <- list(invited = length(unique(wv$ego_id)), answered_1 = length(r1),
             answered_both = length(intersect(r1, r2)))

d <- merge(m1[m1$ego_id %in% r1, ], eg[, c("ego_id", "tenure")], by = "ego_id")
d$dropped_out <- as.integer(!(d$ego_id %in% r2))
d$status <- factor(ifelse(d$dropped_out == 1, "dropped out", "stayed"), levels = c("stayed", "dropped out"))
attrition <- list()
for (v in c("tenure", "size", "blau_range", "strength", "share_down")) {
  tt <- t.test(d[[v]] ~ d$status)  # Welch; stayed - dropped out
  g <- hedges_g(d[[v]] ~ d$status, pooled_sd = TRUE)
  attrition[[v]] <- list(estimate = unname(tt$estimate[1] - tt$estimate[2]), t = unname(tt$statistic),
    df = unname(tt$parameter), p_value = tt$p.value, hedges_g = g$Hedges_g, g_ci_low = g$CI_low,
    g_ci_high = g$CI_high)
}
fit <- glm(dropped_out ~ tenure + size + strength + share_down, family = binomial, data = d,
           control = glm.control(epsilon = 1e-14, maxit = 100))
logit <- list(term = c("Intercept", names(coef(fit))[-1]), estimate = unname(coef(fit)),
              se = unname(sqrt(diag(vcov(fit)))), n = nobs(fit))

both <- intersect(r1, r2)
a <- m1[match(both, m1$ego_id), ]; b <- m2[match(both, m2$ego_id), ]
change <- list()
for (v in c("size", "blau_range", "strength", "share_up", "share_down")) {
  tt <- t.test(b[[v]], a[[v]], paired = TRUE)
  change[[v]] <- list(estimate = unname(tt$estimate), t = unname(tt$statistic), df = unname(tt$parameter),
    p_value = tt$p.value, ci_low = tt$conf.int[1], ci_high = tt$conf.int[2], n = length(both))
}

# ---------- Study 3: retained vs lost mentees, CR2 cluster-robust ----------
me <- read.csv(file.path(data_dir, "study3_mentees.csv"), stringsAsFactors = FALSE)
items <- me[, c("hire_1", "hire_2", "hire_3")]
me$hireability <- ifelse(rowSums(!is.na(items)) >= 2, rowMeans(items, na.rm = TRUE), NA)  # min_answered .5
me$lost <- as.integer(is.na(me$hired_6m))
follow_up <- list(n = nrow(me), lost = sum(me$lost))
for (v in c("hireability", "mentee_age")) {
  x <- me[!is.na(me[[v]]), ]
  f <- lm(x[[v]] ~ x$lost)
  ct <- coef_test(f, vcov = "CR2", cluster = x$mentor_id, test = "Satterthwaite")
  # the toolkit reports retained - lost = minus the coefficient of the lost indicator
  follow_up[[v]] <- list(estimate = -ct$beta[2], se = ct$SE[2], df = ct$df_Satt[2], p_value = ct$p_Satt[2],
                         n = nrow(x))
}

wj(list(versions = versions, flow = flow, attrition = attrition, logit = logit, change = change,
        study3_follow_up = follow_up), "attrition_reference.json")
writeLines(capture.output(sessionInfo()), file.path(out, "sessionInfo_make_attrition_reference.txt"))
