#!/usr/bin/env bash
# Scale benchmark: builds N-entry encrypted stores (10k / 100k / 1M domains), starts the published daemon on each
# (pinned to CPU 0) and prints ready time, RSS, lookup ns and B/op, cold vs cached first handshake. See bench/README.md.
#   bench/scale.sh                                   # 10,000 and 100,000 domains
#   bench/scale.sh --domains 10000,100000,1000000    # and a million (~1M files, ~5 GB under $SCALE_WORK)
#   bench/scale.sh --store postgres                  # the same entries as rows of a fleet's PostgreSQL store (a cluster of
#                                                    # its own under $SCALE_WORK/pg): a new node (empty snapshot), then a
#                                                    # restarted one (its snapshot)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${SCALE_WORK:-/tmp/terminator-scale}
mkdir -p "$work"
dotnet publish "$root/src/Terminator.Daemon" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$work/daemon" -v quiet -nologo >/dev/null
dotnet build "$root/bench/Terminator.ScaleBench" -c Release -v quiet -nologo >/dev/null
exec dotnet "$root/bench/Terminator.ScaleBench/bin/Release/net10.0/Terminator.ScaleBench.dll" \
  --daemon "$work/daemon/terminator" --work "$work" "$@"
