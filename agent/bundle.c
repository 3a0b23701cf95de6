// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Enrollment bundles (format in identity.h). Sealing to the MA keeps the
 * node's keys and name confidential and untouched on the way; the node's
 * signature over the header and content proves it holds the signing key it
 * enrolls and binds the bundle to one MA and one sealing. What makes the
 * bundle *authorised* is the operator who carries it and imports it: anyone
 * who has the MA's public key can make a well-formed bundle.
 */
#include <errno.h>
#include <string.h>
#include <openssl/crypto.h>

#include "identity.h"
#include "identity_int.h"

#define B_MAGIC		"MMSE"
#define B_VERSION	1
#define SIG_LABEL	"MMS-ENROLL-v1"
#define SEAL_INFO	"MMS-ENROLL-v1 seal"
#define IN_ID		4
#define IN_SIGN		20
#define IN_KEX		52
#define IN_NAME		84

/* key (32) || nonce (12) from the ephemeral-static X25519 secret. */
static int seal_keys(const uint8_t secret[MMS_KEY32], const uint8_t eph_pub[MMS_KEY32],
		     const uint8_t ma_kex[MMS_KEY32], uint8_t okm[32 + MMS_GCM_NONCE])
{
	uint8_t salt[2 * MMS_KEY32], prk[MMS_SHA256_LEN];
	int rc;

	memcpy(salt, eph_pub, MMS_KEY32);
	memcpy(salt + MMS_KEY32, ma_kex, MMS_KEY32);
	rc = mms_hkdf_extract(salt, sizeof(salt), secret, MMS_KEY32, prk);
	if (!rc)
		rc = mms_hkdf_expand(prk, SEAL_INFO, strlen(SEAL_INFO), okm, 32 + MMS_GCM_NONCE);
	OPENSSL_cleanse(prk, sizeof(prk));
	return rc;
}

int mms_bundle_seal(const struct mms_identity *node, const struct mms_pubid *ma,
		    uint8_t *out, size_t cap, struct mms_err *e)
{
	uint8_t inner[IN_NAME + MMS_NAME_MAX + MMS_SIG_LEN];
	uint8_t eph[MMS_KEY32], secret[MMS_KEY32], okm[32 + MMS_GCM_NONCE];
	size_t nlen = strlen(node->pub.name), ilen = IN_NAME + nlen + MMS_SIG_LEN;
	size_t total = MMS_BUNDLE_HDR + ilen + MMS_GCM_TAG;
	struct mms_iov v[3];
	int rc;

	if (ma->role != MMS_ROLE_MA || mms_pubid_check(ma) || mms_pubid_check(&node->pub)) {
		mms_err_set(e, "bad identity or MA public key");
		return -EINVAL;
	}
	if (cap < total) {
		mms_err_set(e, "bundle buffer too small");
		return -ENOSPC;
	}
	memset(out, 0, MMS_BUNDLE_HDR);
	memcpy(out, B_MAGIC, 4);
	out[4] = B_VERSION;
	memcpy(out + 8, ma->id, MMS_ID_LEN);
	out[56] = (uint8_t)(ilen >> 8);
	out[57] = (uint8_t)ilen;

	memset(inner, 0, sizeof(inner));
	inner[0] = node->pub.role;
	inner[1] = (uint8_t)nlen;
	memcpy(inner + IN_ID, node->pub.id, MMS_ID_LEN);
	memcpy(inner + IN_SIGN, node->pub.sign_pub, MMS_KEY32);
	memcpy(inner + IN_KEX, node->pub.kex_pub, MMS_KEY32);
	memcpy(inner + IN_NAME, node->pub.name, nlen);

	rc = mms_x25519_keygen(eph, out + 24);
	if (!rc)
		rc = mms_x25519(eph, ma->kex_pub, secret);
	if (!rc)
		rc = seal_keys(secret, out + 24, ma->kex_pub, okm);
	if (!rc) {
		v[0] = (struct mms_iov){ SIG_LABEL, strlen(SIG_LABEL) };
		v[1] = (struct mms_iov){ out, MMS_BUNDLE_HDR };
		v[2] = (struct mms_iov){ inner, IN_NAME + nlen };
		rc = mms_sign(node->sign_priv, v, 3, inner + IN_NAME + nlen);
	}
	if (!rc)
		rc = mms_gcm_seal(okm, okm + 32, out, MMS_BUNDLE_HDR, inner, ilen,
				  out + MMS_BUNDLE_HDR, out + MMS_BUNDLE_HDR + ilen);
	OPENSSL_cleanse(eph, sizeof(eph));
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(okm, sizeof(okm));
	if (rc) {
		mms_err_set(e, "sealing the bundle failed (%s)", strerror(-rc));
		return rc;
	}
	return (int)total;
}

