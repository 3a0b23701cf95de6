// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Start many commands, each in its own network namespace, at (nearly) the
 * same moment: scripts/agents.sh's agents_start, whose cold starts
 * scripts/bench-agents.sh times from before the first one. bash forks
 * itself and then nsenter for every node, which on a loaded two-core
 * machine spreads eleven starts over tens of milliseconds; here the specs
 * are read first and the forks follow in one tight loop.
 *
 *   ns_launch < SPECS
 *	one spec per line, fields separated by the byte 0x1f:
 *	NETNS_PATH LOGFILE ARG0 ARG1 ...
 *	Each command runs with stdout and stderr to LOGFILE (created 0600),
 *	stdin from /dev/null, in NETNS_PATH's network namespace (the mount
 *	namespace stays, like `nsenter --net`). Prints each child's PID, one
 *	a line, in spec order, and exits 0 when every fork succeeded.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_SPECS	256
#define MAX_ARGS	64
#define SEP		'\x1f'

struct spec {
	char *netns, *log;
	char *argv[MAX_ARGS + 1];
};

/* Split line (modified in place) into a spec; 0, or -1 when malformed. */
static int parse(char *line, struct spec *s)
{
	char *f[MAX_ARGS + 2];
	int n = 0;

	line[strcspn(line, "\n")] = 0;
	for (char *p = line; n < MAX_ARGS + 2; n++) {
		char *e = strchr(p, SEP);

		f[n] = p;
		if (!e) {
			n++;
			break;
		}
		*e = 0;
		p = e + 1;
	}
	if (n < 3 || !*f[0] || !*f[1] || !*f[2])
		return -1;
	s->netns = f[0];
	s->log = f[1];
	for (int i = 2; i < n; i++)
		s->argv[i - 2] = f[i];
	s->argv[n - 2] = NULL;
	return 0;
}

/* In the child: never returns. */
static void run(const struct spec *s)
{
	int ns = open(s->netns, O_RDONLY | O_CLOEXEC);
	int log = open(s->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (ns < 0 || log < 0 || null < 0 || setns(ns, CLONE_NEWNET) ||
	    dup2(null, 0) < 0 || dup2(log, 1) < 0 || dup2(log, 2) < 0) {
		fprintf(stderr, "ns_launch: %s: %s\n", s->netns, strerror(errno));
		_exit(127);
	}
	execv(s->argv[0], s->argv);
	fprintf(stderr, "ns_launch: %s: %s\n", s->argv[0], strerror(errno));
	_exit(127);
}

int main(void)
{
	static struct spec specs[MAX_SPECS];
	static char *lines[MAX_SPECS];
	size_t cap = 0;
	int n = 0, rc = 0;

	while (n < MAX_SPECS) {
		char *line = NULL;

		if (getline(&line, &cap, stdin) < 0) {
			free(line);
			break;
		}
		cap = 0;
		lines[n] = line;
		if (parse(line, &specs[n])) {
			fprintf(stderr, "ns_launch: spec %d: want NETNS LOG CMD [ARG...]\n", n + 1);
			return 2;
		}
		n++;
	}
	fflush(stdout);
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0)
			run(&specs[i]);
		if (pid < 0) {
			fprintf(stderr, "ns_launch: fork: %s\n", strerror(errno));
			rc = 1;
			break;
		}
		printf("%d\n", (int)pid);
	}
	for (int i = 0; i < n; i++)
		free(lines[i]);
	return rc;
}
