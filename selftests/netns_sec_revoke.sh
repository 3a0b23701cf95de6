#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Revocation takes effect network-wide: `mms-enroll revoke` at the MA and a
# SIGHUP (secglue_reload).
#
#     a (MA) ---- b ---- c ---- d
#                 |             |
#                 e ----------- f
#
# c, on a's shortest routes to d, is revoked. Checked:
#   1. before: c holds the rest of a's route to d (it relays it); its own
#      packet on it passes d's hop check but not the end-to-end tag
#      (DROP_E2E_TAG, netns_sec_cm.sh): the route is valid, its payload
#      can only be a's;
#   2. at once: a drops c's session and hop key, its routes to c, forgets
#      it (its DNS no longer knows c), and reaches d around c;
#   3. the revocation rolls every node's hop key: every node but c moves to
#      the next epoch and removes the old key;
#   4. then nothing c holds works: its packets to d die at b (its routes
#      are sealed in the old epoch), the copied route rest dies at d
#      (DROP_EPOCH); the window from SIGHUP to the last old key removed is
#      printed;
#   5. c restarted cannot authenticate again: a refuses it, it gets no
#      session and no CONTROL; everyone else is still served.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/netns.sh
. "$here/../scripts/netns.sh"
# shellcheck source=selftests/lib/sec.sh
. "$here/lib/sec.sh"

sec_begin "mms-sv-$$-" 'a b\nb c\nc d\nb e\ne f\nf d\n' a b c d e f
sec_capture a b || tap_bail "capture"
sec_up
tap_ok "a sent d its routes" wait_until 10 sec_ge d 'mms_core_events_total{kind="control_rx"}' 1
sec_capture_stop a b
A=$(netns_mgmt a) C=$(netns_mgmt c) D=$(netns_mgmt d)
hops_to() { mmsctl_at a route show | awk -v d="$1" '$1 == d && $2 == 0 { print $4 }'; }
tap_cmp "a's route to d goes through c (3 hops)" "$(hops_to "$D")" -eq 3

# ---- 1. before: the rest of a's route to d ----
did=$(sec_id d)
ctl=$("$MMS_BUILD/mms-inject" --pcap "$(sec_pcap a b)" --list --type control -v |
	awk -v d="$did" '$5 == 3 && substr($NF, 33, 32) == d { n = $1 } END { print n }')
tap_ok "captured a CONTROL of a's to d through c" eval '[ -n "$ctl" ]'
tail_to_d() {	# c's own packet on the rest of that route
	sec_replay c d --pcap "$(sec_pcap a b)" --type control --nth "$ctl" --pop 2 \
		--src "$C" --dst "$D" --src-mac own --dst-mac "$(netns_mac d c)" >/dev/null
}
mm0=$(mms_stat d deliver_mm0) e2e=$(mms_stat d drop_e2e_tag)
tail_to_d
d_e2e_gt() { [ "$(mms_stat d drop_e2e_tag)" -gt "$1" ]; }
tap_ok "before: c's packet on the route's rest passes d's hop check, fails its tag (DROP_E2E_TAG)" \
	wait_until 5 d_e2e_gt "$e2e"
tap_cmp "... and never reaches d's mm0" $(($(mms_stat d deliver_mm0) - mm0)) -eq 0

# ---- 2. revocation ----
cid=$(sec_id c)
tap_ok "c revoked in a's registry" sec_enroll_cmd revoke --state "$(sec_state a)" --id "$cid"
t0=$(date +%s%N)
kill -HUP "${SEC_PID[a]}"
tap_ok "a dropped c's session at once" \
	wait_until 5 sec_ge a 'mms_auth_events_total{event="session_dropped"}' 1
tap_cmp "a holds sessions and hop keys of b, d, e, f only" \
	"$(sec_m a mms_auth_sessions)$(sec_m a mms_auth_hop_keys)" -eq 44
no_route_to_c() { ! sec_routes a | grep -qx "$C"; }
tap_ok "a has no route to c" no_route_to_c
dns_forgot_c() { [ -z "$(in_ns a dig +short +time=1 +tries=2 @"$A" c.mms A)" ]; }
tap_ok "a's DNS no longer knows c" dns_forgot_c
SEC_CMS="b d e f"
tap_ok "a and b, d, e, f reach each other, d around c" wait_until 10 sec_converged
tap_cmp "a's route to d now avoids c (4 hops)" "$(hops_to "$D")" -eq 4

# ---- 3. the key roll ----
rolled() {	# every node but c in epoch 1 with only that key installed
	local n
	for n in a b d e f; do
		[ "$(sec_m "$n" mms_auth_epoch)" = 1 ] && [ "$(sec_epochs "$n")" = 1 ] || return 1
	done
}
tap_ok "the revocation rolled the keys: every node but c in epoch 1, epoch 0's key gone" \
	wait_until 15 rolled
t1=$(date +%s%N)
tap_diag "revocation window: from SIGHUP to the last old key removed at most $(((t1 - t0) / 1000000)) ms"
tap_cmp "a started one roll, and every node took the new key in time" \
	"$(sec_event a roll_started)" -eq 1
tap_ok "... a sealed in epoch 1 with every remaining node's key" \
	grep -q "keys of 4 of 4 nodes" "$(sec_log a)"

# ---- 4. what c holds is dead ----
de=$(mms_stat b drop_epoch) mm0=$(mms_stat d deliver_mm0)
tap_ok "c's pings to d go unanswered" eval '! in_ns c ping -c 5 -i 0.1 -W 1 -q "$D" >/dev/null'
b_dropped() { [ $(($(mms_stat b drop_epoch) - de)) -ge 5 ]; }
tap_ok "... b drops them: c's routes are sealed in the retired epoch (DROP_EPOCH)" \
	wait_until 5 b_dropped
de=$(mms_stat d drop_epoch)
tail_to_d
d_dropped() { [ "$(mms_stat d drop_epoch)" -gt "$de" ]; }
tap_ok "the copied route rest dies at d (DROP_EPOCH)" wait_until 5 d_dropped
tap_cmp "none of c's packets reached d's mm0 since the roll" \
	$(($(mms_stat d deliver_mm0) - mm0)) -eq 0

# ---- 5. c cannot come back ----
# c, with no session, sends a nothing it could accept (its acks and LSAs
# need a session's MAC); a never challenges it again (it says so,
# NOT_ENROLLED, each time b's or d's LSA lists it; but b and d keep c up
# across its restart, docs/control-plane.md "Agent restarts", so they send
# none now). c would answer a challenge of a, which it still trusts.
sec_stop c && sec_start c
c_heard_beacons() { [ "$(sec_core c beacon_taken)" -ge 15 ]; }
tap_ok "c restarted and hears a's beacons (1.5 s)" wait_until 15 c_heard_beacons
tap_cmp "a never challenged c: c answered none" "$(sec_event c response_sent)" -eq 0
tap_cmp "c has no session" "$(sec_m c mms_auth_sessions)" -eq 0
tap_cmp "c got no CONTROL" "$(sec_core c control_rx)" -eq 0
tap_ok "a still has no route to c" no_route_to_c
tap_ok "b, d, e, f still reach a and are reached" sec_converged
tap_done
