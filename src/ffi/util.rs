//! libzmq's utility API: Z85, CURVE key pairs, atomic counters, timers, stopwatches, sleep
//! and threads. The logic lives in `crate::z85`, `crate::curve_keys` and `crate::timers`;
//! this file checks pointers and converts errors.
//!
//! Where libzmq dereferences a NULL argument (and crashes), these functions fail instead:
//! `EINVAL` for the Z85 and CURVE functions (their documented error), `EFAULT` elsewhere,
//! and the `*_destroy`/close functions ignore NULL.

use std::ffi::{c_char, c_int, c_long, c_ulong, c_void};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use super::{cstr, fail, set_errno, status};
use crate::curve_keys::{self, KEY_SIZE, Z85_KEY_LEN};
use crate::error::{Errno, Result};
use crate::timers::Timers;
use crate::z85;

// ---------------------------------------------------------------------------------------
// Z85

#[no_mangle]
pub unsafe extern "C" fn zmq_z85_encode(
    dest: *mut c_char,
    data: *const u8,
    size: usize,
) -> *mut c_char {
    if !size.is_multiple_of(4) || dest.is_null() || (data.is_null() && size != 0) {
        return fail(Errno::EINVAL, std::ptr::null_mut());
    }
    let Some(text_len) = (size / 4).checked_mul(5) else {
        return fail(Errno::EINVAL, std::ptr::null_mut());
    };
    let input: &[u8] = if size == 0 {
        &[]
    } else {
        // SAFETY: non-NULL, and `data` covers `size` bytes (caller contract).
        unsafe { std::slice::from_raw_parts(data, size) }
    };
    // SAFETY: non-NULL, and `dest` holds size * 5 / 4 + 1 writable bytes (caller contract),
    // which do not overlap `data`.
    let out = unsafe { std::slice::from_raw_parts_mut(dest as *mut u8, text_len + 1) };
    if let Err(e) = z85::encode_into(input, &mut out[..text_len]) {
        return fail(e, std::ptr::null_mut());
    }
    out[text_len] = 0;
    dest
}

#[no_mangle]
pub unsafe extern "C" fn zmq_z85_decode(dest: *mut u8, string: *const c_char) -> *mut u8 {
    // SAFETY: `string` is NULL or NUL-terminated (caller contract).
    let Some(text) = (unsafe { cstr(string) }) else {
        return fail(Errno::EINVAL, std::ptr::null_mut());
    };
    let text = text.to_bytes();
    if dest.is_null() || text.is_empty() || !text.len().is_multiple_of(5) {
        return fail(Errno::EINVAL, std::ptr::null_mut());
    }
    // SAFETY: non-NULL, and `dest` holds strlen(string) * 4 / 5 writable bytes (caller
    // contract), which do not overlap `string`.
    let out = unsafe { std::slice::from_raw_parts_mut(dest, z85::decoded_len(text.len())) };
    match z85::decode_into(text, out) {
        Ok(()) => dest,
        Err(e) => fail(e, std::ptr::null_mut()),
    }
}

// ---------------------------------------------------------------------------------------
// CURVE keys

/// Writes `key` as 40 Z85 characters and a NUL to `dest`.
///
/// # Safety
/// `dest` is non-NULL and points at 41 writable bytes.
unsafe fn write_z85_key(dest: *mut c_char, key: &[u8; KEY_SIZE]) {
    let text = curve_keys::key_to_z85(key);
    // SAFETY: 41 writable bytes at `dest` (caller contract); `text` is a local array.
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), dest as *mut u8, Z85_KEY_LEN);
        *dest.add(Z85_KEY_LEN) = 0;
    }
}

