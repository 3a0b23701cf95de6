// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mms-agent's event loop and the glue between the I/O-free protocol core
 * (agent/core.c) and the real world: AF_PACKET sockets, BPF maps, rtnetlink
 * carrier events, the datapath's event ring, /metrics and DNS.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <sched.h>
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
#include "mm0route.h"
#include "notify.h"
#include "pktio.h"
#include "proxy.h"
#include "rtnl.h"

struct agent_if {
	char name[IF_NAMESIZE];
	int ifindex;
	__u8 mac[6];
	bool running;
};

struct agent {
	const struct agent_opts *o;
	struct mms_dp *dp;
	struct glue *glue;
	struct agent_if ifs[AGENT_MAX_IFS];
	int n_ifs;
	int epfd, sfd, lfd, mfd, dfd;
	int fd, hfd;		/* AF_PACKET, all interfaces: hellos (hfd), the rest (pktio.h) */
	__u64 deadline;		/* the core's next timer (CLOCK_MONOTONIC ns) */
	struct pktio_batch *batch;
	struct pktio_txq *txq;	/* frames of this wake-up, sent together */
	struct mms_metrics_pending mpend;	/* /metrics clients yet to send */
	struct ring_buffer *rb;
	struct notify *notify;	/* up-calls, NULL without one */
	__u32 mgmt_v4;		/* management address, network order */
	int wfd;		/* mm0's routing state deleted under us (mm0route.h) */
	__u64 mm0_fixes[MM0_FIX_KINDS + 2];	/* put back, by kind; then mm0 made anew, the relay */
	bool stop;
};

/* Batches read from one socket per wake-up (a flood cannot starve the
 * other sockets; the datapath's rate limit bounds it). */
#define DRAIN_ROUNDS		16

/* epoll tags */
enum { TAG_SIGNAL = 1, TAG_LINK, TAG_METRICS, TAG_DNS, TAG_RING, TAG_FRAMES, TAG_HELLOS,
       TAG_NOTIFY, TAG_MM0 };

/* mm0's settings at mms_dp_mm0_attach: skb priority 7, PCP 7, inner DSCP kept. */
#define MM0_PRIO	7
#define MM0_PCP		7

__u64 agent_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

/* Interfaces to run on: the ones named, or every Ethernet-like one except
 * loopback and the mm0 pair; with their carrier, from one dump of the links
 * (linkmon_list), read after the carrier watch is open (agent.lfd) so that
 * no change in between is lost. */
struct pick {
	struct agent *a;
	bool named[AGENT_MAX_IFS];
};

static void pick_link(const struct linkmon_link *l, void *ctx)
{
	struct pick *p = ctx;
	struct agent *a = p->a;
	struct agent_if *f;
	int slot = -1;

	if (a->o->n_ifs) {	/* in the order named */
		for (int i = 0; i < a->o->n_ifs && slot < 0; i++)
			if (!p->named[i] && !strcmp(l->name, a->o->ifs[i]))
				slot = i;
		if (slot < 0)
			return;
		p->named[slot] = true;
		if (!l->has_mac)
			return;	/* left without an ifindex: refused below */
	} else {
		if (!strcmp(l->name, "lo") || !strcmp(l->name, "mm0") ||
		    !strcmp(l->name, "mm0p") || (a->o->proxy && !strcmp(l->name, a->o->proxy)) ||
		    !l->has_mac || !memcmp(l->mac, "\0\0\0\0\0\0", 6) ||
		    a->n_ifs >= AGENT_MAX_IFS)
			return;	/* the proxy's uplink is not an MMS link; nor a non-Ethernet one */
		slot = a->n_ifs++;
	}
	f = &a->ifs[slot];
	snprintf(f->name, sizeof(f->name), "%s", l->name);
	f->ifindex = l->ifindex;
	memcpy(f->mac, l->mac, 6);
	f->running = l->running;
}

