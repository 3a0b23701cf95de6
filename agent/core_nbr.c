// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Neighbours: a hello on every port every hello_ms (jittered by up to
 * +/- 1/8 so that nodes do not synchronise), all ports from one timer: one
 * wake-up per interval, whatever the number of ports. A neighbour is up once its hello
 * names us and our port (two-way), and down when its hold time (its
 * dead_mult x hello_ms, carried in the hello) passes in silence, when it
 * stops naming us, or at once when the port loses carrier.
 *
 * A port is a point-to-point neighbour slot: a second node heard on an up
 * port is refused until the first one times out.
 */
#include <string.h>

#include "core_priv.h"

static const __u8 bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/*
 * Absorbed hellos. While a neighbour is up, the last hello taken from it is
 * its template in the datapath: copies of it stop there and only their
 * arrival reaches us (core_hello_seen). Same bytes from the route header
 * on, from the same MAC, mean the same hello: nbr_rx_hello() reads nothing
 * else of the frame, so a copy could change nothing but last_rx. Anything
 * else still comes here, so a change is seen at once. Installed only for
 * an up neighbour (after the hello that keeps it up, or brings it up), and
 * removed whenever it is published as not up (down, carrier lost, a
 * resumed port starting afresh).
 */
static void tpl_clear(struct mms_core *c, struct core_port *p)
{
	if (!p->tpl_on)
		return;
	p->tpl_on = false;
	if (c->ops.set_hello)
		c->ops.set_hello(c->ops.ctx, &p->tpl_key, NULL);
}

static void tpl_install(struct mms_core *c, __u16 port, const __u8 *src_mac)
{
	struct core_port *p = &c->port[port];
	struct mms_hello_key k;
	struct mms_hello_tpl t;

	if (!c->rx_mms || !c->rx_mms_len || c->rx_mms_len > MMS_HELLO_TPL_MAX) {
		tpl_clear(c, p);	/* too long to absorb: every hello comes */
		return;
	}
	memset(&k, 0, sizeof(k));
	k.ifindex = p->ifindex;
	memcpy(k.mac, src_mac, 6);
	k.vlan = p->vlan;
	memset(&t, 0, sizeof(t));
	t.slot = port;
	t.len = (__u16)c->rx_mms_len;
	memcpy(t.b, c->rx_mms, c->rx_mms_len);
	if (p->tpl_on && !memcmp(&k, &p->tpl_key, sizeof(k)) && !memcmp(&t, &p->tpl, sizeof(t)))
		return;
	if (p->tpl_on && memcmp(&k, &p->tpl_key, sizeof(k)))
		tpl_clear(c, p);
	p->tpl_on = true;
	p->tpl_key = k;
	p->tpl = t;
	if (c->ops.set_hello)
		c->ops.set_hello(c->ops.ctx, &k, &t);
}

void nbr_publish(struct mms_core *c, __u16 port)
{
	const struct core_port *p = &c->port[port];
	struct mms_nbr n;

	memset(&n, 0, sizeof(n));
	n.ifindex = p->ifindex;
	memcpy(n.mac, p->nmac, 6);
	memcpy(n.smac, p->mac, 6);
	n.state = core_port_up(c, port) ? MMS_NBR_UP : 0;
	n.vlan = p->vlan;
	n.last_rx_ns = p->last_rx;
	if (!n.state)
		tpl_clear(c, &c->port[port]);
	if (c->ops.set_nbr)
		c->ops.set_nbr(c->ops.ctx, port, &n);
}

void core_hello_seen(struct mms_core *c, __u16 port, __u64 at, __u64 now)
{
	struct core_port *p;

	c->now = now;
	if (!port || port >= MMS_MAX_PORTS)
		return;
	p = &c->port[port];
	if (!p->configured || !p->tpl_on || p->state != NBR_UP || !p->carrier)
		return;
	if (at > now)
		at = now;
	if (at <= p->last_rx)
		return;
	/* As nbr_rx_hello() would for the same hello: a node no longer
	 * allowed (a revocation, a decree) is not heard, and times out. */
	if (!core_may_join(c, &p->nid, p->nrole)) {
		core_refuse(c, CORE_S_JOIN_REFUSED, port, &p->nid, "hello");
		return;
	}
	p->last_rx = at;
	c->stats[CORE_S_HELLO_SEEN]++;
}

