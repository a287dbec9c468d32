//! The outbound byte queue: small frames are batched into one reusable buffer; large
//! bodies stay in their `Msg` and are written from it (vectored writes, no copy).

use std::collections::VecDeque;
use std::io::IoSlice;

use crate::msg::Msg;

/// Bodies at least this long are queued by reference rather than copied.
pub(crate) const COPY_LIMIT: usize = 8192;

/// Spare batch buffers kept for reuse.
const SPARES: usize = 2;
/// A spare buffer grown past this is released rather than kept.
const SPARE_MAX_CAPACITY: usize = 1 << 20;

enum Chunk {
    Bytes(Vec<u8>),
    Body(Msg),
}

impl Chunk {
    fn bytes(&self) -> &[u8] {
        match self {
            Chunk::Bytes(v) => v,
            Chunk::Body(m) => m.data(),
        }
    }
}

/// Bytes waiting to be written, in order.
#[derive(Default)]
pub struct OutQueue {
    chunks: VecDeque<Chunk>,
    /// Bytes of the front chunk already written.
    front_pos: usize,
    /// Bytes pending in total.
    len: usize,
    spare: Vec<Vec<u8>>,
}

impl std::fmt::Debug for OutQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutQueue")
            .field("chunks", &self.chunks.len())
            .field("len", &self.len)
            .finish()
    }
}

