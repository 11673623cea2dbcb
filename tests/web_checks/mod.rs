//! Checks of the JS API (the wasm-bindgen boundary), shared by the node and browser test files.
//! They call the exported functions through JsValue, as JavaScript does.
#![allow(dead_code)]

mod trainer;

pub use trainer::{a_trainer_learns_through_the_js_api, trainer_arguments_are_checked};

use convlens::web::Explorer;
use js_sys::{Array, Float32Array, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// The message of a thrown JS `Error` (fails if the value is not an Error).
fn message(e: JsValue) -> String {
    let err: js_sys::Error = e.dyn_into().expect("exceptions must be JS Error objects");
    err.message().into()
}

fn expect_throw<T>(r: Result<T, JsValue>, needles: &[&str]) {
    let Err(e) = r else { panic!("expected a JS Error mentioning {needles:?}") };
    let m = message(e);
    for n in needles {
        assert!(m.contains(n), "error {m:?} should mention {n:?}");
    }
}

/// Bytes as JS passes them to `fromBytes`.
fn js_bytes(b: &[u8]) -> JsValue {
    js_sys::Uint8Array::from(b).into()
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).unwrap()
}

fn dims(v: JsValue) -> Vec<f64> {
    Array::from(&v).iter().map(|x| x.as_f64().unwrap()).collect()
}

pub fn builtin_summary_describes_every_layer() {
    let ex = Explorer::builtin(&JsValue::from("edges")).unwrap();
    let s = ex.summary().unwrap();
    let input = get(&s, "input");
    assert_eq!(get(&input, "channels").as_f64(), Some(1.0));
    assert_eq!(get(&input, "height").as_f64(), Some(28.0));
    let layers = Array::from(&get(&s, "layers"));
    assert_eq!(layers.length(), 3);
    let conv = layers.get(0);
    assert_eq!(get(&conv, "type").as_string().as_deref(), Some("conv2d"));
    assert_eq!(dims(get(&conv, "inputShape")), [1.0, 28.0, 28.0]);
    assert_eq!(dims(get(&conv, "outputShape")), [4.0, 28.0, 28.0]);
    assert_eq!(dims(get(&conv, "kernelSize")), [3.0, 3.0]);
    assert_eq!(dims(get(&conv, "padding")), [1.0, 1.0]);
    assert_eq!(get(&conv, "params").as_f64(), Some(40.0));
    let relu = layers.get(1);
    assert!(get(&relu, "kernelSize").is_undefined(), "fields that don't apply are absent");
    let pool = layers.get(2);
    assert_eq!(get(&pool, "type").as_string().as_deref(), Some("maxpool2d"));
    assert_eq!(dims(get(&pool, "outputShape")), [4.0, 14.0, 14.0]);
    assert_eq!(dims(get(&pool, "stride")), [2.0, 2.0]);
    assert!(get(&pool, "dilation").is_undefined());
}

/// A single bright pixel through Sobel-x, relu and 2x2 max pooling, computed by hand: the conv
/// output around (10, 10) is the 180-degree flipped filter [1 0 -1; 2 0 -2; 1 0 -1], relu keeps
/// column 9, and the pool windows (rows 8-9, cols 8-9) and (rows 10-11, cols 8-9) give 1 and 2.
pub fn run_and_activation_match_a_hand_computed_case() {
    let mut ex = Explorer::builtin(&JsValue::from("edges")).unwrap();
    let mut x = vec![0.0f32; 28 * 28];
    x[10 * 28 + 10] = 1.0;
    let out = ex.run(&Float32Array::from(&x[..]).into()).unwrap();
    assert_eq!(out.len(), 4 * 14 * 14);
    let sobel_x = &out[..14 * 14];
    for (i, &v) in sobel_x.iter().enumerate() {
        let want = match (i / 14, i % 14) {
            (4, 4) => 1.0,
            (5, 4) => 2.0,
            _ => 0.0,
        };
        assert!((v - want).abs() < 1e-6, "pooled Sobel-x at {i}: {v}, want {want}");
    }
    // activation(2) is the last layer's output; activation(0) the conv output before relu.
    assert_eq!(ex.activation(JsValue::from(2)).unwrap(), out);
    let conv = ex.activation(JsValue::from(0)).unwrap();
    assert_eq!(conv.len(), 4 * 28 * 28);
    assert_eq!(conv[10 * 28 + 11], -2.0);
    assert_eq!(conv[10 * 28 + 9], 2.0);
    // A plain JS array works as input too.
    let arr: Array = x.iter().map(|&v| JsValue::from(v)).collect();
    assert_eq!(ex.run(&arr.into()).unwrap(), out);
}

