//! [`F32x4`] on WebAssembly SIMD128 (`v128` as `f32x4`). Compiled only with
//! `target_feature = "simd128"` (set in `.cargo/config.toml`). With `relaxed-simd` as well (the
//! second build, `www/pkg-relaxed/`), [`F32x4::mul_add`] is `f32x4.relaxed_madd` and the ISA is
//! [`Isa::Simd128Relaxed`]; nothing else changes.

use core::arch::wasm32::*;

use super::vector::{F32x4, Isa};

#[derive(Clone, Copy, Debug)]
pub struct Simd128(v128);

impl F32x4 for Simd128 {
    #[cfg(not(target_feature = "relaxed-simd"))]
    const ISA: Isa = Isa::Simd128;
    #[cfg(target_feature = "relaxed-simd")]
    const ISA: Isa = Isa::Simd128Relaxed;

    #[inline(always)]
    fn zero() -> Self {
        Simd128(f32x4_splat(0.0))
    }
    #[inline(always)]
    fn splat(x: f32) -> Self {
        Simd128(f32x4_splat(x))
    }
    #[inline(always)]
    fn load_splat(x: &f32) -> Self {
        // SAFETY: `x` is a live reference to one f32 (4 readable bytes); `v128_load32_splat`
        // reads exactly those 4 bytes and has no alignment requirement.
        Simd128(unsafe { v128_load32_splat((x as *const f32).cast::<u32>()) })
    }
    #[inline(always)]
    unsafe fn load_ptr(p: *const f32) -> Self {
        // SAFETY: the caller guarantees 16 readable bytes at `p`; no alignment requirement.
        Simd128(unsafe { v128_load(p.cast::<v128>()) })
    }
    #[inline(always)]
    unsafe fn load_splat_ptr(p: *const f32) -> Self {
        // SAFETY: the caller guarantees 4 readable bytes at `p`; no alignment requirement.
        Simd128(unsafe { v128_load32_splat(p.cast::<u32>()) })
    }
    #[inline(always)]
    fn load(s: &[f32]) -> Self {
        let s = &s[..4];
        // SAFETY: `s` is a live slice of exactly 4 f32 (16 readable bytes); `v128_load` has no
        // alignment requirement (the pointer is only a hint for the engine).
        Simd128(unsafe { v128_load(s.as_ptr().cast::<v128>()) })
    }
    #[inline(always)]
    fn store(self, s: &mut [f32]) {
        let s = &mut s[..4];
        // SAFETY: `s` is an exclusively borrowed slice of exactly 4 f32 (16 writable bytes);
        // `v128_store` has no alignment requirement.
        unsafe { v128_store(s.as_mut_ptr().cast::<v128>(), self.0) }
    }
    #[inline(always)]
    fn from_array(a: [f32; 4]) -> Self {
        Simd128(f32x4(a[0], a[1], a[2], a[3]))
    }
    #[inline(always)]
    fn to_array(self) -> [f32; 4] {
        [
            f32x4_extract_lane::<0>(self.0),
            f32x4_extract_lane::<1>(self.0),
            f32x4_extract_lane::<2>(self.0),
            f32x4_extract_lane::<3>(self.0),
        ]
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        Simd128(f32x4_add(self.0, o.0))
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        Simd128(f32x4_sub(self.0, o.0))
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        Simd128(f32x4_mul(self.0, o.0))
    }
    /// The one multiply-add of every hot loop: `f32x4.mul` then `f32x4.add` in the plain build,
    /// one `f32x4.relaxed_madd` (fused where the CPU has FMA) in the relaxed-SIMD build.
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        #[cfg(target_feature = "relaxed-simd")]
        return Simd128(f32x4_relaxed_madd(self.0, b.0, c.0));
        #[cfg(not(target_feature = "relaxed-simd"))]
        return Simd128(f32x4_add(f32x4_mul(self.0, b.0), c.0));
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        Simd128(f32x4_div(self.0, o.0))
    }
    #[inline(always)]
    fn max(self, x: Self) -> Self {
        // pmax(a, b) = a < b ? b : a: keeps `self` on ties and NaN, like the reference.
        #[cfg(not(target_feature = "relaxed-simd"))]
        return Simd128(f32x4_pmax(self.0, x.0));
        // With relaxed SIMD enabled, LLVM 22 (rustc 1.95) selects `f32x4.relaxed_max` for a pmax,
        // whose lane on NaN and on +0/-0 ties is up to the engine: V8 on x86-64 returned the
        // other lane and the max-pooling tie test failed. A compare and a lane select keep the
        // exact rule (the mask lanes are all ones or all zeros, where `relaxed_laneselect` is
        // exact; LLVM leaves this form alone).
        #[cfg(target_feature = "relaxed-simd")]
        return Simd128(i32x4_relaxed_laneselect(x.0, self.0, f32x4_gt(x.0, self.0)));
    }
    #[inline(always)]
    fn dup0(self) -> Self {
        Simd128(i32x4_shuffle::<0, 0, 0, 0>(self.0, self.0))
    }
    #[inline(always)]
    fn dup1(self) -> Self {
        Simd128(i32x4_shuffle::<1, 1, 1, 1>(self.0, self.0))
    }
    #[inline(always)]
    fn dup2(self) -> Self {
        Simd128(i32x4_shuffle::<2, 2, 2, 2>(self.0, self.0))
    }
    #[inline(always)]
    fn dup3(self) -> Self {
        Simd128(i32x4_shuffle::<3, 3, 3, 3>(self.0, self.0))
    }
    #[inline(always)]
    fn even(a: Self, b: Self) -> Self {
        Simd128(i32x4_shuffle::<0, 2, 4, 6>(a.0, b.0))
    }
    #[inline(always)]
    fn gt(self, o: Self) -> Self {
        Simd128(f32x4_gt(self.0, o.0))
    }
    #[inline(always)]
    fn and(self, o: Self) -> Self {
        Simd128(v128_and(self.0, o.0))
    }
    #[inline(always)]
    fn and_not(self, o: Self) -> Self {
        Simd128(v128_andnot(self.0, o.0))
    }
    #[inline(always)]
    fn or(self, o: Self) -> Self {
        Simd128(v128_or(self.0, o.0))
    }
    #[inline(always)]
    fn select(mask: Self, a: Self, b: Self) -> Self {
        Simd128(v128_bitselect(a.0, b.0, mask.0))
    }
    #[inline(always)]
    fn zip_lo(a: Self, b: Self) -> Self {
        Simd128(i32x4_shuffle::<0, 4, 1, 5>(a.0, b.0))
    }
    #[inline(always)]
    fn zip_hi(a: Self, b: Self) -> Self {
        Simd128(i32x4_shuffle::<2, 6, 3, 7>(a.0, b.0))
    }
    #[inline(always)]
    fn odd(a: Self, b: Self) -> Self {
        Simd128(i32x4_shuffle::<1, 3, 5, 7>(a.0, b.0))
    }
}
