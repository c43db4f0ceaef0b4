# R glmnet peer of the fastreg solver benchmark (called by benches/run.py, not by hand).
# Reads the problem from binary files in the directory given as the only argument, fits the
# Lasso path once per tolerance of the ladder, and writes timings measured inside R (start-up
# and data loading excluded) and the coefficients for the harness to score.
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "glmnet_data.R"))
tols <- nums("tols")
repeats <- num("repeats"); budget <- num("budget"); total_budget <- num("total_budget")

# fdev = 0 and devmax = 1 switch off glmnet's early exits, so the whole grid is fitted.
glmnet.control(fdev = 0, devmax = 1)
# standardize = FALSE: the objective is 1/(2n) RSS + lambda ||w||_1 with lambda as given.
fit_path <- function(thresh) {
  glmnet(x, y, family = "gaussian", alpha = 1, lambda = lambda, standardize = FALSE,
         intercept = TRUE, thresh = thresh)
}
clock <- function() as.numeric(Sys.time())

invisible(fit_path(tols[1]))  # warm-up
spent <- 0
for (k in seq_along(tols)) {
  times <- numeric(0)
  for (r in seq_len(repeats)) {
    t0 <- clock()
    fit <- fit_path(tols[k])
    times <- c(times, clock() - t0)
    if (times[1] > budget) break  # one run is all a slow rung gets
  }
  beta <- summary(as(fit$beta, "CsparseMatrix"))  # 1-based (i, j, x) triplets
  out <- function(name, v, size = NA_integer_) {
    con <- file(file.path(dir, sprintf("%s_%d.bin", name, k)), "wb")
    writeBin(v, con, size = size, endian = "little")
    close(con)
  }
  out("beta_i", as.integer(beta$i - 1L), 4)
  out("beta_j", as.integer(beta$j - 1L), 4)
  out("beta_x", as.double(beta$x))
  out("a0", as.double(fit$a0))
  writeLines(as.character(length(fit$lambda)), file.path(dir, sprintf("nlambda_%d.txt", k)))
  # times last: its presence tells the harness the rung is complete.
  writeLines(format(times, digits = 17), file.path(dir, sprintf("times_%d.txt", k)))
  spent <- spent + sum(times)
  if (median(times) > budget || spent > total_budget) break
}
