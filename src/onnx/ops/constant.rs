//! Operators that make no layer: `Constant` (a constant for the nodes that read it), `Identity`
//! (its output is its input, constant or computed) and `Dropout` (the identity at inference).

use crate::onnx::attrs::Attrs;
use crate::onnx::importer::{msg, Handled, Importer};
use crate::onnx::proto::NodeProto;
use crate::onnx::tensor::{self, Const, ConstData};

pub(crate) fn constant(im: &mut Importer, _: usize, node: &NodeProto) -> Handled {
    let Some(a) = node.attribute.first().filter(|_| node.attribute.len() == 1) else {
        return Err(Some("a Constant node needs exactly one attribute".into()));
    };
    let name = a.name.as_deref().unwrap_or("");
    let c = match name {
        "value" => match &a.t {
            Some(t) => msg(tensor::decode(t).map_err(|e| e.0))?,
            None => return Err(Some("attribute 'value' holds no tensor".into())),
        },
        "value_float" => Const { dims: vec![], data: ConstData::F32(vec![a.f.unwrap_or(0.0)]) },
        "value_floats" => Const { dims: vec![a.floats.len()], data: ConstData::F32(a.floats.clone()) },
        "value_int" => Const { dims: vec![], data: ConstData::I64(vec![a.i.unwrap_or(0)]) },
        "value_ints" => Const { dims: vec![a.ints.len()], data: ConstData::I64(a.ints.clone()) },
        other => return Err(Some(format!("attribute '{other}' is not supported"))),
    };
    if let Some(o) = node.output.first() {
        im.constants.insert(o.clone(), c);
    }
    Ok(())
}

pub(crate) fn identity(im: &mut Importer, _: usize, node: &NodeProto) -> Handled {
    msg(Attrs::check(node, &[]))?;
    let name = node.input.first().map_or("", String::as_str);
    if let Some(c) = msg(im.constant(name))? {
        if let Some(o) = node.output.first() {
            im.constants.insert(o.clone(), c);
        }
        return Ok(());
    }
    im.alias(node)
}

pub(crate) fn dropout(im: &mut Importer, _: usize, node: &NodeProto) -> Handled {
    msg(Attrs::check(node, &["ratio", "seed"]))?;
    if let Some(t) = msg(im.optional_constant(node, 2, "training_mode"))? {
        if t.floats().iter().any(|&v| v != 0.0) {
            return Err(Some("training_mode true is not supported (inference only)".into()));
        }
    }
    msg(im.only_first_output(node, "mask"))?;
    im.alias(node)
}
