# Chi-square tests of independence for clustered data: Rao & Scott (1981, 1984) corrections of
# Pearson's X^2 as survey::svychisq computes them (cluster sample, one stage, equal weights).
# Usage: Rscript make_contingency_reference.R OUTDIR   (from tests/reference: Rscript make_contingency_reference.R .)
# Needs Debian packages: r-base-core r-cran-survey r-cran-jsonlite
suppressMessages({library(survey); library(jsonlite)})
args <- commandArgs(TRUE); out <- args[1]
wj <- function(x, f) write(toJSON(x, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"), file.path(out, f))
versions <- list(R = R.version.string, survey = as.character(packageVersion("survey")))
data(api)
d <- apiclus1[, c("dnum", "snum", "stype", "sch.wide", "awards", "api00")]
d$api00_q <- as.character(cut(d$api00, quantile(d$api00, 0:4 / 4), include.lowest = TRUE,
  labels = c("q1", "q2", "q3", "q4")))
d$stype <- as.character(d$stype); d$sch.wide <- as.character(d$sch.wide)
d$awards <- as.character(d$awards)
names(d) <- sub("sch.wide", "sch_wide", names(d))
write.csv(d, file.path(out, "apiclus1.csv"), row.names = FALSE)
des <- svydesign(ids = ~dnum, data = d, weights = rep(1, nrow(d)))  # equal weights: unweighted counts
case <- function(row, col) {
  f <- as.formula(paste("~", row, "+", col))
  rs2 <- svychisq(f, des, statistic = "F")
  rs1 <- svychisq(f, des, statistic = "Chisq")
  pe <- chisq.test(table(d[[row]], d[[col]]), correct = FALSE)
  list(row = row, col = col, n = nrow(d), clusters = length(unique(d$dnum)),
    pearson = unname(pe$statistic), pearson_df = unname(pe$parameter), pearson_p = pe$p.value,
    first_order_p = rs1$p.value,
    f = unname(rs2$statistic), f_ndf = unname(rs2$parameter["ndf"]),
    f_ddf = unname(rs2$parameter["ddf"]), f_p = rs2$p.value)
}
res <- list(versions = versions, data = "apiclus1.csv", cluster = "dnum",
  cases = list(case("sch_wide", "stype"), case("stype", "awards"), case("sch_wide", "api00_q"),
    case("api00_q", "stype")))
res$notes <- paste("survey::api apiclus1 (one-stage cluster sample of school districts);",
  "svydesign(ids = ~dnum, weights = 1): equal weights, clusters as PSUs, no strata or fpc.",
  "F: second-order Rao-Scott (X^2 / tr(Delta) on F(d0, d0 * (J - 1)));",
  "first_order_p: pchisq(X^2 / mean(diag(Delta)), (r - 1)(c - 1)).")
wj(res, "contingency_rao_scott.json")
writeLines(capture.output(sessionInfo()), file.path(out, "sessionInfo_make_contingency_reference.txt"))
