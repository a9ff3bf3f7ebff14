//! The crate's one error type: every way a peer's bytes can be refused, each mapped to the
//! status that goes on the wire.

use crate::StatusCode;
use core::fmt;

/// Who is at fault for an [`Error`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The bytes do not follow the grammar of RFC 9112 (answered 400).
    Malformed,
    /// Well-formed, but over a configured limit (413, 414, 431).
    Limit,
    /// Well-formed, but asks for something this implementation does not do (417, 501, 505).
    Unsupported,
    /// The application used the API wrongly (for example an invalid response header).
    Misuse,
}

/// A refused request, or a misuse of the encoder. `Copy`, never allocates.
///
/// [`Error::status`] gives the response status; every error closes the connection, because
/// after a framing or syntax error the next request's first byte cannot be found reliably
/// (RFC 9112 section 11.2).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum Error {
    /// The method is not a `token` (RFC 9110 section 9.1) or is not followed by one space (or
    /// more than 8 empty lines came before the request line).
    InvalidMethod,
    /// The request target has a byte outside visible ASCII, is empty, or has the wrong form
    /// for the method (RFC 9112 section 3.2).
    InvalidTarget,
    /// The request line does not end with a well-formed `HTTP/x.y` (RFC 9112 section 2.3).
    InvalidVersion,
    /// A line ends with a bare CR (RFC 9112 section 2.2).
    BareCr,
    /// A line ends with a bare LF; this parser requires CRLF (RFC 9112 section 2.2).
    BareLf,
    /// A field name is empty or has a byte that is not a `tchar` (RFC 9110 section 5.1).
    InvalidHeaderName,
    /// Whitespace between a field name and the colon (RFC 9112 section 5.1).
    WhitespaceBeforeColon,
    /// A line folded with leading whitespace (obs-fold), or whitespace after the request line
    /// (RFC 9112 sections 2.2 and 5.2).
    ObsFold,
    /// A field value holds a control byte such as NUL or a bare CR (RFC 9110 section 5.5).
    InvalidHeaderValue,
    /// HTTP/1.1 without a Host field, with several, or with an invalid one (RFC 9112 section 3.2).
    InvalidHost,
    /// Both Content-Length and Transfer-Encoding (RFC 9112 section 6.1).
    ContentLengthAndTransferEncoding,
    /// Content-Length is not a single run of digits, or appears more than once (RFC 9112 section 6.3).
    InvalidContentLength,
    /// Transfer-Encoding where `chunked` is not the last coding, or is listed twice (RFC 9112 section 6.3).
    ChunkedNotLast,
    /// A chunk size that is not hexadecimal, or a malformed chunk line (RFC 9112 section 7.1).
    InvalidChunkSize,
    /// A chunk size that does not fit in 64 bits.
    ChunkSizeOverflow,
    /// Chunk data not followed by CRLF (RFC 9112 section 7.1).
    InvalidChunkData,
    /// A malformed trailer field (RFC 9112 section 7.1.2).
    InvalidTrailer,
    /// A request line longer than the limit.
    UriTooLong,
    /// More header fields than the limit.
    TooManyHeaders,
    /// A header or trailer section longer than the limit.
    HeadersTooLarge,
    /// A chunk line (size and extensions) longer than the limit.
    ChunkLineTooLong,
    /// A body longer than the limit.
    BodyTooLarge,
    /// A protocol version other than HTTP/1.0 and HTTP/1.1.
    UnsupportedVersion,
    /// A transfer coding other than `chunked` (RFC 9112 section 6.1).
    UnsupportedTransferCoding,
    /// An `Expect` value other than `100-continue` (RFC 9110 section 10.1.1).
    UnsupportedExpectation,
    /// A response header name or value that would break the message framing.
    InvalidResponseHeader,
}

impl Error {
    /// Who is at fault.
    pub const fn kind(self) -> ErrorKind {
        match self {
            Error::UriTooLong
            | Error::TooManyHeaders
            | Error::HeadersTooLarge
            | Error::ChunkLineTooLong
            | Error::BodyTooLarge => ErrorKind::Limit,
            Error::UnsupportedVersion | Error::UnsupportedTransferCoding | Error::UnsupportedExpectation => {
                ErrorKind::Unsupported
            }
            Error::InvalidResponseHeader => ErrorKind::Misuse,
            _ => ErrorKind::Malformed,
        }
    }

    /// The status of the response that reports this error to the peer.
    pub const fn status(self) -> StatusCode {
        match self {
            Error::UriTooLong => StatusCode::URI_TOO_LONG,
            Error::TooManyHeaders | Error::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Error::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::UnsupportedVersion => StatusCode::HTTP_VERSION_NOT_SUPPORTED,
            Error::UnsupportedTransferCoding => StatusCode::NOT_IMPLEMENTED,
            Error::UnsupportedExpectation => StatusCode::EXPECTATION_FAILED,
            Error::InvalidResponseHeader => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// A short description, also used as the body of the error response.
    pub const fn as_str(self) -> &'static str {
        match self {
            Error::InvalidMethod => "invalid method",
            Error::InvalidTarget => "invalid request target",
            Error::InvalidVersion => "invalid HTTP version",
            Error::BareCr => "bare CR",
            Error::BareLf => "bare LF line ending",
            Error::InvalidHeaderName => "invalid header name",
            Error::WhitespaceBeforeColon => "whitespace before colon",
            Error::ObsFold => "obsolete line folding",
            Error::InvalidHeaderValue => "invalid header value",
            Error::InvalidHost => "missing, duplicate or invalid Host",
            Error::ContentLengthAndTransferEncoding => "both Content-Length and Transfer-Encoding",
            Error::InvalidContentLength => "invalid or duplicate Content-Length",
            Error::ChunkedNotLast => "chunked is not the final transfer coding",
            Error::InvalidChunkSize => "invalid chunk size",
            Error::ChunkSizeOverflow => "chunk size overflow",
            Error::InvalidChunkData => "chunk data not followed by CRLF",
            Error::InvalidTrailer => "invalid trailer field",
            Error::UriTooLong => "request line too long",
            Error::TooManyHeaders => "too many header fields",
            Error::HeadersTooLarge => "header section too large",
            Error::ChunkLineTooLong => "chunk line too long",
            Error::BodyTooLarge => "body too large",
            Error::UnsupportedVersion => "HTTP version not supported",
            Error::UnsupportedTransferCoding => "transfer coding not supported",
            Error::UnsupportedExpectation => "expectation not supported",
            Error::InvalidResponseHeader => "invalid response header",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::error::Error for Error {}
