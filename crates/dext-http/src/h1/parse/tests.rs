//! Table-driven tests of the request head parser: one `check` function, one table per rule.

use super::*;

/// What parsing an input must give.
#[derive(Debug, PartialEq)]
enum Want {
    /// Complete, with `method target version framing keep_alive` summarised as text.
    Ok(&'static str),
    Partial,
    Err(Error),
}

fn summary(req: &RequestHead<'_, '_>) -> String {
    let framing = match req.framing() {
        Framing::None => "none".to_string(),
        Framing::Length(n) => format!("len={n}"),
        Framing::Chunked => "chunked".to_string(),
    };
    format!(
        "{} {} {} {} {}{}",
        req.method_str(),
        req.path(),
        req.version().as_str(),
        framing,
        if req.is_keep_alive() { "keep-alive" } else { "close" },
        if req.expects_continue() { " 100-continue" } else { "" },
    )
}

/// Parses with one scanner; the summary also lists the header fields, so that scanners are
/// compared on every span.
fn parse_with<S: Scan>(scan: S, input: &[u8], limits: &Limits) -> Want {
    let mut head = Head::new(limits);
    match (ScanJob { head: &mut head, buf: input, limits }).run(scan) {
        Ok(true) => {
            let req = head.view(input);
            assert_eq!(req.len(), input.len(), "head length for {:?}", String::from_utf8_lossy(input));
            let mut text = summary(&req);
            for h in req.headers() {
                text.push_str(&format!("|{}={}", h.name, String::from_utf8_lossy(h.value)));
            }
            Want::Ok(Box::leak(text.into_boxed_str()))
        }
        Ok(false) => Want::Partial,
        Err(e) => Want::Err(e),
    }
}

/// Parses with every scanner this CPU has (scalar, SSE2, AVX2): all must agree exactly.
/// Returns the summary without the header list.
fn parse(input: &[u8], limits: &Limits) -> Want {
    let want = parse_with(crate::simd::scalar::Scalar, input, limits);
    #[cfg(all(target_arch = "x86_64", not(dext_no_simd)))]
    {
        use crate::simd::x86;
        assert_eq!(
            parse_with(x86::Sse2, input, limits),
            want,
            "sse2 vs scalar on {:?}",
            String::from_utf8_lossy(input)
        );
        if let Some(avx2) = x86::Avx2::detect() {
            struct Job<'a>(&'a [u8], &'a Limits);
            impl WithScan for Job<'_> {
                type Output = Want;
                fn run<S: Scan>(self, s: S) -> Want {
                    parse_with(s, self.0, self.1)
                }
            }
            let got = x86::run_avx2(avx2, Job(input, limits));
            assert_eq!(got, want, "avx2 vs scalar on {:?}", String::from_utf8_lossy(input));
        }
    }
    // The public entry point gives the same answer.
    let mut head = Head::new(limits);
    let public = match head.parse(input, limits) {
        Ok(Status::Complete(_)) => "complete",
        Ok(Status::Partial) => "partial",
        Err(_) => "error",
    };
    match want {
        Want::Ok(text) => {
            assert_eq!(public, "complete");
            Want::Ok(text.split('|').next().unwrap_or_default())
        }
        Want::Partial => {
            assert_eq!(public, "partial");
            Want::Partial
        }
        Want::Err(e) => {
            assert_eq!(head.parse(input, limits).err(), Some(e));
            Want::Err(e)
        }
    }
}

/// Parses `input` whole, and every prefix of it: a prefix must be `Partial` or fail with the
/// same error as the whole (an error is found as soon as its byte arrives, never later as a
/// different error, and a valid head is never refused early).
fn check(input: &str, want: Want) {
    check_with(input, want, &Limits::default());
}

