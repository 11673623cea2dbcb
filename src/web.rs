//! The JavaScript API: the ONLY wasm-bindgen boundary. Thin: converts types and errors, no logic.
//! Every exported function returns `Result`, so bad input becomes a JS `Error`, never a panic.

use crate::error::Error;
use crate::explain::{
    self,
    options::{AttributeArgs, MaximizeArgs, MaximizeDefaults},
};
use crate::introspect::field_names;
use crate::load;
use crate::model::{Activations, Model};
use crate::models;
use serde::Serialize;
use std::rc::Rc;
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

#[wasm_bindgen]
impl Explorer {
    /// Loads a model file: safetensors with the `convlens` architecture metadata, or ONNX.
    /// `bytes`: a Uint8Array, an ArrayBuffer (as `await file.arrayBuffer()` gives) or an array of
    /// byte values; anything else throws (through a `&[u8]` parameter an ArrayBuffer arrived empty).
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: &JsValue) -> JsResult<Explorer> {
        let bytes = if let Some(a) = bytes.dyn_ref::<js_sys::Uint8Array>() {
            a.to_vec()
        } else if bytes.is_instance_of::<js_sys::ArrayBuffer>() || js_sys::Array::is_array(bytes) {
            js_sys::Uint8Array::new(bytes).to_vec()
        } else {
            return Err(Error::new("fromBytes: bytes must be a Uint8Array or an ArrayBuffer").into());
        };
        Ok(Explorer { model: Rc::new(load::load_any(&bytes)?), last: None, last_input: None })
    }

    /// A model embedded in the wasm binary. `name` must be a string (through a `&str` parameter a
    /// number trapped in the glue code's string copy).
    pub fn builtin(name: &JsValue) -> JsResult<Explorer> {
        let Some(name) = name.as_string() else {
            let names = models::NAMES.join(", ");
            return Err(Error(format!("builtin: the name must be a string, one of {names}")).into());
        };
        Ok(Explorer { model: Rc::new(models::builtin(&name)?), last: None, last_input: None })
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

/// An options object as a Rust struct; unknown or mistyped fields are errors.
fn from_js<T: serde::de::DeserializeOwned>(v: JsValue, what: &str) -> Result<T, Error> {
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

/// The largest count a JS number may give (wasm32's usize).
const MAX_WHOLE: usize = u32::MAX as usize;

/// A JS number that must be a whole number from 0 to `max`: a negative or fractional count is an
/// error, where a `usize` parameter would silently wrap it (-1 -> 4294967295 steps).
fn whole(v: f64, what: &str, max: usize) -> Result<usize, Error> {
    if v.fract() == 0.0 && (0.0..=max as f64).contains(&v) {
        Ok(v as usize)
    } else {
        Err(Error(format!("{what} must be a whole number from 0 to {max}, not {v}")))
    }
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

/// The side-by-side benchmark's fixtures (`ConvBench`, `ModelBench`; src/bench.rs), exported only by
/// the bench build (`--features bench`: bench/pkg/, bench/pkg-relaxed/), never by the product's
/// www/pkg/ and www/pkg-relaxed/.
#[cfg(feature = "bench")]
mod bench_fixtures {
    use super::{f32_array, whole, JsResult, MAX_WHOLE};
    use crate::error::Error;
    use crate::models;
    use wasm_bindgen::prelude::*;

    /// One conv2d benchmark case (square kernel, bias) plus a 2x2 stride-2 max pooling of its output,
    /// for `./build.sh bench`. Timing is done in JS.
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
        /// Output height and width of the convolution.
        #[wasm_bindgen(js_name = outputSize)]
        pub fn output_size(&self) -> Vec<usize> {
            vec![self.0.geom.oh, self.0.geom.ow]
        }
        /// Runs the fast (SIMD) forward `times` times.
        pub fn fast(&mut self, times: f64) -> JsResult<()> {
            self.0.run_fast(repeats(times)?);
            Ok(())
        }
        /// Runs the scalar reference forward `times` times.
        pub fn reference(&mut self, times: f64) -> JsResult<()> {
            self.0.run_reference(repeats(times)?);
            Ok(())
        }
        /// Runs the 2x2 stride-2 max pooling of the last output `times` times.
        pub fn pool(&mut self, times: f64) -> JsResult<()> {
            self.0.run_pool(repeats(times)?);
            Ok(())
        }
        /// Largest absolute difference between the fast and reference outputs.
        #[wasm_bindgen(js_name = maxDiff)]
        pub fn max_diff(&mut self) -> f32 {
            self.0.max_diff()
        }
        /// The seeded input, CHW.
        pub fn input(&self) -> Vec<f32> {
            self.0.input().to_vec()
        }
        /// The seeded weights, `[cout, cin, k, k]`.
        pub fn weight(&self) -> Vec<f32> {
            self.0.weight().to_vec()
        }
        pub fn bias(&self) -> Vec<f32> {
            self.0.bias().to_vec()
        }
        /// The last convolution output, CHW.
        pub fn output(&self) -> Vec<f32> {
            self.0.output().to_vec()
        }
        /// The last pooling output, CHW.
        pub fn pooled(&self) -> Vec<f32> {
            self.0.pooled().to_vec()
        }
    }

    /// A builtin model on one input, for `./build.sh bench`: forward, and forward plus the gradient of
    /// one class score (its logit) with respect to the raw input. Timing is done in JS.
    #[wasm_bindgen]
    pub struct ModelBench(crate::bench::ModelCase);

    #[wasm_bindgen]
    impl ModelBench {
        /// `name`: a builtin model; `input`: raw input (CHW, [0, 1]); `class`: the scored class.
        #[wasm_bindgen(constructor)]
        pub fn new(name: &JsValue, input: &JsValue, class: f64) -> JsResult<ModelBench> {
            let Some(name) = name.as_string() else {
                return Err(Error::new("ModelBench: the name must be a builtin model's name, a string").into());
            };
            let input = f32_array(input, "input")?;
            let class = whole(class, "class", MAX_WHOLE)?;
            Ok(ModelBench(crate::bench::ModelCase::new(models::builtin(&name)?, input, class)?))
        }
        /// Runs the forward pass `times` times.
        pub fn forward(&mut self, times: f64) -> JsResult<()> {
            Ok(self.0.forward(repeats(times)?)?)
        }
        /// Runs forward plus input gradient `times` times.
        #[wasm_bindgen(js_name = forwardGradient)]
        pub fn forward_gradient(&mut self, times: f64) -> JsResult<()> {
            Ok(self.0.forward_gradient(repeats(times)?)?)
        }
        /// The layer holding the class scores (the logits).
        #[wasm_bindgen(js_name = scoreLayer)]
        pub fn score_layer(&self) -> usize {
            self.0.score_layer()
        }
        /// The input normalization's per-channel mean (the first layer sees `(raw - mean) / std`).
        #[wasm_bindgen(js_name = inputMean)]
        pub fn input_mean(&self) -> Vec<f32> {
            self.0.model().input.mean.clone()
        }
        /// The input normalization's per-channel standard deviation.
        #[wasm_bindgen(js_name = inputStd)]
        pub fn input_std(&self) -> Vec<f32> {
            self.0.model().input.std.clone()
        }
        /// Output of layer `layer` in the last forward pass.
        #[wasm_bindgen(js_name = layerOutput)]
        pub fn layer_output(&self, layer: usize) -> JsResult<Vec<f32>> {
            Ok(self.0.layer_output(layer)?)
        }
        /// The input gradient of the last `forwardGradient`.
        pub fn gradient(&self) -> Vec<f32> {
            self.0.gradient().to_vec()
        }
        /// Floating-point operations of the conv and linear layers (forward, or forward + input gradient).
        pub fn flops(&self, with_gradient: bool) -> f64 {
            self.0.flops(with_gradient)
        }
    }

    /// A fixture's repeat count (a whole number, at most u32::MAX).
    fn repeats(times: f64) -> Result<u32, Error> {
        Ok(whole(times, "times", MAX_WHOLE)? as u32)
    }
}
#[cfg(feature = "bench")]
pub use bench_fixtures::{ConvBench, ModelBench};
