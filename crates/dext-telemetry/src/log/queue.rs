//! The queue sink: records copied into per-thread rings, formatted and written by the
//! exporter's side.

use std::cell::RefCell;
use std::fmt::Write as _;

use super::{Level, Message, Record, Sink};
use crate::attr::{KeyValue, Value};
use crate::clock::{self, Time};
use crate::inline::{Attr, NO_ATTR, Text, TextRef};
use crate::trace::ring::{Producer, Rings};
use crate::trace::{SpanContext, SpanId, TraceId};

/// The most fields a queued record keeps.
pub const MAX_FIELDS: usize = 8;
/// The bytes of text (target, message, string fields) a queued record keeps.
pub const LOG_TEXT_CAPACITY: usize = 512;
/// Records each logging thread's ring holds until drained.
pub const LOG_RING_CAPACITY: usize = 1024;

/// A queued log record.
#[derive(Clone, Debug)]
pub struct LogData {
    time: Time,
    level: Level,
    trace_id: TraceId,
    span_id: SpanId,
    target: TextRef,
    message: TextRef,
    n_fields: u8,
    dropped_fields: u16,
    fields: [Attr; MAX_FIELDS],
    text: Text<LOG_TEXT_CAPACITY>,
}

impl Default for LogData {
    fn default() -> Self {
        LogData {
            time: Time::Nanos(0),
            level: Level::Info,
            trace_id: TraceId::INVALID,
            span_id: SpanId::INVALID,
            target: TextRef::default(),
            message: TextRef::default(),
            n_fields: 0,
            dropped_fields: 0,
            fields: [NO_ATTR; MAX_FIELDS],
            text: Text::default(),
        }
    }
}

impl LogData {
    /// Fills this (reused) slot from a record, at time `time`.
    fn fill(&mut self, r: &Record<'_>, time: Time, span: Option<SpanContext>) {
        self.time = time;
        self.level = r.level();
        (self.trace_id, self.span_id) = span.map_or((TraceId::INVALID, SpanId::INVALID), |s| (s.trace_id, s.span_id));
        self.text.clear();
        self.target = self.text.push(&[r.target()]);
        self.message = match r.message() {
            Message::Text(t) => self.text.push(&[t]),
            Message::Args(a) => self.text.push_fmt(a),
        };
        let fields = r.fields();
        let total = fields.len();
        let mut n = 0;
        for (slot, f) in self.fields.iter_mut().zip(fields) {
            *slot = Attr { key: f.key, value: self.text.store(f.value) };
            n += 1;
        }
        self.n_fields = n as u8;
        self.dropped_fields = (total - n) as u16;
    }

    /// When the call was made, in Unix nanoseconds.
    pub fn time(&self) -> u64 {
        self.time.nanos()
    }

    /// The level.
    pub fn level(&self) -> Level {
        self.level
    }

    /// The target.
    pub fn target(&self) -> &str {
        self.text.get(self.target)
    }

    /// The message (cut to fit).
    pub fn message(&self) -> &str {
        self.text.get(self.message)
    }

    /// The span current at the call (invalid ids if none).
    pub fn span(&self) -> (TraceId, SpanId) {
        (self.trace_id, self.span_id)
    }

    /// The fields, in the order written.
    pub fn fields(&self) -> impl ExactSizeIterator<Item = KeyValue<'_>> {
        self.fields[..usize::from(self.n_fields)].iter().map(|a| self.text.attr(a))
    }

    /// Fields that did not fit.
    pub fn dropped_fields(&self) -> u16 {
        self.dropped_fields
    }

    /// Appends a human-readable line: `2026-11-26T19:49:36.123456Z INFO target: message
    /// key=value ...` and a newline.
    pub fn write_text(&self, out: &mut String) {
        write_rfc3339(out, self.time());
        let _ = write!(out, " {:5} {}: {}", self.level.as_str(), self.target(), self.message());
        for f in self.fields() {
            match f.value {
                Value::Str(s) if s.is_empty() || s.contains([' ', '"', '=', '\n']) => {
                    let _ = write!(out, " {}={:?}", f.key, s);
                }
                v => {
                    let _ = write!(out, " {}={}", f.key, v);
                }
            }
        }
        if self.trace_id.is_valid() {
            let _ = write!(out, " trace_id={} span_id={}", self.trace_id, self.span_id);
        }
        out.push('\n');
    }

    /// Appends one JSON object and a newline: `timestamp`, `level`, `target`, `message`,
    /// the fields, and `trace_id`/`span_id` when a span was current.
    pub fn write_json(&self, out: &mut String) {
        out.push_str("{\"timestamp\":\"");
        write_rfc3339(out, self.time());
        out.push_str("\",\"level\":\"");
        out.push_str(self.level.as_str());
        out.push_str("\",\"target\":");
        json_string(out, self.target());
        out.push_str(",\"message\":");
        json_string(out, self.message());
        for f in self.fields() {
            out.push(',');
            json_string(out, f.key);
            out.push(':');
            match f.value {
                Value::Bool(b) => {
                    let _ = write!(out, "{b}");
                }
                Value::I64(i) => {
                    let _ = write!(out, "{i}");
                }
                // JSON has no NaN or infinities: those go as strings.
                Value::F64(x) if x.is_finite() => {
                    let _ = write!(out, "{x:?}");
                }
                Value::F64(x) => json_string(out, &x.to_string()),
                Value::Str(s) => json_string(out, s),
            }
        }
        if self.trace_id.is_valid() {
            let _ = write!(out, ",\"trace_id\":\"{}\",\"span_id\":\"{}\"", self.trace_id, self.span_id);
        }
        out.push_str("}\n");
    }
}

