// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The security layer (secglue.h): identity and lists at start, the peer
 * table, hop keys, and the hooks the core calls for every message:
 *
 *   may_join  CM: an MA only if trusted (any CM: only an MA judges CMs);
 *             MA: a CM only if enrolled and not revoked, an MA if trusted.
 *             An MA additionally refuses acks and LSAs without a session,
 *             through verify: no session, no MAC.
 *   params    beacons: Ed25519 (64 bytes); hellos: none; LSA, beacon ack,
 *             NOTIFY, CONTROL: a session MAC (24 bytes).
 *   sign      beacons: mms_ma_sign over the MA's part (seq = beacon seq);
 *             the rest: HMAC-SHA256/128 under the session's direction key
 *             over a label, the receiver's id, the type, kid and sequence
 *             number, and the covered body.
 *   verify    beacons: mms_ma_verify (trust, replay window, verify-once
 *             cache, then the signature); MACs: kid, replay window, MAC,
 *             then the window moves.
 *
 * Handshakes and relays are in secglue_hs.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

/* identity.h's enum mms_role first: mms_wire.h defines the same names as macros */
#include "secglue_int.h"
#include "codec.h"
#include "log.h"
#include "metrics.h"

#define MAC_LABEL	"MMS-SG-MAC-v1"
#define KID_LABEL	"MMS-SG-kid-v1"

static const char *const stat_names[SG_S_MAX] = {
#define SG_NAME(n, k, d) [SG_S_##n] = #n,
	SECGLUE_STATS(SG_NAME)
#undef SG_NAME
};

static const char *const stat_help[SG_S_MAX] = {
#define SG_HELP(n, k, d) [SG_S_##n] = d,
	SECGLUE_STATS(SG_HELP)
#undef SG_HELP
};

#define E 1
#define R 0
static const __u8 stat_is_event[SG_S_MAX] = {
#define SG_KIND(n, k, d) [SG_S_##n] = k,
	SECGLUE_STATS(SG_KIND)
#undef SG_KIND
};
#undef E
#undef R

const char *secglue_stat_name(enum secglue_stat st)
{
	return (unsigned)st < SG_S_MAX ? stat_names[st] : "UNKNOWN";
}

const char *secglue_stat_help(enum secglue_stat st)
{
	return (unsigned)st < SG_S_MAX ? stat_help[st] : "unknown counter";
}

__u64 secglue_stat(const struct secglue *s, enum secglue_stat st)
{
	return (unsigned)st < SG_S_MAX ? s->stats[st] : 0;
}

/* ---- small helpers ---- */

__u64 sg_now(const struct secglue *s)
{
	return s->core ? core_now(s->core) : 0;
}

void sg_due(struct secglue *s, __u64 t)
{
	if (t < s->next_due)
		s->next_due = t;
}

void sg_count(struct secglue *s, enum secglue_stat st)
{
	s->stats[st]++;
}

int sg_refuse(struct secglue *s, enum secglue_stat st, int rc, const struct mms_id *who,
	      const char *fmt, ...)
{
	__u64 now = sg_now(s);
	char msg[200], id[MMS_ID_STR];
	va_list ap;

	s->stats[st]++;
	if (s->last_log[st] && now - s->last_log[st] < 1000 * NS_MS)
		return rc;
	s->last_log[st] = now ? now : 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_info("%s: auth %s%s%s: %s (%s)", s->self.pub.name, stat_names[st],
		who ? " from " : "", who ? mms_id_str(who, id) : "", msg, strerror(-rc));
	return rc;
}

int sg_refuse_hs(struct secglue *s, int rc, const struct mms_id *who, const char *what)
{
	enum secglue_stat st;

	switch (rc) {
	case -ENOKEY:		st = SG_S_HS_UNKNOWN; break;
	case -EKEYREVOKED:	st = SG_S_HS_REVOKED; break;
	case -EPERM:		st = SG_S_HS_NOT_OURS; break;
	case -ESTALE:		st = SG_S_HS_STALE; break;
	case -EBUSY:		st = SG_S_HS_BUSY; break;
	case -EKEYREJECTED:	st = SG_S_HS_BAD_SIG; break;
	default:		st = SG_S_HS_MALFORMED; break;
	}
	return sg_refuse(s, st, rc, who, "%s", what);
}

