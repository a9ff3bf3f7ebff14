//! Spans: start, annotate, end; finished sampled spans go to the export queue.
//!
//! A recording span keeps everything inline, in a fixed-size [`SpanData`]: up to
//! [`MAX_ATTRIBUTES`] attributes (static keys; strings copied into a [`TEXT_CAPACITY`]-byte
//! text area of the span, numbers and static strings stored as they are), [`MAX_EVENTS`]
//! events and [`MAX_LINKS`] links. What does not fit is counted as dropped, as OTel's span
//! limits do, and a string that does not fit is cut at a character boundary. So starting,
//! annotating and ending a span allocates nothing.
//!
//! Ending a sampled span copies it into this thread's ring (`ring.rs`), from which the
//! exporter drains spans in batches ([`drain_spans`]); when the ring is full the span is
//! dropped and counted ([`dropped_spans`]), and the request goes on.
//!
//! The parent of a new span is, unless given, the thread's current context: set while a
//! span is entered ([`Span::enter`]) or while a future wrapped by [`in_context`] is polled,
//! which makes it the current span of that task.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::sync::Arc;

use super::context::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};
use super::pool::{Live, Owner, Pools};
use super::sampler::{Compiled, Decision, Sampler, randomness_of};
use crate::attr::KeyValue;
use crate::clock::{self, Time};
use crate::inline::{Attr, NO_ATTR, Stored, Text, TextRef};

/// The most attributes a span keeps.
pub const MAX_ATTRIBUTES: usize = 12;
/// The most events a span keeps.
pub const MAX_EVENTS: usize = 2;
/// The most attributes an event keeps.
pub const MAX_EVENT_ATTRIBUTES: usize = 2;
/// The most links a span keeps.
pub const MAX_LINKS: usize = 2;
/// The bytes of text (name, string attributes, status message, trace state) a span keeps.
pub const TEXT_CAPACITY: usize = 256;
/// Spans each recording thread's pool holds, live or finished and not yet drained.
pub const POOL_CAPACITY: usize = 2048;

/// The role of a span, as OTel defines it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SpanKind {
    /// Internal work.
    #[default]
    Internal,
    /// The server side of a request.
    Server,
    /// The client side of a request.
    Client,
    /// A message sent.
    Producer,
    /// A message received.
    Consumer,
}

/// A span's status code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StatusCode {
    /// Not set (the default; for HTTP servers, any status below 500).
    #[default]
    Unset,
    /// Explicitly successful.
    Ok,
    /// Failed.
    Error,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct EventRec {
    name: &'static str,
    time: u64,
    n_attrs: u8,
    attrs: [Attr; MAX_EVENT_ATTRIBUTES],
}

const NO_EVENT: EventRec = EventRec { name: "", time: 0, n_attrs: 0, attrs: [NO_ATTR; MAX_EVENT_ATTRIBUTES] };

/// A span's record: what a recording span holds, and what the exporter reads.
///
/// In declaration order (`repr(C)`), what every span writes first: the header, then the
/// attributes and the text they point into; events and links, rarely used, last. A span
/// with a few attributes touches only the record's first cache lines, the ones the pool
/// fetches ahead (`pool::Owner::take`).
#[derive(Clone, Debug)]
#[repr(C)]
pub struct SpanData {
    context: SpanContext,
    parent: SpanId,
    scope: &'static Scope,
    start: Time,
    end: Time,
    status_message: TextRef,
    name: TextRef,
    trace_state: TextRef,
    kind: SpanKind,
    status: StatusCode,
    n_attrs: u8,
    n_events: u8,
    n_links: u8,
    dropped_attrs: u16,
    dropped_events: u16,
    dropped_links: u16,
    /// Bit `len % 64` set for each attribute key's length: a key whose bit is clear is not
    /// among the attributes, and is added without a search.
    key_lengths: u64,
    attrs: [Attr; MAX_ATTRIBUTES],
    text: Text<TEXT_CAPACITY>,
    events: [EventRec; MAX_EVENTS],
    links: [SpanContext; MAX_LINKS],
}

/// A tracer's instrumentation scope, kept for the life of the process.
#[derive(Debug, PartialEq, Eq)]
pub struct Scope {
    /// The component's name.
    pub name: String,
    /// Its version.
    pub version: Option<String>,
}

static NO_SCOPE: Scope = Scope { name: String::new(), version: None };

