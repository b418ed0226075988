/*
 * ipv4.c - IPv4 (RFC 791).
 *
 * Checks version and IHL, narrows the cursor to Total Length (so Ethernet
 * padding is never read as payload), notes options and fragments. A
 * fragment stops the decode as unsupported: RoCE never fragments, and the
 * UDP header of a first fragment describes bytes this frame does not hold.
 */
#include "dissect.h"

void ipv4_dissect(struct dp_ctx *x)
{
	struct dpkt *d = x->d;
	uint32_t off = x->c.off;

	if (d->nip >= DP_MAX_IP) {
		dp_fail(x, DP_C_ENCAP_DEPTH);
		return;
	}
	const uint8_t *h = cur_take(&x->c, 20);
	if (!h) {
		dp_fail_cur(x, DP_C_IPV4_TRUNC, DP_C_IPV4_TOTAL_LEN);
		return;
	}
	if ((h[0] >> 4) != 4) {
		dp_fail(x, DP_C_IPV4_VERSION);
		return;
	}
	struct dp_ip *ip = &d->ip[d->nip++];
	uint32_t ihl = (uint32_t)(h[0] & 0x0f) * 4;
	uint16_t total = rd_be16(h + 2);
	uint16_t frag = rd_be16(h + 6);

	ip->v = 4;
	ip->dscp = h[1] >> 2;
	ip->ecn = h[1] & 3;
	ip->id = rd_be16(h + 4);
	ip->hlim = h[8];
	ip->nh = h[9];
	ip->upper = h[9];
	ip->n_ext = 0;
	ip->has_srh = false;
	ip->in_block = false;
	ip->flow = 0;
	ip->off = off;
	ip->hlen = ihl;
	ip->frag = (frag & 0x3fff) != 0; /* MF or a non-zero offset */
	ip->frag_off = frag & 0x1fff;
	memcpy(ip->src, h + 12, 4);
	memcpy(ip->dst, h + 16, 4);
	memset(ip->src + 4, 0, 12);
	memset(ip->dst + 4, 0, 12);

	if (ihl < 20) {
		ip->plen = 0;
		dp_fail(x, DP_C_IPV4_IHL);
		return;
	}
	if (total < ihl) {
		ip->plen = 0;
		dp_fail(x, DP_C_IPV4_TOTAL_LEN);
		return;
	}
	ip->plen = total - ihl;
	/* Total Length counts from the start of this header, already consumed. */
	x->c.off = off;
	if (cur_left(&x->c) > total && d->nip == 1)
		dp_event(x, DP_E_TRAILER);
	if (!cur_narrow(&x->c, total)) {
		dp_fail(x, DP_C_IPV4_TOTAL_LEN);
		return;
	}
	x->c.off = off + 20;
	if (ihl > 20) {
		dp_event(x, DP_E_IPV4_OPTIONS);
		if (!cur_take(&x->c, ihl - 20)) {
			dp_fail_cur(x, DP_C_IPV4_TRUNC, DP_C_IPV4_IHL);
			return;
		}
	}
	if (ip->frag) {
		dp_event(x, DP_E_IPV4_FRAGMENT);
		dp_fail(x, DP_C_IPV4_FRAG);
		return;
	}
	ip_upper_dispatch(x, ip->nh);
}
