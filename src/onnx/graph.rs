//! The graph pass of the ONNX import: the default opset checked, the one image input read, every
//! node converted in the file's (topological) order by its operator's converter from the
//! [`crate::onnx::ops`] registry, every failure gathered into one error, and the layers the one
//! graph output depends on kept.

use crate::architecture::{Architecture, InputJson, LayerJson, LayerType, NoFields, Tensors};
use crate::bail;
use crate::error::Result;
use crate::model::INPUT_NAME;
use crate::onnx::importer::{node_name, op_type, Importer, Shp, Value};
use crate::onnx::proto::{self, ModelProto, NodeProto};
use crate::onnx::{ops, tensor};
use std::collections::HashSet;

/// Lowest and highest default-domain (`ai.onnx`) opset version accepted.
pub const OPSET_MIN: i64 = 11;
pub const OPSET_MAX: i64 = 21;

/// What went wrong with one node.
struct NodeError {
    index: usize,
    name: String,
    op: String,
    message: Option<String>,
}

/// Converts an ONNX model into the engine's architecture and tensors (not yet validated as a model).
pub fn convert(model: &ModelProto) -> Result<(Architecture, Tensors)> {
    let opset = default_opset(model)?;
    let Some(graph) = &model.graph else { bail!("the ONNX file has no graph") };
    let mut im = Importer::new(opset, graph);

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
        im.layers.push(LayerJson::new(&name, LayerType::Flatten(NoFields {}), vec![INPUT_NAME.to_string()]));
        im.values.insert(input_name.clone(), Value::Layer { source: name, shape });
    }

    let mut unsupported: Vec<String> = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    for (index, node) in graph.node.iter().enumerate() {
        if let Err(e) = convert_node(&mut im, index, node) {
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
        bail!("{} (convlens imports {})", parts.join("; "), ops::OPERATORS.join(", "));
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

/// Converts one node with its operator's converter.
fn convert_node(im: &mut Importer, index: usize, node: &NodeProto) -> std::result::Result<(), Option<NodeError>> {
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
    let Some(convert) = ops::converter(op_type(node)) else { return Err(Some(fail(None))) };
    // Err(None): an input comes from a node that failed already (reported there).
    convert(im, index, node).map_err(|e| e.map(|m| fail(Some(m))))
}
