//! The committed samples of the official test sets in tests/data/ (`<name>-test500-*.idx`: the
//! first 500 test images of MNIST and Fashion-MNIST), compiled in: wasm in node and the browsers
//! has no file system.
#![allow(dead_code)]

use convlens::data::Dataset;

/// The first 500 test images of dataset `name` ("digits" or "fashion") with their labels.
pub fn test500(name: &str) -> Dataset {
    let (images, labels): (&[u8], &[u8]) = match name {
        "digits" => {
            (include_bytes!("../data/digits-test500-images.idx"), include_bytes!("../data/digits-test500-labels.idx"))
        }
        "fashion" => {
            (include_bytes!("../data/fashion-test500-images.idx"), include_bytes!("../data/fashion-test500-labels.idx"))
        }
        _ => panic!("tests/data/ has no test sample of '{name}'"),
    };
    let set = Dataset::from_idx(images, labels).unwrap();
    assert_eq!(set.len(), 500, "{name}: the sample's length");
    set
}