impl Default for SpanData {
    fn default() -> Self {
        SpanData {
            context: SpanContext::default(),
            parent: SpanId::INVALID,
            kind: SpanKind::Internal,
            status: StatusCode::Unset,
            status_message: TextRef::default(),
            scope: &NO_SCOPE,
            name: TextRef::default(),
            trace_state: TextRef::default(),
            start: Time::Nanos(0),
            end: Time::Nanos(0),
            n_attrs: 0,
            n_events: 0,
            n_links: 0,
            dropped_attrs: 0,
            dropped_events: 0,
            dropped_links: 0,
            key_lengths: 0,
            attrs: [NO_ATTR; MAX_ATTRIBUTES],
            events: [NO_EVENT; MAX_EVENTS],
            links: [SpanContext {
                trace_id: TraceId::INVALID,
                span_id: SpanId::INVALID,
                flags: TraceFlags(0),
                is_remote: false,
            }; MAX_LINKS],
            text: Text::default(),
        }
    }
}

impl SpanData {
    fn text(&self, r: TextRef) -> &str {
        self.text.get(r)
    }

    /// The span's context.
    pub fn context(&self) -> &SpanContext {
        &self.context
    }

    /// The parent span's id (invalid for a root span).
    pub fn parent_span_id(&self) -> SpanId {
        self.parent
    }

    /// The span's name (as cut to fit).
    pub fn name(&self) -> &str {
        self.text(self.name)
    }

    /// The span's kind.
    pub fn kind(&self) -> SpanKind {
        self.kind
    }

    /// The status code and description.
    pub fn status(&self) -> (StatusCode, &str) {
        (self.status, self.text(self.status_message))
    }

    /// The instrumentation scope of the tracer that started it.
    pub fn scope(&self) -> &Scope {
        self.scope
    }

    /// The `tracestate` it carries (from its parent), validated.
    pub fn trace_state(&self) -> &str {
        self.text(self.trace_state)
    }

    /// Start and end, in Unix nanoseconds.
    pub fn times(&self) -> (u64, u64) {
        (self.start.nanos(), self.end.nanos())
    }

    /// The attributes, in the order set (a key set twice appears once, with the later
    /// value).
    pub fn attributes(&self) -> impl ExactSizeIterator<Item = KeyValue<'_>> {
        self.attrs[..usize::from(self.n_attrs)].iter().map(|a| self.text.attr(a))
    }

    /// The events: name, time and attributes.
    pub fn events(&self) -> impl ExactSizeIterator<Item = Event<'_>> {
        self.events[..usize::from(self.n_events)].iter().map(|e| Event { span: self, rec: e })
    }

    /// The links.
    pub fn links(&self) -> &[SpanContext] {
        &self.links[..usize::from(self.n_links)]
    }

    /// Attributes, events and links that did not fit.
    pub fn dropped(&self) -> (u16, u16, u16) {
        (self.dropped_attrs, self.dropped_events, self.dropped_links)
    }

    #[inline]
    fn set_attribute(&mut self, a: KeyValue<'_>) {
        let value = self.text.store(a.value);
        self.set_stored(a.key, value);
    }

    #[inline]
    fn set_stored(&mut self, key: &'static str, value: Stored) {
        let n = usize::from(self.n_attrs);
        let bit = 1u64 << (key.len() % 64);
        if self.key_lengths & bit != 0 {
            if let Some(slot) = self.attrs[..n].iter_mut().find(|x| same_key(x.key, key)) {
                slot.value = value;
                return;
            }
        }
        if n < MAX_ATTRIBUTES {
            self.attrs[n] = Attr { key, value };
            self.n_attrs += 1;
            self.key_lengths |= bit;
        } else {
            self.dropped_attrs = self.dropped_attrs.saturating_add(1);
        }
    }
}

/// Key equality, cheap for the usual case: static keys of different lengths, the same
/// literal, or keys of one length whose first or last bytes differ (`url.scheme` and
/// `http.route`), told apart without a call to compare them.
#[inline(always)]
fn same_key(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && (std::ptr::eq(a.as_ptr(), b.as_ptr())
            || (a.as_bytes().first() == b.as_bytes().first() && a.as_bytes().last() == b.as_bytes().last() && a == b))
}

/// An event of a finished span.
#[derive(Clone, Copy)]
pub struct Event<'a> {
    span: &'a SpanData,
    rec: &'a EventRec,
}

