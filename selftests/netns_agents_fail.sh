#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Failures under real agents, on ring8 with the MA on r1 (every node
# enrolled with mms-enroll first):
#
#            r2 ---- r3 =sw= r4
#           /                  \        =sw= : a Linux bridge in a namespace
#         r1 (MA)               r5            of its own, between the two
#           \                  /              ends, which can stop
#            r8 ---- r7 =sw= r6               forwarding with carrier kept
#
# r1 reaches r5, farthest away, over one side of the ring (which one
# depends on node ids); the forwarding counters tell which. On that side:
#
#  1. a link cut (ip link set down on one end, the other end loses carrier):
#     r1 <-> r5 restored, every CM reachable;
#  2. a silent failure (the switch stops forwarding, both ends keep
#     carrier): restored after the hello hold time;
#  3. a dead node (agent killed, every link down): the rest reachable;
#  4. on a fresh ring, the agent of the transit node in the middle killed
#     with SIGKILL: its datapath keeps forwarding (its counters grow with
#     no agent), and the ping r1 -> r5 running through it continues. Its
#     neighbours stop hearing hellos and declare it down after the hold time
#     it announced (3 x 15 ms by default; ~500 ms here, so that there is time
#     to watch the datapath alone), and the MA routes around it: traffic
#     continues by the other side. On a line, with no other side, it would
#     stop there (docs/control-plane.md). The agent restarted on its pinned
#     datapath makes the node reachable again, with a new session with the
#     MA (more restarts: netns_agents_restart.sh);
#  5. two MAs (r1 and r5), r1's agent killed with SIGKILL: every CM stays
#     reachable from r5, and reaches r5. (The MAs hold a session with each
#     other and route through each other while both live:
#     selftests/netns_mama_*.sh.)
#
# Outages are printed as comments; timings belong to make bench.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/netns.sh
. "$here/../scripts/netns.sh"
# shellcheck source=scripts/agents.sh
. "$here/../scripts/agents.sh"

netns_test_begin "mms-af$$-" "$MMS_BUILD/mms-agent" "$MMS_BUILD/mms-enroll" \
	"$MMS_BUILD/bench/icmp_probe"
AGENTS_METRICS=1

now_ns() { date +%s%N; }

# ring NAME MA...: a fresh ring8 with switched r3-r4 and r6-r7, enrolled,
# agents started (those in $SLOW with a ~500 ms hold time: 33 x 15 ms) and
# converged.
ring() {
	local name=$1
	shift
	netns_cleanup
	netns_init "mms-af$$-$name-" || tap_bail "no registry"
	netns_build "$(netns_topo ring8)" || tap_bail "building ring8"
	if ! netns_switch_link r3 r4 || ! netns_switch_link r6 r7; then
		tap_bail "switches on r3-r4, r6-r7"
	fi
	agents_enroll "$@" 2>"$NETNS_STATE/enroll.err"	# not in a subshell: sets globals
	tap_ok "$name: ring8 enrolled with mms-enroll (MA $*)" test ! -s "$NETNS_STATE/enroll.err" ||
		{ sed 's/^/# /' "$NETNS_STATE/enroll.err"; tap_bail "enrollment"; }
	local n m ok=0
	for n in $(netns_nodes); do
		if [[ " ${SLOW:-} " == *" $n "* ]]; then
			agent_start "$n" --dead-mult 33
		else
			agent_start "$n"
		fi
	done
	# Every CM from every MA (with two, also through each other:
	# docs/security.md, "MA to MA").
	for m in "$@"; do
		# shellcheck disable=SC2046
		wait_until 30 agents_reach "$m" $(agents_cms) || ok=1
	done
	tap_result $ok "$name: every CM reachable over mm0 from every MA"
	[ $ok = 0 ] || { agents_logs 8; tap_bail "no convergence"; }
}

# forwarding NODE...: those of NODE... that forward r1 -> r5 traffic now.
# 100 pings: a node on the path forwards each request or each reply; a
# node off it sees a few beacon acks and LSAs at most.
forwarding() {
	local n
	declare -A f0
	for n in "$@"; do f0[$n]=$(mms_stat "$n" forward); done
	in_ns r1 ping -q -c 100 -i 0.005 -W 1 "$(netns_mgmt r5)" >/dev/null
	for n in "$@"; do
		[ $(($(mms_stat "$n" forward) - f0[$n])) -ge 80 ] && echo "$n"
	done
}

