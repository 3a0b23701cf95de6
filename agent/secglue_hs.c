// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Handshakes, recursively (docs/security.md, "Integration"):
 *
 *  - the MA challenges each neighbour the core reports up, link scope;
 *  - an authenticated node N's LSA lists its neighbours and N's port to
 *    each; for a listed enrolled node X without a session, the MA sends N a
 *    RELAY envelope (MACed under the MA<->N session, routed to N) holding
 *    X's id, N's port and the CHALLENGE; N checks it and puts the challenge
 *    on that port, link scope;
 *  - X answers routed to the MA over its beacon reverse route (link scope
 *    when the MA is its neighbour on that port); the MA checks it, makes
 *    the session and sends the CONFIRM back the way the challenge went;
 *  - X then sends the MA its hop key, wrapped under the session inside an
 *    envelope, and acks and LSAs now carry MACs the MA accepts; the key
 *    lets the MA seal routes to and through X, so X's neighbours are
 *    reached next.
 *
 * Re-keying: a peer with a session that sends nothing verifiable under it
 * for SG_IDLE_MS (it acks every ack_ms at least, so it has restarted or missed our
 * confirm) is challenged again; the old session serves until the new one
 * is in use.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <openssl/crypto.h>

#include "log.h"
#include "secglue_int.h"

static __u64 ms_of(__u64 ns)
{
	return ns / NS_MS;
}

static void id_at(struct mms_id *id, const __u8 *p)
{
	memcpy(id->b, p, MMS_ID_LEN);
}

/* Open an envelope from a peer under its current session, or the one
 * before (a re-key in flight). */
int sg_open_env(struct secglue *s, const __u8 *in, size_t len, struct sg_peer **pp,
		struct sg_sess **ssp, __u8 *type, const __u8 **body, size_t *blen)
{
	struct mms_id who;
	struct sg_peer *p;
	int rc, rc2;

	if (mms_ctl_sender(in, len, who.b))
		return sg_refuse(s, SG_S_ENV_MALFORMED, -EBADMSG, NULL, "%zu bytes", len);
	p = sg_peer_find(s, &who);
	if (!p || !p->cur.s.established)
		return sg_refuse(s, SG_S_NO_SESSION, -ENOKEY, &who, "envelope");
	rc = mms_session_open(&p->cur.s, in, len, type, body, blen);
	*ssp = &p->cur;
	if (rc && p->prev.s.established) {
		rc2 = mms_session_open(&p->prev.s, in, len, type, body, blen);
		*ssp = &p->prev;
		if (!rc2)
			rc = 0;
	}
	if (rc == -EALREADY || rc == -ESTALE)
		return sg_refuse(s, SG_S_REPLAY, rc, &who, "envelope");
	if (rc)
		return sg_refuse(s, SG_S_BAD_MAC, rc, &who, "envelope");
	*pp = p;
	if (*ssp == &p->cur)
		p->heard = sg_now(s);
	return 0;
}

int sg_open_typed(struct secglue *s, const __u8 *in, size_t len, __u8 want, size_t min,
		  size_t max, struct sg_peer **pp, struct sg_sess **ssp, const __u8 **body,
		  size_t *blen)
{
	__u8 type;
	int rc = sg_open_env(s, in, len, pp, ssp, &type, body, blen);

	if (rc)
		return rc;
	if (type != want || *blen < min || *blen > max)
		return sg_refuse(s, SG_S_ENV_MALFORMED, -EBADMSG, &(*pp)->id,
				 "type %#x, %zu bytes", type, *blen);
	return 0;
}

/* ---- CM side ---- */

