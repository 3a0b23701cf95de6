/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Datapath loader: loads the BPF objects of one node, pins their maps by name
 * under a pin root (default MMS_PIN_ROOT, one root per node when several
 * nodes share a machine), attaches XDP to NICs and the mm0 programs, and
 * re-adopts what is already pinned so that an agent restart never interrupts
 * forwarding. Attachments are made through netlink and outlive the process;
 * only mms_dp_teardown() removes them.
 *
 * Everything acts in the caller's network namespace: run a node's tools
 * under `nsenter --net=/run/netns/NAME` (the mount namespace, and so
 * /sys/fs/bpf, stays shared) and give every node its own pin root.
 */
#ifndef MMS_LOADER_H
#define MMS_LOADER_H

#include <stdbool.h>
#include "mms_kern_user.h"

struct mms_dp;

struct mms_dp_opts {
	const char *pin_root;	/* NULL: MMS_PIN_ROOT */
	bool xdp_generic;	/* force generic (skb) XDP */
	bool no_pin;		/* tests, bench: private maps, nothing pinned */
	bool no_hop_cache;	/* verify every hop with the cipher (bpf/mms_hop.h) */
	/* NICs to attach the XDP program to as soon as it is loaded, before
	 * the TC program is verified: an attachment waits out an RCU grace
	 * period under the RTNL, which then overlaps that CPU work. */
	const char *const *nics;
	int n_nics;
};

/* The maps, by role. */
enum mms_map {
	MMS_MAP_KEYS,		/* mms_keys:   array, epoch % 4 -> struct mms_key */
	MMS_MAP_NBRS,		/* mms_nbrs:   array, port -> struct mms_nbr */
	MMS_MAP_TX,		/* mms_tx:     devmap, port -> ifindex (0: mm0 peer) */
	MMS_MAP_ROUTES,		/* mms_routes: hash, struct mms_addr -> struct mms_route_set */
	MMS_MAP_CFG,		/* mms_cfg:    array[1] -> struct mms_cfg */
	MMS_MAP_STATS,		/* mms_stats:  percpu array, enum mms_stat -> struct mms_counter */
	MMS_MAP_EVENTS,		/* mms_events: ring buffer of struct mms_event */
	MMS_MAP_RL_NBR,		/* mms_rl_nbr: LRU hash, struct mms_rl_key -> struct mms_rl_bucket */
	MMS_MAP_RL_LINK,	/* mms_rl_link: hash, struct mms_rl_link_key -> struct mms_rl_bucket */
	MMS_MAP_RL_NODE,	/* mms_rl_node: array, class -> struct mms_rl_bucket */
	MMS_MAP_DATA_OFF,	/* mms_data_off: hash, ifindex -> 1 (data service off) */
	MMS_MAP_SEQ,		/* mms_seq:    array[1] -> the DATA sequence counter */
	MMS_MAP_REPLAY,		/* mms_replay: hash, struct mms_rp_key -> struct mms_rp_val */
	MMS_MAP_HELLO_TPL,	/* mms_hello_tpl: hash, struct mms_hello_key -> struct mms_hello_tpl */
	MMS_MAP_HELLO_SEEN,	/* mms_hello_seen: mmap-able array, slot -> arrival (ns) */
	MMS_MAP_MAX
};

/* The programs, for tests and the bench (BPF_PROG_TEST_RUN). */
enum mms_prog {
	MMS_PROG_XDP,		/* mms_xdp: NIC ingress */
	MMS_PROG_TC,		/* mms_tc: mm0 to the links (at mm0p ingress) */
	MMS_PROG_DATA_OFF,	/* mms_data_off_tx: TC egress of NICs with data off */
	MMS_PROG_MAX
};

/* The management veth pair: mm0 carries the management address, its peer
 * mm0p the TC program that encapsulates what mm0 sends. */
#define MMS_MM0_NAME		"mm0"
#define MMS_MM0_PEER_NAME	"mm0p"

/* mm0's MTU: any IP packet it sends fits a 1500-byte link with 16 hops. */
#define MMS_MM0_MTU	MMS_DATA_MAX	/* 1500 - 16 - 256 - 4 - 16 */

/* Load (or re-adopt) the datapath; returns 0 or -errno with a log line. */
int mms_dp_open(struct mms_dp **dp, const struct mms_dp_opts *o);
/* Attach the forwarding XDP program to a NIC (idempotent). */
int mms_dp_attach_nic(struct mms_dp *dp, const char *ifname);
int mms_dp_detach_nic(struct mms_dp *dp, const char *ifname);
/*
 * Create (or adopt) the veth pair mm0 / mm0p, put the management address on
 * mm0 (CIDR, e.g. "10.77.0.1/16"), attach the mm0 programs and fill mms_cfg
 * and mms_tx[0]. Management frames are marked with prio / pcp; dscp is forced
 * on inner packets unless MMS_DSCP_KEEP. mm0 gets MMS_MM0_MTU, which is below
 * IPv6's minimum: management addresses are IPv4.
 */
