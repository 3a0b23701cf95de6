// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer harness for the control plane's untrusted input:
 *  - every body parser of agent/msg.c, with a rebuild-and-reparse check on
 *    whatever parses;
 *  - the protocol core itself: an MA and a CM (fresh for every input, so a
 *    crash reproduces from its input alone) receive a sequence of frames on
 *    their ports, with a clock tick between frames.
 *
 * Input: records of  target (1) | length (2, big-endian) | bytes.
 * target bit 7 set: bytes are a body for parser (target & 7) % 6;
 * otherwise bit 0 picks the core (MA/CM), bits 1-2 the port (1..3).
 * Invariants: no out-of-bounds access or UB (ASan, UBSan), parsers return
 * 0 or a MSG_E_* reason, a parsed body rebuilds into one that parses, and
 * parsing and rebuilding that gives the same bytes again (parse o build is
 * the identity on built bodies).
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "msg.h"

static const __u8 types[] = { MMS_T_HELLO, MMS_T_BEACON, MMS_T_BEACON_ACK, MMS_T_LSA,
			      MMS_T_CONTROL, MMS_T_NOTIFY };

static int key_of(void *ctx, const struct mms_id *id, __u8 epoch, __u8 key[MMS_KEY_LEN])
{
	(void)ctx;
	for (int i = 0; i < MMS_KEY_LEN; i++)
		key[i] = (__u8)(id->b[i] ^ epoch ^ (0x5a + i));
	return 0;
}

static struct mms_core *node(__u8 role, __u8 idx)
{
	struct core_ops ops = { .hop_key = key_of };
	struct mms_core *c;
	struct core_cfg cfg;

	core_cfg_defaults(&cfg);
	cfg.role = role;
	cfg.id.b[15] = idx;
	cfg.addr.a[15] = idx;
	cfg.max_nodes = 64;
	cfg.wall_offset_ns = 1700000000000000000ll;
	c = core_new(&cfg, &ops);
	if (!c)
		abort();
	for (__u16 p = 1; p <= 3; p++) {
		__u8 mac[6] = { 2, 0, 0, 0, idx, (__u8)p };

		core_port_add(c, p, p, mac, p == 3 ? 100 : 0, true);
	}
	core_start(c, 1000);
	return c;
}

/* The body of m (of type) built into out; its length or an error. */
static int build(__u8 type, const union msg_any *m, __u8 *out, size_t cap)
{
	switch (type) {
	case MMS_T_HELLO:	return msg_hello_build(out, cap, &m->hello, NULL);
	case MMS_T_BEACON:	return msg_beacon_build(out, cap, &m->beacon, NULL);
	case MMS_T_BEACON_ACK:	return msg_ack_build(out, cap, &m->ack, NULL);
	case MMS_T_LSA:		return msg_lsa_build(out, cap, &m->lsa, NULL);
	case MMS_T_CONTROL:	return msg_control_build(out, cap, &m->control, NULL);
	case MMS_T_NOTIFY:	return msg_notify_build(out, cap, &m->notify, NULL);
	}
	return -1;
}

static void parse_body(__u8 which, const __u8 *b, size_t len)
{
	__u8 type = types[which % sizeof(types)], out[4096], out2[4096];
	union msg_any *m = malloc(sizeof(*m)), *m2 = malloc(sizeof(*m2));
	__u8 *copy = malloc(len ? len : 1);
	int rc, n, n2;

	memcpy(copy, b, len);	/* exactly len bytes: ASan sees any overread */
	rc = msg_parse(type, copy, len, m);
	if (rc > 0 || rc <= -MSG_E_MAX)
		abort();
	if (!rc) {
		/* What parses rebuilds into a body that parses into what
		 * rebuilds the same bytes: no field is lost or changed on the
		 * way (the first rebuild may differ from the input only where
		 * the input had what parsers skip: unknown TLVs). */
		n = build(type, m, out, sizeof(out));
		if (n < 0 || msg_parse(type, out, (size_t)n, m2))
			abort();
		n2 = build(type, m2, out2, sizeof(out2));
		if (n2 != n || memcmp(out, out2, (size_t)n))
			abort();
	}
	free(copy);
	free(m);
	free(m2);
}

int LLVMFuzzerTestOneInput(const __u8 *data, size_t size)
{
	struct mms_core *c[2] = { node(MMS_ROLE_MA, 1), node(MMS_ROLE_CM, 2) };
	__u64 now = 1000;
	int records = 0;

	while (size >= 3 && records++ < 32) {
		__u8 t = data[0];
		size_t len = (size_t)data[1] << 8 | data[2];

		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		if (t & 0x80) {
			parse_body(t & 7, data, len);
		} else {
			__u8 *f = malloc(len ? len : 1);

			memcpy(f, data, len);
			now += 1000000;
			core_rx(c[t & 1], (__u16)(1 + ((t >> 1) & 3) % 3), f, len, now);
			core_tick(c[t & 1], now);
			free(f);
		}
		data += len;
		size -= len;
	}
	core_free(c[0]);
	core_free(c[1]);
	return 0;
}
