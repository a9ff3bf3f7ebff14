//! Metrics: counters, up-down counters, gauges and histograms, bound to attribute sets.
//!
//! ```text
//! Registry ──meter(scope)──▶ Meter ──counter(name)…build()──▶ Counter
//!                                                              │ bind(&[kv(..)])  (once: look-up, allocation)
//!                                                              ▼
//!                                               BoundCounter::add(1)  (per record: this thread's cell)
//! Registry::collect(now) ──▶ Snapshot ──▶ export::prometheus / export::otlp
//! ```
//!
//! Binding resolves an attribute set to its series once; recording through the bound
//! handle then writes this thread's cells (`cells`): a plain load and store, no lock, no
//! allocation, no `lock`-prefixed instruction. Gauges keep one shared atomic per series
//! (a gauge's value is the last one set, which no per-thread sum can give). Every series
//! is cumulative from the registry's start.
//!
//! An instrument keeps at most `cardinality_limit` series (2,000 by default, as OTel's
//! SDKs); binding a new attribute set past it gives the overflow series, whose only
//! attribute is `otel.metric.overflow = true`.

mod buckets;
mod cells;

use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

pub use buckets::{Exponential, HTTP_DURATION_SECONDS, MAX_SCALE, MIN_SCALE, explicit_index, valid_bounds};

use crate::attr::{Attributes, KeyValue, kv};
use cells::Loc;

/// The most explicit boundaries a histogram takes.
pub const MAX_BOUNDARIES: usize = 1000;

/// The default number of series an instrument keeps.
pub const DEFAULT_CARDINALITY_LIMIT: usize = 2000;

/// The kind of instrument, which decides how its points read and render.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstrumentKind {
    /// A monotonic `u64` sum.
    Counter,
    /// A non-monotonic `i64` sum.
    UpDownCounter,
    /// A last value, set by the application.
    Gauge,
    /// A last value, read by a callback at collection.
    ObservableGauge,
    /// A distribution over explicit buckets.
    Histogram,
    /// A distribution over base-2 exponential buckets.
    ExponentialHistogram,
}

/// The instrumentation scope: the component that records, as OTel names it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    /// E.g. `dext-server`.
    pub name: String,
    /// The component's version, if given.
    pub version: Option<String>,
}

/// Exponential histogram settings: the recording scale and the range of powers of two it
/// keeps buckets for. Values below `2^min_exponent` count in the zero bucket (whose
/// threshold is that power); values above `2^(max_exponent+1)` count in the top bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExponentialConfig {
    /// The scale values are recorded at, `MIN_SCALE..=MAX_SCALE`.
    pub scale: i32,
    /// The smallest power of two with buckets of its own.
    pub min_exponent: i32,
    /// The largest power of two with buckets of its own.
    pub max_exponent: i32,
    /// The most buckets an exported point carries; collection lowers the scale (merging
    /// neighbours) until the populated range fits, as OTel's `MaxSize` (160 by default).
    pub max_size: u32,
}

impl Default for ExponentialConfig {
    /// Scale 3 (8 buckets per power of two, ±4.4% relative error) from 2^-24 (60 ns, in
    /// seconds) to 2^17 (36 hours).
    fn default() -> Self {
        ExponentialConfig { scale: 3, min_exponent: -24, max_exponent: 16, max_size: 160 }
    }
}

impl ExponentialConfig {
    fn index_range(&self) -> (i32, i32) {
        let e = Exponential::new(self.scale);
        let lo = e.index(2f64.powi(self.min_exponent)) + 1;
        let hi = e.index(2f64.powi(self.max_exponent + 1));
        (lo, hi.max(lo))
    }
}

