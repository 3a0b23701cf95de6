// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * EVP wrappers (see crypto.h). Callers never hold OpenSSL handles: each
 * function builds the objects it needs and frees them, with two exceptions
 * kept for the cost of a steady-state agent (docs/control-plane.md, "The
 * agent"): the HMAC and SHA-256 implementations are fetched once, and the
 * last few Ed25519 keys are kept as key objects (keycache below).
 */
#include <errno.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "crypto.h"

/* Pieces are concatenated before signing: Ed25519 is not streaming. The
 * messages signed here are a few hundred bytes. */
#define MMS_SIGN_MAX 4096

int mms_random(void *buf, size_t n)
{
	return RAND_bytes(buf, (int)n) == 1 ? 0 : -EIO;
}

int mms_ct_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

int mms_is_zero(const void *a, size_t n)
{
	const uint8_t *p = a;
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

static int raw_pub(int type, const uint8_t priv[MMS_KEY32], uint8_t pub[MMS_KEY32])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(type, NULL, priv, MMS_KEY32);
	size_t n = MMS_KEY32;
	int ok;

	if (!k)
		return -EIO;
	ok = EVP_PKEY_get_raw_public_key(k, pub, &n) == 1 && n == MMS_KEY32;
	EVP_PKEY_free(k);
	return ok ? 0 : -EIO;
}

int mms_ed25519_pub(const uint8_t priv[MMS_KEY32], uint8_t pub[MMS_KEY32])
{
	return raw_pub(EVP_PKEY_ED25519, priv, pub);
}

int mms_x25519_pub(const uint8_t priv[MMS_KEY32], uint8_t pub[MMS_KEY32])
{
	return raw_pub(EVP_PKEY_X25519, priv, pub);
}

/* Both curves take 32 uniformly random bytes as a private key (Ed25519 a
 * seed, X25519 a scalar clamped on use), so generation is random + derive. */
static int keygen(int type, uint8_t priv[MMS_KEY32], uint8_t pub[MMS_KEY32])
{
	int rc = mms_random(priv, MMS_KEY32);

	if (!rc)
		rc = raw_pub(type, priv, pub);
	if (rc)
		OPENSSL_cleanse(priv, MMS_KEY32);
	return rc;
}

int mms_ed25519_keygen(uint8_t priv[MMS_KEY32], uint8_t pub[MMS_KEY32])
{
	return keygen(EVP_PKEY_ED25519, priv, pub);
}

int mms_x25519_keygen(uint8_t priv[MMS_KEY32], uint8_t pub[MMS_KEY32])
{
	return keygen(EVP_PKEY_X25519, priv, pub);
}

static int gather(const struct mms_iov *v, int nv, uint8_t *buf, size_t *len)
{
	size_t n = 0;

	for (int i = 0; i < nv; i++) {
		if (v[i].n > MMS_SIGN_MAX - n)
			return -EMSGSIZE;
		memcpy(buf + n, v[i].p, v[i].n);
		n += v[i].n;
	}
	*len = n;
	return 0;
}

/*
 * Ed25519 key objects of the last few keys used, per thread. Making one
 * from raw bytes costs, for a private key, as much as a signature (OpenSSL
 * derives the public key), and an agent uses the same few keys ten times a
 * second: its own to sign beacons, its MAs' to check them. The private key
 * stays in its OpenSSL object (which wipes it when freed) and, to find it,
 * in the entry, wiped on eviction and by mms_crypto_forget().
 */
#define KEYCACHE_N 8

struct keycache_entry {
	EVP_PKEY *k;
	uint64_t used;
	uint8_t sign;		/* a private key (sign) or a public one (verify) */
	uint8_t raw[MMS_KEY32];
};

static __thread struct keycache_entry keycache[KEYCACHE_N];
static __thread uint64_t keycache_clock;

static void keycache_drop(struct keycache_entry *e)
{
	EVP_PKEY_free(e->k);
	OPENSSL_cleanse(e, sizeof(*e));
}

void mms_crypto_forget(void)
{
	for (int i = 0; i < KEYCACHE_N; i++)
		keycache_drop(&keycache[i]);
	keycache_clock = 0;
}

/* The key object of key (NULL: not a usable key); owned by the cache. */
static EVP_PKEY *keycache_get(int sign, const uint8_t key[MMS_KEY32])
{
	struct keycache_entry *e, *old = &keycache[0];

	for (int i = 0; i < KEYCACHE_N; i++) {
		e = &keycache[i];
		if (e->k && e->sign == sign && CRYPTO_memcmp(e->raw, key, MMS_KEY32) == 0) {
			e->used = ++keycache_clock;
			return e->k;
		}
		if (!e->k || (old->k && e->used < old->used))
			old = e;
	}
	keycache_drop(old);
	old->k = sign ? EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, key, MMS_KEY32) :
			EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, key, MMS_KEY32);
	if (!old->k)
		return NULL;
	old->sign = (uint8_t)sign;
	memcpy(old->raw, key, MMS_KEY32);
	old->used = ++keycache_clock;
	return old->k;
}

