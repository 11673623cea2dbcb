//! The fast kernels against the same generic kernels on the scalar backend, whose multiply-add
//! is always a multiply then an add: bit for bit in the plain builds, within a proven bound in
//! the relaxed-SIMD one.

use super::common::Rng;
use super::conv::random_conv;
use crate::geometry::ConvGeom;
use crate::kernels::simd::scalar::Scalar;
use crate::kernels::{self, conv, gemm, linear, reference};

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
        conv::forward::<Scalar>(g, 1, &x, &w, Some(&b), &mut y0);
        compare_unfused(&y, &y0, &scale, k, &format!("forward y, {ctx}"), &mut st);
        kernels::conv2d_forward_variant(true, g, &x, &w, Some(&b), &mut y);
        conv::im2col::forward::<Scalar>(g, &x, &w, Some(&b), &mut y0);
        compare_unfused(&y, &y0, &scale, k, &format!("forward y (im2col), {ctx}"), &mut st);

        let kb = g.cout * g.kh * g.kw;
        let mut scale = vec![0.0; g.input_len()];
        reference::conv2d_backward_input(g, &agy, &aw, &mut scale);
        let (mut gx, mut gx0) = (vec![f32::NAN; g.input_len()], vec![f32::NAN; g.input_len()]);
        kernels::conv2d_backward_input(g, &gy, &w, &mut gx);
        conv::backward_input::<Scalar>(g, 1, &gy, &w, &mut gx0);
        compare_unfused(&gx, &gx0, &scale, kb, &format!("backward gx, {ctx}"), &mut st);
        kernels::conv2d_backward_input_variant(true, g, &gy, &w, &mut gx);
        conv::im2col::backward_input::<Scalar>(g, &gy, &w, &mut gx0);
        compare_unfused(&gx, &gx0, &scale, kb, &format!("backward gx (col2im), {ctx}"), &mut st);

        let p = g.oh * g.ow;
        let (gw_start, gb_start) = (rng.vec(g.weight_len()), rng.vec(g.cout));
        let (mut scale, mut scale_b) = (abs(&gw_start), abs(&gb_start));
        reference::conv2d_backward_weight(g, &ax, &agy, &mut scale, Some(&mut scale_b));
        let (mut gw, mut gw0) = (gw_start.clone(), gw_start);
        let (mut gb, mut gb0) = (gb_start.clone(), gb_start);
        kernels::conv2d_backward_weight(g, &x, &gy, &mut gw, Some(&mut gb));
        conv::backward_weight::<Scalar>(g, 1, &x, &gy, &mut gw0, Some(&mut gb0));
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
