//! Inline record storage shared by spans and log records: a fixed text area and
//! attributes whose strings live in it, so a record is one flat value with no allocation.

use std::fmt;

use crate::attr::{KeyValue, Value};

/// A piece of a `Text`: `start..start + len`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct TextRef {
    start: u16,
    len: u16,
}

/// A fixed text area, filled front to back. Only whole `&str`s, cut at character
/// boundaries, are written, so every piece is valid UTF-8.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Text<const N: usize> {
    len: u16,
    bytes: [u8; N],
}

impl<const N: usize> Default for Text<N> {
    fn default() -> Self {
        Text { len: 0, bytes: [0; N] }
    }
}

/// `dst.copy_from_slice(src)`, with the short copies of attribute values done inline: two
/// overlapping moves of a fixed size, not a call to `memcpy` (which costs more than the copy
/// of a few bytes).
#[inline(always)]
fn copy(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    debug_assert_eq!(dst.len(), n);
    if n > 32 || dst.len() != n {
        dst.copy_from_slice(src);
    } else if n >= 16 {
        dst[..16].copy_from_slice(&src[..16]);
        dst[n - 16..].copy_from_slice(&src[n - 16..]);
    } else if n >= 8 {
        dst[..8].copy_from_slice(&src[..8]);
        dst[n - 8..].copy_from_slice(&src[n - 8..]);
    } else if n >= 4 {
        dst[..4].copy_from_slice(&src[..4]);
        dst[n - 4..].copy_from_slice(&src[n - 4..]);
    } else if n > 0 {
        dst[0] = src[0];
        dst[n / 2] = src[n / 2];
        dst[n - 1] = src[n - 1];
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl<const N: usize> Text<N> {
    pub(crate) fn clear(&mut self) {
        self.len = 0;
    }

    /// The piece `r`.
    pub(crate) fn get(&self, r: TextRef) -> &str {
        let bytes = self.bytes.get(usize::from(r.start)..usize::from(r.start) + usize::from(r.len));
        bytes.and_then(|b| std::str::from_utf8(b).ok()).unwrap_or("")
    }

    /// Where the next piece starts.
    pub(crate) fn mark(&self) -> usize {
        usize::from(self.len)
    }

    /// The piece from `mark` to the end.
    pub(crate) fn since(&self, mark: usize) -> TextRef {
        TextRef { start: mark as u16, len: (usize::from(self.len) - mark) as u16 }
    }

    /// Appends `s`, cut at a character boundary where the area is full; returns whether it
    /// fit whole.
    #[inline]
    pub(crate) fn append(&mut self, s: &str) -> bool {
        let at = usize::from(self.len);
        let room = N - at;
        let take = if s.len() <= room { s.len() } else { floor_char_boundary(s, room) };
        copy(&mut self.bytes[at..at + take], &s.as_bytes()[..take]);
        self.len = (at + take) as u16;
        take == s.len()
    }

    /// Appends the concatenation of `parts` as one piece.
    pub(crate) fn push(&mut self, parts: &[&str]) -> TextRef {
        let mark = self.mark();
        for p in parts {
            if !self.append(p) {
                break;
            }
        }
        self.since(mark)
    }

    /// Appends formatted text as one piece, cut where the area is full.
    pub(crate) fn push_fmt(&mut self, args: fmt::Arguments<'_>) -> TextRef {
        let mark = self.mark();
        match args.as_str() {
            Some(s) => {
                self.append(s);
            }
            None => {
                let _ = fmt::write(self, args);
            }
        }
        self.since(mark)
    }

    /// A value to keep: strings go into the text area.
    pub(crate) fn store(&mut self, v: Value<'_>) -> Stored {
        match v {
            Value::Bool(b) => Stored::Bool(b),
            Value::I64(i) => Stored::I64(i),
            Value::F64(f) => Stored::F64(f),
            Value::Str(s) => {
                let mark = self.mark();
                self.append(s);
                Stored::Text(self.since(mark))
            }
        }
    }

    /// A kept value, as a `Value`.
    pub(crate) fn value(&self, s: Stored) -> Value<'_> {
        match s {
            Stored::Bool(b) => Value::Bool(b),
            Stored::I64(i) => Value::I64(i),
            Stored::F64(f) => Value::F64(f),
            Stored::Static(s) => Value::Str(s),
            Stored::Text(r) => Value::Str(self.get(r)),
        }
    }

    /// A kept attribute, as a `KeyValue`.
    pub(crate) fn attr(&self, a: &Attr) -> KeyValue<'_> {
        KeyValue { key: a.key, value: self.value(a.value) }
    }
}

impl<const N: usize> fmt::Write for Text<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // Past the end, the rest is dropped: formatting stops with an error.
        if self.append(s) { Ok(()) } else { Err(fmt::Error) }
    }
}

/// A kept value: numbers and static strings as they are, other strings in the text area.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Stored {
    Bool(bool),
    I64(i64),
    F64(f64),
    Static(&'static str),
    Text(TextRef),
}

/// A kept attribute.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Attr {
    pub(crate) key: &'static str,
    pub(crate) value: Stored,
}

pub(crate) const NO_ATTR: Attr = Attr { key: "", value: Stored::Bool(false) };

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cut_at_character_boundaries() {
        let mut t = Text::<8>::default();
        let a = t.push(&["ab", "c"]);
        assert_eq!(t.get(a), "abc");
        // Five bytes left: two 'é' fit, the third would split.
        let b = t.push(&["ééé"]);
        assert_eq!(t.get(b), "éé");
        // One byte left: 'x' fits, then nothing does.
        let x = t.push(&["x"]);
        assert_eq!(t.get(x), "x");
        let y = t.push(&["y"]);
        assert_eq!(t.get(y), "");
        let mut t = Text::<16>::default();
        let f = t.push_fmt(format_args!("{}-{:03}", "id", 7));
        assert_eq!(t.get(f), "id-007");
        let long = t.push_fmt(format_args!("{}", "0123456789abcdef"));
        assert_eq!(t.get(long), "0123456789");
        assert_eq!(t.value(Stored::I64(3)), Value::I64(3));
        let mut v = Text::<16>::default();
        let s = v.store(Value::Str("hi"));
        assert_eq!(v.value(s), Value::Str("hi"));
    }

    #[test]
    fn pieces_of_every_length_are_copied_whole() {
        let src: String = (0..80u8).map(|i| char::from(b'!' + i)).collect();
        for n in 0..=80 {
            let mut t = Text::<256>::default();
            let before = t.push(&["<"]);
            let piece = t.push(&[&src[..n]]);
            let after = t.push(&[">"]);
            assert_eq!((t.get(before), t.get(piece), t.get(after)), ("<", &src[..n], ">"), "length {n}");
        }
    }
}
