// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Control-plane body parsers and builders (agent/msg.c):
 *  - round trip of every message with random contents, field by field;
 *  - every truncation and one extra byte refused, never read out of bounds;
 *  - a table of hand-made bad bodies, each refused for its own reason;
 *  - unknown extension TLVs skipped, overrunning ones refused;
 *  - every single-bit flip either refused or parsed into something that
 *    rebuilds to a body parsing the same way (no half-parsed state).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "tap.h"
#include "msg.h"

static unsigned long long rng = 0x9e3779b97f4a7c15ull;

static unsigned rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 11);
}

static void fill(void *p, size_t n)
{
	__u8 *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = (__u8)rnd();
}

static void rand_auth(struct msg_auth *a)
{
	memset(a, 0, sizeof(*a));
	a->alg = (__u8)(1 + rnd() % 3);
	a->len = (__u8)(rnd() % (MMS_AUTH_MAX + 1));
	a->key_id = (__u16)rnd();
	fill(a->data, a->len);
}

static __u16 rport(void)
{
	return (__u16)(1 + rnd() % (MMS_MAX_PORTS - 1));
}

static void rand_hello(struct msg_hello *m)
{
	memset(m, 0, sizeof(*m));
	fill(&m->id, 16);
	fill(&m->seen, 16);
	m->port = rport();
	m->seen_port = rport();
	m->hold_ms = (__u16)(1 + rnd() % 60000);
	m->role = rnd() & 1 ? MMS_ROLE_MA : MMS_ROLE_CM;
	m->flags = rnd() & 1 ? MMS_HELLO_F_TWOWAY : 0;
	rand_auth(&m->auth);
}

static void rand_beacon(struct msg_beacon *m)
{
	memset(m, 0, sizeof(*m));
	fill(&m->ma, 16);
	fill(&m->ma_addr, 16);
	m->ts_ms = (__u64)rnd() << 32 | rnd();
	m->seq = rnd();
	m->npath = (__u8)(1 + rnd() % MMS_MAX_HOPS);
	fill(m->path, (size_t)m->npath * 16);
	rand_auth(&m->auth);
}

static void rand_ack(struct msg_ack *m)
{
	memset(m, 0, sizeof(*m));
	fill(&m->cm, 16);
	fill(&m->ma, 16);
	fill(&m->cm_addr, 16);
	m->beacon_seq = rnd();
	m->lsa_seq = rnd();
	m->role = MMS_ROLE_CM;
	rand_auth(&m->auth);
}

static void rand_lsa(struct msg_lsa *m)
{
	size_t nl;

	memset(m, 0, sizeof(*m));
	fill(&m->origin, 16);
	fill(&m->addr, 16);
	m->seq = rnd();
	m->role = MMS_ROLE_CM;
	m->nnbr = (__u16)(rnd() % (MSG_LSA_MAX_NBR + 1));
	for (int i = 0; i < m->nnbr; i++) {
		fill(&m->nbr[i].id, 16);
		m->nbr[i].port = rport();
		m->nbr[i].peer_port = rport();
		m->nbr[i].cost = (__u16)(1 + rnd() % 1000);
	}
	nl = rnd() % (MMS_NAME_MAX + 1);
	for (size_t i = 0; i < nl; i++)
		m->name[i] = (char)('a' + rnd() % 26);
	rand_auth(&m->auth);
}

static void rand_control(struct msg_control *m)
{
	memset(m, 0, sizeof(*m));
	fill(&m->ma, 16);
	fill(&m->cm, 16);
	fill(&m->dst, 16);
	m->seq = rnd();
	m->lsa_seq = rnd();
	m->op = MMS_CTL_ROUTES;
	m->flags = rnd() & 1 ? MMS_CTL_F_DEFAULT : 0;
	m->nroutes = (__u8)(rnd() % (MMS_MAX_ALT + 1));
	for (int i = 0; i < m->nroutes; i++) {
		m->r[i].port = rport();
		m->r[i].nhops = (__u8)(1 + rnd() % MMS_MAX_HOPS);
		m->r[i].epoch = (__u8)rnd();
		m->r[i].expiry = rnd();
		fill(m->r[i].tag, 4);
		fill(m->r[i].hops, (size_t)m->r[i].nhops * MMS_HOP_LEN);
	}
	rand_auth(&m->auth);
}