# side: "A" when r1 -> r5 goes by r2 r3 r4, "B" by r8 r7 r6; sets the
# nodes and links of that side (so not to be called in a subshell).
side() {
	local on
	on=$(forwarding r3 r7)
	case $on in
	r3*) SIDE=A; NEAR=r2; MID=r3; SW=(r3 r4) ;;
	r7*) SIDE=B; NEAR=r8; MID=r7; SW=(r7 r6) ;;
	*) SIDE=""; return 1 ;;
	esac
}

# timeouts NODE: how many neighbours NODE's agent (this run) declared down
# for silence.
timeouts() { grep -c "down: hello timeout" "$(agent_log "$1")"; }
more_timeouts() {	# NODE COUNT: NODE declared more than COUNT down for silence
	[ "$(timeouts "$1")" -gt "$2" ]
}

side_or_bail() {
	if side; then
		tap_result 0 "r1 -> r5 goes by one side of the ring (now $SIDE, through $MID)"
	else
		tap_result 1 "r1 -> r5 goes by one side of the ring"
		agents_logs 10
		tap_bail "no path r1 -> r5 found"
	fi
}

nbrs_up() {	# NODE COUNT: NODE has COUNT neighbours up
	[ "$(agent_metric "$1" mms_neighbours_up)" = "$2" ]
}

# ring_whole: every link back, both ends of each with their neighbours up,
# everything reachable.
ring_whole() {
	local n
	for n in r1 r2 r3 r4 r5 r6 r7 r8; do
		wait_until 10 nbrs_up "$n" 2 || return 1
	done
	wait_until 10 agents_reach_all r1
}

# declared_dead: MID's neighbours have given up on it (after the hold time)
declared_dead() {
	local n
	for n in $(netns_peers "$MID"); do
		more_timeouts "$n" "${to[$n]}" || return 1
	done
}
declared_dead_now() {
	local n
	for n in $(netns_peers "$MID"); do
		more_timeouts "$n" "${to[$n]}" && return 0
	done
	return 1
}

# ---- 1. a link cut on the active path ----
ring cut r1
side_or_bail
probe_start r1 r5 10
t0=$(now_ns)
ip -n "$(netns_ns "$NEAR")" link set "$(netns_if "$NEAR" "$MID")" down
tap_ok "cut $NEAR-$MID (down at $NEAR): r1 reaches r5 again" wait_until 10 agents_reach r1 r5
tap_ok "cut $NEAR-$MID: every CM reachable from r1" wait_until 10 agents_reach_all r1
tap_ok "cut $NEAR-$MID: r1 reachable from every CM" wait_until 10 agents_reach_ma r1
probe_stop
tap_diag "  ping r1 -> r5 every 10 ms: outage ms, lost, sent, loss runs: $(probe_outage "$t0")"
ip -n "$(netns_ns "$NEAR")" link set "$(netns_if "$NEAR" "$MID")" up
tap_ok "link back: the ring is whole again" ring_whole

# ---- 2. a silent failure on the active path ----
side_or_bail
to0=$(timeouts "${SW[0]}") to1=$(timeouts "${SW[1]}")
probe_start r1 r5 10
t0=$(now_ns)
netns_switch_block "${SW[0]}" "${SW[1]}"
tap_ok "silent ${SW[0]}-${SW[1]}: r1 reaches r5 again" wait_until 10 agents_reach r1 r5
tap_ok "silent ${SW[0]}-${SW[1]}: every CM reachable from r1" wait_until 10 agents_reach_all r1
probe_stop
tap_diag "  ping r1 -> r5 every 10 ms: outage ms, lost, sent, loss runs: $(probe_outage "$t0")"
tap_ok "silent ${SW[0]}-${SW[1]}: both ends kept carrier" \
	test "$(netns_carrier "${SW[0]}" "${SW[1]}")$(netns_carrier "${SW[1]}" "${SW[0]}")" = 11
tap_ok "silent ${SW[0]}-${SW[1]}: both ends declared the neighbour down on silence" \
	sh -c "[ $(timeouts "${SW[0]}") -gt $to0 ] && [ $(timeouts "${SW[1]}") -gt $to1 ]"
netns_switch_pass "${SW[0]}" "${SW[1]}"
tap_ok "switch forwarding again: the ring is whole again" ring_whole

