//! The pull reader: [`Reader`] walks a document token by token and validates everything on
//! the way, allocating nothing.
//!
//! Grammar and limits (RFC 8259):
//! - a document is one value, with optional whitespace (space, tab, LF, CR) around it;
//!   anything after it is [`ErrorKind::TrailingCharacters`];
//! - no byte-order mark, no comments, no trailing commas, no `NaN` or `Infinity`, no single
//!   quotes;
//! - strings are UTF-8 with no unescaped control characters; `\u` escapes of UTF-16
//!   surrogates must form pairs;
//! - arrays and objects nest at most [`ReaderOptions::max_depth`] deep (128 by default).
//!
//! The reader never looks back: each token is produced from the bytes after the previous one,
//! and the nesting is a bit stack (one bit per level: object or array, `crate::nest`) in the
//! reader itself.

mod lemire;
mod number;
mod pow5;
#[cfg(test)]
pub(crate) mod tests;
pub(crate) mod walk;

pub use number::Number;
#[cfg(feature = "serde")]
pub(crate) use number::parse_whole as parse_number;

use crate::error::{Error, ErrorKind};
use crate::nest::Nesting;
#[cfg(feature = "serde")]
use crate::simd::string_decoded;
use crate::simd::{self, Contents, Utf8Ahead, string_contents, string_span};

/// Deepest nesting a reader can be configured for: its bit stack has this many bits.
pub const MAX_DEPTH_LIMIT: u32 = 1024;

/// How a [`Reader`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReaderOptions {
    /// The deepest nesting of arrays and objects accepted (default 128, at most
    /// [`MAX_DEPTH_LIMIT`]; larger values are cut to it). `[[1]]` is 2 deep.
    pub max_depth: u32,
}

impl Default for ReaderOptions {
    fn default() -> Self {
        ReaderOptions { max_depth: 128 }
    }
}

impl ReaderOptions {
    /// With [`ReaderOptions::max_depth`] set to `depth`.
    pub fn max_depth(mut self, depth: u32) -> ReaderOptions {
        self.max_depth = depth;
        self
    }
}

/// One token of a document.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Token<'a> {
    /// `{`
    StartObject,
    /// `}`
    EndObject,
    /// `[`
    StartArray,
    /// `]`
    EndArray,
    /// An object's key (its value is the next token).
    Key(Str<'a>),
    /// A string value.
    String(Str<'a>),
    /// A number, as its text.
    Number(Number<'a>),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
}

/// A string as it appears between its quotes: valid UTF-8 with its escapes (already checked)
/// still in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Str<'a> {
    raw: &'a str,
    escaped: bool,
}

impl<'a> Str<'a> {
    /// The text between the quotes, escapes as written.
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// Whether the string holds escapes (then [`Str::as_str`] is `None`).
    pub fn has_escapes(&self) -> bool {
        self.escaped
    }

    /// The string, borrowed from the input, when it holds no escapes.
    pub fn as_str(&self) -> Option<&'a str> {
        if self.escaped { None } else { Some(self.raw) }
    }

    /// The string with its escapes decoded: borrowed from the input when there are none,
    /// else decoded into `scratch` (cleared first), which keeps its capacity for the next.
    pub fn decode<'s>(&self, scratch: &'s mut String) -> &'s str
    where
        'a: 's,
    {
        if !self.escaped {
            return self.raw;
        }
        scratch.clear();
        unescape(self.raw, scratch);
        scratch
    }

    /// Appends the string, escapes decoded, to `out`.
    pub fn decode_into(&self, out: &mut String) {
        if self.escaped {
            unescape(self.raw, out);
        } else {
            out.push_str(self.raw);
        }
    }
}

/// Appends `raw` (string contents whose escapes were validated) with its escapes decoded:
/// plain runs copied whole, each escape decoded from its bytes.
fn unescape(raw: &str, out: &mut String) {
    let b = raw.as_bytes();
    out.reserve(b.len());
    let mut run = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        out.push_str(&raw[run..i]);
        // Validated already, so every escape decodes; a `None` could only mean a bug, and
        // then the rest is left as written rather than guessed at.
        let Some((c, next)) = decode_escape(b, i) else { break };
        out.push(c);
        i = next;
        run = i;
    }
    out.push_str(raw.get(run..).unwrap_or_default());
}

