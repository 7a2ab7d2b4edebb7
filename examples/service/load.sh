#!/usr/bin/env bash
# High-priority latency of the example service, alone and under a flood of Low
# requests, for each backend (wpool, tokio's spawn_blocking).
#
# For each run and backend: builds the server (release), starts it, measures
# GET /high alone with hey at a fixed rate (default 50 req/s, one client),
# then again while wrk floods GET /low (default 32 connections), and prints
# High p50/p90/p99 without and with the flood, p99(flood)/p99(alone), and the
# Low throughput (wrk's requests/s), as a markdown table.
#
# Needs Debian's wrk and hey (apt-get install wrk hey); run by hand, not in CI.
#
# usage: examples/service/load.sh [--runs N] [--seconds S] [--flood-seconds S]
#            [--rate R] [--connections C] [--port P] [--workers N]
#            [--threads N] [--high-us US] [--low-us US] [--backends "wpool blocking"]
# Each flag also reads an environment variable: RUNS, SECONDS_HIGH,
# FLOOD_SECONDS, RATE, CONNECTIONS, PORT, WORKERS, THREADS, HIGH_US, LOW_US,
# BACKENDS; SERVER_ARGS adds flags to the server's command line (e.g.
# SERVER_ARGS="--os-priority inherit").
set -euo pipefail

runs=${RUNS:-1}
seconds=${SECONDS_HIGH:-10}
flood_seconds=${FLOOD_SECONDS:-12}
rate=${RATE:-50}
connections=${CONNECTIONS:-32}
port=${PORT:-3000}
workers=${WORKERS:-2}
threads=${THREADS:-2}
high_us=${HIGH_US:-300}
low_us=${LOW_US:-5000}
backends=${BACKENDS:-wpool blocking}

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "load.sh: error: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
    flag=$1
    case $flag in
        -h | --help) usage; exit 0 ;;
        --*=*) value=${flag#*=}; flag=${flag%%=*}; shift ;;
        --*) [ $# -ge 2 ] || die "$flag needs a value"; value=$2; shift 2 ;;
        *) die "unknown argument $flag (see --help)" ;;
    esac
    case $flag in
        --runs) runs=$value ;;
        --seconds) seconds=$value ;;
        --flood-seconds) flood_seconds=$value ;;
        --rate) rate=$value ;;
        --connections) connections=$value ;;
        --port) port=$value ;;
        --workers) workers=$value ;;
        --threads) threads=$value ;;
        --high-us) high_us=$value ;;
        --low-us) low_us=$value ;;
        --backends) backends=$value ;;
        *) die "unknown flag $flag (see --help)" ;;
    esac
done
for n in "$runs" "$seconds" "$flood_seconds" "$rate" "$connections" "$port" "$workers" \
    "$threads" "$high_us" "$low_us"; do
    [[ $n =~ ^[0-9]+$ ]] || die "not a whole number: $n"
done
[ "$flood_seconds" -gt "$seconds" ] ||
    die "--flood-seconds ($flood_seconds) must exceed --seconds ($seconds): hey runs inside the flood"
for b in $backends; do
    [ "$b" = wpool ] || [ "$b" = blocking ] || die "unknown backend $b (wpool or blocking)"
done

for tool in wrk hey cargo; do
    command -v "$tool" >/dev/null ||
        die "$tool not found (wrk, hey: apt-get install wrk hey; cargo: rustup)"
done

cd "$(dirname "$0")/../.."
echo "== building the service (release)" >&2
cargo build --release --locked -p wpool-service-example --bin wpool-service >&2
server_bin=target/release/wpool-service
[ -x "$server_bin" ] || die "$server_bin was not built"