#[no_mangle]
pub unsafe extern "C" fn zmq_curve_keypair(
    z85_public_key: *mut c_char,
    z85_secret_key: *mut c_char,
) -> c_int {
    if z85_public_key.is_null() || z85_secret_key.is_null() {
        return fail(Errno::EINVAL, -1);
    }
    status(curve_keys::keypair().map(|(public, secret)| {
        // SAFETY: both non-NULL and 41 bytes long (zmq_curve_keypair's contract).
        unsafe {
            write_z85_key(z85_public_key, &public);
            write_z85_key(z85_secret_key, &secret);
        }
        0
    }))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_curve_public(
    z85_public_key: *mut c_char,
    z85_secret_key: *const c_char,
) -> c_int {
    // SAFETY: `z85_secret_key` is NULL or NUL-terminated (caller contract).
    let secret_text = unsafe { cstr(z85_secret_key) };
    let (Some(secret_text), false) = (secret_text, z85_public_key.is_null()) else {
        return fail(Errno::EINVAL, -1);
    };
    // libzmq decodes whatever Z85 text it is given into its 32-byte key buffer: a
    // shorter text fills only the start (the rest is zero here, stack garbage there); a
    // longer one would overrun it, and is refused.
    let text = secret_text.to_bytes();
    let secret = if text.len() < Z85_KEY_LEN {
        let mut key = [0u8; KEY_SIZE];
        if text.is_empty() || !text.len().is_multiple_of(5) {
            Err(Errno::EINVAL)
        } else {
            z85::decode_into(text, &mut key[..z85::decoded_len(text.len())]).map(|()| key)
        }
    } else {
        curve_keys::key_from_z85(text)
    };
    status(secret.map(|secret| {
        let public = curve_keys::public_from_secret(&secret);
        // SAFETY: non-NULL and 41 bytes long (zmq_curve_public's contract).
        unsafe { write_z85_key(z85_public_key, &public) };
        0
    }))
}

// ---------------------------------------------------------------------------------------
// Atomic counters: a boxed AtomicI32 (libzmq's is a uint32_t; two's complement makes the
// int results identical).

/// # Safety
/// `counter` is NULL or came from `zmq_atomic_counter_new` and is not destroyed.
unsafe fn counter_ref<'a>(counter: *mut c_void) -> Option<&'a AtomicI32> {
    // SAFETY: a non-NULL counter is a live Box<AtomicI32> (caller contract); shared use
    // from many threads is what atomics are for.
    (!counter.is_null()).then(|| unsafe { &*(counter as *const AtomicI32) })
}

#[no_mangle]
pub extern "C" fn zmq_atomic_counter_new() -> *mut c_void {
    Box::into_raw(Box::new(AtomicI32::new(0))) as *mut c_void
}

#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_set(counter: *mut c_void, value: c_int) {
    // SAFETY: forwarded caller contract.
    match unsafe { counter_ref(counter) } {
        Some(c) => c.store(value, Ordering::SeqCst),
        None => set_errno(Errno::EFAULT),
    }
}

/// Adds one; returns the value before.
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_inc(counter: *mut c_void) -> c_int {
    // SAFETY: forwarded caller contract.
    match unsafe { counter_ref(counter) } {
        Some(c) => c.fetch_add(1, Ordering::AcqRel),
        None => fail(Errno::EFAULT, -1),
    }
}

