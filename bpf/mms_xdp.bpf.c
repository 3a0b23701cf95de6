// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * MMS forwarding on physical links (XDP). This is agent/codec.c
 * mms_process(), the normative model, in BPF: the same checks in the same
 * order with the same counters, held to it frame by frame by
 * selftests/unit/test_xdp_diff.c.
 *
 *   not 0x88B5            XDP_PASS untouched                     PASS
 *     on a data-off link  XDP_DROP                               DROP_DATA_OFF
 *   link scope            XDP_PASS to the agent                  LINK_AGENT
 *     hello = its template XDP_DROP, arrival recorded            HELLO_ABSORBED
 *   routed, last, control VERIFIED flag set, XDP_PASS            DELIVER_AGENT
 *   routed, last, data    tag checked, sequence number taken
 *                         once, the bare IP packet redirected
 *                         into mm0                               DELIVER_MM0
 *   routed, transit       field popped, redirected to next hop   FORWARD
 *   anything wrong        XDP_DROP                               DROP_<reason>
 *
 * Two things are outside the model: a port whose devmap slot is empty makes
 * bpf_redirect_map() fail, counted as DROP_REDIRECT (the loader fills mms_tx
 * together with mms_nbrs, so it means a half-configured port); and a frame
 * for the agent (LINK_AGENT, DELIVER_AGENT) over its sender's, link's or
 * node's budget for its class is DROP_RATELIMIT (bpf/mms_rl.h), and so is a
 * control frame to forward over its sender's or link's transit budget. Data
 * frames are never charged, so the management data path is never throttled
 * by it.
 */
#define MMS_CTX_XDP
#include "mms_hop.h"
#include "mms_e2e.h"
#include "mms_replay.h"
#include "mms_rl.h"
#include "mms_hello.h"

static __always_inline bool mms_agent_type(__u8 t)
{
	return t == MMS_T_BEACON_ACK || t == MMS_T_LSA || t == MMS_T_AUTH ||
	       t == MMS_T_CONTROL || t == MMS_T_NOTIFY;
}

/*
 * The end-to-end tag of a DATA body at body_off (tag, sequence word, then an
 * IP packet of ip_len bytes, at least its fixed header): under the key the
 * source's set holds for the epoch, looked up by the packet's source address
 * (at an MA), else this node's own for the epoch (mms_process(): e2e_ok()).
 * On success *rk names the window the frame's counter (*ctr) goes to: that
 * source's, or the producer's under this node's own key.
 */
static __always_inline bool mms_e2e_check(struct xdp_md *ctx, const struct mms_hdr *h, __u8 type,
					  const struct mms_key *own, __u32 body_off,
					  __u32 ip_len, struct mms_rp_key *rk, __u64 *ctr)
{
	const void *data = ctx_data(ctx), *end = ctx_data_end(ctx);
	const __u8 *tag = data + body_off, *ip = (const __u8 *)tag + MMS_E2E_LEN;
	const struct mms_route_set *set;
	const struct mms_e2e_rx *rx = NULL;
	struct mms_addr src = {};
	struct mms_e2e_io io;
	__u32 slot = h->epoch % MMS_EPOCH_SLOTS;
	__u64 want, seq;

	if ((const void *)ip + 20 > end)
		return false;
	if (ip[0] >> 4 == 4) {
		src.a[10] = 0xff;
		src.a[11] = 0xff;
		st32(&src.a[12], ld32(ip + 12));
	} else {
		if ((const void *)ip + 40 > end)
			return false;
		st64(&src.a[0], ld64(ip + 8));
		st64(&src.a[8], ld64(ip + 16));
	}
	want = ld64(tag);
	seq = bpf_be64_to_cpu(ld64(tag + MMS_E2E_TAG_LEN));
	set = bpf_map_lookup_elem(&mms_routes, &src);
	if (set)
		rx = &set->rx[slot];
	if (rx && rx->valid && rx->epoch == h->epoch) {
		io.key = rx->key;
		rk->src = src;		/* the source's own key: it alone produces */
	} else {
		io.key = own->e2e;
		rk->producer = (__u16)(seq >> MMS_SEQ_CTR_BITS);
	}
	io.w0 = mms_e2e_w0(h->epoch, h->tag, type, (__u16)ip_len);
	io.w1 = mms_e2e_w1(seq);
	if (mms_e2e_sum(ctx, body_off + MMS_E2E_LEN, ip_len, &io))
		return false;
	*ctr = seq & MMS_SEQ_CTR_MASK;
	return mms_le64(io.tag) == want;
}

