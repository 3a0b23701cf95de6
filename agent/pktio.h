/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Control-frame I/O for the agent: AF_PACKET sockets bound to the MMS
 * EtherType. The XDP program passes exactly the frames meant for the agent
 * (link scope, and verified routed control frames); everything else never
 * reaches these sockets.
 *
 * One pair of sockets serves all the agent's interfaces (a socket filter
 * admits only their ifindexes), so a wake-up costs one receive call however
 * many ports are busy, and the frames of a wake-up leave in one sendmmsg.
 * The pair is split by frame kind: hellos, and everything else. Hellos are
 * most of what a quiet node receives (one per neighbour every hello
 * interval); with a socket of their own the agent need not wake up for
 * them once its neighbours are up, and reads them in a batch when its
 * timers run, while beacons and handshakes still wake it at once. Hellos
 * carry their arrival time, so a neighbour's hold time counts from when its
 * hello came, not from when it was read.
 */
#ifndef MMS_PKTIO_H
#define MMS_PKTIO_H

#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

enum pktio_kind {
	PKTIO_OTHER,	/* every MMS frame but link-scope hellos */
	PKTIO_HELLO,	/* link-scope hellos only, with arrival timestamps */
};

#define PKTIO_MAX_IFS	64

/* Open a non-blocking socket for one kind of frame from these interfaces
 * (n <= PKTIO_MAX_IFS); the fd or -errno. */
int pktio_open(enum pktio_kind kind, const int *ifindex, int n);

#define PKTIO_BATCH	16
#define PKTIO_FRAME_MAX	2048

struct pktio_batch {
	__u8 buf[PKTIO_BATCH][PKTIO_FRAME_MAX];
	size_t len[PKTIO_BATCH];	/* 0: skip (oversized or our own) */
	int ifindex[PKTIO_BATCH];
	__u64 at_ns[PKTIO_BATCH];	/* CLOCK_MONOTONIC arrival, 0: unknown */
};

/* Receive up to PKTIO_BATCH frames in one call. Returns how many slots were
 * filled (some may have len 0), 0 when nothing was pending, or -errno.
 * Fewer than PKTIO_BATCH means the queue is empty now. */
int pktio_recv_batch(int fd, struct pktio_batch *b);

/* Frames to send, gathered during one wake-up and sent in one call. */
#define PKTIO_TXQ	32

struct pktio_txq {
	unsigned n;
	size_t len[PKTIO_TXQ];
	int ifindex[PKTIO_TXQ];
	__u8 buf[PKTIO_TXQ][PKTIO_FRAME_MAX];
	int direct_fd;			/* pktio_open_direct(), or -1: none */
	__u64 dropped;			/* frames the kernel refused both ways */
	__u64 direct;			/* refused by the qdisc path, sent past it */
};

/* A socket that sends straight to the driver, past the qdisc, TC egress and
 * netfilter's egress hook (PACKET_QDISC_BYPASS), and receives nothing: the
 * second chance of a control frame the qdisc path refused, so that a qdisc
 * or filter that drops everything on a link (a mistake, or a repair half
 * done) does not silence our hellos, which would take the node out of the
 * management network although its datapath forwards. The fd or -errno. */
int pktio_open_direct(void);

/* Queue one complete Ethernet frame for ifindex (a full queue is sent
 * first). 0 or -EINVAL. */
int pktio_queue(int fd, struct pktio_txq *q, int ifindex, const void *frame, size_t len);
/* Send what is queued through fd (the qdisc, in its top band); a frame the
 * kernel refuses there goes again through q->direct_fd, when there is one.
 * 0, or the first -errno of a frame sent neither way (the rest is still
 * tried). */
int pktio_flush(int fd, struct pktio_txq *q);

/* The Ethernet address of interface name. 0 or -errno. */
int pktio_if_mac(const char *name, unsigned char mac[6]);

#endif
