//! The architecture of a model as its file states it, and the building of a [`Model`] from an
//! architecture and named tensors: what every model reader shares. The safetensors model file
//! ([`crate::format`]) parses its architecture JSON into an [`Architecture`]; the ONNX importer
//! ([`crate::onnx`]) converts a graph into one. [`build`] then checks everything the same way for
//! both, with [`Model::graph`].
//!
//! - [`json`]: the architecture's parts ([`Architecture`], [`InputJson`], [`LayerJson`]).
//! - [`layer_types`]: one struct per layer type (its fields) in the [`LayerType`] enum.
//! - [`parse`]: the JSON text read with errors that name the layer and the field.
//! - [`tensors`]: the tensors by name, each handed out once.
//!
//! The format is specified in docs/model-format.md.

pub mod json;
pub mod layer_types;
mod parse;
pub mod tensors;

pub use json::{Architecture, InputJson, LayerJson};
pub use layer_types::{
    AvgPool2dJson, BatchNorm2dJson, ClipJson, Conv2dJson, DropoutJson, LayerType, LinearJson, MaxPool2dJson, NoFields,
    Pair, ReshapeJson, LAYER_TYPES,
};
pub use tensors::Tensors;

use crate::bail;
use crate::error::Result;
use crate::layers::{LayerKind, Shape, Source};
use crate::model::{InputSpec, Model};

/// Largest accepted model file, in either format.
pub const MAX_FILE_BYTES: usize = 256 * 1024 * 1024;

/// Refuses a file over [`MAX_FILE_BYTES`] before anything reads it.
pub fn check_file_size(bytes: &[u8]) -> Result<()> {
    if bytes.len() > MAX_FILE_BYTES {
        bail!("the file is {} bytes, over the {} MB limit for model files", bytes.len(), MAX_FILE_BYTES >> 20);
    }
    Ok(())
}

/// Builds a model from its architecture and tensors, validating everything (shared by model files
/// and imported formats). Every tensor must be used by a layer.
pub fn build(arch: &Architecture, mut tensors: Tensors) -> Result<Model> {
    let model = build_with(arch, |i, _| arch.layers[i].layer.kind(&arch.layers[i].name, &mut tensors))?;
    let left = tensors.leftovers();
    if !left.is_empty() {
        bail!("the file has tensors no layer uses: {}", left.join(", "));
    }
    Ok(model)
}

/// Builds a model from its architecture, each layer's engine layer made by `kind(i, input_shapes)`
/// (see [`Model::graph_with`]; errors get the layer's index, name and type).
pub fn build_with(arch: &Architecture, kind: impl FnMut(usize, &[Shape]) -> Result<LayerKind>) -> Result<Model> {
    let inp = &arch.input;
    let input = InputSpec {
        channels: inp.channels,
        height: inp.height,
        width: inp.width,
        mean: inp.mean.clone().unwrap_or_else(|| vec![0.0; inp.channels.min(4096)]),
        std: inp.std.clone().unwrap_or_else(|| vec![1.0; inp.channels.min(4096)]),
    };
    let layers = arch.layers.iter().map(|l| (l.name.clone(), l.inputs.clone(), l.layer.type_name())).collect();
    Model::graph_with(input, arch.labels.clone(), layers, kind)
}

/// The architecture describing `model` (what a model file of it holds).
pub fn architecture(model: &Model) -> Architecture {
    let layers = model
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let previous = if i == 0 { Source::Input } else { Source::Layer(i - 1) };
            let inputs =
                (l.inputs != [previous]).then(|| l.inputs.iter().map(|&s| model.source_name(s).to_string()).collect());
            LayerJson { name: l.name.clone(), inputs, layer: LayerType::of(&l.kind) }
        })
        .collect();
    let i = &model.input;
    Architecture {
        input: InputJson {
            channels: i.channels,
            height: i.height,
            width: i.width,
            mean: Some(i.mean.clone()),
            std: Some(i.std.clone()),
        },
        labels: model.labels.clone(),
        layers,
    }
}
