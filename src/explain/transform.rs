//! Transformation robustness (Olah et al., "Feature Visualization", 2017; Lucid's
//! `transform.standard_transforms`): each step the model sees the image randomly shifted
//! (jitter), rescaled and rotated, so the image must excite the target in every such view.
//!
//! The model's input size is fixed, so the three are one affine resampling of the image onto the
//! model's `h x w` grid: model pixel p reads the image at q = c + R(-angle) (p - c) / scale - d
//! (c the image centre, d the jitter), bilinearly. The image is periodic (samples past an edge
//! wrap around, as the Fourier image is), optionally with `pad` pixels of grey (0.5) around it
//! first (Lucid's pad-then-crop: past an edge the model sees grey before the wrap). The backward
//! pass is the exact adjoint of the resampling (each model-input gradient scattered back with
//! the same bilinear weights). Shifts alone (no scale, rotation or pad) are exact whole-pixel
//! rolls, as the pixel maximizer always did.

use crate::rng::Rng;

/// The random transforms; all off gives the identity.
#[derive(Clone, Debug, PartialEq)]
pub struct Transforms {
    /// Shift by up to this many whole pixels in y and x.
    pub jitter: usize,
    /// Rescale by a factor drawn uniformly from [min, max] (> 1 zooms in).
    pub scale: (f32, f32),
    /// Rotate by an angle drawn uniformly from [-rotate, rotate] degrees.
    pub rotate: f32,
    /// Grey (0.5) border in pixels around the image, inside its period.
    pub pad: usize,
}

impl Default for Transforms {
    fn default() -> Self {
        Transforms { jitter: 0, scale: (1.0, 1.0), rotate: 0.0, pad: 0 }
    }
}

/// One draw of the transforms.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Draw {
    pub dy: isize,
    pub dx: isize,
    pub scale: f32,
    /// Radians.
    pub angle: f32,
}

impl Draw {
    pub const IDENTITY: Draw = Draw { dy: 0, dx: 0, scale: 1.0, angle: 0.0 };
}

impl Transforms {
    /// Draws (dy, dx) first (as the pixel maximizer always did, so its images stay the same for a
    /// seed), then the scale and the angle, each only when it varies.
    pub fn draw(&self, rng: &mut Rng) -> Draw {
        let j = self.jitter as isize;
        let (dy, dx) = if j > 0 {
            (rng.below(2 * j as usize + 1) as isize - j, rng.below(2 * j as usize + 1) as isize - j)
        } else {
            (0, 0)
        };
        let (lo, hi) = self.scale;
        let scale = if hi > lo { lo + (hi - lo) * rng.unit() } else { lo };
        let angle = if self.rotate > 0.0 { self.rotate.to_radians() * rng.signed() } else { 0.0 };
        Draw { dy, dx, scale, angle }
    }
}

/// The grey border's value.
pub const PAD_VALUE: f32 = 0.5;

/// One drawn transform of a `c x h x w` image onto the model's `c x h x w` input. Reused from step
/// to step ([`Warp::set`]), so its buffers are allocated once.
///
/// Resampling reads one period of the padded image plus a copy of its first row and column
/// (`ext`, (hp + 1) x (wp + 1) per channel), so each model pixel's four bilinear neighbours sit at
/// `base`, `base + 1`, `base + wp + 1` and `base + wp + 2`, whatever the wrap.
pub struct Warp {
    shape: (usize, usize, usize),
    pad: usize,
    /// Some((dy, dx)): a whole-pixel roll, no table.
    roll: Option<(isize, isize)>,
    /// Per model pixel: the top-left neighbour in `ext` and the fractional offsets (ty, tx).
    taps: Vec<(u32, f32, f32)>,
    ext: Vec<f32>,
}

/// floor(v) as an integer (f32::floor is a libm call on x86 without SSE4.1).
fn floor(v: f32) -> isize {
    let i = v as isize;
    if (i as f32) > v {
        i - 1
    } else {
        i
    }
}

impl Warp {
    pub fn new(shape: (usize, usize, usize), t: &Transforms, d: &Draw) -> Warp {
        let mut w = Warp { shape, pad: 0, roll: None, taps: Vec::new(), ext: Vec::new() };
        w.set(t, d);
        w
    }

    /// Rows and columns of the padded period.
    fn period(&self) -> (usize, usize) {
        (self.shape.1 + 2 * self.pad, self.shape.2 + 2 * self.pad)
    }

