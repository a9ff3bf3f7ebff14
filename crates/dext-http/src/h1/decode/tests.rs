//! Body decoding, fed whole, split at every point, and one byte at a time.

use super::*;

/// Marker for "the input ended before the body did" (not a decoder error).
fn incomplete() -> Error {
    Error::InvalidResponseHeader
}

/// Decodes `input` fed in pieces of `step` bytes; returns the body and the bytes left after
/// it, or the error.
fn run(framing: Framing, input: &[u8], step: usize, limits: &Limits) -> Result<(Vec<u8>, usize), Error> {
    let mut dec = BodyDecoder::new(framing, limits);
    let mut body = Vec::new();
    let mut pos = 0;
    let mut avail = step.min(input.len());
    loop {
        let (n, event) = dec.decode(&input[pos..avail])?;
        pos += n;
        match event {
            Decoded::Data(d) => body.extend_from_slice(d),
            Decoded::End => return Ok((body, input.len() - pos)),
            Decoded::Partial => {
                assert_eq!(pos, avail, "partial must consume all input");
                if avail == input.len() {
                    return Err(incomplete());
                }
                avail = (avail + step).min(input.len());
            }
        }
        if dec.is_done() {
            let (n, event) = dec.decode(&input[pos..avail])?;
            assert_eq!((n, event), (0, Decoded::End));
            return Ok((body, input.len() - pos));
        }
    }
}

fn check(framing: Framing, input: &str, want: Result<(&str, usize), Error>) {
    check_with(framing, input, want, &Limits::default());
}

fn check_with(framing: Framing, input: &str, want: Result<(&str, usize), Error>, limits: &Limits) {
    let want = want.map(|(body, rest)| (body.as_bytes().to_vec(), rest));
    for step in [usize::MAX, 1, 2, 3, 7] {
        let got = run(framing, input.as_bytes(), step.min(input.len().max(1)), limits);
        assert_eq!(got, want, "input {input:?} step {step}");
    }
}

#[test]
fn content_length() {
    check(Framing::Length(5), "hello", Ok(("hello", 0)));
    check(Framing::Length(5), "helloGET", Ok(("hello", 3)));
    check(Framing::Length(5), "hel", Err(incomplete()));
    check(Framing::None, "GET", Ok(("", 3)));
    check(Framing::Length(0), "", Ok(("", 0)));
}

#[test]
fn chunked_valid() {
    let cases: &[(&str, &str, usize)] = &[
        ("5\r\nhello\r\n0\r\n\r\n", "hello", 0),
        ("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world", 0),
        ("5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1", "hello", 14),
        ("0\r\n\r\n", "", 0),
        ("A\r\n0123456789\r\n0\r\n\r\n", "0123456789", 0),
        ("a\r\n0123456789\r\n0\r\n\r\n", "0123456789", 0),
        ("0005\r\nhello\r\n000\r\n\r\n", "hello", 0),
        ("5;name=value\r\nhello\r\n0;last\r\n\r\n", "hello", 0),
        ("5 ;x=\"quoted;\"\r\nhello\r\n0\r\n\r\n", "hello", 0),
        ("5\t; a ; b = c\r\nhello\r\n0\r\n\r\n", "hello", 0),
        ("5\r\nhello\r\n0\r\nX-Trailer: 1\r\nY: \r\n\r\n", "hello", 0),
        ("5\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\nGET", "hello", 3),
        ("5\r\nhe\r\nl\r\n0\r\n\r\n", "he\r\nl", 0),
        ("00000000000000000001\r\nx\r\n0\r\n\r\n", "x", 0),
    ];
    let limits = Limits { max_body: u64::MAX, ..Limits::default() };
    for &(input, body, rest) in cases {
        check_with(Framing::Chunked, input, Ok((body, rest)), &limits);
    }
    // A large announced chunk is fine until the data runs out.
    assert_eq!(run(Framing::Chunked, b"ffffffffffffffff\r\nab", usize::MAX, &limits), Err(incomplete()));
}

