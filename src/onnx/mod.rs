//! ONNX import: an `.onnx` file (default-domain opset 11 to 21) converted at load into the
//! engine's graph. The protobuf is decoded by prost (types generated from the onnx package's
//! `onnx.proto` into [`proto`]); this module maps each node to layers named after it, with tensors in
//! PyTorch layout, and hands the result to [`format::build`], where all model validation lives.
//!
//! What is supported, what is rejected and how nodes map to layers is in the README ("ONNX import").
//! Every unsupported operator or attribute in the graph is reported at once; malformed files give
//! an error, never a panic.

#[rustfmt::skip]
#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod proto;
pub mod tensor;

use crate::bail;
use crate::error::{Error, Result};
use crate::format::{self, Architecture, InputJson, LayerJson, Pair, Tensors};
use crate::model::{Model, INPUT_NAME};
use proto::attribute_proto::AttributeType;
use proto::{AttributeProto, ModelProto, NodeProto, TensorProto};
use std::collections::{HashMap, HashSet};
pub use tensor::{Const, ConstData};

/// Lowest and highest default-domain (`ai.onnx`) opset version accepted.
pub const OPSET_MIN: i64 = 11;
pub const OPSET_MAX: i64 = 21;

/// The operators the importer converts.
pub const OPERATORS: [&str; 19] = [
    "Conv",
    "BatchNormalization",
    "Relu",
    "Clip",
    "Sigmoid",
    "HardSwish",
    "MaxPool",
    "AveragePool",
    "GlobalAveragePool",
    "Gemm",
    "MatMul",
    "Add",
    "Flatten",
    "Reshape",
    "Concat",
    "Softmax",
    "Dropout",
    "Identity",
    "Constant",
];

/// Decodes an ONNX file's protobuf (no conversion yet).
pub fn decode(bytes: &[u8]) -> Result<ModelProto> {
    use prost::Message;
    if bytes.len() > format::MAX_FILE_BYTES {
        bail!("the file is {} bytes, over the {} MB limit for model files", bytes.len(), format::MAX_FILE_BYTES >> 20);
    }
    ModelProto::decode(bytes).map_err(|e| Error(format!("not a valid ONNX file (protobuf: {e})")))
}

/// Loads an ONNX file: decodes it, converts the graph and builds the model.
pub fn import(bytes: &[u8]) -> Result<Model> {
    import_model(&decode(bytes)?)
}

/// Converts a decoded ONNX model and builds it (all checks of [`format::build`] apply).
pub fn import_model(model: &ModelProto) -> Result<Model> {
    let (arch, tensors) = convert(model)?;
    format::build(&arch, tensors)
}

/// Whether decoded bytes look like an ONNX model at all (an IR version and a graph), as opposed to
/// random bytes that happen to parse as protobuf.
pub fn is_plausible(model: &ModelProto) -> bool {
    model.ir_version.is_some_and(|v| v > 0) && model.graph.is_some()
}

/// A value flowing between nodes: a layer's output (or the model input) with its per-sample shape.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    /// `source` is a layer name or [`INPUT_NAME`].
    Layer { source: String, shape: Shp },
    /// Produced by a node that could not be converted (its error is already recorded).
    Broken,
}

/// A per-sample shape: CHW image or vector (the batch dimension dropped).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shp {
    Chw(usize, usize, usize),
    Vec(usize),
}

impl Shp {
    fn dims(self) -> Vec<usize> {
        match self {
            Shp::Chw(c, h, w) => vec![c, h, w],
            Shp::Vec(n) => vec![n],
        }
    }
    fn len(self) -> usize {
        self.dims().iter().fold(1usize, |a, &d| a.saturating_mul(d))
    }
    fn describe(self) -> String {
        match self {
            Shp::Chw(c, h, w) => format!("[N, {c}, {h}, {w}]"),
            Shp::Vec(n) => format!("[N, {n}]"),
        }
    }
}

/// The conversion's state: values by ONNX name, constants, the layers and tensors produced so far.
struct Importer<'a> {
    opset: i64,
    nodes: &'a [NodeProto],
    initializers: HashMap<&'a str, &'a TensorProto>,
    constants: HashMap<String, Const>,
    values: HashMap<String, Value>,
    layers: Vec<LayerJson>,
    /// Tensors per layer name (inserted only for the layers kept).
    tensors: Vec<(String, String, Vec<usize>, Vec<f32>)>,
    names: HashSet<String>,
    /// Node index -> (layer, shape) for `Add` nodes folded into the MatMul before them (the bias).
    fused: HashMap<usize, (String, Shp)>,
    /// How many nodes (and graph outputs) read each value.
    readers: HashMap<&'a str, usize>,
}

/// What went wrong with one node.
struct NodeError {
    index: usize,
    name: String,
    op: String,
    message: Option<String>,
}

fn node_name(node: &NodeProto) -> &str {
    node.name.as_deref().unwrap_or("")
}

fn op_type(node: &NodeProto) -> &str {
    node.op_type.as_deref().unwrap_or("")
}

