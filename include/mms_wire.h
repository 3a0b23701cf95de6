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
 * detection"). The payload header and body are protected end to end: control
 * messages by the security layer's MACs, IP bearer data (MMS_T_DATA) by the
 * end-to-end tag that leads its body (struct mms_e2e, include/mms_e2e.h),
 * which only the destination's datapath checks.
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
#define MMS_E2E_TAG_LEN		8	/* end-to-end tag at the head of a DATA body */
#define MMS_E2E_LEN		16	/* the tag and the sequence word after it */
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
/* With LAST only: the route may deliver control payloads to the agent but
 * never IP bearer data to mm0. An MA seals its own field of every beacon so:
 * anyone who hears a beacon holds its reverse route, and that route must
 * carry nothing but the rate-limited, authenticated control exchange. */
#define MMS_HOP_CTRL		0x40
#define MMS_HOP_IDX_MASK	0x0f	/* position of the field: must equal nhops - 1 */
#define MMS_HOP_RSVD_MASK	0x30	/* zero */

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
	MMS_T_DATA		= 7,	/* IP bearer: body is struct mms_e2e + an IPv4/IPv6 packet for mm0 */
	MMS_T_NOTIFY		= 8,	/* failure notification up-call */
	MMS_T_MAX
};

struct mms_pl {
	__u8	type;		/* enum mms_type */
	__u8	rsvd;		/* zero */
	__be16	len;		/* body bytes that follow */
};

/*
 * A DATA body: the end-to-end tag, the sequence word, then the IP packet
 * (pl.len = MMS_E2E_LEN + its length, at most MMS_DATA_MAX). tag =
 * SipHash-2-4 under the key the route's source shares with its destination,
 * over the route word (epoch, route tag, type, IP length), the sequence word
 * and the IP packet, as 8 little-endian bytes (include/mms_e2e.h). seq names
 * the node that tagged the frame and counts its frames (include/mms_seq.h).
 * Transit hops never look at either; the destination's datapath refuses a
 * frame whose tag does not verify (DROP_E2E_TAG) and then one whose sequence
 * number it has taken or left behind (DROP_REPLAY).
 */
struct mms_e2e {
	__u8	tag[MMS_E2E_TAG_LEN];
	__be64	seq;		/* producer (16 bits) | counter (48 bits) */
};

/* Largest IP packet a DATA frame carries: what a 16-hop frame leaves on a
 * 1500-byte link, 1208. mm0's MTU. */
#define MMS_DATA_MAX		(1500 - MMS_HDR_LEN - MMS_MAX_HOPS * MMS_HOP_LEN - \
				 MMS_PL_LEN - MMS_E2E_LEN)

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

/* ==================================================================
 * Control-plane message bodies (payload types HELLO .. NOTIFY).
 * Owner: the control plane (agent/msg.c parses and builds them).
 *
 * Every body has the same shape:
 *
 *   fixed part (one struct below, carrying the counts)
 *   arrays     (count x fixed-size element)
 *   extensions ext_len bytes of TLVs {type, len, value[len]}; unknown
 *              types are skipped, so later versions can add fields
 *   trailer    struct mms_auth_tlr + len bytes of authenticator
 *
 * and the body length must equal exactly what the counts say. All fields
 * are big-endian; structs have no implicit padding. Node identities are
 * 128-bit component IDs (struct mms_id). Management addresses are 16-byte
 * IPv6 (IPv4 v4-mapped), as in struct mms_addr.
 * ================================================================== */

struct mms_id {
	__u8	b[16];
};

#define MMS_ROLE_CM		1	/* component manager */
#define MMS_ROLE_MA		2	/* management authority */

/* Authenticator trailer, last in every body. alg 0 = none (len 0); the
 * security layer defines the others (e.g. a 32-byte HMAC-SHA256 or a
 * 64-byte Ed25519 signature). What it covers: every byte of the body before
 * the authenticator bytes (fixed part, arrays, extensions and this trailer
 * header), except for beacons, see struct mms_beacon. */
#define MMS_AUTH_NONE		0
#define MMS_AUTH_MAX		64
struct mms_auth_tlr {
	__u8	alg;		/* MMS_AUTH_* */
	__u8	len;		/* authenticator bytes that follow, <= MMS_AUTH_MAX */
	__be16	key_id;		/* which key signed (epoch, key serial); alg-defined */
};

