//! Activation statistics over a batch of inputs: which channels fire, how much, on which inputs,
//! and which never do ("dead" filters).

use crate::bail;
use crate::error::Result;
use crate::layers::Shape;
use crate::model::Model;

/// How many top inputs are kept per channel.
pub const TOP: usize = 9;

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ChannelStats {
    /// Mean of the channel's values over all positions and inputs.
    pub mean: f32,
    pub max: f32,
    /// Fraction of (position, input) pairs where the value is > 0.
    pub active: f32,
    /// Never > 0 on the batch.
    pub dead: bool,
    /// Indices of the inputs with the highest mean value of this channel, highest first.
    pub top: Vec<usize>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LayerStats {
    pub name: String,
    /// One entry per channel (for a vector output, per element).
    pub channels: Vec<ChannelStats>,
}

/// Sum, maximum and number of positive values of `vals` in one pass, in four independent lanes
/// (which the compiler can keep in one vector register).
fn summarize(vals: &[f32]) -> (f32, f32, usize) {
    let mut sum = [0.0f32; 4];
    let mut max = [f32::NEG_INFINITY; 4];
    let mut pos = [0usize; 4];
    let chunks = vals.chunks_exact(4);
    let tail = chunks.remainder();
    for c in chunks {
        for j in 0..4 {
            sum[j] += c[j];
            max[j] = if c[j] > max[j] { c[j] } else { max[j] };
            pos[j] += (c[j] > 0.0) as usize;
        }
    }
    for (j, &v) in tail.iter().enumerate() {
        sum[j] += v;
        max[j] = if v > max[j] { v } else { max[j] };
        pos[j] += (v > 0.0) as usize;
    }
    let m = max.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    ((sum[0] + sum[1]) + (sum[2] + sum[3]), m, pos.iter().sum())
}

/// Indices of the `k` largest values, largest first, ties in index order (an insertion into a
/// short list: no sort of the whole batch).
fn top_indices(values: &[f32], k: usize) -> Vec<usize> {
    let mut top: Vec<usize> = Vec::with_capacity(k + 1);
    for (i, v) in values.iter().enumerate() {
        let at = top.iter().position(|&j| *v > values[j]).unwrap_or(top.len());
        if at < k {
            top.insert(at, i);
            top.truncate(k);
        }
    }
    top
}

/// Runs the model over `count` raw inputs laid end to end in `inputs`.
pub fn statistics(model: &Model, inputs: &[f32], count: usize) -> Result<Vec<LayerStats>> {
    let n = model.input.len();
    if count == 0 || inputs.len() != count.saturating_mul(n) {
        bail!("inputs has {} values, but {count} inputs of {n} values need {}", inputs.len(), count.saturating_mul(n));
    }
    // Per layer: (channels, positions) and running sums.
    let dims: Vec<(usize, usize)> = model
        .layers
        .iter()
        .map(|l| match l.output_shape {
            Shape::Chw(c, h, w) => (c, h * w),
            Shape::Vector(len) => (len, 1),
        })
        .collect();
    let mut sum: Vec<Vec<f64>> = dims.iter().map(|&(c, _)| vec![0.0; c]).collect();
    let mut max: Vec<Vec<f32>> = dims.iter().map(|&(c, _)| vec![f32::NEG_INFINITY; c]).collect();
    let mut positive: Vec<Vec<usize>> = dims.iter().map(|&(c, _)| vec![0; c]).collect();
    // Per layer and channel, the mean on each input (for the top inputs).
    let mut per_input: Vec<Vec<Vec<f32>>> = dims.iter().map(|&(c, _)| vec![Vec::with_capacity(count); c]).collect();
    for k in 0..count {
        let acts = model.forward(&inputs[k * n..(k + 1) * n]).map_err(|e| e.context(format!("input {k}")))?;
        for (l, out) in acts.outputs.iter().enumerate() {
            let (c, p) = dims[l];
            let out = out.as_slice().expect("contiguous");
            for ch in 0..c {
                let (s, m, pos) = summarize(&out[ch * p..(ch + 1) * p]);
                sum[l][ch] += s as f64;
                max[l][ch] = max[l][ch].max(m);
                positive[l][ch] += pos;
                per_input[l][ch].push(s / p as f32);
            }
        }
    }
    Ok(model
        .layers
        .iter()
        .enumerate()
        .map(|(l, layer)| {
            let (c, p) = dims[l];
            let total = (p * count) as f64;
            let channels = (0..c)
                .map(|ch| {
                    let means = &per_input[l][ch];
                    ChannelStats {
                        mean: (sum[l][ch] / total) as f32,
                        max: max[l][ch],
                        active: (positive[l][ch] as f64 / total) as f32,
                        dead: positive[l][ch] == 0,
                        top: top_indices(means, TOP),
                    }
                })
                .collect();
            LayerStats { name: layer.name.clone(), channels }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::{summarize, top_indices};

    #[test]
    fn top_indices_match_a_full_sort() {
        let values: Vec<f32> = (0..50).map(|i| ((i * 29 % 13) as f32 - 6.0) * 0.5).collect();
        for k in [0, 1, 9, 50, 60] {
            let mut order: Vec<usize> = (0..values.len()).collect();
            order.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
            order.truncate(k);
            assert_eq!(top_indices(&values, k), order, "k {k}");
        }
    }

    #[test]
    fn one_pass_summary_matches_the_definitions() {
        for len in [0, 1, 3, 4, 5, 17, 64] {
            let vals: Vec<f32> = (0..len).map(|i| ((i * 37 % 11) as f32 - 5.0) * 0.25).collect();
            let (s, m, p) = summarize(&vals);
            assert!((s - vals.iter().sum::<f32>()).abs() < 1e-5, "len {len}");
            assert_eq!(m, vals.iter().copied().fold(f32::NEG_INFINITY, f32::max), "len {len}");
            assert_eq!(p, vals.iter().filter(|v| **v > 0.0).count(), "len {len}");
        }
    }
}
