/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The control-plane core: MMS's protocol logic with no I/O at all.
 *
 * In:  frames (core_rx), clock ticks (core_tick), carrier changes
 *      (core_link_event), datapath events (core_dp_event).
 * Out: through struct core_ops: frames to send on a port (AF_PACKET in the
 *      agent), and map updates that are exactly the BPF map values of
 *      include/mms_kern_user.h (mms_nbrs[port], mms_routes[addr],
 *      mms_keys[slot]).
 *
 * Time is the caller's monotonic clock in ns; wall-clock time (beacon
 * timestamps, route expiry) is that plus cfg.wall_offset_ns. The core keeps
 * no thread and never blocks: the agent calls core_tick() when
 * core_next_event() says, the simulator does the same on a virtual clock.
 *
 * Roles. Every node runs the CM half for every MA it hears: take the first
 * copy of each beacon, ack it over the reverse route, re-flood it, send the
 * MA its LSA, install the routes the MA sends back. An MA runs the MA half
 * as well: it floods beacons, keeps the topology from LSAs, computes routes
 * (agent/graph.c) and installs them, here and at each CM (CONTROL).
 * docs/control-plane.md describes the protocol.
 */
#ifndef MMS_CORE_H
#define MMS_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include "codec.h"
#include "log.h"
#include "msg.h"

/* Counters. Every refusal has its own; log lines name the neighbour. */
#define CORE_STATS(X)							\
	X(RX,		  "frames handed to the core")			\
	X(TX,		  "frames sent")				\
	X(RX_MALFORMED,	  "frame too short or MMS header unusable")	\
	X(RX_BAD_PORT,	  "frame on a port that is not configured")	\
	X(RX_BAD_TYPE,	  "payload type the core does not take, or in the wrong scope") \
	X(RX_BAD_BODY,	  "message body refused by its parser")		\
	X(RX_UNVERIFIED,  "routed frame without the datapath's VERIFIED mark") \
	X(RX_AUTH,	  "authenticator refused")			\
	X(RX_NOT_MINE,	  "routed message addressed to another node")	\
	X(HELLO_SELF,	  "own hello heard back")			\
	X(HELLO_SECOND,	  "second neighbour on a point-to-point port")	\
	X(HELLO_NO_CARRIER, "hello on a port without carrier (taken once it is back)") \
	X(HELLO_SEEN,	  "up neighbour heard again by its absorbed hellos (core_hello_seen)") \
	X(NBR_UP,	  "neighbour came up (two-way)")		\
	X(NBR_DOWN,	  "neighbour went down")			\
	X(BEACON_SENT,	  "beacons originated (per port)")		\
	X(BEACON_FLOOD,	  "beacons re-flooded (per port)")		\
	X(BEACON_TAKEN,	  "beacons taken (first copy of an (MA, seq))")	\
	X(BEACON_NOT_NBR, "beacon from a port with no neighbour up")	\
	X(BEACON_SELF,	  "own beacon came back")			\
	X(BEACON_DUP,	  "later copy of an accepted (MA, seq)")	\
	X(BEACON_OLD,	  "beacon older than the last accepted from its MA") \
	X(BEACON_FUTURE,  "beacon stamped ahead of our clock")		\
	X(BEACON_PAST,	  "beacon stamped too long ago")		\
	X(BEACON_EXPIRED, "beacon whose reverse route has expired")	\
	X(BEACON_LOOP,	  "beacon path holds this node or repeats a node") \
	X(BEACON_PATH,	  "beacon path does not match its hop fields or sender") \
	X(BEACON_TOO_LONG, "beacon at the hop limit: used, not re-flooded") \
	X(MA_TABLE_FULL,  "beacon from one MA too many")		\
	X(JOIN_REFUSED,	  "node refused by the join policy")		\
	X(ACK_RX,	  "beacon acks taken")				\
	X(ACK_NOT_MA,	  "beacon ack at a node that is not an MA")	\
	X(LSA_SENT,	  "LSAs sent")					\
	X(LSA_RX,	  "LSAs applied")				\
	X(LSA_UNKNOWN,	  "LSA from a node that has not joined")	\
	X(LSA_OLD,	  "LSA older than the one held")		\
	X(LSA_DUP,	  "LSA repeated (refresh or lost ack): answered, not applied") \
	X(LSA_AGED,	  "LSA aged out")				\
	X(LSA_TRUNCATED,  "own LSA cut to MSG_LSA_MAX_NBR neighbours")	\
	X(NODE_TABLE_FULL, "topology table full")			\
	X(SPF_RUNS,	  "route computations")				\
	X(ROUTES_BUILT,	  "destinations whose routes were (re)built")	\
	X(ROUTE_TOO_LONG, "computed path over MMS_MAX_HOPS")		\
	X(NO_KEY,	  "route not built: no hop key for a node on it") \
	X(SEAL_FAIL,	  "hop field sealing failed")			\
	X(CONTROL_SENT,	  "CONTROL messages sent")			\
	X(CONTROL_RX,	  "CONTROL messages applied")			\
	X(CONTROL_UNKNOWN_MA, "CONTROL from an MA we hold no beacon from") \
	X(CONTROL_OLD,	  "CONTROL replayed or older than the last")	\
	X(CONTROL_BAD_ROUTE, "CONTROL route unusable (port, length, destination)") \
	X(NOTIFY_SENT,	  "NOTIFY messages sent")			\
	X(NOTIFY_RX,	  "NOTIFY messages taken")			\
	X(NOTIFY_OLD,	  "NOTIFY replayed or older than the last")	\
	X(NO_ROUTE,	  "message not sent: no route with its first hop up") \
	X(MA_LOST,	  "MA declared dead: no beacon for ma_dead_ms")