/// The values of hex digits (`0xff` for other bytes).
static HEX: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let mut d = 0;
    while d < 10 {
        t[b'0' as usize + d] = d as u8;
        d += 1;
    }
    let mut d = 0;
    while d < 6 {
        t[b'a' as usize + d] = 10 + d as u8;
        t[b'A' as usize + d] = 10 + d as u8;
        d += 1;
    }
    t
};

/// The value of four hex digits at the start of `b`.
#[inline]
fn hex4(b: &[u8]) -> Option<u32> {
    let d = b.get(..4)?;
    let (a, b, c, e) = (HEX[d[0] as usize], HEX[d[1] as usize], HEX[d[2] as usize], HEX[d[3] as usize]);
    if (a | b | c | e) & 0xf0 != 0 {
        return None;
    }
    Some(u32::from(a) << 12 | u32::from(b) << 8 | u32::from(c) << 4 | u32::from(e))
}

/// Checks the escape in `input` whose `\` is at `at`; returns the index after it.
fn escape(input: &[u8], at: usize) -> Result<usize, Error> {
    match input.get(at + 1) {
        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(at + 2),
        Some(b'u') => {
            let Some(hi) = hex4(&input[at + 2..]) else { return bad_hex(input, at + 2) };
            match hi {
                0xd800..=0xdbff => {
                    // A high surrogate: a `\u` low surrogate must follow.
                    let next = at + 6;
                    if input.get(next..next + 2) != Some(b"\\u") {
                        return fail(input, ErrorKind::LoneSurrogate, at);
                    }
                    let Some(lo) = hex4(&input[next + 2..]) else { return bad_hex(input, next + 2) };
                    if !(0xdc00..=0xdfff).contains(&lo) {
                        return fail(input, ErrorKind::LoneSurrogate, at);
                    }
                    Ok(next + 6)
                }
                0xdc00..=0xdfff => fail(input, ErrorKind::LoneSurrogate, at),
                _ => Ok(at + 6),
            }
        }
        Some(_) => fail(input, ErrorKind::InvalidEscape, at),
        None => fail(input, ErrorKind::UnexpectedEnd, input.len()),
    }
}

/// The escape in `input` whose `\` is at `at`, checked and decoded: its character and the
/// index after it; `None` for any escape that [`escape`] refuses (which then says why).
#[inline(always)]
pub(crate) fn decode_escape(input: &[u8], at: usize) -> Option<(char, usize)> {
    let c = match *input.get(at + 1)? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let hi = hex4(input.get(at + 2..)?)?;
            if !(0xd800..0xdc00).contains(&hi) {
                // A low surrogate alone is no `char`.
                return Some((char::from_u32(hi)?, at + 6));
            }
            if input.get(at + 6..at + 8)? != b"\\u" {
                return None;
            }
            let lo = hex4(input.get(at + 8..)?)?;
            if !(0xdc00..0xe000).contains(&lo) {
                return None;
            }
            return Some((char::from_u32(0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00))?, at + 12));
        }
        _ => return None,
    };
    Some((c, at + 2))
}

/// The error for four hex digits expected at `at`: the end of input, or the first
/// non-hex byte.
#[cold]
fn bad_hex<T>(input: &[u8], at: usize) -> Result<T, Error> {
    let digits = input[at.min(input.len())..].iter().take(4).take_while(|b| b.is_ascii_hexdigit()).count();
    if at + digits >= input.len() {
        return fail(input, ErrorKind::UnexpectedEnd, input.len());
    }
    fail(input, ErrorKind::InvalidUnicodeEscape, at + digits)
}

/// Whether `b` is JSON whitespace (RFC 8259 section 2).
#[inline(always)]
pub(crate) fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

#[cold]
#[inline(never)]
fn fail<T>(input: &[u8], kind: ErrorKind, at: usize) -> Result<T, Error> {
    Err(Error::at(kind, input, at))
}

/// What the reader expects next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// The document's value.
    Root,
    /// A value: after `:`, or after `,` in an array.
    Value,
    /// After `[`: a value or `]`.
    FirstElement,
    /// After `{`: a key or `}`.
    FirstKey,
    /// After a value inside an array or object.
    CommaOrEnd,
    /// After the document's value: only whitespace.
    Done,
}

