// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Identity, state files, enrollment bundles, trust store and registry:
 *  - create / load round trip, permissions of what is created;
 *  - loose permissions, symlinks and foreign state dirs refused;
 *  - every single-bit flip and every truncation of the identity file
 *    refused, and the file left as it was;
 *  - records whose checksum is right but whose content is not (edited
 *    files) refused with the reason;
 *  - a failed write (file size limit) leaves the old file intact and no
 *    temporary behind;
 *  - bundles: round trip, every bit flip refused, wrong MA refused, forged
 *    node signature refused;
 *  - registry and trust store: add / duplicate / conflict / revoke, persisted.
 * Everything happens in a temporary directory removed at exit.
 */
#include <errno.h>
#include <signal.h>
#include <dirent.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "tap.h"
#include "tmpdir.h"
#include "identity.h"

static const char *root;
static char dir_ma[600], dir_cm[600], dir_cm2[600];

static mode_t mode_of(const char *p)
{
	struct stat st;

	return stat(p, &st) ? (mode_t)-1 : st.st_mode & 07777;
}

static void path_in(char *out, size_t cap, const char *dir, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

/* Temporary files our atomic writer leaves if it fails to clean up. */
static int leftovers(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] == '.' && strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static int same_identity(const struct mms_identity *a, const struct mms_identity *b)
{
	return mms_pubid_same(&a->pub, &b->pub) &&
	       !memcmp(a->sign_priv, b->sign_priv, MMS_KEY32) &&
	       !memcmp(a->kex_priv, b->kex_priv, MMS_KEY32);
}

static void test_create_load(struct mms_identity *ma, struct mms_identity *cm)
{
	struct mms_identity got, cm2;
	struct mms_err e = { "" };
	char p[700];
	mode_t old = umask(0);	/* create must not depend on a tight umask */

	ok(mms_identity_create(dir_ma, "ma-1", MMS_ROLE_MA, ma, &e) == 0, "create MA: %s", e.msg);
	umask(old);
	ok(mms_identity_create(dir_cm, "cm-1", MMS_ROLE_CM, cm, &e) == 0, "create CM: %s", e.msg);
	ok(mms_identity_create(dir_cm2, "cm-2", MMS_ROLE_CM, &cm2, &e) == 0, "create CM 2");
	ok(mode_of(dir_ma) == 0700, "state dir made 0700 even with umask 0 (%o)", mode_of(dir_ma));
	path_in(p, sizeof(p), dir_ma, "identity");
	ok(mode_of(p) == 0600, "identity file is 0600 (%o)", mode_of(p));

	ok(mms_identity_load(dir_cm, &got, &e) == 0 && same_identity(&got, cm),
	   "load gives back what create made");
	ok(got.pub.role == MMS_ROLE_CM && !strcmp(got.pub.name, "cm-1"), "role and name kept");
	ok(memcmp(cm->pub.id, cm2.pub.id, MMS_ID_LEN) &&
	   memcmp(cm->sign_priv, cm2.sign_priv, MMS_KEY32) &&
	   memcmp(cm->kex_priv, cm2.kex_priv, MMS_KEY32), "two identities share no ID or key");
	ok(!mms_is_zero(cm->pub.id, MMS_ID_LEN), "component ID is not zero");
	mms_identity_wipe(&got);
	ok(mms_is_zero(&got, sizeof(got)), "wipe clears the whole identity");
	mms_identity_wipe(&cm2);
}

static void test_create_refusals(const struct mms_identity *cm)
{
	struct mms_identity x;
	struct mms_err e = { "" };
	char p[700], before[4096], after[4096];
	long n1, n2;
	static const char *const bad[] = {
		"", "-lead", ".hidden", "has space", "semi;colon", "new\nline",
		"0123456789012345678901234567890123456789012345678901234567890123",
	};

	path_in(p, sizeof(p), dir_cm, "identity");
	n1 = slurp(p, before, sizeof(before));
	ok(mms_identity_create(dir_cm, "other", MMS_ROLE_CM, &x, &e) == -EEXIST,
	   "create over an existing identity refused: %s", e.msg);
	n2 = slurp(p, after, sizeof(after));
	ok(n1 > 0 && n1 == n2 && !memcmp(before, after, (size_t)n1), "existing identity untouched");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(mms_identity_create(root, bad[i], MMS_ROLE_CM, &x, &e) == -EINVAL,
		   "bad name #%zu refused", i);
	ok(mms_name_valid("a") && mms_name_valid("node-1.lab_2") &&
	   mms_name_valid("012345678901234567890123456789012345678901234567890123456789012"),
	   "good names accepted (1 and 63 chars)");
	(void)cm;
}

static void test_permissions(void)
{
	struct mms_identity got;
	struct mms_err e = { "" };
	char p[700], moved[700];

	path_in(p, sizeof(p), dir_cm, "identity");
	chmod(p, 0640);
	ok(mms_identity_load(dir_cm, &got, &e) == -EACCES && strstr(e.msg, "0640"),
	   "identity 0640 refused: %s", e.msg);
	chmod(p, 0604);
	ok(mms_identity_load(dir_cm, &got, &e) == -EACCES, "identity 0604 refused");
	chmod(p, 0600);
	ok(mms_identity_load(dir_cm, &got, &e) == 0, "identity 0600 loads again");

	chmod(dir_cm, 0755);
	ok(mms_identity_load(dir_cm, &got, &e) == -EACCES && strstr(e.msg, "0755"),
	   "state dir 0755 refused: %s", e.msg);
	chmod(dir_cm, 0710);
	ok(mms_identity_load(dir_cm, &got, &e) == -EACCES, "state dir 0710 refused");
	chmod(dir_cm, 0700);

	/* An identity that is a symlink to a good file is still refused. */
	path_in(moved, sizeof(moved), dir_cm, "real-identity");
	ok(rename(p, moved) == 0 && symlink(moved, p) == 0, "identity replaced by a symlink");
	ok(mms_identity_load(dir_cm, &got, &e) == -EACCES && strstr(e.msg, "symbolic"),
	   "symlinked identity refused: %s", e.msg);
	unlink(p);
	rename(moved, p);

	/* A state dir that is a symlink is refused as well. */
	path_in(moved, sizeof(moved), root, "link-to-cm");
	ok(symlink(dir_cm, moved) == 0 && mms_identity_load(moved, &got, &e) == -EACCES,
	   "symlinked state dir refused: %s", e.msg);
	ok(mms_identity_load(dir_cm, &got, &e) == 0, "identity loads after the checks");
	mms_identity_wipe(&got);
}

static void test_corruption(void)
{
	struct mms_identity got;
	struct mms_err e = { "" };
	char p[700], good[4096], now[4096];
	long n = 0;
	int flips_ok = 1, kept = 1, cuts_ok = 1;

	path_in(p, sizeof(p), dir_cm, "identity");
	n = slurp(p, good, sizeof(good));
	ok(n > 100, "identity file read (%ld bytes)", n);
	for (long i = 0; i < n; i++) {
		for (int bit = 0; bit < 8; bit += 3) {
			char bad[4096];

			memcpy(bad, good, (size_t)n);
			bad[i] ^= (char)(1 << bit);
			spit(p, bad, (size_t)n);
			if (mms_identity_load(dir_cm, &got, &e) != -EBADMSG) {
				flips_ok = 0;
				diag("flip at %ld bit %d not refused", i, bit);
			}
			if (slurp(p, now, sizeof(now)) != n || memcmp(now, bad, (size_t)n))
				kept = 0;
		}
	}
	ok(flips_ok, "every bit flip (bits 0,3,6 of every byte) refused with -EBADMSG");
	ok(kept, "a refused file is never rewritten");
	for (long len = 0; len < n; len++) {
		spit(p, good, (size_t)len);
		if (mms_identity_load(dir_cm, &got, &e) != -EBADMSG) {
			cuts_ok = 0;
			diag("truncation to %ld not refused", len);
		}
	}
	ok(cuts_ok, "every truncation refused with -EBADMSG");
	spit(p, good, (size_t)n);
	ok(mms_identity_load(dir_cm, &got, &e) == 0, "restored file loads");
	mms_identity_wipe(&got);
}

/* Records with a correct checksum but content we never write. */
static void put_identity(const char *magic, int version, const struct mms_identity *id,
			 const char *extra_key, const char *skip_key)
{
	static const char *const keys[] = { "role", "name", "id", "sign-pub", "kex-pub",
					    "sign-priv", "kex-priv" };
	struct mms_rec r;
	struct mms_err e;
	char p[700];

	mms_rec_init(&r, magic, version);
	for (size_t k = 0; k < 7; k++) {
		if (skip_key && !strcmp(keys[k], skip_key))
			continue;
		switch (k) {
		case 0: mms_rec_add(&r, "role", "%s", mms_role_name(id->pub.role)); break;
		case 1: mms_rec_add(&r, "name", "%s", id->pub.name); break;
		case 2: mms_rec_add_hex(&r, "id", id->pub.id, MMS_ID_LEN); break;
		case 3: mms_rec_add_hex(&r, "sign-pub", id->pub.sign_pub, MMS_KEY32); break;
		case 4: mms_rec_add_hex(&r, "kex-pub", id->pub.kex_pub, MMS_KEY32); break;
		case 5: mms_rec_add_hex(&r, "sign-priv", id->sign_priv, MMS_KEY32); break;
		case 6: mms_rec_add_hex(&r, "kex-priv", id->kex_priv, MMS_KEY32); break;
		}
	}
	if (extra_key)
		mms_rec_add(&r, extra_key, "1");
	path_in(p, sizeof(p), dir_cm2, "identity");
	mms_rec_save(&r, p, 0600, &e);
}

static void test_edited_records(const struct mms_identity *cm)
{
	struct mms_identity got, mixed = *cm, other;
	struct mms_err e = { "" };

	ok(mms_identity_load(dir_cm2, &other, &e) == 0, "second CM loads");
	put_identity("MMS-IDENTITY", 1, cm, NULL, NULL);
	ok(mms_identity_load(dir_cm2, &got, &e) == 0 && same_identity(&got, cm),
	   "a record written field by field loads (the test writer is right)");
	put_identity("MMS-IDENTITY", 2, cm, NULL, NULL);
	ok(mms_identity_load(dir_cm2, &got, &e) == -EBADMSG && strstr(e.msg, "version"),
	   "future version refused: %s", e.msg);
	put_identity("MMS-PUBKEY", 1, cm, NULL, NULL);
	ok(mms_identity_load(dir_cm2, &got, &e) == -EBADMSG, "wrong magic refused: %s", e.msg);
	put_identity("MMS-IDENTITY", 1, cm, "colour", NULL);
	ok(mms_identity_load(dir_cm2, &got, &e) == -EBADMSG && strstr(e.msg, "unknown"),
	   "unknown field refused: %s", e.msg);
	put_identity("MMS-IDENTITY", 1, cm, "name", NULL);
	ok(mms_identity_load(dir_cm2, &got, &e) == -EBADMSG && strstr(e.msg, "twice"),
	   "repeated field refused: %s", e.msg);
	put_identity("MMS-IDENTITY", 1, cm, NULL, "kex-priv");
	ok(mms_identity_load(dir_cm2, &got, &e) == -EBADMSG && strstr(e.msg, "missing"),
	   "missing field refused: %s", e.msg);
	/* One node's ID and public keys with another's private key. */
	memcpy(mixed.sign_priv, other.sign_priv, MMS_KEY32);
	put_identity("MMS-IDENTITY", 1, &mixed, NULL, NULL);
	ok(mms_identity_load(dir_cm2, &got, &e) == -EBADMSG && strstr(e.msg, "public keys"),
	   "private key not matching the public key refused: %s", e.msg);
	ok(mms_identity_save(dir_cm2, &other, &e) == 0 && mms_identity_load(dir_cm2, &got, &e) == 0 &&
	   same_identity(&got, &other), "second CM restored by an atomic save");
	mms_identity_wipe(&mixed);
	mms_identity_wipe(&other);
	mms_identity_wipe(&got);
}

static void test_atomic_write(const struct mms_identity *cm)
{
	struct mms_identity changed = *cm, got;
	struct mms_err e = { "" };
	struct rlimit old, small = { 64, 64 };
	char p[700], before[4096], after[4096];
	long n1, n2;
	int rc;

	path_in(p, sizeof(p), dir_cm, "identity");
	n1 = slurp(p, before, sizeof(before));
	snprintf(changed.pub.name, sizeof(changed.pub.name), "renamed");
	/* A real write failure: the file size limit makes write() fail with
	 * EFBIG after the temporary file was created. */
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	small.rlim_max = old.rlim_max;
	setrlimit(RLIMIT_FSIZE, &small);
	rc = mms_identity_save(dir_cm, &changed, &e);
	setrlimit(RLIMIT_FSIZE, &old);
	ok(rc == -EFBIG, "save under a 64-byte file size limit fails (%d): %s", rc, e.msg);
	n2 = slurp(p, after, sizeof(after));
	ok(n1 > 0 && n1 == n2 && !memcmp(before, after, (size_t)n1),
	   "the old identity file is intact after the failed write");
	ok(leftovers(dir_cm) == 0, "no temporary file left behind");
	ok(mms_identity_load(dir_cm, &got, &e) == 0 && same_identity(&got, cm),
	   "the old identity still loads");
	ok(mms_identity_save(dir_cm, &changed, &e) == 0 && mms_identity_load(dir_cm, &got, &e) == 0 &&
	   !strcmp(got.pub.name, "renamed"), "without the limit the save goes through");
	ok(mode_of(p) == 0600 && leftovers(dir_cm) == 0, "still 0600, no temporary");
	ok(mms_identity_save(dir_cm, cm, &e) == 0, "original saved back");
	mms_identity_wipe(&changed);
	mms_identity_wipe(&got);
}

static void test_pubkey_files(const struct mms_identity *ma)
{
	struct mms_pubid got;
	struct mms_err e = { "" };
	struct mms_rec r;
	char p[700];

	path_in(p, sizeof(p), root, "ma.pub");
	ok(mms_pubid_write(p, &ma->pub, &e) == 0, "MA public key written");
	ok(mms_pubid_read(p, MMS_SF_ANCHOR, &got, &e) == 0 && mms_pubid_same(&got, &ma->pub),
	   "public key read back as a trust anchor");
	chmod(p, 0666);
	ok(mms_pubid_read(p, MMS_SF_ANCHOR, &got, &e) == -EACCES && strstr(e.msg, "0666"),
	   "world-writable trust anchor refused: %s", e.msg);
	ok(mms_pubid_read(p, MMS_SF_INPUT, &got, &e) == 0, "same file readable as plain input");
	chmod(p, 0644);
	/* A public key file must never carry a private key. */
	mms_rec_init(&r, "MMS-PUBKEY", 1);
	mms_rec_add(&r, "role", "ma");
	mms_rec_add(&r, "name", "%s", ma->pub.name);
	mms_rec_add_hex(&r, "id", ma->pub.id, MMS_ID_LEN);
	mms_rec_add_hex(&r, "sign-pub", ma->pub.sign_pub, MMS_KEY32);
	mms_rec_add_hex(&r, "kex-pub", ma->pub.kex_pub, MMS_KEY32);
	mms_rec_add_hex(&r, "sign-priv", ma->sign_priv, MMS_KEY32);
	path_in(p, sizeof(p), root, "leaky.pub");
	mms_rec_save(&r, p, 0644, &e);
	ok(mms_pubid_read(p, MMS_SF_ANCHOR, &got, &e) == -EBADMSG,
	   "public key file with a private key in it refused: %s", e.msg);
}

static void test_bundles(const struct mms_identity *ma, const struct mms_identity *cm)
{
	struct mms_identity ma2, forger = *cm;
	struct mms_pubid got;
	struct mms_err e = { "" };
	uint8_t b[MMS_BUNDLE_MAX + 8], x[MMS_BUNDLE_MAX + 8];
	char d[700];
	int n, flips_ok = 1;

	n = mms_bundle_seal(cm, &ma->pub, b, sizeof(b), &e);
	ok(n > MMS_BUNDLE_HDR && n <= MMS_BUNDLE_MAX, "bundle sealed (%d bytes)", n);
	ok(n > 0 && mms_bundle_open(ma, b, (size_t)n, &got, &e) == 0 &&
	   mms_pubid_same(&got, &cm->pub), "MA opens it and gets the CM's public identity: %s", e.msg);
	if (n <= 0)
		return;
	ok(memmem(b, (size_t)n, cm->pub.name, strlen(cm->pub.name)) == NULL &&
	   memmem(b, (size_t)n, cm->pub.sign_pub, 8) == NULL, "name and keys are not in clear");
	for (int i = 0; i < n; i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(x, b, (size_t)n);
			x[i] ^= (uint8_t)(1 << bit);
			if (mms_bundle_open(ma, x, (size_t)n, &got, &e) == 0) {
				flips_ok = 0;
				diag("flip at byte %d bit %d accepted", i, bit);
			}
		}
	}
	ok(flips_ok, "every single-bit flip of the bundle refused");
	ok(mms_bundle_open(ma, b, (size_t)n - 1, &got, &e) == -EBADMSG, "truncated bundle refused");
	memcpy(x, b, (size_t)n);
	x[n] = 0;
	ok(mms_bundle_open(ma, x, (size_t)n + 1, &got, &e) == -EBADMSG, "extended bundle refused");

	path_in(d, sizeof(d), root, "ma2");
	ok(mms_identity_create(d, "ma-2", MMS_ROLE_MA, &ma2, &e) == 0, "second MA");
	ok(mms_bundle_open(&ma2, b, (size_t)n, &got, &e) == -ENOKEY && strstr(e.msg, "not to this"),
	   "bundle for MA 1 refused by MA 2: %s", e.msg);
	/* Readdressing it to MA 2 breaks the AEAD (the header is associated data). */
	memcpy(x, b, (size_t)n);
	memcpy(x + 8, ma2.pub.id, MMS_ID_LEN);
	ok(mms_bundle_open(&ma2, x, (size_t)n, &got, &e) == -EBADMSG,
	   "bundle readdressed to MA 2 refused: %s", e.msg);
	/* Sealing to the MA requires an MA key. */
	ok(mms_bundle_seal(cm, &cm->pub, x, sizeof(x), &e) == -EINVAL, "sealing to a CM key refused");
	/* Someone who has the CM's public identity but not its signing key. */
	memcpy(forger.sign_priv, ma2.sign_priv, MMS_KEY32);
	n = mms_bundle_seal(&forger, &ma->pub, x, sizeof(x), &e);
	ok(n > 0 && mms_bundle_open(ma, x, (size_t)n, &got, &e) == -EKEYREJECTED,
	   "bundle with a forged node signature refused: %s", e.msg);
	mms_identity_wipe(&ma2);
	mms_identity_wipe(&forger);
}

