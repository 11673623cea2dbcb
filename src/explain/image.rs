//! Image operations of the regularizers: circular shifts (jitter), Gaussian blur, total
//! variation, clipping. Images are CHW slices.

/// Shifts every channel circularly by (dy, dx) pixels: out[y][x] = img[y - dy][x - dx].
pub fn roll(img: &[f32], (c, h, w): (usize, usize, usize), dy: isize, dx: isize) -> Vec<f32> {
    let mut out = vec![0.0; img.len()];
    let (hi, wi) = (h as isize, w as isize);
    for ch in 0..c {
        for y in 0..h {
            let sy = (y as isize - dy).rem_euclid(hi) as usize;
            for x in 0..w {
                let sx = (x as isize - dx).rem_euclid(wi) as usize;
                out[(ch * h + y) * w + x] = img[(ch * h + sy) * w + sx];
            }
        }
    }
    out
}

/// Separable Gaussian blur of standard deviation `sigma` (radius ceil(3 sigma)), edges clamped.
pub fn blur(img: &mut [f32], (c, h, w): (usize, usize, usize), sigma: f32) {
    if sigma.is_nan() || sigma <= 0.0 {
        return;
    }
    let r = (3.0 * sigma).ceil() as isize;
    let mut k: Vec<f32> = (-r..=r).map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp()).collect();
    let sum: f32 = k.iter().sum();
    k.iter_mut().for_each(|v| *v /= sum);
    let mut tmp = vec![0.0; h * w];
    for ch in 0..c {
        let plane = &mut img[ch * h * w..(ch + 1) * h * w];
        for y in 0..h {
            for x in 0..w {
                tmp[y * w + x] = (-r..=r)
                    .map(|i| k[(i + r) as usize] * plane[y * w + (x as isize + i).clamp(0, w as isize - 1) as usize])
                    .sum();
            }
        }
        for y in 0..h {
            for x in 0..w {
                plane[y * w + x] = (-r..=r)
                    .map(|i| k[(i + r) as usize] * tmp[(y as isize + i).clamp(0, h as isize - 1) as usize * w + x])
                    .sum();
            }
        }
    }
}

/// Squared total variation sum((x[y][x+1]-x[y][x])^2 + (x[y+1][x]-x[y][x])^2), and its gradient
/// added into `grad` scaled by `scale`.
pub fn tv_and_gradient(img: &[f32], (c, h, w): (usize, usize, usize), scale: f32, grad: &mut [f32]) -> f32 {
    let mut total = 0.0;
    for ch in 0..c {
        let o = ch * h * w;
        for y in 0..h {
            for x in 0..w {
                let i = o + y * w + x;
                if x + 1 < w {
                    let d = img[i + 1] - img[i];
                    total += d * d;
                    grad[i + 1] += scale * 2.0 * d;
                    grad[i] -= scale * 2.0 * d;
                }
                if y + 1 < h {
                    let d = img[i + w] - img[i];
                    total += d * d;
                    grad[i + w] += scale * 2.0 * d;
                    grad[i] -= scale * 2.0 * d;
                }
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roll_moves_pixels_and_wraps() {
        let img: Vec<f32> = (0..6).map(|v| v as f32).collect(); // 1 x 2 x 3
        assert_eq!(roll(&img, (1, 2, 3), 0, 1), [2., 0., 1., 5., 3., 4.]);
        assert_eq!(roll(&img, (1, 2, 3), 1, 0), [3., 4., 5., 0., 1., 2.]);
        assert_eq!(roll(&roll(&img, (1, 2, 3), 1, -2), (1, 2, 3), -1, 2), img);
    }

    #[test]
    fn blur_keeps_constants_and_spreads_a_point() {
        let mut flat = vec![0.7; 25];
        blur(&mut flat, (1, 5, 5), 1.0);
        assert!(flat.iter().all(|v| (v - 0.7).abs() < 1e-6));
        let mut point = vec![0.0; 49];
        point[24] = 1.0;
        blur(&mut point, (1, 7, 7), 1.0);
        assert!((point.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        assert!(point[24] < 0.2 && point[23] > 0.05 && (point[23] - point[31]).abs() < 1e-6);
    }

    #[test]
    fn tv_gradient_matches_finite_differences() {
        let img: Vec<f32> = (0..12).map(|i| ((i * 7) % 5) as f32 * 0.3).collect();
        let shape = (1, 3, 4);
        let mut g = vec![0.0; 12];
        let tv = tv_and_gradient(&img, shape, 1.0, &mut g);
        for i in 0..12 {
            let mut p = img.clone();
            p[i] += 1e-2;
            let tp = tv_and_gradient(&p, shape, 0.0, &mut [0.0; 12]);
            p[i] -= 2e-2;
            let tm = tv_and_gradient(&p, shape, 0.0, &mut [0.0; 12]);
            assert!(((tp - tm) / 2e-2 - g[i]).abs() < 1e-3, "{i}");
        }
        assert!(tv > 0.0);
    }
}
