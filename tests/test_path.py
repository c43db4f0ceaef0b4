"""Public path API: parity with R glmnet (reference data from tests/r/make_glmnet_reference.R),
agreement with scikit-learn's lasso_path / enet_path on centred data, the Path object, the
estimators' glmnet options, and bad input."""

from __future__ import annotations

import csv
import warnings
from pathlib import Path as FsPath

import fastreg
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import linear_model as sklm

DATA = FsPath(__file__).parent / "data" / "glmnet"


# --------------------------------------------------------------------------- glmnet parity


def _read(name, suffix, ndmin=1):
    return np.loadtxt(DATA / f"{name}_{suffix}.csv", delimiter=",", ndmin=ndmin)


def _manifest():
    with open(DATA / "manifest.csv") as fh:
        return list(csv.DictReader(fh))


def _case(row):
    name = row["name"]
    n, p = int(row["n"]), int(row["p"])
    if row["sparse"] == "TRUE":
        t = _read(name, "X_triplets", ndmin=2)
        X = sp.csc_matrix((t[:, 2], (t[:, 0].astype(int), t[:, 1].astype(int))), shape=(n, p))
    else:
        X = _read(name, "X", ndmin=2)
    beta = _read(name, "beta", ndmin=2).reshape(p, -1)
    return dict(
        X=X,
        y=_read(name, "y"),
        w=_read(name, "w"),
        pf=_read(name, "pf"),
        lower=_read(name, "lower"),
        upper=_read(name, "upper"),
        lam=_read(name, "lambda"),
        a0=_read(name, "a0"),
        beta=beta,
        alpha=float(row["alpha"]),
        intercept=row["intercept"] == "TRUE",
        standardize=row["standardize"] == "TRUE",
        ys=float(row["ys"]),
    )


def glmnet_objective(c, coef, a0, lam):
    """glmnet's gaussian objective on the original scale: weights normalised, penalty factors
    rescaled to sum to p (Inf counted as 1), standardisation by weighted population sd, and
    the ridge part divided by glmnet's response scale ys (1 except in the raw-y case)."""
    X, y, w = c["X"], c["y"], c["w"]
    n, p = X.shape
    w = w / w.sum()
    pf = np.where(np.isinf(c["pf"]), 1.0, c["pf"])
    pf = pf * p / pf.sum()
    if c["standardize"]:
        Xd = X.toarray() if sp.issparse(X) else X
        mu = w @ Xd
        s = np.sqrt(w @ (Xd - mu) ** 2)
    else:
        s = np.ones(p)
    r = y - a0 - np.asarray(X @ coef).ravel()
    b = coef * s
    pen = np.sum(pf * (c["alpha"] * np.abs(b) + 0.5 * (1 - c["alpha"]) / c["ys"] * b * b))
    return 0.5 * np.sum(w * r * r) + lam * pen


def fastreg_alphas(c):
    """glmnet's (λ, α) as fastreg's (alphas, l1_ratio): l1 = λα, l2 = λ(1 − α)/ys."""
    total = c["alpha"] + (1 - c["alpha"]) / c["ys"]
    return c["lam"] * total, c["alpha"] / total


