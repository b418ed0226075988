/*
 * udp.c - UDP (RFC 768), and the RoCEv2 switch (IBTA Annex A17.2).
 *
 * The UDP length narrows the cursor. RoCEv2 is recognised by the
 * destination port alone (4791 by default, configurable): the source port
 * is the flow's entropy value and may be anything, 49152 included.
 */
#include "dissect.h"

void udp_dissect(struct dp_ctx *x)
{
	struct dpkt *d = x->d;
	uint32_t off = x->c.off;
	const uint8_t *h = cur_take(&x->c, 8);

	if (!h) {
		dp_fail_cur(x, DP_C_UDP_TRUNC, DP_C_UDP_LEN);
		return;
	}
	d->has_udp = true;
	d->udp_off = off;
	d->sport = rd_be16(h);
	d->dport = rd_be16(h + 2);
	d->ulen = rd_be16(h + 4);
	d->usum = rd_be16(h + 6);
	if (d->ulen < 8) {
		dp_fail(x, DP_C_UDP_LEN);
		return;
	}
	if (!cur_narrow(&x->c, d->ulen - 8u)) {
		dp_fail(x, DP_C_UDP_LEN);
		return;
	}
	for (unsigned i = 0; i < x->o->nroce_ports; i++) {
		if (d->dport == x->o->roce_ports[i]) {
			d->roce = DP_ROCE_V2;
			bth_dissect(x);
			return;
		}
	}
	dp_fail(x, DP_C_UDP_PORT);
}
