//! Request body decoding: Content-Length and chunked (RFC 9112 sections 6 and 7).
//!
//! [`BodyDecoder::decode`] takes whatever input is available and returns how many bytes it
//! consumed and one [`Decoded`] event. Body data is returned as a slice of the input, never
//! copied; framing bytes (chunk lines, CRLFs, trailers) are consumed silently. Input may be
//! split anywhere, down to one byte at a time.
//!
//! Chunked decoding is strict: sizes are one or more hex digits (no `0x`, no sign) that must
//! fit in 64 bits; whitespace after the size only before `;`; extensions are skipped (their
//! bytes checked: no controls but HTAB) and bounded by [`Limits::max_chunk_line`]; data must
//! be followed by CRLF; trailer fields are checked for `name: value` syntax and bounded by
//! [`Limits::max_trailer_bytes`]; bare CR and bare LF are refused. The decoded total is
//! bounded by [`Limits::max_body`].

use super::{Framing, Limits};
use crate::Error;
use crate::header::TCHAR;
use crate::simd::scalar::is_value_byte;

/// One step of body decoding.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Decoded<'b> {
    /// Body bytes, borrowed from the input.
    Data(&'b [u8]),
    /// The body is complete; bytes after it belong to the next request.
    End,
    /// All input was consumed (framing only); more is needed.
    Partial,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Chunk {
    /// In the chunk size; `digits` counts significant hex digits seen.
    Size { size: u64, digits: u8, any: bool },
    /// After the size: optional whitespace, then `;` extensions or CR.
    AfterSize { size: u64 },
    /// Inside extensions, skipped up to CR.
    Ext { size: u64 },
    /// CR seen at the end of the chunk line.
    SizeLf { size: u64 },
    /// Inside chunk data.
    Data { remaining: u64 },
    /// Expecting the CR after chunk data.
    DataCr,
    /// Expecting the LF after chunk data.
    DataLf,
    /// At the start of a trailer line (or the final empty line).
    TrailerStart,
    /// In a trailer field name.
    TrailerName,
    /// In a trailer field value.
    TrailerValue,
    /// CR seen at the end of a trailer line.
    TrailerLf,
    /// CR seen on the final empty line.
    EndLf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Length { remaining: u64 },
    Chunked { state: Chunk, line: usize, trailer: usize },
    Done,
}

/// Decodes one request body. Create one per request from the head's [`Framing`].
#[derive(Clone, Debug)]
pub struct BodyDecoder {
    kind: Kind,
    total: u64,
    max_body: u64,
    max_line: usize,
    max_trailer: usize,
}

impl BodyDecoder {
    /// A decoder for a body framed as `framing`.
    pub fn new(framing: Framing, limits: &Limits) -> BodyDecoder {
        let kind = match framing {
            Framing::None | Framing::Length(0) => Kind::Done,
            Framing::Length(n) => Kind::Length { remaining: n },
            Framing::Chunked => {
                Kind::Chunked { state: Chunk::Size { size: 0, digits: 0, any: false }, line: 0, trailer: 0 }
            }
        };
        BodyDecoder {
            kind,
            total: 0,
            max_body: limits.max_body,
            max_line: limits.max_chunk_line,
            max_trailer: limits.max_trailer_bytes,
        }
    }

    /// Whether the whole body has been decoded.
    pub fn is_done(&self) -> bool {
        self.kind == Kind::Done
    }

    /// Body bytes still expected, when known (Content-Length framing).
    pub fn remaining(&self) -> Option<u64> {
        match self.kind {
            Kind::Length { remaining } => Some(remaining),
            Kind::Done => Some(0),
            Kind::Chunked { .. } => None,
        }
    }

    /// Body bytes decoded so far.
    pub fn decoded(&self) -> u64 {
        self.total
    }

    /// Decodes from the start of `input`: returns the bytes consumed and what they were.
    pub fn decode<'b>(&mut self, input: &'b [u8]) -> Result<(usize, Decoded<'b>), Error> {
        match &mut self.kind {
            Kind::Done => Ok((0, Decoded::End)),
            Kind::Length { remaining } => {
                if input.is_empty() {
                    return Ok((0, Decoded::Partial));
                }
                let n = (*remaining).min(input.len() as u64) as usize;
                *remaining -= n as u64;
                self.total += n as u64;
                if *remaining == 0 {
                    self.kind = Kind::Done;
                }
                Ok((n, Decoded::Data(&input[..n])))
            }
            Kind::Chunked { .. } => self.decode_chunked(input),
        }
    }

    fn decode_chunked<'b>(&mut self, input: &'b [u8]) -> Result<(usize, Decoded<'b>), Error> {
        let Kind::Chunked { mut state, mut line, mut trailer } = self.kind else {
            return Ok((0, Decoded::End));
        };
        let mut pos = 0;
        let result = loop {
            if let Chunk::Data { remaining } = state {
                if pos == input.len() {
                    break Decoded::Partial;
                }
                let n = remaining.min((input.len() - pos) as u64) as usize;
                let data = &input[pos..pos + n];
                pos += n;
                state =
                    if remaining == n as u64 { Chunk::DataCr } else { Chunk::Data { remaining: remaining - n as u64 } };
                break Decoded::Data(data);
            }
            let Some(&b) = input.get(pos) else { break Decoded::Partial };
            pos += 1;
            state = match state {
                Chunk::Size { size, digits, any } => {
                    line += 1;
                    if let Some(d) = hex(b) {
                        // Leading zeros are not significant; 16 significant digits fill u64.
                        let digits = if size == 0 && d == 0 { digits } else { digits + 1 };
                        if digits > 16 {
                            return Err(Error::ChunkSizeOverflow);
                        }
                        Chunk::Size { size: size << 4 | u64::from(d), digits, any: true }
                    } else if !any {
                        return Err(Error::InvalidChunkSize);
                    } else {
                        after_size(b, size)?
                    }
                }
                Chunk::AfterSize { size } => {
                    // Whitespace after the size is allowed only before `;` (BWS, section 7.1.1).
                    line += 1;
                    match b {
                        b' ' | b'\t' => Chunk::AfterSize { size },
                        b';' => Chunk::Ext { size },
                        _ => return Err(Error::InvalidChunkSize),
                    }
                }
                Chunk::Ext { size } => {
                    line += 1;
                    match b {
                        b'\r' => Chunk::SizeLf { size },
                        b if is_value_byte(b) => Chunk::Ext { size },
                        _ => return Err(Error::InvalidChunkSize),
                    }
                }
                Chunk::SizeLf { size } => {
                    if b != b'\n' {
                        return Err(Error::InvalidChunkSize);
                    }
                    line = 0;
                    if size == 0 {
                        Chunk::TrailerStart
                    } else {
                        if size > self.max_body.saturating_sub(self.total) {
                            return Err(Error::BodyTooLarge);
                        }
                        self.total += size;
                        Chunk::Data { remaining: size }
                    }
                }
                // Data is handled before a byte is taken; should control ever get here, give
                // the byte back and stay put.
                Chunk::Data { remaining } => {
                    pos -= 1;
                    Chunk::Data { remaining }
                }
                Chunk::DataCr if b == b'\r' => Chunk::DataLf,
                Chunk::DataLf if b == b'\n' => Chunk::Size { size: 0, digits: 0, any: false },
                Chunk::DataCr | Chunk::DataLf => return Err(Error::InvalidChunkData),
                Chunk::TrailerStart => {
                    trailer += 1;
                    match b {
                        b'\r' => Chunk::EndLf,
                        b if TCHAR[b as usize] => Chunk::TrailerName,
                        _ => return Err(Error::InvalidTrailer),
                    }
                }
                Chunk::TrailerName => {
                    trailer += 1;
                    match b {
                        b':' => Chunk::TrailerValue,
                        b if TCHAR[b as usize] => Chunk::TrailerName,
                        _ => return Err(Error::InvalidTrailer),
                    }
                }
                Chunk::TrailerValue => {
                    trailer += 1;
                    match b {
                        b'\r' => Chunk::TrailerLf,
                        b if is_value_byte(b) => Chunk::TrailerValue,
                        _ => return Err(Error::InvalidTrailer),
                    }
                }
                Chunk::TrailerLf if b == b'\n' => {
                    trailer += 1;
                    Chunk::TrailerStart
                }
                Chunk::TrailerLf | Chunk::EndLf if b != b'\n' => return Err(Error::InvalidTrailer),
                Chunk::TrailerLf | Chunk::EndLf => {
                    self.kind = Kind::Done;
                    return Ok((pos, Decoded::End));
                }
            };
            if line > self.max_line {
                return Err(Error::ChunkLineTooLong);
            }
            if trailer > self.max_trailer {
                return Err(Error::HeadersTooLarge);
            }
        };
        self.kind = Kind::Chunked { state, line, trailer };
        Ok((pos, result))
    }
}

/// The byte after the chunk size's digits: whitespace (BWS, which must lead to `;`), `;` or CR.
fn after_size(b: u8, size: u64) -> Result<Chunk, Error> {
    match b {
        b' ' | b'\t' => Ok(Chunk::AfterSize { size }),
        b';' => Ok(Chunk::Ext { size }),
        b'\r' => Ok(Chunk::SizeLf { size }),
        _ => Err(Error::InvalidChunkSize),
    }
}

#[inline]
fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
