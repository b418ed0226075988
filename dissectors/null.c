/*
 * null.c - BSD loopback encapsulation.
 *
 * LINKTYPE_NULL (0): a 4-byte address family in the byte order of the
 * machine that wrote the file, so both orders are tried. LINKTYPE_LOOP
 * (108): the same in network byte order. AF_INET is 2 everywhere; AF_INET6
 * is 10 (Linux), 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS).
 * Reference: https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html
 */
#include "dissect.h"

static int af_kind(uint32_t af)
{
	switch (af) {
	case 2:
		return 4;
	case 10:
	case 24:
	case 28:
	case 30:
		return 6;
	default:
		return 0;
	}
}

void null_dissect(struct dp_ctx *x, bool loop)
{
	const uint8_t *h = cur_take(&x->c, 4);

	if (!h) {
		dp_fail(x, DP_C_NULL_TRUNC);
		return;
	}
	int k = af_kind(rd_be32(h));
	if (!k && !loop)
		k = af_kind(rd_le32(h));
	if (k == 4)
		ipv4_dissect(x);
	else if (k == 6)
		ipv6_dissect(x);
	else
		dp_fail(x, DP_C_ETHERTYPE);
}
