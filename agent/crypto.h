/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Thin wrappers over OpenSSL 3 EVP for the primitives the security layer
 * uses, so the rest of the code reads as protocol, not as EVP plumbing:
 *   Ed25519 signatures, X25519 key agreement, HKDF-SHA256, AES-256-GCM,
 *   HMAC-SHA256, SHA-256, random bytes, constant-time comparison.
 * Keys are raw 32-byte strings; temporary OpenSSL objects are freed before
 * return, but for the last few Ed25519 keys (a per-thread cache, see
 * mms_crypto_forget) and the fetched HMAC and SHA-256 implementations. All functions return 0 or a negative errno:
 *   -EIO          the library failed (out of memory, provider missing)
 *   -EKEYREJECTED a signature did not verify, or a key agreement produced
 *                 the all-zero secret (a low-order peer key)
 *   -EBADMSG      an AEAD tag did not verify
 */
#ifndef MMS_CRYPTO_H
#define MMS_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define MMS_KEY32	32	/* Ed25519 seed / public, X25519 private / public */
#define MMS_SIG_LEN	64	/* Ed25519 signature */
#define MMS_SHA256_LEN	32
#define MMS_GCM_NONCE	12
#define MMS_GCM_TAG	16

/* A piece of a message that is hashed or MACed without being copied together. */
struct mms_iov {
	const void *p;
	size_t n;
};

int mms_random(void *buf, size_t n);
/* 1 when the n bytes are equal; time independent of where they differ. */
int mms_ct_equal(const void *a, const void *b, size_t n);
/* 1 when all n bytes are zero (constant time). */
int mms_is_zero(const void *a, size_t n);

/* A fresh key pair: a random private key and its public key. */
int mms_ed25519_keygen(uint8_t priv[MMS_KEY32], uint8_t pub[MMS_KEY32]);
int mms_x25519_keygen(uint8_t priv[MMS_KEY32], uint8_t pub[MMS_KEY32]);
/* The public key of a private key (used to check stored identities). */
int mms_ed25519_pub(const uint8_t priv[MMS_KEY32], uint8_t pub[MMS_KEY32]);
int mms_x25519_pub(const uint8_t priv[MMS_KEY32], uint8_t pub[MMS_KEY32]);

/* Ed25519 (pure, RFC 8032) over the concatenation of the pieces. */
int mms_sign(const uint8_t priv[MMS_KEY32], const struct mms_iov *v, int nv,
	     uint8_t sig[MMS_SIG_LEN]);
int mms_verify(const uint8_t pub[MMS_KEY32], const struct mms_iov *v, int nv,
	       const uint8_t sig[MMS_SIG_LEN]);

/* Free the cached Ed25519 key objects of this thread (private keys wiped).
 * Not needed for correctness: for a process about to drop its identity. */
void mms_crypto_forget(void);

/* X25519 shared secret; -EKEYREJECTED when it is all zero. */
int mms_x25519(const uint8_t priv[MMS_KEY32], const uint8_t peer[MMS_KEY32],
	       uint8_t out[MMS_KEY32]);

/* HKDF-SHA256 (RFC 5869), extract and expand separately so that one master
 * secret can be expanded into many labelled keys. */
int mms_hkdf_extract(const void *salt, size_t salt_len, const void *ikm, size_t ikm_len,
		     uint8_t prk[MMS_SHA256_LEN]);
int mms_hkdf_expand(const uint8_t prk[MMS_SHA256_LEN], const void *info, size_t info_len,
		    void *out, size_t out_len);

/* AES-256-GCM; ct has pt_len bytes. */
int mms_gcm_seal(const uint8_t key[32], const uint8_t nonce[MMS_GCM_NONCE],
		 const void *aad, size_t aad_len, const void *pt, size_t pt_len,
		 uint8_t *ct, uint8_t tag[MMS_GCM_TAG]);
int mms_gcm_open(const uint8_t key[32], const uint8_t nonce[MMS_GCM_NONCE],
		 const void *aad, size_t aad_len, const uint8_t *ct, size_t ct_len,
		 const uint8_t tag[MMS_GCM_TAG], void *pt);

int mms_hmac_sha256(const uint8_t *key, size_t key_len, const struct mms_iov *v, int nv,
		    uint8_t out[MMS_SHA256_LEN]);
int mms_sha256(const struct mms_iov *v, int nv, uint8_t out[MMS_SHA256_LEN]);

/* Lower-case hex; out must hold 2n+1 bytes. */
void mms_hex(const void *in, size_t n, char *out);
/* Exactly 2n hex digits (either case) into n bytes; -EINVAL otherwise. */
int mms_unhex(const char *s, size_t slen, void *out, size_t n);

#endif /* MMS_CRYPTO_H */
