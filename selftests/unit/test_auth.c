// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Handshake, sessions, replay window, MA signatures and decrees, all in
 * memory (identities are made without touching the disk):
 *  - a full MA <-> CM handshake gives both ends the same hop keys per epoch
 *    and crossed control keys, and the hop key works with the codec;
 *  - unenrolled, revoked and (at runtime) newly revoked CMs are refused
 *    before any signature is checked; a CM refuses untrusted MAs and an
 *    impostor using a trusted MA's ID;
 *  - every single-byte change to a challenge, response or confirm stops
 *    the handshake; replayed responses and confirms are refused;
 *  - a compromised neighbour relaying for a node further out cannot answer
 *    for it;
 *  - bounds: tries per handshake, pending per neighbour and in total,
 *    expiry, the CM's per-neighbour rate limit;
 *  - control envelopes: round trip both ways, replay, reordering, window,
 *    tampering, wrong session, reflection;
 *  - replay window: a table of cases and a comparison with a plain model;
 *  - beacon signatures: verify once, copies from the cache, conflicts,
 *    forged signatures not cached, stale numbers, kinds kept apart;
 *  - quorum decrees.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "tap.h"
#include "auth.h"
#include "codec.h"

static uint8_t buf1[512], buf2[512], buf3[512];

static void make_id(struct mms_identity *id, int role, const char *name)
{
	memset(id, 0, sizeof(*id));
	id->pub.role = (uint8_t)role;
	snprintf(id->pub.name, sizeof(id->pub.name), "%s", name);
	mms_random(id->pub.id, MMS_ID_LEN);
	mms_ed25519_keygen(id->sign_priv, id->pub.sign_pub);
	mms_x25519_keygen(id->kex_priv, id->pub.kex_pub);
}

static struct mms_identity ma, cm, cm_unenrolled, cm_revoked, relay, rogue, ma_b, ma_c;
static struct mms_registry reg;
static struct mms_trust trust;	/* what the CMs trust: ma */
static struct mms_auth_limits lim;

/* One handshake; returns the first failing step's code, 0 when done. */
static int handshake(struct mms_auth_ma *a, struct mms_auth_cm *c, const uint8_t *target,
		     uint64_t now, uint32_t epoch, struct mms_session *sa,
		     struct mms_session *sc)
{
	int n1, n2, n3;

	n1 = mms_auth_ma_challenge(a, 1, target, now, buf1, sizeof(buf1));
	if (n1 < 0)
		return n1;
	n2 = mms_auth_cm_challenge(c, 1, now, buf1, (size_t)n1, buf2, sizeof(buf2));
	if (n2 < 0)
		return n2;
	n3 = mms_auth_ma_response(a, now, buf2, (size_t)n2, epoch, sa, buf3, sizeof(buf3));
	if (n3 < 0)
		return n3;
	return mms_auth_cm_confirm(c, now, buf3, (size_t)n3, sc);
}

static void test_handshake(void)
{
	struct mms_auth_ma *a = mms_auth_ma_new(&ma, &reg, &lim);
	struct mms_auth_cm *c = mms_auth_cm_new(&cm, &trust, &lim);
	struct mms_session sa, sc, sa2, sc2;
	uint8_t k1[16], k2[16], k3[16], k4[16];
	int n;

	ok(a && c, "MA and CM state machines made");
	ok(!mms_auth_ma_new(&cm, &reg, &lim) && !mms_auth_cm_new(&ma, &trust, &lim),
	   "roles are checked when making them");
	n = mms_auth_ma_challenge(a, 1, cm.pub.id, 1000, buf1, sizeof(buf1));
	ok(n == MMS_AUTH_CHALLENGE_LEN && mms_auth_kind(buf1, (size_t)n) == MMS_AUTH_CHALLENGE,
	   "challenge: %d bytes", n);
	ok(mms_auth_ma_pending(a, 1000) == 1, "one handshake pending at the MA");
	n = mms_auth_cm_challenge(c, 1, 1000, buf1, MMS_AUTH_CHALLENGE_LEN, buf2, sizeof(buf2));
	ok(n == MMS_AUTH_RESPONSE_LEN && mms_auth_kind(buf2, (size_t)n) == MMS_AUTH_RESPONSE,
	   "response: %d bytes", n);
	n = mms_auth_ma_response(a, 1001, buf2, MMS_AUTH_RESPONSE_LEN, 5, &sa, buf3, sizeof(buf3));
	ok(n == MMS_AUTH_CONFIRM_LEN && mms_auth_kind(buf3, (size_t)n) == MMS_AUTH_CONFIRM,
	   "MA accepts the response; confirm: %d bytes", n);
	ok(mms_auth_cm_confirm(c, 1002, buf3, MMS_AUTH_CONFIRM_LEN, &sc) == 0,
	   "CM accepts the confirm");
	ok(mms_auth_ma_pending(a, 1002) == 0 && mms_auth_cm_pending(c, 1002) == 0,
	   "nothing left pending at either end");
	ok(mms_auth_ma_stats(a)->ok == 1 && mms_auth_cm_stats(c)->ok == 1 &&
	   mms_auth_ma_stats(a)->sig_checks == 1 && mms_auth_cm_stats(c)->sig_checks == 1,
	   "one signature checked at each end");

	ok(!memcmp(sa.peer, cm.pub.id, MMS_ID_LEN) && !memcmp(sc.peer, ma.pub.id, MMS_ID_LEN) &&
	   sa.role == MMS_ROLE_MA && sc.role == MMS_ROLE_CM, "sessions name their peers");
	ok(sa.epoch_first == 5 && sc.epoch_first == 5, "CM learned the first epoch (5)");
	ok(!memcmp(sa.master, sc.master, sizeof(sa.master)), "same master secret");
	ok(!memcmp(sa.tx_key, sc.rx_key, 32) && !memcmp(sa.rx_key, sc.tx_key, 32) &&
	   memcmp(sa.tx_key, sa.rx_key, 32), "control keys cross over and differ by direction");
	ok(mms_session_hop_key(&sa, 5, k1) == 0 && mms_session_hop_key(&sc, 5, k2) == 0 &&
	   !memcmp(k1, k2, 16), "same hop key for epoch 5 at both ends");
	ok(mms_session_hop_key(&sa, 6, k3) == 0 && mms_session_hop_key(&sc, 6, k4) == 0 &&
	   !memcmp(k3, k4, 16) && memcmp(k1, k3, 16), "epoch 6: same at both ends, not epoch 5's");
	ok(mms_session_hop_key(&sc, 4, k3) == -ERANGE, "no hop key before the first epoch");

	/* The hop key with the codec: the MA seals a one-hop route for the CM,
	 * the CM opens its field with the schedule it would install. */
	{
		struct mms_hop_spec spec = { .key = k1, .ingress = 3, .egress = 0 };
		const uint8_t tag[4] = { 1, 2, 3, 4 };
		struct mms_route rt;
		struct mms_key key;
		struct mms_hop_plain p;

		ok(mms_route_build(&rt, 7, &spec, 1, 5, 123456, tag) == 0, "route sealed with the hop key");
		mms_key_schedule(k2, &key, 5);
		mms_hop_open(key.rk, &rt.hops[0], &p);
		ok(ntohs(p.ingress) == 3 && (p.ctl & MMS_HOP_LAST) && ntohl(p.expiry) == 123456 &&
		   !memcmp(p.tag, tag, 4), "CM opens its hop field with its own derivation");
	}

	ok(handshake(a, c, NULL, 2000, 5, &sa2, &sc2) == 0, "second handshake (open target)");
	ok(memcmp(sa.master, sa2.master, 32) && !memcmp(sa2.master, sc2.master, 32),
	   "a new handshake gives new keys (fresh ephemerals)");
	mms_session_wipe(&sa2);
	ok(mms_is_zero(&sa2, sizeof(sa2)), "session wipe clears it");

	/* Replays of the finished handshake's messages. */
	n = mms_auth_ma_response(a, 2001, buf2, MMS_AUTH_RESPONSE_LEN, 5, &sa2, buf1, sizeof(buf1));
	ok(n == -ESTALE, "replayed response refused (%d)", n);
	ok(mms_auth_cm_confirm(c, 2001, buf3, MMS_AUTH_CONFIRM_LEN, &sc2) == -ESTALE,
	   "replayed confirm refused");

	mms_session_wipe(&sa);
	mms_session_wipe(&sc);
	mms_session_wipe(&sc2);
	mms_auth_ma_free(a);
	mms_auth_cm_free(c);
}

