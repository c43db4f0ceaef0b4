"""Type stub for the compiled core module."""


from typing import Callable, Optional, TypedDict, final

import numpy as np
import numpy.typing as npt

__all__ = [
    "GramStatsCore",
    "__version__",
    "enet_cv_csc",
    "enet_cv_dense",
    "enet_fit_csc",
    "enet_fit_dense",
    "enet_path_csc",
    "enet_path_dense",
    "ridge_fit",
    "ridge_kfold",
    "ridge_kfold_stats",
    "ridge_loo",
    "ridge_path",
]

__version__: str

_F64 = npt.NDArray[np.float64]
_Index = npt.NDArray[np.int32] | npt.NDArray[np.int64]

def enet_fit_dense(
    x: _F64,
    y: _F64,
    sample_weight: Optional[_F64],
    coef_init: Optional[_F64],
    *,
    l1: float,
    l2: float,
    fit_intercept: bool,
    max_iter: int,
    tol: float,
    positive: bool,
    random_seed: Optional[int],
) -> tuple[_F64, float, float, int, bool]: ...
def enet_fit_csc(
    data: _F64,
    indices: _Index,
    indptr: _Index,
    n_samples: int,
    y: _F64,
    sample_weight: Optional[_F64],
    coef_init: Optional[_F64],
    *,
    l1: float,
    l2: float,
    fit_intercept: bool,
    max_iter: int,
    tol: float,
    positive: bool,
    random_seed: Optional[int],
) -> tuple[_F64, float, float, int, bool]: ...

# Ridge core. X is a Fortran-ordered float64 array or a CSC triple with n_samples; y is a
# Fortran-ordered (n_samples, n_targets) array. Results are flat and reshaped by _ridge.py.
_Design = _F64 | tuple[_F64, _Index, _Index, int]

def ridge_fit(
    x: _Design,
    y: _F64,
    sample_weight: Optional[_F64],
    alphas: list[float],
    *,
    fit_intercept: bool,
    solver: str,
    positive: bool,
    tol: float,
    max_iter: Optional[int],
    threads: Optional[int],
) -> tuple[_F64, _F64, str, int, bool]: ...
def ridge_path(
    x: _Design,
    y: _F64,
    sample_weight: Optional[_F64],
    alphas: list[float],
    *,
    fit_intercept: bool,
    threads: Optional[int],
) -> tuple[_F64, _F64]: ...
def ridge_loo(
    x: _Design,
    y: _F64,
    sample_weight: Optional[_F64],
    alphas: list[float],
    *,
    fit_intercept: bool,
    mode: str,
    threads: Optional[int],
) -> tuple[_F64, _F64, _F64]: ...
def ridge_kfold(
    x: _Design,
    y: _F64,
    sample_weight: Optional[_F64],
    folds: list[list[int]],
    alphas: list[float],
    *,
    fit_intercept: bool,
    threads: Optional[int],
) -> tuple[_F64, _F64]: ...

@final
class GramStatsCore:
    def __new__(cls, n_features: int, n_targets: int) -> GramStatsCore: ...
    def update(self, x: _Design, y: _F64, sample_weight: Optional[_F64]) -> None: ...
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
        max_iter: Optional[int],
    ) -> tuple[_F64, _F64, str, int, bool]: ...
    def path(self, alphas: list[float], *, fit_intercept: bool) -> tuple[_F64, _F64]: ...
def ridge_kfold_stats(
    folds: list[GramStatsCore], alphas: list[float], *, fit_intercept: bool
) -> tuple[_F64, _F64, _F64]: ...

class _PathOptions(TypedDict):
    alphas: Optional[list[float]]
    n_alphas: int
    eps: float
    l1_ratio: float
    fit_intercept: bool
    standardize: bool
    max_iter: int
    tol: float
    rel_tol: float
    positive: bool
    random_seed: Optional[int]
    screening: bool
    n_jobs: int
    early_stop: bool
    precompute: str
    dense_coef: bool

# (alphas, coefs of (n_features, n_alphas) as an array or as compressed sparse columns
#  (indptr, indices, values), intercepts, dual_gaps, objectives, n_iters, converged, dev_ratio,
#  kkt_resolves)
_PathTuple = tuple[
    _F64, _F64 | tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], _F64], _F64, _F64, _F64,
    npt.NDArray[np.uintp], npt.NDArray[np.bool_], _F64, int,
]

def enet_path_dense(
    x: _F64,
    y: _F64,
    sample_weight: Optional[_F64],
    coef_init: Optional[_F64],
    penalty_factor: Optional[_F64],
    lower_bounds: Optional[_F64],
    upper_bounds: Optional[_F64],
    opts: _PathOptions,
) -> _PathTuple: ...
def enet_path_csc(
    data: _F64,
    indices: _Index,
    indptr: _Index,
    n_samples: int,
    y: _F64,
    sample_weight: Optional[_F64],
    coef_init: Optional[_F64],
    penalty_factor: Optional[_F64],
    lower_bounds: Optional[_F64],
    upper_bounds: Optional[_F64],
    opts: _PathOptions,
) -> _PathTuple: ...

class _CvOptions(TypedDict):
    l1_ratios: list[float]
    alphas: list[list[float]]
    fit_intercept: bool
    standardize: bool
    max_iter: int
    tol: float
    positive: bool
    random_seed: Optional[int]
    screening: bool
    n_jobs: int

# (mse[l1_ratio][fold][alpha], n_nonzero[l1_ratio][fold][alpha], n_unconverged,
#  largest dual_gap / objective)
_CvTuple = tuple[list[list[list[float]]], list[list[list[int]]], int, float]

def enet_cv_dense(
    x: _F64,
    y: _F64,
    sample_weight: Optional[_F64],
    penalty_factor: Optional[_F64],
    lower_bounds: Optional[_F64],
    upper_bounds: Optional[_F64],
    train: list[npt.NDArray[np.int64]],
    test: list[npt.NDArray[np.int64]],
    opts: _CvOptions,
    progress: Optional[Callable[[], object]] = None,
) -> _CvTuple: ...
def enet_cv_csc(
    data: _F64,
    indices: _Index,
    indptr: _Index,
    n_samples: int,
    y: _F64,
    sample_weight: Optional[_F64],
    penalty_factor: Optional[_F64],
    lower_bounds: Optional[_F64],
    upper_bounds: Optional[_F64],
    train: list[npt.NDArray[np.int64]],
    test: list[npt.NDArray[np.int64]],
    opts: _CvOptions,
    progress: Optional[Callable[[], object]] = None,
) -> _CvTuple: ...
