/*
 * eth.c - Ethernet II, IEEE 802.3 length frames, 802.1Q / 802.1ad tags.
 *
 * IEEE 802.3 clause 3.2.6: a Type/Length value below 0x0600 is a length
 * (LLC follows) and is skipped as unsupported; 0x0600 and above is an
 * EtherType. Up to DP_MAX_VLAN tags (TPID 0x8100, 0x88a8, or the pre-
 * standard 0x9100) are decoded; one more is malformed (vlan_too_many), a
 * cap that keeps a frame of stacked tags from looping. An Ethernet frame
 * carried inside IPv6 (RFC 8986 End.DX2, Next Header 143) comes through
 * here too, as the second entry of dpkt.eth.
 */
#include "dissect.h"

enum {
	ET_IPV4 = 0x0800,
	ET_IPV6 = 0x86dd,
	ET_VLAN = 0x8100,
	ET_QINQ = 0x88a8,
	ET_QINQ_OLD = 0x9100,
	ET_MACCTL = 0x8808,
	ET_ROCEV1 = 0x8915,
};

void ethertype_dispatch(struct dp_ctx *x, uint16_t type)
{
	switch (type) {
	case ET_IPV4:
		ipv4_dissect(x);
		break;
	case ET_IPV6:
		ipv6_dissect(x);
		break;
	case ET_ROCEV1:
		grh_dissect(x);
		break;
	case ET_MACCTL:
		pfc_dissect(x);
		break;
	default:
		dp_fail(x, type < 0x0600 ? DP_C_LLC : DP_C_ETHERTYPE);
		break;
	}
}

/*
 * Walk up to DP_MAX_VLAN 802.1Q/802.1ad tags starting with *type; leaves in
 * *type the EtherType reached (the TPID of a tag that could not be read, on
 * failure) and returns false when the decode must stop (cause set). Tags
 * are recorded only for the outer link layer.
 */
static bool vlan_tags(struct dp_ctx *x, uint16_t *typep, bool outer)
{
	struct dpkt *d = x->d;
	uint16_t type = *typep;
	for (unsigned n = 0; type == ET_VLAN || type == ET_QINQ || type == ET_QINQ_OLD; n++) {
		*typep = type;
		if (n >= DP_MAX_VLAN) {
			dp_fail(x, DP_C_VLAN_TOO_MANY);
			return false;
		}
		const uint8_t *t = cur_take(&x->c, 4);
		if (!t) {
			dp_fail_cur(x, DP_C_VLAN_TRUNC, DP_C_VLAN_TRUNC);
			return false;
		}
		uint16_t tci = rd_be16(t);
		if (outer && d->nvlan < DP_MAX_VLAN) { /* an SLL header may have recorded tags already */
			d->vlan_tpid[d->nvlan] = type;
			d->vlan_id[d->nvlan] = tci & 0x0fff;
			d->vlan_pcp[d->nvlan] = (uint8_t)(tci >> 13);
			d->nvlan++;
		}
		type = rd_be16(t + 2);
	}
	*typep = type;
	return true;
}

void link_type_dispatch(struct dp_ctx *x, uint16_t type, bool outer)
{
	if (vlan_tags(x, &type, outer))
		ethertype_dispatch(x, type);
}

void eth_dissect(struct dp_ctx *x)
{
	struct dpkt *d = x->d;
	/* Ethernet carried in IP (NH 143) is never the outer link, whatever link type came first. */
	bool outer = d->neth == 0 && d->nip == 0;
	uint32_t off = x->c.off;
	const uint8_t *h = cur_take(&x->c, 14);

	if (!h) {
		dp_fail_cur(x, DP_C_ETH_TRUNC, DP_C_ETH_TRUNC);
		return;
	}
	if (d->neth >= DP_MAX_ETH) { /* defensive: callers cap encapsulation depth */
		dp_fail(x, DP_C_ENCAP_DEPTH);
		return;
	}
	struct dp_eth *e = &d->eth[d->neth++];
	memcpy(e->dst, h, 6);
	memcpy(e->src, h + 6, 6);
	e->off = off;
	uint16_t type = rd_be16(h + 12);
	bool ok = vlan_tags(x, &type, outer);
	e->type = type;
	if (ok)
		ethertype_dispatch(x, type);
}