fn check_with(input: &str, want: Want, limits: &Limits) {
    let input = input.as_bytes();
    let got = parse(input, limits);
    assert_eq!(got, want, "input {:?}", String::from_utf8_lossy(input));
    for end in 0..input.len() {
        match parse(&input[..end], limits) {
            Want::Partial => {}
            Want::Err(e) if Want::Err(e) == want => {}
            other => panic!("prefix {:?} of {:?} gave {other:?}", end, String::from_utf8_lossy(input)),
        }
    }
}

const H: &str = "Host: a\r\n";

#[test]
fn valid_requests() {
    let cases: &[(&str, &str)] = &[
        ("GET / HTTP/1.1\r\nHost: a\r\n\r\n", "GET / HTTP/1.1 none keep-alive"),
        ("GET /p?q=1 HTTP/1.1\r\nHost: a\r\n\r\n", "GET /p HTTP/1.1 none keep-alive"),
        ("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n", "POST /x HTTP/1.1 len=5 keep-alive"),
        ("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", "POST /x HTTP/1.1 none keep-alive"),
        ("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 007\r\n\r\n", "POST /x HTTP/1.1 len=7 keep-alive"),
        ("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", "POST /x HTTP/1.1 chunked keep-alive"),
        ("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: CHUNKED\r\n\r\n", "POST /x HTTP/1.1 chunked keep-alive"),
        ("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ,chunked\r\n\r\n", "POST /x HTTP/1.1 chunked keep-alive"),
        (
            "POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n",
            "POST /x HTTP/1.0 chunked close",
        ),
        ("GET / HTTP/1.0\r\n\r\n", "GET / HTTP/1.0 none close"),
        ("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "GET / HTTP/1.0 none keep-alive"),
        ("GET / HTTP/1.0\r\nConnection: Keep-Alive, foo\r\n\r\n", "GET / HTTP/1.0 none keep-alive"),
        ("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", "GET / HTTP/1.1 none close"),
        ("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, CLOSE\r\n\r\n", "GET / HTTP/1.1 none close"),
        ("GET / HTTP/1.1\r\nHost: a\r\nConnection: a\r\nConnection: close\r\n\r\n", "GET / HTTP/1.1 none close"),
        ("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", "GET / HTTP/1.1 none keep-alive"),
        ("\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", "GET / HTTP/1.1 none keep-alive"),
        ("get / HTTP/1.1\r\nHost: a\r\n\r\n", "get / HTTP/1.1 none keep-alive"),
        ("M-SEARCH /x HTTP/1.1\r\nHost: a\r\n\r\n", "M-SEARCH /x HTTP/1.1 none keep-alive"),
        ("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", "OPTIONS * HTTP/1.1 none keep-alive"),
        ("GET http://a.example/x?y HTTP/1.1\r\nHost: a\r\n\r\n", "GET /x HTTP/1.1 none keep-alive"),
        ("GET HTTP://a.example HTTP/1.1\r\nHost: a\r\n\r\n", "GET / HTTP/1.1 none keep-alive"),
        ("GET https://a:443/ HTTP/1.1\r\nHost: a\r\n\r\n", "GET / HTTP/1.1 none keep-alive"),
        ("CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n", "CONNECT  HTTP/1.1 none keep-alive"),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n",
            "POST / HTTP/1.1 len=1 keep-alive 100-continue",
        ),
        ("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n", "POST / HTTP/1.0 len=1 close"),
        ("POST / HTTP/1.0\r\nExpect: something-else\r\n\r\n", "POST / HTTP/1.0 none close"),
        // Empty values, surrounding whitespace, obs-text and HTAB in values.
        (
            "GET / HTTP/1.1\r\nHost: a\r\nX-E:\r\nX-F: \t v v \t\r\nX-O: caf\u{e9}\r\n\r\n",
            "GET / HTTP/1.1 none keep-alive",
        ),
        // Host forms.
        ("GET / HTTP/1.1\r\nHost:\r\n\r\n", "GET / HTTP/1.1 none keep-alive"),
        ("GET / HTTP/1.1\r\nHost:a:8080\r\n\r\n", "GET / HTTP/1.1 none keep-alive"),
        ("GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", "GET / HTTP/1.1 none keep-alive"),
        ("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "GET / HTTP/1.1 none keep-alive"),
        ("GET / HTTP/1.1\r\nhOsT: a\r\n\r\n", "GET / HTTP/1.1 none keep-alive"),
        // Every tchar in a name; every visible byte class in a target.
        (
            "GET /a!$&'()*+,;=:@-._~%20?x/y HTTP/1.1\r\nHost: a\r\n!#$%&'*+-.^_`|~09azAZ: v\r\n\r\n",
            "GET /a!$&'()*+,;=:@-._~%20 HTTP/1.1 none keep-alive",
        ),
    ];
    for &(input, want) in cases {
        check(input, Want::Ok(want));
    }
}

#[test]
fn request_line_errors() {
    let cases: &[(&str, Error)] = &[
        ("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", Error::InvalidMethod),
        (" GET / HTTP/1.1\r\nHost: a\r\n\r\n", Error::InvalidMethod),
        ("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", Error::InvalidMethod),
        ("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", Error::InvalidTarget),
        ("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", Error::InvalidVersion),
        ("GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", Error::InvalidTarget),
        ("GET /caf\u{e9} HTTP/1.1\r\nHost: a\r\n\r\n", Error::InvalidTarget),
        ("GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n", Error::InvalidTarget),
        ("GET /\r\n\r\n", Error::InvalidTarget),
        ("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", Error::InvalidVersion),
        ("GET / http/1.1\r\nHost: a\r\n\r\n", Error::InvalidVersion),
        ("GET / HTTP/1.x\r\nHost: a\r\n\r\n", Error::InvalidVersion),
        ("GET / HTTP/11\r\nHost: a\r\n\r\n", Error::InvalidVersion),
        ("GET / HTTP/1.10\r\nHost: a\r\n\r\n", Error::InvalidVersion),
        ("GET / FOO\r\nHost: a\r\n\r\n", Error::InvalidVersion),
        ("GET / HTTP/1.1\nHost: a\r\n\r\n", Error::BareLf),
        ("GET / HTTP/1.1\rHost: a\r\n\r\n", Error::BareCr),
        ("\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", Error::BareLf),
        ("\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", Error::BareCr),
        ("\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", Error::InvalidMethod),
        ("GET / HTTP/2.0\r\nHost: a\r\n\r\n", Error::UnsupportedVersion),
        ("GET / HTTP/0.9\r\nHost: a\r\n\r\n", Error::UnsupportedVersion),
        ("GET / HTTP/1.2\r\nHost: a\r\n\r\n", Error::UnsupportedVersion),
        // Target forms that do not go with the method.
        ("GET * HTTP/1.1\r\nHost: a\r\n\r\n", Error::InvalidTarget),
        ("GET a.example:443 HTTP/1.1\r\nHost: a\r\n\r\n", Error::InvalidTarget),
        ("CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n", Error::InvalidTarget),
        ("GET ftp://a/ HTTP/1.1\r\nHost: a\r\n\r\n", Error::InvalidTarget),
        ("GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n", Error::InvalidTarget),
        ("GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n", Error::InvalidTarget),
    ];
    for &(input, want) in cases {
        check(input, Want::Err(want));
    }
}

#[test]
fn header_errors() {
    let cases: &[(&str, Error)] = &[
        ("GET / HTTP/1.1\r\nHost : a\r\n\r\n", Error::WhitespaceBeforeColon),
        ("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", Error::WhitespaceBeforeColon),
        ("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n folded\r\n\r\n", Error::ObsFold),
        ("GET / HTTP/1.1\r\n Host: a\r\n\r\n", Error::ObsFold),
        ("GET / HTTP/1.1\r\n\tHost: a\r\n\r\n", Error::ObsFold),
        ("GET / HTTP/1.1\r\nHost: a\r\n: empty\r\n\r\n", Error::InvalidHeaderName),
        ("GET / HTTP/1.1\r\nHost: a\r\nX(: 1\r\n\r\n", Error::InvalidHeaderName),
        ("GET / HTTP/1.1\r\nHost: a\r\nX\u{e9}: 1\r\n\r\n", Error::InvalidHeaderName),
        ("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", Error::InvalidHeaderName),
        ("GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", Error::InvalidHeaderValue),
        ("GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fb\r\n\r\n", Error::InvalidHeaderValue),
        ("GET / HTTP/1.1\r\nHost: a\r\nX: a\x1bb\r\n\r\n", Error::InvalidHeaderValue),
        ("GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", Error::BareCr),
        ("GET / HTTP/1.1\r\nHost: a\r\nX: a\nb\r\n\r\n", Error::BareLf),
        ("GET / HTTP/1.1\r\nHost: a\n\r\n", Error::BareLf),
        ("GET / HTTP/1.1\r\nHost: a\r\n\n", Error::BareLf),
        ("GET / HTTP/1.1\r\nHost: a\r\n\rX", Error::BareCr),
    ];
    for &(input, want) in cases {
        check(input, Want::Err(want));
    }
}

#[test]
fn host_rules() {
    let cases: &[(&str, Error)] = &[
        ("GET / HTTP/1.1\r\n\r\n", Error::InvalidHost),
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", Error::InvalidHost),
        ("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", Error::InvalidHost),
        ("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", Error::InvalidHost),
        ("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", Error::InvalidHost),
        ("GET / HTTP/1.1\r\nHost: user@a\r\n\r\n", Error::InvalidHost),
        ("GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n", Error::InvalidHost),
        ("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", Error::InvalidHost),
        ("GET / HTTP/1.1\r\nHost: []\r\n\r\n", Error::InvalidHost),
    ];
    for &(input, want) in cases {
        check(input, Want::Err(want));
    }
}

#[test]
fn framing_rules() {
    let cases: &[(&str, Error)] = &[
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
            Error::ContentLengthAndTransferEncoding,
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
            Error::ContentLengthAndTransferEncoding,
        ),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", Error::InvalidContentLength),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", Error::InvalidContentLength),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n", Error::InvalidContentLength),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", Error::InvalidContentLength),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\n", Error::InvalidContentLength),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n", Error::InvalidContentLength),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5 5\r\n\r\n", Error::InvalidContentLength),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", Error::InvalidContentLength),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 18446744073709551616\r\n\r\n", Error::InvalidContentLength),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", Error::InvalidContentLength),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 16777217\r\n\r\n", Error::BodyTooLarge),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", Error::ChunkedNotLast),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n",
            Error::ChunkedNotLast,
        ),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", Error::ChunkedNotLast),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n", Error::ChunkedNotLast),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", Error::UnsupportedTransferCoding),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", Error::UnsupportedTransferCoding),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: foo\r\n\r\n", Error::UnsupportedTransferCoding),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \"x\"\r\n\r\n", Error::InvalidHeaderValue),
        ("POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n", Error::UnsupportedExpectation),
    ];
    for &(input, want) in cases {
        check(input, Want::Err(want));
    }
}