enum core_stat {
#define CORE_STAT_ENUM(n, d) CORE_S_##n,
	CORE_STATS(CORE_STAT_ENUM)
#undef CORE_STAT_ENUM
	CORE_S_MAX
};

const char *core_stat_name(enum core_stat s);
const char *core_stat_help(enum core_stat s);

/*
 * Authentication hooks, all optional (NULL hooks: anyone may join, nothing
 * is signed or checked). The security layer owns this struct and may change
 * alg/len/key_id between calls (key roll).
 *
 * `cover` is what an authenticator covers (struct msg_auth: cover_len bytes
 * from the start of the body; for beacons the MA's first MMS_BEACON_COVER
 * bytes, which no CM changes).
 */
struct core_auth {
	void *ctx;
	/* May this node (role) take part? Asked for every MA whose beacons we
	 * take and, at an MA, for every node that acks. */
	bool (*may_join)(void *ctx, const struct mms_id *id, __u8 role);
	/* Authenticator this node puts on what it originates. */
	__u8 alg, len;		/* MMS_AUTH_*, bytes (<= MMS_AUTH_MAX) */
	__u16 key_id;
	/* Fill auth[0..len) for body[0..cover). peer is the receiver (the MA
	 * for LSAs, acks and notifies, the CM for a CONTROL, the neighbour for
	 * a hello, NULL before one is known and for flooded beacons), so that
	 * pair-wise keys can be used. 0 or -errno (message not sent). */
	int (*sign)(void *ctx, __u8 type, const struct mms_id *peer, const __u8 *body,
		    size_t cover, __u8 *auth, size_t len);
	/* Check a received message's authenticator; signer is who must have
	 * made it (the hello's sender, the beacon's MA, the LSA's origin...).
	 * 0 to accept. */
	int (*verify)(void *ctx, __u8 type, const struct mms_id *signer, const __u8 *body,
		      size_t len, const struct msg_auth *a);
	/* An MMS_T_AUTH body (the security layer's handshake) arrived on port,
	 * link scope or routed (and verified by the datapath). Answers go out
	 * with core_send_auth(). */
	void (*rx)(void *ctx, __u16 port, bool routed, const __u8 *body, size_t len);
	/* Optional: the authenticator of one message type (alg, len, key_id
	 * of *a; len 0: none) in place of alg/len/key_id above, for a layer
	 * that signs beacons and MACs unicast messages with different sizes. */
	void (*params)(void *ctx, __u8 type, struct msg_auth *a);
	/* Optional: the neighbour on port came up (two-way) or went down. */
	void (*nbr)(void *ctx, __u16 port, const struct mms_id *id, __u8 role, bool up);
	/* Optional, MA: a newer LSA was applied (it passed verify and its
	 * origin has joined); the security layer learns who lies further out. */
	void (*lsa)(void *ctx, const struct msg_lsa *m);
	/* Optional: routes appeared. At an MA after each route computation
	 * (to = NULL: core_send_auth() may now reach nodes it could not); at
	 * a CM when a beacon of MA `to` was taken (a reverse route to it).
	 * What could not be sent for lack of a route can go now, instead of
	 * on a retry timer. */
	void (*routes)(void *ctx, const struct mms_id *to);
};

