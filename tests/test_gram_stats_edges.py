"""GramStats at the edges of streaming use (issue 28, item 6): empty chunks, merging an object
with itself, one object shared by threads, and y of mixed dimensions. Each expected value is
computed directly with numpy from the rows seen."""

import threading

import numpy as np
import pytest
import scipy.sparse as sp
from fastreg import GramStats


def _direct(X, Y):
    """Centred cross-products of all the rows, unweighted."""
    Xc, Yc = X - X.mean(axis=0), Y - Y.mean(axis=0)
    return Xc.T @ Xc, Xc.T @ Yc


def _data(n=40, p=5, t=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, p)), rng.standard_normal((n, t))


@pytest.mark.parametrize("sparse", [False, True])
def test_empty_chunk_is_a_no_op(sparse):
    X, Y = _data()
    conv = sp.csr_matrix if sparse else np.asarray
    g = GramStats().update(X[:20], Y[:20])
    g.update(conv(np.empty((0, 5))), np.empty((0, 2)))
    g.update(conv(np.empty((0, 5))), np.empty((0, 2)), sample_weight=np.empty(0))
    g.update(X[20:], Y[20:])
    xtx, xty = _direct(X, Y)
    assert g.n_samples_seen == 40
    np.testing.assert_allclose(g.xtx, xtx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g.xty, xty, rtol=1e-12, atol=1e-12)


def test_empty_first_chunk_then_data():
    X, Y = _data()
    g = GramStats().update(np.empty((0, 5)), np.empty((0, 2)))
    g.update(X, Y)
    np.testing.assert_allclose(g.xtx, _direct(X, Y)[0], rtol=1e-12, atol=1e-12)


def test_empty_chunk_still_checks_shapes():
    X, Y = _data()
    g = GramStats().update(X, Y)
    with pytest.raises(ValueError, match="features"):
        g.update(np.empty((0, 4)), np.empty((0, 2)))
    with pytest.raises(ValueError, match="targets"):
        g.update(np.empty((0, 5)), np.empty((0, 3)))
    with pytest.raises(ValueError, match="sample_weight"):
        g.update(np.empty((0, 5)), np.empty((0, 2)), sample_weight=np.ones(3))


def test_merge_with_itself_doubles_the_data():
    X, Y = _data()
    g = GramStats().update(X, Y)
    g.merge(g)
    twice = GramStats().update(np.vstack([X, X]), np.vstack([Y, Y]))
    assert g.n_samples_seen == 80
    np.testing.assert_allclose(g.xtx, twice.xtx, rtol=1e-12)
    np.testing.assert_allclose(g.xty, twice.xty, rtol=1e-12)
    np.testing.assert_allclose(g.weight_sum, 80.0)


def test_updates_from_two_threads_match_sequential():
    X, Y = _data(n=4000, p=30, seed=1)
    shared = GramStats()
    shared.update(X[:10], Y[:10])  # both threads then update one existing object
    chunks = np.array_split(np.arange(10, 4000), 40)
    errors = []

    def work(parts):
        try:
            for idx in parts:
                shared.update(X[idx], Y[idx])
        except Exception as exc:  # noqa: BLE001 - any failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(chunks[k::2],)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    xtx, xty = _direct(X, Y)
    assert shared.n_samples_seen == 4000
    np.testing.assert_allclose(shared.xtx, xtx, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(shared.xty, xty, rtol=1e-9, atol=1e-9)


def test_fresh_object_shared_by_threads_keeps_every_chunk():
    X, Y = _data(n=400, p=10, seed=2)
    for _ in range(20):
        shared = GramStats()
        barrier = threading.Barrier(2)

        def work(rows, shared=shared, barrier=barrier):
            barrier.wait()
            shared.update(X[rows], Y[rows])

        threads = [
            threading.Thread(target=work, args=(r,)) for r in (slice(0, 200), slice(200, 400))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert shared.n_samples_seen == 400


def test_1d_and_column_y_do_not_mix():
    X, Y = _data(t=1)
    one_d = GramStats().update(X[:20], Y[:20, 0])
    column = GramStats().update(X[20:], Y[20:])
    with pytest.raises(ValueError, match="same number of dimensions"):
        one_d.merge(column)
    with pytest.raises(ValueError, match="same number of dimensions"):
        column.merge(one_d)
    with pytest.raises(ValueError, match="same number of dimensions"):
        one_d.update(X[20:], Y[20:])
    # statistics left as they were by the refused merges
    np.testing.assert_allclose(one_d.xtx, _direct(X[:20], Y[:20])[0], rtol=1e-12, atol=1e-12)
