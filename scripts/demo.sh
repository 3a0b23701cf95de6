#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The MMS demo (`make demo`): a network of namespaces, the datapath on every
# node, management traffic (ping, ssh) over mm0 along onion routes, a
# failure told to a management application, management going on while the
# data plane of a transit node and of the destination is broken, the
# counters, and everything torn down again.
#
#   scripts/demo.sh [TOPOLOGY [SRC DST]]      default: line5 a e
#   scripts/demo.sh abilene SNVA NYCM
#
# Steps are functions; the management plane is chosen by MMS_DEMO_CP:
#   agents  (default) mms-agent on every node after a one-time enrollment
#           (mms-enroll); SRC is the MA; the agents build the datapath
#   static  keys, neighbours and routes installed by hand with mmsctl
#           (scripts/mms-static.sh), no control plane
# A control plane replaces only mgmt_plane_up: add mgmt_plane_up_<name> that
# starts it and returns when SRC can reach DST, then MMS_DEMO_CP=<name>.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/netns.sh
. "$here/netns.sh"
# shellcheck source=scripts/mms-static.sh
. "$here/mms-static.sh"
# shellcheck source=scripts/agents.sh
. "$here/agents.sh"

TOPO=${1:-line5}
SRC=${2:-}
DST=${3:-}
CP=${MMS_DEMO_CP:-agents}

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
show() { printf '$ %s\n' "$*"; "$@"; }
die() { echo "demo: $*" >&2; exit 1; }

build_network() {
	local topo
	topo=$(netns_topo "$TOPO") || exit 1
	step "Topology $(basename "$topo"): one network namespace per node, one veth pair per link"
	netns_build "$topo" || die "building the namespaces"
	[ -n "$SRC" ] || SRC=$(netns_nodes | head -n1)
	[ -n "$DST" ] || DST=$(netns_nodes | tail -n1)
	{ netns_index "$SRC" >/dev/null && netns_index "$DST" >/dev/null; } ||
		die "$SRC or $DST is not a node of $TOPO"
	grep -v '^ *#' "$topo" | sed 's/^/   /'
}

datapath_up() {
	local n
	step "Datapath: XDP on every link, mm0 with a management address in 10.77.0.0/16"
	for n in $(netns_nodes); do
		netns_dp_up "$n" || die "datapath on $n"
		printf '   %-8s mm0 %-12s links: %s\n' "$n" "$(netns_mgmt "$n")" "$(netns_ifs "$n" | tr '\n' ' ')"
	done
}

mgmt_plane_up_static() {
	step "Management plane (static): random hop keys, neighbours and onion routes by hand"
	static_setup || die "keys and neighbours"
	static_all || die "routes"
	echo "   $(find "$NETNS_STATE/keys" -name '*.key' | wc -l) hop keys (0600) in $NETNS_STATE/keys"
	show mmsctl_at "$SRC" route show
}

mgmt_plane_up_agents() {
	local t0
	step "Management plane (mms-agent): enrollment once per node, then one agent per node; MA $SRC"
	agents_enroll "$SRC" || die "enrollment"
	t0=$(date +%s%N)
	agents_start || die "agents"
	wait_until 60 agents_reach_all "$SRC" || die "the agents did not converge"
	echo "   every node answers $SRC over mm0 $(( ($(date +%s%N) - t0) / 1000000 )) ms after the agents started"
	step "The MA answers DNS for management names learnt from LSAs"
	show in_ns "$SRC" dig +short @"$(netns_mgmt "$SRC")" "$DST.mms" A
}

mgmt_plane_up() {
	declare -F "mgmt_plane_up_$CP" >/dev/null || die "no management plane '$CP'"
	"mgmt_plane_up_$CP"
}

traffic() {
	local s d n tmp
	s=$(netns_mgmt "$SRC"); d=$(netns_mgmt "$DST")
	step "ping over mm0: $SRC ($s) -> $DST ($d), path $(netns_path "$SRC" "$DST")"
	show in_ns "$SRC" ping -c 3 -i 0.3 -W 3 "$d" || die "ping over mm0 failed"
	step "ssh over mm0: sshd listens on $DST's management address only"
	tmp=$NETNS_STATE/ssh; mkdir -m 700 "$tmp"
	netns_sshd "$DST" "$d" "$tmp" || die "sshd"
	# shellcheck disable=SC2016 # expanded on the far side
	show netns_ssh "$SRC" "$d" "$tmp" 'echo "hello from $(ip -4 -br addr show dev mm0)"' ||
		die "ssh over mm0 failed"
	step "Every node reaches every other over mm0"
	for n in $(netns_nodes); do
		[ "$n" = "$SRC" ] && continue
		if in_ns "$SRC" ping -c 1 -W 3 -q "$(netns_mgmt "$n")" >/dev/null; then
			printf '   %s -> %-8s ok\n' "$SRC" "$n"
		else
			printf '   %s -> %-8s FAILED\n' "$SRC" "$n"
		fi
	done
}

