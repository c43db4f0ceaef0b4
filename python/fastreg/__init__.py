"""fastreg: L1, L2 and elastic-net regularised linear regression with a Rust core.

Drop-in replacements for scikit-learn's estimators, with every solution certified by its
duality gap.
"""

from ._fastreg import __version__
from ._linear import ElasticNet, Lasso
from ._ridge import GramStats, Ridge, RidgeCV, ridge_path

__all__ = [
    "ElasticNet",
    "GramStats",
    "Lasso",
    "Ridge",
    "RidgeCV",
    "__version__",
    "ridge_path",
]
