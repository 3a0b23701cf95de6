// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Control-plane core: lifecycle, frame dispatch, timers and the output
 * helpers shared by the neighbour, CM and MA halves. A received frame is
 * checked once here (Ethernet, MMS header, payload header, the VERIFIED
 * mark on routed frames) and its body parsed by agent/msg.c before any
 * protocol code sees it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "core_priv.h"

static const char *const stat_names[CORE_S_MAX] = {
#define CORE_STAT_NAME(n, d) [CORE_S_##n] = #n,
	CORE_STATS(CORE_STAT_NAME)
#undef CORE_STAT_NAME
};

static const char *const stat_help[CORE_S_MAX] = {
#define CORE_STAT_HELP(n, d) [CORE_S_##n] = d,
	CORE_STATS(CORE_STAT_HELP)
#undef CORE_STAT_HELP
};

const char *core_stat_name(enum core_stat s)
{
	return (unsigned)s < CORE_S_MAX ? stat_names[s] : "UNKNOWN";
}

const char *core_stat_help(enum core_stat s)
{
	return (unsigned)s < CORE_S_MAX ? stat_help[s] : "unknown counter";
}

void core_cfg_defaults(struct core_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->role = MMS_ROLE_CM;
	c->seq0 = 1;
	c->seed = 1;
	c->hello_ms = 15;
	c->dead_mult = 3;
	c->beacon_ms = 100;
	c->beacon_min_ms = 10;
	c->beacon_ttl_s = 60;
	c->max_skew_ms = 2000;
	c->beacon_max_age_ms = 10000;
	c->ma_dead_ms = 400;
	c->ack_ms = 300;
	c->lsa_delay_ms = 2;
	c->lsa_retx_ms = 200;
	c->lsa_refresh_ms = 10000;
	c->lsa_max_age_ms = 35000;
	c->spf_hold_ms = 10;
	c->spf_hold_node_us = 10;
	c->route_ttl_s = 600;
	c->k_alt = MMS_MAX_ALT - 1;
	c->max_nodes = 4096;
	c->max_mas = 8;
}

/* ---- small helpers ---- */

