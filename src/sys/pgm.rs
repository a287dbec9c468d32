//! OpenPGM 5.3 (Debian's `libpgm-5.3-0`, soname `libpgm-5.3.so.0`), as libzmq's
//! `pgm_socket_t` drives it: a PGM (`pgm://`, raw IP protocol 113, needs CAP_NET_RAW)
//! or PGM-over-UDP (`epgm://`) socket that sends or receives APDUs. The declarations
//! mirror `<pgm/pgm.h>` of libpgm-dev 5.3.128; `tests/multicast.rs` compiles the
//! header's layouts and compares them with the ones here.
//!
//! The library's sockets are non-blocking; their descriptors (which to wait on) and
//! timers (when to call again) are handed to the I/O thread, which calls [`Socket::send`]
//! and [`Socket::recv`] when one of them fires.

use std::ffi::{c_char, c_int, c_void, CString};
use std::mem::{offset_of, size_of};
use std::os::fd::RawFd;
use std::ptr::{self, NonNull};
use std::sync::OnceLock;
use std::time::Duration;

use super::{functions, Library};
use crate::error::{Errno, Result};

const SONAMES: &[&str] = &["libpgm-5.3.so.0"];

// <pgm/packet.h>, <pgm/socket.h>: the option names are one enum counted from 0x2000.
const IPPROTO_PGM: c_int = 113;
const PGM_SEND_SOCK: c_int = 0x2000;
const PGM_RECV_SOCK: c_int = 0x2001;
const PGM_REPAIR_SOCK: c_int = 0x2002;
const PGM_PENDING_SOCK: c_int = 0x2003;
const PGM_TIME_REMAIN: c_int = 0x2005;
const PGM_RATE_REMAIN: c_int = 0x2006;
const PGM_MTU: c_int = 0x2008;
const PGM_MSS: c_int = 0x200a;
const PGM_MULTICAST_LOOP: c_int = 0x200c;
const PGM_MULTICAST_HOPS: c_int = 0x200d;
const PGM_TOS: c_int = 0x200e;
const PGM_AMBIENT_SPM: c_int = 0x200f;
const PGM_HEARTBEAT_SPM: c_int = 0x2010;
const PGM_TXW_SQNS: c_int = 0x2012;
const PGM_PEER_EXPIRY: c_int = 0x2015;
const PGM_SPMR_EXPIRY: c_int = 0x2016;
const PGM_RXW_SQNS: c_int = 0x2018;
const PGM_NAK_BO_IVL: c_int = 0x201b;
const PGM_NAK_RPT_IVL: c_int = 0x201c;
const PGM_NAK_RDATA_IVL: c_int = 0x201d;
const PGM_NAK_DATA_RETRIES: c_int = 0x201e;
const PGM_NAK_NCF_RETRIES: c_int = 0x201f;
const PGM_SEND_ONLY: c_int = 0x2023;
const PGM_RECV_ONLY: c_int = 0x2024;
const PGM_NOBLOCK: c_int = 0x2027;
const PGM_SEND_GROUP: c_int = 0x2028;
const PGM_JOIN_GROUP: c_int = 0x2029;
const PGM_UDP_ENCAP_UCAST_PORT: c_int = 0x2030;
const PGM_UDP_ENCAP_MCAST_PORT: c_int = 0x2031;
const PGM_ODATA_MAX_RTE: c_int = 0x2034;

const PGM_IO_STATUS_NORMAL: c_int = 1;
const PGM_IO_STATUS_RESET: c_int = 2;
const PGM_IO_STATUS_WOULD_BLOCK: c_int = 5;
const PGM_IO_STATUS_RATE_LIMITED: c_int = 6;
const PGM_IO_STATUS_TIMER_PENDING: c_int = 7;
const PGM_MAX_FRAGMENTS: usize = 16;

/// `pgm_secs`/`pgm_msecs`: the library's times are microseconds.
const fn secs(s: c_int) -> c_int {
    s * 1_000_000
}
const fn msecs(ms: c_int) -> c_int {
    ms * 1000
}

