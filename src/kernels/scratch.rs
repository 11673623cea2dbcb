//! The kernels' scratch arena: per thread, a free list of `f32` buffers that kernels borrow for
//! the duration of a call (padded input planes, column matrices, packed GEMM panels) and give
//! back when the [`Scratch`] drops. A kernel that calls another (a convolution calling the
//! GEMM) holds its buffer while the inner one takes another, so nested borrows never alias.
//!
//! A request takes the smallest free buffer that is long enough (else the largest, grown), so a
//! sequence of calls that repeats takes the same buffers in the same order and allocates nothing
//! the second time ([`stats`] counts the growths; the tests check it).

use std::cell::Cell;
use std::ops::{Deref, DerefMut};

thread_local! {
    static FREE: Cell<Vec<Vec<f32>>> = const { Cell::new(Vec::new()) };
    static GROWTHS: Cell<u64> = const { Cell::new(0) };
}

/// A borrowed scratch buffer of exactly the requested length; it goes back to the arena on drop.
pub(crate) struct Scratch {
    buf: Vec<f32>,
    len: usize,
}

impl Scratch {
    /// `len` floats, contents unspecified (what an earlier call left).
    pub(crate) fn take(len: usize) -> Scratch {
        let mut free = FREE.with(Cell::take);
        // Best fit: the shortest buffer that is long enough, else the longest one (grown below).
        let fit = free.iter().enumerate().filter(|(_, b)| b.len() >= len).min_by_key(|(_, b)| b.len()).map(|(i, _)| i);
        let pick = fit.or_else(|| free.iter().enumerate().max_by_key(|(_, b)| b.len()).map(|(i, _)| i));
        let mut buf = pick.map(|i| free.swap_remove(i)).unwrap_or_default();
        FREE.with(|c| c.set(free));
        if buf.len() < len {
            GROWTHS.with(|g| g.set(g.get() + 1));
            buf.resize(len, 0.0);
        }
        Scratch { buf, len }
    }

    /// `len` floats, all zero.
    pub(crate) fn zeroed(len: usize) -> Scratch {
        let mut s = Scratch::take(len);
        s.fill(0.0);
        s
    }
}

impl Deref for Scratch {
    type Target = [f32];
    fn deref(&self) -> &[f32] {
        &self.buf[..self.len]
    }
}

impl DerefMut for Scratch {
    fn deref_mut(&mut self) -> &mut [f32] {
        &mut self.buf[..self.len]
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let buf = std::mem::take(&mut self.buf);
        // `try_with`: a buffer dropped while the thread's locals are torn down is just freed.
        let _ = FREE.try_with(|c| {
            let mut free = c.take();
            free.push(buf);
            c.set(free);
        });
    }
}

/// The calling thread's arena: (free buffers, their total length in floats, growths so far).
#[cfg(test)]
pub fn stats() -> (usize, usize, u64) {
    let free = FREE.with(Cell::take);
    let s = (free.len(), free.iter().map(Vec::len).sum(), GROWTHS.with(Cell::get));
    FREE.with(|c| c.set(free));
    s
}

/// Frees the calling thread's free buffers (buffers in use go back to an empty arena).
pub fn release() {
    FREE.with(Cell::take);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_buffers_are_distinct_and_a_repeated_sequence_allocates_nothing() {
        release();
        let sequence = || {
            let mut a = Scratch::take(100);
            a.fill(1.0);
            {
                let mut b = Scratch::zeroed(7);
                assert!(b.iter().all(|&v| v == 0.0));
                b.fill(2.0);
                let c = Scratch::take(300);
                assert_eq!((a.len(), b.len(), c.len()), (100, 7, 300));
            }
            assert!(a.iter().all(|&v| v == 1.0), "a nested borrow wrote into the outer buffer");
        };
        sequence();
        let (buffers, floats, growths) = stats();
        assert_eq!((buffers, floats), (3, 407));
        sequence();
        assert_eq!(stats(), (buffers, floats, growths), "the second identical sequence grew the arena");
        release();
        assert_eq!(stats().0, 0);
    }
}
