// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Control-plane message bodies. One reading cursor and one writing cursor do
 * every bounds check; each message is then a list of fields. Wire structs are
 * assembled in locals and copied with memcpy, so the body may sit at any
 * alignment inside a frame.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "msg.h"

static const char *const err_text[MSG_E_MAX] = {
	[MSG_OK] = "ok",
#define MSG_ERR_TEXT(n, d) [MSG_E_##n] = d,
	MSG_ERRORS(MSG_ERR_TEXT)
#undef MSG_ERR_TEXT
};

const char *msg_strerror(int err)
{
	if (err < 0)
		err = -err;
	return err < MSG_E_MAX ? err_text[err] : "unknown error";
}

int mms_id_is_zero(const struct mms_id *a)
{
	for (size_t i = 0; i < sizeof(a->b); i++)
		if (a->b[i])
			return 0;
	return 1;
}

const char *mms_id_str(const struct mms_id *a, char out[MMS_ID_STR])
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < sizeof(a->b); i++) {
		out[2 * i] = hex[a->b[i] >> 4];
		out[2 * i + 1] = hex[a->b[i] & 15];
	}
	out[32] = 0;
	return out;
}

/* ---- reading ---- */

struct rcur {
	const __u8 *p;
	size_t len, off;
};

/* Copy n bytes out, or fail without moving. */
static int take(struct rcur *c, void *dst, size_t n)
{
	if (c->len - c->off < n)
		return -1;
	memcpy(dst, c->p + c->off, n);
	c->off += n;
	return 0;
}

