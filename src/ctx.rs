//! The context: options, the registry of live sockets, its inproc endpoints
//! (`crate::inproc`), I/O threads, termination.
//!
//! `zmq_ctx_term` marks the context terminating, tells every socket (their blocking
//! calls return ETERM), then waits until the application has closed them all.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use crate::constants::*;
use crate::error::{Errno, Result};
use crate::inproc::Inproc;
use crate::io::IoThread;
use crate::mailbox::Mailbox;
use crate::options::{self, option_table, OptVal};

/// `ZMQ_SOCKET_LIMIT`: the largest ZMQ_MAX_SOCKETS accepted.
const SOCKET_LIMIT: i32 = 65535;

/// `ZMQ_ZERO_COPY_RECV`: `zmq.h` declares it only with the draft API, but libzmq's
/// contexts handle it in every build (its `zmq_draft.h`).
const ZERO_COPY_RECV: i32 = 10;

option_table! {
    /// The context's options (`zmq_ctx_set`/`zmq_ctx_get`), with libzmq's defaults: ints
    /// of exactly `sizeof(int)` bytes both ways, but for `ZMQ_THREAD_NAME_PREFIX`.
    #[derive(Debug, Clone)]
    pub struct CtxOptions;
    fn new();
    fields {
        // field: type = default => option: set (rule), get (rule);
        io_threads: i32 = ZMQ_IO_THREADS_DFLT => ZMQ_IO_THREADS: set (int(0..)), get (int);
        max_sockets: i32 = ZMQ_MAX_SOCKETS_DFLT
            => ZMQ_MAX_SOCKETS: set (int(1..)), get (int);
        ipv6: bool = false => ZMQ_IPV6: set (nonnegative_bool), get (bool);
        blocky: bool = true => ZMQ_BLOCKY: set (nonnegative_bool), get (bool);
        max_msgsz: i32 = i32::MAX => ZMQ_MAX_MSGSZ: set (int(0..)), get (int);
        zero_copy: bool = true => ZERO_COPY_RECV: set (nonnegative_bool), get (bool);
        /// `ZMQ_THREAD_PRIORITY` shares its number with `ZMQ_SOCKET_LIMIT`: as in
        /// libzmq, set is the priority (which cannot be read back) and get the limit.
        thread_priority: i32 = ZMQ_THREAD_PRIORITY_DFLT
            => ZMQ_THREAD_PRIORITY: set (int(0..)), get (by(get_socket_limit));
        thread_sched_policy: i32 = ZMQ_THREAD_SCHED_POLICY_DFLT
            => ZMQ_THREAD_SCHED_POLICY: set (int(0..)), get (int);
        /// `ZMQ_THREAD_AFFINITY_CPU_ADD` (and `_REMOVE`, in `others`); set only.
        thread_affinity_cpus: BTreeSet<i32> = BTreeSet::new()
            => ZMQ_THREAD_AFFINITY_CPU_ADD: set (insert(0..)), get (none);
        /// `ZMQ_THREAD_NAME_PREFIX`: an int (kept as its decimal text) or 1..=16 bytes.
        thread_name_prefix: Vec<u8> = Vec::new()
            => ZMQ_THREAD_NAME_PREFIX: set (by(set_thread_name_prefix)),
            get (by(get_thread_name_prefix));
    }
    others {
        ZMQ_THREAD_AFFINITY_CPU_REMOVE: set (by(remove_thread_affinity_cpu)), get (none);
        ZMQ_MSG_T_SIZE: set (none), get (by(get_msg_t_size));
    }
}

impl Default for CtxOptions {
    fn default() -> Self {
        CtxOptions::new()
    }
}

fn get_socket_limit(_: &CtxOptions, out: &mut [u8]) -> Result<usize> {
    options::get::int(out, &SOCKET_LIMIT)
}

