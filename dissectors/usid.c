/*
 * usid.c - uSID carriers (RFC 9800 §4.1, NEXT-C-SID flavour).
 *
 * A carrier is an IPv6 address inside the locator block: `lblen` bits of
 * block, then uSIDs of `nflen` bits each, the first being the active one; a
 * zero uSID ends the carrier (RFC 9800 §4.1.1: "the C-SID value 0 is
 * reserved"), and nothing after it is read. Each uSID is global (a node,
 * GIB) or local (a function of the preceding node, LIB) according to the
 * configured local range. Lengths are whole bytes, as in Linux (lblen and
 * nflen must be multiples of 8, see iproute2 seg6local), so a uSID is read
 * as nflen/8 bytes with no bit shifting.
 */
#include "dissect.h"

bool usid_is_local(const struct dp_opts *o, uint32_t id)
{
	return id >= o->local_lo && id <= o->local_hi;
}

bool usid_in_block(const struct dp_opts *o, const uint8_t addr[16])
{
	unsigned bbytes = o->lblen / 8;
	if (!o->has_block || bbytes > 16)
		return false;
	for (unsigned i = 0; i < bbytes; i++)
		if (addr[i] != o->block[i])
			return false;
	return true;
}

bool usid_split(const struct dp_opts *o, const uint8_t addr[16], struct dp_usid *out)
{
	out->n = 0;
	out->local_mask = 0;
	if (!o->has_block)
		return false;
	unsigned bbytes = o->lblen / 8, ubytes = o->nflen / 8;
	if (bbytes > 16 || ubytes == 0 || ubytes > 4) /* defensive: config validates */
		return false;
	for (unsigned i = 0; i < bbytes; i++) /* a few bytes: a loop beats a call to memcmp */
		if (addr[i] != o->block[i])
			return false;
	for (unsigned pos = bbytes; pos + ubytes <= 16 && out->n < DP_MAX_USID; pos += ubytes) {
		uint32_t id = 0;
		for (unsigned i = 0; i < ubytes; i++)
			id = id << 8 | addr[pos + i];
		if (id == 0)
			break;
		if (usid_is_local(o, id))
			out->local_mask |= (uint16_t)(1u << out->n);
		out->id[out->n++] = id;
	}
	return true;
}
