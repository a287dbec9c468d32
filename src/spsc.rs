//! The queue under each pipe direction: one writer, one reader, unbounded, in blocks of
//! slots (libzmq's yqueue idea). It has no count of its own: the pipe already publishes
//! its message count with a release store after the frames are pushed, and the reader
//! pops only what that count, acquired, covers, so a push is a plain slot write and a
//! pop a plain slot read. crossbeam's `SegQueue` (any number of writers and readers)
//! cost a quarter of the CPU of a small-message benchmark in compare-and-swap loops and
//! block allocations, and a second published count another fifth of tcp throughput.
//!
//! This is one of the audited `unsafe` spots outside `ffi/`: slots are written by the
//! producer only, read once by the consumer only, and only after the user's
//! release/acquire pair says they are written (`pop_published`'s contract).

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Arc;

/// Slots per block: a block of 64-byte messages is 8 KiB.
const BLOCK: usize = 128;

struct Block<T> {
    slots: [UnsafeCell<MaybeUninit<T>>; BLOCK],
    /// Set by the producer before it publishes the first item of the next block.
    next: AtomicPtr<Block<T>>,
}

impl<T> Block<T> {
    /// A block with every slot uninitialised, allocated in place: building it as a
    /// value first and boxing it copied the whole block (8 KiB) through the stack.
    /// From the message body pool: blocks are allocated by the producer and released
    /// by the consumer, another thread.
    fn alloc() -> *mut Block<T> {
        const { assert!(std::mem::align_of::<Block<T>>() <= 16) };
        let size = std::mem::size_of::<Block<T>>();
        let Some(block) = crate::pool::alloc(size) else {
            std::alloc::handle_alloc_error(std::alloc::Layout::new::<Block<T>>());
        };
        let block = block.as_ptr() as *mut Block<T>;
        // SAFETY: fresh, large enough and aligned (16) for Block<T>; the slots are
        // MaybeUninit and need no initialisation, the link is written before the block
        // is used.
        unsafe { ptr::addr_of_mut!((*block).next).write(AtomicPtr::new(ptr::null_mut())) };
        block
    }

    /// Releases a block from `alloc`. Its items must have been taken or dropped: a
    /// block has no drop glue of its own.
    ///
    /// # Safety
    /// `block` came from `alloc`, and nothing refers to it any more.
    unsafe fn free(block: *mut Block<T>) {
        let size = std::mem::size_of::<Block<T>>();
        if let Some(b) = ptr::NonNull::new(block) {
            // SAFETY: allocated by `alloc` with this size (caller's contract).
            unsafe { crate::pool::free(b.cast(), size) };
        }
    }
}

/// Finished blocks kept for the producer: enough for a queue some blocks deep (a pipe
/// at its high-water mark of 1000 messages spans 8) to run without allocating. With a
/// single spare, a deep queue allocated a block in one thread and freed it in another
/// every 128 messages, and the 8 KiB allocation made glibc consolidate its fast bins.
const SPARES: usize = 4;

/// A position: the block, the slot in it, and how many items passed it so far.
struct Cursor<T> {
    block: *mut Block<T>,
    slot: usize,
    count: usize,
}

/// Keeps a field on cache lines of its own: the producer's and the consumer's state
/// sharing a line would bounce it between their cores on every item.
#[repr(align(128))]
struct Own<T>(T);

struct Inner<T> {
    /// The producer's cursor (touched by the producer only).
    tail: Own<UnsafeCell<Cursor<T>>>,
    /// The consumer's cursor (touched by the consumer only).
    head: Own<UnsafeCell<Cursor<T>>>,
    /// Blocks the consumer finished, kept for the producer's next ones: in the steady
    /// state blocks take turns and nothing is allocated. Only the consumer fills an
    /// empty slot and only the producer empties a full one.
    spares: [AtomicPtr<Block<T>>; SPARES],
}

// SAFETY: the cursors are each used by one side only (Producer and Consumer are not
// Clone and take `&mut self`); slots cross threads only after the release/acquire pair
// on `pushed`, and T: Send lets the items move between threads.
unsafe impl<T: Send> Send for Inner<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Inner<T> {}

