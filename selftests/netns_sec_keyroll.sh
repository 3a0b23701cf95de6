#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Key rolls under a continuous ping (docs/security.md, "Key roll"):
#
#     a (MA) ---- b ---- c ---- d ---- e        ../shared/topologies/line5.topo
#
# a pings e and b pings e (CM to CM, through a) every 10 ms while a rolls
# every node's hop key twice (two SIGUSR1 in a row: the second roll follows
# the first). Checked:
#   1. not one echo lost either way;
#   2. every node ends in epoch 2 with only epoch 2's key in its datapath
#      (older ones retired), a switched twice, each CM took both epochs;
#   3. no frame was dropped anywhere for want of a key (DROP_EPOCH 0): every
#      node installed the next key before routes sealed in it appeared;
#   4. a CONTROL a sent before the rolls, sent again on a's link, dies at b
#      (DROP_EPOCH): captured frames end with their epoch;
#   5. a restarted MA takes its keys back from its datapath and carries on in
#      epoch 2: every node stays there and is reached again (new sessions).
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/netns.sh
. "$here/../scripts/netns.sh"
# shellcheck source=selftests/lib/sec.sh
. "$here/lib/sec.sh"

topo=$(netns_topo line5) || { echo "Bail out! line5.topo not found"; exit 1; }
sec_begin "mms-sk-$$-" "$topo" a b c d e
sec_capture a b || tap_bail "capture"
# A neighbour is declared dead after 100 ms of silence rather than 40: on
# a loaded 2-core machine an agent can miss 40 ms, and a link taken down
# for that is not what this test measures (it checks below that no
# neighbour went down during the pings).
SEC_AGENT_OPTS="--dead-mult 10"
sec_up
sec_capture_stop a b
E=$(netns_mgmt e)
epochs_are() {	# every node's key epoch and installed keys
	local n
	for n in a b c d e; do
		[ "$(sec_m "$n" mms_auth_epoch)" = "$1" ] && [ "$(sec_epochs "$n")" = "$1" ] || return 1
	done
}
tap_ok "every node in epoch 0, its key alone installed" epochs_are 0

# ---- pings across two rolls ----
# A fixed count that outlasts both rolls (about 5 s), so that every echo
# has its full second to come back: none is cut off by stopping ping.
PINGS=600
netns_bg a "$NETNS_TMP/ping-a" ping -D -i 0.01 -c $PINGS -W 1 "$E"
ping_a=$NETNS_LAST_PID
netns_bg b "$NETNS_TMP/ping-b" ping -D -i 0.01 -c $PINGS -W 1 "$E"
ping_b=$NETNS_LAST_PID
ping_done() { ! kill -0 "$ping_a" 2>/dev/null && ! kill -0 "$ping_b" 2>/dev/null; }
replies() { grep -c "bytes from" "$NETNS_TMP/ping-$1"; }
replies_ge() { [ "$(replies a)" -ge "$1" ] && [ "$(replies b)" -ge "$1" ]; }
tap_ok "pings a -> e and b -> e running" wait_until 10 replies_ge 20
downs() { local n s=0; for n in a b c d e; do s=$((s + $(sec_core "$n" nbr_down))); done; echo $s; }
down0=$(downs)
# The second signal once the first is taken (signals of one kind do not
# queue): a roll asked for during a roll follows it.
kill -USR1 "${SEC_PID[a]}"
wait_until 5 sec_ge a 'mms_auth_events_total{event="roll_started"}' 1
kill -USR1 "${SEC_PID[a]}"
tap_ok "two key rolls: every node in epoch 2, only its key installed" wait_until 20 epochs_are 2
tap_ok "... while both pings still ran" eval '! ping_done'
tap_ok "pings done" wait_until 60 ping_done
tap_cmp "no neighbour went down meanwhile" "$(downs)" -eq "$down0"
# missing NODE: the echoes that never came back, with the time before them
missing() {
	awk '/bytes from/ { match($0, /icmp_seq=[0-9]+/); s = substr($0, RSTART + 9, RLENGTH - 9)
		for (k = p + 1; k < s; k++) print "# " FILENAME ": no echo " k " (after " t ")"
		p = s; t = $1 }' "$NETNS_TMP/ping-$1"
}
for n in a b; do
	sent=$(awk '/packets transmitted/ { print $1 }' "$NETNS_TMP/ping-$n")
	if ! tap_ok "$n -> e every 10 ms across the rolls: $(sec_loss "$NETNS_TMP/ping-$n") % of ${sent:-?} lost" \
		eval '[ "$(sec_loss "$NETNS_TMP/ping-$n")" = 0 ]'; then
		missing "$n"
		grep -h "down\|roll" "$NETNS_TMP"/*.log | sort | sed 's/^/# /'
	fi
done

# ---- the rolls as counted ----
tap_cmp "a started and completed two rolls" \
	"$(sec_event a roll_started)$(sec_event a roll_switched)" -eq 22
for n in b c d e; do
	tap_cmp "$n took both epochs and retired two old keys" \
		"$(sec_event "$n" epoch_taken)$(sec_event "$n" epoch_retired)" -eq 22
done
tap_ok "a sealed each epoch with every node's key (none missing at the switch)" \
	eval '[ "$(grep -c "keys of 4 of 4 nodes" "$(sec_log a)")" = 2 ]'
drops=0
for n in a b c d e; do drops=$((drops + $(mms_stat "$n" drop_epoch))); done
tap_cmp "no frame dropped anywhere for want of a key (DROP_EPOCH)" "$drops" -eq 0

# ---- a frame from before the rolls ----
ctl=$("$MMS_BUILD/mms-inject" --pcap "$(sec_pcap a b)" --list --type control |
	awk '$5 == 4 { n = $1 } END { print n }')	# to e: 4 hop fields
tap_ok "captured a's CONTROL to e (epoch 0)" eval '[ -n "$ctl" ]'
de0=$(mms_stat b drop_epoch)
sec_replay a b --pcap "$(sec_pcap a b)" --type control --nth "$ctl" >/dev/null
b_drop_epoch() { [ "$(mms_stat b drop_epoch)" -gt "$de0" ]; }
tap_ok "sent again now: b drops it, epoch 0's key is gone (DROP_EPOCH)" wait_until 5 b_drop_epoch
tap_ok "every node reaches a and is reached" sec_converged

# ---- 5. an MA that restarts carries on in its epoch ----
sec_stop a && sec_start a
in_epoch() { local n; for n in a b c d e; do [ "$(sec_m "$n" mms_auth_epoch)" = "$1" ] || return 1; done; }
sessions() { [ "$(sec_m a mms_auth_sessions)" = 4 ]; }
tap_ok "a restarted: new sessions with the four CMs" wait_until 40 sessions
tap_ok "... every node still in epoch 2 (a took its keys back), only its key installed" \
	wait_until 10 epochs_are 2
tap_ok "... and every node reaches a and is reached again" wait_until 40 sec_converged
tap_done