/// A validating pull tokenizer over a document's bytes (see the module docs for the rules).
///
/// ```
/// use dext_json::{Reader, Token};
///
/// let mut r = Reader::new(br#"{"a": [1, "x\n"]}"#);
/// let mut scratch = String::new();
/// assert_eq!(r.next_token().unwrap(), Some(Token::StartObject));
/// let Some(Token::Key(k)) = r.next_token().unwrap() else { panic!() };
/// assert_eq!(k.as_str(), Some("a"));
/// assert_eq!(r.next_token().unwrap(), Some(Token::StartArray));
/// let Some(Token::Number(n)) = r.next_token().unwrap() else { panic!() };
/// assert_eq!(n.as_i64(), Some(1));
/// let Some(Token::String(s)) = r.next_token().unwrap() else { panic!() };
/// assert_eq!(s.decode(&mut scratch), "x\n");
/// assert_eq!(r.next_token().unwrap(), Some(Token::EndArray));
/// assert_eq!(r.next_token().unwrap(), Some(Token::EndObject));
/// assert_eq!(r.next_token().unwrap(), None);
/// ```
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    expect: Expect,
    max_depth: u32,
    nest: Nesting,
    utf8: Utf8Ahead<'a>,
}

impl<'a> Reader<'a> {
    /// A reader of `input` with the default options.
    pub fn new(input: &'a [u8]) -> Reader<'a> {
        Reader::with_options(input, ReaderOptions::default())
    }

    /// A reader of `input` with `options`.
    pub fn with_options(input: &'a [u8], options: ReaderOptions) -> Reader<'a> {
        Reader {
            input,
            pos: 0,
            expect: Expect::Root,
            max_depth: options.max_depth.min(MAX_DEPTH_LIMIT),
            nest: Nesting::new(),
            utf8: Utf8Ahead::default(),
        }
    }

    /// The byte offset of the next unread byte.
    #[inline]
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// The input's length.
    pub(crate) fn input_len(&self) -> usize {
        self.input.len()
    }

    /// Steps over one byte already looked at (a bracket, comma or colon), for parsers that
    /// use this reader's scanners for their own grammar walk (`crate::serde`).
    #[inline(always)]
    pub(crate) fn bump(&mut self) {
        self.pos += 1;
    }

    #[cfg(feature = "serde")]
    /// Skips the value at the current position whole and validates it, with `depth_left`
    /// levels of nesting allowed, for parsers that walk the grammar themselves.
    pub(crate) fn skip_value_here(&mut self, depth_left: u32) -> Result<(), Error> {
        let mut sub = Reader::with_options(self.input, ReaderOptions { max_depth: depth_left });
        sub.pos = self.pos;
        sub.skip_value()?;
        self.pos = sub.pos;
        Ok(())
    }

    /// The current nesting depth (0 outside any array or object).
    pub fn depth(&self) -> u32 {
        self.nest.depth()
    }

    /// The error `kind` at `at`. Inlined, so that the reader's address never reaches a call
    /// (it then stays in registers through the walk); the work is in the cold [`fail`].
    #[inline(always)]
    pub(crate) fn fail<T>(&self, kind: ErrorKind, at: usize) -> Result<T, Error> {
        fail(self.input, kind, at)
    }

    /// Skips whitespace; the next byte, if any. Most tokens follow no whitespace or one
    /// byte of it (`": "`, `",\n"`): those two bytes are looked at one by one, longer runs
    /// (indentation) sixteen bytes at a time.
    #[inline(always)]
    pub(crate) fn skip_ws(&mut self) -> Option<u8> {
        let input = self.input;
        let pos = self.pos;
        let b = *input.get(pos)?;
        // Every byte of a token is above the space; whitespace and control bytes are not.
        if b > b' ' || !is_ws(b) {
            return Some(b);
        }
        let b = input.get(pos + 1).copied();
        if b.is_some_and(|b| b > b' ' || !is_ws(b)) {
            self.pos = pos + 1;
            return b;
        }
        self.pos = simd::whitespace_end(input, pos + 1);
        input.get(self.pos).copied()
    }

    /// The next token; `Ok(None)` once the document is complete (after checking that only
    /// whitespace follows it). After an error the reader is not to be used further.
    pub fn next_token(&mut self) -> Result<Option<Token<'a>>, Error> {
        let Some(b) = self.skip_ws() else {
            return match self.expect {
                Expect::Done => Ok(None),
                _ => self.fail(ErrorKind::UnexpectedEnd, self.input.len()),
            };
        };
        match self.expect {
            Expect::Root | Expect::Value => self.value(b),
            Expect::FirstElement => {
                if b == b']' {
                    return self.close(b']');
                }
                self.value(b)
            }
            Expect::FirstKey => match b {
                b'}' => self.close(b'}'),
                b'"' => self.key(),
                _ => self.fail(ErrorKind::ExpectedKey, self.pos),
            },
            Expect::CommaOrEnd => match b {
                b',' => {
                    self.pos += 1;
                    let Some(b) = self.skip_ws() else { return self.fail(ErrorKind::UnexpectedEnd, self.input.len()) };
                    if self.nest.in_object() {
                        if b != b'"' {
                            return self.fail(ErrorKind::ExpectedKey, self.pos);
                        }
                        self.key()
                    } else {
                        self.value(b)
                    }
                }
                b'}' | b']' => self.close(b),
                _ => self.fail(ErrorKind::ExpectedCommaOrEnd, self.pos),
            },
            Expect::Done => self.fail(ErrorKind::TrailingCharacters, self.pos),
        }
    }

    /// After a value: what the container (or the document) expects next.
    #[inline(always)]
    fn after_value(&mut self) {
        self.expect = if self.nest.depth() == 0 { Expect::Done } else { Expect::CommaOrEnd };
    }

    /// A key at `pos` (a `"`), and its `:`.
    fn key(&mut self) -> Result<Option<Token<'a>>, Error> {
        let s = self.string()?;
        match self.skip_ws() {
            Some(b':') => self.pos += 1,
            Some(_) => return self.fail(ErrorKind::ExpectedColon, self.pos),
            None => return self.fail(ErrorKind::UnexpectedEnd, self.input.len()),
        }
        self.expect = Expect::Value;
        Ok(Some(Token::Key(s)))
    }

