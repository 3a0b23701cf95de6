// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * State files (see statefile.h): permission checks on open descriptors,
 * atomic replacement, and checksummed text records.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "crypto.h"
#include "statefile.h"

void mms_err_set(struct mms_err *e, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

int mms_sf_path(char *out, size_t cap, const char *dir, const char *name, struct mms_err *e)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= cap) {
		mms_err_set(e, "%s/%s: path too long", dir, name);
		return -ENAMETOOLONG;
	}
	return 0;
}

int mms_sf_check_dir(const char *dir, struct mms_err *e)
{
	struct stat st;

	if (lstat(dir, &st)) {
		int err = errno;

		mms_err_set(e, "%s: %s", dir, strerror(err));
		return -err;
	}
	if (S_ISLNK(st.st_mode)) {
		mms_err_set(e, "%s: state directory is a symbolic link; refusing", dir);
		return -EACCES;
	}
	if (!S_ISDIR(st.st_mode)) {
		mms_err_set(e, "%s: not a directory", dir);
		return -ENOTDIR;
	}
	if (st.st_uid != geteuid()) {
		mms_err_set(e, "%s: state directory owned by uid %u, not by us (uid %u); refusing",
			    dir, (unsigned)st.st_uid, (unsigned)geteuid());
		return -EACCES;
	}
	if (st.st_mode & 077) {
		mms_err_set(e, "%s: state directory has mode %04o, open to group/others; "
			    "refusing (chmod 700 %s)", dir, (unsigned)(st.st_mode & 07777), dir);
		return -EACCES;
	}
	return 0;
}

int mms_sf_make_dir(const char *dir, struct mms_err *e)
{
	if (mkdir(dir, 0700) == 0) {
		/* mkdir honours the umask; say exactly what we want. */
		if (chmod(dir, 0700)) {
			int err = errno;

			mms_err_set(e, "%s: chmod: %s", dir, strerror(err));
			return -err;
		}
	} else if (errno != EEXIST) {
		int err = errno;

		mms_err_set(e, "%s: mkdir: %s", dir, strerror(err));
		return -err;
	}
	return mms_sf_check_dir(dir, e);
}

static int check_mode(const char *path, const struct stat *st, enum mms_sf_class cls,
		      struct mms_err *e)
{
	mode_t m = st->st_mode & 07777;

	if (!S_ISREG(st->st_mode)) {
		mms_err_set(e, "%s: not a regular file", path);
		return -EACCES;
	}
	switch (cls) {
	case MMS_SF_SECRET:
	case MMS_SF_STATE:
		if (st->st_uid != geteuid()) {
			mms_err_set(e, "%s: owned by uid %u, not by us (uid %u); refusing", path,
				    (unsigned)st->st_uid, (unsigned)geteuid());
			return -EACCES;
		}
		if (m & 077) {
			mms_err_set(e, "%s: mode %04o is open to group/others; %s must be 0600 "
				    "(chmod 600 %s)", path, (unsigned)m,
				    cls == MMS_SF_SECRET ? "a private key file" : "a state file",
				    path);
			return -EACCES;
		}
		break;
	case MMS_SF_ANCHOR:
		if (st->st_uid != geteuid() && st->st_uid != 0) {
			mms_err_set(e, "%s: trusted key owned by uid %u; refusing", path,
				    (unsigned)st->st_uid);
			return -EACCES;
		}
		if (m & 022) {
			mms_err_set(e, "%s: mode %04o lets group/others replace a trusted key; "
				    "refusing (chmod go-w %s)", path, (unsigned)m, path);
			return -EACCES;
		}
		break;
	case MMS_SF_INPUT:
		break;
	}
	return 0;
}