    /// Re-targets this warp to the draw `d`.
    pub fn set(&mut self, t: &Transforms, d: &Draw) {
        let (c, h, w) = self.shape;
        if d.scale == 1.0 && d.angle == 0.0 && t.pad == 0 {
            self.roll = Some((d.dy, d.dx));
            return;
        }
        self.roll = None;
        self.pad = t.pad;
        let (hp, wp) = self.period();
        self.ext.resize(c * (hp + 1) * (wp + 1), 0.0);
        let (cy, cx) = ((h as f32 - 1.0) / 2.0, (w as f32 - 1.0) / 2.0);
        let (sin, cos) = (d.angle as f64).sin_cos(); // f64: the sin and cos the FFT links anyway
        let (sin, cos) = (sin as f32, cos as f32);
        let inv = 1.0 / d.scale;
        let wrap =
            |v: isize, period: usize| if (0..period as isize).contains(&v) { v } else { v.rem_euclid(period as isize) };
        self.taps.clear();
        self.taps.reserve(h * w);
        // q = R(-angle) (p - c) / scale + c - d, in the padded frame
        let (oy, ox) = (cy - d.dy as f32 + t.pad as f32, cx - d.dx as f32 + t.pad as f32);
        for y in 0..h {
            let vy = y as f32 - cy;
            for x in 0..w {
                let vx = x as f32 - cx;
                let qy = (cos * vy - sin * vx) * inv + oy;
                let qx = (sin * vy + cos * vx) * inv + ox;
                let (y0, x0) = (floor(qy), floor(qx));
                let base = wrap(y0, hp) as usize * (wp + 1) + wrap(x0, wp) as usize;
                self.taps.push((base as u32, qy - y0 as f32, qx - x0 as f32));
            }
        }
    }

    /// The model's input: the transformed image.
    pub fn apply(&mut self, img: &[f32], out: &mut [f32]) {
        let (c, h, w) = self.shape;
        if let Some((dy, dx)) = self.roll {
            return roll_into(img, self.shape, dy, dx, out);
        }
        let (hp, wp) = self.period();
        let (pad, stride) = (self.pad, wp + 1);
        let e = (hp + 1) * stride;
        for ch in 0..c {
            // one period of the padded image, plus its first row and column again
            let ext = &mut self.ext[ch * e..(ch + 1) * e];
            for yy in 0..=hp {
                let row = &mut ext[yy * stride..(yy + 1) * stride];
                let sy = yy % hp;
                if (pad..pad + h).contains(&sy) {
                    let src = &img[(ch * h + sy - pad) * w..][..w];
                    row[..pad].fill(PAD_VALUE);
                    row[pad..pad + w].copy_from_slice(src);
                    row[pad + w..wp].fill(PAD_VALUE);
                    row[wp] = if pad > 0 { PAD_VALUE } else { src[0] };
                } else {
                    row.fill(PAD_VALUE);
                }
            }
            let o = &mut out[ch * h * w..(ch + 1) * h * w];
            for (v, &(b, ty, tx)) in o.iter_mut().zip(&self.taps) {
                let b = b as usize;
                let top = ext[b] + tx * (ext[b + 1] - ext[b]);
                let bottom = ext[b + stride] + tx * (ext[b + stride + 1] - ext[b + stride]);
                *v = top + ty * (bottom - top);
            }
        }
    }

    /// The adjoint: d(objective)/d(image) from d(objective)/d(model input) (`out` is overwritten).
    pub fn adjoint(&mut self, g: &[f32], out: &mut [f32]) {
        let (c, h, w) = self.shape;
        if let Some((dy, dx)) = self.roll {
            return roll_into(g, self.shape, -dy, -dx, out);
        }
        let (hp, wp) = self.period();
        let (pad, stride) = (self.pad, wp + 1);
        let e = (hp + 1) * stride;
        for ch in 0..c {
            let ext = &mut self.ext[ch * e..(ch + 1) * e];
            ext.fill(0.0);
            for (&gv, &(b, ty, tx)) in g[ch * h * w..(ch + 1) * h * w].iter().zip(&self.taps) {
                let b = b as usize;
                let (top, bottom) = ((1.0 - ty) * gv, ty * gv);
                ext[b] += (1.0 - tx) * top;
                ext[b + 1] += tx * top;
                ext[b + stride] += (1.0 - tx) * bottom;
                ext[b + stride + 1] += tx * bottom;
            }
            // fold the copies back onto the period, drop the border (a constant)
            for yy in 0..=hp {
                let sy = yy % hp;
                if !(pad..pad + h).contains(&sy) {
                    continue;
                }
                let row = &ext[yy * stride..(yy + 1) * stride];
                let dst = &mut out[(ch * h + sy - pad) * w..][..w];
                if yy < hp {
                    dst.copy_from_slice(&row[pad..pad + w]);
                } else {
                    dst.iter_mut().zip(&row[pad..pad + w]).for_each(|(d, v)| *d += v);
                }
                if pad == 0 {
                    dst[0] += row[wp];
                }
            }
        }
    }
}

