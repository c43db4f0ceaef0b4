"""Input checks shared by the estimators: parameters, arrays and sample weights, each checked
once in ``fit`` with errors that name the problem."""

from __future__ import annotations

import numbers
import os

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_random_state


def check_real(value, name, *, low=None, high=None, low_open=False):
    """A finite real scalar within bounds; TypeError if not a number, ValueError if out of range."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]  # np.array(1.0), as numpy reductions hand back
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if low is not None and (value < low or (low_open and value == low)):
        op = ">" if low_open else ">="
        raise ValueError(f"{name} must be {op} {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value}")
    return value


# The core's counts are 64-bit: a larger Python int cannot reach it.
_INT_MAX = 2**63 - 1


def check_int(value, name, *, low=1):
    """An integer in [low, 2**63-1]; TypeError if not an integer, ValueError if out of range."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    if value > _INT_MAX:
        raise ValueError(f"{name} must be an int in [{low}, 2**63-1], got {value}")
    return int(value)


def check_n_jobs(n_jobs):
    """scikit-learn's ``n_jobs`` as a thread count between 1 and :func:`usable_cpu_count`:
    None stays None (the caller's default), -1 is every usable CPU, -2 all but one, and so on
    (at least one); 0 or a non-integer is an error."""
    if n_jobs is None:
        return None
    if isinstance(n_jobs, (bool, np.bool_)) or not isinstance(n_jobs, numbers.Integral):
        raise TypeError(f"n_jobs must be an integer, got {type(n_jobs).__name__}")
    n_jobs = int(n_jobs)
    if n_jobs == 0:
        raise ValueError("n_jobs must be a non-zero integer or None")
    usable = usable_cpu_count()
    if n_jobs < 0:
        return max(1, usable + 1 + n_jobs)
    return min(n_jobs, usable)


