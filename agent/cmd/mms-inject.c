// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mms-inject: send hand-made MMS frames on a link, for tests of the
 * datapath's tamper detection. It takes the node's own installed route to
 * DST (from the pinned mms_routes) and the neighbour it leaves through
 * (mms_nbrs), builds the frame the node would send for a small IPv4 packet,
 * and sends it once as it is, or once per bit in a range with that single
 * bit flipped. Bit 0 is the most significant bit of the first byte of the
 * MMS header; the hop fields follow the 16-byte header.
 *
 * The inner packet is an ICMP echo *reply*: the destination's stack drops it
 * without answering, so the only traffic a test sees is the injected frames.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <sys/socket.h>
#include <bpf/bpf.h>

#include "codec.h"
#include "loader.h"

#define BODY_LEN 48	/* IPv4 20 + ICMP 8 + 20 bytes of pattern */

static int __attribute__((format(printf, 2, 3))) die(int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mms-inject: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

static __u16 csum(const __u8 *p, size_t n)
{
	__u32 s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (__u32)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (__u32)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

/* IPv4 | ICMP echo reply with a recognisable pattern. */
static void build_body(__u8 *b, struct in_addr src, struct in_addr dst, __u16 seq)
{
	__u16 c;

	memset(b, 0, BODY_LEN);
	b[0] = 0x45;
	b[2] = 0;
	b[3] = BODY_LEN;
	b[8] = 64;		/* TTL */
	b[9] = 1;		/* ICMP */
	memcpy(b + 12, &src.s_addr, 4);
	memcpy(b + 16, &dst.s_addr, 4);
	c = csum(b, 20);
	b[10] = (__u8)(c >> 8);
	b[11] = (__u8)c;
	b[20] = 0;		/* echo reply */
	b[24] = 0x4d;		/* identifier "MS" */
	b[25] = 0x53;
	b[26] = (__u8)(seq >> 8);
	b[27] = (__u8)seq;
	for (int i = 28; i < BODY_LEN; i++)
		b[i] = (__u8)i;
	c = csum(b + 20, BODY_LEN - 20);
	b[22] = (__u8)(c >> 8);
	b[23] = (__u8)c;
}

static int pinned(const char *pin, enum mms_map m)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", pin, mms_dp_map_name(m));
	return bpf_obj_get(path);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: mms-inject --pin DIR --src IPV4 --dst IPV4 [--alt N] "
		   "[--flip FROM:TO] [--gap-us N]\n"
		   "  sends the frame this node would send to DST along its route alt N,\n"
		   "  once, or once per bit FROM..TO-1 (bit 0: MSB of the MMS header) flipped\n");
}

static bool num(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return !errno && !*end && *out <= max;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "pin", required_argument, NULL, 'p' },
		{ "src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'd' },
		{ "alt", required_argument, NULL, 'a' },
		{ "flip", required_argument, NULL, 'f' },
		{ "gap-us", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 } };
	const char *pin = NULL;
	struct in_addr src = { 0 }, dst = { 0 };
	unsigned long alt = 0, from = 0, to = 0, gap_us = 200;
	bool flip = false;
	struct mms_route_set set;
	struct mms_addr key;
	struct mms_nbr nbr;
	struct sockaddr_ll sll;
	__u8 body[BODY_LEN], frame[MMS_MAX_OVERHEAD + BODY_LEN], copy[sizeof(frame)];
	__u32 port;
	int ch, rfd, nfd, s, len, rc = 0;
	unsigned long sent = 0;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		char *colon;

		switch (ch) {
		case 'p': pin = optarg; break;
		case 's':
			if (inet_pton(AF_INET, optarg, &src) != 1)
				return die(2, "--src: '%s' is not an IPv4 address", optarg);
			break;
		case 'd':
			if (inet_pton(AF_INET, optarg, &dst) != 1)
				return die(2, "--dst: '%s' is not an IPv4 address", optarg);
			break;
		case 'a':
			if (!num(optarg, MMS_MAX_ALT - 1, &alt))
				return die(2, "--alt: bad value '%s'", optarg);
			break;
		case 'f':
			colon = strchr(optarg, ':');
			if (!colon)
				return die(2, "--flip: want FROM:TO");
			*colon = '\0';
			if (!num(optarg, 8 * (MMS_HDR_LEN + MMS_MAX_HOPS * MMS_HOP_LEN), &from) ||
			    !num(colon + 1, 8 * (MMS_HDR_LEN + MMS_MAX_HOPS * MMS_HOP_LEN), &to) ||
			    from >= to)
				return die(2, "--flip: bad range");
			flip = true;
			break;
		case 'g':
			if (!num(optarg, 1000000, &gap_us))
				return die(2, "--gap-us: bad value '%s'", optarg);
			break;
		case 'h': usage(stdout); return 0;
		case ':': return die(2, "option '%s' needs a value", argv[optind - 1]);
		default: return die(2, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return die(2, "unexpected argument '%s'", argv[optind]);
	if (!pin || !src.s_addr || !dst.s_addr)
		return die(2, "--pin, --src and --dst are required");

	rfd = pinned(pin, MMS_MAP_ROUTES);
	nfd = pinned(pin, MMS_MAP_NBRS);
	if (rfd < 0 || nfd < 0)
		return die(1, "%s: maps not pinned (%s)", pin, strerror(errno));
	mms_addr_v4(&key, dst.s_addr);
	if (bpf_map_lookup_elem(rfd, &key, &set) || alt >= set.n)
		return die(1, "no route alternate %lu to %s", alt, inet_ntoa(dst));
	port = set.r[alt].port;
	if (bpf_map_lookup_elem(nfd, &port, &nbr) || !nbr.ifindex)
		return die(1, "route's first port %u has no neighbour", port);
	if (flip && to > 8u * (MMS_HDR_LEN + set.r[alt].nhops * MMS_HOP_LEN))
		return die(2, "--flip: the route has only %u header and hop bits",
			   8u * (MMS_HDR_LEN + set.r[alt].nhops * MMS_HOP_LEN));
	build_body(body, src, dst, 1);
	len = mms_frame_route(frame, sizeof(frame), &set.r[alt], nbr.mac, nbr.smac,
			      MMS_T_DATA, body, BODY_LEN);
	if (len < 0)
		return die(1, "building the frame: %s", strerror(-len));
	if (nbr.vlan)
		return die(1, "port %u is VLAN-tagged; tagged injection is not supported", port);

	s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (s < 0)
		return die(1, "AF_PACKET socket: %s", strerror(errno));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)nbr.ifindex;
	sll.sll_halen = ETH_ALEN;
	memcpy(sll.sll_addr, nbr.mac, ETH_ALEN);
	if (!flip)
		from = 0, to = 1;
	for (unsigned long b = from; b < to; b++) {
		struct timespec gap = { 0, (long)gap_us * 1000 };

		memcpy(copy, frame, (size_t)len);
		if (flip)
			copy[MMS_ETH_LEN + b / 8] ^= (__u8)(0x80 >> (b % 8));
		if (sendto(s, copy, (size_t)len, 0, (struct sockaddr *)&sll, sizeof(sll)) != len) {
			rc = die(1, "send: %s", strerror(errno));
			break;
		}
		sent++;
		/* Pacing keeps the veth ring from overflowing, which would lose
		 * frames outside the datapath's counters. */
		nanosleep(&gap, NULL);
	}
	printf("%lu\n", sent);
	close(s);
	close(nfd);
	close(rfd);
	return rc;
}
