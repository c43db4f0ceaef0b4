//! Projection of the dual point off the unpenalised features (see the module doc of `cd`).

use crate::design::Design;
use crate::linalg::{cholesky_jittered, cholesky_jittered_solve};
use crate::problem::Problem;

use super::state::weighted_sum;
use super::support_gram::inner_products;

/// Cached quantities for projecting out the unpenalised features.
pub(super) struct Projection {
    pub(super) features: Vec<usize>,
    /// `G = X̂_UᵀWX̂_U`, row-major.
    pub(super) gram: Vec<f64>,
    /// `X̂ᵀWX̂_U`, row j has the |U| entries of feature j.
    pub(super) cross: Vec<f64>,
    /// `X̂_UᵀWỹ`
    pub(super) xty: Vec<f64>,
}

impl Projection {
    pub(super) fn new<D: Design>(pb: &Problem<'_, D>) -> Option<Self> {
        let u = pb.unpenalised.clone();
        if u.is_empty() {
            return None;
        }
        let (n, p, m) = (pb.n_samples(), pb.n_features(), u.len());
        let mut cross = vec![0.0; p * m];
        let (mut col, mut wcol) = (vec![0.0; n], Vec::new());
        let all: Vec<usize> = (0..p).collect();
        for (k, &ju) in u.iter().enumerate() {
            for (j, v) in inner_products(pb, ju, &all, &mut col, &mut wcol)
                .into_iter()
                .enumerate()
            {
                cross[j * m + k] = v;
            }
        }
        let mut gram = vec![0.0; m * m];
        for (a, &ja) in u.iter().enumerate() {
            for b in 0..m {
                gram[a * m + b] = cross[ja * m + b];
            }
        }
        let xty = u
            .iter()
            .map(|&j| pb.centred_wdot(j, &pb.y_centred, weighted_sum(pb, &pb.y_centred)))
            .collect();
        Some(Projection {
            features: u,
            gram,
            cross,
            xty,
        })
    }

    /// Solves `G_PP a = rhs` for the subset P (indices into `features`).
    pub(super) fn solve(&self, subset: &[usize], rhs: &[f64]) -> Vec<f64> {
        let m_all = self.features.len();
        let m = subset.len();
        let mut g = vec![0.0; m * m];
        for (a, &ia) in subset.iter().enumerate() {
            for (b, &ib) in subset.iter().enumerate() {
                g[a * m + b] = self.gram[ia * m_all + ib];
            }
        }
        let trace: f64 = (0..m).map(|a| g[a * m + a]).sum();
        // (jittered: collinear unpenalised columns still factor)
        let l = cholesky_jittered(&g, m, 1e-12 * trace.max(f64::MIN_POSITIVE));
        let mut z = rhs.to_vec();
        cholesky_jittered_solve(&l, m, &mut z);
        z
    }
}
