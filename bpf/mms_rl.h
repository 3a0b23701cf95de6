/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Budgets for the control frames the XDP program passes to the agent
 * (LINK_AGENT, DELIVER_AGENT), so that one neighbour flooding hellos,
 * beacons, challenges or routed control frames can neither starve the agent
 * nor crowd out the other neighbours' control frames. A frame is charged to
 * three token buckets in turn (limits in mms_cfg.rl[class], rate 0 = level
 * off), each kept per class (link scope, routed, transit):
 *
 *   sender  mms_rl_nbr[(ingress ifindex, source MAC, class)]   LRU hash
 *   link    mms_rl_link[(ingress ifindex, class)]              hash
 *   node    mms_rl_node[class]                                 array
 *
 * and is DROP_RATELIMIT as soon as one refuses it (tokens taken at earlier
 * levels stay taken). Each bucket counts what it passed and refused, so
 * `mmsctl ratelimit show` names the sender and the level that dropped.
 *
 * Why two classes. Link-scope frames reach the agent with no check at all,
 * cost it a signature check each (hellos and beacons carry authenticators)
 * and legitimately come at a few per second per neighbour; routed control
 * frames carry a verified hop field, and at an MA every node's beacon acks
 * and LSAs arrive through its few neighbours, so their budget must be far
 * larger. One budget for both would have to be the larger one, open to the
 * cheapest flood; and a link-scope flood would crowd out the routed control
 * a neighbour relays for the nodes behind it.
 *
 * Why transit. Every control frame a node forwards towards the next is
 * charged there to this node, so whoever sends most through us takes the
 * next node's routed budget from everyone behind us: a rogue that heard a
 * beacon holds its reverse route and could flood the MA over it, and every
 * honest node's handshake behind the same relay would starve. Charged here
 * per neighbour, with half of the next node's per-neighbour budget
 * (agent/ratelimit.c), one neighbour takes at most that share.
 *
 * Why three levels. A routed control frame's source MAC is verified (it is
 * the ingress port's neighbour, DROP_INGRESS otherwise), a link-scope frame's
 * is not: a flooder can make up a new MAC for every frame, and a per-sender
 * bucket alone would give each made-up sender a full burst. The link bucket
 * is keyed by what no frame can forge, the interface it arrived on, so on a
 * point-to-point link whatever one neighbour sends is bounded by its link's
 * budget, and another link's neighbours are untouched. The node bucket
 * bounds the sum for the agent.
 *
 * Why the sender table may evict. It must be bounded, and senders are
 * whatever MACs arrive. Eviction forgets a bucket, and a forgotten sender
 * starts again with a full one: it can only let more of that sender's frames
 * through, never fewer, so no sender, however many others come and go, can
 * make a legitimate neighbour's frames drop by evicting its entry. The one
 * who gains from eviction is a flooder that churns the table to refill its
 * own bucket, and what it gains is capped by its link bucket, which lives in
 * a table no frame can grow (an entry per interface and class), never evicted.
 * A sender new to the table enters through the link and node buckets before
 * it gets an entry, so a made-up-MAC flood inserts at most its link's rate of
 * entries. A plain hash instead would fill up once and then refuse every new
 * neighbour a bucket.
 *
 * Why one shared bucket per key with atomics, not per-CPU buckets. Frames of
 * one sender may be spread over CPUs (RSS, veth NAPI on the sender's CPU);
 * per-CPU buckets would either split the budget (each CPU rate/ncpu: a
 * sender on one queue gets a fraction) or multiply it (each CPU the full
 * rate: an attacker spreading frames over queues gets ncpu times as much).
 * A shared bucket is exact. The algorithm (GCRA, struct mms_rl_bucket) needs
 * one 64-bit word: a frame over budget only reads it (plus one atomic add to
 * `dropped`), a frame within budget does one atomic fetch-add, so a flood
 * costs no compare-and-swap loops and no lock, and the word is written at
 * most at the budget's rate by passing frames.
 *
 * Time is the boot clock (mms_boot_ns: sampled once per jiffy, so a flood
 * costs no clock reads), not the wall clock that route expiry uses. A
 * budget needs durations only, and the wall clock's offset (mms_cfg.
 * unix_minus_boot_ns) is rewritten whenever the agent starts (pinned
 * buckets survive that) or a test pins it: a step back of s between tau + I
 * and tau + I + MMS_RL_SKEW_NS used to leave every bucket refusing frames
 * for about s - tau (bench_xdp's link_rl_pass_ns lost 25-40 % of its frames
 * at the maximum rate and burst, its clock re-pinned before every run). The
 * boot clock never steps. CPUs' samples differ by up to a jiffy, which moves
 * a token's time by as much but neither makes nor loses tokens over time;
 * because of that granule a burst must hold at least a jiffy's worth of the
 * rate (mms_rl_limit_parse refuses less: the bucket could pass no more than
 * burst per jiffy). A bucket whose tat lies beyond anything a conforming
 * frame can leave (now + tau + I, plus MMS_RL_SKEW_NS) cannot come from
 * this clock: lowering a level's rate, or a bucket written by hand, can
 * leave one; it is reset to full rather than left refusing frames.
 */
