// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ICMP echo prober for the agent benches (scripts/bench-agents.sh), run in a
 * node's namespace. ping(8) prints when replies come, not when each request
 * left; outage figures need both, to the microsecond.
 *
 *   icmp_probe first [-i MS] [-t S] DST...
 *	probe every DST each interval until each has answered once (or -t
 *	passes); one line per DST: `DST FIRST_REPLY_NS` (CLOCK_REALTIME) or
 *	`DST -`. Exit 0 when all answered.
 *
 *   icmp_probe log [-i MS] [-t S] DST
 *	probe DST each interval until SIGINT/SIGTERM (or -t); then one line
 *	per probe: `SEQ SENT_NS RECV_NS` (RECV_NS 0: no reply). Replies are
 *	matched by sequence number, so late or reordered ones count.
 *
 * A send that fails (no route yet) counts as a probe without reply.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <sys/socket.h>

#define MAX_DST		64
#define MAX_PROBES	(1u << 20)	/* log mode: 87 min at 5 ms */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint16_t csum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		s += (uint32_t)b[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons((uint16_t)~s);
}

static int send_echo(int fd, const struct sockaddr_in *to, uint16_t id, uint16_t seq)
{
	struct {
		struct icmphdr h;
		uint8_t pad[24];
	} m;

	memset(&m, 0, sizeof(m));
	m.h.type = ICMP_ECHO;
	m.h.un.echo.id = htons(id);
	m.h.un.echo.sequence = htons(seq);
	m.h.checksum = csum(&m, sizeof(m));
	return sendto(fd, &m, sizeof(m), 0, (const struct sockaddr *)to, sizeof(*to)) < 0 ? -errno : 0;
}

/* One reply of ours from the socket: its source and sequence; 0, or -1 when
 * there is nothing more or it is not ours. */
static int recv_reply(int fd, uint16_t id, struct in_addr *from, uint16_t *seq)
{
	uint8_t buf[512];
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&sa, &sl);
	struct icmphdr h;
	size_t ihl;

	if (n < (ssize_t)sizeof(struct iphdr))
		return -1;
	ihl = (size_t)(buf[0] & 15) * 4;
	if ((size_t)n < ihl + sizeof(h))
		return -1;
	memcpy(&h, buf + ihl, sizeof(h));
	if (h.type != ICMP_ECHOREPLY || ntohs(h.un.echo.id) != id)
		return -1;
	*from = sa.sin_addr;
	*seq = ntohs(h.un.echo.sequence);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: icmp_probe first|log [-i MS] [-t S] DST...\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst[MAX_DST];
	uint64_t first[MAX_DST] = { 0 }, interval_ns = 5000000ull, limit_ns = 0, t0, next;
	uint64_t *sent = NULL, *recvd = NULL;
	unsigned ndst = 0, nprobe = 0, answered = 0;
	uint16_t id = (uint16_t)getpid();
	bool log_mode;
	int c, fd;

	if (argc < 2 || (strcmp(argv[1], "first") && strcmp(argv[1], "log")))
		return usage();
	log_mode = !strcmp(argv[1], "log");
	optind = 2;
	while ((c = getopt(argc, argv, "i:t:")) != -1) {
		char *end;
		double v = strtod(optarg, &end);

		if (*end || v <= 0) {
			fprintf(stderr, "icmp_probe: -%c wants a positive number, not '%s'\n", c, optarg);
			return 2;
		}
		if (c == 'i')
			interval_ns = (uint64_t)(v * 1e6);
		else if (c == 't')
			limit_ns = (uint64_t)(v * 1e9);
		else
			return usage();
	}
	for (; optind < argc; optind++) {
		if (ndst == MAX_DST || (log_mode && ndst == 1))
			return usage();
		memset(&dst[ndst], 0, sizeof(dst[ndst]));
		dst[ndst].sin_family = AF_INET;
		if (inet_pton(AF_INET, argv[optind], &dst[ndst].sin_addr) != 1) {
			fprintf(stderr, "icmp_probe: not an IPv4 address: %s\n", argv[optind]);
			return 2;
		}
		ndst++;
	}
	if (!ndst)
		return usage();
	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (fd < 0) {
		fprintf(stderr, "icmp_probe: raw ICMP socket: %s\n", strerror(errno));
		return 1;
	}
	if (log_mode) {
		sent = calloc(MAX_PROBES, sizeof(*sent));
		recvd = calloc(MAX_PROBES, sizeof(*recvd));
		if (!sent || !recvd) {
			fprintf(stderr, "icmp_probe: out of memory\n");
			return 1;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	t0 = next = now_ns(CLOCK_MONOTONIC);
	while (!stop && (!limit_ns || now_ns(CLOCK_MONOTONIC) - t0 < limit_ns)) {
		uint64_t mono = now_ns(CLOCK_MONOTONIC);
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct in_addr from;
		uint16_t seq;

		if (mono >= next) {
			if (log_mode && nprobe == MAX_PROBES)
				break;
			for (unsigned d = 0; d < ndst; d++) {
				if (!log_mode && first[d])
					continue;
				if (log_mode)
					sent[nprobe] = now_ns(CLOCK_REALTIME);
				send_echo(fd, &dst[d], id, (uint16_t)nprobe);
			}
			nprobe++;
			next += interval_ns;
			if (next < mono)	/* we were descheduled: do not burst */
				next = mono + interval_ns;
			continue;
		}
		struct timespec wait = { .tv_sec = (time_t)((next - mono) / 1000000000ull),
					 .tv_nsec = (long)((next - mono) % 1000000000ull) };

		if (ppoll(&pfd, 1, &wait, NULL) <= 0)
			continue;
		while (recv_reply(fd, id, &from, &seq) == 0) {
			uint64_t t = now_ns(CLOCK_REALTIME);

			if (log_mode) {
				/* seq is the probe number mod 2^16: the latest such probe */
				unsigned k = nprobe ? (nprobe - 1) - (uint16_t)((uint16_t)(nprobe - 1) - seq) : 0;

				if (k < nprobe && !recvd[k])
					recvd[k] = t;
				continue;
			}
			for (unsigned d = 0; d < ndst; d++)
				if (dst[d].sin_addr.s_addr == from.s_addr && !first[d]) {
					first[d] = t;
					answered++;
				}
		}
		if (!log_mode && answered == ndst)
			break;
	}
	close(fd);
	if (log_mode) {
		for (unsigned k = 0; k < nprobe; k++)
			printf("%u %llu %llu\n", k, (unsigned long long)sent[k],
			       (unsigned long long)recvd[k]);
		free(sent);
		free(recvd);
		return 0;
	}
	for (unsigned d = 0; d < ndst; d++) {
		char a[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &dst[d].sin_addr, a, sizeof(a));
		if (first[d])
			printf("%s %llu\n", a, (unsigned long long)first[d]);
		else
			printf("%s -\n", a);
	}
	return answered == ndst ? 0 : 1;
}
