// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Datapath loader (loader.h).
 *
 * Two objects: mms_xdp (NIC ingress + the mm0 pass program) and mms_tc (mm0
 * to the links, at mm0p's ingress). Their shared maps carry LIBBPF_PIN_BY_NAME (bpf/mms_maps.h):
 * with the pin root given at open time, the first object loaded creates and
 * pins them, the second and every later agent re-adopt the pins, so
 * forwarding state survives a restart. Without pinning (tests, bench) the
 * second object is pointed at the first one's map fds instead.
 *
 * A program is recognised as this node's by the maps it uses: the one whose
 * map ids include the pinned mms_stats is ours, whatever its name, so
 * teardown never touches another node's or another tool's programs.
 *
 * The programs are pinned too, with a stamp (a one-entry map holding the
 * SHA-256 of both objects as built into this binary and the load-time
 * settings): a later start of the same build adopts pins and programs as
 * they are. No verification (most of the start-up CPU), and attaching the
 * program already attached changes nothing, so neighbours see no flap and
 * no RCU grace period is waited for under the RTNL. Another build or other
 * settings load anew and replace the programs in place.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <linux/sockios.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "crypto.h"
#include "loader.h"
#include "loadslot.h"
#include "log.h"
#include "mm0route.h"
#include "ratelimit.h"
#include "rtnl.h"
#include "mms_xdp.skel.h"
#include "mms_tc.skel.h"

#define MM0		MMS_MM0_NAME
#define MM0_PEER	MMS_MM0_PEER_NAME
#define TC_HANDLE	1
#define TC_PRIO		1

static const char *const map_names[MMS_MAP_MAX] = {
	[MMS_MAP_KEYS] = "mms_keys",	 [MMS_MAP_NBRS] = "mms_nbrs",
	[MMS_MAP_TX] = "mms_tx",	 [MMS_MAP_ROUTES] = "mms_routes",
	[MMS_MAP_CFG] = "mms_cfg",	 [MMS_MAP_STATS] = "mms_stats",
	[MMS_MAP_EVENTS] = "mms_events", [MMS_MAP_RL_NBR] = "mms_rl_nbr",
	[MMS_MAP_RL_LINK] = "mms_rl_link", [MMS_MAP_RL_NODE] = "mms_rl_node",
	[MMS_MAP_DATA_OFF] = "mms_data_off",
	[MMS_MAP_SEQ] = "mms_seq",	 [MMS_MAP_REPLAY] = "mms_replay",
	[MMS_MAP_HELLO_TPL] = "mms_hello_tpl", [MMS_MAP_HELLO_SEEN] = "mms_hello_seen",
};

static const char *const prog_pins[MMS_PROG_MAX] = {
	[MMS_PROG_XDP] = "prog_mms_xdp", [MMS_PROG_TC] = "prog_mms_tc",
	[MMS_PROG_DATA_OFF] = "prog_mms_data_off",
};
/* Pins older builds made and this one does not: removed by teardown. */
static const char *const stale_pins[] = { "prog_mms_xdp_mm0" };
#define STAMP_PIN	"mms_build"
#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

struct mms_dp {
	struct mms_xdp *xdp;		/* NULL when adopted */
	struct mms_tc *tc;
	int map_fd[MMS_MAP_MAX];	/* the skeletons', or our own when adopted */
	int prog_fd[MMS_PROG_MAX];
	bool adopted;
	struct mms_dp_opts o;
	char root[PATH_MAX];
};

const char *mms_dp_map_name(enum mms_map m)
{
	return (unsigned int)m < MMS_MAP_MAX ? map_names[m] : "?";
}

int mms_dp_map_fd(struct mms_dp *dp, enum mms_map m)
{
	return (unsigned int)m < MMS_MAP_MAX ? dp->map_fd[m] : -EINVAL;
}

int mms_dp_prog_fd(struct mms_dp *dp, enum mms_prog p)
{
	return (unsigned int)p < MMS_PROG_MAX ? dp->prog_fd[p] : -EINVAL;
}

/* ---- pin root ---- */

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; ; p++) {
		if (*p == '/' || *p == 0) {
			char c = *p;

			*p = 0;
			if (mkdir(buf, 0700) && errno != EEXIST)
				return -errno;
			*p = c;
			if (!c)
				return 0;
		}
	}
}

static int pin_root_prepare(const char *root)
{
	struct statfs st;
	int err = mkdir_p(root);

	if (err) {
		pr_err("pin root %s: %s", root, strerror(-err));
		return err;
	}
	if (statfs(root, &st) || st.f_type != BPF_FS_MAGIC) {
		pr_err("pin root %s is not on a BPF filesystem (mount -t bpf bpf /sys/fs/bpf)", root);
		return -ENOTSUP;
	}
	return 0;
}

/* root/name into path; false if it does not fit. */
static bool pin_path(char path[PATH_MAX], const char *root, const char *name)
{
	int n = snprintf(path, PATH_MAX, "%s/%s", root, name);

	return n > 0 && n < PATH_MAX;
}

static bool pinned(const struct mms_dp *dp, const char *name)
{
	char path[PATH_MAX];

	return pin_path(path, dp->root, name) && access(path, F_OK) == 0;
}

/* ---- loading ---- */

static void unpin_all(struct bpf_object *obj)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj)
		bpf_map__set_pin_path(m, NULL);
}

