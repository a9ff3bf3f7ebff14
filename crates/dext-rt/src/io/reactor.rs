//! The reactor: per-source readiness state shared between a worker's epoll and the tasks
//! doing I/O on the source.
//!
//! # Registration
//!
//! A source (socket) is registered **once**, edge-triggered, for read, write and peer
//! hang-up, on the epoll of the worker that creates it. The epoll token is a pointer to the
//! source's [`ScheduledIo`], kept alive by a reference that the registration owns. The source
//! may be used from any worker afterwards: readiness is atomic and wakers are `Send`.
//!
//! # Readiness and the edge-triggered contract
//!
//! `readiness` holds the ready bits plus a tick that every dispatch increments. A task that
//! finds a source not ready (`WouldBlock`, or a short read/write) clears the bit **only if the
//! tick is unchanged**, so an edge that arrived in between is never lost.
//!
//! A short read (fewer bytes than the buffer) or short write clears readiness without a
//! further syscall: with `EPOLLET` the kernel raises a new edge for every segment queued after
//! our read, and for every buffer space freed after our write, so waiting for that edge is
//! safe. (The one exception is TCP urgent data, which stops a read at the urgent mark; Dext
//! does not use out-of-band data.) This saves the `EAGAIN` syscall that a read-until-blocked
//! loop pays per round trip.
//!
//! # Release
//!
//! Dropping a source deletes it from epoll and closes it, then releases the registration's
//! reference. An event batch already taken from `epoll_wait` may still hold the pointer, so
//! the release happens only outside a dispatch: at once on the owner worker (tasks never run
//! during a dispatch), otherwise handed to the owner, which releases it before its next wait.

use std::io;
use std::os::fd::BorrowedFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use dext_sys::epoll;

use super::waker::AtomicWaker;
use crate::worker::{self, WorkerShared};

pub(crate) const READABLE: usize = 1 << 0;
pub(crate) const WRITABLE: usize = 1 << 1;
pub(crate) const READ_CLOSED: usize = 1 << 2;
pub(crate) const WRITE_CLOSED: usize = 1 << 3;
pub(crate) const ERROR: usize = 1 << 4;
const READ_MASK: usize = READABLE | READ_CLOSED | ERROR;
const WRITE_MASK: usize = WRITABLE | WRITE_CLOSED | ERROR;
const TICK_SHIFT: u32 = 8;
const BITS: usize = (1 << TICK_SHIFT) - 1;

/// The readiness a task observed, with the tick it was observed at.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReadyEvent {
    word: usize,
}

pub(crate) struct ScheduledIo {
    readiness: AtomicUsize,
    reader: AtomicWaker,
    writer: AtomicWaker,
}

impl ScheduledIo {
    fn poll_ready(&self, cx: &mut Context<'_>, mask: usize, waker: &AtomicWaker) -> Poll<ReadyEvent> {
        let word = self.readiness.load(Ordering::Acquire);
        if word & mask != 0 {
            return Poll::Ready(ReadyEvent { word });
        }
        waker.register(cx.waker());
        // Re-check: an edge may have been dispatched before the waker was in place.
        let word = self.readiness.load(Ordering::Acquire);
        if word & mask != 0 { Poll::Ready(ReadyEvent { word }) } else { Poll::Pending }
    }