static void test_refusals(void)
{
	struct mms_auth_ma *a = mms_auth_ma_new(&ma, &reg, &lim);
	struct mms_auth_cm *cu = mms_auth_cm_new(&cm_unenrolled, &trust, &lim);
	struct mms_auth_cm *cr = mms_auth_cm_new(&cm_revoked, &trust, &lim);
	struct mms_auth_cm *c = mms_auth_cm_new(&cm, &trust, &lim);
	struct mms_trust rogue_trust = { 0 };
	struct mms_auth_cm *c_rogue = mms_auth_cm_new(&cm, &rogue_trust, &lim);
	struct mms_session sa, sc;
	struct mms_registry reg2 = { 0 };
	struct mms_identity impostor;
	struct mms_auth_ma *imp;
	uint64_t checks;
	int rc;

	checks = mms_auth_ma_stats(a)->sig_checks;
	rc = handshake(a, cu, NULL, 100, 1, &sa, &sc);
	ok(rc == -ENOKEY, "unenrolled CM refused (%d)", rc);
	rc = handshake(a, cr, NULL, 100, 1, &sa, &sc);
	ok(rc == -EKEYREVOKED, "revoked CM refused (%d)", rc);
	ok(mms_auth_ma_stats(a)->sig_checks == checks,
	   "neither cost the MA a signature check");
	ok(mms_auth_ma_stats(a)->unknown == 1 && mms_auth_ma_stats(a)->revoked == 1,
	   "both counted by reason");

	/* Revoked while its response is in flight. */
	ok(mms_registry_add(&reg2, &cm.pub, NULL) == 0, "second registry with the CM");
	{
		struct mms_auth_ma *a2 = mms_auth_ma_new(&ma, &reg2, &lim);
		int n1 = mms_auth_ma_challenge(a2, 1, NULL, 0, buf1, sizeof(buf1));
		int n2 = mms_auth_cm_challenge(c, 1, 0, buf1, (size_t)n1, buf2, sizeof(buf2));

		mms_registry_revoke(&reg2, cm.pub.id, NULL);
		rc = mms_auth_ma_response(a2, 0, buf2, (size_t)n2, 1, &sa, buf3, sizeof(buf3));
		ok(rc == -EKEYREVOKED, "CM revoked between challenge and response refused (%d)", rc);
		mms_auth_ma_free(a2);
	}
	mms_registry_free(&reg2);

	/* A CM that trusts nobody answers nobody. */
	rc = mms_auth_ma_challenge(a, 1, NULL, 100, buf1, sizeof(buf1));
	ok(mms_auth_cm_challenge(c_rogue, 1, 100, buf1, (size_t)rc, buf2, sizeof(buf2)) == -ENOKEY,
	   "challenge from an untrusted MA refused");

	/* An impostor that uses the trusted MA's ID with its own keys gets an
	 * answer (challenges are not signed) but cannot finish the handshake. */
	impostor = rogue;
	memcpy(impostor.pub.id, ma.pub.id, MMS_ID_LEN);
	impostor.pub.role = MMS_ROLE_MA;
	imp = mms_auth_ma_new(&impostor, &reg, &lim);
	memset(&sc, 0xaa, sizeof(sc));
	rc = handshake(imp, c, NULL, 100, 1, &sa, &sc);
	ok(rc == -EKEYREJECTED, "MA impostor's confirm refused by the CM (%d)", rc);
	ok(mms_is_zero(&sc, sizeof(sc)), "the session argument is wiped on failure");
	mms_auth_ma_free(imp);

	/* A challenge addressed to someone else. */
	rc = mms_auth_ma_challenge(a, 1, cm_unenrolled.pub.id, 100, buf1, sizeof(buf1));
	ok(mms_auth_cm_challenge(c, 1, 100, buf1, (size_t)rc, buf2, sizeof(buf2)) == -EPERM,
	   "challenge for another CM refused");

	/* Wrong lengths and versions are refused before anything else. */
	rc = mms_auth_ma_challenge(a, 1, NULL, 100, buf1, sizeof(buf1));
	ok(mms_auth_cm_challenge(c, 1, 100, buf1, (size_t)rc - 1, buf2, sizeof(buf2)) == -EBADMSG,
	   "short challenge refused");
	buf1[0] = 2;
	ok(mms_auth_cm_challenge(c, 1, 100, buf1, (size_t)rc, buf2, sizeof(buf2)) == -EBADMSG,
	   "version 2 refused");
	ok(mms_auth_kind(buf1, 0) == -EBADMSG && mms_auth_kind(NULL, 0) == -EBADMSG,
	   "empty message refused");

	mms_auth_ma_free(a);
	mms_auth_cm_free(cu);
	mms_auth_cm_free(cr);
	mms_auth_cm_free(c);
	mms_auth_cm_free(c_rogue);
}

/* The response with one field replaced and signed again by the CM, as a CM
 * with a bug or a modified agent could send it. */
static const char resp_label[] = "MMS-AUTH-v1 response";

static void resign_response(const uint8_t *chal, uint8_t *resp)
{
	struct mms_iov v[3] = {
		{ resp_label, strlen(resp_label) }, { chal, MMS_AUTH_CHALLENGE_LEN }, { resp, 100 },
	};

	mms_sign(cm.sign_priv, v, 3, resp + 100);
}