static int pick_ifaces(struct agent *a)
{
	struct pick p = { .a = a };
	int rc = linkmon_list(pick_link, &p);

	if (rc) {
		pr_err("reading the interfaces: %s", strerror(-rc));
		return rc;
	}
	for (int i = 0; i < a->o->n_ifs; i++) {
		if (!p.named[i]) {
			pr_err("interface %s: %s", a->o->ifs[i], strerror(ENODEV));
			return -ENODEV;
		}
		if (!a->ifs[i].ifindex) {
			pr_err("interface %s has no Ethernet address", a->o->ifs[i]);
			return -ENODEV;
		}
	}
	if (a->o->n_ifs)
		a->n_ifs = a->o->n_ifs;
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

	if (!if_by_index(a, ifindex))
		return -ENODEV;
	return pktio_queue(a->fd, a->txq, ifindex, frame, len);
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

void agent_event(void *ctx, const struct core_event *e, int ifindex)
{
	struct agent *a = ctx;
	struct agent_if *f = ifindex ? if_by_index(a, ifindex) : NULL;
	char line[NOTIFY_LINE_MAX];
	struct timespec rt;
	int len;

	if (!a->notify)
		return;
	clock_gettime(CLOCK_REALTIME, &rt);
	len = notify_format(line, sizeof(line), a->o->name,
			    (__u64)rt.tv_sec * 1000 + (__u64)rt.tv_nsec / 1000000, e,
			    f ? f->name : NULL);
	if (len > 0)
		notify_send(a->notify, line, (size_t)len);
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

/* mm0's routing state changed under us (mm0route.h): put back what is
 * missing, and mm0 itself if it was deleted, and say so. */
static void mm0_watch(struct agent *a);
static int ep_add(struct agent *a, int fd, __u64 tag);

static void mm0_repair(struct agent *a)
{
	int got = mm0route_watch_read(a->wfd), ifi, peer, nl, fixed;
	struct mm0_cidr c;

	if (got == 0)
		return;
	ifi = (int)if_nametoindex(MMS_MM0_NAME);
	peer = (int)if_nametoindex(MMS_MM0_PEER_NAME);
	if (!ifi || !peer) {	/* the pair deleted: made anew, program and settings too */
		int rc = mms_dp_setup_mm0(a->dp, a->o->addr, MM0_PRIO, MM0_PCP, MMS_DSCP_KEEP);

		if (rc) {
			pr_err("mm0 was deleted under the agent; making it again: %s", strerror(-rc));
		} else {
			if (a->o->ma)
				proxy_relay_on();
			a->mm0_fixes[MM0_FIX_KINDS]++;	/* counted when put back, as the rest */
			pr_warn("mm0 was deleted under the agent; restored");
		}
		mm0_watch(a);	/* its ifindex changed */
		return;
	}
	nl = rtnl_open();
	fixed = nl < 0 || mm0_cidr_parse(a->o->addr, &c) ? nl : mm0route_apply(nl, ifi, peer, &c);
	if (nl >= 0)
		close(nl);
	if (fixed < 0) {
		pr_err("mm0: checking its routing state: %s", strerror(-fixed));
		return;
	}
	for (int k = 0; k < MM0_FIX_KINDS; k++)
		if (fixed & (1 << k)) {
			a->mm0_fixes[k]++;
			pr_warn("mm0: its %s was removed under the agent; restored", mm0_fix_name(k));
		}
	if (a->o->ma && proxy_relay_check() == 1) {
		a->mm0_fixes[MM0_FIX_KINDS + 1]++;
		pr_warn("mm0: forwarding (the CM-to-CM relay) was turned off under the agent; "
			"restored");
	}
}

static void mm0_watch(struct agent *a)
{
	int ifi = (int)if_nametoindex(MMS_MM0_NAME), peer = (int)if_nametoindex(MMS_MM0_PEER_NAME);

	if (a->wfd >= 0)
		close(a->wfd);	/* leaves the epoll set with it */
	a->wfd = ifi && peer ? mm0route_watch_open(ifi, peer) : -ENODEV;
	if (a->wfd < 0) {
		pr_warn("mm0 watch: %s (what is deleted under the agent stays deleted)",
			strerror(-a->wfd));
		return;
	}
	ep_add(a, a->wfd, TAG_MM0);
}

static void metrics_body(FILE *f, void *ctx)
{
	struct agent *a = ctx;
	struct mms_counter c[MMS_S_MAX];
	struct notify_stats ns = { 0 };

	if (a->notify)
		notify_get_stats(a->notify, &ns);
	struct mms_metric m[] = {
		{ "agent_tx_refused_total",
		  "Control frames the kernel refused to send, through the qdisc and past it.",
		  0, NULL, (double)a->txq->dropped },
		{ "agent_tx_past_qdisc_total",
		  "Control frames the qdisc path refused (a qdisc or filter dropped them), sent "
		  "straight to the driver.", 0, NULL, (double)a->txq->direct },
		{ "agent_upcalls_total", "Events sent to up-call clients.", 0, NULL,
		  (double)ns.lines },
		{ "agent_upcall_clients", "Up-call clients connected.", 1, NULL, ns.clients },
		{ "agent_upcall_clients_dropped_total",
		  "Up-call clients cut off: too slow to take an event, or gone.", 0, NULL,
		  (double)ns.dropped },
		{ "agent_upcall_clients_refused_total",
		  "Up-call connections refused: too many clients.", 0, NULL, (double)ns.refused },
	};
	struct mms_metric fx[MM0_FIX_KINDS + 2];
	char lab[MM0_FIX_KINDS + 2][32];

	for (int k = 0; k < MM0_FIX_KINDS + 2; k++) {
		snprintf(lab[k], sizeof(lab[k]), "what=\"%s\"", k < MM0_FIX_KINDS ? mm0_fix_name(k) :
			 k == MM0_FIX_KINDS ? "device" : "forwarding");
		fx[k] = (struct mms_metric){ "agent_mm0_repairs_total",
			"mm0's state deleted under the agent and put back (link up, address, route, "
			"rule, local route, the device itself, an MA's forwarding on it).", 0, lab[k],
			(double)a->mm0_fixes[k] };
	}
	if (!mms_dp_read_stats(mms_dp_map_fd(a->dp, MMS_MAP_STATS), c))
		mms_metrics_write_dp(f, c);
	glue_metrics(a->glue, f);
	mms_metrics_write(f, m, sizeof(m) / sizeof(m[0]));
	mms_metrics_write(f, fx, MM0_FIX_KINDS + 2);
}

static int dns_lookup(const char *name, uint8_t v4[4], uint8_t v6[16], void *ctx)
{
	return glue_dns_lookup(((struct agent *)ctx)->glue, name, v4, v6);
}

/* Frames of one socket to the core, at most `rounds` batches per call so
 * that a flood cannot starve the other sockets (the rest stays queued). */
static void drain(struct agent *a, int fd, int rounds)
{
	for (int round = 0; round < rounds; round++) {
		int n = pktio_recv_batch(fd, a->batch);

		if (n < 0) {
			pr_warn("receive: %s", strerror(-n));
			return;
		}
		for (int i = 0; i < n; i++)
			if (a->batch->len[i])
				glue_rx(a->glue, a->batch->ifindex[i], a->batch->buf[i],
					a->batch->len[i], agent_now_ns(), a->batch->at_ns[i]);
		if (n < PKTIO_BATCH)
			return;
	}
}

/*
 * Hellos: the hello socket is always watched and read at once. An up
 * neighbour's unchanged hellos do not come here (the datapath absorbs
 * them and records their arrival, which glue_tick hands the core before
 * its timers run: bpf/mms_hello.h), so what this socket carries is a
 * change, a neighbour that is not up yet, or a sender without a template,
 * and none of it waits.
 */

/* Wait for input until the core's deadline: epoll_pwait2's nanosecond
 * timeout, no timer fd to re-arm on every wake-up. */
static int wait_events(struct agent *a, struct epoll_event *ev, int n)
{
	__u64 now = agent_now_ns(), left = a->deadline > now ? a->deadline - now : 0;
	struct timespec ts;
	int rc;

	if (left > 3600 * 1000000000ull)
		left = 3600 * 1000000000ull;
	ts.tv_sec = (time_t)(left / 1000000000ull);
	ts.tv_nsec = (long)(left % 1000000000ull);
	rc = epoll_pwait2(a->epfd, ev, n, &ts, NULL);
	if (rc < 0 && errno == ENOSYS)	/* kernels before 5.11: ms, rounded up */
		rc = epoll_wait(a->epfd, ev, n, (int)((left + 999999) / 1000000));
	return rc;
}

static int ep_add(struct agent *a, int fd, __u64 tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(a->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

/* CPU time of the process so far (user + system, the verifier included). */
static unsigned long long cpu_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts))
		return 0;
	return (unsigned long long)ts.tv_sec * 1000 + (unsigned long long)ts.tv_nsec / 1000000;
}

static int setup(struct agent *a)
{
	const struct agent_opts *o = a->o;
	struct mms_dp_opts dpo = { .pin_root = o->pin_root, .xdp_generic = o->xdp_generic };
	__u64 t[5];	/* start-up phases, reported once: where start-up time goes */
	const char *names[AGENT_MAX_IFS];
	int ifx[AGENT_MAX_IFS];
	sigset_t ss;
	char ip[64];
	int rc;

	t[0] = agent_now_ns();
	snprintf(ip, sizeof(ip), "%s", o->addr);
	*strchr(ip, '/') = 0;
	if (inet_pton(AF_INET, ip, &a->mgmt_v4) != 1) {
		pr_err("--addr %s is not an IPv4 address with a prefix", o->addr);
		return -EINVAL;
	}
	if (o->proxy && !if_nametoindex(o->proxy)) {
		pr_err("--proxy %s: no such interface", o->proxy);
		return -ENODEV;
	}
	/* Listen for carrier changes before reading the first carrier states:
	 * a change in between (a neighbour attaching XDP to a veth flaps our
	 * end) would otherwise be lost and the port stay wrong until the
	 * next one. Events queued meanwhile are read in the loop. */
	a->lfd = linkmon_open();
	if (a->lfd < 0) {
		pr_err("carrier watch: %s", strerror(-a->lfd));
		return a->lfd;
	}
	rc = pick_ifaces(a);
	if (rc)
		return rc;
	/* The order is the cheapest for many agents starting at once on one
	 * kernel (docs/datapath.md, "Start-up cost"): mm0's RTNL work first,
	 * while no XDP attachment holds the RTNL through a grace period; the
	 * NICs as soon as the XDP program is verified, so that this agent's
	 * grace period overlaps the TC program's verification. */
	rc = mms_dp_mm0_link(o->addr);
	if (rc)
		return rc;
	if (o->ma && proxy_relay_on())
		pr_warn("CM-to-CM relay through this MA may not work (forwarding on mm0)");
	if (o->proxy) {
		char prefix[INET_ADDRSTRLEN + 4];

		rc = proxy_prefix(o->addr, prefix, sizeof(prefix));
		if (!rc)
			rc = proxy_on(o->proxy, prefix, o->state_dir);
		if (rc)
			return rc;
	}
	t[1] = agent_now_ns();
	for (int i = 0; i < a->n_ifs; i++)
		names[i] = a->ifs[i].name;
	dpo.nics = names;
	dpo.n_nics = a->n_ifs;
	mms_log_libbpf();
	rc = mms_dp_open(&a->dp, &dpo);
	if (rc)
		return rc;
	t[2] = agent_now_ns();
	for (int i = 0; i < a->n_ifs; i++)
		ifx[i] = a->ifs[i].ifindex;
	a->fd = pktio_open(PKTIO_OTHER, ifx, a->n_ifs);
	a->hfd = pktio_open(PKTIO_HELLO, ifx, a->n_ifs);
	if (a->fd < 0 || a->hfd < 0) {
		rc = a->fd < 0 ? a->fd : a->hfd;
		pr_err("control sockets: %s", strerror(-rc));
		return rc;
	}
	rc = mms_dp_mm0_attach(a->dp, MM0_PRIO, MM0_PCP, MMS_DSCP_KEEP);
	if (rc)
		return rc;
	t[3] = agent_now_ns();
	mms_dp_sync_clock(a->dp);
	/* Data service stays as the operator left it (pinned mms_data_off):
	 * the egress program goes back on those links, and the count in
	 * mms_cfg is redone after this start's last write of it. */
	rc = mms_dp_data_off_sync(a->dp);
	if (rc)
		pr_warn("data off: %s (see mmsctl data show)", strerror(-rc));
	for (int i = 0; i < a->o->n_data_off; i++) {
		const char *ifn = a->o->data_off[i];
		int ifx = (int)if_nametoindex(ifn);

		rc = ifx ? mms_dp_data_off(a->dp, ifx, true) : -ENODEV;
		if (rc) {
			pr_err("--data-off %s: %s", ifn, rc == -ENOTSUP ?
			       "not one of this agent's interfaces" : strerror(-rc));
			return rc;
		}
		pr_info("%s: data service off (MMS only)", ifn);
	}

	a->epfd = epoll_create1(EPOLL_CLOEXEC);
	a->batch = malloc(sizeof(*a->batch));
	a->txq = calloc(1, sizeof(*a->txq));
	if (a->txq) {
		a->txq->direct_fd = pktio_open_direct();
		if (a->txq->direct_fd < 0)
			pr_warn("direct transmission: %s (control frames go through the qdiscs only)",
				strerror(-a->txq->direct_fd));
	}
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	sigaddset(&ss, SIGUSR1);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);
	a->sfd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);
	if (a->epfd < 0 || !a->batch || !a->txq || a->sfd < 0) {
		pr_err("event loop setup: %s", strerror(errno));
		return -errno;
	}
	ep_add(a, a->sfd, TAG_SIGNAL);
	ep_add(a, a->lfd, TAG_LINK);
	ep_add(a, a->fd, TAG_FRAMES);
	ep_add(a, a->hfd, TAG_HELLOS);
	mm0_watch(a);	/* from here on, what is deleted under us is put back */
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
	{
		char path[4096];

		snprintf(path, sizeof(path), "%s/notify.sock", o->state_dir);
		rc = notify_open(&a->notify, path);
		if (rc)	/* management goes on without up-calls */
			pr_warn("up-calls on %s: %s (none sent)", path, strerror(-rc));
		else
			ep_add(a, notify_fd(a->notify), TAG_NOTIFY);
	}
	a->glue = glue_new(a, o, a->mgmt_v4);
	if (!a->glue)
		return -ENOMEM;
	for (int i = 0; i < a->n_ifs; i++)
		glue_add_if(a->glue, a->ifs[i].ifindex, a->ifs[i].mac, a->ifs[i].running,
			    agent_now_ns());
	t[4] = agent_now_ns();
	pr_info("%s on %d interface%s, mm0 %s; started in %llu ms, %llu ms CPU (mm0 %llu, "
		"datapath and NICs %llu, sockets and mm0 program %llu, the rest %llu)",
		o->ma ? "MA" : "CM", a->n_ifs,
		a->n_ifs == 1 ? "" : "s", o->addr, (t[4] - t[0]) / 1000000, cpu_ms(),
		(t[1] - t[0]) / 1000000, (t[2] - t[1]) / 1000000, (t[3] - t[2]) / 1000000,
		(t[4] - t[3]) / 1000000);
	return 0;
}

