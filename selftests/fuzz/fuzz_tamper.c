// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer harness: no authenticated message is accepted once changed.
 * Each input takes one genuine message, changes it as the input says, and
 * hands it to the code that checks it:
 *
 *   0 control envelope (MA -> CM session, HMAC)   mms_session_open
 *   1 enrollment bundle (sealed to the MA, signed) mms_bundle_open
 *   2 MA-signed flooded body (beacon, command)     mms_ma_verify
 *   3 quorum decree (signatures of trusted MAs)    mms_decree_decode + apply
 *   4 wrapped hop key (AES-GCM, epoch bound)       mms_session_unwrap_hop_key
 *
 * Input: target (1) | length change (1, signed) | then triples
 * offset (2, big-endian) | xor (1), applied in turn to the message resized
 * by the change (new bytes zero). Invariants: a message whose bytes (and,
 * for 4, epoch) are the genuine ones is accepted; any other is refused,
 * except that a decree may carry extra or reordered signatures, so for 3 an
 * accepted decree must say what the genuine one said (action, target,
 * sequence). The genuine messages are made fresh where the checker keeps
 * state (a new envelope number each time, a fresh signature cache), so an
 * unchanged one is never refused as a replay.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_pair.h"
#include "mms_wire.h"

static struct fuzz_pair P;
static uint8_t bundle[MMS_BUNDLE_MAX], body[200], sig[MMS_SIG_LEN], decree[MMS_DECREE_MAX];
static uint8_t wrapped[MMS_WRAPPED_KEY_LEN], hopkey[MMS_HOP_KEY_LEN];
static size_t bundle_len, decree_len;
static struct mms_decree genuine;
static struct mms_sigcache cache;

static void must(int cond)
{
	if (!cond)
		abort();
}

static void setup(void)
{
	struct mms_err e;
	int n;

	fuzz_pair_setup(&P);
	n = mms_bundle_seal(&P.cm, &P.ma.pub, bundle, sizeof(bundle), &e);
	must(n > 0);
	bundle_len = (size_t)n;
	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)(i * 7 + 1);
	must(!mms_ma_sign(&P.ma, MMS_SIG_BEACON, 42, body, sizeof(body), sig));
	genuine.action = MMS_DECREE_REKEY;
	memcpy(genuine.target, P.cm.pub.id, MMS_ID_LEN);
	genuine.seq = 9;
	must(!mms_decree_sign(&P.ma, &genuine));
	n = mms_decree_encode(&genuine, decree, sizeof(decree));
	must(n > 0);
	decree_len = (size_t)n;
	for (int i = 0; i < MMS_HOP_KEY_LEN; i++)
		hopkey[i] = (uint8_t)(0xa0 + i);
	must(!mms_session_wrap_hop_key(&P.sa, 77, hopkey, wrapped));
}

/* The genuine message src[0..len) into m, changed by the input: the new
 * length; *same when the result is the genuine message byte for byte. m
 * holds 2 x cap bytes: the genuine copy is kept in the second half. */
static size_t change(uint8_t *m, const uint8_t *src, size_t len, size_t cap, const uint8_t *in,
		     size_t n, int *same)
{
	const uint8_t *orig = m + cap;
	long nl = (long)len + (int8_t)in[0];

	memmove(m, src, len);
	memcpy(m + cap, m, len);
	if (nl < 0)
		nl = 0;
	if ((size_t)nl > cap)
		nl = (long)cap;
	if ((size_t)nl > len)
		memset(m + len, 0, (size_t)nl - len);
	for (size_t i = 1; i + 3 <= n && nl; i += 3)
		m[((size_t)in[i] << 8 | in[i + 1]) % (size_t)nl] ^= in[i + 2];
	*same = (size_t)nl == len && !memcmp(m, orig, len);
	return (size_t)nl;
}

static void envelope(const uint8_t *in, size_t n)
{
	static uint8_t m[2 * 512];
	const uint8_t *b;
	size_t len, blen;
	uint8_t type;
	int same, rc = mms_session_seal(&P.sa, MMS_T_CONTROL, body, 100, m, 512);

	must(rc > 0);
	len = change(m, m, (size_t)rc, 512, in, n, &same);
	rc = mms_session_open(&P.sc, m, len, &type, &b, &blen);
	must(same ? !rc && type == MMS_T_CONTROL && blen == 100 && !memcmp(b, body, 100) : rc < 0);
}

