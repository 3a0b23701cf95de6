#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Unmodified SNMP over the management network: net-snmp's snmpd runs in a
# CM bound to nothing but its management address, and the stock snmpget and
# snmpwalk reach it by the name the MA's DNS learned from its LSA. ring8, MA
# r1, the agent in r4 (shortest path r1 r2 r3 r4, the other way 5 hops):
#
#  1. the MA's DNS names r4; snmpget from the MA returns r4's sysName and
#     sysLocation, snmpwalk returns its whole system group;
#  2. a CM on the other side of the ring (r7) asks too: CM to CM, relayed
#     by the MA;
#  3. the link r2-r3 on the active path is cut: the same snmpget still
#     answers (the MA's routes fail over to the way round);
#  4. the agent answers on the management address only: nothing listens on
#     r4's data addresses.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/netns.sh
. "$here/../scripts/netns.sh"
# shellcheck source=scripts/agents.sh
. "$here/../scripts/agents.sh"

PATH=$PATH:/usr/sbin
for t in snmpd snmpget snmpwalk dig; do
	command -v "$t" >/dev/null || { echo "1..0 # SKIP $t not installed (scripts/install-deps.sh)"; exit 0; }
done
agents_test_begin "mms-snmp$$-" ring8 r1
MA=r1 FAR=r4 OTHER=r7
MA_ADDR=$(netns_mgmt "$MA")
FAR_ADDR=$(netns_mgmt "$FAR")
COMMUNITY="mms$$"
SYSNAME="r4.mms"
SYSLOC="ring8 test $$"

agents_start
# shellcheck disable=SC2046
wait_until 30 agents_reach "$MA" $(agents_cms)
tap_result $? "every CM reachable over mm0 from the MA" || { agents_logs 8; tap_bail "no convergence"; }

# The agent reads only this file (-C), keeps its persistent state here, and
# answers read-only queries from management addresses only.
SNMP_DIR="$NETNS_STATE/snmp"
mkdir -p "$SNMP_DIR"
cat >"$SNMP_DIR/snmpd.conf" <<-EOF
	agentAddress udp:$FAR_ADDR:161
	rocommunity $COMMUNITY 10.77.0.0/16
	sysName $SYSNAME
	sysLocation $SYSLOC
	sysContact operator@example.invalid
	sysServices 72
EOF
# Tools and agent alike: numeric OIDs, no MIB files to read (Debian ships
# few), persistent state in this test's directory, not /var/lib/snmp.
export MIBDIRS=/nonexistent MIBS="" SNMP_PERSISTENT_DIR="$SNMP_DIR"
netns_bg "$FAR" "$SNMP_DIR/snmpd.out" "$(command -v snmpd)" -f -C -c "$SNMP_DIR/snmpd.conf" \
	-Lf "$SNMP_DIR/snmpd.log" -p "$SNMP_DIR/snmpd.pid"
snmpd_up() { in_ns "$FAR" ss -Hlun "src $FAR_ADDR and sport = :161" | grep -q .; }
wait_until 10 snmpd_up
tap_result $? "snmpd listens on $FAR's management address" || { cat "$SNMP_DIR/snmpd.log" >&2; tap_bail "no snmpd"; }

# ---- 1. from the MA, by name ----
far_ip=$(in_ns "$MA" dig @"$MA_ADDR" +short +time=1 +tries=2 "$SYSNAME" A)
tap_ok "the MA's DNS names $FAR ($SYSNAME -> $FAR_ADDR)" test "$far_ip" = "$FAR_ADDR"
# snmpget NODE OID: the value alone (-Oqv), numeric OIDs (no MIB files needed).
snmp_get() { in_ns "$1" snmpget -v2c -c "$COMMUNITY" -t 1 -r 1 -Oqv "${far_ip:-$FAR_ADDR}" "$2" 2>&1; }
SYS_NAME_OID=.1.3.6.1.2.1.1.5.0
SYS_LOC_OID=.1.3.6.1.2.1.1.6.0
got=$(snmp_get "$MA" $SYS_NAME_OID)
tap_ok "snmpget sysName from the MA: $got" test "$got" = "\"$SYSNAME\""
got=$(snmp_get "$MA" $SYS_LOC_OID)
tap_ok "snmpget sysLocation from the MA" test "$got" = "\"$SYSLOC\""
walk=$(in_ns "$MA" snmpwalk -v2c -c "$COMMUNITY" -t 1 -r 1 -On "$far_ip" .1.3.6.1.2.1.1 2>&1)
tap_cmp "snmpwalk of the system group from the MA" "$(grep -c '^\.1\.3\.6\.1\.2\.1\.1\.' <<<"$walk")" -ge 7
tap_ok "... ends cleanly (no timeout)" sh -c "! grep -qi 'timeout' <<'EOF'
$walk
EOF"
got=$(in_ns "$MA" snmpget -v2c -c "wrong$$" -t 1 -r 0 -Oqv "$far_ip" $SYS_NAME_OID 2>&1)
tap_ok "a wrong community gets no answer (snmpd's own check)" grep -qi "timeout" <<<"$got"

# ---- 2. CM to CM through the MA ----
get_other() { test "$(snmp_get "$OTHER" $SYS_NAME_OID)" = "\"$SYSNAME\""; }
wait_until 10 get_other
tap_result $? "snmpget from $OTHER (CM to CM, relayed by the MA)"

# ---- 3. the active path cut ----
ip -n "$(netns_ns r2)" link set "$(netns_if r2 r3)" down
get_ma() { test "$(snmp_get "$MA" $SYS_NAME_OID)" = "\"$SYSNAME\""; }
wait_until 10 get_ma
tap_result $? "r2-r3 cut: snmpget from the MA still answers (the way round)"
ip -n "$(netns_ns r2)" link set "$(netns_if r2 r3)" up

# ---- 4. management address only ----
data_only() {
	local i
	for i in $(netns_peers "$FAR"); do
		in_ns "$FAR" ss -Hlun "src $(netns_ip "$FAR" "$i") and sport = :161" | grep -q . && return 1
	done
	return 0
}
tap_ok "nothing listens for SNMP on $FAR's data addresses" data_only

tap_done
