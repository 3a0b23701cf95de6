// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Differential test: the XDP program and the reference model mms_process()
 * must agree on every frame of a large generated set: the action, the one
 * counter that moves, and every output byte.
 *
 * The set (fixed seed, so every run sees the same frames):
 *   - routes of 1..16 fields reaching this node: every payload type, three
 *     ingress ports (one tagged), every kind of egress port, tagged and
 *     untagged arrival, trailing padding, keys of several epochs;
 *   - b's field resealed with every plaintext check broken in turn, ports
 *     0, 1, 255, 256, 65535, expiry around now;
 *   - each of a dozen frames cut at every length;
 *   - DATA tagged end to end under this node's key, under a source's key
 *     from its route set, under a wrong key, or not at all;
 *   - every single-bit flip of the route header, the hop fields and the
 *     payload header of routes of 1, 2, 4 and 16 fields, and of the whole
 *     body (tag and IP packet) of a last-hop DATA frame;
 *   - every header byte set to 0, 1, 0xff and its neighbours;
 *   - random garbage: random bytes, behind the MMS EtherType, and behind a
 *     plausible route header.
 * It runs with the hop cache on and off; with the cache on, the node's key
 * is then replaced under the same epoch and the routes run again, so a
 * stale cache entry would show as a disagreement; then part of the set
 * runs again with data service off on the ingress interface, on another
 * interface, and in the map but not counted in mms_cfg.
 *
 * Outside the model, and so not generated: a neighbour that is up without a
 * devmap slot (DROP_REDIRECT, covered by test_xdp_golden.c). Frames shorter
 * than an Ethernet header cannot be fed to BPF_PROG_TEST_RUN.
 */
#include <stdlib.h>
#include "tap.h"
#include "dp_fixture.h"

#define EPOCH_A	5	/* slot 1: key_a */
#define EPOCH_B	6	/* slot 2: key_b */
#define EPOCH_X	7	/* slot 3 holds epoch 11: mismatch */
#define EXPIRY	(FIX_NOW + 3600)

#define H_N_FRAMES	5	/* senders gen_hellos installs templates for */

static struct fix F;
static __u8 key_a[16], key_b[16], key_c[16], key_other[16][16];
static const __u8 tag0[4] = { 0x11, 0x22, 0x33, 0x44 };
static __u8 mac_n[8][6], mac_s[8][6], mac_us[6], mm0_mac[6];

static struct {
	long frames, agree, by_verdict[MMS_V_DROP + 1];
	long replay;		/* agreed DROP_REPLAY: windows compared */
	long absorbed;		/* agreed HELLO_ABSORBED, the same slot written */
	int shown;
	const char *phase;
} st;

/* ---- deterministic randomness ---- */

static __u64 rs = 0x9e3779b97f4a7c15ull;

static __u64 rnd(void)
{
	rs ^= rs >> 12;
	rs ^= rs << 25;
	rs ^= rs >> 27;
	return rs * 0x2545f4914f6cdd1dull;
}

static __u32 rn(__u32 n)
{
	return (__u32)(rnd() % n);
}

static void rbytes(__u8 *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (__u8)rnd();
}

/* ---- one frame through both ---- */

static void dump(const char *what, const __u8 *p, __u32 n)
{
	char line[200];
	int o = 0;

	for (__u32 i = 0; i < n && i < 64; i++)
		o += snprintf(line + o, sizeof(line) - (size_t)o, "%02x", p[i]);
	diag("  %s (%u bytes): %s%s", what, n, line, n > 64 ? "..." : "");
}

/*
 * The arrival slots (mms_hello_seen) a frame wrote: the model's, and the
 * program's, whose value must be its clock during the run (t0..t1). -1:
 * none, -2: more than one, or a time outside the run.
 */
static int seen_moved(const __u64 *before, const volatile __u64 *after, __u64 t0, __u64 t1)
{
	int moved = -1;

	for (int i = 0; i < MMS_HELLO_SLOTS; i++) {
		if (after[i] == before[i])
			continue;
		if (moved != -1 || (t1 && (after[i] < t0 || after[i] > t1)))
			return -2;
		moved = i;
	}
	return moved;
}

