/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Up-calls to management applications (docs/control-plane.md, "Up-calls"):
 * the agent tells whoever listens on a Unix stream socket in its state
 * directory what happened, one JSON object per line: nodes lost and found
 * (MA), CMs' reports of lost neighbours and failed routes (MA), neighbours
 * and MAs coming and going (every node).
 *
 * Delivery is best effort and never holds the agent up: a line a client
 * cannot take at once (its socket buffer full) ends that client's
 * connection, counted, and a client past NOTIFY_MAX_CLIENTS is refused.
 * Applications that must not miss a failure re-read the state they care
 * about (mmsctl, /metrics, DNS) after reconnecting.
 */
#ifndef MMS_NOTIFY_H
#define MMS_NOTIFY_H

#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#include "core.h"

#define NOTIFY_MAX_CLIENTS	16
#define NOTIFY_LINE_MAX		512

/* One event as a JSON line (newline included) into buf: the agent's name,
 * the time (Unix ms), the event and the interface name of its port (NULL:
 * none). Returns the length, truncated lines never: -ENOSPC. */
int notify_format(char *buf, size_t cap, const char *agent, __u64 unix_ms,
		  const struct core_event *e, const char *ifname);

struct notify_stats {
	__u64 lines;		/* events sent (to all clients at that moment) */
	__u64 accepted;		/* connections taken */
	__u64 refused;		/* connections over NOTIFY_MAX_CLIENTS */
	__u64 dropped;		/* clients cut off: too slow, or gone */
	unsigned clients;	/* connected now */
};

struct notify;

/* Listen on path (mode 0600; a stale socket file there is replaced). */
int notify_open(struct notify **out, const char *path);
int notify_fd(const struct notify *n);
/* Take pending connections (the listening fd is readable). */
void notify_accept(struct notify *n);
/* Send one line to every client. */
void notify_send(struct notify *n, const char *line, size_t len);
void notify_get_stats(const struct notify *n, struct notify_stats *s);
/* Close every connection and remove the socket file. NULL is fine. */
void notify_close(struct notify *n);

/* The client side (mmsctl watch): copy the lines of the agent's socket at
 * path to out until `count` lines (0: no limit), `timeout_ms` (0: none) or
 * *stop. 0; -ENOTCONN when the agent closed the connection first, -ETIME
 * when the timeout came before `count` lines, or another -errno. */
int notify_watch(const char *path, unsigned long long count, unsigned long long timeout_ms,
		 FILE *out, volatile int *stop);

#endif /* MMS_NOTIFY_H */
