//! A training step's passes over one minibatch, in training mode as PyTorch's `model.train()`:
//! dropout drops each value with probability p and scales the rest by 1/(1-p); batchnorm2d
//! normalizes with the batch's own per-channel mean and biased variance (over examples, rows and
//! columns), and its running statistics move towards the batch's with momentum 0.1 (the variance
//! unbiased, `n / (n - 1)`). Each layer takes the whole batch before the next (batchnorm needs
//! it); the other layers are the engine's own passes, example by example. The tensors are kept
//! from step to step.
//!
//! Backward seeds the class scores with the gradient of the batch's mean cross-entropy,
//! `(softmax(z) - onehot(y)) / n`, and adds every parameter's gradient into one [`Gradients`].

use crate::bail;
use crate::error::Result;
use crate::layers::{BatchNorm2d, LayerKind, Shape, Source, Tensor};
use crate::model::{Activations, Gradients, Model};
use crate::rng::Rng;
use crate::train::loss::{argmax, cross_entropy, ClassScores};
use ndarray::IxDyn;

/// PyTorch's default `momentum` of `BatchNorm2d`'s running statistics.
pub const BATCHNORM_MOMENTUM: f32 = 0.1;

/// The batch statistics of one batchnorm2d layer in the last forward pass.
#[derive(Clone, Debug, Default)]
struct BatchStats {
    mean: Vec<f32>,
    inv_std: Vec<f32>,
    /// The unbiased variance (what the running variance moves towards).
    var_unbiased: Vec<f32>,
}

/// The passes' tensors, kept between steps.
#[derive(Default)]
pub struct Passes {
    /// Per example of the batch: the normalized input and every layer's output.
    acts: Vec<Activations>,
    /// Per example, per layer: the loss's gradient on that layer's output.
    grads: Vec<Vec<Option<Tensor>>>,
    /// Per layer (dropout layers only), per example: the mask the forward pass applied.
    masks: Vec<Vec<Vec<f32>>>,
    /// Per layer (batchnorm2d layers only).
    stats: Vec<Option<BatchStats>>,
    probs: Vec<f32>,
    pool: Pool,
}

/// Gradient tensors spent in one step, handed out again (zero-filled) in the next: the backward
/// pass allocates nothing once every shape has been seen.
#[derive(Default)]
struct Pool(Vec<(Vec<usize>, Vec<Tensor>)>);

impl Pool {
    /// A zero-filled contiguous tensor of `shape`.
    fn zeros(&mut self, shape: &Shape) -> Tensor {
        // Compared without building `shape.dims()`: this runs per example and layer.
        let fits = |d: &[usize]| match *shape {
            Shape::Chw(c, h, w) => d == [c, h, w],
            Shape::Vector(n) => d == [n],
        };
        match self.0.iter_mut().find(|(d, _)| fits(d)).and_then(|(_, ts)| ts.pop()) {
            Some(mut t) => {
                t.fill(0.0);
                t
            }
            None => shape.zeros(),
        }
    }

    fn put(&mut self, t: Tensor) {
        if !t.is_standard_layout() {
            return;
        }
        match self.0.iter_mut().find(|(d, _)| d.as_slice() == t.shape()) {
            Some((_, ts)) => ts.push(t),
            None => self.0.push((t.shape().to_vec(), vec![t])),
        }
    }
}

/// An empty tensor (no allocation), to stand in for one taken out of a vector.
fn placeholder() -> Tensor {
    Tensor::from_shape_vec(IxDyn(&[0]), Vec::new()).expect("an empty tensor has no values")
}

