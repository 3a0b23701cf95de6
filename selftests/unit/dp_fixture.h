/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Fixture for the datapath tests and the bench: loads the real programs
 * through the loader without pinning or attaching anything, seeds their maps
 * and keeps a mirror of them as a struct mms_node_view, so a frame can be
 * run through the BPF program (BPF_PROG_TEST_RUN) and through the reference
 * model mms_process() against the same state.
 *
 * The process first moves to a network namespace of its own: the programs
 * see its loopback (ifindex 1) as the only device, and changing its MTU
 * touches nothing outside the test.
 *
 * The wall clock the programs see is pinned to now_s + now_ns (FIX_NOW +
 * 0.5 s unless a test moves it; refreshed before every run), so expiry
 * checks at second boundaries are exact and rate-limit refills happen when a
 * test says. The programs sample the clock once per jiffy, so what they see
 * may lag the pinned time by up to one jiffy (4 ms at HZ=250).
 *
 * The control-frame budgets (mms_cfg.rl) are off: f->cfg starts zeroed, so
 * the model, which has no limiter, and the program agree on every frame.
 * test_xdp_rl.c turns them on.
 */
#ifndef MMS_DP_FIXTURE_H
#define MMS_DP_FIXTURE_H

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "codec.h"
#include "loader.h"
#include "log.h"

#define FIX_NOW		1900000000u	/* 2030-03-17 */
#define FIX_LO		1		/* loopback: the only device there is */
#define FIX_NO_DEV	999		/* an ifindex no frame arrives on */
#define FIX_ROUTES	8		/* route sets a test installs */
#define FIX_HELLOS	8		/* hello templates a test installs */

struct fix {
	struct mms_dp *dp;
	int prog[MMS_PROG_MAX];
	int map[MMS_MAP_MAX];
	struct mms_key keys[MMS_EPOCH_SLOTS];
	struct mms_nbr nbrs[MMS_MAX_PORTS];
	struct mms_cfg cfg;
	__u32 now_s;
	__u32 now_ns;		/* below the second */
	/* mirror of mms_routes (the model looks up the sources of DATA) */
	unsigned nroutes;
	struct mms_addr raddr[FIX_ROUTES];
	struct mms_route_set rset[FIX_ROUTES];
	/* mirror of mms_data_off: interfaces with data service off */
	unsigned ndata_off;
	__u32 data_off[4];
	/* the model's replay windows (mms_replay for the program) */
	struct mms_rp_table rp;
	/* mirror of mms_hello_tpl, and the model's mms_hello_seen; the
	 * program's, mapped (read-only) */
	unsigned nhello;
	struct mms_hello_key hkey[FIX_HELLOS];
	struct mms_hello_tpl htpl[FIX_HELLOS];
	__u64 hseen[MMS_HELLO_SLOTS];
	const volatile __u64 *seen;
};

/* Why the datapath tests cannot run here, or NULL. */
static inline const char *fix_skip_reason(void)
{
	int fd;

	if (geteuid() != 0)
		return "needs root (BPF_PROG_TEST_RUN, network namespace)";
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);
	if (fd < 0)
		return "no BPF in this kernel";
	close(fd);
	return NULL;
}

static inline int fix_netns(void)
{
	return unshare(CLONE_NEWNET) ? -errno : 0;
}

/* Set the MTU of the loopback of our namespace. */
static inline int fix_lo_mtu(int mtu)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	ifr.ifr_mtu = mtu;
	rc = ioctl(fd, SIOCSIFMTU, &ifr) ? -errno : 0;
	close(fd);
	return rc;
}

static inline __u64 fix_clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

/* Make the datapath's wall clock read now_s + now_ns. */
static inline int fix_sync(struct fix *f)
{
	__u32 k = 0;

	f->cfg.unix_minus_boot_ns = (__u64)f->now_s * 1000000000ull + f->now_ns -
				    fix_clock_ns(CLOCK_BOOTTIME);
	return bpf_map_update_elem(f->map[MMS_MAP_CFG], &k, &f->cfg, BPF_ANY);
}

