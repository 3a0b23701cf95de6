// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mm0's routing state (agent/mm0route.c) in a network namespace of its own:
 * made once, found complete afterwards (nothing added twice), each part
 * deleted from outside is reported by the watch and put back, and the
 * watch stays quiet for what does not concern it (a route of the main
 * table, another link).
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>

#include "tap.h"
#include "mm0route.h"
#include "rtnl.h"

/* Wait up to 1 s for the watch; then what it read (> 0: something). */
static int watch_wait(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	poll(&p, 1, 1000);
	return mm0route_watch_read(fd);
}

/* Nothing within 100 ms: what is filtered out never wakes the agent. */
static int watch_quiet(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 100) == 0 && mm0route_watch_read(fd) == 0;
}

static int sh(const char *cmd)
{
	return system(cmd) == 0;
}

int main(void)
{
	struct mm0_cidr c, bad;
	int nl, w, ifi, peer, other;

	if (geteuid())
		return tap_skip_all("needs root (network namespaces)");
	if (unshare(CLONE_NEWNET))
		return tap_skip_all("cannot make a network namespace");
	ok(mm0_cidr_parse("10.77.0.5/16", &c) == 0 && c.family == AF_INET && c.plen == 16,
	   "10.77.0.5/16 parsed");
	ok(mm0_cidr_parse("10.77.0.5/33", &bad) == -EINVAL && mm0_cidr_parse("x/8", &bad) == -EINVAL &&
	   mm0_cidr_parse(NULL, &bad) == -EINVAL && mm0_cidr_parse("10.0.0.1/", &bad) == -EINVAL,
	   "bad prefixes refused");
	nl = rtnl_open();
	if (!ok(nl >= 0 && rtnl_veth_add(nl, "mm0", "mm0p") == 0 && rtnl_veth_add(nl, "o0", "o1") == 0,
		"veth pairs made"))
		return tap_done();
	ifi = (int)if_nametoindex("mm0");
	peer = (int)if_nametoindex("mm0p");
	other = (int)if_nametoindex("o0");
	ok(rtnl_link_set(nl, other, IFF_UP, IFF_UP, 0, 0) == 0 &&
	   rtnl_link_set(nl, (int)if_nametoindex("o1"), IFF_UP, IFF_UP, 0, 0) == 0 &&
	   sh("ip addr add 192.0.2.1/24 dev o0"), "another link up, with an address");
	ok(mm0route_apply(nl, ifi, peer, &c) ==
	   (MM0_FIX_UP | MM0_FIX_ADDR | MM0_FIX_ROUTE | MM0_FIX_RULE), "first apply makes everything");
	ok(mm0route_apply(nl, ifi, peer, &c) == 0, "a second apply finds everything there");
	ok(sh("ip rule show | grep -q '^900:.*to 10.77.0.0/16 lookup 215'") &&
	   sh("ip route show table 215 | grep -q '^10.77.0.0/16 dev mm0 proto 77 scope link src 10.77.0.5'"),
	   "rule 900 to 10.77.0.0/16 looks table 215 up, which routes it out of mm0");

	w = mm0route_watch_open(ifi, peer);
	if (!ok(w >= 0, "watch opened"))
		return tap_done();
	ok(sh("ip route flush table main") && watch_quiet(w), "the main table flushed: quiet");
	ok(sh("ip route get 10.77.0.1 | grep -q 'dev mm0'"), "... and 10.77.0.1 still goes out of mm0");
	ok(sh("ip link set o1 mtu 1400") && watch_quiet(w), "another link changed: quiet");
	ok(sh("ip addr flush dev o0") && watch_wait(w) > 0 && mm0route_apply(nl, ifi, peer, &c) == 0,
	   "another link's address removed: a check (its local route went), nothing missing");
	ok(sh("ip route del local 10.77.0.5 table local") && watch_wait(w) > 0,
	   "mm0's local route deleted: the watch wakes");
	ok(mm0route_apply(nl, ifi, peer, &c) == MM0_FIX_LOCAL, "... and the local route is put back");
	ok(sh("ip route show table local | grep -q '^local 10.77.0.5 dev mm0'"),
	   "... as the kernel had it");
	ok(sh("ip rule del pref 900") && watch_wait(w) > 0, "the rule deleted: the watch wakes");
	ok(mm0route_apply(nl, ifi, peer, &c) == MM0_FIX_RULE, "... and only the rule is put back");
	ok(sh("ip route del 10.77.0.0/16 table 215") && watch_wait(w) > 0,
	   "the route deleted: the watch wakes");
	ok(mm0route_apply(nl, ifi, peer, &c) == MM0_FIX_ROUTE, "... and only the route is put back");
	ok(sh("ip addr flush dev mm0") && watch_wait(w) > 0, "mm0's address flushed: the watch wakes");
	ok(mm0route_apply(nl, ifi, peer, &c) == (MM0_FIX_ADDR | MM0_FIX_ROUTE),
	   "... the address and the route that went with it are put back");
	ok(sh("ip link set mm0p down") && watch_wait(w) > 0, "the peer set down: the watch wakes");
	ok(mm0route_apply(nl, ifi, peer, &c) & MM0_FIX_UP, "... and it is set up again");
	ok(sh("ip link set mm0 down") && watch_wait(w) > 0, "mm0 set down: the watch wakes");
	ok(mm0route_apply(nl, ifi, peer, &c) == (MM0_FIX_UP | MM0_FIX_ROUTE),
	   "... mm0 up again, with its route");
	ok(sh("ip route get 10.77.0.1 | grep -q 'dev mm0'"), "10.77.0.1 goes out of mm0 again");
	ok(mm0route_apply(nl, ifi, peer, &c) == 0, "then nothing is missing");
	ok(sh("sysctl -qw net.ipv4.conf.mm0.forwarding=1") && watch_wait(w) > 0,
	   "mm0's forwarding changed: the watch wakes");
	ok(sh("sysctl -qw net.ipv4.conf.o0.forwarding=1") && watch_quiet(w),
	   "another link's: quiet");
	ok(mm0route_remove(nl) == 1 && !sh("ip rule show | grep -q 'lookup 215'"),
	   "remove deletes the rule");
	ok(mm0route_remove(nl) == 0, "and finds none the second time");
	close(w);
	close(nl);
	return tap_done();
}
