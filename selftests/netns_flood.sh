#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# One neighbour floods b with control frames at full speed; b's control-frame
# budgets (bpf/mms_rl.h; defaults for link-scope frames 1000/s burst 200 per
# sender, 2000/s burst 400 per link, 10000/s burst 2000 per node; for routed
# control 5000/1000 per sender and per link, 20000/4000 per node) keep what
# reaches b's agent bounded and leave the other neighbours' control frames
# and the management traffic crossing b alone:
#
#            a (10.77.0.1)
#            |
#     f ---- b ---- c (10.77.0.3)         routes by hand: a <-> c, f <-> b, a <-> b
#     flooder
#
# Three floods from f, each for a few seconds, each while a pings c over mm0
# (through b) and sends b control frames of its own at a modest rate:
#   1. link-scope hellos, beacons and challenges from f's own MAC;
#   2. the same from a made-up source MAC per frame (what a per-sender bucket
#      alone cannot stop: each made-up sender is new);
#   3. routed challenges from f to b (delivered to b's agent, hop verified).
# Each time: management ping loss <= 1 %, every one of a's frames reaches
# b's agent, every flood frame is accounted for by exactly one bucket's
# passed or dropped count, DROP_RATELIMIT counts the drops, and what passed
# stays within the budget for the flood's duration.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/netns.sh
. "$here/../scripts/netns.sh"
# shellcheck source=scripts/mms-static.sh
. "$here/../scripts/mms-static.sh"

FLOOD_MAX_S=20		# bound on a flood (stopped when its ping is done)
PINGS=400		# 5 ms apart (2-3 s), while the flood is on
A_FRAMES=200		# a's own control frames per flood, 100/s

netns_test_begin "mms-fl-$$-" "$MMS_BUILD/mms-inject"
tmp=$NETNS_TMP
printf 'a b\nc b\nf b\n' >"$tmp/star.topo"
netns_build "$tmp/star.topo" || tap_bail "building the star in namespaces"
for n in a b c f; do
	netns_dp_up "$n" || tap_bail "datapath on $n"
done
tap_ok "keys and neighbours on every node" static_setup || tap_bail "static setup"
tap_ok "routes a <-> c, f <-> b, a <-> b" \
	eval 'static_pair a c && static_pair f b && static_pair a b' || tap_bail "routes"
A=$(netns_mgmt a); B=$(netns_mgmt b); C=$(netns_mgmt c); F=$(netns_mgmt f)
fmac=$(netns_mac f b)
amac=$(netns_mac a b)
limits_are_defaults() {
	mmsctl_at b ratelimit show | awk '
		NF == 4 && $1 != "CLASS" { got = got " " $1 "/" $2 "/" $3 "/" $4 }
		END { exit got != " link-scope/nbr/1000/200 link-scope/link/2000/400 link-scope/node/10000/2000" \
			" routed/nbr/5000/1000 routed/link/5000/1000 routed/node/20000/4000" \
			" transit/nbr/2500/500 transit/link/5000/1000 transit/node/off/-" }'
}
tap_ok "b runs with the default budgets" limits_are_defaults
tap_ok "ping $A -> $C over mm0 before any flood" in_ns a ping -c 2 -i 0.2 -W 2 -I "$A" "$C"

inject() {	# NODE ARGS...: mms-inject with NODE's pins
	local n=$1; shift
	nsx "$n" "$MMS_BUILD/mms-inject" --pin "$(netns_pin "$n")" "$@"
}
# bucket CLASS LEVEL DEV [MAC]: "passed dropped" of one of b's buckets (0 0 if none)
bucket() {
	mmsctl_at b ratelimit show | awk -v c="$1" -v l="$2" -v d="$3" -v m="${4:--}" '
		NF == 7 && $1 == c && $2 == l && $3 == d && $4 == m { print $6, $7; f = 1 }
		END { if (!f) print 0, 0 }'
}
# snap CLASS: the numbers every flood of that class is judged by, as one line
snap() {
	local fb ab lb nb
	fb=$(bucket "$1" nbr to-f "$fmac"); ab=$(bucket "$1" nbr to-a "$amac")
	lb=$(bucket "$1" link to-f); nb=$(bucket "$1" node -)
	echo "$(mms_stat b drop_ratelimit) $(mms_stat b link_agent) $(mms_stat b deliver_agent)" \
	     "$(mms_stat b forward) $fb $ab $lb $nb"
}
# fields of snap, read by name in d()
# shellcheck disable=SC2034
S_DRL=0 S_LA=1 S_DA=2 S_FWD=3 S_FP=4 S_FD=5 S_AP=6 S_AD=7 S_LP=8 S_LD=9 S_NP=10 S_ND=11
ratelimit_moved() { [ "$(mms_stat b drop_ratelimit)" -gt "$1" ]; }
gone() { ! kill -0 "$1" 2>/dev/null; }

