"""Type stub for the compiled core module."""

from typing import Callable, Optional, TypedDict

import numpy as np
import numpy.typing as npt

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

# (alphas, coefs (n_alphas, n_features), intercepts, dual_gaps, objectives, n_iters,
#  converged, dev_ratio, kkt_resolves)
_PathTuple = tuple[
    _F64, npt.NDArray[np.float64], _F64, _F64, _F64,
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
