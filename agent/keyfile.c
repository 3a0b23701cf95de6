// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Hop key files: strict permissions, raw or hex, wiped after use. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <openssl/crypto.h>

#include "keyfile.h"

/* Longest content accepted: 32 hex digits plus generous whitespace. */
#define KEYFILE_MAX 128

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Parse buf[0..n) as raw bytes or trimmed hex. */
static int key_decode(const __u8 *buf, size_t n, __u8 key[MMS_KEY_LEN])
{
	size_t s = 0, e = n;

	if (n == MMS_KEY_LEN) {
		memcpy(key, buf, MMS_KEY_LEN);
		return 0;
	}
	while (s < e && isspace(buf[s]))
		s++;
	while (e > s && isspace(buf[e - 1]))
		e--;
	if (e - s != 2 * MMS_KEY_LEN)
		return -EINVAL;
	for (size_t i = 0; i < MMS_KEY_LEN; i++) {
		int hi = hexval(buf[s + 2 * i]), lo = hexval(buf[s + 2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		key[i] = (__u8)(hi << 4 | lo);
	}
	return 0;
}

int mms_key_read(const char *path, __u8 key[MMS_KEY_LEN])
{
	__u8 buf[KEYFILE_MAX + 1];
	struct stat st;
	size_t n = 0;
	int fd, rc;

	if (strcmp(path, "-") == 0) {
		fd = dup(STDIN_FILENO);
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	}
	if (fd < 0)
		return -errno;
	/* Checked on the open descriptor, so the file cannot change in between. */
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto out;
	}
	if (S_ISREG(st.st_mode) && (st.st_mode & (S_IRGRP | S_IROTH))) {
		rc = -EPERM;
		goto out;
	}
	for (;;) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == sizeof(buf))
			break;
	}
	rc = n > KEYFILE_MAX ? -EINVAL : key_decode(buf, n, key);
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	close(fd);
	return rc;
}

const char *mms_key_strerror(int err)
{
	switch (err) {
	case -EPERM:
		return "readable by group or others; chmod 600 it";
	case -EINVAL:
		return "not a key (want 16 raw bytes or 32 hex digits)";
	case -ELOOP:
		return "is a symbolic link; give the real path";
	default:
		return strerror(-err);
	}
}
