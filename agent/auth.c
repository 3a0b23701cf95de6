// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The challenge/response handshake (auth.h, part 1), both ends.
 *
 * Message layouts (all big-endian, exact lengths):
 *   CHALLENGE  0 ver 1 kind 2 rsvd[2] 4 ma_id 20 target 36 ma_nonce 52 ma_eph      = 84
 *   RESPONSE   0 ver 1 kind 2 rsvd[2] 4 ma_id 20 cm_id 36 ma_nonce 52 cm_nonce
 *              68 cm_eph 100 sig                                                   = 164
 *   CONFIRM    0 ver 1 kind 2 rsvd[2] 4 ma_id 20 cm_id 36 ma_nonce 52 cm_nonce
 *              68 be32 epoch_first 72 rsvd[4] 76 sig 140 mac                       = 156
 *
 *   RESPONSE.sig = Ed25519_cm("MMS-AUTH-v1 response" || CHALLENGE || RESPONSE[0..100))
 *   CONFIRM.sig  = Ed25519_ma("MMS-AUTH-v1 confirm" || CHALLENGE || RESPONSE || CONFIRM[0..76))
 *   CONFIRM.mac  = HMAC-SHA256(k_ma2cm, "MMS-AUTH-v1 key-confirm" || CONFIRM[0..140))[0..16)
 *
 * Each end checks, in this order: exact length and header; that the message
 * is addressed to it; that a matching handshake is pending (nonces); that the
 * peer is enrolled / trusted (and not revoked); and only then the signature.
 * Pending state is made only by the MA's own challenges and by answered
 * challenges at the CM, which are rate limited per neighbour.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "auth_int.h"

#define RESP_LABEL	"MMS-AUTH-v1 response"
#define CONF_LABEL	"MMS-AUTH-v1 confirm"
#define KC_LABEL	"MMS-AUTH-v1 key-confirm"
#define KEYS_LABEL	"MMS-AUTH-v1 keys"

/* field offsets */
#define O_MA		4
#define O_TARGET	20	/* challenge */
#define O_CM		20	/* response, confirm */
#define O_MA_NONCE	36
#define O_MA_EPH	52	/* challenge */
#define O_CM_NONCE	52	/* response, confirm */
#define O_CM_EPH	68	/* response */
#define O_RESP_SIG	100
#define O_EPOCH		68	/* confirm */
#define O_CONF_SIG	76
#define O_CONF_MAC	140

const struct mms_auth_limits mms_auth_default_limits = {
	.max_pending = MMS_AUTH_PENDING_MAX,
	.max_per_via = 4,
	.ttl_ms = 5000,
	.max_tries = 3,
	.burst = 4,
	.refill_ms = 1000,
};

static const size_t kind_len[] = {
	[MMS_AUTH_CHALLENGE] = MMS_AUTH_CHALLENGE_LEN,
	[MMS_AUTH_RESPONSE] = MMS_AUTH_RESPONSE_LEN,
	[MMS_AUTH_CONFIRM] = MMS_AUTH_CONFIRM_LEN,
};

int mms_auth_kind(const uint8_t *m, size_t len)
{
	if (len < 4 || m[0] != MMS_AUTH_VERSION || m[2] || m[3] || m[1] < MMS_AUTH_CHALLENGE ||
	    m[1] > MMS_AUTH_CONFIRM || len != kind_len[m[1]])
		return -EBADMSG;
	if (m[1] == MMS_AUTH_CONFIRM && !mms_is_zero(m + O_EPOCH + 4, 4))
		return -EBADMSG;
	return m[1];
}

/* ---- pending handshakes ---- */

struct pend {
	uint8_t used, tries;
	uint32_t via;
	uint64_t t_ms;
	uint8_t chal[MMS_AUTH_CHALLENGE_LEN];
	uint8_t resp[MMS_AUTH_RESPONSE_LEN];	/* CM: what it answered */
	uint8_t eph[MMS_KEY32];			/* our ephemeral private key */
};

static void pend_drop(struct pend *p)
{
	OPENSSL_cleanse(p, sizeof(*p));
}

static uint64_t age(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;	/* a clock step back is not expiry */
}

