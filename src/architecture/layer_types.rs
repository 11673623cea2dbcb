//! The layer types of the architecture JSON: one struct per type holding that type's fields
//! (unknown fields are errors), in the internally tagged [`LayerType`] enum (`"type": "conv2d"`).
//! A layer type is one line of the `layer_types!` table, its struct, and its two conversions
//! ([`LayerType::kind`] and [`LayerType::of`], both exhaustive matches).

use crate::architecture::tensors::Tensors;
use crate::bail;
use crate::error::{Error, Result};
use crate::introspect::field_names;
use crate::layers::{BatchNorm2d, Conv2d, LayerKind, Linear, Pool2d, DEFAULT_EPS};
use ndarray::{Array2, Array4};
use serde::{Deserialize, Serialize};

/// Declares [`LayerType`] (variant, its struct, its `type` in the JSON), [`LAYER_TYPES`] and the
/// lookups by type name, all from one table.
macro_rules! layer_types {
    ($($variant:ident($body:ty) = $tag:literal,)*) => {
        /// A layer's type with its fields: the `type` of a layer object and the fields beside it.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "type")]
        pub enum LayerType {
            $(#[serde(rename = $tag)] $variant($body),)*
        }

        /// Every layer type a model file may use.
        pub const LAYER_TYPES: &[&str] = &[$($tag),*];

        impl LayerType {
            /// The `type` of this layer in the JSON.
            pub fn type_name(&self) -> &'static str {
                match self {
                    $(LayerType::$variant(_) => $tag,)*
                }
            }

            /// The fields of layer type `name` (beside `name`, `type` and `inputs`), or None for a
            /// type that does not exist.
            pub fn fields(name: &str) -> Option<&'static [&'static str]> {
                match name {
                    $($tag => Some(field_names::<$body>()),)*
                    _ => None,
                }
            }
        }
    };
}

layer_types! {
    Conv2d(Conv2dJson) = "conv2d",
    BatchNorm2d(BatchNorm2dJson) = "batchnorm2d",
    Relu(NoFields) = "relu",
    Relu6(NoFields) = "relu6",
    Clip(ClipJson) = "clip",
    Sigmoid(NoFields) = "sigmoid",
    Hardswish(NoFields) = "hardswish",
    MaxPool2d(MaxPool2dJson) = "maxpool2d",
    AvgPool2d(AvgPool2dJson) = "avgpool2d",
    GlobalAvgPool(NoFields) = "global_avgpool",
    Flatten(NoFields) = "flatten",
    Reshape(ReshapeJson) = "reshape",
    Dropout(DropoutJson) = "dropout",
    Linear(LinearJson) = "linear",
    Softmax(NoFields) = "softmax",
    Add(NoFields) = "add",
    Concat(NoFields) = "concat",
}

/// `[h, w]`, or one number for both (as PyTorch accepts).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged, expecting = "a whole number or a pair [h, w] of whole numbers")]
pub enum Pair {
    Both(usize),
    HW([usize; 2]),
}

impl Pair {
    pub fn hw(self) -> (usize, usize) {
        match self {
            Pair::Both(v) => (v, v),
            Pair::HW([h, w]) => (h, w),
        }
    }
    pub fn of((h, w): (usize, usize)) -> Pair {
        Pair::HW([h, w])
    }
}

/// The fields of a layer type that has none (relu, flatten, add, ...).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoFields {}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conv2dJson {
    pub out_channels: usize,
    pub kernel_size: Pair,
    /// Default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stride: Option<Pair>,
    /// Zeros around the input; default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub padding: Option<Pair>,
    /// Default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dilation: Option<Pair>,
    /// Input and output channels are split into this many groups (depthwise: groups = in
    /// channels); default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchNorm2dJson {
    /// Added to the variance; default 1e-5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eps: Option<f32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClipJson {
    /// The bounds (absent: unbounded on that side).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaxPool2dJson {
    pub kernel_size: Pair,
    /// Default: the kernel size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stride: Option<Pair>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub padding: Option<Pair>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AvgPool2dJson {
    pub kernel_size: Pair,
    /// Default: the kernel size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stride: Option<Pair>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub padding: Option<Pair>,
    /// Divide by the whole window, padding included (default false: in-bounds cells only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count_include_pad: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReshapeJson {
    /// `[n]` or `[c, h, w]`, at most one -1 (inferred).
    pub shape: Vec<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropoutJson {
    /// The training-time drop probability (inference ignores it); default 0.5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p: Option<f32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinearJson {
    pub out_features: usize,
}

impl LayerType {
    /// The engine's layer, its tensors (`<name>.weight`, ...) taken from `tensors` and checked
    /// against the fields.
    pub fn kind(&self, name: &str, tensors: &mut Tensors) -> Result<LayerKind> {
        Ok(match self {
            LayerType::Conv2d(c) => c.kind(name, tensors)?,
            LayerType::BatchNorm2d(b) => b.kind(name, tensors)?,
            LayerType::Linear(l) => l.kind(name, tensors)?,
            LayerType::MaxPool2d(p) => LayerKind::MaxPool2d(pool(p.kernel_size, p.stride, p.padding)),
            LayerType::AvgPool2d(p) => LayerKind::AvgPool2d(
                pool(p.kernel_size, p.stride, p.padding).with_count_include_pad(p.count_include_pad.unwrap_or(false)),
            ),
            LayerType::Clip(c) => LayerKind::Clip { min: c.min, max: c.max },
            LayerType::Dropout(d) => LayerKind::Dropout { p: d.p.unwrap_or(0.5) },
            LayerType::Reshape(r) => LayerKind::Reshape { shape: r.shape.clone() },
            LayerType::Relu(_) => LayerKind::Relu,
            LayerType::Relu6(_) => LayerKind::Relu6,
            LayerType::Sigmoid(_) => LayerKind::Sigmoid,
            LayerType::Hardswish(_) => LayerKind::Hardswish,
            LayerType::GlobalAvgPool(_) => LayerKind::GlobalAvgPool,
            LayerType::Flatten(_) => LayerKind::Flatten,
            LayerType::Softmax(_) => LayerKind::Softmax,
            LayerType::Add(_) => LayerKind::Add,
            LayerType::Concat(_) => LayerKind::Concat,
        })
    }

