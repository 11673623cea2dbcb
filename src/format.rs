//! The model file: one safetensors file whose metadata key `convlens` holds the architecture as
//! JSON ([`crate::architecture`]), and whose tensors use PyTorch names and layouts
//! (`<layer>.weight`, `<layer>.bias`; conv weights `[out, in / groups, kh, kw]`, linear weights
//! `[out, in]`; batchnorm's `<layer>.running_mean` and `<layer>.running_var`, and its optional
//! gamma and beta as `<layer>.weight` and `<layer>.bias`), stored F32, F16 or BF16 (half-size
//! storage; computing is always in f32). A batchnorm's integer step counter
//! `<layer>.num_batches_tracked` (PyTorch's, not a weight) is accepted and ignored.
//!
//! Reading and writing that file is all this module does; checking the model is
//! [`crate::architecture::build`]'s. Nothing is allocated from an unchecked header field, and no
//! input makes it panic. The format is specified in docs/model-format.md.

use crate::architecture::tensors::STEP_COUNTER_SUFFIX;
use crate::architecture::{self, check_file_size, Architecture, Tensors};
use crate::bail;
use crate::error::{Error, Result};
use crate::layers::LayerKind;
use crate::model::Model;
use safetensors::tensor::{Dtype, TensorView};
use safetensors::SafeTensors;
use std::collections::{BTreeMap, HashMap};

pub use crate::architecture::{architecture, MAX_FILE_BYTES};

/// The safetensors metadata key holding the architecture JSON.
pub const METADATA_KEY: &str = "convlens";

/// How [`save_as`] stores the weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    F32,
    /// IEEE half precision: half the size, about 3 significant digits.
    F16,
}

/// Loads a model file from bytes, validating everything.
pub fn load(bytes: &[u8]) -> Result<Model> {
    check_file_size(bytes)?;
    let st = SafeTensors::deserialize(bytes).map_err(|e| Error(format!("not a valid safetensors file: {e}")))?;
    let (_, meta) =
        SafeTensors::read_metadata(bytes).map_err(|e| Error(format!("not a valid safetensors file: {e}")))?;
    let Some(json) = meta.metadata().as_ref().and_then(|m| m.get(METADATA_KEY)) else {
        bail!("the safetensors metadata has no '{METADATA_KEY}' key holding the architecture JSON");
    };
    let arch = Architecture::from_json(json)
        .map_err(|e| e.context(format!("architecture JSON (metadata '{METADATA_KEY}')")))?;
    architecture::build(&arch, tensors(&st)?)
}

/// Every tensor of a safetensors file, converted to f32 (batchnorm step counters aside).
fn tensors(st: &SafeTensors) -> Result<Tensors> {
    let mut tensors = Tensors::default();
    for (name, view) in st.tensors() {
        let data = view.data();
        let integer = matches!(view.dtype(), Dtype::I64 | Dtype::I32 | Dtype::U64 | Dtype::U32);
        if integer && name.ends_with(STEP_COUNTER_SUFFIX) && view.shape().iter().product::<usize>() == 1 {
            tensors.insert_step_counter(name);
            continue;
        }
        let values: Vec<f32> = match view.dtype() {
            Dtype::F32 => data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect(),
            Dtype::F16 => data.chunks_exact(2).map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32()).collect(),
            Dtype::BF16 => data.chunks_exact(2).map(|b| half::bf16::from_le_bytes([b[0], b[1]]).to_f32()).collect(),
            other => bail!("tensor '{name}' has dtype {other:?}; convlens model files store F32, F16 or BF16"),
        };
        tensors.insert(&name, view.shape().to_vec(), values)?;
    }
    Ok(tensors)
}

/// Writes `model` in the model-file format (what [`load`] reads back), weights F32.
pub fn save(model: &Model) -> Result<Vec<u8>> {
    save_as(model, Storage::F32)
}

/// Writes `model` with its weights stored as `storage`. F16 fails for a weight outside its range
/// (|w| > 65504); smaller weights are rounded to the nearest half.
pub fn save_as(model: &Model, storage: Storage) -> Result<Vec<u8>> {
    let mut data: BTreeMap<String, (Vec<usize>, Vec<u8>)> = BTreeMap::new();
    let mut put = |name: String, shape: &[usize], values: &[f32]| -> Result<()> {
        let bytes = match storage {
            Storage::F32 => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
            Storage::F16 => {
                let half: Vec<half::f16> = values.iter().map(|&v| half::f16::from_f32(v)).collect();
                if let Some(i) = half.iter().position(|h| !h.is_finite()) {
                    bail!("tensor '{name}': element {i} ({}) does not fit in F16", values[i]);
                }
                half.iter().flat_map(|h| h.to_le_bytes()).collect()
            }
        };
        data.insert(name, (shape.to_vec(), bytes));
        Ok(())
    };
    for l in &model.layers {
        if let LayerKind::BatchNorm2d(b) = &l.kind {
            for (what, t) in [
                ("weight", &b.weight),
                ("bias", &b.bias),
                ("running_mean", &b.running_mean),
                ("running_var", &b.running_var),
            ] {
                put(format!("{}.{what}", l.name), t.shape(), &t.to_vec())?;
            }
            continue;
        }
        let (w, b) = match &l.kind {
            LayerKind::Conv2d(c) => ((c.weight.shape(), c.weight.iter().copied().collect::<Vec<_>>()), &c.bias),
            LayerKind::Linear(lin) => ((lin.weight.shape(), lin.weight.iter().copied().collect()), &lin.bias),
            _ => continue,
        };
        put(format!("{}.weight", l.name), w.0, &w.1)?;
        if let Some(b) = b {
            put(format!("{}.bias", l.name), b.shape(), &b.to_vec())?;
        }
    }
    let json = serde_json::to_string(&architecture(model)).map_err(|e| Error(format!("architecture JSON: {e}")))?;
    let views = data
        .iter()
        .map(|(name, (shape, bytes))| {
            let dtype = match storage {
                Storage::F32 => Dtype::F32,
                Storage::F16 => Dtype::F16,
            };
            TensorView::new(dtype, shape.clone(), bytes)
                .map(|v| (name.clone(), v))
                .map_err(|e| Error(format!("tensor '{name}': {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    let metadata = HashMap::from([(METADATA_KEY.to_string(), json)]);
    safetensors::serialize(views, Some(metadata)).map_err(|e| Error(format!("writing safetensors: {e}")))
}

/// Whether `bytes` start like a safetensors file: an 8-byte little-endian header length that fits
/// the file, then `{`.
pub fn looks_like_safetensors(bytes: &[u8]) -> bool {
    let Some((len, rest)) = bytes.split_first_chunk::<8>() else { return false };
    let len = u64::from_le_bytes(*len);
    rest.first() == Some(&b'{') && len <= rest.len() as u64
}
