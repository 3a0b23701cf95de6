/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A host-wide limit on how many BPF programs are verified at once.
 *
 * Nodes that share one kernel (an emulation testbed, the namespace tests)
 * start together: each verifies its programs (tens of ms of CPU) and then
 * attaches its XDP program, and these attachments follow one another, one
 * RCU grace period each, under the RTNL. Verified all at once on a few
 * CPUs, every program is ready late and the chain of grace periods starts
 * late; a few at a time, the first nodes attach while the others still
 * verify. A slot is an flock on one of `slots` files in a directory; the
 * kernel drops it when its holder exits, however it exits.
 *
 * Never a reason not to start: a node alone takes a free slot at once, and
 * one that finds none within the wait, or cannot open the directory, loads
 * without one.
 */
#ifndef MMS_LOADSLOT_H
#define MMS_LOADSLOT_H

#define MMS_LOAD_SLOT_DIR	"/run/mms"
#define MMS_LOAD_SLOT_WAIT_MS	250

/* A slot of the `slots` under dir (0: as many as online CPUs), waiting at
 * most wait_ms for one: the fd that holds it, or -1 (load without one). */
int mms_load_slot_take(const char *dir, int slots, int wait_ms);
/* Give back what mms_load_slot_take returned (-1: nothing). */
void mms_load_slot_give(int fd);

#endif
