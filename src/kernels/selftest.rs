//! Checks of the fast kernels against [`super::reference`] on randomized and edge-case shapes.
//! Each panics with a precise message on the first mismatch. The integration tests
//! `tests/kernels_random.rs` (host and node) and `tests/kernels_browser.rs` (headless Chrome
//! and Firefox) call them, so the same checks run natively and in every wasm engine.

use crate::geometry::{ConvGeom, PoolGeom};
use crate::kernels::{self, reference, Kernel};

pub use crate::rng::Rng;

/// `|fast - ref| <= 2e-5 * sqrt(terms) * (1 + |ref|)` elementwise, where `terms` is the length
/// of the sums that produced each element. Also catches NaN (unwritten outputs start as NaN).
pub fn assert_close(fast: &[f32], reference: &[f32], terms: usize, what: &str) {
    assert_eq!(fast.len(), reference.len(), "{what}: length");
    let tol = 2e-5 * (terms.max(1) as f32).sqrt();
    for (i, (&a, &b)) in fast.iter().zip(reference).enumerate() {
        let ok = (a - b).abs() <= tol * (1.0 + b.abs());
        assert!(ok, "{what}[{i}]: fast {a} vs reference {b} (tolerance {tol} relative)");
    }
}

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
    let (mut gw_ref, mut gw) = (gw0.clone(), gw0);
    let (mut gb_ref, mut gb) = (gb0.clone(), gb0);
    reference::conv2d_backward_weight(g, &x, &gy, &mut gw_ref, bias.then_some(&mut gb_ref[..]));
    kernels::conv2d_backward_weight(g, &x, &gy, &mut gw, bias.then_some(&mut gb[..]));
    let p = g.oh * g.ow;
    assert_close(&gw, &gw_ref, p, &format!("backward gw (accumulated), {ctx}"));
    assert_close(&gb, &gb_ref, p, &format!("backward gb (accumulated), {ctx}"));
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
        let (fwd, bwd, col2im) = (
            kernels::calls(Kernel::ConvShiftedForward),
            kernels::calls(Kernel::ConvShiftedBackwardInput),
            kernels::calls(Kernel::Col2im),
        );
        check_conv(&g, &mut rng, true);
        let ctx = format!("{g:?}");
        // Counters are process-wide and tests run in parallel: only rises are asserted.
        assert!(kernels::calls(Kernel::ConvShiftedForward) > fwd, "shifted forward did not run: {ctx}");
        let expect = if shifted_bwd { Kernel::ConvShiftedBackwardInput } else { Kernel::Col2im };
        assert_eq!(kernels::conv2d_backward_input_kernel(&g), expect, "{ctx}");
        if shifted_bwd {
            assert!(kernels::calls(Kernel::ConvShiftedBackwardInput) > bwd, "shifted backward did not run: {ctx}");
        }
        // col2im: the variant call always, plus the dispatcher when it is not shifted.
        let col = kernels::calls(Kernel::Col2im) - col2im;
        assert!(col >= if shifted_bwd { 1 } else { 2 }, "col2im ran {col} times: {ctx}");
    }
}

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

/// Linear forward and backward (accumulating), fast vs reference.
pub fn run_linear(seed: u64) {
    let mut rng = Rng::new(seed);
    for &(n_in, n_out) in &[(784, 10), (1, 1), (3, 7), (17, 5), (64, 33), (129, 4)] {
        let ctx = format!("linear {n_in}->{n_out}");
        let (w, x, b, gy) = (rng.vec(n_in * n_out), rng.vec(n_in), rng.vec(n_out), rng.vec(n_out));
        let mut y_ref = vec![0.0; n_out];
        let mut y = vec![f32::NAN; n_out];
        reference::linear_forward(&w, Some(&b), &x, &mut y_ref);
        kernels::linear_forward(&w, Some(&b), &x, &mut y);
        assert_close(&y, &y_ref, n_in, &format!("{ctx} y"));
        reference::linear_forward(&w, None, &x, &mut y_ref);
        kernels::linear_forward(&w, None, &x, &mut y);
        assert_close(&y, &y_ref, n_in, &format!("{ctx} y (no bias)"));

        let (gw0, gb0) = (rng.vec(n_in * n_out), rng.vec(n_out));
        let (mut gx_ref, mut gx) = (vec![0.0; n_in], vec![f32::NAN; n_in]);
        let (mut gw_ref, mut gw) = (gw0.clone(), gw0);
        let (mut gb_ref, mut gb) = (gb0.clone(), gb0);
        reference::linear_backward(&w, &x, &gy, &mut gx_ref, Some(&mut gw_ref), Some(&mut gb_ref));
        kernels::linear_backward(&w, &x, &gy, &mut gx, Some(&mut gw), Some(&mut gb));
        assert_close(&gx, &gx_ref, n_out, &format!("{ctx} gx"));
        assert_close(&gw, &gw_ref, 1, &format!("{ctx} gw"));
        assert_close(&gb, &gb_ref, 1, &format!("{ctx} gb"));
    }
}

