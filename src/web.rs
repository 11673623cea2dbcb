//! The JavaScript API: the ONLY wasm-bindgen boundary. Thin: converts types and errors, no logic.
//! Every exported function returns `Result`, so bad input becomes a JS `Error`, never a panic.

use crate::error::Error;
use crate::explain::{
    self,
    options::{AttributeArgs, MaximizeArgs, MaximizeDefaults},
};
use crate::load;
use crate::model::{Activations, Model};
use crate::models;
use serde::Serialize;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

mod convert;
mod trainer;

use convert::{f32_array, from_js, index, set, whole, MAX_WHOLE};
pub use trainer::Trainer;

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
    /// Shared with the explorer's maximizers, never changed in place: each keeps the model it was
    /// made for.
    model: Rc<Model>,
    last: Option<Activations>,
    /// The raw input of the last `run` (attributions and `init: "input"` start from it).
    last_input: Option<Vec<f32>>,
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

impl Explorer {
    /// An explorer of `model`, nothing run yet.
    fn of(model: Model) -> Explorer {
        Explorer { model: Rc::new(model), last: None, last_input: None }
    }
}

#[wasm_bindgen]
impl Explorer {
    /// Loads a model file: safetensors with the `convlens` architecture metadata, or ONNX.
    /// `bytes`: a Uint8Array, an ArrayBuffer (as `await file.arrayBuffer()` gives) or an array of
    /// byte values; anything else throws (through a `&[u8]` parameter an ArrayBuffer arrived empty).
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: &JsValue) -> JsResult<Explorer> {
        Ok(Explorer::of(load::load_any(&convert::bytes(bytes, "fromBytes")?)?))
    }

    /// A model embedded in the wasm binary. `name` must be a string (through a `&str` parameter a
    /// number trapped in the glue code's string copy).
    pub fn builtin(name: &JsValue) -> JsResult<Explorer> {
        let Some(name) = name.as_string() else {
            let names = models::NAMES.join(", ");
            return Err(Error(format!("builtin: the name must be a string, one of {names}")).into());
        };
        Ok(Explorer::of(models::builtin(&name)?))
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
        let last = self.model.layers.len() - 1;
        let acts = self.model.forward_reusing(&raw, last, &mut self.last)?;
        let out = crate::layers::to_vec(acts.output());
        self.last = Some(acts);
        self.last_input = Some(raw);
        Ok(out)
    }

    /// A step-by-step activation maximization: `{layer, channel | unit, steps, learningRate,
    /// optimizer, l2, tv, jitter, blurEvery, blurSigma, init, seed, param, decorrelate, scale,
    /// rotate, pad}`.
    pub fn maximizer(&self, options: JsValue) -> JsResult<Maximizer> {
        let args: MaximizeArgs = from_js(options, "maximize options")?;
        let (target, opts) = args.resolve(&self.model)?;
        Ok(Maximizer(explain::Maximizer::new(Rc::clone(&self.model), target, opts, self.last_input.as_deref())?))
    }

    /// This model's default maximization options (every option but the target), as the
    /// `maximizer` options object names them.
    #[wasm_bindgen(js_name = maximizeDefaults)]
    pub fn maximize_defaults(&self) -> JsResult<JsValue> {
        MaximizeDefaults::of(&self.model)
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .map_err(|e| Error(format!("maximizeDefaults: {e}")).into())
    }

    /// Runs all `steps` of a maximization at once; returns the image (raw input, CHW, in [0, 1]).
    pub fn maximize(&self, options: JsValue) -> JsResult<Vec<f32>> {
        let mut m = self.maximizer(options)?;
        m.0.step(m.0.steps_planned())?;
        Ok(m.0.image().to_vec())
    }

    /// An attribution map for the input of the last `run`: `{method, target, layer, samples,
    /// sigma, steps, seed}`.
    pub fn attribute(&self, options: JsValue) -> JsResult<Vec<f32>> {
        let args: AttributeArgs = from_js(options, "attribute options")?;
        let Some(x) = &self.last_input else {
            return Err(Error::new("no input yet: call run(input) first").into());
        };
        Ok(explain::attribute(&self.model, x, &args.resolve()?)?)
    }

    /// Activation statistics over `count` raw inputs laid end to end in `inputs`:
    /// `{layers: [{name, channels: [{mean, max, active, dead, top}]}]}`.
    pub fn statistics(&self, inputs: &JsValue, count: f64) -> JsResult<JsValue> {
        let inputs = f32_array(inputs, "inputs")?;
        let layers = explain::statistics(&self.model, &inputs, whole(count, "count", MAX_WHOLE)?)?;
        #[derive(Serialize)]
        struct Stats {
            layers: Vec<explain::LayerStats>,
        }
        Stats { layers }
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .map_err(|e| Error(format!("statistics: {e}")).into())
    }

    /// Parameters of layer `layer`: `{weight: Float32Array, weightShape: number[], bias:
    /// Float32Array | null}` (PyTorch layouts), or null for a layer without parameters.
    pub fn parameters(&self, layer: JsValue) -> JsResult<JsValue> {
        Ok(convert::parameters(&self.model, &layer)?)
    }

    /// Loss, accuracy, confusion matrix and predictions on `count` labelled raw inputs (inference
    /// mode): `{loss, accuracy, confusion: Uint32Array, predictions: Int32Array}`.
    pub fn evaluate(&self, images: &JsValue, labels: &JsValue, count: f64) -> JsResult<JsValue> {
        let images = convert::images_array(images, "images")?;
        let labels = convert::labels_array(labels)?;
        let e = crate::train::evaluate(&self.model, images, &labels, whole(count, "count", MAX_WHOLE)?)?;
        Ok(convert::evaluation(&e))
    }

    /// Output of layer `layer` (0-based) from the last `run`.
    pub fn activation(&self, layer: JsValue) -> JsResult<Vec<f32>> {
        let i = index(&layer, "layer", self.model.layers.len())?;
        let Some(acts) = &self.last else {
            return Err(Error::new("no activations yet: call run(input) first").into());
        };
        Ok(crate::layers::to_vec(&acts.outputs[i]))
    }
}