static void bundled(const uint8_t *in, size_t n)
{
	static uint8_t m[2 * MMS_BUNDLE_MAX];
	struct mms_pubid got;
	size_t len;
	int same, rc;

	len = change(m, bundle, bundle_len, MMS_BUNDLE_MAX, in, n, &same);
	rc = mms_bundle_open(&P.ma, m, len, &got, NULL);
	must(same ? !rc && mms_pubid_same(&got, &P.cm.pub) : rc < 0);
}

/* kind (1) | MA id (16) | be64 seq | signature | body: all of it checked. */
static void signed_body(const uint8_t *in, size_t n)
{
	enum { HDR = 1 + MMS_ID_LEN + 8, LEN = HDR + MMS_SIG_LEN + sizeof(body) };
	static uint8_t m[2 * LEN];
	size_t len;
	uint64_t seq = 0;
	int same, rc;

	m[0] = MMS_SIG_BEACON;
	memcpy(m + 1, P.ma.pub.id, MMS_ID_LEN);
	for (int i = 0; i < 8; i++)
		m[1 + MMS_ID_LEN + i] = (uint8_t)(42ull >> (56 - 8 * i));
	memcpy(m + HDR, sig, MMS_SIG_LEN);
	memcpy(m + HDR + MMS_SIG_LEN, body, sizeof(body));
	len = change(m, m, LEN, LEN, in, n, &same);
	if (len < HDR + MMS_SIG_LEN)
		return;		/* shorter than a signature: cannot be the genuine one */
	for (int i = 0; i < 8; i++)
		seq = seq << 8 | m[1 + MMS_ID_LEN + i];
	mms_sigcache_init(&cache);
	rc = mms_ma_verify(&cache, &P.trust, m[0], m + 1, seq, m + HDR + MMS_SIG_LEN,
			   len - HDR - MMS_SIG_LEN, m + HDR);
	must(same ? rc == 0 : rc < 0);
}

static void decreed(const uint8_t *in, size_t n)
{
	static uint8_t m[2 * MMS_DECREE_MAX];
	struct mms_trust t = P.trust;
	struct mms_decree d;
	size_t len;
	int same, rc;

	len = change(m, decree, decree_len, MMS_DECREE_MAX, in, n, &same);
	rc = mms_decree_decode(m, len, &d);
	if (!rc)
		rc = mms_decree_apply(&t, P.cm.pub.id, &d, NULL);
	if (same)
		must(rc == 1 && t.decree_seq == genuine.seq);	/* it re-keys this CM */
	else if (rc >= 0)
		must(d.action == genuine.action && d.seq == genuine.seq &&
		     !memcmp(d.target, genuine.target, MMS_ID_LEN));
}

static void hop_key(const uint8_t *in, size_t n)
{
	static uint8_t m[2 * MMS_WRAPPED_KEY_LEN];
	uint8_t got[MMS_HOP_KEY_LEN];
	uint32_t epoch = 77;
	size_t len;
	int same, rc;

	len = change(m, wrapped, MMS_WRAPPED_KEY_LEN, MMS_WRAPPED_KEY_LEN, in, n, &same);
	if (n >= 4 && (in[n - 1] & 1))
		epoch ^= in[n - 2];	/* the input may also claim another epoch */
	if (len != MMS_WRAPPED_KEY_LEN)
		return;			/* fixed size: the caller checks the length */
	rc = mms_session_unwrap_hop_key(&P.sc, epoch, m, got);
	must(same && epoch == 77 ? !rc && !memcmp(got, hopkey, sizeof(got)) : rc < 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;

	if (!ready) {
		setup();
		ready = 1;
	}
	if (size < 2)
		return 0;
	switch (data[0] % 5) {
	case 0: envelope(data + 1, size - 1); break;
	case 1: bundled(data + 1, size - 1); break;
	case 2: signed_body(data + 1, size - 1); break;
	case 3: decreed(data + 1, size - 1); break;
	case 4: hop_key(data + 1, size - 1); break;
	}
	return 0;
}
