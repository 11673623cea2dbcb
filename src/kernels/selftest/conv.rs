//! Convolutions, plain and grouped (depthwise included), fast vs reference, and which kernel
//! each geometry runs.

use super::common::{assert_close, Rng};
use crate::geometry::ConvGeom;
use crate::kernels::{self, reference, Kernel, Pass};

/// Forward, backward input and backward weight (accumulating onto a random start) of one
/// geometry, fast vs reference. Outputs the kernels must overwrite start as NaN.
pub fn check_conv(g: &ConvGeom, rng: &mut Rng, bias: bool) {
    let ctx = format!("{g:?} bias={bias}");
    let x = rng.vec(g.input_len());
    let w = rng.vec(g.weight_len());
    let b = rng.vec(g.cout);
    let b = bias.then_some(&b[..]);
    let gy = rng.vec(g.output_len());

    let mut y_ref = vec![0.0; g.output_len()];
    let mut y = vec![f32::NAN; g.output_len()];
    reference::conv2d_forward(g, &x, &w, b, &mut y_ref);
    kernels::conv2d_forward(g, &x, &w, b, &mut y);
    assert_close(&y, &y_ref, g.cin * g.kh * g.kw, &format!("forward y, {ctx}"));
    // The im2col path (used for 1x1 convolutions) on every shape too.
    y.fill(f32::NAN);
    kernels::conv2d_forward_variant(true, g, &x, &w, b, &mut y);
    assert_close(&y, &y_ref, g.cin * g.kh * g.kw, &format!("forward y (im2col path), {ctx}"));

    let mut gx_ref = vec![0.0; g.input_len()];
    let mut gx = vec![f32::NAN; g.input_len()];
    reference::conv2d_backward_input(g, &gy, &w, &mut gx_ref);
    kernels::conv2d_backward_input(g, &gy, &w, &mut gx);
    assert_close(&gx, &gx_ref, g.cout * g.kh * g.kw, &format!("backward gx, {ctx}"));
    gx.fill(f32::NAN);
    kernels::conv2d_backward_input_variant(true, g, &gy, &w, &mut gx);
    assert_close(&gx, &gx_ref, g.cout * g.kh * g.kw, &format!("backward gx (col2im path), {ctx}"));

    let gw0 = rng.vec(g.weight_len());
    let gb0 = rng.vec(g.cout);
    let (gw_start, gb_start) = (gw0.clone(), gb0.clone());
    let (mut gw_ref, mut gw) = (gw0.clone(), gw0);
    let (mut gb_ref, mut gb) = (gb0.clone(), gb0);
    reference::conv2d_backward_weight(g, &x, &gy, &mut gw_ref, bias.then_some(&mut gb_ref[..]));
    kernels::conv2d_backward_weight(g, &x, &gy, &mut gw, bias.then_some(&mut gb[..]));
    let p = g.oh * g.ow;
    assert_close(&gw, &gw_ref, p, &format!("backward gw (accumulated), {ctx}"));
    assert_close(&gb, &gb_ref, p, &format!("backward gb (accumulated), {ctx}"));
    // The im2col path too (the shifted views are the plan for every non-pointwise shape).
    let (mut gw2, mut gb2) = (gw_start.clone(), gb_start.clone());
    kernels::conv2d_backward_weight_variant(true, g, &x, &gy, &mut gw2, bias.then_some(&mut gb2[..]));
    assert_close(&gw2, &gw_ref, p, &format!("backward gw (im2col path), {ctx}"));
    assert_close(&gb2, &gb_ref, p, &format!("backward gb (im2col path), {ctx}"));
}

/// A random convolution geometry, or None when its output would be empty.
pub fn random_conv(rng: &mut Rng) -> Option<ConvGeom> {
    let cin = rng.pick(&[1, 2, 3, 4, 5, 7, 8, 13]);
    let cout = rng.pick(&[1, 3, 4, 5, 7, 8, 9, 13, 16]);
    let (h, w) = (rng.range(1, 17), rng.range(1, 17));
    let (kh, kw) = (rng.range(1, 7), rng.range(1, 7));
    let (sh, sw) = (rng.range(1, 3), rng.range(1, 3));
    let (ph, pw) = (rng.range(0, 3), rng.range(0, 3));
    let (dh, dw) = (rng.range(1, 2), rng.range(1, 2));
    ConvGeom::new((cin, h, w), cout, (kh, kw), (sh, sw), (ph, pw), (dh, dw)).ok()
}