static void compare(const char *kind, const __u8 *frame, __u32 len)
{
	static __u8 model[4096];
	__u64 mseen[MMS_HELLO_SLOTS], xseen[MMS_HELLO_SLOTS], t0, t1;
	struct mms_node_view nv;
	struct mms_result res;
	struct fix_run r;
	int mslot, xslot;
	bool same;

	if (len < MMS_ETH_LEN || len > sizeof(model))
		return;
	memcpy(model, frame, len);
	memcpy(mseen, F.hseen, sizeof(mseen));
	for (int i = 0; i < MMS_HELLO_SLOTS; i++)
		xseen[i] = F.seen[i];
	fix_view(&F, &nv, FIX_LO);
	mms_process(&nv, model, len, &res);
	mslot = seen_moved(mseen, F.hseen, 0, 0);
	st.frames++;
	t0 = fix_clock_ns(CLOCK_MONOTONIC);
	if (fix_run(&F, MMS_PROG_XDP, frame, len, FIX_LO, &r)) {
		if (st.shown++ < 5)
			diag("%s: %s: test run failed: %s", st.phase, kind, strerror(errno));
		return;
	}
	t1 = fix_clock_ns(CLOCK_MONOTONIC);
	xslot = seen_moved(xseen, F.seen, t0, t1);
	same = r.retval == fix_xdp_act(res.verdict) && r.moved == (int)res.stat &&
	       r.out_len == res.len && !memcmp(r.out, model + res.off, res.len) &&
	       mslot == xslot;
	st.absorbed += same && res.stat == MMS_S_HELLO_ABSORBED && xslot >= 0;
	if (same) {
		st.agree++;
		st.by_verdict[res.verdict]++;
		st.replay += res.stat == MMS_S_DROP_REPLAY;
		return;
	}
	if (st.shown++ < 5) {
		diag("%s: %s: model %s/%d slot %d, XDP action %u counter %d slot %d", st.phase,
		     kind, mms_stat_name(res.stat), res.verdict, mslot, r.retval, r.moved, xslot);
		dump("input", frame, len);
		dump("model", model + res.off, (__u32)res.len);
		dump("xdp", r.out, r.out_len);
	}
}

/* ---- frame construction ---- */

struct fp {
	int n;			/* hop fields in the frame */
	int hdr_nhops;		/* header's nhops, -1: n */
	__u8 scope, epoch, type;
	const __u8 *key;	/* key b's field is sealed with */
	__u16 ingress, egress;
	int ctl;		/* -1: the right one */
	__u32 expiry_hdr, expiry_field;
	__u8 tag_xor, chain_xor;
	int body;		/* 4, 6: an IP packet; else that many random bytes */
	int e2e;		/* DATA with an IP packet: enum e2e_kind */
	int vlan;		/* -1: untagged, else the TCI */
	int pad;
	int src_port;		/* whose MAC the frame comes from */
};

/* How an IP packet's end-to-end tag is made. */
enum e2e_kind {
	E2E_OWN,		/* under this node's key for the epoch (what an MA does) */
	E2E_RANDOM,		/* random bytes */
	E2E_SRC,		/* from SRC4, under the key in SRC4's set */
	E2E_SRC_OWN,		/* from SRC4, under this node's key: refused */
	E2E_KINDS
};

/* A source with a route set holding its end-to-end key for EPOCH_A. */
#define SRC4	"10.9.9.9"
static struct mms_e2e_key key_src;

static void fp_default(struct fp *p, int n)
{
	memset(p, 0, sizeof(*p));
	p->n = n;
	p->hdr_nhops = -1;
	p->scope = MMS_SCOPE_ROUTE;
	p->epoch = EPOCH_A;
	p->type = MMS_T_DATA;
	p->key = key_a;
	p->ingress = 1;
	p->egress = 2;
	p->ctl = -1;
	p->expiry_hdr = p->expiry_field = EXPIRY;
	p->body = 4;
	p->vlan = -1;
	p->src_port = 1;
}

