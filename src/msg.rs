//! The message: the value that lives inside a caller's 64-byte `zmq_msg_t`.
//!
//! Callers allocate `zmq_msg_t` themselves and may relocate it with plain memory copies
//! between calls, so a `Msg` holds no pointer into itself. Small bodies are stored inline
//! (no allocation); large ones are reference-counted buffers shared by copies; buffers
//! handed over by `zmq_msg_init_data` keep their free function and are never copied;
//! constant data (`zmq_send_const`) is referenced, never copied or freed.

use std::ffi::{c_void, CStr, CString};
use std::os::fd::BorrowedFd;
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
    pub(crate) const CLOSED: u8 = 0;
    pub(crate) const INLINE: u8 = 101;
    pub(crate) const USER: u8 = 102;
    pub(crate) const CONST: u8 = 103;
    pub(crate) const HEAP: u8 = 104;

    pub fn is_live(t: u8) -> bool {
        (INLINE..=HEAP).contains(&t)
    }
}

pub mod flags {
    pub(crate) const MORE: u8 = 1;
    pub(crate) const COMMAND: u8 = 2;
    /// Internal: the peer's routing id, passed from a session to its ROUTER in-band
    /// (the message is never delivered to the application).
    pub(crate) const ROUTING_ID: u8 = 64;
    /// Set on both sides of a copy of a reference-counted body (`ZMQ_SHARED`).
    pub(crate) const SHARED: u8 = 128;
}

/// A body owner that messages point into: a caller's buffer from `zmq_msg_init_data`,
/// released with its free function when the last message referring to it goes away, or
/// a read buffer ([`ReadBuffer`]) whose parts became received messages.
pub struct UserBuffer {
    ptr: *mut u8,
    release: Release,
}

enum Release {
    /// The caller's free function and hint.
    Foreign { ffn: FreeFn, hint: *mut c_void },
    /// A block of this size from [`crate::pool::alloc`].
    Pool { size: usize },
}

// SAFETY: the caller gave the bytes up until ffn is called (zmq_msg_init_data contract),
// and libzmq too may call ffn from any thread; a read buffer is plain owned memory.
// Shared readers only read; writes through zmq_msg_data are the caller's
// responsibility, as in libzmq, and land in that message's own bytes.
unsafe impl Send for UserBuffer {}
// SAFETY: see Send; &UserBuffer exposes nothing.
unsafe impl Sync for UserBuffer {}

impl Drop for UserBuffer {
    fn drop(&mut self) {
        match self.release {
            // SAFETY: the caller's free function, called exactly once with the pointer
            // and hint it gave to zmq_msg_init_data.
            Release::Foreign { ffn, hint } => unsafe { ffn(self.ptr as *mut c_void, hint) },
            Release::Pool { size } => {
                if let Some(block) = std::ptr::NonNull::new(self.ptr) {
                    // SAFETY: allocated by pool::alloc with this size (`ReadBuffer::new`),
                    // released once, here, when no message refers to it.
                    unsafe { crate::pool::free(block, size) };
                }
            }
        }
    }
}

/// The buffer a connection reads into when `ZMQ_ZERO_COPY_RECV` is on (the default): a
/// body that arrived whole in it becomes a message pointing into it, without a copy, as
/// libzmq's shared message allocator does. The connection reads into it again only when
/// no message refers to it any more, and takes a fresh one otherwise, so a message that
/// is kept keeps its whole buffer (the price libzmq documents for the option). The
/// memory comes from [`crate::pool`] uninitialised: only what the kernel wrote is read.
#[derive(Clone)]
pub struct ReadBuffer {
    buf: Arc<UserBuffer>,
    len: usize,
    /// Bytes the last read wrote, from the front.
    filled: usize,
}

impl ReadBuffer {
    /// A buffer of `len` bytes (at least one); `None` when memory is exhausted.
    pub fn new(len: usize) -> Option<ReadBuffer> {
        let len = len.max(1);
        let ptr = crate::pool::alloc(len)?;
        Some(ReadBuffer {
            buf: Arc::new(UserBuffer {
                ptr: ptr.as_ptr(),
                release: Release::Pool { size: len },
            }),
            len,
            filled: 0,
        })
    }

