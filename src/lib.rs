//! libzmq-rs: a memory-safe Rust engine behind the libzmq 4.3.5 C ABI.
//!
//! Layers, top to bottom (see `docs/ARCHITECTURE.md`): `ffi` is the C skin; `msg` is the
//! message value behind `zmq_msg_t`; `constants` is the table `zmq.h` is generated from.
//!
//! Policy, held by the compiler: `unsafe` only in the modules marked below (the C skin,
//! the message value and its memory, the pipes' queue, the handle slots, and `sys`,
//! which wraps every libc call), each block with a `// SAFETY:` comment. Modules are
//! crate-private, so dead code shows, except the C API (`ffi`, `constants`) and the
//! parsers and state machines the fuzz targets drive (`fuzz/`), public but hidden.

#![deny(unsafe_code, unsafe_op_in_unsafe_fn, rust_2018_idioms)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod constants;
pub(crate) mod ctext;
pub(crate) mod ctx;
#[doc(hidden)]
pub mod curve_keys;
pub(crate) mod diag;
pub(crate) mod error;
#[allow(unsafe_code)]
pub mod ffi;
#[allow(unsafe_code)]
pub(crate) mod handle;
pub(crate) mod inproc;
pub(crate) mod io;
pub(crate) mod mailbox;
pub(crate) mod metadata;
pub(crate) mod monitor;
#[allow(unsafe_code)]
#[doc(hidden)]
pub mod msg;
pub(crate) mod options;
#[doc(hidden)]
pub mod pattern;
pub(crate) mod pipe;
#[allow(unsafe_code)]
pub(crate) mod pool;
pub(crate) mod proxy;
pub(crate) mod session;
pub(crate) mod signaler;
#[doc(hidden)]
pub mod socket;
#[allow(unsafe_code)]
pub(crate) mod spsc;
#[allow(unsafe_code)]
pub(crate) mod sys;
pub(crate) mod timers;
#[doc(hidden)]
pub mod transport;
#[doc(hidden)]
pub mod z85;
#[doc(hidden)]
pub mod zmtp;
