//! The inproc endpoints of a context: which socket is bound under each name, and the
//! connections made to a name before anything was bound there. Sockets bind and
//! connect here; a session finds the ZAP handler here (`zap::ENDPOINT`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::error::{Errno, Result};
use crate::pipe::{Owner, PipeConfig, PipeEnd};

/// What a binding socket publishes about itself under an inproc name.
#[derive(Debug, Clone)]
pub struct Peer {
    pub socket_id: u64,
    /// Where the binder hears of new pipes.
    pub mailbox: Arc<dyn Owner>,
    pub config: PipeConfig,
    pub routing_id: Vec<u8>,
    pub socket_type: i32,
    /// What the socket's options say to send a new peer / to deliver when a peer
    /// leaves (ZMQ_HELLO_MSG, ZMQ_DISCONNECT_MSG); empty for nothing.
    pub hello_msg: Vec<u8>,
    pub disconnect_msg: Vec<u8>,
}

/// A connection made before its endpoint was bound: the connector's side is attached,
/// this end waits here for the binder.
#[derive(Debug)]
pub struct PendingConnect {
    pub connector: Peer,
    pub pipe: PipeEnd,
}

#[derive(Debug, Default)]
struct State {
    endpoints: HashMap<String, Peer>,
    pending: HashMap<String, Vec<PendingConnect>>,
}

#[derive(Debug, Default)]
pub struct Inproc {
    state: Mutex<State>,
}

impl Inproc {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Publishes an endpoint; returns the connections that were waiting for it.
    /// EADDRINUSE if the name is taken.
    pub fn bind(&self, name: &str, peer: Peer) -> Result<Vec<PendingConnect>> {
        let mut st = self.lock();
        if st.endpoints.contains_key(name) {
            return Err(Errno::EADDRINUSE);
        }
        st.endpoints.insert(name.to_owned(), peer);
        Ok(st.pending.remove(name).unwrap_or_default())
    }

    /// Withdraws an endpoint of `socket_id`; ENOENT if it has no such binding.
    pub fn unbind(&self, name: &str, socket_id: u64) -> Result<()> {
        let mut st = self.lock();
        match st.endpoints.get(name) {
            Some(p) if p.socket_id == socket_id => {
                st.endpoints.remove(name);
                Ok(())
            }
            _ => Err(Errno::ENOENT),
        }
    }

    /// The socket bound at an endpoint, if any.
    pub fn binder(&self, name: &str) -> Option<Peer> {
        self.lock().endpoints.get(name).cloned()
    }

    /// Looks up a bound endpoint, or parks `pending` until one is bound: the closure
    /// gets the binder (if any) and returns what to park when there is none.
    pub fn connect<R>(
        &self,
        name: &str,
        connect: impl FnOnce(Option<&Peer>) -> (R, Option<PendingConnect>),
    ) -> R {
        let mut st = self.lock();
        let peer = st.endpoints.get(name).cloned();
        let (r, pending) = connect(peer.as_ref());
        if let Some(p) = pending {
            st.pending.entry(name.to_owned()).or_default().push(p);
        }
        r
    }

    /// A socket closed: its bindings go.
    pub fn forget_socket(&self, socket_id: u64) {
        self.lock()
            .endpoints
            .retain(|_, p| p.socket_id != socket_id);
    }

    /// The context ends: connections that never met a binder die with it.
    pub fn clear(&self) {
        let mut st = self.lock();
        st.pending.clear();
        st.endpoints.clear();
    }
}
