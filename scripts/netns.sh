# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Network-namespace topologies for MMS tests and demos. Source it:
#
#   . scripts/netns.sh
#   netns_init                       # unique prefix, registry, pin base
#   trap netns_cleanup EXIT
#   netns_build "$(netns_topo line5)"
#   in_ns a ping -c1 "$(netns_ip b a)"
#
# Every node NODE of a topology file (`nodeA nodeB` per line, # comments)
# becomes the namespace ${NETNS_PREFIX}NODE; every link a veth pair named
# after the far end ("to-b" in a, "to-a" in b) with deterministic MACs and a
# /24 of data addresses. Ports, the MMS neighbour slots, are numbered per
# node from 1 in the order the node's links appear in the file.
#
# What is created is written to a registry directory ($NETNS_STATE) as it is
# created, so netns_cleanup removes exactly that, on any exit path, and other
# processes (scripts/mms-static.sh) can look the topology up with
# `netns_load "$NETNS_STATE"`.
#
# Registry files (one record per line, space separated):
#   env         shell assignments: prefix, pin base, topology
#   nodes       NODE INDEX
#   ports       NODE PORT PEER IFNAME MAC PEER_MAC DATA_IP PEER_DATA_IP
#   namespaces  namespace names created
#   pids        processes started through netns_bg
#   keys/       scratch space for hop keys (mode 0700)

NETNS_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Binaries: $MMS_BUILD, else the make build directory $B, else build/.
case ${B:-build} in
/*) MMS_BUILD=${MMS_BUILD:-$B} ;;
*) MMS_BUILD=${MMS_BUILD:-$NETNS_REPO/${B:-build}} ;;
esac
MMSCTL=${MMSCTL:-$MMS_BUILD/mmsctl}
NETNS_PREFIX=""
NETNS_STATE=""
NETNS_PIN_BASE=""
NETNS_LAST_PID=""

# ---- topology files ----

# netns_topo NAME|PATH: the topology file, from ../shared/topologies next to
# the repository (the CI layout), else $MMS_TOPO_DIR, else the fallback copy
# in selftests/topologies.
netns_topo() {
	local t=$1 d
	if [ -f "$t" ]; then echo "$t"; return 0; fi
	for d in "$NETNS_REPO/../shared/topologies" "${MMS_TOPO_DIR:-}" \
		 "$NETNS_REPO/selftests/topologies"; do
		[ -n "$d" ] && [ -f "$d/$t.topo" ] && { echo "$d/$t.topo"; return 0; }
	done
	echo "netns_topo: no topology '$t' in ../shared/topologies, \$MMS_TOPO_DIR or selftests/topologies" >&2
	return 1
}

# Links of a topology file, validated: "A B" per line.
netns_topo_links() {
	awk '
		{ sub(/#.*/, "") }
		NF == 0 { next }
		NF != 2 { printf "%s:%d: want two node names\n", FILENAME, NR > "/dev/stderr"; bad = 1; exit }
		$1 !~ /^[A-Za-z0-9]+$/ || $2 !~ /^[A-Za-z0-9]+$/ || length($1) > 8 || length($2) > 8 {
			printf "%s:%d: node names are 1-8 of [A-Za-z0-9]\n", FILENAME, NR > "/dev/stderr"; bad = 1; exit }
		$1 == $2 { printf "%s:%d: self-loop\n", FILENAME, NR > "/dev/stderr"; bad = 1; exit }
		{ k = $1 < $2 ? $1 " " $2 : $2 " " $1
		  if (k in seen) { printf "%s:%d: duplicate link\n", FILENAME, NR > "/dev/stderr"; bad = 1; exit }
		  seen[k] = 1; print $1, $2 }
		END { exit bad }' "$1"
}

# ---- setup ----