    /// The type and fields describing `kind` (defaults written out, except conv2d's groups 1).
    pub fn of(kind: &LayerKind) -> LayerType {
        let none = NoFields {};
        match kind {
            LayerKind::Conv2d(c) => LayerType::Conv2d(Conv2dJson {
                out_channels: c.out_channels(),
                kernel_size: Pair::of(c.kernel_size()),
                stride: Some(Pair::of(c.stride)),
                padding: Some(Pair::of(c.padding)),
                dilation: Some(Pair::of(c.dilation)),
                groups: (c.groups != 1).then_some(c.groups),
            }),
            LayerKind::MaxPool2d(p) => LayerType::MaxPool2d(MaxPool2dJson {
                kernel_size: Pair::of(p.kernel_size),
                stride: Some(Pair::of(p.stride)),
                padding: Some(Pair::of(p.padding)),
            }),
            LayerKind::AvgPool2d(p) => LayerType::AvgPool2d(AvgPool2dJson {
                kernel_size: Pair::of(p.kernel_size),
                stride: Some(Pair::of(p.stride)),
                padding: Some(Pair::of(p.padding)),
                count_include_pad: p.count_include_pad.then_some(true),
            }),
            LayerKind::Linear(l) => LayerType::Linear(LinearJson { out_features: l.out_features() }),
            LayerKind::BatchNorm2d(b) => LayerType::BatchNorm2d(BatchNorm2dJson { eps: Some(b.eps) }),
            LayerKind::Clip { min, max } => LayerType::Clip(ClipJson { min: *min, max: *max }),
            LayerKind::Dropout { p } => LayerType::Dropout(DropoutJson { p: Some(*p) }),
            LayerKind::Reshape { shape } => LayerType::Reshape(ReshapeJson { shape: shape.clone() }),
            LayerKind::Relu => LayerType::Relu(none),
            LayerKind::Relu6 => LayerType::Relu6(none),
            LayerKind::Sigmoid => LayerType::Sigmoid(none),
            LayerKind::Hardswish => LayerType::Hardswish(none),
            LayerKind::GlobalAvgPool => LayerType::GlobalAvgPool(none),
            LayerKind::Flatten => LayerType::Flatten(none),
            LayerKind::Softmax => LayerType::Softmax(none),
            LayerKind::Add => LayerType::Add(none),
            LayerKind::Concat => LayerType::Concat(none),
        }
    }
}

/// A pooling window; the stride defaults to the kernel size.
fn pool(kernel: Pair, stride: Option<Pair>, padding: Option<Pair>) -> Pool2d {
    let kernel = kernel.hw();
    Pool2d::new(kernel, stride.map_or(kernel, Pair::hw), padding.map_or((0, 0), Pair::hw))
}

impl Conv2dJson {
    fn kind(&self, name: &str, tensors: &mut Tensors) -> Result<LayerKind> {
        let out = self.out_channels;
        let kernel = self.kernel_size.hw();
        let groups = self.groups.unwrap_or(1);
        if groups == 0 {
            bail!("field 'groups' must be at least 1");
        }
        if !out.is_multiple_of(groups) {
            bail!("out_channels {out} is not divisible by groups {groups}");
        }
        let (shape, values) = tensors.weight(name, 4)?;
        if shape[0] != out || (shape[2], shape[3]) != kernel {
            let per = if groups == 1 { "in_channels" } else { "in_channels / groups" };
            bail!("tensor '{name}.weight' has shape {shape:?}, expected [{out}, {per}, {}, {}]", kernel.0, kernel.1);
        }
        let weight = Array4::from_shape_vec((shape[0], shape[1], shape[2], shape[3]), values)
            .map_err(|e| Error(format!("tensor '{name}.weight': {e}")))?;
        let bias = tensors.bias(name, out)?;
        let stride = self.stride.map_or((1, 1), Pair::hw);
        let padding = self.padding.map_or((0, 0), Pair::hw);
        let dilation = self.dilation.map_or((1, 1), Pair::hw);
        Ok(LayerKind::Conv2d(Conv2d::new(weight, bias, stride, padding, dilation).with_groups(groups)))
    }
}

impl BatchNorm2dJson {
    fn kind(&self, name: &str, tensors: &mut Tensors) -> Result<LayerKind> {
        let eps = self.eps.unwrap_or(DEFAULT_EPS);
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
        tensors.step_counter(name);
        Ok(LayerKind::BatchNorm2d(BatchNorm2d::new(mean, var, gamma, beta, eps)))
    }
}

impl LinearJson {
    fn kind(&self, name: &str, tensors: &mut Tensors) -> Result<LayerKind> {
        let out = self.out_features;
        let (shape, values) = tensors.weight(name, 2)?;
        if shape[0] != out {
            bail!("tensor '{name}.weight' has shape {shape:?}, expected [{out}, in_features]");
        }
        let weight = Array2::from_shape_vec((shape[0], shape[1]), values)
            .map_err(|e| Error(format!("tensor '{name}.weight': {e}")))?;
        let bias = tensors.bias(name, out)?;
        Ok(LayerKind::Linear(Linear::new(weight, bias)))
    }
}
