/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Shared by auth.c and session.c; not for the agent. */
#ifndef MMS_AUTH_INT_H
#define MMS_AUTH_INT_H

#include "auth.h"

/* Fill a session from the handshake's key material: master =
 * HKDF-Extract(salt, ikm), then the two control keys. role is ours. */
int mms_session_derive(struct mms_session *s, int role, const uint8_t self[MMS_ID_LEN],
		       const uint8_t peer[MMS_ID_LEN], const uint8_t *ikm, size_t ikm_len,
		       const uint8_t salt[MMS_SHA256_LEN], uint32_t epoch_first);

static inline void mms_be64_put(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline uint64_t mms_be64_get(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static inline void mms_be32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint32_t mms_be32_get(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#endif /* MMS_AUTH_INT_H */