static void rand_notify(struct msg_notify *m)
{
	memset(m, 0, sizeof(*m));
	fill(&m->origin, 16);
	fill(&m->nbr, 16);
	fill(&m->addr, 16);
	m->seq = rnd();
	m->port = (__u16)(rnd() % MMS_MAX_PORTS);
	m->kind = (__u8)(MMS_NOTIFY_NBR_DOWN + rnd() % 3);
	rand_auth(&m->auth);
}

/* Field-by-field equality of two parsed messages (auth offsets aside). */
static int auth_eq(const struct msg_auth *a, const struct msg_auth *b)
{
	return a->alg == b->alg && a->len == b->len && a->key_id == b->key_id &&
	       !memcmp(a->data, b->data, a->len);
}

static int msg_eq(__u8 type, const union msg_any *a, const union msg_any *b)
{
	switch (type) {
	case MMS_T_HELLO: {
		const struct msg_hello *x = &a->hello, *y = &b->hello;

		return mms_id_eq(&x->id, &y->id) && mms_id_eq(&x->seen, &y->seen) &&
		       x->port == y->port && x->seen_port == y->seen_port &&
		       x->hold_ms == y->hold_ms && x->role == y->role && x->flags == y->flags &&
		       auth_eq(&x->auth, &y->auth);
	}
	case MMS_T_BEACON: {
		const struct msg_beacon *x = &a->beacon, *y = &b->beacon;

		return mms_id_eq(&x->ma, &y->ma) && !memcmp(&x->ma_addr, &y->ma_addr, 16) &&
		       x->ts_ms == y->ts_ms && x->seq == y->seq && x->npath == y->npath &&
		       !memcmp(x->path, y->path, (size_t)x->npath * 16) &&
		       auth_eq(&x->auth, &y->auth);
	}
	case MMS_T_BEACON_ACK: {
		const struct msg_ack *x = &a->ack, *y = &b->ack;

		return mms_id_eq(&x->cm, &y->cm) && mms_id_eq(&x->ma, &y->ma) &&
		       !memcmp(&x->cm_addr, &y->cm_addr, 16) && x->beacon_seq == y->beacon_seq &&
		       x->lsa_seq == y->lsa_seq && x->role == y->role && auth_eq(&x->auth, &y->auth);
	}
	case MMS_T_LSA: {
		const struct msg_lsa *x = &a->lsa, *y = &b->lsa;
		int eq = mms_id_eq(&x->origin, &y->origin) && !memcmp(&x->addr, &y->addr, 16) &&
			 x->seq == y->seq && x->role == y->role && x->nnbr == y->nnbr &&
			 !strcmp(x->name, y->name) && auth_eq(&x->auth, &y->auth);

		for (int i = 0; eq && i < x->nnbr; i++)
			eq = mms_id_eq(&x->nbr[i].id, &y->nbr[i].id) &&
			     x->nbr[i].port == y->nbr[i].port &&
			     x->nbr[i].peer_port == y->nbr[i].peer_port &&
			     x->nbr[i].cost == y->nbr[i].cost;
		return eq;
	}
	case MMS_T_CONTROL: {
		const struct msg_control *x = &a->control, *y = &b->control;
		int eq = mms_id_eq(&x->ma, &y->ma) && mms_id_eq(&x->cm, &y->cm) &&
			 !memcmp(&x->dst, &y->dst, 16) && x->seq == y->seq &&
			 x->lsa_seq == y->lsa_seq && x->op == y->op && x->flags == y->flags &&
			 x->nroutes == y->nroutes && auth_eq(&x->auth, &y->auth);

		for (int i = 0; eq && i < x->nroutes; i++)
			eq = x->r[i].port == y->r[i].port && x->r[i].nhops == y->r[i].nhops &&
			     x->r[i].epoch == y->r[i].epoch && x->r[i].expiry == y->r[i].expiry &&
			     !memcmp(x->r[i].tag, y->r[i].tag, 4) &&
			     !memcmp(x->r[i].hops, y->r[i].hops, (size_t)x->r[i].nhops * 16);
		return eq;
	}
	case MMS_T_NOTIFY: {
		const struct msg_notify *x = &a->notify, *y = &b->notify;

		return mms_id_eq(&x->origin, &y->origin) && mms_id_eq(&x->nbr, &y->nbr) &&
		       !memcmp(&x->addr, &y->addr, 16) && x->seq == y->seq &&
		       x->port == y->port && x->kind == y->kind && auth_eq(&x->auth, &y->auth);
	}
	}
	return 0;
}

