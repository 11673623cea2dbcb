//! Compute kernels. `reference` holds the scalar definitions; the functions defined here are
//! the fast ones the layers call. All tensors are flat CHW slices (batch 1); conv weights
//! `[cout, cin, kh, kw]`, linear weights `[out, in]`, all row-major.
//!
//! # Dispatch
//!
//! Every kernel is written once, generic over the 4-lane vector trait [`simd::F32x4`], and the
//! public functions below instantiate it with [`simd::Native`], chosen at compile time by
//! `cfg` ("a tree per ISA", see [`simd`]):
//!
//! - `wasm32` + `simd128` (always: `.cargo/config.toml` enables it, and a `compile_error!`
//!   rejects a wasm build without it) -> WebAssembly SIMD128, [`ISA`] = `"simd128"`;
//! - `x86_64` -> SSE2 (baseline; AVX/FMA are not assumed), [`ISA`] = `"sse2"`;
//! - other targets -> a scalar `[f32; 4]` emulation, [`ISA`] = `"scalar"`.
//!
//! There is no run-time feature detection: one binary, one backend.
//!
//! | public function            | fast path                                                        |
//! |----------------------------|------------------------------------------------------------------|
//! | [`conv2d_forward`]         | im2col + packed GEMM `Y = W * col + b` (1x1/s1/p0: no im2col)    |
//! | [`conv2d_backward_input`]  | packed GEMM `gcol = W^T * gY`, then col2im scatter-add          |
//! | [`conv2d_backward_weight`] | im2col + packed GEMM `gW += gY * col^T`; `gb +=` vector row sums |
//! | [`maxpool2d_forward`]      | rows vectorized for stride 1 and 2, borders scalar               |
//! | [`avgpool2d_forward`]      | rows vectorized for stride 1 and 2, borders scalar               |
//! | pooling backward           | direct scalar loops over the in-bounds taps (reference order)    |
//! | [`linear_forward`]         | vector dot products                                              |
//! | [`linear_backward`]        | vector axpy                                                      |
//! | [`matmul_acc`]             | the packed GEMM itself                                           |
//!
//! The GEMM (module `gemm`) is BLIS-style: B is packed into 8-column panels, A into 4-row panels,
//! and the micro-kernel `gemm_4x8` keeps a 4x8 tile of C in eight 4-lane accumulators.
//! Scratch (column matrix, packed panels) lives in thread-local buffers that are reused across
//! calls; [`release_scratch`] frees them.
//!
//! Which kernels ran is counted: see [`calls`] and [`Kernel`].
//!
//! # Measured speed
//!
//! Fast path vs [`reference`](mod@reference), single thread, best of 10. The host column was
//! measured with `cargo test --release --test kernels_perf -- --ignored --nocapture` on the
//! 2-core x86_64 development VM. In headless Chromium 156 on the same machine (`./build.sh bench`,
//! medians, 3x3 pad 1 stride 1) the SIMD128 forward ran 28x28x8->16 at 10.8 GFLOP/s (34x the
//! reference), 64x64x16->32 at 16.1 GFLOP/s (54x) and 112x112x32->64 at 14.8 GFLOP/s (68x).
//!
//! | kernel, shape                                   | host (SSE2)              |
//! |-------------------------------------------------|--------------------------|
//! | conv2d_forward 16x64x64 -> 32, 3x3, pad 1       | x56 (23 GFLOP/s, 1.6 ms) |
//! | conv2d_backward_input, same shape               | x43 (24 GFLOP/s)         |
//! | conv2d_backward_weight, same shape              | x22 (20 GFLOP/s)         |
//! | conv2d_forward 1x28x28 -> 8, 5x5, pad 2 (MNIST) | x16 (13 GFLOP/s)         |
//! | conv2d_forward 8x14x14 -> 16, 5x5, pad 2        | x29 (16 GFLOP/s)         |
//! | maxpool2d_forward 32x64x64, 2x2 stride 2        | x11                      |
//! | avgpool2d_forward 32x64x64, 2x2 stride 2        | x2.3                     |
//! | linear_forward 784 -> 10                        | x10                      |
//!
//! `unsafe` code lives only under this module (the SIMD loads and stores, and the SSE intrinsics,
//! which are `unsafe fn`s), each block with a `// SAFETY:` line.

