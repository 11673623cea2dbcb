//! A small FFT for the Fourier image parameterization ([`super::param`]): complex transforms of
//! any length (mixed radix 4, 2 and odd factors; Stockham order, no bit reversal), run on many
//! signals at once. The signals are the "lanes" of a `[n][lanes]` array (split real and imaginary
//! parts), so every butterfly is a loop over contiguous lanes that the compiler vectorizes.
//!
//! [`Real2d`] builds the two 2-D real transforms the parameterization needs from it: the inverse
//! real FFT (spectrum -> image, as numpy's `irfft2` without its 1/(h w)) and its exact adjoint.
//!
//! Why not `rustfft`/`realfft`: they add 294 KB to a wasm module (measured, after `wasm-opt -O3`,
//! for one 224-point 2-D real transform); this file adds a few KB. Odd prime factors use a direct
//! DFT butterfly (p^2/2 operations per p points), fast for the small primes of usual image sizes
//! (224 = 4 * 4 * 2 * 7) and correct, if slower, for any other.

use std::f64::consts::PI;

/// Direction: `Forward` is sum x e^{-2 pi i j k / n}, `Inverse` sum x e^{+2 pi i j k / n}
/// (both unnormalized).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Forward,
    Inverse,
}

/// One Stockham stage: `radix`-point butterflies over `m = n_cur / radix` groups, each a block of
/// `s` lanes-wide rows.
#[derive(Clone, Debug)]
struct Stage {
    radix: usize,
    m: usize,
    s: usize,
    /// Forward twiddles e^{-2 pi i p k / n_cur} for p in 0..m, k in 1..radix: `[p * (radix - 1) + k - 1]`.
    twiddles: Vec<(f32, f32)>,
    /// Odd radix: cos and sin of 2 pi j k / radix for j, k in 0..radix: `[j * radix + k]`.
    dft: Vec<(f32, f32)>,
}

/// A plan for complex FFTs of length `n` along axis 0 of `[n][lanes]` arrays.
#[derive(Clone, Debug)]
pub struct Fft {
    n: usize,
    stages: Vec<Stage>,
}

/// The factors of `n`: 4s first, then a 2, then odd factors in increasing order (the last stage
/// has no twiddles, so the costlier odd butterflies go there).
fn factors(mut n: usize) -> Vec<usize> {
    let mut f = Vec::new();
    while n.is_multiple_of(4) {
        f.push(4);
        n /= 4;
    }
    if n.is_multiple_of(2) {
        f.push(2);
        n /= 2;
    }
    let mut p = 3;
    while n > 1 {
        if p * p > n {
            f.push(n);
            break;
        }
        while n.is_multiple_of(p) {
            f.push(p);
            n /= p;
        }
        p += 2;
    }
    f
}

fn cis(angle: f64) -> (f32, f32) {
    (angle.cos() as f32, angle.sin() as f32)
}

impl Fft {
    pub fn new(n: usize) -> Fft {
        assert!(n > 0, "an FFT needs a length of at least 1");
        let mut stages = Vec::new();
        let (mut n_cur, mut s) = (n, 1);
        for radix in factors(n) {
            let m = n_cur / radix;
            let twiddles =
                (0..m).flat_map(|p| (1..radix).map(move |k| cis(-2.0 * PI * (p * k) as f64 / n_cur as f64))).collect();
            let dft = if radix > 4 || radix == 3 {
                (0..radix * radix)
                    .map(|i| cis(2.0 * PI * ((i / radix) * (i % radix) % radix) as f64 / radix as f64))
                    .collect()
            } else {
                Vec::new()
            };
            stages.push(Stage { radix, m, s, twiddles, dft });
            n_cur = m;
            s *= radix;
        }
        Fft { n, stages }
    }

