//! The support's Gram block `X̂_FᵀWX̂_F`, read from covariance mode's Gram matrix or from a cache
//! of inner products that grows with the support along a path.

use crate::design::Design;
use crate::problem::Problem;

use super::state::{weighted_sum, CoordinateDescent, State};

/// Cache of inner products `x̂_jᵀWx̂_k` among a growing set of features (for the Newton step
/// in residual mode).
#[derive(Default)]
pub(super) struct SupportGram {
    pub(super) features: Vec<usize>,
    pub(super) position: std::collections::HashMap<usize, usize>,
    /// `cols[c][d]` = inner product of `features[c]` and `features[d]`.
    pub(super) cols: Vec<Vec<f64>>,
}

impl SupportGram {
    /// Entries the cache may always hold (512 KiB), whatever X's size.
    pub(super) const MIN_CAP: f64 = 65536.0;
    /// Entries it never exceeds (4096 features, 128 MiB).
    pub(super) const MAX_CAP: f64 = 4096.0 * 4096.0;

    pub(super) fn has(&self, j: usize) -> bool {
        self.position.contains_key(&j)
    }

    pub(super) fn clear(&mut self) {
        self.features.clear();
        self.position.clear();
        self.cols.clear();
    }

    /// Adds `new` (not yet cached): each new column of X is scattered once and dotted with
    /// every cached feature and the new ones by the design's multi-column dots.
    pub(super) fn extend<D: Design>(&mut self, pb: &Problem<'_, D>, new: &[usize]) {
        if new.is_empty() {
            return;
        }
        for &k in new {
            self.position.insert(k, self.features.len());
            self.features.push(k);
        }
        let first_new = self.features.len() - new.len();
        let mut col = vec![0.0; pb.n_samples()];
        let mut wcol = Vec::new();
        for (i, &k) in new.iter().enumerate() {
            let upto = first_new + i + 1;
            let column = inner_products(pb, k, &self.features[..upto], &mut col, &mut wcol);
            for (c, &v) in column[..upto - 1].iter().enumerate() {
                self.cols[c].push(v);
            }
            self.cols.push(column);
        }
    }
}

/// `x̂_jᵀWx̂_k` for every j of `features`, using `col` (n zeros, left zero) to hold column k
/// and `wcol` as scratch: x̂_jᵀW x̂_k = s_k·x̂_jᵀW x_k because x̂_j is W-centred (or μ = 0
/// without an intercept).
pub(super) fn inner_products<D: Design>(
    pb: &Problem<'_, D>,
    k: usize,
    features: &[usize],
    col: &mut [f64],
    wcol: &mut Vec<f64>,
) -> Vec<f64> {
    // unscaled, so that subtracting the column again leaves exact zeros
    pb.design.col_axpy(k, 1.0, col);
    let col_sum = weighted_sum(pb, col);
    wcol.clear();
    match pb.weights() {
        None => wcol.extend_from_slice(col),
        Some(w) => wcol.extend(w.iter().zip(col.iter()).map(|(a, b)| a * b)),
    }
    let mut out = vec![0.0; features.len()];
    pb.centred_dots(features, wcol, col_sum, &mut out);
    let s = pb.inv_scale[k];
    out.iter_mut().for_each(|v| *v *= s);
    pb.design.col_axpy(k, -1.0, col);
    out
}

impl<'p, 'a, D: Design> CoordinateDescent<'p, 'a, D> {
    /// `X̂_FᵀWX̂_F` for the features F (column-major |F| × |F|): read from the Gram matrix in
    /// covariance mode, otherwise from the cache of inner products, extended with the
    /// features it lacks.
    pub(super) fn gram_block(&mut self, features: &[usize]) -> Vec<f64> {
        let m = features.len();
        let mut h = vec![0.0; m * m];
        if let State::Gram { gram, xty, .. } = &self.state {
            let p = xty.len();
            for (b, &k) in features.iter().enumerate() {
                for (a, &j) in features.iter().enumerate() {
                    h[b * m + a] = gram[k * p + j];
                }
            }
            return h;
        }
        let cap = self.support_gram_cap();
        let cache = &mut self.support_gram;
        let missing: Vec<usize> = features
            .iter()
            .copied()
            .filter(|&j| !cache.has(j))
            .collect();
        let after = (cache.features.len() + missing.len()) as f64;
        if after * after > cap {
            cache.clear();
            cache.extend(self.pb, features);
        } else {
            cache.extend(self.pb, &missing);
        }
        let at: Vec<usize> = features.iter().map(|j| cache.position[j]).collect();
        for (b, &cb) in at.iter().enumerate() {
            let col = &cache.cols[cb];
            for (a, &ca) in at.iter().enumerate() {
                h[b * m + a] = col[ca];
            }
        }
        h
    }

    /// Entries the cache of inner products may hold: a quarter of X's stored entries (so it
    /// stays well below a copy of X), within [`SupportGram::MIN_CAP`] and
    /// [`SupportGram::MAX_CAP`].
    pub(super) fn support_gram_cap(&self) -> f64 {
        (0.25 * self.x_nnz).clamp(SupportGram::MIN_CAP, SupportGram::MAX_CAP)
    }

    /// For the features F: the entries their columns store, how many the cache of inner
    /// products lacks, and its size once they are added.
    pub(super) fn support_gram_costs(&self, features: &[usize]) -> (f64, f64, f64) {
        let nnz: f64 = features
            .iter()
            .map(|&j| self.pb.design.col_nnz(j) as f64)
            .sum();
        let missing = features
            .iter()
            .filter(|&&j| !self.support_gram.has(j))
            .count();
        let cached = self.support_gram.features.len() + missing;
        (nnz, missing as f64, cached as f64)
    }
}