static void test_tampering(void)
{
	struct mms_auth_ma *a = mms_auth_ma_new(&ma, &reg, &lim);
	struct mms_auth_cm *c = mms_auth_cm_new(&cm, &trust, &lim);
	struct mms_session sa, sc;
	uint8_t chal[MMS_AUTH_CHALLENGE_LEN], resp[MMS_AUTH_RESPONSE_LEN];
	uint8_t conf[MMS_AUTH_CONFIRM_LEN], x[MMS_AUTH_MSG_MAX];
	int all_chal = 1, all_resp = 1, all_conf = 1, good_after = 1;
	uint64_t now = 10000;

	/* Challenge: whatever byte changes, no session comes out. */
	for (int i = 0; i < MMS_AUTH_CHALLENGE_LEN; i++, now += 10) {
		int n, rc;

		mms_auth_ma_challenge(a, 1, cm.pub.id, now, chal, sizeof(chal));
		memcpy(x, chal, sizeof(chal));
		x[i] ^= 0x20;
		n = mms_auth_cm_challenge(c, 1, now, x, sizeof(chal), resp, sizeof(resp));
		if (n < 0)
			continue;
		rc = mms_auth_ma_response(a, now, resp, (size_t)n, 1, &sa, conf, sizeof(conf));
		if (rc >= 0) {
			all_chal = 0;
			diag("challenge byte %d changed, handshake went on", i);
		}
	}
	ok(all_chal, "any changed challenge byte stops the handshake");

	/* Response: each change refused, and the true response still works. */
	for (int i = 0; i < MMS_AUTH_RESPONSE_LEN; i++, now += 10) {
		int n, rc;

		mms_auth_ma_challenge(a, 1, cm.pub.id, now, chal, sizeof(chal));
		n = mms_auth_cm_challenge(c, 1, now, chal, sizeof(chal), resp, sizeof(resp));
		memcpy(x, resp, sizeof(resp));
		x[i] ^= 0x01;
		rc = mms_auth_ma_response(a, now, x, (size_t)n, 1, &sa, conf, sizeof(conf));
		if (rc >= 0) {
			all_resp = 0;
			diag("response byte %d changed, accepted", i);
		}
		rc = mms_auth_ma_response(a, now, resp, (size_t)n, 1, &sa, conf, sizeof(conf));
		if (rc != MMS_AUTH_CONFIRM_LEN) {
			good_after = 0;
			diag("true response after change of byte %d: %d", i, rc);
		}
		mms_auth_cm_confirm(c, now, conf, sizeof(conf), &sc);
	}
	ok(all_resp, "any changed response byte refused");
	ok(good_after, "a refused forgery does not spoil the true response");

	/* Confirm: the same. */
	good_after = 1;
	for (int i = 0; i < MMS_AUTH_CONFIRM_LEN; i++, now += 10) {
		int n, rc;

		mms_auth_ma_challenge(a, 1, NULL, now, chal, sizeof(chal));
		n = mms_auth_cm_challenge(c, 1, now, chal, sizeof(chal), resp, sizeof(resp));
		n = mms_auth_ma_response(a, now, resp, (size_t)n, 1, &sa, conf, sizeof(conf));
		memcpy(x, conf, sizeof(conf));
		x[i] ^= 0x80;
		rc = mms_auth_cm_confirm(c, now, x, (size_t)n, &sc);
		if (rc >= 0) {
			all_conf = 0;
			diag("confirm byte %d changed, accepted", i);
		}
		if (mms_auth_cm_confirm(c, now, conf, (size_t)n, &sc) != 0) {
			good_after = 0;
			diag("true confirm after change of byte %d refused", i);
		}
	}
	ok(all_conf, "any changed confirm byte refused");
	ok(good_after, "a refused forged confirm does not spoil the true one");

	/* A CM that signs a degenerate (low-order) ephemeral key. */
	{
		int n, rc;

		mms_auth_ma_challenge(a, 1, NULL, now, chal, sizeof(chal));
		n = mms_auth_cm_challenge(c, 1, now, chal, sizeof(chal), resp, sizeof(resp));
		memset(resp + 68, 0, 32);
		resign_response(chal, resp);
		rc = mms_auth_ma_response(a, now, resp, (size_t)n, 1, &sa, conf, sizeof(conf));
		ok(rc == -EKEYREJECTED, "signed all-zero ephemeral key refused (%d)", rc);
	}
	mms_auth_ma_free(a);
	mms_auth_cm_free(c);
}

static void test_relay(void)
{
	struct mms_auth_ma *a = mms_auth_ma_new(&ma, &reg, &lim);
	struct mms_auth_cm *far = mms_auth_cm_new(&cm, &trust, &lim);
	struct mms_auth_cm *mid = mms_auth_cm_new(&relay, &trust, &lim);
	struct mms_session sa, sc;
	uint8_t chal[MMS_AUTH_CHALLENGE_LEN], resp[MMS_AUTH_RESPONSE_LEN], conf[MMS_AUTH_CONFIRM_LEN];
	int n, rc;

	/* The MA asks for `cm` through `relay` (an enrolled, authenticated
	 * neighbour that may be compromised: it holds valid keys of its own). */
	n = mms_auth_ma_challenge(a, 9, cm.pub.id, 0, chal, sizeof(chal));
	ok(mms_auth_cm_challenge(mid, 2, 0, chal, (size_t)n, resp, sizeof(resp)) == -EPERM,
	   "relay's own state machine does not answer a challenge for another node");
	/* A modified relay answers anyway, with its own ID and key. */
	{
		struct mms_auth_limits l = lim;
		struct mms_trust t = trust;
		struct mms_auth_cm *evil;
		uint8_t open_chal[MMS_AUTH_CHALLENGE_LEN];

		memcpy(open_chal, chal, sizeof(open_chal));
		memset(open_chal + 20, 0, MMS_ID_LEN);	/* as if addressed to anyone */
		evil = mms_auth_cm_new(&relay, &t, &l);
		n = mms_auth_cm_challenge(evil, 2, 0, open_chal, sizeof(open_chal), resp, sizeof(resp));
		rc = mms_auth_ma_response(a, 0, resp, (size_t)n, 1, &sa, conf, sizeof(conf));
		ok(rc == -EPERM || rc == -EKEYREJECTED,
		   "relay answering with its own identity is not taken for the target (%d)", rc);
		/* ... or claiming the target's ID, signed with its own key. */
		memcpy(resp + 20, cm.pub.id, MMS_ID_LEN);
		rc = mms_auth_ma_response(a, 0, resp, (size_t)n, 1, &sa, conf, sizeof(conf));
		ok(rc == -EKEYREJECTED, "relay claiming the target's ID refused (%d)", rc);
		mms_auth_cm_free(evil);
	}
	/* The real node's answer, relayed unchanged, goes through. */
	n = mms_auth_cm_challenge(far, 3, 0, chal, sizeof(chal), resp, sizeof(resp));
	n = mms_auth_ma_response(a, 0, resp, (size_t)n, 1, &sa, conf, sizeof(conf));
	ok(n == MMS_AUTH_CONFIRM_LEN && mms_auth_cm_confirm(far, 0, conf, (size_t)n, &sc) == 0 &&
	   !memcmp(sa.peer, cm.pub.id, MMS_ID_LEN),
	   "the far node authenticates through the relay");
	mms_auth_ma_free(a);
	mms_auth_cm_free(far);
	mms_auth_cm_free(mid);
}