/* One extension TLV; len counts the value only. */
struct mms_tlv {
	__u8	type;
	__u8	len;
};

/* HELLO (link scope, every hello interval on every port). A neighbour is up
 * when it is heard and its hello names us in `seen` with our port (two-way). */
#define MMS_HELLO_F_TWOWAY	0x01	/* the sender considers the link up */
struct mms_hello {
	struct mms_id id;	/* sender */
	struct mms_id seen;	/* neighbour the sender hears on this link, 0 if none */
	__be16	port;		/* sender's port on this link */
	__be16	seen_port;	/* that neighbour's port as it announced it */
	__be16	hold_ms;	/* declare the sender dead after this long in silence */
	__u8	role;		/* MMS_ROLE_* */
	__u8	flags;		/* MMS_HELLO_F_* */
	__be16	ext_len;
	__u8	rsvd[2];	/* zero */
};

/* BEACON (link scope, flooded from an MA). The frame's route header and hop
 * fields ARE the reverse route to the MA being built (hdr.epoch, expiry,
 * tag; one field per node on the path, the newest first); the body names
 * the nodes on the path so a node can refuse a loop. Body:
 *   struct mms_beacon | path[npath] (struct mms_id, path[0] = the MA) |
 *   extensions | trailer
 * npath must equal the frame's nhops. The MA's authenticator covers only
 * the first MMS_BEACON_COVER bytes (ma, ma_addr, ts_ms, seq: what no CM
 * changes; npath and the path grow hop by hop) and is copied unchanged by
 * every CM. */
#define MMS_BEACON_COVER	44
struct mms_beacon {
	struct mms_id ma;	/* originating MA */
	__u8	ma_addr[16];	/* its management address */
	__be64	ts_ms;		/* MA wall clock at origination, Unix ms */
	__be32	seq;		/* per MA, increasing; a CM takes the first copy */
	__u8	npath;		/* node ids that follow */
	__u8	flags;		/* zero */
	__be16	ext_len;
};

/* BEACON_ACK (routed, CM -> MA over the reverse route just learnt). */
struct mms_beacon_ack {
	struct mms_id cm;	/* acknowledging node */
	struct mms_id ma;	/* the MA that sent the beacon */
	__u8	cm_addr[16];	/* the node's management address */
	__be32	beacon_seq;
	__be32	lsa_seq;	/* the node's current LSA sequence number */
	__u8	role;		/* MMS_ROLE_* of the acknowledging node */
	__u8	flags;		/* zero */
	__be16	ext_len;
};

/* LSA (routed, CM -> every MA). Body: struct mms_lsa | nbrs[nnbr] |
 * extensions (MMS_TLV_NAME) | trailer. A link enters an MA's topology only
 * when both ends list each other with matching ports. */
#define MMS_TLV_NAME		1	/* node name, 1..63 bytes, no NUL */
#define MMS_NAME_MAX		63
struct mms_lsa {
	struct mms_id origin;
	__u8	addr[16];	/* origin's management address */
	__be32	seq;		/* newer replaces older */
	__be16	nnbr;		/* entries that follow */
	__u8	role;		/* MMS_ROLE_* */
	__u8	flags;		/* zero */
	__be16	ext_len;
	__u8	rsvd[2];	/* zero */
};

struct mms_lsa_nbr {
	struct mms_id id;	/* the neighbour */
	__be16	port;		/* origin's port towards it */
	__be16	peer_port;	/* the neighbour's port towards the origin */
	__be16	cost;		/* link cost, >= 1 */
	__u8	flags;		/* zero */
	__u8	rsvd;		/* zero */
};

/* CONTROL (routed, MA -> CM). op ROUTES carries the CM's routes to dst (the
 * MA) in order of preference: struct mms_control | nroutes x (struct
 * mms_ctl_route + nhops hop fields) | extensions | trailer. Every route fits
 * one frame: 4 routes of 16 hops and a 64-byte authenticator are 1204 bytes,
 * under the 1224 a 16-hop frame leaves on a 1500-byte link. */
