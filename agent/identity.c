// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Node identity and public key files (identity.h). Both are records with the
 * same public fields; the identity adds the two private keys. Parsing is
 * strict: every field exactly once, nothing unknown, and the stored public
 * keys must be the ones the private keys give, so even a file whose checksum
 * was recomputed after an edit cannot pair one node's ID with another's keys.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/crypto.h>

#include "identity.h"
#include "identity_int.h"

#define ID_FILE		"identity"
#define ID_MAGIC	"MMS-IDENTITY"
#define PUB_MAGIC	"MMS-PUBKEY"
#define REC_VERSION	1
#define SMALL_FILE	4096

const char *mms_role_name(int role)
{
	return role == MMS_ROLE_MA ? "ma" : role == MMS_ROLE_CM ? "cm" : "?";
}

int mms_role_parse(const char *s)
{
	if (!strcmp(s, "ma"))
		return MMS_ROLE_MA;
	if (!strcmp(s, "cm"))
		return MMS_ROLE_CM;
	return -EINVAL;
}

static int name_char(char c, int first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return !first && (c == '-' || c == '_' || c == '.');
}

int mms_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (!n || n > MMS_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!name_char(name[i], i == 0))
			return 0;
	return 1;
}

void mms_id_hex(const uint8_t id[MMS_ID_LEN], char out[2 * MMS_ID_LEN + 1])
{
	mms_hex(id, MMS_ID_LEN, out);
}

int mms_id_parse(const char *hex, uint8_t id[MMS_ID_LEN])
{
	return mms_unhex(hex, strlen(hex), id, MMS_ID_LEN);
}

int mms_pubid_same(const struct mms_pubid *a, const struct mms_pubid *b)
{
	return a->role == b->role && !memcmp(a->id, b->id, MMS_ID_LEN) &&
	       !strcmp(a->name, b->name) && !memcmp(a->sign_pub, b->sign_pub, MMS_KEY32) &&
	       !memcmp(a->kex_pub, b->kex_pub, MMS_KEY32);
}

int mms_pubid_check(const struct mms_pubid *p)
{
	if (p->role != MMS_ROLE_CM && p->role != MMS_ROLE_MA)
		return -EINVAL;
	if (!mms_name_valid(p->name) || mms_is_zero(p->id, MMS_ID_LEN))
		return -EINVAL;
	return 0;
}

/* ---- one-line form, for the trust store and the registry ---- */

void mms_pubid_add_line(struct mms_rec *r, const char *key, const struct mms_pubid *p)
{
	char id[2 * MMS_ID_LEN + 1], sp[2 * MMS_KEY32 + 1], kp[2 * MMS_KEY32 + 1];

	mms_hex(p->id, MMS_ID_LEN, id);
	mms_hex(p->sign_pub, MMS_KEY32, sp);
	mms_hex(p->kex_pub, MMS_KEY32, kp);
	mms_rec_add(r, key, "%s %s %s %s", id, sp, kp, p->name);
}

/* "<id> <sign-pub> <kex-pub> <name>" */
int mms_pubid_parse_line(struct mms_rec_reader *rd, int role, const char *val, size_t vlen,
			 struct mms_pubid *p, struct mms_err *e)
{
	const size_t want = 2 * MMS_ID_LEN + 1 + 2 * MMS_KEY32 + 1 + 2 * MMS_KEY32 + 1;
	size_t nlen;

	memset(p, 0, sizeof(*p));
	p->role = (uint8_t)role;
	if (vlen <= want || val[2 * MMS_ID_LEN] != ' ' ||
	    val[2 * MMS_ID_LEN + 1 + 2 * MMS_KEY32] != ' ' || val[want - 1] != ' ')
		return mms_rec_bad(rd, e, "want '<id> <sign-pub> <kex-pub> <name>'");
	nlen = vlen - want;
	if (nlen > MMS_NAME_MAX)
		return mms_rec_bad(rd, e, "name too long");
	memcpy(p->name, val + want, nlen);
	p->name[nlen] = 0;
	if (mms_unhex(val, 2 * MMS_ID_LEN, p->id, MMS_ID_LEN) ||
	    mms_unhex(val + 2 * MMS_ID_LEN + 1, 2 * MMS_KEY32, p->sign_pub, MMS_KEY32) ||
	    mms_unhex(val + 2 * MMS_ID_LEN + 2 + 2 * MMS_KEY32, 2 * MMS_KEY32, p->kex_pub,
		      MMS_KEY32))
		return mms_rec_bad(rd, e, "bad hex");
	if (mms_pubid_check(p))
		return mms_rec_bad(rd, e, "bad name or zero ID");
	return 0;
}