static void test_bounds(void)
{
	struct mms_auth_limits l = {
		.max_pending = 8, .max_per_via = 3, .ttl_ms = 500, .max_tries = 3,
		.burst = 2, .refill_ms = 1000,
	};
	struct mms_auth_ma *a = mms_auth_ma_new(&ma, &reg, &l);
	struct mms_auth_cm *c = mms_auth_cm_new(&cm, &trust, &lim);
	struct mms_auth_cm *cl = mms_auth_cm_new(&cm, &trust, &l);
	struct mms_session sa;
	uint8_t chal[8][MMS_AUTH_CHALLENGE_LEN], resp[MMS_AUTH_RESPONSE_LEN], x[MMS_AUTH_RESPONSE_LEN];
	uint8_t conf[MMS_AUTH_CONFIRM_LEN];
	int n, rc, busy;

	/* Tries: three bad signatures and the handshake is gone. */
	mms_auth_ma_challenge(a, 1, NULL, 0, chal[0], sizeof(chal[0]));
	n = mms_auth_cm_challenge(c, 1, 0, chal[0], sizeof(chal[0]), resp, sizeof(resp));
	memcpy(x, resp, sizeof(x));
	x[120] ^= 1;	/* in the signature */
	for (int i = 0; i < 3; i++)
		rc = mms_auth_ma_response(a, 0, x, (size_t)n, 1, &sa, conf, sizeof(conf));
	ok(rc == -EKEYREJECTED && mms_auth_ma_pending(a, 0) == 0,
	   "after 3 bad signatures the handshake is dropped");
	ok(mms_auth_ma_response(a, 0, resp, (size_t)n, 1, &sa, conf, sizeof(conf)) == -ESTALE,
	   "and the true response comes too late");

	/* Per neighbour: the 4th challenge through via 7 replaces the oldest. */
	mms_auth_ma_challenge(a, 8, NULL, 1, chal[7], sizeof(chal[7]));
	for (int i = 0; i < 4; i++)
		mms_auth_ma_challenge(a, 7, NULL, 10 + (uint64_t)i, chal[i], sizeof(chal[i]));
	ok(mms_auth_ma_pending(a, 20) == 4, "via 7 holds 3, via 8 holds 1");
	n = mms_auth_cm_challenge(c, 1, 20, chal[0], sizeof(chal[0]), resp, sizeof(resp));
	ok(mms_auth_ma_response(a, 20, resp, (size_t)n, 1, &sa, conf, sizeof(conf)) == -ESTALE,
	   "via 7's oldest was replaced");
	n = mms_auth_cm_challenge(c, 1, 20, chal[3], sizeof(chal[3]), resp, sizeof(resp));
	ok(mms_auth_ma_response(a, 20, resp, (size_t)n, 1, &sa, conf, sizeof(conf)) > 0,
	   "via 7's newest still works");
	n = mms_auth_cm_challenge(c, 1, 20, chal[7], sizeof(chal[7]), resp, sizeof(resp));
	ok(mms_auth_ma_response(a, 20, resp, (size_t)n, 1, &sa, conf, sizeof(conf)) > 0,
	   "via 8 was not disturbed by via 7");

	ok(mms_auth_ma_pending(a, 509) == 2 && mms_auth_ma_pending(a, 513) == 0,
	   "the two left expire 500 ms after they were made");

	/* In total: 8 slots. */
	busy = 0;
	for (uint32_t v = 100; v < 110; v++)
		busy += mms_auth_ma_challenge(a, v, NULL, 600, chal[0], sizeof(chal[0])) == -EBUSY;
	ok(mms_auth_ma_pending(a, 600) == 8 && busy == 2, "at most 8 pending; 2 of 10 refused");
	ok(mms_auth_ma_challenge(a, 200, NULL, 1100, chal[0], sizeof(chal[0])) > 0 &&
	   mms_auth_ma_pending(a, 1100) == 1, "after the ttl the old ones are gone");

	/* Expiry of a single handshake. */
	n = mms_auth_ma_challenge(a, 1, NULL, 2000, chal[0], sizeof(chal[0]));
	n = mms_auth_cm_challenge(c, 1, 2000, chal[0], (size_t)n, resp, sizeof(resp));
	ok(mms_auth_ma_response(a, 2500, resp, (size_t)n, 1, &sa, conf, sizeof(conf)) == -ESTALE,
	   "response after the ttl refused");
	ok(mms_auth_ma_response(a, 2499, resp, (size_t)n, 1, &sa, conf, sizeof(conf)) == -ESTALE,
	   "and stays refused (expired entries are gone for good)");

	/* CM rate limit: burst 2 per neighbour, then one a second. */
	n = mms_auth_ma_challenge(a, 1, NULL, 5000, chal[0], sizeof(chal[0]));
	ok(mms_auth_cm_challenge(cl, 3, 5000, chal[0], (size_t)n, resp, sizeof(resp)) > 0 &&
	   mms_auth_cm_challenge(cl, 3, 5000, chal[0], (size_t)n, resp, sizeof(resp)) > 0,
	   "two challenges through one neighbour answered");
	ok(mms_auth_cm_challenge(cl, 3, 5000, chal[0], (size_t)n, resp, sizeof(resp)) == -EBUSY,
	   "the third is over the neighbour's budget");
	ok(mms_auth_cm_challenge(cl, 4, 5000, chal[0], (size_t)n, resp, sizeof(resp)) > 0,
	   "another neighbour has its own budget");
	ok(mms_auth_cm_challenge(cl, 3, 5999, chal[0], (size_t)n, resp, sizeof(resp)) == -EBUSY &&
	   mms_auth_cm_challenge(cl, 3, 6000, chal[0], (size_t)n, resp, sizeof(resp)) > 0 &&
	   mms_auth_cm_challenge(cl, 3, 6000, chal[0], (size_t)n, resp, sizeof(resp)) == -EBUSY,
	   "one more after a second, not before");
	ok(mms_auth_cm_challenge(cl, MMS_AUTH_VIA_MAX, 9000, chal[0], (size_t)n, resp,
				 sizeof(resp)) == -EINVAL, "a via out of range refused");
	{
		struct mms_auth_limits l2 = l;
		struct mms_auth_cm *c2;

		l2.burst = 10;
		c2 = mms_auth_cm_new(&cm, &trust, &l2);
		for (int i = 0; i < 5; i++)
			mms_auth_cm_challenge(c2, 5, 7000, chal[0], (size_t)n, resp, sizeof(resp));
		ok(mms_auth_cm_pending(c2, 7000) == 3, "CM keeps max_per_via (3) answers for one "
		   "neighbour (%u)", mms_auth_cm_pending(c2, 7000));
		mms_auth_cm_free(c2);
	}
	mms_auth_ma_free(a);
	mms_auth_cm_free(c);
	mms_auth_cm_free(cl);
}

