//! serde support: the data model both ways, borrowing, errors, and byte-for-byte agreement
//! with serde_json's output.

use std::collections::{BTreeMap, HashMap};

use ::serde::{Deserialize, Serialize};

use super::*;

#[derive(Serialize, Deserialize, Debug, PartialEq)]
enum Shape {
    Dot,
    Circle(f64),
    Rect { w: u32, h: u32 },
    Pair(i8, i8),
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct All<'a> {
    #[serde(borrow)]
    name: &'a str,
    owned: String,
    n: i64,
    u: u8,
    f: f32,
    big: u128,
    yes: bool,
    maybe: Option<Box<All<'a>>>,
    none: Option<u8>,
    shapes: Vec<Shape>,
    tuple: (u8, String),
    unit: (),
    by_id: BTreeMap<u32, String>,
    chars: HashMap<char, i32>,
    newtype: Meters,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Meters(f64);

fn sample() -> All<'static> {
    All {
        name: "Ada",
        owned: "tab\there \"quoted\" é 😀".into(),
        n: -42,
        u: 255,
        f: 0.1,
        big: u128::MAX,
        yes: true,
        maybe: Some(Box::new(All {
            name: "inner",
            owned: String::new(),
            n: 0,
            u: 0,
            f: -0.5,
            big: 0,
            yes: false,
            maybe: None,
            none: None,
            shapes: vec![],
            tuple: (0, String::new()),
            unit: (),
            by_id: BTreeMap::new(),
            chars: HashMap::new(),
            newtype: Meters(0.0),
        })),
        none: None,
        shapes: vec![Shape::Dot, Shape::Circle(1.5), Shape::Rect { w: 2, h: 3 }, Shape::Pair(-1, 1)],
        tuple: (7, "seven".into()),
        unit: (),
        by_id: [(1, "one".to_string()), (20, "twenty".to_string())].into(),
        chars: [('x', 1)].into(),
        newtype: Meters(1e300),
    }
}

#[test]
fn the_data_model_round_trips_and_matches_serde_json_byte_for_byte() {
    let value = sample();
    let ours = to_vec(&value).unwrap();
    assert_eq!(String::from_utf8(ours.clone()).unwrap(), serde_json::to_string(&value).unwrap());
    let pretty = to_vec_pretty(&value).unwrap();
    assert_eq!(String::from_utf8(pretty).unwrap(), serde_json::to_string_pretty(&value).unwrap());
    let back: All<'_> = from_slice(&ours).unwrap();
    assert_eq!(back, value);
    // serde_json's output reads back the same.
    let theirs = serde_json::to_vec(&value).unwrap();
    assert_eq!(from_slice::<All<'_>>(&theirs).unwrap(), value);
}

#[test]
fn strings_are_borrowed_when_they_can_be() {
    #[derive(Deserialize)]
    struct S<'a> {
        #[serde(borrow)]
        plain: std::borrow::Cow<'a, str>,
        #[serde(borrow)]
        escaped: std::borrow::Cow<'a, str>,
    }
    let input = br#"{"plain": "abc", "escaped": "a\nb"}"#;
    let s: S<'_> = from_slice(input).unwrap();
    assert!(matches!(s.plain, std::borrow::Cow::Borrowed("abc")));
    assert!(matches!(&s.escaped, std::borrow::Cow::Owned(o) if o == "a\nb"));
    // A `&str` field cannot take an escaped string: serde's own error, with the offset.
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct B<'a> {
        s: &'a str,
    }
    let e = from_slice::<B<'_>>(br#"{"s": "a\nb"}"#).unwrap_err();
    assert_eq!(e.kind(), None);
    assert!(e.to_string().contains("borrowed string"), "{e}");
    assert!(e.offset().is_some());
}

