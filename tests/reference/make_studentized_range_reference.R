# The studentized range distribution: R's ptukey (both tails) and qtukey on a grid of k, df
# (integer, non-integer Welch-type, large, Inf) and q, for learning_direction's own vectorised
# ptukey/qtukey (models/_studentized_range.py, used by ld.games_howell).
# Usage: Rscript make_studentized_range_reference.R OUTDIR   (from tests/reference: Rscript make_studentized_range_reference.R .)
# Needs Debian packages: r-base-core r-cran-jsonlite
suppressMessages(library(jsonlite))
args <- commandArgs(TRUE); out <- args[1]
wj <- function(x, f) write(toJSON(x, auto_unbox = TRUE, digits = NA, pretty = FALSE, na = "null"), file.path(out, f))

ks <- c(2:10, 20)
dfs <- c(2, 3, 5, 10, 20.5, 50, 120, 1000, Inf)
lower_p <- c(0.001, 0.01, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999)   # q at these lower-tail quantiles
far <- c(1.5, 2, 3, 5, 10, 30)                                 # and these multiples of q(0.999):
# the far upper tail (p from about 1e-4 down to 1e-40), where R's 1 - lower loses digits

rows <- list()
quant <- list()
for (k in ks) for (df in dfs) {
  q999 <- qtukey(0.999, k, df)
  q <- suppressWarnings(c(0.05, qtukey(lower_p, k, df), far * q999))
  q <- q[is.finite(q)]  # qtukey(0.001) fails to converge (NaN) for some k, df: left out
  rows[[length(rows) + 1]] <- data.frame(k = k, df = df, q = q,
    lower = ptukey(q, k, df), upper = ptukey(q, k, df, lower.tail = FALSE))
  pq <- c(0.5, 0.9, 0.95, 0.99, 0.999)
  quant[[length(quant) + 1]] <- data.frame(k = k, df = df, p = pq, q = qtukey(pq, k, df))
}
grid <- do.call(rbind, rows)
qt <- do.call(rbind, quant)
# JSON has no Inf: df = Inf is written as null
grid$df[is.infinite(grid$df)] <- NA
qt$df[is.infinite(qt$df)] <- NA

wj(list(
  versions = list(R = R.version.string),
  notes = paste(
    "ptukey(q, nmeans = k, df) with nranges = 1: lower = P(Q <= q), upper = lower.tail = FALSE",
    "(R computes it as 1 - lower). q: 0.05, qtukey at lower-tail p in", paste(lower_p, collapse = ", "),
    "and", paste(far, collapse = ", "), "times qtukey(0.999).",
    "(qtukey(0.001) rows are left out where R returns NaN.)",
    "quantiles: qtukey(p, k, df), which stops when successive secant iterates differ by < 1e-4.",
    "df null = Inf."),
  ptukey = grid, qtukey = qt), "studentized_range.json")
writeLines(capture.output(sessionInfo()), file.path(out, "sessionInfo_make_studentized_range_reference.txt"))
