//! `eventfd`: the doorbell another thread rings to wake a worker parked in `epoll_wait`.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use super::{cvt, cvt_isize};

/// A non-blocking, close-on-exec eventfd counter.
#[derive(Debug)]
pub struct EventFd {
    fd: OwnedFd,
}

impl EventFd {
    /// Creates a counter at zero with `EFD_NONBLOCK | EFD_CLOEXEC`.
    pub fn new() -> io::Result<EventFd> {
        // SAFETY: eventfd takes no pointers; a non-negative result is a new descriptor we own.
        let fd = cvt(unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) })?;
        // SAFETY: `fd` was just returned by the kernel and nothing else owns it.
        Ok(EventFd { fd: unsafe { OwnedFd::from_raw_fd(fd) } })
    }

    /// Adds one to the counter, which makes the descriptor readable and, for an
    /// edge-triggered registration, raises a new edge on every call, read or not.
    ///
    /// So a waiter need not read the counter after each wake-up. Should the counter ever be
    /// full (2^64 - 2 unread notifications), it is reset and written again, so that the edge
    /// is never lost.
    pub fn notify(&self) -> io::Result<()> {
        let one: u64 = 1;
        for _ in 0..2 {
            // SAFETY: we pass a pointer to 8 readable bytes, as eventfd requires.
            let r = unsafe { libc::write(self.fd.as_raw_fd(), (&one as *const u64).cast(), 8) };
            match cvt_isize(r) {
                Ok(_) => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.reset()?;
                }
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::from(io::ErrorKind::WouldBlock))
    }

    /// Reads and resets the counter; returns 0 if it was already zero.
    pub fn reset(&self) -> io::Result<u64> {
        let mut v: u64 = 0;
        // SAFETY: we pass a pointer to 8 writable bytes, as eventfd requires.
        let r = unsafe { libc::read(self.fd.as_raw_fd(), (&mut v as *mut u64).cast(), 8) };
        match cvt_isize(r) {
            Ok(_) => Ok(v),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(0),
            Err(e) => Err(e),
        }
    }
}

impl AsFd for EventFd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for EventFd {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}
