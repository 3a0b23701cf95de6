/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * For the security harnesses: an MA and a CM made in memory (no state
 * files), the CM enrolled in the MA's registry and trusting the MA, and one
 * handshake run between them, leaving both ends of an established session
 * and the last challenge and response.
 */
#ifndef MMS_FUZZ_PAIR_H
#define MMS_FUZZ_PAIR_H

#include <stdlib.h>
#include <string.h>

#include "auth.h"

struct fuzz_pair {
	struct mms_identity ma, cm;
	struct mms_registry reg;
	struct mms_trust trust;
	struct mms_auth_ma *a;
	struct mms_auth_cm *c;
	struct mms_session sa, sc;	/* the MA's end, the CM's end */
	uint8_t chal[MMS_AUTH_CHALLENGE_LEN], resp[MMS_AUTH_RESPONSE_LEN];
};

static inline void fuzz_make_id(struct mms_identity *id, int role, const char *name)
{
	id->pub.role = (uint8_t)role;
	strcpy(id->pub.name, name);
	mms_random(id->pub.id, MMS_ID_LEN);
	mms_ed25519_keygen(id->sign_priv, id->pub.sign_pub);
	mms_x25519_keygen(id->kex_priv, id->pub.kex_pub);
}

static inline void fuzz_pair_setup(struct fuzz_pair *p)
{
	uint8_t conf[MMS_AUTH_CONFIRM_LEN];
	int n;

	fuzz_make_id(&p->ma, MMS_ROLE_MA, "ma");
	fuzz_make_id(&p->cm, MMS_ROLE_CM, "cm");
	mms_registry_add(&p->reg, &p->cm.pub, NULL);
	mms_trust_add(&p->trust, &p->ma.pub, NULL);
	p->a = mms_auth_ma_new(&p->ma, &p->reg, NULL);
	p->c = mms_auth_cm_new(&p->cm, &p->trust, NULL);
	n = mms_auth_ma_challenge(p->a, 1, NULL, 0, p->chal, sizeof(p->chal));
	n = mms_auth_cm_challenge(p->c, 1, 0, p->chal, (size_t)n, p->resp, sizeof(p->resp));
	n = mms_auth_ma_response(p->a, 0, p->resp, (size_t)n, 1, &p->sa, conf, sizeof(conf));
	if (n < 0 || mms_auth_cm_confirm(p->c, 0, conf, (size_t)n, &p->sc))
		abort();
}

#endif