static int parse_inner(const uint8_t *in, size_t ilen, struct mms_pubid *p, struct mms_err *e)
{
	size_t nlen = in[1];

	if (ilen != IN_NAME + nlen + MMS_SIG_LEN || in[2] || in[3]) {
		mms_err_set(e, "bundle: malformed content");
		return -EBADMSG;
	}
	memset(p, 0, sizeof(*p));
	p->role = in[0];
	memcpy(p->id, in + IN_ID, MMS_ID_LEN);
	memcpy(p->sign_pub, in + IN_SIGN, MMS_KEY32);
	memcpy(p->kex_pub, in + IN_KEX, MMS_KEY32);
	memcpy(p->name, in + IN_NAME, nlen);
	p->name[nlen] = 0;
	if (memchr(p->name, 0, nlen) || mms_pubid_check(p)) {
		mms_err_set(e, "bundle: bad role, name or component ID");
		return -EBADMSG;
	}
	return 0;
}

int mms_bundle_open(const struct mms_identity *ma, const uint8_t *in, size_t len,
		    struct mms_pubid *node, struct mms_err *e)
{
	uint8_t inner[IN_NAME + MMS_NAME_MAX + MMS_SIG_LEN];
	uint8_t secret[MMS_KEY32], okm[32 + MMS_GCM_NONCE];
	char want[2 * MMS_ID_LEN + 1], got[2 * MMS_ID_LEN + 1];
	struct mms_iov v[3];
	size_t ilen;
	int rc;

	/* Cheap structural checks first: nothing is derived for junk. */
	if (len < MMS_BUNDLE_HDR + MMS_GCM_TAG || memcmp(in, B_MAGIC, 4)) {
		mms_err_set(e, "not an MMS enrollment bundle");
		return -EBADMSG;
	}
	if (in[4] != B_VERSION) {
		mms_err_set(e, "bundle version %u not supported (this build reads %d)", in[4],
			    B_VERSION);
		return -EBADMSG;
	}
	ilen = (size_t)in[56] << 8 | in[57];
	if (in[5] || in[6] || in[7] || in[58] || in[59] ||
	    len != MMS_BUNDLE_HDR + ilen + MMS_GCM_TAG || ilen < MMS_BUNDLE_INNER_MIN ||
	    ilen > sizeof(inner)) {
		mms_err_set(e, "bundle: malformed header or length");
		return -EBADMSG;
	}
	if (memcmp(in + 8, ma->pub.id, MMS_ID_LEN)) {
		mms_id_hex(in + 8, got);
		mms_id_hex(ma->pub.id, want);
		mms_err_set(e, "bundle is sealed to MA %s, not to this MA (%s)", got, want);
		return -ENOKEY;
	}
	rc = mms_x25519(ma->kex_priv, in + 24, secret);
	if (!rc)
		rc = seal_keys(secret, in + 24, ma->pub.kex_pub, okm);
	if (!rc)
		rc = mms_gcm_open(okm, okm + 32, in, MMS_BUNDLE_HDR, in + MMS_BUNDLE_HDR, ilen,
				  in + MMS_BUNDLE_HDR + ilen, inner);
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(okm, sizeof(okm));
	if (rc) {
		mms_err_set(e, "bundle does not decrypt with this MA's key (tampered, or sealed "
			    "to another key)");
		return rc == -EIO ? rc : -EBADMSG;
	}
	rc = parse_inner(inner, ilen, node, e);
	if (!rc) {
		v[0] = (struct mms_iov){ SIG_LABEL, strlen(SIG_LABEL) };
		v[1] = (struct mms_iov){ in, MMS_BUNDLE_HDR };
		v[2] = (struct mms_iov){ inner, ilen - MMS_SIG_LEN };
		rc = mms_verify(node->sign_pub, v, 3, inner + ilen - MMS_SIG_LEN);
		if (rc)
			mms_err_set(e, "bundle: the node's signature does not verify; refusing");
	}
	OPENSSL_cleanse(inner, sizeof(inner));
	return rc;
}
