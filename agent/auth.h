/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Authentication and authenticated control, I/O free: every function takes
 * bytes and a time in milliseconds and returns bytes, so the agent decides
 * how they travel (link-scope frames to a neighbour, or routed frames relayed
 * by an already authenticated neighbour: that is how CMs further out are
 * reached) and tests drive both ends in one process.
 *
 * 1. Handshake (MMS_T_AUTH bodies), MA -> CM -> MA -> CM:
 *
 *    CHALLENGE  MA id, target CM id (or zero: whoever receives it), MA nonce,
 *               MA ephemeral X25519 key
 *    RESPONSE   MA id, CM id, both nonces, CM ephemeral X25519 key, and the
 *               CM's Ed25519 signature over the challenge and all of this
 *    CONFIRM    MA id, CM id, both nonces, first key epoch, the MA's Ed25519
 *               signature over challenge, response and all of this, and a
 *               key-confirmation MAC under the new MA->CM key
 *
 *    The MA accepts a response only for a challenge it has pending, from a
 *    component its registry lists as valid (not unknown, not revoked) and
 *    whose signature verifies; the CM accepts a confirm only from an MA in
 *    its trust store, for a response it has pending. Both then hold
 *
 *      master = HKDF-Extract(salt = SHA-256(label || challenge || response),
 *                            ikm  = X25519(ma_eph, cm_eph) || X25519(ma_kex, cm_kex))
 *
 *    "Ephemeral + static": the ephemeral term gives forward secrecy (stolen
 *    long-term keys do not open past sessions), the static term ties the
 *    secret to the X25519 keys the CM enrolled and the MA published, on top
 *    of the signatures. From the master, with HKDF-Expand:
 *      hop key of epoch e   16 bytes, "MMS-AUTH-v1 hop" || be32(e)
 *                           (for mms_route_build / mms_key_schedule)
 *      control keys         32 bytes each direction, MA->CM and CM->MA
 *      wrap keys            32 bytes each direction, for hop keys a CM
 *                           sends when it has several MAs (see below)
 *
 * 2. Control envelopes: every unicast control message (LSA, beacon ack, MA
 *    command, epoch announcement) travels as
 *        ver | type | rsvd[2] | sender id (16) | be64 seq | body | tag (16)
 *    tag = first 16 bytes of HMAC-SHA256(sender's direction key,
 *              "MMS-CTL-v1" || receiver id || everything before the tag).
 *    128-bit tags: forging one takes 2^128 tries on average; truncation keeps
 *    the overhead at 44 bytes a message. The receiver checks a replay window
 *    first (cheap), then the tag, and only then moves the window.
 *
 * 3. Flooded messages (beacons, broadcast MA commands) cannot use pair-wise
 *    keys, so the MA signs them with Ed25519 over (kind, MA id, seq, SHA-256
 *    of the body). Receivers keep a replay window of verified numbers per
 *    (MA, kind) and a cache of verified (MA, kind, seq, digest, signature), so
 *    the copies of one beacon that arrive over many paths cost one signature
 *    check.
 *
 * 4. Quorum decrees: with several MAs, a majority of the trusted MAs can
 *    make a CM distrust one MA or re-key (drop its sessions and authenticate
 *    again, which gives fresh hop and control keys).
 *
 * Errors (negative errno), the same everywhere so the agent can count them:
 *   -EBADMSG      malformed, wrong version/kind/length, bad MAC
 *   -ENOKEY       peer unknown: CM not enrolled, MA not trusted (or distrusted)
 *   -EKEYREVOKED  CM revoked
 *   -EKEYREJECTED signature does not verify, or a degenerate key agreement
 *   -EPERM        addressed to another component, or no quorum
 *   -ESTALE       no matching handshake pending (expired, replayed, unknown
 *                 nonce), or a sequence number below the replay window
 *   -EALREADY     a sequence number already accepted (replay)
 *   -EBUSY        rate limit or pending-handshake limit reached
 *   -ENOSPC       output buffer too small;  -EIO  crypto library failure
 */
#ifndef MMS_AUTH_H
#define MMS_AUTH_H

#include <stddef.h>
#include <stdint.h>
#include "identity.h"
#include "replay.h"