int mms_sf_read(const char *path, enum mms_sf_class cls, size_t max, char **data,
		size_t *len, struct mms_err *e)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int fd, rc;

	*data = NULL;
	*len = 0;
	/* O_NONBLOCK: a FIFO planted in place of a file must not hang us. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		rc = -errno;
		if (rc == -ELOOP)
			mms_err_set(e, "%s: is a symbolic link; refusing", path);
		else
			mms_err_set(e, "%s: %s", path, strerror(-rc));
		return rc == -ELOOP ? -EACCES : rc;
	}
	if (fstat(fd, &st)) {
		rc = -errno;
		mms_err_set(e, "%s: fstat: %s", path, strerror(-rc));
		goto out;
	}
	rc = check_mode(path, &st, cls, e);
	if (rc)
		goto out;
	if ((size_t)st.st_size > max) {
		mms_err_set(e, "%s: %lld bytes, more than the %zu allowed", path,
			    (long long)st.st_size, max);
		rc = -EFBIG;
		goto out;
	}
	/* One byte more than fstat said, to notice a file that grew since. */
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (!buf) {
		rc = -ENOMEM;
		mms_err_set(e, "%s: out of memory", path);
		goto out;
	}
	for (;;) {
		ssize_t r = read(fd, buf + n, cap - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			mms_err_set(e, "%s: read: %s", path, strerror(-rc));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == cap) {
			mms_err_set(e, "%s: changed while being read; refusing", path);
			rc = -EAGAIN;
			goto out;
		}
	}
	buf[n] = 0;
	*data = buf;
	*len = n;
	buf = NULL;
	rc = 0;
out:
	if (buf)
		mms_sf_release(buf, cap);
	close(fd);
	return rc;
}

void mms_sf_release(char *data, size_t len)
{
	if (!data)
		return;
	OPENSSL_cleanse(data, len);
	free(data);
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd))
		rc = -errno;
	close(fd);
	return rc;
}

int mms_sf_write(const char *path, const void *data, size_t len, mode_t mode,
		 struct mms_err *e)
{
	char dir[4096], tmp[4096];
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t dlen = slash ? (size_t)(slash - path) : 1;
	const char *step;
	int fd, rc;

	if (!*base || dlen >= sizeof(dir)) {
		mms_err_set(e, "%s: not a file path", path);
		return -EINVAL;
	}
	if (slash && dlen == 0)
		dlen = 1;	/* "/name" lives in "/" */
	memcpy(dir, slash ? path : ".", dlen);
	dir[dlen] = 0;
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, base) >= (int)sizeof(tmp)) {
		mms_err_set(e, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	/* mkostemp creates 0600, so a secret is never readable by others, not
	 * even for the moment before fchmod. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		mms_err_set(e, "%s: cannot create a temporary file in %s: %s", path, dir,
			    strerror(-rc));
		return rc;
	}
	step = "chmod";
	rc = fchmod(fd, mode) ? -errno : 0;
	if (!rc) {
		step = "write";
		rc = write_all(fd, data, len);
	}
	if (!rc) {
		step = "fsync";
		rc = fsync(fd) ? -errno : 0;
	}
	if (close(fd) && !rc) {
		step = "close";
		rc = -errno;
	}
	if (!rc) {
		step = "rename";
		rc = rename(tmp, path) ? -errno : 0;
	}
	if (rc) {
		unlink(tmp);
		mms_err_set(e, "%s: %s failed: %s; the previous file is unchanged", path, step,
			    strerror(-rc));
		return rc;
	}
	rc = sync_dir(dir);
	if (rc)
		mms_err_set(e, "%s: written, but syncing %s failed: %s", path, dir, strerror(-rc));
	return rc;
}

/* ---- Records ---- */

/* Grow without realloc: realloc would leave copies of secrets in freed memory. */
static int rec_reserve(struct mms_rec *r, size_t more)
{
	size_t cap;
	char *nb;

	if (r->err)
		return r->err;
	if (r->len + more + 1 <= r->cap)
		return 0;
	cap = r->cap ? r->cap : 256;
	while (cap < r->len + more + 1)
		cap *= 2;
	nb = malloc(cap);
	if (!nb)
		return r->err = -ENOMEM;
	if (r->buf) {
		memcpy(nb, r->buf, r->len);
		OPENSSL_cleanse(r->buf, r->cap);
		free(r->buf);
	}
	r->buf = nb;
	r->cap = cap;
	return 0;
}

static void rec_append(struct mms_rec *r, const char *s, size_t n)
{
	if (rec_reserve(r, n))
		return;
	memcpy(r->buf + r->len, s, n);
	r->len += n;
	r->buf[r->len] = 0;
}

void mms_rec_init(struct mms_rec *r, const char *magic, int version)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "%s %d\n", magic, version);

	memset(r, 0, sizeof(*r));
	rec_append(r, line, (size_t)n);
}