impl OutQueue {
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes pending.
    pub fn len(&self) -> usize {
        self.len
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends to the batch buffer at the back (starting one when needed).
    fn with_tail(&mut self, f: impl FnOnce(&mut Vec<u8>)) {
        if self.chunks.len() == 1 && self.front_pos > 0 {
            // Appending behind bytes being written: drop the written part once it is
            // at least half the buffer, so the buffer cannot creep while never drained.
            if let Some(Chunk::Bytes(v)) = self.chunks.front_mut() {
                if self.front_pos >= v.len() / 2 {
                    v.drain(..self.front_pos);
                    self.front_pos = 0;
                }
            }
        }
        if let Some(Chunk::Bytes(v)) = self.chunks.back_mut() {
            f(v);
            return;
        }
        let mut v = self.spare.pop().unwrap_or_default();
        f(&mut v);
        self.chunks.push_back(Chunk::Bytes(v));
    }

    pub fn push_bytes(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        self.with_tail(|t| t.extend_from_slice(bytes));
        self.len += bytes.len();
    }

    /// Appends several pieces into the batch buffer (a header and a body).
    pub fn push_parts(&mut self, parts: &[&[u8]]) {
        let total: usize = parts.iter().map(|p| p.len()).sum();
        if total == 0 {
            return;
        }
        self.with_tail(|t| {
            t.reserve(total);
            for p in parts {
                t.extend_from_slice(p);
            }
        });
        self.len += total;
    }

    /// As [`push_parts`](Self::push_parts), then `f` runs over the bytes appended (a
    /// WebSocket client masks them there).
    pub fn push_parts_then(&mut self, parts: &[&[u8]], f: impl FnOnce(&mut [u8])) {
        let total: usize = parts.iter().map(|p| p.len()).sum();
        if total == 0 {
            return;
        }
        self.with_tail(|t| {
            let start = t.len();
            t.reserve(total);
            for p in parts {
                t.extend_from_slice(p);
            }
            f(&mut t[start..]);
        });
        self.len += total;
    }

    /// Queues a message body after a header: copied when small, referenced when large.
    pub fn push_body_after(&mut self, header: &[u8], msg: Msg) {
        let size = msg.size();
        if size < COPY_LIMIT {
            self.push_parts(&[header, msg.data()]);
        } else {
            self.push_bytes(header);
            self.chunks.push_back(Chunk::Body(msg));
            self.len += size;
        }
    }

    /// The next contiguous bytes to write (empty when nothing is pending).
    pub fn front(&self) -> &[u8] {
        match self.chunks.front() {
            Some(c) => c.bytes().get(self.front_pos..).unwrap_or(&[]),
            None => &[],
        }
    }

    /// Fills `bufs` with the pending bytes in order; returns how many slices were set.
    pub fn front_vectored<'a>(&'a self, bufs: &mut [IoSlice<'a>]) -> usize {
        let mut n = 0;
        for (i, chunk) in self.chunks.iter().enumerate() {
            let Some(slot) = bufs.get_mut(n) else { break };
            let bytes = if i == 0 {
                chunk.bytes().get(self.front_pos..).unwrap_or(&[])
            } else {
                chunk.bytes()
            };
            if bytes.is_empty() {
                continue;
            }
            *slot = IoSlice::new(bytes);
            n += 1;
        }
        n
    }

    /// `n` bytes were written (more than pending is clamped).
    pub fn consume(&mut self, mut n: usize) {
        n = n.min(self.len);
        self.len -= n;
        while n > 0 {
            let Some(front) = self.chunks.front() else {
                break;
            };
            let left = front.bytes().len().saturating_sub(self.front_pos);
            if n < left {
                self.front_pos += n;
                return;
            }
            n -= left;
            self.pop_front();
        }
        // Drop fully written chunks (also empty ones) so `front` is meaningful.
        while let Some(front) = self.chunks.front() {
            if self.front_pos < front.bytes().len() {
                break;
            }
            self.pop_front();
        }
    }

    fn pop_front(&mut self) {
        self.front_pos = 0;
        if let Some(Chunk::Bytes(mut v)) = self.chunks.pop_front() {
            // Recycled: in the steady state one buffer goes back and forth.
            if self.spare.len() < SPARES && v.capacity() <= SPARE_MAX_CAPACITY {
                v.clear();
                self.spare.push(v);
            }
        }
    }

    /// Drains everything (tests).
    #[cfg(test)]
    pub fn collect(&mut self) -> Vec<u8> {
        let mut all = Vec::new();
        while !self.front().is_empty() {
            let f = self.front().to_vec();
            all.extend_from_slice(&f);
            self.consume(f.len());
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_small_and_references_large() {
        let mut q = OutQueue::new();
        q.push_bytes(b"ab");
        q.push_body_after(b"H", Msg::from_slice(b"small"));
        let big = vec![7u8; COPY_LIMIT];
        q.push_body_after(b"HH", Msg::from_slice(&big));
        q.push_bytes(b"z");
        assert_eq!(q.len(), 2 + 6 + 2 + COPY_LIMIT + 1);
        let mut slices = [IoSlice::new(&[]); 8];
        let n = q.front_vectored(&mut slices);
        assert_eq!(n, 3);
        assert_eq!(&*slices[0], b"abHsmallHH");
        assert_eq!(slices[1].len(), COPY_LIMIT);
        assert_eq!(&*slices[2], b"z");
        q.consume(3);
        assert_eq!(q.front(), b"smallHH");
        q.consume(7 + 10);
        assert_eq!(q.front().len(), COPY_LIMIT - 10);
        q.consume(COPY_LIMIT - 10);
        assert_eq!(q.front(), b"z");
        q.consume(100);
        assert!(q.is_empty());
        assert_eq!(q.front(), b"");
    }

    #[test]
    fn buffer_does_not_creep_under_partial_writes() {
        let mut q = OutQueue::new();
        for _ in 0..10_000 {
            q.push_bytes(&[1u8; 100]);
            let n = q.len() - 1;
            q.consume(n);
        }
        assert_eq!(q.len(), 1);
        match q.chunks.front() {
            Some(Chunk::Bytes(v)) => assert!(v.capacity() < 4096),
            _ => panic!("one batch buffer"),
        }
        q.consume(1);
        assert!(q.chunks.is_empty());
        assert_eq!(q.spare.len(), 1);
    }
}
