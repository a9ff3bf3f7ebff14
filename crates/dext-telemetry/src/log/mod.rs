//! Structured logging: a disabled call costs a load and a compare; an enabled call
//! allocates nothing.
//!
//! ```text
//! info!("served"; http.route = route, status = 200)
//!   │ level ≤ max_level()?  (one relaxed load; false → done)
//!   │ the call site's cached verdict for its target (one relaxed load)
//!   ▼
//! Record { meta: &'static Metadata (level, target, literal message, field keys),
//!          args: formatted message parts, if any, values: &[Value] }
//!   ▼
//! the installed Sink: QueueSink copies it into this thread's ring (formatting and
//! writing happen on the exporter's side: text, JSON lines, OTLP); or your own.
//! ```
//!
//! Nothing is enabled until [`init`] installs a filter and a sink. Filters are directives
//! like `RUST_LOG`'s: `info,dext_server=debug,dext_http::h1=off` (a default level, then
//! per-target levels; the longest matching target prefix, at a `::` boundary, decides).
//! Each call site caches its verdict; [`set_filter`] clears every cached verdict.
//! The `log` crate's records flow in through [`LogBridge`] (feature `log`).

mod filter;
mod queue;

pub use filter::{Filter, FilterError};
pub use queue::{LogData, QueueSink, drain_logs, dropped_logs};

use std::fmt;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering::Acquire, Ordering::Relaxed, Ordering::Release};
use std::sync::{Arc, Mutex, OnceLock};

use crate::attr::{KeyValue, Value};
use crate::trace::{SpanContext, current};

/// A log level; lower is more severe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Level {
    /// Something failed.
    Error = 1,
    /// Something is wrong but work goes on.
    Warn = 2,
    /// Normal events worth keeping.
    Info = 3,
    /// Detail for diagnosis.
    Debug = 4,
    /// Everything.
    Trace = 5,
}

impl Level {
    /// The level's name in capitals (`INFO`).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "ERROR",
            Level::Warn => "WARN",
            Level::Info => "INFO",
            Level::Debug => "DEBUG",
            Level::Trace => "TRACE",
        }
    }

    /// OTel's severity number for the level (TRACE 1, DEBUG 5, INFO 9, WARN 13, ERROR 17).
    pub fn severity_number(self) -> i32 {
        match self {
            Level::Trace => 1,
            Level::Debug => 5,
            Level::Info => 9,
            Level::Warn => 13,
            Level::Error => 17,
        }
    }

    fn from_u8(v: u8) -> Option<Level> {
        Some(match v {
            1 => Level::Error,
            2 => Level::Warn,
            3 => Level::Info,
            4 => Level::Debug,
            5 => Level::Trace,
            _ => return None,
        })
    }
}

/// What a call site knows before it runs: level, target, the message if it is a plain
/// literal, and the fields' keys. Static for the macros, so that a call stores only what
/// varies.
#[derive(Clone, Copy, Debug)]
pub struct Metadata<'a> {
    /// The level.
    pub level: Level,
    /// The target: the module path, or the one given with `target:`.
    pub target: &'a str,
    /// The message when it has no arguments (else empty, and the record carries them).
    pub message: &'a str,
    /// The fields' keys, in the order written.
    pub keys: &'a [&'static str],
}

/// One log call, borrowed: what a sink receives.
#[derive(Clone, Copy)]
pub struct Record<'a> {
    meta: &'a Metadata<'a>,
    args: Option<fmt::Arguments<'a>>,
    values: &'a [Value<'a>],
}

impl<'a> Record<'a> {
    /// A record of `meta`, with the message's arguments if it has any, and one value per
    /// key (extra values are ignored, missing ones dropped).
    pub fn new(meta: &'a Metadata<'a>, args: Option<fmt::Arguments<'a>>, values: &'a [Value<'a>]) -> Self {
        Record { meta, args, values }
    }

    /// The level.
    pub fn level(&self) -> Level {
        self.meta.level
    }

    /// The target.
    pub fn target(&self) -> &'a str {
        self.meta.target
    }

    /// The message, to format (`Display`).
    pub fn message(&self) -> Message<'a> {
        match self.args {
            Some(a) => Message::Args(a),
            None => Message::Text(self.meta.message),
        }
    }

    /// The fields, in the order written.
    pub fn fields(&self) -> impl ExactSizeIterator<Item = KeyValue<'a>> + 'a {
        self.meta.keys.iter().zip(self.values).map(|(&key, &value)| KeyValue { key, value })
    }

    /// The current span, for correlation: read when asked (on the logging thread, during
    /// `Sink::log`), so that sinks which do not correlate do not pay for it.
    pub fn span(&self) -> Option<SpanContext> {
        current()
    }
}

/// A record's message.
#[derive(Clone, Copy, Debug)]
pub enum Message<'a> {
    /// A plain text.
    Text(&'a str),
    /// Parts to format.
    Args(fmt::Arguments<'a>),
}

impl fmt::Display for Message<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Message::Text(s) => f.write_str(s),
            Message::Args(a) => f.write_fmt(*a),
        }
    }
}

