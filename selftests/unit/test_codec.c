// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Codec known-answer and behaviour tests:
 *  - AES-128 (the table decryption shared with BPF) against FIPS-197 and
 *    SP 800-38A vectors, and against OpenSSL on random blocks;
 *  - a fixed route whose sealed hop fields are checked in below;
 *  - walking routes and beacons hop by hop through mms_process();
 *  - every single-bit flip of the route header and hop fields dropped at the
 *    very next hop.
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "tap.h"
#include "codec.h"
#include "mms_aes.h"

struct aes_vec {
	const char *src, *key, *pt, *ct;
};

static const struct aes_vec aes_vecs[] = {
	{ "FIPS-197 C.1", "000102030405060708090a0b0c0d0e0f",
	  "00112233445566778899aabbccddeeff", "69c4e0d86a7b0430d8cdb78070b4c55a" },
	{ "FIPS-197 B", "2b7e151628aed2a6abf7158809cf4f3c",
	  "3243f6a8885a308d313198a2e0370734", "3925841d02dc09fbdc118597196a0b32" },
	{ "SP800-38A F.1.1 #1", "2b7e151628aed2a6abf7158809cf4f3c",
	  "6bc1bee22e409f96e93d7e117393172a", "3ad77bb40d7a3660a89ecaf32466ef97" },
	{ "SP800-38A F.1.1 #2", "2b7e151628aed2a6abf7158809cf4f3c",
	  "ae2d8a571e03ac9c9eb76fac45af8e51", "f5d3d58503b9699de785895a96fdbaaf" },
	{ "SP800-38A F.1.1 #3", "2b7e151628aed2a6abf7158809cf4f3c",
	  "30c81c46a35ce411e5fbc1191a0a52ef", "43b1cd7f598ece23881b00e3ed030688" },
	{ "SP800-38A F.1.1 #4", "2b7e151628aed2a6abf7158809cf4f3c",
	  "f69f2445df4f9b17ad2b417be66c3710", "7b0c785e27e8ad3f8223207104725dd4" },
};

static void test_aes_kat(void)
{
	for (size_t i = 0; i < sizeof(aes_vecs) / sizeof(aes_vecs[0]); i++) {
		const struct aes_vec *v = &aes_vecs[i];
		__u8 key[16], pt[16], ct[16];
		struct mms_key k;
		struct mms_hop c, sealed;
		struct mms_hop_plain p;

		hex2bin(v->key, key, 16);
		hex2bin(v->pt, pt, 16);
		hex2bin(v->ct, ct, 16);
		mms_key_schedule(key, &k, 0);
		memcpy(c.c, ct, 16);
		mms_hop_open(k.rk, &c, &p);
		ok(!memcmp(&p, pt, 16), "table AES decrypts %s", v->src);
		memcpy(&p, pt, 16);
		ok(!mms_hop_seal(key, &p, &sealed) && !memcmp(sealed.c, ct, 16),
		   "seal (OpenSSL) encrypts %s", v->src);
	}
}

static void test_aes_random(void)
{
	int bad = 0, n = 2000;

	for (int i = 0; i < n; i++) {
		__u8 key[16], pt[16], out[16];
		struct mms_key k;
		struct mms_hop c;
		EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
		int len = 0;

		RAND_bytes(key, 16);
		RAND_bytes(c.c, 16);
		mms_key_schedule(key, &k, 0);
		mms_hop_open(k.rk, &c, (struct mms_hop_plain *)pt);
		EVP_DecryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, key, NULL);
		EVP_CIPHER_CTX_set_padding(ctx, 0);
		EVP_DecryptUpdate(ctx, out, &len, c.c, 16);
		EVP_CIPHER_CTX_free(ctx);
		bad += len != 16 || memcmp(out, pt, 16);
	}
	ok(bad == 0, "table AES agrees with OpenSSL on %d random key/block pairs (%d differ)", n, bad);
}

