#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# A compromised CM: c is enrolled and holds its own valid keys (its agent
# runs), and its root user sends what it likes.
#
#     a (MA) ---- b ---- c ---- d
#                     (attacker) (victim)
#
# What c has to work with is what it sees: its own frames, the beacons it
# re-floods, and the frames it forwards between a and d (captured here on
# a's, c's and d's outgoing side; XDP forwarding bypasses tcpdump, and a
# relay's root sees the same bytes). Checked:
#   1. c has routes to a only (and the default through a): CM-to-CM goes
#      through a, whose kernel relays it; with a's relay stopped by a
#      forward filter, c cannot reach d over its own routes;
#   2. c's LSA re-labelled with d as origin: refused by a, under c's key id
#      (STALE_KEY) and under d's key id (BAD_MAC); a's view of d unchanged;
#   3. beacons forged by c towards d, another timestamp under a number a
#      signed, and a new number: refused (signature), counted;
#   4. a CONTROL of a's to d, carried by c on the rest of its route: d's
#      datapath delivers it (the route is valid) and d's agent refuses it,
#      as a replay and, with a new number, by its MAC; d's routes unchanged;
#   5. the route rest cannot carry c's own data: c's IP packet on the rest
#      of a's route to d (the one the CONTROL came on), tagged under the
#      key c tags its own data with, and under a zero key, is dropped by
#      d's datapath (DROP_E2E_TAG, each one), never reaching d's mm0: the
#      end-to-end tag binds the payload to the route's source (a), and c
#      holds none of the keys a and d share. Management traffic through c
#      still works: pings both ways and ssh from a to d.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/netns.sh
. "$here/../scripts/netns.sh"
# shellcheck source=selftests/lib/sec.sh
. "$here/lib/sec.sh"

sec_begin "mms-sc-$$-" 'a b\nb c\nc d\n' a b c d
for l in "a b" "c b" "c d" "d c"; do
	# shellcheck disable=SC2086
	sec_capture $l || tap_bail "capture $l"
done
sec_up
A=$(netns_mgmt a) D=$(netns_mgmt d)
# d's LSA and a's CONTROL to d must be in the captures: wait for a's
# answer to d's LSA, then stop capturing.
tap_ok "a sent d its routes" wait_until 10 sec_ge d 'mms_core_events_total{kind="control_rx"}' 1
for l in "a b" "c b" "c d" "d c"; do
	# shellcheck disable=SC2086
	sec_capture_stop $l
done

# ---- 1. c's own routes lead to a only ----
routes_are() { [ "$(sec_routes "$1" | tr '\n' ' ')" = "$2" ]; }
tap_ok "c's routes: a and the default (through a)" routes_are c "$A default "
fwd=$(mms_stat a deliver_mm0)
tap_ok "c pings d through a" sec_ping c d
tap_cmp "... which a's mm0 saw (a relays CM-to-CM)" $(($(mms_stat a deliver_mm0) - fwd)) -ge 2
# The agent keeps a's forwarding on mm0 (it puts it back when reset);
# an operator stops the relay with a filter, which it leaves alone.
in_ns a nft -f - <<-EOF
	table inet norelay {
		chain f { type filter hook forward priority 0; iifname "mm0" oifname "mm0" drop; }
	}
EOF
tap_ok "a relays no more (a forward filter): c cannot reach d" eval '! sec_ping c d'

# ---- 2. an LSA with d as origin ----
hexof() {	# FILE TYPE N: the hex body of frame N of TYPE
	"$MMS_BUILD/mms-inject" --pcap "$1" --list --type "$2" -v |
		awk -v n="$3" '$1 == n { print $NF }'
}
lastof() { echo $(($(sec_captured "$1" "$2") - 1)); }
did=$(sec_id d)
dlsa=$(hexof "$(sec_pcap d c)" lsa 0)
dkid=${dlsa: -48:4}	# the MAC trailer: kid (2) | seq (6) | tag (16)
tap_ok "captured d's LSA (its MAC's key id $dkid) and c's" \
	eval '[ -n "$dkid" ] && [ "$(sec_captured "$(sec_pcap c b)" lsa)" -ge 1 ]'
st0=$(sec_refused a stale_key) bm0=$(sec_refused a bad_mac) ra0=$(sec_core a rx_auth)
clsa=$(lastof "$(sec_pcap c b)" lsa)
sec_replay c b --pcap "$(sec_pcap c b)" --type lsa --nth "$clsa" --patch "0:$did" >/dev/null
tap_ok "c's LSA with origin d, under c's key id: refused by a (STALE_KEY)" \
	wait_until 5 sec_ge a 'mms_auth_refused_total{reason="stale_key"}' $((st0 + 1))
sec_replay c b --pcap "$(sec_pcap c b)" --type lsa --nth "$clsa" --patch "0:$did" \
	--patch "-24:${dkid}00ffffff0000" >/dev/null
tap_ok "... under d's key id and a fresh number: refused by a (BAD_MAC)" \
	wait_until 5 sec_ge a 'mms_auth_refused_total{reason="bad_mac"}' $((bm0 + 1))
