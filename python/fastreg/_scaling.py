"""Extreme data brought into float64's comfortable range before the core and the results
brought back: X, y and sample weights are multiplied by powers of two (exact), the penalty
scaled to keep the same problem (exactly, but for an elastic-net α whose two parts scale
differently: a new l1_ratio then carries the mix), and the solution unscaled exactly. Data
whose magnitudes lie within 2^±64 is passed as given (no copy, identical results)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

# Largest |value| left alone lies in [2^-BAND, 2^BAND]: squares, sums of squares and the
# products the solvers form stay far from overflow and underflow.
_BAND = 64


def _max_abs(a):
    """Largest magnitude of a dense array or of a sparse matrix's stored values, without a
    temporary the size of ``a`` (NaN propagates, and is left to the usual checks)."""
    data = a.data if sp.issparse(a) else np.asarray(a)
    if data.size == 0:
        return 0.0
    return float(max(data.max(), -data.min()))


def _exponent(a):
    """The binary exponent e of max|a| (max|a| in [2^(e-1), 2^e)), or None when ``a`` is None,
    all zero or not finite."""
    if a is None:
        return None
    m = _max_abs(a)
    if not (np.isfinite(m) and m > 0):
        return None
    return int(np.frexp(m)[1])


def _in_band(e):
    return e is None or -_BAND < e <= _BAND


def _times_pow2(a, k):
    """``a · 2^k`` as a new array (sparse: values only), or ``a`` itself when k is 0;
    overflow gives inf silently, for the caller to name."""
    if k == 0 or a is None:
        return a
    with np.errstate(over="ignore", under="ignore"):
        if sp.issparse(a):
            out = a.copy()
            out.data = np.ldexp(out.data, k)
            return out
        return np.ldexp(a, k)


def std_in_range(a, **kwargs):
    """``np.std`` of values whose squares may overflow: computed on ``a`` scaled into range by
    a power of two (a factor of 1 for values within 2^±64)."""
    e = _exponent(a)
    k = 0 if _in_band(e) else -e
    return _times_pow2(np.std(_times_pow2(a, k), **kwargs), -k)


def _scalar_pow2(v, k):
    with np.errstate(over="ignore", under="ignore"):
        return float(np.ldexp(float(v), k))


def name_overflow(exc, X, Y):
    """The core's "contains NaN or infinity" for finite X and y means a quantity derived from
    them overflowed: the error to raise instead, naming that."""
    finite = all(
        np.all(np.isfinite(a.data if sp.issparse(a) else a)) for a in (X, Y) if a is not None
    )
    if not finite or "NaN or infinity" not in str(exc):
        return exc
    return ValueError(
        "X and y are finite but their cross-products overflow float64 (largest |X| = "
        f"{_max_abs(X):.3g}, largest |y| = {_max_abs(Y):.3g}); GramStats keeps them in the "
        "data's units: rescale X and y (e.g. divide by a constant)"
    )


def check_finite_solution(*parts):
    """Every estimator's and path's result passes here: a non-finite coefficient or
    intercept is an error, never an answer."""
    for part in parts:
        if part is None:
            continue
        values = part if isinstance(part, np.ndarray) else np.asarray(part, dtype=np.float64)
        if not np.all(np.isfinite(values)):
            raise ValueError(
                "the solution overflowed float64 (non-finite coefficients or intercept): X, y "
                "or sample_weight span too many orders of magnitude for this problem; rescale "
                "the data (e.g. divide X or y by a constant)"
            )


class _Unscaled:
    """A core result with some fields replaced by their values in the caller's units."""

    def __init__(self, result, **fields):
        self._result = result
        vars(self).update(fields)

    def __getattr__(self, name):
        return getattr(self._result, name)


