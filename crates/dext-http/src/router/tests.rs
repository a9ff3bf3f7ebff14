//! Unit tests: table-driven through [`check`], plus randomized tests against a naive reference matcher.

use std::borrow::Cow;

use super::*;
use crate::Method::{self, Delete, Get, Head, Options, Other, Patch, Post, Put};

/// The expected answer of one lookup.
#[derive(Debug)]
enum Want<'a> {
    /// The value (`"METHOD pattern"`, as built by [`build`]) and the captured `(name, raw value)` pairs.
    Found(&'a str, &'a [(&'a str, &'a str)]),
    /// The `Allow` header value.
    NotAllowed(&'a str),
    /// The redirect target.
    Redirect(&'a str),
    NotFound,
}

use Want::{Found, NotAllowed, NotFound, Redirect};

/// A router whose value for each route is `"METHOD pattern"`, so a hit tells both which route and which
/// method's value answered.
fn build(policy: TrailingSlash, routes: &[(Method, &str)]) -> Router<String> {
    let mut router = Router::with_trailing_slash(policy);
    for &(method, pattern) in routes {
        let value = format!("{} {pattern}", method.as_str());
        if let Err(e) = router.insert(method, pattern, value) {
            panic!("insert {} {pattern}: {e}", method.as_str());
        }
    }
    router
}

/// Asserts that `router.at(method, path)` answers `want`.
fn check(router: &Router<String>, method: Method, path: &str, want: &Want<'_>) {
    let got = router.at(method, path);
    let case = format!("{} {path:?}: got {got:?}, want {want:?}", method.as_str());
    match (got, want) {
        (Lookup::Found(m), Found(value, params)) => {
            assert_eq!(m.value, value, "{case}");
            let got: Vec<(&str, &str)> = m.params.iter().map(|(n, v)| (n, v.raw())).collect();
            assert_eq!(got, *params, "{case}");
            assert_eq!(m.params.len(), params.len(), "{case}");
            assert_eq!(m.params.is_empty(), params.is_empty(), "{case}");
            for &(name, value) in *params {
                assert_eq!(m.params.get(name).map(|p| p.raw()), Some(value), "{case}");
            }
            assert_eq!(m.params.get("no-such-param"), None, "{case}");
            // The value string starts with the method; the rest is the pattern `Match` reports.
            assert_eq!(Some(m.pattern), value.split_once(' ').map(|(_, p)| p), "{case}");
        }
        (Lookup::MethodNotAllowed(allow), NotAllowed(header)) => {
            assert_eq!(allow.to_string(), *header, "{case}");
            let mut out = Vec::new();
            allow.write_to(&mut out);
            assert_eq!(out, header.as_bytes(), "{case}");
            assert_eq!(allow.header_len(), header.len(), "{case}");
            let listed: Vec<&str> = allow.iter().map(Method::as_str).collect();
            assert_eq!(listed.join(", "), *header, "{case}");
            for m in Method::ALL {
                assert_eq!(allow.contains(m), listed.contains(&m.as_str()), "{case}");
            }
        }
        (Lookup::Redirect(to), Redirect(target)) => {
            assert_eq!(to.to_string(), *target, "{case}");
            let mut out = Vec::new();
            to.write_to(&mut out);
            assert_eq!(out, target.as_bytes(), "{case}");
            assert_eq!(to.target_len(), target.len(), "{case}");
        }
        (Lookup::NotFound, NotFound) => {}
        _ => panic!("{case}"),
    }
}

/// Builds a router from `routes` and runs every case of the table against it.
fn table(policy: TrailingSlash, routes: &[(Method, &str)], cases: &[(Method, &str, Want<'_>)]) {
    let router = build(policy, routes);
    for (method, path, want) in cases {
        check(&router, *method, path, want);
    }
}

const STRICT: TrailingSlash = TrailingSlash::Strict;

#[test]
fn statics() {
    let routes = [
        (Get, "/"),
        (Get, "/about"),
        (Get, "/about/team"),
        (Get, "/abacus"),
        (Get, "/contact"),
        (Post, "/contact"),
        (Get, "/a/b/c"),
        (Get, "/v1/items:batchGet"),
        (Get, "/x*y"),
    ];
    table(
        STRICT,
        &routes,
        &[
            (Get, "/", Found("GET /", &[])),
            (Get, "/about", Found("GET /about", &[])),
            (Get, "/about/team", Found("GET /about/team", &[])),
            (Get, "/abacus", Found("GET /abacus", &[])),
            (Get, "/contact", Found("GET /contact", &[])),
            (Post, "/contact", Found("POST /contact", &[])),
            (Get, "/a/b/c", Found("GET /a/b/c", &[])),
            // `:` and `*` inside a segment are literal bytes.
            (Get, "/v1/items:batchGet", Found("GET /v1/items:batchGet", &[])),
            (Get, "/x*y", Found("GET /x*y", &[])),
            (Get, "/xzy", NotFound),
            (Get, "/abou", NotFound),
            (Get, "/aboutx", NotFound),
            (Get, "/about/teams", NotFound),
            (Get, "/about/tea", NotFound),
            (Get, "/a/b", NotFound),
            (Get, "/ABOUT", NotFound),
            (Get, "", NotFound),
            (Get, "about", NotFound),
            (Get, "*", NotFound),
        ],
    );
}

#[test]
fn params() {
    let routes = [
        (Get, "/users/:id"),
        (Get, "/users/:id/posts/:post"),
        (Get, "/:lang/docs"),
        (Get, "/repos/:owner/:repo/issues/:number"),
        (Get, "/ends/:x/"),
    ];
    table(
        STRICT,
        &routes,
        &[
            (Get, "/users/42", Found("GET /users/:id", &[("id", "42")])),
            (Get, "/users/a.b-c~d", Found("GET /users/:id", &[("id", "a.b-c~d")])),
            (Get, "/users/42/posts/7", Found("GET /users/:id/posts/:post", &[("id", "42"), ("post", "7")])),
            (Get, "/en/docs", Found("GET /:lang/docs", &[("lang", "en")])),
            (
                Get,
                "/repos/rust-lang/rust/issues/123",
                Found(
                    "GET /repos/:owner/:repo/issues/:number",
                    &[("owner", "rust-lang"), ("repo", "rust"), ("number", "123")],
                ),
            ),
            (Get, "/ends/1/", Found("GET /ends/:x/", &[("x", "1")])),
            (Get, "/ends/1", NotFound),
            // A parameter never matches an empty segment nor crosses a `/`.
            (Get, "/users/", NotFound),
            (Get, "/users//posts/7", NotFound),
            (Get, "/users/42/posts/", NotFound),
            (Get, "/users/42/posts", NotFound),
            (Get, "/users/42/", NotFound),
            (Get, "/en/docs/x", NotFound),
            (Get, "/repos/a/b/issues", NotFound),
        ],
    );
}

#[test]
fn catch_all() {
    let routes = [(Get, "/files/*path"), (Get, "/files/special"), (Get, "/*all"), (Get, "/s/:id/*rest")];
    table(
        STRICT,
        &routes,
        &[
            (Get, "/files/", Found("GET /files/*path", &[("path", "")])),
            (Get, "/files/a", Found("GET /files/*path", &[("path", "a")])),
            (Get, "/files/a/b/c.txt", Found("GET /files/*path", &[("path", "a/b/c.txt")])),
            (Get, "/files//x", Found("GET /files/*path", &[("path", "/x")])),
            (Get, "/files/special", Found("GET /files/special", &[])),
            (Get, "/files/special/x", Found("GET /files/*path", &[("path", "special/x")])),
            (Get, "/files/specia", Found("GET /files/*path", &[("path", "specia")])),
            // `/files` lacks the `/` before the catch-all, so the root catch-all takes it.
            (Get, "/files", Found("GET /*all", &[("all", "files")])),
            (Get, "/", Found("GET /*all", &[("all", "")])),
            (Get, "/anything/else/", Found("GET /*all", &[("all", "anything/else/")])),
            (Get, "/s/1/", Found("GET /s/:id/*rest", &[("id", "1"), ("rest", "")])),
            (Get, "/s/1/a/b", Found("GET /s/:id/*rest", &[("id", "1"), ("rest", "a/b")])),
            (Get, "/s/1", Found("GET /*all", &[("all", "s/1")])),
            (Get, "", NotFound),
        ],
    );
}

#[test]
fn priority_and_backtracking() {
    let routes = [
        (Get, "/users/new"),
        (Get, "/users/new/settings"),
        (Get, "/users/:id"),
        (Get, "/users/:id/posts"),
        (Get, "/users/*rest"),
        (Get, "/s/a/b/c"),
        (Get, "/s/a/:y/e"),
        (Get, "/s/:x/b/d"),
        (Get, "/t/ab"),
        (Get, "/t/:p"),
        (Get, "/u/x/:a/y"),
        (Get, "/u/:b/z/y"),
        (Get, "/u/:b/*rest"),
    ];
    table(
        STRICT,
        &routes,
        &[
            (Get, "/users/new", Found("GET /users/new", &[])),
            (Get, "/users/new/settings", Found("GET /users/new/settings", &[])),
            (Get, "/users/42", Found("GET /users/:id", &[("id", "42")])),
            (Get, "/users/ne", Found("GET /users/:id", &[("id", "ne")])),
            (Get, "/users/newer", Found("GET /users/:id", &[("id", "newer")])),
            // The static `new` branch dead-ends; the parameter takes `new`.
            (Get, "/users/new/posts", Found("GET /users/:id/posts", &[("id", "new")])),
            (Get, "/users/42/posts", Found("GET /users/:id/posts", &[("id", "42")])),
            // Both the static and the parameter branches dead-end; the catch-all takes the rest.
            (Get, "/users/new/other", Found("GET /users/*rest", &[("rest", "new/other")])),
            (Get, "/users/42/x", Found("GET /users/*rest", &[("rest", "42/x")])),
            (Get, "/users/", Found("GET /users/*rest", &[("rest", "")])),
            (Get, "/users//", Found("GET /users/*rest", &[("rest", "/")])),
            // Backtracking two levels: `/s/a/b/` dead-ends at `c`, then `/s/a/:y/` at `e`, then `/s/:x/`.
            (Get, "/s/a/b/c", Found("GET /s/a/b/c", &[])),
            (Get, "/s/a/b/e", Found("GET /s/a/:y/e", &[("y", "b")])),
            (Get, "/s/a/b/d", Found("GET /s/:x/b/d", &[("x", "a")])),
            (Get, "/s/a/q/d", NotFound),
            (Get, "/t/ab", Found("GET /t/ab", &[])),
            (Get, "/t/abc", Found("GET /t/:p", &[("p", "abc")])),
            (Get, "/t/a", Found("GET /t/:p", &[("p", "a")])),
            // Captures of an abandoned branch must not leak into the answer.
            (Get, "/u/x/q/y", Found("GET /u/x/:a/y", &[("a", "q")])),
            (Get, "/u/x/z/y", Found("GET /u/x/:a/y", &[("a", "z")])),
            (Get, "/u/x/q/w", Found("GET /u/:b/*rest", &[("b", "x"), ("rest", "q/w")])),
            (Get, "/u/w/z/y", Found("GET /u/:b/z/y", &[("b", "w")])),
        ],
    );
}

#[test]
fn method_not_allowed() {
    let routes = [
        (Get, "/r"),
        (Post, "/r"),
        (Delete, "/r"),
        (Put, "/only-put"),
        (Options, "/opts"),
        (Patch, "/opts"),
        (Post, "/users/new"),
        (Get, "/users/:id"),
        (Put, "/f/*rest"),
    ];
    table(
        STRICT,
        &routes,
        &[
            (Patch, "/r", NotAllowed("GET, HEAD, POST, DELETE")),
            (Put, "/r", NotAllowed("GET, HEAD, POST, DELETE")),
            (Other, "/r", NotAllowed("GET, HEAD, POST, DELETE")),
            (Get, "/only-put", NotAllowed("PUT")),
            (Head, "/only-put", NotAllowed("PUT")),
            (Get, "/opts", NotAllowed("OPTIONS, PATCH")),
            (Options, "/opts", Found("OPTIONS /opts", &[])),
            // The search is method-aware: the static route has no GET, so the parameter route answers.
            (Get, "/users/new", Found("GET /users/:id", &[("id", "new")])),
            (Post, "/users/new", Found("POST /users/new", &[])),
            // Nothing serves DELETE: Allow lists the methods of every route that matched.
            (Delete, "/users/new", NotAllowed("GET, HEAD, POST")),
            (Delete, "/users/42", NotAllowed("GET, HEAD")),
            (Get, "/f/", NotAllowed("PUT")),
            (Get, "/f/a/b", NotAllowed("PUT")),
            (Get, "/nope", NotFound),
            (Other, "/nope", NotFound),
        ],
    );
}

#[test]
fn head_falls_back_to_get() {
    let routes = [(Get, "/h"), (Get, "/h2"), (Head, "/h2"), (Head, "/only-head"), (Get, "/p/:id")];
    table(
        STRICT,
        &routes,
        &[
            (Head, "/h", Found("GET /h", &[])),
            (Head, "/h2", Found("HEAD /h2", &[])),
            (Get, "/h2", Found("GET /h2", &[])),
            (Head, "/only-head", Found("HEAD /only-head", &[])),
            (Get, "/only-head", NotAllowed("HEAD")),
            (Head, "/p/9", Found("GET /p/:id", &[("id", "9")])),
            (Post, "/h", NotAllowed("GET, HEAD")),
        ],
    );
}

/// Routes shared by the three trailing-slash policy tests.
const SLASH_ROUTES: [(Method, &str); 9] = [
    (Get, "/"),
    (Get, "/a"),
    (Get, "/b/"),
    (Get, "/p/:id"),
    (Get, "/q/:id/"),
    (Get, "/f/*rest"),
    (Post, "/post-only"),
    (Get, "/x"),
    (Post, "/x/"),
];

#[test]
fn trailing_slash_strict() {
    table(
        STRICT,
        &SLASH_ROUTES,
        &[
            (Get, "/", Found("GET /", &[])),
            (Get, "/a", Found("GET /a", &[])),
            (Get, "/a/", NotFound),
            (Get, "/b", NotFound),
            (Get, "/b/", Found("GET /b/", &[])),
            (Get, "/p/1/", NotFound),
            (Get, "/q/1", NotFound),
            (Get, "/f", NotFound),
            (Get, "/post-only/", NotFound),
        ],
    );
}

#[test]
fn trailing_slash_redirect() {
    assert_eq!(Router::<()>::new().trailing_slash(), TrailingSlash::Redirect, "the default policy");
    table(
        TrailingSlash::Redirect,
        &SLASH_ROUTES,
        &[
            (Get, "/", Found("GET /", &[])),
            (Get, "/a", Found("GET /a", &[])),
            (Get, "/a/", Redirect("/a")),
            (Get, "/b", Redirect("/b/")),
            (Get, "/b/", Found("GET /b/", &[])),
            (Get, "/p/1/", Redirect("/p/1")),
            (Get, "/q/1", Redirect("/q/1/")),
            (Get, "/f", Redirect("/f/")),
            (Get, "/f/a/", Found("GET /f/*rest", &[("rest", "a/")])),
            // Any method counts: the redirect target may then answer 405.
            (Get, "/post-only/", Redirect("/post-only")),
            (Delete, "/a/", Redirect("/a")),
            // A 405 on the path itself wins over a redirect to a route that has the method.
            (Post, "/x", NotAllowed("GET, HEAD")),
            (Get, "/x/", NotAllowed("POST")),
            (Get, "/c/", NotFound),
            (Get, "/c", NotFound),
            (Get, "/a//", NotFound),
            (Get, "//", Redirect("/")),
            (Get, "", NotFound),
        ],
    );
    // `/` is never redirected, even when `//` exists.
    table(TrailingSlash::Redirect, &[(Get, "//")], &[(Get, "/", NotFound), (Get, "//", Found("GET //", &[]))]);
}

#[test]
fn trailing_slash_ignore() {
    table(
        TrailingSlash::Ignore,
        &SLASH_ROUTES,
        &[
            (Get, "/", Found("GET /", &[])),
            (Get, "/a", Found("GET /a", &[])),
            (Get, "/a/", Found("GET /a", &[])),
            (Get, "/b", Found("GET /b/", &[])),
            (Get, "/p/1/", Found("GET /p/:id", &[("id", "1")])),
            (Get, "/q/1", Found("GET /q/:id/", &[("id", "1")])),
            (Get, "/f", Found("GET /f/*rest", &[("rest", "")])),
            (Post, "/a/", NotAllowed("GET, HEAD")),
            (Get, "/post-only/", NotAllowed("POST")),
            (Post, "/x", NotAllowed("GET, HEAD")),
            (Get, "/c/", NotFound),
            (Get, "/a//", NotFound),
        ],
    );
}

#[test]
fn root_route() {
    table(
        TrailingSlash::Redirect,
        &[(Get, "/")],
        &[
            (Get, "/", Found("GET /", &[])),
            (Head, "/", Found("GET /", &[])),
            (Get, "/x", NotFound),
            (Get, "//", Redirect("/")),
        ],
    );
    table(STRICT, &[(Get, "/:p")], &[(Get, "/", NotFound), (Get, "/x", Found("GET /:p", &[("p", "x")]))]);
    // An empty router answers everything with NotFound.
    table(TrailingSlash::Ignore, &[], &[(Get, "/", NotFound), (Get, "/a/", NotFound), (Get, "", NotFound)]);
}

#[test]
fn empty_segments() {
    let routes = [(Get, "//"), (Get, "/a//b"), (Get, "/p/:x"), (Get, "/p/:x/q"), (Get, "/c/*rest")];
    table(
        STRICT,
        &routes,
        &[
            (Get, "//", Found("GET //", &[])),
            (Get, "/a//b", Found("GET /a//b", &[])),
            (Get, "/a/b", NotFound),
            (Get, "/p//", NotFound),
            (Get, "/p//q", NotFound),
            (Get, "/p/x//q", NotFound),
            (Get, "/c//", Found("GET /c/*rest", &[("rest", "/")])),
            (Get, "/c///x//", Found("GET /c/*rest", &[("rest", "//x//")])),
        ],
    );
}

#[test]
fn unicode_statics() {
    // `é` is C3 A9 and `è` C3 A8: the shared first byte forces a split inside a character.
    let routes = [(Get, "/café/menü"), (Get, "/é"), (Get, "/è"), (Get, "/日本/:city"), (Get, "/日本/東京")];
    table(
        STRICT,
        &routes,
        &[
            (Get, "/café/menü", Found("GET /café/menü", &[])),
            (Get, "/é", Found("GET /é", &[])),
            (Get, "/è", Found("GET /è", &[])),
            (Get, "/ê", NotFound),
            (Get, "/日本/大阪", Found("GET /日本/:city", &[("city", "大阪")])),
            (Get, "/日本/東京", Found("GET /日本/東京", &[])),
            (Get, "/日本/東", Found("GET /日本/:city", &[("city", "東")])),
            (Get, "/cafe/menu", NotFound),
        ],
    );
}

#[test]
fn eight_params() {
    let routes = [(Get, "/:a/:b/:c/:d/:e/:f/:g/:h"), (Get, "/x/:a/:b/:c/:d/:e/:f/:g/*h")];
    let eight = [("a", "1"), ("b", "2"), ("c", "3"), ("d", "4"), ("e", "5"), ("f", "6"), ("g", "7"), ("h", "8")];
    let with_rest = [("a", "1"), ("b", "2"), ("c", "3"), ("d", "4"), ("e", "5"), ("f", "6"), ("g", "7"), ("h", "8/9")];
    table(
        STRICT,
        &routes,
        &[
            (Get, "/1/2/3/4/5/6/7/8", Found("GET /:a/:b/:c/:d/:e/:f/:g/:h", &eight)),
            (Get, "/x/1/2/3/4/5/6/7/8/9", Found("GET /x/:a/:b/:c/:d/:e/:f/:g/*h", &with_rest)),
            (Get, "/1/2/3/4/5/6/7", NotFound),
            (Get, "/1/2/3/4/5/6/7/8/9", NotFound),
        ],
    );
    let router = build(STRICT, &routes);
    let Lookup::Found(m) = router.at(Get, "/1/2/3/4/5/6/7/8") else { panic!("no match") };
    assert_eq!(m.params.iter().len(), 8);
    assert_eq!(m.params.iter().next_back().map(|(n, v)| (n, v.raw())), Some(("h", "8")));
    assert_eq!(
        format!("{:?}", m.params),
        r#"{"a": "1", "b": "2", "c": "3", "d": "4", "e": "5", "f": "6", "g": "7", "h": "8"}"#
    );
    let by_ref: Vec<&str> = (&m.params).into_iter().map(|(n, _)| n).collect();
    assert_eq!(by_ref.concat(), "abcdefgh");
}

#[test]
fn insert_errors() {
    let mut router = build(STRICT, &[(Get, "/u/:id"), (Get, "/f/*path"), (Get, "/a")]);
    let nine = "/:a/:b/:c/:d/:e/:f/:g/:h/:i";
    let cases: &[(Method, &str, InsertError)] = &[
        (Get, "users", InsertError::MissingLeadingSlash),
        (Get, "", InsertError::MissingLeadingSlash),
        (Get, ":id", InsertError::MissingLeadingSlash),
        (Get, "/a", InsertError::Duplicate { method: Get }),
        (Get, "/u/:id", InsertError::Duplicate { method: Get }),
        (Get, "/u/:name", InsertError::ParamNameConflict { existing: "id".into(), new: "name".into() }),
        (Post, "/u/:name/x", InsertError::ParamNameConflict { existing: "id".into(), new: "name".into() }),
        (Get, "/f/*rest", InsertError::ParamNameConflict { existing: "path".into(), new: "rest".into() }),
        (Get, "/f/*path/x", InsertError::CatchAllNotLast),
        (Get, "/*a/", InsertError::CatchAllNotLast),
        (Get, "/u/:", InsertError::EmptyParamName),
        (Get, "/u/:/x", InsertError::EmptyParamName),
        (Get, "/u/*", InsertError::EmptyParamName),
        (Get, "/d/:x/:x", InsertError::DuplicateParamName { name: "x".into() }),
        (Get, "/d/:x/*x", InsertError::DuplicateParamName { name: "x".into() }),
        (Other, "/new", InsertError::OtherMethod),
        (Get, nine, InsertError::TooManyParams),
    ];
    for (method, path, want) in cases {
        let got = router.insert(*method, path, "refused".into());
        assert_eq!(got.as_ref(), Err(want), "{} {path:?}", method.as_str());
        let message = want.to_string();
        assert!(!message.is_empty());
        let _: &dyn std::error::Error = want;
    }
    // The conflict is detected whichever route came first.
    let mut other = build(STRICT, &[(Get, "/u/:name/x")]);
    assert_eq!(
        other.insert(Get, "/u/:id", String::new()),
        Err(InsertError::ParamNameConflict { existing: "name".into(), new: "id".into() })
    );

    // Failed inserts left nothing behind.
    assert_eq!(router.len(), 3);
    for (method, path, _) in cases {
        assert!(!matches!(router.at(*method, path), Lookup::Found(m) if m.value == "refused"), "{path}");
    }
    check(&router, Get, "/u/1", &Found("GET /u/:id", &[("id", "1")]));
    check(&router, Get, "/u/1/x", &NotFound);
    check(&router, Post, "/u/1", &NotAllowed("GET, HEAD"));
    check(&router, Get, "/new", &NotFound);
    check(&router, Get, "/f/a/b", &Found("GET /f/*path", &[("path", "a/b")]));

    // Not errors: another method on the same pattern, a parameter beside a catch-all, eight parameters.
    router.insert(Post, "/u/:id", "POST /u/:id".into()).unwrap();
    router.insert(Get, "/u/*rest", "GET /u/*rest".into()).unwrap();
    router.insert(Get, "/f/:name", "GET /f/:name".into()).unwrap();
    router.insert(Get, "/:a/:b/:c/:d/:e/:f/:g/:h", "8".into()).unwrap();
    assert_eq!(router.len(), 6);
    check(&router, Post, "/u/1", &Found("POST /u/:id", &[("id", "1")]));
    check(&router, Get, "/u/1/x", &Found("GET /u/*rest", &[("rest", "1/x")]));
    check(&router, Get, "/f/a", &Found("GET /f/:name", &[("name", "a")]));
}

/// The single parameter of `/p/:v` for the path `/p/{raw}`.
fn param_of<'p>(router: &Router<()>, path: &'p str) -> Param<'p> {
    match router.at(Get, path) {
        Lookup::Found(m) => m.params.get("v").expect("route has :v"),
        other => panic!("{path}: {other:?}"),
    }
}

#[test]
fn percent_decoding() {
    let mut router = Router::new();
    router.insert(Get, "/p/:v", ()).unwrap();
    type Want = Result<&'static str, DecodeError>;
    let cases: &[(&str, Want)] = &[
        ("/p/plain", Ok("plain")),
        ("/p/caf%C3%A9", Ok("café")),
        ("/p/caf%c3%a9", Ok("café")),
        ("/p/a%2Fb", Ok("a/b")),
        ("/p/a%2fb%20c", Ok("a/b c")),
        ("/p/a+b", Ok("a+b")),
        ("/p/%25", Ok("%")),
        ("/p/%2525", Ok("%25")),
        ("/p/%zz", Err(DecodeError::InvalidEscape { at: 0 })),
        ("/p/ab%4g", Err(DecodeError::InvalidEscape { at: 2 })),
        ("/p/ab%", Err(DecodeError::InvalidEscape { at: 2 })),
        ("/p/ab%4", Err(DecodeError::InvalidEscape { at: 2 })),
        ("/p/%41%", Err(DecodeError::InvalidEscape { at: 3 })),
        ("/p/%FF", Err(DecodeError::InvalidUtf8)),
        ("/p/%C3", Err(DecodeError::InvalidUtf8)),
        ("/p/%C3%28", Err(DecodeError::InvalidUtf8)),
    ];
    for (path, want) in cases {
        let param = param_of(&router, path);
        assert_eq!(param.raw(), &path[3..]);
        assert_eq!(param.to_string(), &path[3..]);
        // A buffer as long as the raw value is always enough.
        let mut buf = vec![0; param.raw().len()];
        assert_eq!(param.decode_into(&mut buf), *want, "{path}: decode_into");
        let decoded = param.decoded();
        assert_eq!(decoded.as_deref().map_err(|e| *e), *want, "{path}: decoded");
        if let Ok(text) = want {
            assert_eq!(param.decoded_len(), Ok(text.len()));
            // Borrowed exactly when there is nothing to decode.
            assert_eq!(matches!(decoded, Ok(Cow::Borrowed(_))), !path.contains('%'), "{path}");
        }
    }

    // Buffer sizes: exact fits, one short fails with the needed size; escape errors win over size.
    let param = param_of(&router, "/p/caf%C3%A9");
    let mut exact = [0u8; 5];
    assert_eq!(param.decode_into(&mut exact), Ok("café"));
    let mut short = [0u8; 4];
    assert_eq!(param.decode_into(&mut short), Err(DecodeError::BufferTooSmall { needed: 5 }));
    assert_eq!(param.decode_into(&mut []), Err(DecodeError::BufferTooSmall { needed: 5 }));
    let plain = param_of(&router, "/p/plain");
    assert_eq!(plain.decode_into(&mut short), Err(DecodeError::BufferTooSmall { needed: 5 }));
    let bad_late = param_of(&router, "/p/abcdef%zz");
    assert_eq!(bad_late.decode_into(&mut short), Err(DecodeError::InvalidEscape { at: 6 }));
    for e in [DecodeError::InvalidEscape { at: 1 }, DecodeError::InvalidUtf8, DecodeError::BufferTooSmall { needed: 2 }]
    {
        let _: &dyn std::error::Error = &e;
        assert!(!e.to_string().is_empty());
    }
}

#[test]
fn allow_and_redirect_api() {
    let allow: Allow = [Post, Get, Other].into_iter().collect();
    assert_eq!(allow.to_string(), "GET, POST");
    assert!(allow.contains(Get) && allow.contains(Post) && !allow.contains(Head) && !allow.contains(Other));
    assert_eq!(allow.with_implied_head().to_string(), "GET, HEAD, POST");
    assert_eq!(allow.len(), 2);
    assert_eq!(format!("{allow:?}"), "{Get, Post}");
    assert!(Allow::EMPTY.is_empty() && Allow::default().is_empty());
    assert_eq!(Allow::EMPTY.to_string(), "");
    assert_eq!(Allow::EMPTY.header_len(), 0);
    let all: Allow = Method::ALL.into_iter().collect();
    assert_eq!(all.into_iter().collect::<Vec<_>>(), Method::ALL);
    assert_eq!(all.to_string(), "GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH");
    assert_eq!(all.header_len(), all.to_string().len());

    // Writing into a Vec with enough capacity keeps its buffer (no reallocation).
    let mut out = Vec::with_capacity(all.header_len() + 8);
    let before = (out.as_ptr(), out.capacity());
    all.write_to(&mut out);
    RedirectTo { path: "/a", add_slash: true }.write_to(&mut out);
    assert_eq!((out.as_ptr(), out.capacity()), before);
    assert!(out.ends_with(b"PATCH/a/"));
    assert_eq!(RedirectTo { path: "/a", add_slash: false }.to_string(), "/a");
}

#[test]
fn lookups_are_copy_and_match_reports_pattern() {
    let router = build(STRICT, &[(Get, "/repos/:owner/:repo")]);
    let lookup = router.at(Get, "/repos/a/b");
    let copy = lookup;
    match (lookup, copy) {
        (Lookup::Found(a), Lookup::Found(b)) => {
            assert_eq!(a.pattern, "/repos/:owner/:repo");
            assert_eq!(a.params, b.params);
        }
        other => panic!("{other:?}"),
    }
}

/// xorshift64*: a tiny deterministic PRNG, so the randomized tests need no dependency and are reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

#[test]
fn random_static_routes_find_their_own_value() {
    // Short, overlapping pieces force many splits at every depth, inside segments and multi-byte characters.
    let pieces = ["a", "b", "ab", "ba", "abc", "é", "è", "x1", "-", ""];
    for seed in 1..=20u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut router = Router::with_trailing_slash(STRICT);
        let mut inserted: Vec<String> = Vec::new();
        for _ in 0..300 {
            let mut path = String::new();
            for _ in 0..1 + rng.below(4) {
                path.push('/');
                for _ in 0..rng.below(3) {
                    path.push_str(rng.pick(&pieces));
                }
            }
            match router.insert(Get, &path, inserted.len()) {
                Ok(()) => inserted.push(path),
                Err(InsertError::Duplicate { .. }) => assert!(inserted.contains(&path), "{path}"),
                Err(e) => panic!("{path}: {e}"),
            }
        }
        assert_eq!(router.len(), inserted.len());
        for (i, path) in inserted.iter().enumerate() {
            match router.at(Get, path) {
                Lookup::Found(m) => assert_eq!(*m.value, i, "seed {seed}: {path}"),
                other => panic!("seed {seed}: {path}: {other:?}"),
            }
        }
        // Random paths that were not inserted are not found.
        for _ in 0..300 {
            let mut path = String::new();
            for _ in 0..1 + rng.below(4) {
                path.push('/');
                path.push_str(rng.pick(&pieces));
            }
            let want = inserted.iter().position(|p| *p == path);
            match router.at(Get, &path) {
                Lookup::Found(m) => assert_eq!(Some(*m.value), want, "seed {seed}: {path}"),
                Lookup::NotFound => assert_eq!(want, None, "seed {seed}: {path}"),
                other => panic!("seed {seed}: {path}: {other:?}"),
            }
        }
    }
}