#[test]
fn errors_say_what_and_where() {
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct P {
        x: u8,
    }
    let e = from_slice::<P>(br#"{"x": 300}"#).unwrap_err();
    assert!(e.to_string().contains("300"), "{e}");
    let e = from_slice::<P>(br#"{}"#).unwrap_err();
    assert!(e.to_string().contains("missing field `x`"), "{e}");
    let e = from_slice::<P>(br#"{"x": 1,}"#).unwrap_err();
    assert_eq!(e.kind(), Some(crate::ErrorKind::ExpectedKey));
    assert_eq!(e.offset(), Some(8));
    let e = from_slice::<P>(br#"{"x": 1} 2"#).unwrap_err();
    assert_eq!(e.kind(), Some(crate::ErrorKind::TrailingCharacters));
    assert_eq!(from_str::<Vec<u8>>("[1, 2").unwrap_err().kind(), Some(crate::ErrorKind::UnexpectedEnd));
    assert_eq!(to_vec(&f64::NAN).unwrap_err().kind(), Some(crate::ErrorKind::NonFiniteNumber));
    let e = to_vec(&[(vec![1u8], 2u8)].into_iter().collect::<BTreeMap<_, _>>()).unwrap_err();
    assert!(e.to_string().contains("map key"), "{e}");
}

#[test]
fn unknown_fields_and_unread_values_are_skipped() {
    #[derive(Deserialize, Debug, PartialEq)]
    struct Small {
        keep: u32,
    }
    let input = br#"{"skip": {"a": [1, {"b": null}], "c": "x"}, "keep": 5, "more": [[], {}]}"#;
    assert_eq!(from_slice::<Small>(input).unwrap(), Small { keep: 5 });
    // A tuple reads its elements; a longer array is refused by serde (as serde_json does).
    assert!(from_slice::<(u8, u8)>(b"[1, 2, 3]").is_err());
    assert_eq!(from_slice::<(u8, u8)>(b"[1, 2]").unwrap(), (1, 2));
    // Any value into IgnoredAny, and `Option`s of every kind.
    assert!(from_slice::<::serde::de::IgnoredAny>(br#"[{"a": [1, 2]}, "x", null]"#).is_ok());
    assert_eq!(from_slice::<Vec<Option<u8>>>(b"[null, 3]").unwrap(), vec![None, Some(3)]);
}

#[test]
fn corpora_serialize_as_serde_json_does() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/json");
    for file in ["bench/twitter.json", "bench/citm_catalog.json", "bench/canada.json", "extra/mesh.json"] {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert!(to_vec(&value).unwrap() == serde_json::to_vec(&value).unwrap(), "{file}");
        assert!(to_vec_pretty(&value).unwrap() == serde_json::to_vec_pretty(&value).unwrap(), "{file}");
        // And our deserializer builds the same serde_json Value.
        let ours: serde_json::Value = from_slice(&bytes).unwrap();
        assert!(ours == value, "{file}");
    }
}

/// A hand-written `Serialize` that breaks a map's key/value alternation gets an error, not
/// malformed JSON.
#[test]
fn map_misuse_is_refused() {
    use ::serde::ser::SerializeMap;
    struct Bad(u8);
    impl Serialize for Bad {
        fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_map(None)?;
            match self.0 {
                0 => m.serialize_value(&1)?,
                1 => {
                    m.serialize_key("a")?;
                    m.serialize_key("b")?;
                }
                _ => m.serialize_key("a")?,
            }
            m.end()
        }
    }
    for case in 0..3 {
        assert!(to_vec(&Bad(case)).is_err(), "case {case}");
    }
}

#[test]
fn big_numbers_as_text_on_request() {
    let input = br#"{"a": 1, "b": 123456789012345678901234, "c": 1.5, "d": 0.123456789012345678,
        "e": 1e400, "f": -1e-400, "g": 0e-400, "h": -9223372036854775808, "i": 18446744073709551615,
        "j": -18446744073709551616, "k": 1.2345678901234567}"#;
    let on: serde_json::Value = from_slice_with(input, DeOptions::default().big_numbers_as_text(true)).unwrap();
    // Without the option, a number beyond f64's range is refused (as serde_json does), and
    // a big integer is the nearest f64.
    let off = from_slice::<serde_json::Value>(input).unwrap_err();
    assert!(off.to_string().contains("number out of range: 1e400"), "{off}");
    let off: serde_json::Value = from_slice(br#"{"b": 123456789012345678901234}"#).unwrap();
    let text = |s: &str| serde_json::Value::String(s.into());
    assert_eq!(on["a"], 1);
    assert_eq!(on["b"], text("123456789012345678901234"));
    assert_eq!(on["c"], 1.5);
    assert_eq!(on["d"], text("0.123456789012345678"), "18 significant digits");
    assert_eq!(on["e"], text("1e400"));
    assert_eq!(on["f"], text("-1e-400"));
    assert_eq!(on["g"], 0.0, "a zero written as zero is not big");
    assert_eq!(on["h"], i64::MIN);
    assert_eq!(on["i"], u64::MAX);
    assert_eq!(on["j"], text("-18446744073709551616"));
    assert_eq!(on["k"], 1.2345678901234567, "17 significant digits fit");
    assert_eq!(off["b"], 1.2345678901234568e23);
    // A number-typed field refuses the text rather than rounding it (an f64 field too).
    #[derive(Deserialize, Debug)]
    struct F {
        #[allow(dead_code)]
        x: f64,
    }
    let big = DeOptions::default().big_numbers_as_text(true);
    assert!(from_slice_with::<F>(br#"{"x": 1e400}"#, big).is_err());
    assert!(from_slice::<F>(br#"{"x": 1e400}"#).is_err());
    assert_eq!(from_slice_with::<F>(br#"{"x": 1.5}"#, big).unwrap().x, 1.5);
    assert!(
        from_slice_with::<BTreeMap<String, u64>>(
            br#"{"x": 123456789012345678901234}"#,
            DeOptions::default().big_numbers_as_text(true)
        )
        .is_err()
    );
}

/// Map keys of every kind serde_json writes and reads: numbers, bools and chars as their text;
/// a key that is not all a JSON number is refused where a number is wanted.
#[test]
fn keys_of_every_kind() {
    let wide: BTreeMap<u128, i128> = [(u128::MAX, i128::MIN), (0, 1)].into();
    let flags: BTreeMap<bool, u8> = [(true, 1), (false, 0)].into();
    assert_eq!(to_vec(&wide).unwrap(), serde_json::to_vec(&wide).unwrap());
    assert_eq!(to_vec(&flags).unwrap(), serde_json::to_vec(&flags).unwrap());
    assert_eq!(from_slice::<BTreeMap<u128, i128>>(&to_vec(&wide).unwrap()).unwrap(), wide);
    assert_eq!(from_slice::<BTreeMap<bool, u8>>(&to_vec(&flags).unwrap()).unwrap(), flags);
    // Float keys (no std map takes them): written as serde_json writes them, read back.
    struct FloatKeys(Vec<(f64, u8)>);
    impl Serialize for FloatKeys {
        fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use ::serde::ser::SerializeMap;
            let mut m = s.serialize_map(Some(self.0.len()))?;
            for (k, v) in &self.0 {
                m.serialize_entry(k, v)?;
            }
            m.end()
        }
    }
    impl<'de> Deserialize<'de> for FloatKeys {
        fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> ::serde::de::Visitor<'de> for V {
                type Value = FloatKeys;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("a map with float keys")
                }
                fn visit_map<A: ::serde::de::MapAccess<'de>>(self, mut a: A) -> Result<FloatKeys, A::Error> {
                    let mut out = Vec::new();
                    while let Some(entry) = a.next_entry::<f64, u8>()? {
                        out.push(entry);
                    }
                    Ok(FloatKeys(out))
                }
            }
            d.deserialize_map(V)
        }
    }
    let floats = FloatKeys(vec![(1.5, 1), (-0.25, 2), (1e300, 3), (2.0, 4)]);
    let out = to_vec(&floats).unwrap();
    assert_eq!(out, serde_json::to_vec(&floats).unwrap());
    assert_eq!(from_slice::<FloatKeys>(&out).unwrap().0, floats.0);
    assert!(to_vec(&FloatKeys(vec![(f64::NAN, 0)])).is_err());
    for bad in
        [br#"{"+5": 1}"#.as_slice(), br#"{"05": 1}"#, br#"{" 5": 1}"#, br#"{"5x": 1}"#, br#"{"": 1}"#, br#"{"1.5": 1}"#]
    {
        assert!(from_slice::<HashMap<u64, u8>>(bad).is_err(), "{}", String::from_utf8_lossy(bad));
    }
    assert!(from_slice::<HashMap<bool, u8>>(br#"{"yes": 1}"#).is_err());
}

/// The grammar errors of the descent are the reader's, kind for kind.
#[test]
fn mismatched_brackets_are_named() {
    for (input, kind) in [
        (br#"[1}"#.as_slice(), crate::ErrorKind::MismatchedBracket),
        (br#"{"a": 1]"#, crate::ErrorKind::MismatchedBracket),
        (br#"[1 2]"#, crate::ErrorKind::ExpectedCommaOrEnd),
        (br#"[1,]"#, crate::ErrorKind::ExpectedValue),
        (br#"{"a" 1}"#, crate::ErrorKind::ExpectedColon),
    ] {
        let e = from_slice::<serde_json::Value>(input).unwrap_err();
        let want = crate::validate(input).unwrap_err();
        assert_eq!((e.kind(), e.offset()), (Some(kind), Some(want.offset())), "{}", String::from_utf8_lossy(input));
        assert_eq!(want.kind(), kind);
    }
    // A tuple read from a longer array: serde's message, at the comma.
    assert!(from_slice::<(u8,)>(b"[1}").unwrap_err().kind() == Some(crate::ErrorKind::MismatchedBracket));
}