#define MMS_AUTH_VERSION	1
#define MMS_NONCE_LEN		16

enum mms_auth_kind {
	MMS_AUTH_CHALLENGE = 1,
	MMS_AUTH_RESPONSE = 2,
	MMS_AUTH_CONFIRM = 3,
};

#define MMS_AUTH_CHALLENGE_LEN	84
#define MMS_AUTH_RESPONSE_LEN	164
#define MMS_AUTH_CONFIRM_LEN	156
#define MMS_AUTH_MSG_MAX	MMS_AUTH_RESPONSE_LEN

/* The kind of a handshake message, after checking version and exact length;
 * -EBADMSG otherwise. */
int mms_auth_kind(const uint8_t *m, size_t len);

/* ---- Bounds on state that unauthenticated input can create ---- */

#define MMS_AUTH_PENDING_MAX	64	/* table size; limits.max_pending <= this */
#define MMS_AUTH_VIA_MAX	256	/* "via" = the neighbour port a message came through */

struct mms_auth_limits {
	unsigned max_pending;	/* handshakes in flight, in total */
	unsigned max_per_via;	/* in flight through one neighbour; the oldest is
				 * replaced, so one neighbour only hurts itself */
	unsigned ttl_ms;	/* an unanswered handshake is forgotten after this */
	unsigned max_tries;	/* failed signature checks before it is dropped */
	unsigned burst;		/* CM: challenges answered per neighbour at once, */
	unsigned refill_ms;	/*     then one more every refill_ms */
};

extern const struct mms_auth_limits mms_auth_default_limits;

struct mms_auth_stats {
	uint64_t handled;	/* messages given to the state machine */
	uint64_t ok;		/* handshakes completed at this end */
	uint64_t malformed, unknown, revoked, not_ours, stale, busy;
	uint64_t sig_checks;	/* Ed25519 verifications (the expensive step) */
	uint64_t bad_sig;
};

/* ---- Sessions: the pair-wise keys of one MA <-> CM pair ---- */

#define MMS_HOP_KEY_LEN		16
#define MMS_CTL_HDR		28
#define MMS_MAC_LEN		16
#define MMS_CTL_OVERHEAD	(MMS_CTL_HDR + MMS_MAC_LEN)

struct mms_session {
	uint8_t self[MMS_ID_LEN];
	uint8_t peer[MMS_ID_LEN];
	uint8_t role;			/* our role, enum mms_role */
	uint8_t established;
	uint32_t epoch_first;		/* hop keys exist from this epoch on */
	uint8_t master[MMS_SHA256_LEN];
	uint8_t tx_key[32], rx_key[32];
	uint64_t tx_seq;		/* next number we send */
	struct mms_replay rx;
};

/* This session's hop key for epoch (>= epoch_first, else -ERANGE). The MA
 * seals the CM's hop fields with it; the CM installs
 * mms_key_schedule(key, epoch & 0xff) into mms_keys. */
int mms_session_hop_key(const struct mms_session *s, uint32_t epoch,
			uint8_t key[MMS_HOP_KEY_LEN]);
/*
 * Hop keys with several MAs: every MA must seal a CM's hop fields with the
 * one key the CM installed for the epoch, but each MA's session derives its
 * own. So with several MAs the CM draws a random hop key per epoch and sends
 * it, wrapped, to every MA it has a session with (and after a quorum re-key,
 * only to the MAs it still trusts). Wrapped form: nonce (12) | AES-256-GCM
 * ciphertext (16) | tag (16), under a per-direction key from the master,
 * with both IDs and the epoch as associated data. Carry it in an envelope
 * (mms_session_seal) for replay protection. unwrap: 0, or -EBADMSG.
 */
#define MMS_WRAPPED_KEY_LEN	(MMS_GCM_NONCE + MMS_HOP_KEY_LEN + MMS_GCM_TAG)
int mms_session_wrap_hop_key(const struct mms_session *s, uint32_t epoch,
			     const uint8_t key[MMS_HOP_KEY_LEN], uint8_t out[MMS_WRAPPED_KEY_LEN]);
