/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Control-frame I/O for the agent: one AF_PACKET socket per attached
 * interface, bound to the MMS EtherType. The XDP program passes exactly the
 * frames meant for the agent (link scope, and verified routed control
 * frames); everything else never reaches these sockets.
 */
#ifndef MMS_PKTIO_H
#define MMS_PKTIO_H

#include <stddef.h>
#include <sys/types.h>

/* Open a non-blocking socket on ifindex; returns the fd or -errno. */
int pktio_open(int ifindex);
/* Receive one frame (Ethernet header included). Returns its length, 0 when
 * nothing is pending, or -errno. Outgoing copies are never returned. */
ssize_t pktio_recv(int fd, void *buf, size_t cap);
/* Send one complete Ethernet frame on ifindex. Returns 0 or -errno. */
int pktio_send(int fd, int ifindex, const void *frame, size_t len);
/* The Ethernet address of interface name. 0 or -errno. */
int pktio_if_mac(const char *name, unsigned char mac[6]);

#endif
