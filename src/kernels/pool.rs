//! Pooling forward, vectorized along the output row for strides 1 and 2.
//!
//! For each output row, the outputs whose whole window lies inside the input row (the interior)
//! are computed four at a time: stride 1 loads four consecutive cells per kernel tap, stride 2
//! loads eight and keeps the even lanes. The border outputs (windows cut by padding) and other
//! strides use the scalar per-output code, which follows the reference order exactly.

use super::conv::valid_range;
use super::counters::{self, Kernel};
use super::simd::F32x4;
use crate::geometry::PoolGeom;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Max,
    Avg,
}

/// Reference-order pooling of one output cell: window rows `ky_lo..ky_hi` of `plane`.
#[inline]
fn pool_one(g: &PoolGeom, op: Op, plane: &[f32], ky_lo: usize, ky_hi: usize, base_y: isize, ox: usize) -> f32 {
    let (kx_lo, kx_hi) = tap_range(ox, g.sw, g.pw, g.kw, g.w);
    let mut acc = f32::NAN;
    let mut n = 0usize;
    for ky in ky_lo..ky_hi {
        let iy = (base_y + ky as isize) as usize;
        let row = &plane[iy * g.w..(iy + 1) * g.w];
        for kx in kx_lo..kx_hi {
            let v = row[ox * g.sw + kx - g.pw];
            acc = match op {
                Op::Max if n == 0 || v > acc => v,
                Op::Max => acc,
                Op::Avg if n == 0 => v,
                Op::Avg => acc + v,
            };
            n += 1;
        }
    }
    match op {
        Op::Max => acc,
        Op::Avg => acc / n as f32,
    }
}

/// Kernel taps `k` in `0..kernel` with `o*stride + k - pad` inside `0..len`.
#[inline]
fn tap_range(o: usize, stride: usize, pad: usize, kernel: usize, len: usize) -> (usize, usize) {
    let start = (o * stride) as isize - pad as isize;
    let lo = (-start).max(0) as usize;
    let hi = (len as isize - start).clamp(0, kernel as isize) as usize;
    (lo.min(hi), hi)
}

/// 2x2 windows, stride 2, no padding: the common "halve the map" pooling.
fn is_2x2_s2(g: &PoolGeom) -> bool {
    g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0
}

/// Max pooling 2x2 stride 2 without padding: per output row, four outputs from two 8-cell
/// loads of each input row, deinterleaved into the four taps and combined in the reference
/// order ((0,0), (0,1), (1,0), (1,1)), so ties and NaNs resolve exactly as in the reference.
fn maxpool_2x2_s2<V: F32x4>(g: &PoolGeom, x: &[f32], y: &mut [f32]) {
    counters::bump(Kernel::MaxPool2x2);
    let (h, w, oh, ow) = (g.h, g.w, g.oh, g.ow);
    for c in 0..g.c {
        let plane = &x[c * h * w..(c + 1) * h * w];
        let yp = &mut y[c * oh * ow..(c + 1) * oh * ow];
        for (oy, yrow) in yp.chunks_exact_mut(ow).enumerate() {
            let r0 = &plane[2 * oy * w..(2 * oy + 1) * w];
            let r1 = &plane[(2 * oy + 1) * w..(2 * oy + 2) * w];
            let mut ox = 0;
            while ox + 4 <= ow {
                forward_quad::<V>(ox, (r0, r1), yrow);
                ox += 4;
            }
            if ox < ow && ow >= 4 {
                // The last 1-3 outputs: the last four again (2*ow <= w), no scalar tail.
                forward_quad::<V>(ow - 4, (r0, r1), yrow);
                ox = ow;
            }
            for (o, v) in yrow.iter_mut().enumerate().skip(ox) {
                let mut m = r0[2 * o];
                for t in [r0[2 * o + 1], r1[2 * o], r1[2 * o + 1]] {
                    if t > m {
                        m = t;
                    }
                }
                *v = m;
            }
        }
    }
}

