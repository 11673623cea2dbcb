//! Writes `models/edges.safetensors`: a tiny untrained network whose 3x3 filters are the classic
//! hand-designed ones (Sobel x, Sobel y, Laplacian, box blur), so its feature maps are meaningful
//! without training. Run: `cargo run --bin make_edges`.

use convlens::layers::{Conv2d, LayerKind, Pool2d};
use convlens::{format, InputSpec, Model};
use ndarray::{Array1, Array4};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    #[rustfmt::skip]
    let filters: [[f32; 9]; 4] = [
        [-1.0, 0.0, 1.0, -2.0, 0.0, 2.0, -1.0, 0.0, 1.0],   // Sobel x: vertical edges
        [-1.0, -2.0, -1.0, 0.0, 0.0, 0.0, 1.0, 2.0, 1.0],   // Sobel y: horizontal edges
        [0.0, 1.0, 0.0, 1.0, -4.0, 1.0, 0.0, 1.0, 0.0],     // Laplacian: blobs and corners
        [1.0 / 9.0; 9],                                      // box blur
    ];
    let weight = Array4::from_shape_vec((4, 1, 3, 3), filters.concat())?;
    let layers = vec![
        ("conv".to_string(), LayerKind::Conv2d(Conv2d::new(weight, Some(Array1::zeros(4)), (1, 1), (1, 1), (1, 1)))),
        ("relu".to_string(), LayerKind::Relu),
        ("pool".to_string(), LayerKind::MaxPool2d(Pool2d::new((2, 2), (2, 2), (0, 0)))),
    ];
    let model = Model::new(InputSpec::plain(1, 28, 28), None, layers)?;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/models/edges.safetensors");
    std::fs::write(path, format::save(&model)?)?;
    println!("wrote {path}");
    Ok(())
}
