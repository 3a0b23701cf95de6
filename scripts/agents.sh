# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# mms-agent on a namespace topology made with scripts/netns.sh. Source both:
#
#   . scripts/netns.sh; . scripts/agents.sh
#   netns_init; trap netns_cleanup EXIT
#   netns_build "$(netns_topo ring8)"
#   agents_enroll r1            # r1 is the MA, every other node a CM
#   agents_start                # one mms-agent per node
#   wait_until 20 agents_reach_all r1
#
# Enrollment is what an operator does once per node, by hand, with the
# USB key of the design: mms-enroll makes each node's identity, every CM
# seals a bundle to every MA, which imports it, and MAs trust each other's
# keys. State directories (0700) live in the registry, so netns_cleanup
# removes them with everything else; so do the agents, started by netns_bg.

AGENTS_MAS=""
AGENTS_DIR=""
declare -A AGENT_PID=()
declare -A AGENT_RUNS=()

agents_is_ma() { [[ " $AGENTS_MAS " == *" $1 "* ]]; }
agents_cms() { local n; for n in $(netns_nodes); do agents_is_ma "$n" || echo "$n"; done; }
agent_state() { echo "$AGENTS_DIR/$1"; }
agent_log() { echo "$AGENTS_DIR/$1.log.${AGENT_RUNS[$1]:-1}"; }

# mms-enroll quietly; its one-line error on failure.
agents_enroll_cmd() {
	local out
	out=$("$MMS_BUILD/mms-enroll" "$@" 2>&1) || { echo "mms-enroll $1: $out" >&2; return 1; }
}

# agents_enroll MA...: identities for every node of the topology, the named
# ones MAs; every CM enrolled at every MA; the MAs trust one another.
agents_enroll() {
	local n m m2
	AGENTS_MAS="$*"
	AGENTS_DIR=$NETNS_STATE/agents
	[ -x "$MMS_BUILD/mms-enroll" ] || { echo "agents: $MMS_BUILD/mms-enroll not built" >&2; return 1; }
	mkdir -m 700 "$AGENTS_DIR" || return 1
	for n in $(netns_nodes); do
		if agents_is_ma "$n"; then
			agents_enroll_cmd init --state "$(agent_state "$n")" --name "$n" --role ma || return 1
			agents_enroll_cmd pubkey --state "$(agent_state "$n")" --out "$AGENTS_DIR/$n.pub" || return 1
		else
			agents_enroll_cmd init --state "$(agent_state "$n")" --name "$n" --role cm || return 1
		fi
	done
	for m in $AGENTS_MAS; do
		for n in $(agents_cms); do
			agents_enroll_cmd export --state "$(agent_state "$n")" --ma-pub "$AGENTS_DIR/$m.pub" \
				--out "$AGENTS_DIR/$n.$m.bundle" &&
			agents_enroll_cmd import --state "$(agent_state "$m")" "$AGENTS_DIR/$n.$m.bundle" ||
				return 1
		done
		for m2 in $AGENTS_MAS; do
			[ "$m" = "$m2" ] && continue
			agents_enroll_cmd trust --state "$(agent_state "$m")" --ma-pub "$AGENTS_DIR/$m2.pub" ||
				return 1
		done
	done
}

# agents_test_begin PREFIX TOPOLOGY MA...: the start of a namespace test
# with enrolled agents: netns_test_begin with the tools they need, TOPOLOGY
# (a name for netns_topo) built, every node enrolled, the named ones MAs (a
# test point); bails out when any of it fails.
agents_test_begin() {
	local prefix=$1 name=$2 topo
	shift 2
	netns_test_begin "$prefix" "$MMS_BUILD/mms-agent" "$MMS_BUILD/mms-enroll" \
		"$MMS_BUILD/bench/icmp_probe"
	topo=$(netns_topo "$name") || tap_bail "$name.topo not found"
	netns_build "$topo" || tap_bail "building $name"
	agents_enroll "$@" 2>"$NETNS_TMP/enroll.err"
	tap_ok "$name enrolled with mms-enroll, MAs $*" test ! -s "$NETNS_TMP/enroll.err" ||
		{ sed 's/^/# /' "$NETNS_TMP/enroll.err"; tap_bail "enrollment"; }
}

# agent_argv NODE [OPTION...]: AGENT_ARGV=(the command line of NODE's
# agent): the per-node options, /metrics on MGMT:9100 with AGENTS_METRICS=1,
# then OPTION...
agent_argv() {
	local n=$1 role=cm mgmt; shift
	agents_is_ma "$n" && role=ma
	mgmt=$(netns_mgmt "$n") || return 1
	[ "${AGENTS_METRICS:-0}" = 1 ] && set -- --metrics "$mgmt:9100" "$@"
	AGENT_ARGV=("$MMS_BUILD/mms-agent" --role "$role" --name "$n" --addr "$mgmt/16"
		--state "$(agent_state "$n")" --pin "$(netns_pin "$n")" "$@")
}

