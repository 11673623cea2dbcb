//! The model-file contract: round trips, and a clear error (never a panic) for every kind of bad
//! file (the layer types one by one: format_layers.rs). Runs on the host and inside wasm (node).

mod common;
mod format_common;

use common::*;
use convlens::format;
use format_common::*;
use safetensors::tensor::{Dtype, TensorView};
use serde_json::json;
use std::collections::HashMap;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test(unsupported = test)]
fn example_file_loads_with_shapes_and_defaults() {
    let m = format::load(&file(&example_arch(), &example_tensors())).unwrap();
    assert_eq!(m.layers.len(), 6);
    assert_eq!(m.layers[0].output_shape, convlens::Shape::Chw(8, 28, 28));
    assert_eq!(m.layers[2].output_shape, convlens::Shape::Chw(8, 14, 14));
    assert_eq!(m.layers[5].output_shape, convlens::Shape::Vector(10));
    assert_eq!(m.params(), 200 + 8 + 15680 + 10);
    // Optional fields: pool stride defaults to the kernel, conv stride to 1, padding to 0.
    let arch = with_layers(json!([
        {"name": "c", "type": "conv2d", "out_channels": 2, "kernel_size": 3},
        {"name": "p", "type": "avgpool2d", "kernel_size": [2, 2]}]));
    let mut a = arch.clone();
    a.as_object_mut().unwrap().remove("labels");
    a["input"] = json!({"channels": 1, "height": 9, "width": 9});
    let m = format::load(&file(&a, &[("c.weight", Dtype::F32, vec![2, 1, 3, 3], f32s(18, 1.0))])).unwrap();
    assert_eq!(m.layers[0].output_shape, convlens::Shape::Chw(2, 7, 7));
    assert_eq!(m.layers[1].output_shape, convlens::Shape::Chw(2, 3, 3));
    assert!(m.labels.is_none());
}

#[wasm_bindgen_test(unsupported = test)]
fn save_then_load_gives_the_same_network() {
    let mut rng = Rng::new(21);
    let model = every_layer_model(&mut rng, 3);
    let bytes = format::save(&model).unwrap();
    let back = format::load(&bytes).unwrap();
    assert_eq!(format::architecture(&back), format::architecture(&model));
    let x = rng.spaced(3 * 9 * 11);
    let (a, b) = (model.forward(&x).unwrap(), back.forward(&x).unwrap());
    for (ya, yb) in a.outputs.iter().zip(&b.outputs) {
        assert_eq!(ya, yb);
    }
    assert_eq!(format::save(&back).unwrap(), bytes);
}

fn conv_bias(m: &convlens::Model, layer: usize) -> Vec<f32> {
    match &m.layers[layer].kind {
        convlens::LayerKind::Conv2d(c) => c.bias.as_ref().unwrap().to_vec(),
        _ => panic!("layer {layer} is not a conv layer"),
    }
}

/// Every weight of a model, in layer order.
fn all_weights(m: &convlens::Model) -> Vec<f32> {
    let mut out = vec![];
    for l in &m.layers {
        match &l.kind {
            convlens::LayerKind::Conv2d(c) => {
                out.extend(c.weight.iter());
                out.extend(c.bias.iter().flatten());
            }
            convlens::LayerKind::Linear(c) => {
                out.extend(c.weight.iter());
                out.extend(c.bias.iter().flatten());
            }
            _ => {}
        }
    }
    out
}