/* One Ed25519 operation: sign with a private key, or verify with a public one. */
static int ed25519(int sign, const uint8_t key[MMS_KEY32], const struct mms_iov *v, int nv,
		   const uint8_t *sig_in, uint8_t *sig_out)
{
	uint8_t buf[MMS_SIGN_MAX];
	size_t len, slen = MMS_SIG_LEN;
	EVP_PKEY *k;
	EVP_MD_CTX *md = NULL;
	int rc = gather(v, nv, buf, &len);

	if (rc)
		return rc;
	k = keycache_get(sign, key);
	md = EVP_MD_CTX_new();
	rc = -EIO;
	if (sign) {
		if (k && md && EVP_DigestSignInit(md, NULL, NULL, NULL, k) == 1 &&
		    EVP_DigestSign(md, sig_out, &slen, buf, len) == 1 && slen == MMS_SIG_LEN)
			rc = 0;
	} else if (k && md && EVP_DigestVerifyInit(md, NULL, NULL, NULL, k) == 1) {
		rc = EVP_DigestVerify(md, sig_in, MMS_SIG_LEN, buf, len) == 1 ? 0 : -EKEYREJECTED;
	} else if (!k && md) {
		rc = -EKEYREJECTED;	/* not a usable public key */
	}
	EVP_MD_CTX_free(md);
	OPENSSL_cleanse(buf, len);
	return rc;
}

int mms_sign(const uint8_t priv[MMS_KEY32], const struct mms_iov *v, int nv,
	     uint8_t sig[MMS_SIG_LEN])
{
	return ed25519(1, priv, v, nv, NULL, sig);
}

int mms_verify(const uint8_t pub[MMS_KEY32], const struct mms_iov *v, int nv,
	       const uint8_t sig[MMS_SIG_LEN])
{
	return ed25519(0, pub, v, nv, sig, NULL);
}

int mms_x25519(const uint8_t priv[MMS_KEY32], const uint8_t peer[MMS_KEY32],
	       uint8_t out[MMS_KEY32])
{
	EVP_PKEY *a = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, MMS_KEY32);
	EVP_PKEY *b = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer, MMS_KEY32);
	EVP_PKEY_CTX *c = a ? EVP_PKEY_CTX_new(a, NULL) : NULL;
	size_t n = MMS_KEY32;
	int rc = -EIO;

	if (c && b && EVP_PKEY_derive_init(c) == 1 && EVP_PKEY_derive_set_peer(c, b) == 1) {
		/* OpenSSL refuses an all-zero result itself; we check again so
		 * that the guarantee does not depend on the library version. */
		rc = EVP_PKEY_derive(c, out, &n) == 1 && n == MMS_KEY32 ? 0 : -EKEYREJECTED;
		if (!rc && mms_is_zero(out, MMS_KEY32))
			rc = -EKEYREJECTED;
		if (rc)
			OPENSSL_cleanse(out, MMS_KEY32);
	}
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(b);
	EVP_PKEY_free(a);
	return rc;
}

static int hkdf(int mode, const void *salt, size_t salt_len, const void *key, size_t key_len,
		const void *info, size_t info_len, void *out, size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM par[6], *p = par;
	int rc = -EIO;

	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0);
	*p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, key_len);
	if (salt_len)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt,
							 salt_len);
	if (info_len)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info,
							 info_len);
	*p = OSSL_PARAM_construct_end();
	if (ctx && EVP_KDF_derive(ctx, out, out_len, par) == 1)
		rc = 0;
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return rc;
}