/* No pinning: give `obj` the fds of the maps `from` already made. */
static int share_maps(struct bpf_object *obj, struct bpf_object *from)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj) {
		int fd, err;

		if (!bpf_map__pin_path(m))
			continue;	/* private to the object */
		fd = bpf_object__find_map_fd_by_name(from, bpf_map__name(m));
		if (fd < 0)
			return fd;
		err = bpf_map__reuse_fd(m, fd);
		if (err)
			return err;
		bpf_map__set_pin_path(m, NULL);
	}
	return 0;
}

/*
 * libbpf 1.1 cannot re-adopt a pinned devmap: the kernel adds
 * BPF_F_RDONLY_PROG to its flags, which no definition may carry, and the
 * compatibility check compares flags. mms_tx is therefore pinned and adopted
 * here. Before load: adopt the pin if there is one; returns 1 if the map
 * must be pinned after load, 0, or -errno.
 */
static int devmap_adopt(struct mms_dp *dp, struct bpf_object *obj)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, map_names[MMS_MAP_TX]);
	char path[PATH_MAX];
	int fd, err;

	if (!m || !bpf_map__pin_path(m))
		return 0;
	bpf_map__set_pin_path(m, NULL);
	if (!pin_path(path, dp->root, map_names[MMS_MAP_TX]))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 1;
	err = bpf_map__reuse_fd(m, fd);
	close(fd);
	return err;
}

static int devmap_pin(struct mms_dp *dp, struct bpf_object *obj)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, map_names[MMS_MAP_TX]);
	char path[PATH_MAX];

	if (!pin_path(path, dp->root, map_names[MMS_MAP_TX]))
		return -ENAMETOOLONG;
	return bpf_map__pin(m, path);
}

static int load_xdp(struct mms_dp *dp)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = dp->root);
	int err, pin_tx, slot;

	dp->xdp = mms_xdp__open_opts(&oo);
	if (!dp->xdp) {
		err = -errno;
		pr_err("open mms_xdp: %s", strerror(-err));
		return err;
	}
	dp->xdp->rodata->mms_hop_cache_on = !dp->o.no_hop_cache;
	if (dp->o.no_pin)
		unpin_all(dp->xdp->obj);
	pin_tx = devmap_adopt(dp, dp->xdp->obj);
	if (pin_tx < 0) {
		pr_err("adopt %s/%s: %s", dp->root, map_names[MMS_MAP_TX], strerror(-pin_tx));
		return pin_tx;
	}
	slot = mms_load_slot_take(MMS_LOAD_SLOT_DIR, 0, MMS_LOAD_SLOT_WAIT_MS);
	err = mms_xdp__load(dp->xdp);
	mms_load_slot_give(slot);
	if (err) {
		pr_err("load mms_xdp: %s%s", strerror(-err),
		       dp->o.no_pin ? "" : " (incompatible pins? mms teardown)");
		return err;
	}
	if (pin_tx && (err = devmap_pin(dp, dp->xdp->obj)))
		pr_err("pin %s: %s", map_names[MMS_MAP_TX], strerror(-err));
	return err;
}

static int load_tc(struct mms_dp *dp)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = dp->root);
	int err, slot;

	dp->tc = mms_tc__open_opts(&oo);
	if (!dp->tc) {
		err = -errno;
		pr_err("open mms_tc: %s", strerror(-err));
		return err;
	}
	if (dp->o.no_pin)
		err = share_maps(dp->tc->obj, dp->xdp->obj);
	else	/* pinned by load_xdp() just before */
		err = devmap_adopt(dp, dp->tc->obj) > 0 ? -ENOENT : 0;
	if (err) {
		pr_err("share maps with mms_tc: %s", strerror(-err));
		return err;
	}
	slot = mms_load_slot_take(MMS_LOAD_SLOT_DIR, 0, MMS_LOAD_SLOT_WAIT_MS);
	err = mms_tc__load(dp->tc);
	mms_load_slot_give(slot);
	if (err)
		pr_err("load mms_tc: %s", strerror(-err));
	return err;
}

/* ---- the settings record ---- */

/* mms_cfg has two writers, the agent and mmsctl, and each rewrites the
 * whole record to change a field of it. Every read-modify-write holds an
 * exclusive flock on the pin root, so that neither puts back a field the
 * other has just changed (a data-off count or a budget lost while an agent
 * starts). Holders keep it for two system calls; the wait is bounded all the
 * same, and a writer that cannot get it goes on unlocked rather than stall. */
#define CFG_LOCK_WAIT_MS 2000