@pytest.mark.parametrize("row", _manifest(), ids=lambda r: r["name"])
def test_glmnet_parity(row):
    c = _case(row)
    alphas, l1_ratio = fastreg_alphas(c)
    fit = fastreg.path(
        c["X"],
        c["y"],
        l1_ratio=l1_ratio,
        alphas=alphas,
        fit_intercept=c["intercept"],
        standardize=c["standardize"],
        sample_weight=c["w"],
        penalty_factor=c["pf"],
        lower_bounds=c["lower"],
        upper_bounds=c["upper"],
        tol=1e-11,
    )
    assert np.all(fit.converged_)
    np.testing.assert_allclose(fit.alphas_, alphas, rtol=0, atol=0)
    coef = fit.coef_.toarray() if sp.issparse(fit.coef_) else fit.coef_
    scale = max(1.0, np.abs(c["beta"]).max())
    for k, lam in enumerate(c["lam"]):
        ours = glmnet_objective(c, coef[:, k], fit.intercept_[k], lam)
        theirs = glmnet_objective(c, c["beta"][:, k], c["a0"][k], lam)
        # never worse than R's by more than 1e-8 relative
        assert ours <= theirs * (1 + 1e-8), (k, ours, theirs)
        # the same solution, to within R's convergence accuracy: at thresh=1e-14 glmnet's
        # objective is up to ~1e-10 relative above ours, which allows coefficient errors of
        # order √(2·excess/curvature) ≈ 1e-5 on these problems
        np.testing.assert_allclose(coef[:, k], c["beta"][:, k], rtol=0, atol=1e-5 * scale)
        assert abs(fit.intercept_[k] - c["a0"][k]) <= 1e-5 * max(1.0, abs(c["a0"][k]))
    assert np.all(coef[c["lower"] == 0] >= 0)
    assert np.all(coef >= c["lower"][:, None] - 1e-12)
    assert np.all(coef <= c["upper"][:, None] + 1e-12)
    assert np.all(coef[np.isinf(c["pf"])] == 0)


def test_glmnet_parity_dev_ratio():
    c = _case(next(r for r in _manifest() if r["name"] == "lasso_sparse_weights"))
    fit = fastreg.path(
        c["X"], c["y"], alphas=c["lam"], standardize=True, sample_weight=c["w"], tol=1e-11
    )
    np.testing.assert_allclose(fit.r2_, _read("lasso_sparse_weights", "dev_ratio"), atol=1e-8)


# ------------------------------------------------------------------------ scikit-learn parity


def _centred(n, p, seed, sparse=False):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + 0.5 * rng.standard_normal((n, 1))
    if sparse:
        X = X * (rng.random((n, p)) < 0.3)
        Xs = sp.csc_matrix(X)
        y = X[:, :4] @ np.array([2.0, -1.5, 1.0, 0.5]) + 0.3 * rng.standard_normal(n)
        return Xs, y - y.mean()
    X -= X.mean(axis=0)
    y = X[:, :4] @ np.array([2.0, -1.5, 1.0, 0.5]) + 0.3 * rng.standard_normal(n)
    return X, y - y.mean()


