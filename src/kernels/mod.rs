//! Compute kernels. [`reference`] holds the scalar definitions; the functions defined here are
//! the fast ones the layers call. All tensors are flat CHW slices (batch 1); conv weights
//! `[cout, cin, kh, kw]`, linear weights `[out, in]`, all row-major.
//!
//! Every kernel is written once, generic over the 4-lane vector trait [`simd::F32x4`], and the
//! functions below instantiate it with [`simd::Native`], chosen at compile time (one binary, one
//! backend; [`ISA`] names it). The kernels come in families, each with one planning function
//! that chooses the kernel for a geometry, used by every pass:
//!
//! - `conv`: `conv::plan` (im2col + packed GEMM, shifted views, depthwise, per group);
//! - `pool`: `pool::plan` (max 2x2 stride 2, vectorized rows, scalar windows);
//! - `gemm` (the packed 4x8 GEMM), `linear`, `activation`;
//! - shared: `rows` (row helpers every family uses), `scratch` (the one scratch arena),
//!   [`counters`] (which kernel ran), [`simd`] (the vector type, one implementation per ISA).
//!
//! What each kernel does, the dispatch table with the measurements behind every threshold, and
//! the alternatives that were measured and not kept: `docs/kernels.md`.
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
#[cfg(feature = "selftest")]
pub mod selftest;
pub mod simd;

mod activation;
mod conv;
mod gemm;
mod linear;
mod pool;
mod rows;
mod scratch;

pub use conv::Pass;
pub use counters::{call_counts, calls, Kernel};
pub use simd::ISA;

use crate::geometry::{ConvGeom, PoolGeom};
use simd::Native;

/// The GEMM kernel compiled in (its counter rises with every convolution).
pub const GEMM_KERNEL: Kernel = counters::gemm_kernel(<Native as simd::F32x4>::ISA);

/// y = conv(x, w) + b. Overwrites `y`.
pub fn conv2d_forward(g: &ConvGeom, x: &[f32], w: &[f32], b: Option<&[f32]>, y: &mut [f32]) {
    conv::forward::<Native>(g, 1, x, w, b, y)
}

/// gx = d(sum gy*y)/dx. Overwrites `gx`.
pub fn conv2d_backward_input(g: &ConvGeom, gy: &[f32], w: &[f32], gx: &mut [f32]) {
    conv::backward_input::<Native>(g, 1, gy, w, gx)
}

/// gw += d(sum gy*y)/dw, gb += d(sum gy*y)/db. Accumulates.
pub fn conv2d_backward_weight(g: &ConvGeom, x: &[f32], gy: &[f32], gw: &mut [f32], gb: Option<&mut [f32]>) {
    conv::backward_weight::<Native>(g, 1, x, gy, gw, gb)
}

/// Grouped convolution `y = conv(x, w) + b` with `groups` groups; `g` is ONE group's geometry
/// (`g.cin` and `g.cout` channels per group), weights `[groups * g.cout, g.cin, kh, kw]`. One
/// group is [`conv2d_forward`]; one input channel per group (depthwise) the SIMD depthwise
/// kernel; otherwise the ordinary kernels per group. Overwrites `y`.
pub fn grouped_conv2d_forward(g: &ConvGeom, groups: usize, x: &[f32], w: &[f32], b: Option<&[f32]>, y: &mut [f32]) {
    conv::forward::<Native>(g, groups, x, w, b, y)
}

/// [`grouped_conv2d_forward`], then `out[c] = y[c] * scale[c] + shift[c]` per output channel (a
/// batchnorm folded into the pass): for depthwise convolutions row by row while the row is in
/// L1, else as a second pass. Overwrites `y` and `out`.
#[allow(clippy::too_many_arguments)]
pub fn grouped_conv2d_forward_affine(
    g: &ConvGeom,
    groups: usize,
    x: &[f32],
    w: &[f32],
    b: Option<&[f32]>,
    y: &mut [f32],
    scale: &[f32],
    shift: &[f32],
    out: &mut [f32],
) {
    conv::forward_affine::<Native>(g, groups, x, w, b, y, scale, shift, out)
}

/// Whether [`grouped_conv2d_forward_affine`] fuses the affine map into the convolution's own
/// pass for this geometry (the depthwise kernel does).
pub fn grouped_conv2d_fuses_affine(g: &ConvGeom, groups: usize) -> bool {
    conv::fuses_affine(g, groups)
}

