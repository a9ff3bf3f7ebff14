//! The writer against the reader and serde_json: every corpus file read and written again
//! (compact and pretty) is the same document to serde_json, and floats survive a write and a
//! read to the bit.

use dext_json::{Reader, Token, Writer};
use serde_json::Value;

/// `input` read token by token and written again; numbers re-formatted from their values
/// (integers as integers, the rest as `f64`).
fn rewrite(input: &[u8], indent: &'static str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = Writer::new(&mut out).pretty(indent);
    let mut r = Reader::new(input);
    let mut scratch = String::new();
    while let Some(t) = r.next_token().unwrap() {
        match t {
            Token::StartObject => w.start_object(),
            Token::EndObject => w.end_object(),
            Token::StartArray => w.start_array(),
            Token::EndArray => w.end_array(),
            Token::Key(k) => w.key(k.decode(&mut scratch)),
            Token::String(s) => w.string(s.decode(&mut scratch)),
            Token::Number(n) => match (n.as_u64(), n.as_i64()) {
                // `-0` is the float -0.0 to serde_json.
                (Some(0), _) if n.as_str().starts_with('-') => w.f64(-0.0),
                (Some(u), _) => w.u64(u),
                (None, Some(i)) => w.i64(i),
                _ => w.f64(n.as_f64()),
            },
            Token::Bool(b) => w.bool(b),
            Token::Null => w.null(),
        }
        .unwrap();
    }
    w.finish().unwrap();
    out
}

#[test]
fn corpora_written_again_are_the_same_documents() {
    for file in super::corpus::FILES {
        let bytes = std::fs::read(super::data(file)).unwrap();
        let want: Value = serde_json::from_slice(&bytes).unwrap();
        for indent in ["", "  "] {
            let written = rewrite(&bytes, indent);
            let got: Value = serde_json::from_slice(&written).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert!(got == want, "{file} (indent {indent:?}): the values differ");
            // And the writer's output reads back through the reader into the same bytes.
            assert_eq!(rewrite(&written, indent), written, "{file}");
        }
    }
}

#[test]
fn every_f64_survives_a_write_and_a_read() {
    // A million random bit patterns (xorshift), and the edges.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut values = vec![0.0, -0.0, f64::MIN_POSITIVE, f64::MAX, f64::MIN, f64::EPSILON, 5e-324, 1e21, 1e-7];
    for _ in 0..1_000_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        values.push(f64::from_bits(x));
    }
    let mut out = Vec::new();
    let mut checked = 0;
    for v in values {
        if !v.is_finite() {
            continue;
        }
        out.clear();
        let mut w = Writer::new(&mut out);
        w.f64(v).unwrap();
        w.finish().unwrap();
        let mut r = Reader::new(&out);
        let Some(Token::Number(n)) = r.next_token().unwrap() else {
            panic!("{v}: {:?}", String::from_utf8_lossy(&out))
        };
        assert_eq!(r.next_token().unwrap(), None);
        assert_eq!(n.as_f64().to_bits(), v.to_bits(), "{v:e} written as {}", n.as_str());
        checked += 1;
    }
    assert!(checked > 990_000);
}
