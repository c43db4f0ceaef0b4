"""Sparse matrices not in canonical format (duplicate entries, unsorted indices, explicit
zeros) are legal scipy input: every entry point must read them as scipy does (duplicates
summed), agreeing with the same matrix given dense, and leave the caller's arrays untouched."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from fastreg import (
    ElasticNet,
    ElasticNetCV,
    GramStats,
    Lasso,
    LassoCV,
    Ridge,
    RidgeCV,
    enet_path,
    lasso_path,
    ridge_path,
)
from sklearn import linear_model as sk


def noncanonical(X, fmt, seed=0):
    """X as a CSC or CSR matrix whose stored entries are each split into two duplicates, in
    shuffled order, with an explicit zero added to every column (row) that has room for one."""
    rng = np.random.default_rng(seed)
    csc = fmt == "csc"
    M = sp.csc_matrix(X) if csc else sp.csr_matrix(X)
    other = X.shape[0] if csc else X.shape[1]
    data, indices, indptr = [], [], [0]
    for j in range(len(M.indptr) - 1):
        lo, hi = M.indptr[j], M.indptr[j + 1]
        entries = []
        for a, i in zip(M.data[lo:hi], M.indices[lo:hi]):
            f = rng.uniform(0.2, 0.8)
            entries += [(a * f, i), (a - a * f, i)]
        empty = sorted(set(range(other)) - set(M.indices[lo:hi]))
        if empty:
            entries.append((0.0, empty[0]))
        for k in rng.permutation(len(entries)):
            data.append(entries[k][0])
            indices.append(entries[k][1])
        indptr.append(len(data))
    cls = sp.csc_matrix if csc else sp.csr_matrix
    out = cls(
        (np.array(data), np.array(indices, dtype=np.int32), np.array(indptr, dtype=np.int32)),
        shape=X.shape,
    )
    assert not out.has_canonical_format
    return out


def problem(n=40, p=8, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + rng.uniform(-1, 1, p)
    X[rng.uniform(size=(n, p)) > 0.5] = 0.0
    y = X @ rng.standard_normal(p) + 0.3 * rng.standard_normal(n) + 1.0
    w = rng.uniform(0.5, 2.0, n)
    return X, y, w


def close(a, b, rtol):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(np.abs(b).max(), 1e-12)
    assert np.abs(a - b).max() <= rtol * scale, np.abs(a - b).max() / scale


def coef_intercept(est):
    return np.r_[np.ravel(est.coef_), np.ravel(est.intercept_)]


def path_coefs(result):
    coefs = result[1]
    return coefs.toarray() if sp.issparse(coefs) else np.asarray(coefs)


TIGHT = {"tol": 1e-12, "max_iter": 100000}
ENTRY_POINTS = {
    "ridge_auto": lambda X, y, w: coef_intercept(Ridge(alpha=0.7).fit(X, y, sample_weight=w)),
    "ridge_cholesky": lambda X, y, w: coef_intercept(
        Ridge(alpha=0.7, solver="cholesky").fit(X, y, sample_weight=w)
    ),
    "ridge_svd": lambda X, y, w: coef_intercept(
        Ridge(alpha=0.7, solver="svd").fit(X, y, sample_weight=w)
    ),
    "ridge_sparse_cg": lambda X, y, w: coef_intercept(
        Ridge(alpha=0.7, solver="sparse_cg", tol=1e-14, max_iter=10000).fit(X, y, sample_weight=w)
    ),
    "ridge_path": lambda X, y, w: path_coefs(
        ridge_path(X, y, alphas=[0.1, 1.0, 10.0], sample_weight=w)
    ),
    "ridgecv_loo": lambda X, y, w: coef_intercept(
        RidgeCV(alphas=[0.1, 1.0, 10.0]).fit(X, y, sample_weight=w)
    ),
    "ridgecv_kfold": lambda X, y, w: coef_intercept(
        RidgeCV(alphas=[0.1, 1.0, 10.0], cv=3).fit(X, y, sample_weight=w)
    ),
    "gramstats": lambda X, y, w: np.r_[
        GramStats().update(X, y, sample_weight=w).xtx.ravel(),
        GramStats().update(X, y, sample_weight=w).xty.ravel(),
        GramStats().update(X, y, sample_weight=w).x_mean,
    ],
    "ridge_fit_gram": lambda X, y, w: coef_intercept(
        Ridge(alpha=0.7).fit_gram(GramStats().update(X, y, sample_weight=w))
    ),
    "lasso": lambda X, y, w: coef_intercept(Lasso(alpha=0.05, **TIGHT).fit(X, y, sample_weight=w)),
    "lasso_precompute": lambda X, y, w: coef_intercept(
        Lasso(alpha=0.05, precompute=True, **TIGHT).fit(X, y)
    ),
    "elasticnet": lambda X, y, w: coef_intercept(
        ElasticNet(alpha=0.05, l1_ratio=0.3, **TIGHT).fit(X, y, sample_weight=w)
    ),
    "lassocv": lambda X, y, w: coef_intercept(LassoCV(cv=3, **TIGHT).fit(X, y)),
    "elasticnetcv": lambda X, y, w: coef_intercept(
        ElasticNetCV(l1_ratio=[0.3, 0.9], cv=3, **TIGHT).fit(X, y)
    ),
    "lasso_path": lambda X, y, w: path_coefs(lasso_path(X, y, alphas=[0.3, 0.1, 0.03], tol=1e-12)),
    "enet_path": lambda X, y, w: path_coefs(
        enet_path(X, y, alphas=[0.3, 0.1, 0.03], l1_ratio=0.5, tol=1e-12)
    ),
}


@pytest.mark.parametrize("fmt", ["csc", "csr"])
@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_noncanonical_sparse_reads_as_dense(entry, fmt):
    X, y, w = problem()
    M = noncanonical(X, fmt)
    # The dense reference is scipy's own reading of M (duplicates summed).
    dense = M.toarray()
    before = (M.data.copy(), M.indices.copy(), M.indptr.copy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = ENTRY_POINTS[entry](M, y, w)
        ref = ENTRY_POINTS[entry](dense, y, w)
    close(ours, ref, 1e-7)
    for got, was in zip((M.data, M.indices, M.indptr), before):
        np.testing.assert_array_equal(got, was)


def test_issue_example_with_duplicates_matches_sklearn():
    # Column 0 stored as (row 0: 2.0), (row 0: 2.0), (row 5: 1.0); column 1 = 1..6.
    data = np.array([2.0, 2.0, 1.0, 1, 2, 3, 4, 5, 6])
    indices = np.array([0, 0, 5, 0, 1, 2, 3, 4, 5], dtype=np.int32)
    indptr = np.array([0, 3, 9], dtype=np.int32)
    X = sp.csc_matrix((data, indices, indptr), shape=(6, 2))
    y = np.array([0.3, -0.2, 0.5, 0.1, -0.4, 0.2])
    ref = sk.Ridge(alpha=1.0).fit(X.toarray(), y).coef_
    for solver in ("auto", "cholesky"):
        close(Ridge(alpha=1.0, solver=solver).fit(X, y).coef_, ref, 1e-10)
    close(ridge_path(X, y, alphas=[1.0])[1][:, 0], ref, 1e-10)
    close(Ridge(alpha=1.0).fit_gram(GramStats().update(X, y)).coef_, ref, 1e-10)
    np.testing.assert_array_equal(X.data, data)
    np.testing.assert_array_equal(X.indices, indices)
