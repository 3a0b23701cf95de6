// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mmsctl: the operator's tool for one node's MMS datapath. It loads and
 * attaches the datapath through the loader, and reads and writes the pinned
 * maps (keys, neighbours, routes, counters, events) directly, so that routes
 * can be installed by hand without the control plane.
 *
 * Subcommands are declared in one table (cmds[]) from which usage is
 * generated. Misuse is a one-line error and exit status 2; a failure at run
 * time is a one-line error and exit status 1.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "codec.h"
#include "keyfile.h"
#include "loader.h"
#include "pktio.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "ratelimit.h"

#define EXIT_MISUSE 2

struct ctx {
	const char *pin;	/* pin root of the node's datapath */
	bool json;		/* machine-readable output */
	bool verbose;		/* more detail (route hop bytes) */
};

/* The command being run, for error messages ("mmsctl route add: ..."). */
static char cur_cmd[32] = "";

/* One line on stderr; returns status so that callers can `return` it. */
static int __attribute__((format(printf, 2, 3))) report(int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mmsctl%s%s: ", cur_cmd[0] ? " " : "", cur_cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

#define misuse(...)	report(EXIT_MISUSE, __VA_ARGS__)	/* bad command line */
#define fail(...)	report(EXIT_FAILURE, __VA_ARGS__)	/* failure at run time */
#define note(...)	((void)report(0, __VA_ARGS__))		/* informational */

/* ---- argument parsing ---- */

/* Strict decimal: digits only, no sign, no trailing junk, in min..max. */
static bool parse_num(const char *s, unsigned long long min, unsigned long long max,
		      unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* Parse a numeric option or return the misuse status from the caller. */
#define NUM_OPT(name, s, min, max, dst)						\
	do {									\
		unsigned long long v_;						\
		if (!parse_num(s, min, max, &v_))				\
			return misuse("%s: bad value '%s' (want %llu..%llu)",	\
				      name, s, (unsigned long long)(min),	\
				      (unsigned long long)(max));		\
		(dst) = v_;							\
	} while (0)

/* Report what getopt_long() rejected; opterr is 0 and optstrings start
 * with ':' so that a missing value and an unknown option are told apart. */
static int bad_option(int ch, char **argv)
{
	const char *tok = optind > 0 ? argv[optind - 1] : "?";

	if (ch == ':')
		return misuse("option '%s' needs a value", tok);
	if (optopt && optopt != '?')
		return misuse("unknown option '-%c'", optopt);
	return misuse("unknown option '%s'", tok);
}

static void getopt_reset(void)
{
	optind = 0;	/* glibc: full re-initialisation for the next argv */
	opterr = 0;
}

static bool parse_mac(const char *s, __u8 mac[6])
{
	unsigned v[6];
	char tail;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4],
		   &v[5], &tail) != 6)
		return false;
	for (int i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[3 * i]) || !isxdigit((unsigned char)s[3 * i + 1]))
			return false;
		mac[i] = (__u8)v[i];
	}
	return true;
}

static void fmt_mac(const __u8 m[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* "default" is the all-zero key; anything else is an IPv4 or IPv6 address. */
static bool parse_dst(const char *s, struct mms_addr *a)
{
	if (strcmp(s, "default") == 0) {
		memset(a, 0, sizeof(*a));
		return true;
	}
	return mms_addr_parse(s, a) == 0;
}

static void fmt_addr(const struct mms_addr *a, char out[INET6_ADDRSTRLEN])
{
	static const __u8 zero[16], v4pfx[12] = { [10] = 0xff, [11] = 0xff };

	if (!memcmp(a->a, zero, 16))
		snprintf(out, INET6_ADDRSTRLEN, "default");
	else if (!memcmp(a->a, v4pfx, 12))
		inet_ntop(AF_INET, a->a + 12, out, INET6_ADDRSTRLEN);
	else
		inet_ntop(AF_INET6, a->a, out, INET6_ADDRSTRLEN);
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

/* ---- maps ---- */

/* Open one pinned map of the node; -1 after a one-line error. */
static int map_open(const struct ctx *c, enum mms_map m)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", c->pin, mms_dp_map_name(m));
	fd = bpf_obj_get(path);
	if (fd < 0)
		note("%s: %s (is the datapath loaded? see 'mmsctl attach')", path,
		     strerror(errno));
	return fd;
}

static __u32 map_value_size(int fd)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.value_size;
}

/* ---- attach, detach, mm0, teardown ---- */

static int dp_open(const struct ctx *c, bool generic, struct mms_dp **dp)
{
	struct mms_dp_opts o = { .pin_root = c->pin, .xdp_generic = generic };
	int rc = mms_dp_open(dp, &o);

	if (rc)
		return fail("loading the datapath at %s: %s", c->pin, strerror(-rc));
	return 0;
}

static int nic_cmd(struct ctx *c, int argc, char **argv, bool attach)
{
	static const struct option lo[] = {
		{ "generic", no_argument, NULL, 'g' }, { NULL, 0, NULL, 0 } };
	bool generic = false;
	struct mms_dp *dp;
	int ch, rc, bad = 0;

	getopt_reset();
	while ((ch = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
		if (ch == 'g' && attach)
			generic = true;
		else
			return bad_option(ch, argv);
	}
	if (optind >= argc)
		return misuse("give at least one IFNAME");
	for (int i = optind; i < argc; i++)
		if (!if_nametoindex(argv[i]))
			return fail("%s: no such device in this network namespace", argv[i]);
	rc = dp_open(c, generic, &dp);
	if (rc)
		return rc;
	for (int i = optind; i < argc; i++) {
		rc = attach ? mms_dp_attach_nic(dp, argv[i]) : mms_dp_detach_nic(dp, argv[i]);
		if (rc) {
			note("%s: %s", argv[i], strerror(-rc));
			bad = 1;
		}
	}
	mms_dp_close(dp);
	return bad ? EXIT_FAILURE : 0;
}

static int cmd_attach(struct ctx *c, int argc, char **argv)
{
	return nic_cmd(c, argc, argv, true);
}

static int cmd_detach(struct ctx *c, int argc, char **argv)
{
	return nic_cmd(c, argc, argv, false);
}

static int cmd_mm0(struct ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "prio", required_argument, NULL, 'P' },
		{ "pcp", required_argument, NULL, 'p' },
		{ "dscp", required_argument, NULL, 'd' },
		{ "producer", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 } };
	/* Defaults: the highest local priority (TC_PRIO_CONTROL), PCP 6
	 * (internetwork control), inner DSCP left as the application set it,
	 * the address's last 16 bits as the producer of its DATA (distinct
	 * within a /16, include/mms_seq.h). */
	__u8 prio = 7, pcp = 6, dscp = MMS_DSCP_KEEP;
	unsigned long long producer = ~0ull;
	struct mms_dp *dp;
	const char *slash;
	char host[INET6_ADDRSTRLEN];
	__u8 any[16];
	unsigned long long plen;
	int ch, rc;

	getopt_reset();
	while ((ch = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
		switch (ch) {
		case 'P': NUM_OPT("--prio", optarg, 0, 255, prio); break;
		case 'p': NUM_OPT("--pcp", optarg, 0, 7, pcp); break;
		case 'd':
			if (strcmp(optarg, "keep") == 0)
				dscp = MMS_DSCP_KEEP;
			else
				NUM_OPT("--dscp", optarg, 0, 63, dscp);
			break;
		case 'r': NUM_OPT("--producer", optarg, 0, 65535, producer); break;
		default: return bad_option(ch, argv);
		}
	}
	if (argc - optind != 1)
		return misuse("give exactly one ADDR/PREFIX");
	slash = strchr(argv[optind], '/');
	if (!slash || (size_t)(slash - argv[optind]) >= sizeof(host))
		return misuse("'%s': want ADDR/PREFIX, e.g. 10.77.0.1/16", argv[optind]);
	memcpy(host, argv[optind], (size_t)(slash - argv[optind]));
	host[slash - argv[optind]] = '\0';
	if (inet_pton(AF_INET, host, any) == 1) {
		NUM_OPT("prefix", slash + 1, 1, 32, plen);
		if (producer == ~0ull)
			producer = (unsigned)any[2] << 8 | any[3];
	} else if (inet_pton(AF_INET6, host, any) == 1) {
		NUM_OPT("prefix", slash + 1, 1, 128, plen);
		if (producer == ~0ull)
			producer = (unsigned)any[14] << 8 | any[15];
	} else {
		return misuse("'%s' is not an IPv4 or IPv6 address", host);
	}
	(void)plen;
	rc = dp_open(c, false, &dp);
	if (rc)
		return rc;
	rc = mms_dp_setup_mm0(dp, argv[optind], prio, pcp, dscp);
	if (!rc)
		rc = mms_dp_sync_clock(dp);
	if (!rc)
		rc = mms_dp_set_producer(dp, (__u16)producer);
	mms_dp_close(dp);
	return rc ? fail("mm0 %s: %s", argv[optind], strerror(-rc)) : 0;
}

/* Commands without options besides -j: exactly want positional arguments. */
static int plain_args(struct ctx *c, int argc, char **argv, int want)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' }, { NULL, 0, NULL, 0 } };
	int ch;

	getopt_reset();
	while ((ch = getopt_long(argc, argv, ":j", lo, NULL)) != -1) {
		if (ch != 'j')
			return bad_option(ch, argv);
		c->json = true;
	}
	if (argc - optind > want)
		return misuse("unexpected argument '%s'", argv[optind + want]);
	if (argc - optind < want)
		return misuse("missing argument (see mmsctl help)");
	return 0;
}

