//! The chunked decoder on arbitrary bytes split at arbitrary points: no panic, and the same
//! body (or the same error) however the input is split.
#![no_main]

use dext_http::Error;
use dext_http::h1::{BodyDecoder, Decoded, Framing, Limits};
use libfuzzer_sys::fuzz_target;

fn decode(input: &[u8], cuts: &[u8], limits: &Limits) -> Result<(Vec<u8>, usize), Option<Error>> {
    let mut dec = BodyDecoder::new(Framing::Chunked, limits);
    let mut body = Vec::new();
    let mut pos = 0;
    let mut cut = cuts.iter().cycle();
    let mut avail = 0;
    loop {
        let step = usize::from(*cut.next().unwrap_or(&255)).max(1);
        avail = (avail + step).min(input.len());
        loop {
            let (n, event) = dec.decode(&input[pos..avail]).map_err(Some)?;
            assert!(pos + n <= avail);
            pos += n;
            match event {
                Decoded::Data(d) => body.extend_from_slice(d),
                Decoded::End => return Ok((body, pos)),
                Decoded::Partial => break,
            }
        }
        if avail == input.len() {
            return Err(None);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let (cuts, input) = data.split_at(data.len().min(4));
    let limits = Limits { max_body: 4096, max_chunk_line: 64, max_trailer_bytes: 128, ..Limits::default() };
    let whole = decode(input, &[255], &limits);
    let split = decode(input, if cuts.is_empty() { &[1] } else { cuts }, &limits);
    assert_eq!(whole.is_ok(), split.is_ok());
    if let (Ok(a), Ok(b)) = (&whole, &split) {
        assert_eq!(a, b);
        assert!(a.0.len() <= 4096);
    }
});