/*
 * The sequence word of a DATA frame: mostly the next value of one of three
 * producers, else one that producer sent already, one just inside or just
 * outside its window, or anything at all, so that both sides' windows are
 * moved, refuse and reorder alike.
 */
static __u64 pick_seq(void)
{
	static const __u16 prod[3] = { 1, 2, 0xbeef };
	static __u64 ctr[3] = { 1000, 50000, 1ull << 40 };
	__u32 i = rn(3), k = rn(20);
	__u64 c = ctr[i];

	if (k < 11)
		c = ctr[i] += 1 + rn(rn(4) ? 3 : 2 * MMS_RP_BITS);
	else if (k < 14)
		c = ctr[i] - rn(4);
	else if (k < 17)
		c = ctr[i] - rn(MMS_RP_SPAN + 64);
	else if (k < 18)
		c = ctr[i] - MMS_RP_SPAN + rn(2);
	else
		c = (__u64)rn(0xffffffff) << 16 | rn(0x10000);
	return mms_seq_word(rn(16) ? prod[i] : (__u16)rn(0x10000), c);
}

static __u32 build(const struct fp *p, __u8 *f)
{
	struct mms_hop hops[MMS_MAX_HOPS];
	struct mms_hop_spec spec[MMS_MAX_HOPS];
	struct mms_route tail;
	__u32 o = 0, chain = 0, blen;
	__u8 body[200], tag[4];
	struct mms_addr a;
	int ctl;

	if (p->n > 1) {
		for (int j = 0; j < p->n - 1; j++) {
			spec[j].key = key_other[rn(16)];
			spec[j].ingress = (__u16)(1 + rn(200));
			spec[j].egress = (__u16)(1 + rn(200));
		}
		mms_route_build(&tail, 1, spec, p->n - 1, p->epoch, p->expiry_field, tag0);
		memcpy(&hops[1], tail.hops, (size_t)(p->n - 1) * sizeof(hops[0]));
		chain = mms_hop_fold(hops[1].c, (unsigned int)p->n - 1);
	}
	if (p->n > 0) {
		ctl = p->ctl >= 0 ? p->ctl : (p->n == 1 ? MMS_HOP_LAST : 0) | (p->n - 1);
		memcpy(tag, tag0, 4);
		tag[2] ^= p->tag_xor;
		fix_seal(p->key, p->n == 1 && p->ctl < 0 ? 0 : p->egress, p->ingress, (__u8)ctl,
			 chain ^ p->chain_xor, p->expiry_field, tag, &hops[0]);
	}
	if ((p->body == 4 || p->body == 6) && p->type == MMS_T_DATA) {
		__u8 *ip = body + MMS_E2E_LEN;
		struct mms_e2e_key own;
		__u32 ilen = (p->body == 4 ? 20 : 40) + rn(60);
		__u64 t, seq = pick_seq();

		rbytes(ip, ilen);
		ip[0] = p->body == 4 ? 0x45 : 0x60;
		if (p->e2e == E2E_SRC || p->e2e == E2E_SRC_OWN) {
			ip[0] = 0x45;
			mms_addr_parse(SRC4, &a);
			memcpy(ip + 12, a.a + 12, 4);
		}
		mms_e2e_derive(p->epoch == EPOCH_B ? key_b : key_a, MMS_E2E_DOWN, &own);
		t = mms_e2e_mac(p->e2e == E2E_SRC ? &key_src : &own, p->epoch, tag0, p->type, seq,
				ip, ilen);
		for (int i = 0; i < MMS_E2E_TAG_LEN; i++) {
			body[i] = (__u8)(t >> (8 * i));
			body[MMS_E2E_TAG_LEN + i] = (__u8)(seq >> (56 - 8 * i));
		}
		if (p->e2e == E2E_RANDOM)
			rbytes(body, MMS_E2E_TAG_LEN);
		blen = MMS_E2E_LEN + ilen;
	} else if (p->body == 4 || p->body == 6) {
		blen = 20 + rn(60);
		rbytes(body, blen);
		body[0] = p->body == 4 ? 0x45 : 0x60;
	} else {
		blen = (__u32)p->body;
		rbytes(body, blen);
	}

	memcpy(f + o, mac_us, 6);
	memcpy(f + o + 6, mac_n[p->src_port], 6);
	o += 12;
	if (p->vlan >= 0) {
		f[o++] = 0x81;
		f[o++] = 0x00;
		f[o++] = (__u8)(p->vlan >> 8);
		f[o++] = (__u8)p->vlan;
	}
	f[o++] = MMS_ETH_P >> 8;
	f[o++] = MMS_ETH_P & 0xff;
	f[o++] = MMS_VERSION;
	f[o++] = p->scope;
	f[o++] = 0;
	f[o++] = (__u8)(p->hdr_nhops >= 0 ? p->hdr_nhops : p->n);
	f[o++] = p->epoch;
	f[o++] = 0;
	f[o++] = 0;
	f[o++] = 0;
	f[o++] = (__u8)(p->expiry_hdr >> 24);
	f[o++] = (__u8)(p->expiry_hdr >> 16);
	f[o++] = (__u8)(p->expiry_hdr >> 8);
	f[o++] = (__u8)p->expiry_hdr;
	memcpy(f + o, tag0, 4);
	o += 4;
	memcpy(f + o, hops, (size_t)p->n * MMS_HOP_LEN);
	o += (__u32)p->n * MMS_HOP_LEN;
	f[o++] = p->type;
	f[o++] = 0;
	f[o++] = (__u8)(blen >> 8);
	f[o++] = (__u8)blen;
	memcpy(f + o, body, blen);
	o += blen;
	rbytes(f + o, (size_t)p->pad);
	return o + (__u32)p->pad;
}

