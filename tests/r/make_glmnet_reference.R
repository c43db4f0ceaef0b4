# Generates the R glmnet reference paths that tests/test_path.py compares fastreg against.
# Run from the repository root:  Rscript tests/r/make_glmnet_reference.R
# Writes tests/data/glmnet/<case>_*.csv and tests/data/glmnet/manifest.csv (committed; R is not
# needed to run the tests). glmnet conventions kept in mind by the test: weights normalised to
# sum to 1, standardize = weighted population sd, penalty.factor rescaled to sum to nvars, box
# limits on the original scale, lambda on the scale of y.
#
# For family = "gaussian" glmnet also scales y by its weighted population sd `ys` (uncentred
# root mean square without intercept) before fitting and unscales afterwards. That leaves the
# lasso unchanged but makes its elastic net solve
#   1/2·Σw(y − a0 − xβ)² + λ·(α‖β‖₁ + (1 − α)/(2·ys)·‖β‖²)
# rather than the documented objective (the glmnet vignette's advice: supply a standardised
# y when comparing with other software). So the reference cases use y with ys = 1, except
# `enet_dense_raw_y`, which keeps the raw y and records ys so the test can map glmnet's
# (λ, α) to fastreg's (alpha, l1_ratio).
suppressPackageStartupMessages({
  library(glmnet)
  library(Matrix)
})
stopifnot(as.character(packageVersion("glmnet")) == "4.1.6")
out_dir <- file.path("tests", "data", "glmnet")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)

write_mat <- function(m, file) {
  m <- as.matrix(m)
  lines <- apply(m, 1, function(r) paste(sprintf("%.17g", r), collapse = ","))
  writeLines(lines, file.path(out_dir, file))
}
write_vec <- function(v, file) writeLines(sprintf("%.17g", v), file.path(out_dir, file))

make_x <- function(n, p, rho, sparse_density = NULL) {
  z <- matrix(rnorm(n * p), n, p)
  common <- rnorm(n)
  x <- sqrt(1 - rho) * z + sqrt(rho) * common
  x <- x * rep(runif(p, 0.5, 3), each = n) + rep(runif(p, -1, 1), each = n)
  if (!is.null(sparse_density)) {
    mask <- matrix(runif(n * p) < sparse_density, n, p)
    x <- Matrix(x * mask, sparse = TRUE)
  }
  x
}

cases <- list(
  list(name = "lasso_dense_n_gt_p", n = 80, p = 20, alpha = 1, intercept = TRUE, standardize = TRUE),
  list(name = "lasso_dense_p_gt_n", n = 30, p = 60, alpha = 1, intercept = TRUE, standardize = FALSE),
  list(name = "enet_dense_weights", n = 50, p = 30, alpha = 0.5, intercept = TRUE, standardize = TRUE, weights = TRUE),
  list(name = "lasso_dense_noint_std", n = 60, p = 25, alpha = 1, intercept = FALSE, standardize = TRUE),
  list(name = "enet_dense_noint_nostd", n = 40, p = 50, alpha = 0.5, intercept = FALSE, standardize = FALSE, weights = TRUE),
  list(name = "lasso_sparse_weights", n = 70, p = 40, alpha = 1, intercept = TRUE, standardize = TRUE, weights = TRUE, sparse = 0.25),
  list(name = "enet_sparse_p_gt_n", n = 35, p = 80, alpha = 0.5, intercept = TRUE, standardize = FALSE, sparse = 0.3),
  list(name = "lasso_sparse_noint", n = 60, p = 30, alpha = 1, intercept = FALSE, standardize = TRUE, sparse = 0.3),
  list(name = "lasso_penalty_factor", n = 60, p = 30, alpha = 1, intercept = TRUE, standardize = TRUE, pf = TRUE),
  list(name = "enet_penalty_factor_sparse", n = 50, p = 60, alpha = 0.5, intercept = TRUE, standardize = TRUE, pf = TRUE, sparse = 0.3, weights = TRUE),
  list(name = "lasso_bounds", n = 60, p = 20, alpha = 1, intercept = TRUE, standardize = TRUE, bounds = TRUE),
  list(name = "enet_bounds_p_gt_n", n = 30, p = 50, alpha = 0.5, intercept = TRUE, standardize = FALSE, bounds = TRUE, weights = TRUE),
  list(name = "lasso_positive_sparse", n = 60, p = 40, alpha = 1, intercept = TRUE, standardize = TRUE, positive = TRUE, sparse = 0.3),
  list(name = "lasso_pf_bounds_weights", n = 70, p = 25, alpha = 1, intercept = TRUE, standardize = TRUE, pf = TRUE, bounds = TRUE, weights = TRUE),
  list(name = "enet_dense_raw_y", n = 50, p = 30, alpha = 0.3, intercept = TRUE, standardize = TRUE, weights = TRUE, raw_y = TRUE)
)

