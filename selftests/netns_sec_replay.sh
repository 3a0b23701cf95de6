#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Replays: control frames of every type, captured on a link from the start
# of the network, sent again on that link once everything has converged.
#
#     a (MA) ---- b ---- c ---- d
#                        |
#                        e       (stopped, so that c sends a NOTIFY)
#
# Captured: what a sends towards b (hellos, beacons, challenges, confirms,
# relays, CONTROLs) and what c sends towards b (hellos, beacon acks, LSAs,
# NOTIFY, responses, hop keys). Each kind replayed; checked:
#   hello        the latest, on its own link: nothing changes (it says
#                what is true); on another link (d hears a's hello from
#                c's side): refused, HELLO_SECOND per frame. Hellos are
#                not authenticated: an old one (from before a heard b)
#                would take the link down until a's next hello, as a
#                forged one or a dropped frame would (docs/security.md)
#   beacon       refused by b, one core refusal per frame (old, duplicate,
#                or its number below the replay window)
#   beacon-ack, LSA, NOTIFY
#                forwarded by b (the route is valid), refused by a's
#                session replay window, one refusal per frame
#   auth         challenges, confirms, relays, responses, hop keys: each
#                refused once (stale handshake, or the envelope's window)
#   control      refused by b, c and d (replay window), one per frame
#   data         a's pings and replies to b, c and d, c's to a (the IP
#                bearer traffic of the convergence checks): each dropped by
#                its destination's datapath as a replay (DROP_REPLAY, the
#                sequence number under the end-to-end tag), none reaching
#                any mm0
# and after all of it: no session made or lost, the same routes at every
# node, every node reachable, ssh from a to d.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/netns.sh
. "$here/../scripts/netns.sh"
# shellcheck source=selftests/lib/sec.sh
. "$here/lib/sec.sh"

sec_begin "mms-sp-$$-" 'a b\nb c\nc d\nc e\n' a b c d e
sec_capture a b && sec_capture c b || tap_bail "captures"
sec_up
sec_stop e
tap_ok "e stopped: c reported it to a (NOTIFY)" \
	wait_until 10 sec_ge a 'mms_core_events_total{kind="notify_rx"}' 1
SEC_CMS="b c d"
tap_ok "a has recomputed: b, c, d still reach a" wait_until 10 sec_converged
A2B=$(sec_pcap a b) C2B=$(sec_pcap c b)
notify_captured() { [ "$(sec_captured "$C2B" notify)" -ge 1 ]; }
wait_until 5 notify_captured
sec_capture_stop a b
sec_capture_stop c b

# what must not change
state() {
	local n
	for n in a b c d; do
		echo "$n $(sec_m "$n" mms_auth_sessions) $(sec_event "$n" session_up) $(sec_event "$n" rekey)" \
			"$(sec_core "$n" nbr_up) $(sec_core "$n" nbr_down) $(sec_routes "$n" | tr '\n' ' ')"
	done
}
state0=$(state)
# sum NODES... -- KIND NAME...: the sum of those samples over the nodes
sum() {
	local nodes=() n s=0 kind k
	while [ "$1" != -- ]; do nodes+=("$1"); shift; done
	shift
	kind=$1
	shift
	for n in "${nodes[@]}"; do
		for k in "$@"; do s=$((s + $("sec_$kind" "$n" "$k"))); done
	done
	echo "$s"
}
at_least() { [ "$("$@")" -ge "$WANT" ]; }

# ---- hellos ----
# Hellos are not authenticated (docs/security.md): a hello says only what
# its sender hears, and a recent one replayed says what is still true.
nh=50
last_hello=$(($(sec_captured "$A2B" hello) - 1))
nb0=$(sum b -- core nbr_up nbr_down)
sent=$(sec_replay a b --pcap "$A2B" --type hello --nth "$last_hello" --count $nh)
tap_cmp "a's latest hello replayed to b $nh times" "$sent" -eq $nh
tap_ok "... b still has a as its neighbour" sec_ping a b
tap_cmp "... and saw no neighbour change" "$(sum b -- core nbr_up nbr_down)" -eq "$nb0"
hs0=$(sec_core d hello_second)
sent=$(sec_replay c d --pcap "$A2B" --type hello --nth "$last_hello" --count $nh)
WANT=$((hs0 + sent))
tap_ok "a's hellos sent to d from c's side: each refused (HELLO_SECOND)" \
	wait_until 5 at_least sec_core d hello_second
tap_cmp "... exactly $sent" $(($(sec_core d hello_second) - hs0)) -eq "$sent"

# ---- beacons ----
bb0=$(sum b -- core beacon_old beacon_dup rx_auth)
sent=$(sec_replay a b --pcap "$A2B" --type beacon --count 40)
tap_cmp "a's beacons replayed to b: $sent sent" "$sent" -ge 1
WANT=$((bb0 + sent))
beacon_refusals() { sum b -- core beacon_old beacon_dup rx_auth; }
tap_ok "... b refused each (old, duplicate or below the window)" wait_until 5 at_least beacon_refusals
tap_cmp "... exactly once each" $(($(beacon_refusals) - bb0)) -eq "$sent"

