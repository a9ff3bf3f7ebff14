//! Termination signals for servers: block SIGINT and SIGTERM in the threads that will be
//! created, and wait for them synchronously on one thread (`sigtimedwait`), so that no signal
//! handler runs and no worker is interrupted.

use std::io;
use std::mem::MaybeUninit;
use std::time::Duration;

use super::cvt;

/// The signals that ask a server to stop: SIGINT and SIGTERM.
fn termination_set() -> io::Result<libc::sigset_t> {
    let mut set = MaybeUninit::<libc::sigset_t>::uninit();
    // SAFETY: `sigemptyset` initialises the set it is given; `sigaddset` takes an
    // initialised set and valid signal numbers.
    unsafe {
        cvt(libc::sigemptyset(set.as_mut_ptr()))?;
        cvt(libc::sigaddset(set.as_mut_ptr(), libc::SIGINT))?;
        cvt(libc::sigaddset(set.as_mut_ptr(), libc::SIGTERM))?;
        Ok(set.assume_init())
    }
}

/// Blocks SIGINT and SIGTERM in the calling thread (`pthread_sigmask`); threads it creates
/// afterwards inherit the mask. Call it before starting worker threads, then collect the
/// signals with [`wait_termination`].
pub fn block_termination() -> io::Result<()> {
    let set = termination_set()?;
    // SAFETY: `set` is initialised; the old mask is not requested.
    let ret = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
    if ret != 0 { Err(io::Error::from_raw_os_error(ret)) } else { Ok(()) }
}

/// Waits up to `timeout` for a blocked SIGINT or SIGTERM (`sigtimedwait`) and returns its
/// number, or `None` when the time passed or a different wake-up (`EINTR`) came first.
pub fn wait_termination(timeout: Duration) -> io::Result<Option<i32>> {
    let set = termination_set()?;
    let ts = libc::timespec {
        tv_sec: timeout.as_secs().min(libc::time_t::MAX as u64) as libc::time_t,
        tv_nsec: libc::c_long::from(timeout.subsec_nanos() as i32),
    };
    // SAFETY: `set` and `ts` are initialised; the siginfo out-parameter may be null.
    let ret = unsafe { libc::sigtimedwait(&set, std::ptr::null_mut(), &ts) };
    if ret >= 0 {
        return Ok(Some(ret));
    }
    let err = io::Error::last_os_error();
    match err.raw_os_error() {
        Some(libc::EAGAIN) | Some(libc::EINTR) => Ok(None),
        _ => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blocked_signal_is_collected_not_delivered() {
        // The test runs on its own thread: blocking here affects this thread only, and
        // `pthread_kill` targets it, so the process-wide disposition never fires.
        std::thread::spawn(|| {
            block_termination().unwrap();
            assert_eq!(wait_termination(Duration::from_millis(10)).unwrap(), None);
            // SAFETY: signalling the current thread with a valid signal number.
            let ret = unsafe { libc::pthread_kill(libc::pthread_self(), libc::SIGTERM) };
            assert_eq!(ret, 0);
            assert_eq!(wait_termination(Duration::from_secs(5)).unwrap(), Some(libc::SIGTERM));
        })
        .join()
        .unwrap();
    }
}
