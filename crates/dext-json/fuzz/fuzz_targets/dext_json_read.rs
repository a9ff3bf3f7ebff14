//! The reader on arbitrary bytes: no panic, an error inside the input, and the same verdict
//! and the same values as serde_json, except where the two differ on purpose: numbers beyond
//! `f64`'s range (serde_json refuses them; this reader keeps their text) and nesting deeper
//! than serde_json's limit of 128.
#![no_main]

use dext_json::{Reader, ReaderOptions, Token};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Number, Value};

/// The document as a serde_json `Value`, or `None` if the reader refuses it; also the
/// deepest nesting seen.
fn read(input: &[u8]) -> (Option<Value>, u32) {
    let mut r = Reader::with_options(input, ReaderOptions::default().max_depth(1024));
    let mut scratch = String::new();
    let mut stack: Vec<(Value, Option<String>)> = Vec::new();
    let mut key: Option<String> = None;
    let mut deepest = 0;
    loop {
        let token = match r.next_token() {
            Ok(t) => t,
            Err(e) => {
                assert!(e.offset() <= input.len(), "{e}");
                return (None, deepest);
            }
        };
        deepest = deepest.max(r.depth());
        let value = match token {
            None => unreachable!("a complete value returns below"),
            Some(Token::StartObject) => {
                stack.push((Value::Object(Map::new()), key.take()));
                continue;
            }
            Some(Token::StartArray) => {
                stack.push((Value::Array(Vec::new()), key.take()));
                continue;
            }
            Some(Token::Key(k)) => {
                key = Some(k.decode(&mut scratch).to_string());
                continue;
            }
            Some(Token::EndObject | Token::EndArray) => {
                let (v, k) = stack.pop().unwrap();
                key = k;
                v
            }
            Some(Token::String(s)) => Value::String(s.decode(&mut scratch).to_string()),
            Some(Token::Number(n)) => {
                let f = n.as_f64();
                assert_eq!(f.to_bits(), n.as_str().parse::<f64>().unwrap().to_bits());
                match (n.as_u64(), n.as_i64(), Number::from_f64(f)) {
                    // serde_json reads `-0` as the float -0.0.
                    (Some(0), _, Some(x)) if n.as_str().starts_with('-') => Value::Number(x),
                    (Some(u), _, _) => Value::Number(u.into()),
                    (None, Some(i), _) => Value::Number(i.into()),
                    (None, None, Some(x)) => Value::Number(x),
                    // Out of f64's range: kept as text.
                    (None, None, None) => Value::String(format!("<huge {}>", n.as_str())),
                }
            }
            Some(Token::Bool(b)) => Value::Bool(b),
            Some(Token::Null) => Value::Null,
        };
        match stack.last_mut() {
            None => {
                return match r.next_token() {
                    Ok(None) => (Some(value), deepest),
                    Ok(Some(t)) => panic!("a token after the document: {t:?}"),
                    Err(_) => (None, deepest),
                };
            }
            Some((Value::Array(a), _)) => a.push(value),
            Some((Value::Object(o), _)) => {
                o.insert(key.take().unwrap(), value);
            }
            Some(_) => unreachable!(),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let (ours, deepest) = read(data);
    // `validate` (default depth 128) agrees with the token walk within its depth.
    if deepest <= 128 {
        assert_eq!(dext_json::validate(data).is_ok(), ours.is_some());
    }
    // `validate` walks the grammar itself (`read/walk.rs`): the same verdict as the token
    // loop at the same depth limit, and on refusal the same error kind at the same offset.
    let mut r = Reader::new(data);
    let tokens = loop {
        match r.next_token() {
            Ok(Some(_)) => {}
            Ok(None) => break Ok(()),
            Err(e) => break Err((e.kind(), e.offset())),
        }
    };
    assert_eq!(dext_json::validate(data).map_err(|e| (e.kind(), e.offset())), tokens);
    if deepest > 100 {
        return;
    }
    let theirs = serde_json::from_slice::<Value>(data);
    match (ours, theirs) {
        (Some(a), Ok(b)) => assert!(a == b, "values differ: {a:?} / {b:?}"),
        (None, Err(_)) => {}
        (None, Ok(v)) => panic!("refused what serde_json reads: {v:?}"),
        (Some(_), Err(e)) => assert!(e.to_string().contains("number out of range"), "accepted what serde_json refuses: {e}"),
    }
});
