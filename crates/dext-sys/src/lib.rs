//! Dext's system layer: every syscall that the runtime and the servers make, as thin safe
//! wrappers that return `io::Error` on failure.
//!
//! This crate refuses to do anything clever: no buffering, no retry policy, no readiness
//! tracking. Each function is one syscall (or a fixed, documented sequence of them) whose
//! preconditions are checked by the type system or by the function itself, so that the
//! crates above can be free of `unsafe` for system calls.
//!
//! ```text
//!  dext-rt (reactor, timers, net)  ──calls──▶  dext_sys::linux::{epoll, eventfd, socket, io, thread}
//!                                                         │
//!                                                         ▼
//!                                                 libc syscall wrappers
//! ```
//!
//! Platform code sits in one module per platform, selected here and nowhere else: `linux`
//! (epoll, sockets, the rest of what the runtime needs) and `windows` (the HTTP Server API of
//! http.sys, I/O completion ports, Wine detection).
//!
//! Every Linux function that may fail goes through `linux::cvt`, which turns the C convention
//! (`-1` and `errno`) into `io::Result`; every Windows one through `windows::check`, which
//! does the same for Win32 result codes.
#![deny(missing_docs)]

#[cfg(target_os = "linux")]
pub mod linux;

#[cfg(target_os = "linux")]
pub use linux::*;

#[cfg(windows)]
pub mod windows;
