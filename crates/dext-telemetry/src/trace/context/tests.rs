use super::*;

const TP: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

fn check(input: &str, expected: Result<(&str, &str, u8), TraceParentError>) {
    let got = parse_traceparent(input.as_bytes());
    match (got, expected) {
        (Ok(cx), Ok((trace, span, flags))) => {
            assert_eq!(cx.trace_id.to_string(), trace, "{input:?}");
            assert_eq!(cx.span_id.to_string(), span, "{input:?}");
            assert_eq!(cx.flags.0, flags, "{input:?}");
            assert!(cx.is_remote && cx.is_valid());
        }
        (got, expected) => assert_eq!(got.map(|_| ()), expected.map(|_| ()), "{input:?}"),
    }
}

const T: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const S: &str = "00f067aa0ba902b7";

#[test]
fn traceparent_valid() {
    check(TP, Ok((T, S, 1)));
    check(&TP.replace("-01", "-00"), Ok((T, S, 0)));
    // Version 00 keeps every flag bit as sent (unknown bits are passed on).
    check(&TP.replace("-01", "-ff"), Ok((T, S, 0xff)));
    check(&TP.replace("-01", "-03"), Ok((T, S, 3)));
    // Optional whitespace around the field value.
    check(&format!(" \t{TP}\t "), Ok((T, S, 1)));
}

#[test]
fn traceparent_invalid() {
    use TraceParentError::*;
    check("", Err(Length));
    check(&TP[..54], Err(Length));
    // Version 00 is exactly 55 bytes.
    check(&format!("{TP}-"), Err(Length));
    check(&format!("{TP}0"), Err(Length));
    check(&TP.replacen("00", "ff", 1), Err(Version));
    check(&TP.replacen("00", "0g", 1), Err(Version));
    check(&TP.replacen("00", "0A", 1), Err(Version));
    // Uppercase hex is not HEXDIGLC.
    check(&TP.replace("4bf9", "4BF9"), Err(Format));
    check(&TP.replace("00f0", "00F0"), Err(Format));
    check(&TP.replace("-01", "-0A"), Err(Format));
    check(&TP.replace("4bf9", "4bfz"), Err(Format));
    check(&TP.replace("-00f0", "_00f0"), Err(Format));
    check(&TP.replacen("00-", "00_", 1), Err(Format));
    check(&TP.replace("b7-", "b7_"), Err(Format));
    check(&TP.replace(T, &"0".repeat(32)), Err(ZeroTraceId));
    check(&TP.replace(S, &"0".repeat(16)), Err(ZeroParentId));
    // A field one character short or long moves the dashes.
    check(&TP.replace(T, &T[1..]).replace("-01", "-011"), Err(Format));
    // Whitespace inside is not whitespace around.
    check(&TP.replace("-01", "- 1"), Err(Format));
    check("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\u{0}", Err(Length));
}

#[test]
fn traceparent_higher_versions() {
    use TraceParentError::*;
    // A future version is parsed for version 00's fields...
    check(&TP.replacen("00", "01", 1), Ok((T, S, 1)));
    check(&TP.replacen("00", "cc", 1), Ok((T, S, 1)));
    // ... with more fields after a dash ...
    check(&format!("{}-what-the-future-holds", TP.replacen("00", "cc", 1)), Ok((T, S, 1)));
    // ... and only the flag bits known today.
    check(&TP.replacen("00", "cc", 1).replace("-01", "-ff"), Ok((T, S, 3)));
    // The flags must be followed by the end or a dash.
    check(&format!("{}x", TP.replacen("00", "cc", 1)), Err(Format));
    // A shorter value is refused whatever the version.
    check(&TP.replacen("00", "cc", 1)[..54], Err(Length));
    // ff is never valid.
    check(&format!("{}-x", TP.replacen("00", "ff", 1)), Err(Version));
}

