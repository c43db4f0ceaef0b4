"""Type stub for the compiled core module."""

from typing import Optional

import numpy as np
import numpy.typing as npt

__all__ = ["__version__", "enet_fit_csc", "enet_fit_dense"]

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
