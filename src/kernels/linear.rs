//! Fully connected layer: vector dot products (forward) and axpy (backward).

use super::counters::{self, Kernel};
use super::rows::{axpy, dot};
use super::simd::F32x4;

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
