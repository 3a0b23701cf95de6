/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Absorbed hellos (docs/datapath.md, "Absorbed hellos"). An up neighbour's
 * hellos repeat byte for byte, and reaching the agent costs the receiver's
 * stack, two packet sockets, a read and a parse for each, about a quarter
 * of an idle agent's CPU. The agent installs the last hello it took from a
 * neighbour that is up as a template; a hello equal to it, from the route
 * header to the end of the body, is dropped here after its link-scope
 * budget (a flood of copies is refused and counted as before), and its
 * arrival is written where the agent reads it without a system call. A
 * hello that differs in any byte, comes from another sender, or has no
 * template goes to the agent as before, so a change is seen at once.
 * agent/codec.c hello_absorb() is the model.
 */
#ifndef MMS_HELLO_H
#define MMS_HELLO_H

#include "mms_lib.h"

/* Written by the agent only: one entry per neighbour it holds up. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MMS_HELLO_SLOTS);
	__type(key, struct mms_hello_key);
	__type(value, struct mms_hello_tpl);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mms_hello_tpl SEC(".maps");

/* slot -> CLOCK_MONOTONIC ns of the last absorbed hello. The agent maps it
 * (BPF_F_MMAPABLE) and reads it before every run of its timers. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MMS_HELLO_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mms_hello_seen SEC(".maps");

#define MMS_HELLO_WORDS	(MMS_HELLO_TPL_MAX / 8)

/*
 * Is the hello at l2 (n bytes from its route header to the end of its
 * body) its sender's template? If so its arrival is recorded. A global
 * function: verified once, whatever the states of its caller. The body is
 * copied into a zeroed buffer of the template's fixed size and compared as
 * words with no branch, so the verifier walks one straight path.
 */
__noinline bool mms_hello_absorb(struct xdp_md *ctx, __u32 l2, __u32 n)
{
	void *data = ctx_data(ctx), *end = ctx_data_end(ctx);
	__u64 b[MMS_HELLO_WORDS] = {}, diff = 0, *seen;
	const struct mms_hello_tpl *t;
	struct mms_hello_key k = {};
	__u32 slot, sz;

	if (data + MMS_ETH_LEN + VLAN_HLEN > end)
		return false;
	k.ifindex = ctx_field(ctx, ingress_ifindex);
	st32(k.mac, ld32(data + 6));
	st16(k.mac + 4, ld16(data + 10));
	if (l2 != MMS_ETH_LEN)
		k.vlan = bpf_ntohs(ld16(data + 14)) & 0x0fff;
	t = bpf_map_lookup_elem(&mms_hello_tpl, &k);
	if (!t)
		return false;
	/* the size the copy takes: bounded in the register it is passed in */
	sz = t->len;
	if (sz != n || sz == 0 || sz > MMS_HELLO_TPL_MAX ||
	    bpf_xdp_load_bytes(ctx, l2, b, sz))
		return false;
#pragma unroll
	for (int i = 0; i < MMS_HELLO_WORDS; i++)
		diff |= b[i] ^ ld64(t->b + 8 * i);
	slot = t->slot;
	seen = diff ? NULL : bpf_map_lookup_elem(&mms_hello_seen, &slot);
	if (!seen)
		return false;
	*seen = bpf_ktime_get_ns();
	return true;
}

#endif /* MMS_HELLO_H */