/// Where enabled records go. Called on the logging thread: keep it short, and do not log
/// from it.
pub trait Sink: Send + Sync + 'static {
    /// Takes one record.
    fn log(&self, record: &Record<'_>);
}

/// The most verbose level any directive enables; 0 (nothing) until `init`.
static MAX_LEVEL: AtomicU8 = AtomicU8::new(0);
static SINK: OnceLock<&'static dyn Sink> = OnceLock::new();
/// The filter and every call site that has cached a verdict under it.
static STATE: Mutex<(Option<Filter>, Vec<&'static Callsite>)> = Mutex::new((None, Vec::new()));

fn state() -> std::sync::MutexGuard<'static, (Option<Filter>, Vec<&'static Callsite>)> {
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Installs the sink (once per process; later calls only change the filter) and the filter.
/// Returns `false` when a different sink was installed before.
pub fn init(filter: Filter, sink: &'static dyn Sink) -> bool {
    let first = SINK.set(sink).is_ok();
    set_filter(filter);
    first
}

/// Replaces the filter; every call site decides again on its next call.
pub fn set_filter(filter: Filter) {
    let mut st = state();
    for cs in st.1.drain(..) {
        cs.interest.store(UNKNOWN, Relaxed);
    }
    let max = if SINK.get().is_some() { filter.max_level().map_or(0, |l| l as u8) } else { 0 };
    *lock_shared() = Some(Arc::new(filter.clone()));
    st.0 = Some(filter);
    // After the new filter is in place: a thread that sees the new generation reads it.
    GENERATION.fetch_add(1, Release);
    MAX_LEVEL.store(max, Relaxed);
}

/// The filter for records without a call site (the `log` bridge), shared; threads keep a
/// copy of the `Arc` and take the lock again only when `GENERATION` moved.
static SHARED: Mutex<Option<Arc<Filter>>> = Mutex::new(None);
static GENERATION: AtomicU64 = AtomicU64::new(0);

fn lock_shared() -> std::sync::MutexGuard<'static, Option<Arc<Filter>>> {
    SHARED.lock().unwrap_or_else(|e| e.into_inner())
}

thread_local! {
    /// This thread's copy of the shared filter, and the generation it was taken at.
    static FILTER: std::cell::RefCell<(u64, Option<Arc<Filter>>)> = const { std::cell::RefCell::new((u64::MAX, None)) };
}

/// The most verbose level enabled anywhere (`None`: logging is off).
#[inline(always)]
pub fn max_level() -> Option<Level> {
    Level::from_u8(MAX_LEVEL.load(Relaxed))
}

#[doc(hidden)]
#[inline(always)]
pub fn __max_level_u8() -> u8 {
    MAX_LEVEL.load(Relaxed)
}

/// Whether `level` at `target` passes the filter (without a call site's cache: for
/// records from elsewhere, such as the `log` bridge).
///
/// No lock in steady state: the thread's copy of the filter is used until `set_filter`
/// changes it.
pub fn enabled(level: Level, target: &str) -> bool {
    if (level as u8) > MAX_LEVEL.load(Relaxed) {
        return false;
    }
    let generation = GENERATION.load(Acquire);
    FILTER
        .try_with(|cell| {
            let mut c = cell.borrow_mut();
            if c.0 != generation {
                *c = (generation, lock_shared().clone());
            }
            c.1.as_ref().is_some_and(|f| f.enabled(level, target))
        })
        // While the thread's locals are being destroyed: the shared filter itself.
        .unwrap_or_else(|_| lock_shared().as_ref().is_some_and(|f| f.enabled(level, target)))
}

const UNKNOWN: u8 = 0;
const NEVER: u8 = 1;
const ALWAYS: u8 = 2;

/// A log call site: its metadata and its cached verdict. Made by the macros.
#[doc(hidden)]
pub struct Callsite {
    meta: Metadata<'static>,
    interest: AtomicU8,
}

impl Callsite {
    #[doc(hidden)]
    pub const fn new(
        level: Level,
        target: &'static str,
        message: &'static str,
        keys: &'static [&'static str],
    ) -> Callsite {
        Callsite { meta: Metadata { level, target, message, keys }, interest: AtomicU8::new(UNKNOWN) }
    }

    /// Whether the filter enables this call site.
    #[doc(hidden)]
    #[inline(always)]
    pub fn is_enabled(&'static self) -> bool {
        match self.interest.load(Relaxed) {
            ALWAYS => true,
            NEVER => false,
            _ => self.decide(),
        }
    }

    #[cold]
    #[inline(never)]
    fn decide(&'static self) -> bool {
        let mut st = state();
        let yes = st.0.as_ref().is_some_and(|f| f.enabled(self.meta.level, self.meta.target));
        self.interest.store(if yes { ALWAYS } else { NEVER }, Relaxed);
        st.1.push(self);
        yes
    }
}

