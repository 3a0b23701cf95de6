/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Hop keys on disk. A key file holds one 16-byte AES-128 hop key, either as
 * 16 raw bytes or as 32 hex digits (surrounding whitespace allowed). It is
 * read as a secret state file (agent/statefile.h: owner only, mode 0600, no
 * symlink). Keys never travel on a command line: argv is world-readable in
 * /proc.
 */
#ifndef MMS_KEYFILE_H
#define MMS_KEYFILE_H

#include "codec.h"
#include "statefile.h"

/*
 * Read the key in path into key. Returns 0, or a negative errno with the
 * reason in e: -EACCES (mode, owner, symlink), -EFBIG, -EINVAL (not a key),
 * -ENOENT... The caller wipes key when done with it (OPENSSL_cleanse).
 */
int mms_key_read(const char *path, __u8 key[MMS_KEY_LEN], struct mms_err *e);

#endif /* MMS_KEYFILE_H */