static inline int fix_open(struct fix *f, bool hop_cache)
{
	struct mms_dp_opts o = { .no_pin = true, .no_hop_cache = !hop_cache };
	int err;

	memset(f, 0, sizeof(*f));
	mms_log_set_level(MMS_LOG_WARN);
	mms_log_libbpf();
	err = mms_dp_open(&f->dp, &o);
	if (err)
		return err;
	for (int p = 0; p < MMS_PROG_MAX; p++)
		f->prog[p] = mms_dp_prog_fd(f->dp, (enum mms_prog)p);
	for (int m = 0; m < MMS_MAP_MAX; m++)
		f->map[m] = mms_dp_map_fd(f->dp, (enum mms_map)m);
	mms_rp_table_init(&f->rp, MMS_RP_SOURCES);
	f->seen = mms_dp_hello_map(f->dp);
	if (!f->seen)
		return -errno;
	f->now_s = FIX_NOW;
	f->now_ns = 500000000;
	f->cfg.dscp = MMS_DSCP_KEEP;
	return fix_sync(f);
}

static inline void fix_close(struct fix *f)
{
	mms_dp_hello_unmap(f->seen);
	f->seen = NULL;
	mms_dp_close(f->dp);
	f->dp = NULL;
	mms_rp_table_free(&f->rp);
}

static inline int fix_key(struct fix *f, const __u8 key[16], __u8 epoch)
{
	__u32 slot = epoch % MMS_EPOCH_SLOTS;

	mms_key_schedule(key, &f->keys[slot], epoch);
	return bpf_map_update_elem(f->map[MMS_MAP_KEYS], &slot, &f->keys[slot], BPF_ANY);
}

static inline int fix_key_clear(struct fix *f, __u8 slot)
{
	__u32 k = slot;

	memset(&f->keys[slot], 0, sizeof(f->keys[slot]));
	return bpf_map_update_elem(f->map[MMS_MAP_KEYS], &k, &f->keys[slot], BPF_ANY);
}

/* A neighbour that is up: on ifindex, with MAC mac, reached from our MAC smac. */
static inline struct mms_nbr fix_nbr_up(__u32 ifindex, const __u8 mac[6], const __u8 smac[6])
{
	struct mms_nbr n = { .ifindex = ifindex, .state = MMS_NBR_UP };

	memcpy(n.mac, mac, 6);
	memcpy(n.smac, smac, 6);
	return n;
}

/* Neighbour slot `port` through the loader (devmap slot included) when its
 * link exists here; a link that does not (FIX_NO_DEV) only gets mms_nbrs. */
static inline int fix_port(struct fix *f, __u16 port, const struct mms_nbr *n)
{
	static const struct mms_nbr none;
	__u32 k = port;

	f->nbrs[port] = n ? *n : none;
	if (n && n->ifindex != FIX_LO && n->ifindex != 0)
		return bpf_map_update_elem(f->map[MMS_MAP_NBRS], &k, n, BPF_ANY);
	return mms_dp_set_port(f->dp, port, n);
}

/* mms_routes[*a] = *set (NULL: delete), in the map and the mirror. */
static inline int fix_route(struct fix *f, const struct mms_addr *a,
			    const struct mms_route_set *set)
{
	unsigned i;

	for (i = 0; i < f->nroutes; i++)
		if (!memcmp(&f->raddr[i], a, sizeof(*a)))
			break;
	if (!set) {
		if (i < f->nroutes) {
			f->nroutes--;
			f->raddr[i] = f->raddr[f->nroutes];
			f->rset[i] = f->rset[f->nroutes];
		}
		return bpf_map_delete_elem(f->map[MMS_MAP_ROUTES], a) && errno != ENOENT ?
		       -errno : 0;
	}
	if (i == f->nroutes) {
		if (i == FIX_ROUTES)
			return -ENOSPC;
		f->nroutes++;
	}
	f->raddr[i] = *a;
	f->rset[i] = *set;
	return bpf_map_update_elem(f->map[MMS_MAP_ROUTES], a, set, BPF_ANY) ? -errno : 0;
}

