#!/usr/bin/env bash
# dext-json against serde_json, simd-json and sonic-rs, pinned to one CPU, on the shared
# corpora (../shared/data/json): validation, DOM parse, DOM serialization, and typed parse and
# serialization of twitter, citm_catalog and canada (see src/main.rs for what each case runs). Each process times
# every implementation in rotating order per round; ROUNDS processes per case and file,
# interleaved; medians over the processes. Then instructions per byte from callgrind for
# every case (the difference between 2 and 6 passes, divided by 4 passes' bytes).
#
#   bench/json/run.sh              # 3 processes per case and file, then callgrind
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
MAIN=("$DATA"/bench/twitter.json "$DATA"/bench/citm_catalog.json "$DATA"/bench/canada.json)
EXTRA=("$DATA"/extra/mesh.json "$DATA"/extra/twitterescaped.json "$DATA"/extra/random.json)
JOBS=()
for f in "${MAIN[@]}" "${EXTRA[@]}"; do JOBS+=("validate $f"); done
for f in "${MAIN[@]}" "${EXTRA[@]}"; do JOBS+=("dom $f" "dom-ser $f"); done
for f in "${MAIN[@]}"; do JOBS+=("typed $f" "typed-ser $f"); done
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
for _ in $(seq "$ROUNDS"); do
    for job in "${JOBS[@]}"; do
        read -r case file <<<"$job"
        taskset -c "$CPU" "$B" rounds "$case" "$file" 10 9 >>"$OUT"
    done
done
echo "== MB/s (medians over $ROUNDS processes), and dext's speed relative to the fastest peer"
python3 - "$OUT" <<'PY'
import sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    case, f, which, mbs, ratio = line.split()
    rows[(case, f, which)].append((float(mbs), float(ratio)))
keys = list(dict.fromkeys((c, f) for c, f, _ in rows))
peers = ("serde_json", "simd-json", "sonic-rs")
print(f"{'case':10} {'file':22} {'dext':>8} {'serde_json':>11} {'simd-json':>10} {'sonic-rs':>9}   dext / fastest peer")
for case, f in keys:
    mbs = {w: statistics.median(x[0] for x in rows[(case, f, w)]) for w in ("dext",) + peers}
    rel = {w: statistics.median(1 / x[1] for x in rows[(case, f, w)]) for w in peers}
    best = min(rel, key=rel.get)
    print(f"{case:10} {f:22} {mbs['dext']:8.0f} {mbs['serde_json']:11.0f} {mbs['simd-json']:10.0f} {mbs['sonic-rs']:9.0f}   {rel[best]:.2f}x ({best})")
PY
if [ "${CALLGRIND:-1}" = 1 ] && command -v valgrind >/dev/null; then
    echo "== callgrind: instructions per byte"
    count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$B" one "$@" 2>&1 | awk '/Collected/ {print $4}'; }
    for case in validate dom dom-ser typed typed-ser; do
        for f in "${MAIN[@]}"; do
            size=$(stat -c %s "$f")
            line="$case $(basename "$f")"
            for imp in dext serde_json simd-json sonic-rs; do
                lo=$(count "$case" "$imp" "$f" 2)
                hi=$(count "$case" "$imp" "$f" 6)
                line+=" $imp $(python3 -c "print(round(($hi - $lo) / (4 * $size), 2))")"
            done
            echo "$line"
        done
    done
fi
