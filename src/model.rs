//! The sequential model: input normalization, then layers in order. It keeps every layer's
//! output from the last forward pass and backpropagates from any scalar on any layer's output.

use crate::bail;
use crate::error::Result;
use crate::layers::{Layer, ParamGrads, Shape, Tensor};

/// Largest accepted input height or width.
pub const MAX_INPUT_SIDE: usize = 4096;
/// Largest accepted total of activation elements (input plus every layer's output).
pub const MAX_ACTIVATIONS: usize = 100_000_000;

/// What the model expects as input: shape and per-channel normalization of raw [0, 1] values.
#[derive(Clone, Debug, PartialEq)]
pub struct InputSpec {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    /// Per channel; the first layer sees `(raw - mean[c]) / std[c]`.
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
}

impl InputSpec {
    /// A spec with no normalization (mean 0, std 1).
    pub fn plain(channels: usize, height: usize, width: usize) -> Self {
        InputSpec { channels, height, width, mean: vec![0.0; channels], std: vec![1.0; channels] }
    }
    pub fn shape(&self) -> Shape {
        Shape::Chw(self.channels, self.height, self.width)
    }
    pub fn len(&self) -> usize {
        self.shape().len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A sequential CNN.
#[derive(Clone, Debug)]
pub struct Model {
    pub input: InputSpec,
    pub labels: Option<Vec<String>>,
    pub layers: Vec<Layer>,
}

/// Everything one forward pass computed: the normalized input and every layer's output.
#[derive(Clone, Debug)]
pub struct Activations {
    pub input: Tensor,
    pub outputs: Vec<Tensor>,
}

impl Activations {
    /// The input of layer `i` (the normalized model input for layer 0).
    pub fn layer_input(&self, i: usize) -> &Tensor {
        if i == 0 {
            &self.input
        } else {
            &self.outputs[i - 1]
        }
    }
    /// The output of the last layer.
    pub fn output(&self) -> &Tensor {
        self.outputs.last().unwrap_or(&self.input)
    }
}

/// Gradients of every layer's parameters (None for layers without any).
#[derive(Clone, Debug, PartialEq)]
pub struct Gradients(pub Vec<Option<ParamGrads>>);

impl Gradients {
    /// Adds `other` into `self` (for summing per-sample or per-thread gradients).
    pub fn add(&mut self, other: &Gradients) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            if let (Some(a), Some(b)) = (a, b) {
                a.weight.iter_mut().zip(&b.weight).for_each(|(x, y)| *x += y);
                if let (Some(ab), Some(bb)) = (&mut a.bias, &b.bias) {
                    ab.iter_mut().zip(bb).for_each(|(x, y)| *x += y);
                }
            }
        }
    }
}

impl Model {
    /// Builds a model from layer specs, fixing every shape and checking the chain and the size limits.
    /// `layers` gives each layer's name and kind; shapes are derived from `input`.
    pub fn new(
        input: InputSpec,
        labels: Option<Vec<String>>,
        layers: Vec<(String, crate::layers::LayerKind)>,
    ) -> Result<Model> {
        if input.channels == 0 || input.height == 0 || input.width == 0 {
            bail!("input: channels, height and width must be at least 1");
        }
        if input.height > MAX_INPUT_SIDE || input.width > MAX_INPUT_SIDE {
            bail!("input: {}x{} is larger than the {MAX_INPUT_SIDE}x{MAX_INPUT_SIDE} limit", input.height, input.width);
        }
        if layers.is_empty() {
            bail!("the model has no layers");
        }
        let mut total = input.shape().len();
        if total > MAX_ACTIVATIONS {
            bail!("input: {} values is over the {MAX_ACTIVATIONS} limit", total);
        }
        let mut shape = input.shape();
        if input.mean.len() != input.channels || input.std.len() != input.channels {
            bail!(
                "input: mean and std need one value per channel ({}), got {} and {}",
                input.channels,
                input.mean.len(),
                input.std.len()
            );
        }
        if input.mean.iter().any(|m| !m.is_finite()) || input.std.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
            bail!("input: mean must be finite and std finite and positive");
        }

