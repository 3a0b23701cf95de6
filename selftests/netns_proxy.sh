#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The MA relays between CMs and proxies them to the Internet
# (docs/control-plane.md, "Relay and proxy"). line5, MA a, whose uplink
# "uplink" leads to a namespace standing for the Internet (192.0.2.0/24,
# TEST-NET-1, only inside this test's namespaces), with a web server:
#
#   inet (192.0.2.2, http :8080) --uplink-- a (MA, --proxy uplink) --- b --- c --- d --- e
#
#  1. relay: d reaches b over mm0 (CM to CM through the MA), with no
#     forwarding set by hand: the agent turns it on for mm0 only;
#  2. the uplink is not an MMS link (a runs on one interface);
#  3. proxy: e fetches a page from the web server and pings it through mm0,
#     masqueraded (the server sees a's uplink address);
#  4. nothing from the uplink enters the management network: inet, with a
#     route to the management prefix, reaches no CM (counted by the table's
#     drop rule), and "uplink" forwards for the proxy only;
#  5. a's agent restarted: the proxy works again and still forwards for the
#     proxy only (the uplink's earlier setting is remembered); with
#     --detach-on-exit, SIGTERM removes the table and restores "uplink";
#  6. bad use: --proxy on a CM, --proxy naming no interface, --iface naming
#     no interface or one twice.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/netns.sh
. "$here/../scripts/netns.sh"
# shellcheck source=scripts/agents.sh
. "$here/../scripts/agents.sh"

for t in nft curl python3; do
	command -v "$t" >/dev/null || { echo "1..0 # SKIP $t not installed (scripts/install-deps.sh)"; exit 0; }
done
agents_test_begin "mms-px$$-" line5 a

INET=$(netns_ns inet)
ip netns add "$INET" && echo "$INET" >>"$NETNS_STATE/namespaces" || tap_bail "inet namespace"
ip link add name uplink netns "$(netns_ns a)" type veth peer name uplink netns "$INET" || tap_bail "uplink"
ip -n "$INET" link set lo up
ip -n "$INET" addr add 192.0.2.2/24 dev uplink && ip -n "$INET" link set dev uplink up
ip -n "$(netns_ns a)" addr add 192.0.2.1/24 dev uplink && ip -n "$(netns_ns a)" link set dev uplink up
mkdir -p "$NETNS_STATE/www" && echo "hello from the internet $$" >"$NETNS_STATE/www/hello.txt"
ip netns exec "$INET" python3 -m http.server --bind 192.0.2.2 --directory "$NETNS_STATE/www" 8080 \
	>"$NETNS_STATE/www.log" 2>&1 &
