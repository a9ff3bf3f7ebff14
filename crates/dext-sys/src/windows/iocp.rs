//! I/O completion ports, and [`Op`]: the owner of one overlapped operation's `OVERLAPPED`
//! and buffers while the kernel holds them.

use std::io;
use std::mem::ManuallyDrop;
use std::ptr;
use std::time::Duration;

use windows_sys::Win32::Foundation::{
    CloseHandle, ERROR_IO_PENDING, GetLastError, HANDLE, INVALID_HANDLE_VALUE, NO_ERROR, WAIT_TIMEOUT,
};
use windows_sys::Win32::System::IO::{
    CreateIoCompletionPort, GetQueuedCompletionStatus, OVERLAPPED, PostQueuedCompletionStatus,
};

/// A completion port: completions of overlapped I/O on the handles bound to it, and packets
/// posted to it, taken by any thread.
#[derive(Debug)]
pub struct CompletionPort(HANDLE);

// SAFETY: a completion port handle may be used from any thread at once; that is its purpose.
unsafe impl Send for CompletionPort {}
// SAFETY: as above; every call on it is thread-safe in the kernel.
unsafe impl Sync for CompletionPort {}

/// One dequeued completion.
#[derive(Debug, Clone, Copy)]
pub struct Completion {
    /// The key of the handle the I/O was on, or of the post.
    pub key: usize,
    /// Bytes transferred.
    pub bytes: u32,
    /// The operation's `OVERLAPPED` (null for a post without one).
    pub overlapped: *mut OVERLAPPED,
    /// `NO_ERROR`, or the operation's Win32 error (`ERROR_MORE_DATA`,
    /// `ERROR_OPERATION_ABORTED`, ...).
    pub error: u32,
}

impl CompletionPort {
    /// A new port; `threads` is how many threads the kernel lets run its completions at once
    /// (0: as many as processors).
    pub fn new(threads: u32) -> io::Result<CompletionPort> {
        // SAFETY: creating a port takes no pointers.
        let h = unsafe { CreateIoCompletionPort(INVALID_HANDLE_VALUE, ptr::null_mut(), 0, threads) };
        if h.is_null() { Err(io::Error::last_os_error()) } else { Ok(CompletionPort(h)) }
    }

    /// Binds a request queue to this port: its completions come here with `key`, for as
    /// long as the queue is open.
    pub fn bind(&self, queue: &super::http::Queue, key: usize) -> io::Result<()> {
        // SAFETY: both handles are valid and owned by live values; no pointer is kept.
        let h = unsafe { CreateIoCompletionPort(queue.0, self.0, key, 0) };
        if h.is_null() { Err(io::Error::last_os_error()) } else { Ok(()) }
    }

    /// The next completion, waiting up to `timeout` (`None`: forever); `Ok(None)` when the
    /// time ran out.
    pub fn wait(&self, timeout: Option<Duration>) -> io::Result<Option<Completion>> {
        let ms = timeout.map_or(u32::MAX, |t| u32::try_from(t.as_millis()).unwrap_or(u32::MAX - 1));
        let (mut bytes, mut key, mut overlapped) = (0u32, 0usize, ptr::null_mut::<OVERLAPPED>());
        // SAFETY: the out-pointers are to locals of the right types.
        let ok = unsafe { GetQueuedCompletionStatus(self.0, &mut bytes, &mut key, &mut overlapped, ms) };
        if ok != 0 {
            return Ok(Some(Completion { key, bytes, overlapped, error: NO_ERROR }));
        }
        // SAFETY: reads this thread's last-error value.
        let error = unsafe { GetLastError() };
        if !overlapped.is_null() {
            // A completion of a failed operation.
            return Ok(Some(Completion { key, bytes, overlapped, error }));
        }
        if error == WAIT_TIMEOUT { Ok(None) } else { Err(io::Error::from_raw_os_error(error as i32)) }
    }

    /// Queues a packet without an `OVERLAPPED` (a wake-up): a waiting thread gets it as a
    /// [`Completion`] with this key and byte count.
    pub fn post(&self, key: usize, bytes: u32) -> io::Result<()> {
        // SAFETY: the port is valid; a null OVERLAPPED is allowed.
        let ok = unsafe { PostQueuedCompletionStatus(self.0, bytes, key, ptr::null()) };
        if ok != 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
    }
}

