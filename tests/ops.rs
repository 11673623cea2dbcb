//! The operators of real CNNs (grouped and depthwise conv2d, batchnorm2d, relu6, clip, sigmoid,
//! hardswish, global_avgpool, dropout, reshape, avgpool2d's count_include_pad): forward passes
//! and derivatives computed by hand, shape rules and their errors, the batchnorm folded into the
//! conv's pass, and where channel targets land. Runs on the host and inside wasm (node).
//! Gradients are checked against finite differences in `gradients.rs`.

mod common;

use common::*;
use convlens::explain::Target;
use convlens::kernels::{self, Kernel};
use convlens::layers::{BatchNorm2d, Conv2d, Layer, LayerKind, Pool2d};
use convlens::{InputSpec, Model, Shape, Tensor};
use ndarray::{Array1, Array4};
use wasm_bindgen_test::wasm_bindgen_test;

/// One layer on a plain (unnormalized) input of shape (c, h, w).
fn one(kind: LayerKind, c: usize, h: usize, w: usize) -> Model {
    Model::new(InputSpec::plain(c, h, w), None, vec![("op".into(), kind)]).unwrap()
}

fn run(m: &Model, x: &[f32]) -> Vec<f32> {
    m.forward(x).unwrap().output().iter().copied().collect()
}

/// d(sum gy * output)/d(input) of a one-layer model.
fn grad(m: &Model, x: &[f32], gy: &[f32]) -> Vec<f32> {
    let acts = m.forward(x).unwrap();
    let seed = m.layers[0].output_shape.tensor(gy.to_vec()).unwrap();
    m.backward(&acts, 0, &seed, None).unwrap().iter().copied().collect()
}

fn assert_near(got: &[f32], want: &[f32], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (a, b)) in got.iter().zip(want).enumerate() {
        assert!((a - b).abs() <= 1e-6 * (1.0 + b.abs()), "{what}[{i}]: got {a}, want {b} (all: {got:?})");
    }
}

fn conv_kind(weight: Vec<f32>, shape: (usize, usize, usize, usize), bias: Vec<f32>, groups: usize) -> LayerKind {
    let w = Array4::from_shape_vec(shape, weight).unwrap();
    LayerKind::Conv2d(Conv2d::new(w, Some(Array1::from(bias)), (1, 1), (0, 0), (1, 1)).with_groups(groups))
}

#[wasm_bindgen_test(unsupported = test)]
fn two_group_conv_by_hand() {
    // Input 4 x 1 x 2: channels [1, 2], [3, 4], [5, 6], [7, 8]. Two groups: output 0 reads
    // channels 0-1 with kernels [1, 0] and [0, 1]: 1 + 4 = 5; output 1 reads channels 2-3 with
    // [1, 1] and [-1, 2]: 5 + 6 - 7 + 16 = 20, plus its bias 1.
    let kind = conv_kind(vec![1., 0., 0., 1., 1., 1., -1., 2.], (2, 2, 1, 2), vec![0., 1.], 2);
    let m = one(kind, 4, 1, 2);
    assert_eq!(m.layers[0].output_shape, Shape::Chw(2, 1, 1));
    assert_eq!(m.params(), 8 + 2);
    let x = [1., 2., 3., 4., 5., 6., 7., 8.];
    assert_eq!(run(&m, &x), [5., 21.]);
    // d(3*y0 + 10*y1)/dx: each input only reaches its own group's output.
    assert_eq!(grad(&m, &x, &[3., 10.]), [3., 0., 0., 3., 10., 10., -10., 20.]);
}

