/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The maps of the datapath, defined once and included by every program that
 * forwards (mms_xdp, mms_tc). Each is pinned by name under the pin root the
 * loader gives at open time, so the XDP and TC objects share one set, and an
 * agent restart re-adopts them with all forwarding state (agent/loader.c).
 * Keys and values are the contract in include/mms_kern_user.h.
 */
#ifndef MMS_MAPS_H
#define MMS_MAPS_H

#include "mms_ctx.h"
#include "mms_kern_user.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MMS_EPOCH_SLOTS);
	__type(key, __u32);
	__type(value, struct mms_key);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mms_keys SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MMS_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct mms_nbr);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mms_nbrs SEC(".maps");

/* port -> egress ifindex for bpf_redirect_map(); slot 0 is the outer side of
 * the mm0 pair, so a frame redirected there is received by mm0. (Pinned by
 * the loader itself: libbpf 1.1 cannot re-adopt a pinned devmap.) */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, MMS_MAX_PORTS);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mms_tx SEC(".maps");

/* Not preallocated: a full table of route sets would be ~70 MB per node,
 * while a node holds routes to the handful of destinations it talks to. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MMS_MAX_ROUTES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct mms_addr);
	__type(value, struct mms_route_set);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mms_routes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mms_cfg);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mms_cfg SEC(".maps");

/* Per-CPU: each CPU owns its slot, so the fast path adds without atomics and
 * userspace sums the CPUs (mms_dp_read_stats). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MMS_S_MAX);
	__type(key, __u32);
	__type(value, struct mms_counter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mms_stats SEC(".maps");

/* Interfaces with data service off, by ifindex (the value is 1); looked up
 * only while mms_cfg.data_off, their count, is not 0. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MMS_DATA_OFF_MAX);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mms_data_off SEC(".maps");

/*
 * The counter behind the sequence numbers of the DATA this node tags
 * (include/mms_seq.h): one word that every CPU's mms_tc advances with an
 * atomic operation. Pinned, so an agent restart goes on from it; after a
 * reboot it starts again from the wall clock.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mms_seq SEC(".maps");

/*
 * Replay windows of the DATA delivered here, per key source and producer
 * (struct mms_rp_key). Not LRU: evicting a window would let the frames it
 * refused in again, so a full table refuses new producers instead
 * (DROP_REPLAY_FULL). Entries come only from frames whose tag verified, so
 * only holders of this node's keys make them. Not preallocated (a node
 * hears from a few producers, an MA from its CMs); pinned, so that an
 * agent restart keeps them.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MMS_RP_SOURCES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct mms_rp_key);
	__type(value, struct mms_rp_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mms_replay SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mms_events SEC(".maps");

#endif /* MMS_MAPS_H */
