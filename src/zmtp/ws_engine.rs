//! A `ws://`/`wss://` connection, sans I/O: the HTTP upgrade
//! (`transport::ws::handshake`), then a ZMTP [`Connection`] in ZWS 2.0 framing, behind
//! the surface a session drives any connection through. (TLS, for wss, sits below
//! this, on the stream.)

use std::io::IoSlice;
use std::time::Instant;

use super::{Config, Connection, Error, Event, WsSide};
use crate::msg::Msg;
use crate::transport::ws::handshake::{self, ClientHandshake, Progress, ServerHandshake};

enum Upgrade {
    Client(ClientHandshake),
    Server(ServerHandshake),
}

pub struct WsEngine {
    /// The upgrade in progress (`None` once it is over, either way).
    upgrade: Option<Upgrade>,
    /// The connection's configuration until the upgrade completes.
    cfg: Option<Config>,
    conn: Option<Connection>,
    /// How the upgrade failed.
    error: Option<Error>,
    /// ZMQ_HANDSHAKE_IVL covers the upgrade too (libzmq's ws engine arms no timer
    /// there, so a peer that never finishes its request would hold the connection).
    deadline: Option<Instant>,
}

impl WsEngine {
    /// `cfg.ws` says which side we are; a client queues its request at once.
    pub fn new(cfg: Config, now: Instant) -> WsEngine {
        let mech = cfg.mechanism.name();
        let upgrade = match &cfg.ws {
            Some(WsSide::Client { host, path }) => Upgrade::Client(ClientHandshake::new(
                host,
                path,
                handshake::offered(mech),
                nonce(),
            )),
            _ => Upgrade::Server(ServerHandshake::new(mech)),
        };
        WsEngine {
            upgrade: Some(upgrade),
            deadline: cfg
                .handshake_ivl
                .filter(|d| !d.is_zero())
                .and_then(|d| now.checked_add(d)),
            cfg: Some(cfg),
            conn: None,
            error: None,
        }
    }

    /// The ZMTP connection, once the upgrade is done.
    pub fn connection(&self) -> Option<&Connection> {
        self.conn.as_ref()
    }

    pub fn connection_mut(&mut self) -> Option<&mut Connection> {
        self.conn.as_mut()
    }

    pub fn handle_input(&mut self, data: &[u8], now: Instant) -> Result<(), Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if let Some(c) = &mut self.conn {
            return c.handle_input(data, now);
        }
        let (n, progress) = match &mut self.upgrade {
            Some(Upgrade::Client(h)) => h.handle_input(data),
            Some(Upgrade::Server(h)) => h.handle_input(data),
            None => return Ok(()),
        };
        match progress {
            Progress::NeedMore => Ok(()),
            Progress::Failed(why) => {
                let e = Error::WsUpgrade(why);
                self.error = Some(e.clone());
                Err(e)
            }
            Progress::Done => {
                let (client, protocol, preamble) = match self.upgrade.take() {
                    Some(Upgrade::Client(h)) => (true, h.protocol().map(str::to_owned), Vec::new()),
                    Some(Upgrade::Server(mut h)) => {
                        (false, h.protocol().map(str::to_owned), h.take_output())
                    }
                    None => return Ok(()),
                };
                let bare = protocol.as_deref() == Some(handshake::ZWS_BARE);
                let mut cfg = self.cfg.take().unwrap_or_default();
                // What is left of the handshake interval carries over to the mechanism.
                cfg.handshake_ivl = self.deadline.map(|d| d.saturating_duration_since(now));
                if cfg.handshake_ivl.is_some_and(|d| d.is_zero()) {
                    cfg.handshake_ivl = Some(std::time::Duration::from_millis(1));
                }
                let conn = Connection::new_zws(cfg, now, client, bare, &preamble);
                let conn = self.conn.insert(conn);
                if let Some(e) = conn.error() {
                    return Err(e.clone());
                }
                conn.handle_input(&data[n..], now)
            }
        }
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.conn.as_mut()?.poll_event()
    }

    pub fn send(&mut self, msg: Msg) -> Result<(), Msg> {
        match &mut self.conn {
            Some(c) => c.send(msg),
            None => Err(msg),
        }
    }

    pub fn can_send(&self) -> bool {
        self.conn.as_ref().is_some_and(Connection::can_send)
    }

    pub fn is_ready(&self) -> bool {
        self.conn.as_ref().is_some_and(Connection::is_ready)
    }

    pub fn wants_input(&self) -> bool {
        match &self.conn {
            Some(c) => c.wants_input(),
            None => self.error.is_none(),
        }
    }

    pub fn pending_output(&self) -> &[u8] {
        match (&self.conn, &self.upgrade) {
            (Some(c), _) => c.pending_output(),
            (None, Some(Upgrade::Client(h))) => h.pending_output(),
            (None, Some(Upgrade::Server(h))) => h.pending_output(),
            (None, None) => &[],
        }
    }

    pub fn pending_output_vectored<'a>(&'a self, bufs: &mut [IoSlice<'a>]) -> usize {
        if let Some(c) = &self.conn {
            return c.pending_output_vectored(bufs);
        }
        let out = self.pending_output();
        match bufs.first_mut() {
            Some(b) if !out.is_empty() => {
                *b = IoSlice::new(out);
                1
            }
            _ => 0,
        }
    }

    pub fn pending_output_len(&self) -> usize {
        match &self.conn {
            Some(c) => c.pending_output_len(),
            None => self.pending_output().len(),
        }
    }

    pub fn consume_output(&mut self, n: usize) {
        match (&mut self.conn, &mut self.upgrade) {
            (Some(c), _) => c.consume_output(n),
            (None, Some(Upgrade::Client(h))) => h.consume_output(n),
            (None, Some(Upgrade::Server(h))) => h.consume_output(n),
            (None, None) => {}
        }
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        match &self.conn {
            Some(c) => c.poll_timeout(),
            None if self.error.is_none() => self.deadline,
            None => None,
        }
    }

    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        if let Some(c) = &mut self.conn {
            return c.handle_timeout(now);
        }
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if self.deadline.is_some_and(|d| d <= now) {
            self.error = Some(Error::HandshakeTimeout);
            return Err(Error::HandshakeTimeout);
        }
        Ok(())
    }

    pub fn error(&self) -> Option<&Error> {
        self.error
            .as_ref()
            .or_else(|| self.conn.as_ref().and_then(Connection::error))
    }
}

