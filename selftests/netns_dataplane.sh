#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The data plane broken, the management channel not: what MMS is for
# (docs/design.md). line5 with real agents, MA a, and a data path of
# static routes a <-> e over the links' data addresses:
#
#     a ---- b ---- c ---- d ---- e
#
#  0. before: data ping a -> e and management ping a -> e both work;
#  1. transit c broken: its routing table flushed, forwarding off, an
#     nftables filter dropping everything in input, forward and output,
#     and a qdisc dropping every frame its stack sends on its links.
#     Data ping a -> e fails; management ping and ssh a -> e work;
#  2. the managed node itself: e's and a's main routing tables flushed and a
#     wrong route for the management prefix added to e's main table (as a
#     routing daemon or a typo would). Management ping and ssh a -> e work:
#     the agent keeps its routes in a table of its own, looked up first;
#  3. the agent repairs what is deleted under it: e's rule, its routes over
#     mm0 in every table, mm0's address, mm0 set down, mm0 deleted, one
#     after the other: each comes back (counted in the agent's metrics and
#     logged) and ping and ssh work again; the MA's forwarding on mm0 (the
#     CM-to-CM relay) reset by a write to conf.all.forwarding comes back;
#  4. what the agent cannot route around is said, not hidden: a filter
#     that drops everything in e's own input stops management to e
#     (its packets are delivered to e's stack like any other), and
#     management to e comes back when it is removed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/netns.sh
. "$here/../scripts/netns.sh"
# shellcheck source=scripts/agents.sh
. "$here/../scripts/agents.sh"

for t in nft ssh sshd; do
	command -v "$t" >/dev/null || [ -x "/usr/sbin/$t" ] ||
		{ echo "1..0 # SKIP $t not installed (scripts/install-deps.sh)"; exit 0; }
done
AGENTS_METRICS=1
agents_test_begin "mms-dpb$$-" line5 a
A=$(netns_mgmt a)
E=$(netns_mgmt e)

netns_data_route a e && netns_data_route e a || tap_bail "data routes"
for n in b c d; do in_ns "$n" sysctl -qw net.ipv4.ip_forward=1; done
E_DATA=$(netns_ip e d)
data_ping() { in_ns a ping -c 1 -W 1 "$E_DATA" >/dev/null 2>&1; }
mgmt_ping() { in_ns a ping -c 1 -W 1 -I "$A" "$E" >/dev/null 2>&1; }

agents_start
# shellcheck disable=SC2046
wait_until 30 agents_reach a $(agents_cms)
tap_result $? "every CM reachable over mm0 from the MA" || { agents_logs 8; tap_bail "no convergence"; }
netns_sshd e "$E" "$NETNS_TMP" || tap_bail "sshd on e"
ssh_e() { test "$(netns_ssh a "$E" "$NETNS_TMP" echo through 2>&1)" = through; }

# ---- 0. ----
tap_ok "before: data ping a -> e ($E_DATA)" data_ping
tap_ok "before: management ping a -> e" mgmt_ping

# ---- 1. transit c broken ----
c_to_b() { in_ns c ping -c 1 -W 1 "$(netns_ip b c)" >/dev/null 2>&1; }
tap_ok "before: c pings b's data address" c_to_b
# every frame c's stack sends dropped on its links (a pfifo of length 0)
for i in $(netns_ifs c); do in_ns c tc qdisc replace dev "$i" root pfifo limit 0; done
tap_ok "c's qdiscs drop every frame its stack sends" sh -c "! ip netns exec $(netns_ns c) ping -c 2 -W 1 $(netns_ip b c)"
in_ns c ip route flush table main
in_ns c sysctl -qw net.ipv4.ip_forward=0
in_ns c nft -f - <<-EOF
	table inet mistyped {
		chain i { type filter hook input priority 0; policy drop; }
		chain f { type filter hook forward priority 0; policy drop; }
		chain o { type filter hook output priority 0; policy drop; }
	}
