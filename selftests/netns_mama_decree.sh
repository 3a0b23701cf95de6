#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# A quorum of MAs evicts a third, with real enrolled agents and the
# operator's tools (docs/security.md, "Quorum decrees"):
#
#            r2 ---- r3 ---- r4 (MA)
#           /                  \
#     (MA) r1                   r5          ../shared/topologies/ring8.topo
#           \                  /
#            r8 ---- r7 ---- r6 (MA, evicted)
#
#   1. every CM reached by the three MAs over mm0, and reaching them;
#   2. refused, changing nothing (no node applies anything, r6 still
#      reaches every CM): a decree "distrust r6" signed by r1 alone, and one
#      signed by r1 and r6 (the accused's signature does not count), each
#      put in r1's state directory and taken on SIGHUP; counted at r1
#      (DECREE_NO_QUORUM);
#   3. the same decree co-signed at r4 (mms-enroll cosign), given to r1:
#      every node but r6 applies it once (r1 on SIGHUP, the others from the
#      DECREE envelopes r1 and r4 pass on) and saves it (mms-enroll show:
#      r6 distrusted); r6's neighbours refuse its hellos from then on
#      (JOIN_UNKNOWN, counted: it is no neighbour of theirs, its beacons go
#      with its hellos), and the CMs MAC nothing for it (NO_SESSION); after
#      the key roll the decree starts,
#      every node is in a new epoch and r6 reaches no CM any more (it holds
#      no current key); every CM stays reached by r1 and r4 and reaches
#      them; a ping r4 -> r8 every 10 ms across the eviction (its outage
#      shown), then 20 in a row answered.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/netns.sh
. "$here/../scripts/netns.sh"
# shellcheck source=scripts/agents.sh
. "$here/../scripts/agents.sh"

agents_test_begin "mms-md$$-" ring8 r1 r4 r6
AGENTS_METRICS=1
agents_start --dead-mult 7	# as in netns_mama_line5.sh
CMS=$(agents_cms)

# ---- 1. three MAs ----
served_by() {	# MA...: every CM reached by each MA, and reaching each
	local m n
	for m in "$@"; do
		# shellcheck disable=SC2086
		agents_reach "$m" $CMS || return 1
	done
	for n in $CMS; do agents_reach "$n" "$@" || return 1; done
}
if ! tap_ok "every CM reached by r1, r4 and r6 over mm0, and reaching them" \
	wait_until 40 served_by r1 r4 r6; then
	for m in r1 r4 r6; do
		# shellcheck disable=SC2086
		tap_diag "unreached from $m: $(agents_unreached "$m" $CMS)"
	done
	agents_logs 8
	tap_bail "no convergence"
fi

id_of() { "$MMS_BUILD/mms-enroll" show --state "$(agent_state "$1")" | awk '$1 == "self" { print $3 }'; }
R6=$(id_of r6)
refused() { agent_sample "$1" "mms_auth_refused_total{reason=\"$2\"}"; }
event() { agent_sample "$1" "mms_auth_events_total{event=\"$2\"}"; }
applied_nowhere() {
	local n
	for n in $(netns_nodes); do [ "$(event "$n" decree_applied)" = 0 ] || return 1; done
}
# give DECREE_FILE: put it in r1's state directory and SIGHUP r1.
give() {
	cp "$1" "$(agent_state r1)/decree" && kill -HUP "${AGENT_PID[r1]}"
}
more_refused() { [ "$(refused "$1" "$2")" -gt "$3" ]; }

# ---- 2. decrees without a quorum ----
enroll() { "$MMS_BUILD/mms-enroll" "$@" >/dev/null; }
tap_ok "decree 'distrust r6' signed at r1" \
	enroll decree --state "$(agent_state r1)" --id "$R6" --out "$NETNS_TMP/one" distrust
cp "$NETNS_TMP/one" "$NETNS_TMP/accused"
tap_ok "... a copy co-signed by r6 itself" enroll cosign --state "$(agent_state r6)" "$NETNS_TMP/accused"
for d in one accused; do
	nq=$(refused r1 decree_no_quorum)
	give "$NETNS_TMP/$d"
	tap_ok "decree '$d' refused at r1 for want of a quorum (DECREE_NO_QUORUM)" \
		wait_until 5 more_refused r1 decree_no_quorum "$nq"
done
tap_ok "... no node applied either" applied_nowhere
# shellcheck disable=SC2086
tap_ok "... r6 still reaches every CM" agents_reach r6 $CMS