static __u32 id_hash(const struct mms_id *id)
{
	__u32 h = 2166136261u;

	for (int i = 0; i < MMS_ID_LEN; i++)
		h = (h ^ id->b[i]) * 16777619u;
	return h;
}

struct sg_peer *sg_peer_find(const struct secglue *s, const struct mms_id *id)
{
	if (!s->hash)
		return NULL;
	for (__u32 i = id_hash(id) & s->hmask;; i = (i + 1) & s->hmask) {
		__u32 v = s->hash[i];

		if (!v)
			return NULL;
		if (mms_id_eq(&s->peer[v - 1]->id, id))
			return s->peer[v - 1];
	}
}

static int rehash(struct secglue *s, __u32 cap)
{
	__u32 *h = calloc(cap, sizeof(*h));

	if (!h)
		return -ENOMEM;
	for (__u32 x = 0; x < s->npeer; x++) {
		__u32 i = id_hash(&s->peer[x]->id) & (cap - 1);

		while (h[i])
			i = (i + 1) & (cap - 1);
		h[i] = x + 1;
	}
	free(s->hash);
	s->hash = h;
	s->hmask = cap - 1;
	return 0;
}

/* Peers are made only for components the lists accept (enrolled CMs at an
 * MA, trusted MAs at a CM), so the table is bounded by the registry and
 * the trust store, not by what arrives. */
struct sg_peer *sg_peer_get(struct secglue *s, const struct mms_id *id)
{
	struct sg_peer *p = sg_peer_find(s, id);

	if (p)
		return p;
	if (s->npeer == s->cap) {
		__u32 cap = s->cap ? 2 * s->cap : 16;
		void *np = realloc(s->peer, cap * sizeof(*s->peer));

		if (!np)
			return NULL;
		s->peer = np;
		s->cap = cap;
	}
	if ((!s->hash || (s->npeer + 1) * 2 > s->hmask + 1) &&
	    rehash(s, s->hash ? 2 * (s->hmask + 1) : 64))
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->id = *id;
	p->idx = s->npeer;
	p->next_try = UINT64_MAX;
	s->peer[s->npeer++] = p;
	for (__u32 i = id_hash(id) & s->hmask;; i = (i + 1) & s->hmask)
		if (!s->hash[i]) {
			s->hash[i] = s->npeer;
			break;
		}
	return p;
}

void sg_peer_drop_keys(struct sg_peer *p)
{
	mms_session_wipe(&p->cur.s);
	mms_session_wipe(&p->prev.s);
	OPENSSL_cleanse(p->hk, sizeof(p->hk));
	p->have_chal = false;
	p->key_sent = p->key_acked = false;
}

bool sg_enrolled(const struct secglue *s, const struct mms_id *id)
{
	return mms_registry_lookup(&s->reg, id->b, NULL) == MMS_REG_VALID;
}

bool sg_ma_peer(const struct secglue *s, const struct mms_id *id)
{
	return s->ma && !mms_id_eq(id, &s->id) && mms_trust_find(&s->trust, id->b);
}

bool sg_we_challenge(const struct secglue *s, const struct mms_id *id)
{
	return memcmp(s->id.b, id->b, MMS_ID_LEN) < 0;
}

/* MA: the trusted MAs above our ID, as the registry the challenging side
 * of the library checks responses against (they are in no registry: an
 * MA trusts other MAs through its trust store). */
void sg_mareg_build(struct secglue *s)
{
	unsigned n = 0;

	for (unsigned i = 0; i < s->trust.n; i++) {
		const struct mms_trust_ent *t = &s->trust.e[i];
		struct mms_id id;

		memcpy(id.b, t->ma.id, MMS_ID_LEN);
		if (!t->distrusted && sg_we_challenge(s, &id))
			s->mapub[n++] = t->ma;
	}
	s->mareg = (struct mms_registry){ .n = n, .cap = MMS_TRUST_MAX, .c = s->mapub };
}

/* kid: which session a MAC was made under, so that a peer in the middle
 * of a re-key is checked against the right one. A KDF output, so it tells
 * nothing about the other keys. */