/* The usual prologue: check the arguments, then open the map.
 * Returns the map fd, or minus the exit status. */
static int args_map(struct ctx *c, int argc, char **argv, int want, enum mms_map m)
{
	int rc = plain_args(c, argc, argv, want);

	if (rc)
		return -rc;
	rc = map_open(c, m);
	return rc < 0 ? -EXIT_FAILURE : rc;
}

static int cmd_teardown(struct ctx *c, int argc, char **argv)
{
	int rc = plain_args(c, argc, argv, 0);

	if (rc)
		return rc;
	rc = mms_dp_teardown(c->pin);
	return rc ? fail("%s: %s", c->pin, strerror(-rc)) : 0;
}

/* ---- keys ---- */

static int epoch_opts(int argc, char **argv, const char **file, unsigned *epoch)
{
	static const struct option lo[] = {
		{ "epoch", required_argument, NULL, 'e' },
		{ "key-file", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 } };
	bool have_epoch = false;
	int ch;

	getopt_reset();
	while ((ch = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
		switch (ch) {
		case 'e': NUM_OPT("--epoch", optarg, 0, 255, *epoch); have_epoch = true; break;
		case 'k':
			if (!file)
				return misuse("unknown option '--key-file'");
			*file = optarg;
			break;
		default: return bad_option(ch, argv);
		}
	}
	if (optind < argc)
		return misuse("unexpected argument '%s' (keys are read from --key-file, "
			      "never from the command line)", argv[optind]);
	if (!have_epoch)
		return misuse("--epoch is required");
	if (file && !*file)
		return misuse("--key-file is required");
	return 0;
}

static int cmd_key_set(struct ctx *c, int argc, char **argv)
{
	const char *file = NULL;
	struct mms_err err;
	__u8 raw[MMS_KEY_LEN];
	struct mms_key k, old;
	unsigned epoch = 0;
	__u32 slot;
	int fd, rc;

	rc = epoch_opts(argc, argv, &file, &epoch);
	if (rc)
		return rc;
	rc = mms_key_read(file, raw, &err);
	if (rc)
		return fail("key file %s", err.msg);
	mms_key_schedule(raw, &k, (__u8)epoch);
	OPENSSL_cleanse(raw, sizeof(raw));
	fd = map_open(c, MMS_MAP_KEYS);
	if (fd < 0) {
		rc = EXIT_FAILURE;
		goto out;
	}
	slot = epoch % MMS_EPOCH_SLOTS;
	if (!bpf_map_lookup_elem(fd, &slot, &old) && old.valid && old.epoch != epoch)
		note("epoch %u replaces epoch %u in slot %u", epoch, old.epoch, slot);
	OPENSSL_cleanse(&old, sizeof(old));
	if (bpf_map_update_elem(fd, &slot, &k, BPF_ANY))
		rc = fail("writing the key: %s", strerror(errno));
	close(fd);
out:
	OPENSSL_cleanse(&k, sizeof(k));
	return rc;
}

static int cmd_key_del(struct ctx *c, int argc, char **argv)
{
	struct mms_key k;
	unsigned epoch = 0;
	__u32 slot;
	int fd, rc;

	rc = epoch_opts(argc, argv, NULL, &epoch);
	if (rc)
		return rc;
	fd = map_open(c, MMS_MAP_KEYS);
	if (fd < 0)
		return EXIT_FAILURE;
	slot = epoch % MMS_EPOCH_SLOTS;
	if (bpf_map_lookup_elem(fd, &slot, &k))
		rc = fail("reading slot %u: %s", slot, strerror(errno));
	else if (!k.valid || k.epoch != epoch)
		rc = fail("no key for epoch %u", epoch);
	else {
		memset(&k, 0, sizeof(k));
		if (bpf_map_update_elem(fd, &slot, &k, BPF_ANY))
			rc = fail("clearing slot %u: %s", slot, strerror(errno));
	}
	OPENSSL_cleanse(&k, sizeof(k));
	close(fd);
	return rc;
}

static int cmd_key_show(struct ctx *c, int argc, char **argv)
{
	struct mms_key k;
	int fd, rc = 0, n = 0;

	fd = args_map(c, argc, argv, 0, MMS_MAP_KEYS);
	if (fd < 0)
		return -fd;
	printf(c->json ? "[" : "%-5s %s\n", "SLOT", "EPOCH");
	for (__u32 s = 0; s < MMS_EPOCH_SLOTS; s++) {
		if (bpf_map_lookup_elem(fd, &s, &k)) {
			rc = fail("reading slot %u: %s", s, strerror(errno));
			break;
		}
		/* Only the epoch leaves this function; the schedule is wiped. */
		if (k.valid) {
			if (c->json)
				printf("%s{\"slot\":%u,\"epoch\":%u}", n ? "," : "", s, k.epoch);
			else
				printf("%-5u %u\n", s, k.epoch);
			n++;
		}
		OPENSSL_cleanse(&k, sizeof(k));
	}
	if (c->json)
		printf("]\n");
	close(fd);
	return rc;
}

/* ---- neighbours ---- */

static int port_arg(const char *s, __u32 *port)
{
	NUM_OPT("PORT", s, 1, MMS_MAX_PORTS - 1, *port);
	return 0;
}


/* mms_tx[port] = ifindex; the devmap value may carry a program fd too. */
static int tx_set(int fd, __u32 port, __u32 ifindex)
{
	struct { __u32 ifindex; __s32 prog_fd; } v = { ifindex, 0 };

	if (map_value_size(fd) == sizeof(__u32))
		return bpf_map_update_elem(fd, &port, &ifindex, BPF_ANY);
	return bpf_map_update_elem(fd, &port, &v, BPF_ANY);
}

static int cmd_nbr_set(struct ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "mac", required_argument, NULL, 'm' },
		{ "vlan", required_argument, NULL, 'v' },
		{ "down", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 } };
	const char *dev = NULL;
	struct mms_nbr n;
	bool have_mac = false;
	__u32 port = 0;
	int ch, rc, nfd, tfd;

	memset(&n, 0, sizeof(n));
	n.state = MMS_NBR_UP;
	getopt_reset();
	while ((ch = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
		switch (ch) {
		case 'd': dev = optarg; break;
		case 'm':
			if (!parse_mac(optarg, n.mac))
				return misuse("--mac: bad MAC '%s' (want aa:bb:cc:dd:ee:ff)", optarg);
			have_mac = true;
			break;
		case 'v': NUM_OPT("--vlan", optarg, 1, 4094, n.vlan); break;
		case 'D': n.state = 0; break;
		default: return bad_option(ch, argv);
		}
	}
	if (argc - optind != 1)
		return misuse("give exactly one PORT");
	rc = port_arg(argv[optind], &port);
	if (rc)
		return rc;
	if (!dev || !have_mac)
		return misuse("--dev and --mac are required");
	n.ifindex = if_nametoindex(dev);
	if (!n.ifindex)
		return fail("%s: no such device in this network namespace", dev);
	rc = pktio_if_mac(dev, n.smac);
	if (rc)
		return fail("%s: reading its MAC: %s", dev, strerror(-rc));
	nfd = map_open(c, MMS_MAP_NBRS);
	if (nfd < 0)
		return EXIT_FAILURE;
	tfd = map_open(c, MMS_MAP_TX);
	if (tfd < 0) {
		rc = EXIT_FAILURE;
		goto out_nfd;
	}
	/* The egress device first: a neighbour marked up must be reachable. */
	if (tx_set(tfd, port, n.ifindex))
		rc = fail("mms_tx[%u] = %s: %s", port, dev, strerror(errno));
	else if (bpf_map_update_elem(nfd, &port, &n, BPF_ANY))
		rc = fail("mms_nbrs[%u]: %s", port, strerror(errno));
	close(tfd);
out_nfd:
	close(nfd);
	return rc;
}

