//! dext-http against its peers: in pairs of alternating rounds in one process for wall-clock
//! ratios, or one side per process for callgrind.
//!
//! ```text
//! dext-http-bench parse-te      <dext|httparse> [iterations]
//! dext-http-bench parse-browser <dext|httparse> [iterations]
//! dext-http-bench parse-minimal <dext|httparse> [iterations]   (fixed cost of a parse)
//! dext-http-bench parse-ten     <dext|httparse> [iterations]   (minimal + 10 short fields)
//! dext-http-bench route         <dext|matchit>  [passes over the 50 paths]
//! dext-http-bench pair <bench> [iterations per round] [pairs]
//! ```
//!
//! The single form prints `<bench> <impl> <ns per op>` (the median of 5 timed rounds). Under
//! callgrind, run two iteration counts and divide the difference in instructions by the
//! difference in operations.
//!
//! `pair` times dext and the peer in alternating short rounds in one process (A B, then B A,
//! ...), so that both sides of each pair run on the same machine state; on a shared, noisy
//! machine this is what makes a ratio repeatable. It prints `<bench> dext <ns> <peer> <ns>
//! <ratio>`: the median ns per op of each side and the median of the per-pair ratios (peer ns
//! over dext ns).

mod requests;
mod routes;

use dext_http::h1::{Head, Limits, Status};
use std::hint::black_box;
use std::time::Instant;

/// Runs `op` `iters` times per round, 5 rounds; returns the median ns per op.
fn time(iters: u64, ops_per_iter: u64, mut op: impl FnMut() -> usize) -> f64 {
    let mut rounds = Vec::new();
    let mut sink = 0usize;
    for _ in 0..5 {
        let start = Instant::now();
        for _ in 0..iters {
            sink = sink.wrapping_add(op());
        }
        rounds.push(start.elapsed().as_nanos() as f64 / (iters * ops_per_iter) as f64);
    }
    black_box(sink);
    rounds.sort_by(f64::total_cmp);
    rounds[2]
}

