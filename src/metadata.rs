//! Connection properties attached to received messages (`zmq_msg_gets`).
//!
//! Built once per connection from the peer's READY properties plus the standard ones
//! (Socket-Type, Routing-Id, Peer-Address, User-Id), then shared by every message
//! received on that connection through an `Arc`.

use std::ffi::CString;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Metadata {
    props: Vec<(String, CString)>,
}

impl Metadata {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a property. Values holding a NUL byte are cut at it, since C callers read
    /// them as strings.
    pub fn insert(&mut self, name: &str, value: &[u8]) {
        let end = value.iter().position(|&b| b == 0).unwrap_or(value.len());
        let value = CString::new(&value[..end]).expect("NUL bytes were cut off");
        match self.props.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => self.props.push((name.to_owned(), value)),
        }
    }

    /// Looks a property up by name. "Identity" is the ZMTP 3.0 name of "Routing-Id".
    pub fn get(&self, name: &str) -> Option<&CString> {
        let name = if name == "Identity" {
            "Routing-Id"
        } else {
            name
        };
        self.props.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    pub fn is_empty(&self) -> bool {
        self.props.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_is_an_alias_of_routing_id() {
        let mut m = Metadata::new();
        m.insert("Routing-Id", b"abc");
        assert_eq!(m.get("Identity").unwrap().to_bytes(), b"abc");
        assert!(m.get("Socket-Type").is_none());
    }

    #[test]
    fn later_insert_replaces_and_nul_cuts() {
        let mut m = Metadata::new();
        m.insert("X-Foo", b"one");
        m.insert("X-Foo", b"tw\0o");
        assert_eq!(m.get("X-Foo").unwrap().to_bytes(), b"tw");
    }
}
