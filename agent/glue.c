// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Glue between mms-agent's event loop and the protocol core: ports are the
 * agent's interfaces (port i+1 = interface i, one neighbour per link), the
 * core's map updates become BPF map writes, its frames AF_PACKET sends, and
 * the security layer supplies hooks and hop keys.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "core.h"
#include "glue.h"
#include "loader.h"
#include "log.h"
#include "metrics.h"
#include "secglue.h"

/* How long neighbours keep an agent stopped with SIGTERM up (its datapath
 * forwards meanwhile): a restart, even on a loaded machine, is well under
 * it; a node stopped for good is routed around after it. */
#define GLUE_RESTART_HOLD_MS	2000

struct glue {
	void *agent;
	struct mms_core *core;
	struct secglue *sec;
	int ifindex[MMS_MAX_PORTS];	/* port -> ifindex, 0 = unused */
	__u16 nports;
	bool started;
	__u64 roll_every, roll_next;	/* MA: periodic key rolls (ns), 0: none */
	__u64 map_errors;
	/* mms_hello_seen, mapped (NULL without a datapath), and what each
	 * port's slot held when last handed to the core */
	const volatile __u64 *seen;
	__u64 seen_last[MMS_MAX_PORTS];
};

static __u16 port_of(const struct glue *g, int ifindex)
{
	for (__u16 p = 1; p <= g->nports; p++)
		if (g->ifindex[p] == ifindex)
			return p;
	return 0;
}

static void op_send(void *ctx, __u16 port, const __u8 *frame, size_t len)
{
	struct glue *g = ctx;
	int rc;

	if (port == 0 || port > g->nports)
		return;
	rc = agent_send(g->agent, g->ifindex[port], frame, len);
	if (rc)
		mms_log(MMS_LOG_DEBUG, "port %u: send: %s", port, strerror(-rc));
}

static void map_err(struct glue *g, const char *what)
{
	g->map_errors++;
	pr_warn("%s: %s", what, strerror(errno));
}

static void op_set_nbr(void *ctx, __u16 port, const struct mms_nbr *n)
{
	struct glue *g = ctx;

	if (mms_dp_set_port(agent_dp(g->agent), port, n))
		map_err(g, "mms_nbrs update");
}

static void op_set_hello(void *ctx, const struct mms_hello_key *k, const struct mms_hello_tpl *t)
{
	struct glue *g = ctx;
	int rc = mms_dp_hello_set(agent_dp(g->agent), k, t);

	if (rc) {
		errno = -rc;
		map_err(g, t ? "mms_hello_tpl update" : "mms_hello_tpl delete");
	}
}

static void op_set_route(void *ctx, const struct mms_addr *dst, const struct mms_route_set *rs)
{
	struct glue *g = ctx;
	int fd = agent_map_fd(g->agent, MMS_MAP_ROUTES);

	if (rs) {
		if (bpf_map_update_elem(fd, dst, rs, BPF_ANY))
			map_err(g, "mms_routes update");
	} else if (bpf_map_delete_elem(fd, dst) && errno != ENOENT) {
		map_err(g, "mms_routes delete");
	}
}

static void op_set_key(void *ctx, __u32 slot, const struct mms_key *k)
{
	struct glue *g = ctx;

	if (bpf_map_update_elem(agent_map_fd(g->agent, MMS_MAP_KEYS), &slot, k, BPF_ANY))
		map_err(g, "mms_keys update");
}

static int op_hop_key(void *ctx, const struct mms_id *node, __u8 epoch, __u8 key[MMS_KEY_LEN])
{
	return secglue_hop_key(((struct glue *)ctx)->sec, node, epoch, key);
}

static void op_log(void *ctx, enum mms_log_level l, const char *line)
{
	(void)ctx;
	mms_log(l, "%s", line);
}

static void op_event(void *ctx, const struct core_event *e)
{
	struct glue *g = ctx;
	bool local = e->kind == CORE_EV_NBR_UP || e->kind == CORE_EV_NBR_DOWN;

	agent_event(g->agent, e, local && e->port < MMS_MAX_PORTS ? g->ifindex[e->port] : 0);
}

/* Keys a previous run left in the pinned datapath are taken back, and we
 * start in the newest one's epoch: routes sealed with them (every MA holds
 * them) go on working through the restart. A first start finds none and
 * draws a key. */
static void adopt_keys(struct glue *g, struct core_cfg *cfg)
{
	struct mms_key k[MMS_EPOCH_SLOTS];
	int fd = agent_map_fd(g->agent, MMS_MAP_KEYS), n;

	memset(k, 0, sizeof(k));
	for (__u32 i = 0; i < MMS_EPOCH_SLOTS; i++)
		if (bpf_map_lookup_elem(fd, &i, &k[i]))
			memset(&k[i], 0, sizeof(k[i]));
	n = secglue_adopt_keys(g->sec, k, MMS_EPOCH_SLOTS, &cfg->epoch);
	OPENSSL_cleanse(k, sizeof(k));
	if (n)
		pr_info("took back %d hop key%s from the pinned datapath, epoch %u", n,
			n == 1 ? "" : "s", cfg->epoch);
}