static void test_sessions(void)
{
	struct mms_auth_ma *a = mms_auth_ma_new(&ma, &reg, &lim);
	struct mms_auth_cm *c = mms_auth_cm_new(&cm, &trust, &lim);
	struct mms_auth_cm *c2 = mms_auth_cm_new(&relay, &trust, &lim);
	struct mms_session sa, sc, sa2, sc2;
	uint8_t m[8][128], x[128], type, id[MMS_ID_LEN];
	const uint8_t *body;
	size_t blen;
	int n[8], rc, all = 1;

	ok(handshake(a, c, NULL, 0, 1, &sa, &sc) == 0 && handshake(a, c2, NULL, 0, 1, &sa2, &sc2) == 0,
	   "sessions with two CMs");
	n[0] = mms_session_seal(&sa, MMS_T_CONTROL, "install epoch 2", 15, m[0], sizeof(m[0]));
	ok(n[0] == 15 + MMS_CTL_OVERHEAD, "MA command sealed (%d bytes)", n[0]);
	ok(mms_ctl_sender(m[0], (size_t)n[0], id) == 0 && !memcmp(id, ma.pub.id, MMS_ID_LEN),
	   "sender ID readable for the session lookup");
	rc = mms_session_open(&sc, m[0], (size_t)n[0], &type, &body, &blen);
	ok(rc == 0 && type == MMS_T_CONTROL && blen == 15 && !memcmp(body, "install epoch 2", 15),
	   "CM opens it");
	ok(mms_session_open(&sc, m[0], (size_t)n[0], &type, &body, &blen) == -EALREADY,
	   "the same message again is a replay");
	n[1] = mms_session_seal(&sc, MMS_T_LSA, "lsa", 3, m[1], sizeof(m[1]));
	ok(mms_session_open(&sa, m[1], (size_t)n[1], &type, &body, &blen) == 0 && type == MMS_T_LSA,
	   "MA opens the CM's LSA");
	ok(mms_session_open(&sa2, m[1], (size_t)n[1], &type, &body, &blen) == -ENOKEY,
	   "another CM's session does not take it (sender)");
	ok(mms_session_open(&sc, m[1], (size_t)n[1], &type, &body, &blen) == -ENOKEY,
	   "reflected back to its sender: refused");
	n[2] = mms_session_seal(&sa, MMS_T_CONTROL, "x", 1, m[2], sizeof(m[2]));
	ok(mms_session_open(&sc2, m[2], (size_t)n[2], &type, &body, &blen) == -EBADMSG,
	   "message for CM 1 refused by CM 2 (other keys)");
	/* Even with CM 1's keys, a receiver with another ID refuses it: the
	 * MAC covers the receiver's ID. */
	{
		struct mms_session fake = sc;

		memcpy(fake.self, relay.pub.id, MMS_ID_LEN);
		ok(mms_session_open(&fake, m[2], (size_t)n[2], &type, &body, &blen) == -EBADMSG,
		   "the MAC binds the receiver's ID");
		mms_session_wipe(&fake);
	}

	for (int i = 0; i < n[2]; i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(x, m[2], (size_t)n[2]);
			x[i] ^= (uint8_t)(1 << bit);
			if (mms_session_open(&sc, x, (size_t)n[2], &type, &body, &blen) == 0) {
				all = 0;
				diag("envelope bit %d.%d flipped, accepted", i, bit);
			}
		}
	}
	ok(all, "every single-bit flip of an envelope refused");
	ok(mms_session_open(&sc, m[2], (size_t)n[2], &type, &body, &blen) == 0,
	   "the true one still opens after the forgeries (window not moved)");

	/* Reordering within the window is fine; each once. */
	for (int i = 3; i < 6; i++)
		n[i] = mms_session_seal(&sa, MMS_T_CONTROL, "o", 1, m[i], sizeof(m[i]));
	ok(mms_session_open(&sc, m[5], (size_t)n[5], &type, &body, &blen) == 0 &&
	   mms_session_open(&sc, m[3], (size_t)n[3], &type, &body, &blen) == 0 &&
	   mms_session_open(&sc, m[4], (size_t)n[4], &type, &body, &blen) == 0 &&
	   mms_session_open(&sc, m[3], (size_t)n[3], &type, &body, &blen) == -EALREADY,
	   "out of order accepted once each");
	/* Far behind the window. */
	n[6] = mms_session_seal(&sa, MMS_T_CONTROL, "old", 3, m[6], sizeof(m[6]));
	for (int i = 0; i < MMS_REPLAY_WINDOW + 1; i++)
		mms_session_seal(&sa, MMS_T_CONTROL, "", 0, x, sizeof(x));
	n[7] = mms_session_seal(&sa, MMS_T_CONTROL, "new", 3, m[7], sizeof(m[7]));
	ok(mms_session_open(&sc, m[7], (size_t)n[7], &type, &body, &blen) == 0 &&
	   mms_session_open(&sc, m[6], (size_t)n[6], &type, &body, &blen) == -ESTALE,
	   "a message older than the window refused");
	/* Hop keys the CM draws itself and hands to its MAs (several MAs). */
	{
		uint8_t hk[16], got[16], w[MMS_WRAPPED_KEY_LEN], w2[MMS_WRAPPED_KEY_LEN];
		int flips = 1;

		mms_random(hk, sizeof(hk));
		ok(mms_session_wrap_hop_key(&sc, 9, hk, w) == 0 &&
		   mms_session_unwrap_hop_key(&sa, 9, w, got) == 0 && !memcmp(got, hk, 16),
		   "CM wraps a hop key, its MA unwraps it");
		ok(mms_session_wrap_hop_key(&sc, 9, hk, w2) == 0 && memcmp(w, w2, sizeof(w)),
		   "wrapping again gives another ciphertext (random nonce)");
		ok(mms_session_unwrap_hop_key(&sa, 10, w, got) == -EBADMSG,
		   "a key wrapped for epoch 9 is not taken for epoch 10");
		ok(mms_session_unwrap_hop_key(&sa2, 9, w, got) == -EBADMSG,
		   "another CM's session cannot unwrap it");
		ok(mms_session_unwrap_hop_key(&sc, 9, w, got) == -EBADMSG,
		   "the sender's own session cannot unwrap it (direction keys)");
		for (size_t i = 0; i < sizeof(w); i++) {
			memcpy(w2, w, sizeof(w));
			w2[i] ^= 0x10;
			flips &= mms_session_unwrap_hop_key(&sa, 9, w2, got) == -EBADMSG;
		}
		ok(flips, "any changed byte of a wrapped key refused");
	}
	ok(mms_session_seal(&sa, MMS_T_CONTROL, "abc", 3, x, 3 + MMS_CTL_OVERHEAD - 1) == -ENOSPC,
	   "sealing into a short buffer refused");
	ok(mms_session_open(&sc, m[7], MMS_CTL_OVERHEAD - 1, &type, &body, &blen) == -EBADMSG,
	   "short envelope refused");
	mms_session_wipe(&sa);
	mms_session_wipe(&sc);
	mms_session_wipe(&sa2);
	mms_session_wipe(&sc2);
	mms_auth_ma_free(a);
	mms_auth_cm_free(c);
	mms_auth_cm_free(c2);
}

