#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Data service shut on one link without cutting management:
#
#   a(MA) ---- b ---- c ==== d ---- e       agents on every node
#                          to-c    data off at d's end of c-d
#
# Every link also has plain data addresses (scripts/netns.sh). With the
# agents up, data ping across c-d works. `mmsctl data off to-c` at d: data
# ping across c-d fails both ways, d counts the frames it refused arriving
# (DROP_DATA_OFF) and leaving (DROP_DATA_OFF_TX), while management keeps
# working over mm0 through the same link: the MA pings every CM and every
# CM the MA (d's own answers leave through mms_tc and the egress hook on
# to-c, e's are forwarded by d's XDP), ssh from the MA to d runs a command,
# and the c-d neighbours stay up. Data across d-e, d's other link, is
# untouched. d's agent restarted keeps the setting (the map is pinned), and
# its option --data-off to-e shuts d-e as well, until `data on to-e`.
# Misuse is a one-line error and a non-zero exit. `data on to-c`: data ping
# across c-d works again. `mmsctl teardown` at d removes the egress program
# with the rest.
#
# Waits are bounded and on conditions.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/netns.sh
. "$here/../scripts/netns.sh"
# shellcheck source=scripts/agents.sh
. "$here/../scripts/agents.sh"

agents_test_begin "mms-do$$-" line5 a
MA=a
S=d	# the node whose end of S-P is shut
P=c	# its neighbour across the shut link, towards the MA
O=e	# its other neighbour, behind it
IF=to-$P OIF=to-$O

# dping FROM TO: one data ping from FROM to TO's address on their link.
dping() { in_ns "$1" ping -c 1 -W 1 -q "$(netns_ip "$2" "$1")" >/dev/null 2>&1; }
dping_both() { dping "$1" "$2" && dping "$2" "$1"; }
# no_dping FROM TO: two data pings, none answered.
no_dping() { ! in_ns "$1" ping -c 2 -i 0.2 -W 1 -q "$(netns_ip "$2" "$1")" >/dev/null 2>&1; }
# mgmt: the MA reaches every CM over mm0 and every CM the MA.
mgmt() { agents_reach_all "$MA" && agents_reach_ma "$MA"; }
# nbr_up NODE PEER: NODE's neighbour slot towards PEER is up.
nbr_up() {
	mmsctl_at "$1" nbr show | awk -v p="$(netns_port "$1" "$2")" '$1 == p && / up / { f = 1 } END { exit !f }'
}
nbr_up_both() { nbr_up "$1" "$2" && nbr_up "$2" "$1"; }
# data_state NODE IFNAME: on or off, as `mmsctl data show` says.
data_state() { mmsctl_at "$1" data show | awk -v d="$2" '$1 == d { print $3 }'; }

agents_start
tap_ok "5 agents up" wait_until 20 agents_ready
tap_ok "management: MA and every CM reach each other over mm0" wait_until 20 mgmt ||
	{ agents_logs 8; tap_bail "no convergence"; }
tap_ok "data ping $S -> $P across $P-$S" wait_until 5 dping $S $P
tap_ok "data ping $P -> $S across $P-$S" dping $P $S
tap_ok "data show at $S: $IF and $OIF on" \
	test "$(data_state $S "$IF") $(data_state $S "$OIF")" = "on on"
netns_sshd $S "$(netns_mgmt $S)" "$NETNS_TMP" || tap_bail "sshd in $S"

# ---- data off ----
off0=$(mms_stat $S drop_data_off)
tx0=$(mms_stat $S drop_data_off_tx)
tap_ok "mmsctl data off $IF at $S" mmsctl_at $S data off "$IF"
tap_ok "data show at $S: $IF off, $OIF on" \
	test "$(data_state $S "$IF") $(data_state $S "$OIF")" = "off on"
tap_ok "data ping $P -> $S across $P-$S fails" no_dping $P $S
tap_ok "data ping $S -> $P across $P-$S fails" no_dping $S $P
tap_cmp "$S counts what it refused arriving on $IF (drop_data_off)" \
	"$(mms_stat $S drop_data_off)" -gt "$off0"
