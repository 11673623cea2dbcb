//! A plain description of every layer (what the JS `summary()` returns and the page shows).

use crate::layers::{Layer, LayerKind};
use crate::model::Model;
use serde::Serialize;

#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LayerSummary {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The names of the layers it reads ("input" for the model input).
    pub inputs: Vec<String>,
    pub input_shape: Vec<usize>,
    pub output_shape: Vec<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kernel_size: Option<[usize; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stride: Option<[usize; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub padding: Option<[usize; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dilation: Option<[usize; 2]>,
    /// conv2d: the channel groups (1: ordinary; the input's channels: depthwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<usize>,
    /// avgpool2d: whether the average divides by the whole window, padding included.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count_include_pad: Option<bool>,
    /// batchnorm2d: added to the variance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eps: Option<f32>,
    /// clip: the bounds (absent: unbounded on that side).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f32>,
    /// dropout: the training-time drop probability (the layer is the identity here).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p: Option<f32>,
    pub params: usize,
}

fn pair((h, w): (usize, usize)) -> Option<[usize; 2]> {
    Some([h, w])
}

fn layer(m: &Model, l: &Layer) -> LayerSummary {
    let inputs = l.inputs.iter().map(|&s| m.source_name(s).to_string()).collect();
    let mut s = LayerSummary {
        name: l.name.clone(),
        kind: l.kind.type_name(),
        inputs,
        input_shape: l.input_shape.dims(),
        output_shape: l.output_shape.dims(),
        kernel_size: None,
        stride: None,
        padding: None,
        dilation: None,
        groups: None,
        count_include_pad: None,
        eps: None,
        min: None,
        max: None,
        p: None,
        params: l.params(),
    };
    match &l.kind {
        LayerKind::Conv2d(c) => {
            s.kernel_size = pair(c.kernel_size());
            s.stride = pair(c.stride);
            s.padding = pair(c.padding);
            s.dilation = pair(c.dilation);
            s.groups = Some(c.groups);
        }
        LayerKind::MaxPool2d(p) => {
            s.kernel_size = pair(p.kernel_size);
            s.stride = pair(p.stride);
            s.padding = pair(p.padding);
        }
        LayerKind::AvgPool2d(p) => {
            s.kernel_size = pair(p.kernel_size);
            s.stride = pair(p.stride);
            s.padding = pair(p.padding);
            s.count_include_pad = Some(p.count_include_pad);
        }
        LayerKind::BatchNorm2d(b) => s.eps = Some(b.eps),
        LayerKind::Clip { min, max } => (s.min, s.max) = (*min, *max),
        LayerKind::Dropout { p } => s.p = Some(*p),
        _ => {}
    }
    s
}

pub fn layers(m: &Model) -> Vec<LayerSummary> {
    m.layers.iter().map(|l| layer(m, l)).collect()
}
