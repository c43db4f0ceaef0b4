"""Uses the public API; CI checks it with `mypy --strict` against the installed package."""

import fastreg
import numpy as np
import numpy.typing as npt


def fit_and_predict(X: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> float:
    lasso = fastreg.Lasso(alpha=0.1, max_iter=500).fit(X, y)
    enet = fastreg.ElasticNet(alpha=0.1, l1_ratio=0.5, positive=True)
    enet.fit(X, y, sample_weight=np.ones(len(y)))
    pred = lasso.predict(X) + enet.predict(X)
    version: str = fastreg.__version__
    return float(pred.sum()) + len(version)
