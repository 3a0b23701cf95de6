// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The agent's side of absorbed hellos (loader.h, bpf/mms_hello.h): the
 * templates it installs and the arrival times it reads through a mapping
 * of mms_hello_seen, so that checking every neighbour before the timers
 * run costs no system call.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>

#include "loader.h"

/* mms_hello_seen's mapping: whole pages */
static size_t seen_len(void)
{
	size_t pg = (size_t)getpagesize();

	return (MMS_HELLO_SLOTS * sizeof(__u64) + pg - 1) / pg * pg;
}

int mms_dp_hello_set(struct mms_dp *dp, const struct mms_hello_key *k,
		     const struct mms_hello_tpl *t)
{
	int fd = mms_dp_map_fd(dp, MMS_MAP_HELLO_TPL);

	if (fd < 0)
		return fd;
	if (t)
		return bpf_map_update_elem(fd, k, t, BPF_ANY) ? -errno : 0;
	return bpf_map_delete_elem(fd, k) && errno != ENOENT ? -errno : 0;
}

int mms_dp_hello_reset(struct mms_dp *dp)
{
	int tpl = mms_dp_map_fd(dp, MMS_MAP_HELLO_TPL), seen = mms_dp_map_fd(dp, MMS_MAP_HELLO_SEEN);
	struct mms_hello_key k;
	__u64 zero = 0;
	int err = 0;

	if (tpl < 0 || seen < 0)
		return -EBADF;
	/* Deleting the first key each time: the table holds a few entries,
	 * and an iteration would restart anyway after each deletion. */
	while (!err && !bpf_map_get_next_key(tpl, NULL, &k))
		err = bpf_map_delete_elem(tpl, &k) ? -errno : 0;
	for (__u32 i = 0; i < MMS_HELLO_SLOTS && !err; i++)
		err = bpf_map_update_elem(seen, &i, &zero, BPF_ANY) ? -errno : 0;
	return err;
}

const volatile __u64 *mms_dp_hello_map(struct mms_dp *dp)
{
	int fd = mms_dp_map_fd(dp, MMS_MAP_HELLO_SEEN);
	void *p;

	if (fd < 0) {
		errno = EBADF;
		return NULL;
	}
	p = mmap(NULL, seen_len(), PROT_READ, MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

void mms_dp_hello_unmap(const volatile __u64 *seen)
{
	if (seen)
		munmap((void *)(unsigned long)seen, seen_len());
}
