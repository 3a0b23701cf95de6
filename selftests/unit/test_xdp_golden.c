// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Golden packets for every datapath program, run through BPF_PROG_TEST_RUN
 * against the real entry points with seeded maps: {description, input,
 * expected output, expected action, expected counter}. Expected frames are
 * written out independently of the programs (literal hex, or built with the
 * frame builder from the route they must carry), never by running the
 * reference model; test_xdp_diff.c does that.
 *
 * The node under test is "b" of the codec tests' line a-b-c-d-e:
 *
 *   port 1  a   untagged, frames arrive from here
 *   port 2  c   untagged
 *   port 3  x   802.1Q VID 100 (PCP 5 from mms_cfg)
 *   port 4  -   down
 *   port 5  y   up, but its link is gone (no devmap slot)
 *   port 6  z   on another interface
 *
 * All of them are on this namespace's loopback (ifindex 1) except y and z.
 * The XDP cases run twice: with the hop cache and without it.
 */
#include <stdlib.h>
#include "tap.h"
#include "dp_fixture.h"

#define EPOCH	7
#define EXPIRY	2000000000u		/* 0x77359400 */
#define TC_ACT_SHOT	2
#define TC_ACT_REDIRECT	7

static const __u8 tag0[4] = { 0xde, 0xad, 0xbe, 0xef };
static const __u8 mac_a[6] = { 0x02, 0x4d, 0x4d, 0x53, 0x00, 0x02 };	/* a, towards b */
static const __u8 mac_b1[6] = { 0x02, 0x4d, 0x4d, 0x53, 0x01, 0x01 };	/* b, towards a */
static const __u8 mac_b2[6] = { 0x02, 0x4d, 0x4d, 0x53, 0x01, 0x02 };	/* b, towards c */
static const __u8 mac_c[6] = { 0x02, 0x4d, 0x4d, 0x53, 0x02, 0x01 };	/* c, towards b */
static const __u8 mac_x[6] = { 0x02, 0x4d, 0x4d, 0x53, 0x09, 0x01 };
static const __u8 mac_bx[6] = { 0x02, 0x4d, 0x4d, 0x53, 0x01, 0x09 };
static const __u8 mm0_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0xee };
static __u8 key_of[5][16];	/* node i's hop key: 0x10 * i + byte */

/* The codec tests' route a->e (checked in there): b's, c's, d's, e's fields. */
static const char *const route_vec[4] = {
	"573b89c6ad5c84f2ae543420d166fed0",
	"ce00c22e197ad253e26a3f870a34acb6",
	"eb72120c24a0c40f5afa49c261e33a91",
	"61d5d4082de7a69e0d09f7a82a6f9783",
};
/* A 40-byte IPv4 packet (TCP, no options) from 10.77.0.1 to 10.77.0.5. */
static const char *const ip4_hex =
	"45000028abcd40004006e3a00a4d00010a4d0005"
	"c0de0016000000010000000050027210d0d00000";

struct frame {
	__u8 b[4096];
	__u32 len;
};

static struct fix F;
static int hop_cache;
static bool data_off_lo;	/* data service is off on lo, where frames arrive */

static void hex(const char *h, struct frame *f)
{
	size_t n = strlen(h) / 2;

	hex2bin(h, f->b + f->len, (int)n);
	f->len += (__u32)n;
}

static void put(struct frame *f, const void *p, size_t n)
{
	memcpy(f->b + f->len, p, n);
	f->len += (__u32)n;
}

/* MMS frame: Ethernet | hdr | hops | pl | body. */
static void mms(struct frame *f, const __u8 *dst, const __u8 *src, __u8 scope, __u8 nhops,
		const struct mms_hop *hops, __u8 type, const void *body, __u16 blen)
{
	struct mms_frame_spec fs = {
		.dst_mac = dst, .src_mac = src, .scope = scope, .epoch = EPOCH,
		.nhops = nhops, .expiry = EXPIRY, .tag = tag0, .hops = hops,
		.type = type, .body = body, .body_len = blen,
	};
	int n = mms_frame_build(f->b, sizeof(f->b), &fs);

	f->len = n > 0 ? (__u32)n : 0;
}

/* Insert an 802.1Q tag after the MAC addresses. */
static void vlan_tag(struct frame *f, __u16 tci)
{
	memmove(f->b + 16, f->b + 12, f->len - 12);
	f->b[12] = 0x81;
	f->b[13] = 0x00;
	f->b[14] = (__u8)(tci >> 8);
	f->b[15] = (__u8)tci;
	f->len += 4;
}

struct seal {
	__u16 egress, ingress;
	bool set_ctl;		/* else the right one */
	__u8 ctl;
	__u32 expiry;		/* 0: EXPIRY */
	int tag_xor, chain_xor;
};

/*
 * A route of n fields that reaches b first: b's field sealed from s, the
 * others a valid route over c, d, ... sealed under their keys.
 */
static void route(struct mms_hop *hops, int n, const struct seal *s)
{
	struct mms_hop_spec spec[MMS_MAX_HOPS];
	struct mms_route tail;
	__u8 tag[4];
	__u32 chain = 0;
	int ctl;

	if (n > 1) {
		for (int j = 0; j < n - 1; j++) {
			spec[j].key = key_of[2 + j % 3];
			spec[j].ingress = 1;
			spec[j].egress = 2;
		}
		mms_route_build(&tail, 9, spec, n - 1, EPOCH, EXPIRY, tag0);
		memcpy(&hops[1], tail.hops, (size_t)(n - 1) * sizeof(hops[0]));
		chain = mms_hop_fold(hops[1].c, (unsigned int)n - 1);
	}
	ctl = s->set_ctl ? s->ctl : (n == 1 ? MMS_HOP_LAST : 0) | (n - 1);
	memcpy(tag, tag0, 4);
	tag[3] ^= (__u8)s->tag_xor;
	fix_seal(key_of[1], s->egress, s->ingress, (__u8)ctl, chain ^ (__u32)s->chain_xor,
		 s->expiry ? s->expiry : EXPIRY, tag, &hops[0]);
}

static const struct seal transit = { .egress = 2, .ingress = 1 };
static const struct seal last = { .egress = 0, .ingress = 1 };

/* A DATA body with sequence word seq: the end-to-end tag of ip under key
 * for a route of epoch and route tag rtag (the reference SipHash of
 * agent/codec.c, itself checked against OpenSSL's in test_e2e), the
 * sequence word (big-endian), then ip. */
static void data_body_seq(struct frame *body, const struct mms_e2e_key *key, __u8 epoch,
			  const __u8 rtag[4], __u64 seq, const void *ip, __u16 len)
{
	__u64 t = mms_e2e_mac(key, epoch, rtag, MMS_T_DATA, seq, ip, len);

	body->len = 0;
	for (int i = 0; i < MMS_E2E_TAG_LEN; i++)
		body->b[body->len++] = (__u8)(t >> (8 * i));
	for (int i = 0; i < MMS_SEQ_LEN; i++)
		body->b[body->len++] = (__u8)(seq >> (56 - 8 * i));
	put(body, ip, len);
}

/* The producer the DATA built here names, and its counter: every frame
 * built gets the next value, so no case replays another by accident. */
#define PRODUCER	0x0a0a
static __u64 ctr_next = 5000;

static void data_body(struct frame *body, const struct mms_e2e_key *key, __u8 epoch,
		      const __u8 rtag[4], const void *ip, __u16 len)
{
	data_body_seq(body, key, epoch, rtag, mms_seq_word(PRODUCER, ++ctr_next), ip, len);
}

/* b's own end-to-end key: what an MA tags data to b with. */
static struct mms_e2e_key key_b_down;

/* b's usual input: a 4-field route to c's side carrying the IPv4 packet
 * (DATA: tagged for b, which matters when b is its destination). */
static void base(struct frame *f, const struct seal *s, int n, __u8 type)
{
	struct mms_hop hops[MMS_MAX_HOPS];
	struct frame ip = { .len = 0 }, body;

	hex(ip4_hex, &ip);
	if (type == MMS_T_DATA)
		data_body(&body, &key_b_down, EPOCH, tag0, ip.b, (__u16)ip.len);
	else
		body = ip;
	route(hops, n, s);
	mms(f, mac_b1, mac_a, MMS_SCOPE_ROUTE, (__u8)n, hops, type, body.b, (__u16)body.len);
}

/* ---- the XDP table: inputs that are passed or dropped unchanged ---- */

struct xcase {
	const char *desc;
	void (*make)(struct frame *f);
	__u32 act;
	int stat;
};

#define MUT(name, body) static void name(struct frame *f) { base(f, &transit, 4, MMS_T_DATA); body; }
#define SEALED(name, n, type, ...)						\
	static void name(struct frame *f) {					\
		struct seal s = { __VA_ARGS__ };				\
		base(f, &s, n, type);						\
	}
#define HDR 14	/* route header offset in an untagged frame */