#[test]
fn chunked_errors() {
    let cases: &[(&str, Error)] = &[
        ("0x5\r\nhello\r\n0\r\n\r\n", Error::InvalidChunkSize),
        ("\r\nhello\r\n0\r\n\r\n", Error::InvalidChunkSize),
        ("-5\r\nhello\r\n0\r\n\r\n", Error::InvalidChunkSize),
        ("+5\r\nhello\r\n0\r\n\r\n", Error::InvalidChunkSize),
        ("5 5\r\nhello\r\n0\r\n\r\n", Error::InvalidChunkSize),
        ("5 \r\nhello\r\n0\r\n\r\n", Error::InvalidChunkSize),
        ("5\t\r\nhello\r\n0\r\n\r\n", Error::InvalidChunkSize),
        ("g\r\n", Error::InvalidChunkSize),
        ("5\nhello\r\n0\r\n\r\n", Error::InvalidChunkSize),
        ("5\rhello\r\n0\r\n\r\n", Error::InvalidChunkSize),
        ("5;a\x00b\r\nhello\r\n0\r\n\r\n", Error::InvalidChunkSize),
        ("5\r\nhelloX\r\n0\r\n\r\n", Error::InvalidChunkData),
        ("5\r\nhello\n0\r\n\r\n", Error::InvalidChunkData),
        ("5\r\nhello\rX0\r\n\r\n", Error::InvalidChunkData),
        ("3\r\nhello\r\n0\r\n\r\n", Error::InvalidChunkData),
        ("10000000000000000\r\n", Error::ChunkSizeOverflow),
        ("ffffffffffffffffff\r\n", Error::ChunkSizeOverflow),
        ("5\r\nhello\r\n0\r\nBad Name: x\r\n\r\n", Error::InvalidTrailer),
        ("5\r\nhello\r\n0\r\n: x\r\n\r\n", Error::InvalidTrailer),
        ("5\r\nhello\r\n0\r\nX: a\x00\r\n\r\n", Error::InvalidTrailer),
        ("5\r\nhello\r\n0\r\nX: a\n\r\n", Error::InvalidTrailer),
        ("5\r\nhello\r\n0\r\n\rX", Error::InvalidTrailer),
        ("5\r\nhello\r\n0\r\n\n", Error::InvalidTrailer),
        ("5\r\nhello\r\n0\r\n X: 1\r\n\r\n", Error::InvalidTrailer),
    ];
    for &(input, want) in cases {
        check(Framing::Chunked, input, Err(want));
    }
}

#[test]
fn chunked_limits() {
    let limits = Limits { max_body: 8, max_chunk_line: 16, max_trailer_bytes: 16, ..Limits::default() };
    check_with(Framing::Chunked, "8\r\n12345678\r\n0\r\n\r\n", Ok(("12345678", 0)), &limits);
    // The total is checked when a chunk is announced, before its data arrives.
    check_with(Framing::Chunked, "5\r\nhello\r\n4\r\n", Err(Error::BodyTooLarge), &limits);
    check_with(Framing::Chunked, "9\r\n", Err(Error::BodyTooLarge), &limits);
    check_with(Framing::Chunked, "5;0123456789\r\nhello\r\n0\r\n\r\n", Ok(("hello", 0)), &limits);
    check_with(Framing::Chunked, "5;01234567890123\r\nhello\r\n0\r\n\r\n", Err(Error::ChunkLineTooLong), &limits);
    check_with(Framing::Chunked, "0\r\nX: 0123456789\r\n\r\n", Ok(("", 0)), &limits);
    check_with(Framing::Chunked, "0\r\nX: 01234567890123\r\n\r\n", Err(Error::HeadersTooLarge), &limits);
    let huge_ext = format!("5;x={}\r\nhello\r\n0\r\n\r\n", "e".repeat(100_000));
    check(Framing::Chunked, &huge_ext, Err(Error::ChunkLineTooLong));
}

#[test]
fn data_is_borrowed_not_copied() {
    let input = b"5\r\nhello\r\n0\r\n\r\n";
    let mut dec = BodyDecoder::new(Framing::Chunked, &Limits::default());
    let (n, event) = dec.decode(input).unwrap();
    assert_eq!(n, 8);
    let Decoded::Data(d) = event else { panic!("{event:?}") };
    assert_eq!(d.as_ptr(), input[3..].as_ptr());
    assert_eq!(dec.decode(&input[n..]).unwrap(), (7, Decoded::End));
    assert!(dec.is_done());
    assert_eq!(dec.decoded(), 5);
}
