//! Matrix products: `Gemm` and `MatMul` -> `linear` (weight as `[out, in]`). A `MatMul` followed
//! by an `Add` of a constant that only reads it (as exporters write a linear layer) is one layer
//! with that bias; the `Add` converter finds it in [`Importer::fused`].

use crate::architecture::{LayerType, LinearJson};
use crate::onnx::attrs::Attrs;
use crate::onnx::importer::{msg, op_type, Handled, Importer, NodeResult, Shp};
use crate::onnx::proto::NodeProto;
use crate::onnx::tensor::Const;

/// Adds a linear layer `y = x W^T + b` from a weight `[in, out]` (transposed here) or `[out, in]`
/// (`transposed`), times `scale`, as the node's output; returns the layer's name.
fn linear(
    im: &mut Importer,
    node: &NodeProto,
    (src, k): (String, usize),
    weight: &Const,
    (transposed, scale): (bool, f32),
    bias: Option<Vec<f32>>,
) -> NodeResult<String> {
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
    let name = im.push_layer(node, LayerType::Linear(LinearJson { out_features: n }), vec![src], Shp::Vec(n));
    im.add_tensor(&name, "weight", vec![n, k], values);
    if let Some(b) = bias {
        im.add_tensor(&name, "bias", vec![n], b);
    }
    Ok(name)
}

/// Input 0 as a matrix `[N, K]`: its source and K.
fn vector_input(im: &Importer, node: &NodeProto, op: &str) -> std::result::Result<(String, usize), Option<String>> {
    match im.data(node, 0)? {
        (src, Shp::Vec(k)) => Ok((src, k)),
        (_, s) => {
            Err(Some(format!("the input is {}; {op} needs a matrix [N, K] (put a Flatten before it)", s.describe())))
        }
    }
}

pub(crate) fn gemm(im: &mut Importer, _: usize, node: &NodeProto) -> Handled {
    let attrs = msg(Attrs::check(node, &["alpha", "beta", "transA", "transB"]))?;
    if msg(attrs.int("transA", 0))? != 0 {
        return Err(Some("transA 1 is not supported (the input must be [N, K])".into()));
    }
    let (src, k) = vector_input(im, node, "Gemm")?;
    let weight = msg(im.required_constant(node, 1, "weight (B)"))?;
    let trans_b = msg(attrs.int("transB", 0))? != 0;
    let alpha = msg(attrs.float("alpha", 1.0))?;
    let beta = msg(attrs.float("beta", 1.0))?;
    let n = match (weight.dims.as_slice(), trans_b) {
        ([n, _], true) | ([_, n], false) => *n,
        _ => return Err(Some(format!("the weight (B) has shape {:?}; a 2-D weight is expected", weight.dims))),
    };
    let bias = match msg(im.optional_constant(node, 2, "bias (C)"))? {
        None => None,
        Some(c) => Some(msg(broadcast_bias(&c, n, beta))?),
    };
    msg(linear(im, node, (src, k), &weight, (trans_b, alpha), bias))?;
    Ok(())
}

pub(crate) fn mat_mul(im: &mut Importer, index: usize, node: &NodeProto) -> Handled {
    msg(Attrs::check(node, &[]))?;
    let (src, k) = vector_input(im, node, "MatMul")?;
    let weight = msg(im.required_constant(node, 1, "weight (B)"))?;
    let [_, n] = weight.dims[..] else {
        return Err(Some(format!("the weight (B) has shape {:?}; a 2-D weight is expected", weight.dims)));
    };
    // A following Add of a constant [n] is the bias (MatMul + Add, as exporters write Linear).
    let out = node.output[0].as_str();
    let mut bias = None;
    let mut fused_at = None;
    if im.readers.get(out).copied() == Some(1) {
        if let Some((j, add)) =
            im.nodes.iter().enumerate().skip(index + 1).find(|(_, m)| m.input.iter().any(|i| i == out))
        {
            if op_type(add) == "Add" && add.input.len() == 2 && matches!(add.domain.as_deref(), None | Some("")) {
                let other = if add.input[0] == out { &add.input[1] } else { &add.input[0] };
                if let Ok(Some(c)) = im.constant(other) {
                    if let Ok(b) = broadcast_bias(&c, n, 1.0) {
                        bias = Some(b);
                        fused_at = Some(j);
                    }
                }
            }
        }
    }
    let name = msg(linear(im, node, (src, k), &weight, (false, 1.0), bias))?;
    if let Some(j) = fused_at {
        im.fused.insert(j, (name, Shp::Vec(n)));
    }
    Ok(())
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
