//! The reader against small documents: the tokens of valid ones, the error (kind and offset)
//! of invalid ones.

use super::*;
use crate::scan::{STRING_STOP, plain_run_end};

/// The tokens of `input`, written compactly (`{ k:a n:1 s:x [ ] T F N }`), or the error.
fn tokens(input: &str) -> Result<String, (ErrorKind, usize)> {
    let mut r = Reader::new(input.as_bytes());
    let mut out = Vec::new();
    let mut scratch = String::new();
    loop {
        match r.next_token() {
            Ok(None) => return Ok(out.join(" ")),
            Ok(Some(t)) => out.push(match t {
                Token::StartObject => "{".to_string(),
                Token::EndObject => "}".to_string(),
                Token::StartArray => "[".to_string(),
                Token::EndArray => "]".to_string(),
                Token::Key(k) => format!("k:{}", k.decode(&mut scratch)),
                Token::String(s) => format!("s:{}", s.decode(&mut scratch)),
                Token::Number(n) => format!("n:{}", n.as_str()),
                Token::Bool(b) => (if b { "T" } else { "F" }).to_string(),
                Token::Null => "N".to_string(),
            }),
            Err(e) => return Err((e.kind(), e.offset())),
        }
    }
}

fn check(input: &str, want: Result<&str, (ErrorKind, usize)>) {
    assert_eq!(tokens(input), want.map(str::to_string), "{input:?}");
}

