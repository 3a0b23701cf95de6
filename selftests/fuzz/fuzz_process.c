// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer harness: mms_process(), the reference model of the XDP program,
 * on arbitrary frames. The node has a key for epochs 1 and 2 and two
 * neighbours, so fuzzed frames can reach every check; a hello passed to
 * the agent becomes every sender's template (its slot from its last byte,
 * out of range too), so that the same input again is absorbed. Invariants:
 * no out-of-bounds access (ASan), a verdict from the enum, an output window
 * inside the input, a counter that matches the verdict class, and an
 * absorbed hello's arrival in its slot.
 */
#include <stdlib.h>
#include <string.h>

#include "codec.h"

static struct mms_key keys[MMS_EPOCH_SLOTS];
static struct mms_nbr nbrs[MMS_MAX_PORTS];
static struct mms_cfg cfg = { .mm0_mac = { 2, 0, 0, 0, 0, 1 } };
static struct mms_rp_table windows;	/* kept across inputs, as the datapath's */
static int ready;
static struct mms_hello_tpl tpl;	/* every sender's, once a hello set it */
static __u64 seen[MMS_HELLO_SLOTS];

static const struct mms_hello_tpl *any_tpl(const void *ctx, const struct mms_hello_key *k)
{
	(void)ctx;
	(void)k;
	return tpl.len ? &tpl : NULL;
}

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
	static __u64 now = 1;
	struct mms_node_view nv = { .keys = keys, .nbrs = nbrs, .cfg = &cfg,
				    .now_s = 1900000000u, .ingress_ifindex = 11, .rp = &windows,
				    .hello_tpl = any_tpl, .hello_seen = seen, .now_ns = ++now };
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
	if (r.stat == MMS_S_HELLO_ABSORBED && (tpl.slot >= MMS_HELLO_SLOTS || seen[tpl.slot] != now))
		abort();
	/* a hello to the agent: its route header on (no tag: 14 bytes of
	 * Ethernet) is the next template, if it fits */
	if (r.verdict == MMS_V_LINK_AGENT && r.type == MMS_T_HELLO && size > MMS_ETH_LEN &&
	    size - MMS_ETH_LEN <= MMS_HELLO_TPL_MAX) {
		memset(&tpl, 0, sizeof(tpl));
		tpl.len = (__u16)(size - MMS_ETH_LEN);
		tpl.slot = data[size - 1] * 2u;
		memcpy(tpl.b, data + MMS_ETH_LEN, tpl.len);
	}
	free(buf);
	return 0;
}