impl Drop for CompletionPort {
    fn drop(&mut self) {
        // SAFETY: our handle, closed once.
        unsafe { CloseHandle(self.0) };
    }
}

/// The heap cell of an operation: the `OVERLAPPED` first, so that a completion's pointer is
/// the cell's.
#[repr(C)]
struct Cell<T> {
    overlapped: OVERLAPPED,
    value: T,
}

/// One overlapped operation's state (`T`: its buffers and whatever the caller keeps with
/// them), boxed so that nothing moves while the kernel holds it.
///
/// [`Op::start`] hands the cell to the kernel, [`Op::complete`] takes it back from the
/// completion; in between nobody can reach it, so the kernel's writes into its buffers race
/// with nothing.
pub struct Op<T>(Box<Cell<T>>);

// SAFETY: an idle Op's OVERLAPPED is plain data that refers to nothing (its event handle is
// null); the state moves with it, which `T: Send` allows. While in flight the Op is not
// reachable at all.
unsafe impl<T: Send> Send for Op<T> {}

impl<T> std::fmt::Debug for Op<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Op")
    }
}

impl<T> Op<T> {
    /// A new operation's state.
    pub fn new(value: T) -> Op<T> {
        // SAFETY: OVERLAPPED is plain data, for which all zeroes is the required start.
        let overlapped = unsafe { std::mem::zeroed() };
        Op(Box::new(Cell { overlapped, value }))
    }

    /// The state.
    pub fn get(&self) -> &T {
        &self.0.value
    }

    /// The state, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.0.value
    }

    /// The state, out of its cell.
    pub fn into_inner(self) -> T {
        self.0.value
    }

    /// Starts the operation: `call` issues the overlapped call with the (zeroed) `OVERLAPPED`
    /// and the state, and returns its Win32 result. For `NO_ERROR` and `ERROR_IO_PENDING` the
    /// operation is in flight (its handle is bound to a completion port that does not skip
    /// completions on success, so a completion will come for it: take the state back with
    /// [`Op::complete`]); for any other result, `ERROR_MORE_DATA` included, it is handed back
    /// with the error. (A receive that finds its buffer too small at once returns
    /// `ERROR_MORE_DATA` with no completion to follow: Microsoft's own http.sys clients,
    /// HttpListener and ASP.NET Core's HttpSys server, retry it on the spot with the same
    /// `OVERLAPPED`.)
    pub fn start(self, call: impl FnOnce(*mut OVERLAPPED, &mut T) -> u32) -> Result<(), (Op<T>, io::Error)> {
        let cell = Box::into_raw(self.0);
        // SAFETY: `cell` is the box's unique pointer, valid until rebuilt below or in
        // `complete`; the fields are reached through it without making a reference that
        // would outlive this call.
        let result = unsafe {
            (*cell).overlapped = std::mem::zeroed();
            call(&raw mut (*cell).overlapped, &mut (*cell).value)
        };
        match result {
            NO_ERROR | ERROR_IO_PENDING => Ok(()),
            // SAFETY: the call failed at once: the kernel holds nothing, the box is ours again.
            code => Err((Op(unsafe { Box::from_raw(cell) }), io::Error::from_raw_os_error(code as i32))),
        }
    }

    /// Takes back the state of a completed operation.
    ///
    /// # Safety
    /// `overlapped` is the pointer of a [`Completion`] of an operation started by
    /// [`Op::start`] on an `Op<T>` of this same `T`, and each such completion is taken back
    /// once.
    pub unsafe fn complete(overlapped: *mut OVERLAPPED) -> Op<T> {
        // SAFETY: by the contract, `overlapped` is the first field of a leaked `Cell<T>`
        // (`repr(C)`), whose ownership comes back here exactly once.
        Op(unsafe { Box::from_raw(overlapped.cast::<Cell<T>>()) })
    }

    /// Leaks the operation for good (when its completion may never be collected, such as
    /// at an abort): better a leak than a free the kernel could still write into.
    pub fn forget(self) {
        let _ = ManuallyDrop::new(self);
    }
}