enum Layout {
    /// One `u64` cell (counters, up-down counters).
    Sum,
    /// The gauge's shared word (`f64` bits), kept in the series.
    Gauge,
    /// Cell 0: the sum (`f64` bits); cells `1..`: bucket counts.
    Explicit(Arc<[f64]>),
    /// Cell 0: the sum; cell 1: the zero count; cells `2..`: bucket counts from index `lo`.
    Exponential { e: Arc<Exponential>, lo: i32, hi: i32, max_size: u32 },
    /// Nothing recorded; points come from the callback.
    Observable,
}

impl Layout {
    fn cells(&self) -> usize {
        match self {
            Layout::Sum => 1,
            Layout::Gauge | Layout::Observable => 0,
            Layout::Explicit(b) => 2 + b.len(),
            Layout::Exponential { lo, hi, .. } => 2 + (hi - lo + 1) as usize,
        }
    }
}

/// A series: one attribute set of one instrument, and where its values are.
pub struct Series {
    attrs: Attributes,
    hash: u64,
    loc: Option<Loc>,
    gauge: AtomicU64,
}

impl Series {
    /// The series' attributes.
    pub fn attributes(&self) -> &Attributes {
        &self.attrs
    }
}

type Callback = Box<dyn Fn(&mut Observer<'_>) + Send + Sync>;

struct Instrument {
    scope: Arc<Scope>,
    name: String,
    description: String,
    unit: String,
    kind: InstrumentKind,
    layout: Layout,
    limit: usize,
    series: Mutex<Vec<Arc<Series>>>,
    callback: Option<Callback>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section leaves its list whole (one push), so a panic elsewhere while
    // holding it leaves nothing to repair.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Instrument {
    /// The series for `attrs`, made on first use. Locks the instrument's list: binding is
    /// the slow path, done once per attribute set.
    fn series(&self, attrs: &[KeyValue<'_>]) -> Arc<Series> {
        let hash = Attributes::hash_of(attrs);
        let mut list = lock(&self.series);
        if let Some(s) = list.iter().find(|s| s.hash == hash && s.attrs.matches(attrs)) {
            return s.clone();
        }
        let overflow = [kv("otel.metric.overflow", true)];
        let (attrs, hash) = if list.len() + 1 >= self.limit {
            let h = Attributes::hash_of(&overflow);
            if let Some(s) = list.iter().find(|s| s.hash == h && s.attrs.matches(&overflow)) {
                return s.clone();
            }
            (&overflow[..], h)
        } else {
            (attrs, hash)
        };
        let n = self.layout.cells();
        // Past the 8 Mi cells of the cell space, a new series shares the overflow cells of
        // this process (the last allocation that succeeded is not reused): recording never
        // fails.
        let loc = if n > 0 { Some(cells::alloc(n).unwrap_or_else(exhausted)) } else { None };
        let s = Arc::new(Series { attrs: Attributes::new(attrs), hash, loc, gauge: AtomicU64::new(0) });
        list.push(s.clone());
        s
    }
}

#[cold]
fn exhausted() -> Loc {
    // One static sink series, written by everything that found the space full.
    static SINK: std::sync::OnceLock<Loc> = std::sync::OnceLock::new();
    *SINK.get_or_init(|| cells::alloc(cells::CHUNK).expect("the cell space is exhausted"))
}

/// A set of instruments and observable callbacks, collected together: OTel's meter
/// provider. Cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct Registry {
    inner: Arc<RegistryInner>,
}

struct RegistryInner {
    start: SystemTime,
    instruments: Mutex<Vec<Arc<Instrument>>>,
}

impl Default for Registry {
    fn default() -> Self {
        Registry::new()
    }
}

impl Registry {
    /// An empty registry whose cumulative series start now.
    pub fn new() -> Registry {
        Registry::with_start_time(SystemTime::now())
    }

    /// An empty registry whose cumulative series start at `start`.
    pub fn with_start_time(start: SystemTime) -> Registry {
        Registry { inner: Arc::new(RegistryInner { start, instruments: Mutex::new(Vec::new()) }) }
    }

    /// When the series started.
    pub fn start_time(&self) -> SystemTime {
        self.inner.start
    }

    /// A meter for the component `scope`.
    pub fn meter(&self, scope: &str) -> Meter {
        self.meter_with_version(scope, None)
    }

    /// A meter for the component `scope` at `version`.
    pub fn meter_with_version(&self, scope: &str, version: Option<&str>) -> Meter {
        Meter {
            registry: self.clone(),
            scope: Arc::new(Scope { name: scope.into(), version: version.map(Into::into) }),
        }
    }

    fn add(&self, i: Instrument) -> Arc<Instrument> {
        let mut list = lock(&self.inner.instruments);
        // The same name, kind and scope again is the same instrument (OTel: identical
        // registrations return the same instrument).
        if let Some(found) =
            list.iter().find(|x| x.name == i.name && x.kind == i.kind && x.scope == i.scope && i.callback.is_none())
        {
            return found.clone();
        }
        let i = Arc::new(i);
        list.push(i.clone());
        i
    }

    /// Reads every series and observable callback: the registry's state at `now`.
    pub fn collect(&self, now: SystemTime) -> Snapshot {
        let instruments: Vec<Arc<Instrument>> = lock(&self.inner.instruments).clone();
        let mut families = Vec::with_capacity(instruments.len());
        for i in &instruments {
            let mut points = Vec::new();
            if let Some(cb) = &i.callback {
                let mut obs = Observer { points: &mut points };
                cb(&mut obs);
            }
            let series: Vec<Arc<Series>> = lock(&i.series).clone();
            for s in series {
                let value = read(i.kind, &i.layout, &s);
                points.push(Point { attributes: PointAttributes::Series(s), value });
            }
            families.push(Family {
                scope: i.scope.clone(),
                name: i.name.clone(),
                description: i.description.clone(),
                unit: i.unit.clone(),
                kind: i.kind,
                points,
            });
        }
        Snapshot { start: self.inner.start, time: now, families }
    }
}

fn read(kind: InstrumentKind, layout: &Layout, s: &Series) -> PointValue {
    match (layout, s.loc) {
        (Layout::Sum, Some(loc)) if kind == InstrumentKind::UpDownCounter => {
            PointValue::UpDownCounter(cells::sum(loc, 0) as i64)
        }
        (Layout::Sum, Some(loc)) => PointValue::Counter(cells::sum(loc, 0)),
        (Layout::Gauge, _) => PointValue::Gauge(f64::from_bits(s.gauge.load(Relaxed))),
        (Layout::Explicit(bounds), Some(loc)) => {
            let mut counts = vec![0u64; 1 + bounds.len() + 1];
            let sum = cells::sum_into(loc, &mut counts, Some(0));
            counts.remove(0);
            let count = counts.iter().fold(0u64, |a, &c| a.wrapping_add(c));
            PointValue::Histogram(HistogramPoint { bounds: bounds.clone(), counts, sum, count })
        }
        (Layout::Exponential { e, lo, hi, max_size }, Some(loc)) => {
            let mut raw = vec![0u64; 2 + (hi - lo + 1) as usize];
            let sum = cells::sum_into(loc, &mut raw, Some(0));
            let zero_count = raw[1];
            let zero_threshold = 2f64.powf(f64::from(*lo) * 2f64.powi(-e.scale()));
            PointValue::Exponential(ExponentialPoint::from_buckets(
                e.scale(),
                *lo,
                &raw[2..],
                zero_count,
                zero_threshold,
                sum,
                *max_size,
            ))
        }
        _ => PointValue::Counter(0),
    }
}

/// Creates instruments for one scope.
#[derive(Clone)]
pub struct Meter {
    registry: Registry,
    scope: Arc<Scope>,
}

impl Meter {
    fn builder<I>(&self, name: &str, kind: InstrumentKind) -> InstrumentBuilder<'_, I> {
        InstrumentBuilder {
            meter: self,
            name: name.into(),
            description: String::new(),
            unit: String::new(),
            kind,
            limit: DEFAULT_CARDINALITY_LIMIT,
            bounds: None,
            exponential: None,
            _instrument: PhantomData,
        }
    }

    /// A monotonic counter.
    pub fn counter(&self, name: &str) -> InstrumentBuilder<'_, Counter> {
        self.builder(name, InstrumentKind::Counter)
    }

    /// A counter that goes up and down.
    pub fn up_down_counter(&self, name: &str) -> InstrumentBuilder<'_, UpDownCounter> {
        self.builder(name, InstrumentKind::UpDownCounter)
    }

    /// A gauge set by the application.
    pub fn gauge(&self, name: &str) -> InstrumentBuilder<'_, Gauge> {
        self.builder(name, InstrumentKind::Gauge)
    }

    /// A histogram: explicit buckets, by default those of OTel's HTTP durations in seconds;
    /// or base-2 exponential buckets.
    pub fn histogram(&self, name: &str) -> InstrumentBuilder<'_, Histogram> {
        self.builder(name, InstrumentKind::Histogram)
    }

    /// A gauge read by `callback` at each collection, which reports its values through the
    /// `Observer`.
    pub fn observable_gauge(
        &self,
        name: &str,
        description: &str,
        unit: &str,
        callback: impl Fn(&mut Observer<'_>) + Send + Sync + 'static,
    ) {
        let i = Instrument {
            scope: self.scope.clone(),
            name: name.into(),
            description: description.into(),
            unit: unit.into(),
            kind: InstrumentKind::ObservableGauge,
            layout: Layout::Observable,
            limit: DEFAULT_CARDINALITY_LIMIT,
            series: Mutex::new(Vec::new()),
            callback: Some(Box::new(callback)),
        };
        self.registry.add(i);
    }
}