static int cfg_lock(struct mms_dp *dp)
{
	int fd;

	if (dp->o.no_pin)
		return -1;	/* private maps: nobody else writes them */
	fd = open(dp->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (int ms = 0; fd >= 0 && flock(fd, LOCK_EX | LOCK_NB); ms++) {
		if ((errno != EWOULDBLOCK && errno != EINTR) || ms >= CFG_LOCK_WAIT_MS) {
			pr_warn("%s: settings lock: %s; writing mms_cfg unlocked", dp->root,
				errno == EWOULDBLOCK ? "held too long" : strerror(errno));
			close(fd);
			return -1;
		}
		usleep(1000);
	}
	return fd;
}

int mms_dp_cfg_edit(struct mms_dp *dp, int (*edit)(struct mms_cfg *c, void *arg), void *arg)
{
	int lock = cfg_lock(dp), fd = mms_dp_map_fd(dp, MMS_MAP_CFG), err;
	struct mms_cfg c;
	__u32 k = 0;

	err = bpf_map_lookup_elem(fd, &k, &c);
	if (!err)
		err = edit(&c, arg);
	if (err > 0)	/* nothing to change */
		err = 0;
	else if (!err)
		err = bpf_map_update_elem(fd, &k, &c, BPF_ANY);
	if (lock >= 0)
		close(lock);	/* drops the flock */
	return err;
}

static int cfg_write(struct mms_dp *dp, const struct mms_cfg *c)
{
	__u32 k = 0;

	return bpf_map_update_elem(mms_dp_map_fd(dp, MMS_MAP_CFG), &k, c, BPF_ANY);
}

static __u64 ts_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static int edit_producer(struct mms_cfg *c, void *arg)
{
	c->producer = *(const __u16 *)arg;
	return 0;
}

int mms_dp_set_producer(struct mms_dp *dp, __u16 producer)
{
	return mms_dp_cfg_edit(dp, edit_producer, &producer);
}

static int edit_clock(struct mms_cfg *c, void *arg)
{
	(void)arg;
	c->unix_minus_boot_ns = ts_ns(CLOCK_REALTIME) - ts_ns(CLOCK_BOOTTIME);
	return 0;
}

int mms_dp_sync_clock(struct mms_dp *dp)
{
	return mms_dp_cfg_edit(dp, edit_clock, NULL);
}

/* ---- adopting what a start of the same build pinned ---- */

/* SHA-256 of both objects and the load-time settings. */
static int build_stamp(const struct mms_dp *dp, __u8 out[MMS_SHA256_LEN])
{
	__u8 opt = dp->o.no_hop_cache;
	struct mms_iov v[3];
	size_t a = 0, b = 0;

	v[0].p = mms_xdp__elf_bytes(&a);
	v[0].n = a;
	v[1].p = mms_tc__elf_bytes(&b);
	v[1].n = b;
	v[2] = (struct mms_iov){ &opt, 1 };
	return mms_sha256(v, 3, out);
}

static int pinned_fd(const struct mms_dp *dp, const char *name)
{
	char path[PATH_MAX];

	return pin_path(path, dp->root, name) ? bpf_obj_get(path) : -ENAMETOOLONG;
}

static void close_fds(int *fd, int n)
{
	for (int i = 0; i < n; i++) {
		if (fd[i] >= 0)
			close(fd[i]);
		fd[i] = -1;
	}
}

/* Every pinned program and map when ok (else none); the fds are then ours. */
static int adopt_pins(struct mms_dp *dp, bool ok)
{
	for (int p = 0; ok && p < MMS_PROG_MAX; p++)
		ok = (dp->prog_fd[p] = pinned_fd(dp, prog_pins[p])) >= 0;
	for (int m = 0; ok && m < MMS_MAP_MAX; m++)
		ok = (dp->map_fd[m] = pinned_fd(dp, map_names[m])) >= 0;
	if (!ok) {
		close_fds(dp->prog_fd, MMS_PROG_MAX);
		close_fds(dp->map_fd, MMS_MAP_MAX);
		return -ENOENT;
	}
	dp->adopted = true;
	return 0;
}

/* 0 when every pin is there and the stamp is ours; the fds are then ours. */
static int adopt(struct mms_dp *dp)
{
	__u8 want[MMS_SHA256_LEN], have[MMS_SHA256_LEN];
	int fd = pinned_fd(dp, STAMP_PIN), ok;
	__u32 k = 0;

	ok = fd >= 0 && !build_stamp(dp, want) && !bpf_map_lookup_elem(fd, &k, have) &&
	     !memcmp(want, have, sizeof(want));
	if (fd >= 0)
		close(fd);
	return adopt_pins(dp, ok);
}

/* After a load: pin the programs, then the stamp that vouches for them
 * (removed first, so a stamp never names programs it does not match).
 * Failing is not fatal: the next start loads again. */
static void pin_progs(struct mms_dp *dp)
{
	__u8 stamp[MMS_SHA256_LEN];
	char path[PATH_MAX];
	__u32 k = 0;
	int fd, err = 0;

	if (!pin_path(path, dp->root, STAMP_PIN) || (unlink(path) && errno != ENOENT))
		return;
	for (int p = 0; p < MMS_PROG_MAX && !err; p++) {
		if (!pin_path(path, dp->root, prog_pins[p])) {
			err = -ENAMETOOLONG;
			break;
		}
		unlink(path);
		err = bpf_obj_pin(dp->prog_fd[p], path);
	}
	fd = err ? -1 : bpf_map_create(BPF_MAP_TYPE_ARRAY, STAMP_PIN, sizeof(k), sizeof(stamp), 1,
				       NULL);
	if (fd >= 0 && !build_stamp(dp, stamp) && !bpf_map_update_elem(fd, &k, stamp, BPF_ANY) &&
	    pin_path(path, dp->root, STAMP_PIN)) {
		err = bpf_obj_pin(fd, path);
	} else {
		err = err ? err : -EIO;
	}
	if (fd >= 0)
		close(fd);
	if (err)
		pr_warn("pinning the programs under %s: %s (the next start loads them again)",
			dp->root, strerror(-err));
}

static void skeleton_fds(struct mms_dp *dp)
{
	for (int m = 0; m < MMS_MAP_MAX; m++)
		dp->map_fd[m] = bpf_object__find_map_fd_by_name(dp->xdp->obj, map_names[m]);
	dp->prog_fd[MMS_PROG_XDP] = bpf_program__fd(dp->xdp->progs.mms_xdp);
	dp->prog_fd[MMS_PROG_TC] = bpf_program__fd(dp->tc->progs.mms_tc);
	dp->prog_fd[MMS_PROG_DATA_OFF] = bpf_program__fd(dp->tc->progs.mms_data_off_tx);
}

static int xdp_attach_name(const char *ifname, int prog_fd, bool generic);

/* The NICs of the options (mms_dp_opts.nics), as soon as prog_fd exists. */
static int attach_nics(struct mms_dp *dp, int prog_fd)
{
	int err = 0;

	for (int i = 0; i < dp->o.n_nics && !err; i++)
		err = xdp_attach_name(dp->o.nics[i], prog_fd, dp->o.xdp_generic);
	return err;
}

static void *load_tc_thread(void *arg)
{
	struct mms_dp *dp = arg;

	return (void *)(long)load_tc(dp);
}

/*
 * The NICs get the XDP program while mms_tc verifies on a thread of its
 * own: the attachment mostly waits, for the RTNL and an RCU grace period
 * (docs/datapath.md, "Start-up cost"), and verification is CPU, so the one
 * overlaps the other. Without a thread, one after the other.
 */
static int attach_nics_loading_tc(struct mms_dp *dp)
{
	pthread_t t;
	void *tc_err = NULL;
	bool threaded = !pthread_create(&t, NULL, load_tc_thread, dp);
	int err = attach_nics(dp, bpf_program__fd(dp->xdp->progs.mms_xdp));

	if (threaded)
		pthread_join(t, &tc_err);
	else
		tc_err = (void *)(long)load_tc(dp);
	return err ? err : (int)(long)tc_err;
}

static struct mms_dp *dp_new(const struct mms_dp_opts *o)
{
	static const struct mms_dp_opts defaults;
	struct mms_dp *dp = calloc(1, sizeof(*dp));

	if (!dp)
		return NULL;
	for (int m = 0; m < MMS_MAP_MAX; m++)
		dp->map_fd[m] = -1;
	for (int p = 0; p < MMS_PROG_MAX; p++)
		dp->prog_fd[p] = -1;
	dp->o = o ? *o : defaults;
	snprintf(dp->root, sizeof(dp->root), "%s", dp->o.pin_root ? dp->o.pin_root : MMS_PIN_ROOT);
	dp->o.pin_root = dp->root;
	return dp;
}

int mms_dp_pinned(struct mms_dp **out, const char *pin_root)
{
	struct mms_dp_opts o = { .pin_root = pin_root };
	struct mms_dp *dp = dp_new(&o);
	int err;

	*out = NULL;
	if (!dp)
		return -ENOMEM;
	err = adopt_pins(dp, true);
	if (err) {
		free(dp);
		return err;
	}
	*out = dp;
	return 0;
}

int mms_dp_open(struct mms_dp **out, const struct mms_dp_opts *o)
{
	struct mms_dp *dp;
	bool fresh;
	int err;

	*out = NULL;
	dp = dp_new(o);
	if (!dp)
		return -ENOMEM;
	if (!dp->o.no_pin && (err = pin_root_prepare(dp->root)))
		goto fail;
	fresh = dp->o.no_pin || !pinned(dp, map_names[MMS_MAP_CFG]);
	if (fresh || adopt(dp)) {
		err = load_xdp(dp);
		if (!err)
			err = attach_nics_loading_tc(dp);
		if (err)
			goto fail;
		skeleton_fds(dp);
		if (!dp->o.no_pin)
			pin_progs(dp);
	}
	else if ((err = attach_nics(dp, dp->prog_fd[MMS_PROG_XDP])))
		goto fail;
	if (fresh) {	/* a new node keeps the inner DSCP until told otherwise */
		struct mms_cfg c = { .dscp = MMS_DSCP_KEEP };

		mms_rl_defaults(&c);	/* and the default control-frame budgets */

		err = cfg_write(dp, &c);
		if (err)
			goto fail;
	}
	err = mms_dp_sync_clock(dp);
	if (err)
		goto fail;
	pr_debug("datapath %s under %s", fresh ? "created" : dp->adopted ? "adopted, programs too" :
		 "re-adopted, programs loaded", dp->o.no_pin ? "(not pinned)" : dp->root);
	*out = dp;
	return 0;
fail:
	mms_dp_close(dp);
	return err;
}

void mms_dp_close(struct mms_dp *dp)
{
	if (!dp)
		return;
	if (dp->adopted) {
		close_fds(dp->prog_fd, MMS_PROG_MAX);
		close_fds(dp->map_fd, MMS_MAP_MAX);
	}
	mms_tc__destroy(dp->tc);
	mms_xdp__destroy(dp->xdp);
	free(dp);
}

/* ---- ownership ---- */

static __u32 fd_map_id(int fd)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/* Does program prog_id use map map_id? */
static bool prog_uses_map(__u32 prog_id, __u32 map_id)
{
	struct bpf_prog_info info;
	__u32 ids[64], len = sizeof(info);
	bool found = false;
	int fd;

	if (!prog_id || !map_id)
		return false;
	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return false;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	info.map_ids = (__u64)(unsigned long)ids;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		for (__u32 i = 0; i < info.nr_map_ids && i < sizeof(ids) / sizeof(ids[0]); i++)
			found |= ids[i] == map_id;
	close(fd);
	return found;
}

/* ---- attaching ---- */

static int xdp_attach(int ifindex, const char *ifname, int prog_fd, bool generic)
{
	int err;

	/* A program is replaced in the mode it runs in, so that the swap is
	 * atomic. Native is tried first, without asking which mode is in use
	 * (libbpf's query is an RTM_GETLINK dump, one more wait for the RTNL
	 * per link at start-up): the kernel refuses it with EEXIST where a
	 * generic program runs, which is then replaced in generic mode. */
	if (!generic) {
		err = bpf_xdp_attach(ifindex, prog_fd, XDP_FLAGS_DRV_MODE, NULL);
		if (!err)
			return 0;
		if (err != -EEXIST)
			pr_info("%s: native XDP: %s; trying generic", ifname, strerror(-err));
	}
	err = bpf_xdp_attach(ifindex, prog_fd, XDP_FLAGS_SKB_MODE, NULL);
	if (err)
		pr_err("%s: attach XDP: %s", ifname, strerror(-err));
	return err;
}

/* Detach the XDP program of ifindex in whichever mode it runs if it uses
 * map_id; returns 1 if one was detached. */
static int xdp_detach_ours(int ifindex, __u32 map_id)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int n = 0;

	if (bpf_xdp_query(ifindex, 0, &q))
		return 0;
	if (prog_uses_map(q.drv_prog_id, map_id) &&
	    !bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL))
		n = 1;
	if (prog_uses_map(q.skb_prog_id, map_id) &&
	    !bpf_xdp_detach(ifindex, XDP_FLAGS_SKB_MODE, NULL))
		n = 1;
	return n;
}