static void send_hopkey(struct secglue *s, struct sg_peer *p, __u64 now)
{
	__u8 epoch = sg_key_epoch(s), key[MMS_KEY_LEN];
	__u8 body[SG_HOPKEY_LEN], env[SG_HOPKEY_LEN + MMS_CTL_OVERHEAD];
	struct mms_id nid;
	int rc;

	p->key_epoch = epoch;
	p->key_sent = true;
	p->key_next = now + SG_UNSENT_MS * NS_MS;	/* unless it goes out */
	sg_due(s, p->key_next);
	rc = secglue_hop_key(s, &s->id, epoch, key);
	body[0] = body[1] = body[2] = 0;
	body[3] = epoch;
	if (!rc)
		rc = mms_session_wrap_hop_key(&p->cur.s, epoch, key, body + 4);
	OPENSSL_cleanse(key, sizeof(key));
	if (!rc)
		rc = mms_session_seal(&p->cur.s, SG_ENV_HOPKEY, body, sizeof(body), env, sizeof(env));
	if (rc < 0)
		return;
	rc = core_send_auth(s->core, 0, &p->id, env, (size_t)rc, now);
	/* An MA next door may not have sent us a beacon yet. */
	if (rc && p->port && core_nbr_up(s->core, p->port, &nid) && mms_id_eq(&nid, &p->id))
		rc = core_send_auth(s->core, p->port, NULL, env, sizeof(env), now);
	p->key_unsent = rc != 0;
	if (rc) {
		sg_refuse(s, SG_S_HS_UNSENT, rc, &p->id, "hop key");
		return;
	}
	sg_count(s, SG_S_HOPKEY_SENT);
	p->key_next = now + (__u64)p->key_backoff_ms * NS_MS;
	if (p->key_backoff_ms < 8 * SG_KEY_RETRY_MS)
		p->key_backoff_ms *= 2;
	sg_due(s, p->key_next);
}

/* A CONTROL whose routes are sealed in the epoch of the key we sent means
 * the MA holds that key (its forward route ends at us); and once every MA
 * seals in our epoch, older keys can go (secglue_roll.c). */
void sg_control_seen(struct secglue *s, struct sg_peer *p, const __u8 *body, size_t len)
{
	struct msg_control k;

	if (!p || msg_control_parse(body, len, &k) || !k.nroutes)
		return;
	for (unsigned i = 0; i < k.nroutes; i++)
		if (p->key_sent && k.r[i].epoch == p->key_epoch)
			p->key_acked = true;
	sg_roll_control(s, p, k.r[0].epoch);
}

/* Send our response to the MA over our routes to it; held and retried
 * for a while when we have none yet. */
static void send_response(struct secglue *s, struct sg_peer *p, __u64 now)
{
	int rc = core_send_auth(s->core, 0, &p->id, p->resp, sizeof(p->resp), now);

	if (!rc) {
		p->have_resp = false;
		sg_count(s, SG_S_RESPONSE_SENT);
	} else if (now >= p->resp_until) {
		p->have_resp = false;
		sg_refuse(s, SG_S_HS_UNSENT, rc, &p->id, "response");
	} else {
		p->resp_next = now + SG_UNSENT_MS * NS_MS;
		sg_due(s, p->resp_next);
	}
}

static void cm_challenge(struct secglue *s, __u16 port, bool routed, const __u8 *m, size_t len)
{
	__u8 out[MMS_AUTH_RESPONSE_LEN];
	__u64 now = sg_now(s);
	struct mms_id ma, nid;
	struct sg_peer *p;
	int rc;

	id_at(&ma, m + 4);
	if (s->ma && sg_we_challenge(s, &ma)) {
		/* MA to MA: the lower ID challenges; answering a higher one
		 * would give each end a session of its own, keys crossed. */
		sg_refuse(s, SG_S_HS_UNEXPECTED, -EPERM, &ma, "challenge from a higher MA");
		return;
	}
	rc = mms_auth_cm_challenge(s->acm, routed ? 0 : port, ms_of(now), m, len, out,
				   sizeof(out));
	if (rc < 0) {
		sg_refuse_hs(s, rc, &ma, "challenge");
		return;
	}
	if (!routed && core_nbr_up(s->core, port, &nid) && mms_id_eq(&nid, &ma)) {
		rc = core_send_auth(s->core, port, NULL, out, (size_t)rc, now);
		if (rc)
			sg_refuse(s, SG_S_HS_UNSENT, rc, &ma, "response");
		else
			sg_count(s, SG_S_RESPONSE_SENT);
		return;
	}
	p = sg_peer_get(s, &ma);	/* trusted: the library checked */
	if (!p)
		return;
	p->is_ma = s->ma;
	memcpy(p->resp, out, sizeof(p->resp));
	p->have_resp = true;
	p->resp_until = now + SG_RESP_HOLD_MS * NS_MS;
	send_response(s, p, now);
}

