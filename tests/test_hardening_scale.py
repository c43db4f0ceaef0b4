"""Extreme scales (issue 28, items 4 and 5): data far outside float64's comfortable range gets
the answer scikit-learn or a closed form gives, or a clear error; never a silent wrong one.
Integer parameters too large for the core are named in the error."""

import warnings

import fastreg as fr
import numpy as np
import pytest
import sklearn.linear_model as sk
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning


@pytest.fixture(scope="module")
def data():
    X, y = make_regression(50, 10, noise=1.0, random_state=0)
    return X, y


def _close(a, b, rtol):
    np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * np.max(np.abs(b)))


# ---- item 4: elastic net ------------------------------------------------------------------


def test_enet_data_times_1e77_matches_sklearn(data):
    X, y = data
    s = 1e77
    with warnings.catch_warnings():
        # α is ~1e-154 of the data's scale: neither reaches tol=1e-12 on the gap (scikit-learn
        # neither), but both reach the same coefficients
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = fr.ElasticNet(alpha=1.0, tol=1e-12, max_iter=100_000).fit(X * s, y * s)
        ref = sk.ElasticNet(alpha=1.0, tol=1e-12, max_iter=100_000).fit(X * s, y * s)
    assert ours.n_iter_ > 0 and np.isfinite(ours.dual_gap_)
    _close(ours.coef_, ref.coef_, 1e-6)
    _close(ours.intercept_, ref.intercept_, 1e-6)


@pytest.mark.parametrize("s", [1e-150, 1e-100, 1e-77, 1e-40, 1e40, 1e77, 1e100, 1e150])
@pytest.mark.parametrize("l1_ratio", [0.5, 1.0])
def test_enet_scale_sweep_equals_unscaled(data, s, l1_ratio):
    """X and y times s with alpha times s² is the same problem: the same coefficients, the
    intercept times s."""
    X, y = data
    kw = dict(l1_ratio=l1_ratio, tol=1e-12, max_iter=100_000)
    base = fr.ElasticNet(alpha=0.5, **kw).fit(X, y)
    ours = fr.ElasticNet(alpha=0.5 * s * s, **kw).fit(X * s, y * s)
    _close(ours.coef_, base.coef_, 1e-7)
    assert ours.intercept_ == pytest.approx(base.intercept_ * s, rel=1e-7, abs=1e-7 * s)


@pytest.mark.parametrize("s", [1e-200, 1e-160, 1e160, 1e200, 1e300])
def test_lasso_x_alone_scaled_equals_unscaled(data, s):
    """X times s with alpha times s is the lasso of X: coefficients divided by s."""
    X, y = data
    base = fr.Lasso(alpha=0.5, tol=1e-12).fit(X, y)
    ours = fr.Lasso(alpha=0.5 * s, tol=1e-12).fit(X * s, y)
    _close(ours.coef_ * s, base.coef_, 1e-7)
    assert ours.intercept_ == pytest.approx(base.intercept_, rel=1e-7)


@pytest.mark.parametrize("s", [1e50, 1e100])
def test_enet_x_alone_scaled_equals_unscaled(data, s):
    """X times s is the elastic net of X with λ1 times s and λ2 times s²."""
    X, y = data
    alpha, l1_ratio = 0.5, 0.5
    l1, l2 = alpha * l1_ratio * s, alpha * (1 - l1_ratio) * s * s
    base = fr.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12).fit(X, y)
    ours = fr.ElasticNet(alpha=l1 + l2, l1_ratio=l1 / (l1 + l2), tol=1e-12).fit(X * s, y)
    _close(ours.coef_ * s, base.coef_, 1e-7)
    assert ours.intercept_ == pytest.approx(base.intercept_, rel=1e-7)


def test_enet_huge_weights_are_normalised(data):
    """scikit-learn's elastic net normalises the weights to sum to n: their scale is moot."""
    X, y = data
    w = np.random.default_rng(1).uniform(0.5, 2.0, len(y))
    base = fr.ElasticNet(alpha=0.5, tol=1e-12).fit(X, y, sample_weight=w)
    ref = sk.ElasticNet(alpha=0.5, tol=1e-12).fit(X, y, sample_weight=w)
    for c in (1e-300, 1e300):
        ours = fr.ElasticNet(alpha=0.5, tol=1e-12).fit(X, y, sample_weight=w * c)
        _close(ours.coef_, base.coef_, 1e-9)
        _close(ours.coef_, ref.coef_, 1e-6)
        assert np.isfinite(ours.dual_gap_)