#![deny(clippy::undocumented_unsafe_blocks)]

#[cfg(all(target_arch = "wasm32", not(target_feature = "simd128")))]
compile_error!(
    "convlens must be built with +simd128 on wasm32: keep .cargo/config.toml's \
     `rustflags = [\"-C\", \"target-feature=+simd128\"]` and do not set RUSTFLAGS in the environment"
);

pub mod counters;
pub mod reference;
pub mod selftest;
pub mod simd;

mod conv;
mod gemm;
mod linear;
mod pool;
mod shifted;

pub use counters::{call_counts, calls, Kernel};
pub use simd::ISA;

use crate::geometry::{ConvGeom, PoolGeom};
use simd::Native;

/// The GEMM kernel compiled in (its counter rises with every convolution).
pub const GEMM_KERNEL: Kernel = counters::gemm_kernel(<Native as simd::F32x4>::ISA);

/// y = conv(x, w) + b. Overwrites `y`.
pub fn conv2d_forward(g: &ConvGeom, x: &[f32], w: &[f32], b: Option<&[f32]>, y: &mut [f32]) {
    conv::conv2d_forward::<Native>(g, x, w, b, y)
}

/// gx = d(sum gy*y)/dx. Overwrites `gx`.
pub fn conv2d_backward_input(g: &ConvGeom, gy: &[f32], w: &[f32], gx: &mut [f32]) {
    conv::conv2d_backward_input::<Native>(g, gy, w, gx)
}

/// gw += d(sum gy*y)/dw, gb += d(sum gy*y)/db. Accumulates.
pub fn conv2d_backward_weight(g: &ConvGeom, x: &[f32], gy: &[f32], gw: &mut [f32], gb: Option<&mut [f32]>) {
    conv::conv2d_backward_weight::<Native>(g, x, gy, gw, gb)
}

/// Max pooling (padding cells never win). Overwrites `y`.
pub fn maxpool2d_forward(g: &PoolGeom, x: &[f32], y: &mut [f32]) {
    pool::maxpool2d_forward::<Native>(g, x, y)
}

/// Routes each output gradient to its window's (first) maximum. Overwrites `gx`.
pub fn maxpool2d_backward(g: &PoolGeom, x: &[f32], gy: &[f32], gx: &mut [f32]) {
    pool::maxpool2d_backward::<Native>(g, x, gy, gx)
}

/// Average pooling over the in-bounds cells of each window. Overwrites `y`.
pub fn avgpool2d_forward(g: &PoolGeom, x: &[f32], y: &mut [f32]) {
    pool::avgpool2d_forward::<Native>(g, x, y)
}

/// Spreads each output gradient over its window's in-bounds cells. Overwrites `gx`.
pub fn avgpool2d_backward(g: &PoolGeom, gy: &[f32], gx: &mut [f32]) {
    pool::avgpool2d_backward(g, gy, gx)
}

/// y = W x + b, W `[out, in]`.
pub fn linear_forward(w: &[f32], b: Option<&[f32]>, x: &[f32], y: &mut [f32]) {
    linear::linear_forward::<Native>(w, b, x, y)
}

/// gx = W^T gy (overwrites); gw += gy x^T and gb += gy when given.
pub fn linear_backward(
    w: &[f32],
    x: &[f32],
    gy: &[f32],
    gx: &mut [f32],
    gw: Option<&mut [f32]>,
    gb: Option<&mut [f32]>,
) {
    linear::linear_backward::<Native>(w, x, gy, gx, gw, gb)
}

