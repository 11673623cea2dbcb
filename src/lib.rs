//! convlens: a compact CNN engine for an in-browser feature-map explorer.
//!
//! - [`geometry`]: output-size arithmetic ([`output_size`]) and kernel geometry.
//! - [`kernels`]: scalar reference and SIMD (wasm SIMD128 / x86 SSE) kernels.
//! - [`layers`]: layers with forward and backward passes.
//! - [`model`]: the model, a graph of layers in topological order, keeping every layer's output.
//! - [`architecture`]: a model's architecture and tensors, and the building of a model from them
//!   (all validation of model files in one place), shared by the two readers:
//! - [`format`]: the safetensors model file (read and written);
//! - [`onnx`]: ONNX import (opset 11-21), converted into the engine's graph;
//! - [`load`]: loading a file of either format by its content ([`load::load_any`]).
//! - `web`: the JavaScript API (the only wasm-bindgen boundary).
//! - `bench` (cargo feature `bench`, off by default): the benchmark's fixtures, in the bench build only.

pub mod architecture;
#[cfg(feature = "bench")]
pub mod bench;
pub mod data;
pub mod error;
pub mod explain;
pub mod format;
pub mod geometry;
pub mod introspect;
pub mod kernels;
pub mod layers;
pub mod load;
pub mod model;
pub mod models;
pub mod onnx;
pub mod playground;
pub mod rng;
pub mod summary;
pub mod train;
pub mod web;

pub use error::{Error, Result};
pub use geometry::output_size;
pub use layers::{Layer, LayerKind, Shape, Source, Tensor};
pub use model::{Activations, Gradients, InputSpec, LayerSpec, Model};