/// An int of 0 or more that is in the set (else `EINVAL`) leaves it.
fn remove_thread_affinity_cpu(o: &mut CtxOptions, val: OptVal<'_>) -> Result<()> {
    let mut cpu = 0;
    options::set::int(&mut cpu, val, 0..)?;
    if !o.thread_affinity_cpus.remove(&cpu) {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

/// A 4-byte value is an int, kept as its decimal text; anything else is the prefix's
/// bytes, 1..=16 of them.
fn set_thread_name_prefix(o: &mut CtxOptions, val: OptVal<'_>) -> Result<()> {
    o.thread_name_prefix = match val.int() {
        Some(v) => v.to_string().into_bytes(),
        None => {
            let value = val.bytes()?;
            if value.is_empty() || value.len() > 16 {
                return Err(Errno::EINVAL);
            }
            value.to_vec()
        }
    };
    Ok(())
}

fn get_thread_name_prefix(o: &CtxOptions, out: &mut [u8]) -> Result<usize> {
    let p = &o.thread_name_prefix;
    if out.len() == 4 {
        // As an int: the prefix's numeric value (libzmq uses atoi).
        return options::get::int(out, &crate::ctext::atoi(p));
    }
    // As libzmq: the prefix's bytes at the start of the buffer, the rest of it untouched
    // and the length left as the caller gave it.
    if out.len() < p.len() {
        return Err(Errno::EINVAL);
    }
    out[..p.len()].copy_from_slice(p);
    Ok(out.len())
}

/// zmq_msg_t holds a Msg, byte for byte (checked in ffi::types).
fn get_msg_t_size(_: &CtxOptions, out: &mut [u8]) -> Result<usize> {
    options::get::int(out, &(std::mem::size_of::<crate::msg::Msg>() as i32))
}

/// What the context needs of a socket: to tell it the context is terminating.
pub trait Stop: Send + Sync + std::fmt::Debug {
    fn stop(&self);
}

#[derive(Debug, Default)]
struct State {
    opts: CtxOptions,
    /// Started with the first tcp/ipc endpoint; ZMQ_IO_THREADS of them.
    io: Vec<IoThread>,
    next_io: usize,
    terminating: bool,
    next_socket_id: u64,
    /// ZMQ_MAX_SOCKETS as it was when the first socket was made: libzmq sizes its
    /// socket table then, and later changes of the option do not resize it.
    socket_limit: Option<i32>,
    sockets: HashMap<u64, Arc<dyn Stop>>,
}

#[derive(Debug)]
pub struct Ctx {
    state: Mutex<State>,
    /// The inproc endpoints bound in this context (the ZAP handler's among them).
    inproc: Arc<Inproc>,
    all_closed: Condvar,
    /// The process that made the context: a child of `fork` inherits the context but
    /// not its I/O threads.
    pid: u32,
}

impl Ctx {
    pub fn new() -> Arc<Ctx> {
        Arc::new(Ctx {
            state: Mutex::default(),
            inproc: Arc::default(),
            all_closed: Condvar::new(),
            pid: std::process::id(),
        })
    }

    /// This is a forked child's copy of its parent's context. As libzmq allows, the
    /// child may close the sockets and terminate the context, which then leaves the
    /// (absent) I/O threads alone.
    pub fn forked(&self) -> bool {
        self.pid != std::process::id()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn options(&self) -> CtxOptions {
        self.lock().opts.clone()
    }

    /// `zmq_ctx_set` / `zmq_ctx_set_ext`: `value` is the option's bytes.
    pub fn set(&self, option: i32, value: &[u8]) -> Result<()> {
        let val = OptVal::new(Some(value), value.len())?;
        self.lock().opts.set_value(option, val)
    }

    /// `zmq_ctx_get` / `zmq_ctx_get_ext`: writes into `out`, returns the length written.
    pub fn get(&self, option: i32, out: &mut [u8]) -> Result<usize> {
        self.lock().opts.get_value(option, out)
    }

    /// Registers a new socket; ETERM once terminating, EMFILE past ZMQ_MAX_SOCKETS.
    pub fn add_socket(&self, mailbox: Arc<dyn Stop>) -> Result<u64> {
        let mut st = self.lock();
        if st.terminating {
            return Err(Errno::ETERM);
        }
        let max_sockets = st.opts.max_sockets;
        let limit = *st.socket_limit.get_or_insert(max_sockets);
        if st.sockets.len() >= limit as usize {
            return Err(Errno::EMFILE);
        }
        st.next_socket_id += 1;
        let id = st.next_socket_id;
        st.sockets.insert(id, mailbox);
        Ok(id)
    }

    /// Forgets a closed socket and its inproc bindings; wakes a waiting `zmq_ctx_term`.
    pub fn remove_socket(&self, id: u64) {
        let mut st = self.lock();
        st.sockets.remove(&id);
        self.inproc.forget_socket(id);
        if st.sockets.is_empty() {
            self.all_closed.notify_all();
        }
    }

    /// `zmq_ctx_shutdown`: every socket's blocking calls return ETERM from now on.
    pub fn shutdown(&self) {
        let mut st = self.lock();
        if !st.terminating {
            st.terminating = true;
            for mb in st.sockets.values() {
                mb.stop();
            }
        }
    }

    /// `zmq_ctx_term`: shuts down, then waits for the application to close every socket.
    pub fn terminate(&self) {
        self.shutdown();
        let mut st = self.lock();
        while !st.sockets.is_empty() {
            st = self.all_closed.wait(st).unwrap_or_else(|e| e.into_inner());
        }
        // Connections that never met a binder die with the context.
        self.inproc.clear();
        let io = std::mem::take(&mut st.io);
        drop(st);
        if self.forked() {
            // Their threads exist in the parent only; joining them here would fail.
            std::mem::forget(io);
            return;
        }
        // I/O threads finish lingering connections, then exit.
        for t in io {
            t.shutdown();
        }
    }

    /// The mailbox of the I/O thread for a new endpoint, starting the threads on first
    /// use: one of those the socket's ZMQ_AFFINITY bitmap allows (bit i: thread i; 0:
    /// any), in turn. EMTHREAD when ZMQ_IO_THREADS is 0 or the bitmap names no thread,
    /// as libzmq's `choose_io_thread`.
    pub fn io_mailbox(&self, affinity: u64) -> Result<Arc<Mailbox<crate::io::Command>>> {
        let mut st = self.lock();
        if st.io.is_empty() {
            let n = st.opts.io_threads;
            if n <= 0 {
                return Err(Errno::EMTHREAD);
            }
            for i in 0..n {
                let name = format!(
                    "{}ZMQbg/IO/{i}",
                    String::from_utf8_lossy(&st.opts.thread_name_prefix)
                );
                let scheduling = crate::io::Scheduling {
                    policy: st.opts.thread_sched_policy,
                    priority: st.opts.thread_priority,
                    cpus: st.opts.thread_affinity_cpus.iter().copied().collect(),
                };
                st.io.push(IoThread::spawn(&name, scheduling)?);
            }
        }
        let n = st.io.len();
        let allowed = |i: usize| affinity == 0 || (i < 64 && affinity & (1u64 << i) != 0);
        let start = st.next_io;
        let i = (0..n)
            .map(|k| (start + k) % n)
            .find(|&i| allowed(i))
            .ok_or(Errno::EMTHREAD)?;
        st.next_io = i + 1;
        Ok(st.io[i].mailbox().clone())
    }

    /// The context's inproc endpoints.
    pub fn inproc(&self) -> &Arc<Inproc> {
        &self.inproc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(v: i32) -> [u8; 4] {
        v.to_ne_bytes()
    }

    #[test]
    fn options_follow_libzmq_rules() {
        let ctx = Ctx::new();
        let mut out = [0u8; 4];
        ctx.get(ZMQ_IO_THREADS, &mut out).unwrap();
        assert_eq!(i32::from_ne_bytes(out), 1);
        ctx.get(ZMQ_MAX_SOCKETS, &mut out).unwrap();
        assert_eq!(i32::from_ne_bytes(out), 1023);
        assert_eq!(ctx.set(ZMQ_MAX_SOCKETS, &int(0)), Err(Errno::EINVAL));
        assert_eq!(ctx.set(ZMQ_IO_THREADS, &[1, 0]), Err(Errno::EINVAL));
        ctx.set(ZMQ_BLOCKY, &int(0)).unwrap();
        ctx.get(ZMQ_BLOCKY, &mut out).unwrap();
        assert_eq!(out, int(0));
        assert_eq!(
            ctx.set(ZMQ_THREAD_AFFINITY_CPU_REMOVE, &int(3)),
            Err(Errno::EINVAL)
        );
        ctx.set(ZMQ_THREAD_NAME_PREFIX, &int(42)).unwrap();
        ctx.get(ZMQ_THREAD_NAME_PREFIX, &mut out).unwrap();
        assert_eq!(out, int(42));
        ctx.get(ZMQ_MSG_T_SIZE, &mut out).unwrap();
        assert_eq!(out, int(64));
        assert_eq!(ctx.get(9999, &mut out), Err(Errno::EINVAL));
    }

    #[test]
    fn option_quirks() {
        let ctx = Ctx::new();
        let mut out = [0u8; 4];
        // Number 3 is ZMQ_THREAD_PRIORITY to set and ZMQ_SOCKET_LIMIT to get.
        ctx.set(ZMQ_THREAD_PRIORITY, &int(5)).unwrap();
        ctx.get(ZMQ_SOCKET_LIMIT, &mut out).unwrap();
        assert_eq!(out, int(65535));
        assert_eq!(ctx.options().thread_priority, 5);
        // Booleans take any int of 0 or more.
        ctx.set(ZMQ_IPV6, &int(7)).unwrap();
        ctx.get(ZMQ_IPV6, &mut out).unwrap();
        assert_eq!(out, int(1));
        assert_eq!(ctx.set(ZMQ_BLOCKY, &int(-1)), Err(Errno::EINVAL));
        // Int options want exactly sizeof(int) both ways.
        assert_eq!(ctx.get(ZMQ_IO_THREADS, &mut [0u8; 8]), Err(Errno::EINVAL));
        assert_eq!(ctx.set(ZMQ_MSG_T_SIZE, &int(64)), Err(Errno::EINVAL));
        // The prefix as bytes: written at the start, the rest and the length untouched.
        ctx.set(ZMQ_THREAD_NAME_PREFIX, b"app").unwrap();
        let mut name = [0xAAu8; 8];
        assert_eq!(ctx.get(ZMQ_THREAD_NAME_PREFIX, &mut name), Ok(8));
        assert_eq!(name, *b"app\xAA\xAA\xAA\xAA\xAA");
        assert_eq!(
            ctx.set(ZMQ_THREAD_NAME_PREFIX, &[b'a'; 17]),
            Err(Errno::EINVAL)
        );
        // CPUs are added and removed once each.
        ctx.set(ZMQ_THREAD_AFFINITY_CPU_ADD, &int(1)).unwrap();
        ctx.set(ZMQ_THREAD_AFFINITY_CPU_REMOVE, &int(1)).unwrap();
        assert_eq!(
            ctx.set(ZMQ_THREAD_AFFINITY_CPU_REMOVE, &int(1)),
            Err(Errno::EINVAL)
        );
        assert_eq!(
            ctx.get(ZMQ_THREAD_AFFINITY_CPU_ADD, &mut out),
            Err(Errno::EINVAL)
        );
    }

    #[test]
    fn max_sockets_and_termination() {
        let ctx = Ctx::new();
        ctx.set(ZMQ_MAX_SOCKETS, &int(1)).unwrap();
        #[derive(Debug, Default)]
        struct Stopped(std::sync::atomic::AtomicBool);
        impl Stop for Stopped {
            fn stop(&self) {
                self.0.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
        let sock = Arc::new(Stopped::default());
        let id = ctx.add_socket(sock.clone()).unwrap();
        assert_eq!(ctx.add_socket(sock.clone()), Err(Errno::EMFILE));
        ctx.shutdown();
        assert!(sock.0.load(std::sync::atomic::Ordering::SeqCst));
        assert_eq!(ctx.add_socket(sock), Err(Errno::ETERM));
        ctx.remove_socket(id);
        ctx.terminate();
    }
}
