//! The model file: one safetensors file whose metadata key `convlens` holds the architecture as
//! JSON, and whose tensors use PyTorch names and layouts (`<layer>.weight`, `<layer>.bias`; conv
//! weights `[out, in / groups, kh, kw]`, linear weights `[out, in]`; batchnorm's
//! `<layer>.running_mean` and `<layer>.running_var`, and its optional gamma and beta as
//! `<layer>.weight` and `<layer>.bias`), stored F32, F16 or BF16 (half-size storage; computing is
//! always in f32). A batchnorm's integer step counter `<layer>.num_batches_tracked` (PyTorch's,
//! not a weight) is accepted and ignored.
//!
//! ALL validation of files from outside happens here or in [`Model::new`]; nothing is allocated
//! from an unchecked header field, and no input makes it panic.

use crate::bail;
use crate::error::{Error, Result};
use crate::layers::{BatchNorm2d, Conv2d, LayerKind, Linear, Pool2d, Source, DEFAULT_EPS};
use crate::model::{InputSpec, LayerSpec, Model};
use ndarray::{Array1, Array2, Array4};
use safetensors::tensor::{Dtype, TensorView};
use safetensors::SafeTensors;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Largest accepted model file.
pub const MAX_FILE_BYTES: usize = 256 * 1024 * 1024;
/// The safetensors metadata key holding the architecture JSON.
pub const METADATA_KEY: &str = "convlens";
/// Layer types a model file may use.
pub const LAYER_TYPES: [&str; 17] = [
    "conv2d",
    "batchnorm2d",
    "relu",
    "relu6",
    "clip",
    "sigmoid",
    "hardswish",
    "maxpool2d",
    "avgpool2d",
    "global_avgpool",
    "flatten",
    "reshape",
    "dropout",
    "linear",
    "softmax",
    "add",
    "concat",
];

/// How [`save_as`] stores the weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    F32,
    /// IEEE half precision: half the size, about 3 significant digits.
    F16,
}

/// The architecture JSON stored under [`METADATA_KEY`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Architecture {
    pub input: InputJson,
    #[serde(default, skip_serializing_if = "Option::is_none")]
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

/// One layer of the architecture. Which fields apply depends on `type`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerJson {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// Names of earlier layers (or "input", the model input) this layer reads; absent means the
    /// previous layer (the model input for the first layer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_channels: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_features: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel_size: Option<Pair>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stride: Option<Pair>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub padding: Option<Pair>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dilation: Option<Pair>,
    /// conv2d: input and output channels are split into this many groups (depthwise: groups = in channels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<usize>,
    /// batchnorm2d: added to the variance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eps: Option<f32>,
    /// clip: the bounds (absent: unbounded on that side).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f32>,
    /// dropout: the training-time drop probability (inference ignores it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p: Option<f32>,
    /// reshape: `[n]` or `[c, h, w]`, at most one -1 (inferred).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shape: Option<Vec<i64>>,
    /// avgpool2d: divide by the whole window, padding included (default false: in-bounds cells only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count_include_pad: Option<bool>,
}

/// `[h, w]`, or one number for both (as PyTorch accepts).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Pair {
    Both(usize),
    HW([usize; 2]),
}

impl Pair {
    fn hw(self) -> (usize, usize) {
        match self {
            Pair::Both(v) => (v, v),
            Pair::HW([h, w]) => (h, w),
        }
    }
    fn of((h, w): (usize, usize)) -> Pair {
        Pair::HW([h, w])
    }
}

/// Loads a model file from bytes, validating everything.
pub fn load(bytes: &[u8]) -> Result<Model> {
    if bytes.len() > MAX_FILE_BYTES {
        bail!("the file is {} bytes, over the {} MB limit for model files", bytes.len(), MAX_FILE_BYTES >> 20);
    }
    let st = SafeTensors::deserialize(bytes).map_err(|e| Error(format!("not a valid safetensors file: {e}")))?;
    let (_, meta) =
        SafeTensors::read_metadata(bytes).map_err(|e| Error(format!("not a valid safetensors file: {e}")))?;
    let Some(json) = meta.metadata().as_ref().and_then(|m| m.get(METADATA_KEY)) else {
        bail!("the safetensors metadata has no '{METADATA_KEY}' key holding the architecture JSON");
    };
    let arch: Architecture =
        serde_json::from_str(json).map_err(|e| Error(format!("architecture JSON (metadata '{METADATA_KEY}'): {e}")))?;
    build(&arch, Tensors::from_safetensors(&st)?)
}

/// A model's tensors by name, as f32 (shape, values): what a model file or an imported ONNX file
/// supplies. Each is handed out once, so leftovers can be reported.
#[derive(Default)]
pub struct Tensors {
    map: HashMap<String, (Vec<usize>, Vec<f32>)>,
    /// Names of PyTorch batchnorm step counters (`<layer>.num_batches_tracked`: one integer,
    /// not a weight), each accepted once by its batchnorm2d layer.
    batch_counters: Vec<String>,
}