static unsigned pend_expire(struct pend *tab, const struct mms_auth_limits *lim, uint64_t now)
{
	unsigned live = 0;

	for (unsigned i = 0; i < MMS_AUTH_PENDING_MAX; i++) {
		if (!tab[i].used)
			continue;
		if (age(now, tab[i].t_ms) >= lim->ttl_ms)
			pend_drop(&tab[i]);
		else
			live++;
	}
	return live;
}

/* A slot for a new handshake through via: the via's oldest when it has its
 * share already, else a free one, else NULL (-EBUSY). */
static struct pend *pend_alloc(struct pend *tab, const struct mms_auth_limits *lim,
			       uint32_t via, uint64_t now)
{
	struct pend *oldest = NULL, *free_slot = NULL;
	unsigned mine = 0;

	pend_expire(tab, lim, now);
	for (unsigned i = 0; i < lim->max_pending; i++) {
		struct pend *p = &tab[i];

		if (!p->used) {
			free_slot = free_slot ? free_slot : p;
			continue;
		}
		if (p->via != via)
			continue;
		mine++;
		if (!oldest || p->t_ms < oldest->t_ms)
			oldest = p;
	}
	if (mine >= lim->max_per_via) {
		pend_drop(oldest);
		free_slot = oldest;
	}
	if (free_slot) {
		free_slot->used = 1;
		free_slot->via = via;
		free_slot->t_ms = now;
	}
	return free_slot;
}

/* A failed expensive check counts against the handshake, so a forger on the
 * path cannot make us verify signatures for it forever. */
static void pend_fail(struct pend *p, const struct mms_auth_limits *lim)
{
	if (++p->tries >= lim->max_tries)
		pend_drop(p);
}

static void sanitize(struct mms_auth_limits *l, const struct mms_auth_limits *in)
{
	*l = in ? *in : mms_auth_default_limits;
	if (!l->max_pending || l->max_pending > MMS_AUTH_PENDING_MAX)
		l->max_pending = MMS_AUTH_PENDING_MAX;
	if (!l->max_per_via)
		l->max_per_via = 1;
	if (!l->ttl_ms)
		l->ttl_ms = 1;
	if (!l->max_tries)
		l->max_tries = 1;
	if (!l->burst)
		l->burst = 1;
	if (!l->refill_ms)
		l->refill_ms = 1;
}

/* Count a refusal by reason; returns rc. */
static int tally(struct mms_auth_stats *st, int rc)
{
	switch (rc) {
	case -EBADMSG:	st->malformed++; break;
	case -ENOKEY:	st->unknown++; break;
	case -EKEYREVOKED: st->revoked++; break;
	case -EPERM:	st->not_ours++; break;
	case -ESTALE:	st->stale++; break;
	case -EBUSY:	st->busy++; break;
	case -EKEYREJECTED: st->bad_sig++; break;
	default:	break;
	}
	return rc;
}

/* Both ends: the two X25519 terms, the transcript salt, the session. */
static int derive(struct mms_session *s, int role, const uint8_t self[MMS_ID_LEN],
		  const uint8_t peer[MMS_ID_LEN], const uint8_t eph_priv[MMS_KEY32],
		  const uint8_t peer_eph[MMS_KEY32], const uint8_t kex_priv[MMS_KEY32],
		  const uint8_t peer_kex[MMS_KEY32], const uint8_t *chal, const uint8_t *resp,
		  uint32_t epoch_first)
{
	uint8_t ikm[2 * MMS_KEY32], salt[MMS_SHA256_LEN];
	struct mms_iov v[3] = {
		{ KEYS_LABEL, strlen(KEYS_LABEL) },
		{ chal, MMS_AUTH_CHALLENGE_LEN }, { resp, MMS_AUTH_RESPONSE_LEN },
	};
	int rc = mms_x25519(eph_priv, peer_eph, ikm);

	if (!rc)
		rc = mms_x25519(kex_priv, peer_kex, ikm + MMS_KEY32);
	if (!rc)
		rc = mms_sha256(v, 3, salt);
	if (!rc)
		rc = mms_session_derive(s, role, self, peer, ikm, sizeof(ikm), salt, epoch_first);
	OPENSSL_cleanse(ikm, sizeof(ikm));
	return rc;
}

