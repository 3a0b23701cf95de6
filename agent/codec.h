/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * MMS codec: builds onion routes and frames, appends a node's own hop to a
 * beacon, and models exactly what the XDP program does with a received frame
 * (mms_process), so the agent, the tests and the simulator share one
 * reference implementation. I/O free; OpenSSL only for the AES encryption
 * used to seal hop fields and derive end-to-end keys.
 */
#ifndef MMS_CODEC_H
#define MMS_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mms_kern_user.h"
#include "dreplay.h"

#define MMS_KEY_LEN 16

/* Seal one hop field: C = AES-128-E_key(P). Returns 0 or -EIO. */
int mms_hop_seal(const __u8 key[MMS_KEY_LEN], const struct mms_hop_plain *p,
		 struct mms_hop *out);
/* Open one hop field with a decryption schedule: P = AES-128-D(C). */
void mms_hop_open(const __u32 rk[MMS_AES_RK_WORDS], const struct mms_hop *c,
		  struct mms_hop_plain *out);
/* Decryption schedule for a hop key, as installed in mms_keys, with the
 * end-to-end key that checks DATA delivered here (MMS_E2E_DOWN of the same
 * key). valid stays 0 if the derivation failed. */
void mms_key_schedule(const __u8 key[MMS_KEY_LEN], struct mms_key *k, __u8 epoch);
/* The key a schedule was made from (its last round key is the key itself):
 * a restarted agent takes back the keys its datapath still holds.
 * -ENOKEY when the slot holds no key. */
int mms_key_recover(const struct mms_key *k, __u8 key[MMS_KEY_LEN]);

/*
 * End-to-end DATA keys (docs/security.md, "End-to-end tags"). Both come
 * from a CM's hop key for an epoch, which the CM and the MAs it sent it to
 * hold and nobody else (not the relays on its routes):
 *   MMS_E2E_DOWN  tags MA -> CM data: the MA's route to the CM, checked by
 *                 the CM (mms_key.e2e of its own slot);
 *   MMS_E2E_UP    tags CM -> MA data: the CM's routes to its MAs, checked
 *                 by the MA (mms_route_set.rx of the CM's set).
 * key = first 16 bytes of HMAC-SHA256(hop key, "MMS-E2E-v1" | dir). 0 or -EIO.
 */
enum mms_e2e_dir {
	MMS_E2E_DOWN = 1,
	MMS_E2E_UP = 2,
};
int mms_e2e_derive(const __u8 hop_key[MMS_KEY_LEN], enum mms_e2e_dir dir,
		   struct mms_e2e_key *out);
/* SipHash-2-4 of msg[0..len) (the reference function, for tests). */
__u64 mms_siphash24(const struct mms_e2e_key *k, const void *msg, size_t len);
/* The end-to-end tag of an IP packet sent on a route with sequence word seq
 * (include/mms_e2e.h, include/mms_seq.h). */
__u64 mms_e2e_mac(const struct mms_e2e_key *k, __u8 epoch, const __u8 tag[4], __u8 type,
		  __u64 seq, const __u8 *ip, size_t ip_len);

/* The producer number a node puts in the sequence words of the DATA it tags
 * (include/mms_seq.h): 16 bits of SHA-256 of its id, so that the MAs of one
 * CM, which all tag under its key, have separate windows there. */
__u16 mms_seq_producer(const struct mms_id *id);

/* One node on a route being built, in travel order after the sender. */
struct mms_hop_spec {
	const __u8 *key;	/* the node's 16-byte hop key for the route's epoch */
	__u16 ingress;		/* the node's port the frame arrives from */
	__u16 egress;		/* the node's port to forward to; ignored for the last */
};

/*
 * Build a route of n (1..MMS_MAX_HOPS) hops: spec[0] is the first node after
 * the sender, spec[n-1] the destination. first_port is the sender's port.
 * Returns 0, or -EINVAL for bad arguments, -EIO if the cipher failed.
 */
int mms_route_build(struct mms_route *rt, __u16 first_port,
		    const struct mms_hop_spec *spec, int n, __u8 epoch,
		    __u32 expiry, const __u8 tag[4]);

/*
 * Beacons carry the reverse route to the MA as it grows. The MA starts it
 * with its own LAST field (index 0); each CM puts its own field in front
 * (index = fields so far), sealed with its own key only:
 *   egress  = the port the beacon arrived on (towards the MA),
 *   ingress = the port the beacon is re-flooded on (where the reversed frame
 *             will come back from).
 * hops/nhops is the frame-order field array, updated in place.
 * Returns 0, -ENOSPC when MMS_MAX_HOPS fields are there already, -EIO.
 */
int mms_beacon_push_hop(struct mms_hop *hops, __u8 *nhops, const __u8 key[MMS_KEY_LEN],
			__u16 egress, __u16 ingress, __u32 expiry, const __u8 tag[4]);

