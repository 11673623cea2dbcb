//! Activation maximization: gradient ascent to maximize a [`Target`], with the regularizers that
//! keep the image readable. On small greyscale models: pixels with L2 decay, total variation,
//! jitter, periodic blur and clipping to [0, 1]. On colour models (Olah et al., "Feature
//! Visualization", 2017): a Fourier parameterization in a decorrelated colour space
//! ([`super::param`]) and random shifts, rescaling and rotation each step
//! ([`super::transform`]), the gradient flowing back through all of them. Deterministic for a
//! given seed.
//!
//! A [`Maximizer`] shares its model (an [`Rc`]): it owns only its own run state (the image, the
//! optimizer's moments, the work buffers and the last forward pass's activations), so the layer
//! atlas's one maximizer per channel costs no copy of the weights. A shared model is never
//! changed in place (nothing in the crate takes `&mut Model` out of an `Rc`): a maximizer keeps
//! the model it was made for, whatever its maker loads next.

use std::rc::Rc;

use super::image::{blur, tv_and_gradient};
use super::param::Param;
pub use super::param::ParamKind;
use super::target::Target;
use super::transform::{Draw, Transforms, Warp};
use crate::bail;
use crate::error::Result;
use crate::model::{Activations, InputSpec, Model};
use crate::rng::Rng;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Init {
    /// Plain pixels: uniform noise in [0.4, 0.6]; other parameterizations: normal noise on their
    /// numbers, scaled to about the same image noise (grey with faint noise).
    Noise,
    /// All numbers 0: black for plain pixels, grey (0.5) for the sigmoid parameterizations.
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

/// The most steps one maximization (the `steps` option) or one `step(n)` call may run.
pub const MAX_STEPS: usize = 100_000;

/// Options; [`Default`] gives readable images on the shipped (greyscale) models,
/// [`MaximizeOptions::for_input`] the defaults of any model.
#[derive(Clone, Debug, PartialEq)]
pub struct MaximizeOptions {
    pub steps: usize,
    pub learning_rate: f32,
    pub optimizer: Optimizer,
    /// Weight of the penalty `l2 * sum(x^2)` on the image (pulls towards black).
    pub l2: f32,
    /// Weight of the squared total variation of the image (smoothness).
    pub tv: f32,
    /// Each step the image is shifted by up to this many pixels (circularly) before the gradient.
    pub jitter: usize,
    /// Blur with `blur_sigma` every `blur_every` steps (0: never). Plain pixels only.
    pub blur_every: usize,
    pub blur_sigma: f32,
    pub init: Init,
    pub seed: u64,
    /// What is optimized: pixels or a Fourier spectrum.
    pub param: ParamKind,
    /// Colours in Lucid's decorrelated ImageNet colour space (3-channel models).
    pub decorrelate: bool,
    /// Each step the image is rescaled by a factor drawn from [min, max] ...
    pub scale: (f32, f32),
    /// ... and rotated by up to this many degrees either way.
    pub rotate: f32,
    /// Grey border (pixels) around the periodic image that shifts, rescaling and rotation reveal.
    pub pad: usize,
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
            param: ParamKind::Pixel,
            decorrelate: false,
            scale: (1.0, 1.0),
            rotate: 0.0,
            pad: 0,
        }
    }
}

impl MaximizeOptions {
    /// The defaults for a model's input. Colour (3 channels) at 64 px or more: Lucid's recipe,
    /// a decorrelated Fourier image with jitter of 1/16 of the side, rescaling by 0.9-1.1 and
    /// rotation by up to 10 degrees, no L2, TV or blur, 256 steps. Anything else: [`Default`].
    pub fn for_input(input: &InputSpec) -> MaximizeOptions {
        let side = input.height.min(input.width);
        if input.channels != 3 || side < 64 {
            return MaximizeOptions::default();
        }
        MaximizeOptions {
            steps: 256,
            l2: 0.0,
            tv: 0.0,
            jitter: (side + 8) / 16,
            blur_every: 0,
            param: ParamKind::Fourier,
            decorrelate: true,
            scale: (0.9, 1.1),
            rotate: 10.0,
            ..MaximizeOptions::default()
        }
    }

    fn transforms(&self) -> Transforms {
        Transforms { jitter: self.jitter, scale: self.scale, rotate: self.rotate, pad: self.pad }
    }
}