MUT(m_ipv4, f->b[12] = 0x08; f->b[13] = 0x00)
MUT(m_arp, f->b[12] = 0x08; f->b[13] = 0x06)
MUT(m_tagged_ipv4, vlan_tag(f, 5); f->b[16] = 0x08; f->b[17] = 0x00)
MUT(m_tag_cut, vlan_tag(f, 5); f->len = 17)
MUT(m_hdr_cut, f->len = HDR + MMS_HDR_LEN - 1)
MUT(m_version, f->b[HDR + 0] = 2)
MUT(m_scope, f->b[HDR + 1] = 0x04)
MUT(m_flag, f->b[HDR + 2] = MMS_F_VERIFIED)
MUT(m_rsvd, f->b[HDR + 6] = 1)
MUT(m_nhops17, f->b[HDR + 3] = 17)
MUT(m_nhops0, f->b[HDR + 3] = 0)
MUT(m_fields_cut, f->len = HDR + MMS_HDR_LEN + 3 * MMS_HOP_LEN)
MUT(m_body_cut, f->len -= 1)
MUT(m_link, f->b[HDR + 1] = MMS_SCOPE_LINK)
MUT(m_expired, f->b[HDR + 8] = FIX_NOW >> 24; f->b[HDR + 9] = (FIX_NOW >> 16) & 0xff;
    f->b[HDR + 10] = (FIX_NOW >> 8) & 0xff; f->b[HDR + 11] = FIX_NOW & 0xff)
MUT(m_expiry_later, f->b[HDR + 11] ^= 1)
MUT(m_epoch_none, f->b[HDR + 4] = 8)
MUT(m_epoch_other, f->b[HDR + 4] = EPOCH + MMS_EPOCH_SLOTS)
MUT(m_cipher_bit, f->b[HDR + MMS_HDR_LEN + 5] ^= 0x04)
MUT(m_next_bit, f->b[HDR + MMS_HDR_LEN + MMS_HOP_LEN + 9] ^= 0x10)
MUT(m_last_bit, f->b[HDR + MMS_HDR_LEN + 3 * MMS_HOP_LEN + 15] ^= 0x80)
MUT(m_tag, f->b[HDR + 13] ^= 1)
MUT(m_src_mac, f->b[11] ^= 1)
SEALED(s_index, 4, MMS_T_DATA, .egress = 2, .ingress = 1, .set_ctl = true, .ctl = 2)
SEALED(s_last_transit, 4, MMS_T_DATA, .egress = 2, .ingress = 1, .set_ctl = true, .ctl = MMS_HOP_LAST | 3)
SEALED(s_nolast_last, 1, MMS_T_DATA, .ingress = 1, .set_ctl = true, .ctl = 0)
SEALED(s_ctl_rsvd, 4, MMS_T_DATA, .egress = 2, .ingress = 1, .set_ctl = true, .ctl = 0x10 | 3)
SEALED(s_ctrl_transit, 4, MMS_T_LSA, .egress = 2, .ingress = 1, .set_ctl = true,
       .ctl = MMS_HOP_CTRL | 3)
SEALED(s_ctrl_data, 1, MMS_T_DATA, .ingress = 1, .set_ctl = true,
       .ctl = MMS_HOP_LAST | MMS_HOP_CTRL)
SEALED(s_expiry, 4, MMS_T_DATA, .egress = 2, .ingress = 1, .expiry = EXPIRY + 1)
SEALED(s_tag, 4, MMS_T_DATA, .egress = 2, .ingress = 1, .tag_xor = 0x40)
SEALED(s_chain, 4, MMS_T_DATA, .egress = 2, .ingress = 1, .chain_xor = 0x000100)
SEALED(s_chain_last, 1, MMS_T_DATA, .ingress = 1, .chain_xor = 1)
SEALED(s_other_if, 4, MMS_T_DATA, .egress = 2, .ingress = 6)
SEALED(s_ingress0, 4, MMS_T_DATA, .egress = 2, .ingress = 0)
SEALED(s_ingress256, 4, MMS_T_DATA, .egress = 2, .ingress = 256)
SEALED(s_ingress_c, 4, MMS_T_DATA, .egress = 2, .ingress = 2)
SEALED(s_egress_down, 4, MMS_T_DATA, .egress = 4, .ingress = 1)
SEALED(s_egress0, 4, MMS_T_DATA, .egress = 0, .ingress = 1)
SEALED(s_egress300, 4, MMS_T_DATA, .egress = 300, .ingress = 1)
SEALED(s_egress_gone, 4, MMS_T_DATA, .egress = 5, .ingress = 1)
SEALED(s_hello_routed, 1, MMS_T_HELLO, .ingress = 1)
SEALED(s_type_unknown, 1, 0x55, .ingress = 1)
static void s_pl_rsvd(struct frame *f)
{
	base(f, &last, 1, MMS_T_LSA);
	f->b[HDR + MMS_HDR_LEN + MMS_HOP_LEN + 1] = 1;
}
static void s_data_empty(struct frame *f)
{
	struct mms_hop hop;

	route(&hop, 1, &last);
	mms(f, mac_b1, mac_a, MMS_SCOPE_ROUTE, 1, &hop, MMS_T_DATA, NULL, 0);
}
static void s_data_tag_only(struct frame *f)
{
	struct mms_hop hop;

	route(&hop, 1, &last);
	mms(f, mac_b1, mac_a, MMS_SCOPE_ROUTE, 1, &hop, MMS_T_DATA, "tag-only", MMS_E2E_LEN);
}
#define IP_AT	(HDR + MMS_HDR_LEN + MMS_HOP_LEN + MMS_PL_LEN + MMS_E2E_LEN)
static void s_data_not_ip(struct frame *f)
{
	base(f, &last, 1, MMS_T_DATA);
	f->b[IP_AT] = 0x55;
}
/* The last hop of a route to b carrying ip4_hex (its first ip_max bytes at
 * most) in a DATA body tagged under key for route tag rtag. */
static void last_data(struct frame *f, const struct mms_e2e_key *key, const __u8 rtag[4],
		      __u16 ip_max)
{
	struct frame ip = { .len = 0 }, body;
	struct mms_hop hop;

	hex(ip4_hex, &ip);
	data_body(&body, key, EPOCH, rtag, ip.b, (__u16)(ip.len < ip_max ? ip.len : ip_max));
	route(&hop, 1, &last);
	mms(f, mac_b1, mac_a, MMS_SCOPE_ROUTE, 1, &hop, MMS_T_DATA, body.b, (__u16)body.len);
}
/* An IPv4 packet one byte short of its fixed header, correctly tagged. */
static void s_data_ip_short(struct frame *f)
{
	last_data(f, &key_b_down, tag0, 19);
}
static void s_e2e_tag_bit(struct frame *f)
{
	base(f, &last, 1, MMS_T_DATA);
	f->b[IP_AT - 3] ^= 0x10;
}
static void s_e2e_ip_bit(struct frame *f)
{
	base(f, &last, 1, MMS_T_DATA);
	f->b[IP_AT + 39] ^= 0x01;	/* last byte of the TCP header */
}
/* The tag a relay can make: under its own key (c's), not b's. */
static void s_e2e_relay_key(struct frame *f)
{
	struct mms_e2e_key kc;

	mms_e2e_derive(key_of[2], MMS_E2E_DOWN, &kc);
	last_data(f, &kc, tag0, 0xffff);
}
/* A packet tagged for another route to b (another route tag), moved here. */
static void s_e2e_other_route(struct frame *f)
{
	static const __u8 other[4] = { 0xde, 0xad, 0xbe, 0xee };

	last_data(f, &key_b_down, other, 0xffff);
}
/* b's own key, but the direction b uses to send (UP), not to receive. */
static void s_e2e_direction(struct frame *f)
{
	struct mms_e2e_key up;

	mms_e2e_derive(key_of[1], MMS_E2E_UP, &up);
	last_data(f, &up, tag0, 0xffff);
}

