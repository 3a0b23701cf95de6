// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * End-to-end DATA tags (include/mms_e2e.h, agent/codec.c):
 *  - SipHash-2-4 against the published reference vectors (key 00..0f,
 *    message 00..len-1, from the reference implementation's vectors.h) and
 *    against OpenSSL's SIPHASH MAC on random keys and messages of every
 *    length up to MMS_DATA_MAX + 16 (route word, sequence word, packet);
 *  - key derivation: per direction, per hop key, deterministic;
 *  - at the destination (mms_process(), the normative model): a tagged
 *    packet is delivered; every single-bit flip of its payload is refused;
 *    a relay holding the rest of a route cannot put its own packet through
 *    it under any key it holds; an MA takes a CM's packets under that CM's
 *    key from its set, and not a relay's packet claiming that CM's address.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "tap.h"
#include "codec.h"

static void test_vectors(void)
{
	/* SipHash-2-4, 64-bit output, as bytes (the output word little-endian). */
	static const struct { size_t len; const char *out; } v[] = {
		{ 0, "310e0edd47db6f72" }, { 1, "fd67dc93c539f874" }, { 7, "37d1018bf50002ab" },
		{ 8, "6224939a79f5f593" }, { 9, "b0e4a90bdf82009e" }, { 15, "e545be4961ca29a1" },
	};
	struct mms_e2e_key k = { { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull } };
	__u8 msg[16];

	for (int i = 0; i < 16; i++)
		msg[i] = (__u8)i;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		__u64 t = mms_siphash24(&k, msg, v[i].len);
		char hex[17];

		for (int b = 0; b < 8; b++)
			snprintf(hex + 2 * b, 3, "%02x", (unsigned)(t >> (8 * b)) & 0xff);
		ok(!strcmp(hex, v[i].out), "reference vector, %zu-byte message: %s", v[i].len, hex);
	}
}

/* OpenSSL's SipHash (EVP_MAC "SIPHASH", 8-byte output, 2-4 rounds). */
static int ossl_siphash(const __u8 key[16], const __u8 *msg, size_t len, __u8 out[8])
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	size_t size = 8, n = 0;
	OSSL_PARAM p[] = { OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size),
			   OSSL_PARAM_construct_end() };
	int rc = ctx && EVP_MAC_init(ctx, key, 16, p) && EVP_MAC_update(ctx, msg, len) &&
		 EVP_MAC_final(ctx, out, &n, 8) && n == 8 ? 0 : -1;

	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return rc;
}

static void test_openssl(void)
{
	static __u8 msg[MMS_DATA_MAX + 16];
	int bad = 0, failed = 0;

	for (size_t len = 0; len <= sizeof(msg); len++) {
		__u8 key[16], want[8];
		struct mms_e2e_key k;
		__u64 t;

		RAND_bytes(key, sizeof(key));
		RAND_bytes(msg, (int)len);
		if (ossl_siphash(key, msg, len, want)) {
			failed++;
			continue;
		}
		memset(&k, 0, sizeof(k));
		for (int b = 0; b < 8; b++) {
			k.k[0] |= (__u64)key[b] << (8 * b);
			k.k[1] |= (__u64)key[8 + b] << (8 * b);
		}
		t = mms_siphash24(&k, msg, len);
		for (int b = 0; b < 8; b++)
			bad += (__u8)(t >> (8 * b)) != want[b];
	}
	ok(failed == 0 && bad == 0, "agrees with OpenSSL's SipHash on %zu random messages "
	   "(0..%zu bytes; %d failed, %d bytes differ)", sizeof(msg) + 1, sizeof(msg), failed, bad);
}

static void test_derive(void)
{
	__u8 h1[16], h2[16];
	struct mms_e2e_key d1, u1, d1b, d2;

	for (int i = 0; i < 16; i++) {
		h1[i] = (__u8)i;
		h2[i] = (__u8)(i + (i == 15));
	}
	ok(!mms_e2e_derive(h1, MMS_E2E_DOWN, &d1) && !mms_e2e_derive(h1, MMS_E2E_UP, &u1) &&
	   !mms_e2e_derive(h1, MMS_E2E_DOWN, &d1b) && !mms_e2e_derive(h2, MMS_E2E_DOWN, &d2),
	   "keys derive");
	ok(!memcmp(&d1, &d1b, sizeof(d1)), "derivation is deterministic");
	ok(memcmp(&d1, &u1, sizeof(d1)), "the two directions have different keys");
	ok(memcmp(&d1, &d2, sizeof(d1)), "hop keys one bit apart give unrelated keys");
}

/* ---- at the destination ---- */

