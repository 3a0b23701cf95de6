// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * MMS codec: hop sealing, route and frame building, and the reference model
 * of the XDP program. The rules in mms_process() are the normative ones;
 * bpf/mms_xdp.bpf.c implements the same and the differential test holds
 * both to it (docs/wire-format.md, "Processing").
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "codec.h"
#include "crypto.h"
#include "mms_aes.h"

int mms_hop_seal(const __u8 key[MMS_KEY_LEN], const struct mms_hop_plain *p,
		 struct mms_hop *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, ok;

	if (!ctx)
		return -EIO;
	ok = EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, key, NULL) &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) &&
	     EVP_EncryptUpdate(ctx, out->c, &n, (const unsigned char *)p, MMS_HOP_LEN) &&
	     n == MMS_HOP_LEN;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

static __u32 rd32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

static void wr32(__u8 *p, __u32 v)
{
	p[0] = (__u8)(v >> 24);
	p[1] = (__u8)(v >> 16);
	p[2] = (__u8)(v >> 8);
	p[3] = (__u8)v;
}

void mms_hop_open(const __u32 rk[MMS_AES_RK_WORDS], const struct mms_hop *c,
		  struct mms_hop_plain *out)
{
	__u32 s[4];
	__u8 *o = (__u8 *)out;

	for (int i = 0; i < 4; i++)
		s[i] = rd32(c->c + 4 * i);
	mms_aes_dec(rk, s);
	for (int i = 0; i < 4; i++)
		wr32(o + 4 * i, s[i]);
}

void mms_key_schedule(const __u8 key[MMS_KEY_LEN], struct mms_key *k, __u8 epoch)
{
	memset(k, 0, sizeof(*k));
	if (mms_e2e_derive(key, MMS_E2E_DOWN, &k->e2e))
		return;		/* valid = 0: nothing of this epoch is taken */
	k->valid = 1;
	k->epoch = epoch;
	mms_aes_expand_dec(key, k->rk);
}

