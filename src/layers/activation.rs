//! Element-wise and normalizing activations: relu, relu6, clip, sigmoid, hardswish and softmax.

/// y = x where x > 0, else 0 (NaN and -0 give +0).
pub fn relu_forward(x: &[f32], y: &mut [f32]) {
    crate::kernels::relu_forward(x, y)
}

/// gx = gy where x > 0, else 0 (the subgradient at 0 is taken as 0, as PyTorch does).
pub fn relu_backward(x: &[f32], gy: &[f32], gx: &mut [f32]) {
    for ((gx, &x), &g) in gx.iter_mut().zip(x).zip(gy) {
        *gx = if x > 0.0 { g } else { 0.0 };
    }
}

/// y = exp(x - max x) / sum exp(x - max x), numerically stable.
pub fn softmax_forward(x: &[f32], y: &mut [f32]) {
    let max = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0f32;
    for (y, &x) in y.iter_mut().zip(x) {
        *y = (x - max).exp();
        sum += *y;
    }
    for y in y.iter_mut() {
        *y /= sum;
    }
}

/// gx_i = y_i * (gy_i - sum_j gy_j y_j), from the softmax output y.
pub fn softmax_backward(y: &[f32], gy: &[f32], gx: &mut [f32]) {
    let dot: f32 = y.iter().zip(gy).map(|(y, g)| y * g).sum();
    for ((gx, &y), &g) in gx.iter_mut().zip(y).zip(gy) {
        *gx = y * (g - dot);
    }
}

/// y = min(max(x, 0), 6) (NaN gives 0, as relu).
pub fn relu6_forward(x: &[f32], y: &mut [f32]) {
    crate::kernels::relu6_forward(x, y)
}

/// gx = gy where 0 < x < 6, else 0: PyTorch's `relu6` (hardtanh) subgradient, 0 at both kinks.
pub fn relu6_backward(x: &[f32], gy: &[f32], gx: &mut [f32]) {
    for ((gx, &x), &g) in gx.iter_mut().zip(x).zip(gy) {
        *gx = if x > 0.0 && x < 6.0 { g } else { 0.0 };
    }
}

/// y = x clamped to `[min, max]` (an absent bound does not clamp; NaN stays NaN, as in PyTorch).
pub fn clip_forward(min: Option<f32>, max: Option<f32>, x: &[f32], y: &mut [f32]) {
    let (lo, hi) = (min.unwrap_or(f32::NEG_INFINITY), max.unwrap_or(f32::INFINITY));
    for (y, &x) in y.iter_mut().zip(x) {
        *y = if x < lo {
            lo
        } else if x > hi {
            hi
        } else {
            x
        };
    }
}

/// gx = gy where min <= x <= max, else 0: PyTorch's `clamp` subgradient, 1 at the bounds.
pub fn clip_backward(min: Option<f32>, max: Option<f32>, x: &[f32], gy: &[f32], gx: &mut [f32]) {
    let (lo, hi) = (min.unwrap_or(f32::NEG_INFINITY), max.unwrap_or(f32::INFINITY));
    for ((gx, &x), &g) in gx.iter_mut().zip(x).zip(gy) {
        *gx = if x >= lo && x <= hi { g } else { 0.0 };
    }
}

/// y = 1 / (1 + exp(-x)), computed without overflow for large |x|.
pub fn sigmoid_forward(x: &[f32], y: &mut [f32]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y = if x >= 0.0 {
            1.0 / (1.0 + (-x).exp())
        } else {
            let e = x.exp();
            e / (1.0 + e)
        };
    }
}

/// gx = gy * y * (1 - y), from the sigmoid's output y.
pub fn sigmoid_backward(y: &[f32], gy: &[f32], gx: &mut [f32]) {
    for ((gx, &y), &g) in gx.iter_mut().zip(y).zip(gy) {
        *gx = g * y * (1.0 - y);
    }
}

/// PyTorch's hardswish: y = x * relu6(x + 3) / 6, i.e. 0 for x <= -3, x for x >= 3 and
/// x * (x + 3) / 6 between.
pub fn hardswish_forward(x: &[f32], y: &mut [f32]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y = if x <= -3.0 {
            0.0
        } else if x >= 3.0 {
            x
        } else {
            x * (x + 3.0) / 6.0
        };
    }
}

/// PyTorch's hardswish derivative (its `hardswish_backward`): 0 for x < -3, x / 3 + 1/2 for
/// -3 <= x <= 3, 1 for x > 3. At the kinks this takes the middle piece's slope: -1/2 at x = -3
/// and 3/2 at x = 3 (PyTorch's scalar and GPU kernels do the same; its vectorized CPU kernel
/// gives 1 at exactly x = 3).
pub fn hardswish_backward(x: &[f32], gy: &[f32], gx: &mut [f32]) {
    for ((gx, &x), &g) in gx.iter_mut().zip(x).zip(gy) {
        *gx = if x < -3.0 {
            0.0
        } else if x <= 3.0 {
            g * (x / 3.0 + 0.5)
        } else {
            g
        };
    }
}
