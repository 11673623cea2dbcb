//! Graph models: layers that name their inputs, `add` and `concat`, in the engine and in model
//! files. Runs on the host and inside wasm (node). Gradients are checked in `gradients.rs`.

mod common;

use common::*;
use convlens::layers::LayerKind;
use convlens::{format, InputSpec, Model, Source};
use serde_json::json;
use std::collections::HashMap;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test(unsupported = test)]
fn add_and_concat_by_hand() {
    // Input [1, 1, 2] = [-1, 2]: relu gives [0, 2]; add(input, relu) = [-1, 4];
    // concat(add, input) along channels = [[-1, 4], [-1, 2]].
    let layers = vec![
        spec("r", LayerKind::Relu, &[]),
        spec("sum", LayerKind::Add, &["input", "r"]),
        spec("both", LayerKind::Concat, &["sum", "input"]),
    ];
    let m = Model::graph(InputSpec::plain(1, 1, 2), None, layers).unwrap();
    assert_eq!(m.layers[1].inputs, [Source::Input, Source::Layer(0)]);
    assert_eq!(m.layers[2].output_shape, convlens::Shape::Chw(2, 1, 2));
    assert!(!m.is_chain());
    assert_eq!(m.consumers(0), [1]);
    assert_eq!(m.consumers(1), [2]);
    let acts = m.forward(&[-1.0, 2.0]).unwrap();
    assert_eq!(acts.outputs[1].iter().copied().collect::<Vec<_>>(), [-1.0, 4.0]);
    assert_eq!(acts.output().iter().copied().collect::<Vec<_>>(), [-1.0, 4.0, -1.0, 2.0]);
    // d(sum of both)/d input: through concat's second half (1), through add (1), through relu
    // (1 where the input is positive): [2, 3].
    let g = m.backward(&acts, 2, &m.output_shape(2).unwrap().tensor(vec![1.0; 4]).unwrap(), None).unwrap();
    assert_eq!(g.iter().copied().collect::<Vec<_>>(), [2.0, 3.0]);
}

#[wasm_bindgen_test(unsupported = test)]
fn vectors_concatenate_end_to_end() {
    let layers = vec![
        spec("f", LayerKind::Flatten, &[]),
        spec("s", LayerKind::Softmax, &[]),
        spec("both", LayerKind::Concat, &["f", "s"]),
    ];
    let m = Model::graph(InputSpec::plain(1, 1, 2), None, layers).unwrap();
    let out: Vec<f32> = m.forward(&[0.0, 0.0]).unwrap().output().iter().copied().collect();
    assert_eq!(out, [0.0, 0.0, 0.5, 0.5]);
}

#[wasm_bindgen_test(unsupported = test)]
fn chains_stay_chains_and_graphs_round_trip_through_files() {
    let mut rng = Rng::new(1);
    let chain = every_layer_model(&mut rng, 1);
    assert!(chain.is_chain());
    let arch = format::architecture(&chain);
    assert!(arch.layers.iter().all(|l| l.inputs.is_none()), "a chain's file names no inputs");

    let m = graph_model(&mut rng);
    let arch = format::architecture(&m);
    assert_eq!(arch.layers[3].inputs, Some(vec!["a_relu".to_string(), "b".to_string()]));
    assert_eq!(arch.layers[4].inputs, Some(vec!["input".to_string()]));
    assert_eq!(arch.layers[7].inputs, None); // pool reads cat, the previous layer
    let back = format::load(&format::save(&m).unwrap()).unwrap();
    let x = rng.vec(2 * 6 * 7);
    assert_eq!(m.forward(&x).unwrap().outputs, back.forward(&x).unwrap().outputs);
    for (a, b) in m.layers.iter().zip(&back.layers) {
        assert_eq!(a.inputs, b.inputs);
    }
}

/// A file whose layers are `layers` on a 1x4x4 input, with no weights.
fn load_layers(layers: serde_json::Value) -> convlens::Result<Model> {
    let arch = json!({"input": {"channels": 1, "height": 4, "width": 4}, "layers": layers});
    let meta = HashMap::from([("convlens".to_string(), arch.to_string())]);
    let no_tensors: Vec<(String, safetensors::tensor::TensorView)> = Vec::new();
    format::load(&safetensors::serialize(no_tensors, Some(meta)).unwrap())
}

fn expect_error(layers: serde_json::Value, needles: &[&str]) {
    match load_layers(layers) {
        Ok(_) => panic!("expected an error mentioning {needles:?}"),
        Err(e) => needles.iter().for_each(|n| assert!(e.0.contains(n), "error {:?} should mention {n:?}", e.0)),
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn bad_graphs_are_refused_with_the_layer_named() {
    expect_error(
        json!([{"name": "r", "type": "relu"}, {"name": "s", "type": "add", "inputs": ["r", "later"]},
               {"name": "later", "type": "relu"}]),
        &["layer 1 's' (add)", "'later' is not the name of an earlier layer"],
    );
    expect_error(json!([{"name": "r", "type": "relu", "inputs": ["r"]}]), &["layer 0 'r'", "names itself"]);
    expect_error(json!([{"name": "input", "type": "relu"}]), &["'input' is reserved"]);
    expect_error(
        json!([{"name": "r", "type": "relu"}, {"name": "s", "type": "add", "inputs": ["r"]}]),
        &["layer 1 's' (add)", "two or more inputs, got 1"],
    );
    expect_error(
        json!([{"name": "r", "type": "relu"}, {"name": "s", "type": "relu", "inputs": ["r", "input"]}]),
        &["layer 1 's' (relu)", "takes one input, got 2"],
    );
    expect_error(
        json!([{"name": "p", "type": "maxpool2d", "kernel_size": 2}, {"name": "s", "type": "add", "inputs": ["p", "input"]}]),
        &["layer 1 's' (add)", "input 0 is [1, 2, 2] and input 1 is [1, 4, 4]"],
    );
    expect_error(
        json!([{"name": "p", "type": "maxpool2d", "kernel_size": 2}, {"name": "s", "type": "concat", "inputs": ["input", "p"]}]),
        &["layer 1 's' (concat)", "height and width must match"],
    );
    expect_error(
        json!([{"name": "f", "type": "flatten"}, {"name": "s", "type": "concat", "inputs": ["f", "input"]}]),
        &["vectors or CHW inputs, not both"],
    );
    expect_error(json!([{"name": "r", "type": "relu", "inputs": []}]), &["layer 0 'r'", "inputs list is empty"]);
}
