// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <net/if.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <sys/socket.h>

#include "mms_wire.h"
#include "pktio.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

/*
 * Which socket a frame goes to: only the agent's interfaces (the
 * receiving device's ifindex, a socket filter extension), then a link-scope
 * hello (an untagged frame with scope LINK, no hop fields and payload type
 * HELLO) to the hello socket, anything else to the other one. The two
 * kinds are exact complements, so every frame reaches exactly one socket
 * (each socket gets its own copy, then filters it).
 */
#define OFF_SCOPE	(MMS_ETH_LEN + offsetof(struct mms_hdr, scope))
#define OFF_NHOPS	(MMS_ETH_LEN + offsetof(struct mms_hdr, nhops))
#define OFF_TYPE	(MMS_ETH_LEN + MMS_HDR_LEN + offsetof(struct mms_pl, type))

static int attach_filter(int fd, enum pktio_kind kind, const int *ifindex, int n)
{
	__u32 hello = kind == PKTIO_HELLO ? 0xffff : 0, other = kind == PKTIO_HELLO ? 0 : 0xffff;
	struct sock_filter f[PKTIO_MAX_IFS + 12];
	struct sock_fprog prog = { .filter = f };
	int k = 0;

	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_IFINDEX);
	for (int i = 0; i < n; i++)	/* match: on to the kind checks after "drop" */
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (__u32)ifindex[i],
						      (__u8)(n - i), 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12);
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MMS_ETH_P, 0, 6);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_ABS, OFF_SCOPE);
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MMS_SCOPE_LINK, 0, 4);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_ABS, OFF_NHOPS);
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_ABS, OFF_TYPE);
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MMS_T_HELLO, 1, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, other);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, hello);
	prog.len = (unsigned short)k;
	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) ? -errno : 0;
}

int pktio_open(enum pktio_kind kind, const int *ifindex, int n)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(MMS_ETH_P),
		.sll_ifindex = 0,	/* every interface: the filter picks ours */
	};
	int one = 1, prio = 7 /* TC_PRIO_CONTROL */, fd, e;

	if (n < 1 || n > PKTIO_MAX_IFS)
		return -EINVAL;
	/* Protocol 0 until bound: no frame is queued before the filter. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	e = attach_filter(fd, kind, ifindex, n);
	if (!e && kind == PKTIO_HELLO &&
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)))
		e = -errno;
	if (e) {
		close(fd);
		return e;
	}
	/* Our own transmissions would otherwise loop back into the receive path. */
	setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	/* Control frames leave through the qdisc (tcpdump sees them): give
	 * them the top band. */
	setsockopt(fd, SOL_SOCKET, SO_PRIORITY, &prio, sizeof(prio));
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

static __u64 ts_ns(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return (__u64)t.tv_sec * 1000000000ull + (__u64)t.tv_nsec;
}

/* A receive timestamp (CLOCK_REALTIME) on the monotonic clock, with the
 * offset between the two read now: a clock step between arrival and now
 * would misplace it, so it is clamped to [0, now]. */
static __u64 arrival(const struct msghdr *mh, __u64 mono_now, __s64 real_minus_mono)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR((struct msghdr *)mh, c)) {
		struct timespec t;
		__s64 m;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS ||
		    c->cmsg_len < CMSG_LEN(sizeof(t)))
			continue;
		memcpy(&t, CMSG_DATA(c), sizeof(t));
		m = (__s64)t.tv_sec * 1000000000ll + t.tv_nsec - real_minus_mono;
		return m <= 0 ? 1 : (__u64)m > mono_now ? mono_now : (__u64)m;
	}
	return 0;
}

int pktio_recv_batch(int fd, struct pktio_batch *b)
{
	struct mmsghdr mm[PKTIO_BATCH];
	struct iovec iov[PKTIO_BATCH];
	struct sockaddr_ll from[PKTIO_BATCH];
	char ctl[PKTIO_BATCH][CMSG_SPACE(sizeof(struct timespec)) + 64]
		__attribute__((aligned(8)));
	__u64 mono;
	__s64 off;
	int n;

	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < PKTIO_BATCH; i++) {
		iov[i] = (struct iovec){ b->buf[i], PKTIO_FRAME_MAX };
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_name = &from[i];
		mm[i].msg_hdr.msg_namelen = sizeof(from[i]);
		mm[i].msg_hdr.msg_control = ctl[i];
		mm[i].msg_hdr.msg_controllen = sizeof(ctl[i]);
	}
	n = recvmmsg(fd, mm, PKTIO_BATCH, MSG_TRUNC, NULL);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	mono = ts_ns(CLOCK_MONOTONIC);
	off = (__s64)(ts_ns(CLOCK_REALTIME) - mono);
	for (int i = 0; i < n; i++) {
		/* Outgoing copies (kernels without PACKET_IGNORE_OUTGOING) and
		 * truncated frames are skipped: refuse rather than parse half. */
		b->len[i] = from[i].sll_pkttype == PACKET_OUTGOING || mm[i].msg_len > PKTIO_FRAME_MAX ?
			    0 : mm[i].msg_len;
		b->ifindex[i] = from[i].sll_ifindex;
		b->at_ns[i] = arrival(&mm[i].msg_hdr, mono, off);
	}
	return n;
}

int pktio_queue(int fd, struct pktio_txq *q, int ifindex, const void *frame, size_t len)
{
	if (len < 14 || len > PKTIO_FRAME_MAX)
		return -EINVAL;
	if (q->n == PKTIO_TXQ)
		pktio_flush(fd, q);
	memcpy(q->buf[q->n], frame, len);
	q->len[q->n] = len;
	q->ifindex[q->n] = ifindex;
	q->n++;
	return 0;
}

int pktio_flush(int fd, struct pktio_txq *q)
{
	struct sockaddr_ll to[PKTIO_TXQ];
	struct mmsghdr mm[PKTIO_TXQ];
	struct iovec iov[PKTIO_TXQ];
	unsigned done = 0;
	int err = 0;

	memset(mm, 0, q->n * sizeof(mm[0]));
	for (unsigned i = 0; i < q->n; i++) {
		to[i] = (struct sockaddr_ll){
			.sll_family = AF_PACKET, .sll_protocol = htons(MMS_ETH_P),
			.sll_ifindex = q->ifindex[i], .sll_halen = 6,
		};
		memcpy(to[i].sll_addr, q->buf[i], 6);
		iov[i] = (struct iovec){ q->buf[i], q->len[i] };
		mm[i].msg_hdr = (struct msghdr){ .msg_name = &to[i], .msg_namelen = sizeof(to[i]),
						 .msg_iov = &iov[i], .msg_iovlen = 1 };
	}
	/* sendmmsg stops at the first frame the kernel refuses (a port gone
	 * down, a qdisc or filter that dropped it): that one is tried again
	 * past the qdisc, straight to the driver, and counted if that fails
	 * too; the rest goes on through the qdisc. */
	while (done < q->n) {
		int n = sendmmsg(fd, mm + done, q->n - done, MSG_DONTWAIT);

		if (n < 0) {
			int e = -errno;

			if (q->direct_fd >= 0 &&
			    sendmsg(q->direct_fd, &mm[done].msg_hdr, MSG_DONTWAIT) >= 0) {
				q->direct++;
			} else {
				if (!err)
					err = e;
				q->dropped++;
			}
			n = 1;
		}
		done += (unsigned)n;
	}
	q->n = 0;
	return err;
}

int pktio_open_direct(void)
{
	int one = 1, fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one))) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
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
