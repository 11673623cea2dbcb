//! Shape operators: `Flatten` -> `flatten` (nothing on a vector), `Reshape` -> `flatten`,
//! `reshape` or nothing (same shape). The batch axis stays the batch axis.

use crate::architecture::{LayerType, NoFields, ReshapeJson};
use crate::onnx::attrs::{dim, Attrs};
use crate::onnx::importer::{msg, Handled, Importer, Shp};
use crate::onnx::proto::NodeProto;

pub(crate) fn flatten(im: &mut Importer, _: usize, node: &NodeProto) -> Handled {
    let attrs = msg(Attrs::check(node, &["axis"]))?;
    let (src, shape) = im.data(node, 0)?;
    let axis = msg(attrs.int("axis", 1))?;
    let rank = shape.dims().len() as i64 + 1;
    if axis != 1 && axis != 1 - rank {
        return Err(Some(format!("axis {axis} is not supported (only 1: keep the batch, flatten the rest)")));
    }
    match shape {
        Shp::Vec(_) => im.alias(node),
        Shp::Chw(..) => {
            im.push_layer(node, LayerType::Flatten(NoFields {}), vec![src], Shp::Vec(shape.len()));
            Ok(())
        }
    }
}

pub(crate) fn reshape(im: &mut Importer, _: usize, node: &NodeProto) -> Handled {
    let attrs = msg(Attrs::check(node, &["allowzero"]))?;
    let (src, shape) = im.data(node, 0)?;
    let target = msg(im.required_constant(node, 1, "shape"))?;
    let Some(target) = target.ints().map(<[i64]>::to_vec) else {
        return Err(Some("the shape is not an integer tensor".into()));
    };
    let allowzero = msg(attrs.int("allowzero", 0))? != 0;
    let full_in: Vec<usize> = std::iter::once(1).chain(shape.dims()).collect();
    let total = shape.len();
    let Some((&first, rest)) = target.split_first() else {
        return Err(Some("the target shape is empty (a scalar)".into()));
    };
    let bad = |why: &str| Some(format!("target shape {target:?}: {why}"));
    if target.iter().filter(|&&d| d == -1).count() > 1 {
        return Err(bad("more than one -1"));
    }
    if target.iter().any(|&d| d < -1 || (d == 0 && allowzero)) {
        return Err(bad("dimensions must be positive, 0 (copy) or -1 (inferred)"));
    }
    // Per sample: the batch dimension must stay the batch dimension.
    let mut dims: Vec<Option<usize>> = Vec::new();
    for (j, &d) in rest.iter().enumerate() {
        dims.push(match d {
            -1 => None,
            0 => Some(*full_in.get(j + 1).ok_or_else(|| bad("a 0 copies a dimension the input lacks"))?),
            d => Some(dim(d).unwrap_or(usize::MAX)),
        });
    }
    let known = dims.iter().flatten().try_fold(1usize, |a, &d| a.checked_mul(d)).unwrap_or(usize::MAX);
    let infer = |known: usize| (known > 0 && total % known == 0).then(|| total / known);
    match first {
        0 | 1 => {
            if let Some(slot) = dims.iter_mut().find(|d| d.is_none()) {
                *slot = Some(infer(known).ok_or_else(|| bad(&format!("does not fit {total} values per sample")))?);
            }
        }
        -1 if dims.iter().all(Option::is_some) && known == total => {}
        _ => return Err(bad("the first (batch) dimension must stay the batch: 0, 1, or -1 with the rest fixed")),
    }
    let dims: Vec<usize> = dims.into_iter().flatten().collect();
    if dims.iter().try_fold(1usize, |a, &d| a.checked_mul(d)) != Some(total) {
        return Err(bad(&format!("does not fit {total} values per sample (input {})", shape.describe())));
    }
    let out = match dims[..] {
        [n] => Shp::Vec(n),
        [c, h, w] => Shp::Chw(c, h, w),
        _ => {
            return Err(bad(
                "convlens tensors are images [N, C, H, W] or matrices [N, K]; other ranks are not supported",
            ))
        }
    };
    if out == shape {
        return im.alias(node);
    }
    let layer = if let (Shp::Vec(_), Shp::Chw(..)) = (out, shape) {
        LayerType::Flatten(NoFields {})
    } else {
        LayerType::Reshape(ReshapeJson { shape: dims.iter().map(|&d| d as i64).collect() })
    };
    im.push_layer(node, layer, vec![src], out);
    Ok(())
}
