#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Up-calls (docs/control-plane.md, "Up-calls"): management applications
# connected to an agent's STATE/notify.sock (here `mmsctl watch`) are told
# of failures as JSON lines. On line5, MA a:
#
#   a (MA) --- b --- c --- d --- e
#
#  1. the link c-d cut (ip link set down at c): c's watcher sees
#     neighbour_down on that interface (carrier lost); the MA's sees d's
#     report of its lost neighbour and node_down for d and e, the nodes it
#     can no longer reach; the link back: node_up for both;
#  2. e's agent killed with SIGKILL (its datapath stays, its hellos stop):
#     the MA hears d's report naming e and sends node_down for e; e's agent
#     restarted: node_up for e;
#  3. every line is one JSON object naming this agent; a client that
#     connects and leaves does not disturb the others; an agent stopped
#     with SIGTERM removes its socket and the watcher exits non-zero.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/netns.sh
. "$here/../scripts/netns.sh"
# shellcheck source=scripts/agents.sh
. "$here/../scripts/agents.sh"

agents_test_begin "mms-nt$$-" line5 a
AGENTS_METRICS=1

for n in $(netns_nodes); do agent_start "$n"; done
# shellcheck disable=SC2046
wait_until 30 agents_reach a $(agents_cms)
tap_result $? "every CM reachable over mm0 from the MA" || { agents_logs 8; tap_bail "no convergence"; }

sock() { echo "$(agent_state "$1")/notify.sock"; }
WATCH_PIDS=()
# watch NODE: a watcher on NODE's socket, its lines in $NETNS_STATE/NODE.events
watch() {
	"$MMS_BUILD/mmsctl" watch "$(sock "$1")" >"$NETNS_STATE/$1.events" 2>"$NETNS_STATE/$1.watch.err" &
	WATCH_PIDS+=($!)
	echo "$!" >>"$NETNS_STATE/pids"
	eval "WATCH_$1=$!"
}
# has NODE PATTERN...: NODE's watcher has a line matching every pattern
has() {
	local f=$NETNS_STATE/$1.events line p ok
	shift
	while IFS= read -r line; do
		ok=1
		for p in "$@"; do [[ $line == *"$p"* ]] || { ok=0; break; }; done
		[ $ok = 1 ] && return 0
	done <"$f"
	return 1
}
n_lines() { wc -l <"$NETNS_STATE/$1.events"; }

tap_ok "the MA's notify.sock is a socket, mode 0600" \
	test -S "$(sock a)" -a "$(stat -c %a "$(sock a)")" = 600
watch a
watch c
# nothing is cut before both agents have taken their watcher
clients() { [ "$(agent_metric "$1" mms_agent_upcall_clients)" = "$2" ]; }
wait_until 10 clients a 1 && wait_until 10 clients c 1
tap_result $? "both watchers connected (mms_agent_upcall_clients)"
"$MMS_BUILD/mmsctl" watch "$(sock a)" --timeout 1 >/dev/null 2>&1
tap_result $? "another client that leaves after 1 s without events exits 0"

# ---- 1. a cut link ----
if_cd=$(netns_if c d)
ip -n "$(netns_ns c)" link set "$if_cd" down
wait_until 10 has c '"event":"neighbour_down"' "\"ifname\":\"$if_cd\""
tap_result $? "c: neighbour_down on $if_cd"
wait_until 10 has a '"event":"node_down"' '"node":"d"'
tap_result $? "MA: node_down for d"
wait_until 10 has a '"event":"node_down"' '"node":"e"' '"addr":"'"$(netns_mgmt e)"'"'
tap_result $? "MA: node_down for e, with its management address"
wait_until 10 has a '"event":"report"' '"node":"c"' '"report":"neighbour_down"'
tap_result $? "MA: c's report of a lost neighbour"
up_before=$(grep -c '"event":"node_up"' "$NETNS_STATE/a.events")
ip -n "$(netns_ns c)" link set "$if_cd" up
ups_since() { [ "$(grep -c '"event":"node_up"' "$NETNS_STATE/a.events")" -ge $((up_before + 2)) ]; }
wait_until 10 ups_since
tap_result $? "MA: node_up for d and e once the link is back"
tap_ok "MA: the node_up lines name d and e" \
	sh -c "tail -n +1 '$NETNS_STATE/a.events' | grep '\"event\":\"node_up\"' | grep -q '\"node\":\"d\"' &&
	       grep '\"event\":\"node_up\"' '$NETNS_STATE/a.events' | grep -q '\"node\":\"e\"'"
wait_until 10 agents_reach a e
tap_result $? "e reachable again"

# ---- 2. a dead agent ----
n0=$(n_lines a)
agent_kill e KILL
wait_until 10 has a '"event":"report"' '"node":"d"' '"report":"neighbour_down"' '"peer":"e"'
tap_result $? "MA: d reports e gone (peer named from e's LSA)"
wait_until 10 sh -c "tail -n +$((n0 + 1)) '$NETNS_STATE/a.events' | grep '\"event\":\"node_down\"' | grep -q '\"node\":\"e\"'"
tap_result $? "MA: node_down for e"
n0=$(n_lines a)
agent_start e
wait_until 10 sh -c "tail -n +$((n0 + 1)) '$NETNS_STATE/a.events' | grep '\"event\":\"node_up\"' | grep -q '\"node\":\"e\"'"
tap_result $? "MA: node_up for e after its agent restarted"

# ---- 3. the lines ----
# shellcheck disable=SC2016
json_ok() {
	python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    d = json.loads(line)
    assert d["agent"] == sys.argv[2], d
    assert d["event"] and d["time"].endswith("Z"), d
    n += 1
assert n > 0
' "$NETNS_STATE/$1.events" "$1"
}
tap_ok "every line of the MA's watcher is a JSON object naming the MA" json_ok a
tap_ok "every line of c's watcher is a JSON object naming c" json_ok c
tap_ok "nothing on the watchers' stderr" \
	test ! -s "$NETNS_STATE/a.watch.err" -a ! -s "$NETNS_STATE/c.watch.err"
agent_kill c TERM
wait_until 10 sh -c "! kill -0 $WATCH_c 2>/dev/null"
tap_result $? "c's watcher ends when c's agent stops"
wait "$WATCH_c"
tap_result $((! $?)) "... with a non-zero status"
tap_ok "... and says why" grep -q "closed the connection" "$NETNS_STATE/c.watch.err"
tap_ok "c's socket is removed with its agent" test ! -e "$(sock c)"
tap_ok "mmsctl watch with no socket path: usage error" \
	sh -c "! '$MMS_BUILD/mmsctl' watch 2>/dev/null"
tap_ok "mmsctl watch on a path with no agent: error" \
	sh -c "! '$MMS_BUILD/mmsctl' watch '$NETNS_STATE/none.sock' 2>/dev/null"

echo "# the MA's watcher:"; sed "s/^/#   /" "$NETNS_STATE/a.events"
kill "${WATCH_PIDS[@]}" 2>/dev/null
tap_done
