// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mms-inject: send hand-made MMS frames on a link, for tests of the
 * datapath. Two kinds:
 *
 *   routed (--src, --dst): the node's own installed route to DST (from the
 *     pinned mms_routes) and the neighbour it leaves through (mms_nbrs); the
 *     frame the node would send for a small IPv4 packet, or with --type a
 *     control payload carrying the same bytes. Sent once as it is, N times
 *     (--count), or once per bit in a range with that single bit flipped
 *     (--flip; bit 0 is the most significant bit of the first byte of the
 *     MMS header; the hop fields follow the 16-byte header).
 *   link scope (--link TYPE[,TYPE...] --port P): frames of these types
 *     (hello, beacon, auth, ...) in turn to the neighbour in slot P, as the
 *     node's agent would send them.
 *
 *   captured (--pcap FILE --iface IF): MMS frames from a `tcpdump -w` file,
 *     sent again on IF as they were (a replay), or only those of --type,
 *     only the --nth of them, with the first --pop fields removed (what a
 *     relay that forwarded them holds: the rest of the route), body bytes
 *     overwritten (--patch OFF:HEX, OFF from the start of the body), the
 *     payload replaced by our own IPv4 packet (--src, --dst; its end-to-end
 *     tag made under the key of the default route pinned in --tag-pin, the
 *     best key a relay has for data it makes, else a zero key) and new
 *     Ethernet addresses; --list prints what the file holds. Routed DATA
 *     frames from the node's own routes are tagged as the node tags them.
 *
 * --gap-us 0 sends as fast as the socket takes frames (a flood), bounded by
 * --count and --seconds; --random-src gives every frame a made-up source
 * MAC. SIGINT or SIGTERM ends the sending early. stdout: the number of
 * frames sent. -v: the rate on stderr.
 *
 * The inner packet of data frames is an ICMP echo *reply*: the destination's
 * stack drops it without answering, so the only traffic a test sees is the
 * injected frames.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
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
#include <net/if.h>
#include <sys/socket.h>
#include <bpf/bpf.h>

#include "codec.h"
#include "loader.h"
#include "pcapfile.h"
#include "pktio.h"

#define BODY_LEN	48	/* IPv4 20 + ICMP 8 + 20 bytes of pattern */
#define COUNT_MAX	100000000ul
#define HDR_BITS	(8 * (MMS_HDR_LEN + MMS_MAX_HOPS * MMS_HOP_LEN))
#define PCAP_MAX	4096	/* frames kept from a capture */
#define PATCH_MAX	8
#define PATCH_LEN	64

struct patch {
	unsigned long off;
	bool from_end;		/* OFF was -N: N bytes before the body's end */
	__u8 b[PATCH_LEN];
	size_t n;
};

