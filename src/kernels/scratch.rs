//! The kernels' scratch arena: per thread, one reusable buffer per [`Slot`] (padded input
//! planes, column matrices, packed GEMM panels, per-tap offsets), which a kernel borrows for the
//! duration of a call and gives back when the [`Scratch`] drops. A buffer only grows, so a
//! repeated call allocates nothing the second time (the tests check it).
//!
//! Each slot has one role, so a kernel that calls another (a convolution calling the GEMM)
//! holds its slot while the inner one takes its own, and every role keeps its buffer (and its
//! place in the caches) from call to call. A slot borrowed again while it is out (no kernel
//! does that) hands out a fresh buffer rather than an alias.

use std::cell::Cell;
use std::ops::{Deref, DerefMut};
use std::thread::LocalKey;

/// What a scratch buffer is for: each role its own buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    /// im2col's column matrix (or col2im's column gradient).
    Col,
    /// The transposed weight gradient of the im2col kernel's backward pass.
    WeightGradT,
    /// The packed GEMM's A and B blocks.
    GemmA,
    GemmB,
    /// The shifted-view kernels' padded, phase-split input, packed A and B panels, flipped
    /// weights, and per-tap offsets.
    ShiftedPlanes,
    ShiftedA,
    ShiftedB,
    ShiftedFlipped,
    ShiftedOffsets,
    /// The output gradient spread to the shifted views' virtual columns (weight gradient).
    ShiftedGrad,
    /// The depthwise kernels' padded plane and run of virtual output rows.
    DepthwisePlane,
    DepthwiseRows,
}

const SLOTS: usize = Slot::DepthwiseRows as usize + 1;

thread_local! {
    static FLOATS: [Cell<Vec<f32>>; SLOTS] = const { [const { Cell::new(Vec::new()) }; SLOTS] };
    static INDICES: [Cell<Vec<usize>>; SLOTS] = const { [const { Cell::new(Vec::new()) }; SLOTS] };
}

/// What a scratch buffer holds: floats or indices.
pub(crate) trait Elem: Copy + Default + 'static {
    fn slots() -> &'static LocalKey<[Cell<Vec<Self>>; SLOTS]>;
}

impl Elem for f32 {
    fn slots() -> &'static LocalKey<[Cell<Vec<f32>>; SLOTS]> {
        &FLOATS
    }
}

impl Elem for usize {
    fn slots() -> &'static LocalKey<[Cell<Vec<usize>>; SLOTS]> {
        &INDICES
    }
}

/// A borrowed scratch buffer of exactly the requested length; it goes back to its slot on drop.
pub(crate) struct Scratch<T: Elem = f32> {
    slot: Slot,
    buf: Vec<T>,
    len: usize,
}

impl<T: Elem> Scratch<T> {
    /// `len` elements of `slot`'s buffer, contents unspecified (what an earlier call left).
    pub(crate) fn take(slot: Slot, len: usize) -> Scratch<T> {
        let mut buf = T::slots().with(|s| s[slot as usize].take());
        if buf.len() < len {
            buf.resize(len, T::default());
        }
        Scratch { slot, buf, len }
    }

    /// `len` elements of `slot`'s buffer, all zero.
    pub(crate) fn zeroed(slot: Slot, len: usize) -> Scratch<T> {
        let mut s = Scratch::take(slot, len);
        s.fill(T::default());
        s
    }
}

impl<T: Elem> Deref for Scratch<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.buf[..self.len]
    }
}

impl<T: Elem> DerefMut for Scratch<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.buf[..self.len]
    }
}

impl<T: Elem> Drop for Scratch<T> {
    fn drop(&mut self) {
        let buf = std::mem::take(&mut self.buf);
        // `try_with`: a buffer dropped while the thread's locals are torn down is just freed.
        let _ = T::slots().try_with(|s| s[self.slot as usize].set(buf));
    }
}

/// The calling thread's arena: (buffers held, their total length in elements). A call that
/// had to grow a buffer raises the total.
#[cfg(test)]
pub fn stats() -> (usize, usize) {
    fn of<T: Elem>() -> (usize, usize) {
        T::slots().with(|s| {
            let lens: Vec<usize> = s
                .iter()
                .map(|c| {
                    let b = c.take();
                    let n = b.len();
                    c.set(b);
                    n
                })
                .collect();
            (lens.iter().filter(|&&n| n > 0).count(), lens.iter().sum())
        })
    }
    let ((a, b), (c, d)) = (of::<f32>(), of::<usize>());
    (a + c, b + d)
}

/// Frees the calling thread's buffers (a buffer in use goes back to an empty slot).
pub fn release() {
    FLOATS.with(|s| s.iter().for_each(|c| drop(c.take())));
    INDICES.with(|s| s.iter().for_each(|c| drop(c.take())));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_buffers_are_distinct_and_a_repeated_sequence_allocates_nothing() {
        release();
        let sequence = || {
            let mut a = Scratch::<f32>::take(Slot::Col, 100);
            a.fill(1.0);
            {
                let mut b = Scratch::<f32>::zeroed(Slot::GemmA, 7);
                assert!(b.iter().all(|&v| v == 0.0));
                b.fill(2.0);
                let c = Scratch::<usize>::take(Slot::ShiftedOffsets, 300);
                // The same slot again while it is out: a fresh buffer, not an alias of `a`.
                let mut d = Scratch::<f32>::take(Slot::Col, 100);
                d.fill(3.0);
                assert_eq!((a.len(), b.len(), c.len()), (100, 7, 300));
            }
            assert!(a.iter().all(|&v| v == 1.0), "a nested borrow wrote into the outer buffer");
        };
        sequence();
        assert_eq!(stats(), (3, 407));
        sequence();
        assert_eq!(stats(), (3, 407), "the second identical sequence grew the arena");
        release();
        assert_eq!(stats(), (0, 0));
    }
}