#[wasm_bindgen_test(unsupported = test)]
fn half_precision_weights_load_as_their_exact_values() {
    // Bit patterns and their values from the IEEE 754 half and bfloat16 definitions.
    let f16: [(u16, f32); 8] = [
        (0x3c00, 1.0),
        (0xc000, -2.0),
        (0x3800, 0.5),
        (0x3555, 0.333_251_95),
        (0x0001, 5.960_464_5e-8), // smallest subnormal, 2^-24
        (0x7bff, 65504.0),        // largest finite
        (0x8000, -0.0),
        (0x4248, 3.140_625),
    ];
    let bf16: [(u16, f32); 8] = [
        (0x3f80, 1.0),
        (0xc040, -3.0),
        (0x3e20, 0.156_25),
        (0x4049, 3.140_625),
        (0, 0.0),
        (0xbf00, -0.5),
        (0x4120, 10.0),
        (0x3c23, 0.009_948_730_5),
    ];
    for (dtype, table) in [(Dtype::F16, f16), (Dtype::BF16, bf16)] {
        let mut t = example_tensors();
        t[1] = ("conv1.bias", dtype, vec![8], table.iter().flat_map(|(b, _)| b.to_le_bytes()).collect());
        let m = format::load(&file(&example_arch(), &t)).unwrap();
        let want: Vec<f32> = table.iter().map(|&(_, v)| v).collect();
        assert_eq!(conv_bias(&m, 0), want, "{dtype:?}");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn f16_storage_halves_the_weights_and_rounds_to_the_nearest_half() {
    let model = every_layer_model(&mut Rng::new(22), 3);
    let full = format::save(&model).unwrap();
    let half = format::save_as(&model, format::Storage::F16).unwrap();
    let weights = all_weights(&model);
    let header = |b: &[u8]| 8 + u64::from_le_bytes(b[..8].try_into().unwrap()) as usize;
    assert_eq!(full.len() - header(&full), 4 * weights.len());
    assert_eq!(half.len() - header(&half), 2 * weights.len());
    let back = format::load(&half).unwrap();
    assert_eq!(format::architecture(&back), format::architecture(&model));
    for (i, (w, h)) in weights.iter().zip(all_weights(&back)).enumerate() {
        // Round to nearest: within half a unit in the last place (11 significant bits), or half
        // the subnormal spacing 2^-24 for tiny weights.
        let tolerance = (w.abs() * 2f32.powi(-11)).max(2f32.powi(-25));
        assert!((w - h).abs() <= tolerance, "weight {i}: {w} stored as {h}");
    }
    // Saving what was loaded again changes nothing.
    assert_eq!(format::save_as(&back, format::Storage::F16).unwrap(), half);
}

#[wasm_bindgen_test(unsupported = test)]
fn f16_storage_refuses_weights_out_of_its_range() {
    let mut model = every_layer_model(&mut Rng::new(23), 2);
    if let convlens::LayerKind::Conv2d(c) = &mut model.layers[0].kind {
        c.weight[[0, 0, 0, 1]] = 1e5;
    }
    let e = format::save_as(&model, format::Storage::F16).unwrap_err();
    assert!(e.0.contains("F16") && e.0.contains("100000"), "{}", e.0);
    assert!(format::save(&model).is_ok());
}

#[wasm_bindgen_test(unsupported = test)]
fn not_a_model_file() {
    expect_error(b"", &["not a valid safetensors file"]);
    expect_error(b"hello world, this is not a model", &["not a valid safetensors file"]);
    let good = file(&example_arch(), &example_tensors());
    expect_error(&good[..good.len() - 3], &["not a valid safetensors file"]);
    // A valid safetensors file without our metadata.
    let views = vec![("w", TensorView::new(Dtype::F32, vec![1], &[0u8; 4]).unwrap())];
    expect_error(&safetensors::serialize(views, None).unwrap(), &["convlens"]);
}

#[wasm_bindgen_test(unsupported = test)]
fn bad_architecture_json() {
    let views: Vec<(&str, TensorView)> = vec![];
    let meta = HashMap::from([("convlens".to_string(), "{not json".to_string())]);
    expect_error(&safetensors::serialize(views, Some(meta)).unwrap(), &["architecture JSON"]);
    let mut a = example_arch();
    a["colour"] = json!("blue");
    expect_error(&file(&a, &example_tensors()), &["architecture JSON", "colour"]);
    let mut a = example_arch();
    a["input"]["height"] = json!(-3);
    expect_error(&file(&a, &example_tensors()), &["architecture JSON"]);
}

#[wasm_bindgen_test(unsupported = test)]
fn unknown_layer_type_names_the_layer() {
    let mut a = example_arch();
    a["layers"][1]["type"] = json!("gelu");
    expect_error(&file(&a, &example_tensors()), &["relu1", "unknown layer type 'gelu'", "conv2d"]);
}

#[wasm_bindgen_test(unsupported = test)]
fn fields_required_and_fields_that_do_not_apply() {
    let mut a = example_arch();
    a["layers"][0].as_object_mut().unwrap().remove("out_channels");
    expect_error(&file(&a, &example_tensors()), &["conv1", "out_channels", "required"]);
    let mut a = example_arch();
    a["layers"][2]["out_features"] = json!(3);
    expect_error(&file(&a, &example_tensors()), &["pool1", "out_features", "does not apply"]);
    let mut a = example_arch();
    a["layers"][0]["bogus"] = json!(1);
    expect_error(&file(&a, &example_tensors()), &["bogus"]);
}

#[wasm_bindgen_test(unsupported = test)]
fn missing_extra_and_misshaped_tensors() {
    let mut t = example_tensors();
    t.remove(2);
    expect_error(&file(&example_arch(), &t), &["fc", "'fc.weight' is missing"]);

    let mut t = example_tensors();
    t.push(("conv9.weight", Dtype::F32, vec![1], f32s(1, 0.0)));
    expect_error(&file(&example_arch(), &t), &["no layer uses", "conv9.weight"]);

    let mut t = example_tensors();
    t[0] = ("conv1.weight", Dtype::F32, vec![8, 1, 3, 3], f32s(72, 0.0));
    expect_error(&file(&example_arch(), &t), &["conv1", "[8, 1, 3, 3]", "expected [8, in_channels, 5, 5]"]);

    let mut t = example_tensors();
    t[1] = ("conv1.bias", Dtype::F32, vec![7], f32s(7, 0.0));
    expect_error(&file(&example_arch(), &t), &["conv1.bias", "[7]", "expected [8]"]);

    let mut t = example_tensors();
    t[0] = ("conv1.weight", Dtype::F32, vec![8, 25], f32s(200, 0.0));
    expect_error(&file(&example_arch(), &t), &["conv1.weight", "4-D"]);
}

#[wasm_bindgen_test(unsupported = test)]
fn unsupported_dtypes_and_non_finite_weights() {
    for (dtype, bytes) in [(Dtype::I32, 4), (Dtype::F64, 8), (Dtype::U8, 1)] {
        let mut t = example_tensors();
        t[1] = ("conv1.bias", dtype, vec![8], vec![0u8; 8 * bytes]);
        expect_error(&file(&example_arch(), &t), &["conv1.bias", &format!("{dtype:?}"), "F32, F16 or BF16"]);
    }
    // Half-precision NaN and infinity are refused like their F32 counterparts.
    for (dtype, bits) in [(Dtype::F16, 0x7e00u16), (Dtype::F16, 0xfc00), (Dtype::BF16, 0x7f80)] {
        let mut t = example_tensors();
        let mut bytes: Vec<u8> = (0..8).flat_map(|_| 0x3c00u16.to_le_bytes()).collect();
        bytes[2 * 5..2 * 6].copy_from_slice(&bits.to_le_bytes());
        t[1] = ("conv1.bias", dtype, vec![8], bytes);
        expect_error(&file(&example_arch(), &t), &["conv1.bias", "element 5", "finite"]);
    }
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let mut t = example_tensors();
        let mut bytes = f32s(200, 0.5);
        bytes[4 * 37..4 * 38].copy_from_slice(&bad.to_le_bytes());
        t[0] = ("conv1.weight", Dtype::F32, vec![8, 1, 5, 5], bytes);
        expect_error(&file(&example_arch(), &t), &["conv1.weight", "element 37", "finite"]);
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn shape_chains_that_do_not_fit() {
    // conv2 expects 3 input channels but conv1 makes 8.
    let a = with_layers(json!([
        {"name": "conv1", "type": "conv2d", "out_channels": 8, "kernel_size": 5, "padding": 2},
        {"name": "conv2", "type": "conv2d", "out_channels": 4, "kernel_size": 3}]));
    let mut a = a;
    a.as_object_mut().unwrap().remove("labels");
    let t = vec![
        ("conv1.weight", Dtype::F32, vec![8, 1, 5, 5], f32s(200, 0.0)),
        ("conv2.weight", Dtype::F32, vec![4, 3, 3, 3], f32s(108, 0.0)),
    ];
    expect_error(&file(&a, &t), &["conv2", "3 input channels", "has 8"]);

    // The linear layer's in_features do not match the flattened size.
    let mut t = example_tensors();
    t[2] = ("fc.weight", Dtype::F32, vec![10, 784], f32s(7840, 0.0));
    expect_error(&file(&example_arch(), &t), &["fc", "784 input features", "1568"]);

    // linear straight on a spatial input, softmax on a spatial input.
    let a = with_layers(json!([{"name": "fc", "type": "linear", "out_features": 10}]));
    expect_error(&file(&a, &[("fc.weight", Dtype::F32, vec![10, 784], f32s(7840, 0.0))]), &["fc", "flatten"]);
    let mut a = with_layers(json!([{"name": "sm", "type": "softmax"}]));
    a.as_object_mut().unwrap().remove("labels");
    expect_error(&file(&a, &[]), &["sm", "vector"]);

    // Labels must match the output size.
    let mut a = example_arch();
    a["labels"] = json!(["a", "b"]);
    expect_error(&file(&a, &example_tensors()), &["2 labels", "[10]"]);
}

#[wasm_bindgen_test(unsupported = test)]
fn empty_outputs() {
    let mut a = with_layers(json!([{"name": "big", "type": "conv2d", "out_channels": 1, "kernel_size": 29}]));
    a.as_object_mut().unwrap().remove("labels");
    expect_error(&file(&a, &[("big.weight", Dtype::F32, vec![1, 1, 29, 29], f32s(841, 0.0))]), &["big", "empty"]);
    let mut a = with_layers(json!([{"name": "p", "type": "maxpool2d", "kernel_size": 3, "stride": 3},
                                   {"name": "p2", "type": "maxpool2d", "kernel_size": 3, "stride": 3},
                                   {"name": "p3", "type": "maxpool2d", "kernel_size": 3, "stride": 3},
                                   {"name": "p4", "type": "maxpool2d", "kernel_size": 3, "stride": 3}]));
    a.as_object_mut().unwrap().remove("labels");
    expect_error(&file(&a, &[]), &["p4", "empty"]);
    let mut a = with_layers(json!([{"name": "z", "type": "maxpool2d", "kernel_size": 2, "stride": 0}]));
    a.as_object_mut().unwrap().remove("labels");
    expect_error(&file(&a, &[]), &["z", "stride"]);
}

#[wasm_bindgen_test(unsupported = test)]
fn absurd_sizes_are_refused_before_allocating() {
    let mut a = example_arch();
    a["input"] = json!({"channels": 1, "height": 5000, "width": 28});
    expect_error(&file(&a, &example_tensors()), &["5000", "4096"]);

    // 16 x 4096 x 4096 = 268M activation values from one padded 1x1 conv: over the 1e8 limit.
    let mut a = with_layers(json!([{"name": "wide", "type": "conv2d", "out_channels": 16, "kernel_size": 1}]));
    a.as_object_mut().unwrap().remove("labels");
    a["input"] = json!({"channels": 1, "height": 4096, "width": 4096});
    expect_error(&file(&a, &[("wide.weight", Dtype::F32, vec![16, 1, 1, 1], f32s(16, 0.0))]), &["wide", "100000000"]);

    // Padding so large the output would be astronomically big.
    let mut a = with_layers(
        json!([{"name": "pad", "type": "conv2d", "out_channels": 1, "kernel_size": 1, "padding": 2000000000u64}]),
    );
    a.as_object_mut().unwrap().remove("labels");
    expect_error(&file(&a, &[("pad.weight", Dtype::F32, vec![1, 1, 1, 1], f32s(1, 0.0))]), &["pad"]);

    let mut a = example_arch();
    a["input"]["channels"] = json!(3_000_000_000u64);
    expect_error(&file(&a, &example_tensors()), &["input"]);
}

#[wasm_bindgen_test(unsupported = test)]
fn files_over_256_mb_are_refused_unread() {
    let big = vec![0u8; format::MAX_FILE_BYTES + 1];
    expect_error(&big, &["256 MB"]);
}

#[wasm_bindgen_test(unsupported = test)]
fn input_spec_and_names_are_checked() {
    let mut a = example_arch();
    a["input"]["mean"] = json!([0.1, 0.2]);
    expect_error(&file(&a, &example_tensors()), &["mean and std", "one value per channel"]);
    let mut a = example_arch();
    a["input"]["std"] = json!([0.0]);
    expect_error(&file(&a, &example_tensors()), &["std", "positive"]);
    let mut a = example_arch();
    a["layers"][1]["name"] = json!("conv1");
    expect_error(&file(&a, &example_tensors()), &["conv1", "twice"]);
    let a = with_layers(json!([]));
    expect_error(&file(&a, &[]), &["no layers"]);
}

#[wasm_bindgen_test(unsupported = test)]
fn bad_inputs_to_run() {
    let m = format::load(&file(&example_arch(), &example_tensors())).unwrap();
    let e = m.forward(&[0.5; 783]).unwrap_err();
    assert!(e.0.contains("783") && e.0.contains("784"), "{e}");
    let mut x = vec![0.5; 784];
    x[100] = f32::NAN;
    let e = m.forward(&x).unwrap_err();
    assert!(e.0.contains("100") && e.0.contains("NaN"), "{e}");
    let acts = m.forward(&[0.5; 784]).unwrap();
    assert!(m.backward(&acts, 6, &m.unit_seed(5, 0).unwrap(), None).is_err());
    assert!(m.unit_seed(5, 10).is_err());
    assert!(m.channel_mean_seed(5, 0).is_err());
    assert!(m.channel_mean_seed(0, 8).is_err());
}

/// Truncated, bit-flipped and random files never panic the loader (a deterministic fuzz that
/// also runs inside wasm; the host has a proptest version in fuzz_format.rs).
#[wasm_bindgen_test(unsupported = test)]
fn corrupted_files_give_errors_not_panics() {
    let mut rng = Rng::new(99);
    let old = format::save(&every_layer_model(&mut Rng::new(1), 2)).unwrap();
    let new = format::save(&every_op_model(&mut Rng::new(1))).unwrap();
    for i in 0..600 {
        let good = if i % 2 == 0 { &old } else { &new };
        let mut b = good.clone();
        match rng.range(0, 2) {
            0 => b.truncate(rng.range(0, good.len() - 1)),
            1 => {
                for _ in 0..rng.range(1, 8) {
                    let i = rng.range(0, b.len() - 1);
                    b[i] ^= 1 << rng.range(0, 7);
                }
            }
            _ => {
                let n = rng.range(0, 200);
                b = (0..n).map(|_| rng.next_u64() as u8).collect();
            }
        }
        // A file that still loads must also run (small inputs only, to keep this quick).
        if let Ok(m) = format::load(&b) {
            if m.input.len() <= 10_000 {
                let _ = m.forward(&vec![0.5; m.input.len()]);
            }
        }
    }
}