struct opts {
	const char *pin;
	struct in_addr src, dst;
	unsigned long alt, from, to, gap_us, count, seconds, port;
	int type;		/* payload type of routed frames */
	__u8 link_types[8];	/* link scope: types sent in turn */
	int nlink;		/* 0: routed */
	bool flip, random_src, verbose;
	/* captured frames */
	const char *pcap, *iface;
	bool list, have_type, have_nth, own_src, have_src, have_dst;
	__u8 types[256];		/* --pcap: the payload types taken (--type, repeatable) */
	unsigned long nth, pop;
	struct patch patch[PATCH_MAX];
	int npatch;
	__u8 src_mac[6], dst_mac[6];
	const char *tag_pin;		/* --tag-pin: whose default route's key tags --src data */
	struct mms_e2e_key tag_key;	/* zero unless --tag-pin */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

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
/* The sequence word of DATA made here, as a node's datapath makes it
 * (include/mms_seq.h): the wall clock's count, one more per frame. */
static __u64 data_seq(void)
{
	static __u64 last;
	struct timespec ts;
	__u64 c;

	clock_gettime(CLOCK_REALTIME, &ts);
	c = mms_seq_clock((__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec);
	last = c > last ? c : last + 1;
	return mms_seq_word(0, last);
}

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
	fprintf(f, "Usage: mms-inject --pin DIR --src IPV4 --dst IPV4 [--alt N] [--type TYPE]\n"
		   "                  [--flip FROM:TO] [SENDING]\n"
		   "       mms-inject --pin DIR --link TYPE[,TYPE...] --port P [SENDING]\n"
		   "  the frame this node would send to DST along its route alt N (payload\n"
		   "  TYPE, default data), once per bit FROM..TO-1 flipped (bit 0: MSB of the\n"
		   "  MMS header); or link-scope frames of the TYPEs in turn to the neighbour\n"
		   "  on port P\n"
		   "       mms-inject --pcap FILE --iface IF [--type TYPE] [--nth N] [--pop N]\n"
		   "                  [--src IPV4 --dst IPV4] [--patch OFF:HEX]...\n"
		   "                  [--src-mac MAC|own] [--dst-mac MAC] [--tag-pin DIR]\n"
		   "                  [SENDING]\n"
		   "       mms-inject --pcap FILE --list [--type TYPE] [-v]\n"
		   "  MMS frames captured by tcpdump -w, sent again on IF: those of TYPE\n"
		   "  (--type again for more types), the\n"
		   "  Nth of them (from 0), their first N hop fields removed, the payload\n"
		   "  replaced by this tool's IPv4 packet from SRC to DST (end-to-end tag\n"
		   "  under the key of the default route pinned in DIR, else a zero key),\n"
		   "  body bytes at\n"
		   "  OFF (-OFF: from the body's end) overwritten, new Ethernet addresses;\n"
		   "  --count defaults to each once; --list -v prints the bodies in hex\n"
		   "SENDING: [--count N] [--seconds S] [--gap-us N] [--random-src] [-v]\n"
		   "  N frames (default 1), for at most S seconds, N us apart (default 200,\n"
		   "  0: as fast as the socket takes them), each from a made-up source MAC\n"
		   "TYPE: hello beacon beacon-ack lsa auth control data notify, or 1..255\n");
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

static bool mac_arg(const char *s, __u8 mac[6])
{
	unsigned v[6];
	char end;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &end) != 6)
		return false;
	for (int i = 0; i < 6; i++) {
		if (v[i] > 255)
			return false;
		mac[i] = (__u8)v[i];
	}
	return true;
}

/* [-]OFF:HEX, at most PATCH_LEN bytes; -OFF counts from the body's end. */
static bool patch_arg(char *s, struct patch *p)
{
	char *colon = strchr(s, ':');
	size_t n;

	if (!colon)
		return false;
	*colon = '\0';
	n = strlen(colon + 1);
	p->from_end = *s == '-';
	if (!num(s + p->from_end, 65535, &p->off) || (p->from_end && !p->off) || !n || n % 2 ||
	    n / 2 > PATCH_LEN)
		return false;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;

		if (sscanf(colon + 1 + 2 * i, "%2x", &v) != 1 || !isxdigit(colon[1 + 2 * i]) ||
		    !isxdigit(colon[2 + 2 * i]))
			return false;
		p->b[i] = (__u8)v;
	}
	p->n = n / 2;
	return true;
}

/* A payload type by name or number; -1 if neither. */
static int type_arg(const char *s)
{
	unsigned long v;

	for (int t = 1; t < MMS_T_MAX; t++)
		if (!strcmp(s, mms_type_name((__u8)t)))
			return t;
	return num(s, 255, &v) && v ? (int)v : -1;
}

/* The end-to-end key of the default route pinned under o->tag_pin: the key
 * that node tags its own data with, the best a relay has for data it makes. */