/// Four 2x2 windows from output column `ox` of rows `r0`, `r1` (cells `2ox..2ox+8`): their first
/// maxima into `y[ox..ox + 4]`.
#[inline(always)]
fn forward_quad<V: F32x4>(ox: usize, (r0, r1): (&[f32], &[f32]), y: &mut [f32]) {
    let (a0, a1) = (V::load(&r0[2 * ox..]), V::load(&r0[2 * ox + 4..]));
    let (b0, b1) = (V::load(&r1[2 * ox..]), V::load(&r1[2 * ox + 4..]));
    let m = V::even(a0, a1).max(V::odd(a0, a1)).max(V::even(b0, b1)).max(V::odd(b0, b1));
    m.store(&mut y[ox..ox + 4]);
}

fn pool_forward<V: F32x4>(g: &PoolGeom, op: Op, x: &[f32], y: &mut [f32]) {
    if op == Op::Max && is_2x2_s2(g) {
        return maxpool_2x2_s2::<V>(g, x, y);
    }
    let simd = g.sw == 1 || g.sw == 2;
    counters::bump(match (op, simd) {
        (Op::Max, true) => Kernel::MaxPoolSimd,
        (Op::Max, false) => Kernel::MaxPoolScalar,
        (Op::Avg, true) => Kernel::AvgPoolSimd,
        (Op::Avg, false) => Kernel::AvgPoolScalar,
    });
    // Outputs whose window is entirely inside the row: ox*sw - pw >= 0, ox*sw - pw + kw <= w.
    let (in_lo, in_hi) = if g.kw <= g.w + g.pw {
        let (lo, _) = valid_range(g.ow, 0, g.sw, g.pw, g.w);
        let (_, hi) = valid_range(g.ow, g.kw - 1, g.sw, g.pw, g.w);
        (lo, hi.max(lo))
    } else {
        (0, 0)
    };
    // Cells one vector of outputs reads past its first tap: stride 1 reads 4, stride 2 reads 8.
    let span = if g.sw == 1 { 4 } else { 8 };
    for c in 0..g.c {
        let plane = &x[c * g.h * g.w..(c + 1) * g.h * g.w];
        for oy in 0..g.oh {
            let base_y = (oy * g.sh) as isize - g.ph as isize;
            let (ky_lo, ky_hi) = tap_range(oy, g.sh, g.ph, g.kh, g.h);
            let yrow = &mut y[(c * g.oh + oy) * g.ow..(c * g.oh + oy + 1) * g.ow];
            let mut ox = 0;
            if simd {
                while ox < in_lo.min(g.ow) {
                    yrow[ox] = pool_one(g, op, plane, ky_lo, ky_hi, base_y, ox);
                    ox += 1;
                }
                let n_cells = V::splat(((ky_hi - ky_lo) * g.kw) as f32);
                // A vector of 4 outputs at ox: last cell read is ox*sw - pw + kw - 1 + span - 1.
                while ox + 4 <= in_hi && ox * g.sw + g.kw + span - 1 <= g.w + g.pw {
                    let x0 = ox * g.sw - g.pw;
                    let mut acc = V::zero();
                    let mut first = true;
                    for ky in ky_lo..ky_hi {
                        let iy = (base_y + ky as isize) as usize;
                        let row = &plane[iy * g.w..(iy + 1) * g.w];
                        for kx in 0..g.kw {
                            let s = &row[x0 + kx..x0 + kx + span];
                            let v = if g.sw == 1 { V::load(s) } else { V::even(V::load(&s[..4]), V::load(&s[4..])) };
                            acc = match op {
                                _ if first => v,
                                Op::Max => acc.max(v),
                                Op::Avg => acc.add(v),
                            };
                            first = false;
                        }
                    }
                    if op == Op::Avg {
                        acc = acc.div(n_cells);
                    }
                    acc.store(&mut yrow[ox..ox + 4]);
                    ox += 4;
                }
            }
            while ox < g.ow {
                yrow[ox] = pool_one(g, op, plane, ky_lo, ky_hi, base_y, ox);
                ox += 1;
            }
        }
    }
}

