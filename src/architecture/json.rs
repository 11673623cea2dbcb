//! The architecture JSON's parts: the input, the labels and the layers. Read with
//! [`Architecture::from_json`] (in `parse.rs`), written with serde.

use crate::architecture::layer_types::LayerType;
use serde::{Deserialize, Serialize};

/// The architecture JSON: the input, optional labels and the layers in topological order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Architecture {
    pub input: InputJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
    pub layers: Vec<LayerJson>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputJson {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<Vec<f32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub std: Option<Vec<f32>>,
}

/// One layer: its name, what it reads and its type with that type's fields (written as one JSON
/// object: `{"name": ..., "inputs": [...], "type": ..., <fields>}`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LayerJson {
    pub name: String,
    /// Names of earlier layers (or "input", the model input) this layer reads; absent means the
    /// previous layer (the model input for the first layer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Vec<String>>,
    #[serde(flatten)]
    pub layer: LayerType,
}

impl LayerJson {
    /// A layer reading `inputs`.
    pub fn new(name: &str, layer: LayerType, inputs: Vec<String>) -> LayerJson {
        LayerJson { name: name.to_string(), inputs: Some(inputs), layer }
    }
}
