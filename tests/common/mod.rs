//! Shared test support: a seeded PRNG and small model builders. Compiled into several test
//! binaries, so not every helper is used by each.
#![allow(dead_code)]

use convlens::layers::{BatchNorm2d, Conv2d, LayerKind, Pool2d};
use convlens::{InputSpec, LayerSpec, Model};
use ndarray::{Array1, Array2, Array4};

pub use convlens::rng::Rng;

/// Layer `name` reading `inputs` by name (none: the layer before it).
pub fn spec(name: &str, kind: LayerKind, inputs: &[&str]) -> LayerSpec {
    let inputs = (!inputs.is_empty()).then(|| inputs.iter().map(|s| s.to_string()).collect());
    LayerSpec { name: name.into(), kind, inputs }
}

/// Test-only ways of drawing values.
pub trait RngExt {
    /// Uniform in [-scale, scale).
    fn scaled(&mut self, n: usize, scale: f32) -> Vec<f32>;
    /// Values in [0, 1] that differ pairwise by at least 1/n: a shuffled grid, so max pooling
    /// has a clear winner and no value sits near a relu kink after small perturbations.
    fn spaced(&mut self, n: usize) -> Vec<f32>;
}

impl RngExt for Rng {
    fn scaled(&mut self, n: usize, scale: f32) -> Vec<f32> {
        (0..n).map(|_| scale * self.signed()).collect()
    }
    fn spaced(&mut self, n: usize) -> Vec<f32> {
        let mut v: Vec<f32> = (0..n).map(|i| (i as f32 + 0.5) / n as f32).collect();
        self.shuffle(&mut v);
        v
    }
}

pub fn conv(rng: &mut Rng, cout: usize, cin: usize, k: (usize, usize), s: usize, p: usize, d: usize) -> LayerKind {
    // He-like scale, so activations keep their size through a stack of layers.
    let fan_in = cin * k.0 * k.1;
    let w =
        Array4::from_shape_vec((cout, cin, k.0, k.1), rng.scaled(cout * fan_in, (3.0 / fan_in as f32).sqrt())).unwrap();
    let b = Array1::from(rng.vec(cout));
    LayerKind::Conv2d(Conv2d::new(w, Some(b), (s, s), (p, p), (d, d)))
}

pub fn linear(rng: &mut Rng, out: usize, inp: usize) -> LayerKind {
    let w = Array2::from_shape_vec((out, inp), rng.scaled(out * inp, (3.0 / inp as f32).sqrt())).unwrap();
    convlens::layers::LayerKind::Linear(convlens::layers::Linear::new(w, Some(Array1::from(rng.vec(out)))))
}

pub fn maxpool(k: usize, s: usize, p: usize) -> LayerKind {
    LayerKind::MaxPool2d(Pool2d::new((k, k), (s, s), (p, p)))
}

pub fn avgpool(k: usize, s: usize, p: usize) -> LayerKind {
    LayerKind::AvgPool2d(Pool2d::new((k, k), (s, s), (p, p)))
}

pub fn named(layers: Vec<LayerKind>) -> Vec<(String, LayerKind)> {
    layers.into_iter().enumerate().map(|(i, k)| (format!("l{i}"), k)).collect()
}

/// A small network using every layer type, on a `channels x 9 x 11` input.
pub fn every_layer_model(rng: &mut Rng, channels: usize) -> Model {
    let layers = vec![
        conv(rng, 5, channels, (3, 3), 1, 1, 1),
        LayerKind::Relu,
        maxpool(3, 2, 1),
        conv(rng, 6, 5, (2, 3), 1, 2, 2),
        avgpool(2, 2, 1),
        LayerKind::Flatten,
        linear(rng, 7, 6 * 4 * 4),
        LayerKind::Softmax,
    ];
    let labels = (0..7).map(|i| format!("class {i}")).collect();
    let mut input = InputSpec::plain(channels, 9, 11);
    input.mean = (0..channels).map(|c| 0.1 * c as f32).collect();
    input.std = (0..channels).map(|c| 0.5 + 0.25 * c as f32).collect();
    Model::new(input, Some(labels), named(layers)).unwrap()
}

/// A small graph on a `2 x 6 x 7` input: a residual block (`add` reading a relu that a conv also
/// reads), a 1x1 conv straight from the input joined by `concat`, a side branch nothing reads,
/// then pool, flatten, linear.
pub fn graph_model(rng: &mut Rng) -> Model {
    let layers = vec![
        spec("a", conv(rng, 3, 2, (3, 3), 1, 1, 1), &[]),
        spec("a_relu", LayerKind::Relu, &[]),
        spec("b", conv(rng, 3, 3, (3, 3), 1, 1, 1), &[]),
        spec("res", LayerKind::Add, &["a_relu", "b"]),
        spec("side", conv(rng, 2, 2, (1, 1), 1, 0, 1), &["input"]),
        spec("c", conv(rng, 2, 2, (1, 1), 1, 0, 1), &["input"]),
        spec("cat", LayerKind::Concat, &["res", "c"]),
        spec("pool", maxpool(2, 2, 0), &[]),
        spec("flat", LayerKind::Flatten, &[]),
        spec("fc", linear(rng, 4, 5 * 3 * 3), &[]),
    ];
    let mut input = InputSpec::plain(2, 6, 7);
    input.mean = vec![0.2, 0.1];
    input.std = vec![0.5, 0.8];
    Model::graph(input, None, layers).unwrap()
}

