/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Helpers shared by the XDP and TC programs: the one counting exit, the wall
 * clock, neighbour lookup and the writer of the link header an MMS frame
 * leaves with. Written against bpf/mms_ctx.h.
 *
 * Packet words are read and written through plain typed pointers at
 * unaligned offsets (a hop field starts at byte 30): the verifier allows
 * that on architectures with efficient unaligned access, and clang would
 * otherwise split every copy into single bytes.
 */
#ifndef MMS_LIB_H
#define MMS_LIB_H

#include <bpf/bpf_endian.h>
#include "mms_maps.h"

#define NSEC_PER_SEC	1000000000ull
#define ETH_P_8021Q_BE	bpf_htons(0x8100)
#define ETH_P_MMS_BE	bpf_htons(MMS_ETH_P)
#define VLAN_HLEN	4

#define ld16(p)		(*(const __u16 *)(p))
#define ld32(p)		(*(const __u32 *)(p))
#define ld64(p)		(*(const __u64 *)(p))
#define st16(p, v)	(*(__u16 *)(p) = (v))
#define st32(p, v)	(*(__u32 *)(p) = (v))
#define st64(p, v)	(*(__u64 *)(p) = (v))

/* Add one frame of `bytes` to counter s. */
static __always_inline void mms_count(enum mms_stat s, __u32 bytes)
{
	__u32 k = s;
	struct mms_counter *c = bpf_map_lookup_elem(&mms_stats, &k);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

/*
 * The one exit of every program: count the outcome under its name (packets
 * and the bytes of the frame as received) and return the action.
 */
static __always_inline int mms_exit(__u32 bytes, enum mms_stat s, int act)
{
	mms_count(s, bytes);
	return act;
}

/*
 * Drops count through one global function rather than inline: a program
 * has a dozen drop sites and the verifier walks an inlined count at each of
 * them for every state that reaches it, while a global function is verified
 * once. Start-up time is mostly the verifier's (docs/datapath.md, "Start-up
 * cost"); the success exits, on the fast path, stay inline.
 */
__noinline int mms_drop(__u32 bytes, enum mms_stat s)
{
	mms_count(s, bytes);
	return CTX_ACT_DROP;
}

/*
 * mms_cfg[0]. The lookup cannot fail (index 0 of a one-entry array) but the
 * verifier wants the check: callers treat NULL as "no wall clock", under
 * which no route can be shown unexpired.
 */
static __always_inline const struct mms_cfg *mms_cfg_get(void)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&mms_cfg, &k);
}

/*
 * Wall clock in ns: the boot clock (never steps, counts suspend) plus the
 * offset the agent keeps in mms_cfg (mms_dp_sync_clock).
 *
 * Reading the boot clock costs ~50 ns on a VM (a third of the hop budget),
 * while expiry has one-second resolution, so each CPU samples it at most
 * once per jiffy: bpf_jiffies64() is a plain load and says when the sample
 * is stale. The offset is added at every use, so a new offset applies at
 * once; the sample is at most one jiffy (<= 10 ms) old.
 */
struct mms_clock {
	__u64 jiffies;
	__u64 boot_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mms_clock);
} mms_clock SEC(".maps");

/* The boot clock, sampled as above: monotonic, it never steps. */
static __always_inline __u64 mms_boot_ns(void)
{
	__u64 j = bpf_jiffies64();
	struct mms_clock *c;
	__u32 k = 0;

	c = bpf_map_lookup_elem(&mms_clock, &k);
	if (!c)
		return bpf_ktime_get_boot_ns();
	if (c->jiffies != j) {
		c->jiffies = j;
		c->boot_ns = bpf_ktime_get_boot_ns();
	}
	return c->boot_ns;
}

static __always_inline __u64 mms_now_ns(const struct mms_cfg *cfg)
{
	return mms_boot_ns() + cfg->unix_minus_boot_ns;
}

/* now_s >= expiry, without a division: floor(now/1e9) >= E iff now >= E*1e9. */
static __always_inline bool mms_expired(__u64 now_ns, __be32 expiry)
{
	return now_ns >= (__u64)bpf_ntohl(expiry) * NSEC_PER_SEC;
}

static __always_inline const struct mms_nbr *mms_nbr_get(__u32 port)
{
	if (port == MMS_PORT_NONE || port >= MMS_MAX_PORTS)
		return NULL;
	return bpf_map_lookup_elem(&mms_nbrs, &port);
}

static __always_inline __u32 mms_l2_len(const struct mms_nbr *n)
{
	return n->vlan ? MMS_ETH_LEN + VLAN_HLEN : MMS_ETH_LEN;
}

/*
 * Write the link header towards neighbour n at p: destination, source (the
 * two MACs are adjacent in struct mms_nbr, in Ethernet order), an 802.1Q tag
 * with the management PCP on tagged links, and the MMS EtherType: mms_l2_len(n)
 * bytes, which the caller has checked against the end of the packet.
 */
static __always_inline void mms_put_l2(void *p, const struct mms_nbr *n, __u8 pcp)
{
	st64(p, ld64(n->mac));
	st32(p + 8, ld32(n->mac + 8));
	if (n->vlan) {
		st16(p + 12, ETH_P_8021Q_BE);
		st16(p + 14, bpf_htons((__u16)((pcp & 7) << 13 | (n->vlan & 0x0fff))));
		p += VLAN_HLEN;
	}
	st16(p + 12, ETH_P_MMS_BE);
}

/*
 * The length of an MMS frame's link header at data: 14, 18 behind one 802.1Q
 * tag, or 0 when the frame is not MMS (EtherType other than 0x88B5, also
 * inside the tag, or too short to say).
 */
static __always_inline __u32 mms_l2_of(const void *data, const void *end)
{
	if (data + MMS_ETH_LEN > end)
		return 0;
	if (ld16(data + 12) == ETH_P_8021Q_BE)
		return data + MMS_ETH_LEN + VLAN_HLEN <= end && ld16(data + 16) == ETH_P_MMS_BE ?
		       MMS_ETH_LEN + VLAN_HLEN : 0;
	return ld16(data + 12) == ETH_P_MMS_BE ? MMS_ETH_LEN : 0;
}

#endif /* MMS_LIB_H */
