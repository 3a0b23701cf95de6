/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Inside the control-plane core: state shared by core.c (dispatch, timers,
 * output), core_nbr.c (hellos), core_cm.c (the CM half: beacons, LSAs,
 * installing routes) and core_ma.c (the MA half: topology and routes).
 */
#ifndef MMS_CORE_PRIV_H
#define MMS_CORE_PRIV_H

#include "core.h"
#include "graph.h"

#define NS_PER_MS	1000000ull
#define NS_PER_S	1000000000ull
#define NOTIFY_GAP_NS	(100 * NS_PER_MS)
#define FRAME_MAX	(MMS_MAX_OVERHEAD + 4 + MMS_BODY_MAX + 64)
/* A frame buffer with room for a VLAN tag, starting 2 bytes past an 8-byte
 * boundary so that the MMS header after the Ethernet one is 4-byte aligned
 * (the codec accesses it through struct pointers). */
#define FRAME_BUF(raw, buf) \
	__u8 raw[FRAME_MAX + 8] __attribute__((aligned(8))); __u8 *buf = raw + 2

enum nbr_state { NBR_DOWN, NBR_INIT, NBR_UP };

struct core_port {
	bool configured, carrier;
	bool resume;			/* up in the datapath from a previous run:
					 * silent until the neighbour's hello */
	__u32 ifindex;
	__u8 mac[6];
	__u16 vlan;
	/* the neighbour on this port */
	__u8 state;			/* enum nbr_state */
	__u8 nrole;
	__u16 nport;			/* its port number */
	struct mms_id nid;
	__u8 nmac[6];
	__u64 last_rx, hold_ns;		/* last hello, and how long it holds */
	/* the template installed for its hellos (ops.set_hello) */
	bool tpl_on;
	struct mms_hello_key tpl_key;
	struct mms_hello_tpl tpl;
};

/* Routes to one address found in the pinned datapath at start. */
struct core_adopted {
	struct mms_addr addr;
	__u8 n;
	struct mms_route r[MMS_MAX_ALT];
};

/* What a node knows about one MA (the CM half). */
struct core_ma {
	bool used;
	struct mms_id id;
	struct mms_addr addr;
	__u32 seq;			/* last beacon taken */
	__u64 last_beacon;
	__u64 last_ack;			/* when we last acked one of its beacons */
	__u32 acked_lsa;		/* the LSA seq that ack carried */
	/* reverse routes from the copies of the current beacon, distinct first ports */
	__u8 nrev;
	struct mms_route rev[MMS_MAX_ALT];
	/* the current beacon (rev[0] holds its hop fields): a neighbour that
	 * comes up gets it at once */
	struct msg_beacon last;
	/* routes the MA computed for us (CONTROL), or, until it sends some,
	 * those a previous run left in the datapath (core_adopt_routes) */
	bool have_ctl, ctl_adopted;
	__u8 nctl;
	__u32 ctl_seq;
	struct mms_route ctl[MMS_MAX_ALT];
	/* our LSA at this MA */
	__u32 lsa_acked;		/* highest of our LSA seqs it acknowledged */
	bool lsa_any_ack;
	__u64 lsa_next;			/* next (re)send */
	__u64 installed_sig;		/* hash of what mms_routes holds for it, 0: none */
	__u32 expire_at;		/* Unix s: the first installed route expires */
};

/* One node in an MA's topology. */
struct topo_node {
	bool used, joined, has_lsa;
	struct mms_id id;
	struct mms_addr addr;
	char name[MMS_NAME_MAX + 1];	/* from its LSA, for DNS */
	__u8 role;
	__u32 lsa_seq;
	__u64 lsa_rx;
	__u16 nnbr;
	struct msg_lsa_nbr *nbr;	/* nnbr entries, owned */
	__u32 notify_seq;
	bool notify_any;
	/* routes to it */
	__u64 sig;			/* paths last built, 0: none installed */
	__u64 refresh_at;		/* rebuild before they expire */
	bool need_control;		/* resend CONTROL (lost ack, no-route report) */
	bool key_missing;		/* a route was not sealed: a hop key was missing */
	__u32 gidx;			/* index in the current graph */
};