static void rand_msg(__u8 type, union msg_any *m)
{
	switch (type) {
	case MMS_T_HELLO:	rand_hello(&m->hello); break;
	case MMS_T_BEACON:	rand_beacon(&m->beacon); break;
	case MMS_T_BEACON_ACK:	rand_ack(&m->ack); break;
	case MMS_T_LSA:		rand_lsa(&m->lsa); break;
	case MMS_T_CONTROL:	rand_control(&m->control); break;
	case MMS_T_NOTIFY:	rand_notify(&m->notify); break;
	}
}

static int build_msg(__u8 type, __u8 *buf, size_t cap, const union msg_any *m, struct msg_auth *ao)
{
	switch (type) {
	case MMS_T_HELLO:	return msg_hello_build(buf, cap, &m->hello, ao);
	case MMS_T_BEACON:	return msg_beacon_build(buf, cap, &m->beacon, ao);
	case MMS_T_BEACON_ACK:	return msg_ack_build(buf, cap, &m->ack, ao);
	case MMS_T_LSA:		return msg_lsa_build(buf, cap, &m->lsa, ao);
	case MMS_T_CONTROL:	return msg_control_build(buf, cap, &m->control, ao);
	case MMS_T_NOTIFY:	return msg_notify_build(buf, cap, &m->notify, ao);
	}
	return -EINVAL;
}

static const __u8 types[] = { MMS_T_HELLO, MMS_T_BEACON, MMS_T_BEACON_ACK, MMS_T_LSA,
			      MMS_T_CONTROL, MMS_T_NOTIFY };

/*
 * Parse from a heap copy of exactly len bytes so a read past the end would
 * land outside the allocation (and be caught by ASan when built with it).
 */
static int parse_exact(__u8 type, const __u8 *b, size_t len, union msg_any *m)
{
	__u8 *copy = malloc(len ? len : 1);
	int rc;

	memcpy(copy, b, len);
	rc = msg_parse(type, copy, len, m);
	free(copy);
	return rc;
}

/* The authenticator of a parsed message of any type. */
static const struct msg_auth *auth_of(__u8 type, const union msg_any *m)
{
	switch (type) {
	case MMS_T_HELLO:	return &m->hello.auth;
	case MMS_T_BEACON:	return &m->beacon.auth;
	case MMS_T_BEACON_ACK:	return &m->ack.auth;
	case MMS_T_LSA:		return &m->lsa.auth;
	case MMS_T_CONTROL:	return &m->control.auth;
	default:		return &m->notify.auth;
	}
}

static void test_round_trip(void)
{
	static __u8 buf[2048];
	static union msg_any m, p;

	for (size_t t = 0; t < sizeof(types); t++) {
		int bad = 0, bad_auth = 0, n = 300;

		for (int i = 0; i < n; i++) {
			struct msg_auth ao;
			int len;

			rand_msg(types[t], &m);
			len = build_msg(types[t], buf, sizeof(buf), &m, &ao);
			if (len <= 0 || len > MMS_BODY_MAX || parse_exact(types[t], buf, (size_t)len, &p) ||
			    !msg_eq(types[t], &m, &p)) {
				bad++;
				continue;
			}
			/* The authenticator sits where both sides say, at the end. */
			if (ao.auth_off != auth_of(types[t], &p)->auth_off ||
			    ao.cover_len != auth_of(types[t], &p)->cover_len ||
			    ao.auth_off + ao.len != (size_t)len ||
			    memcmp(buf + ao.auth_off, auth_of(types[t], &m)->data, ao.len))
				bad_auth++;
		}
		ok(!bad, "%s: %d random bodies build, fit MMS_BODY_MAX and parse back equal (%d bad)",
		   mms_type_name(types[t]), n, bad);
		ok(!bad_auth, "%s: authenticator offsets agree between builder and parser",
		   mms_type_name(types[t]));
	}
}