impl<T> Drop for Inner<T> {
    fn drop(&mut self) {
        // Both halves are gone: drop the items between the consumer and the producer,
        // then free every block from the consumer's onwards.
        let head = self.head.0.get_mut();
        let pushed = self.tail.0.get_mut().count;
        let (mut block, mut slot) = (head.block, head.slot);
        for _ in head.count..pushed {
            if slot == BLOCK {
                // SAFETY: the producer linked the next block before publishing items in it.
                let next = unsafe { (*block).next.load(Ordering::Acquire) };
                // SAFETY: a block is freed once, when the walk leaves it; nothing else
                // refers to it any more.
                unsafe { Block::free(block) };
                block = next;
                slot = 0;
            }
            // SAFETY: slots below `pushed` past the consumer hold items never taken.
            unsafe { (*(*block).slots[slot].get()).assume_init_drop() };
            slot += 1;
        }
        for spare in &mut self.spares {
            let spare = *spare.get_mut();
            if !spare.is_null() {
                // SAFETY: the spare belongs to nobody else (both halves are gone).
                unsafe { Block::free(spare) };
            }
        }
        while !block.is_null() {
            // SAFETY: as above: each remaining block is freed once.
            let next = unsafe { (*block).next.load(Ordering::Acquire) };
            unsafe { Block::free(block) };
            block = next;
        }
    }
}

pub struct Producer<T> {
    inner: Arc<Inner<T>>,
}

pub struct Consumer<T> {
    inner: Arc<Inner<T>>,
}

impl<T> std::fmt::Debug for Producer<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("spsc::Producer")
    }
}

impl<T> std::fmt::Debug for Consumer<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("spsc::Consumer")
    }
}

pub fn channel<T>() -> (Producer<T>, Consumer<T>) {
    let first = Block::alloc();
    let inner = Arc::new(Inner {
        tail: Own(UnsafeCell::new(Cursor {
            block: first,
            slot: 0,
            count: 0,
        })),
        head: Own(UnsafeCell::new(Cursor {
            block: first,
            slot: 0,
            count: 0,
        })),
        spares: std::array::from_fn(|_| AtomicPtr::new(ptr::null_mut())),
    });
    (
        Producer {
            inner: inner.clone(),
        },
        Consumer { inner },
    )
}

impl<T> Producer<T> {
    /// Writes the item. The reader may take it once the user published it with a
    /// release store that the reader acquired (see [`Consumer::pop_published`]).
    pub fn push(&mut self, value: T) {
        // SAFETY: only the producer (this, `&mut`, not Clone) touches `tail`.
        let tail = unsafe { &mut *self.inner.tail.0.get() };
        if tail.slot == BLOCK {
            let spare = self
                .inner
                .spares
                .iter()
                .filter(|s| !s.load(Ordering::Relaxed).is_null())
                .map(|s| s.swap(ptr::null_mut(), Ordering::Acquire))
                .find(|b| !b.is_null())
                .unwrap_or(ptr::null_mut());
            let next = if spare.is_null() {
                Block::alloc()
            } else {
                // SAFETY: swapped out, the spare is ours alone; its slots were all
                // taken by the consumer and its link must start empty again.
                unsafe { (*spare).next.store(ptr::null_mut(), Ordering::Relaxed) };
                spare
            };
            // SAFETY: `tail.block` is live: the consumer frees a block only after it
            // saw an item published in a later one, which has not happened yet.
            unsafe { (*tail.block).next.store(next, Ordering::Release) };
            tail.block = next;
            tail.slot = 0;
        }
        // SAFETY: the slot is past everything published, so the consumer does not read
        // it until the store below.
        unsafe { (*(*tail.block).slots[tail.slot].get()).write(value) };
        tail.slot += 1;
        tail.count += 1;
    }
}