    /// Clears `bits` unless a dispatch happened since `ev` was observed.
    fn clear(&self, ev: ReadyEvent, bits: usize) {
        let mut cur = self.readiness.load(Ordering::Acquire);
        loop {
            if cur >> TICK_SHIFT != ev.word >> TICK_SHIFT {
                return;
            }
            let new = cur & !bits;
            if new == cur {
                return;
            }
            match self.readiness.compare_exchange_weak(cur, new, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
    }
}

/// Sets readiness from an epoll event and wakes the task(s) waiting on it.
///
/// # Safety
/// `token` is a pointer obtained from `Arc::<ScheduledIo>::into_raw` whose reference is still
/// held by a registration (see the module docs on release).
pub(crate) unsafe fn dispatch(token: u64, events: u32) {
    // SAFETY: guaranteed by the caller.
    let io = unsafe { &*(token as usize as *const ScheduledIo) };
    let mut bits = 0;
    if events & (epoll::READABLE | epoll::PRIORITY) != 0 {
        bits |= READABLE;
    }
    if events & epoll::WRITABLE != 0 {
        bits |= WRITABLE;
    }
    if events & (epoll::READ_HUP | epoll::HUP) != 0 {
        bits |= READ_CLOSED;
    }
    if events & epoll::HUP != 0 {
        bits |= WRITE_CLOSED;
    }
    if events & epoll::ERROR != 0 {
        bits |= ERROR;
    }
    let mut cur = io.readiness.load(Ordering::Relaxed);
    loop {
        let tick = (cur >> TICK_SHIFT).wrapping_add(1) << TICK_SHIFT;
        let new = tick | (cur & BITS) | bits;
        match io.readiness.compare_exchange_weak(cur, new, Ordering::AcqRel, Ordering::Relaxed) {
            Ok(_) => break,
            Err(actual) => cur = actual,
        }
    }
    if bits & READ_MASK != 0 {
        io.reader.wake();
    }
    if bits & WRITE_MASK != 0 {
        io.writer.wake();
    }
}

/// A source registered with a worker's epoll. Dropping it deregisters the source; the
/// source's descriptor must still be open then (the owner drops the registration first).
pub(crate) struct Registration {
    io: Arc<ScheduledIo>,
    owner: Arc<WorkerShared>,
}

impl Registration {
    /// Registers `fd` with the current worker's epoll, edge-triggered. A fresh source starts
    /// as ready, so that it is tried once before waiting for an edge.
    pub(crate) fn new(fd: BorrowedFd<'_>) -> io::Result<Registration> {
        Self::with_readiness(fd, READABLE | WRITABLE)
    }

    /// Registers a socket whose non-blocking `connect` is in progress: it starts as not
    /// ready, so that writability really means the handshake ended. (The epoll ADD reports a
    /// handshake that ended before it.)
    pub(crate) fn connecting(fd: BorrowedFd<'_>) -> io::Result<Registration> {
        Self::with_readiness(fd, 0)
    }

    fn with_readiness(fd: BorrowedFd<'_>, initial: usize) -> io::Result<Registration> {
        let owner = worker::with_current(|core| core.map(|c| c.shared.clone()))
            .ok_or_else(|| io::Error::other("dext-rt: I/O sources must be created on a runtime worker"))?;
        let io = Arc::new(ScheduledIo {
            readiness: AtomicUsize::new(initial),
            reader: AtomicWaker::new(),
            writer: AtomicWaker::new(),
        });
        let token = Arc::into_raw(io.clone()) as usize as u64;
        let interest = epoll::READABLE | epoll::WRITABLE | epoll::READ_HUP | epoll::EDGE;
        if let Err(e) = owner.epoll.add(fd, interest, token) {
            // SAFETY: the reference we leaked into `token` was never handed to epoll.
            drop(unsafe { Arc::from_raw(token as usize as *const ScheduledIo) });
            return Err(e);
        }
        Ok(Registration { io, owner })
    }

    #[inline]
    pub(crate) fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<ReadyEvent> {
        self.io.poll_ready(cx, WRITE_MASK, &self.io.writer)
    }

    #[inline]
    pub(crate) fn clear_write(&self, ev: ReadyEvent) {
        self.io.clear(ev, WRITABLE);
    }

    /// Runs a non-blocking read-side operation: waits for readiness, retries after
    /// `WouldBlock`, and clears readiness when the operation reports it drained the source.
    /// Each call is charged to the task's cooperative budget (see `worker::coop_proceed`).
    ///
    /// `op` returns `(result, drained)`.
    #[inline]
    pub(crate) fn poll_read_io<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnMut() -> (io::Result<R>, bool),
    ) -> Poll<io::Result<R>> {
        self.poll_io(cx, READ_MASK, READABLE, &self.io.reader, op)
    }

    /// Ready once the source may be readable (or has hung up), without reading: a readiness
    /// seen earlier and not yet cleared by a blocked read counts, so the read that follows
    /// may still find nothing (and then waits as usual).
    #[inline]
    pub(crate) fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.io.poll_ready(cx, READ_MASK, &self.io.reader).map(|_| ())
    }