/// out[y][x] = img[y - dy][x - dx], circularly, every channel.
fn roll_into(img: &[f32], (c, h, w): (usize, usize, usize), dy: isize, dx: isize, out: &mut [f32]) {
    let (hi, wi) = (h as isize, w as isize);
    for ch in 0..c {
        for y in 0..h {
            let sy = (y as isize - dy).rem_euclid(hi) as usize;
            let (src, dst) = (&img[(ch * h + sy) * w..][..w], &mut out[(ch * h + y) * w..][..w]);
            let k = dx.rem_euclid(wi) as usize; // dst[x] = src[x - k]
            dst[k..].copy_from_slice(&src[..w - k]);
            dst[..k].copy_from_slice(&src[w - k..]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(n: usize, seed: u64) -> Vec<f32> {
        Rng::new(seed).vec(n)
    }

    #[test]
    fn shifts_alone_are_the_old_roll() {
        let shape = (2, 5, 7);
        let img = values(70, 1);
        for (dy, dx) in [(0, 0), (1, -2), (-3, 6), (7, 9)] {
            let d = Draw { dy, dx, scale: 1.0, angle: 0.0 };
            let mut out = vec![0.0; 70];
            Warp::new(shape, &Transforms::default(), &d).apply(&img, &mut out);
            assert_eq!(out, crate::explain::image::roll(&img, shape, dy, dx), "({dy}, {dx})");
        }
    }

    /// <warp x, y> = <x, warp^T y> for scale, rotation and padding.
    #[test]
    fn the_backward_pass_is_the_exact_adjoint() {
        let shape = (3, 9, 11);
        let n = 3 * 99;
        let (x, y) = (values(n, 2), values(n, 3));
        for (t, d) in [
            (Transforms { pad: 0, ..Default::default() }, Draw { dy: 2, dx: -1, scale: 1.13, angle: 0.3 }),
            (Transforms { pad: 3, ..Default::default() }, Draw { dy: -4, dx: 5, scale: 0.85, angle: -0.17 }),
            (Transforms { pad: 2, ..Default::default() }, Draw::IDENTITY),
        ] {
            let mut warp = Warp::new(shape, &t, &d);
            // linear part only: the grey border is a constant, so subtract the warp of zero
            let (mut wx, mut w0, mut wty) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
            warp.apply(&x, &mut wx);
            warp.apply(&vec![0.0; n], &mut w0);
            warp.adjoint(&y, &mut wty);
            let lhs: f64 = wx.iter().zip(&w0).zip(&y).map(|((a, b), c)| ((a - b) * c) as f64).sum();
            let rhs: f64 = x.iter().zip(&wty).map(|(a, b)| (a * b) as f64).sum();
            assert!((lhs - rhs).abs() < 1e-4, "{t:?} {d:?}: {lhs} vs {rhs}");
        }
    }

    #[test]
    fn padding_shows_grey_and_identity_keeps_the_image() {
        let shape = (1, 4, 4);
        let img: Vec<f32> = (0..16).map(|v| v as f32 / 16.0).collect();
        let mut out = vec![0.0; 16];
        let t = Transforms { pad: 2, ..Default::default() };
        Warp::new(shape, &t, &Draw::IDENTITY).apply(&img, &mut out);
        assert_eq!(out, img);
        // shifted right by 2: the first two columns are the border
        Warp::new(shape, &t, &Draw { dx: 2, ..Draw::IDENTITY }).apply(&img, &mut out);
        for y in 0..4 {
            assert_eq!(&out[y * 4..y * 4 + 4], &[0.5, 0.5, img[y * 4], img[y * 4 + 1]]);
        }
        // a quarter turn about the centre maps the grid onto itself
        Warp::new(shape, &Transforms::default(), &Draw { angle: std::f32::consts::FRAC_PI_2, ..Draw::IDENTITY })
            .apply(&img, &mut out);
        let mut sorted = out.clone();
        sorted.sort_by(f32::total_cmp);
        assert!(sorted.iter().zip(&img).all(|(a, b)| (a - b).abs() < 1e-5), "{out:?}");
        assert!((out[0] - img[3]).abs() < 1e-5 || (out[0] - img[12]).abs() < 1e-5, "{out:?}");
    }

    #[test]
    fn draws_are_seeded_and_in_range() {
        let t = Transforms { jitter: 3, scale: (0.9, 1.1), rotate: 10.0, pad: 0 };
        let (mut a, mut b) = (Rng::new(5), Rng::new(5));
        for _ in 0..200 {
            let d = t.draw(&mut a);
            assert_eq!(d, t.draw(&mut b));
            assert!(d.dy.abs() <= 3 && d.dx.abs() <= 3);
            assert!((0.9..=1.1).contains(&d.scale));
            assert!(d.angle.abs() <= 10f32.to_radians());
        }
    }
}