static __u16 session_kid(const struct mms_session *ss)
{
	__u8 b[2] = { 0, 0 };

	mms_hkdf_expand(ss->master, KID_LABEL, strlen(KID_LABEL), b, sizeof(b));
	return (__u16)(b[0] << 8 | b[1]);
}

void sg_session_install(struct secglue *s, struct sg_peer *p, struct mms_session *ns)
{
	if (p->cur.s.established) {
		sg_count(s, SG_S_REKEY);
		p->prev = p->cur;
	}
	p->cur.s = *ns;
	p->cur.kid = session_kid(ns);
	mms_session_wipe(ns);
	p->up_at = p->heard = sg_now(s);
	sg_count(s, SG_S_SESSION_UP);
}

/* ---- hop keys ---- */

static struct sg_key *key_slot(struct sg_key *k, __u8 epoch)
{
	return &k[epoch % MMS_EPOCH_SLOTS];
}

/*
 * Our own key is drawn at random, once per epoch, when the core asks for
 * the epoch it runs in (core_start, core_set_epoch). Any other epoch is
 * -ENOKEY: a beacon's frame header names an epoch no signature covers, and
 * must not make us draw a key that would evict the installed one.
 */
int secglue_hop_key(struct secglue *s, const struct mms_id *node, __u8 epoch,
		    __u8 key[MMS_KEY_LEN])
{
	struct sg_key *k;
	struct sg_peer *p;

	if (mms_id_eq(node, &s->id)) {
		k = key_slot(s->own, epoch);
		if (!k->valid || k->epoch != epoch) {
			if (!s->core || core_config(s->core)->epoch != epoch)
				return -ENOKEY;
			if (mms_random(k->key, MMS_KEY_LEN))
				return -EIO;
			k->valid = 1;
			k->epoch = epoch;
		}
		memcpy(key, k->key, MMS_KEY_LEN);
		return 0;
	}
	p = s->ma ? sg_peer_find(s, node) : NULL;
	if (!p)
		return -ENOKEY;
	k = key_slot(p->hk, epoch);
	if (!k->valid || k->epoch != epoch)
		return -ENOKEY;
	memcpy(key, k->key, MMS_KEY_LEN);
	return 0;
}

/* MA, at a key roll's start: our key for the coming epoch, drawn now and
 * put in the datapath beside the current one (secglue_roll.c). */
int sg_own_key_prepare(struct secglue *s, __u8 epoch)
{
	struct sg_key *k = key_slot(s->own, epoch);
	int rc;

	if (epoch % MMS_EPOCH_SLOTS == core_config(s->core)->epoch % MMS_EPOCH_SLOTS)
		return -EBUSY;	/* the slot of the key we seal with */
	if (mms_random(k->key, MMS_KEY_LEN))
		return -EIO;
	k->valid = 1;
	k->epoch = epoch;
	rc = core_prepare_epoch(s->core, epoch, sg_now(s));
	if (rc)
		OPENSSL_cleanse(k, sizeof(*k));
	return rc;
}

int secglue_adopt_keys(struct secglue *s, const struct mms_key *slots, unsigned n, __u8 *epoch)
{
	bool have = false;
	__u8 newest = 0;
	int adopted = 0;

	for (unsigned i = 0; i < n && i < MMS_EPOCH_SLOTS; i++) {
		struct sg_key *k = &s->own[i];
		__u8 e = (__u8)slots[i].epoch;

		/* a key in the slot of its epoch, as the core installs them */
		if (e % MMS_EPOCH_SLOTS != i || mms_key_recover(&slots[i], k->key))
			continue;
		k->valid = 1;
		k->epoch = e;
		adopted++;
		if (!have || (__s8)(__u8)(e - newest) > 0)	/* serial order */
			newest = e;
		have = true;
	}
	if (have)
		*epoch = newest;
	return adopted;
}

unsigned secglue_hop_keys(const struct secglue *s)
{
	unsigned n = 0;

	for (__u32 x = 0; x < s->npeer; x++)
		for (int e = 0; e < MMS_EPOCH_SLOTS; e++)
			if (s->peer[x]->hk[e].valid) {
				n++;
				break;
			}
	return n;
}

/* ---- the core's hooks ---- */

