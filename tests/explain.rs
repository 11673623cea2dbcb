//! Activation maximization, attributions and statistics: checked against finite differences,
//! hand-computed cases and the shipped digits model. Host and wasm (node).

mod common;
mod samples;

use common::*;
use convlens::explain::options::{MaximizeArgs, MaximizeDefaults};
use convlens::explain::{
    attribute, statistics, AttributeOptions, Init, MaximizeOptions, Maximizer, Method, ParamKind, Target,
};
use convlens::layers::{Conv2d, LayerKind, Linear};
use convlens::{InputSpec, Model};
use ndarray::{Array1, Array2, Array4};
use std::rc::Rc;
use wasm_bindgen_test::wasm_bindgen_test;

fn opts(method: Method) -> AttributeOptions {
    AttributeOptions { method, target: Some(2), ..Default::default() }
}

/// Central-difference gradient of the class-2 logit (the input of the final softmax).
fn fd_gradient(model: &Model, x: &[f32]) -> Vec<f64> {
    let target = Target::class(model, 2).unwrap();
    let score = |x: &[f32]| target.value(&model.forward(x).unwrap()) as f64;
    (0..x.len())
        .map(|i| {
            let (mut p, mut m) = (x.to_vec(), x.to_vec());
            p[i] += 1e-3;
            m[i] -= 1e-3;
            (score(&p) - score(&m)) / 2e-3
        })
        .collect()
}

