// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mm0 to the links (TC): an IP packet the stack sends on mm0 leaves as an
 * MMS frame on a physical link. The loader attaches this program at the
 * ingress of mm0p, the outer side of the pair, not at mm0's egress: by the
 * time a packet has crossed the pair the stack has completed its checksum
 * and segmentation (validate_xmit_skb runs after the egress hook), and a
 * frame enters the next node through XDP, where neither could be done.
 *
 *   destination -> mms_routes[dst] (IPv4 v4-mapped), else the default route
 *   (all-zero key) -> the first alternate whose first-hop port is up and
 *   which has not expired -> Ethernet [802.1Q] | mms_hdr | hop fields |
 *   mms_pl(DATA) | end-to-end tag under the route's key | this node's next
 *   sequence word | the IP packet -> redirect to the egress device.  ENCAP
 *
 * mm0 is NOARP, so the Ethernet header the stack wrote carries no
 * information beyond its EtherType; it is replaced. Multicast and link-local
 * destinations (neighbour discovery and the like) are dropped without an
 * event; other packets without a usable route raise MMS_EV_NO_ROUTE, at most
 * once per destination and mms_ev_interval_ns, so the agent can ask for one.
 * A GSO packet (the loader keeps mm0 from producing any) is DROP_TOO_BIG.
 */
#define MMS_CTX_SKB
#include "mms_e2e.h"

#define ETH_P_IP_BE	bpf_htons(0x0800)
#define ETH_P_IPV6_BE	bpf_htons(0x86DD)
#define IPV4_HLEN	20
#define IPV6_HLEN	40

const volatile __u64 mms_ev_interval_ns = NSEC_PER_SEC;

/* Last event per destination (monotonic ns: the wall clock may step), for
 * the rate limit. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct mms_addr);
	__type(value, __u64);
} mms_ev_last SEC(".maps");

/* Tell the agent about dst, at most once per mms_ev_interval_ns. ts_ns is
 * wall-clock time. Off the fast path: only packets that are dropped or took
 * an alternate get here. A global function, verified once rather than at
 * both call sites for every state reaching them (start-up cost). */
