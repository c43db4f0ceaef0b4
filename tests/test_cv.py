"""LassoCV / ElasticNetCV: agreement with scikit-learn on the same folds and α grid, with R
cv.glmnet's lambda.min / lambda.1se on committed reference data, check_estimator, thread-count
independence, bad input, plot and CLI."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from fastreg import ElasticNetCV, LassoCV
from sklearn import linear_model as sk
from sklearn.model_selection import KFold, PredefinedSplit, ShuffleSplit
from sklearn.utils.estimator_checks import check_estimator

DATA = Path(__file__).parent / "data" / "cvglmnet"
TIGHT = {"tol": 1e-12, "max_iter": 100_000}


def make_data(n=80, p=30, seed=0, density=None, rho=0.3):
    rng = np.random.default_rng(seed)
    X = np.sqrt(1 - rho) * rng.standard_normal((n, p)) + np.sqrt(rho) * rng.standard_normal((n, 1))
    if density is not None:
        X = X * (rng.random((n, p)) < density)
    beta = np.zeros(p)
    beta[:5] = [3.0, -2.0, 1.5, 1.0, -0.5]
    y = X @ beta + rng.standard_normal(n) + 2.0
    return X, y


def assert_same_cv(ours, theirs, *, rtol=1e-7):
    np.testing.assert_allclose(ours.alphas_, theirs.alphas_, rtol=1e-12)
    np.testing.assert_allclose(ours.mse_path_, theirs.mse_path_, rtol=rtol)
    assert ours.mse_path_.shape == theirs.mse_path_.shape
    assert ours.alpha_ == pytest.approx(theirs.alpha_, rel=1e-12)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-5, atol=1e-6)
    assert ours.intercept_ == pytest.approx(theirs.intercept_, rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_lassocv_matches_sklearn(sparse, weighted):
    X, y = make_data(density=0.4 if sparse else None)
    sw = np.random.default_rng(1).uniform(0.2, 2.0, len(y)) if weighted else None
    if sparse:
        X = sp.csc_matrix(X)
    cv = KFold(5, shuffle=True, random_state=0)
    ours = LassoCV(cv=cv, alphas=40, **TIGHT).fit(X, y, sample_weight=sw)
    theirs = sk.LassoCV(cv=cv, alphas=40, **TIGHT).fit(X, y, sample_weight=sw)
    assert_same_cv(ours, theirs)
    assert not hasattr(ours, "l1_ratio_")


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_elasticnetcv_matches_sklearn(sparse, weighted):
    X, y = make_data(n=70, p=40, seed=3, density=0.5 if sparse else None)
    sw = np.random.default_rng(2).uniform(0.5, 3.0, len(y)) if weighted else None
    if sparse:
        X = sp.csr_matrix(X)  # converted to CSC without densifying
    cv = KFold(4, shuffle=True, random_state=1)
    kw = dict(l1_ratio=[0.1, 0.5, 0.9, 1.0], cv=cv, alphas=30, **TIGHT)
    ours = ElasticNetCV(**kw).fit(X, y, sample_weight=sw)
    theirs = sk.ElasticNetCV(**kw).fit(X, y, sample_weight=sw)
    # With a ridge part the gap target tol·‖y‖²/n bounds the coefficients less tightly: fastreg's
    # and scikit-learn's ElasticNet on one fold differ by ~1e-6 relative at the smallest α.
    assert_same_cv(ours, theirs, rtol=2e-5)
    assert ours.mse_path_.shape == (4, 30, 4)
    assert ours.l1_ratio_ == theirs.l1_ratio_


def test_given_alphas_no_intercept_and_positive_match_sklearn():
    X, y = make_data(seed=5)
    grid = np.geomspace(1.0, 1e-3, 25)[::-1]  # unsorted order is sorted descending, as sklearn
    for kw in ({"fit_intercept": False}, {"positive": True}, {"l1_ratio": [0.3, 0.8]}):
        ours = ElasticNetCV(alphas=grid, cv=3, **kw, **TIGHT).fit(X, y)
        theirs = sk.ElasticNetCV(alphas=grid, cv=3, **kw, **TIGHT).fit(X, y)
        assert_same_cv(ours, theirs, rtol=2e-5)


def test_other_splitters_and_default_cv():
    X, y = make_data(n=60, seed=7)
    for cv in (
        None,
        ShuffleSplit(4, test_size=0.3, random_state=0),
        list(KFold(3).split(X)),
    ):
        ours = LassoCV(cv=cv, alphas=20, **TIGHT).fit(X, y)
        theirs = sk.LassoCV(cv=cv, alphas=20, **TIGHT).fit(X, y)
        assert_same_cv(ours, theirs)


def test_n_jobs_does_not_change_results():
    X, y = make_data(n=90, p=60, seed=11)
    kw = {"l1_ratio": [0.2, 0.7, 1.0], "cv": 5, "alphas": 30}
    one = ElasticNetCV(n_jobs=1, **kw).fit(X, y)
    two = ElasticNetCV(n_jobs=2, **kw).fit(X, y)
    every = ElasticNetCV(n_jobs=-1, **kw).fit(X, y)
    np.testing.assert_array_equal(one.mse_path_, two.mse_path_)
    np.testing.assert_array_equal(one.mse_path_, every.mse_path_)
    np.testing.assert_array_equal(one.coef_, two.coef_)


def test_one_standard_error_rule():
    X, y = make_data(n=100, p=40, seed=13)
    m = LassoCV(cv=5, alphas=50).fit(X, y)
    mean = m.mse_path_.mean(axis=1)
    se = m.mse_path_.std(axis=1, ddof=1) / np.sqrt(5)
    np.testing.assert_allclose(m.mse_mean_path_, mean)
    np.testing.assert_allclose(m.mse_se_path_, se)
    i = np.argmin(mean)
    assert m.alpha_ == m.alpha_min_ == m.alphas_[i]
    expected = m.alphas_[mean <= mean[i] + se[i]].max()
    assert m.alpha_1se_ == expected and m.alpha_1se_ >= m.alpha_min_
    s = LassoCV(cv=5, alphas=50, alpha_rule="1se").fit(X, y)
    assert s.alpha_ == m.alpha_1se_
    np.testing.assert_array_equal(s.mse_path_, m.mse_path_)
    # the refit is fastreg's ElasticNet at the chosen α
    from fastreg import Lasso

    ref = Lasso(alpha=s.alpha_).fit(X, y)
    np.testing.assert_allclose(s.coef_, ref.coef_)
    assert np.count_nonzero(s.coef_) <= np.count_nonzero(m.coef_)


def read_vec(name):
    return np.loadtxt(DATA / name, delimiter=",", ndmin=1)


def glmnet_cases():
    with open(DATA / "manifest.csv") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("case", glmnet_cases(), ids=lambda c: c["name"])
def test_matches_cv_glmnet(case):
    name, n, p = case["name"], int(case["n"]), int(case["p"])
    if (DATA / f"{name}_X.csv").exists():
        X = np.loadtxt(DATA / f"{name}_X.csv", delimiter=",", ndmin=2)
    else:
        t = np.loadtxt(DATA / f"{name}_X_triplets.csv", delimiter=",", ndmin=2)
        X = sp.csc_matrix((t[:, 2], (t[:, 0].astype(int) - 1, t[:, 1].astype(int) - 1)), (n, p))
    y, w = read_vec(f"{name}_y.csv"), read_vec(f"{name}_w.csv")
    foldid = read_vec(f"{name}_foldid.csv").astype(int)
    lam = read_vec(f"{name}_lambda.csv")
    lam_min, lam_1se = read_vec(f"{name}_lambda_min_1se.csv")
    m = LassoCV(
        alphas=lam,
        cv=PredefinedSplit(foldid - 1),
        fit_intercept=case["intercept"] == "TRUE",
        tol=1e-14,
        max_iter=1_000_000,
    ).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(m.alphas_, lam, rtol=1e-15)
    # glmnet stops on coefficient changes, not on a duality gap: near saturation (p > n_train)
    # its fold fits are ~2e-5 off, where fastreg and scikit-learn agree to 1e-12.
    np.testing.assert_allclose(m.mse_mean_path_, read_vec(f"{name}_cvm.csv"), rtol=1e-4)
    np.testing.assert_allclose(m.mse_se_path_, read_vec(f"{name}_cvsd.csv"), rtol=1e-3)
    assert m.alpha_min_ == pytest.approx(lam_min, rel=1e-12)
    assert m.alpha_1se_ == pytest.approx(lam_1se, rel=1e-12)
    assert m.alpha_min_ < m.alpha_1se_


def test_glmnet_options_used_in_folds_and_refit():
    X, y = make_data(n=80, p=20, seed=17)
    pf = np.ones(20)
    pf[0] = 0.0
    m = ElasticNetCV(
        l1_ratio=0.7,
        cv=4,
        alphas=20,
        penalty_factor=pf,
        standardize=True,
        lower_bounds=-1.0,
        **TIGHT,
    ).fit(X, y)
    # α_max of the penalised problem: the first α leaves only the unpenalised feature
    assert m.coef_[0] != 0.0 and m.coef_.min() >= -1.0 - 1e-12
    from fastreg import ElasticNet

    ref = ElasticNet(
        alpha=m.alpha_,
        l1_ratio=0.7,
        penalty_factor=pf,
        standardize=True,
        lower_bounds=-1.0,
        **TIGHT,
    ).fit(X, y)
    np.testing.assert_allclose(m.coef_, ref.coef_, rtol=1e-8, atol=1e-10)
    first = ElasticNet(
        alpha=m.alphas_[0],
        l1_ratio=0.7,
        penalty_factor=pf,
        standardize=True,
        lower_bounds=-1.0,
        **TIGHT,
    ).fit(X, y)
    assert np.flatnonzero(first.coef_).tolist() == [0]
    assert m.n_nonzero_path_[-1] > 1


@pytest.mark.parametrize("Est", [LassoCV, ElasticNetCV])
def test_check_estimator(Est):
    # Repeating a row is not the same as weighting it under K-fold CV: the copies land in
    # different folds, so the chosen alpha (and the predictions) can legitimately differ.
    why = "K-fold CV splits repeated rows across folds; weights keep them together"
    check_estimator(
        Est(cv=3),
        expected_failed_checks={
            "check_sample_weight_equivalence_on_dense_data": why,
            "check_sample_weight_equivalence_on_sparse_data": why,
        },
    )


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"l1_ratio": 1.5}, ValueError, "l1_ratio"),
        ({"l1_ratio": [0.5, "a"]}, TypeError, "l1_ratio"),
        ({"eps": 0.0}, ValueError, "eps"),
        ({"alphas": 0}, ValueError, "alphas"),
        ({"alphas": [0.1, -1.0]}, ValueError, "alphas"),
        ({"alphas": [np.nan]}, ValueError, "alphas"),
        ({"l1_ratio": 0.0}, ValueError, "l1_ratio=0"),
        ({"cv": 1}, ValueError, "splits|n_splits|folds"),
        ({"alpha_rule": "2se"}, ValueError, "alpha_rule"),
        ({"max_iter": 0}, ValueError, "max_iter"),
        ({"tol": -1.0}, ValueError, "tol"),
        ({"selection": "best"}, ValueError, "selection"),
        ({"penalty_factor": [1.0, 2.0]}, ValueError, "penalty_factor"),
        ({"lower_bounds": 1.0}, ValueError, "lower_bounds"),
    ],
)
def test_bad_input(kwargs, exc, match):
    X, y = make_data(n=30, p=5)
    with pytest.raises(exc, match=match):
        ElasticNetCV(**kwargs).fit(X, y)


def test_bad_data():
    X, y = make_data(n=30, p=5)
    with pytest.raises(ValueError, match="sample_weight"):
        LassoCV(cv=3).fit(X, y, sample_weight=-np.ones(30))
    with pytest.raises(ValueError, match="multi-task|MultiTask"):
        LassoCV(cv=3).fit(X, np.c_[y, y])
    with pytest.raises(ValueError):
        LassoCV(cv=3).fit(X, y[:-1])
    # a splitter whose held-out rows all have zero weight
    sw = np.ones(30)
    sw[:10] = 0.0
    with pytest.raises(ValueError, match="zero total weight"):
        LassoCV(cv=KFold(3)).fit(X, y, sample_weight=sw)


def test_n_alphas_deprecated_alias():
    X, y = make_data(n=40, p=8)
    with pytest.warns(FutureWarning, match="n_alphas"):
        m = LassoCV(n_alphas=15, cv=3).fit(X, y)
    assert m.alphas_.shape == (15,)


def test_plot(tmp_path):
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    X, y = make_data(n=60, p=15)
    m = ElasticNetCV(l1_ratio=[0.5, 1.0], cv=3, alphas=20).fit(X, y)
    axes = m.plot()
    assert len(axes) == 2
    axes[0].figure.savefig(tmp_path / "cv.png")
    assert (tmp_path / "cv.png").stat().st_size > 0


def test_progress_bar_when_verbose(capfd):
    X, y = make_data(n=40, p=10)
    LassoCV(cv=3, alphas=10, verbose=True).fit(X, y)
    assert "3/3" in capfd.readouterr().err
    LassoCV(cv=3, alphas=10).fit(X, y)
    assert capfd.readouterr().err == ""


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "fastreg", "fit", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_cli_cv(tmp_path):
    out = run_cli(
        "--cv",
        "5",
        "--model",
        "elasticnet",
        "--l1-ratio",
        "0.5,1",
        "--plot",
        str(tmp_path / "cv.png"),
    )
    assert out.returncode == 0, out.stderr
    assert "alpha (min CV error)" in out.stdout and "alpha (1-SE rule)" in out.stdout
    assert "l1_ratio" in out.stdout and "CV error" in out.stdout
    assert (tmp_path / "cv.png").stat().st_size > 0
    plain = run_cli("--alpha", "0.5")
    assert plain.returncode == 0 and "alpha=0.5" in plain.stdout
    bad = run_cli("--cv", "1")
    assert bad.returncode == 2 and "error" in bad.stderr
