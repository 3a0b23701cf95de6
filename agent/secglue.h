/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The security layer inside mms-agent: binds the I/O-free authentication
 * library (auth.h, identity.h) to the protocol core's hooks (struct
 * core_auth, core_ops.hop_key). It decides who may join, signs and checks
 * control messages, runs the challenge/response handshakes (relayed by
 * authenticated neighbours for nodes further out), and holds the hop keys:
 * this node's own, and at an MA every authenticated node's.
 * docs/security.md ("Integration") describes the protocol.
 *
 * Use:
 *   s = secglue_new(dir, ma, seed);            NULL: refused, one log line said why
 *   cfg.id = *secglue_id(s); cfg.role = ...;  cfg.seq0 >= secglue_seq0(s) at an MA
 *   ops.hop_key = (ctx = s) secglue_hop_key;   ops.auth = secglue_auth(s);
 *   core = core_new(&cfg, &ops); secglue_bind(s, core); core_start(core, now);
 *   loop: wake at min(core_next_event(core), secglue_next_event(s));
 *         after core_rx/core_tick/...: secglue_tick(s, now) when it is due
 *   SIGHUP: secglue_reload(s)
 */
#ifndef MMS_SECGLUE_H
#define MMS_SECGLUE_H

#include <stdbool.h>
#include <stdio.h>
#include "core.h"

/* What the layer counts: events (E) and refusals by reason (R). Exported as
 * mms_auth_events_total{event=...} and mms_auth_refused_total{reason=...}. */
#define SECGLUE_STATS(X)						\
	X(CHALLENGE_SENT,  E, "challenges sent (link scope, routed or relayed)") \
	X(RESPONSE_SENT,   E, "challenges answered")				\
	X(SESSION_UP,	   E, "handshakes completed at this end")		\
	X(REKEY,	   E, "sessions replaced by a newer handshake")		\
	X(RELAY_SENT,	   E, "relay requests sent to an authenticated node")	\
	X(RELAY_FWD,	   E, "relay requests forwarded to a neighbour")	\
	X(HOPKEY_SENT,	   E, "wrapped hop keys sent to an MA")			\
	X(HOPKEY_RX,	   E, "wrapped hop keys taken")				\
	X(BEACON_SIGNED,   E, "beacons signed")					\
	X(BEACON_VERIFIED, E, "beacon signatures checked and good")		\
	X(BEACON_CACHED,   E, "beacon copies accepted from the verify-once cache") \
	X(MAC_SIGNED,	   E, "messages MACed")					\
	X(MAC_VERIFIED,	   E, "MACs checked and good")				\
	X(SESSION_DROPPED, E, "sessions dropped: peer revoked or no longer trusted") \
	X(ROLL_STARTED,	   E, "MA: key rolls started")				\
	X(ROLL_SWITCHED,   E, "MA: key rolls done: routes sealed in the new epoch") \
	X(EPOCH_SENT,	   E, "MA: epoch announcements sent")			\
	X(EPOCH_TAKEN,	   E, "CM: newer epochs taken from an MA")		\
	X(EPOCH_RETIRED,   E, "older epochs' hop keys removed from the datapath") \
	X(JOIN_UNKNOWN,	   R, "join refused: component not enrolled, or MA not trusted") \
	X(JOIN_REVOKED,	   R, "join refused: component revoked")		\
	X(HS_MALFORMED,	   R, "handshake message malformed")			\
	X(HS_UNKNOWN,	   R, "handshake from a component not enrolled / MA not trusted") \
	X(HS_REVOKED,	   R, "handshake from a revoked component")		\
	X(HS_NOT_OURS,	   R, "handshake addressed to another component")	\
	X(HS_STALE,	   R, "no matching handshake pending (expired or replayed)") \
	X(HS_BUSY,	   R, "pending-handshake bound or answer rate limit reached") \
	X(HS_BAD_SIG,	   R, "handshake signature or key confirmation failed")	\
	X(HS_UNEXPECTED,   R, "handshake message this role does not take")	\
	X(HS_UNSENT,	   R, "handshake message not sent: no route or link")	\
	X(NOT_ENROLLED,	   R, "node listed in an LSA not challenged: not enrolled or revoked") \
	X(ENV_MALFORMED,   R, "envelope malformed or of an unknown type")	\
	X(NO_SESSION,	   R, "message from or to a peer with no session")	\
	X(BAD_MAC,	   R, "MAC did not verify")				\
	X(REPLAY,	   R, "sequence number replayed or below the window")	\
	X(STALE_KEY,	   R, "MAC under a key id no session holds")		\
	X(RELAY_REFUSED,   R, "relay request refused (port, target or inner message)") \
	X(HOPKEY_BAD,	   R, "wrapped hop key did not open")			\
	X(BEACON_UNTRUSTED, R, "beacon from an MA not in the trust store")	\
	X(BEACON_STALE,	   R, "beacon number below the replay window")		\
	X(BEACON_CONFLICT, R, "another body under an already verified beacon number") \
	X(BEACON_BAD_SIG,  R, "beacon signature did not verify")		\
	X(AUTH_FORMAT,	   R, "authenticator of the wrong algorithm, length or cover") \
	X(SEQ_REFUSED,	   R, "beacon number an earlier run may have signed")	\
	X(EPOCH_OLD,	   R, "epoch announcement older than ours, or not installed") \
	X(DECREE_APPLIED,  E, "quorum decrees applied")				\
	X(DECREE_SENT,	   E, "MA: quorum decrees passed on to a peer")		\
	X(DECREE_MALFORMED, R, "decree malformed")				\
	X(DECREE_OLD,	   R, "decree number not above the last applied (replay)") \
	X(DECREE_NO_QUORUM, R, "decree without a quorum of valid signatures")	\
	X(DECREE_ACCUSED,  R, "decree distrusting or revoking this node itself, not applied")

