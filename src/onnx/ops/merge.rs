//! Operators that join computed values: `Add` -> `add` (two of one shape; a constant operand
//! only as a MatMul's bias, see [`crate::onnx::ops::linear`]) and `Concat` -> `concat`.

use crate::architecture::{LayerType, NoFields};
use crate::onnx::attrs::Attrs;
use crate::onnx::importer::{msg, Handled, Importer, Shp};
use crate::onnx::proto::NodeProto;

pub(crate) fn add(im: &mut Importer, index: usize, node: &NodeProto) -> Handled {
    msg(Attrs::check(node, &[]))?;
    if let Some((name, shape)) = im.fused.get(&index).cloned() {
        im.set_output(node, name, shape);
        return Ok(());
    }
    if node.input.len() != 2 {
        return Err(Some(format!("Add has {} inputs, expected 2", node.input.len())));
    }
    let mut sources = Vec::new();
    let mut shapes = Vec::new();
    for i in 0..2 {
        match im.data(node, i) {
            Ok((s, shape)) => {
                sources.push(s);
                shapes.push(shape);
            }
            Err(Some(_)) if im.constant(&node.input[i]).ok().flatten().is_some() => {
                return Err(Some(format!(
                    "adding a constant ('{}') is supported only as the bias right after a MatMul",
                    node.input[i]
                )))
            }
            Err(e) => return Err(e),
        }
    }
    if shapes[0] != shapes[1] {
        return Err(Some(format!(
            "the inputs have shapes {} and {}; convlens adds tensors of one shape (no broadcasting)",
            shapes[0].describe(),
            shapes[1].describe()
        )));
    }
    im.push_layer(node, LayerType::Add(NoFields {}), sources, shapes[0]);
    Ok(())
}

pub(crate) fn concat(im: &mut Importer, _: usize, node: &NodeProto) -> Handled {
    let attrs = msg(Attrs::check(node, &["axis"]))?;
    let axis = msg(attrs.int("axis", i64::MIN))?;
    let mut sources = Vec::new();
    let mut shapes = Vec::new();
    for i in 0..node.input.len() {
        let (s, shape) = im.data(node, i)?;
        sources.push(s);
        shapes.push(shape);
    }
    let Some(&first) = shapes.first() else { return Err(Some("Concat has no inputs".into())) };
    let rank = first.dims().len() as i64 + 1;
    if axis != 1 && axis != 1 - rank {
        return Err(Some(format!("axis {axis} is not supported (only the channel or feature axis, 1)")));
    }
    let out = match first {
        Shp::Chw(_, h, w) => {
            let mut c = 0usize;
            for s in &shapes {
                match s {
                    Shp::Chw(ci, hi, wi) if (*hi, *wi) == (h, w) => c = c.saturating_add(*ci),
                    s => {
                        return Err(Some(format!(
                            "the inputs' shapes differ beyond the channels ({} and {})",
                            first.describe(),
                            s.describe()
                        )))
                    }
                }
            }
            Shp::Chw(c, h, w)
        }
        Shp::Vec(_) => {
            let mut n = 0usize;
            for s in &shapes {
                match s {
                    Shp::Vec(ni) => n = n.saturating_add(*ni),
                    s => return Err(Some(format!("cannot join {} and {}", first.describe(), s.describe()))),
                }
            }
            Shp::Vec(n)
        }
    };
    if sources.len() == 1 {
        return im.alias(node);
    }
    im.push_layer(node, LayerType::Concat(NoFields {}), sources, out);
    Ok(())
}
