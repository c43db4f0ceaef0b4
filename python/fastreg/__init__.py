"""fastreg: L1, L2 and elastic-net regularised linear regression with a Rust core.

Drop-in replacements for scikit-learn's estimators, with every solution certified by its
duality gap.
"""

from ._fastreg import __version__
from ._cv import ElasticNetCV, LassoCV
from ._linear import ElasticNet, Lasso
from ._path import Path, enet_path, lasso_path, path

__all__ = [
    "ElasticNet", "ElasticNetCV", "Lasso", "LassoCV", "Path", "__version__", "enet_path",
    "lasso_path", "path",
]