# agent_launch NODE ARGV...: start the agent command line ARGV on NODE; each
# run logs to a file of its own (agent_log). Builtins only but for the fork,
# so that a loop of them starts many agents at (nearly) the same moment.
agent_launch() {
	local n=$1; shift
	AGENT_RUNS[$n]=$((${AGENT_RUNS[$n]:-0} + 1))
	netns_bg "$n" "$AGENTS_DIR/$n.log.${AGENT_RUNS[$n]}" "$@"	# agent_log, unforked
	AGENT_PID[$n]=$NETNS_LAST_PID
	disown "$NETNS_LAST_PID"	# no "Killed" job notices when a test kills it
}

# agent_start NODE [OPTION...]: mms-agent on NODE, options added to the
# per-node ones (agent_argv).
agent_start() {
	agent_argv "$@" || return 1
	agent_launch "$1" "${AGENT_ARGV[@]}"
}

# agents_prepare [OPTION...]: the command lines of an agent on every node
# (AGENTS_SPECS), which agents_launch starts; agents_start [OPTION...] is
# both. Apart so that the bench times the starts alone, all at once: by
# bench/ns_launch, which forks them in one loop, when it is built, else by
# one netns_bg each.
AGENTS_SPECS=()
agents_prepare() {
	local n
	AGENTS_SPECS=()
	for n in $(netns_nodes); do
		agent_argv "$n" "$@" || return 1
		AGENT_RUNS[$n]=$((${AGENT_RUNS[$n]:-0} + 1))
		AGENTS_SPECS+=("$n"$'\x1f'"/run/netns/${NETNS_PREFIX}$n"$'\x1f'"$(agent_log "$n")"$'\x1f'"$(IFS=$'\x1f'; echo "${AGENT_ARGV[*]}")")
	done
}

agents_launch() {
	local l n pids=() i=0 f
	if [ -x "$MMS_BUILD/bench/ns_launch" ]; then
		mapfile -t pids < <(printf '%s\n' "${AGENTS_SPECS[@]#*$'\x1f'}" |
			"$MMS_BUILD/bench/ns_launch")
		for l in "${AGENTS_SPECS[@]}"; do
			n=${l%%$'\x1f'*}
			[ -n "${pids[i]:-}" ] || return 1
			AGENT_PID[$n]=${pids[i]}
			echo "${pids[i]}" >>"$NETNS_STATE/pids"
			i=$((i + 1))
		done
		return 0
	fi
	for l in "${AGENTS_SPECS[@]}"; do
		IFS=$'\x1f' read -r -a f <<<"$l"
		netns_bg "${f[0]}" "${f[2]}" "${f[@]:3}"
		AGENT_PID[${f[0]}]=$NETNS_LAST_PID
		disown "$NETNS_LAST_PID"
	done
}

agents_start() { agents_prepare "$@" && agents_launch; }

