/*
 * sll.c - Linux "cooked" capture headers, written by libpcap for `-i any`.
 *
 * LINKTYPE_LINUX_SLL (113), 16 bytes: packet type, ARPHRD type, address
 * length, 8 address bytes, protocol. LINKTYPE_LINUX_SLL2 (276), 20 bytes:
 * protocol, reserved, interface index, ARPHRD type, packet type, address
 * length, 8 address bytes. The packet type carries the direction
 * (0 to us, 1 broadcast, 2 multicast, 3 to someone else, 4 outgoing).
 * VLAN tags the NIC stripped are re-inserted by libpcap after the header,
 * so the protocol may be 0x8100 and the tags are walked as for Ethernet.
 * Reference: https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html
 */
#include "dissect.h"

void sll_dissect(struct dp_ctx *x, bool v2)
{
	struct dpkt *d = x->d;
	const uint8_t *h = cur_take(&x->c, v2 ? 20 : 16);

	if (!h) {
		dp_fail(x, DP_C_SLL_TRUNC);
		return;
	}
	d->has_sll = true;
	if (v2) {
		d->sll_proto = rd_be16(h);
		d->sll_ifindex = rd_be32(h + 4);
		d->sll_pkttype = h[10];
	} else {
		d->sll_pkttype = rd_be16(h);
		d->sll_ifindex = 0;
		d->sll_proto = rd_be16(h + 14);
	}
	/* libpcap puts an offloaded VLAN tag back in at the protocol field. */
	link_type_dispatch(x, d->sll_proto, true);
}
