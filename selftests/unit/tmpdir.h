/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Temporary directories for unit tests that touch the disk: made with
 * mkdtemp under $TMPDIR (or /tmp), removed with everything in them by
 * tmpdir_remove(), which tests also register with atexit() so that a failed
 * assertion that returns early still cleans up.
 */
#ifndef MMS_TMPDIR_H
#define MMS_TMPDIR_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir_path[512];

static int tmpdir_rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	return flag == FTW_DP ? rmdir(p) : unlink(p);
}

static void tmpdir_remove(void)
{
	if (tmpdir_path[0]) {
		/* Permissions the test loosened or tightened do not stop root,
		 * and nftw reads directories before removing them. */
		chmod(tmpdir_path, 0700);
		nftw(tmpdir_path, tmpdir_rm_one, 16, FTW_DEPTH | FTW_PHYS);
		tmpdir_path[0] = 0;
	}
}

/* Returns the directory, or NULL. */
static const char *tmpdir_make(const char *tag)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir_path, sizeof(tmpdir_path), "%s/mms-%s-XXXXXX",
		 base && *base ? base : "/tmp", tag);
	if (!mkdtemp(tmpdir_path)) {
		tmpdir_path[0] = 0;
		return NULL;
	}
	atexit(tmpdir_remove);
	return tmpdir_path;
}

/* Whole file into buf (at most cap bytes); returns the length or -1. */
static long slurp(const char *path, void *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, cap, f);
	fclose(f);
	return (long)n;
}

static int spit(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(buf, 1, len, f) == len;
	return fclose(f) == 0 && ok ? 0 : -1;
}

#endif
