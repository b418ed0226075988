/*
 * grh.c - RoCEv1: EtherType 0x8915, then an InfiniBand Global Route Header
 * (IBTA Vol 1 §8.3.1, IPv6-formatted, 40 bytes), then the BTH.
 *
 * The GRH Next Header must be 0x1B (IBA transport). PayLen counts every
 * byte after the GRH up to and including the ICRC, so it narrows the cursor
 * exactly as the UDP length does for RoCEv2.
 */
#include "dissect.h"

void grh_dissect(struct dp_ctx *x)
{
	struct dpkt *d = x->d;
	const uint8_t *h = cur_take(&x->c, 40);

	if (!h) {
		dp_fail_cur(x, DP_C_GRH_TRUNC, DP_C_ROCE_SHORT);
		return;
	}
	struct dp_grh *g = &d->grh;
	d->has_grh = true;
	d->roce = DP_ROCE_V1;
	g->ipver = h[0] >> 4;
	g->tclass = (uint8_t)((h[0] & 0x0f) << 4 | h[1] >> 4);
	g->flow = rd_be24(h + 1) & 0xfffff;
	g->paylen = rd_be16(h + 4);
	g->nxthdr = h[6];
	g->hoplmt = h[7];
	memcpy(g->sgid, h + 8, 16);
	memcpy(g->dgid, h + 24, 16);
	if (g->nxthdr != 0x1b) {
		dp_fail(x, DP_C_GRH_NXTHDR);
		return;
	}
	if (cur_left(&x->c) > g->paylen)
		dp_event(x, DP_E_TRAILER);
	if (!cur_narrow(&x->c, g->paylen)) {
		dp_fail(x, DP_C_ROCE_SHORT);
		return;
	}
	bth_dissect(x);
}
