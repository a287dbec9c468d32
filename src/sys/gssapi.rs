//! The system's GSSAPI (MIT Kerberos's `libgssapi_krb5.so.2`, Debian's
//! `libgssapi-krb5-2`) as libzmq's GSSAPI mechanism drives it: names, credentials, a
//! security context established by exchanging tokens, and wrap/unwrap of traffic. The
//! declarations mirror RFC 2744's C bindings as `<gssapi/gssapi.h>` of MIT krb5 1.20
//! declares them (`OM_uint32` is `uint32_t`, buffers are `{size_t, void *}`);
//! `tests/gssapi.rs` checks the prototypes, layouts, constants and name-type OIDs
//! against the header (capi-tests/interop/gssapi_layout.c).
//!
//! Nothing here keeps a raw pointer beyond a call: names, credentials and contexts are
//! owned handles released on drop, and every buffer the library hands out is copied
//! into a `Vec` and released at once. The calls may block (the library may ask the
//! KDC for a ticket), as in libzmq, which makes them on its I/O thread too.

use std::ffi::{c_int, c_void};
use std::ptr;
use std::sync::OnceLock;

use super::{functions, Library};

const SONAMES: &[&str] = &["libgssapi_krb5.so.2"];

type Status = u32;
type RawName = *mut c_void;
type RawCred = *mut c_void;
type RawCtx = *mut c_void;

/// `gss_buffer_desc`.
#[repr(C)]
struct Buffer {
    length: usize,
    value: *mut c_void,
}

/// `gss_OID_desc`.
#[repr(C)]
struct Oid {
    length: u32,
    elements: *mut c_void,
}

const GSS_S_COMPLETE: Status = 0;
const GSS_S_CONTINUE_NEEDED: Status = 1;
/// `GSS_ERROR()`: the calling and routine error fields.
const GSS_ERROR_MASK: Status = 0xffff_0000;
const GSS_C_MUTUAL_FLAG: u32 = 2;
const GSS_C_REPLAY_FLAG: u32 = 4;
const GSS_C_BOTH: c_int = 0;
const GSS_C_GSS_CODE: c_int = 1;
const GSS_C_MECH_CODE: c_int = 2;

// The name types' OIDs (RFC 2744 / RFC 1964), by value: the library compares them so.
/// GSS_C_NT_HOSTBASED_SERVICE, 1.2.840.113554.1.2.1.4.
const NT_HOSTBASED_SERVICE: &[u8] = b"\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04";
/// GSS_C_NT_USER_NAME, 1.2.840.113554.1.2.1.1.
const NT_USER_NAME: &[u8] = b"\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x01";
/// GSS_KRB5_NT_PRINCIPAL_NAME, 1.2.840.113554.1.2.2.1.
const NT_KRB5_PRINCIPAL: &[u8] = b"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x01";

functions!(Api {
    gss_import_name: unsafe extern "C" fn(*mut u32, *const Buffer, *const Oid, *mut RawName) -> Status,
    gss_display_name: unsafe extern "C" fn(*mut u32, RawName, *mut Buffer, *mut *mut Oid) -> Status,
    gss_release_name: unsafe extern "C" fn(*mut u32, *mut RawName) -> Status,
    gss_acquire_cred: unsafe extern "C" fn(
        *mut u32,
        RawName,
        u32,
        *const c_void,
        c_int,
        *mut RawCred,
        *mut *mut c_void,
        *mut u32,
    ) -> Status,
    gss_release_cred: unsafe extern "C" fn(*mut u32, *mut RawCred) -> Status,
    gss_init_sec_context: unsafe extern "C" fn(
        *mut u32,
        RawCred,
        *mut RawCtx,
        RawName,
        *const Oid,
        u32,
        u32,
        *const c_void,
        *const Buffer,
        *mut *mut Oid,
        *mut Buffer,
        *mut u32,
        *mut u32,
    ) -> Status,
    gss_accept_sec_context: unsafe extern "C" fn(
        *mut u32,
        *mut RawCtx,
        RawCred,
        *const Buffer,
        *const c_void,
        *mut RawName,
        *mut *mut Oid,
        *mut Buffer,
        *mut u32,
        *mut u32,
        *mut RawCred,
    ) -> Status,
    gss_delete_sec_context: unsafe extern "C" fn(*mut u32, *mut RawCtx, *mut Buffer) -> Status,
    gss_wrap: unsafe extern "C" fn(*mut u32, RawCtx, c_int, u32, *const Buffer, *mut c_int, *mut Buffer) -> Status,
    gss_unwrap: unsafe extern "C" fn(*mut u32, RawCtx, *const Buffer, *mut Buffer, *mut c_int, *mut u32) -> Status,
    gss_release_buffer: unsafe extern "C" fn(*mut u32, *mut Buffer) -> Status,
    gss_display_status: unsafe extern "C" fn(*mut u32, u32, c_int, *const Oid, *mut u32, *mut Buffer) -> Status,
});