    /// Whether no message points into it, so it can be read into again.
    pub fn is_free(&mut self) -> bool {
        Arc::get_mut(&mut self.buf).is_some()
    }

    /// One read(2) of at most `want` bytes from `fd` into the buffer's front; `None`
    /// while messages point into it.
    pub fn read_from(&mut self, fd: BorrowedFd<'_>, want: usize) -> Option<std::io::Result<usize>> {
        let owner = Arc::get_mut(&mut self.buf)?;
        self.filled = 0;
        // SAFETY: `len` bytes of the buffer's own allocation, which no message refers
        // to (the Arc is unique, and stays so for the call).
        let r = unsafe { crate::sys::fd::read_raw(fd, owner.ptr, want.min(self.len)) };
        if let Ok(n) = r {
            self.filled = n;
        }
        Some(r)
    }

    /// What the last read wrote.
    pub fn filled(&self) -> &[u8] {
        // SAFETY: the kernel wrote these `filled` bytes; messages that point into them
        // are delivered, and so written through by C callers, only after the decoding
        // that reads this slice is done (the session passes them on afterwards).
        unsafe { std::slice::from_raw_parts(self.buf.ptr, self.filled) }
    }

    /// The message for `part`, which must be bytes of this buffer (`None` if not); it
    /// refers to the buffer instead of copying them.
    pub fn share(&self, part: &[u8]) -> Option<Msg> {
        let base = self.buf.ptr as usize;
        let at = (part.as_ptr() as usize).checked_sub(base)?;
        if at.checked_add(part.len())? > self.filled {
            return None;
        }
        Some(Msg::with_body(Body::User {
            // SAFETY: `at + part.len()` is within the buffer (checked above); the
            // pointer is derived from the buffer's own raw pointer.
            ptr: unsafe { self.buf.ptr.add(at) },
            len: part.len(),
            buf: Arc::clone(&self.buf),
        }))
    }
}

impl std::fmt::Debug for ReadBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadBuffer")
            .field("len", &self.len)
            .field("shared", &(Arc::strong_count(&self.buf) > 1))
            .finish()
    }
}

/// A reference-counted heap body: one allocation holding the count, the length and the
/// bytes (libzmq's layout), so a large message costs one allocation (from
/// [`crate::pool`]: bodies are allocated in one thread and released in another), and an
/// allocation failure is ENOMEM rather than an abort.
///
/// The bytes are raw memory: `zmq_msg_init_size` leaves them for the caller to fill, as
/// libzmq does (zeroing 64 KiB per message would dominate large-message throughput), and
/// C callers may write through `zmq_msg_data` while copies share them.
pub struct HeapBuf {
    header: std::ptr::NonNull<HeapHeader>,
}

struct HeapHeader {
    refs: std::sync::atomic::AtomicUsize,
    len: usize,
}

// SAFETY: the count is atomic; the bytes are only read by Rust, and written by C callers
// under libzmq's rules (no concurrent writes to a message being sent).
unsafe impl Send for HeapBuf {}
// SAFETY: as for Send.
unsafe impl Sync for HeapBuf {}

impl HeapBuf {
    fn layout(len: usize) -> Option<std::alloc::Layout> {
        let size = std::mem::size_of::<HeapHeader>().checked_add(len)?;
        std::alloc::Layout::from_size_align(size, std::mem::align_of::<HeapHeader>()).ok()
    }

    /// `len` bytes of uninitialised storage; `None` when memory is exhausted.
    fn alloc(len: usize) -> Option<HeapBuf> {
        let layout = Self::layout(len)?;
        let header = crate::pool::alloc(layout.size())?.cast::<HeapHeader>();
        let init = HeapHeader {
            refs: std::sync::atomic::AtomicUsize::new(1),
            len,
        };
        // SAFETY: freshly allocated, aligned for HeapHeader.
        unsafe { header.as_ptr().write(init) };
        Some(HeapBuf { header })
    }