/* A restarted agent takes its keys back from mms_keys (mms_key_recover). */
static void test_key_recover(void)
{
	int bad = 0, n = 500;
	__u8 key[16], back[16];
	struct mms_key k;

	for (int i = 0; i < n; i++) {
		RAND_bytes(key, 16);
		mms_key_schedule(key, &k, (__u8)i);
		bad += mms_key_recover(&k, back) || memcmp(key, back, 16);
	}
	ok(bad == 0, "mms_key_recover gives back the key of %d random schedules (%d differ)", n, bad);
	memset(&k, 0, sizeof(k));
	ok(mms_key_recover(&k, back) == -ENOKEY, "an empty slot holds no key");
	mms_key_schedule(key, &k, 3);
	k.epoch = 300;
	ok(mms_key_recover(&k, back) == -ENOKEY, "nor a slot with an epoch out of range");
}

/* A five-node line a-b-c-d-e; a sends to e. Node i owns key kN[i] and
 * ports: 1 = towards the left neighbour, 2 = towards the right one. */
#define NODES 5
static __u8 keys[NODES][16];
static struct mms_key sched[NODES][MMS_EPOCH_SLOTS];
static struct mms_nbr nbrs[NODES][MMS_MAX_PORTS];
static struct mms_cfg cfg = { .mm0_mac = { 0x02, 0, 0, 0, 0, 0xee }, .pcp = 6 };
static const __u8 tag0[4] = { 0xde, 0xad, 0xbe, 0xef };
#define EXPIRY 2000000000u	/* 2033-05-18 */
#define NOW 1900000000u

static void mac_of(int node, int side, __u8 mac[6])
{
	__u8 m[6] = { 0x02, 0x4d, 0x4d, 0x53, (__u8)node, (__u8)side };

	memcpy(mac, m, 6);
}

static void setup_line(void)
{
	for (int i = 0; i < NODES; i++) {
		for (int b = 0; b < 16; b++)
			keys[i][b] = (__u8)(0x10 * i + b);
		memset(sched[i], 0, sizeof(sched[i]));
		mms_key_schedule(keys[i], &sched[i][7 % MMS_EPOCH_SLOTS], 7);
		memset(nbrs[i], 0, sizeof(nbrs[i]));
		if (i > 0) {	/* port 1: left; link ifindex 100+i */
			nbrs[i][1].ifindex = 100 + (__u32)i;
			mac_of(i - 1, 2, nbrs[i][1].mac);
			mac_of(i, 1, nbrs[i][1].smac);
			nbrs[i][1].state = MMS_NBR_UP;
		}
		if (i < NODES - 1) {	/* port 2: right; link ifindex 200+i */
			nbrs[i][2].ifindex = 200 + (__u32)i;
			mac_of(i + 1, 1, nbrs[i][2].mac);
			mac_of(i, 2, nbrs[i][2].smac);
			nbrs[i][2].state = MMS_NBR_UP;
		}
	}
}

static void view(int node, struct mms_node_view *nv)
{
	memset(nv, 0, sizeof(*nv));
	nv->keys = sched[node];
	nv->nbrs = nbrs[node];
	nv->cfg = &cfg;
	nv->now_s = NOW;
	nv->ingress_ifindex = 0;
}

/* Build a->e: hops b, c, d forward right; e is the destination. */
static int build_a_to_e(struct mms_route *rt)
{
	struct mms_hop_spec spec[4];

	for (int j = 0; j < 4; j++) {
		spec[j].key = keys[j + 1];
		spec[j].ingress = 1;
		spec[j].egress = 2;
	}
	return mms_route_build(rt, 2, spec, 4, 7, EXPIRY, tag0);
}

/* Checked-in sealed fields of build_a_to_e(): any change to the hop field
 * construction, the key schedule or the cipher shows up here. */
static const char *const route_vec[4] = {
	"573b89c6ad5c84f2ae543420d166fed0",
	"ce00c22e197ad253e26a3f870a34acb6",
	"eb72120c24a0c40f5afa49c261e33a91",
	"61d5d4082de7a69e0d09f7a82a6f9783",
};

/* Deliver a frame sent by node `from` out of its `port` to the neighbour:
 * returns the receiving node and sets the ingress ifindex. */
