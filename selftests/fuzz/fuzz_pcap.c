// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer harness: the pcap reader (agent/pcapfile.c) on any file, since
 * mms-inject --pcap replays captures somebody handed over. The input is the
 * file (in a memfd, read through /proc/self/fd). Invariants, besides no
 * out-of-bounds access or UB: a file is opened only with a classic pcap
 * magic (either byte order) and the Ethernet link type; every frame is
 * 14..PCAP_FRAME_MAX bytes and is exactly the bytes of the file after its
 * record header (the reader never invents, drops or shifts a byte); the
 * frames end with 0 only at the end of the file, and -EBADMSG otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pcapfile.h"

static void must(int cond)
{
	if (!cond)
		abort();
}

static uint32_t rd32(const uint8_t *p, int swap)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[PCAP_FRAME_MAX];
	static int fd = -1;
	struct pcap_reader r;
	char path[64];
	size_t off = 24;
	uint32_t magic;
	int rc, swap, n;

	if (fd < 0)
		fd = memfd_create("fuzz-pcap", 0);
	must(fd >= 0 && !ftruncate(fd, 0) && pwrite(fd, data, size, 0) == (ssize_t)size);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rc = pcap_open(&r, path);
	if (size < 24) {
		must(rc == -EBADMSG);
		return 0;
	}
	magic = rd32(data, 0);
	swap = magic != 0xa1b2c3d4u && magic != 0xa1b23c4du;
	magic = rd32(data, swap);
	if (magic != 0xa1b2c3d4u && magic != 0xa1b23c4du) {
		must(rc == -EBADMSG);
		return 0;
	}
	must(rc == (rd32(data + 20, swap) == 1 ? 0 : -EBADMSG));
	if (rc)
		return 0;
	for (int i = 0;; i++) {
		must(i <= (int)(size / 30) + 1);	/* every frame takes >= 30 bytes */
		n = pcap_next(&r, buf);
		if (n <= 0)
			break;
		must(n >= 14 && n <= PCAP_FRAME_MAX && off + 16 + (size_t)n <= size);
		must(rd32(data + off + 8, swap) == (uint32_t)n && !memcmp(buf, data + off + 16, n));
		off += 16 + (size_t)n;
	}
	must(n == 0 ? off == size : n == -EBADMSG && off < size);
	pcap_close(&r);
	return 0;
}