tap_cmp "$S counts what it did not send on $IF (drop_data_off_tx)" \
	"$(mms_stat $S drop_data_off_tx)" -gt "$tx0"
tap_ok "data ping $S <-> $O across $S-$O still works" dping_both $S $O
# The MA's pings to d and e cross c-d; d answers through mms_tc and its
# egress hook on to-c, e's answers are forwarded by d's XDP.
tap_ok "management: MA and every CM reach each other over mm0, through $P-$S" \
	wait_until 5 mgmt
tap_ok "ssh from the MA to $S over mm0, through $P-$S" \
	test "$(netns_ssh $MA "$(netns_mgmt $S)" "$NETNS_TMP" echo through 2>&1)" = through
tap_ok "neighbours $P-$S stay up both ways" nbr_up_both $P $S
tap_cmp "no neighbour of $P or $S timed out" \
	"$(cat "$(agent_log $P)" "$(agent_log $S)" | grep -c 'hello timeout')" -eq 0

# ---- S's agent restarted: the setting stays; --data-off adds one ----
agent_kill $S TERM
agent_start $S --data-off "$OIF"
tap_ok "$S's agent restarted with --data-off $OIF" wait_until 10 agent_ready $S
tap_ok "after the restart: $IF still off, $OIF off too" \
	test "$(data_state $S "$IF") $(data_state $S "$OIF")" = "off off"
off1=$(mms_stat $S drop_data_off)
tap_ok "after the restart: data ping $P -> $S still fails" no_dping $P $S
tap_ok "after the restart: data ping $S -> $P still fails" no_dping $S $P
tap_cmp "after the restart: $S still counts drop_data_off" "$(mms_stat $S drop_data_off)" -gt "$off1"
tap_ok "after the restart: data ping $O -> $S fails" no_dping $O $S
tap_ok "after the restart: management through $P-$S works" wait_until 10 mgmt
tap_ok "mmsctl data on $OIF at $S" mmsctl_at $S data on "$OIF"
tap_ok "data ping $S <-> $O works again" wait_until 5 dping_both $S $O

# ---- misuse ----
# one_line_err RC CMD...: exit status RC and exactly one line on stderr.
one_line_err() {
	local want=$1 rc err; shift
	err=$(mmsctl_at $S "$@" 2>&1 >/dev/null); rc=$?
	[ "$rc" = "$want" ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] && return 0
	echo "rc=$rc stderr='$err'"
	return 1
}
tap_ok "data off of an unknown interface: one line, exit 1" one_line_err 1 data off nosuch0
tap_ok "data off mm0 (not an MMS link): one line, exit 1" one_line_err 1 data off mm0
tap_ok "data sideways: one line, exit 2" one_line_err 2 data sideways "$IF"
tap_ok "data off without IFNAME: one line, exit 2" one_line_err 2 data off
tap_ok "data on with two names: one line, exit 2" one_line_err 2 data on "$IF" "$OIF"
tap_ok "misuse changed nothing: $IF off, $OIF on" \
	test "$(data_state $S "$IF") $(data_state $S "$OIF")" = "off on"

# ---- data on ----
tap_ok "mmsctl data on $IF at $S" mmsctl_at $S data on "$IF"
tap_ok "data show at $S: $IF on" test "$(data_state $S "$IF")" = on
tap_ok "data ping $S -> $P works again" wait_until 5 dping $S $P
tap_ok "data ping $P -> $S works again" dping $P $S
tap_ok "no egress program left on $S's $IF" \
	test -z "$(in_ns $S tc filter show dev "$IF" egress)"

# ---- teardown takes the egress program too ----
mmsctl_at $S data off "$IF" >/dev/null
tap_ok "data off again: egress program on $IF" \
	test -n "$(in_ns $S tc filter show dev "$IF" egress)"
agent_kill $S TERM
tap_ok "mmsctl teardown at $S" mmsctl_at $S teardown
gone() { [ -z "$(in_ns $S tc filter show dev "$IF" egress)" ] && [ ! -e "$(netns_pin $S)" ]; }
tap_ok "teardown removed the egress program and the pins" gone
tap_ok "data ping $S -> $P works without $S's datapath" wait_until 5 dping $S $P
tap_done