/// A running maximization: `step(n)` advances it, `image()` shows where it is.
pub struct Maximizer {
    /// The model, shared with whoever made the maximizer (never mutated: see the module docs).
    model: Rc<Model>,
    target: Target,
    opts: MaximizeOptions,
    transforms: Transforms,
    param: Param,
    /// The current image (`param` rendered).
    image: Vec<f32>,
    m: Vec<f32>,
    v: Vec<f32>,
    t: i32,
    rng: Rng,
    /// Work buffers: this step's transform, the model's input, gradients of the image and of the
    /// numbers.
    warp: Warp,
    input: Vec<f32>,
    grad_image: Vec<f32>,
    grad: Vec<f32>,
    /// The last forward pass's activations, whose tensors the next pass writes into.
    acts: Option<Activations>,
    /// The target's value in the last step's forward pass.
    last_value: Option<f32>,
    /// The target on the input of its activation, for steps where the activation passes no
    /// gradient (see [`Target::redirected`]).
    redirect: Option<Target>,
}

impl Maximizer {
    /// A maximization of `target` on `model` (shared, not copied). `start` is used for
    /// [`Init::Input`] (raw input, CHW, in [0, 1]).
    pub fn new(model: Rc<Model>, target: Target, opts: MaximizeOptions, start: Option<&[f32]>) -> Result<Maximizer> {
        let spec = &model.input;
        let n = spec.len();
        if !(opts.learning_rate.is_finite() && opts.learning_rate > 0.0) {
            bail!("learningRate must be a positive number");
        }
        for (name, v) in [("l2", opts.l2), ("tv", opts.tv), ("blurSigma", opts.blur_sigma)] {
            if !(v.is_finite() && v >= 0.0) {
                bail!("{name} must be a number >= 0");
            }
        }
        // Each blur costs O(sigma) per pixel: a cap keeps one step from running for minutes.
        if opts.blur_sigma > 64.0 {
            bail!("blurSigma must be at most 64 pixels");
        }
        if opts.steps > MAX_STEPS {
            bail!("steps must be at most {MAX_STEPS}");
        }
        let (lo, hi) = opts.scale;
        if !(lo.is_finite() && hi.is_finite() && 0.25 <= lo && lo <= hi && hi <= 4.0) {
            bail!("scale must be [min, max] with 0.25 <= min <= max <= 4");
        }
        if !(opts.rotate.is_finite() && (0.0..=180.0).contains(&opts.rotate)) {
            bail!("rotate must be a number of degrees from 0 to 180");
        }
        if opts.pad > 256 {
            bail!("pad must be at most 256 pixels");
        }
        let mut param = Param::new(opts.param, opts.decorrelate, (spec.channels, spec.height, spec.width))?;
        if opts.blur_every > 0 && !param.is_clipped() {
            bail!("blurEvery applies to plain pixels only (param \"pixel\" without decorrelate): set it to 0");
        }
        let mut rng = Rng::new(opts.seed);
        match opts.init {
            Init::Noise => param.init_noise(&mut rng),
            Init::Zeros => {}
            Init::Input => match start {
                Some(s) if s.len() == n => param.init_from(s),
                Some(s) => bail!("the start image has {} values, the model takes {n}", s.len()),
                None => bail!("init \"input\" needs a current input: run the model first"),
            },
        }
        let mut image = vec![0.0; n];
        param.render(&mut image);
        let len = param.values.len();
        Ok(Maximizer {
            transforms: opts.transforms(),
            opts,
            param,
            image,
            m: vec![0.0; len],
            v: vec![0.0; len],
            t: 0,
            rng,
            warp: Warp::new((spec.channels, spec.height, spec.width), &Transforms::default(), &Draw::IDENTITY),
            input: vec![0.0; n],
            grad_image: vec![0.0; n],
            grad: vec![0.0; len],
            acts: None,
            last_value: None,
            redirect: target.redirected(&model),
            target,
            model,
        })
    }

    /// The model this maximizer runs on.
    pub fn model(&self) -> &Rc<Model> {
        &self.model
    }

    fn shape(&self) -> (usize, usize, usize) {
        let i = &self.model.input;
        (i.channels, i.height, i.width)
    }

    /// Runs `n` more steps; returns the target's value on the image as it is now (one forward pass
    /// more than the steps themselves; [`Maximizer::advance`] reports without it).
    pub fn step(&mut self, n: usize) -> Result<f32> {
        self.run_steps(n)?;
        self.value()
    }

    /// Runs `n` more steps; returns the target's value as the last of them measured it: on the
    /// image that step started from, through that step's random transforms (jitter, scale,
    /// rotate), before its update. That costs nothing extra, where [`Maximizer::step`]'s exact
    /// value costs a forward pass (a third of a MobileNetV2 step): for a live view that plots
    /// every few steps. With `n == 0` (or before any step) it is the exact value.
    pub fn advance(&mut self, n: usize) -> Result<f32> {
        self.run_steps(n)?;
        match self.last_value {
            Some(v) if n > 0 => Ok(v),
            _ => self.value(),
        }
    }

