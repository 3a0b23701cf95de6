/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Network simulator for the control-plane core: one struct mms_core per
 * node, in-memory point-to-point links with a fixed latency, and a virtual
 * clock. Every frame a node receives goes through mms_process() (the
 * reference model of the XDP program) with the node's own mms_nbrs and
 * mms_keys, which the simulator keeps from the core's map updates, so
 * routed frames really traverse the onion routes hop by hop; what the
 * datapath hands to the agent goes to core_rx().
 *
 * Deterministic: events at equal times run in the order they were made.
 */
#ifndef MMS_SIM_H
#define MMS_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include "core.h"
#include "graph.h"

struct sim_cfg {
	uint32_t n;			/* nodes */
	const struct graph_edge *e;	/* links, ports filled in */
	uint32_t ne;
	const uint8_t *role;		/* [n] MMS_ROLE_*; NULL: node 0 is the MA */
	uint64_t latency_ns;		/* one way, per link (0: 50 us) */
	uint64_t seed;
	/* Adjust a node's core settings before it is created. */
	void (*tune)(struct core_cfg *cc, uint32_t node, void *ctx);
	void *ctx;			/* for tune, auth and tap */
	/* Authentication hooks of a node (NULL: none). */
	const struct core_auth *(*auth)(uint32_t node, void *ctx);
	/* Sees every frame the datapath hands to a node's core. */
	void (*tap)(uint32_t node, uint16_t port, const uint8_t *frame, size_t len, void *ctx);
	/* Optional, per node: the key provider (NULL: sim_hop_key for all). */
	int (*hop_key)(uint32_t node, const struct mms_id *id, uint8_t epoch, uint8_t key[16],
		       void *ctx);
	/* Optional: told each node's core once it exists, before core_start. */
	void (*bind)(uint32_t node, struct mms_core *core, void *ctx);
	/* Optional: a layer beside each core with timers of its own (the
	 * security layer): next() says when, tick() runs them, after the
	 * core's timers of the same instant. */
	uint64_t (*next)(uint32_t node, void *ctx);
	void (*tick)(uint32_t node, uint64_t now, void *ctx);
	/* Optional: each node's up-calls (core_ops.event). */
	void (*event)(uint32_t node, const struct core_event *e, void *ctx);
	int verbose;			/* print core log lines up to this level, -1: none */
};

struct sim_stats {
	uint64_t frames;		/* put on a link */
	uint64_t lost_link;		/* sent into a link that is down */
	uint64_t lost_dead;		/* arrived at a dead node */
	uint64_t verdict[MMS_S_MAX];	/* mms_process counters, all nodes */
};

struct sim;

struct sim *sim_new(const struct sim_cfg *cfg);
void sim_free(struct sim *s);
/* Run every event up to and including virtual time t (ns). */
void sim_run(struct sim *s, uint64_t t);
uint64_t sim_now(const struct sim *s);
/* Take a link down or up. carrier: both ends see the carrier change (a
 * cable pulled); otherwise frames just stop (a silent failure). */
int sim_link_set(struct sim *s, uint32_t link, bool up, bool carrier);
bool sim_link_up(const struct sim *s, uint32_t link);
/* Stop a node: it processes nothing more; its neighbours hear silence. */
int sim_node_kill(struct sim *s, uint32_t node);
/* Restart a live node's agent: its core is replaced by a new one (the hooks
 * tune, auth and bind are asked again) on the same datapath, whose maps
 * keep what the old core set (cold: they start empty, a reboot); a CM takes its route sets back as mms-agent
 * does (core_adopt_routes), and every node keeps the neighbours its
 * datapath holds up (core_port_resume). A security layer's state is the caller's:
 * replace it before (secglue_adopt_keys with sim_keys). */
int sim_node_restart(struct sim *s, uint32_t node, bool cold);
bool sim_alive(const struct sim *s, uint32_t node);
bool sim_is_ma(const struct sim *s, uint32_t node);

struct mms_core *sim_core(struct sim *s, uint32_t node);
const struct sim_stats *sim_stats(const struct sim *s);
/* Deliver a frame to node's core on port as if the datapath passed it up. */
void sim_inject(struct sim *s, uint32_t node, uint16_t port, const uint8_t *frame, size_t len);

void sim_id(uint32_t node, struct mms_id *id);
void sim_addr(uint32_t node, struct mms_addr *a);
void sim_mac(uint32_t node, uint16_t port, uint8_t mac[6]);
/* The key the simulator's key provider hands out for a node. */
void sim_hop_key(const struct mms_id *id, uint8_t epoch, uint8_t key[16]);

/* The node's maps, as the core set them. */
const struct mms_route_set *sim_route(const struct sim *s, uint32_t node, const struct mms_addr *dst);
const struct mms_nbr *sim_nbr(const struct sim *s, uint32_t node, uint16_t port);
/* The node's installed key for epoch (mms_keys), NULL when there is none. */
const struct mms_key *sim_key(const struct sim *s, uint32_t node, uint8_t epoch);
/* All MMS_EPOCH_SLOTS slots of the node's mms_keys. */
const struct mms_key *sim_keys(const struct sim *s, uint32_t node);

enum sim_probe {
	SIM_OK,
	SIM_NO_ROUTE,		/* no route, or every first hop down */
	SIM_LINK_DOWN,		/* the next link is down */
	SIM_DEAD,		/* the next node is dead */
	SIM_DROP,		/* mms_process dropped it (*why says why) */
	SIM_ELSEWHERE,		/* delivered to the wrong node */
	SIM_TOO_LONG,		/* more hops than any route can have */
};
const char *sim_probe_str(enum sim_probe p);

/*
 * Send an IP packet from `from` to `to` the way mm0 would: the route set
 * for to's address, else the default route; the first route whose first hop
 * is up. Each hop runs mms_process at the receiving node. A packet that
 * lands on an MA's mm0 instead of its destination is sent on by that MA's
 * own routes, once (the MA relays CM-to-CM traffic). hops: links crossed.
 */
enum sim_probe sim_probe(struct sim *s, uint32_t from, uint32_t to, unsigned *hops,
			 enum mms_stat *why);

/* Hop distances over live links between live nodes, from src (UINT32_MAX: none). */
void sim_distances(const struct sim *s, uint32_t src, uint32_t *dist);

struct sim_check {
	uint32_t pairs, ok;		/* node <-> MA pairs that should work, that do */
	uint32_t relay_pairs, relay_ok;	/* CM -> CM samples through an MA */
	/* the first failure */
	uint32_t from, to;
	enum sim_probe res;
	enum mms_stat why;
};

/*
 * Full reachability: every live node within MMS_MAX_HOPS of a live MA (over
 * live links) must reach it, and be reached from it, by installed routes
 * that mms_process forwards end to end; plus `relay` random CM -> CM pairs
 * through the default route.
 */
void sim_check(struct sim *s, unsigned relay, struct sim_check *r);

#endif /* MMS_SIM_H */
