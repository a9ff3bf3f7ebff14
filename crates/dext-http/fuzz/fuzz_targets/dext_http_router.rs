//! The router on arbitrary route tables and paths: inserting never panics, lookups never
//! panic, and every static route that was accepted is found by its own path.
#![no_main]

use dext_http::Method;
use dext_http::router::{Lookup, Router, TrailingSlash};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (routes, paths) = text.split_once("\n\n").unwrap_or((text, ""));
    let policy = match data.first().map(|b| b % 3) {
        Some(0) => TrailingSlash::Strict,
        Some(1) => TrailingSlash::Redirect,
        _ => TrailingSlash::Ignore,
    };
    let mut router = Router::with_trailing_slash(policy);
    let mut accepted = Vec::new();
    for (i, line) in routes.lines().enumerate() {
        let method = Method::ALL[line.len() % Method::ALL.len()];
        if router.insert(method, line, i).is_ok() {
            accepted.push((method, line, i));
        }
    }
    for &(method, route, i) in &accepted {
        if !route.contains([':', '*']) {
            match router.at(method, route) {
                Lookup::Found(m) => {
                    assert_eq!(*m.value, i, "static route {route:?} found another value");
                    assert_eq!(m.pattern, route);
                }
                other => panic!("static route {route:?} not found: {other:?}"),
            }
        }
    }
    for path in paths.lines() {
        for method in [Method::Get, Method::Head, Method::Post, Method::Other] {
            match router.at(method, path) {
                Lookup::Found(m) => {
                    assert!(accepted.iter().any(|&(_, r, i)| r == m.pattern && i == *m.value));
                    let captured: usize = m.params.iter().map(|(_, v)| v.raw().len()).sum();
                    assert!(captured <= path.len());
                    for (name, v) in m.params.iter() {
                        assert!(m.params.get(name).is_some());
                        let _ = v.decoded();
                        let mut buf = [0u8; 16];
                        let _ = v.decode_into(&mut buf);
                    }
                }
                Lookup::Redirect(to) => assert!(to.target_len() <= path.len() + 1),
                Lookup::MethodNotAllowed(_) | Lookup::NotFound => {}
            }
        }
    }
});
