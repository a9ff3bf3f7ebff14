#!/usr/bin/env bash
# dext-http against httparse (request parsing) and matchit (routing), pinned to one CPU.
#
# Wall clock: each process times dext and the peer in alternating short rounds (A B, B A, ...;
# see `pair` in src/main.rs), so that both sides of a pair run on the same machine state, and
# reports the median of its per-pair ratios; ROUNDS processes per case, interleaved across the
# cases; the summary gives the medians over the processes. Then instructions per operation
# from callgrind (the difference between two iteration counts, so start-up is not counted).
#
#   bench/http/run.sh              # 7 rounds, then callgrind
#   ROUNDS=3 CALLGRIND=0 bench/http/run.sh
#
# Do not build or run anything else while this runs.
set -euo pipefail
cd "$(dirname "$0")"
cargo build --release --quiet
B=target/release/dext-http-bench
ROUNDS=${ROUNDS:-7}
PAIRS=${PAIRS:-11}
CPU=${CPU:-1}
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT

# <bench> <iterations per timed round>
rounds=("parse-te 200000" "parse-browser 50000" "route 2000")
for round in $(seq "$ROUNDS"); do
    for c in "${rounds[@]}"; do
        read -r bench iters <<<"$c"
        taskset -c "$CPU" $B pair "$bench" "$iters" "$PAIRS" >>"$OUT"
    done
done

echo "== wall clock: ns/op and speed-up (peer ns / dext ns), medians over $ROUNDS processes of $PAIRS pairs each"
python3 - "$OUT" <<'PY'
import sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    bench, _, dext, peer, peer_ns, ratio = line.split()
    rows[(bench, peer)].append((float(dext), float(peer_ns), float(ratio)))
for (bench, peer), runs in rows.items():
    dext = statistics.median(r[0] for r in runs)
    other = statistics.median(r[1] for r in runs)
    ratios = [r[2] for r in runs]
    print(f"{bench:14} dext {dext:8.2f}  {peer:8} {other:8.2f}  speed-up {statistics.median(ratios):.2f}x"
          f"  (per process {min(ratios):.2f}..{max(ratios):.2f})")
PY

cases=("parse-te dext httparse" "parse-browser dext httparse" "route dext matchit")
if [ "${CALLGRIND:-1}" = 1 ] && command -v valgrind >/dev/null; then
    echo "== callgrind: instructions per operation"
    count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$B" "$@" 2>&1 | awk '/Collected/ {print $4}'; }
    for c in "${cases[@]}"; do
        read -r bench a b <<<"$c"
        # The route benchmark does 50 lookups per iteration; 5 timed rounds per run.
        per=1
        [ "$bench" = route ] && per=50
        for imp in "$a" "$b"; do
            lo=$(count "$bench" "$imp" 2000)
            hi=$(count "$bench" "$imp" 4000)
            echo "$bench $imp $(( (hi - lo) / (2000 * 5 * per) ))"
        done
    done
fi
