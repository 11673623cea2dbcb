//! Conversions at the JS boundary: options objects, arrays and numbers from JS, checked, with
//! errors that name the argument.

use crate::error::Error;
use crate::introspect::field_names;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// An options object as a Rust struct; unknown or mistyped fields are errors.
pub fn from_js<T: serde::de::DeserializeOwned>(v: JsValue, what: &str) -> Result<T, Error> {
    let fields = field_names::<T>();
    if !v.is_object() {
        return Err(Error(format!("{what} must be an object")));
    }
    for key in js_sys::Object::keys(v.unchecked_ref::<js_sys::Object>()).iter().filter_map(|k| k.as_string()) {
        if !fields.contains(&key.as_str()) {
            return Err(Error(format!("{what}: unknown field '{key}' (known: {})", fields.join(", "))));
        }
    }
    serde_wasm_bindgen::from_value::<T>(v.clone()).map_err(|e| {
        let msg = e.to_string();
        // serde's type errors do not name the field: it is the one whose removal changes the error.
        let obj = v.unchecked_ref::<js_sys::Object>();
        let field = js_sys::Object::keys(obj).iter().find(|k| {
            let without = js_sys::Object::assign(&js_sys::Object::new(), obj);
            let _ = js_sys::Reflect::delete_property(&without, k);
            serde_wasm_bindgen::from_value::<T>(without.into()).err().map(|e| e.to_string()) != Some(msg.clone())
        });
        // serde's Rust type names said in JS terms; serde-wasm-bindgen's errors are JS Errors,
        // whose text starts with "Error: ".
        let msg = msg
            .trim_start_matches("Error: ")
            .replace("expected usize", "expected a whole number from 0 to 4294967295")
            .replace("expected u64", "expected a whole number >= 0")
            .replace("expected f32", "expected a number");
        Error(match field.and_then(|f| f.as_string()) {
            Some(f) => format!("{what}: {f}: {msg}"),
            None => format!("{what}: {msg}"),
        })
    })
}

pub fn set(obj: &js_sys::Object, key: &str, value: &JsValue) {
    // Setting a plain data property on a fresh object cannot fail.
    let _ = js_sys::Reflect::set(obj, &key.into(), value);
}

/// A Float32Array (or any array-like of numbers) as a Vec<f32>.
pub fn f32_array(v: &JsValue, what: &str) -> Result<Vec<f32>, Error> {
    if let Some(a) = v.dyn_ref::<js_sys::Float32Array>() {
        return Ok(a.to_vec());
    }
    if js_sys::Array::is_array(v)
        || v.is_instance_of::<js_sys::Float64Array>()
        || v.is_instance_of::<js_sys::Uint8Array>()
    {
        return Ok(js_sys::Float32Array::new(v).to_vec());
    }
    Err(Error(format!("{what} must be a Float32Array")))
}

/// The largest count a JS number may give (wasm32's usize).
pub const MAX_WHOLE: usize = u32::MAX as usize;

/// A JS number that must be a whole number from 0 to `max`: a negative or fractional count is an
/// error, where a `usize` parameter would silently wrap it (-1 -> 4294967295 steps).
pub fn whole(v: f64, what: &str, max: usize) -> Result<usize, Error> {
    if v.fract() == 0.0 && (0.0..=max as f64).contains(&v) {
        Ok(v as usize)
    } else {
        Err(Error(format!("{what} must be a whole number from 0 to {max}, not {v}")))
    }
}

/// A JS number that must be an integer in 0..len.
pub fn index(v: &JsValue, what: &str, len: usize) -> Result<usize, Error> {
    match v.as_f64() {
        Some(f) if f.fract() == 0.0 && f >= 0.0 && f < len as f64 => Ok(f as usize),
        Some(f) => {
            Err(Error(format!("{what} {f} is out of range: must be an integer from 0 to {}", len.saturating_sub(1))))
        }
        None => Err(Error(format!("{what} must be a number"))),
    }
}

