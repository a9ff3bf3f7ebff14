#!/usr/bin/env bash
# dext-http against httparse (request parsing) and matchit (routing): interleaved rounds
# (A B A B ...) pinned to one CPU, medians and ratios, then instructions per operation from
# callgrind (the difference between two iteration counts, so start-up is not counted).
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
CPU=${CPU:-1}
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT

cases=("parse-te dext httparse 2000000" "parse-browser dext httparse 500000" "route dext matchit 20000")
for round in $(seq "$ROUNDS"); do
    for c in "${cases[@]}"; do
        read -r bench a b iters <<<"$c"
        # Alternate which side goes first, so that neither always runs on a warmer machine.
        if [ $((round % 2)) = 0 ]; then first=$a second=$b; else first=$b second=$a; fi
        taskset -c "$CPU" $B "$bench" "$first" "$iters" >>"$OUT"
        taskset -c "$CPU" $B "$bench" "$second" "$iters" >>"$OUT"
    done
done

echo "== wall clock: median ns/op over $ROUNDS rounds; speed-up = peer ns / dext ns, median of per-round ratios"
python3 - "$OUT" <<'PY'
import sys, statistics, collections
rows = [l.split() for l in open(sys.argv[1])]
runs = collections.defaultdict(list)
for bench, imp, ns in rows:
    runs[(bench, imp)].append(float(ns))
for bench in dict.fromkeys(b for b, _ in runs):
    imps = [i for (b, i) in runs if b == bench]
    dext = runs[(bench, "dext")]
    for peer in (i for i in imps if i != "dext"):
        ratios = [p / d for p, d in zip(runs[(bench, peer)], dext)]
        print(f"{bench:14} dext {statistics.median(dext):8.2f}  {peer:8} {statistics.median(runs[(bench, peer)]):8.2f}"
              f"  speed-up {statistics.median(ratios):.2f}x  (per-round {min(ratios):.2f}..{max(ratios):.2f})")
PY

if [ "${CALLGRIND:-1}" = 1 ] && command -v valgrind >/dev/null; then
    echo "== callgrind: instructions per operation"
    count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$B" "$@" 2>&1 | awk '/Collected/ {print $4}'; }
    for c in "${cases[@]}"; do
        read -r bench a b _ <<<"$c"
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
