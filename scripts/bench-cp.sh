#!/usr/bin/env bash
# Control-plane figures for `make bench`: the simulator bench (1,000 cores on
# a Waxman topology, every frame through the datapath model). Route
# computation figures come from mms-spfbench, run by bench.sh itself.
# Prints `name value unit` lines; see agent/cmd/mms-simbench.c for each.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${B:-build}
if [ ! -x "$B/mms-simbench" ]; then
	echo "bench-cp: $B/mms-simbench not built" >&2
	exit 1
fi
exec "$B/mms-simbench"