int mms_hkdf_extract(const void *salt, size_t salt_len, const void *ikm, size_t ikm_len,
		     uint8_t prk[MMS_SHA256_LEN])
{
	return hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, salt, salt_len, ikm, ikm_len, NULL, 0,
		    prk, MMS_SHA256_LEN);
}

int mms_hkdf_expand(const uint8_t prk[MMS_SHA256_LEN], const void *info, size_t info_len,
		    void *out, size_t out_len)
{
	return hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, NULL, 0, prk, MMS_SHA256_LEN, info, info_len,
		    out, out_len);
}

int mms_gcm_seal(const uint8_t key[32], const uint8_t nonce[MMS_GCM_NONCE],
		 const void *aad, size_t aad_len, const void *pt, size_t pt_len,
		 uint8_t *ct, uint8_t tag[MMS_GCM_TAG])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n, rc = -EIO;

	if (c && EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, nonce) == 1 &&
	    (!aad_len || EVP_EncryptUpdate(c, NULL, &n, aad, (int)aad_len) == 1) &&
	    EVP_EncryptUpdate(c, ct, &n, pt, (int)pt_len) == 1 && (size_t)n == pt_len &&
	    EVP_EncryptFinal_ex(c, ct + n, &n) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, MMS_GCM_TAG, tag) == 1)
		rc = 0;
	EVP_CIPHER_CTX_free(c);
	return rc;
}

int mms_gcm_open(const uint8_t key[32], const uint8_t nonce[MMS_GCM_NONCE],
		 const void *aad, size_t aad_len, const uint8_t *ct, size_t ct_len,
		 const uint8_t tag[MMS_GCM_TAG], void *pt)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n, rc = -EIO;

	if (c && EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, nonce) == 1 &&
	    (!aad_len || EVP_DecryptUpdate(c, NULL, &n, aad, (int)aad_len) == 1) &&
	    EVP_DecryptUpdate(c, pt, &n, ct, (int)ct_len) == 1 && (size_t)n == ct_len &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, MMS_GCM_TAG, (void *)tag) == 1)
		rc = EVP_DecryptFinal_ex(c, (uint8_t *)pt + n, &n) == 1 ? 0 : -EBADMSG;
	EVP_CIPHER_CTX_free(c);
	if (rc)
		OPENSSL_cleanse(pt, ct_len);	/* never hand out unauthenticated plaintext */
	return rc;
}

int mms_hmac_sha256(const uint8_t *key, size_t key_len, const struct mms_iov *v, int nv,
		    uint8_t out[MMS_SHA256_LEN])
{
	static __thread EVP_MAC *mac;	/* fetched once: a fetch costs a third of a MAC */
	EVP_MAC_CTX *c;
	OSSL_PARAM par[2];
	size_t n = 0;
	int ok;

	if (!mac)
		mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	c = mac ? EVP_MAC_CTX_new(mac) : NULL;
	par[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0);
	par[1] = OSSL_PARAM_construct_end();
	ok = c && EVP_MAC_init(c, key, key_len, par) == 1;
	for (int i = 0; ok && i < nv; i++)
		ok = EVP_MAC_update(c, v[i].p, v[i].n) == 1;
	ok = ok && EVP_MAC_final(c, out, &n, MMS_SHA256_LEN) == 1 && n == MMS_SHA256_LEN;
	EVP_MAC_CTX_free(c);
	return ok ? 0 : -EIO;
}

int mms_sha256(const struct mms_iov *v, int nv, uint8_t out[MMS_SHA256_LEN])
{
	static __thread EVP_MD *sha;	/* fetched once (EVP_sha256() fetches on each init) */
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned n = 0;
	int ok;

	if (!sha)
		sha = EVP_MD_fetch(NULL, "SHA256", NULL);
	ok = c && sha && EVP_DigestInit_ex(c, sha, NULL) == 1;

	for (int i = 0; ok && i < nv; i++)
		ok = EVP_DigestUpdate(c, v[i].p, v[i].n) == 1;
	ok = ok && EVP_DigestFinal_ex(c, out, &n) == 1 && n == MMS_SHA256_LEN;
	EVP_MD_CTX_free(c);
	return ok ? 0 : -EIO;
}

void mms_hex(const void *in, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	const uint8_t *p = in;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = 0;
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int mms_unhex(const char *s, size_t slen, void *out, size_t n)
{
	uint8_t *o = out;

	if (slen != 2 * n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		o[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