static void run(const char *kind, const struct fp *p)
{
	__u8 f[1024];

	compare(kind, f, build(p, f));
}

/* ---- the generators ---- */

static const __u8 types[] = {
	MMS_T_DATA, MMS_T_DATA, MMS_T_LSA, MMS_T_CONTROL, MMS_T_BEACON_ACK, MMS_T_AUTH,
	MMS_T_NOTIFY, MMS_T_HELLO, MMS_T_BEACON, 0, MMS_T_MAX, 0xff,
};
static const __u16 ports[] = { 1, 2, 3, 4, 6, 255, 0, 256, 65535 };

static void gen_routes(int count)
{
	for (int i = 0; i < count; i++) {
		struct fp p;
		__u32 k = rn(10);

		fp_default(&p, 1 + (int)rn(MMS_MAX_HOPS));
		p.type = types[rn(sizeof(types))];
		p.body = p.type == MMS_T_DATA ? (rn(4) ? (rn(2) ? 4 : 6) : (int)rn(3)) : (int)rn(40);
		p.src_port = 1 + (int)rn(3);
		p.ingress = rn(8) ? (__u16)p.src_port : ports[rn(sizeof(ports) / sizeof(ports[0]))];
		p.egress = rn(2) ? ports[rn(3)] : ports[rn(sizeof(ports) / sizeof(ports[0]))];
		p.vlan = rn(4) ? -1 : (int)rn(0x10000);
		p.pad = rn(3) ? 0 : (int)rn(30);
		p.e2e = rn(2) ? E2E_OWN : (int)rn(E2E_KINDS);
		if (k == 0) {
			p.epoch = EPOCH_B;
			p.key = key_b;
		} else if (k == 1) {
			p.epoch = EPOCH_X;
		} else if (k == 2) {
			p.key = key_c;	/* a key this node does not hold */
		}
		run("route", &p);
	}
}

