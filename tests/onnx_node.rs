//! ONNX's own backend node test cases (tests/data/onnx-node/, written by
//! tools/onnx/make_node_cases.py from the onnx 1.23.2 package) for the operators convlens imports.
//!
//! Every case in MANIFEST.tsv is accounted for: it runs and matches the expected output (max |diff|
//! <= 1e-4 x max(1, max |expected|), per sample of the batch), or it is in [`SKIP`] with the reason
//! and the importer must reject it with that message (cases whose data was not written are only
//! listed), or it is in [`PENDING`] (needs a layer type from branch `ops`) and must currently fail
//! with the message given. Nothing is skipped silently.
//!
//! The node cases make every operand a graph input (weights too), so each is adapted the way an
//! exporter writes a model: inputs after the first become initializers (their test data), and for
//! element-wise operators (Relu, Sigmoid, HardSwish, Clip, Identity, Dropout) an input of rank
//! other than 2 or 4 is run as one [1, n, 1, 1] sample (element-wise results do not depend on the
//! shape).
//!
//! Host only: it reads the case directories with std::fs (wasm in node has no file system here);
//! the reference models in onnx_import.rs run in wasm too.
#![cfg(not(target_arch = "wasm32"))]

mod onnx_common;

use convlens::onnx::proto::{tensor_shape_proto::dimension::Value as Dim, type_proto, ModelProto};
use onnx_common::*;
use prost::Message;
use std::path::{Path, PathBuf};