# ---- 3. a dead node ----
side_or_bail
dead=$MID
agent_kill "$dead" KILL
for i in $(netns_ifs "$dead"); do ip -n "$(netns_ns "$dead")" link set "$i" down; done
alive=$(netns_nodes | grep -vx "r1" | grep -vx "$dead")
# shellcheck disable=SC2086
tap_ok "$dead dead (agent killed, links down): every other CM reachable from r1" \
	wait_until 10 agents_reach r1 $alive
rest_reach_ma() { local n; for n in $alive; do agents_reach "$n" r1 || return 1; done; }
tap_ok "$dead dead: r1 reachable from every other CM" wait_until 10 rest_reach_ma

# ---- 4. SIGKILL of a transit node's agent (a ring of its own) ----
# r3 and r7 say a hold time of 495 ms in their hellos: their neighbours keep
# sending through them that long after their agent dies, long enough to see
# the datapath forward on its own.
SLOW="r3 r7" ring kill r1
side_or_bail
declare -A to=()
for n in $(netns_peers "$MID"); do to[$n]=$(timeouts "$n"); done
probe_start r1 r5 5
t0=$(now_ns)
agent_kill "$MID" KILL
tap_ok "$MID's agent killed with SIGKILL" agent_dead "$MID"
fwd1=$(mms_stat "$MID" forward)
pre_dead=$(declared_dead_now && echo yes || echo no)
tap_ok "$MID's neighbours declare it down after the hold time" wait_until 5 declared_dead
tap_ok "r1 reaches r5 after that" wait_until 10 agents_reach r1 r5
in_ns r1 ping -q -c 25 -i 0.01 -W 1 "$(netns_mgmt r5)" >/dev/null	# probes after the reroute
probe_stop
read -r out lost sent _ <<<"$(probe_outage "$t0")"
tap_diag "  ping r1 -> r5 every 5 ms from the kill: outage $out ms, $lost of $sent lost"
fwd2=$(mms_stat "$MID" forward)
if [ "$pre_dead" = no ]; then
	tap_cmp "$MID's datapath went on forwarding with its agent dead" "$fwd2" -gt "$fwd1"
	tap_diag "  $MID forwarded $((fwd2 - fwd1)) frames with its agent dead, until its neighbours gave up on it"
else
	tap_result 1 "$MID's datapath went on forwarding with its agent dead"
	tap_diag "  its neighbours gave up on it before its death was even confirmed (machine too slow?)"
fi
tap_ok "the ping through $MID never stopped for good: the last 50 probes answered" \
	sh -c "tail -n 50 '$PROBE_LOG' | awk '\$3 == 0 { exit 1 }'"
tap_ok "$MID's pins survived the kill" test -e "$(netns_pin "$MID")/mms_routes"
agent_start "$MID"
# It takes back its hop key from the datapath, so the MA's routes to and
# through it stay valid, and the MA gives it a new session.
tap_ok "$MID's agent restarted on its pinned datapath: reachable again" \
	wait_until 10 agents_reach r1 "$MID"
has_session() { [ "$(agent_metric "$MID" mms_auth_sessions 2>/dev/null)" = 1 ]; }
tap_ok "$MID's new agent has a session with the MA" wait_until 10 has_session
tap_ok "every CM reachable from r1 again" wait_until 10 agents_reach_all r1

# ---- 5. two MAs, one killed ----
ring twoma r1 r5
probe_start r5 r2 10
t0=$(now_ns)
agent_kill r1 KILL
tap_ok "MA r1's agent killed with SIGKILL" agent_dead r1
cms="r2 r3 r4 r6 r7 r8"
r1_gone() { more_timeouts r2 0 && more_timeouts r8 0; }	# r1's neighbours gave up on it
tap_ok "r1's neighbours declare it down" wait_until 5 r1_gone
# shellcheck disable=SC2086
tap_ok "every CM reachable from MA r5" wait_until 10 agents_reach r5 $cms
cms_reach_r5() { local n; for n in $cms; do agents_reach "$n" r5 || return 1; done; }
tap_ok "MA r5 reachable from every CM" wait_until 10 cms_reach_r5
probe_stop
tap_diag "  ping r5 -> r2 every 10 ms from the kill: outage ms, lost, sent, loss runs: $(probe_outage "$t0")"
tap_ok "the ping r5 -> r2 went on: the last 20 probes answered" \
	sh -c "tail -n 20 '$PROBE_LOG' | awk '\$3 == 0 { exit 1 }'"

for n in $(netns_nodes); do
	[ "$n" = r1 ] || agent_alive "$n" || { tap_result 1 "agent on $n still running"; agents_logs 5; }
done
tap_done
