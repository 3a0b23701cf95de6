/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Prometheus text exposition (format 0.0.4) of the datapath counters and of
 * any agent counters, shared by `mmsctl stats --prom` and the agent's
 * /metrics endpoint, plus that endpoint: a tiny non-blocking HTTP/1.0 server
 * that answers GET /metrics and closes.
 */
#ifndef MMS_METRICS_H
#define MMS_METRICS_H

#include <stdio.h>
#include "mms_kern_user.h"

/* One extra metric: a counter or a gauge with an optional label set
 * (already formatted, e.g. `port="3"`), or NULL. */
struct mms_metric {
	const char *name;	/* without the mms_ prefix */
	const char *help;
	int is_gauge;
	const char *labels;
	double value;
};

/* A counter's enum name as a label value: "DROP_HOP" -> "drop_hop" (cut
 * to cap - 1 bytes, NUL-terminated). */
void mms_metrics_lower(char *dst, const char *src, size_t cap);

/* Datapath counters, summed over CPUs: mms_frames_total{reason=...} and
 * mms_bytes_total{reason=...}. */
void mms_metrics_write_dp(FILE *f, const struct mms_counter *c /* [MMS_S_MAX] */);
/* Extra metrics; consecutive entries with the same name share HELP/TYPE. */
void mms_metrics_write(FILE *f, const struct mms_metric *m, int n);

/* Listen on "ADDR:PORT" (IPv4 or [IPv6]); returns the fd or -errno. */
int mms_metrics_listen(const char *addr);

/* Connections accepted whose request has not arrived yet: the agent never
 * waits for a client (a slow or silent one would stall its event loop and
 * its neighbours would time it out). At most MMS_METRICS_PENDING; a newer
 * one replaces the oldest. */
#define MMS_METRICS_PENDING	8
struct mms_metrics_pending {
	int fd[MMS_METRICS_PENDING];	/* -1: free */
	unsigned next;			/* the slot to replace when all are taken */
};
void mms_metrics_pending_init(struct mms_metrics_pending *p);
void mms_metrics_pending_close(struct mms_metrics_pending *p);
/* Some connection is waiting for its request: call mms_metrics_serve()
 * after every wake-up, not only when lfd is readable. */
int mms_metrics_waiting(const struct mms_metrics_pending *p);
/* Accept what waits on lfd, answer every connection whose request has
 * arrived with body(ctx, f), and close it. Never blocks. */
void mms_metrics_serve(int lfd, struct mms_metrics_pending *p,
		       void (*body)(FILE *f, void *ctx), void *ctx);

#endif
