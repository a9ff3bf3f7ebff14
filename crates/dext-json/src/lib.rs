//! JSON on UTF-8 bytes, with no intermediate strings.
//!
//! [`Reader`] is a pull tokenizer over `&[u8]` that validates the whole grammar of
//! RFC 8259 as it goes (structure, nesting depth, numbers, escapes, UTF-8, trailing bytes)
//! and allocates nothing: strings are borrowed from the input and unescaped into a caller's
//! buffer only when they hold escapes, numbers are their text with exact conversions, and an
//! error says what was wrong and where (byte offset, line and column). [`validate`] checks a
//! whole document. [`Writer`] appends a document to a `Vec<u8>` value by value (strings
//! escaped, integers and shortest round-trip floats formatted), compact or indented, and
//! refuses misuse with an error. [`Document`] is the DOM: one flat array of nodes per
//! document, strings borrowed where they can be, with [`Value`] views, indexing and JSON
//! Pointer look-ups; [`OwnedValue`] is its owned variant. With the `serde` feature,
//! [`serde::from_slice`] and [`serde::to_vec`] (de)serialize `Deserialize`/`Serialize` types
//! with the reader's scanners and straight into bytes, lending `&str` fields from the input.
//!
//! ```text
//!   &[u8] ──▶ Reader::next_token ──▶ Token { StartObject, Key(Str), Number(Number), ... }
//!                                         │
//!                       Str::decode(&mut String) / Number::as_f64 ...
//! ```
//!
//! This crate does no I/O. Its dependencies are `zmij` (float formatting) and `simdutf8`
//! (UTF-8 validation). Its only `unsafe` code is in `simd` (vector loads, and `&str`s of
//! bytes proved ASCII) and `out` (writes into a vector's spare capacity: short appends, and
//! the DOM's node pushes).
#![deny(unsafe_code)]
#![deny(missing_docs)]

mod error;
mod nest;
#[allow(unsafe_code)]
mod out;
pub mod read;
mod scan;
#[cfg(feature = "serde")]
pub mod serde;
#[allow(unsafe_code)]
mod simd;
pub mod value;
pub mod write;

pub use error::{Error, ErrorKind};
pub use read::{Number, Reader, ReaderOptions, Str, Token, validate};
pub use value::{Document, Kind, OwnedNumber, OwnedValue, ParseOptions, Value};
pub use write::{Writer, write_string};
