"""Type stub for the compiled core module."""

from typing import Callable, TypedDict, final

import numpy as np
import numpy.typing as npt
from typing_extensions import TypeAlias

__all__ = [
    "CvResult",
    "EnetResult",
    "GramStatsCore",
    "MultiTaskPathResult",
    "PathResult",
    "RidgeCvResult",
    "RidgePathResult",
    "RidgeResult",
    "__version__",
    "enet_cv",
    "enet_cv_stats",
    "enet_fit",
    "enet_path",
    "enet_path_multitask",
    "enet_path_stats",
    "ridge_fit",
    "ridge_kfold",
    "ridge_kfold_stats",
    "ridge_loo",
    "ridge_path",
]

__version__: str

_F64: TypeAlias = npt.NDArray[np.float64]
_Index: TypeAlias = npt.NDArray[np.int32] | npt.NDArray[np.int64]

# X is a Fortran-ordered float64 array or a CSC triple (data, indices, indptr, n_samples).
_Design: TypeAlias = _F64 | tuple[_F64, _Index, _Index, int]

@final
class EnetResult:
    @property
    def coef(self) -> _F64: ...
    @property
    def intercept(self) -> float: ...
    @property
    def dual_gap(self) -> float: ...
    @property
    def n_iter(self) -> int: ...
    @property
    def converged(self) -> bool: ...

def enet_fit(
    x: _Design,
    y: _F64,
    sample_weight: _F64 | None,
    coef_init: _F64 | None,
    *,
    l1: float,
    l2: float,
    fit_intercept: bool,
    max_iter: int,
    tol: float,
    coef_tol: float,
    positive: bool,
    random_seed: int | None,
) -> EnetResult: ...

# Ridge core. y is a Fortran-ordered (n_samples, n_targets) array. Results are flat and
# reshaped by _ridge.py.

@final
class RidgeResult:
    # coef t×p flat, intercept (t,)
    @property
    def coef(self) -> _F64: ...
    @property
    def intercept(self) -> _F64: ...
    @property
    def solver(self) -> str: ...
    @property
    def n_iter(self) -> int: ...
    @property
    def converged(self) -> bool: ...

@final
class RidgePathResult:
    # coef A×t×p flat (F×A×t×p for K-fold), intercept A×t flat (F×A×t)
    @property
    def coef(self) -> _F64: ...
    @property
    def intercept(self) -> _F64: ...

@final
class RidgeCvResult:
    # errors: LOO residuals A×t×n flat, or K-fold test MSE F×A×t flat
    @property
    def errors(self) -> _F64: ...
    @property
    def coef(self) -> _F64: ...
    @property
    def intercept(self) -> _F64: ...

def ridge_fit(
    x: _Design,
    y: _F64,
    sample_weight: _F64 | None,
    alphas: list[float],
    *,
    fit_intercept: bool,
    solver: str,
    positive: bool,
    tol: float,
    max_iter: int | None,
    threads: int | None,
) -> RidgeResult: ...
def ridge_path(
    x: _Design,
    y: _F64,
    sample_weight: _F64 | None,
    alphas: list[float],
    *,
    fit_intercept: bool,
    threads: int | None,
) -> RidgePathResult: ...
def ridge_loo(
    x: _Design,
    y: _F64,
    sample_weight: _F64 | None,
    alphas: list[float],
    *,
    fit_intercept: bool,
    mode: str,
    threads: int | None,
) -> RidgeCvResult: ...
def ridge_kfold(
    x: _Design,
    y: _F64,
    sample_weight: _F64 | None,
    folds: list[list[int]],
    alphas: list[float],
    *,
    fit_intercept: bool,
    threads: int | None,
) -> RidgePathResult: ...

@final
class GramStatsCore:
    def __new__(cls, n_features: int, n_targets: int) -> GramStatsCore: ...
    def update(self, x: _Design, y: _F64, sample_weight: _F64 | None) -> None: ...
    def merge(self, other: GramStatsCore) -> None: ...
    def copy(self) -> GramStatsCore: ...
    @staticmethod
    def from_parts(
        n_features: int,
        n_targets: int,
        count: int,
        weight_sum: float,
        x_mean: list[float],
        y_mean: list[float],
        xtx: list[float],
        xty: list[float],
        yty: list[float],
    ) -> GramStatsCore: ...
    @property
    def n_features(self) -> int: ...
    @property
    def n_targets(self) -> int: ...
    @property
    def count(self) -> int: ...
    @property
    def weight_sum(self) -> float: ...
    @property
    def x_mean(self) -> _F64: ...
    @property
    def y_mean(self) -> _F64: ...
    @property
    def xtx(self) -> _F64: ...
    @property
    def xty(self) -> _F64: ...
    @property
    def yty(self) -> _F64: ...
    def fit(
        self,
        alphas: list[float],
        *,
        fit_intercept: bool,
        solver: str,
        positive: bool,
        tol: float,
        max_iter: int | None,
    ) -> RidgeResult: ...
    def path(self, alphas: list[float], *, fit_intercept: bool) -> RidgePathResult: ...