def _primal(X, y, coef, alpha, l1_ratio):
    r = y - np.asarray(X @ coef).ravel()
    return (
        0.5 * r @ r / X.shape[0]
        + alpha * l1_ratio * np.abs(coef).sum()
        + 0.5 * alpha * (1 - l1_ratio) * coef @ coef
    )


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("shape", [(40, 120), (120, 30)])
@pytest.mark.parametrize("positive", [False, True])
def test_matches_sklearn_path(sparse, l1_ratio, shape, positive):
    X, y = _centred(*shape, seed=1, sparse=sparse)
    kw = dict(
        l1_ratio=l1_ratio, alphas=25, eps=1e-2, tol=1e-12, max_iter=100_000, positive=positive
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a_sk, c_sk, _ = sklm.enet_path(X, y, **kw)
    a, c, g = fastreg.enet_path(X, y, **kw)
    np.testing.assert_allclose(a, a_sk, rtol=1e-12)
    assert c.shape == c_sk.shape and g.shape == (25,)
    for k in range(len(a)):
        ours = _primal(X, y, c[:, k], a[k], l1_ratio)
        theirs = _primal(X, y, c_sk[:, k], a[k], l1_ratio)
        assert ours <= theirs * (1 + 1e-9) + 1e-15
    np.testing.assert_allclose(c, c_sk, atol=1e-5)
    assert np.all(g >= 0)


def test_lasso_path_signature_and_returns():
    X, y = _centred(30, 50, seed=2)
    alphas, coefs, gaps, n_iters = fastreg.lasso_path(
        X, y, alphas=[0.1, 0.5, 0.01], return_n_iter=True
    )
    np.testing.assert_array_equal(alphas, [0.5, 0.1, 0.01])
    assert coefs.shape == (50, 3) and gaps.shape == (3,) and len(n_iters) == 3
    # y of shape (n, 1): scikit-learn's multi-output layout
    _, coefs2, _ = fastreg.lasso_path(X, y[:, None], alphas=[0.1, 0.5, 0.01])
    assert coefs2.shape == (1, 50, 3)
    np.testing.assert_allclose(coefs2[0], coefs)
    with pytest.warns(FutureWarning):
        a, _, _ = fastreg.lasso_path(X, y, n_alphas=7)
    assert len(a) == 7
    with pytest.raises(ValueError, match="Unexpected"):
        fastreg.lasso_path(X, y, bogus=1)
    # several targets: the multi-task path (tests/test_multitask_path.py), in scikit-learn's
    # layout
    _, coefs3, _ = fastreg.lasso_path(X, np.c_[y, -y, 2 * y], alphas=[0.1, 0.5, 0.01])
    assert coefs3.shape == (3, 50, 3)
    with pytest.raises(ValueError, match="positive"):
        fastreg.lasso_path(X, np.c_[y, y], positive=True)
    # float32 in, float32 coefficients out, as scikit-learn
    _, c32, _ = fastreg.lasso_path(X.astype(np.float32), y, alphas=5)
    assert c32.dtype == np.float32


@pytest.mark.parametrize("sparse", [False, True])
def test_sample_weight_as_sklearn(sparse):
    """scikit-learn's enet_path reads sample_weight only for sparse X, unnormalised (cd_fast's
    ½Σw r² + n·α·pen); for dense X it ignores them. fastreg matches both."""
    X, y = _centred(60, 20, seed=3, sparse=sparse)
    w = np.random.default_rng(0).uniform(0.5, 3, 60)
    kw = dict(l1_ratio=0.7, alphas=[0.5, 0.1, 0.02], tol=1e-13, max_iter=100_000)
    a_sk, c_sk, g_sk = sklm.enet_path(X, y, sample_weight=w, **kw)
    a, c, g = fastreg.enet_path(X, y, sample_weight=w, **kw)
    np.testing.assert_allclose(a, a_sk)
    np.testing.assert_allclose(c, c_sk, atol=1e-6)


def test_xy_sets_grid():
    X, y = _centred(30, 10, seed=4)
    a1, _, _ = fastreg.lasso_path(X, y, alphas=5, Xy=X.T @ y)
    a2, _, _ = sklm.lasso_path(X, y, alphas=5, Xy=X.T @ y)
    np.testing.assert_allclose(a1, a2)


# ---------------------------------------------------------------------------- fastreg.path


def _reference_objectives(X, y, fit, l1_ratio):
    """Objectives solved to a 1e-13 relative gap, for the accuracy claim of the default tol."""
    tight = fastreg.path(X, y, l1_ratio=l1_ratio, alphas=fit.alphas_, tol=1e-11)
    return tight.objective_


@pytest.mark.parametrize("sparse", [False, True])
def test_default_tol_gives_1e6_relative_excess(sparse):
    X, y = _centred(60, 200, seed=5, sparse=sparse)
    y = y + 3.0
    fit = fastreg.path(X, y, l1_ratio=0.9)
    ref = _reference_objectives(X, y, fit, 0.9)
    excess = (fit.objective_ - ref) / ref
    assert np.all(excess <= 1e-6)
    assert np.all(fit.dual_gap_ <= 1e-6 * fit.objective_ * (1 + 1e-12))


def test_screening_and_threads_do_not_change_the_path():
    X, y = _centred(50, 300, seed=6)
    a = fastreg.path(X, y, tol=1e-12)
    b = fastreg.path(X, y, tol=1e-12, screening=False)
    c = fastreg.path(X, y, tol=1e-12, n_jobs=2)
    np.testing.assert_allclose(a.objective_, b.objective_, rtol=1e-10)
    np.testing.assert_allclose(a.objective_, c.objective_, rtol=1e-10)
    np.testing.assert_allclose(a.coef_, c.coef_, atol=1e-8)


def test_path_object():
    X, y = _centred(40, 100, seed=7)
    y = y + 1.0
    fit = fastreg.path(X, y, alphas=30, eps=1e-2)
    k = len(fit.alphas_)
    assert k == 30 and np.all(np.diff(fit.alphas_) < 0)
    assert fit.coef_.shape == (100, 30)
    assert fit.df_[0] == 0 and fit.df_[-1] > 0
    assert np.all(np.diff(fit.r2_) >= -1e-9) and 0 <= fit.r2_[-1] <= 1
    # first point: all zero, intercept the mean
    assert abs(fit.intercept_[0] - y.mean()) < 1e-12
    # coef_at: exact at grid points, linear in α between them, clamped outside
    C = fit.coef_
    c5, b5 = fit.coef_at(fit.alphas_[5])
    np.testing.assert_allclose(c5, C[:, 5], atol=1e-15)
    mid = 0.25 * fit.alphas_[5] + 0.75 * fit.alphas_[6]
    cm, bm = fit.coef_at(mid)
    np.testing.assert_allclose(cm, 0.25 * C[:, 5] + 0.75 * C[:, 6], atol=1e-12)
    np.testing.assert_allclose(bm, 0.25 * fit.intercept_[5] + 0.75 * fit.intercept_[6])
    np.testing.assert_allclose(fit.coef_at(1e9)[0], C[:, 0])
    np.testing.assert_allclose(fit.coef_at(0.0)[0], C[:, -1])
    many, _ = fit.coef_at([fit.alphas_[2], mid])
    assert many.shape == (100, 2)
    # predict
    P = fit.predict(X)
    assert P.shape == (40, 30)
    np.testing.assert_allclose(P[:, 4], X @ C[:, 4] + fit.intercept_[4])
    np.testing.assert_allclose(fit.predict(X, alpha=mid), X @ cm + bm)
    with pytest.raises(ValueError):
        fit.predict(X[:, :5])
    text = repr(fit)
    assert "alpha" in text and "%dev" in text and "df" in text


def test_plot_smoke():
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    X, y = _centred(30, 20, seed=8)
    ax = fastreg.path(X, y, alphas=10).plot()
    assert ax.get_xlabel().startswith("log10")


def test_glmnet_eps_and_early_stop():
    X, y = _centred(100, 20, seed=9)
    full = fastreg.path(X, y, eps="glmnet")
    assert np.isclose(full.alphas_[-1] / full.alphas_[0], 1e-4)
    short = fastreg.path(X, y, eps="glmnet", early_stop=True)
    assert 5 <= len(short.alphas_) < 100
    np.testing.assert_allclose(short.alphas_, full.alphas_[: len(short.alphas_)])


def test_alpha_max_with_unpenalised_feature():
    X, y = _centred(50, 30, seed=10)
    pf = np.ones(30)
    pf[0] = 0.0
    fit = fastreg.path(X, y, penalty_factor=pf, alphas=10)
    C = fit.coef_.toarray() if sp.issparse(fit.coef_) else fit.coef_
    assert np.all(C[1:, 0] == 0) and C[0, 0] != 0
    assert np.count_nonzero(C[1:, 1]) >= 1
    assert np.all(fit.converged_)


def test_bad_input():
    X, y = _centred(20, 5, seed=11)
    with pytest.raises(ValueError, match="penalty_factor"):
        fastreg.path(X, y, penalty_factor=[1, 1, -1, 1, 1])
    with pytest.raises(ValueError, match="lower_bounds"):
        fastreg.path(X, y, lower_bounds=0.5)
    with pytest.raises(ValueError, match="upper_bounds"):
        fastreg.path(X, y, upper_bounds=-1.0)
    with pytest.raises(ValueError, match="shape"):
        fastreg.path(X, y, penalty_factor=[1, 1])
    with pytest.raises(ValueError):
        fastreg.path(X, y[:-1])
    with pytest.raises(ValueError, match="eps"):
        fastreg.path(X, y, eps="R")
    with pytest.raises(ValueError):
        fastreg.path(X, y, alphas=[-1.0])
    with pytest.raises(ValueError, match="all zero"):
        fastreg.path(X, y, penalty_factor=np.zeros(5))
    # every feature excluded: glmnet stops too (before, the grid came back as NaN)
    for fit in (
        lambda: fastreg.path(X, y, penalty_factor=np.full(5, np.inf)),
        lambda: fastreg.Lasso(alpha=0.1, penalty_factor=np.full(5, np.inf)).fit(X, y),
        lambda: fastreg.LassoCV(penalty_factor=np.full(5, np.inf), cv=3).fit(X, y),
    ):
        with pytest.raises(ValueError, match="penalty_factor.*excludes every feature"):
            fit()
    with pytest.raises(ValueError, match="Gram"):
        fastreg.lasso_path(X, y, precompute=np.eye(3))
    with pytest.raises(ValueError, match="l1_ratio=0"):
        fastreg.enet_path(X, y, l1_ratio=0.0)


# ------------------------------------------------------------------ estimators, glmnet options


def test_estimator_options_match_path():
    c = _case(next(r for r in _manifest() if r["name"] == "lasso_pf_bounds_weights"))
    k = 20
    lam = c["lam"][k]
    est = fastreg.Lasso(
        alpha=lam,
        penalty_factor=c["pf"],
        lower_bounds=c["lower"],
        upper_bounds=c["upper"],
        standardize=True,
        tol=1e-14,
        max_iter=100_000,
    )
    est.fit(c["X"], c["y"], sample_weight=c["w"])
    np.testing.assert_allclose(est.coef_, c["beta"][:, k], atol=1e-6)
    assert abs(est.intercept_ - c["a0"][k]) < 1e-6
    assert est.get_params()["standardize"] is True


def test_estimator_positive_and_standardize():
    X, y = _centred(60, 10, seed=12)
    X = X * np.arange(1, 11)
    est = fastreg.ElasticNet(
        alpha=0.05, l1_ratio=0.5, standardize=True, positive=True, tol=1e-12
    ).fit(X, y)
    fit = fastreg.path(
        X, y, l1_ratio=0.5, alphas=[0.05], standardize=True, positive=True, tol=1e-12
    )
    C = fit.coef_.toarray() if sp.issparse(fit.coef_) else fit.coef_
    np.testing.assert_allclose(est.coef_, C[:, 0], atol=1e-6)
    assert np.all(est.coef_ >= 0)


# --------------------------------------------------------------------------- covariance mode


def _tall(n=400, p=25, seed=8):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + 0.7 * rng.standard_normal((n, 1)) + 3.0
    y = X[:, :5] @ np.array([1.5, -2.0, 0.0, 1.0, 0.7]) + rng.standard_normal(n) + 4.0
    w = rng.uniform(0.2, 2.0, n)
    return X, y, w


@pytest.mark.parametrize("standardize", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_covariance_mode_equals_residual_mode(standardize, fit_intercept):
    """Gram mode solves the same problems: same objectives to the tolerance, with weights,
    penalty factors (one unpenalised), bounds and standardisation, and both certified."""
    X, y, w = _tall()
    p = X.shape[1]
    pf = np.ones(p)
    pf[3] = 0.0
    lo = np.full(p, -np.inf)
    lo[1] = -1.0
    kw = dict(
        l1_ratio=0.8,
        alphas=30,
        sample_weight=w,
        penalty_factor=pf,
        lower_bounds=lo,
        standardize=standardize,
        fit_intercept=fit_intercept,
        tol=1e-10,
    )
    gram = fastreg.path(X, y, precompute=True, **kw)
    resid = fastreg.path(X, y, precompute=False, **kw)
    auto = fastreg.path(X, y, **kw)
    np.testing.assert_allclose(gram.alphas_, resid.alphas_, rtol=1e-12)
    np.testing.assert_allclose(gram.objective_, resid.objective_, rtol=1e-9)
    np.testing.assert_allclose(auto.objective_, gram.objective_, rtol=1e-9)
    assert np.all(gram.dual_gap_ <= 1e-10 * gram.objective_ * (1 + 1e-9))
    # the reported objective is the objective of the returned coefficients, from scratch
    n = len(y)
    wn = w * n / w.sum()
    sd = np.sqrt(np.average((X - np.average(X, axis=0, weights=w)) ** 2, axis=0, weights=w))
    scale = sd if standardize else np.ones(p)
    pfn = pf * p / pf.sum()
    for k in range(0, 30, 7):
        beta, b0 = gram.coef_at(gram.alphas_[k])
        r = y - X @ beta - b0
        bs = beta * scale
        pen = np.sum(pfn * (0.8 * np.abs(bs) + 0.1 * bs**2))
        obj = 0.5 * np.sum(wn * r**2) / n + gram.alphas_[k] * pen
        np.testing.assert_allclose(gram.objective_[k], obj, rtol=1e-9)
    # The two solutions are as close as their gaps allow: the loss, minimised over the
    # intercept, is strongly convex with the smallest eigenvalue m of the (W-centred) Hessian,
    # so each is within sqrt(2·gap/m) of the optimum (the gap counted at least as the rounding
    # of the objective, a few ulps); the intercepts follow through the means.
    xbar = np.average(X, axis=0, weights=w) if fit_intercept else np.zeros(p)
    Xc = X - xbar
    m = np.linalg.eigvalsh(Xc.T @ (wn[:, None] * Xc) / n).min()
    assert m > 0
    floor = 1e-15 * gram.objective_
    bound = np.sqrt(2 * (gram.dual_gap_ + floor) / m) + np.sqrt(2 * (resid.dual_gap_ + floor) / m)
    cg, cr = (c.toarray() if sp.issparse(c) else c for c in (gram.coef_, resid.coef_))
    dist = np.linalg.norm(cg - cr, axis=0)
    assert np.all(dist <= bound), (dist / bound).max()
    b0_gap = np.abs(gram.intercept_ - resid.intercept_)
    assert np.all(b0_gap <= np.linalg.norm(xbar) * bound + 1e-9 * np.abs(gram.intercept_))


def test_covariance_mode_matches_sklearn_precompute():
    X, y, _ = _tall(300, 20, 3)
    X = X - X.mean(axis=0)
    y = y - y.mean()
    G = X.T @ X
    a_sk, c_sk, _ = sklm.lasso_path(X, y, precompute=G, eps=1e-3, alphas=40, tol=1e-12)
    a, c, gaps = fastreg.lasso_path(X, y, precompute=G, eps=1e-3, alphas=40, tol=1e-12)
    np.testing.assert_allclose(a, a_sk, rtol=1e-12)
    for k in range(len(a)):
        assert _primal(X, y, c[:, k], a[k], 1.0) <= _primal(X, y, c_sk[:, k], a[k], 1.0) * (
            1 + 1e-9
        )
    np.testing.assert_allclose(c, c_sk, atol=1e-6)
    for pre in (True, False):
        sk = sklm.Lasso(alpha=0.05, precompute=pre, tol=1e-12).fit(X + 1.0, y)
        ours = fastreg.Lasso(alpha=0.05, precompute=pre, tol=1e-12).fit(X + 1.0, y)
        np.testing.assert_allclose(ours.coef_, sk.coef_, atol=1e-7)
        np.testing.assert_allclose(ours.intercept_, sk.intercept_, atol=1e-7)


@pytest.mark.parametrize("precompute", [True, False])
def test_tol_zero_still_reaches_the_solution(precompute):
    # tol=0 (scikit-learn: run every epoch) can never be met, so every working-set solve runs
    # out of epochs; the strong set's missing features must still get in. Wide data, where the
    # strong set at a small cold-started alpha misses much of the support.
    rng = np.random.default_rng(0)
    X = np.asfortranarray(rng.standard_normal((80, 300)))
    y = X[:, :5] @ np.arange(1.0, 6.0) + rng.standard_normal(80)
    for alpha in (0.1, 0.01):
        sk = sklm.Lasso(alpha=alpha, tol=1e-14, max_iter=100_000).fit(X, y)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tol=0: "not converged" is the documented outcome
            ours = fastreg.Lasso(alpha=alpha, precompute=precompute, tol=0.0, max_iter=3000).fit(
                X, y
            )
        p_sk = _primal(X - X.mean(0), y - y.mean(), sk.coef_, alpha, 1.0)
        p_ours = _primal(X - X.mean(0), y - y.mean(), ours.coef_, alpha, 1.0)
        assert p_ours <= p_sk * (1 + 1e-10), (alpha, p_ours, p_sk)
        assert ours.dual_gap_ <= 1e-10 * p_sk


def test_bad_precompute():
    X, y, _ = _tall(50, 6, 1)
    with pytest.raises(ValueError, match="shape"):
        fastreg.lasso_path(X, y, precompute=np.eye(5))
    bad = np.eye(6)
    bad[0, 1] = 1.0
    with pytest.raises(ValueError, match="symmetric"):
        fastreg.lasso_path(X, y, precompute=bad)
    with pytest.raises(ValueError, match="precompute"):
        fastreg.Lasso(precompute="yes").fit(X, y)


@pytest.mark.parametrize("sparse", [False, True])
def test_unpenalised_constant_column_beside_the_intercept(sparse):
    """A constant column with penalty factor 0 is zero once centred: the path must still
    converge everywhere (it used to stall with a NaN dual point) and leave it at 0."""
    rng = np.random.default_rng(3)
    n, p = 60, 400
    X = rng.standard_normal((n, p)) * (rng.random((n, p)) < 0.05)
    X = np.hstack([X, np.ones((n, 1))])
    y = X[:, :5] @ rng.standard_normal(5) + 0.1 * rng.standard_normal(n)
    w = rng.uniform(0.5, 1.5, n)
    pf = np.ones(p + 1)
    pf[-1] = 0.0
    Xin = sp.csc_matrix(X) if sparse else X
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = fastreg.path(Xin, y, penalty_factor=pf, sample_weight=w, alphas=30)
    assert np.all(fit.converged_)
    assert np.all(fit.dual_gap_ <= 1e-6 * fit.objective_ * (1 + 1e-9))
    coef = fit.coef_.toarray() if sp.issparse(fit.coef_) else np.asarray(fit.coef_)
    assert np.all(coef[-1] == 0.0)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("case", ["residual", "covariance", "unpenalised"])
def test_excluded_features_are_as_if_dropped(sparse, case):
    """Features held at zero (infinite penalty factor, the box [0, 0], an all-zero column) give
    the path of the problem without them, and stay exactly zero: in residual mode, where the
    sweeps skip them, and in covariance mode or next to an unpenalised feature, where every
    gradient is computed and theirs must take no part in the gap."""
    rng = np.random.default_rng(11)
    n, p = 80, 300
    X = rng.standard_normal((n, p)) * (rng.random((n, p)) < 0.1)
    X[:, 7] = 0.0
    y = X[:, :6] @ rng.standard_normal(6) + X[:, 40] + 0.1 * rng.standard_normal(n)
    pf = np.ones(p)
    pf[[3, 40]] = np.inf
    lo, hi = np.full(p, -np.inf), np.full(p, np.inf)
    lo[[5, 90]] = hi[[5, 90]] = 0.0
    gone = [3, 5, 7, 40, 90]
    kept = np.setdiff1d(np.arange(p), gone)
    alphas = np.geomspace(0.5, 0.005, 25)
    conv = sp.csc_matrix if sparse else np.asarray
    kw = dict(precompute=case == "covariance", tol=1e-10, max_iter=1000)
    ref_pf, ref_alphas = None, alphas
    if case == "unpenalised":
        pf[0] = 0.0
        ref_pf = pf[kept]
        # (factors are rescaled to sum to p, the excluded counted as 1: the same penalty
        # on each kept feature needs the other problem's α scaled)
        ref_alphas = alphas * (p / (p - 1)) / ((p - 5) / (p - 6))
    fit = fastreg.path(
        conv(X), y, alphas=alphas, penalty_factor=pf, lower_bounds=lo, upper_bounds=hi, **kw
    )
    ref = fastreg.path(conv(X[:, kept]), y, alphas=ref_alphas, penalty_factor=ref_pf, **kw)
    coef = fit.coef_.toarray() if sp.issparse(fit.coef_) else np.asarray(fit.coef_)
    want = ref.coef_.toarray() if sp.issparse(ref.coef_) else np.asarray(ref.coef_)
    assert np.all(coef[gone] == 0.0)
    np.testing.assert_allclose(coef[kept], want, atol=1e-6)
    np.testing.assert_allclose(fit.intercept_, ref.intercept_, atol=1e-6)
    np.testing.assert_allclose(fit.objective_, ref.objective_, rtol=1e-9)
    assert isinstance(fit.coef_, np.ndarray)  # 300 × 25: small enough to stay dense


def test_coef_is_sparse_only_when_smaller_and_large():
    """coef_ is an ndarray up to 1 MiB, or while it is no larger than its CSC form; a large
    sparse path is CSC with int32 indices, the same numbers either way."""
    rng = np.random.default_rng(12)
    n, p = 100, 4000
    X = sp.random(n, p, density=0.02, format="csc", random_state=3)
    y = np.asarray(X[:, :5] @ np.ones(5)).ravel() + 0.01 * rng.standard_normal(n)
    fit = fastreg.path(X, y, alphas=50, eps=0.1)  # 4000 × 50: 1.6 MB dense, few non-zeros
    assert sp.issparse(fit.coef_) and fit.coef_.format == "csc"
    assert fit.coef_.indices.dtype == np.int32
    assert 12 * fit.coef_.nnz + 4 * 50 < 8 * p * 50
    np.testing.assert_array_equal(fit.df_, np.diff(fit.coef_.indptr))
    small = fastreg.path(X[:, :1000], y, alphas=50, eps=0.1)  # 400 kB dense
    assert isinstance(small.coef_, np.ndarray) and small.coef_.shape == (1000, 50)
    np.testing.assert_array_equal(small.df_, np.count_nonzero(small.coef_, axis=0))
    # the same path, whichever form: lasso_path's dense coefs agree with both
    _, coefs, _ = fastreg.lasso_path(X, y - y.mean(), alphas=fit.alphas_, tol=1e-12)
    ref = fastreg.path(X, y - y.mean(), alphas=fit.alphas_, fit_intercept=False, tol=1e-12)
    np.testing.assert_allclose(coefs, ref.coef_.toarray(), atol=1e-8)


@pytest.mark.parametrize("n_jobs, error", [(0, ValueError), (1.5, TypeError), ("2", TypeError)])
def test_bad_n_jobs(n_jobs, error):
    X, y = np.eye(4), np.arange(4.0)
    with pytest.raises(error, match="n_jobs"):
        fastreg.path(X, y, alphas=3, n_jobs=n_jobs)
    with pytest.raises(error, match="n_jobs"):
        fastreg.lasso_path(X, y, alphas=[0.1], n_jobs=n_jobs)
    with pytest.raises(error, match="n_jobs"):
        fastreg.LassoCV(cv=2, n_jobs=n_jobs).fit(np.vstack([X, X]), np.r_[y, y])


@pytest.mark.parametrize("fn", [fastreg.path, fastreg.lasso_path])
def test_bad_alphas_and_y_name_the_problem(fn):
    X = np.random.default_rng(13).standard_normal((30, 5))
    y = X[:, 0].copy()
    for alphas in ([0.1, np.nan], [0.1, -1.0], [0.1, np.inf], []):
        with pytest.raises(ValueError, match="alphas"):
            fn(X, y, alphas=alphas)
    y_bad = y.copy()
    y_bad[3] = np.nan
    with pytest.raises(ValueError, match="y contains NaN"):
        fn(X, y_bad, alphas=[0.1])
