#!/usr/bin/env bash
# The demo server against may-minihttp, hyper 1.x and limit.c (../shared/bench/limit.c: a
# canned-reply epoll loop that does no HTTP work, the limit of this machine), one worker each;
# and two floors: `rt-floor` (crates/dext-rt/examples/floor.rs: limit.c's loop as a dext-rt
# task per connection: the runtime without HTTP) and `http-floor`
# (crates/dext-server/examples/bare/: dext-http over a bare epoll loop: HTTP without the
# runtime).
#
# wrk (Debian package `wrk`), server pinned to CPU 0 and wrk (1 thread) to CPU 1, DURATION-second
# runs with TechEmpower-style request headers, ROUNDS rounds, the servers interleaved (the
# order rotates each round): plaintext with 64 connections, plaintext pipelined 16 deep with
# 256 connections (../shared/bench/pipeline.lua), json with 64 connections. For each run: req/s,
# mean latency, and the server's CPU time (user+sys from /proc/PID/stat) per request. Then the
# medians over the rounds and the ratios to dext.
#
# Then user-space instructions per request (valgrind callgrind, one worker): the difference
# between a run of N requests and a run of 200, divided by N - 200, one request per write and
# 16 per write, for the TechEmpower request (170 bytes of headers) and for the short request
# wrk sends by default (`GET /plaintext` with a Host header).
#
#   bench/server/run.sh                       # 3 rounds of 10 s, then callgrind
#   ROUNDS=1 DURATION=3 CALLGRIND=0 bench/server/run.sh
#   SERVERS="dext dext-base limit.c" CASES=pipelined DEXT_BASE=/path/to/old/dext bench/server/run.sh
#                                             # a subset, with an older dext build as a peer
#                                             # (DEXT_A: a second one, `dext-a`)
#   SERVERS="dext dext-tel" CASES="pipelined plaintext" CALLGRIND=0 bench/server/run.sh
#                                             # the cost of per-request telemetry (dext-tel.sh:
#                                             # metrics on, SAMPLE=0.1 of traces sampled)
#
# Do not build or run anything else while this runs.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd ../.. && pwd)
SHARED=$(cd "$ROOT/.." && pwd)/shared
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
(cd "$ROOT" && cargo build --release --quiet -p dext && cargo build --release --quiet -p dext-rt --example floor &&
    cargo build --release --quiet -p dext-server --example bare)
cargo build --release --quiet
cc -O2 -o target/limit "$SHARED/bench/limit.c"
OUT=$(mktemp)
trap 'rm -f "$OUT"; [ -n "${PID:-}" ] && kill "$PID" 2>/dev/null || true' EXIT

declare -A CMD=(
    [dext]="$ROOT/target/release/dext"
    [may-minihttp]="target/release/may-peer"
    [hyper]="target/release/hyper-peer"
    [limit.c]="target/limit"
    [rt-floor]="$ROOT/target/release/examples/floor"
    [http-floor]="$ROOT/target/release/examples/bare"
    [dext-base]="${DEXT_BASE:-}"
    [dext-tel]="$(pwd)/dext-tel.sh"
    [dext-a]="${DEXT_A:-}"
)
read -r -a SERVERS <<<"${SERVERS:-dext may-minihttp hyper limit.c rt-floor http-floor}"
read -r -a CASES <<<"${CASES:-plaintext pipelined json}"
NS=${#SERVERS[@]}
PORT=18080
HEADERS=(-H "Host: tfb-server:8080"
    -H "Accept: text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7"
    -H "Connection: keep-alive")

start() { # server -> PID
    local cmd=${CMD[$1]}
    if [ "$1" = limit.c ]; then
        taskset -c 0 "$cmd" "$PORT" >/dev/null 2>&1 &
    else
        PORT=$PORT WORKERS=1 taskset -c 0 "$cmd" >/dev/null 2>&1 &
    fi
    PID=$!
    for _ in $(seq 100); do
        curl -s -o /dev/null "http://127.0.0.1:$PORT/plaintext" && return 0
        sleep 0.05
    done
    echo "$1 did not start"; exit 1
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# case: name, connections, extra wrk arguments, path
run_case() { # server case
    local server=$1 case=$2 conns path extra=()
    case $case in
        plaintext) conns=64; path=/plaintext ;;
        pipelined) conns=256; path=/plaintext; extra=(-s "$SHARED/bench/pipeline.lua") ;;
        json) conns=64; path=/json ;;
    esac
    if [ "$case" = json ] && [[ $server =~ ^(limit.c|rt-floor|http-floor)$ ]]; then return 0; fi
    start "$server"
    local t0 wrk_out t1 hz
    t0=$(cpu_ticks "$PID")
    if [ "$case" = pipelined ]; then
        wrk_out=$(taskset -c 1 wrk -t1 -c"$conns" -d"${DURATION}s" "${HEADERS[@]}" "${extra[@]}" "http://127.0.0.1:$PORT$path" -- 16)
    else
        wrk_out=$(taskset -c 1 wrk -t1 -c"$conns" -d"${DURATION}s" "${HEADERS[@]}" "http://127.0.0.1:$PORT$path")
    fi
    t1=$(cpu_ticks "$PID")
    kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
    hz=$(getconf CLK_TCK)
    python3 - "$server" "$case" "$t0" "$t1" "$hz" "$wrk_out" "$ROUND" >>"$OUT" <<'PY'
