//! `epoll_create1`, `epoll_ctl` and `epoll_wait`.
//!
//! The runtime registers every source once, edge-triggered, with a `u64` token that it chooses.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

use super::cvt;

/// Readable (`EPOLLIN`).
pub const READABLE: u32 = libc::EPOLLIN as u32;
/// Writable (`EPOLLOUT`).
pub const WRITABLE: u32 = libc::EPOLLOUT as u32;
/// The peer shut down its writing half (`EPOLLRDHUP`).
pub const READ_HUP: u32 = libc::EPOLLRDHUP as u32;
/// Urgent data (`EPOLLPRI`).
pub const PRIORITY: u32 = libc::EPOLLPRI as u32;
/// Both halves are closed (`EPOLLHUP`); always reported.
pub const HUP: u32 = libc::EPOLLHUP as u32;
/// An error is pending on the descriptor (`EPOLLERR`); always reported.
pub const ERROR: u32 = libc::EPOLLERR as u32;
/// Edge-triggered delivery (`EPOLLET`).
pub const EDGE: u32 = libc::EPOLLET as u32;

/// One readiness event: the interest bits that fired and the token given at registration.
#[derive(Clone, Copy)]
#[repr(transparent)]
pub struct Event(libc::epoll_event);

impl Event {
    /// An empty event, to fill an event buffer with before [`Epoll::wait`].
    pub const EMPTY: Event = Event(libc::epoll_event { events: 0, u64: 0 });

    /// The readiness bits (`READABLE`, `WRITABLE`, `HUP`, ...).
    #[inline]
    pub fn readiness(&self) -> u32 {
        self.0.events
    }

    /// The token given to [`Epoll::add`].
    #[inline]
    pub fn token(&self) -> u64 {
        self.0.u64
    }
}

impl std::fmt::Debug for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (events, token) = (self.readiness(), self.token());
        f.debug_struct("Event").field("events", &events).field("token", &token).finish()
    }
}

/// An epoll instance (`epoll_create1(EPOLL_CLOEXEC)`).
#[derive(Debug)]
pub struct Epoll {
    fd: OwnedFd,
}

impl Epoll {
    /// Creates an epoll instance with `EPOLL_CLOEXEC`.
    pub fn new() -> io::Result<Epoll> {
        // SAFETY: epoll_create1 takes no pointers; a non-negative result is a new descriptor we own.
        let fd = cvt(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
        // SAFETY: `fd` was just returned by the kernel and nothing else owns it.
        Ok(Epoll { fd: unsafe { OwnedFd::from_raw_fd(fd) } })
    }

    fn ctl(&self, op: libc::c_int, fd: RawFd, interest: u32, token: u64) -> io::Result<()> {
        let mut ev = libc::epoll_event { events: interest, u64: token };
        // SAFETY: `ev` is a valid epoll_event for the duration of the call; the kernel copies it.
        cvt(unsafe { libc::epoll_ctl(self.fd.as_raw_fd(), op, fd, &mut ev) })?;
        Ok(())
    }

    /// Registers `fd` with `interest` (add [`EDGE`] for edge-triggered) and `token`.
    pub fn add(&self, fd: BorrowedFd<'_>, interest: u32, token: u64) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_ADD, fd.as_raw_fd(), interest, token)
    }

    /// Changes the interest or token of a registered `fd`.
    pub fn modify(&self, fd: BorrowedFd<'_>, interest: u32, token: u64) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_MOD, fd.as_raw_fd(), interest, token)
    }

    /// Removes `fd` from the interest list.
    pub fn delete(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_DEL, fd.as_raw_fd(), 0, 0)
    }

    /// Waits for events, filling `events` from the front, and returns how many were filled.
    ///
    /// `timeout` of `None` blocks until an event arrives; `Some(ZERO)` polls. Timeouts are
    /// rounded up to whole milliseconds so that a wait never ends before its deadline.
    /// `EINTR` is reported as zero events.
    pub fn wait(&self, events: &mut [Event], timeout: Option<Duration>) -> io::Result<usize> {
        let ms = match timeout {
            None => -1,
            Some(d) => {
                let ms = d.as_nanos().div_ceil(1_000_000);
                ms.min(libc::c_int::MAX as u128) as libc::c_int
            }
        };
        let max = events.len().min(libc::c_int::MAX as usize) as libc::c_int;
        // SAFETY: `Event` is `repr(transparent)` over `epoll_event`, and `events` is valid
        // for writes of `max` elements; a null signal mask leaves the mask alone. Through
        // `syscall(2)`, as the request path's reads and writes (see `io`): libc's wrapper is a
        // cancellation point.
        let n = unsafe {
            libc::syscall(
                libc::SYS_epoll_pwait,
                self.fd.as_raw_fd(),
                events.as_mut_ptr(),
                max,
                ms,
                std::ptr::null::<libc::sigset_t>(),
                8usize,
            )
        } as libc::c_int;
        match cvt(n) {
            Ok(n) => Ok(n as usize),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(0),
            Err(e) => Err(e),
        }
    }
}

impl AsRawFd for Epoll {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}
