//! Convolution as GEMM: im2col lowering, then the packed GEMM of [`crate::kernels::gemm`].
//!
//! With `K = cin*kh*kw` and `P = oh*ow`, the column matrix `col[K x P]` holds in row
//! `(ci*kh + ky)*kw + kx` and column `oy*ow + ox` the input cell
//! `x[ci, oy*sh + ky*dh - ph, ox*sw + kx*dw - pw]` (zero in the padding). Then
//! - forward:         `Y[cout x P]  = W[cout x K] * col + b`
//! - backward input:  `gcol[K x P]  = W^T * gY`, then col2im scatter-adds gcol into gx
//! - backward weight: `gW[cout x K] += gY * col^T`, `gb +=` row sums of gY
//!
//! A 1x1 stride-1 unpadded convolution (pointwise) has `col == x`: its passes run the GEMM on
//! `x` (or into `gx`) directly, without im2col or col2im.

use crate::geometry::ConvGeom;
use crate::kernels::counters::{self, Kernel};
use crate::kernels::gemm::{gemm_bias, MatRef};
use crate::kernels::rows::{add_assign, copy_vec, sum, valid_range, zero_vec};
use crate::kernels::scratch::{Scratch, Slot};
use crate::kernels::simd::F32x4;

/// Fills `col[K x P]` from `x` (every element written).
pub(crate) fn im2col<V: F32x4>(g: &ConvGeom, x: &[f32], col: &mut [f32]) {
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
                // Rows are short (a feature map's width): vector copies and stores, never the
                // `memcpy` / `memset` calls of a run-time length in wasm.
                zero_vec::<V>(&mut row[..oy_lo * g.ow]);
                zero_vec::<V>(&mut row[oy_hi * g.ow..]);
                for oy in oy_lo..oy_hi {
                    let iy = oy * g.sh + ky * g.dh - g.ph;
                    let src = &plane[iy * g.w..(iy + 1) * g.w];
                    let dst = &mut row[oy * g.ow..(oy + 1) * g.ow];
                    dst[..ox_lo].iter_mut().for_each(|d| *d = 0.0);
                    dst[ox_hi..].iter_mut().for_each(|d| *d = 0.0);
                    if ox_lo < ox_hi {
                        let ix0 = ox_lo * g.sw + kx * g.dw - g.pw;
                        if g.sw == 1 {
                            copy_vec::<V>(&src[ix0..ix0 + (ox_hi - ox_lo)], &mut dst[ox_lo..ox_hi]);
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

/// `y = conv(x, w) + b` through im2col and the packed GEMM. Overwrites `y`.
pub fn forward<V: F32x4>(g: &ConvGeom, x: &[f32], w: &[f32], b: Option<&[f32]>, y: &mut [f32]) {
    let (k, p) = (g.cin * g.kh * g.kw, g.oh * g.ow);
    let mut col = Scratch::take(Slot::Col, k * p);
    im2col::<V>(g, x, &mut col);
    gemm_bias::<V>(g.cout, p, k, MatRef::rows(&w[..g.cout * k], k), MatRef::rows(&col, p), b, &mut y[..g.cout * p], p);
}

/// [`forward`] of a pointwise convolution: the GEMM on `x` itself.
pub fn forward_pointwise<V: F32x4>(g: &ConvGeom, x: &[f32], w: &[f32], b: Option<&[f32]>, y: &mut [f32]) {
    counters::bump(Kernel::Conv1x1Direct);
    let (k, p) = (g.cin, g.oh * g.ow);
    gemm_bias::<V>(
        g.cout,
        p,
        k,
        MatRef::rows(&w[..g.cout * k], k),
        MatRef::rows(&x[..k * p], p),
        b,
        &mut y[..g.cout * p],
        p,
    );
}

/// `gx = d(sum gy*y)/dx` through the packed GEMM (`W^T gY`) and col2im. Overwrites `gx`.
pub fn backward_input<V: F32x4>(g: &ConvGeom, gy: &[f32], w: &[f32], gx: &mut [f32]) {
    let (k, p) = (g.cin * g.kh * g.kw, g.oh * g.ow);
    let mut gcol = Scratch::take(Slot::Col, k * p);
    let (a, b) = (MatRef::transposed(&w[..g.cout * k], k), MatRef::rows(&gy[..g.cout * p], p));
    gemm_bias::<V>(k, p, g.cout, a, b, None, &mut gcol, p);
    col2im::<V>(g, &gcol, &mut gx[..g.input_len()]);
}

/// [`backward_input`] of a pointwise convolution: the GEMM straight into `gx`.
pub fn backward_input_pointwise<V: F32x4>(g: &ConvGeom, gy: &[f32], w: &[f32], gx: &mut [f32]) {
    counters::bump(Kernel::Conv1x1Direct);
    let (k, p) = (g.cin, g.oh * g.ow);
    let (a, b) = (MatRef::transposed(&w[..g.cout * k], k), MatRef::rows(&gy[..g.cout * p], p));
    gemm_bias::<V>(k, p, g.cout, a, b, None, &mut gx[..g.input_len()], p);
}

/// `gw += d(sum gy*y)/dw` (`gY col^T`, col from im2col) and `gb +=` the row sums of `gY`.
/// Accumulates.
pub fn backward_weight<V: F32x4>(g: &ConvGeom, x: &[f32], gy: &[f32], gw: &mut [f32], gb: Option<&mut [f32]>) {
    let mut col = Scratch::take(Slot::Col, g.cin * g.kh * g.kw * g.oh * g.ow);
    im2col::<V>(g, x, &mut col);
    weight_gradient::<V>(g, &col, gy, gw, gb)
}

/// [`backward_weight`] of a pointwise convolution: `x` itself is the column matrix.
pub fn backward_weight_pointwise<V: F32x4>(
    g: &ConvGeom,
    x: &[f32],
    gy: &[f32],
    gw: &mut [f32],
    gb: Option<&mut [f32]>,
) {
    counters::bump(Kernel::Conv1x1Direct);
    weight_gradient::<V>(g, &x[..g.cin * g.oh * g.ow], gy, gw, gb)
}

/// `gw += gY col^T` for the column matrix `col[K x P]`, and `gb +=` the row sums of `gY`.
fn weight_gradient<V: F32x4>(g: &ConvGeom, col: &[f32], gy: &[f32], gw: &mut [f32], gb: Option<&mut [f32]>) {
    let (k, p) = (g.cin * g.kh * g.kw, g.oh * g.ow);
    let gy = &gy[..g.cout * p];
    let gw = &mut gw[..g.cout * k];
    // gW^T[K x cout] = col[K x P] * gY^T, into scratch, then added transposed: the large operand
    // (col, K x P) packs as A, by the row-interleaving copy, and the small one (gY^T, P x cout)
    // as B, where a transposed operand is gathered value by value.
    let mut t = Scratch::take(Slot::WeightGradT, k * g.cout);
    gemm_bias::<V>(k, g.cout, p, MatRef::rows(col, p), MatRef::transposed(gy, p), None, &mut t, g.cout);
    for (kk, row) in t.chunks_exact(g.cout).enumerate() {
        for (co, &v) in row.iter().enumerate() {
            gw[co * k + kk] += v;
        }
    }
    if let Some(gb) = gb {
        for (b, row) in gb.iter_mut().zip(gy.chunks_exact(p)) {
            *b += sum::<V>(row);
        }
    }
}