__noinline int mms_event(__u32 type, const struct mms_addr *a, __u32 port, __u64 now)
{
	__u64 mono = bpf_ktime_get_ns(), *last;
	struct mms_event *e;

	if (!a)		/* a global function's pointer may be NULL */
		return 0;
	last = bpf_map_lookup_elem(&mms_ev_last, a);
	if (last && mono - *last < mms_ev_interval_ns)
		return 0;
	bpf_map_update_elem(&mms_ev_last, a, &mono, BPF_ANY);
	e = bpf_ringbuf_reserve(&mms_events, sizeof(*e), 0);
	if (!e) {
		mms_count(MMS_S_EVENT_LOST, 0);
		return 0;
	}
	e->type = type;
	e->port = port;
	e->ts_ns = now;
	__builtin_memcpy(&e->addr, a, sizeof(*a));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/*
 * The destination as a route key. Returns 1 for a unicast destination, 0
 * for one that is never routed (multicast, broadcast, link-local), or the
 * negative counter to drop with. A frame to a group MAC is never routed
 * either, whatever its IP destination: the stack meant it for many.
 */
static __always_inline int mms_dst_key(const void *data, const void *end, struct mms_addr *k)
{
	__be16 proto = ld16(data + 12);
	const __u8 *ip = data + MMS_ETH_LEN, *d;
	bool group = *(const __u8 *)data & 1;

	if (proto == ETH_P_IP_BE) {
		if ((const void *)ip + IPV4_HLEN > end)
			return -MMS_S_DROP_TRUNCATED;
		if (ip[0] >> 4 != 4)
			return -MMS_S_DROP_NOT_IP;
		d = ip + 16;
		if (group || (d[0] & 0xf0) == 0xe0 || ld32(d) == 0xffffffff ||
		    (d[0] == 169 && d[1] == 254))
			return 0;
		k->a[10] = 0xff;
		k->a[11] = 0xff;
		st32(&k->a[12], ld32(d));
		return 1;
	}
	if (proto == ETH_P_IPV6_BE) {
		if ((const void *)ip + IPV6_HLEN > end)
			return -MMS_S_DROP_TRUNCATED;
		if (ip[0] >> 4 != 6)
			return -MMS_S_DROP_NOT_IP;
		d = ip + 24;
		if (group || d[0] == 0xff || (d[0] == 0xfe && (d[1] & 0xc0) == 0x80))
			return 0;
		st64(&k->a[0], ld64(d));
		st64(&k->a[8], ld64(d + 8));
		return 1;
	}
	return -MMS_S_DROP_NOT_IP;
}

/*
 * Index of the first usable alternate (port up, sane hop count, not
 * expired), or -1; *down_port gets the first alternate skipped for a down
 * port. An index rather than a pointer: the caller's one variable-offset
 * pointer is one verifier state where a pointer per alternate would be four,
 * each walking the rest of the program again (start-up time goes to the
 * verifier, docs/datapath.md "Start-up cost").
 */
_Static_assert((MMS_MAX_ALT & (MMS_MAX_ALT - 1)) == 0, "the caller masks the index");

static __always_inline int mms_route_pick(const struct mms_route_set *set, __u64 now,
					  __u32 *down_port)
{
	__u32 n = set->n;

#pragma unroll
	for (__u32 i = 0; i < MMS_MAX_ALT; i++) {
		const struct mms_route *r = &set->r[i];
		const struct mms_nbr *nbr;

		if (i >= n)
			break;
		nbr = mms_nbr_get(r->port);
		if (!nbr || nbr->state != MMS_NBR_UP) {
			if (!*down_port)
				*down_port = r->port;
			continue;
		}
		if (r->nhops == 0 || r->nhops > MMS_MAX_HOPS || mms_expired(now, r->expiry))
			continue;
		return (int)i;
	}
	return -1;
}

/* Force the DSCP of the inner packet, keeping ECN; the IPv4 checksum is
 * updated (IPv6 has none over its header). mms_dst_key() has checked the
 * version and header length already. */
static __always_inline int mms_set_dscp(struct __sk_buff *skb, __u8 dscp)
{
	void *data = ctx_data(skb), *end = ctx_data_end(skb);
	__u8 *ip = data + MMS_ETH_LEN;
	__be16 old;

	if ((void *)ip + IPV4_HLEN > end)
		return -1;
	old = ld16(ip);
	if (ip[0] >> 4 == 4) {
		ip[1] = (__u8)(dscp << 2 | (ip[1] & 3));
		return bpf_l3_csum_replace(skb, MMS_ETH_LEN + 10, old, ld16(ip), 2);
	}
	/* IPv6: version(4) traffic class(8) flow label(20); class = DSCP|ECN */
	ip[0] = (__u8)(0x60 | dscp >> 2);
	ip[1] = (__u8)((dscp & 3) << 6 | (ip[1] & 0x3f));
	return 0;
}

/*
 * The next counter value of this node (include/mms_seq.h): at least the
 * clock, above every value handed out before. A compare-and-swap moves the
 * word from what was read to max(it, clock) + 1, so values stay unique and
 * increasing whichever CPUs send at once, and the counter follows the
 * clock while the node sends less than one frame per unit (so that frames
 * of CPUs racing around a jump forward stay close in value). A CPU that
 * loses the race three times falls back to a plain fetch-and-add, which is
 * unique too (each atomic operation hands out its own values). 0 when the
 * map cannot be read (it always can: index 0 of a one-entry array).
 * Global: verified once, not once for each way the loop can go.
 */
__noinline __u64 mms_seq_next(__u64 now_ns)
{
	__u64 clk = mms_seq_clock(now_ns), old, want;
	__u32 k = 0;
	__u64 *c = bpf_map_lookup_elem(&mms_seq, &k);

	if (!c)
		return 0;
#pragma unroll
	for (int i = 0; i < 3; i++) {
		old = *(volatile __u64 *)c;
		want = old > clk ? old : clk;
		if (__sync_val_compare_and_swap(c, old, want + 1) == old)
			return want;
	}
	return __sync_fetch_and_add(c, 1);
}

SEC("tc")
int mms_tc(struct __sk_buff *skb)
{
	void *data = ctx_data(skb), *end = ctx_data_end(skb);
	__u32 len = ctx_len(skb), nhops, nl2, grow, down_port = 0;
	const struct mms_route_set *set;
	const struct mms_route *r = NULL;
	const struct mms_nbr *nbr = NULL;
	const struct mms_cfg *cfg;
	struct mms_addr dst = {};
	struct mms_hdr hdr = {};
	struct mms_e2e_io io;
	__u32 mtu_len = 0;
	void *pl;
	__u64 now, seq;
	int rc;

	if (data + MMS_ETH_LEN > end)
		return mms_drop(len, MMS_S_DROP_NOT_IP);
	rc = mms_dst_key(data, end, &dst);
	if (rc < 0)
		return mms_drop(len, (enum mms_stat)-rc);
	if (rc == 0)
		return mms_drop(len, MMS_S_DROP_NO_ROUTE);

	cfg = mms_cfg_get();
	if (!cfg)
		return mms_drop(len, MMS_S_DROP_NO_ROUTE);
	now = mms_now_ns(cfg);
	set = bpf_map_lookup_elem(&mms_routes, &dst);
	if (!set) {
		struct mms_addr any = {};

		set = bpf_map_lookup_elem(&mms_routes, &any);
	}
	if (set) {
		int i = mms_route_pick(set, now, &down_port);

		if (i >= 0) {
			r = &set->r[i & (MMS_MAX_ALT - 1)];
			nbr = mms_nbr_get(r->port);
		}
	}
	if (!r || !nbr) {
		mms_event(MMS_EV_NO_ROUTE, &dst, down_port, now);
		return mms_drop(len, MMS_S_DROP_NO_ROUTE);
	}
	if (down_port)
		mms_event(MMS_EV_PORT_DOWN, &dst, down_port, now);

	nhops = r->nhops;
	if (nhops == 0 || nhops > MMS_MAX_HOPS)	/* re-read of map memory: bound again */
		return mms_drop(len, MMS_S_DROP_NO_ROUTE);
	nl2 = mms_l2_len(nbr);
	grow = nl2 - MMS_ETH_LEN + MMS_HDR_LEN + nhops * MMS_HOP_LEN + MMS_PL_LEN + MMS_E2E_LEN;
	if (ctx_field(skb, gso_size) || len - MMS_ETH_LEN > MMS_DATA_MAX)
		return mms_drop(len, MMS_S_DROP_TOO_BIG);
	/* The link MTU bounds what follows the link header, tag excluded. */
	rc = bpf_check_mtu(skb, nbr->ifindex, &mtu_len, (__s32)(grow - (nl2 - MMS_ETH_LEN)), 0);
	if (rc < 0)
		return mms_drop(len, MMS_S_DROP_REDIRECT);
	if (rc > 0)
		return mms_drop(len, MMS_S_DROP_TOO_BIG);
	if (cfg->dscp != MMS_DSCP_KEEP && mms_set_dscp(skb, cfg->dscp))
		return mms_drop(len, MMS_S_DROP_NOT_IP);
	/* The tag covers the packet as it leaves (DSCP included), all of it
	 * in the linear part where the program can read it. */
	if (bpf_skb_pull_data(skb, len))
		return mms_drop(len, MMS_S_DROP_REDIRECT);
	seq = mms_seq_next(now);
	if (!seq)
		return mms_drop(len, MMS_S_DROP_REDIRECT);
	seq = mms_seq_word(cfg->producer, seq);
	io.key = r->e2e;
	io.w0 = mms_e2e_w0(r->epoch, r->tag, MMS_T_DATA, (__u16)(len - MMS_ETH_LEN));
	io.w1 = mms_e2e_w1(seq);
	if (mms_e2e_sum(skb, MMS_ETH_LEN, len - MMS_ETH_LEN, &io))
		return mms_drop(len, MMS_S_DROP_REDIRECT);

	hdr.ver = MMS_VERSION;
	hdr.scope = MMS_SCOPE_ROUTE;
	hdr.nhops = (__u8)nhops;
	hdr.epoch = r->epoch;
	hdr.expiry = r->expiry;
	st32(hdr.tag, ld32(r->tag));
	if (bpf_skb_change_head(skb, grow, 0))
		return mms_drop(len, MMS_S_DROP_REDIRECT);
	if (bpf_skb_store_bytes(skb, nl2 + MMS_HDR_LEN, r->hops, nhops * MMS_HOP_LEN, 0))
		return mms_drop(len, MMS_S_DROP_REDIRECT);
	data = ctx_data(skb);
	end = ctx_data_end(skb);
	pl = data + nl2 + MMS_HDR_LEN + nhops * MMS_HOP_LEN;
	if (data + MMS_ETH_LEN + VLAN_HLEN + MMS_HDR_LEN > end ||
	    pl + MMS_PL_LEN + MMS_E2E_LEN > end)
		return mms_drop(len, MMS_S_DROP_REDIRECT);
	mms_put_l2(data, nbr, cfg->pcp);
	st64(data + nl2, ld64(&hdr));
	st64(data + nl2 + 8, ld64((void *)&hdr + 8));
	((struct mms_pl *)pl)->type = MMS_T_DATA;
	((struct mms_pl *)pl)->rsvd = 0;
	((struct mms_pl *)pl)->len = bpf_htons((__u16)(len - MMS_ETH_LEN + MMS_E2E_LEN));
	st64(pl + MMS_PL_LEN, mms_le64(io.tag));
	st64(pl + MMS_PL_LEN + MMS_E2E_TAG_LEN, bpf_cpu_to_be64(seq));
	ctx_field(skb, priority) = cfg->prio;
	return mms_exit(len, MMS_S_ENCAP, bpf_redirect(nbr->ifindex, 0));
}

/*
 * Data service off on a NIC (mmsctl data off), the sending half: attached
 * at the TC egress of such NICs only, never at start-up, it drops every
 * frame this node sends there that is not MMS (the stack's IP, ARP, a VLAN
 * device's traffic) and lets MMS frames through: the agent's, and mms_tc's
 * encapsulated ones, which pass this hook after their redirect. Frames
 * mms_xdp forwards leave through the devmap and never reach it. Checks the
 * map, not the count, as it only runs where an entry is (or was, for the
 * moment between `data on` and its detach).
 */
SEC("tc")
int mms_data_off_tx(struct __sk_buff *skb)
{
	__u32 len = ctx_len(skb), ifindex = ctx_field(skb, ifindex);

	if (mms_l2_of(ctx_data(skb), ctx_data_end(skb)) ||
	    !bpf_map_lookup_elem(&mms_data_off, &ifindex))
		return CTX_ACT_OK;
	return mms_drop(len, MMS_S_DROP_DATA_OFF_TX);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