static int tag_key_of(struct opts *o)
{
	int fd = pinned(o->tag_pin, MMS_MAP_ROUTES), rc = 0;
	struct mms_route_set set;
	struct mms_addr any;

	memset(&any, 0, sizeof(any));
	if (fd < 0)
		return die(1, "%s: maps not pinned (%s)", o->tag_pin, strerror(errno));
	if (bpf_map_lookup_elem(fd, &any, &set) || !set.n)
		rc = die(1, "%s: no default route to take a key from", o->tag_pin);
	else
		o->tag_key = set.r[0].e2e;
	close(fd);
	return rc;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "pin", required_argument, NULL, 'p' },
		{ "src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'd' },
		{ "alt", required_argument, NULL, 'a' },
		{ "type", required_argument, NULL, 't' },
		{ "flip", required_argument, NULL, 'f' },
		{ "link", required_argument, NULL, 'l' },
		{ "port", required_argument, NULL, 'P' },
		{ "count", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 'S' },
		{ "gap-us", required_argument, NULL, 'g' },
		{ "random-src", no_argument, NULL, 'r' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "pcap", required_argument, NULL, 'c' },
		{ "iface", required_argument, NULL, 'i' },
		{ "list", no_argument, NULL, 'L' },
		{ "nth", required_argument, NULL, 'N' },
		{ "pop", required_argument, NULL, 'o' },
		{ "patch", required_argument, NULL, 'x' },
		{ "src-mac", required_argument, NULL, 'm' },
		{ "dst-mac", required_argument, NULL, 'M' },
		{ "tag-pin", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 } };
	bool have_count = false;
	int ch;

	memset(o, 0, sizeof(*o));
	o->gap_us = 200;
	o->count = 1;
	o->type = MMS_T_DATA;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hv", lo, NULL)) != -1) {
		char *colon;

		switch (ch) {
		case 'p': o->pin = optarg; break;
		case 's':
			if (inet_pton(AF_INET, optarg, &o->src) != 1)
				return die(2, "--src: '%s' is not an IPv4 address", optarg);
			break;
		case 'd':
			if (inet_pton(AF_INET, optarg, &o->dst) != 1)
				return die(2, "--dst: '%s' is not an IPv4 address", optarg);
			break;
		case 'a':
			if (!num(optarg, MMS_MAX_ALT - 1, &o->alt))
				return die(2, "--alt: bad value '%s'", optarg);
			break;
		case 't':
			o->type = type_arg(optarg);
			if (o->type < 0)
				return die(2, "--type: unknown payload type '%s'", optarg);
			o->have_type = true;
			o->types[o->type] = 1;
			break;
		case 'c': o->pcap = optarg; break;
		case 'i': o->iface = optarg; break;
		case 'L': o->list = true; break;
		case 'N':
			if (!num(optarg, PCAP_MAX - 1, &o->nth))
				return die(2, "--nth: bad value '%s'", optarg);
			o->have_nth = true;
			break;
		case 'o':
			if (!num(optarg, MMS_MAX_HOPS - 1, &o->pop))
				return die(2, "--pop: bad value '%s' (0..%d)", optarg, MMS_MAX_HOPS - 1);
			break;
		case 'x':
			if (o->npatch == PATCH_MAX || !patch_arg(optarg, &o->patch[o->npatch]))
				return die(2, "--patch: want OFF:HEX (up to %d, %d bytes each)",
					   PATCH_MAX, PATCH_LEN);
			o->npatch++;
			break;
		case 'm':
			o->own_src = !strcmp(optarg, "own");
			if (!o->own_src && !mac_arg(optarg, o->src_mac))
				return die(2, "--src-mac: want a MAC address or 'own', not '%s'", optarg);
			o->have_src = true;
			break;
		case 'M':
			if (!mac_arg(optarg, o->dst_mac))
				return die(2, "--dst-mac: '%s' is not a MAC address", optarg);
			o->have_dst = true;
			break;
		case 'l':
			for (char *t = strtok(optarg, ","); t; t = strtok(NULL, ",")) {
				if (type_arg(t) < 0 || o->nlink == (int)sizeof(o->link_types))
					return die(2, "--link: want up to %zu payload types, "
						   "not '%s'", sizeof(o->link_types), t);
				o->link_types[o->nlink++] = (__u8)type_arg(t);
			}
			if (!o->nlink)
				return die(2, "--link: no payload type");
			break;
		case 'f':
			colon = strchr(optarg, ':');
			if (!colon)
				return die(2, "--flip: want FROM:TO");
			*colon = '\0';
			if (!num(optarg, HDR_BITS, &o->from) || !num(colon + 1, HDR_BITS, &o->to) ||
			    o->from >= o->to)
				return die(2, "--flip: bad range");
			o->flip = true;
			break;
		case 'P':
			if (!num(optarg, MMS_MAX_PORTS - 1, &o->port) || !o->port)
				return die(2, "--port: bad value '%s'", optarg);
			break;
		case 'n':
			if (!num(optarg, COUNT_MAX, &o->count) || !o->count)
				return die(2, "--count: bad value '%s' (1..%lu)", optarg, COUNT_MAX);
			have_count = true;
			break;
		case 'S':
			if (!num(optarg, 3600, &o->seconds) || !o->seconds)
				return die(2, "--seconds: bad value '%s' (1..3600)", optarg);
			break;
		case 'g':
			if (!num(optarg, 1000000, &o->gap_us))
				return die(2, "--gap-us: bad value '%s'", optarg);
			break;
		case 'r': o->random_src = true; break;
		case 'T': o->tag_pin = optarg; break;
		case 'v': o->verbose = true; break;
		case 'h': usage(stdout); exit(0);
		case ':': return die(2, "option '%s' needs a value", argv[optind - 1]);
		default: return die(2, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return die(2, "unexpected argument '%s'", argv[optind]);
	if (o->pcap) {
		if (o->pin || o->nlink || o->flip || o->alt)
			return die(2, "--pcap takes no --pin, --link, --flip or --alt");
		if (!o->src.s_addr != !o->dst.s_addr)
			return die(2, "--pcap: --src and --dst go together");
		if (!o->list && !o->iface)
			return die(2, "--pcap wants --iface IF (or --list)");
		if (o->tag_pin && !o->src.s_addr)
			return die(2, "--tag-pin tags our own packet: it goes with --src and --dst");
		if (!have_count)
			o->count = 0;	/* each selected frame once */
		return o->tag_pin ? tag_key_of(o) : 0;
	}
	if (o->tag_pin)
		return die(2, "--tag-pin goes with --pcap");
	if (o->iface || o->list || o->have_nth || o->pop || o->npatch || o->have_src || o->have_dst)
		return die(2, "--iface, --list, --nth, --pop, --patch and --*-mac go with --pcap");
	if (!o->pin)
		return die(2, "--pin is required");
	if (o->nlink) {
		if (!o->port || o->src.s_addr || o->dst.s_addr || o->flip)
			return die(2, "--link takes --port, and no --src, --dst or --flip");
	} else if (!o->src.s_addr || !o->dst.s_addr || o->port) {
		return die(2, "--src and --dst are required (or --link TYPE --port P)");
	}
	if (o->flip && o->count != 1)
		return die(2, "--flip sends one frame per bit; no --count with it");
	return 0;
}

/* The frame to send and where to: from the node's own maps. */
static int build(const struct opts *o, __u8 *frame, size_t cap, int *len, struct mms_nbr *nbr)
{
	int rfd = pinned(o->pin, MMS_MAP_ROUTES), nfd = pinned(o->pin, MMS_MAP_NBRS), rc = 0;
	struct mms_route_set set;
	struct mms_addr key;
	__u8 body[BODY_LEN];
	__u32 port = (__u32)o->port;

	if (rfd < 0 || nfd < 0) {
		rc = die(1, "%s: maps not pinned (%s)", o->pin, strerror(errno));
		goto out;
	}
	build_body(body, o->src, o->dst, 1);
	if (!o->nlink) {
		mms_addr_v4(&key, o->dst.s_addr);
		if (bpf_map_lookup_elem(rfd, &key, &set) || o->alt >= set.n) {
			rc = die(1, "no route alternate %lu to %s", o->alt, inet_ntoa(o->dst));
			goto out;
		}
		port = set.r[o->alt].port;
	}
	if (bpf_map_lookup_elem(nfd, &port, nbr) || !nbr->ifindex) {
		rc = die(1, "port %u has no neighbour", port);
		goto out;
	}
	if (nbr->vlan) {
		rc = die(1, "port %u is VLAN-tagged; tagged injection is not supported", port);
		goto out;
	}
	if (o->nlink) {
		struct mms_frame_spec fs = {
			.dst_mac = nbr->mac, .src_mac = nbr->smac, .scope = MMS_SCOPE_LINK,
			.type = o->link_types[0], .body = body, .body_len = BODY_LEN,
		};

		*len = mms_frame_build(frame, cap, &fs);
	} else {
		if (o->flip && o->to > 8u * (MMS_HDR_LEN + set.r[o->alt].nhops * MMS_HOP_LEN)) {
			rc = die(2, "--flip: the route has only %u header and hop bits",
				 8u * (MMS_HDR_LEN + set.r[o->alt].nhops * MMS_HOP_LEN));
			goto out;
		}
		/* DATA as the node sends it: tagged under its route's key */
		*len = o->type == MMS_T_DATA ?
		       mms_frame_data(frame, cap, &set.r[o->alt], nbr->mac, nbr->smac,
				      data_seq(), body, BODY_LEN) :
		       mms_frame_route(frame, cap, &set.r[o->alt], nbr->mac, nbr->smac,
				       (__u8)o->type, body, BODY_LEN);
	}
	if (*len < 0)
		rc = die(1, "building the frame: %s", strerror(-*len));
out:
	if (nfd >= 0)
		close(nfd);
	if (rfd >= 0)
		close(rfd);
	return rc;
}

/* ---- captured frames ---- */

struct captured {
	__u8 (*b)[PCAP_FRAME_MAX];
	int *len;
	unsigned long n;
};

/* Offset of the payload header of an MMS frame, 0 if it is not one. */
static size_t pl_off(const __u8 *f, int len)
{
	size_t off;

	if (len < MMS_ETH_LEN + MMS_HDR_LEN || f[12] != (MMS_ETH_P >> 8) ||
	    f[13] != (MMS_ETH_P & 0xff) || f[MMS_ETH_LEN + 3] > MMS_MAX_HOPS)
		return 0;
	off = MMS_ETH_LEN + MMS_HDR_LEN + (size_t)f[MMS_ETH_LEN + 3] * MMS_HOP_LEN;
	return off + MMS_PL_LEN <= (size_t)len ? off : 0;
}

/* What a relay that forwarded the frame k times holds: the route's rest. */
static int pop_fields(__u8 *f, int len, unsigned long k)
{
	size_t cut = k * MMS_HOP_LEN, at = MMS_ETH_LEN + MMS_HDR_LEN;

	if (!k)
		return len;
	if (f[MMS_ETH_LEN + 1] != MMS_SCOPE_ROUTE || f[MMS_ETH_LEN + 3] <= k)
		return -1;
	memmove(f + at, f + at + cut, (size_t)len - at - cut);
	f[MMS_ETH_LEN + 3] -= (__u8)k;
	return len - (int)cut;
}

static size_t body_len(const __u8 *f, size_t pl)
{
	return (size_t)f[pl + 2] << 8 | f[pl + 3];
}

static int edit(const struct opts *o, __u8 *f, int len, const __u8 own[6])
{
	size_t body, blen;

	len = pop_fields(f, len, o->pop);
	if (len < 0)
		return die(1, "--pop %lu: the frame is not routed or has too few fields", o->pop);
	body = pl_off(f, len) + MMS_PL_LEN;
	if (o->src.s_addr) {	/* our own packet on the captured route */
		const struct mms_hdr *h = (const struct mms_hdr *)(f + MMS_ETH_LEN);
		__u64 t, seq;

		f[body - MMS_PL_LEN] = MMS_T_DATA;
		f[body - 2] = 0;
		f[body - 1] = MMS_E2E_LEN + BODY_LEN;
		build_body(f + body + MMS_E2E_LEN, o->src, o->dst, 1);
		/* tagged under the best key we hold for it (--tag-key), else 0 */
		seq = data_seq();
		t = mms_e2e_mac(&o->tag_key, h->epoch, h->tag, MMS_T_DATA, seq,
				f + body + MMS_E2E_LEN, BODY_LEN);
		for (int i = 0; i < MMS_E2E_TAG_LEN; i++) {
			f[body + i] = (__u8)(t >> (8 * i));
			f[body + MMS_E2E_TAG_LEN + i] = (__u8)(seq >> (56 - 8 * i));
		}
		len = (int)body + MMS_E2E_LEN + BODY_LEN;
	}
	blen = body_len(f, body - MMS_PL_LEN);
	if (body + blen > (size_t)len)
		return die(1, "captured frame shorter than its payload header says");
	for (int i = 0; i < o->npatch; i++) {
		const struct patch *p = &o->patch[i];
		size_t at = p->from_end ? blen - p->off : p->off;

		if (p->off > blen || at + p->n > blen)
			return die(1, "--patch %s%lu: the body has only %zu bytes",
				   p->from_end ? "-" : "", p->off, blen);
		memcpy(f + body + at, p->b, p->n);
	}
	if (o->have_dst)
		memcpy(f, o->dst_mac, 6);
	if (o->have_src)
		memcpy(f + 6, o->own_src ? own : o->src_mac, 6);
	return len;
}

static void list_frame(unsigned long i, const __u8 *f, int len, bool hex)
{
	size_t off = pl_off(f, len), blen = body_len(f, off);
	__u8 type = f[off], scope = f[MMS_ETH_LEN + 1];

	printf("%lu %s %s nhops %u body %zu", i, mms_type_name(type),
	       scope == MMS_SCOPE_LINK ? "link" : scope == MMS_SCOPE_ROUTE ? "routed" : "?",
	       f[MMS_ETH_LEN + 3], body_len(f, off));
	if (type == MMS_T_AUTH && off + MMS_PL_LEN + 2 <= (size_t)len)
		printf(" kind %#x", f[off + MMS_PL_LEN + 1]);	/* handshake kind / envelope type */
	if (hex && off + MMS_PL_LEN + blen <= (size_t)len) {
		printf(" hex ");
		for (size_t k = 0; k < blen; k++)
			printf("%02x", f[off + MMS_PL_LEN + k]);
	}
	putchar('\n');
}

/* The MMS frames of the capture that --type and --nth select, edited. */
static int load_pcap(const struct opts *o, struct captured *c, const __u8 own[6])
{
	struct pcap_reader r;
	unsigned long match = 0;
	int len, rc = pcap_open(&r, o->pcap);

	if (rc)
		return die(1, "%s: %s", o->pcap, rc == -EBADMSG ? "not a classic Ethernet pcap file" :
			   strerror(-rc));
	c->b = malloc(PCAP_MAX * sizeof(*c->b));
	c->len = malloc(PCAP_MAX * sizeof(*c->len));
	if (!c->b || !c->len) {
		pcap_close(&r);
		return die(1, "out of memory");
	}
	while ((len = pcap_next(&r, c->b[c->n])) > 0 && c->n < PCAP_MAX) {
		size_t off = pl_off(c->b[c->n], len);

		if (!off || (o->have_type && !o->types[c->b[c->n][off]]))
			continue;
		if (o->list) {
			list_frame(match++, c->b[c->n], len, o->verbose);
			continue;
		}
		if (o->have_nth && match++ != o->nth)
			continue;
		len = edit(o, c->b[c->n], len, own);
		if (len < 0) {
			pcap_close(&r);
			return 1;
		}
		c->len[c->n++] = len;
	}
	pcap_close(&r);
	if (len < 0)
		return die(1, "%s: truncated or oversized frame record", o->pcap);
	if (!o->list && !c->n)
		return die(1, "%s: no MMS frame matches", o->pcap);
	return 0;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The i-th frame to send into copy; its length. */
static int nth_frame(const struct opts *o, const __u8 *frame, int len, const struct captured *c,
		     unsigned long i, __u8 *copy)
{
	unsigned long b = o->from + i;

	if (c->n) {
		memcpy(copy, c->b[i % c->n], (size_t)c->len[i % c->n]);
		return c->len[i % c->n];
	}
	memcpy(copy, frame, (size_t)len);
	if (o->flip)
		copy[MMS_ETH_LEN + b / 8] ^= (__u8)(0x80 >> (b % 8));
	if (o->nlink)	/* no hop fields: the payload header follows the route header */
		copy[MMS_ETH_LEN + MMS_HDR_LEN] = o->link_types[i % (unsigned long)o->nlink];
	return len;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct mms_nbr nbr;
	struct sockaddr_ll sll;
	struct captured cap = { 0 };
	__u8 frame[MMS_MAX_OVERHEAD + BODY_LEN], copy[PCAP_FRAME_MAX];
	unsigned long sent = 0, refused = 0, n;
	__u64 rs = 0x9e3779b97f4a7c15ull ^ (__u64)getpid();
	double t0, deadline;
	int s = -1, len = 0, rc;

	rc = parse(argc, argv, &o);
	if (!rc && o.pcap) {
		memset(&nbr, 0, sizeof(nbr));
		if (o.iface) {
			nbr.ifindex = if_nametoindex(o.iface);
			if (!nbr.ifindex)
				return die(1, "--iface %s: %s", o.iface, strerror(errno));
		}
		if (o.own_src && pktio_if_mac(o.iface, nbr.smac))
			return die(1, "--iface %s: no Ethernet address", o.iface);
		rc = load_pcap(&o, &cap, nbr.smac);
		if (!rc && o.list)
			goto out;
		n = o.count ? o.count : cap.n;
	} else if (!rc) {
		rc = build(&o, frame, sizeof(frame), &len, &nbr);
		n = o.flip ? o.to - o.from : o.count;
	}
	if (rc)
		goto out;

	s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (s < 0) {
		rc = die(1, "AF_PACKET socket: %s", strerror(errno));
		goto out;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)nbr.ifindex;
	sll.sll_halen = ETH_ALEN;
	memcpy(sll.sll_addr, nbr.mac, ETH_ALEN);
	/* No SA_RESTART: a signal ends a blocked send at once. */
	sigaction(SIGINT, &(struct sigaction){ .sa_handler = on_signal }, NULL);
	sigaction(SIGTERM, &(struct sigaction){ .sa_handler = on_signal }, NULL);
	t0 = mono_s();
	deadline = o.seconds ? t0 + (double)o.seconds : 0;
	for (unsigned long i = 0; i < n && !stop; i++) {
		struct timespec gap = { 0, (long)o.gap_us * 1000 };
		int flen = nth_frame(&o, frame, len, &cap, i, copy);

		if (o.random_src) {
			/* xorshift64: locally administered unicast, never ours */
			rs ^= rs << 13;
			rs ^= rs >> 7;
			rs ^= rs << 17;
			memcpy(copy + 6, &rs, 6);
			copy[6] = (__u8)((copy[6] & 0xfc) | 0x02);
		}
		if (sendto(s, copy, (size_t)flen, 0, (struct sockaddr *)&sll, sizeof(sll)) == flen) {
			sent++;
		} else if (o.gap_us == 0 && (errno == ENOBUFS || errno == EAGAIN)) {
			refused++;	/* a flood outruns the device: not sent */
		} else if (errno == EINTR) {
			continue;	/* a signal: the loop condition decides */
		} else {
			rc = die(1, "send: %s", strerror(errno));
			break;
		}
		/* Pacing keeps the veth ring from overflowing, which would lose
		 * frames outside the datapath's counters. */
		if (o.gap_us)
			nanosleep(&gap, NULL);
		if (deadline && (i & 255) == 0 && mono_s() >= deadline)
			break;
	}
	if (o.verbose) {
		double el = mono_s() - t0;

		fprintf(stderr, "mms-inject: %lu frames in %.3f s (%.0f frames/s), %lu refused "
			"by the device\n", sent, el, el > 0 ? (double)sent / el : 0.0, refused);
	}
	printf("%lu\n", sent);
	fflush(stdout);
out:
	if (s >= 0)
		close(s);
	free(cap.b);
	free(cap.len);
	return rc;
}