/// Cases not run, grouped by reason: (why, a piece of the importer's error message for them, ""
/// when their data was not written; the cases).
const SKIP: &[(&str, &str, &[&str])] = &[
    (
        "pads over half the kernel (convlens's pooling limit, as in PyTorch)",
        "must be at most half of kernel_size",
        &["test_averagepool_2d_pads_count_include_pad", "test_averagepool_2d_pads", "test_maxpool_2d_pads"],
    ),
    ("min above max (convlens's clip layer rejects it)", "is above max", &["test_clip_min_greater_than_max"]),
    (
        "rank-3 input with a shape-dependent result",
        "convlens takes an image",
        &[
            "test_add",
            "test_add_bcast",
            "test_softmax_axis_0",
            "test_softmax_axis_1",
            "test_softmax_axis_2",
            "test_softmax_default_axis",
            "test_softmax_negative_axis",
        ],
    ),
    (
        "integer input (convlens computes in float32)",
        "convlens takes FLOAT inputs",
        &[
            "test_add_int16",
            "test_add_int8",
            "test_add_uint16",
            "test_add_uint32",
            "test_add_uint64",
            "test_add_uint8",
            "test_clip_default_int8_inbounds",
            "test_clip_default_int8_max",
            "test_clip_default_int8_min",
            "test_maxpool_2d_uint8",
        ],
    ),
    ("1-D pooling", "convlens takes an image", &["test_averagepool_1d_default", "test_maxpool_1d_default"]),
    (
        "ceil_mode 1 with a larger output than floor rounding",
        "ceil_mode 1 gives a larger output",
        &["test_averagepool_2d_ceil", "test_maxpool_2d_ceil"],
    ),
    ("pooling dilations", "dilations other than 1", &["test_averagepool_2d_dilations", "test_maxpool_2d_dilations"]),
    (
        "asymmetric SAME padding",
        "cannot be split evenly",
        &[
            "test_averagepool_2d_same_lower",
            "test_averagepool_2d_same_upper",
            "test_maxpool_2d_same_lower",
            "test_maxpool_2d_same_upper",
        ],
    ),
    (
        "3-D pooling (data over 100 KB, not written)",
        "",
        &[
            "test_averagepool_3d_default",
            "test_averagepool_3d_dilations_large_count_include_pad_is_0_ceil_mode_is_False",
            "test_averagepool_3d_dilations_large_count_include_pad_is_0_ceil_mode_is_True",
            "test_averagepool_3d_dilations_large_count_include_pad_is_1_ceil_mode_is_False",
            "test_averagepool_3d_dilations_large_count_include_pad_is_1_ceil_mode_is_True",
            "test_maxpool_3d_default",
            "test_maxpool_3d_dilations_use_ref_impl_large",
        ],
    ),
    (
        "3-D pooling",
        "convlens takes an image",
        &["test_averagepool_3d_dilations_small", "test_maxpool_3d_dilations", "test_maxpool_3d_dilations_use_ref_impl"],
    ),
    (
        "training mode",
        "training_mode",
        &[
            "test_batchnorm_epsilon_training_mode",
            "test_batchnorm_example_training_mode",
            "test_training_dropout_zero_ratio",
            "test_training_dropout_zero_ratio_mask",
        ],
    ),
    (
        "identity only: elided, which leaves no layer",
        "the model has no layers",
        &[
            "test_clip_default_inbounds",
            "test_dropout_default",
            "test_dropout_default_old",
            "test_dropout_default_ratio",
            "test_dropout_random_old",
            "test_identity",
        ],
    ),
    (
        "rank-1 operands",
        "convlens takes an image",
        &["test_concat_1d_axis_0", "test_concat_1d_axis_negative_1", "test_matmul_1d_1d", "test_matmul_1d_3d"],
    ),
    (
        "two data operands (convlens models have one input; the second became a constant)",
        "is a constant; convlens needs",
        &[
            "test_concat_2d_axis_0",
            "test_concat_2d_axis_1",
            "test_concat_2d_axis_negative_1",
            "test_concat_2d_axis_negative_2",
        ],
    ),
    (
        "rank-3 operands",
        "convlens takes an image",
        &[
            "test_concat_3d_axis_0",
            "test_concat_3d_axis_1",
            "test_concat_3d_axis_2",
            "test_concat_3d_axis_negative_1",
            "test_concat_3d_axis_negative_2",
            "test_concat_3d_axis_negative_3",
        ],
    ),
    ("no graph input (a Constant alone)", "0 inputs that are not initializers", &["test_constant"]),
    ("mask output used", "(mask) is used", &["test_dropout_default_mask", "test_dropout_default_mask_ratio"]),
    (
        "Flatten axis other than 1",
        "is not supported (only 1",
        &[
            "test_flatten_axis0",
            "test_flatten_axis2",
            "test_flatten_axis3",
            "test_flatten_negative_axis1",
            "test_flatten_negative_axis2",
            "test_flatten_negative_axis4",
        ],
    ),
    ("transA 1", "transA 1", &["test_gemm_all_attributes", "test_gemm_transposeA"]),
    ("a bias [M, N] that depends on the batch row", "expected [4] or [1, 4]", &["test_gemm_default_matrix_bias"]),
    ("optional-typed input", "is not a tensor", &["test_identity_opt"]),
    ("sequence-typed input (not written: onnxruntime rejects it at opset 21)", "", &["test_identity_sequence"]),
    (
        "rank-3 input (not an image or a matrix)",
        "convlens takes an image",
        &[
            "test_matmul_3d",
            "test_reshape_allowzero_reordered",
            "test_reshape_extended_dims",
            "test_reshape_negative_dim",
            "test_reshape_negative_extended_dims",
            "test_reshape_one_dim",
            "test_reshape_reduced_dims",
            "test_reshape_reordered_all_dims",
            "test_reshape_reordered_last_dims",
            "test_reshape_zero_and_negative_dim",
            "test_reshape_zero_dim",
        ],
    ),
    ("batched MatMul", "MatMul needs a matrix", &["test_matmul_4d", "test_matmul_4d_1d", "test_matmul_bcast"]),
    (
        "indices output used",
        "(indices) is used",
        &["test_maxpool_with_argmax_2d_precomputed_pads", "test_maxpool_with_argmax_2d_precomputed_strides"],
    ),
    (
        "training-mode (random) dropout (not written: random outputs differ at opset 21)",
        "",
        &[
            "test_training_dropout",
            "test_training_dropout_default",
            "test_training_dropout_default_mask",
            "test_training_dropout_mask",
        ],
    ),
];

/// Cases needing a layer type from branch `ops` before it was merged: each had to fail with the
/// message given (an "unknown layer type"). Empty since the merge; kept for layer types to come.
const PENDING: &[(&str, &str)] = &[];

const ELEMENTWISE: [&str; 6] = ["Relu", "Sigmoid", "HardSwish", "Clip", "Identity", "Dropout"];

fn dimension(value: Dim) -> convlens::onnx::proto::tensor_shape_proto::Dimension {
    convlens::onnx::proto::tensor_shape_proto::Dimension { value: Some(value) }
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/onnx-node")
}

/// (case, operator, data written) from MANIFEST.tsv.
fn manifest() -> Vec<(String, String, bool)> {
    let text = std::fs::read_to_string(dir().join("MANIFEST.tsv")).expect("tests/data/onnx-node/MANIFEST.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("case\t"))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_string(), f[1].to_string(), !f[4].starts_with("not written"))
        })
        .collect()
}

