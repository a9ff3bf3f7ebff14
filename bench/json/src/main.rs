//! dext-json against serde_json, simd-json and sonic-rs: validation of a whole document (each
//! reads every byte and checks it; serde_json and sonic-rs deserialize into `IgnoredAny`,
//! simd-json builds its tape from a copy, as it parses in place).
//!
//! ```text
//! dext-json-bench rounds <file> [passes per round] [rounds]   # interleaved, prints MB/s
//! dext-json-bench one <dext|serde_json|simd-json|sonic-rs> <file> <passes>   # for callgrind
//! ```
//!
//! `rounds` times every implementation once per round, the order rotating from round to
//! round (A B C D, B C D A, ...), and prints each one's median MB/s and the median of its
//! per-round ratio to dext (peer MB/s over dext MB/s), so that all sides of a ratio ran on the
//! same machine state.

use std::hint::black_box;
use std::time::Instant;

use serde::de::IgnoredAny;

const IMPLS: [&str; 4] = ["dext", "serde_json", "simd-json", "sonic-rs"];

/// One validation of `data` by `which`; `scratch` is simd-json's copy of the input.
fn validate(which: &str, data: &[u8], scratch: &mut Vec<u8>) -> bool {
    match which {
        "dext" => dext_json::validate(data).is_ok(),
        "serde_json" => serde_json::from_slice::<IgnoredAny>(data).is_ok(),
        "sonic-rs" => sonic_rs::from_slice::<IgnoredAny>(data).is_ok(),
        "simd-json" => {
            scratch.clear();
            scratch.extend_from_slice(data);
            simd_json::to_tape(scratch).is_ok()
        }
        other => panic!("unknown implementation {other}"),
    }
}

/// MB/s of `passes` validations.
fn timed(which: &str, data: &[u8], passes: usize, scratch: &mut Vec<u8>) -> f64 {
    let start = Instant::now();
    for _ in 0..passes {
        assert!(validate(which, black_box(data), scratch), "{which} refused the document");
    }
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
            let data = std::fs::read(&args[3]).unwrap();
            let passes: usize = args[4].parse().unwrap();
            for _ in 0..passes {
                black_box(validate(&args[2], black_box(&data), &mut scratch));
            }
        }
        Some("rounds") => {
            let data = std::fs::read(&args[2]).unwrap();
            let passes: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(20);
            let rounds: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(11);
            for which in IMPLS {
                timed(which, &data, passes, &mut scratch); // warm-up
            }
            let mut mbs = vec![Vec::new(); IMPLS.len()];
            for r in 0..rounds {
                for k in 0..IMPLS.len() {
                    let i = (k + r) % IMPLS.len();
                    mbs[i].push(timed(IMPLS[i], &data, passes, &mut scratch));
                }
            }
            let name = std::path::Path::new(&args[2]).file_name().unwrap().to_string_lossy().into_owned();
            for (i, which) in IMPLS.iter().enumerate() {
                let ratio = median((0..rounds).map(|r| mbs[i][r] / mbs[0][r]).collect());
                println!("{name} {which} {:.1} {:.3}", median(mbs[i].clone()), ratio);
            }
        }
        _ => panic!("usage: see the module documentation"),
    }
}
