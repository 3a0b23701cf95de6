// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/time.h>
#include <sys/socket.h>

#include "linkmon.h"

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000	/* linux/if.h; clashes with net/if.h */
#endif

/* Carrier is IFF_LOWER_UP, read from the device at once; IFF_RUNNING is the
 * operstate, which the kernel's link watcher updates up to a second later
 * (it rate-limits non-urgent events globally), so a port would look dead
 * while hellos already cross it. */
static bool flags_up(unsigned flags)
{
	return (flags & IFF_UP) && (flags & IFF_LOWER_UP);
}

int linkmon_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

int linkmon_read(int fd, void (*cb)(int ifindex, bool running, void *ctx), void *ctx)
{
	char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	int handled = 0;

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nh;

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return handled;
			if (errno == ENOBUFS)	/* overrun: caller re-reads link states */
				return -ENOBUFS;
			return -errno;
		}
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (unsigned)n); nh = NLMSG_NEXT(nh, n)) {
			struct ifinfomsg *ifi;

			if (nh->nlmsg_type != RTM_NEWLINK && nh->nlmsg_type != RTM_DELLINK)
				continue;
			if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
				continue;
			ifi = NLMSG_DATA(nh);
			cb(ifi->ifi_index, nh->nlmsg_type == RTM_NEWLINK && flags_up(ifi->ifi_flags), ctx);
			handled++;
		}
	}
}

/* Send an RTM_GETLINK for one link, or a dump of all (ifindex 0), on a
 * socket of its own; returns the socket, to read the answer from, or -errno. */
static int getlink_send(int ifindex)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req = {
		.nh = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETLINK,
			.nlmsg_flags = NLM_F_REQUEST | (ifindex ? 0 : NLM_F_DUMP), .nlmsg_seq = 1 },
		.ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex },
	};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct timeval tv = { .tv_sec = 1 };

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(fd, &req, sizeof(req), 0) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

/* SIOCGIFFLAGS returns 16 bits of flags and IFF_LOWER_UP is bit 16: ask
 * rtnetlink for the link instead. */
int linkmon_is_running(int ifindex)
{
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	int fd = getlink_send(ifindex), rc = -EIO;
	ssize_t n;

	if (fd < 0)
		return fd;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0) {
		rc = -errno;
		goto out;
	}
	for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (unsigned)n);
	     nh = NLMSG_NEXT(nh, n)) {
		if (nh->nlmsg_type == NLMSG_ERROR && nh->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
			rc = *(int *)NLMSG_DATA(nh);
			break;
		}
		if (nh->nlmsg_type == RTM_NEWLINK &&
		    nh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifinfomsg))) {
			rc = flags_up(((struct ifinfomsg *)NLMSG_DATA(nh))->ifi_flags);
			break;
		}
	}
out:
	close(fd);
	return rc;
}

static void link_parse(const struct nlmsghdr *nh, struct linkmon_link *l)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	int len = (int)nh->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifi));

	memset(l, 0, sizeof(*l));
	l->ifindex = ifi->ifi_index;
	l->running = flags_up(ifi->ifi_flags);
	for (const struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		size_t n = RTA_PAYLOAD(a);

		if (a->rta_type == IFLA_IFNAME && n > 0 && n <= sizeof(l->name)) {
			memcpy(l->name, RTA_DATA(a), n);
			l->name[n - 1] = 0;
		} else if (a->rta_type == IFLA_ADDRESS && n == sizeof(l->mac)) {
			memcpy(l->mac, RTA_DATA(a), n);
			l->has_mac = true;
		}
	}
}

int linkmon_list(void (*cb)(const struct linkmon_link *l, void *ctx), void *ctx)
{
	char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	int fd = getlink_send(0), rc = -EIO;
	struct linkmon_link l;

	if (fd < 0)
		return fd;
	/* Bounded: a dump is a few messages per batch, ended by NLMSG_DONE. */
	for (int batch = 0; batch < 4096; batch++) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0) {
			rc = -errno;
			goto out;
		}
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (unsigned)n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type == NLMSG_DONE) {
				rc = 0;
				goto out;
			}
			if (nh->nlmsg_type == NLMSG_ERROR) {
				rc = nh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)) ?
				     *(int *)NLMSG_DATA(nh) : -EBADMSG;
				goto out;
			}
			if (nh->nlmsg_type != RTM_NEWLINK ||
			    nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
				continue;
			link_parse(nh, &l);
			if (l.name[0])
				cb(&l, ctx);
		}
	}
out:
	close(fd);
	return rc;
}
