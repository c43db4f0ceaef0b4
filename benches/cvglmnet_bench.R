# R cv.glmnet peer of benches/bench_cv.py (called by it, not by hand).
# Reads the problem, the fold ids and the lambda grid from binary files in the directory given
# as the only argument, runs cv.glmnet once per elastic-net mixing value (cv.glmnet takes a
# single alpha) and per thresh, and writes, for every finished repeat, the time measured inside
# R (start-up and data loading excluded), cvm, cvsd, lambda.min and lambda.1se. Single thread:
# parallel = FALSE (the caller also sets the BLAS thread variables to 1).
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "glmnet_data.R"))
foldid <- read_bin("foldid.bin", "integer", n, 4)  # 1-based
mixes <- nums("alphas")  # glmnet's alpha = scikit-learn's l1_ratio
threshes <- nums("threshes")
repeats <- num("repeats"); budget <- num("budget")

# fdev = 0 and devmax = 1 switch off glmnet's early exits, so that every fold is fitted over the
# whole grid, as scikit-learn and fastreg do.
glmnet.control(fdev = 0, devmax = 1)
clock <- function() as.numeric(Sys.time())

# Warm-up (untimed): the first three lambdas, one mixing value.
invisible(cv.glmnet(x, y, lambda = lambda[1:3], foldid = foldid, alpha = mixes[1],
                    standardize = FALSE, intercept = TRUE, parallel = FALSE))

for (k in seq_along(threshes)) {
  spent <- 0
  for (r in seq_len(repeats)) {
    t_all <- 0
    cpu0 <- proc.time()
    for (m in seq_along(mixes)) {
      t0 <- clock()
      fit <- cv.glmnet(x, y, lambda = lambda, foldid = foldid, alpha = mixes[m],
                       family = "gaussian", type.measure = "mse", standardize = FALSE,
                       intercept = TRUE, thresh = threshes[k], parallel = FALSE)
      t1 <- clock() - t0
      t_all <- t_all + t1
      if (r == 1) {
        stopifnot(length(fit$lambda) == nlam)
        base <- file.path(dir, sprintf("t%d_m%d", k, m))
        writeLines(format(fit$cvm, digits = 17), paste0(base, "_cvm.txt"))
        writeLines(format(fit$cvsd, digits = 17), paste0(base, "_cvsd.txt"))
        writeLines(format(c(fit$lambda.min, fit$lambda.1se), digits = 17),
                   paste0(base, "_choice.txt"))
      }
      # Each fit's time, appended as it finishes, so a killed run keeps what it measured.
      cat(sprintf("%d %d %.17g\n", r, m, t1), file = file.path(dir, sprintf("t%d_fits.txt", k)),
          append = TRUE)
    }
    cpu <- proc.time() - cpu0  # user + system time of this R process over the repeat
    cat(sprintf("%.17g\n", cpu[["user.self"]] + cpu[["sys.self"]]),
        file = file.path(dir, sprintf("t%d_cpu.txt", k)), append = TRUE)
    # The repeat's total (all mixing values) last: its line marks the repeat complete.
    cat(sprintf("%.17g\n", t_all), file = file.path(dir, sprintf("t%d_times.txt", k)),
        append = TRUE)
    spent <- spent + t_all
    if (spent > budget) break  # no further repeat once this thresh has used the budget
  }
}