struct mms_core {
	struct core_cfg cfg;
	struct core_ops ops;
	__u64 now;			/* of the call being served */
	__u64 rx_at;			/* core_rx_at: when the frame being served arrived */
	const __u8 *rx_mms;		/* and its bytes from the route header */
	size_t rx_mms_len;		/* to the end of the body */
	__u64 hello_next;		/* hellos go out on every port at once */
	__u64 hello_last;		/* when they last went (the timer fired) */
	__u64 rng;
	__u64 stats[CORE_S_MAX];
	__u64 last_log[CORE_S_MAX];
	bool started;
	struct core_port port[MMS_MAX_PORTS];
	__u16 max_port;

	/* own key for cfg.epoch (sealing beacon hops) */
	bool have_key;
	__u8 key[MMS_KEY_LEN];

	/* CM half */
	struct core_ma *mas;		/* cfg.max_mas */
	__u32 lsa_seq;
	__u64 lsa_due;			/* bump and send after coalescing, 0: none */
	__u32 notify_seq;
	__u64 dp_last[2];		/* last NOTIFY for a datapath event, per kind */
	__u64 default_sig;		/* what the default route holds */
	__u64 resume_until;		/* resumed ports wait for a hello until then */
	__u32 pause_hold_ms;		/* core_pause: the hold time to announce */
	struct core_adopted *adopted;	/* cfg.max_mas, core_adopt_routes */
	__u32 nadopted;

	/* MA half */
	__u32 beacon_seq, ctl_seq;
	__u64 beacon_next, beacon_last;
	bool beacon_periodic;		/* beacon_next is the periodic one (may wait for
					 * a hello tick, ma_beacon_at), not one brought
					 * forward by a change */
	/* the last beacon sent (signed body), for a neighbour that comes up */
	__u8 beacon_body[sizeof(struct mms_beacon) + 16 + 4 + MMS_AUTH_MAX];
	__u16 beacon_len;
	__u32 beacon_expiry;
	__u8 beacon_tag[4];
	struct topo_node *nodes;	/* cfg.max_nodes */
	__u32 *hash;			/* open addressing: node index + 1, 0 empty */
	__u32 hash_mask, nnodes;
	bool topo_dirty;
	bool owed;			/* some node's need_control is set */
	__u64 spf_last, spf_next_refresh, age_next;
	struct graph g;
	struct graph_alts alts;
	__u32 alts_n, alts_links;	/* sizes alts was allocated for */
};