# Agents only: CM-to-CM through the MA, and a failure told to a management
# application (the MA's up-calls) while the MA routes around it.
agents_extras() {
	local path a b out cms x y n
	cms=$(agents_cms)
	x=$(echo "$cms" | head -n1); y=$(echo "$cms" | tail -n1)
	if [ "$x" != "$y" ]; then
		step "CM to CM over mm0: $x -> $y, relayed by the MA"
		show in_ns "$x" ping -c 2 -i 0.3 -W 3 "$(netns_mgmt "$y")" || echo "   (relay failed)"
	fi
	path=($(netns_path "$SRC" "$DST"))
	[ ${#path[@]} -ge 2 ] || return 0
	a=${path[${#path[@]} - 2]}; b=${path[${#path[@]} - 1]}
	step "Up-calls: a management application on the MA ($SRC) is told of failures"
	out=$NETNS_STATE/watch.out
	"$MMSCTL" watch "$(agent_state "$SRC")/notify.sock" >"$out" 2>/dev/null &
	echo "$!" >>"$NETNS_STATE/pids"
	echo "$ mmsctl watch $(agent_state "$SRC")/notify.sock &"
	echo "$ ip link set $(netns_if "$a" "$b") down    # on $a: the link $a-$b is cut"
	wait_until 5 test -e "$(agent_state "$SRC")/notify.sock"
	sleep 0.2	# the watcher connects (a demo: a pause is fine here)
	ip -n "$(netns_ns "$a")" link set "$(netns_if "$a" "$b")" down
	# a report comes in any case; node_down only if the cut leaves no path
	wait_until 5 grep -q '"event":"report"' "$out"
	sleep 0.3
	ip -n "$(netns_ns "$a")" link set "$(netns_if "$a" "$b")" up
	if grep -q '"event":"node_down"' "$out"; then
		wait_until 5 grep -q '"event":"node_up"' "$out"
	else
		echo "   (the MA routes around the cut: no node became unreachable)"
	fi
	sed 's/^/   /' "$out"
	for n in $(seq 50); do agents_reach "$SRC" "$DST" && break; done
}

# Agents only: what MMS is for. The data plane broken on a transit node and
# on the destination itself; management goes on (docs/control-plane.md,
# "mm0 against a broken host").
broken_data_plane() {
	local path mid d e_data n
	path=($(netns_path "$SRC" "$DST"))
	[ ${#path[@]} -ge 3 ] || return 0
	mid=${path[$(( ${#path[@]} / 2 ))]}
	d=$(netns_mgmt "$DST")
	netns_data_route "$SRC" "$DST" && netns_data_route "$DST" "$SRC" || return 0
	for n in "${path[@]:1:${#path[@]}-2}"; do in_ns "$n" sysctl -qw net.ipv4.ip_forward=1; done
	e_data=$(netns_ip "$DST" "${path[${#path[@]} - 2]}")
	step "The data plane broken on $mid: its routes flushed, forwarding off, a filter dropping everything"
	show in_ns "$SRC" ping -c 2 -i 0.3 -W 2 -q "$e_data" | grep -E '^\$|transmitted'
	echo "   (data traffic $SRC -> $DST's data address works; now break $mid:)"
	echo "$ ip route flush table main; sysctl net.ipv4.ip_forward=0; nft 'policy drop' on input, forward, output   # on $mid"
	in_ns "$mid" ip route flush table main
	in_ns "$mid" sysctl -qw net.ipv4.ip_forward=0
	in_ns "$mid" nft -f - <<-EOF
		table inet mistyped {
			chain i { type filter hook input priority 0; policy drop; }
			chain f { type filter hook forward priority 0; policy drop; }
			chain o { type filter hook output priority 0; policy drop; }
		}
	EOF
	show in_ns "$SRC" ping -c 2 -i 0.3 -W 1 -q "$e_data" | grep -E '^\$|transmitted'
	echo "   (data: lost; management over mm0, through $mid all the same:)"
	show in_ns "$SRC" ping -c 2 -i 0.3 -W 3 -q "$d" | grep -E '^\$|transmitted'
	step "... and on $DST itself: its main routing table flushed, mm0's address deleted"
	echo "$ ip route flush table main; ip addr flush dev mm0   # on $DST"
	in_ns "$DST" ip route flush table main
	in_ns "$DST" ip addr flush dev mm0
	wait_until 5 agents_reach "$SRC" "$DST"
	grep -h "restored" "$(agent_log "$DST")" | sed 's/^[^ ]* [^ ]* /   /'
	echo "   (the agent routes the management prefix from a table of its own:)"
	show in_ns "$DST" ip rule show | grep -E '^\$|lookup 215'
	show in_ns "$SRC" ping -c 2 -i 0.3 -W 3 -q "$d" | grep -E '^\$|transmitted'
	show netns_ssh "$SRC" "$d" "$NETNS_STATE/ssh" 'echo "still here: $(hostname) $(ip -4 -br addr show dev mm0)"'
}

counters() {
	local n
	step "Counters (mmsctl stats), non-zero ones per node"
	for n in $(netns_nodes); do
		printf '   %-8s %s\n' "$n" "$(mmsctl_at "$n" stats | awk 'NR > 1 && $2 > 0 { printf "%s=%s ", $1, $2 }')"
	done
	step "The same as Prometheus metrics (mmsctl stats --prom), on $DST"
	mmsctl_at "$DST" stats --prom | grep -E '^# (HELP|TYPE) mms_frames|^mms_frames_total.* [1-9]'
}

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, BPF)"
[ -x "$MMSCTL" ] || die "$MMSCTL not built (make all)"
netns_init "mms-demo-$$-"
trap 'step "Teardown"; netns_cleanup; echo "   namespaces, pins, keys and processes removed"' EXIT
trap 'exit 1' INT TERM HUP
build_network
[ "$CP" = agents ] || datapath_up	# agents load and attach it themselves
mgmt_plane_up
traffic
[ "$CP" = agents ] && agents_extras && broken_data_plane
counters
