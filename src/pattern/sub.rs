//! ZMQ_SUB: an XSUB whose subscriptions are set with ZMQ_SUBSCRIBE / ZMQ_UNSUBSCRIBE and
//! that delivers only the messages they match; it sends nothing itself.

use std::ffi::c_int;

use super::xsub::{subscription, XSub};
use super::{Pattern, Pipes};
use crate::constants::{ZMQ_SUBSCRIBE, ZMQ_UNSUBSCRIBE};
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::options::Options;
use crate::pipe::PipeId;

#[derive(Debug, Default)]
pub struct Sub {
    xsub: XSub,
}

impl Pattern for Sub {
    fn attach(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.xsub.attach(pipes, id);
    }
    fn hiccuped(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.xsub.hiccuped(pipes, id);
    }
    fn terminated(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.xsub.terminated(pipes, id);
    }
    fn read_activated(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.xsub.read_activated(pipes, id);
    }
    fn write_activated(&mut self, pipes: &mut Pipes, id: PipeId) {
        self.xsub.write_activated(pipes, id);
    }
    fn send(&mut self, _pipes: &mut Pipes, _msg: &mut Msg) -> Result<()> {
        Err(Errno::ENOTSUP)
    }
    fn recv(&mut self, pipes: &mut Pipes) -> Result<Msg> {
        self.xsub.recv(pipes)
    }
    fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        self.xsub.has_in(pipes)
    }
    fn has_out(&mut self, _pipes: &mut Pipes) -> bool {
        false
    }
    /// Only the subscription options: SUB takes none of XSUB's own (as in libzmq).
    fn set_option(&mut self, pipes: &mut Pipes, option: c_int, value: &[u8]) -> Option<Result<()>> {
        let subscribe = match option {
            ZMQ_SUBSCRIBE => true,
            ZMQ_UNSUBSCRIBE => false,
            _ => return None,
        };
        Some(self.xsub.send(pipes, &mut subscription(subscribe, value)))
    }
    fn get_option(&self, option: c_int, out: &mut [u8]) -> Option<Result<usize>> {
        self.xsub.get_option(option, out)
    }
    fn options_changed(&mut self, options: &Options) {
        self.xsub.options_changed(options);
    }
}
