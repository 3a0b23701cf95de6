/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The kernel/user contract besides the wire format: map keys and values,
 * counter names, ring-buffer events. Included by bpf/ and agent/ alike.
 *
 * Maps are pinned by name under <pin root>/ (default /sys/fs/bpf/mms/) so
 * that `bpftool map dump pinned /sys/fs/bpf/mms/mms_routes` works, and so
 * that forwarding state survives an agent restart.
 */
#ifndef MMS_KERN_USER_H
#define MMS_KERN_USER_H

#include "mms_wire.h"
#include "mms_e2e.h"

#define MMS_PIN_ROOT		"/sys/fs/bpf/mms"
#define MMS_EPOCH_SLOTS		4	/* keys kept at once: previous, current, next, spare */
#define MMS_MAX_ALT		4	/* precomputed routes per destination */
#define MMS_MAX_ROUTES		65536
#define MMS_AES_RK_WORDS	44	/* AES-128: 11 round keys of 4 words */

/* mms_keys[epoch % MMS_EPOCH_SLOTS]: this node's hop key for one epoch,
 * and the end-to-end key derived from it that checks DATA delivered here
 * when the source has no key of its own in mms_routes (at a CM: everything;
 * mms_e2e_derive(MMS_E2E_DOWN)). */
struct mms_key {
	__u32	valid;		/* 1 when installed */
	__u32	epoch;		/* must equal hdr.epoch, else UNKNOWN_EPOCH */
	__u32	rk[MMS_AES_RK_WORDS];	/* decryption schedule (equivalent inverse cipher) */
	struct mms_e2e_key e2e;	/* checks DATA tags of this epoch */
};

/* mms_nbrs[port]: a neighbour slot. Port 0 is unused. */
#define MMS_NBR_UP		1
struct mms_nbr {
	__u32	ifindex;	/* link towards the neighbour */
	__u8	mac[6];		/* neighbour's MAC */
	__u8	smac[6];	/* our MAC on that link */
	__u8	state;		/* MMS_NBR_UP or 0 */
	__u8	pad;
	__u16	vlan;		/* 802.1Q VID on that link, 0 = untagged */
	__u64	last_rx_ns;	/* bpf_ktime_get_ns() of the last hello, 0 = never */
};

/*
 * Hellos the XDP program absorbs (docs/datapath.md, "Absorbed hellos"). An
 * up neighbour's hellos repeat byte for byte (they carry no sequence
 * number), so once the agent has taken one it installs it as a template,
 * mms_hello_tpl[(ingress ifindex, source MAC, VLAN)], and the program drops
 * every later hello from that sender whose bytes from the route header to
 * the end of the body equal it, after the link-scope budget, counting it
 * (HELLO_ABSORBED) and writing its arrival (bpf_ktime_get_ns(): the
 * agent's CLOCK_MONOTONIC) to mms_hello_seen[slot], an mmap-able array the
 * agent reads without a system call before it runs its timers. Any other
 * hello (one byte differs, another sender, no template, longer than
 * MMS_HELLO_TPL_MAX) reaches the agent as before.
 */
#define MMS_HELLO_TPL_MAX	96	/* route header + payload header + body, bytes */
#define MMS_HELLO_SLOTS		MMS_MAX_PORTS

struct mms_hello_key {
	__u32	ifindex;	/* ingress interface */
	__u8	mac[6];		/* the sender's source MAC */
	__u16	vlan;		/* 802.1Q VID of the frame, 0 = untagged */
};

struct mms_hello_tpl {
	__u32	slot;		/* mms_hello_seen index (the agent's port), < MMS_HELLO_SLOTS */
	__u16	len;		/* bytes of b[] that a hello must match, 1..MMS_HELLO_TPL_MAX */
	__u16	pad;		/* zero */
	__u8	b[MMS_HELLO_TPL_MAX];	/* the hello from its route header; zero past len */
};

/* Routes are keyed by the destination's management address; IPv4 addresses
 * are stored v4-mapped (::ffff:a.b.c.d). The all-zero key is the default
 * route (a CM's route to its MA, which relays CM-to-CM traffic). */
struct mms_addr {
	__u8	a[16];
};

/* One source route as the sender stores it. */
struct mms_route {
	__u16	port;		/* first hop: our port towards hops[0]'s owner */
	__u8	nhops;
	__u8	epoch;
	__be32	expiry;
	__u8	tag[4];
	__u8	pad[4];
	struct mms_e2e_key e2e;	/* tags DATA sent on this route (never on the wire) */
	struct mms_hop hops[MMS_MAX_HOPS];	/* frame order: hops[0] is processed first */
};