/// The suffix of PyTorch's batchnorm step counter, a buffer of every `BatchNorm2d`'s `state_dict`.
const BATCH_COUNTER: &str = ".num_batches_tracked";

impl Tensors {
    /// Adds tensor `name`; its values must be finite and fit its shape.
    pub fn insert(&mut self, name: &str, shape: Vec<usize>, values: Vec<f32>) -> Result<()> {
        let n = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
        if n != Some(values.len()) {
            bail!("tensor '{name}' has {} values, which do not fit its shape {shape:?}", values.len());
        }
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            bail!("tensor '{name}' holds {} at element {i}; weights must be finite", values[i]);
        }
        self.map.insert(name.to_string(), (shape, values));
        Ok(())
    }

    /// Every tensor of a safetensors file, converted to f32.
    fn from_safetensors(st: &SafeTensors) -> Result<Tensors> {
        let mut tensors = Tensors::default();
        for (name, view) in st.tensors() {
            let data = view.data();
            let integer = matches!(view.dtype(), Dtype::I64 | Dtype::I32 | Dtype::U64 | Dtype::U32);
            if integer && name.ends_with(BATCH_COUNTER) && view.shape().iter().product::<usize>() == 1 {
                tensors.batch_counters.push(name);
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

    /// The shape and values of tensor `name`, or None when there is no such tensor.
    fn take(&mut self, name: &str) -> Option<(Vec<usize>, Vec<f32>)> {
        self.map.remove(name)
    }

    fn weight(&mut self, layer: &str, dims: usize) -> Result<(Vec<usize>, Vec<f32>)> {
        let name = format!("{layer}.weight");
        let Some((shape, values)) = self.take(&name) else {
            bail!("tensor '{name}' is missing");
        };
        if shape.len() != dims {
            bail!("tensor '{name}' has shape {shape:?}, but a {dims}-D weight is expected");
        }
        Ok((shape, values))
    }

    fn bias(&mut self, layer: &str, len: usize) -> Result<Option<Array1<f32>>> {
        let name = format!("{layer}.bias");
        match self.take(&name) {
            None => Ok(None),
            Some((shape, values)) if shape == [len] => Ok(Some(Array1::from(values))),
            Some((shape, _)) => bail!("tensor '{name}' has shape {shape:?}, expected [{len}]"),
        }
    }

    /// The 1-D tensor `<layer>.<what>` (None when absent), of `len` values when given.
    fn vector(&mut self, layer: &str, what: &str, len: Option<usize>) -> Result<Option<Vec<f32>>> {
        let name = format!("{layer}.{what}");
        match (self.take(&name), len) {
            (None, _) => Ok(None),
            (Some((shape, values)), Some(n)) if shape == [n] => Ok(Some(values)),
            (Some((shape, _)), Some(n)) => bail!("tensor '{name}' has shape {shape:?}, expected [{n}]"),
            (Some((shape, values)), None) if shape.len() == 1 => Ok(Some(values)),
            (Some((shape, _)), None) => {
                bail!("tensor '{name}' has shape {shape:?}, but a 1-D tensor [channels] is expected")
            }
        }
    }

    /// Accepts `<layer>.num_batches_tracked` of a batchnorm layer, when the file has one.
    fn batch_counter(&mut self, layer: &str) {
        let name = format!("{layer}{BATCH_COUNTER}");
        self.batch_counters.retain(|n| *n != name);
    }

    fn leftovers(&self) -> Vec<String> {
        let mut left: Vec<String> = self.map.keys().chain(&self.batch_counters).cloned().collect();
        left.sort();
        left
    }
}

/// Builds a model from its architecture and tensors, validating everything (shared by model files
/// and imported formats).
pub fn build(arch: &Architecture, mut tensors: Tensors) -> Result<Model> {
    let inp = &arch.input;
    let input = InputSpec {
        channels: inp.channels,
        height: inp.height,
        width: inp.width,
        mean: inp.mean.clone().unwrap_or_else(|| vec![0.0; inp.channels.min(4096)]),
        std: inp.std.clone().unwrap_or_else(|| vec![1.0; inp.channels.min(4096)]),
    };
    let mut layers = Vec::with_capacity(arch.layers.len().min(4096));
    for (i, spec) in arch.layers.iter().enumerate() {
        let kind = layer_kind(spec, &mut tensors)
            .map_err(|e| e.context(format!("layer {i} '{}' ({})", spec.name, spec.kind)))?;
        layers.push(LayerSpec { name: spec.name.clone(), kind, inputs: spec.inputs.clone() });
    }
    let left = tensors.leftovers();
    if !left.is_empty() {
        bail!("the file has tensors no layer uses: {}", left.join(", "));
    }
    Model::graph(input, arch.labels.clone(), layers)
}

fn layer_kind(spec: &LayerJson, tensors: &mut Tensors) -> Result<LayerKind> {
    let t = spec.kind.as_str();
    let allowed: &[&str] = match t {
        "conv2d" => &["out_channels", "kernel_size", "stride", "padding", "dilation", "groups"],
        "maxpool2d" => &["kernel_size", "stride", "padding"],
        "avgpool2d" => &["kernel_size", "stride", "padding", "count_include_pad"],
        "linear" => &["out_features"],
        "batchnorm2d" => &["eps"],
        "clip" => &["min", "max"],
        "dropout" => &["p"],
        "reshape" => &["shape"],
        "relu" | "relu6" | "sigmoid" | "hardswish" | "global_avgpool" | "flatten" | "softmax" | "add" | "concat" => &[],
        _ => bail!("unknown layer type '{t}' (supported: {})", LAYER_TYPES.join(", ")),
    };
    let present = [
        ("out_channels", spec.out_channels.is_some()),
        ("out_features", spec.out_features.is_some()),
        ("kernel_size", spec.kernel_size.is_some()),
        ("stride", spec.stride.is_some()),
        ("padding", spec.padding.is_some()),
        ("dilation", spec.dilation.is_some()),
        ("groups", spec.groups.is_some()),
        ("eps", spec.eps.is_some()),
        ("min", spec.min.is_some()),
        ("max", spec.max.is_some()),
        ("p", spec.p.is_some()),
        ("shape", spec.shape.is_some()),
        ("count_include_pad", spec.count_include_pad.is_some()),
    ];
    for (field, is_set) in present {
        if is_set && !allowed.contains(&field) {
            bail!("field '{field}' does not apply to a {t} layer");
        }
    }
    let required = |field: &str, v: Option<usize>| v.ok_or_else(|| Error(format!("field '{field}' is required")));
    let name = spec.name.as_str();
    Ok(match t {
        "conv2d" => {
            let out = required("out_channels", spec.out_channels)?;
            let kernel = spec.kernel_size.ok_or_else(|| Error::new("field 'kernel_size' is required"))?.hw();
            let groups = spec.groups.unwrap_or(1);
            if groups == 0 {
                bail!("field 'groups' must be at least 1");
            }
            if out % groups != 0 {
                bail!("out_channels {out} is not divisible by groups {groups}");
            }
            let (shape, values) = tensors.weight(name, 4)?;
            if shape[0] != out || (shape[2], shape[3]) != kernel {
                let per = if groups == 1 { "in_channels" } else { "in_channels / groups" };
                bail!(
                    "tensor '{name}.weight' has shape {shape:?}, expected [{out}, {per}, {}, {}]",
                    kernel.0,
                    kernel.1
                );
            }
            let weight = Array4::from_shape_vec((shape[0], shape[1], shape[2], shape[3]), values)
                .map_err(|e| Error(format!("tensor '{name}.weight': {e}")))?;
            let bias = tensors.bias(name, out)?;
            let stride = spec.stride.map_or((1, 1), Pair::hw);
            let padding = spec.padding.map_or((0, 0), Pair::hw);
            let dilation = spec.dilation.map_or((1, 1), Pair::hw);
            LayerKind::Conv2d(Conv2d::new(weight, bias, stride, padding, dilation).with_groups(groups))
        }
        "maxpool2d" | "avgpool2d" => {
            let kernel = spec.kernel_size.ok_or_else(|| Error::new("field 'kernel_size' is required"))?.hw();
            let stride = spec.stride.map_or(kernel, Pair::hw);
            let padding = spec.padding.map_or((0, 0), Pair::hw);
            let pool = Pool2d::new(kernel, stride, padding);
            if t == "maxpool2d" {
                LayerKind::MaxPool2d(pool)
            } else {
                LayerKind::AvgPool2d(pool.with_count_include_pad(spec.count_include_pad.unwrap_or(false)))
            }
        }
        "batchnorm2d" => {
            let eps = spec.eps.unwrap_or(DEFAULT_EPS);
            if !(eps.is_finite() && eps > 0.0) {
                bail!("field 'eps' must be a number above 0, got {eps}");
            }
            let Some(mean) = tensors.vector(name, "running_mean", None)? else {
                bail!("tensor '{name}.running_mean' is missing");
            };
            let c = Some(mean.len());
            let Some(var) = tensors.vector(name, "running_var", c)? else {
                bail!("tensor '{name}.running_var' is missing");
            };
            if let Some(i) = var.iter().position(|&v| v < 0.0) {
                bail!("tensor '{name}.running_var' holds {} at element {i}; a variance cannot be negative", var[i]);
            }
            let gamma = tensors.vector(name, "weight", c)?;
            let beta = tensors.vector(name, "bias", c)?;
            tensors.batch_counter(name);
            LayerKind::BatchNorm2d(BatchNorm2d::new(mean, var, gamma, beta, eps))
        }
        "clip" => LayerKind::Clip { min: spec.min, max: spec.max },
        "dropout" => LayerKind::Dropout { p: spec.p.unwrap_or(0.5) },
        "reshape" => {
            let Some(shape) = spec.shape.clone() else {
                bail!("field 'shape' is required");
            };
            LayerKind::Reshape { shape }
        }
        "relu6" => LayerKind::Relu6,
        "sigmoid" => LayerKind::Sigmoid,
        "hardswish" => LayerKind::Hardswish,
        "global_avgpool" => LayerKind::GlobalAvgPool,
        "linear" => {
            let out = required("out_features", spec.out_features)?;
            let (shape, values) = tensors.weight(name, 2)?;
            if shape[0] != out {
                bail!("tensor '{name}.weight' has shape {shape:?}, expected [{out}, in_features]");
            }
            let weight = Array2::from_shape_vec((shape[0], shape[1]), values)
                .map_err(|e| Error(format!("tensor '{name}.weight': {e}")))?;
            let bias = tensors.bias(name, out)?;
            LayerKind::Linear(Linear::new(weight, bias))
        }
        "relu" => LayerKind::Relu,
        "flatten" => LayerKind::Flatten,
        "add" => LayerKind::Add,
        "concat" => LayerKind::Concat,
        _ => LayerKind::Softmax,
    })
}

/// The architecture JSON describing `model`.
pub fn architecture(model: &Model) -> Architecture {
    let layers = model
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let previous = if i == 0 { Source::Input } else { Source::Layer(i - 1) };
            let inputs =
                (l.inputs != [previous]).then(|| l.inputs.iter().map(|&s| model.source_name(s).to_string()).collect());
            let mut j =
                LayerJson { name: l.name.clone(), kind: l.kind.type_name().to_string(), inputs, ..Default::default() };
            match &l.kind {
                LayerKind::Conv2d(c) => {
                    j.out_channels = Some(c.out_channels());
                    j.kernel_size = Some(Pair::of(c.kernel_size()));
                    j.stride = Some(Pair::of(c.stride));
                    j.padding = Some(Pair::of(c.padding));
                    j.dilation = Some(Pair::of(c.dilation));
                    j.groups = (c.groups != 1).then_some(c.groups);
                }
                LayerKind::MaxPool2d(p) | LayerKind::AvgPool2d(p) => {
                    j.kernel_size = Some(Pair::of(p.kernel_size));
                    j.stride = Some(Pair::of(p.stride));
                    j.padding = Some(Pair::of(p.padding));
                    j.count_include_pad = p.count_include_pad.then_some(true);
                }
                LayerKind::Linear(lin) => j.out_features = Some(lin.out_features()),
                LayerKind::BatchNorm2d(b) => j.eps = Some(b.eps),
                LayerKind::Clip { min, max } => (j.min, j.max) = (*min, *max),
                LayerKind::Dropout { p } => j.p = Some(*p),
                LayerKind::Reshape { shape } => j.shape = Some(shape.clone()),
                LayerKind::Relu
                | LayerKind::Relu6
                | LayerKind::Sigmoid
                | LayerKind::Hardswish
                | LayerKind::GlobalAvgPool
                | LayerKind::Flatten
                | LayerKind::Softmax
                | LayerKind::Add
                | LayerKind::Concat => {}
            }
            j
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

/// Loads a model from either format convlens reads: a safetensors model file (recognised by its
/// header) or an ONNX file. Errors say which format was assumed.
pub fn load_any(bytes: &[u8]) -> Result<Model> {
    if bytes.len() > MAX_FILE_BYTES {
        bail!("the file is {} bytes, over the {} MB limit for model files", bytes.len(), MAX_FILE_BYTES >> 20);
    }
    if looks_like_safetensors(bytes) {
        return load(bytes).map_err(|e| e.context("safetensors model file"));
    }
    let not_safetensors = match bytes.get(8) {
        Some(b'{') => "its 8-byte header length points past the end of the file",
        _ => "no 8-byte header length followed by '{'",
    };
    match crate::onnx::decode(bytes) {
        Ok(m) if crate::onnx::is_plausible(&m) => crate::onnx::import_model(&m).map_err(|e| e.context("ONNX model")),
        Ok(_) => bail!(
            "not a model file convlens reads: neither safetensors ({not_safetensors}) nor ONNX (no IR version or graph)"
        ),
        Err(e) => bail!("not a model file convlens reads: neither safetensors ({not_safetensors}) nor ONNX ({e})"),
    }
}
