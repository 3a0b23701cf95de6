/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * State files: the only way the security layer touches the disk.
 *
 *  - Permissions are checked on the open descriptor (no check-then-open
 *    race), symlinks are never followed, and anything looser than the file's
 *    class allows is refused with a message that says what to fix.
 *  - Writes are atomic: a temporary file in the same directory is written,
 *    fsync'ed, renamed over the target, and the directory is fsync'ed. A
 *    failure at any step unlinks the temporary and leaves the old file as it
 *    was, so a full disk or a crash never costs a node its identity.
 *  - Content is a "record": a text file with a magic and version line,
 *    "key value" lines, and a last line "sha256 <hex>" over everything before
 *    it. A file that fails the check is refused with the reason; it is never
 *    repaired, rewritten or deleted by the code that found it broken.
 *
 * Errors are negative errno values plus a one-line reason in struct mms_err.
 */
#ifndef MMS_STATEFILE_H
#define MMS_STATEFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct mms_err {
	char msg[320];
};

void mms_err_set(struct mms_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* How strictly a file is checked when it is read. */
enum mms_sf_class {
	MMS_SF_SECRET,	/* private keys: owner only (no group/other bits at all) */
	MMS_SF_STATE,	/* lists in the state dir: owner only, like secrets, since
			 * they decide whom a node trusts */
	MMS_SF_ANCHOR,	/* a file handed in that we will trust (an MA public key):
			 * not writable by group or others */
	MMS_SF_INPUT,	/* a file handed in whose content is authenticated
			 * cryptographically (a sealed bundle): any mode */
};

/* The state directory: a real directory (no symlink) owned by us with no
 * group/other permissions. make creates it 0700 when missing. */
int mms_sf_check_dir(const char *dir, struct mms_err *e);
int mms_sf_make_dir(const char *dir, struct mms_err *e);

/* Read a whole file of at most max bytes. *data is NUL terminated and must be
 * released with mms_sf_release() (which wipes it). -ENOENT when missing,
 * -EACCES for a permission problem, -EFBIG when larger than max, -EAGAIN
 * when it changed size while being read. */
int mms_sf_read(const char *path, enum mms_sf_class cls, size_t max, char **data,
		size_t *len, struct mms_err *e);
void mms_sf_release(char *data, size_t len);

/* Atomically replace path with len bytes, leaving it with mode. */
int mms_sf_write(const char *path, const void *data, size_t len, mode_t mode,
		 struct mms_err *e);

/* path = dir "/" name, or -ENAMETOOLONG. */
int mms_sf_path(char *out, size_t cap, const char *dir, const char *name, struct mms_err *e);

/* ---- Records ---- */

struct mms_rec {
	char *buf;
	size_t len, cap;
	int err;	/* sticky: -ENOMEM or -EINVAL once anything failed */
};

/* Start a record "<magic> <version>\n". */
void mms_rec_init(struct mms_rec *r, const char *magic, int version);
/* Append "key value\n"; the value must not contain a newline. */
void mms_rec_add(struct mms_rec *r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void mms_rec_add_hex(struct mms_rec *r, const char *key, const void *p, size_t n);
/* Append the checksum line; returns 0 or the sticky error. */
int mms_rec_finish(struct mms_rec *r);
/* Wipe and free. */
void mms_rec_free(struct mms_rec *r);
/* finish + mms_sf_write + free. */
int mms_rec_save(struct mms_rec *r, const char *path, mode_t mode, struct mms_err *e);

struct mms_rec_reader {
	const char *p, *end;	/* the lines between the magic and the checksum */
	const char *path;	/* for messages */
	int line;
};

/* Check the magic, version and checksum of data (from mms_sf_read). -EBADMSG
 * with the reason on any mismatch. */
int mms_rec_open(struct mms_rec_reader *rd, const char *data, size_t len,
		 const char *magic, int version, const char *path, struct mms_err *e);
/* Next line: 1 with key (NUL terminated, at most 31 chars) and value (not
 * terminated, vlen bytes); 0 at the end; -EBADMSG for a malformed line. */
int mms_rec_next(struct mms_rec_reader *rd, char key[32], const char **val, size_t *vlen,
		 struct mms_err *e);
/* Value helpers, with the line in the message: exact-length hex, a u64. */
int mms_rec_hex(struct mms_rec_reader *rd, const char *key, const char *val, size_t vlen,
		void *out, size_t n, struct mms_err *e);
int mms_rec_u64(struct mms_rec_reader *rd, const char *key, const char *val, size_t vlen,
		uint64_t *out, struct mms_err *e);
/* A reason tied to the current line. */
int mms_rec_bad(struct mms_rec_reader *rd, struct mms_err *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Read path and open it as a record; *data must be released by the caller
 * (even when the record check fails, with *data set). */
int mms_rec_load(const char *path, enum mms_sf_class cls, size_t max, const char *magic,
		 int version, struct mms_rec_reader *rd, char **data, size_t *len,
		 struct mms_err *e);

#endif /* MMS_STATEFILE_H */