/*
 * Up-calls: what management applications are told (docs/control-plane.md,
 * "Up-calls"). Pointers are valid for the call only.
 */
enum core_event_kind {
	CORE_EV_NODE_UP,	/* MA: routes to node installed (it is reachable) */
	CORE_EV_NODE_DOWN,	/* MA: no route to node any more */
	CORE_EV_REPORT,		/* MA: node reported `report` about peer/addr (a NOTIFY) */
	CORE_EV_NBR_UP,		/* the neighbour `peer` on `port` is up (two-way) */
	CORE_EV_NBR_DOWN,	/* ... is down, `why` */
	CORE_EV_MA_UP,		/* the first beacon of MA `peer` */
	CORE_EV_MA_DOWN,	/* MA `peer` not heard for ma_dead_ms: its routes are gone */
	CORE_EV_MAX
};

struct core_event {
	enum core_event_kind kind;
	const struct mms_id *node;	/* NODE_*, REPORT: the node it is about */
	const char *name;		/* its name from its LSA, "" when unknown */
	const struct mms_addr *addr;	/* NODE_*: its management address; REPORT: the
					 * address it could not reach (NO_ROUTE, FAILOVER) */
	const struct mms_id *peer;	/* NBR_*, MA_*: the neighbour or MA; REPORT: the
					 * reporter's neighbour (NBR_DOWN) */
	const char *peer_name;		/* "" when unknown */
	__u16 port;			/* NBR_*: our port; REPORT: the reporter's */
	__u8 report;			/* REPORT: MMS_NOTIFY_* */
	const char *why;		/* NBR_DOWN: the reason; else "" */
};

/* Event kind as a word ("node_up", ...); "?" when out of range. */
const char *core_event_name(enum core_event_kind k);

/* What the core produces. Every callback may be NULL (ignored). */
struct core_ops {
	void *ctx;
	/* A complete Ethernet frame (802.1Q tag included on tagged ports) for
	 * the wire of `port`. */
	void (*send)(void *ctx, __u16 port, const __u8 *frame, size_t len);
	/* mms_nbrs[port] = *n */
	void (*set_nbr)(void *ctx, __u16 port, const struct mms_nbr *n);
	/* mms_hello_tpl[*k] = *t (absorbed hellos: docs/control-plane.md,
	 * "Neighbours"); t NULL deletes. t->slot is the port. Optional. */
	void (*set_hello)(void *ctx, const struct mms_hello_key *k, const struct mms_hello_tpl *t);
	/* mms_routes[*dst] = *rs; rs NULL deletes. The all-zero dst is the
	 * default route. */
	void (*set_route)(void *ctx, const struct mms_addr *dst, const struct mms_route_set *rs);
	/* mms_keys[slot] = *k */
	void (*set_key)(void *ctx, __u32 slot, const struct mms_key *k);
	/* One log line (no newline). */
	void (*log)(void *ctx, enum mms_log_level l, const char *line);
	/*
	 * Key provider: the 16-byte hop key of `node` for `epoch`, 0 or
	 * -ENOKEY. For now every node's keys come from here; the security
	 * layer supplies pair-wise derived keys through the same call.
	 */
	int (*hop_key)(void *ctx, const struct mms_id *node, __u8 epoch, __u8 key[MMS_KEY_LEN]);
	const struct core_auth *auth;
	/* Optional: an up-call for management applications. */
	void (*event)(void *ctx, const struct core_event *e);
};

