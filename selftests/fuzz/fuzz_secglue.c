// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer harness for the security layer's untrusted input: MMS_T_AUTH
 * bodies (handshake messages, RELAY, HOPKEY, EPOCH and DECREE envelopes, decrees) at an MA and a
 * CM, link scope and routed; authenticators of every message type through
 * the verify hook; whole frames through core_rx with the layer's hooks in
 * place; and timer runs in between.
 *
 * Input: records of  target (1) | length (2, big-endian) | bytes.
 *   target bit 0: the MA or the CM;  bits 1-2: what to do:
 *     0 auth body, link scope on port 1 + bit 3;  1 auth body, routed;
 *     2 a body of type (target >> 3) % 6 parsed, then verified (a body that
 *       does not parse is verified with its first bytes as authenticator);
 *     3 a frame to core_rx on port 1, then both timers run 7 ms later;
 *   bit 7: instead, a quorum decree given to secglue_decree().
 * The two nodes (identities made once in a temporary directory, one MA
 * enrolling the CM, which trusts it) live across inputs: making them
 * writes state files, too slow per input. Invariants: no out-of-bounds
 * access or UB (ASan, UBSan), no abort.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "secglue.h"

static char base[] = "/tmp/mms-fuzz-secglue-XXXXXX";
static struct secglue *sg[2];
static struct mms_core *core[2];
static __u64 now = 1000000;

static const __u8 types[] = { MMS_T_HELLO, MMS_T_BEACON, MMS_T_BEACON_ACK, MMS_T_LSA,
			      MMS_T_CONTROL, MMS_T_NOTIFY };

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	return flag == FTW_DP ? rmdir(p) : unlink(p);
}

static void cleanup(void)
{
	for (int i = 0; i < 2; i++) {
		core_free(core[i]);
		secglue_free(sg[i]);
	}
	nftw(base, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static int key_of(void *ctx, const struct mms_id *id, __u8 epoch, __u8 key[MMS_KEY_LEN])
{
	return secglue_hop_key(ctx, id, epoch, key);
}

static void setup(void)
{
	struct mms_identity id[2];
	struct mms_registry reg = { 0 };
	struct mms_trust t = { 0 };
	char dir[2][64];
	struct mms_err e;

	mms_log_set_level(MMS_LOG_ERR);
	if (!mkdtemp(base))
		abort();
	atexit(cleanup);
	for (int i = 0; i < 2; i++) {
		snprintf(dir[i], sizeof(dir[i]), "%s/%s", base, i ? "cm" : "ma");
		if (mms_identity_create(dir[i], i ? "cm" : "ma", i ? MMS_ROLE_CM : MMS_ROLE_MA,
					&id[i], &e))
			abort();
	}
	if (mms_registry_add(&reg, &id[1].pub, &e) || mms_registry_save(dir[0], &reg, &e) ||
	    mms_trust_add(&t, &id[0].pub, &e) || mms_trust_save(dir[1], &t, &e))
		abort();
	mms_registry_free(&reg);
	for (int i = 0; i < 2; i++) {
		struct core_ops ops = { .hop_key = key_of };
		struct core_cfg cfg;

		sg[i] = secglue_new(dir[i], !i, 1);
		if (!sg[i])
			abort();
		ops.ctx = sg[i];
		ops.auth = secglue_auth(sg[i]);
		core_cfg_defaults(&cfg);
		cfg.role = i ? MMS_ROLE_CM : MMS_ROLE_MA;
		cfg.id = *secglue_id(sg[i]);
		cfg.addr.a[15] = (__u8)(i + 1);
		cfg.seq0 = secglue_seq0(sg[i]) + 1;
		cfg.max_nodes = 64;
		cfg.wall_offset_ns = 1700000000000000000ll;
		core[i] = core_new(&cfg, &ops);
		if (!core[i])
			abort();
		for (__u16 p = 1; p <= 2; p++) {
			__u8 mac[6] = { 2, 0, 0, 0, (__u8)i, (__u8)p };

			core_port_add(core[i], p, p, mac, 0, true);
		}
		secglue_bind(sg[i], core[i]);
		core_start(core[i], now);
		mms_identity_wipe(&id[i]);
	}
}

static void verify_body(int n, __u8 type, const __u8 *b, size_t len)
{
	const struct core_auth *a = secglue_auth(sg[n]);
	union msg_any *m = malloc(sizeof(*m));
	struct msg_auth raw;
	const struct msg_auth *au = &raw;
	struct mms_id signer;

	if (!m)
		return;
	memset(&raw, 0, sizeof(raw));
	memset(&signer, 0, sizeof(signer));
	if (!msg_parse(type, b, len, m)) {
		/* Every body starts with its sender's id; the trailer is parsed. */
		memcpy(signer.b, b, sizeof(signer.b));
		au = type == MMS_T_HELLO ? &m->hello.auth : type == MMS_T_BEACON ? &m->beacon.auth :
		     type == MMS_T_BEACON_ACK ? &m->ack.auth : type == MMS_T_LSA ? &m->lsa.auth :
		     type == MMS_T_CONTROL ? &m->control.auth : &m->notify.auth;
	} else if (len >= 4) {
		raw.alg = b[0];
		raw.len = b[1] < MMS_AUTH_MAX ? b[1] : MMS_AUTH_MAX;
		raw.cover_len = len - 4 < (size_t)b[2] * 4 ? len - 4 : (size_t)b[2] * 4;
		memcpy(raw.data, b + 4, len - 4 < raw.len ? len - 4 : raw.len);
		b += 4;
		len -= 4;
	}
	a->verify(a->ctx, type, &signer, b, len, au);
	free(m);
}

int LLVMFuzzerTestOneInput(const __u8 *data, size_t size)
{
	static int ready;

	if (!ready) {
		setup();
		ready = 1;
	}
	while (size >= 3) {
		__u8 t = data[0];
		size_t len = (size_t)data[1] << 8 | data[2];
		const struct core_auth *a;
		int n = t & 1;

		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		a = secglue_auth(sg[n]);
		if (t & 0x80) {		/* a quorum decree handed to the node */
			secglue_decree(sg[n], data, len);
			data += len;
			size -= len;
			continue;
		}
		switch ((t >> 1) & 3) {
		case 0:
			a->rx(a->ctx, (__u16)(1 + ((t >> 3) & 1)), false, data, len);
			break;
		case 1:
			a->rx(a->ctx, 1, true, data, len);
			break;
		case 2:
			verify_body(n, types[(t >> 3) % 6], data, len);
			break;
		default:
			core_rx(core[n], 1, data, len, now);
			now += 7000000;
			for (int i = 0; i < 2; i++) {
				core_tick(core[i], now);
				secglue_tick(sg[i], now);
			}
			break;
		}
		data += len;
		size -= len;
	}
	return 0;
}
