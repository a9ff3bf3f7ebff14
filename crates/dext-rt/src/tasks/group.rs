//! `TaskGroup`: structured concurrency. Tasks spawned into a group are awaited together; the
//! first failure (error or panic) cancels the rest; dropping the group cancels everything.

use std::any::Any;
use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;

use super::cancel::CancellationToken;
use super::ext::FutureExt;
use crate::task::{JoinError, JoinHandle};

/// Why a group failed.
pub enum GroupError<E> {
    /// A task returned this error.
    Failed(E),
    /// A task panicked with this payload.
    Panicked(Box<dyn Any + Send>),
    /// The group's token was cancelled from outside before all tasks finished.
    Cancelled,
}

impl<E: fmt::Debug> fmt::Debug for GroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupError::Failed(e) => f.debug_tuple("Failed").field(e).finish(),
            GroupError::Panicked(_) => f.write_str("Panicked(..)"),
            GroupError::Cancelled => f.write_str("Cancelled"),
        }
    }
}

impl<E: fmt::Display> fmt::Display for GroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupError::Failed(e) => write!(f, "a task failed: {e}"),
            GroupError::Panicked(_) => f.write_str("a task panicked"),
            GroupError::Cancelled => f.write_str("the group was cancelled"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for GroupError<E> {}

/// A set of tasks that succeed or fail together.
///
/// ```no_run
/// # async fn demo() -> Result<(), dext_rt::tasks::GroupError<std::io::Error>> {
/// use dext_rt::tasks::TaskGroup;
/// let mut group = TaskGroup::new();
/// for i in 0..3u32 {
///     group.spawn(async move { Ok::<_, std::io::Error>(i * 2) });
/// }
/// let outputs = group.join_all().await?; // [0, 2, 4], in spawn order
/// # let _ = outputs; Ok(()) }
/// ```
pub struct TaskGroup<T, E> {
    token: CancellationToken,
    /// `None` once joined. A member's output is `None` when the group token stopped it.
    tasks: Vec<Option<Member<T, E>>>,
}

type Member<T, E> = JoinHandle<Option<Result<T, E>>>;

impl<T: Send + 'static, E: Send + 'static> Default for TaskGroup<T, E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Send + 'static, E: Send + 'static> TaskGroup<T, E> {
    /// An empty group with its own token.
    pub fn new() -> Self {
        Self::with_token(CancellationToken::new())
    }

    /// A group whose token is `token` (pass `parent.child_token()` to nest groups).
    pub fn with_token(token: CancellationToken) -> Self {
        TaskGroup { token, tasks: Vec::new() }
    }

    /// The group's token: tasks may watch it, and cancelling it cancels the group.
    pub fn token(&self) -> &CancellationToken {
        &self.token
    }

    /// Number of tasks spawned into the group.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// True if no task was spawned.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Spawns a task into the group (on the current worker). It stops at the group's
    /// cancellation, at its next await point.
    pub fn spawn<F>(&mut self, future: F)
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
    {
        let fut = future.with_cancel(&self.token);
        self.tasks.push(Some(super::spawn(async move { fut.await.ok() })));
    }

    /// Cancels every task in the group.
    pub fn cancel(&self) {
        self.token.cancel();
        for h in self.tasks.iter().flatten() {
            h.abort();
        }
    }

    /// Waits for every task. Returns their outputs in spawn order, or the first failure (in
    /// completion order), after cancelling the other tasks.
    pub async fn join_all(mut self) -> Result<Vec<T>, GroupError<E>> {
        let mut outs: Vec<Option<T>> = self.tasks.iter().map(|_| None).collect();
        let mut left = self.tasks.len();
        let result = poll_fn(|cx| {
            for (slot, out) in self.tasks.iter_mut().zip(outs.iter_mut()) {
                let Some(h) = slot else { continue };
                let r = match Pin::new(h).poll(cx) {
                    Poll::Pending => continue,
                    Poll::Ready(r) => r,
                };
                *slot = None;
                left -= 1;
                match r {
                    Ok(Some(Ok(v))) => *out = Some(v),
                    Ok(Some(Err(e))) => return Poll::Ready(Err(GroupError::Failed(e))),
                    Ok(None) | Err(JoinError::Cancelled) => return Poll::Ready(Err(GroupError::Cancelled)),
                    Err(JoinError::Panic(p)) => return Poll::Ready(Err(GroupError::Panicked(p))),
                }
            }
            if left == 0 { Poll::Ready(Ok(())) } else { Poll::Pending }
        })
        .await;
        match result {
            Ok(()) => Ok(outs.into_iter().map(|o| o.expect("every task finished")).collect()),
            Err(e) => {
                self.cancel();
                Err(e)
            }
        }
    }
}

impl<T, E> Drop for TaskGroup<T, E> {
    /// Cancels the group's tasks if some are still unfinished. After a successful
    /// `join_all` nothing is left, so the token (which may be shared) is left alone.
    fn drop(&mut self) {
        if self.tasks.iter().any(Option::is_some) {
            self.token.cancel();
            for h in self.tasks.iter().flatten() {
                h.abort();
            }
        }
    }
}

impl<T, E> fmt::Debug for TaskGroup<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroup").field("tasks", &self.tasks.len()).finish()
    }
}
