//! Generates the prost types for onnx.proto without protoc: protox parses the .proto file into a
//! descriptor set, which is cut down to the messages and fields convlens reads (the `KEEP` table:
//! prost skips every other field when decoding, so nothing else is decoded or compiled into the
//! .wasm), and prost-build turns it into Rust.
//! Usage: onnx-protogen <dir holding onnx/onnx.proto> <out.rs>

use prost_types::FileDescriptorSet;
use std::{env, fs, path::PathBuf};

/// Message (dotted path inside package `onnx`) -> the fields kept.
const KEEP: &[(&str, &[&str])] = &[
    ("ModelProto", &["ir_version", "opset_import", "graph"]),
    ("OperatorSetIdProto", &["domain", "version"]),
    ("GraphProto", &["node", "name", "initializer", "input", "output"]),
    ("NodeProto", &["input", "output", "name", "op_type", "domain", "attribute"]),
    ("AttributeProto", &["name", "ref_attr_name", "type", "f", "i", "s", "t", "floats", "ints"]),
    (
        "TensorProto",
        &[
            "dims",
            "data_type",
            "segment",
            "float_data",
            "int32_data",
            "int64_data",
            "name",
            "raw_data",
            "external_data",
            "data_location",
            "double_data",
        ],
    ),
    ("TensorProto.Segment", &["begin", "end"]),
    ("StringStringEntryProto", &["key", "value"]),
    ("ValueInfoProto", &["name", "type"]),
    ("TypeProto", &["tensor_type"]),
    ("TypeProto.Tensor", &["elem_type", "shape"]),
    ("TensorShapeProto", &["dim"]),
    ("TensorShapeProto.Dimension", &["dim_value", "dim_param"]),
];

fn prune(fds: &mut FileDescriptorSet) {
    for file in &mut fds.file {
        file.service.clear();
        // Comment locations index the original field lists: dropped with them (see onnx.proto).
        file.source_code_info = None;
        prune_messages(&mut file.message_type, "");
    }
}

fn prune_messages(messages: &mut Vec<prost_types::DescriptorProto>, prefix: &str) {
    messages.retain(|m| KEEP.iter().any(|(name, _)| *name == format!("{prefix}{}", m.name())));
    for m in messages.iter_mut() {
        let path = format!("{prefix}{}", m.name());
        let fields = KEEP.iter().find(|(name, _)| *name == path).map(|k| k.1).unwrap_or(&[]);
        m.field.retain(|f| fields.contains(&f.name()));
        // Oneofs left without fields (TypeProto keeps only tensor_type) stay declared by the rest.
        let used: Vec<i32> = m.field.iter().filter_map(|f| f.oneof_index).collect();
        if used.is_empty() {
            m.oneof_decl.clear();
        }
        prune_messages(&mut m.nested_type, &format!("{path}."));
    }
}

fn main() {
    let args: Vec<String> = env::args().collect();
    let [_, include, out] = &args[..] else {
        eprintln!("usage: onnx-protogen <include dir (holding onnx/onnx.proto)> <out.rs>");
        std::process::exit(2);
    };
    let mut fds = protox::compile(["onnx/onnx.proto"], [include]).expect("parsing onnx.proto");
    prune(&mut fds);
    let tmp = PathBuf::from(env::var("TMPDIR").unwrap_or_else(|_| "/tmp".into())).join("onnx-protogen");
    fs::create_dir_all(&tmp).unwrap();
    prost_build::Config::new().out_dir(&tmp).compile_fds(fds).expect("prost-build");
    let code = fs::read_to_string(tmp.join("onnx.rs")).expect("onnx.rs written by prost-build");
    fs::write(out, code).unwrap();
}
