//! libzmq-rs: a memory-safe Rust engine behind the libzmq 4.3.5 C ABI.
//!
//! Layers, top to bottom (see `docs/ARCHITECTURE.md`): `ffi` is the C skin; `msg` is the
//! message value behind `zmq_msg_t`; `constants` is the table `zmq.h` is generated from.

pub mod constants;
mod ctext;
pub mod ctx;
pub mod curve_keys;
pub mod diag;
pub mod error;
pub mod ffi;
pub mod handle;
pub mod inproc;
pub mod io;
pub mod mailbox;
pub mod metadata;
pub mod monitor;
pub mod msg;
pub mod pattern;
pub mod pipe;
mod pool;
pub mod proxy;
pub mod session;
pub mod signaler;
pub mod socket;
mod spsc;
pub mod sys;
pub mod timers;
pub mod transport;
pub mod z85;
pub mod zmtp;
