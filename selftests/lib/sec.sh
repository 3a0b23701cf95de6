# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Enrolled mms-agents on a namespace topology, for the security tests
# (selftests/netns_sec_*.sh). Source after scripts/netns.sh and
# netns_test_begin:
#
#   sec_begin mms-xx-$$- 'a b\nb c\nc d\nb x\n' a b c d   # a the MA; b, c, d enrolled
#   sec_rogue x                # an identity that trusts a, never imported
#   sec_foreign y              # an identity that trusts another MA
#   sec_capture a b            # tcpdump of what a sends towards b (before start)
#   sec_up                     # an agent on every node, /metrics on 127.0.0.1:9100,
#                              # until the MA and the CMs reach each other
#
# State directories, logs and captures live in $NETNS_TMP, which the
# namespace cleanup removes; agents and tcpdumps are started with netns_bg,
# so cleanup stops them too.

SEC_MA=""
SEC_CMS=""
declare -A SEC_PID=()
declare -A SEC_CAP=()

# sec_begin PREFIX TOPOLOGY MA CM...: the start of a security test: root
# and the tools checked, namespaces for TOPOLOGY (a file, or its lines in
# a string with \n), the MA's and the CMs' identities, the CMs enrolled,
# and the MA's kernel relaying CM-to-CM traffic as an MA's must.
sec_begin() {
	local prefix=$1 topo=$2 f
	SEC_MA=$3
	shift 3
	SEC_CMS="$*"
	netns_test_begin "$prefix" "$MMS_BUILD/mms-agent" "$MMS_BUILD/mms-enroll" \
		"$MMS_BUILD/mms-inject"
	f=$topo
	if [ ! -f "$f" ]; then
		f=$NETNS_TMP/test.topo
		printf '%b' "$topo" >"$f"
	fi
	netns_build "$f" || tap_bail "building the topology"
	tap_ok "$SEC_MA is the MA; $SEC_CMS enrolled" sec_enroll || tap_bail "enrollment"
}

# sec_up [NODE...]: agents on every node (or those), then wait until the MA
# and the CMs started reach each other over mm0. Some cold starts do not
# converge (a known agent bug, being fixed): the bound is generous, and a
# failure here bails out with the agents' logs rather than testing on.
sec_up() {
	local n cms=""
	# shellcheck disable=SC2048 # the default is a word list
	for n in ${*:-$(netns_nodes)}; do
		sec_start "$n"
		[[ " $SEC_CMS " == *" $n "* ]] && cms="$cms $n"
	done
	# shellcheck disable=SC2086
	if ! tap_ok "$SEC_MA and$cms reach each other over mm0" wait_until 40 sec_converged $cms; then
		sec_logs
		tap_bail "no convergence"
	fi
}

sec_state() { echo "$NETNS_TMP/$1"; }
sec_log() { echo "$NETNS_TMP/$1.log"; }
sec_enroll_cmd() {
	local out
	out=$("$MMS_BUILD/mms-enroll" "$@" 2>&1) || { echo "mms-enroll $1: $out" >&2; return 1; }
}

# sec_enroll: the identity of the MA SEC_MA; each CM's of SEC_CMS, sealed
# to the MA and imported there (the operator's USB key). Variables, not
# arguments: tap_ok runs its command in a subshell.
sec_enroll() {
	local ma=$SEC_MA n
	sec_enroll_cmd init --state "$(sec_state "$ma")" --name "$ma" --role ma &&
	sec_enroll_cmd pubkey --state "$(sec_state "$ma")" --out "$NETNS_TMP/$ma.pub" || return 1
	for n in $SEC_CMS; do
		sec_enroll_cmd init --state "$(sec_state "$n")" --name "$n" &&
		sec_enroll_cmd export --state "$(sec_state "$n")" --ma-pub "$NETNS_TMP/$ma.pub" \
			--out "$NETNS_TMP/$n.bundle" &&
		sec_enroll_cmd import --state "$(sec_state "$SEC_MA")" "$NETNS_TMP/$n.bundle" || return 1
	done
}

# sec_rogue NODE: runs the same software and trusts the MA (it exported a
# bundle), but the MA never imported it.
sec_rogue() {
	sec_enroll_cmd init --state "$(sec_state "$1")" --name "$1" &&
	sec_enroll_cmd export --state "$(sec_state "$1")" --ma-pub "$NETNS_TMP/$SEC_MA.pub" \
		--out "$NETNS_TMP/$1.bundle"
}

# sec_foreign NODE: enrolled with another MA (one made here, never started).
sec_foreign() {
	sec_enroll_cmd init --state "$NETNS_TMP/other-ma" --name other --role ma 2>/dev/null
	sec_enroll_cmd pubkey --state "$NETNS_TMP/other-ma" --out "$NETNS_TMP/other-ma.pub" &&
	sec_enroll_cmd init --state "$(sec_state "$1")" --name "$1" &&
	sec_enroll_cmd export --state "$(sec_state "$1")" --ma-pub "$NETNS_TMP/other-ma.pub" \
		--out "$NETNS_TMP/$1.bundle"
}

# sec_id NODE: its component ID (32 hex digits).
sec_id() {
	"$MMS_BUILD/mms-enroll" show --state "$(sec_state "$1")" |
		awk '$1 == "self" { print $3; exit }'
}

