//! Finite-difference checks of every layer's backward pass (input and parameter gradients) and of
//! a whole network. Runs on the host and inside wasm (node).

mod common;

use common::*;
use convlens::layers::LayerKind;
use convlens::{InputSpec, Model, Tensor};
use wasm_bindgen_test::wasm_bindgen_test;

/// L(x) = sum_i r_i * y_i over layer `layer`'s output, for a fixed random r.
fn objective(model: &Model, x: &[f32], layer: usize, r: &[f32]) -> f64 {
    let acts = model.forward(x).unwrap();
    acts.outputs[layer].iter().zip(r).map(|(&y, &r)| y as f64 * r as f64).sum()
}

/// Central differences of `f` at 0 with step `eps`: (slope, extra tolerance). Near a kink of a
/// piecewise-linear layer (relu, max) the central difference is off by at most
/// |f(+eps) - 2 f(0) + f(-eps)| / (2 eps); the tolerance grows by exactly that, so smooth regions
/// are checked strictly.
fn central(f: impl Fn(f32) -> f64, eps: f32) -> (f64, f64) {
    let (p, z, m) = (f(eps), f(0.0), f(-eps));
    ((p - m) / (2.0 * eps as f64), (p - 2.0 * z + m).abs() / (2.0 * eps as f64))
}

/// Compares analytic gradients with (numeric, kink allowance) pairs. The tolerance is relative to
/// each value and to the largest gradient of the set (f32 rounding of the objective), and the set
/// must not vanish, so a check cannot pass by comparing zeros.
fn assert_all_close(checks: &[(f32, (f64, f64), String)]) {
    let scale = checks.iter().map(|(_, (n, _), _)| n.abs()).fold(0.0, f64::max);
    assert!(scale > 1e-2, "gradients vanish (largest {scale}): the check would prove nothing");
    let kinks = checks.iter().filter(|(_, (_, k), _)| *k > 5e-2 * scale).count();
    assert!(kinks * 5 <= checks.len(), "{kinks} of {} points sit at kinks", checks.len());
    for (analytic, (numeric, kink), what) in checks {
        let tol = 2e-2 * numeric.abs() + 5e-3 * scale + kink;
        assert!(
            (*analytic as f64 - numeric).abs() <= tol,
            "{what}: backward gives {analytic}, finite differences give {numeric} (kink allowance {kink})"
        );
    }
}

/// Checks d L / d input and d L / d every parameter of `model` against central differences.
fn check_model(model: Model, x: Vec<f32>, seed: u64) {
    check_graph(model, x, seed, &[]);
}

/// As [`check_model`], where the layers named in `unused` do not reach the output: their parameter
/// gradients must be exactly zero, and so must the finite differences.
fn check_graph(model: Model, x: Vec<f32>, seed: u64, unused: &[&str]) {
    check_graph_step(model, x, seed, unused, 1e-3)
}

/// As [`check_graph`], with finite-difference step `eps`.
fn check_graph_step(mut model: Model, x: Vec<f32>, seed: u64, unused: &[&str], eps: f32) {
    let mut rng = Rng::new(seed);
    let last = model.layers.len() - 1;
    let r = rng.vec(model.layers[last].output_shape.len());
    let acts = model.forward(&x).unwrap();
    let seed_grad: Tensor = model.layers[last].output_shape.tensor(r.clone()).unwrap();
    let mut grads = model.zero_grads();
    let gx = model.backward(&acts, last, &seed_grad, Some(&mut grads)).unwrap();
    assert_eq!(gx.len(), x.len());
    let mut checks = Vec::new();
    for i in 0..x.len() {
        let numeric = central(
            |d| {
                let mut xd = x.clone();
                xd[i] += d;
                objective(&model, &xd, last, &r)
            },
            eps,
        );
        checks.push((gx.as_slice().unwrap()[i], numeric, format!("d/d input[{i}]")));
    }
    assert_all_close(&checks);

    for li in 0..model.layers.len() {
        let Some(pg) = grads.0[li].clone() else { continue };
        let name = model.layers[li].name.clone();
        let n_w = pg.weight.len();
        let n_b = pg.bias.as_ref().map_or(0, |b| b.len());
        let mut checks = Vec::new();
        for p in 0..n_w + n_b {
            let bump = |model: &mut Model, delta: f32| {
                let (w, b) = model.layers[li].params_mut().unwrap();
                if p < n_w {
                    w[p] += delta
                } else {
                    b.unwrap()[p - n_w] += delta
                }
            };
            let mut at = |d: f32| {
                bump(&mut model, d);
                let l = objective(&model, &x, last, &r);
                bump(&mut model, -d);
                l
            };
            let (p_, z, m) = (at(eps), at(0.0), at(-eps));
            let numeric = ((p_ - m) / (2.0 * eps as f64), (p_ - 2.0 * z + m).abs() / (2.0 * eps as f64));
            let analytic = if p < n_w { pg.weight[p] } else { pg.bias.as_ref().unwrap()[p - n_w] };
            checks.push((analytic, numeric, format!("d/d {name} param[{p}]")));
        }
        if unused.contains(&name.as_str()) {
            assert!(checks.iter().all(|(a, (n, _), _)| *a == 0.0 && *n == 0.0), "{name} does not reach the output");
        } else {
            assert_all_close(&checks);
        }
    }
}

