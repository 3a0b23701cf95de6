#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Management traffic over mm0 along a five-node chain, with routes installed
# by hand (no control plane):
#
#     a ---- b ---- c ---- d ---- e        ../shared/topologies/line5.topo
#   mm0 10.77.0.1              mm0 10.77.0.5
#
# 1. ping a -> e over mm0: b, c, d forward each packet, e delivers it to mm0.
# 2. ssh a -> e: sshd on e's management address only, throwaway keys.
# 3. Tamper detection: frames of a's valid route to e, each with one bit of
#    the MMS header or of a hop field flipped, injected on a's link to b, are
#    all dropped and counted by b; b forwards none of them. The untampered
#    frame, sent the same way, is forwarded by b, c, d and delivered by e,
#    which shows that the injected frames are right apart from the flip.
# 4. Data traffic is unaffected: plain IP between directly connected data
#    addresses still works and counts as PASS.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/netns.sh
. "$here/../scripts/netns.sh"
# shellcheck source=scripts/mms-static.sh
. "$here/../scripts/mms-static.sh"

netns_test_begin "mms-l5-$$-" "$MMS_BUILD/mms-inject"
tmp=$NETNS_TMP
topo=$(netns_topo line5) || tap_bail "line5.topo not found"
netns_build "$topo" || tap_bail "building line5 in namespaces"
nodes=$(netns_nodes)
for n in $nodes; do
	tap_ok "$n: datapath on $(netns_ifs "$n" | tr '\n' ' ')and mm0 $(netns_mgmt "$n")/16" \
		netns_dp_up "$n" || tap_bail "datapath on $n"
done
tap_ok "keys and neighbours installed on every node" static_setup || tap_bail "static setup"
tap_ok "routes a <-> e installed by hand" static_pair a e || tap_bail "routes"
A=$(netns_mgmt a)
E=$(netns_mgmt e)

# ---- 1. ping over mm0 ----
declare -A fwd0
for n in b c d; do fwd0[$n]=$(mms_stat "$n" forward); done
del0=$(mms_stat e deliver_mm0)
dela0=$(mms_stat a deliver_mm0)
tap_ok "ping $A -> $E over mm0" in_ns a ping -c 3 -i 0.2 -W 3 -I "$A" "$E"
for n in b c d; do
	# Each echo request and each reply crosses b, c and d.
	tap_cmp "$n forwarded the 3 requests and 3 replies" \
		$(($(mms_stat "$n" forward) - fwd0[$n])) -ge 6
done
tap_cmp "e delivered the 3 requests to mm0" $(($(mms_stat e deliver_mm0) - del0)) -ge 3
tap_cmp "a delivered the 3 replies to mm0" $(($(mms_stat a deliver_mm0) - dela0)) -ge 3
tap_ok "ping $E -> $A over mm0 (the other way)" in_ns e ping -c 2 -i 0.2 -W 3 -I "$E" "$A"
tap_ok "a's mm0 route to e goes through mm0" \
	sh -c "ip netns exec $(netns_ns a) ip route get $E | grep -q 'dev mm0'"

# ---- 2. ssh over mm0 ----
ssh_test() {
	local out
	netns_sshd e "$E" "$tmp" || return 1
	# The remote command lists e's own mm0 address: it ran in e.
	out=$(netns_ssh a "$E" "$tmp" echo mms-over-mm0 \; ip -4 -br addr show dev mm0 2>&1)
	echo "$out"
	[ "$(echo "$out" | head -n1)" = mms-over-mm0 ] && echo "$out" | grep -q " $E/16"
}
tap_ok "ssh root@$E from a runs a command over mm0" ssh_test
kill "$NETNS_LAST_PID" 2>/dev/null

# ---- 3. tamper detection ----
inject() { nsx a "$MMS_BUILD/mms-inject" --pin "$(netns_pin a)" --src "$A" --dst "$E" "$@"; }
snapshot() {	# the counters tamper checks look at
	echo "$(mms_stat b forward) $(mms_drops b) $(mms_stat c forward) $(mms_stat e deliver_mm0)"
}
# Wait until b has seen `want` more frames (forwarded or dropped) than in
# the snapshot, so that the checks look at a settled state.
b_saw() { local s; read -ra s <<<"$(snapshot)"; [ $((s[0] + s[1] - $1)) -ge "$2" ]; }

read -ra s0 <<<"$(snapshot)"
sent=$(inject)
tap_cmp "injector sent the untampered frame" "${sent:-0}" -eq 1
e_delivered_more() { [ "$(mms_stat e deliver_mm0)" -gt "$1" ]; }
wait_until 5 e_delivered_more "${s0[3]}"
read -ra s1 <<<"$(snapshot)"
tap_cmp "untampered frame: forwarded by b" $((s1[0] - s0[0])) -eq 1
tap_cmp "untampered frame: forwarded by c" $((s1[2] - s0[2])) -eq 1
tap_cmp "untampered frame: delivered to mm0 by e" $((s1[3] - s0[3])) -eq 1
tap_cmp "untampered frame: no drop at b" $((s1[1] - s0[1])) -eq 0

# a's route to e has 4 hop fields: the header (128 bits) plus 4 x 128 bits.
nhops=$(mmsctl_at a route show | awk -v d="$E" '$1 == d && $2 == 0 { print $4 }')
tap_cmp "a's route to e has 4 hop fields" "${nhops:-0}" -eq 4
bits=$((128 * (1 + ${nhops:-0})))
dhop0=$(mms_stat b drop_hop)
sent=$(inject --flip "0:$bits")
tap_cmp "injector sent one frame per header and hop-field bit" "${sent:-0}" -eq "$bits"
wait_until 10 b_saw "$((s1[0] + s1[1]))" "$bits"
read -ra s2 <<<"$(snapshot)"
tap_cmp "b dropped every tampered frame" $((s2[1] - s1[1])) -eq "$bits"
tap_cmp "b forwarded none of them" $((s2[0] - s1[0])) -eq 0
tap_cmp "e delivered none of them" $((s2[3] - s1[3])) -eq 0
# Flips in the hop fields are failed hop checks (the header's are caught
# earlier by version, scope, flags, nhops, epoch and expiry checks too).
tap_cmp "b counted at least the hop-field flips as drop_hop" \
	$(($(mms_stat b drop_hop) - dhop0)) -ge $((128 * nhops))
mmsctl_at b stats | sed 's/^/# b: /'

# ---- 4. data traffic unaffected ----
pass0=$(mms_stat b pass)
tap_ok "plain IP ping a -> b on the data link" in_ns a ping -c 2 -i 0.2 -W 2 "$(netns_ip b a)"
tap_ok "plain IP ping d -> e on the data link" in_ns d ping -c 2 -i 0.2 -W 2 "$(netns_ip e d)"
tap_cmp "b passed the data frames to its stack" $(($(mms_stat b pass) - pass0)) -ge 2
tap_ok "mm0 still works after all that" in_ns a ping -c 1 -W 3 "$E"

# ---- cleanup, checked ----
ns_prefix=$NETNS_PREFIX
pin_base=$NETNS_PIN_BASE
netns_cleanup
tap_ok "cleanup removed the namespaces" sh -c "! ip netns list | grep -q '^$ns_prefix'"
tap_ok "cleanup removed the pins" test ! -e "$pin_base"
tap_done
