/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Carrier watch over rtnetlink: the kernel tells us the instant a link loses
 * carrier, so failover to a precomputed alternate needs no hello timeout.
 */
#ifndef MMS_LINKMON_H
#define MMS_LINKMON_H

#include <stdbool.h>
#include <net/if.h>

/* Open a non-blocking rtnetlink socket subscribed to link events. */
int linkmon_open(void);
/* Drain pending events, calling cb(ifindex, running, ctx) for each link
 * message. Returns the number handled or -errno. */
int linkmon_read(int fd, void (*cb)(int ifindex, bool running, void *ctx), void *ctx);
struct linkmon_link {
	char name[IF_NAMESIZE];
	int ifindex;
	unsigned char mac[6];
	bool has_mac;		/* a 6-byte link-layer address */
	bool running;		/* carrier, as linkmon_is_running() */
};

/* Every link of the namespace, in ifindex order, with its carrier: one
 * RTM_GETLINK dump, where if_nameindex() and a query per link took one wait
 * for the RTNL each. Calls cb for each link; returns 0 or -errno. */
int linkmon_list(void (*cb)(const struct linkmon_link *l, void *ctx), void *ctx);
/* Carrier of one link now (up and IFF_LOWER_UP): 1 yes, 0 no, -errno. */
int linkmon_is_running(int ifindex);

#endif