@pytest.mark.parametrize("s", [1e-150, 1e150])
def test_lasso_path_data_scaled(data, s):
    X, y = data
    a0, c0, _ = fr.lasso_path(X, y, alphas=10)
    a1, c1, g1 = fr.lasso_path(X * s, y * s, alphas=10)
    _close(a1, a0 * s * s, 1e-10)
    _close(c1, c0, 1e-6)
    assert np.all(np.isfinite(g1))
    p0 = fr.path(X, y, alphas=10)
    p1 = fr.path(X * s, y * s, alphas=10)
    _close(p1.alphas_, p0.alphas_ * s * s, 1e-10)
    _close(p1.coef_, p0.coef_, 1e-6)
    _close(p1.intercept_ / s, p0.intercept_, 1e-6)
    _close(p1.objective_ / (s * s), p0.objective_, 1e-6)


# ---- item 4: ridge --------------------------------------------------------------------------


def test_ridge_weights_1e200_match_sklearn(data):
    X, y = data
    w = 1e200 * np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    ours = fr.Ridge(alpha=1.0).fit(X, y, sample_weight=w)
    # Σ c·w r² + α‖β‖² is Σ w r² + (α/c)‖β‖²
    ref = sk.Ridge(alpha=1e-200).fit(X, y, sample_weight=w / 1e200)
    _close(ours.coef_, ref.coef_, 1e-8)
    assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-8)


@pytest.mark.parametrize("solver", ["sparse_cg", "cholesky", "svd"])
def test_ridge_uniform_weights_1e160(data, solver):
    X, y = data
    ours = fr.Ridge(alpha=1.0, solver=solver, tol=1e-12).fit(
        X, y, sample_weight=np.full(len(y), 1e160)
    )
    ref = sk.Ridge(alpha=1e-160, solver="cholesky").fit(X, y)
    _close(ours.coef_, ref.coef_, 1e-7)


def test_ridge_x_times_1e300(data):
    """The penalty is negligible at this scale: least squares, coefficients divided by s."""
    X, y = data
    s = 1e300
    ours = fr.Ridge().fit(X * s, y)
    ref = sk.LinearRegression().fit(X, y)
    assert np.isfinite(ours.intercept_)
    _close(ours.coef_ * s, ref.coef_, 1e-8)
    assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-8)


def test_ridge_path_and_ridgecv_at_scale(data):
    X, y = data
    s = 2.0**400
    alphas = [0.1, 1.0, 10.0]
    _, c0, i0 = fr.ridge_path(X, y, alphas)
    _, c1, i1 = fr.ridge_path(X * s, y * s, [a * s * s for a in alphas])
    _close(c1, c0, 1e-10)
    _close(i1 / s, i0, 1e-10)
    base = fr.RidgeCV(alphas=alphas, store_cv_results=True).fit(X, y)
    big = fr.RidgeCV(alphas=[a * s * s for a in alphas], store_cv_results=True).fit(X * s, y * s)
    assert big.alpha_ == base.alpha_ * s * s
    _close(big.coef_, base.coef_, 1e-10)
    _close(big.cv_results_ / (s * s), base.cv_results_, 1e-8)
    k0 = fr.RidgeCV(alphas=alphas, cv=5).fit(X, y)
    k1 = fr.RidgeCV(alphas=[a * s * s for a in alphas], cv=5).fit(X * s, y * s)
    assert k1.alpha_ == k0.alpha_ * s * s
    _close(k1.coef_, k0.coef_, 1e-10)


def test_unrepresentable_solution_is_an_error(data):
    """Least-squares coefficients near 1e309 cannot be float64: an error naming the overflow."""
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="overflowed float64"):
            fr.Ridge(alpha=0.0).fit(X * 1e-307, y)


# ---- item 5: misleading errors --------------------------------------------------------------


def test_finite_x_times_1e160_fits(data):
    X, y = data
    s = 1e160
    # the penalty is negligible at this scale: least squares
    ols = sk.LinearRegression().fit(X, y).coef_
    ridge = fr.Ridge(alpha=1.0).fit(X * s, y)
    _close(ridge.coef_ * s, ols, 1e-8)
    lasso = fr.Lasso(alpha=0.1 * s).fit(X * s, y)
    _close(lasso.coef_ * s, fr.Lasso(alpha=0.1).fit(X, y).coef_, 1e-8)
    ridgecv = fr.RidgeCV(alphas=[1.0, 10.0]).fit(X * s, y)
    _close(ridgecv.coef_ * s, ols, 1e-8)
    cv0 = fr.LassoCV(cv=3).fit(X, y)
    cv1 = fr.LassoCV(cv=3).fit(X * s, y)
    assert cv1.alpha_ == pytest.approx(cv0.alpha_ * s, rel=1e-9)
    _close(cv1.alphas_ / s, cv0.alphas_, 1e-9)
    _close(cv1.coef_ * s, cv0.coef_, 1e-6)
    _close(cv1.mse_path_, cv0.mse_path_, 1e-6)


