//! dext-json against serde_json, simd-json and sonic-rs, in several cases:
//!
//! - `validate`: read every byte and check it (dext-json's `validate`; serde_json and sonic-rs
//!   deserializing into `serde::de::IgnoredAny`; simd-json building its tape);
//! - `dom`: parse into each one's DOM (`Document`; `serde_json::Value`; `sonic_rs::Value`;
//!   simd-json's `BorrowedValue`);
//! - `dom-ser`: write a parsed DOM back (into a reused buffer);
//! - `typed`: deserialize canada, twitter or citm_catalog into the same `serde` structs
//!   (`models.rs`);
//! - `typed-ser`: serialize those structs.
//!
//! simd-json parses in place, so its parsing cases include a copy of the input into a reused
//! buffer. Speeds are MB/s of the input file's size.
//!
//! ```text
//! dext-json-bench rounds <case> <file> [passes per round] [rounds]   # interleaved, prints MB/s
//! dext-json-bench one <case> <dext|serde_json|simd-json|sonic-rs> <file> <passes>   # for callgrind
//! ```
//!
//! `rounds` times every implementation once per round, the order rotating from round to
//! round, and prints each one's median MB/s and the median of its per-round ratio to dext.

use std::hint::black_box;
use std::time::Instant;

mod models;

use serde::Serialize;
use serde::de::{DeserializeOwned, IgnoredAny};

use models::{Canada, Citm, Twitter};

const IMPLS: [&str; 4] = ["dext", "serde_json", "simd-json", "sonic-rs"];

/// What one implementation prepared for a case: its parsed DOM or struct, for the
/// serialization cases.
enum Prepared<'a> {
    None,
    Dext(dext_json::Document<'a>),
    SerdeJson(serde_json::Value),
    Sonic(sonic_rs::Value),
    Simd(simd_json::OwnedValue),
    Canada(Canada),
    Twitter(Twitter),
    Citm(Citm),
}

fn prepare<'a>(case: &str, which: &str, data: &'a [u8]) -> Prepared<'a> {
    match (case, which) {
        ("dom-ser", "dext") => Prepared::Dext(dext_json::Document::parse(data).unwrap()),
        ("dom-ser", "serde_json") => Prepared::SerdeJson(serde_json::from_slice(data).unwrap()),
        ("dom-ser", "sonic-rs") => Prepared::Sonic(sonic_rs::from_slice(data).unwrap()),
        ("dom-ser", "simd-json") => Prepared::Simd(simd_json::to_owned_value(&mut data.to_vec()).unwrap()),
        ("typed-ser", _) => match typed_kind(data) {
            0 => Prepared::Canada(serde_json::from_slice(data).unwrap()),
            1 => Prepared::Twitter(serde_json::from_slice(data).unwrap()),
            _ => Prepared::Citm(serde_json::from_slice(data).unwrap()),
        },
        _ => Prepared::None,
    }
}

/// One operation of `case` by `which`; returns a size, so that nothing is optimized away.
fn run(case: &str, which: &str, data: &[u8], prepared: &Prepared<'_>, scratch: &mut Vec<u8>) -> usize {
    match (case, which) {
        ("validate", "dext") => dext_json::validate(data).is_ok() as usize,
        ("validate", "serde_json") => serde_json::from_slice::<IgnoredAny>(data).is_ok() as usize,
        ("validate", "sonic-rs") => sonic_rs::from_slice::<IgnoredAny>(data).is_ok() as usize,
        ("validate", "simd-json") => {
            scratch.clear();
            scratch.extend_from_slice(data);
            simd_json::to_tape(scratch).is_ok() as usize
        }
        ("dom", "dext") => dext_json::Document::parse(data).unwrap().root().len(),
        ("dom", "serde_json") => serde_json::from_slice::<serde_json::Value>(data).unwrap().as_object().map_or(0, |o| o.len()),
        ("dom", "sonic-rs") => {
            use sonic_rs::JsonContainerTrait;
            sonic_rs::from_slice::<sonic_rs::Value>(data).unwrap().as_object().map_or(0, |o| o.len())
        }
        ("dom", "simd-json") => {
            scratch.clear();
            scratch.extend_from_slice(data);
            match simd_json::to_borrowed_value(scratch).unwrap() {
                simd_json::BorrowedValue::Object(o) => o.len(),
                _ => 0,
            }
        }
        ("typed", _) => match typed_kind(data) {
            0 => parse_typed::<Canada>(which, data, scratch).features.len(),
            1 => parse_typed::<Twitter>(which, data, scratch).statuses.len(),
            _ => parse_typed::<Citm>(which, data, scratch).performances.len(),
        },
        (_, _) => {
            scratch.clear();
            match prepared {
                Prepared::Dext(doc) => {
                    let mut w = dext_json::Writer::new(scratch);
                    doc.root().write(&mut w).unwrap();
                }
                Prepared::SerdeJson(v) => serde_json::to_writer(&mut *scratch, v).unwrap(),
                Prepared::Sonic(v) => sonic_rs::to_writer(&mut *scratch, v).unwrap(),
                Prepared::Simd(v) => simd_json::to_writer(&mut *scratch, v).unwrap(),
                Prepared::Canada(c) => serialize_typed(which, c, scratch),
                Prepared::Twitter(t) => serialize_typed(which, t, scratch),
                Prepared::Citm(c) => serialize_typed(which, c, scratch),
                Prepared::None => panic!("unknown case {case}"),
            }
            scratch.len()
        }
    }
}

