#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Two MAs that cut the network between them, with real enrolled agents
# (docs/security.md, "MA to MA"):
#
#     a ---- b (MA) ---- c ---- d (MA) ---- e      ../shared/topologies/line5.topo
#
# a is reached only through b, e only through d: d reaches a, and b reaches
# e, only because each MA holds a session with the other, has its hop key
# and routes through it. Checked:
#   1. the two MAs hold a session with each other;
#   2. every node answers both MAs over mm0, a and e included, and every CM
#      reaches both MAs; b and d forwarded that traffic for each other;
#   3. a key roll started at one MA (SIGUSR1 on b), then one at the other
#      (SIGUSR1 on d), while d pings a and b pings e (each through the other
#      MA) every 10 ms: every node ends in epoch 2 with only its key
#      installed, and not one probe is lost;
#   4. no frame was dropped anywhere for want of a key (DROP_EPOCH).
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/netns.sh
. "$here/../scripts/netns.sh"
# shellcheck source=scripts/agents.sh
. "$here/../scripts/agents.sh"

agents_test_begin "mms-m5-$$-" line5 b d
AGENTS_METRICS=1
# As in netns_sec_keyroll.sh: 100 ms of silence before a neighbour is
# declared dead, so that a loaded machine does not take links down under
# the rolls (checked below).
agents_start --dead-mult 7	# 105 ms

# ---- 1, 2. every node from both MAs ----
both_ways() {	# every CM and the other MA from both MAs, and both MAs from every CM
	local n
	agents_reach b a c d e && agents_reach d a b c e || return 1
	for n in a c e; do agents_reach "$n" b d || return 1; done
}
if ! tap_ok "every node reached by b and d over mm0, and reaches both" wait_until 40 both_ways; then
	tap_diag "unreached from b: $(agents_unreached b a c d e)" \
		"unreached from d: $(agents_unreached d a b c e)"
	agents_logs 8
	tap_bail "no convergence"
fi
ma_session_up() {	# the MA with the lower ID challenged and logged it
	grep -q "session with MA .* up" "$(agent_log b)" "$(agent_log d)"
}
tap_ok "b and d hold a session with each other (the lower ID challenged)" ma_session_up
tap_cmp "b holds sessions with a, c, d and e" "$(agent_metric b mms_auth_sessions)" -eq 4
tap_cmp "d holds sessions with a, b, c and e" "$(agent_metric d mms_auth_sessions)" -eq 4

fwd_b0=$(mms_stat b forward) fwd_d0=$(mms_stat d forward)
tap_ok "d pings a (through b)" in_ns d ping -q -c 20 -i 0.01 -W 1 "$(netns_mgmt a)"
tap_ok "b pings e (through d)" in_ns b ping -q -c 20 -i 0.01 -W 1 "$(netns_mgmt e)"
tap_cmp "b forwarded d's pings to a and their answers" $(($(mms_stat b forward) - fwd_b0)) -ge 40
tap_cmp "d forwarded b's pings to e and their answers" $(($(mms_stat d forward) - fwd_d0)) -ge 40

# ---- 3. key rolls at either MA under continuous pings ----
epoch_all() { local n; for n in $(netns_nodes); do agent_in_epoch "$n" "$1" || return 1; done; }
tap_ok "every node in epoch 0" epoch_all 0
downs() {	# neighbours declared down, all nodes together
	local n s=0
	for n in $(netns_nodes); do
		s=$((s + $(agent_sample "$n" 'mms_core_events_total{kind="nbr_down"}')))
	done
	echo $s
}
down0=$(downs)
drop0=0
for n in $(netns_nodes); do drop0=$((drop0 + $(mms_stat "$n" drop_epoch))); done

probe_start d a 10
probe_da=$PROBE_LOG pid_da=$PROBE_PID
probe_start b e 10
probe_be=$PROBE_LOG pid_be=$PROBE_PID
t0=$(date +%s%N)
started() { [ "$(agent_sample "$1" 'mms_auth_events_total{event="roll_started"}')" -ge "$2" ]; }
kill -USR1 "${AGENT_PID[b]}"
tap_ok "SIGUSR1 on b: every node in epoch 1, only its key installed" wait_until 20 epoch_all 1
tap_ok "... d rolled with b (the EPOCH b sent it)" started d 1
kill -USR1 "${AGENT_PID[d]}"
tap_ok "SIGUSR1 on d: every node in epoch 2, only its key installed" wait_until 20 epoch_all 2
tap_ok "... b rolled with d" started b 2
t1=$(date +%s%N)
# a second more of probes, so that each one counted had a second to come back
sleep 1
for p in "$pid_da:$probe_da:d:a" "$pid_be:$probe_be:b:e"; do
	IFS=: read -r PROBE_PID PROBE_LOG from to <<<"$p"
	probe_stop
	read -r out lost sent runs <<<"$(probe_outage "$t0" "$t1")"
	tap_diag "  $from -> $to every 10 ms across both rolls: outage $out ms, $lost of $sent lost ($runs runs)"
	tap_ok "$from -> $to across both rolls: $sent probes, none lost" test "$lost" = 0 -a "$sent" -gt 20 ||
		grep -h "roll\|down\|epoch" "$(agent_log b)" "$(agent_log d)" | sed 's/^/# /'
done
drops=0
for n in $(netns_nodes); do drops=$((drops + $(mms_stat "$n" drop_epoch))); done
tap_cmp "no frame dropped anywhere for want of a key (DROP_EPOCH)" $((drops - drop0)) -eq 0
tap_cmp "no neighbour went down meanwhile" "$(downs)" -eq "$down0"
tap_ok "every node still reached by b and d, and reaches both" wait_until 10 both_ways

for n in $(netns_nodes); do
	agent_alive "$n" || { tap_result 1 "agent on $n still running"; agents_logs 5; }
done
tap_done