static void cm_confirm(struct secglue *s, __u16 port, bool routed, const __u8 *m, size_t len)
{
	struct mms_session ns;
	__u64 now = sg_now(s);
	char idb[MMS_ID_STR];
	struct sg_peer *p;
	struct mms_id ma, nid;
	int rc = mms_auth_cm_confirm(s->acm, ms_of(now), m, len, &ns);

	id_at(&ma, m + 4);
	if (rc) {
		sg_refuse_hs(s, rc, &ma, "confirm");
		return;
	}
	p = sg_peer_get(s, &ma);	/* trusted: the library checked */
	if (!p) {
		mms_session_wipe(&ns);
		return;
	}
	p->is_ma = s->ma;
	sg_session_install(s, p, &ns);
	sg_roll_session_up(s, p, now);	/* the MA's epoch, before our key goes */
	p->have_resp = false;
	p->port = !routed && core_nbr_up(s->core, port, &nid) && mms_id_eq(&nid, &ma) ? port : 0;
	pr_info("%s: session with MA %s up", s->self.pub.name, mms_id_str(&ma, idb));
	p->key_acked = false;
	p->key_backoff_ms = SG_KEY_RETRY_MS;
	send_hopkey(s, p, now);
	core_auth_ready(s->core, &ma, now);
}

/* RELAY from an MA: put the inner handshake message on our port to the
 * target, if that is who is there and the message is what it says. */
static void cm_relay(struct secglue *s, const __u8 *in, size_t len)
{
	const __u8 *b, *msg;
	struct sg_sess *ss;
	struct sg_peer *p;
	struct mms_id x, nid;
	size_t blen, mlen;
	__u16 q;
	int kind, rc;

	if (sg_open_typed(s, in, len, SG_ENV_RELAY, SG_RELAY_HDR, SIZE_MAX, &p, &ss, &b, &blen))
		return;
	if (s->ma && !p->is_ma) {
		sg_refuse(s, SG_S_RELAY_REFUSED, -EPERM, &p->id, "relay request from a CM");
		return;
	}
	id_at(&x, b);
	q = (__u16)(b[MMS_ID_LEN] << 8 | b[MMS_ID_LEN + 1]);
	msg = b + SG_RELAY_HDR;
	mlen = blen - SG_RELAY_HDR;
	kind = mms_auth_kind(msg, mlen);
	/* CHALLENGE: ma, target; CONFIRM: ma, cm; at the same offsets. */
	if ((kind != MMS_AUTH_CHALLENGE && kind != MMS_AUTH_CONFIRM) ||
	    memcmp(msg + 4, p->id.b, MMS_ID_LEN) || memcmp(msg + 20, x.b, MMS_ID_LEN) ||
	    !core_nbr_up(s->core, q, &nid) || !mms_id_eq(&nid, &x)) {
		sg_refuse(s, SG_S_RELAY_REFUSED, -EINVAL, &p->id, "kind %d to port %u", kind, q);
		return;
	}
	rc = core_send_auth(s->core, q, NULL, msg, mlen, sg_now(s));
	if (rc)
		sg_refuse(s, SG_S_HS_UNSENT, rc, &x, "relayed handshake");
	else
		sg_count(s, SG_S_RELAY_FWD);
}

/* ---- MA side ---- */

static bool needs_hs(const struct sg_peer *p, __u64 now)
{
	return !p->cur.s.established || now >= p->heard + SG_IDLE_MS * NS_MS;
}

static bool has_key(const struct sg_peer *p)
{
	for (int e = 0; e < MMS_EPOCH_SLOTS; e++)
		if (p->hk[e].valid)
			return true;
	return false;
}

/* Send a handshake message to p: link scope, routed, or relayed by the
 * authenticated node that listed it. */
static int send_hs(struct secglue *s, struct sg_peer *p, __u8 how, const __u8 *msg, size_t len)
{
	__u8 body[SG_RELAY_HDR + MMS_AUTH_MSG_MAX], env[sizeof(body) + MMS_CTL_OVERHEAD];
	__u64 now = sg_now(s);
	struct sg_peer *n;
	int rc;

	switch (how) {
	case HOW_LINK:
		return p->port ? core_send_auth(s->core, p->port, NULL, msg, len, now) : -ENETUNREACH;
	case HOW_ROUTED:
		return core_send_auth(s->core, 0, &p->id, msg, len, now);
	case HOW_RELAY:
		n = sg_peer_find(s, &p->relay);
		if (!n || !n->cur.s.established || len > MMS_AUTH_MSG_MAX)
			return -ENETUNREACH;
		memcpy(body, p->id.b, MMS_ID_LEN);
		body[MMS_ID_LEN] = (__u8)(p->relay_port >> 8);
		body[MMS_ID_LEN + 1] = (__u8)p->relay_port;
		memcpy(body + SG_RELAY_HDR, msg, len);
		rc = mms_session_seal(&n->cur.s, SG_ENV_RELAY, body, SG_RELAY_HDR + len, env,
				      sizeof(env));
		if (rc < 0)
			return rc;
		rc = core_send_auth(s->core, 0, &n->id, env, (size_t)rc, now);
		if (!rc)
			sg_count(s, SG_S_RELAY_SENT);
		return rc;
	default:
		return -ENETUNREACH;
	}
}

