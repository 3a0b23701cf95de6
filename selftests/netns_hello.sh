#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Absorbed hellos (docs/control-plane.md, "Neighbours"; bpf/mms_hello.h):
# an up neighbour's unchanged hellos stop in the XDP program, which records
# their arrival for the agent; only changes reach the agent. On line5, MA a,
# the link c-d through a switch (a silent failure keeps carrier):
#
#   a (MA) --- b --- c ==sw== d --- e
#
#  1. steady state: every node holds one template per neighbour
#     (mms_hello_tpl), hello_absorbed grows at every node, and no
#     neighbour goes down while it does (the arrivals keep them up);
#  2. a change is seen at once: d stopped with SIGTERM announces a 2 s hold
#     in its last hello (core_pause): c takes it and keeps d up past d's
#     45 ms hold; the stopped agent leaves no template behind; d back:
#     its hellos (a 45 ms hold again) are taken and absorbed anew;
#  3. a silent failure (the switch stops forwarding, carrier stays) is
#     still found by the hold time at both ends; forwarding back: up again
#     and absorbed again;
#  4. the far side's link down (d-e set down at e): carrier at d, down at
#     once, the template removed; back up: absorbed again;
#  5. c killed with SIGKILL (its templates stay pinned) and restarted: it
#     rebuilds them, its neighbours stay up, and c's hellos reach them.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/netns.sh
. "$here/../scripts/netns.sh"
# shellcheck source=scripts/agents.sh
. "$here/../scripts/agents.sh"

agents_test_begin "mms-he$$-" line5 a
AGENTS_METRICS=1
netns_switch_link c d || tap_bail "switch on c-d"

for n in $(netns_nodes); do agent_start "$n"; done
# shellcheck disable=SC2046
wait_until 30 agents_reach a $(agents_cms)
tap_result $? "every CM reachable over mm0 from the MA" || { agents_logs 8; tap_bail "no convergence"; }

absorbed() { mms_stat "$1" hello_absorbed; }
# templates NODE: entries of NODE's pinned mms_hello_tpl
templates() {
	bpftool -j map dump pinned "$(netns_pin "$1")/mms_hello_tpl" 2>/dev/null |
		python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'
}
nbrs_up() { agent_metric "$1" mms_neighbours_up; }
downs() { agent_sample "$1" 'mms_core_events_total{kind="nbr_down"}'; }
is() { [ "$("${@:2}")" = "$1" ]; }
# grows NODE N: NODE's hello_absorbed grows by N or more (1 s at most)
grows() {
	local n0 n1 i
	n0=$(absorbed "$1") || return 1
	for ((i = 0; i < 20; i++)); do
		sleep 0.05
		n1=$(absorbed "$1") || return 1
		[ "$n1" -ge $((n0 + $2)) ] && return 0
	done
	return 1
}

# ---- 1. steady state ----
for n in a e; do
	wait_until 5 is 1 templates "$n"
	tap_result $? "$n: one template (its one neighbour)"
done
for n in b c d; do
	wait_until 5 is 2 templates "$n"
	tap_result $? "$n: two templates (its two neighbours)"
done
declare -A D0
for n in $(netns_nodes); do D0[$n]=$(downs "$n"); done
for n in $(netns_nodes); do
	grows "$n" 20
	tap_result $? "$n: hello_absorbed grows (20 in 1 s at most)"
done
sleep 1	# a second of absorbed hellos only: nothing may go down in it
quiet=1
for n in $(netns_nodes); do
	[ "$(downs "$n")" = "${D0[$n]}" ] || { quiet=0; tap_diag "$n: a neighbour went down"; }
done
tap_result $((!quiet)) "no neighbour went down anywhere while hellos were absorbed"
tap_ok "c: both neighbours up" is 2 nbrs_up c
# mmsctl's LAST_HELLO of an up neighbour counts the absorbed ones
fresh() {
	mmsctl_at "$1" nbr show | awk '$6 == "up" { n++; v = $(NF - 1); sub(/s$/, "", v)
		if (v + 0 > 0.5) old++ } END { exit !(n == 2 && !old) }'
}
tap_ok "mmsctl nbr show at c: both neighbours heard within 0.5 s" fresh c

