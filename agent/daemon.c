// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mms-agent's event loop and the glue between the I/O-free protocol core
 * (agent/core.c) and the real world: AF_PACKET sockets, BPF maps, rtnetlink
 * carrier events, the datapath's event ring, /metrics and DNS.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "codec.h"
#include "daemon.h"
#include "dns.h"
#include "glue.h"
#include "linkmon.h"
#include "loader.h"
#include "log.h"
#include "metrics.h"
#include "pktio.h"

struct agent_if {
	char name[IF_NAMESIZE];
	int ifindex;
	int fd;			/* AF_PACKET */
	__u8 mac[6];
	bool running;
};

struct agent {
	const struct agent_opts *o;
	struct mms_dp *dp;
	struct glue *glue;
	struct agent_if ifs[AGENT_MAX_IFS];
	int n_ifs;
	int epfd, tfd, sfd, lfd, mfd, dfd;
	struct mms_metrics_pending mpend;	/* /metrics clients yet to send */
	struct ring_buffer *rb;
	__u32 mgmt_v4;		/* management address, network order */
	bool stop;
};

/* epoll tags: small integers for the fixed fds, IF_TAG + i for interfaces */
enum { TAG_TIMER = 1, TAG_SIGNAL, TAG_LINK, TAG_METRICS, TAG_DNS, TAG_RING, IF_TAG = 100 };

__u64 agent_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

/* Interfaces to run on: the ones named, or every Ethernet-like one except
 * loopback and the mm0 pair. */
static int pick_ifaces(struct agent *a)
{
	struct if_nameindex *all, *p;

	if (a->o->n_ifs) {
		for (int i = 0; i < a->o->n_ifs; i++) {
			struct agent_if *f = &a->ifs[a->n_ifs];

			snprintf(f->name, sizeof(f->name), "%s", a->o->ifs[i]);
			f->ifindex = (int)if_nametoindex(f->name);
			if (!f->ifindex) {
				pr_err("interface %s: %s", f->name, strerror(errno));
				return -ENODEV;
			}
			if (pktio_if_mac(f->name, f->mac)) {
				pr_err("interface %s has no Ethernet address", f->name);
				return -ENODEV;
			}
			a->n_ifs++;
		}
		return 0;
	}
	all = if_nameindex();
	if (!all)
		return -errno;
	for (p = all; p->if_index && a->n_ifs < AGENT_MAX_IFS; p++) {
		struct agent_if *f = &a->ifs[a->n_ifs];

		if (!strcmp(p->if_name, "lo") || !strcmp(p->if_name, "mm0") ||
		    !strcmp(p->if_name, "mm0p"))
			continue;
		snprintf(f->name, sizeof(f->name), "%s", p->if_name);
		f->ifindex = (int)p->if_index;
		if (pktio_if_mac(f->name, f->mac) || !memcmp(f->mac, "\0\0\0\0\0\0", 6))
			continue;	/* not Ethernet */
		a->n_ifs++;
	}
	if_freenameindex(all);
	if (!a->n_ifs) {
		pr_err("no usable interface (give --iface)");
		return -ENODEV;
	}
	return 0;
}

static struct agent_if *if_by_index(struct agent *a, int ifindex)
{
	for (int i = 0; i < a->n_ifs; i++)
		if (a->ifs[i].ifindex == ifindex)
			return &a->ifs[i];
	return NULL;
}

/* ---- what the core asks of the world (glue.h) ---- */

int agent_send(void *ctx, int ifindex, const void *frame, size_t len)
{
	struct agent *a = ctx;
	struct agent_if *f = if_by_index(a, ifindex);

	if (!f)
		return -ENODEV;
	return pktio_send(f->fd, ifindex, frame, len);
}

int agent_if_mac(void *ctx, int ifindex, __u8 mac[6])
{
	struct agent_if *f = if_by_index(ctx, ifindex);

	if (!f)
		return -ENODEV;
	memcpy(mac, f->mac, 6);
	return 0;
}

int agent_map_fd(void *ctx, int which)
{
	return mms_dp_map_fd(((struct agent *)ctx)->dp, (enum mms_map)which);
}

struct mms_dp *agent_dp(void *ctx)
{
	return ((struct agent *)ctx)->dp;
}

/* ---- event handlers ---- */

static void on_link(int ifindex, bool running, void *ctx)
{
	struct agent *a = ctx;
	struct agent_if *f = if_by_index(a, ifindex);

	if (!f || f->running == running)
		return;
	f->running = running;
	pr_info("%s: carrier %s", f->name, running ? "up" : "down");
	glue_link(a->glue, ifindex, running, agent_now_ns());
}

