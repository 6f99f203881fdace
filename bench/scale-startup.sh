#!/usr/bin/env bash
# Start-up of one daemon on one store, for back-to-back comparisons on a shared host (bench/README.md, "With the store
# index"): starts DAEMON pinned to CPU 0 on STORE (a store bench/scale.sh generated, keyed by $SCALE_WORK/store.key),
# waits until its HTTPS port listens, prints wall seconds, CPU seconds (user+sys, /proc/<pid>/stat) and RSS, and the
# store's load log lines, and from the daemon's /metrics at that moment its GC pauses (sum and count) and the bytes it
# allocated; then stops it. CPU seconds are what to compare when other work shares the CPU.
#   bench/scale-startup.sh /tmp/terminator-scale/daemon/terminator /tmp/terminator-scale/store-1000000
set -euo pipefail
daemon=$1
store=$2
work=${SCALE_WORK:-/tmp/terminator-scale}
log=$(mktemp)
port=$((20000 + RANDOM % 20000))
admin=$((port + 1))
token=$(head -c 48 /dev/urandom | base64 | tr -d '/+=' | cut -c1-48)   # the daemon wants 32 to 512 characters
start=$(date +%s.%N)
TERMINATOR_STORE_DIR=$store TERMINATOR_STORE_KEY=$(cat "$work/store.key") TERMINATOR_HTTPS_LISTEN=127.0.0.1:$port \
  TERMINATOR_HTTP_LISTEN=off TERMINATOR_ADMIN_LISTEN=127.0.0.1:$admin TERMINATOR_ADMIN_TOKEN="$token" \
  TERMINATOR_UPSTREAM=http://127.0.0.1:9 TERMINATOR_LOG_LEVEL=info \
  taskset -c 0 "$daemon" >"$log" 2>&1 &
pid=$!
until ss -ltn | grep -q ":$port "; do
  sleep 0.05
  if ! kill -0 "$pid" 2>/dev/null; then echo "daemon exited:"; cat "$log"; exit 1; fi
done
end=$(date +%s.%N)
read -r utime stime < <(awk '{print $14, $15}' "/proc/$pid/stat")
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
ticks=$(getconf CLK_TCK)
gc=$(curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$admin/metrics" | awk '
  /^terminator_runtime_gc_pause_duration_seconds_sum/ { sum = $2 } /^terminator_runtime_gc_pause_duration_seconds_count/ { n = $2 }
  /^terminator_runtime_gc_allocated_bytes_total/ { a = $2 } END { printf "GC pauses %.2f s in %d, allocated %d MiB", sum, n, a / 1048576 }')
echo "wall $(echo "$end - $start" | bc) s, cpu $(echo "scale=1; ($utime + $stime) / $ticks" | bc) s, rss $((rss / 1024)) MiB, $gc"
grep -E "\[store\]|\[certificates\]" "$log" | cut -c1-250 || true
kill "$pid"
wait "$pid" 2>/dev/null || true
rm -f "$log"
