//! A `udp://` endpoint in an I/O thread: moves messages between a pipe and a datagram
//! socket, one datagram per message (`transport::udp`). There is no connection, so no
//! handshake, reconnect or linger: a sender sends what its socket queued, a receiver
//! hands on what arrives and drops it when the socket's pipe is full (UDP is lossy
//! anyway, and reading on keeps the kernel's buffer from going stale).

use std::io;
use std::net::SocketAddr;

use mio::net::UdpSocket;
use mio::{Interest, Registry, Token};

use crate::msg::Msg;
use crate::pipe::{PipeEnd, Read};
use crate::transport::udp::{decode, encode, MAX_DATAGRAM};

pub(super) struct UdpEndpoint {
    pub(super) socket_id: u64,
    pub(super) endpoint_id: u64,
    sock: UdpSocket,
    pipe: Option<PipeEnd>,
    /// Where a sender's datagrams go; `None` for a receiver.
    target: Option<SocketAddr>,
    /// Encoded, refused by the kernel for now.
    out_pending: Option<Vec<u8>>,
    buf: Vec<u8>,
}

impl UdpEndpoint {
    pub(super) fn new(
        socket_id: u64,
        endpoint_id: u64,
        sock: UdpSocket,
        pipe: PipeEnd,
        target: Option<SocketAddr>,
    ) -> Self {
        UdpEndpoint {
            socket_id,
            endpoint_id,
            sock,
            pipe: Some(pipe),
            target,
            out_pending: None,
            buf: vec![0; MAX_DATAGRAM],
        }
    }

    pub(super) fn register(&mut self, registry: &Registry, token: Token) -> io::Result<()> {
        let interest = if self.target.is_some() {
            Interest::WRITABLE
        } else {
            Interest::READABLE
        };
        registry.register(&mut self.sock, token, interest)
    }

    pub(super) fn pipe(&self) -> Option<&PipeEnd> {
        self.pipe.as_ref()
    }

    /// Moves what can be moved now; true once the socket closed its end.
    pub(super) fn pump(&mut self) -> bool {
        match self.target {
            Some(to) => self.send(to),
            None => self.receive(),
        }
    }

    fn send(&mut self, to: SocketAddr) -> bool {
        let Some(pipe) = &mut self.pipe else {
            return true;
        };
        loop {
            if let Some(d) = self.out_pending.take() {
                match self.sock.send_to(&d, to) {
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        self.out_pending = Some(d);
                        return false;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                        self.out_pending = Some(d);
                        continue;
                    }
                    // Nobody is told of a lost datagram: the next one may go through.
                    Err(_) => {}
                }
            }
            match pipe.read() {
                Read::Msg(m) => {
                    let mut d = Vec::with_capacity(1 + m.group().to_bytes().len() + m.size());
                    if encode(m.group().to_bytes(), m.data(), &mut d) {
                        self.out_pending = Some(d);
                    }
                }
                Read::Empty => return false,
                Read::Finished => return true,
            }
        }
    }

    fn receive(&mut self) -> bool {
        let Some(pipe) = &mut self.pipe else {
            return true;
        };
        // The DISH's joins: a datagram receiver takes everything and lets the socket
        // filter, so they are only read to free the pipe.
        loop {
            match pipe.read() {
                Read::Msg(_) => {}
                Read::Empty => break,
                Read::Finished => return true,
            }
        }
        loop {
            match self.sock.recv_from(&mut self.buf) {
                Ok((n, _)) => {
                    let Some((group, body)) = decode(&self.buf[..n]) else {
                        continue;
                    };
                    let mut m = Msg::from_slice(body);
                    if m.set_group(group).is_err() {
                        continue;
                    }
                    if pipe.check_write() {
                        pipe.write_batched(m);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        if pipe.has_unpublished() {
            pipe.flush();
        }
        false
    }

    pub(super) fn close(&mut self, registry: &Registry) {
        let _ = registry.deregister(&mut self.sock);
        if let Some(p) = self.pipe.take() {
            p.close();
        }
    }
}
