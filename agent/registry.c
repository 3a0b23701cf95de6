// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Who a node trusts: the trust store (the MAs a node accepts), the MA's
 * registry (enrolled components, revoked IDs) and the MA's signed-sequence
 * high-water mark. Loading is strict like the identity's: a file that does
 * not check is refused, never half used, because a half-read registry would
 * silently un-revoke or un-enroll nodes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "identity_int.h"

#define REC_VERSION	1
#define PATH_MAX_LEN	4096

struct state_file {
	const char *name, *magic;
	size_t max;
};

static const struct state_file trust_file = { "trust", "MMS-TRUST", MMS_TRUST_MAX * 256 + 512 };
static const struct state_file reg_file = { "registry", "MMS-REGISTRY",
					    (size_t)MMS_REGISTRY_MAX * 256 * 2 };
static const struct state_file seq_file = { "seq", "MMS-SEQ", 512 };

static int state_path(char *path, const char *dir, const struct state_file *f,
		      struct mms_err *e)
{
	int rc = mms_sf_check_dir(dir, e);

	return rc ? rc : mms_sf_path(path, PATH_MAX_LEN, dir, f->name, e);
}

/* Open f in dir as a record: 0 (release *data afterwards), 1 when there is
 * no such file yet (nothing to release), or a negative error (release). A
 * missing or unsafe state directory is an error, never "no file". */
static int state_open(const char *dir, const struct state_file *f, char *path,
		      struct mms_rec_reader *rd, char **data, size_t *len, struct mms_err *e)
{
	int rc = state_path(path, dir, f, e);

	*data = NULL;
	*len = 0;
	if (rc)
		return rc;
	rc = mms_rec_load(path, MMS_SF_STATE, f->max, f->magic, REC_VERSION, rd, data, len, e);
	return rc == -ENOENT && !*data ? 1 : rc;
}

/* Start the record that will replace f in dir. */
static int state_begin(const char *dir, const struct state_file *f, char *path,
		       struct mms_rec *r, struct mms_err *e)
{
	int rc = state_path(path, dir, f, e);

	if (!rc)
		mms_rec_init(r, f->magic, REC_VERSION);
	return rc;
}

/* ---- trust store ---- */

const struct mms_pubid *mms_trust_find(const struct mms_trust *t, const uint8_t id[MMS_ID_LEN])
{
	for (unsigned i = 0; i < t->n; i++)
		if (!memcmp(t->e[i].ma.id, id, MMS_ID_LEN))
			return t->e[i].distrusted ? NULL : &t->e[i].ma;
	return NULL;
}

unsigned mms_trust_quorum(const struct mms_trust *t)
{
	return t->n / 2 + 1;
}

int mms_trust_add(struct mms_trust *t, const struct mms_pubid *ma, struct mms_err *e)
{
	char hex[2 * MMS_ID_LEN + 1];

	mms_id_hex(ma->id, hex);
	if (ma->role != MMS_ROLE_MA || mms_pubid_check(ma)) {
		mms_err_set(e, "%s (%s): not an MA public key", ma->name, hex);
		return -EINVAL;
	}
	for (unsigned i = 0; i < t->n; i++) {
		if (memcmp(t->e[i].ma.id, ma->id, MMS_ID_LEN))
			continue;
		if (t->e[i].distrusted) {
			mms_err_set(e, "MA %s (%s) was distrusted by a quorum of MAs; refusing",
				    ma->name, hex);
			return -EPERM;
		}
		if (!mms_pubid_same(&t->e[i].ma, ma)) {
			mms_err_set(e, "MA %s is already trusted with other keys or name; refusing",
				    hex);
			return -EKEYREJECTED;
		}
		return 1;
	}
	if (t->n >= MMS_TRUST_MAX) {
		mms_err_set(e, "trust store full (%d MAs)", MMS_TRUST_MAX);
		return -ENOSPC;
	}
	t->e[t->n].ma = *ma;
	t->e[t->n].distrusted = 0;
	t->n++;
	return 0;
}

static int trust_line(struct mms_rec_reader *rd, struct mms_trust *t, const char *key,
		      const char *val, size_t vlen, int *seq_seen, struct mms_err *e)
{
	int distrusted = !strcmp(key, "distrusted");
	struct mms_pubid p;
	int rc;

	if (!strcmp(key, "decree-seq"))
		return (*seq_seen)++ ? mms_rec_bad(rd, e, "decree-seq twice") :
				       mms_rec_u64(rd, key, val, vlen, &t->decree_seq, e);
	if (!distrusted && strcmp(key, "ma"))
		return mms_rec_bad(rd, e, "unknown entry '%s'", key);
	rc = mms_pubid_parse_line(rd, MMS_ROLE_MA, val, vlen, &p, e);
	if (rc)
		return rc;
	if (t->n >= MMS_TRUST_MAX)
		return mms_rec_bad(rd, e, "more than %d MAs", MMS_TRUST_MAX);
	for (unsigned i = 0; i < t->n; i++)
		if (!memcmp(t->e[i].ma.id, p.id, MMS_ID_LEN))
			return mms_rec_bad(rd, e, "MA listed twice");
	t->e[t->n].ma = p;
	t->e[t->n].distrusted = distrusted;
	t->n++;
	return 0;
}