static bool may_join(void *ctx, const struct mms_id *id, __u8 role)
{
	struct secglue *s = ctx;

	if (role == MMS_ROLE_MA) {
		if (mms_trust_find(&s->trust, id->b))
			return true;
		sg_refuse(s, SG_S_JOIN_UNKNOWN, -ENOKEY, id, "MA not in the trust store");
		return false;
	}
	if (role != MMS_ROLE_CM) {
		sg_refuse(s, SG_S_JOIN_UNKNOWN, -EINVAL, id, "role %u", role);
		return false;
	}
	if (!s->ma)
		return true;	/* a CM cannot judge other CMs; the MAs do */
	switch (mms_registry_lookup(&s->reg, id->b, NULL)) {
	case MMS_REG_VALID:
		return true;
	case MMS_REG_REVOKED:
		sg_refuse(s, SG_S_JOIN_REVOKED, -EKEYREVOKED, id, "component revoked");
		return false;
	default:
		sg_refuse(s, SG_S_JOIN_UNKNOWN, -ENOKEY, id, "component not enrolled");
		return false;
	}
}

static void params(void *ctx, __u8 type, struct msg_auth *a)
{
	struct secglue *s = ctx;

	switch (type) {
	case MMS_T_BEACON:
		if (s->ma) {
			a->alg = SG_ALG_ED25519;
			a->len = MMS_SIG_LEN;
		}
		break;
	case MMS_T_BEACON_ACK:
	case MMS_T_LSA:
	case MMS_T_NOTIFY:
	case MMS_T_CONTROL:
		a->alg = SG_ALG_MAC;
		a->len = SG_MAC_DATA;
		break;
	default:	/* hellos: see docs/security.md */
		break;
	}
}

/* What a MAC covers: a label, the receiver's id (not sent: a message made
 * for one node does not verify at another), the type, kid and sequence
 * number (data[0..8)) and the covered body. */
static int mac_iov(struct mms_iov v[5], const struct mms_id *receiver, const __u8 *type,
		   const __u8 *data, const __u8 *body, size_t cover)
{
	v[0] = (struct mms_iov){ MAC_LABEL, strlen(MAC_LABEL) };
	v[1] = (struct mms_iov){ receiver->b, MMS_ID_LEN };
	v[2] = (struct mms_iov){ type, 1 };
	v[3] = (struct mms_iov){ data, 8 };
	v[4] = (struct mms_iov){ body, cover };
	return 5;
}

/* Sequence numbers (beacons and CONTROLs of an MA, LSAs and NOTIFYs of a
 * CM): only those no earlier run can have used, with the persisted mark
 * moved past them before the message exists. A CM restarted with numbers
 * below its last run's would have its LSAs refused as old. */
static int seq_ok(struct secglue *s, __u8 type, __u64 seq)
{
	struct mms_err e = { "" };
	uint64_t start = 0;

	if (seq < s->seq_lo)
		return sg_refuse(s, SG_S_SEQ_REFUSED, -ERANGE, NULL,
				 "%s seq %llu below this run's first %llu", mms_type_name(type),
				 (unsigned long long)seq, (unsigned long long)s->seq_lo);
	if (seq + s->seq_block / 2 < s->seq_mark)
		return 0;
	if (mms_seq_reserve(s->dir, seq + s->seq_block - s->seq_mark, &start, &e) ||
	    start != s->seq_mark)
		return sg_refuse(s, SG_S_SEQ_REFUSED, -EIO, NULL, "%s", e.msg);
	s->seq_mark = seq + s->seq_block;
	return 0;
}

/* The sequence number a MACed message carries as its own, if any (a
 * beacon ack only repeats the LSA's). */
static bool own_seq(__u8 type, const __u8 *body, size_t cover, __u64 *seq)
{
	size_t off;

	switch (type) {
	case MMS_T_LSA:		off = offsetof(struct mms_lsa, seq); break;
	case MMS_T_NOTIFY:	off = offsetof(struct mms_notify, seq); break;
	case MMS_T_CONTROL:	off = offsetof(struct mms_control, seq); break;
	default:		return false;
	}
	if (cover < off + 4)
		return false;
	*seq = (__u64)body[off] << 24 | (__u64)body[off + 1] << 16 | (__u64)body[off + 2] << 8 |
	       body[off + 3];
	return true;
}

