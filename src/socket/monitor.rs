//! `zmq_socket_monitor[_versioned]` and `zmq_socket_monitor_pipes_stats` on a socket
//! (the events themselves: `crate::monitor`).

use std::ffi::c_int;

use super::{parse_endpoint, Socket};
use crate::constants::*;
use crate::error::{Errno, Result};
use crate::monitor::Endpoints;

impl Socket {
    /// Monitors this socket's `events` into a new socket of `socket_type` bound to the
    /// inproc `endpoint`; `None` stops monitoring. libzmq's checks, in its order.
    pub fn monitor(
        &mut self,
        endpoint: Option<&str>,
        events: u64,
        version: c_int,
        socket_type: c_int,
    ) -> Result<()> {
        self.check_alive()?;
        let _ = self.process_commands();
        self.check_alive()?;
        // Version 1 has 16 event bits.
        if version == 1 && events >> 16 != 0 {
            return Err(Errno::EINVAL);
        }
        let Some(endpoint) = endpoint else {
            self.monitor.stop();
            return Ok(());
        };
        let (proto, _) = parse_endpoint(endpoint)?;
        if proto != "inproc" {
            return Err(Errno::EPROTONOSUPPORT);
        }
        self.monitor.stop();
        if !matches!(socket_type, ZMQ_PAIR | ZMQ_PUB | ZMQ_PUSH) {
            return Err(Errno::EINVAL);
        }
        self.monitor.start(
            self.ctx.inproc(),
            endpoint,
            self.id,
            (events, version, socket_type),
        )?;
        Ok(())
    }

    #[cfg(feature = "draft")]
    /// `zmq_socket_monitor_pipes_stats`: a PIPES_STATS event per pipe, with the
    /// messages queued towards the peer and from it. EINVAL unless PIPES_STATS is
    /// monitored, EAGAIN without pipes.
    pub fn monitor_pipes_stats(&mut self) -> Result<()> {
        if !self.monitor.wants(ZMQ_EVENT_PIPES_STATS) {
            return Err(Errno::EINVAL);
        }
        let _ = self.process_commands();
        let mut ids = self.pipes.ids();
        if ids.is_empty() {
            return Err(Errno::EAGAIN);
        }
        ids.sort_unstable();
        for id in ids {
            let Some(p) = self.pipes.get(id) else {
                continue;
            };
            let (local, remote) = p.endpoints();
            let ends = Endpoints {
                local: if local.is_empty() {
                    p.endpoint.clone().unwrap_or_default()
                } else {
                    local
                },
                remote,
                bound: true,
            };
            let values = [p.outbound_depth(), p.inbound_depth()];
            self.monitor
                .emit_values(ZMQ_EVENT_PIPES_STATS, &values, &ends);
        }
        Ok(())
    }
}

impl Socket {
    /// BIND_FAILED, named by the address without its transport, as libzmq does.
    pub(super) fn bind_failed(&self, addr: &str, e: Errno) {
        self.monitor
            .emit(ZMQ_EVENT_BIND_FAILED, e.0 as u64, || Endpoints::bind(addr));
    }

    pub(super) fn listening(&self, endpoint: &str, fd: std::os::fd::RawFd) {
        self.monitor
            .emit(ZMQ_EVENT_LISTENING, fd as u64, || Endpoints::bind(endpoint));
    }
}
