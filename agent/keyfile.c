// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Hop key files: raw or hex, read with the secret-file rules, wiped after use. */
#include <ctype.h>
#include <errno.h>
#include <string.h>

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
static int key_decode(const unsigned char *buf, size_t n, __u8 key[MMS_KEY_LEN])
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

int mms_key_read(const char *path, __u8 key[MMS_KEY_LEN], struct mms_err *e)
{
	size_t len;
	char *data;
	int rc = mms_sf_read(path, MMS_SF_SECRET, KEYFILE_MAX, &data, &len, e);

	if (rc)
		return rc;
	rc = key_decode((const unsigned char *)data, len, key);
	if (rc)
		mms_err_set(e, "%s: not a hop key (want 16 raw bytes or 32 hex digits)", path);
	mms_sf_release(data, len);
	return rc;
}
