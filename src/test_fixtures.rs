//! Test data shared by the unit tests: deterministic generators (no extra dependency) and the
//! CSC form of a dense X. Each generator keeps the exact output its tests were written against,
//! so the different ones stay different.

/// Linear congruential generator (Knuth's MMIX constants) with uniform and normal draws.
pub(crate) struct Lcg(pub(crate) u64);

impl Lcg {
    pub(crate) fn uniform(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64) / ((1u64 << 53) as f64)
    }

    /// A standard normal draw (Box–Muller).
    pub(crate) fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform().max(1e-300), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// `len` uniform values in [−1, 1) from `seed` (the same LCG, its state stepped once first).
pub(crate) fn lcg(seed: u64, len: usize) -> Vec<f64> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        })
        .collect()
}

/// `len` uniform values in [−1, 1) from `seed` (splitmix64).
pub(crate) fn rand_vec(len: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..len)
        .map(|_| {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            (z >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        })
        .collect()
}

/// Rows `r0..r1` of a column-major `n × q` matrix.
pub(crate) fn rows(a: &[f64], n: usize, q: usize, r0: usize, r1: usize) -> Vec<f64> {
    (0..q)
        .flat_map(|j| a[j * n + r0..j * n + r1].iter().copied())
        .collect()
}

/// Column-major X with about `density` non-zeros and offset columns, y from a sparse truth (the
/// first five features) plus noise and an intercept, and positive weights: `(x, y, w)`.
pub(crate) fn weighted_sparse_truth(
    n: usize,
    p: usize,
    density: f64,
    seed: u64,
) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut g = Lcg(seed);
    let mut x = vec![0.0; n * p];
    for j in 0..p {
        for i in 0..n {
            if g.uniform() < density {
                x[j * n + i] = g.normal() + 0.3 * (j % 3) as f64;
            }
        }
    }
    let mut y: Vec<f64> = (0..n).map(|_| 0.5 * g.normal() + 2.0).collect();
    for j in 0..p.min(5) {
        let b = g.normal() * 2.0;
        for i in 0..n {
            y[i] += b * x[j * n + i];
        }
    }
    let w: Vec<f64> = (0..n).map(|_| 0.2 + g.uniform()).collect();
    (x, y, w)
}

/// A column-major X and its response.
pub(crate) struct Data {
    pub(crate) x: Vec<f64>,
    pub(crate) y: Vec<f64>,
}

/// y depends on the first three features; the columns share a common component, so they are
/// correlated and screening has work to do.
pub(crate) fn correlated_columns(n: usize, p: usize, seed: u64) -> Data {
    let mut x = lcg(seed, n * p);
    let common = lcg(seed + 1, n);
    for j in 0..p {
        for i in 0..n {
            x[j * n + i] += 0.5 * common[i];
        }
    }
    let noise = lcg(seed + 2, n);
    let y = (0..n)
        .map(|i| 3.0 * x[i] - 2.0 * x[n + i] + 1.5 * x[2 * n + i] + 0.1 * noise[i] + 0.7)
        .collect();
    Data { x, y }
}

/// Independent uniform columns, y from the first three features plus noise: `(x, y)`.
pub(crate) fn three_feature_truth(n: usize, p: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let x = lcg(seed, n * p);
    let noise = lcg(seed + 2, n);
    let y = (0..n)
        .map(|i| 3.0 * x[i] - 2.0 * x[n + i] + x[2 * n + i] + 0.3 * noise[i] + 0.5)
        .collect();
    (x, y)
}

/// The CSC arrays `(data, indices, indptr)` of a column-major `n × p` X (its non-zeros).
pub(crate) fn csc_of(x: &[f64], n: usize, p: usize) -> (Vec<f64>, Vec<i64>, Vec<i64>) {
    let (mut data, mut indices, mut indptr) = (vec![], vec![], vec![0i64]);
    for j in 0..p {
        for i in 0..n {
            if x[j * n + i] != 0.0 {
                data.push(x[j * n + i]);
                indices.push(i as i64);
            }
        }
        indptr.push(data.len() as i64);
    }
    (data, indices, indptr)
}
