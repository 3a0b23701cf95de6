// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Hop key files (agent/keyfile.c): what is accepted (16 raw bytes, 32 hex
 * digits with surrounding whitespace) and what is refused with which error
 * (any group or other permission, symlinks, wrong lengths, non-hex), and
 * that every refusal comes with a reason naming the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "tap.h"
#include "keyfile.h"

static char dir[] = "/tmp/mms-keyfile.XXXXXX";

/* Write content to dir/name with mode; returns the path (static buffer). */
static const char *put(const char *name, const void *content, size_t n, mode_t mode)
{
	static char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, content, n) != (ssize_t)n) {
		diag("cannot write %s", path);
		exit(1);
	}
	close(fd);
	chmod(path, mode);
	return path;
}

static const __u8 want[MMS_KEY_LEN] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
};

static void accepts(const char *what, const void *content, size_t n, mode_t mode)
{
	struct mms_err e = { "" };
	__u8 k[MMS_KEY_LEN];
	int rc;

	memset(k, 0x5a, sizeof(k));
	rc = mms_key_read(put("k", content, n, mode), k, &e);
	ok(rc == 0 && !memcmp(k, want, sizeof(k)), "accepts %s (rc %d %s)", what, rc, e.msg);
}

static void refuses(const char *what, const void *content, size_t n, mode_t mode, int err)
{
	struct mms_err e = { "" };
	__u8 k[MMS_KEY_LEN];
	const char *path = put("k", content, n, mode);
	int rc = mms_key_read(path, k, &e);

	ok(rc == err && strstr(e.msg, path), "refuses %s: rc %d (want %d): %s", what, rc, err,
	   e.msg);
}

int main(void)
{
	const char *hex = "00112233445566778899aabbccddeeff";
	char path[256], link[256];
	struct mms_err e;
	__u8 k[MMS_KEY_LEN];
	int rc;

	if (!mkdtemp(dir))
		return tap_skip_all("no temporary directory");

	accepts("16 raw bytes, mode 0600", want, sizeof(want), 0600);
	accepts("16 raw bytes, mode 0400",
		want, sizeof(want), 0400);
	accepts("32 hex digits", hex, strlen(hex), 0600);
	accepts("hex with a trailing newline", "00112233445566778899aabbccddeeff\n", 33, 0600);
	accepts("upper-case hex with spaces around", "  00112233445566778899AABBCCDDEEFF \n",
		36, 0600);

	refuses("a group-readable file", hex, strlen(hex), 0640, -EACCES);
	refuses("a world-readable file", hex, strlen(hex), 0604, -EACCES);
	refuses("a group-writable file", hex, strlen(hex), 0620, -EACCES);
	refuses("15 raw bytes", want, 15, 0600, -EINVAL);
	refuses("17 raw bytes", "0123456789abcdefg", 17, 0600, -EINVAL);
	refuses("31 hex digits", hex, 31, 0600, -EINVAL);
	refuses("a non-hex digit", "00112233445566778899aabbccddeefg", 32, 0600, -EINVAL);
	refuses("hex split by a space", "0011223344556677 8899aabbccddeeff", 33, 0600, -EINVAL);
	refuses("an empty file", "", 0, 0600, -EINVAL);
	{
		char big[300];

		memset(big, '0', sizeof(big));
		refuses("a long file", big, sizeof(big), 0600, -EFBIG);
	}

	snprintf(path, sizeof(path), "%s/k", dir);
	put("k", hex, strlen(hex), 0600);
	snprintf(link, sizeof(link), "%s/link", dir);
	ok(symlink(path, link) == 0, "made a symlink to a good key file");
	rc = mms_key_read(link, k, &e);
	ok(rc == -EACCES, "refuses a symlink (rc %d): %s", rc, e.msg);
	rc = mms_key_read("/nonexistent/mms.key", k, &e);
	ok(rc == -ENOENT, "missing file is -ENOENT (rc %d)", rc);

	unlink(link);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