/// The case's model adapted as described above, its data input and expected output.
fn load_case(
    name: &str,
    op: &str,
) -> (ModelProto, convlens::onnx::proto::TensorProto, convlens::onnx::proto::TensorProto) {
    let case = dir().join(name);
    let mut model = ModelProto::decode(&std::fs::read(case.join("model.onnx")).unwrap()[..]).unwrap();
    let data = case.join("test_data_set_0");
    let read = |f: &str| std::fs::read(data.join(f)).ok().map(|b| read_tensor(&b));
    let graph = model.graph.as_mut().unwrap();
    // A case without inputs (Constant) keeps an empty input: the importer rejects the model.
    let mut input = read("input_0.pb").unwrap_or_default();
    for j in 1..graph.input.len() {
        let mut t = read(&format!("input_{j}.pb")).expect("one data file per graph input");
        t.name = graph.input[j].name.clone();
        graph.initializer.push(t);
    }
    let mut expected = read("output_0.pb").expect("output_0.pb");
    if ELEMENTWISE.contains(&op) && !matches!(input.dims.len(), 2 | 4) {
        let n: i64 = input.dims.iter().product();
        input.dims = vec![1, n, 1, 1];
        expected.dims = vec![1, expected.dims.iter().product()];
    }
    // The batch dimension becomes symbolic: each sample runs on its own.
    if let Some(type_proto::Value::TensorType(t)) =
        graph.input.first_mut().and_then(|i| i.r#type.as_mut()).and_then(|t| t.value.as_mut())
    {
        let shape = t.shape.get_or_insert_with(Default::default);
        if ELEMENTWISE.contains(&op) {
            shape.dim = input.dims.iter().map(|&d| dimension(Dim::DimValue(d))).collect();
        }
        if let Some(d) = shape.dim.first_mut() {
            *d = dimension(Dim::DimParam("N".into()));
        }
    }
    (model, input, expected)
}

#[test]
fn onnx_backend_node_cases() {
    let cases = manifest();
    assert!(cases.len() > 100, "MANIFEST.tsv lists {} cases", cases.len());
    let skipped: Vec<(&str, &str)> =
        SKIP.iter().flat_map(|&(_, want, names)| names.iter().map(move |&name| (name, want))).collect();
    for (k, (name, _)) in skipped.iter().enumerate() {
        assert!(cases.iter().any(|c| &c.0 == name), "SKIP names '{name}', which is not a case");
        assert!(!skipped[..k].iter().any(|s| s.0 == *name), "SKIP names '{name}' twice");
    }
    for (name, _) in PENDING {
        assert!(cases.iter().any(|c| &c.0 == name), "PENDING names '{name}', which is not a case");
    }
    let mut ran = Vec::new();
    let mut failures = Vec::new();
    for (name, op, written) in &cases {
        let skip = skipped.iter().find(|s| s.0 == name);
        let pending = PENDING.iter().find(|s| s.0 == name);
        if !written {
            if skip.is_none() {
                failures.push(format!("{name}: its data was not written, so it must be in SKIP"));
            }
            continue;
        }
        let (model, input, expected) = load_case(name, op);
        let result = convlens::onnx::import_model(&model);
        match (skip, pending, result) {
            (Some((_, want)), _, Err(e)) if e.0.contains(want) => {}
            (Some((_, want)), _, r) => {
                failures.push(format!("{name}: SKIP expects an error containing '{want}', got {:?}", r.err()))
            }
            (None, Some((_, want)), Err(e)) if e.0.contains(want) => {}
            (None, Some((_, want)), r) => {
                failures.push(format!("{name}: PENDING expects an error containing '{want}', got {:?}", r.err()))
            }
            (None, None, Err(e)) => failures.push(format!("{name}: {e}")),
            (None, None, Ok(m)) => match check_batch(&m, &input, &expected) {
                Ok(diff) => ran.push((name.clone(), diff)),
                Err(e) => failures.push(format!("{name}: {e}")),
            },
        }
    }
    println!("{} node cases ran: {:?}", ran.len(), ran);
    assert!(failures.is_empty(), "{} node cases failed:\n{}", failures.len(), failures.join("\n"));
    assert!(ran.len() >= 48, "only {} node cases ran", ran.len());
}