static int cmd_nbr_del(struct ctx *c, int argc, char **argv)
{
	struct mms_nbr n;
	__u32 port = 0;
	int rc, nfd, tfd;

	rc = plain_args(c, argc, argv, 1);
	if (rc)
		return rc;
	rc = port_arg(argv[optind], &port);
	if (rc)
		return rc;
	nfd = map_open(c, MMS_MAP_NBRS);
	if (nfd < 0)
		return EXIT_FAILURE;
	tfd = map_open(c, MMS_MAP_TX);
	if (tfd < 0) {
		rc = EXIT_FAILURE;
		goto out_nfd;
	}
	if (bpf_map_lookup_elem(nfd, &port, &n))
		rc = fail("mms_nbrs[%u]: %s", port, strerror(errno));
	else if (!n.ifindex)
		rc = fail("no neighbour on port %u", port);
	else {
		/* The neighbour goes down before its device disappears. */
		memset(&n, 0, sizeof(n));
		if (bpf_map_update_elem(nfd, &port, &n, BPF_ANY))
			rc = fail("mms_nbrs[%u]: %s", port, strerror(errno));
		else if (bpf_map_delete_elem(tfd, &port) && errno != ENOENT)
			rc = fail("mms_tx[%u]: %s", port, strerror(errno));
	}
	close(tfd);
out_nfd:
	close(nfd);
	return rc;
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static int cmd_nbr_show(struct ctx *c, int argc, char **argv)
{
	char dev[IF_NAMESIZE], mac[18], smac[18], age[32];
	struct mms_nbr n;
	__u64 now = mono_ns(), seen;
	int fd, seen_fd, rc = 0, shown = 0;

	fd = args_map(c, argc, argv, 0, MMS_MAP_NBRS);
	if (fd < 0)
		return -fd;
	/* an up neighbour's last hello is the later of what the agent took
	 * and what the datapath absorbed (none pinned by an older build) */
	{
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s", c->pin, mms_dp_map_name(MMS_MAP_HELLO_SEEN));
		seen_fd = bpf_obj_get(path);
	}
	if (c->json)
		printf("[");
	else
		printf("%-5s %-15s %-5s %-17s %-17s %-5s %s\n", "PORT", "DEV", "VLAN",
		       "MAC", "LOCAL_MAC", "STATE", "LAST_HELLO");
	for (__u32 p = 1; p < MMS_MAX_PORTS; p++) {
		if (bpf_map_lookup_elem(fd, &p, &n)) {
			rc = fail("mms_nbrs[%u]: %s", p, strerror(errno));
			break;
		}
		if (!n.ifindex)
			continue;
		if (!if_indextoname(n.ifindex, dev))
			snprintf(dev, sizeof(dev), "#%u", n.ifindex);
		fmt_mac(n.mac, mac);
		fmt_mac(n.smac, smac);
		if (n.state == MMS_NBR_UP && seen_fd >= 0 &&
		    !bpf_map_lookup_elem(seen_fd, &p, &seen) && seen > n.last_rx_ns)
			n.last_rx_ns = seen;
		if (!n.last_rx_ns)
			snprintf(age, sizeof(age), "never");
		else
			snprintf(age, sizeof(age), "%.1fs ago",
				 now > n.last_rx_ns ? (double)(now - n.last_rx_ns) / 1e9 : 0.0);
		if (c->json) {
			printf("%s{\"port\":%u,\"dev\":", shown ? "," : "", p);
			json_str(dev);
			printf(",\"ifindex\":%u,\"vlan\":%u,\"mac\":\"%s\",\"local_mac\":\"%s\","
			       "\"up\":%s,\"last_rx_ns\":%llu}", n.ifindex, n.vlan, mac, smac,
			       n.state == MMS_NBR_UP ? "true" : "false",
			       (unsigned long long)n.last_rx_ns);
		} else {
			printf("%-5u %-15s %-5u %-17s %-17s %-5s %s\n", p, dev, n.vlan, mac, smac,
			       n.state == MMS_NBR_UP ? "up" : "down", age);
		}
		shown++;
	}
	if (c->json)
		printf("]\n");
	if (seen_fd >= 0)
		close(seen_fd);
	close(fd);
	return rc;
}

/* ---- routes ---- */

struct hop_arg {
	const char *file;
	unsigned ingress, egress;
	bool has_egress;
};

/* KEYFILE,INGRESS[,EGRESS]: the egress is left out for the destination. */
static int parse_hop(char *s, int idx, struct hop_arg *h)
{
	char *c1 = strchr(s, ','), *c2;

	if (!c1 || c1 == s)
		return misuse("--hop %d: want KEYFILE,INGRESS[,EGRESS]", idx + 1);
	*c1 = '\0';
	c2 = strchr(c1 + 1, ',');
	if (c2)
		*c2 = '\0';
	h->file = s;
	NUM_OPT("--hop ingress", c1 + 1, 1, MMS_MAX_PORTS - 1, h->ingress);
	h->has_egress = c2 != NULL;
	h->egress = 0;
	if (c2)
		NUM_OPT("--hop egress", c2 + 1, 0, MMS_MAX_PORTS - 1, h->egress);
	return 0;
}

static int parse_expiry(const char *s, __u32 *out)
{
	unsigned long long v, now = (unsigned long long)time(NULL);

	if (s[0] == '@') {
		NUM_OPT("--expiry", s + 1, now + 1, UINT32_MAX, v);
	} else {
		NUM_OPT("--expiry", s, 1, UINT32_MAX - now, v);
		v += now;
	}
	*out = (__u32)v;
	return 0;
}

/* Seal the route from the hops' key files; keys are wiped before return. */
static int seal_route(struct mms_route *rt, __u32 port, const struct hop_arg *h, int n,
		      unsigned epoch, __u32 expiry)
{
	__u8 keys[MMS_MAX_HOPS][MMS_KEY_LEN], tag[4];
	struct mms_hop_spec spec[MMS_MAX_HOPS];
	int rc = 0, i;

	if (RAND_bytes(tag, sizeof(tag)) != 1)
		return fail("no randomness for the route tag");
	for (i = 0; i < n; i++) {
		struct mms_err err;

		if (mms_key_read(h[i].file, keys[i], &err)) {
			rc = fail("--hop %d: key file %s", i + 1, err.msg);
			goto out;
		}
		spec[i] = (struct mms_hop_spec){ keys[i], (__u16)h[i].ingress, (__u16)h[i].egress };
	}
	rc = mms_route_build(rt, (__u16)port, spec, n, (__u8)epoch, expiry, tag);
	if (rc)
		rc = fail("building the route: %s", strerror(-rc));
	/* Tagged as an MA tags its routes: for the last hop, which checks
	 * with the key it derives from its own hop key. */
	else if (mms_e2e_derive(keys[n - 1], MMS_E2E_DOWN, &rt->e2e))
		rc = fail("deriving the route's end-to-end key");
out:
	OPENSSL_cleanse(keys, sizeof(keys));
	return rc;
}

static int cmd_route_add(struct ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "epoch", required_argument, NULL, 'e' },
		{ "expiry", required_argument, NULL, 'x' },
		{ "hop", required_argument, NULL, 'h' },
		{ "replace", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 } };
	struct hop_arg hops[MMS_MAX_HOPS];
	struct mms_route_set set;
	struct mms_route rt;
	struct mms_addr dst;
	unsigned epoch = 0, port = 0;
	bool have_epoch = false, replace = false;
	__u32 expiry = 0;
	int ch, rc, n = 0, fd;

	getopt_reset();
	while ((ch = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
		switch (ch) {
		case 'p': NUM_OPT("--port", optarg, 1, MMS_MAX_PORTS - 1, port); break;
		case 'e': NUM_OPT("--epoch", optarg, 0, 255, epoch); have_epoch = true; break;
		case 'x':
			rc = parse_expiry(optarg, &expiry);
			if (rc)
				return rc;
			break;
		case 'h':
			if (n == MMS_MAX_HOPS)
				return misuse("at most %d --hop", MMS_MAX_HOPS);
			rc = parse_hop(optarg, n, &hops[n]);
			if (rc)
				return rc;
			n++;
			break;
		case 'r': replace = true; break;
		default: return bad_option(ch, argv);
		}
	}
	if (argc - optind != 1)
		return misuse("give exactly one DST");
	if (!parse_dst(argv[optind], &dst))
		return misuse("'%s' is not an address or 'default'", argv[optind]);
	if (!port || !have_epoch || !expiry || !n)
		return misuse("--port, --epoch, --expiry and at least one --hop are required");
	for (int i = 0; i < n - 1; i++)
		if (!hops[i].has_egress || !hops[i].egress)
			return misuse("--hop %d: a transit hop needs KEYFILE,INGRESS,EGRESS", i + 1);
	if (hops[n - 1].egress)
		return misuse("--hop %d: the destination has no egress", n);

	fd = map_open(c, MMS_MAP_ROUTES);
	if (fd < 0)
		return EXIT_FAILURE;
	memset(&set, 0, sizeof(set));
	if (bpf_map_lookup_elem(fd, &dst, &set)) {
		if (errno != ENOENT) {
			rc = fail("reading routes for %s: %s", argv[optind], strerror(errno));
			goto out;
		}
		memset(&set, 0, sizeof(set));
	}
	if (replace)
		memset(&set, 0, sizeof(set));
	if (set.n >= MMS_MAX_ALT) {
		rc = fail("%s has %u alternates already (the most); use --replace or route del",
			  argv[optind], set.n);
		goto out;
	}
	rc = seal_route(&rt, port, hops, n, epoch, expiry);
	if (rc)
		goto out;
	set.r[set.n++] = rt;
	if (bpf_map_update_elem(fd, &dst, &set, BPF_ANY))
		rc = fail("writing routes for %s: %s", argv[optind], strerror(errno));
out:
	close(fd);
	return rc;
}

