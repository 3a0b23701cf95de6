#!/usr/bin/env bash
# Management ping through a node whose links are saturated with data.
#
#   A ---- B ---- C        links shaped to 100 Mbit/s (htb) with a priority
#   iperf3 UDP 300 Mbit/s  A -> C over the data addresses (kernel forwarding)
#   ping over mm0          A -> C over an MMS route through B, during the flood
#
# Management frames are classified by their EtherType into the htb class
# with priority (what an operator configures on a shaped uplink); they cross
# B in XDP. For contrast the same ping is run over the data addresses.
# Prints flood_* figures.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${B:-build}
MMSCTL=$B/mmsctl
P="mbf$$"
PIN=/sys/fs/bpf/$P
RATE=${FLOOD_RATE:-100mbit}
MGMT_RATE=10mbit
DATA_RATE=90mbit
PINGS=${FLOOD_PINGS:-1000}
TMP=$(mktemp -d)
PIDS=()

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	for n in A B C; do ip netns del "$P$n" 2>/dev/null || true; done
	rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT

ns() { local n=$1; shift; ip netns exec "$P$n" "$@"; }
nsx() { local n=$1; shift; nsenter --net="/run/netns/$P$n" "$@"; }
ctl() { local n=$1; shift; nsx "$n" "$MMSCTL" --pin "$PIN/$n" "$@"; }
mac() { ns "$1" cat "/sys/class/net/$2/address"; }

for n in A B C; do ip netns add "$P$n"; ns "$n" ip link set lo up; mkdir -p "$PIN/$n"; done
ip link add e1 netns "${P}A" type veth peer name e0 netns "${P}B"
ip link add e1 netns "${P}B" type veth peer name e0 netns "${P}C"
ns A ip addr add 10.98.1.1/24 dev e1; ns B ip addr add 10.98.1.2/24 dev e0
ns B ip addr add 10.98.2.1/24 dev e1; ns C ip addr add 10.98.2.2/24 dev e0
for d in "A e1" "B e0" "B e1" "C e0"; do set -- $d; ns "$1" ip link set "$2" up; done
ns A ip route add 10.98.2.0/24 via 10.98.1.2
ns C ip route add 10.98.1.0/24 via 10.98.2.1
ns B sysctl -qw net.ipv4.ip_forward=1

# Shaped links: an htb bottleneck; management (EtherType 0x88b5) gets the
# class with priority 0 (a classic-mode cls_bpf classifier in
# bpf/mms_bench.bpf.c; EtherType, since skb->protocol names the inner packet),
# everything else the data class.
for d in "A e1" "B e0" "B e1" "C e0"; do
	set -- $d
	ns "$1" tc qdisc add dev "$2" root handle 1: htb default 20 r2q 100
	ns "$1" tc class add dev "$2" parent 1: classid 1:1 htb rate "$RATE"
	ns "$1" tc class add dev "$2" parent 1:1 classid 1:10 htb rate "$MGMT_RATE" ceil "$RATE" prio 0
	ns "$1" tc class add dev "$2" parent 1:1 classid 1:20 htb rate "$DATA_RATE" ceil "$RATE" prio 1
	ns "$1" tc filter add dev "$2" parent 1: protocol all prio 1 bpf obj "$B/bpf/mms_bench.bpf.o" sec tc
done

# MMS datapath, keys, neighbours, routes A <-> C through B.
for n in A B C; do
	head -c 16 /dev/urandom > "$TMP/$n.key"; chmod 600 "$TMP/$n.key"
done
ctl A attach e1 >/dev/null; ctl B attach e0 e1 >/dev/null; ctl C attach e0 >/dev/null
ctl A mm0 10.77.0.1/24 >/dev/null; ctl B mm0 10.77.0.2/24 >/dev/null; ctl C mm0 10.77.0.3/24 >/dev/null
for n in A B C; do ctl "$n" key set --epoch 1 --key-file "$TMP/$n.key"; done
ctl A nbr set 1 --dev e1 --mac "$(mac B e0)"
ctl B nbr set 1 --dev e0 --mac "$(mac A e1)"
ctl B nbr set 2 --dev e1 --mac "$(mac C e0)"
ctl C nbr set 1 --dev e0 --mac "$(mac B e1)"
ctl A route add 10.77.0.3 --port 1 --epoch 1 --expiry 3600 --hop "$TMP/B.key,1,2" --hop "$TMP/C.key,1,0"
ctl C route add 10.77.0.1 --port 1 --epoch 1 --expiry 3600 --hop "$TMP/B.key,2,1" --hop "$TMP/A.key,1,0"
ns A ping -c 3 -W 1 10.77.0.3 >/dev/null || { echo "bench-flood: no management path" >&2; exit 1; }

ns C iperf3 -s -B 10.98.2.2 -1 >/dev/null 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do ns C ss -ltn | grep -q ':5201' && break; sleep 0.1; done
ns A iperf3 -c 10.98.2.2 -u -b 300M -l 1200 -t $((PINGS / 100 + 4)) > "$TMP/iperf.out" 2>&1 &
PIDS+=($!)
sleep 2	# let the queue fill before measuring

# Both pings run at once, inside the flood, so they see the same queues.
ns A ping -i 0.01 -W 1 -c "$PINGS" 10.77.0.3 > "$TMP/flood_mgmt.ping" 2>&1 &
mp=$!
ns A ping -i 0.01 -W 1 -c "$PINGS" 10.98.2.2 > "$TMP/flood_data.ping" 2>&1 &
dp=$!
wait "$mp" "$dp" 2>/dev/null || true
wait "${PIDS[1]}" 2>/dev/null || true

pingstat() {	# name: loss % and p99 RTT of $PINGS pings
	local recv
	recv=$(grep -c 'time=' "$TMP/$1.ping" || true)
	awk -v s="$PINGS" -v r="$recv" -v n="$1" 'BEGIN { printf "%s_loss_pct %.2f %%\n", n, 100 * (s - r) / s }'
	grep -o 'time=[0-9.]*' "$TMP/$1.ping" | cut -d= -f2 | sort -n |
		awk -v n="$1" '{ v[NR] = $1 } END { if (NR) { i = int(NR * 0.99); if (i < 1) i = 1; printf "%s_rtt_p99_ms %.3f ms\n", n, v[i] } }'
}
pingstat flood_mgmt
pingstat flood_data
# the data rate that crossed the bottleneck: proof the links were saturated
awk '/receiver/ { for (i = 1; i < NF; i++) if ($(i+1) ~ /bits\/sec/) { v = $i; u = $(i+1) } }
     END { if (u ~ /^K/) v /= 1000; if (u ~ /^G/) v *= 1000; if (v) printf "flood_data_mbps %.1f Mbit/s\n", v }' "$TMP/iperf.out"