    /// Resizes the storage of a body nobody else refers to, keeping its first bytes;
    /// false (and unchanged) when memory is exhausted.
    fn resize_unique(&mut self, len: usize) -> bool {
        debug_assert_eq!(
            self.head().refs.load(std::sync::atomic::Ordering::Relaxed),
            1
        );
        let (Some(old), Some(new)) = (Self::layout(self.len()), Self::layout(len)) else {
            return false;
        };
        // SAFETY: allocated by `alloc` (or an earlier resize) with size `old`; the only
        // reference is `self`, so moving the allocation leaves no pointer behind.
        let moved = unsafe { crate::pool::realloc(self.header.cast(), old.size(), new.size()) };
        let Some(header) = moved.map(|p| p.cast::<HeapHeader>()) else {
            return false;
        };
        self.header = header;
        // SAFETY: realloc kept the header's bytes; we are the only reference.
        unsafe { (*header.as_ptr()).len = len };
        true
    }

    fn head(&self) -> &HeapHeader {
        // SAFETY: the header lives as long as any HeapBuf refers to it.
        unsafe { self.header.as_ref() }
    }

    fn len(&self) -> usize {
        self.head().len
    }

    fn data_ptr(&self) -> *mut u8 {
        // SAFETY: the bytes follow the header inside the same allocation.
        unsafe { (self.header.as_ptr() as *mut u8).add(std::mem::size_of::<HeapHeader>()) }
    }
}

impl Clone for HeapBuf {
    fn clone(&self) -> Self {
        self.head()
            .refs
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        HeapBuf {
            header: self.header,
        }
    }
}

impl Drop for HeapBuf {
    fn drop(&mut self) {
        use std::sync::atomic::{fence, Ordering};
        if self.head().refs.fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        fence(Ordering::Acquire);
        let len = self.len();
        let layout = Self::layout(len).expect("the layout was valid at allocation");
        // SAFETY: the last reference; allocated in `alloc` (or `resize_unique`) with
        // this size.
        unsafe { crate::pool::free(self.header.cast(), layout.size()) }
    }
}

#[repr(u8)]
enum Body {
    Inline {
        len: u8,
        data: [u8; INLINE_CAP],
    } = tag::INLINE,
    User {
        ptr: *mut u8,
        len: usize,
        buf: Arc<UserBuffer>,
    } = tag::USER,
    Const {
        ptr: *const u8,
        len: usize,
    } = tag::CONST,
    Heap {
        buf: HeapBuf,
    } = tag::HEAP,
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

    /// A zero-filled message of `size` bytes.
    #[cfg(test)]
    pub fn with_size(size: usize) -> Result<Self> {
        // SAFETY: the heap body is zeroed below before anyone can read it.
        let m = unsafe { Msg::with_size_uninit(size) }?;
        if let Body::Heap { buf } = &m.body {
            // SAFETY: `len` writable bytes of the fresh allocation.
            unsafe { std::ptr::write_bytes(buf.data_ptr(), 0, buf.len()) };
        }
        Ok(m)
    }

    /// A message of `size` bytes whose content the caller fills (`zmq_msg_init_size`:
    /// libzmq leaves large bodies uninitialised too). ENOMEM when memory is exhausted.
    ///
    /// # Safety
    /// The bytes of a body over the inline size are uninitialised: the caller writes
    /// each before anything reads it (a C caller of `zmq_msg_init_size` takes on the
    /// same duty from libzmq's contract).
    pub unsafe fn with_size_uninit(size: usize) -> Result<Self> {
        if size <= INLINE_CAP {
            return Ok(Msg::with_body(Body::Inline {
                len: size as u8,
                data: [0; INLINE_CAP],
            }));
        }
        let buf = HeapBuf::alloc(size).ok_or(Errno::ENOMEM)?;
        Ok(Msg::with_body(Body::Heap { buf }))
    }