/* The key DATA from one source is tagged with in one epoch (an MA's
 * mms_routes[source].rx[epoch % MMS_EPOCH_SLOTS]). */
struct mms_e2e_rx {
	__u32	valid;		/* 1 when installed */
	__u32	epoch;
	struct mms_e2e_key key;
};

/* mms_routes[addr]: up to MMS_MAX_ALT alternates in order of preference.
 * The mm0 program takes the first whose first-hop port is up, so losing a
 * link is a local switch that needs no route recomputation. At an MA the
 * set of a CM also holds the keys that CM tags its DATA with (rx): the XDP
 * program looks the set up by an IP packet's source address at delivery. */
struct mms_route_set {
	__u32	n;		/* routes in r[] */
	__u32	pad;
	struct mms_route r[MMS_MAX_ALT];
	struct mms_e2e_rx rx[MMS_EPOCH_SLOTS];
};

/*
 * Budgets for control frames: what the XDP program passes to the agent is
 * charged to three token buckets in turn, and a frame any of them refuses is
 * DROP_RATELIMIT (docs/datapath.md, "Control-frame budgets"). The classes
 * have budgets of their own: link-scope frames reach the agent with no check
 * at all and legitimately come at a few per second per neighbour, while
 * routed control frames carry a verified hop field and, at an MA, arrive
 * from the whole network through its few neighbours. Control frames a node
 * forwards are charged too, to the neighbour they came from (transit), so
 * that no one neighbour can spend the whole of this node's routed budget at
 * the next: every node behind this one shares that budget. Data frames are
 * never charged.
 */
enum mms_rl_class {
	MMS_RL_LINK_SCOPE,	/* link-scope frames (LINK_AGENT) */
	MMS_RL_ROUTED,		/* routed control frames delivered here (DELIVER_AGENT) */
	MMS_RL_TRANSIT,		/* routed control frames forwarded (FORWARD) */
	MMS_RL_CLASSES
};

enum mms_rl_level {
	MMS_RL_NBR,		/* one sender: (ingress ifindex, source MAC) */
	MMS_RL_LINK,		/* everything arriving on one interface */
	MMS_RL_NODE,		/* everything this node passes to its agent */
	MMS_RL_LEVELS
};

struct mms_rl_limit {
	__u32	rate;		/* frames per second; 0: no limit at this level */
	__u32	burst;		/* frames a full bucket holds (>= 1) */
};

#define MMS_RL_RATE_MAX		100000000	/* 10 ns per frame */
#define MMS_RL_BURST_MAX	10000000

/* The datapath samples its clock once per jiffy (at most 10 ms, HZ=100): a
 * burst smaller than the rate brings in one such tick would cap the rate at
 * burst per tick, so a burst must be at least rate / MMS_RL_TICKS_PER_S. */
#define MMS_RL_TICKS_PER_S	100

/* A bucket further ahead of the clock than a conforming frame can leave it
 * (now + tau + I) by more than this means the clock stepped back: the next
 * frame finds it full. Far more than the jiffy CPUs' clock samples differ. */
#define MMS_RL_SKEW_NS		1000000000ull

/* Senders the per-sender table holds (LRU: see bpf/mms_rl.h for why). */
#define MMS_RL_SENDERS		4096

/* mms_rl_nbr key: a sender as the receiving node can name it. */
struct mms_rl_key {
	__u32	ifindex;
	__u8	mac[6];
	__u8	cls;		/* enum mms_rl_class */
	__u8	pad;		/* zero */
};

/* mms_rl_link key. */
struct mms_rl_link_key {
	__u32	ifindex;
	__u32	cls;		/* enum mms_rl_class */
};

/*
 * A bucket (mms_rl_nbr, mms_rl_link, mms_rl_node[class]), kept as the
 * "theoretical arrival time" of the generic cell rate algorithm: with
 * interval I = 1 s / rate and depth tau = (burst - 1) * I, a frame at time
 * now conforms if tat <= now + tau, and then tat = max(tat, now) + I. The
 * bucket holds (now + tau + I - tat) / I tokens, at most burst. Times are
 * the boot clock's (CLOCK_BOOTTIME, never stepped), in ns.
 */
struct mms_rl_bucket {
	__u64	tat;
	__u64	passed;		/* frames that took a token here */
	__u64	dropped;	/* frames refused here */
};

/*
 * mms_data_off[ifindex]: data service is off on that interface (mmsctl data
 * off): every frame that is not MMS is dropped there, arriving (mms_xdp,
 * DROP_DATA_OFF) and leaving (mms_data_off_tx at its TC egress,
 * DROP_DATA_OFF_TX), while MMS frames pass both ways. mms_cfg.data_off
 * counts the entries, so a node with none pays no lookup per frame.
 */
#define MMS_DATA_OFF_MAX	64

