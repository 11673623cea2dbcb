//! Layers that join several inputs: `add` (element-wise sum) and `concat` (along channels for
//! CHW inputs, end to end for vectors).

use super::Shape;
use crate::bail;
use crate::error::Result;

/// All inputs must have one shape, which is the output's.
pub fn add_shape(inputs: &[Shape]) -> Result<Shape> {
    let first = inputs[0];
    if let Some((i, s)) = inputs.iter().enumerate().find(|(_, s)| **s != first) {
        bail!("add needs inputs of one shape, but input 0 is {first} and input {i} is {s}");
    }
    Ok(first)
}

/// CHW inputs with equal height and width give their channels' total; vectors their lengths' total.
pub fn concat_shape(inputs: &[Shape]) -> Result<Shape> {
    match inputs[0] {
        Shape::Vector(_) => {
            let mut total = 0usize;
            for (i, s) in inputs.iter().enumerate() {
                match *s {
                    Shape::Vector(n) => total = total.saturating_add(n),
                    _ => bail!("concat joins vectors or CHW inputs, not both: input 0 is a vector, input {i} is {s}"),
                }
            }
            Ok(Shape::Vector(total))
        }
        Shape::Chw(_, h, w) => {
            let mut channels = 0usize;
            for (i, s) in inputs.iter().enumerate() {
                match *s {
                    Shape::Chw(c, hh, ww) if (hh, ww) == (h, w) => channels = channels.saturating_add(c),
                    _ => bail!(
                        "concat joins CHW inputs along channels, so their height and width must match: \
                         input 0 is {}, input {i} is {s}",
                        inputs[0]
                    ),
                }
            }
            Ok(Shape::Chw(channels, h, w))
        }
    }
}

/// y = sum of the inputs.
pub fn add_forward(xs: &[&[f32]], y: &mut [f32]) {
    y.copy_from_slice(xs[0]);
    for x in &xs[1..] {
        y.iter_mut().zip(x.iter()).for_each(|(y, x)| *y += x);
    }
}

/// Both layouts (CHW along channels, vectors end to end) are the inputs' flat data one after another.
pub fn concat_forward(xs: &[&[f32]], y: &mut [f32]) {
    let mut at = 0;
    for x in xs {
        y[at..at + x.len()].copy_from_slice(x);
        at += x.len();
    }
}

/// Each input's gradient is its slice of the output's gradient.
pub fn concat_backward(shapes: &[Shape], gy: &[f32], gxs: &mut [&mut [f32]]) {
    let mut at = 0;
    for (gx, s) in gxs.iter_mut().zip(shapes) {
        let n = s.len();
        gx.copy_from_slice(&gy[at..at + n]);
        at += n;
    }
}