#[test]
fn limits() {
    let limits = Limits { max_request_line: 32, max_headers: 3, max_header_bytes: 64, ..Limits::default() };
    let long_target = format!("GET /{} HTTP/1.1\r\n{H}\r\n", "a".repeat(40));
    check_with(&long_target, Want::Err(Error::UriTooLong), &limits);
    // Refused before the line ends: a peer cannot make us buffer past the limit.
    let mut head = Head::new(&limits);
    assert_eq!(head.parse(format!("GET /{}", "a".repeat(40)).as_bytes(), &limits).err(), Some(Error::UriTooLong));
    let exact = format!("GET /{} HTTP/1.1", "a".repeat(18));
    assert_eq!(exact.len(), 32);
    check_with(&format!("{exact}\r\n{H}\r\n"), Want::Ok("GET /aaaaaaaaaaaaaaaaaa HTTP/1.1 none keep-alive"), &limits);

    let three = format!("GET / HTTP/1.1\r\n{H}A: 1\r\nB: 2\r\n\r\n");
    check_with(&three, Want::Ok("GET / HTTP/1.1 none keep-alive"), &limits);
    let four = format!("GET / HTTP/1.1\r\n{H}A: 1\r\nB: 2\r\nC: 3\r\n\r\n");
    check_with(&four, Want::Err(Error::TooManyHeaders), &limits);

    let big = format!("GET / HTTP/1.1\r\n{H}A: {}\r\n\r\n", "v".repeat(60));
    check_with(&big, Want::Err(Error::HeadersTooLarge), &limits);
    assert_eq!(
        Head::new(&limits).parse(format!("GET / HTTP/1.1\r\nA: {}", "v".repeat(70)).as_bytes(), &limits).err(),
        Some(Error::HeadersTooLarge)
    );
    // The defaults: 100 fields, a request line of 8 KiB.
    let many = format!("GET / HTTP/1.1\r\n{H}{}\r\n", "X: 1\r\n".repeat(100));
    check(&many, Want::Err(Error::TooManyHeaders));
    let url = format!("GET /?p={} HTTP/1.1\r\n{H}\r\n", "y".repeat(7975));
    assert_eq!(parse(url.as_bytes(), &Limits::default()), Want::Ok("GET / HTTP/1.1 none keep-alive"));
}