fn api() -> Option<&'static Api> {
    static API: OnceLock<Option<Api>> = OnceLock::new();
    API.get_or_init(|| Api::load(&Library::open(SONAMES)?))
        .as_ref()
}

/// Whether the GSSAPI mechanism works here (`zmq_has("gssapi")`).
pub fn available() -> bool {
    api().is_some()
}

/// A GSSAPI call failed: its major and minor status (the minor one is the
/// mechanism's, e.g. a Kerberos error code), or the library is not there (`0, 0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    pub major: u32,
    pub minor: u32,
}

impl Failure {
    const UNAVAILABLE: Failure = Failure { major: 0, minor: 0 };

    /// The library's text for one status (`gss_display_status`), its messages joined.
    fn describe(api: &'static Api, status: u32, kind: c_int) -> String {
        let mut text = String::new();
        let mut context = 0;
        // The library chains at most a few messages; the bound keeps a broken one from
        // looping.
        for _ in 0..8 {
            let mut out = OutBuffer::new(api);
            let mut minor = 0;
            // SAFETY: a status value and type, null for the default mechanism, the
            // message context the previous call left, an output buffer released by
            // OutBuffer.
            let major = unsafe {
                (api.gss_display_status)(
                    &mut minor,
                    status,
                    kind,
                    ptr::null(),
                    &mut context,
                    &mut out.buf,
                )
            };
            if major & GSS_ERROR_MASK != 0 {
                break;
            }
            if !text.is_empty() {
                text.push_str("; ");
            }
            text.push_str(&String::from_utf8_lossy(&out.to_vec()));
            if context == 0 {
                break;
            }
        }
        text
    }
}

impl std::fmt::Display for Failure {
    /// The library's own words (e.g. Kerberos's "Server not found in Kerberos
    /// database"), then the status codes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Some(api) = api().filter(|_| *self != Failure::UNAVAILABLE) else {
            return f.write_str("libgssapi_krb5.so.2 is not available");
        };
        let major = Failure::describe(api, self.major, GSS_C_GSS_CODE);
        let minor = Failure::describe(api, self.minor, GSS_C_MECH_CODE);
        write!(f, "{major}")?;
        if self.minor != 0 && !minor.is_empty() {
            write!(f, ": {minor}")?;
        }
        write!(f, " (major status {:#x}, minor {})", self.major, self.minor)
    }
}

fn check(major: Status, minor: u32) -> Result<(), Failure> {
    if major & GSS_ERROR_MASK != 0 {
        return Err(Failure { major, minor });
    }
    Ok(())
}

/// How a name is written (`ZMQ_GSSAPI_NT_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameType {
    /// `service` or `service@host` (the host defaults to this one).
    Hostbased,
    /// A local user name.
    User,
    /// A Kerberos principal, `primary/instance@REALM`.
    Krb5Principal,
}

impl NameType {
    fn oid(self) -> &'static [u8] {
        match self {
            NameType::Hostbased => NT_HOSTBASED_SERVICE,
            NameType::User => NT_USER_NAME,
            NameType::Krb5Principal => NT_KRB5_PRINCIPAL,
        }
    }
}

/// A buffer the library filled in, released when dropped.
struct OutBuffer {
    api: &'static Api,
    buf: Buffer,
}

impl OutBuffer {
    fn new(api: &'static Api) -> Self {
        OutBuffer {
            api,
            buf: Buffer {
                length: 0,
                value: ptr::null_mut(),
            },
        }
    }

    fn to_vec(&self) -> Vec<u8> {
        if self.buf.value.is_null() || self.buf.length == 0 {
            return Vec::new();
        }
        // SAFETY: the library set `value` to `length` readable bytes it owns until
        // gss_release_buffer (on drop).
        unsafe { std::slice::from_raw_parts(self.buf.value as *const u8, self.buf.length) }.to_vec()
    }
}

impl Drop for OutBuffer {
    fn drop(&mut self) {
        let mut minor = 0;
        // SAFETY: a buffer the library allocated (or empty, which it accepts).
        unsafe { (self.api.gss_release_buffer)(&mut minor, &mut self.buf) };
    }
}

/// An input buffer borrowing `data` (the library only reads it).
fn input(data: &[u8]) -> Buffer {
    Buffer {
        length: data.len(),
        value: data.as_ptr() as *mut c_void,
    }
}

/// A GSSAPI name (`gss_name_t`), released on drop.
pub struct Name {
    api: &'static Api,
    raw: RawName,
}