static int xdp_attach_name(const char *ifname, int prog_fd, bool generic)
{
	int ifindex = (int)if_nametoindex(ifname);

	if (!ifindex) {
		pr_err("%s: no such interface", ifname);
		return -ENODEV;
	}
	return xdp_attach(ifindex, ifname, prog_fd, generic);
}

int mms_dp_attach_nic(struct mms_dp *dp, const char *ifname)
{
	return xdp_attach_name(ifname, mms_dp_prog_fd(dp, MMS_PROG_XDP), dp->o.xdp_generic);
}

int mms_dp_detach_nic(struct mms_dp *dp, const char *ifname)
{
	int ifindex = (int)if_nametoindex(ifname);

	if (!ifindex) {
		pr_err("%s: no such interface", ifname);
		return -ENODEV;
	}
	if (!xdp_detach_ours(ifindex, fd_map_id(mms_dp_map_fd(dp, MMS_MAP_STATS))))
		pr_info("%s: no MMS program of this node attached", ifname);
	return 0;
}

/*
 * The TC program runs at mm0p's ingress, not at mm0's egress: TCP hands
 * every packet down with CHECKSUM_PARTIAL, and the software checksum for a
 * device without offload is done in validate_xmit_skb(), after the egress
 * hook. Crossing the veth pair completes it; a redirect from mm0's egress
 * would carry a pending checksum into the next node's XDP, which drops it.
 */