/// `pgm_error_t`.
#[repr(C)]
struct PgmError {
    domain: c_int,
    code: c_int,
    message: *mut c_char,
}

/// `pgm_tsi_t`: a source's transport session id, global session id then source port
/// (as the packets carry it).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tsi {
    gsi: [u8; 6],
    sport: u16,
}

/// `struct pgm_sockaddr_t`.
#[repr(C)]
struct PgmSockaddr {
    sa_port: u16,
    sa_addr: Tsi,
}

/// `struct pgm_group_source_req`; its first two fields are a `struct group_req`.
#[repr(C)]
struct GroupSourceReq {
    gsr_interface: u32,
    gsr_group: libc::sockaddr_storage,
    gsr_source: libc::sockaddr_storage,
    gsr_addr: libc::sockaddr_storage,
}

/// `struct pgm_addrinfo_t`.
#[repr(C)]
struct AddrInfo {
    ai_family: libc::sa_family_t,
    ai_recv_addrs_len: u32,
    ai_recv_addrs: *mut GroupSourceReq,
    ai_send_addrs_len: u32,
    ai_send_addrs: *mut GroupSourceReq,
}

/// `struct pgm_interface_req_t`.
#[repr(C)]
struct InterfaceReq {
    ir_interface: u32,
    ir_scope_id: u32,
    ir_address: libc::sockaddr_storage,
}

/// `pgm_list_t`.
#[repr(C)]
struct List {
    data: *mut c_void,
    next: *mut List,
    prev: *mut List,
}

/// `struct pgm_sk_buff_t`: only `tsi`, `len`, `data` and `users` are used; the rest
/// keeps their offsets. `len` shares a 32-bit unit with the `zero_padded` bit.
#[repr(C)]
struct SkBuff {
    link: List,
    sock: *mut c_void,
    tstamp: u64,
    tsi: Tsi,
    sequence: u32,
    padding: u32,
    cb: [u8; 48],
    len: u16,
    zero_padded: u16,
    padding2: u32,
    pgm_header: *mut c_void,
    pgm_opt_fragment: *mut c_void,
    pgm_opt_pgmcc_data: *mut c_void,
    pgm_data: *mut c_void,
    head: *mut c_void,
    data: *mut c_void,
    tail: *mut c_void,
    end: *mut c_void,
    truesize: u32,
    users: u32,
}

/// `struct pgm_msgv_t`: one APDU, in up to 16 fragments.
#[repr(C)]
struct MsgV {
    msgv_len: u32,
    msgv_skb: [*mut SkBuff; PGM_MAX_FRAGMENTS],
}

/// `struct group_req`, the size PGM_JOIN_GROUP and PGM_SEND_GROUP take.
const GROUP_REQ_SIZE: usize = 136;

// The layouts of libpgm-dev 5.3.128 on x86_64 (tests/multicast.rs checks them against
// the installed header; these keep them from drifting here).
const _: () = {
    assert!(size_of::<SkBuff>() == 184);
    assert!(offset_of!(SkBuff, tsi) == 40);
    assert!(offset_of!(SkBuff, len) == 104);
    assert!(offset_of!(SkBuff, data) == 152);
    assert!(offset_of!(SkBuff, users) == 180);
    assert!(size_of::<MsgV>() == 136);
    assert!(size_of::<AddrInfo>() == 32);
    assert!(offset_of!(AddrInfo, ai_send_addrs) == 24);
    assert!(size_of::<GroupSourceReq>() == 392);
    assert!(offset_of!(GroupSourceReq, gsr_group) == 8);
    assert!(size_of::<InterfaceReq>() == 136);
    assert!(size_of::<PgmSockaddr>() == 10);
    assert!(size_of::<PgmError>() == 16);
};

type Err = *mut *mut PgmError;

