//! The OTLP exporter: a background thread that drains dext-telemetry's span and log queues,
//! collects a metrics registry, encodes OTLP/protobuf and POSTs it to an OTLP/HTTP receiver.
//!
//! Nothing here runs on a request path: requests only write their thread's slots and cells
//! (dext-telemetry), and this thread reads them. When the receiver is slow or down, encoded
//! requests wait in a bounded queue and are retried by the OTLP rules
//! (`dext_telemetry::export::retry`); past the bound, or after the last attempt, they are
//! dropped and counted ([`ExporterStats`]). Meanwhile the span and log queues fill and drop
//! (counted by dext-telemetry); the application never waits.

use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use dext_telemetry::export::otlp::{self, Batch, LogBatch, Resource, SpanBatch};
use dext_telemetry::export::retry::{Backoff, Verdict};
use dext_telemetry::metrics::Registry;
use dext_telemetry::{KeyValue, clock};

/// Where and how to export.
#[derive(Clone)]
pub struct OtlpConfig {
    /// The receiver's address (OTLP/HTTP, usually port 4318).
    pub endpoint: SocketAddr,
    /// Resource attributes (`service.name`, ...), as owned pairs.
    pub resource: Vec<(&'static str, String)>,
    /// How often spans and logs are drained and sent.
    pub interval: Duration,
    /// The registry to collect, and how often.
    pub metrics: Option<(Registry, Duration)>,
    /// Connect, write and read timeout of one attempt.
    pub timeout: Duration,
    /// Retries.
    pub backoff: Backoff,
    /// Encoded requests that may wait for the receiver; more drop the oldest.
    pub max_pending: usize,
    /// The most spans (and, apart, log records) in one request.
    pub max_batch: usize,
}

impl OtlpConfig {
    /// Defaults for `endpoint`: spans and logs every second, no metrics, 10 s timeout,
    /// OTel's retry defaults, 64 pending requests of up to 2,048 items.
    pub fn new(endpoint: SocketAddr) -> OtlpConfig {
        OtlpConfig {
            endpoint,
            resource: Vec::new(),
            interval: Duration::from_secs(1),
            metrics: None,
            timeout: Duration::from_secs(10),
            backoff: Backoff::default(),
            max_pending: 64,
            max_batch: 2048,
        }
    }
}

/// What the exporter did; read at any time.
#[derive(Debug, Default)]
pub struct ExporterStats {
    /// Requests the receiver accepted (2xx).
    pub delivered: AtomicU64,
    /// Requests dropped: refused for good, out of attempts, or pushed out of the queue.
    pub dropped: AtomicU64,
    /// Attempts that failed and were retried.
    pub retries: AtomicU64,
    /// Spans, log records and metric collections put into requests.
    pub spans: AtomicU64,
    /// See `spans`.
    pub logs: AtomicU64,
    /// See `spans`.
    pub collections: AtomicU64,
}

/// The running exporter. Dropping it (or `shutdown`) makes a last pass, with one attempt
/// per request, and stops the thread.
pub struct OtlpExporter {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    stats: Arc<ExporterStats>,
}

impl OtlpExporter {
    /// Starts the exporter thread.
    pub fn start(config: OtlpConfig) -> io::Result<OtlpExporter> {
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(ExporterStats::default());
        let (s, st) = (stop.clone(), stats.clone());
        let thread =
            std::thread::Builder::new().name("dext-otlp".into()).spawn(move || Worker::new(config, st).run(&s))?;
        Ok(OtlpExporter { stop, thread: Some(thread), stats })
    }

    /// The counters.
    pub fn stats(&self) -> &ExporterStats {
        &self.stats
    }

    /// Flushes what is queued (one attempt each) and stops.
    pub fn shutdown(mut self) {
        self.stop_thread();
    }