int mms_session_unwrap_hop_key(const struct mms_session *s, uint32_t epoch,
			       const uint8_t in[MMS_WRAPPED_KEY_LEN], uint8_t key[MMS_HOP_KEY_LEN]);
/* Wrap body into an envelope of type (enum mms_type); returns its length. */
int mms_session_seal(struct mms_session *s, uint8_t type, const void *body, size_t len,
		     uint8_t *out, size_t cap);
/* Check an envelope from the peer; on 0, *body points into in. */
int mms_session_open(struct mms_session *s, const uint8_t *in, size_t len, uint8_t *type,
		     const uint8_t **body, size_t *body_len);
/* The claimed sender of an envelope, to find its session (not yet trusted). */
int mms_ctl_sender(const uint8_t *in, size_t len, uint8_t id[MMS_ID_LEN]);
void mms_session_wipe(struct mms_session *s);

/* MAC helpers: truncated HMAC-SHA256 with a 32-byte key, 16-byte tag. */
int mms_mac(const uint8_t key[32], const struct mms_iov *v, int nv, uint8_t tag[MMS_MAC_LEN]);
/* 0 when the tag is right (constant-time compare), -EBADMSG otherwise. */
int mms_mac_verify(const uint8_t key[32], const struct mms_iov *v, int nv,
		   const uint8_t tag[MMS_MAC_LEN]);

/* ---- MA side of the handshake ---- */

struct mms_auth_ma;

/* self and reg stay owned by the caller and must outlive the object; a
 * registry change (import, revoke) takes effect on the next response. */
struct mms_auth_ma *mms_auth_ma_new(const struct mms_identity *self,
				    const struct mms_registry *reg,
				    const struct mms_auth_limits *lim);
void mms_auth_ma_free(struct mms_auth_ma *ma);
/* A challenge for the neighbour behind via, for target (NULL: whoever
 * answers). Returns its length. */
int mms_auth_ma_challenge(struct mms_auth_ma *ma, uint32_t via, const uint8_t *target,
			  uint64_t now_ms, uint8_t *out, size_t cap);
/* Check a response; on success fill *s (hop keys from epoch_first on) and
 * write the confirm to send back. Returns the confirm's length. On failure
 * *s is wiped. */
int mms_auth_ma_response(struct mms_auth_ma *ma, uint64_t now_ms, const uint8_t *in,
			 size_t len, uint32_t epoch_first, struct mms_session *s,
			 uint8_t *out, size_t cap);
unsigned mms_auth_ma_pending(struct mms_auth_ma *ma, uint64_t now_ms);
const struct mms_auth_stats *mms_auth_ma_stats(const struct mms_auth_ma *ma);

/* ---- CM side ---- */

struct mms_auth_cm;

struct mms_auth_cm *mms_auth_cm_new(const struct mms_identity *self,
				    const struct mms_trust *trust,
				    const struct mms_auth_limits *lim);
/* The same side for an MA that answers another MA's challenge: MAs hold
 * sessions with each other, and the one with the lower ID challenges
 * (docs/security.md, "MA to MA"). trust: the MAs it accepts. */
struct mms_auth_cm *mms_auth_cm_new_ma(const struct mms_identity *self,
				       const struct mms_trust *trust,
				       const struct mms_auth_limits *lim);
void mms_auth_cm_free(struct mms_auth_cm *cm);
/* Answer a challenge that came through via (< MMS_AUTH_VIA_MAX). Returns the
 * response's length. */
int mms_auth_cm_challenge(struct mms_auth_cm *cm, uint32_t via, uint64_t now_ms,
			  const uint8_t *in, size_t len, uint8_t *out, size_t cap);
/* Check the MA's confirm; on success fill *s, on failure wipe it. */
int mms_auth_cm_confirm(struct mms_auth_cm *cm, uint64_t now_ms, const uint8_t *in,
			size_t len, struct mms_session *s);
unsigned mms_auth_cm_pending(struct mms_auth_cm *cm, uint64_t now_ms);
const struct mms_auth_stats *mms_auth_cm_stats(const struct mms_auth_cm *cm);

/* ---- MA signatures on flooded messages ---- */

enum mms_sig_kind {
	MMS_SIG_BEACON = 1,
	MMS_SIG_COMMAND = 2,
	MMS_SIG_KINDS = 2,
};

