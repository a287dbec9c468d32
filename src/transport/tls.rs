//! TLS for `wss://`, on rustls's sans-IO connection: [`Tls`] takes ciphertext and
//! plaintext as byte slices and hands both back, and [`TlsStream`] puts it on a
//! non-blocking tcp stream for the session (reads and writes as on a plain stream).
//!
//! Certificates follow libzmq's GnuTLS setup: the server presents ZMQ_WSS_CERT_PEM
//! with ZMQ_WSS_KEY_PEM; the client trusts ZMQ_WSS_TRUST_PEM and, with
//! ZMQ_WSS_TRUST_SYSTEM, the system's store (rustls-native-certs reads the same
//! files GnuTLS's system trust does), and checks ZMQ_WSS_HOSTNAME when set (also sent
//! as SNI); without it the chain is checked and the name is not. Where GnuTLS and
//! webpki differ, [`GnutlsVerifier`] sides with GnuTLS: a trusted certificate that
//! is the peer's own is accepted even when it says CA:TRUE (a pinned self-signed
//! certificate), and a name is matched against the subject CN when the certificate
//! has no subjectAltName names.

use std::io::{self, Read, Write};
use std::net::IpAddr;
use std::sync::Arc;

use mio::net::TcpStream;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{ring, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::error::{Errno, Result};

/// Plaintext rustls holds for writing before it pushes back (the session then waits
/// for the socket, as on a full kernel buffer).
const PLAINTEXT_LIMIT: usize = 256 * 1024;
/// Ciphertext read from the socket at a time.
const READ_CHUNK: usize = 64 * 1024;

/// What a session needs to open TLS on a new stream.
#[derive(Debug, Clone)]
pub enum TlsConfig {
    Client {
        config: Arc<rustls::ClientConfig>,
        name: ServerName<'static>,
    },
    Server(Arc<rustls::ServerConfig>),
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(ring::default_provider())
}

/// The server side of a wss listener: ZMQ_WSS_CERT_PEM (with its chain) and
/// ZMQ_WSS_KEY_PEM. EINVAL for PEM that does not hold a certificate and its key
/// (libzmq asserts instead).
pub fn server_config(cert_pem: &[u8], key_pem: &[u8]) -> Result<TlsConfig> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| Errno::EINVAL)?;
    if certs.is_empty() {
        return Err(Errno::EINVAL);
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|_| Errno::EINVAL)?;
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|_| Errno::EINVAL)?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|_| Errno::EINVAL)?;
    Ok(TlsConfig::Server(Arc::new(config)))
}

/// The client side of a wss connect: what it trusts and which name it expects.
/// EINVAL for a ZMQ_WSS_TRUST_PEM or ZMQ_WSS_HOSTNAME that cannot be used.
pub fn client_config(trust_pem: &[u8], trust_system: bool, hostname: &[u8]) -> Result<TlsConfig> {
    let pinned: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(trust_pem)
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| Errno::EINVAL)?;
    let mut roots = RootCertStore::empty();
    for c in &pinned {
        // A certificate webpki cannot take as an anchor stays pinned (below).
        let _ = roots.add(c.clone());
    }
    if trust_system {
        for c in rustls_native_certs::load_native_certs().certs {
            let _ = roots.add(c);
        }
    }
    let hostname = std::str::from_utf8(hostname).map_err(|_| Errno::EINVAL)?;
    let expected = if hostname.is_empty() {
        None
    } else {
        Some(ServerName::try_from(hostname.to_owned()).map_err(|_| Errno::EINVAL)?)
    };
    let provider = provider();
    let verifier = GnutlsVerifier::new(roots, pinned, expected.clone(), provider.clone());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|_| Errno::EINVAL)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    // libzmq sends SNI only with ZMQ_WSS_HOSTNAME; a placeholder name stands in for
    // rustls otherwise, and the verifier ignores it.
    config.enable_sni = expected.is_some();
    let name = expected.unwrap_or(ServerName::IpAddress(IpAddr::from([127, 0, 0, 1]).into()));
    Ok(TlsConfig::Client {
        config: Arc::new(config),
        name,
    })
}

/// Server certificate checks as GnuTLS makes them for libzmq (see the module notes).
#[derive(Debug)]
pub struct GnutlsVerifier {
    webpki: Option<Arc<WebPkiServerVerifier>>,
    pinned: Vec<CertificateDer<'static>>,
    hostname: Option<ServerName<'static>>,
    provider: Arc<CryptoProvider>,
}