# ---- 2. a changed hello goes to the agent at once ----
dc=$(downs c)
agent_kill d TERM
# d's last hello held it for 2 s: c must have taken it, or d's 45 ms hold
# would have run out many times over by now
sleep 0.5
tap_ok "d stopped (SIGTERM): c still holds d up 0.5 s later (2 s hold taken)" is 2 nbrs_up c
tap_ok "... and took no neighbour down" is "$dc" downs c
tap_ok "d's stopped agent left no template" is 0 templates d
agent_start d
wait_until 10 agents_reach a e
tap_result $? "d back: e reachable"
tap_ok "c never took d down across d's restart" is "$dc" downs c
wait_until 5 is 2 templates d
tap_result $? "d rebuilt its two templates"
grows d 20
tap_result $? "d absorbs its neighbours' hellos again"
grows c 20
tap_result $? "c absorbs again (d's hello with its 45 ms hold is the new template)"

# ---- 3. a silent failure ----
netns_switch_block c d
wait_until 5 is 1 nbrs_up c
tap_result $? "switch blocked: c takes d down (hold time)"
wait_until 5 is 1 nbrs_up d
tap_result $? "... and d takes c down"
tap_ok "carrier stayed on both ends" is 1 netns_carrier c d
tap_ok "... (d's side)" is 1 netns_carrier d c
tap_ok "c: d's template removed" is 1 templates c
grep -q "hello timeout" "$(agent_log c)"
tap_result $? "c's log: hello timeout"
netns_switch_pass c d
wait_until 5 is 2 nbrs_up c
tap_result $? "switch forwarding again: c-d up"
wait_until 5 is 2 templates c
tap_result $? "c: d's template again"
wait_until 10 agents_reach a e
tap_result $? "e reachable again"

# ---- 4. the far side's link down ----
de=$(downs d)
if_ed=$(netns_if e d)
ip -n "$(netns_ns e)" link set "$if_ed" down
wait_until 5 is 1 nbrs_up d
tap_result $? "e's end of d-e down: d takes e down (carrier)"
tap_ok "d: e's template removed" is 1 templates d
ip -n "$(netns_ns e)" link set "$if_ed" up
wait_until 5 is 2 nbrs_up d
tap_result $? "back up: d-e up"
wait_until 5 is 2 templates d
tap_result $? "d: e's template again"
grows e 20
tap_result $? "e absorbs d's hellos again"
tap_ok "d counted one neighbour down" is $((de + 1)) downs d

# ---- 5. c killed and restarted ----
agent_kill c KILL
tap_ok "c killed: its templates stay pinned" is 2 templates c
# and one more that no run of c made: a restart must trust none of them
ifx=$(in_ns c cat "/sys/class/net/$(netns_if c b)/ifindex")
key=$(printf '%02x %02x %02x %02x 02 00 00 00 00 99 00 00' $((ifx & 255)) $((ifx >> 8 & 255)) \
	$((ifx >> 16 & 255)) $((ifx >> 24)))
# shellcheck disable=SC2086,SC2046
bpftool map update pinned "$(netns_pin c)/mms_hello_tpl" key hex $key \
	value hex 01 00 00 00 44 00 00 00 $(printf '00 %.0s' $(seq 96))
tap_ok "a stale template planted in c's pinned map" is 3 templates c
agent_start c
wait_until 10 agent_ready c
tap_result $? "c restarted"
wait_until 5 is 2 templates c
tap_result $? "c's templates rebuilt, the stale ones gone"
grows c 20
tap_result $? "c absorbs again"
wait_until 10 agents_reach a e
tap_result $? "e reachable through the restarted c"

tap_done