    /// One read-side attempt with no waiting: `WouldBlock` when the source is not known to be
    /// readable (no syscall then), or when the operation found nothing (readiness is then
    /// cleared, so a later poll waits for the next edge). Nothing is registered and nothing is
    /// charged to the cooperative budget.
    ///
    /// A source that has hung up or failed (a sticky bit) and still finds nothing gives
    /// `eof` instead of `WouldBlock`: no data can follow a hang-up, and a `WouldBlock` there
    /// would send a caller that waits for readiness straight back here, forever.
    #[inline]
    pub(crate) fn try_read_io<R>(&self, eof: R, op: impl FnOnce() -> (io::Result<R>, bool)) -> io::Result<R> {
        let word = self.io.readiness.load(Ordering::Acquire);
        if word & READ_MASK == 0 {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let ev = ReadyEvent { word };
        match op() {
            (Err(e), _) if e.kind() == io::ErrorKind::WouldBlock => {
                if word & READABLE == 0 {
                    return Ok(eof);
                }
                self.io.clear(ev, READABLE);
                Err(e)
            }
            (res, drained) => {
                if drained {
                    self.io.clear(ev, READABLE);
                }
                res
            }
        }
    }

    /// The write-side twin of [`Registration::poll_read_io`].
    #[inline]
    pub(crate) fn poll_write_io<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnMut() -> (io::Result<R>, bool),
    ) -> Poll<io::Result<R>> {
        self.poll_io(cx, WRITE_MASK, WRITABLE, &self.io.writer, op)
    }

    /// One direction of I/O: `mask` is what counts as ready, `bit` the clearable readiness.
    #[inline]
    fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        mask: usize,
        bit: usize,
        waker: &AtomicWaker,
        mut op: impl FnMut() -> (io::Result<R>, bool),
    ) -> Poll<io::Result<R>> {
        if worker::coop_proceed(cx).is_pending() {
            return Poll::Pending;
        }
        loop {
            let ev = match self.io.poll_ready(cx, mask, waker) {
                Poll::Ready(ev) => ev,
                Poll::Pending => return Poll::Pending,
            };
            match op() {
                (Err(e), _) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.io.clear(ev, bit);
                    if ev.word & bit == 0 {
                        // Ready only through a sticky bit (hang-up, error) and yet blocked:
                        // wait for a new edge instead of spinning on the sticky bit. An edge
                        // dispatched before the waker was in place changed the tick: retry.
                        waker.register(cx.waker());
                        let now = self.io.readiness.load(Ordering::Acquire);
                        if now >> TICK_SHIFT == ev.word >> TICK_SHIFT && now & bit == 0 {
                            return Poll::Pending;
                        }
                    }
                }
                (res, drained) => {
                    if drained {
                        self.io.clear(ev, bit);
                    }
                    return Poll::Ready(res);
                }
            }
        }
    }

    /// Removes `fd` from the epoll interest list and releases the registration. Call before
    /// closing `fd`.
    pub(crate) fn deregister(self, fd: BorrowedFd<'_>) {
        // Fails only if the epoll is gone or fd was never added; either way nothing is left
        // to remove.
        let _ = self.owner.epoll.delete(fd);
        // SAFETY: the epoll's reference was created by `Arc::into_raw` in `new`, and after
        // the delete no new event carries it.
        let epoll_ref = unsafe { Arc::from_raw(Arc::as_ptr(&self.io)) };
        let on_owner = worker::with_current(|core| match core {
            Some(c) => Arc::ptr_eq(&c.shared, &self.owner) && !c.is_dispatching(),
            None => false,
        });
        if on_owner {
            drop(epoll_ref);
        } else {
            self.owner.defer_release(epoll_ref);
        }
    }
}