# netns_init [PREFIX]: a fresh registry; the prefix defaults to a unique one.
netns_init() {
	NETNS_PREFIX=${1:-mms$$r$RANDOM-}
	NETNS_STATE=$(mktemp -d "${TMPDIR:-/tmp}/mms-netns.XXXXXX") || return 1
	chmod 700 "$NETNS_STATE"
	mkdir -m 700 "$NETNS_STATE/keys"
	: >"$NETNS_STATE/nodes"; : >"$NETNS_STATE/ports"
	: >"$NETNS_STATE/namespaces"; : >"$NETNS_STATE/pids"
	NETNS_PIN_BASE=/sys/fs/bpf/${NETNS_PREFIX%-}
	netns_save
	export NETNS_STATE
}

netns_save() {
	printf 'NETNS_PREFIX=%q\nNETNS_PIN_BASE=%q\n' "$NETNS_PREFIX" "$NETNS_PIN_BASE" \
		>"$NETNS_STATE/env"
}

# netns_load DIR: adopt a registry made by another process.
netns_load() {
	[ -f "$1/env" ] || { echo "netns_load: $1 is not a registry" >&2; return 1; }
	NETNS_STATE=$1
	# shellcheck disable=SC1091
	. "$NETNS_STATE/env"
}

# netns_build TOPOFILE: namespaces, veth pairs, addresses. Data link L
# (1-based, file order) is 10.(200+L/256).(L%256).0/24, .1 on its first node.
netns_build() {
	local topo=$1 links a b n=0 L=0
	links=$(netns_topo_links "$topo") || return 1
	[ -n "$links" ] || { echo "netns_build: $topo has no links" >&2; return 1; }
	echo "NETNS_TOPO=$(printf %q "$topo")" >>"$NETNS_STATE/env"
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf || return 1
	mkdir -p "$NETNS_PIN_BASE" || return 1
	for a in $(echo "$links" | tr ' ' '\n' | awk '!seen[$0]++'); do
		n=$((n + 1))
		netns_add_node "$a" "$n" || return 1
	done
	while read -r a b; do
		L=$((L + 1))
		netns_add_link "$a" "$b" "$L" || return 1
	done <<<"$links"
}

netns_add_node() {
	local node=$1 idx=$2 ns=${NETNS_PREFIX}$1
	ip netns add "$ns" || return 1
	echo "$ns" >>"$NETNS_STATE/namespaces"
	echo "$node $idx" >>"$NETNS_STATE/nodes"
	ip -n "$ns" link set lo up || return 1
	# No IPv6 unless asked: router solicitations and DAD would add frames
	# that tests counting exact datapath counters do not expect.
	if [ "${NETNS_IPV6:-0}" != 1 ]; then
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 || return 1
	fi
	mkdir -p "$NETNS_PIN_BASE/$node"
}

# Next free port of a node: one more than the ports it has.
netns_next_port() {
	awk -v n="$1" '$1 == n { c++ } END { print c + 1 }' "$NETNS_STATE/ports"
}

netns_mac_of() {	# NODE PORT
	local idx
	idx=$(netns_index "$1")
	printf '02:6d:%02x:%02x:%02x:%02x' $((idx >> 8)) $((idx & 255)) $(($2 >> 8)) $(($2 & 255))
}

netns_add_link() {
	local a=$1 b=$2 L=$3 pa pb ma mb ia ib
	pa=$(netns_next_port "$a"); pb=$(netns_next_port "$b")
	ma=$(netns_mac_of "$a" "$pa"); mb=$(netns_mac_of "$b" "$pb")
	ia=10.$((200 + L / 256)).$((L % 256)).1; ib=10.$((200 + L / 256)).$((L % 256)).2
	ip link add "to-$b" netns "${NETNS_PREFIX}$a" address "$ma" type veth \
		peer name "to-$a" netns "${NETNS_PREFIX}$b" address "$mb" || return 1
	echo "$a $pa $b to-$b $ma $mb $ia $ib" >>"$NETNS_STATE/ports"
	echo "$b $pb $a to-$a $mb $ma $ib $ia" >>"$NETNS_STATE/ports"
	ip -n "${NETNS_PREFIX}$a" addr add "$ia/24" dev "to-$b" &&
	ip -n "${NETNS_PREFIX}$b" addr add "$ib/24" dev "to-$a" &&
	ip -n "${NETNS_PREFIX}$a" link set "to-$b" up &&
	ip -n "${NETNS_PREFIX}$b" link set "to-$a" up
}

