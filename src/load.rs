//! Loading a model by its content: a safetensors model file ([`crate::format`]) is recognised by
//! its header, anything else is tried as ONNX ([`crate::onnx`]). The one place that knows both
//! readers (they do not know each other).

use crate::architecture::check_file_size;
use crate::bail;
use crate::error::Result;
use crate::format;
use crate::model::Model;
use crate::onnx;

/// Loads a model from either format convlens reads. Errors say which format was assumed
/// (`safetensors model file: ...`, `ONNX model: ...`, or `not a model file convlens reads: ...`).
pub fn load_any(bytes: &[u8]) -> Result<Model> {
    check_file_size(bytes)?;
    if format::looks_like_safetensors(bytes) {
        return format::load(bytes).map_err(|e| e.context("safetensors model file"));
    }
    let not_safetensors = match bytes.get(8) {
        Some(b'{') => "its 8-byte header length points past the end of the file",
        _ => "no 8-byte header length followed by '{'",
    };
    match onnx::decode(bytes) {
        Ok(m) if onnx::is_plausible(&m) => onnx::import_model(&m).map_err(|e| e.context("ONNX model")),
        Ok(_) => bail!(
            "not a model file convlens reads: neither safetensors ({not_safetensors}) nor ONNX (no IR version or graph)"
        ),
        Err(e) => bail!("not a model file convlens reads: neither safetensors ({not_safetensors}) nor ONNX ({e})"),
    }
}