#define MMS_SIGCACHE_SLOTS	256

struct mms_sigcache {
	struct mms_sigcache_slot {
		uint8_t used, kind;
		uint8_t ma[MMS_ID_LEN];
		uint64_t seq;
		uint8_t digest[MMS_SHA256_LEN];
		uint8_t sig[MMS_SIG_LEN];
	} slot[MMS_SIGCACHE_SLOTS];
	/* verified numbers per (trusted MA, kind) */
	struct mms_sigcache_win {
		uint8_t used, kind;
		uint8_t ma[MMS_ID_LEN];
		struct mms_replay w;
	} win[MMS_TRUST_MAX * MMS_SIG_KINDS];
	struct {
		uint64_t verified, hits, unknown, stale, conflict, bad_sig;
	} st;
};

void mms_sigcache_init(struct mms_sigcache *c);
int mms_ma_sign(const struct mms_identity *ma, uint8_t kind, uint64_t seq, const void *body,
		size_t len, uint8_t sig[MMS_SIG_LEN]);
/*
 * Cheap checks first (kind, trusted MA, replay window, cache), the signature
 * last. Returns 0 for the first authentic copy of (MA, kind, seq), 1 for an
 * authentic copy already seen (beacons: another path; commands: a replay to
 * ignore), or -ENOKEY, -ESTALE, -EBADMSG (differs from the verified copy of
 * the same number), -EKEYREJECTED, -EINVAL.
 */
int mms_ma_verify(struct mms_sigcache *c, const struct mms_trust *t, uint8_t kind,
		  const uint8_t ma[MMS_ID_LEN], uint64_t seq, const void *body, size_t len,
		  const uint8_t sig[MMS_SIG_LEN]);

/* ---- Quorum decrees ---- */

enum mms_decree_action {
	MMS_DECREE_DISTRUST = 1,	/* target: the MA to ignore from now on */
	MMS_DECREE_REKEY = 2,		/* target: a CM, or zero for every CM */
	MMS_DECREE_REVOKE = 3,		/* target: a CM, revoked at every MA for good */
};

struct mms_decree {
	uint8_t action;
	uint8_t target[MMS_ID_LEN];
	uint64_t seq;			/* above every decree applied before (from 1) */
	unsigned nsig;
	struct {
		uint8_t signer[MMS_ID_LEN];
		uint8_t sig[MMS_SIG_LEN];
	} sig[MMS_TRUST_MAX];
};

#define MMS_DECREE_HDR		28
#define MMS_DECREE_SIG		(MMS_ID_LEN + MMS_SIG_LEN)
#define MMS_DECREE_MAX		(MMS_DECREE_HDR + MMS_TRUST_MAX * MMS_DECREE_SIG)

/* "distrust", "rekey", "revoke" (mms-enroll's words), or NULL. */
const char *mms_decree_action_name(uint8_t action);
/* Add ma's signature (-ENOSPC when full, -EEXIST when it signed already;
 * -EINVAL for a REVOKE without a target). */
int mms_decree_sign(const struct mms_identity *ma, struct mms_decree *d);
/* Wire form: ver | action | nsig | rsvd | target (16) | be64 seq, then
 * nsig x (signer id, signature). Returns the length / 0, or -EBADMSG. */
int mms_decree_encode(const struct mms_decree *d, uint8_t *out, size_t cap);
int mms_decree_decode(const uint8_t *in, size_t len, struct mms_decree *d);
/*
 * Count the distinct trusted MAs whose signature verifies (for DISTRUST, not
 * the target's own) into *valid; with at least mms_trust_quorum(t) of them,
 * apply the decree to t (the caller saves it) and return 1 when this node
 * (self) must re-key, else 0. -ESTALE for an old seq, -EPERM without quorum,
 * -EINVAL for a REVOKE naming no one or an MA of t (MAs are distrusted, not
 * revoked). A REVOKE changes nothing in t but its number: the MAs apply it
 * to their registries (secglue_decree.c).
 */
int mms_decree_apply(struct mms_trust *t, const uint8_t self[MMS_ID_LEN],
		     const struct mms_decree *d, unsigned *valid);

#endif /* MMS_AUTH_H */