/* mms_data_off[ifindex] set (off) or removed, in the map and the mirror.
 * mms_cfg.data_off, the count the programs read first, is the test's to set
 * (f->cfg, written by the next fix_run). */
static inline int fix_data_off(struct fix *f, __u32 ifindex, bool off)
{
	__u32 one = 1;
	unsigned i;

	for (i = 0; i < f->ndata_off && f->data_off[i] != ifindex; i++)
		;
	if (!off) {
		if (i < f->ndata_off)
			f->data_off[i] = f->data_off[--f->ndata_off];
		return bpf_map_delete_elem(f->map[MMS_MAP_DATA_OFF], &ifindex) && errno != ENOENT ?
		       -errno : 0;
	}
	if (i == f->ndata_off) {
		if (i == sizeof(f->data_off) / sizeof(f->data_off[0]))
			return -ENOSPC;
		f->data_off[f->ndata_off++] = ifindex;
	}
	return bpf_map_update_elem(f->map[MMS_MAP_DATA_OFF], &ifindex, &one, BPF_ANY) ? -errno : 0;
}

/* mms_hello_tpl[*k] = *t (NULL: delete), in the map and the mirror. */
static inline int fix_hello(struct fix *f, const struct mms_hello_key *k,
			    const struct mms_hello_tpl *t)
{
	unsigned i;

	for (i = 0; i < f->nhello; i++)
		if (!memcmp(&f->hkey[i], k, sizeof(*k)))
			break;
	if (!t) {
		if (i < f->nhello) {
			f->nhello--;
			f->hkey[i] = f->hkey[f->nhello];
			f->htpl[i] = f->htpl[f->nhello];
		}
	} else {
		if (i == f->nhello) {
			if (i == FIX_HELLOS)
				return -ENOSPC;
			f->nhello++;
		}
		f->hkey[i] = *k;
		f->htpl[i] = *t;
	}
	return mms_dp_hello_set(f->dp, k, t);
}

static inline const struct mms_hello_tpl *fix_hello_of(const void *ctx,
						       const struct mms_hello_key *k)
{
	const struct fix *f = ctx;

	for (unsigned i = 0; i < f->nhello; i++)
		if (!memcmp(&f->hkey[i], k, sizeof(*k)))
			return &f->htpl[i];
	return NULL;
}

static inline bool fix_is_data_off(const struct fix *f, __u32 ifindex)
{
	for (unsigned i = 0; i < f->ndata_off; i++)
		if (f->data_off[i] == ifindex)
			return true;
	return false;
}

static inline const struct mms_route_set *fix_route_of(const void *ctx, const struct mms_addr *a)
{
	const struct fix *f = ctx;

	for (unsigned i = 0; i < f->nroutes; i++)
		if (!memcmp(&f->raddr[i], a, sizeof(*a)))
			return &f->rset[i];
	return NULL;
}

static inline void fix_view(struct fix *f, struct mms_node_view *nv, __u32 ingress)
{
	nv->rp = &f->rp;
	nv->route = fix_route_of;
	nv->route_ctx = f;
	nv->keys = f->keys;
	nv->nbrs = f->nbrs;
	nv->cfg = &f->cfg;
	nv->now_s = f->now_s;
	nv->ingress_ifindex = ingress;
	nv->data_off = fix_is_data_off(f, ingress);
	nv->hello_tpl = fix_hello_of;
	nv->hello_ctx = f;
	nv->hello_seen = f->hseen;
	nv->now_ns = fix_clock_ns(CLOCK_MONOTONIC);
}

/* All counters at once. */
static inline int fix_stats(struct fix *f, struct mms_counter c[MMS_S_MAX])
{
	return mms_dp_read_stats(f->map[MMS_MAP_STATS], c);
}

/*
 * The one counter that moved between a and b, by `bytes` and one packet:
 * its index, -1 if none moved, -2 if more than one moved or the amounts are
 * not one frame of `bytes`.
 */
