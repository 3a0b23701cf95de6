// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Key rolls (docs/security.md, "Key roll"): every node's hop key changes
 * while traffic flows, and the old keys leave the datapath once nothing
 * sealed in them is needed.
 *
 *   MA  secglue_key_roll(): target = epoch + 1; an EPOCH envelope (MACed,
 *       routed) to every CM it has a session with: "install target".
 *   CM  core_set_epoch(target): its fresh key goes into mms_keys, and
 *       (secglue_hs.c, cm_tick) to every MA, wrapped: the HOPKEY is the
 *       answer. Beacons still in the old epoch are sealed with the old
 *       key, which stays.
 *   MAs with several, the EPOCH goes to the other MAs too, which roll to
 *       the same target; each MA draws its key for target at once, puts it
 *       in its datapath beside the current one (core_prepare_epoch) and
 *       sends it to the others as a CM does (sg_key_epoch).
 *   MA  once every CM and MA it hears from has sent its key for target (or
 *       after SG_ROLL_WAIT_MS): core_set_epoch(target). Every route is sealed
 *       again in target and sent out; beacons carry target.
 *   CM  when every MA it has a session with has sent routes sealed in the
 *       new epoch (a CONTROL), it waits SG_RETIRE_MS for the other nodes'
 *       CONTROLs and removes the keys of older epochs from mms_keys.
 *   MA  removes its own older keys SG_MA_RETIRE_MS after the switch.
 *
 * So no route is ever sealed in an epoch a node on it has no key for, and a
 * roll ends with routes of the old epoch (a revoked node's, copies of hop
 * fields a compromised relay kept) dead at every node. A node that joins
 * later, and every node after an MA restarts (back at epoch 0), takes the
 * epoch from its handshake's confirm.
 */
#include <errno.h>
#include <string.h>

#include "log.h"
#include "secglue_int.h"

enum { ROLL_IDLE, ROLL_PREPARE };

/* Serial-number order on 8-bit epochs: > 0 when a is after b. */
static int epoch_after(__u8 a, __u8 b)
{
	return (__s8)(__u8)(a - b);
}

static __u8 cur_epoch(const struct secglue *s)
{
	return core_config(s->core)->epoch;
}

bool sg_has_key(const struct sg_peer *p, __u8 epoch)
{
	const struct sg_key *k = &p->hk[epoch % MMS_EPOCH_SLOTS];

	return k->valid && k->epoch == epoch;
}

/* Remove our own keys of every epoch but the current one. */
static void retire_old(struct secglue *s, __u64 now)
{
	__u8 cur = cur_epoch(s);

	for (int i = 0; i < MMS_EPOCH_SLOTS; i++) {
		struct sg_key *k = &s->own[i];

		if (!k->valid || k->epoch == cur || core_drop_epoch(s->core, k->epoch, now))
			continue;
		pr_info("%s: key roll: epoch %u's hop key removed", s->self.pub.name, k->epoch);
		memset(k, 0, sizeof(*k));
		sg_count(s, SG_S_EPOCH_RETIRED);
	}
}

static bool have_old_keys(const struct secglue *s)
{
	for (int i = 0; i < MMS_EPOCH_SLOTS; i++)
		if (s->own[i].valid && s->own[i].epoch != cur_epoch(s))
			return true;
	return false;
}

/* ---- MA ---- */

static void announce(struct secglue *s, struct sg_peer *p, __u8 epoch, __u64 now)
{
	__u8 body[SG_EPOCH_LEN] = { epoch, 0, 0, 0 }, env[SG_EPOCH_LEN + MMS_CTL_OVERHEAD];
	int rc = mms_session_seal(&p->cur.s, SG_ENV_EPOCH, body, sizeof(body), env, sizeof(env));

	if (rc >= 0)
		rc = core_send_auth(s->core, 0, &p->id, env, (size_t)rc, now);
	if (rc)
		sg_refuse(s, SG_S_HS_UNSENT, rc, &p->id, "epoch %u announcement", epoch);
	else
		sg_count(s, SG_S_EPOCH_SENT);
	p->epoch_next = now + (__u64)p->epoch_backoff_ms * NS_MS;
	if (p->epoch_backoff_ms < 16 * SG_EPOCH_RETRY_MS)
		p->epoch_backoff_ms *= 2;
}

