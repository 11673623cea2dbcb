//! ONNX import: the reference models (built with the `onnx` package and run with onnxruntime by
//! tools/onnx/make_reference.py) give onnxruntime's outputs, and every kind of bad file gets a
//! clear error. Runs on the host and inside wasm (node): the data is compiled in.

mod onnx_common;

use convlens::{format, load, onnx, Shape};
use onnx_common::*;
use wasm_bindgen_test::wasm_bindgen_test;

/// (name, model, input batch, onnxruntime's output) of each reference model.
macro_rules! reference {
    ($($name:literal),* $(,)?) => {
        [$(($name,
            include_bytes!(concat!("data/onnx-ref/", $name, ".onnx")).as_slice(),
            include_bytes!(concat!("data/onnx-ref/", $name, ".input.pb")).as_slice(),
            include_bytes!(concat!("data/onnx-ref/", $name, ".output.pb")).as_slice())),*]
    };
}

/// (name, model, input, output).
type Reference = (&'static str, &'static [u8], &'static [u8], &'static [u8]);

const REFERENCE: [Reference; 9] = reference!(
    "lenet",
    "conv_bn_relu",
    "depthwise",
    "residual",
    "concat",
    "gemm",
    "matmul_add",
    "clip_hardswish",
    "reshape"
);

/// Reference models needing layer types that are not in this tree yet: each must fail with the
/// message given (e.g. "unknown layer type 'sigmoid'"); enabling one is deleting its line. Empty
/// since branch `ops` (batchnorm2d, groups, relu6, clip, sigmoid, hardswish, global_avgpool,
/// reshape, count_include_pad) was merged.
const PENDING: [(&str, &str); 0] = [];

fn pending(name: &str) -> Option<&'static str> {
    PENDING.iter().find(|p| p.0 == name).map(|p| p.1)
}

#[wasm_bindgen_test(unsupported = test)]
fn reference_models_match_onnxruntime() {
    let mut ran = Vec::new();
    for (name, bytes, input, output) in REFERENCE {
        let result = load::load_any(bytes);
        if let Some(why) = pending(name) {
            let e = result.err().unwrap_or_else(|| panic!("{name}: PENDING but loads now: enable it"));
            assert!(e.0.contains(why), "{name}: expected '{why}' while pending, got: {e}");
            continue;
        }
        let model = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        let diff =
            check_batch(&model, &read_tensor(input), &read_tensor(output)).unwrap_or_else(|e| panic!("{name}: {e}"));
        ran.push((name, diff));
    }
    println!("max |diff| per reference model: {ran:?}");
    assert_eq!(ran.len() + PENDING.len(), REFERENCE.len(), "ran: {ran:?}");
}

#[wasm_bindgen_test(unsupported = test)]
fn imported_layers_are_named_after_nodes_with_pytorch_tensors() {
    let m = onnx::import(REFERENCE[0].1).unwrap();
    let names: Vec<&str> = m.layers.iter().map(|l| l.name.as_str()).collect();
    // Dropout is elided; everything else is one layer named after its node.
    assert_eq!(names, ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "flat", "fc", "prob"]);
    let types: Vec<&str> = m.layers.iter().map(|l| l.kind.type_name()).collect();
    assert_eq!(types, ["conv2d", "relu", "maxpool2d", "conv2d", "relu", "maxpool2d", "flatten", "linear", "softmax"]);
    assert_eq!(m.input.channels, 1);
    assert_eq!((m.input.height, m.input.width), (28, 28));
    assert_eq!(m.layers[7].parameters().unwrap().1, [10, 588]);
    assert_eq!(m.layers.last().unwrap().output_shape, Shape::Vector(10));
    // The imported model saves as a convlens model file and loads back the same.
    let back = format::load(&format::save(&m).unwrap()).unwrap();
    assert_eq!(format::architecture(&back), format::architecture(&m));
    // MatMul + Add is one linear layer with a bias; Concat reads both branches.
    let m = onnx::import(REFERENCE[4].1).unwrap();
    let fc = m.layers.iter().find(|l| l.name == "fc").unwrap();
    assert!(fc.parameters().unwrap().2.is_some());
    assert!(!m.layers.iter().any(|l| l.name == "fc_bias"));
    let cat = m.layers.iter().find(|l| l.name == "cat").unwrap();
    assert_eq!(cat.inputs.len(), 2);
}

