// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The loader end to end, in a network namespace of the test's own and under
 * a pin root of its own (removed on every exit): pins are created and
 * re-adopted with their contents across a close, the same build adopts the
 * pinned programs (other settings load and replace them in place), XDP and
 * TC attachments outlive the handle, mm0 is built as documented (NOARP,
 * MTU, address, offloads, GRO, TC program, mms_cfg, mms_tx[0]), data service
 * off on a link (map, count, egress program, refusal elsewhere, sync), and
 * teardown removes exactly what was made.
 *
 *   t0 <-veth-> t1          the "NIC" the XDP program goes on
 *   mm0 <-veth-> mm0p       made by mms_dp_setup_mm0()
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <linux/if_link.h>

#include "tap.h"
#include "dp_fixture.h"
#include "ratelimit.h"
#include "rtnl.h"

static char root[128];

static void cleanup(void)
{
	if (root[0])
		mms_dp_teardown(root);
}

static void on_signal(int sig)
{
	(void)sig;
	exit(2);	/* runs cleanup() */
}

/* Calls that are meant to fail log why; keep that out of the test output. */
static int saved_stderr = -1;

static void quiet(bool on)
{
	int null;

	if (on) {
		fflush(stderr);
		saved_stderr = dup(2);
		null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, 2);
			close(null);
		}
	} else if (saved_stderr >= 0) {
		fflush(stderr);
		dup2(saved_stderr, 2);
		close(saved_stderr);
		saved_stderr = -1;
	}
}

static bool exists(const char *dir, const char *name)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

static __u32 xdp_prog(const char *ifname)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int ifi = (int)if_nametoindex(ifname);

	return ifi && !bpf_xdp_query(ifi, 0, &q) ? q.prog_id : 0;
}

static __u32 tc_ingress_prog(const char *ifname)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, to, .handle = 1, .priority = 1);

	hook.ifindex = (int)if_nametoindex(ifname);
	return hook.ifindex && !bpf_tc_query(&hook, &to) ? to.prog_id : 0;
}

static __u32 tc_egress_prog(const char *ifname)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, to, .handle = 1, .priority = 1);

	hook.ifindex = (int)if_nametoindex(ifname);
	return hook.ifindex && !bpf_tc_query(&hook, &to) ? to.prog_id : 0;
}

static int ifreq_get(const char *ifname, unsigned long req, struct ifreq *ifr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", ifname);
	rc = fd < 0 || ioctl(fd, req, ifr) ? -1 : 0;
	if (fd >= 0)
		close(fd);
	return rc;
}

/* An ethtool flag of ifname (ETHTOOL_G*): 0/1, or -1. */
static int ethtool_flag(const char *ifname, __u32 cmd)
{
	struct ethtool_value ev = { .cmd = cmd };
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&ev;
	rc = fd < 0 || ioctl(fd, SIOCETHTOOL, &ifr) ? -1 : (int)ev.data;
	if (fd >= 0)
		close(fd);
	return rc;
}

static __u32 pinned_id(const char *name)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", root, name);
	fd = bpf_obj_get(p);
	if (fd < 0)
		return 0;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.id = 0;
	close(fd);
	return info.id;
}

static __u32 prog_id(int fd)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) ? info.id : 0;
}