    fn stop_thread(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}

impl Drop for OtlpExporter {
    fn drop(&mut self) {
        self.stop_thread();
    }
}

struct Request {
    path: &'static str,
    body: Vec<u8>,
    attempt: u32,
    not_before: Instant,
}

struct Worker {
    config: OtlpConfig,
    resource: Resource,
    stats: Arc<ExporterStats>,
    pending: VecDeque<Request>,
    conn: Option<BufReader<TcpStream>>,
    spans: SpanBatch,
    logs: LogBatch,
}

impl Worker {
    fn new(config: OtlpConfig, stats: Arc<ExporterStats>) -> Worker {
        let attrs: Vec<KeyValue<'_>> = config.resource.iter().map(|(k, v)| dext_telemetry::kv(k, v.as_str())).collect();
        let resource = Resource::new(&attrs);
        Worker {
            config,
            resource,
            stats,
            pending: VecDeque::new(),
            conn: None,
            spans: SpanBatch::default(),
            logs: LogBatch::default(),
        }
    }

    fn run(mut self, stop: &AtomicBool) {
        let start = Instant::now();
        let mut next_flush = start + self.config.interval;
        let mut next_metrics = self.config.metrics.as_ref().map(|(_, every)| start + *every);
        loop {
            let stopping = stop.load(Ordering::Acquire);
            let now = Instant::now();
            if stopping || now >= next_flush {
                self.gather();
                clock::recalibrate();
                next_flush = now + self.config.interval;
            }
            if let Some(at) = next_metrics {
                if stopping || now >= at {
                    self.collect_metrics();
                    next_metrics = self.config.metrics.as_ref().map(|(_, every)| now + *every);
                }
            }
            self.send_ready(stopping);
            if stopping {
                return;
            }
            let mut wake = next_flush;
            if let Some(at) = next_metrics {
                wake = wake.min(at);
            }
            if let Some(r) = self.pending.front() {
                wake = wake.min(r.not_before);
            }
            std::thread::park_timeout(wake.saturating_duration_since(Instant::now()));
        }
    }

    /// Drains spans and logs into requests.
    fn gather(&mut self) {
        let mut spans = std::mem::take(&mut self.spans);
        self.gather_signal(&mut spans, |s| &s.spans);
        self.spans = spans;
        let mut logs = std::mem::take(&mut self.logs);
        self.gather_signal(&mut logs, |s| &s.logs);
        self.logs = logs;
    }

    /// Drains one signal's queue into requests of at most `max_batch` items, counting them
    /// in the statistic `counted` names.
    fn gather_signal<B: Batch>(&mut self, batch: &mut B, counted: fn(&ExporterStats) -> &AtomicU64) {
        let max = self.config.max_batch;
        loop {
            let n = batch.drain(max);
            if n == 0 {
                break;
            }
            counted(&self.stats).fetch_add(n as u64, Ordering::Relaxed);
            let mut body = Vec::new();
            batch.encode(&self.resource, &mut body);
            self.enqueue(B::PATH, body);
            if n < max {
                break;
            }
        }
    }

    fn collect_metrics(&mut self) {
        let Some((registry, _)) = &self.config.metrics else { return };
        let snapshot = registry.collect(SystemTime::now());
        let mut body = Vec::new();
        otlp::encode_metrics(&snapshot, &self.resource, &mut body);
        self.stats.collections.fetch_add(1, Ordering::Relaxed);
        self.enqueue(otlp::METRICS_PATH, body);
    }

    fn enqueue(&mut self, path: &'static str, body: Vec<u8>) {
        if self.pending.len() >= self.config.max_pending.max(1) {
            self.pending.pop_front();
            self.stats.dropped.fetch_add(1, Ordering::Relaxed);
        }
        self.pending.push_back(Request { path, body, attempt: 0, not_before: Instant::now() });
    }