impl<T> Consumer<T> {
    /// As [`pop_published`](Self::pop_published), straight into `out` (whose old value
    /// is dropped).
    ///
    /// # Safety
    /// As for `pop_published`.
    #[inline]
    pub unsafe fn pop_published_into(&mut self, out: &mut T) {
        // SAFETY: the caller's contract, forwarded.
        *out = unsafe { self.pop_published() };
    }

    /// Takes the next item.
    ///
    /// # Safety
    /// The caller knows an item is there: the producer pushed it before a release
    /// store that this thread has acquired since (the pipe's message count).
    #[inline]
    pub unsafe fn pop_published(&mut self) -> T {
        // SAFETY: only the consumer (this, `&mut`, not Clone) touches `head`.
        let head = unsafe { &mut *self.inner.head.0.get() };
        if head.slot == BLOCK {
            // SAFETY: an item is published past this block, so the producer linked the
            // next one before the caller's release store, which this thread acquired.
            let next = unsafe { (*head.block).next.load(Ordering::Acquire) };
            // The producer has moved on to `next` for good and every slot of this block
            // was taken: it can serve again as the producer's next block.
            match self
                .inner
                .spares
                .iter()
                .find(|s| s.load(Ordering::Relaxed).is_null())
            {
                // Only this side makes a slot non-empty, so it is still empty here.
                Some(slot) => slot.store(head.block, Ordering::Release),
                // SAFETY: every spare slot is taken: the finished block is ours alone.
                None => unsafe { Block::free(head.block) },
            }
            head.block = next;
            head.slot = 0;
        }
        // SAFETY: the item is published (the caller's contract), so the slot was written
        // and its write is visible; it is read exactly once: the cursor moves past it.
        let value = unsafe { (*(*head.block).slots[head.slot].get()).assume_init_read() };
        head.slot += 1;
        head.count += 1;
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// The pipe's protocol in miniature: push, then release-store a count; the reader
    /// acquires the count and pops what it covers.
    struct Published {
        tx: Producer<u64>,
        rx: Consumer<u64>,
        count: Arc<AtomicUsize>,
    }

    fn published() -> Published {
        let (tx, rx) = channel();
        Published {
            tx,
            rx,
            count: Arc::new(AtomicUsize::new(0)),
        }
    }

    #[test]
    fn fifo_across_blocks() {
        let mut p = published();
        for i in 0..1000 {
            p.tx.push(i);
        }
        p.count.store(1000, Ordering::Release);
        assert_eq!(p.count.load(Ordering::Acquire), 1000);
        for i in 0..1000 {
            // SAFETY: 1000 items pushed and published above.
            assert_eq!(unsafe { p.rx.pop_published() }, i);
        }
        p.tx.push(7);
        p.count.store(1001, Ordering::Release);
        // SAFETY: as above.
        assert_eq!(unsafe { p.rx.pop_published() }, 7);
    }

    #[test]
    fn two_threads_see_every_item_in_order() {
        let Published {
            mut tx,
            mut rx,
            count,
        } = published();
        let n = 300_000u64;
        let writer_count = count.clone();
        let t = std::thread::spawn(move || {
            for i in 0..n {
                tx.push(i);
                writer_count.store(i as usize + 1, Ordering::Release);
            }
        });
        let mut taken = 0u64;
        while taken < n {
            let available = count.load(Ordering::Acquire) as u64;
            while taken < available {
                // SAFETY: `available` items were pushed before the release store the
                // load above acquired.
                assert_eq!(unsafe { rx.pop_published() }, taken);
                taken += 1;
            }
            std::thread::yield_now();
        }
        t.join().unwrap();
    }

    #[test]
    fn items_left_behind_are_dropped_once() {
        let marker = Arc::new(());
        {
            let (mut tx, mut rx) = channel();
            for _ in 0..(BLOCK * 2 + 5) {
                tx.push(marker.clone());
            }
            for _ in 0..(BLOCK + 3) {
                // SAFETY: single thread: pushed above, nothing to publish across.
                drop(unsafe { rx.pop_published() });
            }
            drop(rx);
            // The producer may go on after the consumer left.
            tx.push(marker.clone());
        }
        assert_eq!(Arc::strong_count(&marker), 1);
    }
}
