//! Training in the engine: the [`Trainer`] behind the JS `Trainer` (docs/js-api.md) and the native
//! `./build.sh train`. Minibatch steps of softmax cross-entropy on the class scores
//! ([`loss::ClassScores`]) in training mode ([`batch`]), updated by SGD or Adam as PyTorch applies
//! them ([`optim`]), from weights initialized as PyTorch initializes them ([`init`]) or a model file.
//!
//! - [`options`]: the options object and the settings in force.
//! - [`examples`]: labelled examples as `setData` and `evaluate` take them.
//! - [`loss`]: the class scores, cross-entropy and evaluation.

pub mod batch;
pub mod examples;
pub mod init;
pub mod loss;
pub mod optim;
pub mod options;

use crate::architecture::Architecture;
use crate::bail;
use crate::error::Result;
use crate::model::{Gradients, Model, MAX_ACTIVATIONS};
use crate::rng::Rng;
use batch::Passes;
use examples::Examples;
pub use loss::argmax;
use loss::{ClassScores, Evaluation};
use optim::Optimizer;
use options::{Settings, TrainOptions};

/// What [`Trainer::step`] reports.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepReport {
    /// The mean of the steps' batch losses.
    pub loss: f64,
    /// The fraction of the steps' examples the training-mode scores classify right.
    pub accuracy: f64,
    /// Steps taken so far, these included.
    pub steps: usize,
    /// Completed passes over the data.
    pub epoch: usize,
}

/// The training data, normalized once, and where the current pass over it is.
#[derive(Default)]
struct Data {
    /// The examples' inputs with the model's mean/std normalization applied.
    normalized: Vec<f32>,
    labels: Vec<u32>,
    count: usize,
    /// This pass's order of the examples and how far the pass has come.
    order: Vec<usize>,
    position: usize,
    epoch: usize,
}

/// A model being trained, with its optimizer, data and generators.
pub struct Trainer {
    model: Model,
    scores: ClassScores,
    settings: Settings,
    optimizer: Optimizer,
    data: Option<Data>,
    steps: usize,
    /// Draws each pass's order.
    order_rng: Rng,
    /// Draws the dropout masks.
    dropout_rng: Rng,
    passes: Passes,
    grads: Gradients,
    /// The parameters before the update in progress (restored when it diverges).
    backup: Vec<f32>,
    batch: Vec<u32>,
}

/// The dropout generator's seed is the seed's, offset: the two streams never coincide.
const DROPOUT_STREAM: u64 = 0x5EED_D409_5EED_D409;

impl Trainer {
    /// A trainer of a new model of `arch`, initialized from the options' seed.
    pub fn from_architecture(arch: &Architecture, options: &TrainOptions) -> Result<Trainer> {
        let settings = Settings::default().with(options)?;
        Trainer::new(init::initialized(arch, settings.seed)?, settings)
    }

    /// A trainer continuing to train `model` (a loaded model file).
    pub fn from_model(model: Model, options: &TrainOptions) -> Result<Trainer> {
        Trainer::new(model, Settings::default().with(options)?)
    }

    fn new(model: Model, settings: Settings) -> Result<Trainer> {
        let scores = ClassScores::of(&model)?;
        if model.params() == 0 {
            bail!("the model has no parameters to train (add conv2d or linear layers)");
        }
        Ok(Trainer {
            optimizer: Optimizer::new(settings.optimizer, &model),
            grads: model.zero_grads(),
            order_rng: Rng::new(settings.seed),
            dropout_rng: Rng::new(settings.seed ^ DROPOUT_STREAM),
            model,
            scores,
            settings,
            data: None,
            steps: 0,
            passes: Passes::default(),
            backup: Vec::new(),
            batch: Vec::new(),
        })
    }

