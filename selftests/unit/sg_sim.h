/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The simulator's hooks bound to one security layer per node, for tests
 * that run agent/secglue*.c on a simulated network. The including file
 * defines `static struct secglue *sg[]` (one per node) first.
 */
#ifndef MMS_SG_SIM_H
#define MMS_SG_SIM_H

#include <stdlib.h>
#include "secglue.h"
#include "sim.h"

static const struct core_auth *sg_sim_auth(uint32_t node, void *ctx)
{
	(void)ctx;
	return secglue_auth(sg[node]);
}

static int sg_sim_key(uint32_t node, const struct mms_id *id, uint8_t epoch, uint8_t key[16],
		      void *ctx)
{
	(void)ctx;
	return secglue_hop_key(sg[node], id, epoch, key);
}

static void sg_sim_bind(uint32_t node, struct mms_core *c, void *ctx)
{
	(void)ctx;
	secglue_bind(sg[node], c);
}

static uint64_t sg_sim_next(uint32_t node, void *ctx)
{
	(void)ctx;
	return secglue_next_event(sg[node]);
}

static void sg_sim_tick(uint32_t node, uint64_t now, void *ctx)
{
	(void)ctx;
	secglue_tick(sg[node], now);
}

/* Every node's core under its security layer; tune: the node's id, an MA's
 * first beacon number. */
static void sg_sim_hooks(struct sim_cfg *cfg,
			 void (*tune)(struct core_cfg *cc, uint32_t node, void *ctx))
{
	cfg->tune = tune;
	cfg->auth = sg_sim_auth;
	cfg->hop_key = sg_sim_key;
	cfg->bind = sg_sim_bind;
	cfg->next = sg_sim_next;
	cfg->tick = sg_sim_tick;
}

#endif
