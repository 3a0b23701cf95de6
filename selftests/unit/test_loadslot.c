// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Load slots (agent/loadslot.h): at most `slots` holders at once, a bounded
 * wait that ends without a slot rather than blocking, a slot given back or
 * left by a process that died is free again, and no lock directory means
 * no limit.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "loadslot.h"
#include "tap.h"
#include "tmpdir.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(void)
{
	const char *tmp = tmpdir_make("loadslot");
	char dir[600], file[700];
	int a, b, c, p[2];
	long long t;
	pid_t child;

	if (!tmp)
		return tap_skip_all("no temporary directory");
	atexit(tmpdir_remove);
	snprintf(dir, sizeof(dir), "%s/slots", tmp);

	a = mms_load_slot_take(dir, 2, 0);
	b = mms_load_slot_take(dir, 2, 0);
	ok(a >= 0 && b >= 0 && a != b, "two slots of two taken at once (%d, %d)", a, b);
	snprintf(file, sizeof(file), "%s/load-slot.1", dir);
	ok(slurp(file, file, 1) == 0, "as empty files in the directory");
	t = now_ms();
	c = mms_load_slot_take(dir, 2, 60);
	t = now_ms() - t;
	ok(c == -1 && t >= 60 && t < 5000,
	   "a third waits its bound and goes on without a slot (%d after %lld ms)", c, t);
	mms_load_slot_give(b);
	c = mms_load_slot_take(dir, 2, 0);
	ok(c >= 0, "a slot given back is taken again at once");
	mms_load_slot_give(c);

	/* A holder that dies, however, frees its slot. */
	if (pipe(p))
		return tap_done();
	child = fork();
	if (child == 0) {
		int s = mms_load_slot_take(dir, 2, 0);

		if (write(p[1], &s, sizeof(s)) != sizeof(s))
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	ok(child > 0 && read(p[0], &c, sizeof(c)) == sizeof(c) && c >= 0,
	   "another process holds the second slot");
	close(p[0]);
	ok(mms_load_slot_take(dir, 2, 0) == -1, "then none is free");
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	c = mms_load_slot_take(dir, 2, 1000);
	ok(c >= 0, "its slot is free once it is killed");
	mms_load_slot_give(c);
	mms_load_slot_give(a);

	/* No directory to be had: no limit, and no wait. */
	snprintf(file, sizeof(file), "%s/plain", tmp);
	spit(file, "x", 1);
	snprintf(dir, sizeof(dir), "%s/plain/slots", tmp);
	t = now_ms();
	c = mms_load_slot_take(dir, 2, 2000);
	ok(c == -1 && now_ms() - t < 1000, "a directory that cannot be made: no slot, no wait");
	return tap_done();
}