/// Matches `path` against `pattern` segment by segment, the slow and obvious way.
fn reference_match<'p>(pattern: &str, path: &'p str) -> Option<Vec<(String, &'p str)>> {
    let mut rest = path.strip_prefix('/')?;
    let segments: Vec<&str> = pattern[1..].split('/').collect();
    let mut captures = Vec::new();
    for (i, segment) in segments.iter().enumerate() {
        if let Some(name) = segment.strip_prefix('*') {
            captures.push((name.to_owned(), rest));
            return Some(captures);
        }
        let (piece, after) = match rest.find('/') {
            Some(j) => (&rest[..j], Some(&rest[j + 1..])),
            None => (rest, None),
        };
        if let Some(name) = segment.strip_prefix(':') {
            if piece.is_empty() {
                return None;
            }
            captures.push((name.to_owned(), piece));
        } else if piece != *segment {
            return None;
        }
        match (after, i + 1 == segments.len()) {
            (None, true) => return Some(captures),
            (Some(after), false) => rest = after,
            _ => return None,
        }
    }
    None
}

/// The priority key of a pattern: the router prefers, among matching routes, the smallest key (static bytes
/// before `:param` before `*catch-all` at the first difference, and a route ending at the end of the path
/// before a catch-all matching the empty rest).
fn priority_key(pattern: &str) -> Vec<(i32, u8)> {
    let mut key = Vec::new();
    for segment in pattern[1..].split('/') {
        key.push((0, b'/'));
        match segment.as_bytes().first() {
            Some(b':') => key.push((1, 0)),
            Some(b'*') => key.push((2, 0)),
            _ => key.extend(segment.bytes().map(|b| (0, b))),
        }
    }
    key.push((-1, 0));
    key
}

