//! Fallback [`F32x4`]: a plain `[f32; 4]`, for targets without a supported SIMD instruction set.
//! Always compiled, so the host tests check it against the reference kernels as well.

use super::vector::{F32x4, Isa};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scalar(pub [f32; 4]);

#[inline(always)]
fn map2(a: Scalar, b: Scalar, f: impl Fn(f32, f32) -> f32) -> Scalar {
    Scalar([f(a.0[0], b.0[0]), f(a.0[1], b.0[1]), f(a.0[2], b.0[2]), f(a.0[3], b.0[3])])
}

impl F32x4 for Scalar {
    const ISA: Isa = Isa::Scalar;

    #[inline(always)]
    fn zero() -> Self {
        Scalar([0.0; 4])
    }
    #[inline(always)]
    fn splat(x: f32) -> Self {
        Scalar([x; 4])
    }
    #[inline(always)]
    fn load(s: &[f32]) -> Self {
        Scalar([s[0], s[1], s[2], s[3]])
    }
    #[inline(always)]
    fn store(self, s: &mut [f32]) {
        s[..4].copy_from_slice(&self.0);
    }
    #[inline(always)]
    fn from_array(a: [f32; 4]) -> Self {
        Scalar(a)
    }
    #[inline(always)]
    fn to_array(self) -> [f32; 4] {
        self.0
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        map2(self, o, |a, b| a + b)
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        map2(self, o, |a, b| a - b)
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        map2(self, o, |a, b| a * b)
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        map2(self, o, |a, b| a / b)
    }
    #[inline(always)]
    fn max(self, x: Self) -> Self {
        map2(self, x, |s, x| if x > s { x } else { s })
    }
    #[inline(always)]
    fn dup0(self) -> Self {
        Scalar([self.0[0]; 4])
    }
    #[inline(always)]
    fn dup1(self) -> Self {
        Scalar([self.0[1]; 4])
    }
    #[inline(always)]
    fn dup2(self) -> Self {
        Scalar([self.0[2]; 4])
    }
    #[inline(always)]
    fn dup3(self) -> Self {
        Scalar([self.0[3]; 4])
    }
    #[inline(always)]
    fn even(a: Self, b: Self) -> Self {
        Scalar([a.0[0], a.0[2], b.0[0], b.0[2]])
    }
    #[inline(always)]
    fn gt(self, o: Self) -> Self {
        Scalar(core::array::from_fn(|i| if self.0[i] > o.0[i] { f32::from_bits(u32::MAX) } else { 0.0 }))
    }
    #[inline(always)]
    fn and(self, o: Self) -> Self {
        Scalar(core::array::from_fn(|i| f32::from_bits(self.0[i].to_bits() & o.0[i].to_bits())))
    }
    #[inline(always)]
    fn and_not(self, o: Self) -> Self {
        Scalar(core::array::from_fn(|i| f32::from_bits(self.0[i].to_bits() & !o.0[i].to_bits())))
    }
    #[inline(always)]
    fn or(self, o: Self) -> Self {
        Scalar(core::array::from_fn(|i| f32::from_bits(self.0[i].to_bits() | o.0[i].to_bits())))
    }
    #[inline(always)]
    fn zip_lo(a: Self, b: Self) -> Self {
        Scalar([a.0[0], b.0[0], a.0[1], b.0[1]])
    }
    #[inline(always)]
    fn zip_hi(a: Self, b: Self) -> Self {
        Scalar([a.0[2], b.0[2], a.0[3], b.0[3]])
    }
    #[inline(always)]
    fn odd(a: Self, b: Self) -> Self {
        Scalar([a.0[1], a.0[3], b.0[1], b.0[3]])
    }
}
