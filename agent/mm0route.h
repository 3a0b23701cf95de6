/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * mm0's routing state, kept out of reach of what breaks the data plane
 * (docs/control-plane.md, "mm0 against a broken host"): the management
 * prefix is routed from a table of MMS's own (MMS_RT_TABLE), looked up by a
 * rule (MMS_RT_PREF) before the main table, so a flushed or wrong main
 * table, a routing daemon's mistake included, leaves management alone. What
 * is deleted under the agent (mm0 set down, its address, the route, the
 * rule) is put back at once: a netlink socket, filtered in the kernel to the
 * few messages that can concern it, wakes the agent only then.
 */
#ifndef MMS_MM0ROUTE_H
#define MMS_MM0ROUTE_H

#include <stdbool.h>
#include <linux/types.h>

#define MMS_RT_TABLE	215	/* below 256: it fits rtm_table, which the watch filters on */
#define MMS_RT_PREF	900	/* after local (0), before main (32766) */
#define MMS_RT_PROTO	77	/* rtm_protocol of our route, "mms" in `ip route` numbers */

struct mm0_cidr {
	int family, plen;	/* AF_INET or AF_INET6 */
	__u8 addr[16];
};

/* "ADDR[/PREFIX]" (IPv4 or IPv6); 0 or -EINVAL. */
int mm0_cidr_parse(const char *s, struct mm0_cidr *c);

/* What mm0route_apply() found missing and put back (bits). */
enum {
	MM0_FIX_UP	= 1 << 0,	/* mm0 or its peer was down */
	MM0_FIX_ADDR	= 1 << 1,	/* its address was gone */
	MM0_FIX_ROUTE	= 1 << 2,	/* the prefix route in MMS_RT_TABLE */
	MM0_FIX_RULE	= 1 << 3,	/* the rule that looks MMS_RT_TABLE up */
	MM0_FIX_LOCAL	= 1 << 4,	/* the address's route in the local table */
};
#define MM0_FIX_KINDS	5
const char *mm0_fix_name(int bit_index);

/* Make mm0 (ifindex) and its peer up, mm0 with address c, the route and the
 * rule, over the rtnetlink request socket nl; each added only when missing.
 * Returns a mask of MM0_FIX_* put back, or -errno. */
int mm0route_apply(int nl, int ifindex, int peer, const struct mm0_cidr *c);
/* Delete every rule that looks MMS_RT_TABLE up (both families): at
 * teardown; the route goes with mm0. Returns the number deleted. */
int mm0route_remove(int nl);

/* A non-blocking socket that receives only: mm0 (ifindex) or its peer
 * changed or went, an address of mm0 deleted, a route of MMS_RT_TABLE or
 * of the local table deleted, a rule deleted, mm0's IPv4 settings changed
 * (the relay's forwarding at an MA). Returns the fd or -errno. */
int mm0route_watch_open(int ifindex, int peer);
/* Drain it: > 0 when something arrived (apply again), 0 when nothing,
 * -errno on error (-ENOBUFS: messages lost, apply again as well). */
int mm0route_watch_read(int fd);

#endif
