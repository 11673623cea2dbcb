//! Models embedded in the wasm binary (`Explorer.builtin(name)`), loaded through the same
//! validating loader as users' files.

use crate::error::Result;
use crate::format;
use crate::model::Model;

/// Names accepted by [`builtin`].
pub const NAMES: &[&str] = &["digits", "fashion", "edges"];

/// A builtin model by name.
pub fn builtin(name: &str) -> Result<Model> {
    let bytes: &[u8] = match name {
        // Trained on MNIST / Fashion-MNIST by `./build.sh train` (see src/bin/train.rs).
        "digits" => include_bytes!("../models/digits.safetensors"),
        "fashion" => include_bytes!("../models/fashion.safetensors"),
        // Hand-set classic filters (Sobel x/y, Laplacian, blur): made by `cargo run --bin make_edges`.
        "edges" => include_bytes!("../models/edges.safetensors"),
        _ => crate::bail!("unknown builtin model '{name}' (builtin models: {})", NAMES.join(", ")),
    };
    format::load(bytes).map_err(|e| e.context(format!("builtin model '{name}'")))
}
