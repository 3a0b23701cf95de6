// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>

#include "log.h"

static enum mms_log_level level = MMS_LOG_INFO;
static char tag[32];

void mms_log_set_level(enum mms_log_level l) { level = l; }
enum mms_log_level mms_log_get_level(void) { return level; }

void mms_log_set_tag(const char *t)
{
	snprintf(tag, sizeof(tag), "%s", t ? t : "");
}

static void vlog(enum mms_log_level l, const char *fmt, va_list ap)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	struct timespec ts;
	char line[1024];
	size_t n;

	if (l > level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = 0;
	fprintf(stderr, "%ld.%03ld %s%s%s: %s\n", (long)ts.tv_sec, ts.tv_nsec / 1000000L,
		tag, tag[0] ? " " : "", names[l], line);
}

void mms_log(enum mms_log_level l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(l, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	enum mms_log_level m = l == LIBBPF_WARN ? MMS_LOG_INFO : MMS_LOG_DEBUG;

	vlog(m, fmt, ap);
	return 0;
}

void mms_log_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