static __u32 backoff(__u32 cur, __u32 lo, __u32 hi)
{
	return cur < lo ? lo : cur >= hi / 2 ? hi : 2 * cur;
}

/* Challenge p the best way we have: link scope, through a node that
 * listed it, or routed (a re-key). One challenge is resent as is while
 * the library keeps it, so retries cost no new pending state; at most
 * max_per_via are in flight through one neighbour or relay. */
static void try_handshake(struct secglue *s, struct sg_peer *p, __u32 *port_load, __u64 now)
{
	struct sg_peer *n = p->have_via ? sg_peer_find(s, &p->via) : NULL;
	__u32 via, *load;
	struct mms_id nid;
	__u8 how;
	int rc;

	if (p->is_ma ? !sg_ma_peer(s, &p->id) || !sg_we_challenge(s, &p->id) :
		       !sg_enrolled(s, &p->id)) {
		if (!p->is_ma)
			sg_refuse(s, SG_S_NOT_ENROLLED, -ENOKEY, &p->id, "not challenged");
		p->next_try = UINT64_MAX;
		return;
	}
	if (!p->is_ma && p->how == HOW_RELAY && p->backoff_ms >= SG_RETRY_MS && has_key(p)) {
		/* A relayed re-key went unanswered: the node may have lost its
		 * key (a reboot), and our route to the relay may cross it,
		 * where the challenge dies. Without its key the routes go
		 * around it; the new session's HOPKEY brings the key back. */
		OPENSSL_cleanse(p->hk, sizeof(p->hk));
		core_hop_keys_changed(s->core, true, now);
		p->next_try = now + SG_UNSENT_MS * NS_MS;
		return;
	}
	if (p->port && core_nbr_up(s->core, p->port, &nid) && mms_id_eq(&nid, &p->id)) {
		how = HOW_LINK;
		via = p->port;
		load = &port_load[p->port];
	} else if (!p->is_ma && n && n != p && n->cur.s.established) {
		how = HOW_RELAY;
		via = MMS_AUTH_VIA_MAX + n->idx;
		load = &n->load;
		/* The confirm goes back through the same node, even if a
		 * later LSA names another one meanwhile. */
		p->relay = n->id;
		p->relay_port = p->via_port;
	} else if (has_key(p) || p->is_ma) {
		/* a re-key, or another MA: over our CM half's routes to it */
		how = HOW_ROUTED;
		via = MMS_AUTH_VIA_MAX + p->idx;
		load = &p->load;
	} else {
		p->next_try = UINT64_MAX;	/* until a hook names a way */
		return;
	}
	if (*load >= s->lim.max_per_via) {
		p->next_try = now + SG_UNSENT_MS * NS_MS;
		return;
	}
	if (!p->have_chal || p->chal_via != via ||
	    now >= p->chal_at + (s->lim.ttl_ms - s->lim.ttl_ms / 4) * NS_MS) {
		rc = mms_auth_ma_challenge(p->is_ma ? s->ama_peer : s->ama, via, p->id.b,
					   ms_of(now), p->chal, sizeof(p->chal));
		if (rc < 0) {
			sg_refuse_hs(s, rc, &p->id, "challenge not made");
			p->next_try = now + SG_RETRY_MS * NS_MS;
			return;
		}
		p->have_chal = true;
		p->chal_at = now;
		p->chal_via = via;
		(*load)++;
	}
	p->how = how;
	rc = send_hs(s, p, how, p->chal, sizeof(p->chal));
	/* Relayed or routed, no route yet: the relay's LSA has just arrived
	 * and the computation that includes it is still held (spf_hold_ms).
	 * sg_routes() tries again right after it; the backoff is the fallback. */
	p->no_route = rc == -ENETUNREACH && how != HOW_LINK;
	if (rc) {
		if (!p->no_route)
			sg_refuse(s, SG_S_HS_UNSENT, rc, &p->id, "challenge (way %u)", how);
		else
			sg_count(s, SG_S_HS_UNSENT);
		p->backoff_ms = backoff(p->backoff_ms, SG_UNSENT_MS, SG_RETRY_MS);
	} else {
		sg_count(s, SG_S_CHALLENGE_SENT);
		p->backoff_ms = backoff(p->backoff_ms, SG_RETRY_MS, SG_RETRY_MAX_MS);
	}
	p->next_try = now + (__u64)p->backoff_ms * NS_MS;
}

