"""fastreg: L1, L2 and elastic-net regularised linear regression with a Rust core.

Drop-in replacements for scikit-learn's estimators, with every solution certified by its
duality gap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._fastreg import __version__ as __version__

# Public names and the private module defining each. They are imported on first use, so that
# `import fastreg` stays light: scikit-learn (and through it pandas) loads only when an
# estimator is first touched.
_LAZY = {
    "ElasticNet": "._linear",
    "ElasticNetCV": "._cv",
    "GramStats": "._ridge",
    "Lasso": "._linear",
    "LassoCV": "._cv",
    "Path": "._path",
    "Ridge": "._ridge",
    "RidgeCV": "._ridge",
    "enet_path": "._path",
    "lasso_path": "._path",
    "path": "._path",
    "ridge_path": "._ridge",
}

__all__ = [
    "ElasticNet",
    "ElasticNetCV",
    "GramStats",
    "Lasso",
    "LassoCV",
    "Path",
    "Ridge",
    "RidgeCV",
    "__version__",
    "enet_path",
    "lasso_path",
    "path",
    "ridge_path",
]

if TYPE_CHECKING:
    from ._cv import ElasticNetCV as ElasticNetCV
    from ._cv import LassoCV as LassoCV
    from ._linear import ElasticNet as ElasticNet
    from ._linear import Lasso as Lasso
    from ._path import Path as Path
    from ._path import enet_path as enet_path
    from ._path import lasso_path as lasso_path
    from ._path import path as path
    from ._ridge import GramStats as GramStats
    from ._ridge import Ridge as Ridge
    from ._ridge import RidgeCV as RidgeCV
    from ._ridge import ridge_path as ridge_path


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'fastreg' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