impl<'a> Event<'a> {
    /// Its name.
    pub fn name(&self) -> &'static str {
        self.rec.name
    }

    /// When it happened, in Unix nanoseconds.
    pub fn time(&self) -> u64 {
        self.rec.time
    }

    /// Its attributes.
    pub fn attributes(&self) -> impl ExactSizeIterator<Item = KeyValue<'a>> + 'a {
        let span = self.span;
        self.rec.attrs[..usize::from(self.rec.n_attrs)].iter().map(move |a| span.text.attr(a))
    }
}

/// Every recording span of the process: live, or finished and waiting for the exporter.
static SPANS: Pools<SpanData> = Pools::new(POOL_CAPACITY);

thread_local! {
    static OWNER: RefCell<Option<Owner<SpanData>>> = const { RefCell::new(None) };
    static CURRENT: Cell<Raw> = const { Cell::new(Raw::NONE) };
    /// The id generator's state; 0 until seeded.
    static RNG: Cell<u64> = const { Cell::new(0) };
}

/// Hands up to `max` finished spans to `f`, oldest first per thread; returns how many.
/// Call from one exporter; a second caller waits for the first.
pub fn drain_spans(max: usize, f: impl FnMut(&SpanData)) -> usize {
    SPANS.drain(max, f)
}

/// Sampled spans not recorded because their thread's pool had no free slot (or the thread
/// was exiting). Their context still propagates.
pub fn dropped_spans() -> u64 {
    SPANS.dropped()
}

/// A slot for a new recording span, from this thread's pool.
#[inline]
fn take_slot() -> Option<Live<SpanData>> {
    let live = OWNER
        .try_with(|o| {
            let mut o = o.try_borrow_mut().ok()?;
            if o.is_none() {
                *o = SPANS.owner();
            }
            o.as_mut()?.take()
        })
        .ok()
        .flatten();
    if live.is_none() {
        SPANS.note_dropped();
    }
    live
}

/// `N` random `u64`s from this thread's generator (wyrand), seeded from the standard
/// library's per-process random keys.
#[inline]
fn random<const N: usize>() -> [u64; N] {
    RNG.with(|s| {
        let mut x = s.get();
        if x == 0 {
            x = seed();
        }
        let out = std::array::from_fn(|_| {
            x = x.wrapping_add(0xa076_1d64_78bd_642f);
            let t = u128::from(x) * u128::from(x ^ 0xe703_7ed1_a0b4_28db);
            ((t >> 64) as u64) ^ (t as u64)
        });
        s.set(x);
        out
    })
}

#[cold]
fn seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(clock::system_now());
    std::thread::current().id().hash(&mut h);
    h.finish() | 1
}

use std::hash::Hash;

/// Creates tracers; holds the sampler they share. Cheap to clone.
#[derive(Clone)]
pub struct TracerProvider {
    sampler: Arc<Sampler>,
}

impl TracerProvider {
    /// A provider whose spans are sampled by `sampler`.
    pub fn new(sampler: Sampler) -> TracerProvider {
        TracerProvider { sampler: Arc::new(sampler) }
    }

    /// A tracer for the component `name` (its instrumentation scope). The scope is kept for
    /// the life of the process: make tracers once, not per request.
    pub fn tracer(&self, name: &str, version: Option<&str>) -> Tracer {
        let scope: &'static Scope = Box::leak(Box::new(Scope { name: name.into(), version: version.map(Into::into) }));
        Tracer { sampler: Compiled::new(&self.sampler), scope }
    }
}

/// Starts spans for one component.
#[derive(Clone)]
pub struct Tracer {
    sampler: Compiled,
    scope: &'static Scope,
}

#[derive(Clone, Copy)]
enum Name<'n> {
    One(&'n str),
    Parts(&'n [&'n str]),
}

enum Parent {
    Current,
    Root,
    Explicit(SpanContext),
}

/// A span about to start.
pub struct SpanBuilder<'t, 'n> {
    tracer: &'t Tracer,
    name: Name<'n>,
    kind: SpanKind,
    parent: Parent,
    trace_state: TraceState<'n>,
    start: Option<Time>,
}

impl Tracer {
    /// A span named `name`.
    pub fn span<'t, 'n>(&'t self, name: &'n str) -> SpanBuilder<'t, 'n> {
        self.builder(Name::One(name))
    }

    /// A span named by the concatenation of `parts` (e.g. `["GET", " ", route]`), with no
    /// string built.
    pub fn span_parts<'t, 'n>(&'t self, parts: &'n [&'n str]) -> SpanBuilder<'t, 'n> {
        self.builder(Name::Parts(parts))
    }

    fn builder<'n>(&self, name: Name<'n>) -> SpanBuilder<'_, 'n> {
        SpanBuilder {
            tracer: self,
            name,
            kind: SpanKind::Internal,
            parent: Parent::Current,
            trace_state: TraceState::EMPTY,
            start: None,
        }
    }
}