/// Converts an ONNX model into the engine's architecture and tensors (not yet validated as a model).
pub fn convert(model: &ModelProto) -> Result<(Architecture, Tensors)> {
    let opset = default_opset(model)?;
    let Some(graph) = &model.graph else { bail!("the ONNX file has no graph") };
    let mut initializers = HashMap::new();
    for t in &graph.initializer {
        initializers.insert(t.name.as_deref().unwrap_or(""), t);
    }
    let mut readers: HashMap<&str, usize> = HashMap::new();
    for n in &graph.node {
        for i in &n.input {
            *readers.entry(i.as_str()).or_default() += 1;
        }
    }
    for o in &graph.output {
        *readers.entry(o.name.as_deref().unwrap_or("")).or_default() += 1;
    }
    let mut im = Importer {
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
    };

    // The one graph input that is not an initializer: the image.
    let inputs: Vec<_> =
        graph.input.iter().filter(|i| !im.initializers.contains_key(i.name.as_deref().unwrap_or(""))).collect();
    let [input] = inputs[..] else {
        let names: Vec<String> = inputs.iter().map(|i| format!("'{}'", i.name.as_deref().unwrap_or(""))).collect();
        bail!(
            "the graph has {} inputs that are not initializers ({}); convlens models take one input, an image [N, C, H, W]",
            inputs.len(),
            if names.is_empty() { "none".to_string() } else { names.join(", ") }
        );
    };
    let input_name = input.name.clone().unwrap_or_default();
    let (channels, height, width, shape) = input_shape(input)?;
    im.values.insert(input_name.clone(), Value::Layer { source: INPUT_NAME.to_string(), shape });
    if let Shp::Vec(_) = shape {
        // A vector input [N, F] is an F-channel 1x1 image for the engine, flattened first.
        let name = im.fresh(&format!("{input_name}_flatten"));
        im.layers.push(layer(&name, "flatten", vec![INPUT_NAME.to_string()]));
        im.values.insert(input_name.clone(), Value::Layer { source: name, shape });
    }

    let mut unsupported: Vec<String> = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    for (index, node) in graph.node.iter().enumerate() {
        if let Err(e) = im.node(index, node) {
            for o in &node.output {
                im.values.insert(o.clone(), Value::Broken);
            }
            let Some(e) = e else { continue };
            let where_ = format!("node {} '{}'", e.index, e.name);
            match e.message {
                None => unsupported.push(format!("{} ({where_})", e.op)),
                Some(m) => problems.push(format!("{} ({where_}): {m}", e.op)),
            }
        }
    }
    if !unsupported.is_empty() || !problems.is_empty() {
        let mut parts = Vec::new();
        if !unsupported.is_empty() {
            parts.push(format!("unsupported ONNX operators: {}", unsupported.join(", ")));
        }
        if !problems.is_empty() {
            parts.push(format!("unsupported uses of ONNX operators: {}", problems.join("; ")));
        }
        bail!("{} (convlens imports {})", parts.join("; "), supported_list());
    }

    // The one graph output, and the layers it depends on.
    let [output] = &graph.output[..] else {
        bail!("the graph has {} outputs; convlens models have one", graph.output.len());
    };
    let out_name = output.name.as_deref().unwrap_or("");
    let source = match im.values.get(out_name) {
        Some(Value::Layer { source, .. }) => source.clone(),
        _ if im.constants.contains_key(out_name) || im.initializers.contains_key(out_name) => {
            bail!("the graph output '{out_name}' is a constant")
        }
        _ => bail!("the graph output '{out_name}' is not produced by any node"),
    };
    if source == INPUT_NAME {
        bail!("the graph output '{out_name}' is the graph input itself: the model has no layers");
    }
    let mut keep: HashSet<String> = HashSet::from([source]);
    for l in im.layers.iter().rev() {
        if keep.contains(&l.name) {
            keep.extend(l.inputs.iter().flatten().cloned());
        }
    }
    let layers: Vec<LayerJson> = im.layers.into_iter().filter(|l| keep.contains(&l.name)).collect();
    let mut tensors = Tensors::default();
    for (layer, name, dims, values) in im.tensors {
        if keep.contains(&layer) {
            tensors.insert(&name, dims, values)?;
        }
    }
    let arch =
        Architecture { input: InputJson { channels, height, width, mean: None, std: None }, labels: None, layers };
    Ok((arch, tensors))
}

fn supported_list() -> String {
    OPERATORS.join(", ")
}

/// The default-domain opset version, checked.
fn default_opset(model: &ModelProto) -> Result<i64> {
    let Some(v) = model
        .opset_import
        .iter()
        .find(|o| matches!(o.domain.as_deref(), None | Some("") | Some("ai.onnx")))
        .map(|o| o.version.unwrap_or(0))
    else {
        bail!(
            "the model imports no opset of the default ONNX domain (convlens reads opsets {OPSET_MIN} to {OPSET_MAX})"
        );
    };
    if !(OPSET_MIN..=OPSET_MAX).contains(&v) {
        bail!(
            "the model uses opset {v} of the default ONNX domain; convlens reads opsets {OPSET_MIN} to {OPSET_MAX} \
             (convert it, e.g. onnx.version_converter.convert_version(model, {OPSET_MAX}))"
        );
    }
    Ok(v)
}

/// The graph input's shape: `[N, C, H, W]` (an image) or `[N, F]` (a vector, as an F-channel 1x1
/// image), N being 1 or symbolic, the rest fixed numbers.
fn input_shape(input: &proto::ValueInfoProto) -> Result<(usize, usize, usize, Shp)> {
    let name = input.name.as_deref().unwrap_or("");
    let tensor = match input.r#type.as_ref().and_then(|t| t.value.as_ref()) {
        Some(proto::type_proto::Value::TensorType(t)) => t,
        _ => bail!("the graph input '{name}' is not a tensor"),
    };
    let elem = tensor.elem_type.unwrap_or(0);
    if elem != proto::tensor_proto::DataType::Float as i32 {
        bail!("the graph input '{name}' has element type {}; convlens takes FLOAT inputs", tensor::type_name(elem));
    }
    let Some(shape) = &tensor.shape else { bail!("the graph input '{name}' has no shape") };
    use proto::tensor_shape_proto::dimension::Value as D;
    let dims: Vec<Option<i64>> = shape
        .dim
        .iter()
        .map(|d| match &d.value {
            Some(D::DimValue(v)) => Some(*v),
            _ => None,
        })
        .collect();
    let shown: Vec<String> = shape
        .dim
        .iter()
        .map(|d| match &d.value {
            Some(D::DimValue(v)) => v.to_string(),
            Some(D::DimParam(p)) => p.clone(),
            None => "?".into(),
        })
        .collect();
    let shown = format!("[{}]", shown.join(", "));
    if !matches!(dims.len(), 2 | 4) {
        bail!("the graph input '{name}' has shape {shown}; convlens takes an image [N, C, H, W] (or a vector [N, F])");
    }
    if !matches!(dims[0], None | Some(1)) {
        bail!("the graph input '{name}' has shape {shown}: the batch dimension must be 1 or symbolic");
    }
    let mut fixed = Vec::new();
    for d in &dims[1..] {
        match d {
            Some(v) if *v > 0 => fixed.push(usize::try_from(*v).unwrap_or(usize::MAX)),
            _ => bail!(
                "the graph input '{name}' has shape {shown}: channels, height and width must be fixed positive numbers"
            ),
        }
    }
    Ok(match fixed[..] {
        [c, h, w] => (c, h, w, Shp::Chw(c, h, w)),
        [f] => (f, 1, 1, Shp::Vec(f)),
        _ => bail!("the graph input '{name}' has shape {shown}"),
    })
}

