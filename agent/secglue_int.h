/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Inside the security layer: state shared by secglue.c (setup, keys, the
 * core's sign/verify/join hooks, metrics) and secglue_hs.c (handshakes,
 * relays, hop key delivery).
 */
#ifndef MMS_SECGLUE_INT_H
#define MMS_SECGLUE_INT_H

#include <limits.h>
#include "auth.h"
#include "secglue.h"

/* Authenticator trailers (struct mms_auth_tlr.alg). */
#define SG_ALG_ED25519	1	/* MA signature on a beacon: 64 bytes */
#define SG_ALG_MAC	2	/* session MAC: kid (2) | seq (6) | tag (16) */
#define SG_MAC_DATA	(8 + MMS_MAC_LEN)
#define SG_SEQ_MAX	((1ull << 48) - 1)

/* MMS_T_AUTH bodies: a handshake message (byte 1 = its kind, 1..3), or an
 * envelope (mms_session_seal) whose type byte, at the same place, is one of
 * these. Both start with version 1 and two zero bytes. */
#define SG_ENV_RELAY	0x10	/* MA -> N: target id, N's port to it, inner handshake */
#define SG_ENV_HOPKEY	0x11	/* CM -> MA: be32 epoch, wrapped hop key */
#define SG_ENV_EPOCH	0x12	/* MA -> CM: epoch, 3 zero bytes: install that epoch's key */
#define SG_ENV_DECREE	0x13	/* MA -> peer: a quorum decree (mms_decree_encode) */
#define SG_RELAY_HDR	(MMS_ID_LEN + 2)
#define SG_HOPKEY_LEN	(4 + MMS_WRAPPED_KEY_LEN)
#define SG_EPOCH_LEN	4

#define NS_MS		1000000ull
#define SG_IDLE_MS	1000	/* MA: re-key a peer silent this long (it acks every
				 * ack_ms, 300: three acks lost) */
#define SG_RETRY_MS	1000	/* first retry of an unanswered challenge, doubling */
#define SG_RETRY_MAX_MS	16000
#define SG_UNSENT_MS	20	/* first retry of a challenge that could not be sent */
#define SG_REFUSED_MS	10000	/* retry of a peer the registry refused */
#define SG_KEY_RETRY_MS	300	/* CM: resend a hop key the MA has not used yet */
#define SG_RESP_HOLD_MS	2000	/* CM: keep trying to send a response this long */
#define SG_SEQ_BLOCK	(1ull << 20)	/* MA: numbers reserved at a time */
#define SG_CM_SEQ_BLOCK	(1ull << 12)	/* CM: LSAs and NOTIFYs are rarer; a small
					 * block leaves room for many restarts */
/* key rolls (secglue_roll.c) */
#define SG_EPOCH_RETRY_MS 200	/* MA: resend an epoch announcement no key answered, doubling */
#define SG_ROLL_WAIT_MS	3000	/* MA: switch after this even if some keys are missing */
#define SG_RETIRE_MS	1000	/* CM: old keys go this long after our routes are renewed */
#define SG_MA_RETIRE_MS	2000	/* MA: its old keys go this long after the switch */
#define SG_DECREE_ROLL_MS 300	/* MA: a decree's key roll starts this long after the
				 * decree went out, so that peers apply it first */

enum sg_how { HOW_NONE, HOW_LINK, HOW_RELAY, HOW_ROUTED };

struct sg_key {
	__u8 valid, epoch;
	__u8 key[MMS_KEY_LEN];
};

/* A session and the id its MACs carry. */
struct sg_sess {
	struct mms_session s;
	__u16 kid;
};

/* The other end of a pair: a CM at an MA, an MA at a CM. */
struct sg_peer {
	struct mms_id id;
	__u32 idx;			/* for the library's per-via bounds */
	bool is_ma;			/* at an MA: another MA (MA to MA session; the
					 * lower ID challenges, both send hop keys) */
	struct sg_sess cur, prev;	/* prev: until the peer uses cur */
	__u64 up_at, heard;		/* cur made; last message verified under it */
	/* MA side */
	struct sg_key hk[MMS_EPOCH_SLOTS];	/* the node's hop keys */
	__u16 port;			/* a neighbour of ours on this port, 0: not */
	bool have_via;			/* else listed by an authenticated node: */
	struct mms_id via;		/*   that node */
	__u16 via_port;			/*   and its port to it */
	bool have_chal;			/* challenge in flight (resent as is) */
	__u8 how;			/* enum sg_how it went */
	struct mms_id relay;		/* HOW_RELAY: through this node */
	__u16 relay_port;		/*   and its port */
	__u8 chal[MMS_AUTH_CHALLENGE_LEN];
	__u32 chal_via;
	__u64 chal_at, next_try;
	__u32 backoff_ms;
	bool no_route;			/* last try had no route: again after the next SPF */
	__u32 load;			/* challenges relayed through it (per tick) */
	/* CM side: a response waiting for a route to the MA (a relayed
	 * challenge can arrive before our first beacon of that MA) */
	bool have_resp;
	__u8 resp[MMS_AUTH_RESPONSE_LEN];
	__u64 resp_next, resp_until;
	/* CM side: our hop key at this MA */
	__u8 key_epoch;
	bool key_sent, key_acked, key_unsent;
	__u64 key_next;
	__u32 key_backoff_ms;
	/* key roll. MA side: when to tell the node the epoch again; CM side:
	 * the epoch of the routes in this MA's last CONTROL */
	__u64 epoch_next;
	__u32 epoch_backoff_ms;
	bool have_ctl_epoch;
	__u8 ctl_epoch;
	__u64 decree_sent;		/* MA: the number of the last decree sent to it */
};

