// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Minimal rtnetlink requests (see rtnl.h). A request is one message built
 * in a fixed buffer with bounds-checked attribute appends; the answer read
 * is the NLMSG_ERROR ack for our sequence number.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "rtnl.h"

struct req {
	union {
		struct nlmsghdr n;
		char buf[1024];
	};
} __attribute__((aligned(NLMSG_ALIGNTO)));

int rtnl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tmo = { .tv_sec = 2 };	/* an ack never takes that long */
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

static void req_init(struct req *r, int type, int flags, const void *hdr, size_t hlen)
{
	memset(r, 0, sizeof(*r));
	r->n.nlmsg_len = (__u32)NLMSG_LENGTH(hlen);
	r->n.nlmsg_type = (__u16)type;
	r->n.nlmsg_flags = (__u16)(NLM_F_REQUEST | NLM_F_ACK | flags);
	memcpy(r->buf + NLMSG_HDRLEN, hdr, hlen);
}

/* Append an attribute; NULL when the buffer is full. */
static struct rtattr *attr(struct req *r, int type, const void *data, size_t len)
{
	size_t at = NLMSG_ALIGN(r->n.nlmsg_len);
	struct rtattr *a = (struct rtattr *)(r->buf + at);

	if (at + RTA_SPACE(len) > sizeof(*r))
		return NULL;
	a->rta_type = (unsigned short)type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	r->n.nlmsg_len = (__u32)(at + RTA_SPACE(len));
	return a;
}

static struct rtattr *nest_begin(struct req *r, int type)
{
	return attr(r, type, NULL, 0);
}

static void nest_end(struct req *r, struct rtattr *a)
{
	a->rta_len = (unsigned short)(r->buf + r->n.nlmsg_len - (char *)a);
}

static int talk(int fd, struct req *r)
{
	static __u32 seq;
	char buf[4096] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *h;
	ssize_t n;

	r->n.nlmsg_seq = ++seq;
	if (send(fd, &r->n, r->n.nlmsg_len, 0) < 0)
		return -errno;
	for (int tries = 0; tries < 64; tries++) {	/* other messages are skipped */
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			return -errno;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned int)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != r->n.nlmsg_seq || h->nlmsg_type != NLMSG_ERROR)
				continue;
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
				return -EBADMSG;
			return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
		}
	}
	return -ETIMEDOUT;
}

int rtnl_veth_create(int fd, const char *name, const char *peer, unsigned int flags, int mtu,
		     int gso_max_segs)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_flags = flags, .ifi_change = flags };
	struct ifinfomsg pifi = { .ifi_family = AF_UNSPEC };
	struct rtattr *info, *data, *p;
	struct req r;

	req_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
	if (!attr(&r, IFLA_IFNAME, name, strlen(name) + 1) ||
	    (mtu && !attr(&r, IFLA_MTU, &mtu, sizeof(mtu))) ||
	    (gso_max_segs && !attr(&r, IFLA_GSO_MAX_SEGS, &gso_max_segs, sizeof(gso_max_segs))) ||
	    !(info = nest_begin(&r, IFLA_LINKINFO)) ||
	    !attr(&r, IFLA_INFO_KIND, "veth", 5) ||
	    !(data = nest_begin(&r, IFLA_INFO_DATA)) ||
	    !(p = attr(&r, VETH_INFO_PEER, &pifi, sizeof(pifi))) ||
	    !attr(&r, IFLA_IFNAME, peer, strlen(peer) + 1) ||
	    (mtu && !attr(&r, IFLA_MTU, &mtu, sizeof(mtu))))
		return -ENOSPC;
	nest_end(&r, p);
	nest_end(&r, data);
	nest_end(&r, info);
	return talk(fd, &r);
}

int rtnl_veth_add(int fd, const char *name, const char *peer)
{
	return rtnl_veth_create(fd, name, peer, 0, 0, 0);
}

int rtnl_link_set(int fd, int ifindex, unsigned int flags, unsigned int change, int mtu,
		  int gso_max_segs)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC, .ifi_index = ifindex,
		.ifi_flags = flags, .ifi_change = change,
	};
	struct req r;

	req_init(&r, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	if ((mtu && !attr(&r, IFLA_MTU, &mtu, sizeof(mtu))) ||
	    (gso_max_segs && !attr(&r, IFLA_GSO_MAX_SEGS, &gso_max_segs, sizeof(gso_max_segs))))
		return -ENOSPC;
	return talk(fd, &r);
}

int rtnl_addr_add_new(int fd, int ifindex, int family, const void *addr, int prefixlen)
{
	struct ifaddrmsg ifa = {
		.ifa_family = (unsigned char)family, .ifa_prefixlen = (unsigned char)prefixlen,
		.ifa_index = (unsigned int)ifindex, .ifa_scope = RT_SCOPE_UNIVERSE,
	};
	size_t alen = family == AF_INET ? 4 : 16;
	__u32 fl = IFA_F_NODAD;	/* no neighbour discovery on mm0: DAD would only wait */
	struct req r;

	req_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof(ifa));
	if (!attr(&r, IFA_LOCAL, addr, alen) || !attr(&r, IFA_ADDRESS, addr, alen) ||
	    (family == AF_INET6 && !attr(&r, IFA_FLAGS, &fl, sizeof(fl))))
		return -ENOSPC;
	return talk(fd, &r);
}

int rtnl_route_add_new(int fd, int family, const void *dst, int plen, int table, int proto,
		       int type, int oif, const void *src)
{
	struct rtmsg rt = {
		.rtm_family = (unsigned char)family, .rtm_dst_len = (unsigned char)plen,
		.rtm_table = (unsigned char)table, .rtm_protocol = (unsigned char)proto,
		.rtm_scope = type == RTN_LOCAL ? RT_SCOPE_HOST : RT_SCOPE_LINK,
		.rtm_type = (unsigned char)type,
	};
	size_t alen = family == AF_INET ? 4 : 16;
	__u32 t = (__u32)table, o = (__u32)oif;
	struct req r;

	req_init(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rt, sizeof(rt));
	if ((plen && !attr(&r, RTA_DST, dst, alen)) || !attr(&r, RTA_TABLE, &t, sizeof(t)) ||
	    !attr(&r, RTA_OIF, &o, sizeof(o)) || (src && !attr(&r, RTA_PREFSRC, src, alen)))
		return -ENOSPC;
	return talk(fd, &r);
}

int rtnl_rule(int fd, bool add, int family, const void *dst, int plen, int table, int pref)
{
	struct fib_rule_hdr h = {
		.family = (__u8)family, .dst_len = (__u8)(dst ? plen : 0),
		.table = table < 256 ? (__u8)table : RT_TABLE_UNSPEC, .action = FR_ACT_TO_TBL,
	};
	size_t alen = family == AF_INET ? 4 : 16;
	__u32 t = (__u32)table, p = (__u32)pref;
	struct req r;

	req_init(&r, add ? RTM_NEWRULE : RTM_DELRULE, add ? NLM_F_CREATE | NLM_F_EXCL : 0,
		 &h, sizeof(h));
	if ((dst && plen && !attr(&r, FRA_DST, dst, alen)) ||
	    !attr(&r, FRA_TABLE, &t, sizeof(t)) || (pref && !attr(&r, FRA_PRIORITY, &p, sizeof(p))))
		return -ENOSPC;
	return talk(fd, &r);
}

int rtnl_link_del(int fd, int ifindex)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct req r;

	req_init(&r, RTM_DELLINK, 0, &ifi, sizeof(ifi));
	return talk(fd, &r);
}
