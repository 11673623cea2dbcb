//! The layer types of the model file: each one's fields, defaults and errors, round trips of
//! every type, and docs/model-format.md's table checked against the types the code knows. Runs on
//! the host and inside wasm (node).

mod common;
mod format_common;

use common::*;
use convlens::format;
use format_common::*;
use safetensors::tensor::Dtype;
use serde_json::{json, Value};
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test(unsupported = test)]
fn every_new_layer_type_round_trips() {
    let mut rng = Rng::new(24);
    for model in [every_op_model(&mut rng), mobilenet_block_model(&mut rng)] {
        let bytes = format::save(&model).unwrap();
        let back = format::load(&bytes).unwrap();
        assert_eq!(format::architecture(&back), format::architecture(&model));
        assert_eq!(back.params(), model.params());
        let n = model.input.len();
        let x = rng.spaced(n);
        assert_eq!(model.forward(&x).unwrap().outputs, back.forward(&x).unwrap().outputs);
        assert_eq!(format::save(&back).unwrap(), bytes);
        // F16 storage loads back to the same architecture (batchnorm statistics included).
        let half = format::load(&format::save_as(&model, format::Storage::F16).unwrap()).unwrap();
        assert_eq!(format::architecture(&half), format::architecture(&model));
    }
    // What the file says of each layer (its JSON object).
    let arch = serde_json::to_value(format::architecture(&every_op_model(&mut rng))).unwrap();
    let layers = arch["layers"].as_array().unwrap().clone();
    let layer = |name: &str| layers.iter().find(|l| l["name"] == name).unwrap().clone();
    assert_eq!(layer("g")["groups"], 2);
    assert!(layer("c").get("groups").is_none(), "groups 1 is not written");
    assert_eq!(layer("dw")["groups"], 4);
    assert_eq!(layer("bn")["eps"].as_f64(), Some(1e-3f32 as f64));
    assert_eq!((layer("clip")["min"].as_f64(), layer("clip").get("max")), (Some(-0.5), None));
    assert_eq!(layer("drop")["p"].as_f64(), Some(0.1f32 as f64));
    assert_eq!(layer("rs2")["shape"], json!([3, 2, -1]));
    assert_eq!(layer("avg")["count_include_pad"], true);
    assert_eq!(layer("sig")["inputs"], json!(["dw"]));
    // Every type the format knows is in these test models (the older ones in every_layer_model).
    for &t in convlens::architecture::LAYER_TYPES {
        let old = ["concat", "maxpool2d", "softmax", "flatten"].contains(&t);
        assert!(old || layers.iter().any(|l| l["type"] == t), "{t} is not in every_op_model");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn new_layer_types_load_with_their_fields_and_defaults() {
    // Depthwise conv (ones, pad 1: every output is its channel's sum), batchnorm with eps 0.25 and
    // no gamma/beta (defaults 1 and 0), relu6, a clip with a lower bound only, hardswish, sigmoid,
    // global average pooling, reshape and dropout.
    let layers = json!([
        {"name": "dw", "type": "conv2d", "out_channels": 2, "kernel_size": 3, "padding": 1, "groups": 2},
        {"name": "bn", "type": "batchnorm2d", "eps": 0.25},
        {"name": "r6", "type": "relu6"},
        {"name": "cl", "type": "clip", "min": 1.5},
        {"name": "hs", "type": "hardswish"},
        {"name": "sg", "type": "sigmoid", "inputs": ["cl"]},
        {"name": "gap", "type": "global_avgpool", "inputs": ["hs"]},
        {"name": "rs", "type": "reshape", "shape": [-1]},
        {"name": "dr", "type": "dropout"},
        {"name": "avg", "type": "avgpool2d", "kernel_size": 2, "stride": 2, "padding": 1, "count_include_pad": true, "inputs": ["input"]}]);
    let mut t = vec![("dw.weight", vec![2, 1, 3, 3], vec![1.0; 18])];
    t.extend(bn_tensors(vec![1.0, 2.0], vec![3.75, 0.75]));
    let m = format::load(&ops_file(layers, &t)).unwrap();
    assert!(matches!(&m.layers[0].kind, convlens::LayerKind::Conv2d(c) if c.groups == 2 && c.in_channels() == 2));
    match &m.layers[1].kind {
        convlens::LayerKind::BatchNorm2d(b) => {
            assert_eq!(b.eps, 0.25);
            assert_eq!(b.weight.to_vec(), [1.0, 1.0]);
            assert_eq!(b.bias.to_vec(), [0.0, 0.0]);
        }
        k => panic!("not a batchnorm: {k:?}"),
    }
    assert!(matches!(m.layers[3].kind, convlens::LayerKind::Clip { min: Some(1.5), max: None }));
    assert!(matches!(m.layers[8].kind, convlens::LayerKind::Dropout { p: 0.5 }), "PyTorch's default p");
    assert_eq!(m.layers[7].output_shape, convlens::Shape::Vector(2));
    // Channel sums 1+2+3+4 = 10 and 0+0+0+4 = 4; batchnorm: (10 - 1) / 2 = 4.5 and (4 - 2) / 1 = 2;
    // relu6 keeps both; clip at 1.5 too; hardswish: 4.5 and 2 * 5 / 6.
    let x = [1., 2., 3., 4., 0., 0., 0., 4.];
    let acts = m.forward(&x).unwrap();
    let out = |i: usize| acts.outputs[i].iter().copied().collect::<Vec<f32>>();
    assert_eq!(out(1), [4.5, 4.5, 4.5, 4.5, 2., 2., 2., 2.]);
    assert_eq!(out(6), [4.5, 10. / 6.]);
    assert_eq!(out(8), [4.5, 10. / 6.]);
    // count_include_pad: each 2x2 window at stride 2, padding 1, holds one input cell.
    assert_eq!(out(9), [0.25, 0.5, 0.75, 1., 0., 0., 0., 1.]);
    // The layers without the optional fields read back with their defaults written out.
    let arch = serde_json::to_value(format::architecture(&m)).unwrap();
    assert_eq!(arch["layers"][8]["p"], 0.5);
    assert_eq!(arch["layers"][1]["eps"], 0.25);
}

/// PyTorch's `BatchNorm2d` state_dict holds an integer step counter, `num_batches_tracked`: a
/// batchnorm layer accepts (and ignores) its own; any other stays an error.
#[wasm_bindgen_test(unsupported = test)]
fn batchnorm_step_counters_from_pytorch_are_accepted() {
    let arch = json!({"input": {"channels": 2, "height": 2, "width": 2}, "layers": [
        {"name": "bn", "type": "batchnorm2d"}, {"name": "conv", "type": "conv2d", "out_channels": 1, "kernel_size": 1}]});
    let f32_tensor = |n: &'static str, shape: Vec<usize>, v: Vec<f32>| {
        (n, Dtype::F32, shape, v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>())
    };
    let base = vec![
        f32_tensor("bn.running_mean", vec![2], vec![1.0, 2.0]),
        f32_tensor("bn.running_var", vec![2], vec![4.0, 1.0]),
        f32_tensor("conv.weight", vec![1, 2, 1, 1], vec![1.0, 1.0]),
    ];
    let counter = |n: &'static str, shape: Vec<usize>| {
        let bytes = 12345i64.to_le_bytes().repeat(shape.iter().product());
        (n, Dtype::I64, shape, bytes)
    };
    for shape in [vec![], vec![1]] {
        let with = [base.clone(), vec![counter("bn.num_batches_tracked", shape.clone())]].concat();
        let m = format::load(&file(&arch, &with)).unwrap_or_else(|e| panic!("shape {shape:?}: {}", e.0));
        let plain = format::load(&file(&arch, &base)).unwrap();
        let x = [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0];
        let out = |m: &convlens::model::Model| m.forward(&x).unwrap().outputs[1].iter().copied().collect::<Vec<f32>>();
        assert_eq!(out(&m), out(&plain), "the counter changes nothing");
    }
    // Not a batchnorm's, not one integer, or not an integer: the usual errors.
    let cases = [
        (counter("conv.num_batches_tracked", vec![]), vec!["tensors no layer uses", "conv.num_batches_tracked"]),
        (counter("bn.num_batches_tracked", vec![2]), vec!["bn.num_batches_tracked", "I64", "F32, F16 or BF16"]),
        (f32_tensor("bn.num_batches_tracked", vec![], vec![3.0]), vec!["tensors no layer uses"]),
    ];
    for (extra, needles) in cases {
        let mut t = base.clone();
        t.push(extra);
        expect_error(&file(&arch, &t), &needles);
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn batchnorm_file_errors_name_the_layer_and_tensor() {
    let bn = json!([{"name": "bn", "type": "batchnorm2d"}]);
    let good = bn_tensors(vec![0.0, 0.0], vec![1.0, 1.0]);
    let cases: Vec<(Value, RawTensors, Vec<&str>)> = vec![
        (bn.clone(), vec![good[1].clone()], vec!["layer 0 'bn' (batchnorm2d)", "'bn.running_mean' is missing"]),
        (bn.clone(), vec![good[0].clone()], vec!["layer 0 'bn'", "'bn.running_var' is missing"]),
        (
            bn.clone(),
            bn_tensors(vec![0.0, 0.0], vec![1.0, -1.0]),
            vec!["'bn.running_var' holds -1 at element 1", "variance cannot be negative"],
        ),
        (bn.clone(), bn_tensors(vec![0.0, 0.0], vec![1.0; 3]), vec!["'bn.running_var' has shape [3], expected [2]"]),
        (
            bn.clone(),
            vec![("bn.running_mean", vec![1, 2], vec![0.0; 2]), good[1].clone()],
            vec!["'bn.running_mean' has shape [1, 2]", "1-D"],
        ),
        (
            bn.clone(),
            [good.clone(), vec![("bn.weight", vec![3], vec![1.0; 3])]].concat(),
            vec!["'bn.weight' has shape [3], expected [2]"],
        ),
        (
            bn.clone(),
            [good.clone(), vec![("bn.bias", vec![2, 1], vec![1.0; 2])]].concat(),
            vec!["'bn.bias' has shape [2, 1], expected [2]"],
        ),
        (
            bn.clone(),
            bn_tensors(vec![0.0; 3], vec![1.0; 3]),
            vec!["layer 0 'bn' (batchnorm2d)", "statistics for 3 channels but the input has 2"],
        ),
        (
            json!([{"name": "bn", "type": "batchnorm2d", "eps": 0}]),
            good.clone(),
            vec!["field 'eps' must be a number above 0"],
        ),
        (json!([{"name": "bn", "type": "batchnorm2d", "eps": -0.1}]), good.clone(), vec!["'eps'", "above 0"]),
        (json!([{"name": "bn", "type": "batchnorm2d", "eps": 1e60}]), good.clone(), vec!["'eps'", "inf"]),
        (
            json!([{"name": "f", "type": "flatten"}, {"name": "bn", "type": "batchnorm2d"}]),
            bn_tensors(vec![0.0; 8], vec![1.0; 8]),
            vec!["layer 1 'bn' (batchnorm2d)", "spatial"],
        ),
        (
            json!([{"name": "bn", "type": "batchnorm2d", "groups": 2}]),
            good.clone(),
            vec!["field 'groups' does not apply to a batchnorm2d layer"],
        ),
    ];
    for (layers, tensors, needles) in cases {
        expect_error(&ops_file(layers, &tensors), &needles);
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn grouped_conv_and_other_new_layer_file_errors() {
    let conv = |groups: Value, out: usize| json!([{"name": "g", "type": "conv2d", "out_channels": out, "kernel_size": 1, "groups": groups}]);
    let w = |o: usize, i: usize| vec![("g.weight", vec![o, i, 1, 1], vec![0.5; o * i])];
    expect_error(&ops_file(conv(json!(0), 2), &w(2, 2)), &["layer 0 'g' (conv2d)", "'groups' must be at least 1"]);
    expect_error(&ops_file(conv(json!(2), 3), &w(3, 1)), &["out_channels 3 is not divisible by groups 2"]);
    expect_error(
        &ops_file(conv(json!(2), 4), &w(4, 2)),
        &["layer 0 'g'", "2 input channels per group (2 groups: 4 in all) but the input has 2"],
    );
    expect_error(
        &ops_file(conv(json!(2), 2), &[("g.weight", vec![2, 1, 3, 3], vec![0.5; 18])]),
        &["'g.weight' has shape [2, 1, 3, 3], expected [2, in_channels / groups, 1, 1]"],
    );
    expect_error(&ops_file(conv(json!(-1), 2), &w(2, 1)), &["architecture JSON"]);
    assert!(format::load(&ops_file(conv(json!(2), 4), &w(4, 1))).is_ok(), "depthwise with multiplier 2");

    let one = |layer: Value| ops_file(json!([layer]), &[]);
    for (layer, needles) in [
        (json!({"name": "c", "type": "clip", "min": 2, "max": 1}), vec!["layer 0 'c' (clip)", "min 2 is above max 1"]),
        (json!({"name": "d", "type": "dropout", "p": 1.5}), vec!["layer 0 'd' (dropout)", "between 0 and 1, got 1.5"]),
        (json!({"name": "c", "type": "clip", "max": 1e39}), vec!["layer 0 'c' (clip)", "finite"]),
        (json!({"name": "r", "type": "reshape"}), vec!["layer 0 'r' (reshape)", "field 'shape' is required"]),
        (json!({"name": "r", "type": "reshape", "shape": [0, -1]}), vec!["layer 0 'r'", "must be [n] or [c, h, w]"]),
        (json!({"name": "r", "type": "reshape", "shape": [7]}), vec!["holds 7 values but the input [2, 2, 2] has 8"]),
        (json!({"name": "r", "type": "reshape", "shape": [-1, -1, 2]}), vec!["more than one -1"]),
        (json!({"name": "r", "type": "reshape", "shape": [2.5]}), vec!["architecture JSON"]),
        (json!({"name": "x", "type": "relu6", "min": 0}), vec!["field 'min' does not apply to a relu6 layer"]),
        (
            json!({"name": "x", "type": "maxpool2d", "kernel_size": 2, "count_include_pad": true}),
            vec!["'count_include_pad' does not apply"],
        ),
        (
            json!({"name": "x", "type": "linear", "out_features": 2, "groups": 1}),
            vec!["'groups' does not apply to a linear layer"],
        ),
        (
            json!({"name": "x", "type": "conv2d", "out_channels": 2, "kernel_size": 1, "eps": 0.1}),
            vec!["'eps' does not apply"],
        ),
        (json!({"name": "x", "type": "dropout", "shape": [8]}), vec!["'shape' does not apply to a dropout layer"]),
        (json!({"name": "x", "type": "sigmoid", "p": 0.5}), vec!["'p' does not apply to a sigmoid layer"]),
        (json!({"name": "x", "type": "global_avgpool", "kernel_size": 2}), vec!["'kernel_size' does not apply"]),
        (
            json!({"name": "x", "type": "hardswish", "count_include_pad": false}),
            vec!["does not apply to a hardswish layer"],
        ),
        (
            json!({"name": "x", "type": "swish"}),
            vec!["unknown layer type 'swish'", "batchnorm2d", "hardswish", "global_avgpool"],
        ),
    ] {
        expect_error(&one(layer), &needles);
    }
    // Layers without tensors refuse ones named after them.
    expect_error(
        &ops_file(json!([{"name": "r6", "type": "relu6"}]), &[("r6.weight", vec![1], vec![1.0])]),
        &["no layer uses", "r6.weight"],
    );
}

/// docs/model-format.md's table of layer types lists every type the code reads, in its order, each
/// with exactly its fields (the backquoted names of the second column).
#[wasm_bindgen_test(unsupported = test)]
fn the_documented_layer_table_matches_the_layer_types() {
    use convlens::architecture::{LayerType, LAYER_TYPES};
    let doc = include_str!("../docs/model-format.md");
    let table = doc.split("### Layer types").nth(1).expect("a '### Layer types' section");
    let quoted = |cell: &str| -> Vec<String> { cell.split('`').skip(1).step_by(2).map(str::to_string).collect() };
    let mut types = Vec::new();
    for row in table.lines().skip_while(|l| !l.starts_with("| ---")).skip(1).take_while(|l| l.starts_with('|')) {
        let cells: Vec<&str> = row.split('|').collect();
        let [t] = &quoted(cells[1])[..] else { panic!("one type per row: {row}") };
        let mut documented = quoted(cells[2]);
        documented.sort();
        documented.dedup();
        let mut fields: Vec<String> = LayerType::fields(t)
            .unwrap_or_else(|| panic!("{t}: not a layer type"))
            .iter()
            .map(|f| f.to_string())
            .collect();
        fields.sort();
        assert_eq!(documented, fields, "the fields of {t}");
        types.push(t.clone());
    }
    assert_eq!(types, LAYER_TYPES, "the table's types");
}

/// The type name a layer has in the file is the one the JS summary shows.
#[wasm_bindgen_test(unsupported = test)]
fn every_layer_kind_has_its_file_type() {
    let mut rng = Rng::new(25);
    for model in [every_op_model(&mut rng), every_layer_model(&mut rng, 2), mobilenet_block_model(&mut rng)] {
        for l in &model.layers {
            assert_eq!(convlens::architecture::LayerType::of(&l.kind).type_name(), l.kind.type_name());
        }
    }
}

/// A file with the architecture JSON as text (for JSON that serde_json's Value cannot hold).
fn text_file(arch: &str) -> Vec<u8> {
    let meta = std::collections::HashMap::from([("convlens".to_string(), arch.to_string())]);
    let none: Vec<(&str, safetensors::tensor::TensorView)> = vec![];
    safetensors::serialize(none, Some(meta)).unwrap()
}

#[wasm_bindgen_test(unsupported = test)]
fn null_fields_count_as_absent_and_repeated_keys_are_refused() {
    let w = [("c.weight", vec![2, 2, 1, 1], vec![0.5; 4])];
    let with = |extra: Value| {
        let mut l = json!({"name": "c", "type": "conv2d", "out_channels": 2, "kernel_size": 1});
        for (k, v) in extra.as_object().unwrap() {
            l[k] = v.clone();
        }
        ops_file(json!([l, {"name": "r", "type": "relu", "min": null, "inputs": null}]), &w)
    };
    let plain = format::load(&with(json!({}))).unwrap();
    for nulls in [json!({"stride": null}), json!({"groups": null, "padding": null}), json!({"p": null, "eps": null})] {
        let m = format::load(&with(nulls.clone())).unwrap_or_else(|e| panic!("{nulls}: {e}"));
        assert_eq!(format::architecture(&m), format::architecture(&plain), "{nulls}");
    }
    expect_error(&with(json!({"out_channels": null})), &["layer 0 'c' (conv2d)", "field 'out_channels' is required"]);
    let head = r#"{"input": {"channels": 1, "height": 2, "width": 2}, "layers": ["#;
    for (layer, needles) in [
        (r#"{"name": "r", "type": "relu", "type": "relu"}"#, vec!["architecture JSON", "duplicate field `type`"]),
        (r#"{"name": "c", "type": "clip", "min": 1, "min": 2}"#, vec!["duplicate field `min`"]),
    ] {
        expect_error(&text_file(&format!("{head}{layer}]}}")), &needles);
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn json_errors_name_the_layer_and_the_field() {
    let one = |layer: Value| ops_file(json!([layer]), &[]);
    for (layer, needles) in [
        (
            json!({"name": "c", "type": "conv2d", "out_channels": 1, "kernel_size": "3"}),
            vec!["layer 0 'c' (conv2d)", "field 'kernel_size'", "[h, w]"],
        ),
        (
            json!({"name": "c", "type": "conv2d", "out_channels": 1.5, "kernel_size": 3}),
            vec!["field 'out_channels'", "1.5"],
        ),
        (
            json!({"name": "p", "type": "avgpool2d", "kernel_size": 2, "count_include_pad": 1}),
            vec!["field 'count_include_pad'", "boolean"],
        ),
        (json!({"name": "d", "type": "dropout", "p": "half"}), vec!["layer 0 'd' (dropout)", "field 'p'"]),
        (json!({"name": "r", "type": "relu", "inputs": "input"}), vec!["layer 0 'r' (relu)", "field 'inputs'"]),
        (json!({"name": 3, "type": "relu"}), vec!["layer 0", "field 'name'"]),
        (json!({"name": "r"}), vec!["layer 0 'r'", "field 'type' is required"]),
        (json!({"type": "relu"}), vec!["layer 0", "field 'name' is required"]),
        (json!({"name": "r", "type": 6}), vec!["layer 0 'r'", "field 'type'"]),
        (
            json!({"name": "r", "type": "relu", "colour": 1}),
            vec!["unknown field 'colour'", "fields of a relu layer: none"],
        ),
        (
            json!({"name": "l", "type": "linear", "out_features": 2, "out_feature": 1}),
            vec!["unknown field 'out_feature'", "out_features"],
        ),
        (json!("relu"), vec!["architecture JSON", "layer object"]),
    ] {
        let mut needles = needles;
        needles.push("architecture JSON (metadata 'convlens')");
        expect_error(&one(layer), &needles);
    }
}