enum secglue_stat {
#define SECGLUE_STAT_ENUM(n, k, d) SG_S_##n,
	SECGLUE_STATS(SECGLUE_STAT_ENUM)
#undef SECGLUE_STAT_ENUM
	SG_S_MAX
};

struct secglue;

/* Load the identity, trust store (CM: must trust an MA) and registry (MA)
 * from state_dir. ma must match the identity's role. NULL with a log line
 * when they are missing or unsafe. seed: timer jitter only (keys come
 * from the system's random source). */
struct secglue *secglue_new(const char *state_dir, bool ma, __u64 seed);
void secglue_free(struct secglue *s);
/* The node's component ID and name from its identity. */
const struct mms_id *secglue_id(const struct secglue *s);
const char *secglue_name(const struct secglue *s);
/* The lowest sequence number this run may use (beacons, CONTROLs at an MA;
 * LSAs, NOTIFYs at a CM): numbers below it may have been used before a
 * restart, and an MA would refuse a CM's LSA as old. The mark is persisted
 * in state_dir, and moved past every number before a message carrying it is
 * signed. Pass core_cfg.seq0 >= this. */
__u32 secglue_seq0(const struct secglue *s);
/* A restarted agent takes back the hop keys its pinned datapath still
 * holds (mms_keys slots as read from the map, n <= MMS_EPOCH_SLOTS) rather
 * than drawing new ones: the routes the MAs sealed with them, through and
 * to this node, keep working while the agent is down and after. Returns
 * how many were adopted; *epoch: the newest of them, to pass as
 * core_cfg.epoch (unchanged when none). Before core_start. */
int secglue_adopt_keys(struct secglue *s, const struct mms_key *slots, unsigned n, __u8 *epoch);
/* Hooks for core_new(): the auth struct and the hop-key provider. */
const struct core_auth *secglue_auth(struct secglue *s);
int secglue_hop_key(struct secglue *s, const struct mms_id *node, __u8 epoch, __u8 key[MMS_KEY_LEN]);
/* Give the core to the security layer once it exists (it sends through it),
 * before core_start(). */
void secglue_bind(struct secglue *s, struct mms_core *core);
/* Timers (handshakes to start or retry, hop keys to resend); returns the
 * next deadline, which secglue_next_event() also gives (hooks called by
 * the core can move it earlier). */
__u64 secglue_tick(struct secglue *s, __u64 now_ns);
__u64 secglue_next_event(const struct secglue *s);
/* Re-read the registry and trust store (SIGHUP): sessions and hop keys of
 * components now revoked or unknown (MA) or MAs no longer trusted (CM) are
 * dropped, and an MA forgets those nodes. 0 or -errno (old lists kept). */
int secglue_reload(struct secglue *s);
/*
 * MA: roll every node's hop key to the next epoch without losing a packet
 * (secglue_roll.c; docs/security.md "Key roll"): nodes install the new key
 * first, the MA then reseals every route, and older keys leave the
 * datapath when the new routes are in place. A roll asked for while one is
 * under way follows it. 0, or -EOPNOTSUPP at a CM. A reload that drops a
 * revoked node starts one itself.
 */
int secglue_key_roll(struct secglue *s);
/*
 * A quorum decree (mms_decree_encode: distrust an MA, re-key, revoke a CM) from the
 * operator: checked, applied to the trust store (saved) and acted on; an
 * MA passes it to every peer with a session, which does the same
 * (secglue_decree.c). secglue_reload() also takes one from the file
 * `decree` in the state directory. 0, or -errno (counted).
 */
int secglue_decree(struct secglue *s, const __u8 *d, size_t len);
/* The epoch this node seals in (MA) or holds its newest key for (CM). */
__u8 secglue_epoch(const struct secglue *s);
void secglue_metrics(struct secglue *s, FILE *f);

/* ---- introspection (tests, mmsctl) ---- */
__u64 secglue_stat(const struct secglue *s, enum secglue_stat st);
const char *secglue_stat_name(enum secglue_stat st);
const char *secglue_stat_help(enum secglue_stat st);
/* 1 when an established session with peer exists. */
int secglue_has_session(const struct secglue *s, const struct mms_id *peer);
unsigned secglue_sessions(const struct secglue *s);
/* MA: nodes whose hop key (any epoch) it holds. */
unsigned secglue_hop_keys(const struct secglue *s);

#endif
