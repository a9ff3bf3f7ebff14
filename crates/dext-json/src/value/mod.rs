//! The DOM: [`Document`] holds a whole document as one flat array of nodes (a tape), built in
//! one pass of the [`Reader`], and [`Value`] is a cheap view of one node with
//! typed accessors, indexing and JSON Pointer (RFC 6901) look-ups.
//!
//! A document's storage is two buffers whatever its shape: the node array (sized from the
//! input's length up front), and one `String` for the strings that held escapes (grown as
//! needed); building it also uses a stack of the open containers. Strings without escapes and
//! number texts are borrowed from the input: a node holds only their offsets (12 bytes a
//! node), the input having been validated as UTF-8 whole before the walk, so that no string
//! is validated on its own. Containers record where their subtree ends, so skipping one is a
//! jump. Inputs are limited to 4 GiB (offsets are 32 bits).
//!
//! Duplicate keys are kept; a look-up by key finds the last one (the usual "last wins"), or,
//! with [`ParseOptions::reject_duplicate_keys`], a document with one is refused
//! ([`ErrorKind::DuplicateKey`]).

mod owned;
#[cfg(test)]
mod tests;

use std::borrow::Cow;

pub use owned::{OwnedNumber, OwnedValue};

use crate::error::{Error, ErrorKind};
use crate::out;
use crate::read::walk::{Visit, walk};
use crate::read::{Number, Reader, ReaderOptions};

/// How [`Document::parse_with`] reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParseOptions {
    /// The reader's options (nesting depth).
    pub reader: ReaderOptions,
    /// Refuse a document whose objects repeat a key (default: keep all, the last one wins
    /// in look-ups).
    pub reject_duplicate_keys: bool,
}

impl ParseOptions {
    /// With [`ParseOptions::reject_duplicate_keys`] set.
    pub fn reject_duplicate_keys(mut self, on: bool) -> ParseOptions {
        self.reject_duplicate_keys = on;
        self
    }

    /// With the reader's nesting limit set (see [`ReaderOptions::max_depth`]).
    pub fn max_depth(mut self, depth: u32) -> ParseOptions {
        self.reader = self.reader.max_depth(depth);
        self
    }
}

/// One node of the tape: a 32-bit tag and two 32-bit fields, with no padding in the variants
/// that are built most (so that building one is two plain stores).
#[derive(Clone, Copy, Debug)]
#[repr(u32)]
enum Node {
    Null,
    Bool(bool),
    /// A number, its text `input[start..end]` (values are read from the text when asked).
    Number {
        start: u32,
        end: u32,
    },
    /// A string without escapes, `input[start..end]`.
    Str {
        start: u32,
        end: u32,
    },
    /// A decoded string: `text[start..end]`.
    Decoded {
        start: u32,
        end: u32,
    },
    /// An array of `len` elements, whose subtree ends before node `end`.
    Array {
        len: u32,
        end: u32,
    },
    /// An object of `len` members (each a key node, then the value's subtree), whose subtree
    /// ends before node `end`.
    Object {
        len: u32,
        end: u32,
    },
}

/// A parsed document (see the module docs).
///
/// ```
/// use dext_json::Document;
///
/// let doc = Document::parse(br#"{"users": [{"name": "Ada", "id": 1}, {"name": "Lin\u00e9", "id": 2}]}"#)?;
/// let root = doc.root();
/// assert_eq!(root.get("users").index(1).get("name").as_str(), Some("Liné"));
/// assert_eq!(root.pointer("/users/0/id").and_then(|v| v.as_u64()), Some(1));
/// assert_eq!(root.get("users").len(), 2);
/// assert!(root.get("nope").index(3).is_missing());
/// # Ok::<(), dext_json::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Document<'a> {
    /// The input (all UTF-8, or the document would have been refused).
    input: &'a str,
    nodes: Vec<Node>,
    text: String,
}

