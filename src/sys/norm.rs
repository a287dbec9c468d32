//! NRL's NORM library (Debian's `libnorm1`, soname `libnorm.so.1`) as libzmq's
//! `norm_engine_t` drives it: one NORM instance and session per endpoint, a sender's
//! byte stream or a receiver's streams (one per remote sender). The declarations mirror
//! `<normApi.h>` of libnorm-dev 1.5.9 (its C functions take every argument: the
//! header's defaults are C++ only); `tests/multicast.rs` checks the prototypes, the
//! event layout and the constants against it (capi-tests/interop/norm_layout.cpp).
//!
//! NORM runs its own thread; the instance's descriptor turns readable when an event
//! waits, and [`Session::next_event`] takes them without blocking.

use std::collections::HashSet;
use std::ffi::{c_char, c_int, c_uint, c_void, CString};
use std::mem::{offset_of, size_of};
use std::os::fd::RawFd;
use std::ptr;
use std::sync::OnceLock;

use super::{functions, Library};
use crate::error::{Errno, Result};

const SONAMES: &[&str] = &["libnorm.so.1"];

type Handle = *const c_void;

// <normApi.h>
const NORM_OBJECT_STREAM: c_int = 3;
const NORM_FLUSH_ACTIVE: c_int = 2;
const NORM_SYNC_STREAM: c_int = 1;
const NORM_TX_QUEUE_VACANCY: c_int = 1;
const NORM_TX_QUEUE_EMPTY: c_int = 2;
const NORM_REMOTE_SENDER_INACTIVE: c_int = 14;
const NORM_RX_OBJECT_NEW: c_int = 17;
const NORM_RX_OBJECT_UPDATED: c_int = 19;
const NORM_RX_OBJECT_COMPLETED: c_int = 20;
const NORM_RX_OBJECT_ABORTED: c_int = 21;

/// ZMQ_NORM_MODE values (zmq.h, draft; not `pub`: cbindgen would put them in zmq.h).
const MODE_FIXED: i32 = 0;
const MODE_CC: i32 = 1;
const MODE_CCL: i32 = 2;
const MODE_CCE: i32 = 3;
const MODE_CCE_ECNONLY: i32 = 4;

/// `NormEvent`.
#[repr(C)]
struct RawEvent {
    kind: c_int,
    session: Handle,
    sender: Handle,
    object: Handle,
}

const _: () = {
    assert!(size_of::<RawEvent>() == 32);
    assert!(offset_of!(RawEvent, object) == 24);
};

functions!(Api {
    NormCreateInstance: unsafe extern "C" fn(bool) -> Handle,
    NormDestroyInstance: unsafe extern "C" fn(Handle),
    NormStopInstance: unsafe extern "C" fn(Handle),
    NormGetDescriptor: unsafe extern "C" fn(Handle) -> c_int,
    NormGetNextEvent: unsafe extern "C" fn(Handle, *mut RawEvent, bool) -> bool,
    NormCreateSession: unsafe extern "C" fn(Handle, *const c_char, u16, u32) -> Handle,
    NormDestroySession: unsafe extern "C" fn(Handle),
    NormIsUnicastAddress: unsafe extern "C" fn(*const c_char) -> bool,
    NormSetTTL: unsafe extern "C" fn(Handle, u8) -> bool,
    NormSetTOS: unsafe extern "C" fn(Handle, u8) -> bool,
    NormSetRxPortReuse: unsafe extern "C" fn(Handle, bool, *const c_char, *const c_char, u16),
    NormSetLoopback: unsafe extern "C" fn(Handle, bool) -> bool,
    NormSetMulticastInterface: unsafe extern "C" fn(Handle, *const c_char) -> bool,
    NormSetDefaultUnicastNack: unsafe extern "C" fn(Handle, bool),
    NormSetDefaultSyncPolicy: unsafe extern "C" fn(Handle, c_int),
    NormStartReceiver: unsafe extern "C" fn(Handle, u32) -> bool,
    NormStopReceiver: unsafe extern "C" fn(Handle),
    NormGetRandomSessionId: unsafe extern "C" fn() -> u16,
    NormStartSender: unsafe extern "C" fn(Handle, u16, u32, u16, u16, u16, u8) -> bool,
    NormStopSender: unsafe extern "C" fn(Handle),
    NormSetTxRate: unsafe extern "C" fn(Handle, f64),
    NormSetCongestionControl: unsafe extern "C" fn(Handle, bool, bool),
    NormSetEcnSupport: unsafe extern "C" fn(Handle, bool, bool, bool),
    NormSetAutoParity: unsafe extern "C" fn(Handle, u8),
    NormStreamOpen: unsafe extern "C" fn(Handle, u32, *const c_char, c_uint) -> Handle,
    NormStreamSetPushEnable: unsafe extern "C" fn(Handle, bool),
    NormStreamWrite: unsafe extern "C" fn(Handle, *const c_char, c_uint) -> c_uint,
    NormStreamFlush: unsafe extern "C" fn(Handle, bool, c_int),
    NormStreamRead: unsafe extern "C" fn(Handle, *mut c_char, *mut c_uint) -> bool,
    NormStreamSeekMsgStart: unsafe extern "C" fn(Handle) -> bool,
    NormObjectGetType: unsafe extern "C" fn(Handle) -> c_int,
    NormObjectRetain: unsafe extern "C" fn(Handle),
    NormObjectRelease: unsafe extern "C" fn(Handle),
    NormNodeDelete: unsafe extern "C" fn(Handle),
});

