//! Attributes: a static key and a small value, as spans and metric series carry them.

use std::fmt;

/// An attribute value as callers hand it over: borrowed, never allocated on the way in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    /// A boolean.
    Bool(bool),
    /// A signed integer (OTel's `int`; unsigned values convert when they fit).
    I64(i64),
    /// A float.
    F64(f64),
    /// A string.
    Str(&'a str),
}

/// A key with its value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KeyValue<'a> {
    /// The attribute's name, e.g. `http.request.method`.
    pub key: &'static str,
    /// Its value.
    pub value: Value<'a>,
}

/// `KeyValue { key, value: value.into() }`.
#[inline]
pub fn kv<'a>(key: &'static str, value: impl Into<Value<'a>>) -> KeyValue<'a> {
    KeyValue { key, value: value.into() }
}

impl From<bool> for Value<'_> {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl From<f64> for Value<'_> {
    fn from(v: f64) -> Self {
        Value::F64(v)
    }
}
impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::Str(v)
    }
}
macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value<'_> {
            fn from(v: $t) -> Self {
                Value::I64(i64::from(v))
            }
        }
    )*};
}
from_int!(i8, i16, i32, i64, u8, u16, u32);

impl From<u64> for Value<'_> {
    /// Values above `i64::MAX` saturate: OTel integers are signed 64-bit.
    fn from(v: u64) -> Self {
        Value::I64(i64::try_from(v).unwrap_or(i64::MAX))
    }
}
impl From<usize> for Value<'_> {
    fn from(v: usize) -> Self {
        Value::from(v as u64)
    }
}

/// A value that owns its string: how a metric series keeps the attributes it was bound with.
#[derive(Clone, Debug, PartialEq)]
pub enum OwnedValue {
    /// A boolean.
    Bool(bool),
    /// A signed integer.
    I64(i64),
    /// A float.
    F64(f64),
    /// A string.
    Str(Box<str>),
}

impl OwnedValue {
    /// The borrowed view.
    pub fn as_value(&self) -> Value<'_> {
        match self {
            OwnedValue::Bool(v) => Value::Bool(*v),
            OwnedValue::I64(v) => Value::I64(*v),
            OwnedValue::F64(v) => Value::F64(*v),
            OwnedValue::Str(v) => Value::Str(v),
        }
    }
}

impl From<Value<'_>> for OwnedValue {
    fn from(v: Value<'_>) -> Self {
        match v {
            Value::Bool(v) => OwnedValue::Bool(v),
            Value::I64(v) => OwnedValue::I64(v),
            Value::F64(v) => OwnedValue::F64(v),
            Value::Str(v) => OwnedValue::Str(v.into()),
        }
    }
}

impl fmt::Display for Value<'_> {
    /// The value as text: how Prometheus labels and log lines show it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Value::Bool(v) => write!(f, "{v}"),
            Value::I64(v) => write!(f, "{v}"),
            Value::F64(v) => write!(f, "{v}"),
            Value::Str(v) => f.write_str(v),
        }
    }
}

/// A set of attributes in canonical order (sorted by key, later duplicates win), owned:
/// the identity of a metric series.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Attributes(Vec<(&'static str, OwnedValue)>);

impl Attributes {
    /// Canonicalizes `attrs`: sorted by key; of two equal keys the later one is kept, as
    /// OTel's attribute collections do.
    pub fn new(attrs: &[KeyValue<'_>]) -> Self {
        let mut v: Vec<(&'static str, OwnedValue)> = Vec::with_capacity(attrs.len());
        for a in attrs {
            match v.iter_mut().find(|(k, _)| *k == a.key) {
                Some(slot) => slot.1 = a.value.into(),
                None => v.push((a.key, a.value.into())),
            }
        }
        v.sort_by(|a, b| a.0.cmp(b.0));
        Attributes(v)
    }

    /// Whether the set is `attrs` (in any order, with later duplicates winning), without
    /// allocating.
    pub(crate) fn matches(&self, attrs: &[KeyValue<'_>]) -> bool {
        let mut distinct = 0;
        for (i, a) in attrs.iter().enumerate() {
            if attrs[i + 1..].iter().any(|b| b.key == a.key) {
                continue; // a later duplicate decides
            }
            distinct += 1;
            match self.0.binary_search_by(|(k, _)| k.cmp(&a.key)) {
                Ok(j) if self.0[j].1.as_value() == a.value => {}
                _ => return false,
            }
        }
        distinct == self.0.len()
    }

    /// The attributes, sorted by key.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = KeyValue<'_>> {
        self.0.iter().map(|(k, v)| KeyValue { key: k, value: v.as_value() })
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A cheap hash of `attrs` that does not depend on their order (duplicates aside).
    pub(crate) fn hash_of(attrs: &[KeyValue<'_>]) -> u64 {
        let mut h = 0u64;
        for (i, a) in attrs.iter().enumerate() {
            if attrs[i + 1..].iter().any(|b| b.key == a.key) {
                continue; // a later duplicate decides, as in `new`
            }
            h = h.wrapping_add(mix(hash_str(a.key) ^ hash_value(a.value)));
        }
        h
    }
}

fn hash_value(v: Value<'_>) -> u64 {
    match v {
        Value::Bool(b) => mix(1 + b as u64),
        Value::I64(i) => mix(3 ^ i as u64),
        Value::F64(f) => mix(5 ^ f.to_bits()),
        Value::Str(s) => hash_str(s),
    }
}

/// FNV-1a, then a finalizer.
fn hash_str(s: &str) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for &b in s.as_bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    mix(h)
}

fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x
}
