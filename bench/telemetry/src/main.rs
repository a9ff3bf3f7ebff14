//! ns per operation: dext-telemetry against its peers, in one process, rotating the order
//! of implementations every round.
//!
//!   dext-telemetry-bench rounds <threads> <rounds> <ops-per-thread>
//!
//! prints one line per (case, implementation, round): `case impl threads ns_per_op`.
//! Measuring threads are pinned: one thread to CPU 1, two threads to CPUs 0 and 1.
//! Background threads (dext's queue drainer, the OTel SDK's batch span processor) are not.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Instant;

mod peers;

/// One implementation of one case: runs its operation for each `i` in the range (the loop
/// is inside, so that the operation is inlined into it as in real code).
type Op = Arc<dyn Fn(std::ops::Range<u64>) + Send + Sync>;

/// An `Op` from the operation on `i`.
fn op(f: impl Fn(u64) + Send + Sync + 'static) -> Op {
    Arc::new(move |range| {
        for i in range {
            f(black_box(i));
        }
    })
}

fn pin(cpu: usize) {
    // SAFETY: plain libc calls on a zeroed, then filled, cpu_set_t owned by this frame.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

/// Runs `op` `ops` times on each of `threads` pinned threads at once; ns per op (the
/// slowest thread's).
fn measure(op: &Op, threads: usize, ops: u64) -> f64 {
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let op = op.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                pin(if threads == 1 { 1 } else { t % 2 });
                // Warm up: the thread's first record takes its shard or ring.
                op(0..1000);
                barrier.wait();
                let start = Instant::now();
                op(0..ops);
                start.elapsed().as_nanos() as f64 / ops as f64
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).fold(0.0, f64::max)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (threads, rounds, ops) = match &args[1..] {
        [cmd, t, r, n] if cmd == "rounds" => {
            (t.parse().unwrap(), r.parse::<usize>().unwrap(), n.parse::<u64>().unwrap())
        }
        _ => {
            eprintln!("usage: dext-telemetry-bench rounds <threads> <rounds> <ops-per-thread>");
            std::process::exit(2);
        }
    };
    let stop = Arc::new(AtomicBool::new(false));
    let drainer = peers::dext::start_drainer(stop.clone());
    let only = std::env::var("CASE").ok();
    let mut cases = peers::cases();
    cases.retain(|(c, _)| only.as_deref().is_none_or(|o| o == *c));
    if let Ok(which) = std::env::var("IMPL") {
        for (_, impls) in &mut cases {
            impls.retain(|(name, _)| *name == which);
        }
    }
    for round in 0..rounds {
        for (case, impls) in &cases {
            let n = impls.len();
            for k in 0..n {
                let (name, op) = &impls[(k + round) % n];
                // Let the previous implementation's background work (a batch exporter's
                // backlog) finish first.
                std::thread::sleep(std::time::Duration::from_millis(100));
                let before = peers::dext::dropped();
                let ns = measure(op, threads, ops);
                let dropped = peers::dext::dropped() - before;
                println!("{case} {name} {threads} {ns:.3}");
                if dropped > 0 {
                    eprintln!("note: {case} {name}: dext dropped {dropped} records (queue full)");
                }
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    drainer.join().unwrap();
}