impl<'a> Document<'a> {
    /// Parses `input` with the default options.
    pub fn parse(input: &'a [u8]) -> Result<Document<'a>, Error> {
        Document::parse_with(input, ParseOptions::default())
    }

    /// Parses `input` with `options` (one walk of the grammar, `crate::read::walk`). An
    /// input of 4 GiB or more is refused ([`ErrorKind::TooLarge`], at offset 0).
    pub fn parse_with(input: &'a [u8], options: ParseOptions) -> Result<Document<'a>, Error> {
        let mut r = Reader::with_options(input, options.reader);
        if u32::try_from(input.len()).is_err() {
            return r.fail(ErrorKind::TooLarge, 0);
        }
        // The input as far as it is UTF-8: all of it, unless the document is to be refused
        // (the first string that reaches past that is not UTF-8: no byte at or above 0x80 is
        // accepted outside strings).
        let valid = match simdutf8::compat::from_utf8(input) {
            Ok(all) => all,
            Err(e) => core::str::from_utf8(&input[..e.valid_up_to()]).unwrap_or_default(),
        };
        let mut b = Builder {
            valid,
            // A guess that avoids most regrowth: about one node per 8 bytes in typical
            // documents.
            nodes: Vec::with_capacity(input.len() / 8 + 1),
            text: String::new(),
            at: 0,
            count: 0,
            object: false,
            outer: Vec::new(),
            reject_duplicate_keys: options.reject_duplicate_keys,
        };
        walk(&mut r, &mut b)?;
        Ok(Document { input: valid, nodes: b.nodes, text: b.text })
    }

    /// The document's value.
    pub fn root(&self) -> Value<'_, 'a> {
        Value { doc: self, at: Some(0) }
    }

    /// The document's value as an [`OwnedValue`], free of the input's lifetime.
    pub fn to_owned_value(&self) -> OwnedValue {
        self.root().to_owned_value().unwrap_or(OwnedValue::Null)
    }
}

/// The DOM's side of the walk: nodes pushed as values come, containers fixed up as they
/// close.
struct Builder<'a> {
    /// The input as far as it is UTF-8 (see `Document::parse_with`).
    valid: &'a str,
    nodes: Vec<Node>,
    text: String,
    /// The innermost open container: its node index, its member/element count so far, and
    /// whether it is an object (kept out of `outer`, so that counting a value is one add; with
    /// nothing open, a stand-in that counts the document's value).
    at: usize,
    count: u32,
    object: bool,
    /// The containers around the innermost, as the three fields above, outermost first.
    outer: Vec<(usize, u32, bool)>,
    reject_duplicate_keys: bool,
}

impl<'a> Builder<'a> {
    /// A value starts: it counts in the innermost open container.
    #[inline(always)]
    fn count(&mut self) {
        self.count += 1;
    }

    /// The string that `r` is at, as a node: borrowed, or decoded into the text.
    #[inline(always)]
    fn string_node(&mut self, r: &mut Reader<'a>) -> Result<Node, Error> {
        let start = self.text.len();
        Ok(match r.string_span(self.valid, &mut self.text)? {
            // Offsets into the input fit: its length was checked.
            Some((start, end)) => Node::Str { start: start as u32, end: end as u32 },
            None => Node::Decoded { start: index(start, r)?, end: index(self.text.len(), r)? },
        })
    }
}

impl<'a> Visit<'a> for Builder<'a> {
    #[inline(always)]
    fn depth(&self) -> u32 {
        self.outer.len() as u32
    }

    #[inline(always)]
    fn in_object(&self) -> bool {
        self.object
    }

    #[inline(always)]
    fn open(&mut self, _: &Reader<'a>, object: bool) -> Result<bool, Error> {
        self.count();
        self.outer.push((self.at, self.count, self.object));
        (self.at, self.count, self.object) = (self.nodes.len(), 0, object);
        out::push(
            &mut self.nodes,
            if object { Node::Object { len: 0, end: 0 } } else { Node::Array { len: 0, end: 0 } },
        );
        Ok(true)
    }

