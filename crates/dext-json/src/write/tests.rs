//! The writer: exact output, escapes, numbers, misuse refused, pretty output.

use super::*;

fn doc(f: impl FnOnce(&mut Writer<'_>) -> Result<(), Error>) -> String {
    let mut out = Vec::new();
    let mut w = Writer::new(&mut out);
    f(&mut w).unwrap();
    w.finish().unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn writes_compact_documents() {
    assert_eq!(doc(|w| w.null()), "null");
    assert_eq!(
        doc(|w| {
            w.start_object()?;
            w.key("a")?;
            w.start_array()?;
            w.i64(-12)?;
            w.u64(u64::MAX)?;
            w.bool(true)?;
            w.null()?;
            w.start_object()?;
            w.end_object()?;
            w.start_array()?;
            w.end_array()?;
            w.end_array()?;
            w.key("b\n")?;
            w.string("x")?;
            w.end_object()
        }),
        r#"{"a":[-12,18446744073709551615,true,null,{},[]],"b\n":"x"}"#
    );
}

#[test]
fn escapes_what_must_be_escaped() {
    let mut out = Vec::new();
    let all: String = (0u8..0x80).map(char::from).collect::<String>() + "é中😀\u{7f}";
    write_string(&mut out, &all);
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(text.starts_with(r#""\u0000\u0001"#), "{text}");
    assert!(text.contains(r#"\b\t\n\u000b\f\r\u000e"#), "{text}");
    assert!(text.contains(r##" !\"#$"##) && text.contains(r"[\\]"), "{text}");
    // And reads back to the same string.
    let mut r = crate::Reader::new(&out);
    let Some(crate::Token::String(s)) = r.next_token().unwrap() else { panic!() };
    assert_eq!(s.decode(&mut String::new()), all);
}

#[test]
fn numbers_are_exact_and_in_the_grammar() {
    for v in [0i64, 7, -7, 10, 99, 100, 12345, i64::MAX, i64::MIN] {
        let mut out = Vec::new();
        number::write_i64(&mut out, v);
        assert_eq!(out, v.to_string().as_bytes());
    }
    for v in [0.0, -0.0, 1.0, 0.1, 1.5e300, 5e-324, f64::MAX, f64::MIN_POSITIVE, 1e21, 1e-7, 123456.789] {
        let text = doc(|w| w.f64(v));
        assert!(number::is_number(text.as_bytes()), "{v} as {text}");
        assert_eq!(text.parse::<f64>().unwrap().to_bits(), v.to_bits(), "{v} as {text}");
    }
    assert_eq!(doc(|w| w.f64(2.0)), "2.0");
    assert_eq!(doc(|w| w.number_text("123456789012345678901234567890")), "123456789012345678901234567890");
}

#[test]
fn misuse_is_refused_and_writes_nothing() {
    let mut out = Vec::new();
    let mut w = Writer::new(&mut out);
    assert_eq!(w.f64(f64::NAN).unwrap_err().kind(), ErrorKind::NonFiniteNumber);
    assert_eq!(w.f64(f64::INFINITY).unwrap_err().kind(), ErrorKind::NonFiniteNumber);
    assert_eq!(w.key("k").unwrap_err().kind(), ErrorKind::ExpectedValue);
    assert_eq!(w.end_array().unwrap_err().kind(), ErrorKind::MismatchedBracket);
    assert_eq!(w.number_text("01").unwrap_err().kind(), ErrorKind::InvalidNumber);
    w.start_object().unwrap();
    assert_eq!(w.u64(1).unwrap_err().kind(), ErrorKind::ExpectedKey);
    assert_eq!(w.end_array().unwrap_err().kind(), ErrorKind::MismatchedBracket);
    w.key("k").unwrap();
    assert_eq!(w.key("again").unwrap_err().kind(), ErrorKind::ExpectedValue);
    assert_eq!(w.end_object().unwrap_err().kind(), ErrorKind::ExpectedValue);
    w.start_array().unwrap();
    assert_eq!(w.key("k").unwrap_err().kind(), ErrorKind::ExpectedValue);
    assert_eq!(w.end_object().unwrap_err().kind(), ErrorKind::MismatchedBracket);
    w.end_array().unwrap();
    w.end_object().unwrap();
    assert_eq!(w.null().unwrap_err().kind(), ErrorKind::TrailingCharacters);
    w.finish().unwrap();
    assert_eq!(out, br#"{"k":[]}"#, "nothing of the refused calls was written");

    let mut out = Vec::new();
    let mut w = Writer::new(&mut out);
    w.start_array().unwrap();
    assert_eq!(w.finish().unwrap_err().kind(), ErrorKind::UnexpectedEnd);
    assert_eq!(Writer::new(&mut Vec::new()).finish().unwrap_err().kind(), ErrorKind::UnexpectedEnd);
}

#[test]
fn pretty_output() {
    let mut out = Vec::new();
    let mut w = Writer::new(&mut out).pretty("  ");
    w.start_object().unwrap();
    w.key("a").unwrap();
    w.start_array().unwrap();
    w.u64(1).unwrap();
    w.start_object().unwrap();
    w.end_object().unwrap();
    w.end_array().unwrap();
    w.key("b").unwrap();
    w.start_array().unwrap();
    w.end_array().unwrap();
    w.end_object().unwrap();
    w.finish().unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": []\n}");
}

#[test]
fn integers_at_every_digit_count_boundary() {
    let mut values = vec![0u64, u64::MAX];
    for k in 0..20 {
        let p = 10u64.pow(k);
        values.extend([p - 1, p, p + 1, p.saturating_mul(5)]);
    }
    for v in values {
        let mut out = b"x".to_vec();
        number::write_u64(&mut out, v);
        assert_eq!(out, format!("x{v}").as_bytes());
        let mut out = Vec::new();
        number::write_i64(&mut out, -(v as i64));
        assert_eq!(out, (-(v as i64)).to_string().as_bytes());
    }
}
