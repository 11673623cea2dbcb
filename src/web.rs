//! The JavaScript API: the ONLY wasm-bindgen boundary. Thin: converts types and errors, no logic.
//! Every exported function returns `Result`, so bad input becomes a JS `Error`, never a panic.

use crate::error::Error;
use crate::format;
use crate::model::{Activations, Model};
use crate::models;
use serde::Serialize;
use wasm_bindgen::prelude::*;

impl From<Error> for JsValue {
    fn from(e: Error) -> JsValue {
        js_sys::Error::new(&e.0).into()
    }
}

type JsResult<T> = Result<T, JsValue>;

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// A loaded model plus the activations of its last `run`.
#[wasm_bindgen]
pub struct Explorer {
    model: Model,
    last: Option<Activations>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary {
    input: InputSummary,
    labels: Vec<String>,
    layers: Vec<crate::summary::LayerSummary>,
}

#[derive(Serialize)]
struct InputSummary {
    channels: usize,
    height: usize,
    width: usize,
}

#[wasm_bindgen]
impl Explorer {
    /// Loads a model file (safetensors with the `convlens` architecture metadata).
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: &[u8]) -> JsResult<Explorer> {
        Ok(Explorer { model: format::load(bytes)?, last: None })
    }

    /// A model embedded in the wasm binary.
    pub fn builtin(name: &str) -> JsResult<Explorer> {
        Ok(Explorer { model: models::builtin(name)?, last: None })
    }

    /// Names of the embedded models.
    #[wasm_bindgen(js_name = builtinNames)]
    pub fn builtin_names() -> Vec<String> {
        models::NAMES.iter().map(|s| s.to_string()).collect()
    }

    /// `{input: {channels, height, width}, labels, layers: [{name, type, inputShape, outputShape,
    /// kernelSize, stride, padding, dilation, params}]}`.
    pub fn summary(&self) -> JsResult<JsValue> {
        let m = &self.model;
        let s = Summary {
            input: InputSummary { channels: m.input.channels, height: m.input.height, width: m.input.width },
            labels: m.labels.clone().unwrap_or_default(),
            layers: crate::summary::layers(m),
        };
        s.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .map_err(|e| Error(format!("summary: {e}")).into())
    }

    /// Forward pass on a raw input (values in [0, 1], CHW, flattened); returns the last layer's output.
    pub fn run(&mut self, input: &JsValue) -> JsResult<Vec<f32>> {
        let raw = f32_array(input, "input")?;
        let acts = self.model.forward(&raw)?;
        let out = acts.output().iter().copied().collect();
        self.last = Some(acts);
        Ok(out)
    }

    /// Parameters of layer `layer`: `{weight: Float32Array, weightShape: number[], bias:
    /// Float32Array | null}` (PyTorch layouts), or null for a layer without parameters.
    pub fn parameters(&self, layer: JsValue) -> JsResult<JsValue> {
        let i = index(&layer, "layer", self.model.layers.len())?;
        let Some((w, shape, b)) = self.model.layers[i].parameters() else { return Ok(JsValue::NULL) };
        let obj = js_sys::Object::new();
        set(&obj, "weight", &js_sys::Float32Array::from(w).into());
        let dims: js_sys::Array = shape.iter().map(|&d| JsValue::from(d)).collect();
        set(&obj, "weightShape", &dims.into());
        set(&obj, "bias", &b.map_or(JsValue::NULL, |b| js_sys::Float32Array::from(b).into()));
        Ok(obj.into())
    }

    /// Output of layer `layer` (0-based) from the last `run`.
    pub fn activation(&self, layer: JsValue) -> JsResult<Vec<f32>> {
        let i = index(&layer, "layer", self.model.layers.len())?;
        let Some(acts) = &self.last else {
            return Err(Error::new("no activations yet: call run(input) first").into());
        };
        Ok(acts.outputs[i].iter().copied().collect())
    }
}

/// Which SIMD backend the kernels were compiled with: "simd128" in the wasm build.
#[wasm_bindgen(js_name = simdBackend)]
pub fn simd_backend() -> String {
    crate::kernels::ISA.to_string()
}

/// One conv2d benchmark case (square kernel), for `./build.sh bench`. Timing is done in JS.
#[wasm_bindgen]
pub struct ConvBench(crate::bench::ConvCase);

#[wasm_bindgen]
impl ConvBench {
    #[wasm_bindgen(constructor)]
    pub fn new(
        cin: usize,
        h: usize,
        w: usize,
        cout: usize,
        k: usize,
        stride: usize,
        pad: usize,
    ) -> JsResult<ConvBench> {
        Ok(ConvBench(crate::bench::ConvCase::new(cin, h, w, cout, k, stride, pad)?))
    }
    /// Floating-point operations of one forward pass.
    pub fn flops(&self) -> f64 {
        self.0.flops()
    }
    /// Runs the fast (SIMD) forward `times` times.
    pub fn fast(&mut self, times: u32) {
        self.0.run_fast(times)
    }
    /// Runs the scalar reference forward `times` times.
    pub fn reference(&mut self, times: u32) {
        self.0.run_reference(times)
    }
    /// Largest absolute difference between the fast and reference outputs.
    #[wasm_bindgen(js_name = maxDiff)]
    pub fn max_diff(&mut self) -> f32 {
        self.0.max_diff()
    }
}

/// Applies one `kernelHeight x kernelWidth` kernel to a greyscale image (the convolution
/// playground): `{data: Float32Array, height, width}`.
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn convolve(
    image: &JsValue,
    height: usize,
    width: usize,
    kernel: &JsValue,
    kernel_height: usize,
    kernel_width: usize,
    stride: usize,
    padding: usize,
) -> JsResult<JsValue> {
    let image = f32_array(image, "image")?;
    let kernel = f32_array(kernel, "kernel")?;
    let out =
        crate::playground::convolve(&image, (height, width), &kernel, (kernel_height, kernel_width), stride, padding)?;
    let obj = js_sys::Object::new();
    set(&obj, "data", &js_sys::Float32Array::from(&out.data[..]).into());
    set(&obj, "height", &out.height.into());
    set(&obj, "width", &out.width.into());
    Ok(obj.into())
}

/// `floor((input + 2*padding - dilation*(kernel-1) - 1) / stride) + 1`; throws when empty.
#[wasm_bindgen(js_name = outputSize)]
pub fn output_size(input: usize, kernel: usize, stride: usize, padding: usize, dilation: usize) -> JsResult<usize> {
    Ok(crate::geometry::output_size(input, kernel, stride, padding, dilation)?)
}

fn set(obj: &js_sys::Object, key: &str, value: &JsValue) {
    // Setting a plain data property on a fresh object cannot fail.
    let _ = js_sys::Reflect::set(obj, &key.into(), value);
}

/// A Float32Array (or any array-like of numbers) as a Vec<f32>.
fn f32_array(v: &JsValue, what: &str) -> Result<Vec<f32>, Error> {
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

/// A JS number that must be an integer in 0..len.
fn index(v: &JsValue, what: &str, len: usize) -> Result<usize, Error> {
    match v.as_f64() {
        Some(f) if f.fract() == 0.0 && f >= 0.0 && f < len as f64 => Ok(f as usize),
        Some(f) => {
            Err(Error(format!("{what} {f} is out of range: must be an integer from 0 to {}", len.saturating_sub(1))))
        }
        None => Err(Error(format!("{what} must be a number"))),
    }
}
