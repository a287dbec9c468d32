//! The message: the value that lives inside a caller's 64-byte `zmq_msg_t`.
//!
//! Callers allocate `zmq_msg_t` themselves and may relocate it with plain memory copies
//! between calls, so a `Msg` holds no pointer into itself. Small bodies are stored inline
//! (no allocation); large ones are reference-counted buffers shared by copies; buffers
//! handed over by `zmq_msg_init_data` keep their free function and are never copied;
//! constant data (`zmq_send_const`) is referenced, never copied or freed.

use std::ffi::{c_void, CStr, CString};
use std::sync::Arc;

use crate::error::{Errno, Result};
use crate::metadata::Metadata;

/// Bytes stored inside the message itself: everything the 64 bytes leave room for.
pub const INLINE_CAP: usize = 38;

/// libzmq's longest group name (`ZMQ_GROUP_MAX_LENGTH`).
pub const GROUP_MAX_LENGTH: usize = 255;

/// The free function of `zmq_msg_init_data`: called once with (data, hint).
pub type FreeFn = unsafe extern "C" fn(data: *mut c_void, hint: *mut c_void);

/// Tags of the body variants. The tag is the first byte of a live `zmq_msg_t`; `ffi`
/// reads it to tell a message from a closed or never-initialised one, like libzmq's
/// type check. Zero is what a closed message holds.
pub mod tag {
    pub const CLOSED: u8 = 0;
    pub const INLINE: u8 = 101;
    pub const SHARED: u8 = 102;
    pub const CONST: u8 = 103;

    pub fn is_live(t: u8) -> bool {
        (INLINE..=CONST).contains(&t)
    }
}

pub mod flags {
    pub const MORE: u8 = 1;
    pub const COMMAND: u8 = 2;
    /// Set on both sides of a copy of a reference-counted body (`ZMQ_SHARED`).
    pub const SHARED: u8 = 128;
}

/// Storage of a large body, released when the last message referring to it goes away.
pub struct Buffer {
    ptr: *mut u8,
    len: usize,
    release: Release,
}

enum Release {
    Heap,
    User { ffn: FreeFn, hint: *mut c_void },
}

// SAFETY: a Buffer owns its bytes exclusively (Heap) or by the zmq_msg_init_data contract
// (User: the caller gave them up until ffn is called, and libzmq may call ffn from any
// thread). Shared readers only read; writes through zmq_msg_data are the caller's
// responsibility, as in libzmq.
unsafe impl Send for Buffer {}
// SAFETY: see Send; &Buffer exposes nothing but the pointer and length.
unsafe impl Sync for Buffer {}

impl Buffer {
    fn heap(data: Box<[u8]>) -> Self {
        let len = data.len();
        let ptr = Box::into_raw(data) as *mut u8;
        Buffer {
            ptr,
            len,
            release: Release::Heap,
        }
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        match self.release {
            Release::Heap => {
                let slice = std::ptr::slice_from_raw_parts_mut(self.ptr, self.len);
                // SAFETY: ptr/len came from Box::into_raw in Buffer::heap and are released once.
                drop(unsafe { Box::from_raw(slice) });
            }
            Release::User { ffn, hint } => {
                // SAFETY: the caller's free function, called exactly once with the pointer
                // and hint it gave to zmq_msg_init_data.
                unsafe { ffn(self.ptr as *mut c_void, hint) }
            }
        }
    }
}

#[repr(u8)]
enum Body {
    Inline {
        len: u8,
        data: [u8; INLINE_CAP],
    } = tag::INLINE,
    Shared {
        ptr: *mut u8,
        len: usize,
        buf: Arc<Buffer>,
    } = tag::SHARED,
    Const {
        ptr: *const u8,
        len: usize,
    } = tag::CONST,
}

/// A message frame. `#[repr(C)]` with the body first, so that byte 0 of a `zmq_msg_t`
/// is the body's tag.
#[repr(C)]
pub struct Msg {
    body: Body,
    metadata: Option<Arc<Metadata>>,
    group: Option<Box<CString>>,
    routing_id: u32,
    flags: u8,
}

const _: () = assert!(std::mem::size_of::<Msg>() == 64);
const _: () = assert!(std::mem::align_of::<Msg>() <= 8);

// SAFETY: the body's raw pointers point into an Arc<Buffer> (Send + Sync above), into the
// message itself, or at constant data the caller promised to keep alive and unchanged
// (zmq_send_const / zmq_msg_init_data without a free function), as libzmq requires.
unsafe impl Send for Msg {}

impl Default for Msg {
    fn default() -> Self {
        Msg::new()
    }
}

impl Msg {
    /// An empty message (`zmq_msg_init`).
    pub fn new() -> Self {
        Msg::with_body(Body::Inline {
            len: 0,
            data: [0; INLINE_CAP],
        })
    }

    fn with_body(body: Body) -> Self {
        Msg {
            body,
            metadata: None,
            group: None,
            routing_id: 0,
            flags: 0,
        }
    }