/// A grouped conv2d (`groups` groups; depthwise when `groups == cin`) with a random bias.
#[allow(clippy::too_many_arguments)]
pub fn grouped_conv(
    rng: &mut Rng,
    cout: usize,
    cin: usize,
    groups: usize,
    k: usize,
    s: usize,
    p: usize,
    d: usize,
) -> LayerKind {
    let per = cin / groups;
    let fan_in = per * k * k;
    let w = Array4::from_shape_vec((cout, per, k, k), rng.scaled(cout * fan_in, (3.0 / fan_in as f32).sqrt())).unwrap();
    let b = Array1::from(rng.vec(cout));
    LayerKind::Conv2d(Conv2d::new(w, Some(b), (s, s), (p, p), (d, d)).with_groups(groups))
}

/// A batchnorm2d with random statistics (variance in [0.2, 1.8]), gamma (either sign) and beta.
pub fn batchnorm(rng: &mut Rng, c: usize) -> LayerKind {
    let mean = rng.scaled(c, 0.5);
    let var = (0..c).map(|_| 1.0 + 0.8 * rng.signed()).collect();
    let gamma = (0..c).map(|_| 1.5 * rng.signed()).collect();
    let beta = rng.scaled(c, 0.5);
    LayerKind::BatchNorm2d(BatchNorm2d::new(mean, var, Some(gamma), Some(beta), 1e-3))
}

/// A small MobileNetV2-like graph on a `2 x 8 x 9` input: a stem (conv 3x3 stride 2 -> batchnorm
/// -> relu6), one inverted residual block (1x1 expand conv -> batchnorm -> relu6 -> depthwise
/// 3x3 -> batchnorm -> relu6 -> 1x1 project conv -> batchnorm -> add with the block input), then
/// global average pooling -> flatten -> dropout -> linear.
pub fn mobilenet_block_model(rng: &mut Rng) -> Model {
    let (c, e) = (4, 12);
    let layers = vec![
        spec("stem", conv(rng, c, 2, (3, 3), 2, 1, 1), &[]),
        spec("stem_bn", batchnorm(rng, c), &[]),
        spec("stem_act", LayerKind::Relu6, &[]),
        spec("expand", conv(rng, e, c, (1, 1), 1, 0, 1), &[]),
        spec("expand_bn", batchnorm(rng, e), &[]),
        spec("expand_act", LayerKind::Relu6, &[]),
        spec("dw", grouped_conv(rng, e, e, e, 3, 1, 1, 1), &[]),
        spec("dw_bn", batchnorm(rng, e), &[]),
        spec("dw_act", LayerKind::Relu6, &[]),
        spec("project", conv(rng, c, e, (1, 1), 1, 0, 1), &[]),
        spec("project_bn", batchnorm(rng, c), &[]),
        spec("res", LayerKind::Add, &["stem_act", "project_bn"]),
        spec("pool", LayerKind::GlobalAvgPool, &[]),
        spec("flat", LayerKind::Flatten, &[]),
        spec("drop", LayerKind::Dropout { p: 0.2 }, &[]),
        spec("fc", linear(rng, 5, c), &[]),
    ];
    let mut input = InputSpec::plain(2, 8, 9);
    input.mean = vec![0.5, 0.4];
    input.std = vec![0.25, 0.3];
    Model::graph(input, None, layers).unwrap()
}

/// One layer of every type the engine has, on a `3 x 4 x 4` input.
pub fn every_op_model(rng: &mut Rng) -> Model {
    let layers = vec![
        spec("c", conv(rng, 6, 3, (3, 3), 1, 1, 1), &[]),
        spec("bn", batchnorm(rng, 6), &[]),
        spec("r6", LayerKind::Relu6, &[]),
        spec("g", grouped_conv(rng, 4, 6, 2, 3, 1, 1, 1), &[]),
        spec("hs", LayerKind::Hardswish, &[]),
        spec("dw", grouped_conv(rng, 8, 4, 4, 3, 2, 1, 1), &[]),
        spec("clip", LayerKind::Clip { min: Some(-0.5), max: None }, &[]),
        spec("sig", LayerKind::Sigmoid, &["dw"]),
        spec("sum", LayerKind::Add, &["clip", "sig"]),
        spec("avg", LayerKind::AvgPool2d(Pool2d::new((3, 3), (2, 2), (1, 1)).with_count_include_pad(true)), &[]),
        spec("relu", LayerKind::Relu, &[]),
        spec("gap", LayerKind::GlobalAvgPool, &[]),
        spec("rs", LayerKind::Reshape { shape: vec![-1] }, &[]),
        spec("drop", LayerKind::Dropout { p: 0.1 }, &[]),
        spec("fc", linear(rng, 6, 8), &[]),
        spec("rs2", LayerKind::Reshape { shape: vec![3, 2, -1] }, &[]),
        spec("rs3", LayerKind::Reshape { shape: vec![6] }, &[]),
    ];
    Model::graph(InputSpec::plain(3, 4, 4), None, layers).unwrap()
}
