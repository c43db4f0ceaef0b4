"""fastreg: L1, L2 and elastic-net regularised linear regression with a Rust core.

Drop-in replacements for scikit-learn's estimators, with every solution certified by its
duality gap.
"""

from ._fastreg import __version__
from ._linear import ElasticNet, Lasso

__all__ = ["ElasticNet", "Lasso", "__version__"]