static int cmd_route_del(struct ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "alt", required_argument, NULL, 'a' }, { NULL, 0, NULL, 0 } };
	struct mms_route_set set;
	struct mms_addr dst;
	unsigned alt = 0;
	bool one = false;
	int ch, fd, rc = 0;

	getopt_reset();
	while ((ch = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
		if (ch != 'a')
			return bad_option(ch, argv);
		NUM_OPT("--alt", optarg, 0, MMS_MAX_ALT - 1, alt);
		one = true;
	}
	if (argc - optind != 1)
		return misuse("give exactly one DST");
	if (!parse_dst(argv[optind], &dst))
		return misuse("'%s' is not an address or 'default'", argv[optind]);
	fd = map_open(c, MMS_MAP_ROUTES);
	if (fd < 0)
		return EXIT_FAILURE;
	if (bpf_map_lookup_elem(fd, &dst, &set)) {
		rc = errno == ENOENT ? fail("no route to %s", argv[optind])
				     : fail("reading routes: %s", strerror(errno));
	} else if (one && alt >= set.n) {
		rc = fail("%s has no alternate %u (it has %u)", argv[optind], alt, set.n);
	} else if (one && set.n > 1) {
		/* Keep the order of preference of the others. */
		memmove(&set.r[alt], &set.r[alt + 1], (set.n - alt - 1) * sizeof(set.r[0]));
		set.n--;
		memset(&set.r[set.n], 0, sizeof(set.r[0]));
		if (bpf_map_update_elem(fd, &dst, &set, BPF_EXIST))
			rc = fail("writing routes: %s", strerror(errno));
	} else if (bpf_map_delete_elem(fd, &dst)) {
		rc = fail("deleting routes: %s", strerror(errno));
	}
	close(fd);
	return rc;
}

static int addr_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct mms_addr));
}

