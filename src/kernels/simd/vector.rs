//! The 4-lane vector trait every backend implements, and the instruction sets they compile to.

/// The instruction sets a [`F32x4`] implementation can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
    Simd128,
    /// SIMD128 plus relaxed SIMD (`f32x4.relaxed_madd` in [`F32x4::mul_add`]).
    Simd128Relaxed,
    Sse2,
    Scalar,
}

impl Isa {
    pub const fn name(self) -> &'static str {
        match self {
            Isa::Simd128 => "simd128",
            Isa::Simd128Relaxed => "simd128+relaxed",
            Isa::Sse2 => "sse2",
            Isa::Scalar => "scalar",
        }
    }
}

/// Four `f32` lanes. All operations are lane-wise unless stated otherwise.
///
/// Loads and stores take slices and touch their first four elements; they panic (never read or
/// write out of bounds) when the slice is shorter. In loops over `chunks_exact` the compiler
/// removes those checks.
pub trait F32x4: Copy {
    /// The instruction set this implementation compiles to.
    const ISA: Isa;

    fn zero() -> Self;
    fn splat(x: f32) -> Self;
    /// `x` loaded from memory into all four lanes (one `v128.load32_splat` on SIMD128). The
    /// default is [`F32x4::splat`].
    #[inline(always)]
    fn load_splat(x: &f32) -> Self {
        Self::splat(*x)
    }
    /// Loads `p[0..4]` (no alignment requirement).
    ///
    /// # Safety
    /// `p..p+4` must be readable `f32`s.
    #[inline(always)]
    unsafe fn load_ptr(p: *const f32) -> Self {
        // SAFETY: the caller guarantees 4 readable f32 at `p`.
        Self::load(unsafe { core::slice::from_raw_parts(p, 4) })
    }
    /// `*p` in all four lanes.
    ///
    /// # Safety
    /// `p` must point to a readable `f32`.
    #[inline(always)]
    unsafe fn load_splat_ptr(p: *const f32) -> Self {
        // SAFETY: the caller guarantees a readable f32 at `p`.
        Self::load_splat(unsafe { &*p })
    }
    /// Loads `s[0..4]` (no alignment requirement).
    fn load(s: &[f32]) -> Self;
    /// Stores into `s[0..4]` (no alignment requirement).
    fn store(self, s: &mut [f32]);
    fn from_array(a: [f32; 4]) -> Self;
    fn to_array(self) -> [f32; 4];

    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    fn div(self, o: Self) -> Self;
    /// `self * b + c`, rounded twice (no fused multiply-add), except on
    /// [`Isa::Simd128Relaxed`], where it may be fused (rounded once): `f32x4.relaxed_madd`.
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        self.mul(b).add(c)
    }
    /// `if x > self { x } else { self }` per lane: on ties and NaN comparisons `self` is kept,
    /// which is exactly the "first maximum wins" rule of the reference max pooling.
    fn max(self, x: Self) -> Self;

    /// Lane `I` broadcast to all four lanes.
    fn dup0(self) -> Self;
    fn dup1(self) -> Self;
    fn dup2(self) -> Self;
    fn dup3(self) -> Self;
    /// Even lanes of the 8-lane concatenation `a ++ b`: `[a0, a2, b0, b2]` (stride-2 gather).
    fn even(a: Self, b: Self) -> Self;
    /// All-ones lanes where `self > o`, zero lanes elsewhere (false for NaN).
    fn gt(self, o: Self) -> Self;
    /// Bitwise `self & o`.
    fn and(self, o: Self) -> Self;
    /// Bitwise `self & !o`.
    fn and_not(self, o: Self) -> Self;
    /// Bitwise `self | o`.
    fn or(self, o: Self) -> Self;
    /// `[a0, b0, a1, b1]`.
    fn zip_lo(a: Self, b: Self) -> Self;
    /// `[a2, b2, a3, b3]`.
    fn zip_hi(a: Self, b: Self) -> Self;
    /// Lanes of `a` where `mask` is all-ones, of `b` where it is zero.
    #[inline(always)]
    fn select(mask: Self, a: Self, b: Self) -> Self {
        a.and(mask).or(b.and_not(mask))
    }
    /// Odd lanes of the 8-lane concatenation `a ++ b`: `[a1, a3, b1, b3]`.
    fn odd(a: Self, b: Self) -> Self;

    /// `a0 + a1 + a2 + a3` (as `(a0 + a2) + (a1 + a3)`).
    #[inline(always)]
    fn hsum(self) -> f32 {
        let a = self.to_array();
        (a[0] + a[2]) + (a[1] + a[3])
    }
}