static void gen_sealed_checks(void)
{
	static const __u32 exp[] = { FIX_NOW - 1, FIX_NOW, FIX_NOW + 1, EXPIRY };

	for (int n = 1; n <= MMS_MAX_HOPS; n++) {
		struct fp p;

		for (int c = 0; c < 256; c += 1 + (int)rn(7)) {
			fp_default(&p, n);
			p.ctl = c;
			run("sealed ctl", &p);
		}
		/* a beacon's reverse route: LAST | CTRL delivers control, never data */
		for (int t = 0; t < 2; t++) {
			fp_default(&p, n);
			p.ctl = MMS_HOP_LAST | MMS_HOP_CTRL | (n - 1);
			p.type = t ? MMS_T_LSA : MMS_T_DATA;
			run("control-only route", &p);
		}
		for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
			fp_default(&p, n);
			p.ingress = ports[i];
			run("sealed ingress", &p);
			fp_default(&p, n);
			p.egress = ports[i];
			p.ctl = (n == 1 ? MMS_HOP_LAST : 0) | (n - 1);	/* egress sealed as given */
			run("sealed egress", &p);
		}
		for (size_t i = 0; i < sizeof(exp) / sizeof(exp[0]); i++) {
			fp_default(&p, n);
			p.expiry_hdr = p.expiry_field = exp[i];
			run("expiry", &p);
			fp_default(&p, n);
			p.expiry_field = exp[i];
			run("sealed expiry", &p);
		}
		for (int b = 0; b < 8; b++) {
			fp_default(&p, n);
			p.tag_xor = (__u8)(1 << b);
			run("sealed tag", &p);
			fp_default(&p, n);
			p.chain_xor = (__u8)(1 << b);
			run("sealed chain", &p);
		}
		fp_default(&p, n);
		p.hdr_nhops = n + 1;
		run("nhops above the fields", &p);
		fp_default(&p, n);
		p.hdr_nhops = n - 1;
		run("nhops below the fields", &p);
		fp_default(&p, n);
		p.scope = MMS_SCOPE_LINK;
		run("link scope", &p);
	}
}

static void gen_truncations(void)
{
	static const int ns[] = { 1, 1, 2, 3, 5, 8, 16 };

	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		for (int tagged = 0; tagged < 2; tagged++) {
			struct fp p;
			__u8 f[1024];
			__u32 len;

			fp_default(&p, ns[i]);
			p.type = i == 0 ? MMS_T_CONTROL : MMS_T_DATA;
			p.vlan = tagged ? 42 : -1;
			len = build(&p, f);
			for (__u32 l = MMS_ETH_LEN; l <= len; l++)
				compare("truncated", f, l);
		}
}

static void gen_bitflips(void)
{
	static const int ns[] = { 1, 2, 4, 16 };

	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		for (int tagged = 0; tagged < 2; tagged++) {
			struct fp p;
			__u8 f[1024], g[1024];
			__u32 len, l2 = tagged ? 18 : 14, span;

			if (tagged && ns[i] > 2)
				continue;
			fp_default(&p, ns[i]);
			p.vlan = tagged ? 7 : -1;
			p.src_port = p.ingress = tagged ? 3 : 1;
			len = build(&p, f);
			compare("unflipped", f, len);
			span = MMS_HDR_LEN + (__u32)ns[i] * MMS_HOP_LEN + MMS_PL_LEN;
			if (ns[i] == 1)		/* the destination: the body too */
				span = len - l2;
			for (__u32 bit = 0; bit < span * 8; bit++) {
				memcpy(g, f, len);
				g[l2 + bit / 8] ^= (__u8)(1u << (bit % 8));
				compare("bit flip", g, len);
			}
		}
}

static void gen_byte_values(void)
{
	static const int ns[] = { 1, 3 };

	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		struct fp p;
		__u8 f[1024], g[1024];
		__u32 len;

		fp_default(&p, ns[i]);
		len = build(&p, f);
		for (__u32 b = 0; b < 14 + MMS_HDR_LEN; b++) {
			const int vals[] = { 0, 1, 0xff, f[b] + 1, f[b] - 1, 0x80, 0x81, 0x88 };

			for (size_t v = 0; v < sizeof(vals) / sizeof(vals[0]); v++) {
				memcpy(g, f, len);
				g[b] = (__u8)vals[v];
				compare("byte value", g, len);
			}
		}
		for (int nh = 0; nh <= 20; nh++) {
			memcpy(g, f, len);
			g[14 + 3] = (__u8)nh;
			compare("nhops value", g, len);
		}
		for (int pl = 0; pl < 4; pl++)
			for (int v = 0; v < 256; v += 17) {
				__u32 at = 14 + MMS_HDR_LEN + (__u32)ns[i] * MMS_HOP_LEN + (__u32)pl;

				memcpy(g, f, len);
				g[at] = (__u8)v;
				compare("payload header value", g, len);
			}
	}
}

