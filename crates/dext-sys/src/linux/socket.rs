//! Non-blocking TCP sockets: `socket`, `setsockopt`, `bind`, `listen`, `accept4`, `connect`,
//! `getsockname`/`getpeername`, `shutdown`.

use std::io;
use std::mem;
use std::net::{Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};

use super::cvt;

/// A socket descriptor, always created with `SOCK_NONBLOCK | SOCK_CLOEXEC`.
#[derive(Debug)]
pub struct Socket {
    fd: OwnedFd,
}

/// Options for [`Socket::listen_tcp`].
#[derive(Debug, Clone, Copy)]
pub struct ListenOptions {
    /// `SO_REUSEADDR` (default: on), so that a restarted server can bind at once.
    pub reuse_addr: bool,
    /// `SO_REUSEPORT` (default: off): several sockets share the port and the kernel spreads
    /// new connections across them.
    pub reuse_port: bool,
    /// `SO_INCOMING_CPU` (default: none): prefer connections whose packets arrive on this CPU.
    pub incoming_cpu: Option<usize>,
    /// The `listen` backlog (default: 1024).
    pub backlog: i32,
}

impl Default for ListenOptions {
    fn default() -> Self {
        ListenOptions { reuse_addr: true, reuse_port: false, incoming_cpu: None, backlog: 1024 }
    }
}

fn domain_of(addr: &SocketAddr) -> libc::c_int {
    match addr {
        SocketAddr::V4(_) => libc::AF_INET,
        SocketAddr::V6(_) => libc::AF_INET6,
    }
}

