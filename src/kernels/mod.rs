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
//! - `wasm32` + `simd128` + `relaxed-simd` (the second wasm build, `www/pkg-relaxed/`; `build.sh`
//!   passes the feature with `cargo --config`) -> the same kernels with every multiply-add of the
//!   hot loops ([`simd::F32x4::mul_add`]) as one `f32x4.relaxed_madd`, [`ISA`] =
//!   `"simd128+relaxed"`;
//! - `x86_64` -> SSE2 (baseline; AVX/FMA are not assumed), [`ISA`] = `"sse2"`;
//! - other targets -> a scalar `[f32; 4]` emulation, [`ISA`] = `"scalar"`.
//!
//! There is no run-time feature detection inside a binary: one binary, one backend. The choice
//! between the two wasm builds is made by the page when it loads (`www/js/start.js`: the relaxed
//! build where `WebAssembly.validate` accepts a relaxed-SIMD instruction, else the plain one).
//!
//! | public function            | fast path                                                        |
//! |----------------------------|------------------------------------------------------------------|
//! | [`conv2d_forward`]         | GEMM over shifted views of the padded input (module `shifted`); |
//! |                            | 1x1/s1/p0: packed GEMM on the input itself, tiles stored with    |
//! |                            | the bias in the first k block (`gemm_bias`: no fill of y first)  |
//! | [`conv2d_backward_input`]  | stride 1 (and pad <= dilation*(k-1)): forward conv of gY with   |
//! |                            | flipped weights on shifted views; else packed GEMM + col2im     |
//! | [`conv2d_backward_weight`] | im2col + packed GEMM `gW += gY * col^T`; `gb +=` vector row sums |
//! | [`maxpool2d_forward`]      | 2x2/s2/p0: deinterleaved vector rows; else rows vectorized for   |
//! |                            | stride 1 and 2, borders scalar                                   |
//! | [`avgpool2d_forward`]      | rows vectorized for stride 1 and 2, borders scalar               |
//! | [`maxpool2d_backward`]     | 2x2/s2/p0: vector masks (first maximum); else scalar taps        |
//! | pooling backward (others)  | direct scalar loops over the in-bounds taps (reference order)    |
//! | [`relu_forward`]           | vector `max(0, x)`                                               |
//! | [`relu6_forward`]          | vector compare + select                                          |
//! | [`linear_forward`]         | vector dot products                                              |
//! | [`linear_backward`]        | vector axpy                                                      |
//! | [`matmul_acc`]             | the packed GEMM itself                                           |
//! | [`grouped_conv2d_forward`] | groups 1: [`conv2d_forward`]; one input channel per group        |
//! |                            | (depthwise): module `depthwise` (below); else `conv2d_forward`   |
//! |                            | once per group on the group's channel slices                     |
//! | [`grouped_conv2d_forward_affine`] | the same, plus a per-channel affine map (a batchnorm): in  |
//! |                            | the depthwise pass row by row, else a second pass                 |
//! | [`grouped_conv2d_backward_input`] | depthwise, stride 1, one output per channel: the forward |
//! |                            | kernel on the padded output gradient with the flipped kernel;     |
//! |                            | other depthwise: vector axpy per tap into a padded plane          |
//! | [`grouped_conv2d_backward_weight`] | depthwise: vector dot products per tap                  |
//! | [`avgpool2d_include_pad_forward`] | [`avgpool2d_forward`], then the border cells rescaled     |
//!
//! **Depthwise** (module `depthwise`): each input channel is copied into a zero-padded plane
//! whose columns are split into stride phases, so every tap of a row of outputs reads
//! consecutive floats. At stride 1 one run of `(oh - 1) * pitch + ow` virtual outputs covers all
//! rows (blocks of 32 outputs, eight independent vector sums, 3x3 and 5x5 taps unrolled); the
//! `pitch - ow` virtual outputs between rows are dropped. Other strides go row by row.
//!
//! **Shifted views** (module `shifted`): the input is copied once, zero-padded and split into
//! stride phases, so that every row of the convolution's column matrix is a contiguous slice of
//! that copy at a per-tap offset. No im2col matrix is built; each 8-column panel of B is packed
//! from the views (two vector copies per tap) right before its tiles are computed, and the 4x8
//! tiles (bias added) are stored straight into the output. With up to four row panels (16 output
//! channels) B is read in place, unpacked; with one row (the input gradient of a 1-channel first layer) the
//! tile is 1x32.
//!
//! The older GEMM (module `gemm`) is BLIS-style: B is packed into 8-column panels, A into 4-row
//! panels, and the micro-kernel `gemm_4x8` keeps a 4x8 tile of C in eight 4-lane accumulators.
//! Scratch (planes, column matrix, packed panels) lives in thread-local buffers that are reused
//! across calls; [`release_scratch`] frees them.
//!
//! Which kernels ran is counted: see [`calls`] and [`Kernel`].
//!
//! # Measured choices (headless Chromium 156, SIMD128)
//!
//! Measured with a throwaway wasm-bindgen-test in headless Chromium: best of 25 interleaved
//! batches per variant, the variants back to back in one page, on the 2-core AMD EPYC VM shared
//! with other jobs (so only ratios from one run are compared). GFLOP/s:
//!
//! | case (3x3 unless noted)        | im2col + GEMM | shifted views | col2im bwd-in | shifted bwd-in |
//! |--------------------------------|--------------:|--------------:|--------------:|---------------:|
//! | 28x28x8->16 pad 1              | 14.6          | 25.6          | 19.9          | 24.1           |
//! | 64x64x16->32 pad 1             | 18.6          | 31.5          | 22.7          | 29.3           |
//! | 112x112x32->64 pad 1           | 23.4          | 33.9          | 26.9          | 32.7           |
//! | 28x28x1->8 pad 1               | 8.1           | 12.3          | 8.6           | 16.5 (1x32)    |
//! | 32x32x3->16 pad 1              | 13.8          | 21.5          | 15.4          | 18.5           |
//! | 28x28x8->16 stride 2 pad 1     | 10.6          | 15.4          | 13.4          | (col2im)       |
//! | 64x64x16->32 stride 2 pad 0    | 17.9          | 24.7          | 19.4          | (col2im)       |
//! | 5x5 pad 2 28x28x1->8 (digits)  | 8.9           | 18.3          | 12.7          | 20.8 (1x32)    |
//! | 5x5 pad 2 14x14x8->16 (digits) | 12.1          | 22.5          | 18.8          | 20.3           |
//!
//! - Micro-tile: 4x8 with one `v128.load32_splat` per A value beat 6x8 (-35% on the large
//!   shapes), 8x8 (-20%), 5x8 (-40%), 4x8 with one A load + 4 lane shuffles (-10%) and 4x8
//!   unrolled twice in k (-35%). V8 keeps 15 xmm registers for wasm SIMD; bigger tiles spill.
//!   rustc's LLVM does not fold the constant offsets of the loads in the k loop into the wasm
//!   `offset` immediate (the loop-strength-reduced adds lose `nuw`; raw pointers and alignment
//!   assumptions did not change that), so each load costs an extra `i32.add` in the loop.
//! - Stride-2 phase split: a row's last 1-7 columns as its last eight again (two vector stores)
//!   instead of a scalar tail: 14x14x16->32 stride 2 1.06-1.07x, 32x32x3->16 stride 2 valid 1.19x,
//!   28- and 64-wide rows 0.98-1.02x (node, interleaved).
//! - Column panels within output rows instead of over the virtual columns, where that costs at
//!   most 7 % more panels: 1.02-1.12x (measured ratios at `shifted::row_panels`).
//! - Tried and not kept: the input gradient as a scatter of the nonzero output-gradient values
//!   (behind a max pooling 10-16 % are nonzero in the digits model's maximization step), HWC
//!   padded buffer, one vector axpy per nonzero and kernel row. The read-modify-write of
//!   overlapping runs is bound by store-to-load latency (5-12 cycles per vector in V8): the
//!   digits step measured 1.04x slower with it at 15 % density and 1.25x at 30 %.
//! - Row pitch `w + pw` (shared left/right padding) instead of `w + 2pw`: 14x14x8->16 5x5
//!   20.0 -> 22.8 GFLOP/s (fewer wasted virtual columns). Phase split and output positions
//!   without divisions: 28x28x8->16 stride 2 12.8 -> 15.9, 64x64x16->32 stride 2 20.0 -> 25.5.
//! - Max pooling 2x2 stride 2, the last 1-3 outputs of a row as the row's last four again instead
//!   of a scalar tail (node, interleaved): 110x110x64 -> 55x55 221 -> 119 us, 62x62x32 26 -> 20 us,
//!   14x14x32 2.6 -> 1.6 us.
//! - Max pooling 2x2 stride 2: forward 28x28x16 31 us (generic rows) -> 2.5 us, 64x64x32
//!   0.37 ms -> 19 us; backward 28x28x8 11 us -> 2.7 us, 64x64x32 0.26 ms -> 37 us.
//! - B read in place instead of packed for up to 8 output rows: 8-row input gradients 24.4 ->
//!   28.5 (28x28x16->8) and 21.1 -> 25.0 GFLOP/s (digits 14x14x16->8 5x5); neutral or worse at 16
//!   at first, but 1.06-1.27x at 16 once the panels ran within rows (so up to 16 rows now).
//! - relu forward as vector `max(0, x)`: 6272 values 7.7 us (scalar `f32::max`) -> ~1 us.
//! - One output row (`m == 1`: the input gradient of a 1-channel first layer): a 1x32 tile with
//!   B read in place instead of 1x8 tiles: 28x28x1->8 5x5 input gradient 12.9 -> 20.8 GFLOP/s.
//! - Digits model (the explorer's): forward 0.26 -> 0.09 ms, forward + input gradient 0.41 ->
//!   0.18 ms (same harness, best of 25).
//!
//! MobileNetV2's twelve 1x1 shapes (112x112x16->96 ... 7x7x320->1280), node 20 (V8, plain
//! SIMD128), best of 7, summed, on the shared VM (so ranges over runs): the packed GEMM as it was
//! 10.4-13.7 ms; with the bias stored in the first k block instead of a fill of y plus load-add-
//! store, 8-column B panels copied with two vector moves (a slice copy of run-time length is a
//! `memcpy` call in wasm) and row-major A interleaved without strided indexing 8.9-11.2 ms (the
//! projections to 16 and 24 channels 8-10 -> 14-26 GFLOP/s); then one `load32_splat` per A
//! value in `gemm_4x8` instead of one load and four lane shuffles, about 7 % less again.
//! In Chromium's CPU profile of a MobileNetV2 forward pass (the relaxed build), fresh zeroed
//! activations (`alloc_zeroed` + `Shape::zeros`) were 15 % of convlens's time and packing 11 %;
//! after reusing the last pass's tensors (`Model::forward_reusing`) and the changes above: the
//! GEMM 55 %, the depthwise kernel 20 % and its padded copies 9 %, the element-wise layers 11 %.
//! Writing a 1x1 convolution's batchnorm from the GEMM's registers (a second output stream in
//! the tile store, instead of the second pass over the just-written output) measured the same
//! (MobileNetV2 forward in node, best of 9, five alternating runs each: 33.9-36.4 ms against
//! 33.9-34.8 ms), so it was not kept.
//!
//! Depthwise 3x3, padding 1 (MobileNetV2's shapes), in node (V8) with the release profile's
//! optimization and no debug assertions; minimum of 12 interleaved rounds per variant, two runs,
//! the VM at load 4-5, so only ratios within a run mean much. Forward ms (GFLOP/s), against the
//! scalar reference and against the generic route (`conv2d_forward` once per channel, i.e. the
//! shifted-view GEMM with its 1x32 one-row tile):
//!
//! | depthwise 3x3          | forward            | reference   | per-channel GEMM route | input gradient vs route |
//! |------------------------|--------------------|-------------|------------------------|-------------------------|
//! | 112x112x32 stride 1    | 0.63-0.68 (11)     | x100+       | 0.87-0.93x             | 0.90-0.95x              |
//! | 56x56x144 stride 2     | 0.61-0.84 (2.4-3.3)| x14-18      | 0.94-1.43x             | 2.4-2.6x                |
//! | 56x56x144 stride 1     | 0.79-0.83 (10)     | x33-59      | 0.89-0.94x             | 0.99-1.01x              |
//! | 14x14x384 stride 1     | 0.23 (5.8)         | x19-62      | 0.94-0.96x             | 0.92-1.06x              |
//! | 7x7x960 stride 1       | 0.26-0.29 (3)      | x8-24       | 1.16-1.19x             | 1.32x                   |
//!
//! - Row by row at stride 1 too (the first version) gave 0.42-0.9x of the per-channel route:
//!   14- and 7-wide rows are mostly vector tails. One run over all rows made it on par.
//! - So every depthwise geometry takes the depthwise kernel: one kernel, the batchnorm affine
//!   fused into its pass, 2.4-2.6x faster input gradients at stride 2 and 1.2-1.3x on 7x7 maps,
//!   at 0.87-0.96x of the per-channel route on large stride-1 maps (not split further: within
//!   this VM's noise).
//! - The batchnorm's affine map applied to each row inside the depthwise pass added 0.05-0.08 ms
//!   to 0.63 ms (112x112x32); conv2d + batchnorm2d as two layers vs `forward_with_batchnorm`
//!   measured 0.78-1.28x across runs: within the noise. Both outputs are kept for the explorer,
//!   so folding saves at most the batchnorm's own pass (the usual folding, which skips the
//!   conv's output, does not apply).
//! - Host (SSE2, `cargo test --release --test kernels_perf perf_depthwise -- --ignored`):
//!   112x112x32 stride 1 forward 13 GFLOP/s, x37 the reference; 7x7x960 4.4 GFLOP/s.
//!
//! On the host (SSE2 without AVX, two-operand forms; `cargo test --release --test kernels_perf
//! -- --ignored --nocapture`) the shifted forward is faster on the small and 5x5 shapes (1x28x28
//! ->8 5x5: 18.7 vs 12.7 GFLOP/s for im2col; 8x14x14->16 5x5: 22.0 vs 15.6) but was slower on
//! 32x32x32->64 3x3 (18.8 vs 26.1) in one loaded run; the dispatch is the same on every ISA.
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

