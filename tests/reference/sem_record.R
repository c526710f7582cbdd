# Helpers shared by make_sem_extended_reference.R and make_sem_fixed_x_reference.R (sourced):
# record() writes a lavaan fit in the layout tests/_sem_agreement.py reads, tight() refits the
# same model to lavaan's exact optimum, with_tight() does both.
record <- function(fit, model, call, data) {
  pe <- parameterEstimates(fit, ci = TRUE, level = 0.95)
  std <- standardizedSolution(fit)
  pt <- parTable(fit)
  keep <- pt$op != "=="
  opts <- lavInspect(fit, "options")
  r <- list(model = model, call = call, data = data,
    converged = lavInspect(fit, "converged"), npar = lavInspect(fit, "npar"),
    nobs = as.list(lavInspect(fit, "nobs")), norig = as.list(lavInspect(fit, "norig")),
    group_label = as.list(lavInspect(fit, "group.label")),
    options = list(information = opts$information[1], observed.information = opts$observed.information[1],
      h1.information = opts$h1.information[1], se = opts$se, test = opts$test, estimator = opts$estimator,
      missing = opts$missing, fixed.x = opts$fixed.x, meanstructure = opts$meanstructure,
      optim.method = opts$optim.method, em.h1.tol = opts$em.h1.tol, em.h1.iter.max = opts$em.h1.iter.max),
    parameters = data.frame(lhs = pe$lhs, op = pe$op, rhs = pe$rhs,
      group = if (is.null(pe$group)) 1L else pe$group,
      label = if (is.null(pe$label)) "" else pe$label,
      est = pe$est, se = pe$se, z = pe$z, pvalue = pe$pvalue, ci_lower = pe$ci.lower, ci_upper = pe$ci.upper,
      std_all = std$est.std),
    partable = data.frame(lhs = pt$lhs[keep], op = pt$op[keep], rhs = pt$rhs[keep], group = pt$group[keep],
      user = pt$user[keep], free = pt$free[keep], exo = pt$exo[keep], label = pt$label[keep],
      est = pt$est[keep]),
    fit = as.list(fitMeasures(fit)))
  if (opts$missing == "ml") {
    ng <- lavInspect(fit, "ngroups")
    r$patterns <- lapply(seq_len(ng), function(g) {
      mp <- fit@Data@Mp[[g]]
      list(freq = mp$freq, observed = unname(split(mp$pat, row(mp$pat))), empty = length(mp$empty.idx))
    })
    r$empty_idx <- lavInspect(fit, "empty.idx")
  }
  r
}
# The same model with lavaan's optimiser pushed to its limit (BFGS, relative tolerance 1e-14) and,
# with missing data, the EM algorithm of the saturated (H1) model run to 1e-12: lavaan's default
# stops leave estimates about 1e-4 of a standard error from the optimum.
tight <- function(refit) {
  ft <- refit(optim.method = "BFGS", control = list(reltol = 1e-14, maxit = 10000),
    em.h1.tol = 1e-12, em.h1.iter.max = 100000)
  pe <- parameterEstimates(ft)
  fm <- fitMeasures(ft)
  list(call = paste("the same call with optim.method = 'BFGS', control = list(reltol = 1e-14, maxit = 10000),",
      "em.h1.tol = 1e-12, em.h1.iter.max = 100000"),
    converged = lavInspect(ft, "converged"), iterations = lavInspect(ft, "iterations"),
    est = pe$est, se = pe$se, std_all = standardizedSolution(ft)$est.std, fit = as.list(fm))
}
with_tight <- function(refit, ...) { r <- record(refit(), ...); r$tight <- tight(refit); r }

