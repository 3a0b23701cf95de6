#!/usr/bin/env bash
# `make bench`: every performance figure of MMS, one `name value unit` line
# each, also written to build/bench/<name>. Each part is a script or program
# of its own; a part that cannot run here says why on stderr and its figures
# are absent (never invented).
set -uo pipefail
cd "$(dirname "$0")/.."
B=${B:-build}
OUT=$B/bench
mkdir -p "$OUT"
export B

record() {	# reads `name value unit` lines, echoes and stores them
	local name value unit
	while read -r name value unit; do
		[ -n "$name" ] || continue
		case $name in \#*) echo "$name $value $unit"; continue ;; esac
		echo "$name $value $unit"
		echo "$value $unit" > "$OUT/$name"
	done
}

part() {	# part NAME CMD...: run one bench part, keep its figures
	local name=$1; shift
	if [ ! -x "$1" ] && ! command -v "$1" >/dev/null; then
		echo "bench: $name: $1 not built, skipped" >&2
		return
	fi
	"$@" | record || echo "bench: $name failed" >&2
}

part xdp	"$B/bench/bench_xdp"
part chain	scripts/bench-chain.sh
part flood	scripts/bench-flood.sh
part spf	"$B/mms-spfbench"
part cp		scripts/bench-cp.sh
part agents	scripts/bench-agents.sh
