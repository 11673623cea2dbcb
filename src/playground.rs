//! The convolution playground: one user-given kernel applied to one greyscale image, through the
//! same fast kernel the models use.

use crate::bail;
use crate::error::Result;
use crate::geometry::ConvGeom;
use crate::kernels;
use crate::model::MAX_INPUT_SIDE;

/// A single-channel convolution result.
#[derive(Clone, Debug, PartialEq)]
pub struct Convolved {
    pub data: Vec<f32>,
    pub height: usize,
    pub width: usize,
}

/// Cross-correlates `image` (`height x width`, row-major) with `kernel` (`kh x kw`), with the
/// given stride and zero padding, as a conv2d layer does. Errors, never panics, on bad arguments.
pub fn convolve(
    image: &[f32],
    (height, width): (usize, usize),
    kernel: &[f32],
    (kh, kw): (usize, usize),
    stride: usize,
    padding: usize,
) -> Result<Convolved> {
    if height > MAX_INPUT_SIDE || width > MAX_INPUT_SIDE {
        bail!("image {height}x{width} is larger than the {MAX_INPUT_SIDE}x{MAX_INPUT_SIDE} limit");
    }
    if kh > 64 || kw > 64 || padding > 64 {
        bail!("kernel {kh}x{kw} with padding {padding} is too large for the playground (at most 64)");
    }
    if image.len() != height * width {
        bail!("image has {} values, but {height}x{width} = {}", image.len(), height * width);
    }
    if kernel.len() != kh * kw {
        bail!("kernel has {} values, but {kh}x{kw} = {}", kernel.len(), kh * kw);
    }
    if let Some(i) = image.iter().position(|v| !v.is_finite()) {
        bail!("image value {i} is {}, not a finite number", image[i]);
    }
    if let Some(i) = kernel.iter().position(|v| !v.is_finite()) {
        bail!("kernel value {i} is {}, not a finite number", kernel[i]);
    }
    let g = ConvGeom::new((1, height, width), 1, (kh, kw), (stride, stride), (padding, padding), (1, 1))?;
    let mut data = vec![0.0; g.output_len()];
    kernels::conv2d_forward(&g, image, kernel, None, &mut data);
    Ok(Convolved { data, height: g.oh, width: g.ow })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vertical_edge_kernel_by_hand() {
        // A 4x4 image, dark left half and bright right half; [-1 0 1] finds the edge.
        let img = [0., 0., 1., 1., 0., 0., 1., 1., 0., 0., 1., 1., 0., 0., 1., 1.];
        let out = convolve(&img, (4, 4), &[-1., 0., 1.], (1, 3), 1, 0).unwrap();
        assert_eq!((out.height, out.width), (4, 2));
        assert_eq!(out.data, [1., 1., 1., 1., 1., 1., 1., 1.]);
        // Padding 1, stride 2 on a 3x3 kernel: (4 + 2 - 3) / 2 + 1 = 2.
        let id = [0., 0., 0., 0., 1., 0., 0., 0., 0.];
        let out = convolve(&img, (4, 4), &id, (3, 3), 2, 1).unwrap();
        assert_eq!((out.height, out.width), (2, 2));
        assert_eq!(out.data, [0., 1., 0., 1.]);
    }

    #[test]
    fn bad_arguments_are_errors() {
        assert!(convolve(&[0.0; 15], (4, 4), &[1.0], (1, 1), 1, 0).is_err());
        assert!(convolve(&[0.0; 16], (4, 4), &[1.0; 8], (3, 3), 1, 0).is_err());
        assert!(convolve(&[0.0; 16], (4, 4), &[1.0; 25], (5, 5), 1, 0).unwrap_err().0.contains("empty"));
        assert!(convolve(&[0.0; 16], (4, 4), &[1.0; 9], (3, 3), 0, 0).is_err());
        assert!(convolve(&[f32::NAN; 16], (4, 4), &[1.0; 9], (3, 3), 1, 0).is_err());
        assert!(convolve(&[], (5000, 0), &[1.0], (1, 1), 1, 0).is_err());
    }
}