static void show_route(const struct ctx *c, const char *dst, unsigned alt,
		       const struct mms_route *r, __u64 now, bool first)
{
	__u32 exp = ntohl(r->expiry);
	long long left = (long long)exp - (long long)now;

	if (c->json) {
		printf("%s{\"dst\":", first ? "" : ",");
		json_str(dst);
		printf(",\"alt\":%u,\"port\":%u,\"nhops\":%u,\"epoch\":%u,\"expiry\":%u,"
		       "\"tag\":\"%02x%02x%02x%02x\"", alt, r->port, r->nhops, r->epoch, exp,
		       r->tag[0], r->tag[1], r->tag[2], r->tag[3]);
		if (c->verbose) {
			printf(",\"hops\":[");
			for (int h = 0; h < r->nhops && h < MMS_MAX_HOPS; h++) {
				printf("%s\"", h ? "," : "");
				for (int i = 0; i < MMS_HOP_LEN; i++)
					printf("%02x", r->hops[h].c[i]);
				printf("\"");
			}
			printf("]");
		}
		printf("}");
		return;
	}
	if (left > 0)
		printf("%-39s %-3u %-5u %-5u %-5u %-10u %llds\n", dst, alt, r->port, r->nhops,
		       r->epoch, exp, left);
	else
		printf("%-39s %-3u %-5u %-5u %-5u %-10u expired\n", dst, alt, r->port, r->nhops,
		       r->epoch, exp);
	if (c->verbose)
		for (int h = 0; h < r->nhops && h < MMS_MAX_HOPS; h++) {
			printf("    hop %-2d ", h);
			for (int i = 0; i < MMS_HOP_LEN; i++)
				printf("%02x", r->hops[h].c[i]);
			printf("\n");
		}
}

static int cmd_route_show(struct ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 } };
	struct mms_addr *keys = NULL, k, *prev = NULL;
	struct mms_route_set set;
	char dst[INET6_ADDRSTRLEN];
	size_t n = 0, cap = 0;
	__u64 now = (__u64)time(NULL);
	bool first = true;
	int ch, fd, rc = 0;

	getopt_reset();
	while ((ch = getopt_long(argc, argv, ":vj", lo, NULL)) != -1) {
		if (ch == 'v')
			c->verbose = true;
		else if (ch == 'j')
			c->json = true;
		else
			return bad_option(ch, argv);
	}
	if (optind < argc)
		return misuse("unexpected argument '%s'", argv[optind]);
	fd = map_open(c, MMS_MAP_ROUTES);
	if (fd < 0)
		return EXIT_FAILURE;
	/* Keys first, sorted, so the listing is stable across runs. */
	while (!bpf_map_get_next_key(fd, prev, &k)) {
		if (n == cap) {
			struct mms_addr *nk;

			cap = cap ? 2 * cap : 64;
			nk = realloc(keys, cap * sizeof(*keys));
			if (!nk) {
				rc = fail("out of memory");
				goto out;
			}
			keys = nk;
		}
		keys[n++] = k;
		prev = &keys[n - 1];
		if (n > MMS_MAX_ROUTES)
			break;
	}
	qsort(keys, n, sizeof(*keys), addr_cmp);
	if (c->json)
		printf("[");
	else
		printf("%-39s %-3s %-5s %-5s %-5s %-10s %s\n", "DST", "ALT", "PORT", "NHOPS",
		       "EPOCH", "EXPIRY", "LEFT");
	for (size_t i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(fd, &keys[i], &set))
			continue;	/* deleted meanwhile */
		fmt_addr(&keys[i], dst);
		for (__u32 a = 0; a < set.n && a < MMS_MAX_ALT; a++) {
			show_route(c, dst, a, &set.r[a], now, first);
			first = false;
		}
	}
	if (c->json)
		printf("]\n");
out:
	free(keys);
	close(fd);
	return rc;
}

/* ---- counters ---- */

/* "DROP_HOP" -> "drop_hop", the spelling of the Prometheus reason label. */
static void stat_lower(enum mms_stat s, char *out, size_t cap)
{
	mms_metrics_lower(out, mms_stat_name(s), cap);
}

static int cmd_stats(struct ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "prom", no_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 } };
	struct mms_counter cnt[MMS_S_MAX];
	bool prom = false;
	char low[32];
	int ch, fd, rc;

	getopt_reset();
	while ((ch = getopt_long(argc, argv, ":j", lo, NULL)) != -1) {
		if (ch == 'p')
			prom = true;
		else if (ch == 'j')
			c->json = true;
		else
			return bad_option(ch, argv);
	}
	if (optind < argc)
		return misuse("unexpected argument '%s'", argv[optind]);
	if (prom && c->json)
		return misuse("--prom and --json exclude each other");
	fd = map_open(c, MMS_MAP_STATS);
	if (fd < 0)
		return EXIT_FAILURE;
	rc = mms_dp_read_stats(fd, cnt);
	close(fd);
	if (rc)
		return fail("reading counters: %s", strerror(-rc));
	if (prom) {
		mms_metrics_write_dp(stdout, cnt);
		return fflush(stdout) || ferror(stdout) ? fail("writing: I/O error") : 0;
	}
	if (c->json)
		printf("{");
	else
		printf("%-16s %12s %14s\n", "COUNTER", "PACKETS", "BYTES");
	for (int s = 0; s < MMS_S_MAX; s++) {
		stat_lower((enum mms_stat)s, low, sizeof(low));
		if (c->json)
			printf("%s\"%s\":{\"packets\":%llu,\"bytes\":%llu}", s ? "," : "", low,
			       (unsigned long long)cnt[s].packets,
			       (unsigned long long)cnt[s].bytes);
		else
			printf("%-16s %12llu %14llu\n", low, (unsigned long long)cnt[s].packets,
			       (unsigned long long)cnt[s].bytes);
	}
	if (c->json)
		printf("}\n");
	return 0;
}

/* ---- control-frame budgets ---- */

static int pinned_dp(const struct ctx *c, struct mms_dp **dp)
{
	int rc = mms_dp_pinned(dp, c->pin);

	return rc ? fail("no datapath pinned under %s (%s): is the agent running?", c->pin,
			 strerror(-rc)) : 0;
}

static int cfg_get(int fd, struct mms_cfg *cfg)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(fd, &k, cfg) ? -errno : 0;
}

struct rl_edit {
	int cls;
	const struct mms_rl_limit *want;
	const bool *given;
};

static int rl_edit(struct mms_cfg *cfg, void *arg)
{
	const struct rl_edit *e = arg;

	for (int l = 0; l < MMS_RL_LEVELS; l++)
		if (e->given[l])
			cfg->rl[e->cls][l] = e->want[l];
	return 0;
}