impl Passes {
    /// The training-mode forward pass of `n` examples, example `b`'s normalized input copied
    /// from `input(b)`. `rng` draws the dropout masks.
    pub fn forward<'a>(
        &mut self,
        model: &Model,
        n: usize,
        input: impl Fn(usize) -> &'a [f32],
        rng: &mut Rng,
    ) -> Result<()> {
        let layers = &model.layers;
        while self.acts.len() < n {
            let outputs = layers.iter().map(|l| l.output_shape.zeros()).collect();
            self.acts.push(Activations { input: model.input.shape().zeros(), outputs });
        }
        self.masks.resize_with(layers.len(), Vec::new);
        self.stats.resize_with(layers.len(), || None);
        for (b, acts) in self.acts[..n].iter_mut().enumerate() {
            acts.input.as_slice_mut().expect("inputs are contiguous").copy_from_slice(input(b));
        }
        for (i, layer) in layers.iter().enumerate() {
            match &layer.kind {
                LayerKind::BatchNorm2d(bn) => {
                    let stats = batchnorm_forward(&mut self.acts[..n], i, layer.inputs[0], bn)
                        .map_err(|e| e.context(format!("layer {i} '{}' (batchnorm2d)", layer.name)))?;
                    self.stats[i] = Some(stats);
                }
                LayerKind::Dropout { p } => {
                    let masks = &mut self.masks[i];
                    masks.resize_with(n.max(masks.len()), Vec::new);
                    let keep = if *p < 1.0 { 1.0 / (1.0 - p) } else { 0.0 };
                    for (acts, mask) in self.acts[..n].iter_mut().zip(masks.iter_mut()) {
                        let mut y = std::mem::replace(&mut acts.outputs[i], placeholder());
                        let x = acts.get(layer.inputs[0]).as_slice().expect("outputs are contiguous");
                        mask.clear();
                        mask.extend(x.iter().map(|_| if rng.unit() < *p { 0.0 } else { keep }));
                        let ys = y.as_slice_mut().expect("outputs are contiguous");
                        ys.iter_mut().zip(x).zip(mask.iter()).for_each(|((y, x), m)| *y = x * m);
                        acts.outputs[i] = y;
                    }
                }
                _ => {
                    for acts in &mut self.acts[..n] {
                        let spare = std::mem::replace(&mut acts.outputs[i], placeholder());
                        let xs: Vec<&Tensor> = layer.inputs.iter().map(|&s| acts.get(s)).collect();
                        let y = layer.forward_into(&xs, Some(spare));
                        acts.outputs[i] = y;
                    }
                }
            }
        }
        Ok(())
    }

    /// The loss of the last forward pass on `labels` (one per example), and its gradient
    /// propagated back through the model, each parameter's added into `grads`. Returns the
    /// mean loss and how many examples the scores classify right.
    pub fn backward(
        &mut self,
        model: &Model,
        scores: ClassScores,
        labels: &[u32],
        grads: &mut Gradients,
    ) -> Result<(f32, usize)> {
        let n = labels.len();
        let (k, top) = (scores.classes, scores.layer);
        self.grads.resize_with(n.max(self.grads.len()), Vec::new);
        self.probs.resize(k, 0.0);
        let (mut loss, mut right) = (0f64, 0usize);
        for (b, &label) in labels.iter().enumerate() {
            let z = self.acts[b].outputs[top].as_slice().expect("outputs are contiguous");
            let label = label as usize;
            loss += cross_entropy(z, label, Some(&mut self.probs)) as f64;
            right += (argmax(z) == label) as usize;
            self.probs[label] -= 1.0;
            let g = &mut self.grads[b];
            for t in g.drain(..).flatten() {
                self.pool.put(t);
            }
            g.resize(top + 1, None);
            let mut seed = self.pool.zeros(&model.layers[top].output_shape);
            let s = seed.as_slice_mut().expect("fresh arrays are contiguous");
            s.iter_mut().zip(&self.probs).for_each(|(s, p)| *s = p / n as f32);
            g[top] = Some(seed);
        }
        let loss = (loss / n as f64) as f32;
        if !loss.is_finite() {
            return Ok((loss, right));
        }
        for i in (0..=top).rev() {
            let layer = &model.layers[i];
            let pg = grads.0[i].as_mut();
            match &layer.kind {
                LayerKind::BatchNorm2d(bn) => {
                    let stats = self.stats[i].as_ref().expect("the forward pass made the batch statistics");
                    let (acts, grads) = (&self.acts[..n], &mut self.grads[..n]);
                    batchnorm_backward(acts, grads, i, layer.inputs[0], bn, stats, pg, &mut self.pool);
                }
                LayerKind::Dropout { .. } => {
                    for (g, mask) in self.grads[..n].iter_mut().zip(&self.masks[i]) {
                        let Some(mut gy) = g[i].take() else { continue };
                        let gs = gy.as_slice_mut().expect("gradients are contiguous");
                        gs.iter_mut().zip(mask).for_each(|(g, m)| *g *= m);
                        accumulate(g, layer.inputs[0], gy, &mut self.pool);
                    }
                }
                _ => {
                    let mut pg = pg;
                    for (acts, g) in self.acts[..n].iter().zip(self.grads[..n].iter_mut()) {
                        let Some(gy) = g[i].take() else { continue };
                        let xs: Vec<&Tensor> = layer.inputs.iter().map(|&s| acts.get(s)).collect();
                        if layer.inputs == [Source::Input] {
                            // Nothing is trained below the model input: only parameter gradients.
                            if let Some(pg) = pg.as_deref_mut() {
                                layer.backward_params(&xs, &acts.outputs[i], &gy, pg);
                            }
                            self.pool.put(gy);
                            continue;
                        }
                        let pool = &mut self.pool;
                        let gxs = layer.backward_with(&xs, &acts.outputs[i], &gy, pg.as_deref_mut(), |s| pool.zeros(s));
                        pool.put(gy);
                        for (&source, gx) in layer.inputs.iter().zip(gxs) {
                            accumulate(g, source, gx, pool);
                        }
                    }
                }
            }
        }
        Ok((loss, right))
    }

    /// Moves every batchnorm2d layer's running statistics towards those of the last forward pass.
    pub fn update_running_statistics(&self, model: &mut Model) {
        for (layer, stats) in model.layers.iter_mut().zip(&self.stats) {
            let (LayerKind::BatchNorm2d(bn), Some(s)) = (&mut layer.kind, stats) else { continue };
            let m = BATCHNORM_MOMENTUM;
            bn.running_mean.iter_mut().zip(&s.mean).for_each(|(r, &v)| *r = (1.0 - m) * *r + m * v);
            bn.running_var.iter_mut().zip(&s.var_unbiased).for_each(|(r, &v)| *r = (1.0 - m) * *r + m * v);
        }
    }
}