static void gen_garbage(int count)
{
	for (int i = 0; i < count; i++) {
		__u8 f[512];
		__u32 len = MMS_ETH_LEN + rn(300), kind = rn(4);

		rbytes(f, len);
		if (kind >= 1) {
			f[12] = MMS_ETH_P >> 8;
			f[13] = MMS_ETH_P & 0xff;
		}
		if (kind >= 2 && len >= 30) {
			f[14] = MMS_VERSION;
			f[15] = rn(2) ? MMS_SCOPE_ROUTE : MMS_SCOPE_LINK;
			f[16] = 0;
			f[17] = (__u8)rn(MMS_MAX_HOPS + 1);
			f[18] = rn(2) ? EPOCH_A : (__u8)rnd();
			f[19] = f[20] = f[21] = 0;
			f[22] = (__u8)(EXPIRY >> 24);
			if (kind == 3 && len > 30u + 16u * f[17] + 4u) {	/* consistent pl.len */
				__u32 pl = 30u + 16u * f[17], body = len - pl - 4;

				f[pl + 1] = 0;
				f[pl + 2] = (__u8)(body >> 8);
				f[pl + 3] = (__u8)body;
			}
		}
		compare("garbage", f, len);
	}
}

/*
 * Hellos against templates (mms_hello_tpl): for senders on port 1 (slot 1),
 * on the tagged port 3 (VID 200, slot 3), one with a template of the
 * largest size (slot 2), one whose slot is past the array (slot 300) and
 * one whose template has a byte set past its length: each sender's exact
 * hello, with padding, from every other sender and VLAN, with every bit of
 * its route header, payload header and body flipped, cut at every length,
 * one byte longer (pl.len and body), and after its template is removed.
 */
static void gen_hellos(void)
{
	static const struct { int src, vlan; __u32 slot; int body; bool junk; } H[] = {
		{ 1, -1, 1, 48, false }, { 3, 200, 3, 48, false }, { 2, -1, 2, 76, false },
		{ 4, -1, 300, 48, false }, { 5, -1, 5, 40, true },
	};
	__u8 f[H_N_FRAMES][1024], g[1024];
	__u32 len[H_N_FRAMES], l2[H_N_FRAMES];
	struct mms_hello_key k[H_N_FRAMES];

	for (int i = 0; i < H_N_FRAMES; i++) {
		struct mms_hello_tpl t;
		struct fp p;

		fp_default(&p, 0);
		p.scope = MMS_SCOPE_LINK;
		p.type = MMS_T_HELLO;
		p.body = H[i].body;
		p.vlan = H[i].vlan;
		p.src_port = H[i].src;
		len[i] = build(&p, f[i]);
		l2[i] = H[i].vlan >= 0 ? 18 : 14;
		memset(&k[i], 0, sizeof(k[i]));
		k[i].ifindex = FIX_LO;
		memcpy(k[i].mac, mac_n[H[i].src], 6);
		k[i].vlan = H[i].vlan >= 0 ? (__u16)H[i].vlan : 0;
		memset(&t, 0, sizeof(t));
		t.slot = H[i].slot;
		t.len = (__u16)(len[i] - l2[i]);
		memcpy(t.b, f[i] + l2[i], t.len);
		if (H[i].junk)
			t.b[MMS_HELLO_TPL_MAX - 1] = 1;
		if (fix_hello(&F, &k[i], &t))
			diag("template %d not installed", i);
	}
	for (int i = 0; i < H_N_FRAMES; i++) {
		compare("hello", f[i], len[i]);
		compare("hello again", f[i], len[i]);
		memcpy(g, f[i], len[i]);
		rbytes(g + len[i], 6);
		compare("hello padded", g, len[i] + 6);
		for (int o = 1; o < 8; o++) {	/* from another sender (its MAC) */
			if (o == H[i].src)
				continue;
			memcpy(g, f[i], len[i]);
			memcpy(g + 6, mac_n[o], 6);
			compare("hello, other MAC", g, len[i]);
		}
		if (H[i].vlan >= 0) {	/* another VID */
			memcpy(g, f[i], len[i]);
			g[15] ^= 1;
			compare("hello, other VID", g, len[i]);
		}
		for (__u32 bit = 0; bit < (len[i] - l2[i]) * 8; bit++) {
			memcpy(g, f[i], len[i]);
			g[l2[i] + bit / 8] ^= (__u8)(1u << (bit % 8));
			compare("hello bit flip", g, len[i]);
		}
		for (__u32 l = MMS_ETH_LEN; l < len[i]; l++)
			compare("hello truncated", f[i], l);
		/* one byte more body (pl.len), then the same without pl.len */
		memcpy(g, f[i], len[i]);
		g[len[i]] = 0;
		g[l2[i] + MMS_HDR_LEN + 3]++;
		compare("hello one byte longer", g, len[i] + 1);
		compare("hello with pl.len one more, body cut", g, len[i]);
	}
	for (int i = 0; i < H_N_FRAMES; i++) {
		fix_hello(&F, &k[i], NULL);
		compare("hello, template removed", f[i], len[i]);
	}
}