# ---- 3. the decree co-signed by a quorum ----
good=$NETNS_TMP/good
enroll decree --state "$(agent_state r1)" --id "$R6" --out "$good" distrust &&
	tap_ok "the decree co-signed at r4" enroll cosign --state "$(agent_state r4)" "$good"
beac0_5=$(refused r5 beacon_untrusted) beac0_7=$(refused r7 beacon_untrusted)
join0_5=$(refused r5 join_unknown) join0_7=$(refused r7 join_unknown)
nosess() {	# messages to an MA the CMs could not MAC for want of a session
	local n s=0
	for n in $CMS; do s=$((s + $(refused "$n" no_session))); done
	echo $s
}
nosess0=$(nosess)
probe_start r4 r8 10
t0=$(date +%s%N)
give "$good"
applied_once() {	# every node but r6 applied one decree
	local n
	for n in $(netns_nodes); do
		[ "$n" = r6 ] && continue
		[ "$(event "$n" decree_applied)" = 1 ] || return 1
	done
}
if ! tap_ok "every node but r6 applied it, once" wait_until 10 applied_once; then
	for n in $(netns_nodes); do tap_diag "$n: applied $(event "$n" decree_applied)"; done
fi
tap_cmp "r6 applied nothing" "$(event r6 decree_applied)" -eq 0
saved() {
	local n
	for n in $(netns_nodes); do
		[ "$n" = r6 ] && continue
		"$MMS_BUILD/mms-enroll" show --state "$(agent_state "$n")" |
			awk -v x="$R6" '$1 == "distrusted" && $3 == x { f = 1 } END { exit !f }' || return 1
	done
}
tap_ok "every node but r6 saved it: r6 distrusted in its trust store" saved
# Its hellos are refused, so it is no neighbour of theirs and its beacons
# are dropped with them; one of its beacons may come in between, refused
# as untrusted (shown, not required).
r6_refused() { more_refused r5 join_unknown "$join0_5" && more_refused r7 join_unknown "$join0_7"; }
tap_ok "r6's neighbours r5 and r7 refuse its hellos (JOIN_UNKNOWN)" wait_until 5 r6_refused
tap_diag "  beacons refused as untrusted since the decree: r5 $(($(refused r5 beacon_untrusted) - beac0_5)), r7 $(($(refused r7 beacon_untrusted) - beac0_7))"
more_nosess() { [ "$(nosess)" -gt "$nosess0" ]; }
tap_ok "the CMs authenticate nothing to r6 any more (NO_SESSION: no session to MAC under)" \
	wait_until 5 more_nosess
in_new_epoch() {	# every node but r6 in epoch 1, its key alone installed
	local n
	for n in $(netns_nodes); do
		[ "$n" = r6 ] || agent_in_epoch "$n" 1 || return 1
	done
}
if ! tap_ok "the decree's key roll: every node but r6 in epoch 1, the old key removed" \
	wait_until 15 in_new_epoch; then
	for n in $(netns_nodes); do
		tap_diag "$n: epoch $(agent_metric "$n" mms_auth_epoch), keys $(mmsctl_at "$n" key show | awk 'NR > 1 { printf "%s ", $2 }')"
	done
	grep -h "roll\|epoch" "$(agent_log r1)" "$(agent_log r4)" | tail -n 20 | sed 's/^/# /'
fi
reaches_none() {	# r6 reaches no CM (each probed 0.3 s)
	local n
	for n in $CMS; do agents_reach r6 -t 0.3 "$n" && return 1; done
	return 0
}
tap_ok "r6 reaches no CM any more" wait_until 10 reaches_none
tap_ok "every CM reached by r1 and r4, and reaching them" wait_until 10 served_by r1 r4
probe_stop
tap_diag "  ping r4 -> r8 every 10 ms from the decree: outage ms, lost, sent, loss runs: $(probe_outage "$t0")"
# (A loaded machine can miss hellos for 100 ms and take a link down for a
# moment at any time: what must hold is that 20 pings in a row come back.)
ping20() { in_ns r4 ping -q -c 20 -i 0.01 -W 1 "$(netns_mgmt r8)" | grep -q " 0% packet loss"; }
tap_ok "r4 -> r8 after the eviction: 20 pings every 10 ms, all answered" wait_until 10 ping20
for n in r2 r3 r5 r7 r8; do
	tap_diag "  $n refused (totals): $(agent_scrape "$n" | awk '/^mms_auth_refused_total/ && $2 > 0 { printf "%s=%s ", $1, $2 }')"
done

for n in $(netns_nodes); do
	agent_alive "$n" || { tap_result 1 "agent on $n still running"; agents_logs 5; }
done
tap_done
