//! Packed single-precision GEMM, BLIS style: `C[m x n] += A[m x k] * B[k x n]`.
//!
//! Loop nest (outermost first): `n` in blocks of [`NC`] columns, `k` in blocks of [`KC`] (pack a
//! `KC x NC` block of B into [`NR`]-column panels), `m` in blocks of [`MC`] rows (pack an
//! `MC x KC` block of A into [`MR`]-row panels), then each `NR` panel of B against each `MR`
//! panel of A with the register-tiled micro-kernel [`gemm_4x8`]. Panels are zero-padded, so the
//! micro-kernel always computes a full 4x8 tile; edge tiles are clipped when written back.
//!
//! A and B are strided views ([`MatRef`]), so transposed operands are read in place by the
//! packing, never transposed in memory. C is row-major with leading dimension `ldc`.

use super::counters;
use super::scratch::{Scratch, Slot};
use super::simd::F32x4;

/// Rows of the micro-tile (broadcast from A).
pub const MR: usize = 4;
/// Columns of the micro-tile (two 4-lane vectors from B).
pub const NR: usize = 8;
/// Depth of a packed block: a `KC x NR` B panel (8 KiB) stays in L1.
pub const KC: usize = 256;
/// Rows of a packed A block: `MC x KC` (64 KiB) stays in L2.
pub const MC: usize = 64;
/// Columns of a packed B block: `KC x NC` (1 MiB) in L2/L3.
pub const NC: usize = 1024;

/// A strided read-only matrix view: element `(i, j)` is `data[i * rs + j * cs]`, or, for a row
/// table, `data[starts[i] + j]` (rows anywhere in `data`, overlapping ones too: the shifted
/// views of a padded input). Row tables are A operands only.
#[derive(Clone, Copy)]
pub struct MatRef<'a> {
    pub data: &'a [f32],
    pub rs: usize,
    pub cs: usize,
    pub starts: Option<&'a [usize]>,
}

impl<'a> MatRef<'a> {
    /// Row-major `rows x cols` matrix.
    pub fn rows(data: &'a [f32], cols: usize) -> Self {
        MatRef { data, rs: cols, cs: 1, starts: None }
    }
    /// The transpose of a row-major `rows x cols` matrix, i.e. a `cols x rows` view.
    pub fn transposed(data: &'a [f32], cols: usize) -> Self {
        MatRef { data, rs: 1, cs: cols, starts: None }
    }
    /// Row `i` is the contiguous run of `data` from `starts[i]`.
    pub fn row_table(data: &'a [f32], starts: &'a [usize]) -> Self {
        MatRef { data, rs: 0, cs: 1, starts: Some(starts) }
    }
    /// Where row `i` starts in `data`.
    #[inline(always)]
    fn start(&self, i: usize) -> usize {
        match self.starts {
            Some(s) => s[i],
            None => i * self.rs,
        }
    }
}

/// `C[m x n] += A[m x k] * B[k x n]`, C row-major with leading dimension `ldc`.
///
/// Panics if a view or `c` is too short for the given sizes.
pub fn gemm_acc<V: F32x4>(m: usize, n: usize, k: usize, a: MatRef, b: MatRef, c: &mut [f32], ldc: usize) {
    gemm::<V>(m, n, k, a, b, Write::Add, c, ldc)
}

/// `C[m x n] = A[m x k] * B[k x n] + bias` (`bias[i]` added to row `i`, none when None),
/// overwriting C: the first block of `k` stores its tiles (bias added in registers) instead of
/// adding them to C, so C needs no fill beforehand.
#[allow(clippy::too_many_arguments)]
pub fn gemm_bias<V: F32x4>(
    m: usize,
    n: usize,
    k: usize,
    a: MatRef,
    b: MatRef,
    bias: Option<&[f32]>,
    c: &mut [f32],
    ldc: usize,
) {
    if let Some(bias) = bias {
        assert!(bias.len() >= m, "gemm: bias too short");
    }
    if k == 0 {
        for (i, row) in c.chunks_mut(ldc).take(m).enumerate() {
            row[..n].fill(bias.map_or(0.0, |b| b[i]));
        }
        return;
    }
    gemm::<V>(m, n, k, a, b, Write::Store(bias), c, ldc)
}

/// How a block's tiles reach C.
#[derive(Clone, Copy)]
enum Write<'a> {
    /// `C += tile`.
    Add,
    /// In the first `k` block `C = tile + bias[row]`, then `C += tile`.
    Store(Option<&'a [f32]>),
}

