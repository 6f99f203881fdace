#!/usr/bin/env bash
# A/B: two builds of the Terminator daemon, same certificates, same upstream, same load, alternated round by round, so
# a change can be judged against run-to-run noise ("within noise" means: inside the spread of the same build).
#
# Usage: bench/ab.sh A_DIR B_DIR [ROUNDS=3]     (AB_STEPS=handshakes skips the keep-alive steps, AB_STEPS=keepalive
#   the handshake steps; AB_ENV_A / AB_ENV_B: extra "NAME=VALUE ..." for one build's daemon, e.g.
#   AB_ENV_B="TERMINATOR_ACCESS_LOG=/tmp/terminator-macrobench/access.log" to measure the same build with a feature on;
#   AB_KEEPALIVE=keepalive-unique gives every keep-alive request a target of its own, so TERMINATOR_CACHE_TTL misses
#   every time, where the default (keepalive: one fixed target per connection) hits after the first)
#   A_DIR, B_DIR: folders holding a published terminator.dll each, e.g.
#     git worktree add /tmp/ab-a <commit> && dotnet publish /tmp/ab-a/src/Terminator.Daemon -c Release -r linux-x64 \
#       --self-contained false -p:PublishReadyToRun=true -o /tmp/terminator-a
# Needs the certificates of a previous bench/macro.sh run in /tmp/terminator-macrobench (flat/ PEM folder, 10,000
# names) and nginx (the upstream). The daemon runs pinned to CPU 0, the load client and nginx to CPU 1. Per round and
# build: 10 s keep-alive warm-up, 30 s keep-alive measured, 15 s full-handshake warm-up over 200 names (every context
# built and cached), 20 s full handshakes measured, 20 s resumed measured. Figure: the daemon's own CPU time
# (utime+stime from /proc) per request or handshake.
set -euo pipefail
cd "$(dirname "$0")/.."
A=${1:?usage: bench/ab.sh A_DIR B_DIR [ROUNDS]}; B=${2:?usage: bench/ab.sh A_DIR B_DIR [ROUNDS]}; ROUNDS=${3:-3}
WORK=/tmp/terminator-macrobench
[ -d "$WORK/flat" ] || { echo "no $WORK/flat: run bench/macro.sh once first"; exit 2; }
# AB_PORT / AB_UPSTREAM_PORT: other ports when another benchmark on the shared host holds the defaults.
PORT=${AB_PORT:-19443}; UPSTREAM=${AB_UPSTREAM_PORT:-19080}; CLK=$(getconf CLK_TCK)
dotnet build bench/Terminator.MacroBench -c Release --nologo -v q >/dev/null
LOAD="taskset -c 1 dotnet bench/Terminator.MacroBench/bin/Release/net10.0/Terminator.MacroBench.dll load"

cat > "$WORK/ab-upstream.conf" <<CONF
worker_processes 1; daemon off; pid $WORK/ab-upstream.pid; error_log $WORK/ab-upstream-error.log warn;
events { worker_connections 16384; }
http { access_log off; keepalive_requests 10000000; keepalive_timeout 300s;
  server { listen 127.0.0.1:$UPSTREAM; location /f/ { return 302 https://example.org/welcome; } location /q/ { empty_gif; } } }
CONF
taskset -c 1 nginx -c "$WORK/ab-upstream.conf" -e "$WORK/ab-upstream-error.log" & NGINX=$!
DAEMON=
cleanup() { [ -n "$DAEMON" ] && kill "$DAEMON" 2>/dev/null; kill "$NGINX" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT

cpu() { awk -v t="$CLK" '{ print ($14 + $15) / t }' "/proc/$1/stat"; }
# Runs one load step; prints "<ok count> <daemon CPU seconds>".
step() {
  local before after ok
  before=$(cpu "$DAEMON")
  ok=$($LOAD "$1" "$PORT" "$2" "$3" | sed -n 's/^[a-z-]*: \([0-9]*\) ok.*/\1/p')
  after=$(cpu "$DAEMON")
  echo "$ok $(echo "$after - $before" | bc -l)"
}
per_op() { echo "$1 $2" | awk '{ printf "%.1f", ($1 > 0) ? $2 * 1e6 / $1 : 0 }'; }

echo "round build keepalive_us_per_req full_us_per_hs resumed_us_per_hs"
for round in $(seq "$ROUNDS"); do
  for build in A B; do
    dir=$A; extra=${AB_ENV_A:-}; [ "$build" = B ] && { dir=$B; extra=${AB_ENV_B:-}; }
    DOTNET_TC_CallCountingDelayMs=0 TERMINATOR_CERT_DIR="$WORK/flat" TERMINATOR_HTTPS_LISTEN=127.0.0.1:$PORT \
      TERMINATOR_HTTP_LISTEN=off TERMINATOR_UPSTREAM=http://127.0.0.1:$UPSTREAM TERMINATOR_LOG_LEVEL=info \
      env $extra taskset -c 0 dotnet "$dir/terminator.dll" > "$WORK/ab-$build.log" 2>&1 & DAEMON=$!
    until grep -q "ready:" "$WORK/ab-$build.log" 2>/dev/null; do
      kill -0 "$DAEMON" 2>/dev/null || { echo "daemon $build exited:"; cat "$WORK/ab-$build.log"; exit 1; }
      sleep 0.2
    done
    ka_ok=0; ka_cpu=0
    if [ "${AB_STEPS:-all}" != handshakes ]; then
      $LOAD "${AB_KEEPALIVE:-keepalive}" $PORT 1000 10 >/dev/null
      read -r ka_ok ka_cpu < <(step "${AB_KEEPALIVE:-keepalive}" 1000 30)
    fi
    full_ok=0; full_cpu=0; res_ok=0; res_cpu=0
    if [ "${AB_STEPS:-all}" != keepalive ]; then
      $LOAD full $PORT 200 15 >/dev/null
      read -r full_ok full_cpu < <(step full 200 20)
      read -r res_ok res_cpu < <(step resumed 200 20)
    fi
    echo "$round $build $(per_op "$ka_ok" "$ka_cpu") $(per_op "$full_ok" "$full_cpu") $(per_op "$res_ok" "$res_cpu")"
    kill "$DAEMON"; wait "$DAEMON" 2>/dev/null || true; DAEMON=
  done
done
echo "Command: AB_STEPS=${AB_STEPS:-all} AB_KEEPALIVE=${AB_KEEPALIVE:-keepalive} AB_ENV_A=\"${AB_ENV_A:-}\" AB_ENV_B=\"${AB_ENV_B:-}\" bench/ab.sh $A $B $ROUNDS"