    #[inline(always)]
    fn close(&mut self, r: &Reader<'a>, object: bool) -> Result<(), Error> {
        let Some(around) = self.outer.pop() else { return Ok(()) };
        let (at, count) = (self.at, self.count);
        (self.at, self.count, self.object) = around;
        let end = index(self.nodes.len(), r)?;
        self.nodes[at] = if object { Node::Object { len: count, end } } else { Node::Array { len: count, end } };
        if self.reject_duplicate_keys && object && has_duplicates(self.valid, &self.nodes, &self.text, at) {
            // The whole object has been read; the error points just after it.
            return r.fail(ErrorKind::DuplicateKey, r.offset());
        }
        Ok(())
    }

    #[inline(always)]
    fn key(&mut self, r: &mut Reader<'a>) -> Result<(), Error> {
        // A key is a node of its own, before its value; it does not count.
        let node = self.string_node(r)?;
        out::push(&mut self.nodes, node);
        Ok(())
    }

    #[inline(always)]
    fn string(&mut self, r: &mut Reader<'a>) -> Result<(), Error> {
        self.count();
        let node = self.string_node(r)?;
        out::push(&mut self.nodes, node);
        Ok(())
    }

    #[inline(always)]
    fn number(&mut self, start: usize, end: usize) {
        self.count();
        // Offsets into the input fit: its length was checked.
        out::push(&mut self.nodes, Node::Number { start: start as u32, end: end as u32 });
    }

    #[inline(always)]
    fn literal(&mut self, value: Option<bool>) {
        self.count();
        out::push(&mut self.nodes, value.map_or(Node::Null, Node::Bool));
    }
}

/// `n` as a node index (documents of more than 2^32 nodes are refused as too large).
#[inline(always)]
fn index(n: usize, r: &Reader<'_>) -> Result<u32, Error> {
    match u32::try_from(n) {
        Ok(i) => Ok(i),
        Err(_) => r.fail(ErrorKind::TooLarge, r.offset()),
    }
}

/// Whether two keys of the object at `at` are equal (quadratic in its size: asked for only
/// when wanted).
fn has_duplicates(input: &str, nodes: &[Node], text: &str, at: usize) -> bool {
    let keys: Vec<&str> =
        Members { input, nodes, text, next: at + 1, left: object_len(nodes, at) }.map(|(k, _)| k).collect();
    keys.iter().enumerate().any(|(i, k)| keys[..i].contains(k))
}

fn object_len(nodes: &[Node], at: usize) -> u32 {
    match nodes[at] {
        Node::Object { len, .. } => len,
        _ => 0,
    }
}

/// The index after the subtree of the node at `at`.
fn subtree_end(nodes: &[Node], at: usize) -> usize {
    match nodes[at] {
        Node::Array { end, .. } | Node::Object { end, .. } => end as usize,
        _ => at + 1,
    }
}

fn node_str<'d>(input: &'d str, nodes: &[Node], text: &'d str, at: usize) -> Option<&'d str> {
    match *nodes.get(at)? {
        Node::Str { start, end } => input.get(start as usize..end as usize),
        Node::Decoded { start, end } => text.get(start as usize..end as usize),
        _ => None,
    }
}

/// The members of an object: (key, value index) pairs.
struct Members<'n, 'd> {
    input: &'d str,
    nodes: &'n [Node],
    text: &'d str,
    next: usize,
    left: u32,
}

impl<'n, 'd> Iterator for Members<'n, 'd>
where
    'n: 'd,
{
    type Item = (&'d str, usize);

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let key = node_str(self.input, self.nodes, self.text, self.next)?;
        let value = self.next + 1;
        self.next = subtree_end(self.nodes, value);
        Some((key, value))
    }
}

/// What kind of value a [`Value`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `null`
    Null,
    /// `true` or `false`
    Bool,
    /// a number
    Number,
    /// a string
    String,
    /// an array
    Array,
    /// an object
    Object,
}

