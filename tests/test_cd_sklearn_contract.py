"""Where scikit-learn's elastic-net API refuses or warns, fastreg does the same, in words a user
can act on (issue 28, scikit-learn's test_coordinate_descent.py): a Gram matrix of other data,
a Gram matrix that cannot be the centred one, check_input=False with a C-ordered X, routed fit
parameters, a bad alphas grid, positive=True with a 2-D y."""

import fastreg
import numpy as np
import pytest
import sklearn.linear_model as sk


def _data(n=60, p=8, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    return X, X @ rng.standard_normal(p) + rng.standard_normal(n)


def test_gram_of_other_data_is_refused():
    X, y = _data()
    Xc = X - X.mean(axis=0)
    garbage = np.random.default_rng(1).standard_normal(X.shape)
    with pytest.raises(ValueError, match="Gram matrix.*did not pass validation"):
        fastreg.ElasticNet(alpha=0.01, precompute=garbage.T @ garbage).fit(Xc, y)
    # the right matrix gives scikit-learn's answer
    ours = fastreg.ElasticNet(alpha=0.01, precompute=Xc.T @ Xc, tol=1e-10).fit(Xc, y)
    ref = sk.ElasticNet(alpha=0.01, precompute=Xc.T @ Xc, tol=1e-10).fit(Xc, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-9)


def test_gram_of_uncentred_x_warns_and_is_recomputed():
    X, y = _data()
    with pytest.warns(UserWarning, match="Gram matrix was provided but X was centered"):
        ours = fastreg.ElasticNet(alpha=0.01, precompute=X.T @ X, tol=1e-10).fit(X, y)
    ref = sk.ElasticNet(alpha=0.01, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-9)


def test_check_input_false_needs_fortran_float_x():
    X, y = _data()
    fastreg.ElasticNet().fit(np.asfortranarray(X), y, check_input=False)
    with pytest.raises(ValueError, match="Fortran-ordered"):
        fastreg.ElasticNet().fit(np.ascontiguousarray(X), y, check_input=False)
    # scikit-learn rescales a copy of X when weighted, so any layout is fine then
    w = np.full(len(y), 1.25)
    fastreg.ElasticNet().fit(np.ascontiguousarray(X), y, sample_weight=w, check_input=False)
    np.testing.assert_array_equal(w, 1.25)


@pytest.mark.parametrize("cls", [fastreg.LassoCV, fastreg.ElasticNetCV])
def test_cv_fit_params_need_routing(cls):
    X, y = _data()
    with pytest.raises(ValueError, match="only supported if enable_metadata_routing=True"):
        cls(cv=3).fit(X, y, groups=np.arange(len(y)) % 3)


@pytest.mark.parametrize(
    "alphas, err, msg",
    [
        ((1, -1, -100), ValueError, r"alphas\[1\] == -1, must be >= 0.0."),
        ((1, 1.0, "1"), TypeError, r"alphas\[2\] must be an instance of float, not str"),
        ((1.0, np.nan), ValueError, r"alphas\[1\] == nan, must be finite"),
    ],
)
def test_cv_alphas_checked_value_by_value(alphas, err, msg):
    X, y = _data()
    with pytest.raises(err, match=msg):
        fastreg.LassoCV(alphas=alphas, cv=3).fit(X, y)


@pytest.mark.parametrize("path", [fastreg.enet_path, fastreg.lasso_path])
def test_positive_with_2d_y_is_a_value_error(path):
    X, y = _data()
    Y = np.column_stack([y, -y])
    with pytest.raises(ValueError, match="positive=True is not allowed for multi-output"):
        path(X, Y, positive=True)


def test_alpha_zero_warning_in_sklearn_words():
    X, y = _data()
    with pytest.warns(UserWarning, match="You are advised to use the LinearRegression"):
        fastreg.Lasso(alpha=0, max_iter=50).fit(X, y)