impl GnutlsVerifier {
    fn new(
        roots: RootCertStore,
        pinned: Vec<CertificateDer<'static>>,
        hostname: Option<ServerName<'static>>,
        provider: Arc<CryptoProvider>,
    ) -> Self {
        // No anchors at all (nothing trusted): every chain fails, as with GnuTLS.
        let webpki = (!roots.is_empty())
            .then(|| {
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                    .build()
                    .ok()
            })
            .flatten();
        GnutlsVerifier {
            webpki,
            pinned,
            hostname,
            provider,
        }
    }

    /// The checks, apart from rustls's plumbing: `Ok` when the certificate is
    /// trusted for our hostname (or any, without one).
    pub fn check(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> std::result::Result<(), rustls::Error> {
        let bad = |e: CertificateError| rustls::Error::InvalidCertificate(e);
        let placeholder = ServerName::IpAddress(IpAddr::from([127, 0, 0, 1]).into());
        let name = self.hostname.as_ref().unwrap_or(&placeholder);
        let mut chain_error = bad(CertificateError::UnknownIssuer);
        if let Some(v) = &self.webpki {
            match v.verify_server_cert(end_entity, intermediates, name, &[], now) {
                Ok(_) => return Ok(()),
                Err(rustls::Error::InvalidCertificate(
                    CertificateError::NotValidForName
                    | CertificateError::NotValidForNameContext { .. },
                )) => {
                    // The chain is good; GnuTLS checks a name only when given one, and
                    // falls back to the CN.
                    return match &self.hostname {
                        None => Ok(()),
                        Some(h) if name_matches(end_entity, h) => Ok(()),
                        Some(_) => Err(bad(CertificateError::NotValidForName)),
                    };
                }
                Err(e) => chain_error = e,
            }
        }
        // A trusted certificate presented as is: GnuTLS takes it without a chain.
        if self
            .pinned
            .iter()
            .any(|p| p.as_ref() == end_entity.as_ref())
        {
            let cert = parse(end_entity).ok_or(bad(CertificateError::BadEncoding))?;
            let v = &cert.tbs_certificate.validity;
            let now = now.as_secs();
            if now < v.not_before.to_unix_duration().as_secs() {
                return Err(bad(CertificateError::NotValidYet));
            }
            if now > v.not_after.to_unix_duration().as_secs() {
                return Err(bad(CertificateError::Expired));
            }
            return match &self.hostname {
                Some(h) if !name_matches(end_entity, h) => {
                    Err(bad(CertificateError::NotValidForName))
                }
                _ => Ok(()),
            };
        }
        Err(chain_error)
    }
}

fn parse(der: &CertificateDer<'_>) -> Option<x509_cert::Certificate> {
    use x509_cert::der::Decode;
    x509_cert::Certificate::from_der(der.as_ref()).ok()
}

/// Whether the certificate names `host`: its subjectAltName DNS names (one leading
/// `*` label matching one label) and IP addresses, or, when it has no DNS name, its
/// subject CN, as GnuTLS's `gnutls_x509_crt_check_hostname`.
fn name_matches(der: &CertificateDer<'_>, host: &ServerName<'_>) -> bool {
    use x509_cert::der::Decode;
    use x509_cert::ext::pkix::name::GeneralName;
    use x509_cert::ext::pkix::SubjectAltName;
    let Some(cert) = parse(der) else {
        return false;
    };
    let tbs = &cert.tbs_certificate;
    let mut dns = Vec::new();
    let mut ips = Vec::new();
    for ext in tbs.extensions.iter().flatten() {
        if ext.extn_id.to_string() != "2.5.29.17" {
            continue;
        }
        if let Ok(san) = SubjectAltName::from_der(ext.extn_value.as_bytes()) {
            for n in san.0 {
                match n {
                    GeneralName::DnsName(d) => dns.push(d.as_str().to_ascii_lowercase()),
                    GeneralName::IpAddress(ip) => ips.push(ip.as_bytes().to_vec()),
                    _ => {}
                }
            }
        }
    }
    match host {
        ServerName::IpAddress(ip) => {
            let ip: IpAddr = (*ip).into();
            let octets = match ip {
                IpAddr::V4(a) => a.octets().to_vec(),
                IpAddr::V6(a) => a.octets().to_vec(),
            };
            ips.contains(&octets)
        }
        ServerName::DnsName(name) => {
            let name = name.as_ref().to_ascii_lowercase();
            if dns.is_empty() {
                // No DNS names: the last CN of the subject.
                let cn = tbs
                    .subject
                    .0
                    .iter()
                    .flat_map(|rdn| rdn.0.iter())
                    .filter(|atv| atv.oid.to_string() == "2.5.4.3")
                    .filter_map(|atv| std::str::from_utf8(atv.value.value()).ok())
                    .next_back();
                return cn.is_some_and(|cn| dns_match(&cn.to_ascii_lowercase(), &name));
            }
            dns.iter().any(|d| dns_match(d, &name))
        }
        _ => false,
    }
}

fn dns_match(pattern: &str, name: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(rest) => name
            .split_once('.')
            .is_some_and(|(label, tail)| !label.is_empty() && tail == rest),
        None => pattern == name,
    }
}