impl<'n> SpanBuilder<'_, 'n> {
    /// The span's kind.
    pub fn kind(mut self, kind: SpanKind) -> Self {
        self.kind = kind;
        self
    }

    /// The parent: a context extracted from a request (remote) or a local span's. An
    /// invalid context makes a root span.
    pub fn parent(mut self, cx: &SpanContext) -> Self {
        self.parent = Parent::Explicit(*cx);
        self
    }

    /// No parent, whatever the current context.
    pub fn root(mut self) -> Self {
        self.parent = Parent::Root;
        self
    }

    /// The parent's `tracestate`, carried by the span (and its exported record).
    pub fn trace_state(mut self, ts: TraceState<'n>) -> Self {
        self.trace_state = ts;
        self
    }

    /// The start time in Unix nanoseconds, instead of now.
    pub fn start_time(mut self, t: u64) -> Self {
        self.start = Some(Time::Nanos(t));
        self
    }

    /// The start time as a raw clock reading, converted only if the span records.
    pub fn start_ticks(mut self, t: clock::Ticks) -> Self {
        self.start = Some(Time::Ticks(t));
        self
    }

    /// Starts the span: ids, the sampling decision, the start time.
    #[inline]
    pub fn start(self) -> Span {
        let parent = match self.parent {
            Parent::Current => current().filter(SpanContext::is_valid),
            Parent::Root => None,
            Parent::Explicit(cx) => Some(cx).filter(SpanContext::is_valid),
        };
        self.tracer.start_span(self.name, self.kind, parent.as_ref(), self.trace_state.as_str(), self.start)
    }
}

impl Tracer {
    /// Starts a span from the values a builder would gather, given directly: the form for a
    /// path that starts a span per request and should not move a builder around. `parent`:
    /// `None` (or an invalid context) starts a trace; the current context is not consulted.
    /// `trace_state` is the parent's `tracestate` (validated), carried if the span records.
    #[inline]
    pub fn start_at(
        &self,
        name: &str,
        kind: SpanKind,
        parent: Option<&SpanContext>,
        trace_state: &TraceState<'_>,
        start: clock::Ticks,
    ) -> Span {
        let parent = parent.filter(|p| p.is_valid());
        self.start_span(Name::One(name), kind, parent, trace_state.as_str(), Some(Time::Ticks(start)))
    }

    /// Ids, the sampling decision, and (if the sampler keeps the span) its record.
    #[inline(always)]
    fn start_span(
        &self,
        name: Name<'_>,
        kind: SpanKind,
        parent: Option<&SpanContext>,
        trace_state: &str,
        start: Option<Time>,
    ) -> Span {
        let (trace_id, random_flag, span_id, decision) = match parent {
            Some(p) => {
                (p.trace_id, p.flags.0 & TraceFlags::RANDOM, random::<1>()[0], self.sampler.decide(parent, p.trace_id))
            }
            None => {
                let [a, b, c] = random::<3>();
                // Random bytes, in any byte order but one: the last eight are `b` big-endian,
                // so the id's randomness (its last 56 bits, read big-endian) is `b`'s low 56
                // bits, known without reading the bytes back.
                let mut id = [0; 16];
                id[..8].copy_from_slice(&a.to_ne_bytes());
                id[8..].copy_from_slice(&b.to_be_bytes());
                (TraceId(id), TraceFlags::RANDOM, c, self.sampler.decide_root(randomness_of(b)))
            }
        };
        // Never zero (the invalid id); random, so in the machine's byte order.
        let span_id = SpanId((span_id | 1).to_ne_bytes());
        let flags = TraceFlags(random_flag).with_sampled(decision.is_sampled());
        let context = SpanContext { trace_id, span_id, flags, is_remote: false };
        let live = if decision == Decision::Drop {
            None
        } else {
            self.record(context, parent.map_or(SpanId::INVALID, |p| p.span_id), kind, name, trace_state, start)
        };
        // One construction, after the branches: the span's fields reach its destination
        // straight from registers. (Built in each branch, it was assembled on the stack with
        // narrow stores and copied with wide loads, a store-forwarding stall per span.)
        Span { cx: context, live, sampled: decision.is_sampled() }
    }