/// Hands an observable gauge's values to the collection.
pub struct Observer<'a> {
    points: &'a mut Vec<Point>,
}

impl Observer<'_> {
    /// Reports `value` for `attrs`.
    pub fn observe(&mut self, value: f64, attrs: &[KeyValue<'_>]) {
        self.points.push(Point {
            attributes: PointAttributes::Owned(Attributes::new(attrs)),
            value: PointValue::Gauge(value),
        });
    }
}

/// Describes an instrument before it is made; `build` makes it.
pub struct InstrumentBuilder<'m, I> {
    meter: &'m Meter,
    name: String,
    description: String,
    unit: String,
    kind: InstrumentKind,
    limit: usize,
    bounds: Option<Arc<[f64]>>,
    exponential: Option<ExponentialConfig>,
    _instrument: PhantomData<I>,
}

impl<I: sealed::FromInstrument> InstrumentBuilder<'_, I> {
    /// The description (Prometheus `# HELP`).
    pub fn description(mut self, d: &str) -> Self {
        self.description = d.into();
        self
    }

    /// The unit, in UCUM as OTel writes it (`s`, `By`, `{request}`).
    pub fn unit(mut self, u: &str) -> Self {
        self.unit = u.into();
        self
    }

    /// The most series kept (at least 2: one attribute set and the overflow series).
    pub fn cardinality_limit(mut self, n: usize) -> Self {
        self.limit = n.max(2);
        self
    }

    /// Makes the instrument, or returns the one already registered with this name and kind
    /// in this scope.
    pub fn build(self) -> I {
        I::from_instrument(self.make())
    }

    fn make(self) -> Arc<Instrument> {
        let layout = match self.kind {
            InstrumentKind::Counter | InstrumentKind::UpDownCounter => Layout::Sum,
            InstrumentKind::Gauge => Layout::Gauge,
            InstrumentKind::ObservableGauge => Layout::Observable,
            InstrumentKind::Histogram => Layout::Explicit(self.bounds.unwrap_or_else(|| HTTP_DURATION_SECONDS.into())),
            InstrumentKind::ExponentialHistogram => {
                let mut c = self.exponential.unwrap_or_default();
                c.scale = c.scale.clamp(MIN_SCALE, MAX_SCALE);
                c.min_exponent = c.min_exponent.clamp(-1022, 1023);
                c.max_exponent = c.max_exponent.clamp(c.min_exponent, 1023);
                c.max_size = c.max_size.max(2);
                let (lo, hi) = c.index_range();
                // A series' cells fit in one chunk.
                let hi = hi.min(lo + cells::CHUNK as i32 - 3);
                Layout::Exponential { e: Arc::new(Exponential::new(c.scale)), lo, hi, max_size: c.max_size }
            }
        };
        self.meter.registry.add(Instrument {
            scope: self.meter.scope.clone(),
            name: self.name,
            description: self.description,
            unit: self.unit,
            kind: self.kind,
            layout,
            limit: self.limit,
            series: Mutex::new(Vec::new()),
            callback: None,
        })
    }
}

