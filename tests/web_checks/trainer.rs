//! Checks of the JS `Trainer` and `Explorer.evaluate`, through JsValue as JavaScript calls them.

use super::{expect_throw, get, js_bytes, obj};
use convlens::web::{Explorer, Trainer};
use js_sys::{Float32Array, Int32Array, Uint32Array, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

fn digits_train() -> (JsValue, JsValue, f64) {
    let images = &include_bytes!("../data/digits-train1000-images.idx")[16..];
    let labels = &include_bytes!("../data/digits-train1000-labels.idx")[8..];
    (Uint8Array::from(images).into(), Uint8Array::from(labels).into(), labels.len() as f64)
}

fn digits_test() -> (JsValue, JsValue, f64) {
    let images = &include_bytes!("../data/digits-test500-images.idx")[16..];
    let labels = &include_bytes!("../data/digits-test500-labels.idx")[8..];
    (Uint8Array::from(images).into(), Uint8Array::from(labels).into(), labels.len() as f64)
}

/// The builtin digits model's architecture object, as a page would pass it.
fn digits_architecture() -> JsValue {
    let a = convlens::architecture::architecture(&convlens::models::builtin("digits").unwrap());
    obj(&serde_json::to_string(&a).unwrap())
}

fn number(v: &JsValue, key: &str) -> f64 {
    get(v, key).as_f64().unwrap_or_else(|| panic!("{key} is not a number"))
}

pub fn a_trainer_learns_through_the_js_api() {
    let mut t = Trainer::from_architecture(&digits_architecture(), obj(r#"{"seed": 3, "batchSize": 50}"#)).unwrap();
    let (images, labels, n) = digits_train();
    t.set_data(&images, &labels, n).unwrap();
    let r = t.step(JsValue::from(40)).unwrap();
    assert_eq!((number(&r, "steps"), number(&r, "epoch")), (40.0, 2.0)); // 1000 examples: 20 batches a pass
    assert!((0.0..=1.0).contains(&number(&r, "accuracy")) && number(&r, "loss").is_finite());
    assert_eq!(number(&t.step(JsValue::UNDEFINED).unwrap(), "steps"), 41.0, "step() takes one step");
    assert_eq!(t.steps_taken(), 41.0);
    let (ti, tl, tn) = digits_test();
    let e = t.evaluate(&ti, &tl, tn).unwrap();
    let confusion: Uint32Array = get(&e, "confusion").dyn_into().unwrap();
    let predictions: Int32Array = get(&e, "predictions").dyn_into().unwrap();
    assert_eq!((confusion.length(), predictions.length()), (100, 500));
    assert!(number(&e, "accuracy") > 0.5, "after 41 steps (untrained: about 0.1): {}", number(&e, "accuracy"));
    // The same images as [0, 1] floats evaluate the same as 0-255 bytes.
    let floats: Vec<f32> = Uint8Array::new(&ti).to_vec().iter().map(|&p| p as f32 / 255.0).collect();
    let e2 = t.evaluate(&Float32Array::from(&floats[..]).into(), &tl, tn).unwrap();
    assert_eq!(number(&e2, "accuracy"), number(&e, "accuracy"));
    // explorer() and toBytes() carry the trained weights: the same predictions.
    let mut ex = t.explorer();
    let first = Float32Array::from(&floats[..784]);
    let out = ex.run(&first.clone().into()).unwrap();
    let best = convlens::train::argmax(&out) as i32;
    assert_eq!(best, predictions.get_index(0));
    let mut back = Explorer::from_bytes(&Uint8Array::from(&t.to_bytes().unwrap()[..]).into()).unwrap();
    assert_eq!(back.run(&first.into()).unwrap(), out);
    assert_eq!(number(&back.evaluate(&ti, &tl, tn).unwrap(), "accuracy"), number(&e, "accuracy"));
    let p = t.parameters(JsValue::from(0)).unwrap();
    assert_eq!(super::dims(get(&p, "weightShape")), [8.0, 1.0, 5.0, 5.0]);
    // A model file trains on from where it was.
    let mut more = Trainer::from_bytes(&js_bytes(&t.to_bytes().unwrap()), JsValue::UNDEFINED).unwrap();
    more.set_data(&images, &labels, n).unwrap();
    assert_eq!(number(&more.evaluate(&ti, &tl, tn).unwrap(), "accuracy"), number(&e, "accuracy"));
    more.step(JsValue::from(5)).unwrap();
    assert_eq!(more.steps_taken(), 5.0);
}

pub fn trainer_arguments_are_checked() {
    let a = digits_architecture();
    expect_throw(Trainer::from_architecture(&a, obj(r#"{"lr": 0.1}"#)), &["unknown field 'lr'"]);
    expect_throw(Trainer::from_architecture(&a, obj(r#"{"optimizer": "rmsprop"}"#)), &["optimizer", "rmsprop"]);
    expect_throw(Trainer::from_architecture(&a, obj(r#"{"learningRate": -1}"#)), &["learningRate"]);
    expect_throw(Trainer::from_architecture(&a, obj(r#"{"batchSize": 1.5}"#)), &["batchSize"]);
    expect_throw(Trainer::from_architecture(&a, obj(r#"{"seed": -1}"#)), &["seed"]);
    expect_throw(Trainer::from_architecture(&JsValue::from(3), JsValue::UNDEFINED), &["architecture"]);
    let bad = obj(r#"{"input": {"channels": 1, "height": 4, "width": 4}, "layers": [
        {"name": "f", "type": "flatten"}, {"name": "fc", "type": "linear", "out_features": 3},
        {"name": "c", "type": "conv2d", "out_channels": 2, "kernel_size": 3}]}"#);
    expect_throw(Trainer::from_architecture(&bad, JsValue::UNDEFINED), &["layer 2 'c' (conv2d)"]);
    let mut t = Trainer::from_architecture(&a, JsValue::UNDEFINED).unwrap();
    expect_throw(t.step(JsValue::from(1)), &["setData"]);
    let (images, _, _) = digits_train();
    let labels = Uint8Array::from(&[3u8, 10][..]);
    expect_throw(t.set_data(&images, &labels.into(), 2.0), &["images has 784000 values", "2 * 1 * 28 * 28"]);
    let two = Uint8Array::new_with_length(2 * 784);
    expect_throw(t.set_data(&two.clone().into(), &Uint8Array::from(&[3u8, 10][..]).into(), 2.0), &["labels[1] is 10"]);
    expect_throw(t.set_data(&two.clone().into(), &JsValue::from("1,2"), 2.0), &["labels must be"]);
    t.set_data(&two.into(), &Int32Array::from(&[3, 4][..]).into(), 2.0).unwrap();
    expect_throw(t.step(JsValue::from(-1)), &["step(n)", "whole number"]);
    expect_throw(t.set_options(JsValue::from(1)), &["setOptions", "object"]);
    expect_throw(t.set_options(obj(r#"{"momentum": "high"}"#)), &["momentum"]);
    t.set_options(obj(r#"{"optimizer": "sgd", "momentum": 0.9}"#)).unwrap();
    assert_eq!(number(&t.step(JsValue::from(2)).unwrap(), "steps"), 2.0);
    // Explorer.evaluate on the builtin model.
    let ex = Explorer::builtin(&JsValue::from("digits")).unwrap();
    let (ti, tl, tn) = digits_test();
    let e = ex.evaluate(&ti, &tl, tn).unwrap();
    assert!(number(&e, "accuracy") >= 0.98, "{}", number(&e, "accuracy"));
    expect_throw(ex.evaluate(&ti, &tl, 499.0), &["images has 392000 values"]);
}