static const struct xcase xcases[] = {
	{ "IPv4 frame passes untouched", m_ipv4, XDP_PASS, MMS_S_PASS },
	{ "ARP frame passes untouched", m_arp, XDP_PASS, MMS_S_PASS },
	{ "802.1Q-tagged IPv4 passes untouched", m_tagged_ipv4, XDP_PASS, MMS_S_PASS },
	{ "802.1Q tag with no EtherType after it passes", m_tag_cut, XDP_PASS, MMS_S_PASS },
	{ "MMS frame shorter than the route header", m_hdr_cut, XDP_DROP, MMS_S_DROP_TRUNCATED },
	{ "version 2", m_version, XDP_DROP, MMS_S_DROP_VERSION },
	{ "scope 0x04", m_scope, XDP_DROP, MMS_S_DROP_SCOPE },
	{ "VERIFIED flag set on the wire", m_flag, XDP_DROP, MMS_S_DROP_FLAGS },
	{ "reserved header byte set", m_rsvd, XDP_DROP, MMS_S_DROP_FLAGS },
	{ "17 hop fields", m_nhops17, XDP_DROP, MMS_S_DROP_NHOPS },
	{ "routed frame without hop fields", m_nhops0, XDP_DROP, MMS_S_DROP_NHOPS },
	{ "hop fields cut short", m_fields_cut, XDP_DROP, MMS_S_DROP_TRUNCATED },
	{ "body shorter than pl.len", m_body_cut, XDP_DROP, MMS_S_DROP_TRUNCATED },
	{ "link scope goes to the agent unverified", m_link, XDP_PASS, MMS_S_LINK_AGENT },
	{ "expiry == now is expired", m_expired, XDP_DROP, MMS_S_DROP_EXPIRED },
	{ "header expiry moved later: field disagrees", m_expiry_later, XDP_DROP, MMS_S_DROP_HOP },
	{ "no key for the epoch", m_epoch_none, XDP_DROP, MMS_S_DROP_EPOCH },
	{ "key slot holds another epoch", m_epoch_other, XDP_DROP, MMS_S_DROP_EPOCH },
	{ "bit flipped in b's field", m_cipher_bit, XDP_DROP, MMS_S_DROP_HOP },
	{ "bit flipped in the next field (chain)", m_next_bit, XDP_DROP, MMS_S_DROP_HOP },
	{ "bit flipped in the last field (chain)", m_last_bit, XDP_DROP, MMS_S_DROP_HOP },
	{ "route tag changed", m_tag, XDP_DROP, MMS_S_DROP_HOP },
	{ "sealed index is not nhops-1", s_index, XDP_DROP, MMS_S_DROP_HOP },
	{ "sealed LAST on a transit field", s_last_transit, XDP_DROP, MMS_S_DROP_HOP },
	{ "sealed last field without LAST", s_nolast_last, XDP_DROP, MMS_S_DROP_HOP },
	{ "sealed reserved ctl bit", s_ctl_rsvd, XDP_DROP, MMS_S_DROP_HOP },
	{ "sealed CTRL on a transit field", s_ctrl_transit, XDP_DROP, MMS_S_DROP_HOP },
	{ "last hop CTRL: data is not for mm0", s_ctrl_data, XDP_DROP, MMS_S_DROP_CTRL_ONLY },
	{ "sealed expiry differs from the header", s_expiry, XDP_DROP, MMS_S_DROP_HOP },
	{ "sealed tag differs from the header", s_tag, XDP_DROP, MMS_S_DROP_HOP },
	{ "sealed chain differs", s_chain, XDP_DROP, MMS_S_DROP_HOP },
	{ "sealed chain of the last field not 0", s_chain_last, XDP_DROP, MMS_S_DROP_HOP },
	{ "source MAC is not the ingress neighbour's", m_src_mac, XDP_DROP, MMS_S_DROP_INGRESS },
	{ "ingress port is on another interface", s_other_if, XDP_DROP, MMS_S_DROP_INGRESS },
	{ "ingress port 0", s_ingress0, XDP_DROP, MMS_S_DROP_INGRESS },
	{ "ingress port 256", s_ingress256, XDP_DROP, MMS_S_DROP_INGRESS },
	{ "ingress port of another neighbour", s_ingress_c, XDP_DROP, MMS_S_DROP_INGRESS },
	{ "egress port down", s_egress_down, XDP_DROP, MMS_S_DROP_NO_NBR },
	{ "egress port 0 on a transit field", s_egress0, XDP_DROP, MMS_S_DROP_NO_NBR },
	{ "egress port 300", s_egress300, XDP_DROP, MMS_S_DROP_NO_NBR },
	{ "last hop: payload reserved byte", s_pl_rsvd, XDP_DROP, MMS_S_DROP_PAYLOAD },
	{ "last hop: hello is link scope only", s_hello_routed, XDP_DROP, MMS_S_DROP_PAYLOAD },
	{ "last hop: unknown payload type", s_type_unknown, XDP_DROP, MMS_S_DROP_PAYLOAD },
	{ "last hop: data without a packet", s_data_empty, XDP_DROP, MMS_S_DROP_PAYLOAD },
	{ "last hop: data with a tag and no packet", s_data_tag_only, XDP_DROP, MMS_S_DROP_PAYLOAD },
	{ "last hop: data that is not IP", s_data_not_ip, XDP_DROP, MMS_S_DROP_PAYLOAD },
	{ "last hop: IPv4 shorter than its header", s_data_ip_short, XDP_DROP, MMS_S_DROP_PAYLOAD },
	{ "last hop: bit flipped in the end-to-end tag", s_e2e_tag_bit, XDP_DROP, MMS_S_DROP_E2E_TAG },
	{ "last hop: bit flipped in the IP packet", s_e2e_ip_bit, XDP_DROP, MMS_S_DROP_E2E_TAG },
	{ "last hop: tagged under a relay's key", s_e2e_relay_key, XDP_DROP, MMS_S_DROP_E2E_TAG },
	{ "last hop: tagged for another route", s_e2e_other_route, XDP_DROP, MMS_S_DROP_E2E_TAG },
	{ "last hop: tagged with the sending direction's key", s_e2e_direction, XDP_DROP,
	  MMS_S_DROP_E2E_TAG },
};

static void check(const char *desc, const struct fix_run *r, __u32 act, int stat,
		  const struct frame *exp)
{
	const char *tag = data_off_lo ? "[data off]" : hop_cache ? "[cache]" : "[no cache]";
	bool same = exp ? r->out_len == exp->len && !memcmp(r->out, exp->b, exp->len) : true;

	ok(r->retval == act && r->moved == stat && same,
	   "%s %s: action %u (want %u), counter %s (want %s)%s", tag, desc, r->retval, act,
	   r->moved >= 0 ? mms_stat_name(r->moved) : r->moved == -1 ? "none" : "several",
	   stat >= 0 ? mms_stat_name(stat) : "none", same ? "" : ", output differs");
	if (!same && exp)
		for (__u32 i = 0; i < r->out_len || i < exp->len; i++)
			if (i >= r->out_len || i >= exp->len || r->out[i] != exp->b[i]) {
				diag("first difference at byte %u (lengths %u, %u)", i, r->out_len,
				     exp->len);
				break;
			}
}

/* A frame through prog on lo (mms_xdp: arriving; mms_data_off_tx: leaving). */
static void run_prog(enum mms_prog p, const char *desc, const struct frame *in, __u32 act,
		     int stat, const struct frame *exp)
{
	struct fix_run r;

	if (fix_run(&F, p, in->b, in->len, FIX_LO, &r)) {
		ok(0, "%s: test run failed: %s", desc, strerror(errno));
		return;
	}
	check(desc, &r, act, stat, exp);
}

static void run_xdp(const char *desc, const struct frame *in, __u32 act, int stat,
		    const struct frame *exp)
{
	run_prog(MMS_PROG_XDP, desc, in, act, stat, exp);
}

/* The table; with data service off on lo, what would pass to the stack is
 * dropped instead (unchanged), and every MMS frame ends as before. */
static void xdp_table(void)
{
	for (size_t i = 0; i < sizeof(xcases) / sizeof(xcases[0]); i++) {
		struct frame in = { .len = 0 };
		bool shut = data_off_lo && xcases[i].stat == MMS_S_PASS;
		char desc[160];

		snprintf(desc, sizeof(desc), "%s%s", xcases[i].desc,
			 shut ? "; with data off: dropped instead" : "");
		xcases[i].make(&in);
		run_xdp(desc, &in, shut ? XDP_DROP : xcases[i].act,
			shut ? MMS_S_DROP_DATA_OFF : xcases[i].stat, &in);
	}
}

/* ---- XDP: frames that go somewhere ---- */

static void xdp_forward_vector(void)
{
	struct frame in = { .len = 0 }, exp = { .len = 0 };

	/* b forwards the codec tests' a->e route to c: literal bytes. */
	hex("024d4d530101" "024d4d530002" "88b5", &in);
	hex("01050004" "07000000" "77359400" "deadbeef", &in);
	for (int j = 0; j < 4; j++)
		hex(route_vec[j], &in);
	hex("07000028", &in);
	hex(ip4_hex, &in);
	hex("024d4d530201" "024d4d530102" "88b5", &exp);
	hex("01050003" "07000000" "77359400" "deadbeef", &exp);
	for (int j = 1; j < 4; j++)
		hex(route_vec[j], &exp);
	hex("07000028", &exp);
	hex(ip4_hex, &exp);
	run_xdp("transit (checked-in vector): field popped, c's link header", &in, XDP_REDIRECT,
		MMS_S_FORWARD, &exp);
}

static void xdp_forward_vlan(void)
{
	struct frame in = { .len = 0 }, exp = { .len = 0 };
	struct mms_hop hops[MMS_MAX_HOPS];
	struct seal s = transit;
	struct frame ip = { .len = 0 };

	hex(ip4_hex, &ip);
	s.egress = 3;
	route(hops, 5, &s);
	mms(&in, mac_b1, mac_a, MMS_SCOPE_ROUTE, 5, hops, MMS_T_DATA, ip.b, (__u16)ip.len);
	mms(&exp, mac_x, mac_bx, MMS_SCOPE_ROUTE, 4, hops + 1, MMS_T_DATA, ip.b, (__u16)ip.len);
	vlan_tag(&exp, 5 << 13 | 100);
	run_xdp("transit to a tagged link: 802.1Q VID 100 PCP 5 pushed", &in, XDP_REDIRECT,
		MMS_S_FORWARD, &exp);

	/* arriving tagged, leaving untagged, 16 fields, trailing padding kept */
	s.egress = 2;
	route(hops, 16, &s);
	mms(&in, mac_b1, mac_a, MMS_SCOPE_ROUTE, 16, hops, MMS_T_LSA, "lsa", 3);
	vlan_tag(&in, 3 << 13 | 7);
	put(&in, "\0\0\0\0\0\0", 6);
	mms(&exp, mac_c, mac_b2, MMS_SCOPE_ROUTE, 15, hops + 1, MMS_T_LSA, "lsa", 3);
	put(&exp, "\0\0\0\0\0\0", 6);
	run_xdp("tagged arrival, 16 fields: forwarded untagged, padding kept", &in, XDP_REDIRECT,
		MMS_S_FORWARD, &exp);
}