/* Proves to the CM that the MA derived the same keys, i.e. holds the
 * static X25519 key the CM trusts. */
static int key_confirm(const uint8_t k_ma2cm[32], const uint8_t *conf, uint8_t tag[MMS_MAC_LEN])
{
	struct mms_iov v[2] = { { KC_LABEL, strlen(KC_LABEL) }, { conf, O_CONF_MAC } };

	return mms_mac(k_ma2cm, v, 2, tag);
}

/* ---- what both ends keep ---- */

struct end {
	const struct mms_identity *self;
	struct mms_auth_limits lim;
	struct mms_auth_stats st;
	struct pend p[MMS_AUTH_PENDING_MAX];
};

/* An object of size bytes that starts with a struct end, for role; peers is
 * the registry or trust store it will consult. */
static void *end_new(size_t size, const struct mms_identity *self, int role, const void *peers,
		     const struct mms_auth_limits *lim)
{
	struct end *e;

	if (!self || !peers || self->pub.role != role)
		return NULL;
	e = calloc(1, size);
	if (!e)
		return NULL;
	e->self = self;
	sanitize(&e->lim, lim);
	return e;
}

/* Wipes pending ephemeral keys with everything else. */
static void end_free(void *x, size_t size)
{
	if (!x)
		return;
	OPENSSL_cleanse(x, size);
	free(x);
}

/* ---- MA ---- */

struct mms_auth_ma {
	struct end e;
	const struct mms_registry *reg;
};

struct mms_auth_ma *mms_auth_ma_new(const struct mms_identity *self,
				    const struct mms_registry *reg,
				    const struct mms_auth_limits *lim)
{
	struct mms_auth_ma *ma = end_new(sizeof(*ma), self, MMS_ROLE_MA, reg, lim);

	if (ma)
		ma->reg = reg;
	return ma;
}

void mms_auth_ma_free(struct mms_auth_ma *ma)
{
	end_free(ma, sizeof(*ma));
}

const struct mms_auth_stats *mms_auth_ma_stats(const struct mms_auth_ma *ma)
{
	return &ma->e.st;
}

unsigned mms_auth_ma_pending(struct mms_auth_ma *ma, uint64_t now_ms)
{
	return pend_expire(ma->e.p, &ma->e.lim, now_ms);
}

int mms_auth_ma_challenge(struct mms_auth_ma *ma, uint32_t via, const uint8_t *target,
			  uint64_t now_ms, uint8_t *out, size_t cap)
{
	struct pend *p;
	uint8_t *c;
	int rc;

	if (cap < MMS_AUTH_CHALLENGE_LEN)
		return -ENOSPC;
	p = pend_alloc(ma->e.p, &ma->e.lim, via, now_ms);
	if (!p)
		return tally(&ma->e.st, -EBUSY);
	c = p->chal;
	c[0] = MMS_AUTH_VERSION;
	c[1] = MMS_AUTH_CHALLENGE;
	memcpy(c + O_MA, ma->e.self->pub.id, MMS_ID_LEN);
	if (target)
		memcpy(c + O_TARGET, target, MMS_ID_LEN);
	rc = mms_random(c + O_MA_NONCE, MMS_NONCE_LEN);
	if (!rc)
		rc = mms_x25519_keygen(p->eph, c + O_MA_EPH);
	if (rc) {
		pend_drop(p);
		return rc;
	}
	memcpy(out, c, MMS_AUTH_CHALLENGE_LEN);
	return MMS_AUTH_CHALLENGE_LEN;
}

static struct pend *ma_find(struct mms_auth_ma *ma, const uint8_t nonce[MMS_NONCE_LEN])
{
	for (unsigned i = 0; i < MMS_AUTH_PENDING_MAX; i++)
		if (ma->e.p[i].used && !memcmp(ma->e.p[i].chal + O_MA_NONCE, nonce, MMS_NONCE_LEN))
			return &ma->e.p[i];
	return NULL;
}

