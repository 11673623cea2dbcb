//! Fully connected layer: vector dot products (forward) and axpy (backward).

use super::counters::{self, Kernel};
use super::simd::F32x4;

/// `sum a[i] * b[i]` over the common length, with four independent 4-lane accumulators.
#[inline]
pub(crate) fn dot<V: F32x4>(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let n16 = n / 16 * 16;
    let (mut s0, mut s1, mut s2, mut s3) = (V::zero(), V::zero(), V::zero(), V::zero());
    for (x, y) in a[..n16].chunks_exact(16).zip(b[..n16].chunks_exact(16)) {
        s0 = V::load(&x[0..4]).mul_add(V::load(&y[0..4]), s0);
        s1 = V::load(&x[4..8]).mul_add(V::load(&y[4..8]), s1);
        s2 = V::load(&x[8..12]).mul_add(V::load(&y[8..12]), s2);
        s3 = V::load(&x[12..16]).mul_add(V::load(&y[12..16]), s3);
    }
    let n4 = n / 4 * 4;
    for (x, y) in a[n16..n4].chunks_exact(4).zip(b[n16..n4].chunks_exact(4)) {
        s0 = V::load(x).mul_add(V::load(y), s0);
    }
    let s = s0.add(s1).add(s2.add(s3)).hsum();
    a[n4..].iter().zip(&b[n4..]).fold(s, |s, (x, y)| s + x * y)
}

/// `y += alpha * x` (equal lengths).
#[inline]
pub(crate) fn axpy<V: F32x4>(y: &mut [f32], alpha: f32, x: &[f32]) {
    let n4 = y.len() / 4 * 4;
    let (y4, yt) = y.split_at_mut(n4);
    let (x4, xt) = x.split_at(n4);
    let va = V::splat(alpha);
    for (d, s) in y4.chunks_exact_mut(4).zip(x4.chunks_exact(4)) {
        va.mul_add(V::load(s), V::load(d)).store(d);
    }
    for (d, s) in yt.iter_mut().zip(xt) {
        *d += alpha * s;
    }
}

pub fn linear_forward<V: F32x4>(w: &[f32], b: Option<&[f32]>, x: &[f32], y: &mut [f32]) {
    counters::bump(Kernel::LinearForwardSimd);
    let n_in = x.len();
    for (o, yo) in y.iter_mut().enumerate() {
        *yo = b.map_or(0.0, |b| b[o]) + dot::<V>(&w[o * n_in..(o + 1) * n_in], x);
    }
}

pub fn linear_backward<V: F32x4>(
    w: &[f32],
    x: &[f32],
    gy: &[f32],
    gx: &mut [f32],
    mut gw: Option<&mut [f32]>,
    gb: Option<&mut [f32]>,
) {
    counters::bump(Kernel::LinearBackwardSimd);
    let n_in = x.len();
    let gx = &mut gx[..n_in];
    gx.fill(0.0);
    for (o, &g) in gy.iter().enumerate() {
        axpy::<V>(gx, g, &w[o * n_in..(o + 1) * n_in]);
        if let Some(gw) = gw.as_deref_mut() {
            axpy::<V>(&mut gw[o * n_in..(o + 1) * n_in], g, x);
        }
    }
    if let Some(gb) = gb {
        for (b, &g) in gb.iter_mut().zip(gy) {
            *b += g;
        }
    }
}