static int sign(void *ctx, __u8 type, const struct mms_id *peer, const __u8 *body, size_t cover,
		__u8 *auth, size_t len)
{
	struct secglue *s = ctx;
	struct mms_iov v[5];
	struct sg_peer *p;
	__u64 seq;
	int rc;

	if (type == MMS_T_BEACON) {
		if (!s->ma || len != MMS_SIG_LEN || cover != MMS_BEACON_COVER)
			return -EINVAL;
		seq = (__u64)body[40] << 24 | (__u64)body[41] << 16 | (__u64)body[42] << 8 |
		      body[43];
		rc = seq_ok(s, type, seq);
		if (!rc)
			rc = mms_ma_sign(&s->self, MMS_SIG_BEACON, seq, body, cover, auth);
		if (!rc)
			sg_count(s, SG_S_BEACON_SIGNED);
		return rc;
	}
	if (len != SG_MAC_DATA || !peer)
		return -EINVAL;
	p = sg_peer_find(s, peer);
	if (!p || !p->cur.s.established) {
		/* Not an attack, just too early (or an MA to another MA):
		 * counted, not logged. */
		sg_count(s, SG_S_NO_SESSION);
		return -ENOKEY;
	}
	if (own_seq(type, body, cover, &seq) && (rc = seq_ok(s, type, seq)))
		return rc;
	if (p->cur.s.tx_seq > SG_SEQ_MAX) {
		p->cur.s.established = 0;	/* worn out: authenticate again */
		return -EOVERFLOW;
	}
	seq = p->cur.s.tx_seq++;
	auth[0] = (__u8)(p->cur.kid >> 8);
	auth[1] = (__u8)p->cur.kid;
	for (int i = 0; i < 6; i++)
		auth[2 + i] = (__u8)(seq >> (40 - 8 * i));
	rc = mms_mac(p->cur.s.tx_key, v, mac_iov(v, peer, &type, auth, body, cover), auth + 8);
	if (!rc)
		sg_count(s, SG_S_MAC_SIGNED);
	return rc;
}

static int verify_beacon(struct secglue *s, const struct mms_id *ma, const __u8 *body,
			 size_t len, const struct msg_auth *a)
{
	__u64 seq;
	int rc;

	if (a->alg != SG_ALG_ED25519 || a->len != MMS_SIG_LEN || a->cover_len != MMS_BEACON_COVER ||
	    len < MMS_BEACON_COVER)
		return sg_refuse(s, SG_S_AUTH_FORMAT, -EBADMSG, ma, "beacon alg %u len %u", a->alg,
				 a->len);
	seq = (__u64)body[40] << 24 | (__u64)body[41] << 16 | (__u64)body[42] << 8 | body[43];
	rc = mms_ma_verify(s->sigc, &s->trust, MMS_SIG_BEACON, ma->b, seq, body,
			   MMS_BEACON_COVER, a->data);
	switch (rc) {
	case 0:
		sg_count(s, SG_S_BEACON_VERIFIED);
		return 0;
	case 1:
		sg_count(s, SG_S_BEACON_CACHED);
		return 0;
	case -ENOKEY:
		return sg_refuse(s, SG_S_BEACON_UNTRUSTED, rc, ma, "beacon seq %llu",
				 (unsigned long long)seq);
	case -ESTALE:
		return sg_refuse(s, SG_S_BEACON_STALE, rc, ma, "beacon seq %llu",
				 (unsigned long long)seq);
	case -EBADMSG:
		return sg_refuse(s, SG_S_BEACON_CONFLICT, rc, ma, "beacon seq %llu",
				 (unsigned long long)seq);
	default:
		return sg_refuse(s, SG_S_BEACON_BAD_SIG, rc, ma, "beacon seq %llu",
				 (unsigned long long)seq);
	}
}

/* A MAC under one of the peer's sessions: cheap checks (kid, replay
 * window) before the MAC, the window moved only after it. */