pub fn bad_arguments_throw_errors_with_messages() {
    expect_throw(Explorer::builtin(&JsValue::from("nope")), &["unknown builtin model 'nope'", "edges"]);
    // Neither format: the message says both were considered (fromBytes also reads ONNX).
    expect_throw(Explorer::from_bytes(&js_bytes(b"garbage")), &["neither safetensors", "nor ONNX"]);
    expect_throw(Explorer::from_bytes(&js_bytes(&[])), &["neither safetensors", "nor ONNX"]);
    // Not bytes, not a name: a clear error (no glue-code TypeError, no wasm trap).
    expect_throw(Explorer::from_bytes(&JsValue::NULL), &["fromBytes", "Uint8Array or an ArrayBuffer"]);
    expect_throw(Explorer::from_bytes(&JsValue::from_str("model.onnx")), &["Uint8Array or an ArrayBuffer"]);
    expect_throw(Explorer::builtin(&JsValue::from(3)), &["builtin", "must be a string", "digits"]);
    expect_throw(Explorer::builtin(&JsValue::NULL), &["must be a string"]);
    let mut ex = Explorer::builtin(&JsValue::from("edges")).unwrap();
    expect_throw(ex.activation(JsValue::from(0)), &["run"]);
    expect_throw(ex.run(&Float32Array::new_with_length(783).into()), &["783", "784"]);
    let mut x = vec![0.5f32; 784];
    x[3] = f32::NAN;
    expect_throw(ex.run(&Float32Array::from(&x[..]).into()), &["input value 3", "NaN"]);
    expect_throw(ex.run(&JsValue::from_str("pixels")), &["Float32Array"]);
    expect_throw(ex.run(&JsValue::UNDEFINED), &["Float32Array"]);
    ex.run(&Float32Array::new_with_length(784).into()).unwrap();
    expect_throw(ex.activation(JsValue::from(3)), &["layer 3", "out of range"]);
    expect_throw(ex.activation(JsValue::from(-1)), &["out of range"]);
    expect_throw(ex.activation(JsValue::from(1.5)), &["out of range"]);
    expect_throw(ex.activation(JsValue::from_str("conv")), &["must be a number"]);
    // The explorer keeps working after every error.
    assert_eq!(ex.activation(JsValue::from(1)).unwrap().len(), 4 * 28 * 28);
}

/// The bench build's fixtures (cargo feature `bench`, on in tests): repeat counts are whole
/// numbers (-1 is an error, not 4294967295 repeats), a model name is a string, a class a whole number.
pub fn bench_fixtures_check_their_arguments() {
    use convlens::web::{ConvBench, ModelBench};
    let mut cb = ConvBench::new(1, 8, 8, 2, 3, 1, 1).unwrap();
    expect_throw(cb.fast(-1.0), &["times", "whole number"]);
    expect_throw(cb.reference(0.5), &["times", "whole number"]);
    cb.fast(2.0).unwrap();
    assert!(cb.max_diff() < 1e-5);
    let x = Float32Array::new_with_length(784);
    expect_throw(ModelBench::new(&JsValue::from(3), &x.clone().into(), 0.0), &["ModelBench", "string"]);
    expect_throw(ModelBench::new(&JsValue::from("digits"), &x.clone().into(), -1.0), &["class"]);
    let mut mb = ModelBench::new(&JsValue::from("digits"), &x.into(), 3.0).unwrap();
    expect_throw(mb.forward(-1.0), &["times"]);
    mb.forward_gradient(1.0).unwrap();
}

pub fn model_files_round_trip_through_from_bytes() {
    let model = convlens::models::builtin("edges").unwrap();
    let bytes = convlens::format::save(&model).unwrap();
    let ex = Explorer::from_bytes(&js_bytes(&bytes)).unwrap();
    let layers = Array::from(&get(&ex.summary().unwrap(), "layers"));
    assert_eq!(layers.length(), 3);
    // The same file as an ArrayBuffer (what `await file.arrayBuffer()` gives) and as a plain array.
    let buffer = js_sys::Uint8Array::from(&bytes[..]).buffer();
    let from_buffer = Explorer::from_bytes(&buffer.into()).unwrap();
    assert_eq!(Array::from(&get(&from_buffer.summary().unwrap(), "layers")).length(), 3);
    let plain: Array = bytes.iter().map(|&b| JsValue::from(b)).collect();
    assert_eq!(
        Array::from(&get(&Explorer::from_bytes(&plain.into()).unwrap().summary().unwrap(), "layers")).length(),
        3
    );
    expect_throw(
        Explorer::from_bytes(&js_bytes(&bytes[..bytes.len() - 1])),
        &["safetensors model file: ", "not a valid safetensors file"],
    );
}

