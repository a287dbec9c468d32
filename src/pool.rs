//! Memory for message bodies and pipe blocks: per-thread free lists by size class, with
//! a small shared depot between threads.
//!
//! A message body is allocated by one thread and released by another (the sender's
//! application thread allocates, the I/O thread frees after encoding; the receiving I/O
//! thread allocates, the application frees). glibc serves that pattern from its arena
//! lists under the arena lock: ~150 instructions per allocation and ~120 per release
//! for a 64-byte body, and for bodies of 1 KiB and more the lock is contended and its
//! heap trimmed over and over. Here a thread releases into its own list and hands whole
//! batches to the depot (one lock per batch); an allocating thread takes a batch back.
//! What the pool keeps is bounded per class (a thread's list, the depot); beyond that,
//! memory goes back to the system allocator at once.
//!
//! This is one of the audited `unsafe` spots outside `ffi/`: a free block holds the
//! link to the next one in its first bytes and belongs to exactly one list at a time.

use std::alloc::Layout;
use std::cell::Cell;
use std::ptr::{self, NonNull};
use std::sync::Mutex;

/// Size classes: class `c` serves blocks of up to `(MIN << c) + HEADROOM` bytes, room
/// for a power-of-two body and a message body's 16-byte header.
const MIN: usize = 64;
const HEADROOM: usize = 16;
const CLASSES: usize = 11;
/// The largest block the pool serves (64 KiB and a header); larger ones go to the
/// system allocator directly.
pub(crate) const MAX: usize = (MIN << (CLASSES - 1)) + HEADROOM;
const ALIGN: usize = 16;

/// Blocks a thread hands to the depot (or takes from it) at once, and what its list
/// holds at most (two batches): up to 32 blocks, 32 KiB per batch, at least 2.
#[inline]
fn batch(class: usize) -> usize {
    const BATCH: [usize; CLASSES] = {
        let mut b = [0; CLASSES];
        let mut c = 0;
        while c < CLASSES {
            let n = (32 << 10) / (MIN << c);
            b[c] = if n > 32 {
                32
            } else if n < 2 {
                2
            } else {
                n
            };
            c += 1;
        }
        b
    };
    BATCH[class]
}

/// Batches the depot keeps per class: up to 256 KiB of blocks, at least one batch.
fn depot_batches(class: usize) -> usize {
    ((256 << 10) / (batch(class) * class_size(class))).max(1)
}

fn class_size(class: usize) -> usize {
    (MIN << class) + HEADROOM
}

/// The class serving `size` bytes, or `None` above [`MAX`].
#[inline]
fn class_of(size: usize) -> Option<usize> {
    if size > MAX {
        return None;
    }
    let body = size.saturating_sub(HEADROOM).max(MIN);
    Some((body.next_power_of_two().trailing_zeros() - MIN.trailing_zeros()) as usize)
}

fn layout(size: usize) -> Option<Layout> {
    Layout::from_size_align(size, ALIGN).ok()
}

/// A free block's first bytes.
struct Free {
    next: *mut Free,
}

/// A singly linked list of free blocks of one class.
#[derive(Clone, Copy)]
struct List {
    head: *mut Free,
    len: usize,
}

impl List {
    const EMPTY: List = List {
        head: ptr::null_mut(),
        len: 0,
    };

    fn push(&mut self, block: NonNull<u8>) {
        let node = block.as_ptr() as *mut Free;
        // SAFETY: a free block of this class (at least MIN bytes, ALIGN-aligned) that
        // nothing else refers to: its first bytes become the link.
        unsafe { node.write(Free { next: self.head }) };
        self.head = node;
        self.len += 1;
    }

    fn pop(&mut self) -> Option<NonNull<u8>> {
        let node = NonNull::new(self.head)?;
        // SAFETY: the head is a free block of this list, its link written by `push`.
        self.head = unsafe { node.as_ref().next };
        self.len -= 1;
        Some(node.cast())
    }

    /// The first `n` blocks as a list of their own.
    fn split_off_front(&mut self, n: usize) -> List {
        let mut front = List::EMPTY;
        for _ in 0..n {
            match self.pop() {
                Some(b) => front.push(b),
                None => break,
            }
        }
        front
    }

