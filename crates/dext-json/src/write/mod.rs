//! The writer: [`Writer`] appends a document to a byte buffer, value by value, escaping
//! strings and formatting numbers itself, and refuses to write anything that would not be
//! JSON (a value where a key is due, a key outside an object, a bracket that does not match,
//! a second document value, NaN or an infinity) with an error, in every build.
//!
//! Output is compact by default, or indented ([`Writer::pretty`]): each element and member
//! on its own line, `": "` after keys, and empty arrays and objects as `[]` and `{}`.

pub(crate) mod number;
#[cfg(test)]
mod tests;

use crate::error::{Error, ErrorKind};
use crate::nest::Nesting;
use crate::out::{append, append_quoted};
use crate::simd::{is_plain, string_run};

/// What the writer expects next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Next {
    /// The document's one value.
    Root,
    /// The first element of an array, or its end.
    FirstElement,
    /// A further element (a comma first), or the end.
    Element,
    /// The first key of an object, or its end.
    FirstKey,
    /// A further key (a comma first), or the end.
    Key,
    /// The value of the key just written.
    MemberValue,
    /// Nothing: the document is complete.
    Done,
}

/// Writes one JSON document into a `Vec<u8>` (see the module docs).
///
/// ```
/// use dext_json::Writer;
///
/// let mut out = Vec::new();
/// let mut w = Writer::new(&mut out);
/// w.start_object()?;
/// w.key("name")?;
/// w.string("Dext \"fast\"")?;
/// w.key("sizes")?;
/// w.start_array()?;
/// w.u64(1)?;
/// w.f64(2.5)?;
/// w.end_array()?;
/// w.end_object()?;
/// w.finish()?;
/// assert_eq!(out, br#"{"name":"Dext \"fast\"","sizes":[1,2.5]}"#);
/// # Ok::<(), dext_json::Error>(())
/// ```
#[derive(Debug)]
pub struct Writer<'o> {
    out: &'o mut Vec<u8>,
    next: Next,
    nest: Nesting,
    /// The indentation unit for pretty output (empty: compact).
    indent: &'static str,
}