# sec_start NODE [OPTION...]: mms-agent on NODE (an MA if it is SEC_MA),
# with SEC_AGENT_OPTS and the options given.
# No security test measures failover timing, and several check that no
# neighbour went down or that counters moved by exactly what they sent: a
# neighbour is declared dead after 67 hellos (~1 s) rather than the default
# 3 (45 ms). On a loaded 2-core CI machine every process, agents included,
# is at times not scheduled for up to half a second (measured: a process
# sleeping 10 ms woke up to 524 ms late); a hold shorter than that takes
# healthy links down (seen with 40 ms and with 200 ms). Failover timing is
# measured by netns_agents_fail.sh with its own settings.
SEC_AGENT_OPTS="--dead-mult 67"
sec_start() {
	local n=$1 role=cm
	shift
	[ "$n" = "$SEC_MA" ] && role=ma
	# shellcheck disable=SC2086
	netns_bg "$n" "$(sec_log "$n")" "$MMS_BUILD/mms-agent" --role "$role" --name "$n" \
		--addr "$(netns_mgmt "$n")/16" --state "$(sec_state "$n")" --pin "$(netns_pin "$n")" \
		--metrics 127.0.0.1:9100 $SEC_AGENT_OPTS "$@"
	SEC_PID[$n]=$NETNS_LAST_PID
}
sec_alive() { kill -0 "${SEC_PID[$1]}" 2>/dev/null; }
sec_dead() { ! sec_alive "$1"; }
# sec_stop NODE: SIGTERM, and wait (bounded) until it is gone.
sec_stop() { kill "${SEC_PID[$1]}" 2>/dev/null; wait_until 5 sec_dead "$1"; }

# sec_capture NODE PEER: what NODE sends towards PEER, from now on (tcpdump
# -Q out: frames the agent and the TC program send; frames XDP forwards
# bypass the tap). The file is $(sec_pcap NODE PEER).
sec_pcap() { echo "$NETNS_TMP/cap-$1-$2.pcap"; }
sec_capture() {
	local n=$1 p=$2 log="$NETNS_TMP/cap-$1-$2.log"
	netns_bg "$n" "$log" tcpdump -n -U --immediate-mode -Q out -i "$(netns_if "$n" "$p")" \
		-w "$(sec_pcap "$n" "$p")" ether proto 0x88b5
	SEC_CAP[$n-$p]=$NETNS_LAST_PID
	wait_until 10 grep -q "listening on" "$log"
}
# sec_capture_stop NODE PEER: stop it; the file is complete afterwards.
sec_capture_stop() {
	local pid=${SEC_CAP[$1-$2]}
	kill -INT "$pid" 2>/dev/null
	wait_until 5 eval "! kill -0 $pid 2>/dev/null"
}

# sec_replay NODE PEER ARGS...: mms-inject --pcap on NODE's link to PEER.
sec_replay() {
	local n=$1 p=$2
	shift 2
	nsx "$n" "$MMS_BUILD/mms-inject" --iface "$(netns_if "$n" "$p")" "$@"
}
# sec_captured FILE TYPE: how many frames of TYPE the capture holds.
sec_captured() { "$MMS_BUILD/mms-inject" --pcap "$1" --list --type "$2" | wc -l; }

# sec_metrics NODE: the agent's /metrics body, fetched inside NODE.
sec_metrics() {
	# shellcheck disable=SC2016
	in_ns "$1" timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/9100 &&
		printf "GET /metrics HTTP/1.0\r\n\r\n" >&3 && cat <&3' 2>/dev/null |
		tr -d '\r' | sed '1,/^$/d'
}
# sec_m NODE METRIC: one sample, e.g. 'mms_auth_refused_total{reason="replay"}'
# or mms_auth_sessions; 0 when the agent does not show it.
sec_m() {
	sec_metrics "$1" | awk -v m="$2" '$1 == m { v = $2 } END { print v + 0 }'
}
sec_core() { sec_m "$1" "mms_core_events_total{kind=\"$2\"}"; }
sec_refused() { sec_m "$1" "mms_auth_refused_total{reason=\"$2\"}"; }
sec_event() { sec_m "$1" "mms_auth_events_total{event=\"$2\"}"; }
# sec_ge NODE METRIC N: the sample is at least N (for wait_until).
sec_ge() { [ "$(sec_m "$1" "$2")" -ge "$3" ]; }

# sec_ping FROM TO: one echo over mm0, answered within a second.
sec_ping() { in_ns "$1" ping -c 1 -W 1 -q "$(netns_mgmt "$2")" >/dev/null 2>&1; }
# sec_converged [NODE...]: the MA and each node (default: every enrolled
# CM) reach each other over mm0.
sec_converged() {
	local n
	# shellcheck disable=SC2048 # the default is a word list
	for n in ${*:-$SEC_CMS}; do
		sec_ping "$SEC_MA" "$n" && sec_ping "$n" "$SEC_MA" || return 1
	done
}
# sec_routes NODE: the destinations of NODE's routes, one per line, sorted.
sec_routes() { mmsctl_at "$1" route show | awk 'NR > 1 { print $1 }' | sort -u; }
# sec_epochs NODE: the epochs of NODE's installed hop keys, space separated.
sec_epochs() { mmsctl_at "$1" key show | awk 'NR > 1 { printf "%s%s", s, $2; s = " " }'; }
# sec_loss FILE: packet loss in percent from a ping summary (100 if none).
sec_loss() { awk '/packet loss/ { for (i = 1; i <= NF; i++) if ($i ~ /%$/) { sub("%", "", $i); print $i; f = 1 } } END { if (!f) print 100 }' "$1"; }
# sec_lost FILE: "LOST SENT" from a ping summary ("0 0" if none).
sec_lost() { awk '/packets transmitted/ { l = $1 - $4; s = $1 } END { print l + 0, s + 0 }' "$1"; }
# sec_logs: the last lines of every agent's log, as TAP comments.
sec_logs() {
	local n
	for n in $(netns_nodes); do
		[ -f "$(sec_log "$n")" ] && tail -n 8 "$(sec_log "$n")" | sed "s/^/# $n: /"
	done
}
