"""Makes the README's figures: a Lasso path and a cross-validation curve on scikit-learn's
bundled diabetes data. Usage: python docs/make_figures.py (writes docs/*.png)."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.datasets import load_diabetes  # noqa: E402

import fastreg  # noqa: E402

out = Path(__file__).parent
X, y = load_diabetes(return_X_y=True)
fit = fastreg.path(X, y, standardize=True)
fit.plot()
plt.savefig(out / "path.png", dpi=90, bbox_inches="tight")
plt.close("all")
cv = fastreg.ElasticNetCV(l1_ratio=[0.5, 1.0], cv=10, random_state=0).fit(X, y)
cv.plot()
plt.savefig(out / "cv.png", dpi=90, bbox_inches="tight")
print(fit)
print(f"CV: alpha_min={cv.alpha_min_:.4g} alpha_1se={cv.alpha_1se_:.4g} l1_ratio={cv.l1_ratio_}")
