//! The DOM on arbitrary bytes: no panic; a document exactly when the reader accepts the
//! input, else the reader's error (kind and offset); the tree equal to serde_json's (except where the two differ on purpose: numbers
//! beyond `f64`'s range and nesting deeper than serde_json's 128); JSON Pointer look-ups that
//! agree with walking the tree by hand.
#![no_main]

use dext_json::{Document, Kind, ParseOptions, Value as Dom};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Number, Value};

/// The tree as a serde_json value; `None` if it holds a number out of `f64`'s range.
fn convert(v: Dom<'_, '_>) -> Option<Value> {
    Some(match v.kind().unwrap() {
        Kind::Null => Value::Null,
        Kind::Bool => Value::Bool(v.as_bool().unwrap()),
        Kind::Number => {
            let n = v.as_number().unwrap();
            match (n.as_u64(), n.as_i64()) {
                (Some(0), _) if n.as_str().starts_with('-') => Value::Number(Number::from_f64(-0.0).unwrap()),
                (Some(u), _) => Value::Number(u.into()),
                (None, Some(i)) => Value::Number(i.into()),
                _ => Value::Number(Number::from_f64(n.as_f64())?),
            }
        }
        Kind::String => Value::String(v.as_str().unwrap().to_string()),
        Kind::Array => Value::Array(v.elements().map(convert).collect::<Option<_>>()?),
        Kind::Object => {
            let mut o = Map::new();
            for (k, x) in v.members() {
                o.insert(k.to_string(), convert(x)?);
            }
            Value::Object(o)
        }
    })
}

/// Checks every value's pointer against the walk that reached it.
fn pointers(root: Dom<'_, '_>, v: Dom<'_, '_>, path: &mut String, budget: &mut u32) {
    if *budget == 0 {
        return;
    }
    *budget -= 1;
    let found = root.pointer(path).expect("a path walked by hand resolves");
    assert_eq!(found.kind(), v.kind());
    assert_eq!(found.len(), v.len());
    let len = path.len();
    match v.kind().unwrap() {
        Kind::Array => {
            for (i, e) in v.elements().enumerate() {
                path.push_str(&format!("/{i}"));
                pointers(root, e, path, budget);
                path.truncate(len);
            }
        }
        Kind::Object => {
            for (k, x) in v.members() {
                // With repeated keys a pointer finds the last one: check unique keys only.
                if v.members().filter(|(k2, _)| *k2 == k).count() == 1 {
                    path.push('/');
                    path.push_str(&k.replace('~', "~0").replace('/', "~1"));
                    pointers(root, x, path, budget);
                    path.truncate(len);
                }
            }
        }
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let options = ParseOptions::default().max_depth(1024);
    let doc = Document::parse_with(data, options);
    let strict = Document::parse_with(data, options.reject_duplicate_keys(true));
    let mut r = dext_json::Reader::with_options(data, options.reader);
    let reader = loop {
        match r.next_token() {
            Ok(Some(_)) => {}
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    // Accepted by both or refused by both, with the same error kind at the same offset.
    let kind_at = |e: &dext_json::Error| (e.kind(), e.offset());
    assert_eq!(
        doc.as_ref().map(drop).map_err(kind_at),
        reader.as_ref().map(drop).map_err(kind_at),
        "the DOM and the reader disagree"
    );
    let Ok(doc) = doc else {
        assert!(strict.is_err());
        return;
    };
    if let Ok(strict) = &strict {
        assert_eq!(strict.root().len(), doc.root().len());
    }
    let root = doc.root();
    pointers(root, root, &mut String::new(), &mut 2000);
    let Some(ours) = convert(root) else { return };
    // Depth is bounded by the input's length; serde_json stops at 128.
    if data.iter().filter(|&&b| b == b'[' || b == b'{').count() > 100 {
        return;
    }
    match serde_json::from_slice::<Value>(data) {
        Ok(theirs) => assert!(ours == theirs, "{ours:?} / {theirs:?}"),
        Err(e) => panic!("serde_json refused a document the DOM built: {e}"),
    }
});