static void test_registry(const struct mms_identity *ma, const struct mms_identity *cm)
{
	struct mms_registry r, r2;
	struct mms_identity cm2;
	struct mms_pubid clash;
	const struct mms_pubid *found;
	struct mms_err e = { "" };
	char p[700], buf[8192];
	long n;

	ok(mms_registry_load(dir_ma, &r, &e) == 0 && r.n == 0 && r.nrev == 0,
	   "no registry file: empty registry");
	ok(mms_identity_load(dir_cm2, &cm2, &e) == 0, "CM 2 loaded");
	ok(mms_registry_add(&r, &cm->pub, &e) == 0, "CM 1 enrolled");
	ok(mms_registry_add(&r, &cm->pub, &e) == 1, "enrolling it again changes nothing");
	ok(mms_registry_add(&r, &ma->pub, &e) == -EINVAL, "an MA identity is not a component");
	clash = cm->pub;
	memcpy(clash.kex_pub, cm2.pub.kex_pub, MMS_KEY32);
	ok(mms_registry_add(&r, &clash, &e) == -EKEYREJECTED,
	   "same ID with other keys refused: %s", e.msg);
	clash = cm2.pub;
	snprintf(clash.name, sizeof(clash.name), "%s", cm->pub.name);
	ok(mms_registry_add(&r, &clash, &e) == -EEXIST, "name taken by another ID refused: %s", e.msg);
	ok(mms_registry_add(&r, &cm2.pub, &e) == 0 && r.n == 2, "CM 2 enrolled");
	ok(mms_registry_save(dir_ma, &r, &e) == 0, "registry saved");
	path_in(p, sizeof(p), dir_ma, "registry");
	ok(mode_of(p) == 0600, "registry file 0600");
	ok(mms_registry_load(dir_ma, &r2, &e) == 0 && r2.n == 2 &&
	   mms_registry_lookup(&r2, cm->pub.id, &found) == MMS_REG_VALID &&
	   mms_pubid_same(found, &cm->pub), "registry reloads with CM 1 valid");
	mms_registry_free(&r2);

	ok(mms_registry_revoke(&r, cm2.pub.id, &e) == 0 && r.n == 1 && r.nrev == 1,
	   "CM 2 revoked: removed from the valid list");
	ok(mms_registry_revoke(&r, cm2.pub.id, &e) == 1, "revoking twice changes nothing");
	ok(mms_registry_lookup(&r, cm2.pub.id, &found) == MMS_REG_REVOKED && !found,
	   "lookup says revoked");
	ok(mms_registry_add(&r, &cm2.pub, &e) == -EKEYREVOKED,
	   "a revoked ID cannot be enrolled again: %s", e.msg);
	ok(mms_registry_save(dir_ma, &r, &e) == 0 && mms_registry_load(dir_ma, &r2, &e) == 0 &&
	   mms_registry_lookup(&r2, cm2.pub.id, NULL) == MMS_REG_REVOKED &&
	   mms_registry_lookup(&r2, cm->pub.id, NULL) == MMS_REG_VALID,
	   "revocation persists across reload");
	mms_registry_free(&r2);

	n = slurp(p, buf, sizeof(buf));
	buf[n / 2] ^= 0x04;
	spit(p, buf, (size_t)n);
	ok(mms_registry_load(dir_ma, &r2, &e) == -EBADMSG && r2.n == 0 && r2.nrev == 0,
	   "corrupted registry refused, nothing half-loaded: %s", e.msg);
	buf[n / 2] ^= 0x04;
	spit(p, buf, (size_t)n);

	/* Checksum right, but an ID both enrolled and revoked. */
	{
		struct mms_rec rec;
		char idhex[33];

		mms_id_hex(cm->pub.id, idhex);
		mms_rec_init(&rec, "MMS-REGISTRY", 1);
		mms_rec_add(&rec, "revoked", "%s", idhex);
		mms_rec_save(&rec, p, 0600, &e);
		ok(mms_registry_load(dir_ma, &r2, &e) == 0 && r2.nrev == 1, "hand-made registry loads");
		mms_registry_free(&r2);
		{
			char sp[65], kp[65];

			mms_hex(cm->pub.sign_pub, MMS_KEY32, sp);
			mms_hex(cm->pub.kex_pub, MMS_KEY32, kp);
			mms_rec_init(&rec, "MMS-REGISTRY", 1);
			mms_rec_add(&rec, "cm", "%s %s %s %s", idhex, sp, kp, cm->pub.name);
			mms_rec_save(&rec, p, 0600, &e);
			ok(mms_registry_load(dir_ma, &r2, &e) == 0 && r2.n == 1,
			   "hand-made registry with one component loads");
			mms_registry_free(&r2);
			mms_rec_init(&rec, "MMS-REGISTRY", 1);
			mms_rec_add(&rec, "cm", "%s %s %s %s", idhex, sp, kp, cm->pub.name);
			mms_rec_add(&rec, "revoked", "%s", idhex);
			mms_rec_save(&rec, p, 0600, &e);
			ok(mms_registry_load(dir_ma, &r2, &e) == -EBADMSG,
			   "a component both enrolled and revoked is refused: %s", e.msg);
		}
		mms_rec_init(&rec, "MMS-REGISTRY", 1);
		mms_rec_add(&rec, "cm", "%s", "x");
		mms_rec_save(&rec, p, 0600, &e);
		ok(mms_registry_load(dir_ma, &r2, &e) == -EBADMSG, "malformed component line refused: %s",
		   e.msg);
	}
	ok(mms_registry_save(dir_ma, &r, &e) == 0, "registry restored");
	mms_registry_free(&r);
	mms_identity_wipe(&cm2);
}

