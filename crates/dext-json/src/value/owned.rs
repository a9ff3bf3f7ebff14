//! [`OwnedValue`]: the DOM's owned variant, a tree that holds its own strings and number
//! texts, for values that must outlive the input they were read from (kept in a cache, sent
//! to another thread). It is built from a [`Document`](super::Document) (so it accepts
//! exactly what the reader accepts), costs an allocation per string, array and object, and
//! keeps every number as its text, so nothing is lost.

use super::{Kind, pointer_index, pointer_key};
use crate::error::Error;
use crate::read::Number;
use crate::value::{Document, ParseOptions};
use crate::write::Writer;

/// A JSON value that owns its contents (see the module docs).
///
/// ```
/// use dext_json::OwnedValue;
///
/// let v = OwnedValue::parse(br#"{"id": 12345678901234567890123, "tags": ["a", "b"]}"#)?;
/// assert_eq!(v.pointer("/tags/1").and_then(OwnedValue::as_str), Some("b"));
/// // A number beyond 64 bits keeps its text.
/// assert_eq!(v.get("id").and_then(OwnedValue::as_number).map(|n| n.as_str()), Some("12345678901234567890123"));
/// # Ok::<(), dext_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum OwnedValue {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number, as its text.
    Number(OwnedNumber),
    /// A string, escapes decoded.
    String(String),
    /// An array.
    Array(Vec<OwnedValue>),
    /// An object's members in document order (repeated keys kept; look-ups find the last).
    Object(Vec<(String, OwnedValue)>),
}

/// A number's text, owned, with the same exact conversions as [`Number`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedNumber(pub(super) Box<str>);

impl OwnedNumber {
    fn number(&self) -> Number<'_> {
        Number::from_text(self.0.as_bytes())
    }

    /// The text as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value as a `u64`, if it is written as an integer in range.
    pub fn as_u64(&self) -> Option<u64> {
        self.number().as_u64()
    }

    /// The value as an `i64`, if it is written as an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        self.number().as_i64()
    }

    /// The nearest `f64`.
    pub fn as_f64(&self) -> f64 {
        self.number().as_f64()
    }
}

impl OwnedValue {
    /// Parses `input` (default options).
    pub fn parse(input: &[u8]) -> Result<OwnedValue, Error> {
        Ok(Document::parse(input)?.to_owned_value())
    }

    /// Parses `input` with `options`.
    pub fn parse_with(input: &[u8], options: ParseOptions) -> Result<OwnedValue, Error> {
        Ok(Document::parse_with(input, options)?.to_owned_value())
    }

    /// The kind of value.
    pub fn kind(&self) -> Kind {
        match self {
            OwnedValue::Null => Kind::Null,
            OwnedValue::Bool(_) => Kind::Bool,
            OwnedValue::Number(_) => Kind::Number,
            OwnedValue::String(_) => Kind::String,
            OwnedValue::Array(_) => Kind::Array,
            OwnedValue::Object(_) => Kind::Object,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            OwnedValue::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, if this is one.
    pub fn as_number(&self) -> Option<&OwnedNumber> {
        match self {
            OwnedValue::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            OwnedValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value of `key` (the last one, if repeated), if this is an object that has it.
    pub fn get(&self, key: &str) -> Option<&OwnedValue> {
        match self {
            OwnedValue::Object(members) => members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Element `i`, if this is an array that long.
    pub fn index(&self, i: usize) -> Option<&OwnedValue> {
        match self {
            OwnedValue::Array(elements) => elements.get(i),
            _ => None,
        }
    }

    /// The value at a JSON Pointer (RFC 6901), as [`super::Value::pointer`].
    pub fn pointer(&self, pointer: &str) -> Option<&OwnedValue> {
        if pointer.is_empty() {
            return Some(self);
        }
        let mut here = self;
        for segment in pointer.strip_prefix('/')?.split('/') {
            here = match here {
                OwnedValue::Object(_) => here.get(&pointer_key(segment)?)?,
                OwnedValue::Array(_) => here.index(pointer_index(segment)?)?,
                _ => return None,
            };
        }
        Some(here)
    }

    /// Writes this value with `w` (numbers as their text).
    pub fn write(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        match self {
            OwnedValue::Null => w.null(),
            OwnedValue::Bool(b) => w.bool(*b),
            OwnedValue::Number(n) => w.number_read(n.0.as_bytes()),
            OwnedValue::String(s) => w.string(s),
            OwnedValue::Array(elements) => {
                w.start_array()?;
                for e in elements {
                    e.write(w)?;
                }
                w.end_array()
            }
            OwnedValue::Object(members) => {
                w.start_object()?;
                for (k, v) in members {
                    w.key(k)?;
                    v.write(w)?;
                }
                w.end_object()
            }
        }
    }
}
