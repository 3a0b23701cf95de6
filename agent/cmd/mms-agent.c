// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mms-agent: turns a Linux host into an MMS node. Three lines of
 * configuration: a role, a name and a management address.
 *
 *   mms-agent --role cm --name core3 --addr 10.77.0.3/16
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"

static const struct option longopts[] = {
	{ "role",	required_argument, NULL, 'r' },
	{ "name",	required_argument, NULL, 'n' },
	{ "addr",	required_argument, NULL, 'a' },
	{ "state",	required_argument, NULL, 's' },
	{ "iface",	required_argument, NULL, 'i' },
	{ "pin",	required_argument, NULL, 'p' },
	{ "metrics",	required_argument, NULL, 'm' },
	{ "dns-zone",	required_argument, NULL, 'z' },
	{ "proxy",	required_argument, NULL, 'P' },
	{ "hello-ms",	required_argument, NULL, 'H' },
	{ "dead-mult",	required_argument, NULL, 'D' },
	{ "beacon-ms",	required_argument, NULL, 'B' },
	{ "key-roll-s",	required_argument, NULL, 'K' },
	{ "data-off",	required_argument, NULL, 'd' },
	{ "xdp-generic", no_argument,	   NULL, 'g' },
	{ "no-rt",	no_argument,	   NULL, 'R' },
	{ "detach-on-exit", no_argument,   NULL, 'x' },
	{ "verbose",	no_argument,	   NULL, 'v' },
	{ "help",	no_argument,	   NULL, 'h' },
	{ 0 }
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mms-agent --role ma|cm --name NAME --addr ADDR/PREFIX [options]\n"
		"  --state DIR        identity and keys (default /var/lib/mms/NAME)\n"
		"  --iface IF         attach to IF (repeatable; default: every interface but lo and mm0)\n"
		"  --pin DIR          BPF pin root (default /sys/fs/bpf/mms)\n"
		"  --metrics A:P      serve Prometheus /metrics on A:P\n"
		"  --dns-zone Z       MA: answer NAME.Z on the management address (default mms, \"\" off)\n"
		"  --proxy IF         MA: CMs reach the Internet through IF (NAT; needs nft)\n"
		"  --hello-ms N       hello interval (default 15)\n"
		"  --dead-mult N      hellos missed before a neighbour is dead (default 3)\n"
		"  --beacon-ms N      MA beacon interval (default 100)\n"
		"  --key-roll-s N     MA: roll every node's hop key every N s (default 0: on SIGUSR1)\n"
		"  --data-off IF      shut data service on IF: MMS frames only (repeatable; adds to\n"
		"                     what the pinned datapath keeps; mmsctl data on IF undoes it)\n"
		"  --xdp-generic      force generic XDP\n"
		"  --no-rt            do not run at real-time priority (SCHED_FIFO 1) once started\n"
		"  --detach-on-exit   remove the datapath on SIGTERM (default: keep forwarding)\n"
		"  -v, --verbose      debug logging\n"
		"signals: SIGHUP re-reads the enrollment state (revocations), SIGUSR1 (MA) rolls the hop keys\n");
}

static int bad(const char *msg, const char *arg)
{
	fprintf(stderr, "mms-agent: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
	return 2;
}

static int num(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || v < lo || v > hi)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int main(int argc, char **argv)
{
	struct agent_opts o = {
		.dns_zone = "mms", .hello_ms = 15, .dead_mult = 3, .beacon_ms = 100,
	};
	static char state[512];
	const char *role = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': role = optarg; break;
		case 'n': o.name = optarg; break;
		case 'a': o.addr = optarg; break;
		case 's': o.state_dir = optarg; break;
		case 'p': o.pin_root = optarg; break;
		case 'm': o.metrics = optarg; break;
		case 'z': o.dns_zone = optarg; break;
		case 'P': o.proxy = optarg; break;
		case 'g': o.xdp_generic = true; break;
		case 'R': o.no_rt = true; break;
		case 'x': o.detach_on_exit = true; break;
		case 'v': mms_log_set_level(MMS_LOG_DEBUG); break;
		case 'i':
			if (o.n_ifs == AGENT_MAX_IFS)
				return bad("too many --iface", NULL);
			for (int k = 0; k < o.n_ifs; k++)
				if (!strcmp(o.ifs[k], optarg))
					return bad("--iface given twice", optarg);
			o.ifs[o.n_ifs++] = optarg;
			break;
		case 'd':
			if (o.n_data_off == AGENT_MAX_IFS)
				return bad("too many --data-off", NULL);
			o.data_off[o.n_data_off++] = optarg;
			break;
		case 'H':
			if (num(optarg, 1, 60000, &o.hello_ms))
				return bad("--hello-ms wants 1..60000", optarg);
			break;
		case 'D':
			if (num(optarg, 2, 100, &o.dead_mult))
				return bad("--dead-mult wants 2..100", optarg);
			break;
		case 'B':
			if (num(optarg, 1, 600000, &o.beacon_ms))
				return bad("--beacon-ms wants 1..600000", optarg);
			break;
		case 'K':
			if (num(optarg, 0, 86400 * 365, &o.key_roll_s))
				return bad("--key-roll-s wants 0..31536000", optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc)
		return bad("unexpected argument", argv[optind]);
	if (!role || (strcmp(role, "ma") && strcmp(role, "cm")))
		return bad("--role ma|cm is required", role);
	o.ma = !strcmp(role, "ma");
	if (!o.ma && o.key_roll_s)
		return bad("--key-roll-s is for an MA", NULL);
	if (!o.ma && o.proxy)
		return bad("--proxy is for an MA", NULL);
	if (!o.name || !*o.name || strlen(o.name) > 63 || strspn(o.name,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != strlen(o.name))
		return bad("--name wants 1..63 letters, digits or '-'", o.name);
	if (!o.addr || !strchr(o.addr, '/'))
		return bad("--addr ADDR/PREFIX is required", o.addr);
	if (!o.state_dir) {
		snprintf(state, sizeof(state), "/var/lib/mms/%s", o.name);
		o.state_dir = state;
	}
	mms_log_set_tag(o.name);
	return agent_run(&o);
}
