//! Handles given to C (`void *` contexts and sockets) that stay valid memory forever.
//!
//! A handle is a slot whose first field is a type tag. Closing empties the slot, clears
//! the tag and recycles the slot for the next object of the same kind, so a stale or
//! wrong handle is recognised by its tag (ENOTSOCK / EFAULT, as libzmq's tag checks)
//! and never points into freed memory.

use std::ffi::c_void;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard};

const DEAD: u32 = 0xdead_beef;

#[repr(C)]
pub struct Slot<T> {
    tag: AtomicU32,
    value: Mutex<Option<T>>,
}

impl<T> Slot<T> {
    pub fn lock(&self) -> MutexGuard<'_, Option<T>> {
        self.value.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn as_ptr(&'static self) -> *mut c_void {
        self as *const Slot<T> as *mut c_void
    }
}

pub struct Registry<T: 'static> {
    tag: u32,
    free: Mutex<Vec<&'static Slot<T>>>,
}

impl<T: 'static> Registry<T> {
    pub const fn new(tag: u32) -> Self {
        Registry {
            tag,
            free: Mutex::new(Vec::new()),
        }
    }

    pub fn insert(&'static self, value: T) -> &'static Slot<T> {
        let recycled = self.free.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let slot = recycled.unwrap_or_else(|| {
            Box::leak(Box::new(Slot {
                tag: AtomicU32::new(DEAD),
                value: Mutex::new(None),
            }))
        });
        *slot.lock() = Some(value);
        slot.tag.store(self.tag, Ordering::Release);
        slot
    }

    /// The slot behind a C handle, if it is a live one of this kind.
    ///
    /// # Safety
    /// `p` is NULL or points at least 4 readable bytes (any handle of ours qualifies).
    pub unsafe fn get(&self, p: *mut c_void) -> Option<&'static Slot<T>> {
        if p.is_null() || !(p as usize).is_multiple_of(std::mem::align_of::<Slot<T>>()) {
            return None;
        }
        // SAFETY: the tag is read atomically from the first 4 bytes (caller contract).
        let tag = unsafe { &*(p as *const AtomicU32) }.load(Ordering::Acquire);
        // SAFETY: a matching tag means `p` is one of this registry's leaked slots, which
        // are never freed.
        (tag == self.tag).then(|| unsafe { &*(p as *const Slot<T>) })
    }

    /// Marks the slot dead, takes its value, and recycles the slot.
    pub fn remove(&'static self, slot: &'static Slot<T>) -> Option<T> {
        if slot
            .tag
            .compare_exchange(self.tag, DEAD, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return None;
        }
        let value = slot.lock().take();
        self.free
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(slot);
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static A: Registry<u32> = Registry::new(0xa);
    static B: Registry<String> = Registry::new(0xb);

    #[test]
    fn tags_tell_kinds_and_closed_handles_apart() {
        let a = A.insert(5).as_ptr();
        let b = B.insert("x".into()).as_ptr();
        // SAFETY: both are our handles.
        unsafe {
            assert!(A.get(a).is_some());
            assert!(A.get(b).is_none());
            assert!(B.get(b).is_some());
            assert!(A.get(std::ptr::null_mut()).is_none());
            let slot = A.get(a).unwrap();
            assert_eq!(A.remove(slot), Some(5));
            assert!(A.get(a).is_none());
            assert_eq!(A.remove(slot), None);
        }
    }
}
