// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * MA signatures on flooded messages with a verify-once cache, and quorum
 * decrees (auth.h, parts 3 and 4).
 */
#include <errno.h>
#include <string.h>

#include "auth_int.h"

#define MASIG_LABEL	"MMS-MASIG-v1"
#define DECREE_LABEL	"MMS-DECREE-v1"
#define DECREE_VERSION	1

/* ---- signed flooded messages ---- */

void mms_sigcache_init(struct mms_sigcache *c)
{
	memset(c, 0, sizeof(*c));
}

/* The signature covers a digest of the body, which the receiver computes
 * anyway to compare copies against the cache. */
static int masig_iov(uint8_t kind, const uint8_t ma[MMS_ID_LEN], uint64_t seq,
		     const uint8_t digest[MMS_SHA256_LEN], uint8_t hdr[1 + 8],
		     struct mms_iov v[4])
{
	hdr[0] = kind;
	mms_be64_put(hdr + 1, seq);
	v[0] = (struct mms_iov){ MASIG_LABEL, strlen(MASIG_LABEL) };
	v[1] = (struct mms_iov){ ma, MMS_ID_LEN };
	v[2] = (struct mms_iov){ hdr, 9 };
	v[3] = (struct mms_iov){ digest, MMS_SHA256_LEN };
	return 4;
}

static int body_digest(const void *body, size_t len, uint8_t d[MMS_SHA256_LEN])
{
	struct mms_iov v = { body, len };

	return mms_sha256(&v, 1, d);
}

int mms_ma_sign(const struct mms_identity *ma, uint8_t kind, uint64_t seq, const void *body,
		size_t len, uint8_t sig[MMS_SIG_LEN])
{
	uint8_t d[MMS_SHA256_LEN], hdr[9];
	struct mms_iov v[4];
	int rc;

	if (kind < MMS_SIG_BEACON || kind > MMS_SIG_KINDS || ma->pub.role != MMS_ROLE_MA)
		return -EINVAL;
	rc = body_digest(body, len, d);
	if (!rc)
		rc = mms_sign(ma->sign_priv, v, masig_iov(kind, ma->pub.id, seq, d, hdr, v), sig);
	return rc;
}

static struct mms_sigcache_slot *slot_of(struct mms_sigcache *c, uint8_t kind,
					 const uint8_t ma[MMS_ID_LEN], uint64_t seq)
{
	uint64_t h = seq * 0x9e3779b97f4a7c15ULL;

	/* Direct mapped: entries are only made for verified messages, so an
	 * outsider cannot aim collisions at it; a collision only costs a
	 * repeated verification. */
	for (int i = 0; i < 8; i++)
		h ^= (uint64_t)ma[i] << (8 * i);
	h = (h ^ kind) * 0xff51afd7ed558ccdULL;
	return &c->slot[(h >> 32) % MMS_SIGCACHE_SLOTS];
}

static struct mms_sigcache_win *win_of(struct mms_sigcache *c, uint8_t kind,
				       const uint8_t ma[MMS_ID_LEN], int make)
{
	struct mms_sigcache_win *free_w = NULL;
	const size_t n = sizeof(c->win) / sizeof(c->win[0]);

	for (size_t i = 0; i < n; i++) {
		struct mms_sigcache_win *w = &c->win[i];

		if (!w->used) {
			free_w = free_w ? free_w : w;
			continue;
		}
		if (w->kind == kind && !memcmp(w->ma, ma, MMS_ID_LEN))
			return w;
	}
	if (!make || !free_w)
		return NULL;
	/* Room for every (trusted MA, kind): only trusted MAs get here, and
	 * the trust store holds at most MMS_TRUST_MAX. */
	free_w->used = 1;
	free_w->kind = kind;
	memcpy(free_w->ma, ma, MMS_ID_LEN);
	mms_replay_init(&free_w->w);
	return free_w;
}

