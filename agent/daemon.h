/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * mms-agent's event loop: one thread, epoll over the control sockets, the
 * carrier watch, the datapath's event ring, the metrics and DNS sockets, a
 * timerfd armed for the protocol core's next deadline, and a signalfd.
 * Signal handlers never run: signals arrive as readable fds.
 */
#ifndef MMS_DAEMON_H
#define MMS_DAEMON_H

#include <stdbool.h>

#define AGENT_MAX_IFS 64

struct agent_opts {
	bool ma;			/* role: MA (true) or CM */
	const char *name;		/* management name, [A-Za-z0-9-], <= 63 */
	const char *state_dir;		/* identity and keys */
	const char *addr;		/* management address with prefix, e.g. 10.77.0.5/16 */
	const char *pin_root;		/* BPF pins, default MMS_PIN_ROOT */
	const char *metrics;		/* ADDR:PORT for /metrics, or NULL */
	const char *dns_zone;		/* MA: zone answered on mm0:53, "" to disable */
	const char *proxy;		/* MA: uplink CMs reach the Internet by, or NULL */
	const char *ifs[AGENT_MAX_IFS];	/* interfaces; none = every eligible one */
	int n_ifs;
	const char *data_off[AGENT_MAX_IFS];	/* interfaces to shut data service on at start */
	int n_data_off;
	unsigned hello_ms, dead_mult, beacon_ms;
	unsigned key_roll_s;		/* MA: roll hop keys this often, 0: on SIGUSR1 only */
	bool xdp_generic;
	bool no_rt;			/* stay in the normal scheduling class */
	bool detach_on_exit;		/* SIGTERM removes the datapath too */
};

/* Runs until SIGTERM/SIGINT; SIGHUP re-reads the enrollment state, SIGUSR1
 * (MA) rolls the hop keys. Returns the process exit status. */
int agent_run(const struct agent_opts *o);

#endif
