//! The one error type: what went wrong, and where.

use core::fmt;

/// Why a document was refused, or a write was. For the reader every kind is the input's
/// fault (malformed JSON) except [`ErrorKind::TooDeep`], a limit of its configuration. For
/// the [`crate::Writer`], the kind says what a misuse would have produced: `ExpectedKey` (a
/// value where a key is due), `ExpectedValue` (a key, or an end, where a value is due),
/// `MismatchedBracket`, `TrailingCharacters` (a second value), `UnexpectedEnd` (finished too
/// early), `InvalidNumber` (number text outside the grammar), `NonFiniteNumber`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input ended inside a value, or held no value at all.
    UnexpectedEnd,
    /// A byte that cannot start a value here (`tru`, `'x'`, `+1`, a stray `}`, ...).
    ExpectedValue,
    /// After `{` or `,` in an object: a byte other than `"` (or `}` right after `{`).
    ExpectedKey,
    /// After a key: a byte other than `:`.
    ExpectedColon,
    /// After a value in an array or object: a byte other than `,` or the closing bracket.
    ExpectedCommaOrEnd,
    /// A closing bracket that does not match the open one (`[1}`).
    MismatchedBracket,
    /// Bytes after the document's one value (RFC 8259 section 2: a text is one value).
    TrailingCharacters,
    /// A number outside the grammar of RFC 8259 section 6 (`01`, `1.`, `.5`, `1e`, `-`).
    InvalidNumber,
    /// A control character (below U+0020) inside a string, which must be escaped.
    ControlCharacter,
    /// A `\` not followed by one of `" \ / b f n r t u`.
    InvalidEscape,
    /// A `\u` not followed by four hex digits.
    InvalidUnicodeEscape,
    /// A `\u` escape of a UTF-16 surrogate that is not part of a pair: it stands for no
    /// character, and cannot be written as UTF-8.
    LoneSurrogate,
    /// Bytes inside a string that are not UTF-8 (RFC 8259 section 8.1).
    InvalidUtf8,
    /// Deeper nesting than the reader's limit ([`crate::ReaderOptions::max_depth`]), or
    /// than the writer's (1,024 levels).
    TooDeep,
    /// A NaN or an infinity given to the writer: JSON has no form for them.
    NonFiniteNumber,
    /// An object repeats a key, and the [`crate::Document`] was asked to refuse that
    /// ([`crate::ParseOptions::reject_duplicate_keys`]).
    DuplicateKey,
    /// A document too large for the DOM to index (4 GiB of input or more).
    TooLarge,
}

impl ErrorKind {
    fn describe(self) -> &'static str {
        match self {
            ErrorKind::UnexpectedEnd => "unexpected end of input",
            ErrorKind::ExpectedValue => "expected a value",
            ErrorKind::ExpectedKey => "expected a string key",
            ErrorKind::ExpectedColon => "expected ':' after a key",
            ErrorKind::ExpectedCommaOrEnd => "expected ',' or a closing bracket",
            ErrorKind::MismatchedBracket => "closing bracket does not match",
            ErrorKind::TrailingCharacters => "trailing characters after the value",
            ErrorKind::InvalidNumber => "invalid number",
            ErrorKind::ControlCharacter => "unescaped control character in a string",
            ErrorKind::InvalidEscape => "invalid escape",
            ErrorKind::InvalidUnicodeEscape => "invalid \\u escape",
            ErrorKind::LoneSurrogate => "unpaired UTF-16 surrogate in a \\u escape",
            ErrorKind::InvalidUtf8 => "invalid UTF-8",
            ErrorKind::TooDeep => "nesting too deep",
            ErrorKind::NonFiniteNumber => "NaN and infinities have no JSON form",
            ErrorKind::DuplicateKey => "duplicate key in an object",
            ErrorKind::TooLarge => "document too large",
        }
    }
}

/// A refused document: the kind of fault, its byte offset, and the same place as a 1-based
/// line and column (the column counts bytes). `Copy`, and never allocates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Error {
    kind: ErrorKind,
    offset: usize,
    line: usize,
    column: usize,
}

impl Error {
    /// The error at `offset` in `input` (computes the line and column: errors are rare).
    #[cold]
    pub(crate) fn at(kind: ErrorKind, input: &[u8], offset: usize) -> Error {
        let before = &input[..offset.min(input.len())];
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        Error { kind, offset, line, column: offset - line_start + 1 }
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The byte offset of the offending byte (the input's length when it ended too soon).
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The 1-based line of [`Error::offset`].
    pub fn line(&self) -> usize {
        self.line
    }

    /// The 1-based column of [`Error::offset`], in bytes.
    pub fn column(&self) -> usize {
        self.column
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at line {} column {} (byte {})", self.kind.describe(), self.line, self.column, self.offset)
    }
}

impl std::error::Error for Error {}
