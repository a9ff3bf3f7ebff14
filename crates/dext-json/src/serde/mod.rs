//! serde support (the `serde` feature): [`from_slice`] and [`from_str`] deserialize through
//! the [`Reader`](crate::Reader), lending `&str` fields straight from the input when the
//! string holds no escapes; [`to_vec`] and [`to_writer`] serialize through the
//! [`Writer`](crate::Writer).
//!
//! The data model maps as serde_json maps it: structs and maps are objects, sequences and
//! tuples arrays, `None` and unit `null`, enums externally tagged (`"Variant"` or
//! `{"Variant": ...}`), map keys strings (integer keys written and read as decimal strings).
//! Differences: NaN and infinities are refused ([`crate::ErrorKind::NonFiniteNumber`]), not
//! written as `null`.

mod de;
mod ser;
#[cfg(test)]
mod tests;

pub use de::{DeOptions, Deserializer, from_slice, from_slice_with, from_str};
pub use ser::{Compound, Serializer, to_vec, to_vec_pretty, to_writer};

use core::fmt;

use crate::error::ErrorKind;

/// An error from (de)serialization: the reader's or writer's error, or a message from a
/// `Deserialize` or `Serialize` implementation (a missing field, a wrong type), with the byte
/// offset where the reader was, when there is one.
///
/// It is one pointer wide (the details are boxed), so that the `Result`s passed up through
/// every visitor on the hot path stay in registers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(Box<Details>);

#[derive(Clone, Debug, PartialEq, Eq)]
struct Details {
    kind: Option<ErrorKind>,
    message: Box<str>,
    offset: Option<usize>,
}

impl Error {
    fn new(kind: Option<ErrorKind>, message: Box<str>, offset: Option<usize>) -> Error {
        Error(Box::new(Details { kind, message, offset }))
    }

    /// The JSON error's kind, when the error came from reading or writing JSON (not from a
    /// `Deserialize`/`Serialize` implementation).
    pub fn kind(&self) -> Option<ErrorKind> {
        self.0.kind
    }

    /// The byte offset in the input, for deserialization errors.
    pub fn offset(&self) -> Option<usize> {
        self.0.offset
    }

    pub(crate) fn at(mut self, offset: usize) -> Error {
        self.0.offset.get_or_insert(offset);
        self
    }
}

impl From<crate::Error> for Error {
    fn from(e: crate::Error) -> Error {
        Error::new(Some(e.kind()), e.to_string().into(), Some(e.offset()))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0.kind, self.0.offset) {
            (None, Some(at)) => write!(f, "{} (at byte {at})", self.0.message),
            _ => f.write_str(&self.0.message),
        }
    }
}

impl std::error::Error for Error {}

impl ::serde::de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Error {
        Error::new(None, msg.to_string().into(), None)
    }
}

impl ::serde::ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Error {
        Error::new(None, msg.to_string().into(), None)
    }
}
