# Shared by the R peers (glmnet_bench.R, cvglmnet_bench.R): reads config.txt and the problem
# (y, the lambda grid, dense or CSC X) from the binary files the Python harness wrote into the
# directory given as the script's only argument.
suppressPackageStartupMessages({
  library(Matrix)
  library(glmnet)
})

dir <- commandArgs(trailingOnly = TRUE)[1]
cfg_lines <- strsplit(readLines(file.path(dir, "config.txt")), " ", fixed = TRUE)
cfg <- setNames(lapply(cfg_lines, `[`, 2), vapply(cfg_lines, `[`, "", 1))
num <- function(key) as.numeric(cfg[[key]])
nums <- function(key) as.numeric(strsplit(cfg[[key]], ",", fixed = TRUE)[[1]])

read_bin <- function(name, what, n, size = NA_integer_) {
  con <- file(file.path(dir, name), "rb")
  on.exit(close(con))
  readBin(con, what, n = n, size = size, endian = "little")
}

n <- num("n"); p <- num("p"); nlam <- num("nlam")
y <- read_bin("y.bin", "double", n)
lambda <- read_bin("lambda.bin", "double", nlam)
if (num("sparse") == 1) {
  nnz <- num("nnz")
  x <- sparseMatrix(i = read_bin("indices.bin", "integer", nnz, 4),
                    p = read_bin("indptr.bin", "integer", p + 1, 4),
                    x = read_bin("data.bin", "double", nnz),
                    index1 = FALSE, dims = c(n, p))
} else {
  x <- matrix(read_bin("X.bin", "double", n * p), n, p)
}