mod activation;
mod conv;
mod depthwise;
mod gemm;
mod grouped;
mod linear;
mod pool;
mod pool_pad;
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

/// Grouped convolution `y = conv(x, w) + b` with `groups` groups; `g` is ONE group's geometry
/// (`g.cin` and `g.cout` channels per group), weights `[groups * g.cout, g.cin, kh, kw]`. One
/// group is [`conv2d_forward`]; one input channel per group (depthwise) the SIMD depthwise
/// kernel; otherwise the ordinary kernels per group. Overwrites `y`.
pub fn grouped_conv2d_forward(g: &ConvGeom, groups: usize, x: &[f32], w: &[f32], b: Option<&[f32]>, y: &mut [f32]) {
    grouped::forward::<Native>(g, groups, x, w, b, y)
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
    grouped::forward_affine::<Native>(g, groups, x, w, b, y, scale, shift, out)
}

/// Whether [`grouped_conv2d_forward_affine`] fuses the affine map into the convolution's own
/// pass for this geometry (the depthwise kernel does).
pub fn grouped_conv2d_fuses_affine(g: &ConvGeom, groups: usize) -> bool {
    grouped::fuses_affine(g, groups)
}

/// gx = d(sum gy*y)/dx of [`grouped_conv2d_forward`]. Overwrites `gx`.
pub fn grouped_conv2d_backward_input(g: &ConvGeom, groups: usize, gy: &[f32], w: &[f32], gx: &mut [f32]) {
    grouped::backward_input::<Native>(g, groups, gy, w, gx)
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
    grouped::backward_weight::<Native>(g, groups, x, gy, gw, gb)
}

/// Average pooling dividing by the whole window, `kh * kw`, padding included. Overwrites `y`.
pub fn avgpool2d_include_pad_forward(g: &PoolGeom, x: &[f32], y: &mut [f32]) {
    pool_pad::forward::<Native>(g, x, y)
}

/// Backward of [`avgpool2d_include_pad_forward`]. Overwrites `gx`.
pub fn avgpool2d_include_pad_backward(g: &PoolGeom, gy: &[f32], gx: &mut [f32]) {
    pool_pad::backward(g, gy, gx)
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
    depthwise::release_scratch();
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
