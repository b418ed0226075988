/*
 * ipv6.c - IPv6 (RFC 8200) and its extension-header chain, and the switch
 * from an IP header to what it carries.
 *
 * The Payload Length narrows the cursor, so a later layer can never read
 * Ethernet padding or trailer bytes. The chain walk follows Hop-by-Hop (0),
 * Routing (43), Fragment (44) and Destination Options (60); each step
 * consumes at least 8 bytes and the walk stops after DP_MAX_EXT headers
 * (ipv6_ext_chain_too_long), so a hostile chain cannot loop. A Routing
 * header of type 4 is an SRH (srh.c); any other type is skipped by its
 * length and noted. Carried protocols: UDP (17), IPv4 (4), IPv6 (41) and
 * Ethernet (143, RFC 8986 End.DX2); anything else is unsupported.
 */
#include "dissect.h"

enum {
	NH_HBH = 0,
	NH_IPV4 = 4,
	NH_UDP = 17,
	NH_IPV6 = 41,
	NH_ROUTING = 43,
	NH_FRAGMENT = 44,
	NH_NONE = 59,
	NH_DSTOPTS = 60,
	NH_ETHERNET = 143,
	RH_SRH = 4,
};

void ip_upper_dispatch(struct dp_ctx *x, uint8_t proto)
{
	struct dpkt *d = x->d;
	bool in6 = d->nip > 0 && d->ip[d->nip - 1].v == 6;

	switch (proto) {
	case NH_UDP:
		udp_dissect(x);
		break;
	case NH_IPV4:
		if (in6)
			dp_event(x, DP_E_IPV4_IN_IPV6);
		ipv4_dissect(x);
		break;
	case NH_IPV6:
		if (in6)
			dp_event(x, DP_E_IPV6_IN_IPV6);
		ipv6_dissect(x);
		break;
	case NH_ETHERNET:
		if (d->neth >= DP_MAX_ETH || d->nip >= DP_MAX_IP) {
			dp_fail(x, DP_C_ENCAP_DEPTH);
			break;
		}
		dp_event(x, DP_E_ETH_IN_IPV6);
		eth_dissect(x);
		break;
	default:
		dp_fail(x, DP_C_IP_PROTO);
		break;
	}
}

/* Walk the extension headers; returns false when the decode must stop. */
static bool ext_chain(struct dp_ctx *x, struct dp_ip *ip, uint8_t *nh)
{
	while (*nh == NH_HBH || *nh == NH_DSTOPTS || *nh == NH_ROUTING || *nh == NH_FRAGMENT) {
		if (ip->n_ext >= DP_MAX_EXT) {
			dp_fail(x, DP_C_EXT_CHAIN);
			return false;
		}
		uint8_t type = *nh;
		ip->ext[ip->n_ext++] = type;
		const uint8_t *h = cur_peek(&x->c, 8);
		if (!h) {
			/* Distinguish a short capture from a chain that overruns the payload. */
			dp_fail(x, cur_left(&x->c) < 8 ? DP_C_EXT_LEN : DP_C_EXT_TRUNC);
			return false;
		}
		if (type == NH_FRAGMENT) {
			uint16_t fo = rd_be16(h + 2);
			ip->frag = true;
			ip->frag_off = fo >> 3;
			*nh = h[0];
			x->c.off += 8;
			dp_event(x, DP_E_IPV6_FRAGMENT);
			dp_fail(x, DP_C_IPV6_FRAG);
			return false;
		}
		if (type == NH_ROUTING && h[2] == RH_SRH && !ip->has_srh) {
			ip->has_srh = true;
			if (!srh_dissect(x, &ip->srh, h))
				return false;
			*nh = ip->srh.nh;
			continue;
		}
		if (type == NH_HBH)
			dp_event(x, DP_E_IPV6_HBH);
		else if (type == NH_DSTOPTS)
			dp_event(x, DP_E_IPV6_DSTOPTS);
		else
			dp_event(x, h[2] == RH_SRH ? DP_E_SRH_MULTIPLE : DP_E_RH_OTHER);
		uint32_t len = ((uint32_t)h[1] + 1) * 8;
		if (len > cur_left(&x->c)) {
			dp_fail(x, DP_C_EXT_LEN);
			return false;
		}
		*nh = h[0];
		/* The body of an option header or foreign routing header is not read. */
		x->c.off += len;
	}
	return true;
}

void ipv6_dissect(struct dp_ctx *x)
{
	struct dpkt *d = x->d;
	uint32_t off = x->c.off;

	if (d->nip >= DP_MAX_IP) {
		dp_fail(x, DP_C_ENCAP_DEPTH);
		return;
	}
	const uint8_t *h = cur_take(&x->c, 40);
	if (!h) {
		dp_fail_cur(x, DP_C_IPV6_TRUNC, DP_C_IPV6_PAYLOAD_LEN);
		return;
	}
	if ((h[0] >> 4) != 6) {
		dp_fail(x, DP_C_IPV6_VERSION);
		return;
	}
	struct dp_ip *ip = &d->ip[d->nip++];
	uint8_t tc = (uint8_t)((h[0] & 0x0f) << 4 | h[1] >> 4);

	ip->v = 6;
	ip->dscp = tc >> 2;
	ip->ecn = tc & 3;
	ip->flow = rd_be24(h + 1) & 0xfffff;
	ip->plen = rd_be16(h + 4);
	ip->nh = h[6];
	ip->hlim = h[7];
	ip->id = 0;
	ip->n_ext = 0;
	ip->has_srh = false;
	ip->frag = false;
	ip->frag_off = 0;
	ip->off = off;
	memcpy(ip->src, h + 8, 16);
	memcpy(ip->dst, h + 24, 16);
	if (x->o->no_split) {
		ip->usid.n = 0;
		ip->usid.local_mask = 0;
		ip->in_block = usid_in_block(x->o, ip->dst);
	} else {
		ip->in_block = usid_split(x->o, ip->dst, &ip->usid);
	}

	if (ip->plen == 0 && ip->nh == NH_HBH) {
		ip->hlen = 40;
		ip->upper = ip->nh;
		dp_fail(x, DP_C_IPV6_JUMBO);
		return;
	}
	if (cur_left(&x->c) > ip->plen && d->nip == 1)
		dp_event(x, DP_E_TRAILER);
	if (!cur_narrow(&x->c, ip->plen)) {
		ip->hlen = 40;
		ip->upper = ip->nh;
		dp_fail(x, DP_C_IPV6_PAYLOAD_LEN);
		return;
	}
	uint8_t nh = ip->nh;
	bool ok = ext_chain(x, ip, &nh);
	ip->upper = nh;
	ip->hlen = x->c.off - off;
	if (!ok)
		return;
	if (nh == NH_NONE) {
		dp_fail(x, DP_C_IP_PROTO);
		return;
	}
	ip_upper_dispatch(x, nh);
}