    /// Returns every block to the system allocator.
    fn release(&mut self, class: usize) {
        let layout = layout(class_size(class)).expect("class sizes are valid layouts");
        while let Some(b) = self.pop() {
            // SAFETY: allocated by `alloc` with this class's layout, and free.
            unsafe { std::alloc::dealloc(b.as_ptr(), layout) };
        }
    }
}

// SAFETY: a list owns its free blocks (nothing else refers to them); moving it to
// another thread moves that ownership.
unsafe impl Send for List {}

/// Full batches shared between threads, per class.
struct Depot {
    classes: [Mutex<Vec<List>>; CLASSES],
}

static DEPOT: Depot = Depot {
    classes: [const { Mutex::new(Vec::new()) }; CLASSES],
};

impl Depot {
    fn take(&self, class: usize) -> Option<List> {
        self.classes[class]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
    }

    fn give(&self, class: usize, mut batch: List) {
        let mut batches = self.classes[class]
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if batches.len() < depot_batches(class) {
            batches.push(batch);
            return;
        }
        drop(batches);
        batch.release(class);
    }
}

/// A thread's own free lists. It has no destructor, so reaching it costs no more than
/// the thread-local's address (a destructor's registration check on every message
/// tripled the pool's cost); [`Flush`] empties it when the thread ends.
struct Cache {
    lists: [Cell<List>; CLASSES],
    /// The thread's [`Flush`] is registered; after it ran, blocks go to the depot.
    state: Cell<State>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Fresh,
    Registered,
    Gone,
}

/// Gives a thread's cached blocks to the depot when the thread ends; registered the
/// first time the thread keeps a block.
struct Flush;

impl Drop for Flush {
    fn drop(&mut self) {
        let _ = CACHE.try_with(|c| {
            c.state.set(State::Gone);
            for (class, list) in c.lists.iter().enumerate() {
                let whole = list.replace(List::EMPTY);
                if whole.len > 0 {
                    DEPOT.give(class, whole);
                }
            }
        });
    }
}

thread_local! {
    static CACHE: Cache = const {
        Cache {
            lists: [const { Cell::new(List::EMPTY) }; CLASSES],
            state: Cell::new(State::Fresh),
        }
    };
    static FLUSH: Flush = const { Flush };
}

impl Cache {
    /// Whether blocks may be kept here: the thread's flush is registered (now, on the
    /// first call) and has not run yet.
    #[inline]
    fn keeps(&self) -> bool {
        match self.state.get() {
            State::Registered => true,
            State::Gone => false,
            State::Fresh => {
                self.state.set(State::Registered);
                FLUSH.try_with(|_| ()).is_ok()
            }
        }
    }
}

/// A batch from the depot for a thread's empty list.
#[cold]
#[inline(never)]
fn refill(cache: &Cache, class: usize) -> Option<List> {
    if !cache.keeps() {
        return None;
    }
    DEPOT.take(class)
}

/// A thread's full list gives a batch to the depot; returns what it keeps.
#[cold]
#[inline(never)]
fn hand_over(class: usize, mut list: List) -> List {
    let batch = list.split_off_front(batch(class));
    DEPOT.give(class, batch);
    list
}

/// `size` bytes, aligned to 16; `None` when memory is exhausted.
#[inline]
pub(crate) fn alloc(size: usize) -> Option<NonNull<u8>> {
    let Some(class) = class_of(size) else {
        let layout = layout(size)?;
        // SAFETY: the size is over MAX, so non-zero.
        return NonNull::new(unsafe { std::alloc::alloc(layout) });
    };
    let cached = CACHE
        .try_with(|c| {
            let mut list = c.lists[class].get();
            if list.len == 0 {
                list = refill(c, class)?;
            }
            let block = list.pop();
            c.lists[class].set(list);
            block
        })
        .ok()
        .flatten();
    cached.or_else(|| {
        // SAFETY: class sizes are non-zero.
        NonNull::new(unsafe { std::alloc::alloc(layout(class_size(class))?) })
    })
}

