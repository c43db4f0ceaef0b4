"""Property-based test (hypothesis) of the multi-target ``enet_path``: random small problems
against scikit-learn's multi-task path. Budget as tests/test_properties.py: a fixed,
derandomised number of examples by default, ``FASTREG_HYPOTHESIS_EXAMPLES=N`` for N random
ones."""

from __future__ import annotations

import os
import warnings

import fastreg
import numpy as np
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn import linear_model as sklm

_BIG = os.environ.get("FASTREG_HYPOTHESIS_EXAMPLES")


def _objective(X, Y, W, alpha, l1_ratio):
    n = X.shape[0]
    R = Y - X @ W.T
    pen = l1_ratio * np.sum(np.linalg.norm(W, axis=0)) + (1 - l1_ratio) / 2 * np.sum(W**2)
    return np.sum(R**2) / (2 * n) + alpha * pen


def _noncanonical(A, rng):
    """A as a COO matrix with some entries split in two (duplicates, which scipy sums) and
    some explicit zeros, in shuffled order."""
    rows, cols, vals = [], [], []
    for (i, j), v in np.ndenumerate(A):
        if v != 0 and rng.uniform() < 0.4:
            rows += [i, i]
            cols += [j, j]
            vals += [v * 0.5, v - v * 0.5]
        elif v != 0 or rng.uniform() < 0.2:
            rows.append(i)
            cols.append(j)
            vals.append(v)
    order = rng.permutation(len(vals))
    return sp.coo_matrix(
        (np.asarray(vals)[order], (np.asarray(rows)[order], np.asarray(cols)[order])),
        shape=A.shape,
    )


@settings(
    max_examples=int(_BIG) if _BIG else 25,
    derandomize=not _BIG,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    n=st.integers(2, 25),
    p=st.integers(1, 25),
    t=st.integers(2, 4),
    seed=st.integers(0, 2**31),
    density=st.sampled_from([1.0, 0.5, 0.15]),
    storage=st.sampled_from(["dense", "csc", "noncanonical"]),
    l1_ratio=st.sampled_from([1.0, 0.6, 0.1]),
)
def test_property_objective_matches_sklearn(n, p, t, seed, density, storage, l1_ratio):
    """Random small problems (p > n and n > p, dense, CSC and non-canonical sparse): the
    objective at every α is scikit-learn's optimum to 1e-8 relative, and the caller's arrays
    are untouched."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, p))
    A[rng.uniform(size=A.shape) > density] = 0.0
    Y = A @ (rng.standard_normal((t, p)) * (rng.uniform(size=p) < 0.5)).T
    Y += rng.standard_normal((n, t))
    X = {"dense": A, "csc": sp.csc_matrix(A), "noncanonical": _noncanonical(A, rng)}[storage]
    X_before = X.copy()
    Y_before = Y.copy()
    top = np.max(np.linalg.norm(A.T @ Y, axis=1)) / (n * l1_ratio)
    alphas = max(top, 1e-3) * np.array([1.1, 0.3, 0.05, 0.01])
    kw = dict(l1_ratio=l1_ratio, alphas=alphas, tol=1e-12, max_iter=200_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, c, g = fastreg.enet_path(X, Y, **kw)
        _, c_sk, _ = sklm.enet_path(A, Y, **kw)
    if sp.issparse(X):
        assert (X != X_before).nnz == 0
    else:
        np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(Y, Y_before)
    scale = np.sum(Y**2) / n
    for k, alpha in enumerate(alphas):
        ours = _objective(A, Y, c[..., k], alpha, l1_ratio)
        ref = _objective(A, Y, c_sk[..., k], alpha, l1_ratio)
        assert ours <= ref * (1 + 1e-8) + 1e-12 * scale, (k, ours, ref)
        assert ref <= ours * (1 + 1e-8) + 1e-12 * scale, (k, ours, ref)