/* Roll to target (the next epoch, or the one another MA rolls to). */
static int roll_to(struct secglue *s, __u8 target)
{
	__u64 now;

	/* This roll (or the one queued) comes after every decree applied so
	 * far: it is the one a decree waits for (secglue_decree.c). One
	 * under way since before is not: the decree's timer queues another. */
	s->decree_roll_at = 0;
	if (s->roll != ROLL_IDLE || s->retire_at) {
		s->roll_queued = true;	/* after the one under way */
		return 0;
	}
	now = sg_now(s);
	s->roll = ROLL_PREPARE;
	s->roll_epoch = target;
	/* Our key for target goes to the other MAs now (peer_key_tick), and
	 * theirs come to us, before anyone seals in it: no MA seals around
	 * another for want of its key. Failing that, the others switch at
	 * their deadline and route around us until our key comes. */
	if (sg_own_key_prepare(s, target))
		pr_warn("%s: key roll: no key of our own for epoch %u before the switch",
			s->self.pub.name, target);
	s->roll_deadline = now + SG_ROLL_WAIT_MS * NS_MS;
	for (__u32 x = 0; x < s->npeer; x++) {
		s->peer[x]->epoch_next = now;
		s->peer[x]->epoch_backoff_ms = SG_EPOCH_RETRY_MS;
	}
	sg_count(s, SG_S_ROLL_STARTED);
	pr_info("%s: key roll to epoch %u started", s->self.pub.name, s->roll_epoch);
	sg_due(s, now);
	return 0;
}

int secglue_key_roll(struct secglue *s)
{
	if (!s->ma || !s->core)
		return -EOPNOTSUPP;
	return roll_to(s, (__u8)(cur_epoch(s) + 1));
}

__u8 sg_key_epoch(const struct secglue *s)
{
	const struct sg_key *k = &s->own[s->roll_epoch % MMS_EPOCH_SLOTS];

	if (s->ma && s->roll == ROLL_PREPARE && k->valid && k->epoch == s->roll_epoch)
		return s->roll_epoch;
	return cur_epoch(s);
}

/* The peers whose keys a roll waits for: those with a session that is in
 * use (a silent one is being challenged again, and its new session will
 * bring the epoch in the confirm), CMs and other MAs alike: told of the
 * roll, another MA rolls to the same epoch and sends its key for it at
 * once (sg_key_epoch). */
static bool counted(const struct sg_peer *p, __u64 now)
{
	return p->cur.s.established && now < p->heard + SG_IDLE_MS * NS_MS;
}

static __u64 ma_roll_tick(struct secglue *s, __u64 now)
{
	__u8 want = s->roll == ROLL_PREPARE ? s->roll_epoch : cur_epoch(s);
	unsigned have = 0, of = 0;
	__u64 next = UINT64_MAX;

	/* Anyone in use without a key for the epoch we seal in (or are about
	 * to) is told, again with backoff until its key comes. */
	for (__u32 x = 0; x < s->npeer; x++) {
		struct sg_peer *p = s->peer[x];

		if (!counted(p, now))
			continue;
		of++;
		if (sg_has_key(p, want)) {
			have++;
			continue;
		}
		if (now >= p->epoch_next)
			announce(s, p, want, now);
		if (p->epoch_next < next)
			next = p->epoch_next;
	}
	if (s->roll == ROLL_PREPARE && (have == of || now >= s->roll_deadline)) {
		s->roll = ROLL_IDLE;
		if (core_set_epoch(s->core, s->roll_epoch, now)) {
			pr_warn("%s: key roll to epoch %u failed: no key of our own",
				s->self.pub.name, s->roll_epoch);
		} else {
			sg_count(s, SG_S_ROLL_SWITCHED);
			pr_info("%s: key roll: sealing in epoch %u (keys of %u of %u nodes)",
				s->self.pub.name, s->roll_epoch, have, of);
			s->retire_at = now + SG_MA_RETIRE_MS * NS_MS;
			sg_due(s, now);	/* other MAs without our key get it now */
		}
	} else if (s->roll == ROLL_PREPARE && s->roll_deadline < next) {
		next = s->roll_deadline;
	}
	if (s->retire_at && now >= s->retire_at) {
		s->retire_at = 0;
		retire_old(s, now);
		if (s->roll_queued) {
			s->roll_queued = false;
			secglue_key_roll(s);
			next = now;
		}
	}
	if (s->retire_at && s->retire_at < next)
		next = s->retire_at;
	return next;
}

/* ---- CM ---- */

/* Every MA we have a session with seals our routes in our epoch: the older
 * keys can go once the other nodes have had time to get theirs too. */
static bool cm_may_retire(const struct secglue *s)
{
	__u8 cur = cur_epoch(s);

	if (!have_old_keys(s))
		return false;
	for (__u32 x = 0; x < s->npeer; x++) {
		const struct sg_peer *p = s->peer[x];

		if (p->cur.s.established && (!p->have_ctl_epoch || p->ctl_epoch != cur))
			return false;
	}
	return true;
}

