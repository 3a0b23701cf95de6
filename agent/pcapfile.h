/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Reading classic pcap files (what `tcpdump -w` writes): the frames of an
 * Ethernet capture, for tools that replay captured MMS frames (mms-inject
 * --pcap). Both byte orders, microsecond and nanosecond stamps; pcapng and
 * other link types are refused.
 */
#ifndef MMS_PCAPFILE_H
#define MMS_PCAPFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PCAP_FRAME_MAX	2048	/* longer captured frames are refused */

struct pcap_reader {
	FILE *f;
	int swap;		/* file written in the other byte order */
};

/* 0, or -errno: -EBADMSG when it is not a classic Ethernet pcap. */
int pcap_open(struct pcap_reader *r, const char *path);
/* The next frame into buf (PCAP_FRAME_MAX bytes): its length, 0 at the
 * end, -EBADMSG for a truncated or oversized record. Frames the capture
 * cut short (snaplen) are -EBADMSG too: they cannot be replayed. */
int pcap_next(struct pcap_reader *r, uint8_t *buf);
void pcap_close(struct pcap_reader *r);

#endif
