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

#include "fuzz_pair.h"
#include "identity_int.h"

static struct fuzz_pair P;
static struct mms_sigcache cache;
static uint64_t now;

static void setup(void)
{
	fuzz_pair_setup(&P);
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
	splice(m, len, flags, 1, 4, P.ma.pub.id, MMS_ID_LEN);
	splice(m, len, flags, 2, 20, P.cm.pub.id, MMS_ID_LEN);
	splice(m, len, flags, 4, 36, P.chal + 36, MMS_NONCE_LEN);
	splice(m, len, flags, 8, 52, P.resp + 52, MMS_NONCE_LEN);

	switch (target) {
	case 0:
		mms_auth_cm_challenge(P.c, data[1], now, m, len, out, sizeof(out));
		break;
	case 1: {
		struct mms_session s;

		/* Keep one real challenge pending so responses reach the checks. */
		if (mms_auth_ma_pending(P.a, now) == 0) {
			mms_auth_ma_challenge(P.a, 1, NULL, now, P.chal, sizeof(P.chal));
			mms_auth_cm_challenge(P.c, 1, now, P.chal, sizeof(P.chal), P.resp, sizeof(P.resp));
		}
		mms_auth_ma_response(P.a, now, m, len, 1, &s, out, sizeof(out));
		break;
	}
	case 2: {
		struct mms_session s;

		mms_auth_cm_confirm(P.c, now, m, len, &s);
		break;
	}
	case 3:
		mms_session_open((flags & 16) ? &P.sa : &P.sc, m, len, &type, &body, &blen);
		break;
	case 4: {
		struct mms_pubid p;

		splice(m, len, flags, 16, 8, P.ma.pub.id, MMS_ID_LEN);
		mms_bundle_open(&P.ma, m, len, &p, NULL);
		break;
	}
	case 5: {
		struct mms_decree d;
		struct mms_trust t = P.trust;

		if (!mms_decree_decode(m, len, &d))
			mms_decree_apply(&t, P.cm.pub.id, &d, NULL);
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
			mms_ma_verify(&cache, &P.trust, m[0], P.ma.pub.id, (uint64_t)m[1] << 8 | m[2],
				      m + 9 + MMS_SIG_LEN, len - 9 - MMS_SIG_LEN, m + 9);
		break;
	}
	return 0;
}
