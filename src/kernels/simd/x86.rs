//! [`F32x4`] on SSE/SSE2 (`__m128`), the x86_64 baseline: no AVX or FMA is assumed.
//!
//! This module is compiled only with `target_feature = "sse2"` (always on for x86_64), so every
//! SSE/SSE2 intrinsic is available on the machine; they are still `unsafe fn`s because the
//! callers are not `#[target_feature]` functions.

#[cfg(target_arch = "x86")]
use core::arch::x86::*;
#[cfg(target_arch = "x86_64")]
use core::arch::x86_64::*;

use super::vector::{F32x4, Isa};

#[derive(Clone, Copy, Debug)]
pub struct Sse(__m128);

impl F32x4 for Sse {
    const ISA: Isa = Isa::Sse2;

    #[inline(always)]
    fn zero() -> Self {
        // SAFETY: register-only SSE op; SSE/SSE2 are statically enabled (see the module cfg).
        Sse(unsafe { _mm_setzero_ps() })
    }
    #[inline(always)]
    fn splat(x: f32) -> Self {
        // SAFETY: register-only SSE op; SSE/SSE2 are statically enabled (see the module cfg).
        Sse(unsafe { _mm_set1_ps(x) })
    }
    #[inline(always)]
    fn load_splat(x: &f32) -> Self {
        // SAFETY: `x` is a live reference to one f32 (4 readable bytes), which is all
        // `_mm_load1_ps` reads; it has no alignment requirement beyond f32's.
        Sse(unsafe { _mm_load1_ps(x) })
    }
    #[inline(always)]
    fn load(s: &[f32]) -> Self {
        let s = &s[..4];
        // SAFETY: `s` is a live slice of exactly 4 f32 (16 readable bytes), and `_mm_loadu_ps`
        // has no alignment requirement. SSE is enabled on every target this module compiles for.
        Sse(unsafe { _mm_loadu_ps(s.as_ptr()) })
    }
    #[inline(always)]
    fn store(self, s: &mut [f32]) {
        let s = &mut s[..4];
        // SAFETY: `s` is an exclusively borrowed slice of exactly 4 f32 (16 writable bytes), and
        // `_mm_storeu_ps` has no alignment requirement.
        unsafe { _mm_storeu_ps(s.as_mut_ptr(), self.0) }
    }
    #[inline(always)]
    fn from_array(a: [f32; 4]) -> Self {
        Self::load(&a)
    }
    #[inline(always)]
    fn to_array(self) -> [f32; 4] {
        let mut a = [0.0; 4];
        self.store(&mut a);
        a
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        // SAFETY: register-only SSE op; SSE/SSE2 are statically enabled (see the module cfg).
        Sse(unsafe { _mm_add_ps(self.0, o.0) })
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        // SAFETY: register-only SSE op; SSE/SSE2 are statically enabled (see the module cfg).
        Sse(unsafe { _mm_sub_ps(self.0, o.0) })
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        // SAFETY: register-only SSE op; SSE/SSE2 are statically enabled (see the module cfg).
        Sse(unsafe { _mm_mul_ps(self.0, o.0) })
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        // SAFETY: register-only SSE op; SSE/SSE2 are statically enabled (see the module cfg).
        Sse(unsafe { _mm_div_ps(self.0, o.0) })
    }
    #[inline(always)]
    fn max(self, x: Self) -> Self {
        // maxps(a, b) = a > b ? a : b, so maxps(x, self) keeps `self` on ties and NaN.
        // SAFETY: register-only SSE op; SSE/SSE2 are statically enabled (see the module cfg).
        Sse(unsafe { _mm_max_ps(x.0, self.0) })
    }
    #[inline(always)]
    fn dup0(self) -> Self {
        // SAFETY: register-only SSE op; SSE/SSE2 are statically enabled (see the module cfg).
        Sse(unsafe { _mm_shuffle_ps::<0x00>(self.0, self.0) })
    }
    #[inline(always)]
    fn dup1(self) -> Self {
        // SAFETY: register-only SSE op; SSE/SSE2 are statically enabled (see the module cfg).
        Sse(unsafe { _mm_shuffle_ps::<0x55>(self.0, self.0) })
    }
    #[inline(always)]
    fn dup2(self) -> Self {
        // SAFETY: register-only SSE op; SSE/SSE2 are statically enabled (see the module cfg).
        Sse(unsafe { _mm_shuffle_ps::<0xAA>(self.0, self.0) })
    }
    #[inline(always)]
    fn dup3(self) -> Self {
        // SAFETY: register-only SSE op; SSE/SSE2 are statically enabled (see the module cfg).
        Sse(unsafe { _mm_shuffle_ps::<0xFF>(self.0, self.0) })
    }
    #[inline(always)]
    fn even(a: Self, b: Self) -> Self {
        // shufps picks lanes (a[0], a[2]) then (b[0], b[2]): imm = 0b10_00_10_00.
        // SAFETY: register-only SSE op; SSE/SSE2 are statically enabled (see the module cfg).
        Sse(unsafe { _mm_shuffle_ps::<0b10_00_10_00>(a.0, b.0) })
    }
    #[inline(always)]
    fn gt(self, o: Self) -> Self {
        // SAFETY: register-only SSE op; SSE/SSE2 are statically enabled (see the module cfg).
        Sse(unsafe { _mm_cmpgt_ps(self.0, o.0) })
    }
    #[inline(always)]
    fn and(self, o: Self) -> Self {
        // SAFETY: register-only SSE op; SSE/SSE2 are statically enabled (see the module cfg).
        Sse(unsafe { _mm_and_ps(self.0, o.0) })
    }
    #[inline(always)]
    fn and_not(self, o: Self) -> Self {
        // SAFETY: register-only SSE op; SSE/SSE2 are statically enabled (see the module cfg).
        Sse(unsafe { _mm_andnot_ps(o.0, self.0) })
    }
    #[inline(always)]
    fn or(self, o: Self) -> Self {
        // SAFETY: register-only SSE op; SSE/SSE2 are statically enabled (see the module cfg).
        Sse(unsafe { _mm_or_ps(self.0, o.0) })
    }
    #[inline(always)]
    fn zip_lo(a: Self, b: Self) -> Self {
        // SAFETY: register-only SSE op; SSE/SSE2 are statically enabled (see the module cfg).
        Sse(unsafe { _mm_unpacklo_ps(a.0, b.0) })
    }
    #[inline(always)]
    fn zip_hi(a: Self, b: Self) -> Self {
        // SAFETY: register-only SSE op; SSE/SSE2 are statically enabled (see the module cfg).
        Sse(unsafe { _mm_unpackhi_ps(a.0, b.0) })
    }
    #[inline(always)]
    fn odd(a: Self, b: Self) -> Self {
        // shufps picks lanes (a[1], a[3]) then (b[1], b[3]): imm = 0b11_01_11_01.
        // SAFETY: register-only SSE op; SSE/SSE2 are statically enabled (see the module cfg).
        Sse(unsafe { _mm_shuffle_ps::<0b11_01_11_01>(a.0, b.0) })
    }
}