static int on_ring(void *ctx, void *data, size_t len)
{
	struct agent *a = ctx;

	if (len >= sizeof(struct mms_event))
		glue_dp_event(a->glue, data, agent_now_ns());
	return 0;
}

static void metrics_body(FILE *f, void *ctx)
{
	struct agent *a = ctx;
	struct mms_counter c[MMS_S_MAX];

	if (!mms_dp_read_stats(mms_dp_map_fd(a->dp, MMS_MAP_STATS), c))
		mms_metrics_write_dp(f, c);
	glue_metrics(a->glue, f);
}

static int dns_lookup(const char *name, uint8_t v4[4], uint8_t v6[16], void *ctx)
{
	return glue_dns_lookup(((struct agent *)ctx)->glue, name, v4, v6);
}

static void arm_timer(struct agent *a, __u64 deadline_ns)
{
	struct itimerspec its = { 0 };

	if (!deadline_ns)
		deadline_ns = agent_now_ns() + 1000000000ull;
	its.it_value.tv_sec = (time_t)(deadline_ns / 1000000000ull);
	its.it_value.tv_nsec = (long)(deadline_ns % 1000000000ull);
	timerfd_settime(a->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void drain_if(struct agent *a, struct agent_if *f)
{
	__u8 buf[2048];

	for (int budget = 0; budget < 256; budget++) {
		ssize_t n = pktio_recv(f->fd, buf, sizeof(buf));

		if (n == 0)
			return;
		if (n < 0) {
			if (n == -EMSGSIZE)
				continue;	/* oversized frame: dropped by pktio */
			pr_warn("%s: receive: %s", f->name, strerror((int)-n));
			return;
		}
		glue_rx(a->glue, f->ifindex, buf, (size_t)n, agent_now_ns());
	}
}

static int ep_add(struct agent *a, int fd, __u64 tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(a->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static int setup(struct agent *a)
{
	const struct agent_opts *o = a->o;
	struct mms_dp_opts dpo = { .pin_root = o->pin_root, .xdp_generic = o->xdp_generic };
	sigset_t ss;
	char ip[64];
	int rc;

	snprintf(ip, sizeof(ip), "%s", o->addr);
	*strchr(ip, '/') = 0;
	if (inet_pton(AF_INET, ip, &a->mgmt_v4) != 1) {
		pr_err("--addr %s is not an IPv4 address with a prefix", o->addr);
		return -EINVAL;
	}
	rc = pick_ifaces(a);
	if (rc)
		return rc;
	mms_log_libbpf();
	rc = mms_dp_open(&a->dp, &dpo);
	if (rc)
		return rc;
	for (int i = 0; i < a->n_ifs; i++) {
		rc = mms_dp_attach_nic(a->dp, a->ifs[i].name);
		if (rc)
			return rc;
		a->ifs[i].fd = pktio_open(a->ifs[i].ifindex);
		if (a->ifs[i].fd < 0) {
			pr_err("%s: control socket: %s", a->ifs[i].name, strerror(-a->ifs[i].fd));
			return a->ifs[i].fd;
		}
		a->ifs[i].running = linkmon_is_running(a->ifs[i].ifindex) == 1;
	}
	rc = mms_dp_setup_mm0(a->dp, o->addr, 7, 7, MMS_DSCP_KEEP);
	if (rc)
		return rc;
	mms_dp_sync_clock(a->dp);

	a->epfd = epoll_create1(EPOLL_CLOEXEC);
	a->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	sigaddset(&ss, SIGUSR1);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);
	a->sfd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);
	a->lfd = linkmon_open();
	if (a->epfd < 0 || a->tfd < 0 || a->sfd < 0 || a->lfd < 0) {
		pr_err("event loop setup: %s", strerror(errno));
		return -errno;
	}
	ep_add(a, a->tfd, TAG_TIMER);
	ep_add(a, a->sfd, TAG_SIGNAL);
	ep_add(a, a->lfd, TAG_LINK);
	for (int i = 0; i < a->n_ifs; i++)
		ep_add(a, a->ifs[i].fd, IF_TAG + (unsigned)i);
	a->rb = ring_buffer__new(mms_dp_map_fd(a->dp, MMS_MAP_EVENTS), on_ring, a, NULL);
	if (a->rb)
		ep_add(a, ring_buffer__epoll_fd(a->rb), TAG_RING);
	if (o->metrics) {
		a->mfd = mms_metrics_listen(o->metrics);
		if (a->mfd < 0) {
			pr_err("--metrics %s: %s", o->metrics, strerror(-a->mfd));
			return a->mfd;
		}
		ep_add(a, a->mfd, TAG_METRICS);
	}
	if (o->ma && o->dns_zone && *o->dns_zone) {
		a->dfd = dns_listen(ip, 53);
		if (a->dfd < 0)
			pr_warn("DNS on %s:53: %s (names not served)", ip, strerror(-a->dfd));
		else
			ep_add(a, a->dfd, TAG_DNS);
	}
	a->glue = glue_new(a, o, a->mgmt_v4);
	if (!a->glue)
		return -ENOMEM;
	for (int i = 0; i < a->n_ifs; i++)
		glue_add_if(a->glue, a->ifs[i].ifindex, a->ifs[i].mac, a->ifs[i].running,
			    agent_now_ns());
	pr_info("%s on %d interface%s, mm0 %s", o->ma ? "MA" : "CM", a->n_ifs,
		a->n_ifs == 1 ? "" : "s", o->addr);
	return 0;
}

static void teardown(struct agent *a)
{
	glue_free(a->glue);
	if (a->rb)
		ring_buffer__free(a->rb);
	for (int i = 0; i < a->n_ifs; i++)
		if (a->ifs[i].fd > 0)	/* 0 = never opened (stdin is not ours to close) */
			close(a->ifs[i].fd);
	{
		int fds[] = { a->epfd, a->tfd, a->sfd, a->lfd, a->mfd, a->dfd };

		for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
			if (fds[i] >= 0)
				close(fds[i]);
	}
	mms_metrics_pending_close(&a->mpend);
	mms_dp_close(a->dp);
	if (a->o->detach_on_exit)
		mms_dp_teardown(a->o->pin_root ? a->o->pin_root : MMS_PIN_ROOT);
}

int agent_run(const struct agent_opts *o)
{
	struct agent a = { .o = o, .epfd = -1, .tfd = -1, .sfd = -1, .lfd = -1, .mfd = -1, .dfd = -1 };
	int rc;

	mms_metrics_pending_init(&a.mpend);
	rc = setup(&a);

	if (rc) {
		teardown(&a);
		return 1;
	}
	arm_timer(&a, glue_tick(a.glue, agent_now_ns()));
	while (!a.stop) {
		struct epoll_event ev[16];
		int n = epoll_wait(a.epfd, ev, 16, -1);

		if (n < 0 && errno != EINTR) {
			pr_err("epoll: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			__u64 tag = ev[i].data.u64;

			switch (tag) {
			case TAG_TIMER: {
				__u64 exp;

				if (read(a.tfd, &exp, sizeof(exp)) < 0 && errno != EAGAIN)
					pr_warn("timerfd: %s", strerror(errno));
				break;
			}
			case TAG_SIGNAL: {
				struct signalfd_siginfo si;

				while (read(a.sfd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGHUP)
						glue_reload(a.glue);
					else if (si.ssi_signo == SIGUSR1)
						glue_key_roll(a.glue, agent_now_ns());
					else
						a.stop = true;
				}
				break;
			}
			case TAG_LINK:
				if (linkmon_read(a.lfd, on_link, &a) == -ENOBUFS)
					for (int k = 0; k < a.n_ifs; k++)	/* overrun: re-read */
						on_link(a.ifs[k].ifindex,
							linkmon_is_running(a.ifs[k].ifindex) == 1, &a);
				break;
			case TAG_METRICS:
				mms_metrics_serve(a.mfd, &a.mpend, metrics_body, &a);
				break;
			case TAG_DNS:
				dns_serve(a.dfd, o->dns_zone, dns_lookup, &a);
				break;
			case TAG_RING:
				ring_buffer__consume(a.rb);
				break;
			default:
				if (tag >= IF_TAG && tag < IF_TAG + (unsigned)a.n_ifs)
					drain_if(&a, &a.ifs[tag - IF_TAG]);
			}
		}
		/* A /metrics client whose request had not come: the loop wakes
		 * at least every hello interval, so it is answered soon after. */
		if (mms_metrics_waiting(&a.mpend))
			mms_metrics_serve(a.mfd, &a.mpend, metrics_body, &a);
		/* The core runs its timers after every wake-up: it is cheap, and
		 * it keeps every deadline within one loop iteration. */
		arm_timer(&a, glue_tick(a.glue, agent_now_ns()));
	}
	pr_info("stopping%s", o->detach_on_exit ? ", removing the datapath" : ", datapath stays");
	teardown(&a);
	return 0;
}