static int ma_confirm(struct mms_auth_ma *ma, const struct pend *p, const uint8_t *resp,
		      uint32_t epoch_first, const struct mms_session *s, uint8_t *out)
{
	struct mms_iov v[4] = {
		{ CONF_LABEL, strlen(CONF_LABEL) }, { p->chal, MMS_AUTH_CHALLENGE_LEN },
		{ resp, MMS_AUTH_RESPONSE_LEN }, { out, O_CONF_SIG },
	};
	int rc;

	memset(out, 0, MMS_AUTH_CONFIRM_LEN);
	out[0] = MMS_AUTH_VERSION;
	out[1] = MMS_AUTH_CONFIRM;
	memcpy(out + O_MA, ma->e.self->pub.id, MMS_ID_LEN);
	memcpy(out + O_CM, resp + O_CM, MMS_ID_LEN);
	memcpy(out + O_MA_NONCE, resp + O_MA_NONCE, MMS_NONCE_LEN);
	memcpy(out + O_CM_NONCE, resp + O_CM_NONCE, MMS_NONCE_LEN);
	mms_be32_put(out + O_EPOCH, epoch_first);
	rc = mms_sign(ma->e.self->sign_priv, v, 4, out + O_CONF_SIG);
	if (!rc)
		rc = key_confirm(s->tx_key, out, out + O_CONF_MAC);
	return rc;
}

static int ma_response(struct mms_auth_ma *ma, uint64_t now_ms, const uint8_t *in, size_t len,
		       uint32_t epoch_first, struct mms_session *s, uint8_t *out, size_t cap)
{
	struct mms_iov v[3];
	const struct mms_pubid *cm;
	struct pend *p;
	int rc;

	if (mms_auth_kind(in, len) != MMS_AUTH_RESPONSE)
		return -EBADMSG;
	if (memcmp(in + O_MA, ma->e.self->pub.id, MMS_ID_LEN))
		return -EPERM;
	pend_expire(ma->e.p, &ma->e.lim, now_ms);
	p = ma_find(ma, in + O_MA_NONCE);
	if (!p)
		return -ESTALE;
	if (!mms_is_zero(p->chal + O_TARGET, MMS_ID_LEN) &&
	    memcmp(p->chal + O_TARGET, in + O_CM, MMS_ID_LEN))
		return -EPERM;	/* a neighbour answering for the node we asked */
	switch (mms_registry_lookup(ma->reg, in + O_CM, &cm)) {
	case MMS_REG_VALID:
		break;
	case MMS_REG_REVOKED:
		return -EKEYREVOKED;
	default:
		return -ENOKEY;
	}
	if (cap < MMS_AUTH_CONFIRM_LEN)
		return -ENOSPC;
	v[0] = (struct mms_iov){ RESP_LABEL, strlen(RESP_LABEL) };
	v[1] = (struct mms_iov){ p->chal, MMS_AUTH_CHALLENGE_LEN };
	v[2] = (struct mms_iov){ in, O_RESP_SIG };
	ma->e.st.sig_checks++;
	rc = mms_verify(cm->sign_pub, v, 3, in + O_RESP_SIG);
	if (rc) {
		pend_fail(p, &ma->e.lim);
		return rc;
	}
	rc = derive(s, MMS_ROLE_MA, ma->e.self->pub.id, cm->id, p->eph, in + O_CM_EPH,
		    ma->e.self->kex_priv, cm->kex_pub, p->chal, in, epoch_first);
	if (!rc)
		rc = ma_confirm(ma, p, in, epoch_first, s, out);
	/* Signed by an enrolled CM: whatever happened, this nonce is used up. */
	pend_drop(p);
	if (rc) {
		mms_session_wipe(s);
		return rc;
	}
	return MMS_AUTH_CONFIRM_LEN;
}

int mms_auth_ma_response(struct mms_auth_ma *ma, uint64_t now_ms, const uint8_t *in,
			 size_t len, uint32_t epoch_first, struct mms_session *s,
			 uint8_t *out, size_t cap)
{
	int rc = ma_response(ma, now_ms, in, len, epoch_first, s, out, cap);

	ma->e.st.handled++;
	if (rc < 0)
		mms_session_wipe(s);
	else
		ma->e.st.ok++;
	return tally(&ma->e.st, rc);
}

/* ---- CM ---- */

