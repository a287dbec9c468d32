//! ZMQ_SERVER and ZMQ_PEER: every peer gets a 32-bit routing id (a counter starting at a
//! random value, never 0). Received messages carry their peer's id
//! (`zmq_msg_routing_id`); a message is sent to the peer its routing id names, or fails
//! with EHOSTUNREACH. Single frames only, as for the other draft types.
//!
//! PEER is SERVER plus `zmq_connect_peer`, which needs the id of the peer a connect
//! just made: [`Server::last_routing_id`].

use std::collections::HashMap;

use super::{fq::FairQueue, router::random_u32, single::recv_single, Pattern, Pipes};
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::pipe::PipeId;

#[derive(Debug)]
pub struct Server {
    fq: FairQueue,
    pipes_by_id: HashMap<u32, PipeId>,
    ids_by_pipe: HashMap<PipeId, u32>,
    next_id: u32,
    last_id: Option<u32>,
}

impl Default for Server {
    fn default() -> Self {
        Server {
            fq: FairQueue::default(),
            pipes_by_id: HashMap::new(),
            ids_by_pipe: HashMap::new(),
            next_id: random_u32(),
            last_id: None,
        }
    }
}

impl Pattern for Server {
    fn attach(&mut self, _pipes: &mut Pipes, id: PipeId) {
        let mut rid = self.next_id;
        while rid == 0 || self.pipes_by_id.contains_key(&rid) {
            rid = rid.wrapping_add(1);
        }
        self.next_id = rid.wrapping_add(1);
        self.pipes_by_id.insert(rid, id);
        self.ids_by_pipe.insert(id, rid);
        self.last_id = Some(rid);
        self.fq.attach(id);
    }
    fn terminated(&mut self, _pipes: &mut Pipes, id: PipeId) {
        if let Some(rid) = self.ids_by_pipe.remove(&id) {
            self.pipes_by_id.remove(&rid);
        }
        self.fq.terminated(id);
    }
    fn read_activated(&mut self, _pipes: &mut Pipes, id: PipeId) {
        self.fq.activated(id);
    }
    fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<()> {
        if msg.more() {
            return Err(Errno::EINVAL);
        }
        let &id = self
            .pipes_by_id
            .get(&msg.routing_id())
            .ok_or(Errno::EHOSTUNREACH)?;
        if !pipes.check_write(id) {
            return Err(Errno::EAGAIN);
        }
        let mut out = std::mem::take(msg);
        out.reset_routing_id();
        pipes.write(id, out);
        Ok(())
    }
    fn recv(&mut self, pipes: &mut Pipes) -> Result<Msg> {
        let fq = &mut self.fq;
        let (mut msg, from) = recv_single(|| fq.recv(pipes))?;
        if let Some(&rid) = self.ids_by_pipe.get(&from) {
            msg.set_routing_id(rid)?;
        }
        Ok(msg)
    }
    fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        self.fq.has_in(pipes)
    }
    /// As libzmq: whether a send succeeds depends on the peer it names.
    fn has_out(&mut self, _pipes: &mut Pipes) -> bool {
        true
    }
    fn last_routing_id(&self) -> Option<u32> {
        self.last_id
    }
}