static void cm_retire_check(struct secglue *s, __u64 now)
{
	if (s->retire_at || !cm_may_retire(s))
		return;
	s->retire_at = now + SG_RETIRE_MS * NS_MS;
	sg_due(s, s->retire_at);
}

void sg_roll_control(struct secglue *s, struct sg_peer *p, __u8 epoch)
{
	p->ctl_epoch = epoch;
	p->have_ctl_epoch = true;
	if (!s->ma)	/* an MA retires on its own clock (ma_roll_tick) */
		cm_retire_check(s, sg_now(s));
}

/* Move to the epoch an MA told us. */
static int take_epoch(struct secglue *s, const struct sg_peer *p, __u8 epoch, __u64 now)
{
	char idb[MMS_ID_STR];
	int rc;

	if (epoch == cur_epoch(s))
		return 0;
	rc = core_set_epoch(s->core, epoch, now);
	if (rc)
		return rc;
	s->retire_at = 0;	/* the old epoch's routes are still in use */
	sg_count(s, SG_S_EPOCH_TAKEN);
	pr_info("%s: key roll: epoch %u from MA %s", s->self.pub.name, epoch,
		mms_id_str(&p->id, idb));
	sg_due(s, now);		/* cm_tick sends the new key to every MA */
	return 0;
}

void sg_epoch_rx(struct secglue *s, const __u8 *in, size_t len)
{
	__u64 now = sg_now(s);
	struct sg_sess *ss;
	struct sg_peer *p;
	const __u8 *b;
	size_t blen;

	if (sg_open_typed(s, in, len, SG_ENV_EPOCH, SG_EPOCH_LEN, SG_EPOCH_LEN, &p, &ss, &b,
			  &blen))
		return;
	if (b[1] || b[2] || b[3]) {
		sg_refuse(s, SG_S_ENV_MALFORMED, -EBADMSG, &p->id, "epoch padding");
		return;
	}
	if (s->ma && !p->is_ma) {
		sg_refuse(s, SG_S_HS_UNEXPECTED, -EPERM, &p->id, "epoch from a CM");
		return;
	}
	if (s->ma && epoch_after(b[0], sg_key_epoch(s)) > 0) {
		/* Another MA rolls: roll with it, to the same epoch. */
		if (!(s->roll == ROLL_PREPARE && s->roll_epoch == b[0]))
			roll_to(s, b[0]);
		return;
	}
	if (epoch_after(b[0], sg_key_epoch(s)) < 0) {
		sg_refuse(s, SG_S_EPOCH_OLD, -ESTALE, &p->id, "epoch %u, ours %u", b[0],
			  sg_key_epoch(s));
		return;
	}
	if (!s->ma && epoch_after(b[0], cur_epoch(s)) > 0) {
		if (take_epoch(s, p, b[0], now))
			sg_refuse(s, SG_S_EPOCH_OLD, -ENOKEY, &p->id, "epoch %u not installed", b[0]);
		return;
	}
	/* Our epoch already: our key to this MA was lost, send it again. */
	p->key_acked = false;
	p->key_backoff_ms = SG_KEY_RETRY_MS;
	p->key_next = now;
	sg_due(s, now);
}

/* A session just came up: an MA tells the CM its epoch if its key does not
 * come; a CM takes the MA's epoch from the confirm, older or newer: the
 * MA has just proved who it is, and it seals in that epoch (an MA that
 * restarted begins again at 0, with fresh keys; the keys of the epoch we
 * leave stay while another MA's routes use them). */
void sg_roll_session_up(struct secglue *s, struct sg_peer *p, __u64 now)
{
	if (s->ma) {
		p->epoch_next = now + 2 * SG_EPOCH_RETRY_MS * NS_MS;
		p->epoch_backoff_ms = SG_EPOCH_RETRY_MS;
		sg_due(s, p->epoch_next);
		return;
	}
	p->have_ctl_epoch = false;
	if (take_epoch(s, p, (__u8)p->cur.s.epoch_first, now))
		sg_refuse(s, SG_S_EPOCH_OLD, -ENOKEY, &p->id, "epoch %u not installed",
			  (__u8)p->cur.s.epoch_first);
}

__u64 sg_roll_tick(struct secglue *s, __u64 now)
{
	if (s->ma)
		return ma_roll_tick(s, now);
	if (s->retire_at && now >= s->retire_at) {
		s->retire_at = 0;
		if (cm_may_retire(s))	/* still: no MA went back to an old epoch */
			retire_old(s, now);
	}
	return s->retire_at ? s->retire_at : UINT64_MAX;
}

__u8 secglue_epoch(const struct secglue *s)
{
	return s->core ? cur_epoch(s) : 0;
}
