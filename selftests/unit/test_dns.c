// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The MA's management-name DNS: answers, refusals, and hostile queries. */
#include <string.h>
#include <stdlib.h>

#include "tap.h"
#include "dns.h"

static int lookup(const char *name, uint8_t v4[4], uint8_t v6[16], void *ctx)
{
	(void)ctx;
	(void)v6;
	if (!strcmp(name, "core3")) {
		const uint8_t a[4] = { 10, 77, 0, 3 };

		memcpy(v4, a, 4);
		return 1;
	}
	return 0;
}

/* A query for name (dotted) and type, with id 0x1234 and RD set. */
static size_t query(uint8_t *q, const char *name, unsigned type)
{
	size_t off = 12;
	const char *p = name;

	memset(q, 0, 12);
	q[0] = 0x12;
	q[1] = 0x34;
	q[2] = 0x01;
	q[5] = 1;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		q[off++] = (uint8_t)l;
		memcpy(q + off, p, l);
		off += l;
		p += l + (dot ? 1 : 0);
	}
	q[off++] = 0;
	q[off++] = (uint8_t)(type >> 8);
	q[off++] = (uint8_t)type;
	q[off++] = 0;
	q[off++] = 1;
	return off;
}

static int rcode(const uint8_t *r) { return r[3] & 0x0f; }
static int ancount(const uint8_t *r) { return r[6] << 8 | r[7]; }

int main(void)
{
	uint8_t q[512], r[512];
	size_t ql, rl;

	ql = query(q, "core3.mms", 1);
	rl = dns_answer(q, ql, r, sizeof(r), "mms", lookup, NULL);
	ok(rl == ql + 16 && rcode(r) == 0 && ancount(r) == 1 && r[0] == 0x12 && r[1] == 0x34 &&
	   (r[2] & 0x84) == 0x84, "A core3.mms answered authoritatively with one record");
	ok(rl >= 4 && !memcmp(r + rl - 4, "\x0a\x4d\x00\x03", 4), "the record is 10.77.0.3");

	ql = query(q, "CORE3.MMS", 1);
	rl = dns_answer(q, ql, r, sizeof(r), "mms", lookup, NULL);
	ok(rl && rcode(r) == 0 && ancount(r) == 1, "names are case-insensitive");

	ql = query(q, "core3.mms", 28);
	rl = dns_answer(q, ql, r, sizeof(r), "mms", lookup, NULL);
	ok(rl == ql && rcode(r) == 0 && ancount(r) == 0, "AAAA for a v4-only node: NOERROR, no data");

	ql = query(q, "nosuch.mms", 1);
	rl = dns_answer(q, ql, r, sizeof(r), "mms", lookup, NULL);
	ok(rl && rcode(r) == 3, "unknown name: NXDOMAIN");

	ql = query(q, "a.b.mms", 1);
	rl = dns_answer(q, ql, r, sizeof(r), "mms", lookup, NULL);
	ok(rl && rcode(r) == 3, "deeper name: NXDOMAIN");

	ql = query(q, "example.com", 1);
	rl = dns_answer(q, ql, r, sizeof(r), "mms", lookup, NULL);
	ok(rl && rcode(r) == 5 && ancount(r) == 0, "other zones refused (no open resolver)");

	ql = query(q, "mms", 1);
	rl = dns_answer(q, ql, r, sizeof(r), "mms", lookup, NULL);
	ok(rl && rcode(r) == 5, "the bare zone is refused");

	ql = query(q, "core3.mms", 1);
	q[2] |= 0x80;
	ok(dns_answer(q, ql, r, sizeof(r), "mms", lookup, NULL) == 0, "responses are never answered");

	ql = query(q, "core3.mms", 1);
	q[5] = 2;
	rl = dns_answer(q, ql, r, sizeof(r), "mms", lookup, NULL);
	ok(rl && rcode(r) == 1, "two questions: FORMERR");

	{
		int bad = 0;
		size_t full = query(q, "core3.mms", 1);

		for (size_t l = 0; l < full; l++) {
			rl = dns_answer(q, l, r, sizeof(r), "mms", lookup, NULL);
			if (l < 12 ? rl != 0 : (rl == 0 || rcode(r) != 1))
				bad++;
		}
		ok(bad == 0, "every truncation: no answer (<12 bytes) or FORMERR");
	}
	{
		int oversize = 0;

		srand(7);
		for (int i = 0; i < 100000; i++) {
			size_t l = (size_t)(rand() % 80);

			for (size_t k = 0; k < l; k++)
				q[k] = (uint8_t)rand();
			rl = dns_answer(q, l, r, sizeof(r), "mms", lookup, NULL);
			oversize += rl > sizeof(r);
		}
		ok(oversize == 0, "100000 random queries answered within bounds");
	}
	return tap_done();
}