impl<'o> Writer<'o> {
    /// A writer appending compact JSON to `out`.
    pub fn new(out: &'o mut Vec<u8>) -> Writer<'o> {
        Writer { out, next: Next::Root, nest: Nesting::new(), indent: "" }
    }

    /// Indents the output by `indent` per level (for example `"  "`); `""` is compact.
    pub fn pretty(mut self, indent: &'static str) -> Writer<'o> {
        self.indent = indent;
        self
    }

    #[cold]
    fn misuse<T>(&self, kind: ErrorKind) -> Result<T, Error> {
        Err(Error::at(kind, self.out, self.out.len()))
    }

    /// A newline and the indentation of the current depth (pretty output only).
    fn newline(&mut self) {
        if !self.indent.is_empty() {
            self.out.push(b'\n');
            for _ in 0..self.nest.depth() {
                self.out.extend_from_slice(self.indent.as_bytes());
            }
        }
    }

    /// Before a value: checks that one may come, and writes the separator it needs.
    #[inline]
    fn before_value(&mut self) -> Result<(), Error> {
        match self.next {
            Next::Root | Next::MemberValue => {}
            Next::FirstElement => self.newline(),
            Next::Element => {
                self.out.push(b',');
                self.newline();
            }
            Next::FirstKey | Next::Key => return self.misuse(ErrorKind::ExpectedKey),
            Next::Done => return self.misuse(ErrorKind::TrailingCharacters),
        }
        Ok(())
    }

    /// After a value: what comes next.
    #[inline]
    fn after_value(&mut self) {
        self.next = match self.nest.depth() {
            0 => Next::Done,
            _ if self.nest.in_object() => Next::Key,
            _ => Next::Element,
        };
    }

    /// Writes an object's key; its value comes next.
    pub fn key(&mut self, key: &str) -> Result<(), Error> {
        match self.next {
            Next::FirstKey => self.newline(),
            Next::Key => {
                self.out.push(b',');
                self.newline();
            }
            Next::Done => return self.misuse(ErrorKind::TrailingCharacters),
            _ => return self.misuse(ErrorKind::ExpectedValue),
        }
        write_string(self.out, key);
        self.out.push(b':');
        if !self.indent.is_empty() {
            self.out.push(b' ');
        }
        self.next = Next::MemberValue;
        Ok(())
    }

    fn start(&mut self, object: bool) -> Result<(), Error> {
        self.before_value()?;
        if !self.nest.push(object) {
            return self.misuse(ErrorKind::TooDeep);
        }
        self.out.push(if object { b'{' } else { b'[' });
        self.next = if object { Next::FirstKey } else { Next::FirstElement };
        Ok(())
    }

    fn end(&mut self, object: bool) -> Result<(), Error> {
        let empty = match self.next {
            Next::FirstKey | Next::FirstElement => true,
            Next::Key | Next::Element => false,
            Next::MemberValue => return self.misuse(ErrorKind::ExpectedValue),
            Next::Root | Next::Done => return self.misuse(ErrorKind::MismatchedBracket),
        };
        if self.nest.in_object() != object {
            return self.misuse(ErrorKind::MismatchedBracket);
        }
        self.nest.pop();
        if !empty {
            self.newline();
        }
        self.out.push(if object { b'}' } else { b']' });
        self.after_value();
        Ok(())
    }

    /// `{`
    pub fn start_object(&mut self) -> Result<(), Error> {
        self.start(true)
    }

    /// `}`
    pub fn end_object(&mut self) -> Result<(), Error> {
        self.end(true)
    }

    /// `[`
    pub fn start_array(&mut self) -> Result<(), Error> {
        self.start(false)
    }

    /// `]`
    pub fn end_array(&mut self) -> Result<(), Error> {
        self.end(false)
    }

    /// A string value, escaped as needed.
    pub fn string(&mut self, s: &str) -> Result<(), Error> {
        self.before_value()?;
        write_string(self.out, s);
        self.after_value();
        Ok(())
    }

    /// An integer value.
    pub fn i64(&mut self, v: i64) -> Result<(), Error> {
        self.before_value()?;
        number::write_i64(self.out, v);
        self.after_value();
        Ok(())
    }

    /// An unsigned integer value.
    pub fn u64(&mut self, v: u64) -> Result<(), Error> {
        self.before_value()?;
        number::write_u64(self.out, v);
        self.after_value();
        Ok(())
    }

    /// A float value, in the shortest form that reads back to the same bits (an integral
    /// value keeps a `.0`). NaN and the infinities have no JSON form: an error
    /// ([`ErrorKind::NonFiniteNumber`]), and nothing is written.
    pub fn f64(&mut self, v: f64) -> Result<(), Error> {
        if !v.is_finite() {
            return self.misuse(ErrorKind::NonFiniteNumber);
        }
        self.before_value()?;
        number::write_f64(self.out, v);
        self.after_value();
        Ok(())
    }

    /// `true` or `false`.
    pub fn bool(&mut self, v: bool) -> Result<(), Error> {
        self.before_value()?;
        self.out.extend_from_slice(if v { b"true" } else { b"false" });
        self.after_value();
        Ok(())
    }

    /// `null`.
    pub fn null(&mut self) -> Result<(), Error> {
        self.before_value()?;
        self.out.extend_from_slice(b"null");
        self.after_value();
        Ok(())
    }

    /// A number written as the given text (for example one read with
    /// [`crate::Number::as_str`], to keep big numbers exact). The text is checked against the
    /// grammar ([`ErrorKind::InvalidNumber`] otherwise).
    pub fn number_text(&mut self, text: &str) -> Result<(), Error> {
        if !number::is_number(text.as_bytes()) {
            return self.misuse(ErrorKind::InvalidNumber);
        }
        self.before_value()?;
        self.out.extend_from_slice(text.as_bytes());
        self.after_value();
        Ok(())
    }

    /// A number's text that came from the reader (so is known to be in the grammar).
    pub(crate) fn number_read(&mut self, text: &[u8]) -> Result<(), Error> {
        self.before_value()?;
        crate::out::append(self.out, text);
        self.after_value();
        Ok(())
    }

    /// Checks that the document is complete (its value written, every bracket closed).
    pub fn finish(self) -> Result<(), Error> {
        if self.next != Next::Done {
            return self.misuse(ErrorKind::UnexpectedEnd);
        }
        Ok(())
    }
}

/// Appends `s` as a JSON string: quotes around it, and `"`, `\` and the control characters
/// escaped (the short forms where RFC 8259 has them, else `\u00XX`). Runs without any are
/// found sixteen bytes at a time and copied whole.
#[inline]
pub fn write_string(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    if is_plain(bytes) {
        // The common case: nothing to escape, the whole string in one copy.
        append_quoted(out, bytes);
    } else {
        write_escaped(out, bytes);
    }
}

/// [`write_string`] for a string with something to escape (kept out of line, so that the
/// common case stays small where it is inlined).
#[inline(never)]
fn write_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    loop {
        let stop = string_run(bytes, start).0;
        append(out, &bytes[start..stop]);
        let Some(&b) = bytes.get(stop) else { break };
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]),
        }
        start = stop + 1;
    }
    out.push(b'"');
}