/* Frame building: eth | hdr | hops | pl | body. Returns the frame length or
 * -ENOSPC if cap is too small, -EINVAL for bad arguments. */
struct mms_frame_spec {
	const __u8 *dst_mac, *src_mac;
	__u8 scope;			/* MMS_SCOPE_LINK or MMS_SCOPE_ROUTE */
	__u8 epoch;
	__u8 nhops;
	__u32 expiry;
	const __u8 *tag;		/* 4 bytes, may be NULL for zero */
	const struct mms_hop *hops;	/* frame order */
	__u8 type;			/* enum mms_type */
	const void *body;
	__u16 body_len;
};
int mms_frame_build(__u8 *buf, size_t cap, const struct mms_frame_spec *fs);
/* Convenience: a routed frame along rt. */
int mms_frame_route(__u8 *buf, size_t cap, const struct mms_route *rt,
		    const __u8 dst_mac[6], const __u8 src_mac[6],
		    __u8 type, const void *body, __u16 body_len);
/* A DATA frame along rt carrying an IP packet with sequence word seq
 * (mms_seq_word()), tagged with rt->e2e. Length, -ENOSPC, -EINVAL (ip_len 0
 * or over MMS_DATA_MAX). */
int mms_frame_data(__u8 *buf, size_t cap, const struct mms_route *rt,
		   const __u8 dst_mac[6], const __u8 src_mac[6], __u64 seq,
		   const void *ip, __u16 ip_len);

/* ---- The reference model of one node's XDP program ---- */

/* What a node knows, mirroring its BPF maps. */
struct mms_node_view {
	const struct mms_key *keys;	/* MMS_EPOCH_SLOTS entries */
	const struct mms_nbr *nbrs;	/* MMS_MAX_PORTS entries */
	const struct mms_cfg *cfg;	/* for PCP on tagged links */
	__u64 now_s;			/* wall clock, seconds */
	__u32 ingress_ifindex;		/* where the frame arrived */
	bool data_off;			/* mms_data_off holds ingress_ifindex (read,
					 * like the map, only if cfg->data_off != 0) */
	/* mms_routes[a], or NULL (also when route is NULL: no sets) */
	const struct mms_route_set *(*route)(const void *ctx, const struct mms_addr *a);
	const void *route_ctx;
	/* DATA replay windows (mms_replay), moved by the frames delivered;
	 * NULL: none kept, every sequence number taken */
	struct mms_rp_table *rp;
	/* mms_hello_tpl[*k], or NULL (also when hello_tpl is NULL: none) */
	const struct mms_hello_tpl *(*hello_tpl)(const void *ctx, const struct mms_hello_key *k);
	const void *hello_ctx;
	/* mms_hello_seen (MMS_HELLO_SLOTS entries), written with now_ns when
	 * a hello is absorbed; NULL: not recorded */
	__u64 *hello_seen;
	__u64 now_ns;			/* CLOCK_MONOTONIC, the arrival time recorded */
};

enum mms_verdict {
	MMS_V_PASS = 1,		/* not MMS: to the stack untouched (dropped, DROP_DATA_OFF,
				 * where data service is off) */
	MMS_V_FORWARD,		/* to nbrs[port], frame rewritten in place */
	MMS_V_DELIVER_MM0,	/* body (an IP packet) to mm0 */
	MMS_V_DELIVER_AGENT,	/* verified routed control frame, to the agent */
	MMS_V_LINK_AGENT,	/* link-scope frame, to the agent unverified */
	MMS_V_DROP,
};

struct mms_result {
	enum mms_verdict verdict;
	enum mms_stat stat;	/* the counter the XDP program bumps */
	__u16 port;		/* FORWARD: egress port */
	size_t off, len;	/* the frame (or, for DELIVER_MM0, the IP packet)
				 * after processing: buf[off .. off+len) */
	__u8 type;		/* payload type, once known */
};

/*
 * Process one received frame exactly as the XDP program does. buf holds len
 * bytes starting at the Ethernet header; on FORWARD the new Ethernet and MMS
 * headers are written at buf + res->off (16 bytes further when a hop is
 * popped). Never reads outside buf[0..len).
 */
void mms_process(const struct mms_node_view *nv, __u8 *buf, size_t len,
		 struct mms_result *res);

/* Counter names, "drop_hop" style, for metrics and logs. */
const char *mms_stat_name(enum mms_stat s);
const char *mms_stat_help(enum mms_stat s);
const char *mms_type_name(__u8 type);

/* IPv4 as v4-mapped IPv6; returns 0 or -EINVAL. */
int mms_addr_parse(const char *s, struct mms_addr *a);
void mms_addr_v4(struct mms_addr *a, __u32 be_addr);

#endif /* MMS_CODEC_H */