static void test_mac(void)
{
	uint8_t k1[32], k2[32], tag[MMS_MAC_LEN];
	char msg[] = "lsa: link 3 up";
	struct mms_iov v = { msg, sizeof(msg) };

	mms_random(k1, 32);
	mms_random(k2, 32);
	ok(mms_mac(k1, &v, 1, tag) == 0 && mms_mac_verify(k1, &v, 1, tag) == 0, "MAC verifies");
	ok(mms_mac_verify(k2, &v, 1, tag) == -EBADMSG, "MAC with the wrong key fails");
	msg[0] ^= 1;
	ok(mms_mac_verify(k1, &v, 1, tag) == -EBADMSG, "MAC of a changed message fails");
	/* HMAC-SHA256 known answer (RFC 4231 case 2, key "Jefe" is not 32
	 * bytes, so check the underlying HMAC directly). */
	{
		uint8_t out[32], want[32];
		struct mms_iov w = { "what do ya want for nothing?", 28 };

		hex2bin("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", want, 32);
		ok(mms_hmac_sha256((const uint8_t *)"Jefe", 4, &w, 1, out) == 0 &&
		   !memcmp(out, want, 32), "HMAC-SHA256 matches RFC 4231 test case 2");
	}
}

/* ---- replay window ---- */

struct rcase {
	uint64_t seq;
	int want;
};

#define W MMS_REPLAY_WINDOW

static const struct rcase rcases[] = {
	{ 0, 0 }, { 0, -EALREADY }, { 1, 0 }, { 1, -EALREADY }, { 9, 0 }, { 8, 0 }, { 7, 0 },
	{ 7, -EALREADY }, { 2, 0 }, { 63, 0 }, { 64, 0 }, { 63, -EALREADY }, { 65, 0 },
	{ 64 + W, 0 },			/* top moves; 64 is exactly W below */
	{ 64, -EALREADY }, { 63, -ESTALE }, { 65, -EALREADY }, { 66, 0 },
	{ 64 + W + 1, 0 }, { 64, -ESTALE }, { 65, -EALREADY }, { 66, -EALREADY }, { 67, 0 },
	{ 10000, 0 },			/* jump beyond the whole ring */
	{ 10000 - W, 0 }, { 10000 - W - 1, -ESTALE }, { 9999, 0 }, { 10000, -EALREADY },
	{ 10001, 0 }, { 10000 + 64 * MMS_REPLAY_WORDS, 0 }, /* exactly one ring further */
	{ 10001, -ESTALE }, { 10000 + 64 * MMS_REPLAY_WORDS - W, 0 },
	{ UINT64_MAX, -ERANGE }, { UINT64_MAX - 1, 0 }, { UINT64_MAX - 1, -EALREADY },
	{ UINT64_MAX - 1 - W, 0 }, { UINT64_MAX - 2 - W, -ESTALE }, { UINT64_MAX, -ERANGE },
};

static void test_replay_table(void)
{
	struct mms_replay r;
	int all = 1;

	mms_replay_init(&r);
	for (size_t i = 0; i < sizeof(rcases) / sizeof(rcases[0]); i++) {
		int c = mms_replay_check(&r, rcases[i].seq);
		int u = mms_replay_update(&r, rcases[i].seq);

		if (c != rcases[i].want || u != rcases[i].want) {
			all = 0;
			diag("case %zu seq %llu: check %d update %d want %d", i,
			     (unsigned long long)rcases[i].seq, c, u, rcases[i].want);
		}
	}
	ok(all, "replay window: %zu table cases", sizeof(rcases) / sizeof(rcases[0]));
	mms_replay_init(&r);
	ok(mms_replay_update(&r, 5000) == 0 && mms_replay_update(&r, 5000 - W) == 0 &&
	   mms_replay_update(&r, 4999 - W) == -ESTALE, "first number may be anywhere");
}

/* The window against a plain model: random walks that mostly stay near the
 * top, sometimes reach far back, sometimes jump beyond the whole ring. */
static void test_replay_model(void)
{
	enum { RANGE = 1 << 17, ROUNDS = 300, STEPS = 400 };
	static uint8_t seen[RANGE];
	unsigned rnd = 12345, steps = 0;
	int all = 1;

	for (int round = 0; round < ROUNDS && all; round++) {
		struct mms_replay r;
		uint64_t top = 0;
		int any = 0;

		mms_replay_init(&r);
		memset(seen, 0, sizeof(seen));
		for (int i = 0; i < STEPS && all; i++) {
			uint64_t s, back;
			unsigned pick, v;
			int want, got;

			rnd = rnd * 1103515245u + 12345u;
			pick = (rnd >> 8) % 16;
			v = rnd >> 12;
			if (pick == 0)
				s = top + 1 + v % (2 * 64 * MMS_REPLAY_WORDS);
			else if (pick <= 2)
				s = v % (top + 65);
			else if (pick <= 4)
				s = top + v % 200;
			else {
				back = v % (W + 300);
				s = top + 64 >= back ? top + 64 - back : 0;
			}
			if (s >= RANGE)
				continue;
			if (!any || s > top)
				want = 0;
			else if (top - s > W)
				want = -ESTALE;
			else
				want = seen[s] ? -EALREADY : 0;
			got = mms_replay_update(&r, s);
			steps++;
			if (got != want) {
				all = 0;
				diag("round %d step %d seq %llu top %llu: got %d want %d", round, i,
				     (unsigned long long)s, (unsigned long long)top, got, want);
			}
			if (!want) {
				seen[s] = 1;
				if (!any || s > top)
					top = s;
				any = 1;
			}
		}
	}
	ok(all && steps > ROUNDS * STEPS / 2,
	   "replay window agrees with a plain model on %u random steps", steps);
}

/* ---- MA signatures ---- */