/* core.c */
__u64 core_rand(struct mms_core *c);
__u64 core_unix_s(const struct mms_core *c);
__u64 core_unix_ms(const struct mms_core *c);
void core_logf(struct mms_core *c, enum mms_log_level l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Count a refusal and log it (rate-limited per counter), naming the port's
 * neighbour and the node concerned. */
void core_refuse(struct mms_core *c, enum core_stat s, __u16 port, const struct mms_id *who,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* An up-call (core_ops.event); names left NULL are filled in from the
 * topology where this node has one (an MA), else "". */
void core_event(struct mms_core *c, struct core_event *e);
static inline void core_count(struct mms_core *c, enum core_stat s)
{
	c->stats[s]++;
}
/* Send a frame built by codec at buf (room for a VLAN tag after it). */
void core_send(struct mms_core *c, __u16 port, __u8 *buf, size_t len);
/* Build and send a link-scope frame on port. */
void core_send_link(struct mms_core *c, __u16 port, const __u8 dst[6], __u8 type,
		    const struct mms_hop *hops, __u8 nhops, __u8 epoch, __u32 expiry,
		    const __u8 tag[4], const __u8 *body, size_t blen);
/* Send body along the first route of rs[0..n) whose first hop is up.
 * Returns 0 or -ENETUNREACH (counted as NO_ROUTE). */
int core_send_routed(struct mms_core *c, const struct mms_route *rs, unsigned n, __u8 type,
		     const __u8 *body, size_t blen, const struct mms_id *to);
/* mms_routes[dst] = r[0..n), or delete it when n is 0, with the end-to-end
 * DATA keys (docs/security.md, "End-to-end tags"). Each route is tagged
 * with down's MMS_E2E_DOWN key of its epoch (an MA's routes to CM down), or
 * with our own MMS_E2E_UP key when down is NULL (routes to an MA, which
 * checks by source). rx non-NULL (at an MA): the set also carries rx's
 * MMS_E2E_UP keys of the last MMS_EPOCH_SLOTS epochs, which check what rx
 * sends us. */
void core_put_routes(struct mms_core *c, const struct mms_addr *dst, const struct mms_route *r,
		     unsigned n, const struct mms_id *down, const struct mms_id *rx);
/* Put our authenticator on a body built with an empty one of a.len bytes. */
int core_sign(struct mms_core *c, __u8 type, const struct mms_id *peer, __u8 *body,
	      const struct msg_auth *where);
/* Our authenticator settings for a message of type about to be built. */
void core_auth_init(const struct mms_core *c, __u8 type, struct msg_auth *a);
/* Tell the security layer a neighbour came up or went down. */
void core_auth_nbr(struct mms_core *c, __u16 port, bool up);
void core_auth_routes(struct mms_core *c, const struct mms_id *to);
int core_verify(struct mms_core *c, __u8 type, const struct mms_id *signer, const __u8 *body,
		size_t len, const struct msg_auth *a);
bool core_may_join(struct mms_core *c, const struct mms_id *id, __u8 role);
int core_key_of(struct mms_core *c, const struct mms_id *id, __u8 key[MMS_KEY_LEN]);
/* The same for another epoch (a beacon sealed before or after a key roll). */
int core_key_at(struct mms_core *c, const struct mms_id *id, __u8 epoch, __u8 key[MMS_KEY_LEN]);
bool core_port_up(const struct mms_core *c, __u16 port);
__u64 core_hash(__u64 h, const void *p, size_t n);

/* core_nbr.c */
void nbr_rx_hello(struct mms_core *c, __u16 port, const __u8 *src_mac, const struct msg_hello *m);
void nbr_tick(struct mms_core *c);
void nbr_down(struct mms_core *c, __u16 port, const char *why);
void nbr_publish(struct mms_core *c, __u16 port);
/* Say hello on port now (carrier back, port added), off the schedule. */
void nbr_hello_now(struct mms_core *c, __u16 port);
__u64 nbr_next_event(const struct mms_core *c);

/* core_cm.c */
void cm_rx_beacon(struct mms_core *c, __u16 port, const struct mms_hdr *h,
		  const struct mms_hop *hops, const struct msg_beacon *b, const __u8 *body,
		  size_t blen);
void cm_rx_control(struct mms_core *c, const struct msg_control *m, const __u8 *body, size_t blen);
void cm_nbr_changed(struct mms_core *c, __u16 port, bool up);
/* A neighbour came up on port: the MA's last beacon (ma_beacon_to) and every
 * MA's current one (CM half) go to it now, not at the next flood. */
void ma_beacon_to(struct mms_core *c, __u16 port);
void cm_tick(struct mms_core *c);
__u64 cm_next_event(const struct mms_core *c);
void cm_notify(struct mms_core *c, __u8 kind, __u16 port, const struct mms_id *nbr,
	       const struct mms_addr *addr);
unsigned cm_ma_count(const struct mms_core *c);
int cm_send_to_ma(struct mms_core *c, const struct mms_id *id, __u8 type, const __u8 *body,
		  size_t len);
void cm_auth_ready(struct mms_core *c, const struct mms_id *id);

/* core_ma.c */
int ma_init(struct mms_core *c);
void ma_free(struct mms_core *c);
void ma_rx_ack(struct mms_core *c, const struct msg_ack *m, const __u8 *body, size_t blen);
void ma_rx_lsa(struct mms_core *c, const struct msg_lsa *m, const __u8 *body, size_t blen);
void ma_rx_notify(struct mms_core *c, const struct msg_notify *m, const __u8 *body, size_t blen);
void ma_topology_changed(struct mms_core *c);
/* The name node `id` gave in its LSA, or "" (not an MA, or not known). */
const char *ma_node_name(const struct mms_core *c, const struct mms_id *id);
void ma_rebuild_all(struct mms_core *c);
void ma_tick(struct mms_core *c);
__u64 ma_next_event(const struct mms_core *c);
unsigned ma_topo_nodes(const struct mms_core *c);
int ma_send_to(struct mms_core *c, const struct mms_id *id, __u8 type, const __u8 *body,
	       size_t len);
void ma_keys_changed(struct mms_core *c, bool all);
int ma_forget(struct mms_core *c, const struct mms_id *id);

#endif /* MMS_CORE_PRIV_H */
