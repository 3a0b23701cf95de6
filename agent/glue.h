/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Between the daemon's event loop (daemon.c: sockets, epoll, BPF handles)
 * and the I/O-free protocol core (core.c): the loop hands frames, carrier
 * changes, datapath events and the clock to glue_*; the core's outputs
 * (frames, neighbour/route/key updates) come back through agent_* below.
 */
#ifndef MMS_GLUE_H
#define MMS_GLUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "daemon.h"
#include "mms_kern_user.h"

struct glue;
struct mms_dp;

struct glue *glue_new(void *agent, const struct agent_opts *o, __u32 mgmt_v4);
void glue_free(struct glue *g);
void glue_add_if(struct glue *g, int ifindex, const __u8 mac[6], bool running, __u64 now_ns);
/* A frame from the interface; at_ns: its arrival (0: now). */
void glue_rx(struct glue *g, int ifindex, const __u8 *frame, size_t len, __u64 now_ns,
	     __u64 at_ns);
void glue_link(struct glue *g, int ifindex, bool running, __u64 now_ns);
void glue_dp_event(struct glue *g, const struct mms_event *ev, __u64 now_ns);
/* Run due timers, after handing the core the arrivals of the hellos the
 * datapath absorbed (mms_hello_seen); returns the next deadline
 * (CLOCK_MONOTONIC ns). */
__u64 glue_tick(struct glue *g, __u64 now_ns);
void glue_metrics(struct glue *g, FILE *f);
/* SIGTERM with the datapath staying: neighbours keep us up for a restart. */
void glue_pause(struct glue *g, __u64 now_ns);
/* SIGHUP: re-read enrollment state (revocations take effect). */
void glue_reload(struct glue *g);
/* SIGUSR1 (MA): roll every node's hop key to the next epoch. */
void glue_key_roll(struct glue *g, __u64 now_ns);
int glue_dns_lookup(struct glue *g, const char *name, __u8 v4[4], __u8 v6[16]);

/* Provided by daemon.c. */
__u64 agent_now_ns(void);
int agent_send(void *agent, int ifindex, const void *frame, size_t len);
int agent_if_mac(void *agent, int ifindex, __u8 mac[6]);
int agent_map_fd(void *agent, int which);
struct mms_dp *agent_dp(void *agent);
/* An up-call from the core; ifindex: the interface of its port, 0: none. */
struct core_event;
void agent_event(void *agent, const struct core_event *e, int ifindex);

#endif
