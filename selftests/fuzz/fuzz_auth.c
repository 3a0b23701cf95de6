// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer harness: every parser of the security layer that sees bytes
 * from the network or from a file somebody handed over. The first byte picks
 * the target; the second holds flags that splice known-good fields (IDs,
 * nonces) into the input so the fuzzer gets past the first checks.
 *   0 CM: challenge     1 MA: response      2 CM: confirm
 *   3 control envelope  4 enrollment bundle 5 quorum decree
 *   6 state-file record 7 MA signature check
 */
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "identity_int.h"

static struct mms_identity ma, cm;
static struct mms_registry reg;
static struct mms_trust trust;
static struct mms_auth_ma *a;
static struct mms_auth_cm *c;
static struct mms_session sa, sc;
static struct mms_sigcache cache;
static uint8_t chal[MMS_AUTH_CHALLENGE_LEN], resp[MMS_AUTH_RESPONSE_LEN];
static uint64_t now;

static void make_id(struct mms_identity *id, int role, const char *name)
{
	id->pub.role = (uint8_t)role;
	strcpy(id->pub.name, name);
	mms_random(id->pub.id, MMS_ID_LEN);
	mms_ed25519_keygen(id->sign_priv, id->pub.sign_pub);
	mms_x25519_keygen(id->kex_priv, id->pub.kex_pub);
}

static void setup(void)
{
	uint8_t conf[MMS_AUTH_CONFIRM_LEN];
	int n;

	make_id(&ma, MMS_ROLE_MA, "ma");
	make_id(&cm, MMS_ROLE_CM, "cm");
	mms_registry_add(&reg, &cm.pub, NULL);
	mms_trust_add(&trust, &ma.pub, NULL);
	a = mms_auth_ma_new(&ma, &reg, NULL);
	c = mms_auth_cm_new(&cm, &trust, NULL);
	n = mms_auth_ma_challenge(a, 1, NULL, 0, chal, sizeof(chal));
	n = mms_auth_cm_challenge(c, 1, 0, chal, (size_t)n, resp, sizeof(resp));
	n = mms_auth_ma_response(a, 0, resp, (size_t)n, 1, &sa, conf, sizeof(conf));
	if (n < 0 || mms_auth_cm_confirm(c, 0, conf, (size_t)n, &sc))
		abort();
	mms_sigcache_init(&cache);
}

/* Splice a known field into the input copy when the flag bit is set. */
static void splice(uint8_t *m, size_t len, int flags, int bit, size_t off, const void *v,
		   size_t n)
{
	if ((flags & bit) && len >= off + n)
		memcpy(m + off, v, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	uint8_t m[4096], out[512], type;
	const uint8_t *body;
	size_t len, blen;
	int target, flags;

	if (!ready) {
		setup();
		ready = 1;
	}
	if (size < 2 || size - 2 > sizeof(m))
		return 0;
	target = data[0] % 8;
	flags = data[1];
	len = size - 2;
	memcpy(m, data + 2, len);
	now += 7;
	splice(m, len, flags, 1, 4, ma.pub.id, MMS_ID_LEN);
	splice(m, len, flags, 2, 20, cm.pub.id, MMS_ID_LEN);
	splice(m, len, flags, 4, 36, chal + 36, MMS_NONCE_LEN);
	splice(m, len, flags, 8, 52, resp + 52, MMS_NONCE_LEN);

	switch (target) {
	case 0:
		mms_auth_cm_challenge(c, data[1], now, m, len, out, sizeof(out));
		break;
	case 1: {
		struct mms_session s;

		/* Keep one real challenge pending so responses reach the checks. */
		if (mms_auth_ma_pending(a, now) == 0) {
			mms_auth_ma_challenge(a, 1, NULL, now, chal, sizeof(chal));
			mms_auth_cm_challenge(c, 1, now, chal, sizeof(chal), resp, sizeof(resp));
		}
		mms_auth_ma_response(a, now, m, len, 1, &s, out, sizeof(out));
		break;
	}
	case 2: {
		struct mms_session s;

		mms_auth_cm_confirm(c, now, m, len, &s);
		break;
	}
	case 3:
		mms_session_open((flags & 16) ? &sa : &sc, m, len, &type, &body, &blen);
		break;
	case 4: {
		struct mms_pubid p;

		splice(m, len, flags, 16, 8, ma.pub.id, MMS_ID_LEN);
		mms_bundle_open(&ma, m, len, &p, NULL);
		break;
	}
	case 5: {
		struct mms_decree d;
		struct mms_trust t = trust;

		if (!mms_decree_decode(m, len, &d))
			mms_decree_apply(&t, cm.pub.id, &d, NULL);
		break;
	}
	case 6: {
		struct mms_rec_reader rd;
		struct mms_pubid p;
		struct mms_err e;
		const char *val;
		char key[32], text[4200];
		uint8_t d[MMS_SHA256_LEN];
		size_t t = 12;

		/* Wrap the input in a header and a right checksum, or the
		 * fuzzer would never get past the SHA-256 check. */
		memcpy(text, "MMS-TRUST 1\n", t);
		memcpy(text + t, m, len);
		t += len;
		if (!len || text[t - 1] != '\n')
			text[t++] = '\n';
		{
			struct mms_iov v = { text, t };

			mms_sha256(&v, 1, d);
		}
		memcpy(text + t, "sha256 ", 7);
		mms_hex(d, sizeof(d), text + t + 7);
		t += 7 + 2 * MMS_SHA256_LEN;
		text[t++] = '\n';
		text[t] = 0;
		if (mms_rec_open(&rd, text, t, "MMS-TRUST", 1, "fuzz", &e))
			break;
		while (mms_rec_next(&rd, key, &val, &blen, &e) > 0)
			mms_pubid_parse_line(&rd, MMS_ROLE_MA, val, blen, &p, &e);
		break;
	}
	case 7:
		if (len >= MMS_SIG_LEN + 9)
			mms_ma_verify(&cache, &trust, m[0], ma.pub.id, (uint64_t)m[1] << 8 | m[2],
				      m + 9 + MMS_SIG_LEN, len - 9 - MMS_SIG_LEN, m + 9);
		break;
	}
	return 0;
}