/// Training or evaluation images: a Float32Array (or array of numbers) of raw values in [0, 1], or
/// a Uint8Array (or Uint8ClampedArray) of 0-255 pixels meaning value / 255.
pub fn images_array(v: &JsValue, what: &str) -> Result<Vec<f32>, Error> {
    if let Some(a) = v.dyn_ref::<js_sys::Uint8Array>() {
        return Ok(a.to_vec().into_iter().map(|p| p as f32 / 255.0).collect());
    }
    if let Some(a) = v.dyn_ref::<js_sys::Uint8ClampedArray>() {
        return Ok(a.to_vec().into_iter().map(|p| p as f32 / 255.0).collect());
    }
    f32_array(v, what).map_err(|_| {
        Error(format!("{what} must be a Float32Array of values in [0, 1] or a Uint8Array of 0-255 pixels"))
    })
}

/// Class indices: a Uint8Array, an Int32Array, another typed array or an array of numbers.
pub fn labels_array(v: &JsValue) -> Result<Vec<f64>, Error> {
    let typed = v.dyn_ref::<js_sys::Object>().is_some_and(|o| js_sys::ArrayBuffer::is_view(o));
    if typed && !v.is_instance_of::<js_sys::DataView>() && !v.is_instance_of::<js_sys::BigInt64Array>() {
        return Ok(js_sys::Float64Array::new(v).to_vec());
    }
    if js_sys::Array::is_array(v) {
        let a: &js_sys::Array = v.unchecked_ref();
        return a
            .iter()
            .enumerate()
            .map(|(i, x)| x.as_f64().ok_or_else(|| Error(format!("labels[{i}] is not a number"))))
            .collect();
    }
    Err(Error::new("labels must be a Uint8Array, an Int32Array or an array of class indices"))
}

/// An optional options object: undefined or null mean none given.
pub fn options<T: serde::de::DeserializeOwned + Default>(v: JsValue, what: &str) -> Result<T, Error> {
    if v.is_undefined() || v.is_null() {
        return Ok(T::default());
    }
    from_js(v, what)
}

/// `{loss, accuracy, confusion: Uint32Array, predictions: Int32Array}`.
pub fn evaluation(e: &crate::train::loss::Evaluation) -> JsValue {
    let obj = js_sys::Object::new();
    set(&obj, "loss", &e.loss.into());
    set(&obj, "accuracy", &e.accuracy.into());
    set(&obj, "confusion", &js_sys::Uint32Array::from(&e.confusion[..]).into());
    set(&obj, "predictions", &js_sys::Int32Array::from(&e.predictions[..]).into());
    obj.into()
}

/// `{weight: Float32Array, weightShape: number[], bias: Float32Array | null}` of layer `layer`, or
/// null for a layer without parameters.
pub fn parameters(model: &crate::model::Model, layer: &JsValue) -> Result<JsValue, Error> {
    let i = index(layer, "layer", model.layers.len())?;
    let Some((w, shape, b)) = model.layers[i].parameters() else { return Ok(JsValue::NULL) };
    let obj = js_sys::Object::new();
    set(&obj, "weight", &js_sys::Float32Array::from(w).into());
    let dims: js_sys::Array = shape.iter().map(|&d| JsValue::from(d)).collect();
    set(&obj, "weightShape", &dims.into());
    set(&obj, "bias", &b.map_or(JsValue::NULL, |b| js_sys::Float32Array::from(b).into()));
    Ok(obj.into())
}

/// Model-file bytes: a Uint8Array, an ArrayBuffer (as `await file.arrayBuffer()` gives) or an
/// array of byte values (through a `&[u8]` parameter an ArrayBuffer arrived empty).
pub fn bytes(v: &JsValue, what: &str) -> Result<Vec<u8>, Error> {
    if let Some(a) = v.dyn_ref::<js_sys::Uint8Array>() {
        Ok(a.to_vec())
    } else if v.is_instance_of::<js_sys::ArrayBuffer>() || js_sys::Array::is_array(v) {
        Ok(js_sys::Uint8Array::new(v).to_vec())
    } else {
        Err(Error(format!("{what}: bytes must be a Uint8Array or an ArrayBuffer")))
    }
}
