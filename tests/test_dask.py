"""fastreg.dask on a LocalCluster of two worker processes: the fits, paths and K-fold CV from
one pass over dask arrays and dataframes equal the in-memory fits in covariance mode (same
folds given as a PredefinedSplit); zero-row partitions, NaN columns, worker restarts."""

import numpy as np
import pytest

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
dd = pytest.importorskip("dask.dataframe")
pd = pytest.importorskip("pandas")

import fastreg  # noqa: E402
import fastreg.dask as fdask  # noqa: E402
from sklearn.model_selection import PredefinedSplit  # noqa: E402

RTOL = 1e-10


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _data(n=600, p=8, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    X[:, 0] += 20.0  # an offset column
    X[:, 1] = 0.7 * X[:, 2] + 0.3 * X[:, 1]
    beta = np.zeros(p)
    beta[[0, 2, 5]] = [1.5, -2.0, 0.7]
    y = X @ beta + 3.0 + rng.standard_normal(n)
    w = rng.uniform(0.2, 2.0, n)
    return X, y, w


def _close(a, b, rtol=RTOL):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(np.max(np.abs(b)), 1e-300)
    np.testing.assert_allclose(a, b, rtol=0, atol=rtol * scale)


# (row chunks; a zero-row partition in the last)
CHUNKS = [(600,), (150, 150, 150, 150), (97, 203, 0, 300)]


@pytest.mark.parametrize("chunks", CHUNKS)
@pytest.mark.parametrize("weighted", [False, True])
def test_lasso_and_enet_equal_the_in_memory_fit(client, chunks, weighted):
    X, y, w = _data()
    sw = w if weighted else None
    Xd, yd = da.from_array(X, chunks=(chunks, -1)), da.from_array(y, chunks=(chunks,))
    swd = None if sw is None else da.from_array(sw, chunks=(chunks,))
    for est, ref in [
        (fdask.Lasso(alpha=0.05), fastreg.Lasso(alpha=0.05, precompute=True)),
        (
            fdask.ElasticNet(
                alpha=0.1, l1_ratio=0.3, standardize=True, penalty_factor=[0, 1, 1, 1, 2, 1, 1, 1]
            ),
            fastreg.ElasticNet(
                alpha=0.1,
                l1_ratio=0.3,
                standardize=True,
                penalty_factor=[0, 1, 1, 1, 2, 1, 1, 1],
                precompute=True,
            ),
        ),
    ]:
        est.fit(Xd, yd, sample_weight=swd)
        ref.fit(X, y, sample_weight=sw)
        _close(est.coef_, ref.coef_)
        _close(est.intercept_, ref.intercept_)
    pred = est.predict(Xd).compute()
    _close(pred, ref.predict(X))


def test_bounds_positive_and_no_intercept(client):
    X, y, w = _data(seed=1)
    Xd, yd = da.from_array(X, chunks=(200, -1)), da.from_array(y, chunks=200)
    wd = da.from_array(w, chunks=200)
    kw = dict(alpha=0.02, lower_bounds=-1.0, upper_bounds=1.0, fit_intercept=False)
    est = fdask.Lasso(**kw).fit(Xd, yd, sample_weight=wd)
    ref = fastreg.Lasso(precompute=True, **kw).fit(X, y, sample_weight=w)
    _close(est.coef_, ref.coef_)
    assert est.intercept_ == 0.0
    est = fdask.Lasso(alpha=0.02, positive=True).fit(Xd, yd)
    ref = fastreg.Lasso(alpha=0.02, positive=True, precompute=True).fit(X, y)
    _close(est.coef_, ref.coef_)


@pytest.mark.parametrize("weighted", [False, True])
def test_cv_equals_the_in_memory_cv_on_the_same_folds(client, weighted):
    X, y, w = _data(seed=2)
    sw = w if weighted else None
    chunks = (97, 203, 0, 300)
    Xd, yd = da.from_array(X, chunks=(chunks, -1)), da.from_array(y, chunks=(chunks,))
    swd = None if sw is None else da.from_array(sw, chunks=(chunks,))
    folds = fdask.fold_ids(np.arange(len(y)), 4)
    for est, ref in [
        (
            fdask.LassoCV(cv=4, alphas=20),
            fastreg.LassoCV(cv=PredefinedSplit(folds), alphas=20, precompute=True),
        ),
        (
            fdask.ElasticNetCV(cv=4, l1_ratio=[0.5, 1.0], alphas=15, standardize=True),
            fastreg.ElasticNetCV(
                cv=PredefinedSplit(folds),
                l1_ratio=[0.5, 1.0],
                alphas=15,
                standardize=True,
                precompute=True,
            ),
        ),
    ]:
        est.fit(Xd, yd, sample_weight=swd)
        ref.fit(X, y, sample_weight=sw)
        _close(est.alphas_, ref.alphas_)
        _close(est.mse_path_, ref.mse_path_)
        assert est.alpha_ == pytest.approx(ref.alpha_, rel=RTOL)
        assert getattr(est, "l1_ratio_", None) == getattr(ref, "l1_ratio_", None)
        _close(est.coef_, ref.coef_)
        _close(est.intercept_, ref.intercept_)


def test_ridge_and_ridgecv(client):
    X, y, w = _data(seed=3)
    Xd, yd = da.from_array(X, chunks=(250, -1)), da.from_array(y, chunks=250)
    wd = da.from_array(w, chunks=250)
    est = fdask.Ridge(alpha=3.0).fit(Xd, yd, sample_weight=wd)
    ref = fastreg.Ridge(alpha=3.0).fit(X, y, sample_weight=w)
    _close(est.coef_, ref.coef_)
    _close(est.intercept_, ref.intercept_)
    folds = fdask.fold_ids(np.arange(len(y)), 5)
    est = fdask.RidgeCV(alphas=[0.1, 10.0, 1000.0], cv=5).fit(Xd, yd, sample_weight=wd)
    ref = fastreg.RidgeCV(alphas=[0.1, 10.0, 1000.0], cv=PredefinedSplit(folds))
    ref.fit(X, y, sample_weight=w)
    assert est.alpha_ == ref.alpha_
    _close(est.coef_, ref.coef_)


def test_dataframe_with_column_names_and_fold_column(client):
    X, y, w = _data(seed=4)
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    frame["target"], frame["weight"] = y, w
    frame["fold"] = np.arange(len(y)) % 3
    ddf = dd.from_pandas(frame, npartitions=3)
    est = fdask.LassoCV(cv=3, alphas=10)
    est.fit(ddf, "target", sample_weight="weight", fold_column="fold")
    ref = fastreg.LassoCV(cv=PredefinedSplit(frame["fold"].to_numpy()), alphas=10, precompute=True)
    ref.fit(X, y, sample_weight=w)
    _close(est.mse_path_, ref.mse_path_)
    _close(est.coef_, ref.coef_)
    assert list(est.feature_names_in_) == [f"f{j}" for j in range(X.shape[1])]
    # hashed folds from the dataframe's global row numbers, series as y
    feats = ddf[[f"f{j}" for j in range(X.shape[1])]]
    est = fdask.ElasticNet(alpha=0.1).fit(feats, ddf["target"])
    ref = fastreg.ElasticNet(alpha=0.1, precompute=True).fit(X, y)
    _close(est.coef_, ref.coef_)


def test_path_and_partial_fit(client):
    X, y, w = _data(seed=5)
    Xd, yd = da.from_array(X, chunks=(150, -1)), da.from_array(y, chunks=150)
    sw = da.from_array(w, chunks=150)
    for kw in [{"alphas": 12}, {"alphas": [0.5, 0.1, 0.01], "standardize": True, "l1_ratio": 0.5}]:
        got = fdask.path(Xd, yd, sample_weight=sw, **kw)
        ref = fastreg.path(X, y, sample_weight=w, precompute=True, **kw)
        _close(got.alphas_, ref.alphas_)
        _close(got.coef_, ref.coef_)
        _close(got.intercept_, ref.intercept_)
    streamed = fdask.LassoCV(cv=3, alphas=8)
    for lo in range(0, len(y), 120):
        streamed.partial_fit(X[lo : lo + 120], y[lo : lo + 120], w[lo : lo + 120])
    whole = fdask.LassoCV(cv=3, alphas=8).fit(Xd, yd, sample_weight=da.from_array(w, chunks=150))
    _close(streamed.mse_path_, whole.mse_path_, 1e-9)
    _close(streamed.coef_, whole.coef_, 1e-9)


def test_nan_feature_column_is_named(client):
    X, y, _ = _data(seed=6)
    X[321, 4] = np.nan
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    frame["target"] = y
    with pytest.raises(ValueError, match=r"X column 4 \('f4'\) contains NaN"):
        fdask.Lasso(alpha=0.1).fit(dd.from_pandas(frame, npartitions=4), "target")
    with pytest.raises(ValueError, match="X column 4 contains NaN"):
        fdask.Ridge().fit(da.from_array(X, chunks=(100, -1)), da.from_array(y, chunks=100))


def test_statistics_too_large_for_memory_is_a_memory_error():
    X = da.zeros((10, 2_000_000), chunks=(10, 2_000_000))
    with pytest.raises(MemoryError, match="2000000 features"):
        fdask.statistics(X, da.zeros(10, chunks=10))


def test_worker_death_during_the_pass_is_retried(client, tmp_path, monkeypatch):
    """A worker process that dies while computing a partition's statistics: the scheduler
    reruns the task on a new worker, and the answer is unchanged."""
    import os

    X, y, _ = _data(seed=7)
    Xd, yd = da.from_array(X, chunks=(150, -1)), da.from_array(y, chunks=150)
    ref = fdask.Lasso(alpha=0.05).fit(Xd, yd)
    marker = str(tmp_path / "died-once")

    def dies_once(*args):
        # runs in a worker process (shipped by value); the first call kills that process
        import os

        import fastreg.dask

        if not os.path.exists(marker):
            open(marker, "w").close()
            os._exit(1)
        return fastreg.dask._block_stats(*args)

    monkeypatch.setattr(fdask, "_block_stats", dies_once)
    est = fdask.Lasso(alpha=0.05).fit(Xd, yd)
    monkeypatch.undo()
    assert os.path.exists(marker)
    _close(est.coef_, ref.coef_)


def test_import_fastreg_does_not_import_dask():
    import subprocess
    import sys

    code = "import sys, fastreg; print('dask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
