//! `reshape`: the same values in row-major order under a new shape, `[n]` or `[c, h, w]` (no
//! batch axis), where at most one entry is -1 (inferred from the element count).

use super::Shape;
use crate::bail;
use crate::error::Result;

/// The output shape of reshaping `input` to `target`.
pub fn reshape_shape(target: &[i64], input: Shape) -> Result<Shape> {
    let total = input.len();
    if target.len() != 1 && target.len() != 3 {
        bail!("shape {target:?} must be [n] or [c, h, w] (no batch axis), got {} entries", target.len());
    }
    if target.iter().filter(|&&d| d == -1).count() > 1 {
        bail!("shape {target:?} has more than one -1 (only one size can be inferred)");
    }
    if let Some(d) = target.iter().find(|&&d| d != -1 && d < 1) {
        bail!("shape {target:?} has the entry {d}: sizes are at least 1, or -1 for the one inferred");
    }
    let known = target.iter().filter(|&&d| d != -1).try_fold(1usize, |p, &d| p.checked_mul(usize::try_from(d).ok()?));
    let Some(known) = known else {
        bail!("shape {target:?} is too large");
    };
    let dims: Vec<usize> = if target.contains(&-1) {
        if !total.is_multiple_of(known) {
            bail!("shape {target:?} cannot hold the input's {total} values ({input}): {total} is not a multiple of {known}");
        }
        target.iter().map(|&d| if d == -1 { total / known } else { d as usize }).collect()
    } else {
        if known != total {
            bail!("shape {target:?} holds {known} values but the input {input} has {total}");
        }
        target.iter().map(|&d| d as usize).collect()
    };
    Ok(if let [n] = dims[..] { Shape::Vector(n) } else { Shape::Chw(dims[0], dims[1], dims[2]) })
}