static void teardown(struct agent *a)
{
	glue_free(a->glue);
	if (a->rb)
		ring_buffer__free(a->rb);
	free(a->batch);
	if (a->txq && a->txq->direct_fd >= 0)
		close(a->txq->direct_fd);
	free(a->txq);
	{
		int fds[] = { a->epfd, a->fd, a->hfd, a->sfd, a->lfd, a->mfd, a->dfd, a->wfd };

		for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
			if (fds[i] >= 0)
				close(fds[i]);
	}
	mms_metrics_pending_close(&a->mpend);
	notify_close(a->notify);
	mms_dp_close(a->dp);
	if (a->o->detach_on_exit) {
		mms_dp_teardown(a->o->pin_root ? a->o->pin_root : MMS_PIN_ROOT);
		if (a->o->proxy)
			proxy_off(a->o->proxy, a->o->state_dir);
	}
}

/* The core's timers run after every wake-up (cheap, and every deadline is
 * kept within one loop iteration), after the arrivals of absorbed hellos
 * (glue_tick). */
static void run_timers(struct agent *a)
{
	a->deadline = glue_tick(a->glue, agent_now_ns());
	pktio_flush(a->fd, a->txq);
}

/*
 * Once started, the agent runs at the lowest real-time priority: its
 * hellos are its neighbours' only sign of life, and on a host whose CPUs
 * are busy (a bulk copy over mm0 itself, a runaway process: the moments
 * the management channel is for) a normal task can wait longer than the
 * 45 ms hold, which takes links down that work (selftests/netns_bulk.sh).
 * As cluster membership daemons do. Its work is small and bounded (the
 * datapath's budgets cap what reaches it), and the kernel keeps 5 % of
 * each CPU for other tasks in any case. Start-up (program verification,
 * tens of ms of CPU) stays in the normal class; children do not inherit.
 */
