#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# mms-agent bootstraps real networks: one MA (the first node of the file),
# every other node a CM, each enrolled with mms-enroll first, nothing else
# configured. On each of
#
#   line5    a - b - c - d - e
#   ring8    r1 - r2 - ... - r8 - r1
#   abilene  the 11-node, 14-link Internet2 backbone
#
# every CM must answer ping over mm0 from the MA, and the MA every CM. On
# abilene also: the MA's DNS answers `dig @MA NAME.mms A` with each node's
# management address (from the MA and from the CM farthest away, over mm0),
# refuses an unknown name, and /metrics of the MA and of a CM passes
# `promtool check metrics`.
#
# Waits are bounded and on conditions; timings are printed as comments, and
# belong to `make bench` (scripts/bench-agents.sh), not to pass/fail here.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/netns.sh
. "$here/../scripts/netns.sh"
# shellcheck source=scripts/agents.sh
. "$here/../scripts/agents.sh"

netns_test_begin "mms-ag$$-" "$MMS_BUILD/mms-agent" "$MMS_BUILD/mms-enroll" \
	"$MMS_BUILD/bench/icmp_probe"
for t in dig promtool; do
	command -v $t >/dev/null || tap_bail "$t missing (scripts/install-deps.sh)"
done

ms() { echo $((($(date +%s%N) - $1) / 1000000)); }

# bootstrap TOPO: a fresh registry, the topology, enrollment, agents; checks
# reachability both ways. Leaves the network running; MA holds the MA.
bootstrap() {
	local topo=$1 t0 n
	shift
	netns_cleanup
	netns_init "mms-ag$$-$topo-" || tap_bail "no registry"
	netns_build "$(netns_topo "$topo")" || tap_bail "building $topo"
	MA=$(netns_nodes | head -n 1)
	agents_enroll "$MA" 2>"$NETNS_STATE/enroll.err"	# not in tap_ok's subshell: it sets globals
	tap_ok "$topo: every node enrolled with mms-enroll (MA $MA)" test ! -s "$NETNS_STATE/enroll.err" ||
		{ sed 's/^/# /' "$NETNS_STATE/enroll.err"; tap_bail "enrollment"; }
	t0=$(date +%s%N)
	agents_start "$@"
	tap_ok "$topo: $(netns_nodes | wc -l) agents up" wait_until 20 agents_ready
	if wait_until 20 agents_reach_all "$MA"; then
		tap_result 0 "$topo: every CM answers ping over mm0 from the MA"
		tap_diag "  after $(ms "$t0") ms (agent start-up included; 0.1 s polling)"
	else
		tap_result 1 "$topo: every CM answers ping over mm0 from the MA"
		# shellcheck disable=SC2046
		tap_diag "  unreached: $(agents_unreached "$MA" $(agents_cms))"
		agents_logs 8
	fi
	tap_ok "$topo: the MA answers ping over mm0 from every CM" wait_until 10 agents_reach_ma "$MA"
	for n in $(netns_nodes); do
		agent_alive "$n" || { tap_result 1 "$topo: agent on $n still running"; agents_logs 5; }
	done
}

bootstrap line5
bootstrap ring8

# ---- abilene, with DNS and /metrics ----
AGENTS_METRICS=1 bootstrap abilene
MA_ADDR=$(netns_mgmt "$MA")
FAR=$(netns_farthest "$MA")

# dig_all FROM: every node's name resolves to its management address.
dig_all() {
	local from=$1 n got bad=0
	for n in $(netns_nodes); do
		got=$(in_ns "$from" dig @"$MA_ADDR" +short +time=1 +tries=2 "$n.mms" A 2>&1)
		[ "$got" = "$(netns_mgmt "$n")" ] || { echo "$n.mms: got '$got', want $(netns_mgmt "$n")"; bad=1; }
	done
	return $bad
}
tap_ok "DNS: dig @$MA_ADDR NAME.mms A in the MA gives every node's address" dig_all "$MA"
tap_ok "DNS: the same from $FAR, farthest from the MA, over mm0" dig_all "$FAR"
far_lc=$(echo "$FAR" | tr '[:upper:]' '[:lower:]')
tap_ok "DNS: names are case-insensitive ($far_lc.mms)" \
	test "$(in_ns "$FAR" dig @"$MA_ADDR" +short +time=1 +tries=2 "$far_lc.mms" A)" = "$(netns_mgmt "$FAR")"
nxdomain() {	# an unknown name: NXDOMAIN, and no address in the answer
	local out
	out=$(in_ns "$FAR" dig @"$MA_ADDR" +time=1 +tries=2 nosuchnode.mms A 2>&1)
	echo "$out"
	echo "$out" | grep -q "status: NXDOMAIN" && [ -z "$(in_ns "$FAR" dig @"$MA_ADDR" +short +time=1 +tries=2 nosuchnode.mms A)" ]
}
tap_ok "DNS: an unknown name gets NXDOMAIN and no address" nxdomain

check_metrics() {
	local body
	body=$(agent_scrape "$1")
	[ -n "$body" ] || { echo "no /metrics from $1"; return 1; }
	echo "$body" | promtool check metrics || return 1
	echo "$body" | grep -q '^mms_core_events_total{kind="nbr_up"} [1-9]' ||
		{ echo "no neighbour came up, says /metrics"; return 1; }
}
tap_ok "/metrics of the MA passes promtool check metrics" check_metrics "$MA"
tap_ok "/metrics of CM $FAR passes promtool check metrics" check_metrics "$FAR"
tap_cmp "the MA's /metrics counts route computations" \
	"$(agent_metric "$MA" 'mms_core_events_total{kind="spf_runs"}')" -gt 0

# ---- cleanup, checked ----
ns_prefix=$NETNS_PREFIX
pin_base=$NETNS_PIN_BASE
pids=$(cat "$NETNS_STATE/pids")
netns_cleanup
tap_ok "cleanup removed the namespaces" sh -c "! ip netns list | grep -q '^$ns_prefix'"
tap_ok "cleanup removed the pins" test ! -e "$pin_base"
none_alive() { local p; for p in $pids; do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }
tap_ok "cleanup stopped the agents" none_alive
tap_done