/* Last hop: control frames up to the agent, IP bearer data into mm0. */
static __always_inline int mms_deliver(struct xdp_md *ctx, struct mms_hdr *h,
				       const struct mms_pl *pl, __u32 len, __u32 body_off,
				       __u32 frame_end, const struct mms_cfg *cfg, __u64 src,
				       const struct mms_key *key, bool ctrl_only)
{
	const __u8 *ip = (const void *)(pl + 1) + MMS_E2E_LEN;
	void *data, *end = ctx_data_end(ctx);
	__u32 ip_off = body_off + MMS_E2E_LEN, ip_len;
	struct mms_rp_key rk = {};
	__u64 ctr = 0;
	int rc;
	__u8 v;

	if (pl->rsvd)
		return mms_drop(len, MMS_S_DROP_PAYLOAD);
	if (mms_agent_type(pl->type)) {
		/* Charged to the neighbour the frame came from (its MAC was
		 * verified against the ingress port): a relay's budget covers
		 * everything it delivers to us. */
		if (!mms_rl_admit(ctx_field(ctx, ingress_ifindex), src, MMS_RL_ROUTED))
			return mms_drop(len, MMS_S_DROP_RATELIMIT);
		/* The agent trusts this mark: the frame arrived without it
		 * (DROP_FLAGS otherwise) and its hop verified here. */
		h->flags = MMS_F_VERIFIED;
		if (frame_end < len && bpf_xdp_adjust_tail(ctx, (int)frame_end - (int)len))
			return mms_drop(len, MMS_S_DROP_TRUNCATED);
		return mms_exit(len, MMS_S_DELIVER_AGENT, XDP_PASS);
	}
	if (pl->type != MMS_T_DATA || frame_end <= ip_off)
		return mms_drop(len, MMS_S_DROP_PAYLOAD);
	if (ctrl_only)
		return mms_drop(len, MMS_S_DROP_CTRL_ONLY);
	if ((const void *)(ip + 1) > end)
		return mms_drop(len, MMS_S_DROP_TRUNCATED);
	v = ip[0] >> 4;
	ip_len = frame_end - ip_off;
	if ((v != 4 && v != 6) || ip_len < (v == 4 ? 20u : 40u) || ip_len > MMS_DATA_MAX)
		return mms_drop(len, MMS_S_DROP_PAYLOAD);
	if (!mms_e2e_check(ctx, h, pl->type, key, body_off, ip_len, &rk, &ctr))
		return mms_drop(len, MMS_S_DROP_E2E_TAG);
	rc = mms_replay_take(&rk, h->epoch, ctr);
	if (rc)
		return mms_drop(len, (enum mms_stat)rc);

	/* Keep exactly the IP packet and put a fresh Ethernet header for mm0
	 * in front of it. Neither adjustment can fail on a frame that passed
	 * the length checks; if one did, the frame could not be sent. */
	if (bpf_xdp_adjust_head(ctx, (int)(ip_off - MMS_ETH_LEN)))
		return mms_drop(len, MMS_S_DROP_REDIRECT);
	if (frame_end < len && bpf_xdp_adjust_tail(ctx, (int)frame_end - (int)len))
		return mms_drop(len, MMS_S_DROP_REDIRECT);
	data = ctx_data(ctx);
	end = ctx_data_end(ctx);
	if (data + MMS_ETH_LEN > end)
		return mms_drop(len, MMS_S_DROP_REDIRECT);
	st32(data, ld32(cfg->mm0_mac));
	st16(data + 4, ld16(cfg->mm0_mac + 4));
	st32(data + 6, ld32(cfg->mm0_mac));
	st16(data + 10, ld16(cfg->mm0_mac + 4));
	st16(data + 12, v == 4 ? bpf_htons(0x0800) : bpf_htons(0x86DD));
	if (bpf_redirect_map(&mms_tx, 0, 0) != XDP_REDIRECT)
		return mms_drop(len, MMS_S_DROP_REDIRECT);
	return mms_exit(len, MMS_S_DELIVER_MM0, XDP_REDIRECT);
}