    /// Applies options: a new optimizer starts with fresh state (the same one keeps its state
    /// under a new learning rate, momentum or weight decay); a seed re-seeds the order of the
    /// examples and dropout from the next step; a batch size applies from the next batch, and
    /// `shuffle` from the next pass. An error changes nothing.
    pub fn set_options(&mut self, options: &TrainOptions) -> Result<()> {
        let settings = self.settings.with(options)?;
        if settings.optimizer != self.optimizer.kind() {
            self.optimizer = Optimizer::new(settings.optimizer, &self.model);
        }
        if options.seed.is_some() {
            self.order_rng = Rng::new(settings.seed);
            self.dropout_rng = Rng::new(settings.seed ^ DROPOUT_STREAM);
        }
        self.settings = settings;
        Ok(())
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Sets the training data (raw inputs in [0, 1], CHW, laid end to end, and a class index
    /// each); the next step starts a first pass over it.
    pub fn set_data(&mut self, inputs: Vec<f32>, labels: &[f64], count: usize) -> Result<()> {
        let examples = Examples::new(&self.model, self.scores.classes, inputs, labels, count)?;
        let mut normalized = Vec::with_capacity(examples.inputs.len());
        for i in 0..count {
            normalized.extend(self.model.normalize(examples.input(i))?.iter());
        }
        self.data = Some(Data { normalized, labels: examples.labels, count, ..Data::default() });
        Ok(())
    }

    /// Runs `n` minibatch steps.
    pub fn step(&mut self, n: usize) -> Result<StepReport> {
        if n == 0 {
            bail!("step(n): n must be at least 1");
        }
        if self.data.is_none() {
            bail!("no training data: call setData(images, labels, count) first");
        }
        let per_example =
            self.model.input.len() + self.model.layers.iter().map(|l| l.output_shape.len()).sum::<usize>();
        let batch = self.settings.batch_size;
        if batch.saturating_mul(per_example) > MAX_ACTIVATIONS {
            bail!(
                "batchSize {batch} needs {batch} * {per_example} activation values, over the {MAX_ACTIVATIONS} limit: \
                 use a batch of at most {}",
                (MAX_ACTIVATIONS / per_example).max(1)
            );
        }
        let (mut loss, mut right, mut seen) = (0f64, 0usize, 0usize);
        for _ in 0..n {
            let (l, r, m) = self.one_step()?;
            loss += l as f64;
            right += r;
            seen += m;
        }
        let epoch = self.data.as_ref().map_or(0, |d| d.epoch);
        Ok(StepReport { loss: loss / n as f64, accuracy: right as f64 / seen as f64, steps: self.steps, epoch })
    }

    /// One step: the next batch forward and backward, the update; (loss, right, batch size).
    fn one_step(&mut self) -> Result<(f32, usize, usize)> {
        let data = self.data.as_mut().expect("step checks for data");
        if data.position == 0 {
            data.order.clear();
            data.order.extend(0..data.count);
            if self.settings.shuffle {
                self.order_rng.shuffle(&mut data.order);
            }
        }
        let end = (data.position + self.settings.batch_size).min(data.count);
        let idx = &data.order[data.position..end];
        let size = self.model.input.len();
        self.batch.clear();
        self.batch.extend(idx.iter().map(|&e| data.labels[e]));
        let normalized = &data.normalized;
        self.passes.forward(&self.model, idx.len(), |b| &normalized[idx[b] * size..][..size], &mut self.dropout_rng)?;
        self.grads.0.iter_mut().flatten().for_each(|g| {
            g.weight.fill(0.0);
            if let Some(b) = g.bias.as_mut() {
                b.fill(0.0);
            }
        });
        let (loss, right) = self.passes.backward(&self.model, self.scores, &self.batch, &mut self.grads)?;
        let at = self.steps + 1;
        let lr = self.settings.learning_rate();
        let diverged = |what: &str| {
            crate::error::Error(format!(
                "training diverged at step {at}: {what} (learning rate {lr}); the weights of the last finite step are kept"
            ))
        };
        if !loss.is_finite() {
            return Err(diverged(&format!("the loss is {loss}")));
        }
        if !self.grads.0.iter().flatten().all(|g| g.weight.iter().chain(g.bias.iter().flatten()).all(|v| v.is_finite()))
        {
            return Err(diverged("a gradient is not finite"));
        }
        self.backup.clear();
        for l in &self.model.layers {
            if let Some((w, _, b)) = l.parameters() {
                self.backup.extend_from_slice(w);
                self.backup.extend_from_slice(b.unwrap_or(&[]));
            }
        }
        self.optimizer.update(&mut self.model, &self.grads, &self.settings);
        let finite = self
            .model
            .layers
            .iter()
            .filter_map(|l| l.parameters())
            .all(|(w, _, b)| w.iter().chain(b.unwrap_or(&[])).all(|v| v.is_finite()));
        if !finite {
            let mut from = &self.backup[..];
            for l in &mut self.model.layers {
                if let Some((w, b)) = l.params_mut() {
                    let (head, rest) = from.split_at(w.len());
                    w.copy_from_slice(head);
                    from = rest;
                    if let Some(b) = b {
                        let (head, rest) = from.split_at(b.len());
                        b.copy_from_slice(head);
                        from = rest;
                    }
                }
            }
            return Err(diverged("the update made a weight infinite"));
        }
        self.passes.update_running_statistics(&mut self.model);
        self.steps += 1;
        let data = self.data.as_mut().expect("step checks for data");
        let taken = end - data.position;
        data.position = end;
        if data.position == data.count {
            data.position = 0;
            data.epoch += 1;
        }
        Ok((loss, right, taken))
    }

    /// The training-mode loss of the examples `idx` of the data (as one batch) and the gradient
    /// of every parameter, without updating anything but the passes' buffers. Dropout draws its
    /// masks from a generator seeded afresh from the seed, so two calls see the same masks (for
    /// gradient checks by finite differences).
    pub fn batch_gradients(&mut self, idx: &[usize]) -> Result<(f32, Gradients)> {
        let Some(data) = &self.data else { bail!("no training data: call setData(images, labels, count) first") };
        if idx.is_empty() || idx.iter().any(|&i| i >= data.count) {
            bail!("batch_gradients: the examples must be a non-empty list of indices below {}", data.count);
        }
        let size = self.model.input.len();
        let labels: Vec<u32> = idx.iter().map(|&i| data.labels[i]).collect();
        let mut rng = Rng::new(self.settings.seed ^ DROPOUT_STREAM);
        let normalized = &data.normalized;
        self.passes.forward(&self.model, idx.len(), |b| &normalized[idx[b] * size..][..size], &mut rng)?;
        let mut grads = self.model.zero_grads();
        let (loss, _) = self.passes.backward(&self.model, self.scores, &labels, &mut grads)?;
        Ok((loss, grads))
    }

    /// Layer `layer`'s parameters (weight, bias) to change in place (gradient checks), or None
    /// for a layer without any; the model's structure stays out of reach.
    pub fn params_mut(&mut self, layer: usize) -> Option<(&mut [f32], Option<&mut [f32]>)> {
        self.model.layers.get_mut(layer)?.params_mut()
    }

    /// The model's loss, accuracy, confusion matrix and predictions on labelled examples, in
    /// inference mode.
    pub fn evaluate(&self, inputs: Vec<f32>, labels: &[f64], count: usize) -> Result<Evaluation> {
        evaluate(&self.model, inputs, labels, count)
    }

    /// The model as trained so far (inference mode: what `explorer()` and `toBytes()` give).
    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn steps_taken(&self) -> usize {
        self.steps
    }
}

/// [`loss::evaluate`] of `model` on raw examples, checked.
pub fn evaluate(model: &Model, inputs: Vec<f32>, labels: &[f64], count: usize) -> Result<Evaluation> {
    let scores = ClassScores::of(model)?;
    loss::evaluate(model, &Examples::new(model, scores.classes, inputs, labels, count)?)
}