static __u64 rd64le(const __u8 *p)
{
	__u64 v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int mms_e2e_derive(const __u8 hop_key[MMS_KEY_LEN], enum mms_e2e_dir dir,
		   struct mms_e2e_key *out)
{
	static const char label[] = "MMS-E2E-v1";
	__u8 msg[sizeof(label)], md[32];
	unsigned int n = 0;
	int rc = -EIO;

	memcpy(msg, label, sizeof(label) - 1);
	msg[sizeof(label) - 1] = (__u8)dir;
	if (HMAC(EVP_sha256(), hop_key, MMS_KEY_LEN, msg, sizeof(msg), md, &n) && n == 32) {
		out->k[0] = rd64le(md);
		out->k[1] = rd64le(md + 8);
		rc = 0;
	}
	OPENSSL_cleanse(md, sizeof(md));
	return rc;
}

__u64 mms_siphash24(const struct mms_e2e_key *k, const void *msg, size_t len)
{
	const __u8 *m = msg;
	struct mms_sip s;
	__u64 last = (__u64)(len & 0xff) << 56;
	size_t i;

	mms_sip_init(&s, k);
	for (i = 0; i + 8 <= len; i += 8)
		mms_sip_word(&s, rd64le(m + i));
	for (size_t j = 0; i + j < len; j++)
		last |= (__u64)m[i + j] << (8 * j);
	return mms_sip_final(&s, last);
}

__u64 mms_e2e_mac(const struct mms_e2e_key *k, __u8 epoch, const __u8 tag[4], __u8 type,
		  __u64 seq, const __u8 *ip, size_t ip_len)
{
	__u8 msg[16 + MMS_DATA_MAX];
	__u64 w0;

	if (ip_len > MMS_DATA_MAX)
		ip_len = MMS_DATA_MAX;	/* callers refuse longer packets first */
	w0 = mms_e2e_w0(epoch, tag, type, (__u16)ip_len);
	for (int i = 0; i < 8; i++) {
		msg[i] = (__u8)(w0 >> (8 * i));
		msg[8 + i] = (__u8)(seq >> (56 - 8 * i));	/* as on the wire */
	}
	memcpy(msg + 16, ip, ip_len);
	return mms_siphash24(k, msg, 16 + ip_len);
}

__u16 mms_seq_producer(const struct mms_id *id)
{
	struct mms_iov v = { .p = id->b, .n = sizeof(id->b) };
	__u8 md[MMS_SHA256_LEN];

	if (mms_sha256(&v, 1, md))
		return (__u16)(id->b[0] << 8 | id->b[1]);	/* cannot happen */
	return (__u16)(md[0] << 8 | md[1]);
}

int mms_key_recover(const struct mms_key *k, __u8 key[MMS_KEY_LEN])
{
	if (k->valid != 1 || k->epoch > 0xff)
		return -ENOKEY;
	/* equivalent inverse cipher: round 0 of the encryption schedule, the
	 * key, comes last and without InvMixColumns (mms_aes_expand_dec) */
	for (int i = 0; i < 4; i++) {
		__u32 w = k->rk[MMS_AES_RK_WORDS - 4 + i];

		key[4 * i] = (__u8)(w >> 24);
		key[4 * i + 1] = (__u8)(w >> 16);
		key[4 * i + 2] = (__u8)(w >> 8);
		key[4 * i + 3] = (__u8)w;
	}
	return 0;
}

static void put24(__u8 *p, __u32 v)
{
	p[0] = (__u8)(v >> 16);
	p[1] = (__u8)(v >> 8);
	p[2] = (__u8)v;
}

/* Seal the field at index idx; `next` are the n_next fields that follow it. */
static int seal_field(const __u8 *key, __u16 egress, __u16 ingress, int idx, int last,
		      int ctrl_only, const struct mms_hop *next, int n_next, __u32 expiry,
		      const __u8 tag[4], struct mms_hop *out)
{
	struct mms_hop_plain p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.egress = htons(last ? 0 : egress);
	p.ingress = htons(ingress);
	/* the only LAST field a beacon carries is its MA's: control only */
	p.ctl = (__u8)((last ? MMS_HOP_LAST : 0) | (last && ctrl_only ? MMS_HOP_CTRL : 0) |
		       (idx & MMS_HOP_IDX_MASK));
	if (n_next)
		put24(p.chain, mms_hop_fold(next->c, (unsigned int)n_next));
	p.expiry = htonl(expiry);
	if (tag)
		memcpy(p.tag, tag, 4);
	rc = mms_hop_seal(key, &p, out);
	memset(&p, 0, sizeof(p));
	return rc;
}

int mms_route_build(struct mms_route *rt, __u16 first_port,
		    const struct mms_hop_spec *spec, int n, __u8 epoch,
		    __u32 expiry, const __u8 tag[4])
{
	if (!rt || !spec || n < 1 || n > MMS_MAX_HOPS || first_port == MMS_PORT_NONE)
		return -EINVAL;
	memset(rt, 0, sizeof(*rt));
	rt->port = first_port;
	rt->nhops = (__u8)n;
	rt->epoch = epoch;
	rt->expiry = htonl(expiry);
	if (tag)
		memcpy(rt->tag, tag, 4);
	/* Seal from the destination backwards: each field folds in the one after it. */
	for (int j = n - 1; j >= 0; j--) {
		int last = j == n - 1;
		int rc;

		if (!spec[j].key || spec[j].ingress == MMS_PORT_NONE ||
		    (!last && spec[j].egress == MMS_PORT_NONE))
			return -EINVAL;
		rc = seal_field(spec[j].key, spec[j].egress, spec[j].ingress, n - 1 - j, last, 0,
				&rt->hops[j + 1], n - 1 - j, expiry, tag, &rt->hops[j]);
		if (rc)
			return rc;
	}
	return 0;
}

int mms_beacon_push_hop(struct mms_hop *hops, __u8 *nhops, const __u8 key[MMS_KEY_LEN],
			__u16 egress, __u16 ingress, __u32 expiry, const __u8 tag[4])
{
	struct mms_hop f;
	int n = *nhops, last = n == 0, rc;

	if (n >= MMS_MAX_HOPS)
		return -ENOSPC;
	if (ingress == MMS_PORT_NONE || (!last && egress == MMS_PORT_NONE))
		return -EINVAL;
	rc = seal_field(key, egress, ingress, n, last, 1, hops, n, expiry, tag, &f);
	if (rc)
		return rc;
	memmove(&hops[1], &hops[0], (size_t)n * sizeof(hops[0]));
	hops[0] = f;
	*nhops = (__u8)(n + 1);
	return 0;
}

int mms_frame_build(__u8 *buf, size_t cap, const struct mms_frame_spec *fs)
{
	size_t need = MMS_ETH_LEN + MMS_HDR_LEN + (size_t)fs->nhops * MMS_HOP_LEN +
		      MMS_PL_LEN + fs->body_len;
	struct mms_hdr *h;
	struct mms_pl *pl;
	__u8 *p = buf;

	if (fs->nhops > MMS_MAX_HOPS || (fs->nhops && !fs->hops) || (fs->body_len && !fs->body))
		return -EINVAL;
	if (need > cap)
		return -ENOSPC;
	memcpy(p, fs->dst_mac, 6);
	memcpy(p + 6, fs->src_mac, 6);
	p[12] = MMS_ETH_P >> 8;
	p[13] = MMS_ETH_P & 0xff;
	p += MMS_ETH_LEN;
	h = (struct mms_hdr *)p;
	memset(h, 0, sizeof(*h));
	h->ver = MMS_VERSION;
	h->scope = fs->scope;
	h->nhops = fs->nhops;
	h->epoch = fs->epoch;
	h->expiry = htonl(fs->expiry);
	if (fs->tag)
		memcpy(h->tag, fs->tag, 4);
	p += MMS_HDR_LEN;
	if (fs->nhops)
		memcpy(p, fs->hops, (size_t)fs->nhops * MMS_HOP_LEN);
	p += (size_t)fs->nhops * MMS_HOP_LEN;
	pl = (struct mms_pl *)p;
	pl->type = fs->type;
	pl->rsvd = 0;
	pl->len = htons(fs->body_len);
	p += MMS_PL_LEN;
	if (fs->body_len)
		memcpy(p, fs->body, fs->body_len);
	return (int)need;
}

int mms_frame_route(__u8 *buf, size_t cap, const struct mms_route *rt,
		    const __u8 dst_mac[6], const __u8 src_mac[6],
		    __u8 type, const void *body, __u16 body_len)
{
	struct mms_frame_spec fs = {
		.dst_mac = dst_mac, .src_mac = src_mac, .scope = MMS_SCOPE_ROUTE,
		.epoch = rt->epoch, .nhops = rt->nhops, .expiry = ntohl(rt->expiry),
		.tag = rt->tag, .hops = rt->hops, .type = type, .body = body,
		.body_len = body_len,
	};
	return mms_frame_build(buf, cap, &fs);
}

int mms_frame_data(__u8 *buf, size_t cap, const struct mms_route *rt,
		   const __u8 dst_mac[6], const __u8 src_mac[6], __u64 seq,
		   const void *ip, __u16 ip_len)
{
	__u8 body[MMS_E2E_LEN + MMS_DATA_MAX];
	__u64 t;

	if (!ip_len || ip_len > MMS_DATA_MAX)
		return -EINVAL;
	t = mms_e2e_mac(&rt->e2e, rt->epoch, rt->tag, MMS_T_DATA, seq, ip, ip_len);
	for (int i = 0; i < MMS_E2E_TAG_LEN; i++) {
		body[i] = (__u8)(t >> (8 * i));
		body[MMS_E2E_TAG_LEN + i] = (__u8)(seq >> (56 - 8 * i));
	}
	memcpy(body + MMS_E2E_LEN, ip, ip_len);
	return mms_frame_route(buf, cap, rt, dst_mac, src_mac, MMS_T_DATA, body,
			       (__u16)(MMS_E2E_LEN + ip_len));
}

static void verdict(struct mms_result *r, enum mms_verdict v, enum mms_stat s)
{
	r->verdict = v;
	r->stat = s;
}

static int is_agent_type(__u8 t)
{
	return t == MMS_T_BEACON_ACK || t == MMS_T_LSA || t == MMS_T_AUTH ||
	       t == MMS_T_CONTROL || t == MMS_T_NOTIFY;
}

static __u64 rd64be(const __u8 *p)
{
	__u64 v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * The end-to-end tag of a DATA body (tag, sequence word, then an IP packet
 * of ip_len >= 20 bytes). The key: the one the source's set holds for the
 * epoch (at an MA, looked up by the packet's source address), else this
 * node's own (at a CM, for everything; at an MA a key no other node holds).
 * On success *rk names the replay window: the source's when its key was
 * used (it alone tags with it), else the producer's under the node's key.
 */
static bool e2e_ok(const struct mms_node_view *nv, const struct mms_key *key,
		   const struct mms_hdr *h, __u8 type, const __u8 *body, size_t ip_len,
		   struct mms_rp_key *rk)
{
	const __u8 *ip = body + MMS_E2E_LEN;
	const struct mms_route_set *set = NULL;
	const struct mms_e2e_rx *rx;
	__u64 seq = rd64be(body + MMS_E2E_TAG_LEN);
	struct mms_addr src;
	bool own;

	memset(&src, 0, sizeof(src));
	if (ip[0] >> 4 == 4) {
		src.a[10] = 0xff;
		src.a[11] = 0xff;
		memcpy(src.a + 12, ip + 12, 4);
	} else {
		memcpy(src.a, ip + 8, 16);
	}
	if (nv->route)
		set = nv->route(nv->route_ctx, &src);
	rx = set ? &set->rx[h->epoch % MMS_EPOCH_SLOTS] : NULL;
	own = !(rx && rx->valid && rx->epoch == h->epoch);
	memset(rk, 0, sizeof(*rk));
	if (own)
		rk->producer = (__u16)(seq >> MMS_SEQ_CTR_BITS);
	else
		rk->src = src;
	return mms_e2e_mac(own ? &key->e2e : &rx->key, h->epoch, h->tag, type, seq, ip,
			   ip_len) == rd64le(body);
}

/* Not MMS: to the stack, unless data service is off on the ingress
 * interface; the count of such interfaces is read first, as in BPF. */
static void not_mms(const struct mms_node_view *nv, struct mms_result *res)
{
	if (nv->cfg && nv->cfg->data_off && nv->data_off)
		return verdict(res, MMS_V_DROP, MMS_S_DROP_DATA_OFF);
	verdict(res, MMS_V_PASS, MMS_S_PASS);
}

/*
 * A hello equal, from its route header to the end of its body (buf[l2 ..
 * end)), to the template its sender (ingress, source MAC, VLAN) has in
 * mms_hello_tpl: its arrival goes to mms_hello_seen[slot] and it stops
 * here. Bytes after the body (Ethernet padding) are not compared: the
 * agent ignores them too.
 */
static bool hello_absorb(const struct mms_node_view *nv, const __u8 *buf, size_t l2, size_t end)
{
	__u8 b[MMS_HELLO_TPL_MAX];
	const struct mms_hello_tpl *t;
	struct mms_hello_key k;

	if (!nv->hello_tpl || end - l2 > MMS_HELLO_TPL_MAX)
		return false;
	memset(&k, 0, sizeof(k));
	k.ifindex = nv->ingress_ifindex;
	memcpy(k.mac, buf + 6, 6);
	if (l2 > MMS_ETH_LEN)
		k.vlan = (__u16)((buf[14] << 8 | buf[15]) & 0x0fff);
	t = nv->hello_tpl(nv->hello_ctx, &k);
	if (!t || t->len != end - l2 || t->slot >= MMS_HELLO_SLOTS)
		return false;
	/* the whole template, zero-padded as the program compares it */
	memset(b, 0, sizeof(b));
	memcpy(b, buf + l2, end - l2);
	if (memcmp(t->b, b, sizeof(b)))
		return false;
	if (nv->hello_seen)
		nv->hello_seen[t->slot] = nv->now_ns;
	return true;
}

void mms_process(const struct mms_node_view *nv, __u8 *buf, size_t len,
		 struct mms_result *res)
{
	size_t l2 = MMS_ETH_LEN, hops_off, pl_off, body_off, end;
	const struct mms_key *key;
	const struct mms_nbr *nbr;
	struct mms_hop_plain p;
	struct mms_hdr hdr, *h = &hdr;	/* copies: the frame may be unaligned */
	struct mms_pl pld, *pl = &pld;
	__u8 fold[3];
	__u16 proto, port;

	memset(res, 0, sizeof(*res));
	res->off = 0;
	res->len = len;
	if (len < MMS_ETH_LEN)
		return not_mms(nv, res);
	proto = (__u16)(buf[12] << 8 | buf[13]);
	if (proto == 0x8100) {
		if (len < MMS_ETH_LEN + 4 || (buf[16] << 8 | buf[17]) != MMS_ETH_P)
			return not_mms(nv, res);
		l2 += 4;
	} else if (proto != MMS_ETH_P) {
		return not_mms(nv, res);
	}
	if (len < l2 + MMS_HDR_LEN)
		return verdict(res, MMS_V_DROP, MMS_S_DROP_TRUNCATED);
	memcpy(h, buf + l2, sizeof(*h));
	if (h->ver != MMS_VERSION)
		return verdict(res, MMS_V_DROP, MMS_S_DROP_VERSION);
	if (h->scope != MMS_SCOPE_LINK && h->scope != MMS_SCOPE_ROUTE)
		return verdict(res, MMS_V_DROP, MMS_S_DROP_SCOPE);
	if (h->flags || h->rsvd[0] || h->rsvd[1] || h->rsvd[2])
		return verdict(res, MMS_V_DROP, MMS_S_DROP_FLAGS);
	if (h->nhops > MMS_MAX_HOPS || (h->scope == MMS_SCOPE_ROUTE && h->nhops == 0))
		return verdict(res, MMS_V_DROP, MMS_S_DROP_NHOPS);
	hops_off = l2 + MMS_HDR_LEN;
	pl_off = hops_off + (size_t)h->nhops * MMS_HOP_LEN;
	body_off = pl_off + MMS_PL_LEN;
	if (len < body_off)
		return verdict(res, MMS_V_DROP, MMS_S_DROP_TRUNCATED);
	memcpy(pl, buf + pl_off, sizeof(*pl));
	end = body_off + ntohs(pl->len);
	if (len < end)
		return verdict(res, MMS_V_DROP, MMS_S_DROP_TRUNCATED);
	res->type = pl->type;
	if (h->scope == MMS_SCOPE_LINK) {
		/* (the link-scope budget, outside the model, comes first) */
		if (pl->type == MMS_T_HELLO && hello_absorb(nv, buf, l2, end))
			return verdict(res, MMS_V_DROP, MMS_S_HELLO_ABSORBED);
		return verdict(res, MMS_V_LINK_AGENT, MMS_S_LINK_AGENT);
	}

	if (nv->now_s >= ntohl(h->expiry))
		return verdict(res, MMS_V_DROP, MMS_S_DROP_EXPIRED);
	key = &nv->keys[h->epoch % MMS_EPOCH_SLOTS];
	if (!key->valid || key->epoch != h->epoch)
		return verdict(res, MMS_V_DROP, MMS_S_DROP_EPOCH);
	{
		struct mms_hop c;

		memcpy(&c, buf + hops_off, sizeof(c));
		mms_hop_open(key->rk, &c, &p);
	}
	put24(fold, mms_hop_fold(buf + hops_off + MMS_HOP_LEN, h->nhops - 1u));
	if ((p.ctl & MMS_HOP_RSVD_MASK) || (p.ctl & MMS_HOP_IDX_MASK) != h->nhops - 1 ||
	    !(p.ctl & MMS_HOP_LAST) != (h->nhops > 1) ||
	    ((p.ctl & MMS_HOP_CTRL) && !(p.ctl & MMS_HOP_LAST)) ||
	    p.expiry != h->expiry || memcmp(p.tag, h->tag, 4) || memcmp(p.chain, fold, 3))
		return verdict(res, MMS_V_DROP, MMS_S_DROP_HOP);
	port = ntohs(p.ingress);
	if (port == MMS_PORT_NONE || port >= MMS_MAX_PORTS ||
	    nv->nbrs[port].ifindex != nv->ingress_ifindex ||
	    memcmp(nv->nbrs[port].mac, buf + 6, 6))
		return verdict(res, MMS_V_DROP, MMS_S_DROP_INGRESS);

	if (h->nhops == 1) {
		struct mms_rp_key rk;
		size_t ip_off;
		int rp;
		__u8 v;

		if (pl->rsvd)
			return verdict(res, MMS_V_DROP, MMS_S_DROP_PAYLOAD);
		if (is_agent_type(pl->type)) {
			buf[l2 + offsetof(struct mms_hdr, flags)] = MMS_F_VERIFIED;
			res->len = end;
			return verdict(res, MMS_V_DELIVER_AGENT, MMS_S_DELIVER_AGENT);
		}
		if (pl->type != MMS_T_DATA || end <= body_off + MMS_E2E_LEN)
			return verdict(res, MMS_V_DROP, MMS_S_DROP_PAYLOAD);
		if (p.ctl & MMS_HOP_CTRL)
			return verdict(res, MMS_V_DROP, MMS_S_DROP_CTRL_ONLY);
		ip_off = body_off + MMS_E2E_LEN;
		v = buf[ip_off] >> 4;
		if ((v != 4 && v != 6) || end - ip_off < (v == 4 ? 20u : 40u) ||
		    end - ip_off > MMS_DATA_MAX)
			return verdict(res, MMS_V_DROP, MMS_S_DROP_PAYLOAD);
		if (!e2e_ok(nv, key, h, pl->type, buf + body_off, end - ip_off, &rk))
			return verdict(res, MMS_V_DROP, MMS_S_DROP_E2E_TAG);
		/* Each sequence number once, per producer and epoch; only
		 * frames whose tag verified move the window. */
		rp = nv->rp ? mms_rp_table_take(nv->rp, &rk, h->epoch,
						rd64be(buf + body_off + MMS_E2E_TAG_LEN)) : 0;
		if (rp)
			return verdict(res, MMS_V_DROP, (enum mms_stat)rp);
		/* The IP packet gets a fresh Ethernet header for mm0 in front of it. */
		res->off = ip_off - MMS_ETH_LEN;
		res->len = end - res->off;
		memcpy(buf + res->off, nv->cfg->mm0_mac, 6);
		memcpy(buf + res->off + 6, nv->cfg->mm0_mac, 6);
		buf[res->off + 12] = v == 4 ? 0x08 : 0x86;
		buf[res->off + 13] = v == 4 ? 0x00 : 0xdd;
		return verdict(res, MMS_V_DELIVER_MM0, MMS_S_DELIVER_MM0);
	}

	port = ntohs(p.egress);
	if (port == MMS_PORT_NONE || port >= MMS_MAX_PORTS)
		return verdict(res, MMS_V_DROP, MMS_S_DROP_NO_NBR);
	nbr = &nv->nbrs[port];
	if (nbr->state != MMS_NBR_UP)
		return verdict(res, MMS_V_DROP, MMS_S_DROP_NO_NBR);
	{
		/* Pop our field: the headers move 16 bytes towards the payload. */
		struct mms_hdr nh = *h;
		size_t nl2 = nbr->vlan ? MMS_ETH_LEN + 4 : MMS_ETH_LEN;
		__u8 *o;

		nh.nhops--;
		res->off = hops_off + MMS_HOP_LEN - MMS_HDR_LEN - nl2;
		res->len = len - res->off;
		o = buf + res->off;
		memcpy(o, nbr->mac, 6);
		memcpy(o + 6, nbr->smac, 6);
		if (nbr->vlan) {
			__u16 tci = (__u16)((nv->cfg->pcp & 7) << 13 | (nbr->vlan & 0x0fff));

			o[12] = 0x81;
			o[13] = 0x00;
			o[14] = (__u8)(tci >> 8);
			o[15] = (__u8)tci;
			o += 4;
		}
		o[12] = MMS_ETH_P >> 8;
		o[13] = MMS_ETH_P & 0xff;
		memcpy(o + MMS_ETH_LEN, &nh, sizeof(nh));
		res->port = port;
		return verdict(res, MMS_V_FORWARD, MMS_S_FORWARD);
	}
}

static const char *const stat_names[MMS_S_MAX] = {
#define MMS_STAT_NAME(n, d) [MMS_S_##n] = #n,
	MMS_STATS(MMS_STAT_NAME)
#undef MMS_STAT_NAME
};

static const char *const stat_help[MMS_S_MAX] = {
#define MMS_STAT_HELP(n, d) [MMS_S_##n] = d,
	MMS_STATS(MMS_STAT_HELP)
#undef MMS_STAT_HELP
};

const char *mms_stat_name(enum mms_stat s)
{
	return (unsigned)s < MMS_S_MAX ? stat_names[s] : "UNKNOWN";
}

const char *mms_stat_help(enum mms_stat s)
{
	return (unsigned)s < MMS_S_MAX ? stat_help[s] : "unknown counter";
}

const char *mms_type_name(__u8 type)
{
	static const char *const names[MMS_T_MAX] = {
		[MMS_T_HELLO] = "hello", [MMS_T_BEACON] = "beacon",
		[MMS_T_BEACON_ACK] = "beacon-ack", [MMS_T_LSA] = "lsa",
		[MMS_T_AUTH] = "auth", [MMS_T_CONTROL] = "control",
		[MMS_T_DATA] = "data", [MMS_T_NOTIFY] = "notify",
	};
	return type && type < MMS_T_MAX ? names[type] : "unknown";
}

void mms_addr_v4(struct mms_addr *a, __u32 be_addr)
{
	memset(a, 0, sizeof(*a));
	a->a[10] = 0xff;
	a->a[11] = 0xff;
	memcpy(a->a + 12, &be_addr, 4);
}

int mms_addr_parse(const char *s, struct mms_addr *a)
{
	struct in_addr v4;

	if (inet_pton(AF_INET, s, &v4) == 1) {
		mms_addr_v4(a, v4.s_addr);
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->a) == 1)
		return 0;
	return -EINVAL;
}