#[test]
fn random_wildcard_routes_agree_with_reference() {
    // Names depend on the segment index only, so two routes never name the same position differently.
    let statics = ["a", "b", "ab", ""];
    let path_pieces = ["a", "b", "ab", "ba", "x", ""];
    let methods = [Get, Post, Head];
    // Outcome counts [found with params, found without, 405, 404], to prove the test exercises them all.
    let mut seen = [0usize; 4];
    for seed in 1..=40u64 {
        let mut rng = Rng(seed.wrapping_mul(0xD1B5_4A32_D192_ED03));
        let mut router = Router::with_trailing_slash(STRICT);
        // (pattern, method) in insertion order.
        let mut routes: Vec<(String, Method)> = Vec::new();
        for _ in 0..2 + rng.below(25) {
            let segments = 1 + rng.below(4);
            let mut pattern = String::new();
            for i in 0..segments {
                pattern.push('/');
                match rng.below(10) {
                    0..=5 => pattern.push_str(rng.pick(&statics)),
                    6..=8 => pattern.push_str(&format!(":p{i}")),
                    _ if i + 1 == segments => pattern.push_str("*rest"),
                    _ => pattern.push_str(&format!(":p{i}")),
                }
            }
            let method = methods[rng.below(2)];
            match router.insert(method, &pattern, routes.len()) {
                Ok(()) => routes.push((pattern, method)),
                Err(InsertError::Duplicate { .. }) => {}
                Err(e) => panic!("{pattern}: {e}"),
            }
        }
        for _ in 0..400 {
            let mut path = String::new();
            for _ in 0..1 + rng.below(5) {
                path.push('/');
                path.push_str(rng.pick(&path_pieces));
            }
            let method = methods[rng.below(3)];
            let serves = |m: Method| m == method || (method == Head && m == Get);
            let matching: Vec<(usize, Vec<(String, &str)>)> = routes
                .iter()
                .enumerate()
                .filter_map(|(i, (pattern, _))| reference_match(pattern, &path).map(|c| (i, c)))
                .collect();
            // HEAD prefers an explicit HEAD value on the same pattern; otherwise the best route that serves
            // the method wins.
            let best = matching
                .iter()
                .filter(|(i, _)| serves(routes[*i].1))
                .min_by_key(|(i, _)| (priority_key(&routes[*i].0), routes[*i].1 != method));
            let context = format!("seed {seed}: {} {path} over {routes:?}", method.as_str());
            match (router.at(method, &path), best) {
                (Lookup::Found(m), Some((i, captures))) => {
                    assert_eq!(*m.value, *i, "{context}");
                    let got: Vec<(String, &str)> = m.params.iter().map(|(n, v)| (n.to_owned(), v.raw())).collect();
                    assert_eq!(&got, captures, "{context}");
                    seen[usize::from(captures.is_empty())] += 1;
                }
                (Lookup::MethodNotAllowed(allow), None) => {
                    assert!(!matching.is_empty(), "{context}");
                    let want: Allow = matching.iter().map(|(i, _)| routes[*i].1).collect();
                    assert_eq!(allow, want.with_implied_head(), "{context}");
                    seen[2] += 1;
                }
                (Lookup::NotFound, None) => {
                    assert!(matching.is_empty(), "{context}");
                    seen[3] += 1;
                }
                (got, _) => panic!("{context}: got {got:?}, want {best:?}"),
            }
        }
    }
    assert!(seen.iter().all(|&n| n >= 200), "too few of some outcome: {seen:?}");
}

