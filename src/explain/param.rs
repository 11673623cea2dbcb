//! Image parameterizations: what activation maximization optimizes, and how it becomes the image
//! (raw input, CHW, in [0, 1]). Following Olah et al., "Feature Visualization" (Distill, 2017)
//! and Lucid (`lucid.optvis.param`):
//!
//! - **pixel** without decorrelation: the numbers are the image itself, clipped to [0, 1] after
//!   each step (the maximizer's original parameterization, kept exactly).
//! - **fourier**: per colour channel, the real FFT spectrum (h x (w/2 + 1) complex bins) scaled by
//!   1 / max(frequency, 1 / max(h, w)) (decay power 1), as Lucid's `fft_image`: equal steps on
//!   every coefficient change low frequencies most, so images come out smooth and large-scale.
//!   The image is the inverse real FFT (with Lucid's constants: sqrt(h w) / (h w) / 4).
//! - **decorrelate** (3-channel models): the channels are coordinates in a decorrelated colour
//!   space, mapped to RGB by the square root of ImageNet's colour correlation matrix (Lucid's
//!   `color.color_correlation_svd_sqrt`, divided by its largest column norm as Lucid's
//!   `_linear_decorelate_color` does), so a step changes colours the way natural images vary.
//! - Every parameterization except plain pixels ends in a sigmoid (Lucid's `to_valid_rgb` with
//!   `sigmoid=True`), which keeps the image in (0, 1) without clipping.
//!
//! [`Param::backward`] is the exact chain rule back through all of it (sigmoid, colour matrix
//! transposed, the FFT's adjoint).

use super::fft::Real2d;
use crate::bail;
use crate::error::Result;
use crate::rng::Rng;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    Pixel,
    Fourier,
}

/// Lucid's `color_correlation_svd_sqrt` (ImageNet): RGB = M t for decorrelated colours t.
const COLOR_SVD_SQRT: [[f32; 3]; 3] = [[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]];

/// The colour matrix divided by its largest column norm (Lucid's `max_norm_svd_sqrt`).
pub fn color_matrix() -> [[f32; 3]; 3] {
    let m = COLOR_SVD_SQRT;
    let norm = (0..3).map(|j| (0..3).map(|i| m[i][j] * m[i][j]).sum::<f32>().sqrt()).fold(0.0, f32::max);
    m.map(|row| row.map(|v| v / norm))
}

/// Standard deviation of the starting noise of the sigmoid parameterizations, measured on the
/// image before the sigmoid: 0.25 gives image noise of sd ~0.06, as the plain-pixel start (uniform
/// in [0.4, 0.6]). Lucid starts 10x fainter (its numbers with sd 0.01); on an almost flat grey
/// image a channel behind a relu that grey does not excite has a zero gradient and never starts.
const INIT_SD: f32 = 0.25;

pub struct Param {
    pub kind: ParamKind,
    pub decorrelate: bool,
    shape: (usize, usize, usize),
    /// The optimized numbers. Pixel: CHW. Fourier: per channel the real plane then the imaginary
    /// plane of its spectrum, h x wf each.
    pub values: Vec<f32>,
    fft: Option<Real2d>,
    /// Fourier: each bin's scale (h x wf), all constants folded in.
    scale: Vec<f32>,
    color: [[f32; 3]; 3],
    /// Before the colour matrix and the sigmoid (CHW).
    pre: Vec<f32>,
    /// Spectrum work planes (h x wf).
    re: Vec<f32>,
    im: Vec<f32>,
}