struct bucket {
	uint8_t init;
	uint32_t tokens;
	uint64_t t_ms;
};

struct mms_auth_cm {
	struct end e;
	const struct mms_trust *trust;
	struct bucket b[MMS_AUTH_VIA_MAX];
};

static struct mms_auth_cm *cm_new(const struct mms_identity *self, int role,
				  const struct mms_trust *trust, const struct mms_auth_limits *lim)
{
	struct mms_auth_cm *cm = end_new(sizeof(*cm), self, role, trust, lim);

	if (cm)
		cm->trust = trust;
	return cm;
}

struct mms_auth_cm *mms_auth_cm_new(const struct mms_identity *self,
				    const struct mms_trust *trust,
				    const struct mms_auth_limits *lim)
{
	return cm_new(self, MMS_ROLE_CM, trust, lim);
}

struct mms_auth_cm *mms_auth_cm_new_ma(const struct mms_identity *self,
				       const struct mms_trust *trust,
				       const struct mms_auth_limits *lim)
{
	return cm_new(self, MMS_ROLE_MA, trust, lim);
}

void mms_auth_cm_free(struct mms_auth_cm *cm)
{
	end_free(cm, sizeof(*cm));
}

const struct mms_auth_stats *mms_auth_cm_stats(const struct mms_auth_cm *cm)
{
	return &cm->e.st;
}

unsigned mms_auth_cm_pending(struct mms_auth_cm *cm, uint64_t now_ms)
{
	return pend_expire(cm->e.p, &cm->e.lim, now_ms);
}

/* Token bucket: burst answers at once, one more every refill_ms. Signing is
 * the cost a neighbour could otherwise make us pay without limit. */
static int bucket_take(struct bucket *b, const struct mms_auth_limits *lim, uint64_t now)
{
	if (!b->init || now < b->t_ms) {
		b->init = 1;
		b->tokens = lim->burst;
		b->t_ms = now;
	} else {
		uint64_t add = (now - b->t_ms) / lim->refill_ms;

		if (add >= lim->burst - b->tokens) {
			b->tokens = lim->burst;
			b->t_ms = now;
		} else {
			b->tokens += (uint32_t)add;
			b->t_ms += add * lim->refill_ms;
		}
	}
	if (!b->tokens)
		return -EBUSY;
	b->tokens--;
	return 0;
}

static int cm_challenge(struct mms_auth_cm *cm, uint32_t via, uint64_t now_ms,
			const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
	struct mms_iov v[3];
	struct pend *p;
	uint8_t *r;
	int rc;

	if (mms_auth_kind(in, len) != MMS_AUTH_CHALLENGE)
		return -EBADMSG;
	if (!mms_is_zero(in + O_TARGET, MMS_ID_LEN) &&
	    memcmp(in + O_TARGET, cm->e.self->pub.id, MMS_ID_LEN))
		return -EPERM;
	if (!mms_trust_find(cm->trust, in + O_MA))
		return -ENOKEY;
	if (via >= MMS_AUTH_VIA_MAX)
		return -EINVAL;
	if (cap < MMS_AUTH_RESPONSE_LEN)
		return -ENOSPC;
	if (bucket_take(&cm->b[via], &cm->e.lim, now_ms))
		return -EBUSY;
	p = pend_alloc(cm->e.p, &cm->e.lim, via, now_ms);
	if (!p)
		return -EBUSY;
	memcpy(p->chal, in, MMS_AUTH_CHALLENGE_LEN);
	r = p->resp;
	r[0] = MMS_AUTH_VERSION;
	r[1] = MMS_AUTH_RESPONSE;
	memcpy(r + O_MA, in + O_MA, MMS_ID_LEN);
	memcpy(r + O_CM, cm->e.self->pub.id, MMS_ID_LEN);
	memcpy(r + O_MA_NONCE, in + O_MA_NONCE, MMS_NONCE_LEN);
	rc = mms_random(r + O_CM_NONCE, MMS_NONCE_LEN);
	if (!rc)
		rc = mms_x25519_keygen(p->eph, r + O_CM_EPH);
	if (!rc) {
		v[0] = (struct mms_iov){ RESP_LABEL, strlen(RESP_LABEL) };
		v[1] = (struct mms_iov){ p->chal, MMS_AUTH_CHALLENGE_LEN };
		v[2] = (struct mms_iov){ r, O_RESP_SIG };
		rc = mms_sign(cm->e.self->sign_priv, v, 3, r + O_RESP_SIG);
	}
	if (rc) {
		pend_drop(p);
		return rc;
	}
	memcpy(out, r, MMS_AUTH_RESPONSE_LEN);
	return MMS_AUTH_RESPONSE_LEN;
}