    /// A zero-filled message of `size` bytes (`zmq_msg_init_size`).
    pub fn with_size(size: usize) -> Result<Self> {
        if size <= INLINE_CAP {
            return Ok(Msg::with_body(Body::Inline {
                len: size as u8,
                data: [0; INLINE_CAP],
            }));
        }
        let mut v = Vec::new();
        v.try_reserve_exact(size).map_err(|_| Errno::ENOMEM)?;
        v.resize(size, 0);
        Ok(Msg::from_vec(v))
    }

    /// A copy of `data` (`zmq_msg_init_buffer`, `zmq_send`).
    pub fn from_slice(data: &[u8]) -> Self {
        if data.len() <= INLINE_CAP {
            let mut inline = [0; INLINE_CAP];
            inline[..data.len()].copy_from_slice(data);
            Msg::with_body(Body::Inline {
                len: data.len() as u8,
                data: inline,
            })
        } else {
            Msg::from_vec(data.to_vec())
        }
    }

    /// Takes ownership of `data` without copying it (unless it is small).
    pub fn from_vec(data: Vec<u8>) -> Self {
        if data.len() <= INLINE_CAP {
            return Msg::from_slice(&data);
        }
        let buf = Arc::new(Buffer::heap(data.into_boxed_slice()));
        Msg::with_body(Body::Shared {
            ptr: buf.ptr,
            len: buf.len,
            buf,
        })
    }

    /// Refers to the caller's buffer (`zmq_msg_init_data`). With a free function it is
    /// called once, when the last copy of the message is closed; without one the bytes
    /// are constant data that are never released.
    ///
    /// # Safety
    /// `data` must be valid for `len` bytes until `ffn` is called (or forever without it).
    pub unsafe fn from_user(
        data: *mut u8,
        len: usize,
        ffn: Option<FreeFn>,
        hint: *mut c_void,
    ) -> Self {
        match ffn {
            None => Msg::with_body(Body::Const { ptr: data, len }),
            Some(ffn) => {
                let buf = Arc::new(Buffer {
                    ptr: data,
                    len,
                    release: Release::User { ffn, hint },
                });
                Msg::with_body(Body::Shared {
                    ptr: data,
                    len,
                    buf,
                })
            }
        }
    }

    pub fn data(&self) -> &[u8] {
        match &self.body {
            Body::Inline { len, data } => &data[..*len as usize],
            Body::Shared { ptr, len, .. } => raw_slice(*ptr, *len),
            Body::Const { ptr, len } => raw_slice(*ptr, *len),
        }
    }

    /// The body's address for C callers (`zmq_msg_data`), who may write through it.
    pub fn data_ptr(&mut self) -> *mut u8 {
        match &mut self.body {
            Body::Inline { data, .. } => data.as_mut_ptr(),
            Body::Shared { ptr, .. } => *ptr,
            Body::Const { ptr, .. } => *ptr as *mut u8,
        }
    }

    pub fn size(&self) -> usize {
        match &self.body {
            Body::Inline { len, .. } => *len as usize,
            Body::Shared { len, .. } | Body::Const { len, .. } => *len,
        }
    }

    pub fn flags(&self) -> u8 {
        self.flags
    }

    pub fn more(&self) -> bool {
        self.flags & flags::MORE != 0
    }

    pub fn set_more(&mut self, more: bool) {
        if more {
            self.flags |= flags::MORE;
        } else {
            self.flags &= !flags::MORE;
        }
    }

    pub fn is_command(&self) -> bool {
        self.flags & flags::COMMAND != 0
    }

    pub fn set_command(&mut self, command: bool) {
        if command {
            self.flags |= flags::COMMAND;
        } else {
            self.flags &= !flags::COMMAND;
        }
    }

    /// `ZMQ_SHARED`: the body is constant data or shared with another message.
    pub fn is_shared(&self) -> bool {
        matches!(self.body, Body::Const { .. }) || self.flags & flags::SHARED != 0
    }

    pub fn metadata(&self) -> Option<&Arc<Metadata>> {
        self.metadata.as_ref()
    }

    pub fn set_metadata(&mut self, metadata: Option<Arc<Metadata>>) {
        self.metadata = metadata;
    }

    /// A property by name (`zmq_msg_gets`).
    pub fn property(&self, name: &str) -> Option<&CStr> {
        self.metadata.as_ref()?.get(name).map(|v| v.as_c_str())
    }

    pub fn routing_id(&self) -> u32 {
        self.routing_id
    }

    /// Sets the routing id of a SERVER/CLIENT message; zero is not a routing id.
    pub fn set_routing_id(&mut self, id: u32) -> Result<()> {
        if id == 0 {
            return Err(Errno::EINVAL);
        }
        self.routing_id = id;
        Ok(())
    }

    pub fn reset_routing_id(&mut self) {
        self.routing_id = 0;
    }