/// Subtracts one; returns 1 if the result is non-zero, 0 if it is zero (as libzmq: a
/// counter that goes from 0 to -1 also gives 1).
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_dec(counter: *mut c_void) -> c_int {
    // SAFETY: forwarded caller contract.
    match unsafe { counter_ref(counter) } {
        Some(c) => (c.fetch_sub(1, Ordering::AcqRel).wrapping_sub(1) != 0) as c_int,
        None => fail(Errno::EFAULT, -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_value(counter: *mut c_void) -> c_int {
    // SAFETY: forwarded caller contract.
    match unsafe { counter_ref(counter) } {
        Some(c) => c.load(Ordering::SeqCst),
        None => fail(Errno::EFAULT, -1),
    }
}

#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_destroy(counter_p: *mut *mut c_void) {
    if counter_p.is_null() {
        return;
    }
    // SAFETY: non-NULL pointer to the caller's handle variable.
    let counter = unsafe { std::ptr::replace(counter_p, std::ptr::null_mut()) };
    if !counter.is_null() {
        // SAFETY: came from Box::into_raw in zmq_atomic_counter_new, destroyed once.
        drop(unsafe { Box::from_raw(counter as *mut AtomicI32) });
    }
}

// ---------------------------------------------------------------------------------------
// Timers

type TimerFn = unsafe extern "C" fn(c_int, *mut c_void);

#[derive(Clone, Copy)]
struct TimerCallback {
    handler: TimerFn,
    arg: *mut c_void,
}

const TIMERS_TAG: u32 = 0xCAFE_DADA;
const TIMERS_DEAD: u32 = 0xDEAD_BEEF;

/// What a `zmq_timers_new` handle points at. The leading tag tells a live timer set from
/// anything else, as libzmq's does: a function given some other pointer fails with EFAULT.
#[repr(C)]
struct TimersHandle {
    tag: u32,
    timers: Timers<TimerCallback>,
}

/// Borrows the timer set behind a handle; EFAULT for NULL or a pointer without the tag.
///
/// Only shared borrows are ever made (Timers mutates through a RefCell), so a handler
/// that calls back into the same handle while `zmq_timers_execute` runs is sound.
///
/// # Safety
/// `p` is NULL or points at 4 readable bytes, and at a live `TimersHandle` if they hold
/// the tag.
unsafe fn timers_ref<'a>(p: *mut c_void) -> Result<&'a Timers<TimerCallback>> {
    if p.is_null() {
        return Err(Errno::EFAULT);
    }
    // SAFETY: at least 4 readable bytes at `p` (caller contract); unaligned read because
    // the pointer may be anything.
    let tag = unsafe { (p as *const u32).read_unaligned() };
    if tag != TIMERS_TAG {
        return Err(Errno::EFAULT);
    }
    // SAFETY: the tag marks a live TimersHandle made by zmq_timers_new.
    Ok(unsafe { &(*(p as *const TimersHandle)).timers })
}

#[no_mangle]
pub extern "C" fn zmq_timers_new() -> *mut c_void {
    Box::into_raw(Box::new(TimersHandle {
        tag: TIMERS_TAG,
        timers: Timers::new(),
    })) as *mut c_void
}

#[no_mangle]
pub unsafe extern "C" fn zmq_timers_destroy(timers_p: *mut *mut c_void) -> c_int {
    if timers_p.is_null() {
        return fail(Errno::EFAULT, -1);
    }
    // SAFETY: non-NULL pointer to the caller's handle variable.
    let p = unsafe { *timers_p };
    // SAFETY: forwarded caller contract for the handle.
    match unsafe { timers_ref(p) } {
        Err(e) => return fail(e, -1),
        // Freeing the set under a running zmq_timers_execute would leave it dangling.
        Ok(t) if t.is_executing() => return fail(Errno::EFAULT, -1),
        Ok(_) => {}
    }
    // SAFETY: a live handle from zmq_timers_new that nothing borrows (not executing);
    // the caller's variable is cleared so it is not freed twice through it.
    unsafe {
        let mut handle = Box::from_raw(p as *mut TimersHandle);
        handle.tag = TIMERS_DEAD;
        drop(handle);
        *timers_p = std::ptr::null_mut();
    }
    0
}

#[no_mangle]
pub unsafe extern "C" fn zmq_timers_add(
    timers: *mut c_void,
    interval: usize,
    handler: Option<unsafe extern "C" fn(c_int, *mut c_void)>,
    arg: *mut c_void,
) -> c_int {
    // SAFETY: forwarded caller contract.
    status(unsafe { timers_ref(timers) }.and_then(|t| {
        let handler = handler.ok_or(Errno::EFAULT)?;
        t.add(interval, TimerCallback { handler, arg })
    }))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_timers_cancel(timers: *mut c_void, timer_id: c_int) -> c_int {
    // SAFETY: forwarded caller contract.
    status(
        unsafe { timers_ref(timers) }
            .and_then(|t| t.cancel(timer_id))
            .map(|()| 0),
    )
}

#[no_mangle]
pub unsafe extern "C" fn zmq_timers_set_interval(
    timers: *mut c_void,
    timer_id: c_int,
    interval: usize,
) -> c_int {
    // SAFETY: forwarded caller contract.
    let t = unsafe { timers_ref(timers) };
    status(
        t.and_then(|t| t.set_interval(timer_id, interval))
            .map(|()| 0),
    )
}

#[no_mangle]
pub unsafe extern "C" fn zmq_timers_reset(timers: *mut c_void, timer_id: c_int) -> c_int {
    // SAFETY: forwarded caller contract.
    status(
        unsafe { timers_ref(timers) }
            .and_then(|t| t.reset(timer_id))
            .map(|()| 0),
    )
}

/// Milliseconds until the next timer is due, 0 if one is overdue; -1 with EINVAL (the
/// documented errno) when there are no timers.
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_timeout(timers: *mut c_void) -> c_long {
    // SAFETY: forwarded caller contract.
    match unsafe { timers_ref(timers) } {
        Err(e) => fail(e, -1),
        Ok(t) => match t.timeout() {
            Some(ms) => c_long::try_from(ms).unwrap_or(c_long::MAX),
            None => fail(Errno::EINVAL, -1),
        },
    }
}

#[no_mangle]
pub unsafe extern "C" fn zmq_timers_execute(timers: *mut c_void) -> c_int {
    // SAFETY: forwarded caller contract.
    status(unsafe { timers_ref(timers) }.map(|t| {
        t.execute(|id, cb| {
            // SAFETY: a C function registered with zmq_timers_add, called with the id and
            // the argument it was registered with, as zmq_timer_fn's contract says.
            unsafe { (cb.handler)(id, cb.arg) }
        });
        0
    }))
}

// ---------------------------------------------------------------------------------------
// Stopwatch, sleep

/// # Safety
/// `watch` is NULL or came from `zmq_stopwatch_start` and is not stopped.
unsafe fn elapsed_us(watch: *mut c_void) -> Option<c_ulong> {
    // SAFETY: a non-NULL watch is a live Box<Instant> (caller contract).
    let start = (!watch.is_null()).then(|| unsafe { *(watch as *const Instant) })?;
    Some(c_ulong::try_from(start.elapsed().as_micros()).unwrap_or(c_ulong::MAX))
}

#[no_mangle]
pub extern "C" fn zmq_stopwatch_start() -> *mut c_void {
    Box::into_raw(Box::new(Instant::now())) as *mut c_void
}

/// Microseconds since `zmq_stopwatch_start`.
#[no_mangle]
pub unsafe extern "C" fn zmq_stopwatch_intermediate(watch: *mut c_void) -> c_ulong {
    // SAFETY: forwarded caller contract.
    unsafe { elapsed_us(watch) }.unwrap_or_else(|| fail(Errno::EFAULT, 0))
}

/// Microseconds since `zmq_stopwatch_start`; frees the stopwatch.
#[no_mangle]
pub unsafe extern "C" fn zmq_stopwatch_stop(watch: *mut c_void) -> c_ulong {
    // SAFETY: forwarded caller contract.
    let Some(us) = (unsafe { elapsed_us(watch) }) else {
        return fail(Errno::EFAULT, 0);
    };
    // SAFETY: came from Box::into_raw in zmq_stopwatch_start; stopped once.
    drop(unsafe { Box::from_raw(watch as *mut Instant) });
    us
}

#[no_mangle]
pub extern "C" fn zmq_sleep(seconds: c_int) {
    if let Ok(s) = u64::try_from(seconds) {
        std::thread::sleep(Duration::from_secs(s));
    }
}

// ---------------------------------------------------------------------------------------
// Threads

/// The C function and argument, moved to the new thread.
struct ThreadStart {
    func: unsafe extern "C" fn(*mut c_void),
    arg: *mut c_void,
}

// SAFETY: zmq_threadstart's contract is that `arg` may be used on the new thread.
unsafe impl Send for ThreadStart {}

#[no_mangle]
pub extern "C" fn zmq_threadstart(
    func: Option<unsafe extern "C" fn(*mut c_void)>,
    arg: *mut c_void,
) -> *mut c_void {
    let Some(func) = func else {
        return fail(Errno::EINVAL, std::ptr::null_mut());
    };
    let start = ThreadStart { func, arg };
    let spawned = std::thread::Builder::new()
        .name("ZMQapp".into())
        .spawn(move || {
            let start = start;
            // Like libzmq, the thread takes no signals: they go to the application's threads.
            // SAFETY: sigfillset fills a local set; pthread_sigmask only changes this thread.
            unsafe {
                let mut all: libc::sigset_t = std::mem::zeroed();
                libc::sigfillset(&mut all);
                libc::pthread_sigmask(libc::SIG_BLOCK, &all, std::ptr::null_mut());
            }
            // SAFETY: the caller's zmq_thread_fn, called once with its argument.
            unsafe { (start.func)(start.arg) }
        });
    match spawned {
        Ok(handle) => Box::into_raw(Box::new(handle)) as *mut c_void,
        Err(e) => fail(Errno::from(e), std::ptr::null_mut()),
    }
}

/// Waits for the thread to finish and frees its handle.
#[no_mangle]
pub unsafe extern "C" fn zmq_threadclose(thread: *mut c_void) {
    if thread.is_null() {
        return set_errno(Errno::EFAULT);
    }
    // SAFETY: came from Box::into_raw in zmq_threadstart; closed once.
    let handle = unsafe { Box::from_raw(thread as *mut std::thread::JoinHandle<()>) };
    // The thread only runs C code, which cannot unwind into it; nothing to report.
    let _ = handle.join();
}
