#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# mms-agent on abilene (../shared/topologies/abilene.topo, 11 nodes, 14
# links) in network namespaces, the MA on ATLA: bootstrap, failover, cost
# and configuration. Prints `name value unit` lines for scripts/bench.sh:
#
#   bootstrap_ms             agents started (all at once, datapath not loaded)
#                            until every CM answers ping over mm0 from the MA;
#                            median of BOOT_RUNS runs. The clock starts when
#                            the command lines are made, just before
#                            bench/ns_launch forks them in one loop (bash
#                            forking one nsenter per node spread the starts
#                            over tens of ms)
#   bootstrap_startup_ms     of which: start until the last agent has its
#                            datapath loaded, ports and mm0 up (its start-up
#                            log line; 1 ms resolution)
#   bootstrap_protocol_ms    of which: that moment until every CM answers
#   bootstrap_ma_last_ms     every CM up first, then the MA started: its
#                            start-up line until every CM answers, i.e. the
#                            whole protocol with no start-up cost in it
#   bootstrap_warm_ms        bootstrap_ms with the datapath left pinned and
#                            attached by the previous run (routes and
#                            neighbours cleared, so the protocol starts over)
#   bootstrap_expedited_ms   a diagnostic of running eleven nodes on one
#                            kernel, not a goal figure: bootstrap_ms with
#                            /sys/kernel/rcu_expedited set for the runs (and
#                            restored on every exit path). Each node's first
#                            XDP attach changes the kernel's XDP dispatcher,
#                            which waits for an RCU grace period under the
#                            RTNL; eleven nodes on one kernel wait for eleven
#                            in a row, where eleven machines would each wait
#                            for one (docs/datapath.md, start-up cost).
#                            Skipped with EXPEDITED=0
#   agent_start_ms           one CM's agent restarted alone (warm), start to
#                            its start-up line: the per-agent cost without
#                            ten others competing for the two cores
#   failover_{down,silent}_{median,max}_ms
#                            ping MA -> farthest CM (STTL) every 5 ms, CUTS
#                            cuts of a link on the active path (the links
#                            whose packet counters carry the probes); outage = send time of
#                            the first lost probe to the first reply after
#                            it (0 when no probe is lost). down: `ip link set
#                            down` at one end, nearer the MA and farther on
#                            alternate cuts (the other end loses carrier);
#                            silent: every link goes through
#                            a Linux bridge (netns_switch_link), whose ports
#                            stop forwarding while both ends keep carrier
#   failover_{down,silent}_lost
#                            probes lost over all cuts
#   agent_cpu_pct, agent_rss_kib (and _max)
#                            per node at steady state, mean over the 11
#                            agents (max: the busiest), from /proc/PID/stat
#                            and status over STEADY_S seconds
#   config_lines             per-node settings an operator writes: the
#                            options mms-agent's usage line requires
#
# The machine's two cores are shared: figures are noisy, medians help.
# PARTS (default "bootstrap down silent config") picks the parts to run;
# BOOT_RUNS, CUTS and STEADY_S size them.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
B=${B:-build}
case $B in /*) ;; *) B=$PWD/$B ;; esac
export MMS_BUILD=${MMS_BUILD:-$B}
# shellcheck source=scripts/netns.sh
. scripts/netns.sh
# shellcheck source=scripts/agents.sh
. scripts/agents.sh

BOOT_RUNS=${BOOT_RUNS:-3}
CUTS=${CUTS:-10}
STEADY_S=${STEADY_S:-5}
MA=ATLA

for t in "$MMS_BUILD/mms-agent" "$MMS_BUILD/mms-enroll" "$MMS_BUILD/mmsctl" \
	 "$MMS_BUILD/bench/icmp_probe"; do
	[ -x "$t" ] || { echo "bench-agents: $t not built" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "bench-agents: needs root (namespaces, BPF)" >&2; exit 1; }
RCU_EXP=/sys/kernel/rcu_expedited
RCU_EXP_WAS=
rcu_restore() { [ -n "$RCU_EXP_WAS" ] && echo "$RCU_EXP_WAS" >"$RCU_EXP"; RCU_EXP_WAS=; }
trap 'rcu_restore; netns_cleanup' EXIT
trap 'exit 1' INT TERM HUP

now_ns() { date +%s%N; }
# median of the numbers on stdin; "nan" when there are none (bench.sh then
# records a figure that is plainly missing rather than a made-up one)
median() { sort -n | awk 'NF { v[++n] = $1 } END { if (n) print v[int((n + 1) / 2)]; else print "nan" }'; }
max() { sort -n | tail -n 1; }
say() { echo "$1 $2 $3"; }
note() { echo "# $*"; }

# abilene NAME [switched]: a fresh abilene, every node enrolled (MA ATLA);
# "switched": every link through a bridge, for silent failures.
abilene() {
	local a b
	netns_cleanup
	netns_init "mms-bag$$-$1-" || return 1
	netns_build "$(netns_topo abilene)" || return 1
	if [ "${2:-}" = switched ]; then
		while read -r a b; do
			netns_switch_link "$a" "$b" || return 1
		done < <(netns_topo_links "$(netns_topo abilene)")
	fi
	agents_enroll "$MA" || return 1
	FAR=$(netns_farthest "$MA")
}

# ---- bootstrap ----

# ready_ms NODE: time (Unix ms) of the start-up line of NODE's current log
# (stamped SECONDS.MMM).
ready_ms() {
	awk '/ on [0-9]+ interface/ { split($1, t, "."); print t[1] t[2]; exit }' \
		"$(agent_log "$1")"
}

# boot_run [OPTION...]: start every agent with the options, wait until every
# CM answers; BOOT="TOTAL_MS STARTUP_MS PROTOCOL_MS". Not in a subshell: the
# agents' PIDs must stay known.
boot_run() {
	local t0 out n first=0 ready=0 r pid
	out=$NETNS_STATE/first.$RANDOM
	# shellcheck disable=SC2046
	netns_bg "$MA" "$out" "$MMS_BUILD/bench/icmp_probe" first -i 2 -t 30 \
		$(for n in $(agents_cms); do netns_mgmt "$n"; done)
	pid=$NETNS_LAST_PID
	agents_prepare "$@" || return 1	# command lines first, untimed
	t0=$(now_ns)
	agents_launch || return 1
	BOOT="-1 -1 -1"
	wait "$pid" || return 1
	first=$(awk '{ print $2 }' "$out" | max)
	for n in $(netns_nodes); do
		r=$(ready_ms "$n")
		[ -n "$r" ] && [ "$r" -gt "$ready" ] && ready=$r
	done
	BOOT="$(((first - t0) / 1000000)) $((ready - t0 / 1000000)) $((first / 1000000 - ready))"
}

cms_ready() { local c; for c in $(agents_cms); do agent_ready "$c" || return 1; done; }

# boot_ma_last: every CM started and up first, then the MA; BOOT="MS": the
# MA's start-up line until every CM answers, the whole protocol (beacon
# flood, acks, LSAs, route computation, CONTROL to every CM) on its own.
boot_ma_last() {
	local out n first pid
	BOOT=-1
	for n in $(agents_cms); do agent_start "$n" --detach-on-exit; done
	wait_until 30 cms_ready || return 1
	out=$NETNS_STATE/first.$RANDOM
	# shellcheck disable=SC2046
	netns_bg "$MA" "$out" "$MMS_BUILD/bench/icmp_probe" first -i 2 -t 30 \
		$(for n in $(agents_cms); do netns_mgmt "$n"; done)
	pid=$NETNS_LAST_PID
	agent_start "$MA" --detach-on-exit
	wait "$pid" || return 1
	first=$(awk '{ print $2 }' "$out" | max)
	BOOT=$((first / 1000000 - $(ready_ms "$MA")))
}

agents_stop() { local n; for n in $(netns_nodes); do agent_kill "$n" TERM; done; }

# dp_clear NODE: remove the routes and neighbours a previous run left in
# NODE's pinned datapath.
dp_clear() {
	local d p
	for d in $(mmsctl_at "$1" route show | awk 'NR > 1 { print $1 }' | sort -u); do
		mmsctl_at "$1" route del "$d" >/dev/null
	done
	for p in $(mmsctl_at "$1" nbr show | awk 'NR > 1 { print $1 }'); do
		mmsctl_at "$1" nbr del "$p" >/dev/null
	done
}

bench_bootstrap() {
	local i n cold=() warm=() last=()
	abilene boot || return 1
	for ((i = 0; i < BOOT_RUNS; i++)); do
		if boot_run --detach-on-exit; then
			cold+=("$BOOT")
		else
			note "cold run $i: not every CM answered, left out"
			agents_logs 3
		fi
		agents_stop
	done
	# Diagnostic: the same cold start with expedited grace periods.
	local exp=()
	if [ "${EXPEDITED:-1}" = 1 ] && [ -w "$RCU_EXP" ]; then
		RCU_EXP_WAS=$(cat "$RCU_EXP")
		echo 1 >"$RCU_EXP"
		for ((i = 0; i < BOOT_RUNS; i++)); do
			if boot_run --detach-on-exit; then exp+=("$BOOT"); else note "expedited run $i: not every CM answered, left out"; fi
			agents_stop
		done
		rcu_restore
		note "bootstrap runs with rcu_expedited (total startup protocol ms): ${exp[*]/%/;}"
		say bootstrap_expedited_ms "$(printf '%s\n' "${exp[@]}" | awk '{ print $1 }' | median)" ms
	fi
	for ((i = 0; i < BOOT_RUNS; i++)); do
		if boot_ma_last; then last+=("$BOOT"); else note "MA-last run $i: not every CM answered, left out"; fi
		agents_stop
	done
	# Warm: the datapath stays pinned and attached between runs.
	agents_start
	wait_until 30 agents_reach_all "$MA" || note "warm start: not converged"
	for ((i = 0; i < BOOT_RUNS; i++)); do
		agents_stop
		for n in $(netns_nodes); do dp_clear "$n"; done
		if boot_run; then warm+=("$BOOT"); else note "warm run $i: not every CM answered, left out"; fi
	done
	note "bootstrap runs (total startup protocol ms): cold: ${cold[*]/%/;} warm: ${warm[*]/%/;}"
	say bootstrap_ms "$(printf '%s\n' "${cold[@]}" | awk '{ print $1 }' | median)" ms
	say bootstrap_startup_ms "$(printf '%s\n' "${cold[@]}" | awk '{ print $2 }' | median)" ms
	say bootstrap_protocol_ms "$(printf '%s\n' "${cold[@]}" | awk '{ print $3 }' | median)" ms
	note "MA started last, its start-up line to every CM answering (ms): ${last[*]}"
	say bootstrap_ma_last_ms "$(printf '%s\n' "${last[@]}" | median)" ms
	say bootstrap_warm_ms "$(printf '%s\n' "${warm[@]}" | awk '{ print $1 }' | median)" ms
	say bootstrap_warm_protocol_ms "$(printf '%s\n' "${warm[@]}" | awk '{ print $3 }' | median)" ms

	# One agent alone, the others running: its own start-up cost.
	local starts=() t0 cm
	for cm in $(agents_cms | head -n 5); do
		agent_kill "$cm" TERM
		t0=$(now_ns)
		agent_start "$cm"
		wait_until 10 agent_ready "$cm" || continue
		starts+=($(($(ready_ms "$cm") - t0 / 1000000)))
	done
	note "single agent start-up (ms): ${starts[*]}"
	say agent_start_ms "$(printf '%s\n' "${starts[@]}" | median)" ms

	# ---- steady state cost ----
	wait_until 30 agents_reach_all "$MA" || note "steady state: not converged"
	local tck pids=() t_0=() t_1=() rss=() cpu=()
	tck=$(getconf CLK_TCK)
	for n in $(netns_nodes); do pids+=("${AGENT_PID[$n]}"); done
	for i in "${!pids[@]}"; do t_0[i]=$(awk '{ print $14 + $15 }' "/proc/${pids[i]}/stat"); done
	sleep "$STEADY_S"	# the measurement window itself
	for i in "${!pids[@]}"; do
		t_1[i]=$(awk '{ print $14 + $15 }' "/proc/${pids[i]}/stat")
		cpu+=("$(awk -v a="${t_0[i]}" -v b="${t_1[i]}" -v h="$tck" -v s="$STEADY_S" \
			'BEGIN { printf "%.2f", (b - a) / h / s * 100 }')")
		rss+=("$(awk '/^VmRSS:/ { print $2 }' "/proc/${pids[i]}/status")")
	done
	note "cpu % per agent: ${cpu[*]}; rss KiB: ${rss[*]} (MA first)"
	say agent_cpu_pct "$(printf '%s\n' "${cpu[@]}" | awk '{ s += $1 } END { printf "%.2f", s / NR }')" '%'
	say agent_cpu_pct_max "$(printf '%s\n' "${cpu[@]}" | max)" '%'
	say agent_rss_kib "$(printf '%s\n' "${rss[@]}" | awk '{ s += $1 } END { printf "%d", s / NR }')" KiB
	say agent_rss_kib_max "$(printf '%s\n' "${rss[@]}" | max)" KiB
}

# ---- failover ----

# link_tx: "NODE PEER TX_PACKETS" for every link end (the kernel's counters
# of the veth, which count what XDP redirects into it too).
link_tx() {
	local n
	for n in $(netns_nodes); do
		# shellcheck disable=SC2016
		in_ns "$n" sh -c 'for d in /sys/class/net/to-*; do
			echo "$0 ${d##*/to-} $(cat "$d/statistics/tx_packets")"; done' "$n"
	done
}

