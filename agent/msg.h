/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Control-plane message bodies: bounds-checked parsers and builders for the
 * payloads of include/mms_wire.h (HELLO .. NOTIFY). The wire structs are
 * never dereferenced in place: every field is copied out (memcpy, so any
 * alignment is fine) into the host-order structs below.
 *
 * Parsers check exactly: the body must be as long as its counts say, reserved
 * fields zero, counts within the limits, every extension TLV inside the
 * extension area (unknown types skipped), the trailer last. They return 0 or
 * -MSG_E_* and never read outside body[0..len).
 */
#ifndef MMS_MSG_H
#define MMS_MSG_H

#include <stddef.h>
#include "codec.h"

/* Why a body was refused; parsers return the negative value. */
#define MSG_ERRORS(X)						\
	X(SHORT,	"body shorter than its fixed part")		\
	X(LENGTH,	"body length differs from what the counts say")	\
	X(COUNT,	"count over the limit")				\
	X(RSVD,		"reserved field not zero")			\
	X(VALUE,	"field out of range")				\
	X(TLV,		"extension TLV overruns its area")		\
	X(AUTH,		"authenticator trailer malformed")		\
	X(TYPE,		"not a control-plane payload type")

enum msg_err {
	MSG_OK = 0,
#define MSG_ERR_ENUM(n, d) MSG_E_##n,
	MSG_ERRORS(MSG_ERR_ENUM)
#undef MSG_ERR_ENUM
	MSG_E_MAX
};
const char *msg_strerror(int err);	/* accepts err or -err */

/* LSA neighbours one body holds (MMS_BODY_MAX bounds it at 43). */
#define MSG_LSA_MAX_NBR		40

/* The authenticator trailer. On parse, cover_len/auth_off say what the
 * authenticator covers: body[0..cover_len) (see mms_auth_tlr), and where its
 * bytes are: body[auth_off..auth_off+len). Builders fill them the same way. */
struct msg_auth {
	__u8	alg, len;
	__u16	key_id;
	__u8	data[MMS_AUTH_MAX];
	size_t	cover_len, auth_off;
};

struct msg_hello {
	struct mms_id id, seen;
	__u16 port, seen_port, hold_ms;
	__u8 role, flags;
	struct msg_auth auth;
};

struct msg_beacon {
	struct mms_id ma;
	struct mms_addr ma_addr;
	__u64 ts_ms;
	__u32 seq;
	__u8 npath;
	struct mms_id path[MMS_MAX_HOPS];
	struct msg_auth auth;
};

struct msg_ack {
	struct mms_id cm, ma;
	struct mms_addr cm_addr;
	__u32 beacon_seq, lsa_seq;
	__u8 role;
	struct msg_auth auth;
};

struct msg_lsa_nbr {
	struct mms_id id;
	__u16 port, peer_port, cost;
};

struct msg_lsa {
	struct mms_id origin;
	struct mms_addr addr;
	__u32 seq;
	__u8 role;
	__u16 nnbr;
	struct msg_lsa_nbr nbr[MSG_LSA_MAX_NBR];
	char name[MMS_NAME_MAX + 1];	/* NUL-terminated, "" when absent */
	struct msg_auth auth;
};

struct msg_control {
	struct mms_id ma, cm;
	struct mms_addr dst;
	__u32 seq, lsa_seq;
	__u8 op, flags, nroutes;
	struct mms_route r[MMS_MAX_ALT];
	struct msg_auth auth;
};

struct msg_notify {
	struct mms_id origin, nbr;
	struct mms_addr addr;
	__u32 seq;
	__u16 port;
	__u8 kind;
	struct msg_auth auth;
};

union msg_any {
	struct msg_hello hello;
	struct msg_beacon beacon;
	struct msg_ack ack;
	struct msg_lsa lsa;
	struct msg_control control;
	struct msg_notify notify;
};

int msg_hello_parse(const __u8 *b, size_t len, struct msg_hello *m);
int msg_beacon_parse(const __u8 *b, size_t len, struct msg_beacon *m);
int msg_ack_parse(const __u8 *b, size_t len, struct msg_ack *m);
int msg_lsa_parse(const __u8 *b, size_t len, struct msg_lsa *m);
int msg_control_parse(const __u8 *b, size_t len, struct msg_control *m);
int msg_notify_parse(const __u8 *b, size_t len, struct msg_notify *m);
/* Dispatch on the payload type (MMS_T_HELLO .. MMS_T_NOTIFY, not AUTH/DATA). */
int msg_parse(__u8 type, const __u8 *b, size_t len, union msg_any *m);

/*
 * Builders write the body into buf[0..cap) and return its length, -ENOSPC
 * if cap is too small, -EINVAL if a field cannot be encoded (count over the
 * limit, bad route). The authenticator is written from m->auth (alg, len,
 * key_id, data); m->auth.cover_len/auth_off of the result are returned
 * through *auth_out when it is not NULL, so a signer can fill it in place.
 */
int msg_hello_build(__u8 *buf, size_t cap, const struct msg_hello *m, struct msg_auth *auth_out);
int msg_beacon_build(__u8 *buf, size_t cap, const struct msg_beacon *m, struct msg_auth *auth_out);
int msg_ack_build(__u8 *buf, size_t cap, const struct msg_ack *m, struct msg_auth *auth_out);
int msg_lsa_build(__u8 *buf, size_t cap, const struct msg_lsa *m, struct msg_auth *auth_out);
int msg_control_build(__u8 *buf, size_t cap, const struct msg_control *m, struct msg_auth *auth_out);
int msg_notify_build(__u8 *buf, size_t cap, const struct msg_notify *m, struct msg_auth *auth_out);

/* Node ids: equality, all-zero test, and "0123abcd…" (32 hex digits + NUL). */
static inline int mms_id_eq(const struct mms_id *a, const struct mms_id *b)
{
	return !__builtin_memcmp(a->b, b->b, sizeof(a->b));
}
int mms_id_is_zero(const struct mms_id *a);
#define MMS_ID_STR 33
const char *mms_id_str(const struct mms_id *a, char out[MMS_ID_STR]);

#endif /* MMS_MSG_H */
