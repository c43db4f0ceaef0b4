//! Criterion micro-benchmarks of the hot kernels through the crate's public API: the vector
//! kernels, column access of both designs, and one coordinate-descent epoch. Run with
//! `cargo bench --bench kernels`; the solver comparison lives in `benches/run.py`.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use fastreg::design::{axpy, dot};
use fastreg::{CoordinateDescent, CscDesign, DenseDesign, Design, EnetParamsBuilder, Problem};

/// Deterministic uniform numbers in [-1, 1) without a dependency (xorshift64*).
struct Uniform(u64);
impl Uniform {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        bits as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
    fn vec(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.next()).collect()
    }
}

/// A CSC matrix with `nnz_per_col` entries per column at distinct pseudo-random rows.
fn random_csc(
    rng: &mut Uniform,
    n: usize,
    p: usize,
    nnz_per_col: usize,
) -> (Vec<f64>, Vec<i32>, Vec<i32>) {
    let (mut data, mut indices, mut indptr) = (Vec::new(), Vec::new(), vec![0i32]);
    let stride = n / nnz_per_col;
    for _ in 0..p {
        for k in 0..nnz_per_col {
            // One entry per block of `stride` rows keeps rows sorted and distinct.
            let offset = ((rng.next() + 1.0) * 0.5 * stride as f64) as usize % stride;
            indices.push((k * stride + offset) as i32);
            data.push(rng.next());
        }
        indptr.push(indices.len() as i32);
    }
    (data, indices, indptr)
}

fn vector_kernels(c: &mut Criterion) {
    let mut rng = Uniform(42);
    let mut group = c.benchmark_group("vector");
    for &n in &[1_000usize, 100_000] {
        let a = rng.vec(n);
        let mut b = rng.vec(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("dot", n), &n, |bch, _| {
            bch.iter(|| dot(black_box(&a), black_box(&b)))
        });
        group.bench_with_input(BenchmarkId::new("axpy", n), &n, |bch, _| {
            bch.iter(|| axpy(black_box(1e-9), black_box(&a), black_box(&mut b)))
        });
    }
    group.finish();
}

fn column_kernels(c: &mut Criterion) {
    let mut rng = Uniform(7);
    let (n, p) = (20_000usize, 64usize);
    let dense = rng.vec(n * p);
    let dense = DenseDesign::new(&dense, n, p).unwrap();
    // 0.2% density, as the `sparse-text` problem of the solver suite.
    let (data, indices, indptr) = random_csc(&mut rng, n, p, n / 500);
    let csc = CscDesign::new(&data, &indices, &indptr, n).unwrap();
    let v = rng.vec(n);
    let mut group = c.benchmark_group("column");
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function("dense/col_dot", |b| {
        b.iter(|| dense.col_dot(black_box(3), &v))
    });
    group.bench_function("dense/col_axpy", |b| {
        let mut r = v.clone();
        b.iter(|| dense.col_axpy(black_box(3), 1e-9, &mut r))
    });
    group.throughput(Throughput::Elements(csc.col_nnz(3) as u64));
    group.bench_function("csc/col_dot", |b| b.iter(|| csc.col_dot(black_box(3), &v)));
    group.bench_function("csc/col_axpy", |b| {
        let mut r = v.clone();
        b.iter(|| csc.col_axpy(black_box(3), 1e-9, &mut r))
    });
    group.finish();
}

/// One cyclic CD epoch over all features at a penalty where about a tenth are active.
fn cd_epoch(c: &mut Criterion) {
    let mut rng = Uniform(3);
    let mut group = c.benchmark_group("cd_epoch");
    group.sample_size(20);

    let (n, p) = (500usize, 2_000usize);
    let x = rng.vec(n * p);
    let y = rng.vec(n);
    let dense = DenseDesign::new(&x, n, p).unwrap();
    let pb = Problem::new(&dense, &y, None, true).unwrap();
    let prm = EnetParamsBuilder {
        l1: 0.05,
        ..Default::default()
    }
    .check()
    .unwrap();
    let features: Vec<usize> = (0..p).collect();
    group.throughput(Throughput::Elements((n * p) as u64));
    group.bench_function("dense_500x2000", |b| {
        let mut cd = CoordinateDescent::new(&pb, &prm, None).unwrap();
        b.iter(|| cd.epoch(black_box(&features)))
    });

    let (n, p) = (20_000usize, 5_000usize);
    let (data, indices, indptr) = random_csc(&mut rng, n, p, n / 500);
    let y = rng.vec(n);
    let csc = CscDesign::new(&data, &indices, &indptr, n).unwrap();
    let pb = Problem::new(&csc, &y, None, true).unwrap();
    let features: Vec<usize> = (0..p).collect();
    group.throughput(Throughput::Elements(data.len() as u64));
    group.bench_function("csc_20000x5000", |b| {
        let mut cd = CoordinateDescent::new(&pb, &prm, None).unwrap();
        b.iter(|| cd.epoch(black_box(&features)))
    });
    group.finish();
}

criterion_group!(kernels, vector_kernels, column_kernels, cd_epoch);
criterion_main!(kernels);
