// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mm0's routing state (see mm0route.h): made, checked and put back with
 * exclusive requests, so that "already there" (-EEXIST) is the answer of
 * every check that finds nothing to do and changes nothing, and the
 * agent's own requests never wake its watch again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "mm0route.h"
#include "rtnl.h"

int mm0_cidr_parse(const char *s, struct mm0_cidr *c)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *endp;
	long plen;

	if (!s || snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return -EINVAL;
	slash = strchr(buf, '/');
	if (slash)
		*slash = 0;
	memset(c->addr, 0, sizeof(c->addr));
	if (inet_pton(AF_INET, buf, c->addr) == 1)
		c->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, c->addr) == 1)
		c->family = AF_INET6;
	else
		return -EINVAL;
	c->plen = c->family == AF_INET ? 32 : 128;
	if (slash) {
		plen = strtol(slash + 1, &endp, 10);
		if (*endp || endp == slash + 1 || plen < 0 || plen > c->plen)
			return -EINVAL;
		c->plen = (int)plen;
	}
	return 0;
}

const char *mm0_fix_name(int bit_index)
{
	static const char *const names[MM0_FIX_KINDS] = { "link", "address", "route", "rule",
								    "local route" };

	return bit_index >= 0 && bit_index < MM0_FIX_KINDS ? names[bit_index] : "?";
}

/* IFF_UP of ifindex: 1, 0, or -errno. SIOCGIFFLAGS takes no RTNL. */
static int link_is_up(int ifindex)
{
	char name[IF_NAMESIZE];
	struct ifreq ifr;
	int sock, rc;

	if (!if_indextoname((unsigned)ifindex, name))
		return -ENODEV;
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name) < sizeof(name) ? sizeof(ifr.ifr_name) :
	       sizeof(name));
	rc = ioctl(sock, SIOCGIFFLAGS, &ifr) < 0 ? -errno : !!(ifr.ifr_flags & IFF_UP);
	close(sock);
	return rc;
}

/* 1 when the exclusive add made it (it was missing), 0 when it was there. */
static int added(int rc)
{
	return rc == -EEXIST ? 0 : rc ? rc : 1;
}

/* Set ifindex up if it is down: 1 when it was, 0, or -errno. */
static int set_up(int nl, int ifindex)
{
	int up = link_is_up(ifindex);

	if (up < 0)
		return up;
	return up ? 0 : rtnl_link_set(nl, ifindex, IFF_UP, IFF_UP, 0, 0) ?: 1;
}

int mm0route_apply(int nl, int ifindex, int peer, const struct mm0_cidr *c)
{
	int fixed = 0, rc = set_up(nl, ifindex);
	__u8 net[16];

	if (rc >= 0 && peer) {
		int p = set_up(nl, peer);

		rc = p < 0 ? p : rc | p;
	}
	if (rc < 0)
		return rc;
	fixed |= rc ? MM0_FIX_UP : 0;
	rc = added(rtnl_addr_add_new(nl, ifindex, c->family, c->addr, c->plen));
	if (rc < 0)
		return rc;
	fixed |= rc ? MM0_FIX_ADDR : 0;
	/* the prefix: the address with its host bits cleared */
	memcpy(net, c->addr, sizeof(net));
	for (int i = 0; i < 16; i++) {
		int keep = c->plen - 8 * i;

		net[i] &= keep >= 8 ? 0xff : keep <= 0 ? 0 : (__u8)(0xff << (8 - keep));
	}
	/* The kernel makes the local route with the address; one deleted on
	 * its own (a flush of every table) stops delivery to the address. */
	rc = added(rtnl_route_add_new(nl, c->family, c->addr, c->family == AF_INET ? 32 : 128,
				      RT_TABLE_LOCAL, RTPROT_KERNEL, RTN_LOCAL, ifindex, c->addr));
	if (rc < 0)
		return rc;
	fixed |= rc ? MM0_FIX_LOCAL : 0;
	rc = added(rtnl_route_add_new(nl, c->family, net, c->plen, MMS_RT_TABLE, MMS_RT_PROTO,
				      RTN_UNICAST, ifindex, c->addr));
	if (rc < 0)
		return rc;
	fixed |= rc ? MM0_FIX_ROUTE : 0;
	rc = added(rtnl_rule(nl, true, c->family, net, c->plen, MMS_RT_TABLE, MMS_RT_PREF));
	if (rc < 0)
		return rc;
	return fixed | (rc ? MM0_FIX_RULE : 0);
}

int mm0route_remove(int nl)
{
	static const int families[] = { AF_INET, AF_INET6 };
	int n = 0;

	for (unsigned f = 0; f < sizeof(families) / sizeof(families[0]); f++)
		for (int i = 0; i < 64; i++) {	/* bounded: an operator may have copied it */
			if (rtnl_rule(nl, false, families[f], NULL, 0, MMS_RT_TABLE, 0))
				break;
			n++;
		}
	return n;
}

int mm0route_watch_open(int ifindex, int peer)
{
	/* Classic BPF over each notification: netlink is host order, and
	 * absolute loads read network order, hence htons/htonl. Offset 4 is
	 * nlmsg_type; 20 is ifi_index, ifa_index (both u32 after 4 bytes of
	 * header) and rtm_table (the fifth byte of struct rtmsg); a netconf
	 * message's first attribute, at 20, is NETCONFA_IFINDEX, its value at
	 * 24 (inet_netconf_fill_devconf puts it first). The local
	 * table's deletions come with every address removed on the host:
	 * rare, and a check costs three requests. */
	struct sock_filter prog[] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 4),
		/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htons(RTM_DELRULE), 15, 0),
		/* 2 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htons(RTM_DELROUTE), 8, 0),
		/* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htons(RTM_NEWNETCONF), 10, 0),
		/* 4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htons(RTM_NEWLINK), 3, 0),
		/* 5 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htons(RTM_DELLINK), 2, 0),
		/* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htons(RTM_DELADDR), 1, 0),
		/* 7 */ BPF_STMT(BPF_RET | BPF_K, 0),
		/* 8: links, addresses */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 20),
		/* 9 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl((__u32)ifindex), 7, 0),
		/* 10 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl((__u32)peer), 6, 5),
		/* 11: routes */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 20),
		/* 12 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MMS_RT_TABLE, 4, 0),
		/* 13 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, RT_TABLE_LOCAL, 3, 2),
		/* 14: netconf */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 24),
		/* 15 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl((__u32)ifindex), 1, 0),
		/* 16 */ BPF_STMT(BPF_RET | BPF_K, 0),
		/* 17 */ BPF_STMT(BPF_RET | BPF_K, 0xffff),
	};
	struct sock_fprog fp = { .len = sizeof(prog) / sizeof(prog[0]), .filter = prog };
	static const unsigned groups[] = { RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
					   RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE,
					   RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE,
					   RTNLGRP_IPV4_NETCONF };
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	/* the filter first: nothing unfiltered is queued in between */
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	for (unsigned i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &groups[i],
			       sizeof(groups[i])) < 0)
			goto fail;
	return fd;
fail:
	{
		int e = -errno;

		close(fd);
		return e;
	}
}

int mm0route_watch_read(int fd)
{
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	int got = 0;

	for (int i = 0; i < 256; i++) {	/* bounded: the rest waits for the next wake-up */
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? got : -errno;
		got++;
	}
	return got;
}