# path_links: the links that carry the running probes (MA -> FAR every 5 ms):
# over 500 ms a direction on the path sends ~100 probes (requests or
# replies) on top of what every link carries: ~50 hellos, 5 beacons, and
# towards the MA up to ~30 beacon acks of the nodes behind it.
path_links() {
	local a b before after
	before=$(link_tx)
	sleep 0.5	# the counting window
	after=$(link_tx)
	while read -r a b; do
		awk -v a="$a" -v b="$b" '
			NR == FNR { t0[$1 " " $2] = $3; next }
			{ d = $3 - t0[$1 " " $2] }
			(($1 == a && $2 == b) || ($1 == b && $2 == a)) && d >= 125 { f = 1 }
			END { exit !f }' <(echo "$before") <(echo "$after") && echo "$a $b"
	done < <(netns_topo_links "$(netns_topo abilene)")
}

hops() { netns_path "$MA" "$1" | wc -w; }

nbrs_all_up() {	# every neighbour of NODE up
	[ "$(agent_metric "$1" mms_neighbours_up)" = "$(netns_peers "$1" | wc -l)" ]
}
spf_runs() { agent_metric "$MA" 'mms_core_events_total{kind="spf_runs"}'; }
# settled: the MA has not recomputed routes for 300 ms.
settled() {
	local a
	a=$(spf_runs)
	sleep 0.3
	[ "$a" = "$(spf_runs)" ]
}