static int zero(const void *p, size_t n)
{
	const __u8 *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

/* Known extensions a message understands; unknown types are skipped. */
typedef int (*tlv_fn)(void *m, __u8 type, const __u8 *v, __u8 len);

/*
 * The common tail: ext_len bytes of TLVs, the trailer, and nothing after it.
 * cover is the covered prefix for beacons (0: everything before the
 * authenticator bytes).
 */
static int parse_tail(struct rcur *c, size_t ext_len, tlv_fn fn, void *m,
		      struct msg_auth *a, size_t cover)
{
	struct mms_auth_tlr t;
	size_t end;

	if (c->len - c->off < ext_len)
		return -MSG_E_LENGTH;
	end = c->off + ext_len;
	while (c->off < end) {
		struct mms_tlv tl;
		int rc;

		if (end - c->off < sizeof(tl))
			return -MSG_E_TLV;
		memcpy(&tl, c->p + c->off, sizeof(tl));
		c->off += sizeof(tl);
		if (end - c->off < tl.len)
			return -MSG_E_TLV;
		if (fn) {
			rc = fn(m, tl.type, c->p + c->off, tl.len);
			if (rc)
				return rc;
		}
		c->off += tl.len;
	}
	if (take(c, &t, sizeof(t)))
		return -MSG_E_LENGTH;
	if (t.len > MMS_AUTH_MAX || (t.alg == MMS_AUTH_NONE && (t.len || t.key_id)))
		return -MSG_E_AUTH;
	a->alg = t.alg;
	a->len = t.len;
	a->key_id = ntohs(t.key_id);
	a->auth_off = c->off;
	a->cover_len = cover ? cover : c->off;
	if (take(c, a->data, t.len))
		return -MSG_E_LENGTH;
	memset(a->data + t.len, 0, sizeof(a->data) - t.len);
	return c->off == c->len ? 0 : -MSG_E_LENGTH;
}

/* Fixed part first: a body shorter than it is SHORT, not LENGTH. */
static int take_fixed(struct rcur *c, const __u8 *b, size_t len, void *fixed, size_t n)
{
	c->p = b;
	c->len = len;
	c->off = 0;
	return take(c, fixed, n) ? -MSG_E_SHORT : 0;
}

static int role_ok(__u8 r)
{
	return r == MMS_ROLE_CM || r == MMS_ROLE_MA;
}

int msg_hello_parse(const __u8 *b, size_t len, struct msg_hello *m)
{
	struct mms_hello w;
	struct rcur c;

	if (take_fixed(&c, b, len, &w, sizeof(w)))
		return -MSG_E_SHORT;
	if (!zero(w.rsvd, sizeof(w.rsvd)) || (w.flags & ~MMS_HELLO_F_TWOWAY))
		return -MSG_E_RSVD;
	memset(m, 0, sizeof(*m));
	m->id = w.id;
	m->seen = w.seen;
	m->port = ntohs(w.port);
	m->seen_port = ntohs(w.seen_port);
	m->hold_ms = ntohs(w.hold_ms);
	m->role = w.role;
	m->flags = w.flags;
	if (!role_ok(m->role) || m->port == MMS_PORT_NONE || m->port >= MMS_MAX_PORTS ||
	    m->seen_port >= MMS_MAX_PORTS || !m->hold_ms)
		return -MSG_E_VALUE;
	return parse_tail(&c, ntohs(w.ext_len), NULL, m, &m->auth, 0);
}

int msg_beacon_parse(const __u8 *b, size_t len, struct msg_beacon *m)
{
	struct mms_beacon w;
	struct rcur c;

	if (take_fixed(&c, b, len, &w, sizeof(w)))
		return -MSG_E_SHORT;
	if (w.flags)
		return -MSG_E_RSVD;
	if (!w.npath || w.npath > MMS_MAX_HOPS)
		return -MSG_E_COUNT;
	memset(m, 0, sizeof(*m));
	m->ma = w.ma;
	memcpy(m->ma_addr.a, w.ma_addr, 16);
	m->ts_ms = be64toh(w.ts_ms);
	m->seq = ntohl(w.seq);
	m->npath = w.npath;
	if (take(&c, m->path, (size_t)w.npath * sizeof(m->path[0])))
		return -MSG_E_LENGTH;
	return parse_tail(&c, ntohs(w.ext_len), NULL, m, &m->auth, MMS_BEACON_COVER);
}

int msg_ack_parse(const __u8 *b, size_t len, struct msg_ack *m)
{
	struct mms_beacon_ack w;
	struct rcur c;

	if (take_fixed(&c, b, len, &w, sizeof(w)))
		return -MSG_E_SHORT;
	if (w.flags)
		return -MSG_E_RSVD;
	if (!role_ok(w.role))
		return -MSG_E_VALUE;
	memset(m, 0, sizeof(*m));
	m->cm = w.cm;
	m->ma = w.ma;
	memcpy(m->cm_addr.a, w.cm_addr, 16);
	m->beacon_seq = ntohl(w.beacon_seq);
	m->lsa_seq = ntohl(w.lsa_seq);
	m->role = w.role;
	return parse_tail(&c, ntohs(w.ext_len), NULL, m, &m->auth, 0);
}

static int lsa_tlv(void *arg, __u8 type, const __u8 *v, __u8 len)
{
	struct msg_lsa *m = arg;

	if (type != MMS_TLV_NAME)
		return 0;
	if (!len || len > MMS_NAME_MAX || memchr(v, 0, len))
		return -MSG_E_VALUE;
	memcpy(m->name, v, len);
	m->name[len] = 0;
	return 0;
}

int msg_lsa_parse(const __u8 *b, size_t len, struct msg_lsa *m)
{
	struct mms_lsa w;
	struct rcur c;

	if (take_fixed(&c, b, len, &w, sizeof(w)))
		return -MSG_E_SHORT;
	if (w.flags || !zero(w.rsvd, sizeof(w.rsvd)))
		return -MSG_E_RSVD;
	if (!role_ok(w.role))
		return -MSG_E_VALUE;
	if (ntohs(w.nnbr) > MSG_LSA_MAX_NBR)
		return -MSG_E_COUNT;
	memset(m, 0, sizeof(*m));
	m->origin = w.origin;
	memcpy(m->addr.a, w.addr, 16);
	m->seq = ntohl(w.seq);
	m->role = w.role;
	m->nnbr = ntohs(w.nnbr);
	for (int i = 0; i < m->nnbr; i++) {
		struct mms_lsa_nbr e;

		if (take(&c, &e, sizeof(e)))
			return -MSG_E_LENGTH;
		if (e.flags || e.rsvd)
			return -MSG_E_RSVD;
		m->nbr[i].id = e.id;
		m->nbr[i].port = ntohs(e.port);
		m->nbr[i].peer_port = ntohs(e.peer_port);
		m->nbr[i].cost = ntohs(e.cost);
		if (!m->nbr[i].port || m->nbr[i].port >= MMS_MAX_PORTS || !m->nbr[i].peer_port ||
		    m->nbr[i].peer_port >= MMS_MAX_PORTS || !m->nbr[i].cost)
			return -MSG_E_VALUE;
	}
	return parse_tail(&c, ntohs(w.ext_len), lsa_tlv, m, &m->auth, 0);
}

int msg_control_parse(const __u8 *b, size_t len, struct msg_control *m)
{
	struct mms_control w;
	struct rcur c;

	if (take_fixed(&c, b, len, &w, sizeof(w)))
		return -MSG_E_SHORT;
	if (w.rsvd || !zero(w.rsvd2, sizeof(w.rsvd2)) || (w.flags & ~MMS_CTL_F_DEFAULT))
		return -MSG_E_RSVD;
	if (w.op != MMS_CTL_ROUTES)
		return -MSG_E_VALUE;
	if (w.nroutes > MMS_MAX_ALT)
		return -MSG_E_COUNT;
	memset(m, 0, sizeof(*m));
	m->ma = w.ma;
	m->cm = w.cm;
	memcpy(m->dst.a, w.dst, 16);
	m->seq = ntohl(w.seq);
	m->lsa_seq = ntohl(w.lsa_seq);
	m->op = w.op;
	m->flags = w.flags;
	m->nroutes = w.nroutes;
	for (int i = 0; i < m->nroutes; i++) {
		struct mms_route *r = &m->r[i];
		struct mms_ctl_route e;

		if (take(&c, &e, sizeof(e)))
			return -MSG_E_LENGTH;
		r->port = ntohs(e.port);
		r->nhops = e.nhops;
		r->epoch = e.epoch;
		r->expiry = e.expiry;
		memcpy(r->tag, e.tag, 4);
		if (!r->port || r->port >= MMS_MAX_PORTS || !r->nhops || r->nhops > MMS_MAX_HOPS)
			return -MSG_E_VALUE;
		if (take(&c, r->hops, (size_t)r->nhops * MMS_HOP_LEN))
			return -MSG_E_LENGTH;
	}
	return parse_tail(&c, ntohs(w.ext_len), NULL, m, &m->auth, 0);
}

int msg_notify_parse(const __u8 *b, size_t len, struct msg_notify *m)
{
	struct mms_notify w;
	struct rcur c;

	if (take_fixed(&c, b, len, &w, sizeof(w)))
		return -MSG_E_SHORT;
	if (w.flags || !zero(w.rsvd, sizeof(w.rsvd)))
		return -MSG_E_RSVD;
	if (w.kind < MMS_NOTIFY_NBR_DOWN || w.kind > MMS_NOTIFY_FAILOVER ||
	    ntohs(w.port) >= MMS_MAX_PORTS)
		return -MSG_E_VALUE;
	memset(m, 0, sizeof(*m));
	m->origin = w.origin;
	m->nbr = w.nbr;
	memcpy(m->addr.a, w.addr, 16);
	m->seq = ntohl(w.seq);
	m->port = ntohs(w.port);
	m->kind = w.kind;
	return parse_tail(&c, ntohs(w.ext_len), NULL, m, &m->auth, 0);
}

int msg_parse(__u8 type, const __u8 *b, size_t len, union msg_any *m)
{
	switch (type) {
	case MMS_T_HELLO:	return msg_hello_parse(b, len, &m->hello);
	case MMS_T_BEACON:	return msg_beacon_parse(b, len, &m->beacon);
	case MMS_T_BEACON_ACK:	return msg_ack_parse(b, len, &m->ack);
	case MMS_T_LSA:		return msg_lsa_parse(b, len, &m->lsa);
	case MMS_T_CONTROL:	return msg_control_parse(b, len, &m->control);
	case MMS_T_NOTIFY:	return msg_notify_parse(b, len, &m->notify);
	default:		return -MSG_E_TYPE;
	}
}

/* ---- writing ---- */

struct wcur {
	__u8 *p;
	size_t cap, off;
	int full;
};

static void put(struct wcur *c, const void *src, size_t n)
{
	if (!n)
		return;
	if (c->full || c->cap - c->off < n) {
		c->full = 1;
		return;
	}
	memcpy(c->p + c->off, src, n);
	c->off += n;
}

/* Extensions (already encoded, ext_len bytes) and the trailer; returns the length. */
static int put_tail(struct wcur *c, const void *ext, size_t ext_len,
		    const struct msg_auth *a, struct msg_auth *out, size_t cover)
{
	struct mms_auth_tlr t = { .alg = a->alg, .len = a->len, .key_id = htons(a->key_id) };
	size_t auth_off;

	if (a->len > MMS_AUTH_MAX)
		return -EINVAL;
	put(c, ext, ext_len);
	put(c, &t, sizeof(t));
	auth_off = c->off;
	put(c, a->data, a->len);
	if (c->full)
		return -ENOSPC;
	if (out) {
		*out = *a;
		out->auth_off = auth_off;
		out->cover_len = cover ? cover : auth_off;
	}
	return (int)c->off;
}

static void wbegin(struct wcur *c, __u8 *buf, size_t cap)
{
	c->p = buf;
	c->cap = cap;
	c->off = 0;
	c->full = 0;
}

/* A body that is only its fixed part and the trailer. */
static int build_fixed(__u8 *buf, size_t cap, const void *w, size_t n,
		       const struct msg_auth *a, struct msg_auth *ao)
{
	struct wcur c;

	wbegin(&c, buf, cap);
	put(&c, w, n);
	return put_tail(&c, NULL, 0, a, ao, 0);
}

int msg_hello_build(__u8 *buf, size_t cap, const struct msg_hello *m, struct msg_auth *ao)
{
	struct mms_hello w;

	memset(&w, 0, sizeof(w));
	w.id = m->id;
	w.seen = m->seen;
	w.port = htons(m->port);
	w.seen_port = htons(m->seen_port);
	w.hold_ms = htons(m->hold_ms);
	w.role = m->role;
	w.flags = m->flags;
	return build_fixed(buf, cap, &w, sizeof(w), &m->auth, ao);
}

int msg_beacon_build(__u8 *buf, size_t cap, const struct msg_beacon *m, struct msg_auth *ao)
{
	struct mms_beacon w;
	struct wcur c;

	if (!m->npath || m->npath > MMS_MAX_HOPS)
		return -EINVAL;
	memset(&w, 0, sizeof(w));
	w.ma = m->ma;
	memcpy(w.ma_addr, m->ma_addr.a, 16);
	w.ts_ms = htobe64(m->ts_ms);
	w.seq = htonl(m->seq);
	w.npath = m->npath;
	wbegin(&c, buf, cap);
	put(&c, &w, sizeof(w));
	put(&c, m->path, (size_t)m->npath * sizeof(m->path[0]));
	return put_tail(&c, NULL, 0, &m->auth, ao, MMS_BEACON_COVER);
}

int msg_ack_build(__u8 *buf, size_t cap, const struct msg_ack *m, struct msg_auth *ao)
{
	struct mms_beacon_ack w;

	memset(&w, 0, sizeof(w));
	w.cm = m->cm;
	w.ma = m->ma;
	memcpy(w.cm_addr, m->cm_addr.a, 16);
	w.beacon_seq = htonl(m->beacon_seq);
	w.lsa_seq = htonl(m->lsa_seq);
	w.role = m->role;
	return build_fixed(buf, cap, &w, sizeof(w), &m->auth, ao);
}

int msg_lsa_build(__u8 *buf, size_t cap, const struct msg_lsa *m, struct msg_auth *ao)
{
	__u8 ext[sizeof(struct mms_tlv) + MMS_NAME_MAX];
	size_t name_len = strnlen(m->name, sizeof(m->name)), ext_len = 0;
	struct mms_lsa w;
	struct wcur c;

	if (m->nnbr > MSG_LSA_MAX_NBR || name_len > MMS_NAME_MAX)
		return -EINVAL;
	if (name_len) {
		ext[0] = MMS_TLV_NAME;
		ext[1] = (__u8)name_len;
		memcpy(ext + 2, m->name, name_len);
		ext_len = 2 + name_len;
	}
	memset(&w, 0, sizeof(w));
	w.origin = m->origin;
	memcpy(w.addr, m->addr.a, 16);
	w.seq = htonl(m->seq);
	w.nnbr = htons(m->nnbr);
	w.role = m->role;
	w.ext_len = htons((__u16)ext_len);
	wbegin(&c, buf, cap);
	put(&c, &w, sizeof(w));
	for (int i = 0; i < m->nnbr; i++) {
		struct mms_lsa_nbr e;

		memset(&e, 0, sizeof(e));
		e.id = m->nbr[i].id;
		e.port = htons(m->nbr[i].port);
		e.peer_port = htons(m->nbr[i].peer_port);
		e.cost = htons(m->nbr[i].cost);
		put(&c, &e, sizeof(e));
	}
	return put_tail(&c, ext, ext_len, &m->auth, ao, 0);
}

int msg_control_build(__u8 *buf, size_t cap, const struct msg_control *m, struct msg_auth *ao)
{
	struct mms_control w;
	struct wcur c;

	if (m->nroutes > MMS_MAX_ALT)
		return -EINVAL;
	memset(&w, 0, sizeof(w));
	w.ma = m->ma;
	w.cm = m->cm;
	memcpy(w.dst, m->dst.a, 16);
	w.seq = htonl(m->seq);
	w.lsa_seq = htonl(m->lsa_seq);
	w.op = m->op;
	w.nroutes = m->nroutes;
	w.flags = m->flags;
	wbegin(&c, buf, cap);
	put(&c, &w, sizeof(w));
	for (int i = 0; i < m->nroutes; i++) {
		const struct mms_route *r = &m->r[i];
		struct mms_ctl_route e;

		if (!r->nhops || r->nhops > MMS_MAX_HOPS || !r->port || r->port >= MMS_MAX_PORTS)
			return -EINVAL;
		e.port = htons(r->port);
		e.nhops = r->nhops;
		e.epoch = r->epoch;
		e.expiry = r->expiry;
		memcpy(e.tag, r->tag, 4);
		put(&c, &e, sizeof(e));
		put(&c, r->hops, (size_t)r->nhops * MMS_HOP_LEN);
	}
	return put_tail(&c, NULL, 0, &m->auth, ao, 0);
}

int msg_notify_build(__u8 *buf, size_t cap, const struct msg_notify *m, struct msg_auth *ao)
{
	struct mms_notify w;

	memset(&w, 0, sizeof(w));
	w.origin = m->origin;
	w.nbr = m->nbr;
	memcpy(w.addr, m->addr.a, 16);
	w.seq = htonl(m->seq);
	w.port = htons(m->port);
	w.kind = m->kind;
	return build_fixed(buf, cap, &w, sizeof(w), &m->auth, ao);
}