static void ma_response(struct secglue *s, const __u8 *m, size_t len)
{
	__u8 conf[MMS_AUTH_CONFIRM_LEN];
	__u64 now = sg_now(s);
	struct mms_session ns;
	char idb[MMS_ID_STR];
	struct sg_peer *p;
	struct mms_id cm;
	bool peer_ma;
	int rc;

	id_at(&cm, m + 20);
	/* Another MA answers the challenge of ama_peer, whose "registry" is
	 * the trusted MAs above us; CMs that of ama. */
	peer_ma = mms_registry_lookup(&s->mareg, cm.b, NULL) == MMS_REG_VALID;
	rc = mms_auth_ma_response(peer_ma ? s->ama_peer : s->ama, ms_of(now), m, len,
				  core_config(s->core)->epoch, &ns, conf, sizeof(conf));
	p = sg_peer_find(s, &cm);
	if (rc < 0) {
		sg_refuse_hs(s, rc, &cm, "response");
		if (p && (rc == -ENOKEY || rc == -EKEYREVOKED)) {
			p->have_chal = false;
			p->next_try = now + SG_REFUSED_MS * NS_MS;
		}
		return;
	}
	/* Every challenge names its target, so the library accepted the
	 * response of a node we made a peer for. */
	if (!p) {
		mms_session_wipe(&ns);
		return;
	}
	sg_session_install(s, p, &ns);
	sg_roll_session_up(s, p, now);
	p->have_chal = false;
	p->backoff_ms = 0;
	p->next_try = now;
	rc = send_hs(s, p, p->how, conf, sizeof(conf));
	if (rc)
		sg_refuse(s, SG_S_HS_UNSENT, rc, &cm, "confirm (way %u)", p->how);
	pr_info("%s: session with %s%s up (%s)", s->self.pub.name, peer_ma ? "MA " : "",
		mms_id_str(&cm, idb),
		p->how == HOW_LINK ? "neighbour" : p->how == HOW_RELAY ? "relayed" : "routed");
	if (peer_ma) {
		/* It routes through us as we route through it: our key goes
		 * to it as a CM's does, and our CM half joins it now. */
		p->is_ma = true;
		p->key_acked = false;
		p->key_backoff_ms = SG_KEY_RETRY_MS;
		send_hopkey(s, p, now);
		core_auth_ready(s->core, &cm, now);
	}
}

static void ma_hopkey(struct secglue *s, const __u8 *in, size_t len)
{
	__u8 key[MMS_KEY_LEN], epoch;
	const __u8 *b;
	struct sg_sess *ss;
	struct sg_peer *p;
	struct sg_key *k;
	size_t blen;
	bool fresh, replaced;

	if (sg_open_typed(s, in, len, SG_ENV_HOPKEY, SG_HOPKEY_LEN, SG_HOPKEY_LEN, &p, &ss, &b,
			  &blen))
		return;
	if (b[0] || b[1] || b[2]) {	/* the epoch is one byte of a be32 */
		sg_refuse(s, SG_S_ENV_MALFORMED, -EBADMSG, &p->id, "hop key epoch padding");
		return;
	}
	epoch = b[3];
	if (mms_session_unwrap_hop_key(&ss->s, epoch, b + 4, key)) {
		sg_refuse(s, SG_S_HOPKEY_BAD, -EBADMSG, &p->id, "epoch %u", epoch);
		return;
	}
	k = &p->hk[epoch % MMS_EPOCH_SLOTS];
	fresh = !k->valid || k->epoch != epoch;
	replaced = !fresh && !mms_ct_equal(k->key, key, MMS_KEY_LEN);
	memcpy(k->key, key, MMS_KEY_LEN);
	OPENSSL_cleanse(key, sizeof(key));
	k->valid = 1;
	k->epoch = epoch;
	sg_count(s, SG_S_HOPKEY_RX);
	/* A node's first key lets the routes that lacked it be sealed; a new
	 * key (it restarted) makes every route through it stale. */
	if (fresh || replaced)
		core_hop_keys_changed(s->core, replaced, sg_now(s));
	if (fresh && s->roll)
		sg_due(s, sg_now(s));	/* the key a roll waits for: switch now? */
}

