//! The overlapped calls on the request queue: each hands an exchange's [`Op`] to http.sys
//! and takes it back from its completion. The one place in this crate with `unsafe`: the
//! contract of each call is that the buffers and frame it points at, all inside the `Op`,
//! stay put until the completion, which holds because `Op::start` keeps the op out of reach
//! until [`complete`] takes it back.
#![allow(unsafe_code)]

use std::io;

use dext_sys::windows::http::{CachePolicy, Queue};
use dext_sys::windows::iocp::Op;
use windows_sys::Win32::System::IO::OVERLAPPED;

use super::driver::Exchange;

/// Receives the next request (`id` 0) or the rest of request `id` into the exchange's
/// buffer.
pub(super) fn receive(queue: &Queue, op: Op<Exchange>, id: u64) -> Result<(), (Op<Exchange>, io::Error)> {
    op.start(|overlapped, ex| {
        let len = u32::try_from(ex.buf.len()).unwrap_or(u32::MAX);
        // SAFETY: the buffer and OVERLAPPED live in the Op, out of reach until `complete`.
        unsafe { queue.receive(id, ex.buf.as_mut_ptr(), len, overlapped) }
    })
}

/// Reads more of request `ex.id`'s body into the exchange's body buffer.
pub(super) fn receive_body(queue: &Queue, op: Op<Exchange>) -> Result<(), (Op<Exchange>, io::Error)> {
    op.start(|overlapped, ex| {
        let id = ex.id;
        let chunk = &mut ex.chunk;
        let len = u32::try_from(chunk.len()).unwrap_or(u32::MAX);
        // SAFETY: the chunk buffer and OVERLAPPED live in the Op, out of reach until `complete`.
        unsafe { queue.receive_body(id, chunk.as_mut_ptr(), len, overlapped) }
    })
}

/// Sends the response the exchange's frame describes (its pointers are into the exchange's
/// response, its Content-Length text, and static bytes).
pub(super) fn send(
    queue: &Queue,
    op: Op<Exchange>,
    flags: u32,
    cache: Option<CachePolicy>,
) -> Result<(), (Op<Exchange>, io::Error)> {
    op.start(|overlapped, ex| {
        let id = ex.id;
        // SAFETY: the frame and every byte it points at live in the Op (or are static, or
        // fragment names in the server's registry, which outlives every exchange) and are not
        // touched until `complete`.
        unsafe { queue.send(id, flags, &mut ex.frame, cache.as_ref(), overlapped) }
    })
}

/// Sends the next piece of a streamed body, which the exchange's frame now describes.
/// Never under Wine (its `HttpSendResponseEntityBody` aborts the process): the driver streams
/// only where [`super::Capabilities::streaming`] holds.
pub(super) fn send_body(queue: &Queue, op: Op<Exchange>, flags: u32) -> Result<(), (Op<Exchange>, io::Error)> {
    op.start(|overlapped, ex| {
        let id = ex.id;
        // SAFETY: as for `send`.
        unsafe { queue.send_body(id, flags, &mut ex.frame, overlapped) }
    })
}

/// The exchange of a completion on the queue's key.
///
/// Every operation started on the queue is one of the above, on an `Op<Exchange>`, and
/// each completion is dequeued by one worker, once.
pub(super) fn complete(overlapped: *mut OVERLAPPED) -> Op<Exchange> {
    // SAFETY: see above: the queue's completions carry the OVERLAPPED of an
    // `Op<Exchange>` started by this module, each taken back once.
    unsafe { Op::complete(overlapped) }
}