#[test]
fn byte_helpers_agree_with_naive_versions() {
    use super::tree::{same_bytes, segment_end};
    // `.` (0x2E) right after `/` is where the inexact zero-byte trick would report a false hit; 0x00, 0x01,
    // 0x80 and 0xAF (`/` with the high bit set) probe the other edges of the bit tricks.
    let alphabet = [b'/', b'a', b'.', 0x00, 0x01, 0x80, 0xAF, 0xFF];
    let mut rng = Rng(0x5EED);
    for _ in 0..5_000 {
        let len = rng.below(40);
        let bytes: Vec<u8> = (0..len).map(|_| alphabet[rng.below(alphabet.len())]).collect();
        for from in 0..=len {
            let naive = bytes[from..].iter().position(|&b| b == b'/').map_or(len, |i| from + i);
            assert_eq!(segment_end(&bytes, from), naive, "{bytes:?} from {from}");
        }
        let mut other = bytes.clone();
        if len > 0 && rng.below(2) == 0 {
            let at = rng.below(len);
            other[at] = alphabet[rng.below(alphabet.len())];
        }
        assert_eq!(same_bytes(&bytes, &other), bytes == other, "{bytes:?} vs {other:?}");
        assert!(!same_bytes(&bytes, &other[..len.saturating_sub(1)]) || len == 0);
    }
}