#[test]
fn partial_input() {
    for input in
        ["", "G", "GET", "GET /", "GET / HTTP/1.", "GET / HTTP/1.1\r", "GET / HTTP/1.1\r\nHost: a\r\n", "\r\n", "\r"]
    {
        assert_eq!(parse(input.as_bytes(), &Limits::default()), Want::Partial, "{input:?}");
    }
}

#[test]
fn views() {
    let input = b"POST http://a.example/p/q?x=1&y HTTP/1.1\r\nHost: a.example\r\nContent-Type: text/plain\r\n\
        X-Custom:  v1 \r\nx-custom: v2\r\nContent-Length: 3\r\n\r\nabc";
    let limits = Limits::default();
    let mut head = Head::new(&limits);
    let Status::Complete(req) = head.parse(input, &limits).unwrap() else { panic!("partial") };
    assert_eq!(req.method(), Method::Post);
    assert_eq!(req.target(), "http://a.example/p/q?x=1&y");
    assert_eq!(req.target_form(), TargetForm::Absolute);
    assert_eq!(req.path(), "/p/q");
    assert_eq!(req.query(), Some("x=1&y"));
    assert_eq!(req.host(), Some("a.example"));
    assert_eq!(req.content_type(), Some(&b"text/plain"[..]));
    assert_eq!(req.header("x-CUSTOM"), Some(&b"v1"[..]));
    assert_eq!(req.header("content-type"), Some(&b"text/plain"[..]));
    assert_eq!(req.header("missing"), None);
    assert_eq!(req.known(KnownHeader::ContentLength), Some(&b"3"[..]));
    assert_eq!(req.known(KnownHeader::Cookie), None);
    assert_eq!(req.header_count(), 5);
    let names: Vec<&str> = req.headers().map(|h| h.name).collect();
    assert_eq!(names, ["Host", "Content-Type", "X-Custom", "x-custom", "Content-Length"]);
    assert_eq!(req.content_length(), Some(3));
    assert_eq!(&input[req.len()..], b"abc");
    assert!(format!("{req:?}").contains("X-Custom"));
}

