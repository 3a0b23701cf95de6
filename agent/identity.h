/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Node identity and enrollment: what stands in for the design's USB key.
 *
 * A node's state directory (mode 0700, owned by the agent's user):
 *
 *   identity   0600  MMS-IDENTITY 1: role, name, 128-bit component ID, the
 *                    Ed25519 signing seed and the X25519 key-agreement key
 *   trust      0600  MMS-TRUST 1: the MA public keys this node accepts
 *                    (a CM learns them when it enrolls; `mms-enroll trust`)
 *   registry   0600  MMS-REGISTRY 1 (MA only): enrolled components and
 *                    revoked component IDs
 *   seq        0600  MMS-SEQ 1 (MA only): high-water mark of the sequence
 *                    numbers it signs beacons and commands with
 *
 * Every file is a checksummed record (statefile.h), replaced atomically, and
 * refused with a reason when its permissions are loose or its content does not
 * check. Public keys travel in "MMS-PUBKEY 1" files (mms_pubid_write).
 *
 * Enrollment: the CM seals a bundle to the MA's X25519 key (mms_bundle_seal),
 * the operator carries it to the MA (as the design's USB key would be carried),
 * and the MA imports it into its registry (mms_bundle_open +
 * mms_registry_add). docs/security.md explains what this does and does not
 * prove. All functions return 0 or a negative errno with a one-line reason in
 * struct mms_err (which may be NULL).
 */
#ifndef MMS_IDENTITY_H
#define MMS_IDENTITY_H

#include <stddef.h>
#include <stdint.h>
#include "crypto.h"
#include "statefile.h"

#define MMS_ID_LEN	16	/* component ID: 128 random bits */
#define MMS_NAME_MAX	63	/* management name: [A-Za-z0-9._-], first char alnum */

enum mms_role {
	MMS_ROLE_CM = 1,
	MMS_ROLE_MA = 2,
};

/* The public half of a node: what others store about it. */
struct mms_pubid {
	uint8_t role;			/* enum mms_role */
	uint8_t id[MMS_ID_LEN];
	char name[MMS_NAME_MAX + 1];
	uint8_t sign_pub[MMS_KEY32];	/* Ed25519 */
	uint8_t kex_pub[MMS_KEY32];	/* X25519 */
};

struct mms_identity {
	struct mms_pubid pub;
	uint8_t sign_priv[MMS_KEY32];
	uint8_t kex_priv[MMS_KEY32];
};

const char *mms_role_name(int role);
int mms_role_parse(const char *s);		/* enum mms_role or -EINVAL */
int mms_name_valid(const char *name);		/* 1 or 0 */
void mms_id_hex(const uint8_t id[MMS_ID_LEN], char out[2 * MMS_ID_LEN + 1]);
int mms_id_parse(const char *hex, uint8_t id[MMS_ID_LEN]);	/* 0 or -EINVAL */

/* ---- Identity ---- */

/* Make the state dir if missing and a fresh identity in it. Refuses (-EEXIST)
 * when an identity file is already there, whatever its state: an identity is
 * never overwritten. */
int mms_identity_create(const char *dir, const char *name, enum mms_role role,
			struct mms_identity *out, struct mms_err *e);
/* Load and check: permissions, checksum, fields, and that the public keys
 * derived from the private ones are what the file says. */
int mms_identity_load(const char *dir, struct mms_identity *out, struct mms_err *e);
/* Atomic replace (create uses it; tests use it to check atomicity). */
int mms_identity_save(const char *dir, const struct mms_identity *id, struct mms_err *e);
void mms_identity_wipe(struct mms_identity *id);

/* ---- Public key files ---- */

/* The "MMS-PUBKEY 1" text of p into r (free it with mms_rec_free). */
int mms_pubid_format(const struct mms_pubid *p, struct mms_rec *r);
int mms_pubid_write(const char *path, const struct mms_pubid *p, struct mms_err *e);
/* cls: MMS_SF_ANCHOR when the key is about to be trusted. */
int mms_pubid_read(const char *path, enum mms_sf_class cls, struct mms_pubid *p,
		   struct mms_err *e);
/* 1 when both describe the same keys, role, ID and name. */
int mms_pubid_same(const struct mms_pubid *a, const struct mms_pubid *b);

/* ---- Trust store: the MAs a node accepts ---- */

#define MMS_TRUST_MAX	16

struct mms_trust {
	unsigned n;
	uint64_t decree_seq;	/* highest quorum decree applied (auth.h) */
	struct mms_trust_ent {
		struct mms_pubid ma;
		int distrusted;	/* evicted by a quorum of the other MAs */
	} e[MMS_TRUST_MAX];
};

/* Missing file: an empty store. */
int mms_trust_load(const char *dir, struct mms_trust *t, struct mms_err *e);
int mms_trust_save(const char *dir, const struct mms_trust *t, struct mms_err *e);
/* 0 added, 1 already there (identical). -EKEYREJECTED: same ID, other keys;
 * -EPERM: that MA was distrusted; -EINVAL: not an MA; -ENOSPC: full. */
int mms_trust_add(struct mms_trust *t, const struct mms_pubid *ma, struct mms_err *e);
/* The MA if trusted and not distrusted, else NULL. */
const struct mms_pubid *mms_trust_find(const struct mms_trust *t, const uint8_t id[MMS_ID_LEN]);
/* Majority of the MAs in the store: floor(n/2) + 1. */
unsigned mms_trust_quorum(const struct mms_trust *t);

/* ---- Registry (MA): valid components and revoked IDs ---- */

#define MMS_REGISTRY_MAX	4096	/* components, and revoked IDs, each */

struct mms_registry {
	size_t n, cap, nrev, caprev;
	struct mms_pubid *c;		/* n valid components */
	uint8_t (*rev)[MMS_ID_LEN];	/* nrev revoked IDs */
};

enum mms_reg_status {
	MMS_REG_UNKNOWN = 0,
	MMS_REG_VALID,
	MMS_REG_REVOKED,
};

/* Missing file: an empty registry. */
int mms_registry_load(const char *dir, struct mms_registry *r, struct mms_err *e);
int mms_registry_save(const char *dir, const struct mms_registry *r, struct mms_err *e);
void mms_registry_free(struct mms_registry *r);
/* 0 added, 1 already enrolled with these keys. -EKEYREVOKED: the ID is
 * revoked; -EKEYREJECTED: the ID is enrolled with other keys; -EEXIST: the
 * name is taken by another ID; -EINVAL: not a CM; -ENOSPC: full. */
int mms_registry_add(struct mms_registry *r, const struct mms_pubid *cm, struct mms_err *e);
/* Remove the component (if enrolled) and remember its ID as revoked for good.
 * 0 revoked, 1 already revoked, -ENOSPC. */
int mms_registry_revoke(struct mms_registry *r, const uint8_t id[MMS_ID_LEN], struct mms_err *e);
/* Revoked IDs win over enrolled ones (they cannot both be there after a
 * revoke, but a hand-edited file is not trusted to be consistent). */
enum mms_reg_status mms_registry_lookup(const struct mms_registry *r,
					const uint8_t id[MMS_ID_LEN],
					const struct mms_pubid **out);

/* ---- Enrollment bundle ---- */

/*
 * Outer, in clear and authenticated as AES-GCM associated data:
 *   0  "MMSE"   4  version = 1   5  rsvd[3] = 0
 *   8  MA component ID (recipient)
 *  24  ephemeral X25519 public key
 *  56  be16 inner length   58 rsvd[2] = 0
 *  60  AES-256-GCM ciphertext of the inner part, then a 16-byte tag
 * Key and nonce: HKDF-SHA256(salt = eph_pub || ma_kex_pub,
 *   ikm = X25519(eph, ma_kex), info = "MMS-ENROLL-v1 seal") -> 32 + 12 bytes.
 * Inner:
 *   0 role  1 name length  2 rsvd[2] = 0  4 component ID  20 Ed25519 pub
 *  52 X25519 pub  84 name  then an Ed25519 signature by the node over
 *   "MMS-ENROLL-v1" || outer header (bytes 0..59) || inner before the signature.
 */
#define MMS_BUNDLE_HDR		60
#define MMS_BUNDLE_INNER_MIN	(84 + 1 + MMS_SIG_LEN)
#define MMS_BUNDLE_MAX		(MMS_BUNDLE_HDR + 84 + MMS_NAME_MAX + MMS_SIG_LEN + MMS_GCM_TAG)

/* Returns the bundle length or a negative errno. */
int mms_bundle_seal(const struct mms_identity *node, const struct mms_pubid *ma,
		    uint8_t *out, size_t cap, struct mms_err *e);
/* Open with the MA's identity: -ENOKEY sealed to another MA, -EBADMSG
 * malformed or tampered (AEAD), -EKEYREJECTED the node's signature fails. */
int mms_bundle_open(const struct mms_identity *ma, const uint8_t *in, size_t len,
		    struct mms_pubid *node, struct mms_err *e);

/* ---- Signed sequence numbers (MA) ---- */

/* Reserve block numbers: *start is the first, and the persisted high-water
 * mark moves past the block before this returns, so an MA that restarts never
 * signs a number twice. */
int mms_seq_reserve(const char *dir, uint64_t block, uint64_t *start, struct mms_err *e);

#endif /* MMS_IDENTITY_H */