static int verify_mac(struct secglue *s, __u8 type, const struct mms_id *signer,
		      const __u8 *body, const struct msg_auth *a)
{
	struct sg_peer *p = sg_peer_find(s, signer);
	struct sg_sess *ss = NULL;
	struct mms_iov v[5];
	__u16 kid;
	__u64 seq = 0;
	int rc;

	if (a->alg != SG_ALG_MAC || a->len != SG_MAC_DATA)
		return sg_refuse(s, SG_S_AUTH_FORMAT, -EBADMSG, signer, "%s alg %u len %u",
				 mms_type_name(type), a->alg, a->len);
	if (!p || !p->cur.s.established)
		return sg_refuse(s, SG_S_NO_SESSION, -ENOKEY, signer, "%s", mms_type_name(type));
	kid = (__u16)(a->data[0] << 8 | a->data[1]);
	for (int i = 0; i < 6; i++)
		seq = seq << 8 | a->data[2 + i];
	if (kid == p->cur.kid)
		ss = &p->cur;
	else if (p->prev.s.established && kid == p->prev.kid)
		ss = &p->prev;
	if (!ss)
		return sg_refuse(s, SG_S_STALE_KEY, -ESTALE, signer, "%s kid %04x",
				 mms_type_name(type), kid);
	rc = mms_replay_check(&ss->s.rx, seq);
	if (rc)
		return sg_refuse(s, SG_S_REPLAY, rc, signer, "%s seq %llu", mms_type_name(type),
				 (unsigned long long)seq);
	rc = mms_mac_verify(ss->s.rx_key, v, mac_iov(v, &s->id, &type, a->data, body, a->cover_len),
			    a->data + 8);
	if (rc)
		return sg_refuse(s, SG_S_BAD_MAC, rc, signer, "%s seq %llu", mms_type_name(type),
				 (unsigned long long)seq);
	mms_replay_update(&ss->s.rx, seq);
	sg_count(s, SG_S_MAC_VERIFIED);
	/* Only messages under the newest session count as the peer being
	 * with us: one that keeps using the old one missed our confirm and
	 * must be challenged again (secglue_hs.c, idle). */
	if (ss == &p->cur)
		p->heard = sg_now(s);
	return 0;
}

static int verify(void *ctx, __u8 type, const struct mms_id *signer, const __u8 *body,
		  size_t len, const struct msg_auth *a)
{
	struct secglue *s = ctx;
	int rc;

	switch (type) {
	case MMS_T_HELLO:
		/* Unauthenticated by design (docs/security.md). */
		if (a->alg == MMS_AUTH_NONE && !a->len)
			return 0;
		return sg_refuse(s, SG_S_AUTH_FORMAT, -EBADMSG, signer, "hello alg %u", a->alg);
	case MMS_T_BEACON:
		return verify_beacon(s, signer, body, len, a);
	case MMS_T_BEACON_ACK:
	case MMS_T_LSA:
	case MMS_T_NOTIFY:
		if (!s->ma)
			break;
		return verify_mac(s, type, signer, body, a);
	case MMS_T_CONTROL:
		rc = verify_mac(s, type, signer, body, a);
		if (!rc)
			sg_control_seen(s, sg_peer_find(s, signer), body, len);
		return rc;
	default:
		break;
	}
	return sg_refuse(s, SG_S_AUTH_FORMAT, -EBADMSG, signer, "%s not expected here",
			 mms_type_name(type));
}

/* ---- lifecycle ---- */

static int load_lists(struct secglue *s, struct mms_trust *t, struct mms_registry *r,
		      struct mms_err *e)
{
	int rc = mms_trust_load(s->dir, t, e);

	if (rc)
		return rc;
	if (!s->ma && !t->n) {
		mms_err_set(e, "%s: trusts no MA (mms-enroll export or trust)", s->dir);
		return -ENOKEY;
	}
	return s->ma ? mms_registry_load(s->dir, r, e) : 0;
}

struct secglue *secglue_new(const char *state_dir, bool ma, __u64 seed)
{
	struct secglue *s = calloc(1, sizeof(*s));
	struct mms_err e = { "" };
	int rc = -ENOMEM;

