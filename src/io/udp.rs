//! A `udp://` endpoint in an I/O thread: moves messages between a pipe and a datagram
//! socket, one datagram per message (`transport::udp`). There is no connection, so no
//! handshake, reconnect or linger: a sender sends what its socket queued, a receiver
//! hands on what arrives and drops it when the socket's pipe is full (UDP is lossy
//! anyway, and reading on keeps the kernel's buffer from going stale). A DGRAM's
//! endpoint does both, raw: each message is the peer's `ip:port` and the body.

use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Instant;

use mio::net::UdpSocket;
use mio::{Interest, Registry, Token};

use crate::msg::Msg;
use crate::pipe::{PipeEnd, Read};
use crate::transport::udp::{decode, encode, MAX_DATAGRAM};

/// What an endpoint does with its datagram socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UdpMode {
    /// RADIO: every message to this address, group framed.
    Send(SocketAddr),
    /// DISH: group-framed datagrams in.
    Receive,
    /// DGRAM: raw bodies both ways, addressed by a first frame.
    Raw,
}

pub(super) struct UdpEndpoint {
    sock: UdpSocket,
    pipe: Option<PipeEnd>,
    mode: UdpMode,
    /// Encoded, refused by the kernel for now, and where it goes.
    out_pending: Option<(Vec<u8>, SocketAddr)>,
    /// Raw: the address frame of the message whose body comes next (`None` inside
    /// the message: an unusable address drops the body).
    raw_to: Option<Option<SocketAddr>>,
    buf: Vec<u8>,
}

impl UdpEndpoint {
    pub(super) fn new(sock: UdpSocket, pipe: PipeEnd, mode: UdpMode) -> Self {
        UdpEndpoint {
            sock,
            pipe: Some(pipe),
            mode,
            out_pending: None,
            raw_to: None,
            buf: vec![0; MAX_DATAGRAM],
        }
    }
}

impl super::Connectionless for UdpEndpoint {
    fn register(&mut self, registry: &Registry, token: Token) -> io::Result<()> {
        let interest = match self.mode {
            UdpMode::Send(_) => Interest::WRITABLE,
            UdpMode::Receive => Interest::READABLE,
            UdpMode::Raw => Interest::READABLE | Interest::WRITABLE,
        };
        registry.register(&mut self.sock, token, interest)
    }

    fn pipe(&self) -> Option<&PipeEnd> {
        self.pipe.as_ref()
    }

    /// Moves what can be moved now; true once the socket closed its end.
    fn pump(&mut self, _now: Instant) -> bool {
        match self.mode {
            UdpMode::Send(to) => self.send(Some(to)),
            UdpMode::Receive => {
                // The DISH's joins: a datagram receiver takes everything and lets the
                // socket filter, so they are only read to free the pipe.
                self.receive(false) || self.discard_output()
            }
            UdpMode::Raw => {
                let done = self.send(None);
                self.receive(true) || done
            }
        }
    }

    fn close(&mut self, registry: &Registry) {
        let _ = registry.deregister(&mut self.sock);
        if let Some(p) = self.pipe.take() {
            p.close();
        }
    }
}

impl UdpEndpoint {
    fn discard_output(&mut self) -> bool {
        let Some(pipe) = &mut self.pipe else {
            return true;
        };
        loop {
            match pipe.read() {
                Read::Msg(_) => {}
                Read::Empty => return false,
                Read::Finished => return true,
            }
        }
    }

    /// Sends what the pipe holds: to `to`, group framed, or (raw) where each message's
    /// address frame says.
    fn send(&mut self, to: Option<SocketAddr>) -> bool {
        let Some(pipe) = &mut self.pipe else {
            return true;
        };
        loop {
            if let Some((d, dest)) = self.out_pending.take() {
                match self.sock.send_to(&d, dest) {
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        self.out_pending = Some((d, dest));
                        return false;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                        self.out_pending = Some((d, dest));
                        continue;
                    }
                    // Nobody is told of a lost datagram: the next one may go through.
                    Err(_) => {}
                }
            }
            let m = match pipe.read() {
                Read::Msg(m) => m,
                Read::Empty => return false,
                Read::Finished => return true,
            };
            match to {
                Some(to) => {
                    let mut d = Vec::with_capacity(1 + m.group().to_bytes().len() + m.size());
                    if encode(m.group().to_bytes(), m.data(), &mut d) {
                        self.out_pending = Some((d, to));
                    }
                }
                None => match self.raw_to.take() {
                    None => self.raw_to = Some(raw_address(m.data())),
                    Some(dest) => {
                        if let Some(dest) = dest.filter(|_| m.size() <= MAX_DATAGRAM) {
                            self.out_pending = Some((m.data().to_vec(), dest));
                        }
                    }
                },
            }
        }
    }

    /// Hands on arriving datagrams: group framed, or (raw) as the sender's address
    /// and the body.
    fn receive(&mut self, raw: bool) -> bool {
        let Some(pipe) = &mut self.pipe else {
            return true;
        };
        loop {
            match self.sock.recv_from(&mut self.buf) {
                Ok((n, from)) => {
                    let d = &self.buf[..n];
                    if raw {
                        // libzmq's raw udp speaks IPv4 only.
                        let SocketAddr::V4(from) = from else {
                            continue;
                        };
                        if !pipe.check_write() {
                            crate::diag::frequent!("DGRAM: datagram from {from} dropped: the socket's queue is at ZMQ_RCVHWM");
                            continue;
                        }
                        let mut addr = Msg::from_slice(format!("{from}\0").as_bytes());
                        addr.set_more(true);
                        pipe.write_batched(addr);
                        pipe.write_batched(Msg::from_slice(d));
                        continue;
                    }
                    let Some((group, body)) = decode(d) else {
                        continue;
                    };
                    let mut m = Msg::from_slice(body);
                    if m.set_group(group).is_err() {
                        continue;
                    }
                    if pipe.check_write() {
                        pipe.write_batched(m);
                    } else {
                        crate::diag::frequent!("DISH: datagram from {from} dropped: the socket's queue is at ZMQ_RCVHWM");
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
}

/// A DGRAM's address frame, `a.b.c.d:port` (a trailing NUL, as received ones carry,
/// is allowed): IPv4 only, port not 0, as libzmq's raw udp engine reads it.
fn raw_address(frame: &[u8]) -> Option<SocketAddr> {
    let end = frame.iter().position(|&b| b == 0).unwrap_or(frame.len());
    let text = std::str::from_utf8(&frame[..end]).ok()?;
    let (ip, port) = text.rsplit_once(':')?;
    let ip: Ipv4Addr = ip.parse().ok()?;
    let port: u16 = port.parse().ok().filter(|&p| p != 0)?;
    Some(SocketAddr::V4(SocketAddrV4::new(ip, port)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_addresses() {
        assert_eq!(
            raw_address(b"127.0.0.1:5560\0"),
            Some("127.0.0.1:5560".parse().unwrap())
        );
        assert_eq!(
            raw_address(b"10.0.0.1:1"),
            Some("10.0.0.1:1".parse().unwrap())
        );
        assert_eq!(raw_address(b"127.0.0.1:0"), None);
        assert_eq!(raw_address(b"127.0.0.1"), None);
        assert_eq!(raw_address(b"[::1]:5"), None);
    }
}
