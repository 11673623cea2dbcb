//! The JS `Trainer` (docs/js-api.md, "Training"): [`crate::train::Trainer`] with its arguments
//! converted and checked.

use super::convert::{self, whole, MAX_WHOLE};
use super::{Explorer, JsResult};
use crate::architecture::Architecture;
use crate::error::Error;
use crate::train::options::TrainOptions;
use crate::{format, load, train};
use wasm_bindgen::prelude::*;

/// A model being trained in the browser.
#[wasm_bindgen]
pub struct Trainer(train::Trainer);

#[wasm_bindgen]
impl Trainer {
    /// A new model of `architecture` (a model file's `convlens` metadata as an object: `input`,
    /// `labels`, `layers`), its weights initialized as PyTorch does from `options.seed`.
    #[wasm_bindgen(js_name = fromArchitecture)]
    pub fn from_architecture(architecture: &JsValue, options: JsValue) -> JsResult<Trainer> {
        if !architecture.is_object() {
            return Err(Error::new("fromArchitecture: architecture must be an object {input, labels, layers}").into());
        }
        let json = js_sys::JSON::stringify(architecture)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(|| Error::new("fromArchitecture: architecture cannot be written as JSON"))?;
        let arch = Architecture::from_json(&json).map_err(|e| e.context("fromArchitecture: architecture"))?;
        let options: TrainOptions = convert::options(options, "training options")?;
        Ok(Trainer(train::Trainer::from_architecture(&arch, &options)?))
    }

    /// Continues training a model file (safetensors or ONNX).
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: &JsValue, options: JsValue) -> JsResult<Trainer> {
        let model = load::load_any(&convert::bytes(bytes, "Trainer.fromBytes")?)?;
        let options: TrainOptions = convert::options(options, "training options")?;
        Ok(Trainer(train::Trainer::from_model(model, &options)?))
    }

    /// Changes options (the same object the constructors take) from the next step on.
    #[wasm_bindgen(js_name = setOptions)]
    pub fn set_options(&mut self, options: JsValue) -> JsResult<()> {
        if !options.is_object() {
            return Err(Error::new("setOptions: options must be an object").into());
        }
        Ok(self.0.set_options(&convert::options(options, "training options")?)?)
    }

    /// The training data: `count` raw inputs laid end to end (Float32Array in [0, 1] or Uint8Array
    /// of 0-255) and a class index each.
    #[wasm_bindgen(js_name = setData)]
    pub fn set_data(&mut self, images: &JsValue, labels: &JsValue, count: f64) -> JsResult<()> {
        let images = convert::images_array(images, "images")?;
        let labels = convert::labels_array(labels)?;
        Ok(self.0.set_data(images, &labels, whole(count, "count", MAX_WHOLE)?)?)
    }

    /// Runs `n` minibatch steps (default 1): `{loss, accuracy, steps, epoch}`.
    pub fn step(&mut self, n: JsValue) -> JsResult<JsValue> {
        let n = match n.as_f64() {
            None if n.is_undefined() => 1,
            Some(v) => whole(v, "step(n): n", MAX_WHOLE)?,
            None => return Err(Error::new("step(n): n must be a number").into()),
        };
        let r = self.0.step(n)?;
        let obj = js_sys::Object::new();
        convert::set(&obj, "loss", &r.loss.into());
        convert::set(&obj, "accuracy", &r.accuracy.into());
        convert::set(&obj, "steps", &(r.steps as f64).into());
        convert::set(&obj, "epoch", &(r.epoch as f64).into());
        Ok(obj.into())
    }

    /// As `Explorer.evaluate`, on the model as trained so far.
    pub fn evaluate(&self, images: &JsValue, labels: &JsValue, count: f64) -> JsResult<JsValue> {
        let images = convert::images_array(images, "images")?;
        let labels = convert::labels_array(labels)?;
        Ok(convert::evaluation(&self.0.evaluate(images, &labels, whole(count, "count", MAX_WHOLE)?)?))
    }

    /// A new explorer over a copy of the current weights.
    pub fn explorer(&self) -> Explorer {
        Explorer::of(self.0.model().clone())
    }

    /// As `Explorer.parameters`.
    pub fn parameters(&self, layer: JsValue) -> JsResult<JsValue> {
        Ok(convert::parameters(self.0.model(), &layer)?)
    }

    /// The model as a model file (safetensors, F32) that `Explorer.fromBytes` loads.
    #[wasm_bindgen(js_name = toBytes)]
    pub fn to_bytes(&self) -> JsResult<Vec<u8>> {
        Ok(format::save(self.0.model())?)
    }

    /// Steps taken so far.
    #[wasm_bindgen(getter, js_name = stepsTaken)]
    pub fn steps_taken(&self) -> f64 {
        self.0.steps_taken() as f64
    }
}
