//! The embedded trained models on the committed 500-image samples of the official test sets
//! (host and wasm/node; the JS-API version runs in web_api*.rs).

mod samples;

use convlens::train::{argmax, evaluate};
use wasm_bindgen_test::wasm_bindgen_test;

/// Accuracy of builtin model `name` on the sample of its test set.
fn sample_accuracy(name: &str) -> f64 {
    let set = samples::test500(name);
    let model = convlens::models::builtin(name).unwrap();
    evaluate(&model, set.inputs(), &set.label_values(), set.len()).unwrap().accuracy
}

#[wasm_bindgen_test(unsupported = test)]
fn digits_sample_accuracy() {
    let acc = sample_accuracy("digits");
    assert!(acc >= 0.97, "digits: {acc}");
}

#[wasm_bindgen_test(unsupported = test)]
fn fashion_sample_accuracy() {
    let acc = sample_accuracy("fashion");
    assert!(acc >= 0.85, "fashion: {acc}");
}

#[wasm_bindgen_test(unsupported = test)]
fn builtin_models_fit_the_budget() {
    for (name, bytes) in [
        ("digits", &include_bytes!("../models/digits.safetensors")[..]),
        ("fashion", &include_bytes!("../models/fashion.safetensors")[..]),
    ] {
        assert!(bytes.len() <= 250 * 1024, "{name}: {} bytes", bytes.len());
        let m = convlens::models::builtin(name).unwrap();
        assert!(m.params() <= 60_000, "{name}: {} parameters", m.params());
        let convs: Vec<_> = m
            .layers
            .iter()
            .filter_map(|l| match &l.kind {
                convlens::LayerKind::Conv2d(c) => Some(c.out_channels()),
                _ => None,
            })
            .collect();
        assert!(convs.len() >= 2 && convs.iter().all(|&c| c <= 32), "{name}: conv channels {convs:?}");
        assert_eq!(m.labels.as_ref().map(|l| l.len()), Some(10));
    }
    // A label the model is confident about: the first test digit is a 7.
    let set = samples::test500("digits");
    let m = convlens::models::builtin("digits").unwrap();
    let p = m.forward(&set.image(0)).unwrap().output().iter().copied().collect::<Vec<f32>>();
    assert_eq!(set.labels[0], 7);
    assert_eq!(argmax(&p), 7);
}
