// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Pair-wise sessions (auth.h, part 2): key derivation from the handshake's
 * master secret, hop keys per epoch, and MACed control envelopes with a
 * replay window.
 */
#include <errno.h>
#include <string.h>
#include <openssl/crypto.h>

#include "auth_int.h"

#define HOP_LABEL	"MMS-AUTH-v1 hop"
#define MA2CM_LABEL	"MMS-AUTH-v1 ctl ma->cm"
#define CM2MA_LABEL	"MMS-AUTH-v1 ctl cm->ma"
#define CTL_LABEL	"MMS-CTL-v1"
#define WRAP_MA2CM	"MMS-AUTH-v1 wrap ma->cm"
#define WRAP_CM2MA	"MMS-AUTH-v1 wrap cm->ma"
#define WRAP_AAD	"MMS-WRAP-v1"
#define CTL_VERSION	1
/* A body must fit an MMS payload (16-bit length) with the envelope around it. */
#define CTL_BODY_MAX	(0xffff - MMS_CTL_OVERHEAD)

int mms_mac(const uint8_t key[32], const struct mms_iov *v, int nv, uint8_t tag[MMS_MAC_LEN])
{
	uint8_t full[MMS_SHA256_LEN];
	int rc = mms_hmac_sha256(key, 32, v, nv, full);

	if (!rc)
		memcpy(tag, full, MMS_MAC_LEN);
	OPENSSL_cleanse(full, sizeof(full));
	return rc;
}

int mms_mac_verify(const uint8_t key[32], const struct mms_iov *v, int nv,
		   const uint8_t tag[MMS_MAC_LEN])
{
	uint8_t want[MMS_MAC_LEN];
	int rc = mms_mac(key, v, nv, want);

	if (!rc && !mms_ct_equal(want, tag, MMS_MAC_LEN))
		rc = -EBADMSG;
	OPENSSL_cleanse(want, sizeof(want));
	return rc;
}

int mms_session_derive(struct mms_session *s, int role, const uint8_t self[MMS_ID_LEN],
		       const uint8_t peer[MMS_ID_LEN], const uint8_t *ikm, size_t ikm_len,
		       const uint8_t salt[MMS_SHA256_LEN], uint32_t epoch_first)
{
	uint8_t *ma2cm = role == MMS_ROLE_MA ? s->tx_key : s->rx_key;
	uint8_t *cm2ma = role == MMS_ROLE_MA ? s->rx_key : s->tx_key;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = mms_hkdf_extract(salt, MMS_SHA256_LEN, ikm, ikm_len, s->master);
	if (!rc)
		rc = mms_hkdf_expand(s->master, MA2CM_LABEL, strlen(MA2CM_LABEL), ma2cm, 32);
	if (!rc)
		rc = mms_hkdf_expand(s->master, CM2MA_LABEL, strlen(CM2MA_LABEL), cm2ma, 32);
	if (rc) {
		mms_session_wipe(s);
		return rc;
	}
	memcpy(s->self, self, MMS_ID_LEN);
	memcpy(s->peer, peer, MMS_ID_LEN);
	s->role = (uint8_t)role;
	s->epoch_first = epoch_first;
	mms_replay_init(&s->rx);
	s->established = 1;
	return 0;
}

void mms_session_wipe(struct mms_session *s)
{
	OPENSSL_cleanse(s, sizeof(*s));
}

int mms_session_hop_key(const struct mms_session *s, uint32_t epoch,
			uint8_t key[MMS_HOP_KEY_LEN])
{
	uint8_t info[sizeof(HOP_LABEL) - 1 + 4];

	if (!s->established)
		return -EINVAL;
	if (epoch < s->epoch_first)
		return -ERANGE;
	memcpy(info, HOP_LABEL, sizeof(HOP_LABEL) - 1);
	mms_be32_put(info + sizeof(HOP_LABEL) - 1, epoch);
	return mms_hkdf_expand(s->master, info, sizeof(info), key, MMS_HOP_KEY_LEN);
}

/* The MAC binds the receiver's ID, which is not sent: an envelope made for
 * one CM does not verify at another even if their keys were equal. */
static int ctl_tag(const uint8_t key[32], const uint8_t receiver[MMS_ID_LEN],
		   const uint8_t *env, size_t len, uint8_t tag[MMS_MAC_LEN])
{
	struct mms_iov v[3] = {
		{ CTL_LABEL, strlen(CTL_LABEL) }, { receiver, MMS_ID_LEN }, { env, len },
	};

	return mms_mac(key, v, 3, tag);
}

int mms_session_seal(struct mms_session *s, uint8_t type, const void *body, size_t len,
		     uint8_t *out, size_t cap)
{
	int rc;

	if (!s->established)
		return -EINVAL;
	if (len > CTL_BODY_MAX)
		return -EMSGSIZE;
	if (cap < len + MMS_CTL_OVERHEAD)
		return -ENOSPC;
	if (s->tx_seq == UINT64_MAX)
		return -EOVERFLOW;	/* authenticate again for fresh keys */
	memmove(out + MMS_CTL_HDR, body, len);	/* body may already sit there */
	out[0] = CTL_VERSION;
	out[1] = type;
	out[2] = out[3] = 0;
	memcpy(out + 4, s->self, MMS_ID_LEN);
	mms_be64_put(out + 20, s->tx_seq);
	rc = ctl_tag(s->tx_key, s->peer, out, MMS_CTL_HDR + len, out + MMS_CTL_HDR + len);
	if (rc)
		return rc;
	s->tx_seq++;
	return (int)(len + MMS_CTL_OVERHEAD);
}