#define MMS_CTL_ROUTES		1
#define MMS_CTL_F_DEFAULT	0x01	/* the MA offers to relay CM-to-CM traffic */
struct mms_control {
	struct mms_id ma;	/* sender */
	struct mms_id cm;	/* recipient */
	__u8	dst[16];	/* address the routes lead to */
	__be32	seq;		/* per MA, increasing: replays are refused */
	__be32	lsa_seq;	/* acknowledges the recipient's LSA up to this */
	__u8	op;		/* MMS_CTL_* */
	__u8	nroutes;	/* <= MMS_MAX_ALT */
	__u8	flags;		/* MMS_CTL_F_* */
	__u8	rsvd;		/* zero */
	__be16	ext_len;
	__u8	rsvd2[2];	/* zero */
};

struct mms_ctl_route {
	__be16	port;		/* recipient's first-hop port */
	__u8	nhops;		/* 1..MMS_MAX_HOPS fields follow */
	__u8	epoch;
	__be32	expiry;
	__u8	tag[4];
};

/* NOTIFY (routed, CM -> MA): failure up-call. */
#define MMS_NOTIFY_NBR_DOWN	1	/* neighbour nbr on port went away */
#define MMS_NOTIFY_NO_ROUTE	2	/* the datapath had no usable route to addr */
#define MMS_NOTIFY_FAILOVER	3	/* the first route to addr was down, an alternate used */
struct mms_notify {
	struct mms_id origin;
	struct mms_id nbr;	/* subject neighbour, 0 if none */
	__u8	addr[16];	/* subject address, 0 if none */
	__be32	seq;		/* per origin, increasing */
	__be16	port;		/* origin's port concerned, 0 if none */
	__u8	kind;		/* MMS_NOTIFY_* */
	__u8	flags;		/* zero */
	__be16	ext_len;
	__u8	rsvd[2];	/* zero */
};

/* Largest control body: what a 16-hop routed frame leaves on a 1500-byte link. */
#define MMS_BODY_MAX		(1500 - MMS_HDR_LEN - MMS_MAX_HOPS * MMS_HOP_LEN - MMS_PL_LEN)

/* ==================== end of control-plane bodies ==================== */

#define MMS_WIRE_ASSERT(c, m) _Static_assert(c, m)
MMS_WIRE_ASSERT(sizeof(struct mms_hdr) == MMS_HDR_LEN, "mms_hdr size");
MMS_WIRE_ASSERT(sizeof(struct mms_hop_plain) == MMS_HOP_LEN, "mms_hop_plain size");
MMS_WIRE_ASSERT(sizeof(struct mms_hop) == MMS_HOP_LEN, "mms_hop size");
MMS_WIRE_ASSERT(sizeof(struct mms_pl) == MMS_PL_LEN, "mms_pl size");
MMS_WIRE_ASSERT(sizeof(struct mms_e2e) == MMS_E2E_LEN, "mms_e2e size");
MMS_WIRE_ASSERT(MMS_DATA_MAX % 8 == 0, "MMS_DATA_MAX in whole SipHash blocks");
MMS_WIRE_ASSERT(sizeof(struct mms_auth_tlr) == 4, "mms_auth_tlr size");
MMS_WIRE_ASSERT(sizeof(struct mms_hello) == 44, "mms_hello size");
MMS_WIRE_ASSERT(sizeof(struct mms_beacon) == 48, "mms_beacon size");
MMS_WIRE_ASSERT(__builtin_offsetof(struct mms_beacon, npath) == MMS_BEACON_COVER, "beacon cover");
MMS_WIRE_ASSERT(sizeof(struct mms_beacon_ack) == 60, "mms_beacon_ack size");
MMS_WIRE_ASSERT(sizeof(struct mms_lsa) == 44, "mms_lsa size");
MMS_WIRE_ASSERT(sizeof(struct mms_lsa_nbr) == 24, "mms_lsa_nbr size");
MMS_WIRE_ASSERT(sizeof(struct mms_control) == 64, "mms_control size");
MMS_WIRE_ASSERT(sizeof(struct mms_ctl_route) == 12, "mms_ctl_route size");
MMS_WIRE_ASSERT(sizeof(struct mms_notify) == 60, "mms_notify size");

#endif /* MMS_WIRE_H */
