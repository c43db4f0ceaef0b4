"""The README's Python examples run as written (in order, sharing one namespace)."""

import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_examples_run(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    if not README.exists():
        pytest.skip("README.md not beside the tests")
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 4
    monkeypatch.chdir(tmp_path)
    # The out-of-core example reads a memmapped file: make one of 250,000 rows × 11 columns.
    rng = np.random.default_rng(0)
    big = np.memmap("big.f64", dtype=np.float64, mode="w+", shape=(250_000, 11))
    big[:, :10] = rng.standard_normal((250_000, 10))
    big[:, 10] = big[:, :10] @ np.arange(10) + rng.standard_normal(250_000)
    big.flush()
    del big
    namespace = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)
    model = namespace["model"]
    np.testing.assert_allclose(model.coef_, np.arange(10), atol=0.02)