# ---- switched links (silent failures) ----

# netns_switch_link A B: put a switch in the middle of link A-B: a Linux
# bridge in the namespace ${NETNS_PREFIX}_sw (made on first use; "_" is never
# in a node name). A and B keep their interface names, MACs and data
# addresses, so call it before starting anything that holds the interfaces.
# netns_switch_block then stops the frames while both ends keep carrier: a
# silent failure, which a veth pair alone cannot give (taking one end down
# drops the other's carrier too).
netns_switch_link() {
	local a=$1 b=$2 sw=${NETNS_PREFIX}_sw n ia ib
	ia=$(netns_ip "$a" "$b") && ib=$(netns_ip "$b" "$a") || return 1
	if ! grep -qx "$sw" "$NETNS_STATE/namespaces"; then
		ip netns add "$sw" || return 1
		echo "$sw" >>"$NETNS_STATE/namespaces"
		: >"$NETNS_STATE/switch"
	fi
	n=$(($(wc -l <"$NETNS_STATE/switch") + 1))
	ip -n "${NETNS_PREFIX}$a" link del "to-$b" || return 1
	ip link add "to-$b" netns "${NETNS_PREFIX}$a" address "$(netns_mac "$a" "$b")" type veth \
		peer name "s$n-a" netns "$sw" &&
	ip link add "to-$a" netns "${NETNS_PREFIX}$b" address "$(netns_mac "$b" "$a")" type veth \
		peer name "s$n-b" netns "$sw" &&
	ip -n "$sw" link add "br$n" type bridge stp_state 0 forward_delay 0 || return 1
	echo "$a $b $n" >>"$NETNS_STATE/switch"
	local p
	for p in "s$n-a" "s$n-b"; do
		# GRO gives the switch side a NAPI context, which a veth needs to
		# take frames that XDP redirects into its peer.
		ip -n "$sw" link set "$p" master "br$n" &&
		ip netns exec "$sw" ethtool -K "$p" gro on >/dev/null &&
		ip -n "$sw" link set "$p" up || return 1
	done
	ip -n "$sw" link set "br$n" up &&
	ip -n "${NETNS_PREFIX}$a" addr add "$ia/24" dev "to-$b" &&
	ip -n "${NETNS_PREFIX}$b" addr add "$ib/24" dev "to-$a" &&
	ip -n "${NETNS_PREFIX}$a" link set "to-$b" up &&
	ip -n "${NETNS_PREFIX}$b" link set "to-$a" up
}

# The switch number of link A-B (either order).
netns_switch_of() {
	[ -f "$NETNS_STATE/switch" ] &&
	awk -v a="$1" -v b="$2" '($1 == a && $2 == b) || ($1 == b && $2 == a) { print $3; f = 1 }
		END { exit !f }' "$NETNS_STATE/switch"
}

# netns_switch_block A B / netns_switch_pass A B: the switch of link A-B
# stops (bridge ports disabled: every frame dropped) or resumes forwarding.
netns_switch_state() {
	local n p
	n=$(netns_switch_of "$1" "$2") || { echo "netns_switch: no switch on $1-$2" >&2; return 1; }
	for p in "s$n-a" "s$n-b"; do
		# `bridge link`: ip-link's bridge_slave state is silently ignored
		ip netns exec "${NETNS_PREFIX}_sw" bridge link set dev "$p" state "$3" || return 1
	done
}
netns_switch_block() { netns_switch_state "$1" "$2" 0; }
netns_switch_pass() { netns_switch_state "$1" "$2" 3; }

# netns_carrier NODE PEER: 1 when NODE's interface to PEER has carrier.
netns_carrier() {
	in_ns "$1" cat "/sys/class/net/$(netns_if "$1" "$2")/carrier" 2>/dev/null || echo 0
}

# ---- lookups ----

