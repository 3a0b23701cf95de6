#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# A rogue floods the MA over a beacon's reverse route: the relay it floods
# through charges that control in transit to it, so the relay's routed
# budget at the MA, which every node behind the relay shares, stays theirs.
#
#     a (MA) ---- b ---- d   (d starts during the flood)
#                 |
#                 f  rogue: not enrolled, but it hears a's beacons through b
#                    and so holds their reverse route to a
#
# f sends routed challenges to a over that route as fast as its socket
# takes them. Checks: b drops the excess against f's transit budget (and
# not because of f's made-up source: f's frames carry their hop fields), a
# drops none of what b delivers (b's routed budget at a never runs out: what
# reached a's agent is within b's transit budget for f), d authenticates
# and a reaches it, no agent dies. Before transit budgets, a's budget for b
# passed about 5000 of f's 250k-500k frames a second and refused the rest,
# d's handshake frames among them.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/netns.sh
. "$here/../scripts/netns.sh"
# shellcheck source=selftests/lib/sec.sh
. "$here/lib/sec.sh"

FLOOD_MAX_S=30		# the flood stops by itself after this (stopped once done)
TRANSIT_RATE=2500	# b's transit budget per sender: agent/ratelimit.c
TRANSIT_BURST=500

sec_begin "mms-st-$$-" 'a b\nb d\nb f\n' a b d
tap_ok "f: a rogue that trusts a" sec_rogue f || tap_bail "f"
sec_up a b f
A=$(netns_mgmt a)
F=$(netns_mgmt f)
f_route() { mmsctl_at f route show | awk -v a="$A" '$1 == a { f = 1 } END { exit !f }'; }
tap_ok "f holds a route to a (its beacon's reverse route through b)" wait_until 10 f_route ||
	tap_bail "no route at f"

a_drop0=$(mms_stat a drop_ratelimit) a_agent0=$(mms_stat a deliver_agent)
b_drop0=$(mms_stat b drop_ratelimit) s0=$(sec_event a session_up) t0=$(date +%s)
netns_bg f "$NETNS_TMP/flood.log" "$MMS_BUILD/mms-inject" -v --pin "$(netns_pin f)" \
	--src "$F" --dst "$A" --type auth --gap-us 0 --seconds "$FLOOD_MAX_S" --count 100000000
flood=$NETNS_LAST_PID
b_cut() { [ $(($(mms_stat b drop_ratelimit) - b_drop0)) -ge "$1" ]; }
tap_ok "f floods: b drops what exceeds f's transit budget" wait_until 10 b_cut 20000

sec_start d
d_up() { [ "$(sec_event a session_up)" -gt "$s0" ] && sec_converged d; }
tap_ok "d, behind b, authenticates during the flood and a reaches it" wait_until 20 d_up
# and the flood goes on a while (about a second) before a's counters are read
tap_ok "f's flood goes on" wait_until 10 b_cut 300000

a_drop=$(($(mms_stat a drop_ratelimit) - a_drop0))
a_agent=$(($(mms_stat a deliver_agent) - a_agent0))
secs=$(($(date +%s) - t0 + 1))
kill -INT "$flood" 2>/dev/null
wait_until 5 eval "! kill -0 $flood 2>/dev/null"
tap_diag "$(sed 's/mms-inject: //' "$NETNS_TMP/flood.log" | tr '\n' ' ')"
tap_diag "in ${secs} s: b dropped $(($(mms_stat b drop_ratelimit) - b_drop0)), a's agent got $a_agent"
tap_cmp "a dropped none of what b delivered (b's routed budget at a lasted)" "$a_drop" -eq 0
# f's share, plus what d, b and a's other neighbours' control brings
tap_cmp "what reached a's agent is within f's transit budget at b (+ 500 of others')" \
	"$a_agent" -le $((TRANSIT_BURST + TRANSIT_RATE * secs + 500))
all_alive() { local n; for n in a b d f; do sec_alive "$n" || return 1; done; }
tap_ok "no agent died" all_alive
tap_done