struct secglue {
	char dir[PATH_MAX];
	bool ma;
	struct mms_id id;
	struct mms_identity self;
	struct mms_trust trust;
	struct mms_registry reg;	/* MA */
	struct mms_auth_ma *ama;	/* MA */
	struct mms_auth_cm *acm;	/* CM; at an MA: answers lower MAs */
	struct mms_auth_ma *ama_peer;	/* MA: challenges higher MAs, */
	struct mms_registry mareg;	/*   the trusted MAs above our ID */
	struct mms_pubid mapub[MMS_TRUST_MAX];	/* (mareg.c points here) */
	struct mms_sigcache *sigc;
	struct mms_auth_limits lim;
	struct core_auth auth;
	struct mms_core *core;
	__u64 rng;
	struct sg_key own[MMS_EPOCH_SLOTS];
	/* peers: array of pointers, open-addressing index (idx + 1, 0 empty) */
	struct sg_peer **peer;
	__u32 npeer, cap;
	__u32 *hash, hmask;
	/* sequence numbers [seq_lo, seq_mark) are ours to use, seq_block
	 * more are reserved when half of them are left */
	uint64_t seq_lo, seq_mark, seq_block;
	__u64 next_due;
	/* key roll (secglue_roll.c) */
	__u8 roll, roll_epoch;		/* MA: the roll under way and its epoch */
	bool roll_queued;		/* MA: another one asked meanwhile */
	__u64 roll_deadline;		/* MA: switch at the latest */
	__u64 retire_at;		/* our older epochs' keys go then (0: not due) */
	/* the last quorum decree applied (secglue_decree.c), passed on */
	__u8 decree[MMS_DECREE_MAX];
	__u16 decree_len;
	__u64 decree_roll_at;		/* MA: the key roll a decree asks for (0: none due) */
	__u64 stats[SG_S_MAX];
	__u64 last_log[SG_S_MAX];
};

/* secglue.c */
__u64 sg_now(const struct secglue *s);
void sg_due(struct secglue *s, __u64 t);
void sg_count(struct secglue *s, enum secglue_stat st);
/* Count a refusal; a log line at most once a second per reason. Returns rc. */
int sg_refuse(struct secglue *s, enum secglue_stat st, int rc, const struct mms_id *who,
	      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Map a library errno to a handshake refusal and count it. Returns rc. */
int sg_refuse_hs(struct secglue *s, int rc, const struct mms_id *who, const char *what);
struct sg_peer *sg_peer_find(const struct secglue *s, const struct mms_id *id);
struct sg_peer *sg_peer_get(struct secglue *s, const struct mms_id *id);
/* Make a new session the current one (the old one stays as prev). */
void sg_session_install(struct secglue *s, struct sg_peer *p, struct mms_session *ns);
void sg_peer_drop_keys(struct sg_peer *p);
bool sg_enrolled(const struct secglue *s, const struct mms_id *id);
/* At an MA: id is another MA it trusts (MA to MA sessions). */
bool sg_ma_peer(const struct secglue *s, const struct mms_id *id);
/* MA to MA: we challenge the other (our ID is the lower). */
bool sg_we_challenge(const struct secglue *s, const struct mms_id *id);
/* MA: the registry of trusted MAs above our ID, after the trust store changed. */
void sg_mareg_build(struct secglue *s);

/* MA: draw and install our key for a coming epoch (key roll). */
int sg_own_key_prepare(struct secglue *s, __u8 epoch);

/* secglue_hs.c */
int sg_open_env(struct secglue *s, const __u8 *in, size_t len, struct sg_peer **pp,
		struct sg_sess **ssp, __u8 *type, const __u8 **body, size_t *blen);
/* sg_open_env for one envelope type whose body is min to max bytes long;
 * any other is counted (ENV_MALFORMED). */
int sg_open_typed(struct secglue *s, const __u8 *in, size_t len, __u8 want, size_t min,
		  size_t max, struct sg_peer **pp, struct sg_sess **ssp, const __u8 **body,
		  size_t *blen);
void sg_rx(void *ctx, __u16 port, bool routed, const __u8 *body, size_t len);
void sg_nbr(void *ctx, __u16 port, const struct mms_id *id, __u8 role, bool up);
void sg_lsa(void *ctx, const struct msg_lsa *m);
void sg_routes(void *ctx, const struct mms_id *to);
void sg_control_seen(struct secglue *s, struct sg_peer *p, const __u8 *body, size_t len);
__u64 sg_hs_tick(struct secglue *s, __u64 now);

/* secglue_roll.c */
bool sg_has_key(const struct sg_peer *p, __u8 epoch);
void sg_epoch_rx(struct secglue *s, const __u8 *in, size_t len);
void sg_roll_session_up(struct secglue *s, struct sg_peer *p, __u64 now);
void sg_roll_control(struct secglue *s, struct sg_peer *p, __u8 epoch);
__u64 sg_roll_tick(struct secglue *s, __u64 now);
/* The epoch of the hop key we send: the current one, or at an MA the one a
 * roll prepares (the other MAs must hold it before anyone switches). */
__u8 sg_key_epoch(const struct secglue *s);

/* secglue_decree.c */
void sg_decree_rx(struct secglue *s, const __u8 *in, size_t len);
__u64 sg_decree_tick(struct secglue *s, __u64 now);
int sg_decree_file(struct secglue *s);

#endif
