//! Shared by the ONNX tests: building small ONNX models with the prost types, reading TensorProto
//! files, and comparing outputs. Compiled into several test binaries, so not every helper is used
//! by each.
#![allow(dead_code)]

use convlens::onnx::proto::{
    attribute_proto::AttributeType, tensor_proto::DataType, tensor_shape_proto::dimension::Value as Dim, type_proto,
    AttributeProto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorProto, TensorShapeProto, TypeProto,
    ValueInfoProto,
};
use convlens::onnx::{self, Const};
use prost::Message;

/// A node `op` named `name` reading `inputs`, writing `outputs`.
pub fn node(op: &str, name: &str, inputs: &[&str], outputs: &[&str], attrs: Vec<AttributeProto>) -> NodeProto {
    NodeProto {
        op_type: Some(op.into()),
        name: Some(name.into()),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: outputs.iter().map(|s| s.to_string()).collect(),
        attribute: attrs,
        ..Default::default()
    }
}

/// An attribute `name` of type `t`, without its value.
fn attribute(name: &str, t: AttributeType) -> AttributeProto {
    AttributeProto { name: Some(name.into()), r#type: Some(t as i32), ..Default::default() }
}

pub fn ints(name: &str, v: &[i64]) -> AttributeProto {
    AttributeProto { ints: v.to_vec(), ..attribute(name, AttributeType::Ints) }
}

pub fn int(name: &str, v: i64) -> AttributeProto {
    AttributeProto { i: Some(v), ..attribute(name, AttributeType::Int) }
}

pub fn float(name: &str, v: f32) -> AttributeProto {
    AttributeProto { f: Some(v), ..attribute(name, AttributeType::Float) }
}

pub fn string(name: &str, v: &str) -> AttributeProto {
    AttributeProto { s: Some(v.as_bytes().to_vec()), ..attribute(name, AttributeType::String) }
}

/// A tensor `name` of shape `dims` and type `t`, without its values.
fn tensor_of(name: &str, dims: &[i64], t: DataType) -> TensorProto {
    TensorProto { name: Some(name.into()), dims: dims.to_vec(), data_type: Some(t as i32), ..Default::default() }
}

/// A FLOAT tensor in `raw_data`.
pub fn tensor(name: &str, dims: &[i64], values: &[f32]) -> TensorProto {
    let raw_data = Some(values.iter().flat_map(|v| v.to_le_bytes()).collect());
    TensorProto { raw_data, ..tensor_of(name, dims, DataType::Float) }
}

/// An INT64 tensor in `int64_data`.
pub fn int_tensor(name: &str, dims: &[i64], values: &[i64]) -> TensorProto {
    TensorProto { int64_data: values.to_vec(), ..tensor_of(name, dims, DataType::Int64) }
}

/// A FLOAT value info of shape `dims` (None: a symbolic "N").
pub fn value_info(name: &str, dims: &[Option<i64>]) -> ValueInfoProto {
    let dim = dims
        .iter()
        .map(|d| convlens::onnx::proto::tensor_shape_proto::Dimension {
            value: Some(match d {
                Some(v) => Dim::DimValue(*v),
                None => Dim::DimParam("N".into()),
            }),
        })
        .collect();
    ValueInfoProto {
        name: Some(name.into()),
        r#type: Some(TypeProto {
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: Some(DataType::Float as i32),
                shape: Some(TensorShapeProto { dim }),
            })),
        }),
    }
}

/// A model: input "x" of shape `input`, the nodes, initializers, one output `output`, opset `opset`.
pub fn model(
    input: &[Option<i64>],
    nodes: Vec<NodeProto>,
    initializers: Vec<TensorProto>,
    output: &str,
    opset: i64,
) -> ModelProto {
    ModelProto {
        ir_version: Some(8),
        opset_import: vec![OperatorSetIdProto { domain: Some(String::new()), version: Some(opset) }],
        graph: Some(GraphProto {
            name: Some("g".into()),
            node: nodes,
            initializer: initializers,
            input: vec![value_info("x", input)],
            output: vec![value_info(output, &[])],
        }),
    }
}

pub fn encode(m: &ModelProto) -> Vec<u8> {
    m.encode_to_vec()
}

/// A TensorProto file (as the ONNX test data store inputs and outputs).
pub fn read_tensor(bytes: &[u8]) -> TensorProto {
    TensorProto::decode(bytes).expect("a TensorProto file")
}

/// Shape and f32 values of a TensorProto.
pub fn floats(t: &TensorProto) -> (Vec<usize>, Vec<f32>) {
    let c: Const = onnx::tensor::decode(t).expect("a decodable tensor");
    (c.dims.clone(), c.floats())
}

/// Runs `model` on every sample of the batch `input` (shape [N, ...]) and checks the outputs
/// against `expected` (shape [N, ...]): max |diff| <= 1e-4 * max(1, max |expected|).
pub fn check_batch(model: &convlens::Model, input: &TensorProto, expected: &TensorProto) -> Result<f32, String> {
    let (in_dims, x) = floats(input);
    let (out_dims, y) = floats(expected);
    let n = *in_dims.first().ok_or("scalar input")?;
    if out_dims.first() != Some(&n) || n == 0 {
        return Err(format!("batch of input {in_dims:?} and output {out_dims:?} differ"));
    }
    let (xs, ys) = (x.len() / n, y.len() / n);
    let scale = y.iter().fold(1f32, |m, v| m.max(v.abs()));
    let mut worst = 0f32;
    for s in 0..n {
        let acts = model.forward(&x[s * xs..(s + 1) * xs]).map_err(|e| e.0)?;
        let got = convlens::layers::to_vec(acts.output());
        let want = &y[s * ys..(s + 1) * ys];
        if got.len() != want.len() {
            return Err(format!("sample {s}: {} values, expected {}", got.len(), want.len()));
        }
        for (g, w) in got.iter().zip(want) {
            worst = worst.max((g - w).abs());
        }
    }
    if worst > 1e-4 * scale {
        return Err(format!("max |diff| {worst} over 1e-4 x output scale {scale}"));
    }
    Ok(worst)
}
