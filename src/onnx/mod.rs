//! ONNX import: an `.onnx` file (default-domain opset 11 to 21) converted at load into the
//! engine's graph. The protobuf is decoded by prost (types generated from the onnx package's
//! `onnx.proto` into [`proto`]); the result is an [`Architecture`] and [`Tensors`] handed to
//! [`architecture::build`], where all model validation lives, as for model files.
//!
//! - [`graph`]: the graph pass (opset, the image input, every node in order, the output).
//! - `importer`: the state of the walk (values and their shapes, constants, layers made).
//! - [`ops`]: the operator registry and one file per operator family; `attrs`: node attributes.
//! - [`tensor`]: initializers and constants as checked arrays.
//!
//! What is supported, what is rejected and how nodes map to layers is in docs/onnx.md. Every
//! unsupported operator or attribute in the graph is reported at once; malformed files give an
//! error, never a panic.

#[rustfmt::skip]
#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod proto;
mod attrs;
pub mod graph;
mod importer;
pub mod ops;
pub mod tensor;

use crate::architecture::{self, check_file_size, Architecture, Tensors};
use crate::error::{Error, Result};
use crate::model::Model;
use proto::ModelProto;

pub use graph::{OPSET_MAX, OPSET_MIN};
pub use ops::OPERATORS;
pub use tensor::{Const, ConstData};

/// Decodes an ONNX file's protobuf (no conversion yet).
pub fn decode(bytes: &[u8]) -> Result<ModelProto> {
    use prost::Message;
    check_file_size(bytes)?;
    ModelProto::decode(bytes).map_err(|e| Error(format!("not a valid ONNX file (protobuf: {e})")))
}

/// Loads an ONNX file: decodes it, converts the graph and builds the model.
pub fn import(bytes: &[u8]) -> Result<Model> {
    import_model(&decode(bytes)?)
}

/// Converts a decoded ONNX model and builds it (all checks of [`architecture::build`] apply).
pub fn import_model(model: &ModelProto) -> Result<Model> {
    let (arch, tensors) = convert(model)?;
    architecture::build(&arch, tensors)
}

/// Converts an ONNX model into the engine's architecture and tensors (not yet validated as a model).
pub fn convert(model: &ModelProto) -> Result<(Architecture, Tensors)> {
    graph::convert(model)
}

/// Whether decoded bytes look like an ONNX model at all (an IR version and a graph), as opposed to
/// random bytes that happen to parse as protobuf.
pub fn is_plausible(model: &ModelProto) -> bool {
    model.ir_version.is_some_and(|v| v > 0) && model.graph.is_some()
}