# flood NAME CLASS A_CMD F_ARGS...: start f's flood (F_ARGS to mms-inject); once
# b drops its frames, a's own frames (A_CMD: mms-inject arguments for a, in
# one word) and a's ping to c; when both are done, stop the flood. Leaves
# s0/s1 (snap before/after), sent, rate, secs (the flood's, rounded up),
# loss (ping: lost, sent) and on (the flood was still on at the end).
flood() {
	local name=$1 cls=$2 a_args=$3 log=$tmp/flood.log apid fpid out t0 t1; shift 3
	read -ra s0 <<<"$(snap "$cls")"
	t0=$(date +%s%N)
	netns_bg f "$log" "$MMS_BUILD/mms-inject" --pin "$(netns_pin f)" --gap-us 0 \
		--seconds "$FLOOD_MAX_S" --count 100000000 -v "$@"
	fpid=$NETNS_LAST_PID
	wait_until 5 ratelimit_moved "${s0[S_DRL]}" || tap_diag "$name: b saw no drops yet"
	# shellcheck disable=SC2086 # a_args is a word list on purpose
	netns_bg a "$tmp/a.log" "$MMS_BUILD/mms-inject" --pin "$(netns_pin a)" $a_args
	apid=$NETNS_LAST_PID
	out=$(in_ns a ping -q -c "$PINGS" -i 0.005 -W 2 -I "$A" "$C" 2>&1)
	wait_until 10 gone "$apid" || tap_diag "$name: a's injector still running"
	on=0; kill -TERM "$fpid" 2>/dev/null && on=1
	wait_until 10 gone "$fpid" || tap_diag "$name: flood still running"
	t1=$(date +%s%N)
	secs=$(((t1 - t0 + 999999999) / 1000000000))	# whole seconds, rounded up
	read -ra loss <<<"$(echo "$out" |
		awk '/packets transmitted/ { print $1 - $4, $1 }')"
	[ ${#loss[@]} = 2 ] || loss=(1 0)
	sent=$(tail -n1 "$log")
	rate=$(sed -n 's/.*(\([0-9]*\) frames\/s).*/\1/p' "$log")
	a_sent=$(tail -n1 "$tmp/a.log")
	read -ra s1 <<<"$(snap "$cls")"
	tap_diag "$name: f sent ${sent:-?} frames at ${rate:-?} frames/s;" \
		"ping: ${loss[0]} of ${loss[1]} lost; b: $(mmsctl_at b stats | awk '$1 == "drop_ratelimit"')"
}
d() { echo $((s1[$1] - s0[$1])); }	# delta of a snap field

common_checks() {	# NAME: what holds for every flood
	local name=$1
	tap_cmp "$name: f flooded (frames sent)" "${sent:-0}" -ge 10000
	tap_cmp "$name: the flood lasted through the ping and a's frames" "$on" -eq 1
	tap_cmp "$name: $PINGS pings a -> c sent" "${loss[1]}" -eq "$PINGS"
	tap_cmp "$name: a sent its $A_FRAMES control frames" "${a_sent:-0}" -eq "$A_FRAMES"
	# <= 1 %: lost * 100 <= sent
	tap_cmp "$name: management ping loss <= 1 % (${loss[0]} of ${loss[1]})" \
		$((loss[0] * 100)) -le "${loss[1]}"
	tap_cmp "$name: b forwarded the pings and their replies" "$(d S_FWD)" -ge $((2 * (loss[1] - loss[0])))
	tap_cmp "$name: a's sender bucket dropped none of a's frames" "$(d S_AD)" -eq 0
	tap_cmp "$name: the node's budget was never exhausted" "$(d S_ND)" -eq 0
}

# ---- 1. link scope, f's own MAC ----
flood "link flood" link-scope "--link hello --port $(netns_port a b) --count $A_FRAMES --gap-us 10000" \
	--link hello,beacon,auth --port "$(netns_port f b)"
common_checks "link flood"
tap_cmp "link flood: a's $A_FRAMES hellos all reached b's agent" "$(d S_AP)" -eq "${a_sent:-0}"
tap_cmp "link flood: f's bucket accounts for every frame (passed + dropped = sent)" \
	$(($(d S_FP) + $(d S_FD))) -eq "${sent:-0}"
tap_cmp "link flood: DROP_RATELIMIT = f's drops" "$(d S_DRL)" -eq "$(d S_FD)"
tap_cmp "link flood: LINK_AGENT = f's passed + a's hellos" "$(d S_LA)" -eq $(($(d S_FP) + a_sent))
tap_cmp "link flood: f got at least its burst" "$(d S_FP)" -ge 200
tap_cmp "link flood: f's frames to b's agent <= 200 + 1000/s x ${secs}s" \
	$(($(d S_LA) - a_sent)) -le $((200 + 1000 * secs))

# ---- 2. link scope, a made-up MAC per frame ----
flood "made-up MACs" link-scope "--link beacon --port $(netns_port a b) --count $A_FRAMES --gap-us 10000" \
	--link hello,beacon,auth --port "$(netns_port f b)" --random-src
common_checks "made-up MACs"
tap_cmp "made-up MACs: a's $A_FRAMES beacons all reached b's agent" "$(d S_AP)" -eq "${a_sent:-0}"
tap_cmp "made-up MACs: f's link bucket accounts for every frame" \
	$(($(d S_LP) + $(d S_LD))) -eq "${sent:-0}"
tap_cmp "made-up MACs: DROP_RATELIMIT = the link's drops" "$(d S_DRL)" -eq "$(d S_LD)"
tap_cmp "made-up MACs: f's frames to b's agent <= 400 + 2000/s x ${secs}s" \
	$(($(d S_LA) - a_sent)) -le $((400 + 2000 * secs))
senders=$(mmsctl_at b ratelimit show | awk '$2 == "nbr" && $3 == "to-f"' | wc -l)
tap_cmp "made-up MACs: b's sender table stays bounded ($senders from f)" "$senders" -le 4096

# ---- 3. routed challenges from f to b ----
flood "routed flood" routed "--src $A --dst $B --type lsa --count $A_FRAMES --gap-us 10000" \
	--src "$F" --dst "$B" --type auth
common_checks "routed flood"
tap_cmp "routed flood: a's $A_FRAMES routed LSAs all reached b's agent" "$(d S_AP)" -eq "${a_sent:-0}"
tap_cmp "routed flood: f's bucket accounts for every frame" \
	$(($(d S_FP) + $(d S_FD))) -eq "${sent:-0}"
tap_cmp "routed flood: DROP_RATELIMIT = f's drops" "$(d S_DRL)" -eq "$(d S_FD)"
tap_cmp "routed flood: DELIVER_AGENT = f's passed + a's LSAs" "$(d S_DA)" -eq $(($(d S_FP) + a_sent))
tap_cmp "routed flood: f's frames to b's agent <= 1000 + 5000/s x ${secs}s" \
	$(($(d S_DA) - a_sent)) -le $((1000 + 5000 * secs))
mmsctl_at b ratelimit show | awk '$2 != "nbr" || $3 != "to-f" || $4 == "'"$fmac"'"' |
	sed 's/^/# b: /'

# ---- after the floods ----
tap_ok "ping $A -> $C over mm0 after the floods" in_ns a ping -c 2 -i 0.2 -W 2 -I "$A" "$C"
tap_ok "ping $F -> $B: the flooder's own management traffic was never throttled" \
	in_ns f ping -c 2 -i 0.2 -W 2 -I "$F" "$B"

ns_prefix=$NETNS_PREFIX
pin_base=$NETNS_PIN_BASE
netns_cleanup
tap_ok "cleanup removed the namespaces" sh -c "! ip netns list | grep -q '^$ns_prefix'"
tap_ok "cleanup removed the pins" test ! -e "$pin_base"
tap_done