/* Transit: pop our field, write the next link header, send it on. */
static __always_inline int mms_forward(struct xdp_md *ctx, const struct mms_hdr *h, __u32 port,
				       __u32 l2, __u32 len, const struct mms_cfg *cfg)
{
	const struct mms_nbr *nbr = mms_nbr_get(port);
	void *data, *end;
	__u64 h0, h1;
	__u32 nl2;

	if (!nbr || nbr->state != MMS_NBR_UP)
		return mms_drop(len, MMS_S_DROP_NO_NBR);
	nl2 = mms_l2_len(nbr);
	/* The new route header lands on our popped field; read the old one
	 * before the head moves. */
	h0 = ld64(h);
	h1 = ld64((const void *)h + 8);
	if (bpf_xdp_adjust_head(ctx, (int)(l2 + MMS_HOP_LEN - nl2)))
		return mms_drop(len, MMS_S_DROP_REDIRECT);
	data = ctx_data(ctx);
	end = ctx_data_end(ctx);
	/* A frame with two fields left is longer than any link header plus
	 * route header, so this only informs the verifier. */
	if (data + MMS_ETH_LEN + VLAN_HLEN + MMS_HDR_LEN > end)
		return mms_drop(len, MMS_S_DROP_REDIRECT);
	mms_put_l2(data, nbr, cfg->pcp);
	st64(data + nl2, h0);
	st64(data + nl2 + 8, h1);
	((struct mms_hdr *)(data + nl2))->nhops--;
	if (bpf_redirect_map(&mms_tx, port, 0) != XDP_REDIRECT)
		return mms_drop(len, MMS_S_DROP_REDIRECT);
	return mms_exit(len, MMS_S_FORWARD, XDP_REDIRECT);
}

/*
 * Not MMS: to the stack, unless data service is off on the interface the
 * frame came in on (mmsctl data off), which drops it, ARP included: MMS
 * needs none. mms_cfg.data_off counts such interfaces, so while there are
 * none this costs one array lookup and a load, and the hash lookup by
 * ingress ifindex only happens on a node that has one.
 */
static __always_inline int mms_not_mms(struct xdp_md *ctx, __u32 len)
{
	const struct mms_cfg *cfg = mms_cfg_get();
	__u32 ifindex;

	if (cfg && cfg->data_off) {
		ifindex = ctx_field(ctx, ingress_ifindex);
		if (bpf_map_lookup_elem(&mms_data_off, &ifindex))
			return mms_drop(len, MMS_S_DROP_DATA_OFF);
	}
	return mms_exit(len, MMS_S_PASS, XDP_PASS);
}

