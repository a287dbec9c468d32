//! Names, interfaces and socket options the standard library and socket2 do not cover.

use std::ffi::{CStr, CString};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, BorrowedFd};

/// if_nametoindex(3): the index of interface `name`, 0 if there is none.
pub fn if_nametoindex(name: &str) -> u32 {
    let Ok(name) = CString::new(name) else {
        return 0;
    };
    // SAFETY: a NUL-terminated interface name that outlives the call.
    unsafe { libc::if_nametoindex(name.as_ptr()) }
}

/// if_indextoname(3): the name of interface `index`, if there is one.
pub fn if_indextoname(index: u32) -> Option<String> {
    let mut name = [0 as libc::c_char; libc::IF_NAMESIZE];
    // SAFETY: `name` has room for IF_NAMESIZE bytes, as if_indextoname requires.
    let found = unsafe { libc::if_indextoname(index, name.as_mut_ptr()) };
    if found.is_null() {
        return None;
    }
    // SAFETY: if_indextoname wrote a NUL-terminated name into `name`.
    let name = unsafe { CStr::from_ptr(name.as_ptr()) };
    Some(name.to_string_lossy().into_owned())
}

/// The first address of interface `name` in the family asked for (getifaddrs(3)).
pub fn interface_address(name: &str, ipv6: bool) -> Option<IpAddr> {
    let cname = CString::new(name).ok()?;
    let mut ifap: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `ifap` with a list freed below.
    if unsafe { libc::getifaddrs(&mut ifap) } != 0 {
        return None;
    }
    let want = if ipv6 { libc::AF_INET6 } else { libc::AF_INET };
    let mut found = None;
    let mut cur = ifap;
    while !cur.is_null() && found.is_none() {
        // SAFETY: `cur` walks the list getifaddrs returned, which is alive until freed.
        let ifa = unsafe { &*cur };
        cur = ifa.ifa_next;
        if ifa.ifa_addr.is_null() {
            continue;
        }
        // SAFETY: ifa_name is a NUL-terminated string owned by the list.
        if unsafe { CStr::from_ptr(ifa.ifa_name) } != cname.as_c_str() {
            continue;
        }
        // SAFETY: ifa_addr is non-NULL and its family says which sockaddr it holds.
        found = unsafe { sockaddr_ip(ifa.ifa_addr, want) };
    }
    // SAFETY: the list came from getifaddrs and is freed once.
    unsafe { libc::freeifaddrs(ifap) };
    found
}

/// getaddrinfo(3) for one host, no service: the first result's address if it is of
/// `family` (`Ok(None)` if not), or the `EAI_*` code it failed with.
pub fn getaddrinfo(
    host: &CStr,
    family: libc::c_int,
    flags: libc::c_int,
) -> Result<Option<IpAddr>, libc::c_int> {
    let hints = libc::addrinfo {
        ai_flags: flags,
        ai_family: family,
        ai_socktype: libc::SOCK_STREAM,
        ai_protocol: 0,
        ai_addrlen: 0,
        ai_addr: std::ptr::null_mut(),
        ai_canonname: std::ptr::null_mut(),
        ai_next: std::ptr::null_mut(),
    };
    let mut res: *mut libc::addrinfo = std::ptr::null_mut();
    // SAFETY: `host` is NUL-terminated, `hints` a valid addrinfo with null pointers,
    // `res` a valid out-pointer.
    let rc = unsafe { libc::getaddrinfo(host.as_ptr(), std::ptr::null(), &hints, &mut res) };
    if rc != 0 {
        return Err(rc);
    }
    if res.is_null() {
        return Ok(None);
    }
    // SAFETY: getaddrinfo succeeded: `res` is a valid list until freed below, and its
    // first entry's ai_addr is a sockaddr whose family field says its size.
    let ip = unsafe { sockaddr_ip((*res).ai_addr, family) };
    // SAFETY: `res` came from a successful getaddrinfo and is freed once.
    unsafe { libc::freeaddrinfo(res) };
    Ok(ip)
}

/// The IP address of a sockaddr of family `want` (`None` for another family).
///
/// # Safety
/// `sa` points at a valid sockaddr whose family field says how large it is.
unsafe fn sockaddr_ip(sa: *const libc::sockaddr, want: libc::c_int) -> Option<IpAddr> {
    // SAFETY: the caller guarantees a valid sockaddr; each family is read as its type.
    unsafe {
        match i32::from((*sa).sa_family) {
            libc::AF_INET if want == libc::AF_INET => {
                let sin = &*(sa as *const libc::sockaddr_in);
                Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(
                    sin.sin_addr.s_addr,
                ))))
            }
            libc::AF_INET6 if want == libc::AF_INET6 => {
                let sin6 = &*(sa as *const libc::sockaddr_in6);
                Some(IpAddr::V6(Ipv6Addr::from(sin6.sin6_addr.s6_addr)))
            }
            _ => None,
        }
    }
}

/// setsockopt(2) of an int option that socket2 has no setter for.
pub fn set_int_option(
    fd: BorrowedFd<'_>,
    level: libc::c_int,
    name: libc::c_int,
    value: libc::c_int,
) -> io::Result<()> {
    // SAFETY: setsockopt reads exactly size_of::<c_int>() bytes from `value`, which
    // lives through the call, on a live descriptor.
    let rc = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            &value as *const libc::c_int as *const libc::c_void,
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// The credentials of a unix socket's peer (SO_PEERCRED): uid, gid, pid.
pub fn peer_credentials(fd: BorrowedFd<'_>) -> Option<(u32, u32, i32)> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: getsockopt writes at most `len` bytes into the local ucred.
    let rc = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            &mut cred as *mut libc::ucred as *mut libc::c_void,
            &mut len,
        )
    };
    (rc == 0).then_some((cred.uid, cred.gid, cred.pid))
}

/// linux/tipc.h's `struct sockaddr_tipc`: the union's widest member is three words.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct RawTipc {
    pub family: u16,
    pub addrtype: u8,
    pub scope: i8,
    pub addr: [u32; 3],
}

/// A `struct sockaddr_tipc` as a socket address.
pub fn tipc_sockaddr(raw: RawTipc) -> socket2::SockAddr {
    // SAFETY: sockaddr_storage is plain data, for which all zeroes is a value.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    // SAFETY: sockaddr_storage (128 bytes, 8-aligned) has room for the 16-byte,
    // 4-aligned RawTipc at its start; both are plain data.
    unsafe { std::ptr::write(&mut storage as *mut _ as *mut RawTipc, raw) };
    // SAFETY: the storage holds an AF_TIPC address of exactly this length.
    unsafe { socket2::SockAddr::new(storage, std::mem::size_of::<RawTipc>() as libc::socklen_t) }
}

/// The `struct sockaddr_tipc` of a socket address of family `af_tipc`, if it is one.
pub fn tipc_from_sockaddr(a: &socket2::SockAddr, af_tipc: libc::c_int) -> Option<RawTipc> {
    if a.family() as libc::c_int != af_tipc || (a.len() as usize) < std::mem::size_of::<RawTipc>() {
        return None;
    }
    // SAFETY: the address is an AF_TIPC one at least as long as RawTipc, inside the
    // SockAddr's storage, which is aligned for it.
    Some(unsafe { std::ptr::read(a.as_ptr() as *const RawTipc) })
}