def test_gramstats_overflow_is_named_as_such(data):
    """GramStats keeps XᵀWX in the data's units: with X near 1e160 it cannot be float64, and
    the error must say so rather than blame NaN in X."""
    X, y = data
    with pytest.raises(ValueError, match="overflow float64") as info:
        fr.GramStats().update(X * 1e160, y)
    assert "NaN" not in str(info.value)
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fr.GramStats().update(bad, y)


def test_lassocv_data_times_1e200_names_the_overflow(data):
    """α_max = max|Xᵀy|/n would be about 1e400: no alphas were passed, so the error must not
    blame them."""
    X, y = data
    with pytest.raises(ValueError, match="alpha grid overflows float64"):
        fr.LassoCV(cv=3).fit(X * 1e200, y * 1e200)


def test_enetcv_data_times_1e100(data):
    X, y = data
    s = 1e100
    cv0 = fr.ElasticNetCV(l1_ratio=[0.5, 1.0], cv=3).fit(X, y)
    cv1 = fr.ElasticNetCV(l1_ratio=[0.5, 1.0], cv=3).fit(X * s, y * s)
    assert cv1.l1_ratio_ == cv0.l1_ratio_
    assert cv1.alpha_ == pytest.approx(cv0.alpha_ * s * s, rel=1e-9)
    _close(cv1.coef_, cv0.coef_, 1e-6)
    _close(cv1.mse_path_ / (s * s), cv0.mse_path_, 1e-6)
    _close(cv1.mse_se_path_ / (s * s), cv0.mse_se_path_, 1e-6)


def test_enetcv_x_alone_times_1e160(data):
    """With X times 1e160 the L2 part of the penalty is ~1e-160 of the L1 part: the chosen fit
    is the lasso at alpha_·l1_ratio/s of the unscaled X."""
    X, y = data
    s = 1e160
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        cv = fr.ElasticNetCV(l1_ratio=0.5, cv=3, tol=1e-10).fit(X * s, y)
    ref = sk.Lasso(alpha=cv.alpha_ * 0.5 / s, tol=1e-10).fit(X, y)
    _close(cv.coef_ * s, ref.coef_, 1e-6)
    assert np.all(np.isfinite(cv.mse_path_))


_HUGE = 10**20


@pytest.mark.parametrize(
    "fit",
    [
        lambda X, y: fr.Lasso(max_iter=_HUGE).fit(X, y),
        lambda X, y: fr.ElasticNet(max_iter=_HUGE).fit(X, y),
        lambda X, y: fr.LassoCV(max_iter=_HUGE).fit(X, y),
        lambda X, y: fr.ElasticNetCV(max_iter=_HUGE).fit(X, y),
        lambda X, y: fr.LassoCV(alphas=_HUGE).fit(X, y),
        lambda X, y: fr.lasso_path(X, y, max_iter=_HUGE),
        lambda X, y: fr.enet_path(X, y, alphas=_HUGE),
        lambda X, y: fr.Ridge(solver="sparse_cg", max_iter=_HUGE).fit(X, y),
    ],
)
def test_integer_too_large_for_the_core_is_named(data, fit):
    X, y = data
    with pytest.raises(ValueError, match=r"must be an int in \[.*2\*\*63-1\]"):
        fit(X, y)


@pytest.mark.parametrize(
    "fit",
    [
        lambda X, y, n_jobs: fr.LassoCV(n_jobs=n_jobs).fit(X, y).coef_,
        lambda X, y, n_jobs: fr.Ridge(n_jobs=n_jobs).fit(X, y).coef_,
        lambda X, y, n_jobs: fr.RidgeCV(n_jobs=n_jobs).fit(X, y).coef_,
        lambda X, y, n_jobs: fr.ridge_path(X, y, n_jobs=n_jobs)[1],
    ],
)
def test_n_jobs_too_large_for_the_core_is_capped(data, fit):
    # Item 3: n_jobs is capped at the usable CPUs, however large (joblib would spawn them all).
    X, y = data
    np.testing.assert_array_equal(fit(X, y, _HUGE), fit(X, y, 1))


def test_scaled_fits_leave_caller_arrays_alone_and_match_sparse(data):
    import scipy.sparse as sp

    X, y = data
    s = 1e200
    Xs, ys, w = X * s, y.copy(), np.full(len(y), 1e250)
    before = (Xs.copy(), ys.copy(), w.copy())
    dense = fr.Lasso(alpha=0.1 * s).fit(Xs, ys, sample_weight=w).coef_
    sparse = fr.Lasso(alpha=0.1 * s).fit(sp.csc_matrix(Xs), ys, sample_weight=w).coef_
    _close(sparse, dense, 1e-8)
    r_dense = fr.Ridge().fit(Xs, ys, sample_weight=w).coef_
    r_sparse = fr.Ridge().fit(sp.csr_matrix(Xs), ys, sample_weight=w).coef_
    _close(r_sparse, r_dense, 1e-8)
    for a, b in zip((Xs, ys, w), before):
        assert np.array_equal(a, b)