impl Param {
    pub fn new(kind: ParamKind, decorrelate: bool, (c, h, w): (usize, usize, usize)) -> Result<Param> {
        if decorrelate && c != 3 {
            bail!("decorrelate needs a 3-channel (RGB) model; this one has {c} channel(s)");
        }
        let n = c * h * w;
        let (fft, scale, len) = match kind {
            ParamKind::Pixel => (None, Vec::new(), n),
            ParamKind::Fourier => {
                let fft = Real2d::new(h, w);
                let wf = fft.wf;
                let floor = 1.0 / h.max(w) as f64;
                let k = 1.0 / (4.0 * ((h * w) as f64).sqrt());
                let scale = (0..h * wf)
                    .map(|i| {
                        let (ky, kx) = (i / wf, i % wf);
                        let fy = ky.min(h - ky) as f64 / h as f64;
                        let fx = kx as f64 / w as f64;
                        (k / (fy * fy + fx * fx).sqrt().max(floor)) as f32
                    })
                    .collect();
                (Some(fft), scale, c * 2 * h * wf)
            }
        };
        let bins = scale.len();
        Ok(Param {
            kind,
            decorrelate,
            shape: (c, h, w),
            values: vec![0.0; len],
            fft,
            scale,
            color: color_matrix(),
            pre: vec![0.0; n],
            re: vec![0.0; bins],
            im: vec![0.0; bins],
        })
    }

    /// The numbers are the image itself, clipped to [0, 1] (plain pixels).
    pub fn is_clipped(&self) -> bool {
        self.kind == ParamKind::Pixel && !self.decorrelate
    }

    /// Plain pixels: uniform in [0.4, 0.6]; otherwise normal numbers scaled so that the image
    /// before the sigmoid has sd `INIT_SD` (grey with faint noise; for a Fourier image, 1/f noise).
    pub fn init_noise(&mut self, rng: &mut Rng) {
        if self.is_clipped() {
            self.values.iter_mut().for_each(|v| *v = 0.4 + 0.2 * rng.unit());
        } else {
            self.values.iter_mut().for_each(|v| *v = rng.normal());
            // scaled so that the image before the sigmoid has standard deviation INIT_SD
            let mut image = vec![0.0; self.pre.len()];
            self.render(&mut image);
            let n = self.pre.len() as f64;
            let mean = self.pre.iter().map(|&v| v as f64).sum::<f64>() / n;
            let var = self.pre.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
            let k = if var > 0.0 { INIT_SD as f64 / var.sqrt() } else { 0.0 };
            self.values.iter_mut().for_each(|v| *v = (*v as f64 * k) as f32);
        }
    }

    /// Sets the numbers so that the image is `image` (values clamped to [0.01, 0.99] first for the
    /// sigmoid parameterizations, to [0, 1] for plain pixels).
    pub fn init_from(&mut self, image: &[f32]) {
        if self.is_clipped() {
            self.values.iter_mut().zip(image).for_each(|(v, x)| *v = x.clamp(0.0, 1.0));
            return;
        }
        let (c, h, w) = self.shape;
        let plane = h * w;
        for (p, x) in self.pre.iter_mut().zip(image) {
            let x = x.clamp(0.01, 0.99);
            *p = (x as f64 / (1.0 - x as f64)).ln() as f32; // f64: the ln the Rng links anyway
        }
        if self.decorrelate {
            let inv = invert(self.color);
            mix(&mut self.pre, plane, &inv);
        }
        match self.kind {
            ParamKind::Pixel => self.values.copy_from_slice(&self.pre),
            ParamKind::Fourier => {
                let fft = self.fft.as_mut().expect("a Fourier parameterization has its FFT");
                let (wf, bins) = (fft.wf, h * fft.wf);
                for ch in 0..c {
                    // rfft2 = adjoint / c_kx; the spectrum is rfft2 / (h w) / scale
                    fft.adjoint(&self.pre[ch * plane..(ch + 1) * plane], &mut self.re, &mut self.im);
                    let out = &mut self.values[ch * 2 * bins..(ch + 1) * 2 * bins];
                    for i in 0..bins {
                        let d = fft.weight(i % wf) * plane as f32 * self.scale[i];
                        out[i] = self.re[i] / d;
                        out[bins + i] = self.im[i] / d;
                    }
                }
            }
        }
    }

