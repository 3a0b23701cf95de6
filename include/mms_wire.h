/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * MMS wire format: the one definition used by the BPF programs (bpf/) and by
 * userspace (agent/, selftests/). docs/wire-format.md explains every field and
 * why the hop field construction meets its security goals.
 *
 * A frame on a link is
 *
 *   Ethernet (ETH_P_MMS) | mms_hdr | nhops x mms_hop | mms_pl | body (pl.len)
 *
 * The first hop field belongs to the receiving node. It carries index
 * nhops - 1 (nhops is the hop pointer: it counts the fields still to be
 * processed); a forwarding node pops its field, so the frame shrinks by 16
 * bytes a hop and only unprocessed fields are ever on the wire. The last
 * field (index 0, MMS_HOP_LAST) is the destination's.
 *
 * The route header and the hop fields are protected hop by hop: every bit of
 * them is checked by the next hop (see docs/wire-format.md, "Tamper
 * detection"). The payload header and body are protected end to end (control
 * messages by the security layer's MACs, IP bearer data by the inner protocol).
 *
 * All multi-byte fields are big-endian. Structures are packed by layout (every
 * field naturally aligned, no implicit padding) so both compilers agree; the
 * static asserts at the bottom pin the sizes.
 */
#ifndef MMS_WIRE_H
#define MMS_WIRE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* IEEE 802 "Local Experimental EtherType 1": no registration, never routed by
 * a stock stack, so non-MMS equipment ignores it. */
#define MMS_ETH_P		0x88B5
#define MMS_VERSION		1

#define MMS_MAX_HOPS		16	/* hop fields in one frame */
#define MMS_HOP_LEN		16	/* one AES block */
#define MMS_HDR_LEN		16
#define MMS_PL_LEN		4
#define MMS_ETH_LEN		14
/* Largest header overhead a frame can carry beyond its body. */
#define MMS_MAX_OVERHEAD	(MMS_ETH_LEN + MMS_HDR_LEN + \
				 MMS_MAX_HOPS * MMS_HOP_LEN + MMS_PL_LEN)

/*
 * Scope codes are two bits apart so that no single bit error turns a routed
 * frame into a link-scoped one (which skips hop verification) or back.
 */
#define MMS_SCOPE_LINK		0x03	/* for the receiving node's agent; no hop is processed */
#define MMS_SCOPE_ROUTE		0x05	/* source routed: the receiver processes the first hop field */

/* mms_hdr.flags: zero on the wire. The XDP program sets MMS_F_VERIFIED on a
 * routed frame it delivers to the local agent after verifying its hop, and
 * drops any frame that arrives with a flag set. */
#define MMS_F_VERIFIED		0x80

struct mms_hdr {
	__u8	ver;		/* MMS_VERSION */
	__u8	scope;		/* MMS_SCOPE_* */
	__u8	flags;		/* MMS_F_*, zero on the wire */
	__u8	nhops;		/* hop fields that follow; the first is the receiver's */
	__u8	epoch;		/* key epoch every hop field of this route was sealed with */
	__u8	rsvd[3];	/* zero */
	__be32	expiry;		/* route expiry, seconds since the Unix epoch */
	__u8	tag[4];		/* route tag: random per route, bound into every hop */
};

/*
 * A hop field is one AES-128 block C = E_K(P) under the processing node's hop
 * key K for hdr.epoch. Its plaintext:
 */
#define MMS_HOP_LAST		0x80	/* deliver here: this is the destination */
#define MMS_HOP_IDX_MASK	0x0f	/* position of the field: must equal nhops - 1 */
#define MMS_HOP_RSVD_MASK	0x70	/* zero */

struct mms_hop_plain {
	__be16	egress;		/* port (neighbour slot) to forward to; 0 when LAST */
	__be16	ingress;	/* port the frame must have arrived from */
	__u8	ctl;		/* MMS_HOP_LAST | index */
	__u8	chain[3];	/* mms_hop_fold of all following fields, 0 when LAST */
	__be32	expiry;		/* == hdr.expiry */
	__u8	tag[4];		/* == hdr.tag */
};

struct mms_hop {
	__u8	c[MMS_HOP_LEN];	/* ciphertext */
};

/* Payload types (mms_pl.type). */
enum mms_type {
	MMS_T_HELLO		= 1,	/* neighbour discovery, link scope */
	MMS_T_BEACON		= 2,	/* path explorer from an MA, link scope */
	MMS_T_BEACON_ACK	= 3,	/* CM -> MA over the reverse route */
	MMS_T_LSA		= 4,	/* CM -> MA link-state advertisement */
	MMS_T_AUTH		= 5,	/* enrollment / challenge-response */
	MMS_T_CONTROL		= 6,	/* MA -> CM agent control (routes, keys, commands) */
	MMS_T_DATA		= 7,	/* IP bearer: body is an IPv4 or IPv6 packet for mm0 */
	MMS_T_NOTIFY		= 8,	/* failure notification up-call */
	MMS_T_MAX
};

struct mms_pl {
	__u8	type;		/* enum mms_type */
	__u8	rsvd;		/* zero */
	__be16	len;		/* body bytes that follow */
};

/*
 * Chain value of a hop field: a 24-bit fold of every field that follows it
 * (all hops still to come). Let y be the XOR of all 32-bit big-endian words
 * of those fields; chain = (y >> 8) ^ (y & 0xff). A single-bit change
 * anywhere downstream flips exactly one bit of y and so one bit of chain:
 * the very next hop notices any accidental flip in the rest of the route,
 * while a deliberate change is caught cryptographically by the hop that owns
 * the field. XOR commutes with byte swapping, so BPF can XOR native words and
 * swap once.
 */
static inline __u32 mms_chain_of_word(__u32 y)
{
	return ((y >> 8) ^ (y & 0xff)) & 0xffffff;
}

static inline __u32 mms_hop_fold(const __u8 *fields, unsigned int n)
{
	__u32 y = 0;

	for (unsigned int i = 0; i < n * MMS_HOP_LEN; i += 4)
		y ^= (__u32)fields[i] << 24 | (__u32)fields[i + 1] << 16 |
		     (__u32)fields[i + 2] << 8 | fields[i + 3];
	return mms_chain_of_word(y);
}

/* Ports are neighbour slots, local to a node. Port 0 is never a neighbour. */
#define MMS_PORT_NONE		0
#define MMS_MAX_PORTS		256

#define MMS_WIRE_ASSERT(c, m) _Static_assert(c, m)
MMS_WIRE_ASSERT(sizeof(struct mms_hdr) == MMS_HDR_LEN, "mms_hdr size");
MMS_WIRE_ASSERT(sizeof(struct mms_hop_plain) == MMS_HOP_LEN, "mms_hop_plain size");
MMS_WIRE_ASSERT(sizeof(struct mms_hop) == MMS_HOP_LEN, "mms_hop size");
MMS_WIRE_ASSERT(sizeof(struct mms_pl) == MMS_PL_LEN, "mms_pl size");

#endif /* MMS_WIRE_H */