static int cmd_rl_set(struct ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "nbr", required_argument, NULL, MMS_RL_NBR + 1 },
		{ "link", required_argument, NULL, MMS_RL_LINK + 1 },
		{ "node", required_argument, NULL, MMS_RL_NODE + 1 },
		{ NULL, 0, NULL, 0 } };
	struct mms_rl_limit want[MMS_RL_LEVELS];
	bool given[MMS_RL_LEVELS] = { false };
	struct rl_edit ed;
	struct mms_dp *dp;
	int ch, cls, rc, n = 0;

	getopt_reset();
	/* CLASS first: the options' "default" depends on it */
	if (argc < 2 || argv[1][0] == '-')
		return misuse("give the CLASS first: link-scope, routed or transit");
	cls = mms_rl_class_parse(argv[1]);
	if (cls < 0)
		return misuse("unknown class '%s' (link-scope, routed or transit)", argv[1]);
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
		int l = ch - 1;

		if (l < 0 || l >= MMS_RL_LEVELS)
			return bad_option(ch, argv);
		if (!mms_rl_limit_parse(optarg, (enum mms_rl_class)cls, (enum mms_rl_level)l,
					&want[l]))
			return misuse("--%s: want RATE/BURST (1..%u frames/s, 1..%u), off or "
				      "default, not '%s'", mms_rl_level_name((enum mms_rl_level)l),
				      MMS_RL_RATE_MAX, MMS_RL_BURST_MAX, optarg);
		given[l] = true;
		n++;
	}
	if (optind < argc)
		return misuse("unexpected argument '%s'", argv[optind]);
	if (!n)
		return misuse("give at least one of --nbr, --link, --node");
	rc = pinned_dp(c, &dp);
	if (rc)
		return rc;
	ed = (struct rl_edit){ cls, want, given };
	rc = mms_dp_cfg_edit(dp, rl_edit, &ed);
	mms_dp_close(dp);
	return rc ? fail("mms_cfg: %s", strerror(-rc)) : 0;
}

/* One bucket, whatever its level: link buckets leave the MAC zero, the node
 * bucket the ifindex too. */
struct rl_row {
	struct mms_rl_key key;
	struct mms_rl_bucket b;
};

static int rl_row_cmp(const void *a, const void *b)
{
	const struct rl_row *x = a, *y = b;

	if (x->key.cls != y->key.cls)
		return x->key.cls < y->key.cls ? -1 : 1;
	if (x->key.ifindex != y->key.ifindex)
		return x->key.ifindex < y->key.ifindex ? -1 : 1;
	return memcmp(x->key.mac, y->key.mac, 6);
}

/* Every bucket of one level, sorted by class, interface, MAC. Returns the
 * rows (caller frees) or NULL with *n = -errno. */
static struct rl_row *rl_rows(int fd, enum mms_rl_level l, int *n)
{
	int cap = l == MMS_RL_NBR ? MMS_RL_SENDERS : MMS_RL_CLASSES * MMS_MAX_PORTS;
	struct rl_row *rows = calloc((size_t)cap, sizeof(*rows));
	union {
		struct mms_rl_key nbr;
		struct mms_rl_link_key link;
		__u32 node;
	} k, prev;
	bool first = true;

	*n = 0;
	if (!rows) {
		*n = -ENOMEM;
		return NULL;
	}
	while (*n < cap && !bpf_map_get_next_key(fd, first ? NULL : &prev, &k)) {
		struct rl_row *r = &rows[*n];

		first = false;
		prev = k;
		if (bpf_map_lookup_elem(fd, &k, &r->b))
			continue;	/* gone meanwhile */
		if (l == MMS_RL_NBR) {
			r->key = k.nbr;
		} else if (l == MMS_RL_LINK) {
			r->key.ifindex = k.link.ifindex;
			r->key.cls = (__u8)k.link.cls;
		} else {
			r->key.cls = (__u8)k.node;
		}
		(*n)++;
	}
	qsort(rows, (size_t)*n, sizeof(*rows), rl_row_cmp);
	return rows;
}

static void show_bucket(const struct ctx *c, enum mms_rl_level l, const struct rl_row *r,
			const struct mms_cfg *cfg, __u64 now, bool first)
{
	const char *cls = mms_rl_class_name((enum mms_rl_class)r->key.cls);
	char dev[IF_NAMESIZE] = "-", mac[18] = "-", tokens[24] = "-";
	long long tok = -1;

	if (!cls)
		return;	/* not a class of ours: nothing the datapath makes */
	tok = mms_rl_tokens(&r->b, &cfg->rl[r->key.cls][l], now);
	if (l != MMS_RL_NODE && !if_indextoname(r->key.ifindex, dev))
		snprintf(dev, sizeof(dev), "#%u", r->key.ifindex);
	if (l == MMS_RL_NBR)
		fmt_mac(r->key.mac, mac);
	if (tok >= 0)
		snprintf(tokens, sizeof(tokens), "%lld", tok);
	if (c->json) {
		printf("%s{\"class\":\"%s\",\"level\":\"%s\",\"ifindex\":%u,\"dev\":",
		       first ? "" : ",", cls, mms_rl_level_name(l), r->key.ifindex);
		json_str(dev);
		printf(",\"mac\":\"%s\",\"tokens\":%s,\"passed\":%llu,\"dropped\":%llu}", mac,
		       tok >= 0 ? tokens : "null", (unsigned long long)r->b.passed,
		       (unsigned long long)r->b.dropped);
	} else {
		printf("%-10s %-5s %-15s %-17s %8s %12llu %12llu\n", cls, mms_rl_level_name(l), dev,
		       mac, tokens, (unsigned long long)r->b.passed,
		       (unsigned long long)r->b.dropped);
	}
}

static void show_limits(const struct ctx *c, const struct mms_cfg *cfg)
{
	if (c->json)
		printf("\"limits\":{");
	else
		printf("%-10s %-5s %10s %8s\n", "CLASS", "LEVEL", "RATE/S", "BURST");
	for (int k = 0; k < MMS_RL_CLASSES; k++) {
		const char *cls = mms_rl_class_name((enum mms_rl_class)k);

		if (c->json)
			printf("%s\"%s\":{", k ? "," : "", cls);
		for (int l = 0; l < MMS_RL_LEVELS; l++) {
			const struct mms_rl_limit *lim = &cfg->rl[k][l];
			const char *lvl = mms_rl_level_name((enum mms_rl_level)l);

			if (c->json)
				printf("%s\"%s\":{\"rate\":%u,\"burst\":%u}", l ? "," : "", lvl,
				       lim->rate, lim->burst);
			else if (lim->rate)
				printf("%-10s %-5s %10u %8u\n", cls, lvl, lim->rate, lim->burst);
			else
				printf("%-10s %-5s %10s %8s\n", cls, lvl, "off", "-");
		}
		if (c->json)
			printf("}");
	}
	if (c->json)
		printf("},");
}

