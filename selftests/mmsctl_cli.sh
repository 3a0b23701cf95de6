#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# mmsctl against a real datapath on a two-node topology of its own:
#
#     x ---- y          (one veth pair; the datapath runs in x only)
#
# Command-line misuse (one line on stderr, exit 2), run-time failures (exit
# 1), and each subcommand's effect read back through the pinned maps:
# keys (epochs shown, key material never), neighbours, routes and their
# alternates, counters (the Prometheus output must satisfy promtool),
# events, teardown.
# shellcheck disable=SC2016 # eval'd checks expand when they run
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/netns.sh
. "$here/../scripts/netns.sh"

netns_test_begin "mms-cli-$$-"
tmp=$NETNS_TMP
printf 'x y\n' >"$tmp/pair.topo"
netns_build "$tmp/pair.topo" || tap_bail "building the namespaces"
PIN=$(netns_pin x)
ctl() { mmsctl_at x "$@"; }

# misuse CMD...: exit status 2 and exactly one line on stderr, nothing on stdout.
misuse() {
	local out err rc
	out=$(ctl "$@" 2>"$tmp/err"); rc=$?
	err=$(cat "$tmp/err")
	[ $rc = 2 ] && [ -z "$out" ] && [ "$(wc -l <"$tmp/err")" = 1 ] && return 0
	echo "rc=$rc stdout='$out' stderr='$err'"
	return 1
}
# failure CMD...: exit status 1 and one line on stderr.
failure() {
	local rc
	ctl "$@" >/dev/null 2>"$tmp/err"; rc=$?
	[ $rc = 1 ] && [ "$(wc -l <"$tmp/err")" -ge 1 ] && return 0
	echo "rc=$rc stderr='$(cat "$tmp/err")'"
	return 1
}

# ---- misuse, before anything is loaded ----
tap_ok "no command" misuse
tap_ok "unknown command" misuse frobnicate
tap_ok "command without its subcommand" misuse key
tap_ok "unknown subcommand" misuse route frob
tap_ok "unknown global option" misuse --bogus stats
tap_ok "--pin without a value" misuse --pin
tap_ok "unknown option of a subcommand" misuse stats --bogus
tap_ok "key on the command line is refused" misuse key set --epoch 1 00112233445566778899aabbccddeeff
tap_ok "key set without --epoch" misuse key set --key-file /dev/null
tap_ok "epoch out of range" misuse key set --epoch 256 --key-file /dev/null
tap_ok "epoch not a number" misuse key del --epoch 1x
tap_ok "port 0 is not a neighbour" misuse nbr set 0 --dev to-y --mac 02:00:00:00:00:01
tap_ok "port out of range" misuse nbr del 256
tap_ok "bad MAC" misuse nbr set 1 --dev to-y --mac 02:00:00:00:00
tap_ok "VLAN out of range" misuse nbr set 1 --dev to-y --mac 02:00:00:00:00:01 --vlan 4095
tap_ok "route add without hops" misuse route add 10.77.0.2 --port 1 --epoch 1 --expiry 60
tap_ok "route add to a non-address" misuse route add 10.77.0 --port 1 --epoch 1 --expiry 60 --hop k,1
tap_ok "transit hop without egress" misuse route add 10.77.0.2 --port 1 --epoch 1 --expiry 60 --hop k,1 --hop k,1
tap_ok "destination hop with an egress" misuse route add 10.77.0.2 --port 1 --epoch 1 --expiry 60 --hop k,1,2
tap_ok "expiry in the past" misuse route add 10.77.0.2 --port 1 --epoch 1 --expiry @1000 --hop k,1
hops17=()
for i in $(seq 17); do hops17+=(--hop "k,1,$i"); done
tap_ok "more than 16 hops" misuse route add 10.77.0.2 --port 1 --epoch 1 --expiry 60 "${hops17[@]}"
tap_ok "mm0 without a prefix" misuse mm0 10.77.0.1
tap_ok "mm0 with a bad DSCP" misuse mm0 10.77.0.1/16 --dscp 64
tap_ok "mm0 with a producer beyond 16 bits" misuse mm0 10.77.0.1/16 --producer 65536
tap_ok "attach without a device" misuse attach
tap_ok "stats --prom and --json together" misuse stats --prom --json
tap_ok "events with a zero count" misuse events --count 0
tap_ok "ratelimit set without a class" misuse ratelimit set --nbr 5/5
tap_ok "ratelimit set with an unknown class" misuse ratelimit set link --nbr 5/5
tap_ok "ratelimit set without a level" misuse ratelimit set routed
tap_ok "ratelimit rate 0" misuse ratelimit set link-scope --nbr 0/5
tap_ok "ratelimit burst 0" misuse ratelimit set link-scope --nbr 10/0
tap_ok "ratelimit without a burst" misuse ratelimit set routed --link 10
tap_ok "ratelimit with junk" misuse ratelimit set routed --node 10/5x
tap_ok "ratelimit rate over the maximum" misuse ratelimit set link-scope --nbr 100000001/5
tap_ok "ratelimit show takes no argument" misuse ratelimit show extra
tap_ok "stats before the datapath is loaded fails" failure stats
tap_ok "attach to a missing device fails" failure attach nosuchdev0