static void test_truncation(void)
{
	static __u8 buf[2048];
	static union msg_any m, p;

	for (size_t t = 0; t < sizeof(types); t++) {
		int accepted = 0, wrong_err = 0, cases = 0;

		for (int i = 0; i < 20; i++) {
			int len;

			rand_msg(types[t], &m);
			len = build_msg(types[t], buf, sizeof(buf), &m, NULL);
			for (int l = 0; l < len; l++, cases++) {
				int rc = parse_exact(types[t], buf, (size_t)l, &p);

				if (!rc)
					accepted++;
				else if (rc != -MSG_E_SHORT && rc != -MSG_E_LENGTH && rc != -MSG_E_TLV &&
					 rc != -MSG_E_AUTH)
					wrong_err++;
			}
			buf[len] = 0;
			if (!parse_exact(types[t], buf, (size_t)len + 1, &p))
				accepted++;
			/* Too small a buffer is -ENOSPC at every size. */
			for (int l = 0; l < len; l++)
				if (build_msg(types[t], buf, (size_t)l, &m, NULL) != -ENOSPC)
					wrong_err++;
		}
		ok(!accepted && !wrong_err,
		   "%s: all %d truncations and trailing bytes refused as length errors, builders say ENOSPC (%d accepted, %d wrong)",
		   mms_type_name(types[t]), cases, accepted, wrong_err);
	}
}

/* Hand-made bad bodies: each starts from a valid one and breaks one thing. */
struct bad_case {
	const char *what;
	__u8 type;
	size_t off;		/* byte to overwrite */
	int width;		/* 1 or 2 bytes, big-endian */
	unsigned val;
	int err;		/* expected -MSG_E_* */
};

static const struct bad_case bad_cases[] = {
	{ "hello rsvd", MMS_T_HELLO, 42, 1, 1, MSG_E_RSVD },
	{ "hello unknown flag", MMS_T_HELLO, 39, 1, 0x40, MSG_E_RSVD },
	{ "hello role 0", MMS_T_HELLO, 38, 1, 0, MSG_E_VALUE },
	{ "hello role 3", MMS_T_HELLO, 38, 1, 3, MSG_E_VALUE },
	{ "hello port 0", MMS_T_HELLO, 32, 2, 0, MSG_E_VALUE },
	{ "hello port 256", MMS_T_HELLO, 32, 2, 256, MSG_E_VALUE },
	{ "hello hold 0", MMS_T_HELLO, 36, 2, 0, MSG_E_VALUE },
	{ "hello ext_len past end", MMS_T_HELLO, 40, 2, 200, MSG_E_LENGTH },
	{ "beacon flags", MMS_T_BEACON, 45, 1, 1, MSG_E_RSVD },
	{ "beacon npath 0", MMS_T_BEACON, 44, 1, 0, MSG_E_COUNT },
	{ "beacon npath 17", MMS_T_BEACON, 44, 1, 17, MSG_E_COUNT },
	{ "beacon npath one more", MMS_T_BEACON, 44, 1, 3, MSG_E_LENGTH },
	{ "ack role", MMS_T_BEACON_ACK, 56, 1, 9, MSG_E_VALUE },
	{ "ack flags", MMS_T_BEACON_ACK, 57, 1, 1, MSG_E_RSVD },
	{ "lsa nnbr 41", MMS_T_LSA, 36, 2, 41, MSG_E_COUNT },
	{ "lsa nnbr one more", MMS_T_LSA, 36, 2, 3, MSG_E_LENGTH },
	{ "lsa rsvd", MMS_T_LSA, 43, 1, 1, MSG_E_RSVD },
	{ "lsa nbr port 0", MMS_T_LSA, 44 + 16, 2, 0, MSG_E_VALUE },
	{ "lsa nbr cost 0", MMS_T_LSA, 44 + 20, 2, 0, MSG_E_VALUE },
	{ "lsa nbr flags", MMS_T_LSA, 44 + 22, 1, 1, MSG_E_RSVD },
	{ "control op", MMS_T_CONTROL, 56, 1, 2, MSG_E_VALUE },
	{ "control nroutes 5", MMS_T_CONTROL, 57, 1, 5, MSG_E_COUNT },
	{ "control unknown flag", MMS_T_CONTROL, 58, 1, 2, MSG_E_RSVD },
	{ "control route nhops 0", MMS_T_CONTROL, 64 + 2, 1, 0, MSG_E_VALUE },
	{ "control route nhops 17", MMS_T_CONTROL, 64 + 2, 1, 17, MSG_E_VALUE },
	{ "control route port 0", MMS_T_CONTROL, 64, 2, 0, MSG_E_VALUE },
	{ "notify kind 0", MMS_T_NOTIFY, 54, 1, 0, MSG_E_VALUE },
	{ "notify kind 4", MMS_T_NOTIFY, 54, 1, 4, MSG_E_VALUE },
	{ "notify rsvd", MMS_T_NOTIFY, 58, 1, 1, MSG_E_RSVD },
};

