/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Opening and checking the receiver's hop field (docs/wire-format.md,
 * "Processing at a node", step 4). The plaintext is kept as the four
 * big-endian words the cipher works on:
 *   w[0] = egress << 16 | ingress
 *   w[1] = ctl << 24 | chain
 *   w[2] = expiry
 *   w[3] = tag
 * so the checks are word compares and nothing is converted back to bytes.
 */
#ifndef MMS_HOP_H
#define MMS_HOP_H

#include "mms_lib.h"
#include "mms_aes.h"

/*
 * Verification cost. The verifier walks an inlined function once per state
 * that reaches it, and the checks before the hop field leave many distinct
 * states (one per exit of the chain loop below, times the branches after
 * it): with the cipher inlined, mms_xdp took 216k verified instructions and
 * 250-700 ms to load, most of an agent's start-up on a loaded machine.
 * Global subprograms are verified once, on their own, with unknown
 * arguments; the caller sees only their scalar result. The cipher and the
 * chain are therefore global (mms_xdp: 4.6k instructions, ~8 ms); a call
 * costs a few ns against ~75 ns of AES.
 */

/*
 * Chain value of the fields after the first (mms_hop_fold() of nhops - 1
 * fields). XOR is independent of byte order, so the fields are XORed as
 * native 64-bit words, the halves folded and the result swapped once.
 * The bound check per field cannot fail after the frame length check; it is
 * what lets the verifier see each load in bounds.
 */
static __always_inline __u32 mms_chain_after(const void *hop, const void *end, __u32 nhops)
{
	__u64 y = 0;

#pragma unroll
	for (__u32 i = 1; i < MMS_MAX_HOPS; i++) {
		const void *f = hop + i * MMS_HOP_LEN;

		if (i >= nhops || f + MMS_HOP_LEN > end)
			break;
		y ^= ld64(f) ^ ld64(f + 8);
	}
	return mms_chain_of_word(bpf_ntohl((__u32)(y ^ (y >> 32))));
}

/* The chain of a frame whose hop fields start hops_off bytes into the
 * packet. The caller has checked that all nhops fields lie inside it; the
 * per-field bound checks only inform the verifier. 0xffffffff (no 24-bit
 * chain equals it) if hops_off is out of range, which cannot happen. */
__noinline __u32 mms_hop_chain(struct mms_ctx_t *ctx, __u32 hops_off, __u32 nhops)
{
	void *data = ctx_data(ctx), *end = ctx_data_end(ctx);

	if (hops_off > MMS_ETH_LEN + 4 + MMS_HDR_LEN)
		return 0xffffffff;
	return mms_chain_after(data + hops_off, end, nhops);
}

/* One AES-128 block decryption of w under key, in place. A global
 * subprogram takes pointers to sized types only, hence the struct. */
struct mms_hop_words {
	__u32 w[4];
};

__noinline int mms_hop_decrypt(const struct mms_key *key, struct mms_hop_words *b)
{
	if (!key || !b)
		return -1;	/* cannot happen: the caller's map value and stack */
	mms_aes_dec(key->rk, b->w);
	return 0;
}

/* The plaintext checks of mms_process(): index, LAST, reserved bits, expiry,
 * tag and chain. True when the field is good. */
static __always_inline bool mms_hop_ok(const __u32 w[4], const struct mms_hdr *h,
				       __u32 nhops, __u32 chain)
{
	__u32 ctl = w[1] >> 24;

	if (ctl & MMS_HOP_RSVD_MASK)
		return false;
	if ((ctl & MMS_HOP_IDX_MASK) != nhops - 1)
		return false;
	if (!(ctl & MMS_HOP_LAST) != (nhops > 1))
		return false;
	if ((ctl & MMS_HOP_CTRL) && !(ctl & MMS_HOP_LAST))
		return false;
	if (w[2] != bpf_ntohl(h->expiry) || w[3] != bpf_ntohl(ld32(h->tag)))
		return false;
	return (w[1] & 0xffffff) == chain;
}