# agent_alive NODE: its agent runs (a zombie, exited but not yet reaped,
# does not count).
agent_alive() {
	local st
	[ -n "${AGENT_PID[$1]:-}" ] || return 1
	st=$(awk '{ print $3 }' "/proc/${AGENT_PID[$1]}/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ]
}
agent_dead() { ! agent_alive "$1"; }

# agent_kill NODE [SIGNAL]: signal NODE's agent (TERM by default) and wait
# until it is gone, polling every 5 ms for at most 5 s, so that what follows
# starts right after its death.
agent_kill() {
	local pid=${AGENT_PID[$1]:-} i
	[ -n "$pid" ] || return 1
	kill -"${2:-TERM}" "$pid" 2>/dev/null
	for ((i = 0; i < 1000; i++)); do
		agent_dead "$1" && return 0
		sleep 0.005
	done
	return 1
}

# agent_ready NODE: the agent finished its set-up (datapath loaded, ports
# and mm0 up): its start-up line is in the log.
agent_ready() { grep -q " on [0-9]* interface" "$(agent_log "$1")" 2>/dev/null; }
agents_ready() { local n; for n in $(netns_nodes); do agent_ready "$n" || return 1; done; }

# agents_reach FROM [-t S] DST_NODE...: every DST_NODE answers ping over
# mm0 from FROM within S seconds (default 1), all probed at once.
agents_reach() {
	local from=$1 t=1 n addrs=()
	shift
	[ "${1:-}" = -t ] && { t=$2; shift 2; }
	for n in "$@"; do addrs+=("$(netns_mgmt "$n")"); done
	in_ns "$from" "$MMS_BUILD/bench/icmp_probe" first -i 5 -t "$t" "${addrs[@]}" >/dev/null
}

# agents_reach_all MA: every other node answers MA; agents_reach_ma MA: MA
# answers every other node.
agents_reach_all() {
	# shellcheck disable=SC2046
	agents_reach "$1" $(netns_nodes | grep -vx "$1")
}
agents_reach_ma() {
	local n
	for n in $(netns_nodes); do
		[ "$n" = "$1" ] || agents_reach "$n" "$1" || return 1
	done
}

# agents_unreached FROM NODE...: the nodes that do not answer FROM (for
# diagnostics).
agents_unreached() {
	local from=$1 n; shift
	for n in "$@"; do agents_reach "$from" -t 0.3 "$n" || echo -n "$n "; done
}

# agents_logs [LINES]: the last lines of every agent's log, as TAP comments.
agents_logs() {
	local n
	for n in $(netns_nodes); do
		[ -f "$(agent_log "$n")" ] || continue
		tail -n "${1:-5}" "$(agent_log "$n")" | sed "s/^/# $n: /"
	done
}

# agent_scrape NODE: NODE's /metrics body (the agent must run with
# --metrics MGMT:9100), fetched inside NODE over a bash /dev/tcp socket.
# A body shorter than its Content-Length (a reset connection) is fetched
# again, three times at most; empty output and status 1 if none was whole.
agent_scrape() {
	local i out
	for ((i = 0; i < 3; i++)); do
		# shellcheck disable=SC2016
		if out=$(in_ns "$1" timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/9100" &&
			printf -v q "GET /metrics HTTP/1.0\r\nHost: %s\r\n\r\n" "$0" &&
			echo -n "$q" >&3 && cat <&3' "$(netns_mgmt "$1")" 2>/dev/null |
			awk 'BEGIN { RS = "\r\n\r\n"; ORS = "" }
				NR == 1 { want = -1 }
				NR == 1 && match($0, /Content-Length: [0-9]+/) {
					want = substr($0, RSTART + 16, RLENGTH - 16) + 0 }
				NR == 1 { next }
				{ body = body (NR > 2 ? RS : "") $0 }
				END { if (length(body) != want) exit 1; print body }'); then
			printf '%s\n' "$out"
			return 0
		fi
	done
	return 1
}

# agent_metric NODE NAME: one metric of NODE summed over its labels.
agent_metric() {
	agent_scrape "$1" |
		awk -v m="$2" '$1 == m || index($1, m "{") == 1 { s += $2; f = 1 } END { print s + 0; exit !f }'
}

# agent_sample NODE SAMPLE: one sample of NODE's metrics as written, e.g.
# 'mms_auth_events_total{event="roll_started"}'; 0 when the agent does not
# show it, nothing and status 1 when /metrics did not answer.
agent_sample() {
	local body
	body=$(agent_scrape "$1") || return 1
	awk -v m="$2" '$1 == m { v = $2 } END { print v + 0 }' <<<"$body"
}

# agent_in_epoch NODE EPOCH: NODE seals in EPOCH (MA) or holds it as its
# newest (CM), and that epoch's key is the only one in its datapath.
agent_in_epoch() {
	[ "$(agent_metric "$1" mms_auth_epoch)" = "$2" ] &&
		[ "$(mmsctl_at "$1" key show | awk 'NR > 1 { printf "%s%s", s, $2; s = " " }')" = "$2" ]
}

# ---- continuous probing (icmp_probe log) ----

# probe_start FROM DST_NODE [INTERVAL_MS]: ping DST_NODE over mm0 from FROM
# every INTERVAL_MS (default 10) in the background, every probe's send and
# reply time kept (CLOCK_REALTIME ns) until probe_stop; the file is
# $PROBE_LOG.
probe_start() {
	PROBE_LOG=$NETNS_STATE/probe.$RANDOM
	netns_bg "$1" "$PROBE_LOG" "$MMS_BUILD/bench/icmp_probe" log -i "${3:-10}" "$(netns_mgmt "$2")"
	PROBE_PID=$NETNS_LAST_PID
}
probe_gone() { ! kill -0 "$PROBE_PID" 2>/dev/null; }
probe_stop() {
	kill -INT "$PROBE_PID" 2>/dev/null
	wait_until 5 probe_gone
}

# probe_outage SINCE_NS [UNTIL_NS]: of the probes sent in [SINCE, UNTIL):
# "OUTAGE_MS LOST SENT RUNS", the outage from the send time of the first
# lost probe to the first reply after it (0 when none was lost; -1 when no
# reply came after it), the probes lost, sent, and the runs of consecutive
# lost probes (more than one: service came back and went again).
probe_outage() {
	awk -v t="$1" -v u="${2:-0}" '
		$2 < t || (u > 0 && $2 >= u) { next }
		{ sent++ }
		$3 == 0 { lost++; if (!s0) s0 = $2; if (!in_run) runs++; in_run = 1; next }
		{ in_run = 0 }
		s0 && (!r1 || $3 < r1) { r1 = $3 }
		END {
			o = !s0 ? 0 : r1 ? (r1 - s0) / 1e6 : -1
			printf "%.1f %d %d %d\n", o, lost, sent, runs
		}' "$PROBE_LOG"
}