static void nbr_event(struct mms_core *c, __u16 port, enum core_event_kind k, const char *why)
{
	struct core_event e = { .kind = k, .peer = &c->port[port].nid, .port = port, .why = why };

	core_event(c, &e);
}

static void send_hello(struct mms_core *c, __u16 port)
{
	struct core_port *p = &c->port[port];
	__u8 body[sizeof(struct mms_hello) + 4 + MMS_AUTH_MAX];
	__u32 hold = c->pause_hold_ms ? c->pause_hold_ms : c->cfg.hello_ms * c->cfg.dead_mult;
	struct msg_hello m;
	struct msg_auth a;
	int len;

	if (p->resume)		/* not before we know who is there */
		return;
	memset(&m, 0, sizeof(m));
	m.id = c->cfg.id;
	if (p->state != NBR_DOWN) {
		m.seen = p->nid;
		m.seen_port = p->nport;
	}
	m.port = port;
	m.hold_ms = (__u16)(hold > 65535 ? 65535 : hold);
	m.role = c->cfg.role;
	m.flags = p->state == NBR_UP ? MMS_HELLO_F_TWOWAY : 0;
	core_auth_init(c, MMS_T_HELLO, &m.auth);
	len = msg_hello_build(body, sizeof(body), &m, &a);
	if (len < 0 || core_sign(c, MMS_T_HELLO, p->state != NBR_DOWN ? &p->nid : NULL, body, &a))
		return;
	core_send_link(c, port, bcast, MMS_T_HELLO, NULL, 0, 0, 0, NULL, body, (size_t)len);
}

static __u64 hello_interval(struct mms_core *c)
{
	__u64 i = c->cfg.hello_ms * NS_PER_MS;

	return i - i / 8 + core_rand(c) % (i / 4 + 1);
}

void nbr_down(struct mms_core *c, __u16 port, const char *why)
{
	struct core_port *p = &c->port[port];
	char id[MMS_ID_STR];
	bool was_up = p->state == NBR_UP;

	if (p->state == NBR_DOWN)
		return;
	p->state = NBR_DOWN;
	if (!was_up)
		return;
	c->stats[CORE_S_NBR_DOWN]++;
	core_logf(c, MMS_LOG_INFO, "port %u: neighbour %s down: %s", port,
		  mms_id_str(&p->nid, id), why);
	nbr_event(c, port, CORE_EV_NBR_DOWN, why);
	nbr_publish(c, port);
	cm_nbr_changed(c, port, false);
	core_auth_nbr(c, port, false);
}

