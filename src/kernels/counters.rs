//! Per-kernel call counters: proof of which kernel actually ran (the tests and the page read
//! them). One relaxed atomic increment per dispatch call, never per inner loop.

use core::sync::atomic::{AtomicU64, Ordering};

use super::simd::Isa;

macro_rules! kernels {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {
        /// A kernel whose calls are counted, see [`calls`].
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Kernel {
            $($(#[$doc])* $name,)*
        }

        impl Kernel {
            /// Every kernel, in declaration order.
            pub const ALL: &'static [Kernel] = &[$(Kernel::$name,)*];

            /// The variant's name, e.g. `"Gemm4x8Simd128"`.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Kernel::$name => stringify!($name),)*
                }
            }
        }
    };
}

kernels! {
    /// Packed GEMM with the 4x8 register-tiled micro-kernel on WebAssembly SIMD128.
    Gemm4x8Simd128,
    /// Packed GEMM with the 4x8 micro-kernel on SIMD128 with relaxed SIMD (`f32x4.relaxed_madd`).
    Gemm4x8Simd128Relaxed,
    /// Packed GEMM with the 4x8 micro-kernel on SSE2.
    Gemm4x8Sse,
    /// Packed GEMM with the 4x8 micro-kernel on the scalar `[f32; 4]` fallback.
    Gemm4x8Scalar,
    /// Convolution forward as a GEMM over shifted views of the padded input (no im2col).
    ConvShiftedForward,
    /// Stride-1 convolution input gradient as a shifted-view forward convolution of the output
    /// gradient with the flipped weights (no col2im).
    ConvShiftedBackwardInput,
    /// Convolution weight gradient as a GEMM whose rows are the shifted views of the padded
    /// input (no im2col).
    ConvShiftedBackwardWeight,
    /// im2col lowering of a convolution input (forward and weight gradient).
    Im2col,
    /// col2im scatter-add of a column gradient into the input gradient.
    Col2im,
    /// A 1x1, stride-1, unpadded convolution that used its input as the column matrix directly.
    Conv1x1Direct,
    /// Max pooling forward, rows vectorized (stride 1 or 2; borders scalar).
    MaxPoolSimd,
    /// Max pooling 2x2 stride 2 without padding, forward (vector deinterleave).
    MaxPool2x2,
    /// Max pooling 2x2 stride 2 without padding, backward (non-overlapping windows).
    MaxPool2x2Backward,
    /// Max pooling forward, all scalar (other strides).
    MaxPoolScalar,
    /// Average pooling forward, rows vectorized (stride 1 or 2; borders scalar).
    AvgPoolSimd,
    /// Average pooling forward, all scalar (other strides).
    AvgPoolScalar,
    /// Max pooling backward (scalar reference).
    MaxPoolBackward,
    /// Average pooling backward (scalar reference).
    AvgPoolBackward,
    /// relu forward, four lanes at a time.
    ReluSimd,
    /// relu6 forward, four lanes at a time.
    Relu6Simd,
    /// Linear forward with vector dot products.
    LinearForwardSimd,
    /// Linear backward with vector axpy.
    LinearBackwardSimd,
    /// A grouped convolution (not depthwise) run as one ordinary convolution per group.
    GroupedPerGroup,
    /// Depthwise convolution forward, vectorized along output rows (module `depthwise`).
    DepthwiseForward,
    /// Depthwise convolution forward with a per-channel affine map (a batchnorm) applied to each
    /// output row in the same pass.
    DepthwiseForwardAffine,
    /// Depthwise convolution input gradient (vector axpy per tap into a padded plane).
    DepthwiseBackwardInput,
    /// Depthwise convolution weight gradient (vector dot products per tap).
    DepthwiseBackwardWeight,
    /// Average pooling with `count_include_pad` (forward: border rescale; backward).
    AvgPoolIncludePad,
}

const N: usize = Kernel::ALL.len();

static COUNTS: [AtomicU64; N] = [const { AtomicU64::new(0) }; N];

/// How many times kernel `k` has run in this process (all threads).
pub fn calls(k: Kernel) -> u64 {
    COUNTS[k as usize].load(Ordering::Relaxed)
}

/// Every kernel with its call count, in declaration order.
pub fn call_counts() -> Vec<(Kernel, u64)> {
    Kernel::ALL.iter().map(|&k| (k, calls(k))).collect()
}

#[inline]
pub(crate) fn bump(k: Kernel) {
    COUNTS[k as usize].fetch_add(1, Ordering::Relaxed);
}

/// The GEMM kernel for instruction set `isa`.
pub const fn gemm_kernel(isa: Isa) -> Kernel {
    match isa {
        Isa::Simd128 => Kernel::Gemm4x8Simd128,
        Isa::Simd128Relaxed => Kernel::Gemm4x8Simd128Relaxed,
        Isa::Sse2 => Kernel::Gemm4x8Sse,
        Isa::Scalar => Kernel::Gemm4x8Scalar,
    }
}