# ---- the datapath ----
tap_ok "attach to to-y" ctl attach to-y
tap_ok "attach again is idempotent" ctl attach to-y
tap_ok "mm0 10.77.0.1/16" ctl mm0 10.77.0.1/16 --prio 6 --pcp 5 --dscp 48
tap_ok "maps pinned under the node's pin root" test -e "$PIN/mms_routes" -a -e "$PIN/mms_stats"
tap_ok "mm0 has the address" eval 'ip -n "$(netns_ns x)" -4 -br addr show dev mm0 | grep -q 10.77.0.1/16' 

# ---- keys ----
(umask 077
 head -c 16 /dev/urandom >"$tmp/x.key"
 head -c 16 /dev/urandom >"$tmp/y.key"
 printf '00112233445566778899aabbccddeeff\n' >"$tmp/hex.key")
cp "$tmp/x.key" "$tmp/open.key"; chmod 644 "$tmp/open.key"
tap_ok "group/world-readable key file refused" failure key set --epoch 1 --key-file "$tmp/open.key"
tap_ok "key set epoch 1 (raw)" ctl key set --epoch 1 --key-file "$tmp/x.key"
tap_ok "key set epoch 6 (hex)" ctl key set --epoch 6 --key-file "$tmp/hex.key"
epochs() { [ "$(ctl key show | awk 'NR > 1 { print $2 }' | tr '\n' ' ')" = "$1" ]; }
tap_ok "key show lists epochs 1 and 6" epochs "1 6 "
no_material() { ! ctl -j key show | grep -qi 00112233; }
tap_ok "key show -j never prints key material" no_material
json_ok() { python3 -c "import json,sys; d=json.load(sys.stdin); assert $1, d"; }
epochs_json() { ctl -j key show | json_ok '[k["epoch"] for k in d] == [1, 6]'; }
tap_ok "key show -j is JSON" epochs_json
tap_ok "key del epoch 6" ctl key del --epoch 6
tap_ok "key del of an absent epoch fails" failure key del --epoch 6

# ---- neighbours ----
ymac=$(netns_mac y x)
tap_ok "nbr set 1" ctl nbr set 1 --dev to-y --mac "$ymac"
tap_ok "nbr set 7 (vlan, down)" ctl nbr set 7 --dev to-y --mac 02:00:00:00:00:07 --vlan 42 --down
ctl nbr show >"$tmp/nbrs"
tap_ok "nbr show: port 1 up towards y with x's own MAC" \
	grep -Eq "^1 +to-y +0 +$ymac +$(netns_mac x y) +up" "$tmp/nbrs"
tap_ok "nbr show: port 7 down on VLAN 42" grep -Eq '^7 +to-y +42 +02:00:00:00:00:07 .* down' "$tmp/nbrs"
tap_ok "nbr set on a missing device fails" failure nbr set 2 --dev nosuchdev0 --mac "$ymac"
tap_ok "nbr del 7" ctl nbr del 7
tap_ok "nbr del of an empty slot fails" failure nbr del 7
nbrs_json() { ctl -j nbr show | json_ok '[n["port"] for n in d] == [1] and d[0]["up"]'; }
tap_ok "nbr show -j is JSON" nbrs_json

# ---- routes ----
radd() { ctl route add "$@" --port 1 --epoch 1 --expiry 600 --hop "$tmp/y.key,1"; }
tap_ok "route add 10.77.0.2" radd 10.77.0.2
tap_ok "route add 10.77.0.2 (alternate 1)" radd 10.77.0.2
tap_ok "route add fd77::2" radd fd77::2
tap_ok "route add default" radd default
ctl route show >"$tmp/routes"
tap_cmp "route show: 4 routes" "$(awk 'NR > 1' "$tmp/routes" | wc -l)" -eq 4
two_alts() {
	grep -Eq '^10\.77\.0\.2 +0 +1 +1 +1 ' "$tmp/routes" &&
	grep -Eq '^10\.77\.0\.2 +1 +1 +1 +1 ' "$tmp/routes"
}
tap_ok "route show: 10.77.0.2 has alternates 0 and 1 of 1 hop, epoch 1" two_alts
tap_ok "route show hides hop bytes" eval '! grep -q "hop 0" "$tmp/routes"'
hop_bytes() { ctl route show -v | grep -Eq '^ +hop 0 +[0-9a-f]{32}$'; }
tap_ok "route show -v shows them" hop_bytes
routes_json() { ctl -j route show | json_ok 'sorted(r["dst"] for r in d) == ["10.77.0.2", "10.77.0.2", "default", "fd77::2"]'; }
tap_ok "route show -j is JSON" routes_json
radd 10.77.0.2 && radd 10.77.0.2
tap_ok "a fifth alternate is refused" failure route add 10.77.0.2 --port 1 --epoch 1 --expiry 600 --hop "$tmp/y.key,1"
tap_ok "--replace starts the set over" ctl route add 10.77.0.2 --replace --port 1 --epoch 1 --expiry 600 --hop "$tmp/y.key,1"
tap_cmp "one route to 10.77.0.2 after --replace" "$(ctl route show | grep -c '^10\.77\.0\.2 ')" -eq 1
tap_ok "route with an unreadable hop key fails" failure route add 10.77.0.3 --port 1 --epoch 1 --expiry 60 --hop "$tmp/open.key,1"
tap_ok "route del fd77::2" ctl route del fd77::2
tap_ok "route del of an absent destination fails" failure route del fd77::2
tap_ok "route del --alt of a missing alternate fails" failure route del 10.77.0.2 --alt 3
tap_ok "route del default" ctl route del default

