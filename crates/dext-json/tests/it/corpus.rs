//! Every corpus file read whole, and the result compared with serde_json's, value by value:
//! strings decoded, numbers converted (integers exactly, floats to the same bits as
//! `str::parse::<f64>`).

use dext_json::{Reader, Token};
use serde_json::{Map, Number, Value};

pub(crate) const FILES: &[&str] = &[
    "bench/twitter.json",
    "bench/citm_catalog.json",
    "bench/canada.json",
    "extra/apache_builds.json",
    "extra/github_events.json",
    "extra/instruments.json",
    "extra/mesh.json",
    "extra/numbers.json",
    "extra/random.json",
    "extra/twitterescaped.json",
    "extra/update-center.json",
];

/// The document as a serde_json `Value`, built from the reader's tokens.
fn to_value(input: &[u8]) -> Value {
    let mut r = Reader::new(input);
    let mut scratch = String::new();
    // Open containers: an array, or an object with the key its next value goes under.
    let mut stack: Vec<(Value, Option<String>)> = Vec::new();
    let mut key: Option<String> = None;
    loop {
        let token = r.next_token().unwrap_or_else(|e| panic!("{e}"));
        let value = match token {
            None => panic!("the document ended inside a value"),
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
                assert_eq!(f.to_bits(), n.as_str().parse::<f64>().unwrap().to_bits(), "{}", n.as_str());
                Value::Number(if let Some(u) = n.as_u64() {
                    Number::from(u)
                } else if let Some(i) = n.as_i64() {
                    Number::from(i)
                } else {
                    Number::from_f64(f).unwrap()
                })
            }
            Some(Token::Bool(b)) => Value::Bool(b),
            Some(Token::Null) => Value::Null,
        };
        match stack.last_mut() {
            None => {
                assert_eq!(r.next_token().unwrap(), None);
                return value;
            }
            Some((Value::Array(a), _)) => a.push(value),
            Some((Value::Object(o), _)) => {
                o.insert(key.take().unwrap(), value);
            }
            Some(_) => unreachable!(),
        }
    }
}

#[test]
fn corpora_read_as_serde_json_reads_them() {
    for file in FILES {
        let bytes = std::fs::read(super::data(file)).unwrap();
        let ours = to_value(&bytes);
        let theirs: Value = serde_json::from_slice(&bytes).unwrap();
        assert!(ours == theirs, "{file}: the values differ");
    }
}

#[test]
fn every_float_in_canada_and_mesh_is_exact() {
    for file in ["bench/canada.json", "extra/mesh.json", "extra/numbers.json"] {
        let bytes = std::fs::read(super::data(file)).unwrap();
        let mut r = Reader::new(&bytes);
        let mut floats = 0;
        while let Some(t) = r.next_token().unwrap() {
            if let Token::Number(n) = t {
                let want: f64 = n.as_str().parse().unwrap();
                assert_eq!(n.as_f64().to_bits(), want.to_bits(), "{file}: {}", n.as_str());
                floats += usize::from(!n.is_integer());
            }
        }
        assert!(floats > 1000, "{file}: only {floats} floats");
    }
}

#[test]
fn truncated_documents_are_refused_at_their_end() {
    // Every proper prefix of a document (that is not itself a document) is refused, with the
    // error at or before its end, never a panic.
    let bytes = std::fs::read(super::data("extra/github_events.json")).unwrap();
    for cut in (0..bytes.len()).step_by(97) {
        let prefix = &bytes[..cut];
        let e = dext_json::validate(prefix).expect_err("a prefix of an object is not a document");
        assert!(e.offset() <= cut, "{cut}: {e}");
    }
}

/// A DOM value as a serde_json `Value` (numbers as `to_value` converts them).
fn dom_to_value(v: dext_json::Value<'_, '_>) -> Value {
    use dext_json::Kind;
    match v.kind().unwrap() {
        Kind::Null => Value::Null,
        Kind::Bool => Value::Bool(v.as_bool().unwrap()),
        Kind::Number => Value::Number(match (v.as_u64(), v.as_i64()) {
            (Some(u), _) => Number::from(u),
            (None, Some(i)) => Number::from(i),
            _ => Number::from_f64(v.as_f64().unwrap()).unwrap(),
        }),
        Kind::String => Value::String(v.as_str().unwrap().to_string()),
        Kind::Array => Value::Array(v.elements().map(dom_to_value).collect()),
        Kind::Object => {
            let mut o = Map::new();
            for (k, x) in v.members() {
                o.insert(k.to_string(), dom_to_value(x));
            }
            Value::Object(o)
        }
    }
}

#[test]
fn corpora_as_documents_are_what_serde_json_reads() {
    for file in FILES {
        let bytes = std::fs::read(super::data(file)).unwrap();
        let doc = dext_json::Document::parse(&bytes).unwrap();
        let theirs: Value = serde_json::from_slice(&bytes).unwrap();
        assert!(dom_to_value(doc.root()) == theirs, "{file}: the DOM differs");
        // The owned variant writes back exactly as the document does.
        let (mut a, mut b) = (Vec::new(), Vec::new());
        doc.root().write(&mut dext_json::Writer::new(&mut a)).unwrap();
        doc.to_owned_value().write(&mut dext_json::Writer::new(&mut b)).unwrap();
        assert!(a == b, "{file}: the owned value differs");
    }
}