functions!(Api {
    pgm_init: unsafe extern "C" fn(Err) -> bool,
    pgm_getaddrinfo: unsafe extern "C" fn(*const c_char, *const AddrInfo, *mut *mut AddrInfo, Err) -> bool,
    pgm_freeaddrinfo: unsafe extern "C" fn(*mut AddrInfo),
    pgm_socket: unsafe extern "C" fn(*mut *mut c_void, libc::sa_family_t, c_int, c_int, Err) -> bool,
    pgm_setsockopt: unsafe extern "C" fn(*mut c_void, c_int, c_int, *const c_void, libc::socklen_t) -> bool,
    pgm_getsockopt: unsafe extern "C" fn(*mut c_void, c_int, c_int, *mut c_void, *mut libc::socklen_t) -> bool,
    pgm_gsi_create_from_data: unsafe extern "C" fn(*mut [u8; 6], *const u8, usize) -> bool,
    pgm_bind3: unsafe extern "C" fn(
        *mut c_void,
        *const PgmSockaddr,
        libc::socklen_t,
        *const InterfaceReq,
        libc::socklen_t,
        *const InterfaceReq,
        libc::socklen_t,
        Err,
    ) -> bool,
    pgm_connect: unsafe extern "C" fn(*mut c_void, Err) -> bool,
    pgm_close: unsafe extern "C" fn(*mut c_void, bool) -> bool,
    pgm_send: unsafe extern "C" fn(*mut c_void, *const c_void, usize, *mut usize) -> c_int,
    pgm_recvmsg: unsafe extern "C" fn(*mut c_void, *mut MsgV, c_int, *mut usize, Err) -> c_int,
    pgm_error_free: unsafe extern "C" fn(*mut PgmError),
    pgm_free: unsafe extern "C" fn(*mut c_void),
});

/// The library, loaded and initialised once (`pgm_init`), or `None` where it is not
/// installed (or does not initialise).
fn api() -> Option<&'static Api> {
    static API: OnceLock<Option<Api>> = OnceLock::new();
    API.get_or_init(|| {
        let api = Api::load(&Library::open(SONAMES)?)?;
        let mut err = ptr::null_mut();
        // SAFETY: pgm_init takes an error out-pointer; it may be called more than once.
        let ok = unsafe { (api.pgm_init)(&mut err) };
        free_error(&api, err);
        ok.then_some(api)
    })
    .as_ref()
}

/// Whether pgm:// and epgm:// work here (`zmq_has("pgm")`).
pub fn available() -> bool {
    api().is_some()
}

fn free_error(api: &Api, err: *mut PgmError) {
    if !err.is_null() {
        // SAFETY: an error the library allocated and handed to us, freed once.
        unsafe { (api.pgm_error_free)(err) };
    }
}

/// A resolved `iface;group` network: what `pgm_getaddrinfo` made of it, freed on drop.
struct Network<'a> {
    api: &'a Api,
    info: NonNull<AddrInfo>,
}

impl<'a> Network<'a> {
    fn resolve(api: &'a Api, network: &str) -> Result<Network<'a>> {
        let text = CString::new(network).map_err(|_| Errno::EINVAL)?;
        let mut info = ptr::null_mut();
        let mut err = ptr::null_mut();
        // SAFETY: a NUL-terminated network string, no hints, and out-pointers for the
        // result and the error.
        let ok = unsafe { (api.pgm_getaddrinfo)(text.as_ptr(), ptr::null(), &mut info, &mut err) };
        free_error(api, err);
        match NonNull::new(info) {
            Some(info) if ok => {
                let n = Network { api, info };
                // Something to send to and to receive from, as libzmq takes for granted.
                if n.info().ai_recv_addrs_len == 0 || n.info().ai_send_addrs_len == 0 {
                    return Err(Errno::EINVAL);
                }
                Ok(n)
            }
            _ => Err(Errno::EINVAL),
        }
    }

    fn info(&self) -> &AddrInfo {
        // SAFETY: the library's result, alive until drop.
        unsafe { self.info.as_ref() }
    }

    fn recv_addrs(&self) -> &[GroupSourceReq] {
        let i = self.info();
        // SAFETY: the library's array of `ai_recv_addrs_len` entries (at least one).
        unsafe { std::slice::from_raw_parts(i.ai_recv_addrs, i.ai_recv_addrs_len as usize) }
    }

    fn send_addr(&self) -> &GroupSourceReq {
        // SAFETY: the library's array has at least one entry (checked in `resolve`).
        unsafe { &*self.info().ai_send_addrs }
    }
}

impl Drop for Network<'_> {
    fn drop(&mut self) {
        // SAFETY: the result of pgm_getaddrinfo, freed once.
        unsafe { (self.api.pgm_freeaddrinfo)(self.info.as_ptr()) };
    }
}