static void test_trust(const struct mms_identity *ma, const struct mms_identity *cm)
{
	struct mms_trust t, t2;
	struct mms_pubid other = ma->pub;
	struct mms_err e = { "" };

	ok(mms_trust_load(dir_cm, &t, &e) == 0 && t.n == 0, "no trust file: nothing trusted");
	ok(!mms_trust_find(&t, ma->pub.id), "MA not trusted yet");
	ok(mms_trust_add(&t, &ma->pub, &e) == 0 && mms_trust_find(&t, ma->pub.id),
	   "MA trusted");
	ok(mms_trust_add(&t, &ma->pub, &e) == 1, "trusting it again changes nothing");
	ok(mms_trust_add(&t, &cm->pub, &e) == -EINVAL, "a CM key is not an MA key");
	other.sign_pub[0] ^= 1;
	ok(mms_trust_add(&t, &other, &e) == -EKEYREJECTED, "same MA ID with another key refused");
	t.decree_seq = 7;
	ok(mms_trust_save(dir_cm, &t, &e) == 0 && mms_trust_load(dir_cm, &t2, &e) == 0 &&
	   t2.n == 1 && t2.decree_seq == 7 && mms_pubid_same(&t2.e[0].ma, &ma->pub),
	   "trust store persists");
	t.e[0].distrusted = 1;
	ok(mms_trust_save(dir_cm, &t, &e) == 0 && mms_trust_load(dir_cm, &t2, &e) == 0 &&
	   !mms_trust_find(&t2, ma->pub.id), "a distrusted MA stays distrusted after reload");
	ok(mms_trust_add(&t2, &ma->pub, &e) == -EPERM, "and cannot be trusted again: %s", e.msg);
	t.e[0].distrusted = 0;
	ok(mms_trust_save(dir_cm, &t, &e) == 0, "trust store restored");
	ok(mms_trust_quorum(&t) == 1, "quorum of one MA is 1");
	t.n = 3;
	ok(mms_trust_quorum(&t) == 2, "quorum of three MAs is 2");
	t.n = 4;
	ok(mms_trust_quorum(&t) == 3, "quorum of four MAs is 3");
}

