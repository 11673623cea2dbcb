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
    /// Attribute `name` as `value` reads it: None when absent; when typed `want`, its value (or the
    /// type's empty value, as protobuf leaves it); when untyped, what `value` finds. Any other
    /// type, or an untyped attribute without that value, is an error naming both types.
    fn read<T: Default>(
        &self,
        name: &str,
        want: AttributeType,
        value: impl Fn(&'a AttributeProto) -> Option<T>,
    ) -> std::result::Result<Option<T>, String> {
        let Some(a) = self.get(name) else { return Ok(None) };
        match (a.r#type, value(a)) {
            (Some(t), v) if t == want as i32 => Ok(Some(v.unwrap_or_default())),
            (None, Some(v)) => Ok(Some(v)),
            _ => Err(format!("attribute '{name}' is {}, expected {}", attr_type_name(a), want.as_str_name())),
        }
    }
    pub(crate) fn int(&self, name: &str, default: i64) -> std::result::Result<i64, String> {
        Ok(self.read(name, AttributeType::Int, |a| a.i)?.unwrap_or(default))
    }
    pub(crate) fn float(&self, name: &str, default: f32) -> std::result::Result<f32, String> {
        Ok(self.read(name, AttributeType::Float, |a| a.f)?.unwrap_or(default))
    }
    pub(crate) fn ints(&self, name: &str) -> std::result::Result<Option<&'a [i64]>, String> {
        self.read(name, AttributeType::Ints, |a| Some(&a.ints[..]))
    }
    pub(crate) fn string(&self, name: &str, default: &str) -> std::result::Result<String, String> {
        let bytes = self.read(name, AttributeType::String, |a| a.s.as_deref())?;
        Ok(bytes.map_or_else(|| default.to_string(), |s| String::from_utf8_lossy(s).into_owned()))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(name: &str, r#type: Option<AttributeType>) -> AttributeProto {
        AttributeProto { name: Some(name.into()), r#type: r#type.map(|t| t as i32), ..Default::default() }
    }

    #[test]
    fn attributes_read_by_type_untyped_by_value_and_errors_name_both_types() {
        let node = NodeProto {
            attribute: vec![
                AttributeProto { i: Some(3), ..attr("typed_int", Some(AttributeType::Int)) },
                attr("empty_int", Some(AttributeType::Int)),
                AttributeProto { f: Some(0.5), ..attr("untyped_float", None) },
                attr("untyped_nothing", None),
                AttributeProto { s: Some(b"SAME_UPPER".to_vec()), ..attr("typed_string", Some(AttributeType::String)) },
                AttributeProto { ints: vec![2, 3], ..attr("typed_ints", Some(AttributeType::Ints)) },
            ],
            ..Default::default()
        };
        let names: Vec<&str> = node.attribute.iter().filter_map(|a| a.name.as_deref()).collect();
        let a = Attrs::check(&node, &names).unwrap();
        assert_eq!(a.int("typed_int", 7), Ok(3));
        assert_eq!(a.int("empty_int", 7), Ok(0));
        assert_eq!(a.int("absent", 7), Ok(7));
        assert_eq!(a.float("untyped_float", 1.0), Ok(0.5));
        assert_eq!(a.string("typed_string", "NOTSET"), Ok("SAME_UPPER".to_string()));
        assert_eq!(a.string("absent", "NOTSET"), Ok("NOTSET".to_string()));
        assert_eq!(a.ints("typed_ints"), Ok(Some(&[2, 3][..])));
        assert_eq!(a.ints("untyped_nothing"), Ok(Some(&[][..])));
        assert_eq!(a.ints("absent"), Ok(None));
        assert_eq!(a.int("typed_string", 0), Err("attribute 'typed_string' is STRING, expected INT".to_string()));
        assert_eq!(a.float("typed_ints", 0.0), Err("attribute 'typed_ints' is INTS, expected FLOAT".to_string()));
        assert_eq!(
            a.int("untyped_nothing", 0),
            Err("attribute 'untyped_nothing' is UNDEFINED, expected INT".to_string())
        );
        assert!(Attrs::check(&node, &["typed_int"]).is_err());
    }
}
