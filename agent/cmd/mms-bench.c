// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mms-bench: the pieces scripts/bench.sh puts into namespaces to measure
 * forwarding chains: a BPF_PROG_TEST_RUN live-frame generator, a counting
 * sink, the plain XDP redirect forwarder, and an MMS frame builder.
 * Only for benchmarks; every subcommand acts in the caller's netns.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_packet.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "codec.h"
#include "mms_bench.skel.h"

#ifndef BPF_F_TEST_XDP_LIVE_FRAMES
#define BPF_F_TEST_XDP_LIVE_FRAMES (1U << 1)
#endif

static int die(const char *fmt, const char *arg)
{
	fprintf(stderr, "mms-bench: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	return 1;
}

static int ifidx(const char *name)
{
	unsigned i = if_nametoindex(name);

	if (!i) {
		fprintf(stderr, "mms-bench: no interface %s\n", name);
		exit(1);
	}
	return (int)i;
}

static int parse_mac(const char *s, __u8 m[6])
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2], &m[3], &m[4],
		      &m[5]) == 6 ? 0 : -1;
}

static int read_hex(const char *path, __u8 *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;
	unsigned v;

	if (!f)
		return -1;
	while (n < cap && fscanf(f, "%2x", &v) == 1)
		buf[n++] = (__u8)v;
	fclose(f);
	return (int)n;
}

/*
 * Load the bench object with its maps shared through pins under dir. Pinned
 * maps are adopted with bpf_map__reuse_fd(): libbpf 1.1's own pin check
 * rejects devmaps, whose flags the kernel amends.
 */
static struct mms_bench *load(const char *pin_dir, __u32 gen_ifindex)
{
	struct mms_bench *s = mms_bench__open();
	struct bpf_map *maps[3];
	char p[256];

	if (!s)
		return NULL;
	maps[0] = s->maps.bench_fwd;
	maps[1] = s->maps.bench_tx;
	maps[2] = s->maps.bench_count;
	s->rodata->gen_ifindex = gen_ifindex;
	for (int i = 0; pin_dir && i < 3; i++) {
		int fd;

		snprintf(p, sizeof(p), "%s/%s", pin_dir, bpf_map__name(maps[i]));
		fd = bpf_obj_get(p);
		if (fd >= 0) {
			bpf_map__reuse_fd(maps[i], fd);
			close(fd);
		}
	}
	if (mms_bench__load(s))
		goto fail;
	for (int i = 0; pin_dir && i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s", pin_dir, bpf_map__name(maps[i]));
		if (access(p, F_OK) && bpf_obj_pin(bpf_map__fd(maps[i]), p))
			goto fail;
	}
	return s;
fail:
	mms_bench__destroy(s);
	return NULL;
}

static int attach(struct bpf_program *prog, int ifindex)
{
	int rc = bpf_xdp_attach(ifindex, bpf_program__fd(prog), XDP_FLAGS_DRV_MODE, NULL);

	if (rc)
		fprintf(stderr, "mms-bench: attach to ifindex %d: %s\n", ifindex, strerror(-rc));
	return rc;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* gen DEV FRAMEHEXFILE COUNT: send COUNT copies of the frame out of DEV. */
static int cmd_gen(int argc, char **argv)
{
	__u8 frame[2048];
	struct mms_bench *s;
	long count;
	int n, rc;
	double t0, t1;

	if (argc != 4)
		return die("usage: gen DEV FRAMEHEXFILE COUNT%s", "");
	n = read_hex(argv[2], frame, sizeof(frame));
	count = strtol(argv[3], NULL, 10);
	if (n < 14 || count <= 0)
		return die("bad frame file or count: %s", argv[2]);
	s = load(NULL, (__u32)ifidx(argv[1]));
	if (!s)
		return die("cannot load the bench object%s", "");
	{
		struct { __u32 len; __u8 data[512]; } tmpl = { .len = (__u32)n };
		__u32 k = 0;

		if (n > 512) {
			mms_bench__destroy(s);
			return die("frame over 512 bytes: %s", argv[2]);
		}
		memcpy(tmpl.data, frame, (size_t)n);
		bpf_map_update_elem(bpf_map__fd(s->maps.bench_frame), &k, &tmpl, 0);
	}
	{
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = (__u32)n,
			    .repeat = (__u32)count, .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
			    .batch_size = 64);
		t0 = now_s();
		rc = bpf_prog_test_run_opts(bpf_program__fd(s->progs.xdp_gen), &o);
		t1 = now_s();
	}
	mms_bench__destroy(s);
	if (rc)
		return die("test_run: %s", strerror(errno));
	printf("offered %ld frames in %.3f s: %.0f pps\n", count, t1 - t0, (double)count / (t1 - t0));
	return 0;
}