static int cmd_rl_show(struct ctx *c, int argc, char **argv)
{
	static const enum mms_map maps[MMS_RL_LEVELS] = {
		[MMS_RL_NBR] = MMS_MAP_RL_NBR, [MMS_RL_LINK] = MMS_MAP_RL_LINK,
		[MMS_RL_NODE] = MMS_MAP_RL_NODE,
	};
	struct mms_cfg cfg;
	struct timespec ts;
	bool first = true;
	__u64 now;
	int fd, rc;

	fd = args_map(c, argc, argv, 0, MMS_MAP_CFG);
	if (fd < 0)
		return -fd;
	rc = cfg_get(fd, &cfg);
	close(fd);
	if (rc)
		return fail("reading mms_cfg: %s", strerror(-rc));
	/* The budgets' clock: the boot clock (bpf/mms_rl.h). */
	clock_gettime(CLOCK_BOOTTIME, &ts);
	now = (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;

	if (c->json)
		printf("{");
	show_limits(c, &cfg);
	if (c->json)
		printf("\"buckets\":[");
	else
		printf("\n%-10s %-5s %-15s %-17s %8s %12s %12s\n", "CLASS", "LEVEL", "DEV", "MAC",
		       "TOKENS", "PASSED", "DROPPED");
	for (int l = 0; l < MMS_RL_LEVELS && !rc; l++) {
		struct rl_row *rows;
		int n;

		fd = map_open(c, maps[l]);
		if (fd < 0) {
			rc = EXIT_FAILURE;
			break;
		}
		rows = rl_rows(fd, (enum mms_rl_level)l, &n);
		close(fd);
		if (n < 0) {
			rc = fail("reading %s: %s", mms_dp_map_name(maps[l]), strerror(-n));
			break;
		}
		for (int i = 0; i < n; i++, first = false)
			show_bucket(c, (enum mms_rl_level)l, &rows[i], &cfg, now, first);
		free(rows);
	}
	if (c->json)
		printf("]}\n");
	return rc;
}

/* ---- data service (docs/datapath.md, "Data off") ---- */

/* The node's pinned datapath as it is: a data command loads nothing. */
static int data_set(struct ctx *c, int argc, char **argv, bool off)
{
	struct mms_dp *dp;
	unsigned ifindex;
	int rc = plain_args(c, argc, argv, 1);

	if (rc)
		return rc;
	ifindex = if_nametoindex(argv[optind]);
	if (!ifindex)
		return fail("%s: no such device in this network namespace", argv[optind]);
	rc = pinned_dp(c, &dp);
	if (rc)
		return rc;
	rc = mms_dp_data_off(dp, (int)ifindex, off);
	mms_dp_close(dp);
	if (rc == -ENOTSUP)
		return fail("%s: not an MMS link of this node (its XDP program is not attached "
			    "there)", argv[optind]);
	return rc ? fail("%s: %s", argv[optind], strerror(-rc)) : 0;
}

static int cmd_data_off(struct ctx *c, int argc, char **argv)
{
	return data_set(c, argc, argv, true);
}

static int cmd_data_on(struct ctx *c, int argc, char **argv)
{
	return data_set(c, argc, argv, false);
}

static bool listed(const __u32 *ifx, int n, __u32 ifindex)
{
	for (int i = 0; i < n; i++)
		if (ifx[i] == ifindex)
			return true;
	return false;
}

static void data_row(const struct ctx *c, const char *dev, __u32 ifindex, bool off, bool first)
{
	if (c->json) {
		printf("%s{\"dev\":", first ? "" : ",");
		json_str(dev);
		printf(",\"ifindex\":%u,\"data\":\"%s\"}", ifindex, off ? "off" : "on");
	} else {
		printf("%-15s %7u %-4s\n", dev, ifindex, off ? "off" : "on");
	}
}

/* Every MMS link of the node with its data service, and any interface set
 * off that no longer runs MMS. */
static int cmd_data_show(struct ctx *c, int argc, char **argv)
{
	__u32 ifx[MMS_DATA_OFF_MAX];
	struct if_nameindex *ifs, *i;
	struct mms_dp *dp;
	bool first = true;
	int n, rc = plain_args(c, argc, argv, 0);

	if (rc || (rc = pinned_dp(c, &dp)))
		return rc;
	n = mms_dp_data_off_list(dp, ifx, MMS_DATA_OFF_MAX);
	ifs = if_nameindex();
	if (n < 0 || !ifs) {
		rc = fail("reading mms_data_off / interfaces: %s", strerror(n < 0 ? -n : errno));
		goto out;
	}
	printf(c->json ? "[" : "%-15s %7s %-4s\n", "DEV", "IFINDEX", "DATA");
	for (i = ifs; i->if_index; i++) {
		bool off = listed(ifx, n, i->if_index);

		if (off || mms_dp_nic_attached(dp, (int)i->if_index)) {
			data_row(c, i->if_name, i->if_index, off, first);
			first = false;
		}
	}
	for (int k = 0; k < n; k++) {
		char dev[IF_NAMESIZE];

		if (!if_indextoname(ifx[k], dev)) {	/* the agent forgets it at start */
			data_row(c, "(gone)", ifx[k], true, first);
			first = false;
		}
	}
	if (c->json)
		printf("]\n");
out:
	if (ifs)
		if_freenameindex(ifs);
	mms_dp_close(dp);
	return rc;
}

/* ---- events ---- */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct ev_ctx {
	const struct ctx *c;
	unsigned long long seen, want;
};

static const char *event_name(__u32 t)
{
	switch (t) {
	case MMS_EV_NO_ROUTE: return "no-route";
	case MMS_EV_PORT_DOWN: return "port-down";
	default: return "unknown";
	}
}

static int on_event(void *arg, void *data, size_t len)
{
	struct ev_ctx *e = arg;
	struct mms_event ev;
	char addr[INET6_ADDRSTRLEN];

	if (len < sizeof(ev))
		return 0;	/* a shorter record is not ours to interpret */
	memcpy(&ev, data, sizeof(ev));
	fmt_addr(&ev.addr, addr);
	if (e->c->json) {
		printf("{\"ts_ns\":%llu,\"type\":\"%s\",\"port\":%u,\"addr\":\"%s\"}\n",
		       (unsigned long long)ev.ts_ns, event_name(ev.type), ev.port, addr);
	} else {
		printf("%llu.%09llu %-9s port %-3u %s\n",
		       (unsigned long long)(ev.ts_ns / 1000000000ull),
		       (unsigned long long)(ev.ts_ns % 1000000000ull), event_name(ev.type),
		       ev.port, addr);
	}
	fflush(stdout);
	e->seen++;
	/* A negative return stops ring_buffer__poll() once enough were seen. */
	return e->want && e->seen >= e->want ? -EINTR : 0;
}

static int cmd_events(struct ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 } };
	struct sigaction sa = { .sa_handler = on_signal };
	struct ev_ctx e = { .c = c };
	unsigned long long timeout = 0;
	struct ring_buffer *rb;
	__u64 deadline;
	int ch, fd, rc = 0;

	getopt_reset();
	while ((ch = getopt_long(argc, argv, ":j", lo, NULL)) != -1) {
		switch (ch) {
		case 'n': NUM_OPT("--count", optarg, 1, ULLONG_MAX, e.want); break;
		case 't': NUM_OPT("--timeout", optarg, 1, 86400ull * 365, timeout); break;
		case 'j': c->json = true; break;
		default: return bad_option(ch, argv);
		}
	}
	if (optind < argc)
		return misuse("unexpected argument '%s'", argv[optind]);
	fd = map_open(c, MMS_MAP_EVENTS);
	if (fd < 0)
		return EXIT_FAILURE;
	rb = ring_buffer__new(fd, on_event, &e, NULL);
	if (!rb) {
		rc = fail("opening the ring buffer: %s", strerror(errno));
		goto out_fd;
	}
	/* No SA_RESTART: a signal ends the wait in epoll at once. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	deadline = timeout ? mono_ns() + timeout * 1000000000ull : 0;
	while (!stop && !(e.want && e.seen >= e.want)) {
		int ms = 200;

		if (deadline) {
			__u64 now = mono_ns();

			if (now >= deadline)
				break;
			if (deadline - now < 200000000ull)
				ms = (int)((deadline - now) / 1000000ull) + 1;
		}
		rc = ring_buffer__poll(rb, ms);
		if (rc == -EINTR) {
			rc = 0;
			continue;
		}
		if (rc < 0) {
			rc = fail("reading events: %s", strerror(-rc));
			break;
		}
		rc = 0;
	}
	ring_buffer__free(rb);
out_fd:
	close(fd);
	/* Asked for N events and saw fewer before the timeout: say so. */
	if (!rc && e.want && e.seen < e.want && !stop)
		rc = fail("%llu of %llu events before the timeout", e.seen, e.want);
	return rc;
}