int mms_dp_setup_mm0(struct mms_dp *dp, const char *addr_cidr, __u8 prio, __u8 pcp, __u8 dscp);
/*
 * The same in two steps. mms_dp_mm0_link() needs no datapath: the pair, its
 * settings and the address (RTNL work an agent does first, before the
 * grace periods of other XDP attachments hold the RTNL; docs/datapath.md,
 * "Start-up cost"). mms_dp_mm0_attach() fills mms_cfg and mms_tx[0] and
 * attaches the TC program.
 */
int mms_dp_mm0_link(const char *addr_cidr);
int mms_dp_mm0_attach(struct mms_dp *dp, __u8 prio, __u8 pcp, __u8 dscp);
/*
 * Install (n != NULL) or clear neighbour slot `port`: mms_nbrs[port] and the
 * devmap slot mms_tx[port] that forwarding redirects through, kept together.
 * Hello timestamps may be refreshed in mms_nbrs directly.
 */
int mms_dp_set_port(struct mms_dp *dp, __u16 port, const struct mms_nbr *n);
/* The fd of one map or program (owned by dp). */
int mms_dp_map_fd(struct mms_dp *dp, enum mms_map m);
const char *mms_dp_map_name(enum mms_map m);
int mms_dp_prog_fd(struct mms_dp *dp, enum mms_prog p);
/* Read-modify-write of mms_cfg under the pin root's lock (the agent and
 * mmsctl both write it): edit changes the record and returns 0 to write it,
 * > 0 to leave it, < 0 to fail with that error. */
int mms_dp_cfg_edit(struct mms_dp *dp, int (*edit)(struct mms_cfg *c, void *arg), void *arg);
/* Name this node in the DATA it tags (mms_cfg.producer, include/mms_seq.h). */
int mms_dp_set_producer(struct mms_dp *dp, __u16 producer);
/* Write the wall-clock offset the datapath uses for route expiry. */
int mms_dp_sync_clock(struct mms_dp *dp);
/*
 * The datapath a node has pinned under pin_root (NULL: MMS_PIN_ROOT), maps
 * and programs as they are, whatever build made them: nothing is loaded,
 * attached or written. -ENOENT when something is not pinned there.
 */
int mms_dp_pinned(struct mms_dp **dp, const char *pin_root);
/*
 * Data service on a NIC (docs/datapath.md, "Data off"). Off: mms_xdp drops
 * every frame arriving on it that is not MMS, and mms_data_off_tx, attached
 * at its TC egress, every one this node sends there; MMS frames pass both
 * ways. The setting is the pinned mms_data_off, so it outlives the agent;
 * mms_cfg.data_off is kept equal to its number of entries. On: the egress
 * program is detached and the entry removed. Returns 0 or -errno (-ENOTSUP:
 * not an MMS link of this node; -E2BIG: MMS_DATA_OFF_MAX interfaces are off
 * already); a failed `off` is undone.
 */
int mms_dp_data_off(struct mms_dp *dp, int ifindex, bool off);
/* 1 if this node's XDP program runs on ifindex (an MMS link), else 0. */
int mms_dp_nic_attached(struct mms_dp *dp, int ifindex);
/* The interfaces with data off: up to max ifindexes into out, in the map's
 * order; returns how many, or -errno. */
int mms_dp_data_off_list(struct mms_dp *dp, __u32 *out, int max);
/*
 * After (re)loading: forget interfaces that no longer exist, attach this
 * build's egress program to those that do (a start of another build
 * replaces the program) and recount mms_cfg.data_off. An agent calls it
 * after its last write of mms_cfg at start. 0 or -errno.
 */
int mms_dp_data_off_sync(struct mms_dp *dp);
/*
 * Absorbed hellos (include/mms_kern_user.h, agent/loader_hello.c). Install
 * (t != NULL) or remove the template of sender k; removing one that is not
 * there is not an error. 0 or -errno.
 */
int mms_dp_hello_set(struct mms_dp *dp, const struct mms_hello_key *k,
		     const struct mms_hello_tpl *t);
/* Remove every template and zero every arrival time (an agent's start and
 * stop: a template is only ever one this agent installed). 0 or -errno. */
int mms_dp_hello_reset(struct mms_dp *dp);
/* mms_hello_seen mapped read-only (MMS_HELLO_SLOTS arrival times), or NULL
 * with errno; mms_dp_hello_unmap() it. */
const volatile __u64 *mms_dp_hello_map(struct mms_dp *dp);
void mms_dp_hello_unmap(const volatile __u64 *seen);
/* Drop the handles; pins and attachments stay in force. */
void mms_dp_close(struct mms_dp *dp);
/* Detach from every NIC and mm0, delete mm0, unpin everything under the root. */
int mms_dp_teardown(const char *pin_root);
/* Sum a per-CPU counter array: out[MMS_S_MAX]. */
int mms_dp_read_stats(int stats_fd, struct mms_counter *out);

#endif /* MMS_LOADER_H */