// ------------------------------------------------------------------ errors

fn import_err(m: &convlens::onnx::proto::ModelProto) -> String {
    match load::load_any(&encode(m)) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.0,
    }
}

fn conv_nodes() -> (Vec<convlens::onnx::proto::NodeProto>, Vec<convlens::onnx::proto::TensorProto>) {
    (
        vec![node("Conv", "conv0", &["x", "w"], &["c"], vec![]), node("Relu", "relu0", &["c"], &["y"], vec![])],
        vec![tensor("w", &[2, 1, 3, 3], &[0.1; 18])],
    )
}

#[wasm_bindgen_test(unsupported = test)]
fn unsupported_operators_are_listed_all_at_once_with_their_nodes() {
    let (mut nodes, inits) = conv_nodes();
    nodes.push(node("LSTM", "lstm_1", &["y"], &["l"], vec![]));
    nodes.push(node("Relu", "r2", &["l"], &["r"], vec![]));
    nodes.push(node("Pad", "pad0", &["r"], &["p"], vec![]));
    nodes.push(node("MaxPool", "mp", &["p"], &["q"], vec![ints("kernel_shape", &[2, 2]), int("ceil_mode", 1)]));
    nodes.push(node("Conv", "asym", &["y", "w2"], &["z"], vec![ints("pads", &[0, 0, 1, 1])]));
    nodes.push(node("Gelu", "g", &["z"], &["out"], vec![]));
    let mut inits = inits;
    inits.push(tensor("w2", &[2, 2, 1, 1], &[0.5; 4]));
    let e = import_err(&model(&[None, Some(1), Some(8), Some(8)], nodes, inits, "out", 17));
    assert!(
        e.starts_with(
            "ONNX model: unsupported ONNX operators: LSTM (node 2 'lstm_1'), Pad (node 4 'pad0'), Gelu (node 7 'g')"
        ),
        "{e}"
    );
    // Nodes after an unsupported one are not reported again (MaxPool reads Pad's output)...
    assert!(!e.contains("'mp'"), "{e}");
    // ...but unsupported attribute values elsewhere are, in the same message.
    assert!(e.contains("Conv (node 6 'asym'): pads [0, 0, 1, 1]"), "{e}");
    assert!(e.contains("not symmetric"), "{e}");
}

