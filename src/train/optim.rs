//! The update rules, as PyTorch's `torch.optim.SGD` and `torch.optim.Adam` apply them with
//! default arguments otherwise: weight decay added to the gradient (`g + weight_decay * w`); SGD's
//! momentum buffer starts as the first gradient (no dampening, not Nesterov); Adam with betas
//! (0.9, 0.999), eps 1e-8 and bias correction, `w -= lr / (1 - b1^t) * m / (sqrt(v) /
//! sqrt(1 - b2^t) + eps)`.

use crate::model::{Gradients, Model};
use crate::train::options::{OptimizerKind, Settings};

pub const ADAM_BETAS: (f32, f32) = (0.9, 0.999);
pub const ADAM_EPS: f32 = 1e-8;

/// An optimizer's state: its step count and one or two buffers per parameter.
#[derive(Clone, Debug)]
pub struct Optimizer {
    kind: OptimizerKind,
    steps: u32,
    /// SGD's momentum buffer, Adam's first moment.
    first: Gradients,
    /// Adam's second moment (empty for SGD).
    second: Gradients,
}

impl Optimizer {
    pub fn new(kind: OptimizerKind, model: &Model) -> Optimizer {
        let second = if kind == OptimizerKind::Adam { model.zero_grads() } else { Gradients(Vec::new()) };
        Optimizer { kind, steps: 0, first: model.zero_grads(), second }
    }

    pub fn kind(&self) -> OptimizerKind {
        self.kind
    }

    /// One update of every parameter of `model` with `grads` (the gradient of the mean loss).
    pub fn update(&mut self, model: &mut Model, grads: &Gradients, s: &Settings) {
        self.steps += 1;
        let (lr, wd) = (s.learning_rate(), s.weight_decay);
        let first_step = self.steps == 1;
        let (b1, b2) = ADAM_BETAS;
        let bc1 = 1.0 - (b1 as f64).powi(self.steps as i32);
        let bc2 = 1.0 - (b2 as f64).powi(self.steps as i32);
        let step_size = (lr as f64 / bc1) as f32;
        let bc2_sqrt = bc2.sqrt() as f32;
        let momentum = s.momentum;
        for (i, layer) in model.layers.iter_mut().enumerate() {
            let (Some(g), Some(m)) = (&grads.0[i], &mut self.first.0[i]) else { continue };
            let Some((w, b)) = layer.params_mut() else { continue };
            let v = self.second.0.get_mut(i).and_then(Option::as_mut);
            let (vw, vb) = match v {
                Some(v) => (Some(&mut v.weight[..]), v.bias.as_deref_mut()),
                None => (None, None),
            };
            let kind = self.kind;
            let apply = |p: &mut [f32], g: &[f32], m: &mut [f32], v: Option<&mut [f32]>| match (kind, v) {
                (OptimizerKind::Adam, Some(v)) => adam(p, g, m, v, step_size, bc2_sqrt, wd),
                // SGD (Adam always has its second moment).
                _ => sgd(p, g, m, lr, wd, momentum, first_step),
            };
            apply(w, &g.weight, &mut m.weight, vw);
            if let (Some(b), Some(gb), Some(mb)) = (b, &g.bias, &mut m.bias) {
                apply(b, gb, mb, vb);
            }
        }
    }
}

fn sgd(p: &mut [f32], g: &[f32], buf: &mut [f32], lr: f32, wd: f32, momentum: f32, first_step: bool) {
    for ((p, &g), b) in p.iter_mut().zip(g).zip(buf) {
        let mut d = g + wd * *p;
        if momentum != 0.0 {
            *b = if first_step { d } else { momentum * *b + d };
            d = *b;
        }
        *p -= lr * d;
    }
}

fn adam(p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], step_size: f32, bc2_sqrt: f32, wd: f32) {
    let (b1, b2) = ADAM_BETAS;
    for (((p, &g), m), v) in p.iter_mut().zip(g).zip(m).zip(v) {
        let d = g + wd * *p;
        *m = b1 * *m + (1.0 - b1) * d;
        *v = b2 * *v + (1.0 - b2) * d * d;
        *p -= step_size * *m / (v.sqrt() / bc2_sqrt + ADAM_EPS);
    }
}
