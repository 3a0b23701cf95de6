#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# A quorum of MAs revokes a CM at every MA, with real enrolled agents and
# the operator's tools (docs/security.md, "Quorum decrees"):
#
#            r2 ---- r3 ---- r4 (MA)
#           /                  \
#     (MA) r1                   r5          ../shared/topologies/ring8.topo
#           \                  /
#   (revoked) r8 ---- r7 ---- r6 (MA)
#
#   1. every CM reached by the three MAs over mm0, and reaching them;
#   2. a decree "revoke r8" signed by r1 alone, given to r1 (state
#      directory, SIGHUP): refused (DECREE_NO_QUORUM), no node applies it;
#   3. the same decree co-signed at r4, given to r1: every node but r8
#      applies it once (r4 and r6 from the DECREE envelopes r1 passes on),
#      every MA saves r8 as revoked in its registry (mms-enroll show); no MA
#      reaches r8 over mm0 and r8 reaches none; every other CM is reached
#      by every MA and reaches it;
#   4. r8's agent restarted: the MAs refuse it (NOT_ENROLLED when its
#      neighbours list it, JOIN_REVOKED when it says hello to r1), and it
#      stays unreachable both ways.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/netns.sh
. "$here/../scripts/netns.sh"
# shellcheck source=scripts/agents.sh
. "$here/../scripts/agents.sh"

MAS="r1 r4 r6"
# shellcheck disable=SC2086
agents_test_begin "mms-mr$$-" ring8 $MAS
AGENTS_METRICS=1
agents_start --dead-mult 10	# as in netns_mama_decree.sh
CMS=$(agents_cms)
OTHERS=$(echo "$CMS" | grep -vx r8)

served_by() {	# CM...: each reached by every MA, and reaching each
	local m n
	for m in $MAS; do agents_reach "$m" "$@" || return 1; done
	for n in "$@"; do
		# shellcheck disable=SC2086
		agents_reach "$n" $MAS || return 1
	done
}
# shellcheck disable=SC2086
if ! tap_ok "every CM reached by r1, r4 and r6 over mm0, and reaching them" \
	wait_until 40 served_by $CMS; then
	for m in $MAS; do
		# shellcheck disable=SC2086
		tap_diag "unreached from $m: $(agents_unreached "$m" $CMS)"
	done
	agents_logs 8
	tap_bail "no convergence"
fi

enroll() { "$MMS_BUILD/mms-enroll" "$@" >/dev/null; }
id_of() { "$MMS_BUILD/mms-enroll" show --state "$(agent_state "$1")" | awk '$1 == "self" { print $3 }'; }
R8=$(id_of r8)
refused() { agent_sample "$1" "mms_auth_refused_total{reason=\"$2\"}"; }
applied() { agent_sample "$1" "mms_auth_events_total{event=\"decree_applied\"}"; }
more_refused() { [ "$(refused "$1" "$2")" -gt "$3" ]; }
give() { cp "$1" "$(agent_state r1)/decree" && kill -HUP "${AGENT_PID[r1]}"; }
ma_refusals() {	# r8's joins and listings the MAs refused
	local m s=0
	for m in $MAS; do
		s=$((s + $(refused "$m" join_revoked) + $(refused "$m" not_enrolled)))
	done
	echo $s
}
out_both_ways() {	# no MA reaches r8, r8 reaches no MA (each probed 0.3 s)
	local m
	for m in $MAS; do
		agents_reach "$m" -t 0.3 r8 && return 1
		agents_reach r8 -t 0.3 "$m" && return 1
	done
	return 0
}

# ---- 2. no quorum ----
tap_ok "decree 'revoke r8' signed at r1" \
	enroll decree --state "$(agent_state r1)" --id "$R8" --out "$NETNS_TMP/one" revoke
nq=$(refused r1 decree_no_quorum)
give "$NETNS_TMP/one"
tap_ok "refused at r1 for want of a quorum (DECREE_NO_QUORUM)" \
	wait_until 5 more_refused r1 decree_no_quorum "$nq"
nowhere=0
for n in $(netns_nodes); do [ "$(applied "$n")" = 0 ] || nowhere=1; done
tap_result $nowhere "... no node applied it"
tap_ok "... every MA still reaches r8" served_by r8

# ---- 3. a quorum: r1 and r4 ----
good=$NETNS_TMP/good
enroll decree --state "$(agent_state r1)" --id "$R8" --out "$good" revoke &&
	tap_ok "the decree co-signed at r4" enroll cosign --state "$(agent_state r4)" "$good"
give "$good"
applied_once() {
	local n
	for n in $(netns_nodes); do
		[ "$n" = r8 ] || [ "$(applied "$n")" = 1 ] || return 1
	done
}
if ! tap_ok "every node but r8 applied it, once" wait_until 10 applied_once; then
	for n in $(netns_nodes); do tap_diag "$n: applied $(applied "$n")"; done
fi
saved() {
	local m
	for m in $MAS; do
		"$MMS_BUILD/mms-enroll" show --state "$(agent_state "$m")" |
			awk -v x="$R8" '$1 == "revoked" && $2 == x { f = 1 } END { exit !f }' || return 1
	done
}
tap_ok "every MA saved r8 as revoked in its registry" saved
if ! tap_ok "no MA reaches r8 over mm0, r8 reaches none" wait_until 15 out_both_ways; then
	for m in $MAS; do tap_diag "$m: $(grep -h "decree\|revok" "$(agent_log "$m")" | tail -n 3)"; done
fi
# shellcheck disable=SC2086
tap_ok "every other CM reached by every MA, and reaching it" wait_until 10 served_by $OTHERS

# ---- 4. r8's agent restarts ----
ref0=$(ma_refusals)
agent_kill r8 TERM
agent_start r8
tap_ok "r8's agent restarted" wait_until 10 agent_ready r8
more_ma_refusals() { [ "$(ma_refusals)" -gt "$ref0" ]; }
tap_ok "the MAs refuse it (JOIN_REVOKED, NOT_ENROLLED)" wait_until 10 more_ma_refusals
tap_ok "r8 still out both ways" out_both_ways
# shellcheck disable=SC2086
tap_ok "every other CM still served by every MA" wait_until 10 served_by $OTHERS

for n in $(netns_nodes); do
	agent_alive "$n" || { tap_result 1 "agent on $n still running"; agents_logs 5; }
done
tap_done