/// `C[m x n] += op(A)[m x k] * op(B)[k x n]` with the packed GEMM, all matrices row-major.
/// `op(A)` is A (`a` is `m x k`) or, with `a_trans`, A^T (`a` is `k x m`); likewise for B
/// (`b` is `k x n`, or `n x k` with `b_trans`). C is `m x n`.
///
/// Panics if a slice is too short.
#[allow(clippy::too_many_arguments)]
pub fn matmul_acc(m: usize, n: usize, k: usize, a: &[f32], a_trans: bool, b: &[f32], b_trans: bool, c: &mut [f32]) {
    use gemm::MatRef;
    let a = if a_trans { MatRef::transposed(a, m) } else { MatRef::rows(a, k) };
    let b = if b_trans { MatRef::transposed(b, k) } else { MatRef::rows(b, n) };
    gemm::gemm_acc::<Native>(m, n, k, a, b, c, n)
}

/// The kernel [`conv2d_backward_input`] runs for geometry `g` (besides the GEMM):
/// [`Kernel::ConvShiftedBackwardInput`], [`Kernel::Col2im`] or [`Kernel::Conv1x1Direct`].
pub fn conv2d_backward_input_kernel(g: &ConvGeom) -> Kernel {
    conv::backward_input_kernel(g)
}

#[doc(hidden)]
/// The forward pass through im2col + packed GEMM (`im2col`) or the dispatcher: the tests check
/// both against the reference, and benchmarks compare them.
pub fn conv2d_forward_variant(im2col: bool, g: &ConvGeom, x: &[f32], w: &[f32], b: Option<&[f32]>, y: &mut [f32]) {
    if im2col {
        conv::conv2d_forward_im2col::<Native>(g, x, w, b, y)
    } else {
        conv::conv2d_forward::<Native>(g, x, w, b, y)
    }
}

#[doc(hidden)]
/// The input gradient through packed GEMM + col2im (`col2im`) or the dispatcher (tests and
/// benchmarks, as [`conv2d_forward_variant`]).
pub fn conv2d_backward_input_variant(col2im: bool, g: &ConvGeom, gy: &[f32], w: &[f32], gx: &mut [f32]) {
    if col2im {
        conv::conv2d_backward_input_col2im::<Native>(g, gy, w, gx)
    } else {
        conv::conv2d_backward_input::<Native>(g, gy, w, gx)
    }
}

/// Frees the calling thread's scratch buffers (column matrix, packed GEMM panels). They are
/// reallocated on the next call that needs them.
pub fn release_scratch() {
    conv::release_scratch();
    shifted::release_scratch();
    gemm::release_scratch();
}

#[cfg(test)]
mod tests {
    //! The scalar backend against the reference (the integration tests in `tests/` cover
    //! `Native` on random shapes, on the host and in wasm).
    use super::simd::scalar::Scalar;
    use super::*;

