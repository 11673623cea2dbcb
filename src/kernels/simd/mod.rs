//! Portable 4-lane `f32` vectors: one trait, one implementation per instruction set
//! ("a tree per ISA"). The kernels are written once, generic over [`F32x4`], and instantiated
//! with [`Native`], the implementation chosen at compile time:
//!
//! | build                                           | `Native`           | [`ISA`]             |
//! |-------------------------------------------------|--------------------|---------------------|
//! | `wasm32` with `+simd128` (`.cargo/config.toml`) | `wasm32::Simd128`  | `"simd128"`         |
//! | `wasm32` with `+simd128,+relaxed-simd`          | `wasm32::Simd128`  | `"simd128+relaxed"` |
//! | `x86_64` (SSE2 is baseline), or `x86` + `sse2`  | `x86::Sse`         | `"sse2"`            |
//! | anything else                                   | [`scalar::Scalar`] | `"scalar"`          |
//!
//! The scalar implementation is always compiled, so the host tests exercise it too.
//! AVX/FMA are not assumed: [`F32x4::mul_add`] is a multiply followed by an add (two roundings)
//! on every backend, so all of them round identically -- except the relaxed-SIMD wasm build
//! (`www/pkg-relaxed/`, `./build.sh build` makes it next to the plain one), where `mul_add` is
//! one `f32x4.relaxed_madd`: fused (one rounding) where the engine and CPU have FMA, else the
//! same two roundings. Every multiply-add of the hot loops (GEMM tiles, dot products, axpy) goes
//! through `mul_add`, so that one method is the whole difference between the two builds.

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod wasm32;

#[cfg(all(any(target_arch = "x86_64", target_arch = "x86"), target_feature = "sse2"))]
pub mod x86;

pub mod scalar;
mod vector;

pub use vector::{F32x4, Isa};

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub use wasm32::Simd128 as Native;

#[cfg(all(any(target_arch = "x86_64", target_arch = "x86"), target_feature = "sse2"))]
pub use x86::Sse as Native;

#[cfg(not(any(
    all(target_arch = "wasm32", target_feature = "simd128"),
    all(any(target_arch = "x86_64", target_arch = "x86"), target_feature = "sse2")
)))]
pub use scalar::Scalar as Native;

/// Which SIMD backend is compiled in: `"simd128"`, `"simd128+relaxed"`, `"sse2"` or `"scalar"`.
pub const ISA: &str = <Native as F32x4>::ISA.name();
