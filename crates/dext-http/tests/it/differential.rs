//! Differential test against `httparse`: on valid requests both parsers must agree on every
//! field; on mutated requests, whenever both accept, they must still agree.

use crate::util::XorShift;
use dext_http::Version;
use dext_http::h1::{Head, Limits, Status};

const METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "PROPFIND", "M-SEARCH"];
const PATH_BYTES: &[u8] = b"abcxyzABCXYZ0189-._~!$&'()*+,;=:@%/";
const VALUE_BYTES: &[u8] = b"abcxyzABCXYZ0189-._~!$&'()*+,;=:@%/\"<>[]{}|\\^`? \t";
const NAME_BYTES: &[u8] = b"abcxyzABCXYZ0189-!#$%&'*+.^_`|~";

fn random_request(rng: &mut XorShift) -> Vec<u8> {
    let mut req = Vec::new();
    req.extend_from_slice(rng.pick(METHODS).as_bytes());
    req.push(b' ');
    req.push(b'/');
    for _ in 0..rng.below(40) {
        req.push(*rng.pick(PATH_BYTES));
    }
    if rng.below(3) == 0 {
        req.push(b'?');
        for _ in 0..rng.below(30) {
            req.push(*rng.pick(PATH_BYTES));
        }
    }
    let http10 = rng.below(5) == 0;
    req.extend_from_slice(if http10 { b" HTTP/1.0\r\n" } else { b" HTTP/1.1\r\n" });
    let count = rng.below(20);
    let host_at = if http10 { usize::MAX } else { rng.below(count + 1) };
    for i in 0..=count {
        if i == host_at {
            req.extend_from_slice(b"Host: example.com:8080\r\n");
        }
        if i == count {
            break;
        }
        // Names that the parser checks semantically are left out: their rules are tested
        // on their own, and httparse does not apply them.
        let mut name = Vec::new();
        for _ in 0..1 + rng.below(20) {
            name.push(*rng.pick(NAME_BYTES));
        }
        if dext_http::KnownHeader::from_name(&name).is_some() {
            name.insert(0, b'X');
        }
        req.extend_from_slice(&name);
        req.push(b':');
        let spaces = rng.below(3);
        req.extend(std::iter::repeat_n(b' ', spaces));
        let len = rng.below(60);
        let mut value: Vec<u8> = (0..len).map(|_| *rng.pick(VALUE_BYTES)).collect();
        if rng.below(10) == 0 {
            value.extend_from_slice("caf\u{e9}".as_bytes());
        }
        // Both parsers drop surrounding whitespace; keep it off the ends so that values are
        // compared on the bytes both define.
        while value.last().is_some_and(|b| *b == b' ' || *b == b'\t') {
            value.pop();
        }
        while value.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
            value.remove(0);
        }
        req.extend_from_slice(&value);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"\r\n");
    req
}

/// Parses with both; `None` when either refuses or finds the input incomplete.
fn both(input: &[u8], head: &mut Head, limits: &Limits) -> (Option<String>, Option<String>) {
    let ours = match head.parse(input, limits) {
        Ok(Status::Complete(req)) => {
            let mut s = format!(
                "{} {} {} len={}\n",
                req.method_str(),
                req.target(),
                if req.version() == Version::Http11 { 1 } else { 0 },
                req.len()
            );
            for h in req.headers() {
                s.push_str(&format!("{}: {:?}\n", h.name, h.value));
            }
            Some(s)
        }
        _ => None,
    };
    let mut headers = [httparse::EMPTY_HEADER; 128];
    let mut req = httparse::Request::new(&mut headers);
    let theirs = match req.parse(input) {
        Ok(httparse::Status::Complete(len)) => {
            let mut s = format!(
                "{} {} {} len={len}\n",
                req.method.unwrap_or_default(),
                req.path.unwrap_or_default(),
                req.version.unwrap_or(9)
            );
            for h in req.headers.iter() {
                s.push_str(&format!("{}: {:?}\n", h.name, h.value));
            }
            Some(s)
        }
        _ => None,
    };
    (ours, theirs)
}

#[test]
fn valid_requests_agree_with_httparse() {
    let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
    let limits = Limits::default();
    let mut head = Head::new(&limits);
    for i in 0..20_000 {
        let input = random_request(&mut rng);
        let (ours, theirs) = both(&input, &mut head, &limits);
        let text = String::from_utf8_lossy(&input);
        assert!(ours.is_some(), "case {i}: dext refused a valid request:\n{text}");
        assert!(theirs.is_some(), "case {i}: httparse refused:\n{text}");
        assert_eq!(ours, theirs, "case {i}:\n{text}");
    }
}

#[test]
fn mutated_requests_never_panic_and_agree_when_both_accept() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let limits = Limits::default();
    let mut head = Head::new(&limits);
    let mut both_accepted = 0;
    for _ in 0..50_000 {
        let mut input = random_request(&mut rng);
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(input.len());
            input[at] = rng.next() as u8;
        }
        if let (Some(ours), Some(theirs)) = both(&input, &mut head, &limits) {
            both_accepted += 1;
            assert_eq!(ours, theirs, "{}", String::from_utf8_lossy(&input));
        }
    }
    // The mutations leave many requests valid; the comparison is not vacuous.
    assert!(both_accepted > 1_000, "{both_accepted}");
}
