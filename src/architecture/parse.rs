//! Reading the architecture JSON. The input and the labels are plain serde structs; each layer
//! object is read in two steps so that its errors name the layer and the field: `name`, `type`
//! and `inputs` first, then every other key checked against the fields of that type (a field of
//! another type "does not apply", any other key is unknown), then the typed struct. A field whose
//! value is null counts as absent.

use crate::architecture::json::{Architecture, InputJson, LayerJson};
use crate::architecture::layer_types::{LayerType, LAYER_TYPES};
use crate::error::{Error, Result};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::fmt;

impl Architecture {
    /// Reads the architecture JSON. Every error names what is wrong: the layer (index, name and
    /// type) and the field.
    pub fn from_json(text: &str) -> Result<Architecture> {
        let raw: RawArchitecture = serde_json::from_str(text).map_err(|e| Error(e.to_string()))?;
        let layers = raw.layers.into_iter().enumerate().map(|(i, l)| layer(i, l)).collect::<Result<_>>()?;
        Ok(Architecture { input: raw.input, labels: raw.labels, layers })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArchitecture {
    input: InputJson,
    #[serde(default)]
    labels: Option<Vec<String>>,
    layers: Vec<RawLayer>,
}

/// A layer object's entries in file order (a repeated key is an error, as in every other object).
struct RawLayer(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for RawLayer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<RawLayer, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = RawLayer;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a layer object {\"name\": ..., \"type\": ...}")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<RawLayer, A::Error> {
                let mut entries = Vec::new();
                let mut seen = HashSet::new();
                while let Some(key) = map.next_key::<String>()? {
                    if !seen.insert(key.clone()) {
                        return Err(de::Error::custom(format_args!("duplicate field `{key}`")));
                    }
                    entries.push((key, map.next_value()?));
                }
                Ok(RawLayer(entries))
            }
        }
        d.deserialize_map(Entries)
    }
}

/// Whether some layer type has field `key`.
fn is_a_field(key: &str) -> bool {
    LAYER_TYPES.iter().any(|t| LayerType::fields(t).is_some_and(|f| f.contains(&key)))
}

fn string(v: Value, field: &str) -> std::result::Result<String, String> {
    serde_json::from_value(v).map_err(|e| format!("field '{field}': {e}"))
}

/// Layer `i` of the file, checked and typed.
fn layer(i: usize, RawLayer(entries): RawLayer) -> Result<LayerJson> {
    let (mut name, mut kind, mut inputs) = (None, None, None);
    let mut rest = Vec::new();
    for (key, value) in entries {
        match key.as_str() {
            "name" => name = Some(value),
            "type" => kind = Some(value),
            "inputs" => inputs = Some(value),
            _ => rest.push((key, value)),
        }
    }
    let at = |m: String| Error(format!("layer {i}: {m}"));
    let name = string(name.ok_or_else(|| at("field 'name' is required".into()))?, "name").map_err(at)?;
    let at = |m: String| Error(format!("layer {i} '{name}': {m}"));
    let kind = string(kind.ok_or_else(|| at("field 'type' is required".into()))?, "type").map_err(at)?;
    let at = |m: String| Error(format!("layer {i} '{name}' ({kind}): {m}"));
    let inputs: Option<Vec<String>> = match inputs {
        None => None,
        Some(v) => serde_json::from_value(v).map_err(|e| at(format!("field 'inputs': {e}")))?,
    };
    let Some(fields) = LayerType::fields(&kind) else {
        return Err(at(format!("unknown layer type '{kind}' (supported: {})", LAYER_TYPES.join(", "))));
    };
    let mut object = Map::new();
    object.insert("type".to_string(), Value::String(kind.clone()));
    for (key, value) in rest {
        if fields.contains(&key.as_str()) {
            if !value.is_null() {
                object.insert(key, value);
            }
        } else if !is_a_field(&key) {
            let own = if fields.is_empty() { "none".to_string() } else { fields.join(", ") };
            return Err(at(format!(
                "unknown field '{key}' (the fields of a {kind} layer: {own}; of every layer: name, type, inputs)"
            )));
        } else if !value.is_null() {
            return Err(at(format!("field '{key}' does not apply to a {kind} layer")));
        }
    }
    let layer = typed(object).map_err(at)?;
    Ok(LayerJson { name, inputs, layer })
}

/// The layer type from its object (`type` and the fields that apply).
fn typed(object: Map<String, Value>) -> std::result::Result<LayerType, String> {
    let attempt = |o: &Map<String, Value>| LayerType::deserialize(&Value::Object(o.clone())).map_err(|e| e.to_string());
    let message = match attempt(&object) {
        Ok(layer) => return Ok(layer),
        Err(m) => m,
    };
    if let Some(field) = message.strip_prefix("missing field `").and_then(|r| r.strip_suffix('`')) {
        return Err(format!("field '{field}' is required"));
    }
    // serde's type errors do not name the field: it is the one whose removal changes the error.
    let culprit = object.keys().filter(|k| *k != "type").find(|k| {
        let mut without = object.clone();
        without.remove(*k);
        attempt(&without).err().as_ref() != Some(&message)
    });
    Err(match culprit {
        Some(field) => format!("field '{field}': {message}"),
        None => message,
    })
}