#[allow(clippy::too_many_arguments)]
fn gemm<V: F32x4>(m: usize, n: usize, k: usize, a: MatRef, b: MatRef, write: Write, c: &mut [f32], ldc: usize) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(ldc >= n && c.len() >= (m - 1) * ldc + n, "gemm: C too short");
    if k == 0 {
        return;
    }
    let a_end = match a.starts {
        Some(starts) => {
            assert!(starts.len() >= m, "gemm: A has fewer rows than m");
            starts[..m].iter().max().map_or(0, |&s| s + (k - 1) * a.cs)
        }
        None => (m - 1) * a.rs + (k - 1) * a.cs,
    };
    assert!(a.data.len() > a_end, "gemm: A too short");
    assert!(b.starts.is_none() && b.data.len() > (k - 1) * b.rs + (n - 1) * b.cs, "gemm: B too short");
    counters::bump(counters::gemm_kernel(V::ISA));

    let kc_max = k.min(KC);
    let nc_max = n.min(NC).next_multiple_of(NR);
    let mc_max = m.min(MC).next_multiple_of(MR);
    let (mut pb_buf, mut pa_buf) =
        (Scratch::take(Slot::GemmB, kc_max * nc_max), Scratch::take(Slot::GemmA, kc_max * mc_max));
    let (pb, pa): (&mut [f32], &mut [f32]) = (&mut pb_buf, &mut pa_buf);
    for jc in (0..n).step_by(NC) {
        let nc = NC.min(n - jc);
        for pc in (0..k).step_by(KC) {
            let kc = KC.min(k - pc);
            pack_b::<V>(b, pc, kc, jc, nc, pb);
            let block_write = match write {
                Write::Store(bias) if pc == 0 => Write::Store(bias),
                _ => Write::Add,
            };
            for ic in (0..m).step_by(MC) {
                let mc = MC.min(m - ic);
                pack_a::<V>(a, ic, mc, pc, kc, pa);
                let bias = match block_write {
                    Write::Store(Some(b)) => Write::Store(Some(&b[ic..])),
                    w => w,
                };
                macro_block::<V>(mc, nc, kc, pa, pb, bias, &mut c[ic * ldc + jc..], ldc);
            }
        }
    }
}

/// All micro-tiles of one packed `mc x kc` A block against one packed `kc x nc` B block.
/// `c` starts at the block's top-left element (and a bias at the block's first row).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn macro_block<V: F32x4>(
    mc: usize,
    nc: usize,
    kc: usize,
    pa: &[f32],
    pb: &[f32],
    write: Write,
    c: &mut [f32],
    ldc: usize,
) {
    for jr in (0..nc).step_by(NR) {
        let nr = NR.min(nc - jr);
        let bp = &pb[jr * kc..(jr + NR) * kc];
        for ir in (0..mc).step_by(MR) {
            let mr = MR.min(mc - ir);
            let ap = &pa[ir * kc..(ir + MR) * kc];
            let t = gemm_4x8::<V>(ap, bp);
            let c = &mut c[ir * ldc + jr..];
            match write {
                Write::Add if mr == MR && nr == NR => {
                    for (r, [t0, t1]) in t.into_iter().enumerate() {
                        let row = &mut c[r * ldc..r * ldc + NR];
                        V::load(&row[..4]).add(t0).store(&mut row[..4]);
                        V::load(&row[4..]).add(t1).store(&mut row[4..]);
                    }
                }
                Write::Store(bias) if mr == MR && nr == NR => {
                    for (r, [t0, t1]) in t.into_iter().enumerate() {
                        let bv = V::splat(bias.map_or(0.0, |b| b[ir + r]));
                        let row = &mut c[r * ldc..r * ldc + NR];
                        t0.add(bv).store(&mut row[..4]);
                        t1.add(bv).store(&mut row[4..]);
                    }
                }
                _ => {
                    for (r, [t0, t1]) in t.into_iter().enumerate().take(mr) {
                        let (lo, hi) = (t0.to_array(), t1.to_array());
                        let row = &mut c[r * ldc..r * ldc + nr];
                        for (j, cj) in row.iter_mut().enumerate() {
                            let v = if j < 4 { lo[j] } else { hi[j - 4] };
                            *cj = match write {
                                Write::Add => *cj + v,
                                Write::Store(bias) => v + bias.map_or(0.0, |b| b[ir + r]),
                            };
                        }
                    }
                }
            }
        }
    }
}