/* The clsact qdisc of ifindex, made if missing. */
static int tc_hook_make(int ifindex, enum bpf_tc_attach_point at)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = at);
	char name[IF_NAMESIZE] = "?";
	int err = bpf_tc_hook_create(&hook);

	if (err && err != -EEXIST) {
		pr_err("%s: tc %s hook: %s", if_indextoname((unsigned)ifindex, name) ? name : "?",
		       at == BPF_TC_INGRESS ? "ingress" : "egress", strerror(-err));
		return err;
	}
	return 0;
}

static int tc_attach(int ifindex, enum bpf_tc_attach_point at, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = at);
	LIBBPF_OPTS(bpf_tc_opts, to, .handle = TC_HANDLE, .priority = TC_PRIO,
		    .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);
	char name[IF_NAMESIZE] = "?";
	int err = tc_hook_make(ifindex, at);

	if (err)
		return err;
	err = bpf_tc_attach(&hook, &to);
	if (err)
		pr_err("%s: tc %s attach: %s", if_indextoname((unsigned)ifindex, name) ? name : "?",
		       at == BPF_TC_INGRESS ? "ingress" : "egress", strerror(-err));
	return err;
}

static __u32 tc_prog_id(int ifindex, enum bpf_tc_attach_point at)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = at);
	LIBBPF_OPTS(bpf_tc_opts, to, .handle = TC_HANDLE, .priority = TC_PRIO);

	return bpf_tc_query(&hook, &to) ? 0 : to.prog_id;
}

/* Detach the TC egress filter of ifindex if it runs a program of the node
 * whose counters are map_id; returns 1 if it did, 0, or -errno. */
static int tc_egress_detach_ours(int ifindex, __u32 map_id)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, to, .handle = TC_HANDLE, .priority = TC_PRIO);
	int err;

	if (!prog_uses_map(tc_prog_id(ifindex, BPF_TC_EGRESS), map_id))
		return 0;
	err = bpf_tc_detach(&hook, &to);
	return err ? (err == -ENOENT ? 0 : err) : 1;
}

/* ---- mm0 ---- */

