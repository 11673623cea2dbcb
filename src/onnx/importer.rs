//! The state of an ONNX import while the graph is walked: every value by its ONNX name (a
//! layer output or the model input, with its per-sample shape), the constants (initializers and
//! `Constant` outputs), the layers and tensors made so far, and the helpers the operator
//! converters ([`crate::onnx::ops`]) share to read their inputs and write their outputs.

use crate::architecture::{LayerJson, LayerType};
use crate::model::INPUT_NAME;
use crate::onnx::proto::{GraphProto, NodeProto, TensorProto};
use crate::onnx::tensor::{self, Const};
use std::collections::{HashMap, HashSet};

/// A node-level failure message.
pub(crate) type NodeResult<T> = std::result::Result<T, String>;

/// What a converter returns: the node converted, or why it cannot be (Err(None): an input comes
/// from a node that failed already, which reported it).
pub(crate) type Handled = std::result::Result<(), Option<String>>;

/// An operator's converter: turns one node (its index in the graph, the node) into layers.
pub(crate) type Convert = fn(&mut Importer<'_>, usize, &NodeProto) -> Handled;

/// A node-level message as a converter's error.
pub(crate) fn msg<T>(r: NodeResult<T>) -> std::result::Result<T, Option<String>> {
    r.map_err(Some)
}

/// A value flowing between nodes: a layer's output (or the model input) with its per-sample shape.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    /// `source` is a layer name or [`INPUT_NAME`].
    Layer { source: String, shape: Shp },
    /// Produced by a node that could not be converted (its error is already recorded).
    Broken,
}

/// A per-sample shape: CHW image or vector (the batch dimension dropped).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shp {
    Chw(usize, usize, usize),
    Vec(usize),
}

impl Shp {
    pub(crate) fn dims(self) -> Vec<usize> {
        match self {
            Shp::Chw(c, h, w) => vec![c, h, w],
            Shp::Vec(n) => vec![n],
        }
    }
    pub(crate) fn len(self) -> usize {
        self.dims().iter().fold(1usize, |a, &d| a.saturating_mul(d))
    }
    pub(crate) fn describe(self) -> String {
        match self {
            Shp::Chw(c, h, w) => format!("[N, {c}, {h}, {w}]"),
            Shp::Vec(n) => format!("[N, {n}]"),
        }
    }
}

/// The conversion's state: values by ONNX name, constants, the layers and tensors produced so far.
pub(crate) struct Importer<'a> {
    pub(crate) opset: i64,
    pub(crate) nodes: &'a [NodeProto],
    pub(crate) initializers: HashMap<&'a str, &'a TensorProto>,
    pub(crate) constants: HashMap<String, Const>,
    pub(crate) values: HashMap<String, Value>,
    pub(crate) layers: Vec<LayerJson>,
    /// Tensors per layer name (inserted only for the layers kept).
    pub(crate) tensors: Vec<(String, String, Vec<usize>, Vec<f32>)>,
    pub(crate) names: HashSet<String>,
    /// Node index -> (layer, shape) for `Add` nodes folded into the MatMul before them (the bias).
    pub(crate) fused: HashMap<usize, (String, Shp)>,
    /// How many nodes (and graph outputs) read each value.
    pub(crate) readers: HashMap<&'a str, usize>,
}

pub(crate) fn node_name(node: &NodeProto) -> &str {
    node.name.as_deref().unwrap_or("")
}

pub(crate) fn op_type(node: &NodeProto) -> &str {
    node.op_type.as_deref().unwrap_or("")
}