/// relu and relu6 forward, fast vs reference, bit-exact, on lengths around the vector width and on
/// special values (NaN, infinities, signed zeros).
pub fn run_relu(seed: u64) {
    let mut rng = Rng::new(seed);
    let special = [f32::NAN, -0.0, 0.0, f32::INFINITY, f32::NEG_INFINITY, 1e-40, -1e-40];
    for n in [0, 1, 3, 4, 5, 8, 31, 6272] {
        let mut x = rng.vec(n);
        for (i, v) in x.iter_mut().enumerate().filter(|(i, _)| i % 3 == 0) {
            *v = special[i % special.len()];
        }
        // Values around relu6's upper kink too (6 exactly, just below and above, far above).
        for (i, v) in x.iter_mut().enumerate().filter(|(i, _)| i % 3 == 1) {
            *v = [6.0, 5.999_999_5, 6.000_001, 1e30, 3.5][i % 5];
        }
        let (mut y_ref, mut y) = (vec![1.0; n], vec![f32::NAN; n]);
        reference::relu_forward(&x, &mut y_ref);
        kernels::relu_forward(&x, &mut y);
        for (i, (a, b)) in y.iter().zip(&y_ref).enumerate() {
            assert_eq!(a.to_bits(), b.to_bits(), "relu y[{i}] of x = {}: fast {a} vs reference {b}", x[i]);
        }
        let (mut y_ref, mut y) = (vec![1.0; n], vec![f32::NAN; n]);
        reference::relu6_forward(&x, &mut y_ref);
        kernels::relu6_forward(&x, &mut y);
        for (i, (a, b)) in y.iter().zip(&y_ref).enumerate() {
            assert_eq!(a.to_bits(), b.to_bits(), "relu6 y[{i}] of x = {}: fast {a} vs reference {b}", x[i]);
        }
    }
}

/// [`kernels::matmul_acc`] in all four transpose combinations against a naive triple loop.
pub fn run_matmul(seed: u64) {
    let mut rng = Rng::new(seed);
    for &(m, n, k) in &[(1, 1, 1), (5, 9, 3), (13, 17, 300), (70, 20, 7)] {
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let (a, b, c0) = (rng.vec(m * k), rng.vec(k * n), rng.vec(m * n));
            let mut c_ref = c0.clone();
            for i in 0..m {
                for j in 0..n {
                    for p in 0..k {
                        let av = if ta { a[p * m + i] } else { a[i * k + p] };
                        let bv = if tb { b[j * k + p] } else { b[p * n + j] };
                        c_ref[i * n + j] += av * bv;
                    }
                }
            }
            let mut c = c0;
            kernels::matmul_acc(m, n, k, &a, ta, &b, tb, &mut c);
            assert_close(&c, &c_ref, k, &format!("matmul {m}x{n}x{k} ta={ta} tb={tb}"));
        }
    }
}