#[test]
fn absolute_form_host_is_the_targets() {
    // RFC 9112 section 3.2.2: with an absolute-form target, the Host field is ignored.
    let limits = Limits::default();
    let mut head = Head::new(&limits);
    let input = b"GET http://target.example:8080/admin HTTP/1.1\r\nHost: other.example\r\n\r\n";
    let Status::Complete(req) = head.parse(input, &limits).unwrap() else { panic!() };
    assert_eq!(req.host(), Some("target.example:8080"));
    assert_eq!(req.header("host"), Some(&b"other.example"[..]));
    let input = b"CONNECT a.example:443 HTTP/1.1\r\nHost: b.example\r\n\r\n";
    let Status::Complete(req) = head.parse(input, &limits).unwrap() else { panic!() };
    assert_eq!(req.host(), Some("a.example:443"));
}

#[test]
fn huge_limits_do_not_overflow() {
    let limits = Limits {
        max_request_line: usize::MAX,
        max_header_bytes: usize::MAX,
        max_headers: usize::MAX,
        max_body: u64::MAX,
        max_chunk_line: usize::MAX,
        max_trailer_bytes: usize::MAX,
    };
    check_with("GET /a HTTP/1.1\r\nHost: a\r\n\r\n", Want::Ok("GET /a HTTP/1.1 none keep-alive"), &limits);
    let mut conn = crate::h1::Conn::new(limits.clone());
    let mut head = Head::new(&Limits::default());
    assert!(matches!(conn.poll_head(b"GET /aaaa", &mut head), Ok(Status::Partial)));
}

