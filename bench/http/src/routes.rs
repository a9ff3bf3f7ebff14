//! The routing workload: 50 GitHub-API-like routes and 50 paths to look up (hits with 0 to 3
//! parameters and a catch-all, static/parameter overlaps, misses).
//!
//! matchit has no per-method values, so its value is a `[Option<usize>; 9]` indexed by method
//! after the path lookup (what a method router on top of it does), with HEAD falling back to
//! GET, as dext's router does.

use dext_http::Method;
use dext_http::router::{Lookup, Router};

/// 50 route patterns, dext syntax; `:x` becomes `{x}` and `*x` becomes `{*x}` for matchit.
pub const ROUTES: [(Method, &str); 50] = [
    (Method::Get, "/"),
    (Method::Get, "/user"),
    (Method::Get, "/user/repos"),
    (Method::Get, "/user/orgs"),
    (Method::Get, "/user/keys"),
    (Method::Get, "/user/keys/:id"),
    (Method::Get, "/users/:user"),
    (Method::Get, "/users/:user/repos"),
    (Method::Get, "/users/:user/orgs"),
    (Method::Get, "/users/:user/followers"),
    (Method::Get, "/users/:user/following/:target"),
    (Method::Get, "/orgs/:org"),
    (Method::Get, "/orgs/:org/repos"),
    (Method::Get, "/orgs/:org/members"),
    (Method::Get, "/orgs/:org/members/:user"),
    (Method::Get, "/orgs/:org/teams"),
    (Method::Get, "/teams/:id"),
    (Method::Get, "/teams/:id/members"),
    (Method::Get, "/repos/:owner/:repo"),
    (Method::Get, "/repos/:owner/:repo/issues"),
    (Method::Get, "/repos/:owner/:repo/issues/:number"),
    (Method::Get, "/repos/:owner/:repo/issues/:number/comments"),
    (Method::Get, "/repos/:owner/:repo/issues/comments/:id"),
    (Method::Get, "/repos/:owner/:repo/pulls"),
    (Method::Get, "/repos/:owner/:repo/pulls/:number"),
    (Method::Get, "/repos/:owner/:repo/pulls/:number/commits"),
    (Method::Get, "/repos/:owner/:repo/pulls/:number/files"),
    (Method::Get, "/repos/:owner/:repo/commits"),
    (Method::Get, "/repos/:owner/:repo/commits/:sha"),
    (Method::Get, "/repos/:owner/:repo/branches"),
    (Method::Get, "/repos/:owner/:repo/branches/:branch"),
    (Method::Get, "/repos/:owner/:repo/contents/*path"),
    (Method::Get, "/repos/:owner/:repo/releases"),
    (Method::Get, "/repos/:owner/:repo/releases/latest"),
    (Method::Get, "/repos/:owner/:repo/releases/:id"),
    (Method::Get, "/repos/:owner/:repo/tags"),
    (Method::Get, "/repos/:owner/:repo/hooks"),
    (Method::Get, "/repos/:owner/:repo/hooks/:id"),
    (Method::Get, "/gists"),
    (Method::Get, "/gists/public"),
    (Method::Get, "/gists/starred"),
    (Method::Get, "/gists/:id"),
    (Method::Get, "/gists/:id/star"),
    (Method::Get, "/search/repositories"),
    (Method::Get, "/search/code"),
    (Method::Get, "/search/issues"),
    (Method::Get, "/notifications"),
    (Method::Get, "/emojis"),
    (Method::Get, "/rate_limit"),
    (Method::Post, "/markdown"),
];

/// Extra methods on some of the patterns above.
const MORE_METHODS: [(Method, &str); 5] = [
    (Method::Post, "/repos/:owner/:repo/issues"),
    (Method::Patch, "/repos/:owner/:repo/issues/:number"),
    (Method::Delete, "/repos/:owner/:repo/hooks/:id"),
    (Method::Put, "/gists/:id/star"),
    (Method::Delete, "/gists/:id/star"),
];