/// The SIMD backend is the expected one for this target (`simd128` on wasm32, `simd128+relaxed`
/// in the relaxed-SIMD wasm build, `sse2` on x86_64), and its kernels actually ran: their call
/// counters rise across a small forward pass.
///
/// When the crate was compiled with the environment variable `CONVLENS_EXPECT_ISA` set (each wasm
/// run of `./build.sh test` sets it: `simd128` for the plain build, `simd128+relaxed` for the
/// relaxed one), the backend must be that one: a relaxed run whose target features did not apply
/// (or a plain run that picked them up) fails here instead of silently testing the other build.
pub fn check_simd_kernels_ran() {
    if let Some(want) = option_env!("CONVLENS_EXPECT_ISA") {
        assert_eq!(
            kernels::ISA,
            want,
            "this test run was built for ISA {want} (CONVLENS_EXPECT_ISA) but runs {}",
            kernels::ISA
        );
    }
    #[cfg(all(target_arch = "wasm32", not(target_feature = "relaxed-simd")))]
    let (isa, gemm) = ("simd128", Kernel::Gemm4x8Simd128);
    #[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
    let (isa, gemm) = ("simd128+relaxed", Kernel::Gemm4x8Simd128Relaxed);
    #[cfg(target_arch = "x86_64")]
    let (isa, gemm) = ("sse2", Kernel::Gemm4x8Sse);
    #[cfg(not(any(target_arch = "wasm32", target_arch = "x86_64")))]
    let (isa, gemm) = (kernels::ISA, kernels::GEMM_KERNEL);
    assert_eq!(kernels::ISA, isa, "wrong SIMD backend compiled in");
    assert_eq!(kernels::GEMM_KERNEL, gemm, "wrong GEMM kernel compiled in");

    let watched = [
        gemm,
        Kernel::ConvShiftedForward,
        Kernel::MaxPool2x2,
        Kernel::AvgPoolSimd,
        Kernel::LinearForwardSimd,
        Kernel::ReluSimd,
        Kernel::Relu6Simd,
    ];
    let before = watched.map(|k| (k, kernels::calls(k)));
    let mut rng = Rng::new(1);
    let g = ConvGeom::new((3, 12, 12), 8, (3, 3), (1, 1), (1, 1), (1, 1)).unwrap();
    let (x, w) = (rng.vec(g.input_len()), rng.vec(g.weight_len()));
    let mut y = vec![0.0; g.output_len()];
    kernels::conv2d_forward(&g, &x, &w, None, &mut y);
    let mut c = vec![0.0; 4 * 8];
    kernels::matmul_acc(4, 8, 3, &x[..12], false, &w[..24], false, &mut c);
    let pg = PoolGeom::new((8, 12, 12), (2, 2), (2, 2), (0, 0)).unwrap();
    let mut py = vec![0.0; pg.output_len()];
    kernels::maxpool2d_forward(&pg, &y, &mut py);
    kernels::avgpool2d_forward(&pg, &y, &mut py);
    let mut ry = vec![0.0; py.len()];
    kernels::relu_forward(&py, &mut ry);
    kernels::relu6_forward(&py, &mut ry);
    let mut ly = vec![0.0; 10];
    kernels::linear_forward(&rng.vec(10 * py.len()), None, &py, &mut ly);
    for (k, n) in before {
        assert!(kernels::calls(k) > n, "{} did not run (count stayed {n})", k.name());
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

/// How the fast kernels compare with the same kernels on the scalar backend, see
/// [`run_fused_vs_unfused`].
#[derive(Clone, Copy, Debug, Default)]
pub struct FusedStats {
    /// Outputs compared.
    pub outputs: usize,
    /// Outputs whose bits differ.
    pub differ: usize,
    /// The largest `|fast - unfused| / (u * S)` (u = 2^-24, S = the sum of the absolute terms).
    pub max_units: f64,
    /// The largest `|fast - unfused| / (2 * gamma(terms + 2) * S)`: the fraction of the bound used.
    pub max_of_bound: f64,
}

/// `n u / (1 - n u)` with `u = 2^-24`: the classic bound on the relative error of an `n`-operation
/// float sum or dot product.
fn gamma(n: usize) -> f64 {
    let nu = n as f64 * f64::powi(2.0, -24);
    nu / (1.0 - nu)
}

/// `fast` against `unfused` (the same kernel on the scalar backend). Bit-exact, unless this is the
/// relaxed-SIMD build: there each output of a sum of `terms` products must lie within
/// `2 gamma(terms + 2) S` of the unfused one, `S` (`scale`) being the same sum over absolute
/// values (both results are within `gamma(terms + 2) S` of the exact sum, whatever the rounding
/// of each multiply-add and the order of the additions; the `+ 2` covers the bias or the
/// accumulated start value).
fn compare_unfused(fast: &[f32], unfused: &[f32], scale: &[f32], terms: usize, what: &str, st: &mut FusedStats) {
    assert_eq!(fast.len(), unfused.len(), "{what}: length");
    let relaxed = kernels::ISA == "simd128+relaxed";
    let bound = 2.0 * gamma(terms + 2);
    for (i, ((&a, &b), &s)) in fast.iter().zip(unfused).zip(scale).enumerate() {
        st.outputs += 1;
        if a.to_bits() == b.to_bits() {
            continue;
        }
        st.differ += 1;
        assert!(relaxed, "{what}[{i}]: {a} vs {b} on the scalar backend: the unfused builds must agree bit for bit");
        let d = (a as f64 - b as f64).abs();
        let s = s as f64 * (1.0 + gamma(terms)); // S itself was summed in f32
        assert!(
            d <= bound * s,
            "{what}[{i}]: relaxed {a} vs unfused {b}: |diff| {d:e} > 2 gamma({}) S = {:e} (S = {s:e})",
            terms + 2,
            bound * s
        );
        st.max_units = st.max_units.max(d / (f64::powi(2.0, -24) * s));
        st.max_of_bound = st.max_of_bound.max(d / (bound * s));
    }
}

fn abs(v: &[f32]) -> Vec<f32> {
    v.iter().map(|x| x.abs()).collect()
}

/// The fast kernels (conv forward, both input gradients, weight gradient, linear, matmul) against
/// the same generic kernels instantiated with the scalar backend, whose multiply-add is always a
/// multiply then an add: exactly the plain builds' arithmetic. Every build but the relaxed-SIMD
/// one must match it bit for bit; the relaxed one (`f32x4.relaxed_madd`, fused where the CPU has
/// FMA) within the bound of `compare_unfused`. Returns what was seen, for the test's log.
pub fn run_fused_vs_unfused(seed: u64, cases: usize) -> FusedStats {
    use super::simd::scalar::Scalar;
    use super::{conv, gemm, linear};
    let mut st = FusedStats::default();
    let mut rng = Rng::new(seed);
    let fixed = [
        (8, 14, 14, 16, 5, 1, 2, 1),
        (16, 20, 20, 32, 3, 1, 1, 1),
        (3, 17, 17, 8, 3, 2, 1, 1),
        (1, 28, 28, 8, 5, 1, 2, 1),
    ];
    let mut geoms: Vec<ConvGeom> = fixed
        .iter()
        .map(|&(ci, h, w, co, k, s, p, d)| ConvGeom::new((ci, h, w), co, (k, k), (s, s), (p, p), (d, d)).unwrap())
        .collect();
    while geoms.len() < fixed.len() + cases {
        geoms.extend(random_conv(&mut rng));
    }
    for g in &geoms {
        let ctx = format!("{g:?}");
        let (x, w, b, gy) = (rng.vec(g.input_len()), rng.vec(g.weight_len()), rng.vec(g.cout), rng.vec(g.output_len()));
        let (ax, aw, ab, agy) = (abs(&x), abs(&w), abs(&b), abs(&gy));
        let k = g.cin * g.kh * g.kw;

        let mut scale = vec![0.0; g.output_len()];
        reference::conv2d_forward(g, &ax, &aw, Some(&ab), &mut scale);
        let (mut y, mut y0) = (vec![f32::NAN; g.output_len()], vec![f32::NAN; g.output_len()]);
        kernels::conv2d_forward(g, &x, &w, Some(&b), &mut y);
        conv::conv2d_forward::<Scalar>(g, &x, &w, Some(&b), &mut y0);
        compare_unfused(&y, &y0, &scale, k, &format!("forward y, {ctx}"), &mut st);
        kernels::conv2d_forward_variant(true, g, &x, &w, Some(&b), &mut y);
        conv::conv2d_forward_im2col::<Scalar>(g, &x, &w, Some(&b), &mut y0);
        compare_unfused(&y, &y0, &scale, k, &format!("forward y (im2col), {ctx}"), &mut st);

        let kb = g.cout * g.kh * g.kw;
        let mut scale = vec![0.0; g.input_len()];
        reference::conv2d_backward_input(g, &agy, &aw, &mut scale);
        let (mut gx, mut gx0) = (vec![f32::NAN; g.input_len()], vec![f32::NAN; g.input_len()]);
        kernels::conv2d_backward_input(g, &gy, &w, &mut gx);
        conv::conv2d_backward_input::<Scalar>(g, &gy, &w, &mut gx0);
        compare_unfused(&gx, &gx0, &scale, kb, &format!("backward gx, {ctx}"), &mut st);
        kernels::conv2d_backward_input_variant(true, g, &gy, &w, &mut gx);
        conv::conv2d_backward_input_col2im::<Scalar>(g, &gy, &w, &mut gx0);
        compare_unfused(&gx, &gx0, &scale, kb, &format!("backward gx (col2im), {ctx}"), &mut st);

        let p = g.oh * g.ow;
        let (gw_start, gb_start) = (rng.vec(g.weight_len()), rng.vec(g.cout));
        let (mut scale, mut scale_b) = (abs(&gw_start), abs(&gb_start));
        reference::conv2d_backward_weight(g, &ax, &agy, &mut scale, Some(&mut scale_b));
        let (mut gw, mut gw0) = (gw_start.clone(), gw_start);
        let (mut gb, mut gb0) = (gb_start.clone(), gb_start);
        kernels::conv2d_backward_weight(g, &x, &gy, &mut gw, Some(&mut gb));
        conv::conv2d_backward_weight::<Scalar>(g, &x, &gy, &mut gw0, Some(&mut gb0));
        compare_unfused(&gw, &gw0, &scale, p, &format!("backward gw, {ctx}"), &mut st);
        compare_unfused(&gb, &gb0, &scale_b, p, &format!("backward gb, {ctx}"), &mut st);
    }
    for &(n_in, n_out) in &[(784, 10), (1176, 10), (37, 5), (3, 7)] {
        let ctx = format!("linear {n_in}->{n_out}");
        let (w, x, b, gy) = (rng.vec(n_in * n_out), rng.vec(n_in), rng.vec(n_out), rng.vec(n_out));
        let mut scale = vec![0.0; n_out];
        reference::linear_forward(&abs(&w), Some(&abs(&b)), &abs(&x), &mut scale);
        let (mut y, mut y0) = (vec![f32::NAN; n_out], vec![f32::NAN; n_out]);
        kernels::linear_forward(&w, Some(&b), &x, &mut y);
        linear::linear_forward::<Scalar>(&w, Some(&b), &x, &mut y0);
        compare_unfused(&y, &y0, &scale, n_in, &format!("{ctx} y"), &mut st);

        let gw_start = rng.vec(n_in * n_out);
        let (mut scale_x, mut scale_w) = (vec![0.0; n_in], abs(&gw_start));
        reference::linear_backward(&abs(&w), &abs(&x), &abs(&gy), &mut scale_x, Some(&mut scale_w), None);
        let (mut gx, mut gx0) = (vec![f32::NAN; n_in], vec![f32::NAN; n_in]);
        let (mut gw, mut gw0) = (gw_start.clone(), gw_start);
        kernels::linear_backward(&w, &x, &gy, &mut gx, Some(&mut gw), None);
        linear::linear_backward::<Scalar>(&w, &x, &gy, &mut gx0, Some(&mut gw0), None);
        compare_unfused(&gx, &gx0, &scale_x, n_out, &format!("{ctx} gx"), &mut st);
        compare_unfused(&gw, &gw0, &scale_w, 1, &format!("{ctx} gw"), &mut st);
    }
    for &(m, n, k) in &[(13, 17, 300), (70, 20, 7), (64, 96, 257)] {
        let (a, b, c_start) = (rng.vec(m * k), rng.vec(k * n), rng.vec(m * n));
        let mut scale = abs(&c_start);
        let (aa, ab) = (abs(&a), abs(&b));
        for i in 0..m {
            for j in 0..n {
                scale[i * n + j] += (0..k).map(|p| aa[i * k + p] * ab[p * n + j]).sum::<f32>();
            }
        }
        let (mut c, mut c0) = (c_start.clone(), c_start);
        kernels::matmul_acc(m, n, k, &a, false, &b, false, &mut c);
        gemm::gemm_acc::<Scalar>(m, n, k, gemm::MatRef::rows(&a, k), gemm::MatRef::rows(&b, n), &mut c0, n);
        compare_unfused(&c, &c0, &scale, k, &format!("matmul {m}x{n}x{k}"), &mut st);
    }
    st
}
