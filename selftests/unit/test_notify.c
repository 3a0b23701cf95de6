// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Up-calls (agent/notify.c): the JSON line of each event kind, escapes of
 * hostile names, no truncated line; the socket: every client gets every
 * line, a client that stops reading is cut off without holding the others
 * up, a client that left is reaped, one too many is refused, the socket is
 * 0600 and removed on close; the client side (notify_watch) copies lines
 * and reports the agent going away.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "tap.h"
#include "msg.h"
#include "notify.h"

static struct mms_id id_of(__u8 b)
{
	struct mms_id id;

	memset(&id, b, sizeof(id));
	return id;
}

static void test_format(void)
{
	struct mms_id n = id_of(0x11), p = id_of(0x22);
	struct mms_addr a = { .a = { [10] = 0xff, [11] = 0xff, 10, 77, 0, 5 } };
	struct core_event e = { .kind = CORE_EV_NODE_DOWN, .node = &n, .name = "core5",
				.addr = &a };
	char buf[NOTIFY_LINE_MAX];
	int len;

	len = notify_format(buf, sizeof(buf), "ma1", 1234, &e, NULL);
	ok(len > 0 && !strcmp(buf, "{\"time\":\"1970-01-01T00:00:01.234Z\",\"agent\":\"ma1\","
			       "\"event\":\"node_down\",\"node\":\"core5\",\"id\":"
			       "\"11111111111111111111111111111111\",\"addr\":\"10.77.0.5\"}\n") &&
	   (size_t)len == strlen(buf), "node_down: time, agent, node, id, address");
	e = (struct core_event){ .kind = CORE_EV_REPORT, .node = &n, .name = "c\"o\\r\ne",
				 .addr = &a, .peer = &p, .peer_name = "", .port = 2,
				 .report = MMS_NOTIFY_NBR_DOWN };
	len = notify_format(buf, sizeof(buf), "ma1", 0, &e, NULL);
	ok(len > 0 && strstr(buf, "\"node\":\"c\\\"o\\\\r\\u000ae\"") &&
	   strstr(buf, "\"report\":\"neighbour_down\"") && strstr(buf, "\"port\":2") &&
	   strstr(buf, "\"peer_id\":\"2222") && !strstr(buf, "\"addr\""),
	   "report: a name with quote, backslash and newline escaped; no address for a lost neighbour");
	ok(!strchr(buf, '\n') || strchr(buf, '\n') == buf + len - 1, "one newline, at the end");
	e = (struct core_event){ .kind = CORE_EV_NBR_DOWN, .peer = &p, .port = 3,
				 .why = "hello timeout" };
	len = notify_format(buf, sizeof(buf), "b", 0, &e, "eth1");
	ok(len > 0 && strstr(buf, "\"event\":\"neighbour_down\"") && strstr(buf, "\"peer\":\"\"") &&
	   strstr(buf, "\"ifname\":\"eth1\"") && strstr(buf, "\"why\":\"hello timeout\"") &&
	   !strstr(buf, "\"node\""), "neighbour_down: interface and reason, no node");
	ok(notify_format(buf, 40, "b", 0, &e, "eth1") == -ENOSPC, "too small a buffer: -ENOSPC");
	e.kind = CORE_EV_MAX;
	len = notify_format(buf, sizeof(buf), "b", 0, &e, NULL);
	ok(len > 0 && strstr(buf, "\"event\":\"?\""), "unknown kind: \"?\"");
}

