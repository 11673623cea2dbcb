//! The side-by-side benchmark's fixtures (`ConvBench`, `ModelBench`; src/bench.rs), exported only by
//! the bench build (`--features bench`: bench/pkg/, bench/pkg-relaxed/), never by the product's
//! www/pkg/ and www/pkg-relaxed/.

use super::convert::{f32_array, whole, MAX_WHOLE};
use super::JsResult;
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
