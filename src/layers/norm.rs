//! Batch normalization at inference: `y = gamma * (x - mean) / sqrt(var + eps) + beta` per
//! channel, with the running statistics of training. Computed as the per-channel affine map
//! `y = x * scale + shift`, `scale = gamma / sqrt(var + eps)`, `shift = beta - mean * scale`.
//!
//! `gamma` (PyTorch's `weight`) and `beta` (`bias`) are the trainable parameters; the running
//! mean and variance are fixed statistics (PyTorch's buffers).

use super::{ParamGrads, Shape};
use crate::bail;
use crate::error::Result;
use ndarray::Array1;

/// PyTorch's default `eps`.
pub const DEFAULT_EPS: f32 = 1e-5;

#[derive(Clone, Debug)]
pub struct BatchNorm2d {
    /// gamma, `[c]` (1 when the file has none).
    pub weight: Array1<f32>,
    /// beta, `[c]` (0 when the file has none).
    pub bias: Array1<f32>,
    pub running_mean: Array1<f32>,
    pub running_var: Array1<f32>,
    pub eps: f32,
}

impl BatchNorm2d {
    /// A batchnorm over `mean.len()` channels; gamma defaults to 1 and beta to 0.
    pub fn new(mean: Vec<f32>, var: Vec<f32>, gamma: Option<Vec<f32>>, beta: Option<Vec<f32>>, eps: f32) -> Self {
        let c = mean.len();
        BatchNorm2d {
            weight: Array1::from(gamma.unwrap_or_else(|| vec![1.0; c])),
            bias: Array1::from(beta.unwrap_or_else(|| vec![0.0; c])),
            running_mean: Array1::from(mean),
            running_var: Array1::from(var),
            eps,
        }
    }

    pub fn channels(&self) -> usize {
        self.running_mean.len()
    }

    /// Checks the statistics: one value per channel in every tensor, finite values, a variance
    /// that is not negative and an `eps` above 0 (so `var + eps > 0`).
    pub fn check(&self) -> Result<()> {
        let c = self.channels();
        for (name, t) in [("running_var", &self.running_var), ("weight", &self.weight), ("bias", &self.bias)] {
            if t.len() != c {
                bail!("{name} has {} values but running_mean has {c}: one per channel in each", t.len());
            }
        }
        if !(self.eps.is_finite() && self.eps > 0.0) {
            bail!("eps must be a finite number above 0, got {}", self.eps);
        }
        for (name, t) in [
            ("running_mean", &self.running_mean),
            ("running_var", &self.running_var),
            ("weight", &self.weight),
            ("bias", &self.bias),
        ] {
            if let Some(i) = t.iter().position(|v| !v.is_finite()) {
                bail!("{name} holds {} at element {i}; it must be finite", t[i]);
            }
        }
        if let Some(i) = self.running_var.iter().position(|&v| v < 0.0) {
            bail!("running_var holds {} at element {i}; a variance cannot be negative", self.running_var[i]);
        }
        Ok(())
    }

    /// The output shape on `input`: the input's, when it is CHW with one channel per statistic.
    pub(super) fn place(&self, input: Shape) -> Result<Shape> {
        let (c, _, _) = input.chw("batchnorm2d")?;
        if c != self.channels() {
            bail!("it has statistics for {} channels but the input has {c}", self.channels());
        }
        self.check()?;
        Ok(input)
    }

    /// `1 / sqrt(var + eps)` per channel.
    fn inv_std(&self) -> impl Iterator<Item = f32> + '_ {
        self.running_var.iter().map(move |v| 1.0 / (v + self.eps).sqrt())
    }

    /// The per-channel affine map `(scale, shift)` the layer computes: `y = x * scale + shift`.
    pub fn scale_shift(&self) -> (Vec<f32>, Vec<f32>) {
        let scale: Vec<f32> = self.weight.iter().zip(self.inv_std()).map(|(g, s)| g * s).collect();
        let shift = self.bias.iter().zip(&self.running_mean).zip(&scale).map(|((b, m), s)| b - m * s).collect();
        (scale, shift)
    }

    pub(super) fn forward(&self, x: &[f32], y: &mut [f32]) {
        let (scale, shift) = self.scale_shift();
        let plane = x.len() / self.channels().max(1);
        for (c, (dst, src)) in y.chunks_exact_mut(plane).zip(x.chunks_exact(plane)).enumerate() {
            let (s, t) = (scale[c], shift[c]);
            dst.iter_mut().zip(src).for_each(|(d, &v)| *d = v * s + t);
        }
    }

    /// gx = gy * scale; gamma's gradient `sum gy * (x - mean) / sqrt(var + eps)` and beta's
    /// `sum gy` per channel are added to `grads` when given.
    pub(super) fn backward(&self, x: &[f32], gy: &[f32], gx: &mut [f32], grads: Option<&mut ParamGrads>) {
        let (scale, _) = self.scale_shift();
        let plane = x.len() / self.channels().max(1);
        for (c, (dst, g)) in gx.chunks_exact_mut(plane).zip(gy.chunks_exact(plane)).enumerate() {
            let s = scale[c];
            dst.iter_mut().zip(g).for_each(|(d, &v)| *d = v * s);
        }
        if let Some(pg) = grads {
            let inv: Vec<f32> = self.inv_std().collect();
            for (c, (xs, g)) in x.chunks_exact(plane).zip(gy.chunks_exact(plane)).enumerate() {
                let m = self.running_mean[c];
                let dot: f32 = xs.iter().zip(g).map(|(&x, &g)| g * (x - m)).sum();
                pg.weight[c] += dot * inv[c];
                if let Some(b) = pg.bias.as_mut() {
                    b[c] += g.iter().sum::<f32>();
                }
            }
        }
    }
}