EOF
tap_ok "c's filter is in place" in_ns c nft list table inet mistyped
tap_ok "c broken: data ping a -> e fails" sh -c "! ip netns exec $(netns_ns a) ping -c 2 -W 1 $E_DATA"
tap_ok "... management ping a -> e works" in_ns a ping -c 3 -i 0.2 -W 2 -I "$A" "$E"
tap_ok "... ssh a -> e works" ssh_e
tap_ok "... c's neighbours never lost it" \
	sh -c "! grep -q 'neighbour .* down' '$(agent_log b)' '$(agent_log d)'"
in_ns c nft delete table inet mistyped	# so that c's /metrics answers c itself
tap_cmp "... its control frames, refused by the qdiscs, went past them" \
	"$(agent_metric c mms_agent_tx_past_qdisc_total)" -ge 1

# ---- 2. the routing tables of e and a ----
in_ns e ip route flush table main
in_ns a ip route flush table main
in_ns e ip route add 10.77.0.0/16 via "$(netns_ip d e)" dev "$(netns_if e d)" onlink
tap_ok "e's and a's main tables flushed, a wrong management route at e: ping a -> e" \
	in_ns a ping -c 3 -i 0.2 -W 2 -I "$A" "$E"
tap_ok "... ping e -> a" in_ns e ping -c 2 -i 0.2 -W 2 "$A"
tap_ok "... ssh a -> e" ssh_e

# ---- 3. the agent's own routing state deleted under it ----
repairs() { agent_metric e mms_agent_mm0_repairs_total; }
r0=$(repairs)
rule_pref=$(in_ns e ip rule show | awk -v e="$E" '/lookup mms|lookup [0-9]+/ && /10\.77\./ { sub(":", "", $1); print $1; exit }')
tap_ok "e has a rule for the management prefix (pref ${rule_pref:-none})" test -n "$rule_pref"
in_ns e ip rule del pref "$rule_pref"
wait_until 10 mgmt_ping
tap_result $? "e's rule deleted: back, ping a -> e works"
in_ns e ip route flush dev mm0 table all >/dev/null 2>&1	# it may race the repair
wait_until 10 mgmt_ping
tap_result $? "e's routes over mm0 flushed in every table (the local one too): back, ping a -> e works"
in_ns e ip addr flush dev mm0
wait_until 10 mgmt_ping
tap_result $? "mm0's address flushed at e: back, ping a -> e works"
in_ns e ip link set mm0 down
wait_until 10 mgmt_ping
tap_result $? "mm0 set down at e: back up, ping a -> e works"
in_ns e ip link del mm0
wait_until 10 mgmt_ping
tap_result $? "mm0 deleted at e: made again, ping a -> e works"
tap_ok "... ssh a -> e" ssh_e
tap_cmp "... each repair counted" "$(( $(repairs) - r0 ))" -ge 6
b_to_e() { in_ns b ping -c 1 -W 1 "$E" >/dev/null 2>&1; }
tap_ok "CM to CM: b reaches e through the MA" b_to_e
# an operator turns routing on and off again at the MA: the second write
# sets every device's forwarding, mm0's too, to 0
in_ns a sysctl -qw net.ipv4.ip_forward=1
in_ns a sysctl -qw net.ipv4.ip_forward=0
wait_until 10 b_to_e
tap_result $? "the MA's forwarding turned off (ip_forward 1, then 0): put back, b reaches e again"
tap_cmp "... counted" "$(agent_sample a 'mms_agent_mm0_repairs_total{what="forwarding"}')" -ge 1
tap_ok "... and logged" grep -q "mm0.*restored\|restored.*mm0" "$(agent_log e)"

# ---- 4. e's own input filter ----
in_ns e nft -f - <<-EOF
	table inet lockout { chain i { type filter hook input priority 0; policy drop; }; }
EOF
tap_ok "e's filter is in place" in_ns e nft list table inet lockout
tap_ok "a filter dropping all of e's input stops management to e too (said in the docs)" \
	sh -c "! ip netns exec $(netns_ns a) ping -c 2 -W 1 -I $A $E"
in_ns e nft delete table inet lockout
wait_until 10 mgmt_ping
tap_result $? "... and removed, management to e is back"

tap_done
