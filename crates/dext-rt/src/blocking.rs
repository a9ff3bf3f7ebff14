//! The blocking pool: a bounded set of threads for work that would stall a worker (file
//! system calls, CPU-heavy jobs, blocking libraries).
//!
//! Threads start on demand up to the maximum and exit after an idle keep-alive; jobs beyond
//! the maximum wait in a FIFO queue. This is deliberately separate from the workers, which
//! must never block.

use std::any::Any;
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

use crate::sync::oneshot;

type Job = Box<dyn FnOnce() + Send>;

pub(crate) struct BlockingPool {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    cond: Condvar,
    max: usize,
    keep_alive: Duration,
}

struct State {
    queue: VecDeque<Job>,
    threads: usize,
    /// Threads waiting for work and not yet claimed by a queued job.
    idle: usize,
    /// Wake-ups sent to idle threads and not yet taken by one.
    notified: usize,
    shutdown: bool,
}

pub(crate) type Outcome<T> = Result<T, Box<dyn Any + Send>>;

impl BlockingPool {
    pub(crate) fn new(max: usize, keep_alive: Duration) -> BlockingPool {
        BlockingPool {
            inner: Arc::new(Inner {
                state: Mutex::new(State { queue: VecDeque::new(), threads: 0, idle: 0, notified: 0, shutdown: false }),
                cond: Condvar::new(),
                max,
                keep_alive,
            }),
        }
    }

    /// Queues `f`; the receiver gets its result or its panic. If the pool is shut down the
    /// job is dropped and the receiver sees the sender gone.
    pub(crate) fn run<F, T>(&self, f: F) -> oneshot::Receiver<Outcome<T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            let out = catch_unwind(AssertUnwindSafe(f));
            let _ = tx.send(out);
        });
        let mut st = self.inner.state.lock().unwrap_or_else(|e| e.into_inner());
        if st.shutdown {
            return rx;
        }
        st.queue.push_back(job);
        if st.idle > 0 {
            // Claim an idle thread, so that the next job does not count on it too.
            st.idle -= 1;
            st.notified += 1;
            drop(st);
            self.inner.cond.notify_one();
        } else if st.threads < self.inner.max {
            st.threads += 1;
            let id = st.threads;
            drop(st);
            let inner = self.inner.clone();
            let spawned = thread::Builder::new().name(format!("dext-blocking-{id}")).spawn(move || inner.work());
            if spawned.is_err() {
                // No thread: the job waits for an existing thread, or is dropped at shutdown.
                self.inner.state.lock().unwrap_or_else(|e| e.into_inner()).threads -= 1;
            }
        }
        rx
    }

    /// Stops the pool: idle threads exit, queued jobs are dropped. Running jobs finish on
    /// their (detached) threads.
    pub(crate) fn shutdown(&self) {
        let mut st = self.inner.state.lock().unwrap_or_else(|e| e.into_inner());
        st.shutdown = true;
        let queued = std::mem::take(&mut st.queue);
        drop(st);
        drop(queued);
        self.inner.cond.notify_all();
    }
}

impl Inner {
    fn work(&self) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(job) = st.queue.pop_front() {
                drop(st);
                job();
                st = self.state.lock().unwrap_or_else(|e| e.into_inner());
                continue;
            }
            if st.shutdown {
                break;
            }
            st.idle += 1;
            let (guard, res) = self.cond.wait_timeout(st, self.keep_alive).unwrap_or_else(|e| e.into_inner());
            st = guard;
            if st.notified > 0 {
                // A job claimed us (the notifier already took us off `idle`).
                st.notified -= 1;
            } else {
                st.idle -= 1;
                if res.timed_out() && st.queue.is_empty() {
                    break;
                }
            }
        }
        st.threads -= 1;
    }
}