#[test]
fn known_headers_are_recognised_in_any_case() {
    for &k in &[
        KnownHeader::Host,
        KnownHeader::ContentLength,
        KnownHeader::TransferEncoding,
        KnownHeader::Connection,
        KnownHeader::Expect,
        KnownHeader::ContentType,
        KnownHeader::AcceptEncoding,
        KnownHeader::IfModifiedSince,
        KnownHeader::Te,
        KnownHeader::Traceparent,
    ] {
        let name = k.as_str();
        assert_eq!(KnownHeader::from_name(name.as_bytes()), Some(k));
        assert_eq!(KnownHeader::from_name(name.to_ascii_uppercase().as_bytes()), Some(k));
        let mut near = name.as_bytes().to_vec();
        near[0] ^= 1;
        assert_eq!(KnownHeader::from_name(&near), None, "{name}");
    }
    assert_eq!(KnownHeader::from_name(b"x-host"), None);
    assert_eq!(KnownHeader::from_name(b""), None);
}

#[test]
fn head_is_reusable_without_allocating_new_storage() {
    let limits = Limits::default();
    let mut head = Head::new(&limits);
    let cap = head.fields.len();
    for _ in 0..3 {
        let Status::Complete(req) = head.parse(b"GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\n\r\n", &limits).unwrap() else {
            panic!()
        };
        assert_eq!(req.header_count(), 2);
        let Status::Complete(req) = head.parse(b"GET / HTTP/1.1\r\nHost: b\r\n\r\n", &limits).unwrap() else {
            panic!()
        };
        assert_eq!(req.header_count(), 1);
        assert_eq!(req.header("a"), None);
        assert_eq!(req.host(), Some("b"));
    }
    assert_eq!(head.fields.len(), cap);
}

/// Where `needle` is in `hay`, as a range (the test's stand-in for another parser's spans).
fn at(hay: &[u8], needle: &str) -> Range<usize> {
    let i = hay.windows(needle.len()).position(|w| w == needle.as_bytes()).unwrap();
    i..i + needle.len()
}

