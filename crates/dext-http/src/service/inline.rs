//! [`HandlerFuture`]: a type-erased handler future stored inline, so that calling a handler
//! through `dyn Handler` allocates nothing.
//!
//! A `Box<dyn Future>` per request would be one allocation per call. Instead the future is
//! written into a fixed, 16-byte-aligned buffer inside `HandlerFuture`, with a vtable of two
//! functions (poll, drop) for its concrete type. A future larger than [`INLINE_CAPACITY`]
//! bytes, or more aligned than 16, is boxed instead (one allocation per call, still correct);
//! [`HandlerFuture::is_inline`] tells which happened, and the allocation tests assert it.
//!
//! Invariants:
//! - `storage` holds a live value of the type `vtable` was made for, from construction until
//!   `drop`; nothing else reads or writes it.
//! - Once a `HandlerFuture` is pinned (it is `!Unpin`), the value never moves, which is what
//!   `poll` needs to pin the inner future in place.
//! - Only `Send` futures are accepted, which makes `HandlerFuture` `Send`.

use core::future::Future;
use core::marker::{PhantomData, PhantomPinned};
use core::mem::{MaybeUninit, align_of, size_of};
use core::pin::Pin;
use core::task::{Context, Poll};

/// Bytes of inline storage: room for handlers that keep a few hundred bytes of state across
/// `.await`s. Larger futures are boxed.
pub const INLINE_CAPACITY: usize = 512;

#[repr(C, align(16))]
struct Storage(MaybeUninit<[u8; INLINE_CAPACITY]>);

struct VTable {
    poll: unsafe fn(*mut (), &mut Context<'_>) -> Poll<()>,
    drop: unsafe fn(*mut ()),
    inline: bool,
}

/// The future a [`Handler`](super::Handler) returns: any `Send` future of `()`, erased,
/// stored inline when it fits.
pub struct HandlerFuture<'a> {
    storage: Storage,
    vtable: &'static VTable,
    _marker: PhantomData<(&'a (), *mut ())>,
    _pin: PhantomPinned,
}

// SAFETY: `new` accepts only `Send` futures, and the storage is reached only through `&mut`.
unsafe impl Send for HandlerFuture<'_> {}

impl<'a> HandlerFuture<'a> {
    /// Erases `future`, inline if it fits.
    pub fn new<F: Future<Output = ()> + Send + 'a>(future: F) -> HandlerFuture<'a> {
        if fits::<F>() { Self::new_inline(future, true) } else { Self::new_inline(Box::pin(future), false) }
    }

    fn new_inline<F: Future<Output = ()> + Send + 'a>(future: F, inline: bool) -> HandlerFuture<'a> {
        // `Pin<Box<_>>` is one pointer, so the boxed path always fits; a type that does not is
        // a bug in `new`, and the check keeps it from writing out of bounds.
        assert!(fits::<F>(), "HandlerFuture: {} bytes do not fit inline", size_of::<F>());
        let mut storage = Storage(MaybeUninit::uninit());
        // SAFETY: `F` fits the buffer in size and alignment (checked above); the buffer is
        // uninitialised, so writing does not drop anything.
        unsafe { storage.0.as_mut_ptr().cast::<F>().write(future) };
        HandlerFuture { storage, vtable: vtable::<F>(inline), _marker: PhantomData, _pin: PhantomPinned }
    }

    /// Erases `future` into `slot` (dropping the future there, if any), building it in place:
    /// the inline storage is never moved, which [`HandlerFuture::new`] followed by a move
    /// into place would do (a copy of [`INLINE_CAPACITY`] bytes).
    pub fn emplace<F: Future<Output = ()> + Send + 'a>(mut slot: Pin<&mut Option<HandlerFuture<'a>>>, future: F) {
        if !fits::<F>() {
            slot.set(Some(Self::new(future)));
            return;
        }
        // SAFETY: nothing pinned is moved: the old future (if any) is dropped in place by the
        // assignment of `None`, then an empty shell is written whose storage is uninitialised
        // (so no bytes of it are copied), and `future`, which is not pinned yet, is written
        // into that storage. Nothing between writing the shell and writing the future can
        // panic, so the shell's vtable never meets uninitialised storage.
        unsafe {
            let slot = slot.get_unchecked_mut();
            *slot = None;
            let shell = slot.insert(HandlerFuture {
                storage: Storage(MaybeUninit::uninit()),
                vtable: vtable::<F>(true),
                _marker: PhantomData,
                _pin: PhantomPinned,
            });
            shell.storage.0.as_mut_ptr().cast::<F>().write(future);
        }
    }

    /// Whether the future is stored inline (no allocation was made for it).
    pub fn is_inline(&self) -> bool {
        self.vtable.inline
    }
}

const fn fits<F>() -> bool {
    size_of::<F>() <= INLINE_CAPACITY && align_of::<F>() <= align_of::<Storage>()
}

fn vtable<F: Future<Output = ()>>(inline: bool) -> &'static VTable {
    if inline {
        &VTable { poll: poll::<F>, drop: drop::<F>, inline: true }
    } else {
        &VTable { poll: poll::<F>, drop: drop::<F>, inline: false }
    }
}

/// # Safety
/// `ptr` points to a live, pinned `F`.
unsafe fn poll<F: Future<Output = ()>>(ptr: *mut (), cx: &mut Context<'_>) -> Poll<()> {
    // SAFETY: the caller guarantees a live `F` that never moves again.
    unsafe { Pin::new_unchecked(&mut *ptr.cast::<F>()).poll(cx) }
}

/// # Safety
/// `ptr` points to a live `F`, which is not used afterwards.
unsafe fn drop<F>(ptr: *mut ()) {
    // SAFETY: the caller guarantees a live `F` that is dropped exactly once.
    unsafe { ptr.cast::<F>().drop_in_place() }
}

impl Future for HandlerFuture<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: `self` is pinned, so `storage` does not move and nothing is moved out of it;
        // it holds a live value of the vtable's type (module invariants).
        unsafe {
            let this = self.get_unchecked_mut();
            (this.vtable.poll)(this.storage.0.as_mut_ptr().cast(), cx)
        }
    }
}

impl Drop for HandlerFuture<'_> {
    fn drop(&mut self) {
        // SAFETY: the storage holds a live value of the vtable's type, dropped only here.
        unsafe { (self.vtable.drop)(self.storage.0.as_mut_ptr().cast()) }
    }
}

impl core::fmt::Debug for HandlerFuture<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HandlerFuture").field("inline", &self.is_inline()).finish()
    }
}