    fn close(a: &[f32], b: &[f32], n: usize, what: &str) {
        assert_eq!(a.len(), b.len());
        let tol = 2e-5 * (n as f32).sqrt();
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert!((x - y).abs() <= tol * (1.0 + y.abs()), "{what}[{i}]: {x} vs reference {y}");
        }
    }

    #[test]
    fn scalar_backend_matches_reference() {
        let mut rng = crate::rng::Rng::new(7);
        for &(cin, h, w, cout, k, st, p, d) in
            &[(3, 9, 11, 5, 3, 1, 1, 1), (1, 7, 7, 7, 5, 2, 2, 1), (5, 13, 6, 3, 3, 3, 0, 2), (4, 8, 8, 6, 1, 1, 0, 1)]
        {
            let g = ConvGeom::new((cin, h, w), cout, (k, k), (st, st), (p, p), (d, d)).unwrap();
            let x = rng.vec(g.input_len());
            let wt = rng.vec(g.weight_len());
            let b = rng.vec(cout);
            let gy = rng.vec(g.output_len());
            let kk = cin * k * k;
            let (mut y0, mut y1) = (vec![0.0; g.output_len()], vec![f32::NAN; g.output_len()]);
            reference::conv2d_forward(&g, &x, &wt, Some(&b), &mut y0);
            conv::conv2d_forward::<Scalar>(&g, &x, &wt, Some(&b), &mut y1);
            close(&y1, &y0, kk, "y");
            let (mut gx0, mut gx1) = (vec![0.0; g.input_len()], vec![f32::NAN; g.input_len()]);
            reference::conv2d_backward_input(&g, &gy, &wt, &mut gx0);
            conv::conv2d_backward_input::<Scalar>(&g, &gy, &wt, &mut gx1);
            close(&gx1, &gx0, cout * k * k, "gx");
            let gw_init = rng.vec(g.weight_len());
            let (mut gw0, mut gw1) = (gw_init.clone(), gw_init);
            let (mut gb0, mut gb1) = (b.clone(), b.clone());
            reference::conv2d_backward_weight(&g, &x, &gy, &mut gw0, Some(&mut gb0));
            conv::conv2d_backward_weight::<Scalar>(&g, &x, &gy, &mut gw1, Some(&mut gb1));
            close(&gw1, &gw0, g.oh * g.ow, "gw");
            close(&gb1, &gb0, g.oh * g.ow, "gb");
        }
        for &(c, h, w, k, st, p) in
            &[(3, 9, 17, 2, 2, 1), (2, 8, 21, 3, 1, 1), (1, 11, 10, 3, 3, 0), (2, 9, 19, 2, 2, 0)]
        {
            let g = PoolGeom::new((c, h, w), (k, k), (st, st), (p, p)).unwrap();
            let x = rng.vec(g.input_len());
            let (mut y0, mut y1) = (vec![0.0; g.output_len()], vec![f32::NAN; g.output_len()]);
            reference::maxpool2d_forward(&g, &x, &mut y0);
            pool::maxpool2d_forward::<Scalar>(&g, &x, &mut y1);
            assert_eq!(y0, y1);
            reference::avgpool2d_forward(&g, &x, &mut y0);
            pool::avgpool2d_forward::<Scalar>(&g, &x, &mut y1);
            close(&y1, &y0, k * k, "avg");
            let gy = rng.vec(g.output_len());
            let (mut gx0, mut gx1) = (vec![0.0; g.input_len()], vec![f32::NAN; g.input_len()]);
            reference::maxpool2d_backward(&g, &x, &gy, &mut gx0);
            pool::maxpool2d_backward::<Scalar>(&g, &x, &gy, &mut gx1);
            assert_eq!(gx0, gx1);
        }
        let (n_in, n_out) = (37, 5);
        let (w, x, b, gy) = (rng.vec(n_in * n_out), rng.vec(n_in), rng.vec(n_out), rng.vec(n_out));
        let (mut y0, mut y1) = (vec![0.0; n_out], vec![0.0; n_out]);
        reference::linear_forward(&w, Some(&b), &x, &mut y0);
        linear::linear_forward::<Scalar>(&w, Some(&b), &x, &mut y1);
        close(&y1, &y0, n_in, "linear y");
        let (mut gx0, mut gx1) = (vec![0.0; n_in], vec![f32::NAN; n_in]);
        let (mut gw0, mut gw1) = (w.clone(), w.clone());
        let (mut gb0, mut gb1) = (b.clone(), b);
        reference::linear_backward(&w, &x, &gy, &mut gx0, Some(&mut gw0), Some(&mut gb0));
        linear::linear_backward::<Scalar>(&w, &x, &gy, &mut gx1, Some(&mut gw1), Some(&mut gb1));
        close(&gx1, &gx0, n_out, "linear gx");
        close(&gw1, &gw0, 1, "linear gw");
        close(&gb1, &gb0, 1, "linear gb");
    }
}