    fn run_steps(&mut self, n: usize) -> Result<()> {
        let shape = self.shape();
        for _ in 0..n {
            self.t += 1;
            let draw = self.transforms.draw(&mut self.rng);
            self.objective_and_gradient(&draw)?;
            let g = std::mem::take(&mut self.grad);
            self.apply(&g);
            self.grad = g;
            if self.param.is_clipped() {
                if self.opts.blur_every > 0 && (self.t as usize).is_multiple_of(self.opts.blur_every) {
                    blur(&mut self.param.values, shape, self.opts.blur_sigma);
                }
                self.param.values.iter_mut().for_each(|v| *v = v.clamp(0.0, 1.0));
            }
            self.param.render(&mut self.image);
        }
        Ok(())
    }

    /// The regularized objective `target(warp(image)) - l2 sum(image^2) - tv TV(image)` for one
    /// draw of the transforms, and (in [`Maximizer::gradient`]) its gradient with respect to the
    /// optimized numbers, through the transforms and the parameterization.
    pub fn objective_and_gradient(&mut self, draw: &Draw) -> Result<f32> {
        let shape = self.shape();
        self.warp.set(&self.transforms, draw);
        self.warp.apply(&self.image, &mut self.input);
        let (value, mut g) = self.target.value_and_gradient_reusing(&self.model, &self.input, &mut self.acts)?;
        self.last_value = Some(value);
        // Nothing flows back through the target's activation (it cuts off every position the
        // objective reads): follow the gradient of its input instead, which raises the channel
        // towards where the activation lets it through (Lucid's redirected relu).
        if g.iter().all(|&v| v == 0.0) {
            if let (Some(pre), Some(acts)) = (&self.redirect, &self.acts) {
                g = pre.gradient(&self.model, acts)?;
            }
        }
        self.warp.adjoint(g.as_slice().expect("contiguous"), &mut self.grad_image);
        let (l2, tv) = (self.opts.l2, self.opts.tv);
        let mut penalty = 0.0;
        if l2 > 0.0 {
            for (gi, xi) in self.grad_image.iter_mut().zip(&self.image) {
                *gi -= 2.0 * l2 * xi;
                penalty += l2 * xi * xi;
            }
        }
        if tv > 0.0 {
            penalty += tv * tv_and_gradient(&self.image, shape, -tv, &mut self.grad_image);
        }
        self.param.backward(&self.image, &mut self.grad_image, &mut self.grad);
        Ok(value - penalty)
    }

    /// The regularized objective alone (see [`Maximizer::objective_and_gradient`]).
    pub fn objective(&mut self, draw: &Draw) -> Result<f32> {
        let shape = self.shape();
        self.warp.set(&self.transforms, draw);
        self.warp.apply(&self.image, &mut self.input);
        let value = self.target.value_of(&self.model, &self.input)?;
        let l2: f32 = self.opts.l2 * self.image.iter().map(|x| x * x).sum::<f32>();
        let tv = if self.opts.tv > 0.0 {
            self.opts.tv * tv_and_gradient(&self.image, shape, 0.0, &mut self.grad_image)
        } else {
            0.0
        };
        Ok(value - l2 - tv)
    }

    /// The gradient of the last [`Maximizer::objective_and_gradient`] with respect to the numbers.
    pub fn gradient(&self) -> &[f32] {
        &self.grad
    }

    /// The optimized numbers (pixels, or Fourier coefficients).
    pub fn params(&self) -> &[f32] {
        &self.param.values
    }

    /// Sets the optimized numbers (and renders the image).
    pub fn set_params(&mut self, values: &[f32]) {
        self.param.values.copy_from_slice(values);
        self.param.render(&mut self.image);
    }

    fn apply(&mut self, g: &[f32]) {
        let lr = self.opts.learning_rate;
        let x = &mut self.param.values;
        match self.opts.optimizer {
            Optimizer::Adam => {
                let (b1, b2) = (0.9f32, 0.999f32);
                let c1 = 1.0 - b1.powi(self.t);
                let c2 = 1.0 - b2.powi(self.t);
                for (((x, g), m), v) in x.iter_mut().zip(g).zip(&mut self.m).zip(&mut self.v) {
                    *m = b1 * *m + (1.0 - b1) * g;
                    *v = b2 * *v + (1.0 - b2) * g * g;
                    *x += lr * (*m / c1) / ((*v / c2).sqrt() + 1e-8);
                }
            }
            Optimizer::Normalized => {
                let rms = (g.iter().map(|v| v * v).sum::<f32>() / g.len() as f32).sqrt();
                if rms > 0.0 {
                    x.iter_mut().zip(g).for_each(|(x, gi)| *x += lr * gi / rms);
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