# failover MODE: CUTS cuts on the active path, each restored and settled
# before the next; prints the figures.
bench_failover() {
	local mode=$1 i links n a b u v t_cut t_back cuts=() outs=() lost=0 o l s r
	if [ "$mode" = down ]; then abilene down || return 1; else abilene silent switched || return 1; fi
	AGENTS_METRICS=1 agents_start
	wait_until 30 agents_reach_all "$MA" || { note "$mode: not converged"; agents_logs 3; return 1; }
	wait_until 10 settled
	probe_start "$MA" "$FAR" 5
	for ((i = 0; i < CUTS; i++)); do
		mapfile -t links < <(path_links)
		n=${#links[@]}
		[ "$n" -gt 0 ] || { note "$mode cut $i: no path found"; continue; }
		read -r a b <<<"${links[i % n]}"
		# u: where the link is taken down: the end nearer the MA on even
		# cuts, the farther one on odd cuts
		if [ "$(hops "$a")" -le "$(hops "$b")" ]; then u=$a v=$b; else u=$b v=$a; fi
		[ $((i % 2)) = 1 ] && { n=$u; u=$v; v=$n; }
		t_cut=$(now_ns)
		if [ "$mode" = down ]; then
			ip -n "$(netns_ns "$u")" link set "$(netns_if "$u" "$v")" down
		else
			netns_switch_block "$u" "$v"
		fi
		wait_until 10 agents_reach "$MA" -t 1 "$FAR" || note "$mode cut $i ($u-$v): $FAR unreachable for 10 s"
		wait_until 5 settled
		t_back=$(now_ns)
		if [ "$mode" = down ]; then
			ip -n "$(netns_ns "$u")" link set "$(netns_if "$u" "$v")" up
		else
			netns_switch_pass "$u" "$v"
		fi
		if ! wait_until 10 nbrs_all_up "$u" || ! wait_until 10 nbrs_all_up "$v"; then
			note "$mode cut $i ($u-$v): neighbours not back"
		fi
		wait_until 10 settled
		cuts+=("$t_cut $t_back $u-$v")
	done
	probe_stop
	for c in "${cuts[@]}"; do
		read -r t_cut t_back n <<<"$c"
		read -r o l s r <<<"$(probe_outage "$t_cut" "$t_back")"
		outs+=("$o")
		lost=$((lost + l))
		note "$mode cut $n (taken down at the first): outage $o ms, $l of $s probes lost in $r run(s)"
	done
	[ ${#outs[@]} -gt 0 ] || return 1
	if printf '%s\n' "${outs[@]}" | grep -q '^-'; then
		note "$mode: some cut never recovered within its window"
	fi
	say "failover_${mode}_median_ms" "$(printf '%s\n' "${outs[@]}" | median)" ms
	say "failover_${mode}_max_ms" "$(printf '%s\n' "${outs[@]}" | max)" ms
	say "failover_${mode}_lost" "$lost" probes
	say "failover_${mode}_cuts" "${#outs[@]}" cuts
}

# ---- configuration ----

# Per node, an operator writes what mms-agent's usage line requires (role,
# name, management address); everything else has a default. Enrollment
# (mms-enroll) is a one-time step per node, like the design's USB key, and
# is not configuration. The benches and tests add --state and --pin only
# because many nodes share one host here.
config_lines() {
	"$MMS_BUILD/mms-agent" --help | head -n 1 | sed 's/\[.*//' | grep -o -- '--[a-z-]*' | wc -l
}

PARTS=${PARTS:-bootstrap down silent config}
for part in $PARTS; do
	case $part in
	bootstrap) bench_bootstrap || echo "bench-agents: bootstrap failed" >&2 ;;
	down|silent) bench_failover "$part" || echo "bench-agents: failover ($part) failed" >&2 ;;
	config) say config_lines "$(config_lines)" lines ;;
	*) echo "bench-agents: unknown part '$part' (bootstrap down silent config)" >&2; exit 1 ;;
	esac
done