fn layer(name: &str, kind: &str, inputs: Vec<String>) -> LayerJson {
    LayerJson { name: name.to_string(), kind: kind.to_string(), inputs: Some(inputs), ..Default::default() }
}

/// Attribute kinds, for checking what a node carries.
fn attr_type_name(a: &AttributeProto) -> &'static str {
    AttributeType::try_from(a.r#type.unwrap_or(0)).map_or("UNKNOWN", |t| t.as_str_name())
}

/// One node's attributes, checked against the names its operator has.
struct Attrs<'a>(&'a [AttributeProto]);

impl<'a> Attrs<'a> {
    fn check(node: &'a NodeProto, allowed: &[&str]) -> std::result::Result<Attrs<'a>, String> {
        for a in &node.attribute {
            let name = a.name.as_deref().unwrap_or("");
            if !allowed.contains(&name) {
                return Err(format!("attribute '{name}' is not supported"));
            }
            if a.ref_attr_name.is_some() {
                return Err(format!("attribute '{name}' refers to a function attribute"));
            }
        }
        Ok(Attrs(&node.attribute))
    }
    fn get(&self, name: &str) -> Option<&'a AttributeProto> {
        self.0.iter().find(|a| a.name.as_deref() == Some(name))
    }
    fn int(&self, name: &str, default: i64) -> std::result::Result<i64, String> {
        match self.get(name) {
            None => Ok(default),
            Some(a) if a.r#type == Some(AttributeType::Int as i32) || (a.r#type.is_none() && a.i.is_some()) => {
                Ok(a.i.unwrap_or(0))
            }
            Some(a) => Err(format!("attribute '{name}' is {}, expected INT", attr_type_name(a))),
        }
    }
    fn float(&self, name: &str, default: f32) -> std::result::Result<f32, String> {
        match self.get(name) {
            None => Ok(default),
            Some(a) if a.r#type == Some(AttributeType::Float as i32) || (a.r#type.is_none() && a.f.is_some()) => {
                Ok(a.f.unwrap_or(0.0))
            }
            Some(a) => Err(format!("attribute '{name}' is {}, expected FLOAT", attr_type_name(a))),
        }
    }
    fn ints(&self, name: &str) -> std::result::Result<Option<&'a [i64]>, String> {
        match self.get(name) {
            None => Ok(None),
            Some(a) if a.r#type == Some(AttributeType::Ints as i32) || a.r#type.is_none() => Ok(Some(&a.ints)),
            Some(a) => Err(format!("attribute '{name}' is {}, expected INTS", attr_type_name(a))),
        }
    }
    fn string(&self, name: &str, default: &str) -> std::result::Result<String, String> {
        match self.get(name) {
            None => Ok(default.to_string()),
            Some(a) if a.r#type == Some(AttributeType::String as i32) || (a.r#type.is_none() && a.s.is_some()) => {
                Ok(String::from_utf8_lossy(a.s.as_deref().unwrap_or(&[])).into_owned())
            }
            Some(a) => Err(format!("attribute '{name}' is {}, expected STRING", attr_type_name(a))),
        }
    }
}

/// A node-level failure message.
type NodeResult<T> = std::result::Result<T, String>;

/// `[h, w]` from an INTS attribute of two values (`default` when absent), each at least `min`.
fn pair(attrs: &Attrs, name: &str, default: (usize, usize), min: i64) -> NodeResult<(usize, usize)> {
    match attrs.ints(name)? {
        None => Ok(default),
        Some(&[h, w]) if h >= min && w >= min && dim(h).is_some() && dim(w).is_some() => {
            Ok((dim(h).unwrap_or(0), dim(w).unwrap_or(0)))
        }
        Some(v) => Err(format!(
            "{name} {v:?}: convlens supports 2-D spatial operators with two values of at least {min} (1-D and 3-D are not supported)"
        )),
    }
}

/// The padding of a conv or pool: symmetric per axis, from `pads` or `auto_pad`.
fn padding(
    attrs: &Attrs,
    input: (usize, usize),
    kernel: (usize, usize),
    stride: (usize, usize),
    dilation: (usize, usize),
) -> NodeResult<(usize, usize)> {
    let auto = attrs.string("auto_pad", "NOTSET")?;
    match auto.as_str() {
        "NOTSET" => match attrs.ints("pads")? {
            None => Ok((0, 0)),
            Some(&[t, l, b, r]) if t == b && l == r && dim(t).is_some() && dim(l).is_some() => {
                Ok((dim(t).unwrap_or(0), dim(l).unwrap_or(0)))
            }
            Some(p @ [_, _, _, _]) => Err(format!(
                "pads {p:?} (top, left, bottom, right) are not symmetric: convlens pads each axis the same on both sides"
            )),
            Some(p) => Err(format!("pads {p:?}: convlens supports 2-D spatial operators (four pads)")),
        },
        "VALID" => Ok((0, 0)),
        "SAME_UPPER" | "SAME_LOWER" => {
            let axis = |inp: usize, k: usize, s: usize, d: usize, which: &str| -> NodeResult<usize> {
                let out = inp.div_ceil(s.max(1));
                let span = k.saturating_sub(1).saturating_mul(d).saturating_add(1);
                let total = out.saturating_sub(1).saturating_mul(s).saturating_add(span).saturating_sub(inp);
                if total % 2 == 1 {
                    return Err(format!(
                        "auto_pad {auto} needs {total} padding in {which}, which cannot be split evenly on both sides"
                    ));
                }
                Ok(total / 2)
            };
            Ok((
                axis(input.0, kernel.0, stride.0, dilation.0, "height")?,
                axis(input.1, kernel.1, stride.1, dilation.1, "width")?,
            ))
        }
        other => Err(format!("auto_pad '{other}' is not an ONNX value")),
    }
}