    pub fn len(&self) -> usize {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Transforms `re`/`im` (`[n][lanes]` each, lanes contiguous) in place along axis 0. `tmp_re`
    /// and `tmp_im` are scratch of the same length.
    pub fn run(&self, re: &mut [f32], im: &mut [f32], lanes: usize, dir: Dir, tmp_re: &mut [f32], tmp_im: &mut [f32]) {
        let len = self.n * lanes;
        assert!(re.len() == len && im.len() == len && tmp_re.len() >= len && tmp_im.len() >= len);
        let (tmp_re, tmp_im) = (&mut tmp_re[..len], &mut tmp_im[..len]);
        let sign = if dir == Dir::Forward { 1.0 } else { -1.0 };
        let mut in_tmp = false;
        for st in &self.stages {
            if in_tmp {
                stage(st, lanes, sign, tmp_re, tmp_im, re, im);
            } else {
                stage(st, lanes, sign, re, im, tmp_re, tmp_im);
            }
            in_tmp = !in_tmp;
        }
        if in_tmp {
            re.copy_from_slice(tmp_re);
            im.copy_from_slice(tmp_im);
        }
    }
}

/// One stage from (xr, xi) into (yr, yi): y[q + s (r p + k)] = (sum_j x[q + s (p + j m)] w_r^{j k})
/// * w_n^{p k}. `sign` is 1 forward, -1 inverse (it conjugates every twiddle).
fn stage(st: &Stage, lanes: usize, sign: f32, xr: &[f32], xi: &[f32], yr: &mut [f32], yi: &mut [f32]) {
    let (r, m) = (st.radix, st.m);
    let b = st.s * lanes; // one block: s rows of `lanes`
    let mut sd = if r % 2 == 1 { vec![0.0f32; 4 * (r / 2) * CHUNK] } else { Vec::new() };
    for p in 0..m {
        let x = |j: usize| (p + j * m) * b;
        let y0 = r * p * b;
        // w_n^{p k}, conjugated for the inverse
        let w = |k: usize| -> (f32, f32) {
            if k == 0 {
                (1.0, 0.0)
            } else {
                let (c, s) = st.twiddles[p * (r - 1) + k - 1];
                (c, sign * s)
            }
        };
        match r {
            2 => {
                let (a0r, a0i) = (&xr[x(0)..x(0) + b], &xi[x(0)..x(0) + b]);
                let (a1r, a1i) = (&xr[x(1)..x(1) + b], &xi[x(1)..x(1) + b]);
                let (y0r, y1r) = yr[y0..y0 + 2 * b].split_at_mut(b);
                let (y0i, y1i) = yi[y0..y0 + 2 * b].split_at_mut(b);
                let (w1r, w1i) = w(1);
                for t in 0..b {
                    y0r[t] = a0r[t] + a1r[t];
                    y0i[t] = a0i[t] + a1i[t];
                    let (dr, di) = (a0r[t] - a1r[t], a0i[t] - a1i[t]);
                    y1r[t] = dr * w1r - di * w1i;
                    y1i[t] = dr * w1i + di * w1r;
                }
            }
            4 => {
                let (a0r, a0i) = (&xr[x(0)..x(0) + b], &xi[x(0)..x(0) + b]);
                let (a1r, a1i) = (&xr[x(1)..x(1) + b], &xi[x(1)..x(1) + b]);
                let (a2r, a2i) = (&xr[x(2)..x(2) + b], &xi[x(2)..x(2) + b]);
                let (a3r, a3i) = (&xr[x(3)..x(3) + b], &xi[x(3)..x(3) + b]);
                let (y01r, y23r) = yr[y0..y0 + 4 * b].split_at_mut(2 * b);
                let (y01i, y23i) = yi[y0..y0 + 4 * b].split_at_mut(2 * b);
                let ((y0r, y1r), (y2r, y3r)) = (y01r.split_at_mut(b), y23r.split_at_mut(b));
                let ((y0i, y1i), (y2i, y3i)) = (y01i.split_at_mut(b), y23i.split_at_mut(b));
                let ((w1r, w1i), (w2r, w2i), (w3r, w3i)) = (w(1), w(2), w(3));
                for t in 0..b {
                    let (t0r, t0i) = (a0r[t] + a2r[t], a0i[t] + a2i[t]);
                    let (t1r, t1i) = (a0r[t] - a2r[t], a0i[t] - a2i[t]);
                    let (t2r, t2i) = (a1r[t] + a3r[t], a1i[t] + a3i[t]);
                    // (a1 - a3) * w_4, w_4 = -i forward, +i inverse
                    let (t3r, t3i) = (sign * (a1i[t] - a3i[t]), -sign * (a1r[t] - a3r[t]));
                    y0r[t] = t0r + t2r;
                    y0i[t] = t0i + t2i;
                    let (u2r, u2i) = (t0r - t2r, t0i - t2i);
                    let (u1r, u1i) = (t1r + t3r, t1i + t3i);
                    let (u3r, u3i) = (t1r - t3r, t1i - t3i);
                    y1r[t] = u1r * w1r - u1i * w1i;
                    y1i[t] = u1r * w1i + u1i * w1r;
                    y2r[t] = u2r * w2r - u2i * w2i;
                    y2i[t] = u2r * w2i + u2i * w2r;
                    y3r[t] = u3r * w3r - u3i * w3i;
                    y3i[t] = u3r * w3i + u3i * w3r;
                }
            }
            _ => {
                for t0 in (0..b).step_by(CHUNK) {
                    let n = CHUNK.min(b - t0);
                    odd_butterfly(st, sign, n, &|j| x(j) + t0, &|k| y0 + k * b + t0, &w, xr, xi, yr, yi, &mut sd);
                }
            }
        }
    }
}

/// Lanes per pass of an odd butterfly (its sums and differences stay in L1).
const CHUNK: usize = 64;

/// An odd radix r on `n` lanes: with s_j = a_j + a_{r-j}, d_j = a_j - a_{r-j} (j = 1..r/2),
/// y_k = (a_0 + sum_j cos(2 pi j k / r) s_j -/+ i sin(2 pi j k / r) d_j) w_k.
#[allow(clippy::too_many_arguments)]
fn odd_butterfly(
    st: &Stage,
    sign: f32,
    n: usize,
    x: &dyn Fn(usize) -> usize,
    y: &dyn Fn(usize) -> usize,
    w: &dyn Fn(usize) -> (f32, f32),
    xr: &[f32],
    xi: &[f32],
    yr: &mut [f32],
    yi: &mut [f32],
    sd: &mut [f32],
) {
    let r = st.radix;
    let half = r / 2;
    // sd: s_j (re, im) and d_j (re, im) for j = 1..=half, CHUNK lanes each.
    for j in 1..=half {
        let (ajr, aji) = (&xr[x(j)..x(j) + n], &xi[x(j)..x(j) + n]);
        let (anr, ani) = (&xr[x(r - j)..x(r - j) + n], &xi[x(r - j)..x(r - j) + n]);
        let o = 4 * (j - 1) * CHUNK;
        let (sr, rest) = sd[o..o + 4 * CHUNK].split_at_mut(CHUNK);
        let (si, rest) = rest.split_at_mut(CHUNK);
        let (dr, di) = rest.split_at_mut(CHUNK);
        for t in 0..n {
            sr[t] = ajr[t] + anr[t];
            si[t] = aji[t] + ani[t];
            dr[t] = ajr[t] - anr[t];
            di[t] = aji[t] - ani[t];
        }
    }
    let (a0r, a0i) = (&xr[x(0)..x(0) + n], &xi[x(0)..x(0) + n]);
    let mut acc = [[0.0f32; CHUNK]; 2];
    for k in 0..r {
        let [accr, acci] = &mut acc;
        accr[..n].copy_from_slice(a0r);
        acci[..n].copy_from_slice(a0i);
        for j in 1..=half {
            let o = 4 * (j - 1) * CHUNK;
            let (sr, si) = (&sd[o..o + n], &sd[o + CHUNK..o + CHUNK + n]);
            let (dr, di) = (&sd[o + 2 * CHUNK..o + 2 * CHUNK + n], &sd[o + 3 * CHUNK..o + 3 * CHUNK + n]);
            let (c, s) = st.dft[j * r + k];
            // forward: -i sin d; inverse: +i sin d. i d = (-d_im, d_re).
            let s = -sign * s;
            for t in 0..n {
                accr[t] += c * sr[t] - s * di[t];
                acci[t] += c * si[t] + s * dr[t];
            }
        }
        let (wr, wi) = w(k);
        let (ykr, yki) = (&mut yr[y(k)..y(k) + n], &mut yi[y(k)..y(k) + n]);
        for t in 0..n {
            ykr[t] = accr[t] * wr - acci[t] * wi;
            yki[t] = accr[t] * wi + acci[t] * wr;
        }
    }
}

/// Transposes the first `cols` columns of `a` (`rows` rows of `stride` values) into `out`
/// (`cols x rows`).
pub fn transpose(a: &[f32], rows: usize, stride: usize, cols: usize, out: &mut [f32]) {
    const T: usize = 16;
    for r0 in (0..rows).step_by(T) {
        for c0 in (0..cols).step_by(T) {
            for r in r0..(r0 + T).min(rows) {
                for c in c0..(c0 + T).min(cols) {
                    out[c * rows + r] = a[r * stride + c];
                }
            }
        }
    }
}

/// The 2-D real transforms of an `h x w` image and its `h x wf` half spectrum (`wf = w / 2 + 1`):
///
/// - [`Real2d::inverse`]: image[y][x] = sum_{ky, kx < wf} c_kx Re(X[ky][kx] e^{2 pi i (ky y / h +
///   kx x / w)}), with c_kx = 1 for kx = 0 and (even w) kx = w / 2, else 2: numpy's `irfft2(X)`
///   times h w.
/// - [`Real2d::adjoint`]: the exact adjoint of `inverse` as a real-linear map from the spectrum's
///   (re, im) pairs to the image: c_kx * rfft2(g)[ky][kx] (a forward FFT of the real image).
///
/// Both go along y first (every column kx at once), then along x with two image rows per complex
/// transform (rows y and y + h/2 as real and imaginary parts, the usual real-FFT pairing).
pub struct Real2d {
    pub h: usize,
    pub w: usize,
    pub wf: usize,
    /// ceil(h / 2): lanes of the paired transforms along x.
    hh: usize,
    cols: Fft,
    rows: Fft,
    buf: [Vec<f32>; 4],
    tmp: [Vec<f32>; 2],
}

impl Real2d {
    pub fn new(h: usize, w: usize) -> Real2d {
        let wf = w / 2 + 1;
        let hh = h.div_ceil(2);
        let big = (h * wf).max(w * hh);
        let v = || vec![0.0f32; big];
        Real2d { h, w, wf, hh, cols: Fft::new(h), rows: Fft::new(w), buf: [v(), v(), v(), v()], tmp: [v(), v()] }
    }