/// Adds `gx` into the gradient of `source`'s output (nothing for the model input); a tensor
/// spent goes back to the pool.
fn accumulate(grads: &mut [Option<Tensor>], source: Source, gx: Tensor, pool: &mut Pool) {
    let Source::Layer(j) = source else { return pool.put(gx) };
    match &mut grads[j] {
        Some(acc) => {
            *acc += &gx;
            pool.put(gx);
        }
        slot => *slot = Some(gx),
    }
}

/// Layer `i`, a batchnorm2d reading `source`, on the whole batch with the batch's statistics.
fn batchnorm_forward(acts: &mut [Activations], i: usize, source: Source, bn: &BatchNorm2d) -> Result<BatchStats> {
    let c = bn.channels();
    let plane = acts[0].get(source).len() / c.max(1);
    let count = acts.len() * plane;
    if count < 2 {
        bail!(
            "training needs more than one value per channel (a batch of one example with 1x1 maps): use a larger batch"
        );
    }
    let mut stats = BatchStats { mean: vec![0.0; c], inv_std: vec![0.0; c], var_unbiased: vec![0.0; c] };
    for ch in 0..c {
        let values =
            || acts.iter().flat_map(|a| a.get(source).as_slice().expect("contiguous")[ch * plane..][..plane].iter());
        let mean = values().map(|&v| v as f64).sum::<f64>() / count as f64;
        let ss = values().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>();
        let var = ss / count as f64;
        stats.mean[ch] = mean as f32;
        stats.inv_std[ch] = (1.0 / (var + bn.eps as f64).sqrt()) as f32;
        stats.var_unbiased[ch] = (ss / (count - 1) as f64) as f32;
    }
    let scale: Vec<f32> = bn.weight.iter().zip(&stats.inv_std).map(|(g, s)| g * s).collect();
    let shift: Vec<f32> = bn.bias.iter().zip(&stats.mean).zip(&scale).map(|((b, m), s)| b - m * s).collect();
    for acts in acts.iter_mut() {
        let mut y = std::mem::replace(&mut acts.outputs[i], placeholder());
        let x = acts.get(source).as_slice().expect("outputs are contiguous");
        let ys = y.as_slice_mut().expect("outputs are contiguous");
        for (ch, (dst, src)) in ys.chunks_exact_mut(plane).zip(x.chunks_exact(plane)).enumerate() {
            let (s, t) = (scale[ch], shift[ch]);
            dst.iter_mut().zip(src).for_each(|(d, &v)| *d = v * s + t);
        }
        acts.outputs[i] = y;
    }
    Ok(stats)
}