	if (!s || !(s->sigc = malloc(sizeof(*s->sigc))))
		goto fail;
	mms_sigcache_init(s->sigc);
	if (snprintf(s->dir, sizeof(s->dir), "%s", state_dir) >= (int)sizeof(s->dir)) {
		mms_err_set(&e, "state dir name too long");
		rc = -ENAMETOOLONG;
		goto fail;
	}
	s->ma = ma;
	s->rng = seed;
	s->next_due = UINT64_MAX;
	s->lim = mms_auth_default_limits;
	rc = mms_identity_load(state_dir, &s->self, &e);
	if (rc)
		goto fail;
	if ((s->self.pub.role == MMS_ROLE_MA) != ma) {
		mms_err_set(&e, "%s: the identity is a %s, the agent runs as %s", state_dir,
			    mms_role_name(s->self.pub.role), ma ? "MA" : "CM");
		rc = -EINVAL;
		goto fail;
	}
	memcpy(s->id.b, s->self.pub.id, MMS_ID_LEN);
	rc = load_lists(s, &s->trust, &s->reg, &e);
	if (rc)
		goto fail;
	s->seq_block = ma ? SG_SEQ_BLOCK : SG_CM_SEQ_BLOCK;
	rc = mms_seq_reserve(state_dir, s->seq_block, &s->seq_lo, &e);
	if (!rc && s->seq_lo > UINT32_MAX - 2 * s->seq_block) {
		mms_err_set(&e, "%s: sequence numbers exhausted", state_dir);
		rc = -EOVERFLOW;
	}
	if (rc)
		goto fail;
	s->seq_mark = s->seq_lo + s->seq_block;
	if (ma) {
		s->ama = mms_auth_ma_new(&s->self, &s->reg, &s->lim);
		sg_mareg_build(s);
		s->ama_peer = mms_auth_ma_new(&s->self, &s->mareg, &s->lim);
		s->acm = mms_auth_cm_new_ma(&s->self, &s->trust, &s->lim);
		if (!s->reg.n)
			pr_warn("%s: registry empty: no CM can join", state_dir);
	} else {
		s->acm = mms_auth_cm_new(&s->self, &s->trust, &s->lim);
	}
	if (!s->acm || (ma && (!s->ama || !s->ama_peer))) {
		mms_err_set(&e, "out of memory");
		rc = -ENOMEM;
		goto fail;
	}
	s->auth = (struct core_auth){
		.ctx = s, .may_join = may_join, .sign = sign, .verify = verify, .rx = sg_rx,
		.params = params, .nbr = sg_nbr, .lsa = sg_lsa, .routes = sg_routes,
	};
	pr_info("%s: security layer up as %s (%u trusted MAs%s)", s->self.pub.name,
		ma ? "MA" : "CM", s->trust.n, ma ? ", registry loaded" : "");
	return s;
fail:
	pr_err("security layer refused to start: %s (%s)", e.msg[0] ? e.msg : "out of memory",
	       strerror(-rc));
	secglue_free(s);
	return NULL;
}

void secglue_free(struct secglue *s)
{
	if (!s)
		return;
	for (__u32 x = 0; x < s->npeer; x++) {
		OPENSSL_cleanse(s->peer[x], sizeof(*s->peer[x]));
		free(s->peer[x]);
	}
	free(s->peer);
	free(s->hash);
	mms_auth_ma_free(s->ama);
	mms_auth_ma_free(s->ama_peer);
	mms_auth_cm_free(s->acm);
	mms_registry_free(&s->reg);
	free(s->sigc);
	mms_identity_wipe(&s->self);
	mms_crypto_forget();	/* our signing key's cached key object */
	OPENSSL_cleanse(s->own, sizeof(s->own));
	free(s);
}

const struct mms_id *secglue_id(const struct secglue *s)
{
	return &s->id;
}

const char *secglue_name(const struct secglue *s)
{
	return s->self.pub.name;
}

__u32 secglue_seq0(const struct secglue *s)
{
	return (__u32)s->seq_lo;
}

const struct core_auth *secglue_auth(struct secglue *s)
{
	return &s->auth;
}

void secglue_bind(struct secglue *s, struct mms_core *core)
{
	s->core = core;
}

__u64 secglue_tick(struct secglue *s, __u64 now)
{
	s->next_due = UINT64_MAX;
	/* sg_due() calls made during the tick stand (a roll's switch, a
	 * decree taken): the earliest of them and of what the tick returns. */
	if (s->core)
		sg_due(s, sg_hs_tick(s, now));
	return s->next_due;
}

__u64 secglue_next_event(const struct secglue *s)
{
	return s->next_due;
}

int secglue_has_session(const struct secglue *s, const struct mms_id *peer)
{
	const struct sg_peer *p = sg_peer_find(s, peer);

	return p && p->cur.s.established;
}