    /// c_kx: how many times bin kx counts in the real signal.
    pub fn weight(&self, kx: usize) -> f32 {
        if kx == 0 || 2 * kx == self.w {
            1.0
        } else {
            2.0
        }
    }

    /// Spectrum (`re`, `im`: h x wf) -> image (h x w); see the type's documentation.
    pub fn inverse(&mut self, re: &[f32], im: &[f32], out: &mut [f32]) {
        let (h, w, wf, hh) = (self.h, self.w, self.wf, self.hh);
        let [zr, zi, tr, ti] = &mut self.buf;
        let [t0, t1] = &mut self.tmp;
        // Along y (lanes wf): Z[y][kx].
        zr[..h * wf].copy_from_slice(re);
        zi[..h * wf].copy_from_slice(im);
        self.cols.run(&mut zr[..h * wf], &mut zi[..h * wf], wf, Dir::Inverse, t0, t1);
        // Transposed, Z[kx][y]. Rows y (a) and y + hh (b) of the image are the real and imaginary
        // parts of one inverse FFT of Q = Ya + i Yb, where Y is the Hermitian signal whose FFT is
        // the row's sum: Y[0] = Re Z[0], Y[k] = Z[k] and Y[w - k] = conj Z[k] (0 < k < w / 2),
        // Y[w / 2] = Re Z[w / 2].
        let (a_r, a_i) = (&mut t0[..wf * h], &mut t1[..wf * h]);
        transpose(&zr[..h * wf], h, wf, wf, a_r);
        transpose(&zi[..h * wf], h, wf, wf, a_i);
        let (qr, qi) = (&mut tr[..w * hh], &mut ti[..w * hh]);
        let nb = h - hh; // lanes with a "b" row (hh - 1 when h is odd)
        for k in 0..wf {
            let row = k * h;
            let (zar, zai) = (&a_r[row..row + hh], &a_i[row..row + hh]);
            let (zbr, zbi) = (&a_r[row + hh..row + h], &a_i[row + hh..row + h]);
            let self_conjugate = k == 0 || 2 * k == w;
            let (q, rest) = (k * hh, (w - k) % w * hh);
            for l in 0..hh {
                let (br, bi) = if l < nb { (zbr[l], zbi[l]) } else { (0.0, 0.0) };
                if self_conjugate {
                    qr[q + l] = zar[l];
                    qi[q + l] = br;
                } else {
                    qr[q + l] = zar[l] - bi;
                    qi[q + l] = zai[l] + br;
                    qr[rest + l] = zar[l] + bi;
                    qi[rest + l] = br - zai[l];
                }
            }
        }
        self.rows.run(qr, qi, hh, Dir::Inverse, t0, t1);
        transpose(qr, w, hh, hh, &mut out[..hh * w]);
        transpose(qi, w, hh, nb, &mut out[hh * w..]);
    }