/* b as an MA: a's set holds the key a tags its data with (a's UP key, for
 * EPOCH), found by the packet's source address 10.77.0.1. */
static void a_as_source(struct mms_route_set *set, struct mms_e2e_key *up_a, struct mms_addr *src)
{
	memset(set, 0, sizeof(*set));
	mms_e2e_derive(key_of[0], MMS_E2E_UP, up_a);
	set->rx[EPOCH % MMS_EPOCH_SLOTS] = (struct mms_e2e_rx){ .valid = 1, .epoch = EPOCH,
								.key = *up_a };
	mms_addr_parse("10.77.0.1", src);
	fix_route(&F, src, set);
}

static void xdp_deliver(void)
{
	struct frame in = { .len = 0 }, exp = { .len = 0 }, ip = { .len = 0 }, body;
	struct mms_hop hop;
	static const __u8 ip6[48] = {
		0x60, 0x00, 0x00, 0x00, 0x00, 0x08, 0x11, 0x40,
		0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
		0x12, 0x34, 0x56, 0x78, 0x00, 0x08, 0x00, 0x00,
	};

	route(&hop, 1, &last);
	mms(&in, mac_b1, mac_a, MMS_SCOPE_ROUTE, 1, &hop, MMS_T_LSA, "link-state", 10);
	exp = in;
	put(&in, "\0\0\0\0\0\0\0\0\0\0", 10);	/* Ethernet minimum padding */
	exp.b[HDR + 2] = MMS_F_VERIFIED;
	run_xdp("last hop, LSA: VERIFIED set, padding trimmed, to the agent", &in, XDP_PASS,
		MMS_S_DELIVER_AGENT, &exp);
	{
		const struct seal ctrl = { .ingress = 1, .set_ctl = true,
				   .ctl = MMS_HOP_LAST | MMS_HOP_CTRL };
		struct mms_hop ah;

		route(&ah, 1, &ctrl);
		mms(&in, mac_b1, mac_a, MMS_SCOPE_ROUTE, 1, &ah, MMS_T_AUTH, "challenge", 9);
		exp = in;
		exp.b[HDR + 2] = MMS_F_VERIFIED;
		run_xdp("last hop CTRL, auth: to the agent", &in, XDP_PASS, MMS_S_DELIVER_AGENT,
			&exp);
	}

	hex(ip4_hex, &ip);
	data_body(&body, &key_b_down, EPOCH, tag0, ip.b, (__u16)ip.len);
	mms(&in, mac_b1, mac_a, MMS_SCOPE_ROUTE, 1, &hop, MMS_T_DATA, body.b, (__u16)body.len);
	put(&in, "\0\0\0\0", 4);
	exp.len = 0;
	put(&exp, mm0_mac, 6);
	put(&exp, mm0_mac, 6);
	hex("0800", &exp);
	put(&exp, ip.b, ip.len);
	run_xdp("last hop, IPv4 data: bare packet with mm0's MACs, into mm0", &in, XDP_REDIRECT,
		MMS_S_DELIVER_MM0, &exp);

	data_body(&body, &key_b_down, EPOCH, tag0, ip6, sizeof(ip6));
	mms(&in, mac_b1, mac_a, MMS_SCOPE_ROUTE, 1, &hop, MMS_T_DATA, body.b, (__u16)body.len);
	vlan_tag(&in, 100);
	exp.len = 0;
	put(&exp, mm0_mac, 6);
	put(&exp, mm0_mac, 6);
	hex("86dd", &exp);
	put(&exp, ip6, sizeof(ip6));
	run_xdp("last hop, tagged IPv6 data: into mm0", &in, XDP_REDIRECT, MMS_S_DELIVER_MM0, &exp);

	/* b as an MA: a's set holds the key a tags its data with (a's UP key,
	 * found by the packet's source address 10.77.0.1), which then is the
	 * only one taken for a's packets in that epoch. */
	{
		struct mms_route_set set;
		struct mms_e2e_key up_a;
		struct mms_addr src;

		a_as_source(&set, &up_a, &src);
		data_body(&body, &up_a, EPOCH, tag0, ip.b, (__u16)ip.len);
		mms(&in, mac_b1, mac_a, MMS_SCOPE_ROUTE, 1, &hop, MMS_T_DATA, body.b,
		    (__u16)body.len);
		exp.len = 0;
		put(&exp, mm0_mac, 6);
		put(&exp, mm0_mac, 6);
		hex("0800", &exp);
		put(&exp, ip.b, ip.len);
		run_xdp("last hop, IPv4 data tagged with its source's key from the source's set",
			&in, XDP_REDIRECT, MMS_S_DELIVER_MM0, &exp);
		data_body(&body, &key_b_down, EPOCH, tag0, ip.b, (__u16)ip.len);
		mms(&in, mac_b1, mac_a, MMS_SCOPE_ROUTE, 1, &hop, MMS_T_DATA, body.b,
		    (__u16)body.len);
		run_xdp("... and under b's own key then refused", &in, XDP_DROP, MMS_S_DROP_E2E_TAG,
			NULL);
		set.rx[EPOCH % MMS_EPOCH_SLOTS].epoch = EPOCH + 4;	/* same slot, other epoch */
		fix_route(&F, &src, &set);
		run_xdp("... but taken when the set's key is of another epoch", &in, XDP_REDIRECT,
			MMS_S_DELIVER_MM0, &exp);
		fix_route(&F, &src, NULL);
	}
}

/* A DATA frame to b from producer prod with counter ctr, tagged under
 * key for epoch; *exp gets what b delivers to mm0. */
static void data_seq(struct frame *f, struct frame *exp, const struct mms_e2e_key *key,
		     __u8 epoch, __u16 prod, __u64 ctr)
{
	struct frame ip = { .len = 0 }, body;
	struct mms_hop hop;

	hex(ip4_hex, &ip);
	data_body_seq(&body, key, epoch, tag0, mms_seq_word(prod, ctr), ip.b, (__u16)ip.len);
	route(&hop, 1, &last);
	mms(f, mac_b1, mac_a, MMS_SCOPE_ROUTE, 1, &hop, MMS_T_DATA, body.b, (__u16)body.len);
	f->b[HDR + 4] = epoch;
	exp->len = 0;
	put(exp, mm0_mac, 6);
	put(exp, mm0_mac, 6);
	hex("0800", exp);
	put(exp, ip.b, ip.len);
}

/* Send producer prod's frame with counter ctr (epoch e): delivered or
 * dropped with stat, unchanged then. */
static void seq_case(const char *desc, const struct mms_e2e_key *key, __u8 e, __u16 prod,
		     __u64 ctr, int stat)
{
	struct frame in = { .len = 0 }, exp = { .len = 0 };

	data_seq(&in, &exp, key, e, prod, ctr);
	if (stat == MMS_S_DELIVER_MM0)
		run_xdp(desc, &in, XDP_REDIRECT, stat, &exp);
	else
		run_xdp(desc, &in, XDP_DROP, stat, &in);
}

