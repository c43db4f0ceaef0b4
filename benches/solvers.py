"""Solver adapters of the benchmark: each fits the whole λ grid of a problem with an intercept
and returns ``(W, b)``, coefficients ``(n_features, n_lambdas)`` (dense or sparse) and
intercepts, so that the harness scores every solver with the same objective. Each peer is
optional; ``unavailable()`` says why one is skipped. Tolerances are in each solver's own units,
so each runs over a ladder of its own and accuracy is measured by the harness.

λ conventions (all verified by the harness evaluating the objective, see ``run.py``):
fastreg, scikit-learn, celer and skglm minimise ``1/(2n)‖y − Xw − b‖² + α‖w‖₁``: α = λ.
glmnet (R and glmnet-rs), ``standardize=FALSE``, minimises ``1/(2n)·RSS + λ‖w‖₁``: λ as is
(glmnet scales y by its sd internally and scales λ with it, which leaves the problem unchanged).
adelie's Gaussian loss carries weights summing to 1, i.e. ``1/(2n)·RSS``, and a penalty factor
of √(group size) = 1 for singleton groups: λ as is.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp

HERE = Path(__file__).resolve().parent

# Gap-type tolerances (fastreg, scikit-learn, celer, skglm) and glmnet-type ones.
GAP_LADDER = [1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-8, 1e-10]
GLMNET_LADDER = [1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-10, 1e-12]


@contextlib.contextmanager
def _quiet():
    """Non-convergence at loose tolerances is expected here: it is what the ladder measures."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _centre_dense(X, y):
    """Explicit centring for peers whose path function fits no intercept (timed: it is part of
    solving the problem with an intercept through that API)."""
    x_mean = X.mean(axis=0)
    y_mean = y.mean()
    return np.asfortranarray(X - x_mean), y - y_mean, x_mean, y_mean


class Solver:
    name = ""
    tols: list[float] = GAP_LADDER
    default_tol = 1e-4
    default_max_iter: int | None = None
    external = False  # times itself (R): run_ladder instead of run
    note = ""

    def unavailable(self) -> str | None:
        return None

    def prepare(self, ds, threads: int):
        """Untimed set-up: a layout the peer prefers, done once per problem."""
        return ds

    def max_iter(self, tol: float) -> int | None:
        """Library default at and above the default tolerance; tighter rungs get 10× more so
        that the tolerance, not the iteration cap, decides when they stop."""
        if self.default_max_iter is None:
            return None
        return self.default_max_iter if tol >= self.default_tol else 10 * self.default_max_iter

    def run(self, ctx, tol: float):
        raise NotImplementedError


def _module_missing(name: str) -> str | None:
    return None if importlib.util.find_spec(name) else f"python package {name!r} not installed"


class Fastreg(Solver):
    """fastreg's own path API, ``fastreg.path`` (intercept fitted, X never centred or copied,
    covariance mode chosen by ``precompute='auto'``). Its ``tol`` is relative: each point's
    duality gap is at most tol × its objective; its default is 1e-6."""

    name = "fastreg"
    tols = [1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-10]
    default_tol = 1e-6
    default_max_iter = 100_000

    def unavailable(self):
        return _module_missing("fastreg")

    def prepare(self, ds, threads):
        import fastreg

        self.fastreg = fastreg
        self.threads = threads
        return ds

    def run(self, ds, tol):
        with _quiet():
            fit = self.fastreg.path(
                ds.X,
                ds.y,
                alphas=ds.lambdas,
                tol=tol,
                max_iter=self.max_iter(tol),
                n_jobs=self.threads,
            )
        coefs = fit.coef_.toarray() if sp.issparse(fit.coef_) else np.asarray(fit.coef_)
        return coefs, np.asarray(fit.intercept_)


class Sklearn(Solver):
    """scikit-learn's ``lasso_path`` (cyclic CD, warm starts along the grid) on centred data,
    as its own ``LassoCV`` calls it: dense X centred, sparse X through ``X_offset``;
    ``precompute='auto'`` (Gram matrix when n > p)."""

    name = "scikit-learn"
    default_max_iter = 1000

    def unavailable(self):
        return _module_missing("sklearn")

    def run(self, ds, tol):
        from sklearn.linear_model import lasso_path

        with _quiet():
            kw = dict(alphas=ds.lambdas, tol=tol, max_iter=self.max_iter(tol))
            if sp.issparse(ds.X):
                x_mean = np.asarray(ds.X.mean(axis=0)).ravel()
                y_mean = ds.y.mean()
                _, coefs, _ = lasso_path(
                    ds.X,
                    ds.y - y_mean,
                    X_offset=x_mean,
                    X_scale=np.ones_like(x_mean),
                    **kw,
                )
            else:
                Xc, yc, x_mean, y_mean = _centre_dense(ds.X, ds.y)
                _, coefs, _ = lasso_path(Xc, yc, **kw)
            return coefs, y_mean - x_mean @ coefs