/// `cases` random convolutions (shapes with an empty output are skipped, not counted).
pub fn run_random_conv(seed: u64, cases: usize) {
    let mut rng = Rng::new(seed);
    let mut done = 0;
    while done < cases {
        if let Some(g) = random_conv(&mut rng) {
            let bias = rng.range(0, 3) != 0;
            check_conv(&g, &mut rng, bias);
            done += 1;
        }
    }
}

/// Fixed shapes that cross every GEMM blocking boundary (K > 256, cout > 64, P > 1024), the
/// 1x1 direct path, and typical MNIST layers.
pub fn run_fixed_conv() {
    let mut rng = Rng::new(42);
    for &(cin, h, w, cout, k, s, p, d) in &[
        (40, 23, 23, 70, 3, 1, 1, 1), // K = 360, M = 70, P = 529
        (3, 37, 37, 5, 3, 1, 1, 1),   // P = 1369
        (20, 33, 35, 9, 1, 1, 0, 1),  // 1x1 direct, P = 1155
        (7, 9, 9, 66, 1, 1, 0, 2),    // 1x1 direct (dilation irrelevant), cout > 64
        (6, 10, 10, 5, 1, 2, 0, 1),   // 1x1 strided: needs im2col
        (1, 28, 28, 8, 5, 1, 2, 1),   // MNIST conv1
        (8, 14, 14, 16, 5, 1, 2, 1),  // MNIST conv2
        (5, 12, 11, 3, 3, 2, 1, 2),
    ] {
        let g = ConvGeom::new((cin, h, w), cout, (k, k), (s, s), (p, p), (d, d)).unwrap();
        check_conv(&g, &mut rng, true);
    }
    // The dispatch: which kernel each kind of convolution runs.
    let mut rng = Rng::new(43);
    for &(s, p, d, shifted_bwd) in &[(1, 1, 1, true), (1, 2, 2, true), (2, 1, 1, false), (1, 3, 1, false)] {
        let g = ConvGeom::new((3, 11, 10), 5, (3, 3), (s, s), (p, p), (d, d)).unwrap();
        let (fwd, bwd, col2im, wgt) = (
            kernels::calls(Kernel::ConvShiftedForward),
            kernels::calls(Kernel::ConvShiftedBackwardInput),
            kernels::calls(Kernel::Col2im),
            kernels::calls(Kernel::ConvShiftedBackwardWeight),
        );
        check_conv(&g, &mut rng, true);
        let ctx = format!("{g:?}");
        // Counters are process-wide and tests run in parallel: only rises are asserted.
        assert!(kernels::calls(Kernel::ConvShiftedForward) > fwd, "shifted forward did not run: {ctx}");
        // The weight gradient runs on the shifted views at every stride, padding and dilation.
        assert_eq!(kernels::conv2d_kernel(&g, 1, Pass::BackwardWeight), Kernel::ConvShiftedBackwardWeight, "{ctx}");
        assert!(kernels::calls(Kernel::ConvShiftedBackwardWeight) > wgt, "shifted weight gradient did not run: {ctx}");
        let expect = if shifted_bwd { Kernel::ConvShiftedBackwardInput } else { Kernel::Col2im };
        assert_eq!(kernels::conv2d_kernel(&g, 1, Pass::BackwardInput), expect, "{ctx}");
        if shifted_bwd {
            assert!(kernels::calls(Kernel::ConvShiftedBackwardInput) > bwd, "shifted backward did not run: {ctx}");
        }
        // col2im: the variant call always, plus the dispatcher when it is not shifted.
        let col = kernels::calls(Kernel::Col2im) - col2im;
        assert!(col >= if shifted_bwd { 1 } else { 2 }, "col2im ran {col} times: {ctx}");
    }
}