/* CM: the route sets a previous run left (to its MAs, and the default
 * one, which the core rebuilds from them) serve until the MAs send new
 * ones (core_adopt_routes). */
static void adopt_routes(struct glue *g)
{
	int fd = agent_map_fd(g->agent, MMS_MAP_ROUTES), n = 0;
	struct mms_addr key, next, zero;
	struct mms_route_set rs;
	void *prev = NULL;

	memset(&zero, 0, sizeof(zero));
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (!memcmp(&key, &zero, sizeof(key)) || bpf_map_lookup_elem(fd, &key, &rs) ||
		    !rs.n || rs.n > MMS_MAX_ALT)
			continue;
		if (core_adopt_routes(g->core, &key, rs.r, rs.n) == -ENOSPC)
			break;
		n++;
	}
	if (n)
		pr_info("took back %d route set%s from the pinned datapath", n, n == 1 ? "" : "s");
}

struct glue *glue_new(void *agent, const struct agent_opts *o, __u32 mgmt_v4)
{
	struct glue *g = calloc(1, sizeof(*g));
	struct core_ops ops = {
		.send = op_send, .set_nbr = op_set_nbr, .set_route = op_set_route,
		.set_hello = op_set_hello,
		.set_key = op_set_key, .log = op_log, .hop_key = op_hop_key,
		.event = op_event,
	};
	struct core_cfg cfg;
	struct timespec rt, mono;
	__u64 seed;

	if (!g)
		return NULL;
	g->agent = agent;
	RAND_bytes((unsigned char *)&seed, sizeof(seed));
	g->sec = secglue_new(o->state_dir, o->ma, seed);
	if (!g->sec) {
		free(g);
		return NULL;
	}
	core_cfg_defaults(&cfg);
	cfg.id = *secglue_id(g->sec);
	if (agent_dp(agent))
		mms_dp_set_producer(agent_dp(agent), mms_seq_producer(&cfg.id));
	cfg.role = o->ma ? MMS_ROLE_MA : MMS_ROLE_CM;
	mms_addr_v4(&cfg.addr, mgmt_v4);
	snprintf(cfg.name, sizeof(cfg.name), "%s", o->name);
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	cfg.wall_offset_ns = ((__s64)rt.tv_sec - (__s64)mono.tv_sec) * 1000000000ll +
			     (rt.tv_nsec - mono.tv_nsec);
	/* sequence numbers grow across restarts: start from the wall clock, and
	 * an MA never below what an earlier run may have signed */
	cfg.seq0 = (__u32)rt.tv_sec;
	if (cfg.seq0 < secglue_seq0(g->sec))
		cfg.seq0 = secglue_seq0(g->sec);
	cfg.seed = seed;
	adopt_keys(g, &cfg);
	cfg.hello_ms = o->hello_ms;
	cfg.dead_mult = o->dead_mult;
	cfg.beacon_ms = o->beacon_ms;
	if (o->ma)
		g->roll_every = (__u64)o->key_roll_s * 1000000000ull;
	ops.ctx = g;
	ops.auth = secglue_auth(g->sec);
	g->core = core_new(&cfg, &ops);
	if (!g->core) {
		secglue_free(g->sec);
		free(g);
		return NULL;
	}
	secglue_bind(g->sec, g->core);
	if (!o->ma)
		adopt_routes(g);
	/* Templates a previous run left are not this core's: none until our
	 * neighbours' hellos have come up to us again. */
	if (agent_dp(agent)) {
		if (mms_dp_hello_reset(agent_dp(agent)))
			map_err(g, "mms_hello_tpl reset");
		g->seen = mms_dp_hello_map(agent_dp(agent));
		if (!g->seen)	/* then no template is installed: every hello comes */
			map_err(g, "mms_hello_seen mmap");
	}
	return g;
}

void glue_free(struct glue *g)
{
	if (!g)
		return;
	/* no agent reads arrivals now: hellos stay with the stack */
	if (agent_dp(g->agent) && mms_dp_hello_reset(agent_dp(g->agent)))
		pr_warn("mms_hello_tpl reset: %s", strerror(errno));
	mms_dp_hello_unmap(g->seen);
	core_free(g->core);
	secglue_free(g->sec);
	free(g);
}