/// Accuracy of a builtin model, through the JS API, on the committed sample of its test set.
fn builtin_accuracy(name: &str) -> f64 {
    let set = crate::samples::test500(name);
    let mut ex = Explorer::builtin(&JsValue::from(name)).unwrap();
    let mut right = 0;
    for i in 0..set.len() {
        let out = ex.run(&Float32Array::from(&set.image(i)[..]).into()).unwrap();
        right += (convlens::train::argmax(&out) == set.labels[i] as usize) as usize;
    }
    right as f64 / set.len() as f64
}

pub fn builtin_digits_accuracy_on_500_test_images() {
    let acc = builtin_accuracy("digits");
    assert!(acc >= 0.97, "digits accuracy {acc} is under 97 %");
}

pub fn builtin_fashion_accuracy_on_500_test_images() {
    let acc = builtin_accuracy("fashion");
    assert!(acc >= 0.85, "fashion accuracy {acc} is under 85 %");
}

pub fn builtin_models_have_labels_and_shapes() {
    for (name, first, last) in [("digits", "0", "9"), ("fashion", "T-shirt/top", "Ankle boot")] {
        let s = Explorer::builtin(&JsValue::from(name)).unwrap().summary().unwrap();
        let labels = Array::from(&get(&s, "labels"));
        assert_eq!(labels.length(), 10);
        assert_eq!(labels.get(0).as_string().as_deref(), Some(first));
        assert_eq!(labels.get(9).as_string().as_deref(), Some(last));
        let layers = Array::from(&get(&s, "layers"));
        let convs = layers.iter().filter(|l| get(l, "type").as_string().as_deref() == Some("conv2d")).count();
        assert!(convs >= 2, "{name}: at least two conv layers");
        let params: f64 = layers.iter().map(|l| get(&l, "params").as_f64().unwrap()).sum();
        assert!(params <= 60_000.0, "{name}: {params} parameters");
    }
}

pub fn parameters_convolve_and_output_size() {
    let ex = Explorer::builtin(&JsValue::from("edges")).unwrap();
    let p = ex.parameters(JsValue::from(0)).unwrap();
    assert_eq!(dims(get(&p, "weightShape")), [4.0, 1.0, 3.0, 3.0]);
    let w = Float32Array::from(get(&p, "weight")).to_vec();
    assert_eq!(&w[..9], &[-1.0, 0.0, 1.0, -2.0, 0.0, 2.0, -1.0, 0.0, 1.0], "Sobel x, as made by make_edges");
    assert_eq!(Float32Array::from(get(&p, "bias")).to_vec(), vec![0.0; 4]);
    assert!(ex.parameters(JsValue::from(1)).unwrap().is_null(), "relu has no parameters");
    expect_throw(ex.parameters(JsValue::from(7)), &["out of range"]);

    // A vertical step edge through [-1 0 1], stride 1, no padding: ones where the step is.
    let img: Vec<f32> = (0..16).map(|i| if i % 4 >= 2 { 1.0 } else { 0.0 }).collect();
    let k = Float32Array::from(&[-1.0f32, 0.0, 1.0][..]);
    let out =
        convlens::web::convolve(&Float32Array::from(&img[..]).into(), 4.0, 4.0, &k.into(), 1.0, 3.0, 1.0, 0.0).unwrap();
    assert_eq!(get(&out, "height").as_f64(), Some(4.0));
    assert_eq!(get(&out, "width").as_f64(), Some(2.0));
    assert_eq!(Float32Array::from(get(&out, "data")).to_vec(), vec![1.0; 8]);
    let k = Float32Array::from(&[1.0f32; 25][..]);
    expect_throw(
        convlens::web::convolve(&Float32Array::from(&img[..]).into(), 4.0, 4.0, &k.into(), 5.0, 5.0, 1.0, 0.0),
        &["empty"],
    );
    let k = Float32Array::from(&[1.0f32; 4][..]);
    expect_throw(
        convlens::web::convolve(&Float32Array::from(&img[..]).into(), 4.0, 4.0, &k.into(), 3.0, 3.0, 1.0, 0.0),
        &["kernel has 4 values"],
    );

    assert_eq!(convlens::web::output_size(28.0, 5.0, 1.0, 2.0, 1.0).unwrap(), 28);
    expect_throw(convlens::web::output_size(2.0, 5.0, 1.0, 0.0, 1.0), &["empty"]);
    // Negative or fractional sizes are errors, not wrapped around to 4294967295.
    expect_throw(convlens::web::output_size(-1.0, 3.0, 1.0, 0.0, 1.0), &["input", "whole number", "-1"]);
    expect_throw(convlens::web::output_size(28.0, 3.0, 1.5, 0.0, 1.0), &["stride", "whole number"]);
    let k = Float32Array::from(&[-1.0f32, 0.0, 1.0][..]);
    expect_throw(
        convlens::web::convolve(&Float32Array::from(&img[..]).into(), 4.0, 4.0, &k.into(), 1.0, 3.0, -2.0, 0.0),
        &["stride", "whole number"],
    );
}