class Celer(Solver):
    """celer's ``celer_path`` (working sets + dual extrapolation) with the ``celer.Lasso``
    defaults (tol 1e-4, max_iter 100, prune); centring as scikit-learn's."""

    name = "celer"
    default_max_iter = 100

    def unavailable(self):
        return _module_missing("celer")

    def run(self, ds, tol):
        from celer import celer_path

        with _quiet():
            kw = dict(alphas=ds.lambdas, tol=tol, max_iter=self.max_iter(tol), prune=True)
            if sp.issparse(ds.X):
                x_mean = np.asarray(ds.X.mean(axis=0)).ravel()
                y_mean = ds.y.mean()
                _, coefs, _ = celer_path(
                    ds.X,
                    ds.y - y_mean,
                    "lasso",
                    X_offset=x_mean,
                    X_scale=np.ones_like(x_mean),
                    **kw,
                )
            else:
                Xc, yc, x_mean, y_mean = _centre_dense(ds.X, ds.y)
                _, coefs, _ = celer_path(Xc, yc, "lasso", **kw)
            return coefs, y_mean - x_mean @ coefs


class Skglm(Solver):
    """skglm's ``Lasso`` (Anderson-accelerated working-set CD, intercept fitted by the solver)
    with ``warm_start=True`` over the grid. Numba compiles on the warm-up run."""

    name = "skglm"
    default_max_iter = 50

    def unavailable(self):
        return _module_missing("skglm")

    def run(self, ds, tol):
        from skglm import Lasso

        with _quiet():
            est = Lasso(
                alpha=ds.lambdas[0],
                tol=tol,
                max_iter=self.max_iter(tol),
                fit_intercept=True,
                warm_start=True,
            )
            W = np.empty((ds.X.shape[1], len(ds.lambdas)))
            b = np.empty(len(ds.lambdas))
            for k, lam in enumerate(ds.lambdas):
                est.alpha = lam
                est.fit(ds.X, ds.y)
                W[:, k] = est.coef_
                b[k] = est.intercept_
            return W, b


class GlmnetRs(Solver):
    """glmnet-rs (glmnet's CD ported to Rust): ``glmnetrs.glmnet(x, y, lambda_=grid,
    standardize=False, thresh=tol)``. Its dense entry point wants a C-ordered array, given
    once, untimed."""

    name = "glmnet-rs"
    tols = GLMNET_LADDER
    default_tol = 1e-7
    default_max_iter = 100_000

    def unavailable(self):
        return _module_missing("glmnetrs")

    def max_iter(self, tol):
        return self.default_max_iter  # maxit counts all passes over the path: already ample

    def prepare(self, ds, threads):
        import copy

        ctx = copy.copy(ds)
        if not sp.issparse(ds.X):
            ctx.X = np.ascontiguousarray(ds.X)
        return ctx

    def run(self, ds, tol):
        from glmnetrs import glmnet

        path = glmnet(
            ds.X,
            ds.y,
            family="gaussian",
            alpha=1.0,
            lambda_=ds.lambdas,
            standardize=False,
            intercept=True,
            thresh=tol,
            maxit=self.max_iter(tol),
        )
        return np.asarray(path.beta), np.asarray(path.a0)


class Adelie(Solver):
    """adelie's ``grpnet`` with singleton groups (the Lasso), ``adelie.matrix.dense`` /
    ``adelie.matrix.sparse`` views, the grid passed as ``lmda_path`` and ``early_exit=False``
    so that the whole grid is fitted."""

    name = "adelie"
    tols = GLMNET_LADDER
    default_tol = 1e-7
    default_max_iter = 100_000

    def unavailable(self):
        return _module_missing("adelie")

    def max_iter(self, tol):
        return self.default_max_iter

    def prepare(self, ds, threads):
        self.threads = threads
        return ds

    def run(self, ds, tol):
        import adelie as ad

        if sp.issparse(ds.X):
            X = ad.matrix.sparse(ds.X, method="naive", n_threads=self.threads)
        else:
            X = ad.matrix.dense(ds.X, method="naive", n_threads=self.threads)
        state = ad.grpnet(
            X,
            ad.glm.gaussian(ds.y),
            lmda_path=ds.lambdas,
            tol=tol,
            max_iters=self.max_iter(tol),
            early_exit=False,
            intercept=True,
            progress_bar=False,
            n_threads=self.threads,
        )
        lmdas = np.asarray(state.lmdas)
        betas = sp.csr_matrix(state.betas)
        intercepts = np.asarray(state.intercepts)
        # The solution at each grid λ, matched by value (adelie sorts the path descending).
        idx = [int(np.argmin(np.abs(lmdas - lam))) for lam in ds.lambdas]
        if len(lmdas) < len(ds.lambdas) or not np.allclose(lmdas[idx], ds.lambdas, rtol=1e-10):
            raise RuntimeError(f"adelie returned {len(lmdas)} λ values, not the grid")
        return betas[idx].T.tocsc(), intercepts[idx]