impl<'a> Importer<'a> {
    /// The state before the first node of `graph` (default-domain opset `opset`).
    pub(crate) fn new(opset: i64, graph: &'a GraphProto) -> Importer<'a> {
        let initializers = graph.initializer.iter().map(|t| (t.name.as_deref().unwrap_or(""), t)).collect();
        let mut readers: HashMap<&str, usize> = HashMap::new();
        for n in &graph.node {
            for i in &n.input {
                *readers.entry(i.as_str()).or_default() += 1;
            }
        }
        for o in &graph.output {
            *readers.entry(o.name.as_deref().unwrap_or("")).or_default() += 1;
        }
        Importer {
            opset,
            nodes: &graph.node,
            initializers,
            constants: HashMap::new(),
            values: HashMap::new(),
            layers: Vec::new(),
            tensors: Vec::new(),
            names: HashSet::from([INPUT_NAME.to_string()]),
            fused: HashMap::new(),
            readers,
        }
    }

    /// A layer name not used yet, based on `base`.
    pub(crate) fn fresh(&mut self, base: &str) -> String {
        let base = if base.is_empty() { "layer" } else { base };
        let mut name = base.to_string();
        let mut k = 1;
        while self.names.contains(&name) {
            name = format!("{base}_{k}");
            k += 1;
        }
        self.names.insert(name.clone());
        name
    }

    /// The layer name for a node: its name, else its first output's.
    pub(crate) fn layer_name(&mut self, node: &NodeProto) -> String {
        let base = match node_name(node) {
            "" => node.output.first().map_or("", String::as_str),
            n => n,
        };
        self.fresh(base)
    }

    pub(crate) fn add_tensor(&mut self, layer: &str, suffix: &str, dims: Vec<usize>, values: Vec<f32>) {
        self.tensors.push((layer.to_string(), format!("{layer}.{suffix}"), dims, values));
    }

    /// A constant input (initializer or `Constant` output), or None when `name` is not constant.
    pub(crate) fn constant(&self, name: &str) -> NodeResult<Option<Const>> {
        if let Some(c) = self.constants.get(name) {
            return Ok(Some(c.clone()));
        }
        match self.initializers.get(name) {
            Some(t) => tensor::decode(t).map(Some).map_err(|e| e.0),
            None => Ok(None),
        }
    }

    /// A constant input that must be there.
    pub(crate) fn required_constant(&self, node: &NodeProto, i: usize, what: &str) -> NodeResult<Const> {
        let name = node.input.get(i).map_or("", String::as_str);
        if name.is_empty() {
            return Err(format!("the {what} (input {i}) is missing"));
        }
        match self.constant(name)? {
            Some(c) => Ok(c),
            None => Err(format!(
                "the {what} ('{name}') must be a constant (an initializer or a Constant node); computed {what}s are not supported"
            )),
        }
    }

    /// An optional constant input (absent or empty name: None).
    pub(crate) fn optional_constant(&self, node: &NodeProto, i: usize, what: &str) -> NodeResult<Option<Const>> {
        match node.input.get(i).map(String::as_str) {
            None | Some("") => Ok(None),
            Some(_) => self.required_constant(node, i, what).map(Some),
        }
    }

    /// The data input `i`: a layer output or the model input. Err(None) when it comes from a node
    /// that already failed (no second message).
    pub(crate) fn data(&self, node: &NodeProto, i: usize) -> std::result::Result<(String, Shp), Option<String>> {
        let name = node.input.get(i).map_or("", String::as_str);
        match self.values.get(name) {
            Some(Value::Layer { source, shape }) => Ok((source.clone(), *shape)),
            Some(Value::Broken) => Err(None),
            None if self.constants.contains_key(name) || self.initializers.contains_key(name) => Err(Some(format!(
                "input {i} ('{name}') is a constant; convlens needs it to be computed from the graph input"
            ))),
            None if name.is_empty() => Err(Some(format!("input {i} is missing"))),
            None => Err(Some(format!(
                "input {i} ('{name}') is not produced by an earlier node, an initializer or the graph input"
            ))),
        }
    }

    pub(crate) fn set_output(&mut self, node: &NodeProto, source: String, shape: Shp) {
        if let Some(o) = node.output.first() {
            self.values.insert(o.clone(), Value::Layer { source, shape });
        }
    }

    /// Only the first output may be used (e.g. no MaxPool indices, no Dropout mask, no BatchNorm
    /// training statistics).
    pub(crate) fn only_first_output(&self, node: &NodeProto, what: &str) -> NodeResult<()> {
        for o in node.output.iter().skip(1) {
            if !o.is_empty() && self.readers.get(o.as_str()).copied().unwrap_or(0) > 0 {
                return Err(format!("its output '{o}' ({what}) is used, which convlens does not compute"));
            }
        }
        Ok(())
    }

    /// A layer of `layer`'s type reading input 0, its output of the input's shape.
    pub(crate) fn unary(&mut self, node: &NodeProto, layer: LayerType) -> Handled {
        let (src, shape) = self.data(node, 0)?;
        self.push_layer(node, layer, vec![src], shape);
        Ok(())
    }

    /// Adds a layer named after `node` reading `inputs`, as the node's output of shape `shape`;
    /// returns the layer's name (for its tensors).
    pub(crate) fn push_layer(&mut self, node: &NodeProto, layer: LayerType, inputs: Vec<String>, shape: Shp) -> String {
        let name = self.layer_name(node);
        self.layers.push(LayerJson::new(&name, layer, inputs));
        self.set_output(node, name.clone(), shape);
        name
    }

    /// The input passes through unchanged (no layer).
    pub(crate) fn alias(&mut self, node: &NodeProto) -> Handled {
        let (src, shape) = self.data(node, 0)?;
        self.set_output(node, src, shape);
        Ok(())
    }
}