static void test_seq(void)
{
	struct mms_err e = { "" };
	uint64_t a = 99, b = 99, c = 99;
	char p[700], buf[512];
	long n;

	ok(mms_seq_reserve(dir_ma, 1000, &a, &e) == 0 && a == 0, "first block starts at 0");
	ok(mms_seq_reserve(dir_ma, 1000, &b, &e) == 0 && b == 1000, "second block at 1000");
	ok(mms_seq_reserve(dir_ma, 5, &c, &e) == 0 && c == 2000, "third block at 2000");
	path_in(p, sizeof(p), dir_ma, "seq");
	n = slurp(p, buf, sizeof(buf));
	buf[n - 3] ^= 1;
	spit(p, buf, (size_t)n);
	c = 99;
	ok(mms_seq_reserve(dir_ma, 5, &c, &e) == -EBADMSG && c == 99,
	   "corrupted seq file refused, nothing handed out: %s", e.msg);
}

int main(void)
{
	struct mms_identity ma, cm;

	root = tmpdir_make("identity");
	if (!ok(root != NULL, "temporary directory made"))
		return tap_done();
	snprintf(dir_ma, sizeof(dir_ma), "%s/ma", root);
	snprintf(dir_cm, sizeof(dir_cm), "%s/cm", root);
	snprintf(dir_cm2, sizeof(dir_cm2), "%s/cm2", root);

	test_create_load(&ma, &cm);
	test_create_refusals(&cm);
	test_permissions();
	test_corruption();
	test_edited_records(&cm);
	test_atomic_write(&cm);
	test_pubkey_files(&ma);
	test_bundles(&ma, &cm);
	test_registry(&ma, &cm);
	test_trust(&ma, &cm);
	test_seq();

	mms_identity_wipe(&ma);
	mms_identity_wipe(&cm);
	tmpdir_remove();
	return tap_done();
}
