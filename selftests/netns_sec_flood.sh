#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# One neighbour floods, the others carry on: agents and their security
# layer under a control-frame flood (the datapath half, without agents, is
# netns_flood.sh).
#
#     a (MA) ---- b ---- c
#                 |  \
#                 f    d
#              flooder  (starts, then restarts, during the floods)
#
# f is a rogue (not enrolled) that floods b, link scope, as fast as its
# socket takes frames:
#   1. made-up hellos, beacons and challenges;
#   2. genuine beacons and handshake messages of a (captured on a's link
#      to b: its challenge and confirm to b, its relays), which cost
#      signature checks if nothing stopped them.
# During each: a pings c every 10 ms, 500 times, and loses at most 1 % more
# than in the same pings before any flood (the baseline, taken in this run:
# what the flood adds is judged, not the machine's load); d, an
# enrolled CM, authenticates (phase 1: its first start, phase 2: a restart)
# and is reached by a; b's datapath saw the flood (frames to the agent plus
# frames over budget) and every agent lives.
# Agents hold a neighbour for 1 s (lib/sec.sh): a hold of 40 ms, missed
# by an agent starved on a loaded machine, took links down and lost pings
# that no flood caused.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/netns.sh
. "$here/../scripts/netns.sh"
# shellcheck source=selftests/lib/sec.sh
. "$here/lib/sec.sh"

FLOOD_MAX_S=20		# a flood stops by itself after this (killed once done)
PINGS=500

sec_begin "mms-sf-$$-" 'a b\nb c\nb d\nb f\n' a b c d
tap_ok "f: a rogue that trusts a" sec_rogue f || tap_bail "f"
sec_capture a b || tap_bail "capture"
sec_up a b c f
f_has_b() { mmsctl_at f nbr show | awk '$1 == 1 && /up/ { f = 1 } END { exit !f }'; }
tap_ok "f has b as its neighbour (port 1)" wait_until 10 f_has_b
sec_capture_stop a b
A2B=$(sec_pcap a b)
chal=$("$MMS_BUILD/mms-inject" --pcap "$A2B" --list --type auth | awk '$NF == "0x1" { n++ } END { print n + 0 }')
captured() { [ "$chal" -ge 1 ] && [ "$(sec_captured "$A2B" beacon)" -ge 1 ]; }
tap_ok "captured a's beacons and its challenge to b" captured
C=$(netns_mgmt c)
in_ns a ping -i 0.01 -c $PINGS -W 1 -q "$C" >"$NETNS_TMP/ping0" 2>&1
read -r base_lost base_sent <<<"$(sec_lost "$NETNS_TMP/ping0")"
tap_cmp "baseline: ping a -> c every 10 ms, no flood: $base_lost of $base_sent lost" \
	"$base_sent" -eq $PINGS

flood_pids=()
flood_start() {	# LOG MMS-INJECT-ARGS...
	local log=$1
	shift
	netns_bg f "$NETNS_TMP/$log" "$MMS_BUILD/mms-inject" -v --gap-us 0 --seconds "$FLOOD_MAX_S" \
		--count 100000000 "$@"
	flood_pids+=("$NETNS_LAST_PID")
}
flood_stop() {
	local p
	for p in "${flood_pids[@]}"; do kill -INT "$p" 2>/dev/null; done
	for p in "${flood_pids[@]}"; do wait_until 5 eval "! kill -0 $p 2>/dev/null"; done
	flood_pids=()
}
to_agent() { echo $(($(mms_stat b link_agent) + $(mms_stat b drop_ratelimit))); }
flooding() { [ $(($(to_agent) - $1)) -ge 2000 ]; }
d_session_up() { [ "$(sec_event a session_up)" -gt "$1" ] && sec_converged d; }
all_alive() { local n; for n in a b c f ${1:-}; do sec_alive "$n" || return 1; done; }

# phase PHASE DESCRIPTION: flood running; ping, d's authentication, checks
phase() {
	local p=$1 what=$2 t0 s0 lost sent rise
	t0=$(to_agent)
	s0=$(sec_event a session_up)
	la0=$(mms_stat b link_agent) rl0=$(mms_stat b drop_ratelimit) t_start=$(date +%s)
	tap_ok "$p: f floods b with $what" wait_until 10 flooding "$t0"
	in_ns a ping -i 0.01 -c $PINGS -W 1 -q "$C" >"$NETNS_TMP/ping$p" 2>&1 &
	local ping=$!
	if [ "$p" = 1 ]; then
		sec_start d
	else
		sec_stop d && sec_start d
	fi
	tap_ok "$p: d authenticates ($([ "$p" = 1 ] && echo first start || echo restart)) and a reaches it" \
		wait_until 20 d_session_up "$s0"
	wait "$ping"
	read -r lost sent <<<"$(sec_lost "$NETNS_TMP/ping$p")"
	rise=$(loss_rise "$base_lost" "$base_sent" "$lost" "$sent")
	tap_ok "$p: ping a -> c every 10 ms meanwhile: $lost of $sent lost, $rise % over the baseline (<= 1 %)" \
		pct_le "$rise" 1 || grep -h "down\|up\|session" "$NETNS_TMP"/*.log | sort | tail -n 20 | sed 's/^/# /'
	tap_cmp "$p: frames of f's flood that reached b's agent or its budget" \
		$(($(to_agent) - t0)) -ge 5000
	flood_stop
	FLOOD_S=$(($(date +%s) - t_start + 1))
	tap_diag "$p: $(grep -h frames "$NETNS_TMP"/flood$p*.log | sed 's/mms-inject: //' | tr '\n' ' ')"
	tap_diag "$p: b's agent got $(($(mms_stat b link_agent) - la0)) frames, its budget dropped $(($(mms_stat b drop_ratelimit) - rl0))"
	tap_ok "$p: no agent died" all_alive d
}

flood_start flood1.log --pin "$(netns_pin f)" --link hello,beacon,auth --port 1
phase 1 "made-up hellos, beacons and challenges"
sig0=$(sec_m b mms_auth_signature_checks_total) resp0=$(sec_event b response_sent)
flood_start flood2.log --iface "$(netns_if f b)" --pcap "$A2B" --type beacon --type auth
phase 2 "a's genuine beacons and handshake messages"
# a signs 10 beacons a second, each checked once however often it comes;
# b answers 4 challenges of a port at once, then one a second
sigs=$(($(sec_m b mms_auth_signature_checks_total) - sig0))
resp=$(($(sec_event b response_sent) - resp0))
tap_cmp "2: b checked $sigs signatures in ${FLOOD_S} s: a's new beacons, not the copies" \
	"$sigs" -le $((12 * FLOOD_S + 4))
tap_cmp "2: b answered $resp challenges in ${FLOOD_S} s (4, then one a second)" \
	"$resp" -le $((4 + FLOOD_S))
tap_ok "every enrolled node reaches a and is reached" sec_converged b c d || sec_logs
tap_done