impl InstrumentBuilder<'_, Histogram> {
    /// Explicit bucket boundaries. Boundaries that are not finite and strictly increasing,
    /// or more than 1,000 of them, are refused: the defaults stay.
    pub fn boundaries(mut self, b: &[f64]) -> Self {
        // A series' cells (sum, buckets) fit in one chunk of the cell space.
        if valid_bounds(b) && b.len() <= MAX_BOUNDARIES {
            self.bounds = Some(b.into());
        }
        self
    }

    /// Base-2 exponential buckets instead of explicit ones.
    pub fn exponential(mut self, config: ExponentialConfig) -> Self {
        self.exponential = Some(config);
        self.kind = InstrumentKind::ExponentialHistogram;
        self
    }
}

mod sealed {
    pub trait FromInstrument {
        #[allow(private_interfaces)]
        fn from_instrument(i: std::sync::Arc<super::Instrument>) -> Self;
    }
}

macro_rules! instrument {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name(Arc<Instrument>);

        impl sealed::FromInstrument for $name {
            #[allow(private_interfaces)]
            fn from_instrument(i: Arc<Instrument>) -> Self {
                $name(i)
            }
        }
    };
}

instrument!(
    /// A monotonic `u64` counter. Bind an attribute set once, then `add` through the bound
    /// handle.
    Counter
);
instrument!(
    /// An `i64` sum that goes up and down (active requests, queue depth).
    UpDownCounter
);
instrument!(
    /// A last-value `f64` gauge.
    Gauge
);
instrument!(
    /// A distribution of `f64` values (durations in seconds, sizes in bytes).
    Histogram
);