void sg_nbr(void *ctx, __u16 port, const struct mms_id *id, __u8 role, bool up)
{
	struct secglue *s = ctx;
	struct sg_peer *p;

	if (!s->ma || !s->core || (role != MMS_ROLE_CM && role != MMS_ROLE_MA))
		return;
	if (role == MMS_ROLE_MA && !sg_ma_peer(s, id))
		return;
	if (!up) {
		p = sg_peer_find(s, id);
		if (p && p->port == port)
			p->port = 0;
		return;
	}
	if ((role == MMS_ROLE_CM && !sg_enrolled(s, id)) || !(p = sg_peer_get(s, id)))
		return;
	p->port = port;
	p->is_ma = role == MMS_ROLE_MA;
	if ((!p->is_ma || sg_we_challenge(s, id)) && needs_hs(p, sg_now(s))) {
		p->next_try = sg_now(s);
		sg_due(s, p->next_try);
	}
}

void sg_lsa(void *ctx, const struct msg_lsa *m)
{
	struct secglue *s = ctx;
	__u64 now = sg_now(s);

	if (!s->ma || !s->core)
		return;
	for (unsigned i = 0; i < m->nnbr; i++) {
		const struct mms_id *x = &m->nbr[i].id;
		struct sg_peer *p;

		if (mms_id_eq(x, &s->id) || mms_id_eq(x, &m->origin) || sg_ma_peer(s, x))
			continue;	/* other MAs: over our routes to them (sg_routes) */
		if (!sg_enrolled(s, x)) {
			sg_refuse(s, SG_S_NOT_ENROLLED, -ENOKEY, x, "listed by an LSA");
			continue;
		}
		p = sg_peer_get(s, x);
		if (!p)
			return;
		p->have_via = true;
		p->via = m->origin;
		p->via_port = m->nbr[i].port;
		/* The relay can reach X only once we route to the relay, i.e.
		 * after the computation this LSA triggers: sg_routes() starts
		 * the handshake then. */
		if (needs_hs(p, now) && p->next_try > now && !p->have_chal)
			p->no_route = true;
	}
}

/* Routes appeared: send what waited for them now. MA (to = NULL, after a
 * computation): challenges that had no route to their relay or target. CM
 * (a beacon of MA `to` was taken): a held response, an unsent hop key. */
void sg_routes(void *ctx, const struct mms_id *to)
{
	struct secglue *s = ctx;
	__u64 now = sg_now(s);
	struct sg_peer *p;

	if (!s->core)
		return;
	if (s->ma && to) {
		/* Our CM half took another MA's beacon: a route to it. */
		if (!sg_ma_peer(s, to) || !(p = sg_peer_get(s, to)))
			return;
		p->is_ma = true;
		if (sg_we_challenge(s, to) && needs_hs(p, now) && p->next_try == UINT64_MAX) {
			p->next_try = now;
			sg_due(s, now);
		}
	} else if (s->ma) {
		for (__u32 x = 0; x < s->npeer; x++) {
			p = s->peer[x];
			if (p->no_route && needs_hs(p, now)) {
				p->no_route = false;
				p->next_try = now;
				sg_due(s, now);
			}
		}
		return;
	}
	p = to ? sg_peer_find(s, to) : NULL;
	if (!p)
		return;
	if (p->have_resp) {
		p->resp_next = now;
		sg_due(s, now);
	}
	if (p->cur.s.established && p->key_unsent && !p->key_acked) {
		p->key_next = now;
		sg_due(s, now);
	}
}

