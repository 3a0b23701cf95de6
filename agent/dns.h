/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The MA's DNS answers for management names: "<name>.<zone>" (zone default
 * "mms") resolves to the management address the node announced in its LSA,
 * so operators type `ssh root@core3.mms` instead of an address. Authoritative
 * for the zone only; everything else is REFUSED (no recursion, no open
 * resolver). I/O free: a query buffer in, a response buffer out.
 */
#ifndef MMS_DNS_H
#define MMS_DNS_H

#include <stddef.h>
#include <stdint.h>

/* Look a bare node name (no zone) up; fill a 4-byte IPv4 and/or 16-byte IPv6
 * address and return a mask: 1 = has v4, 2 = has v6, 0 = unknown name. */
typedef int (*dns_lookup_fn)(const char *name, uint8_t v4[4], uint8_t v6[16], void *ctx);

/* Build the response to one query. Returns its length, or 0 when the query
 * deserves no answer at all (not a query, or too mangled to echo an ID). */
size_t dns_answer(const uint8_t *q, size_t qlen, uint8_t *out, size_t cap,
		  const char *zone, dns_lookup_fn lookup, void *ctx);

/* Serve: a bound UDP socket on addr:port; dns_serve answers what is pending. */
int dns_listen(const char *addr, int port);
void dns_serve(int fd, const char *zone, dns_lookup_fn lookup, void *ctx);

#endif