class RGlmnet(Solver):
    """R glmnet through ``Rscript benches/glmnet_bench.R``: data passed through binary files,
    timed inside R (start-up and loading excluded), ``glmnet.control(fdev = 0, devmax = 1)``
    so that the whole grid is fitted, ``standardize = FALSE``."""

    name = "R-glmnet"
    tols = GLMNET_LADDER
    default_tol = 1e-7
    external = True
    timed_out: float | None = None  # set when R was killed on the ladder's deadline

    def unavailable(self):
        if shutil.which("Rscript") is None:
            return "Rscript not found (apt-get install r-base-core r-cran-glmnet)"
        probe = subprocess.run(
            ["Rscript", "-e", "cat(as.character(packageVersion('glmnet')))"],
            capture_output=True,
            text=True,
        )
        if probe.returncode != 0:
            return "R package glmnet not installed (apt-get install r-cran-glmnet)"
        self.note = f"glmnet {probe.stdout.strip()}"
        return None

    def run_ladder(self, ds, tols, repeats, max_rung_seconds, max_solver_seconds, env, timeout):
        """Runs every rung in one R process; yields ``(tol, times, W, b)`` for each rung R
        finished. R is killed after ``timeout`` seconds; the rungs it completed are kept."""
        with tempfile.TemporaryDirectory(prefix="fastreg-glmnet-") as tmp:
            tmp = Path(tmp)
            write_glmnet_data(
                tmp,
                ds.X,
                ds.y,
                ds.lambdas,
                repeats=repeats,
                budget=max_rung_seconds,
                total_budget=max_solver_seconds,
                tols=",".join(repr(t) for t in tols),
            )
            try:
                proc = subprocess.run(
                    ["Rscript", str(HERE / "glmnet_bench.R"), str(tmp)],
                    capture_output=True,
                    text=True,
                    env=env,
                    timeout=timeout,
                )
                if proc.returncode != 0:
                    raise RuntimeError(f"Rscript failed: {proc.stderr.strip()[-2000:]}")
            except subprocess.TimeoutExpired:
                self.timed_out = timeout  # Rscript execs R: the process killed is R itself
            for k, tol in enumerate(tols, start=1):
                tfile = tmp / f"times_{k}.txt"
                if not tfile.exists():
                    break  # R stopped the ladder on its time budget
                times = [float(t) for t in tfile.read_text().split()]
                nfit = int((tmp / f"nlambda_{k}.txt").read_text())
                i = np.fromfile(tmp / f"beta_i_{k}.bin", dtype="<i4")
                j = np.fromfile(tmp / f"beta_j_{k}.bin", dtype="<i4")
                x = np.fromfile(tmp / f"beta_x_{k}.bin", dtype="<f8")
                a0 = np.fromfile(tmp / f"a0_{k}.bin", dtype="<f8")
                W = sp.csc_matrix((x, (i, j)), shape=(ds.X.shape[1], nfit))
                yield tol, times, W, a0


SOLVERS: dict[str, Solver] = {
    s.name: s for s in [Fastreg(), Sklearn(), RGlmnet(), GlmnetRs(), Celer(), Skglm(), Adelie()]
}


def write_glmnet_data(folder: Path, X, y, lambdas, **config) -> None:
    """Writes a problem in the binary form the R peers read (``glmnet_data.R``): y, the λ grid,
    X column-major or as CSC arrays, and ``config.txt`` with the sizes and ``config``."""
    n, p = X.shape
    sizes = dict(n=n, p=p, nlam=len(lambdas), sparse=int(sp.issparse(X)))
    if sp.issparse(X):
        X = sp.csc_matrix(X)
        sizes["nnz"] = X.nnz
        X.data.astype("<f8").tofile(folder / "data.bin")
        X.indices.astype("<i4").tofile(folder / "indices.bin")
        X.indptr.astype("<i4").tofile(folder / "indptr.bin")
    else:
        np.asfortranarray(X).astype("<f8").ravel(order="F").tofile(folder / "X.bin")
    np.asarray(y).astype("<f8").tofile(folder / "y.bin")
    np.asarray(lambdas).astype("<f8").tofile(folder / "lambda.bin")
    lines = (f"{k} {v}\n" for k, v in {**sizes, **config}.items())
    (folder / "config.txt").write_text("".join(lines))


# The variables sizing the BLAS / OpenMP pools of numpy, scipy and R.
BLAS_THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


# ... and every pool a peer can start: fastreg's (rayon) and numba's too.
ALL_THREAD_VARS = BLAS_THREAD_VARS + ("RAYON_NUM_THREADS", "NUMBA_NUM_THREADS")


def thread_env(threads: int, variables: tuple = ALL_THREAD_VARS) -> dict:
    """Environment that pins every pool named in ``variables`` to ``threads``; must be set
    before those libraries load, hence a fresh worker process per thread setting."""
    env = dict(os.environ)
    for var in variables:
        env[var] = str(threads)
    return env