// SAFETY: MIT's GSSAPI is thread-safe; a name is used by one thread at a time.
unsafe impl Send for Name {}

impl Name {
    /// `text` as a name of the given type.
    pub fn import(text: &[u8], kind: NameType) -> Result<Name, Failure> {
        let api = api().ok_or(Failure::UNAVAILABLE)?;
        let oid_bytes = kind.oid();
        let oid = Oid {
            length: oid_bytes.len() as u32,
            elements: oid_bytes.as_ptr() as *mut c_void,
        };
        let buf = input(text);
        let (mut minor, mut raw) = (0, ptr::null_mut());
        // SAFETY: valid input buffer and OID (read only, copied by the library), an
        // out-pointer for the name.
        let major = unsafe { (api.gss_import_name)(&mut minor, &buf, &oid, &mut raw) };
        check(major, minor)?;
        Ok(Name { api, raw })
    }

    /// The name as text (for a Kerberos name, `primary/instance@REALM`).
    pub fn display(&self) -> Result<Vec<u8>, Failure> {
        let mut out = OutBuffer::new(self.api);
        let mut minor = 0;
        // SAFETY: a live name; the output buffer is released by OutBuffer; the type
        // out-pointer may be null.
        let major = unsafe {
            (self.api.gss_display_name)(&mut minor, self.raw, &mut out.buf, ptr::null_mut())
        };
        check(major, minor)?;
        Ok(out.to_vec())
    }
}

impl Drop for Name {
    fn drop(&mut self) {
        let mut minor = 0;
        // SAFETY: a name the library made, released once.
        unsafe { (self.api.gss_release_name)(&mut minor, &mut self.raw) };
    }
}

/// Credentials (`gss_cred_id_t`) for initiating and accepting, released on drop.
pub struct Credential {
    api: &'static Api,
    raw: RawCred,
}

// SAFETY: as Name.
unsafe impl Send for Credential {}

impl Credential {
    /// The credentials of `name`, usable to initiate and to accept (libzmq asks for
    /// both, whichever side it is).
    pub fn acquire(name: &Name) -> Result<Credential, Failure> {
        let api = name.api;
        let (mut minor, mut raw) = (0, ptr::null_mut());
        // SAFETY: a live name; null for the default mechanisms and the unused
        // outputs; an out-pointer for the credential.
        let major = unsafe {
            (api.gss_acquire_cred)(
                &mut minor,
                name.raw,
                0,
                ptr::null(),
                GSS_C_BOTH,
                &mut raw,
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        check(major, minor)?;
        Ok(Credential { api, raw })
    }
}

impl Drop for Credential {
    fn drop(&mut self) {
        let mut minor = 0;
        // SAFETY: a credential the library made, released once.
        unsafe { (self.api.gss_release_cred)(&mut minor, &mut self.raw) };
    }
}

/// One step of establishing a context: the token to send the peer (possibly empty)
/// and whether the context is now established on this side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub token: Vec<u8>,
    pub complete: bool,
}

/// A security context (`gss_ctx_id_t`), deleted on drop.
pub struct Context {
    api: &'static Api,
    raw: RawCtx,
    /// The initiator's name, as the acceptor learnt it.
    peer: Option<Name>,
}

// SAFETY: as Name.
unsafe impl Send for Context {}

fn step(major: Status, minor: u32, out: &OutBuffer) -> Result<Step, Failure> {
    check(major, minor)?;
    if major != GSS_S_COMPLETE && major & GSS_S_CONTINUE_NEEDED == 0 {
        // Supplementary bits only (duplicate or old token): not a usable step.
        return Err(Failure { major, minor });
    }
    Ok(Step {
        token: out.to_vec(),
        complete: major & GSS_S_CONTINUE_NEEDED == 0,
    })
}

impl Context {
    /// A context not yet begun.
    pub fn new() -> Result<Context, Failure> {
        let api = api().ok_or(Failure::UNAVAILABLE)?;
        Ok(Context {
            api,
            raw: ptr::null_mut(),
            peer: None,
        })
    }