netns_nodes() { awk '{ print $1 }' "$NETNS_STATE/nodes"; }
netns_index() { awk -v n="$1" '$1 == n { print $2; f = 1 } END { exit !f }' "$NETNS_STATE/nodes"; }
netns_ns() { echo "${NETNS_PREFIX}$1"; }
netns_pin() { echo "$NETNS_PIN_BASE/$1"; }
# Field F of the port record of NODE towards PEER.
netns_port_field() {
	awk -v n="$1" -v p="$2" -v f="$3" '$1 == n && $3 == p { print $f; ok = 1 } END { exit !ok }' \
		"$NETNS_STATE/ports"
}
netns_port() { netns_port_field "$1" "$2" 2; }		# NODE PEER: port number
netns_if() { netns_port_field "$1" "$2" 4; }		# NODE PEER: interface name
netns_mac() { netns_port_field "$1" "$2" 5; }		# NODE PEER: NODE's MAC there
netns_ip() { netns_port_field "$1" "$2" 7; }		# NODE PEER: NODE's data address
netns_peers() { awk -v n="$1" '$1 == n { print $3 }' "$NETNS_STATE/ports"; }
netns_ifs() { awk -v n="$1" '$1 == n { print $4 }' "$NETNS_STATE/ports"; }
# Management address of a node: 10.77.0.0/16, host part its index.
netns_mgmt() {
	local i
	i=$(netns_index "$1") || return 1
	echo "10.77.$((i / 256)).$((i % 256))"
}

# netns_path SRC DST: a shortest path, SRC first; ties broken by port order.
netns_path() {
	awk -v s="$1" -v d="$2" '
		{ adj[$1] = adj[$1] " " $3 }
		END {
			q[0] = s; seen[s] = 1; h = 0; t = 1
			while (h < t && !(d in seen)) {
				u = q[h++]; n = split(adj[u], v, " ")
				for (i = 1; i <= n; i++)
					if (!(v[i] in seen)) { seen[v[i]] = 1; from[v[i]] = u; q[t++] = v[i] }
			}
			if (!(d in seen)) exit 1
			for (x = d; x != s; x = from[x]) p = x " " p
			print s " " p
		}' "$NETNS_STATE/ports"
}

