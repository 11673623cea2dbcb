//! Max pooling with 2x2 windows, stride 2 and no padding (the common "halve the map" pooling):
//! vector deinterleaves of two input rows, first maxima in the reference's tap order
//! ((0,0), (0,1), (1,0), (1,1)), so ties and NaNs resolve exactly as in the reference.

use crate::geometry::PoolGeom;
use crate::kernels::counters::{self, Kernel};
use crate::kernels::simd::F32x4;

/// Whether `g` is 2x2, stride 2, no padding.
pub fn applies(g: &PoolGeom) -> bool {
    g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0
}

/// Max pooling 2x2 stride 2 without padding: per output row, four outputs from two 8-cell
/// loads of each input row, deinterleaved into the four taps and combined in the reference
/// order ((0,0), (0,1), (1,0), (1,1)), so ties and NaNs resolve exactly as in the reference.
pub fn forward<V: F32x4>(g: &PoolGeom, x: &[f32], y: &mut [f32]) {
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

/// Max pooling backward: the windows do not overlap,
/// so each output's gradient is written (not added) to its first maximum, taps in reference order.
pub fn backward<V: F32x4>(g: &PoolGeom, x: &[f32], gy: &[f32], gx: &mut [f32]) {
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