struct core_cfg {
	struct mms_id id;
	__u8 role;			/* MMS_ROLE_MA or MMS_ROLE_CM */
	struct mms_addr addr;		/* management address */
	char name[MMS_NAME_MAX + 1];
	__s64 wall_offset_ns;		/* Unix time = now_ns + this */
	__u32 seq0;			/* first sequence number (beacons, LSAs, controls,
					 * notifies); the agent passes one that grows
					 * across restarts, e.g. Unix seconds */
	__u64 seed;			/* route tags and timer jitter */
	__u8 epoch;			/* key epoch routes are sealed in */
	__u8 pcp;			/* 802.1p PCP of frames sent on tagged ports */
	/* neighbours */
	__u32 hello_ms;			/* hello interval */
	__u32 dead_mult;		/* hold = dead_mult x hello_ms */
	/* beacons */
	__u32 beacon_ms;		/* MA: flood interval */
	__u32 beacon_min_ms;		/* MA: earliest re-flood after a topology change */
	__u32 beacon_ttl_s;		/* lifetime of a beacon's reverse route */
	__u32 max_skew_ms;		/* accept beacons stamped up to this far ahead */
	__u32 beacon_max_age_ms;	/* ... and up to this long ago */
	__u32 ma_dead_ms;		/* drop an MA not heard for this long */
	__u32 ack_ms;			/* ack a beacon that changes nothing at most this
					 * often (a keepalive); 0: ack every beacon */
	/* LSAs */
	__u32 lsa_delay_ms;		/* coalesce neighbour changes this long */
	__u32 lsa_retx_ms;		/* resend until the MA acknowledges */
	__u32 lsa_refresh_ms;		/* resend (same seq) this often */
	__u32 lsa_max_age_ms;		/* MA: forget an LSA not refreshed */
	/* routes (MA) */
	__u32 spf_hold_ms;		/* at most one computation per hold ... */
	__u32 spf_hold_node_us;		/* ... of this much per node in the topology,
					 * at most spf_hold_ms (0: always spf_hold_ms) */
	__u32 route_ttl_s;		/* lifetime of computed routes */
	__u32 k_alt;			/* alternates per destination (<= MMS_MAX_ALT - 1) */
	__u32 max_nodes;		/* topology table size */
	__u32 max_mas;			/* MAs a node keeps routes to */
};

/* The defaults: hello 15 ms x 3 (a silent link is found in 30..45 ms),
 * beacons every 100 ms, 3 alternates. */
void core_cfg_defaults(struct core_cfg *c);

struct mms_core;

struct mms_core *core_new(const struct core_cfg *cfg, const struct core_ops *ops);
void core_free(struct mms_core *c);

/* Configure a port (neighbour slot): the link's ifindex, our MAC on it, its
 * VLAN (0: untagged) and whether it has carrier. 0 or -EINVAL. */
int core_port_add(struct mms_core *c, __u16 port, __u32 ifindex, const __u8 mac[6], __u16 vlan,
		  bool carrier);
/* Start: install our hop key, schedule the first hellos and beacons. */
void core_start(struct mms_core *c, __u64 now_ns);

/* A frame for the agent (link scope, or routed and VERIFIED by the
 * datapath) that arrived on port, Ethernet header first. */
void core_rx(struct mms_core *c, __u16 port, const __u8 *frame, size_t len, __u64 now_ns);
/* The same for a frame read some time after it arrived (at_ns, its receive
 * timestamp; 0: unknown, taken as now): a hello's hold time counts from its
 * arrival, not from when the agent got to read it. */
void core_rx_at(struct mms_core *c, __u16 port, const __u8 *frame, size_t len, __u64 now_ns,
		__u64 at_ns);
/* Carrier change: losing it takes the neighbour down at once. */
void core_link_event(struct mms_core *c, __u16 port, bool up, __u64 now_ns);
/* A datapath event (mms_events ring): reported to the MAs as a NOTIFY. */
void core_dp_event(struct mms_core *c, const struct mms_event *ev, __u64 now_ns);
/*
 * Send an MMS_T_AUTH body for the security layer: link scope on port (to
 * is NULL), or routed to `to`: an MA we know, over our routes to it, or, at
 * an MA, a node of its topology, over routes sealed afresh along the last
 * computation's paths. 0, -EINVAL, -ENETUNREACH (no route with its first
 * hop up, or a hop key missing), -EOPNOTSUPP (`to` is neither).
 */
int core_send_auth(struct mms_core *c, __u16 port, const struct mms_id *to, const __u8 *body,
		   size_t len, __u64 now_ns);
/*
 * The agent stops for a restart, its datapath forwarding meanwhile: one
 * last hello to every up neighbour announcing hold_ms (at most 65535) as
 * our hold time, so that they keep sending through us until the next run
 * says hello (its hellos announce the usual hold time again). A planned
 * restart that takes longer than the hold time, but less than hold_ms,
 * then costs nothing; a node that does not come back is declared down
 * after hold_ms instead.
 */
void core_pause(struct mms_core *c, __u32 hold_ms, __u64 now_ns);
/*
 * Before core_start, for a port whose neighbour the datapath still holds up
 * (mms_nbrs, left by a previous run of the agent): leave it up there, and
 * say nothing on the port until the neighbour's first hello tells us who
 * it is, so that our first hello names it and the neighbour never sees us
 * lose it (a hello that names nobody takes a link down at once). After a
 * hold time (hello_ms x dead_mult) without one, the port starts afresh.
 * So an agent restart does not interrupt forwarding through the node.
 */
