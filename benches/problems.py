"""Problem registry of the solver benchmark: each entry builds a design, a response and a λ grid
from a seed (or from a file), at realistic or at smoke sizes. Later issues add entries to
``PROBLEMS``; nothing else needs to change.

Every problem is the Lasso with an intercept, ``1/(2n)·‖y − Xw − b‖² + λ‖w‖₁``, on a geometric
grid of ``n_lambdas`` values from ``λmax = ‖X̃ᵀ(y − ȳ)‖∞ / n`` (the smallest λ with w = 0) down to
``λmax · ratio``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parent.parent
# Shared data sit beside the project root, never inside it (see ../shared/data/README.md).
DATA_DIR = ROOT.parent / "shared" / "data"


@dataclasses.dataclass(frozen=True)
class ProblemSpec:
    name: str
    description: str
    ratio: float  # λmin / λmax
    n_samples: int = 0
    n_features: int = 0
    rho: float = 0.5  # equal pairwise correlation of the Gaussian features
    density: float | None = None  # fraction of stored entries; None for dense
    csv: str | None = None  # file under DATA_DIR; then n/p come from the file
    n_lambdas: int = 100
    smoke: dict = dataclasses.field(default_factory=dict)  # overrides for --smoke

    def sized(self, smoke: bool) -> ProblemSpec:
        return dataclasses.replace(self, **self.smoke) if smoke else self


@dataclasses.dataclass
class Dataset:
    name: str
    X: np.ndarray | sp.csc_matrix  # Fortran-ordered float64, or CSC float64 with int32 indices
    y: np.ndarray
    lambdas: np.ndarray  # descending
    meta: dict


PROBLEMS: dict[str, ProblemSpec] = {
    spec.name: spec
    for spec in [
        ProblemSpec(
            "wide-dense",
            "Gaussian, equicorrelated ρ=0.5, p ≫ n",
            ratio=1e-2,
            n_samples=500,
            n_features=10_000,
            smoke=dict(n_samples=50, n_features=300, n_lambdas=10),
        ),
        ProblemSpec(
            "tall-dense",
            "Gaussian, equicorrelated ρ=0.5, n ≫ p",
            ratio=1e-3,
            n_samples=100_000,
            n_features=500,
            smoke=dict(n_samples=2_000, n_features=30, n_lambdas=10),
        ),
        ProblemSpec(
            "sparse-text",
            "CSC, 0.2% stored entries, text-like shape",
            ratio=1e-2,
            n_samples=20_000,
            n_features=50_000,
            density=2e-3,
            smoke=dict(n_samples=300, n_features=1_000, density=2e-2, n_lambdas=10),
        ),
        ProblemSpec(
            "very-sparse",
            "CSC, 0.01% stored entries, a million features",
            ratio=1e-2,
            n_samples=20_000,
            n_features=1_000_000,
            density=1e-4,
            smoke=dict(n_samples=300, n_features=4_000, density=5e-3, n_lambdas=10),
        ),
        ProblemSpec(
            "genomic",
            "Gaussian, equicorrelated ρ=0.9, microarray shape",
            ratio=1e-2,
            n_samples=72,
            n_features=7_128,
            rho=0.9,
            smoke=dict(n_samples=30, n_features=300, n_lambdas=10),
        ),
        ProblemSpec(
            "wine",
            "winequality-white.csv, raw (unstandardised) features",
            ratio=1e-4,
            csv="winequality-white.csv",
            smoke=dict(n_samples=500, n_lambdas=10),
        ),
    ]
}


def lambda_grid(X, y: np.ndarray, ratio: float, n_lambdas: int) -> tuple[np.ndarray, float]:
    """Geometric grid from λmax down to λmax·ratio. ``Xᵀ(y − ȳ)`` equals ``X̃ᵀ(y − ȳ)`` because
    ``y − ȳ`` sums to zero, so centring X is not needed (and sparse X is never densified)."""
    yc = y - y.mean()
    lam_max = float(np.max(np.abs(X.T @ yc))) / X.shape[0]
    return np.geomspace(lam_max, lam_max * ratio, n_lambdas), lam_max


def _dense_equicorrelated(rng, n: int, p: int, rho: float) -> np.ndarray:
    """X = √ρ·z·1ᵀ + √(1−ρ)·E: every pair of columns has correlation ρ. Built a block of
    columns at a time so that no second n×p temporary is needed."""
    z = rng.standard_normal(n)
    X = np.empty((n, p), order="F")
    block = max(1, (1 << 22) // max(n, 1))
    for j0 in range(0, p, block):
        j1 = min(p, j0 + block)
        X[:, j0:j1] = np.sqrt(rho) * z[:, None] + np.sqrt(1 - rho) * rng.standard_normal(
            (n, j1 - j0)
        )
    return X


def _sparse_shared_factor(rng, n: int, p: int, density: float, rho: float) -> sp.csc_matrix:
    """Uniformly random pattern; stored values √ρ·z_i + √(1−ρ)·e_ij share a row factor z, so
    two columns are correlated on the rows they share (a simpler structure than the dense one:
    with so few shared rows the overall correlation is small)."""
    nnz = int(round(density * n * p))
    # Draw linear (column-major) positions, drop repeats, keep them sorted: CSC order for free.
    pos = np.unique(rng.integers(0, n * p, size=int(nnz * 1.05) + 16, dtype=np.int64))
    pos = rng.permutation(pos)[:nnz]
    pos.sort()
    rows = (pos % n).astype(np.int32)
    cols = pos // n
    z = rng.standard_normal(n)
    vals = np.sqrt(rho) * z[rows] + np.sqrt(1 - rho) * rng.standard_normal(len(pos))
    indptr = np.zeros(p + 1, dtype=np.int32)
    np.cumsum(np.bincount(cols, minlength=p), out=indptr[1:])
    return sp.csc_matrix((vals, rows, indptr), shape=(n, p))


def _synthetic_response(rng, X, frac_nonzero: float = 0.02) -> tuple[np.ndarray, dict]:
    """2% non-zero true coefficients, an intercept, noise sd half the signal sd."""
    p = X.shape[1]
    k = max(1, int(round(frac_nonzero * p)))
    beta = np.zeros(p)
    support = rng.choice(p, size=k, replace=False)
    beta[support] = rng.standard_normal(k)
    signal = np.asarray(X @ beta).ravel()
    noise_sd = 0.5 * float(np.std(signal)) if np.std(signal) > 0 else 1.0
    intercept = 1.0
    y = signal + intercept + noise_sd * rng.standard_normal(X.shape[0])
    return y, dict(n_true_nonzero=k, noise_sd=noise_sd, true_intercept=intercept)


def _load_csv(path: Path, n_max: int | None):
    import pandas as pd

    frame = pd.read_csv(path, sep=";")
    if n_max:
        frame = frame.iloc[:n_max]
    y = frame["quality"].to_numpy(dtype=np.float64)
    X = np.asfortranarray(frame.drop(columns=["quality"]).to_numpy(dtype=np.float64))
    return X, y


def unavailable_reason(spec: ProblemSpec) -> str | None:
    """Why a problem cannot be built here (a missing data file), or None."""
    if spec.csv and not (DATA_DIR / spec.csv).exists():
        return f"{DATA_DIR / spec.csv} not found"
    return None


def build(name: str, *, seed: int = 0, smoke: bool = False) -> Dataset:
    spec = PROBLEMS[name].sized(smoke)
    # One stream per problem name, so adding a problem never changes another's data.
    rng = np.random.default_rng([seed, sum(name.encode())])
    if spec.csv:
        X, y = _load_csv(DATA_DIR / spec.csv, spec.n_samples if smoke else None)
        # Recorded relative to the project root, so committed results name no local path.
        meta = dict(source=f"../shared/data/{spec.csv}")
    else:
        n, p = spec.n_samples, spec.n_features
        if spec.density is None:
            X = _dense_equicorrelated(rng, n, p, spec.rho)
        else:
            X = _sparse_shared_factor(rng, n, p, spec.density, spec.rho)
        y, meta = _synthetic_response(rng, X)
    lambdas, lam_max = lambda_grid(X, y, spec.ratio, spec.n_lambdas)
    meta.update(
        description=spec.description,
        n_samples=X.shape[0],
        n_features=X.shape[1],
        sparse=sp.issparse(X),
        nnz=int(X.nnz) if sp.issparse(X) else X.size,
        rho=None if spec.csv else spec.rho,
        lambda_max=lam_max,
        lambda_ratio=spec.ratio,
        n_lambdas=spec.n_lambdas,
        seed=seed,
    )
    return Dataset(name, X, y, lambdas, meta)