fn api() -> Option<&'static Api> {
    static API: OnceLock<Option<Api>> = OnceLock::new();
    API.get_or_init(|| Api::load(&Library::open(SONAMES)?))
        .as_ref()
}

/// Whether norm:// works here (`zmq_has("norm")`).
pub fn available() -> bool {
    api().is_some()
}

/// What a session is made with: the endpoint's pieces (`transport::norm`) and
/// libzmq's options for it.
#[derive(Debug, Clone)]
pub struct Config {
    /// The local NORM node id; `u32::MAX` (NORM_NODE_ANY): NORM picks one.
    pub node_id: u32,
    /// The multicast interface's name.
    pub interface: Option<String>,
    pub address: String,
    pub port: u16,
    /// A PUB/XPUB end; else a SUB/XSUB end.
    pub sender: bool,
    pub multicast_hops: i32,
    pub tos: i32,
    /// ZMQ_RATE (kbit/s), used in ZMQ_NORM_FIXED mode.
    pub rate: i32,
    /// ZMQ_NORM_MODE, ZMQ_NORM_UNICAST_NACK, ZMQ_NORM_BUFFER_SIZE (KiB),
    /// ZMQ_NORM_SEGMENT_SIZE, ZMQ_NORM_BLOCK_SIZE, ZMQ_NORM_NUM_PARITY,
    /// ZMQ_NORM_NUM_AUTOPARITY, ZMQ_NORM_PUSH.
    pub mode: i32,
    pub unicast_nacks: bool,
    pub buffer_size: i32,
    pub segment_size: i32,
    pub block_size: i32,
    pub num_parity: i32,
    pub num_autoparity: i32,
    pub push: bool,
}

/// A stream read found data missing for good (or the stream gone): read on from the
/// next message start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Broken;

/// A remote sender's byte stream (a receiver reads it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stream(usize);

/// A remote sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Node(usize);

/// What NORM has to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The send stream has room again.
    TxReady,
    /// The send stream's data all went out.
    TxEmpty,
    /// A stream of `sender` has new data.
    Readable(Stream, Node),
    /// A stream ended (completed or aborted): no more reads of it.
    Gone(Stream),
    /// A sender fell silent; forget its streams, then [`Session::forget_sender`].
    SenderInactive(Node),
    Other,
}

/// One NORM instance and session, stopped and destroyed on drop.
pub struct Session {
    api: &'static Api,
    instance: Handle,
    session: Handle,
    tx_stream: Handle,
    sender: bool,
    /// The sender or receiver was started (and is stopped on drop).
    started: bool,
    /// Streams we keep a reference to (retained when first seen).
    retained: HashSet<Stream>,
}

// SAFETY: NORM's API may be called from any thread (the instance locks its own thread
// out while it runs a call); this session is used by one thread at a time.
unsafe impl Send for Session {}

fn byte(v: i32) -> u8 {
    v.clamp(0, 255) as u8
}

