//! `read`, `write`, `readv`, `writev` and `sendfile` on any descriptor.
//!
//! The four I/O calls of the request path go through `syscall(2)` rather than libc's named
//! wrappers: those are thread-cancellation points, which costs each call about 90 user-space
//! instructions of enabling and disabling asynchronous cancellation around the system call.
//! Dext never cancels threads, so the plain call does the same job.

use std::io::{self, IoSlice, IoSliceMut};
use std::os::fd::{AsRawFd, BorrowedFd};

use super::cvt_isize;

/// Most iovecs one `readv`/`writev` call takes (`IOV_MAX` on Linux).
pub const MAX_IOVECS: usize = 1024;

/// `read(fd, buf)`: the number of bytes read, 0 at end of stream.
#[inline]
pub fn read(fd: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `buf` is valid for writes of `buf.len()` bytes.
    cvt_isize(unsafe { libc::syscall(libc::SYS_read, fd.as_raw_fd(), buf.as_mut_ptr(), buf.len()) } as isize)
}

/// `write(fd, buf)`: the number of bytes written.
#[inline]
pub fn write(fd: BorrowedFd<'_>, buf: &[u8]) -> io::Result<usize> {
    // SAFETY: `buf` is valid for reads of `buf.len()` bytes.
    cvt_isize(unsafe { libc::syscall(libc::SYS_write, fd.as_raw_fd(), buf.as_ptr(), buf.len()) } as isize)
}

/// `readv(fd, bufs)` (at most [`MAX_IOVECS`] buffers are used).
#[inline]
pub fn readv(fd: BorrowedFd<'_>, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
    let n = bufs.len().min(MAX_IOVECS) as libc::c_int;
    // SAFETY: `IoSliceMut` is ABI-compatible with `iovec` on Unix, and each one is valid
    // for writes of its length.
    cvt_isize(unsafe { libc::syscall(libc::SYS_readv, fd.as_raw_fd(), bufs.as_mut_ptr(), n) } as isize)
}

/// `writev(fd, bufs)` (at most [`MAX_IOVECS`] buffers are used).
#[inline]
pub fn writev(fd: BorrowedFd<'_>, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    let n = bufs.len().min(MAX_IOVECS) as libc::c_int;
    // SAFETY: `IoSlice` is ABI-compatible with `iovec` on Unix, and each one is valid for
    // reads of its length.
    cvt_isize(unsafe { libc::syscall(libc::SYS_writev, fd.as_raw_fd(), bufs.as_ptr(), n) } as isize)
}

/// `sendfile(out, file, &offset, count)`: copies up to `count` bytes of `file` starting at
/// `*offset` to `out` inside the kernel, and advances `*offset` by the bytes sent.
#[inline]
pub fn sendfile(out: BorrowedFd<'_>, file: BorrowedFd<'_>, offset: &mut u64, count: usize) -> io::Result<usize> {
    let mut off =
        i64::try_from(*offset).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "offset too large"))?;
    // SAFETY: `off` is valid for reads and writes for the duration of the call.
    let n = cvt_isize(unsafe { libc::sendfile(out.as_raw_fd(), file.as_raw_fd(), &mut off, count) })?;
    *offset = off as u64;
    Ok(n)
}
