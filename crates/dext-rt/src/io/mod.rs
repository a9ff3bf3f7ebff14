//! I/O: the reactor's per-source readiness state and the TCP types built on it.

pub(crate) mod reactor;
pub(crate) mod waker;

pub mod net;