#[test]
fn valid_documents() {
    for (input, want) in [
        ("0", "n:0"),
        (" -1.5e+3 ", "n:-1.5e+3"),
        ("\"\"", "s:"),
        ("[]", "[ ]"),
        ("{}", "{ }"),
        ("[1,[2,[]],{}]", "[ n:1 [ n:2 [ ] ] { } ]"),
        ("{\"a\":1,\"b\":[true,false,null]}", "{ k:a n:1 k:b [ T F N ] }"),
        ("\t\r\n{ \"a\" : { \"b\" : \"c\" } }\n", "{ k:a { k:b s:c } }"),
        (r#""a\"b\\c\/d\be\ff\ng\rh\ti""#, "s:a\"b\\c/d\u{8}e\u{c}f\ng\rh\ti"),
        (r#""\u00e9\u4e2d\ud83d\ude00""#, "s:é中😀"),
        ("\"é中😀\"", "s:é中😀"),
        (
            "[-0, 0.0, 1E2, 1e-2, 123456789012345678901234567890]",
            "[ n:-0 n:0.0 n:1E2 n:1e-2 n:123456789012345678901234567890 ]",
        ),
    ] {
        check(input, Ok(want));
    }
}

#[test]
fn invalid_documents_say_what_and_where() {
    use ErrorKind::*;
    for (input, kind, offset) in [
        ("", UnexpectedEnd, 0),
        ("   ", UnexpectedEnd, 3),
        ("[1,2", UnexpectedEnd, 4),
        ("[1,]", ExpectedValue, 3),
        ("{\"a\":1,}", ExpectedKey, 7),
        ("{1:2}", ExpectedKey, 1),
        ("{\"a\" 1}", ExpectedColon, 5),
        ("[1 2]", ExpectedCommaOrEnd, 3),
        ("[1}", MismatchedBracket, 2),
        ("{\"a\":1]", MismatchedBracket, 6),
        ("]", ExpectedValue, 0),
        ("1 2", TrailingCharacters, 2),
        ("{} x", TrailingCharacters, 3),
        ("01", InvalidNumber, 1),
        ("-", UnexpectedEnd, 1),
        ("-a", InvalidNumber, 1),
        ("1.", UnexpectedEnd, 2),
        ("1.e3", InvalidNumber, 2),
        (".5", ExpectedValue, 0),
        ("1e", UnexpectedEnd, 2),
        ("1e+x", InvalidNumber, 3),
        ("+1", ExpectedValue, 0),
        ("1x", InvalidNumber, 1),
        ("tru", UnexpectedEnd, 3),
        ("trUe", ExpectedValue, 2),
        ("nul l", ExpectedValue, 3),
        ("NaN", ExpectedValue, 0),
        ("'a'", ExpectedValue, 0),
        ("\"abc", UnexpectedEnd, 4),
        ("\"a\tb\"", ControlCharacter, 2),
        ("\"\\x\"", InvalidEscape, 1),
        ("\"\\u12\"", InvalidUnicodeEscape, 5),
        ("\"\\u12", UnexpectedEnd, 5),
        ("\"\\ud800\"", LoneSurrogate, 1),
        ("\"\\ud800\\u0041\"", LoneSurrogate, 1),
        ("\"\\udc00\"", LoneSurrogate, 1),
    ] {
        check(input, Err((kind, offset)));
    }
    // U+FEFF inside a string is just a character.
    check("\"a\u{feff}\"", Ok("s:a\u{feff}"));
    // Invalid UTF-8 inside a string, pointing at the first bad byte.
    let r = validate(b"[\"ab\xff\"]").unwrap_err();
    assert_eq!((r.kind(), r.offset()), (InvalidUtf8, 4));
    let r = validate(b"\xef\xbb\xbf{}").unwrap_err();
    assert_eq!((r.kind(), r.offset()), (ExpectedValue, 0), "a byte-order mark is refused");
}

#[test]
fn errors_carry_line_and_column() {
    let e = validate(b"{\n  \"a\": [1,\n    2,,\n  ]\n}").unwrap_err();
    assert_eq!((e.kind(), e.line(), e.column()), (ErrorKind::ExpectedValue, 3, 7));
    assert_eq!(e.to_string(), "expected a value at line 3 column 7 (byte 19)");
}

#[test]
fn nesting_depth_is_limited() {
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    assert!(validate(deep(128).as_bytes()).is_ok());
    let e = validate(deep(129).as_bytes()).unwrap_err();
    assert_eq!((e.kind(), e.offset()), (ErrorKind::TooDeep, 128));
    let three = deep(3);
    let mut r = Reader::with_options(three.as_bytes(), ReaderOptions { max_depth: 2 });
    assert_eq!(r.skip_value().unwrap_err().kind(), ErrorKind::TooDeep);
    // Objects and arrays interleaved across the 64-bit words of the stack.
    let mixed: String = (0..200).map(|i| if i % 3 == 0 { "{\"k\":" } else { "[" }).collect::<String>()
        + "0"
        + &(0..200).rev().map(|i| if i % 3 == 0 { "}" } else { "]" }).collect::<String>();
    let mut r = Reader::with_options(mixed.as_bytes(), ReaderOptions { max_depth: 200 });
    r.skip_value().unwrap();
    assert_eq!(r.next_token().unwrap(), None);
    assert_eq!(Reader::with_options(b"[]", ReaderOptions { max_depth: u32::MAX }).max_depth, MAX_DEPTH_LIMIT);
}

#[test]
fn skip_value_skips_one_value() {
    let mut r = Reader::new(br#"{"a": {"b": [1, {"c": null}]}, "d": 2}"#);
    assert_eq!(r.next_token().unwrap(), Some(Token::StartObject));
    assert!(matches!(r.next_token().unwrap(), Some(Token::Key(k)) if k.raw() == "a"));
    r.skip_value().unwrap();
    assert!(matches!(r.next_token().unwrap(), Some(Token::Key(k)) if k.raw() == "d"));
    r.skip_value().unwrap();
    assert_eq!(r.next_token().unwrap(), Some(Token::EndObject));
    assert_eq!(r.next_token().unwrap(), None);
}

#[test]
fn numbers_convert_exactly() {
    let num = |s: &'static str| {
        let mut r = Reader::new(s.as_bytes());
        match r.next_token().unwrap() {
            Some(Token::Number(n)) => n,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(num("0").as_u64(), Some(0));
    assert_eq!(num("-0").as_u64(), Some(0));
    assert_eq!(num("18446744073709551615").as_u64(), Some(u64::MAX));
    assert_eq!(num("18446744073709551616").as_u64(), None);
    assert_eq!(num("-1").as_u64(), None);
    assert_eq!(num("9223372036854775807").as_i64(), Some(i64::MAX));
    assert_eq!(num("-9223372036854775808").as_i64(), Some(i64::MIN));
    assert_eq!(num("9223372036854775808").as_i64(), None);
    assert_eq!(num("-9223372036854775809").as_i64(), None);
    assert_eq!(num("1.0").as_i64(), None);
    assert_eq!(num("1e2").as_u64(), None);
    assert!(num("1e2").as_f64() == 100.0 && !num("1e2").is_integer());
    assert_eq!(num("-0").as_f64().to_bits(), (-0.0f64).to_bits());
    assert_eq!(num("0.1").as_f64(), 0.1);
    assert_eq!(num("123456789012345678").as_f64(), 123456789012345678f64);
    assert_eq!(num("1e400").as_f64(), f64::INFINITY);
    assert_eq!(num("-1e400").as_f64(), f64::NEG_INFINITY);
    assert_eq!(num("1e-400").as_f64(), 0.0);
    assert_eq!(num("2.2250738585072011e-308").as_f64(), "2.2250738585072011e-308".parse::<f64>().unwrap());
}

#[test]
fn str_decodes_into_scratch_only_when_escaped() {
    let mut r = Reader::new(br#"["plain", "esc\naped"]"#);
    let mut scratch = String::from("left over");
    r.next_token().unwrap();
    let Some(Token::String(plain)) = r.next_token().unwrap() else { panic!() };
    assert_eq!((plain.as_str(), plain.has_escapes()), (Some("plain"), false));
    assert_eq!(plain.decode(&mut scratch), "plain");
    assert_eq!(scratch, "left over", "an unescaped string does not touch the scratch buffer");
    let Some(Token::String(esc)) = r.next_token().unwrap() else { panic!() };
    assert_eq!((esc.as_str(), esc.raw()), (None, "esc\\naped"));
    assert_eq!(esc.decode(&mut scratch), "esc\naped");
}

#[test]
fn plain_runs_end_where_the_table_says() {
    // Every byte value at every position of a 20-byte run, over a few backgrounds (ASCII,
    // high bytes, bytes just above the control range), against a byte-at-a-time scan.
    let slow = |input: &[u8], i: usize| {
        input[i..].iter().position(|&b| STRING_STOP[b as usize]).map_or(input.len(), |p| i + p)
    };
    for background in [b'a', 0xe4, 0x20, 0x7f, 0xff] {
        for stop_at in 0..20 {
            for b in 0..=255u8 {
                let mut input = vec![background; 20];
                input[stop_at] = b;
                if stop_at + 3 < 20 {
                    // A second candidate after the first, which must not be the answer.
                    input[stop_at + 3] = b'"';
                }
                for start in 0..=stop_at.min(9) {
                    assert_eq!(plain_run_end(&input, start), slow(&input, start), "{input:?} from {start}");
                }
            }
        }
    }
}

#[test]
fn string_runs_end_where_the_table_says_and_see_high_bytes() {
    // As above with 40-byte runs (two vector steps and a tail): the stop, and whether a byte
    // >= 0x80 comes before it, against a byte-at-a-time scan.
    let slow = |input: &[u8], i: usize| {
        let end = input[i..].iter().position(|&b| STRING_STOP[b as usize]).map_or(input.len(), |p| i + p);
        (end, input[i..end].iter().any(|&b| b >= 0x80))
    };
    for background in [b'a', 0xe4, 0x20, 0x7f, 0xff] {
        for stop_at in 0..40 {
            for b in 0..=255u8 {
                let mut input = vec![background; 40];
                input[stop_at] = b;
                if stop_at + 3 < 40 {
                    input[stop_at + 3] = b'"';
                }
                if stop_at > 4 && background < 0x80 {
                    // A lone high byte somewhere before, in some runs.
                    input[stop_at / 2] = 0xc3;
                }
                for start in [0, 1, stop_at / 3, stop_at.saturating_sub(1), stop_at] {
                    assert_eq!(crate::simd::string_run(&input, start), slow(&input, start), "{input:?} from {start}");
                }
                // Whether a whole slice needs no escaping, for every length that ends at or
                // after the byte (the word and vector paths, overlapping tails included).
                for end in stop_at + 1..=40 {
                    for start in [0, stop_at.saturating_sub(9), stop_at] {
                        let slice = &input[start..end];
                        let want = slice.iter().all(|&b| !STRING_STOP[b as usize]);
                        assert_eq!(crate::simd::is_plain(slice), want, "{slice:?}");
                    }
                }
            }
        }
    }
}

#[test]
fn floats_match_str_parse_on_tricky_and_random_text() {
    let check = |text: &str| {
        let mut r = Reader::new(text.as_bytes());
        let Some(Token::Number(n)) = r.next_token().unwrap() else { panic!("{text}") };
        let want: f64 = text.parse().unwrap();
        assert_eq!(n.as_f64().to_bits(), want.to_bits(), "{text}");
    };
    for text in [
        "9007199254740992",
        "9007199254740993",
        // Zeros before the first significant digit do not count towards the 19 that fit.
        "0.000000000000000000000000000001234567890123456789",
        "-0.0000000000000000000000000000012345678901234567891",
        "1234567890123456789.5",
        "12345678901234567890.5",
        "100000000000000000000000e-5",
        "12345678.12345678e12345678901234567890",
        "1.00000000000000011102230246251565404236316680908203125",
        "9007199254740992.5",
        "1e22",
        "1e23",
        "-1e-22",
        "1e-23",
        "123.456e-5",
        "0.1",
        "-0e-400",
        "-0.0",
        "0e99999",
        "4.9406564584124654e-324",
        "1.7976931348623157e308",
        "0.30000000000000004",
        "2.2250738585072014e-308",
        "100000000000000000000000",
        "1.5E+10",
        "12345678901234567890",
    ] {
        check(text);
    }
    // Random decimals: up to 20 digits, a point somewhere, an exponent sometimes.
    let mut next = xorshift(0x2545_f491_4f6c_dd1d);
    for _ in 0..200_000 {
        let len = 1 + (next() % 20) as usize;
        let mut text = String::new();
        if next() % 2 == 0 {
            text.push('-');
        }
        let mut digits: String = (0..len).map(|_| char::from(b'0' + (next() % 10) as u8)).collect();
        if digits.starts_with('0') && len > 1 {
            // No leading zero (the grammar's rule), unless the point follows it.
            digits.replace_range(..1, "1");
        }
        let point = (next() % (len as u64 + 1)) as usize;
        if point > 0 && point < len {
            text.push_str(&digits[..point]);
            text.push('.');
            text.push_str(&digits[point..]);
        } else {
            text.push_str(&digits);
        }
        if next() % 3 == 0 {
            text.push_str(&format!("e{}", (next() % 60) as i64 - 30));
        }
        check(&text);
    }
}

/// A xorshift generator for the randomised tests (here and in `number.rs`).
pub(super) fn xorshift(mut x: u64) -> impl FnMut() -> u64 {
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}

/// Pieces of string contents, valid and not: ASCII, two-, three- and four-byte characters,
/// every kind of escape, broken escapes and surrogates, control characters, bytes that are
/// not UTF-8 (lone, cut short, overlong, surrogate), and long runs that reach across the
/// blocks that UTF-8 is validated in.
const PIECES: &[&[u8]] = &[
    b"a",
    b"hello",
    b" ",
    b"\xc3\xa9",
    b"\xe6\x97\xa5",
    b"\xf0\x9f\x98\x80",
    b"\\n",
    b"\\\"",
    b"\\\\",
    b"\\/",
    b"\\b",
    b"\\f",
    b"\\r",
    b"\\t",
    b"\\u00e9",
    b"\\u65E5",
    b"\\ud83d\\ude00",
    b"\\u0000",
    b"\\x",
    b"\\u12",
    b"\\u12g4",
    b"\\ud800",
    b"\\udc00",
    b"\\ud800\\u0041",
    b"\\ud800x",
    b"\x01",
    b"\x1f",
    b"\xc3",
    b"\xff",
    b"\xf0\x9f",
    b"\xc0\xaf",
    b"\xed\xa0\x80",
    b"\x80",
    b"\\",
];

/// Random string contents from [`PIECES`], mostly valid, sometimes long.
fn random_contents(next: &mut impl FnMut() -> u64) -> Vec<u8> {
    let mut s = Vec::new();
    for _ in 0..next() % 12 {
        let r = next();
        let piece = match r % 16 {
            // Valid pieces most of the time, so that strings get long before they break.
            0..=9 => PIECES[(r >> 8) as usize % 17],
            10 => PIECES[(r >> 8) as usize % PIECES.len()],
            11 => &[b'x'; 1500][..],
            12 => "é".repeat(700).leak().as_bytes(),
            13 => "日".repeat(500).leak().as_bytes(),
            _ => PIECES[(r >> 8) as usize % 4],
        };
        s.extend_from_slice(piece);
    }
    s
}

#[test]
fn decoding_scan_agrees_with_checking_scan() {
    // `Reader::string_decoded` (checks and decodes in one scan) against `Reader::string`
    // (checks) then `Str::decode_into` (decodes): the same text, borrowed exactly when there
    // are no escapes, the same error (kind and offset), the same position after.
    let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
    for n in 0..20_000 {
        let mut doc = b"\"".to_vec();
        doc.extend(random_contents(&mut next));
        if n % 7 != 0 {
            doc.push(b'"');
        }
        let mut checking = Reader::new(&doc);
        let want = checking.string().map(|s| {
            let mut text = String::new();
            s.decode_into(&mut text);
            (text, !s.has_escapes(), checking.offset())
        });
        let mut decoding = Reader::new(&doc);
        let mut out = String::from("before");
        let got = decoding.string_decoded(&mut out).map(|borrowed| match borrowed {
            Some(text) => (text.to_string(), true, decoding.offset()),
            None => (out["before".len()..].to_string(), false, decoding.offset()),
        });
        let kind_at = |e: &Error| (e.kind(), e.offset());
        assert_eq!(
            got.as_ref().map_err(kind_at),
            want.as_ref().map_err(kind_at),
            "{:?}",
            String::from_utf8_lossy(&doc)
        );
        // `Reader::string_span` (the DOM's: text cut from the input's UTF-8 prefix, checked
        // once up front) likewise.
        let valid = match core::str::from_utf8(&doc) {
            Ok(all) => all,
            Err(e) => core::str::from_utf8(&doc[..e.valid_up_to()]).unwrap(),
        };
        let mut spanning = Reader::new(&doc);
        let mut out = String::from("before");
        let got = spanning.string_span(valid, &mut out).map(|span| match span {
            Some((start, end)) => (valid[start..end].to_string(), true, spanning.offset()),
            None => (out["before".len()..].to_string(), false, spanning.offset()),
        });
        assert_eq!(
            got.as_ref().map_err(kind_at),
            want.as_ref().map_err(kind_at),
            "span: {:?}",
            String::from_utf8_lossy(&doc)
        );
    }
}

#[test]
fn whitespace_runs_of_every_length_are_skipped() {
    // Runs of mixed whitespace of every length up to 70 (across the 16-byte steps), before a
    // token or the end, at every offset: the reader stops at the first other byte, including
    // control bytes and bytes >= 0x80, which are not whitespace.
    let mut next = xorshift(0x1234_5678_9abc_def1);
    for len in 0..70 {
        for lead in 0..3 {
            for stop in [Some(b'"'), Some(b'1'), Some(0x0b), Some(0x0c), Some(0x00), Some(0xc3), Some(b'!'), None] {
                let mut doc = vec![b'['; lead];
                doc.extend((0..len).map(|_| [b' ', b'\n', b'\r', b'\t'][next() as usize % 4]));
                doc.extend(stop);
                let mut r = Reader::new(&doc);
                r.pos = lead;
                assert_eq!(r.skip_ws(), stop, "{doc:?}");
                assert_eq!(r.offset(), lead + len, "{doc:?}");
            }
        }
    }
}

#[test]
fn utf8_is_checked_in_every_string_of_a_long_document() {
    // Many strings in one document, so that UTF-8 is validated in blocks ahead of the
    // reader: one bad byte, anywhere in any string, is the error, at its offset; without it
    // the strings read back as they were written.
    let mut next = xorshift(0x2545_f491_4f6c_dd1d);
    for round in 0..300 {
        let strings: Vec<String> = (0..1 + next() % 60)
            .map(|_| {
                let len = next() % 40;
                let mut s: String = (0..len)
                    .map(|_| match next() % 5 {
                        0 => 'é',
                        1 => '日',
                        2 => '😀',
                        r => char::from(b'a' + (r as u8 * 7) % 26),
                    })
                    .collect();
                if next() % 9 == 0 {
                    s.push_str(&"ж".repeat(2100));
                }
                s
            })
            .collect();
        let mut doc = Vec::new();
        let mut starts = Vec::new();
        doc.push(b'[');
        for (i, s) in strings.iter().enumerate() {
            if i > 0 {
                doc.push(b',');
            }
            doc.push(b'"');
            starts.push(doc.len());
            doc.extend_from_slice(s.as_bytes());
            doc.push(b'"');
        }
        doc.push(b']');
        if round % 3 == 0 {
            let value = crate::Document::parse(&doc).unwrap();
            let read: Vec<&str> = value.root().elements().map(|v| v.as_str().unwrap()).collect();
            assert_eq!(read, strings);
            continue;
        }
        // Replace one byte of one string by one that is never UTF-8 (0xff), or by a
        // continuation byte (0x80) at a character's start.
        let which = (next() % strings.len() as u64) as usize;
        let s = &strings[which];
        let boundaries: Vec<usize> = (0..=s.len()).filter(|&i| s.is_char_boundary(i) && i < s.len()).collect();
        if boundaries.is_empty() {
            continue;
        }
        let at = starts[which] + boundaries[(next() % boundaries.len() as u64) as usize];
        doc[at] = if round % 2 == 0 { 0xff } else { 0x80 };
        let e = validate(&doc).unwrap_err();
        assert_eq!((e.kind(), e.offset()), (ErrorKind::InvalidUtf8, at), "round {round}");
        let e = crate::Document::parse(&doc).unwrap_err();
        assert_eq!((e.kind(), e.offset()), (ErrorKind::InvalidUtf8, at), "round {round}");
    }
}