/// What a PGM socket is made with: the endpoint and libzmq's options for it.
#[derive(Debug, Clone)]
pub struct Config {
    /// `epgm://`: PGM over UDP, on `port` for both unicast and multicast.
    pub udp: bool,
    /// `iface;group` (or `;group`).
    pub network: String,
    pub port: u16,
    /// A SUB/XSUB end (receive only); else a PUB/XPUB end (send only).
    pub receiver: bool,
    /// ZMQ_RATE, kbit/s (> 0).
    pub rate: i32,
    /// ZMQ_RECOVERY_IVL, ms.
    pub recovery_ivl: i32,
    pub multicast_hops: i32,
    pub maxtpdu: i32,
    /// ZMQ_SNDBUF / ZMQ_RCVBUF (-1: the system's).
    pub sndbuf: i32,
    pub rcvbuf: i32,
}

impl Config {
    /// libzmq's window size in packets: what the rate carries in the recovery interval.
    fn window_packets(&self) -> c_int {
        let bytes = i64::from(self.recovery_ivl) * (i64::from(self.rate) / 8);
        let packets = bytes / i64::from(self.maxtpdu.max(1));
        packets.clamp(1, i64::from(c_int::MAX)) as c_int
    }
}

/// What [`Socket::send`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    All,
    /// Not now: wait until the send descriptor is writable.
    WouldBlock,
    /// Not before this much time has passed (ZMQ_RATE).
    RateLimited(Duration),
}

/// What [`Socket::recv`] found.
#[derive(Debug)]
pub enum Received {
    /// One APDU from this source, handed to the callback.
    Data,
    /// Data from this source was lost for good: its stream has a gap.
    Lost(Tsi),
    /// Nothing now; call again when a descriptor is readable.
    WouldBlock,
    /// Nothing now; call again after this long (protocol timers, or the rate).
    After(Duration),
}

/// One OpenPGM socket, closed on drop.
pub struct Socket {
    api: &'static Api,
    sock: NonNull<c_void>,
    receiver: bool,
}

// SAFETY: an OpenPGM socket may be used from any thread (it locks internally); this one
// is used by one thread at a time (made by a socket, then driven by an I/O thread).
unsafe impl Send for Socket {}

impl Socket {
    /// Makes, binds and connects a socket as libzmq's `pgm_socket_t::init` does. Any
    /// failure (a network that does not resolve, no raw socket without CAP_NET_RAW)
    /// is EINVAL, as libzmq reports it.
    pub fn open(cfg: &Config) -> Result<Socket> {
        let api = api().ok_or(Errno::EPROTONOSUPPORT)?;
        let network = Network::resolve(api, &cfg.network)?;
        let family = network.send_addr().gsr_group.ss_family;
        let mut raw = ptr::null_mut();
        let mut err = ptr::null_mut();
        let protocol = if cfg.udp {
            libc::IPPROTO_UDP
        } else {
            IPPROTO_PGM
        };
        // SAFETY: out-pointers for the socket and the error.
        let ok =
            unsafe { (api.pgm_socket)(&mut raw, family, libc::SOCK_SEQPACKET, protocol, &mut err) };
        free_error(api, err);
        let sock = match NonNull::new(raw) {
            Some(s) if ok => Socket {
                api,
                sock: s,
                receiver: cfg.receiver,
            },
            _ => return Err(Errno::EINVAL),
        };
        sock.setup(cfg, &network, family)?;
        Ok(sock)
    }

