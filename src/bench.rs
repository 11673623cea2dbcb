//! Fixtures for the side-by-side benchmark (`./build.sh bench`, bench/js/bench.js): seeded data kept
//! in wasm memory and run through the same kernels and model code the explorer uses, so a timed
//! call is exactly the work and nothing else (no copies across the JS boundary). Timing happens in
//! the caller; the accessors let the caller check the results against another implementation.

use crate::bail;
use crate::error::Result;
use crate::explain::Target;
use crate::geometry::{ConvGeom, PoolGeom};
use crate::kernels;
use crate::layers::LayerKind;
use crate::model::{Activations, Model};
use crate::rng::Rng;

/// One conv2d (square kernel, bias) on a seeded input, plus a 2x2 stride-2 max pooling of its output.
pub struct ConvCase {
    pub geom: ConvGeom,
    /// Max pooling 2x2 stride 2 (no padding) over the convolution's output.
    pub pool: PoolGeom,
    x: Vec<f32>,
    w: Vec<f32>,
    b: Vec<f32>,
    y: Vec<f32>,
    pooled: Vec<f32>,
}

impl ConvCase {
    /// A square `k x k` convolution `h x w x cin -> cout` with the given stride and symmetric
    /// zero padding. The output must be at least 2x2 (for the pooling).
    pub fn new(cin: usize, h: usize, w: usize, cout: usize, k: usize, stride: usize, pad: usize) -> Result<Self> {
        let geom = ConvGeom::new((cin, h, w), cout, (k, k), (stride, stride), (pad, pad), (1, 1))?;
        if geom.macs() > 1 << 31 {
            bail!("benchmark shape too large ({} multiply-adds)", geom.macs());
        }
        let pool = PoolGeom::new((cout, geom.oh, geom.ow), (2, 2), (2, 2), (0, 0))
            .map_err(|e| e.context("max pooling 2x2/2 of the convolution's output"))?;
        let mut rng = Rng::new(1);
        let (x, w, b) = (rng.vec(geom.input_len()), rng.vec(geom.weight_len()), rng.vec(geom.cout));
        let mut case =
            ConvCase { y: vec![0.0; geom.output_len()], pooled: vec![0.0; pool.output_len()], geom, pool, x, w, b };
        // Outputs are defined from the start, so `pool` times real data even before `fast`.
        case.run_fast(1);
        Ok(case)
    }

    /// Floating-point operations of one forward pass (2 per multiply-add, padding taps included,
    /// as every im2col/GEMM kernel computes them).
    pub fn flops(&self) -> f64 {
        2.0 * self.geom.macs() as f64
    }

    /// `times` forward passes with the fast kernel (output overwritten each time).
    pub fn run_fast(&mut self, times: u32) {
        for _ in 0..times {
            kernels::conv2d_forward(&self.geom, &self.x, &self.w, Some(&self.b), &mut self.y);
        }
    }

    /// `times` forward passes with the scalar reference.
    pub fn run_reference(&mut self, times: u32) {
        for _ in 0..times {
            kernels::reference::conv2d_forward(&self.geom, &self.x, &self.w, Some(&self.b), &mut self.y);
        }
    }

    /// `times` max poolings (2x2, stride 2) of the current convolution output.
    pub fn run_pool(&mut self, times: u32) {
        for _ in 0..times {
            kernels::maxpool2d_forward(&self.pool, &self.y, &mut self.pooled);
        }
    }

    /// Largest |fast - reference| over the output, so a benchmark also shows the two agree.
    /// Leaves the fast kernel's output in place.
    pub fn max_diff(&mut self) -> f32 {
        self.run_reference(1);
        let reference = self.y.clone();
        self.run_fast(1);
        self.y.iter().zip(&reference).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max)
    }

    /// Input, CHW.
    pub fn input(&self) -> &[f32] {
        &self.x
    }
    /// Weights, `[cout, cin, k, k]`.
    pub fn weight(&self) -> &[f32] {
        &self.w
    }
    pub fn bias(&self) -> &[f32] {
        &self.b
    }
    /// Output of the last forward pass, CHW (`cout x oh x ow`).
    pub fn output(&self) -> &[f32] {
        &self.y
    }
    /// Output of the last pooling, CHW (`cout x oh/2 x ow/2`, rounded down).
    pub fn pooled(&self) -> &[f32] {
        &self.pooled
    }
}

/// A whole model on one fixed input: the forward pass, and the forward pass plus the gradient of
/// one class score (the logit when the model ends in softmax) with respect to the raw input --
/// the work of one activation-maximization step without its regularizers.
pub struct ModelCase {
    model: Model,
    input: Vec<f32>,
    target: Target,
    acts: Option<Activations>,
    /// The tensors `forward_gradient`'s passes write into.
    step_acts: Option<Activations>,
    gradient: Vec<f32>,
}

