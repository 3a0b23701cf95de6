// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The kernel's AES through the crypto kfuncs (Linux 6.10+), for comparison
 * with the table cipher of include/mms_aes.h. Optional: loaded only by the
 * bench (kfunc_aes_block_ns); the datapath does not depend on it.
 *
 * A crypto context can only be made in a sleepable program, so kf_setup
 * (SEC("syscall"), run once through BPF_PROG_TEST_RUN) creates an
 * ecb(aes) context for kf_key and parks it as a kptr in kf_ctx, where the
 * XDP program finds it under RCU.
 *
 * clang 14 emits no BTF type tags, so the "kptr" tag on kf_val.ctx is lost
 * in the object; selftests/bench/bench_xdp.c puts it back into the BTF
 * between open and load (with clang 15+ it is already there). The kernel
 * also needs the pointee as a full struct, not a forward declaration: the
 * unused kf_btf_anchor makes clang emit it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct bpf_crypto_ctx *bpf_crypto_ctx_create(const struct bpf_crypto_params *params,
					     __u32 params__sz, int *err) __ksym;
void bpf_crypto_ctx_release(struct bpf_crypto_ctx *ctx) __ksym;
int bpf_crypto_decrypt(struct bpf_crypto_ctx *ctx, const struct bpf_dynptr *src,
		       const struct bpf_dynptr *dst, const struct bpf_dynptr *siv__nullable) __ksym;

struct kf_val {
	struct bpf_crypto_ctx __kptr *ctx;
};

static struct bpf_crypto_ctx kf_btf_anchor __attribute__((used));

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kf_val);
} kf_ctx SEC(".maps");

__u8 kf_key[16];
__u8 kf_src[16];
__u8 kf_dst[16];
int kf_status;

SEC("syscall")
int kf_setup(void *args)
{
	struct bpf_crypto_params p = {
		.type = "skcipher",
		.algo = "ecb(aes)",
		.key_len = 16,
	};
	struct bpf_crypto_ctx *c;
	struct kf_val *v;
	__u32 k = 0;
	int err = 0;

	__builtin_memcpy(p.key, kf_key, 16);
	c = bpf_crypto_ctx_create(&p, sizeof(p), &err);
	if (!c) {
		kf_status = err ? err : -1;
		return 0;
	}
	v = bpf_map_lookup_elem(&kf_ctx, &k);
	if (!v) {
		bpf_crypto_ctx_release(c);
		kf_status = -2;
		return 0;
	}
	c = bpf_kptr_xchg(&v->ctx, c);
	if (c)
		bpf_crypto_ctx_release(c);
	kf_status = 0;
	return 0;
}

SEC("xdp")
int kf_aes(struct xdp_md *ctx)
{
	struct bpf_dynptr src, dst;
	struct bpf_crypto_ctx *c;
	struct kf_val *v;
	__u32 k = 0;

	v = bpf_map_lookup_elem(&kf_ctx, &k);
	if (!v)
		return XDP_ABORTED;
	c = v->ctx;
	if (!c)
		return XDP_ABORTED;
	bpf_dynptr_from_mem(kf_src, sizeof(kf_src), 0, &src);
	bpf_dynptr_from_mem(kf_dst, sizeof(kf_dst), 0, &dst);
	kf_status = bpf_crypto_decrypt(c, &src, &dst, NULL);
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