#[test]
fn traceparent_round_trips() {
    let cx = parse_traceparent(TP.as_bytes()).unwrap();
    let mut buf = [0u8; TRACEPARENT_LEN];
    assert_eq!(format_traceparent(&cx, &mut buf), TP);
    // A higher version is answered in version 00.
    let cx = parse_traceparent(format!("{}-x", TP.replacen("00", "cc", 1)).as_bytes()).unwrap();
    assert_eq!(format_traceparent(&cx, &mut buf), TP);
    let id = TraceId::from_u128(0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10);
    assert_eq!(id.to_string(), "0102030405060708090a0b0c0d0e0f10");
    assert_eq!(TraceId::from_u128(id.to_u128()), id);
    assert_eq!(SpanId::from_u64(0xfe).to_string(), "00000000000000fe");
}

fn state(v: &str) -> Result<Vec<(&str, &str)>, TraceStateError> {
    TraceState::parse(v.as_bytes()).map(|s| s.members().collect())
}

#[test]
fn tracestate_valid() {
    assert_eq!(state(""), Ok(vec![]));
    assert_eq!(state("congo=t61rcWkgMzE"), Ok(vec![("congo", "t61rcWkgMzE")]));
    assert_eq!(
        state(" rojo=00f067aa0ba902b7 ,\t congo=t61rcWkgMzE "),
        Ok(vec![("rojo", "00f067aa0ba902b7"), ("congo", "t61rcWkgMzE")])
    );
    assert_eq!(state("a=1,,b=2,"), Ok(vec![("a", "1"), ("b", "2")]));
    assert_eq!(state("tenant1@vendor=x y"), Ok(vec![("tenant1@vendor", "x y")]));
    assert_eq!(state("0t@v=1"), Ok(vec![("0t@v", "1")]));
    assert_eq!(state("a_-*/9=!\"#$%&'()*+-./:;<>?@[]^_`{|}~"), Ok(vec![("a_-*/9", "!\"#$%&'()*+-./:;<>?@[]^_`{|}~")]));
    let max: String = (0..32).map(|i| format!("k{i}=v,")).collect();
    assert_eq!(state(&max).unwrap().len(), 32);
    let ts = TraceState::parse(b"rojo=1,congo=2").unwrap();
    assert_eq!(ts.get("congo"), Some("2"));
    assert_eq!(ts.get("x"), None);
    assert_eq!(ts.as_str(), "rojo=1,congo=2");
    assert!(TraceState::EMPTY.is_empty() && !ts.is_empty());
    // Key and value length limits, at the edge.
    let key = format!("a{}", "b".repeat(255));
    assert!(state(&format!("{key}=1")).is_ok());
    assert!(state(&format!("{key}b=1")).is_err());
    let val = "v".repeat(256);
    assert!(state(&format!("a={val}")).is_ok());
    assert!(state(&format!("a={val}v")).is_err());
}

#[test]
fn tracestate_invalid() {
    use TraceStateError::*;
    assert_eq!(state("novalue"), Err(Member));
    assert_eq!(state("=1"), Err(Member));
    assert_eq!(state("Upper=1"), Err(Member));
    assert_eq!(state("1abc=1"), Err(Member));
    assert_eq!(state("a=,b=1"), Err(Member));
    assert_eq!(state("a=x=y"), Err(Member));
    assert_eq!(state("a=tab\there"), Err(Member));
    assert_eq!(state("a=é"), Err(Member));
    assert_eq!(state("@v=1"), Err(Member));
    assert_eq!(state("t@=1"), Err(Member));
    assert_eq!(state("t@1v=1"), Err(Member));
    assert_eq!(state(&format!("t@{}=1", "v".repeat(15))), Err(Member));
    assert!(state(&format!("t@{}=1", "v".repeat(14))).is_ok());
    assert_eq!(state("a=1,b=2,a=3"), Err(DuplicateKey));
    let over: String = (0..33).map(|i| format!("k{i}=v,")).collect();
    assert_eq!(state(&over), Err(TooManyMembers));
    assert_eq!(TraceState::parse(b"a=\xff"), Err(Member));
}
