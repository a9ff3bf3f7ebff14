use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

use dext_rt::Runtime;

#[path = "../common/mailbox.rs"]
mod mailbox;
pub use mailbox::Mailbox;

pub fn rt(workers: usize) -> Runtime {
    Runtime::builder().workers(workers).build().expect("runtime")
}

/// Sets its flag when dropped: proves that a cancelled future was dropped.
pub struct DropFlag(pub Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

pub fn flag() -> (Arc<AtomicBool>, DropFlag) {
    let f = Arc::new(AtomicBool::new(false));
    (f.clone(), DropFlag(f))
}

/// Tracks the peak of a concurrently incremented counter.
#[derive(Default)]
pub struct Peak {
    now: AtomicUsize,
    max: AtomicUsize,
}

impl Peak {
    pub fn enter(&self) {
        let n = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(n, Ordering::SeqCst);
    }
    pub fn leave(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }
    pub fn max(&self) -> usize {
        self.max.load(Ordering::SeqCst)
    }
}

struct Unparker(Thread, Mutex<bool>);
impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        *self.1.lock().unwrap() = true;
        self.0.unpark();
    }
}

/// A minimal executor for awaiting a JoinHandle off the runtime (e.g. after shutdown).
pub fn block_on_plain<F: Future>(f: F) -> F::Output {
    let u = Arc::new(Unparker(thread::current(), Mutex::new(false)));
    let waker = Waker::from(u.clone());
    let mut cx = Context::from_waker(&waker);
    let mut f = pin!(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        while !std::mem::take(&mut *u.1.lock().unwrap()) {
            thread::park();
        }
    }
}

/// Runs `f` on worker `w` and blocks until it is done.
pub fn on_worker<F>(rt: &Runtime, w: usize, f: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let h = rt.handle().spawn_on(w, f);
    rt.block_on(async move { h.await.expect("task on worker") })
}
