// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "codec.h"
#include "metrics.h"

void mms_metrics_lower(char *dst, const char *src, size_t cap)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < cap; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[i] = 0;
}

void mms_metrics_write_dp(FILE *f, const struct mms_counter *c)
{
	static const char *const what[2] = { "frames", "bytes" };

	for (int k = 0; k < 2; k++) {
		fprintf(f, "# HELP mms_%s_total Datapath %s by outcome (reason label: see mmsctl stats).\n",
			what[k], what[k]);
		fprintf(f, "# TYPE mms_%s_total counter\n", what[k]);
		for (int s = 0; s < MMS_S_MAX; s++) {
			char name[64];

			mms_metrics_lower(name, mms_stat_name((enum mms_stat)s), sizeof(name));
			fprintf(f, "mms_%s_total{reason=\"%s\"} %llu\n", what[k], name,
				(unsigned long long)(k ? c[s].bytes : c[s].packets));
		}
	}
}

void mms_metrics_write(FILE *f, const struct mms_metric *m, int n)
{
	for (int i = 0; i < n; i++) {
		if (i == 0 || strcmp(m[i].name, m[i - 1].name)) {
			fprintf(f, "# HELP mms_%s %s\n", m[i].name, m[i].help);
			fprintf(f, "# TYPE mms_%s %s\n", m[i].name, m[i].is_gauge ? "gauge" : "counter");
		}
		if (m[i].labels)
			fprintf(f, "mms_%s{%s} %.17g\n", m[i].name, m[i].labels, m[i].value);
		else
			fprintf(f, "mms_%s %.17g\n", m[i].name, m[i].value);
	}
}

int mms_metrics_listen(const char *spec)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char host[64];
	const char *colon = strrchr(spec, ':');
	long port;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (!colon || (size_t)(colon - spec) >= sizeof(host))
		return -EINVAL;
	port = strtol(colon + 1, NULL, 10);
	if (port <= 0 || port > 65535)
		return -EINVAL;
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = 0;
	if (host[0] == '[') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		size_t l = strlen(host);

		if (l < 2 || host[l - 1] != ']')
			return -EINVAL;
		host[l - 1] = 0;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			return -EINVAL;
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return -EINVAL;
		sl = sizeof(*s4);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 8) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

void mms_metrics_pending_init(struct mms_metrics_pending *p)
{
	for (int i = 0; i < MMS_METRICS_PENDING; i++)
		p->fd[i] = -1;
	p->next = 0;
}

void mms_metrics_pending_close(struct mms_metrics_pending *p)
{
	for (int i = 0; i < MMS_METRICS_PENDING; i++)
		if (p->fd[i] >= 0)
			close(p->fd[i]);
	mms_metrics_pending_init(p);
}

int mms_metrics_waiting(const struct mms_metrics_pending *p)
{
	for (int i = 0; i < MMS_METRICS_PENDING; i++)
		if (p->fd[i] >= 0)
			return 1;
	return 0;
}

/* The answer to the request in req, written in one go: the socket's send
 * buffer is made large enough first, and what does not fit is dropped. */
static void answer(int fd, const char *req, void (*body)(FILE *f, void *ctx), void *ctx)
{
	char *text = NULL;
	size_t tlen = 0;
	int sndbuf = 1 << 20;
	FILE *mf = open_memstream(&text, &tlen);

	if (!mf)
		return;
	if (!strncmp(req, "GET /metrics", 12)) {
		char *payload = NULL;
		size_t plen = 0;
		FILE *pf = open_memstream(&payload, &plen);

		if (pf) {
			body(pf, ctx);
			fclose(pf);
		}
		fprintf(mf, "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
			"Content-Length: %zu\r\nConnection: close\r\n\r\n", plen);
		if (payload)
			fwrite(payload, 1, plen, mf);
		free(payload);
	} else {
		fprintf(mf, "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n");
	}
	fclose(mf);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	for (size_t off = 0; off < tlen;) {
		ssize_t w = send(fd, text + off, tlen - off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w <= 0)
			break;
		off += (size_t)w;
	}
	free(text);
}

void mms_metrics_serve(int lfd, struct mms_metrics_pending *p,
		       void (*body)(FILE *f, void *ctx), void *ctx)
{
	for (int budget = 0; budget < 16; budget++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			break;
		if (p->fd[p->next] >= 0)
			close(p->fd[p->next]);	/* the oldest silent one goes */
		p->fd[p->next] = fd;
		p->next = (p->next + 1) % MMS_METRICS_PENDING;
	}
	for (int i = 0; i < MMS_METRICS_PENDING; i++) {
		char req[1024];
		ssize_t n;

		if (p->fd[i] < 0)
			continue;
		n = recv(p->fd[i], req, sizeof(req) - 1, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			continue;	/* not yet: next wake-up */
		if (n > 0) {
			req[n] = 0;
			answer(p->fd[i], req, body, ctx);
		}
		close(p->fd[i]);
		p->fd[i] = -1;
	}
}
