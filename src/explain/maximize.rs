//! Activation maximization: gradient ascent on the input image to maximize a [`Target`], with
//! regularizers that keep the image readable (L2 decay, total variation, jitter, periodic blur,
//! clipping to [0, 1]). Deterministic for a given seed.

use super::image::{blur, roll, tv_and_gradient};
use super::target::Target;
use crate::bail;
use crate::error::Result;
use crate::model::Model;
use crate::rng::Rng;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Init {
    /// Uniform noise in [0.4, 0.6].
    Noise,
    Zeros,
    /// The input the caller gives (the explorer's current input).
    Input,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Optimizer {
    Adam,
    /// x += lr * g / rms(g): steps of a fixed size whatever the gradient's scale.
    Normalized,
}

/// Options; [`Default`] gives readable images on the shipped models.
#[derive(Clone, Debug, PartialEq)]
pub struct MaximizeOptions {
    pub steps: usize,
    pub learning_rate: f32,
    pub optimizer: Optimizer,
    /// Weight of the penalty `l2 * sum(x^2)` (pulls towards black).
    pub l2: f32,
    /// Weight of the squared total variation (smoothness).
    pub tv: f32,
    /// Each step the image is shifted by up to this many pixels (circularly) before the gradient.
    pub jitter: usize,
    /// Blur with `blur_sigma` every `blur_every` steps (0: never).
    pub blur_every: usize,
    pub blur_sigma: f32,
    pub init: Init,
    pub seed: u64,
}

impl Default for MaximizeOptions {
    fn default() -> Self {
        MaximizeOptions {
            steps: 128,
            learning_rate: 0.05,
            optimizer: Optimizer::Adam,
            l2: 1e-3,
            tv: 5e-3,
            jitter: 1,
            blur_every: 4,
            blur_sigma: 0.5,
            init: Init::Noise,
            seed: 0,
        }
    }
}

/// A running maximization: `step(n)` advances it, `image()` shows where it is.
pub struct Maximizer {
    model: Model,
    target: Target,
    opts: MaximizeOptions,
    image: Vec<f32>,
    m: Vec<f32>,
    v: Vec<f32>,
    t: i32,
    rng: Rng,
}

impl Maximizer {
    /// `start` is used for [`Init::Input`] (raw input, CHW, in [0, 1]).
    pub fn new(model: &Model, target: Target, opts: MaximizeOptions, start: Option<&[f32]>) -> Result<Maximizer> {
        let n = model.input.len();
        if !(opts.learning_rate.is_finite() && opts.learning_rate > 0.0) {
            bail!("learningRate must be a positive number");
        }
        for (name, v) in [("l2", opts.l2), ("tv", opts.tv), ("blurSigma", opts.blur_sigma)] {
            if !(v.is_finite() && v >= 0.0) {
                bail!("{name} must be a number >= 0");
            }
        }
        if opts.steps > 100_000 {
            bail!("steps must be at most 100000");
        }
        let mut rng = Rng::new(opts.seed);
        let image = match opts.init {
            Init::Noise => (0..n).map(|_| 0.4 + 0.2 * rng.unit()).collect(),
            Init::Zeros => vec![0.0; n],
            Init::Input => match start {
                Some(s) if s.len() == n => s.iter().map(|v| v.clamp(0.0, 1.0)).collect(),
                Some(s) => bail!("the start image has {} values, the model takes {n}", s.len()),
                None => bail!("init \"input\" needs a current input: run the model first"),
            },
        };
        Ok(Maximizer { model: model.clone(), target, opts, m: vec![0.0; n], v: vec![0.0; n], image, t: 0, rng })
    }

    /// Runs `n` more steps; returns the objective on the current image afterwards.
    pub fn step(&mut self, n: usize) -> Result<f32> {
        let i = &self.model.input;
        let shape = (i.channels, i.height, i.width);
        for _ in 0..n {
            self.t += 1;
            let j = self.opts.jitter as isize;
            let (dy, dx) = if j > 0 {
                (self.rng.below(2 * j as usize + 1) as isize - j, self.rng.below(2 * j as usize + 1) as isize - j)
            } else {
                (0, 0)
            };
            let shifted = roll(&self.image, shape, dy, dx);
            let (_, g) = self.target.value_and_gradient(&self.model, &shifted)?;
            // Ascent direction: objective gradient (shifted back) minus regularizer gradients.
            let mut g = roll(g.as_slice().expect("contiguous"), shape, -dy, -dx);
            for (gi, xi) in g.iter_mut().zip(&self.image) {
                *gi -= 2.0 * self.opts.l2 * xi;
            }
            if self.opts.tv > 0.0 {
                tv_and_gradient(&self.image, shape, -self.opts.tv, &mut g);
            }
            self.apply(&g);
            if self.opts.blur_every > 0 && (self.t as usize).is_multiple_of(self.opts.blur_every) {
                blur(&mut self.image, shape, self.opts.blur_sigma);
            }
            self.image.iter_mut().for_each(|v| *v = v.clamp(0.0, 1.0));
        }
        self.value()
    }

    fn apply(&mut self, g: &[f32]) {
        let lr = self.opts.learning_rate;
        match self.opts.optimizer {
            Optimizer::Adam => {
                let (b1, b2) = (0.9f32, 0.999f32);
                let c1 = 1.0 - b1.powi(self.t);
                let c2 = 1.0 - b2.powi(self.t);
                for (((x, m), v), &gk) in self.image.iter_mut().zip(&mut self.m).zip(&mut self.v).zip(g) {
                    *m = b1 * *m + (1.0 - b1) * gk;
                    *v = b2 * *v + (1.0 - b2) * gk * gk;
                    *x += lr * (*m / c1) / ((*v / c2).sqrt() + 1e-8);
                }
            }
            Optimizer::Normalized => {
                let rms = (g.iter().map(|v| v * v).sum::<f32>() / g.len() as f32).sqrt();
                if rms > 0.0 {
                    self.image.iter_mut().zip(g).for_each(|(x, gi)| *x += lr * gi / rms);
                }
            }
        }
    }

    /// The objective on the current image.
    pub fn value(&self) -> Result<f32> {
        self.target.value_of(&self.model, &self.image)
    }

    /// The current image: raw input, CHW, in [0, 1].
    pub fn image(&self) -> &[f32] {
        &self.image
    }

    /// Steps taken so far.
    pub fn steps_taken(&self) -> usize {
        self.t as usize
    }

    /// Steps the options asked for.
    pub fn steps_planned(&self) -> usize {
        self.opts.steps
    }
}