void sg_rx(void *ctx, __u16 port, bool routed, const __u8 *b, size_t len)
{
	struct secglue *s = ctx;

	if (!s->core)
		return;
	if (len < 4 || b[0] != MMS_AUTH_VERSION || b[2] || b[3]) {
		sg_refuse(s, SG_S_HS_MALFORMED, -EBADMSG, NULL, "%zu bytes on port %u", len, port);
		return;
	}
	if (b[1] == MMS_AUTH_CHALLENGE && s->acm && len == MMS_AUTH_CHALLENGE_LEN)
		cm_challenge(s, port, routed, b, len);
	else if (b[1] == MMS_AUTH_RESPONSE && s->ama && len == MMS_AUTH_RESPONSE_LEN)
		ma_response(s, b, len);
	else if (b[1] == MMS_AUTH_CONFIRM && s->acm && len == MMS_AUTH_CONFIRM_LEN)
		cm_confirm(s, port, routed, b, len);
	else if (b[1] == SG_ENV_RELAY && s->acm)
		cm_relay(s, b, len);
	else if (b[1] == SG_ENV_HOPKEY && s->ama)
		ma_hopkey(s, b, len);
	else if (b[1] == SG_ENV_EPOCH)
		sg_epoch_rx(s, b, len);
	else if (b[1] == SG_ENV_DECREE)
		sg_decree_rx(s, b, len);
	else if (b[1] > MMS_AUTH_CONFIRM && b[1] != SG_ENV_RELAY && b[1] != SG_ENV_HOPKEY)
		sg_refuse(s, SG_S_ENV_MALFORMED, -EBADMSG, NULL, "kind %#x", b[1]);
	else
		sg_refuse(s, SG_S_HS_UNEXPECTED, -EBADMSG, NULL, "kind %#x, %zu bytes at a%s", b[1],
			  len, s->ma ? "n MA" : " CM");
}

/* ---- timers ---- */

/* The CM's half of a pair (an MA's too, towards another MA): a held
 * response, and our hop key until the peer uses it. */
static __u64 peer_key_tick(struct secglue *s, struct sg_peer *p, __u64 now)
{
	__u8 epoch = sg_key_epoch(s);
	__u64 next = UINT64_MAX;

	if (p->have_resp && now >= p->resp_next)
		send_response(s, p, now);
	if (p->have_resp && p->resp_next < next)
		next = p->resp_next;
	if (!p->cur.s.established)
		return next;
	if (p->key_epoch != epoch) {	/* a key roll: the new epoch's key */
		p->key_acked = false;
		p->key_backoff_ms = SG_KEY_RETRY_MS;
		send_hopkey(s, p, now);
	} else if (!p->key_acked && now >= p->key_next) {
		send_hopkey(s, p, now);
	}
	if (!p->key_acked && p->key_next < next)
		next = p->key_next;
	return next;
}

static __u64 cm_tick(struct secglue *s, __u64 now)
{
	__u64 next = UINT64_MAX;

	for (__u32 x = 0; x < s->npeer; x++) {
		__u64 t = peer_key_tick(s, s->peer[x], now);

		if (t < next)
			next = t;
	}
	return next;
}

static __u64 ma_tick(struct secglue *s, __u64 now)
{
	__u32 port_load[MMS_MAX_PORTS] = { 0 };
	__u64 next = UINT64_MAX, ttl = s->lim.ttl_ms * NS_MS;

	/* Challenges in flight per neighbour port and per relaying node. */
	for (__u32 x = 0; x < s->npeer; x++)
		s->peer[x]->load = 0;
	for (__u32 x = 0; x < s->npeer; x++) {
		struct sg_peer *p = s->peer[x];

		if (!p->have_chal || now >= p->chal_at + ttl)
			continue;
		if (p->chal_via < MMS_MAX_PORTS)
			port_load[p->chal_via]++;
		else if (p->chal_via - MMS_AUTH_VIA_MAX < s->npeer)
			s->peer[p->chal_via - MMS_AUTH_VIA_MAX]->load++;
	}
	for (__u32 x = 0; x < s->npeer; x++) {
		struct sg_peer *p = s->peer[x];

		if (p->is_ma) {
			__u64 t = peer_key_tick(s, p, now);

			if (t < next)
				next = t;
			if (!sg_we_challenge(s, &p->id))
				continue;	/* it challenges us */
		}
		if (!needs_hs(p, now)) {
			if (p->heard + SG_IDLE_MS * NS_MS < next)
				next = p->heard + SG_IDLE_MS * NS_MS;
			continue;
		}
		if (now >= p->next_try)
			try_handshake(s, p, port_load, now);
		if (p->next_try < next)
			next = p->next_try;
	}
	return next;
}

__u64 sg_hs_tick(struct secglue *s, __u64 now)
{
	__u64 a = sg_decree_tick(s, now), b, c;

	b = s->ma ? ma_tick(s, now) : cm_tick(s, now);
	c = sg_roll_tick(s, now);
	return a < b ? (a < c ? a : c) : (b < c ? b : c);
}