    /// A copy of `data` (`zmq_msg_init_buffer`, `zmq_send`).
    pub fn from_slice(data: &[u8]) -> Self {
        if data.len() <= INLINE_CAP {
            let mut inline = [0; INLINE_CAP];
            inline[..data.len()].copy_from_slice(data);
            return Msg::with_body(Body::Inline {
                len: data.len() as u8,
                data: inline,
            });
        }
        match HeapBuf::alloc(data.len()) {
            Some(buf) => {
                // SAFETY: `len` writable bytes of the fresh allocation, disjoint from `data`.
                unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), buf.data_ptr(), data.len()) };
                Msg::with_body(Body::Heap { buf })
            }
            // Out of memory for a copy the caller asked for: as Vec would, abort.
            None => std::alloc::handle_alloc_error(
                HeapBuf::layout(data.len()).unwrap_or(std::alloc::Layout::new::<u8>()),
            ),
        }
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
                let buf = Arc::new(UserBuffer {
                    ptr: data,
                    release: Release::Foreign { ffn, hint },
                });
                Msg::with_body(Body::User {
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
            Body::User { ptr, len, .. } => raw_slice(*ptr, *len),
            Body::Heap { buf } => raw_slice(buf.data_ptr(), buf.len()),
            Body::Const { ptr, len } => raw_slice(*ptr, *len),
        }
    }

    /// The body's address for C callers (`zmq_msg_data`), who may write through it.
    pub fn data_ptr(&mut self) -> *mut u8 {
        match &mut self.body {
            Body::Inline { data, .. } => data.as_mut_ptr(),
            Body::User { ptr, .. } => *ptr,
            Body::Heap { buf } => buf.data_ptr(),
            Body::Const { ptr, .. } => *ptr as *mut u8,
        }
    }

    pub fn size(&self) -> usize {
        match &self.body {
            Body::Inline { len, .. } => *len as usize,
            Body::User { len, .. } | Body::Const { len, .. } => *len,
            Body::Heap { buf } => buf.len(),
        }
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

    pub fn is_routing_id(&self) -> bool {
        self.flags & flags::ROUTING_ID != 0
    }

    /// A message carrying a peer's routing id from a session to its socket.
    pub fn routing_id_message(id: &[u8]) -> Msg {
        let mut m = Msg::from_slice(id);
        m.flags |= flags::ROUTING_ID;
        m
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
        if matches!(self.body, Body::User { .. } | Body::Heap { .. }) {
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
            Body::Heap { buf } => Body::Heap { buf: buf.clone() },
            Body::User { ptr, len, buf } => Body::User {
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
        if matches!(body, Body::User { .. } | Body::Heap { .. }) {
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

/// The most storage a frame being received gets ahead of its bytes: a body up to this
/// size is allocated at once, a larger one grows (doubling) as its bytes arrive, so a
/// peer that declares a huge frame (a 2^63-byte header) holds no more memory than it
/// sent plus this, whatever `ZMQ_MAXMSGSIZE` allows.
pub(crate) const FILL_AHEAD: usize = 1 << 20;

/// A message body that arrives in pieces (a frame spread over several reads): filled
/// in place, without zeroing it first or copying it again once complete (beyond
/// [`FILL_AHEAD`], growing may move it). The message is only handed out whole, so its
/// uninitialised part is never read.
pub struct Filling {
    msg: Msg,
    size: usize,
    filled: usize,
}

impl std::fmt::Debug for Filling {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Filling")
            .field("size", &self.size)
            .field("filled", &self.filled)
            .field("storage", &self.msg.size())
            .finish()
    }
}

impl Filling {
    /// A body of `size` bytes to come; ENOMEM when memory is exhausted, or at once
    /// for a size no allocation can have (over `isize::MAX`, as libzmq's failing
    /// malloc; CVE-2019-6250's 2^64 - 256).
    pub fn new(size: usize) -> Result<Filling> {
        if HeapBuf::layout(size).is_none() {
            return Err(Errno::ENOMEM);
        }
        Ok(Filling {
            // SAFETY: a Filling hands out its message only once every byte is written
            // (`finish`), and reads none itself.
            msg: unsafe { Msg::with_size_uninit(size.min(FILL_AHEAD)) }?,
            size,
            filled: 0,
        })
    }

    /// The body's full size.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Bytes allocated so far (at most twice what arrived, or [`FILL_AHEAD`]).
    #[cfg(test)]
    pub fn storage(&self) -> usize {
        self.msg.size()
    }

    /// Bytes still missing.
    pub fn remaining(&self) -> usize {
        self.size - self.filled
    }

    /// Appends the front of `src` (as much as fits); returns how many bytes it took.
    /// ENOMEM when the storage cannot grow.
    pub fn fill(&mut self, src: &[u8]) -> Result<usize> {
        let n = src.len().min(self.remaining());
        let need = self.filled + n;
        if need > self.msg.size() {
            let grown = need.max(self.msg.size().saturating_mul(2)).min(self.size);
            let Body::Heap { buf } = &mut self.msg.body else {
                unreachable!("only heap bodies are smaller than their frame");
            };
            if !buf.resize_unique(grown) {
                return Err(Errno::ENOMEM);
            }
        }
        let dst = self.msg.data_ptr();
        // SAFETY: the body has room for `filled + n` bytes (grown above); the message
        // is ours alone (never shared before `finish`), and `src` is a different
        // allocation.
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), dst.add(self.filled), n) };
        self.filled += n;
        Ok(n)
    }

    /// As [`fill`](Self::fill), then `f` runs over the bytes just written, with their
    /// offset into the body (a WebSocket decoder unmasks them there, not in a copy).
    pub fn fill_then(&mut self, src: &[u8], f: impl FnOnce(&mut [u8], usize)) -> Result<usize> {
        let at = self.filled;
        let n = self.fill(src)?;
        let dst = self.msg.data_ptr();
        // SAFETY: bytes `at..at + n` of the body were just initialised by `fill`; the
        // message is ours alone until `finish`, and nothing else borrows it here.
        let written = unsafe { std::slice::from_raw_parts_mut(dst.add(at), n) };
        f(written, at);
        Ok(n)
    }

    /// Reads the body's next bytes from `fd` straight into its storage (no copy
    /// through a read buffer), into the room that is there, growing it as `fill`
    /// does when there is none. Returns the read's result and how many bytes it
    /// asked for; ENOMEM when the storage cannot grow.
    pub fn fill_from(&mut self, fd: BorrowedFd<'_>) -> Result<(std::io::Result<usize>, usize)> {
        if self.filled == self.msg.size() && self.remaining() > 0 {
            let grown = self.msg.size().saturating_mul(2).min(self.size);
            let Body::Heap { buf } = &mut self.msg.body else {
                unreachable!("only heap bodies are smaller than their frame");
            };
            if !buf.resize_unique(grown) {
                return Err(Errno::ENOMEM);
            }
        }
        let room = self.msg.size() - self.filled;
        let dst = self.msg.data_ptr();
        // SAFETY: bytes `filled..filled + room` are the body's own storage (the message
        // is ours alone until `finish`); the kernel writes at most `room` of them, and
        // `filled` counts only those it reports written.
        let r = unsafe { crate::sys::fd::read_raw(fd, dst.add(self.filled), room) };
        if let Ok(n) = r {
            self.filled += n.min(room);
        }
        Ok((r, room))
    }

    /// The message, once every byte is in.
    pub fn finish(self) -> std::result::Result<Msg, Filling> {
        if self.remaining() == 0 {
            debug_assert_eq!(self.msg.size(), self.size);
            Ok(self.msg)
        } else {
            Err(self)
        }
    }
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
        let mut m = Msg::from_slice(&[7u8; 1000]);
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
    fn filling_builds_the_body_piece_by_piece() {
        let data: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
        let mut f = Filling::new(data.len()).unwrap();
        for chunk in data.chunks(7_777) {
            assert_eq!(f.fill(chunk).unwrap(), chunk.len());
            f = match f.finish() {
                Ok(m) => {
                    assert_eq!(m.data(), &data[..]);
                    return;
                }
                Err(f) => f,
            };
        }
        panic!("never complete");
    }

    #[test]
    fn filling_takes_no_more_than_its_size() {
        let mut f = Filling::new(3).unwrap();
        assert_eq!(f.fill(b"abcdef").unwrap(), 3);
        assert_eq!(f.finish().ok().unwrap().data(), b"abc");
    }

    #[test]
    fn routing_id_zero_is_rejected() {
        let mut m = Msg::new();
        assert_eq!(m.set_routing_id(0), Err(Errno::EINVAL));
        m.set_routing_id(42).unwrap();
        assert_eq!(m.routing_id(), 42);
    }
}
