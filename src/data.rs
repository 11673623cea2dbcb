//! Labelled greyscale image sets in the IDX format of MNIST and Fashion-MNIST.
//!
//! IDX: a big-endian header (magic `0x00000803` for images with counts, rows and cols: 16 bytes;
//! `0x00000801` for labels with a count: 8 bytes), then one byte per pixel or label.

use crate::bail;
use crate::error::Result;

/// Images as raw [0, 1] values (row-major, one channel) with their class labels.
#[derive(Clone, Debug)]
pub struct Dataset {
    pub rows: usize,
    pub cols: usize,
    pub pixels: Vec<u8>,
    pub labels: Vec<u8>,
}

fn be32(b: &[u8], at: usize) -> usize {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]) as usize
}

impl Dataset {
    /// Parses an IDX image file and its IDX label file, checking magic numbers and lengths.
    pub fn from_idx(images: &[u8], labels: &[u8]) -> Result<Dataset> {
        if images.len() < 16 || be32(images, 0) != 0x0803 {
            bail!("not an IDX image file (expected magic 0x00000803)");
        }
        if labels.len() < 8 || be32(labels, 0) != 0x0801 {
            bail!("not an IDX label file (expected magic 0x00000801)");
        }
        let (n, rows, cols) = (be32(images, 4), be32(images, 8), be32(images, 12));
        let expected = n.checked_mul(rows).and_then(|v| v.checked_mul(cols)).and_then(|v| v.checked_add(16));
        if expected != Some(images.len()) {
            bail!("IDX image file is {} bytes; its header says {n} images of {rows}x{cols}", images.len());
        }
        let nl = be32(labels, 4);
        if nl != n || labels.len() != 8 + n {
            bail!("IDX label file has {nl} labels ({} bytes) for {n} images", labels.len());
        }
        Ok(Dataset { rows, cols, pixels: images[16..].to_vec(), labels: labels[8..].to_vec() })
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Image `i` as raw input values in [0, 1].
    pub fn image(&self, i: usize) -> Vec<f32> {
        let n = self.rows * self.cols;
        self.pixels[i * n..(i + 1) * n].iter().map(|&p| p as f32 / 255.0).collect()
    }

    /// Every image as raw input values in [0, 1], laid end to end.
    pub fn inputs(&self) -> Vec<f32> {
        self.pixels.iter().map(|&p| p as f32 / 255.0).collect()
    }

    /// The labels as numbers (what the trainer and evaluation take).
    pub fn label_values(&self) -> Vec<f64> {
        self.labels.iter().map(|&l| l as f64).collect()
    }

    /// The first `n` items as a new set.
    pub fn take(&self, n: usize) -> Dataset {
        let n = n.min(self.len());
        let px = self.rows * self.cols;
        Dataset {
            rows: self.rows,
            cols: self.cols,
            pixels: self.pixels[..n * px].to_vec(),
            labels: self.labels[..n].to_vec(),
        }
    }

    /// The first `per_class` items of each class, in the set's order.
    pub fn balanced(&self, per_class: usize) -> Dataset {
        let px = self.rows * self.cols;
        let mut seen = [0usize; 256];
        let (mut pixels, mut labels) = (Vec::new(), Vec::new());
        for (i, &l) in self.labels.iter().enumerate() {
            if seen[l as usize] < per_class {
                seen[l as usize] += 1;
                labels.push(l);
                pixels.extend_from_slice(&self.pixels[i * px..(i + 1) * px]);
            }
        }
        Dataset { rows: self.rows, cols: self.cols, pixels, labels }
    }

    /// Writes the set back as (IDX images, IDX labels).
    pub fn to_idx(&self) -> (Vec<u8>, Vec<u8>) {
        let mut images = Vec::with_capacity(16 + self.pixels.len());
        for v in [0x0803, self.len(), self.rows, self.cols] {
            images.extend((v as u32).to_be_bytes());
        }
        images.extend(&self.pixels);
        let mut labels = Vec::with_capacity(8 + self.len());
        for v in [0x0801, self.len()] {
            labels.extend((v as u32).to_be_bytes());
        }
        labels.extend(&self.labels);
        (images, labels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idx_round_trip_and_errors() {
        let d = Dataset { rows: 2, cols: 3, pixels: (0..12).collect(), labels: vec![4, 7] };
        let (i, l) = d.to_idx();
        assert_eq!(&i[..4], &[0, 0, 8, 3]);
        let back = Dataset::from_idx(&i, &l).unwrap();
        assert_eq!(back.pixels, d.pixels);
        assert_eq!(back.labels, d.labels);
        assert_eq!(back.image(1)[0], 6.0 / 255.0);
        assert!(Dataset::from_idx(&i[..20], &l).is_err());
        assert!(Dataset::from_idx(&l, &i).is_err());
        assert!(Dataset::from_idx(&i, &l[..9]).is_err());
    }
}