impl Session {
    /// Makes the instance and session and starts the sender or the receiver, as
    /// libzmq's `norm_engine_t::init` does. A failure is EINVAL (libzmq aborts).
    pub fn open(cfg: &Config) -> Result<Session> {
        let api = api().ok_or(Errno::EPROTONOSUPPORT)?;
        let ep = cfg;
        let address = CString::new(ep.address.as_str()).map_err(|_| Errno::EINVAL)?;
        // SAFETY: no precondition (`priorityBoost` false).
        let instance = unsafe { (api.NormCreateInstance)(false) };
        if instance.is_null() {
            return Err(Errno::EINVAL);
        }
        let mut s = Session {
            api,
            instance,
            session: ptr::null(),
            tx_stream: ptr::null(),
            sender: cfg.sender,
            started: false,
            retained: HashSet::new(),
        };
        // SAFETY: a live instance and a NUL-terminated address.
        s.session =
            unsafe { (api.NormCreateSession)(instance, address.as_ptr(), ep.port, ep.node_id) };
        if s.session.is_null() {
            return Err(Errno::EINVAL);
        }
        let session = s.session;
        // SAFETY: (the whole block) `session` is live; strings are NUL-terminated.
        unsafe {
            let unicast = (api.NormIsUnicastAddress)(address.as_ptr());
            if !unicast {
                (api.NormSetTTL)(session, byte(cfg.multicast_hops));
                (api.NormSetRxPortReuse)(session, true, ptr::null(), ptr::null(), 0);
                (api.NormSetLoopback)(session, true);
                if let Some(iface) = &ep.interface {
                    let iface = CString::new(iface.as_str()).map_err(|_| Errno::EINVAL)?;
                    (api.NormSetMulticastInterface)(session, iface.as_ptr());
                }
            }
            if unicast || cfg.unicast_nacks {
                (api.NormSetDefaultUnicastNack)(session, true);
            }
            // Congestion control with ECN wants the ECN-capable bit set and the
            // congestion-experienced one not; as libzmq.
            let ecn = cfg.mode == MODE_CCE || cfg.mode == MODE_CCE_ECNONLY;
            let tos = match cfg.tos % 4 {
                0 if ecn => cfg.tos + 1,
                3 if ecn => cfg.tos - 1,
                _ => cfg.tos,
            };
            (api.NormSetTOS)(session, byte(tos));
        }
        let buffer = (cfg.buffer_size.max(1) as u32).saturating_mul(1024);
        if cfg.sender {
            let parity = cfg.num_parity.max(cfg.num_autoparity);
            let block = if cfg.block_size > parity {
                cfg.block_size
            } else {
                parity + 1
            };
            // SAFETY: (the whole block) `session` is live.
            unsafe {
                let id = (api.NormGetRandomSessionId)();
                let segment = cfg.segment_size.clamp(1, i32::from(u16::MAX)) as u16;
                if !(api.NormStartSender)(
                    session,
                    id,
                    buffer,
                    segment,
                    block as u16,
                    parity as u16,
                    0,
                ) {
                    return Err(Errno::EINVAL);
                }
                s.started = true;
                if cfg.mode == MODE_FIXED {
                    (api.NormSetTxRate)(session, f64::from(cfg.rate) * 1000.0);
                } else {
                    (api.NormSetCongestionControl)(session, true, true);
                    if cfg.mode != MODE_CC {
                        (api.NormSetEcnSupport)(
                            session,
                            ecn_enable(cfg.mode),
                            cfg.mode == MODE_CCE_ECNONLY,
                            cfg.mode == MODE_CCL,
                        );
                    }
                }
                if cfg.num_autoparity > 0 {
                    (api.NormSetAutoParity)(session, byte(cfg.num_autoparity));
                }
                s.tx_stream = (api.NormStreamOpen)(session, buffer, ptr::null(), 0);
                if s.tx_stream.is_null() {
                    return Err(Errno::EINVAL);
                }
                (api.NormStreamSetPushEnable)(s.tx_stream, cfg.push);
            }
        } else {
            // SAFETY: `session` is live.
            let ok = unsafe {
                (api.NormSetDefaultSyncPolicy)(session, NORM_SYNC_STREAM);
                (api.NormStartReceiver)(session, buffer)
            };
            if !ok {
                return Err(Errno::EINVAL);
            }
            s.started = true;
        }
        Ok(s)
    }

    /// Readable when an event waits.
    pub fn descriptor(&self) -> RawFd {
        // SAFETY: a live instance.
        unsafe { (self.api.NormGetDescriptor)(self.instance) }
    }