/* A fixed, valid body per type for the table: two path entries, two LSA
 * neighbours, one 2-hop route, no name and no authenticator. */
static int valid_body(__u8 type, __u8 *buf, size_t cap)
{
	static union msg_any m;

	memset(&m, 0, sizeof(m));
	switch (type) {
	case MMS_T_HELLO:
		m.hello.port = 1;
		m.hello.hold_ms = 45;
		m.hello.role = MMS_ROLE_CM;
		break;
	case MMS_T_BEACON:
		m.beacon.npath = 2;
		break;
	case MMS_T_BEACON_ACK:
		m.ack.role = MMS_ROLE_CM;
		break;
	case MMS_T_LSA:
		m.lsa.role = MMS_ROLE_CM;
		m.lsa.nnbr = 2;
		for (int i = 0; i < 2; i++) {
			m.lsa.nbr[i].port = m.lsa.nbr[i].peer_port = 1;
			m.lsa.nbr[i].cost = 1;
		}
		break;
	case MMS_T_CONTROL:
		m.control.op = MMS_CTL_ROUTES;
		m.control.nroutes = 1;
		m.control.r[0].port = 3;
		m.control.r[0].nhops = 2;
		break;
	case MMS_T_NOTIFY:
		m.notify.kind = MMS_NOTIFY_NBR_DOWN;
		break;
	}
	return build_msg(type, buf, cap, &m, NULL);
}

static void test_bad_fields(void)
{
	static union msg_any p;
	__u8 buf[1024];

	for (size_t t = 0; t < sizeof(types); t++) {
		int len = valid_body(types[t], buf, sizeof(buf));

		ok(len > 0 && !msg_parse(types[t], buf, (size_t)len, &p),
		   "%s: the table's base body is valid", mms_type_name(types[t]));
	}
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		int len = valid_body(c->type, buf, sizeof(buf)), rc;

		if (c->width == 2) {
			buf[c->off] = (__u8)(c->val >> 8);
			buf[c->off + 1] = (__u8)c->val;
		} else {
			buf[c->off] = (__u8)c->val;
		}
		rc = parse_exact(c->type, buf, (size_t)len, &p);
		ok(rc == -c->err, "%s refused: %s (got %s)", c->what, msg_strerror(c->err),
		   msg_strerror(rc));
	}
	for (int t = 0; t < 256; t++) {
		if (t >= MMS_T_HELLO && t <= MMS_T_NOTIFY && t != MMS_T_AUTH && t != MMS_T_DATA)
			continue;
		if (msg_parse((__u8)t, buf, 64, &p) != -MSG_E_TYPE) {
			ok(0, "type %d is not a control-plane body", t);
			return;
		}
	}
	ok(1, "every type outside HELLO..NOTIFY (and AUTH, DATA) is refused as TYPE");
}

/* Append an authenticator trailer to a body whose own trailer was cut off. */
static size_t put_trailer(__u8 *p, __u8 alg, __u8 len)
{
	p[0] = alg;
	p[1] = len;
	p[2] = p[3] = 0;
	memset(p + 4, 0xa5, len);
	return 4 + (size_t)len;
}