int mms_ctl_sender(const uint8_t *in, size_t len, uint8_t id[MMS_ID_LEN])
{
	if (len < MMS_CTL_OVERHEAD || in[0] != CTL_VERSION || in[2] || in[3])
		return -EBADMSG;
	memcpy(id, in + 4, MMS_ID_LEN);
	return 0;
}

int mms_session_open(struct mms_session *s, const uint8_t *in, size_t len, uint8_t *type,
		     const uint8_t **body, size_t *body_len)
{
	uint8_t sender[MMS_ID_LEN], want[MMS_MAC_LEN];
	uint64_t seq;
	int rc;

	if (!s->established)
		return -EINVAL;
	rc = mms_ctl_sender(in, len, sender);
	if (rc)
		return rc;
	if (memcmp(sender, s->peer, MMS_ID_LEN))
		return -ENOKEY;
	/* Cheap before expensive: a replayed or ancient number is refused
	 * without computing a MAC; the window moves only after the MAC. */
	seq = mms_be64_get(in + 20);
	rc = mms_replay_check(&s->rx, seq);
	if (rc)
		return rc == -ERANGE ? -EBADMSG : rc;
	rc = ctl_tag(s->rx_key, s->self, in, len - MMS_MAC_LEN, want);
	if (rc)
		return rc;
	if (!mms_ct_equal(want, in + len - MMS_MAC_LEN, MMS_MAC_LEN))
		return -EBADMSG;
	rc = mms_replay_update(&s->rx, seq);
	if (rc)
		return rc;
	*type = in[1];
	*body = in + MMS_CTL_HDR;
	*body_len = len - MMS_CTL_OVERHEAD;
	return 0;
}

/* The wrap key of one direction, from the master; sender_role picks it. */
static int wrap_key(const struct mms_session *s, int sender_role, uint8_t key[32])
{
	const char *label = sender_role == MMS_ROLE_MA ? WRAP_MA2CM : WRAP_CM2MA;

	return mms_hkdf_expand(s->master, label, strlen(label), key, 32);
}

static void wrap_aad(uint8_t aad[sizeof(WRAP_AAD) - 1 + 2 * MMS_ID_LEN + 4],
		     const uint8_t sender[MMS_ID_LEN], const uint8_t receiver[MMS_ID_LEN],
		     uint32_t epoch)
{
	size_t l = sizeof(WRAP_AAD) - 1;

	memcpy(aad, WRAP_AAD, l);
	memcpy(aad + l, sender, MMS_ID_LEN);
	memcpy(aad + l + MMS_ID_LEN, receiver, MMS_ID_LEN);
	mms_be32_put(aad + l + 2 * MMS_ID_LEN, epoch);
}

/* Seal (out = nonce | ct | tag) or open (in -> key) one wrapped hop key. */
static int wrap_op(const struct mms_session *s, uint32_t epoch, int seal, const uint8_t *in,
		   uint8_t *out)
{
	uint8_t k[32], aad[sizeof(WRAP_AAD) - 1 + 2 * MMS_ID_LEN + 4];
	int peer_role = s->role == MMS_ROLE_MA ? MMS_ROLE_CM : MMS_ROLE_MA;
	int rc;

	if (!s->established)
		return -EINVAL;
	rc = wrap_key(s, seal ? s->role : peer_role, k);
	if (seal) {
		wrap_aad(aad, s->self, s->peer, epoch);
		/* A random nonce: the same epoch may be wrapped again (a resend,
		 * a new key after a re-key), and GCM must never see a nonce twice. */
		if (!rc)
			rc = mms_random(out, MMS_GCM_NONCE);
		if (!rc)
			rc = mms_gcm_seal(k, out, aad, sizeof(aad), in, MMS_HOP_KEY_LEN,
					  out + MMS_GCM_NONCE, out + MMS_GCM_NONCE + MMS_HOP_KEY_LEN);
	} else {
		wrap_aad(aad, s->peer, s->self, epoch);
		if (!rc)
			rc = mms_gcm_open(k, in, aad, sizeof(aad), in + MMS_GCM_NONCE, MMS_HOP_KEY_LEN,
					  in + MMS_GCM_NONCE + MMS_HOP_KEY_LEN, out);
	}
	OPENSSL_cleanse(k, sizeof(k));
	return rc;
}

int mms_session_wrap_hop_key(const struct mms_session *s, uint32_t epoch,
			     const uint8_t key[MMS_HOP_KEY_LEN], uint8_t out[MMS_WRAPPED_KEY_LEN])
{
	return wrap_op(s, epoch, 1, key, out);
}

int mms_session_unwrap_hop_key(const struct mms_session *s, uint32_t epoch,
			       const uint8_t in[MMS_WRAPPED_KEY_LEN], uint8_t key[MMS_HOP_KEY_LEN])
{
	return wrap_op(s, epoch, 0, in, key);
}
