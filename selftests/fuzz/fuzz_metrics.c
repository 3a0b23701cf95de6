// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer harness: the metrics endpoint's request handling
 * (mms_metrics_serve) on any bytes a client sends, through a real socket
 * (AF_UNIX: the code only accepts, reads and writes). Invariants, besides
 * no out-of-bounds access or UB: a request whose first 12 bytes are
 * "GET /metrics" gets a 200 whose Content-Length is the length of the body
 * that follows, the exposition text itself; anything else gets exactly the
 * 404; a client that sends nothing and hangs up gets nothing; and every
 * connection is closed (no descriptor left pending).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "metrics.h"

static const char text[] = "# TYPE mms_fuzz counter\nmms_fuzz_total 1\n";
static const char not_found[] = "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n";

static void must(int cond)
{
	if (!cond)
		abort();
}

static void body(FILE *f, void *ctx)
{
	(void)ctx;
	fputs(text, f);
}

static struct sockaddr_un addr;
static int lfd = -1;

static void setup(void)
{
	addr.sun_family = AF_UNIX;
	/* abstract: nothing on disk to clean up */
	snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1, "mms-fuzz-metrics-%d", getpid());
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	must(lfd >= 0 && !bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) && !listen(lfd, 4));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char resp[8192];
	struct mms_metrics_pending p;
	struct timeval tv = { 1, 0 };
	size_t got = 0, clen = 0;
	ssize_t r = -1;
	char *hdr_end;
	int c;

	if (lfd < 0)
		setup();
	if (size > 1023)
		return 0;	/* the server reads one 1023-byte request */
	c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	must(c >= 0 && !connect(c, (struct sockaddr *)&addr, sizeof(addr)));
	must(!setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	must(send(c, data, size, MSG_NOSIGNAL) == (ssize_t)size && !shutdown(c, SHUT_WR));
	mms_metrics_pending_init(&p);
	mms_metrics_serve(lfd, &p, body, NULL);
	must(!mms_metrics_waiting(&p));
	while (got < sizeof(resp) - 1 && (r = recv(c, resp + got, sizeof(resp) - 1 - got, 0)) > 0)
		got += (size_t)r;
	must(r == 0);	/* closed by the server, not a time-out */
	close(c);
	resp[got] = 0;
	if (!size) {
		must(got == 0);
		return 0;
	}
	if (size < 12 || memcmp(data, "GET /metrics", 12)) {
		must(got == sizeof(not_found) - 1 && !memcmp(resp, not_found, got));
		return 0;
	}
	hdr_end = strstr(resp, "\r\n\r\n");
	must(!strncmp(resp, "HTTP/1.0 200 OK\r\n", 17) && hdr_end);
	must(strstr(resp, "Content-Length: ") &&
	     sscanf(strstr(resp, "Content-Length: ") + 16, "%zu", &clen) == 1);
	must(clen == sizeof(text) - 1 && got == (size_t)(hdr_end + 4 - resp) + clen &&
	     !memcmp(hdr_end + 4, text, clen));
	return 0;
}