    fn setup(&self, cfg: &Config, network: &Network<'_>, family: libc::sa_family_t) -> Result<()> {
        let int = |name, value: c_int| self.set(IPPROTO_PGM, name, &value);
        if cfg.udp {
            int(PGM_UDP_ENCAP_UCAST_PORT, c_int::from(cfg.port))?;
            int(PGM_UDP_ENCAP_MCAST_PORT, c_int::from(cfg.port))?;
        }
        if cfg.rcvbuf >= 0 {
            self.set(libc::SOL_SOCKET, libc::SO_RCVBUF, &cfg.rcvbuf)?;
        }
        if cfg.sndbuf >= 0 {
            self.set(libc::SOL_SOCKET, libc::SO_SNDBUF, &cfg.sndbuf)?;
        }
        int(PGM_MTU, cfg.maxtpdu)?;
        if cfg.receiver {
            int(PGM_RECV_ONLY, 1)?;
            int(PGM_RXW_SQNS, cfg.window_packets())?;
            int(PGM_PEER_EXPIRY, secs(300))?;
            int(PGM_SPMR_EXPIRY, msecs(25))?;
            int(PGM_NAK_BO_IVL, msecs(50))?;
            int(PGM_NAK_RPT_IVL, msecs(200))?;
            int(PGM_NAK_RDATA_IVL, msecs(200))?;
            int(PGM_NAK_DATA_RETRIES, 50)?;
            int(PGM_NAK_NCF_RETRIES, 50)?;
        } else {
            int(PGM_SEND_ONLY, 1)?;
            int(
                PGM_ODATA_MAX_RTE,
                ((i64::from(cfg.rate) * 1000) / 8).min(i64::from(c_int::MAX)) as c_int,
            )?;
            int(PGM_TXW_SQNS, cfg.window_packets())?;
            int(PGM_AMBIENT_SPM, secs(30))?;
            let heartbeat: [c_int; 9] = [
                msecs(100),
                msecs(100),
                msecs(100),
                msecs(100),
                msecs(1300),
                secs(7),
                secs(16),
                secs(25),
                secs(30),
            ];
            self.set(IPPROTO_PGM, PGM_HEARTBEAT_SPM, &heartbeat)?;
        }

        // A random global session id, the data-destination port, a random source port.
        let mut seed = [0u8; 8];
        {
            use crypto_box::aead::rand_core::RngCore;
            crypto_box::aead::OsRng
                .try_fill_bytes(&mut seed)
                .map_err(|_| Errno::EINVAL)?;
        }
        let mut addr = PgmSockaddr {
            sa_port: cfg.port,
            sa_addr: Tsi {
                gsi: [0; 6],
                sport: 0,
            },
        };
        // SAFETY: a 6-byte gsi to fill from 8 bytes of input.
        if !unsafe {
            (self.api.pgm_gsi_create_from_data)(&mut addr.sa_addr.gsi, seed.as_ptr(), seed.len())
        } {
            return Err(Errno::EINVAL);
        }
        let first = &network.recv_addrs()[0];
        let scope_id = if c_int::from(family) == libc::AF_INET6 {
            // SAFETY: an AF_INET6 group address is a sockaddr_in6 in its storage.
            unsafe { (*(&first.gsr_group as *const _ as *const libc::sockaddr_in6)).sin6_scope_id }
        } else {
            0
        };
        // SAFETY: all-zero is a valid sockaddr_storage.
        let ir_address = unsafe { std::mem::zeroed() };
        let interface = InterfaceReq {
            ir_interface: first.gsr_interface,
            ir_scope_id: scope_id,
            ir_address,
        };
        let mut err = ptr::null_mut();
        let if_len = size_of::<InterfaceReq>() as libc::socklen_t;
        // SAFETY: the socket, an address and two interface requests of the stated
        // sizes, all alive for the call, and an error out-pointer.
        let ok = unsafe {
            (self.api.pgm_bind3)(
                self.sock.as_ptr(),
                &addr,
                size_of::<PgmSockaddr>() as libc::socklen_t,
                &interface,
                if_len,
                &interface,
                if_len,
                &mut err,
            )
        };
        free_error(self.api, err);
        if !ok {
            return Err(Errno::EINVAL);
        }
        for group in network.recv_addrs() {
            self.set_raw(
                IPPROTO_PGM,
                PGM_JOIN_GROUP,
                group as *const _ as *const c_void,
                GROUP_REQ_SIZE,
            )?;
        }
        let send = network.send_addr();
        self.set_raw(
            IPPROTO_PGM,
            PGM_SEND_GROUP,
            send as *const _ as *const c_void,
            GROUP_REQ_SIZE,
        )?;

        // As libzmq: no multicast loop (a sender on this host is not heard here), the
        // hop limit, Expedited Forwarding where IPv4 allows it, non-blocking.
        int(PGM_MULTICAST_LOOP, 0)?;
        int(PGM_MULTICAST_HOPS, cfg.multicast_hops)?;
        if c_int::from(family) != libc::AF_INET6 {
            let _ = int(PGM_TOS, 0x2e << 2);
        }
        int(PGM_NOBLOCK, 1)?;
        let mut err = ptr::null_mut();
        // SAFETY: a bound socket and an error out-pointer.
        let ok = unsafe { (self.api.pgm_connect)(self.sock.as_ptr(), &mut err) };
        free_error(self.api, err);
        if ok {
            Ok(())
        } else {
            Err(Errno::EINVAL)
        }
    }