int mms_auth_cm_challenge(struct mms_auth_cm *cm, uint32_t via, uint64_t now_ms,
			  const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
	cm->e.st.handled++;
	return tally(&cm->e.st, cm_challenge(cm, via, now_ms, in, len, out, cap));
}

static struct pend *cm_find(struct mms_auth_cm *cm, const uint8_t *conf)
{
	for (unsigned i = 0; i < MMS_AUTH_PENDING_MAX; i++) {
		const struct pend *p = &cm->e.p[i];

		if (p->used && !memcmp(p->chal + O_MA, conf + O_MA, MMS_ID_LEN) &&
		    !memcmp(p->chal + O_MA_NONCE, conf + O_MA_NONCE, MMS_NONCE_LEN) &&
		    !memcmp(p->resp + O_CM_NONCE, conf + O_CM_NONCE, MMS_NONCE_LEN))
			return &cm->e.p[i];
	}
	return NULL;
}

static int cm_confirm(struct mms_auth_cm *cm, uint64_t now_ms, const uint8_t *in, size_t len,
		      struct mms_session *s)
{
	const struct mms_pubid *ma;
	uint8_t tag[MMS_MAC_LEN];
	struct mms_iov v[4];
	struct pend *p;
	int rc;

	if (mms_auth_kind(in, len) != MMS_AUTH_CONFIRM)
		return -EBADMSG;
	if (memcmp(in + O_CM, cm->e.self->pub.id, MMS_ID_LEN))
		return -EPERM;
	ma = mms_trust_find(cm->trust, in + O_MA);
	if (!ma)
		return -ENOKEY;
	pend_expire(cm->e.p, &cm->e.lim, now_ms);
	p = cm_find(cm, in);
	if (!p)
		return -ESTALE;
	v[0] = (struct mms_iov){ CONF_LABEL, strlen(CONF_LABEL) };
	v[1] = (struct mms_iov){ p->chal, MMS_AUTH_CHALLENGE_LEN };
	v[2] = (struct mms_iov){ p->resp, MMS_AUTH_RESPONSE_LEN };
	v[3] = (struct mms_iov){ in, O_CONF_SIG };
	cm->e.st.sig_checks++;
	rc = mms_verify(ma->sign_pub, v, 4, in + O_CONF_SIG);
	if (rc) {
		pend_fail(p, &cm->e.lim);
		return rc;
	}
	rc = derive(s, MMS_ROLE_CM, cm->e.self->pub.id, ma->id, p->eph, p->chal + O_MA_EPH,
		    cm->e.self->kex_priv, ma->kex_pub, p->chal, p->resp,
		    mms_be32_get(in + O_EPOCH));
	/* A signed confirm whose MAC fails means the MA does not hold the
	 * static X25519 key we trust, or the MAC was altered on the way; both
	 * count as a failed try like a bad signature. */
	if (!rc)
		rc = key_confirm(s->rx_key, in, tag);
	if (!rc && !mms_ct_equal(tag, in + O_CONF_MAC, MMS_MAC_LEN))
		rc = -EKEYREJECTED;
	if (rc) {
		mms_session_wipe(s);
		pend_fail(p, &cm->e.lim);
		return rc;
	}
	pend_drop(p);
	return 0;
}

int mms_auth_cm_confirm(struct mms_auth_cm *cm, uint64_t now_ms, const uint8_t *in,
			size_t len, struct mms_session *s)
{
	int rc = cm_confirm(cm, now_ms, in, len, s);

	cm->e.st.handled++;
	if (rc < 0)
		mms_session_wipe(s);
	else
		cm->e.st.ok++;
	return tally(&cm->e.st, rc);
}