/* The agent's up-calls (agent/notify.h), as the JSON lines it sends. */
static int cmd_watch(struct ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 } };
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned long long want = 0, timeout = 0;
	int ch, rc;

	(void)c;
	getopt_reset();
	while ((ch = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
		switch (ch) {
		case 'n': NUM_OPT("--count", optarg, 1, ULLONG_MAX, want); break;
		case 't': NUM_OPT("--timeout", optarg, 1, 86400ull * 365, timeout); break;
		default: return bad_option(ch, argv);
		}
	}
	if (optind + 1 != argc)
		return misuse("want one socket path (the agent's STATE/notify.sock)");
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rc = notify_watch(argv[optind], want, timeout * 1000, stdout, &stop);
	if (rc == -ENOTCONN)
		return fail("%s: the agent closed the connection", argv[optind]);
	if (rc == -ETIME)
		return fail("fewer than %llu events before the timeout", want);
	if (rc)
		return fail("%s: %s", argv[optind], strerror(-rc));
	return 0;
}

/* ---- the table ---- */

typedef int (*cmd_fn)(struct ctx *c, int argc, char **argv);

struct cmd {
	const char *name, *sub;	/* "route", "add"; sub NULL for single words */
	cmd_fn fn;
	const char *args, *help;
};

static const struct cmd cmds[] = {
	{ "attach", NULL, cmd_attach, "[--generic] IFNAME...",
	  "load the datapath if needed; attach its XDP program to NICs" },
	{ "detach", NULL, cmd_detach, "IFNAME...", "detach the XDP program from NICs" },
	{ "mm0", NULL, cmd_mm0, "ADDR/PREFIX [--prio N] [--pcp N] [--dscp N|keep] [--producer N]",
	  "create the management interface mm0 with this address" },
	{ "teardown", NULL, cmd_teardown, "",
	  "detach everything, delete mm0, unpin the node's maps" },
	{ "key", "set", cmd_key_set, "--epoch E --key-file FILE",
	  "install this node's 16-byte hop key (raw or hex file, mode 0600)" },
	{ "key", "del", cmd_key_del, "--epoch E", "remove the key of one epoch" },
	{ "key", "show", cmd_key_show, "", "list installed epochs (never key material)" },
	{ "nbr", "set", cmd_nbr_set, "PORT --dev IFNAME --mac MAC [--vlan VID] [--down]",
	  "define neighbour slot PORT on a device" },
	{ "nbr", "del", cmd_nbr_del, "PORT", "clear neighbour slot PORT" },
	{ "nbr", "show", cmd_nbr_show, "", "list neighbour slots" },
	{ "route", "add", cmd_route_add,
	  "DST --port P --epoch E --expiry SECS|@UNIX --hop KEYFILE,IN,OUT... "
	  "--hop KEYFILE,IN [--replace]",
	  "seal an onion route to DST (IP or 'default') and add it as an alternate" },
	{ "route", "del", cmd_route_del, "DST [--alt N]", "remove DST's routes (or one)" },
	{ "route", "show", cmd_route_show, "[-v]", "list routes (-v: hop fields too)" },
	{ "stats", NULL, cmd_stats, "[--prom]",
	  "datapath counters summed over CPUs (--prom: Prometheus text format)" },
	{ "events", NULL, cmd_events, "[--count N] [--timeout S]",
	  "print datapath events until interrupted" },
	{ "watch", NULL, cmd_watch, "SOCKET [--count N] [--timeout S]",
	  "print the agent's up-calls (JSON lines) from its STATE/notify.sock" },
	{ "ratelimit", "set", cmd_rl_set,
	  "link-scope|routed|transit [--nbr RATE/BURST|off|default] [--link ...] [--node ...]",
	  "budgets (frames/s, burst) for control frames to the agent: per sender, link, node" },
	{ "data", "off", cmd_data_off, "IFNAME",
	  "shut data service on an MMS link: only MMS frames in and out (management stays)" },
	{ "data", "on", cmd_data_on, "IFNAME", "restore data service on an MMS link" },
	{ "data", "show", cmd_data_show, "", "MMS links and whether data service is on" },
	{ "ratelimit", "show", cmd_rl_show, "",
	  "the budgets, and every bucket: tokens left, frames passed and dropped" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: mmsctl [--pin DIR] [-j|--json] [-v] COMMAND [ARGS]\n"
		   "  --pin DIR   the node's pin root (default %s)\n"
		   "  -j, --json  machine-readable output for listings\n"
		   "  -v          more detail; the loader's debug log\n"
		   "Commands:\n", MMS_PIN_ROOT);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %s%s%s%s%s\n      %s\n", cmds[i].name, cmds[i].sub ? " " : "",
			cmds[i].sub ? cmds[i].sub : "", cmds[i].args[0] ? " " : "", cmds[i].args,
			cmds[i].help);
}

static const struct cmd *find_cmd(int argc, char **argv, bool *word_ok)
{
	*word_ok = false;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(cmds[i].name, argv[0]))
			continue;
		*word_ok = true;
		if (!cmds[i].sub)
			return &cmds[i];
		if (argc > 1 && !strcmp(cmds[i].sub, argv[1]))
			return &cmds[i];
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "pin", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 } };
	struct ctx c = { .pin = MMS_PIN_ROOT };
	const struct cmd *cmd;
	bool word_ok;
	int ch;

	opterr = 0;
	/* '+': stop at the command word; the rest belongs to the subcommand. */
	while ((ch = getopt_long(argc, argv, "+:jvh", lo, NULL)) != -1) {
		switch (ch) {
		case 'p':
			if (!optarg[0])
				return misuse("--pin: empty directory");
			c.pin = optarg;
			break;
		case 'j': c.json = true; break;
		case 'v': c.verbose = true; break;
		case 'h': usage(stdout); return 0;
		default: return bad_option(ch, argv);
		}
	}
	argc -= optind;
	argv += optind;
	/* The loader's and libbpf's diagnostics: warnings, or everything with -v. */
	mms_log_set_level(c.verbose ? MMS_LOG_DEBUG : MMS_LOG_WARN);
	mms_log_libbpf();
	if (argc < 1)
		return misuse("give a COMMAND (see mmsctl help)");
	if (!strcmp(argv[0], "help")) {
		usage(stdout);
		return 0;
	}
	cmd = find_cmd(argc, argv, &word_ok);
	if (!cmd) {
		if (word_ok)
			return misuse("%s: want one of its subcommands%s%s (see mmsctl help)",
				      argv[0], argc > 1 ? ", not " : "", argc > 1 ? argv[1] : "");
		return misuse("unknown command '%s' (see mmsctl help)", argv[0]);
	}
	snprintf(cur_cmd, sizeof(cur_cmd), "%s%s%s", cmd->name, cmd->sub ? " " : "",
		 cmd->sub ? cmd->sub : "");
	/* The subcommand sees its own name as argv[0]. */
	if (cmd->sub) {
		argc--;
		argv++;
	}
	return cmd->fn(&c, argc, argv);
}