impl ServerCertVerifier for GnutlsVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        self.check(end_entity, intermediates, now)
            .map(|()| ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// One TLS connection, sans I/O.
pub struct Tls {
    conn: rustls::Connection,
    /// Ciphertext produced and not yet written.
    out: Vec<u8>,
    out_pos: usize,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls")
            .field("handshaking", &self.conn.is_handshaking())
            .field("out", &(self.out.len() - self.out_pos))
            .finish()
    }
}

impl Tls {
    pub fn new(config: &TlsConfig) -> Result<Tls> {
        let mut conn: rustls::Connection = match config {
            TlsConfig::Client { config, name } => {
                rustls::ClientConnection::new(config.clone(), name.clone())
                    .map_err(|_| Errno::EINVAL)?
                    .into()
            }
            TlsConfig::Server(config) => rustls::ServerConnection::new(config.clone())
                .map_err(|_| Errno::EINVAL)?
                .into(),
        };
        conn.set_buffer_limit(Some(PLAINTEXT_LIMIT));
        Ok(Tls {
            conn,
            out: Vec::new(),
            out_pos: 0,
        })
    }

    /// Ciphertext from the peer; returns how much was taken (rustls stops taking
    /// while decrypted data waits to be read). On `Err` the connection is dead; an
    /// alert for the peer may wait in [`pending_output`](Self::pending_output).
    pub fn handle_input(&mut self, mut data: &[u8]) -> std::result::Result<usize, rustls::Error> {
        let total = data.len();
        while !data.is_empty() {
            match self.conn.read_tls(&mut data) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    if let Err(e) = self.conn.process_new_packets() {
                        self.collect_output();
                        return Err(e);
                    }
                }
            }
        }
        self.collect_output();
        Ok(total - data.len())
    }

    /// Decrypted bytes from the peer: `WouldBlock` when there are none yet, `Ok(0)`
    /// once the peer closed (close_notify).
    pub fn read_plaintext(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.conn.reader().read(buf)
    }

    /// Plaintext to encrypt for the peer; returns how much was taken (0 when rustls's
    /// buffer is full: write the ciphertext out first).
    pub fn write_plaintext(&mut self, data: &[u8]) -> usize {
        let n = self.conn.writer().write(data).unwrap_or(0);
        self.collect_output();
        n
    }

    /// Ciphertext to write to the socket.
    pub fn pending_output(&self) -> &[u8] {
        &self.out[self.out_pos..]
    }

    pub fn consume_output(&mut self, n: usize) {
        self.out_pos = (self.out_pos + n).min(self.out.len());
        if self.out_pos == self.out.len() {
            self.out.clear();
            self.out_pos = 0;
            self.collect_output();
        }
    }

    #[cfg(test)]
    pub fn is_handshaking(&self) -> bool {
        self.conn.is_handshaking()
    }

    fn collect_output(&mut self) {
        while self.conn.wants_write() {
            if self.conn.write_tls(&mut self.out).is_err() {
                break;
            }
        }
    }
}

/// [`Tls`] on a non-blocking tcp stream, read and written like the stream itself
/// (`WouldBlock` only when the socket has nothing more to give or take).
#[derive(Debug)]
pub struct TlsStream {
    pub tcp: TcpStream,
    tls: Tls,
    /// Ciphertext read and not yet taken by rustls.
    inbuf: Vec<u8>,
    in_pos: usize,
    /// The peer closed the tcp stream.
    eof: bool,
}

