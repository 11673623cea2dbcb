//! A node's attributes: checked against the names its operator has, read with their types, and
//! the spatial ones (kernel, strides, pads, auto_pad) turned into the engine's pairs.

use crate::onnx::importer::NodeResult;
use crate::onnx::proto::attribute_proto::AttributeType;
use crate::onnx::proto::{AttributeProto, NodeProto};

/// Attribute kinds, for checking what a node carries.
fn attr_type_name(a: &AttributeProto) -> &'static str {
    AttributeType::try_from(a.r#type.unwrap_or(0)).map_or("UNKNOWN", |t| t.as_str_name())
}

/// One node's attributes, checked against the names its operator has.
pub(crate) struct Attrs<'a>(&'a [AttributeProto]);

impl<'a> Attrs<'a> {
    pub(crate) fn check(node: &'a NodeProto, allowed: &[&str]) -> std::result::Result<Attrs<'a>, String> {
        for a in &node.attribute {
            let name = a.name.as_deref().unwrap_or("");
            if !allowed.contains(&name) {
                return Err(format!("attribute '{name}' is not supported"));
            }
            if a.ref_attr_name.is_some() {
                return Err(format!("attribute '{name}' refers to a function attribute"));
            }
        }
        Ok(Attrs(&node.attribute))
    }
    pub(crate) fn get(&self, name: &str) -> Option<&'a AttributeProto> {
        self.0.iter().find(|a| a.name.as_deref() == Some(name))
    }
    pub(crate) fn int(&self, name: &str, default: i64) -> std::result::Result<i64, String> {
        match self.get(name) {
            None => Ok(default),
            Some(a) if a.r#type == Some(AttributeType::Int as i32) || (a.r#type.is_none() && a.i.is_some()) => {
                Ok(a.i.unwrap_or(0))
            }
            Some(a) => Err(format!("attribute '{name}' is {}, expected INT", attr_type_name(a))),
        }
    }
    pub(crate) fn float(&self, name: &str, default: f32) -> std::result::Result<f32, String> {
        match self.get(name) {
            None => Ok(default),
            Some(a) if a.r#type == Some(AttributeType::Float as i32) || (a.r#type.is_none() && a.f.is_some()) => {
                Ok(a.f.unwrap_or(0.0))
            }
            Some(a) => Err(format!("attribute '{name}' is {}, expected FLOAT", attr_type_name(a))),
        }
    }
    pub(crate) fn ints(&self, name: &str) -> std::result::Result<Option<&'a [i64]>, String> {
        match self.get(name) {
            None => Ok(None),
            Some(a) if a.r#type == Some(AttributeType::Ints as i32) || a.r#type.is_none() => Ok(Some(&a.ints)),
            Some(a) => Err(format!("attribute '{name}' is {}, expected INTS", attr_type_name(a))),
        }
    }
    pub(crate) fn string(&self, name: &str, default: &str) -> std::result::Result<String, String> {
        match self.get(name) {
            None => Ok(default.to_string()),
            Some(a) if a.r#type == Some(AttributeType::String as i32) || (a.r#type.is_none() && a.s.is_some()) => {
                Ok(String::from_utf8_lossy(a.s.as_deref().unwrap_or(&[])).into_owned())
            }
            Some(a) => Err(format!("attribute '{name}' is {}, expected STRING", attr_type_name(a))),
        }
    }
}

/// `[h, w]` from an INTS attribute of two values (`default` when absent), each at least `min`.
pub(crate) fn pair(attrs: &Attrs, name: &str, default: (usize, usize), min: i64) -> NodeResult<(usize, usize)> {
    match attrs.ints(name)? {
        None => Ok(default),
        Some(&[h, w]) if h >= min && w >= min && dim(h).is_some() && dim(w).is_some() => {
            Ok((dim(h).unwrap_or(0), dim(w).unwrap_or(0)))
        }
        Some(v) => Err(format!(
            "{name} {v:?}: convlens supports 2-D spatial operators with two values of at least {min} (1-D and 3-D are not supported)"
        )),
    }
}

/// The padding of a conv or pool: symmetric per axis, from `pads` or `auto_pad`.
pub(crate) fn padding(
    attrs: &Attrs,
    input: (usize, usize),
    kernel: (usize, usize),
    stride: (usize, usize),
    dilation: (usize, usize),
) -> NodeResult<(usize, usize)> {
    let auto = attrs.string("auto_pad", "NOTSET")?;
    match auto.as_str() {
        "NOTSET" => match attrs.ints("pads")? {
            None => Ok((0, 0)),
            Some(&[t, l, b, r]) if t == b && l == r && dim(t).is_some() && dim(l).is_some() => {
                Ok((dim(t).unwrap_or(0), dim(l).unwrap_or(0)))
            }
            Some(p @ [_, _, _, _]) => Err(format!(
                "pads {p:?} (top, left, bottom, right) are not symmetric: convlens pads each axis the same on both sides"
            )),
            Some(p) => Err(format!("pads {p:?}: convlens supports 2-D spatial operators (four pads)")),
        },
        "VALID" => Ok((0, 0)),
        "SAME_UPPER" | "SAME_LOWER" => {
            let axis = |inp: usize, k: usize, s: usize, d: usize, which: &str| -> NodeResult<usize> {
                let out = inp.div_ceil(s.max(1));
                let span = k.saturating_sub(1).saturating_mul(d).saturating_add(1);
                let total = out.saturating_sub(1).saturating_mul(s).saturating_add(span).saturating_sub(inp);
                if total % 2 == 1 {
                    return Err(format!(
                        "auto_pad {auto} needs {total} padding in {which}, which cannot be split evenly on both sides"
                    ));
                }
                Ok(total / 2)
            };
            Ok((
                axis(input.0, kernel.0, stride.0, dilation.0, "height")?,
                axis(input.1, kernel.1, stride.1, dilation.1, "width")?,
            ))
        }
        other => Err(format!("auto_pad '{other}' is not an ONNX value")),
    }
}

/// A checked dimension from an i64.
pub(crate) fn dim(v: i64) -> Option<usize> {
    usize::try_from(v).ok()
}