static void test_tlv_and_trailer(void)
{
	static union msg_any p;
	static struct msg_lsa m;
	__u8 buf[1024];
	size_t off;
	int rc;

	/* An LSA with two neighbours, an unknown TLV, then the name. */
	memset(&m, 0, sizeof(m));
	m.role = MMS_ROLE_MA;
	m.nnbr = 0;
	m.seq = 7;
	off = (size_t)msg_lsa_build(buf, sizeof(buf), &m, NULL) - 4;
	memcpy(buf + off, "\x63\x03xyz\x01\x05node1", 12);
	buf[40] = 0;
	buf[41] = 12;
	off += 12;
	off += put_trailer(buf + off, 2, 32);
	rc = msg_parse(MMS_T_LSA, buf, off, &p);
	ok(!rc && !strcmp(p.lsa.name, "node1") && p.lsa.seq == 7 && p.lsa.auth.alg == 2 &&
	   p.lsa.auth.len == 32 && p.lsa.auth.data[31] == 0xa5,
	   "unknown TLV skipped, known one after it read, authenticator found (%s)",
	   msg_strerror(rc));
	ok(p.lsa.auth.cover_len == off - 32 && p.lsa.auth.auth_off == off - 32,
	   "LSA authenticator covers everything before its bytes");

	buf[41] = 11;	/* the name TLV now overruns the extension area */
	rc = msg_parse(MMS_T_LSA, buf, off - 1, &p);
	ok(rc == -MSG_E_TLV, "TLV overrunning its area refused (%s)", msg_strerror(rc));
	buf[41] = 12;
	buf[44 + 8] = 0;	/* NUL inside the name */
	ok(msg_parse(MMS_T_LSA, buf, off, &p) == -MSG_E_VALUE, "name with a NUL refused");
	buf[44 + 8] = 'o';
	buf[44 + 6] = 0;	/* zero-length name */
	ok(msg_parse(MMS_T_LSA, buf, off, &p) == -MSG_E_TLV ||
	   msg_parse(MMS_T_LSA, buf, off, &p) == -MSG_E_VALUE, "empty name refused");

	/* Trailers: alg 0 must carry nothing; len > 64 refused. */
	off = (size_t)valid_body(MMS_T_NOTIFY, buf, sizeof(buf)) - 4;
	ok(!msg_parse(MMS_T_NOTIFY, buf, off + put_trailer(buf + off, 0, 0), &p),
	   "empty authenticator accepted");
	ok(msg_parse(MMS_T_NOTIFY, buf, off + put_trailer(buf + off, 0, 16), &p) == -MSG_E_AUTH,
	   "alg none with authenticator bytes refused");
	ok(msg_parse(MMS_T_NOTIFY, buf, off + put_trailer(buf + off, 1, 64), &p) == 0,
	   "64-byte authenticator accepted");
	ok(msg_parse(MMS_T_NOTIFY, buf, off + put_trailer(buf + off, 1, 65), &p) == -MSG_E_AUTH,
	   "65-byte authenticator refused");

	/* The beacon's authenticator covers only the MA's fixed part. */
	off = (size_t)valid_body(MMS_T_BEACON, buf, sizeof(buf));
	ok(!msg_parse(MMS_T_BEACON, buf, off, &p) && p.beacon.auth.cover_len == MMS_BEACON_COVER,
	   "beacon authenticator covers the MA's first %d bytes only (not npath or the path)",
	   MMS_BEACON_COVER);
}

static void test_bit_flips(void)
{
	static __u8 buf[2048], re[2048];
	static union msg_any m, p, q;

	for (size_t t = 0; t < sizeof(types); t++) {
		int unstable = 0, refused = 0, flips = 0;

		int len;

		rand_msg(types[t], &m);
		if (types[t] == MMS_T_CONTROL && m.control.nroutes > 2)
			m.control.nroutes = 2;	/* keeps the run short */
		len = build_msg(types[t], buf, sizeof(buf), &m, NULL);

		for (int bit = 0; bit < len * 8; bit++, flips++) {
			int rl;

			buf[bit / 8] ^= (__u8)(1u << (bit % 8));
			if (parse_exact(types[t], buf, (size_t)len, &p)) {
				refused++;
			} else {
				rl = build_msg(types[t], re, sizeof(re), &p, NULL);
				if (rl <= 0 || msg_parse(types[t], re, (size_t)rl, &q) ||
				    !msg_eq(types[t], &p, &q))
					unstable++;
			}
			buf[bit / 8] ^= (__u8)(1u << (bit % 8));
		}
		ok(!unstable, "%s: %d single-bit flips: %d refused, the rest rebuild stably",
		   mms_type_name(types[t]), flips, refused);
	}
}

int main(void)
{
	test_round_trip();
	test_truncation();
	test_bad_fields();
	test_tlv_and_trailer();
	test_bit_flips();
	return tap_done();
}
