// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Quorum decrees on the wire (docs/security.md, "Quorum decrees"):
 *
 *   operator  mms-enroll decree / cosign: a decree signed by a majority of
 *             the MAs (distrust MA X, or re-key), put in one MA's state
 *             directory as `decree`, then SIGHUP (secglue_reload);
 *   MA        checks it like any node (its own signature counts: it adds
 *             itself to a copy of its trust store), applies it, and sends
 *             it in a DECREE envelope (0x13, MACed under the session) to
 *             every peer it has a session with: CMs and the other MAs,
 *             which do the same, so every MA a CM trusts carries it;
 *   any node  mms_decree_apply: enough distinct trusted signers, the
 *             accused's own signature not counted, a number above every
 *             decree applied before; persists the trust store and acts:
 *             DISTRUST X: the session and keys of X go (X's beacons,
 *             challenges and commands are refused from now on: it is no
 *             longer trusted); an MA also forgets X in its topology.
 *             REKEY: a CM named (or every CM) drops its sessions, and the
 *             MAs authenticate it again.
 *             REVOKE C: an MA revokes CM C in its registry for good (in
 *             memory and in its file, as `mms-enroll revoke`), drops C's
 *             session and hop keys, forgets it in its topology (its routes
 *             go); C is refused from then on (JOIN_REVOKED, NOT_ENROLLED).
 *             A CM only records the number: CMs do not judge CMs, and C's
 *             hop key is useless once no MA seals routes with it. A REVOKE
 *             naming an MA or the node itself is refused.
 *             Every MA that applies a decree starts a key roll
 *             SG_DECREE_ROLL_MS later (once the peers have had the decree),
 *             unless another MA's roll began meanwhile, so each node's hop
 *             key changes and the new one goes only to the MAs it still has
 *             a session with: an evicted MA ends with no current key of
 *             anyone.
 * The envelope is only the carrier: a decree's authority is its signatures,
 * whoever relays it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "log.h"
#include "secglue_int.h"

#define DECREE_FILE	"decree"

/* Apply d to our trust store; an MA's own signature counts for it as the
 * CMs count it. 0, or a counted refusal. */
static int check_apply(struct secglue *s, const struct mms_decree *d, const struct mms_id *from)
{
	struct mms_trust t = s->trust;
	unsigned valid = 0;
	int rc;

	if (d->action != MMS_DECREE_REKEY && !memcmp(d->target, s->id.b, MMS_ID_LEN))
		return sg_refuse(s, SG_S_DECREE_ACCUSED, -EPERM, from, "decree %llu: %s this node",
				 (unsigned long long)d->seq, mms_decree_action_name(d->action));
	if (s->ma && mms_trust_add(&t, &s->self.pub, NULL) < 0)
		return sg_refuse(s, SG_S_DECREE_MALFORMED, -ENOSPC, from, "trust store full");
	rc = mms_decree_apply(&t, s->id.b, d, &valid);
	if (rc == -EINVAL && d->action == MMS_DECREE_REVOKE)
		return sg_refuse(s, SG_S_DECREE_MALFORMED, rc, from,
				 "decree %llu: revoke names no CM (an MA, or no one)",
				 (unsigned long long)d->seq);
	if (rc == -ESTALE)
		return sg_refuse(s, SG_S_DECREE_OLD, rc, from, "decree %llu, applied up to %llu",
				 (unsigned long long)d->seq,
				 (unsigned long long)s->trust.decree_seq);
	if (rc == -EPERM)
		return sg_refuse(s, SG_S_DECREE_NO_QUORUM, rc, from,
				 "decree %llu: %u valid signatures, %u needed",
				 (unsigned long long)d->seq, valid, mms_trust_quorum(&t));
	if (rc < 0)
		return sg_refuse(s, SG_S_DECREE_MALFORMED, rc, from, "decree");
	/* Back into our own store (which does not hold us). */
	s->trust.decree_seq = t.decree_seq;
	for (unsigned i = 0; i < s->trust.n; i++)
		if (d->action == MMS_DECREE_DISTRUST &&
		    !memcmp(s->trust.e[i].ma.id, d->target, MMS_ID_LEN))
			s->trust.e[i].distrusted = 1;
	return rc;
}

static void drop_peer(struct secglue *s, struct sg_peer *p)
{
	if (p->cur.s.established || p->prev.s.established)
		sg_count(s, SG_S_SESSION_DROPPED);
	sg_peer_drop_keys(p);
	p->next_try = UINT64_MAX;
	p->have_resp = false;
}

/* A node evicted (MA distrusted, CM revoked): its session and keys go; an
 * MA forgets it in its topology, so no route uses or reaches it. */
static void evict(struct secglue *s, const struct mms_id *who, __u64 now)
{
	struct sg_peer *p = sg_peer_find(s, who);

	if (p)
		drop_peer(s, p);
	if (s->ma && s->core) {
		core_forget(s->core, who, now);
		core_hop_keys_changed(s->core, true, now);
	}
}

/* MA: revoke cm in the registry in use and in the file as it is now (an
 * enrollment or revocation the operator wrote there but has not reloaded
 * yet stays), as `mms-enroll revoke` does. */
static void revoke_cm(struct secglue *s, const struct mms_id *cm)
{
	struct mms_registry r = { 0 };
	struct mms_err e = { "" };
	int rc = mms_registry_revoke(&s->reg, cm->b, &e);

	if (rc < 0) {
		pr_err("%s: revocation decreed but not applied: %s", s->self.pub.name, e.msg);
		return;
	}
	rc = mms_registry_load(s->dir, &r, &e);
	if (!rc)
		rc = mms_registry_revoke(&r, cm->b, &e);
	if (!rc)
		rc = mms_registry_save(s->dir, &r, &e);
	mms_registry_free(&r);
	if (rc < 0)
		pr_err("%s: revocation decreed, applied, not saved: %s", s->self.pub.name, e.msg);
}