static void test_masig(void)
{
	static struct mms_sigcache c;
	struct mms_trust t = trust;
	uint8_t sig[MMS_SIG_LEN], sig2[MMS_SIG_LEN], bad[MMS_SIG_LEN];
	const char b1[] = "beacon 10", b2[] = "beacon 10 forged";
	int rc, all;

	mms_sigcache_init(&c);
	ok(mms_ma_sign(&ma, MMS_SIG_BEACON, 10, b1, sizeof(b1), sig) == 0, "MA signs beacon 10");
	ok(mms_ma_sign(&cm, MMS_SIG_BEACON, 10, b1, sizeof(b1), sig2) == -EINVAL,
	   "a CM cannot sign as an MA");
	rc = mms_ma_verify(&c, &t, MMS_SIG_BEACON, ma.pub.id, 10, b1, sizeof(b1), sig);
	ok(rc == 0 && c.st.verified == 1, "first copy verified (%d)", rc);
	rc = mms_ma_verify(&c, &t, MMS_SIG_BEACON, ma.pub.id, 10, b1, sizeof(b1), sig);
	ok(rc == 1 && c.st.verified == 1 && c.st.hits == 1,
	   "second copy from the cache, no second signature check (%d)", rc);
	rc = mms_ma_verify(&c, &t, MMS_SIG_BEACON, ma.pub.id, 10, b2, sizeof(b2), sig);
	ok(rc == -EBADMSG && c.st.verified == 1 && c.st.conflict == 1,
	   "other content under the same number refused without a check (%d)", rc);
	memcpy(bad, sig, sizeof(bad));
	bad[5] ^= 1;
	rc = mms_ma_verify(&c, &t, MMS_SIG_BEACON, ma.pub.id, 10, b1, sizeof(b1), bad);
	ok(rc == -EBADMSG && c.st.verified == 1,
	   "the verified content with other signature bytes is not a cached copy (%d)", rc);
	rc = mms_ma_verify(&c, &t, MMS_SIG_BEACON, ma.pub.id, 11, b1, sizeof(b1), bad);
	ok(rc == -EKEYREJECTED, "forged signature on beacon 11 refused");
	mms_ma_sign(&ma, MMS_SIG_BEACON, 11, b1, sizeof(b1), sig2);
	ok(mms_ma_verify(&c, &t, MMS_SIG_BEACON, ma.pub.id, 11, b1, sizeof(b1), sig2) == 0,
	   "the real beacon 11 is still accepted (forgeries are not cached)");
	ok(mms_ma_verify(&c, &t, MMS_SIG_BEACON, ma.pub.id, 12, b1, sizeof(b1), sig2) ==
	   -EKEYREJECTED, "a signature moved to another number refused");
	ok(mms_ma_verify(&c, &t, MMS_SIG_COMMAND, ma.pub.id, 11, b1, sizeof(b1), sig2) ==
	   -EKEYREJECTED, "a beacon signature is not a command signature");
	ok(mms_ma_verify(&c, &t, MMS_SIG_BEACON, rogue.pub.id, 11, b1, sizeof(b1), sig2) == -ENOKEY,
	   "unknown MA refused");
	ok(mms_ma_verify(&c, &t, 9, ma.pub.id, 11, b1, sizeof(b1), sig2) == -EINVAL, "bad kind");

	/* Stale numbers. */
	mms_ma_sign(&ma, MMS_SIG_BEACON, 100000, b1, sizeof(b1), sig2);
	ok(mms_ma_verify(&c, &t, MMS_SIG_BEACON, ma.pub.id, 100000, b1, sizeof(b1), sig2) == 0,
	   "beacon 100000 accepted");
	rc = mms_ma_verify(&c, &t, MMS_SIG_BEACON, ma.pub.id, 11, b1, sizeof(b1), sig2);
	ok(rc == -ESTALE, "beacon 11 is now below the window (%d)", rc);
	ok(mms_ma_verify(&c, &t, MMS_SIG_BEACON, ma.pub.id, UINT64_MAX, b1, sizeof(b1), sig2) ==
	   -ESTALE, "UINT64_MAX refused");

	/* More numbers than cache slots: duplicates still say "seen" (1),
	 * re-verified when their slot was reused. */
	all = 1;
	for (uint64_t s = 200000; s < 200000 + 2 * MMS_SIGCACHE_SLOTS; s++) {
		mms_ma_sign(&ma, MMS_SIG_COMMAND, s, &s, sizeof(s), sig2);
		all &= mms_ma_verify(&c, &t, MMS_SIG_COMMAND, ma.pub.id, s, &s, sizeof(s), sig2) == 0;
	}
	for (uint64_t s = 200000; s < 200000 + 2 * MMS_SIGCACHE_SLOTS; s++) {
		mms_ma_sign(&ma, MMS_SIG_COMMAND, s, &s, sizeof(s), sig2);
		all &= mms_ma_verify(&c, &t, MMS_SIG_COMMAND, ma.pub.id, s, &s, sizeof(s), sig2) == 1;
	}
	ok(all, "512 commands: each accepted once, every repeat reported as seen");

	/* A distrusted MA's beacons are refused. */
	t.e[0].distrusted = 1;
	mms_ma_sign(&ma, MMS_SIG_BEACON, 100001, b1, sizeof(b1), sig2);
	ok(mms_ma_verify(&c, &t, MMS_SIG_BEACON, ma.pub.id, 100001, b1, sizeof(b1), sig2) == -ENOKEY,
	   "distrusted MA refused");
}

/* ---- decrees ---- */

