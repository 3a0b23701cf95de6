/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Hop keys on disk. A key file holds one 16-byte AES-128 hop key, either as
 * 16 raw bytes or as 32 hex digits (surrounding whitespace allowed). Keys
 * never travel on a command line: argv is world-readable in /proc.
 */
#ifndef MMS_KEYFILE_H
#define MMS_KEYFILE_H

#include "codec.h"

/*
 * Read the key in path ("-" for stdin) into key. A regular file that group or
 * others may read is refused before it is opened further.
 * Returns 0, -EPERM (file too open), -EINVAL (not a key), or -errno.
 * The caller wipes key when done with it (OPENSSL_cleanse).
 */
int mms_key_read(const char *path, __u8 key[MMS_KEY_LEN]);
/* Human-readable reason for a mms_key_read() error. */
const char *mms_key_strerror(int err);

#endif /* MMS_KEYFILE_H */