#[wasm_bindgen_test(unsupported = test)]
fn depthwise_conv_by_hand() {
    // Two 2x2 channels, 3x3 kernels, padding 1. Channel 0 = [[1, 2], [3, 4]] with an all-ones
    // kernel: every 3x3 window covers the whole channel, so every output is 10. Channel 1 =
    // [[1, 0], [0, 5]] with only the centre tap 2 (and bias -1): 2x - 1.
    let mut w = vec![1.0; 9];
    w.extend([0., 0., 0., 0., 2., 0., 0., 0., 0.]);
    let mut c = Conv2d::new(Array4::from_shape_vec((2, 1, 3, 3), w.clone()).unwrap(), None, (1, 1), (1, 1), (1, 1));
    c.bias = Some(Array1::from(vec![0.0, -1.0]));
    let m = one(LayerKind::Conv2d(c.clone().with_groups(2)), 2, 2, 2);
    let x = [1., 2., 3., 4., 1., 0., 0., 5.];
    assert_eq!(run(&m, &x), [10., 10., 10., 10., 1., -1., -1., 9.]);
    // Stride 2: only the top-left window of each channel.
    let mut s2 = c.clone().with_groups(2);
    s2.stride = (2, 2);
    assert_eq!(run(&one(LayerKind::Conv2d(s2), 2, 2, 2), &x), [10., 1.]);
    // Channel multiplier 2 (two outputs per input channel): both kernels above on each channel.
    // Channel 1 sums to 6, so its all-ones output is 6 everywhere.
    let w4: Vec<f32> = w.iter().chain(&w).copied().collect();
    let mult = Conv2d::new(Array4::from_shape_vec((4, 1, 3, 3), w4).unwrap(), None, (1, 1), (1, 1), (1, 1));
    let m = one(LayerKind::Conv2d(mult.with_groups(2)), 2, 2, 2);
    assert_eq!(m.layers[0].output_shape, Shape::Chw(4, 2, 2));
    assert_eq!(run(&m, &x), [10., 10., 10., 10., 2., 4., 6., 8., 6., 6., 6., 6., 2., 0., 0., 10.]);
}

#[wasm_bindgen_test(unsupported = test)]
fn grouped_conv_shape_errors() {
    let weight = |o, i| Array4::from_shape_vec((o, i, 1, 1), vec![0.5; o * i]).unwrap();
    let conv =
        |o, i, groups| LayerKind::Conv2d(Conv2d::new(weight(o, i), None, (1, 1), (0, 0), (1, 1)).with_groups(groups));
    let err = |kind, c| Model::new(InputSpec::plain(c, 3, 3), None, vec![("g".into(), kind)]).unwrap_err().0;
    let e = err(conv(3, 2, 2), 4);
    assert!(e.contains("layer 0 'g' (conv2d)") && e.contains("out_channels 3 is not divisible by groups 2"), "{e}");
    let e = err(conv(4, 2, 2), 5);
    assert!(e.contains("5 channels are not divisible by groups 2"), "{e}");
    let e = err(conv(4, 2, 2), 6);
    assert!(e.contains("2 input channels per group (2 groups: 4 in all)") && e.contains("has 6"), "{e}");
    let e = err(conv(4, 2, 0), 4);
    assert!(e.contains("groups must be at least 1"), "{e}");
    // Depthwise: groups = channels, one input channel per group.
    let m = Model::new(InputSpec::plain(6, 3, 3), None, vec![("dw".into(), conv(12, 1, 6))]).unwrap();
    assert_eq!(m.layers[0].output_shape, Shape::Chw(12, 3, 3));
}

#[wasm_bindgen_test(unsupported = test)]
fn batchnorm_by_hand() {
    // eps 0.25 and variances 3.75 and 0.75 give standard deviations 2 and 1.
    // Channel 0: gamma 2, beta 0.5, mean 1: y = 2 (x - 1) / 2 + 0.5 = x - 0.5.
    // Channel 1: gamma -1, beta 1, mean 1: y = -(x - 1) + 1 = 2 - x.
    let bn = BatchNorm2d::new(vec![1., 1.], vec![3.75, 0.75], Some(vec![2., -1.]), Some(vec![0.5, 1.]), 0.25);
    let m = one(LayerKind::BatchNorm2d(bn), 2, 1, 2);
    assert_eq!(m.params(), 4);
    let x = [1., 3., 0., 2.];
    assert_eq!(run(&m, &x), [0.5, 2.5, 2., 0.]);
    assert_eq!(grad(&m, &x, &[1., 2., 3., 4.]), [1., 2., -3., -4.]);
    // gamma's gradient is sum gy (x - mean) / std, beta's sum gy.
    let acts = m.forward(&x).unwrap();
    let mut grads = m.zero_grads();
    let seed = m.layers[0].output_shape.tensor(vec![1., 2., 3., 4.]).unwrap();
    m.backward(&acts, 0, &seed, Some(&mut grads)).unwrap();
    let g = grads.0[0].as_ref().unwrap();
    // Channel 0: (1 * 0 + 2 * 2) / 2 = 2; channel 1: (3 * (0 - 1) + 4 * (2 - 1)) / 1 = 1.
    assert_eq!(g.weight, [2., 1.]);
    assert_eq!(g.bias.as_deref(), Some(&[3., 7.][..]));
    // Without gamma and beta: (x - mean) / sqrt(var + eps).
    let plain = BatchNorm2d::new(vec![1., 1.], vec![3.75, 0.75], None, None, 0.25);
    assert_eq!(run(&one(LayerKind::BatchNorm2d(plain), 2, 1, 2), &x), [0., 1., -1., 1.]);
}

