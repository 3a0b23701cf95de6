#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Agents restarted on their pinned datapath (every node enrolled first; the
# MA is the first node of each file):
#
#   line5    a(MA) - b - c - d - e        c: transit, d and e behind it
#   ring8    r1(MA) - r2 - ... - r8 - r1  the transit of r1 -> r5, and r5
#   abilene  ATLA(MA), the 11-node Internet2 backbone: the transit of
#            ATLA -> STTL (the farthest CM), and STTL
#
# For each: a ping stream from the MA to the farthest CM every 5 ms while a
# CM's agent is killed and started again, several times in a row, with
# SIGKILL and with SIGTERM (the datapath stays either way). After each
# restart every CM must answer the MA again, and the MA every CM, within a
# bounded wait: the restarted agent takes back the hop keys its datapath
# holds (the MAs' routes through it stay valid) and its routes to the MA,
# keeps the neighbours its datapath holds up, numbers its LSAs above its
# last run's (none refused as old), and gets a new session from the MA.
# The ping through a restarted node loses at most MAXLOST probes; outages
# are printed as comments.
# SIGTERM: the agent's last hello asks its neighbours to keep it up for a
# while (its datapath forwards meanwhile), so nothing should be lost;
# SIGKILL: they time it out after its hold time, and on a line traffic stops
# until it is back.
#
# Last, on line5: the MA's agent restarted with SIGTERM: every CM must come
# back under it (new sessions with each, routes installed again, pings both
# ways).
#
# Waits are bounded and on conditions; timings belong to make bench.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/netns.sh
. "$here/../scripts/netns.sh"
# shellcheck source=scripts/agents.sh
. "$here/../scripts/agents.sh"

netns_test_begin "mms-ar$$-" "$MMS_BUILD/mms-agent" "$MMS_BUILD/mms-enroll" \
	"$MMS_BUILD/bench/icmp_probe"
AGENTS_METRICS=1
# Probes (5 ms apart) a restart may lose at most, generously: none are
# expected after SIGTERM (the agent's last hello asks its neighbours to keep
# it up for 2 s); after SIGKILL they time it out first (45 ms).
# (On a loaded machine neighbours also time each other out now and then:
# hence the margins.)
declare -A MAXLOST=([TERM]=40 [KILL]=100)

now_ns() { date +%s%N; }

# net TOPO: a fresh network of TOPO, enrolled, agents up and converged; MA
# is its MA.
net() {
	local topo=$1 ok=0
	netns_cleanup
	netns_init "mms-ar$$-$topo-" || tap_bail "no registry"
	netns_build "$(netns_topo "$topo")" || tap_bail "building $topo"
	MA=$(netns_nodes | head -n 1)
	agents_enroll "$MA" 2>"$NETNS_STATE/enroll.err"	# not in a subshell: sets globals
	if [ -s "$NETNS_STATE/enroll.err" ]; then
		sed 's/^/# /' "$NETNS_STATE/enroll.err"
		tap_bail "enrollment"
	fi
	agents_start
	wait_until 30 agents_reach_all "$MA" || ok=1
	tap_result $ok "$topo: every CM reachable over mm0 from MA $MA"
	[ $ok = 0 ] || { agents_logs 8; tap_bail "no convergence"; }
}

# timeouts NODE: neighbours NODE's agent (this run) declared down for silence.
timeouts() { grep -c "down: hello timeout" "$(agent_log "$1")"; }

has_session() { [ "$(agent_metric "$1" mms_auth_sessions 2>/dev/null)" = 1 ]; }

# back: every CM answers the MA and the MA every CM.
back() { agents_reach_all "$MA" && agents_reach_ma "$MA"; }

