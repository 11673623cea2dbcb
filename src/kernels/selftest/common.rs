//! What every self-test file uses: the seeded generator and the tolerance of a fast kernel
//! against the reference.

pub use crate::rng::Rng;

/// `|fast - ref| <= 2e-5 * sqrt(terms) * (1 + |ref|)` elementwise, where `terms` is the length
/// of the sums that produced each element. Also catches NaN (unwritten outputs start as NaN).
pub fn assert_close(fast: &[f32], reference: &[f32], terms: usize, what: &str) {
    assert_eq!(fast.len(), reference.len(), "{what}: length");
    let tol = 2e-5 * (terms.max(1) as f32).sqrt();
    for (i, (&a, &b)) in fast.iter().zip(reference).enumerate() {
        let ok = (a - b).abs() <= tol * (1.0 + b.abs());
        assert!(ok, "{what}[{i}]: fast {a} vs reference {b} (tolerance {tol} relative)");
    }
}
