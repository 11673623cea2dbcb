//! Element-wise activations, four lanes at a time.

use super::counters::{self, Kernel};
use super::simd::F32x4;

/// `y = min(x, 6)` where `x > 0`, else `+0` (NaN gives 0), as the scalar
/// `crate::layers::activation::relu6_forward` defines it. Overwrites `y[..x.len()]`.
pub fn relu6_forward<V: F32x4>(x: &[f32], y: &mut [f32]) {
    counters::bump(Kernel::Relu6Simd);
    let y = &mut y[..x.len()];
    let n4 = x.len() / 4 * 4;
    let six = V::splat(6.0);
    for (d, s) in y[..n4].chunks_exact_mut(4).zip(x[..n4].chunks_exact(4)) {
        let v = V::load(s);
        // min(v, 6) by compare and select, then lanes not above 0 (NaN too) cleared to +0.
        V::select(v.gt(six), six, v).and(v.gt(V::zero())).store(d);
    }
    for (d, &s) in y[n4..].iter_mut().zip(&x[n4..]) {
        *d = if s > 0.0 { s.min(6.0) } else { 0.0 };
    }
}

/// `y = x` where `x > 0`, else `+0`, as [`super::reference::relu_forward`] (bit-exact:
/// `max(0, x)` keeps `+0` on ties and NaN). Overwrites `y[..x.len()]`.
pub fn relu_forward<V: F32x4>(x: &[f32], y: &mut [f32]) {
    counters::bump(Kernel::ReluSimd);
    let y = &mut y[..x.len()];
    let n4 = x.len() / 4 * 4;
    for (d, s) in y[..n4].chunks_exact_mut(4).zip(x[..n4].chunks_exact(4)) {
        V::zero().max(V::load(s)).store(d);
    }
    for (d, &s) in y[n4..].iter_mut().zip(&x[n4..]) {
        *d = if s > 0.0 { s } else { 0.0 };
    }
}
