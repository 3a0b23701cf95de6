#!/usr/bin/env bash
# Run every libFuzzer harness for SECONDS each, from its committed seed
# corpus (new inputs go to a scratch copy, the committed seeds stay as they
# are). Prints TAP so prove can run it; a crash fails the run and keeps the
# reproducer under build/fuzz/crashes/.
set -u
secs=$1; shift
cd "$(dirname "$0")/.."
B=${B:-build}
mkdir -p "$B/fuzz/crashes"
echo "1..$#"
n=0 fail=0
for f in "$@"; do
	n=$((n + 1))
	name=$(basename "$f"); name=${name#fuzz_}
	work=$(mktemp -d)
	cp -r "selftests/fuzz/corpus/$name/." "$work/" 2>/dev/null || true
	if "$f" -max_total_time="$secs" -timeout=5 -rss_limit_mb=1024 \
		-artifact_prefix="$B/fuzz/crashes/$name-" "$work" > "$B/fuzz/$name.log" 2>&1; then
		runs=$(grep -o 'Done [0-9]* runs' "$B/fuzz/$name.log" | tail -1)
		echo "ok $n - fuzz $name for ${secs}s: ${runs:-no summary}"
	else
		echo "not ok $n - fuzz $name: see $B/fuzz/$name.log"
		tail -20 "$B/fuzz/$name.log" | sed 's/^/# /'
		fail=1
	fi
	rm -rf "$work"
done
exit $fail
