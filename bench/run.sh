#!/usr/bin/env bash
# dext-rt versus tokio, interleaved (A B C A B C ...), medians and ratios.
#
#   bench/run.sh                 # all benchmarks, 5 rounds
#   ROUNDS=3 bench/run.sh echo   # only the TCP echo, 3 rounds
#
# Micro-benchmarks run unpinned with 2 workers (tokio-ct: one thread). The TCP echo server
# runs pinned to CPU 0 (one worker), the load generator pinned to CPU 1. Do not build or run
# anything else while this runs: it shares the two cores.
set -euo pipefail
cd "$(dirname "$0")"
cargo build --release --quiet
B=target/release/dext-bench
cc -O2 -o target/echo-floor c/echo_floor.c
ROUNDS=${ROUNDS:-5}
ONLY=${1:-all}
SPIN_US=${SPIN_US:-200}          # dext-spin: an idle worker polls this long before parking
CONNS=${CONNS:-50}
SECS=${SECS:-3}
PORT=${PORT:-9931}
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT

want() { [ "$ONLY" = all ] || [ "$ONLY" = "$1" ]; }

# dext-spin is dext with `spin_before_park(SPIN_US)`: it matters only where workers go idle
# (cross-worker ping-pong, echo), so the other micro-benchmarks skip it.
for round in $(seq "$ROUNDS"); do
    for label in dext dext-spin tokio tokio-ct c-floor; do
        rt=${label%-spin}
        spin=0
        [ "$label" = dext-spin ] && spin=$SPIN_US
        export DEXT_SPIN_US=$spin
        if want micro && [ "$label" != c-floor ]; then
            if [ "$label" != dext-spin ]; then
                $B spawn-join "$rt" 1000000 | sed "s/ $rt / $label /" >>"$OUT"
                $B pingpong-local "$rt" 1000000 | sed "s/ $rt / $label /" >>"$OUT"
            fi
            timeout 120 $B pingpong-cross "$rt" 20000 | sed "s/ $rt / $label /" >>"$OUT"
        fi
        if want echo; then
            if [ "$label" = c-floor ]; then
                taskset -c 0 target/echo-floor "$PORT" &
            else
                taskset -c 0 $B echo-server "$rt" 127.0.0.1:$PORT &
            fi
            server=$!
            for _ in $(seq 50); do
                (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break
                sleep 0.1
            done
            t0=$(awk '{print $14+$15}' /proc/$server/stat)
            # The load generator is the same program for every server, never spinning.
            rps=$(DEXT_SPIN_US=0 taskset -c 1 $B echo-client 127.0.0.1:$PORT "$CONNS" "$SECS" | awk '{print $2}')
            t1=$(awk '{print $14+$15}' /proc/$server/stat)
            kill "$server"; wait "$server" 2>/dev/null || true
            # Server CPU per round trip in microseconds (clock ticks are 10 ms).
            cpu_us=$(awk -v t=$((t1 - t0)) -v r="$rps" -v s="$SECS" 'BEGIN { printf "%.2f", t * 10000 / (r * s) }')
            echo "echo $label $rps" >>"$OUT"
            echo "echo-cpu-us $label $cpu_us" >>"$OUT"
        fi
    done
done

python3 - "$OUT" "$ROUNDS" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
data = {}
for name, rt, v in rows:
    data.setdefault(name, {}).setdefault(rt, []).append(float(v))
units = {"spawn-join": "ns/op", "pingpong-local": "ns/round trip", "pingpong-cross": "ns/round trip",
         "echo": "round trips/s", "echo-cpu-us": "server CPU µs/round trip"}
print(f"rounds: {sys.argv[2]} (interleaved); values are medians, ratios are medians of per-round ratios")
print("| benchmark | unit | dext | dext-spin | tokio | tokio-ct | c-floor | dext/tokio | dext/tokio-ct | dext-spin/tokio | c-floor/tokio |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for name in ["spawn-join", "pingpong-local", "pingpong-cross", "echo", "echo-cpu-us"]:
    if name not in data: continue
    m = {rt: statistics.median(v) for rt, v in data[name].items()}
    def fmt(x):
        if x is None: return "–"
        return f"{x:,.0f}" if name == "echo" or x >= 1000 else f"{x:,.1f}"
    def ratio(a, b):
        # The median of per-round ratios: each round runs the runtimes back to back, so
        # pairing them cancels the machine's drift between rounds.
        if a not in m or b not in m: return "–"
        pairs = [x / y for x, y in zip(data[name][a], data[name][b])]
        return f"{statistics.median(pairs):.2f}×"
    print(f"| {name} | {units[name]} | {fmt(m.get('dext'))} | {fmt(m.get('dext-spin'))} | {fmt(m.get('tokio'))} "
          f"| {fmt(m.get('tokio-ct'))} | {fmt(m.get('c-floor'))} | {ratio('dext', 'tokio')} | {ratio('dext', 'tokio-ct')} "
          f"| {ratio('dext-spin', 'tokio')} | {ratio('c-floor', 'tokio')} |")
print()
print("all samples:")
for name in data:
    for rt, v in data[name].items():
        print(f"  {name} {rt}: " + " ".join(f"{x:g}" for x in v))
PY
