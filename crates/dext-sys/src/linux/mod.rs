//! Linux syscalls: epoll, eventfd, sockets, vectored and zero-copy I/O, CPU affinity.
//!
//! Contract for every function in this module: it performs the syscall(s) named in its doc,
//! never blocks unless the file descriptor is blocking, returns `io::Error::last_os_error()`
//! on failure, and retries nothing (callers decide what `EINTR` or `EAGAIN` mean to them),
//! except where a doc says otherwise.

pub mod epoll;
pub mod eventfd;
pub mod io;
pub mod signal;
pub mod socket;
pub mod thread;

use std::io as stdio;

/// Turns the C return convention (`-1` with `errno`) into an `io::Result`.
///
/// All syscalls in this crate go through this one function (or [`cvt_isize`]) so that error
/// handling is uniform.
#[inline]
pub fn cvt(ret: libc::c_int) -> stdio::Result<libc::c_int> {
    if ret == -1 { Err(stdio::Error::last_os_error()) } else { Ok(ret) }
}

/// [`cvt`] for syscalls that return `ssize_t`.
#[inline]
pub fn cvt_isize(ret: libc::ssize_t) -> stdio::Result<usize> {
    if ret < 0 {
        Err(stdio::Error::last_os_error())
    } else {
        // `ret` is non-negative here, so the conversion is lossless.
        Ok(ret as usize)
    }
}

#[cfg(test)]
mod tests;
