#!/usr/bin/env bash
# Forwarding throughput of a 4-hop veth chain, three ways, in one run:
#
#   S --- F1 --- F2 --- F3 --- D
#   gen   fwd    fwd    fwd    sink
#
# S offers frames with BPF_PROG_TEST_RUN live frames (mms-bench gen); D counts
# what arrives with an XDP sink. The forwarders run
#   mms:      the MMS XDP program (onion hop verify + pop + redirect)
#   redirect: a plain XDP redirect forwarder (MAC rewrite + devmap redirect)
#   kernel:   kernel IPv4 forwarding (XDP_PASS on ingress, static neighbours)
# Prints `chain_<mode>_pps N pps` lines.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${B:-build}
BENCH=$B/mms-bench
MMSCTL=$B/mmsctl
COUNT=${CHAIN_FRAMES:-2000000}
P="mbc$$"
PIN=/sys/fs/bpf/$P
NODES=(S F1 F2 F3 D)
TMP=$(mktemp -d)

cleanup() {
	for n in "${NODES[@]}"; do ip netns del "$P$n" 2>/dev/null || true; done
	rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT

ns() { local n=$1; shift; ip netns exec "$P$n" "$@"; }
nsx() { local n=$1; shift; nsenter --net="/run/netns/$P$n" "$@"; }
mac() { ns "$1" cat "/sys/class/net/$2/address"; }

build_chain() {
	for n in "${NODES[@]}"; do ip netns add "$P$n"; ns "$n" ip link set lo up; done
	# link i: left node's e1 <-> right node's e0
	local i=1 prev=S
	for n in F1 F2 F3 D; do
		ip link add e1 netns "$P$prev" type veth peer name e0 netns "$P$n"
		ns "$prev" ip link set e1 up
		ns "$n" ip link set e0 up
		ns "$prev" ip addr add "10.99.$i.1/24" dev e1
		ns "$n" ip addr add "10.99.$i.2/24" dev e0
		prev=$n
		i=$((i + 1))
	done
	mkdir -p "$PIN"
	for n in "${NODES[@]}"; do mkdir -p "$PIN/$n"; done
}

# Attach XDP on every receiving side so veth accepts redirected frames.
sink_on() { nsx D "$BENCH" sink "$PIN/D" e0; }
count() { nsx D "$BENCH" count "$PIN/D"; }

run_gen() {	# $1 = frame hex file [$2 = gen|pgen]; prints delivered pps
	local before after out secs
	before=$(count)
	out=$(nsx S "$BENCH" "${2:-gen}" e1 "$1" "$COUNT")
	after=$(count)
	secs=$(echo "$out" | sed -n 's/.* in \([0-9.]*\) s.*/\1/p')
	awk -v d=$((after - before)) -v s="$secs" 'BEGIN { printf "%.0f\n", d / s }'
}

ipv4_frame() {	# dst mac, src mac -> hex of an Ethernet/IPv4/UDP frame S -> D
	python3 - "$1" "$2" <<'EOF'
import struct, sys
dst = bytes.fromhex(sys.argv[1].replace(':', ''))
src = bytes.fromhex(sys.argv[2].replace(':', ''))
payload = bytes(18)
udp = struct.pack('!HHHH', 9, 9, 8 + len(payload), 0) + payload
hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                  bytes([10, 99, 1, 1]), bytes([10, 99, 4, 2]))
s = sum(struct.unpack('!10H', hdr))
s = (s & 0xffff) + (s >> 16); s = (s & 0xffff) + (s >> 16)
hdr = hdr[:10] + struct.pack('!H', ~s & 0xffff) + hdr[12:]
print((dst + src + b'\x08\x00' + hdr + udp).hex())
EOF
}

detach_all() {
	for n in F1 F2 F3; do
		for d in e0 e1; do ns "$n" ip link set "$d" xdp off 2>/dev/null || true; done
	done
}

mode_redirect() {
	local prev=S n next
	for n in F1 F2 F3; do
		case $n in F1) next=F2 ;; F2) next=F3 ;; F3) next=D ;; esac
		nsx "$n" "$BENCH" plain "$PIN/$n" e0 e1 "$(mac "$next" e0)"
		nsx "$n" "$BENCH" pass "$PIN/$n" e1
	done
	ipv4_frame "$(mac F1 e0)" "$(mac S e1)" > "$TMP/ip.hex"
	echo "chain_redirect_pps $(run_gen "$TMP/ip.hex") pps"
	detach_all
}

mode_kernel() {
	local i=1 n next
	for n in F1 F2 F3; do
		ns "$n" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.e0.rp_filter=0 net.ipv4.conf.e1.rp_filter=0
		ns "$n" ip route add 10.99.4.0/24 via "10.99.$((i + 1)).2" 2>/dev/null || true
		case $n in F1) next=F2 ;; F2) next=F3 ;; F3) next=D ;; esac
		ns "$n" ip neigh replace "10.99.$((i + 1)).2" lladdr "$(mac "$next" e0)" dev e1 nud permanent
		# veth accepts redirected frames when its NAPI is on (GRO), no XDP needed
		ns "$n" ethtool -K e0 gro on >/dev/null
		i=$((i + 1))
	done
	ipv4_frame "$(mac F1 e0)" "$(mac S e1)" > "$TMP/ip.hex"
	echo "chain_kernel_pps $(run_gen "$TMP/ip.hex" pgen) pps"
	detach_all
	for n in F1 F2 F3; do ns "$n" sysctl -qw net.ipv4.ip_forward=0; done
}

# MMS: each forwarder gets the datapath, a hop key and its two ports
# (port 1 = e0 towards S, port 2 = e1 towards D); D's hop ends the route.
mode_mms() {
	local n next keys=() hops=() expiry
	expiry=$(($(date +%s) + 3600))
	for n in F1 F2 F3 D; do
		head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$TMP/$n.key"
		chmod 600 "$TMP/$n.key"
	done
	for n in F1 F2 F3; do
		case $n in F1) next=F2 ;; F2) next=F3 ;; F3) next=D ;; esac
		nsx "$n" "$MMSCTL" --pin "$PIN/$n/mms" attach e0 >/dev/null
		nsx "$n" "$MMSCTL" --pin "$PIN/$n/mms" key set --epoch 1 --key-file "$TMP/$n.key"
		nsx "$n" "$MMSCTL" --pin "$PIN/$n/mms" nbr set 1 --dev e0 --mac "$(mac "${prev:-S}" e1)"
		nsx "$n" "$MMSCTL" --pin "$PIN/$n/mms" nbr set 2 --dev e1 --mac "$(mac "$next" e0)"
		nsx "$n" "$BENCH" pass "$PIN/$n" e1
		prev=$n
		hops+=("$(cat "$TMP/$n.key"),1,2")
	done
	hops+=("$(cat "$TMP/D.key"),1,0")
	nsx S "$BENCH" mkframe "$(mac F1 e0)" "$(mac S e1)" 1 "$expiry" "${hops[@]}" > "$TMP/mms.hex"
	echo "chain_mms_pps $(run_gen "$TMP/mms.hex") pps"
	if [ -n "${DEBUG:-}" ]; then
		for n in F1 F2 F3; do echo "== $n"; nsx "$n" "$MMSCTL" --pin "$PIN/$n/mms" stats | grep -v " 0 *0$"; done
	fi
	for n in F1 F2 F3; do nsx "$n" "$MMSCTL" --pin "$PIN/$n/mms" teardown >/dev/null 2>&1 || true; done
	detach_all
}

build_chain
sink_on
modes=${CHAIN_MODES:-mms redirect kernel}
for m in $modes; do "mode_$m"; done