static void generate(void)
{
	rs = 0x9e3779b97f4a7c15ull;
	gen_routes(4000);
	gen_sealed_checks();
	gen_truncations();
	gen_bitflips();
	gen_byte_values();
	gen_garbage(1500);
	gen_hellos();
}

/* ---- the node ---- */

static int node(void)
{
	static const struct { __u16 port; __u8 state; __u32 ifindex; __u16 vlan; } P[] = {
		{ 1, MMS_NBR_UP, FIX_LO, 0 }, { 2, MMS_NBR_UP, FIX_LO, 0 },
		{ 3, MMS_NBR_UP, FIX_LO, 200 }, { 4, 0, FIX_LO, 0 },
		{ 6, 0, FIX_NO_DEV, 0 }, { 255, MMS_NBR_UP, FIX_LO, 5 },
	};
	__u32 k0 = 0, lo = FIX_LO;
	int err = 0;

	for (size_t i = 0; i < sizeof(P) / sizeof(P[0]); i++) {
		struct mms_nbr n = { .ifindex = P[i].ifindex, .state = P[i].state,
				     .vlan = P[i].vlan };

		memcpy(n.mac, mac_n[i + 1 < 8 ? i + 1 : 7], 6);
		memcpy(n.smac, mac_s[i + 1 < 8 ? i + 1 : 7], 6);
		err |= fix_port(&F, P[i].port, &n);
	}
	memcpy(F.cfg.mm0_mac, mm0_mac, 6);
	F.cfg.pcp = 6;
	F.cfg.prio = 1;
	err |= fix_key(&F, key_a, EPOCH_A);
	err |= fix_key(&F, key_b, EPOCH_B);
	err |= fix_key(&F, key_c, 11);		/* slot 3: frames of epoch 7 find 11 */
	{
		struct mms_route_set set;
		struct mms_addr a;

		memset(&set, 0, sizeof(set));
		for (int b = 0; b < 16; b++)
			((__u8 *)&key_src)[b] = (__u8)(0x5a + b);
		set.rx[EPOCH_A % MMS_EPOCH_SLOTS] = (struct mms_e2e_rx){ .valid = 1,
			.epoch = EPOCH_A, .key = key_src };
		mms_addr_parse(SRC4, &a);
		err |= fix_route(&F, &a, &set);
	}
	err |= bpf_map_update_elem(F.map[MMS_MAP_TX], &k0, &lo, BPF_ANY);
	return err | fix_sync(&F);
}

static void report(const char *what, long before_frames, long before_agree)
{
	long n = st.frames - before_frames, a = st.agree - before_agree;

	ok(n > 0 && a == n, "%s: XDP and mms_process() agree on %ld/%ld frames", what, a, n);
}

/*
 * Data service off (mms_data_off, counted by mms_cfg.data_off): on the
 * interface frames arrive on, on another one only, and an entry for it
 * without its count (which the program reads first). Routes, byte values,
 * truncations and garbage, MMS or not, tagged or not.
 */