static int client(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Everything readable on fd now, as lines counted. */
static unsigned lines_in(int fd)
{
	char b[65536];
	unsigned n = 0;
	ssize_t r;

	while ((r = recv(fd, b, sizeof(b), MSG_DONTWAIT)) > 0)
		for (ssize_t i = 0; i < r; i++)
			n += b[i] == '\n';
	return n;
}

static void test_socket(const char *dir)
{
	char path[256], line[NOTIFY_LINE_MAX];
	struct notify *n = NULL;
	struct notify_stats st;
	struct stat sb;
	int a, b, many[NOTIFY_MAX_CLIENTS], fast = 0;
	unsigned sent = 0;

	snprintf(path, sizeof(path), "%s/notify.sock", dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	ok(notify_open(&n, path) == -EADDRINUSE, "a regular file in the way is left alone");
	unlink(path);
	if (!ok(!notify_open(&n, path), "listening"))
		return;
	ok(!stat(path, &sb) && S_ISSOCK(sb.st_mode) && (sb.st_mode & 0777) == 0600,
	   "the socket is mode 0600");
	a = client(path);
	b = client(path);
	notify_accept(n);
	notify_get_stats(n, &st);
	ok(a >= 0 && b >= 0 && st.clients == 2 && st.accepted == 2, "two clients taken");
	memset(line, 'x', sizeof(line));
	line[sizeof(line) - 1] = '\n';
	notify_send(n, line, sizeof(line));
	ok(lines_in(a) == 1 && lines_in(b) == 1, "both get the line");
	/* b stops reading: its buffer fills, it is cut off; a reads along */
	for (int i = 0; i < 10000; i++) {
		notify_get_stats(n, &st);
		if (st.dropped)
			break;
		notify_send(n, line, sizeof(line));
		sent++;
		fast += (int)lines_in(a);
	}
	notify_get_stats(n, &st);
	ok(st.dropped == 1 && st.clients == 1, "a client that stops reading is cut off (after %u lines)",
	   sent);
	ok((unsigned)fast == sent, "the reading client got every line meanwhile (%d of %u)", fast, sent);
	close(b);
	close(a);
	/* a left: reaped at the next connection, which then fits */
	for (int i = 0; i < NOTIFY_MAX_CLIENTS; i++)
		many[i] = client(path);
	notify_accept(n);
	notify_get_stats(n, &st);
	ok(st.clients == NOTIFY_MAX_CLIENTS && st.refused == 0 && st.dropped == 2,
	   "a client that left is reaped; %u clients fit", NOTIFY_MAX_CLIENTS);
	b = client(path);
	notify_accept(n);
	notify_get_stats(n, &st);
	ok(st.refused == 1 && st.clients == NOTIFY_MAX_CLIENTS, "one more is refused");
	ok(b >= 0 && lines_in(b) == 0 && recv(b, line, 1, 0) == 0, "... its connection closed");
	close(b);
	for (int i = 0; i < NOTIFY_MAX_CLIENTS; i++)
		close(many[i]);
	notify_close(n);
	ok(stat(path, &sb) && errno == ENOENT, "closing removes the socket");
}

static void test_watch(const char *dir)
{
	struct core_event e = { .kind = CORE_EV_MA_UP };
	char path[256], line[NOTIFY_LINE_MAX], got[2 * NOTIFY_LINE_MAX];
	struct notify *n = NULL;
	struct notify_stats st;
	int p[2], status, len, stop = 0;
	__u64 taken;
	ssize_t r, total = 0;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/w.sock", dir);
	if (!ok(!notify_open(&n, path) && !pipe(p), "socket and pipe"))
		return;
	pid = fork();
	if (!pid) {
		FILE *out = fdopen(p[1], "w");

		close(p[0]);
		_exit(notify_watch(path, 2, 10000, out, &stop) ? 1 : 0);
	}
	close(p[1]);
	for (int i = 0; i < 1000; i++) {	/* the child connects: up to 10 s */
		notify_accept(n);
		notify_get_stats(n, &st);
		if (st.clients)
			break;
		usleep(10000);
	}
	len = notify_format(line, sizeof(line), "x", 0, &e, NULL);
	notify_send(n, line, (size_t)len);
	notify_send(n, line, (size_t)len);
	while ((r = read(p[0], got + total, sizeof(got) - (size_t)total)) > 0)
		total += r;
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && !WEXITSTATUS(status) && total == 2 * len &&
	   !memcmp(got, line, (size_t)len) && !memcmp(got + len, line, (size_t)len),
	   "notify_watch --count 2: both lines copied, exit 0");
	close(p[0]);

	/* the agent goes away first */
	notify_get_stats(n, &st);
	taken = st.accepted;
	pid = fork();
	if (!pid)
		_exit(notify_watch(path, 5, 10000, fopen("/dev/null", "w"), &stop) == -ENOTCONN ? 0 : 1);
	for (int i = 0; i < 1000; i++) {
		notify_accept(n);
		notify_get_stats(n, &st);
		if (st.accepted > taken)
			break;
		usleep(10000);
	}
	notify_close(n);
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && !WEXITSTATUS(status), "the agent closing first: -ENOTCONN");
	ok(notify_watch(path, 1, 100, stdout, &stop) == -ENOENT, "no agent: -ENOENT");
}

int main(void)
{
	char dir[] = "/tmp/mms-notify-XXXXXX";

	test_format();
	if (!mkdtemp(dir))
		return tap_skip_all("no temporary directory");
	test_socket(dir);
	test_watch(dir);
	rmdir(dir);
	return tap_done();
}