void nbr_rx_hello(struct mms_core *c, __u16 port, const __u8 *src_mac, const struct msg_hello *m)
{
	struct core_port *p = &c->port[port];
	bool twoway, changed, resumed = p->resume;
	char id[MMS_ID_STR];

	if (mms_id_eq(&m->id, &c->cfg.id)) {
		core_refuse(c, CORE_S_HELLO_SELF, port, &m->id, "looped hello");
		return;
	}
	/* A port is usable only with carrier and a two-way neighbour, and
	 * mms_nbrs[port] says so. A neighbour brought up while we believe
	 * there is no carrier would be up here but not in the datapath, and
	 * nothing would publish it when the carrier comes back: a hello
	 * before the carrier event (same wake-up, or a stale carrier state)
	 * waits for the next one. */
	if (!p->carrier) {
		core_refuse(c, CORE_S_HELLO_NO_CARRIER, port, &m->id, "hello");
		return;
	}
	if (p->state != NBR_DOWN && !mms_id_eq(&p->nid, &m->id)) {
		core_refuse(c, CORE_S_HELLO_SECOND, port, &m->id, "port already has a neighbour");
		return;
	}
	if (!core_may_join(c, &m->id, m->role)) {
		core_refuse(c, CORE_S_JOIN_REFUSED, port, &m->id, "hello");
		return;
	}
	/* A resumed port: the neighbour is still what the datapath holds if
	 * it names us; otherwise it starts afresh (and mms_nbrs follows). */
	p->resume = false;
	twoway = mms_id_eq(&m->seen, &c->cfg.id) && m->seen_port == port;
	if (resumed && !twoway)
		nbr_publish(c, port);
	/* A neighbour that stops naming us has restarted or lost us. */
	if (p->state == NBR_UP && !twoway)
		nbr_down(c, port, "no longer two-way");
	changed = p->state == NBR_UP && (p->nport != m->port || memcmp(p->nmac, src_mac, 6));
	if (p->state == NBR_DOWN)
		p->nid = m->id;
	p->nport = m->port;
	p->nrole = m->role;
	memcpy(p->nmac, src_mac, 6);
	p->last_rx = c->rx_at;	/* its arrival: it may have been read later */
	p->hold_ns = (__u64)m->hold_ms * NS_PER_MS;
	if (!twoway) {
		if (p->state == NBR_DOWN) {
			p->state = NBR_INIT;
			send_hello(c, port);	/* let it see us now, not a hello later */
		}
		return;
	}
	if (p->state == NBR_UP) {
		if (changed) {
			nbr_publish(c, port);
			cm_nbr_changed(c, port, true);
		}
		tpl_install(c, port, src_mac);
		return;
	}
	p->state = NBR_UP;
	c->stats[CORE_S_NBR_UP]++;
	core_logf(c, MMS_LOG_INFO, "port %u: neighbour %s up (its port %u)", port,
		  mms_id_str(&m->id, id), m->port);
	nbr_event(c, port, CORE_EV_NBR_UP, NULL);
	send_hello(c, port);
	nbr_publish(c, port);
	tpl_install(c, port, src_mac);
	cm_nbr_changed(c, port, true);
	core_auth_nbr(c, port, true);
}

void core_pause(struct mms_core *c, __u32 hold_ms, __u64 now)
{
	c->now = now;
	c->pause_hold_ms = hold_ms > 65535 ? 65535 : hold_ms;
	for (__u16 port = 1; port <= c->max_port; port++)
		if (c->port[port].configured && c->port[port].carrier &&
		    c->port[port].state == NBR_UP)
			send_hello(c, port);
	c->pause_hold_ms = 0;
}

void nbr_hello_now(struct mms_core *c, __u16 port)
{
	if (c->port[port].configured && c->port[port].carrier)
		send_hello(c, port);
}

void nbr_tick(struct mms_core *c)
{
	bool hello = c->now >= c->hello_next;

	if (c->resume_until && c->now >= c->resume_until) {
		c->resume_until = 0;
		for (__u16 port = 1; port <= c->max_port; port++)
			if (c->port[port].resume) {	/* no hello came: afresh */
				c->port[port].resume = false;
				nbr_publish(c, port);
				send_hello(c, port);
			}
	}

	for (__u16 port = 1; port <= c->max_port; port++) {
		struct core_port *p = &c->port[port];

		if (!p->configured)
			continue;
		if (p->state != NBR_DOWN && c->now >= p->last_rx + p->hold_ns)
			nbr_down(c, port, "hello timeout");
		if (hello && p->carrier)
			send_hello(c, port);
	}
	if (hello) {
		c->hello_last = c->now;
		c->hello_next = c->now + hello_interval(c);
	}
}

__u64 nbr_next_event(const struct mms_core *c)
{
	__u64 t = c->resume_until ? c->resume_until : UINT64_MAX;

	for (__u16 port = 1; port <= c->max_port; port++) {
		const struct core_port *p = &c->port[port];

		if (!p->configured)
			continue;
		if (p->carrier && c->hello_next < t)
			t = c->hello_next;
		if (p->state != NBR_DOWN && p->last_rx + p->hold_ns < t)
			t = p->last_rx + p->hold_ns;
	}
	return t;
}