static int link_peer(int from, __u16 port, __u32 *ifindex)
{
	int to = port == 2 ? from + 1 : from - 1;

	*ifindex = nbrs[to][port == 2 ? 1 : 2].ifindex;
	return to;
}

/* Walk a frame from `from` (sent on `port`) until it is delivered or dropped.
 * Returns the final result; *at is the node that produced it. */
static struct mms_result walk(__u8 *buf, size_t len, int from, __u16 port, int *at, int *hops)
{
	struct mms_result r = { 0 };
	size_t off = 0;
	int node = from;

	*hops = 0;
	for (int guard = 0; guard < 2 * MMS_MAX_HOPS; guard++) {
		struct mms_node_view nv;
		__u32 ifi;

		node = link_peer(node, port, &ifi);
		view(node, &nv);
		nv.ingress_ifindex = ifi;
		mms_process(&nv, buf + off, len, &r);
		if (r.verdict != MMS_V_FORWARD)
			break;
		(*hops)++;
		off += r.off;
		len = r.len;
		port = r.port;
	}
	*at = node;
	return r;
}

static void test_route_vectors(void)
{
	struct mms_route rt;
	char hex[33];
	int same = 1;

	ok(build_a_to_e(&rt) == 0, "route a->e builds");
	for (int j = 0; j < 4; j++) {
		for (int b = 0; b < 16; b++)
			sprintf(hex + 2 * b, "%02x", rt.hops[j].c[b]);
		if (strcmp(hex, route_vec[j])) {
			diag("hop %d: got %s want %s", j, hex, route_vec[j]);
			same = 0;
		}
	}
	ok(same, "sealed hop fields match the checked-in vectors");
	ok(rt.nhops == 4 && rt.port == 2 && rt.epoch == 7 && ntohl(rt.expiry) == EXPIRY,
	   "route metadata");
	for (int j = 0; j < 4; j++) {
		struct mms_hop_plain p;

		mms_hop_open(sched[j + 1][7 % MMS_EPOCH_SLOTS].rk, &rt.hops[j], &p);
		ok((p.ctl & MMS_HOP_IDX_MASK) == 3 - j && !!(p.ctl & MMS_HOP_LAST) == (j == 3) &&
		   ntohs(p.ingress) == 1 && ntohs(p.egress) == (j == 3 ? 0 : 2),
		   "hop %d opens to index %d with the right ports", j, 3 - j);
		/* a neighbour's key must not open it */
		mms_hop_open(sched[(j + 2) % NODES][7 % MMS_EPOCH_SLOTS].rk, &rt.hops[j], &p);
		ok(memcmp(p.tag, tag0, 4) || p.expiry != htonl(EXPIRY),
		   "hop %d does not open under another node's key", j);
	}
}

/* A fresh sequence word for each DATA frame built here. */
static __u64 next_seq(void)
{
	static __u64 n = 1000;

	return mms_seq_word(1, ++n);
}

