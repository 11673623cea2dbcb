//! Convolution as GEMM: im2col lowering, then the packed GEMM of [`super::gemm`].
//!
//! With `K = cin*kh*kw` and `P = oh*ow`, the column matrix `col[K x P]` holds in row
//! `(ci*kh + ky)*kw + kx` and column `oy*ow + ox` the input cell
//! `x[ci, oy*sh + ky*dh - ph, ox*sw + kx*dw - pw]` (zero in the padding). Then
//! - forward:         `Y[cout x P]  = W[cout x K] * col + b`
//! - backward input:  `gcol[K x P]  = W^T * gY`, then col2im scatter-adds gcol into gx
//! - backward weight: `gW[cout x K] += gY * col^T`, `gb += row sums of gY`
//!
//! A 1x1 stride-1 unpadded convolution has `col == x` and skips im2col/col2im.

use std::cell::Cell;

use super::counters::{self, Kernel};
use super::gemm::{gemm_acc, gemm_bias, with_scratch, MatRef};
use super::simd::F32x4;
use crate::geometry::ConvGeom;

thread_local! {
    static COL: Cell<Vec<f32>> = const { Cell::new(Vec::new()) };
}

/// Frees the column buffer of the calling thread.
pub fn release_scratch() {
    COL.with(Cell::take);
}

/// Outputs `o` in `0..out_len` whose tap `o*stride + off - pad` lies in `0..in_len`, as a
/// half-open range (empty when none does). `off` is the kernel offset `k*dilation`.
#[inline]
pub(crate) fn valid_range(out_len: usize, off: usize, stride: usize, pad: usize, in_len: usize) -> (usize, usize) {
    // o*stride + off >= pad  <=>  o >= ceil((pad - off) / stride)
    let lo = if pad > off { (pad - off).div_ceil(stride) } else { 0 };
    // o*stride + off - pad <= in_len - 1  <=>  o <= (in_len - 1 + pad - off) / stride
    let hi = if in_len + pad > off { ((in_len - 1 + pad - off) / stride + 1).min(out_len) } else { 0 };
    (lo.min(hi), hi)
}

fn is_pointwise(g: &ConvGeom) -> bool {
    g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0
}