/// Writes `addr` into a `sockaddr_storage` and returns the length to pass to the kernel.
fn to_raw(addr: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: sockaddr_storage is plain old data; all-zero is a valid value.
    let mut storage: libc::sockaddr_storage = unsafe { mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr { s_addr: u32::from_ne_bytes(a.ip().octets()) },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is larger than and suitably aligned for sockaddr_in.
            unsafe { (&mut storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in>().write(sin) };
            mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: a.flowinfo(),
                sin6_addr: libc::in6_addr { s6_addr: a.ip().octets() },
                sin6_scope_id: a.scope_id(),
            };
            // SAFETY: sockaddr_storage is larger than and suitably aligned for sockaddr_in6.
            unsafe { (&mut storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in6>().write(sin6) };
            mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}

/// Reads a socket address that the kernel wrote into `storage`.
fn from_raw(storage: &libc::sockaddr_storage) -> io::Result<SocketAddr> {
    match storage.ss_family as libc::c_int {
        libc::AF_INET => {
            // SAFETY: the family says the kernel wrote a sockaddr_in, which fits in storage.
            let sin = unsafe { &*(storage as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            let ip = Ipv4Addr::from(sin.sin_addr.s_addr.to_ne_bytes());
            Ok(SocketAddr::V4(SocketAddrV4::new(ip, u16::from_be(sin.sin_port))))
        }
        libc::AF_INET6 => {
            // SAFETY: the family says the kernel wrote a sockaddr_in6, which fits in storage.
            let sin6 = unsafe { &*(storage as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
            let ip = Ipv6Addr::from(sin6.sin6_addr.s6_addr);
            Ok(SocketAddr::V6(SocketAddrV6::new(
                ip,
                u16::from_be(sin6.sin6_port),
                sin6.sin6_flowinfo,
                sin6.sin6_scope_id,
            )))
        }
        _ => Err(io::Error::new(io::ErrorKind::InvalidInput, "unsupported address family")),
    }
}

impl Socket {
    /// `socket(domain, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)` for `addr`'s family.
    pub fn tcp_for(addr: &SocketAddr) -> io::Result<Socket> {
        let ty = libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
        // SAFETY: socket takes no pointers; a non-negative result is a new descriptor we own.
        let fd = cvt(unsafe { libc::socket(domain_of(addr), ty, 0) })?;
        // SAFETY: `fd` was just returned by the kernel and nothing else owns it.
        Ok(Socket { fd: unsafe { OwnedFd::from_raw_fd(fd) } })
    }

    /// A listening TCP socket on `addr`: `socket`, the options, `bind`, `listen`.
    pub fn listen_tcp(addr: &SocketAddr, opts: &ListenOptions) -> io::Result<Socket> {
        let s = Socket::tcp_for(addr)?;
        if opts.reuse_addr {
            s.set_opt(libc::SOL_SOCKET, libc::SO_REUSEADDR, 1)?;
        }
        if opts.reuse_port {
            s.set_opt(libc::SOL_SOCKET, libc::SO_REUSEPORT, 1)?;
        }
        if let Some(cpu) = opts.incoming_cpu {
            let cpu = libc::c_int::try_from(cpu)
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "cpu index too large"))?;
            s.set_opt(libc::SOL_SOCKET, libc::SO_INCOMING_CPU, cpu)?;
        }
        s.bind(addr)?;
        // SAFETY: listen takes no pointers.
        cvt(unsafe { libc::listen(s.fd.as_raw_fd(), opts.backlog) })?;
        Ok(s)
    }

    /// `bind(addr)`.
    pub fn bind(&self, addr: &SocketAddr) -> io::Result<()> {
        let (storage, len) = to_raw(addr);
        // SAFETY: `storage` holds a valid socket address of `len` bytes.
        cvt(unsafe { libc::bind(self.fd.as_raw_fd(), (&storage as *const libc::sockaddr_storage).cast(), len) })?;
        Ok(())
    }

    /// Starts a non-blocking `connect(addr)`. Returns `Ok(true)` if connected at once and
    /// `Ok(false)` if the connection is in progress (`EINPROGRESS`): wait for writability,
    /// then read [`Socket::take_error`].
    pub fn connect(&self, addr: &SocketAddr) -> io::Result<bool> {
        let (storage, len) = to_raw(addr);
        // SAFETY: `storage` holds a valid socket address of `len` bytes.
        let r = unsafe { libc::connect(self.fd.as_raw_fd(), (&storage as *const libc::sockaddr_storage).cast(), len) };
        match cvt(r) {
            Ok(_) => Ok(true),
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// `accept4(SOCK_NONBLOCK | SOCK_CLOEXEC)`: the new connection and the peer's address.
    pub fn accept(&self) -> io::Result<(Socket, SocketAddr)> {
        // SAFETY: sockaddr_storage is plain old data; all-zero is a valid value.
        let mut storage: libc::sockaddr_storage = unsafe { mem::zeroed() };
        let mut len = mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        let flags = libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
        // SAFETY: `storage` and `len` are valid for writes; the kernel writes at most `len` bytes.
        let fd = cvt(unsafe {
            libc::accept4(self.fd.as_raw_fd(), (&mut storage as *mut libc::sockaddr_storage).cast(), &mut len, flags)
        })?;
        // SAFETY: `fd` was just returned by the kernel and nothing else owns it.
        let sock = Socket { fd: unsafe { OwnedFd::from_raw_fd(fd) } };
        Ok((sock, from_raw(&storage)?))
    }

    fn set_opt(&self, level: libc::c_int, name: libc::c_int, value: libc::c_int) -> io::Result<()> {
        // SAFETY: we pass a pointer to a c_int and its exact size.
        cvt(unsafe {
            libc::setsockopt(
                self.fd.as_raw_fd(),
                level,
                name,
                (&value as *const libc::c_int).cast(),
                mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        })?;
        Ok(())
    }

    fn get_opt(&self, level: libc::c_int, name: libc::c_int) -> io::Result<libc::c_int> {
        let mut value: libc::c_int = 0;
        let mut len = mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: `value` and `len` are valid for writes, and `len` is the size of `value`.
        cvt(unsafe {
            libc::getsockopt(self.fd.as_raw_fd(), level, name, (&mut value as *mut libc::c_int).cast(), &mut len)
        })?;
        Ok(value)
    }

    /// `TCP_NODELAY`: send small segments at once instead of waiting (Nagle's algorithm).
    pub fn set_nodelay(&self, on: bool) -> io::Result<()> {
        self.set_opt(libc::IPPROTO_TCP, libc::TCP_NODELAY, on as libc::c_int)
    }

    /// Reads `TCP_NODELAY`.
    pub fn nodelay(&self) -> io::Result<bool> {
        Ok(self.get_opt(libc::IPPROTO_TCP, libc::TCP_NODELAY)? != 0)
    }

    /// `SO_REUSEPORT` on an unbound socket.
    pub fn set_reuse_port(&self, on: bool) -> io::Result<()> {
        self.set_opt(libc::SOL_SOCKET, libc::SO_REUSEPORT, on as libc::c_int)
    }

    /// Reads and clears the pending error (`SO_ERROR`), e.g. the outcome of a `connect`.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        let e = self.get_opt(libc::SOL_SOCKET, libc::SO_ERROR)?;
        Ok(if e == 0 { None } else { Some(io::Error::from_raw_os_error(e)) })
    }

    /// `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        // SAFETY: sockaddr_storage is plain old data; all-zero is a valid value.
        let mut storage: libc::sockaddr_storage = unsafe { mem::zeroed() };
        let mut len = mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        // SAFETY: `storage` and `len` are valid for writes.
        cvt(unsafe {
            libc::getsockname(self.fd.as_raw_fd(), (&mut storage as *mut libc::sockaddr_storage).cast(), &mut len)
        })?;
        from_raw(&storage)
    }

    /// `getpeername`.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        // SAFETY: sockaddr_storage is plain old data; all-zero is a valid value.
        let mut storage: libc::sockaddr_storage = unsafe { mem::zeroed() };
        let mut len = mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        // SAFETY: `storage` and `len` are valid for writes.
        cvt(unsafe {
            libc::getpeername(self.fd.as_raw_fd(), (&mut storage as *mut libc::sockaddr_storage).cast(), &mut len)
        })?;
        from_raw(&storage)
    }

    /// `shutdown(how)`.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        let how = match how {
            Shutdown::Read => libc::SHUT_RD,
            Shutdown::Write => libc::SHUT_WR,
            Shutdown::Both => libc::SHUT_RDWR,
        };
        // SAFETY: shutdown takes no pointers.
        cvt(unsafe { libc::shutdown(self.fd.as_raw_fd(), how) })?;
        Ok(())
    }
}

impl AsFd for Socket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for Socket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl IntoRawFd for Socket {
    fn into_raw_fd(self) -> RawFd {
        self.fd.into_raw_fd()
    }
}

impl From<OwnedFd> for Socket {
    fn from(fd: OwnedFd) -> Socket {
        Socket { fd }
    }
}

impl From<Socket> for OwnedFd {
    fn from(s: Socket) -> OwnedFd {
        s.fd
    }
}

/// Whether an `accept` error means the process or system ran out of file descriptors or
/// memory (`EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM`): the connection stays queued, and the
/// caller should back off and retry rather than spin.
pub fn accept_out_of_resources(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM))
}
