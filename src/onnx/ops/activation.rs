//! Element-wise activations and the softmax: `Relu`, `Sigmoid`, `HardSwish` (one layer each),
//! `Clip` (`relu`, `relu6`, `clip` or nothing, by its bounds) and `Softmax` (over class scores).

use crate::architecture::{ClipJson, LayerType, NoFields};
use crate::onnx::attrs::Attrs;
use crate::onnx::importer::{msg, Handled, Importer, NodeResult, Shp};
use crate::onnx::proto::NodeProto;
use crate::onnx::tensor::Const;

/// A layer of `layer`'s type on the input, for an operator without attributes.
fn plain(im: &mut Importer, node: &NodeProto, layer: LayerType) -> Handled {
    msg(Attrs::check(node, &[]))?;
    im.unary(node, layer)
}

pub(crate) fn relu(im: &mut Importer, _: usize, node: &NodeProto) -> Handled {
    plain(im, node, LayerType::Relu(NoFields {}))
}

pub(crate) fn sigmoid(im: &mut Importer, _: usize, node: &NodeProto) -> Handled {
    plain(im, node, LayerType::Sigmoid(NoFields {}))
}

pub(crate) fn hard_swish(im: &mut Importer, _: usize, node: &NodeProto) -> Handled {
    plain(im, node, LayerType::Hardswish(NoFields {}))
}

pub(crate) fn clip(im: &mut Importer, _: usize, node: &NodeProto) -> Handled {
    let attrs = msg(Attrs::check(node, &["min", "max"]))?;
    let scalar = |c: Option<Const>, what: &str| -> NodeResult<Option<f32>> {
        match c {
            None => Ok(None),
            Some(c) if c.len() == 1 && c.dims.len() <= 1 => Ok(c.floats().first().copied()),
            Some(c) => Err(format!("the {what} has shape {:?}; Clip bounds are scalars", c.dims)),
        }
    };
    let mut lo = msg(scalar(msg(im.optional_constant(node, 1, "min"))?, "min"))?;
    let mut hi = msg(scalar(msg(im.optional_constant(node, 2, "max"))?, "max"))?;
    if attrs.get("min").is_some() {
        lo = Some(msg(attrs.float("min", f32::MIN))?);
    }
    if attrs.get("max").is_some() {
        hi = Some(msg(attrs.float("max", f32::MAX))?);
    }
    // Infinite bounds (as exporters write "no bound") are no bound.
    let lo = lo.filter(|v| v.is_finite());
    let hi = hi.filter(|v| v.is_finite());
    match (lo, hi) {
        (None, None) => im.alias(node),
        (Some(0.0), None) => im.unary(node, LayerType::Relu(NoFields {})),
        (Some(a), Some(b)) if a == 0.0 && b == 6.0 => im.unary(node, LayerType::Relu6(NoFields {})),
        _ => im.unary(node, LayerType::Clip(ClipJson { min: lo, max: hi })),
    }
}

pub(crate) fn softmax(im: &mut Importer, _: usize, node: &NodeProto) -> Handled {
    let attrs = msg(Attrs::check(node, &["axis"]))?;
    let (_, shape) = im.data(node, 0)?;
    let default = if im.opset >= 13 { -1 } else { 1 };
    let axis = msg(attrs.int("axis", default))?;
    match shape {
        Shp::Vec(_) if axis == 1 || axis == -1 => im.unary(node, LayerType::Softmax(NoFields {})),
        Shp::Vec(_) => Err(Some(format!("axis {axis} is not supported (only the class axis, 1 or -1)"))),
        Shp::Chw(..) => Err(Some(format!(
            "the input is {}; convlens applies Softmax to [N, K] class scores (put a Flatten before it)",
            shape.describe()
        ))),
    }
}