unsigned secglue_sessions(const struct secglue *s)
{
	unsigned n = 0;

	for (__u32 x = 0; x < s->npeer; x++)
		n += s->peer[x]->cur.s.established;
	return n;
}

int secglue_reload(struct secglue *s)
{
	struct mms_registry reg = { 0 };
	struct mms_trust trust;
	struct mms_err e = { "" };
	bool dropped = false;
	int rc = load_lists(s, &trust, &reg, &e);

	if (rc) {
		mms_registry_free(&reg);
		pr_err("%s: reload refused, old lists kept: %s", s->self.pub.name, e.msg);
		return rc;
	}
	/* The library objects point at these structs: replace their content. */
	s->trust = trust;
	if (s->ma) {
		mms_registry_free(&s->reg);
		s->reg = reg;
		sg_mareg_build(s);
	}
	for (__u32 x = 0; x < s->npeer; x++) {
		struct sg_peer *p = s->peer[x];
		bool keep = s->ma && !p->is_ma ? sg_enrolled(s, &p->id) :
				     !!mms_trust_find(&s->trust, p->id.b);

		if (keep || (!p->cur.s.established && !p->hk[0].valid && !p->hk[1].valid &&
			     !p->hk[2].valid && !p->hk[3].valid))
			continue;
		sg_count(s, SG_S_SESSION_DROPPED);
		sg_peer_drop_keys(p);
		p->next_try = UINT64_MAX;
		dropped = true;
		if (s->ma && s->core)
			core_forget(s->core, &p->id, sg_now(s));
	}
	if (dropped && s->ma && s->core) {
		core_hop_keys_changed(s->core, true, sg_now(s));
		/* Routes it holds and hop fields it copied as a relay stay valid
		 * until they expire; a key roll ends them within seconds. */
		secglue_key_roll(s);
	}
	pr_info("%s: lists reloaded (%u trusted MAs%s)", s->self.pub.name, s->trust.n,
		s->ma ? ", registry" : "");
	/* The trust store read back keeps the decrees applied so far. */
	return sg_decree_file(s);
}

/* ---- metrics ---- */

void secglue_metrics(struct secglue *s, FILE *f)
{
	char labels[SG_S_MAX][64];
	struct mms_metric m[SG_S_MAX + 5];
	const struct mms_auth_stats *as = s->ama ? mms_auth_ma_stats(s->ama) :
				      mms_auth_cm_stats(s->acm);
	__u64 now_ms = sg_now(s) / NS_MS;
	int n = 0;

	for (int k = 1; k >= 0; k--)
		for (int i = 0; i < SG_S_MAX; i++) {
			char name[40];

			if (stat_is_event[i] != k)
				continue;
			mms_metrics_lower(name, stat_names[i], sizeof(name));
			snprintf(labels[i], sizeof(labels[i]), "%s=\"%s\"", k ? "event" : "reason",
				 name);
			m[n++] = (struct mms_metric){
				k ? "auth_events_total" : "auth_refused_total",
				k ? "Security layer events." :
				    "Messages and peers the security layer refused, by reason.",
				0, labels[i], (double)s->stats[i] };
		}
	m[n++] = (struct mms_metric){ "auth_sessions", "Established sessions.", 1, NULL,
				      (double)secglue_sessions(s) };
	m[n++] = (struct mms_metric){ "auth_pending_handshakes", "Handshakes in flight.", 1, NULL,
				      (double)(s->ama ? mms_auth_ma_pending(s->ama, now_ms) :
					       mms_auth_cm_pending(s->acm, now_ms)) };
	m[n++] = (struct mms_metric){ "auth_hop_keys", "MA: nodes whose hop key it holds.", 1,
				      NULL, (double)secglue_hop_keys(s) };
	m[n++] = (struct mms_metric){ "auth_epoch", "Key epoch in use.", 1, NULL,
				      (double)secglue_epoch(s) };
	m[n++] = (struct mms_metric){ "auth_signature_checks_total",
				      "Ed25519 verifications (handshakes and beacons).", 0, NULL,
				      (double)(as->sig_checks + s->sigc->st.verified) };
	mms_metrics_write(f, m, n);
}