static void test_walk(void)
{
	struct mms_route rt;
	__u8 buf[2048], mac_b[6], mac_a[6], ip[40] = { 0x45 };
	struct mms_result r;
	int len, at, hops;

	build_a_to_e(&rt);
	mms_e2e_derive(keys[4], MMS_E2E_DOWN, &rt.e2e);
	mac_of(1, 1, mac_b);
	mac_of(0, 2, mac_a);
	len = mms_frame_data(buf, sizeof(buf), &rt, mac_b, mac_a, next_seq(), ip, sizeof(ip));
	ok(len == 14 + 16 + 4 * 16 + 4 + 8 + 8 + 40, "frame length %d (tag and sequence word: 16)", len);
	r = walk(buf, (size_t)len, 0, 2, &at, &hops);
	ok(r.verdict == MMS_V_DELIVER_MM0 && at == 4 && hops == 3,
	   "IP bearer frame reaches e's mm0 after 3 forwards (verdict %d at %d, %d hops)",
	   r.verdict, at, hops);
	ok(r.len == 14 + sizeof(ip) && r.stat == MMS_S_DELIVER_MM0, "delivered packet is the IP packet");

	len = mms_frame_route(buf, sizeof(buf), &rt, mac_b, mac_a, MMS_T_LSA, "x", 1);
	r = walk(buf, (size_t)len, 0, 2, &at, &hops);
	ok(r.verdict == MMS_V_DELIVER_AGENT && at == 4, "control frame reaches e's agent");

	/* expired and unknown epoch */
	len = mms_frame_data(buf, sizeof(buf), &rt, mac_b, mac_a, next_seq(), ip, sizeof(ip));
	{
		struct mms_node_view nv;

		view(1, &nv);
		nv.ingress_ifindex = nbrs[1][1].ifindex;
		nv.now_s = EXPIRY;
		mms_process(&nv, buf, (size_t)len, &r);
		ok(r.verdict == MMS_V_DROP && r.stat == MMS_S_DROP_EXPIRED, "expired route dropped");
		nv.now_s = NOW;
		nv.ingress_ifindex = 999;
		mms_process(&nv, buf, (size_t)len, &r);
		ok(r.stat == MMS_S_DROP_INGRESS, "wrong ingress link dropped");
	}
}

/* Every single-bit flip of the route header and the hop fields, on the
 * first link, is dropped by the very next hop (b). */
static void test_bitflips(void)
{
	struct mms_route rt;
	__u8 orig[512], buf[512], mac_b[6], mac_a[6], ip[40] = { 0x45 };
	int len, bits, dropped_at_b = 0, total = 0;

	build_a_to_e(&rt);
	mac_of(1, 1, mac_b);
	mac_of(0, 2, mac_a);
	len = mms_frame_route(orig, sizeof(orig), &rt, mac_b, mac_a, MMS_T_DATA, ip, sizeof(ip));
	bits = (MMS_HDR_LEN + 4 * MMS_HOP_LEN) * 8;
	for (int bit = 0; bit < bits; bit++) {
		struct mms_node_view nv;
		struct mms_result r;

		memcpy(buf, orig, (size_t)len);
		buf[MMS_ETH_LEN + bit / 8] ^= (__u8)(1u << (bit % 8));
		view(1, &nv);
		nv.ingress_ifindex = nbrs[1][1].ifindex;
		mms_process(&nv, buf, (size_t)len, &r);
		total++;
		if (r.verdict == MMS_V_DROP && r.stat >= MMS_S_DROP_TRUNCATED)
			dropped_at_b++;
		else
			diag("bit %d survived b: verdict %d stat %s", bit, r.verdict,
			     mms_stat_name(r.stat));
	}
	ok(dropped_at_b == total, "%d/%d single-bit flips of header and hop fields dropped at the next hop",
	   dropped_at_b, total);
}

/* A beacon from MA (node 0) across b, c, d: each appends its own hop with its
 * own key; the reversed route from e's side must lead back to the MA. */