echo "$!" >>"$NETNS_STATE/pids"
web_up() { in_ns a curl -s --max-time 1 -o /dev/null http://192.0.2.2:8080/hello.txt; }
wait_until 10 web_up
tap_result $? "the web server answers on the uplink" || tap_bail "no web server"
tap_ok "forwarding is off on a's uplink before the agent" \
	test "$(in_ns a cat /proc/sys/net/ipv4/conf/uplink/forwarding)" = 0

agent_start a --proxy uplink
for n in $(agents_cms); do agent_start "$n"; done
# shellcheck disable=SC2046
wait_until 30 agents_reach a $(agents_cms)
tap_result $? "every CM reachable over mm0 from the MA" || { agents_logs 8; tap_bail "no convergence"; }

# ---- 1. relay ----
tap_ok "a forwards what arrives on mm0, and only there" \
	test "$(in_ns a cat /proc/sys/net/ipv4/conf/mm0/forwarding)" = 1 -a \
	"$(in_ns a cat /proc/sys/net/ipv4/ip_forward)" = 0
wait_until 10 agents_reach d b
tap_result $? "d reaches b over mm0 (relayed by the MA)"

# ---- 2. ----
tap_ok "a runs on one interface: the uplink is not an MMS link" \
	grep -q "MA on 1 interface," "$(agent_log a)"

# ---- 3. proxy ----
fetch() { in_ns e curl -s --max-time 3 --interface mm0 http://192.0.2.2:8080/hello.txt; }
got=$(fetch)
tap_ok "e fetches a page from the Internet through the MA" test "$got" = "hello from the internet $$"
tap_ok "e pings the Internet through mm0" in_ns e ping -c 2 -W 2 -I mm0 192.0.2.2
tap_ok "the server saw a's uplink address (masqueraded)" grep -q "^192.0.2.1 " "$NETNS_STATE/www.log"
tap_ok "nothing from e's management address reached the server" \
	sh -c "! grep -q '^10\\.' '$NETNS_STATE/www.log'"

# ---- 4. inbound ----
drops() { in_ns a nft list table ip mms_proxy | sed -n 's/.*oifname "mm0" counter packets \([0-9]*\) .*drop.*/\1/p'; }
ip -n "$INET" route add 10.77.0.0/16 via 192.0.2.1
d0=$(drops)
tap_ok "inet cannot reach e's management address" sh -c "! ip netns exec '$INET' ping -c 2 -W 1 $(netns_mgmt e) >/dev/null"
tap_cmp "... the MA's table dropped its echoes" "$(drops)" -ge $((d0 + 2))
tap_ok "a's uplink forwards for the proxy only (a drop rule for anything not to mm0)" \
	sh -c "ip netns exec '$(netns_ns a)' nft list table ip mms_proxy | grep -q 'iifname \"uplink\" oifname != \"mm0\"'"

# ---- 5. restarts ----
agent_kill a TERM
agent_start a --proxy uplink
# shellcheck disable=SC2046
wait_until 30 agents_reach a $(agents_cms)
tap_result $? "a restarted: every CM reachable"
got=$(fetch)
tap_ok "e fetches the page again" test "$got" = "hello from the internet $$"
tap_ok "the uplink still forwards for the proxy only" \
	sh -c "ip netns exec '$(netns_ns a)' nft list table ip mms_proxy | grep -q 'iifname \"uplink\" oifname != \"mm0\"'"
agent_kill a TERM
agent_start a --proxy uplink --detach-on-exit --iface "$(netns_if a b)"
wait_until 10 agent_ready a
tap_result $? "a started with --detach-on-exit and its link named (--iface)"
tap_ok "... on that one interface" grep -q "MA on 1 interface," "$(agent_log a)"
agent_kill a TERM
tap_ok "SIGTERM with --detach-on-exit removes the table" \
	sh -c "! ip netns exec '$(netns_ns a)' nft list table ip mms_proxy >/dev/null 2>&1"
tap_ok "... and turns forwarding on the uplink off again" \
	test "$(in_ns a cat /proc/sys/net/ipv4/conf/uplink/forwarding)" = 0

# ---- 6. bad use ----
out=$("$MMS_BUILD/mms-agent" --role cm --name x --addr 10.77.0.9/16 --proxy uplink 2>&1)
tap_ok "--proxy on a CM: refused (exit 2)" test $? = 2
tap_ok "... saying so" grep -q "for an MA" <<<"$out"
out=$(in_ns b "$MMS_BUILD/mms-agent" --role ma --name x --addr 10.77.0.9/16 \
	--state "$NETNS_STATE/none" --proxy nope 2>&1)
tap_ok "--proxy naming no interface: non-zero exit" test $? != 0
tap_ok "... saying so" grep -q "proxy nope: no such interface" <<<"$out"
out=$(in_ns b "$MMS_BUILD/mms-agent" --role cm --name x --addr 10.77.0.9/16 \
	--state "$NETNS_STATE/none" --iface nope 2>&1)
tap_ok "--iface naming no interface: non-zero exit" test $? != 0
tap_ok "... saying so" grep -q "interface nope: No such device" <<<"$out"
out=$("$MMS_BUILD/mms-agent" --role cm --name x --addr 10.77.0.9/16 --iface e1 --iface e1 2>&1)
tap_ok "--iface given twice: refused (exit 2)" test $? = 2

tap_done