__u64 core_rand(struct mms_core *c)
{
	__u64 z = (c->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

__u64 core_unix_ms(const struct mms_core *c)
{
	return (__u64)((__s64)c->now + c->cfg.wall_offset_ns) / NS_PER_MS;
}

__u64 core_unix_s(const struct mms_core *c)
{
	return (__u64)((__s64)c->now + c->cfg.wall_offset_ns) / NS_PER_S;
}

__u64 core_hash(__u64 h, const void *p, size_t n)
{
	const __u8 *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static void vlogf(struct mms_core *c, enum mms_log_level l, const char *fmt, va_list ap)
{
	char line[512];

	if (!c->ops.log)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	c->ops.log(c->ops.ctx, l, line);
}

void core_logf(struct mms_core *c, enum mms_log_level l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlogf(c, l, fmt, ap);
	va_end(ap);
}

static const char *const event_names[CORE_EV_MAX] = {
	[CORE_EV_NODE_UP] = "node_up",	 [CORE_EV_NODE_DOWN] = "node_down",
	[CORE_EV_REPORT] = "report",	 [CORE_EV_NBR_UP] = "neighbour_up",
	[CORE_EV_NBR_DOWN] = "neighbour_down", [CORE_EV_MA_UP] = "ma_up",
	[CORE_EV_MA_DOWN] = "ma_down",
};

const char *core_event_name(enum core_event_kind k)
{
	return (unsigned)k < CORE_EV_MAX ? event_names[k] : "?";
}

void core_event(struct mms_core *c, struct core_event *e)
{
	if (!c->ops.event)
		return;
	if (!e->name)
		e->name = e->node ? ma_node_name(c, e->node) : "";
	if (!e->peer_name)
		e->peer_name = e->peer ? ma_node_name(c, e->peer) : "";
	if (!e->why)
		e->why = "";
	c->ops.event(c->ops.ctx, e);
}

void core_refuse(struct mms_core *c, enum core_stat s, __u16 port, const struct mms_id *who,
		 const char *fmt, ...)
{
	char msg[256], nb[MMS_ID_STR], wb[MMS_ID_STR];
	const struct core_port *p = port < MMS_MAX_PORTS ? &c->port[port] : NULL;
	va_list ap;

	c->stats[s]++;
	/* One line per counter per second: a flood of bad frames must not
	 * become a flood of log lines. */
	if (!c->ops.log || (c->last_log[s] && c->now - c->last_log[s] < NS_PER_S))
		return;
	c->last_log[s] = c->now ? c->now : 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	core_logf(c, MMS_LOG_INFO, "%s: port %u (nbr %s)%s%s: %s", stat_names[s], port,
		  p && p->state != NBR_DOWN ? mms_id_str(&p->nid, nb) : "none",
		  who ? " from " : "", who ? mms_id_str(who, wb) : "", msg);
}

bool core_port_up(const struct mms_core *c, __u16 port)
{
	return port && port < MMS_MAX_PORTS && c->port[port].configured &&
	       c->port[port].carrier && c->port[port].state == NBR_UP;
}

int core_key_at(struct mms_core *c, const struct mms_id *id, __u8 epoch, __u8 key[MMS_KEY_LEN])
{
	if (epoch == c->cfg.epoch && c->have_key && mms_id_eq(id, &c->cfg.id)) {
		memcpy(key, c->key, MMS_KEY_LEN);
		return 0;
	}
	if (!c->ops.hop_key || c->ops.hop_key(c->ops.ctx, id, epoch, key))
		return -ENOKEY;
	return 0;
}

int core_key_of(struct mms_core *c, const struct mms_id *id, __u8 key[MMS_KEY_LEN])
{
	return core_key_at(c, id, c->cfg.epoch, key);
}

bool core_may_join(struct mms_core *c, const struct mms_id *id, __u8 role)
{
	const struct core_auth *a = c->ops.auth;

	return !a || !a->may_join || a->may_join(a->ctx, id, role);
}

void core_auth_init(const struct mms_core *c, __u8 type, struct msg_auth *a)
{
	const struct core_auth *au = c->ops.auth;

	memset(a, 0, sizeof(*a));
	if (!au || !au->sign)
		return;
	if (au->params) {
		au->params(au->ctx, type, a);
		if (a->len > MMS_AUTH_MAX)
			a->len = MMS_AUTH_MAX;
		if (!a->len)
			a->alg = MMS_AUTH_NONE;
	} else if (au->len) {
		a->alg = au->alg;
		a->len = au->len > MMS_AUTH_MAX ? MMS_AUTH_MAX : au->len;
		a->key_id = au->key_id;
	}
}

void core_auth_nbr(struct mms_core *c, __u16 port, bool up)
{
	const struct core_auth *a = c->ops.auth;

	if (a && a->nbr)
		a->nbr(a->ctx, port, &c->port[port].nid, c->port[port].nrole, up);
}

void core_auth_routes(struct mms_core *c, const struct mms_id *to)
{
	const struct core_auth *a = c->ops.auth;

	if (a && a->routes)
		a->routes(a->ctx, to);
}

int core_sign(struct mms_core *c, __u8 type, const struct mms_id *peer, __u8 *body,
	      const struct msg_auth *where)
{
	const struct core_auth *a = c->ops.auth;

	if (!where->len)
		return 0;
	if (!a || !a->sign)
		return -EINVAL;
	return a->sign(a->ctx, type, peer, body, where->cover_len, body + where->auth_off,
		       where->len);
}

int core_verify(struct mms_core *c, __u8 type, const struct mms_id *signer, const __u8 *body,
		size_t len, const struct msg_auth *a)
{
	const struct core_auth *au = c->ops.auth;

	if (!au || !au->verify)
		return 0;
	return au->verify(au->ctx, type, signer, body, len, a);
}

/* ---- output ---- */

void core_send(struct mms_core *c, __u16 port, __u8 *buf, size_t len)
{
	const struct core_port *p = &c->port[port];

	if (p->vlan) {
		__u16 tci = (__u16)((c->cfg.pcp & 7) << 13 | (p->vlan & 0x0fff));

		memmove(buf + 16, buf + 12, len - 12);
		buf[12] = 0x81;
		buf[13] = 0x00;
		buf[14] = (__u8)(tci >> 8);
		buf[15] = (__u8)tci;
		len += 4;
	}
	c->stats[CORE_S_TX]++;
	if (c->ops.send)
		c->ops.send(c->ops.ctx, port, buf, len);
}

void core_send_link(struct mms_core *c, __u16 port, const __u8 dst[6], __u8 type,
		    const struct mms_hop *hops, __u8 nhops, __u8 epoch, __u32 expiry,
		    const __u8 tag[4], const __u8 *body, size_t blen)
{
	struct mms_frame_spec fs = {
		.dst_mac = dst, .src_mac = c->port[port].mac, .scope = MMS_SCOPE_LINK,
		.epoch = epoch, .nhops = nhops, .expiry = expiry, .tag = tag, .hops = hops,
		.type = type, .body = body, .body_len = (__u16)blen,
	};
	FRAME_BUF(raw, buf);
	int len = mms_frame_build(buf, FRAME_MAX, &fs);

	if (len > 0)
		core_send(c, port, buf, (size_t)len);
}

int core_send_routed(struct mms_core *c, const struct mms_route *rs, unsigned n, __u8 type,
		     const __u8 *body, size_t blen, const struct mms_id *to)
{
	FRAME_BUF(raw, buf);

	for (unsigned i = 0; i < n; i++) {
		const struct mms_route *r = &rs[i];
		int len;

		if (!core_port_up(c, r->port) || ntohl(r->expiry) <= core_unix_s(c))
			continue;
		len = mms_frame_route(buf, FRAME_MAX, r, c->port[r->port].nmac,
				      c->port[r->port].mac, type, body, (__u16)blen);
		if (len <= 0)
			continue;
		core_send(c, r->port, buf, (size_t)len);
		return 0;
	}
	core_refuse(c, CORE_S_NO_ROUTE, 0, to, "%s not sent", mms_type_name(type));
	return -ENETUNREACH;
}

/* The end-to-end key dir of node id's hop key for epoch: 0 or -ENOKEY. */
static int e2e_key(struct mms_core *c, const struct mms_id *id, __u8 epoch,
		   enum mms_e2e_dir dir, struct mms_e2e_key *k)
{
	__u8 key[MMS_KEY_LEN];
	int rc = core_key_at(c, id, epoch, key);

	if (!rc && mms_e2e_derive(key, dir, k))
		rc = -ENOKEY;
	memset(key, 0, sizeof(key));
	return rc;
}

void core_put_routes(struct mms_core *c, const struct mms_addr *dst, const struct mms_route *r,
		     unsigned n, const struct mms_id *down, const struct mms_id *rx)
{
	struct mms_route_set rs;

	if (!c->ops.set_route)
		return;
	if (!n) {
		c->ops.set_route(c->ops.ctx, dst, NULL);
		return;
	}
	memset(&rs, 0, sizeof(rs));
	rs.n = n;
	memcpy(rs.r, r, n * sizeof(*r));
	/* A route whose key is missing keeps a random one: its DATA is
	 * refused at the far end (DROP_E2E_TAG) rather than tagged with a
	 * key anyone could guess. */
	for (unsigned i = 0; i < n; i++)
		if (e2e_key(c, down ? down : &c->cfg.id, rs.r[i].epoch,
			    down ? MMS_E2E_DOWN : MMS_E2E_UP, &rs.r[i].e2e))
			for (int w = 0; w < 2; w++)
				rs.r[i].e2e.k[w] = core_rand(c);
	for (int back = 0; rx && back < MMS_EPOCH_SLOTS; back++) {
		__u8 e = (__u8)(c->cfg.epoch - back);
		struct mms_e2e_rx *x = &rs.rx[e % MMS_EPOCH_SLOTS];

		if (!e2e_key(c, rx, e, MMS_E2E_UP, &x->key)) {
			x->valid = 1;
			x->epoch = e;
		}
	}
	c->ops.set_route(c->ops.ctx, dst, &rs);
	memset(&rs, 0, sizeof(rs));
}

/* ---- lifecycle ---- */

struct mms_core *core_new(const struct core_cfg *cfg, const struct core_ops *ops)
{
	struct mms_core *c;

	if (!cfg || (cfg->role != MMS_ROLE_MA && cfg->role != MMS_ROLE_CM) || !cfg->max_mas ||
	    !cfg->hello_ms || !cfg->dead_mult || !cfg->beacon_ms || cfg->k_alt >= MMS_MAX_ALT ||
	    mms_id_is_zero(&cfg->id))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->cfg = *cfg;
	if (ops)
		c->ops = *ops;
	c->rng = cfg->seed ^ core_hash(0xcbf29ce484222325ull, &cfg->id, sizeof(cfg->id));
	c->lsa_seq = c->notify_seq = c->beacon_seq = c->ctl_seq = cfg->seq0;
	c->mas = calloc(cfg->max_mas, sizeof(*c->mas));
	if (!c->mas || (cfg->role == MMS_ROLE_MA && ma_init(c))) {
		core_free(c);
		return NULL;
	}
	return c;
}

void core_free(struct mms_core *c)
{
	if (!c)
		return;
	if (c->cfg.role == MMS_ROLE_MA)
		ma_free(c);
	free(c->mas);
	free(c->adopted);
	memset(c->key, 0, sizeof(c->key));
	free(c);
}

int core_port_add(struct mms_core *c, __u16 port, __u32 ifindex, const __u8 mac[6], __u16 vlan,
		  bool carrier)
{
	struct core_port *p;

	if (port == MMS_PORT_NONE || port >= MMS_MAX_PORTS || c->port[port].configured ||
	    vlan > 4094)
		return -EINVAL;
	p = &c->port[port];
	memset(p, 0, sizeof(*p));
	p->configured = true;
	p->carrier = carrier;
	p->ifindex = ifindex;
	memcpy(p->mac, mac, 6);
	p->vlan = vlan;
	if (port > c->max_port)
		c->max_port = port;
	if (c->started) {	/* a port added while running says hello at once */
		nbr_publish(c, port);
		nbr_hello_now(c, port);
	}
	return 0;
}

int core_port_resume(struct mms_core *c, __u16 port)
{
	if (c->started || !port || port >= MMS_MAX_PORTS || !c->port[port].configured)
		return -EINVAL;
	c->port[port].resume = c->port[port].carrier;
	return 0;
}

void core_start(struct mms_core *c, __u64 now)
{
	struct mms_key k;

	c->now = now;
	c->started = true;
	if (core_key_of(c, &c->cfg.id, c->key)) {
		core_refuse(c, CORE_S_NO_KEY, 0, &c->cfg.id, "own hop key for epoch %u",
			    c->cfg.epoch);
	} else {
		c->have_key = true;
		mms_key_schedule(c->key, &k, c->cfg.epoch);
		if (c->ops.set_key)
			c->ops.set_key(c->ops.ctx, c->cfg.epoch % MMS_EPOCH_SLOTS, &k);
		memset(&k, 0, sizeof(k));
	}
	/* Hellos start at a random point of the interval so that nodes booted
	 * together do not send in lockstep. */
	c->hello_next = now + core_rand(c) % (c->cfg.hello_ms * NS_PER_MS);
	for (__u16 p = 1; p <= c->max_port; p++) {
		if (c->port[p].configured && !c->port[p].resume)
			nbr_publish(c, p);
		if (c->port[p].resume)
			c->resume_until = now + (__u64)c->cfg.hello_ms * c->cfg.dead_mult * NS_PER_MS;
	}
	if (c->cfg.role == MMS_ROLE_MA)
		c->beacon_next = now + c->cfg.beacon_min_ms * NS_PER_MS;
}

/* ---- input ---- */

void core_link_event(struct mms_core *c, __u16 port, bool up, __u64 now)
{
	struct core_port *p;

	if (!port || port >= MMS_MAX_PORTS || !c->port[port].configured)
		return;
	c->now = now;
	p = &c->port[port];
	if (p->carrier == up)
		return;
	p->carrier = up;
	if (p->resume) {	/* the datapath's state is stale now */
		p->resume = false;
		nbr_publish(c, port);
	}
	if (!up) {
		nbr_down(c, port, "carrier lost");
		return;
	}
	if (c->started)
		nbr_hello_now(c, port);	/* say hello at once */
	/* Hellos can arrive before the kernel reports carrier (the operstate
	 * lags it): a neighbour already two-way becomes usable only now, so
	 * the datapath and the MAs must hear of it now. */
	if (p->state == NBR_UP) {
		nbr_publish(c, port);
		cm_nbr_changed(c, port, true);
	}
}

void core_dp_event(struct mms_core *c, const struct mms_event *ev, __u64 now)
{
	unsigned k = ev->type == MMS_EV_NO_ROUTE ? 0 : 1;

	c->now = now;
	/* The datapath can report every packet: tell the MAs at most once a
	 * NOTIFY_GAP per kind. */
	if (c->dp_last[k] && now - c->dp_last[k] < NOTIFY_GAP_NS)
		return;
	c->dp_last[k] = now;
	if (ev->type == MMS_EV_NO_ROUTE)
		cm_notify(c, MMS_NOTIFY_NO_ROUTE, (__u16)ev->port, NULL, &ev->addr);
	else if (ev->type == MMS_EV_PORT_DOWN)
		cm_notify(c, MMS_NOTIFY_FAILOVER, (__u16)ev->port, NULL, &ev->addr);
}

/* Handshake messages belong to the security layer. */
static void rx_auth(struct mms_core *c, __u16 port, bool routed, const __u8 *body, size_t blen)
{
	const struct core_auth *a = c->ops.auth;

	if (!a || !a->rx)
		core_refuse(c, CORE_S_RX_BAD_TYPE, port, NULL, "auth message, no security layer");
	else
		a->rx(a->ctx, port, routed, body, blen);
}

static void rx_link(struct mms_core *c, __u16 port, const __u8 *frame, const struct mms_hdr *h,
		    const struct mms_hop *hops, __u8 type, const __u8 *body, size_t blen)
{
	union msg_any m;	/* ~1.2 KB: on the stack, hellos come 100 times a second */
	int rc;

	if (type == MMS_T_AUTH) {
		rx_auth(c, port, false, body, blen);
		return;
	}
	if (type != MMS_T_HELLO && type != MMS_T_BEACON) {
		core_refuse(c, CORE_S_RX_BAD_TYPE, port, NULL, "%s in link scope",
			    mms_type_name(type));
		return;
	}
	rc = msg_parse(type, body, blen, &m);
	if (rc) {
		core_refuse(c, CORE_S_RX_BAD_BODY, port, NULL, "%s: %s", mms_type_name(type),
			    msg_strerror(rc));
		return;
	}
	if (type == MMS_T_HELLO) {
		if (core_verify(c, type, &m.hello.id, body, blen, &m.hello.auth))
			core_refuse(c, CORE_S_RX_AUTH, port, &m.hello.id, "hello");
		else
			nbr_rx_hello(c, port, frame + 6, &m.hello);
	} else {
		cm_rx_beacon(c, port, h, hops, &m.beacon, body, blen);
	}
}

static void rx_routed(struct mms_core *c, __u16 port, __u8 type, const __u8 *body, size_t blen)
{
	union msg_any *m;
	int rc;

	if (type == MMS_T_AUTH) {
		rx_auth(c, port, true, body, blen);
		return;
	}
	if (type != MMS_T_BEACON_ACK && type != MMS_T_LSA && type != MMS_T_CONTROL &&
	    type != MMS_T_NOTIFY) {
		core_refuse(c, CORE_S_RX_BAD_TYPE, port, NULL, "%s routed to the agent",
			    mms_type_name(type));
		return;
	}
	if (type != MMS_T_CONTROL && c->cfg.role != MMS_ROLE_MA) {
		core_refuse(c, CORE_S_ACK_NOT_MA, port, NULL, "%s at a CM", mms_type_name(type));
		return;
	}
	m = malloc(sizeof(*m));
	if (!m)
		return;
	rc = msg_parse(type, body, blen, m);
	if (rc)
		core_refuse(c, CORE_S_RX_BAD_BODY, port, NULL, "%s: %s", mms_type_name(type),
			    msg_strerror(rc));
	else if (type == MMS_T_BEACON_ACK)
		ma_rx_ack(c, &m->ack, body, blen);
	else if (type == MMS_T_LSA)
		ma_rx_lsa(c, &m->lsa, body, blen);
	else if (type == MMS_T_NOTIFY)
		ma_rx_notify(c, &m->notify, body, blen);
	else
		cm_rx_control(c, &m->control, body, blen);
	free(m);
}

void core_rx(struct mms_core *c, __u16 port, const __u8 *frame, size_t len, __u64 now)
{
	core_rx_at(c, port, frame, len, now, now);
}

void core_rx_at(struct mms_core *c, __u16 port, const __u8 *frame, size_t len, __u64 now,
		__u64 at)
{
	struct mms_hop hops[MMS_MAX_HOPS];
	size_t l2 = MMS_ETH_LEN, off;
	struct mms_hdr h;
	struct mms_pl pl;

	c->now = now;
	c->rx_at = at && at < now ? at : now;
	c->stats[CORE_S_RX]++;
	if (!port || port >= MMS_MAX_PORTS || !c->port[port].configured) {
		core_refuse(c, CORE_S_RX_BAD_PORT, 0, NULL, "frame on port %u", port);
		return;
	}
	if (len >= MMS_ETH_LEN + 4 && frame[12] == 0x81 && frame[13] == 0x00)
		l2 += 4;
	if (len < l2 + MMS_HDR_LEN || frame[l2 - 2] != (MMS_ETH_P >> 8) ||
	    frame[l2 - 1] != (MMS_ETH_P & 0xff)) {
		core_refuse(c, CORE_S_RX_MALFORMED, port, NULL, "not an MMS frame (%zu bytes)", len);
		return;
	}
	memcpy(&h, frame + l2, sizeof(h));
	off = l2 + MMS_HDR_LEN + (size_t)h.nhops * MMS_HOP_LEN;
	if (h.ver != MMS_VERSION || h.nhops > MMS_MAX_HOPS || len < off + MMS_PL_LEN ||
	    h.rsvd[0] || h.rsvd[1] || h.rsvd[2]) {
		core_refuse(c, CORE_S_RX_MALFORMED, port, NULL, "bad header");
		return;
	}
	memcpy(&pl, frame + off, sizeof(pl));
	off += MMS_PL_LEN;
	/* Ethernet may pad short frames: the body is pl.len bytes, the rest ignored. */
	if (len - off < ntohs(pl.len) || pl.rsvd) {
		core_refuse(c, CORE_S_RX_MALFORMED, port, NULL, "payload of %u bytes in %zu",
			    ntohs(pl.len), len - off);
		return;
	}
	memcpy(hops, frame + l2 + MMS_HDR_LEN, (size_t)h.nhops * MMS_HOP_LEN);
	c->rx_mms = frame + l2;		/* what a hello template is made of */
	c->rx_mms_len = off + ntohs(pl.len) - l2;
	if (h.scope == MMS_SCOPE_LINK && !h.flags) {
		rx_link(c, port, frame, &h, hops, pl.type, frame + off, ntohs(pl.len));
	} else if (h.scope == MMS_SCOPE_ROUTE) {
		/* Only the datapath can have checked the hop field: it marks
		 * what it verified and drops anything arriving marked. */
		if (h.flags != MMS_F_VERIFIED || h.nhops != 1)
			core_refuse(c, CORE_S_RX_UNVERIFIED, port, NULL, "routed %s",
				    mms_type_name(pl.type));
		else
			rx_routed(c, port, pl.type, frame + off, ntohs(pl.len));
	} else {
		core_refuse(c, CORE_S_RX_MALFORMED, port, NULL, "scope %#x flags %#x", h.scope,
			    h.flags);
	}
	c->rx_mms = NULL;
}

int core_send_auth(struct mms_core *c, __u16 port, const struct mms_id *to, const __u8 *body,
		   size_t len, __u64 now)
{
	static const __u8 bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const struct core_port *p;

	c->now = now;
	if (len > MMS_BODY_MAX)
		return -EINVAL;
	if (to) {
		int rc = cm_send_to_ma(c, to, MMS_T_AUTH, body, len);

		if (rc == -EOPNOTSUPP && c->cfg.role == MMS_ROLE_MA)
			rc = ma_send_to(c, to, MMS_T_AUTH, body, len);
		return rc;
	}
	if (!port || port >= MMS_MAX_PORTS || !c->port[port].configured || !c->port[port].carrier)
		return -EINVAL;
	p = &c->port[port];
	core_send_link(c, port, p->state != NBR_DOWN ? p->nmac : bcast, MMS_T_AUTH, NULL, 0, 0, 0,
		       NULL, body, len);
	return 0;
}

void core_auth_ready(struct mms_core *c, const struct mms_id *ma, __u64 now)
{
	c->now = now;
	if (c->started)
		cm_auth_ready(c, ma);
}

void core_hop_keys_changed(struct mms_core *c, bool all, __u64 now)
{
	c->now = now;
	if (c->cfg.role == MMS_ROLE_MA)
		ma_keys_changed(c, all);
}

int core_forget(struct mms_core *c, const struct mms_id *id, __u64 now)
{
	c->now = now;
	return c->cfg.role == MMS_ROLE_MA ? ma_forget(c, id) : -EOPNOTSUPP;
}

/* Our own hop key for epoch into its mms_keys slot. */
static int install_own_key(struct mms_core *c, __u8 epoch, __u8 key[MMS_KEY_LEN])
{
	struct mms_key k;

	if (core_key_at(c, &c->cfg.id, epoch, key)) {
		core_refuse(c, CORE_S_NO_KEY, 0, &c->cfg.id, "own hop key for epoch %u", epoch);
		return -ENOKEY;
	}
	mms_key_schedule(key, &k, epoch);
	if (c->ops.set_key)
		c->ops.set_key(c->ops.ctx, epoch % MMS_EPOCH_SLOTS, &k);
	memset(&k, 0, sizeof(k));
	return 0;
}

int core_set_epoch(struct mms_core *c, __u8 epoch, __u64 now)
{
	__u8 key[MMS_KEY_LEN];

	c->now = now;
	c->cfg.epoch = epoch;
	c->have_key = false;
	if (install_own_key(c, epoch, key))
		return -ENOKEY;
	memcpy(c->key, key, sizeof(key));
	c->have_key = true;
	memset(key, 0, sizeof(key));
	if (c->cfg.role == MMS_ROLE_MA)
		ma_rebuild_all(c);
	return 0;
}

int core_prepare_epoch(struct mms_core *c, __u8 epoch, __u64 now)
{
	__u8 key[MMS_KEY_LEN];
	int rc;

	c->now = now;
	if (epoch % MMS_EPOCH_SLOTS == c->cfg.epoch % MMS_EPOCH_SLOTS)
		return -EBUSY;
	rc = install_own_key(c, epoch, key);
	memset(key, 0, sizeof(key));
	return rc;
}

int core_drop_epoch(struct mms_core *c, __u8 epoch, __u64 now)
{
	struct mms_key k;

	c->now = now;
	if (epoch % MMS_EPOCH_SLOTS == c->cfg.epoch % MMS_EPOCH_SLOTS)
		return -EBUSY;
	memset(&k, 0, sizeof(k));	/* valid = 0: DROP_EPOCH from now on */
	if (c->ops.set_key)
		c->ops.set_key(c->ops.ctx, epoch % MMS_EPOCH_SLOTS, &k);
	return 0;
}

/* ---- timers ---- */

void core_tick(struct mms_core *c, __u64 now)
{
	if (!c->started)
		return;
	c->now = now;
	nbr_tick(c);
	cm_tick(c);
	if (c->cfg.role == MMS_ROLE_MA)
		ma_tick(c);
}

__u64 core_next_event(const struct mms_core *c)
{
	__u64 t = nbr_next_event(c), x = cm_next_event(c);

	if (!c->started)
		return UINT64_MAX;
	if (x < t)
		t = x;
	if (c->cfg.role == MMS_ROLE_MA) {
		x = ma_next_event(c);
		if (x < t)
			t = x;
	}
	return t;
}

/* ---- introspection ---- */

__u64 core_now(const struct mms_core *c)
{
	return c->now;
}

__u64 core_stat(const struct mms_core *c, enum core_stat s)
{
	return (unsigned)s < CORE_S_MAX ? c->stats[s] : 0;
}

const struct core_cfg *core_config(const struct mms_core *c)
{
	return &c->cfg;
}

int core_nbr_up(const struct mms_core *c, __u16 port, struct mms_id *id)
{
	if (!core_port_up(c, port))
		return 0;
	if (id)
		*id = c->port[port].nid;
	return 1;
}

__u32 core_lsa_seq(const struct mms_core *c)
{
	return c->lsa_seq;
}

unsigned core_ma_count(const struct mms_core *c)
{
	return cm_ma_count(c);
}

unsigned core_topo_nodes(const struct mms_core *c)
{
	return c->cfg.role == MMS_ROLE_MA ? ma_topo_nodes(c) : 0;
}
