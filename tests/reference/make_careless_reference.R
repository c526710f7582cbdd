# Careless-responding indices on psychTools `bfi` (the rows of bfi.csv, with their NAs).
#
# CRAN's `careless` package (1.2.2) could not be installed where this was run (the CRAN index was
# unreachable and Debian does not package it), so the indices are computed here in base R from
# their published definitions, written to follow careless 1.2.2's documented behaviour:
#   longstring  careless::longstring: the longest run of rle() of the row (an NA is a run of its own)
#   irv         careless::irv: sd(row, na.rm = TRUE)
#   mahad       careless::mahad is psych::outlier (called here, psych is installed) on the rows
#               that are not all NA; its flag is d_sq > qchisq(confidence, ncol(x)) for every row
#   evenodd     careless::evenodd(x, factors): per factor the mean of the odd-positioned and of the
#               even-positioned items (na.rm); the within-person Pearson correlation of the two
#               half-score vectors across factors (pairwise complete), Spearman-Brown 2r / (1 + r),
#               values below -1 set to -1, and the sign flipped (careless >= 1.2.0: higher = more
#               careless)
#   psychsyn    careless::psychsyn(x, critval, resample_na = FALSE): item pairs whose pairwise
#               correlation exceeds critval (lower triangle: the later item first); per row the
#               Pearson correlation across the pairs both answered, NA unless more than 2 such pairs
# plus two indices careless does not have:
#   mahad_subset  D^2 of each row's answered items with the matching block of the pairwise
#                 covariance matrix (solve(S[o, o])), p from chi-square(number answered)
#   person_total  Curran (2016): the correlation of a row's answers with the item means of the
#                 other rows (each item's mean without the row), over the items the row answered
#
# evenodd, psychsyn and person_total use answers with the reverse-keyed items recoded
# (7 - x; psych's bfi.keys: A1 C4 C5 E1 E2 O2 O5); longstring, irv and mahad use raw answers.
#
# Run from this folder: Rscript make_careless_reference.R .   (reads bfi.csv written by make_reference.R)
suppressPackageStartupMessages({
  library(psych)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[1] else "."
bfi <- read.csv(file.path(out, "bfi.csv"))
items <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5), paste0("N", 1:5), paste0("O", 1:5))
x <- as.matrix(bfi[, items])
reverse <- c("A1", "C4", "C5", "E1", "E2", "O2", "O5")
xr <- x
xr[, reverse] <- 7 - xr[, reverse]
factors <- rep(5, 5)
n <- nrow(x)

longstring <- apply(x, 1, function(r) max(rle(r)$lengths))
irv <- apply(x, 1, sd, na.rm = TRUE)

# careless::mahad(x, plot = FALSE, flag = TRUE, confidence = .999)
all_na <- apply(x, 1, function(r) all(is.na(r)))
d_sq <- rep(NA_real_, n)
d_sq[!all_na] <- as.numeric(psych::outlier(x[!all_na, ], plot = FALSE, bad = 0, na.rm = TRUE))
mahad_careless_flag <- d_sq > qchisq(0.999, ncol(x))

# D^2 over each row's answered items with the matching sub-covariance
S <- cov(x, use = "pairwise")
xc <- sweep(x, 2, colMeans(x, na.rm = TRUE))
mahad_subset <- rep(NA_real_, n)
answered <- rowSums(!is.na(x))
for (i in seq_len(n)) {
  o <- !is.na(x[i, ])
  if (!any(o)) next
  v <- xc[i, o]
  mahad_subset[i] <- drop(t(v) %*% solve(S[o, o, drop = FALSE], v))
}
mahad_subset_p <- pchisq(mahad_subset, answered, lower.tail = FALSE)

evenodd_one <- function(r) {
  f <- matrix(NA_real_, length(factors), 2)
  start <- 1
  for (j in seq_along(factors)) {
    s <- r[start:(start + factors[j] - 1)]
    pos <- seq_along(s)
    f[j, 1] <- mean(s[pos %% 2 == 0], na.rm = TRUE)
    f[j, 2] <- mean(s[pos %% 2 == 1], na.rm = TRUE)
    start <- start + factors[j]
  }
  val <- suppressWarnings(cor(f[, 1], f[, 2], use = "pairwise.complete.obs"))
  val <- 2 * val / (1 + val)
  if (!is.na(val) && val < -1) val <- -1
  c(-val, sum(!is.na(rowSums(f))))
}
eo <- t(apply(xr, 1, evenodd_one))

psychsyn_pairs <- function(x, critval) {
  r <- cor(x, use = "pairwise.complete.obs")
  r[upper.tri(r, diag = TRUE)] <- NA
  which(r > critval, arr.ind = TRUE)  # (row = later item, col = earlier item)
}
psychsyn_one <- function(r, pairs) {
  a <- r[pairs[, 1]]
  b <- r[pairs[, 2]]
  ok <- !(is.na(a) | is.na(b))
  if (sum(ok) <= 2) return(c(NA_real_, sum(ok)))
  c(suppressWarnings(cor(a[ok], b[ok])), sum(ok))
}
critval <- 0.45
pairs <- psychsyn_pairs(xr, critval)
ps <- t(apply(xr, 1, psychsyn_one, pairs = pairs))

# person-total: correlation with the means of the other rows
col_sum <- colSums(xr, na.rm = TRUE)
col_n <- colSums(!is.na(xr))
person_total <- rep(NA_real_, n)
for (i in seq_len(n)) {
  o <- !is.na(xr[i, ])
  others <- (col_sum[o] - xr[i, o]) / (col_n[o] - 1)
  if (sum(o) >= 3) person_total[i] <- suppressWarnings(cor(xr[i, o], others))
}

res <- data.frame(
  id = bfi$id, answered = answered, longstring = longstring, irv = irv,
  mahad_careless = d_sq, mahad_careless_flag = mahad_careless_flag,
  mahad_subset = mahad_subset, mahad_subset_p = mahad_subset_p,
  evenodd_careless = eo[, 1], evenodd_factors = eo[, 2],
  psychsyn = ps[, 1], psychsyn_pairs = ps[, 2], person_total = person_total
)
write.csv(res, file.path(out, "careless_bfi.csv"), row.names = FALSE, na = "")
meta <- list(
  items = items, reverse = reverse, factors = factors, response = c(1, 6),
  mahad_confidence = 0.999, mahad_careless_cut = qchisq(0.999, ncol(x)),
  mahad_subset_cut_by_answered = setNames(
    as.list(qchisq(0.999, sort(unique(answered)))), sort(unique(answered))
  ),
  psychsyn_critval = critval,
  psychsyn_item_pairs = lapply(seq_len(nrow(pairs)), function(k) items[pairs[k, ]]),
  psychsyn_pairs_at_60 = nrow(psychsyn_pairs(xr, 0.60))
)
writeLines(toJSON(meta, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           file.path(out, "careless_bfi.json"))
writeLines(capture.output(sessionInfo()), file.path(out, "sessionInfo_make_careless_reference.txt"))