/* ---- identity and pubkey records ---- */

enum field {
	F_ROLE, F_NAME, F_ID, F_SIGN_PUB, F_KEX_PUB, F_SIGN_PRIV, F_KEX_PRIV, F_MAX
};

static const char *const field_key[F_MAX] = {
	[F_ROLE] = "role", [F_NAME] = "name", [F_ID] = "id", [F_SIGN_PUB] = "sign-pub",
	[F_KEX_PUB] = "kex-pub", [F_SIGN_PRIV] = "sign-priv", [F_KEX_PRIV] = "kex-priv",
};

static void add_pub_fields(struct mms_rec *r, const struct mms_pubid *p)
{
	mms_rec_add(r, "role", "%s", mms_role_name(p->role));
	mms_rec_add(r, "name", "%s", p->name);
	mms_rec_add_hex(r, "id", p->id, MMS_ID_LEN);
	mms_rec_add_hex(r, "sign-pub", p->sign_pub, MMS_KEY32);
	mms_rec_add_hex(r, "kex-pub", p->kex_pub, MMS_KEY32);
}

static int parse_field(struct mms_rec_reader *rd, enum field f, const char *val, size_t vlen,
		       struct mms_identity *id, struct mms_err *e)
{
	char buf[MMS_NAME_MAX + 1];
	int role;

	switch (f) {
	case F_ROLE:
	case F_NAME:
		if (vlen > MMS_NAME_MAX)
			return mms_rec_bad(rd, e, "%s: too long", field_key[f]);
		memcpy(buf, val, vlen);
		buf[vlen] = 0;
		if (f == F_NAME) {
			if (!mms_name_valid(buf))
				return mms_rec_bad(rd, e, "name: not a valid name");
			memcpy(id->pub.name, buf, vlen + 1);
			return 0;
		}
		role = mms_role_parse(buf);
		if (role < 0)
			return mms_rec_bad(rd, e, "role: want ma or cm");
		id->pub.role = (uint8_t)role;
		return 0;
	case F_ID:
		return mms_rec_hex(rd, "id", val, vlen, id->pub.id, MMS_ID_LEN, e);
	case F_SIGN_PUB:
		return mms_rec_hex(rd, "sign-pub", val, vlen, id->pub.sign_pub, MMS_KEY32, e);
	case F_KEX_PUB:
		return mms_rec_hex(rd, "kex-pub", val, vlen, id->pub.kex_pub, MMS_KEY32, e);
	case F_SIGN_PRIV:
		return mms_rec_hex(rd, "sign-priv", val, vlen, id->sign_priv, MMS_KEY32, e);
	case F_KEX_PRIV:
		return mms_rec_hex(rd, "kex-priv", val, vlen, id->kex_priv, MMS_KEY32, e);
	case F_MAX:
		break;
	}
	return -EINVAL;
}

/* Parse the fields of an identity (secret = 1) or a pubkey file (secret = 0). */
static int parse_fields(struct mms_rec_reader *rd, int secret, struct mms_identity *id,
			struct mms_err *e)
{
	const int nf = secret ? F_MAX : F_SIGN_PRIV;
	int seen[F_MAX] = { 0 };
	const char *val;
	size_t vlen;
	char key[32];
	int rc, f;

	memset(id, 0, sizeof(*id));
	while ((rc = mms_rec_next(rd, key, &val, &vlen, e)) > 0) {
		for (f = 0; f < nf && strcmp(key, field_key[f]); f++)
			;
		if (f == nf)
			return mms_rec_bad(rd, e, "unknown field '%s'", key);
		if (seen[f]++)
			return mms_rec_bad(rd, e, "field '%s' twice", key);
		rc = parse_field(rd, (enum field)f, val, vlen, id, e);
		if (rc)
			return rc;
	}
	if (rc < 0)
		return rc;
	for (f = 0; f < nf; f++)
		if (!seen[f])
			return mms_rec_bad(rd, e, "field '%s' missing", field_key[f]);
	if (mms_is_zero(id->pub.id, MMS_ID_LEN))
		return mms_rec_bad(rd, e, "id: all zero");
	return 0;
}

static int keys_match(const struct mms_identity *id)
{
	uint8_t sp[MMS_KEY32], kp[MMS_KEY32];

	if (mms_ed25519_pub(id->sign_priv, sp) || mms_x25519_pub(id->kex_priv, kp))
		return 0;
	return !memcmp(sp, id->pub.sign_pub, MMS_KEY32) && !memcmp(kp, id->pub.kex_pub, MMS_KEY32);
}

void mms_identity_wipe(struct mms_identity *id)
{
	OPENSSL_cleanse(id, sizeof(*id));
}