static void test_beacon_reverse(void)
{
	struct mms_hop hops[MMS_MAX_HOPS];
	__u8 n = 0, buf[1024], mac[2][6], ip[20] = { 0x45 };
	struct mms_route rt;
	struct mms_result r;
	int len, at, hp;

	/* MA: its own LAST field; the reversed frame arrives on its port 2. */
	ok(mms_beacon_push_hop(hops, &n, keys[0], 0, 2, EXPIRY, tag0) == 0, "MA seals its field");
	/* b, c, d: egress 1 (towards the MA), ingress 2 (re-flooded rightwards). */
	for (int i = 1; i <= 3; i++)
		mms_beacon_push_hop(hops, &n, keys[i], 1, 2, EXPIRY, tag0);
	ok(n == 4, "beacon carries 4 fields after d");
	/* e caches the reverse route: send on its port 1. */
	memset(&rt, 0, sizeof(rt));
	rt.port = 1;
	rt.nhops = n;
	rt.epoch = 7;
	rt.expiry = htonl(EXPIRY);
	memcpy(rt.tag, tag0, 4);
	memcpy(rt.hops, hops, n * sizeof(hops[0]));
	mac_of(3, 2, mac[0]);
	mac_of(4, 1, mac[1]);
	len = mms_frame_route(buf, sizeof(buf), &rt, mac[0], mac[1], MMS_T_BEACON_ACK, "ack", 3);
	r = walk(buf, (size_t)len, 4, 1, &at, &hp);
	ok(r.verdict == MMS_V_DELIVER_AGENT && at == 0 && hp == 3,
	   "reverse beacon route from e reaches the MA's agent (verdict %d at %d)", r.verdict, at);
	/* ... but IP bearer data over it dies at the MA: the MA's own field is
	 * sealed control-only, since anyone who hears a beacon holds its route */
	len = mms_frame_data(buf, sizeof(buf), &rt, mac[0], mac[1], next_seq(), ip, sizeof(ip));
	r = walk(buf, (size_t)len, 4, 1, &at, &hp);
	ok(r.verdict == MMS_V_DROP && r.stat == MMS_S_DROP_CTRL_ONLY && at == 0,
	   "IP bearer data over a beacon's reverse route dropped at the MA (%s)",
	   mms_stat_name(r.stat));
	/* a 17th field is refused */
	n = MMS_MAX_HOPS;
	ok(mms_beacon_push_hop(hops, &n, keys[1], 1, 2, EXPIRY, tag0) == -ENOSPC,
	   "beacon full at MMS_MAX_HOPS");
}

static void test_truncation(void)
{
	struct mms_route rt;
	__u8 orig[512], mac_b[6], mac_a[6], ip[40] = { 0x45 };
	int len, bad = 0;

	build_a_to_e(&rt);
	mac_of(1, 1, mac_b);
	mac_of(0, 2, mac_a);
	len = mms_frame_data(orig, sizeof(orig), &rt, mac_b, mac_a, next_seq(), ip, sizeof(ip));
	for (int l = 0; l < len; l++) {
		struct mms_node_view nv;
		struct mms_result r;
		__u8 *cut = malloc(l ? (size_t)l : 1);

		memcpy(cut, orig, (size_t)l);
		view(1, &nv);
		nv.ingress_ifindex = nbrs[1][1].ifindex;
		mms_process(&nv, cut, (size_t)l, &r);
		if (l < MMS_ETH_LEN ? r.verdict != MMS_V_PASS
				    : (r.verdict != MMS_V_DROP || r.stat != MMS_S_DROP_TRUNCATED))
			bad++;
		free(cut);
	}
	ok(bad == 0, "every truncation of a %d-byte frame is passed (non-MMS) or dropped as truncated", len);
}

static void test_build_errors(void)
{
	struct mms_route rt;
	struct mms_hop_spec spec[MMS_MAX_HOPS + 1];

	for (int j = 0; j <= MMS_MAX_HOPS; j++) {
		spec[j].key = keys[0];
		spec[j].ingress = 1;
		spec[j].egress = 2;
	}
	ok(mms_route_build(&rt, 2, spec, MMS_MAX_HOPS + 1, 0, EXPIRY, tag0) == -EINVAL,
	   "17 hops refused");
	ok(mms_route_build(&rt, 2, spec, 0, 0, EXPIRY, tag0) == -EINVAL, "0 hops refused");
	ok(mms_route_build(&rt, 0, spec, 2, 0, EXPIRY, tag0) == -EINVAL, "port 0 refused");
	ok(mms_route_build(&rt, 2, spec, MMS_MAX_HOPS, 0, EXPIRY, tag0) == 0, "16 hops accepted");
	spec[0].egress = 0;
	ok(mms_route_build(&rt, 2, spec, 2, 0, EXPIRY, tag0) == -EINVAL, "transit hop without egress refused");
}

int main(void)
{
	test_aes_kat();
	test_aes_random();
	test_key_recover();
	setup_line();
	test_route_vectors();
	test_walk();
	test_bitflips();
	test_beacon_reverse();
	test_truncation();
	test_build_errors();
	return tap_done();
}