#[wasm_bindgen_test(unsupported = test)]
fn batchnorm_shape_and_statistics_errors() {
    let err = |bn: BatchNorm2d, c| {
        Model::new(InputSpec::plain(c, 2, 2), None, vec![("bn".into(), LayerKind::BatchNorm2d(bn))]).unwrap_err().0
    };
    let e = err(BatchNorm2d::new(vec![0.; 3], vec![1.; 3], None, None, 1e-5), 2);
    assert!(e.contains("layer 0 'bn' (batchnorm2d)") && e.contains("3 channels but the input has 2"), "{e}");
    let e = err(BatchNorm2d::new(vec![0.; 2], vec![1., -0.5], None, None, 1e-5), 2);
    assert!(e.contains("running_var holds -0.5 at element 1") && e.contains("negative"), "{e}");
    for eps in [0.0, -1.0, f32::NAN, f32::INFINITY] {
        let e = err(BatchNorm2d::new(vec![0.; 2], vec![1.; 2], None, None, eps), 2);
        assert!(e.contains("eps must be a finite number above 0"), "{e}");
    }
    let e = err(BatchNorm2d::new(vec![0.; 2], vec![1.; 3], None, None, 1e-5), 2);
    assert!(e.contains("running_var has 3 values but running_mean has 2"), "{e}");
    let e = err(BatchNorm2d::new(vec![0., f32::NAN], vec![1.; 2], None, None, 1e-5), 2);
    assert!(e.contains("running_mean holds NaN at element 1"), "{e}");
    // Needs CHW input.
    let layers = vec![
        ("f".into(), LayerKind::Flatten),
        ("bn".into(), LayerKind::BatchNorm2d(BatchNorm2d::new(vec![0.; 8], vec![1.; 8], None, None, 1e-5))),
    ];
    let e = Model::new(InputSpec::plain(2, 2, 2), None, layers).unwrap_err().0;
    assert!(e.contains("layer 1 'bn'") && e.contains("spatial"), "{e}");
}

#[wasm_bindgen_test(unsupported = test)]
fn hardswish_values_and_slopes_at_the_kinks() {
    // x * relu6(x + 3) / 6 at -4, -3, -1, 0, 3, 4: 0, 0, -1 * 2 / 6, 0, 3 * 6 / 6, 4.
    let x = [-4., -3., -1., 0., 3., 4.];
    let m = one(LayerKind::Hardswish, 1, 1, 6);
    assert_near(&run(&m, &x), &[0., 0., -1. / 3., 0., 3., 4.], "hardswish");
    // PyTorch's derivative: 0 below -3, x/3 + 1/2 on [-3, 3] (so -1/2 at -3 and 3/2 at 3), 1 above.
    assert_near(&grad(&m, &x, &[1.; 6]), &[0., -0.5, 1. / 6., 0.5, 1.5, 1.], "hardswish slope");
}