# glmnet's internal response scale (weights normalised to sum to 1).
response_scale <- function(y, w, intercept) {
  w <- w / sum(w)
  if (intercept) sqrt(sum(w * (y - sum(w * y))^2)) else sqrt(sum(w * y^2))
}

manifest <- data.frame()
set.seed(20261127)
for (cs in cases) {
  n <- cs$n; p <- cs$p
  x <- make_x(n, p, 0.5, cs$sparse)
  beta <- c(3, -2, 1.5, 0, 0, 1, rep(0, p - 6)) * (runif(p) < 0.9)
  y <- as.numeric(x %*% beta) + 0.5 * rnorm(n) + 2
  w <- if (isTRUE(cs$weights)) runif(n, 0.2, 3) else rep(1, n)
  if (!isTRUE(cs$raw_y)) y <- y / response_scale(y, w, cs$intercept)
  ys <- response_scale(y, w, cs$intercept)
  pf <- rep(1, p)
  if (isTRUE(cs$pf)) {
    pf <- runif(p, 0.2, 2)
    pf[c(2, 5)] <- 0       # unpenalised (one true signal, one noise)
    pf[7] <- Inf           # excluded
  }
  lower <- rep(-Inf, p); upper <- rep(Inf, p)
  if (isTRUE(cs$bounds)) {
    lower[1:4] <- c(-1, -1, -0.5, 0)
    upper[1:4] <- c(2, 0.5, 1, 1)
    lower[seq(5, p, by = 3)] <- 0
  }
  if (isTRUE(cs$positive)) lower <- rep(0, p)
  fit <- glmnet(x, y, family = "gaussian", alpha = cs$alpha, weights = w,
                intercept = cs$intercept, standardize = cs$standardize,
                penalty.factor = pf, lower.limits = lower, upper.limits = upper,
                thresh = 1e-14, maxit = 1e7, nlambda = 50)
  nm <- cs$name
  if (!is.null(cs$sparse)) {
    xs <- summary(as(x, "CsparseMatrix"))
    write_mat(cbind(xs$i - 1, xs$j - 1, xs$x), paste0(nm, "_X_triplets.csv"))
  } else {
    write_mat(x, paste0(nm, "_X.csv"))
  }
  write_vec(y, paste0(nm, "_y.csv"))
  write_vec(w, paste0(nm, "_w.csv"))
  write_vec(pf, paste0(nm, "_pf.csv"))
  write_vec(lower, paste0(nm, "_lower.csv"))
  write_vec(upper, paste0(nm, "_upper.csv"))
  write_vec(fit$lambda, paste0(nm, "_lambda.csv"))
  write_vec(fit$a0, paste0(nm, "_a0.csv"))
  write_vec(fit$dev.ratio, paste0(nm, "_dev_ratio.csv"))
  write_mat(as.matrix(fit$beta), paste0(nm, "_beta.csv"))
  manifest <- rbind(manifest, data.frame(
    name = nm, n = n, p = p, alpha = cs$alpha, intercept = cs$intercept,
    standardize = cs$standardize, sparse = !is.null(cs$sparse),
    weights = isTRUE(cs$weights), pf = isTRUE(cs$pf),
    bounds = isTRUE(cs$bounds) || isTRUE(cs$positive), ys = sprintf("%.17g", ys),
    n_lambda = length(fit$lambda)))
}
write.csv(manifest, file.path(out_dir, "manifest.csv"), row.names = FALSE)
cat("wrote", nrow(manifest), "cases to", out_dir, "\n")