static void check_mm0(struct mms_dp *dp)
{
	struct mms_cfg c, d;
	struct ifreq ifr;
	__u32 k = 0, tx = 0;
	__s64 skew;
	__u8 mac[6];

	ok(ifreq_get("mm0", SIOCGIFFLAGS, &ifr) == 0 &&
	   (ifr.ifr_flags & (IFF_NOARP | IFF_UP)) == (IFF_NOARP | IFF_UP),
	   "mm0 is up and NOARP");
	ok(ifreq_get("mm0", SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu == 1208 && MMS_MM0_MTU == 1208,
	   "mm0's MTU is 1208 (1500 - 16 - 256 - 4 - 16: header, 16 fields, payload header, "
	   "tag and sequence word)");
	ok(ifreq_get("mm0", SIOCGIFADDR, &ifr) == 0 &&
	   ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr.s_addr == htonl(0x0a630001),
	   "mm0 has 10.99.0.1");
	ok(ethtool_flag("mm0", ETHTOOL_GTXCSUM) == 0, "mm0's checksum offload is off");
	ok(ethtool_flag("mm0", ETHTOOL_GGRO) == 1 && xdp_prog("mm0") == 0,
	   "mm0 has GRO on (veth delivery into the pair), no XDP program");
	ok(tc_ingress_prog("mm0p") != 0, "the TC program is at mm0p's ingress");
	ok(ifreq_get("mm0", SIOCGIFHWADDR, &ifr) == 0, "mm0's MAC readable");
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	ok(bpf_map_lookup_elem(mms_dp_map_fd(dp, MMS_MAP_CFG), &k, &c) == 0 &&
	   c.mm0_ifindex == if_nametoindex("mm0") && c.mm0_peer_ifindex == if_nametoindex("mm0p") &&
	   !memcmp(c.mm0_mac, mac, 6) && c.prio == 3 && c.pcp == 5 && c.dscp == MMS_DSCP_KEEP,
	   "mms_cfg names mm0, its peer, its MAC, prio 3, pcp 5, DSCP kept");
	memset(&d, 0, sizeof(d));
	mms_rl_defaults(&d);
	ok(!memcmp(c.rl, d.rl, sizeof(d.rl)) && c.rl[MMS_RL_LINK_SCOPE][MMS_RL_NBR].rate == 1000,
	   "mms_cfg holds the default control-frame budgets");
	skew = (__s64)(c.unix_minus_boot_ns + fix_clock_ns(CLOCK_BOOTTIME) -
		       fix_clock_ns(CLOCK_REALTIME));
	ok(skew > -1000000000ll && skew < 1000000000ll,
	   "mms_cfg's clock offset gives the wall clock (off by %lld ns)", (long long)skew);
	ok(bpf_map_lookup_elem(mms_dp_map_fd(dp, MMS_MAP_TX), &k, &tx) == 0 &&
	   tx == if_nametoindex("mm0p"), "mms_tx[0] is mm0p: redirects there reach mm0");
}

static __u32 data_off_count(struct mms_dp *dp)
{
	struct mms_cfg c;
	__u32 k = 0;

	return bpf_map_lookup_elem(mms_dp_map_fd(dp, MMS_MAP_CFG), &k, &c) ? ~0u : c.data_off;
}

/* mms_dp_data_off() and friends on t0 (XDP attached) and t1 (not); leaves
 * t0 shut for teardown to clean. */
static void data_off(const struct mms_dp_opts *o)
{
	int t0 = (int)if_nametoindex("t0"), t1 = (int)if_nametoindex("t1");
	__u32 ifx[4], gone = 99999, one = 1, k = 0;
	struct mms_dp *dp;
	struct mms_cfg c;
	int n;

	if (!ok(mms_dp_open(&dp, o) == 0, "data off: datapath open"))
		return;
	ok(mms_dp_data_off(dp, t1, true) == -ENOTSUP &&
	   mms_dp_data_off(dp, (int)if_nametoindex("mm0"), true) == -ENOTSUP &&
	   mms_dp_data_off_list(dp, ifx, 4) == 0 && data_off_count(dp) == 0,
	   "data off refused where this node's XDP does not run (t1, mm0), nothing kept");
	n = mms_dp_data_off(dp, t0, true) == 0 ? mms_dp_data_off_list(dp, ifx, 4) : -1;
	ok(n == 1 && ifx[0] == (__u32)t0 && data_off_count(dp) == 1 && tc_egress_prog("t0") != 0 &&
	   tc_egress_prog("t0") == prog_id(mms_dp_prog_fd(dp, MMS_PROG_DATA_OFF)),
	   "data off t0: in mms_data_off, counted in mms_cfg, mms_data_off_tx at its egress");
	ok(mms_dp_data_off(dp, t0, true) == 0 && mms_dp_data_off_list(dp, ifx, 4) == 1 &&
	   data_off_count(dp) == 1, "data off t0 twice: the same");
	mms_dp_close(dp);
	ok(tc_egress_prog("t0") != 0, "the egress program outlives the handle");

	if (!ok(mms_dp_pinned(&dp, root) == 0, "mms_dp_pinned opens the pins as they are"))
		return;
	ok(mms_dp_data_off_list(dp, ifx, 4) == 1 && ifx[0] == (__u32)t0,
	   "... and sees t0 shut");
	/* a lost count (a racing writer of mms_cfg) and a deleted interface */
	bpf_map_lookup_elem(mms_dp_map_fd(dp, MMS_MAP_CFG), &k, &c);
	c.data_off = 0;
	bpf_map_update_elem(mms_dp_map_fd(dp, MMS_MAP_CFG), &k, &c, BPF_ANY);
	bpf_map_update_elem(mms_dp_map_fd(dp, MMS_MAP_DATA_OFF), &gone, &one, BPF_ANY);
	quiet(true);
	n = mms_dp_data_off_sync(dp);
	quiet(false);
	ok(n == 0 && mms_dp_data_off_list(dp, ifx, 4) == 1 && ifx[0] == (__u32)t0 &&
	   data_off_count(dp) == 1 && tc_egress_prog("t0") != 0,
	   "sync: the gone interface forgotten, the count redone, the egress program in place");
	ok(mms_dp_data_off(dp, t0, false) == 0 && mms_dp_data_off_list(dp, ifx, 4) == 0 &&
	   data_off_count(dp) == 0 && tc_egress_prog("t0") == 0,
	   "data on t0: entry, count and egress program gone");
	ok(mms_dp_data_off(dp, t0, false) == 0, "data on twice: nothing to do, no error");
	ok(mms_dp_data_off(dp, t0, true) == 0, "t0 shut again (for teardown)");
	mms_dp_close(dp);
}

/* Two writers of mms_cfg at once, as mmsctl and a starting agent can be:
 * a child process edits the budgets through its own handle while this one
 * sets the producer, each many times. With every read-modify-write under
 * the pin root's lock, both last values are there at the end; without it
 * one writer puts back the other's stale field. */
enum { EDITS = 3000 };

static int edit_rate(struct mms_cfg *c, void *arg)
{
	c->rl[0][0].rate = *(const __u32 *)arg;
	return 0;
}

static void concurrent_edits(struct mms_dp *dp)
{
	struct mms_cfg cfg = { 0 };
	__u32 k0 = 0;
	int st = -1, bad = 0, p[2] = { -1, -1 }, got;
	char c = 0;
	pid_t pid = pipe(p) ? -1 : fork();

	if (pid == 0) {
		struct mms_dp *mine;

		if (mms_dp_pinned(&mine, root))
			_exit(2);
		if (write(p[1], "r", 1) != 1)	/* ready: both loops start together */
			_exit(4);
		for (__u32 i = 1; i <= EDITS; i++)
			if (mms_dp_cfg_edit(mine, edit_rate, &i))
				_exit(3);
		mms_dp_close(mine);
		_exit(0);
	}
	if (pid > 0 && read(p[0], &c, 1) != 1)
		bad = 1;
	for (int i = 1; i <= EDITS; i++)
		bad |= mms_dp_set_producer(dp, (__u16)i) != 0;
	if (pid > 0)
		waitpid(pid, &st, 0);
	close(p[0]);
	close(p[1]);
	ok(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 && !bad,
	   "two processes edit mms_cfg %d times each", EDITS);
	got = bpf_map_lookup_elem(mms_dp_map_fd(dp, MMS_MAP_CFG), &k0, &cfg);
	ok(!got && cfg.producer == EDITS && cfg.rl[0][0].rate == EDITS,
	   "... and neither lost the other's last edit (producer %u, rate %u)",
	   cfg.producer, cfg.rl[0][0].rate);
}

int main(void)
{
	static const char *const pins[] = { "mms_keys", "mms_nbrs", "mms_tx", "mms_routes",
					    "mms_cfg", "mms_stats", "mms_events", "mms_rl_nbr",
					    "mms_rl_link", "mms_rl_node", "mms_data_off",
					    "mms_seq", "mms_replay" };
	enum { NPINS = sizeof(pins) / sizeof(pins[0]) };
	struct mms_nbr n = { .state = MMS_NBR_UP, .mac = { 2, 0, 0, 0, 0, 1 } };
	const char *why = fix_skip_reason();
	struct mms_dp_opts o = { 0 };
	struct mms_key key, back;
	__u32 ids[NPINS], prog0, k0 = 0, k1 = 1, slot = 1, tx = 0;
	static struct mms_rp_val rpv;
	struct mms_rp_key rpk;
	struct mms_cfg cfg;
	__u64 ctr = 555555;
	struct mms_dp *dp;
	__u8 kb[16] = { 1, 2, 3 };
	int nl, all, rc;

	if (why)
		return tap_skip_all(why);
	if (fix_netns())
		return tap_skip_all("cannot make a network namespace");
	mms_log_set_level(MMS_LOG_ERR);
	mms_log_libbpf();
	snprintf(root, sizeof(root), "/sys/fs/bpf/mms-test-loader-%d", (int)getpid());
	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	o.pin_root = root;

	nl = rtnl_open();
	if (!ok(nl >= 0 && rtnl_veth_add(nl, "t0", "t1") == 0 &&
		rtnl_link_set(nl, (int)if_nametoindex("t0"), IFF_UP, IFF_UP, 0, 0) == 0 &&
		rtnl_link_set(nl, (int)if_nametoindex("t1"), IFF_UP, IFF_UP, 0, 0) == 0,
		"veth t0/t1 made through rtnetlink"))
		return tap_done();
	close(nl);

	/* first start */
	if (!ok(mms_dp_open(&dp, &o) == 0, "open creates the datapath under %s", root))
		return tap_done();
	all = 1;
	for (int i = 0; i < NPINS; i++) {
		ids[i] = pinned_id(pins[i]);
		all &= ids[i] != 0;
	}
	ok(all, "all %d maps pinned by name", NPINS);
	ok(mms_dp_attach_nic(dp, "t0") == 0 && (prog0 = xdp_prog("t0")) != 0,
	   "XDP attached to t0");
	ok(mms_dp_attach_nic(dp, "t0") == 0 && xdp_prog("t0") == prog0,
	   "attaching again is idempotent");
	quiet(true);
	rc = mms_dp_attach_nic(dp, "nosuch0");
	quiet(false);
	ok(rc == -ENODEV, "unknown interface refused");
	ok(mms_dp_setup_mm0(dp, "10.99.0.1/24", 3, 5, MMS_DSCP_KEEP) == 0, "mm0 set up");
	ok(system("ip rule show | grep -q '^900:.*to 10.99.0.0/24 lookup 215'") == 0 &&
	   system("ip route show table 215 | grep -q '^10.99.0.0/24 dev mm0'") == 0,
	   "... its prefix routed from table 215, looked up first");
	check_mm0(dp);
	quiet(true);
	rc = mms_dp_setup_mm0(dp, "10.99.0.1:24", 3, 5, MMS_DSCP_KEEP) == -EINVAL &&
	     mms_dp_setup_mm0(dp, "10.99.0.1/33", 3, 5, MMS_DSCP_KEEP) == -EINVAL;
	quiet(false);
	ok(rc, "malformed management addresses refused");
	mms_key_schedule(kb, &key, 1);
	n.ifindex = if_nametoindex("t0");
	ok(bpf_map_update_elem(mms_dp_map_fd(dp, MMS_MAP_KEYS), &slot, &key, BPF_ANY) == 0 &&
	   mms_dp_set_port(dp, 1, &n) == 0, "a key and a neighbour installed");
	memset(&rpk, 0, sizeof(rpk));
	rpk.producer = 0x1234;
	rpv.w[1].top = 777;
	ok(bpf_map_update_elem(mms_dp_map_fd(dp, MMS_MAP_SEQ), &k0, &ctr, BPF_ANY) == 0 &&
	   bpf_map_update_elem(mms_dp_map_fd(dp, MMS_MAP_REPLAY), &rpk, &rpv, BPF_ANY) == 0 &&
	   mms_dp_set_producer(dp, 0x4321) == 0, "a DATA counter, a replay window, a producer set");
	mms_dp_close(dp);
	ok(xdp_prog("t0") == prog0 && ethtool_flag("mm0", ETHTOOL_GGRO) == 1 &&
	   tc_ingress_prog("mm0p") != 0, "attachments outlive the handle");

	/* restart */
	if (!ok(mms_dp_open(&dp, &o) == 0, "open again re-adopts the pins"))
		return tap_done();
	all = 1;
	for (int i = 0; i < NPINS; i++)
		all &= pinned_id(pins[i]) == ids[i];
	ok(all, "same maps as before (ids unchanged)");
	ok(bpf_map_lookup_elem(mms_dp_map_fd(dp, MMS_MAP_KEYS), &slot, &back) == 0 &&
	   !memcmp(&back, &key, sizeof(key)) &&
	   bpf_map_lookup_elem(mms_dp_map_fd(dp, MMS_MAP_TX), &k1, &tx) == 0 && tx == n.ifindex,
	   "the key and the devmap slot survived the restart");
	ctr = 0;
	memset(&rpv, 0, sizeof(rpv));
	ok(bpf_map_lookup_elem(mms_dp_map_fd(dp, MMS_MAP_SEQ), &k0, &ctr) == 0 && ctr == 555555 &&
	   bpf_map_lookup_elem(mms_dp_map_fd(dp, MMS_MAP_REPLAY), &rpk, &rpv) == 0 &&
	   rpv.w[1].top == 777 && bpf_map_lookup_elem(mms_dp_map_fd(dp, MMS_MAP_CFG), &k0, &cfg) == 0 &&
	   cfg.producer == 0x4321,
	   "the DATA counter, the replay windows and the producer survived the restart");
	ok(mms_dp_setup_mm0(dp, "10.99.0.1/24", 3, 5, MMS_DSCP_KEEP) == 0,
	   "mm0 adopted on restart");
	check_mm0(dp);
	ok(mms_dp_prog_fd(dp, MMS_PROG_XDP) >= 0 && prog_id(mms_dp_prog_fd(dp, MMS_PROG_XDP)) == prog0,
	   "the same build adopts the pinned programs (nothing loaded again)");
	ok(mms_dp_attach_nic(dp, "t0") == 0 && xdp_prog("t0") == prog0,
	   "attaching the adopted program keeps the one in place");
	ok(mms_dp_detach_nic(dp, "t1") == 0 && xdp_prog("t0") != 0,
	   "detaching where nothing of ours runs leaves t0 alone");
	concurrent_edits(dp);
	mms_dp_close(dp);
	data_off(&o);

	/* other load-time settings: another stamp, the programs load anew */
	o.no_hop_cache = true;
	if (!ok(mms_dp_open(&dp, &o) == 0, "open with other settings"))
		return tap_done();
	ok(prog_id(mms_dp_prog_fd(dp, MMS_PROG_XDP)) != prog0 &&
	   pinned_id("mms_keys") == ids[0],
	   "other settings: new programs, the same maps");
	ok(mms_dp_attach_nic(dp, "t0") == 0 && xdp_prog("t0") != 0 && xdp_prog("t0") != prog0,
	   "the new XDP program replaces the old one in place");
	prog0 = xdp_prog("t0");
	mms_dp_close(dp);
	if (!ok(mms_dp_open(&dp, &o) == 0, "and open again with those settings"))
		return tap_done();
	ok(prog_id(mms_dp_prog_fd(dp, MMS_PROG_XDP)) == prog0,
	   "adopts what the last load pinned");
	mms_dp_close(dp);
	o.no_hop_cache = false;

	/* teardown */
	ok(mms_dp_teardown(root) == 0, "teardown succeeds");
	ok(xdp_prog("t0") == 0, "XDP detached from t0");
	ok(tc_egress_prog("t0") == 0, "the data-off egress program detached from t0");
	ok(if_nametoindex("mm0") == 0 && if_nametoindex("mm0p") == 0, "mm0 pair deleted");
	ok(system("ip rule show | grep -q 'lookup 215'") != 0,
	   "the rule for mm0's table deleted (the route went with mm0)");
	ok(!exists(root, "mms_stats") && !exists(root, "prog_mms_xdp") && !exists(root, "mms_build") &&
	   access(root, F_OK) != 0, "pins (maps, programs, stamp) and pin root removed");
	ok(mms_dp_teardown(root) == 0, "a second teardown is a no-op");
	root[0] = 0;

	o.pin_root = "/tmp";
	quiet(true);
	rc = mms_dp_open(&dp, &o);
	quiet(false);
	ok(rc == -ENOTSUP, "a pin root outside bpffs is refused");
	return tap_done();
}
