//! Output-size arithmetic of spatial layers, and the geometry structs the kernels take.

use crate::bail;
use crate::error::Result;

/// Output length of a convolution or pooling along one axis:
/// `out = floor((input + 2*padding - dilation*(kernel-1) - 1) / stride) + 1`.
///
/// Returns an error, never panics, when any argument is zero or the output would be empty.
///
/// ```
/// use convlens::output_size;
/// assert_eq!(output_size(28, 5, 1, 2, 1).unwrap(), 28);
/// assert_eq!(output_size(28, 2, 2, 0, 1).unwrap(), 14);
/// assert_eq!(output_size(7, 3, 2, 1, 2).unwrap(), 3);
/// assert!(output_size(2, 5, 1, 0, 1).is_err());
/// ```
pub fn output_size(input: usize, kernel: usize, stride: usize, padding: usize, dilation: usize) -> Result<usize> {
    if input == 0 || kernel == 0 || stride == 0 || dilation == 0 {
        bail!(
            "input size, kernel, stride and dilation must be at least 1 \
             (got input {input}, kernel {kernel}, stride {stride}, dilation {dilation})"
        );
    }
    let padded = input.checked_add(padding.saturating_mul(2));
    let span = (kernel - 1).checked_mul(dilation).and_then(|s| s.checked_add(1));
    match (padded, span) {
        (Some(padded), Some(span)) if padded >= span => Ok((padded - span) / stride + 1),
        (Some(padded), Some(span)) => bail!(
            "output would be empty: input {input} + 2*padding {padding} = {padded} is smaller than \
             the dilated kernel extent {span} (kernel {kernel}, dilation {dilation})"
        ),
        _ => bail!("sizes overflow (input {input}, kernel {kernel}, padding {padding}, dilation {dilation})"),
    }
}

/// Geometry of one 2-D convolution on a CHW tensor (batch 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvGeom {
    pub cin: usize,
    pub h: usize,
    pub w: usize,
    pub cout: usize,
    pub kh: usize,
    pub kw: usize,
    pub sh: usize,
    pub sw: usize,
    pub ph: usize,
    pub pw: usize,
    pub dh: usize,
    pub dw: usize,
    /// Output height and width, computed by [`output_size`].
    pub oh: usize,
    pub ow: usize,
}

impl ConvGeom {
    /// `input` = (cin, h, w), `kernel` = (kh, kw), and (h, w) pairs for stride, padding, dilation.
    pub fn new(
        input: (usize, usize, usize),
        cout: usize,
        kernel: (usize, usize),
        stride: (usize, usize),
        padding: (usize, usize),
        dilation: (usize, usize),
    ) -> Result<Self> {
        let (cin, h, w) = input;
        if cin == 0 || cout == 0 {
            bail!("channel counts must be at least 1 (in {cin}, out {cout})");
        }
        let oh = output_size(h, kernel.0, stride.0, padding.0, dilation.0).map_err(|e| e.context("height"))?;
        let ow = output_size(w, kernel.1, stride.1, padding.1, dilation.1).map_err(|e| e.context("width"))?;
        Ok(ConvGeom {
            cin,
            h,
            w,
            cout,
            kh: kernel.0,
            kw: kernel.1,
            sh: stride.0,
            sw: stride.1,
            ph: padding.0,
            pw: padding.1,
            dh: dilation.0,
            dw: dilation.1,
            oh,
            ow,
        })
    }

    pub fn input_len(&self) -> usize {
        self.cin * self.h * self.w
    }
    pub fn output_len(&self) -> usize {
        self.cout * self.oh * self.ow
    }
    pub fn weight_len(&self) -> usize {
        self.cout * self.cin * self.kh * self.kw
    }
    /// Multiply-adds of one forward pass.
    pub fn macs(&self) -> usize {
        self.output_len() * self.cin * self.kh * self.kw
    }
}

/// Geometry of one 2-D pooling on a CHW tensor (channels pooled independently).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolGeom {
    pub c: usize,
    pub h: usize,
    pub w: usize,
    pub kh: usize,
    pub kw: usize,
    pub sh: usize,
    pub sw: usize,
    pub ph: usize,
    pub pw: usize,
    pub oh: usize,
    pub ow: usize,
}

impl PoolGeom {
    pub fn new(
        input: (usize, usize, usize),
        kernel: (usize, usize),
        stride: (usize, usize),
        padding: (usize, usize),
    ) -> Result<Self> {
        let (c, h, w) = input;
        if c == 0 {
            bail!("channel count must be at least 1");
        }
        // Like PyTorch: padding may be at most half the kernel, so no window lies wholly in padding.
        if 2 * padding.0 > kernel.0 || 2 * padding.1 > kernel.1 {
            bail!("padding {:?} must be at most half of kernel_size {:?}", padding, kernel);
        }
        let oh = output_size(h, kernel.0, stride.0, padding.0, 1).map_err(|e| e.context("height"))?;
        let ow = output_size(w, kernel.1, stride.1, padding.1, 1).map_err(|e| e.context("width"))?;
        Ok(PoolGeom {
            c,
            h,
            w,
            kh: kernel.0,
            kw: kernel.1,
            sh: stride.0,
            sw: stride.1,
            ph: padding.0,
            pw: padding.1,
            oh,
            ow,
        })
    }

    pub fn input_len(&self) -> usize {
        self.c * self.h * self.w
    }
    pub fn output_len(&self) -> usize {
        self.c * self.oh * self.ow
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_size_matches_formula_by_hand() {
        // (28 + 2*2 - 1*(5-1) - 1) / 1 + 1 = 28
        assert_eq!(output_size(28, 5, 1, 2, 1), Ok(28));
        // (32 + 0 - 2 - 1) / 2 + 1 = 15
        assert_eq!(output_size(32, 3, 2, 0, 1), Ok(15));
        // dilation 2, kernel 3 spans 5: (10 + 2 - 4 - 1) / 3 + 1 = 3
        assert_eq!(output_size(10, 3, 3, 1, 2), Ok(3));
        // exactly fits
        assert_eq!(output_size(5, 5, 1, 0, 1), Ok(1));
    }

    #[test]
    fn output_size_errors_instead_of_panicking() {
        assert!(output_size(4, 5, 1, 0, 1).is_err());
        assert!(output_size(0, 1, 1, 0, 1).is_err());
        assert!(output_size(4, 0, 1, 0, 1).is_err());
        assert!(output_size(4, 1, 0, 0, 1).is_err());
        assert!(output_size(4, 1, 1, 0, 0).is_err());
        assert!(output_size(usize::MAX, 3, 1, usize::MAX, usize::MAX).is_err());
        let msg = output_size(2, 5, 1, 0, 1).unwrap_err().0;
        assert!(msg.contains("empty"), "{msg}");
    }

    #[test]
    fn pool_padding_limited_to_half_kernel() {
        assert!(PoolGeom::new((1, 8, 8), (2, 2), (2, 2), (1, 1)).is_ok());
        assert!(PoolGeom::new((1, 8, 8), (2, 2), (2, 2), (2, 0)).is_err());
    }
}