tmp=$(mktemp -d)
server_pid=""
wrk_pid=""
cleanup() {
    [ -z "$wrk_pid" ] || kill "$wrk_pid" 2>/dev/null || true
    [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

url="http://127.0.0.1:$port"

# Starts the server for backend $1 and waits until it listens.
start_server() {
    # shellcheck disable=SC2086 # SERVER_ARGS: extra server flags, split on blanks
    "$server_bin" --backend "$1" --port "$port" --workers "$workers" --threads "$threads" \
        --high-us "$high_us" --low-us "$low_us" ${SERVER_ARGS:-} >"$tmp/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 100); do
        if grep -q "listening on" "$tmp/server.log" 2>/dev/null; then return 0; fi
        kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/server.log" >&2; die "the server exited"; }
        sleep 0.1
    done
    cat "$tmp/server.log" >&2
    die "the server did not start listening on port $port within 10 s"
}

stop_server() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

# hey's latency distribution line for percentile $1 of file $2, in ms; "n/a"
# when hey left it out (it does with too few responses for that percentile:
# then lengthen --seconds).
hey_pct() {
    local v
    grep -q '^Latency distribution' "$2" || { cat "$2" >&2; die "no latency distribution in hey's output"; }
    v=$(awk -v p="$1%" '$1 == p && $2 == "in" { print $3 * 1000; exit }' "$2")
    if [ -z "$v" ]; then
        echo "load.sh: warning: hey printed no $1% latency (too few responses)" >&2
        echo "n/a"
        return
    fi
    printf '%.2f' "$v"
}

# The number of 200 responses in hey's output $1; fails on any other status
# (its status code distribution), warns about errors (its error distribution).
hey_check() {
    local codes ok
    codes=$(awk '/^Status code distribution:/ { s = 1; next } s && NF == 0 { s = 0 } s' "$1")
    ok=$(echo "$codes" | awk '$1 == "[200]" { print $2; exit }')
    [ -n "$ok" ] || { cat "$1" >&2; die "hey got no 200 response"; }
    if echo "$codes" | grep -v '\[200\]' | grep -q '\['; then
        cat "$1" >&2
        die "hey got responses other than 200"
    fi
    if grep -q '^Error distribution' "$1"; then
        echo "load.sh: warning: hey reported errors:" >&2
        sed -n '/^Error distribution/,$p' "$1" >&2
    fi
    echo "$ok"
}

# Runs hey on /high for $seconds at $rate req/s, one client; output to $1.
high_load() {
    hey -z "${seconds}s" -q "$rate" -c 1 "$url/high" >"$1" 2>&1 || { cat "$1" >&2; die "hey failed"; }
}

rows=()
for run in $(seq 1 "$runs"); do
    for backend in $backends; do
        echo "== run $run, backend $backend" >&2
        start_server "$backend"
        # Warm up (threads, connections, the page cache), then measure alone.
        hey -n 50 -c 1 "$url/high" >/dev/null 2>&1 || die "hey failed against $url/high"
        high_load "$tmp/alone.txt"
        alone_ok=$(hey_check "$tmp/alone.txt")

        # The flood: wrk on /low for $flood_seconds; hey starts 1 s in.
        wrk -t1 -c"$connections" -d"${flood_seconds}s" "$url/low" >"$tmp/wrk.txt" 2>&1 &
        wrk_pid=$!
        sleep 1
        high_load "$tmp/flood.txt"
        flood_ok=$(hey_check "$tmp/flood.txt")
        wait "$wrk_pid" || { cat "$tmp/wrk.txt" >&2; die "wrk failed"; }
        wrk_pid=""
        stop_server

        low_rps=$(awk '/^Requests\/sec:/ { print $2; exit }' "$tmp/wrk.txt")
        [ -n "$low_rps" ] || { cat "$tmp/wrk.txt" >&2; die "no Requests/sec in wrk's output"; }
        if grep -q 'Non-2xx or 3xx responses' "$tmp/wrk.txt"; then
            echo "load.sh: warning: wrk: $(grep 'Non-2xx' "$tmp/wrk.txt")" >&2
        fi
        if grep -q 'Socket errors' "$tmp/wrk.txt"; then
            echo "load.sh: warning: wrk: $(grep 'Socket errors' "$tmp/wrk.txt")" >&2
        fi

        a50=$(hey_pct 50 "$tmp/alone.txt")
        a90=$(hey_pct 90 "$tmp/alone.txt")
        a99=$(hey_pct 99 "$tmp/alone.txt")
        f50=$(hey_pct 50 "$tmp/flood.txt")
        f90=$(hey_pct 90 "$tmp/flood.txt")
        f99=$(hey_pct 99 "$tmp/flood.txt")
        ratio=$(awk -v f="$f99" -v a="$a99" 'BEGIN { if (a + 0 > 0 && f + 0 > 0) printf "%.1fx", f / a; else printf "n/a" }')
        row="| $run | $backend | $a50 | $a90 | $a99 | $f50 | $f90 | $f99 | $ratio | $low_rps | $alone_ok / $flood_ok |"
        echo "$row" >&2
        rows+=("$row")
    done
done

echo
echo "High: GET /high, ${high_us} µs of CPU at Priority::High, $rate req/s from one client for ${seconds} s;" \
    "flood: wrk -t1 -c$connections on GET /low (${low_us} µs at Priority::Low) for ${flood_seconds} s;" \
    "$workers workers (pool workers / max_blocking_threads), $threads tokio threads, $(nproc) CPUs." \
    "Latencies in ms."
echo
echo "| run | backend | High p50 alone | p90 alone | p99 alone | High p50 flood | p90 flood | p99 flood | p99 flood/alone | Low req/s (flood) | High 200s alone / flood |"
echo "|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
printf '%s\n' "${rows[@]}"