/*
 * Frames leave through the TC program and enter the next node through XDP,
 * where a checksum left to the NIC or a segmentation request would be lost:
 * the stack must hand mm0 finished, MTU-sized packets. With checksum offload
 * and TSO off, validate_xmit_skb() completes both before a packet crosses
 * the pair to the TC program (tc_attach); TCP builds GSO packets whatever
 * the device says, so mm0 also gets gso_max_segs 1, which makes every TCP
 * packet a single segment from the start.
 *
 * GRO on is for the other direction: a veth takes frames an XDP program
 * redirects into its pair (DELIVER_MM0 sends them into mm0p) only when its
 * NAPI runs, which GRO turns on as an XDP program of its own would (Linux
 * 5.13+). The pair advertises itself as a redirect target (NDO_XMIT, which
 * devmaps check since 6.3) only when GRO changes on an up device, so it is
 * turned on after mm0 is up. A second XDP program would cost a start-up
 * more: attaching a program not attached anywhere yet rebuilds the kernel's
 * XDP dispatcher and waits for an RCU grace period with the RTNL held
 * (docs/datapath.md, "Start-up cost").
 */
static int ethtool_set(int sock, const char *ifname, __u32 cmd, __u32 on)
{
	struct ethtool_value ev = { .cmd = cmd, .data = on };
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&ev;
	if (ioctl(sock, SIOCETHTOOL, &ifr) < 0) {
		pr_err("%s: turn %s offload %u: %s", ifname, on ? "on" : "off", cmd,
		       strerror(errno));
		return -errno;
	}
	return 0;
}

static int mm0_offloads_off(int sock, const char *ifname)
{
	static const __u32 cmds[] = { ETHTOOL_STXCSUM, ETHTOOL_STSO, ETHTOOL_SGSO };
	int err = 0;

	for (size_t i = 0; i < ARRAY_LEN(cmds) && !err; i++)
		err = ethtool_set(sock, ifname, cmds[i], 0);
	return err;
}

static int link_mac(int sock, const char *ifname, __u8 mac[6])
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(sock, SIOCGIFHWADDR, &ifr) < 0)
		return -errno;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

/*
 * The pair, made in one request when it is not there: mm0 up, with its
 * flags, MTU and GSO limit, mm0p with its MTU and down, where three
 * requests took one wait for the RTNL each (other nodes' XDP attachments
 * hold it through RCU grace periods when many start on one kernel). Returns
 * 1 when it made the pair, 0 when it was there, or -errno.
 */
static int mm0_links(int nl, int *ifi, int *peer)
{
	int made = 0, err;

	*ifi = (int)if_nametoindex(MM0);
	if (!*ifi) {
		err = rtnl_veth_create(nl, MM0, MM0_PEER, IFF_NOARP | IFF_UP, MMS_MM0_MTU, 1);
		if (err && err != -EEXIST) {
			pr_err("create %s/%s: %s", MM0, MM0_PEER, strerror(-err));
			return err;
		}
		made = !err;
		*ifi = (int)if_nametoindex(MM0);
	} else {
		/* Builds before GRO (mm0_offloads_off) ran a pass program on mm0;
		 * nothing runs there now. Without one, this changes nothing. */
		bpf_xdp_detach(*ifi, XDP_FLAGS_DRV_MODE, NULL);
	}
	*peer = (int)if_nametoindex(MM0_PEER);
	if (!*ifi || !*peer) {
		pr_err("%s exists without its peer %s", MM0, MM0_PEER);
		return -ENODEV;
	}
	return made;
}

int mms_dp_mm0_link(const char *addr_cidr)
{
	int nl = -1, sock = -1, ifi = 0, peer = 0, err;
	struct mm0_cidr a;

	if (mm0_cidr_parse(addr_cidr, &a)) {
		pr_err("mm0 address: expected ADDR[/PREFIX], got '%s'", addr_cidr ? addr_cidr : "");
		return -EINVAL;
	}
	nl = rtnl_open();
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (nl < 0 || sock < 0) {
		err = nl < 0 ? nl : -errno;
		pr_err("netlink/ioctl socket: %s", strerror(-err));
		goto out;
	}
	err = mm0_links(nl, &ifi, &peer);
	if (err < 0)
		goto out;
	if (err) {
		/* mm0p's clsact hook (mms_dp_mm0_attach) while it is down:
		 * added to a device that is up, a qdisc deactivates it and
		 * waits for an RCU grace period under the RTNL. */
		err = tc_hook_make(peer, BPF_TC_INGRESS);
		if (!err)
			err = rtnl_link_set(nl, peer, IFF_UP, IFF_UP, 0, 0);
	} else {
		err = rtnl_link_set(nl, ifi, IFF_NOARP | IFF_UP, IFF_NOARP | IFF_UP, MMS_MM0_MTU, 1);
		if (!err)
			err = rtnl_link_set(nl, peer, IFF_UP, IFF_UP, MMS_MM0_MTU, 0);
	}
	if (err) {
		pr_err("configure %s: %s", MM0, strerror(-err));
		goto out;
	}
	err = mm0_offloads_off(sock, MM0);
	if (!err)
		err = ethtool_set(sock, MM0, ETHTOOL_SGRO, 1);	/* up: see mm0_offloads_off */
	if (err)
		goto out;
	/* the address, and the prefix routed from our own table */
	err = mm0route_apply(nl, ifi, peer, &a);
	if (err < 0)
		pr_err("%s address %s and its route: %s%s", MM0, addr_cidr, strerror(-err),
		       a.family == AF_INET6 ? " (mm0's MTU is below IPv6's minimum)" : "");
	err = err < 0 ? err : 0;
out:
	if (sock >= 0)
		close(sock);
	if (nl >= 0)
		close(nl);
	return err;
}