    /// Sends the requests that are due, in order; stops at the first that must wait.
    /// When `last`, each gets one attempt and is then done with, delivered or not.
    fn send_ready(&mut self, last: bool) {
        while let Some(req) = self.pending.front_mut() {
            if !last && req.not_before > Instant::now() {
                return;
            }
            req.attempt += 1;
            let (path, attempt) = (req.path, req.attempt);
            let body = std::mem::take(&mut req.body);
            let answer = self.post(path, &body);
            let (status, retry_after) = match answer {
                Ok(a) => (Some(a.0), a.1),
                Err(_) => {
                    self.conn = None;
                    (None, None)
                }
            };
            let jitter = (clock::now() % 1000) as f64 / 1000.0;
            match self.config.backoff.verdict(attempt, status, retry_after, jitter) {
                Verdict::Done => {
                    self.pending.pop_front();
                    self.stats.delivered.fetch_add(1, Ordering::Relaxed);
                }
                Verdict::Retry(_) | Verdict::Drop if last => {
                    self.pending.pop_front();
                    self.stats.dropped.fetch_add(1, Ordering::Relaxed);
                }
                Verdict::Retry(delay) => {
                    if let Some(req) = self.pending.front_mut() {
                        req.body = body;
                        req.not_before = Instant::now() + delay;
                    }
                    self.stats.retries.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                Verdict::Drop => {
                    self.pending.pop_front();
                    self.stats.dropped.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }

    /// One POST on the kept connection (made if needed): the status and `Retry-After`.
    fn post(&mut self, path: &str, body: &[u8]) -> io::Result<(u16, Option<u64>)> {
        if self.conn.is_none() {
            let s = TcpStream::connect_timeout(&self.config.endpoint, self.config.timeout)?;
            s.set_read_timeout(Some(self.config.timeout))?;
            s.set_write_timeout(Some(self.config.timeout))?;
            s.set_nodelay(true)?;
            self.conn = Some(BufReader::new(s));
        }
        let Some(conn) = self.conn.as_mut() else { return Err(io::ErrorKind::NotConnected.into()) };
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n",
            self.config.endpoint,
            otlp::CONTENT_TYPE,
            body.len()
        );
        let stream = conn.get_mut();
        stream.write_all(head.as_bytes())?;
        stream.write_all(body)?;
        let answer = read_response(conn)?;
        if answer.close {
            self.conn = None;
        }
        Ok((answer.status, answer.retry_after))
    }
}

struct Answer {
    status: u16,
    retry_after: Option<u64>,
    close: bool,
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

/// Reads one response: its head, then its body (by `Content-Length`, chunks, or to the end).
fn read_response(conn: &mut BufReader<TcpStream>) -> io::Result<Answer> {
    let mut line = String::new();
    conn.read_line(&mut line)?;
    let status = line
        .strip_prefix("HTTP/1.")
        .and_then(|r| r.get(2..5))
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| invalid("not an HTTP/1.x status line"))?;
    let (mut length, mut chunked, mut close, mut retry_after) = (None, false, line.starts_with("HTTP/1.0"), None);
    for _ in 0..100 {
        line.clear();
        if conn.read_line(&mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let l = line.trim_end();
        if l.is_empty() {
            let mut sink = Vec::new();
            if let Some(n) = length {
                conn.take(n).read_to_end(&mut sink)?;
            } else if chunked {
                read_chunks(conn)?;
            } else if status >= 200 && status != 204 && status != 304 {
                conn.read_to_end(&mut sink)?;
                close = true;
            }
            return Ok(Answer { status, retry_after, close });
        }
        let Some((name, value)) = l.split_once(':') else { continue };
        let value = value.trim();
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.parse::<u64>().ok(),
            "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
            "connection" => close |= value.eq_ignore_ascii_case("close"),
            "retry-after" => retry_after = value.parse::<u64>().ok(),
            _ => {}
        }
    }
    Err(invalid("response head too long"))
}

fn read_chunks(conn: &mut BufReader<TcpStream>) -> io::Result<()> {
    let mut line = String::new();
    loop {
        line.clear();
        conn.read_line(&mut line)?;
        let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
            .map_err(|_| invalid("bad chunk size"))?;
        let mut sink = vec![0; size + 2];
        conn.read_exact(&mut sink)?;
        if size == 0 {
            return Ok(());
        }
    }
}
