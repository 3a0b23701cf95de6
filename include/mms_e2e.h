/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * End-to-end data tag (docs/wire-format.md, "End-to-end tag"): SipHash-2-4
 * (Aumasson and Bernstein, 2012) with a 128-bit key and a 64-bit output,
 * shared by the BPF programs (bpf/mms_e2e.h drives it over packet memory)
 * and userspace (agent/codec.c, over byte buffers). Additions, rotations
 * and XORs of 64-bit words only: no tables, no secret-dependent branches or
 * memory indices, and about 60 BPF instructions per 8 bytes of message.
 *
 * The tagged message of a DATA frame is one 8-byte route word, the 8-byte
 * sequence word as on the wire, then the IP packet:
 *
 *   epoch | route tag[4] | payload type | IP length (big-endian, 2 bytes) |
 *   producer (2) | counter (6) | IP packet
 *
 * so the tag binds the payload to the route it was sent on (epoch and tag
 * name the route), to its type and to its place in its producer's sequence
 * (include/mms_seq.h); the key binds the direction and the pair of ends
 * (see mms_e2e_derive() in agent/codec.h).
 */
#ifndef MMS_E2E_H
#define MMS_E2E_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* A SipHash key as two 64-bit words: k[0] = the key's bytes 0..7 read
 * little-endian, k[1] = bytes 8..15 (so BPF uses it without conversion). */
struct mms_e2e_key {
	__u64	k[2];
};

struct mms_sip {
	__u64	v0, v1, v2, v3;
};

static inline __u64 mms_rotl64(__u64 x, unsigned int b)
{
	return x << b | x >> (64 - b);
}

static inline void mms_sip_round(struct mms_sip *s)
{
	s->v0 += s->v1;
	s->v1 = mms_rotl64(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = mms_rotl64(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = mms_rotl64(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = mms_rotl64(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = mms_rotl64(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = mms_rotl64(s->v2, 32);
}

static inline void mms_sip_init(struct mms_sip *s, const struct mms_e2e_key *k)
{
	s->v0 = k->k[0] ^ 0x736f6d6570736575ull;	/* "somepseudorandomlygeneratedbytes" */
	s->v1 = k->k[1] ^ 0x646f72616e646f6dull;
	s->v2 = k->k[0] ^ 0x6c7967656e657261ull;
	s->v3 = k->k[1] ^ 0x7465646279746573ull;
}

/* One 8-byte block m (read little-endian): two compression rounds. */
static inline void mms_sip_word(struct mms_sip *s, __u64 m)
{
	s->v3 ^= m;
	mms_sip_round(s);
	mms_sip_round(s);
	s->v0 ^= m;
}

/* last = the final block: message length mod 256 in the top byte, the
 * 0..7 bytes left over below it. Four finalization rounds. */
static inline __u64 mms_sip_final(struct mms_sip *s, __u64 last)
{
	mms_sip_word(s, last);
	s->v2 ^= 0xff;
	mms_sip_round(s);
	mms_sip_round(s);
	mms_sip_round(s);
	mms_sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

/* The route word, the first block of the tagged message, as SipHash reads
 * it (its 8 bytes little-endian). */
static inline __u64 mms_e2e_w0(__u8 epoch, const __u8 tag[4], __u8 type, __u16 ip_len)
{
	return (__u64)epoch | (__u64)tag[0] << 8 | (__u64)tag[1] << 16 |
	       (__u64)tag[2] << 24 | (__u64)tag[3] << 32 | (__u64)type << 40 |
	       (__u64)(ip_len >> 8) << 48 | (__u64)(ip_len & 0xff) << 56;
}

/* The sequence word, the second block, as SipHash reads it: the 8 bytes
 * of the big-endian wire field read little-endian, its byte reversal. */
static inline __u64 mms_e2e_w1(__u64 seq)
{
	return __builtin_bswap64(seq);
}

#endif /* MMS_E2E_H */