# netns_data_route SRC DST: static routes along a shortest path for SRC's
# data traffic to DST's address on DST's last link (netns_ip), hop by hop;
# the nodes in between must forward (ip_forward) for it to pass.
netns_data_route() {
	local path dst_ip i
	read -r -a path <<<"$(netns_path "$1" "$2")"
	[ ${#path[@]} -ge 2 ] || return 1
	dst_ip=$(netns_ip "$2" "${path[${#path[@]} - 2]}")
	for ((i = 0; i < ${#path[@]} - 2; i++)); do
		ip -n "$(netns_ns "${path[i]}")" route replace "$dst_ip/32" \
			via "$(netns_ip "${path[i + 1]}" "${path[i]}")" || return 1
	done
}

# netns_farthest NODE: a node farthest from NODE in hops.
netns_farthest() {
	local n best="" bd=-1 d
	for n in $(netns_nodes); do
		d=$(netns_path "$1" "$n" | wc -w)
		[ "$d" -gt "$bd" ] && { bd=$d; best=$n; }
	done
	echo "$best"
}

# ---- running things ----

in_ns() { local n=$1; shift; ip netns exec "${NETNS_PREFIX}$n" "$@"; }
# Like in_ns, but in the host's mount namespace: /sys/fs/bpf pins stay visible
# (ip netns exec remounts /sys).
nsx() { local n=$1; shift; nsenter --net="/run/netns/${NETNS_PREFIX}$n" -- "$@"; }

# netns_bg NODE LOGFILE CMD...: start CMD in NODE in the background; its PID
# goes to the registry (and $NETNS_LAST_PID) so that cleanup stops it.
netns_bg() {
	local n=$1 log=$2; shift 2
	# A simple command, not the nsx function: bash execs it in the forked
	# child and nsenter execs CMD, so $! is CMD's own PID.
	nsenter --net="/run/netns/${NETNS_PREFIX}$n" -- "$@" >"$log" 2>&1 &
	NETNS_LAST_PID=$!
	echo "$NETNS_LAST_PID" >>"$NETNS_STATE/pids"
}

# loss_rise BASE_LOST BASE_SENT LOST SENT: how much the second loss rate
# exceeds the baseline, in percent to a hundredth (100 when a count is 0).
# Loss checks compare with a baseline taken in the same run, so that what
# is judged is what the tested condition adds, not the machine's load.
loss_rise() {
	awk -v bl="$1" -v bs="$2" -v l="$3" -v s="$4" \
		'BEGIN { if (!s || !bs) { print 100; exit } printf "%.2f\n", 100 * (l / s - bl / bs) }'
}
# pct_le X Y: X <= Y, decimals allowed.
pct_le() { awk -v x="$1" -v y="$2" 'BEGIN { exit !(x <= y) }'; }

# wait_until TIMEOUT_S CMD...: poll CMD every 0.1 s until it succeeds;
# 1 when TIMEOUT_S (whole seconds) passes first, however long CMD takes.
wait_until() {
	local t=$1 i end; shift
	end=$(($(date +%s%N) + t * 1000000000))
	for ((i = 0; i <= t * 10; i++)); do
		"$@" && return 0
		[ "$(date +%s%N)" -lt "$end" ] || return 1
		sleep 0.1
	done
	return 1
}

# ---- MMS datapath helpers ----

mmsctl_at() { local n=$1; shift; nsx "$n" "$MMSCTL" --pin "$(netns_pin "$n")" "$@"; }

# netns_dp_up NODE: XDP on every link of NODE, mm0 with its management address.
netns_dp_up() {
	# shellcheck disable=SC2046
	mmsctl_at "$1" attach $(netns_ifs "$1") &&
	mmsctl_at "$1" mm0 "$(netns_mgmt "$1")/16"
}

# mms_stat NODE COUNTER: packets of one counter (e.g. forward, drop_hop).
mms_stat() {
	mmsctl_at "$1" stats | awk -v c="$2" '$1 == c { print $2; f = 1 } END { exit !f }'
}
# mms_drops NODE: packets of all drop_* counters together.
mms_drops() {
	mmsctl_at "$1" stats | awk '$1 ~ /^drop_/ { s += $2 } END { print s + 0 }'
}

# ---- ssh over the management network ----

# netns_sshd NODE ADDR DIR: sshd in NODE on ADDR:22 only, with a throwaway
# host key and client key made in DIR (DIR/id is the client's), in the
# foreground of no one: started by netns_bg, stopped by netns_cleanup.
netns_sshd() {
	local n=$1 addr=$2 dir=$3 sshd
	sshd=$(command -v sshd || echo /usr/sbin/sshd)
	[ -x "$sshd" ] || { echo "netns_sshd: no sshd (openssh-server)" >&2; return 1; }
	rm -f "$dir/host_key" "$dir/id"
	ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key" &&
	ssh-keygen -q -t ed25519 -N '' -f "$dir/id" || return 1
	(umask 077 && cp "$dir/id.pub" "$dir/authorized_keys") || return 1
	mkdir -p /run/sshd	# privilege separation directory sshd insists on
	cat >"$dir/sshd_config" <<-EOF
		ListenAddress $addr
		Port 22
		HostKey $dir/host_key
		AuthorizedKeysFile $dir/authorized_keys
		PermitRootLogin prohibit-password
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		UsePAM no
		StrictModes no
		PidFile none
		LogLevel ERROR
	EOF
	netns_bg "$n" "$dir/sshd.log" "$sshd" -D -e -f "$dir/sshd_config"
	if ! wait_until 10 netns_listening "$n" "$addr" 22; then
		cat "$dir/sshd.log" >&2
		return 1
	fi
}

netns_listening() { in_ns "$1" ss -Hltn "src $2 and sport = :$3" | grep -q .; }

# netns_ssh NODE ADDR DIR CMD...: run CMD as root@ADDR from NODE with DIR/id.
netns_ssh() {
	local n=$1 addr=$2 dir=$3; shift 3
	in_ns "$n" ssh -F none -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o BatchMode=yes -o ConnectTimeout=10 -o LogLevel=ERROR -i "$dir/id" \
		"root@$addr" "$@"
}

# ---- cleanup ----

# netns_cleanup: stop our processes, delete our namespaces and pins, remove
# the registry. Idempotent; safe from an EXIT trap at any point of setup.
netns_cleanup() {
	local pid ns i alive
	[ -n "$NETNS_STATE" ] && [ -d "$NETNS_STATE" ] || return 0
	while read -r pid; do
		kill "$pid" 2>/dev/null
	done <"$NETNS_STATE/pids"
	for ((i = 0; i < 30; i++)); do
		alive=0
		while read -r pid; do kill -0 "$pid" 2>/dev/null && alive=1; done <"$NETNS_STATE/pids"
		[ $alive = 0 ] && break
		sleep 0.1
	done
	while read -r pid; do kill -KILL "$pid" 2>/dev/null; done <"$NETNS_STATE/pids"
	while read -r ns; do
		ip netns del "$ns" 2>/dev/null
	done <"$NETNS_STATE/namespaces"
	case $NETNS_PIN_BASE in
	/sys/fs/bpf/?*) rm -rf "$NETNS_PIN_BASE" ;;
	esac
	rm -rf "$NETNS_STATE"
	NETNS_STATE=""
}

# ---- test scaffolding ----

# netns_test_begin PREFIX TOOL...: the start of every namespace test: skip
# without root, bail out without the built tools, a fresh registry with
# cleanup on every exit path, and a private scratch directory $NETNS_TMP
# (inside the registry, so cleanup removes it too).
netns_test_begin() {
	local p=$1 t; shift
	[ "$(id -u)" = 0 ] || tap_skip_all "needs root (network namespaces, BPF)"
	for t in "$MMSCTL" "$@"; do
		[ -x "$t" ] || tap_bail "$t not built (make all)"
	done
	netns_init "$p" || tap_bail "no registry"
	trap netns_cleanup EXIT
	trap 'exit 1' INT TERM HUP
	NETNS_TMP=$NETNS_STATE/tmp
	mkdir -m 700 "$NETNS_TMP"
}

# ---- TAP ----

TAP_N=0
TAP_FAILED=0

tap_diag() { printf '# %s\n' "$@"; }
tap_result() {	# OK(0|1) DESCRIPTION
	TAP_N=$((TAP_N + 1))
	if [ "$1" = 0 ]; then
		echo "ok $TAP_N - $2"
	else
		echo "not ok $TAP_N - $2"
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
	return "$(($1 != 0))"	# so that "tap_result ... || tap_bail" bails
}
# tap_ok DESCRIPTION CMD...: one test point, passing when CMD succeeds;
# CMD's output is shown as diagnostics when it fails.
tap_ok() {
	local d=$1 out rc; shift
	out=$("$@" 2>&1); rc=$?
	tap_result $((rc != 0)) "$d"
	[ $rc = 0 ] || { [ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/#   /'; }
	return $rc
}
# tap_cmp DESCRIPTION GOT OP WANT: numeric comparison (OP: -eq -ge -gt ...).
tap_cmp() {
	local d=$1 got=$2 op=$3 want=$4
	if [[ $got =~ ^-?[0-9]+$ ]] && test "$got" "$op" "$want"; then
		tap_result 0 "$d"
	else
		tap_result 1 "$d"
		tap_diag "  got '$got', want $op $want"
		return 1
	fi
}
# tap_todo DESCRIPTION REASON CMD...: a test point for a known problem
# (TAP TODO): shown as passing or failing, never failing the run.
tap_todo() {
	local d=$1 why=$2 out rc; shift 2
	out=$("$@" 2>&1); rc=$?
	TAP_N=$((TAP_N + 1))
	if [ $rc = 0 ]; then
		echo "ok $TAP_N - $d # TODO $why"
	else
		echo "not ok $TAP_N - $d # TODO $why"
		[ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/#   /'
	fi
	return $rc
}
tap_skip_all() { echo "1..0 # SKIP $*"; exit 0; }
tap_bail() { echo "Bail out! $*"; exit 1; }
# tap_done: the plan; the exit status says whether every point passed.
tap_done() {
	echo "1..$TAP_N"
	[ $TAP_FAILED = 0 ]
}