/// A view of one value of a [`Document`], or of a value that is not there ([`Value::is_missing`]:
/// what indexing a missing key or index gives, so that look-ups chain).
#[derive(Clone, Copy, Debug)]
pub struct Value<'d, 'a> {
    doc: &'d Document<'a>,
    at: Option<usize>,
}

impl<'d, 'a> Value<'d, 'a> {
    fn node(&self) -> Option<&'d Node> {
        self.doc.nodes.get(self.at?)
    }

    fn missing(&self) -> Value<'d, 'a> {
        Value { doc: self.doc, at: None }
    }

    /// Whether this stands for nothing (a missing key or index).
    pub fn is_missing(&self) -> bool {
        self.node().is_none()
    }

    /// The kind of value, `None` when missing.
    pub fn kind(&self) -> Option<Kind> {
        Some(match self.node()? {
            Node::Null => Kind::Null,
            Node::Bool(_) => Kind::Bool,
            Node::Number { .. } => Kind::Number,
            Node::Str { .. } | Node::Decoded { .. } => Kind::String,
            Node::Array { .. } => Kind::Array,
            Node::Object { .. } => Kind::Object,
        })
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self.node(), Some(Node::Null))
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self.node()? {
            Node::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, if this is one.
    pub fn as_number(&self) -> Option<Number<'a>> {
        self.number_text().map(Number::from_text)
    }

    /// A number's text, if this is one.
    fn number_text(&self) -> Option<&'a [u8]> {
        match *self.node()? {
            Node::Number { start, end } => {
                let input: &'a str = self.doc.input;
                input.as_bytes().get(start as usize..end as usize)
            }
            _ => None,
        }
    }

    /// The number as a `u64`, if it is an integer in range.
    pub fn as_u64(&self) -> Option<u64> {
        self.as_number()?.as_u64()
    }

    /// The number as an `i64`, if it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number()?.as_i64()
    }

    /// The number as the nearest `f64`.
    pub fn as_f64(&self) -> Option<f64> {
        Some(self.as_number()?.as_f64())
    }

    /// The string (escapes decoded), if this is one.
    pub fn as_str(&self) -> Option<&'d str> {
        node_str(self.doc.input, &self.doc.nodes, &self.doc.text, self.at?)
    }

    /// The number of elements or members (0 for anything else).
    pub fn len(&self) -> usize {
        match self.node() {
            Some(Node::Array { len, .. } | Node::Object { len, .. }) => *len as usize,
            _ => 0,
        }
    }

    /// Whether this has no elements or members (true for anything but a non-empty array or
    /// object).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The elements, if this is an array (empty otherwise).
    pub fn elements(&self) -> impl Iterator<Item = Value<'d, 'a>> + 'd {
        let (mut next, len) = match (self.at, self.node()) {
            (Some(at), Some(Node::Array { len, .. })) => (at + 1, *len),
            _ => (0, 0),
        };
        let doc = self.doc;
        (0..len).map(move |_| {
            let v = Value { doc, at: Some(next) };
            next = subtree_end(&doc.nodes, next);
            v
        })
    }

    /// The members as (key, value) pairs in document order, if this is an object (empty
    /// otherwise); repeated keys appear as often as they were written.
    pub fn members(&self) -> impl Iterator<Item = (&'d str, Value<'d, 'a>)> + 'd {
        let (next, left) = match (self.at, self.node()) {
            (Some(at), Some(Node::Object { len, .. })) => (at + 1, *len),
            _ => (0, 0),
        };
        let doc = self.doc;
        Members { input: doc.input, nodes: &doc.nodes, text: &doc.text, next, left }
            .map(move |(k, at)| (k, Value { doc, at: Some(at) }))
    }

    /// The value of `key` (the last one, if repeated), or a missing value.
    pub fn get(&self, key: &str) -> Value<'d, 'a> {
        let mut found = None;
        for (k, v) in self.members() {
            if k == key {
                found = Some(v);
            }
        }
        found.unwrap_or(self.missing())
    }

    /// Element `i` of an array, or a missing value.
    pub fn index(&self, i: usize) -> Value<'d, 'a> {
        self.elements().nth(i).unwrap_or(self.missing())
    }

    /// Writes this value (nothing if it is missing) with `w`: numbers as their text, so a
    /// document is written back with every number as it was read.
    pub fn write(&self, w: &mut crate::Writer<'_>) -> Result<(), Error> {
        let Some(kind) = self.kind() else { return Ok(()) };
        match kind {
            Kind::Null => w.null(),
            Kind::Bool => w.bool(self.as_bool() == Some(true)),
            Kind::Number => w.number_read(self.number_text().unwrap_or(b"0")),
            Kind::String => w.string(self.as_str().unwrap_or_default()),
            Kind::Array => {
                w.start_array()?;
                for e in self.elements() {
                    e.write(w)?;
                }
                w.end_array()
            }
            Kind::Object => {
                w.start_object()?;
                for (k, v) in self.members() {
                    w.key(k)?;
                    v.write(w)?;
                }
                w.end_object()
            }
        }
    }

    /// The value at a JSON Pointer (RFC 6901: `""` is this value, `/a/0/b` walks members and
    /// elements, `~1` stands for `/` and `~0` for `~` in a segment); `None` if there is none.
    /// Array indexes are decimal without leading zeros (RFC 6901 section 4).
    pub fn pointer(&self, pointer: &str) -> Option<Value<'d, 'a>> {
        if pointer.is_empty() {
            return (!self.is_missing()).then_some(*self);
        }
        let rest = pointer.strip_prefix('/')?;
        let mut here = *self;
        for segment in rest.split('/') {
            here = match here.kind()? {
                Kind::Object => here.get(&pointer_key(segment)?),
                Kind::Array => here.index(pointer_index(segment)?),
                _ => return None,
            };
            if here.is_missing() {
                return None;
            }
        }
        Some(here)
    }

    /// This value as an [`OwnedValue`], which needs neither the document nor its input;
    /// `None` when missing.
    pub fn to_owned_value(&self) -> Option<OwnedValue> {
        Some(match self.kind()? {
            Kind::Null => OwnedValue::Null,
            Kind::Bool => OwnedValue::Bool(self.as_bool() == Some(true)),
            Kind::Number => OwnedValue::Number(OwnedNumber(self.as_number()?.as_str().into())),
            Kind::String => OwnedValue::String(self.as_str()?.to_string()),
            Kind::Array => OwnedValue::Array(self.elements().filter_map(|e| e.to_owned_value()).collect()),
            Kind::Object => OwnedValue::Object(
                self.members().filter_map(|(k, v)| Some((k.to_string(), v.to_owned_value()?))).collect(),
            ),
        })
    }
}

/// A JSON Pointer segment as an object key: `~1` is `/` and `~0` is `~` (RFC 6901 section 4);
/// `None` for any other `~`.
fn pointer_key(segment: &str) -> Option<Cow<'_, str>> {
    if !segment.contains('~') {
        return Some(Cow::Borrowed(segment));
    }
    let mut key = String::with_capacity(segment.len());
    let mut chars = segment.chars();
    while let Some(c) = chars.next() {
        if c != '~' {
            key.push(c);
            continue;
        }
        match chars.next()? {
            '0' => key.push('~'),
            '1' => key.push('/'),
            _ => return None,
        }
    }
    Some(Cow::Owned(key))
}

/// A JSON Pointer segment as an array index: decimal digits without leading zeros.
fn pointer_index(segment: &str) -> Option<usize> {
    let ok = !segment.is_empty()
        && segment.bytes().all(|b| b.is_ascii_digit())
        && (segment == "0" || !segment.starts_with('0'));
    if !ok {
        return None;
    }
    segment.parse().ok()
}
