//! The training checks, shared by `training.rs` (host and node) and `training_browser.rs`
//! (headless Chrome and Firefox).
use crate::common::{Rng, RngExt};
use convlens::architecture::Architecture;
use convlens::data::Dataset;
use convlens::layers::LayerKind;
use convlens::train::options::TrainOptions;
use convlens::train::{evaluate, Trainer};

pub fn arch(input: &str, layers: &str) -> Architecture {
    Architecture::from_json(&format!(r#"{{"input": {input}, "layers": [{layers}]}}"#)).unwrap()
}

fn opts(json: &str) -> TrainOptions {
    TrainOptions::from_json(json).unwrap()
}

fn labels(n: usize, k: usize) -> Vec<f64> {
    (0..n).map(|i| (i % k) as f64).collect()
}

/// Every parameter's flat values, layer by layer (weight then bias).
fn params(t: &Trainer) -> Vec<f32> {
    let mut v = Vec::new();
    for l in &t.model().layers {
        if let Some((w, _, b)) = l.parameters() {
            v.extend_from_slice(w);
            v.extend_from_slice(b.unwrap_or(&[]));
        }
    }
    v
}

/// A small network with every trainable layer type and the training-mode layers.
const EVERY_LAYER: &str = r#"
    {"name": "c1", "type": "conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1},
    {"name": "bn1", "type": "batchnorm2d"},
    {"name": "r1", "type": "relu"},
    {"name": "dw", "type": "conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1, "groups": 4},
    {"name": "bn2", "type": "batchnorm2d"},
    {"name": "sum", "type": "add", "inputs": ["bn2", "r1"]},
    {"name": "g", "type": "conv2d", "out_channels": 6, "kernel_size": 1, "groups": 2},
    {"name": "s", "type": "sigmoid"},
    {"name": "p", "type": "avgpool2d", "kernel_size": 2},
    {"name": "d", "type": "dropout", "p": 0.25},
    {"name": "f", "type": "flatten"},
    {"name": "fc", "type": "linear", "out_features": 5},
    {"name": "sm", "type": "softmax"}"#;

pub fn every_parameter_gradient_matches_finite_differences_in_training_mode() {
    let a = arch(r#"{"channels": 2, "height": 6, "width": 6, "mean": [0.5, 0.4], "std": [0.25, 0.3]}"#, EVERY_LAYER);
    let mut t = Trainer::from_architecture(&a, &opts(r#"{"seed": 3}"#)).unwrap();
    let mut rng = Rng::new(11);
    let n = 5;
    t.set_data(rng.spaced(n * 72), &labels(n, 5), n).unwrap();
    let idx: Vec<usize> = (0..n).collect();
    let (_, grads) = t.batch_gradients(&idx).unwrap();
    let (mut checked, mut worst, mut kinks) = (0, 0f64, 0);
    let scale = grads.0.iter().flatten().flat_map(|g| g.weight.iter()).fold(0f32, |a, v| a.max(v.abs())) as f64;
    assert!(scale > 1e-3, "gradients vanish: {scale}");
    for layer in 0..t.model().layers.len() {
        let Some(g) = grads.0[layer].clone() else { continue };
        let (nw, nb) = (g.weight.len(), g.bias.as_ref().map_or(0, |b| b.len()));
        for k in (0..nw + nb).step_by(((nw + nb) / 6).max(1)) {
            let analytic = if k < nw { g.weight[k] } else { g.bias.as_ref().unwrap()[k - nw] } as f64;
            let at = |t: &mut Trainer, delta: f32| {
                let (w, b) = t.params_mut(layer).unwrap();
                if k < nw {
                    w[k] += delta
                } else {
                    b.unwrap()[k - nw] += delta
                }
            };
            // Central differences; near a relu or max-pool kink the difference is off by at most
            // |f(+eps) - 2 f(0) + f(-eps)| / (2 eps), which widens the tolerance by exactly that.
            let eps = 1e-3f32;
            let zero = t.batch_gradients(&idx).unwrap().0 as f64;
            at(&mut t, eps);
            let plus = t.batch_gradients(&idx).unwrap().0 as f64;
            at(&mut t, -2.0 * eps);
            let minus = t.batch_gradients(&idx).unwrap().0 as f64;
            at(&mut t, eps);
            let numeric = (plus - minus) / (2.0 * eps as f64);
            let kink = (plus - 2.0 * zero + minus).abs() / (2.0 * eps as f64);
            let err = (analytic - numeric).abs();
            let name = &t.model().layers[layer].name;
            assert!(
                err <= 2e-2 * numeric.abs() + 2e-3 * scale + kink,
                "{name}[{k}]: backward {analytic}, finite differences {numeric} (kink allowance {kink})"
            );
            kinks += (kink > 1e-2 * scale) as usize;
            worst = worst.max(err);
            checked += 1;
        }
    }
    assert!(checked >= 40, "{checked} parameters checked");
    assert!(kinks * 5 <= checked, "{kinks} of {checked} points sit at kinks: the check would prove little");
}

pub fn batchnorm_normalizes_with_batch_statistics_and_updates_running_ones() {
    // conv -> batchnorm -> flatten -> linear: the loss of one step and the running statistics
    // after it, computed here in f64 from the conv's outputs.
    let a = arch(
        r#"{"channels": 1, "height": 4, "width": 4}"#,
        r#"{"name": "c", "type": "conv2d", "out_channels": 2, "kernel_size": 3},
           {"name": "bn", "type": "batchnorm2d", "eps": 0.001},
           {"name": "f", "type": "flatten"},
           {"name": "fc", "type": "linear", "out_features": 3}"#,
    );
    let n = 4;
    let mut t =
        Trainer::from_architecture(&a, &opts(r#"{"seed": 5, "batchSize": 4, "shuffle": false, "optimizer": "sgd"}"#))
            .unwrap();
    let x = Rng::new(2).scaled(n * 16, 1.0);
    let y = labels(n, 3);
    t.set_data(x.clone(), &y, n).unwrap();
    let before = t.model().clone();
    let report = t.step(1).unwrap();
    // The conv's outputs: 2 channels of 2x2 per example.
    let conv: Vec<Vec<f32>> =
        (0..n).map(|i| before.forward(&x[i * 16..][..16]).unwrap().outputs[0].iter().copied().collect()).collect();
    let (mut mean, mut var) = ([0f64; 2], [0f64; 2]);
    for ch in 0..2 {
        let v: Vec<f64> = conv.iter().flat_map(|c| c[ch * 4..][..4].iter().map(|&v| v as f64)).collect();
        mean[ch] = v.iter().sum::<f64>() / 16.0;
        var[ch] = v.iter().map(|x| (x - mean[ch]).powi(2)).sum::<f64>() / 16.0;
    }
    let LayerKind::Linear(fc) = &before.layers[3].kind else { panic!() };
    let mut loss = 0f64;
    for (i, c) in conv.iter().enumerate() {
        let z: Vec<f64> = (0..3)
            .map(|o| {
                let dot: f64 = (0..8)
                    .map(|j| {
                        let ch = j / 4;
                        // gamma 1, beta 0 at initialization.
                        let xhat = (c[j] as f64 - mean[ch]) / (var[ch] + 1e-3).sqrt();
                        fc.weight[[o, j]] as f64 * xhat
                    })
                    .sum();
                dot + fc.bias.as_ref().unwrap()[o] as f64
            })
            .collect();
        let lse = z.iter().map(|v| v.exp()).sum::<f64>().ln();
        loss += lse - z[y[i] as usize];
    }
    loss /= n as f64;
    assert!((report.loss - loss).abs() < 1e-5 * loss.max(1.0), "step loss {} vs by hand {loss}", report.loss);
    let LayerKind::BatchNorm2d(bn) = &t.model().layers[1].kind else { panic!() };
    for ch in 0..2 {
        let want_mean = 0.1 * mean[ch];
        let want_var = 0.9 + 0.1 * var[ch] * 16.0 / 15.0;
        assert!(
            (bn.running_mean[ch] as f64 - want_mean).abs() < 1e-6,
            "running mean {} vs {want_mean}",
            bn.running_mean[ch]
        );
        assert!(
            (bn.running_var[ch] as f64 - want_var).abs() < 1e-5,
            "running var {} vs {want_var}",
            bn.running_var[ch]
        );
    }
    // Inference mode (evaluate) uses the running statistics: its loss differs from training's.
    let e = t.evaluate(x, &y, n).unwrap();
    assert!(e.loss.is_finite() && (e.loss - report.loss).abs() > 1e-4);
}

/// flatten -> linear 2 -> 2 classes on a 1x1x2 input, with the given weights, as a model file.
fn tiny(w: [f32; 4], b: [f32; 2]) -> convlens::Model {
    let a = arch(
        r#"{"channels": 2, "height": 1, "width": 1}"#,
        r#"{"name": "f", "type": "flatten"}, {"name": "fc", "type": "linear", "out_features": 2}"#,
    );
    let mut m = convlens::train::init::initialized(&a, 0).unwrap();
    let (pw, pb) = m.layers[1].params_mut().unwrap();
    pw.copy_from_slice(&w);
    pb.unwrap().copy_from_slice(&b);
    m
}

/// The mean cross-entropy gradient of the tiny model by hand (f64): (dW row-major, db).
fn tiny_grad(w: &[f64; 4], b: &[f64; 2], xs: &[[f64; 2]], ys: &[usize]) -> ([f64; 4], [f64; 2]) {
    let (mut gw, mut gb) = ([0.0; 4], [0.0; 2]);
    for (x, &y) in xs.iter().zip(ys) {
        let z = [w[0] * x[0] + w[1] * x[1] + b[0], w[2] * x[0] + w[3] * x[1] + b[1]];
        let s = z[0].exp() + z[1].exp();
        for o in 0..2 {
            let d = (z[o].exp() / s - if o == y { 1.0 } else { 0.0 }) / xs.len() as f64;
            gb[o] += d;
            gw[2 * o] += d * x[0];
            gw[2 * o + 1] += d * x[1];
        }
    }
    (gw, gb)
}

fn flat(t: &Trainer) -> Vec<f64> {
    params(t).iter().map(|&v| v as f64).collect()
}

pub fn sgd_with_momentum_and_weight_decay_matches_pytorch_by_hand() {
    let (w0, b0) = ([0.5f32, -0.25, 0.125, 0.75], [0.1f32, -0.2]);
    let xs = [[0.2, 0.9], [0.7, 0.1], [0.4, 0.4]];
    let ys = [1usize, 0, 1];
    let o = opts(
        r#"{"optimizer": "sgd", "learningRate": 0.5, "momentum": 0.9, "weightDecay": 0.01, "batchSize": 3, "shuffle": false}"#,
    );
    let mut t = Trainer::from_model(tiny(w0, b0), &o).unwrap();
    let input: Vec<f32> = xs.iter().flatten().map(|&v| v as f32).collect();
    t.set_data(input, &ys.map(|y| y as f64), 3).unwrap();
    // PyTorch's SGD: d = g + wd * p; buf = d (first step), else 0.9 * buf + d; p -= lr * buf.
    let mut p: Vec<f64> = w0.iter().chain(&b0).map(|&v| v as f64).collect();
    let mut buf = [0.0; 6];
    for step in 0..3 {
        let (gw, gb) = tiny_grad(&[p[0], p[1], p[2], p[3]], &[p[4], p[5]], &xs, &ys);
        let g: Vec<f64> = gw.iter().chain(&gb).copied().collect();
        for j in 0..6 {
            let d = g[j] + 0.01 * p[j];
            buf[j] = if step == 0 { d } else { 0.9 * buf[j] + d };
            p[j] -= 0.5 * buf[j];
        }
        let r = t.step(1).unwrap();
        assert_eq!((r.steps, r.epoch), (step + 1, step + 1));
        for (got, want) in flat(&t).iter().zip(&p) {
            assert!((got - want).abs() < 1e-5, "step {}: {:?} vs {p:?}", step + 1, flat(&t));
        }
    }
}

pub fn adam_first_steps_match_pytorch_by_hand() {
    let (w0, b0) = ([0.3f32, -0.6, 0.2, 0.1], [0.0f32, 0.05]);
    let xs = [[1.0, 0.0], [0.3, 0.8]];
    let ys = [0usize, 1];
    let o = opts(r#"{"learningRate": 0.01, "weightDecay": 0.1, "batchSize": 2, "shuffle": false}"#);
    let mut t = Trainer::from_model(tiny(w0, b0), &o).unwrap();
    t.set_data(xs.iter().flatten().map(|&v| v as f32).collect(), &ys.map(|y| y as f64), 2).unwrap();
    let mut p: Vec<f64> = w0.iter().chain(&b0).map(|&v| v as f64).collect();
    let (mut m, mut v) = ([0.0; 6], [0.0; 6]);
    for step in 1..=4 {
        let (gw, gb) = tiny_grad(&[p[0], p[1], p[2], p[3]], &[p[4], p[5]], &xs, &ys);
        let g: Vec<f64> = gw.iter().chain(&gb).copied().collect();
        for j in 0..6 {
            let d = g[j] + 0.1 * p[j];
            m[j] = 0.9 * m[j] + 0.1 * d;
            v[j] = 0.999 * v[j] + 0.001 * d * d;
            let (bc1, bc2) = (1.0 - 0.9f64.powi(step), 1.0 - 0.999f64.powi(step));
            p[j] -= 0.01 / bc1 * m[j] / (v[j].sqrt() / bc2.sqrt() + 1e-8);
        }
        t.step(1).unwrap();
        for (got, want) in flat(&t).iter().zip(&p) {
            assert!((got - want).abs() < 1e-6, "step {step}: {:?} vs {p:?}", flat(&t));
        }
    }
}

pub fn a_seed_determines_the_run_and_passes_cut_the_data_as_pytorch_does() {
    let a = arch(r#"{"channels": 2, "height": 6, "width": 6}"#, EVERY_LAYER);
    let mut rng = Rng::new(4);
    let n = 10;
    let (x, y) = (rng.spaced(n * 72), labels(n, 5));
    let run = |seed: u64| {
        let mut t = Trainer::from_architecture(&a, &opts(&format!(r#"{{"seed": {seed}, "batchSize": 4}}"#))).unwrap();
        t.set_data(x.clone(), &y, n).unwrap();
        // 10 examples in batches of 4: 4, 4, 2 (the last batch of a pass is shorter), then again.
        let reports: Vec<_> = (0..4).map(|_| t.step(1).unwrap()).collect();
        (params(&t), reports)
    };
    let (p1, r1) = run(7);
    let (p2, r2) = run(7);
    assert_eq!(p1, p2);
    assert_eq!(r1, r2);
    assert_eq!(r1.iter().map(|r| (r.steps, r.epoch)).collect::<Vec<_>>(), [(1, 0), (2, 0), (3, 1), (4, 1)]);
    assert!(r1[2].accuracy * 2.0 == (r1[2].accuracy * 2.0).round(), "a batch of two examples");
    let (p3, _) = run(8);
    assert_ne!(p1, p3);
}

pub fn bad_input_is_an_error_naming_what_is_wrong() {
    let ok = arch(
        r#"{"channels": 1, "height": 4, "width": 4}"#,
        r#"{"name": "f", "type": "flatten"}, {"name": "fc", "type": "linear", "out_features": 3}, {"name": "sm", "type": "softmax"}"#,
    );
    let mut t = Trainer::from_architecture(&ok, &TrainOptions::default()).unwrap();
    let err = |r: convlens::Result<()>| r.unwrap_err().0;
    assert!(err(t.set_data(vec![0.5; 32], &[0.0, 3.0], 2)).contains("labels[1] is 3"));
    assert!(err(t.set_data(vec![0.5; 32], &[0.0, 1.5], 2)).contains("labels[1] is 1.5"));
    assert!(err(t.set_data(vec![0.5; 31], &[0.0, 1.0], 2)).contains("images has 31 values"));
    assert!(err(t.set_data(vec![0.5; 32], &[0.0], 2)).contains("labels has 1 entries"));
    assert!(t.step(1).unwrap_err().0.contains("setData"));
    assert!(err(t.set_options(&opts(r#"{"batchSize": 0}"#))).starts_with("batchSize"));
    let refused = |layers: &str| {
        let a = arch(r#"{"channels": 1, "height": 4, "width": 4}"#, layers);
        Trainer::from_architecture(&a, &TrainOptions::default()).err().unwrap().0
    };
    let e = refused(r#"{"name": "c", "type": "conv2d", "out_channels": 2, "kernel_size": 5}"#);
    assert!(e.starts_with("layer 0 'c' (conv2d)"), "{e}");
    let e = refused(r#"{"name": "c", "type": "conv2d", "out_channels": 2, "kernel_size": 3}"#);
    assert!(e.contains("class scores") && e.contains("'c'"), "{e}");
}

pub fn a_diverging_run_stops_and_keeps_the_last_finite_weights() {
    let a = arch(
        r#"{"channels": 1, "height": 4, "width": 4}"#,
        r#"{"name": "f", "type": "flatten"}, {"name": "fc", "type": "linear", "out_features": 3}"#,
    );
    let mut t = Trainer::from_architecture(
        &a,
        &opts(r#"{"optimizer": "sgd", "learningRate": 1e38, "weightDecay": 1, "batchSize": 2}"#),
    )
    .unwrap();
    t.set_data(Rng::new(1).scaled(4 * 16, 1.0), &labels(4, 3), 4).unwrap();
    let mut last_good = params(&t);
    let mut error = None;
    for _ in 0..20 {
        match t.step(1) {
            Ok(_) => last_good = params(&t),
            Err(e) => {
                error = Some(e.0);
                break;
            }
        }
    }
    let e = error.expect("a learning rate of 1e38 with weight decay 1 diverges");
    assert!(e.contains("training diverged"), "{e}");
    assert_eq!(params(&t), last_good);
    assert!(params(&t).iter().all(|v| v.is_finite()));
    // The trainer goes on with a sane learning rate.
    t.set_options(&opts(r#"{"learningRate": 0.01}"#)).unwrap();
    assert!(t.step(1).is_ok() || params(&t).iter().all(|v| v.is_finite()));
}

/// The 1,000 MNIST training images (100 per class) and the first 500 test images.
fn mnist_samples() -> (Dataset, Dataset) {
    let train = Dataset::from_idx(
        include_bytes!("../data/digits-train1000-images.idx"),
        include_bytes!("../data/digits-train1000-labels.idx"),
    );
    let test = Dataset::from_idx(
        include_bytes!("../data/digits-test500-images.idx"),
        include_bytes!("../data/digits-test500-labels.idx"),
    );
    (train.unwrap(), test.unwrap())
}

pub fn the_digits_architecture_learns_mnist_in_a_fixed_number_of_steps() {
    let (train, test) = mnist_samples();
    let digits = convlens::models::builtin("digits").unwrap();
    let a = convlens::architecture::architecture(&digits);
    let mut t = Trainer::from_architecture(&a, &opts(r#"{"seed": 1}"#)).unwrap();
    t.set_data(train.inputs(), &train.label_values(), train.len()).unwrap();
    let before = t.evaluate(test.inputs(), &test.label_values(), test.len()).unwrap();
    assert!(before.accuracy < 0.3, "untrained: {}", before.accuracy);
    let r = t.step(150).unwrap();
    assert_eq!((r.steps, r.epoch), (150, 9)); // 1000 examples: 16 batches a pass
    let after = evaluate(t.model(), test.inputs(), &test.label_values(), test.len()).unwrap();
    assert!(after.accuracy >= 0.9, "after 150 steps: {} on the 500 test images", after.accuracy);
    assert_eq!(after.confusion.iter().sum::<u32>(), 500);
    let diagonal: u32 = (0..10).map(|i| after.confusion[i * 11]).sum();
    assert_eq!(diagonal as f64 / 500.0, after.accuracy);
    // The model file round-trips: same outputs, labels and normalization.
    let bytes = convlens::format::save(t.model()).unwrap();
    let back = convlens::load::load_any(&bytes).unwrap();
    assert_eq!(back.labels, t.model().labels);
    assert_eq!(back.input, t.model().input);
    let x = test.image(3);
    assert_eq!(back.forward(&x).unwrap().output(), t.model().forward(&x).unwrap().output());
}

/// An ONNX file (the LeNet-like reference model: conv, relu, max pooling, flatten, dropout, Gemm,
/// softmax) trains on from its weights: `Trainer.fromBytes`'s path; and one with batchnorm
/// (conv, BatchNormalization, relu, pool, Gemm) fits a small fixed set in training mode.
pub fn onnx_models_train_on_from_their_weights() {
    let (train, test) = mnist_samples();
    let lenet = convlens::load::load_any(include_bytes!("../data/onnx-ref/lenet.onnx")).unwrap();
    let mut t = Trainer::from_model(lenet, &opts(r#"{"seed": 2, "batchSize": 50}"#)).unwrap();
    t.set_data(train.inputs(), &train.label_values(), train.len()).unwrap();
    t.step(100).unwrap();
    let e = t.evaluate(test.inputs(), &test.label_values(), test.len()).unwrap();
    assert!(e.accuracy >= 0.7, "lenet.onnx after 100 steps (from its reference weights): {}", e.accuracy);
    let back = convlens::load::load_any(&convlens::format::save(t.model()).unwrap()).unwrap();
    assert_eq!(evaluate(&back, test.inputs(), &test.label_values(), test.len()).unwrap().accuracy, e.accuracy);

    let m = convlens::load::load_any(include_bytes!("../data/onnx-ref/conv_bn_relu.onnx")).unwrap();
    let n = 16;
    let x = Rng::new(9).scaled(n * m.input.len(), 1.0);
    let y = labels(n, 10);
    let mut t = Trainer::from_model(m, &opts(r#"{"batchSize": 8, "learningRate": 0.01}"#)).unwrap();
    t.set_data(x.clone(), &y, n).unwrap();
    let first = t.step(2).unwrap().loss;
    t.step(60).unwrap();
    let last = t.evaluate(x, &y, n).unwrap();
    assert!(
        last.loss < 0.5 * first && last.accuracy >= 0.9,
        "conv_bn_relu.onnx: loss {first} -> {}, accuracy {}",
        last.loss,
        last.accuracy
    );
}

/// Declares one test per check above, for the host and node file and the browser file.
#[macro_export]
macro_rules! training_tests {
    () => {
        #[wasm_bindgen_test::wasm_bindgen_test(unsupported = test)]
        fn onnx_models_train_on_from_their_weights() {
            training_checks::onnx_models_train_on_from_their_weights();
        }
        #[wasm_bindgen_test::wasm_bindgen_test(unsupported = test)]
        fn every_parameter_gradient_matches_finite_differences_in_training_mode() {
            training_checks::every_parameter_gradient_matches_finite_differences_in_training_mode();
        }
        #[wasm_bindgen_test::wasm_bindgen_test(unsupported = test)]
        fn batchnorm_normalizes_with_batch_statistics_and_updates_running_ones() {
            training_checks::batchnorm_normalizes_with_batch_statistics_and_updates_running_ones();
        }
        #[wasm_bindgen_test::wasm_bindgen_test(unsupported = test)]
        fn sgd_with_momentum_and_weight_decay_matches_pytorch_by_hand() {
            training_checks::sgd_with_momentum_and_weight_decay_matches_pytorch_by_hand();
        }
        #[wasm_bindgen_test::wasm_bindgen_test(unsupported = test)]
        fn adam_first_steps_match_pytorch_by_hand() {
            training_checks::adam_first_steps_match_pytorch_by_hand();
        }
        #[wasm_bindgen_test::wasm_bindgen_test(unsupported = test)]
        fn a_seed_determines_the_run_and_passes_cut_the_data_as_pytorch_does() {
            training_checks::a_seed_determines_the_run_and_passes_cut_the_data_as_pytorch_does();
        }
        #[wasm_bindgen_test::wasm_bindgen_test(unsupported = test)]
        fn bad_input_is_an_error_naming_what_is_wrong() {
            training_checks::bad_input_is_an_error_naming_what_is_wrong();
        }
        #[wasm_bindgen_test::wasm_bindgen_test(unsupported = test)]
        fn a_diverging_run_stops_and_keeps_the_last_finite_weights() {
            training_checks::a_diverging_run_stops_and_keeps_the_last_finite_weights();
        }
        #[wasm_bindgen_test::wasm_bindgen_test(unsupported = test)]
        fn the_digits_architecture_learns_mnist_in_a_fixed_number_of_steps() {
            training_checks::the_digits_architecture_learns_mnist_in_a_fixed_number_of_steps();
        }
    };
}