fn close(a: &[f32], b: &[f64], what: &str) {
    let scale = b.iter().map(|v| v.abs()).fold(0.0, f64::max);
    assert!(scale > 1e-3, "{what}: vanishing reference");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!((*x as f64 - y).abs() <= 2e-2 * scale + 2e-2 * y.abs(), "{what}[{i}]: {x} vs {y}");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn gradient_methods_match_finite_differences() {
    let mut rng = Rng::new(31);
    let model = every_layer_model(&mut rng, 2);
    let x = rng.spaced(2 * 9 * 11);
    let fd = fd_gradient(&model, &x);
    let plane = 9 * 11;
    close(&attribute(&model, &x, &opts(Method::Gradient)).unwrap(), &fd, "gradient");
    let sal: Vec<f64> = (0..plane).map(|p| fd[p].abs().max(fd[plane + p].abs())).collect();
    close(&attribute(&model, &x, &opts(Method::Saliency)).unwrap(), &sal, "saliency");
    let gxi: Vec<f64> = (0..plane).map(|p| fd[p] * x[p] as f64 + fd[plane + p] * x[plane + p] as f64).collect();
    close(&attribute(&model, &x, &opts(Method::GradXInput)).unwrap(), &gxi, "gradxinput");
    // SmoothGrad with zero noise is the saliency; with noise it is seeded.
    let o = AttributeOptions { samples: 3, sigma: 0.0, ..opts(Method::SmoothGrad) };
    close(&attribute(&model, &x, &o).unwrap(), &sal, "smoothgrad, sigma 0");
    let o = AttributeOptions { samples: 4, sigma: 0.2, seed: 5, ..opts(Method::SmoothGrad) };
    assert_eq!(attribute(&model, &x, &o).unwrap(), attribute(&model, &x, &o).unwrap());
    assert_ne!(
        attribute(&model, &x, &o).unwrap(),
        attribute(&model, &x, &AttributeOptions { seed: 6, ..o.clone() }).unwrap()
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn integrated_gradients_are_complete_on_the_digits_model() {
    let model = convlens::models::builtin("digits").unwrap();
    let set = samples::test500("digits");
    for i in [0, 1, 2, 7] {
        let x = set.image(i);
        let class = set.labels[i] as usize;
        let o = AttributeOptions { method: Method::Integrated, target: Some(class), steps: 64, ..Default::default() };
        let ig: f32 = attribute(&model, &x, &o).unwrap().iter().sum();
        let t = Target::class(&model, class).unwrap();
        let diff = t.value(&model.forward(&x).unwrap()) - t.value(&model.forward(&vec![0.0; 784]).unwrap());
        assert!((ig - diff).abs() <= 0.02 * diff.abs(), "image {i}: IG total {ig} vs score difference {diff}");
    }
}

/// 1x3x3 input; conv 1x1 with two channels (weights 1 and -2, biases 0 and 1), relu, flatten,
/// linear to 2 classes, softmax. Grad-CAM at the relu layer, computed by hand from the formula.
#[wasm_bindgen_test(unsupported = test)]
fn grad_cam_equals_the_formula_on_a_hand_made_model() {
    let conv = Conv2d::new(
        Array4::from_shape_vec((2, 1, 1, 1), vec![1.0, -2.0]).unwrap(),
        Some(Array1::from(vec![0.0, 1.0])),
        (1, 1),
        (0, 0),
        (1, 1),
    );
    let lin_w: Vec<f32> = (0..36).map(|i| ((i * 5) % 7) as f32 - 3.0).collect();
    let linear = Linear::new(Array2::from_shape_vec((2, 18), lin_w.clone()).unwrap(), None);
    let layers = vec![
        ("conv".to_string(), LayerKind::Conv2d(conv)),
        ("relu".to_string(), LayerKind::Relu),
        ("flat".to_string(), LayerKind::Flatten),
        ("fc".to_string(), LayerKind::Linear(linear)),
        ("prob".to_string(), LayerKind::Softmax),
    ];
    let model = Model::new(InputSpec::plain(1, 3, 3), None, layers).unwrap();
    let x: [f32; 9] = [0.1, 0.9, 0.3, 0.0, 0.5, 0.7, 0.2, 0.8, 0.4];
    // A after relu: channel 0 = x, channel 1 = relu(1 - 2x).
    let a: Vec<f32> = x.iter().copied().chain(x.iter().map(|v| (1.0 - 2.0 * v).max(0.0))).collect();
    // d(logit 1)/dA = row 1 of the linear weights; weight_c = its mean over channel c's 9 cells.
    let row = &lin_w[18..36];
    let w0 = row[..9].iter().sum::<f32>() / 9.0;
    let w1 = row[9..].iter().sum::<f32>() / 9.0;
    let want: Vec<f32> = (0..9).map(|p| (w0 * a[p] + w1 * a[9 + p]).max(0.0)).collect();
    let o = AttributeOptions { method: Method::GradCam, target: Some(1), layer: Some(1), ..Default::default() };
    let got = attribute(&model, &x, &o).unwrap();
    for (g, w) in got.iter().zip(&want) {
        assert!((g - w).abs() < 1e-5, "{got:?} vs {want:?}");
    }
    assert!(want.iter().any(|v| *v > 0.0) && want.contains(&0.0), "the case exercises the ReLU");
    // Default layer: the last conv layer. A vector layer is refused.
    assert!(attribute(&model, &x, &AttributeOptions { layer: None, ..o.clone() }).is_ok());
    assert!(attribute(&model, &x, &AttributeOptions { layer: Some(3), ..o }).is_err());
}

#[wasm_bindgen_test(unsupported = test)]
fn a_channel_with_zero_weights_and_negative_bias_is_dead() {
    let mut w = vec![0.5f32; 3 * 9];
    w[9..18].fill(0.0); // channel 1: zero weights ...
    let conv = Conv2d::new(
        Array4::from_shape_vec((3, 1, 3, 3), w).unwrap(),
        Some(Array1::from(vec![0.1, -0.5, -0.2])),
        (1, 1),
        (1, 1),
        (1, 1),
    );
    let layers = vec![("conv".to_string(), LayerKind::Conv2d(conv)), ("relu".to_string(), LayerKind::Relu)];
    let model = Model::new(InputSpec::plain(1, 5, 5), None, layers).unwrap();
    let mut rng = Rng::new(4);
    let inputs: Vec<f32> = (0..12 * 25).map(|_| rng.unit()).collect();
    let stats = statistics(&model, &inputs, 12).unwrap();
    let relu = &stats[1].channels;
    assert!(!relu[0].dead && relu[1].dead && !relu[2].dead, "{relu:?}");
    assert_eq!(relu[1].active, 0.0);
    assert_eq!(relu[1].max, 0.0);
    assert!(relu[0].active > 0.9);
    // Top inputs: sorted by the channel's mean on each input, 9 of them.
    let means: Vec<f32> = (0..12).map(|k| inputs[k * 25..(k + 1) * 25].iter().sum::<f32>()).collect();
    let best = (0..12).max_by(|&a, &b| means[a].total_cmp(&means[b])).unwrap();
    assert_eq!(relu[0].top.len(), 9);
    assert_eq!(relu[0].top[0], best);
    assert!(statistics(&model, &inputs[..10], 12).is_err());
}

#[wasm_bindgen_test(unsupported = test)]
fn softmax_targets_are_logits_and_bad_targets_are_errors() {
    let model = convlens::models::builtin("digits").unwrap();
    let last = model.layers.len() - 1;
    assert_eq!(Target::new(&model, last, None, Some(3)).unwrap().layer, last - 1);
    // A conv channel is read after its relu; a conv unit before it.
    assert_eq!(Target::new(&model, 0, Some(2), None).unwrap().layer, 1);
    assert_eq!(Target::new(&model, 0, None, Some(2)).unwrap().layer, 0);
    assert_eq!(Target::new(&model, 2, Some(2), None).unwrap().layer, 2);
    assert!(Target::new(&model, last, None, Some(10)).is_err());
    assert!(Target::new(&model, 0, Some(8), None).is_err());
    assert!(Target::new(&model, 0, Some(1), Some(1)).is_err());
    assert!(Target::new(&model, 0, None, None).is_err());
    assert!(Target::new(&model, 99, Some(0), None).is_err());
}

/// The maximizing image of every channel of a conv layer of the digits model (default options).
fn channel_images(model: &Rc<Model>, layer: usize, channels: usize) -> Vec<Vec<f32>> {
    (0..channels)
        .map(|c| {
            let t = Target::new(model, layer, Some(c), None).unwrap();
            let mut m = Maximizer::new(Rc::clone(model), t, MaximizeOptions::default(), None).unwrap();
            m.step(MaximizeOptions::default().steps).unwrap();
            m.image().to_vec()
        })
        .collect()
}

#[wasm_bindgen_test(unsupported = test)]
fn maximizing_images_excite_their_own_channel_on_digits_conv1_and_conv2() {
    let model = Rc::new(convlens::models::builtin("digits").unwrap());
    // conv1 and conv2 (layers 0 and 3); their channels are read after the relu that follows.
    for (layer, channels) in [(0, 8), (3, 16)] {
        let images = channel_images(&model, layer, channels);
        let value = |c: usize, img: &[f32]| {
            Target::new(&model, layer, Some(c), None).unwrap().value(&model.forward(img).unwrap())
        };
        let mut own_best = 0;
        let mut raised = 0;
        for c in 0..channels {
            let own = value(c, &images[c]);
            let others = (0..channels).filter(|&o| o != c).map(|o| value(c, &images[o])).fold(f32::MIN, f32::max);
            own_best += (own > others) as usize;
            let zero = value(c, &vec![0.0; 784]);
            let noise_start = {
                let t = Target::new(&model, layer, Some(c), None).unwrap();
                Maximizer::new(Rc::clone(&model), t, MaximizeOptions::default(), None).unwrap().value().unwrap()
            };
            let base = if zero > 0.0 { zero } else { noise_start };
            let ok = if base > 0.0 { own >= 5.0 * base } else { own > 0.0 && own - base >= 5.0 * base.abs().max(1e-3) };
            raised += ok as usize;
            if std::env::var("SHOW_MAX").is_ok() {
                println!(
                    "layer {layer} ch {c}: own {own:.3} best other {others:.3} zero {zero:.3} noise {noise_start:.3}"
                );
            }
        }
        assert!(
            own_best * 5 >= channels * 4,
            "layer {layer}: {own_best}/{channels} channels excited most by their own image"
        );
        assert!(raised * 5 >= channels * 4, "layer {layer}: {raised}/{channels} channels raised 5x");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn maximization_is_deterministic_for_a_seed_and_stays_in_range() {
    let model = Rc::new(convlens::models::builtin("digits").unwrap());
    let run = |seed| {
        let t = Target::new(&model, 8, None, Some(3)).unwrap();
        let o = MaximizeOptions { seed, steps: 20, jitter: 2, ..Default::default() };
        let mut m = Maximizer::new(Rc::clone(&model), t, o, None).unwrap();
        let v0 = m.value().unwrap();
        let v = m.step(20).unwrap();
        assert!(v > v0, "the class-3 logit rises: {v0} -> {v}");
        m.image().to_vec()
    };
    let a = run(1);
    assert_eq!(a, run(1));
    assert_ne!(a, run(2));
    assert!(a.iter().all(|v| (0.0..=1.0).contains(v)));
}

/// A small colour model: 3 x h x w, conv 3x3 (6) relu, max pool 2, conv 3x3 (5) relu, flatten,
/// linear to 4 classes.
fn colour_model(rng: &mut Rng, h: usize, w: usize) -> Model {
    let layers = vec![
        conv(rng, 6, 3, (3, 3), 1, 1, 1),
        LayerKind::Relu,
        maxpool(2, 2, 0),
        conv(rng, 5, 6, (3, 3), 1, 1, 1),
        LayerKind::Relu,
        LayerKind::Flatten,
        linear(rng, 4, 5 * (h / 2) * (w / 2)),
    ];
    let mut input = InputSpec::plain(3, h, w);
    input.mean = vec![0.485, 0.456, 0.406];
    input.std = vec![0.229, 0.224, 0.225];
    Model::new(input, None, named(layers)).unwrap()
}

/// Every parameterization (pixels or Fourier, with or without colour decorrelation), through
/// jitter, rescaling, rotation and padding, L2 and TV: the gradient of the regularized objective
/// with respect to the optimized numbers matches central differences.
#[wasm_bindgen_test(unsupported = test)]
fn gradients_through_parameterization_and_transforms_match_finite_differences() {
    use convlens::explain::transform::Draw;
    let mut rng = Rng::new(41);
    let model = Rc::new(colour_model(&mut rng, 10, 11));
    let draw = Draw { dy: 1, dx: -2, scale: 1.15, angle: 0.3 };
    for (param, decorrelate) in
        [(ParamKind::Fourier, true), (ParamKind::Fourier, false), (ParamKind::Pixel, true), (ParamKind::Pixel, false)]
    {
        let opts = MaximizeOptions {
            param,
            decorrelate,
            jitter: 2,
            scale: (0.8, 1.2),
            rotate: 20.0,
            pad: 2,
            l2: 0.05,
            tv: 0.05,
            blur_every: 0,
            ..Default::default()
        };
        let what = format!("{param:?}, decorrelate {decorrelate}");
        for target in [Target::new(&model, 3, Some(2), None).unwrap(), Target::new(&model, 6, None, Some(1)).unwrap()] {
            let mut m = Maximizer::new(Rc::clone(&model), target, opts.clone(), None).unwrap();
            // numbers that make a varied image (plain pixels: inside [0, 1], away from its edges)
            let n = m.params().len();
            let start: Vec<f32> = match (param, decorrelate) {
                (ParamKind::Pixel, false) => rng.spaced(n).iter().map(|v| 0.1 + 0.8 * v).collect(),
                (ParamKind::Fourier, _) => rng.scaled(n, 2.0),
                _ => rng.scaled(n, 1.0),
            };
            m.set_params(&start);
            m.objective_and_gradient(&draw).unwrap();
            let grad = m.gradient().to_vec();
            // a step that moves the model's input by about 1e-3 (no relu or max-pool switches)
            let eps = if param == ParamKind::Pixel && !decorrelate { 1e-3 } else { 1e-2 };
            let fd: Vec<f64> = (0..n)
                .map(|i| {
                    let mut p = start.clone();
                    p[i] += eps;
                    m.set_params(&p);
                    let up = m.objective(&draw).unwrap() as f64;
                    p[i] -= 2.0 * eps;
                    m.set_params(&p);
                    let down = m.objective(&draw).unwrap() as f64;
                    (up - down) / (2.0 * eps as f64)
                })
                .collect();
            close(&grad, &fd, &what);
        }
    }
}

/// 3 x 32 x 32, a Fourier image in decorrelated colours with every transform: the objective
/// rises, the image stays in [0, 1], and a seed gives the same image every time.
#[wasm_bindgen_test(unsupported = test)]
fn fourier_maximization_rises_and_is_deterministic() {
    let model = Rc::new(colour_model(&mut Rng::new(9), 32, 32));
    let opts = |seed| MaximizeOptions {
        param: ParamKind::Fourier,
        decorrelate: true,
        jitter: 2,
        scale: (0.9, 1.1),
        rotate: 10.0,
        pad: 2,
        l2: 0.0,
        tv: 0.0,
        blur_every: 0,
        seed,
        ..Default::default()
    };
    let run = |seed| {
        let t = Target::new(&model, 3, Some(1), None).unwrap();
        let mut m = Maximizer::new(Rc::clone(&model), t, opts(seed), None).unwrap();
        let v0 = m.value().unwrap();
        let v = m.step(40).unwrap();
        assert!(v > v0 + 0.5 * v0.abs().max(0.1), "the channel's mean rises: {v0} -> {v}");
        m.image().to_vec()
    };
    let a = run(3);
    assert_eq!(a, run(3));
    assert_ne!(a, run(4));
    assert!(a.iter().all(|v| (0.0..=1.0).contains(v)));
    // the image is coloured: the channels differ
    let plane = 32 * 32;
    let diff: f32 = (0..plane).map(|i| (a[i] - a[2 * plane + i]).abs()).sum::<f32>() / plane as f32;
    assert!(diff > 1e-3, "red and blue differ by {diff} on average");
}

/// A 1x1 conv summing the three channels of a `3 x size x size` input plus `bias` (layer "conv"),
/// then the activation `act` (name, kind).
fn summing_conv_then(bias: f32, act: (&str, LayerKind), size: usize) -> Rc<Model> {
    let conv =
        Conv2d::new(Array4::from_elem((1, 3, 1, 1), 1.0), Some(Array1::from(vec![bias])), (1, 1), (0, 0), (1, 1));
    let layers = vec![("conv".to_string(), LayerKind::Conv2d(conv)), (act.0.to_string(), act.1)];
    Rc::new(Model::new(InputSpec::plain(3, size, size), None, layers).unwrap())
}

/// A channel that a flat grey image leaves at zero behind its relu (1x1 conv, weights 1, bias
/// -1.6: grey gives -0.1) still starts rising from the sigmoid parameterizations' noise.
#[wasm_bindgen_test(unsupported = test)]
fn a_channel_dead_on_flat_grey_still_starts() {
    let model = summing_conv_then(-1.6, ("relu", LayerKind::Relu), 64);
    assert_eq!(
        Target::new(&model, 0, Some(0), None).unwrap().value(&model.forward(&vec![0.5; 3 * 4096]).unwrap()),
        0.0
    );
    for param in [ParamKind::Fourier, ParamKind::Pixel] {
        let opts = MaximizeOptions { param, steps: 30, ..MaximizeOptions::for_input(&model.input) };
        let mut m =
            Maximizer::new(Rc::clone(&model), Target::new(&model, 0, Some(0), None).unwrap(), opts, None).unwrap();
        let v0 = m.value().unwrap();
        let v = m.step(30).unwrap();
        assert!(v0 > 0.0 && v > 10.0 * v0, "{param:?}: {v0} -> {v}");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn colour_models_of_64_px_and_more_default_to_lucids_recipe() {
    let d = MaximizeOptions::for_input(&InputSpec::plain(3, 224, 224));
    assert_eq!((d.param, d.decorrelate, d.jitter, d.scale, d.rotate), (ParamKind::Fourier, true, 14, (0.9, 1.1), 10.0));
    assert_eq!((d.l2, d.tv, d.blur_every), (0.0, 0.0, 0));
    assert_eq!(MaximizeOptions::for_input(&InputSpec::plain(3, 64, 80)).jitter, 4);
    for small in [InputSpec::plain(1, 28, 28), InputSpec::plain(3, 32, 32), InputSpec::plain(1, 224, 224)] {
        assert_eq!(MaximizeOptions::for_input(&small), MaximizeOptions::default());
    }
    // blur is for plain pixels; decorrelation for 3 channels
    let digits = Rc::new(convlens::models::builtin("digits").unwrap());
    let t = || Target::new(&digits, 0, Some(0), None).unwrap();
    let fourier = MaximizeOptions { param: ParamKind::Fourier, ..Default::default() };
    assert!(Maximizer::new(Rc::clone(&digits), t(), fourier.clone(), None).is_err());
    assert!(Maximizer::new(Rc::clone(&digits), t(), MaximizeOptions { blur_every: 0, ..fourier }, None).is_ok());
    let decorrelated = MaximizeOptions { decorrelate: true, blur_every: 0, ..Default::default() };
    assert!(Maximizer::new(Rc::clone(&digits), t(), decorrelated, None).is_err());
    assert!(
        Maximizer::new(Rc::clone(&digits), t(), MaximizeOptions { rotate: 200.0, ..Default::default() }, None).is_err()
    );
    assert!(Maximizer::new(Rc::clone(&digits), t(), MaximizeOptions { scale: (1.2, 1.1), ..Default::default() }, None)
        .is_err());
    // through the JS API's options: a Fourier image on a greyscale model gets no blur by default
    let args =
        |param: &str| MaximizeArgs { layer: 0, channel: Some(0), param: Some(param.into()), ..Default::default() };
    let (_, o) = args("fourier").resolve(&digits).unwrap();
    assert_eq!((o.param, o.decorrelate, o.blur_every, o.l2), (ParamKind::Fourier, false, 0, 1e-3));
    assert!(Maximizer::new(Rc::clone(&digits), t(), o, None).is_ok());
    assert_eq!(args("pixel").resolve(&digits).unwrap().1, MaximizeOptions::default());
    assert!(args("wavelet").resolve(&digits).is_err());
    // the defaults the page shows, with clean decimals
    let colour = colour_model(&mut Rng::new(2), 64, 64);
    let d = MaximizeDefaults::of(&colour);
    assert_eq!((d.param, d.decorrelate, d.scale, d.rotate, d.jitter), ("fourier", true, [0.9, 1.1], 10.0, 4));
    assert_eq!((d.learning_rate, d.blur_every), (0.05, 0));
    assert_eq!(MaximizeDefaults::of(&digits).param, "pixel");
}

/// Not a test: prints what a step costs beyond the model's own forward and backward pass at
/// 3 x 224 x 224 (a 1x1 conv model, so the model's share is small and measured separately).
/// `cargo test --release --test explain -- --ignored --nocapture step_overhead`
#[cfg(not(target_arch = "wasm32"))]
#[test]
#[ignore]
fn step_overhead_at_224() {
    use std::time::Instant;
    let mut rng = Rng::new(1);
    let layers = vec![conv(&mut rng, 2, 3, (1, 1), 1, 0, 1), LayerKind::Relu];
    let model = Rc::new(Model::new(InputSpec::plain(3, 224, 224), None, named(layers)).unwrap());
    let t = Target::new(&model, 0, Some(0), None).unwrap();
    let x = vec![0.5; 3 * 224 * 224];
    // CPU time of this thread where Linux tells it (/proc/thread-self/schedstat, in ns): a
    // shared, busy machine inflates wall time, not this. Else wall time.
    let cpu_ns = || -> Option<f64> {
        std::fs::read_to_string("/proc/thread-self/schedstat").ok()?.split_whitespace().next()?.parse().ok()
    };
    let start_clock = Instant::now();
    let now_ms = || cpu_ns().map_or_else(|| start_clock.elapsed().as_secs_f64() * 1e3, |ns| ns / 1e6);
    // the fastest of 5 runs of 300 ms or more (schedstat moves in scheduler ticks)
    let time = |f: &mut dyn FnMut()| {
        let t0 = Instant::now();
        f();
        let calls = (0.3 / t0.elapsed().as_secs_f64().max(1e-6)).ceil().max(10.0) as usize;
        (0..5)
            .map(|_| {
                let start = now_ms();
                for _ in 0..calls {
                    f();
                }
                (now_ms() - start) / calls as f64
            })
            .fold(f64::INFINITY, f64::min)
    };
    let model_ms = time(&mut || {
        t.value_and_gradient(&model, &x).unwrap();
    });
    let plain = MaximizeOptions { l2: 0.0, tv: 0.0, blur_every: 0, ..Default::default() };
    let lucid = MaximizeOptions::for_input(&model.input);
    for (name, o) in [("pixel, jitter 1", plain), ("fourier + decorrelate + jitter/scale/rotate", lucid)] {
        use convlens::explain::param::Param;
        use convlens::explain::transform::{Draw, Transforms, Warp};
        let shape = (3, 224, 224);
        let mut p = Param::new(o.param, o.decorrelate, shape).unwrap();
        let mut img = x.clone();
        let mut g = x.clone();
        let mut out = vec![0.0; p.values.len()];
        let render_ms = time(&mut || p.render(&mut img));
        let backward_ms = time(&mut || p.backward(&x, &mut g, &mut out));
        let tr = Transforms { jitter: o.jitter, scale: o.scale, rotate: o.rotate, pad: o.pad };
        let mut r = Rng::new(2);
        let mut w = Warp::new(shape, &tr, &Draw::IDENTITY);
        let warp_ms = time(&mut || {
            w.set(&tr, &tr.draw(&mut r));
            w.apply(&x, &mut img);
            w.adjoint(&x, &mut g);
        });
        println!("{name}: render {render_ms:.2} ms, backward {backward_ms:.2} ms, transforms {warp_ms:.2} ms");
        let mut m = Maximizer::new(Rc::clone(&model), t.clone(), o, None).unwrap();
        // step(1) also evaluates the objective on the image (one more forward pass)
        let forward_ms = time(&mut || {
            m.value().unwrap();
        });
        let step_ms = time(&mut || {
            m.step(1).unwrap();
        });
        println!(
            "{name}: step {step_ms:.2} ms = model fwd+bwd {model_ms:.2} + objective fwd {forward_ms:.2} + overhead {:.2} ms",
            step_ms - model_ms - forward_ms
        );
    }
}

/// `step(n)` returns the target's value on the image as it is after the steps; `advance(n)` the
/// value the last step's own forward pass measured (no extra pass): without transforms, the value
/// on the image that step started from; `advance(0)` is the value now.
#[wasm_bindgen_test(unsupported = test)]
fn step_reports_the_current_value_and_advance_the_last_measured_one() {
    let model = Rc::new(convlens::models::builtin("digits").unwrap());
    let t = Target::new(&model, 3, Some(2), None).unwrap();
    let o = MaximizeOptions { seed: 5, jitter: 0, ..Default::default() };
    let mut m = Maximizer::new(Rc::clone(&model), t.clone(), o.clone(), None).unwrap();
    for _ in 0..3 {
        let before = m.value().unwrap();
        assert_eq!(m.advance(1).unwrap(), before);
    }
    m.advance(4).unwrap();
    let now = m.value().unwrap();
    assert_eq!(m.advance(0).unwrap(), now);
    assert_eq!(m.advance(1).unwrap(), now);
    // step: the value on image() afterwards, as a forward pass of that image gives it.
    let o = MaximizeOptions { jitter: 2, ..o };
    let mut m = Maximizer::new(Rc::clone(&model), t.clone(), o, None).unwrap();
    for n in [1, 3, 0, 5] {
        let v = m.step(n).unwrap();
        assert_eq!(v, t.value_of(&model, m.image()).unwrap(), "after step({n})");
    }
}

/// A channel its relu6 cuts off everywhere on the start image (1x1 conv, weights 1, bias -2.5: a
/// grey image gives -1) passes no gradient back: the maximizer then follows the gradient of the
/// relu6's input (Lucid's redirected relu) until the channel comes alive. The same run with the
/// target on the conv's output itself shows the pre-activation rising from the same start.
#[wasm_bindgen_test(unsupported = test)]
fn a_channel_cut_off_everywhere_is_redirected_through_its_activation() {
    let model = summing_conv_then(-2.5, ("relu6", LayerKind::Relu6), 16);
    let target = Target::new(&model, 1, Some(0), None).unwrap();
    assert_eq!(target.redirected(&model).map(|t| t.layer), Some(0));
    let opts = MaximizeOptions { init: Init::Zeros, steps: 60, jitter: 0, ..MaximizeOptions::for_input(&model.input) };
    let mut m = Maximizer::new(Rc::clone(&model), target, opts, None).unwrap();
    assert_eq!(m.value().unwrap(), 0.0, "dead on the start image");
    m.step(60).unwrap();
    let v = m.value().unwrap();
    assert!(v > 0.1, "the channel came alive: {v}");
    // A target that is not behind an activation has nothing to redirect to.
    assert!(Target::new(&model, 0, None, Some(3)).unwrap().redirected(&model).is_none());
}

/// Maximizers share their model (the layer atlas makes one per channel): none copies the
/// weights, and each keeps the model it was made for when its maker lets go of it (as the
/// explorer does when it loads another model), with the same results as on a model of its own.
#[wasm_bindgen_test(unsupported = test)]
fn maximizers_share_their_model_and_keep_it_after_their_maker_drops_it() {
    let model = Rc::new(convlens::models::builtin("digits").unwrap());
    let opts = MaximizeOptions { steps: 6, ..Default::default() };
    let make =
        |m: &Rc<Model>, c| Maximizer::new(Rc::clone(m), Target::new(m, 0, Some(c), None).unwrap(), opts.clone(), None);
    let mut live: Vec<Maximizer> = (0..3).map(|c| make(&model, c).unwrap()).collect();
    assert_eq!(Rc::strong_count(&model), 4, "three maximizers and their maker share one model");
    assert!(live.iter().all(|m| Rc::ptr_eq(m.model(), &model)));
    drop(model);
    let own = Rc::new(convlens::models::builtin("digits").unwrap());
    for (c, m) in live.iter_mut().enumerate() {
        let mut fresh = make(&own, c).unwrap();
        assert_eq!(m.step(6).unwrap(), fresh.step(6).unwrap());
        assert_eq!(m.image(), fresh.image());
    }
}