/*
 * Hop cache. Every packet of a route carries the same ciphertext in a given
 * node's field, so each CPU keeps the plaintexts of fields it has verified
 * in a small direct-mapped table and skips the cipher (~75 ns in BPF, most
 * of the hop budget) when it meets the block again.
 *
 * Exactness: an entry maps (cipher key, ciphertext) to the AES decryption,
 * which depends on nothing else, and every check of mms_hop_ok() is still
 * made on every packet. The key is named by its own 16 bytes, rk[40..43] of
 * the decryption schedule, so replacing a key (even under the same epoch)
 * makes every entry made under the old one miss; no invalidation is needed.
 * An entry is written only for a field that passed the checks, and only if
 * the key words read before and after the decryption agree, so a key being
 * rewritten while it is read cannot leave a wrong entry behind.
 *
 * Entries are indexed by ciphertext bits, which are uniform for real fields;
 * forged blocks fail the checks and are never stored, so a flood can at
 * most make replayed fields evict each other. Per CPU, so no locking: XDP
 * runs with bottom halves off and does not nest on a CPU (and an entry torn
 * anyway would only yield a plaintext that fails the checks of the frame it
 * is used for). mms_hop_cache_on = false at load time turns the cache off
 * (bench figures; the differential test runs both ways).
 */
const volatile bool mms_hop_cache_on = true;

#define MMS_HOP_CACHE_SLOTS	256

struct mms_hop_cache_ent {
	__u64 c[2];	/* ciphertext, as native words */
	__u64 kid[2];	/* the key: rk[40..43] */
	__u32 p[4];	/* plaintext words */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MMS_HOP_CACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct mms_hop_cache_ent);
} mms_hop_cache SEC(".maps");

#define ld64_once(p)	(*(const volatile __u64 *)(p))

/*
 * Open the field at hop (16 bytes, bounds checked by the caller) under key
 * into w and check it; chain is mms_hop_chain() of the frame. True when
 * the field is good.
 */
static __always_inline bool mms_hop_open_check(const struct mms_key *key, const void *hop,
					       const struct mms_hdr *h, __u32 nhops,
					       __u32 chain, __u32 w[4])
{
	__u64 c0 = ld64(hop), c1 = ld64(hop + 8);
	__u64 k0 = ld64_once(&key->rk[40]), k1 = ld64_once(&key->rk[42]);
	struct mms_hop_cache_ent *e = NULL;
	__u32 slot = (__u32)c0 & (MMS_HOP_CACHE_SLOTS - 1);
	struct mms_hop_words b;

	if (mms_hop_cache_on) {
		e = bpf_map_lookup_elem(&mms_hop_cache, &slot);
		if (e && e->c[0] == c0 && e->c[1] == c1 && e->kid[0] == k0 && e->kid[1] == k1) {
			w[0] = e->p[0];
			w[1] = e->p[1];
			w[2] = e->p[2];
			w[3] = e->p[3];
			return mms_hop_ok(w, h, nhops, chain);
		}
	}
	b.w[0] = bpf_ntohl(ld32(hop));
	b.w[1] = bpf_ntohl(ld32(hop + 4));
	b.w[2] = bpf_ntohl(ld32(hop + 8));
	b.w[3] = bpf_ntohl(ld32(hop + 12));
	if (mms_hop_decrypt(key, &b))
		return false;
	w[0] = b.w[0];
	w[1] = b.w[1];
	w[2] = b.w[2];
	w[3] = b.w[3];
	if (!mms_hop_ok(w, h, nhops, chain))
		return false;
	if (e && ld64_once(&key->rk[40]) == k0 && ld64_once(&key->rk[42]) == k1) {
		e->c[0] = c0;
		e->c[1] = c1;
		e->kid[0] = k0;
		e->kid[1] = k1;
		e->p[0] = w[0];
		e->p[1] = w[1];
		e->p[2] = w[2];
		e->p[3] = w[3];
	}
	return true;
}

#endif /* MMS_HOP_H */
