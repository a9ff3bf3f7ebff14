#!/usr/bin/env bash
# dext-telemetry against metrics (+ metrics-exporter-prometheus), prometheus-client, the
# opentelemetry SDK (bound instruments, batch span processor with a discarding exporter) and
# tracing (+ tracing-subscriber's registry with a discarding layer): ns per operation for a
# bound counter increment, a histogram record, a sampled span with 4 attributes (start and
# end), a disabled log call and an enabled log call to a discarding sink (and, as references
# with no target, one clock reading against std's `Instant::now`, and the enabled call to
# dext's real queue, `dext-queue`, in processes of its own), with 1 thread
# (pinned to CPU 1) and 2 threads (CPUs 0 and 1). Each process times every implementation
# in rotating order per round; ROUNDS processes per thread count, interleaved; medians over
# all rounds of all processes.
#
#   bench/telemetry/run.sh                 # 3 processes x 5 rounds per thread count
#   ROUNDS=1 OPS=1000000 bench/telemetry/run.sh
#
# Do not build or run anything else while this runs.
set -euo pipefail
cd "$(dirname "$0")"
cargo build --release --quiet
B=target/release/dext-telemetry-bench
ROUNDS=${ROUNDS:-3}
OPS=${OPS:-2000000}
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
for _ in $(seq "$ROUNDS"); do
    for threads in 1 2; do
        taskset -c 0,1 "$B" rounds "$threads" 5 "$OPS" >>"$OUT"
        # The enabled log call to the real queue (no target): a process has one log sink.
        CASE=log-enabled IMPL=dext-queue LOG_SINK=queue taskset -c 0,1 "$B" rounds "$threads" 5 "$OPS" >>"$OUT"
    done
done
python3 - "$OUT" <<'PY'
import sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    case, impl, threads, ns = line.split()
    rows[(case, int(threads), impl)].append(float(ns))
cases = []
for (case, t, impl) in rows:
    if (case, t) not in cases:
        cases.append((case, t))
print("| case | threads | " + " | ".join(["dext", "best peer", "dext speed-up"]) + " | all (ns/op, medians) |")
print("|---|---|---|---|---|---|")
for case, t in cases:
    med = {impl: statistics.median(v) for (c, tt, impl), v in rows.items() if c == case and tt == t}
    dext = med.get("dext")
    peers = {k: v for k, v in med.items() if not k.startswith("dext")}
    best = min(peers, key=peers.get)
    allv = ", ".join(f"{k} {v:.2f}" for k, v in sorted(med.items(), key=lambda kv: kv[1]))
    print(f"| {case} | {t} | {dext:.2f} | {best} {peers[best]:.2f} | {peers[best] / dext:.2f}x | {allv} |")
PY