void glue_add_if(struct glue *g, int ifindex, const __u8 mac[6], bool running, __u64 now_ns)
{
	struct mms_nbr n;
	__u32 k;

	(void)now_ns;
	if (g->nports + 1 >= MMS_MAX_PORTS)
		return;
	g->nports++;
	g->ifindex[g->nports] = ifindex;
	if (core_port_add(g->core, g->nports, (__u32)ifindex, mac, 0, running)) {
		pr_warn("port %u (ifindex %d) refused by the core", g->nports, ifindex);
		return;
	}
	/* A neighbour a previous run left up on this very interface stays up
	 * until it says otherwise (core_port_resume). */
	k = g->nports;
	if (!g->started &&
	    !bpf_map_lookup_elem(agent_map_fd(g->agent, MMS_MAP_NBRS), &k, &n) &&
	    n.state == MMS_NBR_UP && n.ifindex == (__u32)ifindex && !memcmp(n.smac, mac, 6) &&
	    !core_port_resume(g->core, g->nports))
		pr_info("port %u: neighbour kept up from the pinned datapath", g->nports);
}

void glue_rx(struct glue *g, int ifindex, const __u8 *frame, size_t len, __u64 now_ns,
	     __u64 at_ns)
{
	__u16 port = port_of(g, ifindex);

	if (port)
		core_rx_at(g->core, port, frame, len, now_ns, at_ns);
}

void glue_link(struct glue *g, int ifindex, bool running, __u64 now_ns)
{
	__u16 port = port_of(g, ifindex);

	if (port)
		core_link_event(g->core, port, running, now_ns);
}

void glue_dp_event(struct glue *g, const struct mms_event *ev, __u64 now_ns)
{
	core_dp_event(g->core, ev, now_ns);
}

/* The arrivals of absorbed hellos, to the core before its timers run: a
 * hold time counts from the last hello that came, read or not. */
static void hellos_seen(struct glue *g, __u64 now_ns)
{
	if (!g->seen)
		return;
	for (__u16 p = 1; p <= g->nports; p++) {
		__u64 at = g->seen[p];

		if (at && at != g->seen_last[p]) {
			g->seen_last[p] = at;
			core_hello_seen(g->core, p, at, now_ns);
		}
	}
}

__u64 glue_tick(struct glue *g, __u64 now_ns)
{
	__u64 next, s;

	if (!g->started) {
		core_start(g->core, now_ns);
		g->started = true;
		g->roll_next = now_ns + g->roll_every;
	}
	hellos_seen(g, now_ns);
	core_tick(g->core, now_ns);
	if (g->roll_every && now_ns >= g->roll_next)
		glue_key_roll(g, now_ns);
	/* the core's hooks may have moved the security layer's deadline */
	if (secglue_next_event(g->sec) <= now_ns)
		secglue_tick(g->sec, now_ns);
	next = core_next_event(g->core);
	s = secglue_next_event(g->sec);
	if (s && s < next)
		next = s;
	if (g->roll_every && g->roll_next < next)
		next = g->roll_next;
	return next;
}

void glue_metrics(struct glue *g, FILE *f)
{
	struct mms_metric m[CORE_S_MAX + 2];
	char lab[CORE_S_MAX][80];
	int n = 0;

	for (int s = 0; s < CORE_S_MAX; s++) {
		char name[64];

		mms_metrics_lower(name, core_stat_name((enum core_stat)s), sizeof(name));
		snprintf(lab[s], sizeof(lab[s]), "kind=\"%s\"", name);
		m[n++] = (struct mms_metric){ "core_events_total", "Control-plane events by kind.",
					      0, lab[s], (double)core_stat(g->core, (enum core_stat)s) };
	}
	m[n] = (struct mms_metric){ "neighbours_up", "Neighbours up (two-way).", 1, NULL, 0 };
	for (__u16 p = 1; p <= g->nports; p++)
		m[n].value += core_nbr_up(g->core, p, NULL) == 1;
	n++;
	m[n++] = (struct mms_metric){ "map_errors_total", "Failed BPF map writes.", 0, NULL,
				      (double)g->map_errors };
	mms_metrics_write(f, m, n);
	secglue_metrics(g->sec, f);
}

void glue_pause(struct glue *g, __u64 now_ns)
{
	if (g->started)
		core_pause(g->core, GLUE_RESTART_HOLD_MS, now_ns);
}

void glue_reload(struct glue *g)
{
	if (secglue_reload(g->sec))
		pr_warn("reload: keeping the previous registry and trust store");
	else
		pr_info("reloaded the registry and trust store");
}

void glue_key_roll(struct glue *g, __u64 now_ns)
{
	int rc = secglue_key_roll(g->sec);

	g->roll_next = now_ns + g->roll_every;
	if (rc)
		pr_warn("key roll: %s (only an MA rolls keys)", strerror(-rc));
}

int glue_dns_lookup(struct glue *g, const char *name, __u8 v4[4], __u8 v6[16])
{
	struct mms_addr a;

	if (core_lookup_name(g->core, name, &a))
		return 0;
	if (a.a[10] == 0xff && a.a[11] == 0xff && !memcmp(a.a, "\0\0\0\0\0\0\0\0\0\0", 10)) {
		memcpy(v4, a.a + 12, 4);
		return 1;
	}
	memcpy(v6, a.a, 16);
	return 2;
}
