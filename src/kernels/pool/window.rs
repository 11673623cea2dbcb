//! Pooling over any window: forward vectorized along the output row for strides 1 and 2,
//! backward as direct loops over the in-bounds taps.
//!
//! For each output row, the outputs whose whole window lies inside the input row (the interior)
//! are computed four at a time: stride 1 loads four consecutive cells per kernel tap, stride 2
//! loads eight and keeps the even lanes. The border outputs (windows cut by padding) and other
//! strides use the scalar per-output code, which follows the reference order exactly.

use crate::geometry::PoolGeom;
use crate::kernels::counters::{self, Kernel};
use crate::kernels::rows::valid_range;
use crate::kernels::simd::F32x4;

/// What a window computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
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

/// Pooling forward; `vector_rows`: the interior of each row four outputs at a time (strides 1
/// and 2 only), else every output scalar. Overwrites `y`.
pub fn forward<V: F32x4>(g: &PoolGeom, op: Op, vector_rows: bool, x: &[f32], y: &mut [f32]) {
    debug_assert!(!vector_rows || g.sw == 1 || g.sw == 2);
    let simd = vector_rows;
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

/// Max pooling backward: each output gradient goes to its window's first maximum (the
/// reference's rule, visiting taps in the same row-major order). Overwrites `gx`. Direct loops
/// over the in-bounds taps (`tap_range`), without the reference's per-window iterators.
pub fn max_backward(g: &PoolGeom, x: &[f32], gy: &[f32], gx: &mut [f32]) {
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

/// Average pooling backward: each output gradient spread evenly over its window's in-bounds
/// cells. Overwrites `gx`.
pub fn avg_backward(g: &PoolGeom, gy: &[f32], gx: &mut [f32]) {
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