int mms_identity_save(const char *dir, const struct mms_identity *id, struct mms_err *e)
{
	char path[4096];
	struct mms_rec r;
	int rc = mms_sf_check_dir(dir, e);

	if (!rc)
		rc = mms_sf_path(path, sizeof(path), dir, ID_FILE, e);
	if (rc)
		return rc;
	mms_rec_init(&r, ID_MAGIC, REC_VERSION);
	add_pub_fields(&r, &id->pub);
	mms_rec_add_hex(&r, "sign-priv", id->sign_priv, MMS_KEY32);
	mms_rec_add_hex(&r, "kex-priv", id->kex_priv, MMS_KEY32);
	return mms_rec_save(&r, path, 0600, e);
}

int mms_identity_load(const char *dir, struct mms_identity *out, struct mms_err *e)
{
	struct mms_rec_reader rd;
	char path[4096], *data = NULL;
	size_t len = 0;
	int rc = mms_sf_check_dir(dir, e);

	memset(out, 0, sizeof(*out));
	if (!rc)
		rc = mms_sf_path(path, sizeof(path), dir, ID_FILE, e);
	if (!rc)
		rc = mms_rec_load(path, MMS_SF_SECRET, SMALL_FILE, ID_MAGIC, REC_VERSION, &rd,
				  &data, &len, e);
	if (!rc)
		rc = parse_fields(&rd, 1, out, e);
	if (!rc && !keys_match(out)) {
		mms_err_set(e, "%s: the public keys are not those of the private keys "
			    "(corrupted); refusing", path);
		rc = -EBADMSG;
	}
	mms_sf_release(data, len);
	if (rc)
		mms_identity_wipe(out);
	return rc;
}

int mms_identity_create(const char *dir, const char *name, enum mms_role role,
			struct mms_identity *out, struct mms_err *e)
{
	char path[4096];
	struct stat st;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!mms_name_valid(name)) {
		mms_err_set(e, "'%s': not a valid name (1-%d of A-Z a-z 0-9 . _ -, "
			    "starting with a letter or digit)", name, MMS_NAME_MAX);
		return -EINVAL;
	}
	if (role != MMS_ROLE_CM && role != MMS_ROLE_MA) {
		mms_err_set(e, "bad role");
		return -EINVAL;
	}
	rc = mms_sf_make_dir(dir, e);
	if (!rc)
		rc = mms_sf_path(path, sizeof(path), dir, ID_FILE, e);
	if (rc)
		return rc;
	if (lstat(path, &st) == 0 || errno != ENOENT) {
		mms_err_set(e, "%s: an identity is already there; refusing to replace it", path);
		return -EEXIST;
	}
	out->pub.role = (uint8_t)role;
	snprintf(out->pub.name, sizeof(out->pub.name), "%s", name);
	do {
		rc = mms_random(out->pub.id, MMS_ID_LEN);
	} while (!rc && mms_is_zero(out->pub.id, MMS_ID_LEN));
	if (!rc)
		rc = mms_ed25519_keygen(out->sign_priv, out->pub.sign_pub);
	if (!rc)
		rc = mms_x25519_keygen(out->kex_priv, out->pub.kex_pub);
	if (rc)
		mms_err_set(e, "key generation failed");
	else
		rc = mms_identity_save(dir, out, e);
	if (rc)
		mms_identity_wipe(out);
	return rc;
}

/* ---- public key files ---- */

int mms_pubid_format(const struct mms_pubid *p, struct mms_rec *r)
{
	mms_rec_init(r, PUB_MAGIC, REC_VERSION);
	add_pub_fields(r, p);
	return mms_rec_finish(r);
}

int mms_pubid_write(const char *path, const struct mms_pubid *p, struct mms_err *e)
{
	struct mms_rec r;
	int rc = mms_pubid_format(p, &r);

	if (rc)
		mms_err_set(e, "%s: cannot format the public key", path);
	else
		rc = mms_sf_write(path, r.buf, r.len, 0644, e);
	mms_rec_free(&r);
	return rc;
}

int mms_pubid_read(const char *path, enum mms_sf_class cls, struct mms_pubid *p,
		   struct mms_err *e)
{
	struct mms_rec_reader rd;
	struct mms_identity id;
	char *data = NULL;
	size_t len = 0;
	int rc = mms_rec_load(path, cls, SMALL_FILE, PUB_MAGIC, REC_VERSION, &rd, &data, &len, e);

	if (!rc)
		rc = parse_fields(&rd, 0, &id, e);
	if (!rc)
		*p = id.pub;
	mms_sf_release(data, len);
	return rc;
}