/* Replays: each sequence number once per producer and epoch. */
static void xdp_replay(void)
{
	const __u64 B = 1ull << 30, T = B + 100, J = T + 5000;
	const int D = MMS_S_DELIVER_MM0, R = MMS_S_DROP_REPLAY;
	struct frame in = { .len = 0 }, exp = { .len = 0 };

	seq_case("replay: P's frame delivered", &key_b_down, EPOCH, 0x5151, B, D);
	seq_case("replay: the same frame again: DROP_REPLAY", &key_b_down, EPOCH, 0x5151, B, R);
	seq_case("replay: P jumps ahead 100", &key_b_down, EPOCH, 0x5151, T, D);
	seq_case("replay: in-window reordering: 50 behind delivered", &key_b_down, EPOCH, 0x5151,
		 B + 50, D);
	seq_case("replay: ... and once only", &key_b_down, EPOCH, 0x5151, B + 50, R);
	seq_case("replay: the oldest the window holds (top - span + 1) delivered", &key_b_down,
		 EPOCH, 0x5151, T - MMS_RP_SPAN + 1, D);
	seq_case("replay: one older (top - span): left behind, DROP_REPLAY", &key_b_down, EPOCH,
		 0x5151, T - MMS_RP_SPAN, R);
	seq_case("replay: P far ahead (5000)", &key_b_down, EPOCH, 0x5151, J, D);
	seq_case("replay: P's frame from before the jump, never seen: now too old", &key_b_down,
		 EPOCH, 0x5151, T + 1, R);
	seq_case("replay: producer Q, P's counter: a window of its own", &key_b_down, EPOCH,
		 0x2525, J, D);
	seq_case("replay: producer R, a counter far below P's: a window of its own", &key_b_down,
		 EPOCH, 0x3737, 7, D);

	/* a frame whose tag fails takes no number */
	data_seq(&in, &exp, &key_b_down, EPOCH, 0x5151, J + 1);
	in.b[HDR + MMS_HDR_LEN + MMS_HOP_LEN + MMS_PL_LEN] ^= 1;
	run_xdp("replay: P's next with a broken tag: DROP_E2E_TAG", &in, XDP_DROP,
		MMS_S_DROP_E2E_TAG, &in);
	seq_case("replay: ... took no number: the real frame delivered", &key_b_down, EPOCH,
		 0x5151, J + 1, D);
	/* the sequence word under the tag */
	data_seq(&in, &exp, &key_b_down, EPOCH, 0x5151, J + 2);
	in.b[HDR + MMS_HDR_LEN + MMS_HOP_LEN + MMS_PL_LEN + MMS_E2E_LEN - 1] ^= 1;
	run_xdp("replay: counter changed on the way: DROP_E2E_TAG", &in, XDP_DROP,
		MMS_S_DROP_E2E_TAG, &in);
	data_seq(&in, &exp, &key_b_down, EPOCH, 0x5151, J + 2);
	in.b[HDR + MMS_HDR_LEN + MMS_HOP_LEN + MMS_PL_LEN + MMS_E2E_TAG_LEN] ^= 1;
	run_xdp("replay: producer changed on the way: DROP_E2E_TAG", &in, XDP_DROP,
		MMS_S_DROP_E2E_TAG, &in);

	/* a new epoch in the slot: a window of its own, from nothing */
	fix_key(&F, key_of[1], EPOCH + MMS_EPOCH_SLOTS);
	seq_case("replay: key for epoch +4 in the slot: P's old counter delivered", &key_b_down,
		 EPOCH + MMS_EPOCH_SLOTS, 0x5151, B, D);
	seq_case("replay: ... once", &key_b_down, EPOCH + MMS_EPOCH_SLOTS, 0x5151, B, R);
	seq_case("replay: the old epoch's frames: DROP_EPOCH", &key_b_down, EPOCH, 0x5151, J + 9,
		 MMS_S_DROP_EPOCH);
	fix_key(&F, key_of[1], EPOCH);
	/* the next epoch in the next slot meanwhile: its own window */
	fix_key(&F, key_of[1], EPOCH + 1);
	seq_case("replay: epoch +1 (next slot): P's counter taken in epoch 7 taken again",
		 &key_b_down, EPOCH + 1, 0x5151, J + 1, D);
	fix_key_clear(&F, (EPOCH + 1) % MMS_EPOCH_SLOTS);

	/* b as an MA: a's own key; one window for a whatever producer it names */
	{
		struct mms_route_set set;
		struct mms_e2e_key up_a;
		struct mms_addr src;

		a_as_source(&set, &up_a, &src);
		seq_case("replay, source's key: a's frame delivered", &up_a, EPOCH, 1, B, D);
		seq_case("replay, source's key: the same counter naming another producer: "
			 "DROP_REPLAY", &up_a, EPOCH, 2, B, R);
		seq_case("replay, source's key: the next counter delivered", &up_a, EPOCH, 2, B + 1,
			 D);
		fix_route(&F, &src, NULL);
	}
}

/* A full table takes no new producer (and evicts none); the known go on. */
static void xdp_replay_full(void)
{
	struct mms_rp_key k;
	static struct mms_rp_val v;
	__u32 n = 0;

	memset(&k, 0, sizeof(k));
	k.src.a[0] = 0xfe;
	for (__u32 i = 0; i < MMS_RP_SOURCES + 1; i++) {
		k.src.a[1] = (__u8)(i >> 16);
		k.src.a[2] = (__u8)(i >> 8);
		k.src.a[3] = (__u8)i;
		if (bpf_map_update_elem(F.map[MMS_MAP_REPLAY], &k, &v, BPF_NOEXIST))
			break;
		n++;
	}
	ok(errno == E2BIG && n < MMS_RP_SOURCES, "replay table filled (%u windows added, then %s)",
	   n, strerror(errno));
	seq_case("replay table full: a new producer's frame DROP_REPLAY_FULL", &key_b_down, EPOCH,
		 0x6666, 1ull << 31, MMS_S_DROP_REPLAY_FULL);
	seq_case("replay table full: ... again (nothing was evicted for it)", &key_b_down, EPOCH,
		 0x6666, (1ull << 31) + 1, MMS_S_DROP_REPLAY_FULL);
	seq_case("replay table full: a known producer's next frame delivered", &key_b_down, EPOCH,
		 0x5151, (1ull << 30) + 6000, MMS_S_DELIVER_MM0);
	seq_case("replay table full: ... and its replay still refused", &key_b_down, EPOCH,
		 0x5151, (1ull << 30) + 6000, MMS_S_DROP_REPLAY);
	k.src.a[1] = k.src.a[2] = 0;
	k.src.a[3] = 0;
	bpf_map_delete_elem(F.map[MMS_MAP_REPLAY], &k);
	seq_case("replay table with room again: the new producer delivered", &key_b_down, EPOCH,
		 0x6666, (1ull << 31) + 2, MMS_S_DELIVER_MM0);
}

/* A field verified (and cached) under one key must fail once another key
 * is installed for the same epoch, and pass again under the first. */
static void xdp_key_change(void)
{
	struct frame in = { .len = 0 };
	__u8 other[16];

	base(&in, &transit, 3, MMS_T_DATA);
	run_xdp("key change: field verifies under the installed key", &in, XDP_REDIRECT,
		MMS_S_FORWARD, NULL);
	memcpy(other, key_of[1], 16);
	other[0] ^= 0x5a;
	fix_key(&F, other, EPOCH);
	run_xdp("key change: same field, new key for the same epoch", &in, XDP_DROP,
		MMS_S_DROP_HOP, &in);
	fix_key(&F, key_of[1], EPOCH);
	run_xdp("key change: first key back, field verifies again", &in, XDP_REDIRECT,
		MMS_S_FORWARD, NULL);
	fix_key_clear(&F, EPOCH % MMS_EPOCH_SLOTS);
	run_xdp("key change: key removed", &in, XDP_DROP, MMS_S_DROP_EPOCH, &in);
	fix_key(&F, key_of[1], EPOCH);
}

static void xdp_gone_link(void)
{
	struct frame in = { .len = 0 };
	struct fix_run r;

	s_egress_gone(&in);
	if (fix_run(&F, MMS_PROG_XDP, in.b, in.len, FIX_LO, &r) == 0)
		check("egress port up but its devmap slot empty", &r, XDP_DROP,
		      MMS_S_DROP_REDIRECT, NULL);
	else
		ok(0, "egress port without devmap slot: test run failed");
}

/* ---- data service off (mmsctl data off) ---- */

/*
 * XDP: with another interface shut, lo's frames pass as ever; with lo shut,
 * the whole table again (non-MMS dropped, DROP_DATA_OFF) and every frame
 * that goes somewhere still goes there, byte for byte; an entry without its
 * count in mms_cfg is not looked at (the count is read first).
 */

/* Empty every replay window, in the program's map and in the model. */
static void replay_forget(void)
{
	struct mms_rp_key k, next;

	while (!bpf_map_get_next_key(F.map[MMS_MAP_REPLAY], NULL, &next)) {
		k = next;
		if (bpf_map_delete_elem(F.map[MMS_MAP_REPLAY], &k))
			break;
	}
	mms_rp_table_free(&F.rp);
	mms_rp_table_init(&F.rp, MMS_RP_SOURCES);
}

static void xdp_data_off(void)
{
	struct frame in = { .len = 0 };

	F.cfg.data_off = 1;
	if (!ok(fix_data_off(&F, FIX_NO_DEV, true) == 0, "data off on another interface"))
		return;
	m_ipv4(&in);
	run_xdp("data off on another interface: IPv4 here passes", &in, XDP_PASS, MMS_S_PASS,
		&in);
	m_tagged_ipv4(&in);
	run_xdp("data off on another interface: tagged IPv4 here passes", &in, XDP_PASS,
		MMS_S_PASS, &in);
	if (!ok(fix_data_off(&F, FIX_NO_DEV, false) == 0 && fix_data_off(&F, FIX_LO, true) == 0,
		"data off on lo instead"))
		return;
	/* The table again: the replay cases before moved the windows of the
	 * keys it tags with far ahead, so they start over (program and model). */
	replay_forget();
	data_off_lo = true;
	xdp_table();
	xdp_forward_vector();
	xdp_forward_vlan();
	xdp_deliver();
	F.cfg.data_off = 0;
	data_off_lo = false;
	m_ipv4(&in);
	run_xdp("lo in mms_data_off but mms_cfg counts none: not looked up, passes", &in,
		XDP_PASS, MMS_S_PASS, &in);
	fix_data_off(&F, FIX_LO, false);
}

/* mms_data_off_tx, at the TC egress of a shut NIC (here lo): frames leave
 * unchanged or not at all. */
static void run_tx(const char *desc, const struct frame *in, __u32 act, int stat)
{
	run_prog(MMS_PROG_DATA_OFF, desc, in, act, stat, in);
}