/// A running activation maximization (from `explorer.maximizer(options)`).
#[wasm_bindgen]
pub struct Maximizer(explain::Maximizer);

#[wasm_bindgen]
impl Maximizer {
    /// Runs `n` more steps; returns the target's value on the image as it is now.
    pub fn step(&mut self, n: f64) -> JsResult<f32> {
        Ok(self.0.step(whole(n, "step(n): n", explain::MAX_STEPS)?)?)
    }
    /// Runs `n` more steps; returns the target's value as the last of them measured it (no
    /// extra forward pass). See [`explain::Maximizer::advance`].
    pub fn advance(&mut self, n: f64) -> JsResult<f32> {
        Ok(self.0.advance(whole(n, "advance(n): n", explain::MAX_STEPS)?)?)
    }
    /// The current image: raw input, CHW, in [0, 1].
    pub fn image(&self) -> Vec<f32> {
        self.0.image().to_vec()
    }
    /// Steps taken so far.
    #[wasm_bindgen(getter, js_name = stepsTaken)]
    pub fn steps_taken(&self) -> usize {
        self.0.steps_taken()
    }
    /// The `steps` option (the model's default when not given).
    #[wasm_bindgen(getter, js_name = stepsPlanned)]
    pub fn steps_planned(&self) -> usize {
        self.0.steps_planned()
    }
}

/// Which SIMD backend the kernels were compiled with: "simd128" in the plain wasm build
/// (`www/pkg/`), "simd128+relaxed" in the relaxed-SIMD one (`www/pkg-relaxed/`).
#[wasm_bindgen(js_name = simdBackend)]
pub fn simd_backend() -> String {
    crate::kernels::ISA.to_string()
}

/// Applies one `kernelHeight x kernelWidth` kernel to a greyscale image (the convolution
/// playground): `{data: Float32Array, height, width}`.
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn convolve(
    image: &JsValue,
    height: f64,
    width: f64,
    kernel: &JsValue,
    kernel_height: f64,
    kernel_width: f64,
    stride: f64,
    padding: f64,
) -> JsResult<JsValue> {
    let image = f32_array(image, "image")?;
    let kernel = f32_array(kernel, "kernel")?;
    let size = (whole(height, "height", MAX_WHOLE)?, whole(width, "width", MAX_WHOLE)?);
    let ksize = (whole(kernel_height, "kernelHeight", MAX_WHOLE)?, whole(kernel_width, "kernelWidth", MAX_WHOLE)?);
    let (stride, padding) = (whole(stride, "stride", MAX_WHOLE)?, whole(padding, "padding", MAX_WHOLE)?);
    let out = crate::playground::convolve(&image, size, &kernel, ksize, stride, padding)?;
    let obj = js_sys::Object::new();
    set(&obj, "data", &js_sys::Float32Array::from(&out.data[..]).into());
    set(&obj, "height", &out.height.into());
    set(&obj, "width", &out.width.into());
    Ok(obj.into())
}

/// `floor((input + 2*padding - dilation*(kernel-1) - 1) / stride) + 1`; throws when empty.
#[wasm_bindgen(js_name = outputSize)]
pub fn output_size(input: f64, kernel: f64, stride: f64, padding: f64, dilation: f64) -> JsResult<usize> {
    let [input, kernel, stride, padding, dilation] = [
        whole(input, "input", MAX_WHOLE)?,
        whole(kernel, "kernel", MAX_WHOLE)?,
        whole(stride, "stride", MAX_WHOLE)?,
        whole(padding, "padding", MAX_WHOLE)?,
        whole(dilation, "dilation", MAX_WHOLE)?,
    ];
    Ok(crate::geometry::output_size(input, kernel, stride, padding, dilation)?)
}

#[cfg(feature = "bench")]
mod bench_fixtures;
#[cfg(feature = "bench")]
pub use bench_fixtures::{ConvBench, ModelBench};