struct mm0_settings {
	int ifi, peer;
	__u8 prio, pcp, dscp;
};

static int edit_mm0(struct mms_cfg *c, void *arg)
{
	const struct mm0_settings *m = arg;
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int err = sock < 0 ? -errno : link_mac(sock, MM0, c->mm0_mac);

	if (sock >= 0)
		close(sock);
	if (err) {
		pr_err("read %s settings: %s", MM0, strerror(-err));
		return err;
	}
	c->mm0_ifindex = (__u32)m->ifi;
	c->mm0_peer_ifindex = (__u32)m->peer;
	c->prio = m->prio;
	c->pcp = m->pcp;
	c->dscp = m->dscp;
	return 0;
}

int mms_dp_mm0_attach(struct mms_dp *dp, __u8 prio, __u8 pcp, __u8 dscp)
{
	struct mm0_settings m = { (int)if_nametoindex(MM0), (int)if_nametoindex(MM0_PEER),
				  prio, pcp, dscp };
	__u32 k = 0;
	int err;

	if (!m.ifi || !m.peer) {
		pr_err("%s/%s: not there (mms_dp_mm0_link first)", MM0, MM0_PEER);
		return -ENODEV;
	}
	err = mms_dp_cfg_edit(dp, edit_mm0, &m);
	if (!err)
		err = bpf_map_update_elem(mms_dp_map_fd(dp, MMS_MAP_TX), &k, &m.peer, BPF_ANY);
	if (err) {
		pr_err("write mms_cfg / mms_tx[0]: %s", strerror(-err));
		return err;
	}
	return tc_attach(m.peer, BPF_TC_INGRESS, mms_dp_prog_fd(dp, MMS_PROG_TC));
}

int mms_dp_setup_mm0(struct mms_dp *dp, const char *addr_cidr, __u8 prio, __u8 pcp, __u8 dscp)
{
	int err = mms_dp_mm0_link(addr_cidr);

	return err ? err : mms_dp_mm0_attach(dp, prio, pcp, dscp);
}

/* ---- neighbour slots ---- */

int mms_dp_set_port(struct mms_dp *dp, __u16 port, const struct mms_nbr *n)
{
	int tx = mms_dp_map_fd(dp, MMS_MAP_TX), nbrs = mms_dp_map_fd(dp, MMS_MAP_NBRS), err;
	static const struct mms_nbr none;
	__u32 k = port;

	if (port == MMS_PORT_NONE || port >= MMS_MAX_PORTS)
		return -EINVAL;
	/* The devmap slot exists whenever the neighbour reads as up. */
	if (n && n->ifindex) {
		err = bpf_map_update_elem(tx, &k, &n->ifindex, BPF_ANY);
		if (err)
			return err;
		return bpf_map_update_elem(nbrs, &k, n, BPF_ANY);
	}
	err = bpf_map_update_elem(nbrs, &k, n ? n : &none, BPF_ANY);
	if (err)
		return err;
	err = bpf_map_delete_elem(tx, &k);
	return err == -ENOENT ? 0 : err;
}

/* ---- data service off (docs/datapath.md, "Data off") ---- */

/* mms_cfg.data_off = the entries of mms_data_off, the count mms_xdp reads
 * before it looks an interface up; an agent start, the other writer, ends
 * with mms_dp_data_off_sync(), which recounts. */
static int edit_data_off(struct mms_cfg *c, void *arg)
{
	__u32 n = *(const __u32 *)arg;

	if (c->data_off == n)
		return 1;	/* unchanged: no write */
	c->data_off = n;
	return 0;
}

static int data_off_recount(struct mms_dp *dp)
{
	__u32 ifx[MMS_DATA_OFF_MAX];
	int n = mms_dp_data_off_list(dp, ifx, MMS_DATA_OFF_MAX);
	__u32 count = (__u32)n;

	return n < 0 ? n : mms_dp_cfg_edit(dp, edit_data_off, &count);
}

int mms_dp_data_off_list(struct mms_dp *dp, __u32 *out, int max)
{
	int fd = mms_dp_map_fd(dp, MMS_MAP_DATA_OFF), n = 0, err;
	__u32 k, prev;

	while (n < max && !(err = bpf_map_get_next_key(fd, n ? &prev : NULL, &k))) {
		out[n++] = k;
		prev = k;
	}
	return n < max && err != -ENOENT ? err : n;
}

/* The egress program on ifindex, unless the slot runs another tool's. */
static int data_off_attach(struct mms_dp *dp, int ifindex)
{
	__u32 id = tc_prog_id(ifindex, BPF_TC_EGRESS);

	if (id && !prog_uses_map(id, fd_map_id(mms_dp_map_fd(dp, MMS_MAP_STATS)))) {
		pr_err("ifindex %d: another program holds TC egress handle %d prio %d", ifindex,
		       TC_HANDLE, TC_PRIO);
		return -EBUSY;
	}
	return tc_attach(ifindex, BPF_TC_EGRESS, mms_dp_prog_fd(dp, MMS_PROG_DATA_OFF));
}