static void act(struct secglue *s, const struct mms_decree *d, int rekey_self)
{
	struct mms_id target;
	struct sg_peer *p;
	bool all = mms_is_zero(d->target, MMS_ID_LEN);
	__u64 now = sg_now(s);

	memcpy(target.b, d->target, MMS_ID_LEN);
	if (d->action == MMS_DECREE_DISTRUST) {
		evict(s, &target, now);
	} else if (d->action == MMS_DECREE_REVOKE) {
		/* A CM records the number only (see the top of this file). */
		if (s->ma) {
			revoke_cm(s, &target);
			evict(s, &target, now);
		}
	} else if (!s->ma && rekey_self) {
		/* Every MA authenticates us again (they find us silent). */
		for (__u32 x = 0; x < s->npeer; x++)
			drop_peer(s, s->peer[x]);
	} else if (s->ma) {
		for (__u32 x = 0; x < s->npeer; x++) {
			p = s->peer[x];
			if (!p->is_ma && (all || mms_id_eq(&p->id, &target)) &&
			    p->cur.s.established) {
				/* Challenged again at once; the old session serves
				 * until the new one is in use. */
				p->heard = 0;
				p->next_try = now;
				sg_due(s, now);
			}
		}
	}
	if (s->ma) {
		sg_mareg_build(s);
		/* A key roll, once the decree had time to reach the peers: a
		 * peer that took the roll's new epoch first would send its
		 * new key to the MA it is about to distrust. */
		if (s->core) {
			s->decree_roll_at = now + SG_DECREE_ROLL_MS * NS_MS;
			sg_due(s, s->decree_roll_at);
		}
	}
}

/* Send our decree to every peer with a session that has not had it; the
 * decree's key roll when due (unless a roll started since: it serves). */
__u64 sg_decree_tick(struct secglue *s, __u64 now)
{
	__u8 env[MMS_DECREE_MAX + MMS_CTL_OVERHEAD];

	if (!s->ma || !s->decree_len)
		return UINT64_MAX;
	if (s->decree_roll_at && now >= s->decree_roll_at) {
		s->decree_roll_at = 0;
		secglue_key_roll(s);
	}
	for (__u32 x = 0; x < s->npeer; x++) {
		struct sg_peer *p = s->peer[x];
		int rc;

		if (!p->cur.s.established || p->decree_sent >= s->trust.decree_seq)
			continue;
		rc = mms_session_seal(&p->cur.s, SG_ENV_DECREE, s->decree, s->decree_len, env,
				      sizeof(env));
		if (rc >= 0)
			rc = core_send_auth(s->core, 0, &p->id, env, (size_t)rc, now);
		if (rc) {
			sg_refuse(s, SG_S_HS_UNSENT, rc, &p->id, "decree");
			continue;	/* again at the next tick that finds a route */
		}
		p->decree_sent = s->trust.decree_seq;
		sg_count(s, SG_S_DECREE_SENT);
	}
	return s->decree_roll_at ? s->decree_roll_at : UINT64_MAX;
}

/* A decree from the operator (MA) or a peer: check, apply, persist, act.
 * 0 applied, or -errno (counted). */
static int take(struct secglue *s, const __u8 *in, size_t len, const struct mms_id *from)
{
	struct mms_err e = { "" };
	struct mms_decree d;
	char idb[MMS_ID_STR];
	struct mms_id tid;
	int rc;

	if (len > MMS_DECREE_MAX || mms_decree_decode(in, len, &d))
		return sg_refuse(s, SG_S_DECREE_MALFORMED, -EBADMSG, from, "%zu bytes", len);
	rc = check_apply(s, &d, from);
	if (rc < 0)
		return rc;
	if (mms_trust_save(s->dir, &s->trust, &e))
		pr_err("%s: decree %llu applied but not saved: %s", s->self.pub.name,
		       (unsigned long long)d.seq, e.msg);
	memcpy(tid.b, d.target, MMS_ID_LEN);
	memcpy(s->decree, in, len);
	s->decree_len = (__u16)len;
	sg_count(s, SG_S_DECREE_APPLIED);
	pr_info("%s: decree %llu applied: %s %s", s->self.pub.name, (unsigned long long)d.seq,
		mms_decree_action_name(d.action),
		mms_is_zero(d.target, MMS_ID_LEN) ? "all" : mms_id_str(&tid, idb));
	act(s, &d, rc);
	if (s->core)
		sg_due(s, sg_now(s));	/* sg_decree_tick passes it on */
	return 0;
}

void sg_decree_rx(struct secglue *s, const __u8 *in, size_t len)
{
	struct sg_sess *ss;
	struct sg_peer *p;
	const __u8 *b;
	size_t blen;

	if (!sg_open_typed(s, in, len, SG_ENV_DECREE, 0, SIZE_MAX, &p, &ss, &b, &blen))
		take(s, b, blen, &p->id);
}

int secglue_decree(struct secglue *s, const __u8 *d, size_t len)
{
	return take(s, d, len, NULL);
}

/* On reload: a decree the operator left in the state directory. */
int sg_decree_file(struct secglue *s)
{
	__u8 buf[MMS_DECREE_MAX + 1];
	char path[PATH_MAX + 16];
	ssize_t n;
	int fd, rc;

	snprintf(path, sizeof(path), "%s/" DECREE_FILE, s->dir);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return -EIO;
	rc = take(s, buf, (size_t)n, NULL);
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc == -ESTALE ? 0 : rc;	/* the file stays: applied before */
}