#ifndef MMS_RL_H
#define MMS_RL_H

#include "mms_lib.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MMS_RL_SENDERS);
	__type(key, struct mms_rl_key);
	__type(value, struct mms_rl_bucket);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mms_rl_nbr SEC(".maps");

/* Two entries (classes) per interface the program runs on; when full (more
 * interfaces than ports), a new interface has no link level. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MMS_RL_CLASSES * MMS_MAX_PORTS);
	__type(key, struct mms_rl_link_key);
	__type(value, struct mms_rl_bucket);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mms_rl_link SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MMS_RL_CLASSES);
	__type(key, __u32);
	__type(value, struct mms_rl_bucket);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mms_rl_node SEC(".maps");

/* Take one token from b; false (and counted) if it has none. */
static __always_inline bool mms_rl_take(struct mms_rl_bucket *b, const struct mms_rl_limit *l,
					__u64 now)
{
	__u64 iv = NSEC_PER_SEC / l->rate, tau = (l->burst ? l->burst - 1 : 0) * iv;
	__u64 t = *(volatile __u64 *)&b->tat, prev;

	if (t < now || t > now + tau + iv + MMS_RL_SKEW_NS) {
		/* Full (idle since t), or the clock stepped back: start from
		 * now. Losing this race to another CPU is fine, it moved tat. */
		__sync_val_compare_and_swap(&b->tat, t, now);
	} else if (t > now + tau) {
		__sync_fetch_and_add(&b->dropped, 1);
		return false;
	}
	prev = __sync_fetch_and_add(&b->tat, iv);
	if (prev > now + tau) {
		/* Another CPU took the last token between our read and add. */
		__sync_fetch_and_add(&b->tat, -iv);
		__sync_fetch_and_add(&b->dropped, 1);
		return false;
	}
	__sync_fetch_and_add(&b->passed, 1);
	return true;
}

/* The bucket of `key` in a hash map, made (full) if there is none yet;
 * NULL if the map is full. */
static __always_inline struct mms_rl_bucket *mms_rl_get(void *map, const void *key)
{
	struct mms_rl_bucket *b = bpf_map_lookup_elem(map, key), full = { 0 };

	if (b)
		return b;
	/* Another CPU may make it first: then we share that one. */
	bpf_map_update_elem(map, key, &full, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

/*
 * Charge a control frame of class cls (enum mms_rl_class) from (ifindex,
 * MAC `src`: the six bytes of the source address as loaded from the frame)
 * to its budgets. Returns true if it may go to the agent. A global
 * subprogram: both agent exits of mms_xdp call it, and it is verified once
 * (bpf/mms_hop.h, "Verification cost").
 */
__noinline bool mms_rl_admit(__u32 ifindex, __u64 src, __u32 cls)
{
	const struct mms_cfg *cfg = mms_cfg_get();
	struct mms_rl_link_key lkey = { .ifindex = ifindex, .cls = cls };
	struct mms_rl_key key = { .ifindex = ifindex, .cls = (__u8)cls };
	struct mms_rl_bucket *nb = NULL, *b;
	const struct mms_rl_limit *l;
	__u64 now;

	if (!cfg || cls >= MMS_RL_CLASSES)
		return true;	/* cannot happen: a one-entry array, our own constants */
	l = cfg->rl[cls];
	if (!l[MMS_RL_NBR].rate && !l[MMS_RL_LINK].rate && !l[MMS_RL_NODE].rate)
		return true;
	now = mms_boot_ns();
	st32(key.mac, (__u32)src);
	st16(key.mac + 4, (__u16)(src >> 32));

	if (l[MMS_RL_NBR].rate) {
		nb = bpf_map_lookup_elem(&mms_rl_nbr, &key);
		if (nb && !mms_rl_take(nb, &l[MMS_RL_NBR], now))
			return false;
	}
	if (l[MMS_RL_LINK].rate) {
		b = mms_rl_get(&mms_rl_link, &lkey);
		if (b && !mms_rl_take(b, &l[MMS_RL_LINK], now))
			return false;
	}
	if (l[MMS_RL_NODE].rate) {
		b = bpf_map_lookup_elem(&mms_rl_node, &cls);
		if (b && !mms_rl_take(b, &l[MMS_RL_NODE], now))
			return false;
	}
	if (l[MMS_RL_NBR].rate && !nb) {
		/* A sender new to the table, admitted by the link and the
		 * node: its bucket starts full, less this frame. */
		b = mms_rl_get(&mms_rl_nbr, &key);
		if (b && !mms_rl_take(b, &l[MMS_RL_NBR], now))
			return false;	/* only if another CPU filled it meanwhile */
	}
	return true;
}

#endif /* MMS_RL_H */