    /// A slot for a span the sampler kept, filled in; `None` when no slot is free.
    #[inline(always)]
    fn record(
        &self,
        context: SpanContext,
        parent: SpanId,
        kind: SpanKind,
        name: Name<'_>,
        trace_state: &str,
        start: Option<Time>,
    ) -> Option<Live<SpanData>> {
        let mut live = take_slot()?;
        // The slot holds whatever its last span left: every field is set here.
        let d = live.get_mut();
        d.context = context;
        d.parent = parent;
        d.kind = kind;
        d.status = StatusCode::Unset;
        d.status_message = TextRef::default();
        d.scope = self.scope;
        d.start = start.unwrap_or_else(|| Time::Ticks(clock::ticks()));
        d.end = Time::Nanos(0);
        d.n_attrs = 0;
        d.key_lengths = 0;
        d.n_events = 0;
        d.n_links = 0;
        d.dropped_attrs = 0;
        d.dropped_events = 0;
        d.dropped_links = 0;
        d.text.clear();
        d.name = match name {
            Name::One(n) => d.text.push(&[n]),
            Name::Parts(p) => d.text.push(p),
        };
        d.trace_state = if trace_state.is_empty() { TextRef::default() } else { d.text.push(&[trace_state]) };
        Some(live)
    }
}

/// A started span. Ending it (or dropping it) records its end time and, if sampled, queues
/// it for export.
pub struct Span {
    /// The context (also in the record, while there is one).
    cx: SpanContext,
    /// The record's slot while the span records; `None` when it does not (dropped by the
    /// sampler, or no slot was free) or has ended.
    live: Option<Live<SpanData>>,
    /// Whether the record is exported when the span ends.
    sampled: bool,
}
// Plain fields, no enum: a span moves field by field. (As an enum whose variants held the
// context at different offsets, moves were byte copies through odd stack offsets, which
// stalled store forwarding on the server's path.)

impl Span {
    /// The span's context, to propagate (`traceparent`) or to parent other spans.
    #[inline]
    pub fn context(&self) -> SpanContext {
        self.cx
    }

    /// The span's context, borrowed.
    #[inline]
    pub fn span_context(&self) -> &SpanContext {
        &self.cx
    }

    /// Whether the span records what is set on it (the sampler kept it).
    #[inline]
    pub fn is_recording(&self) -> bool {
        self.live.is_some()
    }

    #[inline]
    fn data(&mut self) -> Option<&mut SpanData> {
        self.live.as_mut().map(Live::get_mut)
    }

    /// Sets an attribute (replacing the value of a key set before).
    #[inline]
    pub fn set_attribute(&mut self, a: KeyValue<'_>) {
        if let Some(d) = self.data() {
            d.set_attribute(a);
        }
    }

    /// Sets attributes.
    #[inline]
    pub fn set_attributes(&mut self, attrs: &[KeyValue<'_>]) {
        if let Some(d) = self.data() {
            for a in attrs {
                d.set_attribute(*a);
            }
        }
    }

    /// Sets a string attribute whose value is `'static`: stored by reference, using none of
    /// the span's text area.
    #[inline]
    pub fn set_static(&mut self, key: &'static str, value: &'static str) {
        if let Some(d) = self.data() {
            d.set_stored(key, Stored::Static(value));
        }
    }

    /// Renames the span to the concatenation of `parts` (a server span learns its route only
    /// after routing). The old name's text stays in the span's text area.
    pub fn update_name(&mut self, parts: &[&str]) {
        if let Some(d) = self.data() {
            d.name = d.text.push(parts);
        }
    }

    /// Records an event now.
    pub fn add_event(&mut self, name: &'static str, attrs: &[KeyValue<'_>]) {
        if !self.is_recording() {
            return;
        }
        let time = clock::now();
        let Some(d) = self.data() else { return };
        let n = usize::from(d.n_events);
        if n == MAX_EVENTS {
            d.dropped_events = d.dropped_events.saturating_add(1);
            return;
        }
        let mut e = EventRec { name, time, ..NO_EVENT };
        for a in attrs.iter().take(MAX_EVENT_ATTRIBUTES) {
            let value = d.text.store(a.value);
            e.attrs[usize::from(e.n_attrs)] = Attr { key: a.key, value };
            e.n_attrs += 1;
        }
        d.events[n] = e;
        d.n_events += 1;
    }

    /// Links another span's context (a batch's messages, a follow-up).
    pub fn add_link(&mut self, cx: &SpanContext) {
        if let Some(d) = self.data() {
            let n = usize::from(d.n_links);
            if n < MAX_LINKS {
                d.links[n] = *cx;
                d.n_links += 1;
            } else {
                d.dropped_links = d.dropped_links.saturating_add(1);
            }
        }
    }

