//! The security mechanism of a ZMTP 3 connection (libzmq's `mechanism_t`): one state
//! machine per mechanism, each in its own file (`null.rs`, `plain.rs`, `curve.rs`,
//! `gssapi.rs`),
//! behind one trait. The connection (`connection.rs`) frames the commands a mechanism
//! produces, hands it the peer's handshake commands, carries its ZAP request and the
//! handler's decision, and, for a mechanism that seals traffic, runs every frame
//! through it; it knows nothing of any mechanism's commands.

use super::gssapi::{GssapiClient, GssapiServer};
use super::null::{self, Null};
use super::plain::{PlainClient, PlainServer};
use super::{curve, zap, Config, Error, Mechanism as Configured};
use crate::msg::Msg;

/// A mechanism's handshake, then (for CURVE) its traffic encoding.
pub(crate) trait Mechanism: Send {
    /// The body of the next handshake command to send, if one is due now.
    fn next_command(&mut self) -> Option<Vec<u8>>;

    /// A handshake command body from the peer.
    fn process_command(&mut self, body: &[u8]) -> Result<(), Error>;

    /// The ZAP request to send now, once; the handshake then waits for
    /// [`zap_accepted`](Self::zap_accepted).
    fn zap_request(&mut self) -> Option<Vec<Vec<u8>>> {
        None
    }

    /// The ZAP handler admitted the peer (status 200).
    fn zap_accepted(&mut self) {}

    /// No ZAP handler is bound (and ZMQ_ZAP_ENFORCE_DOMAIN is off): go on without one,
    /// or fail as a mechanism that needs one does.
    fn zap_unavailable(&mut self) -> Result<(), Error> {
        self.zap_accepted();
        Ok(())
    }

    /// Both sides are done: traffic may start.
    fn is_ready(&self) -> bool;

    /// The peer's property list, once it arrived (READY, or INITIATE on a server).
    fn peer_properties(&self) -> Option<&[u8]>;

    /// What a property list that fails the checks is reported as (CURVE's client calls
    /// every rejection of the server's READY invalid metadata, as libzmq's does).
    fn properties_error(&self, e: Error) -> Error {
        e
    }

    /// Traffic frames travel sealed (CURVE's MESSAGE): `encode` and `decode` apply.
    fn seals(&self) -> bool {
        false
    }

    /// One outbound frame -> the body of the command that carries it.
    fn encode(&mut self, data: &[u8], more: bool, command: bool) -> Vec<u8> {
        let _ = (more, command);
        data.to_vec()
    }

    /// One inbound carrier body -> (the frame as a message, more, command).
    fn decode(&mut self, body: &[u8]) -> Result<(Msg, bool, bool), Error> {
        Ok((Msg::from_slice(body), false, false))
    }
}

/// What a mechanism says of us to a ZAP handler (RFC 27's request fields that are not
/// the mechanism's own).
#[derive(Debug, Clone)]
pub(crate) struct ZapAsker {
    pub domain: Vec<u8>,
    pub address: String,
    pub routing_id: Vec<u8>,
}

impl ZapAsker {
    pub fn request(&self, mechanism: &str, credentials: &[&[u8]]) -> Vec<Vec<u8>> {
        zap::request(
            &self.domain,
            &self.address,
            &self.routing_id,
            mechanism,
            credentials,
        )
    }
}

/// The mechanism a connection's configuration asks for, its handshake not begun (or
/// why it cannot begin: GSSAPI's credentials or first token).
pub(crate) fn new(cfg: &Config) -> Result<Box<dyn Mechanism>, Error> {
    let asker = ZapAsker {
        domain: cfg.zap_domain.clone(),
        address: cfg.peer_address.clone(),
        routing_id: cfg.routing_id.clone(),
    };
    let mut props = Vec::new();
    null::append_basic_properties(
        &mut props,
        cfg.socket_type,
        &cfg.routing_id,
        &cfg.app_metadata,
    );
    Ok(match &cfg.mechanism {
        // NULL asks a handler only with ZMQ_ZAP_DOMAIN set (libzmq's `zap_required`).
        Configured::Null => Box::new(Null::new(
            (!cfg.zap_domain.is_empty()).then_some(asker),
            props,
        )),
        Configured::Plain { server: true, .. } => Box::new(PlainServer::new(asker, props)),
        Configured::Plain {
            username, password, ..
        } => Box::new(PlainClient::new(username, password, props)),
        Configured::Curve {
            server: true,
            public,
            secret,
            ..
        } => Box::new(curve::CurveServer::new(*public, *secret, props).with_zap(asker)),
        Configured::Curve {
            public,
            secret,
            server_key,
            ..
        } => Box::new(curve::CurveClient::new(
            *public,
            *secret,
            *server_key,
            props,
        )),
        Configured::Gssapi {
            server: true,
            settings,
        } => Box::new(GssapiServer::new(settings, asker, props)?),
        Configured::Gssapi { settings, .. } => Box::new(GssapiClient::new(settings, props)?),
    })
}