static void go_realtime(const struct agent_opts *o)
{
	struct sched_param sp = { .sched_priority = 1 };

	if (o->no_rt)
		return;
	if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp))
		pr_warn("real-time priority: %s (running in the normal class)", strerror(errno));
}

int agent_run(const struct agent_opts *o)
{
	struct agent a = { .o = o, .epfd = -1, .sfd = -1, .lfd = -1, .mfd = -1, .dfd = -1,
			   .fd = -1, .hfd = -1, .wfd = -1 };
	int rc;

	mms_metrics_pending_init(&a.mpend);
	rc = setup(&a);

	if (rc) {
		teardown(&a);
		return 1;
	}
	go_realtime(o);
	run_timers(&a);
	while (!a.stop) {
		struct epoll_event ev[16];
		int n = wait_events(&a, ev, 16);

		if (n < 0 && errno != EINTR) {
			pr_err("epoll: %s", strerror(errno));
			break;
		}
		/* Hellos first: a neighbour coming up sends its hello and then,
		 * at once, its beacons, which arrive on the other socket and
		 * are taken only from an up neighbour. */
		for (int i = 0; i < n; i++)
			if (ev[i].data.u64 == TAG_HELLOS)
				drain(&a, a.hfd, DRAIN_ROUNDS);
		for (int i = 0; i < n; i++) {
			__u64 tag = ev[i].data.u64;

			switch (tag) {
			case TAG_SIGNAL: {
				struct signalfd_siginfo si;

				while (read(a.sfd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGHUP)
						glue_reload(a.glue);
					else if (si.ssi_signo == SIGUSR1)
						glue_key_roll(a.glue, agent_now_ns());
					else
						a.stop = true;
					/* the datapath stays: a restart, most likely */
					if (a.stop && !o->detach_on_exit)
						glue_pause(a.glue, agent_now_ns());
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
			case TAG_FRAMES:
				drain(&a, a.fd, DRAIN_ROUNDS);
				break;
			case TAG_NOTIFY:
				notify_accept(a.notify);
				break;
			case TAG_MM0:
				mm0_repair(&a);
				break;
			}
		}
		/* A /metrics client whose request had not come: the loop wakes
		 * at least every hello interval, so it is answered soon after. */
		if (mms_metrics_waiting(&a.mpend))
			mms_metrics_serve(a.mfd, &a.mpend, metrics_body, &a);
		run_timers(&a);
	}
	pr_info("stopping%s", o->detach_on_exit ? ", removing the datapath" : ", datapath stays");
	teardown(&a);
	return 0;
}