/// The training-mode batchnorm's backward pass over the batch: with `xhat = (x - mean) * inv_std`,
/// `dgamma = sum(dy * xhat)`, `dbeta = sum(dy)`, `dx = gamma * inv_std * (dy - mean(dy) - xhat *
/// mean(dy * xhat))`, the sums and means over examples, rows and columns.
#[allow(clippy::too_many_arguments)]
fn batchnorm_backward(
    acts: &[Activations],
    grads: &mut [Vec<Option<Tensor>>],
    i: usize,
    source: Source,
    bn: &BatchNorm2d,
    stats: &BatchStats,
    pg: Option<&mut crate::layers::ParamGrads>,
    pool: &mut Pool,
) {
    let c = bn.channels();
    let plane = acts[0].get(source).len() / c.max(1);
    let count = (acts.len() * plane) as f64;
    let (mut sum_dy, mut sum_dy_xhat) = (vec![0f64; c], vec![0f64; c]);
    for (a, g) in acts.iter().zip(grads.iter()) {
        let Some(gy) = &g[i] else { continue };
        let (x, gy) = (a.get(source).as_slice().expect("contiguous"), gy.as_slice().expect("contiguous"));
        for ch in 0..c {
            let (m, s) = (stats.mean[ch], stats.inv_std[ch]);
            let (xs, gs) = (&x[ch * plane..][..plane], &gy[ch * plane..][..plane]);
            sum_dy[ch] += gs.iter().map(|&g| g as f64).sum::<f64>();
            sum_dy_xhat[ch] += xs.iter().zip(gs).map(|(&x, &g)| (g * (x - m) * s) as f64).sum::<f64>();
        }
    }
    if let Some(pg) = pg {
        pg.weight.iter_mut().zip(&sum_dy_xhat).for_each(|(w, &v)| *w += v as f32);
        if let Some(b) = pg.bias.as_mut() {
            b.iter_mut().zip(&sum_dy).for_each(|(b, &v)| *b += v as f32);
        }
    }
    // dx = a * dy + b * x + d per channel.
    let coef: Vec<(f32, f32, f32)> = (0..c)
        .map(|ch| {
            let (gamma, m, s) = (bn.weight[ch], stats.mean[ch], stats.inv_std[ch]);
            let a = gamma * s;
            let mean_dy = (sum_dy[ch] / count) as f32;
            let mean_dy_xhat = (sum_dy_xhat[ch] / count) as f32;
            let b = -a * s * mean_dy_xhat;
            (a, b, -a * mean_dy - b * m)
        })
        .collect();
    for (a, g) in acts.iter().zip(grads.iter_mut()) {
        let Some(gy) = g[i].take() else { continue };
        let x = a.get(source).as_slice().expect("contiguous");
        let mut gx = gy; // the same shape: written in place
        let gs = gx.as_slice_mut().expect("contiguous");
        for (ch, (gs, xs)) in gs.chunks_exact_mut(plane).zip(x.chunks_exact(plane)).enumerate() {
            let (ca, cb, cd) = coef[ch];
            gs.iter_mut().zip(xs).for_each(|(g, &x)| *g = ca * *g + cb * x + cd);
        }
        accumulate(g, source, gx, pool);
    }
}