#[wasm_bindgen_test(unsupported = test)]
fn unsupported_attribute_values_name_the_node_and_the_value() {
    let x = [None, Some(1), Some(8), Some(8)];
    let cases: Vec<(Vec<convlens::onnx::proto::AttributeProto>, &str)> = vec![
        (vec![ints("kernel_shape", &[3, 3]), int("ceil_mode", 1), ints("strides", &[2, 2])], "ceil_mode 1"),
        (vec![ints("kernel_shape", &[2, 2]), ints("dilations", &[2, 2])], "dilations other than 1"),
        (vec![ints("kernel_shape", &[3])], "1-D and 3-D are not supported"),
        (vec![ints("kernel_shape", &[2, 2]), string("auto_pad", "SAME_UPPER")], "cannot be split evenly"),
        (vec![ints("kernel_shape", &[2, 2]), int("foo", 1)], "attribute 'foo' is not supported"),
    ];
    for (attrs, want) in cases {
        let nodes = vec![node("MaxPool", "pool", &["x"], &["y"], attrs)];
        let e = import_err(&model(&x, nodes, vec![], "y", 17));
        assert!(e.contains("MaxPool (node 0 'pool')") && e.contains(want), "{want}: {e}");
    }
    // Flatten axis, Softmax on an image, Gemm transA, a constant Add, MaxPool indices used.
    let w = || tensor("w", &[64, 3], &[0.1; 192]);
    let cases: Vec<(Vec<convlens::onnx::proto::NodeProto>, Vec<convlens::onnx::proto::TensorProto>, &str)> = vec![
        (vec![node("Flatten", "f", &["x"], &["y"], vec![int("axis", 2)])], vec![], "axis 2 is not supported"),
        (vec![node("Softmax", "s", &["x"], &["y"], vec![])], vec![], "Softmax to [N, K] class scores"),
        (
            vec![
                node("Flatten", "f", &["x"], &["v"], vec![]),
                node("Gemm", "gm", &["v", "w"], &["y"], vec![int("transA", 1)]),
            ],
            vec![w()],
            "transA 1",
        ),
        (vec![node("Add", "a", &["x", "k"], &["y"], vec![])], vec![tensor("k", &[1], &[1.0])], "adding a constant"),
        (
            vec![
                node("MaxPool", "mp", &["x"], &["y", "idx"], vec![ints("kernel_shape", &[2, 2])]),
                node("Add", "a", &["y", "idx"], &["z"], vec![]),
            ],
            vec![],
            "indices",
        ),
        (
            vec![node("Reshape", "r", &["x", "s"], &["y"], vec![])],
            vec![int_tensor("s", &[2], &[2, -1])],
            "the first (batch) dimension",
        ),
    ];
    for (nodes, inits, want) in cases {
        let out = nodes.last().unwrap().output[0].clone();
        let e = import_err(&model(&x, nodes, inits, &out, 17));
        assert!(e.contains(want), "{want}: {e}");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn opset_input_and_graph_problems_are_explained() {
    let (nodes, inits) = conv_nodes();
    let x = [None, Some(1), Some(8), Some(8)];
    for (opset, ok) in [(10, false), (11, true), (21, true), (22, false)] {
        let r = load::load_any(&encode(&model(&x, nodes.clone(), inits.clone(), "y", opset)));
        assert_eq!(r.is_ok(), ok, "opset {opset}: {:?}", r.err());
        if !ok {
            let e = r.err().unwrap().0;
            assert!(e.contains(&format!("opset {opset}")) && e.contains("opsets 11 to 21"), "{e}");
        }
    }
    let mut m = model(&x, nodes.clone(), inits.clone(), "y", 17);
    m.opset_import[0].domain = Some("com.microsoft".into());
    assert!(import_err(&m).contains("no opset of the default ONNX domain"));
    // Inputs: rank, batch, unknown sizes.
    for (shape, want) in [
        (vec![None, Some(1), Some(8)], "takes an image [N, C, H, W]"),
        (vec![Some(4), Some(1), Some(8), Some(8)], "batch dimension must be 1 or symbolic"),
        (vec![None, Some(1), None, Some(8)], "must be fixed positive numbers"),
    ] {
        let e = import_err(&model(&shape, nodes.clone(), inits.clone(), "y", 17));
        assert!(e.contains(want), "{want}: {e}");
    }
    // Two non-initializer inputs.
    let mut m = model(&x, nodes.clone(), inits.clone(), "y", 17);
    m.graph.as_mut().unwrap().input.push(value_info("x2", &x));
    assert!(import_err(&m).contains("2 inputs that are not initializers ('x', 'x2')"));
    // Two outputs; an output nobody produces; a weight that is computed; external data; ints as weights.
    let mut m = model(&x, nodes.clone(), inits.clone(), "y", 17);
    m.graph.as_mut().unwrap().output.push(value_info("c", &[]));
    assert!(import_err(&m).contains("2 outputs"));
    assert!(import_err(&model(&x, nodes.clone(), inits.clone(), "nope", 17)).contains("'nope' is not produced"));
    let e = import_err(&model(&x, nodes.clone(), vec![], "y", 17));
    assert!(e.contains("the weight ('w') must be a constant"), "{e}");
    let mut ext = inits.clone();
    ext[0].raw_data = None;
    ext[0].data_location = Some(1);
    ext[0].external_data = vec![convlens::onnx::proto::StringStringEntryProto {
        key: Some("location".into()),
        value: Some("w.bin".into()),
    }];
    let e = import_err(&model(&x, nodes.clone(), ext, "y", 17));
    assert!(e.contains("external file ('w.bin')"), "{e}");
    let mut short = inits.clone();
    short[0].raw_data.as_mut().unwrap().pop();
    assert!(import_err(&model(&x, nodes.clone(), short, "y", 17)).contains("71 bytes of raw data"));
    let mut strings = inits.clone();
    strings[0].data_type = Some(8);
    assert!(import_err(&model(&x, nodes.clone(), strings, "y", 17)).contains("data type STRING"));
    // Shapes that do not fit are caught by the model builder, naming the layer.
    let mut wrong = inits;
    wrong[0] = tensor("w", &[2, 3, 3, 3], &[0.1; 54]);
    let e = import_err(&model(&x, nodes, wrong, "y", 17));
    assert!(e.contains("conv0") && e.contains("input channels"), "{e}");
}

#[wasm_bindgen_test(unsupported = test)]
fn formats_are_told_apart_and_errors_say_which_was_assumed() {
    let e = load::load_any(b"definitely not a model file").err().unwrap().0;
    assert!(e.contains("neither safetensors") && e.contains("nor ONNX"), "{e}");
    let e = load::load_any(&[]).err().unwrap().0;
    assert!(e.contains("neither safetensors"), "{e}");
    // A safetensors header with bad JSON: the safetensors loader's message, labelled.
    let mut st = 10u64.to_le_bytes().to_vec();
    st.extend(b"{\"a\": 1}  ");
    let e = load::load_any(&st).err().unwrap().0;
    assert!(e.starts_with("safetensors model file: "), "{e}");
    // A safetensors file cut short says so.
    let digits = include_bytes!("../models/digits.safetensors");
    let e = load::load_any(&digits[..100]).err().unwrap().0;
    assert!(e.contains("header length points past the end of the file"), "{e}");
    // The builtin model files still load through load_any.
    assert_eq!(load::load_any(digits).unwrap().layers.len(), 9);
    // An ONNX file cut short.
    let bytes = REFERENCE[0].1;
    let e = load::load_any(&bytes[..bytes.len() / 2]).err().unwrap().0;
    assert!(e.contains("ONNX"), "{e}");
}

/// Seeded fuzz inside wasm too (the host also runs the proptest in fuzz_onnx.rs): cut and
/// bit-flipped ONNX files give errors with messages, never a panic.
#[wasm_bindgen_test(unsupported = test)]
fn corrupted_onnx_files_never_panic() {
    let good = REFERENCE[4].1;
    let mut rng = convlens::rng::Rng::new(8);
    for i in 0..300 {
        let mut b = good.to_vec();
        if i % 3 == 0 {
            b.truncate(rng.below(good.len()));
        } else {
            for _ in 0..rng.range(1, 7) {
                let at = rng.below(b.len());
                b[at] ^= 1 << rng.below(8);
            }
        }
        if let Err(e) = load::load_any(&b) {
            assert!(!e.0.is_empty());
        }
    }
}

/// docs/onnx.md's operator table names every operator of the registry once and no other, and the
/// opsets it states are the ones the importer reads.
#[wasm_bindgen_test(unsupported = test)]
fn the_documented_operator_table_matches_the_registry() {
    let doc = include_str!("../docs/onnx.md");
    let table = doc.split("## Operators").nth(1).expect("an '## Operators' section");
    let mut documented: Vec<&str> = table
        .lines()
        .skip_while(|l| !l.starts_with("| ---"))
        .skip(1)
        .take_while(|l| l.starts_with('|'))
        .flat_map(|row| row.split('|').nth(1).unwrap_or("").split('`').skip(1).step_by(2))
        .collect();
    documented.sort();
    let mut registry = onnx::OPERATORS.to_vec();
    registry.sort();
    assert_eq!(documented, registry);
    assert!(doc.contains(&format!("opset {} to {}", onnx::OPSET_MIN, onnx::OPSET_MAX)), "the opsets");
}