    /// A value starting with byte `b` at `pos`.
    #[inline]
    fn value(&mut self, b: u8) -> Result<Option<Token<'a>>, Error> {
        let token = match b {
            b'"' => Token::String(self.string()?),
            b'{' | b'[' => {
                if self.nest.depth() >= self.max_depth || !self.nest.push(b == b'{') {
                    return self.fail(ErrorKind::TooDeep, self.pos);
                }
                self.pos += 1;
                self.expect = if b == b'{' { Expect::FirstKey } else { Expect::FirstElement };
                return Ok(Some(if b == b'{' { Token::StartObject } else { Token::StartArray }));
            }
            b'-' | b'0'..=b'9' => Token::Number(self.number()?),
            b't' => self.literal(b"true", Token::Bool(true))?,
            b'f' => self.literal(b"false", Token::Bool(false))?,
            b'n' => self.literal(b"null", Token::Null)?,
            _ => return self.fail(ErrorKind::ExpectedValue, self.pos),
        };
        self.after_value();
        Ok(Some(token))
    }

    /// A closing bracket `b` at `pos`.
    fn close(&mut self, b: u8) -> Result<Option<Token<'a>>, Error> {
        if self.nest.depth() == 0 || self.nest.in_object() != (b == b'}') {
            return self.fail(ErrorKind::MismatchedBracket, self.pos);
        }
        self.nest.pop();
        self.pos += 1;
        self.after_value();
        Ok(Some(if b == b'}' { Token::EndObject } else { Token::EndArray }))
    }

    /// The literal `word` at `pos` (`true`, `false` or `null`), giving `token`.
    pub(crate) fn literal<T>(&mut self, word: &[u8], token: T) -> Result<T, Error> {
        let end = self.pos + word.len();
        match self.input.get(self.pos..end) {
            Some(w) if w == word => {
                self.pos = end;
                Ok(token)
            }
            _ => {
                // Point at the first byte that differs (or the end).
                let same = self.input[self.pos..].iter().zip(word).take_while(|(a, b)| a == b).count();
                let at = self.pos + same;
                let kind = if at >= self.input.len() { ErrorKind::UnexpectedEnd } else { ErrorKind::ExpectedValue };
                self.fail(kind, at)
            }
        }
    }

    /// A string whose opening quote is at `pos`; leaves `pos` after the closing quote.
    pub(crate) fn string(&mut self) -> Result<Str<'a>, Error> {
        let input = self.input;
        match string_contents(input, self.pos + 1, &mut self.utf8, |at| escape(input, at))? {
            Contents::Closed { end, text: Ok(raw), escaped } => {
                self.pos = end + 1;
                Ok(Str { raw, escaped })
            }
            Contents::Closed { text: Err(at), .. } => self.fail(ErrorKind::InvalidUtf8, at),
            Contents::Control(at) => self.fail(ErrorKind::ControlCharacter, at),
            Contents::Unterminated => self.fail(ErrorKind::UnexpectedEnd, input.len()),
        }
    }

    /// Checks the string whose opening quote is at `pos` and steps over it: all that
    /// `validate` needs of a string, inlined there. Errors as [`Reader::string`]'s (which
    /// names them, scanning again).
    #[inline(always)]
    pub(crate) fn skip_string(&mut self) -> Result<(), Error> {
        let input = self.input;
        match string_contents(input, self.pos + 1, &mut self.utf8, |at| escape(input, at)) {
            Ok(Contents::Closed { end, text: Ok(_), .. }) => {
                self.pos = end + 1;
                Ok(())
            }
            _ => self.string().map(drop),
        }
    }

    /// A string (its `"` next) with its escapes decoded: borrowed from the input if it has
    /// none, else appended to `out` (then `None`). Errors as [`Reader::string`]'s.
    #[cfg(feature = "serde")]
    #[inline(always)]
    pub(crate) fn string_decoded(&mut self, out: &mut String) -> Result<Option<&'a str>, Error> {
        let mark = out.len();
        match string_decoded(self.input, self.pos + 1, &mut self.utf8, out, decode_escape) {
            Some((text, end)) => {
                self.pos = end + 1;
                Ok(text)
            }
            None => self.refused(out, mark),
        }
    }

    /// After a decoding scan refused the string at `pos` (having appended some of it to
    /// `out` from `mark` on): the checking scan says why, as it would have without decoding.
    /// It runs on a copy, so that this reader's address is never passed to a call (its
    /// position then stays in a register through a walk).
    #[inline(always)]
    fn refused<T>(&mut self, out: &mut String, mark: usize) -> Result<Option<T>, Error> {
        out.truncate(mark);
        let mut check = self.clone();
        let s = check.string()?;
        self.pos = check.pos;
        debug_assert!(false, "a decoding scan refused a string that string() accepts");
        s.decode_into(out);
        Ok(None)
    }

    /// A string (its `"` next) in input whose first `valid.len()` bytes are `valid`, known
    /// to be UTF-8 (the DOM validates a whole document first): `Some((start, end))` if it
    /// has no escapes (its contents are `input[start..end]`), else `None`, its decoded text
    /// having been appended to `out`. Errors as [`Reader::string`]'s.
    #[inline(always)]
    pub(crate) fn string_span(&mut self, valid: &'a str, out: &mut String) -> Result<Option<(usize, usize)>, Error> {
        let mark = out.len();
        let start = self.pos + 1;
        match string_span(self.input, start, valid, out, decode_escape) {
            Some((plain, end)) => {
                self.pos = end + 1;
                Ok(plain.then_some((start, end)))
            }
            // Refused, or past `valid`.
            None => self.refused(out, mark),
        }
    }

    /// A number starting at `pos` (RFC 8259 section 6); leaves `pos` after it.
    #[inline(always)]
    pub(crate) fn number(&mut self) -> Result<Number<'a>, Error> {
        match number::scan(self.input, self.pos) {
            Ok((n, end)) => {
                self.pos = end;
                Ok(n)
            }
            Err((kind, at)) => self.fail(kind, at),
        }
    }

    /// The text of a number starting at `pos`, checked against the grammar but not converted;
    /// leaves `pos` after it.
    #[inline(always)]
    pub(crate) fn number_text(&mut self) -> Result<&'a [u8], Error> {
        match number::scan_text(self.input, self.pos) {
            Ok((n, end)) => {
                self.pos = end;
                Ok(n.as_bytes())
            }
            Err((kind, at)) => self.fail(kind, at),
        }
    }

    /// Skips the next value whole (a scalar, or an array or object with everything in it);
    /// after a key, skips that key's value. Validates what it skips.
    pub fn skip_value(&mut self) -> Result<(), Error> {
        let depth = self.nest.depth();
        loop {
            match self.next_token()? {
                Some(Token::StartObject | Token::StartArray | Token::Key(_)) => {}
                Some(_) if self.nest.depth() <= depth => return Ok(()),
                Some(_) => {}
                None => return Ok(()),
            }
        }
    }
}

/// Checks that `input` is one valid JSON document (with the default options).
pub fn validate(input: &[u8]) -> Result<(), Error> {
    walk::walk(&mut Reader::new(input), &mut walk::Nothing(Nesting::new()))
}
