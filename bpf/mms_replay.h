/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The destination's anti-replay windows for DATA (include/mms_seq.h for the
 * window, docs/security.md "Replays" for what it stops). Only frames whose
 * end-to-end tag verified get here, so only they move a window or make one.
 */
#ifndef MMS_REPLAY_BPF_H
#define MMS_REPLAY_BPF_H

#include "mms_lib.h"

/* What a new window starts from: one all-zero value, never written (a
 * value that size does not fit the stack). Its type has no lock in it. */
struct mms_rp_zero_val {
	__u8 b[sizeof(struct mms_rp_val)];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mms_rp_zero_val);
} mms_rp_zero SEC(".maps");

/*
 * Take counter ctr of epoch from the producer k names: 0, MMS_S_DROP_REPLAY,
 * or MMS_S_DROP_REPLAY_FULL when k has no window and the table has no room
 * for one. The window moves under its spin lock, so CPUs delivering frames
 * of one producer at once each see the other's value (a value is taken
 * once). Inline: it has one caller, and as a global function (verified on
 * its own, its key an unknown pointer) it cost the verifier more (mms_xdp
 * 5,876 instructions against 5,783) and a call at run time.
 */
static __always_inline int mms_replay_take(const struct mms_rp_key *k, __u32 epoch, __u64 ctr)
{
	struct mms_rp_val *v;
	const void *zero;
	__u32 z = 0;
	int r;

	v = bpf_map_lookup_elem(&mms_replay, k);
	if (!v) {
		zero = bpf_map_lookup_elem(&mms_rp_zero, &z);
		if (!zero)
			return MMS_S_DROP_REPLAY_FULL;
		/* -EEXIST: another CPU made it meanwhile; anything else
		 * (-E2BIG, -ENOMEM): no room, and the lookup below fails */
		bpf_map_update_elem(&mms_replay, k, zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&mms_replay, k);
		if (!v)
			return MMS_S_DROP_REPLAY_FULL;
	}
	bpf_spin_lock(&v->lock);
	r = mms_rp_take(&v->w[epoch % MMS_EPOCH_SLOTS], (__u8)epoch, ctr & MMS_SEQ_CTR_MASK);
	bpf_spin_unlock(&v->lock);
	return r ? MMS_S_DROP_REPLAY : 0;
}

#endif /* MMS_REPLAY_BPF_H */