#define NOW	1900000000u
#define EXPIRY	(NOW + 600)
#define EPOCH	3

static __u8 hk[4][16];			/* hop keys: 0 = the MA, 1 = b, 2 = c, 3 = d */
static struct mms_key sched[4][MMS_EPOCH_SLOTS];
static struct mms_nbr nbrs[MMS_MAX_PORTS];
static struct mms_cfg cfg = { .mm0_mac = { 2, 0, 0, 0, 0, 0xee } };
static const __u8 tag0[4] = { 9, 8, 7, 6 };
static const __u8 mac_in[6] = { 2, 1, 1, 1, 1, 1 }, mac_us[6] = { 2, 2, 2, 2, 2, 2 };
static const struct mms_route_set *the_set;
static struct mms_addr set_addr;

static const struct mms_route_set *route_of(const void *ctx, const struct mms_addr *a)
{
	(void)ctx;
	return the_set && !memcmp(a, &set_addr, sizeof(*a)) ? the_set : NULL;
}

/* Run a frame at node `node` (arriving on port 1) through the model. */
/* A fresh sequence word for each DATA frame built here. */
static __u64 next_seq(void)
{
	static __u64 n = 1000;

	return mms_seq_word(1, ++n);
}

static struct mms_rp_table windows[5];	/* each node's replay windows */

static struct mms_result at(int node, __u8 *buf, int len)
{
	struct mms_node_view nv = { .keys = sched[node], .nbrs = nbrs, .cfg = &cfg,
				    .now_s = NOW, .ingress_ifindex = 7, .route = route_of,
				    .rp = &windows[node] };
	struct mms_result r;

	mms_process(&nv, buf, (size_t)len, &r);
	return r;
}

/* A one-field route to node `node`: the rest of any route at its last hop. */
static void last_hop(struct mms_route *rt, int node)
{
	struct mms_hop_spec s = { .key = hk[node], .ingress = 1 };

	mms_route_build(rt, 1, &s, 1, EPOCH, EXPIRY, tag0);
}

/* A 40-byte IPv4 packet from src to 10.0.0.4. */
static void ip4(__u8 *p, const char *src)
{
	static const __u8 h[20] = { 0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1,
				    10, 0, 0, 4 };
	struct in_addr a;

	memcpy(p, h, 20);
	inet_pton(AF_INET, src, &a);
	memcpy(p + 12, &a, 4);
	for (int i = 20; i < 40; i++)
		p[i] = (__u8)(i * 7);
}

static void test_destination(void)
{
	__u8 ip[40], orig[256], buf[256];
	struct mms_route rt;
	struct mms_result r;
	int len, refused = 0, as_tag = 0, flips = 0, to_agent = 0;
	size_t body;

	last_hop(&rt, 3);
	mms_e2e_derive(hk[3], MMS_E2E_DOWN, &rt.e2e);	/* the MA's route to d */
	ip4(ip, "10.0.0.1");
	len = mms_frame_data(orig, sizeof(orig), &rt, mac_us, mac_in, next_seq(), ip, sizeof(ip));
	memcpy(buf, orig, (size_t)len);
	r = at(3, buf, len);
	ok(r.verdict == MMS_V_DELIVER_MM0 && r.len == 14 + sizeof(ip) &&
	   !memcmp(buf + r.off + 14, ip, sizeof(ip)), "tagged packet delivered to d's mm0 (%s)",
	   mms_stat_name(r.stat));
	memcpy(buf, orig, (size_t)len);
	r = at(3, buf, len);
	ok(r.verdict == MMS_V_DROP && r.stat == MMS_S_DROP_REPLAY,
	   "the same frame again is refused: DROP_REPLAY (%s)", mms_stat_name(r.stat));

	/* Every single-bit flip of the payload: header, tag, IP packet. */
	body = MMS_ETH_LEN + MMS_HDR_LEN + MMS_HOP_LEN;
	for (size_t bit = 0; bit < ((size_t)len - body) * 8; bit++) {
		size_t byte = body + bit / 8;

		memcpy(buf, orig, (size_t)len);
		buf[byte] ^= (__u8)(1u << (bit % 8));
		r = at(3, buf, len);
		flips++;
		refused += r.verdict == MMS_V_DROP;
		/* DATA (7) turned into CONTROL, AUTH or BEACON_ACK: a control
		 * frame, which only the agent takes, by its MAC */
		to_agent += byte == body && r.verdict == MMS_V_DELIVER_AGENT;
		/* past the payload header and the IP version nibble, the tag decides */
		if (byte >= body + MMS_PL_LEN && (byte != body + MMS_PL_LEN + MMS_E2E_LEN ||
						  bit % 8 < 4))
			as_tag += r.stat != MMS_S_DROP_E2E_TAG;
	}
	ok(refused + to_agent == flips && to_agent == 3,
	   "%d/%d single-bit flips of the payload refused; the other %d turn the type into a "
	   "control type, for the agent (MACs) and never mm0", refused, flips, to_agent);
	ok(as_tag == 0, "every flip of the tag or the packet (IP version aside) is DROP_E2E_TAG "
	   "(%d otherwise)", as_tag);
}