/* mms_cfg[0]: node-wide settings written by the agent / mmsctl. */
#define MMS_DSCP_KEEP		0xff
struct mms_cfg {
	__u64	unix_minus_boot_ns;	/* wall clock = bpf_ktime_get_boot_ns() + this */
	__u32	mm0_ifindex;		/* inner side of the mm0 pair (delivery target) */
	__u32	mm0_peer_ifindex;	/* outer side */
	__u8	mm0_mac[6];		/* destination MAC of frames delivered to mm0 */
	__u8	prio;			/* skb->priority of management frames */
	__u8	pcp;			/* 802.1p PCP on tagged links */
	__u8	dscp;			/* DSCP forced on inner IP packets, or MMS_DSCP_KEEP */
	__u8	pad;
	__u16	producer;		/* names this node in the DATA it tags (include/mms_seq.h) */
	__u32	data_off;		/* entries in mms_data_off: 0 spares the lookup */
	struct mms_rl_limit rl[MMS_RL_CLASSES][MMS_RL_LEVELS];	/* control-frame budgets */
};

/* Counters: per-CPU array indexed by enum mms_stat. Each CPU owns its slot,
 * so the fast path increments without atomics; userspace sums the CPUs. */
struct mms_counter {
	__u64	packets;
	__u64	bytes;
};

#define MMS_STATS(X)							\
	X(PASS,		"non-MMS frame passed to the stack")		\
	X(FORWARD,	"frame forwarded to the next hop")		\
	X(DELIVER_MM0,	"IP bearer frame delivered to mm0")		\
	X(DELIVER_AGENT, "verified control frame delivered to the agent") \
	X(LINK_AGENT,	"link-scope frame passed to the agent")		\
	X(ENCAP,	"mm0 packet encapsulated and sent")		\
	X(DROP_TRUNCATED, "frame shorter than its headers say")	\
	X(DROP_VERSION,	"unknown MMS version")				\
	X(DROP_SCOPE,	"unknown scope code")				\
	X(DROP_FLAGS,	"flags or reserved bits set on the wire")	\
	X(DROP_NHOPS,	"no hop field, or more than MMS_MAX_HOPS")	\
	X(DROP_EXPIRED,	"route expired")				\
	X(DROP_EPOCH,	"no key for the frame's epoch")			\
	X(DROP_HOP,	"hop field failed verification")		\
	X(DROP_INGRESS,	"frame arrived on the wrong port")		\
	X(DROP_NO_NBR,	"next hop port not up")				\
	X(DROP_PAYLOAD,	"bad payload header at delivery")		\
	X(DROP_CTRL_ONLY, "IP bearer data on a control-only (beacon) route") \
	X(DROP_NO_ROUTE, "mm0 packet with no usable route")		\
	X(DROP_TOO_BIG,	"encapsulated frame exceeds the link MTU")	\
	X(DROP_REDIRECT, "redirect to the egress device failed")	\
	X(DROP_RATELIMIT, "control frame over its neighbour's budget")	\
	X(DROP_NOT_IP,	"mm0 packet that is not IPv4/IPv6")		\
	X(DROP_E2E_TAG,	"DATA whose end-to-end tag does not verify at its destination") \
	X(DROP_DATA_OFF, "non-MMS frame dropped: data service off on this interface") \
	X(DROP_DATA_OFF_TX, "non-MMS frame not sent: data service off on that interface") \
	X(DROP_REPLAY,	"DATA whose sequence number its destination has taken or left behind") \
	X(DROP_REPLAY_FULL, "DATA from a producer the replay table has no room for") \
	X(EVENT_LOST,	"ring buffer full, event not sent")			\
	X(HELLO_ABSORBED, "up neighbour's unchanged hello: arrival recorded, not passed to the agent")

enum mms_stat {
#define MMS_STAT_ENUM(n, d) MMS_S_##n,
	MMS_STATS(MMS_STAT_ENUM)
#undef MMS_STAT_ENUM
	MMS_S_MAX
};

/* mms_events ring buffer. */
enum mms_event_type {
	MMS_EV_NO_ROUTE		= 1,	/* mm0 packet for addr had no usable route */
	MMS_EV_PORT_DOWN	= 2,	/* a route's first hop was down; alternate used */
};

struct mms_event {
	__u32	type;		/* enum mms_event_type */
	__u32	port;
	__u64	ts_ns;
	struct mms_addr addr;
};

/* Sources (key source, producer) the destination keeps replay windows for
 * (mms_replay): an MA's CMs, a CM's MAs. */
#define MMS_RP_SOURCES		MMS_MAX_ROUTES

#include "mms_seq.h"

#endif /* MMS_KERN_USER_H */