    /// Sets the status. OTel's rules: `Ok` is final; a description goes only with `Error`.
    pub fn set_status(&mut self, code: StatusCode, description: &str) {
        if let Some(d) = self.data() {
            if d.status == StatusCode::Ok {
                return;
            }
            d.status = code;
            d.status_message = if code == StatusCode::Error && !description.is_empty() {
                d.text.push(&[description])
            } else {
                TextRef::default()
            };
        }
    }

    /// Ends the span now.
    #[inline]
    pub fn end(mut self) {
        self.finish(None);
    }

    /// Ends the span at `t` (Unix nanoseconds).
    pub fn end_at(mut self, t: u64) {
        self.finish(Some(Time::Nanos(t)));
    }

    /// Ends the span at a raw clock reading.
    pub fn end_at_ticks(mut self, t: clock::Ticks) {
        self.finish(Some(Time::Ticks(t)));
    }

    #[inline]
    fn finish(&mut self, t: Option<Time>) {
        if let Some(mut live) = self.live.take() {
            if self.sampled {
                live.get_mut().end = t.unwrap_or_else(|| Time::Ticks(clock::ticks()));
                live.finish();
            }
            // Recorded but not sampled: dropping the handle frees the slot unread.
        }
    }

    /// Makes this span the thread's current context until the guard drops: spans started
    /// meanwhile without an explicit parent are its children.
    pub fn enter(&self) -> Entered {
        enter(self.context())
    }
}

impl Drop for Span {
    /// Inline: most spans a server makes do not record, and their end is this one test.
    #[inline]
    fn drop(&mut self) {
        if self.live.is_some() {
            self.end_recording();
        }
    }
}

impl Span {
    /// Ends a recording span now (out of line, as recording spans are the few).
    #[inline(never)]
    fn end_recording(&mut self) {
        self.finish(None);
    }
}

/// A context as the thread-local holds it: four whole words. (As an `Option<SpanContext>`,
/// 26 bytes in 32, each enter and exit copied it in odd-sized pieces at odd offsets, then
/// read it back whole: a store-forwarding stall per poll of a request's handler.)
#[derive(Clone, Copy)]
struct Raw([u64; 4]);

/// Set in the last word of a context that is present.
const PRESENT: u64 = 1 << 16;

impl Raw {
    const NONE: Raw = Raw([0; 4]);

    #[inline(always)]
    fn of(cx: &SpanContext) -> Raw {
        let t = cx.trace_id.0;
        let half = |from: usize| u64::from_ne_bytes(std::array::from_fn(|i| t[from + i]));
        Raw([
            half(0),
            half(8),
            u64::from_ne_bytes(cx.span_id.0),
            u64::from(cx.flags.0) | (u64::from(cx.is_remote) << 8) | PRESENT,
        ])
    }

    #[inline]
    fn get(self) -> Option<SpanContext> {
        let [hi, lo, span, last] = self.0;
        if last & PRESENT == 0 {
            return None;
        }
        let mut trace = [0; 16];
        trace[..8].copy_from_slice(&hi.to_ne_bytes());
        trace[8..].copy_from_slice(&lo.to_ne_bytes());
        Some(SpanContext {
            trace_id: TraceId(trace),
            span_id: SpanId(span.to_ne_bytes()),
            flags: TraceFlags(last as u8),
            is_remote: (last >> 8) & 1 == 1,
        })
    }
}

/// Restores the previous current context when dropped.
#[must_use = "the context is current only while the guard lives"]
pub struct Entered {
    previous: Raw,
}

impl Drop for Entered {
    #[inline]
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.previous));
    }
}

/// Makes `cx` the thread's current context until the guard drops.
#[inline]
pub fn enter(cx: SpanContext) -> Entered {
    Entered { previous: CURRENT.with(|c| c.replace(Raw::of(&cx))) }
}

/// The thread's current context, if a span is entered.
pub fn current() -> Option<SpanContext> {
    CURRENT.with(Cell::get).get()
}

/// Runs `fut` with `cx` as the current context during each of its polls: the current span
/// of a task, wherever the task is polled.
pub async fn in_context<F: Future>(cx: SpanContext, fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    std::future::poll_fn(move |task| {
        let _entered = enter(cx);
        fut.as_mut().poll(task)
    })
    .await
}

#[cfg(test)]
mod tests;