SEC("xdp")
int mms_xdp(struct xdp_md *ctx)
{
	void *data = ctx_data(ctx), *end = ctx_data_end(ctx);
	__u32 len = ctx_len(ctx), l2;
	__u32 nhops, hops_off, pl_off, body_off, frame_end, slot, w[4];
	const struct mms_cfg *cfg;
	const struct mms_key *key;
	const struct mms_nbr *nbr;
	const struct mms_pl *pl;
	struct mms_hdr *h;
	const void *hop;
	__u64 src;

	l2 = mms_l2_of(data, end);
	if (!l2)
		return mms_not_mms(ctx, len);

	h = data + l2;
	if ((void *)(h + 1) > end)
		return mms_drop(len, MMS_S_DROP_TRUNCATED);
	if (h->ver != MMS_VERSION)
		return mms_drop(len, MMS_S_DROP_VERSION);
	if (h->scope != MMS_SCOPE_LINK && h->scope != MMS_SCOPE_ROUTE)
		return mms_drop(len, MMS_S_DROP_SCOPE);
	if (h->flags | h->rsvd[0] | h->rsvd[1] | h->rsvd[2])
		return mms_drop(len, MMS_S_DROP_FLAGS);
	nhops = h->nhops;
	if (nhops > MMS_MAX_HOPS || (h->scope == MMS_SCOPE_ROUTE && nhops == 0))
		return mms_drop(len, MMS_S_DROP_NHOPS);
	hops_off = l2 + MMS_HDR_LEN;
	pl_off = hops_off + nhops * MMS_HOP_LEN;
	pl = data + pl_off;
	if ((const void *)(pl + 1) > end)
		return mms_drop(len, MMS_S_DROP_TRUNCATED);
	body_off = pl_off + MMS_PL_LEN;
	frame_end = body_off + bpf_ntohs(pl->len);
	if (frame_end > len)
		return mms_drop(len, MMS_S_DROP_TRUNCATED);
	src = ld32(data + 6) | (__u64)ld16(data + 10) << 32;
	if (h->scope == MMS_SCOPE_LINK) {
		if (!mms_rl_admit(ctx_field(ctx, ingress_ifindex), src, MMS_RL_LINK_SCOPE))
			return mms_drop(len, MMS_S_DROP_RATELIMIT);
		if (pl->type == MMS_T_HELLO && mms_hello_absorb(ctx, l2, frame_end - l2))
			return mms_drop(len, MMS_S_HELLO_ABSORBED);
		return mms_exit(len, MMS_S_LINK_AGENT, XDP_PASS);
	}

	cfg = mms_cfg_get();
	if (!cfg || mms_expired(mms_now_ns(cfg), h->expiry))
		return mms_drop(len, MMS_S_DROP_EXPIRED);
	slot = h->epoch % MMS_EPOCH_SLOTS;
	key = bpf_map_lookup_elem(&mms_keys, &slot);
	if (!key || !key->valid || key->epoch != h->epoch)
		return mms_drop(len, MMS_S_DROP_EPOCH);
	hop = data + hops_off;
	if (hop + MMS_HOP_LEN > end)
		return mms_drop(len, MMS_S_DROP_TRUNCATED);
	if (!mms_hop_open_check(key, hop, h, nhops, mms_hop_chain(ctx, hops_off, nhops), w))
		return mms_drop(len, MMS_S_DROP_HOP);

	nbr = mms_nbr_get(w[0] & 0xffff);
	if (!nbr || nbr->ifindex != ctx_field(ctx, ingress_ifindex) ||
	    ld32(nbr->mac) != ld32(data + 6) || ld16(nbr->mac + 4) != ld16(data + 10))
		return mms_drop(len, MMS_S_DROP_INGRESS);

	if (nhops == 1)
		return mms_deliver(ctx, h, pl, len, body_off, frame_end, cfg, src, key,
				   (w[1] >> 24) & MMS_HOP_CTRL);
	/* Control in transit is charged to the neighbour it came from: the
	 * next node charges all of it to us, and so shares one budget among
	 * every node behind us, which one of them flooding (anyone who heard
	 * a beacon holds its reverse route) would otherwise spend alone.
	 * Data is not charged; on a beacon's reverse route the MA drops it
	 * (DROP_CTRL_ONLY) before any budget. */
	if (pl->type != MMS_T_DATA &&
	    !mms_rl_admit(ctx_field(ctx, ingress_ifindex), src, MMS_RL_TRANSIT))
		return mms_drop(len, MMS_S_DROP_RATELIMIT);
	return mms_forward(ctx, h, w[0] >> 16, l2, len, cfg);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