fn single(layers: Vec<LayerKind>, input: (usize, usize, usize)) -> Model {
    Model::new(InputSpec::plain(input.0, input.1, input.2), None, named(layers)).unwrap()
}

#[wasm_bindgen_test(unsupported = test)]
fn conv2d_gradients_with_stride_padding_dilation() {
    let mut rng = Rng::new(1);
    for &(cin, cout, k, s, p, d) in
        &[(1, 2, (3, 3), 1, 1, 1), (3, 5, (2, 3), 2, 2, 1), (2, 3, (3, 2), 1, 0, 2), (5, 1, (1, 1), 3, 1, 1)]
    {
        let model = single(vec![conv(&mut rng, cout, cin, k, s, p, d)], (cin, 7, 8));
        let x = rng.vec(cin * 7 * 8);
        check_model(model, x, 10);
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn relu_gradient() {
    let mut rng = Rng::new(2);
    // Values spaced away from 0 so the eps-perturbation never crosses the kink.
    let x: Vec<f32> = rng.spaced(2 * 5 * 5).iter().map(|v| v - 0.5).collect();
    check_model(single(vec![LayerKind::Relu], (2, 5, 5)), x, 11);
}

#[wasm_bindgen_test(unsupported = test)]
fn maxpool_gradient_with_padding() {
    let mut rng = Rng::new(3);
    for &(k, s, p) in &[(2, 2, 0), (3, 2, 1), (3, 1, 1), (2, 3, 1)] {
        let x = rng.spaced(3 * 7 * 9);
        check_model(single(vec![maxpool(k, s, p)], (3, 7, 9)), x, 12);
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn avgpool_gradient_counts_in_bounds_cells() {
    let mut rng = Rng::new(4);
    for &(k, s, p) in &[(2, 2, 0), (3, 2, 1), (3, 1, 1)] {
        let x = rng.vec(2 * 7 * 6);
        check_model(single(vec![avgpool(k, s, p)], (2, 7, 6)), x, 13);
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn flatten_linear_softmax_gradients() {
    let mut rng = Rng::new(5);
    let x = rng.vec(2 * 3 * 4);
    check_model(single(vec![LayerKind::Flatten], (2, 3, 4)), x.clone(), 14);
    check_model(single(vec![LayerKind::Flatten, linear(&mut rng, 5, 24)], (2, 3, 4)), x.clone(), 15);
    check_model(single(vec![LayerKind::Flatten, LayerKind::Softmax], (2, 3, 4)), x, 16);
}

#[wasm_bindgen_test(unsupported = test)]
fn whole_network_gradients_through_normalization() {
    let mut rng = Rng::new(6);
    let model = every_layer_model(&mut rng, 2);
    let x = rng.spaced(2 * 9 * 11);
    check_model(model, x, 17);
}

#[wasm_bindgen_test(unsupported = test)]
fn backward_from_an_inner_layer_unit_and_channel() {
    // d(unit)/d(input) from an inner layer equals the finite difference of that unit alone.
    let mut rng = Rng::new(7);
    let model = every_layer_model(&mut rng, 1);
    let x = rng.spaced(9 * 11);
    let acts = model.forward(&x).unwrap();
    // The channel mean is scaled up to a channel sum so its gradient is well above f32 noise.
    let sum_seed = model.channel_mean_seed(0, 3).unwrap() * (9.0 * 11.0);
    for (layer, seed) in [(0, sum_seed), (3, model.unit_seed(3, 17).unwrap())] {
        let g = model.backward(&acts, layer, &seed, None).unwrap();
        let r: Vec<f32> = seed.iter().copied().collect();
        let mut checks = Vec::new();
        for i in (0..x.len()).step_by(7) {
            let numeric = central(
                |d| {
                    let mut xd = x.clone();
                    xd[i] += d;
                    objective(&model, &xd, layer, &r)
                },
                1e-3,
            );
            checks.push((g.as_slice().unwrap()[i], numeric, format!("layer {layer}, d/d input[{i}]")));
        }
        assert_all_close(&checks);
        // A forward pass that stops at the target layer gives the same outputs and gradient.
        let partial = model.forward_to(&x, layer).unwrap();
        assert_eq!(partial.outputs.len(), layer + 1);
        assert_eq!(partial.outputs, acts.outputs[..=layer]);
        assert_eq!(model.backward(&partial, layer, &seed, None).unwrap(), g);
    }
    let e = model.forward_to(&x, model.layers.len()).unwrap_err();
    assert!(e.0.contains("does not exist"), "{}", e.0);
}

#[wasm_bindgen_test(unsupported = test)]
fn graph_gradients_through_add_concat_and_a_shared_output() {
    let mut rng = Rng::new(8);
    let model = graph_model(&mut rng);
    let x = rng.spaced(2 * 6 * 7);
    check_graph(model, x, 18, &["side"]);
}

#[wasm_bindgen_test(unsupported = test)]
fn gradient_at_an_inner_layer_obeys_the_chain_rule() {
    // Every path from the input to `res` passes through `a`, so backpropagating the score to `a`'s
    // output and from there to the input must give the whole input gradient.
    let mut rng = Rng::new(9);
    let model = graph_model(&mut rng);
    let x = rng.vec(2 * 6 * 7);
    let acts = model.forward(&x).unwrap();
    let (res, a) = (3, 0);
    let seed = model.output_shape(res).unwrap().tensor(rng.vec(3 * 6 * 7)).unwrap();
    let at_a = model.gradient_at(&acts, res, &seed, a).unwrap();
    let via_a = model.backward(&acts, a, &at_a, None).unwrap();
    let direct = model.backward(&acts, res, &seed, None).unwrap();
    let scale = direct.iter().fold(0f32, |m, v| m.max(v.abs()));
    assert!(scale > 1e-2);
    for (u, v) in via_a.iter().zip(direct.iter()) {
        assert!((u - v).abs() <= 1e-5 * scale, "{u} vs {v}");
    }
    // The side branch does not reach `cat`: its gradient there is zero.
    let side = model.gradient_at(&acts, 6, &model.unit_seed(6, 0).unwrap(), 4).unwrap();
    assert!(side.iter().all(|&v| v == 0.0));
    assert!(model.gradient_at(&acts, 3, &seed, 3).is_err());
}

#[wasm_bindgen_test(unsupported = test)]
fn grouped_and_depthwise_conv_gradients() {
    let mut rng = Rng::new(20);
    // (cin, cout, groups, k, stride, padding, dilation)
    for &(cin, cout, groups, k, s, p, d) in &[
        (4, 6, 2, 3, 1, 1, 1), // two groups of 2 -> 3
        (3, 3, 3, 3, 1, 1, 1), // depthwise
        (3, 6, 3, 3, 2, 1, 1), // depthwise, channel multiplier 2, stride 2
        (2, 2, 2, 3, 1, 2, 2), // depthwise, dilation 2
        (6, 3, 3, 2, 2, 0, 1), // three groups of 2 -> 1
    ] {
        let model = single(vec![grouped_conv(&mut rng, cout, cin, groups, k, s, p, d)], (cin, 7, 8));
        let x = rng.vec(cin * 7 * 8);
        check_model(model, x, 21);
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn batchnorm_gradients_of_input_gamma_and_beta() {
    let mut rng = Rng::new(22);
    let model = single(vec![batchnorm(&mut rng, 3)], (3, 4, 5));
    assert_eq!(model.params(), 6, "gamma and beta are the parameters");
    let x = rng.vec(3 * 4 * 5);
    check_model(model, x, 23);
}

/// `n` values spread over [lo, hi], at least (hi - lo) / n apart, shuffled.
fn spread(rng: &mut Rng, n: usize, lo: f32, hi: f32) -> Vec<f32> {
    rng.spaced(n).iter().map(|v| lo + (hi - lo) * v).collect()
}

#[wasm_bindgen_test(unsupported = test)]
fn elementwise_activation_gradients() {
    let mut rng = Rng::new(24);
    let n = 2 * 5 * 6;
    // Ranges that cover every piece of each function (kinks at 0 and 6, -3 and 3, the bounds).
    let cases: Vec<(LayerKind, f32, f32)> = vec![
        (LayerKind::Relu6, -3.0, 9.0),
        (LayerKind::Hardswish, -5.0, 5.0),
        (LayerKind::Sigmoid, -6.0, 6.0),
        (LayerKind::Clip { min: Some(-0.5), max: Some(0.7) }, -1.5, 1.5),
        (LayerKind::Clip { min: None, max: Some(0.2) }, -1.5, 1.5),
        (LayerKind::Clip { min: Some(-0.2), max: None }, -1.5, 1.5),
    ];
    for (kind, lo, hi) in cases {
        let x = spread(&mut rng, n, lo, hi);
        check_model(single(vec![kind], (2, 5, 6)), x, 25);
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn pooling_reshape_and_dropout_gradients() {
    let mut rng = Rng::new(26);
    let x = rng.vec(3 * 5 * 6);
    check_model(single(vec![LayerKind::GlobalAvgPool], (3, 5, 6)), x.clone(), 27);
    check_model(single(vec![LayerKind::Dropout { p: 0.5 }], (3, 5, 6)), x.clone(), 28);
    check_model(single(vec![LayerKind::Reshape { shape: vec![-1] }], (3, 5, 6)), x.clone(), 29);
    check_model(single(vec![LayerKind::Reshape { shape: vec![5, -1, 2] }], (3, 5, 6)), x.clone(), 30);
    for &(k, s, p) in &[(3, 2, 1), (2, 1, 1), (3, 3, 1)] {
        let pool =
            LayerKind::AvgPool2d(convlens::layers::Pool2d::new((k, k), (s, s), (p, p)).with_count_include_pad(true));
        check_model(single(vec![pool], (3, 5, 6)), x.clone(), 31);
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn mobilenet_inverted_residual_block_gradients() {
    // Input, every conv's weights and bias, every batchnorm's gamma and beta, and the linear layer.
    let mut rng = Rng::new(32);
    let model = mobilenet_block_model(&mut rng);
    let x = rng.vec(2 * 8 * 9).iter().map(|v| 0.5 + 0.5 * v).collect();
    check_model(model, x, 33);
}

#[wasm_bindgen_test(unsupported = test)]
fn every_new_op_in_one_graph_gradients() {
    let mut rng = Rng::new(34);
    let mut model = every_op_model(&mut rng);
    let fc = model.layers.iter().position(|l| l.name == "fc").unwrap();
    model.layers[fc].params_mut().unwrap().0.iter_mut().for_each(|w| *w *= 4.0);
    let x = rng.vec(3 * 4 * 4);
    // Averaging twice makes each input's gradient small next to the f32 rounding of the forward
    // pass (~1e-4 in a 1e-3 central difference): larger classifier weights and a 1e-2 step keep
    // the check above that noise (the kink allowance still covers relu, relu6, clip, hardswish).
    check_graph_step(model, x, 35, &[], 1e-2);
}
