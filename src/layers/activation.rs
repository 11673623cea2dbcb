//! Element-wise and normalizing activations: relu and softmax.

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
