// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Classic pcap: a 24-byte file header (magic, version, zone, sigfigs,
 * snaplen, link type), then per frame a 16-byte record header (seconds,
 * sub-second, captured length, original length) and the captured bytes.
 */
#include <errno.h>
#include <string.h>

#include "pcapfile.h"

#define MAGIC_US	0xa1b2c3d4u
#define MAGIC_NS	0xa1b23c4du
#define LINKTYPE_ETHERNET 1

static uint32_t u32(const uint8_t *p, int swap)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

int pcap_open(struct pcap_reader *r, const char *path)
{
	uint8_t h[24];
	uint32_t magic;

	memset(r, 0, sizeof(*r));
	r->f = fopen(path, "rb");
	if (!r->f)
		return -errno;
	if (fread(h, 1, sizeof(h), r->f) != sizeof(h))
		goto bad;
	magic = u32(h, 0);
	if (magic != MAGIC_US && magic != MAGIC_NS) {
		r->swap = 1;
		magic = u32(h, 1);
		if (magic != MAGIC_US && magic != MAGIC_NS)
			goto bad;
	}
	if (u32(h + 20, r->swap) != LINKTYPE_ETHERNET)
		goto bad;
	return 0;
bad:
	pcap_close(r);
	return -EBADMSG;
}

int pcap_next(struct pcap_reader *r, uint8_t *buf)
{
	uint8_t h[16];
	uint32_t cap, orig;
	size_t n = fread(h, 1, sizeof(h), r->f);

	if (n == 0 && feof(r->f))
		return 0;
	if (n != sizeof(h))
		return -EBADMSG;
	cap = u32(h + 8, r->swap);
	orig = u32(h + 12, r->swap);
	if (cap > PCAP_FRAME_MAX || cap != orig || cap < 14)
		return -EBADMSG;
	if (fread(buf, 1, cap, r->f) != cap)
		return -EBADMSG;
	return (int)cap;
}

void pcap_close(struct pcap_reader *r)
{
	if (r->f)
		fclose(r->f);
	r->f = NULL;
}