#[wasm_bindgen_test(unsupported = test)]
fn relu6_clip_and_sigmoid_by_hand() {
    let x = [-1., 0., 3., 6., 7.];
    let m = one(LayerKind::Relu6, 1, 1, 5);
    assert_eq!(run(&m, &x), [0., 0., 3., 6., 6.]);
    // PyTorch's relu6 (hardtanh) passes the gradient strictly inside (0, 6).
    assert_eq!(grad(&m, &x, &[1.; 5]), [0., 0., 1., 0., 0.]);

    let x = [-3., -1., 0.5, 2., 5.];
    let m = one(LayerKind::Clip { min: Some(-1.), max: Some(2.) }, 1, 1, 5);
    assert_eq!(run(&m, &x), [-1., -1., 0.5, 2., 2.]);
    // PyTorch's clamp passes it on the closed interval [min, max].
    assert_eq!(grad(&m, &x, &[1.; 5]), [0., 1., 1., 1., 0.]);
    let upper = one(LayerKind::Clip { min: None, max: Some(0.) }, 1, 1, 5);
    assert_eq!(run(&upper, &x), [-3., -1., 0., 0., 0.]);
    assert_eq!(run(&one(LayerKind::Clip { min: None, max: None }, 1, 1, 5), &x), x);
    let e = Model::new(
        InputSpec::plain(1, 1, 1),
        None,
        vec![("c".into(), LayerKind::Clip { min: Some(2.), max: Some(1.) })],
    );
    let e = e.unwrap_err().0;
    assert!(e.contains("layer 0 'c' (clip)") && e.contains("min 2 is above max 1"), "{e}");

    // sigmoid(0) = 1/2, sigmoid(ln 3) = 3/4, sigmoid(-ln 3) = 1/4; far out it saturates without
    // overflow. Slopes y (1 - y): 1/4, 3/16, 3/16.
    let l3 = 3f32.ln();
    let x = [0., l3, -l3, 100., -100.];
    let m = one(LayerKind::Sigmoid, 1, 1, 5);
    assert_near(&run(&m, &x), &[0.5, 0.75, 0.25, 1., 0.], "sigmoid");
    assert_near(&grad(&m, &x, &[1.; 5]), &[0.25, 0.1875, 0.1875, 0., 0.], "sigmoid slope");
}

#[wasm_bindgen_test(unsupported = test)]
fn global_avgpool_dropout_and_reshape_by_hand() {
    let x: Vec<f32> = (1..=8).map(|v| v as f32).collect();
    let m = one(LayerKind::GlobalAvgPool, 2, 2, 2);
    assert_eq!(m.layers[0].output_shape, Shape::Chw(2, 1, 1));
    assert_eq!(run(&m, &x), [2.5, 6.5]);
    assert_eq!(grad(&m, &x, &[4., 8.]), [1., 1., 1., 1., 2., 2., 2., 2.]);

    let m = one(LayerKind::Dropout { p: 0.5 }, 2, 2, 2);
    assert_eq!(run(&m, &x), x);
    assert_eq!(grad(&m, &x, &x), x);

    for (shape, want) in [
        (vec![-1], Shape::Vector(8)),
        (vec![8], Shape::Vector(8)),
        (vec![4, -1, 1], Shape::Chw(4, 2, 1)),
        (vec![1, 1, 8], Shape::Chw(1, 1, 8)),
    ] {
        let m = one(LayerKind::Reshape { shape: shape.clone() }, 2, 2, 2);
        assert_eq!(m.layers[0].output_shape, want, "{shape:?}");
        assert_eq!(run(&m, &x), x, "row-major order is kept");
        assert_eq!(grad(&m, &x, &x), x);
    }
    for (shape, needle) in [
        (vec![2, 4], "must be [n] or [c, h, w]"),
        (vec![-1, -1, 2], "more than one -1"),
        (vec![0, -1, 2], "has the entry 0"),
        (vec![-2], "has the entry -2"),
        (vec![9], "holds 9 values but the input [2, 2, 2] has 8"),
        (vec![3, -1, 1], "8 is not a multiple of 3"),
        (vec![i64::MAX, 4, 4], "too large"),
    ] {
        let r = Model::new(InputSpec::plain(2, 2, 2), None, vec![("r".into(), LayerKind::Reshape { shape })]);
        let e = r.unwrap_err().0;
        assert!(e.contains("layer 0 'r' (reshape)") && e.contains(needle), "{e} should mention {needle:?}");
    }
    let e = Model::new(InputSpec::plain(1, 1, 1), None, vec![("d".into(), LayerKind::Dropout { p: 1.5 })]);
    assert!(e.unwrap_err().0.contains("p must be a probability between 0 and 1, got 1.5"));
    let e = Model::new(
        InputSpec::plain(1, 1, 1),
        None,
        vec![("f".into(), LayerKind::Flatten), ("g".into(), LayerKind::GlobalAvgPool)],
    );
    assert!(e.unwrap_err().0.contains("layer 1 'g' (global_avgpool)"));
}

