#!/usr/bin/env bash
# Side-by-side macro benchmark: Terminator vs nginx vs HAProxy on the same certificates, upstream and load.
# Usage: bench/macro.sh [--certs 10000] [--duration 10] [--runs 2] [--only terminator,nginx,haproxy]
#                       [--idle-connections 10000 (0 skips the idle step)] [--idle-rate 1000]   (all: --help)
# The idle step holds 10,000 client TLS connections in this one process: RLIMIT_NOFILE must allow ~10,300
# (`ulimit -n`; the .NET runtime lifts the soft limit to the hard one), or the tool stops with an error saying so.
# Writes bench/results/<date>.md. Targets 127.0.0.1 only; every process it starts is stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
missing=()
for tool in nginx haproxy taskset; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  # policy-rc.d keeps the packages' own services from starting on :80; removed again if this script made it.
  source bench/policy-rc.sh
  block_service_starts
  apt-get update -q >/dev/null && apt-get install -y -q nginx haproxy util-linux >/dev/null
  unblock_service_starts
fi
out=bench/results/$(date -u +%Y-%m-%d).md
# ReadyToRun, as README.md deploys it: start-up does not wait for the JIT.
dotnet publish src/Terminator.Daemon -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o /tmp/terminator-macrobench-bin --nologo -v q >/dev/null
dotnet build bench/Terminator.MacroBench -c Release --nologo -v q >/dev/null
# The load client and the upstream share CPU 1; each terminator is started on CPU 0 by the tool itself.
taskset -c 1 dotnet bench/Terminator.MacroBench/bin/Release/net10.0/Terminator.MacroBench.dll \
  --terminator /tmp/terminator-macrobench-bin/terminator.dll --out "$out" "$@"