static void data_off_phases(void)
{
	static const struct { const char *phase; __u32 count, ifindex; } D[] = {
		{ "data off here", 1, FIX_LO },
		{ "data off on another interface", 1, FIX_NO_DEV },
		{ "data off here, count 0", 0, FIX_LO },
	};

	for (size_t i = 0; i < sizeof(D) / sizeof(D[0]); i++) {
		long f0 = st.frames, a0 = st.agree;

		F.cfg.data_off = D[i].count;
		if (!ok(fix_data_off(&F, D[i].ifindex, true) == 0, "%s: set", D[i].phase))
			continue;
		st.phase = D[i].phase;
		rs = 0x9e3779b97f4a7c15ull + i;
		gen_routes(500);
		gen_truncations();
		gen_byte_values();
		gen_garbage(1500);
		report(st.phase, f0, a0);
		fix_data_off(&F, D[i].ifindex, false);
	}
	F.cfg.data_off = 0;
}

int main(void)
{
	const char *why = fix_skip_reason();
	long f0, a0;

	if (why)
		return tap_skip_all(why);
	if (fix_netns())
		return tap_skip_all("cannot make a network namespace");
	for (int b = 0; b < 16; b++) {
		key_a[b] = (__u8)(0xa0 + b);
		key_b[b] = (__u8)(0xb0 + b);
		key_c[b] = (__u8)(0xc0 + b);
		for (int k = 0; k < 16; k++)
			key_other[k][b] = (__u8)(k * 16 + b * 7 + 1);
	}
	for (int i = 0; i < 8; i++) {
		__u8 n[6] = { 0x02, 0x4e, 0x42, 0x52, 0x00, (__u8)i };
		__u8 s[6] = { 0x02, 0x55, 0x53, 0x00, 0x00, (__u8)i };

		memcpy(mac_n[i], n, 6);
		memcpy(mac_s[i], s, 6);
	}
	memcpy(mac_us, mac_s[1], 6);
	memcpy(mm0_mac, "\x02\x00\x00\x00\x00\xee", 6);

	for (int cache = 1; cache >= 0; cache--) {
		if (!ok(fix_open(&F, cache) == 0 && node() == 0, "datapath loaded, node seeded (hop cache %s)",
			cache ? "on" : "off"))
			return tap_done();
		st.phase = cache ? "cache on" : "cache off";
		f0 = st.frames;
		a0 = st.agree;
		generate();
		report(st.phase, f0, a0);
		if (cache) {
			/* replace the key of epoch A: what was cached must not be used */
			key_a[0] ^= 0x99;
			fix_key(&F, key_a, EPOCH_A);
			key_a[0] ^= 0x99;
			st.phase = "key replaced";
			f0 = st.frames;
			a0 = st.agree;
			rs = 0x9e3779b97f4a7c15ull;
			gen_routes(4000);
			report(st.phase, f0, a0);
			fix_key(&F, key_a, EPOCH_A);
			data_off_phases();
		}
		fix_close(&F);
	}
	diag("%ld frames compared; agreed: pass %ld, forward %ld, mm0 %ld, agent %ld, link %ld, drop %ld",
	     st.frames, st.by_verdict[MMS_V_PASS], st.by_verdict[MMS_V_FORWARD],
	     st.by_verdict[MMS_V_DELIVER_MM0], st.by_verdict[MMS_V_DELIVER_AGENT],
	     st.by_verdict[MMS_V_LINK_AGENT], st.by_verdict[MMS_V_DROP]);
	ok(st.frames >= 10000, "at least 10000 frames compared (%ld)", st.frames);
	/* per run: 3 senders x (exact, again, padded) */
	ok(st.absorbed == 2 * 9, "hellos absorbed alike, the same slot written (%ld)", st.absorbed);
	ok(st.by_verdict[MMS_V_DELIVER_MM0] >= 20 && st.replay >= 20,
	   "both sides' replay windows took (%ld into mm0) and refused (%ld DROP_REPLAY) alike",
	   st.by_verdict[MMS_V_DELIVER_MM0], st.replay);
	return tap_done();
}
