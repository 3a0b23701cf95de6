/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The MA host's IP settings (docs/control-plane.md, "Relay and proxy"):
 *
 *  - relay: CM-to-CM traffic reaches the MA through its mm0 (a CM's default
 *    route set leads to an MA) and must leave by mm0 again, so an MA
 *    forwards IPv4 arriving on mm0 (net.ipv4.conf.mm0.forwarding), without
 *    ICMP redirects (the "better" first hop would be the destination CM,
 *    which no CM can reach but through an MA);
 *  - proxy (--proxy UPLINK): CMs reach the Internet through the MA, their
 *    packets masqueraded out of UPLINK by an nftables table of its own
 *    (`ip mms_proxy`). Nothing from UPLINK enters the management network
 *    but replies to what CMs opened, and when UPLINK did not forward before,
 *    it forwards for the proxy only.
 *
 * Every setting is made in the agent's network namespace.
 */
#ifndef MMS_PROXY_H
#define MMS_PROXY_H

#include <stdbool.h>

/* Forward what arrives on mm0, no redirects. 0 or -errno (logged). */
int proxy_relay_on(void);
/* The same when something turned it off (a write to conf.all.forwarding
 * resets every device's): 1 when it was put back, 0 when it was on, or
 * -errno. */
int proxy_relay_check(void);

/* NAT for the management prefix (e.g. "10.77.0.0/16") out of uplink.
 * state_dir keeps whether uplink forwarded before we first turned it on, so
 * a restarted agent still knows, and proxy_off can put it back. 0 or
 * -errno (logged). */
int proxy_on(const char *uplink, const char *prefix, const char *state_dir);
/* Remove the table and restore uplink's forwarding. */
void proxy_off(const char *uplink, const char *state_dir);

/* "10.77.0.3/16" -> "10.77.0.0/16"; -EINVAL for anything else. */
int proxy_prefix(const char *addr_cidr, char *out, unsigned long cap);

#endif /* MMS_PROXY_H */
