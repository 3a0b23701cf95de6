// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Load slots (loadslot.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "loadslot.h"

#define MAX_SLOTS 64

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int mms_load_slot_take(const char *dir, int slots, int wait_ms)
{
	int fd[MAX_SLOTS], n = 0;
	long long until = now_ms() + wait_ms;
	int got = -1;

	if (slots <= 0)
		slots = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (slots <= 0)
		slots = 1;
	if (slots > MAX_SLOTS)
		slots = MAX_SLOTS;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -1;
	for (; n < slots; n++) {
		char path[4096];

		if (snprintf(path, sizeof(path), "%s/load-slot.%d", dir, n) >= (int)sizeof(path))
			break;
		fd[n] = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd[n] < 0)
			break;
	}
	/* A freed slot is seen within a millisecond; the wait is bounded. */
	while (n > 0 && got < 0) {
		for (int i = 0; i < n && got < 0; i++)
			if (!flock(fd[i], LOCK_EX | LOCK_NB))
				got = i;
		if (got >= 0 || now_ms() >= until)
			break;
		usleep(1000);
	}
	for (int i = 0; i < n; i++)
		if (i != got)
			close(fd[i]);
	return got >= 0 ? fd[got] : -1;
}

void mms_load_slot_give(int fd)
{
	if (fd >= 0)
		close(fd);	/* drops the flock */
}
