//! Linear, relu, matmul fast vs reference, and the SIMD backend compiled in.

use super::common::{assert_close, Rng};
use crate::geometry::{ConvGeom, PoolGeom};
use crate::kernels::{self, reference, Kernel};

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