def ridge_kfold_stats(
    folds: list[GramStatsCore], alphas: list[float], *, fit_intercept: bool
) -> RidgeCvResult: ...

class _PathOptions(TypedDict):
    alphas: list[float] | None
    n_alphas: int
    eps: float
    l1_ratio: float
    fit_intercept: bool
    standardize: bool
    max_iter: int
    tol: float
    rel_tol: float
    coef_tol: float
    positive: bool
    random_seed: int | None
    screening: bool
    n_jobs: int
    early_stop: bool
    precompute: str
    dense_coef: bool

@final
class PathResult:
    @property
    def alphas(self) -> _F64: ...
    # (n_features, n_alphas) as an array or as compressed sparse columns (indptr, indices,
    # values)
    @property
    def coefs(self) -> _F64 | tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], _F64]: ...
    @property
    def intercepts(self) -> _F64: ...
    @property
    def dual_gaps(self) -> _F64: ...
    @property
    def objectives(self) -> _F64: ...
    @property
    def n_iters(self) -> npt.NDArray[np.uintp]: ...
    @property
    def converged(self) -> npt.NDArray[np.bool_]: ...
    @property
    def dev_ratio(self) -> _F64: ...
    @property
    def kkt_resolves(self) -> int: ...

def enet_path(
    x: _Design,
    y: _F64,
    sample_weight: _F64 | None,
    coef_init: _F64 | None,
    penalty_factor: _F64 | None,
    lower_bounds: _F64 | None,
    upper_bounds: _F64 | None,
    opts: _PathOptions,
) -> PathResult: ...

class _MultiTaskOptions(TypedDict):
    alphas: list[float]
    l1_ratio: float
    fit_intercept: bool
    max_iter: int
    tol: float
    random_seed: int | None
    screening: bool

@final
class MultiTaskPathResult:
    @property
    def alphas(self) -> _F64: ...
    # (n_targets, n_features, n_alphas)
    @property
    def coefs(self) -> _F64: ...
    # (n_targets, n_alphas)
    @property
    def intercepts(self) -> _F64: ...
    @property
    def dual_gaps(self) -> _F64: ...
    @property
    def objectives(self) -> _F64: ...
    @property
    def n_iters(self) -> npt.NDArray[np.uintp]: ...
    @property
    def converged(self) -> npt.NDArray[np.bool_]: ...

# y: the n_tasks targets column after column; coef_init: (n_tasks, n_features) row by row
def enet_path_multitask(
    x: _Design,
    y: _F64,
    n_tasks: int,
    sample_weight: _F64 | None,
    coef_init: _F64 | None,
    opts: _MultiTaskOptions,
) -> MultiTaskPathResult: ...

# the path from Gram statistics alone (covariance mode; opts' precompute is ignored)
def enet_path_stats(
    stats: GramStatsCore,
    penalty_factor: _F64 | None,
    lower_bounds: _F64 | None,
    upper_bounds: _F64 | None,
    opts: _PathOptions,
) -> PathResult: ...

class _CvOptions(TypedDict):
    l1_ratios: list[float]
    alphas: list[list[float]]
    fit_intercept: bool
    standardize: bool
    max_iter: int
    tol: float
    coef_tol: float
    positive: bool
    random_seed: int | None
    screening: bool
    n_jobs: int
    precompute: str

@final
class CvResult:
    # indexed [l1_ratio][fold][alpha]
    @property
    def mse(self) -> list[list[list[float]]]: ...
    @property
    def n_nonzero(self) -> list[list[list[int]]]: ...
    @property
    def n_unconverged(self) -> int: ...
    # largest dual_gap / objective over every fit
    @property
    def max_relative_gap(self) -> float: ...

def enet_cv(
    x: _Design,
    y: _F64,
    sample_weight: _F64 | None,
    penalty_factor: _F64 | None,
    lower_bounds: _F64 | None,
    upper_bounds: _F64 | None,
    train: list[npt.NDArray[np.int64]],
    test: list[npt.NDArray[np.int64]],
    opts: _CvOptions,
    progress: Callable[[], object] | None = None,
) -> CvResult: ...

# K-fold CV from each fold's Gram statistics alone (opts' precompute is ignored)
def enet_cv_stats(
    folds: list[GramStatsCore],
    penalty_factor: _F64 | None,
    lower_bounds: _F64 | None,
    upper_bounds: _F64 | None,
    opts: _CvOptions,
) -> CvResult: ...