        let mut built = Vec::with_capacity(layers.len());
        for (i, (name, kind)) in layers.into_iter().enumerate() {
            if built.iter().any(|l: &Layer| l.name == name) {
                bail!("layer {i}: the name '{name}' is used twice");
            }
            let type_name = kind.type_name();
            let layer = Layer::new(name.clone(), kind, shape)
                .map_err(|e| e.context(format!("layer {i} '{name}' ({type_name})")))?;
            shape = layer.output_shape;
            total = total.saturating_add(shape.len());
            if total > MAX_ACTIVATIONS {
                bail!(
                    "layer {i} '{}': the activations of the layers up to here add up to more than \
                     {MAX_ACTIVATIONS} values",
                    layer.name
                );
            }
            built.push(layer);
        }
        if let Some(labels) = &labels {
            match shape {
                Shape::Vector(n) if n == labels.len() => {}
                _ => bail!("labels: {} labels given but the model's output is {shape}", labels.len()),
            }
        }
        Ok(Model { input, labels, layers: built })
    }

    pub fn params(&self) -> usize {
        self.layers.iter().map(Layer::params).sum()
    }

    /// Checks a raw input (values in [0, 1], CHW) and normalizes it.
    pub fn normalize(&self, raw: &[f32]) -> Result<Tensor> {
        let spec = &self.input;
        if raw.len() != spec.len() {
            bail!(
                "input has {} values, but the model takes channels*height*width = {}*{}*{} = {}",
                raw.len(),
                spec.channels,
                spec.height,
                spec.width,
                spec.len()
            );
        }
        if let Some(i) = raw.iter().position(|v| !v.is_finite()) {
            bail!("input value {i} is {}, not a finite number", raw[i]);
        }
        let plane = spec.height * spec.width;
        let mut data = Vec::with_capacity(raw.len());
        for ((src, &m), &sd) in raw.chunks_exact(plane).zip(&spec.mean).zip(&spec.std) {
            data.extend(src.iter().map(|v| (v - m) / sd));
        }
        spec.shape().tensor(data)
    }

    /// Forward pass on a raw input, keeping every layer's output.
    pub fn forward(&self, raw: &[f32]) -> Result<Activations> {
        self.forward_to(raw, self.layers.len() - 1)
    }

    /// Forward pass through layers `0..=last` only (what a target at layer `last` needs).
    pub fn forward_to(&self, raw: &[f32], last: usize) -> Result<Activations> {
        let Some(layers) = self.layers.get(..=last) else {
            bail!("layer {last} does not exist (the model has {} layers)", self.layers.len());
        };
        let input = self.normalize(raw)?;
        let mut outputs: Vec<Tensor> = Vec::with_capacity(layers.len());
        for layer in layers {
            let x = outputs.last().unwrap_or(&input);
            outputs.push(layer.forward(x));
        }
        Ok(Activations { input, outputs })
    }

    /// Zeroed parameter gradients for every layer.
    pub fn zero_grads(&self) -> Gradients {
        Gradients(self.layers.iter().map(Layer::zero_grads).collect())
    }

    /// Backpropagates the gradient `grad` of a scalar with respect to the output of layer `layer`
    /// down to the raw input (through the normalization), adding parameter gradients of layers
    /// `0..=layer` into `grads` when given. Returns d(scalar)/d(raw input), CHW.
    pub fn backward(
        &self,
        acts: &Activations,
        layer: usize,
        grad: &Tensor,
        mut grads: Option<&mut Gradients>,
    ) -> Result<Tensor> {
        let Some(l) = self.layers.get(layer) else {
            bail!("layer {layer} does not exist (the model has {} layers)", self.layers.len());
        };
        if grad.shape() != l.output_shape.dims().as_slice() {
            bail!("gradient shape {:?} does not match layer '{}' output {}", grad.shape(), l.name, l.output_shape);
        }
        // The seed is borrowed, not cloned: each layer returns a fresh gradient.
        let mut g: Option<Tensor> = None;
        for i in (0..=layer).rev() {
            let pg = grads.as_deref_mut().and_then(|gr| gr.0.get_mut(i)).and_then(|p| p.as_mut());
            let gy = g.as_ref().unwrap_or(grad);
            g = Some(self.layers[i].backward(acts.layer_input(i), &acts.outputs[i], gy, pg));
        }
        let mut g = g.expect("the loop runs for layer 0 at least");
        let plane = self.input.height * self.input.width;
        let gs = g.as_slice_mut().expect("layer gradients are contiguous");
        for (chunk, &sd) in gs.chunks_exact_mut(plane).zip(&self.input.std) {
            chunk.iter_mut().for_each(|v| *v /= sd);
        }
        Ok(g)
    }

    /// The gradient seed for "unit `index` of layer `layer`'s flattened output".
    pub fn unit_seed(&self, layer: usize, index: usize) -> Result<Tensor> {
        let shape = self.output_shape(layer)?;
        if index >= shape.len() {
            bail!("unit {index} is out of range: layer {layer} has {} values", shape.len());
        }
        let mut t = shape.zeros();
        t.as_slice_mut().expect("fresh arrays are contiguous")[index] = 1.0;
        Ok(t)
    }

    /// The gradient seed for "mean of channel `channel` of layer `layer`'s output".
    pub fn channel_mean_seed(&self, layer: usize, channel: usize) -> Result<Tensor> {
        let shape = self.output_shape(layer)?;
        let (c, h, w) = shape.chw("a channel objective")?;
        if channel >= c {
            bail!("channel {channel} is out of range: layer {layer} has {c} channels");
        }
        let mut t = shape.zeros();
        let plane = h * w;
        t.as_slice_mut().expect("fresh arrays are contiguous")[channel * plane..(channel + 1) * plane]
            .fill(1.0 / plane as f32);
        Ok(t)
    }

    pub fn output_shape(&self, layer: usize) -> Result<Shape> {
        match self.layers.get(layer) {
            Some(l) => Ok(l.output_shape),
            None => bail!("layer {layer} does not exist (the model has {} layers)", self.layers.len()),
        }
    }
}