impl TlsStream {
    pub fn new(tcp: TcpStream, config: &TlsConfig) -> Result<TlsStream> {
        let mut s = TlsStream {
            tcp,
            tls: Tls::new(config)?,
            inbuf: Vec::new(),
            in_pos: 0,
            eof: false,
        };
        // A client's hello goes at once.
        let _ = s.flush_tls();
        Ok(s)
    }

    /// Writes pending ciphertext; `WouldBlock` while some is left.
    pub fn flush_tls(&mut self) -> io::Result<()> {
        while !self.tls.pending_output().is_empty() {
            match self.tcp.write(self.tls.pending_output()) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.tls.consume_output(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn flush_quietly(&mut self) -> io::Result<()> {
        match self.flush_tls() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
            r => r,
        }
    }
}

impl Read for TlsStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.tls.read_plaintext(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
            if self.in_pos < self.inbuf.len() {
                let r = self.tls.handle_input(&self.inbuf[self.in_pos..]);
                // Handshake messages and alerts go out as they are made.
                self.flush_quietly()?;
                let n = r.map_err(io::Error::other)?;
                self.in_pos += n;
                if n > 0 {
                    continue;
                }
            }
            if self.eof {
                // The stream ended without close_notify: an abrupt end, as a reset.
                return Ok(0);
            }
            self.inbuf.drain(..self.in_pos);
            self.in_pos = 0;
            let start = self.inbuf.len();
            self.inbuf.resize(start + READ_CHUNK, 0);
            let r = self.tcp.read(&mut self.inbuf[start..]);
            self.inbuf.truncate(start + *r.as_ref().unwrap_or(&0));
            match r {
                Ok(0) => self.eof = true,
                Ok(_) => {}
                Err(e) => return Err(e),
            }
        }
    }
}

