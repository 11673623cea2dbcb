//! Fixtures for the kernel benchmark (`./build.sh bench`): one conv2d shape with seeded data,
//! run through the fast kernel or the scalar reference. Timing happens in the caller.

use crate::error::Result;
use crate::geometry::ConvGeom;
use crate::kernels;
use crate::rng::Rng;

pub struct ConvCase {
    pub geom: ConvGeom,
    x: Vec<f32>,
    w: Vec<f32>,
    b: Vec<f32>,
    y: Vec<f32>,
}

impl ConvCase {
    /// A square `k x k` convolution `h x w x cin -> cout` with the given stride and padding.
    pub fn new(cin: usize, h: usize, w: usize, cout: usize, k: usize, stride: usize, pad: usize) -> Result<Self> {
        let geom = ConvGeom::new((cin, h, w), cout, (k, k), (stride, stride), (pad, pad), (1, 1))?;
        if geom.macs() > 1 << 31 {
            crate::bail!("benchmark shape too large ({} multiply-adds)", geom.macs());
        }
        let mut rng = Rng::new(1);
        Ok(ConvCase {
            x: rng.vec(geom.input_len()),
            w: rng.vec(geom.weight_len()),
            b: rng.vec(geom.cout),
            y: vec![0.0; geom.output_len()],
            geom,
        })
    }

    /// Floating-point operations of one forward pass (2 per multiply-add).
    pub fn flops(&self) -> f64 {
        2.0 * self.geom.macs() as f64
    }

    pub fn run_fast(&mut self, times: u32) {
        for _ in 0..times {
            kernels::conv2d_forward(&self.geom, &self.x, &self.w, Some(&self.b), &mut self.y);
        }
    }

    pub fn run_reference(&mut self, times: u32) {
        for _ in 0..times {
            kernels::reference::conv2d_forward(&self.geom, &self.x, &self.w, Some(&self.b), &mut self.y);
        }
    }

    /// Largest |fast - reference| over the output, so a benchmark also shows the two agree.
    pub fn max_diff(&mut self) -> f32 {
        self.run_reference(1);
        let reference = self.y.clone();
        self.run_fast(1);
        self.y.iter().zip(&reference).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max)
    }
}
