#!/usr/bin/env bash
# GC pauses under keep-alive load with a large store loaded (issue 11: "measure the longest GC pause under keep-alive
# load with a million names loaded"). Starts DAEMON pinned to CPU 0 on STORE (a store bench/scale.sh generated, keyed
# by $SCALE_WORK/store.key), an nginx upstream and the load client on CPU 1; after ready and a 10 s warm-up, runs
# SECONDS of the macro's keep-alive step (64 connections over the store's first 64 names) and prints, from the
# daemon's own /metrics scraped around it: every GC pause in the step by bucket (terminator_runtime_gc_pause_duration_seconds,
# from the runtime's suspend/restart events), collections per generation, the daemon's CPU per request and its RSS,
# and the client's latency line. GC_LOAD_ENV adds "NAME=VALUE ..." to the daemon's environment (DOTNET_gcConcurrent=0:
# the non-concurrent GC the daemon ran before it took background GC). GC_LOAD_MODE=keepalive-paced runs the macro's
# fixed-rate step (5,000 requests/s over the 64 connections) instead of the closed loop.
#   bench/scale-gc-load.sh /tmp/terminator-scale/daemon/terminator /tmp/terminator-scale/store-1000000 60
#   GC_LOAD_ENV="DOTNET_gcConcurrent=0" bench/scale-gc-load.sh /tmp/terminator-scale/daemon/terminator /tmp/terminator-scale/store-1000000 60
set -euo pipefail
cd "$(dirname "$0")/.."
daemon=${1:?usage: bench/scale-gc-load.sh DAEMON STORE [SECONDS]}; store=${2:?usage: bench/scale-gc-load.sh DAEMON STORE [SECONDS]}
seconds=${3:-60}
work=${SCALE_WORK:-/tmp/terminator-scale}
port=${GC_LOAD_PORT:-21443}; upstream=${GC_LOAD_UPSTREAM_PORT:-21080}; admin=${GC_LOAD_ADMIN_PORT:-21180}
token=$(head -c 48 /dev/urandom | base64 | tr -d '/+=' | cut -c1-48)   # the daemon wants 32 to 512 characters
clk=$(getconf CLK_TCK)
dotnet build bench/Terminator.MacroBench -c Release --nologo -v q >/dev/null
load="taskset -c 1 dotnet bench/Terminator.MacroBench/bin/Release/net10.0/Terminator.MacroBench.dll load ${GC_LOAD_MODE:-keepalive} $port 64"

cat > "$work/gc-load-upstream.conf" <<CONF
worker_processes 1; daemon off; pid $work/gc-load-upstream.pid; error_log $work/gc-load-upstream-error.log warn;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 10000000; keepalive_timeout 300s;
  server { listen 127.0.0.1:$upstream; location /f/ { return 302 https://example.org/welcome; } location /q/ { empty_gif; } } }
CONF
log=$(mktemp)
pid=
nginx=
# Each step may fail (the daemon may have exited already) without skipping the next one under set -e.
cleanup() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi; if [ -n "$nginx" ]; then kill "$nginx" 2>/dev/null || true; fi; wait 2>/dev/null || true; rm -f "$log"; }
trap cleanup EXIT
taskset -c 1 nginx -c "$work/gc-load-upstream.conf" -e "$work/gc-load-upstream-error.log" & nginx=$!

start=$(date +%s.%N)
# shellcheck disable=SC2086 # GC_LOAD_ENV is a list of NAME=VALUE words
env ${GC_LOAD_ENV:-} TERMINATOR_STORE_DIR="$store" TERMINATOR_STORE_KEY="$(cat "$work/store.key")" \
  TERMINATOR_HTTPS_LISTEN=127.0.0.1:$port TERMINATOR_HTTP_LISTEN=off TERMINATOR_ADMIN_LISTEN=127.0.0.1:$admin \
  TERMINATOR_ADMIN_TOKEN="$token" TERMINATOR_UPSTREAM=http://127.0.0.1:$upstream TERMINATOR_LOG_LEVEL=info \
  taskset -c 0 "$daemon" >"$log" 2>&1 &
pid=$!
until ss -ltn | grep -q ":$port "; do
  sleep 0.05
  kill -0 "$pid" 2>/dev/null || { echo "daemon exited:"; cat "$log"; exit 1; }
done
echo "ready in $(echo "$(date +%s.%N) - $start" | bc) s, rss $(($(awk '/VmRSS/ {print $2}' "/proc/$pid/status") / 1024)) MiB, env: ${GC_LOAD_ENV:-(none)}"

metrics() { curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$admin/metrics"; }
cpu() { awk -v t="$clk" '{ print ($14 + $15) / t }' "/proc/$pid/stat"; }
# "<bucket le> <count>" per line (cumulative, as Prometheus writes them), then the collections per generation.
snapshot() {
  metrics | awk '/^terminator_runtime_gc_pause_duration_seconds_bucket/ { match($0, /le="[^"]*"/); print "pause", substr($0, RSTART + 4, RLENGTH - 5), $NF }
                 /^terminator_runtime_gc_pause_duration_seconds_count/ { print "pauses", "all", $NF }
                 /^terminator_runtime_gc_collections_total/ { match($0, /generation="[^"]*"/); print "gen", substr($0, RSTART + 12, RLENGTH - 13), $NF }
                 /^terminator_http_requests_total/ { sum += $NF } END { print "requests", "all", sum }'
}

# The macro measures after every context is built: wait for the prewarm's line (at most 120 s; a store larger than the
# context cache logs that it skipped the prewarm), so its allocations and promotions are not counted as the load's.
for _ in $(seq 1200); do grep -qE "prewarmed [0-9]+ certificate contexts|contexts not prewarmed" "$log" && break; sleep 0.1; done
grep -E "prewarmed|not prewarmed" "$log" | cut -c1-200 | head -1 || true
$load 10 d{0:D7}.scale.test >/dev/null   # warm-up: the 64 names' contexts, the JIT, the pools
before=$(snapshot); cpu0=$(cpu)
result=$($load "$seconds" d{0:D7}.scale.test)
after=$(snapshot); cpu1=$(cpu)
echo "$result"
echo "rss after $(($(awk '/VmRSS/ {print $2}' "/proc/$pid/status") / 1024)) MiB"
# The step's deltas: pauses by bucket (not cumulative), collections per generation, CPU per request.
paste <(echo "$before") <(echo "$after") | awk -v cpu="$(echo "$cpu1 - $cpu0" | bc)" '
  $1 == "pause" { d = $6 - $3; printf "  GC pauses <= %s s: %d\n", $2, d - prev; prev = d }
  $1 == "pauses" { printf "  GC pauses in the step: %d\n", $6 - $3 }
  $1 == "gen" { printf "  %s collections: %d\n", $2, $6 - $3 }
  $1 == "requests" { n = $6 - $3; printf "  requests %d, daemon CPU %.1f us/request\n", n, cpu * 1e6 / (n > 0 ? n : 1) }'
grep -E "\[store\]" "$log" | cut -c1-200 | head -5 || true