static void rec_vadd(struct mms_rec *r, const char *key, const char *fmt, va_list ap)
{
	char val[1024];
	int n = vsnprintf(val, sizeof(val), fmt, ap);

	if (n < 0 || (size_t)n >= sizeof(val) || memchr(val, '\n', (size_t)n) ||
	    !*key || strlen(key) > 31 || strchr(key, ' ')) {
		if (!r->err)
			r->err = -EINVAL;
	} else {
		rec_append(r, key, strlen(key));
		rec_append(r, " ", 1);
		rec_append(r, val, (size_t)n);
		rec_append(r, "\n", 1);
	}
	OPENSSL_cleanse(val, sizeof(val));
}

void mms_rec_add(struct mms_rec *r, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rec_vadd(r, key, fmt, ap);
	va_end(ap);
}

void mms_rec_add_hex(struct mms_rec *r, const char *key, const void *p, size_t n)
{
	char hex[2 * 256 + 1];

	if (n > 256) {
		r->err = r->err ? r->err : -EINVAL;
		return;
	}
	mms_hex(p, n, hex);
	mms_rec_add(r, key, "%s", hex);
	OPENSSL_cleanse(hex, sizeof(hex));
}

int mms_rec_finish(struct mms_rec *r)
{
	uint8_t d[MMS_SHA256_LEN];
	struct mms_iov v = { r->buf, r->len };

	if (r->err)
		return r->err;
	if (mms_sha256(&v, 1, d))
		return r->err = -EIO;
	mms_rec_add_hex(r, "sha256", d, sizeof(d));
	return r->err;
}

void mms_rec_free(struct mms_rec *r)
{
	if (r->buf) {
		OPENSSL_cleanse(r->buf, r->cap);
		free(r->buf);
	}
	memset(r, 0, sizeof(*r));
}

int mms_rec_save(struct mms_rec *r, const char *path, mode_t mode, struct mms_err *e)
{
	int rc = mms_rec_finish(r);

	if (rc)
		mms_err_set(e, "%s: cannot format the record: %s", path, strerror(-rc));
	else
		rc = mms_sf_write(path, r->buf, r->len, mode, e);
	mms_rec_free(r);
	return rc;
}