import re, sys
server, case, t0, t1, hz, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
rnd = sys.argv[7]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
total = int(re.search(r"(\d+) requests in", out).group(1))
m = re.search(r"Latency\s+([\d.]+)(us|ms|s)", out)
lat_ms = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
cpu_us = (t1 - t0) / hz * 1e6 / max(total, 1)
print(server, case, rps, lat_ms, cpu_us, errors.group(1) if errors else 0, rnd)
PY
}

for ROUND in $(seq "$ROUNDS"); do
    # Rotate the order each round.
    order=("${SERVERS[@]:$(( (ROUND - 1) % NS ))}" "${SERVERS[@]:0:$(( (ROUND - 1) % NS ))}")
    for case in "${CASES[@]}"; do
        for server in "${order[@]}"; do
            run_case "$server" "$case"
        done
    done
done

echo "== wrk: medians over $ROUNDS rounds of ${DURATION} s; ratios = medians of the per-round ratios dext / peer (req/s, and CPU per request)"
python3 - "$OUT" <<'PY'
import sys, statistics, collections
runs = collections.defaultdict(dict)
for line in open(sys.argv[1]):
    s, c, rps, lat, cpu, err, rnd = line.split()
    runs[(c, s)][rnd] = (float(rps), float(lat), float(cpu), int(err))
for case in ("plaintext", "pipelined", "json"):
    dext = runs.get((case, "dext"), {})
    for server in ("dext", "dext-tel", "dext-base", "dext-a", "may-minihttp", "hyper", "limit.c", "rt-floor", "http-floor"):
        r = runs.get((case, server))
        if not r:
            continue
        rps = statistics.median(x[0] for x in r.values())
        lat = statistics.median(x[1] for x in r.values())
        cpu = statistics.median(x[2] for x in r.values())
        err = sum(x[3] for x in r.values())
        line = f"{case:10} {server:13} {rps:12,.0f} req/s  latency {lat:7.2f} ms  cpu {cpu:6.3f} us/req"
        both = [k for k in r if k in dext]
        if server != "dext" and both:
            rr = statistics.median(dext[k][0] / r[k][0] for k in both)
            cr = statistics.median(dext[k][2] / r[k][2] for k in both)
            line += f"  dext/peer req/s {rr:.2f}x  cpu {cr:.3f}x"
            # The other way round (peer / dext, medians of per-round ratios): for a build of
            # dext measured against dext, such as dext-tel, its cost.
            cost = sorted(r[k][2] / dext[k][2] for k in both)
            line += f"  (peer/dext cpu {statistics.median(cost):.3f}x, rounds {cost[0]:.2f}-{cost[-1]:.2f})"
        if err:
            line += f"  ({err} non-2xx)"
        print(line)
print("all samples (req/s, mean latency ms, CPU us/req) per round:")
for (case, server), r in sorted(runs.items()):
    print(f"  {case:10} {server:13} " + "  ".join(f"r{k}: {v[0]:,.0f} {v[1]:.2f} {v[2]:.3f}" for k, v in sorted(r.items(), key=lambda kv: int(kv[0]))))
PY

if [ "${CALLGRIND:-1}" = 1 ] && command -v valgrind >/dev/null; then
    echo "== callgrind: user-space instructions per request (one worker)"
    N=${N:-20200}
    for server in "${SERVERS[@]}"; do
      for kind in te short; do
        for depth in 1 16; do
            counts=()
            for n in 200 "$N"; do
                f=$(mktemp)
                if [ "$server" = limit.c ]; then
                    valgrind --tool=callgrind --callgrind-out-file=/dev/null --log-file="$f" "${CMD[$server]}" "$PORT" >/dev/null 2>&1 &
                else
                    # --trace-children: a server started by a script (dext-tel.sh) is
                    # counted too; the script's own instructions are the same in both runs.
                    PORT=$PORT WORKERS=1 valgrind --tool=callgrind --trace-children=yes --callgrind-out-file=/dev/null --log-file="$f" "${CMD[$server]}" >/dev/null 2>&1 &
                fi
                PID=$!
                for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$PORT/plaintext" && break; sleep 0.1; done
                python3 client.py "$PORT" "$n" "$depth" "$kind"
                # Under valgrind a termination signal is sometimes not seen: repeat until the
                # server exits (it must exit on its own, or callgrind writes nothing).
                for _ in $(seq 30); do kill -TERM "$PID" 2>/dev/null || break; sleep 0.5; done
                wait "$PID" 2>/dev/null || true; PID=
                counts+=("$(awk '/Collected/ {n = $4} END {print n}' "$f")")
                rm -f "$f"
            done
            echo "$server $kind request, depth $depth: $(( (counts[1] - counts[0]) / (N - 200) )) instructions/request"
        done
      done
    done
fi
