//! Router lookups allocate nothing: every kind of answer, under every trailing-slash policy,
//! with parameters decoded into caller-owned buffers.

use crate::allocations_in;
use dext_http::Method;
use dext_http::router::{Lookup, Router, TrailingSlash};
use std::hint::black_box;

/// 50 GitHub-API-like route patterns (up to 3 parameters, a catch-all, static/param overlaps), some with
/// several methods.
const ROUTES: [(Method, &str); 50] = [
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

/// Every kind of answer: hits with 0 to 3 parameters and a catch-all, backtracking, HEAD fallback, 405,
/// trailing-slash redirects and misses.
const LOOKUPS: [(Method, &str); 16] = [
    (Method::Get, "/"),
    (Method::Get, "/user/repos"),
    (Method::Get, "/users/octocat"),
    (Method::Get, "/users/octocat/following/hubot"),
    (Method::Get, "/repos/rust-lang/rust"),
    (Method::Get, "/repos/rust-lang/rust/issues/12345"),
    (Method::Patch, "/repos/rust-lang/rust/issues/12345"),
    (Method::Get, "/repos/rust-lang/rust/releases/latest"),
    (Method::Get, "/repos/rust-lang/rust/releases/77"),
    (Method::Get, "/repos/rust-lang/rust/contents/src/lib.rs"),
    (Method::Head, "/gists/abc/star"),
    (Method::Post, "/gists/abc/star"),
    (Method::Get, "/gists/public/"),
    (Method::Get, "/user/repos/"),
    (Method::Get, "/nope/nothing"),
    (Method::Get, "/repos/a/b/unknown"),
];

#[test]
fn lookups_do_not_allocate() {
    for policy in [TrailingSlash::Strict, TrailingSlash::Redirect, TrailingSlash::Ignore] {
        let mut router = Router::with_trailing_slash(policy);
        for (i, &(method, path)) in ROUTES.iter().chain(&MORE_METHODS).enumerate() {
            router.insert(method, path, i).unwrap();
        }
        assert_eq!(router.len(), 50);

        // Make sure every kind of answer is exercised, so a zero count means something.
        let mut kinds = [0usize; 4];
        for &(method, path) in &LOOKUPS {
            let kind = match router.at(method, path) {
                Lookup::Found(_) => 0,
                Lookup::MethodNotAllowed(_) => 1,
                Lookup::Redirect(_) => 2,
                Lookup::NotFound => 3,
            };
            kinds[kind] += 1;
        }
        assert!(kinds[0] >= 10 && kinds[1] >= 1 && kinds[3] >= 1, "{policy:?}: {kinds:?}");
        assert_eq!(kinds[2] > 0, policy == TrailingSlash::Redirect, "{policy:?}: {kinds:?}");

        // Output buffers the caller owns, with room to spare.
        let mut header = Vec::with_capacity(256);
        let mut decode = [0u8; 64];
        let mut sum = 0usize;
        let count = allocations_in(|| {
            for i in 0..10_000 {
                let (method, path) = LOOKUPS[i % LOOKUPS.len()];
                header.clear();
                match router.at(black_box(method), black_box(path)) {
                    Lookup::Found(m) => {
                        sum += m.value + m.params.len();
                        for (name, value) in m.params.iter() {
                            sum += name.len() + value.decode_into(&mut decode).map_or(0, str::len);
                            sum += value.decoded().map_or(0, |v| v.len());
                        }
                    }
                    Lookup::MethodNotAllowed(allow) => allow.write_to(&mut header),
                    Lookup::Redirect(to) => to.write_to(&mut header),
                    Lookup::NotFound => sum += 1,
                }
                sum += header.len();
            }
        });
        black_box(sum);
        assert_eq!(count, 0, "{policy:?}: lookups allocated {count} times");
    }

    // The counter itself works.
    assert!(allocations_in(|| drop(black_box(vec![1u8; 16]))) >= 1);
}