int mms_trust_load(const char *dir, struct mms_trust *t, struct mms_err *e)
{
	struct mms_rec_reader rd;
	char path[PATH_MAX_LEN], key[32], *data;
	const char *val;
	size_t len, vlen;
	int rc, seq_seen = 0;

	memset(t, 0, sizeof(*t));
	rc = state_open(dir, &trust_file, path, &rd, &data, &len, e);
	if (rc == 1)
		return 0;	/* nothing trusted yet */
	while (!rc && (rc = mms_rec_next(&rd, key, &val, &vlen, e)) > 0)
		rc = trust_line(&rd, t, key, val, vlen, &seq_seen, e);
	mms_sf_release(data, len);
	if (rc)
		memset(t, 0, sizeof(*t));
	return rc;
}

int mms_trust_save(const char *dir, const struct mms_trust *t, struct mms_err *e)
{
	struct mms_rec r;
	char path[PATH_MAX_LEN];
	int rc = state_begin(dir, &trust_file, path, &r, e);

	if (rc)
		return rc;
	mms_rec_add(&r, "decree-seq", "%llu", (unsigned long long)t->decree_seq);
	for (unsigned i = 0; i < t->n; i++)
		mms_pubid_add_line(&r, t->e[i].distrusted ? "distrusted" : "ma", &t->e[i].ma);
	return mms_rec_save(&r, path, 0600, e);
}

/* ---- registry ---- */

void mms_registry_free(struct mms_registry *r)
{
	free(r->c);
	free(r->rev);
	memset(r, 0, sizeof(*r));
}

static int is_revoked(const struct mms_registry *r, const uint8_t id[MMS_ID_LEN])
{
	for (size_t i = 0; i < r->nrev; i++)
		if (!memcmp(r->rev[i], id, MMS_ID_LEN))
			return 1;
	return 0;
}

static ssize_t find_comp(const struct mms_registry *r, const uint8_t id[MMS_ID_LEN])
{
	for (size_t i = 0; i < r->n; i++)
		if (!memcmp(r->c[i].id, id, MMS_ID_LEN))
			return (ssize_t)i;
	return -1;
}

enum mms_reg_status mms_registry_lookup(const struct mms_registry *r,
					const uint8_t id[MMS_ID_LEN],
					const struct mms_pubid **out)
{
	ssize_t i;

	if (out)
		*out = NULL;
	if (is_revoked(r, id))
		return MMS_REG_REVOKED;
	i = find_comp(r, id);
	if (i < 0)
		return MMS_REG_UNKNOWN;
	if (out)
		*out = &r->c[i];
	return MMS_REG_VALID;
}

/* Arrays double up to MMS_REGISTRY_MAX entries; nothing in them is secret. */
static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *p;

	if (n >= MMS_REGISTRY_MAX)
		return -ENOSPC;
	if (n < *cap)
		return 0;
	ncap = *cap ? 2 * *cap : 8;
	if (ncap > MMS_REGISTRY_MAX)
		ncap = MMS_REGISTRY_MAX;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

int mms_registry_add(struct mms_registry *r, const struct mms_pubid *cm, struct mms_err *e)
{
	char hex[2 * MMS_ID_LEN + 1];
	ssize_t i;
	int rc;

	mms_id_hex(cm->id, hex);
	if (cm->role != MMS_ROLE_CM || mms_pubid_check(cm)) {
		mms_err_set(e, "%s (%s): not a component (CM) identity", cm->name, hex);
		return -EINVAL;
	}
	if (is_revoked(r, cm->id)) {
		mms_err_set(e, "component %s (%s) is revoked; refusing", cm->name, hex);
		return -EKEYREVOKED;
	}
	i = find_comp(r, cm->id);
	if (i >= 0) {
		if (mms_pubid_same(&r->c[i], cm))
			return 1;
		mms_err_set(e, "component %s is already enrolled with other keys or name "
			    "(as '%s'); refusing", hex, r->c[i].name);
		return -EKEYREJECTED;
	}
	for (size_t j = 0; j < r->n; j++) {
		if (strcmp(r->c[j].name, cm->name))
			continue;
		mms_id_hex(r->c[j].id, hex);
		mms_err_set(e, "name '%s' is already used by component %s; refusing", cm->name,
			    hex);
		return -EEXIST;
	}
	rc = grow((void **)&r->c, &r->cap, r->n, sizeof(*r->c));
	if (rc) {
		mms_err_set(e, "registry full or out of memory");
		return rc;
	}
	r->c[r->n++] = *cm;
	return 0;
}