/// Hands a record to the sink. Called by the macros once the call site is enabled.
#[doc(hidden)]
#[inline]
pub fn __emit(cs: &'static Callsite, args: Option<fmt::Arguments<'_>>, values: &[Value<'_>]) {
    if let Some(sink) = SINK.get() {
        sink.log(&Record { meta: &cs.meta, args, values });
    }
}

/// Logs at a level: `log!(Level::Info, "message {}", arg; key = value, "dotted.key" = value)`,
/// with an optional `target: "x",` first. Keys are identifiers or string literals; values
/// are anything that converts into a [`Value`].
#[macro_export]
macro_rules! log {
    (target: $target:expr, $level:expr, $fmt:literal $(; $($key:tt = $value:expr),* $(,)?)?) => {
        $crate::__log_call!($target, $level, $fmt, None $(; $($key = $value),*)?)
    };
    (target: $target:expr, $level:expr, $fmt:literal, $($arg:expr),+ $(,)? $(; $($key:tt = $value:expr),* $(,)?)?) => {
        $crate::__log_call!($target, $level, "", Some(format_args!($fmt, $($arg),+)) $(; $($key = $value),*)?)
    };
    ($level:expr, $fmt:literal $($rest:tt)*) => {
        $crate::log!(target: module_path!(), $level, $fmt $($rest)*)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __log_call {
    ($target:expr, $level:expr, $message:expr, $args:expr $(; $($key:tt = $value:expr),*)?) => {{
        const __LEVEL: $crate::log::Level = $level;
        if (__LEVEL as u8) <= $crate::log::__max_level_u8() {
            static __CALLSITE: $crate::log::Callsite = $crate::log::Callsite::new(
                __LEVEL,
                $target,
                $message,
                &[$($($crate::__log_key!($key)),*)?],
            );
            if __CALLSITE.is_enabled() {
                $crate::log::__emit(&__CALLSITE, $args, &[$($($crate::attr::Value::from($value)),*)?]);
            }
        }
    }};
}

#[doc(hidden)]
#[macro_export]
macro_rules! __log_key {
    ($key:ident) => {
        stringify!($key)
    };
    ($key:literal) => {
        $key
    };
}

/// `log!` at `Level::Error`.
#[macro_export]
macro_rules! error {
    (target: $target:expr, $($rest:tt)+) => { $crate::log!(target: $target, $crate::log::Level::Error, $($rest)+) };
    ($($rest:tt)+) => { $crate::log!($crate::log::Level::Error, $($rest)+) };
}

/// `log!` at `Level::Warn`.
#[macro_export]
macro_rules! warn {
    (target: $target:expr, $($rest:tt)+) => { $crate::log!(target: $target, $crate::log::Level::Warn, $($rest)+) };
    ($($rest:tt)+) => { $crate::log!($crate::log::Level::Warn, $($rest)+) };
}

/// `log!` at `Level::Info`.
#[macro_export]
macro_rules! info {
    (target: $target:expr, $($rest:tt)+) => { $crate::log!(target: $target, $crate::log::Level::Info, $($rest)+) };
    ($($rest:tt)+) => { $crate::log!($crate::log::Level::Info, $($rest)+) };
}

/// `log!` at `Level::Debug`.
#[macro_export]
macro_rules! debug {
    (target: $target:expr, $($rest:tt)+) => { $crate::log!(target: $target, $crate::log::Level::Debug, $($rest)+) };
    ($($rest:tt)+) => { $crate::log!($crate::log::Level::Debug, $($rest)+) };
}

/// `log!` at `Level::Trace`.
#[macro_export]
macro_rules! trace {
    (target: $target:expr, $($rest:tt)+) => { $crate::log!(target: $target, $crate::log::Level::Trace, $($rest)+) };
    ($($rest:tt)+) => { $crate::log!($crate::log::Level::Trace, $($rest)+) };
}

/// Routes the `log` crate's records into the installed sink, through the filter.
/// Install with `log::set_logger(&LogBridge)` and `log::set_max_level`.
#[cfg(feature = "log")]
pub struct LogBridge;

#[cfg(feature = "log")]
impl log::Log for LogBridge {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        enabled(from_log(metadata.level()), metadata.target())
    }

    fn log(&self, record: &log::Record<'_>) {
        let level = from_log(record.level());
        if !enabled(level, record.target()) {
            return;
        }
        if let Some(sink) = SINK.get() {
            let meta = Metadata { level, target: record.target(), message: "", keys: &[] };
            sink.log(&Record { meta: &meta, args: Some(*record.args()), values: &[] });
        }
    }

    fn flush(&self) {}
}

#[cfg(feature = "log")]
fn from_log(l: log::Level) -> Level {
    match l {
        log::Level::Error => Level::Error,
        log::Level::Warn => Level::Warn,
        log::Level::Info => Level::Info,
        log::Level::Debug => Level::Debug,
        log::Level::Trace => Level::Trace,
    }
}