static inline int fix_moved(const struct mms_counter *a, const struct mms_counter *b, __u32 bytes)
{
	int moved = -1;

	for (int s = 0; s < MMS_S_MAX; s++) {
		if (a[s].packets == b[s].packets && a[s].bytes == b[s].bytes)
			continue;
		if (moved != -1 || b[s].packets != a[s].packets + 1 || b[s].bytes != a[s].bytes + bytes)
			return -2;
		moved = s;
	}
	return moved;
}

struct fix_run {
	__u32 retval;
	__u8 out[4096];
	__u32 out_len;
	int moved;		/* fix_moved() of the run */
	__u32 priority;		/* TC: skb->priority after the run */
};

/*
 * Run prog once on frame in[0..len) (XDP arriving on `ingress`, or TC) with
 * the maps as they are: the clock runs on from the last fix_sync().
 */
static inline int fix_exec(struct fix *f, enum mms_prog p, const void *in, __u32 len,
			   __u32 ingress, struct fix_run *r)
{
	struct mms_counter before[MMS_S_MAX], after[MMS_S_MAX];
	struct xdp_md xin = { .data_end = len, .ingress_ifindex = ingress };
	/* TC: mms_tc runs at mm0p's ingress; mms_data_off_tx at the egress of
	 * the device `ingress` names (skb->ifindex) */
	struct __sk_buff sin, sout;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = len,
		    .data_out = r->out, .data_size_out = sizeof(r->out), .repeat = 1);
	int err;

	memset(&sin, 0, sizeof(sin));
	memset(&sout, 0, sizeof(sout));
	if (p != MMS_PROG_XDP) {
		if (p == MMS_PROG_DATA_OFF)
			sin.ifindex = ingress;
		o.ctx_in = &sin;
		o.ctx_size_in = sizeof(sin);
		o.ctx_out = &sout;
		o.ctx_size_out = sizeof(sout);
	} else {
		o.ctx_in = &xin;
		o.ctx_size_in = sizeof(xin);
	}
	err = fix_stats(f, before);
	if (!err)
		err = bpf_prog_test_run_opts(f->prog[p], &o);
	if (!err)
		err = fix_stats(f, after);
	if (err)
		return err;
	r->retval = o.retval;
	r->out_len = o.data_size_out;
	r->moved = fix_moved(before, after, len);
	r->priority = sout.priority;
	return 0;
}

/* The same after writing f->cfg and pinning the clock to now_s + now_ns. */
static inline int fix_run(struct fix *f, enum mms_prog p, const void *in, __u32 len,
			  __u32 ingress, struct fix_run *r)
{
	int err = fix_sync(f);

	return err ? err : fix_exec(f, p, in, len, ingress, r);
}

/* XDP action the model's verdict stands for. */
static inline __u32 fix_xdp_act(enum mms_verdict v)
{
	switch (v) {
	case MMS_V_PASS:
	case MMS_V_LINK_AGENT:
	case MMS_V_DELIVER_AGENT:
		return XDP_PASS;
	case MMS_V_FORWARD:
	case MMS_V_DELIVER_MM0:
		return XDP_REDIRECT;
	default:
		return XDP_DROP;
	}
}

/* Seal one hop field from an arbitrary plaintext (tests of every check). */
static inline int fix_seal(const __u8 key[16], __u16 egress, __u16 ingress, __u8 ctl,
			   __u32 chain, __u32 expiry, const __u8 tag[4], struct mms_hop *out)
{
	struct mms_hop_plain p;

	memset(&p, 0, sizeof(p));
	p.egress = htons(egress);
	p.ingress = htons(ingress);
	p.ctl = ctl;
	p.chain[0] = (__u8)(chain >> 16);
	p.chain[1] = (__u8)(chain >> 8);
	p.chain[2] = (__u8)chain;
	p.expiry = htonl(expiry);
	memcpy(p.tag, tag, 4);
	return mms_hop_seal(key, &p, out);
}

#endif /* MMS_DP_FIXTURE_H */