static void tx_data_off(void)
{
	struct frame in = { .len = 0 };

	if (!ok(fix_data_off(&F, FIX_LO, true) == 0, "egress: data off on lo"))
		return;
	m_ipv4(&in);
	run_tx("egress, data off: IPv4 not sent", &in, TC_ACT_SHOT, MMS_S_DROP_DATA_OFF_TX);
	m_arp(&in);
	run_tx("egress, data off: ARP not sent", &in, TC_ACT_SHOT, MMS_S_DROP_DATA_OFF_TX);
	m_tagged_ipv4(&in);
	run_tx("egress, data off: 802.1Q-tagged IPv4 not sent", &in, TC_ACT_SHOT,
	       MMS_S_DROP_DATA_OFF_TX);
	m_tag_cut(&in);
	run_tx("egress, data off: 802.1Q tag with nothing after it not sent", &in, TC_ACT_SHOT,
	       MMS_S_DROP_DATA_OFF_TX);
	base(&in, &transit, 4, MMS_T_DATA);
	run_tx("egress, data off: routed MMS frame sent, nothing counted", &in, 0, -1);
	vlan_tag(&in, 5 << 13 | 100);
	run_tx("egress, data off: 802.1Q-tagged MMS frame sent", &in, 0, -1);
	mms(&in, mac_a, mac_b1, MMS_SCOPE_LINK, 0, NULL, MMS_T_HELLO, "hello", 5);
	run_tx("egress, data off: link-scope hello sent", &in, 0, -1);
	fix_data_off(&F, FIX_LO, false);
	if (!ok(fix_data_off(&F, FIX_NO_DEV, true) == 0, "egress: data off elsewhere only"))
		return;
	m_ipv4(&in);
	run_tx("egress, data off on another interface: IPv4 here sent", &in, 0, -1);
	fix_data_off(&F, FIX_NO_DEV, false);
}

/* ---- TC: from mm0 to the links ---- */

static struct ring_buffer *rb;
static struct mms_event ev[8];
static int nev;

static int on_event(void *ctx, void *data, size_t len)
{
	(void)ctx;
	if (len == sizeof(struct mms_event) && nev < 8)
		memcpy(&ev[nev++], data, sizeof(struct mms_event));
	return 0;
}

struct rt_spec {
	__u16 port;
	__u8 nhops;
	__u32 expiry;
};

/* Install a route set for addr: alternates in order. */
static void routes(const char *addr, const struct rt_spec *s, int n, struct mms_route_set *set)
{
	struct mms_hop_spec spec[MMS_MAX_HOPS];
	struct mms_addr a;

	memset(set, 0, sizeof(*set));
	memset(&a, 0, sizeof(a));
	if (addr)
		mms_addr_parse(addr, &a);
	for (int j = 0; j < MMS_MAX_HOPS; j++) {
		spec[j].key = key_of[j % 5];
		spec[j].ingress = 1;
		spec[j].egress = 2;
	}
	for (int i = 0; i < n; i++) {
		mms_route_build(&set->r[i], s[i].port, spec, s[i].nhops, (__u8)(EPOCH + i),
				s[i].expiry ? s[i].expiry : EXPIRY, tag0);
		/* as an MA's route: tagged for its last node */
		mms_e2e_derive(spec[s[i].nhops - 1].key, MMS_E2E_DOWN, &set->r[i].e2e);
	}
	set->n = (__u32)n;
	bpf_map_update_elem(F.map[MMS_MAP_ROUTES], &a, set, BPF_ANY);
}

/* IPv4 header checksum (RFC 1071) of the header at p, written in place. */
static void ip4_csum(__u8 *p)
{
	__u32 sum = 0;

	p[10] = p[11] = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (__u32)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	p[10] = (__u8)(~sum >> 8);
	p[11] = (__u8)~sum;
}

static void ip_packet(struct frame *f, const char *dst, __u16 len)
{
	struct in_addr d;

	f->len = 0;
	hex("000000000000" "000000000000" "0800", f);
	hex(ip4_hex, f);
	inet_pton(AF_INET, dst, &d);
	memcpy(f->b + 14 + 16, &d, 4);
	memset(f->b + f->len, 0xab, (size_t)len - 40);
	f->len = 14u + len;
	f->b[14 + 2] = (__u8)(len >> 8);
	f->b[14 + 3] = (__u8)len;
	ip4_csum(f->b + 14);
}

static void ip6_packet(struct frame *f, const char *dst)
{
	struct in6_addr d;

	f->len = 0;
	hex("000000000000" "000000000000" "86dd", f);
	hex("6000000000081140" "fd000000000000000000000000000001", f);
	inet_pton(AF_INET6, dst, &d);
	put(f, &d, 16);
	hex("1234567800080000", f);
}

/* What node b's mms_tc names itself, and where its counter stands: far
 * ahead of the clock, so that every frame takes the next value. */
#define TC_PRODUCER	0x7c7c
static __u64 tc_ctr = 1ull << 47;

/* The frame TC must produce for packet `pkt` over route r to neighbour n,
 * with the sequence word seq. */
static void encap_seq(struct frame *exp, const struct frame *pkt, const struct mms_route *r,
		      const __u8 *dst, const __u8 *src, int tci, __u64 seq)
{
	struct frame body;

	data_body_seq(&body, &r->e2e, r->epoch, r->tag, seq, pkt->b + 14, (__u16)(pkt->len - 14));
	mms(exp, dst, src, MMS_SCOPE_ROUTE, r->nhops, r->hops, MMS_T_DATA, body.b,
	    (__u16)body.len);
	exp->b[HDR + 4] = r->epoch;
	memcpy(exp->b + HDR + 8, &r->expiry, 4);
	if (tci >= 0)
		vlan_tag(exp, (__u16)tci);
}

/* ... with the next value of b's counter. */
static void encap(struct frame *exp, const struct frame *pkt, const struct mms_route *r,
		  const __u8 *dst, const __u8 *src, int tci)
{
	encap_seq(exp, pkt, r, dst, src, tci, mms_seq_word(TC_PRODUCER, tc_ctr++));
}

static void run_tc(const char *desc, const struct frame *in, __u32 act, int stat,
		   const struct frame *exp, int ev_type, __u32 ev_port)
{
	struct fix_run r;
	bool ev_ok;

	nev = 0;
	if (fix_run(&F, MMS_PROG_TC, in->b, in->len, FIX_LO, &r)) {
		ok(0, "%s: test run failed: %s", desc, strerror(errno));
		return;
	}
	ring_buffer__consume(rb);
	check(desc, &r, act, stat, exp);
	if (act == TC_ACT_REDIRECT)
		ok(r.priority == F.cfg.prio, "%s: skb priority %u (want %u)", desc, r.priority,
		   F.cfg.prio);
	ev_ok = ev_type ? nev == 1 && ev[0].type == (__u32)ev_type && ev[0].port == ev_port
			: nev == 0;
	ok(ev_ok, "%s: %d event(s)%s", desc, nev, ev_type ? ", of the expected type and port" : "");
}

static __u64 seq_counter(void)
{
	__u64 c = 0;
	__u32 k = 0;

	bpf_map_lookup_elem(F.map[MMS_MAP_SEQ], &k, &c);
	return c;
}

/* A counter that starts afresh (0: a reboot) starts from the wall clock,
 * and goes on from there one by one. */
static void tc_seq_clock(void)
{
	struct frame in = { .len = 0 }, exp = { .len = 0 };
	struct mms_route_set set;
	struct rt_spec one[] = { { 2, 3, 0 } };
	__u64 lo = mms_seq_clock((__u64)FIX_NOW * 1000000000ull);
	__u64 hi = mms_seq_clock((__u64)(FIX_NOW + 1) * 1000000000ull), seq = 0;
	const __u32 at = MMS_ETH_LEN + MMS_HDR_LEN + 3 * MMS_HOP_LEN + MMS_PL_LEN +
			 MMS_E2E_TAG_LEN;
	struct fix_run r;
	__u32 k = 0;
	__u64 zero = 0;

	routes("10.77.0.5", one, 1, &set);
	ip_packet(&in, "10.77.0.5", 40);
	bpf_map_update_elem(F.map[MMS_MAP_SEQ], &k, &zero, BPF_ANY);
	for (int i = 0; i < 2; i++) {
		__u64 got = 0;

		if (fix_run(&F, MMS_PROG_TC, in.b, in.len, FIX_LO, &r) || r.out_len < at + 8) {
			ok(0, "fresh counter: test run failed");
			return;
		}
		for (int j = 0; j < 8; j++)
			got = got << 8 | r.out[at + j];
		encap_seq(&exp, &in, &set.r[0], mac_c, mac_b2, -1, got);
		ok(r.retval == TC_ACT_REDIRECT && r.out_len == exp.len &&
		   !memcmp(r.out, exp.b, exp.len), "fresh counter, frame %d: tagged with its "
		   "sequence word", i + 1);
		ok(got >> MMS_SEQ_CTR_BITS == TC_PRODUCER &&
		   (i ? (got & MMS_SEQ_CTR_MASK) == seq + 1 :
			(got & MMS_SEQ_CTR_MASK) >= lo && (got & MMS_SEQ_CTR_MASK) < hi) &&
		   seq_counter() == (got & MMS_SEQ_CTR_MASK) + 1,
		   "fresh counter, frame %d: counter %#llx (%s), the map one past it", i + 1,
		   (unsigned long long)(got & MMS_SEQ_CTR_MASK),
		   i ? "the next" : "the wall clock's, units of 2^15 ns");
		seq = got & MMS_SEQ_CTR_MASK;
	}
}