#[test]
fn random_garbage_never_panics_and_statics_stay_reachable() {
    // Arbitrary route text (wildcards anywhere, empty names, `%`, multi-byte characters) under all policies:
    // inserting and looking up never panic, and every accepted static route is found with its own value.
    let alphabet = ["/", "/", "/", ":", "*", "a", "b", "%", "%2F", "é", "."];
    let methods = [Get, Head, Post];
    for seed in 1..=30u64 {
        let mut rng = Rng(seed.wrapping_mul(0xA076_1D64_78BD_642F));
        let policy = [STRICT, TrailingSlash::Redirect, TrailingSlash::Ignore][rng.below(3)];
        let mut router = Router::with_trailing_slash(policy);
        let mut accepted = Vec::new();
        for i in 0..60 {
            let text: String = (0..rng.below(12)).map(|_| rng.pick(&alphabet)).collect();
            let method = methods[rng.below(methods.len())];
            if router.insert(method, &text, i).is_ok() {
                accepted.push((method, text, i));
            }
        }
        for (method, route, i) in &accepted {
            let is_static = route.split('/').all(|s| !s.starts_with(':') && !s.starts_with('*'));
            if is_static {
                match router.at(*method, route) {
                    Lookup::Found(m) => assert_eq!((*m.value, m.pattern), (*i, route.as_str()), "seed {seed}"),
                    other => panic!("seed {seed}: {route:?}: {other:?}"),
                }
            }
        }
        for _ in 0..200 {
            let path: String = (0..rng.below(12)).map(|_| rng.pick(&alphabet)).collect();
            for method in [Get, Head, Post, Other] {
                match router.at(method, &path) {
                    Lookup::Found(m) => {
                        assert!(accepted.iter().any(|(_, r, i)| r == m.pattern && i == m.value), "seed {seed}");
                        let captured: usize = m.params.iter().map(|(_, v)| v.raw().len()).sum();
                        assert!(captured <= path.len());
                        for (_, value) in m.params.iter() {
                            let _ = value.decoded();
                            let _ = value.decode_into(&mut [0u8; 4]);
                        }
                    }
                    Lookup::Redirect(to) => assert!(to.target_len() <= path.len() + 1),
                    Lookup::MethodNotAllowed(allow) => assert!(!allow.is_empty()),
                    Lookup::NotFound => {}
                }
            }
        }
    }
}

#[test]
fn no_redirect_to_another_host() {
    // `/:slug` matches `/\evil.example`; a redirect to it or to `//evil.example/x` would
    // send a browser to another host. `//` → `/` stays: `/` is this host's root.
    let mut router = Router::new();
    router.insert(Method::Get, "/:slug", 1).unwrap();
    router.insert(Method::Get, "/:slug/:b", 2).unwrap();
    router.insert(Method::Get, "/", 3).unwrap();
    assert!(matches!(router.at(Method::Get, "/page/"), Lookup::Redirect(_)));
    assert!(matches!(router.at(Method::Get, "/\\evil.example/"), Lookup::NotFound));
    assert!(matches!(router.at(Method::Get, "//evil.example/x/"), Lookup::NotFound));
    let mut router = Router::new();
    router.insert(Method::Get, "/:slug/", 1).unwrap();
    assert!(matches!(router.at(Method::Get, "/\\evil.example"), Lookup::NotFound));
}
