//! The multi-task duality gap (scikit-learn's `gap_enet_multi_task`, whose answers the path
//! must reproduce) and the gap-safe rule that drops a feature's whole row of coefficients.
//!
//! Units: the objective × n, `P(W) = ½‖R‖²_W + l1·Σ_j ‖W_j‖₂ + l2/2·‖W‖²_F`, with R the
//! residual matrix and `W_j` feature j's coefficients across tasks.

use crate::design::{dot, Design};

use super::solver::BlockDescent;

/// The gap at the current point and what the screening rule reads from it.
#[derive(Clone, Debug)]
pub struct MultiTaskGap {
    pub gap: f64,
    pub primal: f64,
    /// `‖x̂_jᵀWR − l2·W_j‖₂` per feature (0 for excluded ones); `x̂_jᵀWR` without an L1 part.
    pub row_norms: Vec<f64>,
    /// `max_j row_norms[j]`
    pub dual_norm: f64,
}

/// The sums the gap is made of: `‖R‖²_W`, `⟨R, Ỹ⟩_W`, `Σ_j ‖W_j‖₂`, `‖W‖²_F`.
#[derive(Clone, Copy, Debug)]
pub struct GapSums {
    pub r_norm2: f64,
    pub r_dot_y: f64,
    pub w_l21: f64,
    pub w_norm2: f64,
}

/// The duality gap from its sums (scikit-learn's three cases). With an L1 part, the dual point
/// is R scaled into the dual's domain (its "formulation A"); with only L2, the ridge dual at R;
/// with neither, `‖XᵀR‖²`, a first-order condition rather than a gap, as scikit-learn's.
pub fn dual_gap(s: GapSums, l1: f64, l2: f64, dual_norm: f64) -> f64 {
    let quad = s.r_norm2 + l2 * s.w_norm2;
    if l1 == 0.0 {
        // dual_norm is ‖XᵀR‖_F here
        let xtr2 = dual_norm * dual_norm;
        if l2 == 0.0 {
            return xtr2;
        }
        return s.r_norm2 + 0.5 * l2 * s.w_norm2 - s.r_dot_y + xtr2 / (2.0 * l2);
    }
    let primal = 0.5 * quad + l1 * s.w_l21;
    let scale = if dual_norm > l1 { l1 / dual_norm } else { 1.0 };
    let dual = -0.5 * scale * scale * quad + scale * s.r_dot_y;
    primal - dual
}

/// Gap-safe screening for the row-group penalty (Ndiaye et al. 2015, as scikit-learn): feature j
/// can be held at zero when its correlation with the dual point is farther below 1 than the
/// safe ball's radius. `row_norm` and `dual_norm` from [`MultiTaskGap`], `col_norm2` the
/// feature's curvature.
pub fn gap_safe_keep(
    row_norm: f64,
    dual_norm: f64,
    col_norm2: f64,
    l1: f64,
    l2: f64,
    gap: f64,
) -> bool {
    let correlation = row_norm / l1.max(dual_norm);
    let distance = (1.0 - correlation) / (col_norm2 + l2).sqrt();
    distance <= (2.0 * gap.max(0.0)).sqrt() / l1
}

impl<D: Design> BlockDescent<'_, '_, D> {
    /// The duality gap at the current coefficients (solver units).
    pub fn gap(&mut self) -> MultiTaskGap {
        let pb = self.pb;
        let (n, t) = (pb.n_samples(), pb.n_tasks);
        let w = pb.x.weights();
        let mut sums = GapSums {
            r_norm2: 0.0,
            r_dot_y: 0.0,
            w_l21: 0.0,
            w_norm2: 0.0,
        };
        let (l1, l2) = (self.l1, self.l2);
        let p = pb.n_features();
        let mut xta = vec![0.0; p * t];
        let mut dots = vec![0.0; self.features.len()];
        let mut wr = vec![0.0; if w.is_some() { n } else { 0 }];
        for k in 0..t {
            let r = &self.resid[k * n..(k + 1) * n];
            let y = &pb.y_centred[k * n..(k + 1) * n];
            let shift = self.shift[k];
            // the true residual is r + shift (the centring kept implicit, as the one-target
            // solver keeps it)
            let (rr, ry) = match w {
                None => r.iter().zip(y).fold((0.0, 0.0), |(a, b), (&ri, &yi)| {
                    let v = ri + shift;
                    (a + v * v, b + v * yi)
                }),
                Some(w) => r
                    .iter()
                    .zip(y)
                    .zip(w)
                    .fold((0.0, 0.0), |(a, b), ((&ri, &yi), &wi)| {
                        let v = ri + shift;
                        (a + wi * v * v, b + wi * v * yi)
                    }),
            };
            sums.r_norm2 += rr;
            sums.r_dot_y += ry;
            let wv: &[f64] = match w {
                None => r,
                Some(w) => {
                    for ((o, &wi), &ri) in wr.iter_mut().zip(w).zip(r) {
                        *o = wi * ri;
                    }
                    &wr
                }
            };
            pb.x.centred_dots(&self.features, wv, self.wsum[k], &mut dots);
            for (&j, &d) in self.features.iter().zip(&dots) {
                xta[j * t + k] = d;
            }
        }
        let mut row_norms = vec![0.0; p];
        for &j in &self.features {
            let block = &self.coef[j * t..(j + 1) * t];
            let row = &mut xta[j * t..(j + 1) * t];
            let b2 = dot(block, block);
            sums.w_norm2 += b2;
            sums.w_l21 += b2.sqrt();
            if l1 > 0.0 {
                for (x, &b) in row.iter_mut().zip(block) {
                    *x -= l2 * b;
                }
            }
            row_norms[j] = dot(row, row).sqrt();
        }
        let dual_norm = if l1 > 0.0 {
            row_norms.iter().fold(0.0f64, |m, &v| m.max(v))
        } else {
            dot(&xta, &xta).sqrt()
        };
        let gap = dual_gap(sums, l1, l2, dual_norm);
        let primal = 0.5 * (sums.r_norm2 + l2 * sums.w_norm2) + l1 * sums.w_l21;
        MultiTaskGap {
            gap,
            primal,
            row_norms,
            dual_norm,
        }
    }
}
