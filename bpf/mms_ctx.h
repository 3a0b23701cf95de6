/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Thin context layer: the XDP and TC programs share their helpers
 * (bpf/mms_lib.h) by writing them against `struct mms_ctx_t` and the ctx_*
 * functions below. A program defines MMS_CTX_XDP or MMS_CTX_SKB before
 * including any bpf/ header. Only what the shared code needs is here: packet
 * pointers, the frame length and the verdict codes.
 */
#ifndef MMS_CTX_H
#define MMS_CTX_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#if defined(MMS_CTX_XDP) == defined(MMS_CTX_SKB)
#error "define exactly one of MMS_CTX_XDP and MMS_CTX_SKB"
#endif

#ifdef MMS_CTX_XDP
#define mms_ctx_t	xdp_md
#define CTX_ACT_OK	XDP_PASS
#define CTX_ACT_DROP	XDP_DROP
#define CTX_ACT_REDIRECT XDP_REDIRECT
#else
#define mms_ctx_t	__sk_buff
#define CTX_ACT_OK	0	/* TC_ACT_OK */
#define CTX_ACT_DROP	2	/* TC_ACT_SHOT */
#define CTX_ACT_REDIRECT 7	/* TC_ACT_REDIRECT */
#endif

/*
 * Context fields by their UAPI offsets, not as ctx->field: vmlinux.h marks
 * every struct preserve_access_index, so a member access is a CO-RE
 * relocation, and one relocation makes libbpf parse the kernel's BTF
 * (several MB, ~10 ms per object) at every load. struct xdp_md and
 * struct __sk_buff are UAPI, their offsets never move, and the verifier
 * checks (and rewrites) context loads by offset. No program here has a
 * CO-RE relocation, so an agent starts without reading the kernel BTF.
 */
#define CTX_U32(ctx, type, field) \
	(*(__u32 *)((void *)(ctx) + __builtin_offsetof(type, field)))
#define ctx_field(ctx, field)	CTX_U32(ctx, struct mms_ctx_t, field)

static __always_inline void *ctx_data(const struct mms_ctx_t *ctx)
{
	return (void *)(long)ctx_field(ctx, data);
}

static __always_inline void *ctx_data_end(const struct mms_ctx_t *ctx)
{
	return (void *)(long)ctx_field(ctx, data_end);
}

/* Bytes of the frame as the program received it: what the counters add up. */
static __always_inline __u32 ctx_len(const struct mms_ctx_t *ctx)
{
#ifdef MMS_CTX_XDP
	return (__u32)(ctx_data_end(ctx) - ctx_data(ctx));
#else
	return ctx_field(ctx, len);
#endif
}

#endif /* MMS_CTX_H */