/// gx = d(sum gy*y)/dx of [`grouped_conv2d_forward`]. Overwrites `gx`.
pub fn grouped_conv2d_backward_input(g: &ConvGeom, groups: usize, gy: &[f32], w: &[f32], gx: &mut [f32]) {
    conv::backward_input::<Native>(g, groups, gy, w, gx)
}

/// gw += d(sum gy*y)/dw, gb += d(sum gy*y)/db of [`grouped_conv2d_forward`]. Accumulates.
pub fn grouped_conv2d_backward_weight(
    g: &ConvGeom,
    groups: usize,
    x: &[f32],
    gy: &[f32],
    gw: &mut [f32],
    gb: Option<&mut [f32]>,
) {
    conv::backward_weight::<Native>(g, groups, x, gy, gw, gb)
}

/// Average pooling dividing by the whole window, `kh * kw`, padding included. Overwrites `y`.
pub fn avgpool2d_include_pad_forward(g: &PoolGeom, x: &[f32], y: &mut [f32]) {
    pool::avg_include_pad_forward::<Native>(g, x, y)
}

/// Backward of [`avgpool2d_include_pad_forward`]. Overwrites `gx`.
pub fn avgpool2d_include_pad_backward(g: &PoolGeom, gy: &[f32], gx: &mut [f32]) {
    pool::include_pad::backward(g, gy, gx)
}

/// `y = x` where `x > 0`, else `+0` (NaN and `-0` give `+0`). Overwrites `y`.
pub fn relu_forward(x: &[f32], y: &mut [f32]) {
    activation::relu_forward::<Native>(x, y)
}

/// y = min(max(x, 0), 6), NaN to 0. Overwrites `y`.
pub fn relu6_forward(x: &[f32], y: &mut [f32]) {
    activation::relu6_forward::<Native>(x, y)
}

/// Max pooling (padding cells never win). Overwrites `y`.
pub fn maxpool2d_forward(g: &PoolGeom, x: &[f32], y: &mut [f32]) {
    pool::forward::<Native>(g, pool::Op::Max, x, y)
}

/// Routes each output gradient to its window's (first) maximum. Overwrites `gx`.
pub fn maxpool2d_backward(g: &PoolGeom, x: &[f32], gy: &[f32], gx: &mut [f32]) {
    pool::max_backward::<Native>(g, x, gy, gx)
}

/// Average pooling over the in-bounds cells of each window. Overwrites `y`.
pub fn avgpool2d_forward(g: &PoolGeom, x: &[f32], y: &mut [f32]) {
    pool::forward::<Native>(g, pool::Op::Avg, x, y)
}

