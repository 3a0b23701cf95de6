// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Programs for `make bench` only: a traffic generator driven by
 * BPF_PROG_TEST_RUN live frames, a counting sink, and the plain XDP redirect
 * forwarder MMS forwarding is compared with. Never attached by the agent.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

const volatile __u32 gen_ifindex;	/* generator: where frames leave */

/* Plain forwarder: ingress ifindex -> egress and MACs. */
struct fwd_entry {
	__u32 egress;
	__u8 dst[6];
	__u8 src[6];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct fwd_entry);
} bench_fwd SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} bench_tx SEC(".maps");

/* Sink counter; one slot, per CPU, summed by userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} bench_count SEC(".maps");

/* The frame the generator sends. Live test_run frames live in recycled
 * pages that the forwarders downstream rewrite in place (MMS pops a hop), so
 * the generator writes the template back into every frame it sends. */
#define GEN_MAX 512
struct gen_frame {
	__u32 len;
	__u8 data[GEN_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct gen_frame);
} bench_frame SEC(".maps");

SEC("xdp")
int xdp_gen(struct xdp_md *ctx)
{
	__u32 k = 0, len;
	struct gen_frame *f = bpf_map_lookup_elem(&bench_frame, &k);

	if (!f)
		return XDP_ABORTED;
	len = f->len;
	if (len < 14 || len > GEN_MAX)
		return XDP_ABORTED;
	if (bpf_xdp_store_bytes(ctx, 0, f->data, len))
		return XDP_ABORTED;
	return bpf_redirect(gen_ifindex, 0);
}

SEC("xdp")
int xdp_sink(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *c = bpf_map_lookup_elem(&bench_count, &k);

	if (c)
		(*c)++;
	return XDP_DROP;
}

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int xdp_empty(struct xdp_md *ctx)
{
	return XDP_DROP;
}

SEC("xdp")
int xdp_fwd_plain(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 in = ctx->ingress_ifindex;
	struct fwd_entry *f;
	__u8 *eth = data;

	if (data + 14 > end)
		return XDP_DROP;
	f = bpf_map_lookup_elem(&bench_fwd, &in);
	if (!f)
		return XDP_PASS;
	__builtin_memcpy(eth, f->dst, 6);
	__builtin_memcpy(eth + 6, f->src, 6);
	return bpf_redirect_map(&bench_tx, f->egress, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Egress classifier for shaped links in the flood bench (classic cls_bpf
 * mode: the return value is the class): MMS frames, by EtherType, go to htb
 * class 1:10; 0 leaves everything else to the default class. */
SEC("tc")
int tc_mgmt_class(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	__u8 *eth = data;

	if (data + 14 <= end && eth[12] == 0x88 && eth[13] == 0xb5)
		return 0x10010;
	return 0;
}