int mms_dp_nic_attached(struct mms_dp *dp, int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	__u32 id = fd_map_id(mms_dp_map_fd(dp, MMS_MAP_STATS));

	if (bpf_xdp_query(ifindex, 0, &q))
		return 0;
	return prog_uses_map(q.drv_prog_id, id) || prog_uses_map(q.skb_prog_id, id);
}

int mms_dp_data_off(struct mms_dp *dp, int ifindex, bool off)
{
	int fd = mms_dp_map_fd(dp, MMS_MAP_DATA_OFF), err;
	__u32 k = (__u32)ifindex, one = 1;

	if (ifindex <= 0)
		return -EINVAL;
	/* Only where MMS runs: elsewhere (mm0 above all, which carries the
	 * management traffic itself) nothing would be left but a cut. */
	if (off && !mms_dp_nic_attached(dp, ifindex))
		return -ENOTSUP;
	if (!off) {
		err = tc_egress_detach_ours(ifindex, fd_map_id(mms_dp_map_fd(dp, MMS_MAP_STATS)));
		if (err < 0)
			return err;
		err = bpf_map_delete_elem(fd, &k);
		if (err && err != -ENOENT)
			return err;
		return data_off_recount(dp);
	}
	err = bpf_map_update_elem(fd, &k, &one, BPF_ANY);
	if (err)
		return err;
	err = data_off_recount(dp);
	if (!err)
		err = data_off_attach(dp, ifindex);
	if (err) {	/* all or nothing */
		bpf_map_delete_elem(fd, &k);
		data_off_recount(dp);
	}
	return err;
}

int mms_dp_data_off_sync(struct mms_dp *dp)
{
	__u32 ifx[MMS_DATA_OFF_MAX];
	int n = mms_dp_data_off_list(dp, ifx, MMS_DATA_OFF_MAX), err = 0;
	char name[IF_NAMESIZE];

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		int e;

		if (!if_indextoname(ifx[i], name)) {
			pr_info("data off: interface %u is gone, and its setting with it", ifx[i]);
			bpf_map_delete_elem(mms_dp_map_fd(dp, MMS_MAP_DATA_OFF), &ifx[i]);
			continue;
		}
		e = data_off_attach(dp, (int)ifx[i]);
		if (e)
			err = err ? err : e;
		else
			pr_info("%s: data service off (MMS only)", name);
	}
	n = data_off_recount(dp);
	return err ? err : n;
}

/* ---- counters ---- */

int mms_dp_read_stats(int stats_fd, struct mms_counter *out)
{
	int ncpu = libbpf_num_possible_cpus(), err = 0;
	struct mms_counter *v;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	memset(out, 0, MMS_S_MAX * sizeof(*out));
	for (__u32 s = 0; s < MMS_S_MAX && !err; s++) {
		err = bpf_map_lookup_elem(stats_fd, &s, v);
		for (int c = 0; c < ncpu && !err; c++) {
			out[s].packets += v[c].packets;
			out[s].bytes += v[c].bytes;
		}
	}
	free(v);
	return err;
}

/* ---- teardown ---- */

int mms_dp_teardown(const char *pin_root)
{
	const char *root = pin_root ? pin_root : MMS_PIN_ROOT;
	struct if_nameindex *ifs, *i;
	char path[PATH_MAX];
	int fd, mm0, detached = 0, err = 0;
	__u32 stats_id;

	if (!pin_path(path, root, map_names[MMS_MAP_STATS]))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0) {
		pr_info("teardown: no datapath pinned under %s", root);
		stats_id = 0;
	} else {
		stats_id = fd_map_id(fd);
		close(fd);
	}
	if (stats_id) {
		ifs = if_nameindex();
		for (i = ifs; i && i->if_index; i++) {
			detached += xdp_detach_ours((int)i->if_index, stats_id);
			/* data off (mms_dp_data_off) */
			tc_egress_detach_ours((int)i->if_index, stats_id);
		}
		if (ifs)
			if_freenameindex(ifs);
		mm0 = (int)if_nametoindex(MM0);
		if (mm0 && prog_uses_map(tc_prog_id((int)if_nametoindex(MM0_PEER), BPF_TC_INGRESS),
					 stats_id)) {
			int nl = rtnl_open();

			err = nl < 0 ? nl : rtnl_link_del(nl, mm0);
			if (nl >= 0) {
				mm0route_remove(nl);	/* the route went with mm0 */
				close(nl);
			}
			if (err)
				pr_err("delete %s: %s", MM0, strerror(-err));
		}
		pr_debug("teardown: XDP detached from %d interfaces", detached);
	}
	for (int m = 0; m < MMS_MAP_MAX + MMS_PROG_MAX + 1 + (int)ARRAY_LEN(stale_pins); m++) {
		const char *name = m < MMS_MAP_MAX ? map_names[m] :
				   m < MMS_MAP_MAX + MMS_PROG_MAX ? prog_pins[m - MMS_MAP_MAX] :
				   m == MMS_MAP_MAX + MMS_PROG_MAX ? STAMP_PIN :
				   stale_pins[m - MMS_MAP_MAX - MMS_PROG_MAX - 1];

		if (!pin_path(path, root, name))
			continue;
		if (unlink(path) && errno != ENOENT) {
			pr_err("unpin %s: %s", path, strerror(errno));
			err = -errno;
		}
	}
	if (rmdir(root) && errno != ENOENT) {
		pr_err("remove %s: %s", root, strerror(errno));
		err = err ? err : -errno;
	}
	return err;
}