/* pgen DEV FRAMEHEXFILE COUNT: the same through an AF_PACKET socket (qdisc
 * bypassed, sendmmsg batches of 64). Used where frames must enter the kernel
 * stack: live test_run frames are not meant to become skbs. */
static int cmd_pgen(int argc, char **argv)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_halen = 6 };
	struct mmsghdr msgs[64];
	struct iovec iov;
	__u8 frame[2048];
	long count, sent = 0;
	int n, fd, one = 1;
	double t0, t1;

	if (argc != 4)
		return die("usage: pgen DEV FRAMEHEXFILE COUNT%s", "");
	n = read_hex(argv[2], frame, sizeof(frame));
	count = strtol(argv[3], NULL, 10);
	if (n < 14 || count <= 0)
		return die("bad frame file or count: %s", argv[2]);
	to.sll_ifindex = ifidx(argv[1]);
	memcpy(to.sll_addr, frame, 6);
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		return die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	iov.iov_base = frame;
	iov.iov_len = (size_t)n;
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < 64; i++) {
		msgs[i].msg_hdr.msg_name = &to;
		msgs[i].msg_hdr.msg_namelen = sizeof(to);
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	t0 = now_s();
	while (sent < count) {
		int r = sendmmsg(fd, msgs, (unsigned)(count - sent < 64 ? count - sent : 64), 0);

		if (r < 0) {
			if (errno == ENOBUFS || errno == EAGAIN)
				continue;
			close(fd);
			return die("sendmmsg: %s", strerror(errno));
		}
		sent += r;
	}
	t1 = now_s();
	close(fd);
	printf("offered %ld frames in %.3f s: %.0f pps\n", count, t1 - t0, (double)count / (t1 - t0));
	return 0;
}

/* sink PINDIR DEV / pass PINDIR DEV / plain PINDIR IN OUT DSTMAC */
static int cmd_attach(int argc, char **argv)
{
	struct mms_bench *s;
	const char *what = argv[0];
	int rc;

	if (argc < 3)
		return die("usage: %s PINDIR DEV ...", what);
	s = load(argv[1], 0);
	if (!s)
		return die("cannot load the bench object%s", "");
	if (!strcmp(what, "sink")) {
		rc = attach(s->progs.xdp_sink, ifidx(argv[2]));
	} else if (!strcmp(what, "pass")) {
		rc = attach(s->progs.xdp_pass, ifidx(argv[2]));
	} else {
		struct fwd_entry { __u32 egress; __u8 dst[6], src[6]; } e;
		__u32 in, out;
		struct ifreq ifr;
		int fd;

		if (argc != 5 || parse_mac(argv[4], e.dst))
			return die("usage: plain PINDIR IN OUT DSTMAC%s", "");
		in = (__u32)ifidx(argv[2]);
		out = (__u32)ifidx(argv[3]);
		/* ioctl, not sysfs: nsenter keeps the host's /sys */
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[3]);
		if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
			return die("cannot read the MAC of %s", argv[3]);
		close(fd);
		memcpy(e.src, ifr.ifr_hwaddr.sa_data, 6);
		e.egress = out;
		rc = bpf_map_update_elem(bpf_map__fd(s->maps.bench_fwd), &in, &e, 0) ||
		     bpf_map_update_elem(bpf_map__fd(s->maps.bench_tx), &out, &out, 0);
		if (!rc)
			rc = attach(s->progs.xdp_fwd_plain, (int)in);
	}
	mms_bench__destroy(s);
	return rc ? 1 : 0;
}