/// A JS object from JSON text (as a page would pass options).
fn obj(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap()
}

pub fn maximize_attribute_and_statistics_through_the_js_api() {
    let mut ex = Explorer::builtin(&JsValue::from("digits")).unwrap();
    // Maximizer: steps raise the class-3 logit; image() is 784 values in [0, 1]; same seed, same image.
    let mut m = ex.maximizer(obj(r#"{"layer": 8, "unit": 3, "steps": 30, "seed": 7}"#)).unwrap();
    let v0 = m.step(0.0).unwrap();
    let v = m.step(30.0).unwrap();
    assert!(v > v0, "{v0} -> {v}");
    assert_eq!(m.advance(0.0).unwrap(), v, "advance(0) is the value now, as step(30) returned it");
    // A negative count is an error (as a usize it would be 4294967295 steps), as is a huge one.
    expect_throw(m.step(-1.0), &["step(n)", "whole number", "-1"]);
    expect_throw(m.advance(1e12), &["advance(n)", "whole number"]);
    expect_throw(m.step(f64::NAN), &["step(n)", "whole number"]);
    assert_eq!(m.steps_taken(), 30, "a rejected call takes no steps");
    assert_eq!(m.steps_taken(), 30);
    let img = m.image();
    assert_eq!(img.len(), 784);
    assert!(img.iter().all(|p| (0.0..=1.0).contains(p)));
    assert_eq!(ex.maximize(obj(r#"{"layer": 8, "unit": 3, "steps": 30, "seed": 7}"#)).unwrap(), img);
    expect_throw(ex.maximizer(obj(r#"{"layer": 8, "unit": 3, "stpes": 30}"#)), &["maximize options", "stpes"]);
    expect_throw(ex.maximizer(obj(r#"{"layer": 8}"#)), &["channel", "unit"]);
    expect_throw(ex.maximizer(obj(r#"{"layer": 0, "channel": 99}"#)), &["channel 99"]);
    expect_throw(ex.maximizer(obj(r#"{"layer": 0, "channel": 0, "init": "input"}"#)), &["run"]);
    expect_throw(ex.maximizer(JsValue::from(3)), &["must be an object"]);
    // A mistyped option is named, in JS terms.
    expect_throw(
        ex.maximizer(obj(r#"{"layer": 8, "unit": 3, "steps": -1}"#)),
        &["maximize options", "steps", "whole number"],
    );
    expect_throw(ex.maximizer(obj(r#"{"layer": 8, "unit": 3, "tv": "lots"}"#)), &["tv", "expected a number"]);
    // Each blur costs O(blurSigma) per pixel: a huge sigma is an error, not a minutes-long step.
    expect_throw(ex.maximizer(obj(r#"{"layer": 8, "unit": 3, "blurSigma": 1e6}"#)), &["blurSigma", "at most 64"]);

    // Attributions need a run first; then each method has its documented length.
    expect_throw(ex.attribute(obj(r#"{"method": "gradient"}"#)), &["run"]);
    let set = crate::samples::test500("digits");
    ex.run(&Float32Array::from(&set.image(0)[..]).into()).unwrap();
    for (method, len) in
        [("gradient", 784), ("saliency", 784), ("gradxinput", 784), ("smoothgrad", 784), ("integrated", 784)]
    {
        let a = ex.attribute(obj(&format!(r#"{{"method": "{method}", "samples": 4, "steps": 16}}"#))).unwrap();
        assert_eq!(a.len(), len, "{method}");
        assert!(a.iter().any(|v| *v != 0.0), "{method} is all zeros");
    }
    assert_eq!(ex.attribute(obj(r#"{"method": "gradcam", "layer": 3}"#)).unwrap().len(), 14 * 14);
    assert_eq!(ex.attribute(obj(r#"{"method": "gradcam", "layer": 0, "target": 7}"#)).unwrap().len(), 28 * 28);
    expect_throw(ex.attribute(obj(r#"{"method": "lrp"}"#)), &["unknown attribution method 'lrp'"]);
    expect_throw(ex.attribute(obj(r#"{"method": "gradcam", "layer": 7}"#)), &["spatial"]);
    expect_throw(ex.attribute(obj(r#"{"method": "gradient", "target": 10}"#)), &["unit 10"]);
    // init "input" now works: it starts from the image just run.
    let start = ex.maximize(obj(r#"{"layer": 0, "channel": 1, "init": "input", "steps": 0}"#)).unwrap();
    assert_eq!(start, set.image(0));

    // Statistics over 20 inputs.
    let inputs: Vec<f32> = (0..20).flat_map(|i| set.image(i)).collect();
    let s = ex.statistics(&Float32Array::from(&inputs[..]).into(), 20.0).unwrap();
    let layers = Array::from(&get(&s, "layers"));
    assert_eq!(layers.length(), 9);
    let relu1 = Array::from(&get(&layers.get(1), "channels"));
    assert_eq!(relu1.length(), 8);
    let ch = relu1.get(0);
    assert_eq!(Array::from(&get(&ch, "top")).length(), 9);
    assert!(get(&ch, "dead").as_bool().is_some());
    let active = get(&ch, "active").as_f64().unwrap();
    assert!((0.0..=1.0).contains(&active));
    expect_throw(ex.statistics(&Float32Array::from(&inputs[..]).into(), 21.0), &["21 inputs"]);
    expect_throw(ex.statistics(&Float32Array::from(&inputs[..]).into(), -1.0), &["count", "whole number"]);
}

/// Declares one `#[wasm_bindgen_test]` per check above, for a node or a browser test file.
#[macro_export]
macro_rules! web_api_tests {
    () => {
        #[wasm_bindgen_test::wasm_bindgen_test]
        fn a_trainer_learns_through_the_js_api() {
            web_checks::a_trainer_learns_through_the_js_api();
        }
        #[wasm_bindgen_test::wasm_bindgen_test]
        fn trainer_arguments_are_checked() {
            web_checks::trainer_arguments_are_checked();
        }
        #[wasm_bindgen_test::wasm_bindgen_test]
        fn maximize_attribute_and_statistics_through_the_js_api() {
            web_checks::maximize_attribute_and_statistics_through_the_js_api();
        }
        #[wasm_bindgen_test::wasm_bindgen_test]
        fn parameters_convolve_and_output_size() {
            web_checks::parameters_convolve_and_output_size();
        }
        #[wasm_bindgen_test::wasm_bindgen_test]
        fn builtin_summary_describes_every_layer() {
            web_checks::builtin_summary_describes_every_layer();
        }
        #[wasm_bindgen_test::wasm_bindgen_test]
        fn run_and_activation_match_a_hand_computed_case() {
            web_checks::run_and_activation_match_a_hand_computed_case();
        }
        #[wasm_bindgen_test::wasm_bindgen_test]
        fn bad_arguments_throw_errors_with_messages() {
            web_checks::bad_arguments_throw_errors_with_messages();
        }
        #[wasm_bindgen_test::wasm_bindgen_test]
        fn bench_fixtures_check_their_arguments() {
            web_checks::bench_fixtures_check_their_arguments();
        }
        #[wasm_bindgen_test::wasm_bindgen_test]
        fn model_files_round_trip_through_from_bytes() {
            web_checks::model_files_round_trip_through_from_bytes();
        }
        #[wasm_bindgen_test::wasm_bindgen_test]
        fn builtin_digits_accuracy_on_500_test_images() {
            web_checks::builtin_digits_accuracy_on_500_test_images();
        }
        #[wasm_bindgen_test::wasm_bindgen_test]
        fn builtin_fashion_accuracy_on_500_test_images() {
            web_checks::builtin_fashion_accuracy_on_500_test_images();
        }
        #[wasm_bindgen_test::wasm_bindgen_test]
        fn builtin_models_have_labels_and_shapes() {
            web_checks::builtin_models_have_labels_and_shapes();
        }
    };
}
