// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer harness: mms_process(), the reference model of the XDP program,
 * on arbitrary frames. The node has a key for epochs 1 and 2 and two
 * neighbours, so fuzzed frames can reach every check. Invariants: no
 * out-of-bounds access (ASan), a verdict from the enum, an output window
 * inside the input, and a counter that matches the verdict class.
 */
#include <stdlib.h>
#include <string.h>

#include "codec.h"

static struct mms_key keys[MMS_EPOCH_SLOTS];
static struct mms_nbr nbrs[MMS_MAX_PORTS];
static struct mms_cfg cfg = { .mm0_mac = { 2, 0, 0, 0, 0, 1 } };
static struct mms_rp_table windows;	/* kept across inputs, as the datapath's */
static int ready;

static void setup(void)
{
	__u8 k[16];

	for (int e = 1; e <= 2; e++) {
		memset(k, e, sizeof(k));
		mms_key_schedule(k, &keys[e % MMS_EPOCH_SLOTS], (__u8)e);
	}
	for (int p = 1; p <= 2; p++) {
		nbrs[p].ifindex = 10 + (unsigned)p;
		nbrs[p].state = MMS_NBR_UP;
		memset(nbrs[p].mac, p, 6);
		nbrs[p].vlan = p == 2 ? 100 : 0;
	}
	mms_rp_table_init(&windows, 64);
	ready = 1;
}

int LLVMFuzzerTestOneInput(const __u8 *data, size_t size)
{
	struct mms_node_view nv = { .keys = keys, .nbrs = nbrs, .cfg = &cfg,
				    .now_s = 1900000000u, .ingress_ifindex = 11, .rp = &windows };
	struct mms_result r;
	__u8 *buf;

	if (!ready)
		setup();
	buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	mms_process(&nv, buf, size, &r);
	if (r.verdict < MMS_V_PASS || r.verdict > MMS_V_DROP || r.stat >= MMS_S_MAX)
		abort();
	if (r.off > size || r.len > size - r.off)
		abort();
	if ((r.verdict == MMS_V_DROP) != (r.stat >= MMS_S_DROP_TRUNCATED))
		abort();
	free(buf);
	return 0;
}
