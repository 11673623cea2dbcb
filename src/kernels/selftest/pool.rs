//! Pooling, fast vs reference: max (bit-exact, ties and NaNs included), average, and average
//! with `count_include_pad`.

use super::common::{assert_close, Rng};
use crate::geometry::PoolGeom;
use crate::kernels::{self, reference};

/// Max (bit-exact) and average pooling forward of one geometry, fast vs reference, plus the
/// backward passes.
pub fn check_pool(g: &PoolGeom, rng: &mut Rng) {
    let x = rng.vec(g.input_len());
    let mut y_ref = vec![0.0; g.output_len()];
    let mut y = vec![f32::NAN; g.output_len()];
    reference::maxpool2d_forward(g, &x, &mut y_ref);
    kernels::maxpool2d_forward(g, &x, &mut y);
    for (i, (a, b)) in y.iter().zip(&y_ref).enumerate() {
        assert_eq!(a.to_bits(), b.to_bits(), "maxpool y[{i}], {g:?}: fast {a} vs reference {b}");
    }
    y.fill(f32::NAN);
    reference::avgpool2d_forward(g, &x, &mut y_ref);
    kernels::avgpool2d_forward(g, &x, &mut y);
    assert_close(&y, &y_ref, g.kh * g.kw, &format!("avgpool y, {g:?}"));

    let gy = rng.vec(g.output_len());
    let mut gx_ref = vec![0.0; g.input_len()];
    let mut gx = vec![f32::NAN; g.input_len()];
    reference::maxpool2d_backward(g, &x, &gy, &mut gx_ref);
    kernels::maxpool2d_backward(g, &x, &gy, &mut gx);
    assert_close(&gx, &gx_ref, g.kh * g.kw, &format!("maxpool gx, {g:?}"));
    gx.fill(f32::NAN);
    reference::avgpool2d_backward(g, &gy, &mut gx_ref);
    kernels::avgpool2d_backward(g, &gy, &mut gx);
    assert_close(&gx, &gx_ref, g.kh * g.kw, &format!("avgpool gx, {g:?}"));
}

/// `cases` random poolings (padding up to half the kernel, strides 1-3, odd sizes), then the
/// common layers explicitly.
pub fn run_random_pool(seed: u64, cases: usize) {
    let mut rng = Rng::new(seed);
    let mut done = 0;
    while done < cases {
        let c = rng.range(1, 5);
        let (h, w) = (rng.range(1, 23), rng.range(1, 41));
        let (kh, kw) = (rng.range(1, 4), rng.range(1, 4));
        let (sh, sw) = (rng.range(1, 3), rng.range(1, 3));
        let (ph, pw) = (rng.range(0, kh / 2), rng.range(0, kw / 2));
        if let Ok(g) = PoolGeom::new((c, h, w), (kh, kw), (sh, sw), (ph, pw)) {
            check_pool(&g, &mut rng);
            done += 1;
        }
    }
    for &(c, h, w, k, s, p) in &[
        (8, 28, 28, 2, 2, 0),
        (3, 31, 33, 3, 2, 1),
        (2, 17, 19, 3, 1, 1),
        (4, 9, 37, 2, 1, 0),
        (3, 13, 9, 2, 2, 0),
        (2, 7, 17, 2, 2, 0),
        (1, 2, 2, 2, 2, 0),
        (2, 5, 5, 2, 2, 1),
    ] {
        let g = PoolGeom::new((c, h, w), (k, k), (s, s), (p, p)).unwrap();
        check_pool(&g, &mut rng);
    }
    check_maxpool_ties(&mut rng);
}

/// Max pooling forward (bit-exact) and backward on inputs full of ties between +0 and -0 and
/// with NaNs, where only the reference's "first maximum in row-major tap order" rule gives the
/// reference's answer.
pub fn check_maxpool_ties(rng: &mut Rng) {
    for &(c, h, w, k, s) in &[(3, 12, 20, 2, 2), (2, 9, 11, 2, 2), (2, 10, 18, 3, 2), (1, 8, 9, 2, 1)] {
        let g = PoolGeom::new((c, h, w), (k, k), (s, s), (0, 0)).unwrap();
        let x: Vec<f32> = (0..g.input_len()).map(|_| rng.pick(&[0.0, -0.0, 1.0, -1.0, f32::NAN])).collect();
        let mut y_ref = vec![0.0; g.output_len()];
        let mut y = vec![1.5; g.output_len()];
        reference::maxpool2d_forward(&g, &x, &mut y_ref);
        kernels::maxpool2d_forward(&g, &x, &mut y);
        for (i, (a, b)) in y.iter().zip(&y_ref).enumerate() {
            assert_eq!(a.to_bits(), b.to_bits(), "maxpool ties y[{i}], {g:?}: fast {a} vs reference {b}");
        }
        let gy = rng.vec(g.output_len());
        let mut gx_ref = vec![0.0; g.input_len()];
        let mut gx = vec![f32::NAN; g.input_len()];
        reference::maxpool2d_backward(&g, &x, &gy, &mut gx_ref);
        kernels::maxpool2d_backward(&g, &x, &gy, &mut gx);
        assert_close(&gx, &gx_ref, k * k, &format!("maxpool ties gx, {g:?}"));
    }
}

/// Average pooling with `count_include_pad` against the reference on random shapes.
pub fn run_random_pool_include_pad(seed: u64, cases: usize) {
    let mut rng = Rng::new(seed);
    let mut done = 0;
    while done < cases {
        let (c, h, w) = (rng.range(1, 4), rng.range(1, 16), rng.range(1, 16));
        let (kh, kw) = (rng.range(1, 5), rng.range(1, 5));
        let (sh, sw) = (rng.range(1, 3), rng.range(1, 3));
        let (ph, pw) = (rng.range(0, kh / 2), rng.range(0, kw / 2));
        let Ok(g) = PoolGeom::new((c, h, w), (kh, kw), (sh, sw), (ph, pw)) else { continue };
        let x = rng.vec(g.input_len());
        let (mut y_ref, mut y) = (vec![0.0; g.output_len()], vec![f32::NAN; g.output_len()]);
        reference::avgpool2d_include_pad_forward(&g, &x, &mut y_ref);
        kernels::avgpool2d_include_pad_forward(&g, &x, &mut y);
        assert_close(&y, &y_ref, kh * kw, &format!("avgpool count_include_pad y, {g:?}"));
        let gy = rng.vec(g.output_len());
        let (mut gx_ref, mut gx) = (vec![0.0; g.input_len()], vec![f32::NAN; g.input_len()]);
        reference::avgpool2d_include_pad_backward(&g, &gy, &mut gx_ref);
        kernels::avgpool2d_include_pad_backward(&g, &gy, &mut gx);
        assert_close(&gx, &gx_ref, kh * kw, &format!("avgpool count_include_pad gx, {g:?}"));
        done += 1;
    }
}
