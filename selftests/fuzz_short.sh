#!/usr/bin/env bash
# A short run of every libFuzzer harness (`make fuzz` runs them for long).
# Seconds per harness: FUZZ_SHORT_SECONDS (default 10).
cd "$(dirname "$0")/.."
B=${B:-build}
set -- "$B"/fuzz/fuzz_*
if [ ! -x "$1" ]; then
	echo "1..0 # SKIP fuzzers not built (make fuzzers)"
	exit 0
fi
exec scripts/fuzz.sh "${FUZZ_SHORT_SECONDS:-10}" "$@"
