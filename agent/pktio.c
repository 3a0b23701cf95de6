// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "mms_wire.h"
#include "pktio.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

int pktio_open(int ifindex)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(MMS_ETH_P),
		.sll_ifindex = ifindex,
	};
	int one = 1, prio = 7 /* TC_PRIO_CONTROL */, fd;

	/* Protocol 0: the socket takes nothing until bind() hooks it to its one
	 * interface. Created with the protocol, it would be hooked to every
	 * interface at once, and the bind's re-hook waits for an RCU grace
	 * period (10-20 ms per interface at start-up). */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Our own transmissions would otherwise loop back into the receive path. */
	setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	/* Control frames leave through the qdisc: give them the top band. */
	setsockopt(fd, SOL_SOCKET, SO_PRIORITY, &prio, sizeof(prio));
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

ssize_t pktio_recv(int fd, void *buf, size_t cap)
{
	struct sockaddr_ll from;
	socklen_t fl = sizeof(from);
	ssize_t n;

	for (;;) {
		n = recvfrom(fd, buf, cap, MSG_TRUNC, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;	/* kernels without PACKET_IGNORE_OUTGOING */
		if ((size_t)n > cap)
			return -EMSGSIZE;	/* truncated: refuse rather than parse half */
		return n;
	}
}

int pktio_send(int fd, int ifindex, const void *frame, size_t len)
{
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(MMS_ETH_P),
		.sll_ifindex = ifindex,
		.sll_halen = 6,
	};

	if (len < 14)
		return -EINVAL;
	memcpy(to.sll_addr, frame, 6);
	if (sendto(fd, frame, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	return 0;
}

int pktio_if_mac(const char *name, unsigned char mac[6])
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = 0;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		rc = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return rc;
}