    pub fn group(&self) -> &CStr {
        self.group.as_deref().map_or(c"", |g| g.as_c_str())
    }

    /// Sets the RADIO/DISH group: at most `GROUP_MAX_LENGTH` bytes.
    pub fn set_group(&mut self, group: &[u8]) -> Result<()> {
        if group.len() > GROUP_MAX_LENGTH {
            return Err(Errno::EINVAL);
        }
        let group = CString::new(group).map_err(|_| Errno::EINVAL)?;
        self.group = Some(Box::new(group));
        Ok(())
    }

    /// `zmq_msg_copy`: like `clone`, and marks this side shared too, as libzmq does.
    pub fn share(&mut self) -> Msg {
        let copy = self.clone();
        if matches!(self.body, Body::Shared { .. }) {
            self.flags |= flags::SHARED;
        }
        copy
    }
}

impl Clone for Msg {
    /// A large body is shared, not copied; the copy reports `ZMQ_SHARED`.
    fn clone(&self) -> Self {
        let body = match &self.body {
            Body::Inline { len, data } => Body::Inline {
                len: *len,
                data: *data,
            },
            Body::Shared { ptr, len, buf } => Body::Shared {
                ptr: *ptr,
                len: *len,
                buf: Arc::clone(buf),
            },
            Body::Const { ptr, len } => Body::Const {
                ptr: *ptr,
                len: *len,
            },
        };
        let mut flags = self.flags;
        if matches!(body, Body::Shared { .. }) {
            flags |= flags::SHARED;
        }
        Msg {
            body,
            metadata: self.metadata.clone(),
            group: self.group.clone(),
            routing_id: self.routing_id,
            flags,
        }
    }
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Msg")
            .field("size", &self.size())
            .field("flags", &self.flags)
            .finish()
    }
}

fn raw_slice<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if len == 0 {
        return &[];
    }
    // SAFETY: non-empty bodies point at `len` readable bytes kept alive by the message
    // (Arc<Buffer>) or by the caller's constant-data promise.
    unsafe { std::slice::from_raw_parts(ptr, len) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn small_bodies_are_inline_and_copied_by_value() {
        let m = Msg::from_slice(b"hello");
        assert_eq!(m.data(), b"hello");
        let c = m.clone();
        assert!(!c.is_shared() && !m.is_shared());
        assert_eq!(c.data(), b"hello");
    }

    #[test]
    fn large_bodies_are_shared_by_copies() {
        let mut m = Msg::from_vec(vec![7u8; 1000]);
        assert!(!m.is_shared());
        let mut c = m.share();
        assert!(m.is_shared() && c.is_shared());
        assert_eq!(m.data_ptr(), c.data_ptr());
    }

    #[test]
    fn init_size_zeroes_and_sizes() {
        for n in [0, 1, INLINE_CAP, INLINE_CAP + 1, 1 << 20] {
            let m = Msg::with_size(n).unwrap();
            assert_eq!(m.size(), n);
            assert!(m.data().iter().all(|&b| b == 0));
        }
    }

    static FREED: AtomicUsize = AtomicUsize::new(0);
    unsafe extern "C" fn count_free(_data: *mut c_void, hint: *mut c_void) {
        FREED.fetch_add(hint as usize, Ordering::SeqCst);
    }

    #[test]
    fn user_free_fn_runs_once_after_last_copy() {
        let mut data = *b"abcdef";
        // SAFETY: `data` outlives the message and its copies.
        let m = unsafe { Msg::from_user(data.as_mut_ptr(), 6, Some(count_free), 5 as *mut c_void) };
        let c = m.clone();
        drop(m);
        assert_eq!(FREED.load(Ordering::SeqCst), 0);
        assert_eq!(c.data(), b"abcdef");
        drop(c);
        assert_eq!(FREED.load(Ordering::SeqCst), 5);
    }

    #[test]
    fn const_data_is_shared_and_not_copied() {
        static DATA: [u8; 3] = *b"xyz";
        // SAFETY: static data lives forever.
        let mut m =
            unsafe { Msg::from_user(DATA.as_ptr() as *mut u8, 3, None, std::ptr::null_mut()) };
        assert!(m.is_shared());
        assert_eq!(m.data_ptr() as *const u8, DATA.as_ptr());
    }

    #[test]
    fn group_length_is_bounded() {
        let mut m = Msg::new();
        assert_eq!(m.group().to_bytes(), b"");
        m.set_group(b"weather").unwrap();
        assert_eq!(m.group().to_bytes(), b"weather");
        assert_eq!(m.set_group(&[b'a'; 256]), Err(Errno::EINVAL));
        m.set_group(&[b'a'; 255]).unwrap();
    }

    #[test]
    fn routing_id_zero_is_rejected() {
        let mut m = Msg::new();
        assert_eq!(m.set_routing_id(0), Err(Errno::EINVAL));
        m.set_routing_id(42).unwrap();
        assert_eq!(m.routing_id(), 42);
    }
}
