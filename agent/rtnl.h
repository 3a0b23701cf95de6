/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The few rtnetlink requests the agent makes to set up mm0: create a veth
 * pair, set link flags and MTU, add an address, a route and a rule, delete a
 * link or a rule. Each request waits for the kernel's ack and returns 0 or
 * -errno; all act in the caller's network namespace.
 */
#ifndef MMS_RTNL_H
#define MMS_RTNL_H

#include <stdbool.h>

/* Open a netlink socket for requests; returns the fd or -errno. */
int rtnl_open(void);
int rtnl_veth_add(int fd, const char *name, const char *peer);
/* The same in one request with what would take more: `name` created with
 * the IFF_* `flags` set (IFF_UP too) and gso_max_segs (0: the default),
 * both ends with `mtu` (0: the default); the peer is left down. */
int rtnl_veth_create(int fd, const char *name, const char *peer, unsigned int flags, int mtu,
		     int gso_max_segs);
/* Set the flags in `change` to their value in `flags` (IFF_*); mtu and
 * gso_max_segs 0 keep theirs. */
int rtnl_link_set(int fd, int ifindex, unsigned int flags, unsigned int change, int mtu,
		  int gso_max_segs);
/* family AF_INET or AF_INET6; addr 4 or 16 bytes; -EEXIST when the address
 * is there already. */
int rtnl_addr_add_new(int fd, int ifindex, int family, const void *addr, int prefixlen);
/* A route of type (RTN_UNICAST: scope link, RTN_LOCAL: scope host) to
 * dst/plen out of oif in table, src its preferred source (NULL: none);
 * -EEXIST when it is there already. */
int rtnl_route_add_new(int fd, int family, const void *dst, int plen, int table, int proto,
		       int type, int oif, const void *src);
/* Add (-EEXIST when an identical one exists) or delete a rule "to dst/plen
 * lookup table" at priority pref; for a delete, dst NULL and pref 0 match
 * any rule of that table (-ENOENT when none is left). */
int rtnl_rule(int fd, bool add, int family, const void *dst, int plen, int table, int pref);
int rtnl_link_del(int fd, int ifindex);

#endif