/// Grouped convolution (`g` is one group's geometry) forward, forward with a fused per-channel
/// affine map, input gradient and weight gradient (accumulating onto a random start), fast vs
/// reference. Outputs the kernels must overwrite start as NaN.
pub fn check_grouped(g: &ConvGeom, groups: usize, rng: &mut Rng, bias: bool) {
    let ctx = format!("{g:?} groups={groups} bias={bias}");
    let (n_in, n_out, n_w, cout) =
        (groups * g.input_len(), groups * g.output_len(), groups * g.weight_len(), groups * g.cout);
    let x = rng.vec(n_in);
    let w = rng.vec(n_w);
    let b = rng.vec(cout);
    let b = bias.then_some(&b[..]);
    let gy = rng.vec(n_out);
    let terms = g.cin * g.kh * g.kw;

    let mut y_ref = vec![0.0; n_out];
    let mut y = vec![f32::NAN; n_out];
    reference::grouped_conv2d_forward(g, groups, &x, &w, b, &mut y_ref);
    kernels::grouped_conv2d_forward(g, groups, &x, &w, b, &mut y);
    assert_close(&y, &y_ref, terms, &format!("grouped forward y, {ctx}"));

    let (scale, shift) = (rng.vec(cout), rng.vec(cout));
    let plane = g.oh * g.ow;
    let out_ref: Vec<f32> = y_ref.iter().enumerate().map(|(i, v)| v * scale[i / plane] + shift[i / plane]).collect();
    let mut out = vec![f32::NAN; n_out];
    y.fill(f32::NAN);
    kernels::grouped_conv2d_forward_affine(g, groups, &x, &w, b, &mut y, &scale, &shift, &mut out);
    assert_close(&y, &y_ref, terms, &format!("grouped forward y (with affine), {ctx}"));
    assert_close(&out, &out_ref, terms, &format!("grouped forward affine output, {ctx}"));

    let mut gx_ref = vec![0.0; n_in];
    let mut gx = vec![f32::NAN; n_in];
    reference::grouped_conv2d_backward_input(g, groups, &gy, &w, &mut gx_ref);
    kernels::grouped_conv2d_backward_input(g, groups, &gy, &w, &mut gx);
    assert_close(&gx, &gx_ref, g.cout * g.kh * g.kw, &format!("grouped backward gx, {ctx}"));

    let gw0 = rng.vec(n_w);
    let gb0 = rng.vec(cout);
    let (mut gw_ref, mut gw) = (gw0.clone(), gw0);
    let (mut gb_ref, mut gb) = (gb0.clone(), gb0);
    reference::grouped_conv2d_backward_weight(g, groups, &x, &gy, &mut gw_ref, bias.then_some(&mut gb_ref[..]));
    kernels::grouped_conv2d_backward_weight(g, groups, &x, &gy, &mut gw, bias.then_some(&mut gb[..]));
    assert_close(&gw, &gw_ref, plane, &format!("grouped backward gw (accumulated), {ctx}"));
    assert_close(&gb, &gb_ref, plane, &format!("grouped backward gb (accumulated), {ctx}"));
}

/// A random grouped convolution: mostly depthwise (one input channel per group, 1-3 outputs
/// each), sometimes 2-3 input channels per group; every stride 1-3, padding 0-3, dilation 1-3,
/// rectangular kernels 1-7. None when the output would be empty.
pub fn random_grouped(rng: &mut Rng) -> Option<(ConvGeom, usize)> {
    let groups = rng.pick(&[2, 3, 4, 5, 8, 9]);
    let cin = if rng.range(0, 3) == 0 { rng.range(2, 3) } else { 1 };
    let cout = rng.range(1, 3);
    let (h, w) = (rng.range(1, 19), rng.range(1, 19));
    let (kh, kw) = (rng.range(1, 7), rng.range(1, 7));
    let (sh, sw) = (rng.range(1, 3), rng.range(1, 3));
    let (ph, pw) = (rng.range(0, 3), rng.range(0, 3));
    let (dh, dw) = (rng.range(1, 3), rng.range(1, 3));
    let g = ConvGeom::new((cin, h, w), cout, (kh, kw), (sh, sw), (ph, pw), (dh, dw)).ok()?;
    Some((g, groups))
}