impl ModelCase {
    pub fn new(model: Model, input: Vec<f32>, class: usize) -> Result<Self> {
        let target = Target::class(&model, class)?;
        let acts = model.forward(&input)?; // also checks the input's length and values
        Ok(ModelCase { model, input, target, acts: Some(acts), step_acts: None, gradient: Vec::new() })
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The layer whose output holds the class scores (the logits when the model ends in softmax).
    pub fn score_layer(&self) -> usize {
        self.target.layer
    }

    /// `times` forward passes (every layer's output kept, each pass written into the last one's
    /// tensors, as the explorer's `run` does).
    pub fn forward(&mut self, times: u32) -> Result<()> {
        let last = self.model.layers.len() - 1;
        for _ in 0..times {
            let acts = self.model.forward_reusing(&self.input, last, &mut self.acts)?;
            self.acts = Some(acts);
        }
        Ok(())
    }

    /// `times` forward passes each followed by the backward pass of the class score to the input
    /// (the forward pass into the last one's tensors, as a maximization step does).
    pub fn forward_gradient(&mut self, times: u32) -> Result<()> {
        for _ in 0..times {
            let (_, g) = self.target.value_and_gradient_reusing(&self.model, &self.input, &mut self.step_acts)?;
            self.gradient = crate::layers::to_vec(&g);
        }
        Ok(())
    }

    /// Output of layer `layer` in the last forward pass (run by `forward`, or `new`).
    pub fn layer_output(&self, layer: usize) -> Result<Vec<f32>> {
        let Some(acts) = &self.acts else { bail!("no forward pass yet") };
        match acts.outputs.get(layer) {
            Some(t) => Ok(crate::layers::to_vec(t)),
            None => bail!("layer {layer} does not exist (the model has {} layers)", acts.outputs.len()),
        }
    }

    /// d(class score)/d(raw input), CHW, from the last `forward_gradient` (empty before).
    pub fn gradient(&self) -> &[f32] {
        &self.gradient
    }

    /// Floating-point operations of the conv and linear layers (2 per multiply-add): of the forward
    /// pass, or with `with_gradient` of the forward pass plus the input-gradient backward pass
    /// (the same multiply-adds again for every conv/linear layer up to the score; no weight gradients).
    pub fn flops(&self, with_gradient: bool) -> f64 {
        let mut total = 0.0;
        for (i, layer) in self.model.layers.iter().enumerate() {
            let macs = match &layer.kind {
                LayerKind::Conv2d(c) => c.macs(layer.input_shape),
                LayerKind::Linear(l) => l.in_features() * l.out_features(),
                _ => 0,
            } as f64;
            total += 2.0 * macs;
            if with_gradient && i <= self.target.layer {
                total += 2.0 * macs;
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conv_case_pools_its_own_output() {
        let mut c = ConvCase::new(2, 9, 9, 3, 3, 2, 0).unwrap(); // 9 -> 4 -> pooled 2
        assert_eq!((c.geom.oh, c.geom.ow, c.pool.oh, c.pool.ow), (4, 4, 2, 2));
        assert!(c.max_diff() < 1e-4);
        c.run_pool(1);
        let y = c.output();
        // pooled[ch][i][j] = max of the 2x2 block of y at (2i, 2j), by hand.
        for ch in 0..3 {
            for i in 0..2 {
                for j in 0..2 {
                    let at = |r: usize, s: usize| y[ch * 16 + r * 4 + s];
                    let m = at(2 * i, 2 * j)
                        .max(at(2 * i, 2 * j + 1))
                        .max(at(2 * i + 1, 2 * j))
                        .max(at(2 * i + 1, 2 * j + 1));
                    assert_eq!(c.pooled()[ch * 4 + i * 2 + j], m);
                }
            }
        }
        assert!(ConvCase::new(1, 3, 3, 1, 3, 1, 0).is_err(), "a 1x1 output cannot be pooled 2x2");
    }

    #[test]
    fn model_case_gradient_matches_finite_differences() {
        let model = crate::models::builtin("digits").unwrap();
        let mut rng = Rng::new(5);
        let input: Vec<f32> = (0..784).map(|_| rng.unit()).collect();
        let mut m = ModelCase::new(model.clone(), input.clone(), 3).unwrap();
        assert_eq!(m.score_layer(), 7, "digits ends in softmax: the score is the logit (layer 7)");
        m.forward_gradient(1).unwrap();
        let score = |x: &[f32]| model.forward(x).unwrap().outputs[7][3] as f64;
        for &i in &[300usize, 406, 517] {
            let (mut up, mut down) = (input.clone(), input.clone());
            up[i] += 1e-3;
            down[i] -= 1e-3;
            let fd = (score(&up) - score(&down)) / 2e-3;
            let g = m.gradient()[i] as f64;
            assert!((fd - g).abs() <= 2e-2 * (1.0 + g.abs()), "pixel {i}: gradient {g} vs finite difference {fd}");
        }
        // conv1 1->8 5x5 on 28x28, conv2 8->16 5x5 on 14x14, fc 784->10 (hand count).
        let fwd = 2.0 * (28.0 * 28.0 * 8.0 * 25.0 + 14.0 * 14.0 * 16.0 * 200.0 + 7840.0);
        assert_eq!(m.flops(false), fwd);
        assert_eq!(m.flops(true), 2.0 * fwd);
        assert!(m.layer_output(9).is_err());
    }
}
