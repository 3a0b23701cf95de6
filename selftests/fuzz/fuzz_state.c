// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer harness: every loader of a state file, on corrupted files (a
 * disk that lost a sector, a hand edit, a file swapped in). The first byte
 * picks the file:
 *   0 identity   1 trust   2 registry   3 seq   4 public key   5 hop key
 * the second holds flags: bit 0 appends the right "sha256" line to the rest
 * (the magic line must be in the input), so the fuzzer gets past the
 * checksum to the fields. The rest is the file, written 0600 into a state
 * directory of this process (on /dev/shm when there is one: the loaders
 * and savers fsync).
 *
 * Invariants, besides no out-of-bounds access or UB (ASan, UBSan): a loader
 * that refuses says why (a non-empty reason) and leaves no half-filled
 * result that counts; whatever loads, saved and loaded again is the same
 * (identity, trust store, registry, public key, hop key); the sequence
 * high-water mark only moves up (a second reservation starts past the
 * first block).
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "identity.h"
#include "keyfile.h"

static char dir[64], dir2[80];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p);
}

static void cleanup(void)
{
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
	struct mms_err e;

	snprintf(dir, sizeof(dir), "%s/mms-fuzz-state.XXXXXX",
		 access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm");
	if (!mkdtemp(dir))
		abort();
	snprintf(dir2, sizeof(dir2), "%s/again", dir);
	if (mms_sf_make_dir(dir2, &e))
		abort();
	atexit(cleanup);
}

static void must(int cond)
{
	if (!cond)
		abort();
}

/* A refusal comes with a reason. */
static void refused(int rc, const struct mms_err *e)
{
	must(rc < 0 && e->msg[0]);
}

static void identity(void)
{
	struct mms_identity a, b;
	struct mms_err e = { { 0 } };
	int rc = mms_identity_load(dir, &a, &e);

	if (rc) {
		refused(rc, &e);
		must(mms_is_zero(&a, sizeof(a)));	/* no key left behind */
		return;
	}
	must(!mms_identity_save(dir2, &a, &e) && !mms_identity_load(dir2, &b, &e));
	must(mms_pubid_same(&a.pub, &b.pub) && !memcmp(a.sign_priv, b.sign_priv, MMS_KEY32) &&
	     !memcmp(a.kex_priv, b.kex_priv, MMS_KEY32));
	mms_identity_wipe(&a);
	mms_identity_wipe(&b);
}

static void trust(void)
{
	static struct mms_trust a, b;
	struct mms_err e = { { 0 } };
	int rc = mms_trust_load(dir, &a, &e);

	if (rc) {
		refused(rc, &e);
		return;
	}
	must(!mms_trust_save(dir2, &a, &e) && !mms_trust_load(dir2, &b, &e));
	must(a.n == b.n && a.n <= MMS_TRUST_MAX && a.decree_seq == b.decree_seq);
	for (unsigned i = 0; i < a.n; i++)
		must(mms_pubid_same(&a.e[i].ma, &b.e[i].ma) &&
		     a.e[i].distrusted == b.e[i].distrusted && a.e[i].ma.role == MMS_ROLE_MA);
}

static void registry(void)
{
	struct mms_registry a = { 0 }, b = { 0 };
	struct mms_err e = { { 0 } };
	int rc = mms_registry_load(dir, &a, &e);

	if (rc) {
		refused(rc, &e);
		mms_registry_free(&a);
		return;
	}
	must(!mms_registry_save(dir2, &a, &e) && !mms_registry_load(dir2, &b, &e));
	must(a.n == b.n && a.nrev == b.nrev);
	for (size_t i = 0; i < a.n; i++)
		must(mms_pubid_same(&a.c[i], &b.c[i]) &&
		     mms_registry_lookup(&b, a.c[i].id, NULL) == MMS_REG_VALID);
	for (size_t i = 0; i < a.nrev; i++)
		must(!memcmp(a.rev[i], b.rev[i], MMS_ID_LEN) &&
		     mms_registry_lookup(&b, a.rev[i], NULL) == MMS_REG_REVOKED);
	mms_registry_free(&a);
	mms_registry_free(&b);
}

static void seq(void)
{
	struct mms_err e = { { 0 } };
	uint64_t s1, s2;
	int rc = mms_seq_reserve(dir, 5, &s1, &e);

	if (rc) {
		refused(rc, &e);
		return;
	}
	must(!mms_seq_reserve(dir, 5, &s2, &e) && s2 >= s1 + 5 && s2 > s1);
}

static void pubkey(const char *path)
{
	struct mms_pubid a, b;
	struct mms_err e = { { 0 } };
	char p2[128];
	int rc = mms_pubid_read(path, MMS_SF_ANCHOR, &a, &e);

	if (rc) {
		refused(rc, &e);
		return;
	}
	snprintf(p2, sizeof(p2), "%s/pub", dir2);
	must(!mms_pubid_write(p2, &a, &e) && !mms_pubid_read(p2, MMS_SF_ANCHOR, &b, &e));
	must(mms_pubid_same(&a, &b));
}

static void hopkey(const char *path, const uint8_t *file, size_t len)
{
	__u8 a[MMS_KEY_LEN], b[MMS_KEY_LEN];
	char hex[2 * MMS_KEY_LEN + 2], p2[128];
	struct mms_err e = { { 0 } };
	int rc = mms_key_read(path, a, &e);

	if (rc) {
		refused(rc, &e);
		return;
	}
	/* 16 raw bytes are the key as they are */
	must(len != MMS_KEY_LEN || !memcmp(a, file, MMS_KEY_LEN));
	mms_hex(a, MMS_KEY_LEN, hex);
	strcat(hex, "\n");
	snprintf(p2, sizeof(p2), "%s/key", dir2);
	must(!mms_sf_write(p2, hex, strlen(hex), 0600, &e) && !mms_key_read(p2, b, &e));
	must(!memcmp(a, b, MMS_KEY_LEN));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the files a target reads, then those the round trips write */
	static const char *const names[] = { "identity", "trust", "registry", "seq", "ma.pub",
					     "hop.key", "pub", "key" };
	static char file[300000];
	static int ready;
	struct mms_err e;
	char path[128];
	size_t len;
	int target;

	if (!ready) {
		setup();
		ready = 1;
	}
	if (size < 2 || size - 2 > sizeof(file) - 128)
		return 0;
	target = data[0] % 6;
	len = size - 2;
	memcpy(file, data + 2, len);
	if (data[1] & 1) {	/* the record's own checksum line appended */
		struct mms_rec r = { .buf = malloc(len + 1), .len = len, .cap = len + 1 };

		must(r.buf != NULL);
		memcpy(r.buf, file, len);
		r.buf[len] = 0;
		must(!mms_rec_finish(&r) && r.len < sizeof(file));
		memcpy(file, r.buf, r.len);
		len = r.len;
		mms_rec_free(&r);
	}
	/* a fresh directory: no file of the last input lingers */
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
		snprintf(path, sizeof(path), "%s/%s", dir2, names[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, names[target]);
	if (mms_sf_write(path, file, len, 0600, &e))
		abort();
	switch (target) {
	case 0: identity(); break;
	case 1: trust(); break;
	case 2: registry(); break;
	case 3: seq(); break;
	case 4: pubkey(path); break;
	case 5: hopkey(path, (const uint8_t *)file, len); break;
	}
	return 0;
}
