// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* RFC 1035 subset: one question, class IN, types A / AAAA / ANY. */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "dns.h"

#define DNS_HDR 12
#define T_A 1
#define T_AAAA 28
#define T_ANY 255
#define C_IN 1
#define RC_NOERROR 0
#define RC_FORMERR 1
#define RC_NXDOMAIN 3
#define RC_NOTIMP 4
#define RC_REFUSED 5
#define TTL 5	/* names follow LSAs: keep caches short */

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Read the question name into dotted lower-case text; no compression is
 * valid in a question. Returns the offset after the name, or 0. */
static size_t read_qname(const uint8_t *q, size_t qlen, char *name, size_t cap)
{
	size_t off = DNS_HDR, n = 0;

	for (int labels = 0; labels < 64; labels++) {
		unsigned l;

		if (off >= qlen)
			return 0;
		l = q[off++];
		if (l == 0) {
			name[n] = 0;
			return off;
		}
		if (l > 63 || off + l > qlen || n + l + 2 > cap)
			return 0;
		if (n)
			name[n++] = '.';
		for (unsigned i = 0; i < l; i++) {
			int c = q[off + i];

			if (!isalnum(c) && c != '-' && c != '_')
				return 0;
			name[n++] = (char)tolower(c);
		}
		off += l;
	}
	return 0;
}

static size_t reply(uint8_t *out, const uint8_t *q, size_t qend, unsigned rcode, int ancount)
{
	memcpy(out, q, qend);
	out[2] = (uint8_t)(0x84 | (q[2] & 0x01));	/* QR, AA, copy RD */
	out[3] = (uint8_t)rcode;			/* RA = 0: no recursion */
	put16(out + 4, qend > DNS_HDR ? 1 : 0);
	put16(out + 6, (unsigned)ancount);
	put16(out + 8, 0);
	put16(out + 10, 0);
	return qend;
}

static size_t add_rr(uint8_t *out, size_t off, size_t cap, unsigned type, const uint8_t *a, size_t alen)
{
	if (off + 12 + alen > cap)
		return 0;
	put16(out + off, 0xc000 | DNS_HDR);	/* name: pointer to the question */
	put16(out + off + 2, type);
	put16(out + off + 4, C_IN);
	out[off + 6] = 0;
	out[off + 7] = 0;
	put16(out + off + 8, TTL);
	put16(out + off + 10, (unsigned)alen);
	memcpy(out + off + 12, a, alen);
	return off + 12 + alen;
}

size_t dns_answer(const uint8_t *q, size_t qlen, uint8_t *out, size_t cap,
		  const char *zone, dns_lookup_fn lookup, void *ctx)
{
	char name[256];
	size_t qend, zl = strlen(zone), nl, off;
	unsigned qtype, qclass;
	uint8_t v4[4], v6[16];
	int have, an = 0;

	if (qlen < DNS_HDR || cap < 512 || (q[2] & 0x80))
		return 0;	/* too short to echo, or a response: never answer */
	if (((q[2] >> 3) & 0x0f) != 0)
		return reply(out, q, DNS_HDR, RC_NOTIMP, 0);
	if (q[4] != 0 || q[5] != 1)
		return reply(out, q, DNS_HDR, RC_FORMERR, 0);
	qend = read_qname(q, qlen, name, sizeof(name));
	if (!qend || qend + 4 > qlen)
		return reply(out, q, DNS_HDR, RC_FORMERR, 0);
	qtype = (unsigned)q[qend] << 8 | q[qend + 1];
	qclass = (unsigned)q[qend + 2] << 8 | q[qend + 3];
	qend += 4;
	if (qend > cap)
		return 0;
	nl = strlen(name);
	if (qclass != C_IN || nl <= zl + 1 || name[nl - zl - 1] != '.' ||
	    strcasecmp(name + nl - zl, zone))
		return reply(out, q, qend, RC_REFUSED, 0);
	name[nl - zl - 1] = 0;
	if (strchr(name, '.'))
		return reply(out, q, qend, RC_NXDOMAIN, 0);
	have = lookup(name, v4, v6, ctx);
	if (!have)
		return reply(out, q, qend, RC_NXDOMAIN, 0);
	off = reply(out, q, qend, RC_NOERROR, 0);
	if ((have & 1) && (qtype == T_A || qtype == T_ANY) && (off = add_rr(out, off, cap, T_A, v4, 4)))
		an++;
	if (off && (have & 2) && (qtype == T_AAAA || qtype == T_ANY) &&
	    (off = add_rr(out, off, cap, T_AAAA, v6, 16)))
		an++;
	if (!off)
		return reply(out, q, qend, RC_NOERROR, 0);
	put16(out + 6, (unsigned)an);	/* NOERROR with no answer: the name exists, not the type */
	return off;
}

int dns_listen(const char *addr, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd, one = 1;

	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* the management address may appear on mm0 a moment after we start */
	setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

void dns_serve(int fd, const char *zone, dns_lookup_fn lookup, void *ctx)
{
	for (int budget = 0; budget < 64; budget++) {
		uint8_t q[512], out[512];
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
		size_t r;

		if (n < 0)
			return;
		r = dns_answer(q, (size_t)n, out, sizeof(out), zone, lookup, ctx);
		if (r)
			sendto(fd, out, r, 0, (struct sockaddr *)&from, fl);
	}
}