/// `cases` random grouped convolutions (shapes with an empty output are skipped, not counted).
pub fn run_random_grouped(seed: u64, cases: usize) {
    let mut rng = Rng::new(seed);
    let mut done = 0;
    while done < cases {
        if let Some((g, groups)) = random_grouped(&mut rng) {
            let bias = rng.range(0, 3) != 0;
            check_grouped(&g, groups, &mut rng, bias);
            done += 1;
        }
    }
}

/// Depthwise 3x3 shapes of MobileNetV2 (stride 1 and 2, padding 1: 112x112x32, 56x56x144 s2,
/// 14x14x384, 7x7x960), a channel multiplier of 2, and the dispatch: depthwise geometries run the
/// depthwise kernels, other groupings one ordinary convolution per group.
pub fn run_fixed_depthwise() {
    let mut rng = Rng::new(44);
    for &(c, h, w, mult, k, s, p, d) in &[
        (32, 112, 112, 1, 3, 1, 1, 1),
        (144, 56, 56, 1, 3, 2, 1, 1),
        (384, 14, 14, 1, 3, 1, 1, 1),
        (960, 7, 7, 1, 3, 1, 1, 1),
        (6, 15, 13, 2, 3, 2, 1, 1),
        (5, 20, 9, 1, 5, 1, 2, 1),
        (7, 11, 10, 3, 3, 1, 2, 2),
    ] {
        let g = ConvGeom::new((1, h, w), mult, (k, k), (s, s), (p, p), (d, d)).unwrap();
        check_grouped(&g, c, &mut rng, true);
    }
    let g = ConvGeom::new((1, 9, 9), 1, (3, 3), (1, 1), (1, 1), (1, 1)).unwrap();
    let watched = [
        Kernel::DepthwiseForward,
        Kernel::DepthwiseForwardAffine,
        Kernel::DepthwiseBackwardInput,
        Kernel::DepthwiseBackwardWeight,
    ];
    let before = watched.map(|k| (k, kernels::calls(k)));
    check_grouped(&g, 4, &mut rng, true);
    for (k, n) in before {
        assert!(kernels::calls(k) > n, "{} did not run for a depthwise convolution (count stayed {n})", k.name());
    }
    assert!(kernels::grouped_conv2d_fuses_affine(&g, 4));
    let g = ConvGeom::new((2, 9, 9), 3, (3, 3), (1, 1), (1, 1), (1, 1)).unwrap();
    let (per_group, depthwise) = (kernels::calls(Kernel::GroupedPerGroup), kernels::calls(Kernel::DepthwiseForward));
    check_grouped(&g, 2, &mut rng, false);
    assert!(kernels::calls(Kernel::GroupedPerGroup) > per_group, "2 input channels per group: per-group path");
    assert_eq!(kernels::calls(Kernel::DepthwiseForward), depthwise, "not depthwise");
    assert!(!kernels::grouped_conv2d_fuses_affine(&g, 2));
}

/// The depthwise kernels are the SIMD backend's (`simd128` in wasm) and actually run: their
/// counters rise across a depthwise forward and backward pass.
pub fn check_depthwise_simd_ran() {
    #[cfg(all(target_arch = "wasm32", not(target_feature = "relaxed-simd")))]
    assert_eq!(kernels::ISA, "simd128", "wrong SIMD backend compiled in");
    #[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
    assert_eq!(kernels::ISA, "simd128+relaxed", "wrong SIMD backend compiled in");
    let watched = [Kernel::DepthwiseForward, Kernel::DepthwiseBackwardInput];
    let before = watched.map(|k| (k, kernels::calls(k)));
    let mut rng = Rng::new(2);
    let g = ConvGeom::new((1, 12, 12), 1, (3, 3), (2, 2), (1, 1), (1, 1)).unwrap();
    let (x, w) = (rng.vec(8 * g.input_len()), rng.vec(8 * g.weight_len()));
    let mut y = vec![0.0; 8 * g.output_len()];
    kernels::grouped_conv2d_forward(&g, 8, &x, &w, None, &mut y);
    let mut gx = vec![0.0; x.len()];
    kernels::grouped_conv2d_backward_input(&g, 8, &y, &w, &mut gx);
    for (k, n) in before {
        assert!(kernels::calls(k) > n, "{} did not run (count stayed {n})", k.name());
    }
}
