//! `Conv` -> `conv2d` (grouped and depthwise when `group` > 1).

use crate::architecture::{Conv2dJson, LayerType, Pair};
use crate::onnx::attrs::{dim, padding, pair, Attrs};
use crate::onnx::importer::{msg, Handled, Importer, Shp};
use crate::onnx::proto::NodeProto;

pub(crate) fn conv(im: &mut Importer, _: usize, node: &NodeProto) -> Handled {
    let attrs = msg(Attrs::check(node, &["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"]))?;
    let (src, shape) = im.data(node, 0)?;
    let Shp::Chw(c, h, w) = shape else {
        return Err(Some(format!("the input is {}; Conv needs an image [N, C, H, W]", shape.describe())));
    };
    let weight = msg(im.required_constant(node, 1, "weight"))?;
    let [m, cg, kh, kw] = weight.dims[..] else {
        return Err(Some(format!(
            "the weight has shape {:?}; convlens supports 2-D convolutions (4-D weights)",
            weight.dims
        )));
    };
    let bias = msg(im.optional_constant(node, 2, "bias"))?;
    if let Some(b) = &bias {
        if b.dims != [m] {
            return Err(Some(format!("the bias has shape {:?}, expected [{m}]", b.dims)));
        }
    }
    let group = msg(attrs.int("group", 1))?;
    let Some(group) = dim(group).filter(|&g| g >= 1) else {
        return Err(Some(format!("group {group} must be at least 1")));
    };
    if cg.checked_mul(group) != Some(c) {
        return Err(Some(format!(
            "the weight has shape {:?}: {cg} input channels per group x {group} groups does not match the input's {c} channels",
            weight.dims
        )));
    }
    let kernel = msg(pair(&attrs, "kernel_shape", (kh, kw), 1))?;
    if kernel != (kh, kw) {
        return Err(Some(format!("kernel_shape {kernel:?} does not match the weight's {kh}x{kw}")));
    }
    let stride = msg(pair(&attrs, "strides", (1, 1), 1))?;
    let dilation = msg(pair(&attrs, "dilations", (1, 1), 1))?;
    let pad = msg(padding(&attrs, (h, w), kernel, stride, dilation))?;
    let oh = crate::output_size(h, kh, stride.0, pad.0, dilation.0).map_err(|e| Some(e.0))?;
    let ow = crate::output_size(w, kw, stride.1, pad.1, dilation.1).map_err(|e| Some(e.0))?;
    let layer = LayerType::Conv2d(Conv2dJson {
        out_channels: m,
        kernel_size: Pair::of((kh, kw)),
        stride: Some(Pair::of(stride)),
        padding: Some(Pair::of(pad)),
        dilation: Some(Pair::of(dilation)),
        groups: (group > 1).then_some(group),
    });
    let name = im.push_layer(node, layer, vec![src], Shp::Chw(m, oh, ow));
    im.add_tensor(&name, "weight", weight.dims.clone(), weight.floats());
    if let Some(b) = bias {
        im.add_tensor(&name, "bias", b.dims.clone(), b.floats());
    }
    Ok(())
}