# ---- counters ----
tap_cmp "stats lists every counter" "$(ctl stats | awk 'NR > 1' | wc -l)" -ge 20
ctl stats --prom >"$tmp/prom"
tap_ok "stats --prom passes promtool check metrics" eval 'promtool check metrics <"$tmp/prom"'
tap_ok "stats --prom has the forward and drop_hop samples" \
	eval 'grep -q "^mms_frames_total{reason=\"forward\"} [0-9]" "$tmp/prom" &&
	      grep -q "^mms_bytes_total{reason=\"drop_hop\"} [0-9]" "$tmp/prom"'
stats_json() { ctl stats -j | json_ok '"packets" in d["pass"] and "bytes" in d["drop_hop"]'; }
tap_ok "stats -j is JSON with packets and bytes" stats_json

# ---- control-frame budgets ----
limits_are() {	# CLASS NBR LINK NODE, each RATE/BURST or off
	local cls=$1; shift
	[ "$(ctl ratelimit show | awk -v c="$cls" 'NF == 4 && $1 == c {
		printf "%s%s", (n++ ? " " : ""), ($3 == "off" ? "off" : $3 "/" $4) }')" = "$*" ]
}
tap_ok "ratelimit show: link-scope defaults" limits_are link-scope 1000/200 2000/400 10000/2000
tap_ok "ratelimit show: routed defaults" limits_are routed 5000/1000 5000/1000 20000/4000
tap_ok "ratelimit show: transit defaults" limits_are transit 2500/500 5000/1000 off
tap_ok "ratelimit set link-scope --nbr 5/3 --node off" ctl ratelimit set link-scope --nbr 5/3 --node off
tap_ok "ratelimit show: changed levels only" limits_are link-scope 5/3 2000/400 off
tap_ok "ratelimit show: the other class untouched" limits_are routed 5000/1000 5000/1000 20000/4000
rl_json() { ctl -j ratelimit show | json_ok 'd["limits"]["link-scope"]["nbr"] == {"rate": 5, "burst": 3} and d["limits"]["link-scope"]["node"]["rate"] == 0 and d["limits"]["routed"]["node"]["rate"] == 20000 and [(b["class"], b["level"], b["passed"], b["tokens"]) for b in d["buckets"]] == [("link-scope", "node", 0, None), ("routed", "node", 0, 4000), ("transit", "node", 0, None)]'; }
tap_ok "ratelimit show -j is JSON: only the node buckets yet, tokens of a level off null" rl_json
tap_ok "ratelimit set back to the defaults" ctl ratelimit set link-scope --nbr default --node default
tap_ok "ratelimit show: the defaults again" limits_are link-scope 1000/200 2000/400 10000/2000
tap_ok "mm0 settings left the budgets alone" eval 'ctl mm0 10.77.0.1/16 && limits_are link-scope 1000/200 2000/400 10000/2000'

# ---- events: a packet to a management address without a route (and no
# default route, deleted above) ----
ctl events --count 1 --timeout 10 >"$tmp/events" 2>&1 &
evpid=$!
echo "$evpid" >>"$NETNS_STATE/pids"
# Keep sending until the reader has its event (it may start after the first).
for i in $(seq 20); do
	in_ns x ping -c 1 -W 1 10.77.9.9 >/dev/null 2>&1
	kill -0 "$evpid" 2>/dev/null || break
done
wait "$evpid"
evrc=$?
tap_ok "events: a no-route event for 10.77.9.9 (rc $evrc)" grep -q "no-route .*10.77.9.9" "$tmp/events"
tap_cmp "drop_no_route counted it" "$(mms_stat x drop_no_route)" -ge 1

# ---- teardown ----
tap_ok "teardown" ctl teardown
tap_ok "teardown removed the pins" test ! -e "$PIN/mms_routes"
tap_ok "teardown removed mm0" eval '! ip -n "$(netns_ns x)" link show mm0 2>/dev/null'
tap_ok "teardown removed XDP from to-y" eval '! ip -n "$(netns_ns x)" link show to-y | grep -q xdp' 
tap_done