/// The 16 random bytes of a `Sec-WebSocket-Key` (only proxies' caches care).
fn nonce() -> [u8; 16] {
    use crypto_box::aead::rand_core::RngCore;
    let mut n = [0u8; 16];
    if crypto_box::aead::OsRng.try_fill_bytes(&mut n).is_err() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        n = t.to_ne_bytes();
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constants as c;
    use crate::zmtp::Mechanism;

    fn cfg(side: WsSide, socket_type: i32) -> Config {
        Config {
            socket_type,
            ws: Some(side),
            ..Config::default()
        }
    }

    fn client_cfg(socket_type: i32) -> Config {
        cfg(
            WsSide::Client {
                host: "127.0.0.1:5555".into(),
                path: "/p".into(),
            },
            socket_type,
        )
    }

    /// Moves bytes between two engines until neither has anything to say.
    fn pump(a: &mut WsEngine, b: &mut WsEngine, now: Instant) -> Result<(), Error> {
        for _ in 0..20 {
            let ab = a.pending_output().to_vec();
            a.consume_output(ab.len());
            let ba = b.pending_output().to_vec();
            b.consume_output(ba.len());
            if ab.is_empty() && ba.is_empty() {
                return Ok(());
            }
            if !ab.is_empty() {
                b.handle_input(&ab, now)?;
            }
            if !ba.is_empty() {
                a.handle_input(&ba, now)?;
            }
        }
        Ok(())
    }

    fn events(e: &mut WsEngine) -> Vec<Event> {
        std::iter::from_fn(|| e.poll_event()).collect()
    }

    #[test]
    fn req_rep_over_null() {
        let now = Instant::now();
        let mut client = WsEngine::new(client_cfg(c::ZMQ_REQ), now);
        let mut server = WsEngine::new(cfg(WsSide::Server, c::ZMQ_REP), now);
        assert!(client.pending_output().starts_with(b"GET /p HTTP/1.1\r\n"));
        assert!(server.pending_output().is_empty());
        pump(&mut client, &mut server, now).unwrap();
        assert!(client.is_ready() && server.is_ready());
        assert!(matches!(
            events(&mut client)[..],
            [Event::HandshakeSucceeded]
        ));
        assert!(matches!(
            events(&mut server)[..],
            [Event::HandshakeSucceeded]
        ));
        assert_eq!(
            server.connection().unwrap().peer_socket_type(),
            Some(c::ZMQ_REQ)
        );
        let mut delim = Msg::new();
        delim.set_more(true);
        client.send(delim).unwrap();
        client.send(Msg::from_slice(b"hello")).unwrap();
        pump(&mut client, &mut server, now).unwrap();
        let got: Vec<(bool, Vec<u8>)> = events(&mut server)
            .into_iter()
            .map(|e| match e {
                Event::Message(m) => (m.more(), m.data().to_vec()),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(got, vec![(true, vec![]), (false, b"hello".to_vec())]);
    }

    #[test]
    fn bare_zws_exchanges_routing_ids() {
        let now = Instant::now();
        let client = WsEngine::new(client_cfg(c::ZMQ_DEALER), now);
        let mut server_cfg = cfg(WsSide::Server, c::ZMQ_ROUTER);
        server_cfg.routing_id = b"srv".to_vec();
        let mut server = WsEngine::new(server_cfg, now);
        // A client that offers only the bare protocol (as some JavaScript clients do).
        let req = b"GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                    Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
                    Sec-WebSocket-Protocol: ZWS2.0\r\n\r\n";
        server.handle_input(req, now).unwrap();
        let out = server.pending_output().to_vec();
        let text = String::from_utf8_lossy(&out);
        assert!(
            text.starts_with("HTTP/1.1 101 Switching Protocols\r\n"),
            "{text}"
        );
        assert!(text.contains("Sec-WebSocket-Protocol: ZWS2.0\r\n"));
        // After the head: the routing-id frame, unmasked: FIN|binary, 4, flags 0, "srv".
        assert!(out.ends_with(&[0x82, 0x04, 0x00, b's', b'r', b'v']));
        // The client's own routing id arrives, masked: the handshake is done.
        server
            .handle_input(&[0x82, 0x84, 0, 0, 0, 0, 0x00, b'c', b'l', b'i'], now)
            .unwrap();
        assert!(server.is_ready());
        assert_eq!(
            server.connection().unwrap().peer_routing_id(),
            Some(&b"cli"[..])
        );
        assert!(client.pending_output().starts_with(b"GET /p HTTP/1.1"));
    }

    #[test]
    fn curve_and_plain_run_over_zws() {
        let now = Instant::now();
        let (spub, ssec) = crate::curve_keys::keypair().unwrap();
        let (cpub, csec) = crate::curve_keys::keypair().unwrap();
        let mut ccfg = client_cfg(c::ZMQ_DEALER);
        ccfg.mechanism = Mechanism::Curve {
            server: false,
            public: cpub,
            secret: csec,
            server_key: spub,
        };
        let mut scfg = cfg(WsSide::Server, c::ZMQ_DEALER);
        scfg.mechanism = Mechanism::Curve {
            server: true,
            public: spub,
            secret: ssec,
            server_key: [0; 32],
        };
        let mut client = WsEngine::new(ccfg, now);
        assert!(String::from_utf8_lossy(client.pending_output()).contains("ZWS2.0/CURVE"));
        let mut server = WsEngine::new(scfg, now);
        pump(&mut client, &mut server, now).unwrap();
        // The server has no ZAP handler to ask: Stonehouse.
        let ev = events(&mut server);
        assert!(matches!(ev[..], [Event::ZapRequest(_)]), "{ev:?}");
        server
            .connection_mut()
            .unwrap()
            .zap_unavailable(now)
            .unwrap();
        pump(&mut client, &mut server, now).unwrap();
        assert!(client.is_ready() && server.is_ready());
        events(&mut client);
        events(&mut server);
        client.send(Msg::from_slice(&[5u8; 1000])).unwrap();
        pump(&mut client, &mut server, now).unwrap();
        match events(&mut server).pop() {
            Some(Event::Message(m)) => assert_eq!(m.data(), &[5u8; 1000][..]),
            other => panic!("{other:?}"),
        }

        // A NULL client to a CURVE server: no subprotocol in common, a 400.
        let client = WsEngine::new(client_cfg(c::ZMQ_DEALER), now);
        let mut scfg = cfg(WsSide::Server, c::ZMQ_DEALER);
        scfg.mechanism = Mechanism::Plain {
            server: true,
            username: vec![],
            password: vec![],
        };
        let mut server = WsEngine::new(scfg, now);
        let req = client.pending_output().to_vec();
        assert_eq!(
            server.handle_input(&req, now),
            Err(Error::WsUpgrade(handshake::Failure::NoSubprotocol))
        );
        assert!(server.pending_output().starts_with(b"HTTP/1.1 400"));
        assert_eq!(
            server.error().and_then(Error::protocol_error_code),
            Some(c::ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED)
        );
    }

    #[test]
    fn heartbeats_are_websocket_pings_and_close_is_echoed() {
        let now = Instant::now();
        let mut ccfg = client_cfg(c::ZMQ_PAIR);
        ccfg.heartbeat_ivl = Some(std::time::Duration::from_millis(10));
        let mut client = WsEngine::new(ccfg, now);
        let mut server = WsEngine::new(cfg(WsSide::Server, c::ZMQ_PAIR), now);
        pump(&mut client, &mut server, now).unwrap();
        assert!(client.is_ready());
        let t = client.poll_timeout().unwrap();
        client.handle_timeout(t).unwrap();
        let ping = client.pending_output().to_vec();
        // A masked, empty ping.
        assert_eq!(ping[..2], [0x89, 0x80]);
        client.consume_output(ping.len());
        server.handle_input(&ping, t).unwrap();
        // The pong, unmasked, echoing the (empty) payload.
        assert_eq!(server.pending_output(), [0x8a, 0x00]);
        // No pong: the heartbeat times out (the timeout defaults to the interval).
        let dead = client.poll_timeout().unwrap();
        assert_eq!(client.handle_timeout(dead), Err(Error::HeartbeatTimeout));

        // A close frame is answered with its status code, then the connection ends,
        // as a disconnect rather than a protocol error.
        let mut client = WsEngine::new(client_cfg(c::ZMQ_PAIR), now);
        let mut server = WsEngine::new(cfg(WsSide::Server, c::ZMQ_PAIR), now);
        pump(&mut client, &mut server, now).unwrap();
        let e = client
            .handle_input(&[0x88, 0x04, 0x03, 0xe9, b'b', b'y'], now)
            .unwrap_err();
        assert_eq!(e, Error::WsClosed);
        assert!(e.is_connection_error());
        let echo = client.pending_output();
        assert_eq!(echo[..2], [0x88, 0x82]);
    }

    #[test]
    fn bad_input_is_answered_and_dropped() {
        let now = Instant::now();
        // A ZMTP peer on a ws port: refused on its first byte, with a 400.
        let mut server = WsEngine::new(cfg(WsSide::Server, c::ZMQ_REP), now);
        let e = server
            .handle_input(&[0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f], now)
            .unwrap_err();
        assert!(matches!(e, Error::WsUpgrade(_)));
        assert!(server.pending_output().starts_with(b"HTTP/1.1 400"));
        // An unmasked frame from a client after a good upgrade: a 1002 close.
        let mut client = WsEngine::new(client_cfg(c::ZMQ_REQ), now);
        let mut server = WsEngine::new(cfg(WsSide::Server, c::ZMQ_REP), now);
        pump(&mut client, &mut server, now).unwrap();
        let e = server.handle_input(&[0x82, 0x01, 0x00], now).unwrap_err();
        assert_eq!(e, Error::WsFrame(1002));
        assert_eq!(server.pending_output(), [0x88, 0x02, 0x03, 0xea]);
        // A frame over ZMQ_MAXMSGSIZE: 1009.
        let mut small = cfg(WsSide::Server, c::ZMQ_REP);
        small.maxmsgsize = 100;
        let mut client = WsEngine::new(client_cfg(c::ZMQ_REQ), now);
        let mut server = WsEngine::new(small, now);
        pump(&mut client, &mut server, now).unwrap();
        let mut delim = Msg::new();
        delim.set_more(true);
        client.send(delim).unwrap();
        client.send(Msg::from_slice(&[1u8; 101])).unwrap();
        assert_eq!(
            pump(&mut client, &mut server, now),
            Err(Error::MessageTooLarge)
        );
        assert_eq!(server.pending_output(), [0x88, 0x02, 0x03, 0xf1]);
        // A half-finished upgrade times out with ZMQ_HANDSHAKE_IVL.
        let mut server = WsEngine::new(cfg(WsSide::Server, c::ZMQ_REP), now);
        server.handle_input(b"GET / HTTP/1.1\r\n", now).unwrap();
        let t = server.poll_timeout().unwrap();
        assert_eq!(server.handle_timeout(t), Err(Error::HandshakeTimeout));
    }
}