    /// The next event, without waiting; `None` when there is none.
    pub fn next_event(&mut self) -> Option<Event> {
        let mut ev = RawEvent {
            kind: 0,
            session: ptr::null(),
            sender: ptr::null(),
            object: ptr::null(),
        };
        // SAFETY: a live instance and an event to fill; `false`: do not block.
        if !unsafe { (self.api.NormGetNextEvent)(self.instance, &mut ev, false) } {
            return None;
        }
        let stream = Stream(ev.object as usize);
        Some(match ev.kind {
            NORM_TX_QUEUE_VACANCY => Event::TxReady,
            NORM_TX_QUEUE_EMPTY => Event::TxEmpty,
            NORM_RX_OBJECT_NEW | NORM_RX_OBJECT_UPDATED if !ev.object.is_null() => {
                if !self.retained.contains(&stream) {
                    // SAFETY: the object of this event is live now.
                    if unsafe { (self.api.NormObjectGetType)(ev.object) } != NORM_OBJECT_STREAM {
                        // Data or file objects: not something libzmq sends.
                        return Some(Event::Other);
                    }
                    // SAFETY: as above; keeps it valid until we release it.
                    unsafe { (self.api.NormObjectRetain)(ev.object) };
                    self.retained.insert(stream);
                }
                Event::Readable(stream, Node(ev.sender as usize))
            }
            NORM_RX_OBJECT_COMPLETED | NORM_RX_OBJECT_ABORTED => Event::Gone(stream),
            NORM_REMOTE_SENDER_INACTIVE if !ev.sender.is_null() => {
                Event::SenderInactive(Node(ev.sender as usize))
            }
            _ => Event::Other,
        })
    }

    /// Stops reading `stream` and lets NORM free it.
    pub fn release(&mut self, stream: Stream) {
        if self.retained.remove(&stream) {
            // SAFETY: a stream we retained, released once.
            unsafe { (self.api.NormObjectRelease)(stream.0 as Handle) };
        }
    }

    /// Frees what NORM keeps of a silent sender (its streams released first).
    pub fn forget_sender(&mut self, node: Node) {
        // SAFETY: the sender of a REMOTE_SENDER_INACTIVE event of this session.
        unsafe { (self.api.NormNodeDelete)(node.0 as Handle) };
    }

    /// Reads from a stream into `buf`: `Ok(0)` when nothing more is there now.
    pub fn read(&mut self, stream: Stream, buf: &mut [u8]) -> std::result::Result<usize, Broken> {
        if !self.retained.contains(&stream) {
            return Err(Broken);
        }
        let mut n = buf.len().min(c_uint::MAX as usize) as c_uint;
        // SAFETY: a retained stream and a buffer writable for `n` bytes.
        let ok = unsafe {
            (self.api.NormStreamRead)(stream.0 as Handle, buf.as_mut_ptr() as *mut c_char, &mut n)
        };
        if ok {
            Ok((n as usize).min(buf.len()))
        } else {
            Err(Broken)
        }
    }

    /// Skips to the next message start of a stream; false when none is there yet.
    pub fn seek_message_start(&mut self, stream: Stream) -> bool {
        // SAFETY: a retained stream.
        self.retained.contains(&stream)
            && unsafe { (self.api.NormStreamSeekMsgStart)(stream.0 as Handle) }
    }

    /// Writes to the send stream; how much it took (less: full until `TxReady`).
    pub fn write(&mut self, bytes: &[u8]) -> usize {
        if self.tx_stream.is_null() {
            return 0;
        }
        let n = bytes.len().min(c_uint::MAX as usize) as c_uint;
        // SAFETY: our open send stream, `n` readable bytes.
        let took = unsafe {
            (self.api.NormStreamWrite)(self.tx_stream, bytes.as_ptr() as *const c_char, n)
        };
        (took as usize).min(bytes.len())
    }

    /// Ends a message on the send stream and sends what is buffered now.
    pub fn end_message(&mut self) {
        if !self.tx_stream.is_null() {
            // SAFETY: our open send stream.
            unsafe { (self.api.NormStreamFlush)(self.tx_stream, true, NORM_FLUSH_ACTIVE) };
        }
    }
}

fn ecn_enable(mode: i32) -> bool {
    mode == MODE_CCE || mode == MODE_CCE_ECNONLY
}

impl Drop for Session {
    fn drop(&mut self) {
        for s in std::mem::take(&mut self.retained) {
            // SAFETY: streams we retained, released once.
            unsafe { (self.api.NormObjectRelease)(s.0 as Handle) };
        }
        // SAFETY: our session and instance, each stopped and destroyed once, in
        // libzmq's order.
        unsafe {
            if !self.session.is_null() {
                match (self.started, self.sender) {
                    (true, true) => (self.api.NormStopSender)(self.session),
                    (true, false) => (self.api.NormStopReceiver)(self.session),
                    (false, _) => {}
                }
                (self.api.NormDestroySession)(self.session);
            }
            (self.api.NormStopInstance)(self.instance);
            (self.api.NormDestroyInstance)(self.instance);
        }
    }
}