/// Fills `col[K x P]` from `x` (every element written).
pub(crate) fn im2col(g: &ConvGeom, x: &[f32], col: &mut [f32]) {
    counters::bump(Kernel::Im2col);
    let p = g.oh * g.ow;
    let mut rows = col.chunks_exact_mut(p);
    for ci in 0..g.cin {
        let plane = &x[ci * g.h * g.w..(ci + 1) * g.h * g.w];
        for ky in 0..g.kh {
            let (oy_lo, oy_hi) = valid_range(g.oh, ky * g.dh, g.sh, g.ph, g.h);
            for kx in 0..g.kw {
                let row = rows.next().expect("col has K*P elements");
                let (ox_lo, ox_hi) = valid_range(g.ow, kx * g.dw, g.sw, g.pw, g.w);
                row[..oy_lo * g.ow].fill(0.0);
                row[oy_hi * g.ow..].fill(0.0);
                for oy in oy_lo..oy_hi {
                    let iy = oy * g.sh + ky * g.dh - g.ph;
                    let src = &plane[iy * g.w..(iy + 1) * g.w];
                    let dst = &mut row[oy * g.ow..(oy + 1) * g.ow];
                    dst[..ox_lo].fill(0.0);
                    dst[ox_hi..].fill(0.0);
                    if ox_lo < ox_hi {
                        let ix0 = ox_lo * g.sw + kx * g.dw - g.pw;
                        if g.sw == 1 {
                            dst[ox_lo..ox_hi].copy_from_slice(&src[ix0..ix0 + (ox_hi - ox_lo)]);
                        } else {
                            for (d, s) in dst[ox_lo..ox_hi].iter_mut().zip(src[ix0..].iter().step_by(g.sw)) {
                                *d = *s;
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `gx = col2im(gcol)`: scatter-adds every column entry back onto the input cell it came from.
/// Overwrites `gx`.
pub(crate) fn col2im<V: F32x4>(g: &ConvGeom, gcol: &[f32], gx: &mut [f32]) {
    counters::bump(Kernel::Col2im);
    gx.fill(0.0);
    let p = g.oh * g.ow;
    let mut rows = gcol.chunks_exact(p);
    for ci in 0..g.cin {
        let plane = &mut gx[ci * g.h * g.w..(ci + 1) * g.h * g.w];
        for ky in 0..g.kh {
            let (oy_lo, oy_hi) = valid_range(g.oh, ky * g.dh, g.sh, g.ph, g.h);
            for kx in 0..g.kw {
                let row = rows.next().expect("gcol has K*P elements");
                let (ox_lo, ox_hi) = valid_range(g.ow, kx * g.dw, g.sw, g.pw, g.w);
                if ox_lo >= ox_hi {
                    continue;
                }
                for oy in oy_lo..oy_hi {
                    let iy = oy * g.sh + ky * g.dh - g.ph;
                    let dst = &mut plane[iy * g.w..(iy + 1) * g.w];
                    let src = &row[oy * g.ow + ox_lo..oy * g.ow + ox_hi];
                    let ix0 = ox_lo * g.sw + kx * g.dw - g.pw;
                    if g.sw == 1 {
                        add_assign::<V>(&mut dst[ix0..ix0 + src.len()], src);
                    } else {
                        for (d, s) in dst[ix0..].iter_mut().step_by(g.sw).zip(src) {
                            *d += *s;
                        }
                    }
                }
            }
        }
    }
}

/// `dst += src` (equal lengths).
#[inline]
pub(crate) fn add_assign<V: F32x4>(dst: &mut [f32], src: &[f32]) {
    let n4 = dst.len() / 4 * 4;
    let (d4, dt) = dst.split_at_mut(n4);
    let (s4, st) = src.split_at(n4);
    for (d, s) in d4.chunks_exact_mut(4).zip(s4.chunks_exact(4)) {
        V::load(d).add(V::load(s)).store(d);
    }
    for (d, s) in dt.iter_mut().zip(st) {
        *d += *s;
    }
}

/// `dst = src` (equal lengths), four floats at a time: for the short rows (7 to 112 floats) the
/// depthwise and shifted-view kernels copy, where a slice copy of a run-time length is a call to
/// `memcpy` in wasm.
#[inline(always)]
pub(crate) fn copy_vec<V: F32x4>(src: &[f32], dst: &mut [f32]) {
    let mut d4 = dst.chunks_exact_mut(4);
    let mut s4 = src.chunks_exact(4);
    for (d, s) in (&mut d4).zip(&mut s4) {
        V::load(s).store(d);
    }
    for (d, &s) in d4.into_remainder().iter_mut().zip(s4.remainder()) {
        *d = s;
    }
}

/// Sum of a slice, four lanes at a time.
#[inline]
pub(crate) fn sum<V: F32x4>(s: &[f32]) -> f32 {
    let mut acc = V::zero();
    let mut chunks = s.chunks_exact(4);
    for c in &mut chunks {
        acc = acc.add(V::load(c));
    }
    chunks.remainder().iter().fold(acc.hsum(), |a, &b| a + b)
}

pub fn conv2d_forward<V: F32x4>(g: &ConvGeom, x: &[f32], w: &[f32], b: Option<&[f32]>, y: &mut [f32]) {
    if !is_pointwise(g) {
        return super::shifted::conv2d_forward::<V>(g, x, w, b, y);
    }
    conv2d_forward_im2col::<V>(g, x, w, b, y)
}

/// The forward pass through im2col and the packed GEMM (the 1x1 fast path, and a second
/// implementation the tests compare against).
pub fn conv2d_forward_im2col<V: F32x4>(g: &ConvGeom, x: &[f32], w: &[f32], b: Option<&[f32]>, y: &mut [f32]) {
    let (k, p) = (g.cin * g.kh * g.kw, g.oh * g.ow);
    let y = &mut y[..g.cout * p];
    let a = MatRef::rows(&w[..g.cout * k], k);
    if is_pointwise(g) {
        counters::bump(Kernel::Conv1x1Direct);
        gemm_bias::<V>(g.cout, p, k, a, MatRef::rows(&x[..k * p], p), b, y, p);
    } else {
        with_scratch(&COL, k * p, |col| {
            im2col(g, x, col);
            gemm_bias::<V>(g.cout, p, k, a, MatRef::rows(col, p), b, y, p);
        });
    }
}

pub fn conv2d_backward_input<V: F32x4>(g: &ConvGeom, gy: &[f32], w: &[f32], gx: &mut [f32]) {
    if !is_pointwise(g) {
        if let Some(t) = super::shifted::backward_input_geometry(g) {
            return super::shifted::conv2d_backward_input::<V>(g, &t, gy, w, gx);
        }
    }
    conv2d_backward_input_col2im::<V>(g, gy, w, gx)
}

/// Which kernel [`conv2d_backward_input`] dispatches to.
pub fn backward_input_kernel(g: &ConvGeom) -> Kernel {
    if is_pointwise(g) {
        Kernel::Conv1x1Direct
    } else if super::shifted::backward_input_geometry(g).is_some() {
        Kernel::ConvShiftedBackwardInput
    } else {
        Kernel::Col2im
    }
}

/// The input gradient through the packed GEMM and col2im (strided convolutions, the 1x1 fast
/// path, and a second implementation the tests compare against).
pub fn conv2d_backward_input_col2im<V: F32x4>(g: &ConvGeom, gy: &[f32], w: &[f32], gx: &mut [f32]) {
    let (k, p) = (g.cin * g.kh * g.kw, g.oh * g.ow);
    let gx = &mut gx[..g.input_len()];
    let a = MatRef::transposed(&w[..g.cout * k], k);
    let b = MatRef::rows(&gy[..g.cout * p], p);
    if is_pointwise(g) {
        counters::bump(Kernel::Conv1x1Direct);
        gemm_bias::<V>(k, p, g.cout, a, b, None, gx, p);
    } else {
        with_scratch(&COL, k * p, |gcol| {
            gemm_bias::<V>(k, p, g.cout, a, b, None, gcol, p);
            col2im::<V>(g, gcol, gx);
        });
    }
}

pub fn conv2d_backward_weight<V: F32x4>(g: &ConvGeom, x: &[f32], gy: &[f32], gw: &mut [f32], gb: Option<&mut [f32]>) {
    let (k, p) = (g.cin * g.kh * g.kw, g.oh * g.ow);
    let gy = &gy[..g.cout * p];
    let a = MatRef::rows(gy, p);
    let gw = &mut gw[..g.cout * k];
    if is_pointwise(g) {
        counters::bump(Kernel::Conv1x1Direct);
        gemm_acc::<V>(g.cout, k, p, a, MatRef::transposed(&x[..k * p], p), gw, k);
    } else {
        with_scratch(&COL, k * p, |col| {
            im2col(g, x, col);
            gemm_acc::<V>(g.cout, k, p, a, MatRef::transposed(col, p), gw, k);
        });
    }
    if let Some(gb) = gb {
        for (b, row) in gb.iter_mut().zip(gy.chunks_exact(p)) {
            *b += sum::<V>(row);
        }
    }
}