#[wasm_bindgen_test(unsupported = test)]
fn avgpool_count_include_pad_by_hand() {
    // 2x2 input, 2x2 windows, stride 2, padding 1: each window holds one input cell and three
    // padding cells. Excluding padding the average is the cell; including it, the cell / 4.
    let x = [1., 2., 3., 4.];
    let pool = Pool2d::new((2, 2), (2, 2), (1, 1));
    let exclude = one(LayerKind::AvgPool2d(pool.clone()), 1, 2, 2);
    let include = one(LayerKind::AvgPool2d(pool.with_count_include_pad(true)), 1, 2, 2);
    assert_eq!(run(&exclude, &x), x);
    assert_eq!(run(&include, &x), [0.25, 0.5, 0.75, 1.]);
    assert_eq!(grad(&include, &x, &[4., 8., 12., 16.]), [1., 2., 3., 4.]);
    // 3x3 windows, stride 1, padding 1 on a 1x3 row: the middle window covers 3 cells of 9.
    let row = one(LayerKind::AvgPool2d(Pool2d::new((3, 3), (1, 1), (1, 1)).with_count_include_pad(true)), 1, 1, 3);
    assert_near(&run(&row, &[3., 6., 9.]), &[1., 2., 15. / 9.], "include pad");
}

/// Every layer's output computed on its own, one after another (no folding).
fn layer_by_layer(m: &Model, x: &[f32]) -> Vec<Tensor> {
    let input = m.normalize(x).unwrap();
    let mut outs: Vec<Tensor> = Vec::new();
    for l in &m.layers {
        let xs: Vec<&Tensor> = l
            .inputs
            .iter()
            .map(|s| match s {
                convlens::Source::Input => &input,
                convlens::Source::Layer(j) => &outs[*j],
            })
            .collect();
        let y = l.forward(&xs);
        outs.push(y);
    }
    outs
}

#[wasm_bindgen_test(unsupported = test)]
fn batchnorm_folded_into_the_conv_pass_keeps_both_outputs() {
    let mut rng = Rng::new(40);
    let m = mobilenet_block_model(&mut rng);
    let x: Vec<f32> = rng.vec(2 * 8 * 9).iter().map(|v| 0.5 + 0.5 * v).collect();
    // Each conv -> batchnorm pair fuses; the depthwise one in a single pass over its rows.
    let conv_bn: Vec<usize> = (0..m.layers.len() - 1).filter(|&i| m.layers[i].fuses_with(&m.layers[i + 1])).collect();
    assert_eq!(conv_bn, [0, 3, 6, 9]);
    let before = kernels::calls(Kernel::DepthwiseForwardAffine);
    let acts = m.forward(&x).unwrap();
    assert!(kernels::calls(Kernel::DepthwiseForwardAffine) > before, "the depthwise conv's batchnorm was fused");
    let separate = layer_by_layer(&m, &x);
    // The same `x * scale + shift` either way: equal up to the last bit (a vector backend with
    // fused multiply-add could round it once instead of twice).
    for (i, (a, b)) in acts.outputs.iter().zip(&separate).enumerate() {
        let scale = b.iter().fold(1f32, |s, v| s.max(v.abs()));
        for (u, v) in a.iter().zip(b.iter()) {
            assert!((u - v).abs() <= 2.0 * f32::EPSILON * scale, "layer {i} '{}': {u} vs {v}", m.layers[i].name);
        }
    }
    // A batchnorm that reads an earlier conv, not the one just before it, is computed on its own.
    let m = Model::graph(
        InputSpec::plain(2, 5, 5),
        None,
        vec![
            spec("dw", grouped_conv(&mut rng, 2, 2, 2, 3, 1, 1, 1), &[]),
            spec("other", LayerKind::Relu, &["input"]),
            spec("bn", batchnorm(&mut rng, 2), &["dw"]),
        ],
    )
    .unwrap();
    let x = rng.vec(50);
    let before = kernels::calls(Kernel::DepthwiseForwardAffine);
    let acts = m.forward(&x).unwrap();
    assert_eq!(kernels::calls(Kernel::DepthwiseForwardAffine), before);
    assert_eq!(acts.outputs, layer_by_layer(&m, &x));
    // A batchnorm of another channel count never fuses (the model would not build, but the
    // layer-level check holds on its own).
    let conv = Layer::new("c", grouped_conv(&mut rng, 2, 2, 2, 3, 1, 1, 1), Shape::Chw(2, 5, 5)).unwrap();
    let bn3 = Layer::new("b", batchnorm(&mut rng, 3), Shape::Chw(3, 5, 5)).unwrap();
    assert!(!conv.fuses_with(&bn3));
}