int core_port_resume(struct mms_core *c, __u16 port);
/*
 * CM half, before core_start: a route set a previous run of the agent left
 * in the pinned mms_routes for dst. If dst turns out to be an MA's address,
 * the set serves as that MA's routes (as from a CONTROL) until the MA sends
 * new ones: a restarted node has at first only beacon reverse routes, which
 * the MA takes control frames from but no data (docs/security.md), so its
 * management traffic would stop until its new session and LSA brought a
 * CONTROL. At most cfg.max_mas sets; 0, -ENOSPC, -EINVAL, -ENOMEM.
 */
int core_adopt_routes(struct mms_core *c, const struct mms_addr *dst, const struct mms_route *r,
		      unsigned n);
/* CM half: a session with MA `ma` was just established; ack its current
 * beacon and send our LSA now rather than at the next beacon/retransmit. */
void core_auth_ready(struct mms_core *c, const struct mms_id *ma, __u64 now_ns);
/* MA: the key provider has new hop keys. Routes that could not be sealed
 * for lack of a key are rebuilt; all: every route (a key was replaced). */
void core_hop_keys_changed(struct mms_core *c, bool all, __u64 now_ns);
/* MA: forget node id (revoked): its LSA, membership and routes. It joins
 * again only by acking a beacon that may_join and verify accept. */
int core_forget(struct mms_core *c, const struct mms_id *id, __u64 now_ns);
/*
 * Key roll: seal from now on with `epoch`. Our own hop key for it is
 * installed (mms_keys[epoch % 4]; the slots of older epochs stay until the
 * agent overwrites them, so routes sealed before keep working until they
 * expire) and an MA rebuilds every route.
 */
int core_set_epoch(struct mms_core *c, __u8 epoch, __u64 now_ns);
/*
 * MA, before a key roll's switch: install our own hop key for the coming
 * `epoch` alongside the current one, so that routes another MA seals in
 * it already cross us while we still seal in the old one. 0, -EBUSY for
 * the current epoch's slot, -ENOKEY when ops.hop_key has no key for it.
 */
int core_prepare_epoch(struct mms_core *c, __u8 epoch, __u64 now_ns);
/*
 * The end of a key roll: remove our key for an older epoch from mms_keys,
 * so that every route sealed in it, captured copies included, stops at this
 * node. 0, or -EBUSY for the slot of the epoch we seal in.
 */
int core_drop_epoch(struct mms_core *c, __u8 epoch, __u64 now_ns);
/* Run every timer due at now_ns. */
void core_tick(struct mms_core *c, __u64 now_ns);
/* When core_tick must next run (absolute ns). */
__u64 core_next_event(const struct mms_core *c);
/*
 * The datapath absorbed a hello on port equal to the template the core
 * installed (ops.set_hello), the last of them arriving at at_ns (its
 * mms_hello_seen slot): the neighbour is heard again, as if core_rx_at()
 * had been given that hello. Ignored unless the port's neighbour is up with
 * a template, and if at_ns is not later than its last hello. Call it
 * before core_tick, so that hold times count from the real arrival.
 */
void core_hello_seen(struct mms_core *c, __u16 port, __u64 at_ns, __u64 now_ns);

/* ---- introspection (tests, mmsctl) ---- */
/* The time of the call being served (for hooks, which get no clock). */
__u64 core_now(const struct mms_core *c);
__u64 core_stat(const struct mms_core *c, enum core_stat s);
const struct core_cfg *core_config(const struct mms_core *c);
/* 1 when the port's neighbour is up; its id in *id when not NULL. */
int core_nbr_up(const struct mms_core *c, __u16 port, struct mms_id *id);
__u32 core_lsa_seq(const struct mms_core *c);
/* MAs this node holds routes to. */
unsigned core_ma_count(const struct mms_core *c);
/* MA only: the management address a node announced under name (its own
 * name included); 0, or -ENOENT. Case-insensitive. For the MA's DNS. */
int core_lookup_name(const struct mms_core *c, const char *name, struct mms_addr *a);
/* MA only: nodes with a live LSA (itself included). */
unsigned core_topo_nodes(const struct mms_core *c);

#endif /* MMS_CORE_H */
