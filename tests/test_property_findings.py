"""Narrow tests for inputs the large property-test budget found wrong (issue 28): each compares
with an independent reference (closed form, scipy's NNLS, scikit-learn's behaviour)."""

import warnings

import fastreg
import numpy as np
import pytest
import scipy.optimize
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning


def _identical_columns():
    col = np.array([414.60378617, 387.14282497])
    return np.column_stack([col, col]), np.array([511.95788603, 497.76742598]), 0.0754


@pytest.mark.parametrize("sparse", [False, True])
def test_positive_ridge_on_identical_columns_reaches_the_optimum(sparse):
    """Coordinate descent split the weight [1.02, 0.24] between two identical columns and ran
    out of iterations; the optimum shares it equally: β₁ = β₂ = xᵀy / (2xᵀx + α)."""
    X, y, alpha = _identical_columns()
    Xg = sp.csc_matrix(X) if sparse else X
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = fastreg.Ridge(
            alpha=alpha, fit_intercept=False, positive=True, tol=1e-12, max_iter=100_000
        ).fit(Xg, y)
    x = X[:, 0]
    b = x @ y / (2 * x @ x + alpha)
    np.testing.assert_allclose(est.coef_, [b, b], rtol=1e-9)
    A = np.vstack([X, np.sqrt(alpha) * np.eye(2)])
    nnls = scipy.optimize.nnls(A, np.concatenate([y, np.zeros(2)]))[0]
    np.testing.assert_allclose(est.coef_, nnls, rtol=1e-7)


def test_positive_ridge_certifies_or_warns_with_few_iterations():
    """Out of iterations before the certificate: a ConvergenceWarning, never a silent stop."""
    X, y, alpha = _identical_columns()
    with pytest.warns(ConvergenceWarning):
        fastreg.Ridge(alpha=alpha, fit_intercept=False, positive=True, tol=1e-12, max_iter=5).fit(
            X, y
        )


def test_ridge_cv_kfold_names_a_fold_without_training_weight():
    """scikit-learn's RidgeCV(cv=3) scores such a fold NaN; fastreg says which fold it is."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((9, 2)), rng.standard_normal(9)
    w = np.array([1, 2, 1, 0, 0, 0, 0, 0, 0.0])
    before = w.copy()
    with pytest.raises(ValueError, match="training sample of CV fold 0"):
        fastreg.RidgeCV(alphas=[0.1, 1.0], cv=3).fit(X, y, sample_weight=w)
    np.testing.assert_array_equal(w, before)


def test_gram_stats_counts_zero_weight_rows_and_refuses_a_weightless_chunk():
    """n_samples_seen counts rows (zero-weight ones too), weight_sum the weights;
    a chunk of zero total weight is refused, as StandardScaler.partial_fit refuses it."""
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((5, 2)), rng.standard_normal(5)
    w = np.array([1.0, 0.0, 2.0, 0.0, 1.0])
    g = fastreg.GramStats().update(X, y, sample_weight=w)
    assert g.n_samples_seen == 5 and g.weight_sum == 4.0
    with pytest.raises(ValueError, match="zero"):
        g.update(X[:2], y[:2], sample_weight=np.zeros(2))
    assert g.n_samples_seen == 5 and g.weight_sum == 4.0