    /// Image gradient (h x w) -> spectrum gradient (`re`, `im`: h x wf), the adjoint of
    /// [`Real2d::inverse`].
    pub fn adjoint(&mut self, g: &[f32], re: &mut [f32], im: &mut [f32]) {
        let (h, w, wf, hh) = (self.h, self.w, self.wf, self.hh);
        let nb = h - hh;
        let [zr, zi, tr, ti] = &mut self.buf;
        let [t0, t1] = &mut self.tmp;
        // Along x (lanes hh): rows y and y + hh as one complex signal.
        let (qr, qi) = (&mut tr[..w * hh], &mut ti[..w * hh]);
        transpose(&g[..hh * w], hh, w, w, qr);
        if nb < hh {
            qi.fill(0.0);
        }
        for x in 0..w {
            for l in 0..nb {
                qi[x * hh + l] = g[(hh + l) * w + x];
            }
        }
        self.rows.run(qr, qi, hh, Dir::Forward, t0, t1);
        // Split: Ga[k] = (Q[k] + conj Q[w-k]) / 2, Gb[k] = (Q[k] - conj Q[w-k]) / 2i, times c_k,
        // into [kx][y] order.
        let (a_r, a_i) = (&mut zr[..wf * h], &mut zi[..wf * h]);
        for k in 0..wf {
            let c = if k == 0 || 2 * k == w { 0.5 } else { 1.0 };
            let (q, rest) = (k * hh, (w - k) % w * hh);
            for l in 0..hh {
                let (pr, pi, nr, ni) = (qr[q + l], qi[q + l], qr[rest + l], qi[rest + l]);
                a_r[k * h + l] = c * (pr + nr);
                a_i[k * h + l] = c * (pi - ni);
                if l < nb {
                    a_r[k * h + hh + l] = c * (pi + ni);
                    a_i[k * h + hh + l] = c * (nr - pr);
                }
            }
        }
        // Along y (lanes wf).
        transpose(a_r, wf, h, h, re);
        transpose(a_i, wf, h, h, im);
        self.cols.run(re, im, wf, Dir::Forward, t0, t1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Direct DFT of each lane, in f64.
    fn dft(re: &[f32], im: &[f32], n: usize, lanes: usize, dir: Dir) -> (Vec<f64>, Vec<f64>) {
        let sign = if dir == Dir::Forward { -1.0 } else { 1.0 };
        let mut or = vec![0.0; n * lanes];
        let mut oi = vec![0.0; n * lanes];
        for l in 0..lanes {
            for k in 0..n {
                for j in 0..n {
                    let a = sign * 2.0 * PI * ((j * k) % n) as f64 / n as f64;
                    let (xr, xi) = (re[j * lanes + l] as f64, im[j * lanes + l] as f64);
                    or[k * lanes + l] += xr * a.cos() - xi * a.sin();
                    oi[k * lanes + l] += xr * a.sin() + xi * a.cos();
                }
            }
        }
        (or, oi)
    }

    fn values(n: usize, seed: u64) -> Vec<f32> {
        let mut rng = crate::rng::Rng::new(seed);
        rng.vec(n)
    }

    #[test]
    fn factors_multiply_back() {
        for n in 1..300 {
            let f = factors(n);
            assert_eq!(f.iter().product::<usize>(), n, "{n}: {f:?}");
        }
        assert_eq!(factors(224), [4, 4, 2, 7]);
        assert_eq!(factors(227), [227]);
    }

    #[test]
    fn matches_a_direct_dft_for_many_lengths_both_directions() {
        for n in [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 14, 15, 16, 25, 28, 49, 56, 97, 98, 105, 112, 224] {
            for lanes in [1, 3] {
                let re = values(n * lanes, n as u64);
                let im = values(n * lanes, 1000 + n as u64);
                for dir in [Dir::Forward, Dir::Inverse] {
                    let (wr, wi) = dft(&re, &im, n, lanes, dir);
                    let (mut r, mut i) = (re.clone(), im.clone());
                    let (mut t0, mut t1) = (vec![0.0; n * lanes], vec![0.0; n * lanes]);
                    Fft::new(n).run(&mut r, &mut i, lanes, dir, &mut t0, &mut t1);
                    let tol = 1e-5 * (n as f64).sqrt() * 4.0;
                    for k in 0..n * lanes {
                        assert!(
                            (r[k] as f64 - wr[k]).abs() < tol && (i[k] as f64 - wi[k]).abs() < tol,
                            "n {n} {dir:?} [{k}]"
                        );
                    }
                }
            }
        }
    }

    /// `inverse` equals its formula, `adjoint` is its transpose (<inverse X, g> = <X, adjoint g>),
    /// for even and odd sizes.
    #[test]
    fn real_2d_inverse_matches_the_formula_and_the_adjoint_is_exact() {
        for (h, w) in [(4, 6), (5, 7), (9, 11), (8, 8), (6, 1)] {
            let mut t = Real2d::new(h, w);
            let wf = t.wf;
            let re = values(h * wf, 7);
            let im = values(h * wf, 8);
            let mut img = vec![0.0; h * w];
            t.inverse(&re, &im, &mut img);
            for y in 0..h {
                for x in 0..w {
                    let mut v = 0.0f64;
                    for ky in 0..h {
                        for kx in 0..wf {
                            let a = 2.0 * PI * ((ky * y) as f64 / h as f64 + (kx * x) as f64 / w as f64);
                            v += t.weight(kx) as f64
                                * (re[ky * wf + kx] as f64 * a.cos() - im[ky * wf + kx] as f64 * a.sin());
                        }
                    }
                    assert!((img[y * w + x] as f64 - v).abs() < 1e-4, "{h}x{w} ({y}, {x}): {} vs {v}", img[y * w + x]);
                }
            }
            let g = values(h * w, 9);
            let (mut gr, mut gi) = (vec![0.0; h * wf], vec![0.0; h * wf]);
            t.adjoint(&g, &mut gr, &mut gi);
            let lhs: f64 = img.iter().zip(&g).map(|(a, b)| (a * b) as f64).sum();
            let rhs: f64 = re.iter().zip(&gr).chain(im.iter().zip(&gi)).map(|(a, b)| (a * b) as f64).sum();
            assert!((lhs - rhs).abs() < 1e-4 * lhs.abs().max(1.0), "{h}x{w}: {lhs} vs {rhs}");
        }
    }

    /// rfft2 of an image, divided by h w and the bin weights, is a spectrum whose inverse is the
    /// image again (the `init: "input"` path).
    #[test]
    fn adjoint_over_weights_inverts_the_inverse() {
        for (h, w) in [(6, 8), (5, 7)] {
            let mut t = Real2d::new(h, w);
            let wf = t.wf;
            let img = values(h * w, 3);
            let (mut re, mut im) = (vec![0.0; h * wf], vec![0.0; h * wf]);
            t.adjoint(&img, &mut re, &mut im);
            for ky in 0..h {
                for kx in 0..wf {
                    let s = 1.0 / (t.weight(kx) * (h * w) as f32);
                    re[ky * wf + kx] *= s;
                    im[ky * wf + kx] *= s;
                }
            }
            let mut back = vec![0.0; h * w];
            t.inverse(&re, &im, &mut back);
            for (a, b) in img.iter().zip(&back) {
                assert!((a - b).abs() < 1e-5, "{h}x{w}: {a} vs {b}");
            }
        }
    }
}