pub fn maxpool2d_forward<V: F32x4>(g: &PoolGeom, x: &[f32], y: &mut [f32]) {
    pool_forward::<V>(g, Op::Max, x, y)
}

pub fn avgpool2d_forward<V: F32x4>(g: &PoolGeom, x: &[f32], y: &mut [f32]) {
    pool_forward::<V>(g, Op::Avg, x, y)
}

/// Max pooling backward: each output gradient goes to its window's first maximum (the
/// reference's rule, visiting taps in the same row-major order). Overwrites `gx`. Direct loops
/// over the in-bounds taps (`tap_range`), without the reference's per-window iterators.
pub fn maxpool2d_backward<V: F32x4>(g: &PoolGeom, x: &[f32], gy: &[f32], gx: &mut [f32]) {
    if is_2x2_s2(g) {
        return maxpool_2x2_s2_backward::<V>(g, x, gy, gx);
    }
    counters::bump(Kernel::MaxPoolBackward);
    gx.fill(0.0);
    let (plane_in, plane_out) = (g.h * g.w, g.oh * g.ow);
    for c in 0..g.c {
        let xs = &x[c * plane_in..(c + 1) * plane_in];
        let gxs = &mut gx[c * plane_in..(c + 1) * plane_in];
        for oy in 0..g.oh {
            let (ky_lo, ky_hi) = tap_range(oy, g.sh, g.ph, g.kh, g.h);
            for ox in 0..g.ow {
                let (kx_lo, kx_hi) = tap_range(ox, g.sw, g.pw, g.kw, g.w);
                let mut best = usize::MAX;
                for ky in ky_lo..ky_hi {
                    let row = (oy * g.sh + ky - g.ph) * g.w;
                    for kx in kx_lo..kx_hi {
                        let i = row + ox * g.sw + kx - g.pw;
                        if best == usize::MAX || xs[i] > xs[best] {
                            best = i;
                        }
                    }
                }
                gxs[best] += gy[c * plane_out + oy * g.ow + ox];
            }
        }
    }
}

/// [`maxpool2d_backward`] for 2x2 windows, stride 2, no padding: the windows do not overlap,
/// so each output's gradient is written (not added) to its first maximum, taps in reference order.
fn maxpool_2x2_s2_backward<V: F32x4>(g: &PoolGeom, x: &[f32], gy: &[f32], gx: &mut [f32]) {
    counters::bump(Kernel::MaxPool2x2Backward);
    let (h, w, oh, ow) = (g.h, g.w, g.oh, g.ow);
    for c in 0..g.c {
        let xs = &x[c * h * w..(c + 1) * h * w];
        let gxs = &mut gx[c * h * w..(c + 1) * h * w];
        let gys = &gy[c * oh * ow..(c + 1) * oh * ow];
        // Rows and columns no window covers (odd sizes) get no gradient.
        gxs[2 * oh * w..].fill(0.0);
        for (oy, grow) in gys.chunks_exact(ow).enumerate() {
            let (x0, x1) = (&xs[2 * oy * w..(2 * oy + 1) * w], &xs[(2 * oy + 1) * w..(2 * oy + 2) * w]);
            let (g01, g1) = gxs[2 * oy * w..(2 * oy + 2) * w].split_at_mut(w);
            let g0 = g01;
            g0[2 * ow..].fill(0.0);
            g1[2 * ow..].fill(0.0);
            let mut ox = 0;
            while ox + 4 <= ow {
                backward_quad::<V>(ox, (x0, x1), &grow[ox..], (&mut *g0, &mut *g1));
                ox += 4;
            }
            if ox < ow && ow >= 4 {
                // The last 1-3 windows: the last four again (each window's cells depend on that
                // window alone, so rewriting them is exact), no scalar tail.
                backward_quad::<V>(ow - 4, (x0, x1), &grow[ow - 4..], (&mut *g0, &mut *g1));
                ox = ow;
            }
            for (ox, &gv) in grow.iter().enumerate().skip(ox) {
                let (i, j) = (2 * ox, 2 * ox + 1);
                // Branch-free first maximum in tap order (0,0), (0,1), (1,0), (1,1).
                let (mut m, mut t) = (x0[i], 0u8);
                if x0[j] > m {
                    (m, t) = (x0[j], 1);
                }
                if x1[i] > m {
                    (m, t) = (x1[i], 2);
                }
                if x1[j] > m {
                    t = 3;
                }
                g0[i] = if t == 0 { gv } else { 0.0 };
                g0[j] = if t == 1 { gv } else { 0.0 };
                g1[i] = if t == 2 { gv } else { 0.0 };
                g1[j] = if t == 3 { gv } else { 0.0 };
            }
        }
    }
}

