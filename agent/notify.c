// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Up-calls: events as JSON lines on a Unix stream socket (notify.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "log.h"
#include "msg.h"
#include "notify.h"

/* ---- the line ---- */

struct out {
	char *p;
	size_t cap, len;
	int err;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len)
		o->err = -ENOSPC;
	else
		o->len += (size_t)n;
}

/* ,"key":"value" with JSON escapes: names come from LSAs, which any
 * enrolled CM writes, so nothing in them may break the line or the object. */
static void put_str(struct out *o, const char *key, const char *v)
{
	put(o, ",\"%s\":\"", key);
	for (const unsigned char *s = (const unsigned char *)v; *s && !o->err; s++) {
		if (*s == '"' || *s == '\\')
			put(o, "\\%c", *s);
		else if (*s < 0x20 || *s == 0x7f)
			put(o, "\\u%04x", *s);
		else
			put(o, "%c", *s);
	}
	put(o, "\"");
}

static void put_id(struct out *o, const char *key, const struct mms_id *id)
{
	char s[MMS_ID_STR];

	put_str(o, key, mms_id_str(id, s));
}

static void put_addr(struct out *o, const char *key, const struct mms_addr *a)
{
	static const __u8 v4map[12] = { [10] = 0xff, [11] = 0xff };
	char s[INET6_ADDRSTRLEN];
	bool v4 = !memcmp(a->a, v4map, sizeof(v4map));

	if (!inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? a->a + 12 : a->a, s, sizeof(s)))
		return;
	put_str(o, key, s);
}

static const char *report_name(__u8 k)
{
	switch (k) {
	case MMS_NOTIFY_NBR_DOWN: return "neighbour_down";
	case MMS_NOTIFY_NO_ROUTE: return "no_route";
	case MMS_NOTIFY_FAILOVER: return "failover";
	default: return "unknown";
	}
}

int notify_format(char *buf, size_t cap, const char *agent, __u64 unix_ms,
		  const struct core_event *e, const char *ifname)
{
	struct out o = { .p = buf, .cap = cap };
	time_t t = (time_t)(unix_ms / 1000);
	char when[32];
	struct tm tm;

	if (!cap)
		return -ENOSPC;
	if (!gmtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm))
		snprintf(when, sizeof(when), "1970-01-01T00:00:00");
	put(&o, "{\"time\":\"%s.%03uZ\"", when, (unsigned)(unix_ms % 1000));
	put_str(&o, "agent", agent);
	put_str(&o, "event", core_event_name(e->kind));
	if (e->node) {
		put_str(&o, "node", e->name ? e->name : "");
		put_id(&o, "id", e->node);
	}
	if (e->kind == CORE_EV_REPORT)
		put_str(&o, "report", report_name(e->report));
	if (e->addr && (e->kind != CORE_EV_REPORT || e->report != MMS_NOTIFY_NBR_DOWN))
		put_addr(&o, "addr", e->addr);
	if (e->peer) {
		put_str(&o, "peer", e->peer_name ? e->peer_name : "");
		put_id(&o, "peer_id", e->peer);
	}
	if (e->kind == CORE_EV_NBR_UP || e->kind == CORE_EV_NBR_DOWN || e->kind == CORE_EV_REPORT)
		put(&o, ",\"port\":%u", e->port);
	if (ifname)
		put_str(&o, "ifname", ifname);
	if (e->why && *e->why)
		put_str(&o, "why", e->why);
	put(&o, "}\n");
	return o.err ? o.err : (int)o.len;
}

/* ---- the socket ---- */

struct notify {
	int lfd;
	int cfd[NOTIFY_MAX_CLIENTS];
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct notify_stats st;
};