    /// The image (raw input, CHW, in [0, 1]) of the current numbers.
    pub fn render(&mut self, image: &mut [f32]) {
        if self.is_clipped() {
            image.copy_from_slice(&self.values);
            return;
        }
        let (c, h, w) = self.shape;
        let plane = h * w;
        match self.kind {
            ParamKind::Pixel => self.pre.copy_from_slice(&self.values),
            ParamKind::Fourier => {
                let fft = self.fft.as_mut().expect("a Fourier parameterization has its FFT");
                let bins = h * fft.wf;
                for ch in 0..c {
                    let v = &self.values[ch * 2 * bins..(ch + 1) * 2 * bins];
                    for i in 0..bins {
                        self.re[i] = self.scale[i] * v[i];
                        self.im[i] = self.scale[i] * v[bins + i];
                    }
                    fft.inverse(&self.re, &self.im, &mut self.pre[ch * plane..(ch + 1) * plane]);
                }
            }
        }
        if self.decorrelate {
            mix(&mut self.pre, plane, &self.color);
        }
        for (x, p) in image.iter_mut().zip(&self.pre) {
            *x = sigmoid(*p);
        }
    }

    /// d(objective)/d(numbers) from d(objective)/d(image), where `image` is the current
    /// [`Param::render`]. `g` is used as scratch.
    pub fn backward(&mut self, image: &[f32], g: &mut [f32], out: &mut [f32]) {
        if self.is_clipped() {
            out.copy_from_slice(g);
            return;
        }
        let (c, h, w) = self.shape;
        let plane = h * w;
        for (gi, x) in g.iter_mut().zip(image) {
            *gi *= x * (1.0 - x);
        }
        if self.decorrelate {
            mix(g, plane, &transpose(self.color));
        }
        match self.kind {
            ParamKind::Pixel => out.copy_from_slice(g),
            ParamKind::Fourier => {
                let fft = self.fft.as_mut().expect("a Fourier parameterization has its FFT");
                let bins = h * fft.wf;
                for ch in 0..c {
                    fft.adjoint(&g[ch * plane..(ch + 1) * plane], &mut self.re, &mut self.im);
                    let o = &mut out[ch * 2 * bins..(ch + 1) * 2 * bins];
                    for i in 0..bins {
                        o[i] = self.scale[i] * self.re[i];
                        o[bins + i] = self.scale[i] * self.im[i];
                    }
                }
            }
        }
    }
}

/// 1 / (1 + e^-x) with e^t computed here: t = k ln 2 + r (|r| <= ln 2 / 2), e^r by its degree-6
/// Taylor polynomial (relative error < 2e-7), 2^k from its bits. Plain arithmetic, so the loop
/// over an image vectorizes (a libm `expf` call per pixel cost more than the FFT in wasm), and
/// the same on every platform.
pub fn sigmoid(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_145_75; // ln 2 split so that k * LN2_HI is exact
    const LN2_LO: f32 = 1.428_606_8e-6;
    const ROUND: f32 = 12_582_912.0; // 1.5 * 2^23: adding and subtracting it rounds to an integer
    let t = (-x).clamp(-87.0, 87.0);
    let k = (t * LOG2E + ROUND) - ROUND;
    let r = t - k * LN2_HI - k * LN2_LO;
    let p = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    let e = p * f32::from_bits(((k as i32 + 127) as u32) << 23);
    1.0 / (1.0 + e)
}

/// Per pixel, channels (3 planes of `plane` values) <- m * channels.
fn mix(x: &mut [f32], plane: usize, m: &[[f32; 3]; 3]) {
    let (r, rest) = x.split_at_mut(plane);
    let (g, b) = rest.split_at_mut(plane);
    for i in 0..plane {
        let t = [r[i], g[i], b[i]];
        r[i] = m[0][0] * t[0] + m[0][1] * t[1] + m[0][2] * t[2];
        g[i] = m[1][0] * t[0] + m[1][1] * t[1] + m[1][2] * t[2];
        b[i] = m[2][0] * t[0] + m[2][1] * t[1] + m[2][2] * t[2];
    }
}

fn transpose(m: [[f32; 3]; 3]) -> [[f32; 3]; 3] {
    [[m[0][0], m[1][0], m[2][0]], [m[0][1], m[1][1], m[2][1]], [m[0][2], m[1][2], m[2][2]]]
}