/// A checked dimension from an i64.
fn dim(v: i64) -> Option<usize> {
    usize::try_from(v).ok()
}

impl<'a> Importer<'a> {
    /// A layer name not used yet, based on `base`.
    fn fresh(&mut self, base: &str) -> String {
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
    fn layer_name(&mut self, node: &NodeProto) -> String {
        let base = match node_name(node) {
            "" => node.output.first().map_or("", String::as_str),
            n => n,
        };
        self.fresh(base)
    }

    fn add_tensor(&mut self, layer: &str, suffix: &str, dims: Vec<usize>, values: Vec<f32>) {
        self.tensors.push((layer.to_string(), format!("{layer}.{suffix}"), dims, values));
    }

    /// A constant input (initializer or `Constant` output), or None when `name` is not constant.
    fn constant(&self, name: &str) -> NodeResult<Option<Const>> {
        if let Some(c) = self.constants.get(name) {
            return Ok(Some(c.clone()));
        }
        match self.initializers.get(name) {
            Some(t) => tensor::decode(t).map(Some).map_err(|e| e.0),
            None => Ok(None),
        }
    }

    /// A constant input that must be there.
    fn required_constant(&self, node: &NodeProto, i: usize, what: &str) -> NodeResult<Const> {
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
    fn optional_constant(&self, node: &NodeProto, i: usize, what: &str) -> NodeResult<Option<Const>> {
        match node.input.get(i).map(String::as_str) {
            None | Some("") => Ok(None),
            Some(_) => self.required_constant(node, i, what).map(Some),
        }
    }

    /// The data input `i`: a layer output or the model input. Err(None) when it comes from a node
    /// that already failed (no second message).
    fn data(&self, node: &NodeProto, i: usize) -> std::result::Result<(String, Shp), Option<String>> {
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

    fn set_output(&mut self, node: &NodeProto, source: String, shape: Shp) {
        if let Some(o) = node.output.first() {
            self.values.insert(o.clone(), Value::Layer { source, shape });
        }
    }

    /// Only the first output may be used (e.g. no MaxPool indices, no Dropout mask, no BatchNorm
    /// training statistics).
    fn only_first_output(&self, node: &NodeProto, what: &str) -> NodeResult<()> {
        for o in node.output.iter().skip(1) {
            if !o.is_empty() && self.readers.get(o.as_str()).copied().unwrap_or(0) > 0 {
                return Err(format!("its output '{o}' ({what}) is used, which convlens does not compute"));
            }
        }
        Ok(())
    }

    fn node(&mut self, index: usize, node: &'a NodeProto) -> std::result::Result<(), Option<NodeError>> {
        let fail = |message: Option<String>| NodeError {
            index,
            name: node_name(node).to_string(),
            op: op_type(node).to_string(),
            message,
        };
        let domain = node.domain.as_deref().unwrap_or("");
        if !matches!(domain, "" | "ai.onnx") {
            return Err(Some(NodeError { op: format!("{domain}:{}", op_type(node)), ..fail(None) }));
        }
        if node.output.is_empty() {
            return Err(Some(fail(Some("the node has no output".into()))));
        }
        let result = match op_type(node) {
            "Conv" => self.conv(node),
            "BatchNormalization" => self.batchnorm(node),
            "Relu" | "Sigmoid" | "HardSwish" => self.activation(node),
            "Clip" => self.clip(node),
            "MaxPool" | "AveragePool" => self.pool(node),
            "GlobalAveragePool" => self.global_avgpool(node),
            "Gemm" => self.gemm(node),
            "MatMul" => self.matmul(index, node),
            "Add" => self.add(index, node),
            "Flatten" => self.flatten(node),
            "Reshape" => self.reshape(node),
            "Concat" => self.concat(node),
            "Softmax" => self.softmax(node),
            "Dropout" => self.dropout(node),
            "Identity" => self.identity(node),
            "Constant" => self.constant_node(node),
            _ => return Err(Some(fail(None))),
        };
        // Err(None): an input comes from a node that failed already (reported there).
        result.map_err(|e| e.map(|m| fail(Some(m))))
    }
}

/// The node handlers: each converts one node or says why it cannot (Err(None): an input is broken).
type Handled = std::result::Result<(), Option<String>>;

fn msg<T>(r: NodeResult<T>) -> std::result::Result<T, Option<String>> {
    r.map_err(Some)
}

impl<'a> Importer<'a> {
    fn conv(&mut self, node: &NodeProto) -> Handled {
        let attrs = msg(Attrs::check(node, &["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"]))?;
        let (src, shape) = self.data(node, 0)?;
        let Shp::Chw(c, h, w) = shape else {
            return Err(Some(format!("the input is {}; Conv needs an image [N, C, H, W]", shape.describe())));
        };
        let weight = msg(self.required_constant(node, 1, "weight"))?;
        let [m, cg, kh, kw] = weight.dims[..] else {
            return Err(Some(format!(
                "the weight has shape {:?}; convlens supports 2-D convolutions (4-D weights)",
                weight.dims
            )));
        };
        let bias = msg(self.optional_constant(node, 2, "bias"))?;
        if let Some(b) = &bias {
            if b.dims != [m] {
                return Err(Some(format!("the bias has shape {:?}, expected [{m}]", b.dims)));
            }
        }
        let group = msg(attrs.int("group", 1))?;
        let Some(group) = dim(group).filter(|&g| g >= 1) else {
            return Err(Some(format!("group {group} must be at least 1")));
        };
        if cg.checked_mul(group) != Some(c) {
            return Err(Some(format!(
                "the weight has shape {:?}: {cg} input channels per group x {group} groups does not match the input's {c} channels",
                weight.dims
            )));
        }
        let kernel = msg(pair(&attrs, "kernel_shape", (kh, kw), 1))?;
        if kernel != (kh, kw) {
            return Err(Some(format!("kernel_shape {kernel:?} does not match the weight's {kh}x{kw}")));
        }
        let stride = msg(pair(&attrs, "strides", (1, 1), 1))?;
        let dilation = msg(pair(&attrs, "dilations", (1, 1), 1))?;
        let pad = msg(padding(&attrs, (h, w), kernel, stride, dilation))?;
        let oh = crate::output_size(h, kh, stride.0, pad.0, dilation.0).map_err(|e| Some(e.0))?;
        let ow = crate::output_size(w, kw, stride.1, pad.1, dilation.1).map_err(|e| Some(e.0))?;
        let name = self.layer_name(node);
        let mut l = layer(&name, "conv2d", vec![src]);
        l.out_channels = Some(m);
        l.kernel_size = Some(Pair::HW([kh, kw]));
        l.stride = Some(Pair::HW([stride.0, stride.1]));
        l.padding = Some(Pair::HW([pad.0, pad.1]));
        l.dilation = Some(Pair::HW([dilation.0, dilation.1]));
        if group > 1 {
            l.groups = Some(group);
        }
        self.layers.push(l);
        self.add_tensor(&name, "weight", weight.dims.clone(), weight.floats());
        if let Some(b) = bias {
            self.add_tensor(&name, "bias", b.dims.clone(), b.floats());
        }
        self.set_output(node, name, Shp::Chw(m, oh, ow));
        Ok(())
    }

    fn batchnorm(&mut self, node: &NodeProto) -> Handled {
        let attrs = msg(Attrs::check(node, &["epsilon", "momentum", "training_mode", "spatial"]))?;
        let (src, shape) = self.data(node, 0)?;
        let Shp::Chw(c, _, _) = shape else {
            return Err(Some(format!(
                "the input is {}; convlens supports BatchNormalization over images [N, C, H, W] only",
                shape.describe()
            )));
        };
        if msg(attrs.int("training_mode", 0))? != 0 {
            return Err(Some("training_mode 1 is not supported (inference only)".into()));
        }
        if msg(attrs.int("spatial", 1))? != 1 {
            return Err(Some("spatial 0 is not supported".into()));
        }
        msg(self.only_first_output(node, "training statistics"))?;
        let eps = msg(attrs.float("epsilon", 1e-5))?;
        let name = self.layer_name(node);
        let mut params = Vec::new();
        for (i, what, suffix) in
            [(1, "scale", "weight"), (2, "bias", "bias"), (3, "mean", "running_mean"), (4, "variance", "running_var")]
        {
            let t = msg(self.required_constant(node, i, what))?;
            if t.len() != c || t.dims.len() != 1 {
                return Err(Some(format!("the {what} has shape {:?}, expected [{c}]", t.dims)));
            }
            params.push((suffix, t));
        }
        let mut l = layer(&name, "batchnorm2d", vec![src]);
        l.eps = Some(eps);
        self.layers.push(l);
        for (suffix, t) in params {
            self.add_tensor(&name, suffix, vec![c], t.floats());
        }
        self.set_output(node, name, shape);
        Ok(())
    }

    /// Relu, Sigmoid, HardSwish: one layer of the same shape.
    fn activation(&mut self, node: &NodeProto) -> Handled {
        msg(Attrs::check(node, &[]))?;
        let kind = match op_type(node) {
            "Relu" => "relu",
            "Sigmoid" => "sigmoid",
            _ => "hardswish",
        };
        self.unary(node, kind, |_| {})
    }

    fn unary(&mut self, node: &NodeProto, kind: &str, set: impl FnOnce(&mut LayerJson)) -> Handled {
        let (src, shape) = self.data(node, 0)?;
        let name = self.layer_name(node);
        let mut l = layer(&name, kind, vec![src]);
        set(&mut l);
        self.layers.push(l);
        self.set_output(node, name, shape);
        Ok(())
    }

    /// The input passes through unchanged (no layer).
    fn alias(&mut self, node: &NodeProto) -> Handled {
        let (src, shape) = self.data(node, 0)?;
        self.set_output(node, src, shape);
        Ok(())
    }

    fn clip(&mut self, node: &NodeProto) -> Handled {
        let attrs = msg(Attrs::check(node, &["min", "max"]))?;
        let scalar = |c: Option<Const>, what: &str| -> NodeResult<Option<f32>> {
            match c {
                None => Ok(None),
                Some(c) if c.len() == 1 && c.dims.len() <= 1 => Ok(c.floats().first().copied()),
                Some(c) => Err(format!("the {what} has shape {:?}; Clip bounds are scalars", c.dims)),
            }
        };
        let mut lo = msg(scalar(msg(self.optional_constant(node, 1, "min"))?, "min"))?;
        let mut hi = msg(scalar(msg(self.optional_constant(node, 2, "max"))?, "max"))?;
        if attrs.get("min").is_some() {
            lo = Some(msg(attrs.float("min", f32::MIN))?);
        }
        if attrs.get("max").is_some() {
            hi = Some(msg(attrs.float("max", f32::MAX))?);
        }
        // Infinite bounds (as exporters write "no bound") are no bound.
        let lo = lo.filter(|v| v.is_finite());
        let hi = hi.filter(|v| v.is_finite());
        match (lo, hi) {
            (None, None) => self.alias(node),
            (Some(0.0), None) => self.unary(node, "relu", |_| {}),
            (Some(a), Some(b)) if a == 0.0 && b == 6.0 => self.unary(node, "relu6", |_| {}),
            _ => self.unary(node, "clip", |l| {
                l.min = lo;
                l.max = hi;
            }),
        }
    }

    fn pool(&mut self, node: &NodeProto) -> Handled {
        let max = op_type(node) == "MaxPool";
        let allowed: &[&str] = if max {
            &["auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"]
        } else {
            &["auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides"]
        };
        let attrs = msg(Attrs::check(node, allowed))?;
        let (src, shape) = self.data(node, 0)?;
        let Shp::Chw(c, h, w) = shape else {
            return Err(Some(format!("the input is {}; pooling needs an image [N, C, H, W]", shape.describe())));
        };
        msg(self.only_first_output(node, "indices"))?;
        let Some(kernel) = msg(attrs.ints("kernel_shape"))? else {
            return Err(Some("kernel_shape is required".into()));
        };
        let kernel = match kernel {
            &[a, b] if a >= 1 && b >= 1 && dim(a).is_some() && dim(b).is_some() => {
                (dim(a).unwrap_or(0), dim(b).unwrap_or(0))
            }
            k => {
                return Err(Some(format!(
                    "kernel_shape {k:?}: convlens supports 2-D pooling (1-D and 3-D are not supported)"
                )))
            }
        };
        let stride = msg(pair(&attrs, "strides", (1, 1), 1))?;
        if msg(pair(&attrs, "dilations", (1, 1), 1))? != (1, 1) {
            return Err(Some("dilations other than 1 are not supported for pooling".into()));
        }
        let pad = msg(padding(&attrs, (h, w), kernel, stride, (1, 1)))?;
        let oh = crate::output_size(h, kernel.0, stride.0, pad.0, 1).map_err(|e| Some(e.0))?;
        let ow = crate::output_size(w, kernel.1, stride.1, pad.1, 1).map_err(|e| Some(e.0))?;
        if msg(attrs.int("ceil_mode", 0))? != 0 {
            // Ceil rounding only differs when a last, partial window would start inside the input.
            let ceil = |inp: usize, k: usize, s: usize, p: usize| {
                let mut out = (inp + 2 * p).saturating_sub(k).div_ceil(s) + 1;
                if (out - 1) * s >= inp + p {
                    out -= 1;
                }
                out
            };
            if ceil(h, kernel.0, stride.0, pad.0) != oh || ceil(w, kernel.1, stride.1, pad.1) != ow {
                return Err(Some(
                    "ceil_mode 1 gives a larger output than floor rounding here, which convlens does not support"
                        .into(),
                ));
            }
        }
        let include_pad = !max && msg(attrs.int("count_include_pad", 0))? != 0;
        let name = self.layer_name(node);
        let mut l = layer(&name, if max { "maxpool2d" } else { "avgpool2d" }, vec![src]);
        l.kernel_size = Some(Pair::HW([kernel.0, kernel.1]));
        l.stride = Some(Pair::HW([stride.0, stride.1]));
        l.padding = Some(Pair::HW([pad.0, pad.1]));
        if include_pad && pad != (0, 0) {
            l.count_include_pad = Some(true);
        }
        self.layers.push(l);
        self.set_output(node, name, Shp::Chw(c, oh, ow));
        Ok(())
    }

    fn global_avgpool(&mut self, node: &NodeProto) -> Handled {
        msg(Attrs::check(node, &[]))?;
        let (src, shape) = self.data(node, 0)?;
        let Shp::Chw(c, _, _) = shape else {
            return Err(Some(format!(
                "the input is {}; GlobalAveragePool needs an image [N, C, H, W]",
                shape.describe()
            )));
        };
        let name = self.layer_name(node);
        self.layers.push(layer(&name, "global_avgpool", vec![src]));
        self.set_output(node, name, Shp::Chw(c, 1, 1));
        Ok(())
    }

    /// A linear layer `y = x W^T + b` from a weight `[in, out]` (transposed here) or `[out, in]`.
    fn linear(
        &mut self,
        node: &NodeProto,
        (src, k): (String, usize),
        weight: &Const,
        transposed: bool,
        scale: f32,
        bias: Option<Vec<f32>>,
    ) -> NodeResult<(String, Shp)> {
        let [a, b] = weight.dims[..] else {
            return Err(format!("the weight has shape {:?}; a 2-D weight is expected", weight.dims));
        };
        let (n, kk) = if transposed { (a, b) } else { (b, a) };
        if kk != k {
            return Err(format!("the weight has shape {:?}, which does not fit the input's {k} features", weight.dims));
        }
        let w = weight.floats();
        let values: Vec<f32> = if transposed {
            w.iter().map(|v| v * scale).collect()
        } else {
            let mut t = vec![0.0; w.len()];
            for i in 0..k {
                for j in 0..n {
                    t[j * k + i] = w[i * n + j] * scale;
                }
            }
            t
        };
        let name = self.layer_name(node);
        let mut l = layer(&name, "linear", vec![src]);
        l.out_features = Some(n);
        self.layers.push(l);
        self.add_tensor(&name, "weight", vec![n, k], values);
        if let Some(b) = bias {
            self.add_tensor(&name, "bias", vec![n], b);
        }
        Ok((name, Shp::Vec(n)))
    }

    fn vector_input(&self, node: &NodeProto, op: &str) -> std::result::Result<(String, usize), Option<String>> {
        match self.data(node, 0)? {
            (src, Shp::Vec(k)) => Ok((src, k)),
            (_, s) => Err(Some(format!(
                "the input is {}; {op} needs a matrix [N, K] (put a Flatten before it)",
                s.describe()
            ))),
        }
    }

    fn gemm(&mut self, node: &NodeProto) -> Handled {
        let attrs = msg(Attrs::check(node, &["alpha", "beta", "transA", "transB"]))?;
        if msg(attrs.int("transA", 0))? != 0 {
            return Err(Some("transA 1 is not supported (the input must be [N, K])".into()));
        }
        let (src, k) = self.vector_input(node, "Gemm")?;
        let weight = msg(self.required_constant(node, 1, "weight (B)"))?;
        let trans_b = msg(attrs.int("transB", 0))? != 0;
        let alpha = msg(attrs.float("alpha", 1.0))?;
        let beta = msg(attrs.float("beta", 1.0))?;
        let n = match (weight.dims.as_slice(), trans_b) {
            ([n, _], true) | ([_, n], false) => *n,
            _ => return Err(Some(format!("the weight (B) has shape {:?}; a 2-D weight is expected", weight.dims))),
        };
        let bias = match msg(self.optional_constant(node, 2, "bias (C)"))? {
            None => None,
            Some(c) => Some(msg(broadcast_bias(&c, n, beta))?),
        };
        let (name, shape) = msg(self.linear(node, (src, k), &weight, trans_b, alpha, bias))?;
        self.set_output(node, name, shape);
        Ok(())
    }

    fn matmul(&mut self, index: usize, node: &NodeProto) -> Handled {
        msg(Attrs::check(node, &[]))?;
        let (src, k) = self.vector_input(node, "MatMul")?;
        let weight = msg(self.required_constant(node, 1, "weight (B)"))?;
        let [_, n] = weight.dims[..] else {
            return Err(Some(format!("the weight (B) has shape {:?}; a 2-D weight is expected", weight.dims)));
        };
        // A following Add of a constant [n] is the bias (MatMul + Add, as exporters write Linear).
        let out = node.output[0].as_str();
        let mut bias = None;
        let mut fused_at = None;
        if self.readers.get(out).copied() == Some(1) {
            if let Some((j, add)) =
                self.nodes.iter().enumerate().skip(index + 1).find(|(_, m)| m.input.iter().any(|i| i == out))
            {
                if op_type(add) == "Add" && add.input.len() == 2 && matches!(add.domain.as_deref(), None | Some("")) {
                    let other = if add.input[0] == out { &add.input[1] } else { &add.input[0] };
                    if let Ok(Some(c)) = self.constant(other) {
                        if let Ok(b) = broadcast_bias(&c, n, 1.0) {
                            bias = Some(b);
                            fused_at = Some(j);
                        }
                    }
                }
            }
        }
        let (name, shape) = msg(self.linear(node, (src, k), &weight, false, 1.0, bias))?;
        if let Some(j) = fused_at {
            self.fused.insert(j, (name.clone(), shape));
        }
        self.set_output(node, name, shape);
        Ok(())
    }

    fn add(&mut self, index: usize, node: &NodeProto) -> Handled {
        msg(Attrs::check(node, &[]))?;
        if let Some((name, shape)) = self.fused.get(&index).cloned() {
            self.set_output(node, name, shape);
            return Ok(());
        }
        if node.input.len() != 2 {
            return Err(Some(format!("Add has {} inputs, expected 2", node.input.len())));
        }
        let mut sources = Vec::new();
        let mut shapes = Vec::new();
        for i in 0..2 {
            match self.data(node, i) {
                Ok((s, shape)) => {
                    sources.push(s);
                    shapes.push(shape);
                }
                Err(Some(_)) if self.constant(&node.input[i]).ok().flatten().is_some() => {
                    return Err(Some(format!(
                        "adding a constant ('{}') is supported only as the bias right after a MatMul",
                        node.input[i]
                    )))
                }
                Err(e) => return Err(e),
            }
        }
        if shapes[0] != shapes[1] {
            return Err(Some(format!(
                "the inputs have shapes {} and {}; convlens adds tensors of one shape (no broadcasting)",
                shapes[0].describe(),
                shapes[1].describe()
            )));
        }
        let name = self.layer_name(node);
        self.layers.push(layer(&name, "add", sources));
        self.set_output(node, name, shapes[0]);
        Ok(())
    }

    fn flatten(&mut self, node: &NodeProto) -> Handled {
        let attrs = msg(Attrs::check(node, &["axis"]))?;
        let (_, shape) = self.data(node, 0)?;
        let axis = msg(attrs.int("axis", 1))?;
        let rank = shape.dims().len() as i64 + 1;
        if axis != 1 && axis != 1 - rank {
            return Err(Some(format!("axis {axis} is not supported (only 1: keep the batch, flatten the rest)")));
        }
        match shape {
            Shp::Vec(_) => self.alias(node),
            Shp::Chw(..) => self.unary(node, "flatten", |_| {}).map(|()| {
                if let Some(o) = node.output.first() {
                    if let Some(Value::Layer { shape: s, .. }) = self.values.get_mut(o) {
                        *s = Shp::Vec(shape.len());
                    }
                }
            }),
        }
    }

    fn reshape(&mut self, node: &NodeProto) -> Handled {
        let attrs = msg(Attrs::check(node, &["allowzero"]))?;
        let (_, shape) = self.data(node, 0)?;
        let target = msg(self.required_constant(node, 1, "shape"))?;
        let Some(target) = target.ints().map(<[i64]>::to_vec) else {
            return Err(Some("the shape is not an integer tensor".into()));
        };
        let allowzero = msg(attrs.int("allowzero", 0))? != 0;
        let full_in: Vec<usize> = std::iter::once(1).chain(shape.dims()).collect();
        let total = shape.len();
        let Some((&first, rest)) = target.split_first() else {
            return Err(Some("the target shape is empty (a scalar)".into()));
        };
        let bad = |why: &str| Some(format!("target shape {target:?}: {why}"));
        if target.iter().filter(|&&d| d == -1).count() > 1 {
            return Err(bad("more than one -1"));
        }
        if target.iter().any(|&d| d < -1 || (d == 0 && allowzero)) {
            return Err(bad("dimensions must be positive, 0 (copy) or -1 (inferred)"));
        }
        // Per sample: the batch dimension must stay the batch dimension.
        let mut dims: Vec<Option<usize>> = Vec::new();
        for (j, &d) in rest.iter().enumerate() {
            dims.push(match d {
                -1 => None,
                0 => Some(*full_in.get(j + 1).ok_or_else(|| bad("a 0 copies a dimension the input lacks"))?),
                d => Some(dim(d).unwrap_or(usize::MAX)),
            });
        }
        let known = dims.iter().flatten().try_fold(1usize, |a, &d| a.checked_mul(d)).unwrap_or(usize::MAX);
        let infer = |known: usize| (known > 0 && total % known == 0).then(|| total / known);
        match first {
            0 | 1 => {
                if let Some(slot) = dims.iter_mut().find(|d| d.is_none()) {
                    *slot = Some(infer(known).ok_or_else(|| bad(&format!("does not fit {total} values per sample")))?);
                }
            }
            -1 if dims.iter().all(Option::is_some) && known == total => {}
            _ => return Err(bad("the first (batch) dimension must stay the batch: 0, 1, or -1 with the rest fixed")),
        }
        let dims: Vec<usize> = dims.into_iter().flatten().collect();
        if dims.iter().try_fold(1usize, |a, &d| a.checked_mul(d)) != Some(total) {
            return Err(bad(&format!("does not fit {total} values per sample (input {})", shape.describe())));
        }
        let out = match dims[..] {
            [n] => Shp::Vec(n),
            [c, h, w] => Shp::Chw(c, h, w),
            _ => {
                return Err(bad(
                    "convlens tensors are images [N, C, H, W] or matrices [N, K]; other ranks are not supported",
                ))
            }
        };
        if out == shape {
            return self.alias(node);
        }
        if let (Shp::Vec(_), Shp::Chw(..)) = (out, shape) {
            self.unary(node, "flatten", |_| {})?;
        } else {
            self.unary(node, "reshape", |l| l.shape = Some(dims.iter().map(|&d| d as i64).collect()))?;
        }
        if let Some(Value::Layer { shape: s, .. }) = node.output.first().and_then(|o| self.values.get_mut(o)) {
            *s = out;
        }
        Ok(())
    }

    fn concat(&mut self, node: &NodeProto) -> Handled {
        let attrs = msg(Attrs::check(node, &["axis"]))?;
        let axis = msg(attrs.int("axis", i64::MIN))?;
        let mut sources = Vec::new();
        let mut shapes = Vec::new();
        for i in 0..node.input.len() {
            let (s, shape) = self.data(node, i)?;
            sources.push(s);
            shapes.push(shape);
        }
        let Some(&first) = shapes.first() else { return Err(Some("Concat has no inputs".into())) };
        let rank = first.dims().len() as i64 + 1;
        if axis != 1 && axis != 1 - rank {
            return Err(Some(format!("axis {axis} is not supported (only the channel or feature axis, 1)")));
        }
        let out = match first {
            Shp::Chw(_, h, w) => {
                let mut c = 0usize;
                for s in &shapes {
                    match s {
                        Shp::Chw(ci, hi, wi) if (*hi, *wi) == (h, w) => c = c.saturating_add(*ci),
                        s => {
                            return Err(Some(format!(
                                "the inputs' shapes differ beyond the channels ({} and {})",
                                first.describe(),
                                s.describe()
                            )))
                        }
                    }
                }
                Shp::Chw(c, h, w)
            }
            Shp::Vec(_) => {
                let mut n = 0usize;
                for s in &shapes {
                    match s {
                        Shp::Vec(ni) => n = n.saturating_add(*ni),
                        s => return Err(Some(format!("cannot join {} and {}", first.describe(), s.describe()))),
                    }
                }
                Shp::Vec(n)
            }
        };
        if sources.len() == 1 {
            return self.alias(node);
        }
        let name = self.layer_name(node);
        self.layers.push(layer(&name, "concat", sources));
        self.set_output(node, name, out);
        Ok(())
    }

    fn softmax(&mut self, node: &NodeProto) -> Handled {
        let attrs = msg(Attrs::check(node, &["axis"]))?;
        let (_, shape) = self.data(node, 0)?;
        let default = if self.opset >= 13 { -1 } else { 1 };
        let axis = msg(attrs.int("axis", default))?;
        match shape {
            Shp::Vec(_) if axis == 1 || axis == -1 => self.unary(node, "softmax", |_| {}),
            Shp::Vec(_) => Err(Some(format!("axis {axis} is not supported (only the class axis, 1 or -1)"))),
            Shp::Chw(..) => Err(Some(format!(
                "the input is {}; convlens applies Softmax to [N, K] class scores (put a Flatten before it)",
                shape.describe()
            ))),
        }
    }

    fn dropout(&mut self, node: &NodeProto) -> Handled {
        msg(Attrs::check(node, &["ratio", "seed"]))?;
        if let Some(t) = msg(self.optional_constant(node, 2, "training_mode"))? {
            if t.floats().iter().any(|&v| v != 0.0) {
                return Err(Some("training_mode true is not supported (inference only)".into()));
            }
        }
        msg(self.only_first_output(node, "mask"))?;
        self.alias(node)
    }

    fn identity(&mut self, node: &NodeProto) -> Handled {
        msg(Attrs::check(node, &[]))?;
        let name = node.input.first().map_or("", String::as_str);
        if let Some(c) = msg(self.constant(name))? {
            if let Some(o) = node.output.first() {
                self.constants.insert(o.clone(), c);
            }
            return Ok(());
        }
        self.alias(node)
    }

    fn constant_node(&mut self, node: &NodeProto) -> Handled {
        let Some(a) = node.attribute.first().filter(|_| node.attribute.len() == 1) else {
            return Err(Some("a Constant node needs exactly one attribute".into()));
        };
        let name = a.name.as_deref().unwrap_or("");
        let c = match name {
            "value" => match &a.t {
                Some(t) => msg(tensor::decode(t).map_err(|e| e.0))?,
                None => return Err(Some("attribute 'value' holds no tensor".into())),
            },
            "value_float" => Const { dims: vec![], data: ConstData::F32(vec![a.f.unwrap_or(0.0)]) },
            "value_floats" => Const { dims: vec![a.floats.len()], data: ConstData::F32(a.floats.clone()) },
            "value_int" => Const { dims: vec![], data: ConstData::I64(vec![a.i.unwrap_or(0)]) },
            "value_ints" => Const { dims: vec![a.ints.len()], data: ConstData::I64(a.ints.clone()) },
            other => return Err(Some(format!("attribute '{other}' is not supported"))),
        };
        if let Some(o) = node.output.first() {
            self.constants.insert(o.clone(), c);
        }
        Ok(())
    }
}

/// A bias of `n` values from a constant of shape [], [1], [n] or [1, n], times `scale`.
fn broadcast_bias(c: &Const, n: usize, scale: f32) -> NodeResult<Vec<f32>> {
    let v = c.floats();
    let ok = matches!(c.dims[..], [] | [1] | [1, 1]) || c.dims == [n] || c.dims == [1, n];
    if !ok {
        return Err(format!("the bias has shape {:?}; expected [{n}] or [1, {n}] (or a scalar)", c.dims));
    }
    Ok(if v.len() == 1 { vec![v[0] * scale; n] } else { v.iter().map(|x| x * scale).collect() })
}