int mms_ma_verify(struct mms_sigcache *c, const struct mms_trust *t, uint8_t kind,
		  const uint8_t ma[MMS_ID_LEN], uint64_t seq, const void *body, size_t len,
		  const uint8_t sig[MMS_SIG_LEN])
{
	struct mms_sigcache_slot *sl;
	struct mms_sigcache_win *w;
	const struct mms_pubid *pub;
	uint8_t d[MMS_SHA256_LEN], hdr[9];
	struct mms_iov v[4];
	int seen, rc;

	if (kind < MMS_SIG_BEACON || kind > MMS_SIG_KINDS)
		return -EINVAL;
	pub = mms_trust_find(t, ma);
	if (!pub) {
		c->st.unknown++;
		return -ENOKEY;
	}
	w = win_of(c, kind, ma, 0);
	rc = w ? mms_replay_check(&w->w, seq) : (seq == UINT64_MAX ? -ERANGE : 0);
	if (rc == -ESTALE || rc == -ERANGE) {
		c->st.stale++;
		return -ESTALE;
	}
	seen = rc == -EALREADY;
	rc = body_digest(body, len, d);
	if (rc)
		return rc;
	sl = slot_of(c, kind, ma, seq);
	if (seen && sl->used && sl->kind == kind && sl->seq == seq &&
	    !memcmp(sl->ma, ma, MMS_ID_LEN)) {
		if (!memcmp(sl->digest, d, sizeof(d)) && !memcmp(sl->sig, sig, MMS_SIG_LEN)) {
			c->st.hits++;
			return 1;
		}
		/* The MA signs one message per number: a different one is forged. */
		c->st.conflict++;
		return -EBADMSG;
	}
	c->st.verified++;
	rc = mms_verify(pub->sign_pub, v, masig_iov(kind, ma, seq, d, hdr, v), sig);
	if (rc) {
		c->st.bad_sig++;
		return rc;
	}
	w = w ? w : win_of(c, kind, ma, 1);
	if (w)
		mms_replay_update(&w->w, seq);
	sl->used = 1;
	sl->kind = kind;
	memcpy(sl->ma, ma, MMS_ID_LEN);
	sl->seq = seq;
	memcpy(sl->digest, d, sizeof(d));
	memcpy(sl->sig, sig, MMS_SIG_LEN);
	return seen;
}

/* ---- quorum decrees ---- */

static int decree_iov(const struct mms_decree *d, uint8_t hdr[1 + MMS_ID_LEN + 8],
		      struct mms_iov v[2])
{
	hdr[0] = d->action;
	memcpy(hdr + 1, d->target, MMS_ID_LEN);
	mms_be64_put(hdr + 1 + MMS_ID_LEN, d->seq);
	v[0] = (struct mms_iov){ DECREE_LABEL, strlen(DECREE_LABEL) };
	v[1] = (struct mms_iov){ hdr, 1 + MMS_ID_LEN + 8 };
	return 2;
}

/* Decoders accept only these: a node that does not know an action refuses
 * it as malformed rather than guessing what it means. */
const char *mms_decree_action_name(uint8_t action)
{
	switch (action) {
	case MMS_DECREE_DISTRUST: return "distrust";
	case MMS_DECREE_REKEY: return "rekey";
	case MMS_DECREE_REVOKE: return "revoke";
	}
	return NULL;
}

static int action_ok(uint8_t a)
{
	return mms_decree_action_name(a) != NULL;
}

/* A REVOKE names one CM: never every node, never an MA the store holds
 * (trusted or distrusted). */
static int revoke_ok(const struct mms_trust *t, const struct mms_decree *d)
{
	if (mms_is_zero(d->target, MMS_ID_LEN))
		return 0;
	for (unsigned i = 0; t && i < t->n; i++)
		if (!memcmp(t->e[i].ma.id, d->target, MMS_ID_LEN))
			return 0;
	return 1;
}

int mms_decree_sign(const struct mms_identity *ma, struct mms_decree *d)
{
	uint8_t hdr[1 + MMS_ID_LEN + 8];
	struct mms_iov v[2];
	int rc;

	if (!action_ok(d->action) || ma->pub.role != MMS_ROLE_MA ||
	    (d->action == MMS_DECREE_REVOKE && !revoke_ok(NULL, d)))
		return -EINVAL;
	for (unsigned i = 0; i < d->nsig; i++)
		if (!memcmp(d->sig[i].signer, ma->pub.id, MMS_ID_LEN))
			return -EEXIST;
	if (d->nsig >= MMS_TRUST_MAX)
		return -ENOSPC;
	rc = mms_sign(ma->sign_priv, v, decree_iov(d, hdr, v), d->sig[d->nsig].sig);
	if (rc)
		return rc;
	memcpy(d->sig[d->nsig].signer, ma->pub.id, MMS_ID_LEN);
	d->nsig++;
	return 0;
}

