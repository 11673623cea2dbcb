//! The model: input normalization, then a graph of layers listed in topological order. Each layer
//! reads the previous layer's output unless it names its inputs (residual `add`, `concat`). A
//! forward pass keeps every layer's output; backward propagates any scalar on any layer's output.
//!
//! A batchnorm2d that reads the conv2d listed just before it is computed in the conv's own pass
//! (the per-channel affine map applied to each output row as it is made, for depthwise
//! convolutions), and both layers' outputs are kept, equal to computing them one after the other.

use crate::bail;
use crate::error::Result;
use crate::layers::{Layer, LayerKind, ParamGrads, Shape, Source, Tensor};

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

/// A CNN: a graph of layers in topological order.
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
    /// The tensor a source names: the normalized model input or a layer's output.
    pub fn get(&self, source: Source) -> &Tensor {
        match source {
            Source::Input => &self.input,
            Source::Layer(i) => &self.outputs[i],
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

/// One layer as given to [`Model::graph`]: its name, what it computes, and the names of its inputs
/// (None: the previous layer, or the model input for the first layer).
#[derive(Clone, Debug)]
pub struct LayerSpec {
    pub name: String,
    pub kind: LayerKind,
    pub inputs: Option<Vec<String>>,
}

/// The name by which a layer reads the model input.
pub const INPUT_NAME: &str = "input";

impl Model {
    /// Builds a chain of layers, each reading the previous one (see [`Model::graph`]).
    pub fn new(input: InputSpec, labels: Option<Vec<String>>, layers: Vec<(String, LayerKind)>) -> Result<Model> {
        let specs = layers.into_iter().map(|(name, kind)| LayerSpec { name, kind, inputs: None }).collect();
        Model::graph(input, labels, specs)
    }

    /// Builds a model from layer specs in topological order, resolving every input name, fixing
    /// every shape and checking them and the size limits. Shapes are derived from `input`.
    pub fn graph(input: InputSpec, labels: Option<Vec<String>>, layers: Vec<LayerSpec>) -> Result<Model> {
        let (names, mut kinds): (Vec<_>, Vec<_>) = layers
            .into_iter()
            .map(|LayerSpec { name, kind, inputs }| ((name, inputs, kind.type_name()), Some(kind)))
            .unzip();
        Model::graph_with(input, labels, names, |i, _| Ok(kinds[i].take().expect("each kind is taken once")))
    }

    /// [`Model::graph`] with each layer's kind made by `kind(i, input_shapes)` once the shapes of
    /// its inputs are known (a new model's weights take their sizes from them). `layers`: each
    /// layer's name and inputs, as in [`LayerSpec`], and its type name (for error messages).
    pub fn graph_with(
        input: InputSpec,
        labels: Option<Vec<String>>,
        layers: Vec<(String, Option<Vec<String>>, &'static str)>,
        mut kind: impl FnMut(usize, &[Shape]) -> Result<LayerKind>,
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

        let mut built: Vec<Layer> = Vec::with_capacity(layers.len());
        let mut by_name: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for (i, (name, inputs, type_name)) in layers.into_iter().enumerate() {
            let context = |e: crate::error::Error| e.context(format!("layer {i} '{name}' ({type_name})"));
            if name == INPUT_NAME {
                bail!("layer {i}: the name '{INPUT_NAME}' is reserved for the model input");
            }
            if by_name.contains_key(&name) {
                bail!("layer {i}: the name '{name}' is used twice");
            }
            let sources = match &inputs {
                None if i == 0 => vec![Source::Input],
                None => vec![Source::Layer(i - 1)],
                Some(names) => names
                    .iter()
                    .map(|n| match by_name.get(n) {
                        _ if n == INPUT_NAME => Ok(Source::Input),
                        Some(&j) => Ok(Source::Layer(j)),
                        None if n == &name => Err(crate::error::Error::new("it names itself as an input")),
                        None => Err(crate::error::Error(format!(
                            "input '{n}' is not the name of an earlier layer (inputs must come before the layers \
                             that read them) nor '{INPUT_NAME}'"
                        ))),
                    })
                    .collect::<Result<Vec<_>>>()
                    .map_err(context)?,
            };
            let shapes: Vec<Shape> = sources
                .iter()
                .map(|&s| match s {
                    Source::Input => input.shape(),
                    Source::Layer(j) => built[j].output_shape,
                })
                .collect();
            let kind = kind(i, &shapes).map_err(context)?;
            let layer =
                Layer::with_inputs(name.clone(), kind, sources.into_iter().zip(shapes).collect()).map_err(context)?;
            total = total.saturating_add(layer.output_shape.len());
            if total > MAX_ACTIVATIONS {
                bail!(
                    "layer {i} '{}': the activations of the layers up to here add up to more than \
                     {MAX_ACTIVATIONS} values",
                    layer.name
                );
            }
            by_name.insert(name, i);
            built.push(layer);
        }
        let shape = built.last().map(|l| l.output_shape).unwrap_or(input.shape());
        if let Some(labels) = &labels {
            match shape {
                Shape::Vector(n) if n == labels.len() => {}
                _ => bail!("labels: {} labels given but the model's output is {shape}", labels.len()),
            }
        }
        Ok(Model { input, labels, layers: built })
    }

    /// Whether every layer reads the one before it (a plain chain, no branches).
    pub fn is_chain(&self) -> bool {
        self.layers
            .iter()
            .enumerate()
            .all(|(i, l)| l.inputs == [if i == 0 { Source::Input } else { Source::Layer(i - 1) }])
    }

    /// The name a source goes by in model files and the JS summary.
    pub fn source_name(&self, source: Source) -> &str {
        match source {
            Source::Input => INPUT_NAME,
            Source::Layer(j) => &self.layers[j].name,
        }
    }

    /// The layers that read layer `i`'s output.
    pub fn consumers(&self, i: usize) -> Vec<usize> {
        (i + 1..self.layers.len()).filter(|&j| self.layers[j].inputs.contains(&Source::Layer(i))).collect()
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
        self.forward_reusing(raw, last, &mut None)
    }

    /// [`Model::forward_to`], writing into the tensors of `spare` (an earlier pass's activations,
    /// of this model) instead of allocating and zeroing new ones: about a sixth of a MobileNetV2
    /// pass in the browser went to fresh zeroed memory. The result is the same as without.
    /// `spare` is taken only once the input has passed its checks (an error leaves it in place).
    pub fn forward_reusing(&self, raw: &[f32], last: usize, spare: &mut Option<Activations>) -> Result<Activations> {
        let Some(layers) = self.layers.get(..=last) else {
            bail!("layer {last} does not exist (the model has {} layers)", self.layers.len());
        };
        let input = self.normalize(raw)?;
        let mut spare = spare.take().map(|a| a.outputs).unwrap_or_default().into_iter();
        let mut acts = Activations { input, outputs: Vec::with_capacity(layers.len()) };
        let mut i = 0;
        while i < layers.len() {
            let layer = &layers[i];
            let xs: Vec<&Tensor> = layer.inputs.iter().map(|&s| acts.get(s)).collect();
            // A batchnorm reading the conv2d just before it is folded into the conv's pass; both
            // outputs are kept (see `Layer::forward_with_batchnorm`).
            let fused = match layers.get(i + 1) {
                Some(next) if next.inputs == [Source::Layer(i)] && layer.fuses_with(next) => {
                    layer.forward_with_batchnorm_into(&xs, next, [spare.next(), spare.next()])
                }
                _ => None,
            };
            if let Some((y, z)) = fused {
                acts.outputs.push(y);
                acts.outputs.push(z);
                i += 2;
            } else {
                let y = layer.forward_into(&xs, spare.next());
                acts.outputs.push(y);
                i += 1;
            }
        }
        Ok(acts)
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
        grads: Option<&mut Gradients>,
    ) -> Result<Tensor> {
        let (_, input) = self.propagate(acts, layer, grad, None, grads)?;
        let mut g = input.unwrap_or_else(|| self.input.shape().zeros());
        let plane = self.input.height * self.input.width;
        let gs = g.as_slice_mut().expect("layer gradients are contiguous");
        for (chunk, &sd) in gs.chunks_exact_mut(plane).zip(&self.input.std) {
            chunk.iter_mut().for_each(|v| *v /= sd);
        }
        Ok(g)
    }

    /// The gradient of a scalar on layer `layer`'s output (`grad`) with respect to the output of
    /// an earlier layer `at` (zeros when the scalar does not depend on it).
    pub fn gradient_at(&self, acts: &Activations, layer: usize, grad: &Tensor, at: usize) -> Result<Tensor> {
        if at >= layer {
            bail!("layer {at} must come before layer {layer}");
        }
        let (mut per_layer, _) = self.propagate(acts, layer, grad, Some(at), None)?;
        Ok(per_layer.swap_remove(at).unwrap_or_else(|| self.layers[at].output_shape.zeros()))
    }

    /// Propagates `grad` (on layer `layer`'s output) backwards through layers `layer` down to
    /// `stop + 1` (down to layer 0 and the model input when `stop` is None). Returns the gradient
    /// reaching layer `stop`'s output (at index `stop`; the other entries are spent on the way) and
    /// the normalized input's gradient.
    fn propagate(
        &self,
        acts: &Activations,
        layer: usize,
        grad: &Tensor,
        stop: Option<usize>,
        mut grads: Option<&mut Gradients>,
    ) -> Result<(Vec<Option<Tensor>>, Option<Tensor>)> {
        let Some(l) = self.layers.get(layer) else {
            bail!("layer {layer} does not exist (the model has {} layers)", self.layers.len());
        };
        if grad.shape() != l.output_shape.dims().as_slice() {
            bail!("gradient shape {:?} does not match layer '{}' output {}", grad.shape(), l.name, l.output_shape);
        }
        if acts.outputs.len() <= layer {
            bail!("the forward pass stopped at layer {}, before layer {layer}", acts.outputs.len().wrapping_sub(1));
        }
        let mut per_layer: Vec<Option<Tensor>> = vec![None; layer + 1];
        let mut input: Option<Tensor> = None;
        let first = stop.map_or(0, |s| s + 1);
        for i in (first..=layer).rev() {
            // The seed is borrowed, not cloned: each layer returns fresh gradients.
            let taken = if i == layer { None } else { per_layer[i].take() };
            let gy = match (&taken, i == layer) {
                (_, true) => grad,
                (Some(g), false) => g,
                (None, false) => continue, // nothing flows into this layer from the scalar
            };
            let l = &self.layers[i];
            let xs: Vec<&Tensor> = l.inputs.iter().map(|&s| acts.get(s)).collect();
            let pg = grads.as_deref_mut().and_then(|gr| gr.0.get_mut(i)).and_then(|p| p.as_mut());
            let gxs = l.backward(&xs, &acts.outputs[i], gy, pg);
            for (&source, gx) in l.inputs.iter().zip(gxs) {
                let slot = match source {
                    Source::Input => &mut input,
                    Source::Layer(j) => &mut per_layer[j],
                };
                match slot {
                    Some(acc) => *acc += &gx,
                    None => *slot = Some(gx),
                }
            }
        }
        Ok((per_layer, input))
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