# transit_of DST: a CM that forwards the MA's pings to DST (100 pings: a
# node on the path forwards each request or each reply), the one nearest
# the middle of the path, so that CMs lie behind it.
transit_of() {
	local dst=$1 n f d want best="" bd=99
	declare -A f0
	want=$((($(netns_path "$MA" "$dst" | wc -w) - 1) / 2))
	for n in $(agents_cms); do f0[$n]=$(mms_stat "$n" forward); done
	in_ns "$MA" ping -q -c 100 -i 0.005 -W 1 "$(netns_mgmt "$dst")" >/dev/null
	for n in $(agents_cms); do
		[ "$n" = "$dst" ] && continue
		f=$(($(mms_stat "$n" forward) - f0[$n]))
		[ "$f" -ge 80 ] || continue
		d=$(($(netns_path "$MA" "$n" | wc -w) - 1 - want))
		[ "${d#-}" -lt "$bd" ] && { bd=${d#-}; best=$n; }
	done
	[ -n "$best" ] && echo "$best"
}

# core_event NODE KIND: NODE's mms_core_events_total{kind="KIND"}.
core_event() {
	local i
	for ((i = 0; i < 10; i++)); do	# a scrape can fail while the agent is busy
		agent_scrape "$1" 2>/dev/null |
			awk -v k="mms_core_events_total{kind=\"$2\"}" '$1 == k { print $2; f = 1 } END { exit !f }' &&
			return 0
		sleep 0.1
	done
	return 1
}

# restart NODE SIGNAL DST: NODE's agent killed with SIGNAL and started again
# while the MA pings DST every 5 ms; checks that everything comes back, and
# that the ping lost at most MAXLOST probes.
restart() {
	local node=$1 sig=$2 dst=$3 t0 t1 out lost sent runs what n downs=0
	declare -A d0
	what="$node's agent restarted ($sig, run ${AGENT_RUNS[$node]:-1})"
	for n in $(netns_peers "$node"); do d0[$n]=$(timeouts "$n"); done
	probe_start "$MA" "$dst" 5
	wait_until 5 test -s "$PROBE_LOG" || true
	t0=$(now_ns)
	agent_kill "$node" "$sig"
	tap_ok "$node's agent gone after SIG$sig" agent_dead "$node"
	agent_start "$node"
	if wait_until 20 back; then
		tap_result 0 "$what: every CM answers $MA and $MA every CM"
	else
		tap_result 1 "$what: every CM answers $MA and $MA every CM"
		# shellcheck disable=SC2046
		tap_diag "  unreached from $MA: $(agents_unreached "$MA" $(agents_cms))"
		agents_logs 6
	fi
	tap_diag "  back $((($(now_ns) - t0) / 1000000)) ms after the kill (0.1 s polling)"
	tap_ok "$what: a new session with the MA" wait_until 10 has_session "$node"
	tap_ok "$node took back its hop key from the pinned datapath" \
		grep -q "took back .* hop key" "$(agent_log "$node")"
	in_ns "$MA" ping -q -c 20 -i 0.005 -W 1 "$(netns_mgmt "$dst")" >/dev/null	# after it
	t1=$(($(now_ns) - 50000000))	# later probes may still be in flight
	probe_stop
	read -r out lost sent runs <<<"$(probe_outage "$t0" "$t1")"
	for n in $(netns_peers "$node"); do downs=$((downs + $(timeouts "$n") - d0[$n])); done
	tap_diag "  ping $MA -> $dst every 5 ms across it: outage $out ms, $lost of $sent lost, $runs loss runs" \
		"  $(grep -o "started in [0-9]* ms" "$(agent_log "$node")"); its neighbours timed it out $downs times"
	tap_cmp "$what: ping $MA -> $dst lost at most ${MAXLOST[$sig]} probes" "$lost" -le "${MAXLOST[$sig]}"
	tap_ok "$what: the ping to $dst goes on (of its last 10 probes, some answered)" \
		sh -c "awk -v u=$t1 '\$2 < u' '$PROBE_LOG' | tail -n 10 | awk '\$3 != 0 { f = 1 } END { exit !f }'"
}

# ---- restarts of CMs, transit and not, on each topology ----
for topo in ${RESTART_TOPOS:-line5 ring8 abilene}; do
	net "$topo"
	far=$(netns_farthest "$MA" 2>/dev/null || netns_nodes | tail -n 1)
	mid=$(transit_of "$far") || { tap_result 1 "$topo: a transit node on $MA -> $far"; continue; }
	tap_diag "$topo: $MA -> $far goes through $mid"
	restart "$mid" KILL "$far"
	restart "$mid" KILL "$far"
	restart "$mid" TERM "$far"
	restart "$far" KILL "$far"
	restart "$far" TERM "$far"
	old=$(core_event "$MA" lsa_old)
	tap_cmp "$topo: no LSA of a restarted CM refused as old at the MA" "${old:-x}" = 0
done

# ---- the MA restarted (line5) ----
net line5
sessions() { [ "$(agent_metric "$MA" mms_auth_sessions)" = "$1" ]; }
ncm=$(agents_cms | wc -l)
tap_ok "line5: MA $MA holds a session with each of the $ncm CMs" wait_until 10 sessions "$ncm"
t0=$(now_ns)
agent_kill "$MA" TERM
tap_ok "MA $MA's agent gone after SIGTERM" agent_dead "$MA"
agent_start "$MA"
tap_ok "MA $MA restarted: every CM answers it and it every CM" wait_until 20 back
tap_diag "  back $((($(now_ns) - t0) / 1000000)) ms after the kill (0.1 s polling)"
tap_ok "the restarted MA made a new session with each of the $ncm CMs" wait_until 10 sessions "$ncm"
hop_keys() { [ "$(agent_metric "$MA" mms_auth_hop_keys)" = "$ncm" ]; }
tap_ok "the restarted MA holds every CM's hop key" wait_until 10 hop_keys
built=$(core_event "$MA" routes_built) ctl=$(core_event "$MA" control_sent)
tap_cmp "the restarted MA built routes to the CMs again ($built destinations)" "${built:-0}" -ge "$ncm"
tap_cmp "and sent them their routes to it ($ctl CONTROLs)" "${ctl:-0}" -ge "$ncm"

for n in $(netns_nodes); do
	agent_alive "$n" || { tap_result 1 "agent on $n still running"; agents_logs 5; }
done
tap_done