/// The 4x8 micro-kernel: `sum_p a[p*4 + i] * b[p*8 + j]` for the 4x8 tile, held in eight
/// 4-lane accumulators (row `i` = `[cols 0..4, cols 4..8]`). `a` is a packed `kc x 4` panel,
/// `b` a packed `kc x 8` panel.
#[inline(always)]
pub fn gemm_4x8<V: F32x4>(a: &[f32], b: &[f32]) -> [[V; 2]; MR] {
    let (mut c00, mut c01, mut c10, mut c11) = (V::zero(), V::zero(), V::zero(), V::zero());
    let (mut c20, mut c21, mut c30, mut c31) = (V::zero(), V::zero(), V::zero(), V::zero());
    // One `load32_splat` per A value: faster than one A load and four lane shuffles (see the
    // measured choices in `docs/kernels.md`; the shifted-view kernel's tile does the same).
    for (ap, bp) in a.chunks_exact(MR).zip(b.chunks_exact(NR)) {
        let b0 = V::load(&bp[..4]);
        let b1 = V::load(&bp[4..]);
        let a0 = V::load_splat(&ap[0]);
        c00 = a0.mul_add(b0, c00);
        c01 = a0.mul_add(b1, c01);
        let a1 = V::load_splat(&ap[1]);
        c10 = a1.mul_add(b0, c10);
        c11 = a1.mul_add(b1, c11);
        let a2 = V::load_splat(&ap[2]);
        c20 = a2.mul_add(b0, c20);
        c21 = a2.mul_add(b1, c21);
        let a3 = V::load_splat(&ap[3]);
        c30 = a3.mul_add(b0, c30);
        c31 = a3.mul_add(b1, c31);
    }
    [[c00, c01], [c10, c11], [c20, c21], [c30, c31]]
}

/// Packs `A[ic..ic+mc, pc..pc+kc]` into `MR`-row panels: panel `q` holds, for each `p`, the
/// `MR` values `A[ic + q*MR + r, pc + p]`, rows past `mc` zero.
fn pack_a<V: F32x4>(a: MatRef, ic: usize, mc: usize, pc: usize, kc: usize, pa: &mut [f32]) {
    for (q, panel) in pa[..mc.next_multiple_of(MR) * kc].chunks_exact_mut(MR * kc).enumerate() {
        let i0 = ic + q * MR;
        let rows = MR.min(ic + mc - i0);
        if a.starts.is_none() && a.rs == 1 && rows == MR {
            // Column-contiguous (a transposed row-major matrix): 4 consecutive values per p.
            for (p, dst) in panel.chunks_exact_mut(MR).enumerate() {
                let s = i0 + (pc + p) * a.cs;
                V::load(&a.data[s..s + MR]).store(dst);
            }
        } else if a.cs == 1 && rows == MR {
            // Row-contiguous (conv weights, shifted views): interleave four row slices.
            let row = |r: usize| &a.data[a.start(i0 + r) + pc..a.start(i0 + r) + pc + kc];
            let (r0, r1, r2, r3) = (row(0), row(1), row(2), row(3));
            for ((((dst, &v0), &v1), &v2), &v3) in panel.chunks_exact_mut(MR).zip(r0).zip(r1).zip(r2).zip(r3) {
                dst.copy_from_slice(&[v0, v1, v2, v3]);
            }
        } else {
            for r in 0..MR {
                if r < rows {
                    let base = a.start(i0 + r) + pc * a.cs;
                    for (p, dst) in panel.iter_mut().skip(r).step_by(MR).enumerate() {
                        *dst = a.data[base + p * a.cs];
                    }
                } else {
                    panel.iter_mut().skip(r).step_by(MR).for_each(|d| *d = 0.0);
                }
            }
        }
    }
}

