/*
 * fuzz_usid.c - uSID carriers (usid.c) and uSID programs (program.c).
 *
 * Input: byte 0 flags (fuzz_common.h), byte 1 the layout: lblen = 8 *
 * (1 + low nibble % 15), nflen = 8 * (1 + high nibble % 4), cut so that
 * lblen + nflen <= 128 as the config loader guarantees; bytes 2-17 the
 * block (masked to lblen); bytes 18-33 an address. usid_split() must
 * return only non-zero uSIDs, at most DP_MAX_USID, each of nflen bits, with
 * the local mask matching the local range. Then the rest of the input is
 * an SRH after an IPv6 header whose destination is that address, decoded
 * and rendered with the same options: the program (carrier, then the
 * segments from SL-1 down to 0, each split) is built and printed.
 */
#include "fuzz_common.h"

#include "program.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_setup();
	if (size < 34 || size > 34 + 4096)
		return 0;
	uint8_t flags = data[0], lay = data[1];
	struct dp_opts o;
	const struct config *c = fz_opts(flags, &o);
	unsigned lblen = 8u * (1u + (lay & 15u) % 15u), nflen = 8u * (1u + (lay >> 4) % 4u);
	if (lblen + nflen > 128)
		lblen = 128 - nflen;
	o.has_block = !(flags & FZ_NOBLOCK);
	o.lblen = (uint8_t)lblen;
	o.nflen = (uint8_t)nflen;
	memset(o.block, 0, sizeof(o.block));
	memcpy(o.block, data + 2, lblen / 8);
	uint32_t max = nflen == 32 ? UINT32_MAX : (1u << nflen) - 1;
	o.local_lo = max - (max >> 3);
	o.local_hi = max;

	uint8_t addr[16];
	memcpy(addr, data + 18, 16);
	struct dp_usid u;
	bool in = usid_split(&o, addr, &u);
	if (u.n > DP_MAX_USID || (!in && u.n) || (in && memcmp(addr, o.block, lblen / 8) != 0))
		abort();
	for (unsigned i = 0; i < u.n; i++) {
		if (u.id[i] == 0 || u.id[i] > max)
			abort();
		if (!!(u.local_mask & (1u << i)) != usid_is_local(&o, u.id[i]))
			abort();
	}

	/* IPv6 (NH 43) to the address, then the rest as the SRH and beyond. */
	size_t rest = size - 34, n = 40 + rest;
	uint8_t *frame = malloc(n);
	if (!frame)
		return 0;
	static const uint8_t v6[8] = {0x60, 0, 0, 0, 0, 0, 43, 64};
	memcpy(frame, v6, 8);
	frame[4] = (uint8_t)(rest >> 8);
	frame[5] = (uint8_t)rest;
	memset(frame + 8, 0x20, 16);
	memcpy(frame + 24, addr, 16);
	memcpy(frame + 40, data + 34, rest);
	struct dpkt d;
	dissect(&o, DP_LINK_IPV6, frame, (uint32_t)n, (uint32_t)n, &d);
	struct program p;
	if (program_build(&o, &d, frame, &p)) {
		char txt[2048];
		if (p.n > PROG_MAX)
			abort();
		program_text(c, &o, &p, true, txt, sizeof(txt));
		program_text(c, &o, &p, false, txt, sizeof(txt));
	}
	if (!(flags & FZ_NOEMIT)) {
		struct out out;
		struct pkt pk = {.ts = 1, .caplen = (uint32_t)n, .len = (uint32_t)n,
				 .linktype = DP_LINK_IPV6, .frame = 1, .data = frame};
		out_init(&out, fz_null, (flags & FZ_JSON) ? OUT_JSON : OUT_TEXT, (flags & FZ_VERBOSE) ? 2 : 0);
		emit_packet(&out, c, &o, &pk, &d);
	}
	free(frame);
	return 0;
}
