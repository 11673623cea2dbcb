//! Shared by the model-file tests (format.rs, format_layers.rs): writing safetensors files with
//! a given architecture JSON and tensors, the example architecture, and the error check.
#![allow(dead_code)]

use convlens::format;
use safetensors::tensor::{Dtype, TensorView};
use serde_json::{json, Value};
use std::collections::HashMap;

/// A safetensors file with the given architecture JSON and raw tensors (name, dtype, shape, bytes).
pub fn file(arch: &Value, tensors: &[(&str, Dtype, Vec<usize>, Vec<u8>)]) -> Vec<u8> {
    let views: Vec<(String, TensorView)> =
        tensors.iter().map(|(n, d, s, b)| (n.to_string(), TensorView::new(*d, s.clone(), b).unwrap())).collect();
    let meta = HashMap::from([("convlens".to_string(), arch.to_string())]);
    safetensors::serialize(views, Some(meta)).unwrap()
}

pub fn f32s(n: usize, v: f32) -> Vec<u8> {
    (0..n).flat_map(|_| v.to_le_bytes()).collect()
}

/// The example architecture: conv 5x5 1->8 pad 2, relu, maxpool 2, flatten, linear 1568->10, softmax.
pub fn example_arch() -> Value {
    json!({"input": {"channels": 1, "height": 28, "width": 28, "mean": [0.0], "std": [1.0]},
     "labels": ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
     "layers": [
      {"name": "conv1", "type": "conv2d", "out_channels": 8, "kernel_size": [5, 5], "stride": [1, 1], "padding": [2, 2], "dilation": [1, 1]},
      {"name": "relu1", "type": "relu"},
      {"name": "pool1", "type": "maxpool2d", "kernel_size": [2, 2], "stride": [2, 2], "padding": [0, 0]},
      {"name": "flat", "type": "flatten"},
      {"name": "fc", "type": "linear", "out_features": 10},
      {"name": "prob", "type": "softmax"}]})
}

pub fn example_tensors() -> Vec<(&'static str, Dtype, Vec<usize>, Vec<u8>)> {
    vec![
        ("conv1.weight", Dtype::F32, vec![8, 1, 5, 5], f32s(200, 0.01)),
        ("conv1.bias", Dtype::F32, vec![8], f32s(8, 0.1)),
        ("fc.weight", Dtype::F32, vec![10, 8 * 14 * 14], f32s(15680, 0.001)),
        ("fc.bias", Dtype::F32, vec![10], f32s(10, 0.0)),
    ]
}

/// Loads `bytes`, expecting an error whose message contains every one of `needles`.
pub fn expect_error(bytes: &[u8], needles: &[&str]) {
    match format::load(bytes) {
        Ok(_) => panic!("expected an error mentioning {needles:?}, but the file loaded"),
        Err(e) => {
            if std::env::var("SHOW_ERRORS").is_ok() {
                println!("ERROR: {}", e.0);
            }
            for n in needles {
                assert!(e.0.contains(n), "error {:?} should mention {n:?}", e.0);
            }
        }
    }
}

pub fn with_layers(layers: Value) -> Value {
    let mut a = example_arch();
    a["layers"] = layers;
    a
}

/// A file on a 2 x 2 x 2 input with the given layers and raw F32 tensors (name, shape, values).
pub fn ops_file(layers: Value, tensors: &[(&str, Vec<usize>, Vec<f32>)]) -> Vec<u8> {
    let arch = json!({"input": {"channels": 2, "height": 2, "width": 2}, "layers": layers});
    let t: Vec<(&str, Dtype, Vec<usize>, Vec<u8>)> = tensors
        .iter()
        .map(|(n, s, v)| (*n, Dtype::F32, s.clone(), v.iter().flat_map(|x| x.to_le_bytes()).collect()))
        .collect();
    file(&arch, &t)
}

/// Raw F32 tensors: (name, shape, values).
pub type RawTensors = Vec<(&'static str, Vec<usize>, Vec<f32>)>;

pub fn bn_tensors(mean: Vec<f32>, var: Vec<f32>) -> RawTensors {
    vec![("bn.running_mean", vec![mean.len()], mean), ("bn.running_var", vec![var.len()], var)]
}