static void tc_cases(void)
{
	struct frame in = { .len = 0 }, exp = { .len = 0 };
	struct mms_route_set set;
	struct rt_spec one[] = { { 2, 3, 0 } };
	struct rt_spec alt_down[] = { { 4, 2, 0 }, { 2, 4, 0 } };
	struct rt_spec alt_exp[] = { { 2, 2, FIX_NOW }, { 1, 5, 0 } };
	struct rt_spec vlan16[] = { { 3, 16, 0 } };
	struct rt_spec direct16[] = { { 2, 16, 0 } };
	struct mms_addr zero;
	__u32 k0 = 0;

	rb = ring_buffer__new(F.map[MMS_MAP_EVENTS], on_event, NULL, NULL);
	ok(rb != NULL, "event ring buffer opens");
	if (!rb)
		return;
	F.cfg.producer = TC_PRODUCER;
	ok(fix_sync(&F) == 0 && bpf_map_update_elem(F.map[MMS_MAP_SEQ], &k0, &tc_ctr, BPF_ANY) == 0,
	   "b names itself %#x, its counter at %#llx", TC_PRODUCER, (unsigned long long)tc_ctr);

	routes("10.77.0.5", one, 1, &set);
	ip_packet(&in, "10.77.0.5", 40);
	encap(&exp, &in, &set.r[0], mac_c, mac_b2, -1);
	run_tc("IPv4 to a routed address: encapsulated towards c", &in, TC_ACT_REDIRECT,
	       MMS_S_ENCAP, &exp, 0, 0);

	routes("10.77.0.6", alt_down, 2, &set);
	ip_packet(&in, "10.77.0.6", 100);
	encap(&exp, &in, &set.r[1], mac_c, mac_b2, -1);
	run_tc("first alternate's port down: second alternate, PORT_DOWN event", &in,
	       TC_ACT_REDIRECT, MMS_S_ENCAP, &exp, MMS_EV_PORT_DOWN, 4);

	routes("10.77.0.7", alt_exp, 2, &set);
	ip_packet(&in, "10.77.0.7", 60);
	encap(&exp, &in, &set.r[1], mac_a, mac_b1, -1);
	run_tc("first alternate expired: second alternate", &in, TC_ACT_REDIRECT, MMS_S_ENCAP,
	       &exp, 0, 0);

	routes("10.77.0.8", vlan16, 1, &set);
	ip_packet(&in, "10.77.0.8", MMS_MM0_MTU);
	encap(&exp, &in, &set.r[0], mac_x, mac_bx, 5 << 13 | 100);
	run_tc("16 fields to a tagged link, packet of mm0's MTU: fits", &in, TC_ACT_REDIRECT,
	       MMS_S_ENCAP, &exp, 0, 0);

	routes("10.77.0.9", direct16, 1, &set);
	ip_packet(&in, "10.77.0.9", MMS_MM0_MTU + 1);
	run_tc("16 fields, packet one byte over mm0's MTU: too big", &in, TC_ACT_SHOT,
	       MMS_S_DROP_TOO_BIG, &in, 0, 0);

	F.cfg.dscp = 46;
	routes("10.77.0.5", one, 1, &set);
	ip_packet(&in, "10.77.0.5", 40);
	in.b[14 + 1] = 0x03;	/* ECN bits, to be kept */
	ip4_csum(in.b + 14);
	{
		struct frame want = in;

		want.b[14 + 1] = 46 << 2 | 0x03;
		ip4_csum(want.b + 14);
		encap(&exp, &want, &set.r[0], mac_c, mac_b2, -1);
	}
	run_tc("DSCP forced to EF: ECN kept, IPv4 checksum updated", &in, TC_ACT_REDIRECT,
	       MMS_S_ENCAP, &exp, 0, 0);

	ip6_packet(&in, "fd00::5");
	routes("fd00::5", one, 1, &set);
	{
		struct frame want = in;

		want.b[14] = 0x60 | 46 >> 2;
		want.b[15] = (46 & 3) << 6 | (in.b[15] & 0x3f);
		encap(&exp, &want, &set.r[0], mac_c, mac_b2, -1);
	}
	run_tc("IPv6 with DSCP forced: traffic class rewritten", &in, TC_ACT_REDIRECT,
	       MMS_S_ENCAP, &exp, 0, 0);
	F.cfg.dscp = MMS_DSCP_KEEP;

	/* default route: the all-zero key */
	routes(NULL, one, 1, &set);
	ip_packet(&in, "10.77.9.9", 40);
	encap(&exp, &in, &set.r[0], mac_c, mac_b2, -1);
	run_tc("unrouted address takes the default route", &in, TC_ACT_REDIRECT, MMS_S_ENCAP,
	       &exp, 0, 0);
	memset(&zero, 0, sizeof(zero));
	bpf_map_delete_elem(F.map[MMS_MAP_ROUTES], &zero);
	run_tc("no route at all: dropped, NO_ROUTE event", &in, TC_ACT_SHOT,
	       MMS_S_DROP_NO_ROUTE, &in, MMS_EV_NO_ROUTE, 0);
	run_tc("no route again at once: event rate-limited", &in, TC_ACT_SHOT,
	       MMS_S_DROP_NO_ROUTE, &in, 0, 0);
	routes("10.77.0.10", alt_down, 1, &set);
	ip_packet(&in, "10.77.0.10", 40);
	run_tc("only route's port down: NO_ROUTE event naming the port", &in, TC_ACT_SHOT,
	       MMS_S_DROP_NO_ROUTE, &in, MMS_EV_NO_ROUTE, 4);

	ip_packet(&in, "224.0.0.251", 40);
	run_tc("IPv4 multicast: dropped without event", &in, TC_ACT_SHOT, MMS_S_DROP_NO_ROUTE,
	       &in, 0, 0);
	ip_packet(&in, "169.254.1.1", 40);
	run_tc("IPv4 link-local: dropped without event", &in, TC_ACT_SHOT, MMS_S_DROP_NO_ROUTE,
	       &in, 0, 0);
	routes(NULL, one, 1, &set);
	ip_packet(&in, "10.77.255.255", 40);
	memset(in.b, 0xff, 6);
	run_tc("unicast IP to a group MAC: dropped without event", &in, TC_ACT_SHOT,
	       MMS_S_DROP_NO_ROUTE, &in, 0, 0);
	bpf_map_delete_elem(F.map[MMS_MAP_ROUTES], &zero);
	ip6_packet(&in, "ff02::1");
	run_tc("IPv6 multicast: dropped without event", &in, TC_ACT_SHOT, MMS_S_DROP_NO_ROUTE,
	       &in, 0, 0);
	ip6_packet(&in, "fe80::1");
	run_tc("IPv6 link-local: dropped without event", &in, TC_ACT_SHOT, MMS_S_DROP_NO_ROUTE,
	       &in, 0, 0);

	in.len = 0;
	hex("ffffffffffff" "000000000000" "0806" "0001080006040001", &in);
	run_tc("ARP: not IP", &in, TC_ACT_SHOT, MMS_S_DROP_NOT_IP, &in, 0, 0);
	ip_packet(&in, "10.77.0.5", 40);
	in.b[14] = 0x65;
	run_tc("EtherType IPv4, version 6: not IP", &in, TC_ACT_SHOT, MMS_S_DROP_NOT_IP, &in, 0, 0);
	/* An IP header cut short (DROP_TRUNCATED) cannot be fed: test_run refuses
	 * IP frames shorter than their header, as the stack never sends one. */

	ring_buffer__free(rb);
	tc_seq_clock();
}

/* ---- setup ---- */

static int node_b(void)
{
	struct mms_nbr a = { .ifindex = FIX_LO, .state = MMS_NBR_UP };
	struct mms_nbr c = a, x = a, down = a, gone = a, other = a;
	__u32 k0 = 0, lo = FIX_LO;
	int err = 0;

	memcpy(a.mac, mac_a, 6);
	memcpy(a.smac, mac_b1, 6);
	memcpy(c.mac, mac_c, 6);
	memcpy(c.smac, mac_b2, 6);
	memcpy(x.mac, mac_x, 6);
	memcpy(x.smac, mac_bx, 6);
	x.vlan = 100;
	down.state = 0;
	gone.ifindex = FIX_NO_DEV;
	other.ifindex = FIX_NO_DEV;
	memcpy(other.mac, mac_a, 6);
	memcpy(F.cfg.mm0_mac, mm0_mac, 6);
	F.cfg.prio = 3;
	F.cfg.pcp = 5;
	F.cfg.dscp = MMS_DSCP_KEEP;
	err |= fix_key(&F, key_of[1], EPOCH);
	err |= fix_port(&F, 1, &a);
	err |= fix_port(&F, 2, &c);
	err |= fix_port(&F, 3, &x);
	err |= fix_port(&F, 4, &down);
	err |= fix_port(&F, 5, &gone);
	err |= fix_port(&F, 6, &other);
	err |= bpf_map_update_elem(F.map[MMS_MAP_TX], &k0, &lo, BPF_ANY);
	return err | fix_sync(&F);
}

