//! What a gradient is taken of: the mean of one channel of a layer, or one unit of a layer's
//! flattened output.
//!
//! - A softmax layer is never a target: its input (the logits) is used instead, so a class score
//!   is always the logit, never the probability.
//! - A channel of a conv layer that an activation follows means the channel after that activation
//!   (the conv block's feature map, as Keras and Lucid read "conv activations"): the activation is
//!   a relu, relu6, clip or hardswish that alone reads the conv, or that alone reads a
//!   batchnorm2d that alone reads the conv (MobileNet's conv -> batchnorm -> relu6 block). Before
//!   the activation, a channel's mean is a linear function of the image, whose maximum is a flat
//!   white or black image, which shows nothing. A unit (one position) of the conv layer is taken
//!   at the conv itself, before batchnorm and activation.

use crate::bail;
use crate::error::Result;
use crate::layers::{LayerKind, Source, Tensor};
use crate::model::{Activations, Model};

#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// The layer whose output the objective reads (never a softmax).
    pub layer: usize,
    /// d(objective)/d(layer output): the objective is `sum(seed * output)`.
    pub seed: Tensor,
}

impl Target {
    /// `channel` selects a channel's mean, `unit` one flat index (a class for the last layer).
    /// Exactly one must be given.
    pub fn new(model: &Model, layer: usize, channel: Option<usize>, unit: Option<usize>) -> Result<Target> {
        if layer >= model.layers.len() {
            bail!("layer {layer} does not exist (the model has {} layers)", model.layers.len());
        }
        let layer = logit_layer(model, layer);
        let seed = match (channel, unit) {
            (Some(c), None) => {
                let layer = after_relu(model, layer);
                return Ok(Target { layer, seed: model.channel_mean_seed(layer, c)? });
            }
            (None, Some(u)) => model.unit_seed(layer, u)?,
            (Some(_), Some(_)) => bail!("give either a channel or a unit, not both"),
            (None, None) => bail!("give a channel (for a channel's mean) or a unit (one output value)"),
        };
        Ok(Target { layer, seed })
    }

    /// The target one layer down when this one reads an activation (relu, relu6, clip, hardswish)
    /// of a layer: the same seed on the activation's input. [`crate::explain::Maximizer`] uses
    /// it when no gradient flows through the activation (every position of the target channel
    /// cut off, as on a plain start image for a deep channel): Lucid's "redirected relu".
    pub fn redirected(&self, model: &Model) -> Option<Target> {
        let l = &model.layers[self.layer];
        let is_activation =
            matches!(l.kind, LayerKind::Relu | LayerKind::Relu6 | LayerKind::Clip { .. } | LayerKind::Hardswish);
        match l.inputs[..] {
            [Source::Layer(j)] if is_activation && model.layers[j].output_shape == l.output_shape => {
                Some(Target { layer: j, seed: self.seed.clone() })
            }
            _ => None,
        }
    }

    /// The score of class `class`: its logit when the model ends in softmax, else its output.
    pub fn class(model: &Model, class: usize) -> Result<Target> {
        Target::new(model, model.layers.len() - 1, None, Some(class))
    }

    /// The objective's value on a forward pass.
    pub fn value(&self, acts: &Activations) -> f32 {
        let (out, seed) = (&acts.outputs[self.layer], &self.seed);
        match (out.as_slice(), seed.as_slice()) {
            // Slices (the engine's tensors are contiguous): ndarray's element iterator took a fifth
            // of a maximization step on large inputs.
            (Some(a), Some(s)) => a.iter().zip(s).map(|(a, s)| a * s).sum(),
            _ => out.iter().zip(seed.iter()).map(|(a, s)| a * s).sum(),
        }
    }

    /// The objective on a raw input (a forward pass up to the target's layer).
    pub fn value_of(&self, model: &Model, raw: &[f32]) -> Result<f32> {
        Ok(self.value(&model.forward_to(raw, self.layer)?))
    }

    /// Forward pass (up to the target's layer), objective value and its gradient with respect to
    /// the raw input.
    pub fn value_and_gradient(&self, model: &Model, raw: &[f32]) -> Result<(f32, Tensor)> {
        self.value_and_gradient_reusing(model, raw, &mut None)
    }

    /// [`Target::value_and_gradient`] with the forward pass written into `spare` (see
    /// [`Model::forward_reusing`]), which holds this pass's activations afterwards.
    pub fn value_and_gradient_reusing(
        &self,
        model: &Model,
        raw: &[f32],
        spare: &mut Option<Activations>,
    ) -> Result<(f32, Tensor)> {
        let acts = model.forward_reusing(raw, self.layer, spare)?;
        let result = (self.value(&acts), self.gradient(model, &acts)?);
        *spare = Some(acts);
        Ok(result)
    }

    /// The objective's gradient with respect to the raw input, from a forward pass that reached
    /// the target's layer.
    pub fn gradient(&self, model: &Model, acts: &Activations) -> Result<Tensor> {
        model.backward(acts, self.layer, &self.seed, None)
    }
}

/// `layer`, or the activation after it when `layer` is a conv2d whose output only that activation
/// reads (a relu, relu6, clip or hardswish), directly or through a batchnorm2d that is the conv's
/// only reader and the activation's only input.
fn after_relu(model: &Model, layer: usize) -> usize {
    if !matches!(model.layers[layer].kind, LayerKind::Conv2d(_)) {
        return layer;
    }
    let only_reader = |i: usize| match model.consumers(i)[..] {
        [next] => Some(next),
        _ => None,
    };
    let Some(mut next) = only_reader(layer) else {
        return layer;
    };
    if matches!(model.layers[next].kind, LayerKind::BatchNorm2d(_)) {
        match only_reader(next) {
            Some(after) => next = after,
            None => return layer,
        }
    }
    let activation = matches!(
        model.layers[next].kind,
        LayerKind::Relu | LayerKind::Relu6 | LayerKind::Clip { .. } | LayerKind::Hardswish
    );
    if activation {
        next
    } else {
        layer
    }
}

/// `layer`, or the layer feeding it when it is a softmax (its input is the logits).
fn logit_layer(model: &Model, layer: usize) -> usize {
    match (&model.layers[layer].kind, &model.layers[layer].inputs[..]) {
        (LayerKind::Softmax, &[Source::Layer(j)]) => j,
        _ => layer,
    }
}