/// Releases a block from [`alloc`].
///
/// # Safety
/// `block` came from `alloc(size)` with this `size`, and is not used afterwards.
#[inline]
pub(crate) unsafe fn free(block: NonNull<u8>, size: usize) {
    let Some(class) = class_of(size) else {
        let layout = layout(size).expect("allocated with this layout");
        // SAFETY: allocated by `alloc` with this layout (over MAX: the system's).
        return unsafe { std::alloc::dealloc(block.as_ptr(), layout) };
    };
    let kept = CACHE
        .try_with(|c| {
            let mut list = c.lists[class].get();
            if list.len == 0 && !c.keeps() {
                return false;
            }
            list.push(block);
            if list.len >= 2 * batch(class) {
                list = hand_over(class, list);
            }
            c.lists[class].set(list);
            true
        })
        .unwrap_or(false);
    if !kept {
        // The thread is ending: straight to the depot.
        let mut one = List::EMPTY;
        one.push(block);
        DEPOT.give(class, one);
    }
}

/// Moves a block from [`alloc`] to one of `new` bytes, keeping its first bytes; `None`
/// (and the block unchanged) when memory is exhausted. Blocks beyond the pool's classes
/// are resized by the system allocator (in place when it can).
///
/// # Safety
/// `block` came from `alloc(old)` with this `old`; on success it is not used afterwards.
pub(crate) unsafe fn realloc(block: NonNull<u8>, old: usize, new: usize) -> Option<NonNull<u8>> {
    if class_of(old).is_none() && class_of(new).is_none() {
        let layout = layout(old)?;
        // SAFETY: allocated with this layout (over MAX: the system's); `new` is non-zero.
        return NonNull::new(unsafe { std::alloc::realloc(block.as_ptr(), layout, new) });
    }
    let fresh = alloc(new)?;
    // SAFETY: both blocks hold at least min(old, new) bytes and are distinct; the old
    // one is released once, as the caller gives it up.
    unsafe {
        ptr::copy_nonoverlapping(block.as_ptr(), fresh.as_ptr(), old.min(new));
        free(block, old);
    }
    Some(fresh)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_cover_their_sizes() {
        assert_eq!(class_of(0), Some(0));
        assert_eq!(class_of(MIN + HEADROOM), Some(0));
        assert_eq!(class_of(MIN + HEADROOM + 1), Some(1));
        assert_eq!(class_of(MAX), Some(CLASSES - 1));
        assert_eq!(class_of(MAX + 1), None);
        for size in 0..=MAX {
            let c = class_of(size).unwrap();
            assert!(class_size(c) >= size);
            assert!(c == 0 || class_size(c - 1) < size);
        }
    }

    #[test]
    fn blocks_are_reused_and_writable() {
        let sizes = [1, 80, 81, 1040, 8200, MAX, MAX + 1, 1 << 20];
        for _ in 0..3 {
            let blocks: Vec<_> = sizes
                .iter()
                .map(|&s| {
                    let b = alloc(s).unwrap();
                    assert_eq!(b.as_ptr() as usize % ALIGN, 0);
                    // SAFETY: `s` writable bytes.
                    unsafe { ptr::write_bytes(b.as_ptr(), 0xa5, s) };
                    (b, s)
                })
                .collect();
            for (b, s) in blocks {
                // SAFETY: from alloc(s) above, released once.
                unsafe { free(b, s) };
            }
        }
    }

    #[test]
    fn blocks_cross_threads_in_batches() {
        let (tx, rx) = std::sync::mpsc::sync_channel::<usize>(64);
        let consumer = std::thread::spawn(move || {
            for addr in rx {
                // SAFETY: allocated by the producer with size 100, released once here.
                unsafe { free(NonNull::new(addr as *mut u8).unwrap(), 100) };
            }
        });
        for i in 0..20_000usize {
            let b = alloc(100).unwrap();
            // SAFETY: 100 writable bytes.
            unsafe { b.as_ptr().add(99).write(i as u8) };
            tx.send(b.as_ptr() as usize).unwrap();
        }
        drop(tx);
        consumer.join().unwrap();
        let batches = DEPOT.classes[1].lock().unwrap().len();
        assert!(batches <= depot_batches(1));
    }
}