int notify_open(struct notify **out, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct notify *n;
	mode_t old;
	int rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	for (int i = 0; i < NOTIFY_MAX_CLIENTS; i++)
		n->cfd[i] = -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	snprintf(n->path, sizeof(n->path), "%s", path);
	n->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (n->lfd < 0) {
		rc = -errno;
		free(n);
		return rc;
	}
	/* a socket file left by an agent that died; anything else stays */
	{
		struct stat st;

		if (!lstat(path, &st) && S_ISSOCK(st.st_mode))
			unlink(path);
	}
	old = umask(0177);	/* 0600 from the start: events name the network */
	/* backlog: a burst of clients connecting at once must not block */
	rc = bind(n->lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	     listen(n->lfd, 2 * NOTIFY_MAX_CLIENTS) ? -errno : 0;
	umask(old);
	if (rc) {
		close(n->lfd);
		free(n);
		return rc;
	}
	*out = n;
	return 0;
}

int notify_fd(const struct notify *n)
{
	return n->lfd;
}

static void drop(struct notify *n, int i)
{
	close(n->cfd[i]);
	n->cfd[i] = -1;
	n->st.clients--;
	n->st.dropped++;
}

/* A client that hung up: its socket reads as end of file. */
static bool gone(int fd)
{
	char b;

	return recv(fd, &b, 1, MSG_DONTWAIT | MSG_PEEK) == 0;
}

void notify_accept(struct notify *n)
{
	int fd;

	while ((fd = accept4(n->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		int slot = -1;

		for (int i = 0; i < NOTIFY_MAX_CLIENTS; i++) {
			if (n->cfd[i] >= 0 && gone(n->cfd[i]))
				drop(n, i);
			if (n->cfd[i] < 0 && slot < 0)
				slot = i;
		}
		if (slot < 0) {
			close(fd);
			n->st.refused++;
			continue;
		}
		n->cfd[slot] = fd;
		n->st.clients++;
		n->st.accepted++;
	}
}

void notify_send(struct notify *n, const char *line, size_t len)
{
	n->st.lines++;
	for (int i = 0; i < NOTIFY_MAX_CLIENTS; i++) {
		ssize_t w;

		if (n->cfd[i] < 0)
			continue;
		w = send(n->cfd[i], line, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w != (ssize_t)len) {	/* full, or gone: a half line is never left */
			if (w > 0)
				shutdown(n->cfd[i], SHUT_RDWR);
			drop(n, i);
		}
	}
}

void notify_get_stats(const struct notify *n, struct notify_stats *s)
{
	*s = n->st;
}

void notify_close(struct notify *n)
{
	if (!n)
		return;
	for (int i = 0; i < NOTIFY_MAX_CLIENTS; i++)
		if (n->cfd[i] >= 0)
			close(n->cfd[i]);
	close(n->lfd);
	unlink(n->path);
	free(n);
}

/* ---- the client ---- */

static __u64 mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + (__u64)ts.tv_nsec / 1000000;
}

int notify_watch(const char *path, unsigned long long count, unsigned long long timeout_ms,
		 FILE *out, volatile int *stop)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	__u64 deadline = timeout_ms ? mono_ms() + timeout_ms : 0;
	unsigned long long seen = 0;
	int fd, rc = 0;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		rc = -errno;
		close(fd);
		return rc;
	}
	while (!*stop && !(count && seen >= count)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char buf[4096];
		int ms = 200;
		ssize_t n;

		if (deadline) {
			__u64 now = mono_ms();

			if (now >= deadline) {
				rc = count ? -ETIME : 0;
				break;
			}
			if (deadline - now < 200)
				ms = (int)(deadline - now);
		}
		if (poll(&p, 1, ms) <= 0)
			continue;	/* timeout, or a signal: look at stop and the clock */
		n = read(fd, buf, sizeof(buf));
		if (n == 0) {
			rc = -ENOTCONN;
			break;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		/* whole lines only count; a line's end may come in a later read */
		for (ssize_t i = 0; i < n; i++)
			seen += buf[i] == '\n';
		if (fwrite(buf, 1, (size_t)n, out) != (size_t)n) {
			rc = -EIO;
			break;
		}
		fflush(out);
	}
	close(fd);
	return rc;
}