/// The looked-up requests: hits with 0 to 3 parameters (and a catch-all), static/param overlaps, and misses.
pub const PATHS: [(Method, &str); 50] = [
    (Method::Get, "/"),
    (Method::Get, "/user"),
    (Method::Get, "/user/repos"),
    (Method::Get, "/user/keys"),
    (Method::Get, "/user/keys/42"),
    (Method::Get, "/users/octocat"),
    (Method::Get, "/users/octocat/repos"),
    (Method::Get, "/users/octocat/followers"),
    (Method::Get, "/users/octocat/following/hubot"),
    (Method::Get, "/orgs/rust-lang"),
    (Method::Get, "/orgs/rust-lang/repos"),
    (Method::Get, "/orgs/rust-lang/members/alice"),
    (Method::Get, "/teams/7"),
    (Method::Get, "/teams/7/members"),
    (Method::Get, "/repos/rust-lang/rust"),
    (Method::Get, "/repos/rust-lang/rust/issues"),
    (Method::Post, "/repos/rust-lang/rust/issues"),
    (Method::Get, "/repos/rust-lang/rust/issues/12345"),
    (Method::Patch, "/repos/rust-lang/rust/issues/12345"),
    (Method::Get, "/repos/rust-lang/rust/issues/12345/comments"),
    (Method::Get, "/repos/rust-lang/rust/issues/comments/987"),
    (Method::Get, "/repos/rust-lang/rust/pulls"),
    (Method::Get, "/repos/rust-lang/rust/pulls/100"),
    (Method::Get, "/repos/rust-lang/rust/pulls/100/commits"),
    (Method::Get, "/repos/rust-lang/rust/pulls/100/files"),
    (Method::Get, "/repos/rust-lang/rust/commits"),
    (Method::Get, "/repos/rust-lang/rust/commits/0123456789abcdef"),
    (Method::Get, "/repos/rust-lang/rust/branches/master"),
    (Method::Get, "/repos/rust-lang/rust/contents/src/lib.rs"),
    (Method::Get, "/repos/rust-lang/rust/releases"),
    (Method::Get, "/repos/rust-lang/rust/releases/latest"),
    (Method::Get, "/repos/rust-lang/rust/releases/77"),
    (Method::Get, "/repos/rust-lang/rust/tags"),
    (Method::Delete, "/repos/rust-lang/rust/hooks/5"),
    (Method::Get, "/gists"),
    (Method::Get, "/gists/public"),
    (Method::Get, "/gists/abc123"),
    (Method::Head, "/gists/abc123/star"),
    (Method::Put, "/gists/abc123/star"),
    (Method::Get, "/search/code"),
    (Method::Get, "/search/issues"),
    (Method::Get, "/notifications"),
    (Method::Get, "/rate_limit"),
    (Method::Post, "/markdown"),
    // Misses.
    (Method::Get, "/nope"),
    (Method::Get, "/users"),
    (Method::Get, "/repos/rust-lang"),
    (Method::Get, "/repos/rust-lang/rust/unknown"),
    (Method::Get, "/search/everything"),
    (Method::Get, "/gists/abc123/star/extra"),
];

/// The per-method values matchit stores, indexed by `Method as usize`.
pub type PerMethod = [Option<usize>; 9];

pub fn dext_router() -> Router<usize> {
    let mut router = Router::with_trailing_slash(dext_http::router::TrailingSlash::Strict);
    for (i, &(method, path)) in ROUTES.iter().chain(&MORE_METHODS).enumerate() {
        router.insert(method, path, i).unwrap();
    }
    router
}

pub fn matchit_syntax(path: &str) -> String {
    path.split('/')
        .map(|s| match s.as_bytes().first() {
            Some(b':') => format!("{{{}}}", &s[1..]),
            Some(b'*') => format!("{{*{}}}", &s[1..]),
            _ => s.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

pub fn matchit_router() -> matchit::Router<PerMethod> {
    let mut by_pattern: Vec<(String, PerMethod)> = Vec::new();
    for (i, &(method, path)) in ROUTES.iter().chain(&MORE_METHODS).enumerate() {
        let pattern = matchit_syntax(path);
        match by_pattern.iter_mut().find(|(p, _)| *p == pattern) {
            Some((_, values)) => values[method as usize] = Some(i),
            None => {
                let mut values = [None; 9];
                values[method as usize] = Some(i);
                by_pattern.push((pattern, values));
            }
        }
    }
    let mut router = matchit::Router::new();
    for (pattern, values) in by_pattern {
        router.insert(pattern, values).unwrap();
    }
    router
}

/// One dext lookup, folded into a number so that nothing is optimised away.
#[inline(always)]
pub fn dext_one(router: &Router<usize>, method: Method, path: &str) -> usize {
    match router.at(method, path) {
        Lookup::Found(m) => m.value + m.params.len(),
        Lookup::MethodNotAllowed(allow) => 1000 + allow.len(),
        Lookup::Redirect(_) => 2000,
        Lookup::NotFound => 3000,
    }
}

/// One matchit lookup plus the per-method dispatch, folded the same way.
#[inline(always)]
pub fn matchit_one(router: &matchit::Router<PerMethod>, method: Method, path: &str) -> usize {
    match router.at(path) {
        Ok(m) => {
            let values = m.value;
            let value = values.get(method as usize).copied().flatten().or(if method == Method::Head {
                values[Method::Get as usize]
            } else {
                None
            });
            match value {
                Some(v) => v + m.params.len(),
                None => 1000 + values.iter().filter(|v| v.is_some()).count(),
            }
        }
        Err(_) => 3000,
    }
}

/// Both routers must give the same answers, or the comparison means nothing.
pub fn check_agreement(dext: &Router<usize>, matchit: &matchit::Router<PerMethod>) {
    for &(method, path) in &PATHS {
        let (a, b) = (dext_one(dext, method, path), matchit_one(matchit, method, path));
        assert_eq!(a, b, "{} {path}: dext {a}, matchit {b}", method.as_str());
    }
}