/// Appends `s` as a JSON string.
fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends Unix nanoseconds as RFC 3339 UTC with microseconds.
fn write_rfc3339(out: &mut String, nanos: u64) {
    let secs = nanos / 1_000_000_000;
    let micros = (nanos % 1_000_000_000) / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let _ = write!(out, "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}Z", rem / 3600, rem / 60 % 60, rem % 60);
}

static LOGS: Rings<LogData> = Rings::new(LOG_RING_CAPACITY);

thread_local! {
    static PRODUCER: RefCell<Option<Producer<LogData>>> = const { RefCell::new(None) };
}

/// The sink that queues records for the exporter's side: the record is copied (fields by
/// value, strings into the slot's text area, the message formatted there) into a slot of
/// this thread's ring; a full ring drops the record and counts it.
pub struct QueueSink;

impl Sink for QueueSink {
    #[inline]
    fn log(&self, record: &Record<'_>) {
        let time = Time::Ticks(clock::ticks());
        let span = record.span();
        let pushed = PRODUCER.try_with(|p| {
            let Ok(mut p) = p.try_borrow_mut() else { return false };
            if p.is_none() {
                *p = LOGS.producer();
            }
            p.as_mut().is_some_and(|p| p.push_with(|slot| slot.fill(record, time, span)))
        });
        if pushed != Ok(true) {
            LOGS.note_dropped();
        }
    }
}

/// Hands up to `max` queued records to `f`, oldest first per thread; returns how many.
pub fn drain_logs(max: usize, f: impl FnMut(&LogData)) -> usize {
    LOGS.drain(max, f)
}

/// Records dropped because their thread's ring was full.
pub fn dropped_logs() -> u64 {
    LOGS.dropped()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::Metadata;
    use crate::trace::TraceFlags;

    #[test]
    fn records_format_as_text_and_json() {
        let mut d = LogData::default();
        let meta = Metadata {
            level: Level::Warn,
            target: "app::http",
            message: "",
            keys: &["method", "status", "path", "ok", "ms"],
        };
        let values = [Value::Str("GET"), Value::I64(200), Value::Str("/a b\"c"), Value::Bool(true), Value::F64(1.5)];
        let span = SpanContext {
            trace_id: TraceId::from_u128(1),
            span_id: SpanId::from_u64(2),
            flags: TraceFlags(1),
            is_remote: false,
        };
        d.fill(
            &Record::new(&meta, Some(format_args!("served {} in {}", "x", 3)), &values),
            Time::Nanos(1_764_186_576_123_456_789),
            Some(span),
        );
        let mut t = String::new();
        d.write_text(&mut t);
        assert_eq!(
            t,
            "2025-11-26T19:49:36.123456Z WARN  app::http: served x in 3 method=GET status=200 \
             path=\"/a b\\\"c\" ok=true ms=1.5 trace_id=00000000000000000000000000000001 \
             span_id=0000000000000002\n"
        );
        let mut j = String::new();
        d.write_json(&mut j);
        assert_eq!(
            j,
            "{\"timestamp\":\"2025-11-26T19:49:36.123456Z\",\"level\":\"WARN\",\"target\":\"app::http\",\
             \"message\":\"served x in 3\",\"method\":\"GET\",\"status\":200,\"path\":\"/a b\\\"c\",\
             \"ok\":true,\"ms\":1.5,\"trace_id\":\"00000000000000000000000000000001\",\
             \"span_id\":\"0000000000000002\"}\n"
        );
        // Parsed back by a real JSON reader (in the integration tests, serde-free here):
        // the structure is checked above byte for byte.
        let mut s = String::new();
        write_rfc3339(&mut s, 0);
        assert_eq!(s, "1970-01-01T00:00:00.000000Z");
        s.clear();
        write_rfc3339(&mut s, 951_782_400_000_000_000); // 2000-02-29
        assert_eq!(s, "2000-02-29T00:00:00.000000Z");
    }

    #[test]
    fn too_many_fields_are_counted() {
        let mut d = LogData::default();
        let keys = ["k"; 11];
        let values: Vec<Value<'_>> = (0..11).map(Value::from).collect();
        let meta = Metadata { level: Level::Info, target: "t", message: "m", keys: &keys };
        let rec = Record::new(&meta, None, &values);
        d.fill(&rec, Time::Nanos(0), None);
        assert_eq!(d.fields().count(), MAX_FIELDS);
        assert_eq!(d.dropped_fields(), 3);
        let mut j = String::new();
        d.write_json(&mut j);
        assert!(!j.contains("trace_id"));
    }
}