    /// The initiator's next step toward `target` (with mutual authentication and
    /// replay detection, as libzmq asks), given the acceptor's last token.
    pub fn initiate(
        &mut self,
        cred: Option<&Credential>,
        target: &Name,
        token: Option<&[u8]>,
    ) -> Result<Step, Failure> {
        let mut out = OutBuffer::new(self.api);
        let inbuf = token.map(input);
        let inptr = inbuf.as_ref().map_or(ptr::null(), |b| b as *const Buffer);
        let mut minor = 0;
        // SAFETY: the context handle is null or the library's; live name and
        // credential (or null for the defaults); the input token borrows a live
        // slice; nulls for the default mechanism, no channel bindings and unused
        // outputs; the output token is released by OutBuffer.
        let major = unsafe {
            (self.api.gss_init_sec_context)(
                &mut minor,
                cred.map_or(ptr::null_mut(), |c| c.raw),
                &mut self.raw,
                target.raw,
                ptr::null(),
                GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG,
                0,
                ptr::null(),
                inptr,
                ptr::null_mut(),
                &mut out.buf,
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        step(major, minor, &out)
    }

    /// The acceptor's next step, given the initiator's token.
    pub fn accept(&mut self, cred: Option<&Credential>, token: &[u8]) -> Result<Step, Failure> {
        let mut out = OutBuffer::new(self.api);
        let inbuf = input(token);
        let (mut minor, mut src) = (0, ptr::null_mut());
        // SAFETY: as in `initiate`; `src` receives a name we then own.
        let major = unsafe {
            (self.api.gss_accept_sec_context)(
                &mut minor,
                &mut self.raw,
                cred.map_or(ptr::null_mut(), |c| c.raw),
                &inbuf,
                ptr::null(),
                &mut src,
                ptr::null_mut(),
                &mut out.buf,
                ptr::null_mut(),
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        if !src.is_null() {
            self.peer = Some(Name {
                api: self.api,
                raw: src,
            });
        }
        step(major, minor, &out)
    }

    /// The initiator's name as text, once accepted.
    pub fn peer_name(&self) -> Option<Vec<u8>> {
        self.peer.as_ref()?.display().ok()
    }

    /// `data` sealed for the peer, with confidentiality and the default protection.
    pub fn wrap(&mut self, data: &[u8]) -> Result<Vec<u8>, Failure> {
        let mut out = OutBuffer::new(self.api);
        let inbuf = input(data);
        let (mut minor, mut conf) = (0, 0);
        // SAFETY: an established context; the input borrows a live slice; the output
        // is released by OutBuffer.
        let major = unsafe {
            (self.api.gss_wrap)(&mut minor, self.raw, 1, 0, &inbuf, &mut conf, &mut out.buf)
        };
        check(major, minor)?;
        if conf == 0 {
            // libzmq asserts confidentiality; a context without it is not used.
            return Err(Failure { major, minor });
        }
        Ok(out.to_vec())
    }

    /// A token from the peer's `wrap`, opened and checked; it must have been sealed
    /// with confidentiality.
    pub fn unwrap(&mut self, data: &[u8]) -> Result<Vec<u8>, Failure> {
        let mut out = OutBuffer::new(self.api);
        let inbuf = input(data);
        let (mut minor, mut conf) = (0, 0);
        // SAFETY: an established context; the input borrows a live slice; the output
        // is released by OutBuffer; the QOP out-pointer may be null.
        let major = unsafe {
            (self.api.gss_unwrap)(
                &mut minor,
                self.raw,
                &inbuf,
                &mut out.buf,
                &mut conf,
                ptr::null_mut(),
            )
        };
        check(major, minor)?;
        // Supplementary bits (a replayed, duplicate or out-of-order token) fail too.
        if major != GSS_S_COMPLETE || conf == 0 {
            return Err(Failure { major, minor });
        }
        Ok(out.to_vec())
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        if self.raw.is_null() {
            return;
        }
        let mut minor = 0;
        // SAFETY: a context the library made, deleted once; no output token wanted.
        unsafe { (self.api.gss_delete_sec_context)(&mut minor, &mut self.raw, ptr::null_mut()) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_import_and_display_without_a_kdc() {
        assert!(
            available(),
            "libgssapi_krb5.so.2 (libgssapi-krb5-2) is needed"
        );
        let n = Name::import(b"zmq@example.org", NameType::Hostbased).unwrap();
        let shown = n.display().unwrap();
        assert!(shown.starts_with(b"zmq"), "{shown:?}");
        let p = Name::import(b"alice/admin@EXAMPLE.ORG", NameType::Krb5Principal).unwrap();
        assert_eq!(p.display().unwrap(), b"alice/admin@EXAMPLE.ORG");
        let u = Name::import(b"bob", NameType::User).unwrap();
        assert_eq!(u.display().unwrap(), b"bob");
        // Failures read as the library words them.
        let bad_name = Failure {
            major: 0x0002_0000,
            minor: 0,
        };
        assert_eq!(
            bad_name.to_string(),
            "An invalid name was supplied (major status 0x20000, minor 0)"
        );
        // A context that was never begun has nothing to wrap with.
        let mut c = Context::new().unwrap();
        assert!(c.wrap(b"x").is_err());
        assert!(c.unwrap(b"x").is_err());
    }
}
