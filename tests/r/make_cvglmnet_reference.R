# Generates the R cv.glmnet references that tests/test_cv.py compares fastreg's CV against.
# Run from the repository root:  Rscript tests/r/make_cvglmnet_reference.R
# Writes tests/data/cvglmnet/<case>_*.csv (committed; R is not needed to run the tests).
#
# Conventions kept so that cv.glmnet and fastreg solve the same problems on the same folds:
# a fixed `foldid` with equal fold sizes (cv.glmnet weights each fold's error by the fold's
# total observation weight; with weights, they are rescaled within each fold so every fold has
# the same total, and the weighted mean over folds equals scikit-learn's plain mean);
# standardize = FALSE; thresh = 1e-14; the λ sequence of a first glmnet fit passed explicitly;
# lasso only (alpha = 1): for the elastic net glmnet rescales y by its sd within each training
# fold, which changes the ridge part of the objective fold by fold.
suppressPackageStartupMessages({
  library(glmnet)
  library(Matrix)
})
stopifnot(as.character(packageVersion("glmnet")) == "4.1.6")
out_dir <- file.path("tests", "data", "cvglmnet")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)

write_mat <- function(m, file) {
  m <- as.matrix(m)
  lines <- apply(m, 1, function(r) paste(sprintf("%.17g", r), collapse = ","))
  writeLines(lines, file.path(out_dir, file))
}
write_vec <- function(v, file) writeLines(sprintf("%.17g", v), file.path(out_dir, file))

cases <- list(
  list(name = "lasso_dense", n = 100, p = 30, nfolds = 5, intercept = TRUE),
  list(name = "lasso_dense_weights", n = 120, p = 40, nfolds = 4, intercept = TRUE, weights = TRUE),
  list(name = "lasso_sparse", n = 90, p = 50, nfolds = 3, intercept = TRUE, sparse = 0.3),
  list(name = "lasso_dense_noint", n = 80, p = 20, nfolds = 10, intercept = FALSE)
)

set.seed(20261127)
for (cs in cases) {
  n <- cs$n
  p <- cs$p
  z <- matrix(rnorm(n * p), n, p)
  x <- 0.7 * z + 0.3 * rnorm(n)
  if (!is.null(cs$sparse)) {
    x <- Matrix(x * (matrix(runif(n * p), n, p) < cs$sparse), sparse = TRUE)
  }
  beta <- c(3, -2, 1.5, 1, -1, rep(0, p - 5))
  y <- as.numeric(x %*% beta) + 2 * rnorm(n) + 1
  foldid <- sample(rep(seq_len(cs$nfolds), length.out = n))
  w <- rep(1, n)
  if (isTRUE(cs$weights)) {
    w <- runif(n, 0.2, 2)
    for (k in seq_len(cs$nfolds)) w[foldid == k] <- w[foldid == k] / sum(w[foldid == k])
  }
  first <- glmnet(x, y, weights = w, alpha = 1, standardize = FALSE,
                  intercept = cs$intercept, thresh = 1e-14, nlambda = 60)
  lambda <- first$lambda
  cvfit <- cv.glmnet(x, y, weights = w, alpha = 1, standardize = FALSE,
                     intercept = cs$intercept, thresh = 1e-14, lambda = lambda,
                     foldid = foldid, type.measure = "mse", maxit = 1e7)
  if (is.null(cs$sparse)) {
    write_mat(x, paste0(cs$name, "_X.csv"))
  } else {
    tr <- summary(as(x, "CsparseMatrix"))
    write_mat(cbind(tr$i, tr$j, tr$x), paste0(cs$name, "_X_triplets.csv"))
  }
  write_vec(y, paste0(cs$name, "_y.csv"))
  write_vec(w, paste0(cs$name, "_w.csv"))
  write_vec(foldid, paste0(cs$name, "_foldid.csv"))
  write_vec(cvfit$lambda, paste0(cs$name, "_lambda.csv"))
  write_vec(cvfit$cvm, paste0(cs$name, "_cvm.csv"))
  write_vec(cvfit$cvsd, paste0(cs$name, "_cvsd.csv"))
  write_vec(cvfit$nzero, paste0(cs$name, "_nzero.csv"))
  write_vec(c(cvfit$lambda.min, cvfit$lambda.1se), paste0(cs$name, "_lambda_min_1se.csv"))
}
writeLines(c("name,n,p,nfolds,intercept",
             sapply(cases, function(cs) paste(cs$name, cs$n, cs$p, cs$nfolds, cs$intercept, sep = ","))),
           file.path(out_dir, "manifest.csv"))
