//! The DOM: shape, accessors, look-ups, pointers, duplicate keys.

use super::*;

#[test]
fn builds_the_tree() {
    let input = br#"{"a": [1, -2.5, "x", true, null, [], {}], "b": {"c": "d\ne"}, "": 0}"#;
    let doc = Document::parse(input).unwrap();
    let root = doc.root();
    assert_eq!((root.kind(), root.len()), (Some(Kind::Object), 3));
    let a = root.get("a");
    assert_eq!((a.kind(), a.len()), (Some(Kind::Array), 7));
    let kinds: Vec<_> = a.elements().map(|v| v.kind().unwrap()).collect();
    assert_eq!(kinds, [Kind::Number, Kind::Number, Kind::String, Kind::Bool, Kind::Null, Kind::Array, Kind::Object]);
    assert_eq!(a.index(0).as_u64(), Some(1));
    assert_eq!(a.index(1).as_f64(), Some(-2.5));
    assert_eq!(a.index(1).as_i64(), None);
    assert_eq!(a.index(2).as_str(), Some("x"));
    assert_eq!(a.index(3).as_bool(), Some(true));
    assert!(a.index(4).is_null() && a.index(5).is_empty() && a.index(6).is_empty());
    assert!(a.index(7).is_missing() && a.index(7).kind().is_none());
    assert_eq!(root.get("b").get("c").as_str(), Some("d\ne"));
    assert_eq!(root.get("").as_u64(), Some(0));
    let keys: Vec<&str> = root.members().map(|(k, _)| k).collect();
    assert_eq!(keys, ["a", "b", ""]);
    // Views of the wrong kind answer None or empty, never panic.
    assert_eq!(a.as_str(), None);
    assert!(a.get("x").is_missing() && root.index(0).is_missing());
    assert_eq!(root.get("b").elements().count(), 0);
    assert_eq!(a.members().count(), 0);
}

#[test]
fn json_pointers() {
    let doc = Document::parse(br#"{"a/b": {"m~n": [10, [20, 21]]}, "": {"": 1}, "x": [0]}"#).unwrap();
    let root = doc.root();
    let at = |p: &str| root.pointer(p).map(|v| v.as_u64());
    assert_eq!(root.pointer("").map(|v| v.len()), Some(3));
    assert_eq!(at("/a~1b/m~0n/0"), Some(Some(10)));
    assert_eq!(at("/a~1b/m~0n/1/1"), Some(Some(21)));
    assert_eq!(at("//"), Some(Some(1)));
    assert_eq!(at("/x/0"), Some(Some(0)));
    for missing in ["/x/1", "/x/01", "/x/-", "/x/", "/nope", "a", "/a~2b", "/x/0/y", "/a~1b/m~0n/0/0"] {
        assert!(root.pointer(missing).is_none(), "{missing}");
    }
}

#[test]
fn owned_values_answer_as_the_document_does() {
    let input =
        br#"{"a/b": {"m~n": [10, [20, 21]]}, "": {"": 1}, "x": [0, "s\u00e9", null, true, -1.5e3], "k": 1, "k": 2}"#;
    let doc = Document::parse(input).unwrap();
    let owned = crate::OwnedValue::parse(input).unwrap();
    assert_eq!(owned, doc.to_owned_value());
    let pointers =
        ["", "/a~1b/m~0n/0", "/a~1b/m~0n/1/1", "//", "/x/1", "/x/4", "/k", "/x/01", "/x/-", "/nope", "/a~2b"];
    for p in pointers {
        let want = doc.root().pointer(p).map(|v| v.to_owned_value().unwrap());
        assert_eq!(owned.pointer(p), want.as_ref(), "{p}");
    }
    assert_eq!(owned.get("k").and_then(|v| v.as_number()).and_then(|n| n.as_u64()), Some(2), "last wins");
    assert_eq!(owned.pointer("/x/1").and_then(|v| v.as_str()), Some("sé"));
    assert_eq!(owned.pointer("/x/4").and_then(|v| v.as_number()).map(|n| n.as_f64()), Some(-1500.0));
    // Written back, it is the document written back.
    let (mut a, mut b) = (Vec::new(), Vec::new());
    doc.root().write(&mut crate::Writer::new(&mut a)).unwrap();
    owned.write(&mut crate::Writer::new(&mut b)).unwrap();
    assert_eq!(a, b);
}

#[test]
fn duplicate_keys_last_wins_or_refused() {
    let input = br#"{"k": 1, "j": {"k": 5, "k": 6}, "k": 2}"#;
    let doc = Document::parse(input).unwrap();
    assert_eq!(doc.root().get("k").as_u64(), Some(2));
    assert_eq!(doc.root().get("j").get("k").as_u64(), Some(6));
    assert_eq!(doc.root().members().count(), 3);
    let e = Document::parse_with(input, ParseOptions::default().reject_duplicate_keys(true)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DuplicateKey);
    // Escaped and plain spellings of one key are the same key.
    let e = Document::parse_with(br#"{"a": 1, "\u0061": 2}"#, ParseOptions::default().reject_duplicate_keys(true));
    assert_eq!(e.unwrap_err().kind(), ErrorKind::DuplicateKey);
    assert!(
        Document::parse_with(
            br#"{"a": {"a": 1}, "b": [{"a": 2}]}"#,
            ParseOptions::default().reject_duplicate_keys(true)
        )
        .is_ok()
    );
}

#[test]
fn scalars_at_the_root_and_errors() {
    assert_eq!(Document::parse(b"\"s\\t\"").unwrap().root().as_str(), Some("s\t"));
    assert_eq!(Document::parse(b" 7 ").unwrap().root().as_u64(), Some(7));
    assert_eq!(Document::parse(b"[1,").unwrap_err().kind(), ErrorKind::UnexpectedEnd);
    let deep = format!("{}{}", "[".repeat(20), "]".repeat(20));
    assert_eq!(
        Document::parse_with(deep.as_bytes(), ParseOptions::default().max_depth(10)).unwrap_err().kind(),
        ErrorKind::TooDeep
    );
}

#[test]
fn documents_write_back() {
    let input = br#"{"a": [1, -2.50, "x\ny", true, null, [], {}], "b": {"c": 1e400}}"#;
    let doc = Document::parse(input).unwrap();
    let mut out = Vec::new();
    let mut w = crate::Writer::new(&mut out);
    doc.root().write(&mut w).unwrap();
    w.finish().unwrap();
    // Numbers keep their text (even beyond f64's range).
    assert_eq!(out, br#"{"a":[1,-2.50,"x\ny",true,null,[],{}],"b":{"c":1e400}}"#);
}