int mms_rec_open(struct mms_rec_reader *rd, const char *data, size_t len,
		 const char *magic, int version, const char *path, struct mms_err *e)
{
	char head[64];
	const char *nl, *last;
	uint8_t want[MMS_SHA256_LEN], got[MMS_SHA256_LEN];
	struct mms_iov v;
	size_t mlen = strlen(magic);
	int hl;

	memset(rd, 0, sizeof(*rd));
	rd->path = path;
	if (!len) {
		mms_err_set(e, "%s: empty file (corrupted or truncated); refusing", path);
		return -EBADMSG;
	}
	if (memchr(data, 0, len)) {
		mms_err_set(e, "%s: contains a NUL byte (corrupted); refusing", path);
		return -EBADMSG;
	}
	if (data[len - 1] != '\n') {
		mms_err_set(e, "%s: does not end with a newline (truncated?); refusing", path);
		return -EBADMSG;
	}
	nl = memchr(data, '\n', len);
	hl = snprintf(head, sizeof(head), "%s %d", magic, version);
	if ((size_t)(nl - data) != (size_t)hl || memcmp(data, head, (size_t)hl)) {
		if ((size_t)(nl - data) > mlen && !memcmp(data, magic, mlen) && data[mlen] == ' ')
			mms_err_set(e, "%s: unsupported %s version '%.*s' (this build reads %d); "
				    "refusing", path, magic, (int)(nl - data - (long)mlen - 1),
				    data + mlen + 1, version);
		else
			mms_err_set(e, "%s: not an %s file (bad first line); refusing", path, magic);
		return -EBADMSG;
	}
	/* The last line, "sha256 <64 hex>", covers every byte before it. */
	last = data + len - 1;
	while (last > nl && last[-1] != '\n')
		last--;
	if (last <= nl || (size_t)(data + len - last) != 7 + 2 * MMS_SHA256_LEN + 1 ||
	    memcmp(last, "sha256 ", 7) ||
	    mms_unhex(last + 7, 2 * MMS_SHA256_LEN, want, sizeof(want))) {
		mms_err_set(e, "%s: no checksum line at the end (truncated or corrupted); refusing",
			    path);
		return -EBADMSG;
	}
	v.p = data;
	v.n = (size_t)(last - data);
	if (mms_sha256(&v, 1, got))
		return -EIO;
	if (!mms_ct_equal(want, got, sizeof(got))) {
		mms_err_set(e, "%s: checksum mismatch: the file is corrupted; refusing (restore it "
			    "from a backup; it was not modified)", path);
		return -EBADMSG;
	}
	rd->p = nl + 1;
	rd->end = last;
	rd->line = 1;
	return 0;
}

int mms_rec_bad(struct mms_rec_reader *rd, struct mms_err *e, const char *fmt, ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	mms_err_set(e, "%s:%d: %s; refusing", rd->path, rd->line, why);
	return -EBADMSG;
}

int mms_rec_next(struct mms_rec_reader *rd, char key[32], const char **val, size_t *vlen,
		 struct mms_err *e)
{
	const char *nl, *sp;
	size_t klen;

	if (rd->p >= rd->end)
		return 0;
	rd->line++;
	nl = memchr(rd->p, '\n', (size_t)(rd->end - rd->p));
	if (!nl)
		return mms_rec_bad(rd, e, "line without an end");
	sp = memchr(rd->p, ' ', (size_t)(nl - rd->p));
	if (!sp)
		return mms_rec_bad(rd, e, "line without a value");
	klen = (size_t)(sp - rd->p);
	if (!klen || klen > 31)
		return mms_rec_bad(rd, e, "bad key");
	memcpy(key, rd->p, klen);
	key[klen] = 0;
	*val = sp + 1;
	*vlen = (size_t)(nl - sp - 1);
	rd->p = nl + 1;
	return 1;
}

int mms_rec_hex(struct mms_rec_reader *rd, const char *key, const char *val, size_t vlen,
		void *out, size_t n, struct mms_err *e)
{
	if (mms_unhex(val, vlen, out, n))
		return mms_rec_bad(rd, e, "%s: want %zu hex digits", key, 2 * n);
	return 0;
}

int mms_rec_u64(struct mms_rec_reader *rd, const char *key, const char *val, size_t vlen,
		uint64_t *out, struct mms_err *e)
{
	uint64_t v = 0;

	if (!vlen || vlen > 20)
		return mms_rec_bad(rd, e, "%s: not a number", key);
	for (size_t i = 0; i < vlen; i++) {
		unsigned d = (unsigned)(val[i] - '0');

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return mms_rec_bad(rd, e, "%s: not a number", key);
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int mms_rec_load(const char *path, enum mms_sf_class cls, size_t max, const char *magic,
		 int version, struct mms_rec_reader *rd, char **data, size_t *len,
		 struct mms_err *e)
{
	int rc = mms_sf_read(path, cls, max, data, len, e);

	if (rc)
		return rc;
	return mms_rec_open(rd, *data, *len, magic, version, path, e);
}
