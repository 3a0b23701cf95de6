#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Data service shut on one link without cutting management:
#
#   a(MA) ---- b ---- c ==== d ---- e       agents on every node
#                       to-d    data off at c's end of c-d
#
# Every link also has plain data addresses (scripts/netns.sh). With the
# agents up, data ping across c-d works. `mmsctl data off to-d` at c: data
# ping across c-d fails both ways, c counts the frames it refused arriving
# (DROP_DATA_OFF) and leaving (DROP_DATA_OFF_TX), while management keeps
# working over mm0 through the same link: the MA pings every CM and every
# CM the MA, ssh from the MA to e (behind c-d) runs a command, and the c-d
# neighbours stay up. Data across b-c, c's other link, is untouched. c's
# agent restarted keeps the setting (the map is pinned). `data on`: data
# ping works again. Misuse is a one-line error and a non-zero exit.
# `mmsctl teardown` at c removes the egress program with the rest.
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

# dping FROM TO: one data ping from FROM to TO's address on their link.
dping() { in_ns "$1" ping -c 1 -W 1 -q "$(netns_ip "$2" "$1")" >/dev/null 2>&1; }
# no_dping FROM TO: two data pings, none answered.
no_dping() { ! in_ns "$1" ping -c 2 -i 0.2 -W 1 -q "$(netns_ip "$2" "$1")" >/dev/null 2>&1; }
dping_both() { dping "$1" "$2" && dping "$2" "$1"; }
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
tap_ok "data ping c -> d across c-d" wait_until 5 dping c d
tap_ok "data ping d -> c across c-d" dping d c
tap_ok "data show at c: to-b and to-d on" \
	test "$(data_state c to-b) $(data_state c to-d)" = "on on"
netns_sshd e "$(netns_mgmt e)" "$NETNS_TMP" || tap_bail "sshd in e"

# ---- data off ----
off0=$(mms_stat c drop_data_off)
tx0=$(mms_stat c drop_data_off_tx)
tap_ok "mmsctl data off to-d at c" mmsctl_at c data off to-d
tap_ok "data show at c: to-d off, to-b on" \
	test "$(data_state c to-d) $(data_state c to-b)" = "off on"
tap_ok "data ping d -> c across c-d fails" no_dping d c
tap_ok "data ping c -> d across c-d fails" no_dping c d
tap_cmp "c counts what it refused arriving on to-d (drop_data_off)" \
	"$(mms_stat c drop_data_off)" -gt "$off0"
tap_cmp "c counts what it did not send on to-d (drop_data_off_tx)" \
	"$(mms_stat c drop_data_off_tx)" -gt "$tx0"
tap_ok "data ping b <-> c across b-c still works" dping_both b c
tap_ok "management: MA and every CM reach each other over mm0, through c-d" \
	wait_until 5 mgmt
tap_ok "ssh from the MA to e (behind c-d) over mm0" \
	test "$(netns_ssh a "$(netns_mgmt e)" "$NETNS_TMP" echo through 2>&1)" = through
tap_ok "neighbours c-d stay up both ways" nbr_up_both c d
tap_cmp "no neighbour of c or d timed out" \
	"$(cat "$(agent_log c)" "$(agent_log d)" | grep -c 'hello timeout')" -eq 0

# ---- c's agent restarted: the setting stays ----
agent_kill c TERM
agent_start c
tap_ok "c's agent restarted" wait_until 10 agent_ready c
tap_ok "after the restart: to-d still off" test "$(data_state c to-d)" = off
off1=$(mms_stat c drop_data_off)
tap_ok "after the restart: data ping d -> c still fails" no_dping d c
tap_ok "after the restart: data ping c -> d still fails" no_dping c d
tap_cmp "after the restart: c still counts drop_data_off" "$(mms_stat c drop_data_off)" -gt "$off1"
tap_ok "after the restart: management through c-d works" wait_until 10 mgmt

# ---- misuse ----
# one_line_err RC CMD...: exit status RC and exactly one line on stderr.
one_line_err() {
	local want=$1 rc err; shift
	err=$(mmsctl_at c "$@" 2>&1 >/dev/null); rc=$?
	[ "$rc" = "$want" ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] && return 0
	echo "rc=$rc stderr='$err'"
	return 1
}
tap_ok "data off of an unknown interface: one line, exit 1" one_line_err 1 data off nosuch0
tap_ok "data off mm0 (not an MMS link): one line, exit 1" one_line_err 1 data off mm0
tap_ok "data sideways: one line, exit 2" one_line_err 2 data sideways to-d
tap_ok "data off without IFNAME: one line, exit 2" one_line_err 2 data off
tap_ok "data on with two names: one line, exit 2" one_line_err 2 data on to-d to-b
tap_ok "misuse changed nothing: to-d off, to-b on" \
	test "$(data_state c to-d) $(data_state c to-b)" = "off on"

# ---- data on ----
tap_ok "mmsctl data on to-d at c" mmsctl_at c data on to-d
tap_ok "data show at c: to-d on" test "$(data_state c to-d)" = on
tap_ok "data ping c -> d works again" wait_until 5 dping c d
tap_ok "data ping d -> c works again" dping d c
tap_ok "no egress program left on c's to-d" \
	test -z "$(in_ns c tc filter show dev to-d egress)"

# ---- teardown takes the egress program too ----
mmsctl_at c data off to-d >/dev/null
tap_ok "data off again: egress program on to-d" \
	test -n "$(in_ns c tc filter show dev to-d egress)"
agent_kill c TERM
tap_ok "mmsctl teardown at c" mmsctl_at c teardown
gone() { [ -z "$(in_ns c tc filter show dev to-d egress)" ] && [ ! -e "$(netns_pin c)" ]; }
tap_ok "teardown removed the egress program and the pins" gone
tap_ok "data ping c -> d works without c's datapath" wait_until 5 dping c d
tap_done