impl Counter {
    /// The series of `attrs`, to record into without a look-up.
    pub fn bind(&self, attrs: &[KeyValue<'_>]) -> BoundCounter {
        let s = self.0.series(attrs);
        BoundCounter { loc: s.loc.unwrap_or_else(exhausted), _series: s }
    }

    /// Adds `v` to the series of `attrs`. This looks the series up under a lock: bind
    /// instead on a hot path.
    pub fn add(&self, v: u64, attrs: &[KeyValue<'_>]) {
        self.bind(attrs).add(v);
    }
}

/// A counter series, bound.
#[derive(Clone)]
pub struct BoundCounter {
    loc: Loc,
    _series: Arc<Series>,
}

impl BoundCounter {
    /// Adds `v`: a load and a store to this thread's cell.
    #[inline]
    pub fn add(&self, v: u64) {
        cells::with(self.loc, |c| c.add(0, v));
    }

    /// This series as this thread's handle, its cell found now (see [`Local`]).
    pub fn local(&self) -> Local<BoundCounter> {
        Local::new(self.clone(), self.loc)
    }
}

impl Local<BoundCounter> {
    /// Adds `v`: a load and a store to the cell found at `local`.
    #[inline]
    pub fn add(&self, v: u64) {
        match self.cells() {
            Some(c) => c.add(0, v),
            None => self.bound.add(v),
        }
    }
}

impl UpDownCounter {
    /// The series of `attrs`, to record into without a look-up.
    pub fn bind(&self, attrs: &[KeyValue<'_>]) -> BoundUpDownCounter {
        let s = self.0.series(attrs);
        BoundUpDownCounter { loc: s.loc.unwrap_or_else(exhausted), _series: s }
    }

    /// Adds `v` to the series of `attrs`, looked up under a lock: bind on a hot path.
    pub fn add(&self, v: i64, attrs: &[KeyValue<'_>]) {
        self.bind(attrs).add(v);
    }
}

/// An up-down counter series, bound.
#[derive(Clone)]
pub struct BoundUpDownCounter {
    loc: Loc,
    _series: Arc<Series>,
}

impl BoundUpDownCounter {
    /// Adds `v` (negative to subtract).
    #[inline]
    pub fn add(&self, v: i64) {
        cells::with(self.loc, |c| c.add(0, v as u64));
    }

    /// This series as this thread's handle, its cell found now (see [`Local`]).
    pub fn local(&self) -> Local<BoundUpDownCounter> {
        Local::new(self.clone(), self.loc)
    }
}

impl Local<BoundUpDownCounter> {
    /// Adds `v` (negative to subtract) to the cell found at `local`.
    #[inline]
    pub fn add(&self, v: i64) {
        match self.cells() {
            Some(c) => c.add(0, v as u64),
            None => self.bound.add(v),
        }
    }
}

impl Gauge {
    /// The series of `attrs`, to set without a look-up.
    pub fn bind(&self, attrs: &[KeyValue<'_>]) -> BoundGauge {
        BoundGauge { series: self.0.series(attrs) }
    }

    /// Sets the series of `attrs` to `v`, looked up under a lock: bind on a hot path.
    pub fn set(&self, v: f64, attrs: &[KeyValue<'_>]) {
        self.bind(attrs).set(v);
    }
}

/// A gauge series, bound.
#[derive(Clone)]
pub struct BoundGauge {
    series: Arc<Series>,
}

impl BoundGauge {
    /// Sets the value: one atomic store, shared by every thread.
    #[inline]
    pub fn set(&self, v: f64) {
        self.series.gauge.store(v.to_bits(), Relaxed);
    }
}

impl Histogram {
    /// The series of `attrs`, to record into without a look-up.
    pub fn bind(&self, attrs: &[KeyValue<'_>]) -> BoundHistogram {
        let s = self.0.series(attrs);
        let loc = s.loc.unwrap_or_else(exhausted);
        let buckets = match &self.0.layout {
            Layout::Exponential { e, lo, hi, .. } => Buckets::Exponential { e: e.clone(), lo: *lo, hi: *hi },
            Layout::Explicit(b) => Buckets::Explicit(b.clone()),
            _ => Buckets::Explicit(Arc::from(&[][..])),
        };
        let first = match &buckets {
            Buckets::Explicit(b) => b.first().copied().unwrap_or(f64::INFINITY),
            Buckets::Exponential { .. } => f64::NAN,
        };
        BoundHistogram { loc, buckets, first, _series: s }
    }

    /// Records `v` in the series of `attrs`, looked up under a lock: bind on a hot path.
    pub fn record(&self, v: f64, attrs: &[KeyValue<'_>]) {
        self.bind(attrs).record(v);
    }
}

#[derive(Clone)]
enum Buckets {
    Explicit(Arc<[f64]>),
    Exponential { e: Arc<Exponential>, lo: i32, hi: i32 },
}

/// A histogram series, bound.
#[derive(Clone)]
pub struct BoundHistogram {
    loc: Loc,
    buckets: Buckets,
    /// The first explicit boundary (+∞ without any; NaN for exponential buckets): most
    /// values of a latency histogram are at most this, and are settled by one compare with
    /// no look at the boundaries.
    first: f64,
    _series: Arc<Series>,
}

impl BoundHistogram {
    /// Records `v`: finds its bucket, then adds to the sum and the bucket's count in this
    /// thread's cells. NaN is ignored; so are negative values in an exponential histogram,
    /// which keeps only the positive range (OTel histograms record non-negative values).
    #[inline]
    pub fn record(&self, v: f64) {
        self.record_n(v, 1);
    }

    /// Records `v` `n` times in one step: the counts of `n` records, and `n × v` to the sum.
    /// For batches of equal values, such as the durations of requests answered together.
    #[inline]
    pub fn record_n(&self, v: f64, n: u64) {
        if let Some(cell) = self.cell(v) {
            cells::with(self.loc, |c| {
                c.add_f64(0, v * n as f64);
                c.add(cell, n);
            });
        }
    }

    /// The cell that counts `v` (1 + its bucket), or `None` for a value not recorded.
    #[inline(always)]
    fn cell(&self, v: f64) -> Option<usize> {
        if v <= self.first {
            return Some(1);
        }
        match &self.buckets {
            Buckets::Explicit(bounds) => (!v.is_nan()).then(|| 1 + explicit_index(bounds, v)),
            Buckets::Exponential { e, lo, hi } => {
                if v.is_nan() || v < 0.0 {
                    None
                } else if v == 0.0 {
                    Some(1)
                } else {
                    let i = e.index(v);
                    Some(if i < *lo { 1 } else { 2 + (i.min(*hi) - lo) as usize })
                }
            }
        }
    }

    /// This series as this thread's handle, its cells found now (see [`Local`]).
    pub fn local(&self) -> Local<BoundHistogram> {
        Local::new(self.clone(), self.loc)
    }
}

impl Local<BoundHistogram> {
    /// Records `v` as [`BoundHistogram::record`] does, into the cells found at `local`.
    #[inline(always)]
    pub fn record(&self, v: f64) {
        self.record_n(v, 1);
    }

    /// Records `v` `n` times, as [`BoundHistogram::record_n`] does.
    #[inline(always)]
    pub fn record_n(&self, v: f64, n: u64) {
        if let Some(cell) = self.bound.cell(v) {
            match self.cells() {
                Some(c) => {
                    c.add_f64(0, v * n as f64);
                    c.add(cell, n);
                }
                None => self.bound.record_n(v, n),
            }
        }
    }
}

/// A bound series as one thread's handle: its cells in the thread's shard are found once,
/// when the handle is made, so that a record is a load and a store at a known address, with
/// no look-up of the thread's shard and chunk in between (a chain of dependent loads that
/// costs a few cache misses where records are far apart, as a server's are). Made by
/// `local()` on a bound handle; not `Send`, so it stays on its thread. Should the thread
/// lose its shard (it is exiting), records go the bound handle's way.
pub struct Local<B> {
    bound: B,
    pinned: Option<cells::Pinned>,
    /// Not `Send` or `Sync`: the cells are this thread's.
    _thread: PhantomData<*const ()>,
}

impl<B> Local<B> {
    fn new(bound: B, loc: Loc) -> Local<B> {
        Local { bound, pinned: cells::Pinned::new(loc), _thread: PhantomData }
    }

    #[inline(always)]
    fn cells(&self) -> Option<cells::Cells<'static>> {
        self.pinned.as_ref().and_then(cells::Pinned::cells)
    }
}

/// The state of a registry at one collection.
#[derive(Debug)]
pub struct Snapshot {
    /// When the cumulative series started.
    pub start: SystemTime,
    /// When this snapshot was taken.
    pub time: SystemTime,
    /// One family per instrument, in registration order.
    pub families: Vec<Family>,
}

/// One instrument's points.
#[derive(Debug)]
pub struct Family {
    /// The scope that made the instrument.
    pub scope: Arc<Scope>,
    /// The instrument's name, as OTel writes it (`http.server.request.duration`).
    pub name: String,
    /// Its description.
    pub description: String,
    /// Its unit (UCUM).
    pub unit: String,
    /// Its kind.
    pub kind: InstrumentKind,
    /// Its series' values, in the order they were bound (observed points first).
    pub points: Vec<Point>,
}

/// One series' value.
#[derive(Debug)]
pub struct Point {
    attributes: PointAttributes,
    /// The value.
    pub value: PointValue,
}

enum PointAttributes {
    Series(Arc<Series>),
    Owned(Attributes),
}

impl std::fmt::Debug for PointAttributes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.get().iter()).finish()
    }
}

impl PointAttributes {
    fn get(&self) -> &Attributes {
        match self {
            PointAttributes::Series(s) => &s.attrs,
            PointAttributes::Owned(a) => a,
        }
    }
}

impl Point {
    /// The series' attributes, sorted by key.
    pub fn attributes(&self) -> &Attributes {
        self.attributes.get()
    }
}

/// A point's value, by instrument kind.
#[derive(Clone, Debug, PartialEq)]
pub enum PointValue {
    /// A counter's cumulative sum.
    Counter(u64),
    /// An up-down counter's sum.
    UpDownCounter(i64),
    /// A gauge's last value.
    Gauge(f64),
    /// An explicit-bucket histogram.
    Histogram(HistogramPoint),
    /// An exponential histogram.
    Exponential(ExponentialPoint),
}

/// An explicit-bucket histogram's state.
#[derive(Clone, Debug, PartialEq)]
pub struct HistogramPoint {
    /// The boundaries.
    pub bounds: Arc<[f64]>,
    /// One count per bucket (`bounds.len() + 1`), not cumulative.
    pub counts: Vec<u64>,
    /// The sum of the values.
    pub sum: f64,
    /// How many values (the sum of `counts`).
    pub count: u64,
}

/// An exponential histogram's state, as OTLP carries it (positive range only).
#[derive(Clone, Debug, PartialEq)]
pub struct ExponentialPoint {
    /// The scale of `counts`, lowered from the recording scale until they fit `max_size`.
    pub scale: i32,
    /// The index of `counts[0]`.
    pub offset: i32,
    /// Bucket counts from `offset` (not cumulative); empty when no value was above the
    /// zero threshold.
    pub counts: Vec<u64>,
    /// Values in `[0, zero_threshold]`.
    pub zero_count: u64,
    /// The zero bucket's upper bound: the lowest recorded boundary.
    pub zero_threshold: f64,
    /// The sum of the values.
    pub sum: f64,
    /// How many values.
    pub count: u64,
}

impl ExponentialPoint {
    /// Merges `raw` counts (at `scale`, from index `lo`) into at most `max_size` buckets by
    /// lowering the scale: each step down merges pairs (index `i` becomes `i >> 1`).
    fn from_buckets(
        scale: i32,
        lo: i32,
        raw: &[u64],
        zero_count: u64,
        zero_threshold: f64,
        sum: f64,
        max_size: u32,
    ) -> ExponentialPoint {
        let count = raw.iter().fold(zero_count, |a, &c| a.wrapping_add(c));
        let first = raw.iter().position(|&c| c != 0);
        let last = raw.iter().rposition(|&c| c != 0);
        let (Some(first), Some(last)) = (first, last) else {
            return ExponentialPoint { scale, offset: 0, counts: Vec::new(), zero_count, zero_threshold, sum, count };
        };
        let (first, last) = (lo + first as i32, lo + last as i32);
        let mut shift = 0;
        while i64::from((last >> shift) - (first >> shift)) + 1 > i64::from(max_size) {
            shift += 1;
        }
        let offset = first >> shift;
        let mut counts = vec![0u64; ((last >> shift) - offset + 1) as usize];
        for (i, &c) in raw.iter().enumerate() {
            if c != 0 {
                let idx = ((lo + i as i32) >> shift) - offset;
                counts[idx as usize] += c;
            }
        }
        ExponentialPoint { scale: scale - shift, offset, counts, zero_count, zero_threshold, sum, count }
    }
}

#[cfg(test)]
mod tests;