/// One timed round: ns per op over `iters` calls.
fn round(iters: u64, ops_per_iter: u64, op: &mut impl FnMut() -> usize) -> f64 {
    let mut sink = 0usize;
    let start = Instant::now();
    for _ in 0..iters {
        sink = sink.wrapping_add(op());
    }
    let ns = start.elapsed().as_nanos() as f64 / (iters * ops_per_iter) as f64;
    black_box(sink);
    ns
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Alternating rounds of `a` (dext) and `b` (the peer); see the module documentation.
fn pair(
    iters: u64,
    pairs: usize,
    ops_per_iter: u64,
    mut a: impl FnMut() -> usize,
    mut b: impl FnMut() -> usize,
) -> (f64, f64, f64) {
    // Warm-up: caches, branch predictors, CPU frequency.
    round(iters, ops_per_iter, &mut a);
    round(iters, ops_per_iter, &mut b);
    let (mut ta, mut tb, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..pairs {
        let (x, y) = if i % 2 == 0 {
            let x = round(iters, ops_per_iter, &mut a);
            (x, round(iters, ops_per_iter, &mut b))
        } else {
            let y = round(iters, ops_per_iter, &mut b);
            (round(iters, ops_per_iter, &mut a), y)
        };
        ta.push(x);
        tb.push(y);
        ratios.push(y / x);
    }
    (median(ta), median(tb), median(ratios))
}

fn dext_parser(req: &'static [u8]) -> impl FnMut() -> usize {
    let limits = Limits::default();
    let mut head = Head::new(&limits);
    move || match head.parse(black_box(req), &limits) {
        Ok(Status::Complete(r)) => r.len() + r.header_count(),
        other => panic!("dext: {other:?}"),
    }
}

fn httparse_parser(req: &'static [u8]) -> impl FnMut() -> usize {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    move || {
        let mut r = httparse::Request::new(&mut headers);
        match r.parse(black_box(req)) {
            Ok(httparse::Status::Complete(n)) => n + r.headers.len(),
            other => panic!("httparse: {other:?}"),
        }
    }
}

fn run_pair(bench: &str, iters: u64, pairs: usize) {
    let request = match bench {
        "parse-te" => Some(requests::TECHEMPOWER),
        "parse-browser" => Some(requests::BROWSER),
        "parse-minimal" => Some(requests::MINIMAL),
        "parse-short" => Some(requests::SHORT),
        "parse-ten" => Some(requests::TEN_FIELDS),
        _ => None,
    };
    let (peer, (a, b, ratio)) = match (bench, request) {
        (_, Some(req)) => ("httparse", pair(iters, pairs, 1, dext_parser(req), httparse_parser(req))),
        ("route", None) => {
            let (d, m) = (routes::dext_router(), routes::matchit_router());
            routes::check_agreement(&d, &m);
            let n = routes::PATHS.len() as u64;
            let dext = || routes::PATHS.iter().map(|&(me, p)| routes::dext_one(&d, black_box(me), black_box(p))).sum();
            let matchit =
                || routes::PATHS.iter().map(|&(me, p)| routes::matchit_one(&m, black_box(me), black_box(p))).sum();
            ("matchit", pair(iters, pairs, n, dext, matchit))
        }
        _ => panic!("unknown benchmark {bench}"),
    };
    println!("{bench} dext {a:.2} {peer} {b:.2} {ratio:.3}");
}

fn parse_dext(req: &'static [u8], iters: u64) -> f64 {
    let limits = Limits::default();
    let mut head = Head::new(&limits);
    time(iters, 1, || match head.parse(black_box(req), &limits) {
        Ok(Status::Complete(r)) => r.len() + r.header_count(),
        other => panic!("dext: {other:?}"),
    })
}

fn parse_httparse(req: &'static [u8], iters: u64) -> f64 {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    time(iters, 1, || {
        let mut r = httparse::Request::new(&mut headers);
        match r.parse(black_box(req)) {
            Ok(httparse::Status::Complete(n)) => n + r.headers.len(),
            other => panic!("httparse: {other:?}"),
        }
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("pair") {
        let bench = args.get(2).map_or("parse-te", String::as_str);
        let iters = args.get(3).map_or(200_000, |s| s.parse().expect("iterations"));
        let pairs = args.get(4).map_or(21, |s| s.parse().expect("pairs"));
        run_pair(bench, iters, pairs);
        return;
    }
    let bench = args.get(1).map_or("parse-te", String::as_str);
    let imp = args.get(2).map_or("dext", String::as_str);
    let iters: u64 = args.get(3).map_or(1_000_000, |s| s.parse().expect("iterations"));
    let ns = match (bench, imp) {
        ("parse-te", "dext") => parse_dext(requests::TECHEMPOWER, iters),
        ("parse-te", "httparse") => parse_httparse(requests::TECHEMPOWER, iters),
        ("parse-browser", "dext") => parse_dext(requests::BROWSER, iters),
        ("parse-browser", "httparse") => parse_httparse(requests::BROWSER, iters),
        ("parse-minimal", "dext") => parse_dext(requests::MINIMAL, iters),
        ("parse-short", "dext") => parse_dext(requests::SHORT, iters),
        ("parse-short", "httparse") => parse_httparse(requests::SHORT, iters),
        ("parse-minimal", "httparse") => parse_httparse(requests::MINIMAL, iters),
        ("parse-ten", "dext") => parse_dext(requests::TEN_FIELDS, iters),
        ("parse-ten", "httparse") => parse_httparse(requests::TEN_FIELDS, iters),
        ("route", "dext") => {
            let router = routes::dext_router();
            routes::check_agreement(&router, &routes::matchit_router());
            time(iters, routes::PATHS.len() as u64, || {
                routes::PATHS.iter().map(|&(m, p)| routes::dext_one(&router, black_box(m), black_box(p))).sum()
            })
        }
        ("route", "matchit") => {
            let router = routes::matchit_router();
            time(iters, routes::PATHS.len() as u64, || {
                routes::PATHS.iter().map(|&(m, p)| routes::matchit_one(&router, black_box(m), black_box(p))).sum()
            })
        }
        _ => panic!("unknown benchmark {bench} {imp}"),
    };
    println!("{bench} {imp} {ns:.2}");
}
