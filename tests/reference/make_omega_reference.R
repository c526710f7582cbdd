# Omega total two ways on the same one-factor ML loadings: the model-implied denominator
# (sum L)^2 + sum(u2) and psych::omega()'s observed denominator Vt = sum(R).
# Usage: Rscript make_omega_reference.R OUTDIR   (from tests/reference: Rscript make_omega_reference.R .)
# Needs Debian packages: r-base-core r-cran-psych r-cran-psychtools r-cran-gparotation r-cran-jsonlite
# Reads bfi.csv (written by make_reference.R from psychTools::bfi) so both use the same rows.
suppressMessages({library(psych); library(GPArotation); library(jsonlite)})
args <- commandArgs(TRUE); out <- args[1]
wj <- function(x, f) write(toJSON(x, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"), file.path(out, f))
versions <- list(R = R.version.string, psych = as.character(packageVersion("psych")),
  GPArotation = as.character(packageVersion("GPArotation")))
bfi <- read.csv(file.path(out, "bfi.csv"))
keys <- list(agree = c("-A1","A2","A3","A4","A5"), conscientious = c("C1","C2","C3","-C4","-C5"),
  extraversion = c("-E1","-E2","E3","E4","E5"), neuroticism = c("N1","N2","N3","N4","N5"),
  openness = c("O1","-O2","O3","O4","-O5"))
res <- list(versions = versions, data = "bfi.csv", response_min = 1, response_max = 6, scales = list())
for (s in names(keys)) {
  k <- keys[[s]]; items <- sub("^-", "", k); rev <- grepl("^-", k)
  x <- bfi[, items]
  x[, rev] <- 1 + 6 - x[, rev]                      # reverse keying as min + max - x
  f1 <- fa(x, nfactors = 1, fm = "ml")               # pairwise correlations (fa's default)
  L <- as.numeric(f1$loadings); U <- f1$uniquenesses
  om <- suppressWarnings(suppressMessages(omega(x, nfactors = 1, fm = "ml", plot = FALSE)))
  R <- cor(x, use = "pairwise")
  res$scales[[s]] <- list(items = I(items), reversed = I(items[rev]),
    loadings_1factor_ml = setNames(as.list(L), items),
    omega_model = sum(L)^2 / (sum(L)^2 + sum(U)),
    omega_psych = om$omega.tot,
    vt_sum_r = sum(R))
}
res$notes <- paste("Items reversed as 7 - x before fitting. omega_model = (sum L)^2 / ((sum L)^2 + sum(u2))",
  "from fa(x, 1, fm = 'ml'); omega_psych = omega(x, nfactors = 1, fm = 'ml')$omega.tot =",
  "(sum(R) - sum(u2)) / sum(R), R the pairwise correlation matrix.")
wj(res, "omega_reference.json")
writeLines(capture.output(sessionInfo()), file.path(out, "sessionInfo_make_omega_reference.txt"))