/// The inverse of a 3x3 matrix (by cofactors, in f64).
fn invert(m: [[f32; 3]; 3]) -> [[f32; 3]; 3] {
    let a = m.map(|r| r.map(f64::from));
    let cof = |i: usize, j: usize| {
        let (r0, r1) = ((i + 1) % 3, (i + 2) % 3);
        let (c0, c1) = ((j + 1) % 3, (j + 2) % 3);
        a[r0][c0] * a[r1][c1] - a[r0][c1] * a[r1][c0]
    };
    let det: f64 = (0..3).map(|j| a[0][j] * cof(0, j)).sum();
    let mut inv = [[0.0f32; 3]; 3];
    for (i, row) in inv.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = (cof(j, i) / det) as f32;
        }
    }
    inv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_is_accurate_everywhere() {
        for i in -2000..=2000 {
            let x = i as f32 * 0.05;
            let want = 1.0 / (1.0 + (-(x as f64)).exp());
            let got = sigmoid(x) as f64;
            assert!((got - want).abs() <= 4e-7 * want + 1e-36, "{x}: {got} vs {want}");
        }
        assert_eq!(sigmoid(1e9), 1.0);
        assert!(sigmoid(-1e9) < 1e-37);
    }

    #[test]
    fn the_colour_matrix_is_lucids_normalized_and_inverts() {
        let m = color_matrix();
        // largest column norm 1 (column 0: (0.26, 0.27, 0.27) / 0.46195)
        assert!((m[0][0] - 0.26 / 0.461952).abs() < 1e-5, "{m:?}");
        let norm0 = (m[0][0].powi(2) + m[1][0].powi(2) + m[2][0].powi(2)).sqrt();
        assert!((norm0 - 1.0).abs() < 1e-6);
        let inv = invert(m);
        for (i, row) in m.iter().enumerate() {
            for j in 0..3 {
                let p: f32 = row.iter().zip(&inv).map(|(a, b)| a * b[j]).sum();
                assert!((p - (i == j) as u8 as f32).abs() < 1e-5, "({i}, {j}): {p}");
            }
        }
    }

    /// `init_from` then `render` gives the image back, for every parameterization.
    #[test]
    fn init_from_an_image_renders_that_image() {
        let shape = (3, 6, 7);
        let img: Vec<f32> = Rng::new(4).vec(126).iter().map(|v| 0.5 + 0.4 * v).collect();
        for (kind, dec) in [
            (ParamKind::Pixel, false),
            (ParamKind::Pixel, true),
            (ParamKind::Fourier, false),
            (ParamKind::Fourier, true),
        ] {
            let mut p = Param::new(kind, dec, shape).unwrap();
            p.init_from(&img);
            let mut out = vec![0.0; 126];
            p.render(&mut out);
            for (a, b) in img.iter().zip(&out) {
                assert!((a - b).abs() < 1e-4, "{kind:?} decorrelate {dec}: {a} vs {b}");
            }
        }
        assert!(Param::new(ParamKind::Pixel, true, (1, 4, 4)).is_err());
    }

    /// The spectrum scale is Lucid's: 1 / max(f, 1 / max(h, w)) * sqrt(h w) / (h w) / 4.
    #[test]
    fn fourier_scale_follows_lucid() {
        let p = Param::new(ParamKind::Fourier, false, (1, 8, 6)).unwrap();
        let k = 1.0 / (4.0 * 48f32.sqrt());
        assert!((p.scale[0] - k * 8.0).abs() < 1e-5); // DC: floor 1/8
        let wf = 4;
        // ky = 2, kx = 1: f = sqrt((2/8)^2 + (1/6)^2)
        let f = ((0.25f32).powi(2) + (1.0f32 / 6.0).powi(2)).sqrt();
        assert!((p.scale[2 * wf + 1] - k / f).abs() < 1e-5);
        // ky = 6 is frequency -2/8
        assert_eq!(p.scale[6 * wf + 1], p.scale[2 * wf + 1]);
    }
}
