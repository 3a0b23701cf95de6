// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Programs for selftests/bench/bench_xdp.c only; never attached.
 *
 * BPF_PROG_TEST_RUN repeats a program on one buffer without restoring it,
 * and a forwarded frame has lost its first field, so a plain repeat would
 * time the drop path from the second round on. bench_hop therefore puts the
 * original frame back first and then tail-calls the program under test
 * (mms_xdp, or bench_empty for the baseline): both measurements pay the
 * same restore and tail call, and their difference is the hop itself.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "mms_aes.h"
#include "mms_kern_user.h"

#define BENCH_FRAME_MAX	1536	/* a last-hop frame with a 1000-byte packet fits */
#define BENCH_RESTORE	72	/* bytes a forward or a delivery rewrites: eth + hdr +
				 * delta, or up to the 66th (the IP packet of a
				 * one-field DATA frame) */

__u8 bench_frame[BENCH_FRAME_MAX];	/* the frame as the test run began */
__u32 bench_len;
__u32 bench_out[4];

/* The datapath's replay windows (bpf/mms_maps.h's definition, unpinned: the
 * loader's map is reused by fd), and the
 * one the delivery frames go to: with bench_rp_fresh set, bench_hop hands
 * their counter back before each iteration, as if it were the producer's
 * next (the top just below it, its bit clear). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MMS_RP_SOURCES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct mms_rp_key);
	__type(value, struct mms_rp_val);
} mms_replay SEC(".maps");

__u32 bench_rp_fresh, bench_rp_slot;
struct mms_rp_key bench_rp_key;
__u64 bench_rp_ctr;

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_target SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mms_key);
} bench_key SEC(".maps");

SEC("xdp")
int bench_hop(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u64 cur = (__u64)(end - data);
	__u32 len = bench_len;

	/* keep the length a 64-bit scalar: clang would otherwise fold the
	 * subtraction into 32-bit arithmetic on the packet pointers */
	asm volatile("" : "+r"(cur));

	/* Always move the head, by 0 when nothing moved it, so both targets
	 * pay the same. */
	if (len > BENCH_FRAME_MAX || bpf_xdp_adjust_head(ctx, (int)cur - (int)len))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (data + BENCH_RESTORE > end)
		return XDP_ABORTED;
#pragma unroll
	for (int i = 0; i < BENCH_RESTORE; i += 8)
		*(__u64 *)(data + i) = *(__u64 *)(bench_frame + i);
	if (bench_rp_fresh) {
		struct mms_rp_val *v = bpf_map_lookup_elem(&mms_replay, &bench_rp_key);

		if (v) {
			struct mms_rp_win *w = &v->w[bench_rp_slot & (MMS_EPOCH_SLOTS - 1)];

			w->top = bench_rp_ctr - 1;
			w->bits[(bench_rp_ctr >> 6) & (MMS_RP_WORDS - 1)] = 0;
		}
	}
	bpf_tail_call(ctx, &bench_target, 0);
	return XDP_ABORTED;
}

/* The baseline target of bench_hop: nothing but the verdict. */
SEC("xdp")
int bench_empty(struct xdp_md *ctx __attribute__((unused)))
{
	return XDP_PASS;
}

/* One AES-128 block decryption as mms_xdp does it (include/mms_aes.h). */
SEC("xdp")
int bench_aes(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	const struct mms_key *key;
	__u32 k = 0, w[4];

	key = bpf_map_lookup_elem(&bench_key, &k);
	if (!key || data + 16 > end)
		return XDP_ABORTED;
	w[0] = bpf_ntohl(*(__u32 *)data);
	w[1] = bpf_ntohl(*(__u32 *)(data + 4));
	w[2] = bpf_ntohl(*(__u32 *)(data + 8));
	w[3] = bpf_ntohl(*(__u32 *)(data + 12));
	mms_aes_dec(key->rk, w);
	bench_out[0] = w[0];
	bench_out[1] = w[1];
	bench_out[2] = w[2];
	bench_out[3] = w[3];
	return XDP_DROP;
}

/* The same frame access and key lookup without the cipher: aes_block_ns
 * is bench_aes minus this. */
SEC("xdp")
int bench_noaes(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	const struct mms_key *key;
	__u32 k = 0;

	key = bpf_map_lookup_elem(&bench_key, &k);
	if (!key || data + 16 > end)
		return XDP_ABORTED;
	bench_out[0] = bpf_ntohl(*(__u32 *)data) ^ key->rk[0];
	bench_out[1] = bpf_ntohl(*(__u32 *)(data + 4)) ^ key->rk[1];
	bench_out[2] = bpf_ntohl(*(__u32 *)(data + 8)) ^ key->rk[2];
	bench_out[3] = bpf_ntohl(*(__u32 *)(data + 12)) ^ key->rk[43];
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