impl Write for TlsStream {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = self.tls.write_plaintext(data);
        self.flush_quietly()?;
        if n == 0 && !data.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        Ok(n)
    }

    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        let mut total = 0;
        for b in bufs {
            let n = self.tls.write_plaintext(b);
            total += n;
            if n < b.len() {
                break;
            }
        }
        self.flush_quietly()?;
        if total == 0 && bufs.iter().any(|b| !b.is_empty()) {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        Ok(total)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flush_tls()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CA: &str = include_str!("../../tests/data/tls/ca.crt");
    const LEAF: &str = include_str!("../../tests/data/tls/leaf.crt");
    const LEAF_KEY: &str = include_str!("../../tests/data/tls/leaf.key");
    const PINNED: &str = include_str!("../../tests/data/tls/pinned.crt");
    const PINNED_KEY: &str = include_str!("../../tests/data/tls/pinned.key");

    /// Runs a handshake between two in-memory ends; then plaintext both ways.
    fn talk(client: &TlsConfig, server: &TlsConfig) -> std::result::Result<(), rustls::Error> {
        let mut c = Tls::new(client).unwrap();
        let mut s = Tls::new(server).unwrap();
        assert!(
            c.write_plaintext(b"GET / HTTP/1.1\r\n\r\n") > 0,
            "buffered before the handshake"
        );
        for _ in 0..10 {
            let co = c.pending_output().to_vec();
            c.consume_output(co.len());
            if !co.is_empty() {
                assert_eq!(s.handle_input(&co)?, co.len());
            }
            let so = s.pending_output().to_vec();
            s.consume_output(so.len());
            if !so.is_empty() {
                assert_eq!(c.handle_input(&so)?, so.len());
            }
        }
        assert!(!c.is_handshaking() && !s.is_handshaking());
        let mut buf = [0u8; 64];
        let n = s.read_plaintext(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"GET / HTTP/1.1\r\n\r\n");
        assert_eq!(
            s.read_plaintext(&mut buf).unwrap_err().kind(),
            io::ErrorKind::WouldBlock
        );
        Ok(())
    }

    fn server(cert: &str, key: &str) -> TlsConfig {
        server_config(cert.as_bytes(), key.as_bytes()).unwrap()
    }

    fn client(trust: &str, host: &str) -> TlsConfig {
        client_config(trust.as_bytes(), false, host.as_bytes()).unwrap()
    }

    fn cert_error(r: std::result::Result<(), rustls::Error>) -> CertificateError {
        match r {
            Err(rustls::Error::InvalidCertificate(e)) => e,
            other => panic!("expected a certificate error, got {other:?}"),
        }
    }

    #[test]
    fn a_ca_signed_certificate_by_name_ip_or_none() {
        let s = server(LEAF, LEAF_KEY);
        talk(&client(CA, "localhost"), &s).unwrap();
        talk(&client(CA, "127.0.0.1"), &s).unwrap();
        // Without ZMQ_WSS_HOSTNAME the chain is checked, not the name.
        talk(&client(CA, ""), &s).unwrap();
        assert_eq!(
            cert_error(talk(&client(CA, "example.org"), &s)),
            CertificateError::NotValidForName
        );
        // Not trusted at all: nothing, or another certificate.
        assert_eq!(
            cert_error(talk(&client("", "localhost"), &s)),
            CertificateError::UnknownIssuer
        );
        assert_eq!(
            cert_error(talk(&client(PINNED, "localhost"), &s)),
            CertificateError::UnknownIssuer
        );
    }

    #[test]
    fn a_pinned_self_signed_ca_certificate_matched_by_cn() {
        // The shape of libzmq's test_wss_transport certificate (webpki alone refuses it).
        let s = server(PINNED, PINNED_KEY);
        talk(&client(PINNED, "zeromq.test"), &s).unwrap();
        talk(&client(PINNED, "ZeroMQ.Test"), &s).unwrap();
        talk(&client(PINNED, ""), &s).unwrap();
        assert_eq!(
            cert_error(talk(&client(PINNED, "other.test"), &s)),
            CertificateError::NotValidForName
        );
        // Trusting something else is no trust in it.
        assert!(matches!(
            talk(&client(CA, "zeromq.test"), &s),
            Err(rustls::Error::InvalidCertificate(_))
        ));
    }

    #[test]
    fn validity_is_checked_for_pinned_certificates() {
        let TlsConfig::Client { .. } = client(PINNED, "zeromq.test") else {
            panic!()
        };
        let pinned: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(PINNED.as_bytes())
                .collect::<std::result::Result<_, _>>()
                .unwrap();
        let v = GnutlsVerifier::new(
            RootCertStore::empty(),
            pinned.clone(),
            Some(ServerName::try_from("zeromq.test").unwrap()),
            provider(),
        );
        let now = UnixTime::now();
        assert!(v.check(&pinned[0], &[], now).is_ok());
        let later = UnixTime::since_unix_epoch(std::time::Duration::from_secs(
            now.as_secs() + 200 * 365 * 86400,
        ));
        assert_eq!(
            cert_error(v.check(&pinned[0], &[], later)),
            CertificateError::Expired
        );
        let before = UnixTime::since_unix_epoch(std::time::Duration::from_secs(1));
        assert_eq!(
            cert_error(v.check(&pinned[0], &[], before)),
            CertificateError::NotValidYet
        );
    }

    #[test]
    fn bad_options_are_einval() {
        assert_eq!(
            server_config(b"", LEAF_KEY.as_bytes()).unwrap_err(),
            Errno::EINVAL
        );
        assert_eq!(
            server_config(LEAF.as_bytes(), b"junk").unwrap_err(),
            Errno::EINVAL
        );
        // A key that is not the certificate's.
        assert_eq!(
            server_config(LEAF.as_bytes(), PINNED_KEY.as_bytes()).unwrap_err(),
            Errno::EINVAL
        );
        assert_eq!(
            client_config(b"", false, b"bad name!").unwrap_err(),
            Errno::EINVAL
        );
    }

    #[test]
    fn garbage_fails_the_server_with_an_alert() {
        let mut s = Tls::new(&server(LEAF, LEAF_KEY)).unwrap();
        assert!(s.handle_input(b"GET / HTTP/1.1\r\n\r\n").is_err());
        // A fatal alert for the peer.
        assert_eq!(s.pending_output().first(), Some(&0x15));
    }

    #[test]
    fn names() {
        assert!(dns_match("*.example.org", "a.example.org"));
        assert!(!dns_match("*.example.org", "a.b.example.org"));
        assert!(!dns_match("*.example.org", "example.org"));
        assert!(dns_match("example.org", "example.org"));
    }
}