# ---- beacon acks, LSAs, NOTIFY: routed through b to a ----
for t in beacon-ack lsa notify; do
	r0=$(sec_refused a replay) x0=$(sec_core a rx_auth)
	sent=$(sec_replay c b --pcap "$C2B" --type "$t")
	tap_cmp "c's $t frames replayed: $sent sent" "$sent" -ge 1
	WANT=$((r0 + sent))
	tap_ok "... a refused each as a replay (session window)" \
		wait_until 5 at_least sec_refused a replay
	tap_cmp "... exactly once each" $(($(sec_refused a replay) - r0)) -eq "$sent"
	tap_cmp "... none applied (RX_AUTH, once each)" $(($(sec_core a rx_auth) - x0)) -eq "$sent"
done

# ---- handshakes ----
# a's link challenge and confirm to b, its relays to b, c and d (for the
# nodes behind them), c's response and hop key to a: one refusal each,
# wherever it lands (a challenge is answered by b and the answer refused
# by a as stale).
# (not every refusal: a keeps trying to re-key the stopped e, and counts
# each attempt that cannot be sent)
all_refusals() { sum a b c d -- refused hs_stale hs_busy replay; }
r0=$(all_refusals)
n1=$(sec_replay a b --pcap "$A2B" --type auth)
n2=$(sec_replay c b --pcap "$C2B" --type auth)
tap_cmp "a's challenges, confirms, relays and c's responses, hop keys replayed" \
	$((n1 + n2)) -ge 5
WANT=$((r0 + n1 + n2))
tap_ok "... each refused (stale handshake, envelope window)" wait_until 5 at_least all_refusals
tap_cmp "... exactly once each" $(($(all_refusals) - r0)) -eq $((n1 + n2))

# ---- CONTROL ----
# those to b, c and d (e is gone: c's datapath would drop its own)
eid=$(sec_id e)
ctl_nths() {	# CONTROL bodies carry the recipient's id at offset 16
	"$MMS_BUILD/mms-inject" --pcap "$A2B" --list --type control -v |
		awk -v e="$eid" 'substr($NF, 33, 32) != e { print $1 }'
}
r0=$(sum b c d -- refused replay)
sent=0
for k in $(ctl_nths); do
	sent=$((sent + $(sec_replay a b --pcap "$A2B" --type control --nth "$k")))
done
tap_cmp "a's CONTROLs to b, c, d replayed: $sent sent" "$sent" -ge 3
WANT=$((r0 + sent))
control_refusals() { sum b c d -- refused replay; }
tap_ok "... each refused by its receiver (session window)" wait_until 5 at_least control_refusals
tap_cmp "... exactly once each" $(($(control_refusals) - r0)) -eq "$sent"

# ---- DATA: IP bearer frames, to the nodes still up ----
# the IP destination of a DATA body: bytes 32..35 (tag, sequence word, then
# the IPv4 header's destination at 16)
hexip() { local IFS=.; set -- $1; printf '%02x%02x%02x%02x' "$1" "$2" "$3" "$4"; }
data_nths() {	# FILE ADDR...: the DATA frames to those addresses
	local f=$1 want="" n
	shift
	for n in "$@"; do want="$want $(hexip "$(netns_mgmt "$n")")"; done
	"$MMS_BUILD/mms-inject" --pcap "$f" --list --type data -v |
		awk -v w="$want" 'index(w, substr($NF, 65, 8)) { print $1 }'
}
sum_stat() { local s=0 n; for n in a b c d; do s=$((s + $(mms_stat "$n" "$1"))); done; echo "$s"; }
rp0=$(sum_stat drop_replay) mm00=$(sum_stat deliver_mm0)
sent=0
for k in $(data_nths "$A2B" b c d); do
	sent=$((sent + $(sec_replay a b --pcap "$A2B" --type data --nth "$k")))
done
na=$sent
for k in $(data_nths "$C2B" a); do
	sent=$((sent + $(sec_replay c b --pcap "$C2B" --type data --nth "$k")))
done
tap_cmp "a's DATA to b, c, d and c's to a replayed: $sent sent ($na from a)" "$na" -ge 3
tap_cmp "... and from c" $((sent - na)) -ge 1
WANT=$((rp0 + sent))
tap_ok "... each dropped by its destination as a replay (DROP_REPLAY)" \
	wait_until 5 at_least sum_stat drop_replay
tap_cmp "... exactly once each" $(($(sum_stat drop_replay) - rp0)) -eq "$sent"
tap_cmp "... none reached an mm0" $(($(sum_stat deliver_mm0) - mm00)) -eq 0

# ---- nothing changed ----
same_state() { [ "$(state)" = "$state0" ]; }
if ! tap_ok "no session made or lost, no neighbour change, the same routes everywhere" same_state; then
	tap_diag "before:" "$state0" "after:" "$(state)"
fi
tap_ok "every node still reaches a and is reached" sec_converged
D=$(netns_mgmt d)
ssh_d() {
	netns_sshd d "$D" "$NETNS_TMP" || return 1
	[ "$(netns_ssh a "$D" "$NETNS_TMP" echo mms-replay 2>/dev/null)" = mms-replay ]
}
tap_ok "ssh from a to d" ssh_d
tap_done