int mms_decree_encode(const struct mms_decree *d, uint8_t *out, size_t cap)
{
	size_t n = MMS_DECREE_HDR + (size_t)d->nsig * MMS_DECREE_SIG;

	if (d->nsig > MMS_TRUST_MAX || !action_ok(d->action))
		return -EINVAL;
	if (cap < n)
		return -ENOSPC;
	out[0] = DECREE_VERSION;
	out[1] = d->action;
	out[2] = (uint8_t)d->nsig;
	out[3] = 0;
	memcpy(out + 4, d->target, MMS_ID_LEN);
	mms_be64_put(out + 20, d->seq);
	for (unsigned i = 0; i < d->nsig; i++) {
		uint8_t *p = out + MMS_DECREE_HDR + i * MMS_DECREE_SIG;

		memcpy(p, d->sig[i].signer, MMS_ID_LEN);
		memcpy(p + MMS_ID_LEN, d->sig[i].sig, MMS_SIG_LEN);
	}
	return (int)n;
}

int mms_decree_decode(const uint8_t *in, size_t len, struct mms_decree *d)
{
	memset(d, 0, sizeof(*d));
	if (len < MMS_DECREE_HDR || in[0] != DECREE_VERSION || !action_ok(in[1]) || in[3] ||
	    in[2] > MMS_TRUST_MAX || len != MMS_DECREE_HDR + (size_t)in[2] * MMS_DECREE_SIG)
		return -EBADMSG;
	d->action = in[1];
	d->nsig = in[2];
	memcpy(d->target, in + 4, MMS_ID_LEN);
	d->seq = mms_be64_get(in + 20);
	for (unsigned i = 0; i < d->nsig; i++) {
		const uint8_t *p = in + MMS_DECREE_HDR + i * MMS_DECREE_SIG;

		memcpy(d->sig[i].signer, p, MMS_ID_LEN);
		memcpy(d->sig[i].sig, p + MMS_ID_LEN, MMS_SIG_LEN);
	}
	return 0;
}

static unsigned count_valid(const struct mms_trust *t, const struct mms_decree *d)
{
	uint8_t hdr[1 + MMS_ID_LEN + 8];
	struct mms_iov v[2];
	unsigned valid = 0;
	int nv = decree_iov(d, hdr, v);

	for (unsigned i = 0; i < d->nsig && i < MMS_TRUST_MAX; i++) {
		const uint8_t *who = d->sig[i].signer;
		const struct mms_pubid *ma = mms_trust_find(t, who);
		int dup = 0;

		/* Cheap filters first: untrusted, the accused, repeated signers. */
		if (!ma || (d->action == MMS_DECREE_DISTRUST && !memcmp(who, d->target, MMS_ID_LEN)))
			continue;
		for (unsigned j = 0; j < i; j++)
			dup |= !memcmp(d->sig[j].signer, who, MMS_ID_LEN);
		if (dup)
			continue;
		if (!mms_verify(ma->sign_pub, v, nv, d->sig[i].sig))
			valid++;
	}
	return valid;
}

int mms_decree_apply(struct mms_trust *t, const uint8_t self[MMS_ID_LEN],
		     const struct mms_decree *d, unsigned *valid)
{
	unsigned n;

	if (valid)
		*valid = 0;
	if (!action_ok(d->action) || d->nsig > MMS_TRUST_MAX)
		return -EBADMSG;
	if (d->action == MMS_DECREE_REVOKE && !revoke_ok(t, d))
		return -EINVAL;
	if (d->seq <= t->decree_seq)
		return -ESTALE;
	n = count_valid(t, d);
	if (valid)
		*valid = n;
	if (n < mms_trust_quorum(t))
		return -EPERM;
	t->decree_seq = d->seq;
	if (d->action == MMS_DECREE_DISTRUST) {
		for (unsigned i = 0; i < t->n; i++)
			if (!memcmp(t->e[i].ma.id, d->target, MMS_ID_LEN))
				t->e[i].distrusted = 1;
		/* Keys from the distrusted MA's sessions must go: re-key. */
		return 1;
	}
	if (d->action == MMS_DECREE_REVOKE)
		return 0;
	return mms_is_zero(d->target, MMS_ID_LEN) || !memcmp(d->target, self, MMS_ID_LEN);
}
