#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Static MMS forwarding state, installed by hand with mmsctl: the stand-in
# for the control plane in tests and demos. Works on a topology built by
# scripts/netns.sh (its registry in $NETNS_STATE) whose nodes run the
# datapath (netns_dp_up).
#
#   NETNS_STATE=DIR scripts/mms-static.sh [--epoch E] [--expiry SECS] SRC DST
#   NETNS_STATE=DIR scripts/mms-static.sh [--epoch E] [--expiry SECS] --all
#
# or source it after scripts/netns.sh and call static_setup / static_pair /
# static_all. Every node gets a random hop key (a 0600 file in the registry's
# keys/), every link both neighbour slots, and SRC and DST an onion route to
# each other's management address along a shortest path (--all: every
# ordered pair of nodes).

STATIC_EPOCH=${STATIC_EPOCH:-1}
STATIC_EXPIRY=${STATIC_EXPIRY:-3600}

# The key file of a node for the epoch, made on first use.
static_key() {
	local f=$NETNS_STATE/keys/$1.e$STATIC_EPOCH.key
	if [ ! -f "$f" ]; then
		(umask 077 && head -c 16 /dev/urandom >"$f") || return 1
	fi
	echo "$f"
}

# static_setup: keys and neighbour slots on every node.
static_setup() {
	local n p
	for n in $(netns_nodes); do
		mmsctl_at "$n" key set --epoch "$STATIC_EPOCH" --key-file "$(static_key "$n")" ||
			return 1
		for p in $(netns_peers "$n"); do
			mmsctl_at "$n" nbr set "$(netns_port "$n" "$p")" --dev "$(netns_if "$n" "$p")" \
				--mac "$(netns_mac "$p" "$n")" || return 1
		done
	done
}

# static_route SRC DST: SRC's route to DST's management address.
static_route() {
	local src=$1 dst=$2 path hops=() prev="" i n
	read -ra path <<<"$(netns_path "$src" "$dst")" || true
	[ ${#path[@]} -ge 2 ] || { echo "static_route: no path $src -> $dst" >&2; return 1; }
	n=${#path[@]}
	for ((i = 1; i < n; i++)); do
		prev=${path[i - 1]}
		if ((i < n - 1)); then
			hops+=(--hop "$(static_key "${path[i]}"),$(netns_port "${path[i]}" "$prev"),$(netns_port "${path[i]}" "${path[i + 1]}")")
		else
			hops+=(--hop "$(static_key "${path[i]}"),$(netns_port "${path[i]}" "$prev")")
		fi
	done
	mmsctl_at "$src" route add "$(netns_mgmt "$dst")" --replace --port "$(netns_port "$src" "${path[1]}")" \
		--epoch "$STATIC_EPOCH" --expiry "$STATIC_EXPIRY" "${hops[@]}"
}

# static_pair A B: routes both ways.
static_pair() { static_route "$1" "$2" && static_route "$2" "$1"; }

# static_all: a route between every ordered pair of nodes.
static_all() {
	local s d
	for s in $(netns_nodes); do
		for d in $(netns_nodes); do
			[ "$s" = "$d" ] || static_route "$s" "$d" || return 1
		done
	done
}

static_main() {
	local all=0
	while [ $# -gt 0 ]; do
		case $1 in
		--epoch) STATIC_EPOCH=${2:?--epoch needs a value}; shift 2 ;;
		--expiry) STATIC_EXPIRY=${2:?--expiry needs a value}; shift 2 ;;
		--all) all=1; shift ;;
		-h|--help) sed -n '4,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; return 0 ;;
		-*) echo "mms-static: unknown option '$1'" >&2; return 2 ;;
		*) break ;;
		esac
	done
	[ -n "${NETNS_STATE:-}" ] || { echo "mms-static: set NETNS_STATE to a netns.sh registry" >&2; return 2; }
	if { [ $all = 1 ] && [ $# -ne 0 ]; } || { [ $all = 0 ] && [ $# -ne 2 ]; }; then
		echo "mms-static: give SRC DST, or --all" >&2
		return 2
	fi
	# shellcheck source=scripts/netns.sh
	. "$(dirname "${BASH_SOURCE[0]}")/netns.sh"
	netns_load "$NETNS_STATE" || return 1
	static_setup || return 1
	if [ $all = 1 ]; then static_all; else static_pair "$1" "$2"; fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	static_main "$@"
fi
