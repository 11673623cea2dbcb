//! `BatchNormalization` -> `batchnorm2d` (scale, B, mean, var as `weight`, `bias`,
//! `running_mean`, `running_var`).

use crate::architecture::{BatchNorm2dJson, LayerType};
use crate::onnx::attrs::Attrs;
use crate::onnx::importer::{msg, Handled, Importer, Shp};
use crate::onnx::proto::NodeProto;

pub(crate) fn batch_normalization(im: &mut Importer, _: usize, node: &NodeProto) -> Handled {
    let attrs = msg(Attrs::check(node, &["epsilon", "momentum", "training_mode", "spatial"]))?;
    let (src, shape) = im.data(node, 0)?;
    let Shp::Chw(c, _, _) = shape else {
        return Err(Some(format!(
            "the input is {}; convlens supports BatchNormalization over images [N, C, H, W] only",
            shape.describe()
        )));
    };
    if msg(attrs.int("training_mode", 0))? != 0 {
        return Err(Some("training_mode 1 is not supported (inference only)".into()));
    }
    if msg(attrs.int("spatial", 1))? != 1 {
        return Err(Some("spatial 0 is not supported".into()));
    }
    msg(im.only_first_output(node, "training statistics"))?;
    let eps = msg(attrs.float("epsilon", 1e-5))?;
    let mut params = Vec::new();
    for (i, what, suffix) in
        [(1, "scale", "weight"), (2, "bias", "bias"), (3, "mean", "running_mean"), (4, "variance", "running_var")]
    {
        let t = msg(im.required_constant(node, i, what))?;
        if t.len() != c || t.dims.len() != 1 {
            return Err(Some(format!("the {what} has shape {:?}, expected [{c}]", t.dims)));
        }
        params.push((suffix, t));
    }
    let name = im.push_layer(node, LayerType::BatchNorm2d(BatchNorm2dJson { eps: Some(eps) }), vec![src], shape);
    for (suffix, t) in params {
        im.add_tensor(&name, suffix, vec![c], t.floats());
    }
    Ok(())
}
