import numpy as np
import pytest


def make_problem(n, p, *, density=1.0, n_targets=None, seed=0, offset=1.0):
    """Random regression data with a sparse truth; columns offset so centring matters."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + offset * rng.uniform(-1, 1, p)
    if density < 1.0:
        X[rng.uniform(size=(n, p)) > density] = 0.0
    k = max(1, p // 10)
    shape = (p, n_targets) if n_targets else (p,)
    beta = np.zeros(shape)
    beta[:k] = rng.standard_normal((k,) + shape[1:]) * 2
    y = X @ beta + 0.5 * rng.standard_normal((n,) + shape[1:]) + 3.0
    return X, y


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