static void test_decrees(void)
{
	struct mms_trust t = { 0 }, t2;
	struct mms_decree d = { 0 }, d2;
	uint8_t wire[MMS_DECREE_MAX];
	unsigned valid;
	int n, rc;

	mms_trust_add(&t, &ma.pub, NULL);
	mms_trust_add(&t, &ma_b.pub, NULL);
	mms_trust_add(&t, &ma_c.pub, NULL);
	ok(t.n == 3 && mms_trust_quorum(&t) == 2, "three MAs, quorum 2");

	d.action = MMS_DECREE_DISTRUST;
	memcpy(d.target, ma_c.pub.id, MMS_ID_LEN);
	d.seq = 1;
	ok(mms_decree_sign(&ma, &d) == 0 && mms_decree_sign(&ma, &d) == -EEXIST,
	   "MA A signs once");
	t2 = t;
	rc = mms_decree_apply(&t2, cm.pub.id, &d, &valid);
	ok(rc == -EPERM && valid == 1, "one signature is not a quorum (%d, %u)", rc, valid);
	ok(mms_decree_sign(&ma_c, &d) == 0, "the accused MA C signs too");
	rc = mms_decree_apply(&t2, cm.pub.id, &d, &valid);
	ok(rc == -EPERM && valid == 1, "the accused's signature does not count (%d, %u)", rc, valid);
	d2 = d;
	d2.sig[2] = d2.sig[0];	/* A's signature twice */
	d2.nsig = 3;
	rc = mms_decree_apply(&t2, cm.pub.id, &d2, &valid);
	ok(rc == -EPERM && valid == 1, "a repeated signer counts once (%u)", valid);
	d2 = d;
	mms_decree_sign(&rogue, &d2);
	rc = mms_decree_apply(&t2, cm.pub.id, &d2, &valid);
	ok(rc == -EPERM && valid == 1, "an untrusted signer does not count (%u)", valid);

	ok(mms_decree_sign(&ma_b, &d) == 0, "MA B signs");
	d2 = d;
	d2.seq = 2;	/* changed after signing */
	rc = mms_decree_apply(&t2, cm.pub.id, &d2, &valid);
	ok(rc == -EPERM && valid == 0, "a changed decree has no valid signature (%u)", valid);

	n = mms_decree_encode(&d, wire, sizeof(wire));
	ok(n == MMS_DECREE_HDR + 3 * MMS_DECREE_SIG && mms_decree_decode(wire, (size_t)n, &d2) == 0 &&
	   d2.nsig == 3 && d2.seq == 1 && !memcmp(&d2.sig[2], &d.sig[2], sizeof(d.sig[2])),
	   "decree wire round trip (%d bytes)", n);
	ok(mms_decree_decode(wire, (size_t)n - 1, &d2) == -EBADMSG, "truncated decree refused");
	rc = mms_decree_apply(&t2, cm.pub.id, &d, &valid);
	ok(rc == 1 && valid == 2, "A and B evict C; the CM must re-key (%d, %u)", rc, valid);
	ok(!mms_trust_find(&t2, ma_c.pub.id) && mms_trust_find(&t2, ma.pub.id) &&
	   t2.decree_seq == 1, "C is distrusted, A is not");
	ok(mms_decree_apply(&t2, cm.pub.id, &d, &valid) == -ESTALE, "the same decree again: stale");

	/* C, now distrusted, cannot get A evicted even with a colluder's help
	 * unless that colluder is a trusted majority. */
	memset(&d2, 0, sizeof(d2));
	d2.action = MMS_DECREE_DISTRUST;
	memcpy(d2.target, ma.pub.id, MMS_ID_LEN);
	d2.seq = 2;
	mms_decree_sign(&ma_c, &d2);
	mms_decree_sign(&ma_b, &d2);
	rc = mms_decree_apply(&t2, cm.pub.id, &d2, &valid);
	ok(rc == -EPERM && valid == 1, "a distrusted MA's signature no longer counts (%u)", valid);

	/* Re-key: for everyone, or for one CM. */
	memset(&d2, 0, sizeof(d2));
	d2.action = MMS_DECREE_REKEY;
	d2.seq = 3;
	mms_decree_sign(&ma, &d2);
	mms_decree_sign(&ma_b, &d2);
	ok(mms_decree_apply(&t2, cm.pub.id, &d2, &valid) == 1, "re-key all: this CM re-keys");
	d2.seq = 4;
	memcpy(d2.target, relay.pub.id, MMS_ID_LEN);
	d2.nsig = 0;
	mms_decree_sign(&ma, &d2);
	mms_decree_sign(&ma_b, &d2);
	ok(mms_decree_apply(&t2, cm.pub.id, &d2, &valid) == 0 && t2.decree_seq == 4,
	   "re-key of another CM: applied, nothing to do here");

	/* Revoke: one CM, never every node, never an MA. */
	memset(&d2, 0, sizeof(d2));
	d2.action = MMS_DECREE_REVOKE;
	d2.seq = 5;
	ok(mms_decree_sign(&ma, &d2) == -EINVAL, "revoke without a target: not signed");
	memcpy(d2.target, ma_c.pub.id, MMS_ID_LEN);
	mms_decree_sign(&ma, &d2);
	mms_decree_sign(&ma_b, &d2);
	ok(mms_decree_apply(&t2, cm.pub.id, &d2, &valid) == -EINVAL && t2.decree_seq == 4,
	   "revoke naming an MA (distrusted C): refused");
	memcpy(d2.target, relay.pub.id, MMS_ID_LEN);
	d2.nsig = 0;
	mms_decree_sign(&ma, &d2);
	mms_decree_sign(&ma_b, &d2);
	n = mms_decree_encode(&d2, wire, sizeof(wire));
	wire[1] = 4;	/* an action this build does not know */
	ok(n > 0 && mms_decree_decode(wire, (size_t)n, &d) == -EBADMSG, "unknown action: malformed");
	wire[1] = MMS_DECREE_REVOKE;
	ok(mms_decree_decode(wire, (size_t)n, &d) == 0 && d.action == MMS_DECREE_REVOKE &&
	   !strcmp(mms_decree_action_name(d.action), "revoke"), "revoke wire round trip");
	t = t2;
	ok(mms_decree_apply(&t2, cm.pub.id, &d, &valid) == 0 && valid == 2 && t2.decree_seq == 5 &&
	   !memcmp(&t.e, &t2.e, sizeof(t.e)) && t.n == t2.n,
	   "revoke of a CM: applied (number only: no MA's trust changes, no re-key here)");
}

/* The Ed25519 key cache (crypto.c) must never answer for another key: more
 * keys than it holds, used in turns, each signs as itself and verifies only
 * its own signatures, whether its key object was cached or evicted. */
static void test_keycache(void)
{
	enum { NK = 11 };	/* more than the cache's 8 entries */
	uint8_t priv[NK][MMS_KEY32], pub[NK][MMS_KEY32], sig[NK][MMS_SIG_LEN], sig2[MMS_SIG_LEN];
	const char msg[] = "key cache";
	struct mms_iov v = { msg, sizeof(msg) };
	int bad_sig = 0, bad_ok = 0, bad_cross = 0, bad_det = 0;

	for (int i = 0; i < NK; i++)
		if (mms_ed25519_keygen(priv[i], pub[i]) || mms_sign(priv[i], &v, 1, sig[i]))
			bad_sig++;
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < NK; i++) {
			/* Ed25519 is deterministic: a cached key signs as a fresh one */
			if (mms_sign(priv[i], &v, 1, sig2) || memcmp(sig2, sig[i], MMS_SIG_LEN))
				bad_det++;
			if (mms_verify(pub[i], &v, 1, sig[i]))
				bad_ok++;
			if (!mms_verify(pub[(i + 1 + round) % NK], &v, 1, sig[i]))
				bad_cross++;
		}
	ok(!bad_sig, "key cache: %d keys made and used to sign", NK);
	ok(!bad_det, "key cache: every key signs the same signature again, cached or evicted");
	ok(!bad_ok, "key cache: every signature verifies under its own key");
	ok(!bad_cross, "key cache: no signature verifies under another key");
	mms_crypto_forget();
	ok(!mms_verify(pub[0], &v, 1, sig[0]) && mms_verify(pub[1], &v, 1, sig[0]),
	   "key cache: after mms_crypto_forget, keys are made afresh and still tell apart");
}

int main(void)
{
	lim = mms_auth_default_limits;
	lim.burst = 1u << 30;	/* the tampering loops answer hundreds of challenges */
	make_id(&ma, MMS_ROLE_MA, "ma-a");
	make_id(&ma_b, MMS_ROLE_MA, "ma-b");
	make_id(&ma_c, MMS_ROLE_MA, "ma-c");
	make_id(&rogue, MMS_ROLE_MA, "rogue");
	make_id(&cm, MMS_ROLE_CM, "cm-1");
	make_id(&relay, MMS_ROLE_CM, "cm-relay");
	make_id(&cm_unenrolled, MMS_ROLE_CM, "cm-stranger");
	make_id(&cm_revoked, MMS_ROLE_CM, "cm-revoked");
	ok(mms_registry_add(&reg, &cm.pub, NULL) == 0 && mms_registry_add(&reg, &relay.pub, NULL) == 0 &&
	   mms_registry_add(&reg, &cm_revoked.pub, NULL) == 0 &&
	   mms_registry_revoke(&reg, cm_revoked.pub.id, NULL) == 0, "registry: 2 valid, 1 revoked");
	ok(mms_trust_add(&trust, &ma.pub, NULL) == 0, "CMs trust MA A");

	test_handshake();
	test_refusals();
	test_tampering();
	test_relay();
	test_bounds();
	test_sessions();
	test_mac();
	test_replay_table();
	test_replay_model();
	test_masig();
	test_decrees();
	test_keycache();

	mms_registry_free(&reg);
	return tap_done();
}