#[test]
fn an_assembled_head_reads_like_a_parsed_one() {
    // The parts as another parser leaves them: anywhere in the buffer, some names absent.
    let buf = b"\0\0/users/7?x=1&y\0example.org:8080\0X-Trace\0abc\0curl/8\0";
    let mut head = Head::default();
    let fields = [
        (FieldName::Static("Host"), at(buf, "example.org:8080")),
        (FieldName::At(at(buf, "X-Trace")), at(buf, "abc")),
        (FieldName::Static("User-Agent"), at(buf, "curl/8")),
    ];
    let limits = Limits::default();
    let line =
        RequestLine { method: MethodName::Static("GET"), version: Version::Http11, target: at(buf, "/users/7?x=1&y") };
    head.assemble(buf, line, fields, Framing::None, &limits).unwrap();
    let req = head.view(buf);
    assert_eq!((req.method(), req.method_str()), (Method::Get, "GET"));
    assert_eq!((req.target(), req.path(), req.query()), ("/users/7?x=1&y", "/users/7", Some("x=1&y")));
    assert_eq!(req.target_form(), TargetForm::Origin);
    assert_eq!(req.host(), Some("example.org:8080"));
    assert_eq!(req.known(KnownHeader::UserAgent), Some(&b"curl/8"[..]));
    assert_eq!(req.header("x-trace"), Some(&b"abc"[..]));
    assert_eq!(req.header("user-agent"), Some(&b"curl/8"[..]));
    let names: Vec<_> = req.headers().map(|h| (h.name, h.value)).collect();
    assert_eq!(names, [("Host", &b"example.org:8080"[..]), ("X-Trace", b"abc"), ("User-Agent", b"curl/8")]);

    // Reused for a second request: nothing of the first stays.
    let buf2 = b"PURGE /a HTTP/1.1";
    let line = RequestLine { method: MethodName::At(0..5), version: Version::Http10, target: 6..8 };
    head.assemble(buf2, line, [], Framing::Length(3), &limits).unwrap();
    let req = head.view(buf2);
    assert_eq!((req.method(), req.method_str(), req.path(), req.query()), (Method::Other, "PURGE", "/a", None));
    assert_eq!((req.header_count(), req.header("host"), req.framing()), (0, None, Framing::Length(3)));
    assert!(!req.is_keep_alive());

    // A method the codec does not know, named by the other parser.
    let line = RequestLine { method: MethodName::Static("PROPFIND"), version: Version::Http11, target: 6..8 };
    head.assemble(buf2, line, [], Framing::None, &limits).unwrap();
    let req = head.view(buf2);
    assert_eq!((req.method(), req.method_str()), (Method::Other, "PROPFIND"));
}

#[test]
fn an_assembled_head_refuses_parts_a_parser_would() {
    let buf = b"/a#frag\0/ok\0Bad Name\0v\0\xff/x";
    let limits = Limits::default();
    let mut head = Head::default();
    let mut build = |target: Range<usize>, fields: Vec<(FieldName, Range<usize>)>| {
        let line = RequestLine { method: MethodName::Static("GET"), version: Version::Http11, target };
        head.assemble(buf, line, fields, Framing::None, &limits)
    };
    assert_eq!(build(at(buf, "/a#frag"), vec![]), Err(Error::InvalidTarget));
    assert_eq!(build(0..buf.len() + 1, vec![]), Err(Error::InvalidTarget));
    assert_eq!(build(buf.len() - 3..buf.len(), vec![]), Err(Error::InvalidTarget));
    assert_eq!(
        build(at(buf, "/ok"), vec![(FieldName::At(at(buf, "Bad Name")), at(buf, "v"))]),
        Err(Error::InvalidHeaderName)
    );
    assert_eq!(build(at(buf, "/ok"), vec![(FieldName::Static(""), at(buf, "v"))]), Err(Error::InvalidHeaderName));
    assert_eq!(build(at(buf, "/ok"), vec![(FieldName::Static("A"), 5..500)]), Err(Error::InvalidHeaderValue));
    let many = vec![(FieldName::Static("X-A"), at(buf, "v")); max_headers(&limits) + 1];
    assert_eq!(build(at(buf, "/ok"), many), Err(Error::TooManyHeaders));
    let mut head = Head::default();
    let line =
        RequestLine { method: MethodName::At(at(buf, "Bad Name")), version: Version::Http11, target: at(buf, "/ok") };
    let bad_method = head.assemble(buf, line, [], Framing::None, &limits);
    assert_eq!(bad_method, Err(Error::InvalidMethod));
}