/// Four 2x2 windows from output column `ox`: each window's gradient `gy[i]` goes to its first
/// maximum among rows `x0`, `x1` (cells `2ox..2ox+8`), zeros to its other cells of `g0`, `g1`.
#[inline(always)]
fn backward_quad<V: F32x4>(ox: usize, (x0, x1): (&[f32], &[f32]), gy: &[f32], (g0, g1): (&mut [f32], &mut [f32])) {
    let (a0, a1) = (V::load(&x0[2 * ox..]), V::load(&x0[2 * ox + 4..]));
    let (b0, b1) = (V::load(&x1[2 * ox..]), V::load(&x1[2 * ox + 4..]));
    let (t0, t1, t2, t3) = (V::even(a0, a1), V::odd(a0, a1), V::even(b0, b1), V::odd(b0, b1));
    // The chain m = t0; if t > m { m = t } over taps 1..3: tap k wins when it beat
    // the running maximum and no later tap beat it.
    let w1 = t1.gt(t0);
    let m = V::select(w1, t1, t0);
    let w2 = t2.gt(m);
    let m = V::select(w2, t2, m);
    let w3 = t3.gt(m);
    let gv = V::load(gy);
    let g3 = gv.and(w3);
    let g2 = gv.and(w2).and_not(w3);
    let g1v = gv.and(w1).and_not(w2.or(w3));
    let g0v = gv.and_not(w1.or(w2).or(w3));
    V::zip_lo(g0v, g1v).store(&mut g0[2 * ox..]);
    V::zip_hi(g0v, g1v).store(&mut g0[2 * ox + 4..]);
    V::zip_lo(g2, g3).store(&mut g1[2 * ox..]);
    V::zip_hi(g2, g3).store(&mut g1[2 * ox + 4..]);
}

/// Average pooling backward: each output gradient spread evenly over its window's in-bounds
/// cells. Overwrites `gx`.
pub fn avgpool2d_backward(g: &PoolGeom, gy: &[f32], gx: &mut [f32]) {
    counters::bump(Kernel::AvgPoolBackward);
    gx.fill(0.0);
    let (plane_in, plane_out) = (g.h * g.w, g.oh * g.ow);
    for c in 0..g.c {
        let gxs = &mut gx[c * plane_in..(c + 1) * plane_in];
        for oy in 0..g.oh {
            let (ky_lo, ky_hi) = tap_range(oy, g.sh, g.ph, g.kh, g.h);
            for ox in 0..g.ow {
                let (kx_lo, kx_hi) = tap_range(ox, g.sw, g.pw, g.kw, g.w);
                let share = gy[c * plane_out + oy * g.ow + ox] / ((ky_hi - ky_lo) * (kx_hi - kx_lo)) as f32;
                for ky in ky_lo..ky_hi {
                    let row = (oy * g.sh + ky - g.ph) * g.w;
                    let (x0, x1) = (ox * g.sw + kx_lo - g.pw, ox * g.sw + kx_hi - g.pw);
                    for v in &mut gxs[row + x0..row + x1] {
                        *v += share;
                    }
                }
            }
        }
    }
}
