//! Shared test support: a seeded PRNG and small model builders. Compiled into several test
//! binaries, so not every helper is used by each.
#![allow(dead_code)]

use convlens::layers::{Conv2d, LayerKind, Pool2d};
use convlens::{InputSpec, Model};
use ndarray::{Array1, Array2, Array4};

pub use convlens::rng::Rng;

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
    use convlens::LayerSpec;
    let spec = |name: &str, kind: LayerKind, inputs: Option<&[&str]>| LayerSpec {
        name: name.into(),
        kind,
        inputs: inputs.map(|i| i.iter().map(|s| s.to_string()).collect()),
    };
    let layers = vec![
        spec("a", conv(rng, 3, 2, (3, 3), 1, 1, 1), None),
        spec("a_relu", LayerKind::Relu, None),
        spec("b", conv(rng, 3, 3, (3, 3), 1, 1, 1), None),
        spec("res", LayerKind::Add, Some(&["a_relu", "b"])),
        spec("side", conv(rng, 2, 2, (1, 1), 1, 0, 1), Some(&["input"])),
        spec("c", conv(rng, 2, 2, (1, 1), 1, 0, 1), Some(&["input"])),
        spec("cat", LayerKind::Concat, Some(&["res", "c"])),
        spec("pool", maxpool(2, 2, 0), None),
        spec("flat", LayerKind::Flatten, None),
        spec("fc", linear(rng, 4, 5 * 3 * 3), None),
    ];
    let mut input = InputSpec::plain(2, 6, 7);
    input.mean = vec![0.2, 0.1];
    input.std = vec![0.5, 0.8];
    Model::graph(input, None, layers).unwrap()
}
