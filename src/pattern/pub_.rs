//! ZMQ_PUB: an XPUB that does not receive. Subscriptions are still read and applied;
//! nothing is queued for the application.

use std::ffi::c_int;

use super::xpub::XPub;
use super::{Pattern, Pipes};
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::options::Options;
use crate::pipe::PipeId;

#[derive(Debug)]
pub struct Pub {
    xpub: XPub,
}

impl Default for Pub {
    fn default() -> Self {
        Pub {
            xpub: XPub::new(true),
        }
    }
}

impl Pattern for Pub {
    fn attach(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.xpub.attach(pipes, id);
    }
    fn terminated(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.xpub.terminated(pipes, id);
    }
    fn read_activated(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.xpub.read_activated(pipes, id);
    }
    fn write_activated(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.xpub.write_activated(pipes, id);
    }
    fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<()> {
        self.xpub.send(pipes, msg)
    }
    fn recv(&mut self, _pipes: &mut Pipes) -> Result<Msg> {
        Err(Errno::ENOTSUP)
    }
    fn has_in(&mut self, _pipes: &mut Pipes) -> bool {
        false
    }
    fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        self.xpub.has_out(pipes)
    }
    /// XPUB's options, all of them (as in libzmq).
    fn set_option(&mut self, pipes: &mut Pipes, option: c_int, value: &[u8]) -> Option<Result<()>> {
        self.xpub.set_option(pipes, option, value)
    }
    fn get_option(&self, option: c_int, out: &mut [u8]) -> Option<Result<usize>> {
        self.xpub.get_option(option, out)
    }
    fn options_changed(&mut self, options: &Options) {
        self.xpub.options_changed(options);
    }
}