/* c relays the MA's route to d: it holds d's field (the rest of the route)
 * and every key c has. None of them makes a tag d takes. */
static void test_relay(void)
{
	struct mms_e2e_key keys[4], zero;
	__u8 ip[40], buf[256];
	struct mms_route rt;
	int len, took = 0;

	memset(&zero, 0, sizeof(zero));
	mms_e2e_derive(hk[2], MMS_E2E_DOWN, &keys[0]);
	mms_e2e_derive(hk[2], MMS_E2E_UP, &keys[1]);
	mms_e2e_derive(hk[3], MMS_E2E_UP, &keys[2]);	/* d's other direction: not c's either */
	keys[3] = zero;
	ip4(ip, "10.0.0.3");
	for (int k = 0; k < 4; k++) {
		struct mms_result r;

		last_hop(&rt, 3);
		rt.e2e = keys[k];
		len = mms_frame_data(buf, sizeof(buf), &rt, mac_us, mac_in, next_seq(), ip, sizeof(ip));
		r = at(3, buf, len);
		took += r.verdict != MMS_V_DROP || r.stat != MMS_S_DROP_E2E_TAG;
	}
	ok(took == 0, "a relay's own packet on a route rest to d: DROP_E2E_TAG under each of "
	   "its keys, d's other key and a zero key");
}

/* The MA's side: CM e's packets checked with e's key from e's set. */
static void test_ma(void)
{
	struct mms_route_set set;
	struct mms_e2e_key up_e, up_c;
	__u8 ip[40], buf[256];
	struct mms_route rt;
	struct mms_result r;
	int len;

	memset(&set, 0, sizeof(set));
	mms_e2e_derive(hk[3], MMS_E2E_UP, &up_e);
	mms_e2e_derive(hk[2], MMS_E2E_UP, &up_c);
	set.rx[EPOCH % MMS_EPOCH_SLOTS] = (struct mms_e2e_rx){ .valid = 1, .epoch = EPOCH,
							       .key = up_e };
	mms_addr_parse("10.0.0.5", &set_addr);
	the_set = &set;
	ip4(ip, "10.0.0.5");
	last_hop(&rt, 0);
	rt.e2e = up_e;
	len = mms_frame_data(buf, sizeof(buf), &rt, mac_us, mac_in, next_seq(), ip, sizeof(ip));
	r = at(0, buf, len);
	ok(r.verdict == MMS_V_DELIVER_MM0, "MA: e's packet under e's key delivered (%s)",
	   mms_stat_name(r.stat));
	rt.e2e = up_c;
	len = mms_frame_data(buf, sizeof(buf), &rt, mac_us, mac_in, next_seq(), ip, sizeof(ip));
	r = at(0, buf, len);
	ok(r.stat == MMS_S_DROP_E2E_TAG, "MA: c's packet claiming e's address refused (%s)",
	   mms_stat_name(r.stat));
	mms_e2e_derive(hk[0], MMS_E2E_DOWN, &rt.e2e);
	len = mms_frame_data(buf, sizeof(buf), &rt, mac_us, mac_in, next_seq(), ip, sizeof(ip));
	r = at(0, buf, len);
	ok(r.stat == MMS_S_DROP_E2E_TAG, "MA: e's address under the MA's own key refused (%s)",
	   mms_stat_name(r.stat));
	the_set = NULL;
}

int main(void)
{
	for (int i = 0; i < 5; i++)
		mms_rp_table_init(&windows[i], MMS_RP_SOURCES);
	test_vectors();
	test_openssl();
	test_derive();
	for (int n = 0; n < 4; n++) {
		for (int b = 0; b < 16; b++)
			hk[n][b] = (__u8)(0x21 * n + b);
		mms_key_schedule(hk[n], &sched[n][EPOCH % MMS_EPOCH_SLOTS], EPOCH);
	}
	nbrs[1].ifindex = 7;
	nbrs[1].state = MMS_NBR_UP;
	memcpy(nbrs[1].mac, mac_in, 6);
	test_destination();
	test_relay();
	test_ma();
	return tap_done();
}