/// Which typed model a file is: canada (0), twitter (1), citm_catalog (2), by its start.
fn typed_kind(data: &[u8]) -> u8 {
    let head = &data[..data.len().min(64)];
    let has = |s: &[u8]| head.windows(s.len()).any(|w| w == s);
    if has(b"FeatureCollection") {
        0
    } else if has(b"statuses") {
        1
    } else {
        2
    }
}

fn parse_typed<T: DeserializeOwned>(which: &str, data: &[u8], scratch: &mut Vec<u8>) -> T {
    match which {
        "dext" => dext_json::serde::from_slice(data).unwrap(),
        "serde_json" => serde_json::from_slice(data).unwrap(),
        "sonic-rs" => sonic_rs::from_slice(data).unwrap(),
        _ => {
            scratch.clear();
            scratch.extend_from_slice(data);
            simd_json::serde::from_slice(scratch).unwrap()
        }
    }
}

fn serialize_typed<T: Serialize>(which: &str, value: &T, scratch: &mut Vec<u8>) {
    match which {
        "dext" => {
            value.serialize(&mut dext_json::serde::Serializer::new(scratch)).unwrap();
        }
        "serde_json" => serde_json::to_writer(&mut *scratch, value).unwrap(),
        "sonic-rs" => sonic_rs::to_writer(&mut *scratch, value).unwrap(),
        _ => simd_json::serde::to_writer(&mut *scratch, value).unwrap(),
    }
}

/// MB/s of `passes` operations.
fn timed(case: &str, which: &str, data: &[u8], prepared: &Prepared<'_>, passes: usize, scratch: &mut Vec<u8>) -> f64 {
    let start = Instant::now();
    let mut sink = 0;
    for _ in 0..passes {
        sink += run(case, which, black_box(data), prepared, scratch);
    }
    black_box(sink);
    (data.len() * passes) as f64 / start.elapsed().as_secs_f64() / 1e6
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut scratch = Vec::new();
    match args.get(1).map(String::as_str) {
        Some("one") => {
            let (case, which) = (&args[2], &args[3]);
            let data = std::fs::read(&args[4]).unwrap();
            let passes: usize = args[5].parse().unwrap();
            let prepared = prepare(case, which, &data);
            for _ in 0..passes {
                black_box(run(case, which, black_box(&data), &prepared, &mut scratch));
            }
        }
        Some("rounds") => {
            let case = &args[2];
            let data = std::fs::read(&args[3]).unwrap();
            let passes: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(10);
            let rounds: usize = args.get(5).and_then(|s| s.parse().ok()).unwrap_or(9);
            let prepared: Vec<Prepared<'_>> = IMPLS.iter().map(|w| prepare(case, w, &data)).collect();
            for (i, which) in IMPLS.iter().enumerate() {
                timed(case, which, &data, &prepared[i], passes, &mut scratch); // warm-up
            }
            let mut mbs = vec![Vec::new(); IMPLS.len()];
            for r in 0..rounds {
                for k in 0..IMPLS.len() {
                    let i = (k + r) % IMPLS.len();
                    mbs[i].push(timed(case, IMPLS[i], &data, &prepared[i], passes, &mut scratch));
                }
            }
            let name = std::path::Path::new(&args[3]).file_name().unwrap().to_string_lossy().into_owned();
            for (i, which) in IMPLS.iter().enumerate() {
                let ratio = median((0..rounds).map(|r| mbs[i][r] / mbs[0][r]).collect());
                println!("{case} {name} {which} {:.1} {:.3}", median(mbs[i].clone()), ratio);
            }
        }
        _ => panic!("usage: see the module documentation"),
    }
}