int mms_registry_revoke(struct mms_registry *r, const uint8_t id[MMS_ID_LEN], struct mms_err *e)
{
	ssize_t i = find_comp(r, id);
	int was = is_revoked(r, id), rc;

	if (!was) {
		rc = grow((void **)&r->rev, &r->caprev, r->nrev, sizeof(*r->rev));
		if (rc) {
			mms_err_set(e, "revocation list full or out of memory");
			return rc;
		}
		memcpy(r->rev[r->nrev++], id, MMS_ID_LEN);
	}
	if (i >= 0)
		r->c[i] = r->c[--r->n];
	return was;
}

static int reg_line(struct mms_rec_reader *rd, struct mms_registry *r, const char *key,
		    const char *val, size_t vlen, struct mms_err *e)
{
	uint8_t id[MMS_ID_LEN];
	struct mms_pubid p;
	int rc;

	if (!strcmp(key, "revoked")) {
		rc = mms_rec_hex(rd, key, val, vlen, id, MMS_ID_LEN, e);
		if (!rc && (is_revoked(r, id) || find_comp(r, id) >= 0))
			rc = mms_rec_bad(rd, e, "ID revoked twice, or both enrolled and revoked");
		if (!rc && mms_registry_revoke(r, id, NULL) < 0)
			rc = mms_rec_bad(rd, e, "too many revoked IDs");
		return rc;
	}
	if (strcmp(key, "cm"))
		return mms_rec_bad(rd, e, "unknown entry '%s'", key);
	rc = mms_pubid_parse_line(rd, MMS_ROLE_CM, val, vlen, &p, e);
	if (rc)
		return rc;
	/* A file that lists an ID as both enrolled and revoked was not written
	 * by us; refuse it rather than guess which line is right. */
	if (is_revoked(r, p.id))
		return mms_rec_bad(rd, e, "component listed after its revocation");
	rc = mms_registry_add(r, &p, NULL);
	if (rc)
		return mms_rec_bad(rd, e, "component listed twice, name reused, or too many");
	return 0;
}

int mms_registry_load(const char *dir, struct mms_registry *r, struct mms_err *e)
{
	struct mms_rec_reader rd;
	char path[PATH_MAX_LEN], key[32], *data;
	const char *val;
	size_t len, vlen;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = state_open(dir, &reg_file, path, &rd, &data, &len, e);
	if (rc == 1)
		return 0;	/* nothing enrolled yet */
	while (!rc && (rc = mms_rec_next(&rd, key, &val, &vlen, e)) > 0)
		rc = reg_line(&rd, r, key, val, vlen, e);
	mms_sf_release(data, len);
	if (rc)
		mms_registry_free(r);
	return rc;
}

int mms_registry_save(const char *dir, const struct mms_registry *r, struct mms_err *e)
{
	struct mms_rec rec;
	char path[PATH_MAX_LEN];
	int rc = state_begin(dir, &reg_file, path, &rec, e);

	if (rc)
		return rc;
	for (size_t i = 0; i < r->n; i++)
		mms_pubid_add_line(&rec, "cm", &r->c[i]);
	for (size_t i = 0; i < r->nrev; i++)
		mms_rec_add_hex(&rec, "revoked", r->rev[i], MMS_ID_LEN);
	return mms_rec_save(&rec, path, 0600, e);
}

/* ---- sequence numbers ---- */

int mms_seq_reserve(const char *dir, uint64_t block, uint64_t *start, struct mms_err *e)
{
	struct mms_rec_reader rd;
	struct mms_rec r;
	char path[PATH_MAX_LEN], key[32], *data;
	const char *val;
	size_t len, vlen;
	uint64_t next = 0;
	int rc, seen = 0;

	if (!block) {
		mms_err_set(e, "empty sequence block");
		return -EINVAL;
	}
	rc = state_open(dir, &seq_file, path, &rd, &data, &len, e);
	if (rc == 1) {
		rc = 0;		/* first use: start at 0 */
	} else {
		while (!rc && (rc = mms_rec_next(&rd, key, &val, &vlen, e)) > 0) {
			rc = strcmp(key, "next") || seen++ ?
				mms_rec_bad(&rd, e, "unexpected '%s'", key) :
				mms_rec_u64(&rd, key, val, vlen, &next, e);
		}
		if (!rc && !seen)
			rc = mms_rec_bad(&rd, e, "no 'next' line");
	}
	mms_sf_release(data, len);
	if (rc)
		return rc;
	if (next > UINT64_MAX - 1 - block) {
		mms_err_set(e, "%s: sequence numbers exhausted", path);
		return -EOVERFLOW;
	}
	rc = state_begin(dir, &seq_file, path, &r, e);
	if (rc)
		return rc;
	mms_rec_add(&r, "next", "%llu", (unsigned long long)(next + block));
	rc = mms_rec_save(&r, path, 0600, e);
	if (!rc)
		*start = next;
	return rc;
}