    fn set<T>(&self, level: c_int, name: c_int, value: &T) -> Result<()> {
        self.set_raw(
            level,
            name,
            value as *const T as *const c_void,
            size_of::<T>(),
        )
    }

    fn set_raw(&self, level: c_int, name: c_int, value: *const c_void, len: usize) -> Result<()> {
        // SAFETY: `value` points to `len` readable bytes of the type the option takes
        // (callers pass an int, an int array or a group request).
        let ok = unsafe {
            (self.api.pgm_setsockopt)(
                self.sock.as_ptr(),
                level,
                name,
                value,
                len as libc::socklen_t,
            )
        };
        if ok {
            Ok(())
        } else {
            Err(Errno::EINVAL)
        }
    }

    fn get<T: Copy>(&self, name: c_int, mut value: T) -> Option<T> {
        let mut len = size_of::<T>() as libc::socklen_t;
        // SAFETY: `value` is writable for `len` bytes of the type the option gives
        // (an int or a timeval); the library checks the length.
        let ok = unsafe {
            (self.api.pgm_getsockopt)(
                self.sock.as_ptr(),
                IPPROTO_PGM,
                name,
                &mut value as *mut T as *mut c_void,
                &mut len,
            )
        };
        (ok && len as usize == size_of::<T>()).then_some(value)
    }

    /// The descriptors to wait on for reading, and (a sender's) for writing.
    pub fn descriptors(&self) -> (Vec<RawFd>, Option<RawFd>) {
        let fd = |name| self.get::<c_int>(name, -1).filter(|&fd| fd >= 0);
        let mut read: Vec<RawFd> = [PGM_RECV_SOCK, PGM_PENDING_SOCK]
            .into_iter()
            .filter_map(fd)
            .collect();
        if self.receiver {
            return (read, None);
        }
        read.extend(fd(PGM_REPAIR_SOCK));
        (read, fd(PGM_SEND_SOCK))
    }

    /// The largest APDU that goes out unfragmented (`PGM_MSS`).
    pub fn max_tsdu(&self) -> usize {
        self.get::<c_int>(PGM_MSS, 0).unwrap_or(0).max(0) as usize
    }

    fn remaining(&self, name: c_int) -> Duration {
        let tv = self.get(
            name,
            libc::timeval {
                tv_sec: 0,
                tv_usec: 0,
            },
        );
        tv.map_or(Duration::from_millis(1), |tv| {
            Duration::from_secs(tv.tv_sec.max(0) as u64)
                + Duration::from_micros(tv.tv_usec.max(0) as u64)
        })
    }

    /// Sends one APDU (at most [`max_tsdu`](Self::max_tsdu) bytes: one packet).
    pub fn send(&mut self, apdu: &[u8]) -> Sent {
        let mut sent = 0usize;
        // SAFETY: `apdu` is readable for its length; an out-pointer for the count.
        let status = unsafe {
            (self.api.pgm_send)(
                self.sock.as_ptr(),
                apdu.as_ptr() as *const c_void,
                apdu.len(),
                &mut sent,
            )
        };
        match status {
            PGM_IO_STATUS_NORMAL => Sent::All,
            PGM_IO_STATUS_RATE_LIMITED => Sent::RateLimited(self.remaining(PGM_RATE_REMAIN)),
            // Would block, congestion, or an error the next writable event retries.
            _ => Sent::WouldBlock,
        }
    }

