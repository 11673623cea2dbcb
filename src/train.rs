//! Training pieces shared by the native trainer: softmax cross-entropy, Adam, and evaluation.
//! Pure functions of the model; threading is the caller's (the wasm build has no threads).

use crate::bail;
use crate::error::Result;
use crate::layers::{LayerKind, Shape};
use crate::model::{Gradients, Model};

/// Loss and parameter gradients of one labelled example under softmax cross-entropy, added into
/// `grads`. The model must end in `softmax`; the gradient enters at the logits (the softmax input)
/// as `p - onehot`, which is exact and stable. Returns (loss, whether the prediction was right).
pub fn example_gradient(model: &Model, x: &[f32], label: usize, grads: &mut Gradients) -> Result<(f32, bool)> {
    let n = model.layers.len();
    if n < 2 || !matches!(model.layers[n - 1].kind, LayerKind::Softmax) {
        bail!("training needs a model that ends in softmax");
    }
    let acts = model.forward(x)?;
    let p = acts.output().as_slice().expect("contiguous");
    if label >= p.len() {
        bail!("label {label} is out of range for {} classes", p.len());
    }
    let loss = -(p[label].max(1e-12)).ln();
    let predicted = argmax(p);
    let mut seed: Vec<f32> = p.to_vec();
    seed[label] -= 1.0;
    let seed = Shape::Vector(seed.len()).tensor(seed)?;
    model.backward(&acts, n - 2, &seed, Some(grads))?;
    Ok((loss, predicted == label))
}

/// Index of the largest value (the first on ties).
pub fn argmax(v: &[f32]) -> usize {
    v.iter().enumerate().fold(0, |best, (i, &x)| if x > v[best] { i } else { best })
}

/// Adam (Kingma & Ba) over every layer's parameters.
pub struct Adam {
    pub lr: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
    step: i32,
    m: Gradients,
    v: Gradients,
}

impl Adam {
    pub fn new(model: &Model, lr: f32) -> Adam {
        Adam { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, step: 0, m: model.zero_grads(), v: model.zero_grads() }
    }

    /// One update with the mean gradient `grads / batch`.
    pub fn update(&mut self, model: &mut Model, grads: &Gradients, batch: usize) {
        self.step += 1;
        let (b1, b2) = (self.beta1, self.beta2);
        let c1 = 1.0 - b1.powi(self.step);
        let c2 = 1.0 - b2.powi(self.step);
        let scale = 1.0 / batch as f32;
        for (i, layer) in model.layers.iter_mut().enumerate() {
            let (Some(g), Some(m), Some(v)) = (&grads.0[i], &mut self.m.0[i], &mut self.v.0[i]) else { continue };
            let Some((w, b)) = layer.params_mut() else { continue };
            let apply = |p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32]| {
                for j in 0..p.len() {
                    let gj = g[j] * scale;
                    m[j] = b1 * m[j] + (1.0 - b1) * gj;
                    v[j] = b2 * v[j] + (1.0 - b2) * gj * gj;
                    p[j] -= self.lr * (m[j] / c1) / ((v[j] / c2).sqrt() + self.eps);
                }
            };
            apply(w, &g.weight, &mut m.weight, &mut v.weight);
            if let (Some(b), Some(gb), Some(mb), Some(vb)) = (b, &g.bias, &mut m.bias, &mut v.bias) {
                apply(b, gb, mb, vb);
            }
        }
    }
}

/// Fraction of `(input, label)` pairs the model classifies right.
pub fn accuracy<'a>(model: &Model, examples: impl Iterator<Item = (Vec<f32>, usize)> + 'a) -> Result<f64> {
    let (mut right, mut total) = (0usize, 0usize);
    for (x, label) in examples {
        let acts = model.forward(&x)?;
        right += (argmax(acts.output().as_slice().expect("contiguous")) == label) as usize;
        total += 1;
    }
    Ok(if total == 0 { 0.0 } else { right as f64 / total as f64 })
}