#[wasm_bindgen_test(unsupported = test)]
fn channel_targets_move_past_batchnorm_and_activation() {
    let mut rng = Rng::new(41);
    let m = mobilenet_block_model(&mut rng);
    let idx = |name: &str| m.layers.iter().position(|l| l.name == name).unwrap();
    let channel = |layer: &str| Target::new(&m, idx(layer), Some(1), None).unwrap().layer;
    // conv -> batchnorm -> relu6: the relu6's channel.
    assert_eq!(channel("stem"), idx("stem_act"));
    assert_eq!(channel("expand"), idx("expand_act"));
    assert_eq!(channel("dw"), idx("dw_act"));
    // The projection's batchnorm feeds the residual add, not an activation: the conv itself.
    assert_eq!(channel("project"), idx("project"));
    // A unit is taken at the conv.
    assert_eq!(Target::new(&m, idx("dw"), None, Some(3)).unwrap().layer, idx("dw"));

    // conv -> activation directly, for each activation; sigmoid is not one of them; and a
    // batchnorm read by two layers keeps the target at the conv.
    let chain = |act: LayerKind, rng: &mut Rng| {
        let layers = vec![("c".into(), conv(rng, 3, 1, (3, 3), 1, 1, 1)), ("a".into(), act)];
        let m = Model::new(InputSpec::plain(1, 5, 5), None, layers).unwrap();
        Target::new(&m, 0, Some(0), None).unwrap().layer
    };
    for act in [LayerKind::Relu, LayerKind::Relu6, LayerKind::Hardswish, LayerKind::Clip { min: Some(0.), max: None }] {
        assert_eq!(chain(act, &mut rng), 1);
    }
    assert_eq!(chain(LayerKind::Sigmoid, &mut rng), 0);
    let m = Model::graph(
        InputSpec::plain(1, 5, 5),
        None,
        vec![
            spec("c", conv(&mut rng, 3, 1, (3, 3), 1, 1, 1), &[]),
            spec("bn", batchnorm(&mut rng, 3), &[]),
            spec("act", LayerKind::Relu6, &[]),
            spec("also", LayerKind::Add, &["bn", "act"]),
        ],
    )
    .unwrap();
    assert_eq!(Target::new(&m, 0, Some(0), None).unwrap().layer, 0);
}

#[wasm_bindgen_test(unsupported = test)]
fn summary_shows_the_new_fields_where_they_apply() {
    let m = every_op_model(&mut Rng::new(42));
    let s = convlens::summary::layers(&m);
    let get = |name: &str| s.iter().find(|l| l.name == name).unwrap().clone();
    assert_eq!((get("c").groups, get("g").groups, get("dw").groups), (Some(1), Some(2), Some(4)));
    assert_eq!(get("dw").params, 8 * 9 + 8);
    assert_eq!(get("bn").eps, Some(1e-3));
    assert_eq!(get("bn").params, 12, "gamma and beta, not the running statistics");
    assert_eq!((get("clip").min, get("clip").max), (Some(-0.5), None));
    assert_eq!(get("drop").p, Some(0.1));
    assert_eq!(get("avg").count_include_pad, Some(true));
    assert_eq!(get("gap").output_shape, [8, 1, 1]);
    assert_eq!(get("rs2").output_shape, [3, 2, 1]);
    for l in &s {
        assert_eq!(l.groups.is_some(), l.kind == "conv2d", "{}", l.name);
        assert_eq!(l.eps.is_some(), l.kind == "batchnorm2d", "{}", l.name);
        assert_eq!(l.p.is_some(), l.kind == "dropout", "{}", l.name);
        assert_eq!(l.count_include_pad.is_some(), l.kind == "avgpool2d", "{}", l.name);
    }
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json[0]["groups"], 1);
    assert_eq!(json[9]["countIncludePad"], true);
    assert!(json[2].get("groups").is_none() && json[2].get("min").is_none(), "absent where it does not apply");
}
