/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * AES-128 single-block decryption with lookup tables, written once for the
 * BPF fast path and for userspace (where it is checked against OpenSSL and
 * the FIPS-197 vectors). Kernels before 6.10 have no crypto kfunc, and on
 * this class of machine the table version is faster than the kfunc anyway.
 *
 * Side channel: table lookups leak index bits through the cache to an
 * attacker who shares the CPU. docs/security.md discusses what that exposes
 * (a node's own hop key to local code) and what it does not.
 *
 * Words are the block's bytes read big-endian: w0 = b0<<24 | b1<<16 | ...
 */
#ifndef MMS_AES_H
#define MMS_AES_H

#include "mms_kern_user.h"
#include "mms_aes_tables.h"	/* generated into build/gen/ */

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define MMS_AES_ROUND(rk, o0, o1, o2, o3, i0, i1, i2, i3)		      \
	do {								      \
		o0 = mms_Td0[i0 >> 24] ^ mms_Td1[(i3 >> 16) & 0xff] ^	      \
		     mms_Td2[(i2 >> 8) & 0xff] ^ mms_Td3[i1 & 0xff] ^ (rk)[0]; \
		o1 = mms_Td0[i1 >> 24] ^ mms_Td1[(i0 >> 16) & 0xff] ^	      \
		     mms_Td2[(i3 >> 8) & 0xff] ^ mms_Td3[i2 & 0xff] ^ (rk)[1]; \
		o2 = mms_Td0[i2 >> 24] ^ mms_Td1[(i1 >> 16) & 0xff] ^	      \
		     mms_Td2[(i0 >> 8) & 0xff] ^ mms_Td3[i3 & 0xff] ^ (rk)[2]; \
		o3 = mms_Td0[i3 >> 24] ^ mms_Td1[(i2 >> 16) & 0xff] ^	      \
		     mms_Td2[(i1 >> 8) & 0xff] ^ mms_Td3[i0 & 0xff] ^ (rk)[3]; \
	} while (0)

#define MMS_AES_LAST(rk, a, b, c, d)					\
	(((__u32)mms_Si[(a) >> 24] << 24) ^				\
	 ((__u32)mms_Si[((b) >> 16) & 0xff] << 16) ^			\
	 ((__u32)mms_Si[((c) >> 8) & 0xff] << 8) ^			\
	 (__u32)mms_Si[(d) & 0xff] ^ (rk))

/*
 * Decrypt one block in place. rk is the decryption schedule made by
 * mms_aes_expand_dec(): round keys in reverse order, InvMixColumns applied to
 * rounds 1..9 (FIPS-197 5.3.5, "equivalent inverse cipher").
 */
static __always_inline void mms_aes_dec(const __u32 *rk, __u32 s[4])
{
	__u32 s0 = s[0] ^ rk[0], s1 = s[1] ^ rk[1], s2 = s[2] ^ rk[2], s3 = s[3] ^ rk[3];
	__u32 t0, t1, t2, t3;

	MMS_AES_ROUND(rk + 4,  t0, t1, t2, t3, s0, s1, s2, s3);
	MMS_AES_ROUND(rk + 8,  s0, s1, s2, s3, t0, t1, t2, t3);
	MMS_AES_ROUND(rk + 12, t0, t1, t2, t3, s0, s1, s2, s3);
	MMS_AES_ROUND(rk + 16, s0, s1, s2, s3, t0, t1, t2, t3);
	MMS_AES_ROUND(rk + 20, t0, t1, t2, t3, s0, s1, s2, s3);
	MMS_AES_ROUND(rk + 24, s0, s1, s2, s3, t0, t1, t2, t3);
	MMS_AES_ROUND(rk + 28, t0, t1, t2, t3, s0, s1, s2, s3);
	MMS_AES_ROUND(rk + 32, s0, s1, s2, s3, t0, t1, t2, t3);
	MMS_AES_ROUND(rk + 36, t0, t1, t2, t3, s0, s1, s2, s3);
	s[0] = MMS_AES_LAST(rk[40], t0, t3, t2, t1);
	s[1] = MMS_AES_LAST(rk[41], t1, t0, t3, t2);
	s[2] = MMS_AES_LAST(rk[42], t2, t1, t0, t3);
	s[3] = MMS_AES_LAST(rk[43], t3, t2, t1, t0);
}

#ifndef __VMLINUX_H__
/* Userspace only: build the decryption schedule from a 16-byte key. */
static inline __u32 mms_aes_sub_word(__u32 w)
{
	return (__u32)mms_Se[w >> 24] << 24 | (__u32)mms_Se[(w >> 16) & 0xff] << 16 |
	       (__u32)mms_Se[(w >> 8) & 0xff] << 8 | mms_Se[w & 0xff];
}

/* InvMixColumns of one word, via the tables: Td(Se(x)) undoes the S-box. */
static inline __u32 mms_aes_inv_mix(__u32 w)
{
	return mms_Td0[mms_Se[w >> 24]] ^ mms_Td1[mms_Se[(w >> 16) & 0xff]] ^
	       mms_Td2[mms_Se[(w >> 8) & 0xff]] ^ mms_Td3[mms_Se[w & 0xff]];
}

static inline void mms_aes_expand_dec(const __u8 key[16], __u32 rk[MMS_AES_RK_WORDS])
{
	__u32 ek[MMS_AES_RK_WORDS];
	__u8 rcon = 1;
	int i, r;

	for (i = 0; i < 4; i++)
		ek[i] = (__u32)key[4 * i] << 24 | (__u32)key[4 * i + 1] << 16 |
			(__u32)key[4 * i + 2] << 8 | key[4 * i + 3];
	for (i = 4; i < MMS_AES_RK_WORDS; i++) {
		__u32 t = ek[i - 1];

		if (i % 4 == 0) {
			t = mms_aes_sub_word(t << 8 | t >> 24) ^ ((__u32)rcon << 24);
			rcon = (__u8)((rcon << 1) ^ ((rcon & 0x80) ? 0x1b : 0));
		}
		ek[i] = ek[i - 4] ^ t;
	}
	for (r = 0; r <= 10; r++)
		for (i = 0; i < 4; i++) {
			__u32 w = ek[4 * (10 - r) + i];

			rk[4 * r + i] = (r == 0 || r == 10) ? w : mms_aes_inv_mix(w);
		}
	/* the caller's schedule is the secret; the expanded copy is wiped */
	for (i = 0; i < MMS_AES_RK_WORDS; i++)
		((volatile __u32 *)ek)[i] = 0;
}
#endif

#endif /* MMS_AES_H */