def usable_cpu_count(*, cgroup_root="/sys/fs/cgroup", proc_cgroup="/proc/self/cgroup"):
    """The CPUs this process may use: its affinity mask, lowered to its cgroup's CPU quota
    (rounded down, at least 1), as Rust's ``available_parallelism`` reads them for the core's
    own cap. More threads than this only queue for the same cores."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    quota = _cgroup_cpu_quota(cgroup_root, proc_cgroup)
    if quota is not None:
        count = min(count, max(1, int(quota)))
    return max(1, count)


def _cgroup_cpu_quota(root, proc_cgroup):
    """The tightest CPU quota (in CPUs) on this process's cgroup or its ancestors, cgroup v2
    (``cpu.max``) or v1 (``cpu.cfs_quota_us`` / ``cpu.cfs_period_us``); None when unlimited or
    unknown."""
    try:
        with open(proc_cgroup) as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    quotas = []
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, group = parts
        if controllers == "":
            mounts, read = [root], _read_cpu_max
        elif "cpu" in controllers.split(","):
            names = ("cpu", "cpu,cpuacct", "cpuacct,cpu")
            mounts, read = [os.path.join(root, m) for m in names], _read_cfs_quota
        else:
            continue
        for mount in mounts:
            group_dir = os.path.normpath(os.path.join(mount, group.lstrip("/")))
            while True:
                quota = read(group_dir)
                if quota is not None:
                    quotas.append(quota)
                if group_dir == os.path.normpath(mount) or not group_dir.startswith(mount):
                    break
                group_dir = os.path.dirname(group_dir)
    return min(quotas) if quotas else None


def _read_cpu_max(group_dir):
    try:
        with open(os.path.join(group_dir, "cpu.max")) as f:
            quota, period = f.read().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError, ZeroDivisionError):
        return None


def _read_cfs_quota(group_dir):
    try:
        with open(os.path.join(group_dir, "cpu.cfs_quota_us")) as f:
            quota = int(f.read())
        with open(os.path.join(group_dir, "cpu.cfs_period_us")) as f:
            period = int(f.read())
        return None if quota <= 0 or period <= 0 else quota / period
    except (OSError, ValueError):
        return None


def check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")
    return bool(value)


def check_choice(value, name, choices):
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}, got {value!r}")
    return value


def check_sample_weight(sample_weight, n_samples):
    """Float64 weights of length n_samples: finite, non-negative, with a positive sum."""
    if sample_weight is None or isinstance(sample_weight, numbers.Number):
        if sample_weight is not None:
            check_real(sample_weight, "sample_weight", low=0.0, low_open=True)
        return None
    try:
        sw = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"sample_weight must be numeric: {exc}") from None
    if sw.ndim != 1:
        # scikit-learn's wording, which its users' tests match.
        raise ValueError(
            f"Sample weights must be 1D array or scalar, got {sw.ndim}D array of shape "
            f"{sw.shape}; expected shape ({n_samples},)"
        )
    if sw.shape[0] != n_samples:
        raise ValueError(f"sample_weight must have shape ({n_samples},), got {sw.shape}")
    if not np.all(np.isfinite(sw)):
        raise ValueError("sample_weight contains NaN or infinity")
    if np.any(sw < 0):
        raise ValueError("sample_weight must be non-negative; negative weights found")
    if not sw.sum() > 0:
        raise ValueError("sample_weight sums to zero: weights must have a positive sum")
    return np.ascontiguousarray(sw)


def as_design(X):
    """The design in the form the core reads without copying where possible: a Fortran-ordered
    float64 ndarray, or a CSC matrix with float64 data (CSR/COO converted, never densified) in
    canonical format (duplicates summed, indices sorted), so the core reads it as scipy does."""
    if sp.issparse(X):
        given = X
        X = X.tocsc() if X.format != "csc" else X
        if not X.has_canonical_format:
            # The core's Gram and moments read each stored entry as its own value; summing on a
            # copy leaves the caller's matrix as it was.
            X = X.copy() if X is given else X
            X.sum_duplicates()
        if X.data.dtype != np.float64:
            X = X.astype(np.float64)
        if X.indices.dtype != X.indptr.dtype:
            idx = np.promote_types(X.indices.dtype, X.indptr.dtype)
            X = sp.csc_matrix((X.data, X.indices.astype(idx), X.indptr.astype(idx)), shape=X.shape)
        return X
    return np.asfortranarray(X, dtype=np.float64)


def check_feature_vector(value, n_features, name, *, allow_inf=False):
    """A float64 vector of length n_features (a scalar is broadcast), or None."""
    if value is None:
        return None
    try:
        v = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be numeric: {exc}") from None
    if v.ndim == 0:
        v = np.full(n_features, float(v))
    if v.ndim != 1 or v.shape[0] != n_features:
        raise ValueError(f"{name} must have shape ({n_features},), got {v.shape}")
    if np.any(np.isnan(v)) or (not allow_inf and not np.all(np.isfinite(v))):
        raise ValueError(f"{name} contains NaN" + ("" if allow_inf else " or infinity"))
    return np.ascontiguousarray(v)


def check_feature_options(penalty_factor, lower_bounds, upper_bounds, n_features):
    """glmnet's per-feature options as float64 vectors of length n_features (a scalar is
    broadcast) or None: penalty factors >= 0 (inf excludes a feature), lower bounds <= 0 and
    upper bounds >= 0 (±inf is no bound)."""
    pf = check_feature_vector(penalty_factor, n_features, "penalty_factor", allow_inf=True)
    lo = check_feature_vector(lower_bounds, n_features, "lower_bounds", allow_inf=True)
    hi = check_feature_vector(upper_bounds, n_features, "upper_bounds", allow_inf=True)
    if pf is not None and np.any(pf < 0):
        raise ValueError("penalty_factor must be >= 0")
    if lo is not None and np.any(lo > 0):
        raise ValueError("lower_bounds must be <= 0")
    if hi is not None and np.any(hi < 0):
        raise ValueError("upper_bounds must be >= 0")
    return pf, lo, hi


def random_seed(selection, random_state):
    """The core's seed for ``selection='random'`` drawn from ``random_state`` as scikit-learn
    draws it; None (cyclic order) otherwise."""
    if selection != "random":
        return None
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def resolve_n_jobs(n_jobs):
    """Threads for the core: None is one, as in scikit-learn."""
    return check_n_jobs(n_jobs) or 1


def check_precompute(precompute, n_features, *, sparse=False):
    """scikit-learn's values of ``precompute`` as the core's covariance-mode choice: 'auto'
    (Gram mode for dense X with more samples than features), True ('always') or False
    ('never'). A Gram matrix given as an array is checked for shape and symmetry and selects
    covariance mode; the core builds its own from X (centred, weighted and scaled as the fit
    needs), so the result never depends on how the caller's matrix was made. With ``sparse``
    X a Gram matrix is never asked for, as scikit-learn ignores ``precompute`` for sparse X
    (whose p × p Gram may be far larger than X); the core's 'auto' never builds one there."""
    mode = _precompute_mode(precompute, n_features)
    return "never" if sparse and mode == "always" else mode


def _precompute_mode(precompute, n_features):
    if isinstance(precompute, str):
        if precompute != "auto":
            raise ValueError(
                f"precompute should be one of True, False, 'auto' or array-like. Got {precompute!r}"
            )
        return "auto"
    if isinstance(precompute, (bool, np.bool_)):
        return "always" if precompute else "never"
    gram = np.asarray(precompute)
    if gram.shape != (n_features, n_features):
        raise ValueError(
            f"Gram matrix must have shape ({n_features}, {n_features}), got {gram.shape}"
        )
    if not np.all(np.isfinite(gram)) or not np.allclose(gram, gram.T, rtol=1e-7, atol=0):
        raise ValueError("Gram matrix must be finite and symmetric")
    return "always"
