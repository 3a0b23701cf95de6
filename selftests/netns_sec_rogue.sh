#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Rogue nodes: the same mms-agent, but not enrolled.
#
#     a (MA) ---- b ---- c ---- d
#                 |             |
#                 x             y
#
# a, b, c, d are enrolled; x made its identity and a bundle for a (so it
# trusts a) but a never imported it; y trusts another MA. Checked:
#   1. x and y get no session, no CONTROL (no route from the MA), are in
#      none of a's routes and not in its topology (a's DNS does not know
#      them), while a and every enrolled CM reach each other;
#   2. y takes none of a's beacons (untrusted MA) and holds no route;
#   3. x holds the reverse routes of a's beacons, which anyone who hears a
#      beacon holds, but they carry nothing into the management network:
#      its pings to a and to b are dropped by a (DROP_CTRL_ONLY);
#   4. x cannot use others' paths: frames c sent towards a, copied and sent
#      again on x's link, are dropped by b (DROP_INGRESS), and frames with a
#      forged hop field (every bit of b's field flipped in turn) are
#      dropped by b (DROP_HOP); the network stays up.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/netns.sh
. "$here/../scripts/netns.sh"
# shellcheck source=selftests/lib/sec.sh
. "$here/lib/sec.sh"

sec_begin "mms-sr-$$-" 'a b\nb c\nc d\nb x\nd y\n' a b c d
tap_ok "x: an identity that trusts a, never imported" sec_rogue x || tap_bail "x"
tap_ok "y: an identity that trusts another MA" sec_foreign y || tap_bail "y"
sec_capture c b || tap_bail "capture on c"
sec_up
A=$(netns_mgmt a) B=$(netns_mgmt b) X=$(netns_mgmt x)

# ---- 1. no session, no route, not in the topology ----
tap_ok "a refused to challenge the nodes b and d list (not enrolled)" \
	wait_until 10 sec_ge a 'mms_auth_refused_total{reason="not_enrolled"}' 1
tap_cmp "a holds sessions with b, c, d only" "$(sec_m a mms_auth_sessions)" -eq 3
tap_cmp "a holds hop keys of b, c, d only" "$(sec_m a mms_auth_hop_keys)" -eq 3
for n in x y; do
	tap_cmp "$n has no session" "$(sec_m "$n" mms_auth_sessions)" -eq 0
	tap_cmp "$n got no CONTROL from the MA" "$(sec_core "$n" control_rx)" -eq 0
done
routes_are() { [ "$(sec_routes "$1" | tr '\n' ' ')" = "$2" ]; }
tap_ok "a has routes to b, c, d and none to x or y" \
	routes_are a "$(netns_mgmt b) $(netns_mgmt c) $(netns_mgmt d) "
dns() { in_ns a dig +short +time=1 +tries=2 @"$A" "$1.mms" A; }
dns_is() { [ "$(dns "$1")" = "$2" ]; }
tap_ok "a's DNS knows b (it is in a's topology)" dns_is b "$B"
tap_ok "a's DNS knows neither x nor y" eval 'dns_is x "" && dns_is y ""'

# ---- 2. y trusts another MA ----
tap_ok "y refuses a's beacons (untrusted MA)" \
	wait_until 10 sec_ge y 'mms_auth_refused_total{reason="beacon_untrusted"}' 1
tap_cmp "y took none of them" "$(sec_core y beacon_taken)" -eq 0
tap_ok "y holds no route" routes_are y ""

# ---- 3. x's beacon routes carry no traffic ----
has_route() { sec_routes "$1" | grep -qx "$2"; }
tap_ok "x holds a route to a (the reverse route of a beacon)" has_route x "$A"
ao0=$(mms_stat a drop_ctrl_only)
mm0=$(mms_stat a deliver_mm0)
no_ping() { ! in_ns "$1" ping -c 3 -i 0.2 -W 1 -q "$2" >/dev/null; }
tap_ok "x cannot ping a" no_ping x "$A"
tap_ok "x cannot ping b (through a)" no_ping x "$B"
tap_cmp "a dropped x's 6 packets: data on a beacon route (DROP_CTRL_ONLY)" \
	$(($(mms_stat a drop_ctrl_only) - ao0)) -eq 6
tap_cmp "none reached a's mm0" $(($(mms_stat a deliver_mm0) - mm0)) -eq 0

# ---- 4. copied and forged hop fields ----
sec_capture_stop c b
pcap=$(sec_pcap c b)
ncopied=$(("$(sec_captured "$pcap" lsa)" + "$(sec_captured "$pcap" beacon-ack)"))
tap_cmp "captured c's LSAs and acks to a" "$ncopied" -ge 2
in0=$(mms_stat b drop_ingress)
sent=$(($(sec_replay x b --pcap "$pcap" --type lsa) + $(sec_replay x b --pcap "$pcap" --type beacon-ack)))
tap_cmp "x sent them on its own link to b" "$sent" -eq "$ncopied"
b_dropped_ingress() { [ $(($(mms_stat b drop_ingress) - in0)) -ge "$1" ]; }
wait_until 5 b_dropped_ingress "$sent"
tap_cmp "b dropped every copy: they arrived on the wrong port (DROP_INGRESS)" \
	$(($(mms_stat b drop_ingress) - in0)) -eq "$sent"
hop0=$(mms_stat b drop_hop)
flipped=$(nsx x "$MMS_BUILD/mms-inject" --pin "$(netns_pin x)" --src "$X" --dst "$A" --flip 128:256)
tap_cmp "x sent its route to a with each bit of b's hop field flipped" "${flipped:-0}" -eq 128
b_dropped_hop() { [ $(($(mms_stat b drop_hop) - hop0)) -ge 128 ]; }
wait_until 5 b_dropped_hop
tap_cmp "b dropped all 128 (DROP_HOP)" $(($(mms_stat b drop_hop) - hop0)) -eq 128
tap_ok "the enrolled nodes still reach a and are reached" sec_converged
all_alive() { local n; for n in $(netns_nodes); do sec_alive "$n" || return 1; done; }
tap_ok "no agent died" all_alive
tap_done