@dataclass(frozen=True)
class Rescaling:
    """X·2^kx, y·2^ky, weights·2^kw; the ridge or L1 penalty times 2^ka, the elastic net's L2
    penalty times 2^k2. The solution in the scaled units is β' = β·2^(ky−kx), b' = b·2^ky,
    and squared-error quantities (gaps, objectives, MSE) are multiplied by 2^(2ky)."""

    kx: int = 0
    ky: int = 0
    kw: int = 0
    ka: int = 0
    k2: int = 0

    @property
    def identity(self):
        return self.kx == self.ky == self.kw == self.ka == self.k2 == 0

    @staticmethod
    def _exponents(X, y, sample_weight):
        ex, ey, ew = _exponent(X), _exponent(y), _exponent(sample_weight)
        kx = 0 if _in_band(ex) else -ex
        ky = 0 if _in_band(ey) else -ey
        # even, so that the √w of the leave-one-out residuals scales exactly too
        kw = 0 if _in_band(ew) else -2 * (ew // 2)
        return kx, ky, kw

    @classmethod
    def for_ridge(cls, X, Y, sample_weight):
        """Ridge, ``Σ w r² + α‖β‖²``: α times 2^(kw + 2kx)."""
        kx, ky, kw = cls._exponents(X, Y, sample_weight)
        return cls(kx, ky, kw, kw + 2 * kx, kw + 2 * kx)

    @classmethod
    def for_enet(cls, X, y, sample_weight, *, standardize):
        """The elastic net, ``1/(2Σw)·Σ w r² + λ1‖β‖₁ + λ2/2‖β‖²``, whose weights the core
        normalises: λ1 times s_y·s_x and λ2 times s_x², or with ``standardize`` (the X scale
        drops out) λ1 times s_y and λ2 as given."""
        kx, ky, kw = cls._exponents(X, y, sample_weight)
        if standardize:
            return cls(kx, ky, kw, ky, 0)
        return cls(kx, ky, kw, kx + ky, 2 * kx)

    def design(self, X):
        return _times_pow2(X, self.kx)

    def target(self, y):
        return _times_pow2(y, self.ky)

    def weights(self, sample_weight):
        return _times_pow2(sample_weight, self.kw)

    def coef_in(self, coef):
        """Coefficients (a warm start) or coefficient bounds in the scaled units."""
        return _times_pow2(coef, self.ky - self.kx)

    @staticmethod
    def _finite(scaled, alpha):
        # a NaN or infinite alpha is left for the usual checks to name
        if np.isfinite(alpha) and not np.isfinite(scaled):
            raise ValueError(
                f"alpha={alpha} is too large for data of this scale: the same problem on the "
                "data rescaled into float64's range needs a penalty above 1.8e308; rescale X"
            )
        return scaled

    def penalty(self, alpha):
        """A ridge or L1 penalty strength in the scaled units."""
        return self._finite(_scalar_pow2(alpha, self.ka), alpha)

    def l2_penalty(self, alpha):
        """The elastic net's L2 penalty strength in the scaled units."""
        return self._finite(_scalar_pow2(alpha, self.k2), alpha)

    def penalties(self, alphas):
        return None if alphas is None else [self.penalty(a) for a in alphas]

    def _mix(self, l1_ratio):
        """``(m, k, l1_ratio')``: an elastic-net α with this l1_ratio is α·m·2^k in the scaled
        units, with l1_ratio'; exact (m = 1) when both penalties scale alike."""
        if l1_ratio == 1.0 or self.ka == self.k2:
            return 1.0, self.ka, l1_ratio
        if l1_ratio == 0.0:
            return 1.0, self.k2, l1_ratio
        k = max(self.ka, self.k2)
        part1 = l1_ratio * 2.0 ** (self.ka - k)
        m = part1 + (1.0 - l1_ratio) * 2.0 ** (self.k2 - k)
        return m, k, part1 / m

    def enet_l1_ratio(self, l1_ratio):
        return self._mix(float(l1_ratio))[2]

    def enet_alphas(self, alphas, l1_ratio):
        """An elastic-net α grid in the scaled units (None stays None: the core's grid)."""
        if alphas is None:
            return None
        m, k, _ = self._mix(float(l1_ratio))
        return [self._finite(_scalar_pow2(a * m, k), a) for a in alphas]

    def enet_alphas_out(self, alphas, l1_ratio):
        m, k, _ = self._mix(float(l1_ratio))
        return _times_pow2(np.asarray(alphas) / m if m != 1.0 else alphas, -k)

    def coef_out(self, coef):
        return _times_pow2(coef, self.kx - self.ky)

    def intercept_out(self, intercept):
        return _times_pow2(intercept, -self.ky)

    def loss_out(self, value):
        return _times_pow2(value, -2 * self.ky)

    def enet_result(self, r):
        """An ``EnetResult`` in the caller's units, checked finite."""
        if not self.identity:
            r = _Unscaled(
                r,
                coef=self.coef_out(r.coef),
                intercept=_scalar_pow2(r.intercept, -self.ky),
                dual_gap=_scalar_pow2(r.dual_gap, -2 * self.ky),
            )
        check_finite_solution(r.coef, r.intercept)
        return r

    def path_result(self, r, l1_ratio):
        """A ``PathResult`` in the caller's units, checked finite."""
        if not self.identity:
            coefs = r.coefs
            if isinstance(coefs, np.ndarray):
                coefs = self.coef_out(coefs)
            else:
                indptr, indices, values = coefs
                coefs = (indptr, indices, self.coef_out(values))
            r = _Unscaled(
                r,
                alphas=self.enet_alphas_out(r.alphas, l1_ratio),
                coefs=coefs,
                intercepts=self.intercept_out(r.intercepts),
                dual_gaps=self.loss_out(r.dual_gaps),
                objectives=self.loss_out(r.objectives),
            )
        coefs = r.coefs if isinstance(r.coefs, np.ndarray) else r.coefs[2]
        check_finite_solution(coefs, r.intercepts)
        return r

    def cv_result(self, r):
        """A ``CvResult`` with its held-out errors in the caller's units."""
        if self.identity:
            return r
        return _Unscaled(r, mse=self.loss_out(np.asarray(r.mse, dtype=np.float64)))

    def ridge_result(self, r):
        """A ridge result (fit, path or K-fold) in the caller's units, checked finite."""
        if not self.identity:
            r = _Unscaled(r, coef=self.coef_out(r.coef), intercept=self.intercept_out(r.intercept))
        check_finite_solution(r.coef, r.intercept)
        return r

    def loo_errors_out(self, errors):
        """Leave-one-out residuals, which the core reports in √w-scaled units."""
        return _times_pow2(errors, -self.ky - self.kw // 2)
