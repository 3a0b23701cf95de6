/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Helpers shared by identity.c, registry.c and bundle.c; not for the agent.
 */
#ifndef MMS_IDENTITY_INT_H
#define MMS_IDENTITY_INT_H

#include "identity.h"

/* 0 when role, name and ID are well formed. */
int mms_pubid_check(const struct mms_pubid *p);
/* "key <id> <sign-pub> <kex-pub> <name>" lines of the trust store and registry. */
void mms_pubid_add_line(struct mms_rec *r, const char *key, const struct mms_pubid *p);
int mms_pubid_parse_line(struct mms_rec_reader *rd, int role, const char *val, size_t vlen,
			 struct mms_pubid *p, struct mms_err *e);

#endif /* MMS_IDENTITY_INT_H */
