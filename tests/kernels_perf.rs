//! Host timing of the fast kernels vs the reference (ignored by default):
//! `cargo test --release --test kernels_perf -- --ignored --nocapture`

#![cfg(not(target_arch = "wasm32"))]

use std::time::Instant;

use convlens::geometry::{ConvGeom, PoolGeom};
use convlens::kernels::{self, reference, selftest::Rng};

/// Best of `reps` wall-clock seconds of `f`.
fn time(reps: usize, mut f: impl FnMut()) -> f64 {
    f();
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

#[test]
#[ignore]
fn perf_conv_and_pool() {
    let mut rng = Rng::new(9);
    println!("ISA = {}", kernels::ISA);
    for &(cin, h, w, cout, k, p) in
        &[(16, 64, 64, 32, 3, 1), (1, 28, 28, 8, 5, 2), (8, 14, 14, 16, 5, 2), (32, 32, 32, 64, 3, 1)]
    {
        let g = ConvGeom::new((cin, h, w), cout, (k, k), (1, 1), (p, p), (1, 1)).unwrap();
        let (x, wt, b, gy) = (rng.vec(g.input_len()), rng.vec(g.weight_len()), rng.vec(cout), rng.vec(g.output_len()));
        let mut y = vec![0.0; g.output_len()];
        let flops = 2.0 * g.macs() as f64;
        let t_ref = time(2, || reference::conv2d_forward(&g, &x, &wt, Some(&b), &mut y));
        let t_fast = time(10, || kernels::conv2d_forward(&g, &x, &wt, Some(&b), &mut y));
        let t_im2col = time(10, || kernels::conv2d_forward_variant(true, &g, &x, &wt, Some(&b), &mut y));
        let mut gx = vec![0.0; g.input_len()];
        let t_bi_ref = time(2, || reference::conv2d_backward_input(&g, &gy, &wt, &mut gx));
        let t_bi = time(10, || kernels::conv2d_backward_input(&g, &gy, &wt, &mut gx));
        let t_bi_col2im = time(10, || kernels::conv2d_backward_input_variant(true, &g, &gy, &wt, &mut gx));
        let mut gw = vec![0.0; g.weight_len()];
        let t_bw_ref = time(2, || reference::conv2d_backward_weight(&g, &x, &gy, &mut gw, None));
        let t_bw = time(10, || kernels::conv2d_backward_weight(&g, &x, &gy, &mut gw, None));
        println!(
            "conv {cin}x{h}x{w} -> {cout}, {k}x{k} pad {p}: forward {:.3} ms ({:.2} GFLOP/s; im2col path {:.2}) vs reference {:.2} ms ({:.2} GFLOP/s): x{:.1}; \
             backward input x{:.1} ({:.2} GFLOP/s; col2im path {:.2}); backward weight x{:.1} ({:.2} GFLOP/s)",
            t_fast * 1e3,
            flops / t_fast * 1e-9,
            flops / t_im2col * 1e-9,
            t_ref * 1e3,
            flops / t_ref * 1e-9,
            t_ref / t_fast,
            t_bi_ref / t_bi,
            flops / t_bi * 1e-9,
            flops / t_bi_col2im * 1e-9,
            t_bw_ref / t_bw,
            flops / t_bw * 1e-9,
        );
    }
    for &(c, h, w, k, s) in &[(32, 64, 64, 2, 2), (32, 64, 64, 3, 1)] {
        let g = PoolGeom::new((c, h, w), (k, k), (s, s), (0, 0)).unwrap();
        let x = rng.vec(g.input_len());
        let mut y = vec![0.0; g.output_len()];
        let t_ref = time(3, || reference::maxpool2d_forward(&g, &x, &mut y));
        let t_fast = time(20, || kernels::maxpool2d_forward(&g, &x, &mut y));
        let t_aref = time(3, || reference::avgpool2d_forward(&g, &x, &mut y));
        let t_afast = time(20, || kernels::avgpool2d_forward(&g, &x, &mut y));
        println!(
            "pool {c}x{h}x{w} {k}x{k} stride {s}: max x{:.1} ({:.3} ms), avg x{:.1} ({:.3} ms)",
            t_ref / t_fast,
            t_fast * 1e3,
            t_aref / t_afast,
            t_afast * 1e3
        );
    }
    let (n_in, n_out) = (784, 10);
    let (w, x, gy) = (rng.vec(n_in * n_out), rng.vec(n_in), rng.vec(n_out));
    let mut y = vec![0.0; n_out];
    let t_ref = time(50, || reference::linear_forward(&w, None, &x, &mut y));
    let t_fast = time(50, || kernels::linear_forward(&w, None, &x, &mut y));
    let (mut gx, mut gw) = (vec![0.0; n_in], vec![0.0; n_in * n_out]);
    let t_bref = time(50, || reference::linear_backward(&w, &x, &gy, &mut gx, Some(&mut gw), None));
    let t_bfast = time(50, || kernels::linear_backward(&w, &x, &gy, &mut gx, Some(&mut gw), None));
    println!(
        "linear 784->10: forward x{:.1} ({:.2} us), backward x{:.1} ({:.2} us)",
        t_ref / t_fast,
        t_fast * 1e6,
        t_bref / t_bfast,
        t_bfast * 1e6
    );
}

#[test]
#[ignore]
fn perf_depthwise() {
    let mut rng = Rng::new(10);
    println!("ISA = {}", kernels::ISA);
    // MobileNetV2's depthwise 3x3 layers (padding 1).
    for &(c, h, w, s) in &[(32, 112, 112, 1), (144, 56, 56, 2), (144, 56, 56, 1), (384, 14, 14, 1), (960, 7, 7, 1)] {
        let g = ConvGeom::new((1, h, w), 1, (3, 3), (s, s), (1, 1), (1, 1)).unwrap();
        let (n_in, n_out) = (c * g.input_len(), c * g.output_len());
        let (x, wt, b, gy) = (rng.vec(n_in), rng.vec(c * 9), rng.vec(c), rng.vec(n_out));
        let mut y = vec![0.0; n_out];
        let flops = 2.0 * (c * g.macs()) as f64;
        let t_ref = time(2, || reference::grouped_conv2d_forward(&g, c, &x, &wt, Some(&b), &mut y));
        let t_fast = time(10, || kernels::grouped_conv2d_forward(&g, c, &x, &wt, Some(&b), &mut y));
        let mut gx = vec![0.0; n_in];
        let t_bi_ref = time(2, || reference::grouped_conv2d_backward_input(&g, c, &gy, &wt, &mut gx));
        let t_bi = time(10, || kernels::grouped_conv2d_backward_input(&g, c, &gy, &wt, &mut gx));
        let mut gw = vec![0.0; c * 9];
        let t_bw = time(10, || kernels::grouped_conv2d_backward_weight(&g, c, &x, &gy, &mut gw, None));
        println!(
            "depthwise 3x3 {c}x{h}x{w} stride {s}: forward {:.3} ms ({:.2} GFLOP/s) vs reference {:.2} ms: x{:.1}; \
             backward input {:.3} ms ({:.2} GFLOP/s) x{:.1}; backward weight {:.3} ms ({:.2} GFLOP/s)",
            t_fast * 1e3,
            flops / t_fast * 1e-9,
            t_ref * 1e3,
            t_ref / t_fast,
            t_bi * 1e3,
            flops / t_bi * 1e-9,
            t_bi_ref / t_bi,
            t_bw * 1e3,
            flops / t_bw * 1e-9,
        );
    }
}