/// Packs `B[pc..pc+kc, jc..jc+nc]` into `NR`-column panels: panel `q` holds, for each `p`, the
/// `NR` values `B[pc + p, jc + q*NR + c]`, columns past `nc` zero.
fn pack_b<V: F32x4>(b: MatRef, pc: usize, kc: usize, jc: usize, nc: usize, pb: &mut [f32]) {
    for (q, panel) in pb[..nc.next_multiple_of(NR) * kc].chunks_exact_mut(NR * kc).enumerate() {
        let j0 = jc + q * NR;
        let cols = NR.min(jc + nc - j0);
        if b.cs == 1 && cols == NR {
            // Row-contiguous, a whole panel: two vector copies per row (a slice copy of a
            // run-time length is a call to memcpy in wasm).
            for (p, dst) in panel.chunks_exact_mut(NR).enumerate() {
                let s = &b.data[(pc + p) * b.rs + j0..(pc + p) * b.rs + j0 + NR];
                V::load(&s[..4]).store(&mut dst[..4]);
                V::load(&s[4..]).store(&mut dst[4..]);
            }
        } else if b.cs == 1 {
            // Row-contiguous: copy runs of `cols` values.
            for (p, dst) in panel.chunks_exact_mut(NR).enumerate() {
                let s = (pc + p) * b.rs + j0;
                dst[..cols].copy_from_slice(&b.data[s..s + cols]);
                dst[cols..].fill(0.0);
            }
        } else {
            for col in 0..NR {
                if col < cols {
                    let base = pc * b.rs + (j0 + col) * b.cs;
                    for (p, dst) in panel.iter_mut().skip(col).step_by(NR).enumerate() {
                        *dst = b.data[base + p * b.rs];
                    }
                } else {
                    panel.iter_mut().skip(col).step_by(NR).for_each(|d| *d = 0.0);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::simd::{scalar::Scalar, Native};

    fn naive(m: usize, n: usize, k: usize, a: MatRef, b: MatRef, c: &mut [f32], ldc: usize) {
        for i in 0..m {
            for j in 0..n {
                let mut s = 0.0;
                for p in 0..k {
                    s += a.data[a.start(i) + p * a.cs] * b.data[p * b.rs + j * b.cs];
                }
                c[i * ldc + j] += s;
            }
        }
    }

    fn check<V: F32x4>() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut rnd = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            ((seed >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        };
        // Sizes straddling MR, NR, MC, KC and NC.
        for &(m, n, k) in
            &[(1, 1, 1), (3, 7, 5), (4, 8, 1), (5, 9, 300), (67, 1030, 17), (13, 33, 513), (64, 8, 256), (2, 3, 0)]
        {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let av: Vec<f32> = (0..m * k).map(|_| rnd()).collect();
                let bv: Vec<f32> = (0..k * n).map(|_| rnd()).collect();
                let a = if ta { MatRef::transposed(&av, m) } else { MatRef::rows(&av, k) };
                let b = if tb { MatRef::transposed(&bv, k) } else { MatRef::rows(&bv, n) };
                let ldc = n + 3;
                let c0: Vec<f32> = (0..m * ldc).map(|_| rnd()).collect();
                let (mut c1, mut c2) = (c0.clone(), c0.clone());
                naive(m, n, k, a, b, &mut c1, ldc);
                gemm_acc::<V>(m, n, k, a, b, &mut c2, ldc);
                // gemm_bias overwrites C (what it held must not matter) and adds a row's bias.
                let bias: Vec<f32> = (0..m).map(|_| rnd()).collect();
                let mut c3 = c0.clone();
                let mut c4 = c0.clone();
                for i in 0..m {
                    c4[i * ldc..i * ldc + n].fill(bias[i]);
                }
                naive(m, n, k, a, b, &mut c4, ldc);
                gemm_bias::<V>(m, n, k, a, b, Some(&bias), &mut c3, ldc);
                for (i, (x, y)) in c4.iter().zip(&c3).enumerate() {
                    if i % ldc >= n {
                        assert_eq!(x.to_bits(), y.to_bits(), "gemm_bias: padding column touched");
                    }
                    let tol = 1e-5 * (k as f32).sqrt() * (1.0 + x.abs());
                    assert!((x - y).abs() <= tol, "gemm_bias {m}x{n}x{k} ta={ta} tb={tb} at {i}: {x} vs {y}");
                }
                for i in 0..m {
                    for j in 0..ldc {
                        let (x, y) = (c1[i * ldc + j], c2[i * ldc + j]);
                        if j >= n {
                            assert_eq!(x.to_bits(), y.to_bits(), "padding column touched");
                        }
                        let tol = 1e-5 * (k as f32).sqrt() * (1.0 + x.abs());
                        assert!((x - y).abs() <= tol, "{m}x{n}x{k} ta={ta} tb={tb} ({i},{j}): {x} vs {y}");
                    }
                }
            }
        }
    }

    /// A row table of overlapping rows (shifted views of one buffer, rows in no order) against
    /// the same rows copied out into a row-major matrix.
    fn check_row_table<V: F32x4>() {
        for &(m, n, k) in &[(1, 1, 1), (5, 9, 300), (67, 16, 17), (13, 8, 513), (200, 24, 252)] {
            let data: Vec<f32> = (0..k + 3 * m + 40).map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0).collect();
            let starts: Vec<usize> = (0..m).map(|i| (i * 37) % (3 * m + 40)).collect();
            let rows: Vec<f32> = starts.iter().flat_map(|&s| data[s..s + k].iter().copied()).collect();
            let bv: Vec<f32> = (0..k * n).map(|i| ((i * 104729) % 997) as f32 / 498.0 - 1.0).collect();
            let b = MatRef::transposed(&bv, k);
            let (mut want, mut got) = (vec![0.0; m * n], vec![1.0; m * n]);
            naive(m, n, k, MatRef::rows(&rows, k), b, &mut want, n);
            gemm_bias::<V>(m, n, k, MatRef::row_table(&data, &starts), b, None, &mut got, n);
            for (x, y) in want.iter().zip(&got) {
                assert!((x - y).abs() <= 1e-5 * (k as f32).sqrt() * (1.0 + x.abs()), "{m}x{n}x{k}: {x} vs {y}");
            }
        }
    }

    #[test]
    fn gemm_reads_a_row_table_as_its_rows() {
        check_row_table::<Scalar>();
        check_row_table::<Native>();
    }

    #[test]
    fn gemm_scalar_matches_naive() {
        check::<Scalar>();
    }

    #[test]
    fn gemm_native_matches_naive() {
        check::<Native>();
    }
}