/* ---- XDP: absorbed hellos (mms_hello_tpl, mms_hello_seen) ---- */

/* a's hello to b, literal: broadcast, from mac_a, link scope, 44-byte
 * hello (a's id, b's id seen, ports 1 and 1, hold 45 ms, CM, two-way) and
 * an empty authenticator trailer: 68 bytes from the route header on. */
static void hello_a(struct frame *f)
{
	f->len = 0;
	hex("ffffffffffff" "024d4d530002" "88b5", f);
	hex("01030000" "00000000" "00000000" "00000000", f);	/* route header */
	hex("01000030", f);					/* HELLO, 48 bytes */
	hex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf", f);		/* id */
	hex("b0b1b2b3b4b5b6b7b8b9babbbcbdbebf", f);		/* seen */
	hex("0001" "0001" "002d" "01" "01" "0000" "0000", f);
	hex("00000000", f);					/* trailer */
}

static struct mms_hello_key hkey(const __u8 mac[6], __u16 vlan)
{
	struct mms_hello_key k = { .ifindex = FIX_LO, .vlan = vlan };

	memcpy(k.mac, mac, 6);
	return k;
}

static struct mms_hello_tpl htpl(const struct frame *f, __u32 l2, __u32 slot)
{
	struct mms_hello_tpl t = { .slot = slot, .len = (__u16)(f->len - l2) };

	memcpy(t.b, f->b + l2, f->len - l2);
	return t;
}

/* The frame through mms_xdp; also whether mms_hello_seen[slot] was written,
 * with the program's clock during the run, and nothing else. */
static void run_hello(const char *desc, const struct frame *in, __u32 act, int stat,
		      int slot)
{
	__u64 before[MMS_HELLO_SLOTS], t0, t1;
	int moved = -1;
	struct fix_run r;

	for (int i = 0; i < MMS_HELLO_SLOTS; i++)
		before[i] = F.seen[i];
	t0 = fix_clock_ns(CLOCK_MONOTONIC);
	if (fix_run(&F, MMS_PROG_XDP, in->b, in->len, FIX_LO, &r)) {
		ok(0, "%s: test run failed: %s", desc, strerror(errno));
		return;
	}
	t1 = fix_clock_ns(CLOCK_MONOTONIC);
	for (int i = 0; i < MMS_HELLO_SLOTS; i++)
		if (F.seen[i] != before[i])
			moved = moved == -1 && F.seen[i] >= t0 && F.seen[i] <= t1 ? i : -2;
	check(desc, &r, act, stat, in);
	ok(moved == slot, "%s: arrival slot %d written (want %d)", desc, moved, slot);
}

static void xdp_hello(void)
{
	struct frame h, g;
	struct mms_hello_key ka = hkey(mac_a, 0), kv = hkey(mac_a, 100);
	struct mms_hello_tpl ta, tv;

	hello_a(&h);
	ta = htpl(&h, MMS_ETH_LEN, 1);
	ok(ta.len == 68, "a's hello is 68 bytes from its route header");
	run_hello("hello, no template: to the agent", &h, XDP_PASS, MMS_S_LINK_AGENT, -1);
	ok(fix_hello(&F, &ka, &ta) == 0, "template of a's hello installed, slot 1");
	run_hello("the same hello: absorbed, arrival recorded", &h, XDP_DROP,
		  MMS_S_HELLO_ABSORBED, 1);
	run_hello("and again", &h, XDP_DROP, MMS_S_HELLO_ABSORBED, 1);
	g = h;
	g.b[g.len - 5] ^= 0x01;		/* the body's last byte before the trailer */
	run_hello("one byte of the body differs: to the agent", &g, XDP_PASS, MMS_S_LINK_AGENT,
		  -1);
	g = h;
	g.b[MMS_ETH_LEN + 4] = 1;	/* the route header's epoch byte */
	run_hello("one byte of the route header differs: to the agent", &g, XDP_PASS,
		  MMS_S_LINK_AGENT, -1);
	g = h;
	memcpy(g.b + 6, mac_c, 6);
	run_hello("from another MAC: to the agent", &g, XDP_PASS, MMS_S_LINK_AGENT, -1);
	g = h;
	g.b[0] = 0x02;			/* unicast to us: the destination is not compared */
	run_hello("another destination MAC: absorbed", &g, XDP_DROP, MMS_S_HELLO_ABSORBED, 1);
	g = h;
	memset(g.b + g.len, 0, 6);
	g.len += 6;
	run_hello("Ethernet padding after the body: absorbed", &g, XDP_DROP,
		  MMS_S_HELLO_ABSORBED, 1);
	g = h;
	g.len -= 1;
	run_hello("cut by one byte: truncated, as before", &g, XDP_DROP, MMS_S_DROP_TRUNCATED, -1);
	g = h;
	g.b[MMS_ETH_LEN + MMS_HDR_LEN + 3] += 1;	/* pl.len 49 */
	g.b[g.len++] = 0;
	run_hello("one byte longer: to the agent", &g, XDP_PASS, MMS_S_LINK_AGENT, -1);
	g = h;
	vlan_tag(&g, 5 << 13 | 100);
	run_hello("tagged VID 100, template untagged: to the agent", &g, XDP_PASS,
		  MMS_S_LINK_AGENT, -1);
	tv = htpl(&g, MMS_ETH_LEN + 4, 7);
	ok(fix_hello(&F, &kv, &tv) == 0, "template for VID 100, slot 7");
	run_hello("tagged VID 100 with its template: absorbed in slot 7", &g, XDP_DROP,
		  MMS_S_HELLO_ABSORBED, 7);
	g.b[15] ^= 1;			/* VID 101 */
	run_hello("tagged VID 101: to the agent", &g, XDP_PASS, MMS_S_LINK_AGENT, -1);
	ok(fix_hello(&F, &kv, NULL) == 0 && fix_hello(&F, &ka, NULL) == 0, "templates removed");
	run_hello("template removed: to the agent", &h, XDP_PASS, MMS_S_LINK_AGENT, -1);
	/* a hello longer than a template can be: the first 96 bytes as a
	 * template (len 96) match nothing of 100 */
	g = h;
	for (int i = 0; i < 32; i++)
		g.b[g.len++] = (__u8)i;
	g.b[MMS_ETH_LEN + MMS_HDR_LEN + 3] += 32;	/* 80 bytes of body */
	ta = htpl(&g, MMS_ETH_LEN, 1);			/* 100: one too many */
	ok(ta.len == 100, "a hello of 100 bytes");
	ta.len = MMS_HELLO_TPL_MAX;
	ok(fix_hello(&F, &ka, &ta) == 0, "template of its first 96 bytes");
	run_hello("hello over the template size: to the agent", &g, XDP_PASS, MMS_S_LINK_AGENT,
		  -1);
	fix_hello(&F, &ka, NULL);
}

static void set_port_semantics(void)
{
	struct mms_nbr n = { .ifindex = FIX_LO, .state = MMS_NBR_UP };
	__u32 k = 7, ifi = 0;

	ok(mms_dp_set_port(F.dp, 7, &n) == 0 &&
	   bpf_map_lookup_elem(F.map[MMS_MAP_TX], &k, &ifi) == 0 && ifi == FIX_LO,
	   "set_port fills the devmap slot with the neighbour's link");
	ok(mms_dp_set_port(F.dp, 7, NULL) == 0 &&
	   bpf_map_lookup_elem(F.map[MMS_MAP_TX], &k, &ifi) == -ENOENT,
	   "set_port(NULL) empties it again");
	ok(mms_dp_set_port(F.dp, 0, &n) == -EINVAL && mms_dp_set_port(F.dp, 256, &n) == -EINVAL,
	   "set_port refuses port 0 and ports beyond the table");
}

int main(void)
{
	const char *why = fix_skip_reason();

	if (why)
		return tap_skip_all(why);
	if (fix_netns() || fix_lo_mtu(1500))
		return tap_skip_all("cannot make a network namespace");
	for (int i = 0; i < 5; i++)
		for (int b = 0; b < 16; b++)
			key_of[i][b] = (__u8)(0x10 * i + b);
	mms_e2e_derive(key_of[1], MMS_E2E_DOWN, &key_b_down);

	for (hop_cache = 1; hop_cache >= 0; hop_cache--) {
		if (!ok(fix_open(&F, hop_cache) == 0, "datapath loads (hop cache %s)",
			hop_cache ? "on" : "off"))
			return tap_done();
		ok(node_b() == 0, "node b's maps seeded");
		xdp_table();
		xdp_forward_vector();
		xdp_forward_vlan();
		xdp_deliver();
		xdp_replay();
		if (hop_cache)
			xdp_replay_full();
		xdp_key_change();
		xdp_gone_link();
		xdp_hello();
		if (hop_cache) {
			xdp_data_off();
			tx_data_off();
			tc_cases();
			set_port_semantics();
		}
		fix_close(&F);
	}
	return tap_done();
}