tap_cmp "a counted each refusal once (RX_AUTH)" $(($(sec_core a rx_auth) - ra0)) -eq 2
tap_ok "a still routes d as before" eval 'sec_routes a | grep -qx "$D" && sec_ping a d'

# ---- 3. beacons ----
rb0=$(sec_core d rx_auth)
bad0=$(($(sec_refused d beacon_conflict) + $(sec_refused d beacon_bad_sig)))
cb=$(lastof "$(sec_pcap c d)" beacon)
sec_replay c d --pcap "$(sec_pcap c d)" --type beacon --nth "$cb" --patch 32:0000000000000001 >/dev/null
sec_replay c d --pcap "$(sec_pcap c d)" --type beacon --nth "$cb" --patch 40:fffffff0 >/dev/null
d_refused_beacons() { [ $(($(sec_core d rx_auth) - rb0)) -ge 2 ]; }
tap_ok "two beacons forged by c (timestamp changed, new number): d refused both" \
	wait_until 5 d_refused_beacons
tap_cmp "... on their signatures (conflict with a verified one, or a bad one)" \
	$(($(sec_refused d beacon_conflict) + $(sec_refused d beacon_bad_sig) - bad0)) -eq 2

# ---- 4. a CONTROL to d, carried by c ----
ctl=$("$MMS_BUILD/mms-inject" --pcap "$(sec_pcap a b)" --list --type control |
	awk '$5 == 3 { n = $1 } END { print n }')	# nhops 3: b, c, d
tap_ok "captured a CONTROL of a's to d (3 hop fields)" eval '[ -n "$ctl" ]'
droutes=$(sec_routes d | tr '\n' ' ')
rp0=$(sec_refused d replay) dm0=$(sec_refused d bad_mac) ra0=$(sec_core d rx_auth)
da0=$(mms_stat d deliver_agent)
carry() {	# the CONTROL on the rest of its route: d's field only, from c
	sec_replay c d --pcap "$(sec_pcap a b)" --type control --nth "$ctl" --pop 2 \
		--src-mac own --dst-mac "$(netns_mac d c)" "$@" >/dev/null
}
carry
tap_ok "as it was: d refused it as a replay" \
	wait_until 5 sec_ge d 'mms_auth_refused_total{reason="replay"}' $((rp0 + 1))
carry --patch "-22:00ffffff0000"
tap_ok "with a fresh number: d refused it (BAD_MAC)" \
	wait_until 5 sec_ge d 'mms_auth_refused_total{reason="bad_mac"}' $((dm0 + 1))
tap_cmp "d's datapath delivered both to its agent (the route rest is valid)" \
	$(($(mms_stat d deliver_agent) - da0)) -ge 2
tap_cmp "d's core refused both (RX_AUTH): neither was applied" $(($(sec_core d rx_auth) - ra0)) -eq 2
tap_ok "d's routes unchanged" routes_are d "$droutes"

# ---- 5. a route's rest does not carry c's data ----
mm0=$(mms_stat d deliver_mm0) e2e0=$(mms_stat d drop_e2e_tag)
inject_rest() {	# c's own packet to d on the rest of a's route (ARGS: tag key)
	sec_replay c d --pcap "$(sec_pcap a b)" --type control --nth "$ctl" --pop 2 \
		--src "$(netns_mgmt c)" --dst "$D" --src-mac own --dst-mac "$(netns_mac d c)" \
		--count 5 --gap-us 1000 "$@" >/dev/null
}
inject_rest --tag-pin "$(netns_pin c)"	# the key c tags its own data with
inject_rest				# a zero key
d_e2e() { [ "$(mms_stat d drop_e2e_tag)" -ge $((e2e0 + 10)) ]; }
tap_ok "c's 10 packets on the rest of a's route to d: dropped by d's datapath (DROP_E2E_TAG)" \
	wait_until 5 d_e2e
tap_cmp "... exactly those" $(($(mms_stat d drop_e2e_tag) - e2e0)) -eq 10
tap_cmp "... none reached d's mm0" $(($(mms_stat d deliver_mm0) - mm0)) -eq 0
in_ns a nft delete table inet norelay
tap_ok "every node still reaches a and is reached" sec_converged
tap_ok "a pings d through c" sec_ping a d
tap_ok "d pings a through c" sec_ping d a
tap_ok "c pings d again, through a (a's kernel relays it)" sec_ping c d
ssh_d() {
	netns_sshd d "$D" "$NETNS_TMP" || return 1
	[ "$(netns_ssh a "$D" "$NETNS_TMP" echo mms-e2e 2>/dev/null)" = mms-e2e ]
}
tap_ok "ssh from a to d through c" ssh_d
tap_cmp "no tag of a, c or d's own traffic failed anywhere (DROP_E2E_TAG only c's 10)" \
	$(($(mms_stat a drop_e2e_tag) + $(mms_stat b drop_e2e_tag) + $(mms_stat c drop_e2e_tag) + \
	   $(mms_stat d drop_e2e_tag) - e2e0)) -eq 10
tap_done