    /// Receives one APDU, handed to `data` as its fragments (valid for the call only)
    /// with its source; also runs the library's timers (NAKs, SPMs, repairs), so a
    /// sender calls it too, for the NAKs it must answer.
    pub fn recv(&mut self, data: impl FnOnce(Tsi, &[&[u8]])) -> Received {
        let mut msgv = MsgV {
            msgv_len: 0,
            msgv_skb: [ptr::null_mut(); PGM_MAX_FRAGMENTS],
        };
        let mut bytes = 0usize;
        let mut err = ptr::null_mut();
        // SAFETY: one msgv to fill, out-pointers for the count and the error.
        // MSG_ERRQUEUE asks for the lost source of a reset in the msgv (libzmq's way).
        let status = unsafe {
            (self.api.pgm_recvmsg)(
                self.sock.as_ptr(),
                &mut msgv,
                libc::MSG_ERRQUEUE,
                &mut bytes,
                &mut err,
            )
        };
        free_error(self.api, err);
        let n = (msgv.msgv_len as usize).min(PGM_MAX_FRAGMENTS);
        match status {
            PGM_IO_STATUS_NORMAL if n > 0 => {
                let mut tsi = None;
                let fragments: Vec<&[u8]> = msgv.msgv_skb[..n]
                    .iter()
                    .filter(|skb| !skb.is_null())
                    .map(|&skb| {
                        // SAFETY: the receive window's buffers, valid until the next
                        // call on this socket; `data` points at `len` bytes.
                        let skb = unsafe { &*skb };
                        tsi.get_or_insert(skb.tsi);
                        if skb.data.is_null() {
                            &[][..]
                        } else {
                            // SAFETY: as above.
                            unsafe {
                                std::slice::from_raw_parts(
                                    skb.data as *const u8,
                                    usize::from(skb.len),
                                )
                            }
                        }
                    })
                    .collect();
                if let Some(tsi) = tsi {
                    data(tsi, &fragments);
                }
                Received::Data
            }
            PGM_IO_STATUS_RESET if n > 0 && !msgv.msgv_skb[0].is_null() => {
                let skb = msgv.msgv_skb[0];
                // SAFETY: the reset's own buffer, which the library gave us to free:
                // read its source, then drop our reference as pgm_free_skb does.
                let tsi = unsafe { (*skb).tsi };
                // SAFETY: as above; `users` is the buffer's atomic reference count.
                let last = unsafe {
                    std::sync::atomic::AtomicU32::from_ptr(ptr::addr_of_mut!((*skb).users))
                        .fetch_sub(1, std::sync::atomic::Ordering::AcqRel)
                };
                if last == 1 {
                    // SAFETY: the last reference to a buffer the library allocated.
                    unsafe { (self.api.pgm_free)(skb as *mut c_void) };
                }
                Received::Lost(tsi)
            }
            PGM_IO_STATUS_TIMER_PENDING => Received::After(self.remaining(PGM_TIME_REMAIN)),
            PGM_IO_STATUS_RATE_LIMITED => Received::After(self.remaining(PGM_RATE_REMAIN)),
            PGM_IO_STATUS_WOULD_BLOCK => Received::WouldBlock,
            // An error (or an empty reset): nothing to hand on; the next event retries.
            _ => Received::WouldBlock,
        }
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        // SAFETY: our socket, closed once; a sender flushes (a final SPM), as libzmq's
        // destructor asks.
        unsafe { (self.api.pgm_close)(self.sock.as_ptr(), true) };
    }
}

impl Tsi {
    /// The bytes that identify a source.
    pub fn key(&self) -> [u8; 8] {
        let mut k = [0u8; 8];
        k[..6].copy_from_slice(&self.gsi);
        k[6..].copy_from_slice(&self.sport.to_ne_bytes());
        k
    }
}
