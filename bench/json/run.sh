#!/usr/bin/env bash
# dext-json against serde_json, simd-json and sonic-rs, pinned to one CPU: validation of
# the shared corpora (../shared/data/json/bench and extra), MB/s. Each process times every
# implementation in rotating order per round (see src/main.rs); ROUNDS processes per file,
# interleaved across files; medians over the processes. Then instructions per byte from
# callgrind (the difference between 2 and 6 passes, divided by 4 passes' bytes).
#
#   bench/json/run.sh              # 3 processes per file, then callgrind
#   ROUNDS=1 CALLGRIND=0 bench/json/run.sh
#
# Do not build or run anything else while this runs.
set -euo pipefail
cd "$(dirname "$0")"
DATA=$(cd ../../.. && pwd)/shared/data/json
cargo build --release --quiet
B=target/release/dext-json-bench
ROUNDS=${ROUNDS:-3}
CPU=${CPU:-1}
FILES=("$DATA"/bench/twitter.json "$DATA"/bench/citm_catalog.json "$DATA"/bench/canada.json
       "$DATA"/extra/mesh.json "$DATA"/extra/twitterescaped.json "$DATA"/extra/random.json)
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
for _ in $(seq "$ROUNDS"); do
    for f in "${FILES[@]}"; do
        taskset -c "$CPU" "$B" rounds "$f" 10 9 >>"$OUT"
    done
done
echo "== validate: MB/s (medians over $ROUNDS processes), and dext's speed relative to each peer"
python3 - "$OUT" <<'PY'
import sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    f, which, mbs, ratio = line.split()
    rows[(f, which)].append((float(mbs), float(ratio)))
files = list(dict.fromkeys(f for f, _ in rows))
print(f"{'file':22} {'dext':>8} {'serde_json':>11} {'simd-json':>10} {'sonic-rs':>9}   dext / best peer")
for f in files:
    mbs = {w: statistics.median(x[0] for x in rows[(f, w)]) for w in ("dext", "serde_json", "simd-json", "sonic-rs")}
    # Per process: dext / peer = 1 / (peer / dext); median over processes of the best peer's.
    rel = {w: statistics.median(1 / x[1] for x in rows[(f, w)]) for w in ("serde_json", "simd-json", "sonic-rs")}
    best = min(rel, key=rel.get)
    print(f"{f:22} {mbs['dext']:8.0f} {mbs['serde_json']:11.0f} {mbs['simd-json']:10.0f} {mbs['sonic-rs']:9.0f}   {rel[best]:.2f}x ({best})")
PY
if [ "${CALLGRIND:-1}" = 1 ] && command -v valgrind >/dev/null; then
    echo "== callgrind: instructions per byte, validate"
    count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$B" one "$@" 2>&1 | awk '/Collected/ {print $4}'; }
    for f in "${FILES[@]:0:3}"; do
        size=$(stat -c %s "$f")
        line="$(basename "$f")"
        for imp in dext serde_json simd-json sonic-rs; do
            lo=$(count "$imp" "$f" 2)
            hi=$(count "$imp" "$f" 6)
            line+=" $imp $(python3 -c "print(round(($hi - $lo) / (4 * $size), 2))")"
        done
        echo "$line"
    done
fi
