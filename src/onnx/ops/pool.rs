//! Pooling: `MaxPool` -> `maxpool2d`, `AveragePool` -> `avgpool2d`, `GlobalAveragePool` ->
//! `global_avgpool`.

use crate::architecture::{AvgPool2dJson, LayerType, MaxPool2dJson, NoFields, Pair};
use crate::onnx::attrs::{dim, padding, pair, Attrs};
use crate::onnx::importer::{msg, Handled, Importer, Shp};
use crate::onnx::proto::NodeProto;

pub(crate) fn max_pool(im: &mut Importer, _: usize, node: &NodeProto) -> Handled {
    pool(im, node, true)
}

pub(crate) fn average_pool(im: &mut Importer, _: usize, node: &NodeProto) -> Handled {
    pool(im, node, false)
}

fn pool(im: &mut Importer, node: &NodeProto, max: bool) -> Handled {
    let allowed: &[&str] = if max {
        &["auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"]
    } else {
        &["auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides"]
    };
    let attrs = msg(Attrs::check(node, allowed))?;
    let (src, shape) = im.data(node, 0)?;
    let Shp::Chw(c, h, w) = shape else {
        return Err(Some(format!("the input is {}; pooling needs an image [N, C, H, W]", shape.describe())));
    };
    msg(im.only_first_output(node, "indices"))?;
    let Some(kernel) = msg(attrs.ints("kernel_shape"))? else {
        return Err(Some("kernel_shape is required".into()));
    };
    let kernel = match kernel {
        &[a, b] if a >= 1 && b >= 1 && dim(a).is_some() && dim(b).is_some() => {
            (dim(a).unwrap_or(0), dim(b).unwrap_or(0))
        }
        k => {
            return Err(Some(format!(
                "kernel_shape {k:?}: convlens supports 2-D pooling (1-D and 3-D are not supported)"
            )))
        }
    };
    let stride = msg(pair(&attrs, "strides", (1, 1), 1))?;
    if msg(pair(&attrs, "dilations", (1, 1), 1))? != (1, 1) {
        return Err(Some("dilations other than 1 are not supported for pooling".into()));
    }
    let pad = msg(padding(&attrs, (h, w), kernel, stride, (1, 1)))?;
    let oh = crate::output_size(h, kernel.0, stride.0, pad.0, 1).map_err(|e| Some(e.0))?;
    let ow = crate::output_size(w, kernel.1, stride.1, pad.1, 1).map_err(|e| Some(e.0))?;
    if msg(attrs.int("ceil_mode", 0))? != 0 {
        // Ceil rounding only differs when a last, partial window would start inside the input.
        let ceil = |inp: usize, k: usize, s: usize, p: usize| {
            let mut out = (inp + 2 * p).saturating_sub(k).div_ceil(s) + 1;
            if (out - 1) * s >= inp + p {
                out -= 1;
            }
            out
        };
        if ceil(h, kernel.0, stride.0, pad.0) != oh || ceil(w, kernel.1, stride.1, pad.1) != ow {
            return Err(Some(
                "ceil_mode 1 gives a larger output than floor rounding here, which convlens does not support".into(),
            ));
        }
    }
    let (kernel_size, stride, padding) = (Pair::of(kernel), Some(Pair::of(stride)), Some(Pair::of(pad)));
    let layer = if max {
        LayerType::MaxPool2d(MaxPool2dJson { kernel_size, stride, padding })
    } else {
        let include_pad = msg(attrs.int("count_include_pad", 0))? != 0 && pad != (0, 0);
        LayerType::AvgPool2d(AvgPool2dJson {
            kernel_size,
            stride,
            padding,
            count_include_pad: include_pad.then_some(true),
        })
    };
    im.push_layer(node, layer, vec![src], Shp::Chw(c, oh, ow));
    Ok(())
}

pub(crate) fn global_average_pool(im: &mut Importer, _: usize, node: &NodeProto) -> Handled {
    msg(Attrs::check(node, &[]))?;
    let (src, shape) = im.data(node, 0)?;
    let Shp::Chw(c, _, _) = shape else {
        return Err(Some(format!("the input is {}; GlobalAveragePool needs an image [N, C, H, W]", shape.describe())));
    };
    im.push_layer(node, LayerType::GlobalAvgPool(NoFields {}), vec![src], Shp::Chw(c, 1, 1));
    Ok(())
}