/* count PINDIR: frames the sink has seen. */
static int cmd_count(int argc, char **argv)
{
	int ncpu = libbpf_num_possible_cpus(), fd;
	char path[256];
	__u64 *v, sum = 0;
	__u32 k = 0;

	if (argc != 2 || ncpu <= 0)
		return die("usage: count PINDIR%s", "");
	snprintf(path, sizeof(path), "%s/bench_count", argv[1]);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return die("no sink counter at %s", path);
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v || bpf_map_lookup_elem(fd, &k, v))
		return die("cannot read %s", path);
	for (int i = 0; i < ncpu; i++)
		sum += v[i];
	printf("%llu\n", (unsigned long long)sum);
	free(v);
	close(fd);
	return 0;
}

/* mkframe DSTMAC SRCMAC EPOCH EXPIRY KEYHEX,IN,OUT... : an MMS IP-bearer
 * frame (a 64-byte IPv4 packet, tagged for the last hop) along the given
 * hops, as hex on stdout. */
static int cmd_mkframe(int argc, char **argv)
{
	struct mms_hop_spec spec[MMS_MAX_HOPS];
	__u8 keys[MMS_MAX_HOPS][16], dst[6], src[6], buf[2048], body[64] = { 0x45, 0, 0, 64 };
	const __u8 tag[4] = { 1, 2, 3, 4 };
	struct mms_route rt;
	int n = argc - 5, len;

	if (n < 1 || n > MMS_MAX_HOPS || parse_mac(argv[1], dst) || parse_mac(argv[2], src))
		return die("usage: mkframe DSTMAC SRCMAC EPOCH EXPIRY KEYHEX,IN,OUT...%s", "");
	for (int i = 0; i < n; i++) {
		char khex[33];
		unsigned in, out;

		if (sscanf(argv[5 + i], "%32[0-9a-f],%u,%u", khex, &in, &out) != 3 ||
		    strlen(khex) != 32)
			return die("bad hop %s", argv[5 + i]);
		for (int b = 0; b < 16; b++)
			sscanf(khex + 2 * b, "%2hhx", &keys[i][b]);
		spec[i].key = keys[i];
		spec[i].ingress = (__u16)in;
		spec[i].egress = (__u16)out;
	}
	if (mms_route_build(&rt, 1, spec, n, (__u8)atoi(argv[3]), (__u32)strtoul(argv[4], NULL, 10), tag))
		return die("route build failed%s", "");
	/* Tagged as an MA tags data to a CM: under the destination's key. */
	if (mms_e2e_derive(keys[n - 1], MMS_E2E_DOWN, &rt.e2e))
		return die("key derivation failed%s", "");
	/* one frame sent again and again: a destination would take it once,
	 * the transit hops measured here do not look */
	len = mms_frame_data(buf, sizeof(buf), &rt, dst, src, mms_seq_word(0, 1), body,
			     sizeof(body));
	if (len < 0)
		return die("frame build failed%s", "");
	for (int i = 0; i < len; i++)
		printf("%02x", buf[i]);
	printf("\n");
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *usage;
} cmds[] = {
	{ "gen", cmd_gen, "DEV FRAMEHEXFILE COUNT" },
	{ "pgen", cmd_pgen, "DEV FRAMEHEXFILE COUNT" },
	{ "sink", cmd_attach, "PINDIR DEV" },
	{ "pass", cmd_attach, "PINDIR DEV" },
	{ "plain", cmd_attach, "PINDIR IN OUT DSTMAC" },
	{ "count", cmd_count, "PINDIR" },
	{ "mkframe", cmd_mkframe, "DSTMAC SRCMAC EPOCH EXPIRY KEYHEX,IN,OUT..." },
};

int main(int argc, char **argv)
{
	if (argc >= 2)
		for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			if (!strcmp(argv[1], cmds[i].name))
				return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "usage: mms-bench COMMAND ARGS\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(stderr, "  %s %s\n", cmds[i].name, cmds[i].usage);
	return 2;
}