/// Spreads each output gradient over its window's in-bounds cells. Overwrites `gx`.
pub fn avgpool2d_backward(g: &PoolGeom, gy: &[f32], gx: &mut [f32]) {
    pool::window::avg_backward(g, gy, gx)
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

/// The kernel `pass` of a convolution with `groups` groups of geometry `g` runs (its counter;
/// the GEMM's rises too where the kernel uses it), as the one planning function chooses it.
pub fn conv2d_kernel(g: &ConvGeom, groups: usize, pass: Pass) -> Kernel {
    conv::plan(g, groups, pass).kernel(pass)
}

#[doc(hidden)]
/// The forward pass through im2col + packed GEMM (`im2col`) or the planned kernel: the tests
/// check both against the reference, and benchmarks compare them.
pub fn conv2d_forward_variant(im2col: bool, g: &ConvGeom, x: &[f32], w: &[f32], b: Option<&[f32]>, y: &mut [f32]) {
    if im2col {
        conv::im2col::forward::<Native>(g, x, w, b, y)
    } else {
        conv2d_forward(g, x, w, b, y)
    }
}

#[doc(hidden)]
/// The input gradient through packed GEMM + col2im (`col2im`) or the planned kernel (tests and
/// benchmarks, as [`conv2d_forward_variant`]).
pub fn conv2d_backward_input_variant(col2im: bool, g: &ConvGeom, gy: &[f32], w: &[f32], gx: &mut [f32]) {
    if col2im {
        conv::im2col::backward_input::<Native>(g, gy, w, gx)
    } else {
        conv2d_backward_input(g, gy, w, gx)
    }
}

#[doc(hidden)]
/// The weight gradient through im2col + packed GEMM (`im2col`) or the planned kernel (tests and
/// benchmarks, as [`conv2d_forward_variant`]).
pub fn conv2d_backward_weight_variant(
    im2col: bool,
    g: &ConvGeom,
    x: &[f32],
    gy: &[f32],
    gw: &mut [f32],
    gb: Option<&mut [f32]>,
) {
    if im2col {
        conv::im2col::backward_weight::<Native>(g, x, gy, gw, gb)
    } else {
        conv2d_backward_weight(g, x, gy, gw, gb)
    }
}

/// Frees the calling thread's scratch buffers (padded planes, column matrices, packed GEMM
/// panels). They are reallocated on the next call that needs them.
pub fn release_scratch() {
    scratch::release();
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
            conv::forward::<Scalar>(&g, 1, &x, &wt, Some(&b), &mut y1);
            close(&y1, &y0, kk, "y");
            let (mut gx0, mut gx1) = (vec![0.0; g.input_len()], vec![f32::NAN; g.input_len()]);
            reference::conv2d_backward_input(&g, &gy, &wt, &mut gx0);
            conv::backward_input::<Scalar>(&g, 1, &gy, &wt, &mut gx1);
            close(&gx1, &gx0, cout * k * k, "gx");
            let gw_init = rng.vec(g.weight_len());
            let (mut gw0, mut gw1) = (gw_init.clone(), gw_init);
            let (mut gb0, mut gb1) = (b.clone(), b.clone());
            reference::conv2d_backward_weight(&g, &x, &gy, &mut gw0, Some(&mut gb0));
            conv::backward_weight::<Scalar>(&g, 1, &x, &gy, &mut gw1, Some(&mut gb1));
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
            pool::forward::<Scalar>(&g, pool::Op::Max, &x, &mut y1);
            assert_eq!(y0, y1);
            reference::avgpool2d_forward(&g, &x, &mut y0);
            pool::forward::<Scalar>(&g, pool::Op::Avg, &x, &mut y1);
            close(&y1, &y0, k * k, "avg");
            let gy = rng.vec(g.output_len());
            let (mut gx0, mut gx1) = (vec![0.0; g.input_len()], vec![f32::NAN; g.input_len()]);
            reference::maxpool2d_backward(&g, &x, &gy, &mut gx0);
            pool::max_backward::<Scalar>(&g, &x, &gy, &mut gx1);
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

    /// Every family that borrows scratch (shifted views forward and input gradient, im2col and
    /// col2im, the pointwise GEMM, depthwise forward and both gradients, the per-group path),
    /// run twice on one thread: the second round takes the buffers the first left and allocates
    /// nothing.
    #[test]
    fn the_scratch_arena_is_reused_by_a_second_identical_round() {
        let mut rng = crate::rng::Rng::new(3);
        let geoms = [
            (ConvGeom::new((5, 13, 11), 7, (3, 3), (1, 1), (1, 1), (1, 1)).unwrap(), 1),
            (ConvGeom::new((4, 12, 12), 20, (3, 3), (2, 2), (1, 1), (1, 1)).unwrap(), 1),
            (ConvGeom::new((1, 15, 15), 1, (3, 3), (1, 1), (1, 1), (1, 1)).unwrap(), 6),
            (ConvGeom::new((1, 15, 15), 2, (5, 5), (2, 2), (2, 2), (1, 1)).unwrap(), 3),
            (ConvGeom::new((2, 9, 9), 3, (3, 3), (1, 1), (0, 0), (1, 1)).unwrap(), 2),
            (ConvGeom::new((16, 7, 7), 24, (1, 1), (1, 1), (0, 0), (1, 1)).unwrap(), 1),
        ];
        let data: Vec<_> = geoms
            .iter()
            .map(|&(g, n)| (rng.vec(n * g.input_len()), rng.vec(n * g.weight_len()), rng.vec(n * g.output_len())))
            .collect();
        let round = || {
            for (&(g, n), (x, w, gy)) in geoms.iter().zip(&data) {
                let (mut y, mut gx, mut gw) = (vec![0.0; gy.len()], vec![0.0; x.len()], vec![0.0; w.len()]);
                grouped_conv2d_forward(&g, n, x, w, None, &mut y);
                grouped_conv2d_backward_input(&g, n, gy, w, &mut gx);
                grouped_conv2d_backward_weight(&g, n, x, gy, &mut gw, None);
                if n == 1 {
                    conv2d_forward_variant(true, &g, x, w, None, &mut y);
                    conv2d_backward_input_variant(true, &g, gy, w, &mut gx);
                }
            }
        };
        release_scratch();
        round();
        let (buffers, len) = scratch::stats();
        assert!(buffers >= 3 && len > 0, "the kernels took no scratch: {buffers} buffers");
        round();
        assert_eq!(scratch::stats(), (buffers, len), "the second round grew the arena");
        release_scratch();
        assert_eq!(scratch::stats().0, 0, "release_scratch frees the buffers");
    }
}
