//! Row helpers the kernel families share: vector copies, sums, dot products and axpy over
//! slices, four lanes at a time with a scalar tail, and the in-bounds range of a window tap.

use super::simd::F32x4;

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

/// `dst` set to zeros, with vector stores (for the short runs where `fill` would be a call to
/// `memset` in wasm).
#[inline(always)]
pub(crate) fn zero_vec<V: F32x4>(dst: &mut [f32]) {
    let mut d4 = dst.chunks_exact_mut(4);
    for d in &mut d4 {
        V::zero().store(d);
    }
    d4.into_remainder().iter_mut().for_each(|d| *d = 0.0);
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

/// `sum a[i] * b[i]` over the common length, with four independent 4-lane accumulators (long
/// rows: a linear layer's weights).
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

/// `sum a[i] * b[i]` (equal lengths), two vector accumulators (short rows: a depthwise output
/// row against one tap's inputs).
#[inline(always)]
pub(crate) fn dot_short<V: F32x4>(a: &[f32], b: &[f32]) -> f32 {
    let (mut s0, mut s1) = (V::zero(), V::zero());
    let mut a8 = a.chunks_exact(8);
    let mut b8 = b.chunks_exact(8);
    for (x, y) in (&mut a8).zip(&mut b8) {
        s0 = V::load(x).mul_add(V::load(y), s0);
        s1 = V::load(&x[4..]).mul_add(V::load(&y[4..]), s1);
    }
    let tail: f32 = a8.remainder().iter().zip(b8.remainder()).map(|(x, y)| x * y).sum();
    s0.add(s1).hsum() + tail
}

/// `y += alpha * x` (equal lengths).
#[inline(always)]
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

/// `dst = src * scale + shift` (a fused batchnorm's output row).
#[inline(always)]
pub(crate) fn affine<V: F32x4>(src: &[f32], scale: f32, shift: f32, dst: &mut [f32]) {
    let (s, t) = (V::splat(scale), V::splat(shift));
    let mut d4 = dst.chunks_exact_mut(4);
    let mut s4 = src.chunks_exact(4);
    for (d, x) in (&mut d4).zip(&mut s4) {
        V::load(x).mul_add(s, t).store(d);
    }
    for (d, &x) in d4.into_remainder().iter_mut().zip(s4.remainder()) {
        *d = x * scale + shift;
    }
}
