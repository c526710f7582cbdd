# Strict invariance of the learning_direction scale by gender (study1, listwise-complete rows):
# a model whose optimum the package's Newton minimiser once failed to reach from lavaan's start
# values. Writes sem_convergence.json. Run from tests/reference with Rscript.
library(lavaan)
library(jsonlite)
d <- read.csv("study1_learning_direction.csv")
model <- "upward =~ ld_up_1 + ld_up_2 + ld_up_3 + ld_up_4
lateral =~ ld_lat_1 + ld_lat_2 + ld_lat_3 + ld_lat_4
downward =~ ld_down_1 + ld_down_2 + ld_down_3 + ld_down_4"
f <- cfa(model, d, group = "gender", group.equal = c("loadings", "intercepts", "residuals"))
fm <- fitMeasures(f, c("chisq", "df", "npar", "cfi", "rmsea"))
out <- list(
  model = model,
  data = "study1_learning_direction.csv",
  n = nobs(f),
  converged = lavInspect(f, "converged"),
  strict = as.list(unclass(fm))
)
write_json(out, "sem_convergence.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
writeLines(capture.output(sessionInfo()), "sessionInfo_make_sem_convergence_reference.txt")
